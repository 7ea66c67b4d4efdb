"""Running one measured command in a child process: wall time and peak memory."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.synth import NOW


@dataclass(frozen=True)
class Sample:
    seconds: float
    peak_mb: float  # the child's maximum resident set size
    output: str = ""


@dataclass(frozen=True)
class Result:
    """The median of several samples, or why there is none."""

    samples: tuple[Sample, ...] = ()
    note: str = ""  # "not yet available", "failed: ..."

    @property
    def seconds(self) -> float | None:
        return statistics.median(s.seconds for s in self.samples) if self.samples else None

    @property
    def peak_mb(self) -> float | None:
        return statistics.median(s.peak_mb for s in self.samples) if self.samples else None


class CommandFailed(Exception):
    pass


def outpost(root: Path, *args: str) -> list[str]:
    """The argv of ``outpost --root ROOT ARGS`` with this interpreter."""
    return [sys.executable, "-m", "generator", "--root", str(root), *args]


def build_args(root: Path, out: Path, now: str = NOW) -> list[str]:
    return outpost(root, "build", "--out", str(out), "--now", now)


def run_once(argv: Sequence[str], env: dict[str, str] | None = None,
             cwd: Path | None = None) -> Sample:
    """Run ``argv`` to completion; its wall time and ru_maxrss (via wait4)."""
    start = time.perf_counter()
    proc = subprocess.Popen(list(argv), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env=env, cwd=cwd or Path(tempfile.gettempdir()))
    assert proc.stdout is not None
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stdout.close()
    if proc.returncode != 0:
        tail = output.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise CommandFailed(f"{' '.join(argv[2:4])}... exit {proc.returncode}: "
                            + " | ".join(tail))
    return Sample(seconds, usage.ru_maxrss / 1024, output.decode("utf-8", "replace"))


def repeat(runs: int, argv: Callable[[int], Sequence[str]],
           before: Callable[[int], None] | None = None,
           env: dict[str, str] | None = None) -> Result:
    """``runs`` samples; ``before(i)`` prepares run i outside the timing."""
    samples = []
    try:
        for index in range(runs):
            if before is not None:
                before(index)
            samples.append(run_once(argv(index), env))
    except CommandFailed as exc:
        return Result(tuple(samples), f"failed: {exc}")
    return Result(tuple(samples))
