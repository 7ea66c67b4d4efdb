"""The commit of the notices repository a publish is made from, recorded on each target.

Each publish records on the target (state ``publish-record.json``) the repository's
``HEAD`` commit. The next publish refuses when that commit is not in the history of its
own ``HEAD``: a clone that was not pulled would otherwise replace a newer build (an
incident someone else just posted) with its older one, and every command said ok.
Where git cannot tell (no git work tree, git not installed, a shallow clone such as
CI's checkout) nothing is refused; a shallow clone still records its commit.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from generator.config.location import CONFIG_FILE
from generator.core.wording import counted

RECORD = "publish-record.json"
_COMMIT = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")  # SHA-1 or SHA-256


def git_in(root: Path, *args: str, given: bytes | None = None
           ) -> subprocess.CompletedProcess[bytes] | None:
    """git's answer to ``args`` run in the repository at ``root`` (``given`` on its
    standard input); None when git is not installed."""
    try:
        return subprocess.run(["git", "-C", str(root), *args], input=given,
                              capture_output=True, check=False)
    except FileNotFoundError:
        return None


def _answer(root: Path, *args: str) -> str | None:
    """git's output stripped, or None when git is missing or fails."""
    result = git_in(root, *args)
    if result is None or result.returncode != 0:
        return None
    return result.stdout.decode("utf-8", "replace").strip()


@dataclass(frozen=True)
class Source:
    """The repository's ``HEAD`` commit at publish time."""

    root: Path
    commit: str
    shallow: bool  # history cut short: an older commit cannot be told from an unknown one
    uncommitted: bool  # changes to the notices, outpost.yaml or templates/ not committed
    detached: bool = False  # a commit checked out, no branch: 'git pull' has none to update

    def record(self) -> bytes:
        """What a target records once it took a publish from this commit."""
        return json.dumps({"commit": self.commit,
                           "uncommitted_changes": self.uncommitted}).encode() + b"\n"

    def behind(self, recorded: str | None) -> str | None:
        """Why publishing over a build published from ``recorded`` would put older
        notices over newer ones ('last published from ...'); None when it would not, or
        cannot be told."""
        if recorded is None or recorded == self.commit or self.shallow:
            return None
        ancestor = git_in(self.root, "merge-base", "--is-ancestor", recorded, self.commit)
        if ancestor is None or ancestor.returncode == 0:
            return None
        where = f"last published from commit {recorded[:12]}"
        if _answer(self.root, "cat-file", "-t", recorded) != "commit":
            return f"{where}, which this clone does not have (published from another clone)"
        older = git_in(self.root, "merge-base", "--is-ancestor", self.commit, recorded)
        if older is not None and older.returncode == 0:  # HEAD checked out back, or not merged
            return f"{where}, a later commit than this clone's HEAD ({self.commit[:12]})"
        return (f"{where}, which this clone's HEAD ({self.commit[:12]}) does not include "
                "(newer notices not merged here, or another branch)")

    def refusal(self, target: str, why: str, uploaded: int = 0) -> str:
        """The message refusing a publish ``behind`` explained, with what to do whether
        the clone is behind or rolls back on purpose; ``uploaded``: the files an earlier
        attempt of this publish put there (another clone's publish went live since)."""
        pull = ("check out your branch, run 'git pull'" if self.detached
                else "run 'git pull'")
        done = (f"Nothing was published to {target}" if not uploaded else
                f"An earlier attempt of this publish had uploaded {counted(uploaded, 'file')} "
                f"to {target}, among the other publish's: it may serve a mix of the two "
                "builds (never a broken link) until one is published whole, which the "
                "steps above do")
        return (f"{target} was {why}: if this clone is behind, {pull}, then 'outpost "
                f"build' and 'outpost publish' again; to roll back to this clone's commit "
                f"on purpose, run 'outpost publish --force {target}'. {done}")


def publish_source(root: Path) -> Source | None:
    """The commit ``root``'s site is published from; None outside a git work tree,
    without git, or before the first commit."""
    if _answer(root, "rev-parse", "--is-inside-work-tree") != "true":
        return None
    commit = _answer(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    if commit is None:
        return None
    shallow = _answer(root, "rev-parse", "--is-shallow-repository") == "true"
    changes = _answer(root, "status", "--porcelain", "--", "notices", CONFIG_FILE,
                      "templates")
    detached = _answer(root, "symbolic-ref", "--quiet", "HEAD") is None
    return Source(root, commit, shallow, bool(changes), detached)


def recorded_commit(data: bytes | None) -> str | None:
    """The commit a target's record names; None for no record (a first publish, or one
    by an Outpost that kept none) or one that cannot be read."""
    if data is None:
        return None
    try:
        commit = json.loads(data).get("commit")
    except (ValueError, AttributeError):
        return None
    return commit if isinstance(commit, str) and _COMMIT.fullmatch(commit) else None

