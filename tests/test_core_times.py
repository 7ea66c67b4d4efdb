"""Times: the site zone, DST gaps and folds, display with derived abbreviations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.core.errors import InputError
from generator.core.times import (
    clock,
    display,
    display_range,
    display_with_zone,
    has_offset,
    iso,
    local_year,
    parse_now,
    parse_time,
    utc_iso,
    write_time,
    zone_abbreviations,
    zone_name,
)
from tests.conftest import FIXED_NOW, Run

CHICAGO = ZoneInfo("America/Chicago")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-07-30 13:27", utc(2024, 7, 30, 18, 27)),       # CDT, UTC-5
    ("2024-01-30 13:27", utc(2024, 1, 30, 19, 27)),       # CST, UTC-6
    ("2024-11-03 01:30 -05:00", utc(2024, 11, 3, 6, 30)),  # first 01:30 (CDT)
    ("2024-11-03 01:30 -06:00", utc(2024, 11, 3, 7, 30)),  # second 01:30 (CST)
    ("2024-11-03 01:30-0600", utc(2024, 11, 3, 7, 30)),
    ("2024-03-10 02:30 Z", utc(2024, 3, 10, 2, 30)),
    ("2026-11-28T12:00:00Z", utc(2026, 11, 28, 12, 0)),
    ("2026-11-28T06:00:00-06:00", utc(2026, 11, 28, 12, 0)),
    ("  2024-07-30 9:05  ", utc(2024, 7, 30, 14, 5)),
])
def test_parse_time(text: str, expected: datetime) -> None:
    assert parse_time(text, CHICAGO) == expected


def test_dst_gap_and_fold_are_refused() -> None:
    with pytest.raises(InputError) as gap:
        parse_time("2024-03-10 02:30", CHICAGO)
    assert str(gap.value) == (
        "time '2024-03-10 02:30' does not exist in America/Chicago: the clocks skip it at the "
        "daylight-saving change; write it with an explicit offset ('-06:00' or '-05:00')")
    with pytest.raises(InputError) as fold:
        parse_time("2024-11-03 01:59", CHICAGO)
    assert str(fold.value) == (
        "time '2024-11-03 01:59' happens twice in America/Chicago (CDT -05:00 and CST -06:00); "
        "add the offset you mean, e.g. '2024-11-03 01:59 -05:00'")
    # The minutes either side of each change are fine.
    assert parse_time("2024-03-10 01:59", CHICAGO) == utc(2024, 3, 10, 7, 59)
    assert parse_time("2024-03-10 03:00", CHICAGO) == utc(2024, 3, 10, 8, 0)
    assert parse_time("2024-11-03 00:59", CHICAGO) == utc(2024, 11, 3, 5, 59)
    assert parse_time("2024-11-03 02:00", CHICAGO) == utc(2024, 11, 3, 8, 0)


def test_bad_now_is_a_usage_error(example_repo: Path, run: Run) -> None:
    result = run(example_repo, "build", "--now", "2024-03-10 02:30")
    assert result.exit_code == 2
    assert result.output.endswith(
        "Error: Invalid value for '--now': time '2024-03-10 02:30' does not exist in "
        "America/Chicago: the clocks skip it at the daylight-saving change; write it with an "
        "explicit offset ('-06:00' or '-05:00')\n")
    assert parse_now(FIXED_NOW, CHICAGO) == utc(2026, 11, 28, 12)


@pytest.mark.parametrize("text", ["2026-11-28T12:00:00Z", "2026-11-28t12:00:00z",
                                  "2026-11-28t12:00z", "2026-11-28 12:00 z"])
def test_rfc_3339_lowercase_t_and_z_are_utc(text: str) -> None:
    """RFC 3339 allows 't' and 'z' in lowercase; 'z' is no zone abbreviation."""
    assert parse_now(text, CHICAGO) == utc(2026, 11, 28, 12)


def test_display_shows_derived_abbreviations() -> None:
    start, end = utc(2024, 7, 30, 18, 27), utc(2024, 7, 30, 19, 25)
    assert display_range(start, end, CHICAGO) == (
        "Jul 30, 2024, 1:27 \u2013 2:25 PM CDT")
    assert display(utc(2027, 1, 10, 6, 0), CHICAGO) == "Jan 10, 2027, 12:00 AM"
    assert display(utc(2027, 1, 10, 18, 5), CHICAGO) == "Jan 10, 2027, 12:05 PM"
    assert display(utc(2027, 1, 10, 15, 5), CHICAGO) == "Jan 10, 2027, 9:05 AM"
    assert clock(utc(2024, 7, 30, 18, 40), CHICAGO) == "1:40 PM CDT"
    # Same day across noon: both halves; overnight: the second date without its year.
    assert display_range(utc(2024, 7, 30, 15, 27), end, CHICAGO) == (
        "Jul 30, 2024, 10:27 AM \u2013 2:25 PM CDT")
    assert display_range(utc(2027, 1, 10, 4), utc(2027, 1, 10, 8), CHICAGO) == (
        "Jan 9, 2027, 10:00 PM \u2013 Jan 10, 2:00 AM CST")
    assert display_range(utc(2027, 1, 10, 4), utc(2027, 1, 10, 8), CHICAGO, year=False) == (
        "Jan 9, 10:00 PM \u2013 Jan 10, 2:00 AM CST")
    assert display_range(utc(2024, 12, 31, 20), utc(2025, 1, 1, 8), CHICAGO) == (
        "Dec 31, 2024, 2:00 PM \u2013 Jan 1, 2025, 2:00 AM CST")
    # A range across the change names both abbreviations.
    assert display_range(utc(2024, 11, 3, 4), utc(2024, 11, 3, 7, 20), CHICAGO) == (
        "Nov 2, 2024, 11:00 PM CDT \u2013 Nov 3, 1:20 AM CST")
    assert display_range(utc(2024, 3, 10, 7), utc(2024, 3, 10, 9), CHICAGO) == (
        "Mar 10, 2024, 1:00 AM CST \u2013 4:00 AM CDT")
    assert display_range(start, None, CHICAGO) == "Since Jul 30, 2024, 1:27 PM CDT"
    # An incident posted only as Resolved began and ended at once: one time, not
    # "1:27 - 1:27 PM".
    assert display_range(start, start, CHICAGO) == "Jul 30, 2024, 1:27 PM CDT"
    # Both 01:30s on the fall-back night read differently.
    assert iso(utc(2024, 11, 3, 6, 30), CHICAGO) == "2024-11-03T01:30:00-05:00"
    assert iso(utc(2024, 11, 3, 7, 30), CHICAGO) == "2024-11-03T01:30:00-06:00"


def test_a_time_in_an_offset_of_seconds_is_given_in_utc() -> None:
    """Monrovia was 44 minutes 30 seconds behind UTC until 1972: HTML's datetime and
    RFC 3339 have no seconds in an offset, and a browser's Date.parse reads
    '1970-01-01T10:00:00-00:44:30' as NaN (the Open page's age of the build)."""
    monrovia = ZoneInfo("Africa/Monrovia")
    assert iso(utc(1970, 1, 1, 10, 44, 30), monrovia) == "1970-01-01T10:44:30Z"
    assert iso(utc(1972, 6, 1, 12), monrovia) == "1972-06-01T12:00:00+00:00"



def test_a_utc_time_is_written_with_z_to_the_second_unless_asked_for_more() -> None:
    moment = datetime(2024, 7, 30, 13, 27, 5, 250_000, tzinfo=CHICAGO)
    assert utc_iso(moment) == "2024-07-30T18:27:05Z" == moment.astimezone(UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ")  # as feeds' keys and embeds' times always were
    assert utc_iso(moment, "milliseconds") == "2024-07-30T18:27:05.250Z"
    assert utc_iso(moment, "auto") == "2024-07-30T18:27:05.250000Z"  # manifest.json
    assert utc_iso(moment.replace(microsecond=0), "auto") == "2024-07-30T18:27:05Z"

def test_the_footer_names_every_abbreviation_of_the_year() -> None:
    """Morocco leaves +01 for +00 during Ramadan (February and March in 2026): pages
    show 'UTC+00' then, so the footer's list must hold it, not only January's and July's."""
    assert zone_abbreviations(ZoneInfo("Africa/Casablanca"), 2026) == "UTC+01/UTC+00"
    assert zone_abbreviations(CHICAGO, 2026) == "CST/CDT"
    assert zone_abbreviations(ZoneInfo("Asia/Tokyo"), 2026) == "JST"


def test_write_time_adds_offset_only_when_needed() -> None:
    assert write_time(utc(2024, 7, 30, 18, 27), CHICAGO) == "2024-07-30 13:27"
    assert write_time(utc(2024, 11, 3, 6, 30), CHICAGO) == "2024-11-03 01:30 -05:00"
    assert write_time(utc(2024, 11, 3, 7, 30), CHICAGO) == "2024-11-03 01:30 -06:00"


def test_maintenance_across_dst_on_pages(example_repo: Path, run: Run, tmp_path: Path) -> None:
    site = tmp_path / "site"
    assert run(example_repo, "build", "--out", str(site), "--now", FIXED_NOW).exit_code == 0
    page = (site / "notices" / "2024-11-02-database-upgrade-across-dst" / "index.html"
            ).read_text()
    assert ('<time datetime="2024-11-02T23:00:00-05:00">Nov 2, 2024, 11:00 PM CDT\u00a0\u2013 '
            'Nov 3, 1:20 AM CST</time>') in page
    assert '<time datetime="2024-11-03T01:20:00-06:00">Nov 3, 2024, 1:20 AM CST</time>' in page
    assert '<time datetime="2024-10-19T09:00:00-05:00">Oct 19, 2024, 9:00 AM CDT</time>' in page
    # During the repeated hour, the window is still in progress.
    site = tmp_path / "during"
    result = run(example_repo, "build", "--out", str(site), "--now", "2024-11-03 01:10 -06:00")
    assert result.exit_code == 0, result.output
    index = (site / "index.html").read_text()
    assert "Maintenance in progress" in index
    assert ("Updated <time datetime=\"2024-11-03T01:10:00-06:00\">Nov 3, 2024, 1:10 AM CST"
            in index)
    assert "Times in Central Time (CST/CDT)." in index
    assert "comp-under_maintenance" in index


def test_a_range_whose_ends_show_the_same_minute_shows_one_time() -> None:
    """Seconds written by hand ('10:00:30') are not shown: a range within one minute read
    '10:00 \u2013 10:00 AM'. Both 1:30s of the fall-back night still read as a range."""
    start = utc(2026, 11, 28, 16)
    assert display_range(start, start + timedelta(seconds=30), CHICAGO) == (
        "Nov 28, 2026, 10:00 AM CST")
    assert display_range(start + timedelta(seconds=10), start + timedelta(seconds=50),
                         CHICAGO, year=False) == "Nov 28, 10:00 AM CST"
    assert display_range(start + timedelta(seconds=30), start + timedelta(seconds=60),
                         CHICAGO) == "Nov 28, 2026, 10:00 \u2013 10:01 AM CST"
    assert display_range(utc(2024, 11, 3, 6, 30), utc(2024, 11, 3, 7, 30), CHICAGO) == (
        "Nov 3, 2024, 1:30 AM CDT \u2013 1:30 AM CST")


SECONDS_BLIP = """\
---
title: Blip
type: incident
components: [web]
---
## Resolved - 2026-11-28 10:00:30
Gone.

## Investigating - 2026-11-28 10:00
Blip.
"""

SECONDS_WINDOW = """\
---
title: Short work
type: maintenance
components: [api]
start: 2026-11-29 10:00:10
end: 2026-11-29 10:00:50
---
## Scheduled - 2026-11-28 09:00
Short.
"""


def test_pages_and_feeds_show_a_range_within_a_minute_as_one_time(
        empty_repo: Path, run: Run, tmp_path: Path) -> None:
    (empty_repo / "notices" / "blip.md").write_text(SECONDS_BLIP)
    (empty_repo / "notices" / "short-work.md").write_text(SECONDS_WINDOW)
    site = tmp_path / "site"
    result = run(empty_repo, "build", "--out", str(site), "--now", "2026-11-28 12:00")
    assert result.exit_code == 0, result.output
    shown = "".join(path.read_text() for path in sorted(site.rglob("*"))
                    if path.suffix in (".html", ".xml", ".json") and path.is_file())
    assert "10:00 \u2013 10:00" not in shown and "10:00\u00a0\u2013 10:00" not in shown
    blip = (site / "notices" / "blip" / "index.html").read_text()
    assert '<time datetime="2026-11-28T10:00:00-06:00">Nov 28, 2026, 10:00 AM CST</time>' \
        in blip
    assert "Scheduled maintenance Nov 29, 10:00 AM CST" in (site / "index.html").read_text()
    assert "Window: Nov 29, 2026, 10:00 AM CST" in (site / "feed.xml").read_text()


def test_january_pages_show_cst(example_repo: Path, run: Run, tmp_path: Path) -> None:
    site = tmp_path / "site"
    assert run(example_repo, "build", "--out", str(site), "--now", FIXED_NOW).exit_code == 0
    page = (site / "notices" / "2027-01-09-campus-server-upgrade" / "index.html").read_text()
    assert "Jan 9, 2027, 10:00 PM\u00a0\u2013 Jan 10, 2:00 AM CST" in page
    digicert = (site / "notices" / "2024-07-30-digicert-certificate-reissue" / "index.html"
                ).read_text()
    assert "Jul 30, 2024, 1:27\u00a0\u2013 2:25 PM CDT" in digicert


# Properties.

ZONES = st.sampled_from([CHICAGO, ZoneInfo("Europe/London"), ZoneInfo("Australia/Lord_Howe"),
                         ZoneInfo("Asia/Kolkata"), ZoneInfo("UTC"), ZoneInfo("America/St_Johns")])
# From 1973: earlier local mean times had offsets in seconds, which HH:MM cannot write.
MOMENTS = st.datetimes(min_value=datetime(1973, 1, 1), max_value=datetime(2998, 12, 30),
                       timezones=st.just(UTC))


@settings(max_examples=250, deadline=None, derandomize=True)
@given(MOMENTS, ZONES)
def test_write_then_parse_round_trips(moment: datetime, zone: ZoneInfo) -> None:
    text = write_time(moment, zone)
    assert parse_time(text, zone) == moment.replace(microsecond=0)
    assert text.count(":") == (2 if moment.second else 1) + has_offset(text)


def offset_text(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


@settings(max_examples=200, deadline=None, derandomize=True)
@given(MOMENTS, st.integers(-12 * 60, 14 * 60))
def test_explicit_offsets_round_trip(moment: datetime, minutes: int) -> None:
    moment = moment.replace(second=0, microsecond=0)
    local = moment + timedelta(minutes=minutes)
    text = f"{local:%Y-%m-%d %H:%M} {offset_text(minutes)}"
    if not 1900 <= local.year <= 2999:
        return
    assert parse_time(text, CHICAGO) == moment


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.one_of(st.integers(-23 * 60 - 59, -12 * 60 - 1), st.integers(14 * 60 + 1, 23 * 60 + 59)))
def test_offsets_no_place_uses_are_refused(minutes: int) -> None:
    """Real UTC offsets run from -12:00 to +14:00: '+15:00' is a typo, not a place."""
    with pytest.raises(InputError) as refused:
        parse_time(f"2026-11-28 12:00 {offset_text(minutes)}", CHICAGO)
    assert str(refused.value) == (f"bad offset '{offset_text(minutes)}': offsets run from "
                                  "-12:00 to +14:00")


@pytest.mark.parametrize("option", ["--at", "--start", "--end"])
def test_a_command_refuses_an_offset_no_place_uses(example_repo: Path, run: Run,
                                                   option: str) -> None:
    times = {"--at": "2026-11-28 10:00", "--start": "2026-12-01 10:00",
             "--end": "2026-12-02 11:00"}
    times[option] += " -13:00"
    result = run(example_repo, "new", "maintenance", "Database upgrade", "-m", "x",
                 *(part for pair in times.items() for part in pair))
    assert result.exit_code == 2
    assert result.output.endswith(f"Error: Invalid value for '{option}': bad offset '-13:00': "
                                  "offsets run from -12:00 to +14:00\n")


TIMEISH = st.text(alphabet="0123456789-:+ TZzAPMCSDT.\t\u2013", max_size=30)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.one_of(st.text(max_size=40), TIMEISH), ZONES)
def test_parse_time_never_crashes(text: str, zone: ZoneInfo) -> None:
    try:
        result = parse_time(text, zone)
    except InputError as exc:
        assert str(exc)
    else:
        assert result.tzinfo is UTC


# Digits of other scripts: the Arabic-Indic five looks like a zero, a full-width digit like
# an ASCII one; Python's int() reads them all.
# Each script's zero: Arabic-Indic, Extended Arabic-Indic, Devanagari, Bengali, Thai,
# full-width, mathematical bold.
OTHER_ZEROS = st.sampled_from([0x660, 0x6F0, 0x966, 0x9E6, 0xE50, 0xFF10, 0x1D7CE])


@settings(max_examples=200, deadline=None, derandomize=True)
@given(MOMENTS, ZONES, st.data())
def test_a_time_is_written_in_ascii_digits_only(moment: datetime, zone: ZoneInfo,
                                                data: st.DataObject) -> None:
    text = write_time(moment, zone)
    at = data.draw(st.sampled_from([i for i, c in enumerate(text) if c.isdigit()]))
    other = chr(data.draw(OTHER_ZEROS) + int(text[at]))
    confusable = text[:at] + other + text[at + 1:]
    with pytest.raises(InputError) as refused:
        parse_time(confusable, zone)
    assert str(refused.value).startswith(f"bad time '{confusable}': expected 'YYYY-MM-DD HH:MM'")


def test_a_digit_of_another_script_in_an_update_time_is_an_error(empty_repo: Path,
                                                                  run: Run) -> None:
    (empty_repo / "notices" / "n.md").write_text(
        "---\ntitle: T\ntype: incident\n---\n## Investigating - 2026-11-28 0\u0665:00\nx\n")
    result = run(empty_repo, "check")
    assert result.output == (
        "notices/n.md:5: bad time '2026-11-28 0\u0665:00': expected 'YYYY-MM-DD HH:MM', "
        "optionally followed by an offset such as '-05:00' or 'Z'\n1 problem found.\n")


# Around New Year, where the site zone's year may not be UTC's: each of the last and
# first two days of a year, at any minute, in zones up to 14 hours from UTC.
NEW_YEAR = st.builds(
    lambda year, day, minute: datetime(year, 12, 30, tzinfo=UTC) + timedelta(
        days=day, minutes=minute),
    st.integers(1973, 2997), st.integers(0, 3), st.integers(0, 24 * 60 - 1))
FAR_ZONES = st.one_of(ZONES, st.sampled_from([ZoneInfo("Pacific/Kiritimati"),
                                              ZoneInfo("Etc/GMT+12"), ZoneInfo("Pacific/Apia")]))


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.one_of(MOMENTS, NEW_YEAR), FAR_ZONES)
def test_local_year_is_the_year_in_the_zone(moment: datetime, zone: ZoneInfo) -> None:
    assert local_year(moment, zone) == moment.astimezone(zone).year
    elsewhere = moment.astimezone(zone)  # a moment not in UTC is converted
    assert local_year(elsewhere, UTC) == moment.year


@pytest.mark.parametrize(("key", "name"), [
    ("America/Chicago", "Central Time"), ("Europe/Berlin", "Berlin time"),
    ("America/Argentina/Buenos_Aires", "Buenos Aires time"),
    # POSIX signs: Etc/GMT-14 is 14 hours ahead of UTC, Etc/GMT+5 five behind.
    ("Etc/GMT-14", "UTC+14"), ("Etc/GMT+5", "UTC-5"), ("Etc/GMT+0", "UTC"),
    ("Etc/GMT", "UTC")])
def test_zone_name_says_which_way_a_fixed_offset_goes(key: str, name: str) -> None:
    assert zone_name(ZoneInfo(key)) == name


@pytest.mark.parametrize(("zone", "shown"), [
    ("Asia/Kathmandu", "Jul 1, 2026, 5:45 PM UTC+05:45"),
    ("Pacific/Kiritimati", "Jul 2, 2026, 2:00 AM UTC+14"),
    ("Pacific/Chatham", "Jul 2, 2026, 12:45 AM UTC+12:45"),
    ("America/Sao_Paulo", "Jul 1, 2026, 9:00 AM UTC-03"),
    ("America/Chicago", "Jul 1, 2026, 7:00 AM CDT"),
    ("Asia/Kolkata", "Jul 1, 2026, 5:30 PM IST"),
])
def test_a_zone_without_an_abbreviation_says_its_offset_from_utc(zone: str, shown: str) -> None:
    """tzdata names some zones by their offset alone ('+0545'): after a time, it read as
    part of it ('5:45 PM +0545'), so it is said as an offset from UTC."""
    assert display_with_zone(datetime(2026, 7, 1, 12, tzinfo=UTC), ZoneInfo(zone)) == shown


def test_tools_forms_of_a_time_are_kept_to_the_second() -> None:
    """What tools write in a window's start: and end: (README: seconds, the ISO 'T'
    form): kept to the second, a fraction of a second dropped."""
    assert parse_time("2027-01-10T04:00:30.999Z", CHICAGO) == datetime(
        2027, 1, 10, 4, 0, 30, tzinfo=UTC)
    assert parse_time("2027-01-09 22:00:45", CHICAGO) == datetime(
        2027, 1, 10, 4, 0, 45, tzinfo=UTC)
