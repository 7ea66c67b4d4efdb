"""The benchmark scenarios: builds, check, update, publish and page weights per size."""

from __future__ import annotations

import compileall
import gzip
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench import measure as m
from bench import synth

CACHE_DIR = ".outpost-cache"
MISSING = "missing"


@dataclass
class SizeResults:
    count: int
    rows: dict[str, m.Result] = field(default_factory=dict)
    uploads: dict[str, str] = field(default_factory=dict)  # publish row -> objects uploaded
    weights: dict[str, str] = field(default_factory=dict)


def has_command(name: str, env: dict[str, str] | None = None) -> bool:
    """Whether ``outpost NAME`` exists in this checkout."""
    done = subprocess.run([sys.executable, "-m", "generator", name, "--help"],
                          capture_output=True, check=False, env=env)
    return done.returncode == 0


def _fresh(paths: list[Path]) -> None:
    for path in paths:
        shutil.rmtree(path, ignore_errors=True)


def _gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6, mtime=0))


def _kb(size: int) -> str:
    return f"{size / 1024:.1f} KB"


def page_weights(out: Path) -> dict[str, str]:
    """Gzip sizes of what readers download (and raw size where it helps)."""
    weights: dict[str, str] = {}
    index = out / "index.html"
    css = sorted((out / "assets").glob("*.css")) if (out / "assets").is_dir() else []
    if index.is_file():
        total = _gz(index.read_bytes()) + sum(_gz(c.read_bytes()) for c in css)
        weights["Open page HTML + CSS (gzip)"] = _kb(total)
    else:
        weights["Open page HTML + CSS (gzip)"] = MISSING
    for name in ("banner.html", "embed.js", "feed.xml"):
        found = sorted(out.rglob(name), key=lambda p: len(p.parts))
        if found:
            data = found[0].read_bytes()
            weights[f"`{name}` (gzip)"] = f"{_kb(_gz(data))} ({_kb(len(data))} raw)"
        else:
            weights[f"`{name}` (gzip)"] = MISSING
    # The history views: the largest page of a component, components/<id>/ (its bars,
    # uptime, day list and recent notices; its year pages are lists like Closed's), and
    # the data.
    folder = out / "components"
    history = [(p, _gz(p.read_bytes())) for p in folder.glob("*/index.html")] \
        if folder.is_dir() else []
    if history:
        path, size = max(history, key=lambda item: (item[1], str(item[0])))
        weights["largest component page (gzip)"] = f"{_kb(size)} (`{path.relative_to(out)}`)"
    else:
        weights["largest component page (gzip)"] = MISSING
    uptime = out / "api" / "uptime.json"
    if uptime.is_file():
        data = uptime.read_bytes()
        weights["`api/uptime.json` (gzip)"] = f"{_kb(_gz(data))} ({_kb(len(data))} raw)"
    else:
        weights["`api/uptime.json` (gzip)"] = MISSING
    pages = [(p, _gz(p.read_bytes())) for p in out.rglob("*.html")]
    if pages:
        path, size = max(pages, key=lambda item: item[1])
        weights["largest page (gzip)"] = f"{_kb(size)} (`{path.relative_to(out)}`)"
    return weights


class Bench:
    """One size: a synthetic repository and the scenarios run against it."""

    def __init__(self, work: Path, count: int, runs: int, log: Callable[[str], None],
                 env: dict[str, str] | None = None) -> None:
        self.env = env
        self.count = count
        self.runs = runs
        self.log = log
        self.root = work / f"repo-{count}"
        self.out = work / f"site-{count}"
        self.step = 0
        self.results = SizeResults(count)

    def _build(self, minutes_later: int = 0) -> list[str]:
        now = synth.NOW_UTC + timedelta(minutes=minutes_later)
        return m.build_args(self.root, self.out, now.strftime("%Y-%m-%dT%H:%M:%SZ"))

    def _new_update(self, _index: int) -> None:
        self.step += 1
        synth.add_update(self.root, self.step)

    def run(self, s3: Any | None) -> SizeResults:
        _fresh([self.root, self.out])
        synth.make_repo(self.root, self.count)
        rows = self.results.rows
        self.log(f"[{self.count}] check, no cache")
        rows["`outpost check`, first run (no cache)"] = m.repeat(
            self.runs, lambda i: m.outpost(self.root, "check"),
            before=lambda i: _fresh([self.root / CACHE_DIR]), env=self.env)
        self.log(f"[{self.count}] full build")
        rows["full build"] = m.repeat(
            self.runs, lambda i: self._build(),
            before=lambda i: _fresh([self.out, self.root / CACHE_DIR]), env=self.env)
        self.results.weights = page_weights(self.out)
        self.log(f"[{self.count}] rebuild, nothing changed")
        m.run_once(self._build(), self.env)  # a warm cache, whatever the last full build left
        rows["rebuild, nothing changed"] = m.repeat(self.runs, lambda i: self._build(),
                                                    env=self.env)
        self.log(f"[{self.count}] rebuild after one update")
        rows["rebuild after one new update"] = m.repeat(
            self.runs, lambda i: self._build(), before=self._new_update, env=self.env)
        # As CI and a scheduled build run it: the clock moves too (a minute a run), so
        # the pages that say when they were built are made again, and only those.
        self.log(f"[{self.count}] rebuild after one update, a minute later")
        rows["rebuild after one new update, a minute later"] = m.repeat(
            self.runs, lambda i: self._build(minutes_later=i + 1), before=self._new_update,
            env=self.env)
        m.run_once(self._build(), self.env)  # back at NOW for the measures below
        self.log(f"[{self.count}] check")
        rows["`outpost check`, cache warm"] = m.repeat(
            self.runs, lambda i: m.outpost(self.root, "check"), env=self.env)
        self.log(f"[{self.count}] update")
        rows["`outpost update` (whole process)"] = self._update()
        if s3 is not None:
            self.log(f"[{self.count}] publish")
            self._publish(s3)
        else:
            rows["publish to S3 (moto), from scratch"] = m.Result(note="not yet available")
            rows["publish to S3 (moto), after one update"] = m.Result(note="not yet available")
        return self.results

    def _update(self) -> m.Result:
        if not has_command("update", self.env):
            return m.Result(note="not yet available")

        def argv(index: int) -> list[str]:
            return m.outpost(self.root, "update", synth.HOT_NOTICE, "--status", "update",
                             "--message", f"Bench update {index}: still rolling out.",
                             "--at", synth.update_time(300 + index))

        return m.repeat(self.runs, argv, env=self.env)

    def _publish(self, s3: Any) -> None:
        rows, uploads = self.results.rows, self.results.uploads
        name = f"bench{self.count}"
        config = self.root / "outpost.yaml"
        config.write_text(synth.config_text() + s3.settings(name), encoding="utf-8")
        publish = m.outpost(self.root, "publish", "--site", str(self.out))
        env = s3.env() | ({"PYTHONPATH": self.env["PYTHONPATH"]} if self.env else {})

        def scratch(_index: int) -> None:
            s3.empty(name)

        m.run_once(self._build(), self.env)
        row = "publish to S3 (moto), from scratch"
        rows[row] = m.repeat(self.runs, lambda i: publish, before=scratch, env=env)
        uploads[row] = _uploads(rows[row])

        def one_update(index: int) -> None:
            self._new_update(index)
            m.run_once(self._build(), self.env)

        row = "publish to S3 (moto), after one update"
        rows[row] = m.repeat(self.runs, lambda i: publish, before=one_update, env=env)
        uploads[row] = _uploads(rows[row])


def _uploads(result: m.Result) -> str:
    """Objects the last run uploaded, from its 'uploaded PATH' lines."""
    if not result.samples or result.note:
        return "failed"
    lines = result.samples[-1].output.splitlines()
    return str(sum(1 for line in lines if "uploaded " in line))


def snapshot_code(repo: Path, work: Path) -> dict[str, str]:
    """Copy generator/ aside and run from the copy: edits landing during a run (the work
    tree is shared) would otherwise change the code, and so every cache key, mid-run."""
    code = work / "code"
    shutil.rmtree(code, ignore_errors=True)
    for package in ("generator", "bench"):  # bench: its floor (bench/floor.py) runs too
        shutil.copytree(repo / package, code / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    # Bytecode, as pip writes on install: with PYTHONDONTWRITEBYTECODE set (this machine
    # sets it) every measured process would otherwise compile Outpost again (~80 ms).
    compileall.compile_dir(str(code), quiet=1)
    return dict(os.environ) | {"PYTHONPATH": str(code)}
