"""What the build cache keeps in ROOT/.outpost-cache/ (in checked files: build/store.py).

What is cached, and keyed by what:

* ``notices-NN``: each parsed notice (in shards: one edit rewrites one shard),
  keyed by the file's sha256 and by the settings (notices are read in the zone,
  against the components; plug-in sections such as publish: don't count), in a store
  stamped with the zone's rules (``Store.in_zone``), as pages and API objects are. A
  file's stat (size, mtime, ctime, inode) stands in for its hash only when the
  file was older than the cache by more than ``RACY_SECONDS`` (git's "racily
  clean" rule).
* ``pages-NN``: the index of rendered pages: each page's key (from its path and its
  declared inputs, ``render.produced.Page.inputs``; a notice stands for its file's
  sha256), sha256 and size. No page bytes: the output folder holds them, read back
  (and checked) only when a kept page must be written again (see ``PageMemo``).
* ``fragments-NN``: each notice's Statuspage API object, encoded, keyed by its
  file's sha256, the settings and what ``now`` changes in it (generator/render/api.py,
  generator/build/fragments.py).
* ``settings``: outpost.yaml as the last build parsed it, keyed by the file's sha256
  and the features' section names (generator/build/inputs.py): a build whose settings
  did not change reads no YAML.
* ``state``: the last build written to the output folder, so that the next build
  writes only files that changed (see generator/build/builder.py).
* ``uptodate``: what the "nothing changed" check needs, and only that (the folder,
  the site's zone, the inputs' key, when it was written, the file count, the sha256 of
  ``index.html`` and ``manifest.json``), so that it never unpickles ``state``.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TypeVar, cast

from generator.build.fragments import StoredFragments
from generator.build.options import DEFAULTS, BuildOptions
from generator.build.parallel import fork_map, gc_paused
from generator.build.store import Store, shard
from generator.config.settings import reading_digest
from generator.core.errors import Problem, problems_in
from generator.core.model import Config, Notice
from generator.core.timeline import NoticeView
from generator.disk import regular_bytes
from generator.notices.grammar import NOTICES_DIR, id_of_file
from generator.notices.loader import notice_names, notice_path, read_file
from generator.render.produced import Kept, NoticePart, Page

T = TypeVar("T")
SHARDS = 16  # of the page index (2 MB at 10,000 notices)
NOTICE_SHARDS = 16


def _signature(stat: os.stat_result) -> tuple[int, int, int, int]:
    return (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)


@dataclass(frozen=True)
class Cached:
    signature: tuple[int, int, int, int]
    sha256: str
    notice: Notice


@dataclass
class LoadedNotices:
    notices: list[Notice]  # sorted by file name
    problems: list[Problem]
    digests: dict[str, str]  # notice id -> sha256 of its file


def load_notices(root: Path, config: Config, store: Store | None,
                 options: BuildOptions = DEFAULTS,
                 stats: Mapping[str, os.stat_result] | None = None) -> LoadedNotices:
    """Every notice of root/notices and every problem (notices.loader.read_file on each
    file); with a ``store``, reusing every notice whose file is unchanged (``stats``:
    the files' stat by name, taken before reading any; else each is taken here); with
    ``options.fork``, reading on both cores when there are many files."""
    names, problems = notice_names(root)
    folder = root / NOTICES_DIR
    config_digest = reading_digest(config)
    entries: dict[str, Cached] = {}
    shards: dict[str, dict[str, Cached]] = {}  # as loaded, then as this build leaves them
    trusted: dict[str, int] = {}  # file name -> when its shard was written
    minimum = options.fork_files if options.fork else len(names) + 1
    with gc_paused():  # unpickling and parsing make many objects, none of them cycles
        for index in range(NOTICE_SHARDS if store is not None else 0):
            shard_name = f"notices-{index:02d}"
            saved = store.load(shard_name) if store is not None else None
            if isinstance(saved, dict) and saved.get("config") == config_digest:
                shards[shard_name] = saved["entries"]
                entries.update(saved["entries"])
                trusted.update(dict.fromkeys(saved["entries"], saved["written_ns"]))
        started = time.time_ns()
        outdated: list[str] = []
        for name in names:
            cached = entries.get(name)
            if cached is None:  # not even a stat to take here: read_file takes it
                outdated.append(name)
                continue
            try:
                now = stats[name] if stats is not None and name in stats else (
                    os.stat(folder / name))
            except OSError:
                outdated.append(name)
                continue
            if not (cached.signature == _signature(now) and max(now.st_mtime_ns, now.st_ctime_ns)
                    < trusted.get(name, 0) - options.racy_ns):
                outdated.append(name)
        known = {name: entries[name].sha256 for name in outdated if name in entries}
        read = partial(read_file, config=config, known=known)
        results = dict(zip(outdated, fork_map(read, [folder / name for name in outdated],
                                              minimum), strict=True))
        fresh: dict[str, Cached] = {}  # the files read again, as they are now
        notices, digests = [], {}
        for name in names:
            notice_id = id_of_file(name)
            if name not in results:
                if notice_id is None:
                    continue
                kept = entries[name]
                notices.append(kept.notice)
                digests[notice_id] = kept.sha256
                continue
            stat, sha, notice = results[name]
            if notice is None:  # the same bytes as the cached notice's
                notice = entries[name].notice
            elif isinstance(notice, list):
                problems.extend(problems_in(notice_path(name), notice))
                continue
            if stat is not None:
                fresh[name] = Cached(_signature(stat), sha, notice)
            if notice_id is not None:  # else notice_names reported the name
                notices.append(notice)
                digests[notice_id] = sha
        if store is not None and store.writable:
            present = set(names)
            changed = list(outdated)
            changed += [name for name in entries if name not in present]  # deleted
            _save_notices(store, config_digest, shards, fresh, changed, started,
                          parallel=options.fork and len(outdated) >= options.fork_files)
    return LoadedNotices(notices, problems, digests)


def notice_shard(name: str) -> str:
    return f"notices-{shard(name, NOTICE_SHARDS):02d}"


def _save_notices(store: Store, config_digest: str, shards: dict[str, dict[str, Cached]],
                  fresh: dict[str, Cached], changed: list[str], started: int,
                  parallel: bool = False) -> None:
    """Rewrite only the shards holding an entry that changed (``changed``: the files
    read again or deleted; one file edited: one shard); ``parallel``: many changed, so
    a forked child writes half of the shards."""
    rewrite: set[str] = set()
    for name in changed:
        shard_name = notice_shard(name)
        held = shards.setdefault(shard_name, {})
        entry = fresh.get(name)
        if held.get(name) is entry:
            continue
        if entry is None:
            held.pop(name, None)
        else:
            held[name] = entry
        rewrite.add(shard_name)

    def save(shard_name: str) -> None:
        store.save(shard_name, {"config": config_digest, "written_ns": started,
                                "entries": shards[shard_name]})

    fork_map(save, sorted(rewrite), 2 if parallel else NOTICE_SHARDS + 1)


def _view_form(value: NoticeView, digests: Mapping[str, str]) -> bytes:
    """What a page's key takes from a notice view: its file and what ``now`` shows of it."""
    ended = value.ended.timestamp() if value.ended else None
    return (f"V{value.notice.id}|{digests.get(value.notice.id, '?')}|"
            f"{len(value.updates)}|{value.status.value}|{value.is_open}|"
            f"{value.started.timestamp()}|{ended}|{value.postmortem is not None}\0"
            ).encode()


def input_key(path: str, inputs: object, digests: Mapping[str, str],
              seen: dict[int, tuple[object, bytes]] | None = None) -> str:
    """The sha256 of a page's path and inputs, the same in every process. Each input is
    fed to the digest tagged by its kind (a repr never holds a NUL, so the parts
    cannot run together). ``seen`` keeps the form of each view (and of each string) by
    its id, and the object, so that the id is never another's: one view is in several
    pages (its own, its year's, its components'), one string (the chrome) in all."""
    parts = [path.encode(errors="surrogateescape"), b"\0"]
    _feed(inputs, parts, seen if seen is not None else {}, digests)
    return hashlib.sha256(b"".join(parts)).hexdigest()


def _form(value: object, known: dict[int, tuple[object, bytes]],
          digests: Mapping[str, str]) -> bytes:
    """The tagged bytes of a view or a string, made once per object."""
    found = known.get(id(value))
    if found is None:
        data = (_view_form(value, digests) if isinstance(value, NoticeView)
                else f"R{value!r}\0".encode(errors="surrogateescape"))
        found = known[id(value)] = (value, data)
    return found[1]


def _feed(value: object, parts: list[bytes], known: dict[int, tuple[object, bytes]],
          digests: Mapping[str, str]) -> None:
    """Append the tagged bytes of ``value`` to ``parts`` (hashed once, joined: a page
    key is thousands of small parts, and one call per part is most of its cost)."""
    kind = type(value)
    if kind is NoticeView or kind is str:  # in every page: keep these cheap
        parts.append(_form(value, known, digests))
    elif kind is list or kind is tuple:
        parts.append(b"(")
        for item in value:  # type: ignore[attr-defined]
            item_kind = type(item)
            if item_kind is NoticeView or item_kind is str:  # most items: no call
                found = known.get(id(item))
                parts.append(found[1] if found is not None else _form(item, known, digests))
            else:
                _feed(item, parts, known, digests)
        parts.append(b")")
    elif isinstance(value, NoticePart):
        parts.append(f"P{value.notice_id}|{digests.get(value.notice_id, '?')}|"
                     f"{value.detail!r}\0".encode(errors="surrogateescape"))
    elif isinstance(value, NoticeView):
        parts.append(_form(value, known, digests))
    elif isinstance(value, (list, tuple)):
        _feed(list(value), parts, known, digests)
    elif isinstance(value, dict):
        parts.append(b"{")
        for key, item in value.items():
            parts.append(f"K{key!r}\0".encode(errors="surrogateescape"))
            _feed(item, parts, known, digests)
        parts.append(b"}")
    elif isinstance(value, datetime):
        parts.append(f"D{value.isoformat()}\0".encode())
    else:
        parts.append(f"R{value!r}\0".encode(errors="surrogateescape"))


def index_shard(path: str) -> str:
    return f"pages-{shard(path, SHARDS):02d}"


# An index entry: the page's key, its sha256 and its size.
Entry = tuple[str, str, int]


class KeyedPages:
    """What both page caches share: a page is looked up by its key, made from its path
    and declared inputs (``input_key``; the form of each view and string made once)."""

    def __init__(self, digests: dict[str, str]) -> None:
        self.digests = digests
        self._forms: dict[int, tuple[object, bytes]] = {}  # id -> view or string, its key form
        self.hits: set[str] = set()

    def lookup(self, path: str, page: Page) -> tuple[str, Kept | None]:
        key = input_key(path, page.inputs, self.digests, self._forms)
        return key, self.kept(path, key, page.render)

    def kept(self, path: str, key: str, render: Callable[[], bytes]) -> Kept | None:
        raise NotImplementedError


class PageMemo(KeyedPages):
    """The page cache of a build (``pipeline.PageCache``): a page is reused when its key,
    derived from its path and its declared inputs, matches the last build's.

    An index (``pages-NN``: path -> key, sha256, size) answers every lookup. The cache
    keeps no page bytes: the output folder the last build wrote holds them
    (``sources``), and a kept page's file is read, and checked against its sha256, only
    when its bytes are asked for (a build that writes only the files that changed reads
    none). A kept page whose file is missing or not the one written is rendered again."""

    def __init__(self, store: Store | None, digests: dict[str, str],
                 sources: tuple[Path, ...] = ()) -> None:
        super().__init__(digests)
        self.store = store
        self.sources = sources
        self._index: dict[str, dict[str, Entry]] = {}
        self._sha: dict[str, tuple[bytes, str]] = {}  # path -> (those bytes, their sha256)
        self._dirty: set[str] = set()
        self._used: dict[str, set[str]] = {}
        self.fragments = StoredFragments(store)  # per-notice API objects (generator/render/api.py)

    def _shard(self, name: str) -> dict[str, Entry]:
        if name not in self._index:
            found = self.store.load(name) if self.store is not None else None
            self._index[name] = found if isinstance(found, dict) else {}
        return self._index[name]

    def kept(self, path: str, key: str, render: Callable[[], bytes]) -> Kept | None:
        """The page kept for ``path`` under ``key``, if any (``render``: what makes its
        bytes when the file written for it is gone or changed)."""
        name = index_shard(path)
        pages = self._shard(name)
        self._used.setdefault(name, set()).add(path)
        found = pages.get(path)
        if found is not None and found[0] == key:
            self.hits.add(path)
            return Kept(found[1], found[2], partial(self._read, path, found, render))
        self._dirty.add(name)
        return None

    def _read(self, path: str, entry: Entry, render: Callable[[], bytes]) -> bytes:
        """A kept page's bytes, from the first source holding the very file written
        (the same inputs render the same bytes: else it is rendered again)."""
        for folder in self.sources:
            data = regular_bytes(folder / path, entry[2])
            if data is not None and hashlib.sha256(data).hexdigest() == entry[1]:
                return data
        return render()

    def keep(self, path: str, key: str, data: bytes) -> None:
        name = index_shard(path)
        self._shard(name)[path] = (key, self.digest(path, data), len(data))
        self._used.setdefault(name, set()).add(path)  # looked up in another process
        self._dirty.add(name)

    def digest(self, path: str, data: bytes) -> str:
        """hashlib.sha256(data).hexdigest(), reusing the digest of the same bytes object
        asked for before."""
        found = self._sha.get(path)
        if found is not None and found[0] is data:
            return found[1]
        digest = hashlib.sha256(data).hexdigest()
        self._sha[path] = (data, digest)
        return digest

    def get(self, notice_id: str, key: str | None, make: Callable[[], T],
            group: str = "") -> T:
        """A per-notice fragment (see generator/build/fragments.py)."""
        value: T = self.fragments.get(notice_id, key, make, group)
        return value

    def detach(self) -> None:
        """This copy of the cache served producers in a second process: keep the
        fragments they made (the index of its pages goes back with their keys)."""
        self.fragments.save(alive=self.digests)

    def save(self) -> None:
        """Keep the index of this build's pages (pages no longer produced dropped)."""
        self.fragments.save(alive=self.digests)
        store = self.store
        if store is None:
            return
        for name in sorted(self._index):
            pages = self._index[name]
            for path in set(pages) - self._used.get(name, set()):
                del pages[path]
                self._dirty.add(name)
            if name in self._dirty:
                store.save(name, pages)
        for name in store.names("pages-"):  # no page of this build in it (or, past
            if name not in self._index:     # SHARDS, an earlier count's shard)
                store.remove(name)
        for name in store.names("page-bytes-"):  # where earlier caches kept page bytes
            store.remove(name)


# A page remembered in memory: its key, its bytes and their sha256.
Remembered = tuple[str, bytes, str]


class PagesInMemory(KeyedPages):
    """The preview's page cache (``pipeline.PageCache``) for one render: the pages and
    per-notice fragments of the render before it (``earlier``), reused where their keys
    match, as a build's ``PageMemo`` does. Nothing is written anywhere: it lives as long
    as the preview does, which runs one version of the code and reads the time zone
    rules once (what the build cache's stamp stands for)."""

    def __init__(self, digests: dict[str, str], earlier: PagesInMemory | None = None) -> None:
        super().__init__(digests)
        self._earlier = earlier._pages if earlier is not None else {}
        self._earlier_fragments = earlier._fragments if earlier is not None else {}
        self._pages: dict[str, Remembered] = {}
        self._fragments: dict[tuple[str, str], tuple[str, object]] = {}

    def kept(self, path: str, key: str, render: Callable[[], bytes]) -> Kept | None:
        found = self._earlier.get(path)
        if found is None or found[0] != key:
            return None
        self._pages[path] = found
        self.hits.add(path)
        data = found[1]
        return Kept(found[2], len(data), lambda: data)

    def keep(self, path: str, key: str, data: bytes) -> None:
        self._pages[path] = (key, data, self.digest(path, data))

    def digest(self, path: str, data: bytes) -> str:
        found = self._pages.get(path)
        if found is not None and found[1] is data:
            return found[2]
        return hashlib.sha256(data).hexdigest()

    def get(self, notice_id: str, key: str | None, make: Callable[[], T],
            group: str = "") -> T:
        """A per-notice fragment, made again unless the render before made it for the
        same ``key`` (None: never reused)."""
        if key is None:
            return make()
        found = self._earlier_fragments.get((group, notice_id))
        value = cast(T, found[1]) if found is not None and found[0] == key else make()
        self._fragments[(group, notice_id)] = (key, value)
        return value

    def detach(self) -> None:
        return None
