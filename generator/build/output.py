"""Writing whole sites atomically: readers see the old site or the new, never half.

Single files: generator.disk."""

from __future__ import annotations

import ctypes
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from generator.core.errors import OutpostError

_RENAME_EXCHANGE = 2
SITE_MARK = "index.html"  # a folder holding this was built before and may be replaced


def write_tree(folder: Path, files: Mapping[str, bytes]) -> None:
    """Write every file under ``folder`` (which must be new or empty)."""
    base = os.fspath(folder)
    made: set[str] = set()  # one mkdir per folder, not one per file
    for name in sorted(files):
        parent = name.rpartition("/")[0]
        if parent and parent not in made:
            os.makedirs(os.path.join(base, parent), exist_ok=True)
            made.add(parent)
        with open(os.path.join(base, name), "xb", buffering=0) as handle:
            data = memoryview(files[name])
            while data:  # an unbuffered write may be partial
                data = data[handle.write(data) or 0:]


def _exchange(first: Path, second: Path) -> bool:
    """Atomically swap two paths with renameat2(RENAME_EXCHANGE) where Linux offers it."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second),
                       _RENAME_EXCHANGE)
    return bool(result == 0)


def check_target(out: Path, keep: Path | None = None) -> None:
    """Refuse to replace a folder that is not a site: the swap deletes what was there.

    ``keep`` (the notices repository) must not be inside ``out``.
    """
    out = out.absolute()
    if keep is not None and keep.absolute().is_relative_to(out):
        raise OutpostError(f"refusing to build into {out}: it holds the notices repository; "
                           "choose another --out folder")
    if out.exists() and not out.is_dir():
        raise OutpostError(f"refusing to build into {out}: it is a file, not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / SITE_MARK).is_file():
        raise OutpostError(f"refusing to replace {out}: it is not empty and holds no "
                           f"{SITE_MARK} from an earlier build; choose a new or empty folder")


def replace_site(out: Path, files: Mapping[str, bytes], keep: Path | None = None) -> None:
    """Write a whole site into a temporary folder beside ``out``, then swap it in."""
    out = out.absolute()
    check_target(out, keep)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    try:
        write_tree(staging, files)
        staging.chmod(0o755)
        if not out.exists():
            staging.rename(out)
            return
        if _exchange(staging, out):
            shutil.rmtree(staging)  # now holds the old site
            return
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        old.rmdir()
        out.rename(old)
        staging.rename(out)
        shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
