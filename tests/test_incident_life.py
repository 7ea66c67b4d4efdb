"""An incident's whole life, as a support engineer posts it, with the built pages
checked after each step."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import Run

NOTICE_ID = "2026-11-28-checkout-errors"


def build(root: Path, run: Run, out: Path, now: str) -> dict[str, str]:
    result = run(root, "build", "--out", str(out), "--now", now)
    assert result.exit_code == 0, result.output
    pages = {}
    for name in ("index.html", "closed/index.html", f"notices/{NOTICE_ID}/index.html"):
        pages[name] = (out / name).read_text()
    return pages


def banner(page: str) -> str:
    match = re.search(r'<div class="banner banner-(\w+)"', page)
    assert match, "no banner"
    return match.group(1)


def content(page: str) -> str:
    """The page's own content, without the banner every page carries."""
    return page.split('<nav class="tabs"', 1)[1].split("</main>", 1)[0]


def timeline(page: str) -> list[str]:
    section = page.split('<ol class="timeline">', 1)[1].split("</ol>", 1)[0]
    return re.findall(r'<span class="label label-\w+">([^<]+)</span>', section)


def test_incident_life(empty_repo: Path, run: Run, tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = run(empty_repo, "new", "incident", "Checkout errors", "--impact", "major",
                 "--component", "web", "--at", "2026-11-28 06:00",
                 "-m", "Some customers see errors at checkout.")
    assert result.exit_code == 0, result.output
    assert result.output == f"Created {NOTICE_ID}: notices/{NOTICE_ID}.md\n"

    pages = build(empty_repo, run, out, "2026-11-28 06:05")
    assert banner(pages["index.html"]) == "incident"
    assert "Checkout errors" in content(pages["index.html"])
    assert "Checkout errors" not in content(pages["closed/index.html"])
    assert "Partial outage" in pages["index.html"]  # major impact on the web component
    assert timeline(pages[f"notices/{NOTICE_ID}/index.html"]) == ["Investigating"]

    assert run(empty_repo, "update", "checkout", "--status", "identified", "--at",
               "2026-11-28 06:40", "-m", "A bad deploy; rolling back.").exit_code == 0
    pages = build(empty_repo, run, out, "2026-11-28 06:45")
    assert banner(pages["index.html"]) == "incident"
    assert "A bad deploy; rolling back." in pages["index.html"]  # latest update shown
    assert timeline(pages[f"notices/{NOTICE_ID}/index.html"]) == ["Identified", "Investigating"]

    assert run(empty_repo, "update", "errors", "--status", "Monitoring", "--at",
               "2026-11-28 07:10", "-m", "Rolled back; watching.").exit_code == 0
    pages = build(empty_repo, run, out, "2026-11-28 07:15")
    assert banner(pages["index.html"]) == "incident"
    assert timeline(pages[f"notices/{NOTICE_ID}/index.html"]) == [
        "Monitoring", "Identified", "Investigating"]

    result = run(empty_repo, "resolve", "checkout", "--at", "2026-11-28 07:40")
    assert result.exit_code == 0, result.output
    pages = build(empty_repo, run, out, "2026-11-28 07:45")
    assert banner(pages["index.html"]) == "none"
    open_part, recent = pages["index.html"].split('<h2 id="recent">Recent history</h2>')
    assert "Checkout errors" not in open_part
    assert "Checkout errors</a>" in recent  # today's recent history, with its final status
    assert '<span class="label label-resolved">Resolved</span>' in recent
    assert "No current open notifications." in content(pages["index.html"])
    assert "Checkout errors" in content(pages["closed/index.html"])
    notice_page = pages[f"notices/{NOTICE_ID}/index.html"]
    assert timeline(notice_page) == ["Resolved", "Monitoring", "Identified", "Investigating"]
    assert "This incident has been resolved." in notice_page

    assert run(empty_repo, "check").exit_code == 0
    listed = run(empty_repo, "list", "--closed", "--now", "2026-11-28 07:45").output
    assert listed.splitlines()[1].split() == [
        NOTICE_ID, "incident", "Resolved", "major", "2026-11-28", "06:00", "2026-11-28", "07:40"]
