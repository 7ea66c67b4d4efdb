"""Helpers for the banner-embed tests: loopback servers, test repos, a real Chromium.

The status site and the "portal" are served by separate http.server instances
on free loopback ports. A status host can also be "refusing" (a bound socket
that never listens) or "hanging" (a listening socket that never accepts).
"""

from __future__ import annotations

import re
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

from generator.app import project
from generator.build.builder import build
from generator.render.mediatypes import is_cross_origin_data

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
# The banner's words for maintenance("API upgrade") before its window.
API_UPGRADE = "Scheduled maintenance: API upgrade, Dec 5, 10:00 PM \u2013 Dec 6, 1:00 AM CST"
# A title too long for one line on a phone.
LONG_TITLE = ("Sign-in failures for staff and students on the portal, email and VPN after "
              "the identity provider's certificate rotation")
# The SSI directive the README's nginx example uses, and the location it proxies.
SSI = re.compile(r'<!--#include virtual="(?P<path>[^"]+)" -->')

# A page's load event, in ms, must come before this: well under the embed's 3-second
# fetch timeout, which a load waiting for a hanging host would reach (with room left
# for a loaded machine).
LOAD_BOUND_MS = 2500


class Handler(SimpleHTTPRequestHandler):
    """Static files; CORS on cross-origin data (as the real host's _headers do),
    extra headers and a delay (seconds) per path, and a tiny nginx-style SSI for
    *.shtml pages."""

    extra_headers: ClassVar[dict[str, dict[str, str]]] = {}
    delays: ClassVar[dict[str, float]] = {}
    ssi: ClassVar[dict[str, str]] = {}  # SSI virtual path -> proxied URL

    def end_headers(self) -> None:
        path = self.path.split("?", 1)[0].lstrip("/")
        if is_cross_origin_data(path):
            self.send_header("Access-Control-Allow-Origin", "*")
        extra = self.extra_headers.get(path, {})
        for name, value in extra.items():
            self.send_header(name, value)
        if "Cache-Control" not in extra:
            self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        time.sleep(self.delays.get(path.lstrip("/"), 0))
        if path.endswith(".shtml"):
            self._serve_ssi(Path(self.directory) / path.lstrip("/"))
            return
        super().do_GET()

    def _serve_ssi(self, file: Path) -> None:
        def include(match: re.Match[str]) -> str:
            url = self.ssi.get(match["path"])
            if url is None:
                return ""
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    return str(response.read().decode("utf-8"))
            except OSError:
                return ""  # as the README's nginx lines do: a failed include adds nothing

        body = SSI.sub(include, file.read_text()).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # aborted fetches break pipes: expected here


class Server:
    """A threaded static server on 127.0.0.1:<free port> for ``folder``."""

    def __init__(self, folder: Path, port: int = 0,
                 headers: dict[str, dict[str, str]] | None = None,
                 ssi: dict[str, str] | None = None,
                 delays: dict[str, float] | None = None) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        handler = type("BoundHandler", (Handler,), {
            "extra_headers": {} if headers is None else headers,
            "ssi": {} if ssi is None else ssi, "delays": {} if delays is None else delays})
        self.httpd = QuietServer(("127.0.0.1", port), partial(handler, directory=str(folder)))
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@contextmanager
def serving(folder: Path, **options: Any) -> Iterator[Server]:
    server = Server(folder, **options)
    try:
        yield server
    finally:
        server.close()


def refusing(port: int = 0) -> socket.socket:
    """A bound socket that never listens: connections are refused at once."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    return sock


def hanging(port: int = 0) -> socket.socket:
    """A socket that accepts connections (kernel backlog) and never answers."""
    sock = refusing(port)
    sock.listen(16)
    return sock


def url_of(sock: socket.socket) -> str:
    return f"http://127.0.0.1:{sock.getsockname()[1]}/"


CONFIG = """\
title: Portal Test Status
base_url: {base_url}
timezone: America/Chicago
components:
  - id: web
    name: Web
  - id: api
    name: API
mirrors: [{mirrors}]
"""


def write_repo(root: Path, base_url: str, notices: dict[str, str],
               mirrors: tuple[str, ...] = ()) -> Path:
    """A notices repository with the given notices (id -> file text)."""
    (root / "notices").mkdir(parents=True, exist_ok=True)
    (root / "outpost.yaml").write_text(
        CONFIG.format(base_url=base_url, mirrors=", ".join(mirrors)))
    for notice_id, text in notices.items():
        (root / "notices" / f"{notice_id}.md").write_text(text)
    return root


def build_site(root: Path, out: Path, now: datetime = NOW) -> Path:
    build(project(root), out, now)
    return out


INCIDENT = """\
---
title: {title}
type: incident
impact: major
components: [web]
---
## Investigating - 2026-11-28 05:30
We are looking into failed sign-ins.
"""

MAINTENANCE = """\
---
title: {title}
type: maintenance
components: [api]
start: {start}
end: {end}
---
## Scheduled - 2026-11-20 09:00
The API will be upgraded.
"""


def incident(title: str) -> str:
    return INCIDENT.format(title=title)


def maintenance(title: str, start: str = "2026-12-05 22:00", end: str = "2026-12-06 01:00"
                ) -> str:
    return MAINTENANCE.format(title=title, start=start, end=end)


PORTAL = """\
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Support Portal</title>
<link rel="icon" href="data:,">{head}</head>
<body><header><h1>Support Portal</h1></header>
{banner}
<main><p>Submit a case.</p></main>
</body></html>
"""


def portal_page(banner: str, head: str = "") -> str:
    return PORTAL.format(banner=banner, head=head)


def script_page(site_url: str) -> str:
    """A portal page with the one-tag script embed loaded from ``site_url``."""
    return portal_page(f'<script async src="{site_url}embed.js"></script>')


class Watch:
    """Records dialogs (dismissing them), console errors and uncaught page errors."""

    def __init__(self, page: Any) -> None:
        self.dialogs: list[str] = []
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        page.on("dialog", self._dialog)
        page.on("console", lambda m: self.console_errors.append(m.text)
                if m.type == "error" else None)
        page.on("pageerror", lambda e: self.page_errors.append(str(e)))

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


BANNER_JS = """(sel) => {
  const host = document.querySelector(sel);
  const root = host && host.shadowRoot;
  const a = root && root.querySelector('a');
  if (!a) return null;
  return {text: a.textContent, href: a.href, state: a.className,
          background: getComputedStyle(a).backgroundColor};
}"""

STYLE_JS = """(sel) => {
  const host = document.querySelector(sel);
  const root = host.shadowRoot || host;
  const out = {};
  for (const part of ['a', 'svg', 'b', 'span']) {
    const el = root.querySelector(part);
    const s = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    out[part] = ['color', 'backgroundColor', 'fontSize', 'fontFamily', 'fontWeight',
                 'display', 'paddingTop', 'paddingLeft', 'textDecorationLine', 'stroke',
                 'lineHeight'].map(k => k + '=' + s[k]).join(';')
                 + ';h=' + r.height.toFixed(1) + ';w=' + (part === 'svg' ? r.width : 0);
  }
  return out;
}"""


def banner(page: Any, selector: str = "outpost-banner") -> dict[str, str] | None:
    """The rendered embed banner's text, link, state and background, or None."""
    result: dict[str, str] | None = page.evaluate(BANNER_JS, selector)
    return result


def styles(page: Any, selector: str) -> dict[str, str]:
    """Computed styles of the banner's parts (inside the shadow root if any)."""
    result: dict[str, str] = page.evaluate(STYLE_JS, selector)
    return result
