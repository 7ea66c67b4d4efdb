"""Cache keys come from what producers declare they read: change any one setting and an
incremental build still gives exactly the bytes of a clean build.

A producer that reads a setting its Page inputs do not declare would keep a stale page
here. Every setting of the schema must have a variant below, so a new setting cannot
be added without this test trying it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.app import project
from generator.build import builder
from generator.build.options import BuildOptions
from generator.config.settings import COMPONENT, SETTINGS
from tests.test_incremental import START, clean_files, incident, maintenance, tree

BASE: dict[str, Any] = {
    "title": "Test Status",
    "base_url": "https://status.example.org/",
    "timezone": "America/Chicago",
    "home_url": "https://support.example.org/",
    "submit_case_url": "https://support.example.org/cases/new",
    "description": "Where we post incidents.",
    "components": [
        {"id": "web", "name": "Web", "description": "The site", "group": "Public"},
        {"id": "api", "name": "API", "description": "For programs", "group": "Public"},
    ],
    "mirrors": ["https://mirror.example.net/"],
    "feed_items": 100,
    "closed_recent": 2,
    "language": "en",
}


def component(field: str, value: str) -> list[dict[str, str]]:
    first = {**BASE["components"][0], field: value}
    if field == "id":  # the notices name it: renaming an id is a notice change too
        first["id"] = "api"
        return [first, {**BASE["components"][1], "id": "web"}]
    return [first, BASE["components"][1]]


# One variant per setting (and per component field), each a real change readers could see.
VARIANTS: dict[str, Any] = {
    "title": "Another Status",
    "base_url": "https://status.example.org/sub/",
    "timezone": "Europe/Paris",
    "home_url": "https://portal.example.org/",
    "submit_case_url": "https://support.example.org/cases/other?about={title}&notice={id}",
    "home_label": "Back to the portal",
    "alerts_url": "https://support.example.org/alerts",
    "alerts_contact": "your district's Authorized Contact",
    "hosted_note": "Hosted apart from our other systems.",
    "stale_after": 30,
    "description": "Something else.",
    "mirrors": ["https://mirror.example.net/", "https://second.example.com/"],
    "feed_items": 2,
    "closed_recent": 1,
    "history_days": 30,
    "recent_days": 2,
    "language": "fr",
    "components[].id": component("id", ""),
    "components[].name": component("name", "Website"),
    "components[].description": component("description", "The public site"),
    "components[].group": component("group", "Customers"),
    "components[].since": component("since", "2026-11-01"),
}


def test_every_setting_has_a_variant() -> None:
    names = {field.name for field in SETTINGS if field.name != "components"}
    names |= {f"components[].{field.name}" for field in COMPONENT.fields}
    assert names == set(VARIANTS)


def write(root: Path, settings: dict[str, Any]) -> None:
    (root / "outpost.yaml").write_text(yaml.safe_dump(settings, sort_keys=False))


def make_repo(root: Path) -> Path:
    (root / "notices").mkdir(parents=True)
    write(root, BASE)
    for index in range(3):
        start = START.replace(day=1, month=1 + index * 3, year=2026 - index)
        (root / "notices" / f"old-{index}.md").write_text(
            incident(f"Old problem {index}", start, 2, resolved=True))
    (root / "notices" / "open-one.md").write_text(
        incident("Open problem", START.replace(hour=6), 1, resolved=False))
    (root / "notices" / "work.md").write_text(maintenance("Upgrade", START.replace(day=30)))
    return root


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_one_setting_changed_incremental_equals_clean(tmp_path: Path, name: str) -> None:
    root = make_repo(tmp_path / "repo")
    out = tmp_path / "site"
    options = BuildOptions(racy_seconds=0)
    builder.build(project(root), out, START, options)
    key = name.split("[]")[0]
    write(root, {**BASE, key: VARIANTS[name]})
    _, how = builder.build(project(root), out, START, options)
    assert how != "up to date"
    assert tree(out) == clean_files(root, START)


def test_built_in_templates_passed_over_unlexed_read_neither_clock_nor_snapshot() -> None:
    """A built-in template whose words for the clock are all in comments is not lexed:
    its lexed code must read neither the build time nor the snapshot, as the quick
    look says (no comment's opening inside a tag's string could hide one)."""
    from jinja2 import Environment

    from generator.render import pages
    from generator.render.overrides import BUILTIN_TEMPLATES

    lexer, passed_over = Environment(), []
    for path in sorted(Path(str(BUILTIN_TEMPLATES)).rglob("*.html")):
        text = path.read_text("utf-8")
        quick = pages._template_code(lexer, text, built_in=True)
        lexed = pages._template_code(lexer, text)
        assert pages._reads_site_state(quick) == pages._reads_site_state(lexed), path.name
        if pages._reads_site_state(text) and not quick:
            passed_over.append(path.name)
    assert "macros.html" in passed_over  # its comment says "status now"
