"""The ``s3`` target: any S3-compatible endpoint through boto3.

Order, so that readers never meet a page linking to a missing file:
content-hashed assets, other static files, data (JSON, feeds, banners), pages with the
root ``index.html`` last, then ``manifest.json``, then stale deletions. Only objects
that differ from the manifest already on the target, or whose listed size or ETag (the
MD5 of a single-part upload) differs from the built file's, or are missing, are uploaded.
State records live under ``.outpost/<prefix>state/`` (outside the prefix, so a public
read policy on ``<prefix>*`` leaves them private), never deleted as stale;
``.outpost/<prefix>pending.json`` lists the paths a publish is about to overwrite until its
manifest is up, so a publish interrupted before then is repaired by the next one. The
manifest replaces only the one the publish read (If-Match): after another publish
meanwhile, this one starts again.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import importlib.util
import json
import os
import re
from collections.abc import Callable, Iterator
from functools import partial
from itertools import groupby
from pathlib import Path
from typing import Any

from generator import requirement
from generator.core.errors import OutpostError
from generator.core.wording import counted
from generator.disk import regular_bytes
from generator.publish.base import (
    Counts,
    PublishError,
    TransientError,
    built_file,
    check_state_name,
    host_timeout,
    kept_assets,
)
from generator.publish.settings import TargetSettings
from generator.publish.verify import (
    DIFFERS,
    MISSING,
    LocalCopy,
    compare,
    in_parallel,
    in_threads,
    load_published_manifest,
    verify_http,
)
from generator.render.manifest import MANIFEST, Entry, Manifest, parse_manifest
from generator.render.mediatypes import (
    cache_control,
    content_type,
    is_cross_origin_data,
    is_hashed_asset,
)

STATE_PREFIX = ".outpost/"
_SINGLE_PART = re.compile(r"[0-9a-f]{32}")  # a multipart upload's ETag ends in -<parts>
_CONFLICTS = {"PreconditionFailed", "ConditionalRequestConflict"}
_CONDITION_HEADERS = ("if-match", "if-none-match")
_TRANSIENT_CODES = {"SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable",
                    "Throttling", "ThrottlingException", "RequestTimeTooSkewed"}


def upload_group(path: str) -> int:
    """0 hashed assets, 1 other static files, 2 data, 3 pages, 4 the root index.html."""
    if is_hashed_asset(path):
        return 0
    if path == "index.html":
        return 4
    if is_cross_origin_data(path):
        return 2
    if path.endswith(".html"):
        return 3
    return 1


def upload_order(paths: list[str]) -> list[str]:
    """Groups in order; within the pages group, notice pages first (other pages, such as
    a component's, list them), then deeper pages before shallower ones."""
    return sorted(paths, key=lambda p: (*_stage(p), p))


def _stage(path: str) -> tuple[int, int, int]:
    """Files of one stage upload together; the next stage waits for all of them."""
    group = upload_group(path)
    if group != 3:
        return (group, 0, 0)
    return (group, 0 if path.startswith("notices/") else 1, -path.count("/"))


@contextlib.contextmanager
def s3_errors(what: str) -> Iterator[None]:
    """botocore failures as TransientError (retry) or PublishError, without secrets."""
    from botocore import exceptions as bx

    try:
        yield
    except bx.ClientError as exc:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", "?"))
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        text = f"S3 {what}: {code}: {error.get('Message', '') or 'HTTP ' + str(status)}"
        if status >= 500 or code in _TRANSIENT_CODES:
            raise TransientError(text) from None
        raise PublishError(text) from None
    except bx.NoCredentialsError:
        raise PublishError("no AWS credentials found: set AWS_ACCESS_KEY_ID and "
                           "AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or use an instance/OIDC "
                           "role") from None
    except (bx.ReadTimeoutError, bx.ConnectTimeoutError) as exc:
        # botocore already tried the request AWS_MAX_ATTEMPTS times and the host said
        # nothing each time: retrying the target would only keep the next ones waiting.
        attempts = _max_attempts()
        raise PublishError(f"S3 {what}: {exc} (not retried: no answer to "
                           f"{counted(attempts, 'attempt')})") from None
    except (bx.EndpointConnectionError, bx.ConnectionError, bx.HTTPClientError) as exc:
        raise TransientError(f"S3 {what}: {exc}") from None
    except bx.BotoCoreError as exc:  # partial credentials, an unknown profile: settings
        raise PublishError(f"S3 {what}: {exc}") from None


def _lacks_conditions(response: dict[str, Any]) -> bool:
    """Whether a conditional PUT's error says the endpoint has no conditional writes: a
    501 (AWS's NotImplemented before it had them, or a gateway's bare 501), or a 400 that
    names the condition's header; a 400 about anything else is no such sign."""
    error = response.get("Error", {})
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if status == 501 or error.get("Code") == "NotImplemented":
        return True
    said = " ".join(str(value) for value in error.values()).lower()
    return status == 400 and any(header in said for header in _CONDITION_HEADERS)


def _type_problem(path: str, response: dict[str, Any]) -> str | None:
    kind = response.get("ContentType")
    if path == MANIFEST or kind == content_type(path):
        return None
    return f"Content-Type {kind!r}, expected {content_type(path)!r}"


def _etag_proves(etag: str, read: Callable[[], bytes | None]) -> bool:
    """Whether an object listed with ``etag`` has the bytes ``read()`` gives (read only
    when it can tell): a single-part upload's ETag is their MD5. Any other ETag (a
    multipart or SSE-KMS upload's) proves nothing."""
    if not _SINGLE_PART.fullmatch(etag):
        return False
    data = read()
    return data is not None and hashlib.md5(data).hexdigest() == etag


def require_boto3(settings: TargetSettings) -> None:
    """S3 targets need boto3, which Outpost installs only with its ``s3`` extra."""
    if importlib.util.find_spec("boto3") is None:
        raise OutpostError(
            f"outpost.yaml:{settings.line}: publish target '{settings.name}' is an s3 "
            "target, which needs boto3: install Outpost with its s3 extra, "
            f'"{requirement(extras="s3")}" (in the publish workflow, the Install step)')


def _max_attempts() -> int:
    """botocore's attempts per request (``AWS_MAX_ATTEMPTS``, 3 by default)."""
    text = os.environ.get("AWS_MAX_ATTEMPTS", "").strip() or "3"
    if not (text.isascii() and text.isdigit() and int(text) >= 1):
        raise PublishError(f"AWS_MAX_ATTEMPTS is {text!r}: set it to a whole number of "
                           "attempts, such as 3")
    return int(text)


def make_client(settings: TargetSettings) -> Any:
    """A boto3 S3 client whose checksum settings work on non-AWS endpoints too."""
    import boto3
    from botocore.config import Config as BotoConfig

    endpoint = settings.option("endpoint_url")
    timeout = host_timeout()
    config = BotoConfig(
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        retries={"mode": "standard", "total_max_attempts": _max_attempts()},
        # A silent endpoint costs this much per attempt (botocore's 60 s, times its
        # attempts, times the target's, kept the next targets waiting for 12 minutes).
        connect_timeout=min(10, timeout), read_timeout=timeout,
        max_pool_connections=max(10, int(settings.option("jobs") or 8)),
        s3={"addressing_style": "path"} if endpoint else {},
    )
    return boto3.session.Session().client(
        "s3", endpoint_url=endpoint, region_name=settings.option("region"), config=config)


class S3Target:
    """Publishes into a bucket (under an optional prefix)."""

    may_mix_builds = True  # files are uploaded one by one, and old ones deleted after

    def __init__(self, settings: TargetSettings, root: Path, client: Any = None) -> None:
        if client is None:
            require_boto3(settings)
        self.name = settings.name
        self.settings = settings
        self.counts = Counts()
        self.bucket = str(settings.option("bucket"))
        self.prefix: str = settings.option("prefix") or ""
        self.jobs = int(settings.option("jobs") or 8)
        self.place = f"s3 {settings.option('endpoint_url') or ''} {self.bucket}/{self.prefix}"
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = make_client(self.settings)
        return self._client

    def _get(self, key: str) -> bytes | None:
        """The object's body; None if it is missing."""
        response = self._fetch(key, body=True)
        if response is None:
            return None
        data: bytes = response["Body"]
        return data

    def _listing(self) -> dict[str, tuple[int, str]]:
        """Every object under the prefix except state: relative path -> (size, ETag)."""
        found: dict[str, tuple[int, str]] = {}
        with s3_errors(f"LIST s3://{self.bucket}/{self.prefix}"):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix)
            for page in pages:
                for item in page.get("Contents", []):
                    path = str(item["Key"])[len(self.prefix):]
                    if path and not path.startswith(STATE_PREFIX):
                        found[path] = (int(item["Size"]), str(item.get("ETag", "")).strip('"'))
        return found

    def _put(self, path: str, data: bytes, **condition: str) -> None:
        digest = base64.b64encode(hashlib.md5(data).digest()).decode()
        self.client.put_object(
            Bucket=self.bucket, Key=self.prefix + path, Body=data, ContentMD5=digest,
            ContentType=content_type(path), CacheControl=cache_control(path), **condition)

    def _upload(self, path: str, data: bytes) -> None:
        with s3_errors(f"PUT s3://{self.bucket}/{self.prefix}{path}"):
            self._put(path, data)

    def _put_manifest(self, manifest: Manifest, read: str | None) -> None:
        """Upload ``manifest`` only over the one this publish read (its ETag ``read``; None:
        there was none): another publish that replaced it meanwhile may have overwritten
        files this one checked, so this one starts again (a TransientError)."""
        from botocore.exceptions import ClientError

        data = manifest.to_bytes()
        where = f"s3://{self.bucket}/{self.prefix}{MANIFEST}"
        with s3_errors(f"PUT {where}"):
            try:
                self._put(MANIFEST, data, **({"IfMatch": read} if read is not None
                                             else {"IfNoneMatch": "*"}))
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code")
                # 412; 409 while another conditional write is under way; 404 NoSuchKey
                # for If-Match on an object that is gone (removed since it was read).
                if code in _CONFLICTS or (code == "NoSuchKey" and read is not None):
                    raise TransientError(f"S3 PUT {where}: another publish replaced "
                                         f"{MANIFEST} since this one read it") from None
                if not _lacks_conditions(exc.response):
                    raise
                self._put(MANIFEST, data)  # an endpoint without conditional writes

    def _old_manifest(self) -> tuple[Manifest | None, str | None]:
        """The manifest on the target, and its ETag (None, None: there is none)."""
        response = self._fetch(self.prefix + MANIFEST, body=True)
        if response is None:
            return None, None
        etag = str(response.get("ETag", ""))
        try:
            return parse_manifest(response["Body"]), etag
        except ValueError:
            return None, etag

    def publish(self, site_dir: Path, manifest: Manifest) -> Iterator[str]:
        self.counts = Counts()
        old, old_etag = self._old_manifest()
        listing = self._listing()
        present = {path: size for path, (size, _) in listing.items()}
        yield (f"read s3://{self.bucket}/{self.prefix}: {len(present)} objects, build "
               f"{old.build_id if old else '(none)'}")
        # Paths an interrupted publish may have overwritten without updating the manifest.
        pending = self._pending()
        # An object overwritten since with other bytes of the same size: only its
        # ETag tells.
        changed = [path for path, entry in manifest.files.items()
                   if old is None or old.files.get(path) != entry
                   or present.get(path) != entry.size or path in pending
                   or not _etag_proves(listing[path][1],
                                       partial(regular_bytes, site_dir / path, entry.size))]
        self.counts.unchanged = len(manifest.files) - len(changed)
        if changed:
            self._put_raw(self._pending_key(), json.dumps(sorted(pending | set(changed)))
                          .encode())
        for group in range(5):
            paths = [p for p in upload_order(changed) if upload_group(p) == group]
            yield from self._upload_all(site_dir, manifest, paths)
        stale = sorted(set(present) - set(manifest.files) - {MANIFEST}
                       - kept_assets(present, old, manifest))
        # The same build's manifest from other inputs too: notify reads them there.
        if changed or stale or old != manifest:
            self._put_manifest(manifest, old_etag)
            self.counts.live = True
            yield f"uploaded {MANIFEST} (build {manifest.build_id})"
        self.counts.live = True
        if pending or changed:
            with s3_errors(f"DELETE s3://{self.bucket}/{self._pending_key()}"):
                self.client.delete_object(Bucket=self.bucket, Key=self._pending_key())
        for start in range(0, len(stale), 1000):
            batch = stale[start:start + 1000]
            with s3_errors(f"DELETE in s3://{self.bucket}/{self.prefix}"):
                result = self.client.delete_objects(Bucket=self.bucket, Delete={
                    "Objects": [{"Key": self.prefix + p} for p in batch], "Quiet": True})
            errors = result.get("Errors", [])
            if errors:
                first = errors[0]
                text = (f"S3 DELETE in s3://{self.bucket}/{self.prefix}: "
                        f"{counted(len(errors), 'object')} not deleted, e.g. "
                        f"{str(first.get('Key'))[len(self.prefix):]}: {first.get('Code')}: "
                        f"{first.get('Message', '')}")
                # AccessDenied (no s3:DeleteObject, a lock) answers every attempt alike.
                if any(e.get("Code") in _TRANSIENT_CODES for e in errors):
                    raise TransientError(text)
                raise PublishError(text)
            self.counts.deleted += len(batch)
            yield f"deleted {len(batch)} stale objects"

    def _upload_all(self, site_dir: Path, manifest: Manifest,
                    paths: list[str]) -> Iterator[str]:
        """Upload ``paths`` with up to ``jobs`` at once; every upload ends before returning
        (but on Ctrl-C: see in_threads)."""
        if not paths:
            return

        def upload(path: str) -> None:
            self._upload(path, built_file(site_dir, path, manifest.files[path]))

        # One stage at a time (a group, and within pages one depth): a page starts
        # uploading only after every file it may link to has finished.
        for _, stage in groupby(upload_order(paths), key=_stage):
            for path, _ in in_threads(upload, list(stage), self.jobs):
                self.counts.uploaded += 1
                yield f"uploaded {path}"

    def verify(self, site_dir: Path | None = None) -> Iterator[str]:
        if self.settings.url:
            yield from verify_http(self.settings.url)
            return
        local = LocalCopy(site_dir)
        listed = {path: etag for path, (_, etag) in self._listing().items()}
        mine = local.read(MANIFEST)
        same = mine is not None and listed.get(MANIFEST, "") == hashlib.md5(mine).hexdigest()
        manifest = load_published_manifest(
            lambda path: mine if same else self._get(self.prefix + path),
            f"s3://{self.bucket}/{self.prefix}")
        yield f"reading s3://{self.bucket}/{self.prefix}"
        # One request per object, ``jobs`` at a time: a HEAD (its Content-Type) when the
        # listed ETag proves the body, since a local file with the manifest's sha256 has
        # that MD5 (as a single-part upload's ETag is); else a GET that reads it back.
        paths = sorted(p for p in manifest.files if p in listed)
        results = dict(zip(paths, in_parallel(
            lambda p: self._check_object(p, manifest.files[p], listed[p], local),
            paths, self.jobs), strict=True))
        found: list[str] = []

        def check(path: str, entry: Entry) -> str | None:
            if path not in results:
                return MISSING
            wrong_type, problem = results[path]
            if wrong_type:
                found.append(f"{path}: {wrong_type}")
            return problem

        yield from compare(manifest, check, listed, found=found, local=local)

    def _check_object(self, path: str, entry: Entry, etag: str, local: LocalCopy
                      ) -> tuple[str | None, str | None]:
        """(a Content-Type problem, MISSING or DIFFERS) for one listed object, in one
        request: a HEAD when the listed ETag proves the body, else a GET."""
        key = self.prefix + path
        if _etag_proves(etag, partial(local.matching, path, entry)):
            head = self._fetch(key, body=False)
            if head is not None and str(head.get("ETag", "")).strip('"') == etag:
                return _type_problem(path, head), None
        # Not proven by the ETag (none local, another body, or an ETag that is no MD5,
        # as a multipart or SSE-KMS upload's): read it back.
        response = self._fetch(key, body=True)
        if response is None:
            return None, MISSING
        digest = hashlib.sha256(response["Body"]).hexdigest()
        return _type_problem(path, response), None if digest == entry.sha256 else DIFFERS

    def _fetch(self, key: str, body: bool) -> dict[str, Any] | None:
        """The object's GET (its body read) or HEAD response; None if it is missing."""
        with s3_errors(f"{'GET' if body else 'HEAD'} s3://{self.bucket}/{key}"):
            try:
                if not body:
                    head: dict[str, Any] = self.client.head_object(Bucket=self.bucket, Key=key)
                    return head
                response: dict[str, Any] = self.client.get_object(Bucket=self.bucket, Key=key)
                return response | {"Body": response["Body"].read()}
            except self.client.exceptions.NoSuchKey:
                return None
            except self.client.exceptions.ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey"):
                    return None
                raise

    def published(self) -> Manifest | None:
        return self._old_manifest()[0]

    def _pending_key(self) -> str:
        return f"{STATE_PREFIX}{self.prefix}pending.json"

    def _pending(self) -> set[str]:
        raw = self._get(self._pending_key())
        try:
            return set(json.loads(raw)) if raw else set()
        except (ValueError, TypeError):
            return set()

    def _put_raw(self, key: str, data: bytes) -> None:
        with s3_errors(f"PUT s3://{self.bucket}/{key}"):
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data,
                                   ContentType="application/octet-stream",
                                   CacheControl="no-store")

    def _state_key(self, name: str) -> str:
        return f"{STATE_PREFIX}{self.prefix}state/{check_state_name(name)}"

    def read_state(self, name: str) -> bytes | None:
        # A TransientError stays one: publishing reads its record first, and retries it.
        return self._get(self._state_key(name))

    def write_state(self, name: str, data: bytes) -> None:
        self._put_raw(self._state_key(name), data)
