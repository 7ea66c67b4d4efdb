"""The pure editing functions and the notice look-up, case by case."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
import yaml

from generator.app import schema
from generator.config import yamlnodes as yn
from generator.core.errors import ProblemsFound
from generator.core.model import Status
from generator.core.times import parse_time
from generator.notices import edit, grammar
from generator.notices.lookup import NotFound, find_notice, match, read_title
from tests.conftest import MINIMAL_CONFIG

CONFIG = schema().parse(MINIMAL_CONFIG)
ZONE = CONFIG.timezone


def at(text: str) -> datetime:
    return parse_time(text, ZONE)


@pytest.mark.parametrize(("title", "slug"), [
    ("Digicert certificate reissue", "digicert-certificate-reissue"),
    ("  Portal: 502 errors!! ", "portal-502-errors"),
    ("Café & Crème brûlée", "cafe-creme-brulee"),
    ("中文标题", "notice"),
    ("Straße gesperrt", "strasse-gesperrt"),
    ("Ærøskøbing Œuvre Łódź Þing", "aeroskobing-oeuvre-lodz-thing"),
    ("a" * 70, "a" * 60),
    ("word " * 20, "-".join(["word"] * 12)),
])
def test_slugify(title: str, slug: str) -> None:
    assert grammar.slugify(title) == slug


def test_new_id_skips_taken_ids() -> None:
    taken = {"2026-11-28-outage", "2026-11-28-outage-2"}
    assert edit.new_id("Outage", date(2026, 11, 28), taken.__contains__) == "2026-11-28-outage-3"
    assert edit.new_id("Outage", date(2026, 11, 29), taken.__contains__) == "2026-11-29-outage"


def test_new_id_stops_when_every_copy_is_taken() -> None:
    asked: list[str] = []

    def taken(notice_id: str) -> bool:
        asked.append(notice_id)
        return True

    with pytest.raises(edit.EditError) as refused:
        edit.new_id("Outage", date(2026, 11, 28), taken)
    assert refused.value.format_message() == (
        "2026-11-28-outage and its copies up to -1000 are all taken: give the notice another "
        "title; nothing was written")
    assert len(asked) == 1000 and asked[-1] == "2026-11-28-outage-1000"


@pytest.mark.parametrize(("value", "written"), [
    ("Email delivery delays", "Email delivery delays"),
    ("Parents' portal, again?", "Parents' portal, again?"),
    ("null", '"null"'),
    ("NO", '"NO"'),
    ("yes", '"yes"'),
    ("A & B_c", "A & B_c"),
    ("https://status.example.org/x?a=1&b=2", "https://status.example.org/x?a=1&b=2"),
    ("https://status.example.org/x:", '"https://status.example.org/x:"'),
    ("http://a/#top", '"http://a/#top"'),
    ("012", '"012"'),
    ("2026-11-28", '"2026-11-28"'),
    ("1.5", '"1.5"'),
    ("1e3", '"1e3"'),  # YAML 1.2 readers: a number, as '0o17' and '038'
    ("0o17", '"0o17"'),
    ("038", '"038"'),
    ("1e3 users", "1e3 users"),
    ("Off", '"Off"'),
    ("Portal: down", '"Portal: down"'),
    ("- dash", '"- dash"'),
    ('Say "hi" \\ bye', '"Say \\"hi\\" \\\\ bye"'),
    ("#1 issue", '"#1 issue"'),
    ("tab\there", '"tab\\x09here"'),
    ("line\u2028sep", '"line\\u2028sep"'),
    ("emoji 🎉 ok", '"emoji 🎉 ok"'),
])
def test_scalar_text(value: str, written: str) -> None:
    """One writer for YAML scalars, read back exactly by this reader and by PyYAML's."""
    assert yn.scalar_text(value) == written
    text = edit.new_notice_text(title=value, kind=edit.NoticeType.INCIDENT,
                                status=Status.INVESTIGATING, at=at("2026-11-28 06:00"),
                                message="x", zone=ZONE)
    if "\u2028" in value:  # written back exactly, then refused: a title is one line
        with pytest.raises(ProblemsFound, match="title must be a single line"):
            edit.validated(text, "n.md", "n", CONFIG)
        return
    # Written back exactly; a tab reads as a space, as in any title.
    assert edit.validated(text, "n.md", "n", CONFIG).title == value.replace("\t", " ")
    assert yaml.safe_load(f"title: {written}\n") == {"title": value}  # any YAML reader


OLDEST_FIRST = """\
---
title: T
type: incident
---
## Investigating - 2026-11-28 06:00
a

## Identified - 2026-11-28 07:00
b"""


def test_insert_keeps_an_oldest_first_file_oldest_first() -> None:
    notice = edit.validated(OLDEST_FIRST, "n.md", "n", CONFIG)
    text, _ = edit.post_update(OLDEST_FIRST, notice, status=Status.UPDATE,
                               at=at("2026-11-28 06:30"), message="mid", silent=False,
                               config=CONFIG)
    assert text == OLDEST_FIRST.replace("## Identified", "## Update - 2026-11-28 06:30\nmid\n\n"
                                        "## Identified")
    text, _ = edit.post_update(OLDEST_FIRST, notice, status=Status.RESOLVED,
                               at=at("2026-11-28 08:00"), message="done", silent=False,
                               config=CONFIG)
    # Appended at the end; the missing final newline is added before the new update.
    assert text == OLDEST_FIRST + "\n\n## Resolved - 2026-11-28 08:00\ndone\n"


def test_insert_at_the_same_minute_reads_as_latest() -> None:
    notice = edit.validated(OLDEST_FIRST, "n.md", "n", CONFIG)
    _, result = edit.post_update(OLDEST_FIRST, notice, status=Status.RESOLVED,
                                 at=at("2026-11-28 07:00"), message="done", silent=False,
                                 config=CONFIG)
    assert [u.status for u in result.updates] == [Status.RESOLVED, Status.IDENTIFIED,
                                                  Status.INVESTIGATING]


def test_fold_time_is_written_with_its_offset() -> None:
    text = edit.new_notice_text(title="T", kind=edit.NoticeType.INCIDENT,
                                status=Status.INVESTIGATING,
                                at=at("2026-11-01 01:30 -06:00"), message="x", zone=ZONE)
    assert "## Investigating - 2026-11-01 01:30 -06:00\n" in text


def test_match_rules() -> None:
    ids = ["2024-07-30-digicert-certificate-reissue", "2025-03-18-email-delivery-delays",
           "2025-03-18-email"]
    titles = {ids[0]: "Digicert certificate reissue", ids[1]: "Email delivery delays",
              ids[2]: "Email outage"}
    assert match("2025-03-18-email", ids, titles) == ["2025-03-18-email"]  # exact wins
    assert match("2025-03-18-email-d", ids, titles) == [ids[1]]
    assert match("2025", ids, titles) == [ids[1], ids[2]]
    assert match("DigiCert", ids, titles) == [ids[0]]
    assert match("email outage", ids, titles) == [ids[2]]
    assert match("email", ids, titles) == [ids[1], ids[2]]
    assert match("", ids, titles) == []
    assert match("!!", ids, titles) == []


def test_match_words_of_titles_in_any_script() -> None:
    """A title's words are words in any script: 'Störung' is one word, not 'st' and
    'rung', and a Russian or Japanese title (its id holds no word of it) is found."""
    ids = ["2026-11-29-storung-im-netz", "2026-11-29-notice", "2026-11-29-notice-2",
           "2026-11-29-rung-ladder"]
    titles = {ids[0]: "Störung im Netz", ids[1]: "Почта задерживается",
              ids[2]: "メール 遅延", ids[3]: "Rung ladder"}
    assert match("Störung", ids, titles) == [ids[0]]
    assert match("STÖRUNG netz", ids, titles) == [ids[0]]
    assert match("storung", ids, titles) == [ids[0]]  # the id's own word
    assert match("почта", ids, titles) == [ids[1]]
    assert match("メール", ids, titles) == [ids[2]]
    assert match("rung", ids, titles) == [ids[3]]


def test_find_notice_lists_at_most_twenty(tmp_path: Path) -> None:
    folder = tmp_path / "notices"
    folder.mkdir()
    for number in range(25):
        (folder / f"2026-11-{number:02d}-outage.md").write_text(
            f'---\ntitle: "Outage {number}" # note\ntype: incident\n---\n')
    assert read_title(folder / "2026-11-03-outage.md") == "Outage 3"
    with pytest.raises(NotFound) as caught:
        find_notice(tmp_path, "outage")
    lines = caught.value.format_message().splitlines()
    assert lines[0] == "'outage' matches 25 notices; give more of the id:"
    assert lines[1] == "  2026-11-00-outage  Outage 0"
    assert lines[-1] == "  ... and 5 more"
    assert len(lines) == 22
    assert find_notice(tmp_path, "outage 24") == "2026-11-24-outage"
