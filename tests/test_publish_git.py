"""The git target, for real against local bare repositories: one plumbing commit per
publish, compare-and-swap pushes, rejected and refused pushes, interruption."""

from __future__ import annotations

import hashlib
import http.server
import os
import shutil
import signal
import subprocess
import threading
from pathlib import Path

import pytest

from generator.core.errors import ProblemsFound
from generator.publish.base import PublishError, TransientError, VerifyFailed
from generator.publish.git import GitTarget
from generator.publish.runner import Summary, publish_targets
from generator.render.manifest import MANIFEST
from tests.publish_support import (
    Builds,
    assert_consistent,
    build_site,
    drain,
    free_port,
    git_blob_id,
    git_daemon,
    git_tree,
    interrupted,
    make_target,
    mount_namespaces,
    outpost_process,
    two_builds,
)


def git(*args: str, cwd: Path | None = None) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                          check=True).stdout.strip()


@pytest.fixture
def builds(example_repo: Path, tmp_path: Path) -> Builds:
    return two_builds(example_repo, tmp_path)


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    path = tmp_path / "remote.git"
    git("init", "--quiet", "--bare", str(path))
    return path


def git_target(builds: Builds, remote: Path | str, extra: str = "", name: str = "pages"
               ) -> GitTarget:
    target = make_target(builds.root, f"  - name: {name}\n    type: git\n    remote: {remote}\n"
                                      + extra, name)
    assert isinstance(target, GitTarget)
    return target


def commits(remote: Path, branch: str = "gh-pages") -> list[str]:
    return git("--git-dir", str(remote), "rev-list", branch).split()


def test_one_commit_holding_exactly_the_build(builds: Builds, remote: Path) -> None:
    # The user's own repository, with the bare repository as its remote 'origin'.
    for args in (("init", "--quiet"), ("add", "."), ("-c", "user.name=U", "-c",
                 "user.email=u@example.org", "commit", "--quiet", "-m", "notices"),
                 ("remote", "add", "origin", str(remote))):
        git(*args, cwd=builds.root)
    (builds.root / "notices" / "draft.md").write_text("work in progress")
    target = git_target(builds, "origin", "    cname: status.example.org\n"
                                          "    nojekyll: true\n")
    index_before = (builds.root / ".git" / "index").read_bytes()
    status_before = git("status", "--porcelain", cwd=builds.root)
    assert target.remote == str(remote)
    drain(target.publish(builds.old_dir, builds.old))
    tree = git_tree(remote)
    assert tree.pop("CNAME") == b"status.example.org\n" and tree.pop(".nojekyll") == b""
    site = {p.relative_to(builds.old_dir).as_posix(): p.read_bytes()
            for p in builds.old_dir.rglob("*") if p.is_file()}
    assert tree == site
    listing = git("--git-dir", str(remote), "ls-tree", "-r", "gh-pages")
    for line in listing.splitlines():
        meta, path = line.split("\t")
        if path in builds.old.files:
            assert meta.split()[2] == git_blob_id(site[path])
            assert hashlib.sha256(site[path]).hexdigest() == builds.old.files[path].sha256
    assert len(commits(remote)) == 1
    assert (target.counts.uploaded, target.counts.deleted) == (len(builds.old.files), 0)

    assert (builds.root / ".git" / "index").read_bytes() == index_before
    assert git("status", "--porcelain", cwd=builds.root) == status_before
    assert git("branch", "--list", cwd=builds.root) == "* " + git(
        "rev-parse", "--abbrev-ref", "HEAD", cwd=builds.root)


def test_a_branch_of_the_notices_repository_is_never_replaced_by_the_site(
        builds: Builds, remote: Path) -> None:
    """``branch: main`` on the notices repository itself (GitHub Pages can serve main
    too) replaced its notices and outpost.yaml with the site in one commit, and CI then
    found no outpost.yaml: a branch holding outpost.yaml is refused, and left as it is."""
    for args in (("init", "--quiet", "-b", "main"), ("add", "."), ("-c", "user.name=U", "-c",
                 "user.email=u@example.org", "commit", "--quiet", "-m", "notices"),
                 ("remote", "add", "origin", str(remote)), ("push", "--quiet", "origin",
                                                            "main")):
        git(*args, cwd=builds.root)
    tip = git("--git-dir", str(remote), "rev-parse", "main")
    target = git_target(builds, "origin", "    branch: main\n")
    [summary] = publish_targets([target], builds.old_dir, builds.old, lambda _: None,
                                sleep=lambda _: None)
    assert (summary.ok, summary.attempts, summary.uploaded) == (False, 1, 0)
    assert summary.error == (
        "branch main holds outpost.yaml: it is a branch of the notices repository, which "
        "publishing would replace with the site; set the target's branch to one for the "
        "site alone, such as gh-pages")
    assert git("--git-dir", str(remote), "rev-parse", "main") == tip


def test_update_is_one_commit_and_stale_files_go(builds: Builds, remote: Path,
                                                tmp_path: Path) -> None:
    target = git_target(builds, remote)
    drain(target.publish(builds.old_dir, builds.old))
    drain(target.publish(builds.new_dir, builds.new))
    assert target.counts.uploaded == len(builds.changed) == 7
    assert target.counts.unchanged == len(builds.new.files) - 7
    first, second = commits(remote)[1], commits(remote)[0]
    assert git("--git-dir", str(remote), "rev-parse", f"{second}^") == first
    changed = git("--git-dir", str(remote), "diff", "--name-only", first, second).split()
    assert set(changed) == builds.changed | {MANIFEST}
    assert_consistent(git_tree(remote), builds.new)

    (builds.root / "notices" / "2026-09-14-slow-grade-book-loading.md").unlink()
    third = build_site(builds.root, tmp_path / "site-third")
    drain(target.publish(tmp_path / "site-third", third))
    assert target.counts.deleted == 1
    assert "notices/2026-09-14-slow-grade-book-loading/index.html" not in git_tree(remote)
    assert len(commits(remote)) == 3
    assert drain(target.publish(tmp_path / "site-third", third)) == [
        f"read gh-pages at {commits(remote)[0][:12]}",
        f"gh-pages already holds build {third.build_id}"]
    assert len(commits(remote)) == 3


def test_concurrent_publish_is_not_overwritten_silently(builds: Builds, remote: Path) -> None:
    mine = git_target(builds, remote)
    theirs = GitTarget(mine.settings, builds.root)
    lines: list[str] = []

    def echo(line: str) -> None:
        lines.append(line)
        if line.startswith("pages: read gh-pages") and len(lines) < 4:
            drain(theirs.publish(builds.old_dir, builds.old))  # lands between read and push

    [summary] = publish_targets([mine], builds.new_dir, builds.new, echo,
                                sleep=lambda _: None)
    assert summary.ok and summary.attempts == 2
    assert any("retrying in 1s (1/3)" in line and "stale info" in line for line in lines), lines
    history = commits(remote)
    assert len(history) == 2
    assert git("--git-dir", str(remote), "log", "-1", "--format=%s", history[1]) == (
        f"Publish build {builds.old.build_id}")
    assert_consistent(git_tree(remote), builds.new)


def test_rejected_push_without_retries_is_reported(builds: Builds, remote: Path) -> None:
    mine = git_target(builds, remote, "    retries: 0\n")
    theirs = GitTarget(mine.settings, builds.root)
    running = mine.publish(builds.new_dir, builds.new)
    next(running)
    drain(theirs.publish(builds.old_dir, builds.old))
    with pytest.raises(TransientError, match=r"^git push: .*stale info"):
        drain(running)
    assert_consistent(git_tree(remote), builds.old)


def test_a_push_refused_by_the_remotes_policy_fails_at_once(builds: Builds,
                                                           remote: Path) -> None:
    """A protected branch or a server hook refuses every attempt alike: no retry, and
    the message gives the branch and the server's reason."""
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\ncat >/dev/null\n"
                    "echo 'error: GH006: Protected branch update failed for "
                    "refs/heads/gh-pages.' >&2\n"
                    "echo 'error: Changes must be made through a pull request.' >&2\nexit 1\n")
    hook.chmod(0o755)
    target = git_target(builds, remote)
    delays: list[float] = []
    [summary] = publish_targets([target], builds.old_dir, builds.old, lambda _: None,
                                sleep=delays.append)
    assert (summary.ok, summary.attempts, delays) == (False, 1, [])
    assert summary.error == (
        "git push: the remote refused gh-pages (not retried: its rules refuse every "
        "attempt alike): [remote rejected] (pre-receive hook declined) / "
        "remote: error: GH006: Protected branch update failed for refs/heads/gh-pages. / "
        "remote: error: Changes must be made through a pull request. / "
        f"error: failed to push some refs to '{remote}'")
    assert (summary.uploaded, summary.unchanged, summary.deleted) == (0, 0, 0)
    assert commits_or_none(remote) is None


def test_a_branch_moved_on_the_remote_during_the_push_is_retried(builds: Builds,
                                                                 remote: Path) -> None:
    """Another publish landing while the remote takes this push (its ref lock fails) is
    a race, as a stale lease is: retried from the new tip."""
    target = git_target(builds, remote)
    drain(target.publish(builds.old_dir, builds.old))
    base = commits(remote)[0]
    hook = remote / "hooks" / "pre-receive"
    hook.write_text(f"#!/bin/sh\ncat >/dev/null\n[ -f {remote}/moved ] && exit 0\n"
                    f"touch {remote}/moved\nunset GIT_QUARANTINE_PATH\n"
                    f"git update-ref refs/heads/gh-pages "
                    f"$(git commit-tree -m theirs -p {base} {base}^{{tree}})\n")
    hook.chmod(0o755)
    delays: list[float] = []
    [summary] = publish_targets([target], builds.new_dir, builds.new, lambda _: None,
                                sleep=delays.append)
    assert (summary.ok, summary.attempts, delays) == (True, 2, [1.0])
    assert len(commits(remote)) == 3
    assert_consistent(git_tree(remote), builds.new)


def test_unreachable_remote_is_transient(builds: Builds) -> None:
    url = f"http://127.0.0.1:{free_port()}/status.git"
    target = git_target(builds, url, "    retries: 1\n")
    [summary] = publish_targets([target], builds.old_dir, builds.old, lambda _: None,
                                sleep=lambda _: None)
    assert not summary.ok and summary.attempts == 2
    assert summary.error is not None and "Failed to connect" in summary.error
    assert summary.error.endswith("(gave up after 2 attempts)")
    once = git_target(builds, url, "    retries: 0\n", name="once")
    [summary] = publish_targets([once], builds.old_dir, builds.old, lambda _: None)
    assert summary.error is not None and summary.error.endswith("(gave up after 1 attempt)")


def test_a_host_that_never_answers_is_given_up_on(builds: Builds,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A git host that takes the connection and then says nothing (overloaded, or a
    load balancer in front of a host that is down) is a transient failure once no byte
    came for a while, not a publish that waits for ever and never reaches the other
    targets. The while (30 s by default) is git's own setting, which the environment
    may override (here 2 s)."""
    import socket
    import threading

    monkeypatch.setenv("GIT_HTTP_LOW_SPEED_TIME", "2")
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/status.git"
        target = git_target(builds, url, "    retries: 0\n")
        summaries: list[Summary] = []
        worker = threading.Thread(target=lambda: summaries.extend(publish_targets(
            [target], builds.old_dir, builds.old, lambda _: None)), daemon=True)
        worker.start()
        worker.join(timeout=30)
        assert not worker.is_alive(), "still waiting for a host that never answers"
    [summary] = summaries
    assert summary.error is not None and not summary.ok
    assert "Operation too slow" in summary.error
    assert summary.error.endswith("(gave up after 1 attempt)")


def test_an_ssh_host_that_never_answers_is_given_up_on(
        builds: Builds, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An ssh host that takes the connection and says nothing is a transient failure
    after OUTPOST_HOST_TIMEOUT seconds (here 2), not a publish that waits for ever: ssh
    has no such limit of its own. The next target still publishes."""
    import socket
    import time

    monkeypatch.setenv("OUTPOST_HOST_TIMEOUT", "2")
    monkeypatch.delenv("GIT_SSH_COMMAND", raising=False)
    monkeypatch.delenv("GIT_SSH", raising=False)
    (tmp_path / "gitconfig").write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"ssh://git@127.0.0.1:{silent.getsockname()[1]}/status.git"
        target = git_target(builds, url, "    retries: 0\n")
        folder = make_target(builds.root, f"  - name: www\n    type: dir\n    path: "
                                          f"{tmp_path / 'www'}\n", "www")
        summaries: list[Summary] = []
        started = time.monotonic()
        worker = threading.Thread(target=lambda: summaries.extend(publish_targets(
            [target, folder], builds.old_dir, builds.old, lambda _: None)), daemon=True)
        worker.start()
        worker.join(timeout=60)
        assert not worker.is_alive(), "still waiting for a host that never answers"
    assert time.monotonic() - started < 20
    failed, ok = summaries
    assert failed.error is not None and not failed.ok
    assert "Connection timed out during banner exchange" in failed.error
    assert failed.error.endswith("(gave up after 1 attempt)")
    assert ok.ok


def test_a_users_own_ssh_command_is_kept(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """GIT_SSH_COMMAND, GIT_SSH or core.sshCommand (the user's own ssh, its options)
    win over Outpost's limits for a silent host."""
    from generator.publish.git import Workspace

    url = "git@status.example.org:status.git"
    (tmp_path / "gitconfig").write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    monkeypatch.delenv("GIT_SSH_COMMAND", raising=False)
    monkeypatch.delenv("GIT_SSH", raising=False)
    monkeypatch.setenv("OUTPOST_HOST_TIMEOUT", "45")
    assert Workspace(tmp_path / "a", url).env["GIT_SSH_COMMAND"] == (
        "ssh -o ConnectTimeout=45 -o ServerAliveInterval=15 -o ServerAliveCountMax=3")
    assert "GIT_SSH_COMMAND" not in Workspace(tmp_path / "b", "https://h.test/s.git").env
    monkeypatch.setenv("GIT_SSH", "/usr/local/bin/my-ssh")
    assert "GIT_SSH_COMMAND" not in Workspace(tmp_path / "c", url).env
    monkeypatch.delenv("GIT_SSH")
    (tmp_path / "gitconfig").write_text("[core]\n\tsshCommand = ssh -i deploy-key\n")
    assert "GIT_SSH_COMMAND" not in Workspace(tmp_path / "d", url).env
    monkeypatch.setenv("GIT_SSH_COMMAND", "ssh -o ConnectTimeout=5")
    assert Workspace(tmp_path / "e", url).env["GIT_SSH_COMMAND"] == "ssh -o ConnectTimeout=5"


@pytest.mark.parametrize(("status", "attempts"), [(403, 1), (429, 2), (503, 2)])
def test_an_http_host_that_refuses_is_not_retried(builds: Builds, status: int,
                                                  attempts: int) -> None:
    """A 4xx from a git host (403: a token without write access) answers every attempt
    alike; only a 429 (too many requests) and a 5xx are worth another."""
    class Refusing(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Refusing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/status.git"
        target = git_target(builds, url, "    retries: 1\n")
        [summary] = publish_targets([target], builds.old_dir, builds.old, lambda _: None,
                                    sleep=lambda _: None)
    finally:
        server.shutdown()
        server.server_close()
    assert (summary.ok, summary.attempts) == (False, attempts)
    assert summary.error is not None
    assert f"/status.git/': The requested URL returned error: {status}" in summary.error


def test_a_missing_repository_is_reported_with_gits_reason(builds: Builds) -> None:
    """git's own fatal lines say why, not the advice it adds after them; a repository
    that does not exist is not worth retrying."""
    target = git_target(builds, "file:///nonexistent.git")
    [summary] = publish_targets([target], builds.old_dir, builds.old, lambda _: None,
                                sleep=lambda _: None)
    assert (summary.ok, summary.attempts) == (False, 1)
    assert summary.error == (
        "git fetch: fatal: '/nonexistent.git' does not appear to be a git repository / "
        "fatal: Could not read from remote repository.")


def test_a_refused_push_keeps_the_errors_bounded_and_without_credentials(
        builds: Builds, remote: Path) -> None:
    """Past four lines only the error lines are kept (the remote's too), each at most
    300 characters, after the credentials of any URL and of the remote are removed.
    The remote is a remote name of the repository, its URL holding a user and password."""
    hook = remote / "hooks" / "pre-receive"
    long_line = "error: " + "x" * 400
    hook.write_text("#!/bin/sh\ncat >/dev/null\nfor n in 1 2 3 4 5; do echo \"step $n\"; done\n"
                    "echo 'error: not mirrored to https://ci:hunter22@mirror.example.org/s.git'\n"
                    "echo 'error: pushed as bot:s3cret@ by the publish job'\n"
                    f"echo '{long_line}'\nexit 1\n")
    hook.chmod(0o755)
    git("init", "--quiet", str(builds.root))
    git("-C", str(builds.root), "remote", "add", "origin", f"file://bot:s3cret@{remote}")
    target = git_target(builds, "origin")
    with pytest.raises(PublishError) as caught:
        drain(target.publish(builds.old_dir, builds.old))
    assert str(caught.value) == (
        "git push: the remote refused gh-pages (not retried: its rules refuse every "
        "attempt alike): [remote rejected] (pre-receive hook declined) / "
        "remote: error: not mirrored to https://***@mirror.example.org/s.git / "
        "remote: error: pushed as ***@ by the publish job / "
        f"remote: {long_line[:289]}... / "
        f"error: failed to push some refs to 'file://{remote}'")
    assert commits_or_none(remote) is None


@pytest.mark.skipif(not mount_namespaces(), reason="no mount namespace")
def test_a_full_temporary_folder_is_named_with_what_to_do(builds: Builds, remote: Path,
                                                          tmp_path: Path) -> None:
    """The workspace's disk filling up: git's reason and where to make room, not
    'git fast-import: exit 128' (its words went to a file on that full disk)."""
    import sys

    git_target(builds, remote)
    build_site(builds.root, builds.root / "site")  # after the target's outpost.yaml edit
    small = tmp_path / "tmp"
    small.mkdir()
    mount_then_run = 'mount -t tmpfs -o size=160k tmpfs "$1" && shift && exec "$@"'
    result = subprocess.run(
        ["unshare", "-rm", "sh", "-c", mount_then_run, "sh", str(small), sys.executable,
         "-m", "generator", "--root", str(builds.root), "publish", "-q", "pages"],
        capture_output=True, text=True, env={**os.environ, "TMPDIR": str(small)},
        check=False)
    [summary] = result.stdout.splitlines() or [result.stderr]
    error = summary.partition("s: ")[2].partition("s: ")[2]  # after the name and time
    assert result.returncode == 1 and error.startswith("git fast-import: fatal: "), summary
    assert ("No space left on device" in error or "Out of diskspace" in error), summary
    assert error.endswith(f" (the temporary repository is in {small}: free space there, or "
                          "set TMPDIR to a folder with room, and publish again)"), summary
    assert not git("--git-dir", str(remote), "branch", "--list")


def test_interrupted_at_every_step_serves_old_or_new(builds: Builds, remote: Path) -> None:
    target = git_target(builds, remote)
    drain(target.publish(builds.old_dir, builds.old))
    base = commits(remote)[0]
    lines = drain(target.publish(builds.new_dir, builds.new))
    pushed = next(i for i, line in enumerate(lines) if line.startswith("pushed "))
    for k in range(len(lines) + 1):
        git("--git-dir", str(remote), "update-ref", "refs/heads/gh-pages", base)
        interrupted(target.publish(builds.new_dir, builds.new), k)
        expected = builds.new if k > pushed else builds.old
        assert assert_consistent(git_tree(remote), expected).build_id == expected.build_id
    git("--git-dir", str(remote), "update-ref", "refs/heads/gh-pages", base)
    for kill_after in (1, 2, 3):
        process = outpost_process(builds.root, "publish", "pages")
        assert process.stdout is not None
        for _ in range(kill_after):
            process.stdout.readline()
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert_consistent(git_tree(remote), builds.old, builds.new)


def test_verify_through_git(builds: Builds, remote: Path, tmp_path: Path) -> None:
    target = git_target(builds, remote, "    nojekyll: true\n")
    drain(target.publish(builds.old_dir, builds.old))
    assert drain(target.verify())[-1] == (
        f"checked {len(builds.old.files)} files of build {builds.old.build_id}")
    clone = tmp_path / "clone"
    git("clone", "--quiet", "--branch", "gh-pages", str(remote), str(clone))
    (clone / "index.html").write_text("defaced")
    (clone / "extra.txt").write_text("x")
    for args in (("add", "."), ("-c", "user.name=U", "-c", "user.email=u@example.org",
                 "commit", "--quiet", "-m", "edit"), ("push", "--quiet")):
        git(*args, cwd=clone)
    with pytest.raises(VerifyFailed) as caught:
        drain(target.verify())
    assert caught.value.mismatches == ["index.html: content differs from the manifest",
                                       "extra.txt: not in the manifest (stale)"]


def test_state_lives_on_its_own_branch(builds: Builds, remote: Path) -> None:
    target = git_target(builds, remote)
    assert target.read_state("sent.json") is None
    target.write_state("sent.json", b"[1]")
    target.write_state("other", b"x")
    target.write_state("sent.json", b"[1, 2]")
    drain(target.publish(builds.old_dir, builds.old))
    assert target.read_state("sent.json") == b"[1, 2]" and target.read_state("other") == b"x"
    assert "sent.json" not in git_tree(remote)
    assert git_tree(remote, "outpost-state") == {"sent.json": b"[1, 2]", "other": b"x"}
    assert len(commits(remote, "outpost-state")) == 3


def test_unknown_remote_name(builds: Builds) -> None:
    """A configuration problem at the 'remote:' line, not a failure to publish."""
    with pytest.raises(ProblemsFound) as caught:
        git_target(builds, "upstream")
    (problem,) = caught.value.problems
    assert problem.path == "outpost.yaml"
    lines = (builds.root / "outpost.yaml").read_text().splitlines()
    assert lines[problem.line - 1].strip() == "remote: upstream"
    assert problem.message == (
        f"publish target 'pages': 'upstream' names a git remote, but {builds.root} is not a "
        "git repository: write the remote's URL here")
    subprocess.run(["git", "init", "-q", str(builds.root)], check=True)
    with pytest.raises(ProblemsFound) as caught:
        git_target(builds, "upstream", name="other")
    assert caught.value.problems[0].message == (
        f"publish target 'other': 'upstream' is not a remote of the git repository at "
        f"{builds.root} (nor a URL or an existing path): add it with 'git remote add upstream "
        "URL', or write the URL here")


@pytest.mark.parametrize("repository", [False, True])
def test_missing_relative_path(builds: Builds, repository: bool) -> None:
    """A remote starting with '.' is a path (no remote's name can): a missing one is
    named as such, never as a remote to add with 'git remote add ../x URL'."""
    if repository:
        subprocess.run(["git", "init", "-q", str(builds.root)], check=True)
    with pytest.raises(ProblemsFound) as caught:
        git_target(builds, "../pages.git")
    assert caught.value.problems[0].message == (
        f"publish target 'pages': '../pages.git' is not an existing path (relative to "
        f"{builds.root}): make the repository there with 'git init --bare "
        f"{builds.root.parent / 'pages.git'}', or correct the path")


def test_plumbing_only() -> None:
    source = (Path(__file__).parent.parent / "generator" / "publish" / "git.py").read_text()
    for porcelain in ('"add"', '"commit"', '"checkout"', '"stash"', '"reset"'):
        assert porcelain not in source


def test_a_site_file_changed_after_the_build_is_refused(builds: Builds, remote: Path) -> None:
    target = git_target(builds, remote)
    (builds.old_dir / "feed.xml").write_text("<rss/>")
    with pytest.raises(PublishError) as caught:
        drain(target.publish(builds.old_dir, builds.old))
    assert str(caught.value) == (f"{builds.old_dir / 'feed.xml'} changed since the build: run "
                                 "outpost build again")
    assert commits_or_none(remote) is None


def commits_or_none(remote: Path) -> list[str] | None:
    found = subprocess.run(["git", "--git-dir", str(remote), "rev-list", "gh-pages", "--"],
                           capture_output=True, text=True, check=False)
    return found.stdout.split() if found.returncode == 0 else None


def push_commit(remote: Path, tmp_path: Path, change: dict[str, str | None]) -> None:
    """Someone else's commit on gh-pages: each path written (text) or removed (None)."""
    clone = tmp_path / f"clone-{len(list(tmp_path.glob('clone-*')))}"
    git("clone", "--quiet", "--branch", "gh-pages", str(remote), str(clone))
    for path, text in change.items():
        if text is None:
            (clone / path).unlink()
        else:
            (clone / path).parent.mkdir(parents=True, exist_ok=True)
            (clone / path).write_text(text)
    for args in (("add", "-A"), ("-c", "user.name=U", "-c", "user.email=u@example.org",
                 "commit", "--quiet", "-m", "edit"), ("push", "--quiet")):
        git(*args, cwd=clone)


DAMAGE: list[tuple[dict[str, str | None], list[str]]] = [
    ({"feed.xml": None}, ["feed.xml: missing"]),
    ({"index.html": "defaced"}, ["index.html: content differs from the manifest"]),
    ({"old/page.html": "left behind"}, ["old/page.html: not in the manifest (stale)"]),
    ({MANIFEST: "{}"}, [f"gh-pages/{MANIFEST} is not an Outpost manifest"]),
    ({MANIFEST: None}, [f"gh-pages has no {MANIFEST}: nothing was published there yet"]),
]


@pytest.mark.parametrize(("change", "expected"), DAMAGE,
                         ids=["missing", "changed", "stale", "bad-manifest", "no-manifest"])
def test_verify_finds_each_kind_of_damage_with_and_without_the_local_site(
        builds: Builds, remote: Path, tmp_path: Path, change: dict[str, str | None],
        expected: list[str]) -> None:
    target = git_target(builds, remote, "    cname: status.example.org\n")
    drain(target.publish(builds.old_dir, builds.old))
    done = f"checked {len(builds.old.files)} files of build {builds.old.build_id}"
    assert drain(target.verify(builds.old_dir))[-1] == done
    assert drain(target.verify())[-1] == done
    push_commit(remote, tmp_path, change)
    for site_dir in (builds.old_dir, None, builds.new_dir):
        with pytest.raises(VerifyFailed) as caught:
            drain(target.verify(site_dir))
        # A site of the next build here: the branch missed it, once its manifest reads.
        missed = [f"serves build {builds.old.build_id}, but the site in {builds.new_dir} is "
                  f"build {builds.new.build_id}"] if (
            site_dir == builds.new_dir and MANIFEST not in change) else []
        assert caught.value.mismatches == missed + expected, site_dir


def test_verify_never_trusts_the_local_site(builds: Builds, remote: Path,
                                           tmp_path: Path) -> None:
    """The local copy only stands in for a file whose bytes have the published manifest's
    sha256: the same defacement on both sides is still found, a damaged local site makes
    verify read those files back, not fail, and one of another build fails only for the
    build it names (its files are read back and match)."""
    target = git_target(builds, remote)
    drain(target.publish(builds.old_dir, builds.old))
    local = tmp_path / "local"
    shutil.copytree(builds.old_dir, local)
    (local / "index.html").write_text("defaced")
    (local / "closed" / "index.html").unlink()
    assert drain(target.verify(local))[-1].startswith("checked ")
    with pytest.raises(VerifyFailed) as caught:
        drain(target.verify(builds.new_dir))
    assert caught.value.mismatches == [
        f"serves build {builds.old.build_id}, but the site in {builds.new_dir} is build "
        f"{builds.new.build_id}"]
    push_commit(remote, tmp_path, {"index.html": "defaced"})
    with pytest.raises(VerifyFailed) as caught:
        drain(target.verify(local))
    assert caught.value.mismatches == ["index.html: content differs from the manifest"]
    # A local manifest.json that is not the published one is not used either.
    (local / MANIFEST).write_text("{}")
    with pytest.raises(VerifyFailed) as caught:
        drain(target.verify(local))
    assert caught.value.mismatches == ["index.html: content differs from the manifest"]


@pytest.mark.parametrize("filters", [True, False], ids=["with-filters", "without-filters"])
def test_a_hosted_remote_with_or_without_blobless_fetches(builds: Builds, remote: Path,
                                                          tmp_path: Path, filters: bool) -> None:
    """Publish and verify over git:// against a server that serves blobless fetches (as
    GitHub does) and one that ignores the filter and sends everything."""
    git("--git-dir", str(remote), "config", "uploadpack.allowFilter", str(filters).lower())
    with git_daemon(remote.parent) as base:
        target = git_target(builds, f"{base}/{remote.name}")
        drain(target.publish(builds.old_dir, builds.old))
        lines = drain(target.publish(builds.new_dir, builds.new))
        assert target.counts.uploaded == len(builds.changed) == 7
        assert lines[-1].startswith("pushed ")
        assert_consistent(git_tree(remote), builds.new)
        done = f"checked {len(builds.new.files)} files of build {builds.new.build_id}"
        for site_dir in (builds.new_dir, None):
            assert drain(target.verify(site_dir))[-1] == done
        # A site of another build here: files it does not share are read back, and the
        # build it names is reported.
        other = [f"serves build {builds.new.build_id}, but the site in {builds.old_dir} is "
                 f"build {builds.old.build_id}"]
        with pytest.raises(VerifyFailed) as caught:
            drain(target.verify(builds.old_dir))
        assert caught.value.mismatches == other
        push_commit(remote, tmp_path, {"index.html": "defaced", "feed.xml": None})
        for site_dir in (builds.new_dir, builds.old_dir, None):
            with pytest.raises(VerifyFailed) as caught:
                drain(target.verify(site_dir))
            assert caught.value.mismatches == (other if site_dir == builds.old_dir else []) + [
                "feed.xml: missing", "index.html: content differs from the manifest"]


def test_unusual_paths_and_modes_on_the_branch(builds: Builds, remote: Path,
                                              tmp_path: Path) -> None:
    """Paths with spaces, quotes and non-ASCII letters go through fast-import as they are;
    a file someone made executable or a symlink on the branch becomes a regular file of
    the build again, and a folder where the build has a file is replaced by it."""
    from generator.render.manifest import make_manifest

    files = {"a b.html": b"<p>space</p>", '"quoted".txt': b"q", "d\u00e9j\u00e0/vu.html": b"v",
             "index.html": b"<p>home</p>", "x": b"file where a folder was"}
    site = tmp_path / "odd-site"
    for path, data in files.items():
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_bytes(data)
    manifest = make_manifest(files, "2026-11-28T12:00:00Z")
    target = git_target(builds, remote)
    drain(target.publish(site, manifest))
    clone = tmp_path / "clone"
    git("clone", "--quiet", "--branch", "gh-pages", str(remote), str(clone))
    (clone / "index.html").chmod(0o755)
    (clone / "a b.html").unlink()
    (clone / "a b.html").symlink_to("index.html")
    (clone / "x").unlink()
    (clone / "x").mkdir()
    (clone / "x" / "inner.txt").write_text("inside")
    for args in (("add", "-A"), ("-c", "user.name=U", "-c", "user.email=u@example.org",
                 "commit", "--quiet", "-m", "modes"), ("push", "--quiet")):
        git(*args, cwd=clone)
    drain(target.publish(site, manifest))
    listing = git("--git-dir", str(remote), "ls-tree", "-r", "-z", "gh-pages").split("\0")
    assert {line.split("\t", 1)[1]: line.split()[0] for line in listing if line} == {
        path: "100644" for path in [*files, MANIFEST]}
    assert_consistent(git_tree(remote), manifest)
    assert drain(target.verify(site))[-1] == f"checked 5 files of build {manifest.build_id}"


def test_a_blob_that_cannot_be_read_is_a_failure_not_a_mismatch(tmp_path: Path,
                                                                remote: Path) -> None:
    """Reading back goes through one cat-file stream; an object it cannot produce (a
    failed fetch) stops verify with a retryable error instead of reporting the file as
    different."""
    from generator.publish.git import Workspace

    work = Workspace(tmp_path / "work.git", str(remote))
    [blob] = work.hash_blobs({"a.txt": b"hello\n"}).values()
    assert work.blob_digests([blob]) == {blob: hashlib.sha256(b"hello\n").hexdigest()}
    absent = "0" * 39 + "1"
    with pytest.raises(TransientError) as caught:
        work.blob_digests([blob, absent])
    assert str(caught.value) == f"git cat-file: {absent} could not be fetched"
    # Many more ids behind the missing one than a pipe holds: it still ends.
    many = [f"{n:040x}" for n in range(2, 20000)]
    with pytest.raises(TransientError):
        work.blob_digests([absent, *many])


def test_the_local_copy_never_reads_outside_the_site(tmp_path: Path) -> None:
    """Paths come from the target's manifest, which anyone with push access can write."""
    from generator.publish.verify import LocalCopy

    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_bytes(b"ok")
    (tmp_path / "secret").write_bytes(b"s")
    local = LocalCopy(tmp_path / "site")
    assert local.read("index.html") == b"ok"
    assert local.read("../secret") is None
    assert local.read(str(tmp_path / "secret")) is None
    assert LocalCopy(None).read("index.html") is None


def test_a_manifest_that_cannot_be_fetched_is_a_failure_not_an_empty_branch(
        builds: Builds, remote: Path, tmp_path: Path) -> None:
    """After the blobless fetch the published manifest.json is fetched on its own; if the
    remote is gone by then, that is a retryable failure, not 'nothing was published'."""
    from generator.publish.git import Workspace, _Plan
    from generator.publish.verify import LocalCopy

    drain(git_target(builds, remote).publish(builds.old_dir, builds.old))
    work = Workspace(tmp_path / "work.git", str(remote), partial=True)
    tip = work.fetch_tip("gh-pages")
    assert tip is not None
    blobs = work.blobs_of(tip)
    assert blobs[MANIFEST] in work.missing(tip)  # the fetch was blobless
    remote.rename(tmp_path / "moved.git")
    with pytest.raises(TransientError) as caught:
        _Plan.make(work, tip, LocalCopy(None), "gh-pages")
    assert str(caught.value) == f"git cat-file: {MANIFEST} of {tip[:12]} could not be fetched"


def test_a_remotes_credentials_are_hidden_as_git_prints_them(tmp_path: Path) -> None:
    """git prints a git:// remote's user and password decoded ('p%21ss' as 'p!ss');
    neither form reaches a message."""
    from generator.publish.git import Workspace

    remote = "git://tok:p%21ss@127.0.0.1:1/x.git"  # nothing listens on port 1
    work = Workspace(tmp_path / "work.git", remote)
    message = work._redact("fatal: unable to connect to tok:p!ss@127.0.0.1 and "
                           "tok:p%21ss@127.0.0.1")
    assert message == "fatal: unable to connect to ***@127.0.0.1 and ***@127.0.0.1"
    with pytest.raises(PublishError) as failed:
        work.fetch_tip("main")
    assert "p!ss" not in str(failed.value) and "p%21ss" not in str(failed.value)


def test_a_remote_out_of_room_is_not_told_to_free_local_space(tmp_path: Path) -> None:
    """Where to make room is said for this machine's full disk, not for the remote's
    ('remote: fatal: ... No space left on device'), which no local folder would help."""
    from types import SimpleNamespace

    from generator.publish.git import Workspace

    here = SimpleNamespace(folder=tmp_path / "outpost-xyz" / "repo" / "git")
    advice = Workspace._room_advice(here, "fatal: No space left on device")  # type: ignore[arg-type]
    assert advice == (f" (the temporary repository is in {tmp_path / 'outpost-xyz'}: free "
                      "space there, or set TMPDIR to a folder with room, and publish again)")
    assert Workspace._room_advice(  # type: ignore[arg-type]
        here, "remote: fatal: write error: No space left on device / error: failed to "
              "push some refs") == ""
