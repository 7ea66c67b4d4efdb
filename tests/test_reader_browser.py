"""The pages as readers meet them, in Debian's Chromium: phones (360 and 390 px) and a
desk (1280 px), light and dark, with an incident open, maintenance in progress, nothing
open, and a stress state (a critical incident with a 200-character title, three open
notices, ten components)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from generator.app import cli
from tests.conftest import FIXED_NOW, MINIMAL_CONFIG, REPO
from tests.test_core_browser import AXE, VNU, _axe
from tests.test_reader_pages import VISIBLE_TIME, stress_repo

pytestmark = pytest.mark.browser

STATES = {"incident": "2024-07-30 14:00", "maintenance": "2024-11-03 01:10 -06:00",
          "quiet": FIXED_NOW, "stress": FIXED_NOW}
PHONES = {360: 800, 390: 844}
PAGES = ("", "closed/", "subscribe/", "404.html")


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("reader")
    example = base / "example"
    example.mkdir()
    shutil.copy(REPO / "outpost.yaml", example / "outpost.yaml")
    shutil.copytree(REPO / "notices", example / "notices")
    stress = base / "stress"
    (stress / "notices").mkdir(parents=True)
    (stress / "outpost.yaml").write_text(MINIMAL_CONFIG)
    stress_repo(stress)
    built = {}
    for name, now in STATES.items():
        root = stress if name == "stress" else example
        out = base / f"site-{name}"
        result = CliRunner().invoke(cli, ["--root", str(root), "build", "--out", str(out),
                                          "--now", now], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        built[name] = out
    return built


def notice_pages(site: Path) -> list[str]:
    """Every notice page, then every component page."""
    return [f"{folder}/{p.parent.name}/" for folder in ("notices", "components")
            for p in sorted(site.glob(f"{folder}/*/index.html"))]


# Every link a reader taps outside running text, with the size it must have (WCAG 2.2
# 2.5.8 asks 24x24 CSS px; the header and banner get 44x44).
TARGETS = """() => [...document.querySelectorAll(
  'header a, .banner a, nav.tabs a, footer a, .actions a, .rows a, .years a, .overall a')]
  .filter(a => a.offsetParent !== null)
  .map(a => { const r = a.getBoundingClientRect();
    return {text: a.innerText.trim(), w: r.width, h: r.height,
            big: !!a.closest('header, .banner, nav.tabs')}; })"""
VISIBLE_TIMES = """() => [...document.querySelectorAll('time')]
  .filter(t => t.offsetParent !== null).map(t => t.innerText)"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [360, 390, 1280])
def test_reader_sees_status_help_and_zones(browser: Any, servers: dict[str, str],
                                           sites: dict[str, Path], width: int,
                                           scheme: str) -> None:
    height = PHONES.get(width, 900)
    context = browser.new_context(viewport={"width": width, "height": height},
                                  color_scheme=scheme)
    page = context.new_page()
    problems: list[str] = []
    try:
        for state, url in servers.items():
            for path in (*PAGES, *notice_pages(sites[state])):
                page.goto(url + path)
                where = f"{state} {path or 'index'} at {width}px {scheme}"
                scroll, inner = page.evaluate(
                    "[document.documentElement.scrollWidth, innerWidth]")
                if scroll > inner:
                    problems.append(f"{where}: overflows ({scroll} > {inner})")
                for target in page.evaluate(TARGETS):
                    least = 44 if target["big"] else 24
                    if target["h"] < least - 0.5 or target["w"] < 24 - 0.5:
                        problems.append(f"{where}: '{target['text'][:30]}' is "
                                        f"{target['w']:.0f}x{target['h']:.0f}")
                for shown in page.evaluate(VISIBLE_TIMES):
                    if not VISIBLE_TIME.fullmatch(shown.replace("\n", " ")):
                        problems.append(f"{where}: time {shown!r} has no zone")
                case = page.locator("header a.case")
                if case.count() != 1 or case.inner_text() != "Submit a case":
                    problems.append(f"{where}: no Submit a case in the header")
                elif case.bounding_box()["y"] + case.bounding_box()["height"] > height:
                    problems.append(f"{where}: Submit a case below the first screen")
                if path == "":
                    box = page.locator(".overall").bounding_box()
                    if box is None or box["y"] + box["height"] > height:
                        problems.append(f"{where}: the overall line is below the first "
                                        f"screen ({box})")
    finally:
        context.close()
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [360, 1280])
def test_axe_finds_nothing_in_any_state(browser: Any, servers: dict[str, str],
                                        sites: dict[str, Path], width: int,
                                        scheme: str) -> None:
    if not AXE.is_file():
        pytest.skip("needs tests/js/node_modules/axe-core (./scripts/test installs it)")
    context = browser.new_context(viewport={"width": width, "height": 900},
                                  color_scheme=scheme)
    page = context.new_page()
    problems = {}
    try:
        for state, url in servers.items():
            pages = notice_pages(sites[state])
            components = [p for p in pages if p.startswith("components/")]
            for path in (*PAGES, *pages[:3], *components[:1]):
                page.goto(url + path)
                violations = _axe(page)
                if violations:
                    problems[f"{state} {path or 'index'}"] = violations
    finally:
        context.close()
    assert problems == {}, json.dumps(problems, indent=1)


def test_nu_checker_finds_nothing_in_the_stress_state(sites: dict[str, Path]) -> None:
    java = shutil.which("java")
    if java is None or not VNU.is_file():
        pytest.skip("needs java and tests/js/node_modules/vnu-jar (./scripts/test installs both)")
    pages = sorted(str(p) for p in sites["stress"].rglob("*.html")
                   if "embed" not in p.parts and p.name != "banner.html")
    pages += [str(sites[state] / "subscribe/index.html") for state in STATES]
    result = subprocess.run([java, "-jar", str(VNU), "--errors-only", "--format", "json",
                             *pages], capture_output=True, text=True, timeout=300, check=False)
    messages = json.loads(result.stderr or result.stdout)["messages"]
    assert messages == [], json.dumps(messages, indent=1)[:4000]


def test_staleness_line_counts_minutes_and_warns(browser: Any, servers: dict[str, str]
                                                ) -> None:
    built = datetime.fromisoformat("2024-07-30T14:00:00-05:00")
    for minutes, ago, warned in ((0, " (just now)", False), (3, " (3 minutes ago)", False),
                                 (125, " (2 hours ago)", False), (200, " (3 hours ago)", True),
                                 (3000, " (2 days ago)", True)):
        context = browser.new_context(viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.clock.install(time=built + timedelta(minutes=minutes, seconds=5))
        page.goto(servers["incident"])
        assert page.locator("#built .ago").inner_text() == ago, minutes
        assert page.locator("#stale").is_visible() is warned, minutes
        if warned:
            assert re.match(r"This page has not been updated for a while",
                            page.locator("#stale").inner_text())
        context.close()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(servers["incident"])
    assert page.locator("#built").inner_text() == "Updated 2:00 PM CDT"
    assert not page.locator("#stale").is_visible()
    context.close()


# The focused bar's own words, as drawn: the tooltip must be on screen and readable.
FOCUSED_BAR = """() => { const a = document.activeElement;
  if (!a || !a.matches('.bars a')) return null;
  const tip = a.querySelector('span').getBoundingClientRect();
  return {text: a.innerText.trim(), w: tip.width, h: tip.height, left: tip.left,
          right: tip.right, top: tip.top, inner: innerWidth}; }"""


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("path", ["", "components/customer-sites/"])
def test_every_bar_is_reached_by_keyboard_and_shows_its_words(
        browser: Any, servers: dict[str, str], sites: dict[str, Path], width: int,
        path: str) -> None:
    context = browser.new_context(viewport={"width": width, "height": PHONES.get(width, 900)})
    page = context.new_page()
    problems: list[str] = []
    try:
        page.goto(servers["incident"] + path)
        expected = page.evaluate("document.querySelectorAll('.bars a').length")
        assert expected >= 90
        seen: list[str] = []
        for _ in range(expected + 200):
            page.keyboard.press("Tab")
            bar = page.evaluate(FOCUSED_BAR)
            if bar is None:
                if seen and len(seen) == expected:
                    break
                continue
            seen.append(bar["text"])
            if bar["w"] < 50 or bar["h"] < 10 or bar["left"] < 0 or bar["right"] > bar["inner"]:
                problems.append(f"{path or 'index'} at {width}px: {bar}")
        assert len(seen) == expected, (len(seen), expected)
        assert any(text
                   == "Jul 30, 2024: partial outage for 33 minutes (Digicert certificate reissue)"
                   for text in seen)  # open since 13:27, built at 14:00
    finally:
        context.close()
    assert problems == [], "\n".join(problems[:10])
