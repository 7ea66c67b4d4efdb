"""maintenance.ics read back with the icalendar package."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import icalendar
import pytest

from generator.render.calendar import escape_text, fold
from tests.conftest import FIXED_NOW, Run
from tests.feeds_support import MAINTENANCE_ACTIVE, MAINTENANCE_UPCOMING, build, write_notice


def events(site: Path) -> list[icalendar.Event]:
    raw = (site / "maintenance.ics").read_bytes()
    calendar = icalendar.Calendar.from_ical(raw)
    assert calendar["VERSION"] == "2.0"
    assert all(len(line) <= 75 for line in raw.split(b"\r\n")), "lines must be folded"
    assert raw.endswith(b"END:VCALENDAR\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    return list(calendar.walk("VEVENT"))


@pytest.fixture
def two_windows(empty_repo: Path) -> Path:
    write_notice(empty_repo, "api-upgrade", MAINTENANCE_ACTIVE)
    write_notice(empty_repo, "web-move", MAINTENANCE_UPCOMING)
    return empty_repo


def test_upcoming_and_in_progress_windows(two_windows: Path, run: Run, tmp_path: Path) -> None:
    found = events(build(run, two_windows, FIXED_NOW, tmp_path / "site"))
    assert [str(e["SUMMARY"]) for e in found] == ["API upgrade", "Web server move"]
    api, web = found
    assert str(api["UID"]) == "api-upgrade@status.example.org"
    assert api["DTSTART"].dt == datetime(2026, 11, 28, 11, 0, tzinfo=UTC)
    assert api["DTEND"].dt == datetime(2026, 11, 28, 15, 0, tzinfo=UTC)
    assert str(api["URL"]) == "https://status.example.org/notices/api-upgrade/"
    assert "We will upgrade the API." in str(api["DESCRIPTION"])
    assert "Affected: API" in str(api["DESCRIPTION"])
    assert api["DTSTAMP"].dt == datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
    assert int(api["SEQUENCE"]) == 0
    assert web["DTSTART"].dt == datetime(2026, 12, 6, 4, 0, tzinfo=UTC)


def test_sites_on_one_host_under_different_paths_have_their_own_uids(
        two_windows: Path, run: Run, tmp_path: Path) -> None:
    """A calendar app subscribed to https://example.com/a/ and /b/ keeps both events of a
    notice both sites show (one UID would make one replace the other); a site at '/'
    keeps its UIDs."""
    config = two_windows / "outpost.yaml"
    settings = config.read_text()
    uids = {}
    for path in ("/", "/a/", "/b/"):
        config.write_text(settings.replace("https://status.example.org/",
                                           f"https://example.com{path}"))
        found = events(build(run, two_windows, FIXED_NOW, tmp_path / f"site{len(uids)}"))
        uids[path] = [str(e["UID"]) for e in found]
    assert uids == {"/": ["api-upgrade@example.com", "web-move@example.com"],
                    "/a/": ["a/api-upgrade@example.com", "a/web-move@example.com"],
                    "/b/": ["b/api-upgrade@example.com", "b/web-move@example.com"]}


def test_completed_windows_leave_the_calendar(two_windows: Path, run: Run,
                                              tmp_path: Path) -> None:
    later = build(run, two_windows, "2026-11-28T15:00:00Z", tmp_path / "site")
    assert [str(e["SUMMARY"]) for e in events(later)] == ["Web server move"]


def test_a_window_called_off_stays_as_cancelled_until_it_would_have_ended(
        two_windows: Path, run: Run, tmp_path: Path) -> None:
    """A maintenance completed before its window opened (called off) is a cancelled
    event with a higher SEQUENCE, as RFC 5545 announces one, until its planned end:
    dropped at once, a calendar that imported the event kept it as planned, and one
    subscribed had it vanish with no word why."""
    called_off = MAINTENANCE_UPCOMING.replace(
        "## Scheduled", "## Completed - 2026-11-28 05:45\n"
        "This maintenance has been called off.\n\n## Scheduled")
    write_notice(two_windows, "web-move", called_off)
    found = events(build(run, two_windows, FIXED_NOW, tmp_path / "site"))
    assert [str(e["SUMMARY"]) for e in found] == ["API upgrade", "Web server move"]
    web = found[1]
    assert (str(web["STATUS"]), int(web["SEQUENCE"])) == ("CANCELLED", 1)
    assert str(found[0]["STATUS"]) == "CONFIRMED"
    assert web["DTSTART"].dt == datetime(2026, 12, 6, 4, 0, tzinfo=UTC)
    assert web["DTSTAMP"].dt == datetime(2026, 11, 28, 11, 45, tzinfo=UTC)
    assert str(web["DESCRIPTION"]).split("\n\n")[:2] == [
        "Called off: This maintenance has been called off.", "Would have affected: Web"]
    ended = build(run, two_windows, "2026-12-06T08:00:00Z", tmp_path / "later")
    assert events(ended) == []


def test_times_across_a_dst_change(example_repo: Path, run: Run, tmp_path: Path) -> None:
    site = build(run, example_repo, "2024-11-02T12:00:00Z", tmp_path / "site")
    (event,) = events(site)
    # 23:00 CDT (-05:00) to 01:30 CST (-06:00): three and a half hours.
    assert event["DTSTART"].dt == datetime(2024, 11, 3, 4, 0, tzinfo=UTC)
    assert event["DTEND"].dt == datetime(2024, 11, 3, 7, 30, tzinfo=UTC)
    assert str(event["SUMMARY"]) == "Database upgrade (overnight, across the DST change)"


def test_rescheduling_raises_sequence_and_keeps_uid(two_windows: Path, run: Run,
                                                    tmp_path: Path) -> None:
    first = events(build(run, two_windows, FIXED_NOW, tmp_path / "one"))[1]
    moved = MAINTENANCE_UPCOMING.replace("2026-12-05 22:00", "2026-12-12 22:00").replace(
        "2026-12-06 02:00", "2026-12-13 02:00").replace(
        "## Scheduled", "## Update - 2026-11-28 05:45\nMoved one week later.\n\n## Scheduled")
    write_notice(two_windows, "web-move", moved)
    second = events(build(run, two_windows, FIXED_NOW, tmp_path / "two"))[1]
    assert str(second["UID"]) == str(first["UID"])
    assert int(second["SEQUENCE"]) == int(first["SEQUENCE"]) + 1
    assert second["DTSTAMP"].dt > first["DTSTAMP"].dt
    assert second["DTSTART"].dt == datetime(2026, 12, 13, 4, 0, tzinfo=UTC)


def test_same_input_same_bytes(two_windows: Path, run: Run, tmp_path: Path) -> None:
    one = build(run, two_windows, FIXED_NOW, tmp_path / "one")
    two = build(run, two_windows, "2026-11-28T12:30:00Z", tmp_path / "two")
    assert (one / "maintenance.ics").read_bytes() == (two / "maintenance.ics").read_bytes()


def test_empty_calendar_is_valid(empty_repo: Path, run: Run, tmp_path: Path) -> None:
    site = build(run, empty_repo, FIXED_NOW, tmp_path / "site")
    assert events(site) == []
    # RFC 5545 (3.6): a calendar holds one component or more; here the UTC zone.
    calendar = icalendar.Calendar.from_ical((site / "maintenance.ics").read_bytes())
    assert [(c.name, str(c["TZID"])) for c in calendar.subcomponents] == [("VTIMEZONE", "UTC")]


def test_a_calendar_with_windows_has_no_zone(two_windows: Path, run: Run,
                                            tmp_path: Path) -> None:
    site = build(run, two_windows, "2026-11-28T12:30:00Z", tmp_path / "site")
    assert b"VTIMEZONE" not in (site / "maintenance.ics").read_bytes()


def test_description_links_are_absolute(empty_repo: Path, run: Run, tmp_path: Path) -> None:
    """A calendar shows the event away from the notice page, as a mail client does: a
    relative link in the update would lead nowhere, so it is resolved against the page
    (as in the plain-text email)."""
    linked = MAINTENANCE_UPCOMING.replace(
        "We will move the web servers.",
        "After [the outage](../api-outage/) and [the list](/closed/).")
    write_notice(empty_repo, "web-move", linked)
    (event,) = events(build(run, empty_repo, FIXED_NOW, tmp_path / "site"))
    assert str(event["DESCRIPTION"]).startswith(
        "Scheduled: After [the outage](https://status.example.org/notices/api-outage/) and"
        " [the list](https://status.example.org/closed/).\n\n")


def test_text_escaping_and_folding() -> None:
    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    folded = fold("DESCRIPTION:" + "é" * 80)
    lines = folded.split("\r\n")
    assert all(len(line.encode()) <= 75 for line in lines)
    assert all(line.startswith(" ") for line in lines[1:])
    assert "".join(line[1:] if i else line for i, line in enumerate(lines)) == (
        "DESCRIPTION:" + "é" * 80)
