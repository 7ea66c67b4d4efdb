"""The build cache in ROOT/.outpost-cache/: never trusted, only reused when it checks out.

Every cache file is ``MAGIC``, one JSON header line, then a pickle. The header holds
the format, a *stamp* (the package version plus a digest of Outpost's own code,
templates and static files) and the payload's sha256. A file whose magic, format,
stamp or checksum differs is ignored: it is simply rebuilt. Writes are atomic.

What is cached, and keyed by what:

* ``notices-NN``: each parsed notice (in shards: one edit rewrites one shard),
  keyed by the file's sha256 and by the settings (notices are read in the zone,
  against the components; plug-in sections such as publish: don't count). A
  file's stat (size, mtime, ctime, inode) stands in for its hash only when the
  file was older than the cache by more than ``RACY_SECONDS`` (git's "racily
  clean" rule).
* ``pages-NN``: rendered pages, each keyed by ``PageMemo``: the page's declared
  inputs (see generator/render.py) plus the *chrome* every page shares.
* ``fragments-NN``: each notice's Statuspage API object, encoded, keyed by its
  file's sha256, the settings and what ``now`` changes in it (generator/api.py,
  generator/fragments.py).
* ``state``: the last build written to the output folder, so that the next build
  writes only files that changed (see generator/incremental.py).
* ``uptodate``: what the "nothing changed" check needs, and only that (the folder,
  the inputs' key, when it was written, the file count, the sha256 of ``index.html``
  and ``manifest.json``), so that it never unpickles ``state``.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import generator
from generator import __version__
from generator.core.errors import Problem
from generator.build.fragments import Fragments

CACHE_DIR = ".outpost-cache"
FORMAT = 1
MAGIC = b"OUTPOST-CACHE\n"
RACY_SECONDS = 2.0
SHARDS = 32
NOTICE_SHARDS = 16
PARALLEL_PAGES = 200  # below this, forking costs more than it saves
# The child gets three quarters of the pages: this process still builds the API and feeds
# (measured balance: 0.75 at 1,000 notices, 0.8 at 10,000).
CHILD_SHARE = 0.75
RENDERING_PACKAGES = ("jinja2", "cmarkgfm", "nh3", "feedgen", "yaml", "click")


def code_digest() -> str:
    """The package version and a digest of every file of the installed generator."""
    from importlib.util import find_spec

    digest = hashlib.sha256(__version__.encode())
    for name in RENDERING_PACKAGES:  # their output is cached too: an upgrade shows in
        spec = find_spec(name)       # the installed files' stat, without importing them
        origin = spec.origin if spec is not None and spec.origin else "-"
        try:
            stat = os.stat(origin)
            digest.update(f"{name}:{origin}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
        except OSError:
            digest.update(f"{name}:-\n".encode())
    package = os.path.dirname(os.path.abspath(generator.__file__))
    for folder, subfolders, names in os.walk(package):
        subfolders[:] = sorted(name for name in subfolders if name != "__pycache__")
        where = os.path.relpath(folder, package)
        for name in sorted(names):
            if not name.endswith(".pyc"):
                digest.update(f"{where}/{name}".encode(errors="surrogateescape") + b"\0")
                try:
                    with open(os.path.join(folder, name), "rb") as handle:
                        digest.update(handle.read())
                except OSError:
                    digest.update(b"\0-")
    return digest.hexdigest()


def file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "-"


def tree_digest(folder: Path) -> str:
    """Names and contents of every file under ``folder`` ("-" if there is none)."""
    if not folder.is_dir():
        return "-"
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


class Store:
    """Checked pickles in one folder. ``load`` returns None for anything doubtful."""

    def __init__(self, folder: Path, stamp: str) -> None:
        self.folder = folder
        self.stamp = stamp

    def load(self, name: str) -> Any:
        try:
            raw = (self.folder / name).read_bytes()
        except OSError:
            return None
        if not raw.startswith(MAGIC):
            return None
        end = raw.find(b"\n", len(MAGIC))
        try:
            header = json.loads(raw[len(MAGIC):end])
            payload = memoryview(raw)[end + 1:]
            if (header.get("format") != FORMAT or header.get("stamp") != self.stamp
                    or hashlib.sha256(payload).hexdigest() != header.get("sha256")):
                return None
            return pickle.loads(payload)
        except Exception:  # a damaged cache is never fatal: it is rebuilt
            return None

    def save(self, name: str, value: Any) -> None:
        """Write atomically; a cache that cannot be written is skipped, not an error."""
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        header = {"format": FORMAT, "stamp": self.stamp,
                  "sha256": hashlib.sha256(payload).hexdigest()}
        import tempfile

        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=self.folder)
            with os.fdopen(fd, "wb") as handle:
                handle.write(MAGIC + json.dumps(header).encode() + b"\n")
                handle.write(payload)
            os.replace(tmp, self.folder / name)
        except OSError:
            return

    def remove(self, name: str) -> None:
        (self.folder / name).unlink(missing_ok=True)


def open_store(root: Path) -> Store:
    return Store(root / CACHE_DIR, code_digest())


def racy_ns() -> int:
    return int(RACY_SECONDS * 1e9)


def _signature(stat: os.stat_result) -> tuple[int, int, int, int]:
    return (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)


@dataclass(frozen=True)
class Cached:
    signature: tuple[int, int, int, int]
    sha256: str
    notice: Any  # model.Notice


@dataclass
class LoadedNotices:
    notices: list[Any]  # model.Notice, sorted by file name
    problems: list[Problem]
    digests: dict[str, str]  # notice id -> sha256 of its file


def load_notices(root: Path, config: Any, store: Store) -> LoadedNotices:
    """loader.load_notices, reusing every notice whose file is unchanged."""
    from generator.notices.loader import PARALLEL_FILES, notice_files, notice_path, read_file
    from generator.build.parallel import fork_map, gc_paused

    files, problems = notice_files(root)
    config_digest = settings_digest(config)
    entries: dict[str, Cached] = {}
    trusted: dict[str, int] = {}  # shard -> when it was written
    with gc_paused():  # unpickling and parsing make many objects, none of them cycles
        for index in range(NOTICE_SHARDS):
            saved = store.load(f"notices-{index:02d}")
            if isinstance(saved, dict) and saved.get("config") == config_digest:
                entries.update(saved["entries"])
                trusted[f"notices-{index:02d}"] = saved["written_ns"]
        started = time.time_ns()
        outdated: list[Path] = []
        for path in files:
            cached = entries.get(path.name)
            if cached is None:  # not even a stat to take here: read_file takes it
                outdated.append(path)
                continue
            try:
                now = os.stat(path)
            except OSError:
                outdated.append(path)
                continue
            if not (cached.signature == _signature(now) and max(now.st_mtime_ns, now.st_ctime_ns)
                    < trusted.get(notice_shard(path.name), 0) - racy_ns()):
                outdated.append(path)
        known = {path.name: entries[path.name].sha256 for path in outdated if path.name in entries}
        read = partial(read_file, config=config, known=known)
        results = dict(zip((path.name for path in outdated),
                           fork_map(read, outdated, PARALLEL_FILES), strict=True))
        fresh: dict[str, Cached] = {}
        notices, digests = [], {}
        for path in files:
            name = path.name
            if name not in results:
                fresh[name] = entries[name]
                notices.append(entries[name].notice)
                digests[path.stem] = entries[name].sha256
                continue
            stat, sha, notice = results[name]
            if notice is None:  # the same bytes as the cached notice's
                notice = entries[name].notice
            elif isinstance(notice, list):
                problems.extend(Problem(notice_path(name), line, message)
                                for line, message in notice)
                continue
            if stat is not None:
                fresh[name] = Cached(_signature(stat), sha, notice)
            notices.append(notice)
            digests[path.stem] = sha
        _save_notices(store, config_digest, entries, fresh, started, set(trusted),
                      parallel=len(outdated) >= PARALLEL_FILES)
    return LoadedNotices(notices, problems, digests)


def settings_digest(config: Any) -> str:
    """The settings notices are read with: all but plug-in sections (publish, notify),
    so that adding a publishing target does not mean parsing every notice again."""
    from dataclasses import replace

    return hashlib.sha256(repr(replace(config, extras=())).encode()).hexdigest()


def notice_shard(name: str) -> str:
    return f"notices-{_bucket(name, NOTICE_SHARDS):02d}"


def _save_notices(store: Store, config_digest: str, old: dict[str, Cached],
                  new: dict[str, Cached], started: int, loaded: set[str],
                  parallel: bool = False) -> None:
    """Rewrite only the shards whose entries changed (one file edited: one shard);
    ``parallel``: many changed, so a forked child writes half of the shards."""
    from generator.build.parallel import fork_map

    before: dict[str, dict[str, Cached]] = {}
    after: dict[str, dict[str, Cached]] = {}
    for entries, shards in ((old, before), (new, after)):
        for name, entry in entries.items():
            shards.setdefault(notice_shard(name), {})[name] = entry
    changed = [f"notices-{index:02d}" for index in range(NOTICE_SHARDS)]
    changed = [shard_name for shard_name in changed
               if after.get(shard_name) != before.get(shard_name)
               or (shard_name in after and shard_name not in loaded)]

    def save(shard_name: str) -> None:
        store.save(shard_name, {"config": config_digest, "written_ns": started,
                                "entries": after.get(shard_name, {})})

    fork_map(save, changed, 2 if parallel else NOTICE_SHARDS + 1)


def stable(value: Any, digests: dict[str, str]) -> Any:
    """A repr-able form of a page input that is the same in every process."""
    from generator.render.pages import NoticePart
    from generator.core.timeline import NoticeView

    def form(value: Any) -> Any:
        if isinstance(value, NoticeView):  # a page per notice: keep this one cheap
            ended = value.ended.timestamp() if value.ended else None
            return (f"view|{value.notice.id}|{digests.get(value.notice.id, '?')}|"
                    f"{len(value.updates)}|{value.status.value}|{value.is_open}|"
                    f"{value.started.timestamp()}|{ended}")
        if isinstance(value, NoticePart):
            return ("part", value.notice_id, digests.get(value.notice_id, "?"), value.detail)
        if isinstance(value, (list, tuple)):
            return tuple(form(item) for item in value)
        if isinstance(value, dict):
            return tuple((repr(k), form(v)) for k, v in value.items())
        if isinstance(value, datetime):
            return value.isoformat()
        return repr(value)

    return form(value)


def _bucket(name: str, count: int) -> int:
    """Which of ``count`` shards ``name`` goes to (crc32: cheap, the same everywhere)."""
    return zlib.crc32(name.encode()) % count


def shard(path: str) -> str:
    return f"pages-{_bucket(path, SHARDS):02d}"


class PageMemo:
    """render.Site.memo: reuse a page when its key matches the last build's.

    ``chrome`` digests what every page shares (code, templates, config, banner, ...).
    """

    def __init__(self, store: Store | None, chrome: str, digests: dict[str, str]) -> None:
        self.store = store
        self.chrome = chrome
        self.digests = digests
        self._shards: dict[str, dict[str, tuple[str, bytes, str]]] = {}  # key, page, sha256
        self._sha: dict[str, tuple[bytes, str]] = {}  # path -> (those bytes, their sha256)
        self._dirty: set[str] = set()
        self._used: dict[str, set[str]] = {}
        self.hits: set[str] = set()
        self.fragments = Fragments(store)  # per-notice API objects (generator/api.py)
        # Many pages to render (a first build): defer them and use both cores.
        self.parallel = False
        self._pending: list[tuple[str, str, str, Callable[[], bytes]]] = []
        self._child: tuple[list[tuple[str, str, str, Callable[[], bytes]]], Any] | None = None

    def _shard(self, name: str) -> dict[str, tuple[str, bytes, str]]:
        if name not in self._shards:
            loaded = self.store.load(name) if self.store is not None else None
            self._shards[name] = loaded if isinstance(loaded, dict) else {}
        return self._shards[name]

    def __call__(self, path: str, inputs: Iterable[Any], render: Callable[[], bytes]) -> bytes:
        key = hashlib.sha256(repr((self.chrome, path, stable(tuple(inputs), self.digests))
                                  ).encode()).hexdigest()
        name = shard(path)
        pages = self._shard(name)
        self._used.setdefault(name, set()).add(path)
        found = pages.get(path)
        if found is not None and found[0] == key:
            self.hits.add(path)
            self._sha[path] = (found[1], found[2])
            return found[1]
        self._dirty.add(name)
        if self.parallel:
            self._pending.append((name, path, key, render))
            return b""  # filled in by resolve()
        data = render()
        pages[path] = (key, data, self.sha256(path, data))
        return data

    def sha256(self, path: str, data: bytes) -> str:
        """hashlib.sha256(data).hexdigest(), reusing the digest of a cached page or of
        the same bytes object asked for before (the manifest, then the writer)."""
        found = self._sha.get(path)
        if found is not None and found[0] is data:
            return found[1]
        digest = hashlib.sha256(data).hexdigest()
        self._sha[path] = (data, digest)
        return digest

    def dispatch(self, share: float = CHILD_SHARE) -> None:
        """Hand a share of the deferred pages to a forked child now, so that it renders
        them while this process runs the other producers (API, feeds); once per build."""
        if self._child is not None or len(self._pending) < PARALLEL_PAGES:
            return
        split = int(len(self._pending) * share)
        from generator.build.parallel import Forked

        handed = self._pending[:split]
        self._child = (handed, Forked([item[3] for item in handed]))
        self._pending = self._pending[split:]

    def abandon(self) -> None:
        """The build failed: stop waiting for the child's pages."""
        if self._child is not None:
            self._child[1].close()
            self._child = None

    def resolve(self, files: dict[str, bytes]) -> None:
        """Render the deferred pages (half in a forked child if none was dispatched) and
        put them in ``files``."""
        self.dispatch(share=0.5)
        pending, self._pending = self._pending, []
        rendered = [item[3]() for item in pending]
        if self._child is not None:
            (handed, child), self._child = self._child, None
            pending, rendered = handed + pending, child.results() + rendered
        for (name, path, key, _), data in zip(pending, rendered, strict=True):
            self._shard(name)[path] = (key, data, self.sha256(path, data))
            files[path] = data

    def save(self) -> None:
        """Keep the pages of this build (and drop pages no longer produced)."""
        self.fragments.save()
        if self.store is None:
            return
        for name in sorted(self._shards):
            pages = self._shards[name]
            used = self._used.get(name, set())
            if set(pages) - used:
                for path in set(pages) - used:
                    del pages[path]
                self._dirty.add(name)
            if name in self._dirty:
                self.store.save(name, pages)
        for index in range(SHARDS):
            name = f"pages-{index:02d}"
            if name not in self._shards:
                self.store.remove(name)
