"""Lean start-up: check and update never import the rendering or publishing stacks."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import MINIMAL_CONFIG

HEAVY = ("jinja2", "cmarkgfm", "nh3", "feedgen", "boto3", "botocore", "watchfiles")
NOTICE = """\
---
title: Slow sign-in
type: incident
components: [web]
---
## Investigating - 2026-11-28 05:00
Looking into it.
"""


def imported_after(root: Path, *args: str) -> tuple[int, list[str]]:
    """Run the real CLI in a fresh interpreter; its exit code and the heavy modules loaded."""
    code = textwrap.dedent(f"""
        import sys
        from generator.app import cli
        try:
            cli.main({["--root", str(root), *args]!r}, prog_name="outpost")
        except SystemExit as exc:
            code = exc.code or 0
        else:
            code = 0
        heavy = sorted({{m.split(".")[0] for m in sys.modules}} & set({HEAVY!r}))
        print("HEAVY=" + ",".join(heavy))
        sys.exit(code)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, timeout=120)
    line = next(x for x in done.stdout.splitlines() if x.startswith("HEAVY="))
    return done.returncode, [m for m in line[len("HEAVY="):].split(",") if m]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "notices").mkdir(parents=True)
    (root / "outpost.yaml").write_text(MINIMAL_CONFIG)
    (root / "notices" / "slow-sign-in.md").write_text(NOTICE)
    return root


def test_check_imports_nothing_heavy(repo: Path) -> None:
    assert imported_after(repo, "check") == (0, [])
    assert imported_after(repo, "check") == (0, [])  # with the cache warm


def test_update_imports_nothing_heavy(repo: Path) -> None:
    code, heavy = imported_after(repo, "update", "slow-sign-in", "--message", "Still slow.",
                                 "--at", "2026-11-28 05:30")
    assert (code, heavy) == (0, [])
    assert "## Update - 2026-11-28 05:30\nStill slow." in (
        repo / "notices" / "slow-sign-in.md").read_text()


def test_build_does_import_the_renderer(repo: Path) -> None:
    """The probe works: a build needs Jinja and Markdown."""
    code, heavy = imported_after(repo, "build", "--now", "2026-11-28T12:00:00Z")
    assert code == 0
    assert {"jinja2", "cmarkgfm", "nh3"} <= set(heavy)
