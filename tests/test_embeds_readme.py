"""Follow the README's "Embed the banner" once, as a new portal owner would: take
each snippet and its Content-Security-Policy from the README, put them in a
portal page served with that policy, and check the banner works."""

from __future__ import annotations

import html
import json
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from generator.render.snippets import loader_hash, loader_policy, loader_script, style_hash
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
    serving,
    url_of,
    write_repo,
)
from tests.fixtures import BrowserAt

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser(browser: Any) -> BrowserAt:
    """Every page here reads the sites' build time (NOW) off its clock."""
    return BrowserAt(browser, NOW)


README = Path(__file__).resolve().parent.parent / "README.md"
EXAMPLE_HOST = "https://status.example.org"
ORANGE = "rgb(242, 157, 56)"
FENCE = re.compile(r"^```(?P<lang>\w*)\n(?P<body>.*?)^```$", re.M | re.S)


def section_text() -> str:
    """The README's "Embed the banner", as written."""
    return README.read_text().split("\n## Embed the banner\n", 1)[1].split("\n## ", 1)[0]


def readme_section() -> dict[str, list[tuple[str, str]]]:
    """### heading -> [(language, code)] of the README's "Embed the banner"."""
    parts: dict[str, list[tuple[str, str]]] = {}
    for chunk in section_text().split("\n### ")[1:]:
        heading, body = chunk.split("\n", 1)
        parts[heading.strip()] = [(m["lang"], m["body"]) for m in FENCE.finditer(body)]
    return parts


def blocks(heading: str, lang: str) -> list[str]:
    return [code for language, code in readme_section()[heading] if language == lang]


def policy(heading: str, host: str) -> str:
    """The heading's policy, for a status site at ``host``: the loader's hash covers the
    address in it, so it is the one the site's own pages give (loader_policy)."""
    (line,) = blocks(heading, "text")
    name, value = line.strip().split(": ", 1)
    assert name == "Content-Security-Policy"
    return value.replace(loader_hash(EXAMPLE_HOST + "/"), loader_hash(host + "/")
                         ).replace(EXAMPLE_HOST, host)


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[Server, Server, dict[str, dict[str, str]],
                                            dict[str, str]]]:
    headers: dict[str, dict[str, str]] = {}
    ssi: dict[str, str] = {}
    with serving(tmp_path / "site") as site, \
            serving(tmp_path / "portal", headers=headers, ssi=ssi) as portal:
        repo = write_repo(tmp_path / "repo", site.url, {
            "sign-in": incident("Sign-in failures"), "api": maintenance("API upgrade")})
        build_site(repo, site.folder)
        (portal.folder / "favicon.ico").write_bytes(b"")
        yield site, portal, headers, ssi


# Records what the page's Content-Security-Policy refused, in any frame of the page.
VIOLATIONS_JS = """window.__violations = [];
document.addEventListener('securitypolicyviolation', e => window.__violations.push(
  e.effectiveDirective + ' ' + (e.blockedURI || 'inline') + ' ' + e.sample), true);"""


def open_portal(browser: Any, portal: Server, headers: dict[str, dict[str, str]], name: str,
                snippet: str, csp: str) -> tuple[Any, Watch]:
    (portal.folder / name).write_text(
        portal_page(snippet).replace('<link rel="icon" href="data:,">', ""))
    headers[name] = {"Content-Security-Policy": csp}
    page = browser.new_page()
    page.add_init_script(VIOLATIONS_JS)
    watch = Watch(page)
    page.goto(portal.url + name)
    return page, watch


def violations(page: Any) -> list[str]:
    """What the policy refused, in the portal page and in every frame of it."""
    found: list[str] = []
    for frame in page.frames:
        found += frame.evaluate("window.__violations || []")
    return found


def test_readme_lists_the_current_style_hash() -> None:
    assert style_hash() in policy("Script (recommended)", EXAMPLE_HOST)
    assert style_hash() in policy("Script in one tag", EXAMPLE_HOST)


def test_readme_loader_is_the_one_the_site_gives() -> None:
    """The README's loader lines and policy are what a site at the example address
    shows on its Subscribe page (the hash covers the address)."""
    loader = f"<script>{loader_script(EXAMPLE_HOST + '/')}</script>"
    assert blocks("Script (recommended)", "html") == [
        f"{loader}\n", f"<div data-outpost-banner></div>\n{loader}\n"]
    assert policy("Script (recommended)", EXAMPLE_HOST) == loader_policy(EXAMPLE_HOST + "/")
    assert loader in blocks("One component", "html")[0]


# Where a banner rendered in place stands: in the portal's body, before its <main>.
IN_PLACE_JS = """(() => { const b = document.querySelector('outpost-banner');
  return [b.parentElement.tagName,
          !!(b.compareDocumentPosition(document.querySelector('main')) & 4)]; })()"""


@pytest.mark.parametrize("heading", ["Script (recommended)", "Script in one tag"])
def test_script_snippets(browser: Any, setup: Any, heading: str) -> None:
    site, portal, headers, _ = setup
    host = site.url.rstrip("/")
    csp = policy(heading, host)
    snippets = blocks(heading, "html")
    assert len(snippets) == 2
    for index, snippet in enumerate(snippets):
        page, watch = open_portal(browser, portal, headers, f"script{index}.html",
                                  snippet.replace(EXAMPLE_HOST, host), csp)
        selector = "outpost-banner" if index == 0 else "[data-outpost-banner]"
        page.wait_for_function("s => document.querySelector(s)?.shadowRoot?.querySelector('a')",
                               arg=selector)
        shown = banner(page, selector)
        assert shown is not None
        assert shown["text"] == "Partial outage: Sign-in failures, and 1 more notice"
        assert shown["background"] == ORANGE  # the stylesheet was allowed by its hash
        if index == 0:  # in place: where the snippet stands, in the portal's content
            assert page.evaluate(IN_PLACE_JS) == ["BODY", True]
        assert watch.console_errors == [] and watch.page_errors == []
        assert violations(page) == []
        page.close()


def subscribe_snippet(site: Server) -> tuple[str, str]:
    """The loader line and the policy the built site's Subscribe page gives."""
    html_text = (site.folder / "subscribe" / "index.html").read_text()
    found = re.findall(r'<pre class="snippet"><code>(.*?)</code></pre>', html_text, re.S)
    assert len(found) == 2
    return html.unescape(found[0]), html.unescape(found[1])


def styled_in_place(browser: Any, portal: Server, headers: dict[str, dict[str, str]],
                    name: str, snippet: str, csp: str) -> None:
    """``snippet`` in a portal page served with ``csp``: the banner renders in place,
    styled, with no error and nothing refused."""
    page, watch = open_portal(browser, portal, headers, name, snippet, csp)
    page.wait_for_function("() => document.querySelector('outpost-banner')"
                           "?.shadowRoot?.querySelector('a')")
    shown = banner(page, "outpost-banner")
    assert shown is not None and shown["background"] == ORANGE
    assert watch.console_errors == [] and watch.page_errors == []
    assert violations(page) == []
    page.close()


def test_subscribe_page_gives_a_working_loader_and_policy(browser: Any, setup: Any) -> None:
    """A portal owner copies the line and the policy from the status site's own
    Subscribe page: with that policy, nothing is refused and the banner is styled."""
    site, portal, headers, _ = setup
    line, csp = subscribe_snippet(site)
    assert line == f"<script>{loader_script(site.url)}</script>"
    assert csp == loader_policy(site.url)
    styled_in_place(browser, portal, headers, "copied.html", line, csp)


@pytest.mark.parametrize("host", ["refusing", "hanging"])
def test_subscribe_line_falls_back_to_a_mirror_when_base_url_is_down(
        browser: Any, tmp_path: Path, host: str) -> None:
    """The mirrors are there for the day base_url's host is down: with it refusing
    connections, or accepting them and never answering (as a host that is down often
    does), the line and policy from the Subscribe page load embed.js from the mirror,
    which shows the banner. (The line asked base_url alone, and later waited on a host
    that never answers for good: the portal showed nothing while the mirror was up.)"""
    down = refusing() if host == "refusing" else hanging()
    headers: dict[str, dict[str, str]] = {}
    try:
        with serving(tmp_path / "mirror") as mirror, \
                serving(tmp_path / "portal", headers=headers) as portal:
            build_site(write_repo(tmp_path / "repo", url_of(down), {
                "sign-in": incident("Sign-in failures")}, mirrors=(mirror.url,)), mirror.folder)
            line, csp = subscribe_snippet(mirror)
            page, watch = open_portal(browser, portal, headers, "mirror.html", line, csp)
            page.wait_for_function("() => document.querySelector('outpost-banner')"
                                   "?.shadowRoot?.querySelector('a')", timeout=15000)
            shown = banner(page, "outpost-banner")
            assert shown is not None and shown["background"] == ORANGE
            assert shown["text"] == "Partial outage: Sign-in failures"
            assert shown["href"] == mirror.url
            # A tag still waiting on base_url was taken out of the page.
            assert page.evaluate("[...document.querySelectorAll('script[src]')]"
                                 ".map(s => s.src)") == [mirror.url + "embed.js"]
            assert watch.page_errors == [] and violations(page) == []
            page.close()
    finally:
        down.close()


def test_embed_script_arriving_late_from_a_slow_host_adds_no_second_banner(
        browser: Any, tmp_path: Path) -> None:
    """base_url answers after 7 seconds: the line has asked the mirror meanwhile, whose
    copy shows the banner; the slow host's copy, arriving later out of the page, adds
    no second banner, in place or in a placeholder. The placeholder added meanwhile
    takes the banner from where the line stands, whichever copy fills it."""
    headers: dict[str, dict[str, str]] = {}
    with serving(tmp_path / "mirror") as mirror, \
            serving(tmp_path / "slow", delays={"embed.js": 7.0}) as slow, \
            serving(tmp_path / "portal", headers=headers) as portal:
        build_site(write_repo(tmp_path / "repo", slow.url, {
            "sign-in": incident("Sign-in failures")}, mirrors=(mirror.url,)), mirror.folder)
        build_site(write_repo(tmp_path / "repo", slow.url, {
            "sign-in": incident("Sign-in failures")}, mirrors=(mirror.url,)), slow.folder)
        line, csp = subscribe_snippet(mirror)
        page, watch = open_portal(browser, portal, headers, "slow.html", line, csp)
        page.wait_for_function("() => document.querySelector('outpost-banner')"
                               "?.shadowRoot?.querySelector('a')", timeout=15000)
        page.evaluate("document.body.append(Object.assign(document.createElement('div'), "
                      "{id: 'later'}))")
        page.evaluate("document.getElementById('later').setAttribute("
                      "'data-outpost-banner', '')")
        page.wait_for_function("() => document.getElementById('later')"
                               "?.shadowRoot?.querySelector('a')", timeout=5000)
        # Past the slow host's answer (7 s after the mirror was asked at 5 s).
        page.wait_for_timeout(8000)
        assert page.evaluate("document.querySelectorAll('outpost-banner').length") == 0
        assert page.evaluate("document.getElementById('later').shadowRoot"
                             ".querySelectorAll('a').length") == 1
        shown = banner(page, "#later")
        assert shown is not None and shown["text"] == "Partial outage: Sign-in failures"
        assert watch.page_errors == [] and violations(page) == []
        page.close()


@pytest.mark.parametrize("host", ["hanging", "refusing"])
def test_loader_never_holds_up_the_portal_when_the_host_is_down(browser: Any, tmp_path: Path,
                                                               host: str) -> None:
    """The recommended line adds embed.js after the portal's load event: a status host
    that accepts connections and never answers (which holds a script tag's or a frame's
    page for minutes) or refuses them costs the portal's load nothing."""
    down = hanging() if host == "hanging" else refusing()
    try:
        with serving(tmp_path / "portal") as portal:
            snippet = blocks("Script (recommended)", "html")[1]
            (portal.folder / "index.html").write_text(portal_page(
                snippet.replace(EXAMPLE_HOST + "/", url_of(down))))
            page = browser.new_page()
            watch = Watch(page)
            page.goto(portal.url, timeout=5000)  # waits for the load event
            assert page.evaluate(
                "performance.getEntriesByType('navigation')[0].loadEventEnd") < LOAD_BOUND_MS
            # The script was asked for, after load, beside the line.
            assert page.evaluate("document.querySelector('script[src$=\"/embed.js\"]')"
                                 ".previousElementSibling.tagName") == "SCRIPT"
            assert watch.page_errors == []
            page.close()
    finally:
        down.close()


def test_saved_copy_shows_on_a_day_every_host_is_down_from_your_own_copy_alone(
        browser: Any, tmp_path: Path) -> None:
    """With every host down, the saved copy showed from a portal's own copy of embed.js
    alone: the recommended line asks our hosts for the script too, which they no longer
    served (a browser keeps it minutes at most; stale-if-error is not applied), so the
    portal showed nothing while its storage held the banner. The README said the saved
    copy showed 'when every host fails'; it now says where the script must come from."""
    assert "on a day every\nhost is down the saved copy shows only where `embed.js` is your own" \
        in section_text()
    line = blocks("Script (recommended)", "html")[0]
    with serving(tmp_path / "portal") as portal:
        site = Server(tmp_path / "site")
        port = site.port
        build_site(write_repo(tmp_path / "repo", site.url, {
            "sign-in": incident("Sign-in failures")}), site.folder)
        shutil.copy(tmp_path / "site" / "embed.js", portal.folder / "embed.js")
        for name, snippet in (("line.html", line.replace(EXAMPLE_HOST + "/", site.url)),
                              ("own.html", '<script async src="embed.js"></script>')):
            (portal.folder / name).write_text(portal_page(snippet))
        page = browser.new_page()
        shown = "() => document.querySelector('outpost-banner')?.shadowRoot?.textContent"
        for name in ("line.html", "own.html"):
            page.goto(portal.url + name)
            page.wait_for_function(shown)
        site.close()
        down = refusing(port)
        try:
            page.goto(portal.url + "line.html")
            page.wait_for_timeout(3000)  # the refused script fails at once: time to show any
            assert page.evaluate(shown) is None
            assert page.evaluate("Object.keys(localStorage).length") == 1
            page.goto(portal.url + "own.html")
            page.wait_for_function(f"() => ({shown})()?.includes('last checked')")
        finally:
            down.close()
            page.close()


def test_loader_added_after_load_still_shows_the_banner(browser: Any, setup: Any) -> None:
    """A tag manager adds the line once the page has loaded: the load event it would
    wait for has passed, so it adds embed.js at once."""
    site, portal, _, _ = setup
    line = loader_script(site.url)
    adder = ("<script>addEventListener('load', () => setTimeout(() => {"
             "const s = document.createElement('script');"
             f"s.textContent = {json.dumps(line)};"
             "document.body.append(s); }, 200));</script>")
    (portal.folder / "late.html").write_text(portal_page(
        '<div data-outpost-banner></div>', adder))
    page = browser.new_page()
    watch = Watch(page)
    page.goto(portal.url + "late.html")
    page.wait_for_function("() => document.querySelector('[data-outpost-banner]')"
                           "?.shadowRoot?.querySelector('a')", timeout=10000)
    shown = banner(page, "[data-outpost-banner]")
    assert shown is not None
    assert shown["text"] == "Partial outage: Sign-in failures, and 1 more notice"
    assert watch.console_errors == [] and watch.page_errors == []
    page.close()


# The text of each banner on the page, in page order.
BANNERS_JS = """() => [...document.querySelectorAll('outpost-banner')]
  .map(b => b.shadowRoot?.querySelector('a')?.textContent)"""


def test_the_line_twice_for_one_site_shows_one_banner(browser: Any, setup: Any,
                                                      tmp_path: Path) -> None:
    """The line pasted twice with no placeholder (a page template and the page each
    adding it, or the line and the one-tag script) showed two banners, one under the
    other: each copy of embed.js rendered where it stood. The copies for one site show
    one banner, where the first to run stands; a line for another status site still
    shows that site's own."""
    site, portal, _, _ = setup
    line = f"<script>{loader_script(site.url)}</script>"
    with serving(tmp_path / "other") as other:
        build_site(write_repo(tmp_path / "other-repo", other.url,
                              {"db": incident("Database slow")}), other.folder)
        (portal.folder / "twice.html").write_text(portal_page(
            f'{line}<nav>Menu</nav>{line}<script async src="{site.url}embed.js"></script>'
            f"<script>{loader_script(other.url)}</script>"))
        page = browser.new_page()
        watch = Watch(page)
        page.goto(portal.url + "twice.html")
        page.wait_for_function("() => document.querySelectorAll('script[src$=\"embed.js\"]')"
                               ".length == 4", timeout=10000)
        page.wait_for_load_state("networkidle")
        page.wait_for_function(f"() => ({BANNERS_JS})().filter(Boolean).length >= 2",
                               timeout=10000)
        page.wait_for_timeout(500)
        assert sorted(page.evaluate(BANNERS_JS)) == [
            "Partial outage: Database slow",
            "Partial outage: Sign-in failures, and 1 more notice"]
        assert watch.console_errors == [] and watch.page_errors == []
        page.close()


def test_loader_never_throws_into_the_portal(browser: Any, setup: Any) -> None:
    """Run where it cannot know its own tag (in a module script there is no
    currentScript), the line does nothing, and throws nothing into the portal's page."""
    site, portal, _, _ = setup
    (portal.folder / "module.html").write_text(portal_page(
        f'<script type="module">{loader_script(site.url)}</script>'))
    page = browser.new_page()
    watch = Watch(page)
    page.goto(portal.url + "module.html")
    page.wait_for_timeout(500)
    assert page.evaluate("document.readyState") == "complete"
    assert watch.page_errors == [] and watch.console_errors == []
    page.close()


def test_loader_hands_its_nonce_on(browser: Any, setup: Any) -> None:
    """A portal whose policy allows scripts and styles by a nonce only, and no host: the
    line carries the nonce, embed.js gets it, and the banner's stylesheet too."""
    site, portal, headers, _ = setup
    line = f'<script nonce="n1">{loader_script(site.url)}</script>'
    csp = (f"default-src 'self'; script-src 'nonce-n1'; connect-src {site.url}; "
           "style-src 'nonce-n1'")
    styled_in_place(browser, portal, headers, "nonce.html", line, csp)


def test_placeholder_filled_by_a_script_loaded_in_the_head(browser: Any, tmp_path: Path) -> None:
    """"Load the script anywhere": from the page's head, the async script may run before
    the parser reaches the placeholder (here a slow script of the portal's holds the
    parser up). It rendered an invisible banner in <head> and left the placeholder empty."""
    placeholder, script = blocks("Script (recommended)", "html")[1].strip().split("\n")
    assert placeholder == "<div data-outpost-banner></div>"
    with serving(tmp_path / "site") as site, \
            serving(tmp_path / "portal", delays={"slow.js": 1.0}) as portal:
        build_site(write_repo(tmp_path / "repo", site.url, {
            "sign-in": incident("Sign-in failures")}), site.folder)
        (portal.folder / "slow.js").write_text("window.slow = 1;\n")
        (portal.folder / "index.html").write_text(portal_page(
            '<script src="slow.js"></script>' + placeholder,
            script.replace(EXAMPLE_HOST + "/", site.url)))
        page = browser.new_page()
        watch = Watch(page)
        page.goto(portal.url)
        page.wait_for_function(
            "() => document.querySelector('[data-outpost-banner]')?.shadowRoot?.querySelector('a')",
            timeout=10000)
        shown = banner(page, "[data-outpost-banner]")
        assert shown is not None and shown["text"] == "Partial outage: Sign-in failures"
        assert page.locator("outpost-banner").count() == 0  # nothing rendered in the head
        assert watch.console_errors == [] and watch.page_errors == []
        page.close()


def test_server_side_include_snippet(browser: Any, setup: Any) -> None:
    site, portal, headers, ssi = setup
    host = site.url.rstrip("/")
    (nginx,) = blocks("Server-side include", "nginx")
    location = re.search(r"location = (\S+) \{", nginx)
    upstream = re.search(r"proxy_pass (\S+);", nginx)
    assert location and upstream
    ssi[location[1]] = upstream[1].replace(EXAMPLE_HOST, host)
    (include,) = blocks("Server-side include", "html")
    page, watch = open_portal(browser, portal, headers, "ssi.shtml", include,
                              policy("Server-side include", host))
    link = page.locator(".outpost-banner a")
    assert link.inner_text() == "Partial outage: Sign-in failures, and 1 more notice"
    assert link.get_attribute("href") == site.url
    assert page.evaluate("getComputedStyle(document.querySelector('.outpost-banner'))"
                         ".backgroundColor") == ORANGE
    assert watch.console_errors == [] and watch.page_errors == []
    assert violations(page) == []


NGINX = """\
daemon off; master_process off; pid {prefix}/nginx.pid; error_log stderr;
events {{}}
http {{
  access_log off; default_type text/html;
  client_body_temp_path {prefix}; proxy_temp_path {prefix}; fastcgi_temp_path {prefix};
  uwsgi_temp_path {prefix}; scgi_temp_path {prefix};
  server {{
    listen 127.0.0.1:{port}; root {root};
{readme}
  }}
}}
"""


@contextmanager
def nginx_serving(tmp_path: Path, root: Path, readme: str) -> Iterator[str]:
    """A real nginx serving ``root`` with the README's SSI lines in its server block."""
    nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if nginx is None:
        pytest.skip("needs nginx (./scripts/test installs it)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    prefix = tmp_path / "nginx"
    prefix.mkdir(parents=True)
    conf = prefix / "nginx.conf"
    conf.write_text(NGINX.format(prefix=prefix, port=port, root=root, readme=readme))
    server = subprocess.Popen([nginx, "-e", "stderr", "-p", str(prefix), "-c", str(conf)],
                              stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            with socket.socket() as client:
                if client.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        server.communicate(timeout=10)


def test_server_side_include_adds_nothing_when_the_host_fails(
        browser: Any, tmp_path: Path) -> None:
    """The README's nginx lines in a real nginx: while the status host refuses, never
    answers or answers with an error page, the portal's page holds nothing where the
    banner goes, as the README says a server should include nothing when the fetch
    fails. nginx put its own '502 Bad Gateway' or '504 Gateway Time-out' page there,
    or the host's 404 page, headings and all, in the middle of the portal."""
    (config,) = blocks("Server-side include", "nginx")
    (include,) = blocks("Server-side include", "html")
    portal = tmp_path / "portal"
    portal.mkdir()
    (portal / "index.shtml").write_text(portal_page(include))
    (portal / "favicon.ico").write_bytes(b"")
    empty = tmp_path / "empty"  # a host up with no banner.html: its 404 page
    with serving(tmp_path / "site") as site, serving(empty) as missing:
        build_site(write_repo(tmp_path / "repo", site.url, {
            "sign-in": incident("Sign-in failures")}), site.folder)
        down, hung = refusing(), hanging()
        try:
            hosts = {"up": site.url, "refusing": url_of(down), "hanging": url_of(hung),
                     "404": missing.url}
            for name, host in hosts.items():
                readme = config.replace(EXAMPLE_HOST + "/", host)
                with nginx_serving(tmp_path / name, portal, readme) as url:
                    page = browser.new_page()
                    page.goto(url + "index.shtml")
                    between = page.evaluate("""() => [...document.body.children]
                        .filter(e => !['HEADER', 'MAIN'].includes(e.tagName))
                        .map(e => e.textContent.trim())""")
                    if name == "up":
                        assert between == ["Partial outage: Sign-in failures"]
                    else:
                        assert between == [], (name, between)
                    page.close()
        finally:
            down.close()
            hung.close()


def test_iframe_snippet(browser: Any, setup: Any) -> None:
    site, portal, headers, _ = setup
    host = site.url.rstrip("/")
    (snippet,) = blocks("Iframe", "html")
    page, watch = open_portal(browser, portal, headers, "iframe.html",
                              snippet.replace(EXAMPLE_HOST, host), policy("Iframe", host))
    link = page.frame_locator("iframe").locator("a")
    assert link.text_content() == "Partial outage: Sign-in failures, and 1 more notice"
    # The snippet's own style attribute applies: the frame has the documented size.
    size = page.evaluate("""() => { const f = document.querySelector('iframe');
        const r = f.getBoundingClientRect();
        return [r.width, r.height, getComputedStyle(f).borderTopWidth,
                f.parentElement.clientWidth]; }""")
    assert size == [size[3], iframe_height(), "0px", size[3]]
    assert violations(page) == []
    assert watch.console_errors == []
    link.click()
    page.wait_for_url(site.url)
    assert watch.page_errors == []


def test_badge_snippet(browser: Any, setup: Any) -> None:
    site, portal, headers, _ = setup
    host = site.url.rstrip("/")
    (snippet,) = blocks("Badge", "html")
    page, watch = open_portal(browser, portal, headers, "badge.html",
                              snippet.replace(EXAMPLE_HOST, host), policy("Badge", host))
    page.wait_for_function("() => document.querySelector('img').complete")
    assert page.evaluate("document.querySelector('img').naturalWidth") > 50
    assert watch.console_errors == [] and watch.page_errors == []
    assert violations(page) == []


def test_badge_never_holds_up_the_portal_when_the_host_hangs(browser: Any,
                                                            tmp_path: Path) -> None:
    """An image delays its page's load event until it arrives; from a status host that
    accepts connections and never answers, that was until the browser gave up
    (minutes). The portal's own load must come at once, whatever our host does."""
    stuck = hanging()
    try:
        with serving(tmp_path / "portal") as portal:
            (snippet,) = blocks("Badge", "html")
            (portal.folder / "index.html").write_text(
                portal_page(snippet.replace(EXAMPLE_HOST, url_of(stuck).rstrip("/"))))
            page = browser.new_page()
            watch = Watch(page)
            page.goto(portal.url, timeout=5000)  # waits for the load event
            assert page.evaluate(
                "performance.getEntriesByType('navigation')[0].loadEventEnd") < LOAD_BOUND_MS
            assert watch.page_errors == []
            page.close()
    finally:
        stuck.close()


def test_one_component_snippet(browser: Any, setup: Any) -> None:
    site, portal, headers, _ = setup
    host = site.url.rstrip("/")
    snippet = blocks("One component", "html")[0]
    assert 'data-component="customer-sites"' in snippet
    snippet = snippet.replace("customer-sites", "api")  # this test site's component id
    page, watch = open_portal(browser, portal, headers, "component.html",
                              snippet.replace(EXAMPLE_HOST, host),
                              policy("Script (recommended)", host))
    # A function, not an expression string: polling a string needs eval, which the CSP forbids.
    page.wait_for_function(
        "() => document.querySelector('[data-outpost-banner]')?.shadowRoot?.querySelector('a')")
    shown = banner(page, "[data-outpost-banner]")
    assert shown is not None and shown["text"] == API_UPGRADE
    assert watch.console_errors == [] and watch.page_errors == []
    assert violations(page) == []


# Each banner on the page: its placeholder's (or in-place element's) parent, and its words.
PLACED_JS = """() => [...document.querySelectorAll('*')].filter(e => e.shadowRoot)
  .map(e => [e.parentElement.tagName, e.shadowRoot.querySelector('a')?.textContent])"""


def test_site_and_component_banners_on_one_page(browser: Any, setup: Any) -> None:
    """A portal with the line in its header and a module taking the One component
    snippet showed the component's banner alone: its placeholder kept the line from
    rendering where it stood. The README says so, and gives the page that shows both."""
    site, portal, headers, _ = setup
    host = site.url.rstrip("/")
    header_line, module = blocks("Script (recommended)", "html")[0], blocks(
        "One component", "html")[0]
    page, _ = open_portal(browser, portal, headers, "both-lines.html",
                          f"<header>{header_line}</header><section>{module}</section>"
                          .replace(EXAMPLE_HOST, host).replace("customer-sites", "api"),
                          policy("Script (recommended)", host))
    page.wait_for_function("() => document.querySelector('[data-outpost-banner]')"
                           "?.shadowRoot?.querySelector('a')")
    page.wait_for_timeout(500)
    assert page.evaluate(PLACED_JS) == [["SECTION", API_UPGRADE]]
    assert "on a page\nthat has one, the line renders no banner where it stands" in (
        section_text())
    snippet = blocks("One component", "html")[1]
    for marked in ("<header><div data-outpost-banner></div></header>",
                   '<div data-outpost-banner data-component="customer-sites"></div>'):
        assert marked in snippet
    page, watch = open_portal(browser, portal, headers, "both.html",
                              snippet.replace(EXAMPLE_HOST, host)
                              .replace("customer-sites", "api"),
                              policy("Script (recommended)", host))
    page.wait_for_function("() => [...document.querySelectorAll('[data-outpost-banner]')]"
                           ".every(e => e.shadowRoot?.querySelector('a'))")
    assert page.evaluate(PLACED_JS) == [
        ["HEADER", "Partial outage: Sign-in failures, and 1 more notice"],
        ["SECTION", API_UPGRADE]]
    assert watch.console_errors == [] and watch.page_errors == []
    assert violations(page) == []


def iframe_height() -> int:
    """The height the README's iframe snippet gives the frame, in CSS pixels."""
    (snippet,) = blocks("Iframe", "html")
    found = re.search(r"height:(\d+)px", snippet)
    assert found
    return int(found[1])


# The framed page's size, and the first box of its line (the line, the title, what follows
# it) whose words it cuts.
FRAMED_JS = """() => {
  const doc = document.documentElement, a = document.querySelector('a');
  const text = [...a.querySelectorAll('span, bdi')].find(e => e.scrollWidth > e.clientWidth);
  return {height: doc.scrollHeight, overflowX: doc.scrollWidth - doc.clientWidth,
          cut: !!text, ellipsis: text && getComputedStyle(text).textOverflow, title: a.title,
          top: a.getBoundingClientRect().top};
}"""


@pytest.mark.parametrize("notices", ["long-incident", "maintenance"])
def test_framed_banner_fits_the_documented_height(browser: Any, tmp_path: Path,
                                                  notices: str) -> None:
    """On a phone as on a desktop, the framed banner is one line within the snippet's
    height (the rest ends in an ellipsis) and the link's title has every word."""
    if notices == "long-incident":
        files = {"sign-in": incident(LONG_TITLE), "api": maintenance("API upgrade")}
        words = f"Partial outage: {LONG_TITLE}, and 1 more notice"
    else:
        files, words = {"api": maintenance("API upgrade")}, API_UPGRADE
    height = iframe_height()
    with serving(tmp_path / "site") as site, serving(tmp_path / "portal") as portal:
        build_site(write_repo(tmp_path / "repo", site.url, files), site.folder)
        (snippet,) = blocks("Iframe", "html")
        (portal.folder / "index.html").write_text(
            portal_page(snippet.replace(EXAMPLE_HOST + "/", site.url)))
        for width in (320, 360, 1024):
            page = browser.new_page(viewport={"width": width, "height": 640})
            page.goto(portal.url)
            frame = page.frame_locator("iframe")
            link = frame.get_by_role("link", name=words)  # the whole text is its name
            assert link.text_content() == words
            box = page.locator("iframe").bounding_box()
            assert box is not None and box["height"] == height
            measured = page.frames[1].evaluate(FRAMED_JS)
            assert measured["height"] <= height, (width, measured)
            assert measured["overflowX"] == 0 and measured["top"] == 0
            assert measured["title"] == words
            if width < 1024:
                assert measured["cut"] and measured["ellipsis"] == "ellipsis", (width, measured)
            page.close()


# Adds up the page's layout shifts (those not caused by the reader's input).
SHIFT_JS = """window.__shift = 0;
new PerformanceObserver(list => { for (const e of list.getEntries())
  if (!e.hadRecentInput) window.__shift += e.value; }
).observe({type: 'layout-shift', buffered: true});"""


@pytest.mark.parametrize("width", [360, 1024])
def test_reserved_space_keeps_the_page_still(browser: Any, setup: Any, width: int) -> None:
    """The banner arrives after the portal's load event: in the space the README says
    to reserve, nothing on the page moves, on a first view and with a saved copy."""
    site, portal, _, _ = setup
    found = re.search(r"`(\[data-outpost-banner\]\{min-height:(\d+)px\})`", section_text())
    assert found, "the README's rule reserving the banner's height"
    placeholder = blocks("Script (recommended)", "html")[1]
    assert placeholder.startswith("<div data-outpost-banner>")
    placeholder = placeholder.replace(EXAMPLE_HOST + "/", site.url)
    shifts: dict[str, list[float]] = {}
    for name, head in (("bare", ""), ("reserved", f"<style>{found[1]}</style>")):
        (portal.folder / f"{name}.html").write_text(portal_page(placeholder, head))
        context = browser.new_context(viewport={"width": width, "height": 600})
        page = context.new_page()
        page.add_init_script(SHIFT_JS)
        shifts[name] = []
        for _view in range(2):  # a first view, then one with a saved copy
            page.goto(portal.url + f"{name}.html")
            page.wait_for_function("() => document.querySelector('[data-outpost-banner]')"
                                   "?.shadowRoot?.querySelector('a')")
            page.wait_for_timeout(300)
            shifts[name].append(page.evaluate("window.__shift"))
            height = page.evaluate("document.querySelector('[data-outpost-banner]')"
                                   ".getBoundingClientRect().height")
            assert height == int(found[2]), (name, height)
        context.close()
    assert shifts["bare"][0] > 0  # without a reservation the shift is there to measure
    assert shifts["reserved"] == [0, 0]


# A default Trusted Types policy that lets every script address through.
DEFAULT_TRUSTED_TYPES = ("<script>trustedTypes.createPolicy('default', "
                         "{createScriptURL: url => url});</script>")


def test_trusted_types_portals_have_an_embed_that_works(browser: Any, setup: Any) -> None:
    """Under require-trusted-types-for 'script' the line's setting of a script's address
    is blocked (and reported), so the README sends such portals to the script in one
    tag, which shows the banner under its own policy with Trusted Types on, or to a
    default policy letting the address through, with which the line works."""
    site, portal, headers, _ = setup
    host = site.url.rstrip("/")
    text = " ".join(section_text().split())
    assert ("So too under Trusted Types (`require-trusted-types-for 'script'`)" in text
            and "unless your page has a `default` policy whose `createScriptURL` lets "
            "the address through; the script in one tag needs none" in text)
    trusted = "; require-trusted-types-for 'script'"
    one_tag = blocks("Script in one tag", "html")[0].replace(EXAMPLE_HOST, host)
    styled_in_place(browser, portal, headers, "trusted.html", one_tag,
                    policy("Script in one tag", host) + trusted)
    # The line with a default policy: its own inline script is allowed by 'unsafe-inline'.
    line = blocks("Script (recommended)", "html")[0].replace(EXAMPLE_HOST, host)
    csp = policy("Script (recommended)", host).replace(
        "script-src 'self'", "script-src 'self' 'unsafe-inline'").replace(
        loader_hash(host + "/") + " ", "")
    styled_in_place(browser, portal, headers, "default-policy.html",
                    DEFAULT_TRUSTED_TYPES + line, csp + trusted)


# A single-page app's component rendered after load, as React's dangerouslySetInnerHTML
# and Vue's v-html insert it: its HTML set with innerHTML.
RENDER_LATER_JS = """<div id="app"></div><script>addEventListener('load', () => setTimeout(() => {
  document.getElementById('app').innerHTML = %s; }, 300));</script>"""


def test_single_page_app_takes_the_line_in_its_shell(browser: Any, setup: Any) -> None:
    """The line inside a component that the app inserts as HTML never runs (inline
    scripts inserted by innerHTML do not), so no banner came and nothing said why: the
    README says to put the line in the page the server sends, and the placeholder, in
    a component rendered later, then gets the banner."""
    site, portal, _, _ = setup
    text = " ".join(section_text().split())
    assert ("In a single-page app, put the line in the page your server sends (its "
            "`index.html`), not in a component" in text)
    placeholder, line = blocks("Script (recommended)", "html")[1].strip().split("\n")
    line = line.replace(EXAMPLE_HOST + "/", site.url)
    for name, component, shell in (("component", placeholder + line, ""),
                                   ("shell", placeholder, line)):
        # '<' escaped: the component's HTML sits inside the app's own script.
        render = RENDER_LATER_JS % json.dumps(component).replace("<", "\\u003c")
        (portal.folder / f"{name}.html").write_text(portal_page(render + shell))
        page = browser.new_page()
        watch = Watch(page)
        page.goto(portal.url + f"{name}.html")
        page.wait_for_selector("#app [data-outpost-banner]", state="attached")
        if name == "component":
            page.wait_for_timeout(1000)
            assert page.locator("script[src$='/embed.js']").count() == 0
        else:
            page.wait_for_function("() => document.querySelector('[data-outpost-banner]')"
                                   "?.shadowRoot?.querySelector('a')", timeout=10000)
            assert page.locator("outpost-banner").count() == 0  # shown once, in place
            shown = banner(page, "[data-outpost-banner]")
            assert shown is not None
            assert shown["text"] == "Partial outage: Sign-in failures, and 1 more notice"
        assert watch.page_errors == [] and watch.console_errors == []
        page.close()
