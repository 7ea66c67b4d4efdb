"""The ``dir`` target: a folder any web server serves.

Layout under ``path``::

    releases/r000007-<build id>/   one folder per publish, written in full
    current -> releases/r000007-...  the symlink to serve, swapped atomically
    state/<name>                   durable state records, not served
    .lock                          one publish at a time

A new release is written under a hidden name, renamed into place, then ``current``
is replaced in one rename. Unchanged files are hard links to the previous release, once
their bytes are checked against its manifest; a damaged one is written from the build.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

from generator.build.store import CACHE_DIR
from generator.config.location import CONFIG_FILE, SITE_DIR
from generator.core.errors import Problem, ProblemsFound
from generator.disk import (
    FILE_MODE,
    FOLDER_MODE,
    NO_ROOM,
    NOT_WRITABLE,
    left_private,
    make_folders,
    open_up,
    refused_write,
    regular_bytes,
    write_file_atomic,
)
from generator.notices.grammar import NOTICES_DIR
from generator.publish.base import (
    Counts,
    PublishError,
    TransientError,
    built_file,
    check_state_name,
    kept_assets,
)
from generator.publish.settings import TargetSettings
from generator.publish.verify import (
    LocalCopy,
    check_files,
    in_parallel,
    load_published_manifest,
    verify_http,
)
from generator.render.manifest import BUILD_INPUTS, MANIFEST, Entry, Manifest, parse_manifest
from generator.render.mediatypes import is_hashed_asset
from generator.render.overrides import TEMPLATE_OVERRIDES

# The repository's own folders, and why a target in one would go wrong.
_OWN_FOLDERS = {
    NOTICES_DIR: "whose files are read as notices",
    TEMPLATE_OVERRIDES: "whose files are read as templates",
    SITE_DIR: "which the next build replaces",
    CACHE_DIR: "which the next build replaces",
    ".git": "git's own folder",
}


def target_folder(settings: TargetSettings, root: Path) -> Path:
    """The folder a ``dir`` target publishes to (``path``, relative to ``root``)."""
    path = Path(str(settings.option("path"))).expanduser()
    return path if path.is_absolute() else root / path


def check_folder(settings: TargetSettings, root: Path) -> Problem | None:
    """For ``outpost check`` and ``publish``: the problem of a ``path`` that is the
    repository itself or inside one of its own folders (_OWN_FOLDERS)."""
    real, top = os.path.realpath(target_folder(settings, root)), os.path.realpath(root)
    inside = next((name for name in _OWN_FOLDERS
                   if Path(real).is_relative_to(os.path.join(top, name))), None)
    # releases/, current and .lock went into / (or the home folder) among the system's
    # own folders (or the user's).
    shared = {os.path.realpath(os.sep): "the whole file system's top folder",
              os.path.realpath(os.path.expanduser("~")): "your home folder"}.get(real)
    if inside is not None:
        where, why = f"inside {inside}/", _OWN_FOLDERS[inside]
    elif shared is not None or real == top:
        where = shared or "the repository itself"
        why = "whose files would be mixed with its releases"
    else:
        return None
    return Problem(CONFIG_FILE, settings.line_of("path"),
                   f"publish target '{settings.name}': path '{settings.option('path')}' is "
                   f"{where}, {why}: publish to a folder of its own, such as public/ or "
                   "../status-site")


_RELEASE = re.compile(r"r(\d{6,})-[0-9a-f]+")
_STAGING = re.compile(r"\.new-r(\d{6,})-[0-9a-f]+")
_FLUSH_JOBS = 8


def _written_here(folder: Path) -> bool:
    """Whether ``folder`` is a release a publish wrote: named as one, a folder (not a
    link) and holding the manifest of the build its name ends in. A folder of the
    user's under releases/ named like one (r000001-abc) was pruned with its files."""
    match = _RELEASE.fullmatch(folder.name)
    if match is None or folder.is_symlink() or not folder.is_dir():
        return False
    try:
        manifest = parse_manifest(regular_bytes(folder / MANIFEST) or b"")
    except (OSError, ValueError):
        return False
    return folder.name == f"r{match.group(1)}-{manifest.build_id}"


def _fsync(path: str | Path, folder: bool = False) -> None:
    """Flush the file ``path`` to disk, or the entries of a ``folder`` (its renames)."""
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if folder else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _files_below(folder: Path) -> list[str]:
    """Every regular file below ``folder`` (symlinks to files too), as relative paths."""
    found = []
    for parent, _, names in os.walk(folder):
        base = Path(parent).relative_to(folder)
        found += [(base / name).as_posix() for name in names
                  if os.path.isfile(os.path.join(parent, name))]
    return found


def _intact(release: Path | None, old: Manifest | None, manifest: Manifest) -> set[str]:
    """The paths of ``manifest`` whose file in ``release`` (published with ``old``) still
    has the listed bytes: only these are hard-linked into the next release. A file
    changed in place since (all releases linked to it share the change) is written
    afresh from the build."""
    if release is None or old is None:
        return set()
    return {path for path, entry in manifest.files.items()
            if old.files.get(path) == entry and _holds(release / path, entry)}


def _holds(path: Path, entry: Entry) -> bool:
    """Whether ``path`` is a regular file (not a link) with the bytes ``entry`` lists."""
    return not path.is_symlink() and LocalCopy(path.parent).matching(path.name,
                                                                     entry) is not None


@dataclass(frozen=True)
class _Reuse:
    """What a new release takes from the one ``current`` points at, as hard links."""

    listed: dict[str, Path]  # its files of the manifest that still have the listed bytes
    earlier: dict[str, Path]  # the content-hashed assets kept unlisted (see kept_assets)
    present: list[str]  # every file in it


def _reuse(release: Path | None, old: Manifest | None, manifest: Manifest) -> _Reuse:
    """What ``release``, published with ``old``, offers a release of ``manifest``."""
    if release is None:
        return _Reuse({}, {}, [])
    present = _files_below(release)
    return _Reuse({path: release / path for path in _intact(release, old, manifest)},
                  {path: release / path for path in kept_assets(present, old, manifest)},
                  present)


def _rewritten_because(release: Path, old: Manifest, manifest: Manifest, reuse: _Reuse
                       ) -> str | None:
    """Why ``release``, published with ``old``, the same build as ``manifest``, is
    written again ('no longer matches its manifest'); None when it stays current."""
    if left_private(release):  # see open_up: written again, as below
        return "can be read by its owner only"
    if len(reuse.listed) < len(manifest.files) or _extra(release, manifest):
        # Damaged or added to since it was published: a complete release again.
        return "no longer matches its manifest"
    if old != manifest:
        # The same pages built from other inputs (outpost.yaml edited, a contact added):
        # notify reads them in the manifest served.
        return f"holds this build made from other {BUILD_INPUTS}"
    return None


def _extra(release: Path, manifest: Manifest) -> list[str]:
    """Files in ``release`` that ``manifest`` does not list (put there since), but the
    content-hashed assets of an earlier build it keeps (see kept_assets)."""
    return sorted(path for path in set(_files_below(release)) - set(manifest.files)
                  - {MANIFEST} if not is_hashed_asset(path))


def _link(source: Path, target: Path) -> None:
    """``target`` as a hard link to ``source``, or a copy where links cannot be made."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _write(path: Path, data: bytes) -> None:
    """Write ``path``, not yet flushed to disk: _flush does that for a whole release."""
    make_folders(path.parent)
    path.write_bytes(data)
    path.chmod(FILE_MODE)


def _flush(paths: list[Path]) -> None:
    """Flush written files to disk, once all are written and several at a time, so the
    file system commits them together: one by one as each was written, it waited for
    the disk once per file (a first publish of 10,000 files took 22-30 s here, 6-9 s
    so)."""
    in_parallel(_fsync, [str(path) for path in paths], _FLUSH_JOBS)


class FolderTarget:
    """Publishes into PATH/releases and points PATH/current at the new release."""

    may_mix_builds = False  # one rename points current at the whole release

    def __init__(self, settings: TargetSettings, root: Path) -> None:
        self.name = settings.name
        self.settings = settings
        self.counts = Counts()
        problem = check_folder(settings, root)
        if problem is not None:  # a configuration problem, not a failure to publish
            raise ProblemsFound([problem])
        self.path = target_folder(settings, root)
        self.place = f"dir {os.path.realpath(self.path)}"
        self.keep: int = settings.option("keep") or 3

    @property
    def releases(self) -> Path:
        return self.path / "releases"

    @property
    def current(self) -> Path:
        return self.path / "current"

    def _current_release(self) -> Path | None:
        if not self.current.is_symlink():
            if self.current.exists():
                raise PublishError(f"{self.current} exists and is not a symlink: move it away "
                                   "so Outpost can manage it")
            return None
        return (self.path / os.readlink(self.current)).resolve()

    def _current_manifest(self) -> Manifest | None:
        release = self._current_release()
        if release is None:
            return None
        try:
            return parse_manifest((release / MANIFEST).read_bytes())
        except (OSError, ValueError):
            return None

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        try:
            make_folders(self.path)  # the web server enters it on its way to current/
            open_up(self.path)  # as an earlier version may have left it (umask 077)
            handle = open(self.path / ".lock", "a+b")  # noqa: SIM115 (closed below)
        except OSError as exc:
            if exc.errno not in NOT_WRITABLE:
                raise
            # The system's words alone ('Read-only file system: .../.lock') said
            # nothing of what to do.
            why, then = refused_write(
                exc, "publish", not_writable="make it writable for the user publishing (a "
                "read-only mount, a folder of another user), or set another path")
            raise PublishError(f"cannot write into {self.path}: {why}; {then}") from None
        with handle:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise TransientError(f"another publish to {self.path} is running") from None
            yield

    @contextlib.contextmanager
    def _unfinished_removed_on_failure(self) -> Iterator[None]:
        """A release that fails half-way (a full disk, a site rebuilt meanwhile) is
        removed at once, under the lock: left for the next publish, it held the space a
        retry or a state record needs."""
        try:
            yield
        except BaseException as exc:
            for child in self.releases.glob(".new-*"):
                shutil.rmtree(child, ignore_errors=True)
            if isinstance(exc, OSError) and exc.errno in NO_ROOM:
                # The system's words alone ('No space left on device') named no folder
                # and said nothing of what readers are served meanwhile.
                raise PublishError(self._no_room(exc)) from None
            raise

    def _no_room(self, exc: OSError) -> str:
        """What a full disk (or quota, or file size limit) left: the folder the release
        could not be written into, and what readers are served meanwhile."""
        release = self._current_release() if self.current.is_symlink() else None
        served = (f"{self.current} still serves {release.name}" if release is not None
                  else "nothing is served there yet")
        why, then = refused_write(exc, "publish", no_room="free space there and publish again")
        return f"cannot write a new release into {self.releases}: {why}; {served}: {then}"

    def _next_sequence(self) -> int:
        numbers = [0]
        for child in self.releases.iterdir():
            match = _RELEASE.fullmatch(child.name) or _STAGING.fullmatch(child.name)
            if match:
                numbers.append(int(match.group(1)))
        return max(numbers) + 1

    def publish(self, site_dir: Path, manifest: Manifest) -> Iterator[str]:
        self.counts = Counts()
        with self._lock(), self._unfinished_removed_on_failure():
            make_folders(self.releases)
            open_up(self.releases)
            yield from self._remove_abandoned()
            old = self._current_manifest()
            old_release = self._current_release()
            reuse = _reuse(old_release, old, manifest)
            if old is not None and old_release is not None and (
                    old.build_id == manifest.build_id):
                why = _rewritten_because(old_release, old, manifest, reuse)
                if why is None:
                    self.counts = Counts(unchanged=len(manifest.files), live=True)
                    yield f"build {manifest.build_id} is already current"
                    yield from self._prune(old_release)  # a run killed before its prune
                    return
                yield f"release {old_release.name} {why}: writing a new one"
            name = f"r{self._next_sequence():06d}-{manifest.build_id}"
            # Counted once current points at the release: one never put in place served
            # nothing.
            counts = yield from self._write_release(name, site_dir, manifest, reuse)
            self._point_current(name)
            if old is not None:
                # What the old release served and this one does not.
                counts.deleted = len(set(reuse.present) - set(manifest.files) - {MANIFEST}
                                     - set(reuse.earlier))
            counts.live = True
            self.counts = counts
            _fsync(self.path, folder=True)
            yield f"current -> releases/{name}"
            yield from self._prune(self.releases / name)

    def _write_release(self, name: str, site_dir: Path, manifest: Manifest, reuse: _Reuse
                       ) -> Generator[str, None, Counts]:
        """Write release ``name`` in full under a hidden name, on disk before it is
        renamed into place; returns how many files were written (uploaded) and linked
        (unchanged)."""
        staging = self.releases / f".new-{name}"
        staging.mkdir()
        staging.chmod(FOLDER_MODE)
        yield f"writing release {name}"
        counts = Counts()
        made: set[Path] = set()
        written: list[Path] = []
        for path in sorted(manifest.files):
            target = staging / path
            if target.parent not in made:
                make_folders(target.parent)
                made.add(target.parent)
            if path in reuse.listed:
                _link(reuse.listed[path], target)
                open_up(target)  # linked to a file an earlier version left 0600
                counts.unchanged += 1
                continue
            _write(target, built_file(site_dir, path, manifest.files[path]))
            written.append(target)
            counts.uploaded += 1
            yield f"wrote {path}"
        for path, source in sorted(reuse.earlier.items()):  # unlisted, as in the release
            make_folders((staging / path).parent)
            _link(source, staging / path)
        _write(staging / MANIFEST, manifest.to_bytes())
        _flush([*written, staging / MANIFEST])
        _fsync(self.releases, folder=True)
        staging.rename(self.releases / name)
        _fsync(self.releases, folder=True)
        yield f"release {name} complete"
        return counts

    def _point_current(self, name: str) -> None:
        """Point ``current`` at release ``name``, in one rename."""
        link = self.path / f".current.new-{os.getpid()}"
        link.unlink(missing_ok=True)
        link.symlink_to(Path("releases") / name)
        os.replace(link, self.current)

    def _remove_abandoned(self) -> Iterator[str]:
        for child in sorted(self.releases.iterdir()):
            if _STAGING.fullmatch(child.name):
                shutil.rmtree(child, ignore_errors=True)
                yield f"removed unfinished release {child.name[5:]}"
        for child in self.path.glob(".current.new-*"):
            child.unlink(missing_ok=True)

    def _prune(self, current: Path) -> Iterator[str]:
        releases = sorted((c for c in self.releases.iterdir() if _written_here(c)),
                          key=lambda c: int(c.name[1:].split("-")[0]))
        for old in releases[:-self.keep]:
            if old.resolve() != current.resolve():
                shutil.rmtree(old)
                yield f"pruned release {old.name}"

    def verify(self, site_dir: Path | None = None) -> Iterator[str]:
        if self.settings.url:
            yield from verify_http(self.settings.url)
            return
        release = self._current_release()
        if release is None:
            raise PublishError(f"{self.current} does not exist: nothing was published yet")

        def read(path: str) -> bytes | None:  # a FIFO put there is never read: missing
            return regular_bytes(release / path)

        manifest = load_published_manifest(read, str(self.current))
        listed = _files_below(release)
        yield f"reading {self.current} -> {release.name}"
        yield from check_files(manifest, read, listed, local=LocalCopy(site_dir))

    def published(self) -> Manifest | None:
        return self._current_manifest()

    def _state_path(self, name: str) -> Path:
        return self.path / "state" / check_state_name(name)

    def read_state(self, name: str) -> bytes | None:
        try:
            return self._state_path(name).read_bytes()
        except FileNotFoundError:
            return None

    def write_state(self, name: str, data: bytes) -> None:
        path = self._state_path(name)
        try:
            write_file_atomic(path, data)
        except OSError as exc:
            if exc.errno not in NO_ROOM + NOT_WRITABLE:
                raise
            # The system's words alone named neither the file nor what to do.
            why, then = refused_write(
                exc, "publish", no_room="free space there and publish again",
                not_writable="make it writable for this user and publish again")
            raise PublishError(f"cannot write {path}: {why}: {then}") from None
