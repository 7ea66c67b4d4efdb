"""Two clones of one notices repository publishing to the same targets: a clone that
was not pulled is refused rather than publishing its older notices over newer ones.
Real git repositories, a folder, a bare repository and moto's S3 server."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from generator.publish.source import RECORD
from tests.conftest import FIXED_NOW, MINIMAL_CONFIG, REPO, SLOW_SIGN_IN, Run
from tests.publish_support import free_port, git_tree, new_bucket, s3_client, s3_objects

INCIDENT = "notices/2026-11-28-email-delays/index.html"


def git(root: Path, *args: str) -> str:
    result = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org",
                             "-c", "commit.gpgsign=false", "-C", str(root), *args],
                            capture_output=True, text=True, check=True)
    return result.stdout.strip()


pytestmark = pytest.mark.usefixtures("aws_env")


@dataclass
class Site:
    """The shared notices repository, its first clone ``a`` and the three targets."""

    tmp: Path
    shared: Path
    a: Path
    www: Path
    pages: Path
    endpoint: str
    bucket: str

    def clone(self, name: str, *options: str) -> Path:
        path = self.tmp / name
        subprocess.run(["git", "clone", "-q", *options, self.shared.as_uri(), str(path)],
                       check=True)
        return path

    def live(self) -> dict[str, dict[str, bytes]]:
        """What each target serves: path -> bytes."""
        current = self.www / "current"
        return {"www": {p.relative_to(current).as_posix(): p.read_bytes()
                        for p in current.rglob("*") if p.is_file()},
                "pages": git_tree(self.pages),
                "mirror": s3_objects(self.endpoint, self.bucket)}


@pytest.fixture
def site(tmp_path: Path, endpoint: str, run: Run) -> Site:
    """Clone ``a`` published once to www (dir), pages (git) and mirror (s3)."""
    shared, a = tmp_path / "shared.git", tmp_path / "a"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(shared)], check=True)
    pages = tmp_path / "pages.git"
    subprocess.run(["git", "init", "-q", "--bare", str(pages)], check=True)
    bucket = new_bucket(endpoint)
    subprocess.run(["git", "clone", "-q", str(shared), str(a)], check=True,
                   capture_output=True)
    (a / "notices").mkdir()
    (a / "notices" / "slow-sign-in.md").write_text(SLOW_SIGN_IN)
    (a / ".gitignore").write_text("site/\n.outpost-cache/\n")
    (a / "outpost.yaml").write_text(
        MINIMAL_CONFIG + f"publish:\n  - name: www\n    type: dir\n    path: {tmp_path / 'www'}\n"
        f"  - name: pages\n    type: git\n    remote: {pages}\n"
        f"  - name: mirror\n    type: s3\n    bucket: {bucket}\n    endpoint_url: {endpoint}\n"
        "    region: us-east-1\n")
    git(a, "add", ".")
    git(a, "commit", "-qm", "Status site")
    git(a, "push", "-q", "origin", "main")
    published(run, a)
    return Site(tmp_path, shared, a, tmp_path / "www", pages, endpoint, bucket)


def published(run: Run, root: Path, *options: str) -> str:
    """Build ``root`` and publish it; the publish's output, which must end ok."""
    assert run(root, "build", "--now", FIXED_NOW).exit_code == 0
    result = run(root, "publish", "-q", *options)
    assert result.exit_code == 0, result.output
    return result.output


def post_incident(run: Run, root: Path) -> str:
    """Post an incident in ``root``, commit and push it; the new HEAD commit."""
    result = run(root, "new", "incident", "Email delays", "--component", "web",
                 "--at", "2026-11-28 06:00", "-m", "Emails are late.")
    assert result.exit_code == 0, result.output
    git(root, "add", "notices")
    git(root, "commit", "-qm", "Email delays")
    git(root, "push", "-q", "origin", "main")
    return git(root, "rev-parse", "HEAD")


def what_to_do(target: str, pull: str = "run 'git pull'") -> str:
    return (f"if this clone is behind, {pull}, then 'outpost build' and 'outpost publish' "
            f"again; to roll back to this clone's commit on purpose, run 'outpost publish "
            f"--force {target}'. Nothing was published to {target}")


def refused(target: str, commit: str) -> str:
    return (f"{target} was last published from commit {commit[:12]}, which this clone does "
            f"not have (published from another clone): {what_to_do(target)}")


def record(site: Site) -> dict[str, object]:
    data: dict[str, object] = json.loads((site.www / "state" / RECORD).read_bytes())
    return data


def test_a_clone_not_pulled_is_refused_until_it_pulls(site: Site, run: Run) -> None:
    b = site.clone("b")
    newer = post_incident(run, site.a)
    published(run, site.a)
    before = site.live()
    assert all(INCIDENT in files for files in before.values())

    assert run(b, "build", "--now", FIXED_NOW).exit_code == 0
    result = run(b, "publish", "-q")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert [line.split(": ", 3)[:2] for line in lines[:3]] == [
        ["www", "FAILED"], ["pages", "FAILED"], ["mirror", "FAILED"]]
    for line, target in zip(lines, ("www", "pages", "mirror"), strict=False):
        assert line.startswith(f"{target}: FAILED: 0 uploaded, 0 unchanged, 0 deleted, ")
        assert line.endswith(f"s: {refused(target, newer)}")
    # Refused before anything was written: the s3 target is not 'perhaps mixed'.
    assert lines[3] == ("Error: 3 targets failed to publish: www, pages, mirror. Fix the "
                        "causes above, then run 'outpost publish www pages mirror' again; "
                        "until then they serve what they did before")
    assert site.live() == before  # the incident is still live everywhere

    git(b, "pull", "-q", "origin", "main")
    published(run, b)
    assert all(INCIDENT in files for files in site.live().values())
    assert record(site) == {"commit": newer, "uncommitted_changes": False}


def test_a_clone_that_fetched_but_has_its_own_commit_is_told_so(site: Site,
                                                               run: Run) -> None:
    b = site.clone("b")
    newer = post_incident(run, site.a)
    published(run, site.a)
    (b / "notices" / "slow-sign-in.md").write_text(SLOW_SIGN_IN + "More soon.\n")
    git(b, "commit", "-qam", "More soon")
    git(b, "fetch", "-q")
    assert run(b, "build", "--now", FIXED_NOW).exit_code == 0
    result = run(b, "publish", "-q", "www")
    assert result.exit_code == 1
    head = git(b, "rev-parse", "HEAD")
    assert result.output.splitlines()[0].endswith(
        f"s: www was last published from commit {newer[:12]}, which this clone's HEAD "
        f"({head[:12]}) does not include (newer notices not merged here, or another "
        f"branch): {what_to_do('www')}")


def test_a_clone_that_fetched_but_did_not_merge_is_told_it_is_older(site: Site,
                                                                   run: Run) -> None:
    b = site.clone("b")
    newer = post_incident(run, site.a)
    published(run, site.a)
    git(b, "fetch", "-q")
    assert run(b, "build", "--now", FIXED_NOW).exit_code == 0
    result = run(b, "publish", "-q", "www")
    assert result.exit_code == 1
    head = git(b, "rev-parse", "HEAD")
    assert result.output.splitlines()[0].endswith(
        f"s: www was last published from commit {newer[:12]}, a later commit than this "
        f"clone's HEAD ({head[:12]}): {what_to_do('www')}")


def test_an_older_commit_checked_out_is_told_how_to_roll_back(site: Site, run: Run) -> None:
    """A rollback on purpose: the older commit checked out, HEAD on no branch, where
    'git pull' alone would fail ('You are not currently on a branch')."""
    older = git(site.a, "rev-parse", "HEAD")
    newer = post_incident(run, site.a)
    published(run, site.a)
    git(site.a, "checkout", "-q", older)
    assert run(site.a, "build", "--now", FIXED_NOW).exit_code == 0
    result = run(site.a, "publish", "-q", "www")
    assert result.exit_code == 1
    assert result.output.splitlines()[0].endswith(
        f"s: www was last published from commit {newer[:12]}, a later commit than this "
        f"clone's HEAD ({older[:12]}): "
        f"{what_to_do('www', pull='check out your branch, run ' + repr('git pull'))}")
    published(run, site.a, "--force", "www")
    assert INCIDENT not in site.live()["www"]
    assert record(site)["commit"] == older


def test_force_publishes_over_a_newer_build(site: Site, run: Run) -> None:
    b = site.clone("b")
    newer = post_incident(run, site.a)
    published(run, site.a)
    assert run(b, "build", "--now", FIXED_NOW).exit_code == 0
    result = run(b, "publish", "--force", "www")
    assert result.exit_code == 0, result.output
    assert (f"www: publishing anyway (--force): it was last published from commit "
            f"{newer[:12]}, which this clone does not have (published from another clone)"
            in result.output.splitlines())
    assert INCIDENT not in site.live()["www"]
    assert record(site)["commit"] == git(b, "rev-parse", "HEAD")


def test_force_says_what_it_overrode_even_when_quiet(site: Site, run: Run) -> None:
    b = site.clone("b")
    newer = post_incident(run, site.a)
    published(run, site.a)
    assert run(b, "build", "--now", FIXED_NOW).exit_code == 0
    result = run(b, "publish", "-q", "--force", "www")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == (f"www: publishing anyway (--force): it was last published from "
                        f"commit {newer[:12]}, which this clone does not have (published "
                        "from another clone)")
    assert lines[1].startswith("www: ok: ") and len(lines) == 2


def test_a_target_failing_after_its_build_went_live_says_so_and_records_it(
        site: Site, run: Run) -> None:
    """The new manifest is up, then the old objects cannot be deleted (a bucket policy
    denies it): readers get the new build, so the report says so, and the commit is
    recorded, so a clone still at the commit before is refused."""
    b = site.clone("b")
    client: Any = s3_client(site.endpoint)
    client.put_object(Bucket=site.bucket, Key="stale.html", Body=b"old")
    client.put_bucket_policy(Bucket=site.bucket, Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObject",
            "Resource": f"arn:aws:s3:::{site.bucket}/stale.html"}]}))
    newer = post_incident(run, site.a)
    assert run(site.a, "build", "--now", FIXED_NOW).exit_code == 0
    result = run(site.a, "publish", "-q")
    assert result.exit_code == 1
    build = json.loads((site.a / "site" / "manifest.json").read_bytes())["build_id"]
    lines = result.output.splitlines()
    assert lines[0].startswith("www: ok: ") and lines[1].startswith("pages: ok: ")
    assert lines[2].startswith("mirror: FAILED: ")
    assert lines[2].endswith(
        f"s: build {build} is live there, but a later step failed: S3 DELETE in "
        f"s3://{site.bucket}/: 1 object not deleted, e.g. stale.html: AccessDenied: "
        "Access Denied")
    assert lines[3] == ("Error: 1 target failed to publish: mirror. Fix the cause above, "
                        "then run 'outpost publish mirror' again; until then it serves "
                        "this build already")
    assert INCIDENT in site.live()["mirror"]
    assert json.loads(s3_objects(site.endpoint, site.bucket)[
        f".outpost/state/{RECORD}"])["commit"] == newer

    assert run(b, "build", "--now", FIXED_NOW).exit_code == 0
    result = run(b, "publish", "-q", "mirror")
    assert result.exit_code == 1
    assert result.output.splitlines()[0].endswith(f"s: {refused('mirror', newer)}")
    assert INCIDENT in site.live()["mirror"]


def test_two_publishes_at_once_from_one_machine_take_turns(site: Site, run: Run) -> None:
    """Clone b (not pulled) reads the record, then clone a publishes a new incident before
    b writes anything: each had passed the check, and b's older build ended up live. The
    second waits for the first to end, then reads the record the first left."""
    from generator.app import TARGET_KINDS, schema
    from generator.publish.base import Target, targets_from_config
    from generator.publish.folder import FolderTarget
    from generator.publish.runner import Summary, publish_targets, read_site

    b = site.clone("b")
    newer = post_incident(run, site.a)
    for root in (site.a, b):
        assert run(root, "build", "--now", FIXED_NOW).exit_code == 0
    read, go = threading.Event(), threading.Event()

    class Paused(FolderTarget):
        """www as b publishes to it: once it read the record, it waits to be let go."""

        def read_state(self, name: str) -> bytes | None:
            data = super().read_state(name)
            read.set()
            go.wait(30)
            return data

    def www(root: Path) -> Target:
        [target] = targets_from_config(schema().load(root), root, TARGET_KINDS, ["www"])
        return target

    said: dict[Path, list[str]] = {site.a: [], b: []}
    done: dict[Path, list[Summary]] = {}

    def publish(target: Target, root: Path) -> None:
        done[root] = publish_targets([target], root / "site", read_site(root / "site"),
                                     said[root].append, root=root)

    first = threading.Thread(target=publish, args=(Paused(www(b).settings, b), b))
    first.start()
    assert read.wait(30)
    second = threading.Thread(target=publish, args=(www(site.a), site.a))
    second.start()
    waiting = "www: waiting for another publish to it from this machine to end"
    deadline = time.monotonic() + 60  # it runs git first: slow on a loaded machine
    while waiting not in said[site.a] and second.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    go.set()
    first.join(30)
    second.join(30)
    assert said[site.a][1] == waiting
    assert done[b][0].ok and done[site.a][0].ok
    assert INCIDENT in site.live()["www"]
    assert record(site)["commit"] == newer


def test_the_same_commit_again_publishes_and_writes_no_record(site: Site, run: Run) -> None:
    state = git(site.pages, "rev-parse", "outpost-state")
    output = published(run, site.a)
    assert output.splitlines()[0].startswith("www: ok: 0 uploaded, ")
    assert git(site.pages, "rev-parse", "outpost-state") == state
    assert json.loads(git(site.pages, "show", f"outpost-state:{RECORD}")) == {
        "commit": git(site.a, "rev-parse", "HEAD"), "uncommitted_changes": False}


def test_uncommitted_changes_are_recorded(site: Site, run: Run) -> None:
    (site.a / "notices" / "slow-sign-in.md").write_text(SLOW_SIGN_IN + "More soon.\n")
    published(run, site.a, "www")
    assert record(site) == {"commit": git(site.a, "rev-parse", "HEAD"),
                            "uncommitted_changes": True}


def test_a_shallow_clone_is_not_checked_but_recorded(site: Site, run: Run) -> None:
    """CI's checkout is shallow: an older commit cannot be told from an unknown one."""
    c = site.clone("c", "--depth", "1")
    assert git(c, "rev-parse", "--is-shallow-repository") == "true"
    post_incident(run, site.a)
    published(run, site.a)
    published(run, c)
    assert INCIDENT not in site.live()["www"]
    assert record(site)["commit"] == git(c, "rev-parse", "HEAD")


def test_outside_a_git_work_tree_nothing_is_checked(site: Site, run: Run) -> None:
    b = site.clone("b")
    newer = post_incident(run, site.a)
    published(run, site.a)
    shutil.rmtree(b / ".git")
    published(run, b)
    assert INCIDENT not in site.live()["www"]
    assert record(site)["commit"] == newer  # nothing to record


def test_without_git_nothing_is_checked(site: Site, run: Run, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    b = site.clone("b")
    post_incident(run, site.a)
    published(run, site.a)
    assert run(b, "build", "--now", FIXED_NOW).exit_code == 0
    no_git = tmp_path / "no-git"
    no_git.mkdir()
    with monkeypatch.context() as without:
        without.setenv("PATH", str(no_git))
        result = run(b, "publish", "-q", "www")
    assert result.exit_code == 0, result.output
    assert INCIDENT not in site.live()["www"]


def test_a_build_of_other_inputs_with_the_same_pages_publishes_its_manifest(
        site: Site, run: Run) -> None:
    """An edit to outpost.yaml that changes no page (a contact added to notify:) makes
    the same build with other inputs in manifest.json: every target must serve that
    manifest, or notify refused for ever ('serves build ..., made from other notices,
    outpost.yaml or templates/ than these'), whatever was built and published again."""
    config = site.a / "outpost.yaml"
    config.write_text(config.read_text() + "# contacts to be added\n")
    output = published(run, site.a)
    built = (site.a / "site" / "manifest.json").read_bytes()
    assert [json.loads(files["manifest.json"]) for files in site.live().values()] == [
        json.loads(built)] * 3
    assert output.splitlines()[0].startswith("www: ok: 0 uploaded, ")  # no page changed


def test_an_s3_target_refusing_connections_is_retried_from_the_record_s_read(
        site: Site) -> None:
    """The record is the first thing a publish reads: a refused connection there is
    retried as any other request's is (it failed at once, with no attempt more)."""
    from generator.app import TARGET_KINDS, schema
    from generator.publish.base import targets_from_config
    from generator.publish.runner import publish_targets, read_site

    config = site.a / "outpost.yaml"
    config.write_text(config.read_text().replace(site.endpoint,
                                                 f"http://127.0.0.1:{free_port()}"))
    [mirror] = targets_from_config(schema().load(site.a), site.a, TARGET_KINDS, ["mirror"])
    delays: list[float] = []
    [summary] = publish_targets([mirror], site.a / "site", read_site(site.a / "site"),
                                lambda _: None, root=site.a, sleep=delays.append)
    assert (summary.ok, summary.attempts, delays) == (False, 4, [1.0, 2.0, 4.0])
    assert summary.error is not None and summary.error.startswith(
        f"S3 GET s3://{site.bucket}/.outpost/state/{RECORD}: Could not connect to the "
        "endpoint URL")
    assert summary.error.endswith("(gave up after 4 attempts)")


def test_the_readme_s_mirror_refusing_connections_is_what_publish_prints(
        site: Site, run: Run) -> None:
    """The README's example of a failed publish quotes the lines publish prints of an s3
    mirror (with prefix: site) refusing connections, the times and the endpoint aside:
    the first request is the record's read, and nothing was written to the mirror."""
    config = site.a / "outpost.yaml"
    config.write_text(config.read_text().replace(
        f"endpoint_url: {site.endpoint}",
        f"prefix: site\n    endpoint_url: http://127.0.0.1:{free_port()}\n    retries: 0"))
    assert run(site.a, "build", "--now", FIXED_NOW).exit_code == 0
    result = run(site.a, "publish", "-q", "mirror")
    assert result.exit_code == 1

    def shown(lines: list[str]) -> list[str]:
        """The lines without what differs from run to run (retries: 0 spares the waits)."""
        for varying, same in ((r"\d+\.\ds(, \d+ attempts)?", "TIME"),
                              (r"endpoint URL: .*? \(gave up after \d+ attempts?\)",
                               "endpoint URL: ... (gave up)"),
                              (re.escape(site.bucket), "status-example-org")):
            lines = [re.sub(varying, same, line) for line in lines]
        return lines

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    quoted = re.search(r"^mirror: FAILED: .*\n.*\n", readme, re.MULTILINE)
    assert quoted is not None
    assert shown(result.output.splitlines()) == shown(quoted[0].splitlines())


def test_a_refusal_after_files_went_up_says_the_target_may_serve_a_mix() -> None:
    """Two machines publishing to one bucket at once: the one whose manifest lost retried,
    and was refused as lacking the other's commit, saying 'Nothing was published' while
    its first attempt's files stood among the other build's."""
    from generator.publish.source import Source

    source = Source(Path("."), "a" * 40, shallow=False, uncommitted=False)
    why = "last published from commit bbbbbbbbbbbb, which this clone does not have"
    assert source.refusal("mirror", why, 175) == (
        f"mirror was {why}: if this clone is behind, run 'git pull', then 'outpost build' "
        "and 'outpost publish' again; to roll back to this clone's commit on purpose, run "
        "'outpost publish --force mirror'. An earlier attempt of this publish had uploaded "
        "175 files to mirror, among the other publish's: it may serve a mix of the two "
        "builds (never a broken link) until one is published whole, which the steps above "
        "do")
    assert source.refusal("mirror", why).endswith(". Nothing was published to mirror")
