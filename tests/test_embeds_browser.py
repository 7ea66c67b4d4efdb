"""The banner embeds in a real Chromium: a status site on one loopback port, a
"portal" page on another. Covers every case of issue 4's "Proved in a real browser"."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from generator.render.badges import badge_svg
from generator.render.mediatypes import SHORT_CACHE
from generator.render.snippets import loader_script
from tests.embed_support import (
    API_UPGRADE,
    LOAD_BOUND_MS,
    LONG_TITLE,
    NOW,
    Server,
    Watch,
    banner,
    build_site,
    hanging,
    incident,
    maintenance,
    portal_page,
    refusing,
    script_page,
    serving,
    styles,
    url_of,
    write_repo,
)
from tests.fixtures import CHARACTERS_OF, CHROMIUM, CHROMIUM_ARGS, RTL_TITLE, BrowserAt
from tests.fixtures import serving as plain_serving
from tests.test_headers import applied, parse_headers

pytestmark = pytest.mark.browser

ORANGE, GREEN, GRAY = "rgb(242, 157, 56)", "rgb(46, 125, 50)", "rgb(227, 230, 233)"
HOSTILE = "<style>* { color: red !important; font: 40px serif !important; display: block }</style>"
XSS = "<img src=x onerror=alert(1)></style><script>alert(2)</script>"
SANDBOX = "allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation"


@pytest.fixture(scope="module")
def browser(browser: Any) -> BrowserAt:
    """Every page here reads the sites' build time (NOW) off its clock."""
    return BrowserAt(browser, NOW)


def test_pages_here_read_the_build_time_and_an_installed_clock_still_rules(
        browser: BrowserAt) -> None:
    """What keeps these tests from ending with the real calendar: a page's Date reads NOW
    and runs on, in every form the scripts use; a clock a test installs decides instead;
    performance is the browser's own."""
    page = browser.new_page()
    try:
        page.goto("data:text/html,<p>x</p>")
        now, made, called, timed = page.evaluate(
            "[Date.now(), new Date().getTime(), Date.parse(Date()), "
            "performance.getEntriesByType('navigation').length]")
        start = NOW.timestamp() * 1000
        assert start <= now <= start + 60_000 and start <= made <= start + 60_000
        assert start - 1000 <= called <= start + 60_000  # Date() is to the second
        assert page.evaluate("new Date(0).getTime()") == 0 and timed == 1
        page.clock.install(time=NOW + timedelta(days=3))
        page.goto("data:text/html,<p>y</p>")
        later = (NOW + timedelta(days=3)).timestamp() * 1000
        assert later <= page.evaluate("Date.now()") <= later + 60_000
    finally:
        page.close()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 900, "height": 600})
    yield ctx
    ctx.close()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Server]:
    with serving(tmp_path / "site") as server:
        yield server


@pytest.fixture
def portal(tmp_path: Path) -> Iterator[Server]:
    with serving(tmp_path / "portal") as server:
        yield server


def publish(tmp_path: Path, site: Server, notices: dict[str, str],
            base_url: str | None = None, mirrors: tuple[str, ...] = ()) -> Path:
    repo = write_repo(tmp_path / "repo", base_url or site.url, notices, mirrors)
    return build_site(repo, site.folder)


def put(portal: Server, name: str, html: str) -> str:
    (portal.folder / name).write_text(html)
    return portal.url + name


def wait_banner(page: Any, contains: str, selector: str = "outpost-banner") -> dict[str, str]:
    page.wait_for_function(
        """([sel, text]) => { const h = document.querySelector(sel);
             return !!(h && h.shadowRoot && h.shadowRoot.textContent.includes(text)); }""",
        arg=[selector, contains], timeout=10000)
    found = banner(page, selector)
    assert found is not None
    return found


# The age of a saved copy, shown beside the banner's link when every host fails.
AGE = "document.querySelector('outpost-banner').shadowRoot.querySelector('i').textContent"


def load_event_ms(page: Any) -> float:
    value: float = page.evaluate(
        "performance.getEntriesByType('navigation')[0].loadEventEnd")
    return value


@pytest.mark.parametrize(("notices", "text", "colour"), [
    ({"sign-in": incident("Sign-in failures"), "api": maintenance("API upgrade")},
     "Partial outage: Sign-in failures, and 1 more notice", ORANGE),
    ({"sign-in": incident("Sign-in failures")}, "Partial outage: Sign-in failures",
     ORANGE),
    ({"api": maintenance("API upgrade")}, API_UPGRADE, GREEN),
    ({}, "No current open notifications", GRAY),
], ids=["incident-and-maintenance", "incident", "maintenance", "nothing"])
def test_state_colour_and_link(tmp_path: Path, site: Server, portal: Server, context: Any,
                               notices: dict[str, str], text: str, colour: str) -> None:
    publish(tmp_path, site, notices)
    url = put(portal, "index.html", script_page(site.url))
    page = context.new_page()
    watch = Watch(page)
    page.goto(url)
    shown = wait_banner(page, text)
    assert shown["text"].strip() == text
    assert shown["background"] == colour
    assert shown["href"] == site.url
    assert watch.page_errors == [] and watch.console_errors == []
    page.locator("outpost-banner a").click()
    page.wait_for_url(site.url)
    assert page.locator("nav.tabs [aria-current=page]").inner_text() == "Open Notifications"


def test_component_banner_shows_only_its_notices(tmp_path: Path, site: Server, portal: Server,
                                                 context: Any) -> None:
    publish(tmp_path, site, {"sign-in": incident("Sign-in failures"),
                             "api": maintenance("API upgrade")})
    url = put(portal, "index.html", portal_page(
        '<div id="web" data-outpost-banner data-component="web"></div>'
        '<div id="api" data-outpost-banner data-component="api"></div>'
        f'<script async src="{site.url}embed.js"></script>'))
    page = context.new_page()
    page.goto(url)
    assert wait_banner(page, "Sign-in", "#web")["text"] == "Partial outage: Sign-in failures"
    assert wait_banner(page, "API", "#api")["text"] == API_UPGRADE


def test_component_script_renders_in_place(tmp_path: Path, site: Server, portal: Server,
                                          context: Any) -> None:
    publish(tmp_path, site, {"sign-in": incident("Sign-in failures"),
                             "api": maintenance("API upgrade")})
    url = put(portal, "index.html", portal_page(
        f'<p id="before">Web</p><script async src="{site.url}embed.js" data-component="web">'
        f'</script><p>API</p><script async src="{site.url}embed.js" data-component="api">'
        "</script>"))
    page = context.new_page()
    page.goto(url)
    assert wait_banner(page, "Sign-in", "#before + outpost-banner")["text"] == (
        "Partial outage: Sign-in failures")
    assert wait_banner(page, "API", "p + outpost-banner[data-component=api]")["text"] == (
        API_UPGRADE)
    assert page.locator("outpost-banner").count() == 2


def test_component_script_renders_in_place_beside_a_placeholder(
        tmp_path: Path, site: Server, portal: Server, context: Any) -> None:
    """A portal's header holds the site-wide placeholder and one module of the page the
    README's in-place component script: each shows its banner. The component script
    saw the placeholder, filled that one and never rendered where it stood."""
    publish(tmp_path, site, {"sign-in": incident("Sign-in failures"),
                             "api": maintenance("API upgrade")})
    url = put(portal, "index.html", portal_page(
        f'<div data-outpost-banner></div><script async src="{site.url}embed.js"></script>'
        f'<section><h2 id="module">API</h2><script async src="{site.url}embed.js" '
        'data-component="api"></script></section>'))
    page = context.new_page()
    page.goto(url)
    assert wait_banner(page, "Sign-in", "[data-outpost-banner]")["text"] == (
        "Partial outage: Sign-in failures, and 1 more notice")
    assert wait_banner(page, "API", "#module + outpost-banner")["text"] == API_UPGRADE
    assert page.locator("outpost-banner").count() == 1


def test_hostile_portal_css_changes_nothing(tmp_path: Path, site: Server, portal: Server,
                                            context: Any) -> None:
    publish(tmp_path, site, {"sign-in": incident("Sign-in failures")})
    shutil.copy(site.folder / "banner.html", portal.folder / "banner.html")
    parts = (f'<script async src="{site.url}embed.js"></script>'
             '<div id="fragment"></div>'
             "<script>fetch('banner.html').then(r => r.text()).then(t => "
             "document.getElementById('fragment').innerHTML = t)</script>")
    measured = {}
    for name, head in (("plain", ""), ("hostile", HOSTILE)):
        page = context.new_page()
        page.goto(put(portal, f"{name}.html", portal_page(parts, head)))
        wait_banner(page, "Sign-in failures")
        page.wait_for_selector("#fragment .outpost-banner")
        measured[name] = (styles(page, "outpost-banner"), styles(page, "#fragment .outpost-banner"))
        if name == "hostile":  # the hostile sheet really applies to the portal itself
            assert page.evaluate("getComputedStyle(document.querySelector('main p')).color"
                                 ) == "rgb(255, 0, 0)"
        page.close()
    assert measured["hostile"] == measured["plain"]
    assert "fontSize=15px" in measured["plain"][0]["a"]


# The included banner's icon: its outline as drawn, and the path's geometry as computed.
ICON_JS = """() => { const path = document.querySelector('.outpost-banner svg path');
  const box = path.getBBox();
  return [Math.round(box.width * 10) / 10, Math.round(box.height * 10) / 10,
          getComputedStyle(path).d != 'none']; }"""


@pytest.mark.parametrize(("notices", "drawn"), [
    ({"sign-in": incident("Sign-in failures")}, [14.0, 12.5, True]),
    ({"api": maintenance("API upgrade")}, [13.0, 13.0, True]),
    ({}, [13.0, 13.0, True]),
], ids=["incident", "maintenance", "none"])
def test_included_banner_keeps_its_icon_under_a_portal_resetting_every_element(
        tmp_path: Path, site: Server, portal: Server, context: Any,
        notices: dict[str, str], drawn: list[float | bool]) -> None:
    """A portal's reset stylesheet ('* { all: unset }') took the included banner's icon
    away: a path's outline is a CSS property (d) in Chromium, which all: unset set to
    none over the path's attribute, and the icon was a blank square."""
    publish(tmp_path, site, notices)
    fragment = (site.folder / "banner.html").read_text()
    page = context.new_page()
    page.goto(put(portal, "index.html", portal_page(fragment, "<style>* { all: unset }</style>")))
    assert page.evaluate(ICON_JS) == drawn


def test_hostile_title_is_literal_text(tmp_path: Path, site: Server, portal: Server,
                                       context: Any) -> None:
    publish(tmp_path, site, {"evil": incident("'" + XSS + "'")})
    url = put(portal, "index.html", portal_page(
        f'<script async src="{site.url}embed.js"></script>'
        f'<iframe src="{site.url}embed/banner.html" sandbox="{SANDBOX}"></iframe>'))
    page = context.new_page()
    watch = Watch(page)
    page.goto(url)
    shown = wait_banner(page, "onerror")
    assert shown["text"] == f"Partial outage: {XSS}"
    frame = page.frame_locator("iframe")
    assert XSS[:40] in frame.locator("a").inner_text()
    page.wait_for_timeout(500)
    assert page.evaluate("""() => document.querySelector('outpost-banner').shadowRoot
                             .querySelectorAll('img, script').length""") == 0
    assert watch.dialogs == [] and watch.console_errors == [] and watch.page_errors == []


def test_included_banner_with_a_long_address_in_its_title_fits_a_phone(
        tmp_path: Path, site: Server, portal: Server, browser: Any) -> None:
    """A title holding an address or another long word breaks inside it where the
    included fragment is too narrow for it: its styles reset every property, the
    portal's line breaking too, so the word ran 340 px past a 320 px phone's edge and
    the whole portal page scrolled sideways."""
    title = "Sign-in fails at https://sso.example.org/" + "callback" * 7
    publish(tmp_path, site, {"sign-in": incident(title)})
    fragment = (site.folder / "banner.html").read_text()
    url = put(portal, "index.html", portal_page(fragment))
    ctx = browser.new_context(viewport={"width": 320, "height": 640})
    try:
        page = ctx.new_page()
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth") == 320
        assert page.locator(".outpost-banner u").inner_text() == title
    finally:
        ctx.close()


def test_down_hosts_never_delay_load_and_cached_copy_shows(
        tmp_path: Path, portal: Server, browser: BrowserAt, context: Any) -> None:
    site_dir = tmp_path / "site"
    server = Server(site_dir)
    port = server.port
    publish(tmp_path, server, {"sign-in": incident("Sign-in failures")})
    # The portal hosts its own copy of embed.js, as the README recommends.
    shutil.copy(site_dir / "embed.js", portal.folder / "embed.js")
    url = put(portal, "index.html", portal_page('<script async src="embed.js"></script>'))
    page = context.new_page()
    watch = Watch(page)
    page.goto(url)
    wait_banner(page, "Sign-in failures")
    server.close()

    down = refusing(port)
    try:
        page.goto(url)
        assert load_event_ms(page) < LOAD_BOUND_MS
        shown = wait_banner(page, "last checked")
        assert shown["text"] == "Partial outage: Sign-in failures"
        assert page.evaluate(AGE).startswith("(last checked ")
        assert shown["background"] == ORANGE
    finally:
        down.close()

    stuck = hanging(port)
    try:
        started = time.monotonic()
        page.goto(url)
        assert time.monotonic() - started < 2.9
        assert load_event_ms(page) < LOAD_BOUND_MS
        wait_banner(page, "Sign-in failures")
        assert page.evaluate(AGE) == ""  # the saved copy, no age while the fetch may succeed
        page.wait_for_timeout(3000)  # the 3-second fetch timeout: then the age shows
        deadline = time.monotonic() + 10
        while not page.evaluate(AGE).startswith("(last checked "):
            assert time.monotonic() < deadline, page.evaluate(AGE)
            page.wait_for_timeout(100)
        fresh = browser.new_context()
        try:  # no cached copy: nothing rendered, nothing thrown, load not delayed
            other = fresh.new_page()
            other_watch = Watch(other)
            other.goto(url)
            assert load_event_ms(other) < LOAD_BOUND_MS
            other.wait_for_timeout(3500)
            assert banner(other) is None
            height = "document.querySelector('outpost-banner').getBoundingClientRect().height"
            assert other.evaluate(height) == 0
            assert other_watch.page_errors == []
        finally:
            fresh.close()
    finally:
        stuck.close()
    assert watch.page_errors == []


# Where a saved copy's banner is cut at the line's end: the right edge of its label (the
# status), of its title's box and of the age beside it, and where each is clipped.
SAVED_CUT_JS = """() => { const r = document.querySelector('outpost-banner').shadowRoot;
  const right = e => Math.round(e.getBoundingClientRect().right);
  const b = r.querySelector('b'), line = r.querySelector('a > span'), age = r.querySelector('i');
  return {label: right(b) <= right(line) ? 'whole' : 'cut',
          title: r.querySelector('bdi').getBoundingClientRect().width >= 16 ? 'begun' : 'gone',
          age: age.getBoundingClientRect().width >= 30 ? 'begun' : 'gone'}; }"""


@pytest.mark.parametrize("title", ["Sign-in failures", LONG_TITLE], ids=["short", "long"])
def test_saved_copy_on_a_phone_shows_the_status_beside_its_age(
        tmp_path: Path, portal: Server, browser: Any, title: str) -> None:
    """Every host down, a 320 px phone showed the saved copy as '⚠ Part' and its age
    whole, '(last checked 12 min ago)': the age took its full width and the banner's
    words what was left. Both now give up room as they need it, so the status reads
    whole and the title and the age each show their start."""
    server = Server(tmp_path / "site")
    port = server.port
    publish(tmp_path, server, {"sign-in": incident(title)})
    shutil.copy(tmp_path / "site" / "embed.js", portal.folder / "embed.js")
    url = put(portal, "index.html", portal_page('<script async src="embed.js"></script>'))
    ctx = browser.new_context(viewport={"width": 320, "height": 640})
    down = None
    try:
        page = ctx.new_page()
        page.goto(url)
        wait_banner(page, "Sign-in failures")
        server.close()
        down = refusing(port)
        page.goto(url)
        wait_banner(page, "last checked")
        assert page.evaluate(SAVED_CUT_JS) == {"label": "whole", "title": "begun",
                                               "age": "begun"}
    finally:
        ctx.close()
        if down is not None:
            down.close()


def test_maintenance_starts_while_the_page_is_open(tmp_path: Path, site: Server, portal: Server,
                                                   context: Any) -> None:
    publish(tmp_path, site, {"api": maintenance("API upgrade", start="2026-11-28 06:04",
                                                end="2026-11-28 07:10")})
    url = put(portal, "index.html", script_page(site.url))
    page = context.new_page()
    page.clock.install(time=NOW + timedelta(minutes=1))
    page.goto(url)
    assert wait_banner(page, "API upgrade")["text"] == (
        "Scheduled maintenance: API upgrade, Nov 28, 6:04 \u2013 7:10 AM CST")
    # Cross the start (06:04) before the 5-minute re-check: only the clock changed.
    page.clock.run_for(int(3.5 * 60 * 1000))
    shown = wait_banner(page, "Maintenance in progress")
    assert shown["text"] == (
        "Maintenance in progress: API upgrade, Nov 28, 6:04 \u2013 7:10 AM CST")
    assert shown["background"] == GREEN
    page.clock.run_for(70 * 60 * 1000)  # past the end (07:10)
    assert wait_banner(page, "No current")["background"] == GRAY


def test_rechecks_every_few_minutes(tmp_path: Path, site: Server, portal: Server,
                                    context: Any) -> None:
    publish(tmp_path, site, {})
    url = put(portal, "index.html", script_page(site.url))
    page = context.new_page()
    page.clock.install(time=NOW)
    # A paused clock moves only when told: the re-check's 3-second fetch timeout
    # cannot fire while the real fetch is still on its way.
    page.clock.pause_at(NOW + timedelta(seconds=1))
    page.goto(url)
    wait_banner(page, "No current open notifications")
    publish(tmp_path, site, {"sign-in": incident("Sign-in failures")})
    page.clock.run_for(60 * 1000)
    page.wait_for_timeout(300)
    assert "No current" in (banner(page) or {})["text"]
    page.clock.run_for(4 * 60 * 1000)  # the 5-minute re-check
    assert wait_banner(page, "Sign-in failures")["background"] == ORANGE


@pytest.mark.parametrize("cache_control", [SHORT_CACHE, "max-age=600"],
                         ids=["own-rules", "github-pages"])
def test_rechecks_past_the_browser_cache(tmp_path: Path, portal: Server, context: Any,
                                         cache_control: str) -> None:
    """The status host lets browsers keep banner.json: for a minute and five more while
    revalidating (the site's own rules), or ten (GitHub Pages). A re-check answered
    from that cache saw the status of the check before: a new incident showed on an
    open portal page only 10 minutes later, not within the 5 the README says."""
    headers = {path: {"Cache-Control": cache_control}
               for path in ("banner.json", "components/web/banner.json")}
    with serving(tmp_path / "site", headers=headers) as site:
        publish(tmp_path, site, {})
        url = put(portal, "index.html", portal_page(
            '<div id="all" data-outpost-banner></div>'
            '<div id="web" data-outpost-banner data-component="web"></div>'
            f'<script async src="{site.url}embed.js"></script>'))
        page = context.new_page()
        page.clock.install(time=NOW)
        page.clock.pause_at(NOW + timedelta(seconds=1))
        page.goto(url)
        wait_banner(page, "No current open notifications", "#all")
        publish(tmp_path, site, {"sign-in": incident("Sign-in failures")})
        for path in headers:  # Last-Modified counts whole seconds: make the change show
            changed = site.folder / path
            os.utime(changed, (changed.stat().st_atime, changed.stat().st_mtime + 5))
        page.clock.run_for(5 * 60 * 1000)  # the 5-minute re-check
        for where in ("#all", "#web"):
            assert wait_banner(page, "Sign-in failures", where)["background"] == ORANGE


# Fills the page's real localStorage to its quota, in pieces halving down to one character.
FILL_STORAGE_JS = """(() => { let n = 0;
  for (let size = 1 << 23; size >= 1; size >>= 1) {
    const piece = 'x'.repeat(size);
    try { for (;;) localStorage.setItem('fill' + n++, piece); } catch {}
  } })();"""
# Whether the banner's copy was saved, and whether storage takes one more character.
STORAGE_STATE_JS = """key => { let more = true;
  try { localStorage.setItem('one-more', 'x'); } catch { more = false; }
  return [localStorage.getItem(key) !== null, more]; }"""


@pytest.mark.parametrize("storage", [
    "Object.defineProperty(window, 'localStorage', {get() { throw new DOMException("
    "'blocked', 'SecurityError'); }});",
    FILL_STORAGE_JS,
], ids=["blocked", "full"])
def test_banner_shows_when_storage_refuses(tmp_path: Path, site: Server, portal: Server,
                                           context: Any, storage: str) -> None:
    """Storage blocked (third-party storage off) or full: the banner shows all the same,
    and nothing is thrown into the portal, not even an unhandled rejection. Storage is
    filled for real: the script writes by property, which a replaced setItem never saw."""
    publish(tmp_path, site, {"sign-in": incident("Sign-in failures")})
    url = put(portal, "index.html", script_page(site.url))
    page = context.new_page()
    page.add_init_script(storage)
    watch = Watch(page)
    page.goto(url)
    assert wait_banner(page, "Sign-in failures")["text"] == "Partial outage: Sign-in failures"
    page.wait_for_timeout(300)
    assert watch.page_errors == [] and watch.console_errors == []
    if storage == FILL_STORAGE_JS:  # the script did try to save into a full storage
        assert page.evaluate(STORAGE_STATE_JS, f"outpost:{site.url}banner.json") == [
            False, False]


def test_mirror_serves_when_primary_is_down(tmp_path: Path, site: Server, portal: Server,
                                            context: Any) -> None:
    primary = refusing()
    try:
        publish(tmp_path, site, {"sign-in": incident("Sign-in failures")},
                base_url=url_of(primary), mirrors=(site.url,))
        url = put(portal, "index.html",
                  script_page(site.url))
        page = context.new_page()
        watch = Watch(page)
        page.goto(url)
        shown = wait_banner(page, "Sign-in failures")
        assert shown["text"] == "Partial outage: Sign-in failures"
        assert shown["href"] == site.url  # the link goes to the host that answered
        assert watch.page_errors == []
    finally:
        primary.close()


def test_sandboxed_iframe_renders_and_its_link_works(tmp_path: Path, site: Server,
                                                     portal: Server, context: Any) -> None:
    publish(tmp_path, site, {"sign-in": incident("Sign-in failures")})
    url = put(portal, "index.html", portal_page(
        f'<iframe src="{site.url}embed/banner.html" sandbox="{SANDBOX}" '
        'style="width:100%;height:44px;border:0"></iframe>'))
    page = context.new_page()
    watch = Watch(page)
    page.goto(url)
    link = page.frame_locator("iframe").locator("a")
    assert link.text_content() == "Partial outage: Sign-in failures"
    assert link.evaluate("a => getComputedStyle(a.parentElement).backgroundColor") == ORANGE
    link.click()
    page.wait_for_url(site.url)
    assert page.locator("nav.tabs [aria-current=page]").inner_text() == "Open Notifications"
    assert watch.page_errors == []


# Records the live region's text each time anything inside it changes: what a screen
# reader would announce. The hook sees the shadow root from the moment it exists; the
# region's own attributes (role, dir, lang), set as it is made, are not a change of its
# content.
LIVE_JS = """window.__live = [];
const attach = Element.prototype.attachShadow;
Element.prototype.attachShadow = function (init) {
  const root = attach.call(this, init);
  new MutationObserver(records => {
    const region = root.querySelector('[role=status]');
    const made = r => r.target === region && r.type === 'attributes';
    if (region && records.some(r => region.contains(r.target) && !made(r)))
      window.__live.push(region.textContent);
  }).observe(root, {subtree: true, childList: true, characterData: true, attributes: true});
  return root;
};"""

SHADOW_TEXT = "(document.querySelector('outpost-banner')?.shadowRoot?.textContent || '')"


def test_live_region_changes_only_when_the_status_does(tmp_path: Path, portal: Server,
                                                      browser: Any) -> None:
    """The role="status" region changes once per real change: not when a saved copy is
    confirmed by the host, and not as the age of a saved copy ticks while hosts fail."""
    server = Server(tmp_path / "site")
    port = server.port
    publish(tmp_path, server, {"sign-in": incident("Sign-in failures")})
    # The portal's own copy of embed.js, so that it loads while the status host is down.
    shutil.copy(server.folder / "embed.js", portal.folder / "embed.js")
    url = put(portal, "index.html", portal_page('<script async src="embed.js"></script>'))
    ctx = browser.new_context()
    ctx.clock.install(time=NOW)
    page = ctx.new_page()
    page.add_init_script(LIVE_JS)
    first = "Partial outage: Sign-in failures"
    try:
        page.goto(url)
        wait_banner(page, "Sign-in failures")
        assert page.evaluate("window.__live") == [first]

        # A saved copy and a host that answers the same: one change, and no age.
        with page.expect_response(lambda r: r.url.endswith("banner.json")):
            page.goto(url)
        page.wait_for_timeout(500)
        assert page.evaluate("window.__live") == [first]
        assert "last checked" not in page.evaluate(SHADOW_TEXT)

        # A real change, found by the 5-minute re-check: one more.
        publish(tmp_path, server, {"sign-in": incident("Sign-in failures"),
                                   "api": maintenance("API upgrade")})
        page.clock.run_for(5 * 60 * 1000)
        wait_banner(page, "1 more notice")
        page.wait_for_timeout(300)
        assert page.evaluate("window.__live") == [first, first + ", and 1 more notice"]
    finally:
        server.close()

    down = refusing(port)
    try:  # every host fails: the age shows and ticks, the live region stays as it was
        page.goto(url)
        page.wait_for_function(f"() => {SHADOW_TEXT}.includes('last checked')")
        assert page.evaluate(AGE) == "(last checked 0 min ago)"
        page.clock.run_for(3 * 60 * 1000)
        page.wait_for_function(f"() => {SHADOW_TEXT}.includes('last checked 3 min ago')")
        assert page.evaluate("window.__live") == [first + ", and 1 more notice"]
        assert (banner(page) or {})["background"] == ORANGE
    finally:
        down.close()
        ctx.close()


def test_keyboard_focus_shows_on_the_framed_and_included_banner(
        tmp_path: Path, site: Server, portal: Server, context: Any) -> None:
    """The fragment's styles reset everything (all:initial), the browser's focus ring
    included: its outline reverts to the browser's, drawn inside the frame's 44 px."""
    publish(tmp_path, site, {"sign-in": incident("Sign-in failures")})
    fragment = (site.folder / "banner.html").read_text()
    url = put(portal, "index.html", portal_page(
        f'<iframe src="{site.url}embed/banner.html" sandbox="{SANDBOX}" '
        f'style="width:100%;height:44px;border:0"></iframe>{HOSTILE}{fragment}'))
    page = context.new_page()
    page.goto(url)
    focused = """a => { const s = getComputedStyle(a);
        return [a === a.ownerDocument.activeElement, a.matches(':focus-visible'),
                s.outlineStyle, s.outlineWidth, s.outlineOffset]; }"""
    framed = page.frame_locator("iframe").locator("a")
    included = page.locator("body > .outpost-banner a")
    for link in (framed, included):
        page.keyboard.press("Tab")
        found = link.evaluate(focused)
        assert found[:2] == [True, True]
        assert found[2] != "none" and found[3] != "0px" and found[4] == "-4px"


# Where the banner's label sits in its line, and the direction its words are laid out in.
LAYOUT_JS = """a => { const b = a.querySelector('b'), line = b.parentElement;
  const r = b.getBoundingClientRect(), box = line.getBoundingClientRect();
  return {label_shown: r.left >= box.left - 0.5 && r.right <= box.right + 0.5,
          directions: [a, b, a.querySelector('u')].map(e => getComputedStyle(e).direction)};
}"""


def test_right_to_left_portal_shows_the_banner_from_its_start(
        tmp_path: Path, site: Server, portal: Server, browser: Any) -> None:
    """An Arabic or Hebrew portal lays its page out right to left; the banner's words
    are the status site's, and read from their start: the label, then the title, cut
    with an ellipsis at their end. The portal's direction reached inside (all:initial
    leaves direction alone), so a phone showed '…rotation, and 1 more notice'."""
    publish(tmp_path, site, {"sign-in": incident(LONG_TITLE), "api": maintenance("API upgrade")})
    fragment = (site.folder / "banner.html").read_text()
    url = put(portal, "index.html", portal_page(
        f'<div data-outpost-banner></div><script async src="{site.url}embed.js"></script>'
        f"{fragment}").replace('<html lang="en">', '<html lang="ar" dir="rtl">'))
    ctx = browser.new_context(viewport={"width": 360, "height": 640})
    try:
        page = ctx.new_page()
        page.goto(url)
        wait_banner(page, "Partial outage", "[data-outpost-banner]")
        scripted = page.locator("[data-outpost-banner] a").evaluate(LAYOUT_JS)
        included = page.locator("body > .outpost-banner a").evaluate(LAYOUT_JS)
        assert scripted == included == {"label_shown": True, "directions": ["ltr"] * 3}
    finally:
        ctx.close()




def test_included_and_framed_banner_keep_a_right_to_left_title_whole(
        tmp_path: Path, site: Server, portal: Server, context: Any) -> None:
    """A Hebrew title reads right to left, its closing '.' on its left, its '(...)'
    paired, and the English words after it follow it on the right, as on the site's
    own banner: in the fragment and the framed page the title was not isolated from
    ', and 1 more notice', so its '.' was drawn on the right, torn from it."""
    publish(tmp_path, site, {"rtl": incident(RTL_TITLE), "api": maintenance("API upgrade")})
    fragment = (site.folder / "banner.html").read_text()
    url = put(portal, "index.html", portal_page(
        f'<iframe src="{site.url}embed/banner.html" sandbox="{SANDBOX}" '
        f'style="width:100%;height:44px;border:0"></iframe>{fragment}'))
    page = context.new_page()
    page.goto(url)
    framed = page.frame_locator("iframe").locator("a u")
    for words in (page.locator("body > .outpost-banner u"), framed):
        drawn = words.evaluate(CHARACTERS_OF)
        assert "".join(char for char, _ in drawn) == f"{RTL_TITLE}, and 1 more notice"
        lefts = [left for _, left in drawn]
        title = lefts[:len(RTL_TITLE)]
        assert title[-1] == min(title) and title[0] == max(title)  # '.' left, first letter right
        assert lefts[len(RTL_TITLE)] > max(title)  # ', and 1 more notice' after it


@pytest.mark.parametrize("second", ["sign-in", "api"])
def test_script_banner_keeps_a_right_to_left_title_whole(
        tmp_path: Path, site: Server, portal: Server, context: Any, second: str) -> None:
    """The script embed isolates the title from the words after it too, as the included
    and framed banners do: its title and ', and 1 more notice' went in one text, so a
    Hebrew title's closing '.' was drawn on the right, before the English words. A
    maintenance's window after its title stays after it as well."""
    notices = {"sign-in": incident("Sign-in failures"), "api": maintenance("API upgrade")}
    rtl = (incident(RTL_TITLE) if second == "sign-in"
           else maintenance(RTL_TITLE, "2026-12-01 22:00", "2026-12-02 01:00"))
    publish(tmp_path, site, {"rtl": rtl, second: notices[second]})
    page = context.new_page()
    page.goto(put(portal, "index.html", script_page(site.url)))
    found = wait_banner(page, "more notice")
    words = page.locator("outpost-banner u")
    drawn = words.evaluate(CHARACTERS_OF)
    assert "".join(char for char, _ in drawn) == found["text"].split(": ", 1)[1]
    lefts = [left for _, left in drawn]
    title = lefts[:len(RTL_TITLE)]
    assert title[-1] == min(title) and title[0] == max(title)  # '.' left, first letter right
    assert min(lefts[len(RTL_TITLE):]) > max(title)  # what follows the title after it


# A right-to-left title too long for a phone's line: the shared one, and more words.
LONG_RTL_TITLE = RTL_TITLE + " המערכת לא עונה למשתמשים בכל הקמפוסים"  # The system ... campuses
# How a one-line banner cuts its words ('u' holds the title, then what follows it): whether
# the title's first and last characters and the first character after it are drawn where
# the line shows them, the side the title's last character fell off, and the title's box
# (its spaces collapse, as everywhere else).
CUT_JS = """u => {
  const title = u.querySelector('bdi'), rest = title.nextSibling;
  const band = node => { let left = -1e9, right = 1e9;
    for (let e = node.parentElement; e && e.tagName != 'DIV'; e = e.parentElement) {
      const r = e.getBoundingClientRect();
      left = Math.max(left, r.left); right = Math.min(right, r.right); }
    return [left, right]; };
  const at = (node, i) => { const r = document.createRange();
    r.setStart(node, i); r.setEnd(node, i + 1);
    const b = r.getBoundingClientRect(), [left, right] = band(node);
    if (b.left >= left - 0.5 && b.right <= right + 0.5) return 'shown';
    return b.right <= left + 0.5 ? 'off left' : 'off right'; };
  const words = title.firstChild, after = rest.nodeType == 3 ? rest : rest.firstChild;
  return {first: at(words, 0), last: at(words, words.data.length - 1), after: at(after, 0),
          title: ['direction', 'textOverflow', 'whiteSpace'].map(k => getComputedStyle(title)[k])};
}"""


@pytest.mark.parametrize(("title", "side", "direction"), [
    (LONG_RTL_TITLE, "off left", "rtl"), (LONG_TITLE, "off right", "ltr")], ids=["rtl", "ltr"])
def test_one_line_banners_cut_a_long_title_at_its_end_on_a_phone(
        tmp_path: Path, site: Server, portal: Server, browser: Any, title: str, side: str,
        direction: str) -> None:
    """The script and framed banners are one line: at 320 px a Hebrew or Arabic title
    too long for it showed its end, the line cut on the right in the title's first
    words, and nothing of what follows it. As on the site banner, the title is cut in
    its own box, laid out in its direction: its start shows and its ellipsis ends it on
    its left. A left-to-right title is cut on its right, as before. What follows a title
    (', and 1 more notice') gets the room the title leaves: none here, so the title is
    read, not two stubs; after a short title it shows whole."""
    url = put(portal, "index.html", portal_page(
        f'<script async src="{site.url}embed.js"></script>'
        f'<iframe src="{site.url}embed/banner.html" sandbox="{SANDBOX}" '
        f'style="width:100%;height:44px;border:0"></iframe>'))

    def cuts(shown_title: str) -> list[dict[str, object]]:
        """How the script's and the framed banner cut their words at 320 px."""
        publish(tmp_path, site, {"long": incident(shown_title),
                                 "api": maintenance("API upgrade")})
        ctx = browser.new_context(viewport={"width": 320, "height": 640})
        try:
            page = ctx.new_page()
            page.goto(url)
            wait_banner(page, "more notice")
            framed = page.frame_locator("iframe").locator("a u")
            return [words.evaluate(CUT_JS)
                    for words in (page.locator("outpost-banner u"), framed)]
        finally:
            ctx.close()

    cut = [direction, "ellipsis", "nowrap"]
    assert cuts(title) == 2 * [{"first": "shown", "last": side, "after": "off right",
                                "title": cut}]
    short = "קצר" if direction == "rtl" else "Slow"
    assert cuts(short) == 2 * [{"first": "shown", "last": "shown", "after": "shown",
                                "title": cut}]


def test_banner_speaks_the_status_site_language_in_any_portal(
        tmp_path: Path, site: Server, portal: Server, context: Any) -> None:
    """A screen reader reads text in the language its page or element declares. In a
    French portal the banner's English words were read with a French voice: the script
    embed, the age of a saved copy and the fragment now declare the site's language,
    as the iframe page does."""
    publish(tmp_path, site, {"sign-in": incident("Sign-in failures")})
    fragment = (site.folder / "banner.html").read_text()
    url = put(portal, "index.html", portal_page(
        f'<div data-outpost-banner></div><script async src="{site.url}embed.js"></script>'
        f"{fragment}").replace('<html lang="en">', '<html lang="fr">'))
    page = context.new_page()
    page.goto(url)
    wait_banner(page, "Sign-in failures", "[data-outpost-banner]")
    spoken = "e => [e.matches(':lang(en)'), e.matches(':lang(fr)')]"
    assert page.locator("main p").evaluate(spoken) == [False, True]  # the portal's own
    for part in ("[data-outpost-banner] a", "[data-outpost-banner] i",
                 "body > .outpost-banner a"):
        assert page.locator(part).evaluate(spoken) == [True, False], part


# For each inlined badge: the element painted near its right end (above the text), and
# that element's fill. A badge's coloured part reaches its right edge.
BADGE_ENDS_JS = """() => [...document.querySelectorAll('svg[role=img]')].map(svg => {
  const r = svg.getBoundingClientRect();
  const hit = document.elementFromPoint(r.right - 2, r.top + 2);
  return [svg.getAttribute('aria-label'), hit && svg.contains(hit) ? hit.getAttribute('fill')
          : null];
})"""


@pytest.mark.parametrize("width", [375, 1280])
def test_badges_inlined_together_each_draw_their_own_shape(
        tmp_path: Path, site: Server, portal: Server, browser: Any, width: int) -> None:
    """A portal that pastes several badges' SVG markup into one page: ids are
    document-wide, so a shared id made every badge use the first one's clip path."""
    out = publish(tmp_path, site, {"api": maintenance("API upgrade")})
    narrow = (out / "components/web/badge.svg").read_text()
    wide = (out / "badge.svg").read_text()
    url = put(portal, "badges.html", portal_page(f"<p>{narrow}</p><p>{wide}</p>"))
    page = browser.new_page(viewport={"width": width, "height": 600})
    page.goto(url)
    assert page.evaluate(BADGE_ENDS_JS) == [
        ["Web: no open notices", "#e3e6e9"], ["status: scheduled maintenance", "#2e7d32"]]
    page.close()


# For each badge text: its natural width (the browser's own layout, without the
# textLength that would squeeze it into the estimate) and the width of its part.
BADGE_TEXT_JS = """() => [...document.querySelectorAll('svg[role=img]')].flatMap(svg => {
  const parts = svg.querySelectorAll('path');
  return [...svg.querySelectorAll('text')].map((text, i) => {
    const free = text.cloneNode(true);
    free.removeAttribute('textLength');
    text.after(free);
    const natural = free.getComputedTextLength();
    free.remove();
    return [text.textContent, natural, parts[i].getBBox().width];
  });
})"""
WIDE_NAMES = ["\u5b66\u751f\u4fe1\u606f\u7cfb\u7edf", "\u30b9\u30c6\u30fc\u30bf\u30b9",
              "\uc0c1\ud0dc \ud398\uc774\uc9c0", "\uff37\uff45\uff42",
              "Portal \u95e8\u6237", "Web"]


@pytest.mark.parametrize("width", [375, 1280])
def test_wide_characters_fit_their_badge(portal: Server, browser: Any, width: int) -> None:
    """Chinese, Japanese, Korean and fullwidth names take about two Latin widths a
    character: estimated as Latin, they overflowed their part or were squeezed."""
    badges = "".join(f"<p>{badge_svg(name, name, '#f29d38', '#1b1204')}</p>"
                     for name in WIDE_NAMES)
    url = put(portal, "wide.html", portal_page(badges))
    page = browser.new_page(viewport={"width": width, "height": 600})
    page.goto(url)
    glyph = page.evaluate("""() => { const c = document.createElement('canvas')
        .getContext('2d'); c.font = '11px Verdana,Geneva,DejaVu Sans,sans-serif';
        return c.measureText('\u5b66').width; }""")
    if glyph < 10:
        pytest.skip("needs a CJK font (./scripts/test installs fonts-wqy-microhei)")
    for text, natural, part in page.evaluate(BADGE_TEXT_JS):
        # At least 3 px on each side: the part's padding, less what the estimate misses.
        assert natural <= part - 6, (text, natural, part)
    page.close()


# What a single-page app does to its header on a route change: render it anew.
RERENDER_JS = "document.getElementById('app').innerHTML = '<div data-outpost-banner></div>'"


def test_single_page_app_rerender_gets_the_banner_back(tmp_path: Path, site: Server,
                                                      portal: Server, context: Any) -> None:
    """The script looked for placeholders once: a portal that renders its header again
    (a new placeholder element) lost the banner until a full reload, and the banner it
    had detached went on fetching every 5 minutes."""
    publish(tmp_path, site, {"sign-in": incident("Sign-in failures")})
    url = put(portal, "index.html", portal_page(
        '<div id="app"><div data-outpost-banner></div></div>'
        f'<script async src="{site.url}embed.js"></script>'))
    page = context.new_page()
    watch = Watch(page)
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url) if "banner.json" in r.url else None)
    page.clock.install(time=NOW)
    page.clock.pause_at(NOW + timedelta(seconds=1))
    page.goto(url)
    wait_banner(page, "Sign-in failures", "[data-outpost-banner]")
    page.evaluate(RERENDER_JS)
    assert wait_banner(page, "Sign-in failures", "[data-outpost-banner]")["text"] == (
        "Partial outage: Sign-in failures")
    page.clock.run_for(1000)  # the new banner's first check
    page.wait_for_timeout(300)
    before = len(fetched)
    page.clock.run_for(5 * 60 * 1000)  # the 5-minute re-check: the live banner's alone
    page.wait_for_timeout(300)
    assert len(fetched) == before + 1
    assert watch.page_errors == [] and watch.console_errors == []


# A navigation as Turbo (Rails), htmx's boost or pjax make one: the next page's body
# replaces this one's, and its scripts run again, each as a new element with the same
# text and attributes.
SWAP_BODY_JS = """async (url) => {
  const next = new DOMParser().parseFromString(await (await fetch(url)).text(), 'text/html');
  document.body.replaceWith(next.body);
  for (const old of document.body.querySelectorAll('script')) {
    const again = document.createElement('script');
    for (const a of old.attributes) again.setAttribute(a.name, a.value);
    again.textContent = old.textContent;
    old.replaceWith(again);
  }
}"""
# The words of each banner in the page.
SHOWN_JS = """() => [...document.querySelectorAll('outpost-banner')]
  .map(e => e.shadowRoot.querySelector('a')?.textContent)"""


@pytest.mark.parametrize("tag", ["line", "one tag"])
def test_page_swapping_its_body_shows_the_banner_on_every_page(
        tmp_path: Path, site: Server, portal: Server, context: Any, tag: str) -> None:
    """A portal that moves between its pages by swapping the body (Turbo, htmx's boost,
    pjax), each page with the banner's line in its layout, showed the banner on the
    first page alone: the next page's copy of the script took the banner the first had
    rendered in place, now out of the page, for one already standing, and rendered
    none. A banner out of the page stands nowhere: the next copy renders in place."""
    publish(tmp_path, site, {"sign-in": incident("Sign-in failures")})
    snippet = (f"<script>{loader_script(site.url)}</script>" if tag == "line"
               else f'<script async src="{site.url}embed.js"></script>')
    first, second = (put(portal, f"{name}.html", portal_page(snippet).replace(
        "Submit a case.", name)) for name in ("first", "second"))
    page = context.new_page()
    watch = Watch(page)
    checks: list[Any] = []
    page.on("request", lambda r: checks.append(r) if "banner.json" in r.url else None)
    page.goto(first)
    wait_banner(page, "Sign-in failures")
    page.evaluate(SWAP_BODY_JS, second)
    assert page.evaluate("document.querySelector('main').textContent") == "second"
    wait_banner(page, "Sign-in failures")
    page.wait_for_timeout(500)
    assert page.evaluate(SHOWN_JS) == ["Partial outage: Sign-in failures"]
    assert watch.page_errors == [] and watch.console_errors == []
    # The checks tell the status host nothing of the portal's pages.
    assert len(checks) == 2
    assert [r.all_headers().get("referer") for r in checks] == [None, None]


def test_placeholder_rendered_after_load_takes_the_banner(tmp_path: Path, site: Server,
                                                          portal: Server, context: Any) -> None:
    """An app that renders the placeholder only after the script ran: the banner the
    script had put in its own place moves to the placeholder, shown once."""
    publish(tmp_path, site, {"sign-in": incident("Sign-in failures")})
    url = put(portal, "index.html", portal_page(
        f'<div id="app"></div><script async src="{site.url}embed.js"></script>'))
    page = context.new_page()
    page.goto(url)
    wait_banner(page, "Sign-in failures")
    page.evaluate(RERENDER_JS)
    assert wait_banner(page, "Sign-in failures", "[data-outpost-banner]")["text"] == (
        "Partial outage: Sign-in failures")
    assert page.locator("outpost-banner").count() == 0


# Counts the page-wide look-ups of placeholders and banners the script makes.
COUNT_LOOKUPS_JS = """() => {
  window.lookups = 0;
  const all = Document.prototype.querySelectorAll;
  Document.prototype.querySelectorAll = function (q) {
    if (String(q).includes('data-outpost-banner')) window.lookups++;
    return all.call(this, q);
  };
}"""
# One change per task, as a live table or a chat would make them.
CHANGES_JS = """async (count) => {
  for (let n = 0; n < count; n++) {
    document.getElementById('feed').append(Object.assign(document.createElement('p'),
                                                         {textContent: 'row ' + n}));
    await new Promise(done => setTimeout(done, 0));
  }
}"""


def test_a_busy_page_s_changes_cost_no_look_at_the_whole_page(
        tmp_path: Path, site: Server, portal: Server, context: Any) -> None:
    """Each change a portal made to its page (a live table, a chat) cost a search of the
    whole page for placeholders: 10 ms a change on a page of 100,000 elements. Only the
    added elements are looked at now, and the page only when one holds a placeholder."""
    publish(tmp_path, site, {"sign-in": incident("Sign-in failures")})
    rows = "".join(f"<span>{n}</span>" for n in range(2000))
    url = put(portal, "index.html", portal_page(
        f'<div id="feed">{rows}</div><div id="app"></div>'
        f'<script async src="{site.url}embed.js"></script>'))
    page = context.new_page()
    page.goto(url)
    wait_banner(page, "Sign-in failures")
    page.evaluate(COUNT_LOOKUPS_JS)
    page.evaluate(CHANGES_JS, 50)
    assert page.evaluate("window.lookups") == 0
    # A placeholder inside an added element is still found, and takes the banner.
    page.evaluate("document.getElementById('app').innerHTML = "
                  "'<section><div><div data-outpost-banner></div></div></section>'")
    assert wait_banner(page, "Sign-in failures", "[data-outpost-banner]")["text"] == (
        "Partial outage: Sign-in failures")
    assert page.evaluate("window.lookups") >= 1
    assert page.locator("outpost-banner").count() == 0


@pytest.mark.parametrize("answer", ["not-found", "not-json"])
def test_mirror_serves_when_primary_answers_wrong(tmp_path: Path, site: Server, portal: Server,
                                                 context: Any, answer: str) -> None:
    """A primary that answers 404 (a half-published site), or 200 with a page that is
    not banner.json (a host's catch-all page): the script goes on to the mirror."""
    with serving(tmp_path / "primary") as primary:
        if answer == "not-json":
            (primary.folder / "banner.json").write_text("<!doctype html><title>Hi</title>")
        publish(tmp_path, site, {"sign-in": incident("Sign-in failures")},
                base_url=primary.url, mirrors=(site.url,))
        page = context.new_page()
        watch = Watch(page)
        page.goto(put(portal, "index.html", script_page(site.url)))
        shown = wait_banner(page, "Sign-in failures")
        assert shown["href"] == site.url
        assert watch.page_errors == []


# The icon's box inside the banner's shadow root, and the banner's height.
ICON_BOX_JS = """() => { const host = document.querySelector('[data-outpost-banner]');
  const r = host.shadowRoot.querySelector('svg').getBoundingClientRect();
  return [r.width, r.height, host.getBoundingClientRect().height]; }"""


@contextmanager
def strict_portal(tmp_path: Path, site: Server, browser: Any, style_src: str, width: int
                  ) -> Iterator[tuple[Any, str]]:
    """An incident published to ``site``, and a page of a portal whose policy allows
    scripts by nonce and styles by ``style_src`` only, placing the banner: (a browser
    page ``width`` wide, the portal page's URL). The page is closed afterwards."""
    publish(tmp_path, site, {"sign-in": incident("Sign-in failures")})
    policy = (f"default-src 'self'; script-src 'nonce-n1' 'strict-dynamic'; "
              f"connect-src {site.url}; style-src {style_src}; img-src data:")
    with serving(tmp_path / "strict", headers={"index.html": {
            "Content-Security-Policy": policy}}) as strict:
        url = put(strict, "index.html", portal_page(
            '<div data-outpost-banner></div>'
            f'<script nonce="n1" async src="{site.url}embed.js"></script>'))
        page = browser.new_page(viewport={"width": width, "height": 600})
        try:
            yield page, url
        finally:
            page.close()


@pytest.mark.parametrize("width", [375, 1280])
def test_banner_without_its_stylesheet_keeps_a_small_icon(
        tmp_path: Path, site: Server, portal: Server, browser: Any, width: int) -> None:
    """A portal whose policy does not allow the banner's stylesheet (the hash of an
    older Outpost's stylesheet): the words and link show unstyled, but the icon took
    the whole width of the page, a screen tall on a phone."""
    older = "sha256-" + "A" * 43 + "="
    with strict_portal(tmp_path, site, browser, f"'{older}'", width) as (page, url):
        page.goto(url)
        wait_banner(page, "Sign-in failures", "[data-outpost-banner]")
        icon_width, icon_height, banner_height = page.evaluate(ICON_BOX_JS)
        assert (icon_width, icon_height) == (20, 20)
        assert banner_height < 60


def test_a_nonce_only_policy_styles_the_banner(tmp_path: Path, site: Server,
                                               browser: Any) -> None:
    """A portal that allows scripts and styles by a nonce (what frameworks generate per
    request) and lists no hash: the banner's stylesheet carries the script's nonce, so
    it is styled without a source added to the policy (before: unstyled), and nothing
    is reported as blocked."""
    with strict_portal(tmp_path, site, browser, "'nonce-n1'", 375) as (page, url):
        watch = Watch(page)
        page.goto(url)
        shown = wait_banner(page, "Sign-in failures", "[data-outpost-banner]")
        assert shown["background"] == ORANGE
        assert page.evaluate(ICON_BOX_JS)[2] == 44
        assert watch.page_errors == [] and watch.console_errors == []


@pytest.mark.parametrize("placeholder", [
    "<ul><li data-outpost-banner></li></ul>",
    "<table><tr><td data-outpost-banner></td></tr></table>",
    '<a href="#x" data-outpost-banner></a>',
    '<section data-outpost-banner data-component="web"></section>',
], ids=["li", "td", "a", "section"])
def test_placeholder_on_any_element_shows_the_banner(tmp_path: Path, site: Server,
                                                     portal: Server, context: Any,
                                                     placeholder: str) -> None:
    """A placeholder on an element that cannot hold a shadow root (<li>, <td>, <a>:
    attachShadow throws) showed nothing, silently: the banner goes in a child of it."""
    publish(tmp_path, site, {"sign-in": incident("Sign-in failures")})
    url = put(portal, "index.html", portal_page(
        f'{placeholder}<script async src="{site.url}embed.js"></script>'))
    page = context.new_page()
    watch = Watch(page)
    page.goto(url)
    link = page.locator("[data-outpost-banner] a[title]")
    link.wait_for(timeout=10000)
    assert link.text_content() == "Partial outage: Sign-in failures"
    assert link.evaluate("a => getComputedStyle(a).backgroundColor") == ORANGE
    page.wait_for_timeout(300)  # no second banner from the observer seeing the first
    assert link.count() == 1
    assert page.locator("outpost-banner:not([data-outpost-banner] *)").count() == 0
    assert watch.page_errors == [] and watch.console_errors == []


@pytest.mark.parametrize("banner_at", ["in-place", "placeholder"])
def test_module_script_shows_the_banner(tmp_path: Path, site: Server, portal: Server,
                                        context: Any, banner_at: str) -> None:
    """<script type="module"> has no document.currentScript: the one-tag embed and a
    placeholder alike showed nothing. The script finds its tag by its file's name."""
    publish(tmp_path, site, {"sign-in": incident("Sign-in failures")})
    placeholder = "<div data-outpost-banner></div>" if banner_at == "placeholder" else ""
    url = put(portal, "index.html", portal_page(
        f'<p>Before</p>{placeholder}<script type="module" src="{site.url}embed.js"></script>'
        "<p>After</p>"))
    page = context.new_page()
    watch = Watch(page)
    page.goto(url)
    selector = "[data-outpost-banner]" if banner_at == "placeholder" else "outpost-banner"
    assert wait_banner(page, "Sign-in failures", selector)["state"] == "incident"
    # In place: where the tag stands, between the two paragraphs.
    assert page.evaluate(f"document.querySelector('{selector}').previousElementSibling"
                         ".textContent") == "Before"
    assert watch.page_errors == [] and watch.console_errors == []


def test_module_script_is_not_mistaken_for_another_embed_script(
        tmp_path: Path, site: Server, portal: Server, context: Any) -> None:
    """A module finds its tag by its file's name: a portal's own 'lite-yt-embed.js'
    loaded earlier, in the head, is not it (the banner went into the head, unseen)."""
    publish(tmp_path, site, {"sign-in": incident("Sign-in failures")})
    put(portal, "lite-yt-embed.js", "")
    url = put(portal, "index.html", portal_page(
        f'<p>Before</p><script type="module" src="{site.url}embed.js"></script>',
        head='<script src="lite-yt-embed.js"></script>'))
    page = context.new_page()
    watch = Watch(page)
    page.goto(url)
    assert wait_banner(page, "Sign-in failures")["state"] == "incident"
    assert page.evaluate("document.querySelector('outpost-banner').previousElementSibling"
                         ".textContent") == "Before"
    assert watch.page_errors == [] and watch.console_errors == []


def served_as_published(site: Path) -> dict[str, dict[str, str]]:
    """The headers a host reading the site's _headers sends, per file, but CORS, which
    the test server sends itself."""
    rules = parse_headers((site / "_headers").read_text())
    return {path.relative_to(site).as_posix(): {
        name: ", ".join(values) for name, values in applied(
            rules, "/" + path.relative_to(site).as_posix()).items()
        if name != "Access-Control-Allow-Origin"}
        for path in site.rglob("*") if path.is_file()}


def test_cross_origin_isolated_portal_shows_every_embed(tmp_path: Path, browser: Any) -> None:
    """A portal sending Cross-Origin-Embedder-Policy: require-corp (to be
    cross-origin isolated) loads only what allows it: without
    Cross-Origin-Resource-Policy from the status host, the script, the badge and the
    framed page were all blocked."""
    published: dict[str, dict[str, str]] = {}  # filled once the site is built
    with serving(tmp_path / "status", headers=published) as status:
        site = build_site(write_repo(tmp_path / "repo", status.url,
                                     {"sign-in": incident("Sign-in failures")}),
                          status.folder)
        published.update(served_as_published(site))
        isolated = {"index.html": {"Cross-Origin-Embedder-Policy": "require-corp",
                                   "Cross-Origin-Opener-Policy": "same-origin"}}
        with serving(tmp_path / "portal", headers=isolated) as portal:
            url = put(portal, "index.html", portal_page(
                f'<div data-outpost-banner></div><script async src="{status.url}embed.js">'
                f'</script><img src="{status.url}badge.svg" alt="Service status">'
                f'<iframe src="{status.url}embed/banner.html" title="Service status" '
                f'sandbox="{SANDBOX}"></iframe>'))
            page = browser.new_page()
            try:
                page.goto(url)
                assert page.evaluate("crossOriginIsolated")
                wait_banner(page, "Sign-in failures", "[data-outpost-banner]")
                page.wait_for_function("document.querySelector('img').complete")
                assert page.evaluate("document.querySelector('img').naturalWidth") > 0
                framed = page.frame_locator("iframe").locator("a")
                assert "Sign-in failures" in framed.inner_text(timeout=10000)
            finally:
                page.close()


def test_banner_taken_out_of_the_page_stops_its_timers(tmp_path: Path, site: Server,
                                                       portal: Server, context: Any) -> None:
    """A single-page app that mounts and unmounts its header: every banner it took out
    kept two intervals running for as long as the page was open."""
    publish(tmp_path, site, {"sign-in": incident("Sign-in failures")})
    url = put(portal, "index.html", portal_page(
        f'<div id="app"></div><script async src="{site.url}embed.js"></script>'))
    page = context.new_page()
    page.clock.install(time=NOW)
    page.goto(url)
    # Count the intervals the page has running (set, and not cleared).
    page.evaluate("""() => { window.running = new Set();
      const set = setInterval, clear = clearInterval;
      window.setInterval = (...a) => { const id = set(...a); running.add(id); return id; };
      window.clearInterval = id => { running.delete(id); clear(id); }; }""")
    for _ in range(5):
        page.evaluate("document.getElementById('app').innerHTML ="
                      " '<div data-outpost-banner></div>'")
        page.clock.run_for(1000)  # the banner starts
        wait_banner(page, "Sign-in failures", "[data-outpost-banner]")
        page.evaluate("document.getElementById('app').textContent = ''")
    page.clock.run_for(5 * 60 * 1000)
    assert page.evaluate("running.size") == 0


# Where the banner stands: the portal's markup inside #app, and the selector of the
# element the app takes out and puts back (the one-tag banner: a component's, or the
# site's with no placeholder on the page).
_PUT_BACK = {
    "placeholder": ('<div data-outpost-banner></div>{script}', "[data-outpost-banner]"),
    "in place, a component's": ('{script}', "outpost-banner"),
    "in place, the site's": ('{script}', "outpost-banner"),
}


@pytest.mark.parametrize("where", list(_PUT_BACK))
def test_banner_put_back_goes_on_checking(tmp_path: Path, site: Server, portal: Server,
                                          context: Any, where: str) -> None:
    """An app that keeps a view's elements while it is hidden (a kept-alive route) and
    puts them back: the banner stopped while out of the page goes on where it was. The
    one-tag banner stayed stopped for good, as only placeholders were looked for."""
    publish(tmp_path, site, {})
    markup, selector = _PUT_BACK[where]
    component = ' data-component="web"' if where == "in place, a component's" else ""
    script = f'<script async src="{site.url}embed.js"{component}></script>'
    url = put(portal, "index.html", portal_page(
        f'<div id="app">{markup.format(script=script)}</div>'))
    page = context.new_page()
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url) if "banner.json" in r.url else None)
    page.clock.install(time=NOW)
    page.clock.pause_at(NOW + timedelta(seconds=1))  # fetches do not time out
    page.goto(url)
    wait_banner(page, "No current open notifications", selector)
    page.evaluate(f"window.kept = document.querySelector('{selector}'); kept.remove()")
    page.clock.run_for(60 * 1000)  # it notices, and stops
    publish(tmp_path, site, {"sign-in": incident("Sign-in failures")})
    page.wait_for_timeout(300)
    before = len(fetched)
    page.evaluate("document.getElementById('app').prepend(kept)")
    for _ in range(10):  # 5 minutes, a tick at a time, each fetch answered before the next
        page.clock.run_for(30 * 1000)
        page.wait_for_timeout(200)
    # One re-check in 5 minutes, as if it had never been away.
    assert wait_banner(page, "Sign-in failures", selector)["text"] == (
        "Partial outage: Sign-in failures")
    assert len(fetched) == before + 1
    assert page.locator(f"{selector} a[title]" if where == "placeholder"
                        else selector).count() == 1


def test_banner_out_of_the_page_at_load_and_put_back_keeps_one_timer(
        tmp_path: Path, site: Server, context: Any) -> None:
    """A banner the app took out before the portal's load event, and put back soon
    after: the load started it while out, and its tick stopped it before its interval
    was set, so that interval was never cleared and ran as long as the page was open."""
    publish(tmp_path, site, {})
    with serving(tmp_path / "portal", delays={"slow.png": 1.5}) as portal:
        put(portal, "slow.png", "")
        url = put(portal, "index.html", portal_page(
            f'<div id="app"><div data-outpost-banner></div></div><img src="slow.png" alt="">'
            f'<script async src="{site.url}embed.js"></script>'))
        page = context.new_page()
        page.clock.install(time=NOW)
        # Count the intervals the page has running (set, and not cleared).
        page.add_init_script("""window.running = new Set();
          const set = setInterval, clear = clearInterval;
          window.setInterval = (...a) => { const id = set(...a); running.add(id); return id; };
          window.clearInterval = id => { running.delete(id); clear(id); };""")
        page.goto(url, wait_until="commit")
        page.wait_for_function("document.querySelector('[data-outpost-banner]')?.outpost")
        page.evaluate("window.kept = document.getElementById('app').firstChild; kept.remove()")
        page.wait_for_load_state("load")
        page.evaluate("document.getElementById('app').append(kept)")
        wait_banner(page, "No current open notifications", "[data-outpost-banner]")
        assert page.evaluate("running.size") == 1
        page.evaluate("kept.remove()")
        page.clock.run_for(60 * 1000)
        assert page.evaluate("running.size") == 0


def test_page_restored_from_the_back_forward_cache_rechecks(
        tmp_path: Path, site: Server, browser: Any) -> None:
    """A reader leaves the portal and comes back with Back 10 minutes later: the browser
    restores the page as it was, its timers paused while away, and runs the late tick
    once. The banner counted ticks to re-check, so it went on showing the status of
    when the reader left for up to 5 more minutes. It re-checks at that tick."""
    publish(tmp_path, site, {})
    (tmp_path / "portal").mkdir()
    (tmp_path / "portal" / "index.html").write_text(script_page(site.url))
    (tmp_path / "portal" / "other.html").write_text(portal_page("<p>Elsewhere</p>"))
    # Playwright turns the cache off by default; the portal is served cacheable.
    with plain_serving(tmp_path / "portal") as url:
        cached = browser.browser_type.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS,
            ignore_default_args=["--disable-back-forward-cache"])
        try:
            page = cached.new_page()
            page.clock.install(time=NOW)
            page.goto(url + "index.html")
            wait_banner(page, "No current open notifications")
            page.evaluate("window.left = 1")
            page.goto(url + "other.html")
            publish(tmp_path, site, {"sign-in": incident("Sign-in failures")})
            page.go_back(wait_until="commit")  # a restored page fires no load event
            page.wait_for_timeout(300)
            assert page.evaluate("window.left") == 1  # restored, not loaded anew
            # The time away: due timers run once, as a restored page's do.
            page.clock.fast_forward(10 * 60 * 1000)
            assert wait_banner(page, "Sign-in failures")["text"] == (
                "Partial outage: Sign-in failures")
        finally:
            cached.close()
