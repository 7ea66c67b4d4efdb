"""Writing files atomically (a reader sees the old bytes or the new, never half),
reading a file only when it is a regular one, and holding a stop back while a step that
must not be cut runs.

The bottom layer: any package may import it; it imports nothing of Outpost.
"""

from __future__ import annotations

import errno
import fcntl
import os
import signal
import stat
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

# What Outpost writes is readable, and its folders enterable, by a web server running as
# another user, whatever the umask of whoever ran it (077 would hide a site from it).
FILE_MODE = 0o644
FOLDER_MODE = 0o755
# A write refused for want of room: a full disk, a full quota, a file size limit
# (``ulimit -f``).
NO_ROOM = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
# A folder this user may not write into: a read-only mount, another user's folder.
NOT_WRITABLE = (errno.EROFS, errno.EACCES, errno.EPERM)
# What stops a command as asked: Ctrl-C, and SIGTERM (a cancelled CI job, ``timeout``).
STOPS = frozenset({signal.SIGINT, signal.SIGTERM})
# What the writers take: bytes, or parts written one after another (a cache's header
# and its payload, never copied into one).
Data = bytes | Sequence[bytes]


def over_size_limit(exc: OSError) -> str:
    """What a write refused by the file size limit this process runs under (``ulimit -f``)
    ran into, the limit named: the system's 'File too large' read as a full disk beside
    advice to free space, which never mends it. '' for another error."""
    import resource  # only on error paths

    limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    if exc.errno != errno.EFBIG or limit == resource.RLIM_INFINITY:
        return ""
    return (f"a file would be larger than the file size limit this process runs under "
            f"({limit:,} bytes: see ulimit -f)")


def refused_write(exc: OSError, retry: str, no_room: str = "", not_writable: str = ""
                  ) -> tuple[str, str]:
    """Why a write was refused and what to do, for a message: the file size limit named as
    such, to be raised before ``retry`` ('build', 'publish') runs again; else the system's
    words, and ``not_writable`` for a folder this user may not write into (NOT_WRITABLE)
    or ``no_room`` for a full disk or quota."""
    too_big = over_size_limit(exc)
    if too_big:
        return too_big, f"raise the limit and {retry} again"
    why = exc.strerror or str(exc)
    return why, not_writable if exc.errno in NOT_WRITABLE else no_room


def make_folders(path: Path) -> None:
    """Make ``path`` and its missing parents, each FOLDER_MODE (folders that exist keep
    theirs); FileExistsError when something other than a folder holds one of the names."""
    if path.is_dir():
        return
    make_folders(path.parent)
    try:
        path.mkdir()
    except FileExistsError:
        if not path.is_dir():  # a file, or a symlink leading nowhere
            raise
        return  # made meanwhile by another process
    path.chmod(FOLDER_MODE)


def left_private(path: Path) -> bool:
    """Whether ``path`` is open to its owner alone (no group or other bits), as an earlier
    Outpost left what it wrote under umask 077; False when it is missing."""
    try:
        return os.stat(path).st_mode & 0o077 == 0
    except OSError:
        return False


def open_up(path: Path) -> None:
    """Give ``path`` FOLDER_MODE or FILE_MODE if it was left private (left_private); a
    mode its owner chose otherwise, such as 0750, is kept."""
    if left_private(path):
        path.chmod(FOLDER_MODE if path.is_dir() else FILE_MODE)


def temp_beside(path: Path, data: Data, mode: int = FILE_MODE, synced: bool = True) -> Path:
    """``data`` in a temporary file in ``path``'s folder (made if missing), on disk before
    this returns unless not ``synced``, ready to be renamed over ``path``; the caller
    renames or removes it. NotADirectoryError when something other than a folder holds
    the folder's name."""
    try:
        make_folders(path.parent)
    except FileExistsError:  # a file, or a symlink leading nowhere: never "taken, retry"
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR),
                                 str(path.parent)) from None
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.writelines((data,) if isinstance(data, bytes) else data)
            handle.flush()
            if synced:
                os.fsync(handle.fileno())
        os.chmod(tmp, mode)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def write_file_atomic(path: Path, data: Data, synced: bool = True) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``
    (``synced``: the bytes reach the disk before the rename)."""
    mode = path.stat().st_mode & 0o777 if path.exists() else FILE_MODE
    tmp = temp_beside(path, data, mode, synced)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def taking_turns(folder: Path, waiting: Callable[[], None] | None = None
                 ) -> Iterator[None]:
    """Hold an exclusive lock on ``folder``, waiting while another process holds it, so
    that two read-change-write runs on its files never interleave; ``waiting`` is called
    first when it must wait. A folder that cannot be opened gives no lock: what runs
    inside then reports the folder's problem."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        yield
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if waiting is not None:
                waiting()
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def create_file_exclusive(path: Path, data: bytes) -> None:
    """Write a new file atomically; FileExistsError if ``path`` exists (never overwrites)."""
    tmp = temp_beside(path, data)
    try:
        os.link(tmp, path)  # fails if path exists: no overwrite, no half-written file
    finally:
        tmp.unlink(missing_ok=True)


def leads_outside(path: Path, root: Path) -> bool:
    """Whether ``path``, its symlinks followed, lies outside the folder ``root`` or inside
    its .git folder: git's own files are no part of the repository's content, and CI's
    checkout keeps its token in .git/config, which a template linked to it published."""
    real = Path(os.path.realpath(path))
    top = os.path.realpath(root)
    return not real.is_relative_to(top) or real.is_relative_to(os.path.join(top, ".git"))


def files_under(folder: Path, root: Path) -> list[Path]:
    """Every file under ``folder``, sorted, through its symlinked folders that lead to one
    inside ``root`` too (a template loader reads through them), each real folder once; a
    symlink out of ``root``, or to a folder holding ``folder`` (a loop, which would take
    in the whole repository, the site built into it too), is not followed."""
    found: list[Path] = []
    entered: set[str] = set()
    top = Path(os.path.realpath(folder))
    for parent, folders, names in os.walk(folder, followlinks=True):
        real = os.path.realpath(parent)
        if parent != str(folder) and (real in entered or leads_outside(Path(parent), root)
                                      or top.is_relative_to(real)):
            folders[:] = []
            continue
        entered.add(real)
        found.extend(Path(parent, name) for name in names
                     if os.path.isfile(os.path.join(parent, name)))
    return sorted(found)


@dataclass(frozen=True)
class NotRegular:
    """What ``read_regular`` found instead of a regular file: ``mode`` is its st_mode (a
    named pipe, a device, a socket, a folder)."""

    mode: int


_CHUNK = 1 << 16


def read_regular(path: Path, limit: int | None = None) -> bytes | NotRegular:
    """The bytes of ``path`` (its first ``limit`` bytes, when given) if it is a regular
    file, else NotRegular; OSError when it cannot be opened or read. It is opened without
    blocking and checked once open: a named pipe put in its place after a check made
    before opening would block the read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        try:  # a socket cannot be opened at all (ENXIO): say what it is
            mode = os.stat(path).st_mode
        except OSError:
            mode = stat.S_IFREG
        if not stat.S_ISREG(mode):
            return NotRegular(mode)
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return NotRegular(info.st_mode)
        chunks, size = [], 0
        while limit is None or size < limit:
            want = max(info.st_size + 1 - size, _CHUNK)  # the whole file, then its end
            chunk = os.read(fd, want if limit is None else min(want, limit - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def regular_bytes(path: Path, size: int | None = None) -> bytes | None:
    """The bytes of ``path`` if it is a regular file (of ``size`` bytes, when given),
    else None: a FIFO or a device put in its place is never read (it could block)."""
    try:
        data = read_regular(path, None if size is None else size + 1)
    except OSError:
        return None
    if isinstance(data, NotRegular) or (size is not None and len(data) != size):
        return None
    return data


@contextmanager
def stops_held() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait for the block to end, then are raised as it ends (where
    the caller can undo what the block did). A process the block starts (git, a forked
    child) holds them too, so a Ctrl-C at the terminal, which its whole process group
    gets, does not cut it short either."""
    mask = getattr(signal, "pthread_sigmask", None)
    if mask is None:  # no signal masks on this system: stops come as they come
        yield
        return
    previous = mask(signal.SIG_BLOCK, STOPS)
    try:
        yield
    finally:
        mask(signal.SIG_SETMASK, previous)  # raises a stop that came meanwhile
