"""Notice files to Notices, with every problem reported as path:line: message."""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from generator.config import schema as s
from generator.config import yamlnodes as yn
from generator.core.dialect import markdown_depth, shows_text, table_cells, to_html
from generator.core.errors import (
    InputError,
    Problem,
    close_to,
    conflict_markers,
    cut_quote,
    did_you_mean,
    misleading_character,
    not_utf8,
    problems_in,
    shown_name,
    status_form,
    unknown_component,
    utf8,
)
from generator.core.model import (
    COMPONENT_TO_IMPACT,
    FINAL_STATUS,
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_TEXT,
    ComponentStatus,
    Config,
    Impact,
    Notice,
    NoticeType,
    Postmortem,
    Update,
    length_problem,
    parse_status,
    unknown_status,
)
from generator.core.times import display_with_zone, has_offset, parse_time
from generator.disk import NotRegular, leads_outside, read_regular
from generator.notices.grammar import (
    FRONT_MATTER_MARK,
    HEADING,
    HEADING_HINT,
    ID_PATTERN,
    LOOSE_SILENT,
    NOTICES_DIR,
    SILENT,
    UNSEEN,
    file_name,
    file_stem,
    front_matter_again,
    front_matter_close,
    heading_line,
    id_of_file,
    misplaced_headings,
    normalized,
    slugify,
    split_body,
    without_comments,
)


def _check_text(line: int, text: str, what: str, problems: list[tuple[int, str]]) -> None:
    """Problems with the size or nesting of a summary or update ``text``."""
    if len(text) > MAX_TEXT:
        problems.append((line, f"{what} is {len(text):,} characters long, more than the "
                               f"limit of {MAX_TEXT:,}: shorten it or split it into updates"))
    elif markdown_depth(text) > MAX_DEPTH:  # cmark runs only on text with many marks
        problems.append((line, f"{what} nests block quotes, lists or HTML tags more than "
                               f"{MAX_DEPTH} levels deep: flatten it"))
    elif (cells := table_cells(text)) > len(text):  # 6 KB once made 5 MB of HTML
        problems.append((line, f"{what} makes tables of {cells:,} cells, more than its "
                               f"{len(text):,} characters (a row with fewer cells than its "
                               "table's header is filled with empty ones): give the table "
                               "fewer columns or write out its rows"))


class NoticeInvalid(s.Invalid):
    """A notice file's problems, each (line, message)."""


_TYPE = s.choice(*(kind.value for kind in NoticeType))
_COMPONENT_STATUSES = ", ".join(status.value for status in ComponentStatus)


def _components(node: yn.Node, path: str = "") -> tuple[tuple[str, str | None, int], ...]:
    """A list of component ids, or a mapping of id to the status the notice gives it:
    (id, status word or None, line) each, checked against outpost.yaml later."""
    if isinstance(node, yn.Mapping):
        values = []
        for key, child in node.entries.items():
            line = node.key_lines[key]
            if not isinstance(child, yn.Scalar) or child.plain_null or not child.text.strip():
                raise s.Invalid([(line, f"'{path}.{key}': expected a component status "
                                        f"({_COMPONENT_STATUSES}), received "
                                        f"{yn.describe(child)}")])
            values.append((key, child.text.strip(), line))
        return tuple(values)
    if isinstance(node, yn.Sequence):
        for index, item in enumerate(node.items):
            if isinstance(item, yn.Mapping) and item.entries:  # '- web: major_outage'
                # The whole list in the mapping form, each component with its status
                # ('<status>' where none is written): none of them left out.
                pairs = [pair for other in node.items for pair in _status_pairs(other)]
                raise s.Invalid([(item.line, f"'{path}[{index}]': {status_form(pairs)}")])
    ids = s.list_of(s.text)(node, path)
    lines = [item.line for item in node.items] if isinstance(node, yn.Sequence) else \
        [node.line] * len(ids)
    return tuple((cid, None, line) for cid, line in zip(ids, lines, strict=True))


def _status_pairs(item: yn.Node) -> list[tuple[str, str]]:
    """An item of a components list as (id, status) pairs for the mapping form."""
    if isinstance(item, yn.Mapping):
        return [(key, value.text.strip() if isinstance(value, yn.Scalar) and value.text.strip()
                 else "<status>") for key, value in item.entries.items()]
    if isinstance(item, yn.Scalar) and item.text.strip():
        return [(item.text.strip(), "<status>")]
    return []


def _title(node: yn.Node, path: str = "") -> str:
    """The title's text, a tab in it read as a space (title_refused checks the rest)."""
    return s.spaced(s.text(node, path))


FRONT_MATTER = s.Record(
    fields=(
        s.Field("title", _title, "text", "Plain-text title.", required=True),
        s.Field("type", _TYPE, "incident | maintenance",
                "What kind of notice this is.", required=True),
        s.Field("impact", s.optional(s.choice(*(i.value for i in Impact))),
                "none | minor | major | critical", "Incidents only; default none."),
        s.Field("components", _components, "list of ids, or id: status",
                "Affected component ids, declared in outpost.yaml; as a mapping, the "
                "status each one has while the notice is in effect.", default=()),
        s.Field("start", s.optional(s.text), "time", "Maintenance only: window start."),
        s.Field("end", s.optional(s.text), "time", "Maintenance only: window end."),
    ),
    build=lambda **values: values,
)


FRONT_MATTER_KEYS = tuple(field.name for field in FRONT_MATTER.fields)
# A YAML file's lines pasted into an update read the same: the hint says how to show them.
SECOND_FRONT_MATTER = ("front matter inside the updates, as a merge that kept both sides "
                       "of a notice leaves once git's markers are removed: keep one front "
                       "matter, at the top of the file, and remove these key lines and the "
                       "'---' next to them; lines meant to be shown, such as a YAML file's, "
                       "go in a code fence (```)")
# A line of dashes meant to close the front matter: '--', '----', or the em and en
# dashes a word processor makes of them.
_DASHES = re.compile(r"[-\u2010-\u2015\u2212]+[ \t]*")


def _unclosed_front_matter(text: str) -> tuple[int, str]:
    """Where the front matter should have closed: a line of dashes that is not '---' (a
    typo), else the opening line."""
    for number, line in enumerate(text.split("\n")[1:], 2):
        if line.startswith("## "):
            break  # the updates begin: the front matter was never closed above them
        if _DASHES.fullmatch(line) is not None:
            return number, (f"'{line.strip()}' does not close the front matter: write exactly "
                            "'---'")
        seen = UNSEEN.sub("", line)
        if seen != line and _DASHES.fullmatch(seen) is not None:  # pasted, or files joined
            return number, (f"'{seen.strip()}' does not close the front matter"
                            f"{misleading_character(line)}")
    return 1, "front matter is not closed: add a line '---' after it"


def parse_notice(text: str, path: str, notice_id: str, config: Config) -> Notice:
    """Parse one notice file's text. Raises NoticeInvalid with every problem found."""
    if yn.has_forbidden(text):
        raise NoticeInvalid(_forbidden_characters(text))
    conflicts = conflict_markers(text)
    if conflicts:
        raise NoticeInvalid(conflicts)
    if not text.strip():
        raise NoticeInvalid([(1, "empty notice: expected front matter between '---' lines, "
                              "then updates")])
    first_end = text.find("\n")
    if (text if first_end < 0 else text[:first_end]).rstrip() != FRONT_MATTER_MARK:
        raise NoticeInvalid([(1, "expected '---' on the first line, to open the front matter")])
    closing = front_matter_close(text, first_end) if first_end >= 0 else None
    if closing is None:
        raise NoticeInvalid([_unclosed_front_matter(text)])
    close = text.count("\n", 0, closing.start() + 1)  # the closing line's index
    if "&#" in text:
        references = _forbidden_references(text, closing.end() + 1)
        if references:
            raise NoticeInvalid(references)
    problems: list[tuple[int, str]] = []
    values, node, kind = _front_matter(text[first_end + 1:max(closing.start(), first_end + 1)],
                                       problems)
    if kind is None:
        raise NoticeInvalid(problems)
    summary, updates, headings = _parse_body(text, closing.end() + 1, close + 1, kind, config,
                                             problems)
    body = text[closing.end() + 1:]
    again = front_matter_again(body, close + 2, FRONT_MATTER_KEYS)
    if again is not None:
        problems.append((again, SECOND_FRONT_MATTER))
    problems.extend(misplaced_headings(body, close + 2))
    if not headings:
        problems.append((close + 2 if closing.end() < len(text) else close + 1,
                         f"notice has no updates: add one under a heading such as {HEADING_HINT}"))
    # Newest first; stable, so among equal times the one higher in the file comes first.
    ordered = sorted(updates, key=lambda u: u.at, reverse=True)
    problems.extend(_check_after_final(ordered, kind))
    postmortem = None
    if "postmortem" in text.lower():
        postmortem = parse_postmortem(text[closing.end() + 1:], close + 2, kind, config,
                                      problems)
        if postmortem is not None and ordered and postmortem.at < ordered[-1].at:
            problems.append((postmortem.line, "postmortem before the first update: it "
                                              "follows what it explains"))
    if values is None or node is None:
        raise NoticeInvalid(problems)
    impact = _check_front_matter(values, node, kind, config, problems)
    start = _window_time(values, node, "start", kind, config, problems)
    end = _window_time(values, node, "end", kind, config, problems)
    if start and end and end <= start:
        shown = ""
        if has_offset(values["start"]) or has_offset(values["end"]):
            # Later on the clock yet earlier in fact (the fall-back hour): show both ends.
            shown = (f" (start {display_with_zone(start, config.timezone)}; end "
                     f"{display_with_zone(end, config.timezone)})")
        problems.append((node.key_lines["end"], f"end must be after start{shown}"))
    if problems:
        raise NoticeInvalid(problems)
    return Notice(
        id=notice_id, path=path, title=values["title"], type=kind, impact=impact,
        components=values["components"], summary=summary, updates=tuple(ordered),
        start=start, end=end, set_statuses=values["set_statuses"], postmortem=postmortem,
    )


def _front_matter(text: str, problems: list[tuple[int, str]]
                  ) -> tuple[dict[str, Any] | None, yn.Mapping | None, NoticeType | None]:
    """The front matter's values (None if any is wrong) and the notice type (None if
    unknown, in which case the body cannot be checked either)."""
    try:  # what YAML refuses but can read past goes to problems, with the values' own
        node = yn.parse(text, first_line=2, problems=problems)
    except yn.YamlError as exc:
        problems.append((exc.line, exc.message))
        return None, None, None
    if node is not None and not isinstance(node, yn.Mapping):
        problems.append((node.line, "front matter must be 'key: value' lines, such as "
                                    "'title: Email delivery delays'"))
        return None, None, None
    try:
        values: dict[str, Any] = s.parse_record(node, FRONT_MATTER)
    except s.Invalid as exc:
        problems.extend(exc.problems)
        type_node = node.entries.get("type") if node is not None else None
        try:
            kind = NoticeType(_TYPE(type_node, "type")) if type_node is not None else None
        except InputError:
            kind = None
        return None, None, kind
    assert isinstance(node, yn.Mapping)
    return values, node, NoticeType(values["type"])


def title_refused(title: str) -> str:
    """Why a notice cannot have ``title``, or '' when it can."""
    if yn.LINE_BREAKS.search(title):
        return f"title must be a single line{yn.unseen_line_break(title)}"
    if yn.HIDDEN.search(title):
        return f"title {yn.hidden_character(title)}"
    blank = yn.blank_text(title)
    if blank:
        return f"title {blank}"
    return length_problem(title)


def _unknown_component_status(word: str, component_id: str) -> str:
    """Why ``word`` is no component status, with the one meant when it is written as the
    pages word it ('Partial outage') or mistyped ('major_outge'), as an update's is."""
    misleading = misleading_character(word)  # what to remove says it all
    spelled = "_".join(word.lower().replace("-", " ").split())
    if spelled in {status.value for status in ComponentStatus} and not misleading:
        hint, written = "", f"write it '{spelled}'; "
    else:
        close = close_to(spelled, (status.value for status in ComponentStatus))
        hint, written = (f": {did_you_mean(close[:1])}" if close and not misleading else ""), ""
    return (f"unknown status '{cut_quote(word)}' for component '{cut_quote(component_id)}'"
            f"{hint} ({written}"
            f"expected one of: {_COMPONENT_STATUSES}){misleading}")


def _check_front_matter(values: dict[str, Any], node: yn.Mapping, kind: NoticeType,
                        config: Config, problems: list[tuple[int, str]]) -> Impact:
    title_problem = title_refused(values["title"])
    if title_problem:
        problems.append((node.key_lines["title"], title_problem))
    known = [c.id for c in config.components]
    known_ids = set(known)
    listed = values["components"]
    seen: set[str] = set()  # sets: a list of 100,000 took minutes, looked through each time
    set_statuses: list[tuple[str, ComponentStatus]] = []
    for component_id, word, line in listed:
        if component_id in seen:
            problems.append((line, f"component '{component_id}' is listed twice"))
        elif component_id not in known_ids:
            problems.append((line, unknown_component(component_id, known)))
        seen.add(component_id)
        if word is None:
            continue
        try:
            set_statuses.append((component_id, ComponentStatus(word.lower())))
        except ValueError:
            problems.append((line, _unknown_component_status(word, component_id)))
    values["components"] = tuple(component_id for component_id, _, _ in listed)
    values["set_statuses"] = tuple(set_statuses)
    if kind is NoticeType.MAINTENANCE:
        if values["impact"] is not None:
            problems.append((node.key_lines["impact"], "'impact' applies to incidents only; "
                             "remove it from this maintenance"))
        return Impact.NONE
    for key in ("start", "end"):
        if values[key] is not None:
            problems.append((node.key_lines[key], f"'{key}' applies to maintenance only; "
                             "remove it or set 'type: maintenance'"))
    if values["impact"] is None and set_statuses:  # as Statuspage: from the worst status
        worst = max((status for _, status in set_statuses), key=lambda st: st.rank)
        return COMPONENT_TO_IMPACT[worst]
    return Impact(values["impact"] or "none")


def _window_time(values: dict[str, Any], node: yn.Mapping, key: str, kind: NoticeType,
                 config: Config, problems: list[tuple[int, str]]) -> Any:
    if kind is not NoticeType.MAINTENANCE:
        return None
    if values[key] is None:
        problems.append((node.line, f"missing required key '{key}' (maintenance needs a "
                                    "start and an end)"))
        return None
    try:
        return parse_time(values[key], config.timezone)
    except InputError as exc:
        problems.append((node.key_lines[key], f"'{key}': {exc}"))
        return None


def _parse_body(text: str, start: int, first: int, kind: NoticeType, config: Config,
                problems: list[tuple[int, str]]) -> tuple[str, list[Update], int]:
    """The summary and updates of the body, ``text[start:]`` (line index ``first`` on).
    Their text leaves out HTML comment blocks, which GitHub hides."""
    summary, sections, problems_found = split_body(text[start:], first + 1)
    problems.extend(problems_found)
    if summary:
        _check_text(first + 1, summary, "the summary", problems)
    updates = []
    for line_no, heading, body in sections:
        _check_text(line_no, body, "this update", problems)
        if _is_postmortem(heading):
            continue  # parse_postmortem reads it
        update = _parse_update(line_no, heading, without_comments(body), kind, config,
                               problems)
        if update:
            updates.append(update)
    return (without_comments(summary), updates,
            sum(not _is_postmortem(h) for _, h, _ in sections))


# What shows_text refusing a body means (a body over a limit is _check_text's to refuse).
_RENDERS_TO_NOTHING = "shows readers no text (its Markdown renders to nothing)"


POSTMORTEM = "Postmortem"


def _is_postmortem(heading: str) -> bool:
    match = HEADING.match(heading.rstrip())
    return match is not None and " ".join(match["status"].split()).lower() == "postmortem"


def parse_postmortem(text: str, first_line: int, kind: NoticeType, config: Config,
                     problems: list[tuple[int, str]]) -> Postmortem | None:
    """The notice's '## Postmortem - <time>' section, if any (at most one, incidents only)."""
    _, sections, _ = split_body(text, first_line)
    found: Postmortem | None = None
    for line_no, heading, written in sections:
        if not _is_postmortem(heading):
            continue
        body = without_comments(written)
        match = HEADING.match(heading.rstrip())
        assert match is not None
        if kind is not NoticeType.INCIDENT:
            problems.append((line_no, "only an incident has a postmortem: a maintenance "
                                      "explains itself in its updates"))
            continue
        if found is not None:
            problems.append((line_no, f"a notice has one postmortem (the first is at line "
                                      f"{found.line}): merge them"))
            continue
        flag = match["flag"]
        if flag is not None and flag.lower() != SILENT:
            problems.append((line_no, f"unknown flag '[{flag}]' (the only flag is '[silent]', "
                                      "which posts the update without notifying)"))
            continue
        try:
            at = _heading_time(match, config)
        except InputError as exc:
            problems.append((line_no, str(exc)))
            continue
        if not body:
            problems.append((line_no, "postmortem has no text: write what happened and what "
                                      "will change under the heading"))
            continue
        if not shows_text(body):
            problems.append((line_no, f"postmortem {_RENDERS_TO_NOTHING}: write what happened "
                                      "and what will change under the heading"))
            continue
        found = Postmortem(at=at, body=body, line=line_no, notify=flag is None)
    return found


def _heading_time(match: re.Match[str], config: Config) -> datetime:
    """The time of an update's or a postmortem's heading; InputError if it is not one,
    naming a silent flag written another way as such, with the heading to write."""
    try:
        return parse_time(match["time"], config.timezone)
    except InputError:
        loose = LOOSE_SILENT.search(match["time"])
        if loose is None:
            raise
        heading = heading_line(match["status"], match["time"][:loose.start()], silent=True)
        raise InputError(f"'{loose.group().strip()}' after the time: the flag is written "
                         f"'[{SILENT}]': {heading}") from None


def _parse_update(line_no: int, heading: str, body: str, kind: NoticeType, config: Config,
                  problems: list[tuple[int, str]]) -> Update | None:
    match = HEADING.match(heading.rstrip())
    if not match:
        problems.append((line_no, f"update heading must read {HEADING_HINT}, got "
                                  f"'{heading.strip()}'{misleading_character(heading)}"))
        return None
    status = parse_status(match["status"], kind)
    ok = True
    if status is None:
        problems.append((line_no, unknown_status(match["status"], kind)))
        ok = False
    flag = match["flag"]
    if flag is not None and flag.lower() != SILENT:
        problems.append((line_no, f"unknown flag '[{flag}]' (the only flag is '[silent]', "
                                  "which posts the update without notifying)"))
        ok = False
    try:
        at = _heading_time(match, config)
    except InputError as exc:
        problems.append((line_no, str(exc)))
        ok = False
    if not body:
        problems.append((line_no, "update has no text: write what happened under the heading"))
        ok = False
    elif not shows_text(body):
        problems.append((line_no, f"update {_RENDERS_TO_NOTHING}: write what happened under "
                                  "the heading"))
        ok = False
    if not ok or status is None:
        return None
    return Update(status=status, at=at, body=body, line=line_no, notify=flag is None)


def _check_after_final(ordered: list[Update], kind: NoticeType) -> list[tuple[int, str]]:
    """Every update later than the first Resolved (Completed): ``ordered`` is newest
    first, and among equal times the update higher in the file is the later one (the
    sort keeps the file's order), which is how the timeline reads them. An update at the
    same minute above a Resolved would otherwise keep the incident open for good."""
    final = FINAL_STATUS[kind]
    first = next((index for index in range(len(ordered) - 1, -1, -1)
                  if ordered[index].status is final), None)
    if first is None:
        return []
    closing = ordered[first]
    rule = f"a {final.value.lower()} {kind.value} takes no further updates"
    problems = []
    for u in ordered[:first]:
        if u.at != closing.at:
            problems.append((u.line, f"update after {final.value} (line {closing.line}): "
                                     f"{rule}"))
            continue
        # Two headings showing one time (two people posting at once, merged by removing
        # the markers): 'after' reads as wrong unless the message says why.
        move = "" if u.status is final else f": move it below the {final.value} update"
        problems.append((u.line, f"update after {final.value} (line {closing.line}): at the "
                                 "same minute, the update higher in the file is the later, and "
                                 f"{rule}{move}"))
    return problems


def read_notice(path: Path, root: Path, config: Config) -> Notice:
    """Read and parse one notice file; raises NoticeInvalid."""
    return parse_bytes(read_notice_bytes(path), relative(path, root), file_stem(path.name),
                       config)


def read_notice_bytes(path: Path) -> bytes:
    """The bytes of a regular file of at most MAX_FILE_BYTES; NoticeInvalid (about the
    whole file, line 0) for anything else. Never blocks on a named pipe."""
    try:
        raw = read_regular(path, MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise NoticeInvalid([(0, f"cannot read ({_reason(exc)})")]) from None
    if isinstance(raw, NotRegular):
        raise NoticeInvalid([(0, _not_regular(raw.mode))])
    if len(raw) > MAX_FILE_BYTES:
        raise NoticeInvalid([(0, f"file is larger than the limit of {MAX_FILE_BYTES:,} "
                                 "bytes: split it or shorten its updates")])
    return raw


def _reason(exc: OSError) -> str:
    return (exc.strerror or type(exc).__name__).lower()


def _not_regular(mode: int) -> str:
    return f"not a regular file ({_kind(mode)}): notices are plain files"


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a file"


def parse_bytes(raw: bytes, path: str, notice_id: str, config: Config) -> Notice:
    """Parse a notice file's bytes; raises NoticeInvalid."""
    try:
        text = utf8(raw)
    except UnicodeDecodeError as exc:
        raise NoticeInvalid([not_utf8(raw, exc)]) from None
    return parse_notice(normalized(text), path, notice_id, config)


MAX_REPORTED_LINES = 20


# A CR the newline that makes it a CRLF does not follow (the text read has CRLF made LF).
BARE_CR = ("character U+000D, a carriage return without a newline after it (as old Mac "
           "line ends are written), is not allowed: end this line with a newline, or save "
           "the file with LF line ends")


def _forbidden_characters(text: str) -> list[tuple[int, str]]:
    """The first lines (MAX_REPORTED_LINES at most) holding a character no output format
    can carry, the first such character of each; in one pass over ``text``. Lines are
    numbered as an editor shows them, a CR alone ending one too."""
    problems: list[tuple[int, str]] = []
    line, counted = 1, 0
    found = yn.FORBIDDEN.search(text)
    while found is not None and len(problems) < MAX_REPORTED_LINES:
        line += len(yn.EDITOR_BREAK.findall(text, counted, found.start()))
        counted = found.start()
        problems.append((line, BARE_CR if found.group() == "\r"
                         else yn.forbidden_character(found.group())))
        next_line = text.find("\n", found.end())
        found = None if next_line < 0 else yn.FORBIDDEN.search(text, next_line)
    return problems


# A numeric character reference, as Markdown reads it: '&#27;' is the character U+001B.
_REFERENCE = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,6})|([0-9]{1,7}));")


def _forbidden_references(text: str, body: int) -> list[tuple[int, str]]:
    """The character references (MAX_REPORTED_LINES at most) that Markdown turns into a
    character no output format can carry: pages and feeds would hold the character
    itself (cmark-gfm writes U+FFFE as bytes that are not UTF-8). ``body``: where the
    Markdown starts, after the front matter."""
    found = [match for match in _REFERENCE.finditer(text, body)
             if _referred(match) < 0x110000  # Markdown reads one past Unicode as U+FFFD
             and yn.FORBIDDEN.match(chr(_referred(match)))]
    problems: list[tuple[int, str]] = []
    line, counted = 1, 0
    for index in _read_as_characters(text, body, found):
        match = found[index]
        line += text.count("\n", counted, match.start())
        counted = match.start()
        problems.append((line, yn.forbidden_character(chr(_referred(match)), match[0])))
        if len(problems) == MAX_REPORTED_LINES:
            break
    return problems


def _referred(reference: re.Match[str]) -> int:
    return int(reference[1], 16) if reference[1] else int(reference[2])


# Private use characters that stand in for the references found, one each.
_STAND_IN = 0xF0000
_STAND_INS = 0xFFFE


def _read_as_characters(text: str, body: int, found: list[re.Match[str]]) -> list[int]:
    """The indexes of the references ``found`` that the body's Markdown, read as the
    renderer reads it, turns into their character or passes on in raw HTML: not one in
    code or escaped with '\\', which shows as written (a pasted XML error's '&#xD;'). Each
    is swapped for a reference to a character of its own, to be looked for in the HTML."""
    if not found or len(found) > _STAND_INS:
        return list(range(len(found)))
    pieces, kept = [], body
    for index, match in enumerate(found):
        pieces += [text[kept:match.start()], f"&#x{_STAND_IN + index:X};"]
        kept = match.end()
    summary, sections, _ = split_body("".join(pieces) + text[kept:], 1)
    html = "".join(to_html(without_comments(part))
                   for part in [summary, *(written for _, _, written in sections)])
    return [index for index in range(len(found))
            if chr(_STAND_IN + index) in html or f"&#x{_STAND_IN + index:X};" in html]


def relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def notice_path(name: str) -> str:
    """How messages name a file of notice_files(): relative(root / 'notices' / name), the
    name quoted when it holds a line break or another unprintable character."""
    return f"{NOTICES_DIR}/{shown_name(name)}"


# Editor and OS leftovers in notices/, never read (listed in the README): backups
# (x.md~, x.md.bak, x.md.orig, x.md.rej), swap, lock and autosave files (.x.md.swp,
# #x.md#, vim's write test 4913, the owner file ~$x.md Word and other Office programs
# keep beside a file they have open), and folder metadata (.DS_Store, Thumbs.db,
# desktop.ini). Names starting with '.' or '_' are skipped anyway.
LEFTOVERS = re.compile(r".*~|~\$.*|#.*#|.*\.(?:swp|swo|swx|bak|orig|rej|tmp)|4913|thumbs\.db|"
                       r"desktop\.ini|icon\r", re.IGNORECASE)


def ignored(name: str) -> bool:
    """Not read as a notice, nor reported: hidden, '_' names, README, leftovers."""
    return (name.startswith((".", "_")) or name.lower() == "readme.md"
            or LEFTOVERS.fullmatch(name) is not None)


def notice_files(root: Path) -> tuple[list[Path], list[Problem]]:
    """The notice files under root/notices, and problems with stray entries.

    Only regular files are read, and symlinks to regular files inside the repository;
    a file with a bad name is listed too (its content is checked) with a problem."""
    names, problems = notice_names(root)
    folder = root / NOTICES_DIR
    return [folder / name for name in names], problems


def _rename(stem: str, entries: list[tuple[str, str]]) -> str:
    """': rename it 'x.md'' with the id a bad file name ``stem`` reads as, unless nothing
    of it is left or another entry of notices/ has that name."""
    meant = slugify(stem, limit=4 * len(stem))  # a letter may become two ('ß': 'ss')
    if ((meant == "notice" and meant not in stem.lower())
            or any(name == file_name(meant) for name, _ in entries)):
        return ""
    return f": rename it '{meant}.md'"


def notice_names(root: Path) -> tuple[list[str], list[Problem]]:
    """notice_files(root) as file names in root/notices (a big site's build makes a
    path only for the files it reads). A missing notices/, or one that is no folder,
    is a problem: a site built from it would silently show no notice at all."""
    folder = root / NOTICES_DIR
    if linked_outside(folder):
        return [], [folder_problem(folder)]
    try:
        with os.scandir(folder) as scan:  # the entry types come without a stat per file
            entries = sorted((entry.name, _entry_kind(entry)) for entry in scan)
    except OSError as exc:
        return [], [folder_problem(folder, exc)]
    files: list[str] = []
    problems: list[Problem] = []
    for name, kind in entries:  # one folder: the same order everywhere
        # The usual case first: an id's letters, digits and hyphens plus '.md' are never
        # a leftover's or hidden name; only README.md is also ignored.
        if kind == "file" and id_of_file(name) is not None and name != "readme.md":
            files.append(name)
            continue
        if ignored(name):
            continue
        where = notice_path(name)
        if kind == "link":
            kind, problem = _link_kind(folder / name, root)
            if problem:
                problems.append(Problem(where, 0, problem))
                continue
        # Line 1 of a file (where a pull request's annotation shows); a folder, a pipe or
        # a socket has no lines, so its problem is the whole entry's (line 0).
        if kind == "dir":
            problems.append(Problem(where, 0, "folders inside notices/ are not read: move "
                                              "its notices directly into notices/"))
        elif not name.endswith(".md"):
            # 'x.MD' does end in '.md' to whoever reads the name aloud: say what differs.
            case = (f", in lowercase (not '{name[-3:]}')" if name.lower().endswith(".md")
                    else "")
            problems.append(Problem(where, 1 if kind == "file" else 0,
                                    f"not a notice: notice files end in '.md'{case}"))
        elif kind == "special":
            files.append(name)  # reading it says what it is, without blocking
        else:
            if id_of_file(name) is None:
                problems.append(Problem(where, 1, "file name must be lowercase letters, "
                                                  "digits and hyphens (it becomes the "
                                                  "notice's URL)"
                                                  + _rename(file_stem(name), entries)))
            files.append(name)
    return files, problems


def linked_outside(folder: Path) -> bool:
    """Whether ``folder`` (notices/) is a symlink to a folder outside the repository: never
    read, as templates/ is not, nor written in (a site would publish what it leads to)."""
    return (os.path.islink(folder) and os.path.isdir(folder)
            and leads_outside(folder, folder.parent))


def folder_problem(folder: Path, exc: OSError | None = None) -> Problem:
    """What is wrong with ``folder`` (notices/) and what to do, worded once for every
    command; ``exc``: why listing it failed, when that was tried."""
    if linked_outside(folder):
        message = (f"symlink to a folder outside the repository, not read: copy the notices "
                   f"into {NOTICES_DIR}/")
    elif not os.path.lexists(folder):
        message = (f"no such folder: the site's notices are kept there, one file each (git "
                   f"keeps a folder only with a file in it: add an empty "
                   f"{NOTICES_DIR}/.gitkeep)")
    elif not os.path.isdir(folder):
        if not os.path.exists(folder):  # a symlink, to nothing or to itself
            what, todo = "a symlink leading nowhere", "restore its target or remove it"
        else:
            what = "a symlink to a file" if os.path.islink(folder) else "a file"
            todo = "move it aside or remove it"
        message = (f"not a folder ({what}): the site's notices are kept in a folder of this "
                   f"name, one file each; {todo}")
    else:
        message = "cannot read" + (f" ({_reason(exc)})" if exc is not None else "")
    return Problem(NOTICES_DIR, 0, message)


def _entry_kind(entry: os.DirEntry[str]) -> str:
    try:
        if entry.is_symlink():
            return "link"
        if entry.is_dir(follow_symlinks=False):
            return "dir"
        return "file" if entry.is_file(follow_symlinks=False) else "special"
    except OSError:
        return "special"


def _link_kind(link: Path, root: Path) -> tuple[str, str]:
    """What a symlink in notices/ points to ("file", "dir" or "special"), or a problem
    when it leads out of the repository or nowhere."""
    target = os.path.realpath(link)
    if leads_outside(link, root):
        if os.path.isdir(target):
            return "", ("symlink to a folder outside the repository, not read: copy its "
                        "notices into notices/")
        return "", ("symlink to a file outside the repository, not read: copy the notice "
                    "into notices/")
    try:
        mode = os.stat(target).st_mode
    except OSError:
        return "", "symlink to a file that does not exist"
    if stat.S_ISDIR(mode):
        return "dir", ""
    return ("file" if stat.S_ISREG(mode) else "special"), ""


def read_file(path: Path, config: Config, known: Mapping[str, str] | None = None
              ) -> tuple[os.stat_result | None, str, Notice | list[tuple[int, str]] | None]:
    """A file of notice_files(): its stat (taken before reading), its sha256, and its
    notice or its problems; None instead when the sha256 is ``known[file name]`` (the
    caller has that notice already)."""
    try:
        stat: os.stat_result | None = os.stat(path)
    except OSError:
        stat = None
    try:
        raw = read_notice_bytes(path)
    except NoticeInvalid as exc:
        return None, "-", exc.problems
    sha = hashlib.sha256(raw).hexdigest()
    if known is not None and known.get(path.name) == sha:
        return stat, sha, None
    try:  # parsed from the very bytes hashed: the digest always fits the notice
        return stat, sha, parse_bytes(raw, notice_path(path.name), file_stem(path.name),
                                       config)
    except NoticeInvalid as exc:
        return stat, sha, exc.problems


def load_notices(root: Path, config: Config) -> tuple[list[Notice], list[Problem]]:
    """Every notice, sorted by id, plus every problem found in any file. (Builds read
    through generator/build/cache.py, which calls ``read_file`` on each file, on both
    cores and skipping unchanged files; this is the plain reference.)"""
    files, problems = notice_files(root)
    notices = []
    for path in files:
        _, _, result = read_file(path, config)
        if isinstance(result, Notice):
            if ID_PATTERN.fullmatch(result.id):  # else notice_files reported the name
                notices.append(result)
        elif result is not None:
            problems.extend(problems_in(notice_path(path.name), result))
    return notices, problems
