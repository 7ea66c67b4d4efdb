"""outpost.yaml parsed once: a build reuses the settings the last build parsed from the
very same bytes (with the same sections), so a build whose settings did not change
never imports a YAML parser; any change, or a problem, is read afresh."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from generator.app import project, schema
from generator.build.inputs import SETTINGS, settings
from generator.build.store import open_store
from generator.config.settings import Schema
from generator.core.errors import ProblemsFound
from tests.conftest import MINIMAL_CONFIG

NOTICE = """\
---
title: Slow sign-in
type: incident
components: [web]
---
## Investigating - 2026-11-28 05:00
Looking into it.
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "notices").mkdir(parents=True)
    (root / "outpost.yaml").write_text(MINIMAL_CONFIG)
    (root / "notices" / "slow-sign-in.md").write_text(NOTICE)
    return root


def build_and_probe(root: Path) -> tuple[int, bool, str]:
    """Build in a fresh interpreter; its exit code, whether PyYAML was imported, output."""
    code = textwrap.dedent(f"""
        import sys
        from generator.app import cli
        try:
            cli.main({["--root", str(root), "build", "--now", "2026-11-28T12:00:00Z"]!r},
                     prog_name="outpost", standalone_mode=False)
        except SystemExit as exc:
            code = exc.code or 0
        except Exception as exc:
            print(exc)
            code = 1
        else:
            code = 0
        print("YAML=" + str("yaml" in sys.modules))
        sys.exit(code)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, timeout=120)
    line = next(x for x in done.stdout.splitlines() if x.startswith("YAML="))
    return done.returncode, line == "YAML=True", done.stdout


def test_a_build_with_unchanged_settings_reads_no_yaml(repo: Path) -> None:
    assert build_and_probe(repo)[:2] == (0, True)  # first build: parses outpost.yaml
    notice = repo / "notices" / "slow-sign-in.md"
    notice.write_text(NOTICE + "\n## Update - 2026-11-28 05:30\nStill slow.\n")
    assert build_and_probe(repo)[:2] == (0, False)
    assert "Still slow." in (repo / "site" / "notices" / "slow-sign-in" / "index.html"
                             ).read_text()


def test_changed_settings_are_read_again(repo: Path) -> None:
    build_and_probe(repo)
    config = repo / "outpost.yaml"
    config.write_text(config.read_text().replace("title: ", "title: Renamed ", 1))
    code, read_yaml, _ = build_and_probe(repo)
    assert (code, read_yaml) == (0, True)
    assert "Renamed " in (repo / "site" / "index.html").read_text()
    assert build_and_probe(repo)[:2] == (0, False)  # and kept again


def test_a_problem_is_reported_every_time_and_never_kept(repo: Path) -> None:
    assert settings(project(repo), open_store(repo)).title
    config = repo / "outpost.yaml"
    config.write_text(config.read_text() + "colour: blue\n")
    for _ in range(2):
        with pytest.raises(ProblemsFound) as found:
            settings(project(repo), open_store(repo))
        assert [str(p) for p in found.value.problems] == [
            str(p) for p in _problems(config.read_bytes())]
    kept = open_store(repo).load(SETTINGS)
    assert isinstance(kept, dict) and kept["config"].title == "Test Status"


def _problems(raw: bytes) -> list[object]:
    try:
        schema().from_bytes(raw)
    except ProblemsFound as exc:
        return list(exc.problems)
    raise AssertionError("expected problems")


def test_other_sections_are_not_served_the_kept_settings(repo: Path) -> None:
    store = open_store(repo)
    full = settings(project(repo), store)
    bare = project(repo)
    bare = type(bare)(bare.root, lambda: Schema(), bare.recipe)
    assert settings(bare, store) == Schema().load(repo)
    assert settings(project(repo), store) == full


def test_kept_settings_equal_parsed_ones(repo: Path) -> None:
    store = open_store(repo)
    first = settings(project(repo), store)
    again = settings(project(repo), open_store(repo))
    assert first == again == schema().load(repo)
    assert repr(first) == repr(again)  # what reading_digest hashes
