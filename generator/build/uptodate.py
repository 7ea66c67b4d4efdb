"""Is the site in ``out`` already what a build would write? Answered cheaply, and never
trusted blindly: from a small record of the last build (the folder, the site's zone,
the inputs' key, when it was written, the file count, the sha256 of ``index.html`` and
``manifest.json``), a stat of every notice (a change younger than the record is never
trusted: git's racy-clean rule), two file digests and a stat of every file in ``out``
(a page deleted or a feed overwritten by hand is never trusted). Nothing here imports the YAML
stack, the cache or a renderer: ``outpost build`` with nothing to do stays fast.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import struct
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from generator.build.options import DEFAULTS, BuildOptions
from generator.build.store import Store, file_digest, open_store, tree_digest, zone_digest
from generator.render.overrides import override_folder

UP_TO_DATE = "uptodate"  # the record's name in the build cache
LAST = ("index.html", "manifest.json")  # written last by every build: checked every time


@dataclass(frozen=True)
class NoticesSeen:
    """Every entry of notices/ with its stat (None where it cannot be listed whole), and
    when the listing began: a change made after it is never trusted; with the digests
    of outpost.yaml and templates/ taken before the build reads them, so that an edit
    saved while it runs is never recorded as built. Taken once, for the up-to-date
    check and the build that may follow it."""

    at_ns: int
    listing: Listing | None
    settings: tuple[str, str]


def see_notices(root: Path) -> NoticesSeen:
    started = time.time_ns()
    return NoticesSeen(started, list_notices(root), settings_digests(root))


def up_to_date(root: Path, out: Path, now: datetime, options: BuildOptions = DEFAULTS,
               store: Store | None = None, seen: NoticesSeen | None = None) -> int | None:
    """The file count of the last build if it wrote ``out`` from these very inputs
    (``store``: the build cache, if the caller opened it; ``seen``: notices/ as the
    caller listed it, else it is listed here)."""
    if not options.cached:
        return None
    store = store if store is not None else open_store(root)
    out = out.absolute()
    record = store.load(UP_TO_DATE)
    zone = record.get("zone") if isinstance(record, dict) else None
    if not isinstance(zone, str):
        return None
    settings = settings_key(root, out, now, store, zone,
                            seen.settings if seen is not None else None)
    return _up_to_date(record, root, out, settings, options.racy_ns,
                       seen.listing if seen is not None else None)


def save_record(store: Store, root: Path, out: Path, now: datetime, started_ns: int,
                count: int, shas: dict[str, str], options: BuildOptions,
                written: Mapping[str, tuple[int, int, int]], zone: str,
                listed: Listing | None = None,
                settings: tuple[str, str] | None = None) -> None:
    """Record a build of ``out`` that started at ``started_ns`` and left ``written``
    (output_stats) there, in the site's time zone ``zone`` (no record if a notice
    changed too recently to be trusted). ``listed``
    and ``settings``: notices/ as ``list_notices`` gave it and the ``settings_digests``
    taken when the build started, before it read any input (else they are taken now)."""
    key = inputs_key(settings_key(root, out, now, store, zone, settings),
                     notice_signatures(root, started_ns - options.racy_ns, listed))
    if key is not None:
        store.save(UP_TO_DATE, {"out": str(out), "folder": folder_id(out), "zone": zone,
                                "inputs": key, "written_ns": started_ns, "count": count,
                                "last": {name: shas[name] for name in LAST if name in shas},
                                "output": stats_digest(written)})


def output_stats(out: Path) -> dict[str, tuple[int, int, int]]:
    """Every file under ``out`` (its path relative to ``out``) with its size, mtime and
    inode: a file some other hand deleted, replaced or edited no longer matches."""
    found: dict[str, tuple[int, int, int]] = {}
    folders = [("", os.fspath(out))]
    while folders:
        prefix, folder = folders.pop()
        try:
            with os.scandir(folder) as scan:
                for entry in scan:
                    if entry.is_dir(follow_symlinks=False):
                        folders.append((f"{prefix}{entry.name}/", entry.path))
                        continue
                    info = entry.stat(follow_symlinks=False)
                    found[prefix + entry.name] = (info.st_size, info.st_mtime_ns, info.st_ino)
        except OSError:
            continue
    return found


def stats_digest(stats: Mapping[str, tuple[int, int, int]]) -> str:
    # marshal: a quarter of repr's time at 10,000 files; the digest is only ever compared
    # with one this same installation made.
    return hashlib.sha256(marshal.dumps(sorted(stats.items()))).hexdigest()


def settings_digests(root: Path) -> tuple[str, str]:
    """The digests of outpost.yaml and of templates/."""
    return file_digest(root / "outpost.yaml"), tree_digest(override_folder(root))


def settings_key(root: Path, out: Path, now: datetime, store: Store, zone: str,
                 settings: tuple[str, str] | None = None) -> list[str]:
    """Every input of a build except the notices (the code is in the store's stamp), with
    the rules of the site's time zone ``zone`` (outpost.yaml names it; the machine's
    zone database holds them). ``settings``: ``settings_digests`` as taken before the
    build read them (else they are taken now)."""
    return [store.stamp, *(settings or settings_digests(root)), now.isoformat(),
            os.path.realpath(out), zone_digest(zone)]


def inputs_key(settings: list[str], signatures: str | None) -> str | None:
    """None when a notice changed too recently for its stat to stand for its content."""
    if signatures is None:
        return None
    return hashlib.sha256(repr([settings, signatures]).encode()).hexdigest()


# Every entry of notices/, sorted, with its stat (symlinks followed).
Listing = tuple[list[str], list[os.stat_result]]


def list_notices(root: Path) -> Listing | None:
    """Every entry of root/notices and its stat; None if it cannot be listed whole."""
    try:
        return _stat_all(root / "notices")
    except OSError:
        return None


def notice_signatures(root: Path, trusted_before_ns: int,
                      listed: Listing | None = None) -> str | None:
    """A digest of the name and stat (size, mtime, ctime, inode, mode) of every entry in
    notices/ (``listed``, else listed now); None if one changed too recently for its
    stat to stand for its content."""
    folder = root / "notices"
    if listed is None:
        try:
            listed = _stat_all(folder)
        except OSError:  # no notices folder; or not a folder, or an entry went away
            return None if os.path.lexists(folder) else "-"
    names, stats = listed
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


def _up_to_date(record: object, root: Path, out: Path, settings: list[str], racy_ns: int,
                listed: Listing | None = None) -> int | None:
    """The file count of the last build, if it wrote ``out`` (still the same folder, its
    Open page and manifest untouched) from these settings and these notice files."""
    if not isinstance(record, dict) or not same_folder(record.get("out"), out):
        return None
    last, count, written_ns = record.get("last"), record.get("count"), record.get("written_ns")
    if (record.get("folder") != folder_id(out) or not isinstance(last, dict)
            or not isinstance(count, int) or not isinstance(written_ns, int)):
        return None
    if any(file_digest(out / str(name)) != sha for name, sha in last.items()):
        return None
    key = inputs_key(settings, notice_signatures(root, written_ns - racy_ns, listed))
    if key is None or key != record.get("inputs"):
        return None
    # Every file still the one written (a deleted page or an edited feed is rebuilt).
    return count if record.get("output") == stats_digest(output_stats(out)) else None


def same_folder(recorded: object, out: Path) -> bool:
    """Whether ``recorded``, the folder a build wrote, is ``out`` however either is spelt
    (a repository reached through a symlink, or found from inside it by its real path)."""
    return isinstance(recorded, str) and (recorded == str(out) or os.path.realpath(recorded)
                                          == os.path.realpath(out))


def folder_id(out: Path) -> tuple[int, int] | None:
    try:
        stat = out.stat()
    except OSError:
        return None
    return (stat.st_dev, stat.st_ino)


