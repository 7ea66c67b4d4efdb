"""How a build may go faster: the builder's accelerators, all off in the pure pipeline.
Whatever they are set to, the site is the same, byte for byte."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BuildOptions:
    """How the builder may go faster; the output is the same either way."""

    cached: bool = True  # reuse what .outpost-cache holds (parsed notices, pages)
    # A second process for loading and rendering. Never where threads run (``serve``):
    # forking a threaded process can deadlock.
    fork: bool = True
    fork_files: int = 300  # notices to read before a second process pays for its start-up
    # Pages to render before a second process pays for itself (measured on two cores: a
    # cold build of 100 notices, ~150 pages, is 10 % faster forked than not).
    fork_pages: int = 64
    # The child renders this share of the pages: this process still builds the API, the
    # feeds and the component pages meanwhile (measured balance, with the collector off
    # for the whole build: 0.5-0.55 at 1,000 and 10,000 notices; 0.75 had been best
    # while collections slowed this process's share).
    child_share: float = 0.55
    # Files in the last build's output from which a build that keeps most pages runs
    # every producer but the pages' (the API, feeds, component pages...) in a second
    # process, while this one makes the pages and their keys.
    fork_producers: int = 100
    # Files in the last build's output from which a second process lists the output
    # folder while this one loads (a stat per file: 0.1 s at 10,000 notices).
    fork_listing: int = 2000
    # Files in the site a whole-site write replaces from which the old one is removed
    # by a detached process after the swap, instead of before the build returns (10,000
    # files: 1-2.5 s).
    background_removal: int = 2000
    # A file changed less than this before a record of it was written may change again
    # within the same timestamp tick: its stat does not stand for its content (git's
    # "racily clean" rule), so it is read again.
    racy_seconds: float = 2.0

    @property
    def racy_ns(self) -> int:
        return int(self.racy_seconds * 1e9)


# The defaults: every accelerator on (what `outpost build` uses).
DEFAULTS = BuildOptions()
