"""bench/ci.py: the local replay of the publish workflow (it never asserts on timings)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from bench import ci
from tests.conftest import REPO

WORKFLOW = """\
name: Publish
on: {push: {branches: [main]}}
jobs:
  publish:
    runs-on: ubuntu-latest
    env:
      REGION: ${{ vars.AWS_REGION || 'us-east-1' }}
      TOKEN: ${{ secrets.TOKEN }}
    steps:
      - uses: actions/checkout@v4
      - id: built
        uses: actions/cache@v4
        with:
          path: .outpost-cache
          key: built-${{ runner.os }}-${{ hashFiles('notices/**') }}
          restore-keys: built-${{ runner.os }}-
      - name: Install a tool
        run: |
          mkdir -p "$RUNNER_TEMP/tools"
          printf '#!/bin/sh\\necho "tool $*"\\n' > "$RUNNER_TEMP/tools/tool"
          chmod +x "$RUNNER_TEMP/tools/tool"
          echo "$RUNNER_TEMP/tools" >> "$GITHUB_PATH"
          echo "GREETING=hello" >> "$GITHUB_ENV"
      - name: Use it
        run: tool "$GREETING" "$REGION" "[$TOKEN]" && ls .outpost-cache 2>/dev/null || true
      - name: Only without a cache hit
        if: steps.built.outputs.cache-hit != 'true'
        run: mkdir -p .outpost-cache && echo run-${{ github.run_id }} > .outpost-cache/marker
"""


@pytest.fixture
def source(tmp_path: Path) -> Path:
    repo = tmp_path / "source"
    (repo / "notices").mkdir(parents=True)
    (repo / "notices" / "a.md").write_text("a\n")
    (repo / "outpost.yaml").write_text("title: t\n")
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "publish.yml").write_text(WORKFLOW)
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "one"], check=True)
    return repo


def test_expressions(tmp_path: Path) -> None:
    (tmp_path / "notices" / "sub").mkdir(parents=True)
    (tmp_path / "notices" / "a.md").write_text("a")
    (tmp_path / "notices" / "sub" / "b.md").write_text("b")
    context = ci.Context(7, tmp_path, {"venv": {"cache-hit": "true"}})
    digests = [hashlib.sha256(b"a").digest(), hashlib.sha256(b"b").digest()]
    expected = hashlib.sha256(b"".join(digests)).hexdigest()
    assert ci.evaluate("hashFiles('notices/**')", context) == expected
    assert ci.evaluate("hashFiles('nothing/**')", context) == ""
    assert ci.evaluate("vars.AWS_REGION || 'us-east-1'", context) == "us-east-1"
    assert ci.evaluate("secrets.TOKEN", context) == ""
    assert ci.condition("steps.venv.outputs.cache-hit != 'true'", context) is False
    assert ci.condition("${{ steps.other.outputs.cache-hit != 'true' }}", context) is True
    assert ci.condition("success()", context) is True
    assert ci.condition(None, context) is True
    assert ci.interpolate("k-${{ runner.os }}-${{ github.run_id }}", context) == "k-Linux-7"
    with pytest.raises(ci.ReplayError, match=r"^unsupported expression: github\.sha$"):
        ci.evaluate("github.sha", context)
    with pytest.raises(ci.ReplayError, match=r"^unsupported function: fromJSON\(\)$"):
        ci.evaluate("fromJSON('1')", context)


def test_install_lines_are_read_from_the_workflow() -> None:
    text = (REPO / ".github" / "workflows" / "publish.yml").read_text()
    assert ci.install_lines(text) == [
        'uv venv --python 3.11 "$RUNNER_TEMP/outpost"',
        'uv pip install --offline --python "$RUNNER_TEMP/outpost" . ||',
        'uv pip install --python "$RUNNER_TEMP/outpost" .',
        'echo "$RUNNER_TEMP/outpost/bin" >> "$GITHUB_PATH"']
    with pytest.raises(ci.ReplayError, match=r"^no step named 'Install \.\.\.'"):
        ci.install_lines("jobs:\n  a:\n    steps:\n      - run: echo\n")


def test_replay_runs_steps_as_a_runner_does(source: Path, tmp_path: Path) -> None:
    caches = tmp_path / "caches"
    target = tmp_path / "target.git"
    lines: list[str] = []
    first = ci.Replay(source, "HEAD", tmp_path / "work", caches, target, 1,
                      log=lines.append).run(WORKFLOW)
    names = [t.name for t in first]
    assert names == ["actions/checkout@v4", "actions/cache@v4", "Install a tool", "Use it",
                     "Only without a cache hit", "Post: save .outpost-cache (actions/cache)"]
    assert [t.kind for t in first] == ["checkout", "cache", "install", "runner", "runner",
                                       "cache"]
    use = first[3].output
    assert use == "tool hello us-east-1 []\n"  # GITHUB_PATH, GITHUB_ENV, job env, no secret
    assert first[-1].output == "saved"
    # The checkout got a publish target (the local bare repository).
    config = (tmp_path / "work" / "runner" / "workspace" / "outpost.yaml").read_text()
    assert config.endswith(f"publish:\n  - name: pages\n    type: git\n    remote: {target}\n"
                           "    branch: gh-pages\n")
    # The next run restores the cache (an exact hit: the notices did not change).
    second = ci.Replay(source, "HEAD", tmp_path / "work", caches, target, 2).run(WORKFLOW)
    assert [t.name for t in second][-2:] == ["Use it", "Post: save .outpost-cache "
                                             "(actions/cache)"]
    assert second[3].output == "tool hello us-east-1 []\nmarker\n"
    assert second[-1].output == "exact hit: not saved"
    marker = tmp_path / "work" / "runner" / "workspace" / ".outpost-cache" / "marker"
    assert marker.read_text() == "run-1\n"
    assert any(line.endswith("Install a tool") for line in lines)
    table = "\n".join(ci.summary([first, second], "t"))
    assert "| actions/checkout@v4 *(GitHub's part)* |" in table
    assert "| **Outpost's part** |" in table


def test_a_cache_step_keeps_every_path_it_lists(source: Path, tmp_path: Path) -> None:
    """The publish workflows keep `.outpost-cache` and `site` in one cache step."""
    workflow = WORKFLOW.replace(
        "          path: .outpost-cache\n",
        "          path: |\n            .outpost-cache\n            site\n").replace(
        "echo run-${{ github.run_id }} > .outpost-cache/marker",
        "echo run-${{ github.run_id }} > .outpost-cache/marker && mkdir -p site && "
        "echo page-${{ github.run_id }} > site/index.html")
    caches, target = tmp_path / "caches", tmp_path / "target.git"
    first = ci.Replay(source, "HEAD", tmp_path / "work", caches, target, 1).run(workflow)
    assert (first[-1].name, first[-1].output) == (
        "Post: save .outpost-cache and site (actions/cache)", "saved")
    ci.Replay(source, "HEAD", tmp_path / "work", caches, target, 2).run(workflow)
    workspace = tmp_path / "work" / "runner" / "workspace"
    assert (workspace / ".outpost-cache" / "marker").read_text() == "run-1\n"
    assert (workspace / "site" / "index.html").read_text() == "page-1\n"


def test_replay_reports_a_failing_step(source: Path, tmp_path: Path) -> None:
    broken = WORKFLOW.replace('tool "$GREETING"', "false && tool")
    with pytest.raises(ci.ReplayError, match=r"^exit 1: false && tool"):
        ci.Replay(source, "HEAD", tmp_path / "work", tmp_path / "c", tmp_path / "t", 1
                  ).run(broken.replace("|| true", ""))
    with pytest.raises(ci.ReplayError, match=r"^unsupported action: actions/upload-pages"):
        ci.Replay(source, "HEAD", tmp_path / "w2", tmp_path / "c", tmp_path / "t", 1).run(
            WORKFLOW.replace("actions/cache@v4", "actions/upload-pages-artifact@v3"))


@pytest.mark.slow
def test_replay_of_this_repository_publish_workflow(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "bench.ci", "--runs", "1", "--work",
                           str(tmp_path)], cwd=REPO, capture_output=True, text=True,
                          timeout=900, check=False,
                          env=ci.os.environ | {"UV_SYSTEM_CERTS": "1"})
    assert done.returncode == 0, done.stderr[-3000:]
    for step in ("Install Outpost", "Check", "Build", "Publish to the primary target",
                 "Publish to the mirrors", "Verify every target", "Notify"):
        assert f"| {step} | " in done.stdout, step
    assert "| **Outpost's part** | **" in done.stdout
    branches = subprocess.run(["git", "-C", str(tmp_path / "rev-0" / "target.git"), "branch"],
                              capture_output=True, text=True, check=True).stdout
    assert "gh-pages" in branches


@pytest.mark.slow
def test_replay_of_the_skeleton_workflow_installs_the_tag(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "bench.ci", "--skeleton", "--runs", "1",
                           "--work", str(tmp_path)], cwd=REPO, capture_output=True, text=True,
                          timeout=900, check=False,
                          env=ci.os.environ | {"UV_SYSTEM_CERTS": "1"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert "outpost-status @ git+https://github.com/outpost-status/outpost@v" in done.stdout
    for step in ("Install Outpost", "Check", "Build", "Publish to the primary target",
                 "Publish to the mirrors", "Verify every target", "Notify"):
        assert f"| {step} | " in done.stdout, step


def test_replay_with_synthetic_notices(source: Path, tmp_path: Path) -> None:
    replay = ci.Replay(source, "HEAD", tmp_path / "work", tmp_path / "c", tmp_path / "t", 1,
                       notices=20)
    replay.run(WORKFLOW)
    workspace = tmp_path / "work" / "runner" / "workspace"
    names = sorted(p.name for p in (workspace / "notices").glob("*.md"))
    assert len(names) == 20 and "a.md" not in names
    config = (workspace / "outpost.yaml").read_text()
    assert config.startswith("title: Benchmark Support Notifications\n")
    assert config.endswith("    branch: gh-pages\n")


@pytest.mark.parametrize("workflow", [
    REPO / ".github" / "workflows" / "publish.yml",
    REPO / "generator" / "notices" / "skeleton" / "github" / "workflows" / "publish.yml"])
def test_publish_steps_keep_the_credentials_an_oidc_step_exported(
        source: Path, tmp_path: Path, workflow: Path) -> None:
    """aws-actions/configure-aws-credentials (an OIDC role, README) exports the role's keys
    through $GITHUB_ENV; a step's own env: overrides those, so the secrets it names, unset
    with a role, must not blank them."""
    steps = yaml.safe_load(workflow.read_text())["jobs"]["publish"]["steps"]
    aws = [step for step in steps if "AWS_ACCESS_KEY_ID" in (step.get("env") or {})]
    assert [step["name"] for step in aws] == ["Publish to the primary target",
                                              "Publish to the mirrors",
                                              "Verify every target", "Notify"]
    show = 'echo "[$AWS_ACCESS_KEY_ID] [$AWS_SECRET_ACCESS_KEY] [$AWS_REGION]"'
    role = ('printf "%s\\n" AWS_ACCESS_KEY_ID=ASIAROLE AWS_SECRET_ACCESS_KEY=role-secret '
            'AWS_REGION=eu-west-1 >> "$GITHUB_ENV"')
    job: dict[str, Any] = {"steps": [{"uses": "actions/checkout@v4"},
                                     {"name": "OIDC role", "run": role}]}
    job["steps"] += [{"name": step["name"], "env": step["env"], "run": show} for step in aws]
    text = yaml.safe_dump({"jobs": {"publish": job}})
    times = ci.Replay(source, "HEAD", tmp_path / "w", tmp_path / "c", tmp_path / "t", 1).run(
        text)
    assert [t.output for t in times[2:]] == ["[ASIAROLE] [role-secret] [eu-west-1]\n"] * 4
    # Without a role (and with no secrets in this replay) the region keeps its default.
    del job["steps"][1]
    times = ci.Replay(source, "HEAD", tmp_path / "w", tmp_path / "c", tmp_path / "t", 2).run(
        yaml.safe_dump({"jobs": {"publish": job}}))
    assert [t.output for t in times[1:]] == ["[] [] [us-east-1]\n"] * 4


def test_run_steps_get_the_shell_a_runner_gives_them(source: Path, tmp_path: Path) -> None:
    # With no shell named a runner runs bash -e alone: a pipe's failing first command goes
    # unnoticed. shell: bash (here the workflow's default) adds -o pipefail.
    use = 'tool "$GREETING" "$REGION" "[$TOKEN]" && ls .outpost-cache 2>/dev/null || true'
    piped = WORKFLOW.replace(use, "false | tool piped")
    replay = ci.Replay(source, "HEAD", tmp_path / "w1", tmp_path / "c", tmp_path / "t", 1)
    assert replay.run(piped)[3].output == "tool piped\n"
    strict = piped.replace("jobs:\n", "defaults: {run: {shell: bash}}\njobs:\n")
    with pytest.raises(ci.ReplayError, match=r"^exit 1: false \| tool"):
        ci.Replay(source, "HEAD", tmp_path / "w2", tmp_path / "c", tmp_path / "t", 1
                  ).run(strict)
    with pytest.raises(ci.ReplayError, match=r"^unsupported shell: pwsh$"):
        ci.Replay(source, "HEAD", tmp_path / "w3", tmp_path / "c", tmp_path / "t", 1).run(
            piped.replace("jobs:\n", "defaults: {run: {shell: pwsh}}\njobs:\n"))
