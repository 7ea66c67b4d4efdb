"""Golden snapshot of the example site's core pages (Pelican style).

The example notices are built with the pinned clock and every core page is compared
byte for byte with tests/golden/example/. After an intended change, regenerate with

    OUTPOST_REGEN_GOLDEN=1 python -m pytest tests/test_core_golden.py

and review the diff of tests/golden/ like code.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import FIXED_NOW, Run

GOLDEN = Path(__file__).parent / "golden" / "example"
# Pages the core owns; feeds, API files and the like belong to other tests.
CORE = re.compile(r"(index\.html|404\.html|closed/(.+/)?index\.html|notices/[^/]+/index\.html"
                  r"|subscribe/index\.html|components/[^/]+/index\.html"
                  r"|assets/outpost\.[0-9a-f]+\.css)")


def core_files(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and CORE.fullmatch(path.relative_to(folder).as_posix())
    }


def test_example_site_matches_golden(example_repo: Path, run: Run, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run(example_repo, "build", "--out", str(out), "--now", FIXED_NOW)
    assert result.exit_code == 0, result.output
    built = core_files(out)
    if os.environ.get("OUTPOST_REGEN_GOLDEN") == "1":
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for name, data in built.items():
            (GOLDEN / name).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / name).write_bytes(data)
        pytest.skip(f"regenerated {len(built)} golden files in {GOLDEN}")
    expected = core_files(GOLDEN)
    assert sorted(built) == sorted(expected), "the set of core pages changed"
    for name, data in built.items():
        if data != expected[name]:
            diff = difflib.unified_diff(
                expected[name].decode().splitlines(), data.decode().splitlines(),
                f"golden/{name}", f"built/{name}", lineterm="", n=2)
            pytest.fail(f"{name} differs from the golden copy (regenerate with "
                        "OUTPOST_REGEN_GOLDEN=1 if intended):\n" + "\n".join(diff))


def test_golden_covers_the_example() -> None:
    names = set(core_files(GOLDEN))
    assert {"index.html", "404.html", "closed/index.html"} <= names
    notices = {n for n in names if n.startswith("notices/")}
    assert len(notices) == len(list((GOLDEN.parents[2] / "notices").glob("*.md")))
