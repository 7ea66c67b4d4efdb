#!/usr/bin/env python3
"""Regenerate docs/screenshot.png: the example site's Open notifications page.

    python3 scripts/screenshot.py [--out docs/screenshot.png] [--now 2026-11-28T12:00:00Z]

Builds this repository's example notices with a fixed clock into a temporary folder
and photographs index.html with headless Debian Chromium (Playwright).
"""

from __future__ import annotations

import argparse
import http.server
import tempfile
import threading
from datetime import datetime
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
NOW = "2026-11-28T12:00:00Z"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def build_example(out: Path, now_text: str) -> None:
    """Build the example site for ``now_text`` into ``out``."""
    from generator.app import project, schema
    from generator.build.builder import build
    from generator.core.times import parse_now

    now: datetime = parse_now(now_text, schema().load(REPO).timezone)
    build(project(REPO), out, now)


def screenshot(site: Path, png: Path, width: int = 1000, height: int = 900) -> None:
    """Serve ``site`` on a free loopback port and save a PNG of its index page."""
    from playwright.sync_api import sync_playwright

    handler = partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": width, "height": height},
                                    color_scheme="light", device_scale_factor=1)
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
            png.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(png), full_page=False)
            browser.close()
    finally:
        server.shutdown()
        server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshot.png")
    parser.add_argument("--now", default=NOW, help=f"The pinned clock (default {NOW}).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder) / "site"
        build_example(site, args.now)
        screenshot(site, args.out)
    print(f"Wrote {args.out}")


if __name__ == "__main__":
    main()
