"""outpost new, update, resolve and list through the real CLI on temp repositories."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator.app import cli
from generator.disk import create_file_exclusive, write_file_atomic
from tests.conftest import Run

INCIDENT = """\
---
title: Email delivery delays   # keep this comment
type: incident
impact: major
components: [web]
---
Summary stays.

## Identified - 2026-11-28 06:30
Found the queue.

## Investigating - 2026-11-28 06:00
Emails are late.
"""


COMMENT_ONLY = ("the message holds only HTML comments (<!-- -->), which readers never see: "
                "write the update's text with -m TEXT or --message-file FILE ('-' for "
                "standard input)")

OPEN_FENCE = ("line {line} of the message opens a code fence ({run}) that is never closed, so "
              "it would run into the updates below it: end it with a line holding only "
              "{run}; nothing was written")


def notice(root: Path, name: str) -> str:
    return (root / "notices" / f"{name}.md").read_text()


def write(root: Path, name: str, text: str) -> Path:
    path = root / "notices" / f"{name}.md"
    path.write_text(text)
    return path


def error(result_output: str) -> str:
    return result_output.strip().removeprefix("Error: ")


# --- new ---------------------------------------------------------------------------------

def test_new_incident_writes_a_valid_notice(empty_repo: Path, run: Run) -> None:
    result = run(empty_repo, "new", "incident", "Email delivery delays", "--impact", "MAJOR",
                 "--component", "web", "--component", "api,web", "--status", "investigating",
                 "--at", "2026-11-28 06:00", "-m", "Emails are late.\n")
    assert result.exit_code == 0, result.output
    assert result.output == ("Created 2026-11-28-email-delivery-delays: "
                             "notices/2026-11-28-email-delivery-delays.md\n")
    assert notice(empty_repo, "2026-11-28-email-delivery-delays") == (
        "---\ntitle: Email delivery delays\ntype: incident\nimpact: major\n"
        "components: [web, api]\n---\n## Investigating - 2026-11-28 06:00\nEmails are late.\n")
    assert run(empty_repo, "check").exit_code == 0


def test_new_never_overwrites_same_title_same_day(empty_repo: Path, run: Run) -> None:
    for _ in range(3):
        assert run(empty_repo, "new", "incident", "Email delays", "--at",
                   "2026-11-28 06:00").exit_code == 0
    names = sorted(p.name for p in (empty_repo / "notices").iterdir())
    assert names == ["2026-11-28-email-delays-2.md", "2026-11-28-email-delays-3.md",
                     "2026-11-28-email-delays.md"]
    # Default impact and message when none is given.
    assert notice(empty_repo, "2026-11-28-email-delays-3") == (
        "---\ntitle: Email delays\ntype: incident\nimpact: minor\n---\n"
        "## Investigating - 2026-11-28 06:00\nWe are investigating this issue and will post "
        "an update as soon as we know more.\n")


def test_new_reads_message_from_stdin_and_file(empty_repo: Path, run: Run,
                                                tmp_path: Path) -> None:
    result = run(empty_repo, "new", "incident", "Piped", "--at", "2026-11-28 06:00",
                 "--message-file", "-", input="From stdin.\n")
    assert result.exit_code == 0, result.output
    assert notice(empty_repo, "2026-11-28-piped").endswith("06:00\nFrom stdin.\n")
    message = tmp_path / "msg.md"
    message.write_text("From a file.\r\n\r\nSecond paragraph.\r\n")
    result = run(empty_repo, "new", "incident", "Filed", "--at", "2026-11-28 06:00",
                 "--message-file", str(message))
    assert result.exit_code == 0, result.output
    assert notice(empty_repo, "2026-11-28-filed").endswith(
        "06:00\nFrom a file.\n\nSecond paragraph.\n")
    both = run(empty_repo, "new", "incident", "Both", "-m", "x", "--message-file", str(message))
    assert both.exit_code == 2
    assert "Error: give the text with -m or with --message-file, not both" in both.output


def test_new_title_needing_quotes_round_trips(empty_repo: Path, run: Run) -> None:
    title = 'Portal: "502" errors # again'
    result = run(empty_repo, "new", "incident", title, "--at", "2026-11-28 06:00")
    assert result.exit_code == 0, result.output
    text = notice(empty_repo, "2026-11-28-portal-502-errors-again")
    assert 'title: "Portal: \\"502\\" errors # again"\n' in text
    listed = run(empty_repo, "list", "--now", "2026-11-28 07:00")
    assert "2026-11-28-portal-502-errors-again" in listed.output


@pytest.mark.parametrize(("title", "name"), [
    ("Laptops \U0001f469\u200d\U0001f4bb down", "2026-11-28-laptops-down"),  # a ZWJ emoji
    ("\u05e9\u05e2\u05e8\u200f portal", "2026-11-28-portal"),  # Hebrew and its RLM mark
    ("Auto\u00admation jobs", "2026-11-28-automation-jobs"),  # a soft hyphen
])
def test_new_takes_every_title_a_notice_file_may_hold(empty_repo: Path, run: Run, title: str,
                                                       name: str) -> None:
    # Format characters are one line of text: check reads them from a file, so new
    # writes them too.
    result = run(empty_repo, "new", "incident", title, "--at", "2026-11-28 06:00", "-m", "x")
    assert result.exit_code == 0, result.output
    assert result.output == f"Created {name}: notices/{name}.md\n"
    assert run(empty_repo, "check", "--now", "2026-11-28 07:00").exit_code == 0
    front = notice(empty_repo, name).split("---\n")[1]
    assert yaml.safe_load(front)["title"] == title


def test_new_maintenance(empty_repo: Path, run: Run) -> None:
    result = run(empty_repo, "new", "maintenance", "Database upgrade", "--start",
                 "2026-12-05 22:00", "--end", "2026-12-06 01:00", "--component", "api",
                 "--at", "2026-11-28 09:15")
    assert result.exit_code == 0, result.output
    assert result.output == ("Created 2026-12-05-database-upgrade: "
                             "notices/2026-12-05-database-upgrade.md\n")
    assert notice(empty_repo, "2026-12-05-database-upgrade") == (
        "---\ntitle: Database upgrade\ntype: maintenance\ncomponents: [api]\n"
        "start: 2026-12-05 22:00\nend: 2026-12-06 01:00\n---\n"
        "## Scheduled - 2026-11-28 09:15\nMaintenance is scheduled for Dec 5, 2026, "
        "10:00 PM \u2013 Dec 6, 1:00 AM CST.\n")


@pytest.mark.parametrize(("args", "message"), [
    (("maintenance", "Upgrade", "--start", "2026-12-05 22:00", "--end", "2026-12-05 21:00"),
     "--end (2026-12-05 21:00) must be after --start (2026-12-05 22:00)"),
    (("maintenance", "Upgrade", "--start", "2026-12-05 22:00", "--end", "2026-12-05 22:00"),
     "--end (2026-12-05 22:00) must be after --start (2026-12-05 22:00)"),
    # Seconds are dropped, as from --at: within one minute, the window would be empty.
    (("maintenance", "Upgrade", "--start", "2026-12-05 22:00:10", "--end",
      "2026-12-05 22:00:50"),
     "--end (2026-12-05 22:00) must be after --start (2026-12-05 22:00)"),
    (("incident", "Outage", "--component", "mail"),
     "unknown component 'mail' (outpost.yaml declares: web, api)"),
    (("incident", "Outage", "--component", "wbe"),
     "unknown component 'wbe' (did you mean 'web'? outpost.yaml declares: web, api)"),
    # Typed as the page names it: difflib finds no likeness between 'API' and 'api'.
    (("incident", "Outage", "--component", "API"),
     "unknown component 'API' (did you mean 'api'? outpost.yaml declares: web, api)"),
    (("incident", "Outage", "--status", "Scheduled"),
     "unknown status 'Scheduled' for incident (Scheduled is a maintenance status; expected "
     "one of: Investigating, Identified, Monitoring, Update, Resolved)"),
    (("maintenance", "Upgrade", "--start", "2026-12-05 22:00", "--end", "2026-12-06 01:00",
      "--status", "monitoring"),
     "unknown status 'monitoring' for maintenance (Monitoring is an incident status; "
     "maintenances use Verifying; expected one of: Scheduled, In progress, Verifying, Update, "
     "Completed)"),
    (("maintenance", "Upgrade", "--start", "2026-12-05 22:00", "--end", "2026-12-06 01:00",
      "--status", "in_progress"),
     "unknown status 'in_progress' for maintenance (write it 'In progress'; expected one of: "
     "Scheduled, In progress, Verifying, Update, Completed)"),
    (("incident", "Outage", "--status", "Identified\u200b"),
     "unknown status 'Identified\u200b' for incident (expected one of: Investigating, "
     "Identified, Monitoring, Update, Resolved): it holds a zero width space (U+200B), an "
     "invisible character: remove it"),
    (("incident", "Outage", "--status", "Postmortem"),
     "a postmortem is not an update's status: post it with outpost postmortem NOTICE"),
    (("incident", "   "), 'empty title: give the notice a short title, such as '
                           '"Email delivery delays"'),
    (("incident", "Two\nlines"), "the title must be one line of printable text"),
    # The title comes from the command line, not from a file: its problems are told as
    # the title's, never at the path:line of a file that was not written.
    (("incident", "Email\u200bdelays"),
     "title must not hold the zero width space (U+200B), an invisible character that makes "
     "text read differently from what was written: remove it"),
    (("incident", "Email delays\ufeff"),
     "title must not hold the zero width no-break space (U+FEFF), an invisible character "
     "that makes text read differently from what was written: remove it"),
    (("incident", "x" * 251), "the title is 251 characters long, more than the limit of 250: "
                             "shorten it"),
    (("incident", "Outage", "-m", "  \n "),
     "empty message: write the update's text with -m TEXT or --message-file FILE ('-' for "
     "standard input)"),
    (("incident", "Outage", "-m", "<!-- What happened? -->\n"), COMMENT_ONLY),
    # A '##' line would open a second update: 'new' wrote a notice resolved at once.
    (("incident", "Outage", "--at", "2026-11-28 06:00", "-m",
      "Mail is late.\n## Resolved - 2026-11-28 06:30\nFixed."),
     "line 2 of the message starts with '##', which would begin a new update: use '###' for a "
     "heading inside an update; nothing was written"),
    (("maintenance", "Upgrade", "--start", "2026-12-05 22:00", "--end", "2026-12-06 01:00",
      "-m", "Steps:\n\n## Plan"),
     "line 3 of the message starts with '##', which would begin a new update: use '###' for a "
     "heading inside an update; nothing was written"),
])
def test_new_refuses_wrong_use(empty_repo: Path, run: Run, args: tuple[str, ...],
                               message: str) -> None:
    result = run(empty_repo, "new", *args)
    assert result.exit_code == 1
    assert result.output == f"Error: {message}\n"
    assert list((empty_repo / "notices").iterdir()) == []


LONG = "word " * 12_000
TOO_LONG = ("the message: this update is 59,999 characters long, more than the limit of "
            "50,000: shorten it or split it into updates\nNothing was written.")


def test_a_message_over_a_limit_is_told_as_the_message(empty_repo: Path, run: Run) -> None:
    """The limits are checked on the would-be file; its path:line (a file never written, or
    a line holding something else) would send the reader looking in the wrong place."""
    new = run(empty_repo, "new", "incident", "Outage", "--at", "2026-11-28 06:00", "-m", LONG)
    assert new.exit_code == 1
    assert new.output == f"Error: {TOO_LONG}\n"
    assert list((empty_repo / "notices").iterdir()) == []
    write(empty_repo, "2026-11-28-email", INCIDENT)
    for command in ("update", "postmortem"):
        posted = run(empty_repo, command, "email", "--at", "2026-11-28 07:00", "-m", LONG)
        assert posted.exit_code == 1
        assert posted.output == f"Error: {TOO_LONG}\n"
    assert notice(empty_repo, "2026-11-28-email") == INCIDENT


def test_an_edit_taking_the_file_over_its_size_limit_writes_nothing(
        empty_repo: Path, run: Run) -> None:
    """check and every build stop on a notice over 1,000,000 bytes: the edit that would
    make one is refused, as one making any other problem is."""
    words = "Queue drained. " * 3000  # 45,000 characters an update
    updates = "".join(f"## Update - 2026-11-28 {7 + n // 60:02}:{n % 60:02}\n{words}\n\n"
                      for n in range(21, -1, -1))
    text = INCIDENT.replace("## Identified", updates + "## Identified")
    text = text.replace("Summary stays.", "Summary stays." + " " * (999_990 - len(text)))
    write(empty_repo, "2026-11-28-email", text)
    assert run(empty_repo, "check").exit_code == 0
    for command, size in (("update", "1,000,043"), ("postmortem", "1,000,047")):
        posted = run(empty_repo, command, "email", "--at", "2026-11-28 08:00", "-m",
                     "Mail is flowing again.")
        assert posted.exit_code == 1
        assert posted.output == (
            f"Error: notices/2026-11-28-email.md: the file would be {size} bytes, over "
            "the limit of 1,000,000: shorten the text, or post it in a new notice\n"
            "Nothing was written.\n")
    assert notice(empty_repo, "2026-11-28-email") == text
    assert run(empty_repo, "resolve", "email", "--at", "2026-11-28 08:00").exit_code == 1


def test_new_bad_time_is_a_usage_error(empty_repo: Path, run: Run) -> None:
    result = run(empty_repo, "new", "incident", "Outage", "--at", "yesterday")
    assert result.exit_code == 2
    assert ("Error: Invalid value for '--at': bad time 'yesterday': expected 'YYYY-MM-DD HH:MM'"
            in result.output)
    gap = run(empty_repo, "new", "incident", "Outage", "--at", "2026-03-08 02:30")
    assert gap.exit_code == 2
    assert ("time '2026-03-08 02:30' does not exist in America/Chicago" in gap.output)
    # Daylight time typed in November: the offset it stands for, not an example's.
    zone = run(empty_repo, "new", "incident", "Outage", "--at", "2026-11-28 10:30 CDT")
    assert zone.exit_code == 2
    assert zone.output.endswith(
        "bad time '2026-11-28 10:30 CDT': zone abbreviations such as 'CDT' are not accepted; "
        "write its offset instead: '2026-11-28 10:30 -05:00'\n")
    assert list((empty_repo / "notices").iterdir()) == []


def outpost(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command in its own process, so that one that would never end fails instead."""
    return subprocess.run([sys.executable, "-m", "generator", "--root", str(root), *args],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          timeout=60, check=False)


@pytest.mark.parametrize(("make", "what", "todo"), [
    (lambda folder: folder.write_text(""), "a file", "move it aside or remove it"),
    (lambda folder: folder.symlink_to("/nonexistent"), "a symlink leading nowhere",
     "restore its target or remove it"),
])
def test_new_refuses_a_notices_folder_that_is_not_one(
        empty_repo: Path, make: Callable[[Path], object], what: str, todo: str) -> None:
    folder = empty_repo / "notices"
    folder.rmdir()
    make(folder)
    result = outpost(empty_repo, "new", "incident", "Hello", "-m", "x")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (f"notices: not a folder ({what}): the site's notices are "
                             f"kept in a folder of this name, one file each; {todo}\n"
                             "1 problem found. Nothing was written.\n")
    assert os.path.lexists(folder) and not folder.is_dir()


@pytest.mark.parametrize("target", ["/nonexistent", "2026-11-28-hello.md"])
def test_new_names_a_symlink_leading_nowhere_in_its_place(empty_repo: Path,
                                                           target: str) -> None:
    link = empty_repo / "notices" / "2026-11-28-hello.md"
    link.symlink_to(target)  # missing, or itself
    result = outpost(empty_repo, "new", "incident", "Hello", "-m", "x", "--at",
                     "2026-11-28 05:00")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == ("notices/2026-11-28-hello.md: a symlink leading nowhere "
                             "holds this name: remove it or restore its target\n"
                             "1 problem found. Nothing was written.\n")
    assert [p.name for p in (empty_repo / "notices").iterdir()] == [link.name]
    assert os.readlink(link) == target


def test_new_gives_up_when_every_name_is_taken_meanwhile(
        empty_repo: Path, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another writer creating each chosen file first: a bounded number of tries."""
    import generator.notices.authoring as authoring

    tries: list[Path] = []

    def taken(path: Path, data: bytes) -> None:
        tries.append(path)
        raise FileExistsError(path)

    monkeypatch.setattr(authoring, "create_file_exclusive", taken)
    result = run(empty_repo, "new", "incident", "Hello", "-m", "x")
    assert result.exit_code == 1
    assert result.output == ("Error: another program keeps taking the file names for this "
                             "notice in notices/ (20 tries); nothing was written\n")
    assert len(tries) == 20
    assert list((empty_repo / "notices").iterdir()) == []


def test_a_file_holding_the_folder_name_is_not_a_taken_name(tmp_path: Path) -> None:
    """Writing under a file is NotADirectoryError, never the FileExistsError that means
    "this name is taken, try the next"."""
    (tmp_path / "notices").write_text("")
    with pytest.raises(NotADirectoryError):
        create_file_exclusive(tmp_path / "notices" / "a.md", b"x")
    with pytest.raises(NotADirectoryError):
        write_file_atomic(tmp_path / "notices" / "a.md", b"x")
    assert [p.name for p in tmp_path.iterdir()] == ["notices"]


# --- update and resolve --------------------------------------------------------------------

def test_update_inserts_in_place_keeping_every_other_byte(empty_repo: Path, run: Run) -> None:
    write(empty_repo, "2026-11-28-email", INCIDENT)
    result = run(empty_repo, "update", "email", "--status", "MONITORING", "--at",
                 "2026-11-28 07:00", "-m", "Fix deployed.")
    assert result.exit_code == 0, result.output
    assert result.output == ("Posted Monitoring - 2026-11-28 07:00 to 2026-11-28-email: "
                             "notices/2026-11-28-email.md\n")
    head, tail = INCIDENT.split("## Identified", 1)
    assert notice(empty_repo, "2026-11-28-email") == (
        head + "## Monitoring - 2026-11-28 07:00\nFix deployed.\n\n## Identified" + tail)
    # A late-posted update goes between the others, by time.
    result = run(empty_repo, "update", "2026-11-28", "--at", "2026-11-28 06:15", "--silent",
                 "-m", "Still looking.")
    assert result.exit_code == 0, result.output
    text = notice(empty_repo, "2026-11-28-email")
    assert text.index("## Identified") < text.index(
        "## Update - 2026-11-28 06:15 [silent]\nStill looking.\n\n## Investigating")


def test_update_default_status_and_message_required(empty_repo: Path, run: Run) -> None:
    write(empty_repo, "2026-11-28-email", INCIDENT)
    result = run(empty_repo, "update", "email", "--at", "2026-11-28 07:00")
    assert result.exit_code == 1
    assert result.output == ("Error: empty message: write the update's text with -m TEXT "
                             "or --message-file FILE ('-' for standard input)\n")
    result = run(empty_repo, "update", "email", "--at", "2026-11-28 07:00", input="Piped.")
    assert result.exit_code == 1  # standard input is read only when asked
    result = run(empty_repo, "update", "email", "--at", "2026-11-28 07:00",
                 "--message-file", "-", input="Piped.")
    assert result.exit_code == 0
    assert "## Update - 2026-11-28 07:00\nPiped.\n\n## Identified" in notice(
        empty_repo, "2026-11-28-email")


def test_utf8_arguments_python_read_as_ascii_are_the_text_typed(
        empty_repo: Path, run: Run) -> None:
    """With UTF-8 mode off in the C locale (PYTHONUTF8=0), Python reads the UTF-8 bytes
    of 'é' as two lone surrogates: the title, the notice asked for and -m are still text."""
    e_acute = "\udcc3\udca9"
    result = run(empty_repo, "new", "incident", f"Caf{e_acute} down", "--at", "2026-11-28 06:00",
                 "-m", f"Caf{e_acute} is down.")
    assert result.exit_code == 0, result.output
    assert 'title: "Café down"\n' in notice(empty_repo, "2026-11-28-cafe-down")
    result = run(empty_repo, "update", f"caf{e_acute}", "--at", "2026-11-28 06:30",
                 "-m", f"Caf{e_acute} is back.")
    assert result.exit_code == 0, result.output
    assert "Café is back.\n" in notice(empty_repo, "2026-11-28-cafe-down")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
@pytest.mark.parametrize("source", ["/dev/zero", "-"])
def test_a_message_without_end_is_refused_once_past_the_longest_text(
        empty_repo: Path, source: str) -> None:
    """--message-file read its file, or a pipe, to the end before the length limit was
    checked: /dev/zero, or a log piped in whole, took every byte of the machine's memory
    until the kernel killed outpost, with no word. (Limited to 1 GB here, so the test
    fails, rather than the machine.)"""
    path = write(empty_repo, "2026-11-28-email", INCIDENT)

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    with open("/dev/zero", "rb") as zero:
        done = subprocess.run(
            [sys.executable, "-m", "generator", "--root", str(empty_repo), "update", "email",
             "--at", "2026-11-28 07:00", "--message-file", source],
            stdin=zero, capture_output=True, text=True, timeout=60, preexec_fn=limited)
    shown = "standard input" if source == "-" else source
    assert (done.returncode, done.stdout + done.stderr) == (
        1, f"Error: {shown}: more than 200,003 bytes, longer than a text may be (50,000 "
           "characters): shorten it or split it into updates\n")
    assert path.read_text() == INCIDENT


def test_a_message_file_of_the_longest_text_is_read_whole(
        empty_repo: Path, run: Run, tmp_path: Path) -> None:
    """The read stops past the most bytes 50,000 characters can take: 50,000 characters
    of four bytes each, after a byte-order mark, are all posted."""
    path = write(empty_repo, "2026-11-28-email", INCIDENT)
    file = tmp_path / "m.txt"
    file.write_bytes("\ufeff".encode() + ("\U0001f600" * 50_000).encode())
    result = run(empty_repo, "update", "email", "--at", "2026-11-28 07:00",
                 "--message-file", str(file))
    assert result.exit_code == 0, result.output
    assert "\U0001f600" * 50_000 + "\n" in path.read_text()


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (("--message-file", "{file}"), None,
     "{file}: not valid UTF-8 (byte 0xe9 at line 2): save it as UTF-8"),
    (("--message-file", "{utf16}"), None, "{utf16}: UTF-16 (as Notepad's \"Unicode\" and "
     "PowerShell 5's '>' save it), not UTF-8: save it as UTF-8"),
    (("--message-file", "-"), "Fixed.\n".encode("utf-16"), "standard input: UTF-16 (as "
     "Notepad's \"Unicode\" and PowerShell 5's '>' save it), not UTF-8: send the text as "
     "UTF-8"),
    # UTF-16 sent without a byte order mark.
    (("--message-file", "-"), "Fixed.\n".encode("utf-16-le"), "standard input: UTF-16 (as "
     "Notepad's \"Unicode\" and PowerShell 5's '>' save it), not UTF-8: send the text as "
     "UTF-8"),
    (("--message-file", "-"), b"caf\xe9", "standard input: not valid UTF-8 (byte 0xe9 at "
     "line 1): send the text as UTF-8"),
    (("--message-file", "-"), b"First line.\r\ncaf\xe9", "standard input: not valid UTF-8 "
     "(byte 0xe9 at line 2): send the text as UTF-8"),
    # What Python makes of a non-UTF-8 argument: the byte kept as a lone surrogate.
    (("-m", "caf\udce9"), None, "-m: not valid UTF-8 (byte 0xe9 at line 1): set the "
     "terminal to UTF-8, or save the text as UTF-8 and give it with --message-file"),
])
@pytest.mark.parametrize("command", [("update", "email"), ("resolve", "email"),
                                     ("postmortem", "email"), ("new", "incident", "Other")])
def test_message_text_that_is_not_utf8_is_named(
        empty_repo: Path, run: Run, tmp_path: Path, command: tuple[str, ...],
        args: tuple[str, ...], stdin: bytes | None, message: str) -> None:
    path = write(empty_repo, "2026-11-28-email", INCIDENT)
    file = tmp_path / "m.txt"
    file.write_bytes(b"Line one.\ncaf\xe9\n")
    utf16 = tmp_path / "u.txt"
    utf16.write_bytes("Fixed.\r\n".encode("utf-16"))  # as Notepad's "Unicode" saves it
    result = run(empty_repo, *command, "--at", "2026-11-28 07:00",
                 *(arg.replace("{file}", str(file)).replace("{utf16}", str(utf16))
                   for arg in args), input=stdin)
    assert result.exit_code == 1
    assert result.output == "Error: {}\n".format(
        message.replace("{file}", str(file)).replace("{utf16}", str(utf16)))
    assert path.read_text() == INCIDENT
    assert [p.name for p in (empty_repo / "notices").iterdir()] == [path.name]


def test_message_in_utf8_from_stdin_and_files(empty_repo: Path, run: Run,
                                               tmp_path: Path) -> None:
    write(empty_repo, "2026-11-28-email", INCIDENT)
    file = tmp_path / "m.txt"
    file.write_bytes("Caf\u00e9 is back.\r\n".encode())
    result = run(empty_repo, "update", "email", "--at", "2026-11-28 07:00",
                 "--message-file", str(file))
    assert result.exit_code == 0, result.output
    result = run(empty_repo, "update", "email", "--at", "2026-11-28 07:10",
                 "--message-file", "-", input="Na\u00efve piped.\n".encode())
    assert result.exit_code == 0, result.output
    text = notice(empty_repo, "2026-11-28-email")
    assert ("## Update - 2026-11-28 07:10\nNa\u00efve piped.\n\n"
            "## Update - 2026-11-28 07:00\nCaf\u00e9 is back.\n\n## Identified") in text


def test_a_message_files_byte_order_mark_is_not_text(empty_repo: Path, run: Run,
                                                      tmp_path: Path) -> None:
    """Notepad and PowerShell start UTF-8 files with a byte order mark: kept, it would
    begin the update's Markdown (a list would read as a paragraph on GitHub and to
    Statuspage clients of the API)."""
    write(empty_repo, "2026-11-28-email", INCIDENT)
    file = tmp_path / "m.txt"
    file.write_bytes("\ufeff- Mail is flowing.\r\n- Queue drained.\r\n".encode())
    for at, source in (("07:00", str(file)), ("07:10", "-")):
        result = run(empty_repo, "update", "email", "--at", f"2026-11-28 {at}",
                     "--message-file", source, input=file.read_bytes())
        assert result.exit_code == 0, result.output
        assert (f"## Update - 2026-11-28 {at}\n- Mail is flowing.\n- Queue drained.\n\n"
                in notice(empty_repo, "2026-11-28-email"))


@pytest.mark.parametrize("message", ["    relay: 451 4.3.0\n    at queue.py:12\n",
                                     "\n\tlines of a log\r\n\tpasted\r\n"])
def test_a_message_opening_with_indented_code_keeps_it_code(empty_repo: Path, run: Run,
                                                            tmp_path: Path,
                                                            message: str) -> None:
    """A pasted log indented as code stays code, as the loader reads an update opening
    with one: its first line's indent is no space around the text."""
    write(empty_repo, "2026-11-28-email", INCIDENT)
    file = tmp_path / "m.txt"
    file.write_bytes(message.encode())
    result = run(empty_repo, "update", "email", "--at", "2026-11-28 07:00",
                 "--message-file", str(file))
    assert result.exit_code == 0, result.output
    code = message.replace("\r\n", "\n").strip("\n")
    assert f"## Update - 2026-11-28 07:00\n{code}\n\n## Identified" in notice(
        empty_repo, "2026-11-28-email")


def test_update_keeps_crlf_and_byte_order_mark(empty_repo: Path, run: Run) -> None:
    path = empty_repo / "notices" / "2026-11-28-email.md"
    original = ("\ufeff" + INCIDENT).replace("\n", "\r\n").encode("utf-8")
    path.write_bytes(original)
    result = run(empty_repo, "update", "email", "--at", "2026-11-28 07:00", "-m", "Line one\n"
                 "line two")
    assert result.exit_code == 0, result.output
    inserted = b"## Update - 2026-11-28 07:00\r\nLine one\r\nline two\r\n\r\n"
    at = original.index(b"## Identified")
    assert path.read_bytes() == original[:at] + inserted + original[at:]


def test_resolve_incident_and_maintenance(empty_repo: Path, run: Run) -> None:
    write(empty_repo, "2026-11-28-email", INCIDENT)
    result = run(empty_repo, "resolve", "email", "--at", "2026-11-28 08:00")
    assert result.exit_code == 0, result.output
    assert notice(empty_repo, "2026-11-28-email").startswith(
        INCIDENT.split("## Identified")[0] + "## Resolved - 2026-11-28 08:00\nThis incident has "
        "been resolved.\n\n## Identified")
    run(empty_repo, "new", "maintenance", "Upgrade", "--start", "2026-12-05 22:00", "--end",
        "2026-12-06 01:00", "--at", "2026-11-28 09:00")
    result = run(empty_repo, "resolve", "upgrade", "--at", "2026-12-06 00:40", "-m", "Done early.")
    assert result.exit_code == 0, result.output
    # stdout: a warning on stderr says the time is in the future until that day passes
    assert result.stdout == ("Posted Completed - 2026-12-06 00:40 to 2026-12-05-upgrade: "
                             "notices/2026-12-05-upgrade.md\n")
    assert "---\n## Completed - 2026-12-06 00:40\nDone early.\n\n## Scheduled" in notice(
        empty_repo, "2026-12-05-upgrade")


RESOLVED = INCIDENT.replace("## Identified", "## Resolved - 2026-11-28 08:00\nFixed.\n\n"
                            "## Identified")


@pytest.mark.parametrize(("args", "message"), [
    (("resolve", "email"),
     "2026-11-28-email is already resolved (Resolved - 2026-11-28 08:00); nothing was written"),
    (("update", "email", "--status", "resolved", "-m", "again"),
     "2026-11-28-email is already resolved (Resolved - 2026-11-28 08:00); nothing was written"),
    (("update", "email", "-m", "more", "--at", "2026-11-28 09:00"),
     "2026-11-28-email is resolved (Resolved - 2026-11-28 08:00): a resolved incident takes no "
     "further updates. If the problem is back, post a new one with 'outpost new incident'"),
    (("update", "email", "-m", "more", "--at", "2026-11-28 08:00"),
     "2026-11-28-email is resolved (Resolved - 2026-11-28 08:00): a resolved incident takes no "
     "further updates. If the problem is back, post a new one with 'outpost new incident'"),
])
def test_updates_on_a_resolved_incident_are_refused(empty_repo: Path, run: Run,
                                                     args: tuple[str, ...],
                                                     message: str) -> None:
    write(empty_repo, "2026-11-28-email", RESOLVED)
    result = run(empty_repo, *args)
    assert result.exit_code == 1
    assert result.output == f"Error: {message}\n"
    assert notice(empty_repo, "2026-11-28-email") == RESOLVED


def test_an_update_at_the_same_minute_above_resolved_is_a_problem(empty_repo: Path,
                                                                   run: Run) -> None:
    """Read newest first, the Monitoring above is the later: the incident would stay open
    for good. check names the line; resolve and update refuse to edit the file."""
    broken = RESOLVED.replace("## Resolved", "## Monitoring - 2026-11-28 08:00\nWatching.\n\n"
                              "## Resolved")
    write(empty_repo, "2026-11-28-email", broken)
    problem = ("notices/2026-11-28-email.md:9: update after Resolved (line 12): at the same "
               "minute, the update higher in the file is the later, and a resolved incident "
               "takes no further updates: move it below the Resolved update")
    result = run(empty_repo, "check", "--now", "2026-11-28 12:00")
    assert (result.exit_code, result.output) == (1, f"{problem}\n1 problem found.\n")
    for args in (("resolve", "email"), ("update", "email", "-m", "x")):
        result = run(empty_repo, *args)
        assert (result.exit_code, result.output) == (
            1, f"{problem}\n1 problem found. Fix it first: nothing was written.\n")
    assert notice(empty_repo, "2026-11-28-email") == broken


@pytest.mark.parametrize("oldest_first", [False, True])
def test_resolving_at_the_same_minute_as_the_latest_update(empty_repo: Path, run: Run,
                                                           oldest_first: bool) -> None:
    """The new Resolved is written above the update of the same minute: it is the later."""
    text = INCIDENT
    if oldest_first:
        head, rest = INCIDENT.split("## Identified")
        identified, investigating = ("## Identified" + rest).split("## Investigating")
        text = head + "## Investigating" + investigating + "\n" + identified.rstrip() + "\n"
    write(empty_repo, "2026-11-28-email", text)
    result = run(empty_repo, "resolve", "email", "--at", "2026-11-28 06:30")
    assert result.exit_code == 0, result.output
    written = notice(empty_repo, "2026-11-28-email")
    assert written.index("## Resolved - 2026-11-28 06:30") < written.index("## Identified")
    assert run(empty_repo, "check", "--now", "2026-11-28 12:00").exit_code == 0
    listed = run(empty_repo, "list", "--closed", "--now", "2026-11-28 12:00").output
    assert listed.splitlines()[1:] == [
        "2026-11-28-email  incident  Resolved  major   2026-11-28 06:00  2026-11-28 06:30"]
    result = run(empty_repo, "update", "email", "--status", "monitoring", "-m", "x", "--at",
                 "2026-11-28 06:30")
    assert (result.exit_code, result.output) == (1, (
        "Error: 2026-11-28-email is resolved (Resolved - 2026-11-28 06:30): a resolved incident "
        "takes no further updates. If the problem is back, post a new one with 'outpost new "
        "incident'\n"))


def test_backfilling_before_resolution_is_allowed(empty_repo: Path, run: Run) -> None:
    write(empty_repo, "2026-11-28-email", RESOLVED)
    result = run(empty_repo, "update", "email", "--at", "2026-11-28 07:30", "-m", "Missed one.")
    assert result.exit_code == 0, result.output
    text = notice(empty_repo, "2026-11-28-email")
    assert text.index("## Resolved") < text.index("## Update - 2026-11-28 07:30") < text.index(
        "## Identified")


@pytest.mark.parametrize(("args", "message"), [
    (("update", "email", "--status", "Completed", "-m", "x"),
     "unknown status 'Completed' for incident (Completed is a maintenance status; incidents "
     "use Resolved; expected one of: Investigating, Identified, Monitoring, Update, "
     "Resolved)"),
    (("update", "email", "--status", "completed", "-m", "x"),
     "unknown status 'completed' for incident (Completed is a maintenance status; incidents "
     "use Resolved; expected one of: Investigating, Identified, Monitoring, Update, "
     "Resolved)"),
    (("update", "email", "--status", "fixed", "-m", "x"),
     "unknown status 'fixed' for incident (expected one of: Investigating, Identified, "
     "Monitoring, Update, Resolved)"),
    (("resolve", "email", "--at", "2026-11-28 06:15"),
     "Resolved at 2026-11-28 06:15 would come before the latest update (Identified - "
     "2026-11-28 06:30); Resolved must be the last update: leave out --at or give a later "
     "time"),
    (("update", "nothing-like-it", "-m", "x"),
     "no notice matches 'nothing-like-it': give its id, the start of its id, or a word of its "
     "title (see 'outpost list')"),
    (("update", "2026-11-28-emial", "-m", "x"),
     "no notice matches '2026-11-28-emial' (did you mean '2026-11-28-email'?): give its id, "
     "the start of its id, or a word of its title (see 'outpost list')"),
    # People leave out the date an id starts with.
    (("resolve", "emial"),
     "no notice matches 'emial' (did you mean '2026-11-28-email'?): give its id, the start "
     "of its id, or a word of its title (see 'outpost list')"),
    (("update", "email", "-m", "Intro\n## Sneaky heading\ntext"),
     "line 2 of the message starts with '##', which would begin a new update: use '###' for a "
     "heading inside an update; nothing was written"),
    (("update", "email", "-m", "```\nunclosed fence"), OPEN_FENCE.format(line=1, run="```")),
    (("postmortem", "email", "-m", "Logs:\n\n~~~~\nunclosed fence\n```"),
     OPEN_FENCE.format(line=3, run="~~~~")),
    # Only a draft or a template's hints: readers would see an update with no text.
    (("update", "email", "-m", "<!--\nWhat changed?\n-->\n<!-- Next update? -->"),
     COMMENT_ONLY),
    (("resolve", "email", "-m", "<!-- draft -->"), COMMENT_ONLY),
    (("postmortem", "email", "-m", "<!-- draft -->"), COMMENT_ONLY),
])
def test_update_refuses_wrong_use(empty_repo: Path, run: Run, args: tuple[str, ...],
                                  message: str) -> None:
    write(empty_repo, "2026-11-28-email", INCIDENT)
    result = run(empty_repo, *args)
    assert result.exit_code == 1
    assert result.output == f"Error: {message}\n"
    assert notice(empty_repo, "2026-11-28-email") == INCIDENT


def test_a_time_written_with_seconds_is_named_with_them(empty_repo: Path, run: Run) -> None:
    """The file holds minutes, so a Resolved posted in the minute of an update written by
    hand with seconds comes before it: the message read '10:00 would come before the
    latest update (Investigating - 2026-11-28 10:00)'."""
    text = INCIDENT.replace("## Identified - 2026-11-28 06:30", "## Identified - "
                            "2026-11-28 06:30:40")
    write(empty_repo, "2026-11-28-email", text)
    result = run(empty_repo, "resolve", "email", "--at", "2026-11-28 06:30:50")
    assert (result.exit_code, result.output) == (1, (
        "Error: Resolved at 2026-11-28 06:30 would come before the latest update (Identified - "
        "2026-11-28 06:30:40); Resolved must be the last update: leave out --at or give a "
        "later time\n"))
    assert notice(empty_repo, "2026-11-28-email") == text


def test_ambiguous_id_lists_candidates(empty_repo: Path, run: Run) -> None:
    write(empty_repo, "2026-11-28-email", INCIDENT)
    write(empty_repo, "2026-11-29-email-again",
          INCIDENT.replace("Email delivery delays", "Email delays again"))
    result = run(empty_repo, "update", "2026-11-2", "-m", "x")
    assert result.exit_code == 1
    assert result.output == (
        "Error: '2026-11-2' matches 2 notices; give more of the id:\n"
        "  2026-11-28-email        Email delivery delays\n"
        "  2026-11-29-email-again  Email delays again\n")
    result = run(empty_repo, "resolve", "EMAIL")
    assert result.exit_code == 1
    assert result.output.startswith("Error: 'EMAIL' matches 2 notices; give more of the id:\n")
    # A word only one title has, an exact id, or several words picks one.
    assert run(empty_repo, "update", "again", "-m", "a", "--at", "2026-11-29 07:00"
               ).exit_code == 0
    assert run(empty_repo, "update", "email delivery", "-m", "b", "--at", "2026-11-28 07:00"
               ).exit_code == 0
    assert run(empty_repo, "update", "2026-11-28-email", "-m", "c", "--at", "2026-11-28 07:05"
               ).exit_code == 0
    assert run(empty_repo, "update", "notices/2026-11-28-email.md", "-m", "d", "--at",
               "2026-11-28 07:10").exit_code == 0


def test_a_notice_in_a_folder_inside_notices_is_named_when_nothing_matches(
        empty_repo: Path, run: Run) -> None:
    """Filed by year (notices/2026/...), a notice is read by neither check nor build: an
    update to it said 'no notice matches' alone, where check names the folder."""
    (empty_repo / "notices" / "2026").mkdir()
    (empty_repo / "notices" / "2026" / "2026-11-28-email.md").write_text(INCIDENT)
    for query in ("email", "2026-11-28-EMAIL"):
        result = run(empty_repo, "update", query, "-m", "x")
        assert (result.exit_code, result.output) == (1, (
            f"Error: no notice matches '{query}': give its id, the start of its id, or a word "
            "of its title (see 'outpost list'); notices/2026/2026-11-28-email.md is in a folder "
            "inside notices/, which check and build do not read: move it into notices/\n"))
    assert run(empty_repo, "update", "vpn", "-m", "x").output == (
        "Error: no notice matches 'vpn': give its id, the start of its id, or a word of its "
        "title (see 'outpost list')\n")


def test_files_that_check_and_build_skip_are_no_notices_to_post_to(empty_repo: Path,
                                                                   run: Run) -> None:
    """notices/readme.md is never read by check, build or list; posting to it would
    report 'Posted' for an update nobody sees."""
    readme = INCIDENT.replace("Email delivery delays", "About these notices")
    write(empty_repo, "readme", readme)
    write(empty_repo, "_draft", readme)
    for query in ("readme", "notices/readme.md", "_draft"):
        result = run(empty_repo, "update", query, "-m", "x")
        file = "readme.md" if "readme" in query else "_draft.md"
        assert (result.exit_code, result.output) == (1, (
            f"Error: no notice matches '{query}': give its id, the start of its id, or a word "
            f"of its title (see 'outpost list'); notices/{file} is not a notice: check and "
            "build skip it\n"))
    for args in (("resolve", "about these"), ("postmortem", "read", "-m", "x")):
        result = run(empty_repo, *args)
        assert (result.exit_code, result.output) == (1, (
            f"Error: no notice matches '{args[1]}': give its id, the start of its id, or a "
            "word of its title (see 'outpost list')\n"))
    assert notice(empty_repo, "readme") == readme
    write(empty_repo, "2026-11-28-email", INCIDENT)  # the only notice: every query finds it
    result = run(empty_repo, "update", "email", "-m", "x", "--at", "2026-11-28 07:00")
    assert result.exit_code == 0, result.output
    assert run(empty_repo, "check", "--now", "2026-11-28 12:00").output == (
        "OK: outpost.yaml and 1 notice are valid.\n")


@pytest.mark.parametrize(("broken", "problem"), [
    (INCIDENT.replace("Found the queue.", "<<<<<<< HEAD\nFound the queue.\n=======\nFound it."
                      "\n>>>>>>> theirs"),
     "notices/2026-11-28-email.md:10: merge conflict marker: resolve the conflict and remove "
     "the '<<<<<<<', '=======' and '>>>>>>>' lines"),
    (INCIDENT.replace("impact: major", "impact: [major"),
     "notices/2026-11-28-email.md:4: invalid YAML: a '[' opened on this line is never "
     "closed, or a ',' is missing between its items\n"),
])
def test_editing_a_file_that_does_not_load_is_refused(empty_repo: Path, run: Run, broken: str,
                                                      problem: str) -> None:
    write(empty_repo, "2026-11-28-email", broken)
    result = run(empty_repo, "update", "email", "-m", "x")
    assert result.exit_code == 1
    assert result.output.startswith(f"{problem}")
    assert result.output.endswith("found. Fix it first: nothing was written.\n")
    assert notice(empty_repo, "2026-11-28-email") == broken


def test_editing_a_file_saved_in_another_encoding_names_its_byte_as_check_does(
        empty_repo: Path, run: Run) -> None:
    path = empty_repo / "notices" / "2026-11-28-email.md"
    path.write_bytes(INCIDENT.encode("utf-16"))  # Notepad's "Unicode"
    problem = ("notices/2026-11-28-email.md:1: file is UTF-16 (as Notepad's \"Unicode\" and "
               "PowerShell 5's '>' save it), not UTF-8: save it as UTF-8\n")
    assert run(empty_repo, "check").output == problem + "1 problem found.\n"
    result = run(empty_repo, "update", "2026-11-28-email", "-m", "x")
    assert result.exit_code == 1
    assert result.output == f"{problem}1 problem found. Fix it first: nothing was written.\n"


def test_message_that_breaks_the_notice_writes_nothing(empty_repo: Path, run: Run) -> None:
    write(empty_repo, "2026-11-28-email", INCIDENT)
    result = run(empty_repo, "update", "email", "--at", "2026-11-28 07:00", "-m",
                 "a\n<<<<<<< HEAD\nb")
    assert result.exit_code == 1
    assert result.output == (
        "Error: line 2 of the message: merge conflict marker: resolve the conflict and remove "
        "the '<<<<<<<', '=======' and '>>>>>>>' lines\nNothing was written.\n")
    assert notice(empty_repo, "2026-11-28-email") == INCIDENT
    assert [p.name for p in (empty_repo / "notices").iterdir()] == ["2026-11-28-email.md"]


def test_a_yaml_file_pasted_in_a_message_is_told_to_go_in_a_code_fence(
        empty_repo: Path, run: Run) -> None:
    """Its '---' and 'start:' lines read as a second front matter, which a merge leaves:
    the refusal says how to show them instead."""
    write(empty_repo, "2026-11-28-email", INCIDENT)
    pasted = "The relay's new window:\n\n---\nstart: 02:00\nend: 04:00\n---\n"
    result = run(empty_repo, "update", "email", "--at", "2026-11-28 07:00", "-m", pasted)
    assert result.exit_code == 1
    assert result.output == (
        "Error: line 4 of the message: front matter inside the updates, as a merge that kept "
        "both sides of a notice leaves once git's markers are removed: keep one front "
        "matter, at the top of the file, and remove these key lines and the '---' next to "
        "them; lines meant to be shown, such as a YAML file's, go in a code fence (```)\n"
        "Nothing was written.\n")
    assert notice(empty_repo, "2026-11-28-email") == INCIDENT
    fenced = pasted.replace("\n---\nstart", "\n```yaml\n---\nstart") + "```\n"
    result = run(empty_repo, "update", "email", "--at", "2026-11-28 07:00", "-m", fenced)
    assert result.exit_code == 0, result.output
    assert run(empty_repo, "check", "--now", "2026-11-28 12:00").exit_code == 0


def test_a_line_of_inline_code_keeps_the_updates_below_it(empty_repo: Path, run: Run) -> None:
    """'```vpn reset``` did not help.' is a paragraph with code in it, not a fence: the
    headings below it still open updates, in a file and in a posted message."""
    write(empty_repo, "2026-11-27-vpn", "---\ntitle: VPN\ntype: incident\n---\n"
          "## Investigating - 2026-11-27 06:00\n```vpn reset``` did not help.\n\n"
          "## Resolved - 2026-11-27 07:00\nFixed.\n")  # oldest first
    write(empty_repo, "2026-11-28-email",
          INCIDENT.replace("Found the queue.", "```vpn reset``` did not help."))
    result = run(empty_repo, "update", "email", "--at", "2026-11-28 07:00", "-m",
                 "```vpn reset``` did not help either.")
    assert result.exit_code == 0, result.output
    assert run(empty_repo, "resolve", "email", "--at", "2026-11-28 08:00").exit_code == 0
    result = run(empty_repo, "list", "--now", "2026-11-28 12:00")
    assert result.output.splitlines()[1:] == [
        "2026-11-28-email  incident  Resolved  major   2026-11-28 06:00  2026-11-28 08:00",
        "2026-11-27-vpn    incident  Resolved  none    2026-11-27 06:00  2026-11-27 07:00"]


def test_a_commented_out_draft_is_not_an_update(empty_repo: Path, run: Run) -> None:
    """GitHub hides an HTML comment, so the site does too: the draft Resolved inside one
    neither closes the incident nor appears on its page, in the API or anywhere else."""
    write(empty_repo, "2026-11-28-email", INCIDENT.replace(
        "## Identified", "<!--\n## Resolved - 2026-11-28 07:00\nDraft: all fixed.\n-->\n\n"
        "## Identified").replace("## Investigating", "<!-- Draft: ask the vendor -->\n\n"
                                 "## Investigating"))
    result = run(empty_repo, "list", "--now", "2026-11-28 12:00")
    assert result.output.splitlines()[1:] == [
        "2026-11-28-email  incident  Identified  major   2026-11-28 06:00  2026-11-28 06:30"]
    result = run(empty_repo, "build", "--now", "2026-11-28 12:00")
    assert result.exit_code == 0, result.output
    page = (empty_repo / "site" / "notices" / "2026-11-28-email" / "index.html").read_text()
    assert "Found the queue." in page and "Resolved" not in page
    shown = [path.relative_to(empty_repo).as_posix()
             for path in sorted((empty_repo / "site").rglob("*"))
             if path.is_file() and b"Draft" in path.read_bytes()]
    assert shown == []


def test_text_after_a_comment_on_its_line_is_published(empty_repo: Path, run: Run) -> None:
    """GitHub shows the text after '-->' on the comment's last line, so the site does too."""
    write(empty_repo, "2026-11-28-email", INCIDENT.replace(
        "Found the queue.", "Found the queue.\n<!-- TODO: confirm with vendor --> ETA 15:00.\n"
        "More."))
    result = run(empty_repo, "update", "email", "--at", "2026-11-28 07:00", "-m",
                 "Mail flows.\n<!--\nask the vendor\n--> Watching.")
    assert result.exit_code == 0, result.output
    assert run(empty_repo, "check").exit_code == 0
    result = run(empty_repo, "build", "--now", "2026-11-28 12:00")
    assert result.exit_code == 0, result.output
    api = json.loads((empty_repo / "site" / "api" / "v2" / "incidents.json").read_text())
    assert [u["body"] for u in api["incidents"][0]["incident_updates"]] == [
        "Mail flows.\n\nWatching.", "Found the queue.\n\nETA 15:00.\n\nMore.",
        "Emails are late."]
    page = (empty_repo / "site" / "notices" / "2026-11-28-email" / "index.html").read_text()
    assert "ETA 15:00." in page and "Watching." in page
    assert "TODO" not in page and "ask the vendor" not in page


def test_a_message_opening_a_comment_it_never_closes_is_refused(empty_repo: Path,
                                                               run: Run) -> None:
    write(empty_repo, "2026-11-28-email", INCIDENT)
    result = run(empty_repo, "update", "email", "--at", "2026-11-28 07:00", "-m",
                 "Mail flows.\n<!-- check the queue again")
    assert (result.exit_code, result.output) == (1, (
        "Error: line 2 of the message: '<!--' opens an HTML comment that is never closed, "
        "which hides everything below it: end the comment with '-->'\nNothing was written.\n"))
    assert notice(empty_repo, "2026-11-28-email") == INCIDENT
    result = run(empty_repo, "update", "email", "--at", "2026-11-28 07:00", "-m",
                 "Mail flows.\n<!--\n## Resolved - 2026-11-28 08:00\n-->")
    assert result.exit_code == 0, result.output
    assert "## Update - 2026-11-28 07:00\nMail flows.\n<!--\n## Resolved - 2026-11-28 08:00\n"\
           "-->\n\n## Identified" in notice(empty_repo, "2026-11-28-email")
    result = run(empty_repo, "postmortem", "email", "--at", "2026-11-28 09:00", "-m",
                 "A full disk.\n<!-- and a missed alert -->")
    assert result.exit_code == 0, result.output


# --- list ----------------------------------------------------------------------------------

def test_list_open_and_closed(empty_repo: Path, run: Run) -> None:
    write(empty_repo, "2026-11-28-email", INCIDENT)
    write(empty_repo, "2026-11-20-old", RESOLVED.replace("2026-11-28", "2026-11-20")
          .replace("impact: major", "impact: critical"))
    run(empty_repo, "new", "maintenance", "Upgrade", "--start", "2026-12-05 22:00", "--end",
        "2026-12-06 01:00", "--at", "2026-11-27 09:00")
    run(empty_repo, "new", "incident", "Future", "--at", "2026-11-30 09:00")
    result = run(empty_repo, "list", "--now", "2026-11-28 12:00")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "ID                  TYPE         STATUS          IMPACT    STARTED           UPDATED\n"
        "2026-11-28-email    incident     Identified      major     2026-11-28 06:00  "
        "2026-11-28 06:30\n"
        "2026-12-05-upgrade  maintenance  Scheduled       -         2026-12-05 22:00  "
        "2026-11-27 09:00\n"
        "2026-11-30-future   incident     Not posted yet  minor     2026-11-30 09:00  "
        "2026-11-30 09:00\n"
        "2026-11-20-old      incident     Resolved        critical  2026-11-20 06:00  "
        "2026-11-20 08:00\n")
    closed = run(empty_repo, "list", "--closed", "--now", "2026-11-28 12:00").output
    assert closed.splitlines()[1:] == [
        "2026-11-20-old  incident  Resolved  critical  2026-11-20 06:00  2026-11-20 08:00"]
    opened = run(empty_repo, "list", "--open", "--now", "2026-11-28 12:00").output
    assert "2026-11-20-old" not in opened and "2026-11-28-email" in opened


def test_list_names_a_maintenance_called_off_as_the_pages_do(empty_repo: Path,
                                                              run: Run) -> None:
    """Resolved before its window, a maintenance is called off: the pages, feeds,
    calendar and email say so, and the list said 'Completed', work done."""
    run(empty_repo, "new", "maintenance", "Upgrade", "--start", "2026-12-05 22:00", "--end",
        "2026-12-06 01:00", "--at", "2026-11-27 09:00")
    assert run(empty_repo, "resolve", "2026-12-05-upgrade", "--at", "2026-11-28 10:00"
               ).exit_code == 0
    listed = run(empty_repo, "list", "--now", "2026-11-28 12:00").output
    assert listed.splitlines()[1].split()[:3] == ["2026-12-05-upgrade", "maintenance",
                                                  "Called"]
    assert " Called off " in listed


def test_list_starts_a_maintenance_begun_early_when_its_work_began(
        empty_repo: Path, run: Run) -> None:
    """An In progress update before the window began the work: STARTED says when, as the
    pages, the bars and the API do. It gave the planned start, after UPDATED."""
    run(empty_repo, "new", "maintenance", "Upgrade", "--start", "2026-12-05 22:00", "--end",
        "2026-12-06 01:00", "--at", "2026-11-27 09:00")
    assert run(empty_repo, "update", "2026-12-05-upgrade", "--status", "in progress",
               "-m", "Started early.", "--at", "2026-12-05 21:40").exit_code == 0
    listed = run(empty_repo, "list", "--now", "2026-12-05 21:50").output
    assert listed.splitlines()[1].split()[2:] == [
        "In", "progress", "-", "2026-12-05", "21:40", "2026-12-05", "21:40"]
    assert run(empty_repo, "resolve", "2026-12-05-upgrade", "--at", "2026-12-05 23:00"
               ).exit_code == 0
    listed = run(empty_repo, "list", "--now", "2026-12-06 09:00").output
    assert listed.splitlines()[1].split()[2:] == [
        "Completed", "-", "2026-12-05", "21:40", "2026-12-05", "23:00"]


def test_list_empty_and_broken(empty_repo: Path, run: Run) -> None:
    result = run(empty_repo, "list", "--closed", "--now", "2026-11-28 12:00")
    assert result.output == "No closed notices.\n"
    write(empty_repo, "2026-11-28-email", INCIDENT)
    write(empty_repo, "2026-11-28-broken", "no front matter\n")
    result = run(empty_repo, "list", "--now", "2026-11-28 12:00")
    assert result.exit_code == 1
    assert "2026-11-28-email " in result.stdout
    assert result.stderr == ("notices/2026-11-28-broken.md:1: expected '---' on the first "
                             "line, to open the front matter (not listed)\n")
    # A template's problem keeps no notice out of the table: it is named as it is.
    (empty_repo / "templates").mkdir()
    (empty_repo / "templates" / "404.html").write_text("<<<<<<< HEAD\na\n=======\nb\n"
                                                       ">>>>>>> theirs\n")
    result = run(empty_repo, "list", "--now", "2026-11-28 12:00")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "templates/404.html:5: merge conflict marker: resolve the conflict and remove the "
        "'<<<<<<<', '=======' and '>>>>>>>' lines")


@pytest.mark.parametrize(("status", "text"), [
    ("Scheduled", "Maintenance is scheduled for Dec 5, 2026, 10:00 PM \u2013 Dec 6, 1:00 AM CST."),
    ("Completed", "This maintenance has been called off."),  # before its window
])
def test_new_maintenance_default_message_fits_its_status(empty_repo: Path, run: Run,
                                                          status: str, text: str) -> None:
    """The window sentence announces a schedule: it is not what an In progress or
    Completed first update says."""
    result = run(empty_repo, "new", "maintenance", "Upgrade", "--start", "2026-12-05 22:00",
                 "--end", "2026-12-06 01:00", "--status", status, "--at", "2026-11-28 09:15")
    assert result.exit_code == 0, result.output
    assert notice(empty_repo, "2026-12-05-upgrade").endswith(
        f"## {status} - 2026-11-28 09:15\n{text}\n")


@pytest.mark.parametrize(("at", "text"), [
    ("2026-12-01 10:00", "This maintenance has been called off."),
    ("2026-12-05 22:00", "This maintenance has been called off."),  # as it opens: never began
    ("2026-12-05 23:30", "This maintenance is complete."),
])
def test_resolving_a_maintenance_before_its_window_says_called_off(
        empty_repo: Path, run: Run, at: str, text: str) -> None:
    """A Completed update posted before the window calls it off (pages show the planned
    window): the standard message must not say the work was done."""
    run(empty_repo, "new", "maintenance", "Upgrade", "--start", "2026-12-05 22:00", "--end",
        "2026-12-06 01:00", "--at", "2026-11-28 09:15")
    result = run(empty_repo, "resolve", "upgrade", "--at", at)
    assert result.exit_code == 0, result.output
    assert f"## Completed - {at}\n{text}\n\n## Scheduled" in notice(empty_repo,
                                                                   "2026-12-05-upgrade")


@pytest.mark.parametrize("status", ["in progress", "verifying"])
def test_resolving_a_maintenance_begun_early_says_complete(
        empty_repo: Path, run: Run, status: str) -> None:
    """Begun early (In progress or Verifying before its window), then resolved before the
    window: the pages say Completed, and resolve's standard text said it was called off."""
    run(empty_repo, "new", "maintenance", "Upgrade", "--start", "2026-12-05 22:00", "--end",
        "2026-12-06 01:00", "--at", "2026-11-28 09:15")
    began = run(empty_repo, "update", "upgrade", "--status", status, "-m", "Started early.",
                "--at", "2026-12-05 20:00")
    assert began.exit_code == 0, began.output
    result = run(empty_repo, "resolve", "upgrade", "--at", "2026-12-05 21:00")
    assert result.exit_code == 0, result.output
    assert "## Completed - 2026-12-05 21:00\nThis maintenance is complete.\n" in notice(
        empty_repo, "2026-12-05-upgrade")


def test_the_standard_resolved_text_asks_for_a_case_only_where_one_can_be_submitted(
        empty_repo: Path, run: Run) -> None:
    """"Please submit a case" was posted on sites with no submit_case_url, whose pages
    offer no case to submit."""
    write(empty_repo, "2026-11-28-email", INCIDENT)
    config = empty_repo / "outpost.yaml"
    config.write_text(config.read_text() + "submit_case_url: https://support.example.org/new\n")
    result = run(empty_repo, "resolve", "email", "--at", "2026-11-28 08:00")
    assert result.exit_code == 0, result.output
    assert ("## Resolved - 2026-11-28 08:00\nThis incident has been resolved. If you still "
            "see a problem, please submit a case.\n") in notice(empty_repo, "2026-11-28-email")


def test_new_maintenance_in_progress_needs_its_message(empty_repo: Path, run: Run) -> None:
    result = run(empty_repo, "new", "maintenance", "Upgrade", "--start", "2026-12-05 22:00",
                 "--end", "2026-12-06 01:00", "--status", "in progress", "--at",
                 "2026-12-05 22:05")
    assert result.exit_code == 1
    assert result.output == ("Error: empty message: write the update's text with -m TEXT "
                             "or --message-file FILE ('-' for standard input)\n")
    assert list((empty_repo / "notices").iterdir()) == []


def test_new_maintenance_after_its_window_warns(empty_repo: Path, run: Run) -> None:
    """Posted after its end, a new maintenance is Completed from the start: written as
    asked, with the warning an update after the window gets."""
    late = run(empty_repo, "new", "maintenance", "Upgrade", "--start", "2026-11-10 01:00",
               "--end", "2026-11-10 03:00", "--at", "2026-11-10 03:30", "-m", "Ran tonight.")
    assert late.exit_code == 0, late.output
    assert late.stdout == "Created 2026-11-10-upgrade: notices/2026-11-10-upgrade.md\n"
    assert late.stderr == (
        "Warning: posted after the window's end (2026-11-10 03:00): readers have seen this "
        "maintenance as Completed since then. If it ran longer, set a later 'end:' in "
        "notices/2026-11-10-upgrade.md.\n")
    ahead = run(empty_repo, "new", "maintenance", "Upgrade", "--start", "2026-11-10 01:00",
                "--end", "2026-11-10 03:00", "--at", "2026-11-10 03:00", "-m", "Ran.")
    assert ahead.exit_code == 0 and ahead.stderr == ""


def test_posting_after_a_maintenance_window_ended_warns(empty_repo: Path, run: Run) -> None:
    """A maintenance shows Completed from its window's end: an update posted later is
    written, with a warning saying so and how to record a longer window."""
    run(empty_repo, "new", "maintenance", "Upgrade", "--start", "2026-11-10 01:00", "--end",
        "2026-11-10 03:00", "--at", "2026-10-20 09:00")
    inside = run(empty_repo, "update", "upgrade", "--at", "2026-11-10 02:00", "-m", "Going.")
    assert inside.exit_code == 0 and inside.stderr == ""
    late = run(empty_repo, "resolve", "upgrade", "--at", "2026-11-10 03:10", "-m", "Done.")
    assert late.exit_code == 0, late.output
    assert late.stdout == ("Posted Completed - 2026-11-10 03:10 to 2026-11-10-upgrade: "
                           "notices/2026-11-10-upgrade.md\n")
    assert late.stderr == (
        "Warning: posted after the window's end (2026-11-10 03:00): readers have seen this "
        "maintenance as Completed since then. If it ran longer, set a later 'end:' in "
        "notices/2026-11-10-upgrade.md.\n")


def test_an_update_dated_before_the_first_warns(empty_repo: Path, run: Run) -> None:
    """Back-filling is allowed, but an update older than every other one (a mistyped
    year, say) moves when the notice began: it is written, with a warning."""
    run(empty_repo, "new", "incident", "Portal down", "--at", "2026-11-10 09:00")
    typo = run(empty_repo, "update", "portal", "--at", "2025-11-10 09:30", "-m", "Found it.")
    assert typo.exit_code == 0, typo.output
    assert typo.stderr == (
        "Warning: dated before the notice's first update (2026-11-10 09:00): it is now the "
        "first, and readers see the notice as begun then. If the date is wrong, fix it in "
        "notices/2026-11-10-portal-down.md.\n")
    later = run(empty_repo, "update", "portal", "--at", "2026-11-10 09:10", "-m", "Still.")
    assert later.exit_code == 0 and later.stderr == ""


def test_an_update_dated_before_the_latest_warns(empty_repo: Path, run: Run) -> None:
    """An hour typed wrong puts the update below the latest one: written as asked, but
    it said nothing, while the page kept the latest one's status and the email said the
    new one's."""
    run(empty_repo, "new", "incident", "Portal down", "--at", "2026-11-10 09:00")
    run(empty_repo, "update", "portal", "--status", "monitoring", "--at", "2026-11-10 09:30",
        "-m", "Watching.")
    typo = run(empty_repo, "update", "portal", "--status", "identified", "--at",
               "2026-11-10 09:20", "-m", "Found it.")
    assert typo.exit_code == 0, typo.output
    assert typo.stderr == (
        "Warning: dated before the latest update (Monitoring - 2026-11-10 09:30): it is "
        "written below it, and readers still see that one as the latest. If the date is "
        "wrong, fix it in notices/2026-11-10-portal-down.md.\n")


def test_an_update_dated_before_the_latest_in_a_file_written_oldest_first(
        empty_repo: Path, run: Run) -> None:
    """The update goes to its place in the file's own order, above the latest there: the
    warning says so, not 'below it', which sent the reader looking for it at the end."""
    write(empty_repo, "2026-11-10-portal-down", (
        "---\ntitle: Portal down\ntype: incident\n---\n"
        "## Investigating - 2026-11-10 09:00\nLooking.\n\n"
        "## Monitoring - 2026-11-10 09:30\nWatching.\n"))
    typo = run(empty_repo, "update", "portal", "--status", "identified", "--at",
               "2026-11-10 09:20", "-m", "Found it.")
    assert typo.exit_code == 0, typo.output
    assert notice(empty_repo, "2026-11-10-portal-down").endswith(
        "## Identified - 2026-11-10 09:20\nFound it.\n\n"
        "## Monitoring - 2026-11-10 09:30\nWatching.\n")
    assert typo.stderr == (
        "Warning: dated before the latest update (Monitoring - 2026-11-10 09:30): it is "
        "written above it, and readers still see that one as the latest. If the date is "
        "wrong, fix it in notices/2026-11-10-portal-down.md.\n")


def test_an_update_at_the_first_ones_minute_is_not_told_it_comes_before_it(
        empty_repo: Path, run: Run) -> None:
    """Posted at the minute the notice began, it is written above that update, so after
    it: with a later update in the file, it was warned of as 'dated before the notice's
    first update (09:10)', naming the later one as the first."""
    run(empty_repo, "new", "incident", "Portal down", "--at", "2026-11-10 09:00")
    run(empty_repo, "update", "portal", "--at", "2026-11-10 09:10", "-m", "Still.")
    same = run(empty_repo, "update", "portal", "--at", "2026-11-10 09:00", "-m", "Found it.")
    assert same.exit_code == 0, same.output
    assert "first update" not in same.stderr
    assert same.stderr.startswith("Warning: dated before the latest update (Update - "
                                  "2026-11-10 09:10)")


@pytest.mark.parametrize("command", [["update"], ["resolve"], ["postmortem"],
                                     ["new", "incident"], ["new", "maintenance"]])
def test_the_help_names_the_message_file_as_its_text_does(command: list[str]) -> None:
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert "--message-file FILE " in result.output
    assert "FILENAME" not in result.output


def test_two_people_updating_one_notice_at_once_lose_nothing(
        empty_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The second waits for the first to write, then adds to what it wrote: it never
    replaces the file with a copy missing the first one's update."""
    from generator.config.settings import load_config
    from generator.core.times import parse_time
    from generator.notices import authoring

    write(empty_repo, "2026-11-28-email", INCIDENT)
    config = load_config(empty_repo)
    second_done = threading.Event()
    replace = authoring.write_file_atomic

    def slow_write(path: Path, data: bytes) -> None:
        if threading.current_thread().name == "first":
            second_done.wait(2)  # the second writes here, unless it waits its turn
        replace(path, data)

    monkeypatch.setattr(authoring, "write_file_atomic", slow_write)

    def post(minute: str) -> None:
        authoring.post(empty_repo, config, "2026-11-28-email", status_word=None,
                       final=False, at=parse_time(f"2026-11-28 07:{minute}", config.timezone),
                       message=f"At {minute}.")

    first = threading.Thread(target=post, args=("01",), name="first")
    first.start()
    time.sleep(0.3)  # the first holds the file read and is writing it back
    post("02")
    second_done.set()
    first.join()
    text = notice(empty_repo, "2026-11-28-email")
    assert "## Update - 2026-11-28 07:01\nAt 01." in text
    assert "## Update - 2026-11-28 07:02\nAt 02." in text


def test_a_command_in_a_shell_loop_never_takes_the_loops_lines_as_its_text(
        empty_repo: Path) -> None:
    """`while read id; do outpost resolve "$id"; done < ids.txt`: the command shares the
    loop's standard input. Read as the message, the other ids became the first notice's
    Resolved text and the other notices were never resolved."""
    ids = []
    for title in ("Mail down", "Sign-in slow"):
        done = outpost(empty_repo, "new", "incident", title, "--at", "2026-11-28 06:00",
                       "-m", "Looking.")
        assert done.returncode == 0, done.stderr
        ids.append(done.stdout.split()[1].rstrip(":"))
    (empty_repo / "ids.txt").write_text("".join(f"{i}\n" for i in ids))
    command = [sys.executable, "-m", "generator", "--root", str(empty_repo)]
    loop = ('while read id; do "$@" resolve "$id" --at "2026-11-28 07:00"; '
            'done < ids.txt; cat ids.txt | while read id; do "$@" update "$id" '
            '--at "2026-11-28 06:30" || echo refused; done')
    done = subprocess.run(["sh", "-c", loop, "sh", *command], cwd=empty_repo,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.stdout == "".join(f"Posted Resolved - 2026-11-28 07:00 to {i}: "
                                  f"notices/{i}.md\n" for i in ids) + "refused\n" * 2
    # Each command that left lines in the loop's input says it did not read them (once
    # behind the file, the last; behind the pipe, as many as cat had written by then).
    errors = [line for line in done.stderr.splitlines() if line != UNREAD_NOTE]
    assert errors == ["Error: empty message: write the update's text with -m TEXT or "
                      "--message-file FILE ('-' for standard input)"] * 2
    assert done.stderr.startswith(UNREAD_NOTE + "\n"), done.stderr  # the first resolve
    assert done.stderr.count(UNREAD_NOTE) in (1, 2), done.stderr
    for i in ids:
        assert ("---\n## Resolved - 2026-11-28 07:00\nThis incident has been resolved."
                "\n\n## Investigating - "
                "2026-11-28 06:00\nLooking.\n") in notice(empty_repo, i)


UNREAD_NOTE = ("Note: standard input was not read: to post it as the text, give "
               "--message-file -")


@pytest.mark.parametrize("how", ["file", "pipe", "none"])
def test_text_piped_without_message_file_is_not_posted_and_says_so(
        empty_repo: Path, tmp_path: Path, how: str) -> None:
    """Standard input is read only with --message-file -: text piped in as before is
    named as not read (found without reading it), and the standard text is posted."""
    created = outpost(empty_repo, "new", "incident", "Mail down", "--at", "2026-11-28 06:00",
                      "-m", "Looking.")
    assert created.returncode == 0, created.stderr
    text = b"Fixed the relay.\n"
    if how == "file":
        (tmp_path / "m.txt").write_bytes(text)
        stdin = os.open(tmp_path / "m.txt", os.O_RDONLY)
    elif how == "pipe":
        stdin, writing = os.pipe()
        os.write(writing, text)
        os.close(writing)
    else:
        stdin = os.open(os.devnull, os.O_RDONLY)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "generator", "--root", str(empty_repo), "resolve", "mail",
             "--at", "2026-11-28 07:00"], stdin=stdin, capture_output=True, text=True,
            timeout=60, check=False)
    finally:
        os.close(stdin)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ("" if how == "none" else UNREAD_NOTE + "\n")
    posted = notice(empty_repo, "2026-11-28-mail-down")
    assert "## Resolved - 2026-11-28 07:00\nThis incident has been resolved." in posted
    assert "Fixed the relay" not in posted


def test_an_open_fence_is_named_in_the_message_not_in_a_file_never_written(
        empty_repo: Path, run: Run) -> None:
    """The fence a message leaves open is closed by a fence of an update below it, so what
    failed to load was a heading of that update, named by a line of a file that was never
    written."""
    text = INCIDENT.replace("Found the queue.", "Found the queue:\n\n```\n## queue\n```")
    write(empty_repo, "2026-11-28-email", text)
    result = run(empty_repo, "update", "email", "--at", "2026-11-28 07:00", "-m",
                 "Paste:\n```\n$ mailq\n## relay busy")
    assert result.exit_code == 1
    assert result.output == f"Error: {OPEN_FENCE.format(line=2, run='```')}\n"
    assert notice(empty_repo, "2026-11-28-email") == text


def test_a_title_with_quotes_is_found_by_its_words_after_them(empty_repo: Path,
                                                              run: Run) -> None:
    """'outpost new' writes the quotes escaped; the look-up read the title only up to the
    first escaped one (and the id holds no Cyrillic word)."""
    created = run(empty_repo, "new", "incident", 'Портал "Дневник" недоступен', "--at",
                  "2026-11-28 06:00", "-m", "Down.")
    assert created.exit_code == 0, created.output
    result = run(empty_repo, "update", "недоступен", "--at", "2026-11-28 06:10", "-m", "Looking.")
    assert result.output == ("Posted Update - 2026-11-28 06:10 to 2026-11-28-notice: "
                             "notices/2026-11-28-notice.md\n")


@pytest.mark.parametrize("args", [
    ("update", "email", "--at", "2026-11-28 07:00", "-m", "Mail flows."),
    ("new", "incident", "Email", "--at", "2026-11-28 07:00", "-m", "Mail is late."),
])
@pytest.mark.parametrize(("refusal", "said"), [
    ("read-only", "Permission denied): notices/ must be a folder you may write in"),
    ("full", "No space left on device): make room on its disk and run the command again"),
])
def test_a_notices_folder_that_cannot_be_written_names_the_notice(
        empty_repo: Path, run: Run, monkeypatch: pytest.MonkeyPatch,
        args: tuple[str, ...], refusal: str, said: str) -> None:
    """A read-only notices/ (a checkout owned by another user, a read-only mount): the
    error named the random temporary file beside the notice, by its absolute path. A
    full disk printed 'Error: No space left on device' alone: no file, and no word of
    whether the notice was left whole. (A test fills no real disk: the temporary file
    is refused as a disk out of room or inodes refuses it.)"""
    import errno
    import tempfile

    write(empty_repo, "2026-11-28-email", INCIDENT)
    folder = empty_repo / "notices"
    if refusal == "read-only" and os.geteuid() != 0:  # root writes in a read-only folder
        folder.chmod(0o555)
    else:
        code, words = ((errno.EACCES, "Permission denied") if refusal == "read-only"
                       else (errno.ENOSPC, "No space left on device"))

        def refused(*_: object, dir: str, **__: object) -> None:
            raise OSError(code, words, f"{dir}/.x.tmp")
        monkeypatch.setattr(tempfile, "mkstemp", refused)
    try:
        result = run(empty_repo, *args)
    finally:
        folder.chmod(0o755)
    assert result.exit_code == 1
    name = "2026-11-28-email" if args[0] == "update" else "2026-11-28-email-2"
    assert result.output == (f"Error: notices/{name}.md: not written ({said}; nothing was "
                             "written\n")
    assert [p.name for p in folder.iterdir()] == ["2026-11-28-email.md"]
    assert notice(empty_repo, "2026-11-28-email") == INCIDENT


def test_update_to_a_status_with_a_standard_text_posts_it_without_one(
        empty_repo: Path, run: Run) -> None:
    """'update X --status resolved' without -m said 'empty message', where 'resolve X'
    posts the standard text; a status without one (Monitoring) still needs a text."""
    write(empty_repo, "2026-11-28-email", INCIDENT)
    result = run(empty_repo, "update", "email", "--status", "monitoring", "--at",
                 "2026-11-28 07:00")
    assert result.exit_code == 1
    assert result.output.startswith("Error: empty message: ")
    result = run(empty_repo, "update", "email", "--status", "resolved", "--at",
                 "2026-11-28 07:00")
    assert result.exit_code == 0, result.output
    assert ("## Resolved - 2026-11-28 07:00\nThis incident has been resolved.\n"
            ) in notice(empty_repo, "2026-11-28-email")


@pytest.mark.parametrize("given", [("-m", ""), ("--message-file", "-")])
@pytest.mark.parametrize("status", ["resolved", "investigating"])
def test_update_with_an_empty_text_is_refused_whatever_the_status(
        empty_repo: Path, run: Run, given: tuple[str, str], status: str) -> None:
    """An empty text given (-m "$TEXT" with TEXT unset, a pipe whose command printed
    nothing) is refused, as resolve and new refuse it: with a status that has a standard
    text, update posted that one in its place, announced to every contact."""
    write(empty_repo, "2026-11-28-email", INCIDENT)
    result = run(empty_repo, "update", "email", "--status", status, "--at",
                 "2026-11-28 07:00", *given, input="")
    assert result.exit_code == 1
    assert result.output == ("Error: empty message: write the update's text with -m TEXT "
                             "or --message-file FILE ('-' for standard input)\n")
    assert notice(empty_repo, "2026-11-28-email") == INCIDENT


def test_list_refuses_open_and_closed_together(empty_repo: Path, run: Run) -> None:
    """The last of the two silently won, hiding half the notices."""
    result = run(empty_repo, "list", "--open", "--closed")
    assert result.exit_code == 2
    assert result.output.endswith(
        "Error: --open or --closed, not both (neither lists every notice)\n")


@pytest.mark.parametrize("command", [
    ["update", "email", "-m", "Still late."],
    ["resolve", "email"],
    ["postmortem", "email", "-m", "A relay filled up."],
    ["new", "incident", "Portal down", "--at", "2026-11-28 09:00"],
    ["new", "maintenance", "Upgrade", "--start", "2026-12-05 22:00", "--end",
     "2026-12-06 01:00"],
])
def test_a_command_reads_the_clock_and_the_settings_once(
        empty_repo: Path, run: Run, monkeypatch: pytest.MonkeyPatch,
        command: list[str]) -> None:
    """Near a minute's end, two readings of the clock disagree: an update written at one
    'now' was judged against a later one. Each read of outpost.yaml parses it again."""
    from datetime import UTC, datetime, timedelta

    from generator.cli import common

    write(empty_repo, "2026-11-28-email", INCIDENT)
    readings: list[datetime] = []

    class Ticking(datetime):
        @classmethod
        def now(cls, tz: object = None) -> datetime:  # type: ignore[override]
            readings.append(datetime(2026, 11, 28, 13, 59, 59, tzinfo=UTC)
                            + timedelta(seconds=len(readings)))
            return readings[-1]

    loads: list[Path] = []
    load = common.Repo.config

    def counted(repo: common.Repo) -> object:
        loads.append(repo.root)
        return load(repo)

    monkeypatch.setattr(common, "datetime", Ticking)
    monkeypatch.setattr(common.Repo, "config", counted)
    result = run(empty_repo, *command)
    assert result.exit_code == 0, result.output
    assert (len(readings), len(loads)) == (1, 1)
    if command[0] == "update":
        assert "## Update - 2026-11-28 07:59\nStill late." in notice(empty_repo,
                                                                     "2026-11-28-email")


def test_posting_returns_its_warnings_for_the_command_to_print(empty_repo: Path) -> None:
    from generator.config.settings import load_config
    from generator.core.times import parse_time
    from generator.notices import authoring

    write(empty_repo, "2026-11-28-email", INCIDENT)
    config = load_config(empty_repo)
    zone = config.timezone
    posted = authoring.post(empty_repo, config, "2026-11-28-email", status_word=None,
                            final=False, at=parse_time("2026-11-28 06:10", zone),
                            message="Found it.", now=parse_time("2026-11-28 07:00", zone))
    assert posted.warnings == (
        "dated before the latest update (Identified - 2026-11-28 06:30): it is written "
        "below it, and readers still see that one as the latest. If the date is wrong, "
        "fix it in notices/2026-11-28-email.md.",)
    ahead = authoring.post(empty_repo, config, "2026-11-28-email", status_word=None,
                           final=False, at=parse_time("2026-11-28 09:00", zone),
                           message="Later.", now=parse_time("2026-11-28 07:00", zone),
                           at_text=" 09:00 ")
    assert ahead.warnings == ("--at 09:00 is in the future: the site shows this update "
                              "only from then on.",)


def test_an_update_removes_what_a_killed_write_of_its_notice_left(empty_repo: Path,
                                                                  run: Run) -> None:
    """A write killed between its temporary file and the rename (kill -9, a power cut)
    left '.x.md.k3j9x1ab.tmp' in notices/: hidden, skipped by check and build, kept for
    good and committed by 'git add -A'. The next write of that notice removes it; other
    files are left alone."""
    write(empty_repo, "2026-11-28-email", INCIDENT)
    folder = empty_repo / "notices"
    left = folder / ".2026-11-28-email.md.k3j9x1ab.tmp"
    left.write_bytes(b"")
    others = [folder / ".2026-11-28-other.md.k3j9x1ab.tmp", folder / ".2026-11-28-email.md.swp",
              folder / ".2026-11-28-email.md.k3j9x1ab.tmp~"]
    for other in others:
        other.write_bytes(b"x")
    result = run(empty_repo, "update", "email", "-m", "Still looking.")
    assert result.exit_code == 0, result.output
    assert not left.exists()
    assert all(other.exists() for other in others)
