"""Helpers for the feed, calendar, API and headers tests: build a repo, serve a folder."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.conftest import Run


def write_notice(root: Path, name: str, text: str) -> None:
    (root / "notices" / f"{name}.md").write_text(text, encoding="utf-8")


def build(run: Run, root: Path, now: str, out: Path) -> Path:
    result = run(root, "build", "--out", str(out), "--now", now)
    assert result.exit_code == 0, result.output
    return out


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve ``folder`` over HTTP on 127.0.0.1 (a free port); yields the base URL."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


INCIDENT_OPEN = """\
---
title: Login failures
type: incident
impact: major
components: [web]
---
## Identified - 2026-11-28 05:30
We found the cause. <script>alert(1)</script> [x](javascript:alert(1))

## Investigating - 2026-11-28 05:00
Some users cannot sign in.
"""

MAINTENANCE_ACTIVE = """\
---
title: API upgrade
type: maintenance
components: [api]
start: 2026-11-28 05:00
end: 2026-11-28 09:00
---
## Scheduled - 2026-11-20 10:00
We will upgrade the API.
"""

MAINTENANCE_UPCOMING = """\
---
title: Web server move
type: maintenance
components: [web]
start: 2026-12-05 22:00
end: 2026-12-06 02:00
---
## Scheduled - 2026-11-21 10:00
We will move the web servers.
"""
