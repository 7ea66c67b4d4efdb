"""Commands for posting during an incident: new, update, resolve, list.

Thin: parse the options, call generator.notices.authoring, print one line. Only light
modules are imported here so that ``outpost update`` starts fast.
"""

from __future__ import annotations

import contextlib
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import click

from generator.cli.common import (
    NOW_HELP,
    Repo,
    argument_text,
    pass_repo,
    resolve_now,
    utf8_text,
)
from generator.core.errors import InputError, OutpostError

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from generator.notices.authoring import Posted

AT_HELP = ("When it happened: 'YYYY-MM-DD HH:MM' in the site zone, optionally with an offset "
           "such as '-05:00'. Default: now.")
MESSAGE_HELP = "The update's text (Markdown). Or use --message-file."
IMPACTS = ("none", "minor", "major", "critical")


def _message_options(function: click.decorators.FC) -> click.decorators.FC:
    function = click.option("--message-file", type=click.File("rb"), metavar="FILE",
                            help="Read the text from FILE ('-' for stdin), in UTF-8.")(function)
    return click.option("-m", "--message", metavar="TEXT", help=MESSAGE_HELP)(function)


def _posting_options(function: click.decorators.FC) -> click.decorators.FC:
    """--at, --silent and the message options of every command that posts to a notice."""
    function = _message_options(function)
    function = click.option("--silent", is_flag=True,
                            help="Publish without notifying followers.")(function)
    return click.option("--at", "at_text", metavar="TIME", help=AT_HELP)(function)


def _read_message(message: str | None, message_file: BinaryIO | None) -> str | None:
    """-m, or --message-file ('-': standard input); None if neither.

    Standard input is read only when asked: a command run in a shell loop
    (``while read id; do outpost resolve "$id"; done < ids.txt``) shares the loop's
    input, whose remaining lines would become its text."""
    if message is not None and message_file is not None:
        raise click.UsageError("give the text with -m or with --message-file, not both")
    if message is not None:
        return argument_text(message, "-m", "set the terminal to UTF-8, or save the text "
                             "as UTF-8 and give it with --message-file")
    if message_file is None:
        if _waiting_input():
            click.echo("Note: standard input was not read: to post it as the text, give "
                       "--message-file -", err=True)
        return None
    # click.get_text_stream is deprecated from Click 8.5
    piped = message_file is getattr(sys.stdin, "buffer", None)
    source = "standard input" if piped else message_file.name
    from generator.core.model import MAX_TEXT  # here: a command's start imports no model

    # Read no further than the longest text an update may have (4 bytes a character in
    # UTF-8, and a byte-order mark): a log piped in whole, or /dev/zero, was read to the
    # end and took all the machine's memory first.
    most = 4 * MAX_TEXT + 3
    raw = message_file.read(most + 1)
    if len(raw) > most:
        raise OutpostError(f"{source}: more than {most:,} bytes, longer than a text may be "
                           f"({MAX_TEXT:,} characters): shorten it or split it into updates")
    if piped:
        return utf8_text(raw, source, "send the text as UTF-8")
    return utf8_text(raw, source, "save it as UTF-8")


def _waiting_input() -> bool:
    """Whether standard input holds bytes already (piped or redirected), found without
    reading any: text piped in as the commands took it before says it is not posted."""
    import stat
    import struct

    try:
        import fcntl
        import termios

        info = os.fstat(0)
        if stat.S_ISREG(info.st_mode):
            return info.st_size > os.lseek(0, 0, os.SEEK_CUR)
        if stat.S_ISFIFO(info.st_mode) or stat.S_ISSOCK(info.st_mode):
            waiting = fcntl.ioctl(0, termios.FIONREAD, struct.pack("i", 0))
            return bool(struct.unpack("i", waiting)[0])
    except (OSError, ImportError):  # no such calls here (Windows): say nothing
        pass
    return False


def _time(text: str | None, zone: ZoneInfo, now: datetime, option: str) -> datetime:
    """The time ``option`` gives in ``zone``; ``now`` (the clock, read once per command)
    when it is not given."""
    from generator.core.times import parse_time

    if text is None:
        return now
    try:
        return parse_time(text, zone)
    except InputError as exc:
        raise click.BadParameter(str(exc), param_hint=f"'{option}'") from None


def _warn(posted: Posted) -> None:
    for warning in posted.warnings:
        click.echo(f"Warning: {warning}", err=True)


def _shown(path: Path, repo: Repo) -> str:
    from generator.notices.loader import relative

    return relative(path, repo.root)


@click.group()
def new() -> None:
    """Post a new incident or maintenance."""


@new.command()
@click.argument("title")
@click.option("--impact", type=click.Choice(IMPACTS, case_sensitive=False), default="minor",
              show_default=True, help="How bad it is; sets the components' status.")
@click.option("--component", "components", multiple=True, metavar="ID",
              help="An affected component id from outpost.yaml (repeat, or comma-separate).")
@click.option("--status", default="Investigating", show_default=True,
              help="The first update's status.")
@click.option("--at", "at_text", metavar="TIME", help=AT_HELP)
@_message_options
@pass_repo
def incident(repo: Repo, title: str, impact: str, components: tuple[str, ...], status: str,
             at_text: str | None, message: str | None, message_file: BinaryIO | None) -> None:
    """Post a new incident: writes notices/<date>-<title>.md."""
    from generator.core.model import Impact, NoticeType, Status
    from generator.notices.authoring import create_notice, status_for

    title = argument_text(title, "TITLE")
    config, now = repo.config(), resolve_now(repo, None)
    kind = NoticeType.INCIDENT
    at = _time(at_text, config.timezone, now, "--at")
    text = _read_message(message, message_file)
    posted = create_notice(
        repo.root, config, title=title, kind=kind,
        status=status_for(status, kind, Status.INVESTIGATING), at=at,
        message=text, impact=Impact(impact.lower()), components=components, now=now,
        at_text=at_text)
    click.echo(f"Created {posted.notice.id}: {_shown(posted.path, repo)}")
    _warn(posted)
    _warn_of_links(posted, text, repo, config.base_url)


@new.command()
@click.argument("title")
@click.option("--start", "start_text", required=True, metavar="TIME",
              help="Window start, like --at.")
@click.option("--end", "end_text", required=True, metavar="TIME", help="Window end.")
@click.option("--component", "components", multiple=True, metavar="ID",
              help="An affected component id from outpost.yaml (repeat, or comma-separate).")
@click.option("--status", default="Scheduled", show_default=True,
              help="The first update's status.")
@click.option("--at", "at_text", metavar="TIME", help="When it is posted. Default: now.")
@_message_options
@pass_repo
def maintenance(repo: Repo, title: str, start_text: str, end_text: str,
                components: tuple[str, ...], status: str, at_text: str | None,
                message: str | None, message_file: BinaryIO | None) -> None:
    """Announce scheduled maintenance: writes notices/<start date>-<title>.md."""
    from generator.core.model import NoticeType, Status
    from generator.notices.authoring import create_notice, status_for

    title = argument_text(title, "TITLE")
    config, now = repo.config(), resolve_now(repo, None)
    zone = config.timezone
    kind = NoticeType.MAINTENANCE
    at = _time(at_text, zone, now, "--at")
    text = _read_message(message, message_file)
    posted = create_notice(
        repo.root, config, title=title, kind=kind,
        status=status_for(status, kind, Status.SCHEDULED), at=at, message=text,
        components=components, start=_time(start_text, zone, now, "--start"),
        end=_time(end_text, zone, now, "--end"), now=now, at_text=at_text)
    click.echo(f"Created {posted.notice.id}: {_shown(posted.path, repo)}")
    _warn(posted)
    _warn_of_links(posted, text, repo, config.base_url)


def _post(repo: Repo, query: str, status: str | None, final: bool, at_text: str | None,
          message: str | None, silent: bool) -> None:
    from generator.core.times import write_time
    from generator.notices.authoring import post
    from generator.notices.lookup import find_open_notice

    query = argument_text(query, "NOTICE")
    config, now = repo.config(), resolve_now(repo, None)
    at = _time(at_text, config.timezone, now, "--at")

    def is_open(notice_id: str) -> bool:
        """Open at the update's time; a file that does not load counts as open, so that
        it is never passed over unseen."""
        from generator.core.errors import ProblemsFound
        from generator.core.timeline import view
        from generator.notices.authoring import load_for_edit

        try:
            seen = view(load_for_edit(repo.root, config, notice_id)[2], at)
        except ProblemsFound:
            return True
        return seen is not None and seen.is_open

    notice_id, closed = find_open_notice(repo.root, query, is_open)
    if closed:
        # The last three by id (the most recent, for dated ids) keep the line one line
        # when years of notices match.
        passed = ", ".join(closed[-3:]) + (f", and {len(closed) - 3} more"
                                           if len(closed) > 3 else "")
        click.echo(f"'{query}' matches {len(closed) + 1} notices; using the open one, "
                   f"{notice_id} (closed: {passed})")
    posted = post(repo.root, config, notice_id, status_word=status, final=final,
                  at=at, message=message, silent=silent, now=now, at_text=at_text)
    when = write_time(posted.at, config.timezone)
    click.echo(f"Posted {posted.status.value} - {when} to {posted.notice.id}: "
               f"{_shown(posted.path, repo)}")
    _warn(posted)
    _warn_of_links(posted, message, repo, config.base_url)


def _warn_of_links(posted: Posted, message: str | None, repo: Repo, base_url: str) -> None:
    """A link in the text posted that leads nowhere from the notice's page, as check
    warns of it: written as asked."""
    from generator.notices.links import link_advice, may_link

    if not message or not may_link(message):
        return  # cmark is imported for a text that may hold a link only
    from generator.notices.lookup import notice_ids

    for _, advice in link_advice(message, posted.notice.id, base_url, notice_ids(repo.root)):
        click.echo(f"Warning: {advice}.", err=True)


@click.command()
@click.argument("notice")
@click.option("--status", metavar="STATUS",
              help="Investigating, Identified, Monitoring, Update, Resolved (incidents); "
                   "Scheduled, In progress, Verifying, Update, Completed (maintenance). "
                   "Any case. Default: Update (keeps the current status).")
@_posting_options
@pass_repo
def update(repo: Repo, notice: str, status: str | None, at_text: str | None, silent: bool,
           message: str | None, message_file: BinaryIO | None) -> None:
    """Post an update to NOTICE (an id, the start of one, or a word of its title)."""
    text = _read_message(message, message_file)
    # Without a text, a status that has a standard one (Investigating, Resolved,
    # Completed) posts it, as new and resolve do; the others need one. An empty text
    # given (-m "" from an unset variable, an empty pipe) is refused, as theirs is.
    if text is None and not status:
        text = ""
    _post(repo, notice, status, False, at_text, text, silent)


@click.command()
@click.argument("notice")
@_posting_options
@pass_repo
def resolve(repo: Repo, notice: str, at_text: str | None, silent: bool, message: str | None,
            message_file: BinaryIO | None) -> None:
    """Post Resolved (incident) or Completed (maintenance) to NOTICE."""
    _post(repo, notice, None, True, at_text, _read_message(message, message_file), silent)


@click.command()
@click.argument("notice")
@_posting_options
@pass_repo
def postmortem(repo: Repo, notice: str, at_text: str | None, silent: bool,
               message: str | None, message_file: BinaryIO | None) -> None:
    """Add the postmortem to incident NOTICE: what happened and what will change. It does
    not reopen the notice; feeds and notifications announce it once."""
    from generator.core.times import write_time
    from generator.notices.authoring import post_postmortem
    from generator.notices.lookup import find_notice

    config, now = repo.config(), resolve_now(repo, None)
    notice_id = find_notice(repo.root, argument_text(notice, "NOTICE"))
    at = _time(at_text, config.timezone, now, "--at")
    text = _read_message(message, message_file)
    posted = post_postmortem(repo.root, config, notice_id, at=at, message=text, silent=silent,
                             now=now, at_text=at_text)
    when = write_time(posted.at, config.timezone)
    click.echo(f"Posted Postmortem - {when} to {posted.notice.id}: {_shown(posted.path, repo)}")
    _warn(posted)
    _warn_of_links(posted, text, repo, config.base_url)


@click.command(name="list")
@click.option("--open", "only_open", is_flag=True, help="Only open notices.")
@click.option("--closed", "only_closed", is_flag=True, help="Only closed notices.")
@click.option("--now", "now_text", metavar="TIME", help=NOW_HELP)
@pass_repo
def list_notices(repo: Repo, only_open: bool, only_closed: bool, now_text: str | None) -> None:
    """A table of notices: open first, then closed, most recent first."""
    from generator.build.inputs import check
    from generator.notices.authoring import list_rows
    from generator.notices.grammar import NOTICES_DIR

    if only_open and only_closed:  # the last one silently winning would hide half
        raise click.UsageError("--open or --closed, not both (neither lists every notice)")
    which = "open" if only_open else "closed" if only_closed else None

    checked, problems = check(repo.project)
    if checked is None or any(p.path == NOTICES_DIR for p in problems):  # nothing to list
        from generator.core.errors import ProblemsFound

        raise ProblemsFound(problems)
    rows = list_rows(checked.notices, resolve_now(repo, now_text), checked.config)
    rows = [r for r in rows if which is None or r.is_open == (which == "open")]
    if not rows:  # headings over no rows would read as a table that failed to fill
        click.echo(f"No {which or ''} notices.".replace("  ", " "))
    else:
        table = [("ID", "TYPE", "STATUS", "IMPACT", "STARTED", "UPDATED")]
        table += [(r.id, r.type, r.status, r.impact, r.started, r.updated) for r in rows]
        widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
        for row in table:
            click.echo("  ".join(cell.ljust(width)
                                 for cell, width in zip(row, widths, strict=True)).rstrip())
    if problems:
        for problem in problems:  # a notice's keeps it out of the table; a template's not
            unlisted = " (not listed)" if problem.path.startswith(f"{NOTICES_DIR}/") else ""
            click.echo(f"{problem}{unlisted}", err=True)
        raise SystemExit(1)


@click.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0 picks a free one).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but loopback exposes the preview.")
@click.option("--now", "now_text", metavar="TIME", help=NOW_HELP)
@pass_repo
def serve(repo: Repo, port: int, host: str, now_text: str | None) -> None:
    """Preview the site; rebuild and reload the page when files change, and when the
    clock opens or closes a window (without --now)."""
    from generator.build.serve import serve as run_server
    from generator.core.errors import ProblemsFound

    if now_text is not None:
        # A bad --now is a usage error; a broken outpost.yaml is listed on the page.
        with contextlib.suppress(ProblemsFound):
            resolve_now(repo, now_text)

    def clock() -> datetime:
        return resolve_now(repo, now_text)

    def say(line: str) -> None:
        click.echo(line)

    run_server(repo.project, host, port, clock, say)
