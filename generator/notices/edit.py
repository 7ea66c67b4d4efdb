"""Editing notice text: new notices and updates inserted at their place in the timeline.

Pure: text in, text out. Every function here leaves the bytes it does not add
untouched; the caller validates the result (``checked_insert`` does it for updates)
and writes it atomically.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime
from itertools import pairwise
from zoneinfo import ZoneInfo

from generator.config import schema as s
from generator.config import yamlnodes as yn
from generator.core.errors import OutpostError, Problem, ProblemsFound
from generator.core.model import (
    FINAL_STATUS,
    MAX_FILE_BYTES,
    Config,
    Impact,
    Notice,
    NoticeType,
    Status,
    Update,
)
from generator.core.timeline import is_future
from generator.core.times import write_time
from generator.notices.grammar import (
    FRONT_MATTER_MARK,
    normalized,
    open_fence,
    slugify,
    split_body,
    trimmed,
    without_comments,
    write_heading,
)
from generator.notices.loader import NoticeInvalid, parse_notice, title_refused


class EditError(OutpostError):
    """An edit that cannot be made; nothing was written."""


SAME_DAY_LIMIT = 1000  # notices of one title on one day: '-2' up to '-1000'


def new_id(title: str, day: date, exists: Callable[[str], bool]) -> str:
    """'<YYYY-MM-DD>-<slug>', with '-2', '-3', ... when that id is taken."""
    base = f"{day.isoformat()}-{slugify(title)}"
    candidate = base
    for number in range(2, SAME_DAY_LIMIT + 2):
        if not exists(candidate):
            return candidate
        candidate = f"{base}-{number}"
    raise EditError(f"{base} and its copies up to -{SAME_DAY_LIMIT} are all taken: give the "
                    "notice another title; nothing was written")


def clean_message(text: str | None) -> str:
    """The update text as it will be stored; refuses an empty one."""
    # Trimmed as the loader trims an update, so a pasted log indented as code stays code.
    cleaned = trimmed(normalized(text or "").replace("\r", "\n"))
    how = "write the update's text with -m TEXT or --message-file FILE ('-' for standard input)"
    if not cleaned:
        raise EditError(f"empty message: {how}")
    if not without_comments(cleaned).strip():  # a draft or a template's hints, no text
        raise EditError(f"the message holds only HTML comments (<!-- -->), which readers "
                        f"never see: {how}")
    return cleaned


def clean_title(text: str) -> str:
    title = s.spaced(text).strip()  # as check reads a tab in a title
    if not title:
        raise EditError("empty title: give the notice a short title, such as "
                        "\"Email delivery delays\"")
    if yn.LINE_BREAKS.search(title) or yn.has_forbidden(title):  # as check reads a title
        raise EditError("the title must be one line of printable text")
    # Refused here rather than by loading the new file: its path:line would name a file
    # that is never written.
    problem = title_refused(title)
    if problem:
        raise EditError(problem)
    return title


def new_notice_text(*, title: str, kind: NoticeType, status: Status, at: datetime,
                    message: str, zone: ZoneInfo, impact: Impact | None = None,
                    components: Sequence[str] = (), start: datetime | None = None,
                    end: datetime | None = None) -> str:
    """A whole new notice file: front matter, then its first update."""
    lines = [FRONT_MATTER_MARK, f"title: {yn.scalar_text(title)}", f"type: {kind.value}"]
    if kind is NoticeType.INCIDENT and impact is not None:
        lines.append(f"impact: {impact.value}")
    if components:
        lines.append(f"components: [{', '.join(components)}]")
    if start is not None and end is not None:
        lines += [f"start: {write_time(start, zone)}", f"end: {write_time(end, zone)}"]
    lines += [FRONT_MATTER_MARK, write_heading(status, at, zone), clean_message(message)]
    return "\n".join(lines) + "\n"


def _word(kind: NoticeType) -> str:
    return FINAL_STATUS[kind].value.lower()


def check_update(notice: Notice, status: Status, at: datetime, zone: ZoneInfo,
                 now: datetime | None = None) -> None:
    """Refuse updates the timeline cannot take, with a message saying what to do (and,
    given the clock ``now``, pointing at an update dated in the future)."""
    final = FINAL_STATUS[notice.type]
    word, kind = _word(notice.type), notice.type.value
    done = next((u for u in notice.updates if u.status is final), None)
    if done is not None and status is final:
        raise EditError(f"{notice.id} is already {word} ({final.value} - "
                        f"{write_time(done.at, zone)}); nothing was written")
    if done is not None and at >= done.at:
        raise EditError(f"{notice.id} is {word} ({final.value} - {write_time(done.at, zone)}): "
                        f"a {word} {kind} takes no further updates. If the problem is back, "
                        f"post a new one with 'outpost new {kind}'")
    latest = notice.updates[0]
    if status is final and at < latest.at and now is not None and is_future(latest.at, now):
        raise EditError(f"{notice.path}:{latest.line}: the latest update ({latest.status.value} "
                        f"- {write_time(latest.at, zone)}) is dated in the future, so "
                        f"{final.value} at {write_time(at, zone)} would come before it: "
                        "correct that update's time, then resolve again")
    if status is final and at < latest.at:
        raise EditError(f"{final.value} at {write_time(at, zone)} would come before the latest "
                        f"update ({latest.status.value} - {write_time(latest.at, zone)}); "
                        f"{final.value} must be the last update: leave out --at or give a "
                        "later time")


def _line_offset(text: str, line: int) -> int:
    """Index of the first character of 1-based ``line``."""
    offset = 0
    for _ in range(line - 1):
        offset = text.index("\n", offset) + 1
    return offset


def insert_update(text: str, notice: Notice, block: str, at: datetime) -> tuple[str, int]:
    """Insert ``block`` (a heading and its text, no trailing newline) among the updates of
    ``text`` at its place in time (``at``); every other character stays as it was.

    Updates are kept in the file's order: newest first (the usual way), or oldest
    first when the file is written that way. The new update goes before others
    posted at the same minute, so it reads as the latest of them. Returns the new text
    and the line number of the inserted heading.
    """
    newline = "\r\n" if "\r\n" in text else "\n"
    block = block.replace("\n", newline)
    in_file = sorted(notice.updates, key=lambda u: u.line)
    ascending = (len(in_file) > 1 and in_file[0].at < in_file[-1].at
                 and all(a.at <= b.at for a, b in pairwise(in_file)))
    target: Update | None
    if ascending:
        target = next((u for u in in_file if u.at >= at), None)
    else:
        target = next((u for u in in_file if u.at <= at), None)
    if target is not None:
        offset = _line_offset(text, target.line)
        return text[:offset] + block + newline + newline + text[offset:], target.line
    if text.endswith(newline + newline) or text == "":
        before = text
    elif text.endswith("\n"):
        before = text + newline
    else:
        before = text + newline + newline
    return before + block + newline, before.count("\n") + 1


def validated(text: str, path: str, notice_id: str, config: Config) -> Notice:
    """Parse ``text`` as the loader will; ProblemsFound (path:line) if it would not load,
    its size included: check and every build would stop on a file over the limit."""
    size = len(text.encode("utf-8"))
    if size > MAX_FILE_BYTES:
        raise ProblemsFound([Problem(path, 0, f"the file would be {size:,} bytes, over the "
                                              f"limit of {MAX_FILE_BYTES:,}: shorten the "
                                              "text, or post it in a new notice")],
                            "Nothing was written.")
    try:
        return parse_notice(normalized(text), path, notice_id, config)
    except NoticeInvalid as exc:
        raise exc.found_in(path, "Nothing was written.") from None


def validated_posting(text: str, path: str, notice_id: str, config: Config, first: int,
                      body: str) -> Notice:
    """``validated`` for ``text`` holding a new heading at line ``first`` followed by
    ``body``: EditError, with the problems there told as the message's (the file named
    by path:line was not written)."""
    try:
        return validated(text, path, notice_id, config)
    except ProblemsFound as exc:
        raise EditError(_in_message(exc.problems, first, body.count("\n") + 1)) from None


def _keys(updates: Sequence[Update]) -> list[tuple[str, datetime, str, bool]]:
    return sorted((u.status.value, u.at, u.body, u.notify) for u in updates)


def post_update(text: str, notice: Notice, *, status: Status, at: datetime, message: str,
                silent: bool, config: Config, now: datetime | None = None
                ) -> tuple[str, Notice]:
    """``text`` with one more update, checked to load back as exactly that notice plus
    that update. Raises EditError or ProblemsFound; returns the new text and notice."""
    zone = config.timezone
    body = clean_message(message)
    at = at.replace(second=0, microsecond=0)
    check_update(notice, status, at, zone, now)
    refuse_headings(body)
    block = write_heading(status, at, zone, silent) + "\n" + body
    new_text, first = insert_update(text, notice, block, at)
    with _naming_an_open_fence(body):
        result = validated_posting(new_text, notice.path, notice.id, config, first, body)
        added = Update(status, at, without_comments(body), 0, not silent)  # as loaded
        if (_keys(result.updates) != _keys((*notice.updates, added))
                or replace(result, updates=()) != replace(notice, updates=())):
            raise EditError(_why_not_kept(body))
    return new_text, result


def post_postmortem(text: str, notice: Notice, *, at: datetime, message: str, silent: bool,
                    config: Config) -> tuple[str, Notice]:
    """``text`` with a '## Postmortem - <time>' section above its updates, checked to load
    back as exactly the same notice with that postmortem. Raises EditError or
    ProblemsFound; returns the new text and notice."""
    zone = config.timezone
    if notice.type is not NoticeType.INCIDENT:
        raise EditError("only an incident has a postmortem; nothing was written")
    if notice.postmortem is not None:
        raise EditError(f"{notice.path} already has a postmortem (line "
                        f"{notice.postmortem.line}): edit it there; nothing was written")
    body = clean_message(message)  # refuses an empty message
    at = at.replace(second=0, microsecond=0)
    if at < notice.posted_at:
        raise EditError(f"the postmortem ({write_time(at, zone)}) would come before the "
                        f"notice's first update ({write_time(notice.posted_at, zone)}); "
                        "nothing was written")
    refuse_headings(body)
    block = write_heading(Status.POSTMORTEM, at, zone, silent) + "\n" + body
    newest = max(u.at for u in notice.updates)
    new_text, first = insert_update(text, notice, block, max(at, newest))
    with _naming_an_open_fence(body):
        result = validated_posting(new_text, notice.path, notice.id, config, first, body)
        kept = result.postmortem
        if (kept is None
                or (kept.at, kept.body, kept.notify) != (at, without_comments(body), not silent)
                or _keys(result.updates) != _keys(notice.updates)
                or replace(result, updates=(), postmortem=None) != replace(notice, updates=())):
            raise EditError(_why_not_kept(body))
    return new_text, result


def refuse_headings(body: str) -> None:
    """A '## ' line outside code fences would start another update."""
    _, sections, _ = split_body(body, 1)
    if sections:
        raise EditError(f"line {sections[0][0]} of the message starts with '##', which would "
                        "begin a new update: use '###' for a heading inside an update; "
                        "nothing was written")


def _in_message(problems: Sequence[Problem], first: int, count: int) -> str:
    """Problems found in the would-be file, told as lines of the message (or the message
    as a whole, for those about the update its heading opens)."""
    lines = [f"line {p.line - first} of the message: {p.message}"
             if first < p.line <= first + count
             else f"the message: {p.message}" if p.line == first else str(p)
             for p in problems]
    return "\n".join(lines) + "\nNothing was written."


@contextmanager
def _naming_an_open_fence(body: str) -> Iterator[None]:
    """A message whose code fence is never closed runs on into the updates below it in
    the file, where the first problem found is theirs: name the fence instead."""
    try:
        yield
    except EditError:
        fence = open_fence(body)
        if fence is None:
            raise
        line, run = fence
        raise EditError(f"line {line} of the message opens a code fence ({run}) that is "
                        "never closed, so it would run into the updates below it: end it "
                        f"with a line holding only {run}; nothing was written") from None


def _why_not_kept(body: str) -> str:
    return ("the message would change other parts of the notice (is a code fence left "
            "open?); nothing was written")
