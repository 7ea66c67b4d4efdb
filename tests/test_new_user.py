"""What a new user, a new administrator and a support engineer under pressure meet
through the real `outpost` command: each test first reproduced a defect they hit."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import Run

NOW = "2026-11-28T12:00:00Z"


def test_a_build_with_nothing_changed_says_up_to_date(example_repo: Path, run: Run) -> None:
    first = run(example_repo, "build", "--now", NOW)
    assert first.exit_code == 0, first.output
    site = example_repo / "site"
    count = sum(1 for p in site.rglob("*") if p.is_file())
    assert first.output == f"Built {count} files into {site}\n"
    second = run(example_repo, "build", "--now", NOW)
    assert second.output == (f"Up to date: {site} holds this build ({count} files); nothing "
                             "was written.\n")
    third = run(example_repo, "build", "--now", "2026-11-28T12:01:00Z")
    # A new minute changes the Open page's "Updated" line, the manifest...: a few files.
    assert re.fullmatch(rf"Built {count} files into {re.escape(str(site))} \([1-9] changed\)\n",
                        third.output), third.output
