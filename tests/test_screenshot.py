"""The README screenshot command works: headless Debian Chromium photographs the example."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.browser
def test_screenshot_script_writes_a_png(tmp_path: Path) -> None:
    png = tmp_path / "shot.png"
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "screenshot.py"),
                           "--out", str(png)], capture_output=True, text=True, timeout=180,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"Wrote {png}\n"
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1000, 900)
    assert len(data) > 20_000  # a rendered page, not a blank one


def test_readme_shows_the_committed_screenshot() -> None:
    readme = (REPO / "README.md").read_text()
    assert "![The Open notifications page of the example site](docs/screenshot.png)" in readme
    assert (REPO / "docs" / "screenshot.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.browser
def test_phone_screenshot(tmp_path: Path) -> None:
    png = tmp_path / "phone.png"
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "screenshot.py"), "--phone",
                           "--out", str(png)], capture_output=True, text=True, timeout=180,
                          check=False)
    assert done.returncode == 0, done.stderr
    data = png.read_bytes()
    assert struct.unpack(">II", data[16:24]) == (390, 844)
    readme = (REPO / "README.md").read_text()
    assert "(docs/screenshot-phone.png)" in readme
    assert (REPO / "docs" / "screenshot-phone.png").read_bytes()[:4] == b"\x89PNG"
