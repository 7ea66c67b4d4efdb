"""Fixtures shared across test modules (registered by conftest's pytest_plugins):
one Chromium per module, and the loopback SMTP and webhook servers."""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.notify_repo import make_repo
from tests.notify_servers import HookServer, MailServer, hook_server, mail_server

# Each character of an element's text (its text nodes in order) with the left edge it is
# drawn at: where a right-to-left title's characters land among English words.
CHARACTERS_OF = """e => { const out = [];
  const walker = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) { const node = walker.currentNode;
    for (let i = 0; i < node.data.length; i++) { const r = document.createRange();
      r.setStart(node, i); r.setEnd(node, i + 1);
      out.push([node.data[i], r.getBoundingClientRect().left]); } }
  return out; }"""
RTL_TITLE = "השרת לא זמין (גרסה 2)."  # The server is down (version 2).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


# Moves a document's Date by a fixed shift (milliseconds), so that its clock reads the
# moment a BrowserAt was asked for and runs on from there. Only Date: Playwright's own
# clock also replaces performance (its timings gone) and announces itself in sandboxed
# frames as a script the sandbox blocked, which the embed tests count as a fault.
SHIFT_DATE_JS = """(() => { const Real = Date;
  // A clock the test installed (page.clock, its state in __pwClock) decides the time.
  const now = () => Real.now() + (globalThis.__pwClock ? 0 : %d);
  function Shifted(...args) {
    if (!new.target) return new Real(now()).toString();
    return args.length ? new Real(...args) : new Real(now()); }
  Shifted.prototype = Real.prototype;
  // Not enumerable, as Date's own are: a clock installed later copies the enumerable.
  for (const [name, value] of [['now', now], ['parse', Real.parse], ['UTC', Real.UTC]])
    Object.defineProperty(Shifted, name, {value, writable: true, configurable: true});
  globalThis.Date = Shifted; })();"""


class BrowserAt:
    """The browser, with every context and page it opens reading ``moment`` off its clock
    (which then runs on): a page's script that judges by the time, as the script banner
    dropping a maintenance that is over does, sees the site's pinned build time whatever
    day the tests run. A test may still install a clock of its own."""

    def __init__(self, browser: Any, moment: datetime) -> None:
        self._browser = browser
        self._script = SHIFT_DATE_JS % round((moment.timestamp() - time.time()) * 1000)

    def new_context(self, **options: Any) -> Any:
        context = self._browser.new_context(**options)
        context.add_init_script(self._script)
        return context

    def new_page(self, **options: Any) -> Any:
        page = self._browser.new_page(**options)
        page.add_init_script(self._script)
        return page

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (browser downloads are not possible here)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium (./scripts/test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def smtp() -> Iterator[MailServer]:
    yield from mail_server()


@pytest.fixture
def hooks() -> Iterator[HookServer]:
    yield from hook_server()


def notify_repo_for(tmp_path: Path, smtp: MailServer, hooks: HookServer,
                    monkeypatch: pytest.MonkeyPatch) -> Path:
    """A notices repo whose notify: section points at these servers; no SMTP login."""
    monkeypatch.setenv("TEST_CHAT_URL", hooks.url("/slack"))
    monkeypatch.delenv("OUTPOST_SMTP_USERNAME", raising=False)
    monkeypatch.delenv("OUTPOST_SMTP_PASSWORD", raising=False)
    return make_repo(tmp_path, smtp.port, hooks.port)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder without logging every request."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serving(folder: Path) -> Iterator[str]:
    """``folder`` served on a free loopback port while the block runs: its URL."""
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def servers(sites: dict[str, Path]) -> Iterator[dict[str, str]]:
    """One loopback HTTP server per folder of the requesting module's ``sites``."""
    running, urls = [], {}
    for name, folder in sites.items():
        handler = functools.partial(QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        running.append(server)
        urls[name] = f"http://127.0.0.1:{server.server_port}/"
    yield urls
    for server in running:
        server.shutdown()
        server.server_close()
