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
from tests.conftest import SLOW_SIGN_IN


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


def test_a_build_with_unchanged_settings_reads_no_yaml(small_repo: Path) -> None:
    assert build_and_probe(small_repo)[:2] == (0, True)  # first build: parses outpost.yaml
    notice = small_repo / "notices" / "slow-sign-in.md"
    notice.write_text(SLOW_SIGN_IN + "\n## Update - 2026-11-28 05:30\nStill slow.\n")
    assert build_and_probe(small_repo)[:2] == (0, False)
    assert "Still slow." in (small_repo / "site" / "notices" / "slow-sign-in" / "index.html"
                             ).read_text()


def test_changed_settings_are_read_again(small_repo: Path) -> None:
    build_and_probe(small_repo)
    config = small_repo / "outpost.yaml"
    config.write_text(config.read_text().replace("title: ", "title: Renamed ", 1))
    code, read_yaml, _ = build_and_probe(small_repo)
    assert (code, read_yaml) == (0, True)
    assert "Renamed " in (small_repo / "site" / "index.html").read_text()
    assert build_and_probe(small_repo)[:2] == (0, False)  # and kept again


def test_a_problem_is_reported_every_time_and_never_kept(small_repo: Path) -> None:
    assert settings(project(small_repo), open_store(small_repo)).title
    config = small_repo / "outpost.yaml"
    config.write_text(config.read_text() + "colour: blue\n")
    for _ in range(2):
        with pytest.raises(ProblemsFound) as found:
            settings(project(small_repo), open_store(small_repo))
        assert [str(p) for p in found.value.problems] == [
            str(p) for p in _problems(config.read_bytes())]
    kept = open_store(small_repo).load(SETTINGS)
    assert isinstance(kept, dict) and kept["config"].title == "Test Status"


def _problems(raw: bytes) -> list[object]:
    try:
        schema().from_bytes(raw)
    except ProblemsFound as exc:
        return list(exc.problems)
    raise AssertionError("expected problems")


def test_other_sections_are_not_served_the_kept_settings(small_repo: Path) -> None:
    store = open_store(small_repo)
    full = settings(project(small_repo), store)
    bare = project(small_repo)
    bare = type(bare)(bare.root, lambda: Schema(), bare.recipe)
    assert settings(bare, store) == Schema().load(small_repo)
    assert settings(project(small_repo), store) == full


def test_kept_settings_equal_parsed_ones(small_repo: Path) -> None:
    store = open_store(small_repo)
    first = settings(project(small_repo), store)
    again = settings(project(small_repo), open_store(small_repo))
    assert first == again == schema().load(small_repo)
    assert repr(first) == repr(again)  # what reading_digest hashes
