"""Reading a published site back and comparing every file with its manifest."""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from urllib.parse import quote

from generator.publish.base import PublishError, TransientError, VerifyFailed
from generator.render.manifest import MANIFEST, Manifest, parse_manifest

Reader = Callable[[str], "bytes | None"]
"""Reads one published path; None when it is missing."""


def load_published_manifest(read: Reader, where: str) -> Manifest:
    raw = read(MANIFEST)
    if raw is None:
        raise VerifyFailed([f"{where} has no {MANIFEST}: nothing was published there yet"])
    try:
        return parse_manifest(raw)
    except (ValueError, KeyError, TypeError):
        raise VerifyFailed([f"{where}/{MANIFEST} is not an Outpost manifest"]) from None


def check_files(manifest: Manifest, read: Reader, listed: Iterable[str] | None = None,
                ignore: Callable[[str], bool] = lambda path: False,
                found: list[str] | None = None) -> Iterator[str]:
    """Yield progress, then raise VerifyFailed with every mismatch (if any).

    ``listed`` (when the target can list its files) also finds files that should
    have been deleted; ``found`` collects mismatches the reader itself noticed.
    """
    mismatches = found if found is not None else []
    for path in sorted(manifest.files):
        data = read(path)
        entry = manifest.files[path]
        if data is None:
            mismatches.append(f"{path}: missing")
        elif hashlib.sha256(data).hexdigest() != entry.sha256:
            mismatches.append(f"{path}: content differs from the manifest")
    if listed is not None:
        for path in sorted(set(listed) - set(manifest.files) - {MANIFEST}):
            if not ignore(path):
                mismatches.append(f"{path}: not in the manifest (stale)")
    yield f"checked {len(manifest.files)} files of build {manifest.build_id}"
    if mismatches:
        raise VerifyFailed(mismatches)


def http_reader(base_url: str, timeout: float = 20.0) -> Reader:
    """Reads paths below a public URL; 404/410 mean missing, other failures raise."""
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
            raise PublishError(f"GET {base}{path}: HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise TransientError(f"GET {base}{path}: {reason}") from None

    return read


def verify_http(base_url: str) -> Iterator[str]:
    """Verify a site through its public URL."""
    read = http_reader(base_url)
    manifest = load_published_manifest(read, base_url.rstrip("/"))
    yield f"reading {base_url}"
    yield from check_files(manifest, read)
