"""Incremental builds: skip what did not change, write only files whose bytes changed.

``build(root, out, now)`` gives exactly the files a clean build gives (the property
test in tests/test_incremental.py checks it byte for byte), in three ways:

1. *Up to date*: the last build wrote ``out`` from the same inputs (code, settings,
   templates, every notice file, ``now``): nothing is read, rendered or written. The
   check reads only the small ``uptodate`` record (never the ``state`` map of every
   file), stats each notice (a change younger than the record is never trusted: the
   racy-clean rule) and imports neither the renderers nor the YAML/config stack.
2. *Incremental*: pages whose declared inputs did not change come from the page cache
   (generator/cache.py, ``PageMemo``); every other producer runs; then only files
   whose bytes changed are written, each atomically, pages before the Open page,
   ``manifest.json`` last, and files no longer produced are deleted.
3. *Whole site*: with no usable record of ``out`` (first build, another folder, a
   cache that fails its checks) or when most files changed, the whole site is
   written beside ``out`` and swapped in (generator/output.py).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from generator.build import cache
from generator.build.cache import PageMemo, Store, file_digest, open_store, tree_digest
from generator.build.parallel import gc_frozen

STATE = "state"
# The small record the "nothing changed" check reads (STATE holds every file's sha256).
UP_TO_DATE = "uptodate"
# In-place writes fsync file by file; past this share of changed files one swap is faster.
IN_PLACE_LIMIT = 0.2
IN_PLACE_FILES = 50
_LAST = ("index.html", "manifest.json")
# Templates of cached pages that read these names make ``now`` or the open notices an
# input of every page (the built-in templates don't: only the Open page shows them).
_USES_NOW = re.compile(r"\bnow\b")
_USES_SNAPSHOT = re.compile(r"\bsnapshot\.(?!banner\b)")
_UNCACHED_TEMPLATES = {"open.html"}


def _template_sources(root: Path) -> str:
    from generator.render.pages import BUILTIN_TEMPLATES, TEMPLATE_OVERRIDES

    texts: list[str] = []
    for folder in (root / TEMPLATE_OVERRIDES, Path(str(BUILTIN_TEMPLATES))):
        if folder.is_dir():
            texts.extend(p.read_text(encoding="utf-8", errors="replace")
                         for p in sorted(folder.rglob("*.html"))
                         if p.name not in _UNCACHED_TEMPLATES)
    return "\n".join(texts)


def chrome_digest(site: Any, root: Path, store: Store) -> str:
    """What every cached page shares: code, settings, templates, banner, feeds, zone."""
    from generator.render.pages import banner_text

    snapshot = site.snapshot
    parts: list[Any] = [store.stamp, file_digest(root / "outpost.yaml"),
                        tree_digest(root / "templates"), site.css_path, repr(site.feeds),
                        snapshot.banner.value, repr(banner_text(snapshot)), site.now.year]
    sources = _template_sources(root)
    if _USES_NOW.search(sources):
        parts.append(site.now.isoformat())
    if _USES_SNAPSHOT.search(sources):
        parts.append(repr([(v.notice.id, len(v.updates), v.status) for v in snapshot.open]))
        parts.append(repr(snapshot.components))
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def settings_key(root: Path, out: Path, now: datetime, store: Store) -> list[Any]:
    """Every input of a build except the notices."""
    from generator.build.pipeline import FINISHERS, PRODUCERS

    return [store.stamp, file_digest(root / "outpost.yaml"), tree_digest(root / "templates"),
            now.isoformat(), str(out), PRODUCERS, FINISHERS]


def inputs_key(settings: list[Any], signatures: str | None) -> str | None:
    """None when a notice changed too recently for its stat to stand for its content."""
    if signatures is None:
        return None
    return hashlib.sha256(repr([settings, signatures]).encode()).hexdigest()


def notice_signatures(root: Path, trusted_before_ns: int) -> str | None:
    """A digest of the name and stat (size, mtime, ctime, inode, mode) of every entry in
    notices/; None if one changed too recently for its stat to stand for its content."""
    import struct

    folder = root / "notices"
    try:
        names, stats = _stat_all(folder)
    except OSError:  # no notices folder; or not a folder, or an entry went away meanwhile
        return None if os.path.lexists(folder) else "-"
    if stats and max(max(s.st_mtime_ns, s.st_ctime_ns) for s in stats) >= trusted_before_ns:
        return None
    pack = struct.Struct("<qqqQq").pack
    digest = hashlib.sha256("/".join(names).encode(errors="surrogateescape"))
    try:
        digest.update(b"".join([pack(s.st_size, s.st_mtime_ns, s.st_ctime_ns, s.st_ino,
                                     s.st_mode) for s in stats]))
    except struct.error:  # a number out of range on some odd file system: don't trust it
        return None
    return digest.hexdigest()


def _stat_all(folder: Path) -> tuple[list[str], list[os.stat_result]]:
    """Sorted entry names of ``folder`` and their stat (through a folder descriptor, which
    saves resolving the path 10,000 times, where the platform allows it)."""
    if os.stat not in os.supports_dir_fd or os.listdir not in os.supports_fd:
        names = sorted(os.listdir(folder))
        return names, [os.stat(folder / name) for name in names]
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        names = sorted(os.listdir(fd))
        return names, [os.stat(name, dir_fd=fd) for name in names]
    finally:
        os.close(fd)


def _up_to_date(record: Any, root: Path, out: Path, settings: list[Any]) -> int | None:
    """The file count of the last build, if it wrote ``out`` (still the same folder, its
    Open page and manifest untouched) from these settings and these notice files."""
    if not isinstance(record, dict) or record.get("out") != str(out):
        return None
    last, count, written_ns = record.get("last"), record.get("count"), record.get("written_ns")
    if (record.get("folder") != _folder_id(out) or not isinstance(last, dict)
            or not isinstance(count, int) or not isinstance(written_ns, int)):
        return None
    if any(file_digest(out / str(name)) != sha for name, sha in last.items()):
        return None
    key = inputs_key(settings, notice_signatures(root, written_ns - cache.racy_ns()))
    return count if key is not None and key == record.get("inputs") else None


def _folder_id(out: Path) -> tuple[int, int] | None:
    try:
        stat = out.stat()
    except OSError:
        return None
    return (stat.st_dev, stat.st_ino)


def _usable(state: Any, out: Path) -> bool:
    """The recorded build is the one in ``out``, and its manifest is untouched."""
    if not isinstance(state, dict) or state.get("out") != str(out):
        return False
    if state.get("folder") != _folder_id(out):
        return False
    files = state.get("files", {})
    return all(file_digest(out / name) == files[name] for name in _LAST if name in files)


def _order(paths: list[str]) -> list[str]:
    """Assets and data first, pages deeper first, the Open page, then manifest.json."""
    def rank(path: str) -> tuple[int, int, str]:
        if path in _LAST:
            return (2 + _LAST.index(path), 0, path)
        return (1 if path.endswith(".html") else 0, -path.count("/"), path)
    return sorted(paths, key=rank)


def write_changes(out: Path, files: Mapping[str, bytes], previous: dict[str, str],
                  shas: dict[str, str]) -> int:
    """Write changed files in place, delete stale ones; returns how many were written."""
    from generator.disk import write_file_atomic

    changed = [p for p in files if previous.get(p) != shas[p]]
    for path in _order(changed):
        write_file_atomic(out / path, files[path])
    for path in sorted(set(previous) - set(files), key=lambda p: -p.count("/")):
        target = out / path
        target.unlink(missing_ok=True)
        parent = target.parent
        while parent != out and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    return len(changed)


def build(root: Path, out: Path, now: datetime, cached: bool = True,
          parallel: bool = True) -> tuple[int, str]:
    """Build ``root`` into ``out`` for ``now``; (file count, how it was written)."""
    from generator.build.pipeline import load_valid, render_site
    from generator.build.parallel import cores

    out = out.absolute()
    store = open_store(root)
    settings = settings_key(root, out, now, store)
    unchanged = _up_to_date(store.load(UP_TO_DATE), root, out, settings) if cached else None
    if unchanged is not None:  # writes nothing: the last build passed check_target for out
        return unchanged, "up to date"
    from generator.build.output import check_target, replace_site

    check_target(out, root)
    state: Any = store.load(STATE) if cached else None
    usable = _usable(state, out)
    started = _now_ns()
    checked = load_valid(root, "Build stopped: nothing was written.")
    # What was loaded lives until the build ends: the cyclic garbage collector need not
    # scan it again and again (a tenth of a rebuild at 10,000 notices).
    with gc_frozen():
        memo_store = store if cached else None
        memo_holder: list[PageMemo] = []

        def make_memo(site: Any) -> PageMemo:
            memo = PageMemo(memo_store, chrome_digest(site, root, store), checked.digests)
            memo.parallel = parallel and cores() > 1
            memo_holder.append(memo)
            return memo

        from generator.build.compiled import StoredBytecode

        compiled = StoredBytecode(store) if cached else None
        files = render_site(checked, now, root, memo=make_memo, compiled=compiled)
        previous: dict[str, str] = state["files"] if usable else {}
        memo = memo_holder[0] if memo_holder else None
        shas = {path: (memo.sha256(path, data) if memo is not None
                       else hashlib.sha256(data).hexdigest()) for path, data in files.items()}
        changed = sum(1 for p in files if previous.get(p) != shas[p])
        store.remove(UP_TO_DATE)  # the old records no longer describe out, whatever happens next
        store.remove(STATE)
        if usable and changed <= max(IN_PLACE_FILES, IN_PLACE_LIMIT * len(files)):
            how = f"{write_changes(out, files, previous, shas)} changed"
        else:
            replace_site(out, files, keep=root)
            how = "whole site"
        if memo is not None:
            memo.save()
        # The notices as they were when this build read them (None if one changed since).
        key = inputs_key(settings, notice_signatures(root, started - cache.racy_ns()))
        store.save(STATE, {"out": str(out), "folder": _folder_id(out), "files": shas,
                           "inputs": key, "written_ns": started})
        if key is not None:
            store.save(UP_TO_DATE, {"out": str(out), "folder": _folder_id(out), "inputs": key,
                                    "written_ns": started, "count": len(files),
                                    "last": {name: shas[name] for name in _LAST if name in shas}})
        return len(files), how


def _now_ns() -> int:
    import time

    return time.time_ns()
