"""Checked pickles in ROOT/.outpost-cache/: never trusted, only reused when they check out.

Every file is ``MAGIC``, one JSON header line, then a pickle. The header holds the
format, a *stamp* (the package version plus a digest of Outpost's own code, templates
and static files, and of the rendering libraries installed) and the payload's sha256.
A file whose magic, format, stamp or checksum differs is ignored: it is simply
rebuilt. Writes are atomic.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
import zlib
import zoneinfo
from pathlib import Path

import generator
from generator import __version__
from generator.disk import files_under, regular_bytes, write_file_atomic

CACHE_DIR = ".outpost-cache"
FORMAT = 1
MAGIC = b"OUTPOST-CACHE\n"
RENDERING_PACKAGES = ("jinja2", "cmarkgfm", "nh3", "yaml", "click")


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
    """The sha256 of a regular file's bytes; "-" for anything else or nothing."""
    data = regular_bytes(path)
    return "-" if data is None else hashlib.sha256(data).hexdigest()


def tree_digest(folder: Path | None) -> str:
    """Names and contents of every file under ``folder``, through symlinked folders that
    stay in its parent (the repository), as templates are read ("-" if there is none,
    as for a folder that holds no file: git keeps no such folder, so CI never has it)."""
    files = files_under(folder, folder.parent) if folder else []
    if folder is None or not files:
        return "-"
    digest = hashlib.sha256()
    for path in files:
        digest.update(os.fsencode(path.relative_to(folder).as_posix()) + b"\0")
        # None: gone since it was listed (deleted as the build started), which the build
        # then names, if a template needs it
        data = regular_bytes(path)
        digest.update(b"\0-" if data is None else data)
    return digest.hexdigest()


def zone_digest(key: str) -> str:
    """The sha256 of the rules of the time zone ``key`` as zoneinfo reads them: the first
    file of that name on its search path, else the tzdata package's ("-" if none). An
    update of the machine's zone database changes them, and with them the times a build
    reads and writes in that zone."""
    for folder in zoneinfo.TZPATH:
        path = os.path.join(folder, key)
        if os.path.isfile(path):
            return file_digest(Path(path))
    from importlib import resources

    *package, name = key.split("/")
    try:
        data = resources.files(".".join(["tzdata.zoneinfo", *package])).joinpath(name)
        return hashlib.sha256(data.read_bytes()).hexdigest()
    except Exception:  # no tzdata package, or no such zone in it
        return "-"


def shard(name: str, count: int) -> int:
    """Which of ``count`` shards (files of the store) holds the entry ``name``: crc32,
    cheap and the same in every process. A file name that is not UTF-8 holds
    surrogates: its own bytes are hashed."""
    return zlib.crc32(name.encode(errors="surrogateescape")) % count


class Store:
    """Checked pickles in one folder. ``load`` returns None for anything doubtful."""

    writable = True

    def __init__(self, folder: Path, stamp: str) -> None:
        self.folder = folder
        self.stamp = stamp

    def in_zone(self, key: str) -> Store:
        """The same folder for entries that also depend on the rules of the site's time
        zone ``key`` (parsed notices, pages, API objects): made under other rules, they
        are not loaded."""
        return type(self)(self.folder, f"{self.stamp} {key}:{zone_digest(key)}")

    def load(self, name: str) -> object:
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
            value: object = pickle.loads(payload)
            return value
        except Exception:  # a damaged cache is never fatal: it is rebuilt
            return None

    def save(self, name: str, value: object) -> None:
        """Write atomically; a cache that cannot be written is skipped, not an error."""
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        header = {"format": FORMAT, "stamp": self.stamp,
                  "sha256": hashlib.sha256(payload).hexdigest()}
        save_quietly(self.folder / name, MAGIC + json.dumps(header).encode() + b"\n", payload)

    def names(self, prefix: str) -> list[str]:
        """The entries whose names start with ``prefix``."""
        try:
            return sorted(path.name for path in self.folder.iterdir()
                          if path.name.startswith(prefix))
        except OSError:
            return []

    def remove(self, name: str) -> None:
        """Remove an entry; where the folder is unusable (a file or a symlink loop in its
        place) there is none, and the build goes on without the cache."""
        with contextlib.suppress(OSError):
            (self.folder / name).unlink(missing_ok=True)


class ReadOnlyStore(Store):
    """A store read and never written: the site's own cache, from which a check of other
    files (what git is about to commit) reuses each notice of the very same bytes,
    without leaving their copies' stat in it."""

    writable = False

    def save(self, name: str, value: object) -> None:
        pass

    def remove(self, name: str) -> None:
        pass


def save_quietly(path: Path, *parts: bytes) -> None:
    """Replace ``path`` atomically with ``parts`` (no fsync: a cache, not the site); a
    file that cannot be written is skipped: caches are never an error."""
    with contextlib.suppress(OSError):
        write_file_atomic(path, parts, synced=False)


def open_store(root: Path, read_only: bool = False) -> Store:
    return (ReadOnlyStore if read_only else Store)(root / CACHE_DIR, code_digest())


