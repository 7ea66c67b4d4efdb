"""``python -m bench --peer hugo``: Outpost and Hugo on the same incidents, side by side.

Both generators run alternately on one machine (the order turns every run, so a
load spike falls on both), each as a fresh process, and the table gives the median of
each and the ratio Hugo / Outpost: above 1 means Outpost is faster (or, for memory,
smaller). Both measures also run the Python floor (``bench/floor.py``: for a full build
one plain page per notice on Outpost's own stack, nothing else; for a rebuild, the
stack's start-up and the changed notice's page alone) in turn with them, and the ratio
Hugo / floor: how fast Hugo is against the least this stack does.
"""

from __future__ import annotations

import shutil
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench import hugo, synth
from bench import measure as m
from bench.report import machine

SECTION = "## Side by side with Hugo"
INSTALL_HINT = ("hugo is not on PATH: install it first (Debian and Ubuntu: "
                "apt-get install -y hugo), then run python -m bench --peer hugo again.")
COLD = "full build from scratch"
ONE_UPDATE = "rebuild after one new update"
MEMORY = "peak memory (full build)"


@dataclass
class Pair:
    """The samples of one measure for both generators."""

    outpost: list[m.Sample] = field(default_factory=list)
    hugo: list[m.Sample] = field(default_factory=list)
    floor: list[m.Sample] = field(default_factory=list)  # full builds only
    note: str = ""


@dataclass
class PeerSize:
    count: int
    pairs: dict[str, Pair] = field(default_factory=dict)


def ratio(peer: float | None, outpost: float | None) -> float | None:
    """Hugo's figure over Outpost's, or the floor's (above 1: Hugo is slower or bigger)."""
    if peer is None or outpost is None or outpost <= 0:
        return None
    return peer / outpost


def _median(samples: Sequence[m.Sample], what: Callable[[m.Sample], float]) -> float | None:
    return statistics.median(what(s) for s in samples) if samples else None


def _seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f} s"


def _mib(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f} MiB"


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


Row = tuple[str, str, str, str, str, str]


def rows(size: PeerSize) -> list[Row]:
    """(measure, Outpost, Hugo, Hugo / Outpost, floor, Hugo / floor) for one size."""
    out: list[Row] = []
    for name in (COLD, ONE_UPDATE):
        pair = size.pairs.get(name, Pair(note="not run"))
        a = _median(pair.outpost, lambda s: s.seconds)
        b = _median(pair.hugo, lambda s: s.seconds)
        c = _median(pair.floor, lambda s: s.seconds)
        cells = (_seconds(a), _seconds(b), _ratio(ratio(b, a)))
        if pair.note:
            cells = (cells[0], cells[1], f"{cells[2]} ({pair.note})")
        out.append((name, *cells, _seconds(c), _ratio(ratio(b, c))))
    pair = size.pairs.get(COLD, Pair())
    a = _median(pair.outpost, lambda s: s.peak_mb)
    b = _median(pair.hugo, lambda s: s.peak_mb)
    c = _median(pair.floor, lambda s: s.peak_mb)
    out.append((MEMORY, _mib(a), _mib(b), _ratio(ratio(b, a)), _mib(c), _ratio(ratio(b, c))))
    return out


def table(sizes: Sequence[PeerSize]) -> list[str]:
    lines = ["| measure | notices | Outpost | Hugo | Hugo / Outpost | Python floor "
             "| Hugo / floor |", "|---|---|---|---|---|---|---|"]
    for size in sizes:
        for name, *cells in rows(size):
            lines.append(f"| {name} | {size.count:,} | " + " | ".join(cells) + " |")
    return lines


def document(sizes: Sequence[PeerSize], runs: str, revision: str, version: str,
             load: tuple[float, float]) -> str:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return "\n".join([
        SECTION,
        "",
        f"Run of {stamp}: `python -m bench --peer hugo`. The same synthetic incidents "
        "(`bench/synth.py`) as Outpost notices and as a minimal Hugo site in cState's "
        "content layout (`bench/hugo.py`: `content/issues/*.md`, one page per incident, "
        "a list page, an RSS feed of 100 items, its own small layouts).",
        "",
        f"- Machine: {machine()}; {version}",
        f"- Commit: {revision}",
        f"- Load average {load[0]:.1f} at the start, {load[1]:.1f} at the end.",
        f"- Median of {runs} alternating runs per measure, each a fresh process; memory "
        "is the child's peak RSS. A full build starts without output or cache (Outpost: "
        "no `site/`, no `.outpost-cache/`; Hugo: no `public/`, no `resources/`); a "
        "rebuild after one new update follows the same appended update in both.",
        "- Hugo / Outpost above 1 means Outpost is faster (or smaller).",
        "- Python floor: `bench/floor.py`, run in turn with both: for a full build, one "
        "plain page per notice and a list page, on Outpost's own stack (PyYAML's C parser, "
        "cmark-gfm, nh3, Jinja) and two processes, and nothing else; for a rebuild, "
        "Python's start, that stack's imports (and click's) and the updated notice's page "
        "alone. Outpost cannot build faster than it; Hugo / floor is how far below Hugo "
        "this stack's least is (a rebuild 5 times faster than Hugo's needs a Hugo / floor "
        "above 5).",
        "",
        *table(sizes),
        "",
    ])


def replace_section(text: str, body: str) -> str:
    """``text`` with its Hugo section replaced by ``body`` (or added before the runs)."""
    start = text.find(f"\n{SECTION}\n")
    if start >= 0:
        end = text.find("\n## ", start + len(SECTION) + 2)
        rest = text[end:] if end >= 0 else "\n"
        return text[:start] + "\n" + body.rstrip("\n") + "\n" + rest
    anchor = text.find("\n## Run of ")
    if anchor >= 0:
        return text[:anchor] + "\n" + body.rstrip("\n") + "\n" + text[anchor:]
    return text.rstrip("\n") + "\n\n" + body


class PeerBench:
    """One size: the Outpost repository, its Hugo twin, and the alternating runs."""

    def __init__(self, work: Path, count: int, runs: int, log: Callable[[str], None],
                 env: dict[str, str] | None = None) -> None:
        self.count, self.runs, self.log, self.env = count, runs, log, env
        self.root = work / f"peer-repo-{count}"
        self.out = work / f"peer-site-{count}"
        self.hugo_root = work / f"peer-hugo-{count}"
        self.public = work / f"peer-public-{count}"
        self.floor_out = work / f"peer-floor-{count}"
        self.step = 0

    def _outpost(self) -> list[str]:
        return m.build_args(self.root, self.out)

    def _hugo(self) -> list[str]:
        return hugo.hugo_args(self.hugo_root, self.public)

    def _floor(self, cold: bool) -> list[str]:
        args = [sys.executable, "-m", "bench.floor", str(self.root), str(self.floor_out)]
        return args if cold else [*args, "--rebuild", synth.HOT_NOTICE]

    def _alternate(self, pair: Pair, before: Callable[[int], None] | None,
                   cold: bool) -> None:
        names = ["outpost", "hugo", "floor"]
        for index in range(self.runs):
            if before is not None:
                before(index)
            turn = index % len(names)
            for which in names[turn:] + names[:turn]:
                if which == "outpost":
                    if cold:
                        shutil.rmtree(self.out, ignore_errors=True)
                        shutil.rmtree(self.root / ".outpost-cache", ignore_errors=True)
                    pair.outpost.append(m.run_once(self._outpost(), self.env))
                elif which == "hugo":
                    if cold:
                        hugo.clean(self.hugo_root, self.public)
                    pair.hugo.append(m.run_once(self._hugo()))
                else:
                    if cold:
                        shutil.rmtree(self.floor_out, ignore_errors=True)
                    pair.floor.append(m.run_once(self._floor(cold), self.env))

    def _new_update(self, _index: int) -> None:
        self.step += 1
        synth.add_update(self.root, self.step)
        hugo.sync_page(self.root / "notices" / f"{synth.HOT_NOTICE}.md", self.hugo_root)

    def run(self) -> PeerSize:
        for path in (self.root, self.out, self.hugo_root, self.public, self.floor_out):
            shutil.rmtree(path, ignore_errors=True)
        synth.make_repo(self.root, self.count)
        hugo.write_site(self.root, self.hugo_root)
        size = PeerSize(self.count)
        for name, before, cold in ((COLD, None, True), (ONE_UPDATE, self._new_update, False)):
            self.log(f"[peer {self.count}] {name}")
            pair = size.pairs.setdefault(name, Pair())
            if not cold:  # both start from their own last build of these notices
                m.run_once(self._outpost(), self.env)
                m.run_once(self._hugo())
            try:
                self._alternate(pair, before, cold)
            except m.CommandFailed as exc:
                pair.note = f"failed: {exc}"
        return size
