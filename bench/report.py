"""The results table: machine, commit, measures against the issue's targets."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bench.measure import Result
from bench.run import SizeResults

# measure -> {count: (limit in seconds or MB, unit)}; from issue 8's table.
TIME_TARGETS: dict[str, dict[int, float]] = {
    "full build": {1000: 1.5, 10000: 10.0},
    "rebuild after one new update": {1000: 0.3, 10000: 0.5},
    "rebuild after one new update, a minute later": {1000: 0.3, 10000: 0.5},
    "rebuild, nothing changed": {1000: 0.2, 10000: 0.4},
    "`outpost update` (whole process)": {1000: 0.3, 10000: 0.5},
    "`outpost check`, first run (no cache)": {1000: 0.5, 10000: 3.0},
    "`outpost check`, cache warm": {1000: 0.5, 10000: 3.0},
}
MEMORY_TARGET = {1000: 200.0, 10000: 600.0}
UPLOAD_TARGET = 20


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (f"{cores} cores, {model}, Python {platform.python_version()} "
            f"({platform.python_implementation()}), {platform.system()} {platform.release()}")


def commit(repo: Path) -> str:
    done = subprocess.run(["git", "-C", str(repo), "log", "-1", "--format=%h %s"],
                          capture_output=True, text=True, check=False)
    dirty = subprocess.run(["git", "-C", str(repo), "status", "--porcelain", "--",
                            "generator"], capture_output=True, text=True, check=False)
    mark = " (generator/ has uncommitted changes)" if dirty.stdout.strip() else ""
    return (done.stdout.strip() or "unknown") + mark


def _mark(value: float, limit: float | None) -> str:
    if limit is None:
        return ""
    return " ✅" if value <= limit else f" ❌ (≤ {limit:g})"


def _time_cell(result: Result, limit: float | None) -> str:
    if result.seconds is None:
        return result.note or "n/a"
    cell = f"{result.seconds:.2f} s{_mark(result.seconds, limit)}"
    return cell + (f" — {result.note}" if result.note else "")


def _clean(cell: str) -> str:
    return cell.replace("|", "/").replace("\n", " ")


def table(sizes: Sequence[SizeResults]) -> list[str]:
    counts = [s.count for s in sizes]
    head = "| measure | " + " | ".join(f"{c:,} notices" for c in counts) + " |"
    lines = [head, "|---|" + "---|" * len(counts)]
    names = list(dict.fromkeys(name for s in sizes for name in s.rows))
    for name in names:
        cells = []
        for size in sizes:
            result = size.rows.get(name, Result(note="n/a"))
            cell = _time_cell(result, TIME_TARGETS.get(name, {}).get(size.count))
            if name in size.uploads:
                uploads = size.uploads[name]
                limit = UPLOAD_TARGET if "after one update" in name else None
                mark = _mark(float(uploads), limit) if uploads.isdigit() else ""
                cell += f", {uploads} objects uploaded{mark}"
            cells.append(cell)
        lines.append(f"| {name} | " + " | ".join(_clean(c) for c in cells) + " |")
    memory = []
    for size in sizes:
        full = size.rows.get("full build")
        peak = full.peak_mb if full else None
        memory.append("n/a" if peak is None
                      else f"{peak:.0f} MB{_mark(peak, MEMORY_TARGET.get(size.count))}")
    lines.append("| peak memory of a full build | " + " | ".join(memory) + " |")
    weights = list(dict.fromkeys(name for s in sizes for name in s.weights))
    for name in weights:
        lines.append(f"| {name} | " + " | ".join(s.weights.get(name, "n/a") for s in sizes)
                     + " |")
    return lines


def document(sizes: Sequence[SizeResults], runs: str, revision: str, load: float) -> str:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## Run of {stamp}",
        "",
        f"- Machine: {machine()}",
        f"- Commit: {revision} (generator/ was copied aside when the run started)",
        f"- Load average when the run started: {load:.1f} (then {os.getloadavg()[0]:.1f} at "
        "the end); other sessions share this machine, so times above the targets may be "
        "contention rather than Outpost.",
        f"- Each time is the median of {runs} runs of the whole command in a fresh process "
        "(`python -m generator ...`, start-up included); memory is the child's peak RSS "
        "(`wait4` ru_maxrss). Repositories: `bench/synth.py`, fixed seed, `--now "
        "2026-11-28T12:00:00Z`.",
        "- Targets from issue 8 are marked ✅ met or ❌ missed.",
        "",
        *table(sizes),
        "",
    ]
    return "\n".join(lines)


def write_results(path: Path, body: str, preamble: str) -> None:
    """Replace the run section of ``path`` and keep the hand-written notes above it."""
    notes = preamble
    if path.exists():
        text = path.read_text(encoding="utf-8")
        notes = text.split("\n## Run of ", 1)[0].rstrip("\n") + "\n"
    path.write_text(notes + "\n" + body, encoding="utf-8")


def stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
