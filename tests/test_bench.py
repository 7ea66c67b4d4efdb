"""The benchmark harness works (quick mode); it never asserts on timings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench import synth
from bench.report import write_results
from bench.run import page_weights
from tests.conftest import Run

REPO = Path(__file__).resolve().parent.parent


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_synthetic_repo_is_deterministic_and_valid(tmp_path: Path, run: Run) -> None:
    first = synth.make_repo(tmp_path / "a", 100)
    second = synth.make_repo(tmp_path / "b", 100)
    assert _tree(first) == _tree(second)
    assert len(list((first / "notices").glob("*.md"))) == 100
    result = run(first, "check")
    assert result.output == "OK: outpost.yaml and 100 notices are valid.\n"
    result = run(first, "build", "--out", str(tmp_path / "site"), "--now", synth.NOW)
    assert result.exit_code == 0, result.output
    index = (tmp_path / "site" / "index.html").read_text()
    assert "Sign-in errors for some districts" in index  # the hot notice is open
    synth.add_update(first, 1)
    result = run(first, "build", "--out", str(tmp_path / "site"), "--now", synth.NOW)
    page = (tmp_path / "site" / "notices" / synth.HOT_NOTICE / "index.html").read_text()
    assert "Still working on it (update 1)." in page
    weights = page_weights(tmp_path / "site")
    assert weights["Open page HTML + CSS (gzip)"].endswith(" KB")
    assert weights["largest page (gzip)"].endswith("`)")


def test_page_weights_report_missing_files(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_bytes(b"<p>hi</p>")
    weights = page_weights(tmp_path)
    assert weights["`embed.js` (gzip)"] == "missing"
    assert weights["`banner.html` (gzip)"] == "missing"


def test_write_results_keeps_notes_and_replaces_the_run(tmp_path: Path) -> None:
    path = tmp_path / "RESULTS.md"
    write_results(path, "## Run of 1\n\nfirst\n", "# Notes\n")
    path.write_text(path.read_text().replace("# Notes", "# Notes\n\nhand-written"))
    write_results(path, "## Run of 2\n\nsecond\n", "# Notes\n")
    text = path.read_text()
    assert "hand-written" in text and "second" in text and "first" not in text


def test_quick_mode_writes_a_table(tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--results", str(results),
         "--work", str(tmp_path / "work")],
        cwd=REPO, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    text = results.read_text()
    assert "| measure | 100 notices |" in text
    for row in ("full build", "rebuild, nothing changed", "rebuild after one new update",
                "`outpost check`, first run (no cache)", "`outpost check`, cache warm",
                "`outpost update` (whole process)",
                "peak memory of a full build", "Open page HTML + CSS (gzip)"):
        line = next(line for line in text.splitlines() if line.startswith(f"| {row} |"))
        assert " s" in line or " MB" in line or " KB" in line, line
        assert "failed" not in line, line
    assert "- Machine: " in text and "- Commit: " in text
    assert done.stdout.strip().startswith("## Run of ")
