"""outpost serve: a real server in a subprocess on a free port, real file changes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from generator.app import project
from generator.build.serve import VERSION_PATH, Preview, relevant
from generator.core.times import parse_time
from tests.conftest import FIXED_NOW, Run
from tests.fixtures import CHROMIUM, CHROMIUM_ARGS

NOTICE = """\
---
title: Slow sign-in
type: incident
impact: minor
components: [web]
---
## Investigating - 2026-11-28 05:00
Sign-in takes a minute.
"""


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def wait_for(predicate: object, timeout: float = 15.0) -> None:
    assert callable(predicate)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting for the server")


@pytest.fixture
def served(empty_repo: Path) -> Iterator[tuple[Path, str, subprocess.Popen[str]]]:
    (empty_repo / "notices" / "2026-11-28-slow.md").write_text(NOTICE)
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", "--root", str(empty_repo), "serve", "--port", "0",
         "--now", FIXED_NOW],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        second = process.stdout.readline()
        assert first.startswith("Built "), first + second
        assert second.startswith("Serving http://127.0.0.1:"), second
        url = second.split()[1]
        yield empty_repo, url, process
    finally:
        process.terminate()
        process.wait(timeout=10)


def version(url: str) -> str:
    return fetch(url.rstrip("/") + VERSION_PATH)[1]


def test_serve_rebuilds_shows_problems_and_stays_up(
        served: tuple[Path, str, subprocess.Popen[str]]) -> None:
    root, url, process = served
    status, page = fetch(url)
    assert status == 200
    assert 'class="banner banner-incident"' in page
    assert "Sign-in takes a minute." in page
    assert "outpost serve: live reload" in page
    status, page = fetch(url + "notices/2026-11-28-slow/")
    assert status == 200 and "<h1>Slow sign-in</h1>" in page
    before = version(url)

    # An update posted with the real CLI appears without restarting.
    subprocess.run([sys.executable, "-m", "generator", "--root", str(root), "resolve", "slow",
                    "--at", "2026-11-28 06:00", "-m", "Sign-in is fast again."],
                   check=True, stdin=subprocess.DEVNULL, capture_output=True)
    wait_for(lambda: version(url) != before)
    status, page = fetch(url)
    assert 'class="banner banner-none"' in page
    assert "Sign-in is fast again." in fetch(url + "notices/2026-11-28-slow/")[1]

    # A broken notice shows its problems in the page; the server keeps running.
    broken = root / "notices" / "2026-11-28-broken.md"
    broken.write_text("---\ntitle: Broken\ntype: outage\n---\n## Investigating - 2026-11-28 "
                      "07:00\nText\n")
    wait_for(lambda: fetch(url)[0] == 500)
    status, page = fetch(url)
    assert "<h1>The site cannot be built</h1>" in page
    assert ("<li><code>notices/2026-11-28-broken.md:3: &#x27;type&#x27;: expected one of "
            "incident, maintenance, received &#x27;outage&#x27;</code></li>") in page
    assert fetch(url + "notices/2026-11-28-slow/")[0] == 500
    assert process.poll() is None

    # Fixed: the site is back.
    stamp = version(url)
    broken.unlink()
    wait_for(lambda: version(url) != stamp)
    status, page = fetch(url)
    assert status == 200 and 'class="banner banner-none"' in page
    assert process.poll() is None


def test_serve_refuses_a_busy_port(empty_repo: Path,
                                   served: tuple[Path, str, subprocess.Popen[str]]) -> None:
    _, url, _ = served
    port = url.rsplit(":", 1)[1].strip("/")
    result = subprocess.run(
        [sys.executable, "-m", "generator", "--root", str(empty_repo), "serve", "--port", port,
         "--now", FIXED_NOW], capture_output=True, text=True, stdin=subprocess.DEVNULL,
        timeout=30)
    assert result.returncode == 1
    assert result.stderr == (f"Error: cannot listen on 127.0.0.1:{port}: Address already in use;"
                             " choose another port with --port\n")


def preview(root: Path) -> Preview:
    (root / "notices" / "2026-11-28-slow.md").write_text(NOTICE)
    now = parse_time("2026-11-28 12:00", ZoneInfo("America/Chicago"))
    site = Preview(project(root), lambda: now)
    assert site.rebuild().startswith("Built ")
    return site


def test_preview_paths(empty_repo: Path) -> None:
    site = preview(empty_repo)
    status, headers, body = site.respond("/notices/2026-11-28-slow")
    assert (status, headers["Location"]) == (301, "/notices/2026-11-28-slow/")
    status, headers, body = site.respond("/nope/")
    assert status == 404 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert b"outpost serve: live reload" in body
    css = next(name for name in site.files if name.endswith(".css"))
    status, headers, body = site.respond(f"/{css}?v=1")
    assert (status, headers["Content-Type"], body) == (200, "text/css; charset=utf-8",
                                                       site.files[css])
    status, headers, body = site.respond("/%2e%2e/outpost.yaml")
    assert status == 404
    # Rebuilding without changes keeps the version, so open tabs do not reload.
    stamp = site.version
    site.rebuild()
    assert site.version == stamp


def test_build_output_has_no_reload_script(empty_repo: Path) -> None:
    site = preview(empty_repo)
    assert all(b"live reload" not in data for data in site.files.values())


def test_only_site_inputs_trigger_rebuilds(tmp_path: Path) -> None:
    root = tmp_path
    assert relevant(root, str(root / "outpost.yaml"))
    assert relevant(root, str(root / "notices" / "a.md"))
    assert relevant(root, str(root / "templates" / "base.html"))
    assert not relevant(root, str(root / "notices" / ".a.md.x1.tmp"))
    assert not relevant(root, str(root / "site" / "index.html"))
    assert not relevant(root, str(root / ".git" / "index"))
    assert not relevant(root, "/elsewhere/outpost.yaml")




@pytest.mark.browser
def test_open_tab_reloads_by_itself(served: tuple[Path, str, subprocess.Popen[str]]) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("needs Debian's chromium (./scripts/test installs it)")
    root, url, _ = served
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(url + "notices/2026-11-28-slow/")
            assert "Sign-in takes a minute." in page.inner_text("main")
            path = root / "notices" / "2026-11-28-slow.md"
            path.write_text(NOTICE.replace("## Investigating", "## Identified - 2026-11-28 "
                                           "05:30\nA cache is cold.\n\n## Investigating"))
            page.wait_for_function(
                "document.body.innerText.includes('A cache is cold.')", timeout=30000)
            path.write_text(NOTICE.replace("type: incident", "type: outage"))
            page.wait_for_function(
                "document.body.innerText.includes('The site cannot be built')", timeout=30000)
            assert "received 'outage'" in page.inner_text("body")
            path.write_text(NOTICE)
            page.wait_for_function(
                "document.body.innerText.includes('Sign-in takes a minute.')", timeout=30000)
        finally:
            browser.close()


def test_serve_refuses_a_bad_now(empty_repo: Path, run: Run) -> None:
    result = run(empty_repo, "serve", "--port", "0", "--now", "soon")
    assert result.exit_code == 2
    assert ("Error: Invalid value for '--now': bad time 'soon': expected 'YYYY-MM-DD HH:MM'"
            in result.output)
