"""Writing whole sites atomically: readers see the old site or the new, never half.

Single files: generator.disk."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator, Mapping
from functools import partial
from pathlib import Path

from generator.build.parallel import fork_map
from generator.core.errors import OutpostError
from generator.disk import FILE_MODE, FOLDER_MODE, make_folders, stops_held

_RENAME_EXCHANGE = 2
SITE_MARK = "index.html"  # a folder holding this was built before and may be replaced
PARALLEL_WRITES = 200  # files for each process before writing on both cores pays
# A temporary folder left by a killed run is removed by the next run once it is this
# old and no live run holds its lock.
STALE_SECONDS = 60.0



def write_tree(folder: Path, files: Mapping[str, bytes], parallel: bool = False) -> None:
    """Write every file under ``folder`` (which must be new or empty); with ``parallel``
    and many files, a forked child writes half of them (creating a file is mostly the
    kernel's work, and it runs on both cores)."""
    names = sorted(files)
    half = len(names) // 2
    if parallel and half >= PARALLEL_WRITES:
        fork_map(partial(_write_files, folder, files), [names[:half], names[half:]], 2)
    else:
        _write_files(folder, files, names)


def _write_files(folder: Path, files: Mapping[str, bytes], names: list[str]) -> None:
    base = os.fspath(folder)
    made: set[str] = set()  # one mkdir per folder, not one per file
    for name in names:
        parent = name.rpartition("/")[0]
        if parent and parent not in made:
            make_folders(folder / parent)
            made.add(parent)
        with open(os.path.join(base, name), "xb", buffering=0) as handle:
            os.fchmod(handle.fileno(), FILE_MODE)  # not the umask's: see FILE_MODE
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


def _identity(path: str) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_dev, stat.st_ino)


def _real_chain(path: Path) -> list[tuple[int, int]]:
    """The device and inode of ``path`` (symlinks resolved) and of every folder above it,
    for those that exist."""
    chain = []
    current = os.path.realpath(path)
    while True:
        identity = _identity(current)
        if identity is not None:
            chain.append(identity)
        parent = os.path.dirname(current)
        if parent == current:
            return chain
        current = parent


def protected_folders(root: Path | None, home: Path | None = None
                      ) -> list[tuple[Path, str]]:
    """Folders a build must never replace, nor write into, with how messages name them."""
    folders = [(Path(os.sep), "the whole file system"),
               (home if home is not None else Path(os.path.expanduser("~")),
                "your home folder")]
    if root is not None:
        folders += [(root, "the notices repository"), (root / "notices", "the notices folder")]
    return folders


# The repository's folders a site must not be written into, besides notices/ (whose
# files the next build would read as notices), and why.
_OWN_FOLDERS = {
    "templates": "whose files are read as templates (the next check names each of them)",
    ".git": "git's own folder",
    ".outpost-cache": "the build's cache folder",
}


def check_target(out: Path, keep: Path | None = None, home: Path | None = None) -> None:
    """Refuse to replace a folder that is not a site: the swap deletes what was there.

    ``out`` must not be, or hold, ``/``, the home folder, ``keep`` (the notices
    repository) or its notices folder, nor lie inside the notices folder or one of
    ``_OWN_FOLDERS``. Paths are
    compared by device and inode after resolving symlinks, so no spelling of a path
    (``..``, a symlink, a bind mount) gets past the check.
    """
    out = out.absolute()
    target = _identity(os.path.realpath(out))
    for folder, name in protected_folders(keep, home):
        if target is not None and target in _real_chain(folder):
            raise OutpostError(f"refusing to build into {out}: it holds {name}; "
                               "choose another --out folder")
    if keep is not None:
        notices = _identity(os.path.realpath(keep / "notices"))
        if notices is not None and notices in _real_chain(out):
            raise OutpostError(f"refusing to build into {out}: it is inside the notices "
                               "folder, whose files are read as notices; choose another "
                               "--out folder")
        real = Path(os.path.realpath(out))
        for name, why in _OWN_FOLDERS.items():  # as they are, or once made
            if real.is_relative_to(os.path.join(os.path.realpath(keep), name)):
                raise OutpostError(f"refusing to build into {out}: it is inside {name}/, "
                                   f"{why}; choose another --out folder")
    unreachable = _unreachable(out)
    if unreachable:
        advice = ("point it at a folder or remove it" if os.path.islink(out)
                  else "choose another --out folder")
        raise OutpostError(f"refusing to build into {out}: {unreachable}; {advice}")
    if out.exists() and not out.is_dir():
        raise OutpostError(f"refusing to build into {out}: it is a file, not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / SITE_MARK).is_file():
        raise OutpostError(f"refusing to replace {out}: it is not empty and holds no "
                           f"{SITE_MARK} from an earlier build; choose a new or empty folder")


def _unreachable(out: Path) -> str:
    """Why ``out`` can neither be a folder nor be made one (a symlink loop, a file where
    a folder of its path should be), or '' (it exists, or a build can make it)."""
    try:
        os.stat(out)
        return ""
    except OSError as error:
        problem = error.errno
    link = os.path.islink(out)
    if problem == errno.ELOOP:
        return ("it is a symlink that leads round in a loop" if link
                else "its path runs into a symlink loop")
    if problem != errno.ENOTDIR:
        return ""  # missing: made by the build (through a symlink, at its target)
    real = Path(os.path.realpath(out))
    blocker = next((folder for folder in real.parents if folder.exists()), real)
    where = f"it is a symlink to {real}, and " if link else ""
    return f"{where}{blocker} is a file, not a folder"


def _hold(folder: Path) -> int:
    """A descriptor of ``folder`` holding an exclusive lock on it: while a run works in
    a temporary folder, no other run takes it for a leftover."""
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BaseException:
        os.close(fd)
        raise
    return fd


def remove_stale(parent: Path, prefixes: tuple[str, ...]) -> list[str]:
    """Remove folders in ``parent`` named with one of ``prefixes`` that a killed run left:
    ours, older than STALE_SECONDS, and locked by no live run. Returns their names."""
    try:
        with os.scandir(parent) as scan:
            entries = [entry for entry in scan if entry.name.startswith(prefixes)]
    except OSError:
        return []
    removed = []
    for entry in sorted(entries, key=lambda e: e.name):
        try:
            info = entry.stat(follow_symlinks=False)
            if (not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid()
                    or time.time() - info.st_mtime < STALE_SECONDS):
                continue
            fd = _hold(Path(entry.path))
        except OSError:  # gone, not ours to open, or a live run holds it
            continue
        try:
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(entry.name)
        finally:
            os.close(fd)
    return removed


def remove_leftovers(out: Path) -> list[str]:
    """The staging and old folders a killed build left beside ``out`` (or beside its
    target, when ``out`` is a symlink)."""
    real = Path(os.path.realpath(out.absolute()))
    return remove_stale(real.parent, (f".{real.name}.new-", f".{real.name}.old-"))


@contextlib.contextmanager
def live_temp_dir(prefix: str, parent: Path | None = None) -> Iterator[Path]:
    """A new temporary folder, locked while in use and removed after; the stale ones a
    killed run left with the same prefix are removed first."""
    parent = parent if parent is not None else Path(tempfile.gettempdir())
    remove_stale(parent, (prefix,))
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    fd = _hold(folder)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        os.close(fd)


def remove_in_background(folder: Path, lock: int) -> bool:
    """Remove ``folder`` in a detached process, which keeps ``lock`` (the descriptor
    holding this run's lock on it: no other run takes it for a leftover meanwhile) and
    no other descriptor: a caller reading this process's output to its end does not
    wait for the removal. False where a process cannot be started so (no fork): remove
    it yourself."""
    if not hasattr(os, "fork") or not hasattr(os, "setsid"):
        return False
    try:
        pid = os.fork()
    except OSError:
        return False
    if pid == 0:  # a child that starts the remover and leaves at once
        try:
            os.setsid()  # out of the build's session: its end or Ctrl-C don't stop this
            if os.fork() == 0:
                lock = fcntl.fcntl(lock, fcntl.F_DUPFD, 3)  # never one of 0-2, replaced next
                null = os.open(os.devnull, os.O_RDWR)
                for fd in (0, 1, 2):
                    os.dup2(null, fd)
                os.closerange(3, lock)
                os.closerange(lock + 1, _open_limit())
                shutil.rmtree(folder, ignore_errors=True)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    return True


def _open_limit() -> int:
    try:
        import resource

        return min(resource.getrlimit(resource.RLIMIT_NOFILE)[0], 1 << 20)
    except (ImportError, ValueError, OSError):
        return 1024


def replace_site(out: Path, files: Mapping[str, bytes], keep: Path | None = None,
                 parallel: bool = False, background: bool = False) -> None:
    """Write a whole site into a temporary folder beside ``out``, then swap it in.

    When ``out`` is a symlink (``site/`` linked to the folder a web server serves), the
    site is swapped in at the link's target and the link is kept. With ``background``,
    the old site, once swapped out, is removed by a detached process (see
    ``remove_in_background``) instead of before this returns.
    """
    check_target(out, keep)
    out = Path(os.path.realpath(out.absolute()))
    make_folders(out.parent)
    remove_leftovers(out)
    staging: Path | None = None
    held = -1
    try:
        # Ctrl-C or SIGTERM arriving as the folder is made, before this block could
        # remove it, left it behind: they are held back until it is made and locked,
        # then raised here, where it is removed.
        with stops_held():
            staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
            held = _hold(staging)
        write_tree(staging, files, parallel)
        staging.chmod(FOLDER_MODE)
        if not out.exists():
            staging.rename(out)
            return
        if _exchange(staging, out):  # staging now holds the old site
            if not (background and remove_in_background(staging, held)):
                shutil.rmtree(staging)
            return
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        old.rmdir()
        with stops_held():  # stopped between the two, there would be no site at all
            out.rename(old)
            staging.rename(out)
        shutil.rmtree(old)
    except BaseException:
        if staging is not None:
            with stops_held():  # a second Ctrl-C, impatient, would leave half of it
                shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        if held >= 0:
            os.close(held)
