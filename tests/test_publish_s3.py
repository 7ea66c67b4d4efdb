"""The s3 target, for real against moto's S3 server in its own process on 127.0.0.1:
headers, upload order, only changed objects, stale deletions, 500s, dropped and refused
connections, interruption at every step."""

from __future__ import annotations

import json
import re
import shutil
import signal
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from generator.publish.base import TransientError, VerifyFailed
from generator.publish.runner import publish_targets
from generator.publish.s3 import S3Target, upload_group
from generator.render.manifest import MANIFEST, Manifest
from generator.render.mediatypes import IMMUTABLE_CACHE, SHORT_CACHE, content_type
from tests.publish_support import (
    DROP,
    SILENT,
    Builds,
    FaultyProxy,
    add_target,
    assert_consistent,
    build_site,
    drain,
    free_port,
    interrupted,
    make_target,
    new_bucket,
    outpost_process,
    s3_client,
    s3_env,
    s3_objects,
    s3_served,
    two_builds,
)

NEW_NOTICE = """\
---
title: Sign-in delays
type: incident
impact: minor
components: [customer-sites]
---
## Investigating - 2026-11-28 05:40
Some users wait up to a minute to sign in.
"""


pytestmark = pytest.mark.usefixtures("aws_env")


@pytest.fixture
def builds(example_repo: Path, tmp_path: Path) -> Builds:
    return two_builds(example_repo, tmp_path)


def s3_target(builds: Builds, endpoint: str, bucket: str, extra: str = "",
              name: str = "mirror") -> S3Target:
    target = make_target(builds.root, f"  - name: {name}\n    type: s3\n    bucket: {bucket}\n"
                                      f"    endpoint_url: {endpoint}\n    region: us-east-1\n"
                                      + extra, name)
    assert isinstance(target, S3Target)
    return target


def recorder(log: list[tuple[str, str]]) -> Any:
    def policy(method: str, path: str, count: int) -> int | None:
        log.append((method, path))
        return None

    return policy


def upload_in_one_part(client: Any, bucket: str, key: str, data: bytes) -> None:
    """``data`` as a multipart upload of one part, as other tools upload: its ETag is
    then no MD5 ('...-1')."""
    upload = client.create_multipart_upload(Bucket=bucket, Key=key,
                                            ContentType=content_type(key))
    part = client.upload_part(Bucket=bucket, Key=key, PartNumber=1,
                              UploadId=upload["UploadId"], Body=data)
    client.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=upload["UploadId"],
        MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]})


def test_full_publish_headers_and_order(builds: Builds, endpoint: str) -> None:
    bucket = new_bucket(endpoint)
    log: list[tuple[str, str]] = []
    with FaultyProxy(endpoint, recorder(log)) as proxy:
        target = s3_target(builds, proxy.url, bucket, "    prefix: status\n")
        drain(target.publish(builds.old_dir, builds.old))
    assert (target.counts.uploaded, target.counts.unchanged) == (len(builds.old.files), 0)
    objects = s3_objects(endpoint, bucket, "status/")
    assert_consistent(objects, builds.old)
    client: Any = s3_client(endpoint)
    for path in (*builds.old.files, MANIFEST):
        head = client.head_object(Bucket=bucket, Key="status/" + path)
        assert head["ContentType"] == content_type(path)
        immutable = path.startswith("assets/") and path.endswith(".css")
        assert head["CacheControl"] == (IMMUTABLE_CACHE if immutable else SHORT_CACHE)
    puts = [path.split("?")[0] for method, path in log if method == "PUT"]
    assert puts.pop(0) == f"/{bucket}/.outpost/status/pending.json"
    puts = [path[len(f"/{bucket}/status/"):] for path in puts]
    assert puts[-2:] == ["index.html", MANIFEST]
    groups = [upload_group(p) for p in puts[:-1]]
    assert groups == sorted(groups) and groups[0] == 0 and set(groups) >= {0, 2, 3, 4}
    pages = [p for p in puts if upload_group(p) == 3]
    assert pages.index("notices/2026-09-14-slow-grade-book-loading/index.html") < pages.index(
        "closed/index.html")
    direct = s3_target(builds, endpoint, bucket, "    prefix: status\n", name="direct")
    direct.write_state("sent.json", b"{}")
    assert set(s3_objects(endpoint, bucket)) - {"status/" + p for p in objects} == {
        ".outpost/status/state/sent.json"}
    assert direct.read_state("sent.json") == b"{}"


def test_update_uploads_only_changed_objects(builds: Builds, endpoint: str) -> None:
    bucket = new_bucket(endpoint)
    target = s3_target(builds, endpoint, bucket)
    drain(target.publish(builds.old_dir, builds.old))
    log: list[tuple[str, str]] = []
    with FaultyProxy(endpoint, recorder(log)) as proxy:
        via_proxy = s3_target(builds, proxy.url, bucket, name="mirror2")
        lines = drain(via_proxy.publish(builds.new_dir, builds.new))
    assert (via_proxy.counts.uploaded, via_proxy.counts.unchanged, via_proxy.counts.deleted
            ) == (7, len(builds.new.files) - 7, 0)
    puts = [path.split("?")[0][len(f"/{bucket}/"):] for method, path in log
            if method == "PUT"]
    assert puts[0] == ".outpost/pending.json"
    assert sorted(puts[1:]) == sorted([*builds.changed, MANIFEST])
    # the old manifest, one listing, the pending list; it is removed once the manifest is up
    assert [m for m, _ in log].count("GET") == 3
    assert log[-1] == ("DELETE", f"/{bucket}/.outpost/pending.json")
    assert lines[-1] == f"uploaded {MANIFEST} (build {builds.new.build_id})"
    assert_consistent(s3_objects(endpoint, bucket), builds.new)
    drain(target.verify())  # the proxy is gone: verify's HEADs run on several connections


def test_publishing_again_repairs_an_object_of_the_same_size(builds: Builds,
                                                             endpoint: str) -> None:
    """An object overwritten with other bytes of the same length, and one uploaded again
    in parts (its ETag is no MD5), are uploaded by the next publish of the same build and
    of the next one: the listing's ETag is compared with the built file's MD5."""
    bucket = new_bucket(endpoint)
    target = s3_target(builds, endpoint, bucket)
    drain(target.publish(builds.old_dir, builds.old))
    client: Any = s3_client(endpoint)
    [css] = [p for p in builds.old.files if p.startswith("assets/") and p.endswith(".css")]
    data = (builds.old_dir / css).read_bytes()
    same_size = data[:-2] + bytes([data[-2] ^ 1]) + data[-1:]
    assert len(same_size) == len(data) and not {css, "index.html"} & builds.changed
    client.put_object(Bucket=bucket, Key=css, Body=same_size, ContentType=content_type(css))
    with pytest.raises(VerifyFailed) as caught:
        drain(target.verify())
    assert caught.value.mismatches == [f"{css}: content differs from the manifest"]
    lines = drain(target.publish(builds.old_dir, builds.old))
    assert (target.counts.uploaded, target.counts.unchanged) == (1, len(builds.old.files) - 1)
    assert lines[1:] == [f"uploaded {css}", f"uploaded {MANIFEST} (build {builds.old.build_id})"]
    drain(target.verify())
    drain(target.publish(builds.old_dir, builds.old))
    assert (target.counts.uploaded, target.counts.unchanged) == (0, len(builds.old.files))

    # The right bytes in parts: not provable from the listing, so uploaded once more.
    data = (builds.old_dir / "index.html").read_bytes()
    upload_in_one_part(client, bucket, "index.html", data)
    client.put_object(Bucket=bucket, Key=css, Body=same_size, ContentType=content_type(css))
    lines = drain(target.publish(builds.new_dir, builds.new))
    uploaded = sorted(line[9:] for line in lines if line.startswith("uploaded "))
    assert uploaded == sorted({*builds.changed, css, "index.html",
                               f"{MANIFEST} (build {builds.new.build_id})"})
    assert "-" not in client.head_object(Bucket=bucket, Key="index.html")["ETag"]
    assert_consistent(s3_objects(endpoint, bucket), builds.new)
    drain(target.verify())


def test_stale_objects_are_deleted_last_and_state_is_kept(builds: Builds, endpoint: str,
                                                          tmp_path: Path) -> None:
    bucket = new_bucket(endpoint)
    target = s3_target(builds, endpoint, bucket)
    target.write_state("sent.json", b"{}")
    drain(target.publish(builds.old_dir, builds.old))
    (builds.root / "notices" / "2026-09-14-slow-grade-book-loading.md").unlink()
    third = build_site(builds.root, tmp_path / "site-third")
    log: list[tuple[str, str]] = []
    with FaultyProxy(endpoint, recorder(log)) as proxy:
        lines = drain(s3_target(builds, proxy.url, bucket, name="m2").publish(
            tmp_path / "site-third", third))
    assert lines[-2:] == [f"uploaded {MANIFEST} (build {third.build_id})",
                          "deleted 1 stale objects"]
    assert log[-1][0] == "POST" and "delete" in log[-1][1]
    objects = s3_objects(endpoint, bucket)
    assert objects.pop(".outpost/state/sent.json") == b"{}"
    assert_consistent(objects, third)
    assert target.read_state("sent.json") == b"{}"
    assert target.read_state("never-written") is None


def test_stale_objects_the_bucket_policy_keeps_fail_at_once(builds: Builds,
                                                           endpoint: str) -> None:
    """DeleteObjects answers 200 with an AccessDenied per key the identity may not delete
    (no s3:DeleteObject): that is the same on every attempt, so it is not retried."""
    bucket = new_bucket(endpoint)
    target = s3_target(builds, endpoint, bucket)
    drain(target.publish(builds.old_dir, builds.old))
    client: Any = s3_client(endpoint)
    client.put_object(Bucket=bucket, Key="stale.html", Body=b"old")
    client.put_bucket_policy(Bucket=bucket, Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObject",
            "Resource": f"arn:aws:s3:::{bucket}/stale.html"}]}))
    delays: list[float] = []
    [summary] = publish_targets([target], builds.new_dir, builds.new, lambda _: None,
                                sleep=delays.append)
    assert (summary.ok, summary.live, summary.attempts, delays) == (False, True, 1, [])
    assert summary.error == (f"build {builds.new.build_id} is live there, but a later step "
                             f"failed: S3 DELETE in s3://{bucket}/: 1 object not deleted, "
                             "e.g. stale.html: AccessDenied: Access Denied")


def test_500s_are_retried_then_succeed(builds: Builds, endpoint: str,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    bucket = new_bucket(endpoint)
    drain(s3_target(builds, endpoint, bucket).publish(builds.old_dir, builds.old))

    failed: list[str] = []

    def flaky(method: str, path: str, count: int) -> int | None:
        if method == "PUT" and ".outpost" not in path and not failed:
            failed.append(path)
            return 500
        return None

    with FaultyProxy(endpoint, flaky) as proxy:
        target = s3_target(builds, proxy.url, bucket, name="m2")
        delays: list[float] = []
        [summary] = publish_targets([target], builds.new_dir, builds.new, lambda _: None,
                                    sleep=delays.append)
        assert proxy.failed == 1
    assert summary.ok and summary.attempts == 2 and delays == [1.0]
    assert summary.uploaded == 7  # the retry re-sent what the manifest did not yet cover
    assert_consistent(s3_objects(endpoint, bucket), builds.new)


def test_dropped_connections_and_botocore_retries(builds: Builds, endpoint: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "3")
    bucket = new_bucket(endpoint)

    tries: dict[str, int] = {}

    def dropping(method: str, path: str, count: int) -> int | None:
        """Drop the first try of every fifth object, never a retry: counting all requests
        instead let concurrent uploads land a retry on a dropped number again, until
        botocore gave up and the whole publish was retried (a flaky attempts == 2)."""
        if method != "PUT":
            return None
        tries[path] = tries.get(path, 0) + 1
        return DROP if tries[path] == 1 and len(tries) % 5 == 0 else None

    with FaultyProxy(endpoint, dropping) as proxy:
        target = s3_target(builds, proxy.url, bucket)
        [summary] = publish_targets([target], builds.old_dir, builds.old, lambda _: None,
                                    sleep=lambda _: None)
        assert proxy.failed >= 5
    assert summary.ok and summary.attempts == 1
    assert_consistent(s3_objects(endpoint, bucket), builds.old)


def test_refused_connection_gives_up_and_others_still_publish(builds: Builds,
                                                               tmp_path: Path) -> None:
    target = s3_target(builds, f"http://127.0.0.1:{free_port()}", "nowhere",
                       "    retries: 2\n")
    folder = make_target(builds.root, f"  - name: www\n    type: dir\n    path: "
                                      f"{tmp_path / 'www'}\n", "www")
    delays: list[float] = []
    lines: list[str] = []
    failed, ok = publish_targets([target, folder], builds.old_dir, builds.old, lines.append,
                                 sleep=delays.append)
    assert (failed.ok, failed.attempts, delays) == (False, 3, [1.0, 2.0])
    assert failed.error is not None and failed.error.startswith(
        "S3 GET s3://nowhere/manifest.json: Could not connect to the endpoint URL")
    assert ok.ok and ok.uploaded == len(builds.old.files)
    assert lines[-1].startswith("www: ok: ")


def test_an_endpoint_that_never_answers_is_given_up_on_quickly(
        builds: Builds, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An endpoint that takes the connection and says nothing (a host down behind its
    load balancer) fails after OUTPOST_HOST_TIMEOUT seconds per request attempt
    (AWS_MAX_ATTEMPTS of them), not retried by Outpost: the next target publishes
    within seconds, not minutes (60 s x 3 x the target's attempts before)."""
    monkeypatch.setenv("OUTPOST_HOST_TIMEOUT", "1")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        endpoint = f"http://127.0.0.1:{silent.getsockname()[1]}"
        target = s3_target(builds, endpoint, "status", "    retries: 3\n", name="silent")
        folder = make_target(builds.root, f"  - name: www\n    type: dir\n    path: "
                                          f"{tmp_path / 'www'}\n", "www")
        started = time.monotonic()
        failed, ok = publish_targets([target, folder], builds.old_dir, builds.old,
                                     lambda _: None)
        seconds = time.monotonic() - started
    assert seconds < 15
    assert (failed.ok, failed.attempts) == (False, 1)
    assert failed.error == (f'S3 GET s3://status/manifest.json: Read timeout on endpoint '
                            f'URL: "{endpoint}/status/manifest.json" (not retried: no answer '
                            f'to 2 attempts)')
    assert ok.ok and ok.uploaded == len(builds.old.files)


@pytest.mark.parametrize(("name", "value", "error"), [
    ("AWS_MAX_ATTEMPTS", "abc", "AWS_MAX_ATTEMPTS is 'abc': set it to a whole number of "
                                "attempts, such as 3"),
    ("AWS_MAX_ATTEMPTS", "0", "AWS_MAX_ATTEMPTS is '0': set it to a whole number of "
                              "attempts, such as 3"),
    ("OUTPOST_HOST_TIMEOUT", "soon", "OUTPOST_HOST_TIMEOUT is 'soon': set it to a number of "
                                     "seconds, such as 30"),
])
def test_a_timeout_or_attempts_setting_that_is_no_number_is_named(
        builds: Builds, endpoint: str, monkeypatch: pytest.MonkeyPatch, name: str,
        value: str, error: str) -> None:
    """Not an 'unexpected failure (ValueError ...)', and not retried."""
    monkeypatch.setenv(name, value)
    target = s3_target(builds, endpoint, "status")
    [summary] = publish_targets([target], builds.old_dir, builds.old, lambda _: None,
                                sleep=lambda _: None)
    assert (summary.ok, summary.attempts, summary.error) == (False, 1, error)


def test_missing_bucket_is_not_retried(builds: Builds, endpoint: str) -> None:
    target = s3_target(builds, endpoint, "no-such-bucket-here")
    [summary] = publish_targets([target], builds.old_dir, builds.old, lambda _: None,
                                sleep=lambda _: None)
    assert (summary.ok, summary.attempts) == (False, 1)
    assert summary.error == ("S3 GET s3://no-such-bucket-here/manifest.json: NoSuchBucket: "
                             "The specified bucket does not exist")
    # Nothing of this build went up: the report does not call it perhaps mixed.
    assert summary.untouched


def test_credentials_that_cannot_be_used_are_reported_as_such(
        builds: Builds, endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Missing, partial or unknown credentials are the administrator's to fix, said in
    botocore's words: not an 'unexpected failure' inside Outpost, nor retried."""
    target = s3_target(builds, endpoint, "any-bucket")
    where = "S3 GET s3://any-bucket/manifest.json: "
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(builds.root / "no-such-file"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(builds.root / "no-such-file"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    cases = {
        "partial": (where + "Partial credentials found in env, missing: "
                            "AWS_SECRET_ACCESS_KEY"),
        "profile": where + "The config profile (nosuch) could not be found",
        "none": ("no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                 "AWS_PROFILE, or use an instance/OIDC role"),
    }
    for case, message in cases.items():
        if case == "profile":
            monkeypatch.setenv("AWS_PROFILE", "nosuch")
        if case == "none":
            monkeypatch.delenv("AWS_PROFILE")
            monkeypatch.delenv("AWS_ACCESS_KEY_ID")
        [summary] = publish_targets([S3Target(target.settings, builds.root)], builds.old_dir,
                                    builds.old, lambda _: None, sleep=lambda _: None)
        assert (summary.ok, summary.attempts, summary.error) == (False, 1, message), case


def add_notice_build(builds: Builds, tmp_path: Path) -> tuple[Path, Manifest]:
    (builds.root / "notices" / "2026-11-28-sign-in-delays.md").write_text(NEW_NOTICE)
    site = tmp_path / "site-added"
    return site, build_site(builds.root, site)


def test_interrupted_at_every_step_keeps_links_working(builds: Builds, endpoint: str,
                                                       tmp_path: Path) -> None:
    new_dir, new = add_notice_build(builds, tmp_path)
    assert "notices/2026-11-28-sign-in-delays/index.html" in new.files
    bucket = new_bucket(endpoint)
    target = s3_target(builds, endpoint, bucket, "    jobs: 1\n")
    drain(target.publish(builds.old_dir, builds.old))
    lines = drain(target.publish(new_dir, new))
    manifest_up = lines.index(f"uploaded {MANIFEST} (build {new.build_id})")
    sites = {builds.old_dir: builds.old, new_dir: new}
    for k in range(len(lines) + 1):
        # Publishing the old build again must repair whatever the interruption left,
        # even objects overwritten before the manifest said so.
        drain(target.publish(builds.old_dir, builds.old))
        if k % 3 == 0:
            assert_consistent(s3_served(endpoint, bucket, sites), builds.old)
        interrupted(target.publish(new_dir, new), k)
        served = assert_consistent(s3_served(endpoint, bucket, sites), builds.old, new,
                                   exact=False)
        assert served.build_id == (new.build_id if k > manifest_up else builds.old.build_id)
    drain(target.publish(new_dir, new))
    objects = s3_objects(endpoint, bucket)
    assert ".outpost/pending.json" not in objects
    assert_consistent(objects, new)
    drain(target.verify())


def test_two_publishes_at_once_end_serving_one_whole_build(builds: Builds, endpoint: str,
                                                          tmp_path: Path) -> None:
    """Two publishes of different builds at once (CI, and an administrator publishing by
    hand): the one whose manifest would replace a manifest it did not read starts again,
    so the bucket ends serving one whole build, never one's manifest over a mix of both
    builds' files (both publishes reported ok)."""
    notice = builds.root / "notices" / "2026-09-14-slow-grade-book-loading.md"
    notice.write_text(notice.read_text().replace("for every district.", ""))
    other_dir, other = add_notice_build(builds, tmp_path)  # the old build and a new notice
    edited = "notices/2026-09-14-slow-grade-book-loading/index.html"
    assert builds.new.files[edited] != other.files[edited]
    bucket = new_bucket(endpoint)
    target = s3_target(builds, endpoint, bucket)
    drain(target.publish(builds.old_dir, builds.old))
    mine = target.publish(builds.new_dir, builds.new)
    theirs = S3Target(target.settings, builds.root).publish(other_dir, other)
    next(mine)
    next(theirs)  # both have read the bucket
    drain(mine)
    with pytest.raises(TransientError) as caught:
        drain(theirs)
    assert str(caught.value) == (f"S3 PUT s3://{bucket}/{MANIFEST}: another publish "
                                 f"replaced {MANIFEST} since this one read it")
    [summary] = publish_targets([S3Target(target.settings, builds.root)], other_dir, other,
                                lambda _: None, sleep=lambda _: None)
    assert summary.ok
    assert_consistent(s3_objects(endpoint, bucket), other)
    drain(target.verify())


@pytest.mark.parametrize(("status", "code", "detail"), [
    (501, "NotImplemented", "<Message>A header you provided implies functionality that is "
                            "not implemented</Message><Header>If-None-Match</Header>"),
    (501, "NotImplemented", ""),
    (501, "501", ""),  # a gateway's bare 501: no S3 error code
    (400, "InvalidArgument", "<Message>Unsupported header</Message>"
                             "<ArgumentName>If-None-Match</ArgumentName>"),
    (400, "InvalidRequest", "<Message>If-None-Match is not supported</Message>"),
])
def test_an_endpoint_without_conditional_writes_still_gets_the_manifest(
        builds: Builds, endpoint: str, status: int, code: str, detail: str) -> None:
    """An S3-compatible store that answers a conditional PUT with 501 (as AWS did before
    it had them), or with a 400 naming the condition's header, gets the manifest without
    the condition."""
    bucket = new_bucket(endpoint)
    puts: list[str] = []

    def no_conditions(method: str, path: str, count: int) -> int | None:
        if method == "PUT" and path.endswith(f"/{MANIFEST}"):
            puts.append(path)
            return status if len(puts) == 1 else None
        return None

    with FaultyProxy(endpoint, no_conditions, error_code=code, error_detail=detail) as proxy:
        target = s3_target(builds, proxy.url, bucket)
        [summary] = publish_targets([target], builds.old_dir, builds.old, lambda _: None,
                                    sleep=lambda _: None)
    assert (summary.ok, summary.attempts, len(puts)) == (True, 1, 2)
    assert_consistent(s3_objects(endpoint, bucket), builds.old)


def test_a_400_about_anything_but_the_condition_is_not_a_missing_feature(
        builds: Builds, endpoint: str) -> None:
    """Only a 400 that names the condition's header tells that the store lacks it: any
    other is reported, the manifest never sent without its condition."""
    bucket = new_bucket(endpoint)
    puts: list[str] = []

    def refused(method: str, path: str, count: int) -> int | None:
        if method == "PUT" and path.endswith(f"/{MANIFEST}"):
            puts.append(path)
            return 400
        return None

    with FaultyProxy(endpoint, refused, error_code="InvalidArgument",
                     error_detail="<Message>Invalid storage class</Message>") as proxy:
        target = s3_target(builds, proxy.url, bucket)
        [summary] = publish_targets([target], builds.old_dir, builds.old, lambda _: None,
                                    sleep=lambda _: None)
    assert (summary.ok, summary.attempts, len(puts)) == (False, 1, 1)
    assert summary.error == (f"S3 PUT s3://{bucket}/{MANIFEST}: InvalidArgument: "
                             "Invalid storage class")


def test_a_manifest_deleted_since_it_was_read_is_a_conflict_too(builds: Builds,
                                                                endpoint: str) -> None:
    """S3 answers a PUT with If-Match on an object that is gone with 404 NoSuchKey: the
    publish starts again from a fresh read, as after a 412."""
    bucket = new_bucket(endpoint)
    target = s3_target(builds, endpoint, bucket)
    drain(target.publish(builds.old_dir, builds.old))
    running = target.publish(builds.new_dir, builds.new)
    next(running)  # the manifest has been read
    s3_client(endpoint).delete_object(Bucket=bucket, Key=MANIFEST)  # type: ignore[attr-defined]
    with pytest.raises(TransientError) as caught:
        drain(running)
    assert str(caught.value) == (f"S3 PUT s3://{bucket}/{MANIFEST}: another publish "
                                 f"replaced {MANIFEST} since this one read it")
    [summary] = publish_targets([target], builds.new_dir, builds.new, lambda _: None,
                                sleep=lambda _: None)
    assert summary.ok
    assert_consistent(s3_objects(endpoint, bucket), builds.new)


def test_killed_process_keeps_links_working(builds: Builds, endpoint: str,
                                            tmp_path: Path) -> None:
    bucket = new_bucket(endpoint)
    target = s3_target(builds, endpoint, bucket, "    jobs: 1\n")
    drain(target.publish(builds.old_dir, builds.old))
    new_dir, new = add_notice_build(builds, tmp_path)
    build_site(builds.root, builds.root / "site")
    for kill_after in (2, 4, 7):
        process = outpost_process(builds.root, "publish", "mirror", env=s3_env())
        assert process.stdout is not None
        for _ in range(kill_after):
            process.stdout.readline()
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert_consistent(s3_served(endpoint, bucket, {builds.old_dir: builds.old,
                                                       new_dir: new}), builds.old, new,
                          exact=False)
    drain(target.publish(new_dir, new))
    assert_consistent(s3_objects(endpoint, bucket), new)


def test_ctrl_c_while_uploads_hang_returns_at_once(builds: Builds, endpoint: str,
                                                   tmp_path: Path) -> None:
    """Ctrl-C while the endpoint has stopped answering uploads stops the publish at
    once and names the targets left, not after the upload threads' own timeouts."""
    bucket = new_bucket(endpoint)

    def hang_site_uploads(method: str, path: str, count: int) -> int | None:
        return SILENT if method == "PUT" and "/.outpost/" not in path else None

    with FaultyProxy(endpoint, hang_site_uploads) as proxy:
        add_target(builds.root, f"  - name: mirror\n    type: s3\n    bucket: {bucket}\n"
                                f"    endpoint_url: {proxy.url}\n    region: us-east-1\n"
                                f"  - name: later\n    type: dir\n    path: "
                                f"{tmp_path / 'later'}\n")
        build_site(builds.root, builds.root / "site")
        process = outpost_process(builds.root, "publish", "-q",
                                  env=s3_env() | {"OUTPOST_HOST_TIMEOUT": "300"})
        try:
            deadline = time.monotonic() + 60
            while not proxy.failed and time.monotonic() < deadline:
                time.sleep(0.05)
            assert proxy.failed, "no upload reached the endpoint"
            started = time.monotonic()
            process.send_signal(signal.SIGINT)
            output = process.communicate(timeout=120)[0]
            seconds = time.monotonic() - started
        finally:
            process.kill()
            process.wait()
    assert seconds < 10, output
    assert process.returncode == 1
    assert output.splitlines() == [
        "mirror: FAILED: interrupted (Ctrl-C) while publishing; the next publish "
        "completes it",
        "later: FAILED: not published: interrupted before its turn",
        "Aborted!"]


def test_verify_through_the_api_and_over_http(builds: Builds, endpoint: str) -> None:
    bucket = new_bucket(endpoint)
    target = s3_target(builds, endpoint, bucket, "    prefix: site\n")
    drain(target.publish(builds.old_dir, builds.old))
    target.write_state("sent.json", b"{}")
    client: Any = s3_client(endpoint)
    client.put_bucket_policy(Bucket=bucket, Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/site/*"}]}))
    by_url = s3_target(builds, endpoint, bucket, f"    url: {endpoint}/{bucket}/site/\n"
                                                 "    prefix: site\n", "web")
    assert drain(by_url.verify()) == [
        f"reading {endpoint}/{bucket}/site/",
        f"checked {len(builds.old.files)} files of build {builds.old.build_id}"]
    with pytest.raises(urllib.error.HTTPError) as private:  # state is not public
        urllib.request.urlopen(f"{endpoint}/{bucket}/.outpost/site/state/sent.json")
    assert private.value.code == 403
    client.put_object(Bucket=bucket, Key="site/index.html", Body=b"defaced",
                      ContentType="text/html; charset=utf-8")
    client.put_object(Bucket=bucket, Key="site/feed.xml", Body=(builds.old_dir / "feed.xml")
                      .read_bytes(), ContentType="binary/octet-stream")
    client.put_object(Bucket=bucket, Key="site/old/page.html", Body=b"x")
    with pytest.raises(VerifyFailed) as caught:
        drain(target.verify())
    assert caught.value.mismatches == [
        "feed.xml: Content-Type 'binary/octet-stream', expected "
        "'application/rss+xml; charset=utf-8'",
        "index.html: content differs from the manifest",
        "old/page.html: not in the manifest (stale)",
    ]
    with pytest.raises(VerifyFailed) as caught:
        drain(by_url.verify())
    assert caught.value.mismatches == ["index.html: content differs from the manifest"]


def test_verify_of_an_empty_bucket(builds: Builds, endpoint: str) -> None:
    bucket = new_bucket(endpoint)
    with pytest.raises(VerifyFailed) as caught:
        drain(s3_target(builds, endpoint, bucket).verify())
    assert caught.value.mismatches == [
        f"s3://{bucket}/ has no manifest.json: nothing was published there yet"]
    with pytest.raises(ValueError):
        s3_target(builds, endpoint, bucket, name="m2").read_state("../x")


def requests_of(log: list[tuple[str, str]], bucket: str) -> list[tuple[str, str]]:
    """(method, key) of each request, listings as (GET, '?list')."""
    found = []
    for method, path in log:
        key = path.split("?")[0][len(f"/{bucket}/"):]
        found.append((method, key if key or "?" not in path else "?list"))
    return found


def test_verify_with_the_local_site_downloads_nothing(builds: Builds, endpoint: str) -> None:
    """Verify lists the bucket once, then makes one request per object: with the built
    site at hand a HEAD (the ETag proves the body; the Content-Type is checked); without
    it, or for a file the local build does not share, a GET as before."""
    bucket = new_bucket(endpoint)
    drain(s3_target(builds, endpoint, bucket).publish(builds.old_dir, builds.old))
    done = f"checked {len(builds.old.files)} files of build {builds.old.build_id}"
    count = len(builds.old.files)
    for site_dir, heads, gets in ((builds.old_dir, count, 0), (None, 0, count + 1),
                                  (builds.new_dir, count - 7, 7 + 1)):
        log: list[tuple[str, str]] = []
        with FaultyProxy(endpoint, recorder(log)) as proxy:
            via_proxy = s3_target(builds, proxy.url, bucket,
                                  name=f"via-{site_dir.name if site_dir else 'none'}")
            if site_dir != builds.new_dir:
                assert drain(via_proxy.verify(site_dir))[-1] == done
            else:  # a site of the next build: its files are checked, and its build reported
                with pytest.raises(VerifyFailed) as caught:
                    drain(via_proxy.verify(site_dir))
                assert caught.value.mismatches == [
                    f"serves build {builds.old.build_id}, but the site in {site_dir} is "
                    f"build {builds.new.build_id}"]
        requests = requests_of(log, bucket)
        assert requests.count(("GET", "?list")) == 1
        assert sum(1 for m, _ in requests if m == "HEAD") == heads, site_dir
        assert sum(1 for m, k in requests if m == "GET" and k != "?list") == gets, site_dir
    assert len(builds.changed) == 7


@pytest.mark.parametrize("with_site", [True, False], ids=["local-site", "no-local-site"])
def test_verify_finds_each_kind_of_damage(builds: Builds, endpoint: str,
                                          with_site: bool) -> None:
    bucket = new_bucket(endpoint)
    target = s3_target(builds, endpoint, bucket)
    drain(target.publish(builds.old_dir, builds.old))
    site_dir = builds.old_dir if with_site else None
    client: Any = s3_client(endpoint)
    client.delete_object(Bucket=bucket, Key="feed.xml")
    client.put_object(Bucket=bucket, Key="index.html", Body=b"defaced",
                      ContentType="text/html; charset=utf-8")
    client.put_object(Bucket=bucket, Key="closed/index.html",
                      Body=(builds.old_dir / "closed" / "index.html").read_bytes(),
                      ContentType="text/plain")
    client.put_object(Bucket=bucket, Key="old/page.html", Body=b"x")
    with pytest.raises(VerifyFailed) as caught:
        drain(target.verify(site_dir))
    assert caught.value.mismatches == [
        "closed/index.html: Content-Type 'text/plain', expected 'text/html; charset=utf-8'",
        "feed.xml: missing",
        "index.html: content differs from the manifest",
        "old/page.html: not in the manifest (stale)",
    ]


def test_verify_never_trusts_the_local_site_or_an_etag(builds: Builds, endpoint: str,
                                                      tmp_path: Path) -> None:
    """The same defacement locally and in the bucket is found; an object uploaded in
    parts (its ETag is no MD5) is downloaded and checked, not failed."""
    bucket = new_bucket(endpoint)
    target = s3_target(builds, endpoint, bucket)
    drain(target.publish(builds.old_dir, builds.old))
    client: Any = s3_client(endpoint)
    data = (builds.old_dir / "feed.xml").read_bytes()
    upload_in_one_part(client, bucket, "feed.xml", data)
    assert "-" in client.head_object(Bucket=bucket, Key="feed.xml")["ETag"]
    assert drain(target.verify(builds.old_dir))[-1].startswith("checked ")
    local = tmp_path / "local"
    shutil.copytree(builds.old_dir, local)
    (local / "index.html").write_text("defaced")
    client.put_object(Bucket=bucket, Key="index.html", Body=b"defaced",
                      ContentType="text/html; charset=utf-8")
    with pytest.raises(VerifyFailed) as caught:
        drain(target.verify(local))
    assert caught.value.mismatches == ["index.html: content differs from the manifest"]


def test_a_region_is_a_code_the_client_takes(small_repo: Path, endpoint: str,
                                             tmp_path: Path) -> None:
    """A console's region name ('US East') passed check and failed every publish; R2's
    'auto' and a MinIO server's own region name publish."""
    add_target(small_repo, "  - name: mirror\n    type: s3\n    bucket: b\n"
                           f"    endpoint_url: {endpoint}\n    region: US East\n")
    process = outpost_process(small_repo, "check")
    assert (process.communicate(timeout=60)[0], process.returncode) == (
        "outpost.yaml:15: Config value 'publish[0].region': expected a region code such as "
        "'us-east-1' (letters, digits and hyphens, not the console's name 'US East (N. "
        "Virginia)'; R2 takes 'auto'), received 'US East'\n1 problem found.\n", 1)
    config = small_repo / "outpost.yaml"
    site = tmp_path / "site"
    for region in ("auto", "Lab-West1"):
        bucket = new_bucket(endpoint)
        text = re.sub(r"(?<=region: ).*", region, config.read_text())
        config.write_text(re.sub(r"(?<=bucket: )\S+", bucket, text))
        build_site(small_repo, site)
        process = outpost_process(small_repo, "publish", "-q", "--site", str(site),
                                  env=s3_env())
        output = process.communicate(timeout=120)[0]
        assert process.returncode == 0, output
        assert "index.html" in s3_objects(endpoint, bucket)
