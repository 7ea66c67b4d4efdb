"""outpost init: the skeleton, its options, never overwriting, and that it builds."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement

from bench.ci import install_lines
from generator import REPOSITORY, __version__
from generator.app import schema
from generator.notices.loader import parse_notice
from generator.notices.scaffold import (
    EXAMPLE_NOTICE,
    InitOptions,
    config_text,
    detect_timezone,
    example_notice,
    make_options,
    skeleton_files,
)
from tests.conftest import FIXED_NOW, REPO, Run

EXPECTED_FILES = [
    ".gitattributes",
    ".github/workflows/check.yml",
    ".github/workflows/publish.yml",
    ".gitignore",
    "README.md",
    "notices/.gitkeep",
    "notices/example-delete-me.md",
    "outpost.yaml",
]
OPTIONS = ("--title", "Acme Status", "--timezone", "Europe/Berlin",
           "--base-url", "https://status.acme.test/status", "--component", "web=Website",
           "--component", "api=Public API")
NOT_A_TTY = ("Time zone: Etc/UTC (from /etc/localtime). Not asked because input is not a "
             "terminal; pass --timezone to choose another.\n")


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_init_with_options_builds_at_once(tmp_path: Path, run: Run) -> None:
    target = tmp_path / "status"
    result = run(tmp_path, "init", str(target), *OPTIONS)
    assert result.exit_code == 0, result.output
    assert files_under(target) == EXPECTED_FILES
    config = schema().parse((target / "outpost.yaml").read_text())
    assert config.title == "Acme Status"
    assert config.base_url == "https://status.acme.test/status/"
    assert config.timezone.key == "Europe/Berlin"
    assert [(c.id, c.name) for c in config.components] == [("web", "Website"),
                                                            ("api", "Public API")]
    assert "Next steps:\n  1. Edit " in result.output
    assert f"  2. Preview: cd {target} && outpost serve\n" in result.output
    assert "  3. Push: " in result.output and "git push" in result.output

    # The example notice is dated the day before init ran (the real clock), so the site
    # is built as its owner builds it next: now, not at a pinned time it may postdate.
    built = run(target, "build")
    assert built.exit_code == 0, built.output
    closed = (target / "site" / "closed" / "index.html").read_text()
    assert "Example notice: delete this file" in closed
    index = (target / "site" / "index.html").read_text()
    assert "<title>Open Notifications | Acme Status</title>" in index
    assert "Website" in index and "Public API" in index

    # Its updates are silent: a notify section turned on before it is deleted (as the
    # commented sample, 'since: 2d', reaches it) emails no contact about it.
    config_file = target / "outpost.yaml"
    config_file.write_text(config_file.read_text() + "notify:\n  since: 2d\n  from: "
                           "status@acme.test\n  smtp:\n    host: 127.0.0.1\n  contacts:\n"
                           "    - email: it@acme.test\n")
    planned = run(target, "notify", "--dry-run")
    assert planned.exit_code == 0, planned.output
    assert planned.output.splitlines()[0] == ("Dry run: would send 0 deliveries; nothing is "
                                              "sent or recorded.")
    assert "Not sent: 2 silent updates, 0 updates before the horizon." in planned.output


def test_a_new_site_keeps_its_notices_folder_in_git_with_no_notice(tmp_path: Path,
                                                                     run: Run) -> None:
    """Once the example is deleted, notices/.gitkeep (which the loader skips) keeps the
    folder in a clone: the check that refuses a site without it still passes."""
    target = tmp_path / "status"
    assert run(tmp_path, "init", str(target), *OPTIONS).exit_code == 0
    (target / EXAMPLE_NOTICE).unlink()
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "site"]):
        subprocess.run([*git, "-C", str(target), *args], check=True)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(target), str(clone)], check=True)
    assert files_under(clone / "notices") == [".gitkeep"]
    result = run(clone, "check")
    assert (result.exit_code, result.output) == (0, "OK: outpost.yaml and 0 notices are "
                                                    "valid.\n")


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org",
                           "-c", "core.autocrlf=false", "-C", str(root), *args],
                          capture_output=True, text=True, check=True).stdout


def test_a_notice_saved_with_crlf_merges_with_a_colleagues_update(tmp_path: Path,
                                                                  run: Run) -> None:
    """A Windows editor saving CRLF (core.autocrlf off) changes only the lines edited in
    git, so an update posted meanwhile in another clone merges; the authoring commands
    still read and write the CRLF file as it stands."""
    site = tmp_path / "status"
    assert run(tmp_path, "init", str(site), *OPTIONS).exit_code == 0
    (site / EXAMPLE_NOTICE).unlink()
    new = run(site, "new", "incident", "Checkout errors", "--component", "web",
              "--at", "2026-11-28 09:00", "-m", "Some customers see errors.")
    assert new.exit_code == 0, new.output
    notice = "notices/2026-11-28-checkout-errors.md"
    shared, ana, ben = tmp_path / "shared.git", tmp_path / "ana", tmp_path / "ben"
    _git(site, "init", "-q", "-b", "main")
    _git(site, "add", ".")
    _git(site, "commit", "-qm", "Status site")
    _git(tmp_path, "clone", "-q", "--bare", str(site), str(shared))
    for clone in (ana, ben):
        _git(tmp_path, "clone", "-q", str(shared), str(clone))
    # Ana fixes the title in an editor that saves every line with CRLF.
    text = (ana / notice).read_text().replace("Checkout errors", "Checkout errors in Europe")
    (ana / notice).write_bytes(text.replace("\n", "\r\n").encode())
    assert _git(ana, "diff", "--numstat") == f"1\t1\t{notice}\n"
    _git(ana, "commit", "-qam", "Title")
    _git(ana, "push", "-q", "origin", "main")
    # Ben posts an update meanwhile, then pulls Ana's title: no conflict.
    update = run(ben, "update", "checkout", "--status", "identified", "-m", "A bad deploy.",
                 "--at", "2026-11-28 09:30")
    assert update.exit_code == 0, update.output
    _git(ben, "commit", "-qam", "Identified")
    _git(ben, "pull", "-q", "--no-rebase", "origin", "main")
    merged = (ben / notice).read_text()
    assert "title: Checkout errors in Europe\n" in merged
    assert "## Identified - 2026-11-28 09:30\nA bad deploy.\n" in merged
    assert "<<<<<<<" not in merged and "\r" not in merged
    _git(ben, "push", "-q", "origin", "main")
    # Ana's editor saves the merged notice with CRLF again; resolve keeps CRLF in the
    # file, and git sees only the lines it added.
    _git(ana, "pull", "-q", "--no-rebase", "origin", "main")
    (ana / notice).write_bytes((ana / notice).read_bytes().replace(b"\n", b"\r\n"))
    resolved = run(ana, "resolve", "checkout", "--at", "2026-11-28 10:00")
    assert resolved.exit_code == 0, resolved.output
    written = (ana / notice).read_bytes()
    assert written.count(b"\r\n") == written.count(b"\n")
    assert _git(ana, "diff", "--numstat") == f"3\t0\t{notice}\n"
    checked = run(ana, "check", "--now", "2026-11-28 12:00")
    assert (checked.exit_code, checked.output) == (0, "OK: outpost.yaml and 1 notice are "
                                                      "valid.\n")


@pytest.mark.parametrize("cloned", [False, True])
def test_the_next_steps_run_as_printed_in_a_folder_with_spaces(tmp_path: Path, run: Run,
                                                               cloned: bool) -> None:
    """In a new folder, and in a clone of an empty repository (where git ignores
    'git init -b main', and the branch was 'master', which never runs Publish), the
    steps leave the site committed on main."""
    target = tmp_path / "acme status's site"
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    if cloned:
        subprocess.run(["git", "init", "-q", "--bare", "-b", "master", str(tmp_path / "r.git")],
                       check=True, env=env)
        subprocess.run(["git", "clone", "-q", str(tmp_path / "r.git"), str(target)],
                       check=True, env=env, capture_output=True)
    result = run(tmp_path, "init", str(target), *OPTIONS)
    assert result.exit_code == 0, result.output
    (push,) = re.findall(r"^  3\. Push: (.*), then add", result.output, re.MULTILINE)
    subprocess.run(["bash", "-c", push], check=True, env=env, capture_output=True)
    listed = subprocess.run(["git", "-C", str(target), "ls-files"], capture_output=True,
                            text=True, check=True).stdout
    assert listed.splitlines() == EXPECTED_FILES
    branch = subprocess.run(["git", "-C", str(target), "branch", "--show-current"],
                            capture_output=True, text=True, check=True).stdout
    assert branch == "main\n"


@pytest.mark.parametrize("linked", [False, True])
def test_git_ignores_the_built_site_even_as_a_symlink(tmp_path: Path, run: Run,
                                                      linked: bool) -> None:
    """site/ may be a symlink to the folder a web server serves (README): 'git add .',
    as init's next steps say, commits neither it nor what a build leaves."""
    target = tmp_path / "status"
    assert run(tmp_path, "init", str(target), *OPTIONS).exit_code == 0
    subprocess.run(["git", "-C", str(target), "init", "-q"], check=True)
    if linked:
        (tmp_path / "www").mkdir()
        (target / "site").symlink_to(tmp_path / "www")
    assert run(target, "build", "--now", FIXED_NOW).exit_code == 0
    status = subprocess.run(["git", "-C", str(target), "status", "--porcelain",
                             "--untracked-files=all"], capture_output=True, text=True,
                            check=True).stdout
    assert sorted(line[3:] for line in status.splitlines()) == EXPECTED_FILES


def test_init_without_a_terminal_says_which_zone(tmp_path: Path, run: Run) -> None:
    if os.environ.get("TZ") or os.path.realpath("/etc/localtime") != \
            "/usr/share/zoneinfo/Etc/UTC":
        pytest.skip("the exact message names this machine's Etc/UTC zone")
    result = run(tmp_path / "repo", "init")
    assert result.exit_code == 0, result.output
    assert result.stderr == NOT_A_TTY
    assert "timezone: Etc/UTC\n" in (tmp_path / "repo" / "outpost.yaml").read_text()
    assert "Created a status repository in " in result.stdout


def test_init_defaults_to_root(tmp_path: Path, run: Run) -> None:
    result = run(tmp_path / "here", "init", "--timezone", "UTC")
    assert result.exit_code == 0, result.output
    assert files_under(tmp_path / "here") == EXPECTED_FILES


def test_init_never_overwrites(tmp_path: Path, run: Run) -> None:
    target = tmp_path / "status"
    (target / "notices").mkdir(parents=True)
    (target / "outpost.yaml").write_text("mine\n")
    (target / "README.md").write_text("my readme\n")
    result = run(tmp_path, "init", str(target), "--timezone", "UTC")
    assert result.exit_code == 1
    assert result.output == (
        f"Error: These files exist already in {target}:\n  README.md\n  outpost.yaml\n"
        "Nothing was written. Use --force to overwrite them.\n")
    assert files_under(target) == ["README.md", "outpost.yaml"]
    assert (target / "outpost.yaml").read_text() == "mine\n"

    forced = run(tmp_path, "init", str(target), "--timezone", "UTC", "--force")
    assert forced.exit_code == 0, forced.output
    assert files_under(target) == EXPECTED_FILES
    assert (target / "outpost.yaml").read_text().startswith("# Outpost settings")


def test_init_under_a_file_size_limit_names_the_limit(tmp_path: Path) -> None:
    """A file the process may not write for its file size limit (ulimit -f) is named as
    that limit: the message was 'File too large' alone, as of a full disk. No file is
    written, nor any folder left (they had been, empty), and init runs again once the
    limit is raised."""
    import resource

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))

    target = tmp_path / "new" / "status"
    args = [sys.executable, "-m", "generator", "init", str(target), "--timezone", "UTC"]
    done = subprocess.run(args, capture_output=True, text=True, preexec_fn=limited,
                          check=False)
    assert (done.returncode, done.stdout + done.stderr) == (
        1, f"Error: cannot write the repository into {target}: a file would be larger than "
           "the file size limit this process runs under (1,024 bytes: see ulimit -f). "
           "Nothing was written: raise the limit and init again.\n")
    assert list(tmp_path.iterdir()) == []
    assert subprocess.run(args, capture_output=True, check=False).returncode == 0
    assert files_under(target) == EXPECTED_FILES


def test_a_failed_init_keeps_a_folder_that_was_there(tmp_path: Path) -> None:
    """Only the folders init made are removed when it fails: the target that existed,
    and what was in it, stay."""
    import resource

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))

    target = tmp_path / "status"
    (target / "notices").mkdir(parents=True)
    (target / "mine.txt").write_text("kept\n")
    args = [sys.executable, "-m", "generator", "init", str(target), "--timezone", "UTC"]
    done = subprocess.run(args, capture_output=True, text=True, preexec_fn=limited,
                          check=False)
    assert done.returncode == 1
    assert sorted(p.name for p in target.iterdir()) == ["mine.txt", "notices"]
    assert list((target / "notices").iterdir()) == []


@pytest.mark.parametrize("step", ["temp_beside", "replace"])
def test_init_interrupted_part_way_leaves_nothing(tmp_path: Path, run: Run,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  step: str) -> None:
    """A Ctrl-C or SIGTERM while init writes (staging the files, or renaming them in)
    ends with 'Aborted!' and leaves no file nor folder of init's: it left the folders
    it had made, and the files renamed in so far, a repository part made."""
    from generator.notices import scaffold

    real = scaffold.temp_beside if step == "temp_beside" else os.replace
    calls: list[object] = []

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    if step == "temp_beside":
        monkeypatch.setattr(scaffold, "temp_beside", interrupted)
    else:
        monkeypatch.setattr(scaffold.os, "replace", interrupted)
    result = run(tmp_path, "init", str(tmp_path / "new" / "status"), "--timezone", "UTC")
    monkeypatch.undo()
    assert (result.exit_code, result.output) == (1, "Aborted!\n")
    assert list(tmp_path.iterdir()) == []


def test_init_into_a_file_is_refused(tmp_path: Path, run: Run) -> None:
    (tmp_path / "taken").write_text("")
    result = run(tmp_path, "init", str(tmp_path / "taken"), "--timezone", "UTC")
    assert result.exit_code == 1
    assert result.output == f"Error: {tmp_path / 'taken'} exists and is not a folder.\n"


@pytest.mark.parametrize(("args", "message"), [
    (("--timezone", "CST"),
     "--timezone: 'CST' is not an IANA time zone such as 'America/Chicago': an offset or "
     "an abbreviation changes with daylight saving time: write the zone of the place, such "
     "as 'Europe/Berlin', which knows when it changes"),
    (("--timezone", "GMT"),
     "--timezone: 'GMT' is not an IANA time zone such as 'America/Chicago': it is UTC all "
     "year, not the UK's time, which moves to BST in the summer: write 'UTC', or "
     "'Europe/London' for the UK's time"),
    (("--timezone", "europe/berlin"),
     "--timezone: 'europe/berlin' is not an IANA time zone such as 'America/Chicago': did "
     "you mean 'Europe/Berlin'?"),
    (("--timezone", "Mars/Olympus"),
     "--timezone: 'Mars/Olympus' is not an IANA time zone such as 'America/Chicago'"),
    (("--timezone", "America"),
     "--timezone: 'America' is not an IANA time zone such as 'America/Chicago'"),
    (("--timezone", "Factory"),
     "--timezone: 'Factory' is tzdata's placeholder for a machine whose zone is not set, not "
     "a place: write an IANA name such as 'America/Chicago'"),
    (("--timezone", "UTC", "--base-url", "status.example.org"),
     "--base-url: expected an absolute http(s) URL such as 'https://status.example.org/', "
     "received 'status.example.org'"),
    (("--timezone", "UTC", "--base-url", "https://status.example.org/?x=1"),
     "--base-url: a base URL may not hold a query ('?...') or a fragment ('#...'): every "
     "link is made by adding a path to it"),
    (("--timezone", "UTC", "--base-url", "https://status..example.org/"),
     "--base-url: 'status..example.org' is not a host name: use letters, digits and hyphens "
     "between dots (such as 'status.example.org'), or an IP address"),
    (("--timezone", "UTC", "--component", "web"),
     "--component: 'web' should look like 'id=Name', such as 'web=Website'"),
    (("--timezone", "UTC", "--component", "Web Site=Web"),
     "--component: 'Web Site' is not an id of lowercase letters, digits and hyphens"),
    (("--timezone", "UTC", "--component", "web=A", "--component", "web=B"),
     "--component: id 'web' is given more than once"),
    (("--timezone", "UTC", "--title", "  "), "--title: expected non-empty text"),
    # What outpost check refuses in a title or name is named after the option (it was
    # named 'outpost.yaml:5', a file the user never wrote, and nothing was written).
    (("--timezone", "UTC", "--title", "My \u202eStatus"),
     "--title: must not hold the right-to-left override (U+202E), an invisible character "
     "that makes text read differently from what was written: remove it"),
    (("--timezone", "UTC", "--title", "My\x07Status"),
     "--title: character U+0007 is not allowed (a control character or a noncharacter): "
     "remove it"),
    (("--timezone", "UTC", "--title", "My\nStatus"),
     "--title: must be a single line (it holds a line break)"),
    (("--timezone", "UTC", "--title", "S" * 251),
     "--title: the title is 251 characters long, more than the limit of 250: shorten it"),
    (("--timezone", "UTC", "--component", "web=" + "N" * 101),
     "--component: the name of 'web' is 101 characters long, more than the limit of 100: "
     "shorten it"),
    (("--timezone", "UTC", "--component", "web=Web\u202esite"),
     "--component: the name of 'web': must not hold the right-to-left override (U+202E), an "
     "invisible character that makes text read differently from what was written: remove "
     "it"),
    # Bytes of an argument that are not UTF-8, kept by Python as lone surrogates.
    (("--timezone", "UTC", "--title", "caf\udce9"),
     "--title: not valid UTF-8 (byte 0xe9 at line 1): set the terminal to UTF-8"),
    (("--timezone", "UTC", "--component", "web=caf\udce9"),
     "--component: not valid UTF-8 (byte 0xe9 at line 1): set the terminal to UTF-8"),
    (("--timezone", "UTC", "--base-url", "https://caf\udce9.org/"),
     "--base-url: not valid UTF-8 (byte 0xe9 at line 1): set the terminal to UTF-8"),
])
def test_init_option_errors(tmp_path: Path, run: Run, args: tuple[str, ...],
                            message: str) -> None:
    """A value that is not one is a usage error (exit 2, as '--now soon' is); bytes
    the terminal sent that are not UTF-8 are a problem to fix, as in every command."""
    result = run(tmp_path / "repo", "init", *args)
    if "not valid UTF-8" in message:
        assert result.exit_code == 1
        assert result.output == f"Error: {message}\n"
    else:
        assert result.exit_code == 2
        assert result.output.startswith("Usage: cli init [OPTIONS] [DIRECTORY]\n")  # CliRunner
        assert result.output.endswith(f"\nError: {message}\n")
    assert not (tmp_path / "repo").exists()


def test_init_takes_utf8_arguments_python_read_as_ascii(tmp_path: Path, run: Run) -> None:
    """With UTF-8 mode off in the C locale (PYTHONUTF8=0), Python reads the UTF-8 bytes
    of 'Café' as 'Caf' and two lone surrogates: they are the text the user typed."""
    result = run(tmp_path / "repo", "init", "--timezone", "UTC", "--title", "Caf\udcc3\udca9",
                 "--component", "web=W\udcc3\udca9b")
    assert result.exit_code == 0, result.output
    config = (tmp_path / "repo" / "outpost.yaml").read_text(encoding="utf-8")
    assert 'title: "Café"\n' in config
    assert "Wéb" in config
    assert "(Café, UTC)" in result.output


def test_every_setting_has_a_comment() -> None:
    text = config_text(InitOptions(), schema())
    lines = text.splitlines()
    for field in schema().fields:
        index = next(i for i, line in enumerate(lines)
                     if re.match(rf"(# )?{field.name}:", line))
        assert lines[index - 1].startswith("# "), field.name
        assert lines[index - 1] != f"# {field.name}:"


def test_a_default_ending_a_sentence_is_not_followed_by_a_second_period() -> None:
    text = " ".join(line.lstrip("# ") for line in
                    config_text(InitOptions(), schema()).splitlines())
    assert not re.search(r"[^.]\.\.(?!\.)", text)  # an ellipsis '...' is fine
    assert "(Default: This page is hosted outside our network, so it stays up when our " \
           "other systems are down.)" in text


def uncomment_samples(text: str) -> str:
    """Turn every commented sample setting ('# key: value' and the indented lines of
    a commented '# key:' block) into a real one."""
    names = {f.name for f in schema().fields}
    lines, in_block = [], False
    for line in text.splitlines():
        key = re.match(r"# ([a-z_]+):( \S.*)?$", line)
        if key and key[1] in names:
            lines.append(line[2:])
            in_block = key[2] is None
        elif re.fullmatch(r"[a-z_]+:", line):
            lines.append(line)
            in_block = True
        elif in_block and line.startswith("#   "):
            lines.append(line[2:])
        else:
            lines.append(line)
            in_block = False
    return "\n".join(lines) + "\n"


def test_commented_samples_are_valid_when_uncommented() -> None:
    enabled = uncomment_samples(config_text(InitOptions(), schema()))
    names = {f.name for f in schema().fields}
    assert not [line for line in enabled.splitlines()
                if line.startswith("# ") and line[2:].split(":")[0] in names]
    config = schema().parse(enabled)
    assert config.home_url == "https://support.example.org/"
    assert config.mirrors == ("https://status-mirror.example.net/",)
    assert config.feed_items == 100
    assert [c.id for c in config.components] == ["website"]
    for name in (section.field.name for section in schema().sections):
        assert config.extra(name), f"the commented sample for '{name}:' is empty"


def test_titles_that_need_quotes_round_trip() -> None:
    for title in ("Acme: Status", "NO", "#1 status", "Café 'status'", 'Say "hi"', "null"):
        config = schema().parse(config_text(InitOptions(title=title), schema()))
        assert config.title == title


def test_example_notice_parses_and_is_marked_to_delete() -> None:
    options = make_options(None, "America/Chicago", None, ["web=Website"])
    now = datetime(2026, 11, 28, 12, tzinfo=UTC)
    text = example_notice(options, now)
    config = schema().parse(config_text(options, schema()))
    notice = parse_notice(text, EXAMPLE_NOTICE, "example-delete-me", config)
    assert notice.title == "Example notice: delete this file"
    assert notice.components == ("web",)
    assert sorted(u.at for u in notice.updates) == [datetime(2026, 11, 27, 15, tzinfo=UTC),
                                                    datetime(2026, 11, 27, 15, 40, tzinfo=UTC)]
    assert "Delete\n`notices/example-delete-me.md`" in text


INSTALL_STEP = [
    'uv venv --python 3.11 "$RUNNER_TEMP/outpost"',
    'uv pip install --offline --python "$RUNNER_TEMP/outpost" "outpost-status @ '
    f'git+https://github.com/outpost-status/outpost@v{__version__}" ||',
    'uv pip install --python "$RUNNER_TEMP/outpost" "outpost-status @ '
    f'git+https://github.com/outpost-status/outpost@v{__version__}"',
    'echo "$RUNNER_TEMP/outpost/bin" >> "$GITHUB_PATH"',
]


def test_workflows_install_the_release_tag_from_git() -> None:
    # outpost-status is not on the package index yet: the workflows install the git tag
    # of the version that ran init, with uv, into a virtualenv whose bin goes on PATH.
    files = skeleton_files(InitOptions(), datetime(2026, 11, 28, tzinfo=UTC), schema())
    for name in (".github/workflows/check.yml", ".github/workflows/publish.yml"):
        text = files[name].decode()
        assert install_lines(text) == INSTALL_STEP, name
        assert "@OUTPOST_" not in text and "outpost-status==" not in text, name
        (spec,) = set(re.findall(r'"(outpost-status @ [^"]+)"', text))
        requirement = Requirement(spec)
        assert (requirement.name, requirement.extras) == ("outpost-status", set())
        assert requirement.url == (f"git+https://github.com/outpost-status/outpost"
                                   f"@v{__version__}")
        ref = requirement.url.rsplit("@", 1)[1]
        assert re.fullmatch(r"v\d+\.\d+\.\d+|[0-9a-f]{40}", ref), ref  # pinned
        uses = [step.get("uses", "") for step in _job(files[name])["steps"]]
        assert "astral-sh/setup-uv@v7" in uses, name
    assert requirement.url == f"git+{REPOSITORY}@v{__version__}"
    assert files[".gitignore"].decode().splitlines()[2:4] == ["/site", ".outpost-cache/"]


def test_the_status_readme_tells_a_pipx_install_how_to_add_the_s3_extra() -> None:
    """The README init writes installs with pipx first; it told s3 sites to 'write
    outpost-status[s3] there', in the virtualenv's line, and left a pipx install, whose
    line names no package, to guess (pipx changes nothing without --force)."""
    files = skeleton_files(InitOptions(), datetime(2026, 11, 28, tzinfo=UTC), schema())
    text = " ".join(files["README.md"].decode().split())
    assert "@OUTPOST_" not in text
    (spec,) = re.findall(r'`pipx install --force "([^"]+)"`', text)
    requirement = Requirement(spec)
    assert (requirement.name, requirement.extras) == ("outpost-status", {"s3"})
    assert requirement.url == f"git+{REPOSITORY}@v{__version__}"


def test_publish_workflow_keeps_the_build_cache_between_runs() -> None:
    files = skeleton_files(InitOptions(), datetime(2026, 11, 28, tzinfo=UTC), schema())
    steps = _job(files[".github/workflows/publish.yml"])["steps"]
    names = [step.get("name") or step.get("uses") for step in steps]
    (cache,) = [step for step in steps if step.get("uses") == "actions/cache@v5"]
    assert cache["with"] == {
        "path": ".outpost-cache\nsite\n",
        "key": f"outpost-cache-{__version__}-${{{{ hashFiles('notices/**', 'outpost.yaml', "
               "'templates/**') }}",
        "restore-keys": f"outpost-cache-{__version__}-"}
    # Restored before anything reads it.
    assert names.index("actions/cache@v5") < names.index("Check")
    uv = next(step for step in steps if step.get("uses") == "astral-sh/setup-uv@v7")
    assert uv["with"] == {"enable-cache": True,
                          "cache-dependency-glob": ".github/workflows/*.yml",
                          "cache-suffix": "${{ steps.month.outputs.month }}",
                          "prune-cache": False}
    month = next(step for step in steps if step.get("id") == "month")
    assert month["run"] == 'echo "month=$(date -u +%Y-%m)" >> "$GITHUB_OUTPUT"'
    assert names.index(month["name"]) < names.index("astral-sh/setup-uv@v7")
    # This repository's own publish workflow does the same, keyed on its own code.
    own = _job((REPO / ".github" / "workflows" / "publish.yml").read_bytes())["steps"]
    (own_cache,) = [step for step in own if step.get("uses") == "actions/cache@v5"]
    assert own_cache["with"]["path"] == ".outpost-cache\nsite\n"  # pages' bytes: in site/
    assert own_cache["with"]["restore-keys"] == (
        "outpost-cache-${{ hashFiles('generator/**', 'pyproject.toml') }}-")


def test_detect_timezone(tmp_path: Path) -> None:
    link = tmp_path / "localtime"
    link.symlink_to("/usr/share/zoneinfo/Asia/Tokyo")
    assert detect_timezone({"TZ": ":Europe/Paris"}, link) == ("Europe/Paris", "the TZ variable")
    assert detect_timezone({"TZ": "EST5EDT"}, link) == ("Asia/Tokyo", str(link))
    # Names that are not a place's zone are passed over: the next source is asked.
    for name in ("localtime", "Factory", "America", "posix/America", "right/posixrules"):
        assert detect_timezone({"TZ": name}, link) == ("Asia/Tokyo", str(link))
    assert detect_timezone({}, tmp_path / "missing") == ("UTC", "no zone found on this machine")
    plain = tmp_path / "plain"
    plain.write_bytes(b"TZif")
    assert detect_timezone({}, plain) == ("UTC", "no zone found on this machine")


@pytest.mark.parametrize("copies", ["posix", "right"])
def test_detect_timezone_reads_a_copy_of_a_zone_as_the_zone(tmp_path: Path,
                                                            copies: str) -> None:
    """posix/ and right/ hold copies of the plain zones: the zone is the plain one."""
    assert detect_timezone({"TZ": f":/usr/share/zoneinfo/{copies}/Europe/Berlin"},
                           tmp_path / "missing") == ("Europe/Berlin", "the TZ variable")
    assert detect_timezone({"TZ": f"{copies}/Europe/Paris"}, tmp_path / "missing") == (
        "Europe/Paris", "the TZ variable")
    link = tmp_path / "localtime"
    link.symlink_to(f"/usr/share/zoneinfo/{copies}/America/Chicago")
    assert detect_timezone({}, link) == ("America/Chicago", str(link))
    relative = tmp_path / "relative"
    relative.symlink_to(f"../usr/share/zoneinfo/{copies}/Asia/Tokyo")
    assert detect_timezone({"TZ": "EST5EDT"}, relative) == ("Asia/Tokyo", str(relative))


def test_repository_templates_override_built_in_ones(tmp_path: Path, run: Run) -> None:
    target = tmp_path / "status"
    assert run(tmp_path, "init", str(target), "--timezone", "UTC").exit_code == 0
    (target / "templates").mkdir()
    (target / "templates" / "404.html").write_text(
        '{% extends "base.html" %}{% block title %}Lost{% endblock %}'
        "{% block content %}<p>Our own 404 for {{ config.title }}</p>{% endblock %}")
    result = run(target, "build", "--now", FIXED_NOW)
    assert result.exit_code == 0, result.output
    page = (target / "site" / "404.html").read_text()
    assert "<p>Our own 404 for Service Status</p>" in page
    assert "<title>Lost | Service Status</title>" in page


def test_version(tmp_path: Path, run: Run) -> None:
    result = run(tmp_path, "--version")
    assert result.exit_code == 0
    assert result.output == f"outpost, version {__version__}\n"


def _read_until(fd: int, needle: bytes, seen: bytearray, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while needle not in seen:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"waited for {needle!r}; got {bytes(seen)!r}"
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                chunk = b""
            assert chunk, f"ended before {needle!r}; got {bytes(seen)!r}"
            seen.extend(chunk)


def test_init_confirms_the_zone_on_a_terminal(tmp_path: Path) -> None:
    """A real pseudo-terminal: decline the detected zone, mistype one, then give one."""
    link = "/usr/share/zoneinfo/America/Chicago"
    controller, follower = pty.openpty()
    env = {**os.environ, "TZ": link}
    process = subprocess.Popen([sys.executable, "-m", "generator", "init", str(tmp_path / "s")],
                               stdin=follower, stdout=follower, stderr=follower, env=env)
    os.close(follower)
    seen = bytearray()
    try:
        _read_until(controller, b"Time zone for the site: America/Chicago (from the TZ "
                                b"variable). Use it? [Y/n]: ", seen)
        os.write(controller, b"n\n")
        _read_until(controller, b"IANA time zone (such as America/Chicago): ", seen)
        os.write(controller, b"CST\n")
        _read_until(controller, b"Error: 'CST' is not an IANA time zone", seen)
        os.write(controller, b"Asia/Tokyo\n")
        _read_until(controller, b"Next steps:", seen)
        assert process.wait(timeout=20) == 0
    finally:
        process.kill()
        os.close(controller)
    assert "timezone: Asia/Tokyo\n" in (tmp_path / "s" / "outpost.yaml").read_text()


def test_readme_documents_every_template_variable(example_repo: Path) -> None:
    """Each variable a page template receives is named in README's Templates section."""
    from jinja2 import pass_context
    from jinja2.runtime import Context

    from generator.app import project
    from generator.build.inputs import load_valid
    from generator.core.timeline import select
    from generator.core.times import parse_now
    from generator.render.pages import make_site, render_pages

    templates = example_repo / "templates"
    templates.mkdir()
    pages = ("open.html", "closed.html", "notice.html", "404.html", "subscribe.html")
    for name in pages:
        (templates / name).write_text("{{ variables() }}\n")
    checked = load_valid(project(example_repo), "")
    now = parse_now(FIXED_NOW, checked.config.timezone)
    site = make_site(checked.config, select(checked.notices, now, checked.config),
                     checked.notices, example_repo)
    builtins = set(site.templates.globals)

    @pass_context
    def variables(context: Context) -> str:
        return " ".join(sorted(set(context.keys()) - builtins - {"variables"}))

    site.templates.globals["variables"] = variables
    rendered = render_pages(site)
    names = {name for path, made in rendered.items() if path.endswith(".html")
             for name in (made if isinstance(made, bytes) else made.render()).decode().split()}
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Templates\n", 1)[1].split("\n## ", 1)[0]
    assert {"config", "snapshot", "root", "item", "component_groups"} <= names
    missing = sorted(name for name in names if f"`{name}`" not in section)
    assert not missing, f"README's Templates section lacks {missing}"


def test_a_file_in_place_of_a_folder_is_refused(tmp_path: Path, run: Run) -> None:
    target = tmp_path / "status"
    target.mkdir()
    (target / "notices").write_text("a file where the folder should be\n")
    result = run(tmp_path, "init", str(target), "--timezone", "UTC")
    assert result.exit_code == 1
    assert result.output == (f"Error: {target / 'notices'} is a file where Outpost needs a "
                             "folder. Nothing was written.\n")
    assert files_under(target) == ["notices"]


def _job(workflow: bytes) -> dict[str, Any]:
    import yaml

    data = yaml.safe_load(workflow)
    (job,) = data["jobs"].values()
    return dict(job)


def _steps(workflow: bytes) -> list[str]:
    return [step.get("run", step.get("uses", "")).strip() for step in _job(workflow)["steps"]]


def test_workflows_run_the_documented_commands() -> None:
    files = skeleton_files(InitOptions(), datetime(2026, 11, 28, tzinfo=UTC), schema())
    check = _steps(files[".github/workflows/check.yml"])
    first, offline, online, path = INSTALL_STEP
    install = f"{first}\n{offline}\n  {online}\n{path}"
    assert check[4:] == [install, "outpost check --format github",
                         'outpost build --out "$RUNNER_TEMP/site"']
    publish = _steps(files[".github/workflows/publish.yml"])
    assert publish[4] == install
    commands = [step for step in publish if step.startswith("outpost ")]
    assert commands == ["outpost check --format github", "outpost build",
                        "outpost publish --primary", "outpost publish --mirrors",
                        "outpost verify"]
    assert "outpost notify" in publish[-1]
    # Notify waits for the primary target only: a mirror that fails keeps no one
    # from being told; the mirrors and verify run even when the primary failed.
    steps = {step.get("name"): step for step in _job(files[".github/workflows/publish.yml"])[
        "steps"]}
    assert steps["Build"]["id"] == "build" and steps["Publish to the primary target"][
        "id"] == "primary"
    after_build = "${{ !cancelled() && steps.build.outcome == 'success' }}"
    assert steps["Publish to the mirrors"]["if"] == after_build
    assert steps["Verify every target"]["if"] == after_build
    assert steps["Notify"]["if"] == "${{ !cancelled() && steps.primary.outcome == 'success' }}"
    # This repository's own workflows run the same commands, from a checkout.
    own_check = _steps((REPO / ".github" / "workflows" / "check.yml").read_bytes())
    assert "outpost check --format github" in own_check
    own_publish = _steps((REPO / ".github" / "workflows" / "publish.yml").read_bytes())
    own_commands = [step for step in own_publish if step.startswith("outpost ")]
    assert own_commands == commands
    assert "outpost notify" in own_publish[-1]


def _shipped_workflows() -> dict[str, dict[str, Any]]:
    """Every workflow Outpost ships: `outpost init`'s and this repository's own."""
    import yaml

    files = skeleton_files(InitOptions(), datetime(2026, 11, 28, tzinfo=UTC), schema())
    shipped = {f"init {name}": yaml.safe_load(files[f".github/workflows/{name}"])
               for name in ("check.yml", "publish.yml")}
    for path in sorted((REPO / ".github" / "workflows").glob("*.yml")):
        shipped[f"own {path.name}"] = yaml.safe_load(path.read_bytes())
    return shipped


def test_workflows_ask_for_the_least_permissions() -> None:
    # Check only reads; Publish pushes (gh-pages, outpost-state) and nothing more. An
    # id-token grant would hand every step, Build's templates included, the means to
    # mint an OIDC token; it is added with the OIDC step only (README).
    for name, workflow in _shipped_workflows().items():
        wanted = {"contents": "write" if "publish" in name else "read"}
        assert workflow["permissions"] == wanted, name
        for job in workflow["jobs"].values():
            assert "permissions" not in job, name


def test_publish_workflows_build_the_tip_of_main() -> None:
    # Every run publishes what main holds when it starts, not its event's commit: a
    # re-run of an older run would otherwise publish older notices over newer ones, and
    # a manual run started from another branch would publish that branch's drafts.
    for name, workflow in _shipped_workflows().items():
        if "publish" not in name:
            continue
        assert workflow[True]["push"] == {"branches": ["main"]}, name  # YAML 1.1: on
        (checkout,) = [step for step in workflow["jobs"]["publish"]["steps"]
                       if step.get("uses", "").startswith("actions/checkout@")]
        assert checkout["with"] == {"ref": "main", "persist-credentials": False}, name


# The first major of each action that runs on Node 24: GitHub runners dropped Node 20
# (September 2026), and an action declaring it logs a deprecation warning on every run.
# setup-uv publishes no moving tag after v7.
NODE24_ACTIONS = {"actions/checkout@v5", "actions/setup-python@v6", "actions/cache@v5",
                  "astral-sh/setup-uv@v7"}


def test_workflows_use_actions_that_run_on_node_24() -> None:
    for name, workflow in _shipped_workflows().items():
        for job in workflow["jobs"].values():
            uses = {step["uses"] for step in job["steps"] if "uses" in step}
            assert uses <= NODE24_ACTIONS, (name, uses - NODE24_ACTIONS)


def test_workflows_run_their_scripts_with_pipefail() -> None:
    # GitHub runs a run: script with bash -e alone unless shell: bash is named, so a
    # failing command piped into another would pass; bench.ci replays them the same way.
    for name, workflow in _shipped_workflows().items():
        assert workflow["defaults"] == {"run": {"shell": "bash"}}, name
        for job in workflow["jobs"].values():
            assert all("shell" not in step for step in job["steps"]), name


NOTIFY_BODY = ("  since: 2d\n  from: status@example.org\n  smtp:\n    host: smtp.example.org\n"
               "  contacts:\n    - email: it-team@example.org\n")


@pytest.mark.parametrize("key", ["notify:", "notify :", '"notify":', "'notify':"])
def test_the_notify_step_notifies_whenever_outpost_yaml_has_the_section(
        tmp_path: Path, run: Run, key: str) -> None:
    # Check accepts the key quoted or spaced (YAML reads them alike); the Notify step
    # used to look for 'notify:' alone and told no one, with the run green.
    site = tmp_path / "status"
    assert run(tmp_path, "init", str(site), *OPTIONS).exit_code == 0
    plain = (site / "outpost.yaml").read_text()
    (site / "outpost.yaml").write_text(f"{plain}\n{key}\n{NOTIFY_BODY}")
    assert run(site, "check").exit_code == 0
    env = os.environ | {"PATH": f"{Path(sys.executable).parent}{os.pathsep}"
                                f"{os.environ['PATH']}"}
    for name, workflow in _shipped_workflows().items():
        if "publish" not in name:
            continue
        (notify,) = [s for s in workflow["jobs"]["publish"]["steps"] if s.get("name") == "Notify"]
        script = notify["run"].replace("outpost notify",
                                       "outpost notify --dry-run --now 2026-11-30T12:00:00Z")
        said = subprocess.run(["bash", "-eo", "pipefail", "-c", script], cwd=site, env=env,
                              capture_output=True, text=True, check=True).stdout
        assert said.startswith("Dry run: would send "), (name, said)
        (site / "outpost.yaml").write_text(plain)
        said = subprocess.run(["bash", "-eo", "pipefail", "-c", script], cwd=site, env=env,
                              capture_output=True, text=True, check=True).stdout
        assert said.startswith("No notify: section in outpost.yaml; "), (name, said)
        (site / "outpost.yaml").write_text(f"{plain}\n{key}\n{NOTIFY_BODY}")
