#!/usr/bin/env python3
"""Regenerate docs/screenshot.png: the example site's Open notifications page.

    python3 scripts/screenshot.py [--out docs/screenshot.png] [--now 2026-11-28T12:00:00Z]
    python3 scripts/screenshot.py --phone   # docs/screenshot-phone.png, 390x844, mid-incident

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
PHONE_NOW = "2024-07-30 14:00"  # the example's Digicert incident, open
PHONE = (390, 844)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def build_example(out: Path, now_text: str) -> datetime:
    """Build the example site for ``now_text`` into ``out``; returns that time."""
    from generator.app import project, schema
    from generator.build.builder import build
    from generator.core.times import parse_now

    now: datetime = parse_now(now_text, schema().load(REPO).timezone)
    build(project(REPO), out, now)
    return now


def screenshot(site: Path, png: Path, now: datetime, width: int = 1000,
               height: int = 900) -> None:
    """Serve ``site`` on a free loopback port and save a PNG of its index page, with
    the browser's clock at the build time (the staleness line counts from it)."""
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
            page.clock.install(time=now)
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
            png.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(png), full_page=False)
            browser.close()
    finally:
        server.shutdown()
        server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="Where to write (default "
                        "docs/screenshot.png, or docs/screenshot-phone.png with --phone).")
    parser.add_argument("--now", help=f"The pinned clock (default {NOW}, or {PHONE_NOW} "
                        "with --phone).")
    parser.add_argument("--phone", action="store_true",
                        help=f"A {PHONE[0]}x{PHONE[1]} phone screen during the incident.")
    args = parser.parse_args()
    name = "screenshot-phone.png" if args.phone else "screenshot.png"
    out = args.out or REPO / "docs" / name
    now = args.now or (PHONE_NOW if args.phone else NOW)
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder) / "site"
        built = build_example(site, now)
        if args.phone:
            screenshot(site, out, built, *PHONE)
        else:
            screenshot(site, out, built)
    print(f"Wrote {out}")


if __name__ == "__main__":
    main()
