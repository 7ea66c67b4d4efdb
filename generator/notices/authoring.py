"""Posting notices and updates to files: read, edit (generator.notices.edit), validate, write
atomically. Nothing is written unless the result loads. Modules only some commands
need are imported inside functions: ``outpost update`` must start fast."""

from __future__ import annotations

import contextlib
import errno
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path

from generator.core.errors import Problem, ProblemsFound, unknown_component
from generator.core.model import (
    FINAL_STATUS,
    Config,
    Impact,
    Notice,
    NoticeType,
    Status,
    Update,
    parse_status,
    unknown_status,
)
from generator.core.statuspage import began_early
from generator.core.timeline import (
    CALLED_OFF,
    after_window_note,
    begun_early,
    future_note,
    is_future,
    select,
    view,
)
from generator.core.times import display_range, write_time
from generator.disk import create_file_exclusive, taking_turns, write_file_atomic
from generator.notices import edit
from generator.notices.grammar import NOTICES_DIR, notice_file
from generator.notices.loader import (
    NoticeInvalid,
    folder_problem,
    linked_outside,
    parse_bytes,
    read_notice_bytes,
    relative,
)

DEFAULT_MESSAGES = {
    Status.INVESTIGATING: "We are investigating this issue and will post an update as soon "
                          "as we know more.",
    Status.RESOLVED: "This incident has been resolved. If you still see a problem, please "
                     "submit a case.",
    Status.COMPLETED: "This maintenance is complete.",
}
CALLED_OFF_TEXT = "This maintenance has been called off."
# On a site with no submit_case_url, whose pages offer no case to submit.
RESOLVED_TEXT = "This incident has been resolved."


def _standard_message(config: Config, status: Status, at: datetime, start: datetime | None,
                      updates: Sequence[Update] = ()) -> str | None:
    """The text posted when none is given. A maintenance completed at or before its
    window's start was called off (pages show the planned window), not done, unless one
    of its ``updates`` began it early (In progress, Verifying): then it is complete."""
    if (status is Status.COMPLETED and start is not None and at <= start
            and not begun_early(updates)):
        return CALLED_OFF_TEXT
    if status is Status.RESOLVED and not config.submit_case_url:
        return RESOLVED_TEXT
    return DEFAULT_MESSAGES.get(status)


@dataclass(frozen=True)
class Posted:
    notice: Notice
    path: Path
    status: Status
    at: datetime
    # What was written as asked but may be a mistake: sentences a command prints, each
    # after 'Warning: '.
    warnings: tuple[str, ...] = ()


def _ahead_of_clock(at: datetime, now: datetime | None, at_text: str | None, zone: tzinfo,
                    what: str) -> list[str]:
    """--at well after the clock: written as asked, but hidden from the site until then."""
    if now is None or not is_future(at, now):
        return []
    typed = at_text.strip() if at_text is not None else write_time(at, zone)
    return [f"--at {typed} {future_note(what)}."]


def _after_window(notice: Notice, at: datetime, where: str, zone: tzinfo) -> list[str]:
    """A maintenance reads as Completed from its window's end: said when posting later."""
    if notice.end is None or at <= notice.end:
        return []
    return [f"posted {after_window_note(notice.end, zone)} in {where}."]


def _before_others(notice: Notice, at: datetime, where: str, zone: tzinfo) -> list[str]:
    """An update dated before every other one moves when the notice began, and one dated
    before the latest leaves that one the latest: usually a mistyped day or hour."""
    # The update posted is one of them: another at its minute stands below it, earlier.
    times = sorted(update.at for update in notice.updates)
    if len(times) > 1 and times[0] == at < times[1]:
        return [f"dated before the notice's first update ({write_time(times[1], zone)}): it "
                "is now the first, and readers see the notice as begun then. If the date is "
                f"wrong, fix it in {where}."]
    latest = notice.updates[0]  # newest first
    if latest.at > at:
        # Of its minute the update posted is the highest in the file (insert_update), which
        # may be written oldest first.
        posted = min((update for update in notice.updates if update.at == at),
                     key=lambda update: update.line)
        side = "below" if posted.line > latest.line else "above"
        return [f"dated before the latest update ({latest.status.value} - "
                f"{write_time(latest.at, zone)}): it is written {side} it, and readers still "
                f"see that one as the latest. If the date is wrong, fix it in {where}."]
    return []


def _update_warnings(notice: Notice, where: str, at: datetime, now: datetime | None,
                     at_text: str | None, zone: tzinfo) -> tuple[str, ...]:
    """The warnings of an update asked for at ``at`` and posted to ``notice`` (which holds
    it, at its minute)."""
    minute = at.replace(second=0, microsecond=0)
    return (*_ahead_of_clock(at, now, at_text, zone, "update"),
            *_after_window(notice, minute, where, zone),
            *_before_others(notice, minute, where, zone))


def status_for(word: str | None, kind: NoticeType, default: Status) -> Status:
    """A status word typed in any case, or an error listing the valid ones."""
    if word is None:
        return default
    status = parse_status(word, kind)
    if status is None and " ".join(word.split()).lower() == Status.POSTMORTEM.value.lower():
        raise edit.EditError("a postmortem is not an update's status: post it with "
                             "outpost postmortem NOTICE")
    if status is None:
        raise edit.EditError(unknown_status(word, kind))
    return status


def check_components(config: Config, components: Iterable[str]) -> tuple[str, ...]:
    known = [c.id for c in config.components]
    result: list[str] = []
    for given in components:
        for component_id in (part.strip() for part in given.split(",")):
            if component_id and component_id not in known:
                raise edit.EditError(unknown_component(component_id, known))
            if component_id and component_id not in result:
                result.append(component_id)
    return tuple(result)


_CLAIM_ATTEMPTS = 20  # names taken by another writer between the check and the write


def _check_folder(folder: Path) -> None:
    """``folder`` (notices/) is a folder or missing (made on writing); ProblemsFound when
    a file, a symlink leading nowhere or one out of the repository holds its name."""
    if (folder.is_dir() and not linked_outside(folder)) or not os.path.lexists(folder):
        return
    raise ProblemsFound([folder_problem(folder)], "Nothing was written.")


def create_notice(root: Path, config: Config, *, title: str, kind: NoticeType,
                  status: Status, at: datetime, message: str | None,
                  impact: Impact | None = None, components: Sequence[str] = (),
                  start: datetime | None = None, end: datetime | None = None,
                  now: datetime | None = None, at_text: str | None = None) -> Posted:
    """Write notices/<date>-<slug>.md with a first update; a taken id gets '-2', '-3'...
    ``now`` (the clock) and ``at_text`` (``at`` as typed) word a warning when ``at`` is
    ahead of the clock."""

    title = edit.clean_title(title)
    components = check_components(config, components)
    zone = config.timezone
    asked, at = at, at.replace(second=0, microsecond=0)  # the file holds minutes
    if start is not None and end is not None:
        start, end = (moment.replace(second=0, microsecond=0) for moment in (start, end))
        if end <= start:
            raise edit.EditError(f"--end ({write_time(end, zone)}) must be after --start "
                                 f"({write_time(start, zone)})")
    if message is None:
        message = _standard_message(config, status, at, start)
        if start is not None and end is not None and status in (Status.SCHEDULED,
                                                                Status.UPDATE):
            message = f"Maintenance is scheduled for {display_range(start, end, zone)}."
    message = edit.clean_message(message)
    edit.refuse_headings(message)
    text = edit.new_notice_text(title=title, kind=kind, status=status, at=at,
                                message=message, zone=zone,
                                impact=impact, components=components, start=start, end=end)
    heading_line = text.count("\n") - message.count("\n") - 1  # the message ends the file
    _check_folder(root / NOTICES_DIR)
    day = (start or at).astimezone(zone).date()
    for _ in range(_CLAIM_ATTEMPTS):
        notice_id = edit.new_id(title, day, lambda i: notice_file(root, i).exists())
        path = notice_file(root, notice_id)
        where = relative(path, root)
        if path.is_symlink():  # one leading nowhere: exists() is False, yet the name is taken
            raise ProblemsFound([Problem(where, 0, "a symlink leading nowhere holds this "
                                                   "name: remove it or restore its target")],
                                "Nothing was written.")
        notice = edit.validated_posting(text, where, notice_id, config, heading_line, message)
        try:
            with _writing(where):
                create_file_exclusive(path, text.encode("utf-8"))
        except FileExistsError:  # another writer took this id meanwhile: pick the next
            continue
        return Posted(notice, path, status, at,
                      _update_warnings(notice, where, asked, now, at_text, zone))
    raise edit.EditError(f"another program keeps taking the file names for this notice in "
                         f"{NOTICES_DIR}/ ({_CLAIM_ATTEMPTS} tries); nothing was written")


def load_for_edit(root: Path, config: Config, notice_id: str) -> tuple[Path, bytes, Notice]:
    """The file, its bytes and its notice; a file that does not load is refused."""
    path = notice_file(root, notice_id)
    where = relative(path, root)
    if path.is_symlink():  # the edit would replace the link with a file
        raise ProblemsFound([Problem(where, 0, "is a symlink: edit the file it points to")],
                            "Nothing was written.")
    try:
        raw = read_notice_bytes(path)  # never blocks on a named pipe
    except NoticeInvalid as exc:
        raise ProblemsFound((Problem(where, line, message) for line, message in exc.problems),
                            "Nothing was written.") from None
    try:
        notice = parse_bytes(raw, where, notice_id, config)  # as check reads it
    except NoticeInvalid as exc:
        raise exc.found_in(where, "Fix it first: nothing was written.") from None
    return path, raw, notice


def post(root: Path, config: Config, notice_id: str, *, status_word: str | None,
         final: bool, at: datetime, message: str | None, silent: bool = False,
         now: datetime | None = None, at_text: str | None = None) -> Posted:
    """Add one update to a notice (``final``: Resolved or Completed) and write it.
    ``now`` (the clock) lets a refusal point at an update dated in the future, and with
    ``at_text`` (``at`` as typed) words a warning when ``at`` is ahead of it."""
    with taking_turns(root / NOTICES_DIR):
        path, raw, notice = load_for_edit(root, config, notice_id)
        status = (FINAL_STATUS[notice.type] if final
                  else status_for(status_word, notice.type, Status.UPDATE))
        if message is None:  # the standard text of this status, if it has one
            message = _standard_message(config, status, at.replace(second=0, microsecond=0),
                                        notice.start, notice.updates)
        new_text, result = edit.post_update(raw.decode("utf-8"), notice, status=status, at=at,
                                            message=message or "", silent=silent,
                                            config=config, now=now)
        _write_back(root, path, raw, new_text, "this update")
    return Posted(result, path, status, at.replace(second=0, microsecond=0),
                  _update_warnings(result, relative(path, root), at, now, at_text,
                                   config.timezone))


def post_postmortem(root: Path, config: Config, notice_id: str, *, at: datetime,
                    message: str | None, silent: bool = False, now: datetime | None = None,
                    at_text: str | None = None) -> Posted:
    """Add the postmortem section to an incident and write it; with a warning when ``at``
    (typed as ``at_text``) is ahead of the clock ``now``."""
    with taking_turns(root / NOTICES_DIR):
        path, raw, notice = load_for_edit(root, config, notice_id)
        new_text, result = edit.post_postmortem(raw.decode("utf-8"), notice, at=at,
                                                message=message or "", silent=silent,
                                                config=config)
        _write_back(root, path, raw, new_text, "the postmortem")
    return Posted(result, path, Status.POSTMORTEM, at.replace(second=0, microsecond=0),
                  tuple(_ahead_of_clock(at, now, at_text, config.timezone, "postmortem")))


def _write_back(root: Path, path: Path, raw: bytes, new_text: str, what: str) -> None:
    """Replace the notice file read as ``raw`` with ``new_text``, unless someone changed
    it meanwhile (EditError: nothing is written). Outpost's own writers take turns
    (taking_turns): only an editor saving by hand between the read and here is caught."""
    if path.read_bytes() != raw:
        raise edit.EditError(f"{relative(path, root)} changed while {what} was being "
                             "written; nothing was written: run the command again")
    with _writing(relative(path, root)):
        write_file_atomic(path, new_text.encode("utf-8"))
    _remove_left_temporaries(path)


def _remove_left_temporaries(path: Path) -> None:
    """Remove the temporary files an earlier write of ``path`` left beside it, killed
    between writing one and renaming it (``kill -9``, a power cut): hidden, skipped by
    check and build, they stayed for good, and 'git add -A' committed them. Outpost's
    writers take turns (taking_turns), so none is still being written."""
    left = re.compile(re.escape(f".{path.name}.") + r"[A-Za-z0-9_]{8}\.tmp")
    with contextlib.suppress(OSError):
        for name in os.listdir(path.parent):
            if left.fullmatch(name):
                (path.parent / name).unlink(missing_ok=True)


@contextmanager
def _writing(where: str) -> Iterator[None]:
    """Name the notice when its folder refuses the file (or the temporary file beside it,
    whose random name would tell the reader nothing)."""
    try:
        yield
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise edit.EditError(f"{where}: not written ({exc.strerror}): {NOTICES_DIR}/ "
                                 "must be a folder you may write in; nothing was "
                                 "written") from None
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):  # a full disk or quota
            raise edit.EditError(f"{where}: not written ({exc.strerror}): make room on its "
                                 "disk and run the command again; nothing was "
                                 "written") from None
        raise


@dataclass(frozen=True)
class Row:
    id: str
    type: str
    status: str
    impact: str
    started: str
    updated: str
    is_open: bool


def list_rows(notices: Iterable[Notice], now: datetime, config: Config) -> list[Row]:
    """One row per notice: open ones (most important first), those not posted yet,
    then closed ones (most recently ended first)."""
    zone = config.timezone
    notices = list(notices)
    snapshot = select(notices, now, config)
    def row(notice: Notice, status: str, started: datetime, updated: datetime,
            is_open: bool) -> Row:
        impact = "-" if notice.is_maintenance else notice.impact.value
        return Row(notice.id, notice.type.value, status, impact, write_time(started, zone),
                   write_time(updated, zone), is_open)

    # STARTED: when a maintenance's work began, if an In progress update began it early.
    rows = [row(i.notice, i.status.value, began_early(i) or i.started, i.updated, True)
            for i in snapshot.open]
    rows += [row(n, "Not posted yet", n.start or n.posted_at, n.posted_at, True)
             for n in sorted(notices, key=lambda n: (n.posted_at, n.id))
             if view(n, now) is None]
    rows += [row(i.notice, CALLED_OFF if i.called_off else i.status.value,
                 began_early(i) or i.started, i.updated, False) for i in snapshot.closed]
    return rows
