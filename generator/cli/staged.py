"""``outpost check --staged``: the site as the next commit holds it (git's index), copied
to a temporary folder, so a pre-commit hook judges what is being committed: never a
draft nobody added, nor an edit left unstaged."""

from __future__ import annotations

import bisect
import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from generator.config.location import CONFIG_FILE
from generator.core.errors import OutpostError
from generator.notices.grammar import NOTICES_DIR
from generator.publish.source import git_in
from generator.render.overrides import TEMPLATE_OVERRIDES


def _run(root: Path, *args: str, given: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    result = git_in(root, *args, given=given)
    if result is None:
        raise OutpostError("--staged reads git's staging area, but git is not installed")
    return result


def _git(root: Path, *args: str, given: bytes | None = None) -> bytes:
    """git's output, run in ``root``; OutpostError with git's own reason when it fails."""
    result = _run(root, *args, given=given)
    if result.returncode != 0:
        reason = " ".join(result.stderr.decode("utf-8", "replace").split())
        raise OutpostError(f"--staged: git {args[0]} failed in {root}: {reason}")
    return result.stdout


@contextmanager
def staged_site(root: Path) -> Iterator[Path]:
    """A temporary copy of what ``check`` reads of the site under ``root`` (outpost.yaml,
    notices/ and templates/, and what their symlinks lead to in the site) as git's index
    holds it, with git's own conversions (line endings, filters) as a checkout makes
    them; the copy is removed on leaving. The repository's other files are left out: a
    big or filtered one (a video kept with Git LFS) cost the copy its whole size, or
    failed it."""
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
    entries: dict[str, tuple[str, str]] = {}  # path in the site -> (mode, object)
    for line in _git(root, "ls-tree", "-r", "-z", tree, "--", ".").split(b"\0"):
        if line:
            about, _, name = line.partition(b"\t")
            mode, _, oid = about.decode().split(" ")
            entries[os.fsdecode(name)] = (mode, oid)
    links = _link_targets(root, {name: oid for name, (mode, oid) in entries.items()
                                 if mode == _SYMLINK})
    tops = _site_folders(root)
    needed = _needed(entries, links, tops)
    names = b"\0".join(os.fsencode(name) for name in sorted(needed))
    with tempfile.TemporaryDirectory(prefix="outpost-staged-") as folder:
        if names:
            _git(root, "checkout-index", "-z", "--stdin", f"--prefix={folder}/", given=names)
        copy = Path(folder, prefix)
        # A link written with the site's absolute path, or climbing out of its folder and
        # back in by its name, would lead the copy's reader to the files on disk, out of
        # the copy: it leads to the staged file instead.
        for link in needed & links.keys():
            inside = (_in_site(links[link], tops) if links[link].startswith("/")
                      else _climbed_back(link, links[link], tops))
            if inside is not None:
                (copy / link).unlink()
                (copy / link).symlink_to(copy / inside)
        if not os.path.lexists(copy / CONFIG_FILE):
            raise OutpostError(f"{CONFIG_FILE} is not staged: the commit would hold no "
                               f"settings for the site ('git add {CONFIG_FILE}' first)")
        yield copy


_SYMLINK = "120000"
_MOST_LINKS = 40  # followed in one path, as the system's own limit (ELOOP)


def _site_folders(root: Path) -> tuple[str, ...]:
    """The site's folder as an absolute link may name it: its path as given, and its
    real one."""
    return tuple(dict.fromkeys([os.path.abspath(root), os.path.realpath(root)]))


def _in_site(target: str, tops: tuple[str, ...]) -> str | None:
    """The path in the site an absolute link ``target`` names ('' for the site's folder),
    or None when it is relative or leads out of the site."""
    for top in tops:
        if target == top or target.startswith(top.rstrip("/") + "/"):
            return target[len(top):].strip("/")
    return None


def _back_inside(parts: list[str], tops: tuple[str, ...]) -> list[str] | None:
    """For a path climbed out of the site's folder, the rest of it (``parts``) as a path
    in the site once it comes back into the site by the folders above it ('../status/
    notices/x.md', the site being status/), as on disk; None when it stays out."""
    here = os.path.dirname(tops[-1])  # the site's real folder is the last
    for at, part in enumerate(parts):
        here = os.path.realpath(os.path.join(here, part))
        inside = _in_site(here, tops)
        if inside is not None:
            return [*inside.split("/"), *parts[at + 1:]] if inside else parts[at + 1:]
    return None


def _climbed_back(link: str, target: str, tops: tuple[str, ...]) -> str | None:
    """The path in the site a relative ``target`` of the link at ``link`` names when it
    climbs out of the site's folder and back into it; None for one that never leaves
    the site (it works in the copy as it is) or stays out."""
    parts = [*link.split("/")[:-1], *target.split("/")]
    depth = 0
    for at, part in enumerate(parts):
        if part == "..":
            if depth == 0:
                back = _back_inside(parts[at + 1:], tops)
                return None if back is None else "/".join(back)
            depth -= 1
        elif part not in ("", "."):
            depth += 1
    return None


def _needed(entries: dict[str, tuple[str, str]], links: dict[str, str],
            tops: tuple[str, ...]) -> set[str]:
    """The paths of ``entries`` (the staged site's files, ``links`` its symlinks with
    what they lead to) that check reads: outpost.yaml, notices/ and templates/, and each
    symlink on the way to what they lead to in the site with everything under it, as
    they would be read on disk (``tops``: the site's folder as a link names it)."""
    ordered = sorted(entries)
    needed: set[str] = set()
    asked: set[str] = set()
    wanted = [CONFIG_FILE, NOTICES_DIR, TEMPLATE_OVERRIDES]
    while wanted:
        path = wanted.pop()
        if path in asked:
            continue
        asked.add(path)
        resolved, crossed = _resolved(path, links, tops)
        needed.update(crossed)
        if resolved is None:  # out of the site, or a loop: the copy keeps the link as it is
            continue
        if not resolved:  # the site's own folder
            found = ordered
        else:  # the file, or everything in the folder
            start = bisect.bisect_left(ordered, resolved + "/")
            found = [*([resolved] if resolved in entries else []),
                     *ordered[start:bisect.bisect_left(ordered, resolved + "0", start)]]
        needed.update(found)
        wanted.extend(name for name in found if name in links)
    return needed


def _link_targets(root: Path, links: dict[str, str]) -> dict[str, str]:
    """What each staged symlink (path -> object) holds: the path it leads to."""
    if not links:
        return {}
    given = "".join(f"{oid}\n" for oid in links.values()).encode()
    output = _git(root, "cat-file", "--batch", given=given)
    targets: dict[str, str] = {}
    at = 0
    for name in links:  # in the order asked: '<object> blob <size>', the bytes, '\n'
        header_end = output.index(b"\n", at)
        size = int(output[at:header_end].split(b" ")[2])
        targets[name] = os.fsdecode(output[header_end + 1:header_end + 1 + size])
        at = header_end + 1 + size + 1
    return targets


def _resolved(path: str, links: dict[str, str], tops: tuple[str, ...]
              ) -> tuple[str | None, list[str]]:
    """Where ``path`` in the site leads with the staged ``links`` followed ('' for the
    site's folder; None when it leads out of it, or loops), and the links it crossed;
    a link may name the site's folder by its absolute path, one of ``tops``."""
    parts = path.split("/")
    done: list[str] = []
    crossed: list[str] = []
    while parts:
        part = parts.pop(0)
        if part in ("", "."):
            continue
        if part == "..":
            if not done:  # out of the site's folder, unless back into it by its name
                back = _back_inside(parts, tops)
                if back is None:
                    return None, crossed
                parts = back
                continue
            done.pop()
            continue
        done.append(part)
        target = links.get("/".join(done))
        if target is not None:
            crossed.append("/".join(done))
            if len(crossed) > _MOST_LINKS:
                return None, crossed
            done.pop()
            if target.startswith("/"):
                inside = _in_site(target, tops)
                if inside is None:
                    return None, crossed
                done, target = [], inside
            parts = target.split("/") + parts
    return "/".join(done), crossed
