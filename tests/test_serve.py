"""outpost serve: a real server in a subprocess on a free port, real file changes."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

from generator.app import project
from generator.build.serve import (
    RELOAD_HASH,
    SHOWN_PROBLEMS,
    VERSION_PATH,
    Preview,
    allow_reload,
    relevant,
    watched_folders,
)
from generator.core.times import parse_time
from generator.render.headers import PAGE_CSP
from generator.render.pages import BARS_SCRIPT, STALENESS_SCRIPT, script_hash
from tests.conftest import FIXED_NOW, Run
from tests.embed_support import Watch, portal_page, serving
from tests.fixtures import CHROMIUM, CHROMIUM_ARGS
from tests.test_headers import applied, parse_headers

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


def written_whole(path: Path, text: str) -> None:
    """Write ``path`` as editors do, in one rename: written in two steps (created, then
    filled), a loaded machine can let the preview's watcher build it empty in between."""
    temporary = path.with_name(f".{path.name}.tmp")  # a dot name: never watched
    temporary.write_text(text)
    os.replace(temporary, path)


def wait_for(predicate: object, timeout: float = 15.0) -> None:
    assert callable(predicate)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting for the server")


def _ctrl_c_as_in_a_terminal() -> None:
    """In the preview's process before it starts: Ctrl-C (SIGINT) does what it does in a
    terminal. Run from a shell's background job, the tests would hand on its SIG_IGN,
    with which no Python program stops on SIGINT."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_serving(root: Path, port: int, now: str | None = FIXED_NOW
                  ) -> tuple[subprocess.Popen[str], str]:
    """``outpost serve`` on ``port`` (0: a free one), and its address, once it serves;
    its clock pinned at ``now``, or running (None)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", "--root", str(root), "serve", "--port", str(port),
         *(["--now", now] if now is not None else [])],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"}, preexec_fn=_ctrl_c_as_in_a_terminal)
    assert process.stdout is not None
    first, second = process.stdout.readline(), process.stdout.readline()
    if not (first.startswith("Built ") and second.startswith("Serving http://127.0.0.1:")):
        process.kill()
        raise AssertionError(first + second + process.communicate()[0])
    return process, second.split()[1]


@pytest.fixture
def served(empty_repo: Path) -> Iterator[tuple[Path, str, subprocess.Popen[str]]]:
    (empty_repo / "notices" / "2026-11-28-slow.md").write_text(NOTICE)
    process, url = start_serving(empty_repo, 0)
    try:
        yield empty_repo, url, process
    finally:
        process.terminate()
        process.wait(timeout=10)


def version(url: str) -> str:
    return fetch(url.rstrip("/") + VERSION_PATH)[1]


PORTAL = "http://127.0.0.1:8123"  # a portal page on this machine, trying the embeds


def get(url: str, origin: str | None = PORTAL) -> tuple[int, dict[str, str], str]:
    """Status, headers (each name once, as sent) and body, asked for from ``origin``."""
    request = urllib.request.Request(url, headers={"Origin": origin} if origin else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers.items()), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers.items()), exc.read().decode()


def inline_scripts(page: str) -> list[str]:
    return re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", page, re.S)


# The pages' policy as served by the preview: the site's, plus the reload script's hash
# and the version check's connect-src.
PREVIEW_CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; "
               f"script-src {script_hash(STALENESS_SCRIPT)} {script_hash(BARS_SCRIPT)} "
               f"{RELOAD_HASH}; base-uri 'none'; "
               "form-action 'none'; connect-src 'self'")


def test_serve_answers_with_the_sites_headers(
        served: tuple[Path, str, subprocess.Popen[str]]) -> None:
    """What _headers gives each URL, as Netlify would send it, but never cached; the
    pages' policy allows every inline script they carry; embed/ gets no script."""
    _, url, _ = served
    data = {"Access-Control-Allow-Origin": PORTAL, "X-Content-Type-Options": "nosniff",
            "Content-Type": "application/json", "Cache-Control": "no-store"}
    for path in ("api/v2/summary.json", "api/uptime.json", "banner.json"):
        status, headers, _ = get(url + path)
        assert status == 200
        assert {k: v for k, v in headers.items() if k in data} == data, path
        assert "Content-Security-Policy" not in headers
    rules = parse_headers(get(url + "_headers")[2])
    for path in ("", "notices/2026-11-28-slow/"):
        status, headers, page = get(url + path)
        assert status == 200
        assert (headers["Content-Type"], headers["Cache-Control"]) == (
            "text/html; charset=utf-8", "no-store")
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "Access-Control-Allow-Origin" not in headers
        assert applied(rules, "/" + path)["Content-Security-Policy"] == [PAGE_CSP]
        assert headers["Content-Security-Policy"] == PREVIEW_CSP
        assert "outpost serve: live reload" in page
        assert inline_scripts(page)
        assert all(script_hash(script) in PREVIEW_CSP for script in inline_scripts(page))
    status, headers, page = get(url + "embed/banner.html")
    assert status == 200 and "<script" not in page and "live reload" not in page
    assert {k: headers.get(k) for k in ("Access-Control-Allow-Origin", "X-Content-Type-Options",
                                        "Content-Security-Policy", "Cache-Control")} == {
        "Access-Control-Allow-Origin": PORTAL, "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": None, "Cache-Control": "no-store"}
    # A portal that is cross-origin isolated frames it, and loads the script and badge.
    assert (headers.get("Cross-Origin-Resource-Policy"),
            headers.get("Cross-Origin-Embedder-Policy")) == ("cross-origin", "require-corp")
    for path in ("embed.js", "badge.svg"):
        assert get(url + path)[1].get("Cross-Origin-Resource-Policy") == "cross-origin", path
    # Drafts are readable by pages of this machine only: another site's page gets no
    # CORS header (its browser then refuses it the answer), nor does a request without
    # an Origin.
    for origin in ("https://attacker.example", None):
        assert "Access-Control-Allow-Origin" not in get(url + "api/v2/summary.json", origin)[1]


def test_the_preview_answers_only_to_this_machines_names(
        served: tuple[Path, str, subprocess.Popen[str]]) -> None:
    """DNS rebinding: a page of attacker.example whose name then resolves to 127.0.0.1
    reads the preview as its own origin, CORS or not, unless the preview checks the name
    it was asked by (its Host header)."""
    _, url, _ = served
    port = urlsplit(url).port
    for host in (f"attacker.example:{port}", "attacker.example", f"127.0.0.1.nip.io:{port}"):
        request = urllib.request.Request(url + "api/v2/summary.json", headers={"Host": host})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=5)
        assert refused.value.code == 403
        assert refused.value.read().decode() == (
            f"This preview answers only to http://127.0.0.1:{port}/ (or localhost): "
            f"not to {host.split(':')[0]}.\n")
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", "localhost", f"[::1]:{port}"):
        request = urllib.request.Request(url + "api/v2/summary.json", headers={"Host": host})
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200


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
    written_whole(broken, "---\ntitle: Broken\ntype: outage\n---\n## Investigating - "
                          "2026-11-28 07:00\nText\n")
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


def test_serve_names_the_host_when_the_address_is_not_this_machines(
        empty_repo: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "generator", "--root", str(empty_repo), "serve", "--host",
         "192.0.2.1", "--port", "0", "--now", FIXED_NOW], capture_output=True, text=True,
        stdin=subprocess.DEVNULL, timeout=30)
    assert result.returncode == 1
    assert result.stderr == ("Error: cannot listen on 192.0.2.1:0: Cannot assign requested "
                             "address; give an address of this machine with --host\n")


def ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.parametrize(("host", "shown"), [
    pytest.param("::1", "[::1]", marks=pytest.mark.skipif(
        not ipv6_loopback(), reason="no IPv6 loopback on this machine")),
    pytest.param("[::1]", "[::1]", marks=pytest.mark.skipif(  # as a URL writes it
        not ipv6_loopback(), reason="no IPv6 loopback on this machine")),
    ("127.0.0.2", "127.0.0.2"),  # loopback too: no warning, and its name is answered
])
def test_serve_listens_on_a_loopback_address(empty_repo: Path, host: str, shown: str) -> None:
    """Every loopback address is this machine's: --host takes it, the preview answers to
    it, and nothing warns that other machines can read it."""
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", "--root", str(empty_repo), "serve", "--host", host,
         "--port", "0", "--now", FIXED_NOW],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert process.stdout is not None
        first, second = process.stdout.readline(), process.stdout.readline()
        assert first.startswith("Built "), first + second
        assert re.fullmatch(rf"Serving http://{re.escape(shown)}:\d+/ \(Ctrl\+C to stop\)\n",
                            second), second
        status, page = fetch(second.split()[1])
        assert status == 200 and "<h1>" in page
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_sigterm_ends_the_preview_with_status_0(
        served: tuple[Path, str, subprocess.Popen[str]], how: signal.Signals) -> None:
    """The preview runs until stopped, so being stopped is how it ends well: unlike the
    other commands (README: Exit codes), it says so and exits 0."""
    _, _, process = served
    process.send_signal(how)
    rest, _ = process.communicate(timeout=10)
    assert (process.returncode, rest) == (0, "Stopped.\n")


def test_serve_refuses_an_empty_host(empty_repo: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "generator", "--root", str(empty_repo), "serve", "--host", "",
         "--port", "0", "--now", FIXED_NOW], capture_output=True, text=True,
        stdin=subprocess.DEVNULL, timeout=30)
    assert result.returncode == 1
    assert (result.stdout, result.stderr) == ("", (
        "Error: --host is empty: give an address of this machine (127.0.0.1, the default, "
        "or 0.0.0.0 for every one)\n"))


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
    assert result.stdout == ""  # named before the first build, which a big site makes long


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


def test_a_rebuild_names_each_problem_in_the_terminal(empty_repo: Path) -> None:
    """It named the first alone ('2 problems: ...'), the others only on the page; past
    SHOWN_PROBLEMS it says how many more the page lists."""
    site = preview(empty_repo)
    config = empty_repo / "outpost.yaml"
    config.write_text(config.read_text().replace("title:", "titel:"))
    said = site.rebuild().split("\n")
    assert said[:2] == ["2 problems:", "  outpost.yaml:1: missing required key 'title'"]
    assert said[2].startswith("  outpost.yaml:1: unknown key 'titel' (did you mean 'title'?")
    assert len(said) == 3
    config.write_text(config.read_text().replace("titel:", "title:"))
    for number in range(SHOWN_PROBLEMS + 2):
        (empty_repo / "notices" / f"2026-11-28-broken-{number:02d}.md").write_text("x\n")
    said = site.rebuild().split("\n")
    assert said[0] == f"{SHOWN_PROBLEMS + 2} problems:"
    assert len(said) == SHOWN_PROBLEMS + 2
    assert said[-1] == "  ... and 2 more on the preview page"
    assert len(site.problems) == SHOWN_PROBLEMS + 2


def test_a_rebuild_names_an_update_dated_ahead_in_the_terminal(empty_repo: Path) -> None:
    """An update saved with a year typed wrong is hidden from the preview until then, as
    from the site: the page showed the notice without it, and the terminal said only
    'Built ... files'. It is named as check warns of it, until it is dated right."""
    site = preview(empty_repo)
    path = empty_repo / "notices" / "2026-11-28-slow.md"
    path.write_text(NOTICE.replace("---\n## Investigating", "---\n## Identified - "
                                   "2027-11-28 11:00\nA relay is full.\n\n## Investigating"))
    assert site.rebuild() == (
        f"Built {len(site.files)} files\n  notices/2026-11-28-slow.md:7: warning: "
        "Identified - 2027-11-28 11:00 is in the future: the site shows this update only "
        "from then on")
    assert b"A relay is full." not in site.files["notices/2026-11-28-slow/index.html"]
    path.write_text(path.read_text().replace("2027-11-28 11:00", "2026-11-28 11:00"))
    assert site.rebuild() == f"Built {len(site.files)} files"
    assert b"A relay is full." in site.files["notices/2026-11-28-slow/index.html"]


WINDOW = """\
---
title: Database upgrade
type: maintenance
components: [web]
start: 2026-11-28 22:00
end: 2026-11-28 23:00
---
## Scheduled - 2026-11-27 09:00
The database is upgraded.
"""


def test_the_preview_rebuilds_when_a_window_opens_without_a_change(empty_repo: Path) -> None:
    """Without --now, its clock runs: the window opens on the preview, and the open tab
    reloads, at the moment it opens, not at the next edit."""
    (empty_repo / "notices" / "2026-11-28-upgrade.md").write_text(WINDOW)
    zone = ZoneInfo("America/Chicago")
    now = [parse_time("2026-11-28 21:59", zone)]
    site = Preview(project(empty_repo), lambda: now[0])
    site.rebuild()
    page = "notices/2026-11-28-upgrade/index.html"
    assert b"Scheduled" in site.files[page] and site.due == parse_time("2026-11-28 22:00", zone)
    stamp = site.version
    now[0] = parse_time("2026-11-28 21:59:59", zone)
    assert site.rebuild_if_due() is None and site.version == stamp
    now[0] = parse_time("2026-11-28 22:00:01", zone)
    said = site.rebuild_if_due()
    assert said == f"It is Nov 28, 2026, 10:00 PM CST: Built {len(site.files)} files"
    assert b"In progress" in site.files[page] and site.version == stamp + 1
    assert site.due == parse_time("2026-11-28 23:00", zone)  # when it closes
    assert site.rebuild_if_due() is None
    # With a problem standing, the clock builds nothing: the page lists the problem.
    (empty_repo / "notices" / "2026-11-28-broken.md").write_text("x\n")
    site.rebuild()
    now[0] = parse_time("2026-11-29 12:00", zone)
    assert site.due is None and site.rebuild_if_due() is None


def test_outpost_serve_opens_a_window_on_its_running_clock(empty_repo: Path) -> None:
    """The real command, its clock running: a window seconds ahead opens on the
    preview by itself, and the terminal says when."""
    zone = ZoneInfo("America/Chicago")
    # Far enough ahead for a loaded machine to start the preview and fetch the page.
    start = datetime.now(zone).replace(microsecond=0) + timedelta(seconds=20)
    (empty_repo / "notices" / "2026-11-28-upgrade.md").write_text(
        WINDOW.replace("2026-11-28 22:00", start.strftime("%Y-%m-%d %H:%M:%S"))
        .replace("2026-11-28 23:00", (start + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S"))
        .replace("2026-11-27 09:00", (start - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")))
    process, url = start_serving(empty_repo, 0, now=None)
    try:
        page = url + "notices/2026-11-28-upgrade/"
        assert "Scheduled" in fetch(page)[1]
        wait_for(lambda: "In progress" in fetch(page)[1], timeout=60)
    finally:
        process.terminate()
        said = process.communicate(timeout=10)[0]
    assert re.search(r"^It is .+ C[DS]T: Built \d+ files$", said, re.M), said


def test_every_file_gets_what_its_headers_rules_give(empty_repo: Path) -> None:
    """The preview's headers are the site's _headers rules applied to each URL (parsed
    here independently), with the preview's own Cache-Control and reload allowance;
    only the site's own pages get the reload script."""
    site = preview(empty_repo)
    rules = parse_headers(site.files["_headers"].decode())
    pages = 0
    for path in site.files:
        for url in ("/" + path, *(["/" + path[:-len("index.html")]]
                                  if path.endswith("index.html") else [])):
            status, headers, body = site.respond(url, PORTAL)
            expected = {name: ", ".join(values) for name, values in applied(rules, url).items()}
            if "Access-Control-Allow-Origin" in expected:  # this machine's pages only
                expected["Access-Control-Allow-Origin"] = PORTAL
            expected["Cache-Control"] = "no-store"
            expected.setdefault("Content-Type", headers["Content-Type"])
            if "Content-Security-Policy" in expected:
                expected["Content-Security-Policy"] = allow_reload(
                    expected["Content-Security-Policy"])
            assert (status, headers) == (200, expected), url
            reloads = b"live reload" in body
            assert reloads == (path.endswith(".html") and not path.startswith("embed/")
                               and not path.endswith("banner.html")), url
            assert reloads or body == site.files[path], url
            pages += reloads
    assert pages >= 5
    status, headers, body = site.respond("/notices/nope/")  # headers of the URL asked for
    assert status == 404 and headers["Content-Security-Policy"] == PREVIEW_CSP


def test_allow_reload_adds_only_what_the_script_needs() -> None:
    assert allow_reload(PAGE_CSP) == PREVIEW_CSP
    # Missing directives start from default-src; what it allows already is not added.
    assert allow_reload("default-src 'self'") == (
        f"default-src 'self'; script-src 'self' {RELOAD_HASH}")
    assert allow_reload("img-src 'self'") == "img-src 'self'"  # scripts unrestricted
    assert allow_reload(f"script-src {RELOAD_HASH}; connect-src *; default-src 'none'") == (
        f"script-src {RELOAD_HASH}; connect-src * 'self'; default-src 'none'")


def test_build_output_has_no_reload_script(empty_repo: Path) -> None:
    site = preview(empty_repo)
    assert all(b"live reload" not in data for data in site.files.values())


def test_only_site_inputs_trigger_rebuilds(tmp_path: Path) -> None:
    root = tmp_path
    assert relevant(root, str(root / "outpost.yaml"))
    assert relevant(root, str(root / "notices" / "a.md"))
    assert relevant(root, str(root / "templates" / "base.html"))
    assert not relevant(root, str(root / "notices" / ".a.md.x1.tmp"))
    # Editor leftovers no build reads: emacs's autosave, vim's backup and write test.
    for leftover in ("#a.md#", "a.md~", "4913", "a.md.swp", "README.md"):
        assert not relevant(root, str(root / "notices" / leftover)), leftover
    assert relevant(root, str(root / "notices"))  # the folder itself, deleted or made
    for leftover in ("#open.html#", "open.html~", "4913", "embed/page.html.swp"):
        assert not relevant(root, str(root / "templates" / leftover)), leftover
    assert relevant(root, str(root / "templates" / "_parts.html"))  # read when included
    assert not relevant(root, str(root / "site" / "index.html"))
    assert not relevant(root, str(root / ".git" / "index"))
    assert not relevant(root, "/elsewhere/outpost.yaml")


def test_watched_folders_are_what_a_build_reads(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    for folder in ("notices", "theme/parts", "site/notices/a", ".git/objects/ab"):
        (root / folder).mkdir(parents=True)
    (root / "templates").symlink_to("theme")
    assert watched_folders(root) == [root, root / "notices", root / "templates",
                                     root / "templates" / "parts"]
    (tmp_path / "outside" / "deep").mkdir(parents=True)
    (root / "templates").unlink()
    (root / "templates").symlink_to(tmp_path / "outside")
    assert watched_folders(root) == [root, root / "notices"]



def test_an_autosave_in_templates_does_not_reload_the_open_tab(empty_repo: Path) -> None:
    """With the real clock each build differs from the last (its time), so a rebuild for
    an editor's autosave of an override, written as one types, reloaded the open tab."""
    (empty_repo / "templates").mkdir()
    (empty_repo / "templates" / "404.html").write_text("<p>Lost</p>\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", "--root", str(empty_repo), "serve", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert process.stdout is not None
        assert process.stdout.readline().startswith("Built ")
        url = process.stdout.readline().split()[1]
        stamp = version(url)
        for leftover in ("#404.html#", "404.html~"):
            (empty_repo / "templates" / leftover).write_text("<p>Los</p>\n")
        written_whole(empty_repo / "notices" / "2026-11-28-slow.md", NOTICE)
        wait_for(lambda: version(url) != stamp)  # the notice is built, and only it
        # The line is printed once the version has changed: read up to it before stopping.
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line) for line in process.stdout or []],
                         daemon=True).start()
        said = [lines.get(timeout=30)]
        while not said[-1].startswith("Changed"):
            said.append(lines.get(timeout=30))
    finally:
        process.terminate()
        process.wait(timeout=10)
    time.sleep(0.2)  # what the reader still had
    while not lines.empty():
        said.append(lines.get())
    rebuilds = [line.rstrip("\n") for line in said if line.startswith("Changed")]
    assert len(rebuilds) == 1 and re.fullmatch(r"Changed 2026-11-28-slow\.md: Built \d+ files",
                                               rebuilds[0]), rebuilds


def test_an_edit_in_a_symlinked_templates_folder_rebuilds(
        served: tuple[Path, str, subprocess.Popen[str]]) -> None:
    """templates/ may be a symlink to a folder of the repository (README: Templates); an
    override edited there, or in a folder made in it later, is built."""
    root, url, _ = served
    (root / "theme" / "parts").mkdir(parents=True)
    (root / "templates").symlink_to("theme")
    stamp = version(url)
    (root / "theme" / "404.html").write_text("<p>Lost</p>\n")
    wait_for(lambda: version(url) != stamp)
    status, page = fetch(url + "nope/")
    assert status == 404 and "<p>Lost</p>" in page
    (root / "theme" / "more").mkdir()
    (root / "theme" / "more" / "lost.html").write_text("<p>Gone</p>\n")
    (root / "theme" / "404.html").write_text('{% include "more/lost.html" %}\n')
    wait_for(lambda: "<p>Gone</p>" in fetch(url + "nope/")[1])
    (root / "theme" / "more" / "lost.html").write_text("<p>Gone for good</p>\n")
    wait_for(lambda: "<p>Gone for good</p>" in fetch(url + "nope/")[1])


def test_a_built_site_past_the_watch_limit_keeps_the_preview_rebuilding(
        empty_repo: Path) -> None:
    """Under a limit of 200 folder watches (a user's, shared with an editor), a built
    site/ of 300 folders beside the notices: the whole repository was watched, the
    watcher stopped with a traceback, and no edit was built again."""
    probe = subprocess.run(["unshare", "-U", "-r", "sh", "-c",
                            "echo 200 > /proc/sys/user/max_inotify_watches"],
                           capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip("no user namespace to lower the watch limit in")
    for n in range(300):
        (empty_repo / "site" / "notices" / str(n)).mkdir(parents=True)
    path = empty_repo / "notices" / "2026-11-28-slow.md"
    path.write_text(NOTICE)
    process = subprocess.Popen(
        ["unshare", "-U", "-r", "sh", "-c",
         'echo 200 > /proc/sys/user/max_inotify_watches && exec "$@"', "sh",
         sys.executable, "-m", "generator", "--root", str(empty_repo), "serve", "--port", "0",
         "--now", FIXED_NOW],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(2)]
        assert lines[1].startswith("Serving "), lines
        url = lines[1].split()[1]
        path.write_text(NOTICE.replace("Sign-in takes a minute.", "Sign-in takes an hour."))
        wait_for(lambda: "Sign-in takes an hour." in fetch(url + "notices/2026-11-28-slow/")[1])
    finally:
        process.terminate()
        rest, _ = process.communicate(timeout=10)
    assert "Traceback" not in "".join(lines) + rest


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
            # The page's policy forbids eval: wait with locators, not wait_for_function.
            messages: list[str] = []
            page.on("console", lambda message: messages.append(message.text))
            page.goto(url + "notices/2026-11-28-slow/")
            assert "Sign-in takes a minute." in page.inner_text("main")
            path = root / "notices" / "2026-11-28-slow.md"
            written_whole(path, NOTICE.replace("## Investigating", "## Identified - "
                                               "2026-11-28 05:30\nA cache is cold.\n\n"
                                               "## Investigating"))
            page.get_by_text("A cache is cold.").wait_for(timeout=30000)
            written_whole(path, NOTICE.replace("type: incident", "type: outage"))
            page.get_by_text("The site cannot be built").wait_for(timeout=30000)
            assert "received 'outage'" in page.inner_text("body")
            written_whole(path, NOTICE)
            page.get_by_text("Sign-in takes a minute.").wait_for(timeout=30000)
            # Only the favicon's 404 and the problems page's 500: nothing refused.
            assert not [m for m in messages if "Failed to load resource" not in m], messages
        finally:
            browser.close()


@pytest.mark.browser
def test_a_tab_left_open_over_a_restart_shows_the_edits_made_meanwhile(
        empty_repo: Path, browser: Any) -> None:
    """Stopped, edited, started again: the tab still open reloads onto the edit. Each
    preview counted its versions from 1, so the new one's first matched the old one's
    and the tab kept showing the page as it was before."""
    path = empty_repo / "notices" / "2026-11-28-slow.md"
    path.write_text(NOTICE)
    process, url = start_serving(empty_repo, 0)
    page = browser.new_page()
    try:
        page.goto(url + "notices/2026-11-28-slow/")
        assert "Sign-in takes a minute." in page.inner_text("main")
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=10)
        path.write_text(NOTICE.replace("Sign-in takes a minute.", "Sign-in takes an hour."))
        process, _ = start_serving(empty_repo, urlsplit(url).port or 0)
        page.get_by_text("Sign-in takes an hour.").wait_for(timeout=15000)
    finally:
        page.close()
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.browser
def test_a_portal_on_another_port_embeds_the_preview(
        served: tuple[Path, str, subprocess.Popen[str]], browser: Any, tmp_path: Path) -> None:
    """The script embed reads banner.json across origins (CORS) and the sandboxed
    iframe's page has no script to block."""
    root, url, _ = served
    stamp = version(url)
    config = root / "outpost.yaml"
    config.write_text(config.read_text().replace("https://status.example.org/", url))
    wait_for(lambda: version(url) != stamp)
    sandbox = "allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation"
    with serving(tmp_path / "portal") as portal:
        (portal.folder / "index.html").write_text(portal_page(
            f'<div data-outpost-banner></div><script async src="{url}embed.js"></script>\n'
            f'<iframe src="{url}embed/banner.html" sandbox="{sandbox}" '
            'style="width:100%;height:44px;border:0"></iframe>'))
        page = browser.new_page()
        try:
            watch = Watch(page)
            warnings: list[str] = []
            page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
            page.goto(portal.url)
            page.wait_for_function(
                "() => { const h = document.querySelector('[data-outpost-banner]');"
                " return !!(h && h.shadowRoot && h.shadowRoot.textContent.includes("
                "'Slow sign-in')); }", timeout=10000)
            frame = page.frame_locator("iframe").locator("a")
            assert "Slow sign-in" in frame.inner_text()
            assert (watch.console_errors, watch.page_errors, warnings) == ([], [], [])
        finally:
            page.close()


def test_serve_refuses_a_bad_now(empty_repo: Path, run: Run) -> None:
    result = run(empty_repo, "serve", "--port", "0", "--now", "soon")
    assert result.exit_code == 2
    assert ("Error: Invalid value for '--now': bad time 'soon': expected 'YYYY-MM-DD HH:MM'"
            in result.output)


def test_preview_answers_under_the_base_url_path_too(empty_repo: Path) -> None:
    """With base_url https://host/status/, the 404 page's root-absolute links
    (/status/...) must work in the preview as they will on the host."""
    yaml_path = empty_repo / "outpost.yaml"
    yaml_path.write_text(yaml_path.read_text().replace(
        "base_url: https://status.example.org/", "base_url: https://example.org/status/"))
    site = preview(empty_repo)
    status, _, missing = site.respond("/status/nope/")
    assert status == 404
    css = next(name for name in site.files if name.endswith(".css"))
    assert f'href="/status/{css}"'.encode() in missing
    assert site.respond(f"/status/{css}")[2] == site.files[css]
    assert site.respond("/status/feed.xml")[2] == site.files["feed.xml"]
    assert site.respond("/feed.xml")[2] == site.files["feed.xml"]  # and at the root
    status, headers, _ = site.respond("/status/notices/2026-11-28-slow")
    assert (status, headers["Location"]) == (301, "/status/notices/2026-11-28-slow/")
    status, headers, _ = site.respond("/status")
    assert (status, headers["Location"]) == (301, "/status/")


def test_a_base_path_that_is_a_folder_of_the_site(empty_repo: Path) -> None:
    """base_url https://host/notices/: the root still serves the site's own notices/."""
    yaml_path = empty_repo / "outpost.yaml"
    yaml_path.write_text(yaml_path.read_text().replace(
        "base_url: https://status.example.org/", "base_url: https://example.org/notices/"))
    site = preview(empty_repo)
    page = "notices/2026-11-28-slow/index.html"
    assert site.respond("/notices/2026-11-28-slow/")[2].startswith(site.files[page][:100])
    assert site.respond("/notices/notices/2026-11-28-slow/")[0] == 200
    assert site.respond("/notices/feed.xml")[2] == site.files["feed.xml"]


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.0.0.2", True), ("127.255.255.254", True), ("localhost", True),
    ("LocalHost", True), ("::1", True), ("[::1]", True), ("0.0.0.0", False), ("::", False),
    ("192.0.2.1", False), ("example.org", False), ("", False), (None, False),
])
def test_loopback_hosts(host: str | None, loopback: bool) -> None:
    from generator.build.serve import is_loopback

    assert is_loopback(host) is loopback


def test_a_client_gone_before_its_answer_prints_nothing(
        served: tuple[Path, str, subprocess.Popen[str]]) -> None:
    """A tab closed or reloaded while a page loads resets its connection: the terminal,
    where the preview names rebuilds and problems, stays as it was (it got a Python
    traceback per request, 'BrokenPipeError' or 'ConnectionResetError')."""
    _, url, process = served
    address = urlsplit(url)
    for _ in range(5):
        with socket.create_connection((address.hostname, address.port)) as client:
            # Closed with a reset, as a browser drops a request it no longer wants.
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            client.sendall(f"GET / HTTP/1.1\r\nHost: {address.netloc}\r\n\r\n".encode())
    assert fetch(url)[0] == 200
    process.send_signal(signal.SIGTERM)
    rest, _ = process.communicate(timeout=10)
    assert rest == "Stopped.\n"


def test_a_folder_asked_for_with_an_encoded_slash_redirects_on_this_host(
        empty_repo: Path) -> None:
    """'/%2Fnotices/x' decoded is '//notices/x', which a browser reads as an address on
    another host: the preview sent it to http://notices/x/."""
    site = preview(empty_repo)
    status, headers, _ = site.respond("/%2Fnotices/2026-11-28-slow")
    assert (status, headers["Location"]) == (301, "/%2Fnotices/2026-11-28-slow/")
    assert site.respond(headers["Location"])[0] == 200


def test_a_folder_redirect_keeps_the_query(empty_repo: Path) -> None:
    """'/notices/x?utm_source=mail' was sent to '/notices/x/', its query dropped."""
    site = preview(empty_repo)
    status, headers, _ = site.respond("/notices/2026-11-28-slow?utm_source=mail")
    assert (status, headers["Location"]) == (301, "/notices/2026-11-28-slow/?utm_source=mail")
    assert site.respond("/notices/2026-11-28-slow")[1]["Location"] == (
        "/notices/2026-11-28-slow/")


def test_the_preview_builds_once_before_its_first_answer(
        empty_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The watcher runs before the first build, so a change saved during it is built
    after it: a second whole build to catch up took as long as the first before the
    first answer (36 s in all at 10,000 notices)."""
    from generator.build import serve as serve_module

    builds: list[str] = []
    rebuild = Preview._rebuild

    def counted(self: Preview) -> str:
        builds.append("build")
        return rebuild(self)

    def stop_at_once(self: object, poll_interval: float = 0.5) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Preview, "_rebuild", counted)
    monkeypatch.setattr(serve_module._Server, "serve_forever", stop_at_once)
    said: list[str] = []
    serve_module.serve(project(empty_repo), "127.0.0.1", 0,
                       lambda: parse_time(FIXED_NOW, ZoneInfo("UTC")), said.append)
    assert builds == ["build"]
    assert said[0].startswith("Built ") and said[-1] == "Stopped.", said
