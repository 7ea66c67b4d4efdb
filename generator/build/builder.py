"""The builder: the I/O shell around the pipeline. It reads the inputs, asks the pure
pipeline (generator/build/pipeline.py) for the site, and writes it; the accelerators
live here and nowhere else: the build cache, a second process, the garbage collector
policy. It skips what did not change and writes only files whose bytes changed.

``build(project, out, now)`` gives exactly the files a clean build gives (the property
test in tests/test_incremental.py checks it byte for byte), in three ways:

1. *Up to date*: the last build wrote ``out`` from the same inputs (code, settings,
   templates, every notice file, ``now``): nothing is read, rendered or written. The
   check reads only the small ``uptodate`` record (never the ``state`` map of every
   file), stats each notice (a change younger than the record is never trusted: the
   racy-clean rule) and imports neither the renderers nor the YAML/config stack.
2. *Incremental*: pages whose declared inputs did not change come from the page cache
   (generator/build/cache.py, ``PageMemo``); every other producer runs (the API, feeds
   and other producers after the pages in a second process meanwhile); then only files
   whose bytes changed are written, each atomically, pages before the Open page,
   ``manifest.json`` last, and files no longer produced are deleted.
3. *Whole site*: with no usable record of ``out`` (first build, another folder, a
   cache that fails its checks) or when most files changed, the whole site is
   written beside ``out`` and swapped in (generator/build/output.py).
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from functools import partial
from pathlib import Path

from generator.build.cache import PageMemo
from generator.build.compiled import StoredBytecode
from generator.build.inputs import Project, inputs_digest, load_valid
from generator.build.options import DEFAULTS, BuildOptions
from generator.build.output import check_target, remove_leftovers, replace_site
from generator.build.parallel import Forked, ForkedRendering, ForkedWork, gc_paused
from generator.build.pipeline import render_site
from generator.build.store import Store, file_digest, open_store
from generator.build.uptodate import (
    LAST,
    UP_TO_DATE,
    NoticesSeen,
    output_stats,
    same_folder,
    save_record,
    see_notices,
    up_to_date,
)
from generator.config.settings import read_config
from generator.core.errors import OutpostError, ProblemsFound
from generator.disk import (
    NO_ROOM,
    NOT_WRITABLE,
    left_private,
    refused_write,
    taking_turns,
    write_file_atomic,
)
from generator.render.overrides import BUILTIN_TEMPLATES
from generator.render.pages import TemplateFailed

STOPPED = "Build stopped: nothing was written."
STATE = "state"  # every file's sha256 in the last build (the up-to-date record: uptodate.py)
# Past this share of changed files, one swap of a whole new site is faster than in place.
IN_PLACE_LIMIT = 0.2
IN_PLACE_FILES = 50


Stats = dict[str, tuple[int, int, int]]


def _usable(state: object, out: Path, listing: Callable[[], Stats]
            ) -> tuple[dict[str, str], Stats] | None:
    """The sha256 of every file of the recorded build, if it is the one in ``out`` and
    its manifest is untouched ('-' for a file that is no longer the one written:
    deleted, replaced, edited by hand; it is written again), and what is in ``out``
    (``listing()``: its output_stats)."""
    if not isinstance(state, dict) or not same_folder(state.get("out"), out):
        return None
    files, recorded = state.get("files"), state.get("stats")
    if not isinstance(files, dict) or not isinstance(recorded, dict):
        return None
    if any(file_digest(out / name) != files[name] for name in LAST if name in files):
        return None
    now = listing()
    # A file is the one written when its stat is the one recorded, or else when its
    # bytes are: a copy of the site restored from a cache (as CI does) or touched
    # files are checked by content, not written again.
    return ({path: sha if path in now and (now[path] == recorded.get(path)
                                           or file_digest(out / path) == sha) else "-"
             for path, sha in files.items()}, now)


@contextmanager
def one_build_at_a_time(store: Store) -> Iterator[None]:
    """Hold the lock of the repository's build cache folder, waiting for another build
    to finish: two at once would interleave their writes into one site and its
    records. Where the cache cannot be made (a file or a broken link in its place),
    the lock is the repository folder's: the builds still take turns."""
    try:
        store.folder.mkdir(parents=True, exist_ok=True)
        folder = store.folder
    except OSError:
        folder = store.folder.parent
    with taking_turns(folder):
        yield


@contextmanager
def _output_listing(out: Path, state: object, options: BuildOptions
                    ) -> Iterator[Callable[[], Stats]]:
    """output_stats(out), when asked for. Listing a big site's folder (a stat per file)
    starts now in a second process, to run while this one loads the notices; it is
    stopped when the block ends, whether or not it was asked for."""
    files = state.get("files") if isinstance(state, dict) else None
    if not (options.fork and isinstance(files, dict) and len(files) >= options.fork_listing):
        yield partial(output_stats, out)
        return
    child = Forked([partial(output_stats, out)])
    try:
        yield lambda: child.results()[0]
    finally:
        child.close()


def _order(paths: list[str], new: Callable[[str], bool]) -> list[str]:
    """New files first (only a file not there yet can be a link that leads nowhere, as
    feeds and lists linking to a new notice's page would be while it is written), then
    the others; in each, assets and data first, pages deeper first; then the Open page
    and manifest.json."""
    def rank(path: str) -> tuple[int, int, int, str]:
        if path in LAST:
            return (3 + LAST.index(path), 0, 0, path)
        return (1 - new(path), path.endswith(".html"), -path.count("/"), path)
    return sorted(paths, key=rank)


def _through_symlink(out: Path, paths: list[str]) -> bool:
    """Whether a folder of one of ``paths`` is a symlink (put in the site by hand): in
    place, its files would be written, or deleted, wherever it leads."""
    real = os.path.realpath(out)
    folders = {path.rpartition("/")[0] for path in paths} - {""}
    return any(os.path.realpath(out / folder) != os.path.join(real, folder)
               for folder in folders)


def write_changes(out: Path, files: Mapping[str, bytes], previous: Mapping[str, str],
                  shas: Mapping[str, str], stats: Stats) -> int:
    """Write changed files in place, delete stale ones; returns how many were written.
    ``stats`` (output_stats of ``out`` before) is brought up to date as files change."""
    changed = [p for p in files if previous.get(p) != shas[p]]
    for path in _order(changed, lambda path: previous.get(path, "-") == "-"):
        # Not synced, as a whole site is not: a rename keeps readers from ever seeing
        # half a file, and a file a power cut left short or empty no longer matches
        # the stat recorded for it, so the next build writes it again.
        write_file_atomic(out / path, files[path], synced=False)
        info = os.stat(out / path)
        stats[path] = (info.st_size, info.st_mtime_ns, info.st_ino)
    for path in sorted(set(previous) - set(files), key=lambda p: -p.count("/")):
        target = out / path
        target.unlink(missing_ok=True)
        stats.pop(path, None)
        parent = target.parent
        while parent != out and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    return len(changed)


def _write_site(out: Path, files: Mapping[str, bytes], previous: Mapping[str, str] | None,
                shas: Mapping[str, str], output: Stats, root: Path, options: BuildOptions
                ) -> tuple[str, Stats]:
    """Write only the changed files (given what the last build wrote, ``previous``), else
    the whole site; (how it was written, what output_stats(out) gives now)."""
    if previous is not None:
        try:
            return f"{write_changes(out, files, previous, shas, output)} changed", output
        # A folder made by hand where a file goes, or a file where a folder goes: the
        # whole site replaces them, as a clean build's.
        except (IsADirectoryError, NotADirectoryError):
            pass
    # Kept pages are read from the site being replaced, before the swap (with
    # options.fork, a second process reads and writes half of them).
    replace_site(out, files, keep=root, parallel=options.fork,
                 background=options.fork and len(output) >= options.background_removal)
    return "whole site", output_stats(out)


def build(project: Project, out: Path, now: datetime,
          options: BuildOptions = DEFAULTS) -> tuple[int, str]:
    """Build the project into ``out`` for ``now``; (file count, how it was written).
    (``outpost build`` asks ``uptodate.up_to_date`` first, without importing this module.)"""
    seen = see_notices(project.root)
    unchanged = up_to_date(project.root, out, now, options, seen=seen)
    if unchanged is not None:  # writes nothing: the last build passed check_target for out
        return unchanged, "up to date"
    return build_site(project, out, now, options, seen=seen)


def build_site(project: Project, out: Path, now: datetime,
               options: BuildOptions = DEFAULTS,
               keep_alive: list[object] | None = None,
               store: Store | None = None, seen: NoticesSeen | None = None) -> tuple[int, str]:
    """Build, whether or not the last build wrote the same site. The cyclic garbage
    collector is off meanwhile: a build makes hundreds of thousands of objects and no
    cycle worth collecting (measured: the same peak memory with it off, cold or not),
    and each collection would scan them all again (60-80 ms of a one-update rebuild
    at 10,000 notices). ``keep_alive``, for a caller that ends the process next: the
    build's objects (the notices, the site's files, the cache's index) go there instead
    of being freed one by one when it returns, and the collector stays off, since it
    would only scan them (either costs 50-60 ms at 10,000 notices). ``store``: the
    build cache, if the caller opened it (opening digests every file of the package);
    ``seen``: notices/ as the up-to-date check listed it (a stat of every notice, not
    taken twice; a notice changed after it, as while waiting for another build, is
    built by the next build, as one changed while this one reads), else it is listed
    once the build holds the cache's lock."""
    store = store if store is not None else open_store(project.root)
    try:
        # Not a site (the wrong folder, a mistyped --root): stop before the lock below
        # makes the cache folder there.
        read_config(project.root)
    except ProblemsFound as exc:
        raise ProblemsFound(exc.problems, STOPPED) from None
    with one_build_at_a_time(store):
        if keep_alive is not None:
            gc.disable()
            return _build_site(project, out, now, options, keep_alive, store, seen)
        with gc_paused():
            return _build_site(project, out, now, options, [], store, seen)


def _build_site(project: Project, out: Path, now: datetime, options: BuildOptions,
                keep_alive: list[object], store: Store, seen: NoticesSeen | None
                ) -> tuple[int, str]:
    root = project.root
    out = out.absolute()
    check_target(out, root)
    remove_leftovers(out)  # what a killed build left, whether or not this one swaps
    state = store.load(STATE) if options.cached else None
    # One stat of every notice, before any is read: the cache's check and the record.
    seen = seen if seen is not None else see_notices(root)
    started, listed = seen.at_ns, seen.listing
    stats = dict(zip(*listed, strict=True)) if listed is not None else None
    with _output_listing(out, state, options) as listing:
        checked = load_valid(project, STOPPED, options, stats,
                             store)
        usable = _usable(state, out, listing)
        previous, output = usable if usable is not None else (None, {})
        # The cache keeps no page bytes: a kept page is read back from out or, failing
        # that, from the folder the last build wrote, and checked against its sha256.
        recorded = state.get("out") if isinstance(state, dict) else None
        sources = tuple(dict.fromkeys(
            [out, *([Path(recorded)] if isinstance(recorded, str) else [])]))
        zone = checked.config.timezone.key
        cache = PageMemo(store.in_zone(zone) if options.cached else None, checked.digests,
                         sources)
        executor = (ForkedRendering(options.fork_pages, options.child_share) if options.fork
                    else None)
        # Most pages kept (the last build wrote out): the other producers run meanwhile
        # in a second process, instead of the second process rendering pages.
        elsewhere = (ForkedWork() if options.fork and previous is not None
                     and len(previous) >= options.fork_producers else None)
        compiled = (StoredBytecode(store, Path(str(BUILTIN_TEMPLATES))) if options.cached
                    else None)
        try:
            rendered = render_site(checked.config, checked.notices, now, project.recipe(),
                                   templates=root, notice_digests=checked.digests,
                                   cache=cache, executor=executor, compiled=compiled,
                                   elsewhere=elsewhere,
                                   inputs=inputs_digest(root, checked.digests, seen.settings))
        except TemplateFailed as exc:  # before anything is written
            raise TemplateFailed(f"{exc.message}\n{STOPPED}") from None
        files, shas = rendered.files, rendered.digests
        before = previous or {}
        changed = [p for p in files if before.get(p) != shas[p]]
        store.remove(UP_TO_DATE)  # the old records no longer describe out, whatever happens next
        store.remove(STATE)
        # A site an earlier version left private (umask 077: folders 0700, files 0600)
        # is written whole, once: in place, unchanged files and folders would keep that.
        in_place = (previous is not None and not left_private(out)
                    and not left_private(out / "index.html")
                    and len(changed) <= max(IN_PLACE_FILES, IN_PLACE_LIMIT * len(files))
                    and not _through_symlink(out, [*changed, *(set(before) - set(files))]))
        try:
            how, written = _write_site(out, files, previous if in_place else None, shas,
                                       output, root, options)
        except OSError as exc:
            if exc.errno not in NO_ROOM + NOT_WRITABLE:
                raise
            left = ("some of its files may be new, the others are as they were" if in_place
                    else "it is left as it was")
            # The system's words alone ('Read-only file system: .../.site.new-x1y2')
            # named a hidden folder, and neither the site nor what became of it.
            why, then = refused_write(
                exc, "build", no_room="build again once there is room",
                not_writable="make it writable for this user (a read-only mount, a folder "
                             "of another user), or build with --out into another folder")
            raise OutpostError(f"cannot write the site into {out}: {why}; {left}: "
                               f"{then}.") from None
        cache.save()
        # The up-to-date record, of the inputs as they were when this build started (none
        # if a notice changed too recently for its stat to stand for its content).
        save_record(store, root, out, now, started, len(files), shas, options, written,
                    zone, listed, seen.settings)
        store.save(STATE, {"out": str(out), "files": shas,
                           "stats": {path: written.get(path) for path in shas}})
        keep_alive.extend([state, checked, rendered, cache, previous, output, written])
        return len(files), how
