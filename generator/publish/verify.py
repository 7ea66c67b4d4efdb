"""Reading a published site back and comparing every file with its manifest.

A target checks each file one of two ways: by reading it back and hashing it, or, when
this machine holds a built site whose file has the manifest's sha256, by comparing the
content id the target lists (git's blob id, S3's ETag) with the same id computed from
the local bytes. Either way each listed file is checked against the target's manifest.
Read through the target itself, a build other than that site's, made no later than it,
is a mismatch too: the target missed a publish.
"""

from __future__ import annotations

import hashlib
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

from generator.disk import regular_bytes
from generator.publish.base import PublishError, TransientError, VerifyFailed, retryable_status
from generator.render.manifest import MANIFEST, Entry, Manifest, parse_manifest
from generator.render.mediatypes import is_hashed_asset

Reader = Callable[[str], "bytes | None"]
"""Reads one published path; None when it is missing."""

Check = Callable[[str, Entry], "str | None"]
"""Checks one published path against its manifest entry: a mismatch, or None."""

T = TypeVar("T")

HTTP_JOBS = 8
"""How many files verify reads over HTTP(S) at once."""

MISSING = "missing"
DIFFERS = "content differs from the manifest"


def git_blob_id(data: bytes) -> str:
    """The id git gives a file with these bytes (a blob's SHA-1)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class LocalCopy:
    """A built site on this machine: its build is the one a target should serve, and
    its files are used only where they have the manifest's sha256.

    A missing, unreadable or different local file just means that path is read back
    from the target instead. Paths come from the target's manifest: one that would
    leave the folder is never read here.
    """

    def __init__(self, site_dir: Path | None) -> None:
        self.site_dir = site_dir

    @cached_property
    def manifest(self) -> Manifest | None:
        """The site's manifest; None without a readable one (no build to compare)."""
        raw = self.read(MANIFEST)
        try:
            return parse_manifest(raw) if raw is not None else None
        except ValueError:
            return None

    def read(self, path: str, size: int | None = None) -> bytes | None:
        """The bytes of a regular file at ``path`` (of ``size`` bytes, when given)."""
        if self.site_dir is None or path.startswith("/") or ".." in path.split("/"):
            return None
        return regular_bytes(self.site_dir / path, size)

    def matching(self, path: str, entry: Entry) -> bytes | None:
        """The local bytes of ``path`` if they are what ``entry`` describes."""
        data = self.read(path, entry.size)
        if data is None:
            return None
        return data if hashlib.sha256(data).hexdigest() == entry.sha256 else None


def load_published_manifest(read: Reader, where: str,
                            missing: str = "nothing was published there yet") -> Manifest:
    """The manifest ``where`` serves; VerifyFailed saying why it may be ``missing``."""
    raw = read(MANIFEST)
    if raw is None:
        raise VerifyFailed([f"{where} has no {MANIFEST}: {missing}"])
    try:
        return parse_manifest(raw)
    except ValueError:
        raise VerifyFailed([f"{where}/{MANIFEST} is not an Outpost manifest"]) from None


def check_files(manifest: Manifest, read: Reader, listed: Iterable[str] | None = None,
                ignore: Callable[[str], bool] = lambda path: False,
                found: list[str] | None = None, local: LocalCopy | None = None
                ) -> Iterator[str]:
    """Yield progress, then raise VerifyFailed with every mismatch (if any).

    ``listed`` (when the target can list its files) also finds files that should
    have been deleted; ``found`` collects mismatches the reader itself noticed;
    ``local``, the site on this machine, names the build to serve (see compare).
    """
    yield from compare(manifest, content_check(read), listed, ignore, found, local)


def content_check(read: Reader) -> Check:
    """Check a path by reading it back and hashing it."""

    def check(path: str, entry: Entry) -> str | None:
        data = read(path)
        if data is None:
            return MISSING
        return None if hashlib.sha256(data).hexdigest() == entry.sha256 else DIFFERS

    return check


def compare(manifest: Manifest, check: Check, listed: Iterable[str] | None = None,
            ignore: Callable[[str], bool] = lambda path: False,
            found: list[str] | None = None, local: LocalCopy | None = None
            ) -> Iterator[str]:
    """``check_files`` with any way of checking one path.

    With ``local``, a target serving a build other than the local site's is a mismatch
    unless its build was made later (the local site is then the stale one: a line
    says so).
    """
    mismatches = found if found is not None else []
    mine = local.manifest if local is not None else None
    if local is not None and mine is not None and mine.build_id != manifest.build_id:
        if _made_later(manifest, mine):
            yield (f"serves build {manifest.build_id}, made after build {mine.build_id} "
                   f"of the site in {local.site_dir}")
        else:
            mismatches.insert(0, f"serves build {manifest.build_id}, but the site in "
                                 f"{local.site_dir} is build {mine.build_id}")
    for path in sorted(manifest.files):
        problem = check(path, manifest.files[path])
        if problem is not None:
            mismatches.append(f"{path}: {problem}")
    if listed is not None:
        for path in sorted(set(listed) - set(manifest.files) - {MANIFEST}):
            # A content-hashed asset of an earlier build is kept a while (kept_assets):
            # no page of this build names it, so it harms no one.
            if not ignore(path) and not is_hashed_asset(path):
                mismatches.append(f"{path}: not in the manifest (stale)")
    yield f"checked {len(manifest.files)} files of build {manifest.build_id}"
    if mismatches:
        raise VerifyFailed(mismatches)


def _made_later(served: Manifest, mine: Manifest) -> bool:
    """Whether ``served`` was built for a later moment than ``mine`` (False if either
    moment cannot be read)."""
    try:
        return datetime.fromisoformat(served.generated_at) > datetime.fromisoformat(
            mine.generated_at)
    except (ValueError, TypeError):  # TypeError: one with a zone, one without
        return False


def http_reader(base_url: str, timeout: float = 20.0) -> Reader:
    """Reads paths below a public URL; 404/410 mean missing, other failures raise (a 5xx,
    408, 429 or no connection: TransientError)."""
    base = base_url if base_url.endswith("/") else base_url + "/"

    def read(path: str) -> bytes | None:
        request = urllib.request.Request(base + quote(path), headers={
            "User-Agent": "outpost-verify", "Cache-Control": "no-cache"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                data: bytes = response.read()
                return data
        except urllib.error.HTTPError as exc:
            if exc.code in (404, 410):
                return None
            text = f"GET {base}{path}: HTTP {exc.code}"
            if retryable_status(exc.code):  # a host deploying or overloaded
                raise TransientError(text) from None
            raise PublishError(text) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise TransientError(f"GET {base}{path}: {reason}") from None

    return read


def verify_http(base_url: str, jobs: int = HTTP_JOBS) -> Iterator[str]:
    """Verify a site through its public URL, ``jobs`` requests at a time."""
    read = http_reader(base_url)
    # A target just published answers 404 there too while its host does not serve it yet.
    manifest = load_published_manifest(
        read, base_url.rstrip("/"),
        "nothing was published to this target yet, its host does not serve it there yet "
        "(GitHub Pages not turned on, or still deploying), or its url: in outpost.yaml "
        "is not the address it is served at")
    yield f"reading {base_url}"

    def digest(path: str) -> str | None:
        data = read(path)
        return None if data is None else hashlib.sha256(data).hexdigest()

    paths = sorted(manifest.files)
    digests = dict(zip(paths, in_parallel(digest, paths, jobs), strict=True))

    def check(path: str, entry: Entry) -> str | None:
        found = digests[path]
        if found is None:
            return MISSING
        return None if found == entry.sha256 else DIFFERS

    yield from compare(manifest, check)


def in_parallel(work: Callable[[str], T], paths: Sequence[str], jobs: int) -> list[T]:
    """``work`` on every path, ``jobs`` at a time, results in order (see in_threads)."""
    results = dict(in_threads(work, paths, jobs))
    return [results[path] for path in paths]


def in_threads(work: Callable[[str], T], paths: Sequence[str], jobs: int
               ) -> Iterator[tuple[str, T]]:
    """(path, ``work(path)``) for every path as each call ends, ``jobs`` at a time, in
    that order. The first failure is raised once the calls under way have ended, and
    the calls not started yet are dropped (as when the generator is closed early).

    Ctrl-C does not wait for the calls under way: they run on daemon threads, because a
    request hanging on a silent host would keep the process alive until its own timeout
    (a ThreadPoolExecutor's threads are joined, even after shutdown(wait=False), when
    the process exits)."""
    running: dict[Future[T], str] = {}
    queue = list(reversed(paths))
    try:
        while queue or running:
            while queue and len(running) < jobs:
                path = queue.pop()
                running[_start(work, path)] = path
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                yield running.pop(future), future.result()
    except BaseException as exc:
        if not isinstance(exc, KeyboardInterrupt):
            wait(running)
        raise


def _start(work: Callable[[str], T], path: str) -> Future[T]:
    """``work(path)`` on a new daemon thread."""
    future: Future[T] = Future()

    def run() -> None:
        try:
            future.set_result(work(path))
        except BaseException as exc:  # handed to whoever waits for the result
            future.set_exception(exc)

    threading.Thread(target=run, daemon=True).start()
    return future
