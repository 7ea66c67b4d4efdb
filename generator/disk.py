"""Writing files atomically (a reader sees the old bytes or the new, never half), and
reading a file only when it is a regular one.

The bottom layer: any package may import it; it imports nothing of Outpost.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path


def temp_beside(path: Path, data: bytes, mode: int = 0o644) -> Path:
    """``data`` in a synced temporary file in ``path``'s folder (made if missing), ready
    to be renamed over ``path``; the caller renames or removes it. NotADirectoryError
    when something other than a folder holds the folder's name."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:  # a file, or a symlink leading nowhere: never "taken, retry"
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR),
                                 str(path.parent)) from None
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def write_file_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``."""
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    tmp = temp_beside(path, data, mode)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def create_file_exclusive(path: Path, data: bytes) -> None:
    """Write a new file atomically; FileExistsError if ``path`` exists (never overwrites)."""
    tmp = temp_beside(path, data)
    try:
        os.link(tmp, path)  # fails if path exists: no overwrite, no half-written file
    finally:
        tmp.unlink(missing_ok=True)


def regular_bytes(path: Path, size: int | None = None) -> bytes | None:
    """The bytes of ``path`` if it is a regular file (of ``size`` bytes, when given),
    else None: a FIFO or a device put in its place is never read (it could block)."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode) or (size is not None and info.st_size != size):
            return None
        return path.read_bytes()
    except OSError:
        return None
