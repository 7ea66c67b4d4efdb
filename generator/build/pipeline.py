"""The build pipeline: read everything, select at ``now``, render everything, write once."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from generator.core.errors import Problem, ProblemsFound

if TYPE_CHECKING:  # config (YAML, schema) is imported only when a build reads it
    from jinja2 import BytecodeCache

    from generator.build.cache import PageMemo
    from generator.config.settings import Config
    from generator.core.model import Notice
    from generator.render.pages import Site

SITE_DIR = "site"


@dataclass(frozen=True)
class Checked:
    config: Config
    notices: tuple[Notice, ...]
    digests: dict[str, str] = field(default_factory=dict)  # notice id -> sha256 of its file


def check(root: Path) -> tuple[Checked | None, list[Problem]]:
    """Validate outpost.yaml and every notice; return what loaded and every problem."""
    from generator.config.settings import load_config

    try:
        config = load_config(root)
    except ProblemsFound as exc:
        return None, exc.problems
    from generator.build.cache import load_notices as load_cached
    from generator.build.cache import open_store

    loaded = load_cached(root, config, open_store(root))  # unchanged files: parsed before
    return Checked(config, tuple(loaded.notices), loaded.digests), sorted(loaded.problems)


def load_valid(root: Path, outcome: str) -> Checked:
    """Everything loaded, or ProblemsFound listing every problem."""
    checked, problems = check(root)
    if problems or checked is None:
        raise ProblemsFound(problems, outcome)
    return checked


# Each producer is "module:function", taking a render.Site and returning
# {path: bytes}. One line per output family; imported only when building.
PRODUCERS: tuple[str, ...] = (
    "generator.render.pages:render_pages",
    "generator.render.feeds:render_feeds",
    "generator.render.calendar:render_calendar",
    "generator.render.api:render_api",
    "generator.render.embeds:render_embeds",
)
# Finishers see every produced file and may add more (the manifest, headers).
FINISHERS: tuple[str, ...] = (
    "generator.render.headers:finish",
)


def _load(spec: str) -> Callable[..., dict[str, bytes]]:
    module_name, function = spec.split(":")
    function_object: Callable[..., dict[str, bytes]] = getattr(
        importlib.import_module(module_name), function)
    return function_object


def render_site(checked: Checked, now: datetime, root: Path | None,
                memo: Callable[[Site], PageMemo] | None = None,
                compiled: BytecodeCache | None = None) -> dict[str, bytes]:
    """Render every output file of the site for ``now`` as {path: bytes}.

    ``memo`` makes the page cache for a site (generator/incremental.py); ``compiled``
    keeps compiled templates between builds.
    """
    from generator.render.pages import make_site
    from generator.core.timeline import select

    snapshot = select(checked.notices, now, checked.config)
    from generator.render.feeds import site_feeds

    site = make_site(checked.config, snapshot, checked.notices, root,
                     feeds=site_feeds(checked.config), compiled=compiled)
    if memo is not None:
        site = replace(site, memo=memo(site))
    files: dict[str, bytes] = {}
    dispatch = getattr(site.memo, "dispatch", None)  # start rendering deferred pages
    try:
        for spec in PRODUCERS:
            files.update(_load(spec)(site))
            if dispatch is not None:
                dispatch()
    except BaseException:
        getattr(site.memo, "abandon", lambda: None)()
        raise
    resolve = getattr(site.memo, "resolve", None)  # pages the page cache deferred
    if resolve is not None:
        resolve(files)
    for spec in FINISHERS:
        files.update(_load(spec)(site, dict(files)))
    return files


def build(root: Path, out: Path | None, now: datetime) -> tuple[Path, int]:
    """Check, render and swap in the site; returns the folder and the file count."""
    from generator.build.builder import build as build_incremental

    target = out if out is not None else root / SITE_DIR
    count, _ = build_incremental(root, target, now)
    return target, count
