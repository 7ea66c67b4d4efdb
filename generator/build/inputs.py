"""What a build reads: outpost.yaml and every notice, checked, with every problem."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from generator.build.cache import load_notices
from generator.build.options import DEFAULTS, BuildOptions
from generator.build.store import Store, open_store
from generator.build.uptodate import settings_digests
from generator.config.settings import read_config
from generator.core.errors import Problem, ProblemsFound
from generator.core.model import Config, Notice
from generator.render.overrides import conflicted_overrides, unread_overrides

if TYPE_CHECKING:  # the settings stack and the renderers: imported only when a build reads
    from generator.build.pipeline import Recipe
    from generator.config.settings import Schema


@dataclass(frozen=True)
class Checked:
    config: Config
    notices: tuple[Notice, ...]
    digests: dict[str, str] = field(default_factory=dict)  # notice id -> sha256 of its file


@dataclass(frozen=True)
class Project:
    """A notices repository and how to read it: the settings schema (with the features'
    sections) and, imported only when a build renders, the site's recipe."""

    root: Path
    # Both lazy: the up-to-date check imports neither the YAML stack nor a renderer.
    schema: Callable[[], Schema]
    recipe: Callable[[], Recipe]


SETTINGS = "settings"  # the build cache's entry: outpost.yaml parsed, by its sha256


def settings(project: Project, store: Store | None) -> Config:
    """outpost.yaml, validated; with a ``store``, the settings parsed from the very same
    bytes by the last build (with the same sections) are reused: a build whose settings
    did not change neither reads YAML nor imports a YAML parser."""
    raw = read_config(project.root)
    schema = project.schema()
    key = f"{hashlib.sha256(raw).hexdigest()}|{'|'.join(schema.names)}"
    kept = store.load(SETTINGS) if store is not None else None
    if isinstance(kept, dict) and kept.get("key") == key and isinstance(kept.get("config"),
                                                                         Config):
        config: Config = kept["config"]
        return config
    config = schema.from_bytes(raw)  # ProblemsFound: nothing is kept
    if store is not None:
        store.save(SETTINGS, {"key": key, "config": config})
    return config


def check(project: Project, options: BuildOptions = DEFAULTS,
          stats: Mapping[str, os.stat_result] | None = None, store: Store | None = None
          ) -> tuple[Checked | None, list[Problem]]:
    """Validate outpost.yaml and every notice; return what loaded and every problem.
    ``stats``: the notice files' stat by name, taken before reading any (else each is
    taken here); ``store``: the build cache the caller opened (else opened here)."""
    if not options.cached:
        store = None
    elif store is None:
        store = open_store(project.root)
    template_problems = [*unread_overrides(project.root), *conflicted_overrides(project.root)]
    try:
        config = settings(project, store)
    except ProblemsFound as exc:
        return None, sorted([*exc.problems, *template_problems])
    zoned = store.in_zone(config.timezone.key) if store is not None else None
    loaded = load_notices(project.root, config, zoned, options, stats)
    return (Checked(config, tuple(loaded.notices), loaded.digests),
            sorted([*loaded.problems, *template_problems]))


def load_valid(project: Project, outcome: str, options: BuildOptions = DEFAULTS,
               stats: Mapping[str, os.stat_result] | None = None,
               store: Store | None = None) -> Checked:
    """Everything loaded, or ProblemsFound listing every problem."""
    checked, problems = check(project, options, stats, store)
    if problems or checked is None:
        raise ProblemsFound(problems, outcome)
    return checked


def inputs_digest(root: Path, notice_digests: Mapping[str, str],
                  settings: tuple[str, str] | None = None) -> str:
    """What a build reads, as 16 hex digits: outpost.yaml, templates/ and every notice
    file (``notice_digests``: id -> sha256 of its bytes). manifest.json carries it, so
    ``outpost publish`` can tell a site built before the latest edits. ``settings``: the
    digests of outpost.yaml and templates/ taken before the build read them (else they
    are taken now)."""
    yaml_digest, templates_digest = settings or settings_digests(root)
    digest = hashlib.sha256()
    digest.update(f"outpost.yaml\0{yaml_digest}\n".encode())
    digest.update(f"templates\0{templates_digest}\n".encode())
    for notice_id in sorted(notice_digests):
        digest.update(f"{notice_id}\0{notice_digests[notice_id]}\n".encode())
    return digest.hexdigest()[:16]
