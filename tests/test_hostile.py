"""Hostile input: output targets that must never be replaced, files that must not block
a build, values that must not reach a line-based format, secrets that must never be
echoed. Each test reproduces what a tester did, through the real command."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import FIXED_NOW, MINIMAL_CONFIG, SLOW_SIGN_IN, Run
from tests.fixtures import notify_repo_for
from tests.notify_repo import NOW as NOTIFY_NOW
from tests.notify_servers import HookServer, MailServer
from tests.publish_support import outpost_process


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


# 1. The guard against replacing the repository ------------------------------------


def test_out_reached_through_a_symlink_is_refused(example_repo: Path, run: Run,
                                                  tmp_path: Path) -> None:
    parent = tmp_path / "srv"
    parent.mkdir()
    (parent / "index.html").write_text("an old site")
    (parent / "other-project.txt").write_text("precious")
    shutil.move(example_repo, parent / "repo")
    (tmp_path / "rlink").symlink_to(parent)
    result = run(tmp_path / "rlink" / "repo", "build", "--out", str(parent), "--now", FIXED_NOW)
    assert result.exit_code == 1
    assert result.output == (f"Error: refusing to build into {parent}: it holds the notices "
                             "repository; choose another --out folder\n")
    assert (parent / "other-project.txt").read_text() == "precious"
    assert (parent / "repo" / "outpost.yaml").is_file()


def test_out_dot_dot_is_refused(example_repo: Path) -> None:
    (example_repo.parent / "index.html").write_text("an old site")
    result = subprocess.run([sys.executable, "-m", "generator", "build", "--out", "..",
                             "--now", FIXED_NOW], cwd=example_repo, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr == (f"Error: refusing to build into {example_repo}/..: it holds the "
                             "notices repository; choose another --out folder\n")
    assert (example_repo / "outpost.yaml").is_file()


def test_out_holding_the_home_folder_is_refused(example_repo: Path, run: Run,
                                                tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "people" / "ann"
    home.mkdir(parents=True)
    (home / "thesis.txt").write_text("precious")
    (tmp_path / "people" / "index.html").write_text("an old site")
    monkeypatch.setenv("HOME", str(home))
    for out in (home.parent, home):
        (out / "index.html").write_text("an old site")
        result = run(example_repo, "build", "--out", str(out), "--now", FIXED_NOW)
        assert result.exit_code == 1
        assert result.output == (f"Error: refusing to build into {out}: it holds your home "
                                 "folder; choose another --out folder\n")
    assert (home / "thesis.txt").read_text() == "precious"


def test_out_at_the_file_system_root_is_refused(example_repo: Path, run: Run) -> None:
    result = run(example_repo, "build", "--out", "/", "--now", FIXED_NOW)
    assert result.exit_code == 1
    assert result.output == ("Error: refusing to build into /: it holds the whole file "
                             "system; choose another --out folder\n")


def test_out_inside_or_at_the_notices_folder_is_refused(example_repo: Path, run: Run) -> None:
    before = tree(example_repo)
    notices = example_repo / "notices"
    result = run(example_repo, "build", "--out", str(notices / "site"), "--now", FIXED_NOW)
    assert result.exit_code == 1
    assert result.output == (f"Error: refusing to build into {notices / 'site'}: it is inside "
                             "the notices folder, whose files are read as notices; choose "
                             "another --out folder\n")
    result = run(example_repo, "build", "--out", str(notices), "--now", FIXED_NOW)
    assert result.exit_code == 1
    assert result.output == (f"Error: refusing to build into {notices}: it holds the notices "
                             "folder; choose another --out folder\n")
    assert tree(example_repo) == before


@pytest.mark.parametrize(("folder", "why"), [
    ("templates", "whose files are read as templates (the next check names each of them)"),
    (".git", "git's own folder"),
    (".outpost-cache", "the build's cache folder"),
])
def test_out_inside_the_repository_s_own_folders_is_refused(
        example_repo: Path, run: Run, folder: str, why: str) -> None:
    """A site built into templates/ made the next check warn of 63 unknown templates; into
    .git/ it went among git's own files."""
    before = tree(example_repo)
    out = example_repo / folder / "site"
    result = run(example_repo, "build", "--out", str(out), "--now", FIXED_NOW)
    assert (result.exit_code, result.output) == (1, (
        f"Error: refusing to build into {out}: it is inside {folder}/, {why}; choose "
        "another --out folder\n"))
    assert tree(example_repo) == before


# 2. site/ as a symlink to the served folder -----------------------------------------


def test_site_as_a_symlink_is_written_through_and_kept(example_repo: Path, run: Run,
                                                       tmp_path: Path) -> None:
    served = tmp_path / "served"
    served.mkdir()
    (example_repo / "site").symlink_to(served)
    result = run(example_repo, "build", "--now", FIXED_NOW)
    assert result.exit_code == 0, result.output
    assert (example_repo / "site").is_symlink()
    assert os.readlink(example_repo / "site") == str(served)
    first = tree(served)
    assert "index.html" in first and "manifest.json" in first
    clean = tmp_path / "clean"
    assert run(example_repo, "build", "--out", str(clean), "--now", FIXED_NOW).exit_code == 0
    assert tree(clean) == first
    # A whole-site swap again (no cache), then a small rebuild in place: still through.
    shutil.rmtree(example_repo / ".outpost-cache")
    assert run(example_repo, "build", "--now", "2026-11-29T12:00:00Z").exit_code == 0
    assert run(example_repo, "build", "--now", "2026-11-30T12:00:00Z").exit_code == 0
    assert (example_repo / "site").is_symlink()
    assert sorted(p.name for p in example_repo.iterdir()) == [
        ".outpost-cache", "notices", "outpost.yaml", "site"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clean", "repo", "served"]
    assert b"2026" in (served / "index.html").read_bytes()


@pytest.mark.parametrize("link", ["itself", "dangling", "through-a-file"])
def test_a_site_link_that_leads_nowhere_is_named(example_repo: Path, run: Run,
                                                 tmp_path: Path, link: str) -> None:
    site = example_repo / "site"
    (tmp_path / "a-file").write_text("not a folder")
    target = {"itself": site, "dangling": tmp_path / "gone" / "www",
              "through-a-file": tmp_path / "a-file" / "www"}[link]
    site.symlink_to(target)
    result = run(example_repo, "build", "--now", FIXED_NOW)
    if link == "dangling":  # like a new --out folder: the link's target is made
        assert result.exit_code == 0, result.output
        assert (tmp_path / "gone" / "www" / "index.html").is_file()
        return
    why = {"itself": "it is a symlink that leads round in a loop",
           "through-a-file": f"it is a symlink to {target}, and {tmp_path / 'a-file'} "
                             "is a file, not a folder"}[link]
    assert result.exit_code == 1
    assert result.output == (f"Error: refusing to build into {site}: {why}; point it at a "
                             "folder or remove it\n")
    assert sorted(p.name for p in example_repo.iterdir()) == [
        ".outpost-cache", "notices", "outpost.yaml", "site"]


@pytest.mark.parametrize("cache", ["file", "loop", "dangling"])
def test_an_unusable_build_cache_never_stops_a_build(example_repo: Path, run: Run,
                                                     tmp_path: Path, cache: str) -> None:
    # The cache only speeds builds up: a file or a broken link in its place (an odd
    # checkout, a CI cache restored wrong) must not stop publishing during an incident.
    clean = tmp_path / "clean"
    assert run(example_repo, "build", "--out", str(clean), "--now", FIXED_NOW).exit_code == 0
    folder = example_repo / ".outpost-cache"
    shutil.rmtree(folder)
    if cache == "file":
        folder.write_text("not a folder")
    else:
        folder.symlink_to(folder if cache == "loop" else tmp_path / "gone" / "cache")
    for _ in range(2):
        result = run(example_repo, "build", "--now", FIXED_NOW)
        assert result.exit_code == 0, result.output
        assert result.output == f"Built {len(tree(clean))} files into {example_repo / 'site'}\n"
    assert tree(example_repo / "site") == tree(clean)
    assert not (tmp_path / "gone").exists()  # nothing made outside the repository


# 3, 4. Control characters and line breaks: check refuses what build or notify can't write


def write_notice(root: Path, name: str, text: str | bytes) -> Path:
    path = root / "notices" / name
    if isinstance(text, str):
        text = text.encode()
    path.write_bytes(text)
    return path


INCIDENT = """\
---
title: {title}
type: incident
---
## Investigating - 2026-11-28 09:00
{body}
"""


@pytest.mark.parametrize(("title", "body", "line", "code"), [
    ("Slow pages", "Pages \x01 load slowly.", 6, "0001"),
    ("Slow pages", "Pages \x1b[31m load slowly.", 6, "001B"),
    ("Slow pages", "Pages \ufffe load slowly.", 6, "FFFE"),
    ('"Slow \\x01 pages"', "Pages load slowly.", 2, "0001"),
    ('"Slow \\0 pages"', "Pages load slowly.", 2, "0000"),
    ('"Slow \\e pages"', "Pages load slowly.", 2, "001B"),
    ('"Slow \\uFFFE pages"', "Pages load slowly.", 2, "FFFE"),
    ('"Slow \\r pages"', "Pages load slowly.", 2, "000D"),
])
def test_characters_no_output_can_carry_are_refused_by_check(
        empty_repo: Path, run: Run, title: str, body: str, line: int, code: str) -> None:
    write_notice(empty_repo, "slow.md", INCIDENT.format(title=title, body=body))
    expected = (f"notices/slow.md:{line}: character U+{code} is not allowed (a control "
                "character or a noncharacter): remove it\n")
    result = run(empty_repo, "check")
    assert result.exit_code == 1
    assert result.output == expected + "1 problem found.\n"
    result = run(empty_repo, "build", "--now", FIXED_NOW)
    assert result.exit_code == 1
    assert result.output == (expected
                             + "1 problem found. Build stopped: nothing was written.\n")


BARE_CR = ("character U+000D, a carriage return without a newline after it (as old Mac line "
           "ends are written), is not allowed: end this line with a newline, or save the file "
           "with LF line ends")


@pytest.mark.parametrize(("text", "expected"), [
    (INCIDENT.format(title="Slow pages", body="Pages \r load slowly."), [f"6: {BARE_CR}"]),
    (INCIDENT.format(title="Slow pages", body="Pages\rload slowly.\nSee \x01."),
     [f"6: {BARE_CR}", "8: character U+0001 is not allowed (a control character or a "
                       "noncharacter): remove it"]),
    (INCIDENT.format(title="Slow pages", body="Pages load slowly.").replace("\n", "\r"),
     [f"1: {BARE_CR}"]),
])
def test_a_carriage_return_alone_is_named_as_a_line_end(
        empty_repo: Path, run: Run, text: str, expected: list[str]) -> None:
    """A CR alone ends a line in an editor, which the lines below it are counted with, and
    is named as the old Mac line end it is: told to remove it, an author of a file saved
    so would have joined its lines."""
    write_notice(empty_repo, "slow.md", text)
    result = run(empty_repo, "check")
    found = f"{len(expected)} problem{'s' if len(expected) > 1 else ''} found."
    named = [f"notices/slow.md:{problem}" for problem in expected]
    assert (result.exit_code, result.output) == (1, "\n".join([*named, found, ""]))


@pytest.mark.parametrize(("body", "code", "written"), [
    ("Pages &#x1b;[31m load slowly.", "001B", "&#x1b;"),  # the feed writer refused it
    ("Pages &#1; load slowly.", "0001", "&#1;"),
    ("Pages &#XFFFE; load slowly.", "FFFE", "&#XFFFE;"),  # cmark wrote invalid UTF-8
    ("Pages &#0000013; load slowly.", "000D", "&#0000013;"),
])
def test_character_references_to_what_no_output_can_carry_are_refused_by_check(
        empty_repo: Path, run: Run, body: str, code: str, written: str) -> None:
    # Markdown reads '&#1;' as the character it stands for: check passed, and the build
    # stopped with an unexpected failure.
    write_notice(empty_repo, "slow.md", INCIDENT.format(title="Slow", body=body)
                 + "\nA tab &#x9; and a line feed &#10; are fine.\n")
    expected = (f"notices/slow.md:6: character U+{code}, written '{written}', is not allowed "
                "(a control character or a noncharacter): remove it\n")
    result = run(empty_repo, "check")
    assert result.exit_code == 1
    assert result.output == expected + "1 problem found.\n"
    result = run(empty_repo, "build", "--now", "2026-11-28 10:00")
    assert result.output == (expected
                             + "1 problem found. Build stopped: nothing was written.\n")


def test_character_references_shown_as_written_are_not_refused(empty_repo: Path,
                                                                run: Run) -> None:
    """In code, escaped, in a comment or in a title, '&#27;' is text as written (a pasted
    XML error says '&#xD;'); check refused it, though no output carries the character.
    One Markdown reads as the character is still refused, at its own line."""
    write_notice(empty_repo, "slow.md", INCIDENT.format(
        title="Escape &#27; shown", body=(
            "The API answered:\n\n```xml\n<fault>Gateway timeout&#xD;\n</fault>\n```\n\n"
            "and `&#x1b;[31m` or \\&#27; showed.\n<!-- &#1; -->\n\n    &#127;\n\n"
            "## Identified - 2026-11-28 09:30\n`&#1;` then [a](/x \"&#1;\") and &#x1B;.")))
    result = run(empty_repo, "check")
    assert result.output == (
        "notices/slow.md:19: character U+0001, written '&#1;', is not allowed (a control "
        "character or a noncharacter): remove it\n"
        "notices/slow.md:19: character U+001B, written '&#x1B;', is not allowed (a control "
        "character or a noncharacter): remove it\n2 problems found.\n")
    text = (empty_repo / "notices" / "slow.md").read_text()
    (empty_repo / "notices" / "slow.md").write_text(text.replace(" and &#x1B;.", ".")
                                                    .replace(' \"&#1;\"', ""))
    assert run(empty_repo, "check").exit_code == 0
    assert run(empty_repo, "build", "--now", "2026-11-28 10:00").exit_code == 0
    page = (empty_repo / "site" / "notices" / "slow" / "index.html").read_text()
    assert "Gateway timeout&amp;#xD;" in page and "<code>&amp;#x1b;[31m</code>" in page


def test_control_character_in_the_site_title_is_refused(empty_repo: Path, run: Run) -> None:
    config = empty_repo / "outpost.yaml"
    config.write_text(config.read_text().replace("title: Test Status",
                                                 'title: "Test \\e Status"'))
    result = run(empty_repo, "check")
    assert result.exit_code == 1
    assert result.output == ("outpost.yaml:1: character U+001B is not allowed (a control "
                             "character or a noncharacter): remove it\n1 problem found.\n")


@pytest.mark.parametrize(("title", "named"), [
    ('"Slow\\u2028pages"', ": it holds a line separator (U+2028), a line break: remove it"),
    ('"Slow\\Ppages"', ": it holds a paragraph separator (U+2029), a line break: remove it"),
    ('"Slow\\Lpages"', ": it holds a line separator (U+2028), a line break: remove it"),
    ('"Slow\u2028pages"', ": it holds a line separator (U+2028), a line break: remove it"),
    ('"Slow\\npages"', ""),
])
def test_a_title_must_be_one_line(empty_repo: Path, run: Run, title: str, named: str) -> None:
    """A separator, typed raw or as an escape, is named: an editor shows none, and a title
    said to be on more than one line read as one."""
    write_notice(empty_repo, "slow.md", INCIDENT.format(title=title, body="Slow."))
    result = run(empty_repo, "check")
    assert result.exit_code == 1
    assert result.output == (f"notices/slow.md:2: title must be a single line{named}\n"
                             "1 problem found.\n")


def test_a_title_has_a_length_limit(empty_repo: Path, run: Run) -> None:
    # A 100,000-character title passed and went into every page, feed and mail subject.
    write_notice(empty_repo, "long.md", INCIDENT.format(title="é" * 100_000, body="Slow."))
    write_notice(empty_repo, "most.md", INCIDENT.format(title="é" * 250, body="Slow."))
    result = run(empty_repo, "check")
    assert result.exit_code == 1
    assert result.output == ("notices/long.md:2: the title is 100,000 characters long, more "
                             "than the limit of 250: shorten it\n1 problem found.\n")
    (empty_repo / "notices" / "long.md").unlink()
    result = run(empty_repo, "new", "incident", "x" * 251, "--at", "2026-11-28 09:00")
    assert result.exit_code == 1
    assert result.output == ("Error: the title is 251 characters long, more than the limit "
                             "of 250: shorten it\n")
    assert [p.name for p in (empty_repo / "notices").iterdir()] == ["most.md"]


def test_the_site_title_has_the_length_limit_of_a_notice_title(empty_repo: Path,
                                                                run: Run) -> None:
    # A 100,000-character site title passed: it heads every page (the site grew 9 MB for
    # one notice) and every email's subject, as a notice's title does.
    config = empty_repo / "outpost.yaml"
    config.write_text(MINIMAL_CONFIG.replace("Test Status", "é" * 100_000))
    result = run(empty_repo, "check")
    assert (result.exit_code, result.output) == (
        1, "outpost.yaml:1: Config value 'title': the title is 100,000 characters long, "
           "more than the limit of 250: shorten it\n1 problem found.\n")
    config.write_text(MINIMAL_CONFIG.replace("Test Status", "é" * 250))
    assert run(empty_repo, "check").exit_code == 0


def test_component_and_group_names_have_a_length_limit(empty_repo: Path, run: Run) -> None:
    """A 2,200-character component name passed check and filled the Open page's status
    line on a phone, pushing "since when" off its first screen."""
    config = empty_repo / "outpost.yaml"
    config.write_text(MINIMAL_CONFIG.replace("name: Web\n", f"name: {'Webservice ' * 200}\n")
                      .replace("name: API\n", f"name: API\n    group: {'g' * 101}\n"))
    result = run(empty_repo, "check")
    assert (result.exit_code, result.output) == (
        1, "outpost.yaml:6: Config value 'components[0].name': the name is 2,199 characters "
           "long, more than the limit of 100: shorten it\n"
           "outpost.yaml:9: Config value 'components[1].group': the group is 101 characters "
           "long, more than the limit of 100: shorten it\n2 problems found.\n")
    config.write_text(MINIMAL_CONFIG.replace("name: Web\n", f"name: {'é' * 100}\n"))
    assert run(empty_repo, "check").exit_code == 0


def test_the_settings_texts_readers_see_have_length_limits(empty_repo: Path,
                                                           run: Run) -> None:
    """A 750 KB description passed check and was copied into every page: a site of one
    notice grew from 152 KB to 5.2 MB. Every text over its limit is named at once."""
    config = empty_repo / "outpost.yaml"

    def texts(label: int, contact: int, note: int, description: int, line: int,
              letter: str = "x") -> str:
        return (MINIMAL_CONFIG.replace("name: Web\n",
                                       f"name: Web\n    description: {letter * line}\n")
                + f"home_url: https://support.example.org/\nhome_label: {letter * label}\n"
                f"alerts_contact: {letter * contact}\nhosted_note: {letter * note}\n"
                f"description: {letter * description}\n")

    config.write_text(texts(101, 251, 1_001, 750_000, 501))
    result = run(empty_repo, "check")
    assert (result.exit_code, result.output) == (
        1, "outpost.yaml:7: Config value 'components[0].description': the description is 501 "
           "characters long, more than the limit of 500: shorten it\n"
           "outpost.yaml:11: Config value 'home_label': the label is 101 characters long, more "
           "than the limit of 100: shorten it\n"
           "outpost.yaml:12: Config value 'alerts_contact': the contact is 251 characters long, "
           "more than the limit of 250: shorten it\n"
           "outpost.yaml:13: Config value 'hosted_note': the note is 1,001 characters long, "
           "more than the limit of 1,000: shorten it\n"
           "outpost.yaml:14: Config value 'description': the description is 750,000 characters "
           "long, more than the limit of 1,000: shorten it\n5 problems found.\n")
    config.write_text(texts(100, 250, 1_000, 1_000, 500, letter="é"))
    assert run(empty_repo, "check").exit_code == 0


def test_url_settings_have_a_length_limit(empty_repo: Path, run: Run) -> None:
    """A 5,000-character base_url passed check and went into every link of every page;
    each URL setting past 2,000 characters is named at once (a webhook's URL from the
    environment is held to the same limit when notify runs: test_notify_delivery.py)."""
    config = empty_repo / "outpost.yaml"
    long_path = "a" * (2_000 - len("https://status.example.org/"))
    config.write_text(MINIMAL_CONFIG.replace("https://status.example.org/",
                                             f"https://status.example.org/{long_path}b/")
                      + f"home_url: https://support.example.org/{'c' * 5_000}\n")
    result = run(empty_repo, "check")
    assert (result.exit_code, result.output) == (
        1, "outpost.yaml:2: Config value 'base_url': the URL is 2,002 characters long, more "
           "than the limit of 2,000: shorten it\n"
           "outpost.yaml:9: Config value 'home_url': the URL is 5,028 characters long, more "
           "than the limit of 2,000: shorten it\n2 problems found.\n")
    config.write_text(MINIMAL_CONFIG.replace("https://status.example.org/",
                                             f"https://status.example.org/{long_path[:-1]}/"))
    assert run(empty_repo, "check").exit_code == 0


def test_the_names_in_email_addresses_have_a_name_s_length_limit(empty_repo: Path,
                                                                  run: Run) -> None:
    """A 21,000-character name in notify's from passed check and went into every email's
    From header."""
    config = empty_repo / "outpost.yaml"

    def notify(size: int) -> str:
        return (MINIMAL_CONFIG + "notify:\n  since: 2d\n"
                f"  from: '{'S' * size} <status@example.org>'\n"
                f"  reply_to: '\"{'R' * size}\" <it@example.org>'\n"
                "  smtp: {host: smtp.example.org}\n"
                f"  contacts:\n    - email: bob@example.org\n      name: {'B' * size}\n")

    config.write_text(notify(101))
    result = run(empty_repo, "check")
    assert (result.exit_code, result.output) == (
        1, "outpost.yaml:11: Config value 'notify.from': the name in the address is 101 "
           "characters long, more than the limit of 100: shorten it\n"
           "outpost.yaml:12: Config value 'notify.reply_to': the name in the address is 101 "
           "characters long, more than the limit of 100: shorten it\n"
           "outpost.yaml:16: Config value 'notify.contacts[0].name': the name is 101 "
           "characters long, more than the limit of 100: shorten it\n3 problems found.\n")
    config.write_text(notify(100))
    assert run(empty_repo, "check").exit_code == 0


def test_site_title_and_component_names_must_be_one_line(empty_repo: Path, run: Run) -> None:
    config = empty_repo / "outpost.yaml"
    config.write_text(config.read_text().replace("title: Test Status",
                                                 'title: "Test\\u2028Status"')
                      .replace("name: API", 'name: "A\\u2029PI"'))
    result = run(empty_repo, "check")
    assert result.exit_code == 1
    assert result.output == (
        "outpost.yaml:1: Config value 'title': must be a single line: it holds a line "
        "separator (U+2028), a line break: remove it\n"
        "outpost.yaml:8: Config value 'components[1].name': must be a single line: it holds a "
        "paragraph separator (U+2029), a line break: remove it\n"
        "2 problems found.\n")


def test_a_tab_in_a_title_or_name_reads_as_a_space_everywhere(
        tmp_path: Path, smtp: MailServer, hooks: HookServer, monkeypatch: pytest.MonkeyPatch,
        run: Run) -> None:
    """A tab pasted into a title or a name (typed raw or as '\\t') is one space wherever
    it shows: pages hid it, but the browser tab's <title>, feed titles, the calendar's
    SUMMARY, the API and every email's Subject carried it raw."""
    root = notify_repo_for(tmp_path, smtp, hooks, monkeypatch)
    config = root / "outpost.yaml"
    config.write_text(config.read_text().replace("title: Test Status", "title: Test\tStatus")
                      .replace("name: API", 'name: "API \\t v2"'))
    for name, title, tabbed in (("database-outage.md", "Database outage", "Database\toutage"),
                                ("api-upgrade.md", "API upgrade", '"API\\t\\tupgrade"')):
        notice = root / "notices" / name
        notice.write_text(notice.read_text().replace(f"title: {title}", f"title: {tabbed}"))
    assert run(root, "check").exit_code == 0
    assert run(root, "build", "--now", NOTIFY_NOW).exit_code == 0
    site = root / "site"
    assert "<title>Database outage | Test Status</title>" in (
        site / "notices" / "database-outage" / "index.html").read_text()
    assert "<title>[Resolved] Database outage</title>" in (site / "feed.xml").read_text()
    assert b"SUMMARY:API upgrade\r\n" in (site / "maintenance.ics").read_bytes()
    assert [c["name"] for c in json.loads((site / "api" / "v2" / "components.json")
                                          .read_text())["components"]] == ["Web", "API v2"]
    assert not [path for path, data in tree(site).items() if b"\t" in data]
    assert run(root, "notify", "--now", NOTIFY_NOW).exit_code == 0
    subjects = {mail.message["Subject"] for mail in smtp.received}
    assert "[Test Status] Resolved: Database outage" in subjects
    assert "[Test Status] Scheduled: API upgrade" in subjects
    assert not [subject for subject in subjects if "\t" in subject]
    assert run(root, "new", "incident", "VPN\tdown", "--at", NOTIFY_NOW).exit_code == 0
    assert "\ntitle: VPN down\n" in (root / "notices" / "2026-11-28-vpn-down.md").read_text()


HIDDEN = ("must not hold the {} (U+{}), an invisible character that makes text read "
          "differently from what was written: remove it")


@pytest.mark.parametrize(("title", "name", "code"), [
    ("Sign-in \u202eerrors", "right-to-left override", "202E"),  # written raw
    ('"Sign-in \\u202Eerrors"', "right-to-left override", "202E"),  # as a YAML escape
    ("Sign-in \u202aerrors", "left-to-right embedding", "202A"),
    ("Sign-in \u202cerrors", "pop directional formatting", "202C"),
    ("Sign-in \u2067errors\u2069", "right-to-left isolate", "2067"),
    ("Sign-in \u2069errors", "pop directional isolate", "2069"),
    ("Sign-\u200bin errors", "zero width space", "200B"),
    ('"Sign-in\\uFEFF errors"', "zero width no-break space", "FEFF"),
    ("Sign-in\u2060 errors", "word joiner", "2060"),
])
def test_a_title_may_not_hold_invisible_characters_that_change_how_it_reads(
        empty_repo: Path, run: Run, title: str, name: str, code: str) -> None:
    # A "Trojan Source" title: U+202E shows the rest of the title reversed, and in a feed
    # title or an email subject the words that follow it too.
    write_notice(empty_repo, "slow.md", INCIDENT.format(title=title, body="Slow."))
    result = run(empty_repo, "check")
    assert result.exit_code == 1
    assert result.output == (f"notices/slow.md:2: title {HIDDEN.format(name, code)}\n"
                             "1 problem found.\n")


def test_site_texts_and_component_names_may_not_hold_them_either(empty_repo: Path,
                                                                 run: Run) -> None:
    config = empty_repo / "outpost.yaml"
    config.write_text(config.read_text().replace("title: Test Status",
                                                 'title: "Test \\u2066Status"')
                      .replace("name: API", "name: A\u202ePI"))
    result = run(empty_repo, "check")
    assert result.exit_code == 1
    assert result.output == (
        "outpost.yaml:1: Config value 'title': "
        + HIDDEN.format("left-to-right isolate", "2066") + "\n"
        "outpost.yaml:8: Config value 'components[1].name': "
        + HIDDEN.format("right-to-left override", "202E") + "\n"
        "2 problems found.\n")
    config.write_text(MINIMAL_CONFIG)
    result = run(empty_repo, "new", "incident", "Slow \u202esign-in", "--at",
                 "2026-11-28 09:00")
    assert result.exit_code == 1
    assert result.output == ("Error: title " + HIDDEN.format("right-to-left override", "202E")
                             + "\n")


def test_right_to_left_titles_and_names_load_and_render(empty_repo: Path, run: Run) -> None:
    # Arabic and Hebrew need no control character: pages isolate each title and name
    # (<bdi>), and marks and joiners (U+200F, U+200C: Persian) stay allowed.
    config = empty_repo / "outpost.yaml"
    config.write_text(config.read_text().replace("name: API", "name: \u05de\u05de\u05e9\u05e7"))
    title = "\u062e\u0637\u0623 \u0641\u064a \u062a\u0633\u062c\u064a\u0644 503\u200f"
    body = "\u0645\u06cc\u200c\u0634\u0648\u062f"
    write_notice(empty_repo, "rtl.md", INCIDENT.format(title=title, body=body)
                 .replace("type: incident", "type: incident\ncomponents: [api]"))
    result = run(empty_repo, "build", "--now", "2026-11-28 10:00")
    assert result.exit_code == 0, result.output
    page = (empty_repo / "site" / "notices" / "rtl" / "index.html").read_text()
    assert f"<bdi>{title}</bdi>" in (empty_repo / "site" / "index.html").read_text()
    assert "\u05de\u05de\u05e9\u05e7" in page and "\u0645\u06cc\u200c\u0634" in page


def test_one_message_that_cannot_be_composed_does_not_hold_the_others(
        tmp_path: Path, smtp: MailServer, hooks: HookServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """check refuses such a title now; should another one slip through, each delivery is
    still sent on its own and the bad one is named."""
    from dataclasses import replace

    from generator.app import TARGET_KINDS, project, schema
    from generator.core.times import parse_now
    from generator.notify import run as notify_run
    from generator.notify.record import store_for

    root = notify_repo_for(tmp_path, smtp, hooks, monkeypatch)
    now = parse_now(NOTIFY_NOW, schema().load(root).timezone)
    lines: list[str] = []
    ctx = notify_run.load(project(root), now, dict(os.environ), lines.append)
    ctx.notices = tuple(replace(n, title="Database\routage") if n.id == "database-outage"
                        else n for n in ctx.notices)
    sent, failed = notify_run.run(ctx, store_for(ctx.config, root, TARGET_KINDS),
                                  dry_run=False)
    assert failed == 3  # the outage's three updates to alice (its webhooks are JSON: sent)
    assert sent == 14
    assert {m.to for m in smtp.received} == {"alice@example.org", "bob@example.org"}
    refused = [line for line in lines if line.startswith("FAILED")]
    assert refused[0] == ("FAILED alice@example.org <- database-outage/20261128T1500Z: the "
                          "message cannot be composed (Header values may not contain "
                          "linefeed or carriage return characters); the others are still sent")


BRACKETS = "[" * 10_000
LONG_WORD = "x" * 10_000
SHOWN = 100  # characters of a long value a message quotes, the last of them '…'


@pytest.mark.parametrize(("notice", "config"), [
    ('title: "a" ' + BRACKETS + "\ntype: incident\n", None),
    ("title: T\ntype: incident\ncomponents: - " + BRACKETS + "\n", None),
    ("title: a: " + BRACKETS + "\ntype: incident\n", None),
    ('title: "\\q' + LONG_WORD + '"\ntype: incident\n', None),
    (f"title: T\ntype: incident\ncomponents: [{LONG_WORD}]\n", None),
    (f"title: T\ntype: incident\ncomponents: {{web: {LONG_WORD}}}\n", None),
    (f"title: T\ntype: incident\nimpact: {LONG_WORD}\n", None),
    (f"title: T\ntype: maintenance\nstart: {LONG_WORD}\nend: 2026-11-28 10:00\n", None),
    (None, MINIMAL_CONFIG.replace("title: Test Status", 'title: "a" ' + BRACKETS)),
    (None, MINIMAL_CONFIG.replace("timezone: America/Chicago", f"timezone: {LONG_WORD}")),
    (None, MINIMAL_CONFIG.replace("  - id: web\n", f"  - web{BRACKETS}\n")),
    (None, MINIMAL_CONFIG + f"language: {LONG_WORD}\n"),
    (None, MINIMAL_CONFIG + f"{LONG_WORD[:900]}: 1\n"),  # YAML's keys end at 1,024
])
def test_a_long_value_is_quoted_cut_in_a_message(empty_repo: Path, run: Run,
                                                  notice: str | None,
                                                  config: str | None) -> None:
    """A line of 10,000 brackets (or a value as long) is quoted cut with an ellipsis: a
    hint writing it back whole buried the message's words, and its fix, screens down."""
    if notice is not None:
        write_notice(empty_repo, "n.md", f"---\n{notice}---\n## Update - "
                                         "2026-11-28 09:00\nSlow.\n")
    if config is not None:
        (empty_repo / "outpost.yaml").write_text(config)
    result = run(empty_repo, "check")
    [problem, found] = result.output.splitlines()
    assert (result.exit_code, found) == (1, "1 problem found.")
    assert problem.startswith(("notices/n.md:", "outpost.yaml:"))
    assert len(problem) < 4 * SHOWN + 200 and "…" in problem


def test_a_hint_writing_back_a_long_line_cuts_it(empty_repo: Path, run: Run) -> None:
    write_notice(empty_repo, "n.md", INCIDENT.format(title='"a" ' + BRACKETS, body="Slow."))
    result = run(empty_repo, "check")
    value = '"a" ' + BRACKETS[:SHOWN - 5] + "…"
    assert (result.exit_code, result.output) == (1, (
        "notices/n.md:2: invalid YAML: more follows the closing quote of this line's value: "
        "to write a text starting with '\"', put all of it in quotes: title: "
        f"'{value}'\n1 problem found.\n"))
    write_notice(empty_repo, "n.md", INCIDENT.format(title="Slow", body=(
        "Slow.\n\n## Investigating - 2026-11-28 08:00 (" + LONG_WORD + ")\nSlow.")))
    result = run(empty_repo, "check")
    assert (result.exit_code, result.output) == (1, (
        f"notices/n.md:8: bad time '2026-11-28 08:00 ({LONG_WORD[:SHOWN - 19]}…': "
        "expected 'YYYY-MM-DD HH:MM', optionally followed by an offset such as '-05:00' "
        "or 'Z'\n1 problem found.\n"))
    for body, code in ((f"Slow.\n\n## {LONG_WORD} - 2026-11-28 08:00\nSlow.", 1),
                       (f"See [the runbook](../{LONG_WORD}.md).", 0)):  # a warning
        write_notice(empty_repo, "n.md", INCIDENT.format(title="Slow", body=body))
        result = run(empty_repo, "check")
        [problem, _] = result.output.splitlines()
        assert (result.exit_code, len(problem) < 4 * SHOWN + 200, "…" in problem) == (
            code, True, True)



@pytest.mark.parametrize(("component", "shown"), [
    ("e\u0301" * 60, "e\u0301" * 49),  # an accent stays on its letter
    ("\U0001f469\U0001f3fd\u200d\U0001f4bb" * 30,
     "\U0001f469\U0001f3fd\u200d\U0001f4bb" * 24 + "…' (outpost.yaml declares: web, api): it "
     "holds a zero width joiner (U+200D), an invisible character: remove it"),
    ("\U0001f1fa\U0001f1e6" * 60, "\U0001f1fa\U0001f1e6" * 49),  # flags whole
], ids=["accent", "emoji", "flag"])
def test_a_long_value_is_quoted_cut_between_whole_characters(
        empty_repo: Path, run: Run, component: str, shown: str) -> None:
    """A quote cut at 100 characters kept the letter and left its accent out, or cut a
    person at a laptop (woman, skin tone, joiner, laptop) after its joiner, or a flag in
    two, as titles are never cut."""
    write_notice(empty_repo, "n.md", INCIDENT.format(title="Slow", body="Slow.").replace(
        "type: incident\n", f"type: incident\ncomponents: [{component}]\n"))
    if "…" not in shown:
        shown += "…' (outpost.yaml declares: web, api)"
    assert run(empty_repo, "check").output == (
        f"notices/n.md:4: unknown component '{shown}\n1 problem found.\n")



def test_a_quoted_value_closes_the_direction_controls_it_leaves_open(
        empty_repo: Path, run: Run) -> None:
    """A right-to-left override or isolate quoted from a value, never closed in it or
    closed past the cut, ran on over the rest of the message: a terminal drawing
    right to left drew the words after it, the fix among them, reversed."""
    write_notice(empty_repo, "key.md", INCIDENT.format(title="Slow", body="Slow.").replace(
        "type: incident\n", "type: incident\nwh\u202een: x\n"))
    write_notice(empty_repo, "cut.md", INCIDENT.format(title="Slow", body="Slow.").replace(
        "type: incident\n", "type: incident\ncomponents: ['" + "x" * 90
        + "\u2067abc\u202bdef" + "y" * 20 + "\u202c\u2069']\n"))
    assert run(empty_repo, "check").output == (
        "notices/cut.md:4: unknown component '" + "x" * 90 + "\u2067abc\u202bdefy…\u202c\u2069'"
        " (outpost.yaml declares: web, api): it holds a right-to-left isolate (U+2067), an "
        "invisible character: remove it\n"
        "notices/key.md:4: unknown key 'wh\u202een\u202c' (known keys: components, end, "
        "impact, start, title, type): it holds a right-to-left override (U+202E), an "
        "invisible character: remove it\n"
        "2 problems found.\n")


# 5. YAML aliases --------------------------------------------------------------------


def billion_laughs(levels: int) -> str:
    text = 'l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for level in range(1, levels):
        text += f"l{level}: &l{level} [" + ",".join([f"*l{level - 1}"] * 9) + "]\n"
    return text


def test_anchors_and_aliases_are_refused_in_notices(empty_repo: Path, run: Run) -> None:
    write_notice(empty_repo, "slow.md", "---\ntitle: &t Slow pages\ntype: incident\n"
                 "components: [*t]\n---\n## Investigating - 2026-11-28 09:00\nSlow.\n")
    write_notice(empty_repo, "bomb.md", "---\n" + billion_laughs(9) + "title: Bomb\n"
                 "type: incident\n---\n## Investigating - 2026-11-28 09:00\nBoom.\n")
    result = run(empty_repo, "check")
    assert result.exit_code == 1
    # Each line holding one is named; read on with the aliases written out, the bomb
    # stops at the limit on values, and the title repeated is no component.
    refused = ("anchors and aliases ('&name', '*name') are not allowed here: write the "
               "value out")
    assert result.output == (
        "".join(f"notices/bomb.md:{line}: {refused}\n" for line in range(2, 8))
        + "notices/bomb.md:7: too many values (more than 100,000, counting each use of an "
        "alias): simplify the document\n"
        + "".join(f"notices/bomb.md:{line}: {refused}\n" for line in range(8, 11))
        + f"notices/slow.md:2: {refused}\n"
        f"notices/slow.md:4: {refused}\n"
        "notices/slow.md:4: unknown component 'Slow pages' (outpost.yaml declares: web, "
        "api)\n"
        "13 problems found.\n")


def test_aliases_in_outpost_yaml_are_bounded(empty_repo: Path, run: Run) -> None:
    config = empty_repo / "outpost.yaml"
    base = config.read_text()
    config.write_text(base + billion_laughs(9))
    # Stops at once (it ran for minutes, using gigabytes), at the alias passing the limit.
    result = run(empty_repo, "check")
    assert result.exit_code == 1
    assert result.output == ("outpost.yaml:14: too many values (more than 100,000, counting "
                             "each use of an alias): simplify the document\n1 problem found.\n")
    config.write_text(base.replace("components:\n", "components: &a [*a]\nx:\n"))
    result = run(empty_repo, "check")
    assert result.exit_code == 1
    assert result.output == ("outpost.yaml:4: an alias refers to the value that holds it\n"
                             "1 problem found.\n")
    # An alias used as intended still works.
    config.write_text(base.replace("name: Web", "name: &web Web").replace("name: API",
                                                                          "name: *web"))
    assert run(empty_repo, "check").exit_code == 0


def test_a_heading_holding_a_long_run_of_spaces_is_read_at_once(empty_repo: Path,
                                                                run: Run) -> None:
    """A heading with thousands of spaces before more text (a table's row pasted after
    it) took the heading's pattern minutes to read, every build and check with it: 1,000
    spaces took 10 seconds, 20,000 never ended."""
    spaces = " " * 20_000
    write_notice(empty_repo, "long.md", INCIDENT.format(title="Long", body="x").replace(
        "09:00\n", f"09:00{spaces}x\n"))
    write_notice(empty_repo, "silent.md", INCIDENT.format(title="Quiet", body="x").replace(
        "Investigating - 2026-11-28 09:00", f"Update - 2026-11-28 09:00{spaces}(silent)\n"
        "Looking.\n\n## Investigating - 2026-11-28 08:00"))
    started = time.monotonic()
    result = run(empty_repo, "check")
    assert time.monotonic() - started < 5
    assert result.output == (
        f"notices/long.md:5: bad time '2026-11-28 09:00{spaces[:83]}…': expected 'YYYY-MM-DD "
        "HH:MM', optionally followed by an offset such as '-05:00' or 'Z'\n"
        "notices/silent.md:5: '(silent)' after the time: the flag is written '[silent]': "
        "## Update - 2026-11-28 09:00 [silent]\n"
        "2 problems found.\n")


def test_a_heading_of_another_level_holding_long_runs_of_spaces_is_read_at_once(
        empty_repo: Path, run: Run) -> None:
    """A '#' or '###' line with long runs of spaces took the wrong-level check a time
    growing with their square: two runs of 12,000 spaces took 2 seconds, of 24,000 eight,
    where an update may hold 50,000 characters."""
    spaces = " " * 24_000
    write_notice(empty_repo, "long.md", INCIDENT.format(
        title="Long", body=f"# Resolved -{spaces}2026{spaces}x\n\n### Resolved - "
        "2026-11-28 10:00"))
    started = time.monotonic()
    result = run(empty_repo, "check", "--now", "2026-11-28 12:00")
    assert time.monotonic() - started < 5
    assert result.output == (
        "notices/long.md:8: an update heading takes two '#' ('## <Status> - <time>'): with "
        "one or three it is read as part of the update above, and its own update is lost\n"
        "1 problem found.\n")


def test_lines_indented_by_long_runs_of_spaces_are_read_at_once(empty_repo: Path,
                                                                  run: Run) -> None:
    """A line of an update indented by thousands of spaces (a log or a table pasted as
    code) took the check for an indented update heading a time growing with the square
    of its indent: 24,000 spaces took half a second a line, so a notice of 20 such lines
    under the size limit took check and every build some 40 seconds."""
    spaces = " " * 24_000
    updates = "".join(f"## Update - 2026-11-28 09:{minute:02d}\n{spaces}a\n{spaces}b\n\n"
                      for minute in range(10, 0, -1))
    write_notice(empty_repo, "long.md", INCIDENT.format(title="Long", body="x").replace(
        "## Investigating", updates + "\t## Resolved - 2026-11-28 10:00\n\n## Investigating"))
    started = time.monotonic()
    result = run(empty_repo, "check", "--now", "2026-11-28 12:00")
    assert time.monotonic() - started < 5
    assert result.output == (
        "notices/long.md:45: update headings start at the beginning of the line: remove "
        "the spaces before '##'\n"
        "1 problem found.\n")


def test_a_front_matter_value_holding_a_long_run_of_spaces_is_read_at_once(
        empty_repo: Path, run: Run) -> None:
    """A front matter value with a long run of spaces before a comment (or before ': ',
    which is refused) took the front matter's plain reader a time growing with the square
    of the run: 20,000 spaces took a second, 100,000 over 20, and a notice of 900,000
    under the size limit half an hour, in check and every build."""
    spaces = " " * 100_000
    write_notice(empty_repo, "long.md", INCIDENT.format(title=f"Long{spaces}# why",
                                                        body="x"))
    write_notice(empty_repo, "colon.md", INCIDENT.format(title=f"Mail{spaces}: late",
                                                         body="x"))
    started = time.monotonic()
    result = run(empty_repo, "check", "--now", "2026-11-28 12:00")
    assert time.monotonic() - started < 5
    assert result.output.startswith(
        "notices/colon.md:2: invalid YAML: a value holding ': ' must be put in quotes")
    assert result.output.endswith("\n1 problem found.\n")
    write_notice(empty_repo, "colon.md", INCIDENT.format(title="Mail", body="x"))
    assert run(empty_repo, "check", "--now", "2026-11-28 12:00").output == (
        "OK: outpost.yaml and 2 notices are valid.\n")


def test_a_list_item_holding_a_long_run_of_spaces_is_named_at_once(empty_repo: Path,
                                                                   run: Run) -> None:
    """A list item of outpost.yaml without its key, its value holding a long run of
    spaces, took the hint naming it a time growing with the square of the run: 80,000
    spaces took 15 seconds."""
    spaces = " " * 80_000
    config = empty_repo / "outpost.yaml"
    config.write_text(config.read_text().replace("  - id: web\n", f"  - web{spaces}x\n"))
    started = time.monotonic()
    result = run(empty_repo, "check")
    assert time.monotonic() - started < 5
    assert result.output == (
        f"outpost.yaml:5: invalid YAML: this list item holds 'web{spaces[:96]}…' and keys "
        f"below it: give it its key: - id: web{spaces[:96]}…\n1 problem found.\n")


def test_what_an_alias_repeats_is_named_at_the_alias(empty_repo: Path, run: Run) -> None:
    """A component repeated by an alias is a duplicate where the alias stands: it was
    named at the anchor's line, the first component, which is no duplicate."""
    config = empty_repo / "outpost.yaml"
    base = config.read_text()
    config.write_text(base.replace("  - id: web", "  - &web\n    id: web") + "  - *web\n")
    result = run(empty_repo, "check")
    assert result.output == "outpost.yaml:10: duplicate component id 'web'\n1 problem found.\n"
    # An alias inside the value an alias repeats, or standing for a key, is named the same.
    config.write_text(base.replace("name: Web", "name: &name Web").replace(
        "  - id: api", "  - &item {id: *name, name: *name}\n  - id: api") + "  - *item\n")
    result = run(empty_repo, "check")
    assert result.output == (
        "outpost.yaml:7: Config value 'components[1].id': expected an id of lowercase "
        "letters, digits and hyphens, received 'Web'\n"
        "outpost.yaml:10: Config value 'components[3].id': expected an id of lowercase "
        "letters, digits and hyphens, received 'Web'\n2 problems found.\n")
    config.write_text(base.replace("title:", "&t title:") + "*t : Again\n")
    assert run(empty_repo, "check").output == (
        "outpost.yaml:9: duplicate key 'title' (first set at line 1)\n"
        "1 problem found.\n")


def test_values_nested_deep_are_refused_at_their_line(empty_repo: Path, run: Run) -> None:
    """A few hundred lists inside each other overflowed Python's stack ('unexpected
    failure (RecursionError ...)'); past libyaml's own limit of 1,000, the message said
    to put the value in quotes."""
    deep = ("lists and mappings nest more than 100 levels deep here: simplify the document\n"
            "1 problem found.\n")
    config = empty_repo / "outpost.yaml"
    base = config.read_text()
    for levels in (500, 1100):
        config.write_text(base + "x: " + "[" * levels + "]" * levels + "\n")
        assert run(empty_repo, "check").output == f"outpost.yaml:9: {deep}"
    config.write_text(base + "x:\n" + "".join(" " * level + f" k{level}:\n"
                                             for level in range(1100)))
    # Where the 101st level opens, whether or not libyaml stops at 1,000 levels first.
    assert run(empty_repo, "check").output == f"outpost.yaml:109: {deep}"
    config.write_text(base)
    write_notice(empty_repo, "deep.md", INCIDENT.format(title="Deep", body="x").replace(
        "type: incident\n", "type: incident\ncomponents: " + "[" * 300 + "]" * 300 + "\n"))
    assert run(empty_repo, "check").output == f"notices/deep.md:4: {deep}"


def test_values_nested_deep_late_in_a_long_document_are_named_at_once(
        empty_repo: Path, run: Run) -> None:
    """Past libyaml's 1,000 levels, where the 101st opens was found by reading the whole
    text again with PyYAML's own parser: seconds for a front matter of 800 KB, six times
    what reading it takes, nested or not."""
    # 90,000 values: under the limit of 100,000, which would be named first where
    # PyYAML's libyaml has no limit of its own on nesting.
    items = "".join(f"  k{i}: [a, {{b: [c, d]}}]\n" for i in range(15_000))
    timings = []
    for levels, said in ((0, "notices/long.md:4: unknown key 'extra'"),
                         (1_100, "notices/long.md:15005: lists and mappings nest more "
                                 "than 100 levels")):
        nested = f"deep: {'[' * levels}{']' * levels}\n" if levels else ""
        write_notice(empty_repo, "long.md", INCIDENT.format(title="Long", body="x").replace(
            "type: incident\n", f"type: incident\nextra:\n{items}{nested}"))
        started = time.monotonic()
        output = run(empty_repo, "check").output
        timings.append(time.monotonic() - started)
        assert output.startswith(said), output[:300]
    plain, deep = timings
    assert deep < 2 * plain + 0.5


def test_yaml_tags_are_refused_where_outpost_decides_types(empty_repo: Path, run: Run) -> None:
    # A tag was dropped silently: '!!binary aGVsbG8=' published the title "aGVsbG8=".
    write_notice(empty_repo, "binary.md", INCIDENT.format(title="!!binary aGVsbG8=", body="x"))
    write_notice(empty_repo, "custom.md", INCIDENT.format(title="!custom Slow", body="x"))
    write_notice(empty_repo, "set.md", INCIDENT.format(
        title="Set", body="x").replace("type: incident\n", "type: incident\n"
                                       "components: !!set {web: null}\n"))
    write_notice(empty_repo, "key.md", INCIDENT.format(title="Key", body="x").replace(
        "type: incident", "!!python/name:os.system type: incident"))
    result = run(empty_repo, "check")
    assert result.exit_code == 1
    assert result.output == (
        "notices/binary.md:2: the YAML tag '!!binary' is not allowed: write the value "
        "without it\n"
        "notices/custom.md:2: the YAML tag '!custom' is not allowed: write the value "
        "without it\n"
        "notices/key.md:3: the YAML tag '!!python/name:os.system' is not allowed: write the "
        "value without it\n"
        # Read without the tag, the set is a mapping of components to no status.
        "notices/set.md:4: 'components.web': expected a component status (operational, "
        "under_maintenance, degraded_performance, partial_outage, major_outage), received "
        "nothing\n"
        "notices/set.md:4: the YAML tag '!!set' is not allowed: write the value without it\n"
        "5 problems found.\n")
    config = empty_repo / "outpost.yaml"
    base = config.read_text()
    config.write_text(base.replace("name: Web", "name: !!int 012"))
    result = run(empty_repo, "check")
    assert result.exit_code == 1
    assert result.output == ("outpost.yaml:6: the YAML tag '!!int' is not allowed: write the "
                             "value without it\n1 problem found.\n")
    # A tag that says what Outpost reads anyway is fine: text, a list, a mapping.
    config.write_text(base.replace("name: Web", "name: !!str 012"))
    for name in ("binary", "custom", "set", "key"):
        (empty_repo / "notices" / f"{name}.md").unlink()
    write_notice(empty_repo, "plain.md", INCIDENT.format(title="!!str 012", body="x").replace(
        "type: incident\n", "type: incident\ncomponents: !!seq [web]\n"
                            "! impact: !!str minor\n"))
    result = run(empty_repo, "check")
    assert result.exit_code == 0, result.output
    from generator.config.settings import parse_config
    from generator.notices.loader import parse_notice

    notice = parse_notice((empty_repo / "notices" / "plain.md").read_text(),
                          "notices/plain.md", "plain", parse_config(config.read_text()))
    assert (notice.title, notice.components, notice.impact.value) == ("012", ("web",), "minor")


# 6. Size and nesting ----------------------------------------------------------------


DEEP_MESSAGE = ("this update nests block quotes, lists or HTML tags more than 32 levels deep: "
                "flatten it")


@pytest.mark.parametrize("body", [
    "> " * 40 + "deep",
    "<div>" * 40 + "deep",
    "".join("  " * level + "- item\n" for level in range(40)),
])
def test_deep_nesting_is_refused_with_the_limit(empty_repo: Path, run: Run, body: str) -> None:
    write_notice(empty_repo, "deep.md", INCIDENT.format(title="Deep", body=body))
    result = run(empty_repo, "check")
    assert result.exit_code == 1
    assert result.output == f"notices/deep.md:5: {DEEP_MESSAGE}\n1 problem found.\n"


def test_nesting_up_to_the_limit_is_fine(empty_repo: Path, run: Run) -> None:
    write_notice(empty_repo, "quotes.md", INCIDENT.format(title="Quotes", body="> " * 20 + "x"))
    assert run(empty_repo, "check").exit_code == 0


def test_long_texts_and_files_are_refused_with_the_limit(empty_repo: Path, run: Run) -> None:
    write_notice(empty_repo, "long.md", INCIDENT.format(title="Long", body=">" * 100_000))
    write_notice(empty_repo, "huge.md", INCIDENT.format(title="Huge",
                                                        body=("word " * 20 + "\n\n") * 12_000))
    summary = INCIDENT.replace("---\n## ", "---\n" + "a" * 50_001 + "\n## ")
    write_notice(empty_repo, "summary.md", summary.format(title="Summary", body="x"))
    result = run(empty_repo, "check")
    assert result.exit_code == 1
    assert result.output == (
        "notices/huge.md: file is larger than the limit of 1,000,000 bytes: split it or "
        "shorten its updates\n"
        "notices/long.md:5: this update is 100,000 characters long, more than the limit of "
        "50,000: shorten it or split it into updates\n"
        "notices/summary.md:5: the summary is 50,001 characters long, more than the limit "
        "of 50,000: shorten it or split it into updates\n"
        "3 problems found.\n")


def test_tables_that_grow_far_beyond_their_text_are_refused(empty_repo: Path,
                                                             run: Run) -> None:
    # Each row shorter than its table's header is filled to the header's width: 6 KB of
    # text made 5 MB of HTML, and a notice of twenty such updates a 1.4 GB site.
    wide = "|" + "a|" * 1000 + "\n|" + "-|" * 1000 + "\n" + "x\n" * 1000
    write_notice(empty_repo, "wide.md", INCIDENT.format(title="Wide", body=wide))
    written = "|a|b|\n|-|-|\n" + "|c|d|\n" * 1000  # every cell written out: fine
    write_notice(empty_repo, "long.md", INCIDENT.format(title="Long", body=written))
    result = run(empty_repo, "check")
    assert result.exit_code == 1
    assert result.output == (
        "notices/wide.md:5: this update makes tables of 526,000 cells, more than its "
        "6,003 characters (a row with fewer cells than its table's header is filled with "
        "empty ones): give the table fewer columns or write out its rows\n"
        "1 problem found.\n")


def test_a_long_list_of_components_is_checked_in_time(empty_repo: Path) -> None:
    """Each listed component was looked for among those listed before it: 100,000 of
    them (400 KB, under the size limit) kept check busy for minutes."""
    listed = ", ".join(["web"] * 100_000 + [f"x{n}" for n in range(2_000)])
    write_notice(empty_repo, "many.md", INCIDENT.replace("type: incident", "type: incident\n"
                                                         f"components: [{listed}]"
                                                         ).format(title="Many", body="x"))
    done = subprocess.run([sys.executable, "-m", "generator", "--root", str(empty_repo),
                           "check"], capture_output=True, text=True, timeout=60, check=False)
    lines = done.stdout.splitlines()
    assert lines[0] == "notices/many.md:4: component 'web' is listed twice"
    assert lines[-1] == "101999 problems found."


def test_the_renderer_never_parses_deep_nesting() -> None:
    """What check refuses is shown as text, not handed to the sanitizer (whose time grows
    with the square of the depth). The times themselves: see the README, "Limits"."""
    from generator.render.markup import render_markdown

    assert render_markdown("<div>" * 40 + "x<script>") == (
        "<pre>" + "&lt;div&gt;" * 40 + "x&lt;script&gt;</pre>")
    assert render_markdown("> " * 3 + "x") == (
        "<blockquote>\n<blockquote>\n<blockquote>\n<p>x</p>\n</blockquote>\n</blockquote>\n"
        "</blockquote>")


# 7. Symlinks and special files ------------------------------------------------------

GOOD = INCIDENT.format(title="Good", body="Fine.")


def test_links_out_of_the_repository_are_not_read(empty_repo: Path, run: Run,
                                                  tmp_path: Path) -> None:
    outside = tmp_path / "private.md"
    outside.write_text(INCIDENT.format(title="Secret plans", body="## bad heading line"))
    (empty_repo / "notices" / "leak.md").symlink_to(outside)
    (empty_repo / "notices" / "zero.md").symlink_to("/dev/zero")
    (empty_repo / "notices" / "gone.md").symlink_to(empty_repo / "missing.md")
    (tmp_path / "shared").mkdir()
    (empty_repo / "notices" / "shared").symlink_to(tmp_path / "shared")
    result = run(empty_repo, "check")
    assert result.exit_code == 1
    assert result.output == (
        "notices/gone.md: symlink to a file that does not exist\n"
        "notices/leak.md: symlink to a file outside the repository, not read: copy the "
        "notice into notices/\n"
        "notices/shared: symlink to a folder outside the repository, not read: copy its "
        "notices into notices/\n"
        "notices/zero.md: symlink to a file outside the repository, not read: copy the "
        "notice into notices/\n"
        "4 problems found.\n")


def test_links_to_regular_files_inside_the_repository_are_read(empty_repo: Path,
                                                               run: Run) -> None:
    (empty_repo / "drafts").mkdir()
    (empty_repo / "drafts" / "good.md").write_text(GOOD)
    (empty_repo / "notices" / "good.md").symlink_to(empty_repo / "drafts" / "good.md")
    result = run(empty_repo, "check")
    assert result.output == "OK: outpost.yaml and 1 notice are valid.\n"


def test_a_named_pipe_is_refused_without_hanging(empty_repo: Path, tmp_path: Path) -> None:
    os.mkfifo(empty_repo / "notices" / "pipe.md")
    os.mkfifo(empty_repo / "pipe")
    (empty_repo / "notices" / "linked.md").symlink_to(empty_repo / "pipe")
    write_notice(empty_repo, "good.md", GOOD)
    for command in ("check", "build"):
        result = subprocess.run([sys.executable, "-m", "generator", "--root", str(empty_repo),
                                 command], capture_output=True, text=True, timeout=60)
        assert result.returncode == 1
        problems = ("notices/linked.md: not a regular file (a named pipe): notices are plain "
                    "files\n"
                    "notices/pipe.md: not a regular file (a named pipe): notices are plain "
                    "files\n")
        assert (result.stdout + result.stderr) == (
            problems + "2 problems found.\n" if command == "check" else
            "" + problems + "2 problems found. Build stopped: nothing was written.\n")


def test_a_socket_is_named_as_one(empty_repo: Path, run: Run) -> None:
    # Opening a socket fails (ENXIO): it was "cannot read (no such device or address)".
    with socket.socket(socket.AF_UNIX) as listening:
        listening.bind(str(empty_repo / "notices" / "sock.md"))
        result = run(empty_repo, "check")
    assert result.output == ("notices/sock.md: not a regular file (a socket): notices are "
                             "plain files\n1 problem found.\n")


def test_entries_without_lines_are_reported_about_the_whole_entry(empty_repo: Path,
                                                                   run: Run) -> None:
    # A folder, a pipe or a socket has no line 1 to point at (nor to annotate in a pull
    # request): reported as 'path: message', as a symlink leading nowhere is.
    notices = empty_repo / "notices"
    (notices / "2024").mkdir()
    (notices / "x.md").mkdir()
    (empty_repo / "drafts").mkdir()
    (notices / "drafts").symlink_to(empty_repo / "drafts")
    os.mkfifo(notices / "pipe")
    (notices / "gone.md").symlink_to(empty_repo / "missing.md")
    write_notice(empty_repo, "notes.txt", "x")
    folders = "folders inside notices/ are not read: move its notices directly into notices/"
    result = run(empty_repo, "check")
    assert result.exit_code == 1
    assert result.output == (
        f"notices/2024: {folders}\n"
        f"notices/drafts: {folders}\n"
        "notices/gone.md: symlink to a file that does not exist\n"
        "notices/notes.txt:1: not a notice: notice files end in '.md'\n"
        "notices/pipe: not a notice: notice files end in '.md'\n"
        f"notices/x.md: {folders}\n"
        "6 problems found.\n")
    result = run(empty_repo, "check", "--format", "github")
    assert result.output.splitlines()[0] == f"::error file=notices/2024::{folders}"


# 8. Editor and OS leftovers ----------------------------------------------------------


def test_editor_and_os_leftovers_are_ignored(empty_repo: Path, run: Run) -> None:
    write_notice(empty_repo, "good.md", GOOD)
    for name in ("good.md~", ".good.md.swp", "#good.md#", ".#good.md", "good.md.orig",
                 "good.md.bak", "good.md.rej", "4913", ".DS_Store", "Thumbs.db",
                 "desktop.ini"):
        write_notice(empty_repo, name, "---\nbroken: [\n")
    result = run(empty_repo, "check")
    assert result.output == "OK: outpost.yaml and 1 notice are valid.\n"
    result = run(empty_repo, "build", "--now", FIXED_NOW)
    assert result.exit_code == 0, result.output


def test_an_office_owner_file_is_ignored(empty_repo: Path, run: Run) -> None:
    # Word keeps '~$' and the file's name (its first two letters replaced, for a long
    # one) beside a file it has open: the user's name, padded with NULs
    write_notice(empty_repo, "2026-11-30-email-delays.md", GOOD)
    owner = b"\x05alice" + bytes(48) + "\x05alice".encode("utf-16-le") + bytes(100)
    (empty_repo / "notices" / "~$26-11-30-email-delays.md").write_bytes(owner)
    (empty_repo / "notices" / "~$od.md").write_bytes(owner)
    result = run(empty_repo, "check")
    assert result.output == "OK: outpost.yaml and 1 notice are valid.\n"
    result = run(empty_repo, "build", "--now", FIXED_NOW)
    assert result.exit_code == 0, result.output


# 15. Messages -------------------------------------------------------------------------


def test_an_unreadable_file_is_one_problem_among_the_rest(
        empty_repo: Path, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = write_notice(empty_repo, "locked.md", GOOD)
    write_notice(empty_repo, "broken.md", INCIDENT.format(title="", body="x"))
    locked.chmod(0)
    if os.geteuid() == 0:  # root reads it anyway: refuse as the kernel would
        real_open = os.open

        def refusing_open(path: object, *args: object, **kwargs: object) -> int:
            if os.fspath(path) == str(locked):  # type: ignore[call-overload]
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(os, "open", refusing_open)
    result = run(empty_repo, "check")
    assert result.exit_code == 1
    assert result.output == ("notices/broken.md:2: required key 'title' is empty: give it a "
                             "value\n"
                             "notices/locked.md: cannot read (permission denied)\n"
                             "2 problems found.\n")


def test_a_bad_file_name_is_quoted_and_its_content_checked_too(empty_repo: Path,
                                                               run: Run) -> None:
    write_notice(empty_repo, "Bad Name.md", INCIDENT.format(title="x", body="## nope"))
    write_notice(empty_repo, "two\nlines.md", GOOD)
    result = run(empty_repo, "check")
    assert result.exit_code == 1
    assert result.output == (
        "notices/'two\\nlines.md':1: file name must be lowercase letters, digits and hyphens "
        "(it becomes the notice's URL): rename it 'two-lines.md'\n"
        "notices/Bad Name.md:1: file name must be lowercase letters, digits and hyphens (it "
        "becomes the notice's URL): rename it 'bad-name.md'\n"
        "notices/Bad Name.md:5: update has no text: write what happened under the heading\n"
        "notices/Bad Name.md:6: update heading must read '## <Status> - YYYY-MM-DD HH:MM', "
        "got '## nope'\n"
        "4 problems found.\n")


def test_a_bad_file_name_is_told_the_name_to_give_it(empty_repo: Path, run: Run) -> None:
    """The id a bad name reads as, as 'outpost new' makes one of a title: told only what
    a name may hold, an author renamed 'Straße Ärger.md' by guessing. No name is offered
    when nothing of it is left, nor one another file has."""
    good = INCIDENT.format(title="Slow", body="Looking.")
    for name in ("2026-11-28 Straße Ärger.md", "2026-11-28_Email.md", "2026-11-28-email.md",
                 "日本.md"):
        write_notice(empty_repo, name, good)
    rule = ("file name must be lowercase letters, digits and hyphens (it becomes the "
            "notice's URL)")
    assert run(empty_repo, "check", "--now", "2026-11-28 23:00").output == (
        f"notices/2026-11-28 Straße Ärger.md:1: {rule}: rename it "
        "'2026-11-28-strasse-arger.md'\n"
        f"notices/2026-11-28_Email.md:1: {rule}\n"
        f"notices/日本.md:1: {rule}\n"
        "3 problems found.\n")


def test_a_file_name_that_is_not_utf8_is_a_problem_of_that_file(empty_repo: Path,
                                                                run: Run) -> None:
    # A zip made on another system can leave a Latin-1 name; Python reads it with
    # surrogates, which no text encoding takes.
    write_notice(empty_repo, "good.md", GOOD)
    (empty_repo / "notices" / os.fsdecode(b"caf\xe9.md")).write_text(GOOD)
    for command in ("check", "build"):
        result = run(empty_repo, command, "--now", "2026-12-01 00:00")
        assert result.exit_code == 1
        assert result.output == (
            "notices/'caf\\udce9.md':1: file name must be lowercase letters, digits and "
            "hyphens (it becomes the notice's URL): rename it 'caf.md'\n1 problem found.") + (
            "\n" if command == "check" else " Build stopped: nothing was written.\n")
    assert not (empty_repo / "site").exists()


def test_a_stray_file_name_that_is_not_utf8_in_templates_is_no_failure(
        small_repo: Path, run: Run) -> None:
    (small_repo / "templates").mkdir()
    (small_repo / "templates" / os.fsdecode(b"copie-\xe9.html")).write_text("unused")
    for _ in range(2):  # the first build and the one reading its cache
        result = run(small_repo, "build", "--now", FIXED_NOW)
        assert result.exit_code == 0, result.output


# 9. Secrets in outpost.yaml -----------------------------------------------------------

PUBLISH_HINT = ("remove the user name or token from the URL: credentials never go in "
                "outpost.yaml; set them in the environment or a standard credential chain "
                "(AWS_* variables or profiles, a git credential helper)")
URL_ENV_HINT = ("outpost.yaml is public, so set the URL in an environment variable and write "
                "'url_env: NAME' instead")


@pytest.mark.parametrize(("section", "message"), [
    ("publish:\n  - name: m\n    type: s3\n    bucket: b\n"
     "    endpoint_url: \"https://AKIA:S3CR3T@minio.example.org/\"\n",
     f"outpost.yaml:13: 'publish[0].endpoint_url': {PUBLISH_HINT}"),
    ("publish:\n  - name: g\n    type: git\n"
     "    remote: \"https://github.com/a/b.git?access_token=S3CR3T\"\n",
     f"outpost.yaml:12: 'publish[0].remote': {PUBLISH_HINT}"),
    ("publish:\n  - name: g\n    type: git\n"
     "    remote: https://github.com/a/b.git?ghp_abcdefghijklmnopqrstuvwxyz0123\n",
     f"outpost.yaml:12: 'publish[0].remote': {PUBLISH_HINT}"),
    ("publish:\n  - name: g\n    type: git\n"
     "    remote: https://ghp_abcdefghijklmnopqrstuvwxyz0123@github.com/a/b.git\n",
     f"outpost.yaml:12: 'publish[0].remote': {PUBLISH_HINT}"),
    ("notify:\n  since: 1d\n  webhooks:\n    - name: a\n"
     "      url: \"https://example.org/hook?token=S3CR3T\"\n",
     "outpost.yaml:13: 'notify.webhooks[0].url': the URL holds a credential in its query "
     f"('token='); {URL_ENV_HINT}"),
    ("notify:\n  since: 1d\n  webhooks:\n    - name: a\n"
     "      url: \"https://example.org/hook?Access_Token=S3CR3T\"\n",
     "outpost.yaml:13: 'notify.webhooks[0].url': the URL holds a credential in its query "
     f"('Access_Token='); {URL_ENV_HINT}"),
    ("notify:\n  since: 1d\n  webhooks:\n    - name: a\n"
     "      url: \"https://hooks.slack.com./services/T0/B0/S3CR3T\"\n",
     "outpost.yaml:13: 'notify.webhooks[0].url': this webhook URL is itself a secret; "
     "outpost.yaml is public, so set it in an environment variable and write 'url_env: NAME' "
     "instead"),
    ("notify:\n  since: 1d\n  webhooks:\n    - name: a\n"
     "      url: https://acme.webhook.office.com/webhookb2/a@b/IncomingWebhook/S3CR3T/c\n",
     "outpost.yaml:13: 'notify.webhooks[0].url': this webhook URL is itself a secret; "
     "outpost.yaml is public, so set it in an environment variable and write 'url_env: NAME' "
     "instead"),
    ("notify:\n  since: 1d\n  smtp:\n    host: \"user:S3CR3T@smtp.example.org\"\n",
     "outpost.yaml:12: 'notify.smtp.host': give only the host name, such as "
     "'smtp.example.org' (the port goes in 'port'; set OUTPOST_SMTP_USERNAME and "
     "OUTPOST_SMTP_PASSWORD in the environment (CI secrets) instead)"),
    ("home_url: \"https://example.org/?token=S3CR3T\"\n",
     "outpost.yaml:9: Config value 'home_url': the URL holds a credential in its query "
     "('token='), and outpost.yaml is public: remove it (never repeated here)"),
    ("home_url: \"ftp://me:S3CR3T@example.org/\"\n",
     "outpost.yaml:9: Config value 'home_url': the URL holds a user name or password, and "
     "outpost.yaml is public: remove it (never repeated here)"),
    ("description: \"xoxb-1234567890-S3CR3T\"\nfeed_items: \"AKIAABCDEFGHIJKLMNOP\"\n",
     "outpost.yaml:10: Config value 'feed_items': expected a whole number from 1 to 10000, "
     "received a value that holds a credential (not shown)"),
])
def test_secrets_are_refused_and_never_repeated(empty_repo: Path, run: Run, section: str,
                                                message: str) -> None:
    config = empty_repo / "outpost.yaml"
    config.write_text(config.read_text() + section)
    result = run(empty_repo, "check")
    assert result.exit_code == 1
    assert result.output == message + "\n1 problem found.\n"
    assert "S3CR3T" not in result.output and "ghp_" not in result.output
    assert "AKIA" not in result.output


def test_urls_without_secrets_still_pass(empty_repo: Path, run: Run) -> None:
    config = empty_repo / "outpost.yaml"
    config.write_text(config.read_text() + (
        "home_url: https://example.org/portal?lang=en&page=2\n"
        "publish:\n  - name: g\n    type: git\n    remote: git@github.com:a/b.git\n"
        "  - name: h\n    type: git\n    remote: ssh://git@github.com/a/b.git\n"
        "notify:\n  since: 1d\n  webhooks:\n    - name: a\n"
        "      url: https://hooks.example.org/outpost?format=json\n"
        "    - name: b\n      url: https://slack.example.org/hook\n"))
    result = run(empty_repo, "check")
    assert result.output == "OK: outpost.yaml and 0 notices are valid.\n"


# 12. Line-based formats ---------------------------------------------------------------


@pytest.mark.parametrize(("value", "key", "line"), [
    ('"https://status.example.org/\\nX-INJECTED:1/"', "base_url", 2),
    ('"https://status.example.org/\\tx/"', "base_url", 2),
    ('"https://status.example.org/\\u2028x/"', "base_url", 2),
    ("[\"https://mirror.example.net/\\nX: 1\"]", "mirrors[0]", 9),
])
def test_urls_with_line_breaks_or_spaces_are_refused(empty_repo: Path, run: Run, value: str,
                                                     key: str, line: int) -> None:
    config = empty_repo / "outpost.yaml"
    text = config.read_text()
    if key == "base_url":
        text = text.replace("base_url: https://status.example.org/", f"base_url: {value}")
    else:
        text += f"mirrors: {value}\n"
    config.write_text(text)
    result = run(empty_repo, "check")
    assert result.exit_code == 1
    noun = "" if key.startswith("mirrors") else "Config value "
    assert result.output == (f"outpost.yaml:{line}: {noun}'{key}': a URL may not hold spaces, "
                             "line breaks or control characters (write a space as %20)\n"
                             "1 problem found.\n")


def test_calendar_text_can_never_end_a_line() -> None:
    from generator.render.calendar import escape_text

    assert escape_text("a\r\nb\rc\nd\u2028e\x0bf\x01g; h, i\\") == (
        "a\\nb\\nc\\nd\\ne\\nfg\\; h\\, i\\\\")


# 13. Placeholders ---------------------------------------------------------------------


def test_a_value_that_looks_like_a_placeholder_is_written_as_is(empty_repo: Path, run: Run,
                                                                tmp_path: Path) -> None:
    config = empty_repo / "outpost.yaml"
    config.write_text(config.read_text() + "mirrors: [https://mirror.example.net/OUTPOST_CSS/"
                                           "OUTPOST_ICONS/]\n")
    out = tmp_path / "out"
    result = run(empty_repo, "build", "--out", str(out), "--now", FIXED_NOW)
    assert result.exit_code == 0, result.output
    script = (out / "embed.js").read_text()
    assert '"https://mirror.example.net/OUTPOST_CSS/OUTPOST_ICONS/"' in script
    assert "OUTPOST_HOSTS" not in script


def test_init_values_that_look_like_placeholders_are_written_as_is(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from generator.app import cli

    target = tmp_path / "new"
    result = CliRunner().invoke(cli, ["init", str(target), "--title", "Acme @BASE_URL@ Status",
                                      "--timezone", "UTC", "--base-url",
                                      "https://status.acme.test/"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    readme = (target / "README.md").read_text()
    assert readme.startswith("# Acme @BASE_URL@ Status\n")


# 14. RSS channel description ------------------------------------------------------------


def test_rss_channel_description_is_escaped_like_the_items(empty_repo: Path, run: Run,
                                                           tmp_path: Path) -> None:
    import feedparser

    config = empty_repo / "outpost.yaml"
    config.write_text(config.read_text()
                      .replace("title: Test Status", "title: Acme <img src=x onerror=alert(1)>")
                      .replace("name: Web", "name: Web <b>bold</b>"))
    write_notice(empty_repo, "good.md", GOOD)
    out = tmp_path / "out"
    assert run(empty_repo, "build", "--out", str(out), "--now", FIXED_NOW).exit_code == 0
    rss = (out / "feed.xml").read_bytes()
    description = rss[rss.index(b"<description>"):rss.index(b"</description>")]
    assert description == (b"<description>Every update from Acme &amp;lt;img src=x "
                           b"onerror=alert(1)&amp;gt;")
    parsed = feedparser.parse(rss)
    assert parsed.feed.description == ("Every update from Acme &lt;img src=x "
                                       "onerror=alert(1)&gt;")
    component = feedparser.parse((out / "components" / "web" / "feed.xml").read_bytes())
    assert "<b>" not in component.feed.description
    atom = feedparser.parse((out / "atom.xml").read_bytes())
    assert atom.feed.subtitle == "Every update from Acme <img src=x onerror=alert(1)>"


@pytest.mark.parametrize("cache", ["folder", "dangling", "file"])
def test_a_build_waits_for_another_build_of_the_repository(small_repo: Path, tmp_path: Path,
                                                           cache: str) -> None:
    # Two builds at once (two terminals, a CI job and a person) interleaved their
    # writes: the site's manifest listed files the other build had deleted or changed.
    # A build cache that cannot be used (a CI cache restored as a broken link) is no
    # reason to stop taking turns.
    from generator.build.builder import one_build_at_a_time
    from generator.build.store import CACHE_DIR, open_store

    if cache == "dangling":
        (small_repo / CACHE_DIR).symlink_to(tmp_path / "gone")
    elif cache == "file":
        (small_repo / CACHE_DIR).write_text("not a folder")
    with one_build_at_a_time(open_store(small_repo)):
        process = outpost_process(small_repo, "build", "--now", FIXED_NOW)
        time.sleep(2)
        assert process.poll() is None
        assert not (small_repo / "site").exists()
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 0, output
    assert output.startswith("Built ")


# 11. Leftovers of killed runs ----------------------------------------------------------


def age(path: Path, seconds: float = 3600) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def stopped_when(process: subprocess.Popen[str], appears: Callable[[], list[Path]]
                 ) -> list[Path]:
    """Pause ``process`` (SIGSTOP) as soon as ``appears()`` finds something, and return
    what it finds once paused: a signal sent now lands at that point, however late a
    loaded machine runs this test (empty: the process ended or moved on first; it is
    let go on)."""
    deadline = time.monotonic() + 120
    while not appears() and process.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.002)
    if process.poll() is not None:
        return []
    process.send_signal(signal.SIGSTOP)
    found = appears()
    if not found:
        process.send_signal(signal.SIGCONT)
    return found


def kill_when(process: subprocess.Popen[str], appears: Callable[[], list[Path]]) -> list[Path]:
    """SIGKILL ``process``, and the processes it started (git, a forked writer), as soon
    as ``appears()`` finds something; what it found (empty: the process ended first)."""
    found = stopped_when(process, appears)
    if found:
        os.killpg(process.pid, signal.SIGKILL)  # its own group (session=True)
    else:
        process.communicate(timeout=120)
    process.wait()
    deadline = time.monotonic() + 60
    for folder in found:  # the lock a killed child held goes as it ends, a moment later
        fd = os.open(folder, os.O_RDONLY)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    assert time.monotonic() < deadline, f"{folder} stays locked"
                    time.sleep(0.01)
        finally:
            os.close(fd)
    return found


def test_a_build_stopped_by_sigterm_cleans_up_and_says_so(tmp_path: Path) -> None:
    """SIGTERM (a cancelled CI job, ``timeout``) mid-build ends it as Ctrl-C does: exit
    status 1 with a message, no traceback, and no staging folder left behind (the
    default ended the process on the spot with 143, leaving the folder to the next
    build)."""
    from bench import synth

    def staging() -> list[Path]:  # and no site yet: the build has not swapped it in
        found = sorted(root.glob(".site.new-*"))
        return found if not (root / "site").exists() else []

    for attempt in range(5):  # until the stop lands while staging
        root = synth.make_repo(tmp_path / f"repo{attempt}", 400)
        process = outpost_process(root, "build", "--now", FIXED_NOW)
        if stopped_when(process, staging):
            break
        process.communicate(timeout=120)
    else:
        pytest.fail("the build ended before it could be stopped while staging")
    process.send_signal(signal.SIGTERM)
    process.send_signal(signal.SIGCONT)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 1, output
    assert output.endswith("Aborted!\n") and "Traceback" not in output
    assert list(root.glob(".site.*")) == []
    assert not (root / "site").exists()


def test_a_stop_arriving_as_the_staging_folder_is_made_leaves_no_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A Ctrl-C or SIGTERM arriving just after the staging folder was made, before the
    code removing it on a stop was reached, left it behind (the SIGTERM test above saw
    it now and then): the stop is held back until the folder is made, then raised
    where it is removed."""
    import tempfile

    from generator.build import output

    made: list[str] = []
    real = tempfile.mkdtemp

    def mkdtemp(prefix: str, dir: Path) -> str:
        made.append(real(prefix=prefix, dir=dir))
        signal.raise_signal(signal.SIGINT)  # at once, unless held back
        return made[-1]

    monkeypatch.setattr(output.tempfile, "mkdtemp", mkdtemp)
    # Python's own Ctrl-C handler, which a test runner's worker may have replaced.
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            output.replace_site(tmp_path / "site", {"index.html": b"<p>hi</p>"})
    finally:
        signal.signal(signal.SIGINT, before)
    assert len(made) == 1 and not Path(made[0]).exists()
    assert sorted(tmp_path.iterdir()) == []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork: the site is written here")
def test_a_stop_arriving_as_the_writer_forks_leaves_no_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A stop arriving during the fork of the process writing half the site was raised
    before the child was known: nothing ended the child, which went on writing into the
    staging folder as it was removed, and the folder stayed (CI's SIGTERM test saw it
    once). The stop is held until the child is known, then ends it first."""
    from generator.build import output, parallel

    monkeypatch.setattr(parallel, "cores", lambda: 2)
    real = os.fork

    def fork() -> int:
        pid = real()
        if pid:  # once the child is writing (else the folder goes before it starts)
            deadline = time.monotonic() + 30
            while len(list(tmp_path.glob(".site.new-*/notices/*"))) < 20:
                assert time.monotonic() < deadline, "the child never wrote"
                time.sleep(0.001)
            signal.raise_signal(signal.SIGINT)  # at once, unless held back
        return pid

    monkeypatch.setattr(parallel.os, "fork", fork)
    files = {f"notices/n{number}/index.html": b"<p>hi</p>" * 2000
             for number in range(4 * output.PARALLEL_WRITES)}
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            output.replace_site(tmp_path / "site", files, parallel=True)
    finally:
        signal.signal(signal.SIGINT, before)
    assert sorted(tmp_path.iterdir()) == []


def test_a_killed_builds_staging_folder_is_removed_by_the_next_build(tmp_path: Path,
                                                                     run: Run) -> None:
    from bench import synth

    root = synth.make_repo(tmp_path / "repo", 400)
    process = outpost_process(root, "build", "--now", FIXED_NOW, session=True)
    left = kill_when(process, lambda: sorted(root.glob(".site.new-*")))
    assert len(left) == 1, "the build ended before it could be killed while staging"
    live = root / ".site.new-live"  # another run's folder, in use: never taken
    live.mkdir()
    fd = os.open(live, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        young = root / ".site.new-young"  # just made by a run that has not locked it yet
        young.mkdir()
        for folder in (*left, live):
            age(folder)
        assert run(root, "build", "--now", FIXED_NOW).exit_code == 0
        assert sorted(p.name for p in root.glob(".site.*")) == [".site.new-live",
                                                                ".site.new-young"]
    finally:
        os.close(fd)
    assert (root / "site" / "manifest.json").is_file()


def test_a_killed_git_publishs_temporary_folder_is_removed_by_the_next_run(
        example_repo: Path, tmp_path: Path) -> None:
    from tests.publish_support import add_target, build_site

    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(remote)], check=True)
    add_target(example_repo, f"  - name: pages\n    type: git\n    remote: {remote}\n")
    build_site(example_repo, example_repo / "site")
    temp = tmp_path / "temp"
    temp.mkdir()
    env = {"TMPDIR": str(temp)}
    left: list[Path] = []
    for _ in range(5):  # the publish is quick: try again until the kill lands mid-way
        process = outpost_process(example_repo, "publish", env=env, session=True)
        left = kill_when(process, lambda: sorted(temp.glob("outpost-git-*")))
        if left:
            break
    assert left, "the publish ended before it could be killed"
    for folder in left:
        age(folder)
    process = outpost_process(example_repo, "publish", env=env)
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 0, output
    # What stays is the folder whose lock publishes from this machine take in turn.
    assert [p.name for p in sorted(temp.iterdir())] == [f"outpost-publish-{os.getuid()}"]


def test_the_dir_target_prunes_on_every_run(example_repo: Path, tmp_path: Path) -> None:
    """A run killed between the swap and the prune leaves more releases than 'keep'; the
    next run prunes them even when the build is already current."""
    from generator.publish.folder import FolderTarget
    from tests.publish_support import build_site, drain, make_target

    www = tmp_path / "www"
    site = tmp_path / "site"
    target = make_target(example_repo, f"  - name: www\n    type: dir\n    path: {www}\n"
                                       "    keep: 1\n", "www")
    assert isinstance(target, FolderTarget)
    manifest = build_site(example_repo, site)
    drain(target.publish(site, manifest))
    release = next((www / "releases").iterdir())
    for number in (0, 7):  # what a killed run's predecessors left
        shutil.copytree(release, www / "releases" / f"r00000{number}-{manifest.build_id}")
    os.replace(www / "current", www / "current.old")
    (www / "current").symlink_to(Path("releases") / f"r000007-{manifest.build_id}")
    lines = drain(target.publish(site, manifest))
    assert lines[-3:] == [f"build {manifest.build_id} is already current",
                          f"pruned release r000000-{manifest.build_id}",
                          f"pruned release {release.name}"]
    assert [p.name for p in (www / "releases").iterdir()] == [f"r000007-{manifest.build_id}"]


# 10. A damaged site/ is repaired by the next build ------------------------------------


@pytest.mark.parametrize("later", [FIXED_NOW, "2026-11-28T13:00:00Z"])
def test_a_damaged_site_is_repaired_by_the_next_build(example_repo: Path, run: Run,
                                                      tmp_path: Path, later: str) -> None:
    site = example_repo / "site"
    assert run(example_repo, "build", "--now", FIXED_NOW).exit_code == 0
    page = next(site.glob("notices/*/index.html"))
    page.unlink()
    with open(site / "feed.xml", "r+b") as feed:  # overwritten in place: same inode
        feed.write(b"<rss>defaced")
    (site / "404.html").write_bytes((site / "404.html").read_bytes())  # same bytes: fine
    result = run(example_repo, "build", "--now", later)
    assert result.exit_code == 0, result.output
    clean = tmp_path / "clean"
    assert run(example_repo, "build", "--out", str(clean), "--now", later).exit_code == 0
    assert tree(site) == tree(clean)
    assert run(example_repo, "build", "--now", later).output == (
        f"Built {len(tree(clean))} files into {site}\n")
    from generator.publish.runner import read_site

    read_site(site)  # what `outpost publish` refused ("run outpost build again") before


def test_authoring_commands_never_block_on_a_pipe_nor_replace_a_link(empty_repo: Path,
                                                                    run: Run) -> None:
    write_notice(empty_repo, "good.md", GOOD)
    os.mkfifo(empty_repo / "notices" / "pipe.md")
    outputs = []
    for args in (("update", "pipe", "-m", "x", "--at", "2026-11-28 10:00"),
                 ("update", "nothing-like-this", "-m", "x")):
        result = subprocess.run([sys.executable, "-m", "generator", "--root", str(empty_repo),
                                 *args], capture_output=True, text=True, timeout=60)
        assert result.returncode == 1
        outputs.append(result.stderr)
    assert outputs[0] == ("notices/pipe.md: not a regular file (a named pipe): notices "
                          "are plain files\n1 problem found. Nothing was written.\n")
    assert outputs[1].startswith("Error: no notice matches 'nothing-like-this'")
    (empty_repo / "notices" / "pipe.md").unlink()
    (empty_repo / "drafts").mkdir()
    (empty_repo / "notices" / "good.md").rename(empty_repo / "drafts" / "good.md")
    (empty_repo / "notices" / "good.md").symlink_to(empty_repo / "drafts" / "good.md")
    result = run(empty_repo, "update", "good", "-m", "x", "--at", "2026-11-28 10:00")
    assert result.exit_code == 1
    assert result.output == ("notices/good.md: is a symlink: edit the file it points "
                             "to\n1 problem found. Nothing was written.\n")
    assert (empty_repo / "notices" / "good.md").is_symlink()


def test_authoring_commands_refuse_control_characters_before_writing(empty_repo: Path,
                                                                     run: Run) -> None:
    path = write_notice(empty_repo, "good.md", GOOD)
    result = run(empty_repo, "update", "good", "-m", "Still \x1b[31mslow", "--at",
                 "2026-11-28 10:00")
    assert result.exit_code == 1
    assert result.output == ("Error: line 1 of the message: character U+001B is not allowed "
                             "(a control character or a noncharacter): remove it\n"
                             "Nothing was written.\n")
    assert path.read_text() == GOOD


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_killed_builds_forked_child_ends_with_it(tmp_path: Path) -> None:
    """A second process (rendering, writing half of a site) must not outlive a build
    killed mid-way: it would keep writing into, and locking, a folder the next build
    removes."""
    script = tmp_path / "parent.py"
    script.write_text(
        "import sys, time\n"
        "from generator.build.parallel import Forked, cores\n"
        "assert cores() > 1\n"
        "child = Forked([lambda: time.sleep(60)])\n"
        "print(child._pid, flush=True)\n"
        "time.sleep(60)\n")
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                              text=True, cwd=Path(__file__).resolve().parent.parent)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    os.kill(child, 0)  # alive
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:  # gone, or a zombie its new parent has not reaped yet
            if Path(f"/proc/{child}/stat").read_text().split(")")[-1].split()[0] == "Z":
                return
        except (FileNotFoundError, ProcessLookupError):
            return
        time.sleep(0.05)
    raise AssertionError(f"the forked child {child} outlived its killed parent")


def _full_folder(folder: Path, count: int) -> None:
    for index in range(count):
        (folder / f"d{index}").mkdir(parents=True)
        (folder / f"d{index}" / "index.html").write_bytes(b"x")


def _gated_rmtree(gate: Path) -> Callable[..., None]:
    """shutil.rmtree that starts once ``gate`` exists: a test sees the removal still to
    come, however quickly the machine would otherwise have done it."""
    real = shutil.rmtree

    def rmtree(path: Path, *args: object, **kwargs: object) -> None:
        deadline = time.monotonic() + 60
        while not gate.exists() and time.monotonic() < deadline:
            time.sleep(0.005)
        real(path, *args, **kwargs)  # type: ignore[arg-type]

    return rmtree


def test_an_old_site_removed_in_the_background_stays_locked_until_gone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The detached remover keeps the staging folder's lock: no other run takes the
    folder for a leftover while it is being removed."""
    from generator.build.output import _hold, remove_in_background

    old = tmp_path / ".site.new-old"
    _full_folder(old, 3000)
    gate = tmp_path / "gate"
    monkeypatch.setattr(shutil, "rmtree", _gated_rmtree(gate))  # the remover forks from here
    lock = _hold(old)
    try:
        assert remove_in_background(old, lock)
    finally:
        os.close(lock)
    with pytest.raises(BlockingIOError):  # held while the removal has not started
        os.close(_hold(old))
    gate.touch()
    deadline = time.monotonic() + 60
    checks = 0
    while True:  # as long as the folder is there, its lock is held
        try:
            os.close(_hold(old))
        except BlockingIOError:
            checks += 1
        except FileNotFoundError:
            break
        else:  # taken: only right as the remover finished with it
            assert not old.exists(), "the folder was unlocked while being removed"
            break
        assert time.monotonic() < deadline
        time.sleep(0.002)
    assert checks and not old.exists()


def test_the_background_remover_keeps_none_of_the_callers_output(tmp_path: Path) -> None:
    """A caller reading the build's output to its end does not wait for the removal."""
    old = tmp_path / ".site.new-old"
    _full_folder(old, 5000)
    gate = tmp_path / "gate"  # the removal waits for it (see _gated_rmtree)
    code = ("import os, shutil, sys, time; from pathlib import Path\n"
            "from generator.build.output import _hold, remove_in_background\n"
            "real = shutil.rmtree\n"
            "def rmtree(path, *args, **kwargs):\n"
            "    end = time.monotonic() + 60\n"
            f"    while not os.path.exists({str(gate)!r}) and time.monotonic() < end:\n"
            "        time.sleep(0.005)\n"
            "    real(path, *args, **kwargs)\n"
            "shutil.rmtree = rmtree\n"
            f"folder = Path({str(old)!r}); lock = _hold(folder)\n"
            "assert remove_in_background(folder, lock); print('returned')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False)
    assert (done.returncode, done.stdout, done.stderr) == (0, "returned\n", "")
    assert old.exists()  # the output ended before the removal did
    gate.touch()
    deadline = time.monotonic() + 60
    while old.exists():
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_publish_and_verify_never_block_on_a_fifo_in_the_site(example_repo: Path,
                                                              tmp_path: Path, run: Run) -> None:
    """A FIFO where a built page was: publish refuses the site and says which file;
    verify reads that page back from the target instead of the local copy. Each runs as
    a real process with a time limit, so a read that blocks fails the test."""
    remote = tmp_path / "pages.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    with open(example_repo / "outpost.yaml", "a", encoding="utf-8") as config:
        config.write(f"publish:\n  - name: pages\n    type: git\n    remote: {remote}\n"
                     "    branch: gh-pages\n")
    assert run(example_repo, "build", "--now", FIXED_NOW).exit_code == 0
    assert run(example_repo, "publish").exit_code == 0
    page = sorted((example_repo / "site").glob("notices/*/index.html"))[0]
    name = page.relative_to(example_repo / "site").as_posix()
    page.unlink()
    os.mkfifo(page)

    def outpost(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "generator", "--root", str(example_repo),
                               *args], capture_output=True, text=True, timeout=60,
                              check=False)

    published = outpost("publish")
    assert (published.returncode, published.stdout + published.stderr) == (
        1, f"Error: the site in {example_repo / 'site'} does not match its manifest.json "
           f"({name} is not a readable regular file): run outpost build again\n")
    verified = outpost("verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr


@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_settings_that_are_not_a_plain_file_are_refused(example_repo: Path, kind: str
                                                        ) -> None:
    """outpost.yaml as a FIFO (which would block a read) or a folder: every command that
    reads the settings says so, as a process with a time limit."""
    (example_repo / "outpost.yaml").unlink()
    if kind == "fifo":
        os.mkfifo(example_repo / "outpost.yaml")
    else:
        (example_repo / "outpost.yaml").mkdir()
    problem = ("outpost.yaml: not a regular file that can be read: write the settings into "
               "a plain file\n1 problem found.")
    for command, said in ((["check"], f"{problem}\n"),
                          (["build", "--now", FIXED_NOW],
                           f"{problem} Build stopped: nothing was written.\n")):
        done = subprocess.run([sys.executable, "-m", "generator", "--root", str(example_repo),
                               *command], capture_output=True, text=True, timeout=60,
                              check=False)
        assert (done.returncode, done.stdout + done.stderr) == (1, said), command


def _refused_as_linked_outside(repo: Path, run: Run, problem: str) -> None:
    """check names ``problem``; build says it too and writes nothing."""
    found = f"{problem}\n1 problem found."
    assert run(repo, "check").output == f"{found}\n"
    result = run(repo, "build", "--now", FIXED_NOW)
    assert (result.exit_code, result.output) == (
        1, f"{found} Build stopped: nothing was written.\n")
    assert not (repo / "site").exists()


def test_settings_linked_from_outside_the_repository_are_not_read(empty_repo: Path, run: Run,
                                                                  tmp_path: Path) -> None:
    """A pull request can make outpost.yaml a symlink: check echoed the file it led to
    (/etc/passwd, a runner's credentials) into the log as the value it did not expect."""
    outside = tmp_path / "private.txt"
    outside.write_text("a private line\n")
    (empty_repo / "outpost.yaml").unlink()
    (empty_repo / "outpost.yaml").symlink_to(outside)
    _refused_as_linked_outside(empty_repo, run, (
        "outpost.yaml: symlink to a file outside the repository, not read: copy the "
        "settings into outpost.yaml"))
    (empty_repo / "settings.yaml").write_text(MINIMAL_CONFIG)  # inside: read
    (empty_repo / "outpost.yaml").unlink()
    (empty_repo / "outpost.yaml").symlink_to("settings.yaml")
    assert run(empty_repo, "check").exit_code == 0


def test_templates_linked_from_outside_the_repository_are_not_read(empty_repo: Path,
                                                                   run: Run,
                                                                   tmp_path: Path) -> None:
    """templates/ as a symlink to /usr made check read and parse every file under it (it
    never ended); to a folder of someone else's files, build published them."""
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "404.html").write_text("a private line\n")
    (empty_repo / "templates").symlink_to(outside)
    _refused_as_linked_outside(empty_repo, run, (
        "templates: symlink to a folder outside the repository, not read: copy the "
        "templates into templates/"))
    (empty_repo / "templates").unlink()
    shutil.copytree(outside, empty_repo / "kept")
    (empty_repo / "templates").symlink_to("kept")  # inside: read
    assert run(empty_repo, "build", "--now", FIXED_NOW).exit_code == 0
    assert (empty_repo / "site" / "404.html").read_text() == "a private line\n"


def test_notices_linked_from_outside_the_repository_are_not_read(empty_repo: Path, run: Run,
                                                                 tmp_path: Path) -> None:
    """notices/ as a symlink out of the repository, as templates/ is: build published
    every '.md' file of the folder it led to, list listed them, and new wrote there."""
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "2026-11-28-private.md").write_text(SLOW_SIGN_IN.replace("Slow sign-in",
                                                                        "A private line"))
    (empty_repo / "notices").rmdir()
    (empty_repo / "notices").symlink_to(outside)
    problem = ("notices: symlink to a folder outside the repository, not read: copy the "
               "notices into notices/")
    _refused_as_linked_outside(empty_repo, run, problem)
    for command in (["list"], ["new", "incident", "Hello", "-m", "x"],
                    ["update", "private", "-m", "x"]):
        result = run(empty_repo, *command)
        written = "" if command == ["list"] else " Nothing was written."
        assert (result.exit_code, result.output) == (
            1, f"{problem}\n1 problem found.{written}\n"), command
    assert sorted(os.listdir(outside)) == ["2026-11-28-private.md"]
    (empty_repo / "notices").unlink()
    shutil.copytree(outside, empty_repo / "kept")
    (empty_repo / "notices").symlink_to("kept")  # inside: read
    assert run(empty_repo, "build", "--now", FIXED_NOW).exit_code == 0
    assert (empty_repo / "site" / "notices" / "2026-11-28-private" / "index.html").exists()


@pytest.mark.parametrize(("name", "kind"), [("404.html", "file"), ("embed", "folder")])
def test_a_symlink_in_templates_leading_outside_the_repository_is_not_read(
        empty_repo: Path, run: Run, tmp_path: Path, name: str, kind: str) -> None:
    """A link in templates/ itself, to a file or a folder: check passed it, and build
    published what it led to (a runner's credentials) as the 404 page or the banner."""
    outside = tmp_path / "elsewhere"
    (outside / "embed").mkdir(parents=True)
    for page in ("404.html", "embed/page.html"):
        (outside / page).write_text("a private line\n")
    (empty_repo / "templates").mkdir()
    (empty_repo / "templates" / name).symlink_to(outside / name)
    _refused_as_linked_outside(empty_repo, run, (
        f"templates/{name}: symlink to a {kind} outside the repository, not read: copy it "
        "into templates/"))
    (empty_repo / "templates" / name).unlink()
    shutil.copytree(outside, empty_repo / "kept")
    (empty_repo / "templates" / name).symlink_to(empty_repo / "kept" / name)  # inside: read
    assert run(empty_repo, "build", "--now", FIXED_NOW).exit_code == 0
    page = "404.html" if kind == "file" else "embed/banner.html"
    assert (empty_repo / "site" / page).read_text() == "a private line\n"


@pytest.mark.parametrize(("link", "target", "problem"), [
    ("templates/404.html", "../.git/config",
     "templates/404.html: symlink to a file outside the repository, not read: copy it "
     "into templates/"),
    ("templates/embed", "../.git", "templates/embed: symlink to a folder outside the "
     "repository, not read: copy it into templates/"),
    ("notices/2026-11-28-x.md", "../.git/config", "notices/2026-11-28-x.md: symlink to a "
     "file outside the repository, not read: copy the notice into notices/"),
    ("outpost.yaml", ".git/config", "outpost.yaml: symlink to a file outside the "
     "repository, not read: copy the settings into outpost.yaml"),
])
def test_a_symlink_into_the_git_folder_is_not_read(empty_repo: Path, run: Run, link: str,
                                                   target: str, problem: str) -> None:
    """.git holds no content of the repository, and CI's checkout keeps its token in
    .git/config: linked as templates/404.html, it was published as the 404 page."""
    for command in (["init", "-q"], ["config", "http.https://github.com/.extraheader",
                                     "AUTHORIZATION: basic eC1hY2Nlc3MtdG9rZW46c2VjcmV0"]):
        subprocess.run(["git", "-C", str(empty_repo), *command], check=True)
    (empty_repo / "templates").mkdir()
    (empty_repo / link).unlink(missing_ok=True)
    (empty_repo / link).symlink_to(target)
    _refused_as_linked_outside(empty_repo, run, problem)


def test_settings_have_the_size_limit_of_a_notice(empty_repo: Path, run: Run) -> None:
    """A 3 GB outpost.yaml (a sparse file here) took 9 GB of memory to be refused."""
    with (empty_repo / "outpost.yaml").open("ab") as settings:
        settings.truncate(3_000_000_000)
    result = run(empty_repo, "check")
    assert (result.exit_code, result.output) == (
        1, "outpost.yaml: file is larger than the limit of 1,000,000 bytes: shorten it\n"
           "1 problem found.\n")


@pytest.mark.parametrize("value", ["https://s.example.org/a|b/", "https://s.example.org/<x>/",
                                   'https://s.example.org/"q"/', "https://s.example.org/{a}/",
                                   "https://s.example.org/a`b/", "https://s.example.org/a^b/",
                                   "https://s.example.org/a\\b/"])
def test_urls_with_characters_no_url_holds_are_refused(empty_repo: Path, run: Run,
                                                       value: str) -> None:
    """RFC 3986 leaves these out of URLs: written raw, they end up in Atom ids (which
    must be URIs) and break Slack's '<url|text>' links, so they are asked for encoded."""
    config = empty_repo / "outpost.yaml"
    config.write_text(config.read_text().replace(
        "base_url: https://status.example.org/", f"base_url: '{value}'"))
    result = run(empty_repo, "check")
    assert result.exit_code == 1
    assert result.output == ("outpost.yaml:2: Config value 'base_url': a URL may not hold "
                             "<, >, \", {, }, |, \\, ^ or ` (percent-encode them, such as "
                             "%7C for |)\n1 problem found.\n")
