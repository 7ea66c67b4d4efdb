"""The pages in real tools: the W3C Nu HTML checker, and axe-core in Chromium (WCAG 2.2 AA),
a 360px phone, dark mode, and JavaScript turned off."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from generator.app import cli
from tests.conftest import FIXED_NOW, REPO
from tests.fixtures import QuietHandler
from tests.test_core_golden import CORE

JS = Path(__file__).parent / "js" / "node_modules"
VNU = JS / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE = JS / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
DIGICERT = "notices/2024-07-30-digicert-certificate-reissue/"
# Quiet day, an incident in progress, and a maintenance in progress across the DST change.
MOMENTS = {"quiet": FIXED_NOW, "incident": "2024-07-30 14:00",
           "maintenance": "2024-11-03 01:10 -06:00"}


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("browser")
    root = base / "repo"
    root.mkdir()
    shutil.copy(REPO / "outpost.yaml", root / "outpost.yaml")
    shutil.copytree(REPO / "notices", root / "notices")
    built = {}
    for name, now in MOMENTS.items():
        out = base / name
        result = CliRunner().invoke(cli, ["--root", str(root), "build", "--out", str(out),
                                          "--now", now], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        built[name] = out
    return built


def test_nu_html_checker_finds_no_errors(sites: dict[str, Path]) -> None:
    java = shutil.which("java")
    if java is None or not VNU.is_file():
        pytest.skip("needs java and tests/js/node_modules/vnu-jar (./scripts/test installs both)")
    pages = sorted(str(p) for site in sites.values() for p in site.rglob("*.html")
                   if CORE.fullmatch(p.relative_to(site).as_posix()))
    assert len(pages) >= 18
    result = subprocess.run([java, "-jar", str(VNU), "--errors-only", "--format", "json",
                             *pages], capture_output=True, text=True, timeout=300, check=False)
    messages = json.loads(result.stderr or result.stdout)["messages"]
    assert messages == [], json.dumps(messages, indent=1)[:4000]


def _axe(page: Any) -> list[dict[str, Any]]:
    """axe-core's WCAG violations on the page, every rule with no exception."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
    return [{"id": v["id"], "help": v["help"],
             "nodes": [n["html"][:200] + " | " + n.get("failureSummary", "")[:300]
                       for n in v["nodes"]]}
            for v in result["violations"]]


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("moment", list(MOMENTS))
def test_axe_finds_no_wcag_violations(browser: Any, servers: dict[str, str], scheme: str,
                                      moment: str) -> None:
    if not AXE.is_file():
        pytest.skip("needs tests/js/node_modules/axe-core (./scripts/test installs it)")
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1200, "height": 900})
    page = context.new_page()
    problems = {}
    for path in ("", "closed/", DIGICERT, "notices/2024-11-02-database-upgrade-across-dst/",
                 "404.html"):
        page.goto(servers[moment] + path)
        assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") == (
            scheme == "dark")
        violations = _axe(page)
        if violations:
            problems[path or "index"] = violations
    context.close()
    assert problems == {}, json.dumps(problems, indent=1)


@pytest.mark.browser
@pytest.mark.parametrize("width", [360, 390])
def test_no_horizontal_overflow_on_phones(browser: Any, servers: dict[str, str],
                                          width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    for moment, url in servers.items():
        for path in ("", "closed/", DIGICERT, "404.html"):
            page.goto(url + path)
            widths = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
            assert widths[0] <= widths[1], f"{moment} {path or 'index'} overflows: {widths}"
            tabs = page.locator("nav.tabs a")
            boxes = [tabs.nth(i).bounding_box() for i in range(tabs.count())]
            assert len({round(box["y"]) for box in boxes}) == 1, "the tab row wrapped"
    context.close()


@pytest.mark.browser
def test_pages_work_without_javascript(browser: Any, servers: dict[str, str]) -> None:
    context = browser.new_context(java_script_enabled=False,
                                  viewport={"width": 390, "height": 800})
    page = context.new_page()
    page.goto(servers["incident"])
    assert page.locator("h1").inner_text() == "Open Notifications"
    assert page.locator(".banner").inner_text().strip() == (
        "Partial outage: Digicert certificate reissue")
    page.get_by_role("link", name="Closed Notifications").click()
    page.wait_for_url("**/closed/")
    assert page.locator("h1").inner_text() == "Closed Notifications"
    page.get_by_role("link", name="Open Notifications").click()
    page.locator("article h2").get_by_role("link", name="Digicert certificate reissue").click()
    page.wait_for_url(f"**/{DIGICERT}")
    assert page.locator(".meta .label").first.inner_text().strip() == "Investigating"
    # The stylesheet applied: the banner is orange, and its words say the same.
    colour = page.evaluate("getComputedStyle(document.querySelector('.banner')).backgroundColor")
    assert colour == "rgb(242, 157, 56)"
    context.close()


@pytest.mark.browser
def test_long_words_and_tables_do_not_widen_phone_pages(browser: Any, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "notices").mkdir(parents=True)
    shutil.copy(REPO / "outpost.yaml", root / "outpost.yaml")
    long_url = "https://support.example.org/" + "a-very-long-path-segment/" * 8
    table = "| " + " | ".join(f"column number {i}" for i in range(8)) + " |\n"
    table += "|" + "---|" * 8 + "\n" + "| " + " | ".join(["value"] * 8) + " |\n"
    (root / "notices" / "wide.md").write_text(
        "---\ntitle: " + "Averyveryverylongtitlewithoutanyspaces" * 2 + "\ntype: incident\n---\n"
        f"## Investigating - 2026-11-28 05:00\nSee {long_url} and <{long_url}>.\n\n{table}\n"
        "```\n" + "x" * 200 + "\n```\n")
    out = tmp_path / "site"
    result = CliRunner().invoke(cli, ["--root", str(root), "build", "--out", str(out), "--now",
                                      FIXED_NOW], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    handler = functools.partial(QuietHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    context = browser.new_context(viewport={"width": 360, "height": 800})
    page = context.new_page()
    try:
        for path in ("", "notices/wide/", "closed/"):
            page.goto(f"http://127.0.0.1:{server.server_port}/{path}")
            widths = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
            assert widths[0] <= widths[1], f"{path or 'index'} overflows: {widths}"
    finally:
        context.close()
        server.shutdown()
        server.server_close()
