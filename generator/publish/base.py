"""What every publishing target offers, and the registry that builds them by type name.

A target is a small class in Lektor's shape: ``publish(site_dir, manifest)`` yields
progress lines while it works, ``verify()`` yields lines and raises VerifyFailed
listing mismatches, and ``read_state``/``write_state`` keep small durable records on
the target, outside the served tree (used by notifications to remember what was sent).

The first target in ``publish:`` is the *primary* one: state lives there.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from generator.core.errors import OutpostError, Problem
from generator.core.model import Config
from generator.core.wording import counted, noun
from generator.disk import regular_bytes
from generator.publish.settings import TargetSettings
from generator.render.manifest import Entry, Manifest
from generator.render.mediatypes import is_hashed_asset

_STATE_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")
_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")


def redact(text: str) -> str:
    """Remove user:password@ from any URL in ``text`` (git and HTTP errors quote URLs)."""
    return _USERINFO.sub("***@", text)


class PublishError(OutpostError):
    """A target failed; the message is safe to print (no credentials)."""


class TransientError(PublishError):
    """A failure worth retrying: connection refused, a 5xx, a push another publish
    raced."""


def built_file(site_dir: Path, path: str, entry: Entry) -> bytes:
    """The bytes of ``path`` in the built site, as the manifest lists them; a site
    rebuilt since the publish began (a file changed or gone) is a PublishError."""
    data = regular_bytes(site_dir / path, entry.size)
    if data is None or hashlib.sha256(data).hexdigest() != entry.sha256:
        raise PublishError(f"{site_dir / path} changed since the build: run outpost build "
                           "again")
    return data


def kept_assets(present: Iterable[str], old: Manifest | None, new: Manifest) -> set[str]:
    """The content-hashed assets among ``present`` (what a target serves, published with
    ``old``) that a publish of ``new`` keeps although ``new`` lacks them: the previous
    build's. A page a browser or a CDN still holds from that build names them (an old
    index.html, the old stylesheet), and without them it showed unstyled right after a
    publish. The next publish of another build removes them; one of the same build keeps
    those kept already."""
    if old is None:  # nothing tells which build they came from
        return set()
    earlier = {path for path in present if path not in new.files and is_hashed_asset(path)}
    return earlier if old.build_id == new.build_id else earlier & set(old.files)


def host_timeout() -> float:
    """Seconds a host (an S3 endpoint, a git host over ssh) may take the connection and
    say nothing before the request fails: ``OUTPOST_HOST_TIMEOUT``, 30 by default. Only
    silence counts: a slow upload that keeps moving is never cut."""
    text = os.environ.get("OUTPOST_HOST_TIMEOUT", "").strip() or "30"
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0
    if not 0 < seconds < float("inf"):
        raise PublishError(f"OUTPOST_HOST_TIMEOUT is {text!r}: set it to a number of "
                           "seconds, such as 30")
    return seconds


def retryable_status(code: int) -> bool:
    """Whether an HTTP answer with status ``code`` may differ on another attempt: a 5xx,
    408 (the request timed out) or 429 (too many requests); any other 4xx will not."""
    return code >= 500 or code in (408, 429)


class VerifyFailed(PublishError):
    """The target does not serve what its manifest says."""

    def __init__(self, mismatches: Sequence[str]) -> None:
        count = len(mismatches)
        super().__init__(f"{counted(count, 'mismatch', 'mismatches')}: "
                         + "; ".join(mismatches[:10]) + ("; ..." if count > 10 else ""))
        self.mismatches = list(mismatches)


@dataclass
class Counts:
    """What one publish did, for the summary line."""

    uploaded: int = 0
    unchanged: int = 0
    deleted: int = 0
    live: bool = False  # the build is what the target serves: what fails later left it so


class Target(Protocol):
    """One publishing target."""

    name: str
    settings: TargetSettings
    counts: Counts
    # Where it publishes, named alike from every clone on this machine (a folder's real
    # path, a remote's URL, an endpoint with a bucket and prefix): publishes to one place
    # take turns.
    place: str
    # Whether a publish failing part-way may leave it serving files of two builds side by
    # side (an s3 target uploads file by file), not one build or the other.
    may_mix_builds: bool

    def publish(self, site_dir: Path, manifest: Manifest) -> Iterator[str]:
        """Publish every file of ``manifest`` from ``site_dir``, then manifest.json."""
        ...

    def verify(self, site_dir: Path | None = None) -> Iterator[str]:
        """Read back the target's manifest and check every file; raise VerifyFailed.

        ``site_dir``, a built site on this machine, lets a target check a file whose
        local copy has the manifest's sha256 by the content id it lists, unread; read
        through the target (no ``url``), a build other than its own, made no later, is a
        mismatch too.
        """
        ...

    def published(self) -> Manifest | None:
        """The manifest the target serves, read through the target itself; None when it
        holds none it can read (nothing published yet)."""
        ...

    def read_state(self, name: str) -> bytes | None:
        """A state record written by write_state, or None if there is none."""
        ...

    def write_state(self, name: str, data: bytes) -> None:
        """Store a state record durably on the target, outside the served site."""
        ...


def check_state_name(name: str) -> str:
    if not _STATE_NAME.fullmatch(name):
        raise ValueError(f"state name {name!r}: use lowercase letters, digits, '.', '_', '-'")
    return name


# type name -> makes a target from its settings and the repository root. The composition
# root (generator/app.py) lists them, importing each only when a target of its type is used.
TargetKinds = Mapping[str, Callable[[TargetSettings, Path], Target]]


# type name -> what ``outpost check`` can tell about a target of that type beyond
# outpost.yaml itself (a git remote name the repository lacks), or None. Listed by the
# composition root too.
TargetChecks = Mapping[str, Callable[[TargetSettings, Path], Problem | None]]


def target_problems(config: Config, root: Path, checks: TargetChecks) -> list[Problem]:
    """Every problem the ``checks`` find in the targets of ``publish:``."""
    found = (checks[t.type](t, root) for t in target_settings(config) if t.type in checks)
    return [problem for problem in found if problem is not None]


def make_target(settings: TargetSettings, root: Path, kinds: TargetKinds) -> Target:
    """Build one target; ``root`` resolves relative paths and remote names."""
    make = kinds.get(settings.type)
    if make is None:
        raise OutpostError(f"publish target '{settings.name}': unknown type "
                           f"'{settings.type}' (known types: {', '.join(sorted(kinds))})")
    return make(settings, root)


def target_settings(config: Config) -> tuple[TargetSettings, ...]:
    settings: tuple[TargetSettings, ...] = config.extra("publish") or ()
    return settings


def targets_from_config(config: Config, root: Path, kinds: TargetKinds,
                        names: Sequence[str] = ()) -> list[Target]:
    """The named targets (all when ``names`` is empty), in outpost.yaml order.

    The first target of the full list is the primary one; ``primary_target`` returns it.
    """
    available = target_settings(config)
    if not available:
        raise OutpostError("no publish targets in outpost.yaml: add a 'publish:' list "
                           "(see the README, 'Hosting outside your network')")
    known = {t.name for t in available}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise OutpostError(f"unknown {noun(len(unknown), 'publish target')} "
                           f"{', '.join(repr(n) for n in unknown)} (targets in outpost.yaml: "
                           f"{', '.join(t.name for t in available)})")
    chosen = [t for t in available if not names or t.name in names]
    return [make_target(t, root, kinds) for t in chosen]


def primary_target(config: Config, root: Path, kinds: TargetKinds) -> Target:
    """The first target in ``publish:``: where durable state (e.g. notifications) lives."""
    return targets_from_config(config, root, kinds)[0]
