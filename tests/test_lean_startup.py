"""`outpost update` is run under stress: it must not import the heavy renderers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HEAVY = ("jinja2", "cmarkgfm", "nh3", "feedgen", "boto3", "botocore", "watchfiles",
         "http.server", "generator.render.pages", "generator.build.serve")

INCIDENT = """\
---
title: Email delivery delays
type: incident
---
## Investigating - 2026-11-28 06:00
Emails are late.
"""


def imported_modules(root: Path, *args: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "generator", "--root", str(root), *args],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    modules = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            modules.add(line.rsplit("|", 1)[1].strip())
    assert "generator.cli.common" in modules  # the measurement itself works
    return modules


def test_update_and_resolve_import_no_heavy_modules(empty_repo: Path) -> None:
    (empty_repo / "notices" / "2026-11-28-email.md").write_text(INCIDENT)
    for args in (("update", "email", "-m", "Still late.", "--at", "2026-11-28 06:30"),
                 ("resolve", "email", "--at", "2026-11-28 07:00"),
                 ("new", "incident", "Another", "--at", "2026-11-28 08:00")):
        modules = imported_modules(empty_repo, *args)
        heavy = sorted(m for m in modules if m.split(".")[0] in HEAVY or m in HEAVY)
        assert heavy == [], f"outpost {args[0]} imported {heavy}"
    assert "## Resolved - 2026-11-28 07:00" in (
        empty_repo / "notices" / "2026-11-28-email.md").read_text()
