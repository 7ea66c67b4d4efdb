"""The dir target, for real on local folders: releases, the current symlink, pruning,
interruption at every step and a killed process."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from generator.publish.base import TransientError, VerifyFailed
from generator.publish.folder import FolderTarget
from generator.publish.runner import publish_targets
from generator.render.manifest import MANIFEST, parse_manifest
from tests.publish_support import (
    Builds,
    assert_consistent,
    build_site,
    drain,
    folder_tree,
    interrupted,
    make_target,
    mount_namespaces,
    outpost_process,
    two_builds,
)


@pytest.fixture
def builds(example_repo: Path, tmp_path: Path) -> Builds:
    return two_builds(example_repo, tmp_path)


def folder_target(builds: Builds, www: Path, keep: int = 3) -> FolderTarget:
    target = make_target(builds.root, f"  - name: www\n    type: dir\n    path: {www}\n"
                                      f"    keep: {keep}\n", "www")
    assert isinstance(target, FolderTarget)
    return target


def served(www: Path) -> dict[str, bytes]:
    return folder_tree((www / "current").resolve())


def test_publish_then_update_writes_only_changed_files(builds: Builds, tmp_path: Path) -> None:
    www = tmp_path / "www"
    target = folder_target(builds, www)
    drain(target.publish(builds.old_dir, builds.old))
    assert (target.counts.uploaded, target.counts.unchanged) == (len(builds.old.files), 0)
    assert os.readlink(www / "current") == f"releases/r000001-{builds.old.build_id}"
    assert assert_consistent(served(www), builds.old).build_id == builds.old.build_id
    first = (www / "current").resolve()

    lines = drain(target.publish(builds.new_dir, builds.new))
    assert len(builds.changed) == 7 and len(builds.new.files) > 40
    assert target.counts.uploaded == len(builds.changed)
    assert target.counts.unchanged == len(builds.new.files) - len(builds.changed)
    assert target.counts.deleted == 0
    assert sorted(line[6:] for line in lines if line.startswith("wrote ")) == sorted(
        builds.changed)
    assert assert_consistent(served(www), builds.new).build_id == builds.new.build_id
    second = (www / "current").resolve()
    unchanged = next(iter(set(builds.new.files) - builds.changed))
    assert (first / unchanged).stat().st_ino == (second / unchanged).stat().st_ino
    drain(target.verify())


def test_same_build_again_is_a_no_op(builds: Builds, tmp_path: Path) -> None:
    target = folder_target(builds, tmp_path / "www")
    drain(target.publish(builds.old_dir, builds.old))
    assert drain(target.publish(builds.old_dir, builds.old)) == [
        f"build {builds.old.build_id} is already current"]
    assert target.counts.unchanged == len(builds.old.files)
    assert len(list((tmp_path / "www" / "releases").iterdir())) == 1


def damage_css(www: Path) -> Path:
    """Append bytes to the served stylesheet in place (every release linked to it too)."""
    [css] = ((www / "current").resolve() / "assets").glob("outpost.*.css")
    with open(css, "ab") as handle:
        handle.write(b"/* damaged */")
    return css


def test_a_damaged_file_is_not_carried_into_the_next_release(builds: Builds,
                                                              tmp_path: Path) -> None:
    """A file changed in place since its release was published is written afresh from
    the build, not hard-linked: the new release matches its manifest, and only the
    damaged file and the changed ones were written."""
    www = tmp_path / "www"
    target = folder_target(builds, www)
    drain(target.publish(builds.old_dir, builds.old))
    css = damage_css(www)
    path = css.relative_to((www / "current").resolve()).as_posix()
    assert path in builds.new.files and path not in builds.changed
    with pytest.raises(VerifyFailed) as caught:
        drain(target.verify())
    assert caught.value.mismatches == [f"{path}: content differs from the manifest"]
    lines = drain(target.publish(builds.new_dir, builds.new))
    assert f"wrote {path}" in lines
    assert (target.counts.uploaded, target.counts.unchanged) == (
        len(builds.changed) + 1, len(builds.new.files) - len(builds.changed) - 1)
    assert assert_consistent(served(www), builds.new).build_id == builds.new.build_id
    drain(target.verify())
    second = (www / "current").resolve()
    assert (second / path).stat().st_ino != css.stat().st_ino
    assert (second / path).read_bytes() == (builds.new_dir / path).read_bytes()


def test_the_same_build_again_repairs_a_damaged_release(builds: Builds,
                                                        tmp_path: Path) -> None:
    """Publishing the build that is current does nothing while the release matches its
    manifest; once a file in it is damaged, or one is added, it writes a new release."""
    www = tmp_path / "www"
    target = folder_target(builds, www)
    drain(target.publish(builds.old_dir, builds.old))
    first = (www / "current").resolve()
    css = damage_css(www)
    path = css.relative_to(first).as_posix()
    second = f"r000002-{builds.old.build_id}"
    assert drain(target.publish(builds.old_dir, builds.old)) == [
        f"release {first.name} no longer matches its manifest: writing a new one",
        f"writing release {second}", f"wrote {path}", f"release {second} complete",
        f"current -> releases/{second}"]
    assert (target.counts.uploaded, target.counts.unchanged) == (
        1, len(builds.old.files) - 1)
    assert_consistent(served(www), builds.old)
    drain(target.verify())
    assert drain(target.publish(builds.old_dir, builds.old)) == [
        f"build {builds.old.build_id} is already current"]
    ((www / "current").resolve() / "leftover.html").write_text("x")
    lines = drain(target.publish(builds.old_dir, builds.old))
    assert lines[-1] == f"current -> releases/r000003-{builds.old.build_id}"
    assert target.counts.uploaded == 0
    assert_consistent(served(www), builds.old)
    drain(target.verify())


def test_files_are_flushed_to_disk_together_before_the_swap(builds: Builds, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    """Every file written is flushed to disk before its release is renamed into place,
    once all are written: flushing each as it was written waited for the disk once per
    file (22-30 s for a first publish of 10,000 files, against 5 s to a git target)."""
    www = tmp_path / "www"
    target = folder_target(builds, www)
    flushed: list[str] = []
    written_when_first_flushed: list[int] = []
    fsync = os.fsync
    lock = threading.Lock()

    def spy(fd: int) -> None:
        path = os.readlink(f"/proc/self/fd/{fd}")
        staging = next((www / "releases").glob(".new-*"), None)
        if staging is not None and path.startswith(f"{staging}/"):
            with lock:
                if not flushed:
                    written_when_first_flushed.append(
                        sum(1 for p in staging.rglob("*") if p.is_file()))
                flushed.append(Path(path).relative_to(staging).as_posix())
        fsync(fd)

    monkeypatch.setattr(os, "fsync", spy)
    lines = drain(target.publish(builds.old_dir, builds.old))
    wrote = {line[6:] for line in lines if line.startswith("wrote ")}
    assert set(flushed) == wrote | {MANIFEST} and len(flushed) == len(wrote) + 1
    assert written_when_first_flushed == [len(builds.old.files) + 1]
    assert_consistent(served(www), builds.old)


def test_a_failed_publish_counts_nothing_as_uploaded(builds: Builds, tmp_path: Path
                                                    ) -> None:
    """A release never put in place served nothing: the summary of a publish that
    failed half-way (a built file changed since) says 0 uploaded, as nothing was."""
    www = tmp_path / "www"
    target = folder_target(builds, www)
    last = sorted(builds.old.files)[-1]
    (builds.old_dir / last).write_bytes(b"changed after the build")
    [summary] = publish_targets([target], builds.old_dir, builds.old, lambda _: None)
    assert summary.error == (f"{builds.old_dir / last} changed since the build: run "
                             "outpost build again")
    assert (summary.uploaded, summary.unchanged, summary.deleted) == (0, 0, 0)
    assert not (www / "current").exists()
    # Nor is the half-written release left to fill the disk until the next publish (on
    # a full disk it kept state records and the next release from being written).
    assert list((www / "releases").iterdir()) == []


def test_a_file_the_next_build_removed_is_named_as_a_changed_site(builds: Builds,
                                                                 tmp_path: Path) -> None:
    """The site rebuilt during a publish, by a build without one of its files (a notice
    deleted): the message says so and what to do, as for a changed file, rather than
    the system's bare 'No such file or directory'."""
    target = folder_target(builds, tmp_path / "www")
    last = sorted(builds.old.files)[-1]
    (builds.old_dir / last).unlink()
    [summary] = publish_targets([target], builds.old_dir, builds.old, lambda _: None)
    assert summary.error == (f"{builds.old_dir / last} changed since the build: run "
                             "outpost build again")


def test_a_full_disk_names_the_folder_and_what_is_still_served(builds: Builds,
                                                               tmp_path: Path) -> None:
    """A release that finds no room says where, what readers are served meanwhile and
    what to do, not the system's bare 'File too large' or 'No space left on device';
    once there is room the next publish completes it. A file size limit is named as
    one, not as a disk to free space on."""
    import resource

    www = tmp_path / "www"
    drain(folder_target(builds, www).publish(builds.old_dir, builds.old))
    build_site(builds.root, builds.root / "site")

    def limited() -> None:  # a disk that fills up fails a write the same way
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    result = subprocess.run(outpost_process_args(builds.root, "publish", "-q", "www"),
                            capture_output=True, text=True, preexec_fn=limited, check=False)
    [summary] = result.stdout.splitlines()
    assert (result.returncode, summary.partition(", 0.")[0], summary.partition("s: ")[2]) == (
        1, "www: FAILED: 0 uploaded, 0 unchanged, 0 deleted",
        f"cannot write a new release into {www / 'releases'}: a file would be larger than "
        "the file size limit this process runs under (4,096 bytes: see ulimit -f); "
        f"{www / 'current'} still serves r000001-{builds.old.build_id}: raise the limit "
        "and publish again")
    assert [p.name for p in (www / "releases").iterdir()] == [f"r000001-{builds.old.build_id}"]
    assert_consistent(served(www), builds.old)
    result = subprocess.run(outpost_process_args(builds.root, "publish", "-q", "www"),
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert_consistent(served(www), builds.new)


@pytest.mark.skipif(not mount_namespaces(), reason="no mount namespace")
def test_a_read_only_folder_says_what_to_do(builds: Builds, tmp_path: Path) -> None:
    """A target folder on a read-only mount: the folder and what to do, not the system's
    bare 'Read-only file system: .../.lock'."""
    www = tmp_path / "ro" / "www"
    folder_target(builds, www)
    build_site(builds.root, builds.root / "site")
    (tmp_path / "ro").mkdir()
    mount_then_run = 'mount -t tmpfs -o ro tmpfs "$1" && shift && exec "$@"'
    result = subprocess.run(
        ["unshare", "-rm", "sh", "-c", mount_then_run, "sh", str(tmp_path / "ro"),
         *outpost_process_args(builds.root, "publish", "-q", "www")],
        capture_output=True, text=True, check=False)
    [summary] = result.stdout.splitlines() or [result.stderr]
    assert result.returncode == 1, summary
    assert summary.partition("s: ")[2] == (
        f"cannot write into {www}: Read-only file system; make it writable for the user "
        "publishing (a read-only mount, a folder of another user), or set another path")


def test_old_releases_are_pruned(builds: Builds, tmp_path: Path) -> None:
    www = tmp_path / "www"
    target = folder_target(builds, www, keep=2)
    third_dir = tmp_path / "site-third"
    (builds.root / "notices" / "2026-09-14-slow-grade-book-loading.md").unlink()
    third = build_site(builds.root, third_dir)
    for site, manifest in ((builds.old_dir, builds.old), (builds.new_dir, builds.new),
                           (third_dir, third)):
        lines = drain(target.publish(site, manifest))
    assert lines[-1] == f"pruned release r000001-{builds.old.build_id}"
    assert sorted(p.name for p in (www / "releases").iterdir()) == [
        f"r000002-{builds.new.build_id}", f"r000003-{third.build_id}"]
    assert target.counts.deleted == 1
    assert_consistent(served(www), third)


def test_only_releases_a_publish_wrote_are_pruned(builds: Builds, tmp_path: Path) -> None:
    """A folder of the user's under releases/ named like a release ('abc' reads as hex)
    was pruned with its files. Only a folder holding the manifest of the build its name
    ends in is a release: one named so without it, a link, a file, and a release whose
    manifest names another build stay."""
    www = tmp_path / "www"
    target = folder_target(builds, www, keep=1)
    releases = www / "releases"
    mine = releases / "r000001-abc"
    mine.mkdir(parents=True)
    (mine / "b.txt").write_text("mine")
    (releases / "r000002-abd").write_text("a file")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "manifest.json").write_bytes((builds.old_dir / "manifest.json").read_bytes())
    (releases / f"r000003-{builds.old.build_id}").symlink_to(elsewhere)
    other = releases / "r000004-abcdef"
    other.mkdir()
    (other / "manifest.json").write_bytes((builds.old_dir / "manifest.json").read_bytes())
    for site, manifest in ((builds.old_dir, builds.old), (builds.new_dir, builds.new)):
        lines = drain(target.publish(site, manifest))
    assert lines[-1] == f"pruned release r000005-{builds.old.build_id}"
    assert sorted(p.name for p in releases.iterdir()) == [
        "r000001-abc", "r000002-abd", f"r000003-{builds.old.build_id}", "r000004-abcdef",
        f"r000006-{builds.new.build_id}"]
    assert (mine / "b.txt").read_text() == "mine"
    assert (elsewhere / "manifest.json").is_file()
    assert_consistent(served(www), builds.new)


def test_interrupted_at_every_step_serves_old_or_new(builds: Builds, tmp_path: Path) -> None:
    probe = folder_target(builds, tmp_path / "probe")
    drain(probe.publish(builds.old_dir, builds.old))
    lines = drain(probe.publish(builds.new_dir, builds.new))
    switch = next(i for i, line in enumerate(lines) if line.startswith("current -> "))
    assert switch > len(builds.changed)
    base = tmp_path / "base"
    FolderTarget.__init__(probe, probe.settings, builds.root)
    probe.path = base
    drain(probe.publish(builds.old_dir, builds.old))
    for k in range(len(lines) + 1):
        www = tmp_path / f"www{k}"
        shutil.copytree(base, www, symlinks=True)
        target = FolderTarget(probe.settings, builds.root)
        target.path = www
        assert len(interrupted(target.publish(builds.new_dir, builds.new), k)) == min(
            k, len(lines))
        expected = builds.new if k > switch else builds.old
        assert assert_consistent(served(www), expected).build_id == expected.build_id
        drain(target.publish(builds.new_dir, builds.new))
        assert_consistent(served(www), builds.new)
        assert [p.name for p in (www / "releases").iterdir() if p.name.startswith(".")] == []
        drain(target.verify())


@pytest.mark.parametrize("kill_after", [2, 5, 9])
def test_killed_process_leaves_a_consistent_folder(builds: Builds, tmp_path: Path,
                                                   kill_after: int) -> None:
    www = tmp_path / "www"
    target = folder_target(builds, www)
    drain(target.publish(builds.old_dir, builds.old))
    site = builds.root / "site"
    build_site(builds.root, site)
    process = outpost_process(builds.root, "publish", "www")
    assert process.stdout is not None
    for _ in range(kill_after):
        process.stdout.readline()
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert_consistent(served(www), builds.old, builds.new)
    result = subprocess.run(outpost_process_args(builds.root, "publish", "www"),
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert_consistent(served(www), builds.new)
    assert not [p for p in (www / "releases").iterdir() if p.name.startswith(".")]


def outpost_process_args(root: Path, *args: str) -> list[str]:
    import sys

    return [sys.executable, "-m", "generator", "--root", str(root), *args]


def test_verify_reports_tampered_and_stale_files(builds: Builds, tmp_path: Path) -> None:
    www = tmp_path / "www"
    target = folder_target(builds, www)
    drain(target.publish(builds.old_dir, builds.old))
    current = (www / "current").resolve()
    (current / "index.html").write_text("defaced")
    (current / "closed" / "index.html").unlink()
    (current / "leftover.html").write_text("x")
    with pytest.raises(VerifyFailed) as caught:
        drain(target.verify())
    assert caught.value.mismatches == [
        "closed/index.html: missing",
        "index.html: content differs from the manifest",
        "leftover.html: not in the manifest (stale)",
    ]


@pytest.mark.parametrize("damaged", [
    b'{"version": 1, "build_id": "x", "generated_at": "x", "files": []}',
    b'{"version": 1, "build_id": "x", "generated_at": "x", "files": {"a": 5}}',
    b"[" * 100_000,
    b'{"version": 1, "build_id": "x", "generated_at": "x", "files": {"a": {"sha256": "s", '
    b'"size": 1e400, "content_type": "text/html"}}}',
])
def test_a_served_manifest_of_any_shape_is_named_not_a_manifest(
        builds: Builds, tmp_path: Path, damaged: bytes) -> None:
    """Whatever a target serves as its manifest, verify says it is none, and the next
    publish writes a whole release: 'files' as a list, or JSON nested past Python's
    reader, was an unexpected failure of both."""
    www = tmp_path / "www"
    target = folder_target(builds, www)
    drain(target.publish(builds.old_dir, builds.old))
    current = (www / "current").resolve()
    (current / MANIFEST).write_bytes(damaged)
    with pytest.raises(VerifyFailed) as caught:
        drain(target.verify())
    assert caught.value.mismatches == [f"{www / 'current'}/{MANIFEST} is not an Outpost "
                                       "manifest"]
    drain(target.publish(builds.new_dir, builds.new))
    assert target.counts.uploaded == len(builds.new.files)
    assert_consistent(served(www), builds.new)


def test_verify_never_blocks_on_a_fifo_in_the_release(builds: Builds, tmp_path: Path
                                                      ) -> None:
    """A FIFO put where a published page was is reported missing, never read (a read
    would block verify forever: it runs in a thread here, with a time limit)."""
    www = tmp_path / "www"
    target = folder_target(builds, www)
    drain(target.publish(builds.old_dir, builds.old))
    page = (www / "current").resolve() / "index.html"
    page.unlink()
    os.mkfifo(page)
    outcome: list[object] = []

    def run() -> None:
        try:
            drain(target.verify())
        except VerifyFailed as exc:
            outcome.append(exc.mismatches)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(60)
    assert outcome == [["index.html: missing"]]


def test_verify_compares_the_served_build_with_the_local_site(builds: Builds,
                                                              tmp_path: Path) -> None:
    """A target serving a build other than the local site's fails, naming both, unless
    its build was made later (the local site is the stale one: a line says so). Without
    a local site no build is compared."""
    www = tmp_path / "www"
    target = folder_target(builds, www)
    drain(target.publish(builds.old_dir, builds.old))
    assert builds.old.generated_at == builds.new.generated_at
    with pytest.raises(VerifyFailed) as caught:
        drain(target.verify(builds.new_dir))
    assert caught.value.mismatches == [
        f"serves build {builds.old.build_id}, but the site in {builds.new_dir} is build "
        f"{builds.new.build_id}"]
    ((www / "current").resolve() / "feed.xml").write_text("<rss/>")
    with pytest.raises(VerifyFailed) as caught:
        drain(target.verify(builds.new_dir))
    assert caught.value.mismatches[1:] == ["feed.xml: content differs from the manifest"]
    drain(target.publish(builds.old_dir, builds.old))
    drain(target.verify(builds.old_dir))
    drain(target.verify())
    empty = tmp_path / "empty"
    empty.mkdir()
    drain(target.verify(empty))
    later_dir = tmp_path / "site-later"
    later = build_site(builds.root, later_dir, "2026-11-28T12:10:00Z")
    drain(target.publish(later_dir, later))
    assert drain(target.verify(builds.new_dir)) == [
        f"reading {www / 'current'} -> r000003-{later.build_id}",
        f"serves build {later.build_id}, made after build {builds.new.build_id} of the site "
        f"in {builds.new_dir}",
        f"checked {len(later.files)} files of build {later.build_id}"]
    behind = FolderTarget(target.settings, builds.root)
    behind.path = tmp_path / "behind"
    drain(behind.publish(builds.old_dir, builds.old))
    with pytest.raises(VerifyFailed) as caught:
        drain(behind.verify(later_dir))
    assert caught.value.mismatches == [
        f"serves build {builds.old.build_id}, but the site in {later_dir} is build "
        f"{later.build_id}"]


def test_verify_over_http(builds: Builds, tmp_path: Path) -> None:
    www = tmp_path / "www"
    target = folder_target(builds, www)
    drain(target.publish(builds.old_dir, builds.old))
    handler = partial(SimpleHTTPRequestHandler, directory=str(www / "current"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        by_url = make_target(builds.root, f"  - name: web\n    type: dir\n    path: {www}\n"
                                          f"    url: {url}\n", "web")
        lines = drain(by_url.verify())
        assert lines == [f"reading {url}",
                         f"checked {len(builds.old.files)} files of build {builds.old.build_id}"]
        # A host may serve the previous build for a while: over a URL none is compared.
        assert drain(by_url.verify(builds.new_dir)) == lines
        ((www / "current").resolve() / "feed.xml").write_text("<rss/>")
        with pytest.raises(VerifyFailed) as caught:
            drain(by_url.verify())
        assert caught.value.mismatches == ["feed.xml: content differs from the manifest"]
        # Published, but not served at url: (a wrong path, GitHub Pages not turned on).
        elsewhere = make_target(builds.root, f"  - name: moved\n    type: dir\n    path: {www}\n"
                                               f"    url: {url}status/\n", "moved")
        with pytest.raises(VerifyFailed) as caught:
            drain(elsewhere.verify())
        assert caught.value.mismatches == [
            f"{url}status has no manifest.json: nothing was published to this target yet, its "
            "host does not serve it there yet (GitHub Pages not turned on, or still "
            "deploying), or its url: in outpost.yaml is not the address it is served at"]
    finally:
        server.shutdown()
        server.server_close()


def test_state_is_kept_beside_releases(builds: Builds, tmp_path: Path) -> None:
    www = tmp_path / "www"
    target = folder_target(builds, www)
    assert target.read_state("notify-sent.json") is None
    target.write_state("notify-sent.json", b'{"a": 1}')
    drain(target.publish(builds.old_dir, builds.old))
    assert target.read_state("notify-sent.json") == b'{"a": 1}'
    assert (www / "state" / "notify-sent.json").read_bytes() == b'{"a": 1}'
    assert "notify-sent.json" not in served(www)
    with pytest.raises(ValueError):
        target.write_state("../escape", b"")


def test_a_state_record_that_finds_no_room_names_its_file(
        builds: Builds, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The build was live, then the publish record found the disk full: 'a later step
    failed: No space left on device' named neither the file nor what to do. (The disk
    is filled by refusing the temporary file, as a full disk does.)"""
    import errno
    import tempfile

    from generator.publish.base import PublishError

    www = tmp_path / "www"
    target = folder_target(builds, www)
    drain(target.publish(builds.old_dir, builds.old))

    def full(*_: object, dir: str, **__: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", f"{dir}/.x.tmp")
    monkeypatch.setattr(tempfile, "mkstemp", full)
    with pytest.raises(PublishError) as refused:
        target.write_state("publish-record.json", b"{}")
    assert str(refused.value) == (
        f"cannot write {www / 'state' / 'publish-record.json'}: No space left on device: "
        "free space there and publish again")


def test_a_second_publish_at_the_same_time_waits_its_turn(builds: Builds,
                                                          tmp_path: Path) -> None:
    www = tmp_path / "www"
    first = folder_target(builds, www)
    second = FolderTarget(first.settings, builds.root)
    running = first.publish(builds.old_dir, builds.old)
    next(running)
    with pytest.raises(TransientError, match=f"another publish to {www} is running"):
        drain(second.publish(builds.new_dir, builds.new))
    drain(running)
    assert parse_manifest(served(www)[MANIFEST]).build_id == builds.old.build_id


def test_current_that_is_a_real_folder_is_refused(builds: Builds, tmp_path: Path) -> None:
    www = tmp_path / "www"
    (www / "current").mkdir(parents=True)
    target = folder_target(builds, www)
    from generator.publish.base import PublishError

    with pytest.raises(PublishError) as caught:
        drain(target.publish(builds.old_dir, builds.old))
    assert str(caught.value) == (f"{www / 'current'} exists and is not a symlink: move it "
                                 "away so Outpost can manage it")


def test_verify_over_http_reads_several_files_at_once(builds: Builds, tmp_path: Path) -> None:
    """Over a public URL every file must be downloaded: verify keeps up to 8 requests in
    flight rather than one after another, and a server error still stops it with the
    error (not a mismatch)."""
    import time

    from generator.publish.base import PublishError

    www = tmp_path / "www"
    drain(folder_target(builds, www).publish(builds.old_dir, builds.old))
    state = {"now": 0, "most": 0}
    lock = threading.Lock()

    class Slow(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            if self.path == "/feed.xml" and (www / "fail").exists():
                self.send_error(500)
                return
            with lock:  # counted before any byte of the answer leaves
                state["now"] += 1
                state["most"] = max(state["most"], state["now"])
            time.sleep(0.02)
            with lock:
                state["now"] -= 1
            super().do_GET()

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Slow, directory=str(www / "current")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        by_url = make_target(builds.root, f"  - name: web\n    type: dir\n    path: {www}\n"
                                          f"    url: {url}\n", "web")
        assert drain(by_url.verify())[-1] == (
            f"checked {len(builds.old.files)} files of build {builds.old.build_id}")
        assert 1 < state["most"] <= 8
        (www / "fail").write_text("")
        with pytest.raises(PublishError) as caught:
            drain(by_url.verify())
        assert str(caught.value) == f"GET {url}feed.xml: HTTP 500"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(("status", "error"), [(503, None), (429, None), (408, None),
                                               (403, "GET {url}feed.xml: HTTP 403")])
def test_verify_over_http_retries_a_server_that_is_busy_for_a_moment(
        builds: Builds, tmp_path: Path, status: int, error: str | None) -> None:
    """A CDN's 5xx, 408 or 429 (a host deploying, overloaded) is transient, as a refused
    connection is: retried. Any other answer is the host's and is reported at once."""
    from generator.publish.runner import verify_targets

    www = tmp_path / "www"
    drain(folder_target(builds, www).publish(builds.old_dir, builds.old))
    answers: list[int] = []

    class Busy(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            if self.path == "/feed.xml" and (not answers or status == 403):
                answers.append(status)
                self.send_error(status)
                return
            super().do_GET()

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Busy, directory=str(www / "current")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        by_url = make_target(builds.root, f"  - name: web\n    type: dir\n    path: {www}\n"
                                          f"    url: {url}\n", "web")
        delays: list[float] = []
        [(_, failure)] = verify_targets([by_url], lambda _: None, sleep=delays.append)
    finally:
        server.shutdown()
        server.server_close()
    assert failure == (error.format(url=url) if error else None)
    assert (len(answers), delays) == ((1, [1.0]) if error is None else (1, []))
