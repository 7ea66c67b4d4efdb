"""``outpost check --staged``: the site as the next commit holds it (git's index), copied
to a temporary folder, so a pre-commit hook judges what is being committed: never a
draft nobody added, nor an edit left unstaged."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from generator.config.location import CONFIG_FILE
from generator.core.errors import OutpostError


def _run(root: Path, *args: str, given: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", "-C", str(root), *args], input=given,
                              capture_output=True, check=False)
    except FileNotFoundError:
        raise OutpostError("--staged reads git's staging area, but git is not "
                           "installed") from None


def _git(root: Path, *args: str, given: bytes | None = None) -> bytes:
    """git's output, run in ``root``; OutpostError with git's own reason when it fails."""
    result = _run(root, *args, given=given)
    if result.returncode != 0:
        reason = " ".join(result.stderr.decode("utf-8", "replace").split())
        raise OutpostError(f"--staged: git {args[0]} failed in {root}: {reason}")
    return result.stdout


@contextmanager
def staged_site(root: Path) -> Iterator[Path]:
    """A temporary copy of the files under ``root`` as git's index holds them, with
    git's own conversions (line endings, filters) as a checkout makes them; the copy
    is removed on leaving."""
    if _run(root, "rev-parse", "--is-inside-work-tree").stdout.strip() != b"true":
        raise OutpostError(f"--staged checks what git is about to commit, but {root} is "
                           "not in a git working tree: run 'outpost check' without it")
    # Where the site sits in the repository ('' at its top, 'status/' below): index
    # paths are written under the temporary folder from the repository's top.
    prefix = os.fsdecode(_git(root, "rev-parse", "--show-prefix").rstrip(b"\n"))
    if _git(root, "ls-files", "--unmerged", "--", "."):
        raise OutpostError("--staged: a merge conflict is not resolved yet: resolve it and "
                           "'git add' the files first")
    # What the commit holds: the index as a tree, which leaves out the entries 'git add
    # -N' marks (listed by ls-files, yet committed only once added).
    tree = _git(root, "write-tree").strip().decode()
    committed = set(_git(root, "ls-tree", "-r", "-z", "--name-only", tree, "--", ".")
                    .split(b"\0"))
    names = b"\0".join(name for name in _git(root, "ls-files", "-z", "--cached", "--", ".")
                       .split(b"\0") if name and name in committed)
    with tempfile.TemporaryDirectory(prefix="outpost-staged-") as folder:
        if names:
            _git(root, "checkout-index", "-z", "--stdin", f"--prefix={folder}/", given=names)
        copy = Path(folder, prefix)
        if not os.path.lexists(copy / CONFIG_FILE):
            raise OutpostError(f"{CONFIG_FILE} is not staged: the commit would hold no "
                               f"settings for the site ('git add {CONFIG_FILE}' first)")
        yield copy
