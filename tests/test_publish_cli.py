"""`outpost publish` and `outpost verify`: refusals, summaries, exit codes, redaction."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator import __version__
from generator.publish.runner import redact
from generator.render.manifest import MANIFEST
from tests.conftest import FIXED_NOW, Run


def with_targets(root: Path, www: Path, extra: str = "") -> None:
    text = (root / "outpost.yaml").read_text()
    (root / "outpost.yaml").write_text(
        text + f"publish:\n  - name: www\n    type: dir\n    path: {www}\n" + extra)


def with_a_broken_mirror(root: Path, tmp_path: Path) -> Path:
    """Targets www (the primary), broken (a file where its folder should be) and later;
    returns that file."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with_targets(root, tmp_path / "www",
                 f"  - name: broken\n    type: dir\n    path: {blocker}\n"
                 f"  - name: later\n    type: dir\n    path: {tmp_path / 'later'}\n")
    return blocker


def built(root: Path, run: Run) -> Path:
    result = run(root, "build", "--now", FIXED_NOW)
    assert result.exit_code == 0, result.output
    assert (root / "site" / MANIFEST).is_file()
    return root / "site"


def test_publish_then_verify(example_repo: Path, tmp_path: Path, run: Run) -> None:
    with_targets(example_repo, tmp_path / "www")
    site = built(example_repo, run)
    count = len(json.loads((site / MANIFEST).read_text())["files"])
    result = run(example_repo, "publish")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("www: publishing build ")
    assert lines[-1].startswith(f"www: ok: {count} uploaded, 0 unchanged, 0 deleted, ")
    quiet = run(example_repo, "publish", "-q", "www")
    assert quiet.output.splitlines() == [quiet.output.splitlines()[0]]
    assert quiet.output.startswith(f"www: ok: 0 uploaded, {count} unchanged, 0 deleted, ")
    verified = run(example_repo, "verify")
    assert verified.exit_code == 0 and verified.output.splitlines()[-1] == "www: ok"


def test_verify_fails_a_target_that_missed_a_publish(example_repo: Path, tmp_path: Path,
                                                     run: Run) -> None:
    """A mirror still serving the previous build is reported against site/ (or --site);
    with a folder holding no site each target is checked against its own manifest."""
    from tests.publish_support import change_one_notice

    with_targets(example_repo, tmp_path / "www",
                 f"  - name: mirror\n    type: dir\n    path: {tmp_path / 'mirror'}\n")
    site = built(example_repo, run)
    old = json.loads((site / MANIFEST).read_text())["build_id"]
    assert run(example_repo, "publish", "-q").exit_code == 0
    change_one_notice(example_repo)
    built(example_repo, run)
    new = json.loads((site / MANIFEST).read_text())["build_id"]
    assert run(example_repo, "publish", "-q", "www").exit_code == 0
    result = run(example_repo, "verify")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert "www: ok" in lines
    assert lines[-2:] == [
        f"mirror: FAILED: 1 mismatch: serves build {old}, but the site in {site} is "
        f"build {new}",
        "Error: 1 target failed to verify: mirror"]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert run(example_repo, "verify", "--site", str(elsewhere)).exit_code == 0


def test_a_failed_publish_says_what_to_run_and_that_command_completes_it(
        example_repo: Path, tmp_path: Path, run: Run) -> None:
    blockers = [tmp_path / "file-a", tmp_path / "file-b"]
    for blocker in blockers:
        blocker.write_text("not a folder")
    with_targets(example_repo, tmp_path / "www",
                 "".join(f"  - name: {b.name}\n    type: dir\n    path: {b}\n"
                         for b in blockers))
    built(example_repo, run)
    result = run(example_repo, "publish", "-q")
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        "Error: 2 targets failed to publish: file-a, file-b. Fix the causes above, then "
        "run 'outpost publish file-a file-b' again; until then they serve what they did "
        "before")
    for blocker in blockers:
        blocker.unlink()
    again = run(example_repo, *result.output.split("'")[-2].split()[1:])
    assert again.exit_code == 0, again.output
    assert run(example_repo, "verify").exit_code == 0


def test_one_failing_target_does_not_stop_the_others(example_repo: Path, tmp_path: Path,
                                                     run: Run) -> None:
    blocker = with_a_broken_mirror(example_repo, tmp_path)
    built(example_repo, run)
    result = run(example_repo, "publish")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(line.startswith("www: ok: ") for line in lines)
    assert any(line.startswith("later: ok: ") for line in lines)
    failed = [re.sub(r"\d+\.\ds", "N.Ns", line) for line in lines
              if line.startswith("broken: FAILED: ")]
    assert failed == [f"broken: FAILED: 0 uploaded, 0 unchanged, 0 deleted, N.Ns: "
                      f"File exists: {blocker}"]
    assert lines[-1] == (
        "Error: 1 target failed to publish: broken. Fix the cause above, then run 'outpost "
        "publish broken' again; until then it serves what it did before")
    assert (tmp_path / "later" / "current" / "index.html").is_file()

    result = run(example_repo, "verify")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert (f"broken: FAILED: {blocker / 'current'} does not exist: nothing was published yet"
            in lines)
    assert "www: ok" in lines and "later: ok" in lines
    assert lines[-1] == "Error: 1 target failed to verify: broken"


def test_refuses_when_check_finds_problems(example_repo: Path, tmp_path: Path,
                                           run: Run) -> None:
    with_targets(example_repo, tmp_path / "www")
    built(example_repo, run)
    (example_repo / "notices" / "broken.md").write_text("no front matter\n")
    result = run(example_repo, "publish")
    assert result.exit_code == 1
    assert result.output.endswith("1 problem found. Publish stopped: nothing was published.\n")
    assert result.output.startswith("notices/broken.md:1: ")
    assert not (tmp_path / "www").exists()


def test_refuses_a_missing_or_altered_site(example_repo: Path, tmp_path: Path,
                                           run: Run) -> None:
    with_targets(example_repo, tmp_path / "www")
    site = example_repo / "site"
    assert run(example_repo, "publish").output == (
        f"Error: no site at {site}: run outpost build first\n")
    built(example_repo, run)
    (site / "index.html").write_text("edited by hand")
    assert run(example_repo, "publish").output == (
        f"Error: the site in {site} does not match its manifest.json (index.html differs "
        "from manifest.json): run outpost build again\n")
    (site / MANIFEST).unlink()
    result = run(example_repo, "publish")
    assert (result.exit_code, result.output) == (
        1, f"Error: {site / MANIFEST} is missing: run outpost build first\n")
    (site / MANIFEST).write_text("{}")
    assert run(example_repo, "publish").output == (
        f"Error: {site / MANIFEST} is not an Outpost manifest: run outpost build again\n")
    assert not (tmp_path / "www").exists()


def test_no_targets_and_unknown_names(example_repo: Path, tmp_path: Path, run: Run) -> None:
    result = run(example_repo, "publish")
    assert (result.exit_code, result.output) == (1, (
        "Error: no publish targets in outpost.yaml: add a 'publish:' list (see the README, "
        "'Hosting outside your network')\n"))
    with_targets(example_repo, tmp_path / "www")
    assert run(example_repo, "verify", "www", "nope", "gone").output == (
        "Error: unknown publish targets 'nope', 'gone' (targets in outpost.yaml: www)\n")
    assert run(example_repo, "publish", "nope").output == (
        "Error: unknown publish target 'nope' (targets in outpost.yaml: www)\n")


def test_verify_before_anything_was_published(example_repo: Path, tmp_path: Path,
                                              run: Run) -> None:
    with_targets(example_repo, tmp_path / "www")
    result = run(example_repo, "verify")
    assert (result.exit_code, result.output) == (1, (
        f"www: FAILED: {tmp_path / 'www' / 'current'} does not exist: nothing was published "
        "yet\nError: 1 target failed to verify: www\n"))


def test_redact() -> None:
    assert redact("fatal: unable to access 'https://x-access-token:ghp_1@github.com/a.git/'"
                  ) == "fatal: unable to access 'https://***@github.com/a.git/'"
    assert redact("http://127.0.0.1:9/x and ssh://git@host/x") == (
        "http://127.0.0.1:9/x and ssh://***@host/x")


def test_a_target_that_crashes_does_not_stop_the_others(example_repo: Path, tmp_path: Path,
                                                        run: Run) -> None:
    from generator.app import TARGET_KINDS, schema
    from generator.publish.base import Counts, targets_from_config
    from generator.publish.runner import publish_targets, read_site
    from generator.render.manifest import Manifest

    with_targets(example_repo, tmp_path / "www")
    site = built(example_repo, run)
    [folder] = targets_from_config(schema().load(example_repo), example_repo, TARGET_KINDS)

    class Crashing:
        name = "crashing"
        settings = folder.settings
        counts = Counts()
        place = "crashing"

        def publish(self, site_dir: Path, manifest: Manifest) -> Iterator[str]:
            yield "starting"
            raise KeyError("no such thing")

    lines: list[str] = []
    crashed, ok = publish_targets([Crashing(), folder],  # type: ignore[list-item]
                                  site, read_site(site), lines.append)
    assert crashed.error == "unexpected failure (KeyError: 'no such thing')"
    assert crashed.attempts == 1 and ok.ok
    assert lines[0].startswith("crashing: publishing build ")
    assert lines[1:3] == ["crashing: starting", "crashing: FAILED: 0 uploaded, 0 unchanged, "
                          f"0 deleted, {crashed.seconds:.1f}s: unexpected failure (KeyError: "
                          "'no such thing')"]


def test_s3_target_without_boto3_names_the_extra(example_repo: Path, run: Run,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # boto3 comes with the s3 extra only; None in sys.modules is how Python marks a
    # module that cannot be imported, as in an install without the extra.
    monkeypatch.setitem(sys.modules, "boto3", None)
    text = (example_repo / "outpost.yaml").read_text()
    line = text.count("\n") + 2
    (example_repo / "outpost.yaml").write_text(
        text + "publish:\n  - name: mirror\n    type: s3\n    bucket: status-example\n")
    built(example_repo, run)
    expected = (f"Error: outpost.yaml:{line}: publish target 'mirror' is an s3 target, which "
                "needs boto3: install Outpost with its s3 extra, \"outpost-status[s3] @ "
                f"git+https://github.com/outpost-status/outpost@v{__version__}\" (in the "
                "publish workflow, the Install step)\n")
    for command in ("publish", "verify"):
        result = run(example_repo, command)
        assert (result.exit_code, result.output) == (1, expected), command


def test_verify_checks_a_git_branch_against_the_built_site(example_repo: Path, tmp_path: Path,
                                                          run: Run) -> None:
    """Right after a build (as in CI) verify proves every file by its blob id in one fetch
    of the branch's trees; with --site naming a folder without that build it reads the
    files back (two more requests: the manifest, then the branch with every file), and
    with a site of another build it fetches the few files that differ one by one."""
    import subprocess

    from tests.publish_support import change_one_notice, git_daemon

    served = tmp_path / "served"
    subprocess.run(["git", "init", "-q", "--bare", str(served / "status.git")], check=True)
    subprocess.run(["git", "--git-dir", str(served / "status.git"), "config",
                    "uploadpack.allowFilter", "true"], check=True)  # as GitHub allows
    log = tmp_path / "daemon.log"
    with git_daemon(served, log) as base:
        text = (example_repo / "outpost.yaml").read_text()
        (example_repo / "outpost.yaml").write_text(
            text + f"publish:\n  - name: pages\n    type: git\n    remote: {base}/status.git\n")
        site = built(example_repo, run)
        manifest = json.loads((site / MANIFEST).read_text())
        assert run(example_repo, "publish").exit_code == 0

        def requests() -> int:
            return log.read_text().count("Request upload-pack for")

        before = requests()
        verified = run(example_repo, "verify")
        tip = subprocess.run(["git", "--git-dir", str(served / "status.git"), "rev-parse",
                              "gh-pages"], capture_output=True, text=True,
                             check=True).stdout[:12]
        assert (verified.exit_code, verified.output) == (0, (
            f"pages: reading gh-pages at {tip}\n"
            f"pages: checked {len(manifest['files'])} files of build {manifest['build_id']}\n"
            "pages: ok\n"))
        assert requests() == before + 1
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        again = run(example_repo, "verify", "--site", str(elsewhere))
        assert (again.exit_code, again.output) == (0, verified.output)
        assert requests() == before + 1 + 3
        # A site of the next build: the few files it does not share are fetched one by one,
        # and the branch, which missed that build, fails.
        change_one_notice(example_repo)
        other = tmp_path / "other"
        assert run(example_repo, "build", "--now", FIXED_NOW, "--out", str(other)
                   ).exit_code == 0
        theirs = json.loads((other / MANIFEST).read_text())["files"]
        differ = [p for p, e in manifest["files"].items() if theirs.get(p) != e]
        assert 0 < len(differ) <= 16
        before = requests()
        third = run(example_repo, "verify", "--site", str(other))
        next_build = json.loads((other / MANIFEST).read_text())["build_id"]
        assert (third.exit_code, third.output) == (1, verified.output.replace(
            "pages: ok\n", f"pages: FAILED: 1 mismatch: serves build {manifest['build_id']}, "
            f"but the site in {other} is build {next_build}\n"
            "Error: 1 target failed to verify: pages\n"))
        assert requests() == before + 2 + len(differ)
        missing = run(example_repo, "verify", "--site", str(tmp_path / "nope"))
        assert missing.exit_code == 2
        assert missing.output.splitlines()[-1] == (
            f"Error: Invalid value for '--site': Directory '{tmp_path / 'nope'}' does not "
            "exist.")


def test_primary_and_mirrors_apart(example_repo: Path, tmp_path: Path, run: Run) -> None:
    """The publish workflow publishes the primary target first, on its own, so that a
    mirror that fails cannot keep contacts from being notified (Notify follows the
    primary's publish), then the mirrors."""
    with_a_broken_mirror(example_repo, tmp_path)
    built(example_repo, run)
    primary = run(example_repo, "publish", "--primary", "-q")
    assert primary.exit_code == 0, primary.output
    assert [line.split(":")[0] for line in primary.output.splitlines()] == ["www"]
    assert not (tmp_path / "later").exists()
    mirrors = run(example_repo, "publish", "--mirrors", "-q")
    assert mirrors.exit_code == 1
    assert [line.split(":")[0] for line in mirrors.output.splitlines()] == [
        "broken", "later", "Error"]
    assert mirrors.output.splitlines()[-1].startswith(
        "Error: 1 target failed to publish: broken. ")
    both = run(example_repo, "publish", "--primary", "www")
    assert (both.exit_code, both.output.splitlines()[-1]) == (
        2, "Error: --primary or target names, not both")
    for flags in (["--primary", "--mirrors"], ["--mirrors", "--primary"]):
        both = run(example_repo, "publish", *flags)
        assert (both.exit_code, both.output.splitlines()[-1]) == (
            2, "Error: --primary or --mirrors, not both"), flags


def test_mirrors_without_mirrors(example_repo: Path, tmp_path: Path, run: Run) -> None:
    with_targets(example_repo, tmp_path / "www")
    built(example_repo, run)
    result = run(example_repo, "publish", "--mirrors")
    assert (result.exit_code, result.output) == (
        0, "No mirrors: publish: lists the primary target only.\n")
    assert not (tmp_path / "www").exists()


@pytest.mark.parametrize("signal_name, how", [("SIGINT", "interrupted (Ctrl-C)"),
                                              ("SIGTERM", "stopped (SIGTERM)")])
def test_ctrl_c_names_the_target_it_stopped_and_those_not_published(
        example_repo: Path, tmp_path: Path, run: Run, signal_name: str, how: str) -> None:
    """Ctrl-C while a mirror hangs (a git host that accepts and never answers): the
    target interrupted and every target not reached yet are named, not only
    'Aborted!', so whoever pressed it knows which hosts still serve the old build.
    SIGTERM (a cancelled CI job, ``timeout``) too: it ended the process on the spot,
    with status 143 and nothing named."""
    import signal
    import socket

    from tests.publish_support import outpost_process

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        with_targets(example_repo, tmp_path / "www",
                     "  - name: hangs\n    type: git\n"
                     f"    remote: http://127.0.0.1:{silent.getsockname()[1]}/status.git\n"
                     f"  - name: later\n    type: dir\n    path: {tmp_path / 'later'}\n")
        built(example_repo, run)
        process = outpost_process(example_repo, "publish", "-q")
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("www: ok: ")
        process.send_signal(getattr(signal, signal_name))
        rest = process.communicate(timeout=30)[0].splitlines()
    assert process.returncode == 1
    assert rest == [f"hangs: FAILED: {how} while publishing; the next publish completes it",
                    "later: FAILED: not published: interrupted before its turn",
                    "Aborted!"]
    assert not (tmp_path / "later").exists()


def test_the_failure_report_says_which_targets_serve_this_build_already() -> None:
    from types import SimpleNamespace

    from generator.publish.runner import publish_failure_report

    www, pages, mirror = (SimpleNamespace(name=name, may_mix_builds=mixes)
                          for name, mixes in (("www", False), ("pages", False),
                                              ("mirror", True)))
    assert publish_failure_report([www, pages, mirror], {"mirror"}) == (  # type: ignore[list-item]
        "3 targets failed to publish: www, pages, mirror. Fix the causes above, then run "
        "'outpost publish www pages mirror' again; until then www and pages serve what "
        "they did before; mirror serves this build already")
    assert publish_failure_report([www, mirror], {"www"}) == (  # type: ignore[list-item]
        "2 targets failed to publish: www, mirror. Fix the causes above, then run "
        "'outpost publish www mirror' again; until then mirror serves what it did before "
        "(an s3 target perhaps mixed with files of this build, never a broken link); www "
        "serves this build already")
    assert publish_failure_report([www, mirror], {"www", "mirror"}) == (  # type: ignore[list-item]
        "2 targets failed to publish: www, mirror. Fix the causes above, then run "
        "'outpost publish www mirror' again; until then they serve this build already")
    # An s3 target refused before anything was written to it serves its build unmixed.
    assert publish_failure_report([www, mirror], {"www"}, {"mirror"}) == (  # type: ignore[list-item]
        "2 targets failed to publish: www, mirror. Fix the causes above, then run "
        "'outpost publish www mirror' again; until then mirror serves what it did before; "
        "www serves this build already")


def test_ctrl_c_while_waiting_for_another_publish_says_nothing_was_published(
        example_repo: Path, tmp_path: Path, run: Run) -> None:
    """Another publish to www from this machine holds its turn: stopped while waiting,
    the command had said 'interrupted (Ctrl-C) while publishing', of a target it had not
    read yet."""
    import signal

    from generator.app import TARGET_KINDS, schema
    from generator.disk import taking_turns
    from generator.publish.base import targets_from_config
    from generator.publish.runner import _turns
    from tests.publish_support import outpost_process

    with_targets(example_repo, tmp_path / "www")
    built(example_repo, run)
    [www] = targets_from_config(schema().load(example_repo), example_repo, TARGET_KINDS)
    with taking_turns(_turns(www.place)):
        process = outpost_process(example_repo, "publish", "-q")
        assert process.stdout is not None
        assert process.stdout.readline() == (
            "www: waiting for another publish to it from this machine to end\n")
        process.send_signal(signal.SIGINT)
        rest = process.communicate(timeout=30)[0].splitlines()
    assert process.returncode == 1
    assert rest == ["www: FAILED: not published: interrupted (Ctrl-C) while waiting for "
                    "another publish to it to end", "Aborted!"]
    assert not (tmp_path / "www").exists()


@pytest.mark.parametrize(("path", "says"), [
    ("notices", "is inside notices/, whose files are read as notices"),
    ("templates/www", "is inside templates/, whose files are read as templates"),
    ("site/www", "is inside site/, which the next build replaces"),
    (".outpost-cache", "is inside .outpost-cache/, which the next build replaces"),
    (".git/www", "is inside .git/, git's own folder"),
    (".", "is the repository itself, whose files would be mixed with its releases"),
    ("/", "is the whole file system's top folder, whose files would be mixed with its "
          "releases"),
    ("~/", "is your home folder, whose files would be mixed with its releases"),
])
def test_a_folder_target_in_the_repositorys_own_folders_is_refused(
        example_repo: Path, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        path: str, says: str) -> None:
    """Published into notices/, its releases broke check ('folders inside notices/ are not
    read'); into site/, the next whole build took them away with the old site. path: /
    passed check, and publish wrote releases/, current and .lock among the system's own
    folders; path: ~/ into the home folder."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    (example_repo / ".git").mkdir(exist_ok=True)
    with_targets(example_repo, Path(f"'{path}'"))  # quoted: a bare ~ is YAML's null
    line = len((example_repo / "outpost.yaml").read_text().splitlines())
    problem = (f"outpost.yaml:{line}: publish target 'www': path '{path}' {says}: publish "
               "to a folder of its own, such as public/ or ../status-site\n")
    check = run(example_repo, "check")
    assert (check.exit_code, check.output) == (1, problem + "1 problem found.\n")
    result = run(example_repo, "publish")
    assert result.exit_code == 1
    assert problem in result.output
    assert not (example_repo / path / "current").exists()
    assert not Path(os.sep, "current").exists()
    assert list((tmp_path / "home").iterdir()) == []
