"""Property tests for the notice parser: no input crashes it, valid notices load exactly."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.app import schema
from generator.config.yamlnodes import HIDDEN, Mapping, YamlError, parse
from generator.core.dialect import shows_text
from generator.core.errors import ProblemsFound
from generator.core.model import FINAL_STATUS, STATUSES, Impact, NoticeType, Status
from generator.core.times import write_time
from generator.notices.loader import NoticeInvalid, parse_notice
from tests.conftest import MINIMAL_CONFIG

CONFIG = schema().parse(MINIMAL_CONFIG)
ZONE = CONFIG.timezone

SAMPLE = """---
title: Digicert certificate reissue
type: incident
impact: major
components: [web, api]
---
Summary.

## Resolved - 2024-07-30 14:25
All customer domains have been updated.

## Investigating - 2024-07-30 13:27
This morning we received notification.
"""

PIECES = st.sampled_from([
    "---", "...", "## ", "### ", "##", "```", "~~~", "<<<<<<< HEAD", "=======", ">>>>>>> b",
    "title:", "type:", " incident", " maintenance", "impact: major", "start:", "end:",
    "components: [web]", "Resolved", "Investigating", "Scheduled", "In progress", " - ",
    " \u2013 ", "2024-11-03 01:30", "2024-03-10 02:30", " -05:00", "Z", " CDT", "[silent]",
    "\n", "\r\n", "\t", "\ufeff", ": ", "&a", "*a", "<<: *a", "{", "[", "'", '"', "|",
    "\x00", "\x85", "\u2028", "\u2029", "\r", "\ufffd", "0" * 30, "9999-12-31 23:59",
])
# Where an editor, git and Python's universal newlines break lines (YAML also breaks them
# at U+0085, U+2028 and U+2029, which they show inside a line).
EDITOR_BREAK = re.compile("\r\n|[\r\n]")


def editor_lines(text: str) -> int:
    """How many lines an editor shows ``text`` in."""
    return len(EDITOR_BREAK.split(text))


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(
    st.text(max_size=300),
    st.lists(PIECES, max_size=40).map("".join),
    st.tuples(st.integers(0, len(SAMPLE)), st.lists(PIECES, max_size=6).map("".join),
              st.integers(0, 20)).map(lambda t: SAMPLE[:t[0]] + t[1] + SAMPLE[t[0] + t[2]:]),
))
def test_any_text_is_a_notice_or_a_list_of_problems(text: str) -> None:
    try:
        parse_notice(text, "notices/x.md", "x", CONFIG)
    except NoticeInvalid as exc:
        assert exc.problems
        for line, message in exc.problems:
            assert 1 <= line <= editor_lines(text) + 1, (line, message)
            assert message and "\n" not in message


# Text of a quoted or '>' value: words with the separators YAML breaks lines at and an
# editor does not, and in quotes (where YAML folds them) real line ends too.
hidden_breaks = st.lists(st.sampled_from(["a", "b c", "\x85", "\u2028", "\u2029"]),
                         min_size=1, max_size=8).map("".join)
VALUES = st.one_of(
    hidden_breaks.map(lambda value: f'"{value}"'),
    st.tuples(hidden_breaks, st.sampled_from(["\n", "\r\n", "\r"]), hidden_breaks).map(
        lambda parts: f'"{parts[0]}{parts[1]}  {parts[2]}"'),
    # In a '>' text each line after a separator is indented as the text is.
    st.lists(hidden_breaks, min_size=1, max_size=3).map(
        lambda lines: ">\n  " + "\n  ".join(
            re.sub("([\x85\u2028\u2029])", "\\1  ", line) for line in lines)),
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(VALUES, min_size=1, max_size=4), st.sampled_from(["\n", "\r\n", "\r"]),
       st.booleans())
def test_yaml_lines_are_the_lines_an_editor_shows(values: list[str], line_end: str,
                                                  broken: bool) -> None:
    """Whatever U+0085, U+2028 and U+2029 the values above hold, and whichever line ends
    the file has, the key below them (or the '[' never closed) is named at the line an
    editor shows it on, as a value of theirs would be."""
    above = "".join(f"key{index}: {value}\n" for index, value in enumerate(values))
    text = (above + ("last: [a, b\n" if broken else "last: x\n")).replace("\n", line_end)
    expected = editor_lines(text) - 1  # the last line; the text ends with a line end
    if broken:
        try:
            parse(text)
        except YamlError as exc:
            assert exc.line == expected, (text, exc.message)
        else:
            raise AssertionError("a '[' never closed was read")
        return
    node = parse(text)
    assert isinstance(node, Mapping)
    assert list(node.key_lines.values()) == [
        editor_lines(text[:match.start()]) for match in re.finditer("^key|(?<=[\r\n])key",
                                                                     text)] + [expected], text


@dataclass(frozen=True)
class Written:
    status: Status
    at: datetime
    body: str
    silent: bool


WORDS = st.text(alphabet="abcdefghij klmnop,.!?()0123456789", min_size=1, max_size=40)
# A text showing readers something: '0.' alone is an empty list item, which is refused.
BODY = st.lists(WORDS, min_size=1, max_size=4).map("\n".join).filter(shows_text)
TITLE = st.text(st.characters(exclude_categories=("Cs", "Cc", "Cn", "Co", "Zl", "Zp")),
                min_size=1, max_size=60).filter(
    lambda t: t.strip() != "" and "\n" not in t.strip() and "\r" not in t
    and not HIDDEN.search(t))  # refused in a title: test_hostile checks each
MINUTES = st.integers(0, 60 * 24 * 365 * 20)
EPOCH = datetime(2015, 1, 1, tzinfo=UTC)


@st.composite
def notices(draw: st.DrawFn) -> tuple[str, dict[str, object]]:
    kind = draw(st.sampled_from(list(NoticeType)))
    title = draw(TITLE)
    components = draw(st.sampled_from([(), ("web",), ("api", "web")]))
    offsets = draw(st.lists(MINUTES, min_size=1, max_size=6, unique=True))
    times = sorted(EPOCH + timedelta(minutes=m) for m in offsets)
    final = FINAL_STATUS[kind]
    ongoing = [s for s in STATUSES[kind] if s is not final]
    updates = [Written(draw(st.sampled_from(ongoing)), at, draw(BODY), draw(st.booleans()))
               for at in times]
    if draw(st.booleans()):
        last = updates[-1]
        updates[-1] = Written(final, last.at, last.body, last.silent)
    summary = draw(st.one_of(st.just(""), BODY))
    lines = ["---", f"title: {json.dumps(title, ensure_ascii=False)}", f"type: {kind.value}"]
    impact = Impact.NONE
    start = end = None
    if kind is NoticeType.INCIDENT:
        impact = draw(st.sampled_from(list(Impact)))
        lines.append(f"impact: {impact.value.upper()}")
    else:
        start = EPOCH + timedelta(minutes=draw(MINUTES))
        end = start + timedelta(minutes=draw(st.integers(1, 60 * 24 * 3)))
        lines += [f"start: {write_time(start, ZONE)}", f"end: '{write_time(end, ZONE)}'"]
    lines += [f"components: [{', '.join(components)}]", "---", summary, ""]
    for update in reversed(updates):  # newest first, as written by people
        flag = " [silent]" if update.silent else ""
        word = update.status.value.upper() if update.silent else update.status.value
        lines += [f"## {word} - {write_time(update.at, ZONE)}{flag}", update.body, ""]
    expected = {
        "title": title.strip(), "type": kind, "impact": impact, "components": components,
        "summary": summary.strip(), "start": start, "end": end,
        "updates": [(u.status, u.at, u.body.strip(), not u.silent) for u in reversed(updates)],
    }
    return "\n".join(lines), expected


@settings(max_examples=200, deadline=None, derandomize=True)
@given(notices())
def test_written_notices_load_back_exactly(case: tuple[str, dict[str, object]]) -> None:
    text, expected = case
    notice = parse_notice(text, "notices/x.md", "x", CONFIG)
    assert {
        "title": notice.title, "type": notice.type, "impact": notice.impact,
        "components": notice.components, "summary": notice.summary,
        "start": notice.start, "end": notice.end,
        "updates": [(u.status, u.at, u.body, u.notify) for u in notice.updates],
    } == expected


HEADING = "Identified - 2026-01-01 10:30"
INSIDE_WORDS = [index for index in range(1, len(HEADING))
                if HEADING[index - 1] != " " and HEADING[index] != " "]


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.sampled_from(INSIDE_WORDS), st.sampled_from(["\u2028", "\u2029"]),
       st.sampled_from(["", "Mail is late."]))
def test_a_line_separator_inside_a_heading_is_named(at: int, separator: str,
                                                    pasted: str) -> None:
    """U+2028 or U+2029 inside an update heading's status or time (some editors break the
    line there) is named in the problem, wherever it stands."""
    heading = HEADING[:at] + separator + pasted + HEADING[at:]
    text = f"---\ntitle: T\ntype: incident\n---\n## {heading}\ny\n"
    try:
        parse_notice(text, "notices/x.md", "x", CONFIG)
    except NoticeInvalid as exc:
        [(line, message)] = exc.problems
        assert line == 5
        assert f"(U+{ord(separator):04X}), which some editors show as a line break" in message
    else:
        raise AssertionError(f"{heading!r} was read as a heading")


SETTINGS_TAKING_ONE_WORD = ["stale_after", "feed_items", "history_days", "language",
                            "timezone", "base_url", "home_url"]
WORD = st.text(alphabet="abz019-:/.", min_size=1, max_size=8).filter(
    lambda word: word[0] not in "-:" and not word.endswith(":") and ": " not in word)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.sampled_from(SETTINGS_TAKING_ONE_WORD), WORD, WORD)
def test_a_value_going_on_over_lines_is_named_on_one_line(key: str, first: str,
                                                          more: str) -> None:
    """A value YAML reads on over a blank line and an indented one below it is named in
    a message of one line, whatever the setting and the words."""
    text = (MINIMAL_CONFIG.replace("timezone: America/Chicago\n", "")
            + ("" if key == "timezone" else "timezone: UTC\n")).replace(
        "base_url: https://status.example.org/\n", "" if key == "base_url" else
        "base_url: https://status.example.org/\n") + f"{key}: {first}\n\n  {more}\n"
    try:
        schema().parse(text)
    except ProblemsFound as exc:
        for problem in exc.problems:
            assert "\n" not in str(problem), str(problem)
