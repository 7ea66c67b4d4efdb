"""The pages as readers meet them, in Debian's Chromium: phones (360 and 390 px) and a
desk (1280 px), light and dark, with an incident open, maintenance in progress, nothing
open, and a stress state (a critical incident with a 200-character title, three open
notices, ten components)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zlib
from collections.abc import Iterator
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from generator.app import cli
from generator.core.textcut import shortened
from generator.render.headers import PAGE_CSP
from generator.render.pages import BANNER_TITLE_MAX
from tests.conftest import FIXED_NOW, MINIMAL_CONFIG, REPO, SLOW_SIGN_IN
from tests.fixtures import CHARACTERS_OF, RTL_TITLE, serving
from tests.test_core_browser import AXE, VNU, _axe
from tests.test_reader_pages import VISIBLE_TIME, stress_repo

pytestmark = pytest.mark.browser

STATES = {"incident": "2024-07-30 14:00", "maintenance": "2024-11-03 01:10 -06:00",
          "quiet": FIXED_NOW, "stress": FIXED_NOW}
PHONES = {360: 800, 390: 844}
PAGES = ("", "closed/", "subscribe/", "404.html")


def build_into(root: Path, out: Path, now: str) -> None:
    """``outpost build`` of ``root`` into ``out`` at ``now``, which must succeed."""
    result = CliRunner().invoke(cli, ["--root", str(root), "build", "--out", str(out),
                                      "--now", now], catch_exceptions=False)
    assert result.exit_code == 0, result.output

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
        build_into(root, out, now)
        built[name] = out
    return built


def evaluated(browser: Any, site: Path, path: str, script: str, width: int = 360) -> Any:
    """What ``script`` returns on ``path`` of ``site``, served and opened at ``width`` px."""
    context = browser.new_context(viewport={"width": width, "height": 740})
    page = context.new_page()
    try:
        with serving(site) as url:
            page.goto(url + path)
            return page.evaluate(script)
    finally:
        context.close()


def notice_pages(site: Path) -> list[str]:
    """Every notice page, then every component page."""
    return [f"{folder}/{p.parent.name}/" for folder in ("notices", "components")
            for p in sorted(site.glob(f"{folder}/*/index.html"))]


def every_page(page: Any, servers: dict[str, str], sites: dict[str, Path]
               ) -> Iterator[tuple[str, str]]:
    """Open every page of every state's site in ``page`` in turn: each one's path, and
    the name problems are reported with, its state and path ('incident notices/x/')."""
    for state, url in servers.items():
        for path in (*PAGES, *notice_pages(sites[state])):
            page.goto(url + path)
            yield f"{state} {path or 'index'}", path


# Every link a reader taps outside running text, with the size it must have (WCAG 2.2
# 2.5.8 asks 24x24 CSS px; the header and banner get 44x44).
TARGETS = """() => [...document.querySelectorAll(
  'header a, .banner a, nav.tabs a, footer a, .actions a, .rows a, .years a, .overall a, '
  + '.daylist a, details.history > summary, .component-group > summary')]
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
        for named, path in every_page(page, servers, sites):
            where = f"{named} at {width}px {scheme}"
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


# WCAG 1.4.10 (reflow): at 320 CSS px nothing scrolls sideways, with the reader's root
# font size anywhere from 16 to 20 px (a larger text setting); and at 360 px with 20 px.
# WCAG 1.4.4: text at 200 % (32 px, a phone's largest text setting) still fits 320 px.
REFLOW = ((320, 16), (320, 20), (360, 20), (320, 32))
# Each tab's label as lines of text: a word broken in two would make a third line.
TAB_LINES = """() => [...document.querySelectorAll('nav.tabs a')].map(a => {
  const range = document.createRange(); range.selectNodeContents(a);
  const r = a.getBoundingClientRect();
  return {text: a.innerText, top: Math.round(r.top),
          lines: new Set([...range.getClientRects()].map(c => Math.round(c.top))).size}; })"""


def widths_at_text_size(page: Any, url: str, root_px: int) -> tuple[int, int]:
    """The page's scroll width and the window's width, with the reader's text size set
    to ``root_px`` (what a phone's larger-text setting does)."""
    page.goto(url)
    page.add_style_tag(content=f"html{{font-size:{root_px}px}}")
    scroll, inner = page.evaluate("[document.scrollingElement.scrollWidth, innerWidth]")
    return scroll, inner


@pytest.mark.parametrize(("width", "root_px"), REFLOW)
def test_no_page_scrolls_sideways_at_320px_or_with_larger_text(
        browser: Any, servers: dict[str, str], sites: dict[str, Path], width: int,
        root_px: int) -> None:
    """Every page kind (Open, Closed, each notice page, each component page, Subscribe,
    the 404 page) in every state fits the screen's width, in 200 % text too (a status
    label wraps rather than push the page wide); up to 20 px text the two tabs stay side
    by side, each label on at most two lines (never a word split)."""
    context = browser.new_context(viewport={"width": width, "height": 740})
    page = context.new_page()
    problems: list[str] = []
    try:
        for state, url in servers.items():
            pages = (*PAGES, *notice_pages(sites[state]))
            assert any(p.startswith("notices/") for p in pages)
            assert any(p.startswith("components/") for p in pages)
            for path in pages:
                scroll, inner = widths_at_text_size(page, url + path, root_px)
                where = f"{state} {path or 'index'} at {width}px, {root_px}px text"
                if scroll > inner:
                    problems.append(f"{where}: scrolls sideways ({scroll} > {inner})")
                if root_px > 20:  # two tabs side by side cannot hold "Notifications"
                    continue      # twice at 320 px in 200 % text: only the width counts
                tabs = page.evaluate(TAB_LINES)
                if len({tab["top"] for tab in tabs}) != 1 or any(
                        tab["lines"] > 2 for tab in tabs):
                    problems.append(f"{where}: the tabs are broken up {tabs}")
    finally:
        context.close()
    assert problems == [], "\n".join(problems[:20])


# Each row of bars: the row's box, and each bar's left and right edges.
BAR_ROWS = """() => [...document.querySelectorAll('.bars')].map(row => {
  const r = row.getBoundingClientRect();
  return {left: r.left, right: r.right, gap: getComputedStyle(row).columnGap,
          bars: [...row.querySelectorAll(':scope > i')].map(i => {
            const b = i.getBoundingClientRect(); return [b.left, b.right]; })}; })"""


@pytest.mark.parametrize("days", [90, 365])
def test_a_year_of_bars_fits_a_320px_screen(browser: Any, tmp_path: Path, days: int) -> None:
    """history_days up to its allowed 365: every row of bars keeps within its column at
    320 px (a year of mostly no-data days, the example at its incident), each day a bar
    of its own; rows of 90 days keep their 1 px gaps."""
    root = tmp_path / "repo"
    root.mkdir()
    (root / "outpost.yaml").write_text((REPO / "outpost.yaml").read_text()
                                       + f"history_days: {days}\n")
    shutil.copytree(REPO / "notices", root / "notices")
    out = tmp_path / "site"
    build_into(root, out, STATES["incident"])
    problems: list[str] = []
    context = browser.new_context(viewport={"width": 320, "height": 740})
    page = context.new_page()
    try:
        with serving(out) as url:
            for root_px in (16, 20):
                for path in ("", "components/customer-sites/"):
                    scroll, inner = widths_at_text_size(page, url + path, root_px)
                    where = f"{path or 'index'} with {days} days, {root_px}px text"
                    if scroll > inner:
                        problems.append(f"{where}: scrolls sideways ({scroll} > {inner})")
                    rows = page.evaluate(BAR_ROWS)
                    assert rows
                    for number, row in enumerate(rows):
                        bars = row["bars"]
                        if len(bars) != days:
                            problems.append(f"{where} row {number}: {len(bars)} bars")
                        if row["right"] > inner or bars[-1][1] > row["right"] + 0.5:
                            problems.append(f"{where} row {number}: the bars end at "
                                            f"{bars[-1][1]:.1f}, the row at {row['right']}")
                        before = [row["left"]] + [right for _, right in bars[:-1]]
                        if any(right - left <= 0 or left < end - 0.01 for (left, right), end
                               in zip(bars, before, strict=True)):
                            problems.append(f"{where} row {number}: a bar has no width "
                                            "or lies over another")
                        if days == 90 and row["gap"] != "1px":
                            problems.append(f"{where} row {number}: gap {row['gap']}")
    finally:
        context.close()
    assert problems == [], "\n".join(problems[:20])


# The focused banner link: its box, outline, the banner's colour, and its text's boxes.
FOCUSED_BANNER_LINK = """() => { const a = document.activeElement;
  if (!a || !a.matches('.banner a')) return null;
  const style = getComputedStyle(a), r = a.getBoundingClientRect();
  const banner = document.querySelector('.banner').getBoundingClientRect();
  const range = document.createRange(); range.selectNodeContents(a);
  return {visible: a.matches(':focus-visible'), style: style.outlineStyle,
          width: parseFloat(style.outlineWidth), offset: parseFloat(style.outlineOffset),
          colour: style.outlineColor,
          background: getComputedStyle(a.closest('.banner')).backgroundColor,
          box: [r.left, r.top, r.right, r.bottom],
          boxes: [...a.getClientRects()].map(b => [b.left, b.top, b.right, b.bottom]),
          banner: [banner.left, banner.top, banner.right, banner.bottom],
          text: [...range.getClientRects()].filter(t => t.width > 0)
                  .map(t => [t.left, t.top, t.right, t.bottom])}; }"""


def _luminance(css: str) -> float:
    """The relative luminance (WCAG 2) of an opaque 'rgb(r, g, b)'."""
    channels = [int(c) / 255 for c in re.findall(r"\d+", css)[:3]]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


Box = list[float]  # left, top, right, bottom


def _grown(box: Box, by: float) -> Box:
    return [box[0] - by, box[1] - by, box[2] + by, box[3] + by]


def _overlaps(one: Box, two: Box) -> bool:
    return one[0] < two[2] and two[0] < one[2] and one[1] < two[3] and two[1] < one[3]


def _within(one: Box, two: Box) -> bool:
    return one[0] >= two[0] and one[1] >= two[1] and one[2] <= two[2] and one[3] <= two[3]


def contrast(first: str, second: str) -> float:
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [360, 1280])
def test_the_banner_link_shows_keyboard_focus_beside_its_words(
        browser: Any, servers: dict[str, str], width: int, scheme: str) -> None:
    """Tab reaches the banner's link; its focus outline is solid, at least 2 px, 3:1
    against the banner's colour (light and dark), inside the banner and clear of the
    link's words, in every state with a link (incident, maintenance, one scheduled)."""
    context = browser.new_context(viewport={"width": width, "height": 900},
                                  color_scheme=scheme)
    page = context.new_page()
    problems: list[str] = []
    try:
        for state, url in servers.items():
            page.goto(url)
            focused = None
            for _ in range(10):
                page.keyboard.press("Tab")
                focused = page.evaluate(FOCUSED_BANNER_LINK)
                if focused is not None:
                    break
            where = f"{state} at {width}px {scheme}"
            if focused is None:
                problems.append(f"{where}: Tab never reached the banner link")
                continue
            ratio = contrast(focused["colour"], focused["background"])
            if not focused["visible"] or focused["style"] != "solid" or focused["width"] < 2:
                problems.append(f"{where}: no solid 2 px outline {focused}")
            if ratio < 3:
                problems.append(f"{where}: outline {focused['colour']} on "
                                f"{focused['background']} is {ratio:.2f}:1")
            left, top, right, bottom = focused["box"]
            inner, outer = focused["offset"], focused["offset"] + focused["width"]
            b_left, b_top, b_right, b_bottom = focused["banner"]
            if (left - outer < b_left - 0.5 or top - outer < b_top - 0.5
                    or right + outer > b_right + 0.5 or bottom + outer > b_bottom + 0.5):
                problems.append(f"{where}: the outline leaves the banner {focused}")
            # The outline goes round each of the link's boxes (one per line if it were
            # inline): a line of its words may lie wholly inside a box's outline or
            # wholly outside it, never under it.
            for box in focused["boxes"]:
                inside = _grown(box, inner + 0.5)
                around = _grown(box, outer - 0.5)
                for words in focused["text"]:
                    if _overlaps(words, around) and not _within(words, inside):
                        problems.append(f"{where}: the outline crosses the words {focused}")
    finally:
        context.close()
    assert problems == [], "\n".join(problems)


# How each bar and swatch is painted: background, border, inner shadow, against the
# page's own background; and whether each line of the day-by-day lists is shown.
PAINT = """() => ({
  page: getComputedStyle(document.body).backgroundColor,
  marks: [...document.querySelectorAll('.bars i, .legend i, .daylist i')].map(i => {
    const s = getComputedStyle(i);
    return {where: i.closest('.bars, .legend, .daylist').className, status: i.className,
            background: s.backgroundColor, border: s.borderTopStyle === 'none'
              || parseFloat(s.borderTopWidth) === 0 ? null : s.borderTopColor,
            shadow: s.boxShadow === 'none' ? null : s.boxShadow,
            exact: s.printColorAdjust === 'exact'}; }),
  lines: [...document.querySelectorAll('.daylist li')].map(li => li.checkVisibility())})"""
TRANSPARENT = re.compile(r"rgba\(\d+, \d+, \d+, 0\)|transparent")
MAINTENANCE_BLUE = (29, 91, 184)  # --blue: painted by maintenance bars and swatches only


def _unseen_marks(paint: dict[str, Any], where: str) -> list[str]:
    """Problems: a bar or swatch with nothing visible against the page (no colour, no
    outline), or two statuses of the legend painted alike."""
    problems = []
    for mark in paint["marks"]:
        colours = [c for c in (mark["background"], mark["border"]) if c] + (
            re.findall(r"rgba?\([^)]*\)", mark["shadow"] or ""))
        if not any(c != paint["page"] and not TRANSPARENT.fullmatch(c) for c in colours):
            problems.append(f"{where}: a {mark['status']} mark in {mark['where']} "
                            f"is not seen {mark}")
    legend = [(m["background"], m["border"], m["shadow"]) for m in paint["marks"]
              if m["where"] == "legend"]
    if len(set(legend)) != len(legend) or len(legend) < 6:
        problems.append(f"{where}: the legend's statuses look alike {legend}")
    return problems


def _pdf_fill_colours(pdf: bytes) -> set[tuple[int, ...]]:
    """Every colour a PDF Chromium printed fills with ('r g b rg' in its inflated
    streams), as 0-255 channels."""
    found = set()
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        if stream[:1] == b"\x78":  # zlib
            for rgb in re.findall(rb"([\d.]+) ([\d.]+) ([\d.]+) rg\b",
                                  zlib.decompress(stream)):
                found.add(tuple(round(float(c) * 255) for c in rgb))
    return found


@pytest.mark.parametrize("path", ["", "components/customer-sites/"])
def test_bars_and_swatches_print_and_keep_their_colours_in_forced_colors(
        browser: Any, servers: dict[str, str], path: str) -> None:
    """Printed (the browser's default leaves out background colours) every bar and
    swatch keeps its colour and the day-by-day lists print open; in forced colors
    (Windows high contrast) every bar and swatch is still seen, each status its own."""
    problems: list[str] = []
    context = browser.new_context(viewport={"width": 800, "height": 900})
    page = context.new_page()
    try:
        page.goto(servers["incident"] + path)
        page.emulate_media(media="print")
        paint = page.evaluate(PAINT)
        problems += _unseen_marks(paint, "print")
        problems += [f"print: {m['status']} in {m['where']} prints without its colour"
                     for m in paint["marks"] if not m["exact"]]
        if not all(paint["lines"]):
            problems.append("print: the day-by-day lists do not print open")
        if MAINTENANCE_BLUE not in _pdf_fill_colours(page.pdf()):
            problems.append("print: the PDF has no maintenance blue")
    finally:
        context.close()
    for scheme in ("light", "dark"):  # a white and a black high contrast theme
        context = browser.new_context(viewport={"width": 800, "height": 900},
                                      forced_colors="active", color_scheme=scheme)
        page = context.new_page()
        try:
            page.goto(servers["incident"] + path)
            assert page.evaluate("matchMedia('(forced-colors: active)').matches")
            problems += _unseen_marks(page.evaluate(PAINT), f"forced colors, {scheme}")
        finally:
            context.close()
    assert problems == [], "\n".join(problems[:20])


@pytest.mark.parametrize("forced", [False, True])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_no_data_day_is_outlined_at_3_to_1_and_painted_in_no_status_colour(
        browser: Any, servers: dict[str, str], scheme: str, forced: bool) -> None:
    """WCAG 1.4.11: a no-data bar, and its swatch in the legend and the day list, is
    outlined at 3:1 at least against the page (its light grey was 1.42:1 in light and
    1.78:1 in dark); it stays hollow, in a colour no status is painted in."""
    context = browser.new_context(viewport={"width": 360, "height": 800}, color_scheme=scheme,
                                  forced_colors="active" if forced else "none")
    page = context.new_page()
    problems: list[str] = []
    try:
        for path in ("", "components/customer-sites/"):
            page.goto(servers["incident"] + path)  # days before the first notice
            paint = page.evaluate(PAINT)
            status_colours = {m["background"] for m in paint["marks"]
                              if m["status"] != "b-no_data"}
            no_data = [m for m in paint["marks"] if m["status"] == "b-no_data"]
            assert {m["where"].split()[0] for m in no_data} == {"bars", "legend", "daylist"}
            for mark in no_data:
                rings = [mark["border"]] if mark["border"] else re.findall(
                    r"rgba?\([^)]*\)", mark["shadow"] or "")
                where = f"{path or 'index'}: no data in {mark['where']}"
                if not TRANSPARENT.fullmatch(mark["background"]):
                    problems.append(f"{where} is filled {mark['background']}")
                for ring in rings:
                    if contrast(ring, paint["page"]) < 3 or ring in status_colours:
                        problems.append(f"{where}: outline {ring} on {paint['page']} is "
                                        f"{contrast(ring, paint['page']):.2f}:1")
    finally:
        context.close()
    assert sorted(set(problems)) == []


FIRST_SCREEN = """() => { const box = s => { const e = document.querySelector(s);
    if (!e) return null; const r = e.getBoundingClientRect();
    return {text: e.innerText, top: r.top, bottom: r.bottom,
            datetime: e.getAttribute('datetime')}; };
  return {broken: box('.overall strong'), since: box('.overall .since time'),
          card: box('article.notice .range time'), banner: box('.banner a')}; }"""


def test_the_first_phone_screen_says_what_is_broken_and_since_when(
        browser: Any, servers: dict[str, str]) -> None:
    """On a 360x740 phone the Open page's overall line says what is broken and, for the
    notice the banner names (a critical incident in the stress state), since when;
    with nothing in effect (a maintenance only scheduled) there is no such line."""
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    try:
        for state, url in servers.items():
            page.goto(url)
            seen = page.evaluate(FIRST_SCREEN)
            assert seen["broken"]["bottom"] <= 740, (state, seen)
            if state == "quiet":
                assert seen["broken"]["text"] == "All systems operational"
                assert seen["since"] is None, seen
                continue
            assert seen["since"] is not None, (state, seen)
            assert seen["since"]["top"] >= 0 and seen["since"]["bottom"] <= 740, (state, seen)
            # The banner's notice is the first card (its title cut as the banner cuts
            # a long one); the line gives its start.
            title = page.locator("article.notice h2").first.inner_text()
            assert seen["banner"]["text"].startswith(
                shortened(title, BANNER_TITLE_MAX)), (state, seen)
            assert seen["since"]["datetime"] == seen["card"]["datetime"], (state, seen)
            assert seen["since"]["text"] == seen["card"]["text"], (state, seen)
            if state == "stress":
                assert seen["broken"]["text"] == "Major outage: Component number 1"
                assert seen["since"]["text"] == "Since Nov 28, 2026, 5:00 AM CST"
    finally:
        context.close()


SINCE_AND_HELP = """() => { const box = e => { if (!e) return null;
    const r = e.getBoundingClientRect();
    return {text: e.innerText, top: r.top, bottom: r.bottom}; };
  return {since: box(document.querySelector('.range time')),
          help: box(document.querySelector('header a.case'))}; }"""


def test_a_notice_page_on_a_small_phone_says_since_when_and_where_to_get_help(
        browser: Any, servers: dict[str, str]) -> None:
    """A reader sent to an open notice's page (from an email, say) on a 360x640 phone sees
    since when it is in effect and the Submit a case link without scrolling, the stress
    state's 200-character title included."""
    context = browser.new_context(viewport={"width": 360, "height": 640})
    page = context.new_page()
    problems: list[str] = []
    try:
        for state, url in servers.items():
            page.goto(url)
            links = page.locator("article.notice h2 a").evaluate_all(
                "links => links.map(a => a.getAttribute('href'))")
            for link in links:
                page.goto(url + link)
                seen = page.evaluate(SINCE_AND_HELP)
                for what in ("since", "help"):
                    if seen[what] is None or seen[what]["bottom"] > 640:
                        problems.append(f"{state} {link}: {what} below the first screen "
                                        f"{seen[what]}")
            if state == "stress":
                assert "./notices/sign-in/" in links
    finally:
        context.close()
    assert problems == [], "\n".join(problems)


# Words for screen readers alone that are not inline beside the words they follow, which
# Chromium reads spaced apart from them ("Campus : Partial outage"), or that show.
APART = """() => [...document.querySelectorAll('.sr')].filter(e =>
  getComputedStyle(e).display !== 'inline'
  || /flex|grid/.test(getComputedStyle(e.parentElement).display)
  || e.getBoundingClientRect().width > 0).map(e => e.textContent)"""


def test_words_for_screen_readers_alone_read_as_one_sentence_with_those_shown(
        browser: Any, servers: dict[str, str], sites: dict[str, Path]) -> None:
    """A group's row is 'Campus: Partial outage' to a screen reader, a component's days
    'Customer sites, day by day: 90 days ago to today: ...', on every page and in every
    state: the hidden words were positioned out of the line, which Chromium spaced apart
    from it ('Campus : Partial outage')."""
    context = browser.new_context(viewport={"width": 320, "height": 568})
    page = context.new_page()
    problems: list[str] = []
    try:
        for named, _ in every_page(page, servers, sites):
            problems += [f"{named}: {words!r} is apart or shows"
                         for words in page.evaluate(APART)]
        page.goto(servers["incident"])
        names = [page.locator(selector).first.aria_snapshot() for selector in (
            "h3.group", "details.history", ".actions a")]
    finally:
        context.close()
    assert problems == [], "\n".join(problems)
    assert names == [
        """- 'heading "Campus: Partial outage" [level=3]'""",
        '- group: "Customer sites, day by day: 90 days ago to today: 98.82 % uptime"',
        '- link "All updates for Digicert certificate reissue":\n'
        '  - /url: ./notices/2024-07-30-digicert-certificate-reissue/']


# A space Chromium puts into a name where the page has none, before its punctuation
# ("Campus server upgrade , Jan 9"): the name's parts laid out in boxes of their own.
SPACED_PUNCTUATION = re.compile(r"\w [:,;.]")


def spoken_names(page: Any) -> list[tuple[str, str]]:
    """Each (role, accessible name) Chromium gives the page's elements, text aside."""
    session = page.context.new_cdp_session(page)
    try:
        nodes = session.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        session.detach()
    return [(node["role"]["value"], node["name"]["value"]) for node in nodes
            if node.get("name", {}).get("value")
            and node.get("role", {}).get("value") not in ("StaticText", "InlineTextBox")]


@pytest.mark.parametrize(("width", "height"), [(320, 568), (640, 360)])
def test_the_banner_link_is_named_as_it_reads_on_a_phone(
        browser: Any, servers: dict[str, str], sites: dict[str, Path], width: int,
        height: int) -> None:
    """On a phone, upright or on its side, the banner's link is 'Campus server upgrade,
    Jan 9, ...' to a screen reader, and no name on any page of any state is spaced
    before its punctuation: the title is cut in a box of its own there, which Chromium
    spaced apart from the window after it ('Campus server upgrade , Jan 9, ...')."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    problems: list[str] = []
    try:
        for named, _ in every_page(page, servers, sites):
            page.evaluate("document.querySelectorAll('details').forEach("
                          "d => { d.open = true; })")
            problems += [f"{named}: {role} {name!r}"
                         for role, name in spoken_names(page)
                         if SPACED_PUNCTUATION.search(name)]
        page.goto(servers["quiet"])
        names = spoken_names(page)
    finally:
        context.close()
    assert problems == [], "\n".join(problems)
    assert ("link", "Campus server upgrade, Jan 9, 2027, 10:00 PM\u00a0\u2013 Jan 10, "
            "2:00 AM CST") in names


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
                if path == "":  # and with every row's days open
                    page.evaluate("document.querySelectorAll('details').forEach("
                                  "d => { d.open = true; })")
                    violations += _axe(page)
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
        # The incident began at 1:27 PM, 33 minutes before the build; its latest update
        # is that post: a reader elsewhere reads how long ago without converting zones.
        since = minutes + 33
        words = (f" ({since} minutes ago)" if since < 120 else
                 f" ({since // 60} hours ago)" if since < 48 * 60 else
                 f" ({since // 1440} days ago)")
        assert page.locator(".overall .since .ago").inner_text() == words, minutes
        assert page.locator(".notice .when .ago").first.inner_text() == words, minutes
        assert page.locator("#stale").is_visible() is warned, minutes
        if warned:
            assert re.match(r"This page has not been updated for a while",
                            page.locator("#stale").inner_text())
        context.close()
    # An open notice's page, where an email sends a contact, dates itself the same way,
    # and says how long ago the incident began, as the Open page's line does.
    notice = servers["incident"] + "notices/2024-07-30-digicert-certificate-reissue/"
    for minutes, ago, since_ago, warned in ((3, " (3 minutes ago)", " (36 minutes ago)", False),
                                            (200, " (3 hours ago)", " (3 hours ago)", True)):
        context = browser.new_context(viewport={"width": 320, "height": 640})
        page = context.new_page()
        page.clock.install(time=built + timedelta(minutes=minutes, seconds=5))
        page.goto(notice)
        assert page.locator("#built").inner_text() == f"Updated Jul 30, 2024, 2:00 PM CDT{ago}"
        assert page.locator(".range").inner_text() == (
            f"Since Jul 30, 2024, 1:27 PM CDT{since_ago}")
        assert page.locator("#stale").is_visible() is warned, minutes
        context.close()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(servers["incident"])
    # Without the script the line still dates the page, so a copy cached for days shows.
    assert page.locator("#built").inner_text() == "Updated Jul 30, 2024, 2:00 PM CDT"
    assert page.locator(".overall .since").inner_text() == "Since Jul 30, 2024, 1:27 PM CDT"
    assert page.locator("#built time").get_attribute("datetime") == "2024-07-30T14:00:00-05:00"
    assert not page.locator("#stale").is_visible()
    page.goto(notice)
    assert page.locator(".range").inner_text() == "Since Jul 30, 2024, 1:27 PM CDT"
    context.close()


# Every row of bars as drawn: its summary (the tap and keyboard target), whether its
# list is open, each bar's words, and each list line's text, box and links' boxes.
ROWS = """() => [...document.querySelectorAll('details.history')].map(d => {
  const s = d.querySelector('summary').getBoundingClientRect();
  return {open: d.open, summary: {w: s.width, h: s.height},
    bars: [...d.querySelectorAll('.bars span')].map(b => b.textContent),
    lines: [...d.querySelectorAll('.daylist li')].map(li => {
      const r = li.getBoundingClientRect();
      return {text: li.innerText.trim(), shown: li.offsetParent !== null && r.height > 0,
              left: r.left, right: r.right,
              links: [...li.querySelectorAll('a')].map(a => {
                const b = a.getBoundingClientRect(); return [b.width, b.height]; })}; })}; })"""
FOCUSED_ROW = """() => { const s = document.activeElement;
  return s && s.matches('details.history > summary')
    ? [...document.querySelectorAll('details.history > summary')].indexOf(s) : null; }"""
FOCUSED_FOLDED_GROUP = """() => !!document.activeElement
  && document.activeElement.matches('.component-group:not([open]) > summary')"""
HOVERED_WORDS = """i => { const tip = document.querySelectorAll('.bars i')[i].querySelector('span');
  const r = tip.getBoundingClientRect();
  return {text: tip.textContent, w: r.width, h: r.height, left: r.left, right: r.right,
          inner: innerWidth}; }"""
RANGE = re.compile(r"(?P<first>[A-Z][a-z]{2} \d{1,2}(?:, \d{4})?) \u2013 "
                   r"(?P<last>[A-Z][a-z]{2} \d{1,2}, \d{4}): (?P<words>.*)")


def day_by_day(lines: list[str]) -> dict[str, str]:
    """The list's lines as each day's words: 'Jul 31 \u2013 Aug 2, 2024: operational' says
    'Jul 31, 2024: operational', 'Aug 1, 2024: operational' and so on; a single day's
    line is that day's words as they are."""
    said: dict[str, str] = {}
    for line in lines:
        match = RANGE.fullmatch(line)
        if match is None:
            said[line.split(":", 1)[0]] = line
            continue
        last = datetime.strptime(match["last"], "%b %d, %Y")
        first_text = match["first"]
        if "," not in first_text:
            first_text += f", {last.year}"
        day = datetime.strptime(first_text, "%b %d, %Y")
        while day <= last:
            label = f"{day:%b} {day.day}, {day.year}"
            said[label] = f"{label}: {match['words']}"
            day += timedelta(days=1)
    return said


def _every_day_in_words(rows: list[dict[str, Any]], where: str) -> list[str]:
    """Problems: a row whose open list does not say each of its bars' days exactly, a line
    off screen, a link or summary under 24 px."""
    problems = []
    for number, row in enumerate(rows):
        if row["summary"]["h"] < 24 or row["summary"]["w"] < 24:
            problems.append(f"{where} row {number}: summary {row['summary']}")
        if not row["open"] or not all(line["shown"] for line in row["lines"]):
            problems.append(f"{where} row {number}: its days are not shown")
        for line in row["lines"]:
            if line["left"] < 0 or line["right"] > row.get("inner", 10 ** 6):
                problems.append(f"{where} row {number}: {line['text'][:40]} off screen")
            if any(w < 24 or h < 24 for w, h in line["links"]):
                problems.append(f"{where} row {number}: small link in {line['text'][:40]}")
        expected = {text.split(":", 1)[0]: text for text in row["bars"]}
        if day_by_day([line["text"] for line in row["lines"]]) != expected:
            problems.append(f"{where} row {number}: the list does not say the bars' days "
                            f"{[line['text'] for line in row['lines']]}")
    return problems


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("path", ["", "components/customer-sites/"])
def test_every_day_is_reached_by_keyboard_in_words(
        browser: Any, servers: dict[str, str], width: int, path: str) -> None:
    """Tab reaches every row of bars (one stop a row, the bars themselves are no stop),
    Enter opening a group of components folded away on the way; Enter opens a row's
    list, which says every day of the row in words with its notices."""
    context = browser.new_context(viewport={"width": width, "height": PHONES.get(width, 900)})
    page = context.new_page()
    try:
        page.goto(servers["incident"] + path)
        count = page.evaluate("document.querySelectorAll('details.history').length")
        assert count >= 1
        reached: list[int] = []
        for _ in range(300):
            page.keyboard.press("Tab")
            if page.evaluate(FOCUSED_FOLDED_GROUP):
                page.keyboard.press("Enter")
                continue
            row = page.evaluate(FOCUSED_ROW)
            if row is None:
                if len(reached) == count:
                    break
                continue
            reached.append(row)
            if not page.evaluate(f"document.querySelectorAll('details.history')[{row}].open"):
                page.keyboard.press("Enter")
        assert reached == list(range(count))
        rows = page.evaluate(ROWS)
        for row in rows:
            row["inner"] = width
        problems = _every_day_in_words(rows, f"{path or 'index'} at {width}px")
        lines = [line["text"] for row in rows for line in row["lines"]]
        assert ("Jul 30, 2024: partial outage for 33 minutes (Digicert certificate reissue)"
                in lines)  # open since 13:27, built at 14:00
    finally:
        context.close()
    assert problems == [], "\n".join(problems[:10])


@pytest.mark.parametrize("path", ["", "components/customer-sites/"])
def test_every_day_is_reached_by_tap_on_a_phone(
        browser: Any, servers: dict[str, str], path: str) -> None:
    """On a 390 px touch screen, a tap on a bar shows that day's words on screen and
    opens (or closes) the row's list; a tap on each closed row opens every day's words.
    A tap on a folded group's row opens it first."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True,
                                  is_mobile=True)
    page = context.new_page()
    problems: list[str] = []
    try:
        page.goto(servers["incident"] + path)
        folded = page.locator(".component-group:not([open]) > summary")
        for _ in range(folded.count()):
            folded.first.tap()
        rows = page.locator("details.history")
        assert rows.count() >= 1
        for number in range(rows.count()):
            last_bar = rows.nth(number).locator(".bars i").last
            was_open = rows.nth(number).evaluate("d => d.open")
            last_bar.tap()
            index = page.evaluate("b => [...document.querySelectorAll('.bars i')].indexOf(b)",
                                  last_bar.element_handle())
            tip = page.evaluate(HOVERED_WORDS, index)
            if tip["w"] < 50 or tip["h"] < 10 or tip["left"] < 0 or tip["right"] > 390:
                problems.append(f"row {number}: the tapped day's words are not on screen {tip}")
            if rows.nth(number).evaluate("d => d.open") == was_open:
                problems.append(f"row {number}: a tap did not open or close its list")
            if not rows.nth(number).evaluate("d => d.open"):
                rows.nth(number).locator("summary").tap()
        found = page.evaluate(ROWS)
        for row in found:
            row["inner"] = 390
        problems += _every_day_in_words(found, f"{path or 'index'} by tap")
    finally:
        context.close()
    assert problems == [], "\n".join(problems[:10])


def test_hovering_a_bar_shows_its_words_on_screen(browser: Any, servers: dict[str, str]
                                                 ) -> None:
    """With a mouse at 1280 px, every bar of a row shows its own words beside it."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    try:
        page.goto(servers["incident"] + "components/customer-sites/")
        bars = page.locator(".bars i")
        assert bars.count() == 90
        for index in range(90):
            bars.nth(index).hover()
            tip = page.evaluate(HOVERED_WORDS, index)
            if tip["w"] < 50 or tip["h"] < 10 or tip["left"] < 0 or tip["right"] > 1280:
                problems.append(f"bar {index}: {tip}")
        assert tip["text"] == ("Jul 30, 2024: partial outage for 33 minutes "
                               "(Digicert certificate reissue)")
    finally:
        context.close()
    assert problems == [], "\n".join(problems[:10])


# The words shown for bar i, as a box on screen, or None when they are not shown.
SHOWN_WORDS = """i => { const tip = document.querySelectorAll('.bars i')[i].querySelector('span');
  const r = tip.getBoundingClientRect();
  return r.width > 10 && r.height > 10 ? [r.left, r.top, r.right, r.bottom] : null; }"""


def test_component_page_dates_itself_and_warns_at_320_px(browser: Any,
                                                         servers: dict[str, str]) -> None:
    """A component page reached from a feed, a bookmark or an embed's link says when it
    was built and how long ago, and warns once older than stale_after, as the Open page
    does, under the pages' own policy, on the narrowest phone without scrolling sideways;
    an incident's component says how long ago it began too. Without the script the page
    still says when."""
    built = datetime.fromisoformat("2024-07-30T14:00:00-05:00")
    component = servers["incident"] + "components/support-portal/"
    refused: list[str] = []
    for minutes, ago, warned in ((3, " (3 minutes ago)", False), (200, " (3 hours ago)", True),
                                 (3000, " (2 days ago)", True)):
        context = browser.new_context(viewport={"width": 320, "height": 640})
        page = context.new_page()
        page.on("console", lambda message: refused.append(message.text)
                if "Content Security Policy" in message.text else None)
        page.route("**/*", with_page_policy)
        page.clock.install(time=built + timedelta(minutes=minutes, seconds=5))
        page.goto(component)
        assert page.locator(".current").inner_text() == "Now: Operational"
        assert page.locator("#built").inner_text() == f"Updated Jul 30, 2024, 2:00 PM CDT{ago}"
        stale = page.locator("#stale")
        assert stale.is_visible() is warned, minutes
        if warned:
            assert stale.inner_text() == (
                "This page has not been updated for a while and may be out of date. If you "
                "are having a problem, please submit a case.")
            # On the first screen, under the status it qualifies.
            box = stale.bounding_box()
            assert box is not None and box["y"] + box["height"] <= 640, box
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, minutes
        assert refused == [], refused
        context.close()
    # The incident's component says how long ago it began, as the Open page's line does.
    affected = servers["incident"] + "components/customer-sites/"
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.clock.install(time=built + timedelta(minutes=3, seconds=5))
    page.goto(affected)
    assert page.locator(".current").inner_text() == (
        "Now: Partial outage Since Jul 30, 2024, 1:27 PM CDT (36 minutes ago)")
    context.close()
    context = browser.new_context(java_script_enabled=False,
                                  viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(component)
    assert page.locator("#built").inner_text() == "Updated Jul 30, 2024, 2:00 PM CDT"
    assert not page.locator("#stale").is_visible()
    page.goto(affected)
    assert page.locator(".current").inner_text() == (
        "Now: Partial outage Since Jul 30, 2024, 1:27 PM CDT")
    context.close()


def with_page_policy(route: Any) -> None:
    """The response with the Content-Security-Policy the site's _headers gives pages."""
    response = route.fetch()
    headers = dict(response.headers)
    if headers.get("content-type", "").startswith("text/html"):
        headers["content-security-policy"] = PAGE_CSP
    route.fulfill(response=response, headers=headers)


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("path", ["", "components/customer-sites/"])
def test_a_bars_words_stay_under_the_pointer_and_go_on_escape(
        browser: Any, servers: dict[str, str], width: int, path: str) -> None:
    """WCAG 1.4.13: the pointer moved straight up from a bar onto its words keeps them
    shown (a gap between the two, or words beside another bar, hid them on the way);
    Escape hides them with the pointer still there (under the pages' own policy), and
    they stay hidden until the pointer leaves the bar and comes back."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.route("**/*", with_page_policy)
    problems: list[str] = []
    try:
        page.goto(servers["incident"] + path)
        bars = page.locator(".bars i")
        for index in (0, 30, 44, 45, 60, 89):
            bars.nth(index).hover()  # scrolled into view
            box = bars.nth(index).bounding_box()
            x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
            page.mouse.move(x, y)
            words = page.evaluate(SHOWN_WORDS, index)
            if words is None:
                problems.append(f"bar {index}: hovered, its words are not shown")
                continue
            # Half a pixel a step: the pointer crosses the edge where bar and words meet
            # however the page's layout puts it between pixels.
            middle = (words[1] + words[3]) / 2
            steps = int((y - middle) * 2)
            for step in range(1, steps + 1):
                page.mouse.move(x, y + (middle - y) * step / steps)
                if page.evaluate(SHOWN_WORDS, index) is None:
                    problems.append(f"bar {index}: its words went on the way up to them, "
                                    f"{step} of {steps} steps from the bar {words}")
                    break
            page.mouse.move(x, y)
            page.keyboard.press("Escape")
            if page.evaluate(SHOWN_WORDS, index) is not None:
                problems.append(f"bar {index}: Escape did not hide its words")
            page.mouse.move(x, y - 1)
            if page.evaluate(SHOWN_WORDS, index) is not None:
                problems.append(f"bar {index}: its words came back with the pointer on it")
            page.mouse.move(x, box["y"] + box["height"] + 40)
            page.mouse.move(x, y)
            if page.evaluate(SHOWN_WORDS, index) is None:
                problems.append(f"bar {index}: its words did not come back with the pointer")
    finally:
        context.close()
    assert refused == []
    assert problems == [], "\n".join(problems[:10])


# Boxes that hide what does not fit (overflow not visible) yet hold more than they show.
CLIPPED = """() => [...document.querySelectorAll('main *')].filter(e =>
  getComputedStyle(e).overflowX !== 'visible' && e.scrollWidth > e.clientWidth + 1
  && !e.closest('.sr, .bars')).map(e => `${e.tagName} ${e.scrollWidth}>${e.clientWidth}`)"""
FOCUSED = """() => { const e = document.activeElement, s = getComputedStyle(e);
  return {tag: e.tagName, visible: e.matches(':focus-visible'), style: s.outlineStyle,
          width: parseFloat(s.outlineWidth)}; }"""
WIDE_BODY = ("Affected districts:\n\n| District | Region | Schools | Staff | Students | Sign-in "
             "| Mail | Reports |\n|---|---|---|---|---|---|---|---|\n| " + "North" * 40
             + " | Plains | 42 | 1200 | 15000 | failing | slow | late |\n\n"
             "```\n" + "curl --retry 5 https://sso.example.org/" + "callback" * 30 + "\n```\n")


def test_wide_tables_and_long_code_lines_reach_keyboard_and_paper(
        browser: Any, empty_repo: Path, tmp_path: Path) -> None:
    """An update with a table wider than a phone and a code line of 270 characters: at
    320 px the page does not scroll sideways; what scrolls inside it is reached by Tab
    with a visible outline (axe: scrollable-region-focusable, for browsers that do not
    focus scrollers themselves); printed, no column or end of line is cut off."""
    (empty_repo / "notices" / "wide.md").write_text(
        "---\ntitle: Sign-in errors\ntype: incident\nimpact: major\ncomponents: [web]\n---\n"
        f"## Investigating - 2026-11-28 05:00\n{WIDE_BODY}")
    out = tmp_path / "site"
    build_into(empty_repo, out, FIXED_NOW)
    problems: list[str] = []
    context = browser.new_context(viewport={"width": 320, "height": 740})
    page = context.new_page()
    try:
        with serving(out) as url:
            for path in ("", "notices/wide/"):
                page.goto(url + path)
                scroll, inner = page.evaluate(
                    "[document.scrollingElement.scrollWidth, innerWidth]")
                if scroll > inner:
                    problems.append(f"{path or 'index'}: scrolls sideways ({scroll} > {inner})")
                scrollers = page.evaluate(CLIPPED)
                assert scrollers, "the table no longer scrolls: test something else"
                if AXE.is_file():
                    problems += [f"{path or 'index'}: axe {v['id']} {v['nodes'][:2]}"
                                 for v in _axe(page)]
                page.goto(url + path)
                for _ in range(40):
                    page.keyboard.press("Tab")
                    focused = page.evaluate(FOCUSED)
                    if focused["tag"] == "TABLE":
                        break
                if focused["tag"] != "TABLE":
                    problems.append(f"{path or 'index'}: Tab never reaches the table")
                elif (not focused["visible"] or focused["style"] != "solid"
                      or focused["width"] < 2):
                    problems.append(f"{path or 'index'}: no visible outline {focused}")
                page.emulate_media(media="print")
                problems += [f"{path or 'index'} printed: {clipped} is cut off"
                             for clipped in page.evaluate(CLIPPED)]
                page.emulate_media(media="screen")
    finally:
        context.close()
    assert problems == [], "\n".join(problems)


# Where a block's first and last characters are drawn: in a right-to-left paragraph the
# first is at the right and the closing '.' or '!' at the far left.
ENDS = """selector => [...document.querySelectorAll(selector)].map(e => {
  const walker = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
  const texts = []; while (walker.nextNode()) if (walker.currentNode.data.trim())
    texts.push(walker.currentNode);
  const first = texts[0], last = texts[texts.length - 1];
  const at = (node, i) => { const r = document.createRange(); r.setStart(node, i);
    r.setEnd(node, i + 1); return r.getBoundingClientRect().left; };
  const end = last.data.trimEnd().length - 1;
  return {text: e.innerText, first: at(first, first.data.length - first.data.trimStart().length),
          last: at(last, end), lastChar: last.data[end]}; })"""
# CHARACTERS_OF, given a selector.
CHARACTERS = f"selector => ({CHARACTERS_OF})(document.querySelector(selector))"
# "Stopped 5. We are working!" and a list item "The first item (important)."
RTL_BODY = "الخدمة متوقفة 5. نحن نعمل!\n\n- البند الأول (مهم).\n"


def test_right_to_left_titles_and_updates_read_right_to_left(
        browser: Any, empty_repo: Path, tmp_path: Path) -> None:
    """A Hebrew title (and a heading in a summary) and an Arabic update on an English
    site: each title, heading and paragraph of an update takes the direction of its own
    words (as GitHub shows them), so the closing '.' or '!' ends them on the left rather
    than starting them on the right, and "(...)" stay paired; English text beside them
    (the banner's ", and 1 more notice") stays left to right."""
    (empty_repo / "notices" / "rtl.md").write_text(
        f"---\ntitle: {RTL_TITLE}\ntype: incident\nimpact: major\ncomponents: [web]\n---\n"
        f"# {RTL_TITLE}\n\n## Investigating - 2026-11-28 05:00\n{RTL_BODY}\nIn English.\n")
    (empty_repo / "notices" / "slow.md").write_text(SLOW_SIGN_IN)
    out = tmp_path / "site"
    build_into(empty_repo, out, FIXED_NOW)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    problems: list[str] = []
    try:
        with serving(out) as url:
            for path, selector in (("notices/rtl/", "h1"), ("notices/rtl/", ".summary h2"),
                                   ("notices/rtl/", ".timeline p, .timeline li li"),
                                   ("", "article.notice h2"), ("", ".latest p:not(.when)"),
                                   ("", ".rows .title")):
                page.goto(url + path)
                blocks = page.evaluate(ENDS, selector)
                assert blocks, selector
                for block in blocks:
                    english = not re.search("[\u0590-\u06ff]", block["text"])
                    if english != (block["first"] < block["last"]):
                        problems.append(f"{path or 'index'} {selector}: {block}")
            # The banner names the notice in a sentence: the title reads right to left
            # and the English words after it follow it on the right.
            page.goto(url)
            drawn = page.evaluate(CHARACTERS, ".banner a")
            text = "".join(char for char, _ in drawn)
            assert text == f"{RTL_TITLE}, and 1 more notice", text
            lefts = [left for _, left in drawn]
            title = lefts[:len(RTL_TITLE)]
            if not (title[-1] < title[0] and lefts[len(RTL_TITLE)] > max(title)):
                problems.append(f"banner: the title is drawn out of order {drawn}")
    finally:
        context.close()
    assert problems == [], "\n".join(problems)


# Each list item in a notice page's timeline: whether it is an update (a child of the
# timeline) and the width of its left border.
TIMELINE_ITEMS = """() => [...document.querySelectorAll('.timeline li')].map(li => ({
  update: li.parentElement.classList.contains('timeline'),
  border: parseFloat(getComputedStyle(li).borderLeftWidth), text: li.innerText.trim()}))"""


def test_lists_in_an_update_look_like_lists_not_like_updates(
        browser: Any, empty_repo: Path, tmp_path: Path) -> None:
    """Only the updates of a timeline carry its left bar: a bulleted or numbered list
    written in an update (and one nested in it) keeps the plain list look. The bar
    used to mark every item too, so a list read as more updates."""
    (empty_repo / "notices" / "lists.md").write_text(
        "---\ntitle: Sign-in errors\ntype: incident\nimpact: major\ncomponents: [web]\n---\n"
        "## Investigating - 2026-11-28 05:00\nWhat we know:\n\n- Sign-in fails\n"
        "  1. on the web\n  2. in the app\n- Mail works\n")
    out = tmp_path / "site"
    build_into(empty_repo, out, FIXED_NOW)
    items = evaluated(browser, out, "notices/lists/", TIMELINE_ITEMS)
    updates = [item for item in items if item["update"]]
    written = [item for item in items if not item["update"]]
    assert len(updates) == 1 and updates[0]["border"] >= 2
    assert len(written) == 4, items
    assert [item for item in written if item["border"]] == []


def test_text_nested_as_deep_as_allowed_fits_a_320px_screen(
        browser: Any, empty_repo: Path, tmp_path: Path) -> None:
    """Quotes and lists nested near as deep as check allows (32 elements) keep a 320 px
    page within the screen: each level indented, 20 quotes or 10 lists pushed the notice
    page and the Open page's card to about 445 px, sideways for a reader on a phone."""
    quotes = "> " * 28 + "deep quote"
    lists = "\n".join("  " * level + "- item" for level in range(14))
    (empty_repo / "notices" / "deep.md").write_text(
        "---\ntitle: Sign-in errors\ntype: incident\nimpact: major\ncomponents: [web]\n"
        f"---\n## Investigating - 2026-11-28 05:00\n{quotes}\n\n{lists}\n")
    out = tmp_path / "site"
    build_into(empty_repo, out, FIXED_NOW)
    for path in ("notices/deep/", ""):
        width = evaluated(browser, out, path, "document.scrollingElement.scrollWidth", 320)
        assert width <= 320, path


# Where each of ``names`` starts and ends, drawn, in the first element ``selector`` finds.
NAME_EDGES = """([selector, names]) => { const e = document.querySelector(selector);
  const walker = document.createTreeWalker(e, NodeFilter.SHOW_TEXT); let text = '';
  const nodes = []; while (walker.nextNode()) { nodes.push([walker.currentNode, text.length]);
    text += walker.currentNode.data; }
  const box = at => { for (const [node, start] of nodes) if (at < start + node.data.length) {
    const r = document.createRange(); r.setStart(node, at - start);
    r.setEnd(node, at - start + 1); return r.getBoundingClientRect(); } };
  return names.map(name => { const i = text.indexOf(name); if (i < 0) return null;
    const xs = [...name].map((_, k) => box(i + k)).map(r => [r.left, r.right]).flat();
    return [Math.min(...xs), Math.max(...xs)]; }); }"""
RTL_NAMES = ("השרת", "הדואר.")  # "The server", "The mail." (its '.' ends the name)
RTL_SECOND = "הכל עובד."  # "All works."


def test_right_to_left_names_in_a_sentence_keep_the_sentence_order(
        browser: Any, tmp_path: Path) -> None:
    """Hebrew component names listed in an English sentence ("Affected: A, B") and
    Hebrew titles among English words read in the sentence's order, left to right:
    each name is isolated, so two of them do not merge into one right-to-left run that
    shows the second first, and a name's own '.' stays with it."""
    root = tmp_path / "repo"
    (root / "notices").mkdir(parents=True)
    (root / "outpost.yaml").write_text(
        "title: Test Status\nbase_url: https://status.example.org/\n"
        "timezone: America/Chicago\ncomponents:\n"
        f"  - id: srv\n    name: {RTL_NAMES[0]}\n  - id: mail\n    name: '{RTL_NAMES[1]}'\n")
    (root / "notices" / "both.md").write_text(
        f"---\ntitle: {RTL_TITLE}\ntype: incident\nimpact: major\ncomponents: [srv, mail]\n"
        "---\n## Resolved - 2026-11-28 06:00\nFixed.\n\n"
        "## Investigating - 2026-11-28 05:00\nLooking.\n")
    (root / "notices" / "later.md").write_text(
        f"---\ntitle: '{RTL_SECOND}'\ntype: incident\nimpact: minor\ncomponents: [srv]\n"
        "---\n## Resolved - 2026-11-28 05:50\nFixed.\n\n"
        "## Investigating - 2026-11-28 05:30\nLooking.\n")
    out = tmp_path / "site"
    # Both resolved by the build's time: the day's line holds one status and fits on one
    # line, where the names' order is measured.
    build_into(root, out, FIXED_NOW)
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    page = context.new_page()
    problems: list[str] = []
    try:
        with serving(out) as url:
            for path, selector, names in (
                    ("notices/both/", ".affected", RTL_NAMES),
                    ("components/mail/", "#follow", ("Follow", RTL_NAMES[1])),
                    ("components/srv/", "p:has(+ pre)", ("for", RTL_NAMES[0], "only")),
                    ("components/srv/", ".daylist li:has(a)", ("outage", RTL_TITLE, RTL_SECOND)),
                    ("", ".daylist li:has(a)", ("outage", RTL_TITLE, RTL_SECOND))):
                page.goto(url + path)
                edges = page.evaluate(NAME_EDGES, [selector, list(names)])
                if None in edges or any(one[1] > two[0] + 0.5
                                        for one, two in pairwise(edges)):
                    problems.append(f"{path} {selector}: {names} drawn at {edges}")
    finally:
        context.close()
    assert problems == [], "\n".join(problems)



RTL_THREE = ("השרת", "הדואר", "האתר")  # "The server", "The mail", "The site"


def test_the_overall_line_keeps_right_to_left_names_in_its_order(
        browser: Any, tmp_path: Path) -> None:
    """The Open page's first line ("Major outage: A, B and C") isolates each Hebrew
    component name as every other sentence does: the names read left to right in the
    sentence's order, rather than A and B merging into one right-to-left run that
    shows B first."""
    root = tmp_path / "repo"
    (root / "notices").mkdir(parents=True)
    (root / "outpost.yaml").write_text(
        "title: Test Status\nbase_url: https://status.example.org/\n"
        "timezone: America/Chicago\ncomponents:\n" + "".join(
            f"  - id: c{n}\n    name: {name}\n" for n, name in enumerate(RTL_THREE)))
    (root / "notices" / "down.md").write_text(
        f"---\ntitle: {RTL_TITLE}\ntype: incident\nimpact: critical\n"
        "components: [c0, c1, c2]\n---\n## Investigating - 2026-11-28 05:00\nLooking.\n")
    out = tmp_path / "site"
    build_into(root, out, FIXED_NOW)
    edges = evaluated(browser, out, "", "() => (" + NAME_EDGES + ")(['.overall strong', "
                      + json.dumps(["outage", *RTL_THREE]) + "])", width=1000)
    assert None not in edges and all(
        one[1] <= two[0] + 0.5 for one, two in pairwise(edges)), edges



def test_a_right_to_left_name_beside_its_status_keeps_its_own_ending(
        browser: Any, empty_repo: Path, tmp_path: Path) -> None:
    """An open notice lists each component with its status ("הדואר. ! Partial outage",
    on its page and its card): the name is isolated, so its own '.' ends it on the left
    instead of landing on its right, between the name and the status."""
    config = empty_repo / "outpost.yaml"
    config.write_text(config.read_text().replace("name: Web", f"name: '{RTL_NAMES[1]}'"))
    (empty_repo / "notices" / "down.md").write_text(
        "---\ntitle: Mail down\ntype: incident\ncomponents: {web: partial_outage}\n---\n"
        "## Investigating - 2026-11-28 05:00\nLooking.\n")
    out = tmp_path / "site"
    build_into(empty_repo, out, FIXED_NOW)
    for path in ("notices/down/", ""):
        drawn = evaluated(browser, out, path, "() => (" + CHARACTERS
                          + ")('.affected-list li')")[:len(RTL_NAMES[1])]
        assert "".join(char for char, _ in drawn) == RTL_NAMES[1]
        assert drawn[-1][1] < drawn[0][1], (path, drawn)

# Markdown as support staff write it, shown in a notice's summary, its postmortem, an
# update on its page and the latest update on the Open page's card.
WRITTEN = ("### What to do\n\nSign in again.\n\n#### Details\n\nMore.\n\n##### Deeper\n\n"
           "- Sign-in fails\n  - on the web\n    - in Firefox\n- Mail works\n\n"
           "1. Reports\n2. Grades\n\n- Attendance\n\n"
           "> The vendor wrote: we are on it, and this quote is long enough to wrap.\n>\n"
           "> > An earlier note quoted in it, also long enough to wrap at least once.\n")
WHERE_WRITTEN = {"notices/written/": (".summary", ".postmortem", ".timeline > li"),
                 "": (".latest",)}
# Each heading, list and quote in what staff wrote, in document order, with what a
# reader sees of it.
WRITTEN_LOOK = """selector => { const body = parseFloat(getComputedStyle(document.body).fontSize);
  return [...document.querySelectorAll(selector)].map(part => ({body,
    headings: [...part.querySelectorAll('h1,h2,h3,h4,h5,h6')].filter(h => !h.closest(
      '.postmortem > h2, .timeline > li > h3')).map(h => ({text: h.innerText,
        size: parseFloat(getComputedStyle(h).fontSize)})),
    lists: [...part.querySelectorAll('ul, ol')].filter(l => !l.matches('.affected-list'))
      .map(l => { const s = getComputedStyle(l);
        return [l.tagName, l.firstElementChild.innerText.split('\\n')[0], s.listStyleType,
                s.marginTop, s.marginBottom]; }),
    quotes: [...part.querySelectorAll('blockquote')].map(q => { const s = getComputedStyle(q);
      return {bar: parseFloat(s.borderLeftWidth), right: parseFloat(s.marginRight),
              width: q.getBoundingClientRect().width,
              within: (p => { const ps = getComputedStyle(p); return p.clientWidth
                - parseFloat(ps.paddingLeft) - parseFloat(ps.paddingRight); })(q.parentElement)};
    })})); }"""


@pytest.fixture(scope="module")
def written_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An open incident with WRITTEN as its summary, its postmortem and its update."""
    root = tmp_path_factory.mktemp("written")
    (root / "notices").mkdir()
    (root / "outpost.yaml").write_text(MINIMAL_CONFIG)
    (root / "notices" / "written.md").write_text(
        "---\ntitle: Sign-in errors\ntype: incident\nimpact: major\ncomponents: [web]\n---\n"
        f"{WRITTEN}\n## Postmortem - 2026-11-28 06:00\n{WRITTEN}\n"
        f"## Investigating - 2026-11-28 05:00\n{WRITTEN}")
    out = root / "site"
    build_into(root, out, FIXED_NOW)
    return out


def _written_looks(browser: Any, site: Path, width: int) -> dict[str, list[Any]]:
    """WRITTEN_LOOK of every place WRITTEN is shown, at ``width`` px."""
    context = browser.new_context(viewport={"width": width, "height": 740})
    page = context.new_page()
    looks = {}
    try:
        with serving(site) as url:
            for path, selectors in WHERE_WRITTEN.items():
                page.goto(url + path)
                for selector in selectors:
                    [looks[selector]] = page.evaluate(WRITTEN_LOOK, selector)
    finally:
        context.close()
    return looks


@pytest.mark.parametrize("width", [320, 1280])
def test_headings_written_in_an_update_are_not_smaller_than_its_text(
        browser: Any, written_site: Path, width: int) -> None:
    """A '###' or '####' heading in an update (as the README suggests) is at least the
    size of the text under it, wherever it is shown: pages renumber it to sit under
    their own headings, and the browser's own h5 and h6 are 13 and 11 px."""
    looks = _written_looks(browser, written_site, width)
    problems = [f"{where}: '{heading['text']}' is {heading['size']}px, the text "
                f"{look['body']}px" for where, look in looks.items()
                for heading in look["headings"] if heading["size"] < look["body"]]
    assert all(len(look["headings"]) == 3 for look in looks.values()), looks
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("width", [320, 1280])
def test_lists_written_in_an_update_look_as_in_the_summary(
        browser: Any, written_site: Path, width: int) -> None:
    """Inside the updates' timeline (itself a list) a bulleted list still starts with
    discs, nested ones with circles and squares, and two lists one after the other keep
    the space between them, as in the summary: the browser's own rules for lists in a
    list used to show them as nested, run together."""
    looks = _written_looks(browser, written_site, width)
    summary = looks[".summary"]["lists"]
    assert [kind for _, _, kind, _, _ in summary] == ["disc", "circle", "square",
                                                      "decimal", "disc"], summary
    for where, look in looks.items():
        assert look["lists"] == summary, where


@pytest.mark.parametrize("width", [320, 1280])
def test_quotes_written_in_an_update_are_marked_and_keep_the_width(
        browser: Any, written_site: Path, width: int) -> None:
    """A quote (and one nested in it) is marked by a bar at its left, as GitHub shows
    it, rather than read as more of the list above it; and it gives up no width at its
    right, which at 320 px left a nested quote a third of the screen."""
    looks = _written_looks(browser, written_site, width)
    problems = [f"{where}: {quote}" for where, look in looks.items()
                for quote in look["quotes"]
                if quote["bar"] < 2 or quote["right"] != 0
                or quote["width"] < quote["within"] - 0.5]
    assert all(len(look["quotes"]) == 2 for look in looks.values()), looks
    assert problems == [], "\n".join(problems)


# Each notice link in a day's line of a component page: the box of the character just
# before it ('(' or ';') and just after it (';' or ')'), and its first and last line.
TITLE_NEIGHBOURS = """() => [...document.querySelectorAll('.daylist li[id] a')].map(a => {
  const char = (node, last) => { const r = document.createRange();
    const i = last ? node.data.trimEnd().length - 1
                   : node.data.length - node.data.trimStart().length;
    r.setStart(node, i); r.setEnd(node, i + 1); const b = r.getBoundingClientRect();
    return [b.top, b.bottom]; };
  const range = document.createRange(); range.selectNodeContents(a);
  const words = [...range.getClientRects()].filter(r => r.width);
  return {title: a.innerText, before: char(a.previousSibling, true),
          after: char(a.nextSibling, false),
          first: [words[0].top, words[0].bottom],
          last: [words[words.length - 1].top, words[words.length - 1].bottom]}; })"""


def test_titles_in_a_days_line_wrap_with_its_words(browser: Any, empty_repo: Path,
                                                   tmp_path: Path) -> None:
    """On a phone, a component page's day line "partial outage for 1 hour (A; B)" with
    long titles wraps as a sentence: '(' and ';' stay on the line where the next title
    starts and ';' and ')' on the line where the previous one ends. Each title was a
    block of its own, leaving them alone on lines between."""
    for name, minute in (("first", 10), ("second", 30)):
        (empty_repo / "notices" / f"{name}.md").write_text(
            f"---\ntitle: Sign-in errors for districts on the {name} single sign-on provider"
            " while the vendor investigates\ntype: incident\nimpact: major\n"
            f"components: [web]\n---\n## Resolved - 2026-11-27 05:{minute + 15}\nFixed.\n\n"
            f"## Investigating - 2026-11-27 05:{minute}\nLooking.\n")
    out = tmp_path / "site"
    build_into(empty_repo, out, FIXED_NOW)
    links = evaluated(browser, out, "components/web/", TITLE_NEIGHBOURS)
    assert len(links) == 2, links

    def same_line(one: list[float], two: list[float]) -> bool:
        return one[0] < two[1] and two[0] < one[1]

    problems = [link for link in links if not (same_line(link["before"], link["first"])
                                                and same_line(link["after"], link["last"]))]
    assert problems == [], problems


# The colours of the text and of what prints its background, element by element.
PRINTED_COLOURS = """() => [...document.querySelectorAll('body *')].map(e => {
  const s = getComputedStyle(e);
  return `${e.tagName}.${e.className}: ${s.color} on ${s.backgroundColor}`; })"""


@pytest.mark.parametrize("path", ["", "notices/2024-07-30-digicert-certificate-reissue/",
                                  "components/customer-sites/"])
def test_a_page_printed_from_dark_mode_prints_as_from_light_mode(
        browser: Any, servers: dict[str, str], path: str) -> None:
    """Paper is white and the browser leaves out background colours: printed by a
    reader in dark mode, a page keeps the light scheme's text and bar colours rather
    than printing its dark scheme's near-white text on white paper."""
    printed = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(viewport={"width": 800, "height": 900},
                                      color_scheme=scheme)
        page = context.new_page()
        try:
            page.goto(servers["incident"] + path)
            page.emulate_media(media="print")
            printed[scheme] = page.evaluate(PRINTED_COLOURS)
        finally:
            context.close()
    differ = [f"{light} / dark: {dark.split(': ', 1)[1]}" for light, dark
              in zip(printed["light"], printed["dark"], strict=True) if light != dark]
    assert differ == [], "\n".join(differ[:10])


def test_the_longest_title_leaves_since_when_and_help_on_a_small_phone_s_first_screen(
        browser: Any, tmp_path: Path) -> None:
    """A title of the 250 characters allowed, five long component names in a major
    outage and a long home link: the site banner repeated the whole title above the
    overall line and above the notice's heading, and pushed "since when" below the
    first screen of a 360x740 phone (y=753 on the Open page, 787 on the notice's). The
    banner shows 100 characters of it; the card and the page's heading, whole."""
    root = tmp_path / "repo"
    (root / "notices").mkdir(parents=True)
    names = [f"District Campus Student Information System {n}" for n in range(1, 6)]
    (root / "outpost.yaml").write_text(
        MINIMAL_CONFIG.split("components:")[0] + "home_url: https://support.example.org/\n"
        "home_label: Customer support portal\n"
        "submit_case_url: https://support.example.org/cases/new\ncomponents:\n"
        + "".join(f"  - id: c{n}\n    name: {name}\n" for n, name in enumerate(names, 1)))
    title = ("Sign-in failures " * 15)[:250].strip()
    title += "x" * (250 - len(title))
    (root / "notices" / "sign-in.md").write_text(
        f"---\ntitle: {title}\ntype: incident\nimpact: major\n"
        f"components: [c1, c2, c3, c4, c5]\n---\n"
        "## Investigating - 2026-11-28 05:00\nWe are looking.\n")
    site = tmp_path / "site"
    build_into(root, site, FIXED_NOW)
    problems = []
    with serving(site) as url:
        # 740: the README's promise, on the Open page and on the notice's own (its
        # heading holds the 250 characters: a 360x640 screen fits 200, tested above).
        for path, height in (("", 740), ("notices/sign-in/", 740)):
            context = browser.new_context(viewport={"width": 360, "height": height})
            page = context.new_page()
            try:
                page.goto(url + path)
                since = page.evaluate("""() => { const e = document.querySelector(
                    '.overall .since, .overall time, .range time');
                    return e && e.getBoundingClientRect().bottom; }""")
                help_ = page.locator("header a.case").bounding_box()
                if since is None or since > height:
                    problems.append(f"{path or 'index'}: since when at {since} of {height}")
                if help_ is None or help_["y"] + help_["height"] > height:
                    problems.append(f"{path or 'index'}: Submit a case at {help_}")
                assert title in page.locator("main").inner_text()  # whole below the banner
            finally:
                context.close()
    assert problems == []


def test_the_longest_component_names_leave_since_when_on_a_small_phone_s_first_screen(
        browser: Any, tmp_path: Path) -> None:
    """Five components with names of the 100 characters allowed, in a partial outage: the
    overall line named three of them whole, 13 lines on a 320x640 phone, and "since
    when" was at y=850 (665 of a 360x640 screen). It names them while they take 100
    characters, the first always, and counts the rest."""
    root = tmp_path / "repo"
    (root / "notices").mkdir(parents=True)
    names = [(f"District Campus Student Information System {n} " * 3)[:100]
             for n in range(1, 6)]
    (root / "outpost.yaml").write_text(
        MINIMAL_CONFIG.split("components:")[0]
        + "submit_case_url: https://support.example.org/cases/new\ncomponents:\n"
        + "".join(f"  - id: c{n}\n    name: {name}\n" for n, name in enumerate(names, 1)))
    (root / "notices" / "sign-in.md").write_text(
        "---\ntitle: Sign-in failures\ntype: incident\nimpact: major\n"
        "components: [c1, c2, c3, c4, c5]\n---\n"
        "## Investigating - 2026-11-28 05:00\nWe are looking.\n")
    site = tmp_path / "site"
    build_into(root, site, FIXED_NOW)
    seen = {}
    with serving(site) as url:
        for width, height in ((320, 640), (360, 640)):
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            try:
                page.goto(url)
                seen[width] = page.evaluate(FIRST_SCREEN)
            finally:
                context.close()
    for width, first_screen in seen.items():
        assert first_screen["broken"]["text"] == (
            f"Partial outage: {names[0]} and 4 more"), width
        assert first_screen["since"]["text"].startswith(
            "Since Nov 28, 2026, 5:00 AM CST"), width
        assert first_screen["since"]["bottom"] <= 640, (width, first_screen)


def _pdf_objects(pdf: bytes) -> dict[int, bytes]:
    """A PDF's objects by number (Chromium writes no object streams)."""
    return {int(m[1]): m[2] for m in re.finditer(rb"(\d+) 0 obj\s*(.*?)endobj", pdf, re.S)}


def _printed_content(pdf: bytes) -> list[tuple[list[tuple[int, str]], int]]:
    """Each piece of content of a tagged PDF Chromium printed, in reading order: the
    structure elements it is inside (object number, role such as H3 or LI), outermost
    first, and the page (from 0) it is printed on."""
    objects = _pdf_objects(pdf)
    kids = re.search(rb"/Type /Pages.*?/Kids \[(.*?)\]", pdf, re.S)
    assert kids is not None
    pages = [int(n) for n in re.findall(rb"(\d+) 0 R", kids[1])]
    content: list[tuple[list[tuple[int, str]], int]] = []

    def walk(number: int, inside: list[tuple[int, str]]) -> None:
        body = objects[number]
        role = re.search(rb"/S /(\w+)", body)
        if role is None:  # a link's annotation, not an element
            return
        inside = [*inside, (number, role[1].decode())]
        page = re.search(rb"^/Pg (\d+) 0 R", body, re.M)
        kids = re.search(rb"^/K (\[.*?\]|<<.*?>>|\d+ 0 R|\d+)\s*(?:/|>>)", body, re.S | re.M)
        # A kid is a marked content id on the element's page, a reference to an element,
        # or a marked content reference naming its own page.
        for kid in re.finditer(rb"<<(.*?)>>|(\d+) 0 R|(\d+)", kids[1] if kids else b"", re.S):
            if kid[2] is not None:
                walk(int(kid[2]), inside)
            else:
                own = re.search(rb"/Pg (\d+) 0 R", kid[1] or b"") or page
                assert own is not None
                content.append((inside, pages.index(int(own[1]))))

    root = re.search(rb"/Type /StructTreeRoot.*?/K (\d+) 0 R", pdf, re.S)
    assert root is not None
    walk(int(root[1]), [])
    return content


def _page_breaks_that_part(pdf: bytes, rows: bool) -> list[str]:
    """A heading printed last on its page, away from what it heads; with ``rows``, a
    list item (a notice's row, a component's) cut in two by a page break."""
    content = _printed_content(pdf)
    spans: dict[tuple[int, str], list[int]] = {}
    for index, (inside, _) in enumerate(content):
        for element in inside:
            spans.setdefault(element, []).append(index)
    titles = {int(m[2]): m[1].decode("latin-1") for m in re.finditer(
        rb"/Title \((.*?)\)\s*/Dest.*?/SE (\d+) 0 R", pdf, re.S)}
    problems = []
    for (number, role), indexes in spans.items():
        first, last = content[indexes[0]][1], content[indexes[-1]][1]
        after = indexes[-1] + 1
        if re.fullmatch(r"H\d", role) and after < len(content) and content[after][1] != last:
            problems.append(f"{role} {titles.get(number, number)!r} ends page {last + 1}")
        if rows and role == "LI" and first != last:
            problems.append(f"a list item runs from page {first + 1} to {last + 1}")
    return problems


def test_the_longest_site_title_leaves_since_when_on_a_phone_s_first_screen(
        browser: Any, tmp_path: Path) -> None:
    """A site title of the 250 characters allowed took ten lines of a 360 px phone's
    header and pushed the Open page's "since when" below a 360x740 first screen (y=761):
    on a phone it shows three lines, and the link's accessible name keeps every word."""
    root = tmp_path / "repo"
    (root / "notices").mkdir(parents=True)
    title = ("District Department of Information Technology Customer Support " * 4)[:250]
    (root / "outpost.yaml").write_text(
        f"title: {title.strip()}\n" + MINIMAL_CONFIG.split("\n", 1)[1]
        + "submit_case_url: https://support.example.org/cases/new\n")
    (root / "notices" / "sign-in.md").write_text(
        "---\ntitle: Sign-in failures\ntype: incident\nimpact: major\ncomponents: [web]\n"
        "---\n## Investigating - 2026-11-28 05:00\nWe are looking.\n")
    site = tmp_path / "site"
    build_into(root, site, FIXED_NOW)
    with serving(site) as url:
        context = browser.new_context(viewport={"width": 360, "height": 740})
        page = context.new_page()
        try:
            page.goto(url)
            since = page.evaluate(
                "document.querySelector('.overall time').getBoundingClientRect().bottom")
            header_title = page.locator("header a.site")
            lines = header_title.evaluate(
                "a => Math.round(a.getBoundingClientRect().height"
                " / parseFloat(getComputedStyle(a).lineHeight))")
            name = page.get_by_role("link", name=title.strip()).count()
        finally:
            context.close()
    assert since <= 740
    assert lines == 3
    assert name == 1


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_a_printed_page_keeps_headings_with_what_they_head_and_rows_whole(
        browser: Any, servers: dict[str, str], sites: dict[str, Path], paper: str) -> None:
    """Printed (for a meeting), no heading (a day of the recent history, a group of
    components, an update's status and time) is left at the foot of a page with what
    it heads on the next, and no notice's or component's row is cut in two."""
    paths = ["", "closed/", *notice_pages(sites["incident"])]
    problems = []
    context = browser.new_context()
    page = context.new_page()
    try:
        for path in paths:
            page.goto(servers["incident"] + path)
            pdf = page.pdf(format=paper, tagged=True, outline=True)
            # A notice's updates may be longer than a page: only rows must stay whole.
            problems += [f"{path or 'index'}: {p}" for p in
                         _page_breaks_that_part(pdf, rows=not path.startswith("notices/"))]
    finally:
        context.close()
    assert problems == [], "\n".join(problems)


# The focused element's outline as drawn (its box grown by offset and width), in page
# coordinates, and the page's width.
FOCUS_RING = """() => { const e = document.activeElement, s = getComputedStyle(e);
  const grow = (parseFloat(s.outlineOffset) || 0) + (parseFloat(s.outlineWidth) || 0);
  const r = e.getBoundingClientRect();
  return {text: e.innerText.trim(), header: !!e.closest('header'), style: s.outlineStyle,
          top: r.top + scrollY - grow, left: r.left + scrollX - grow,
          right: r.right + scrollX + grow, width: document.documentElement.clientWidth}; }"""


@pytest.mark.parametrize("viewport", [(320, 568), (360, 740), (390, 844), (740, 360)])
def test_the_header_links_show_their_whole_focus_ring(
        browser: Any, servers: dict[str, str], viewport: tuple[int, int]) -> None:
    """Tab from the top of a page reaches the site's name, Submit a case and the home
    link; each one's focus outline is drawn whole, none of it above the page's top edge
    (where no scrolling shows it) or off its sides."""
    width, height = viewport
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    problems = []
    try:
        for state in ("incident", "stress"):
            for path in ("", "closed/"):
                page.goto(servers[state] + path)
                page.keyboard.press("Tab")  # the skip link
                rings = []
                for _ in range(4):
                    page.keyboard.press("Tab")
                    ring = page.evaluate(FOCUS_RING)
                    if not ring["header"]:
                        break
                    rings.append(ring)
                if len(rings) < 2:  # the stress site has no home link
                    problems.append(f"{state} {path or 'index'}: Tab reached {rings}")
                for ring in rings:
                    if (ring["style"] == "none" or ring["top"] < 0 or ring["left"] < 0
                            or ring["right"] > ring["width"]):
                        problems.append(f"{state} {path or 'index'}: the ring of "
                                        f"{ring['text']!r} is cut off {ring}")
    finally:
        context.close()
    assert problems == [], "\n".join(problems)


def _printed_text(pdf: bytes) -> str:
    """The text a PDF Chromium printed shows, page after page: each run of glyphs read
    through its font's ToUnicode map."""
    objects = _pdf_objects(pdf)

    def stream(body: bytes) -> bytes:
        data = re.search(rb"stream\r?\n(.*?)\r?\nendstream", body, re.S)
        assert data is not None
        return zlib.decompress(data[1]) if b"/FlateDecode" in body else data[1]

    glyphs: dict[int, dict[int, str]] = {}  # font object: glyph id -> characters
    for number, body in objects.items():
        if to_unicode := re.search(rb"/ToUnicode (\d+) 0 R", body):
            cmap, chars = stream(objects[int(to_unicode[1])]), {}
            for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
                for glyph, text in re.findall(rb"<(\w+)>\s*<(\w+)>", block):
                    chars[int(glyph, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
            for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
                for first, last, text in re.findall(rb"<(\w+)>\s*<(\w+)>\s*<(\w+)>", block):
                    for glyph in range(int(first, 16), int(last, 16) + 1):
                        chars[glyph] = chr(int(text, 16) + glyph - int(first, 16))
            glyphs[number] = chars
    shown = []
    for body in objects.values():
        if not re.search(rb"/Type /Page\b", body):
            continue
        resources = re.search(rb"/Resources (\d+) 0 R", body)
        fonts = {name: int(number) for name, number in re.findall(
            rb"/(F\d+) (\d+) 0 R", body + (objects[int(resources[1])] if resources else b""))}
        for contents in re.findall(rb"/Contents (\d+) 0 R", body):
            font: dict[int, str] = {}
            for token in re.finditer(rb"/(F\d+) [\d.]+ Tf|<([0-9A-Fa-f]+)>",
                                     stream(objects[int(contents)])):
                if token[1]:
                    font = glyphs.get(fonts.get(token[1], -1), {})
                else:
                    run = token[2].decode()
                    shown += [font.get(int(run[i:i + 4], 16), "?") for i in range(0, len(run), 4)]
    return "".join(shown)


@pytest.mark.parametrize("path", ["", "notices/2024-07-30-digicert-certificate-reissue/"])
def test_a_printed_page_says_where_to_get_help(browser: Any, servers: dict[str, str],
                                               path: str) -> None:
    """On paper a link cannot be followed: printed, Submit a case and the home link
    are followed by their addresses, so whoever holds the page knows where to go."""
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(servers["incident"] + path)
        text = re.sub(r"\s", "", _printed_text(page.pdf()))  # spaces may be placed, not printed
    finally:
        context.close()
    assert "Digicertcertiﬁcatereissue" in text  # the reading works: the notice's title
    assert "Submitacase(https://support.example.org/customers/cases/new)" in text
    assert "Supportportal(https://support.example.org/customers)" in text


def long_titled_site(tmp_path: Path, title: str) -> Path:
    """A repository of a long-titled site with its help links, and an open major
    incident titled ``title`` (notices/sign-in.md)."""
    root = tmp_path / "repo"
    (root / "notices").mkdir(parents=True)
    (root / "outpost.yaml").write_text(
        MINIMAL_CONFIG.replace("Test Status", "Springfield Unified School District "
                               "Technology Services Status")
        + "submit_case_url: https://support.example.org/cases/new\n"
        "home_url: https://support.example.org/\nhome_label: Support portal\n")
    (root / "notices" / "sign-in.md").write_text(
        f"---\ntitle: {title}\ntype: incident\nimpact: major\ncomponents: [web]\n---\n"
        "## Investigating - 2026-11-28 05:00\nWe are looking.\n")
    return root


# Phones held upright, from the smallest still sold, and one on its side.
FIRST_SCREENS = ((320, 568), (360, 740), (390, 844), (740, 360))


def test_a_long_banner_leaves_since_when_and_help_on_every_phone_s_first_screen(
        browser: Any, tmp_path: Path) -> None:
    """A long site title and a banner of 100 characters of title plus ", and 1 more
    notice": the banner wrapped to five lines at 320x568 and three at 740x360 and pushed
    the overall line's "Since ..." below the first screen (y=620 of 568, 397 of 360).
    The banner is clamped to two lines there; screen readers and its link's title still
    have every word, and the notice's card the whole title."""
    title = ("Students cannot sign in to the learning platform from district "
             "Chromebooks at several campuses this morning")
    assert len(title) > BANNER_TITLE_MAX
    root = long_titled_site(tmp_path, title)
    (root / "notices" / "slow.md").write_text(SLOW_SIGN_IN)
    site = tmp_path / "site"
    build_into(root, site, FIXED_NOW)
    problems = []
    with serving(site) as url:
        for width, height in FIRST_SCREENS:
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            try:
                page.goto(url)
                seen = page.evaluate(FIRST_SCREEN)
                assert seen["banner"]["text"].endswith(", and 1 more notice")
                if seen["since"] is None or seen["since"]["bottom"] > height:
                    problems.append(f"{width}x{height}: since when at {seen['since']}")
                help_ = page.locator("header a.case").bounding_box()
                if help_ is None or help_["y"] + help_["height"] > height:
                    problems.append(f"{width}x{height}: Submit a case at {help_}")
                # Every word is still there for a screen reader.
                assert page.get_by_role("status").first.text_content().strip().endswith(
                    shortened(title, BANNER_TITLE_MAX) + ", and 1 more notice")
            finally:
                context.close()
    assert problems == [], "\n".join(problems)


# The last line of the banner title that a reader sees (its characters within every box
# that clips them), as whole pixels: top, bottom and its rightmost character's right edge;
# the banner's inner right edge, blank padding at any width; and the direction of the box
# that cuts the title, in which the browser puts its ellipsis at the end of the line.
TITLE_LAST_LINE = """() => { const title = document.querySelector('.banner bdi');
  const clips = []; let cut = null; for (let e = title; e; e = e.parentElement) {
    const style = getComputedStyle(e);
    if (style.overflow != 'visible') clips.push(e.getBoundingClientRect());
    if (!cut && style.webkitLineClamp != 'none') cut = style.direction; }
  const walker = document.createTreeWalker(title, NodeFilter.SHOW_TEXT), shown = [];
  while (walker.nextNode()) { const node = walker.currentNode;
    for (let i = 0; i < node.data.length; i++) { const r = document.createRange();
      r.setStart(node, i); r.setEnd(node, i + 1); const b = r.getBoundingClientRect();
      const inside = c => b.top >= c.top - 0.5 && b.bottom <= c.bottom + 0.5;
      if (node.data[i].trim() && clips.every(inside)) shown.push(b); } }
  const top = Math.max(...shown.map(b => b.top)), line = shown.filter(b => b.top > top - 2);
  return {top: Math.ceil(top), bottom: Math.floor(Math.max(...line.map(b => b.bottom))),
          right: Math.ceil(Math.max(...line.map(b => b.right))), cut,
          padding: Math.floor(document.querySelector('.banner .wrap')
                              .getBoundingClientRect().right) - 11}; }"""
# "The main server of the registration system has been unavailable to students and staff
# on every campus since the morning (version 2)."
RTL_LONG_TITLE = ("השרת הראשי של מערכת ההרשמה אינו זמין לסטודנטים ולסגל בכל הקמפוסים מאז "
                  "הבוקר (גרסה 2).")


def test_a_right_to_left_title_cut_on_a_phone_ends_in_its_ellipsis_on_the_left(
        browser: Any, tmp_path: Path) -> None:
    """A Hebrew title the phone's banner cuts to two lines ends where a Hebrew reader's
    eye ends, on the left, in the ellipsis. The link, laid out left to right for the
    English words after the title, was cut instead: its ellipsis stood on the right of the
    second line, before the line's first word, as if words were missing there, and the
    line's last word ended with nothing to say the title went on."""
    root = long_titled_site(tmp_path, RTL_LONG_TITLE)
    (root / "notices" / "slow.md").write_text(SLOW_SIGN_IN)
    site = tmp_path / "site"
    build_into(root, site, FIXED_NOW)
    problems = []
    with serving(site) as url:
        for width, height in FIRST_SCREENS[:3]:
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            try:
                page.goto(url)
                line = page.evaluate(TITLE_LAST_LINE)
                size = {"y": line["top"], "width": 10, "height": line["bottom"] - line["top"]}
                # Nothing is drawn right of the line's first word, where the ellipsis stood.
                blank = page.screenshot(clip={**size, "x": line["padding"]})
                after = page.screenshot(clip={**size, "x": line["right"] + 1})
                if after != blank or line["cut"] != "rtl":
                    problems.append(f"{width}x{height}: the title's last line {line} is not "
                                    "cut on its left")
            finally:
                context.close()
    assert problems == [], "\n".join(problems)


# The banner link's words after the title as a reader sees them: null when its last
# character is outside a box that clips it or past the screen's edge.
AFTER_TITLE_SHOWN = """() => { const a = document.querySelector('.banner a');
  const node = a.lastChild, r = document.createRange();
  r.setStart(node, node.data.length - 1); r.setEnd(node, node.data.length);
  const b = r.getBoundingClientRect();
  for (let e = node.parentElement; e; e = e.parentElement) {
    const c = e.getBoundingClientRect();
    if (getComputedStyle(e).overflow != 'visible' && (b.bottom > c.bottom + 0.5
        || b.right > c.right + 0.5)) return null; }
  return b.right <= innerWidth ? node.data : null; }"""
LONG_MAINTENANCE = """\
---
title: {title}
type: maintenance
components: [api]
start: 2026-12-05 22:00
end: 2026-12-06 01:00
---
## Scheduled - 2026-11-20 09:00
The learning platform will be upgraded.
"""
# Phones held upright and on their side, each with a screen that is short (30rem or less).
SIDEWAYS = ((568, 320), (667, 375), (740, 360))


def test_what_follows_a_long_title_in_the_phone_s_banner_always_shows(
        browser: Any, tmp_path: Path) -> None:
    """", and 1 more notice" and a maintenance's window follow the banner's title, and a
    phone cutting a long title keeps them in view: a reader learns there are more notices,
    and when the work is. On its side, the short screen's two lines of the banner's words
    were cut at their end, the title's second line and what followed it."""
    title = LONG_TITLES[0]
    problems = []
    for kind in ("incident", "maintenance"):
        root = long_titled_site(tmp_path / kind, title)
        if kind == "incident":
            (root / "notices" / "slow.md").write_text(SLOW_SIGN_IN)
        else:
            (root / "notices" / "sign-in.md").write_text(LONG_MAINTENANCE.format(title=title))
        site = tmp_path / kind / "site"
        build_into(root, site, FIXED_NOW)
        words = (", and 1 more notice" if kind == "incident"
                 else ", Dec 5, 10:00 PM\u00a0\u2013 Dec 6, 1:00 AM CST")
        with serving(site) as url:
            for width, height in FIRST_SCREENS[:3] + SIDEWAYS:
                context = browser.new_context(viewport={"width": width, "height": height})
                page = context.new_page()
                try:
                    page.goto(url)
                    shown = page.evaluate(AFTER_TITLE_SHOWN)
                    if shown != words:
                        problems.append(f"{kind} at {width}x{height}: {shown!r} shown")
                finally:
                    context.close()
    assert problems == [], "\n".join(problems)


# Screens both narrow and short, as (width, height, the reader's font size): a phone of
# 320 px with its keyboard up (WCAG's reflow size is 320x256), a split screen, a 360x740
# phone zoomed to 200 % (180 CSS px wide), and the same phone with the text size at 200 %
# (a 30rem media query is then 960 px: the short screen's rule applies).
NARROW_AND_SHORT = ((320, 256, 16), (360, 350, 16), (180, 370, 16), (360, 740, 32))


@pytest.mark.parametrize("kind", ["incident", "maintenance"])
def test_the_banner_s_title_keeps_the_width_of_the_screen_when_narrow_and_short(
        browser: Any, tmp_path: Path, kind: str) -> None:
    """On a short screen the banner's label and title share a line. Narrow too, or with
    large text, the label (never shrunk) left the title 40 px of 320, 0 of 180: the title
    read "Ca…", its window broke a few letters a line (the banner 355 px tall at
    320x256, taller than the screen), and at 180 px the page scrolled sideways. The
    title now takes the next line when the label leaves it too little."""
    title = "Learning platform upgrade"
    root = long_titled_site(tmp_path, title)
    if kind == "incident":
        (root / "notices" / "slow.md").write_text(SLOW_SIGN_IN)
    else:
        (root / "notices" / "sign-in.md").write_text(LONG_MAINTENANCE.format(title=title))
    site = tmp_path / "site"
    build_into(root, site, FIXED_NOW)
    problems = []
    with serving(site) as url:
        for width, height, font in NARROW_AND_SHORT:
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            try:
                if font != 16:
                    context.new_cdp_session(page).send("Page.setFontSizes", {
                        "fontSizes": {"standard": font, "fixed": font * 13 // 16}})
                page.goto(url)
                seen = page.evaluate("""() => { const r = s => document.querySelector(s)
                    .getBoundingClientRect(); return {banner: r('.banner .wrap p').width,
                    link: r('.banner a').width, scroll: document.documentElement.scrollWidth,
                    inner: innerWidth}; }""")
                shown = page.evaluate(AFTER_TITLE_SHOWN)
                case = f"{width}x{height} at {font} px"
                if seen["scroll"] > seen["inner"]:
                    problems.append(f"{case}: scrolls sideways ({seen})")
                if seen["link"] < seen["banner"] / 2:
                    problems.append(f"{case}: the title has {seen['link']:.0f} px of "
                                    f"{seen['banner']:.0f}")
                if shown is None:
                    problems.append(f"{case}: the words after the title are cut")
            finally:
                context.close()
    assert problems == [], "\n".join(problems)


NOTICE_FIRST_SCREEN = """() => { const box = s => { const e = document.querySelector(s);
    if (!e) return null; const r = e.getBoundingClientRect();
    return {text: e.innerText, top: r.top, bottom: r.bottom}; };
  return {status: box('.notice-page .meta .label'), since: box('.notice-page .range time'),
          help: box('header a.case'), heading: box('.notice-page h1')}; }"""
# The 107 characters of the banner test above, and the 250 a title may have.
LONG_TITLES = (
    "Students cannot sign in to the learning platform from district Chromebooks at "
    "several campuses this morning",
    ("Students and staff cannot sign in to the learning platform, the gradebook or the "
     "library catalogue from district Chromebooks and classroom laptops at several "
     "campuses this morning while the identity provider renews its security certificates "
     "this week"))


@pytest.mark.parametrize("title", LONG_TITLES, ids=["107", "250"])
def test_a_notice_page_with_a_long_title_shows_status_since_and_help_on_every_first_screen(
        browser: Any, tmp_path: Path, title: str) -> None:
    """A reader sent from an email to an open incident's page, on a long-titled site: its
    long heading pushed "Since ..." below the first screen (y=579 of 568 at 320x568, 407
    of 360 at 740x360 for 107 characters; 672 of 640 at 360x640 for 250). The heading
    still holds the whole title."""
    assert len(LONG_TITLES[1]) == 250
    root = long_titled_site(tmp_path, title)
    site = tmp_path / "site"
    build_into(root, site, FIXED_NOW)
    problems = []
    with serving(site) as url:
        for width, height in (*FIRST_SCREENS, (360, 640)):
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            try:
                page.goto(url + "notices/sign-in/")
                seen = page.evaluate(NOTICE_FIRST_SCREEN)
                assert seen["heading"]["text"] == title
                assert seen["status"]["text"] == "Investigating"
                assert seen["since"]["text"] == "Since Nov 28, 2026, 5:00 AM CST"
                problems += [f"{width}x{height}: {what} at {seen[what]['bottom']:.0f}"
                             for what in ("status", "since", "help")
                             if seen[what]["bottom"] > height]
            finally:
                context.close()
    assert problems == [], "\n".join(problems)


def spoken_summaries(page: Any) -> list[tuple[str, bool]]:
    """What a screen reader says for each <summary>: the accessible name Chromium gives
    it and whether it is expanded, in page order."""
    session = page.context.new_cdp_session(page)
    try:
        nodes = session.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        session.detach()
    return [(node["name"]["value"], any(p["name"] == "expanded" and p["value"]["value"]
                                        for p in node.get("properties", [])))
            for node in nodes if node.get("role", {}).get("value") == "DisclosureTriangle"]


def spoken_rows(page: Any) -> list[str]:
    """What a screen reader says for each row of bars (not for a group's row)."""
    return [name for name, _ in spoken_summaries(page) if ", day by day: " in name]


# Where each of some words of the first row's uptime line starts on screen, in pixels.
SHOWN_ORDER = """words => { const line = document.querySelector('.uptime');
  return words.map(word => { const walk = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
    while (walk.nextNode()) { const node = walk.currentNode, at = node.data.indexOf(word);
      if (at < 0 || !node.parentElement.checkVisibility()
          || node.parentElement.classList.contains('sr')) continue;
      const range = document.createRange(); range.setStart(node, at);
      range.setEnd(node, at + word.length); return range.getBoundingClientRect().left; }
    return null; }); }"""


@pytest.mark.parametrize("path", ["", "components/customer-sites/"])
def test_a_row_of_bars_says_its_period_before_its_uptime(
        browser: Any, servers: dict[str, str], path: str) -> None:
    """A screen reader hears each row of bars as its component, the days it covers, then
    their uptime. Read in the order shown ('90 days ago 99.93 % uptime Today'), the
    figure sounded like today's, on a day the component was down. The row still shows
    '90 days ago', the figure and 'Today' from left to right."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(servers["incident"] + path)
        names = spoken_rows(page)
        shown = page.evaluate(SHOWN_ORDER, ["days ago", "% uptime", "Today"])
    finally:
        context.close()
    assert names[0] == "Customer sites, day by day: 90 days ago to today: 98.82 % uptime"
    assert all(re.fullmatch(r"[^,]+, day by day: 90 days ago to today: "
                            r"(\d+\.\d\d % uptime|no data yet)", name) for name in names), names
    assert None not in shown and shown == sorted(shown), shown


TAB_BORDERS = """() => ({page: getComputedStyle(document.body).backgroundColor,
  tabs: [...document.querySelectorAll('nav.tabs a')].map(a => {
    const s = getComputedStyle(a);
    return {text: a.innerText, current: a.hasAttribute('aria-current'),
            border: s.borderTopStyle === 'none' || parseFloat(s.borderTopWidth) === 0
              ? null : s.borderTopColor}; })})"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_forced_colors_keep_the_current_tab_apart(browser: Any, servers: dict[str, str],
                                                   scheme: str) -> None:
    """In forced colors (Windows high contrast) the current page's tab keeps its outline
    and the other tab has none, as in the page's own colours: forced colours drew the
    other tab's transparent border too, leaving two alike boxes and bold type alone to
    tell which page this is."""
    context = browser.new_context(viewport={"width": 800, "height": 900},
                                  forced_colors="active", color_scheme=scheme)
    page = context.new_page()
    problems = []
    try:
        for path in ("", "closed/"):
            page.goto(servers["incident"] + path)
            seen = page.evaluate(TAB_BORDERS)
            for tab in seen["tabs"]:
                shown = tab["border"] not in (None, seen["page"])
                if shown != tab["current"]:
                    problems.append(f"{path or 'index'} {scheme}: {tab['text']!r} "
                                    f"{'has' if shown else 'lacks'} an outline {seen}")
    finally:
        context.close()
    assert problems == [], "\n".join(problems)


def test_a_right_to_left_group_name_reads_right_to_left(
        browser: Any, empty_repo: Path, tmp_path: Path) -> None:
    """A Hebrew group name heading its components on the Open page takes its own
    direction, as the component names under it do: its closing '.' ends it on the left
    and '(...)' stay paired, rather than the '.' starting it on the right."""
    config = empty_repo / "outpost.yaml"
    config.write_text(config.read_text().replace(
        "name: Web\n", f"name: Web\n    group: '{RTL_TITLE}'\n"))
    out = tmp_path / "site"
    build_into(empty_repo, out, FIXED_NOW)
    blocks = evaluated(browser, out, "", "() => (" + ENDS + ")('h3.group .name')",
                       width=1000)
    assert [block["text"] for block in blocks] == [RTL_TITLE]
    assert blocks[0]["first"] > blocks[0]["last"], blocks


def test_a_component_page_says_since_when_its_open_notice_began_on_the_first_screen(
        browser: Any, empty_repo: Path, tmp_path: Path) -> None:
    """A component in a major outage after a busy quarter (30 notices in its 90 days):
    its page said "Now: Major outage" at the top and the open notice, with since when,
    after the uptime, the bars and their day-by-day list, 2 screens down on a 360x740
    phone at 1,000 notices and 7 at 10,000. The open notices come right after "Now"."""
    for day in range(30):
        start = datetime(2026, 9, 1, 9, 0) + timedelta(days=day * 2)
        (empty_repo / "notices" / f"past-{day}.md").write_text(
            f"---\ntitle: Slow pages for some districts ({day})\ntype: incident\n"
            "impact: major\ncomponents: [web]\n---\n"
            f"## Resolved - {start + timedelta(hours=2):%Y-%m-%d %H:%M}\nFixed.\n\n"
            f"## Investigating - {start:%Y-%m-%d %H:%M}\nLooking.\n")
    (empty_repo / "notices" / "down.md").write_text(
        "---\ntitle: Web is down\ntype: incident\nimpact: critical\ncomponents: [web]\n"
        "---\n## Investigating - 2026-11-28 05:00\nLooking.\n")
    site = tmp_path / "site"
    build_into(empty_repo, site, FIXED_NOW)
    seen = evaluated(browser, site, "components/web/", """() => {
        const t = document.querySelector('#open ~ ul.rows time');
        return t && {text: t.innerText, bottom: t.getBoundingClientRect().bottom}; }""")
    assert seen is not None
    assert seen["text"] == "Since Nov 28, 2026, 5:00 AM CST"
    assert seen["bottom"] <= 740, seen


HEADER_LINKS = """() => [...document.querySelectorAll('header .help a')].map(a => {
  const r = a.getBoundingClientRect(); return {text: a.innerText, top: r.top}; })"""


def test_a_320px_phone_keeps_both_help_links_on_one_row_and_since_when_on_screen(
        browser: Any, example_repo: Path, tmp_path: Path) -> None:
    """The example site during its incident, with a second incident open: on a 320x568
    phone "Submit a case" and "Support portal" took a row each (3 px too wide for one),
    and the 48 px that cost pushed the overall line's "Since ..." below the first screen
    (y=593 of 568). Both links share a row, each still 44 px tall."""
    (example_repo / "notices" / "case-emails.md").write_text(
        "---\ntitle: Case emails arrive late\ntype: incident\nimpact: major\n"
        "components: [support-portal]\n---\n"
        "## Investigating - 2024-07-30 13:50\nEmails about cases arrive late.\n")
    site = tmp_path / "site"
    build_into(example_repo, site, "2024-07-30 14:00")
    context = browser.new_context(viewport={"width": 320, "height": 568})
    page = context.new_page()
    try:
        with serving(site) as url:
            page.goto(url)
            links = page.evaluate(HEADER_LINKS)
            seen = page.evaluate(FIRST_SCREEN)
            sizes = page.locator("header .help a").evaluate_all(
                "links => links.map(a => a.getBoundingClientRect().height)")
    finally:
        context.close()
    assert [link["text"] for link in links] == ["Submit a case", "Support portal"]
    assert links[0]["top"] == links[1]["top"], links
    assert min(sizes) >= 44, sizes
    assert seen["since"]["text"] == "Since Jul 30, 2024, 1:27 PM CDT"  # the first outage
    assert seen["since"]["bottom"] <= 568, seen


# Each word of the rows' uptime lines ("90 days ago", "100.00 % uptime", "Today") that
# is drawn over more than one line, with the lines it takes.
SPLIT_WORDS = """() => { const split = [];
  for (const line of document.querySelectorAll('.uptime')) {
    const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) { const node = walker.currentNode;
      if (node.parentElement.closest('.sr')) continue;
      for (const m of node.data.matchAll(/\\S+/g)) { const r = document.createRange();
        r.setStart(node, m.index); r.setEnd(node, m.index + m[0].length);
        const tops = new Set([...r.getClientRects()].map(c => Math.round(c.top)));
        if (tops.size > 1) split.push([m[0], tops.size]); } } }
  return split; }"""


@pytest.mark.parametrize("path", ["", "components/customer-sites/"])
def test_no_word_of_a_row_s_uptime_line_is_split_at_320px(
        browser: Any, servers: dict[str, str], path: str) -> None:
    """At 320 px '100.00 % uptime' takes two lines, and the body's break-anywhere rule
    split the 'Today' beside it into 'Toda' and 'y', under the bars' last day. The
    others wrap between their words; the page still fits 320 px in 200 % text (the
    reflow test)."""
    context = browser.new_context(viewport={"width": 320, "height": 740})
    page = context.new_page()
    try:
        page.goto(servers["quiet"] + path)
        assert page.evaluate(SPLIT_WORDS) == []
        assert page.evaluate("[document.scrollingElement.scrollWidth, innerWidth]") == [
            320, 320]
    finally:
        context.close()


# The words beside a component's status on its page, and where they end on the screen.
NOW_LINE = """() => { const t = document.querySelector('.current .since');
  return {now: document.querySelector('.current').innerText,
          bottom: t && t.getBoundingClientRect().bottom}; }"""


def test_a_component_page_says_since_when_beside_its_status_on_a_320px_phone(
        browser: Any, servers: dict[str, str]) -> None:
    """The example's incident on a 320x568 phone: Mobile notifications' page (its
    description two lines) had the open notice's 'Since ...' at y=571, below the first
    screen, and a longer name or title pushed it further. The status line says since
    when itself: the start of the first open notice giving the component that status,
    and how long ago it was, whole on the first screen."""
    context = browser.new_context(viewport={"width": 320, "height": 568})
    page = context.new_page()
    page.clock.install(time=datetime.fromisoformat("2024-07-30T14:03:05-05:00"))
    try:
        for component in ("customer-sites", "mobile-notifications", "digital-repository"):
            page.goto(f"{servers['incident']}components/{component}/")
            seen = page.evaluate(NOW_LINE)
            assert seen["now"] == ("Now: Partial outage Since Jul 30, 2024, 1:27 PM CDT "
                                   "(36 minutes ago)")
            assert seen["bottom"] <= 568, (component, seen)
        page.goto(f"{servers['maintenance']}components/customer-sites/")
        assert page.evaluate(NOW_LINE)["now"] == (
            "Now: Under maintenance Nov 2, 2024, 11:00 PM CDT\u00a0\u2013 Nov 3, "
            "1:30 AM CST")
        page.goto(f"{servers['incident']}components/support-portal/")
        assert page.evaluate(NOW_LINE) == {"now": "Now: Operational", "bottom": None}
    finally:
        context.close()


# Each group's row on the Open page as drawn: open or folded, its summary's height,
# where its name and status stand, and how many of its components are drawn.
GROUP_ROWS = """() => [...document.querySelectorAll('.component-group')].map(d => {
  const s = d.querySelector('summary').getBoundingClientRect();
  const name = d.querySelector('h3 .name').getBoundingClientRect();
  const label = d.querySelector('h3 .label').getBoundingClientRect();
  return {open: d.open, label: d.querySelector('h3 .label').innerText, height: s.height,
          oneLine: Math.abs(name.bottom - label.bottom) < 4 && label.left > name.right,
          shown: [...d.querySelectorAll('.components > li')]
            .filter(li => li.checkVisibility()).length}; })"""
SIZE = "[document.scrollingElement.scrollWidth, document.scrollingElement.scrollHeight]"
OPEN_ALL = "document.querySelectorAll('details').forEach(d => { d.open = true; })"


@pytest.fixture
def grouped_site(empty_repo: Path, tmp_path: Path) -> Path:
    """A component without a group, a group of 24 classrooms all operational and a group
    with one component in a partial outage, built during that outage."""
    rooms = "".join(f"  - id: room-{n}\n    name: Room {n}\n    description: Projector, "
                    f"screens and sign-in\n    group: Classrooms\n" for n in range(1, 25))
    (empty_repo / "outpost.yaml").write_text(
        MINIMAL_CONFIG.replace("  - id: api\n    name: API\n", "") + rooms
        + "  - id: sso\n    name: Sign-in\n    group: Campus\n"
        + "  - id: mail\n    name: Mail\n    group: Campus\n")
    (empty_repo / "notices" / "sso.md").write_text(
        "---\ntitle: Sign-in errors\ntype: incident\ncomponents: {sso: partial_outage}\n"
        "---\n## Investigating - 2026-11-28 05:00\nLooking.\n")
    site = tmp_path / "site"
    build_into(empty_repo, site, FIXED_NOW)
    return site


def test_an_operational_group_is_one_row_on_a_320px_phone(
        browser: Any, grouped_site: Path) -> None:
    """The 24 classrooms took some 4,500 px of a 320 px phone, screens between the top
    and the component a contact looks for. All operational, their group is one row
    saying so, on one line; the group in an outage is open. Nothing scrolls sideways,
    folded or with every group and row open; axe finds nothing either way."""
    context = browser.new_context(viewport={"width": 320, "height": 740})
    page = context.new_page()
    try:
        with serving(grouped_site) as url:
            page.goto(url)
            rows = page.evaluate(GROUP_ROWS)
            folded = page.evaluate(SIZE)
            names = [(name, expanded)
                     for name, expanded in spoken_summaries(page) if "day by day" not in name]
            violations = _axe(page) if AXE.is_file() else []
            page.evaluate(OPEN_ALL)
            opened = page.evaluate(SIZE)
            violations += _axe(page) if AXE.is_file() else []
    finally:
        context.close()
    assert [(row["label"], row["open"], row["shown"], row["oneLine"]) for row in rows] == [
        ("Operational", False, 0, True), ("Partial outage", True, 2, True)]
    assert all(44 <= row["height"] < 50 for row in rows), rows
    assert names == [("Classrooms: Operational", False), ("Campus: Partial outage", True)]
    assert folded[0] == opened[0] == 320
    assert opened[1] - folded[1] > 4000, (folded, opened)
    assert violations == []


# The focused element: what it is, and its outline as drawn.
FOCUS = """() => { const e = document.activeElement, s = getComputedStyle(e);
  return {group: e.matches('.component-group > summary'), row: e.matches('.history > summary'),
          text: e.innerText, open: !!e.parentElement.open, visible: e.matches(':focus-visible'),
          style: s.outlineStyle, width: parseFloat(s.outlineWidth), color: s.outlineColor,
          background: getComputedStyle(document.body).backgroundColor}; }"""


@pytest.mark.parametrize(("scheme", "forced"), [("light", "none"), ("dark", "none"),
                                                ("light", "active")])
def test_a_group_opens_and_closes_by_keyboard_with_its_rows_of_bars_inside(
        browser: Any, grouped_site: Path, scheme: str, forced: str) -> None:
    """From 'All components', Tab reaches the folded group's row, outlined in light, dark
    and forced colours; Enter opens it and Space folds it again. Opened, Tab goes on to
    its components and their rows of bars, whose list Enter opens, and Escape hides a
    hovered bar's words there as elsewhere."""
    context = browser.new_context(viewport={"width": 320, "height": 740},
                                  color_scheme=scheme, forced_colors=forced)
    page = context.new_page()
    try:
        with serving(grouped_site) as url:
            page.goto(url)
            page.get_by_role("link", name="All components").click()
            assert page.evaluate("location.hash") == "#components"
            assert abs(page.evaluate("document.getElementById('components')"
                                     ".getBoundingClientRect().top")) < 2
            for _ in range(10):
                page.keyboard.press("Tab")
                if page.evaluate(FOCUS)["group"]:
                    break
            ring = page.evaluate(FOCUS)
            page.keyboard.press("Enter")
            opened = page.evaluate(FOCUS)["open"]
            page.keyboard.press(" ")
            folded = not page.evaluate(FOCUS)["open"]
            page.keyboard.press("Enter")
            page.keyboard.press("Tab")
            first = page.evaluate("document.activeElement.innerText")
            page.keyboard.press("Tab")
            row = page.evaluate(FOCUS)
            page.keyboard.press("Enter")
            days = page.evaluate("document.activeElement.parentElement"
                                 ".querySelector('.daylist li').checkVisibility()")
            bar = page.locator(".component-group .bars i").first
            bar.hover()
            page.keyboard.press("Escape")
            hushed = bar.evaluate("i => i.classList.contains('hush')")
            width = page.evaluate("document.scrollingElement.scrollWidth")
    finally:
        context.close()
    assert ring["text"].split("\n")[0] == "Classrooms:" and not ring["open"], ring
    assert ring["visible"] and ring["style"] == "solid" and ring["width"] >= 2, ring
    assert ring["color"] != ring["background"], ring
    assert opened and folded
    assert first == "Room 1"
    assert row["row"] and "Room 1, day by day: " in row["text"], row
    assert days and hushed
    assert width == 320


def test_find_in_page_opens_a_folded_group(browser: Any, grouped_site: Path) -> None:
    """A contact searching the page for a classroom finds it though its group is folded:
    Chromium opens a <details> holding a match, as it does for a link to the text
    (which is how a test can ask it)."""
    context = browser.new_context(viewport={"width": 320, "height": 740})
    page = context.new_page()
    try:
        with serving(grouped_site) as url:
            page.goto(url + "#:~:text=Room%2017")
            page.wait_for_function("document.querySelector('.component-group').open")
            found = page.get_by_role("link", name="Room 17", exact=True).bounding_box()
    finally:
        context.close()
    assert found is not None and 0 <= found["y"] <= 740, found


# The overall line's since when, the component page's "Now" line, and how far down each
# ends on the page.
SINCE_LINES = """() => { const line = s => { const e = document.querySelector(s);
    return e && {text: e.innerText, bottom: e.getBoundingClientRect().bottom}; };
  return {overall: line('.overall .since'), now: line('.current')}; }"""


BEGUN_EARLY = ("---\ntitle: Database upgrade\ntype: maintenance\ncomponents: [web]\n"
               "start: 2026-11-28 18:00\nend: 2026-11-28 20:00\n---\n"
               "## In progress - 2026-11-28 10:00\nWe began early.\n\n"
               "## Scheduled - 2026-11-20 09:00\nPlanned.\n")
BEGUN_EARLY_SINCE = ("Since Nov 28, 2026, 10:00 AM CST (planned Nov 28, 2026, 6:00\u00a0\u2013 "
                     "8:00 PM CST)")


def test_a_maintenance_begun_early_says_since_when_on_the_first_screen(
        browser: Any, empty_repo: Path, tmp_path: Path) -> None:
    """A maintenance planned for 6 to 8 PM that an In progress update began at 10 AM, seen
    at noon: the Open page's line said 'Under maintenance: Web' over 'Nov 28, 2026, 6:00 -
    8:00 PM CST', and Web's page 'Now: Under maintenance' beside the same window, a time
    still to come for work under way, with since when nowhere on the first screen. Both
    say since when it began, and its planned window after it."""
    (empty_repo / "outpost.yaml").write_text(
        MINIMAL_CONFIG + "submit_case_url: https://support.example.org/cases/new\n")
    (empty_repo / "notices" / "db.md").write_text(BEGUN_EARLY)
    site = tmp_path / "site"
    build_into(empty_repo, site, "2026-11-28 12:00")
    since = BEGUN_EARLY_SINCE
    context = browser.new_context(viewport={"width": 360, "height": 640})
    page = context.new_page()
    try:
        with serving(site) as url:
            page.goto(url)
            overall = page.evaluate(SINCE_LINES)["overall"]
            page.goto(url + "components/web/")
            now = page.evaluate(SINCE_LINES)["now"]
    finally:
        context.close()
    assert overall == {"text": since, "bottom": overall["bottom"]}
    assert now == {"text": f"Now: Under maintenance {since}", "bottom": now["bottom"]}
    assert overall["bottom"] <= 640 and now["bottom"] <= 640, (overall, now)


def test_a_maintenance_begun_early_says_since_when_on_its_page_and_its_card(
        browser: Any, empty_repo: Path, tmp_path: Path) -> None:
    """The page an email sends a contact to, and the maintenance's card on the Open page,
    said 'In progress' beside its planned window alone ('Nov 28, 2026, 6:00 - 8:00 PM
    CST') at noon, two hours after an update began the work: both say since when, as the
    overall line does, with the window after it; on a 360x640 phone's first screen."""
    (empty_repo / "notices" / "db.md").write_text(BEGUN_EARLY)
    site = tmp_path / "site"
    build_into(empty_repo, site, "2026-11-28 12:00")
    context = browser.new_context(viewport={"width": 360, "height": 640})
    page = context.new_page()
    seen = {}
    try:
        with serving(site) as url:
            for path in ("notices/db/", ""):
                page.goto(url + path)
                seen[path] = page.evaluate("""() => { const r = document.querySelector(
                    '.range'); return {text: r.innerText,
                                       bottom: r.getBoundingClientRect().bottom}; }""")
    finally:
        context.close()
    assert seen["notices/db/"]["text"] == seen[""]["text"] == BEGUN_EARLY_SINCE
    assert seen["notices/db/"]["bottom"] <= 640, seen


# Each run of text drawn on the page smaller than 12 px, or at a contrast with the colour
# behind it under WCAG's AA (4.5:1, 3:1 for large text): the background is the first
# ancestor's that is not transparent. Words drawn at no size (.sr), out of the page (the
# skip link until focused) or hidden by a bar until hovered are not drawn.
TEXT_LOOK = """() => { const out = [];
  const rgb = c => c.match(/[\\d.]+/g).map(Number);
  const lum = c => c.slice(0, 3).map(v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); })
    .reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
  const behind = e => { for (; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length < 4 || c[3] > 0.5) return c; }
    return rgb(getComputedStyle(document.documentElement).backgroundColor || 'rgb(255,255,255)'); };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) { const node = walker.currentNode, e = node.parentElement;
    if (!node.data.trim() || e.closest('.bars, .skip')
        || !e.checkVisibility({visibilityProperty: true})) continue;
    const s = getComputedStyle(e), size = parseFloat(s.fontSize);
    if (size === 0) continue;
    const [a, b] = [lum(rgb(s.color)), lum(behind(e))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const large = size >= 24 || (size >= 18.66 && +s.fontWeight >= 700);
    if (size < 12 || ratio < (large ? 3 : 4.5))
      out.push(`'${node.data.trim().slice(0, 30)}' ${size}px at ${ratio.toFixed(2)}:1`); }
  return out; }"""


@pytest.mark.parametrize("look", [{"color_scheme": "dark"}, {"forced_colors": "active"},
                                  {"color_scheme": "dark", "forced_colors": "active"},
                                  {"root_px": 32}], ids=["dark", "forced", "forced-dark",
                                                         "200%"])
def test_every_word_on_a_320px_phone_is_12px_or_more_at_aa_contrast(
        browser: Any, servers: dict[str, str], sites: dict[str, Path],
        look: dict[str, Any]) -> None:
    """Every page kind in every state at 320 px, in dark mode, forced colours (light and
    dark) and 200 % text: no word is drawn under 12 px, and each is at WCAG AA contrast
    with what is behind it (measured in the browser, as drawn)."""
    root_px = look.pop("root_px", None)
    context = browser.new_context(viewport={"width": 320, "height": 640}, **look)
    page = context.new_page()
    problems: list[str] = []
    try:
        for named, _ in every_page(page, servers, sites):
            if root_px:
                page.add_style_tag(content=f"html{{font-size:{root_px}px}}")
            problems += [f"{named}: {p}" for p in page.evaluate(TEXT_LOOK)]
    finally:
        context.close()
    assert problems == [], "\n".join(problems[:20])
