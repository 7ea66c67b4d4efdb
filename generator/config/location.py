"""Where a status site's ``outpost.yaml`` is: in the folder a command runs from or the
nearest parent folder, found as git finds ``.git``. Light: the command line imports it
before anything else."""

from __future__ import annotations

from pathlib import Path

CONFIG_FILE = "outpost.yaml"
SITE_DIR = "site"  # the output folder in the repository, unless --out says otherwise


def find_site(start: Path) -> Path | None:
    """The folder holding ``outpost.yaml``: ``start`` or its nearest parent. The search
    stops at a repository root (a folder holding ``.git``), so a site never reaches
    into an enclosing repository; None when no folder up to there holds one."""
    start = start.absolute()
    for folder in (start, *start.parents):
        if (folder / CONFIG_FILE).is_file():
            return folder
        if (folder / ".git").exists():
            return None
    return None


def enclosing_site(folder: Path) -> Path | None:
    """The site a new site in ``folder`` would sit inside: a parent of ``folder`` (up to
    the repository root) holding ``outpost.yaml``; None when ``folder`` is a site's own
    root or is inside none."""
    folder = folder.absolute()
    if (folder / CONFIG_FILE).is_file() or (folder / ".git").exists():
        return None
    return find_site(folder.parent)


def missing_config(root: Path) -> str:
    """The message for a ``root`` without ``outpost.yaml``, shown after the file's name:
    where the site is, when a parent folder holds it (never 'init' inside a site), that
    ``root`` is no folder at all, else how to make one."""
    import shlex  # only on this error path: the command line imports this module first

    if not root.exists():  # a mistyped --root: 'init' there would start a second site
        return f"not found: there is no folder {root} (check the path given to --root)"
    site = find_site(root)
    if site is not None and site != root.absolute():
        return (f"not in {root}: it is in the status site at {site} (run outpost there, or "
                f"pass --root {shlex.quote(str(site))})")
    return (f"not found in {root} or its parent folders up to the repository root (run "
            "'outpost init' to create one)")
