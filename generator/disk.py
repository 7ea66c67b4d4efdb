"""Writing one file so that readers see the old bytes or the new, never half (notices,
records, pages). Any package may use it; whole sites are swapped by build/output.py."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _temp_beside(path: Path, data: bytes, mode: int) -> str:
    """``data`` in a synced temporary file in ``path``'s folder; returns its name."""
    path.parent.mkdir(parents=True, exist_ok=True)
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
    return tmp


def write_file_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``."""
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    tmp = _temp_beside(path, data, mode)
    try:
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def create_file_exclusive(path: Path, data: bytes) -> None:
    """Write a new file atomically; FileExistsError if ``path`` exists (never overwrites)."""
    tmp = _temp_beside(path, data, 0o644)
    try:
        os.link(tmp, path)  # fails if path exists: no overwrite, no half-written file
    finally:
        Path(tmp).unlink(missing_ok=True)
