"""Property tests: random notices, random sequences of updates through the edit
functions. What loads back is exactly what was written, and nothing else moves."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from generator.app import schema
from generator.config import yamlnodes as yn
from generator.core.dialect import shows_text
from generator.core.errors import ProblemsFound
from generator.core.model import FINAL_STATUS, STATUSES, Impact, Notice, NoticeType, Status
from generator.core.times import write_time
from generator.notices import edit, grammar
from tests.conftest import MINIMAL_CONFIG

CONFIG = schema().parse(MINIMAL_CONFIG)
ZONE = CONFIG.timezone
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
PROPERTY = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

minutes = st.integers(0, 60 * 24 * 400).map(lambda m: EPOCH + timedelta(minutes=m))
titles = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1,
                 max_size=40).map(str.strip).filter(lambda t: t != "" and t.isprintable())
# Words readers see: not '0.' alone, an empty list item.
plain_words = st.text(st.sampled_from("abcdefgh XYZ.,!?'0123456789éß中"), min_size=1,
                      max_size=30).map(str.strip).filter(shows_text)
messages = st.one_of(
    plain_words,
    st.lists(st.sampled_from([*"ab #`~-<=>*_\n\t ", "é", "\r\n", "###", "```", "## "]),
             max_size=30).map("".join),
)


def block(status: Status, at: datetime, body: str) -> str:
    return f"{grammar.write_heading(status, at, ZONE)}\n{body}"


@st.composite
def notice_texts(draw: st.DrawFn) -> str:
    """Hand-written-looking notices: comments, blank lines, any update order."""
    kind = draw(st.sampled_from(NoticeType))
    title = draw(titles)
    comment = draw(st.sampled_from(["", "   # written in a hurry"]))
    lines = ["---", f"title: {yn.scalar_text(title)}{comment}", f"type: {kind.value}"]
    if kind is NoticeType.INCIDENT and draw(st.booleans()):
        lines.append(f"impact: {draw(st.sampled_from(Impact)).value}")
    if draw(st.booleans()):
        lines.append("# a comment line in the front matter")
    if draw(st.booleans()):
        lines.append("components: [web, api]")
    if kind is NoticeType.MAINTENANCE:
        start = draw(minutes)
        lines += [f"start: {write_time(start, ZONE)}",
                  f"end: {write_time(start + timedelta(hours=2), ZONE)}"]
    lines.append("---")
    if draw(st.booleans()):
        lines += [draw(plain_words), ""]
    statuses = [s for s in STATUSES[kind] if s is not FINAL_STATUS[kind]]
    count = draw(st.integers(1, 4))
    updates = [(draw(st.sampled_from(statuses)), draw(minutes), draw(plain_words))
               for _ in range(count)]
    order = draw(st.sampled_from(["newest first", "oldest first", "as drawn"]))
    if order != "as drawn":
        updates.sort(key=lambda u: u[1], reverse=order == "newest first")
    for status, at, body in updates:
        lines.append(block(status, at, body))
        lines += [""] * draw(st.integers(0, 2))
    text = "\n".join(lines)
    ending = draw(st.sampled_from(["", "\n"]))
    text = text.rstrip("\n") + ending if ending == "" else text + ending
    return text.replace("\n", "\r\n") if draw(st.booleans()) else text


def is_one_insertion(old: str, new: str) -> bool:
    """``new`` is ``old`` with one run of characters inserted somewhere."""
    if len(new) <= len(old):
        return False
    prefix = 0
    while prefix < len(old) and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < len(old) - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    return prefix + suffix == len(old)


def load(text: str) -> Notice:
    return edit.validated(text, "notices/x.md", "x", CONFIG)


def facts(notice: Notice) -> list[tuple[str, datetime, str, bool]]:
    return sorted((u.status.value, u.at, u.body, u.notify) for u in notice.updates)


@PROPERTY
@given(notice_texts(), st.lists(st.tuples(st.integers(0, 4), minutes, messages, st.booleans()),
                                 min_size=1, max_size=6))
def test_updates_load_back_exactly_and_keep_other_bytes(
        text: str, steps: list[tuple[int, datetime, str, bool]]) -> None:
    notice = load(text)
    posted = 0
    for which, at, message, silent in steps:
        status = STATUSES[notice.type][which]  # the last of the five is the final one
        try:
            new_text, result = edit.post_update(text, notice, status=status, at=at,
                                                message=message, silent=silent, config=CONFIG)
        except (edit.EditError, ProblemsFound):
            continue  # refused: the caller writes nothing
        posted += 1
        assert is_one_insertion(text, new_text)
        reloaded = load(new_text)
        assert reloaded == result
        # as the loader reads it: an indent opening a code block is kept
        body = grammar.trimmed(message.replace("\r\n", "\n").replace("\r", "\n"))
        added = (status.value, at.replace(second=0), body, not silent)
        assert facts(reloaded) == sorted([*facts(notice), added])
        assert replace(reloaded, updates=()) == replace(notice, updates=())
        # The new update is the latest of those at its minute.
        same_minute = [u for u in reloaded.updates if u.at == added[1]]
        assert (same_minute[0].status.value, same_minute[0].body) == (status.value, body)
        text, notice = new_text, reloaded
    event(f"posted {posted} of {len(steps)}")


@PROPERTY
@given(titles, st.sampled_from(NoticeType), minutes, plain_words,
       st.lists(st.sampled_from(["web", "api"]), unique=True))
def test_new_notices_load_back_exactly(title: str, kind: NoticeType, at: datetime,
                                       message: str, components: list[str]) -> None:
    start = at + timedelta(days=3) if kind is NoticeType.MAINTENANCE else None
    end = start + timedelta(hours=1) if start else None
    status = STATUSES[kind][0]
    text = edit.new_notice_text(title=title, kind=kind, status=status, at=at, message=message,
                                zone=ZONE, impact=Impact.MAJOR, components=components,
                                start=start, end=end)
    notice = load(text)
    assert notice.title == title
    assert notice.components == tuple(components)
    assert (notice.start, notice.end) == (start, end)
    assert [(u.status, u.at, u.body) for u in notice.updates] == [(status, at, message)]
    assert notice.impact is (Impact.MAJOR if kind is NoticeType.INCIDENT else Impact.NONE)


@PROPERTY
@given(titles)
def test_slugs_are_valid_ids(title: str) -> None:
    slug = grammar.slugify(title)
    assert slug and len(slug) <= grammar.SLUG_LIMIT
    assert all(c.isascii() and (c.isalnum() or c == "-") for c in slug)
    assert not slug.startswith("-") and not slug.endswith("-") and "--" not in slug
    assert slug == slug.lower()


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_every_text_written_as_a_scalar_reads_back_exactly(value: str) -> None:
    """What authoring and init write for a title or a name reads back as the same text,
    by PyYAML's reader, plain or quoted."""
    assert yaml.safe_load(f"key: {yn.scalar_text(value)}\n") == {"key": value}
