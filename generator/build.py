"""The build pipeline: read everything, select at ``now``, render everything, write once."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from generator.config import Config, load_config
from generator.errors import Problem, ProblemsFound
from generator.loader import load_notices
from generator.model import Notice

SITE_DIR = "site"


@dataclass(frozen=True)
class Checked:
    config: Config
    notices: tuple[Notice, ...]


def check(root: Path) -> tuple[Checked | None, list[Problem]]:
    """Validate outpost.yaml and every notice; return what loaded and every problem."""
    try:
        config = load_config(root)
    except ProblemsFound as exc:
        return None, exc.problems
    notices, problems = load_notices(root, config)
    return Checked(config, tuple(notices)), sorted(problems)


def load_valid(root: Path, outcome: str) -> Checked:
    """Everything loaded, or ProblemsFound listing every problem."""
    checked, problems = check(root)
    if problems or checked is None:
        raise ProblemsFound(problems, outcome)
    return checked


# Each producer is "module:function", taking a render.Site and returning
# {path: bytes}. One line per output family; imported only when building.
PRODUCERS: tuple[str, ...] = (
    "generator.render:render_pages",
    "generator.feeds:render_feeds",
    "generator.ical:render_calendar",
    "generator.api:render_api",
    "generator.embeds:render_embeds",
)
# Finishers see every produced file and may add more (the manifest, headers).
FINISHERS: tuple[str, ...] = (
    "generator.headers:finish",
)


def _load(spec: str) -> Callable[..., dict[str, bytes]]:
    module_name, function = spec.split(":")
    function_object: Callable[..., dict[str, bytes]] = getattr(
        importlib.import_module(module_name), function)
    return function_object


def render_site(checked: Checked, now: datetime, root: Path | None) -> dict[str, bytes]:
    """Render every output file of the site for ``now`` as {path: bytes}."""
    from generator.render import make_site
    from generator.select import select

    snapshot = select(checked.notices, now, checked.config)
    from generator.feeds import site_feeds

    site = make_site(checked.config, snapshot, checked.notices, root,
                     feeds=site_feeds(checked.config))
    files: dict[str, bytes] = {}
    for spec in PRODUCERS:
        files.update(_load(spec)(site))
    for spec in FINISHERS:
        files.update(_load(spec)(site, dict(files)))
    return files


def build(root: Path, out: Path | None, now: datetime) -> tuple[Path, int]:
    """Check, render and swap in the site; returns the folder and the file count."""
    checked = load_valid(root, "Build stopped: nothing was written.")
    files = render_site(checked, now, root)
    from generator.output import replace_site

    target = out if out is not None else root / SITE_DIR
    replace_site(target, files, keep=root)
    return target, len(files)
