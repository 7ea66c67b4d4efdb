"""``outpost serve``: the site from memory on 127.0.0.1, rebuilt when a notice, template
or setting changes, and, with the clock running, when it changes the site by itself
(history.next_change), with the open tab reloading itself.

Each file is answered with the headers the site's ``_headers`` gives its URL (CORS,
nosniff, the pages' Content-Security-Policy), so a portal on another port can try
the embeds against the preview. Cache-Control differs: nothing is cached; and CORS
is granted to pages of this machine only, since the preview shows drafts.

The reload script is added only to the site's own pages served here (never to the
embed pages other sites frame, nor to a build); their Content-Security-Policy is
widened by exactly what it needs. A broken notice turns every page into a list of
its problems until it is fixed; the server keeps running.
"""

from __future__ import annotations

import errno
import html
import ipaddress
import os
import secrets
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from generator.build.cache import PagesInMemory
from generator.build.inputs import Project, load_valid
from generator.build.options import BuildOptions
from generator.build.pipeline import render_site
from generator.core.errors import OutpostError, ProblemsFound
from generator.core.history import next_change
from generator.core.timeline import future_updates
from generator.core.times import display_with_zone
from generator.notices.loader import LEFTOVERS, ignored
from generator.render.headers import Rules, header_rules, headers_for
from generator.render.mediatypes import content_type, is_page
from generator.render.pages import script_hash

VERSION_PATH = "/__outpost/version"
# The preview runs threads (the server, the watcher): a build here never forks.
PREVIEW = BuildOptions(fork=False)
WATCHED = ("notices", "templates")
# The same text for every version (which it reads from its tag), so that one hash
# in the Content-Security-Policy allows it.
_RELOAD = """/* outpost serve: live reload, preview only */
(function () {
  var seen = document.currentScript.getAttribute("data-version");
  function poll() {
    fetch("VERSION_PATH", {cache: "no-store"}).then(function (r) { return r.text(); })
      .then(function (v) { if (v !== seen) { location.reload(); } else { setTimeout(poll, 500); } })
      .catch(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 500);
})();
""".replace("VERSION_PATH", VERSION_PATH)
RELOAD_HASH = script_hash(_RELOAD)
CSP = "Content-Security-Policy"
CORS = "Access-Control-Allow-Origin"
# Set by the preview itself, over the site's rules: the type of what it answers with
# (404.html, the problems page), and no caching, so a rebuild shows at once.
_PREVIEW_OWN = ("Content-Type", "Cache-Control")


def allow_reload(policy: str) -> str:
    """``policy`` widened by what the reload script needs, and nothing else: its hash
    in script-src and the version check (same origin) in connect-src. A directive
    the policy lacks starts from its default-src; without one, it is not restricted."""
    directives = [d.strip() for d in policy.split(";") if d.strip()]
    sources = {d.split()[0].lower(): d.split()[1:] for d in directives}
    for name, needed in (("script-src", RELOAD_HASH), ("connect-src", "'self'")):
        base = sources.get(name, sources.get("default-src"))
        if base is None or needed in base:
            continue
        line = " ".join([name, *(s for s in base if s != "'none'"), needed])
        if name in sources:
            directives = [line if d.split()[0].lower() == name else d for d in directives]
        else:
            directives.append(line)
    return "; ".join(directives)


# Problems a rebuild names in the terminal; the preview page lists every one.
SHOWN_PROBLEMS = 20


class Preview:
    """The current site in memory. ``version`` changes whenever the output does."""

    def __init__(self, project: Project, clock: Callable[[], datetime]) -> None:
        self.project = project
        self.root = project.root
        self.clock = clock
        self.lock = threading.Lock()
        self.files: dict[str, bytes] = {}
        self.rules: Rules = []  # the site's _headers rules for ``files``
        self.problems: list[str] = []
        self.version = 0
        # When the site next changes with the clock alone (history.next_change); None
        # while a problem stands. Watcher and timer threads build one at a time.
        self.due: datetime | None = None
        self.building = threading.Lock()
        # A tab left open while the preview was restarted holds the old process's
        # version: counted from 1 again, the same number kept it on the old page after
        # edits made meanwhile. The open tab compares this process's own with it.
        self.session = secrets.token_hex(4)
        # The path the site is served under ('/status/' for a base_url with a path): the
        # site answers there too, so root-absolute links (the 404 page's) work here.
        self.base_path = "/"
        self.zone = ZoneInfo("UTC")  # the site's, once built
        # The last render's pages: an edit renders again only the pages it changes (a
        # whole render took 10-12 s per saved edit at 10,000 notices).
        self.pages: PagesInMemory | None = None

    def rebuild(self) -> str:
        """Build again; returns what to say in the terminal: how many files, each on its
        line after them an update dated ahead of the clock, as check warns of it; or each
        problem on its line (the first SHOWN_PROBLEMS)."""
        with self.building:
            return self._rebuild()

    def rebuild_if_due(self) -> str | None:
        """Build again if the clock has reached the moment the site changes by itself (a
        maintenance window opening, say); what to say in the terminal, else None."""
        with self.building:
            now = self.clock()
            if self.due is None or now < self.due:
                return None
            return f"It is {display_with_zone(now, self.zone)}: {self._rebuild()}"

    def _rebuild(self) -> str:
        files: dict[str, bytes] | None = None
        ahead: list[str] = []
        self.due = None
        try:
            checked = load_valid(self.project, "The preview shows these until they are fixed.",
                                 PREVIEW)
            now = self.clock()
            pages = PagesInMemory(checked.digests, self.pages)
            files = dict(render_site(checked.config, checked.notices, now,
                                     self.project.recipe(), templates=self.root,
                                     notice_digests=checked.digests, cache=pages).files)
            self.pages = pages
            self.base_path = checked.config.base_path
            self.zone = checked.config.timezone
            self.due = next_change(checked.notices, now, self.zone)
            # Hidden from the preview as from the site until then: a year typed wrong
            # left the page without the update just saved, and nothing said why.
            ahead = [p.as_warning() for p in future_updates(checked.notices, now, self.zone)]
            problems: list[str] = []
        except ProblemsFound as exc:
            problems = [str(p) for p in exc.problems]
        except OutpostError as exc:
            problems = [exc.format_message()]
        except Exception as exc:  # a template or plug-in failing must not stop the preview
            problems = [f"build failed: {type(exc).__name__}: {exc}"]
        rules = header_rules(list(files)) if files is not None else None
        with self.lock:
            changed = problems != self.problems or (files is not None and files != self.files)
            if files is not None and rules is not None:
                self.files, self.rules = files, rules
            self.problems = problems
            if changed:
                self.version += 1
        if len(problems) == 1:
            return f"1 problem: {problems[0]}"
        if problems:  # each on its line, as check prints them; the page lists them all
            shown = problems[:SHOWN_PROBLEMS]
            more = len(problems) - len(shown)
            return "\n  ".join([f"{len(problems)} problems:", *shown]) + (
                f"\n  ... and {more} more on the preview page" if more else "")
        return "\n  ".join([f"Built {len(self.files)} files", *ahead])

    def stamp(self) -> str:
        """What the open tab compares: this process's own, and its version."""
        return f"{self.session}.{self.version}"

    def reload_script(self) -> bytes:
        return f'<script data-version="{self.stamp()}">{_RELOAD}</script>\n'.encode()

    def problems_page(self) -> bytes:
        items = "\n".join(f"<li><code>{html.escape(p)}</code></li>" for p in self.problems)
        page = ("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                "<title>Problems | outpost serve</title>\n</head>\n<body>\n"
                "<main style=\"font-family: sans-serif; max-width: 50rem; margin: 2rem auto\">\n"
                "<h1>The site cannot be built</h1>\n"
                "<p>Fix these and save: this page reloads by itself.</p>\n"
                f"<ul class=\"problems\">\n{items}\n</ul>\n</main>\n</body>\n</html>\n")
        return page.encode("utf-8")

    def respond(self, url_path: str, origin: str | None = None
                ) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body for a GET of ``url_path``, asked for by a page of
        ``origin`` (its Origin header), if any."""
        parts = urlsplit(url_path)
        raw, query = parts.path, f"?{parts.query}" if parts.query else ""
        path = unquote(raw)
        headers = {"Cache-Control": "no-store"}
        if path == VERSION_PATH:
            with self.lock:
                body = self.stamp().encode()
            return 200, {**headers, "Content-Type": "text/plain; charset=utf-8"}, body
        asked = path
        with self.lock:
            files, problems, rules = self.files, self.problems, self.rules
        if self.base_path != "/" and asked == self.base_path[:-1]:  # '/status'
            return 301, {**headers, "Location": self.base_path + query}, b""
        if (self.base_path != "/" and asked.startswith(self.base_path)
                and _name(asked) not in files):  # the site's own files first: a base
            path = "/" + asked[len(self.base_path):]  # path may be a folder of the site
        name = _name(path)
        if name not in files and f"{name}/index.html" in files:
            # Still encoded: '/%2Fnotices/x' decoded is '//notices/x', which a browser
            # reads as the address of another host, 'notices'.
            # The query kept: a link's '?utm_source=...' or a test's own parameter.
            return 301, {**headers, "Location": raw + "/" + query}, b""
        status = 200
        site: dict[str, str] = {}
        if problems and (name.endswith(".html") or name not in files):
            body, status, name = self.problems_page(), 500, "problems.html"
        else:
            # A host matches the URL asked for, whether the file or 404.html answers.
            site = headers_for(rules, path)
            if name in files:
                body = files[name]
            else:
                body, status, name = files.get("404.html", b"Not found\n"), 404, "404.html"
        headers = {"Content-Type": content_type(name), **headers,
                   **{key: value for key, value in site.items() if key not in _PREVIEW_OWN}}
        if CORS in headers:  # drafts: readable by pages on this machine only, not any site
            if origin is not None and _loopback(origin):
                headers[CORS] = origin
            else:
                del headers[CORS]
        if is_page(name):  # not the banners nor embed/: other sites include or frame them
            body = body.replace(b"</body>", self.reload_script() + b"</body>", 1)
            if CSP in headers:
                headers[CSP] = allow_reload(headers[CSP])
        return status, headers, body


def _name(path: str) -> str:
    """The file a URL path asks for: a folder's index.html."""
    name = path.lstrip("/")
    return name + "index.html" if name == "" or name.endswith("/") else name


def is_loopback(host: str | None) -> bool:
    """Whether ``host`` (a name or an address, an IPv6 one with or without brackets)
    stands for this machine only: 'localhost', 127.0.0.0/8, ::1."""
    if host is None:
        return False
    name = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if name.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _loopback(origin: str) -> bool:
    """An origin served from this machine (a portal tried out on another port)."""
    try:
        return is_loopback(urlsplit(origin).hostname)
    except ValueError:
        return False


def _foreign_name(host: str | None, bound: str) -> str | None:
    """The name a request to a preview on this machine only was sent to, if it is not
    one of this machine's (its Host header): DNS rebinding, a page of another site
    whose name now leads here, reading the drafts as its own origin."""
    if host is None or not is_loopback(bound):
        return None
    try:
        name = urlsplit(f"//{host}").hostname
    except ValueError:
        return host
    return None if is_loopback(name) else (name or host)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _send(self, with_body: bool) -> None:
        bound, port = str(self.server.server_address[0]), self.server.server_address[1]
        foreign = _foreign_name(self.headers.get("Host"), bound)
        if foreign is not None:
            status, headers = 403, {"Content-Type": "text/plain; charset=utf-8"}
            shown = f"[{bound}]" if ":" in bound else bound
            body = (f"This preview answers only to http://{shown}:{port}/ (or localhost): "
                    f"not to {foreign}.\n").encode()
        else:
            status, headers, body = self.server.preview.respond(self.path,
                                                                self.headers.get("Origin"))
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def do_GET(self) -> None:
        self._send(True)

    def do_HEAD(self) -> None:
        self._send(False)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the terminal shows rebuilds, not every request


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], preview: Preview) -> None:
        # An IPv6 address (--host ::1) needs an IPv6 socket; the base class is IPv4 only.
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)
        self.preview = preview

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client gone before its answer was written (a tab closed or reloaded while
        the page loaded) is not an error of the preview: the terminal, where rebuilds
        and problems are named, got a Python traceback for each."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def relevant(root: Path, path: str) -> bool:
    """A change that affects the site: outpost.yaml, notices/, templates/ (not temp files,
    nor the editor leftovers there that no build reads: an autosave such as emacs's
    '#x.md#', written as one types, rebuilt the preview and, the clock having moved, reloaded
    the open tab)."""
    try:
        parts = Path(path).relative_to(root).parts
    except ValueError:
        return False
    if not parts or any(part.startswith(".") for part in parts):
        return False
    if len(parts) == 2 and parts[0] == "notices" and ignored(parts[1]):
        return False
    if parts[0] == "templates" and LEFTOVERS.fullmatch(parts[-1]):  # a template's '_' name
        return False  # is read: only the leftovers are skipped here
    return parts == ("outpost.yaml",) or parts[0] in WATCHED


def watched_folders(root: Path) -> list[Path]:
    """The folders whose entries a build reads, each watched by itself: the repository's
    own (outpost.yaml, and notices/ or templates/ made or removed), notices/, templates/
    and the folders in it. Watching the whole repository took a watch per folder of
    site/, .git and a virtualenv: past the system's limit the watcher stopped, and the
    preview never rebuilt again; and it saw an edit inside a symlinked templates/ under
    the folder it leads to, not as a template."""
    folders = [root]
    for name in WATCHED:
        top = root / name
        # One leading out of the repository is never read (the build names it): its
        # folders, perhaps all of /usr, are not walked either.
        if not top.is_dir() or not top.resolve().is_relative_to(root.resolve()):
            continue
        folders.append(top)
        for parent, names, _ in os.walk(top):  # a symlinked folder is watched, not entered
            names[:] = sorted(n for n in names if not n.startswith("."))
            folders.extend(Path(parent, n) for n in names)
    return folders


def watch(root: Path, stop: threading.Event, ready: threading.Event) -> Iterator[set[str]]:
    """Batches of changed paths that matter, until ``stop`` is set. ``ready`` is set
    once the watcher runs, so no change made after it is missed. A folder made or
    removed among those watched starts a new watcher over the new set; its batch is
    given once that one runs, so the build it asks for sees what the new folder holds."""
    import watchfiles

    pending: set[str] = set()
    while not stop.is_set():
        folders = watched_folders(root)
        known = {str(folder) for folder in folders}
        try:
            for changes in watchfiles.watch(*folders, recursive=False, stop_event=stop,
                                            debounce=200, step=50, rust_timeout=300,
                                            yield_on_timeout=True,
                                            watch_filter=lambda _, path: relevant(root, path)):
                ready.set()
                fresh = {path for _, path in changes}
                if any(path in known or Path(path).is_dir() for path in fresh):
                    pending |= fresh
                    break
                if pending | fresh:
                    yield pending | fresh
                pending = set()
        except FileNotFoundError as exc:  # a folder removed while the watcher started
            pending.add(exc.filename or str(root))


def serve(project: Project, host: str, port: int, clock: Callable[[], datetime],
          say: Callable[[str], None]) -> None:
    """Build, serve and rebuild on changes until interrupted."""
    root = project.root
    if host.startswith("[") and host.endswith("]"):  # an IPv6 address as URLs write it
        host = host[1:-1]
    if not host:  # the socket would take it for every address, and say ':8000'
        raise OutpostError("--host is empty: give an address of this machine (127.0.0.1, "
                           "the default, or 0.0.0.0 for every one)")
    preview = Preview(project, clock)
    try:
        # Before the first build, which takes a while on a big site: a busy port is
        # named at once. Requests wait until it is served.
        server = _Server((host, port), preview)
    except OSError as exc:
        # A busy or privileged port, or an address that is not this machine's (or no
        # address at all): say which option to change.
        port_taken = exc.errno == errno.EADDRINUSE or isinstance(exc, PermissionError)
        hint = ("choose another port with --port" if port_taken
                else "give an address of this machine with --host")
        raise OutpostError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; "
                           f"{hint}") from None
    bound_host, bound_port = str(server.server_address[0]), int(server.server_address[1])
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    stop, ready = threading.Event(), threading.Event()

    def rebuild_on_changes() -> None:
        for changed in watch(root, stop, ready):
            names = ", ".join(sorted(Path(p).name for p in changed))
            say(f"Changed {names}: {preview.rebuild()}")

    def rebuild_on_time() -> None:
        # Asked each second, not slept until due: a rebuild on a change meanwhile may
        # bring it closer (a window moved to start now).
        while not stop.wait(1.0):
            said = preview.rebuild_if_due()
            if said is not None:
                say(said)

    # Stopped (Ctrl-C, SIGTERM) at any point from here, the preview ends as it should,
    # with "Stopped.": also while it builds, or just after it says where it serves.
    try:
        # The watcher runs before the first build: a change saved meanwhile (the first
        # build takes a while on a big site) is built after it, as any other. Started
        # after it, a second whole build had to catch up on such changes before the
        # first answer (36 s at 10,000 notices instead of 18).
        watcher = threading.Thread(target=rebuild_on_changes, name="outpost-watch",
                                   daemon=True)
        watcher.start()
        ready.wait(timeout=10)
        say(preview.rebuild())
        threading.Thread(target=rebuild_on_time, name="outpost-clock", daemon=True).start()
        if not is_loopback(host):
            say(f"Warning: listening on {host}: other machines can read this preview.")
        say(f"Serving http://{shown}:{bound_port}/ (Ctrl+C to stop)")
        if preview.base_path != "/":
            say(f"The site is at http://{shown}:{bound_port}{preview.base_path} too, as "
                "base_url serves it.")
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        say("Stopped.")
    finally:
        stop.set()
        server.server_close()
