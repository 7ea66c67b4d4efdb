"""outpost check --format github, the pull-request workflow and the pre-commit hook."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from generator.app import cli
from generator.cli.report import format_problems
from generator.core.errors import Problem
from generator.core.model import Notice
from generator.notices import loader
from tests.conftest import FIXED_NOW, MINIMAL_CONFIG, Run

REPO = Path(__file__).resolve().parent.parent
BROKEN = "---\ntitle: Broken\ntype: outage\n---\n## Investigating - 2026-11-28 07:00\nText\n"


def test_github_annotations_escape_properties_and_data() -> None:
    problems = [Problem("notices/a,b:c.md", 3, "100% wrong\nsecond line\rthird: x, y"),
                Problem("outpost.yaml", 1, "plain")]
    assert format_problems(problems, "github") == (
        "::error file=notices/a%2Cb%3Ac.md,line=3::100%25 wrong%0Asecond line%0Dthird: x, y\n"
        "::error file=outpost.yaml,line=1::plain")


def test_check_github_through_the_cli(empty_repo: Path, run: Run) -> None:
    (empty_repo / "notices" / "2026-11-28-broken.md").write_text(BROKEN)
    (empty_repo / "notices" / "notes, 50%: draft.txt").write_text("x")
    result = run(empty_repo, "check", "--format", "github")
    assert result.exit_code == 1
    assert result.output == (
        "::error file=notices/2026-11-28-broken.md,line=3::'type': expected one of incident, "
        "maintenance, received 'outage'\n"
        "::error file=notices/notes%2C 50%25%3A draft.txt,line=1::not a notice: notice files "
        "end in '.md'\n")
    text = run(empty_repo, "check")
    assert text.output.endswith("2 problems found.\n")


def test_check_github_names_a_file_with_a_line_break_as_it_is(empty_repo: Path,
                                                              run: Run) -> None:
    # The text output quotes the name to keep it on one line; GitHub knows no file of
    # that quoted name, so the annotation gives the name itself, escaped as GitHub says.
    (empty_repo / "notices" / "two\nlines, 5%.md").write_text(BROKEN)
    (empty_repo / "notices" / "'quoted'.md").write_text(BROKEN)
    result = run(empty_repo, "check", "--format", "github")
    assert result.exit_code == 1
    name_problem = ("file name must be lowercase letters, digits and hyphens (it becomes the "
                    "notice's URL): rename it '{}.md'")
    type_problem = "'type': expected one of incident, maintenance, received 'outage'"
    assert result.output == (
        f"::error file=notices/'quoted'.md,line=1::{name_problem.format('quoted')}\n"
        f"::error file=notices/'quoted'.md,line=3::{type_problem}\n"
        f"::error file=notices/two%0Alines%2C 5%25.md,line=1::"
        f"{name_problem.format('two-lines-5')}\n"
        f"::error file=notices/two%0Alines%2C 5%25.md,line=3::{type_problem}\n")
    assert run(empty_repo, "check").output.startswith(
        f"notices/'quoted'.md:1: {name_problem.format('quoted')}\n")
    assert f"notices/'two\\nlines, 5%.md':3: {type_problem}\n" in run(empty_repo,
                                                                      "check").output


def test_check_github_keeps_a_terminal_escape_in_a_file_name_quoted(
        empty_repo: Path) -> None:
    """A name holding a terminal escape (ESC ]0;...BEL retitles the terminal's window)
    went out raw in the annotation; click stripped its colour code on the way to a pipe,
    so the annotation named another file. It stays quoted, as in the text output."""
    name = "\x1b[31mred\x1b]0;pwned\x07.md"
    (empty_repo / "notices" / name).write_text(BROKEN)
    done = subprocess.run(
        [sys.executable, "-m", "generator", "--root", str(empty_repo), "check", "--format",
         "github"], capture_output=True, check=False)
    assert done.returncode == 1
    assert b"\x1b" not in done.stdout and b"\x07" not in done.stdout
    quoted = repr(name).replace(":", "%3A").replace(",", "%2C")
    assert done.stdout.decode().splitlines()[0].startswith(
        f"::error file=notices/{quoted},line=1::file name must be")


def test_a_template_with_a_line_break_in_its_path_is_named_on_one_line(
        empty_repo: Path, run: Run) -> None:
    """A template override's name holding a line break was printed as it is, splitting
    its warning over two lines; it is quoted as a notice's is, and GitHub gets the
    name itself."""
    folder = empty_repo / "templates" / "sub"
    folder.mkdir(parents=True)
    (folder / "a\nb.html").write_text("<p>x</p>\n")
    unused = ("no built-in template has this name and no template uses it: it changes "
              "nothing (did you mean 'subscribe.html'?)")
    text = run(empty_repo, "check").output
    assert text.splitlines()[0] == f"templates/'sub/a\\nb.html': warning: {unused}"
    github = run(empty_repo, "check", "--format", "github").output
    assert github.splitlines()[0] == f"::warning file=templates/sub/a%0Ab.html::{unused}"


def test_check_github_paths_are_relative_to_the_workspace(empty_repo: Path) -> None:
    (empty_repo / "notices" / "2026-11-28-broken.md").write_text(BROKEN)
    workspace = empty_repo.parent
    result = CliRunner().invoke(cli, ["--root", str(empty_repo), "check", "--format", "github"],
                                env={"GITHUB_WORKSPACE": str(workspace)})
    assert result.exit_code == 1
    assert result.output.startswith("::error file=repo/notices/2026-11-28-broken.md,line=3::")
    elsewhere = CliRunner().invoke(cli, ["--root", str(empty_repo), "check", "--format",
                                         "github"], env={"GITHUB_WORKSPACE": "/nonexistent"})
    assert elsewhere.output.startswith("::error file=notices/2026-11-28-broken.md,line=3::")


def test_check_github_when_valid(empty_repo: Path, run: Run) -> None:
    result = run(empty_repo, "check", "--format", "github")
    assert (result.exit_code, result.output) == (0, "OK: outpost.yaml and 0 notices are valid.\n")


def outpost_command() -> list[str]:
    found = shutil.which("outpost")
    assert found, "the outpost console script is installed by pip install -e ."
    return [found]


def test_workflow_runs_check_on_pull_requests_touching_notices(empty_repo: Path,
                                                                tmp_path: Path) -> None:
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "check.yml").read_text())
    trigger = workflow[True]  # YAML 1.1 reads the key 'on' as true
    assert list(trigger) == ["pull_request"]
    assert trigger["pull_request"]["paths"] == ["notices/**", "outpost.yaml", "templates/**",
                                                "generator/**", "pyproject.toml"]
    steps = workflow["jobs"]["check"]["steps"]
    runs = [step["run"] for step in steps if "run" in step]
    assert runs == ['echo "month=$(date -u +%Y-%m)" >> "$GITHUB_OUTPUT"',
                    'uv venv --python 3.11 "$RUNNER_TEMP/outpost"\n'
                    'uv pip install --offline --python "$RUNNER_TEMP/outpost" . ||\n'
                    '  uv pip install --python "$RUNNER_TEMP/outpost" .\n'
                    'echo "$RUNNER_TEMP/outpost/bin" >> "$GITHUB_PATH"\n',
                    "outpost check --format github", 'outpost build --out "$RUNNER_TEMP/site"']
    assert {"uses": "astral-sh/setup-uv@v7", "with": {
        "enable-cache": True, "cache-dependency-glob": "pyproject.toml",
        "cache-suffix": "${{ steps.month.outputs.month }}", "prune-cache": False}} in steps
    # The check step, run as written, fails on a broken notice with an annotation.
    (empty_repo / "notices" / "2026-11-28-broken.md").write_text(BROKEN)
    args = shlex.split(runs[2])
    result = subprocess.run(outpost_command() + args[1:], cwd=empty_repo, capture_output=True,
                            text=True, env={"PATH": "/usr/bin:/bin"}, check=False)
    assert result.returncode == 1
    assert result.stdout.startswith("::error file=notices/2026-11-28-broken.md,line=3::")
    # A broken template override passes the check but not the build after it: the
    # pull request that touches templates/ is red, as README's "Checks on a pull
    # request" says.
    (empty_repo / "notices" / "2026-11-28-broken.md").unlink()
    (empty_repo / "templates").mkdir()
    (empty_repo / "templates" / "404.html").write_text("{{ nosuch.name }}\n")
    results = [subprocess.run(outpost_command() + shlex.split(command.replace(
        "$RUNNER_TEMP", str(tmp_path)))[1:], cwd=empty_repo, capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin"}, check=False) for command in runs[2:]]
    assert [result.returncode for result in results] == [0, 1]
    assert "templates/404.html:1: 'nosuch' is undefined" in results[1].stderr


def git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org",
                           "-C", str(root), *args], capture_output=True, text=True,
                          check=False)


def hook_entry() -> list[str]:
    """The pre-commit hook's command, as the hook list declares it."""
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert [hook["id"] for hook in hooks] == ["outpost-check"]
    return outpost_command() + shlex.split(hooks[0]["entry"])[1:]


def test_pre_commit_hook(empty_repo: Path) -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    hook = hooks[0]
    assert (hook["language"], hook["pass_filenames"]) == ("python", False)
    files = re.compile(hook["files"])
    assert all(files.search(p) for p in ("notices/2026-11-28-a.md", "outpost.yaml",
                                         "templates/base.html"))
    assert not any(files.search(p) for p in ("README.md", "site/index.html", "outpost.yaml.bak"))
    (empty_repo / "notices" / ".gitkeep").write_text("")
    git(empty_repo, "init", "-q")
    git(empty_repo, "add", ".")
    ok = subprocess.run(hook_entry(), cwd=empty_repo, capture_output=True, text=True,
                        check=False)
    assert (ok.returncode, ok.stdout) == (0, "OK: outpost.yaml and 0 notices are valid.\n")
    (empty_repo / "notices" / "2026-11-28-broken.md").write_text(BROKEN)
    git(empty_repo, "add", "notices")
    bad = subprocess.run(hook_entry(), cwd=empty_repo, capture_output=True, text=True,
                         check=False)
    assert bad.returncode == 1
    assert bad.stdout == ("notices/2026-11-28-broken.md:3: 'type': expected one of incident, "
                          "maintenance, received 'outage'\n1 problem found.\n")


GOOD = ("---\ntitle: Slow sign-in\ntype: incident\n---\n## Investigating - 2026-11-28 05:00\n"
        "Looking into it.\n")


def test_the_hook_checks_what_a_commit_holds(tmp_path: Path) -> None:
    """Run by git at a real commit, the hook judges the staged files: an untracked
    draft or an unstaged edit neither blocks a commit nor lets a broken one through."""
    site = tmp_path / "status"
    (site / "notices").mkdir(parents=True)
    (site / "outpost.yaml").write_text(MINIMAL_CONFIG)
    (site / "notices" / ".gitkeep").write_text("")
    git(site, "init", "-q")
    hook = site / ".git" / "hooks" / "pre-commit"
    hook.write_text(f"#!/bin/sh\nexec {shlex.join(hook_entry())}\n")
    hook.chmod(0o755)
    assert git(site, "add", ".").returncode == 0
    assert git(site, "commit", "-qm", "Site").returncode == 0
    # A half-written draft, not added, while another notice is committed.
    (site / "notices" / "2026-11-28-draft.md").write_text(BROKEN)
    notice = site / "notices" / "2026-11-28-sign-in.md"
    notice.write_text(GOOD)
    git(site, "add", "notices/2026-11-28-sign-in.md")
    committed = git(site, "commit", "-qm", "Slow sign-in")
    assert committed.returncode == 0, committed.stdout + committed.stderr
    # The draft marked 'git add -N' (intent to add): listed by git, yet not committed
    # until it is added, so it blocks nothing either (it stays marked below).
    git(site, "add", "-N", "notices/2026-11-28-draft.md")
    notice.write_text(GOOD + "\nStill looking.\n")
    git(site, "add", "notices/2026-11-28-sign-in.md")
    committed = git(site, "commit", "-qm", "Still looking")
    assert committed.returncode == 0, committed.stdout + committed.stderr
    # A broken edit staged, then fixed on disk only: the commit would hold the broken one
    # (git shows what a hook prints on its standard error).
    notice.write_text(GOOD.replace("type: incident", "type: outage"))
    git(site, "add", "notices/2026-11-28-sign-in.md")
    notice.write_text(GOOD + "\nMore.\n")
    refused = git(site, "commit", "-qm", "Broken")
    assert refused.returncode == 1
    assert refused.stderr == ("notices/2026-11-28-sign-in.md:3: 'type': expected one of "
                              "incident, maintenance, received 'outage'\n1 problem found.\n")
    # Staged right, left broken on disk: the commit holds the right one.
    git(site, "add", "notices/2026-11-28-sign-in.md")
    notice.write_text("---\ntitle: [\n")
    committed = git(site, "commit", "-qm", "More")
    assert committed.returncode == 0, committed.stdout + committed.stderr
    assert git(site, "show", "HEAD:notices/2026-11-28-sign-in.md").stdout == GOOD + "\nMore.\n"


def test_check_staged_outside_git_or_in_a_merge(empty_repo: Path, run: Run,
                                                tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--root", str(empty_repo), "check", "--staged"])
    assert (result.exit_code, result.output) == (1, (
        f"Error: --staged checks what git is about to commit, but {empty_repo} is not in a "
        "git working tree: run 'outpost check' without it\n"))
    git(empty_repo, "init", "-q")
    missing = CliRunner().invoke(cli, ["--root", str(empty_repo), "check", "--staged"])
    assert missing.output == ("Error: outpost.yaml is not staged: the commit would hold no "
                              "settings for the site ('git add outpost.yaml' first)\n")
    (empty_repo / "notices" / ".gitkeep").write_text("")
    git(empty_repo, "add", ".")
    git(empty_repo, "commit", "-qm", "Site")
    git(empty_repo, "checkout", "-qb", "other")
    (empty_repo / "outpost.yaml").write_text(MINIMAL_CONFIG.replace("Test", "Other"))
    git(empty_repo, "commit", "-qam", "Other")
    git(empty_repo, "checkout", "-q", "-")
    (empty_repo / "outpost.yaml").write_text(MINIMAL_CONFIG.replace("Test", "Main"))
    git(empty_repo, "commit", "-qam", "Main")
    git(empty_repo, "merge", "-q", "other")
    merging = CliRunner().invoke(cli, ["--root", str(empty_repo), "check", "--staged"])
    assert merging.output == ("Error: --staged: a merge conflict is not resolved yet: resolve "
                              "it and 'git add' the files first\n")


def test_check_staged_copies_only_what_check_reads(tmp_path: Path) -> None:
    """The repository's other files stay out of the copy: one whose checkout fails (a
    video kept with Git LFS, on a machine without git-lfs) blocked every commit, and a
    big one or thousands cost the hook their size. What a link in the site leads to in
    it comes along, as check reads it on disk."""
    site = tmp_path / "status"
    for folder in ("notices", "shared", "kept", "assets"):
        (site / folder).mkdir(parents=True)
    (site / "outpost.yaml").write_text(MINIMAL_CONFIG)
    (site / "shared" / "sign-in.md").write_text(GOOD)
    (site / "notices" / "2026-11-28-sign-in.md").symlink_to("../shared/sign-in.md")
    (site / "kept" / "404.html").write_text("{% extends 'nosuch.html' %}\n")
    (site / "templates").symlink_to("kept")
    (site / "assets" / "video.bin").write_text("frames\n")
    (site / ".gitattributes").write_text("*.bin filter=lfs\n")
    git(site, "init", "-q")
    for key, value in (("smudge", "false"), ("clean", "cat"), ("required", "true")):
        git(site, "config", f"filter.lfs.{key}", value)
    git(site, "add", ".")
    result = CliRunner().invoke(cli, ["--root", str(site), "check", "--staged"])
    assert (result.exit_code, result.output) == (1, (
        "templates/404.html:1: no template 'nosuch.html', neither in templates/ nor built "
        "in\n1 problem found.\n"))
    (site / "kept" / "404.html").write_text("<p>Not here.</p>\n")
    git(site, "add", ".")
    result = CliRunner().invoke(cli, ["--root", str(site), "check", "--staged"])
    assert (result.exit_code, result.output) == (0, "OK: outpost.yaml and 1 notice are valid.\n")
    # A link leading out of the site is named as check names it on disk; one to a file
    # not staged, as leading nowhere.
    (tmp_path / "private.md").write_text(GOOD)
    (site / "notices" / "2026-11-29-private.md").symlink_to("../../private.md")
    (site / "notices" / "2026-11-30-draft.md").symlink_to("../shared/draft.md")
    (site / "shared" / "draft.md").write_text(GOOD)
    git(site, "add", "notices")
    result = CliRunner().invoke(cli, ["--root", str(site), "check", "--staged"])
    assert (result.exit_code, result.output) == (1, (
        "notices/2026-11-29-private.md: symlink to a file outside the repository, not read: "
        "copy the notice into notices/\n"
        "notices/2026-11-30-draft.md: symlink to a file that does not exist\n"
        "2 problems found.\n"))


def test_check_staged_follows_absolute_links_inside_the_site(tmp_path: Path) -> None:
    """A link written with the site's absolute path (as 'ln -s "$PWD/shared/x.md"'
    makes it) leads to the staged file, as check reads it on disk: --staged called it
    a link out of the repository and blocked the commit."""
    site = tmp_path / "status"
    for folder in ("notices", "shared", "kept"):
        (site / folder).mkdir(parents=True)
    (site / "outpost.yaml").write_text(MINIMAL_CONFIG)
    (site / "shared" / "sign-in.md").write_text(GOOD)
    (site / "notices" / "2026-11-28-sign-in.md").symlink_to(site / "shared" / "sign-in.md")
    (site / "kept" / "404.html").write_text("{% extends 'nosuch.html' %}\n")
    (site / "templates").mkdir()
    (site / "templates" / "404.html").symlink_to(site / "kept" / "404.html")
    git(site, "init", "-q")
    git(site, "add", ".")
    assert CliRunner().invoke(cli, ["--root", str(site), "check"]).output == (
        "templates/404.html:1: no template 'nosuch.html', neither in templates/ nor built "
        "in\n1 problem found.\n")
    result = CliRunner().invoke(cli, ["--root", str(site), "check", "--staged"])
    assert (result.exit_code, result.output) == (1, (
        "templates/404.html:1: no template 'nosuch.html', neither in templates/ nor built "
        "in\n1 problem found.\n"))
    # The staged files are read, not those on disk, the site named by another path too.
    (site / "kept" / "404.html").write_text("<p>Not here.</p>\n")
    git(site, "add", ".")
    (site / "kept" / "404.html").write_text("{% extends 'nosuch.html' %}\n")
    (site / "shared" / "sign-in.md").write_text(BROKEN)
    (tmp_path / "alias").symlink_to(site)
    for root in (site, tmp_path / "alias"):
        result = CliRunner().invoke(cli, ["--root", str(root), "check", "--staged"])
        assert (result.exit_code, result.output) == (
            0, "OK: outpost.yaml and 1 notice are valid.\n")


def test_check_staged_follows_links_climbing_back_into_the_site(tmp_path: Path) -> None:
    """A relative link that climbs out of the site's folder and comes back into it by
    its name ('../../status/shared/x.md', or through a link beside the site) leads to
    the staged file, as check reads it on disk: --staged called it a link out of the
    repository and blocked the commit."""
    site = tmp_path / "status"
    for folder in ("notices", "shared", "kept", "templates"):
        (site / folder).mkdir(parents=True)
    (site / "outpost.yaml").write_text(MINIMAL_CONFIG)
    (site / "shared" / "sign-in.md").write_text(GOOD)
    (site / "notices" / "2026-11-28-sign-in.md").symlink_to("../../status/shared/sign-in.md")
    (tmp_path / "alias").symlink_to("status/kept")
    (site / "kept" / "404.html").write_text("{% extends 'nosuch.html' %}\n")
    (site / "templates" / "404.html").symlink_to("../../alias/404.html")
    git(site, "init", "-q")
    git(site, "add", ".")
    expected = ("templates/404.html:1: no template 'nosuch.html', neither in templates/ nor "
                "built in\n1 problem found.\n")
    assert CliRunner().invoke(cli, ["--root", str(site), "check"]).output == expected
    result = CliRunner().invoke(cli, ["--root", str(site), "check", "--staged"])
    assert (result.exit_code, result.output) == (1, expected)
    # The staged files are read, not those on disk; a climb that stays out is refused.
    git(site, "rm", "-q", "--cached", "templates/404.html")
    (site / "shared" / "sign-in.md").write_text(BROKEN)
    (tmp_path / "private.md").write_text(GOOD)
    (site / "notices" / "2026-11-29-private.md").symlink_to("../../status/../private.md")
    git(site, "add", "notices")
    result = CliRunner().invoke(cli, ["--root", str(site), "check", "--staged"])
    assert (result.exit_code, result.output) == (1, (
        "notices/2026-11-29-private.md: symlink to a file outside the repository, not read: "
        "copy the notice into notices/\n1 problem found.\n"))


def test_check_staged_parses_only_the_notices_the_cache_lacks(
        empty_repo: Path, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    """The site's cache serves every staged notice of the same bytes as one it holds, so
    a commit of one notice parses that notice alone: the hook parsed them all, 3 s of
    CPU at 10,000 notices for each commit. The copy's files leave nothing in the cache."""
    notices = empty_repo / "notices"
    for day in (26, 27, 28):
        (notices / f"2026-11-{day}-sign-in.md").write_text(GOOD)
    git(empty_repo, "init", "-q")
    git(empty_repo, "add", ".")
    assert run(empty_repo, "check", "--now", FIXED_NOW).exit_code == 0
    cache = {path.name: path.read_bytes() for path in (empty_repo / ".outpost-cache").iterdir()}
    (notices / "2026-11-27-sign-in.md").write_text(GOOD.replace("type: incident",
                                                                "type: outage"))
    git(empty_repo, "add", "notices")
    (notices / "2026-11-27-sign-in.md").write_text(GOOD)  # fixed on disk only
    parsed: list[str] = []
    parse = loader.parse_notice

    def counted_parse(text: str, path: str, *rest: Any) -> Notice:
        parsed.append(path)
        return parse(text, path, *rest)

    monkeypatch.setattr(loader, "parse_notice", counted_parse)
    result = run(empty_repo, "check", "--staged", "--now", FIXED_NOW)
    assert (result.exit_code, result.output) == (1, (
        "notices/2026-11-27-sign-in.md:3: 'type': expected one of incident, maintenance, "
        "received 'outage'\n1 problem found.\n"))
    assert parsed == ["notices/2026-11-27-sign-in.md"]
    assert {path.name: path.read_bytes()
            for path in (empty_repo / ".outpost-cache").iterdir()} == cache


def check_and_build_stop(root: Path, run: Run, problems: str, found: str) -> None:
    """check names ``problems`` (each line ending in a line break) and ``found``; the build
    names them too and writes nothing."""
    assert run(root, "check").output == f"{problems}{found}\n"
    result = run(root, "build", "--now", FIXED_NOW)
    assert (result.exit_code, result.output) == (
        1, f"{problems}{found} Build stopped: nothing was written.\n")
    assert not (root / "site").exists()


def test_a_template_that_is_no_regular_file_is_a_problem(empty_repo: Path, run: Run
                                                         ) -> None:
    """A named pipe (or a link to one) in templates/: the template loader passed over it,
    so check passed and the build used the built-in page instead of the override, with
    no word why. One hidden (an editor's) is no template."""
    templates = empty_repo / "templates"
    (templates / "parts").mkdir(parents=True)
    os.mkfifo(templates / "404.html")
    os.mkfifo(templates / ".editor-socket")
    (templates / "parts" / "nav.html").symlink_to("../404.html")
    problems = "".join(
        f"templates/{name}: not a regular file (a named pipe, a socket or a device), not "
        "read: put a template there or remove it\n" for name in ("404.html", "parts/nav.html"))
    check_and_build_stop(empty_repo, run, problems, "2 problems found.")


def test_a_template_larger_than_a_notice_may_be_is_a_problem(empty_repo: Path, run: Run
                                                            ) -> None:
    """An override past 1,000,000 bytes, a notice's limit and outpost.yaml's: a 60 MB one
    built, in 12 s and 340 MB of memory, every build after it too."""
    templates = empty_repo / "templates"
    templates.mkdir()
    (templates / "404.html").write_bytes(b"<p>x</p>\n" * 125_001)  # 1,000,008 bytes
    (templates / "notice.html").write_bytes(b"x" * 1_000_000)  # at the limit
    (templates / ".editor-backup").write_bytes(b"x" * 1_000_001)  # no template
    problem = "templates/404.html: file is larger than the limit of 1,000,000 bytes: shorten it\n"
    check_and_build_stop(empty_repo, run, problem, "1 problem found.")


def test_a_template_larger_than_a_notice_may_be_is_not_read(empty_repo: Path, run: Run
                                                            ) -> None:
    """check names such an override by its size alone: it parsed and compiled it too,
    which took 160 s and 16 GB of memory for 25 MB, to name its errors as well."""
    templates = empty_repo / "templates"
    templates.mkdir()
    (templates / "404.html").write_bytes(b"<p>x</p>\n" * 125_001 + b"{% if %}\n")
    problem = "templates/404.html: file is larger than the limit of 1,000,000 bytes: shorten it\n"
    assert run(empty_repo, "check").output == problem + "1 problem found.\n"


def test_a_template_too_large_is_found_through_a_symlinked_folder(empty_repo: Path, run: Run
                                                                  ) -> None:
    """Jinja reads through a symlink to a folder inside the repository: a file there over
    the limit was built, and check passed it."""
    (empty_repo / "shared").mkdir()
    (empty_repo / "shared" / "big.html").write_bytes(b"<p>x</p>\n" * 125_001)
    templates = empty_repo / "templates"
    templates.mkdir()
    (templates / "parts").symlink_to("../shared")
    (templates / "404.html").write_text('{% include "parts/big.html" %}\n')
    problem = ("templates/parts/big.html: file is larger than the limit of 1,000,000 bytes: "
               "shorten it\n")
    assert run(empty_repo, "check").output == problem + "1 problem found.\n"
    result = run(empty_repo, "build", "--now", FIXED_NOW)
    assert (result.exit_code, result.output) == (
        1, problem + "1 problem found. Build stopped: nothing was written.\n")


def test_a_template_link_leading_nowhere_is_a_problem(empty_repo: Path, run: Run) -> None:
    """A link in templates/ (or templates/ itself) to a file that is not there, or not
    staged: check passed it, and the build used the built-in page instead of the
    override, with no word why. An editor's lock (Emacs' '.#404.html') is no template."""
    templates = empty_repo / "templates"
    (empty_repo / "shared").mkdir()
    (empty_repo / "shared" / "404.html").write_text("<p>Not here.</p>\n")
    templates.mkdir()
    (templates / "404.html").symlink_to("../shared/404.html")
    (templates / ".#404.html").symlink_to("dana@host.1234:1700000000")
    (empty_repo / "notices" / ".gitkeep").write_text("")
    git(empty_repo, "init", "-q")
    git(empty_repo, "add", "outpost.yaml", "notices", "templates")
    assert run(empty_repo, "check").output == "OK: outpost.yaml and 0 notices are valid.\n"
    problem = ("templates/404.html: symlink leading nowhere, not read: restore what it "
               "leads to or remove it\n1 problem found.\n")
    assert run(empty_repo, "check", "--staged").output == problem
    (empty_repo / "shared" / "404.html").unlink()
    assert run(empty_repo, "check").output == problem
    result = run(empty_repo, "build", "--now", FIXED_NOW)
    assert (result.exit_code, result.output) == (1, problem.replace(
        "found.\n", "found. Build stopped: nothing was written.\n"))
    shutil.rmtree(templates)
    templates.symlink_to("shared/templates")
    assert run(empty_repo, "check").output == (
        "templates: symlink leading nowhere, not read: restore what it leads to or remove "
        "it\n1 problem found.\n")
