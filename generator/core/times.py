"""Parsing and formatting times. Users write local times in the site's IANA zone
or with an explicit offset; zone abbreviations are derived, never accepted."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from generator.core.errors import (
    InputError,
    character_name,
    close_to,
    cut_quote,
    did_you_mean,
    misleading_character,
)

# An explicit offset: the site zone does not apply. RFC 3339 allows a lowercase z and t.
_OFFSET = r"[Zz]|[+-][0-9]{2}:?[0-9]{2}"
# ASCII digits only: int() reads any script's, and the Arabic-Indic five looks like a zero.
_TIME = re.compile(
    r"^(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})[ Tt](?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{2})"
    r"(?::(?P<second>[0-9]{2})(?:\.[0-9]+)?)?"
    r"(?:\s*(?P<offset>" + _OFFSET + r"|[A-Za-z]{2,5}))?$"
)
_ENDS_IN_OFFSET = re.compile(r"(?:" + _OFFSET + r")$")
_USUAL_TIME = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2}) ([0-9]{2}):([0-9]{2})")
TIME_FORM = "YYYY-MM-DD HH:MM"  # how people write times; an offset may follow
_FORMAT_HINT = f"expected '{TIME_FORM}', optionally followed by an offset such as '-05:00' or 'Z'"
# The time of something that has not happened yet, where a format has no null (an empty
# feed's updated time, the API's page.updated_at before any notice): the wall clock would
# break determinism.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The years a time may have: a wider one is a typo, and the ends of Python's calendar
# (years 1 and 9999) are out of reach of a day's shift to or from UTC.
FIRST_YEAR, LAST_YEAR = 1900, 2999
# English month abbreviations, written out: strftime's %b follows the process's locale.
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class NotAZone(InputError):
    """A name that is no IANA time zone at all (see ``load_zone``); ``hint`` says what was
    probably meant ('' when nothing is close)."""

    def __init__(self, name: str) -> None:
        self.name, self.hint = name, _zone_hint(name)
        super().__init__(f"'{name}' is not an IANA time zone such as 'America/Chicago'"
                         + (f": {self.hint}" if self.hint else ""))

    def __reduce__(self) -> tuple[type[NotAZone], tuple[str]]:
        return type(self), (self.name,)


class NotATime(InputError):
    """Text that is not written as a time at all (see ``parse_time``); other problems
    are those of a time (an offset, a day that does not exist)."""


class ZoneAbbreviation(InputError):
    """A time written with a zone abbreviation ('10:30 CST'): its message names the zone
    it was read in and the offset the abbreviation has there."""


# Names a zone folder holds that are not the zone of a place, each with what to write.
_MACHINE_ZONE = ("is this machine's own zone setting, which another machine (such as the "
                 "one running CI) may not share: write the zone's IANA name, such as "
                 "'America/Chicago'")
_NOT_PLACES = {
    "localtime": _MACHINE_ZONE,
    "posixrules": "is an alias each machine sets for itself (the rules POSIX TZ strings "
                  "fall back on), not a place: write an IANA name such as 'America/Chicago'",
    "Factory": "is tzdata's placeholder for a machine whose zone is not set, not a place: "
               "write an IANA name such as 'America/Chicago'",
}
# Folders of copies of the plain zones that only some machines have ('right/' counts
# leap seconds).
ZONE_COPIES = ("posix/", "right/")


def load_zone(name: str) -> ZoneInfo:
    """The IANA zone called ``name``; raises InputError for anything else (NotAZone when it
    names no zone at all)."""
    # "CST" or "EST5EDT" style names are legacy aliases, not places.
    if _is_legacy(name) or not re.fullmatch(r"[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+)*", name):
        raise NotAZone(name)
    if name in _NOT_PLACES:
        raise InputError(f"'{name}' {_NOT_PLACES[name]}")
    if name.startswith(ZONE_COPIES):
        plain = name.split("/", 1)[1]
        raise InputError(f"'{name}' is a copy of the zone '{plain}' that only some machines "
                         f"have: write '{plain}'")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder, such as America
        raise NotAZone(name) from None


def _is_legacy(name: str) -> bool:
    """Whether ``name`` is written as a legacy alias ('CST', 'EST5EDT') or an offset
    ('UTC+2', '+02:00'), not as a place."""
    return name.upper() == name and name != "UTC"


# GMT's names, refused as abbreviations are: what a UK admin may write for London's time.
_GMT_NAMES = frozenset({"GMT", "GMT0", "GMT+0", "GMT-0"})


def _zone_hint(name: str) -> str:
    """What a name that is no zone probably meant: the zone it names in other capitals or
    with spaces for underscores, else the one it is closest to; for an offset or an
    abbreviation, why a place is asked for (the zone closest to 'UTC+2' is 'UTC', two
    hours off)."""
    if name.upper() in _GMT_NAMES:  # no daylight saving time: it is not what changes
        return ("it is UTC all year, not the UK's time, which moves to BST in the summer: "
                "write 'UTC', or 'Europe/London' for the UK's time")
    if _is_legacy(name):
        return ("an offset or an abbreviation changes with daylight saving time: write the "
                "zone of the place, such as 'Europe/Berlin', which knows when it changes")
    from zoneinfo import available_timezones  # only on error paths: it lists the folder

    places = {zone.casefold(): zone for zone in available_timezones()
              if not _is_legacy(zone) and zone not in _NOT_PLACES
              and not zone.startswith(ZONE_COPIES)}
    written = name.strip().replace(" ", "_").casefold()
    if written in places:
        return did_you_mean([places[written]])
    if any(zone.startswith(f"{written}/") for zone in places):  # a region: no place is closer
        return ""
    return did_you_mean([places[zone] for zone in close_to(written, places)[:1]])


# The offsets places use: from Baker Island's to Kiribati's Line Islands'. Others are
# typos ('+15:00'), and a time written with one would be read hours off.
_FIRST_OFFSET, _LAST_OFFSET = timedelta(hours=-12), timedelta(hours=14)


def _offset(text: str) -> timezone:
    if text in ("Z", "z"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if minutes > 59:
        raise InputError(f"bad offset '{text}': minutes must be 00-59")
    offset = sign * timedelta(hours=hours, minutes=minutes)
    if not _FIRST_OFFSET <= offset <= _LAST_OFFSET:
        raise InputError(f"bad offset '{text}': offsets run from "
                         f"{_fmt_offset(_FIRST_OFFSET)} to {_fmt_offset(_LAST_OFFSET)}")
    return timezone(offset)


def _fmt_offset(delta: timedelta | None) -> str:
    total = int((delta or timedelta()).total_seconds()) // 60
    sign = "-" if total < 0 else "+"
    return f"{sign}{abs(total) // 60:02d}:{abs(total) % 60:02d}"


def parse_time(text: str, zone: ZoneInfo) -> datetime:
    """Parse a user-written time into an aware UTC datetime.

    Local times that don't exist or happen twice in ``zone`` (DST changes) are
    refused with a message asking for an explicit offset.
    """
    text = text.strip()
    usual = _USUAL_TIME.fullmatch(text)  # 'YYYY-MM-DD HH:MM': the common case, quickly
    if usual:
        year, month, day, hour, minute = map(int, usual.groups())
        if FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12 and 1 <= day <= _days(year, month) \
                and hour <= 23 and minute <= 59:  # else the full parse words the message
            offset = zone.utcoffset(datetime(year, month, day, hour, minute))
            if offset is not None and offset == zone.utcoffset(
                    datetime(year, month, day, hour, minute, fold=1)):
                return datetime(year, month, day, hour, minute, tzinfo=UTC) - offset
            # a time the clocks skip or repeat: the full parse words the message
    match = _TIME.match(text)
    if not match:
        raise NotATime(f"bad time '{cut_quote(text)}': {_FORMAT_HINT}{_misleading(text)}")
    offset_text = match["offset"]
    if offset_text and offset_text.upper() in ("AM", "PM"):
        if not 1 <= int(match["hour"]) <= 12:  # '14:25 PM': the 24-hour clock already
            raise InputError(f"bad time '{cut_quote(text)}': the 24-hour clock takes no AM "
                             f"or PM: leave '{offset_text}' out")
        hour = int(match["hour"]) % 12 + (12 if offset_text.upper() == "PM" else 0)
        raise InputError(f"bad time '{cut_quote(text)}': use the 24-hour clock, e.g. "
                         f"'{match['date']} {hour:02d}:{match['minute']}'")
    abbreviated = bool(offset_text) and offset_text.isalpha() and offset_text not in ("Z", "z")
    try:
        year, month, day = (int(part) for part in match["date"].split("-"))
        naive = datetime(
            year, month, day, int(match["hour"]), int(match["minute"]), int(match["second"] or 0)
        )
    except ValueError as exc:
        if abbreviated:
            raise ZoneAbbreviation(_abbreviation_refused(text, offset_text, None, zone)) from None
        raise InputError(f"bad time '{cut_quote(text)}': {exc}") from None
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InputError(f"bad time '{cut_quote(text)}': the year must be between "
                         f"{FIRST_YEAR} and {LAST_YEAR}")
    if abbreviated:
        raise ZoneAbbreviation(_abbreviation_refused(text, offset_text, naive, zone))
    if offset_text:
        return naive.replace(tzinfo=_offset(offset_text)).astimezone(UTC)
    return _localize(naive, zone, text)


def _abbreviation_refused(text: str, written: str, naive: datetime | None,
                          zone: ZoneInfo) -> str:
    """Why '10:30 CST' is refused, with the offset that abbreviation stands for where the
    site zone (or UTC) gives it one: an offset copied from an example ('-05:00') would
    put a Chicago time written in CST an hour off."""
    refused = (f"bad time '{cut_quote(text)}': zone abbreviations such as '{written}' are "
               "not accepted")
    offset = None if naive is None else _abbreviated_offset(written, naive, zone)
    if naive is None or offset is None:
        return f"{refused}; leave it out to use {zone.key}, or write an offset such as '-05:00'"
    clock = f"{naive:%Y-%m-%d %H:%M}" + (f":{naive:%S}" if naive.second else "")
    fixed = f"'{clock} {_fmt_offset(offset)}'"
    in_force = {naive.replace(tzinfo=zone, fold=fold).tzname() for fold in (0, 1)}
    if in_force == {written.upper()}:
        return f"{refused}; leave it out to use {zone.key}, or write its offset: {fixed}"
    return f"{refused}; write its offset instead: {fixed}"


def _abbreviated_offset(written: str, naive: datetime, zone: ZoneInfo) -> timedelta | None:
    """The offset ``written`` (an abbreviation such as 'CDT') stands for in ``zone`` in the
    half year around ``naive``, the nearest day first; UTC and GMT are +00:00 anywhere."""
    wanted = written.upper()
    if wanted in ("UTC", "GMT", "UT"):
        return timedelta()
    for days in range(184):  # only on error paths
        for moment in (naive + timedelta(days=days), naive - timedelta(days=days)):
            for fold in (0, 1):
                local = moment.replace(tzinfo=zone, fold=fold)
                if local.tzname() == wanted:
                    return local.utcoffset()
    return None


# Dashes that look like the hyphen-minus a date and an offset are written with: a minus
# sign (web pages write 'UTC \u22125'), word processors' hyphens and dashes.
_LOOKALIKE_HYPHEN = re.compile("[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]")


def _misleading(text: str) -> str:
    """``misleading_character``, or the name of a dash that only looks like a hyphen."""
    found = _LOOKALIKE_HYPHEN.search(text)
    dash = (f": it holds a {character_name(found.group())} where a hyphen (-) belongs: "
            "retype it") if found else ""
    return misleading_character(text) or dash


def _days(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _localize(naive: datetime, zone: ZoneInfo, text: str) -> datetime:
    early = naive.replace(tzinfo=zone, fold=0)
    late = early.replace(fold=1)
    if early.utcoffset() != late.utcoffset():
        round_trip = early.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        first, second = _fmt_offset(early.utcoffset()), _fmt_offset(late.utcoffset())
        if round_trip != naive:
            raise InputError(
                f"time '{text}' does not exist in {zone.key}: the clocks skip it at the "
                f"daylight-saving change; write it with an explicit offset ('{first}' or "
                f"'{second}')"
            )
        raise InputError(
            f"time '{text}' happens twice in {zone.key} ({early.tzname()} {first} and "
            f"{late.tzname()} {second}); add the offset you mean, e.g. '{text} {first}'"
        )
    return early.astimezone(UTC)


def has_offset(text: str) -> bool:
    """Ends in 'Z' or a numeric offset such as '-05:00': the site zone cannot change
    what the time means."""
    return _ENDS_IN_OFFSET.search(text.strip()) is not None


def parse_now(text: str, zone: ZoneInfo) -> datetime:
    """Parse ``--now``: any notice time form, or ISO 8601 with seconds and offset."""
    return parse_time(text, zone)


def local_year(moment: datetime, zone: tzinfo) -> int:
    """``moment.astimezone(zone).year``, without the conversion for a UTC moment that
    is not within a day of New Year: no zone is a day or more from UTC."""
    if moment.tzinfo is UTC and not ((moment.month == 12 and moment.day == 31)
                                     or (moment.month == 1 and moment.day == 1)):
        return moment.year
    return moment.astimezone(zone).year


def write_time(moment: datetime, zone: tzinfo) -> str:
    """The canonical way the tools write a time: local wall time, offset only if ambiguous.
    The tools post whole minutes; a time written by hand with seconds keeps them, so two
    times a message compares never read alike."""
    local = moment.astimezone(zone)
    text = local.strftime("%Y-%m-%d %H:%M:%S" if local.second else "%Y-%m-%d %H:%M")
    if isinstance(zone, ZoneInfo):
        try:
            if parse_time(text, zone) == moment.replace(microsecond=0):
                return text
        except InputError:
            pass
    return f"{text} {_fmt_offset(local.utcoffset())}"


def display(moment: datetime, zone: tzinfo, year: bool = True) -> str:
    """'Jul 30, 2024, 1:27 PM' in the site zone (no zero-padded hour, as people write
    it); without the year when ``year`` is false."""
    local = moment.astimezone(zone)
    day = f"{MONTHS[local.month - 1]} {local.day}"
    return f"{day}, {local.year}, {_clock(local)}" if year else f"{day}, {_clock(local)}"


def _clock(local: datetime) -> str:
    hour = local.hour % 12 or 12
    return f"{hour}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'}"


def clock(moment: datetime, zone: tzinfo) -> str:
    """'1:27 PM CDT': the time of day with its zone abbreviation."""
    return f"{_clock(moment.astimezone(zone))} {abbreviation(moment, zone)}"


def abbreviation(moment: datetime, zone: tzinfo) -> str:
    """The zone abbreviation in force at ``moment`` (CDT in July, CST in January). Where
    the zone has none but its offset ('+0545' in Kathmandu, '+14' in Kiritimati), the
    offset from UTC, said so: 'UTC+05:45', 'UTC+14'; a bare '+0545' after a time
    reads as part of it to a reader who has not met the notation."""
    name = moment.astimezone(zone).tzname() or ""
    numeric = _NUMERIC_ABBREVIATION.fullmatch(name) if name[:1] in "+-" else None
    if numeric is None:  # 'name[:1] in' first: most names are letters, and cheaper so
        return name
    sign, hours, minutes = numeric.groups()
    return f"UTC{sign}{hours}" + (f":{minutes}" if minutes and minutes != "00" else "")


_NUMERIC_ABBREVIATION = re.compile(r"([+-])([0-9]{2})([0-9]{2})?")


DASH = "\u2013"  # the en dash between the two ends of a range


def display_range(start: datetime, end: datetime | None, zone: tzinfo,
                  year: bool = True) -> str:
    """'Jul 30, 2024, 1:27 \u2013 2:25 PM CDT': the date once when both ends share it,
    the AM/PM once when both share it, the zone once when both share it (a range
    across a daylight-saving change names both); one time when both ends show the same.
    ``year=False`` leaves out the years."""
    first_zone = abbreviation(start, zone)
    if end is None:
        return f"Since {display(start, zone, year)} {first_zone}"
    if end - start < timedelta(minutes=1):
        one = f"{display(start, zone, year)} {first_zone}"
        if display_with_zone(end, zone, year) == one:
            # Begun and ended at once (posted only as Resolved), or within the minute
            # shown (seconds written by hand): one time, never '10:00 \u2013 10:00 AM'.
            return one
    last_zone = abbreviation(end, zone)
    here, there = start.astimezone(zone), end.astimezone(zone)
    if here.date() == there.date():
        first, last = _clock(here), _clock(there)
        if first_zone != last_zone:
            first = f"{first} {first_zone}"
        elif first[-2:] == last[-2:]:
            first = first[:-3]
        date = display(start, zone, year).rsplit(", ", 1)[0]
        return f"{date}, {first} {DASH} {last} {last_zone}"
    last_text = display(end, zone, year and here.year != there.year)
    if first_zone == last_zone:
        return f"{display(start, zone, year)} {DASH} {last_text} {last_zone}"
    return f"{display(start, zone, year)} {first_zone} {DASH} {last_text} {last_zone}"


def display_with_zone(moment: datetime, zone: tzinfo, year: bool = True) -> str:
    """'Jul 30, 2024, 1:27 PM CDT'."""
    return f"{display(moment, zone, year)} {abbreviation(moment, zone)}"


def utc_stamp(moment: datetime, seconds: bool = False) -> str:
    """The compact UTC form that anchors, keys and calendars use: '20240730T1827Z', or
    with ``seconds`` '20240730T182700Z'."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ" if seconds else "%Y%m%dT%H%MZ")


def utc_iso(moment: datetime, timespec: str = "seconds") -> str:
    """ISO 8601 in UTC, ending in 'Z': '2024-07-30T18:27:00Z'. ``timespec`` as
    ``datetime.isoformat`` takes it: 'auto' keeps the microseconds a time has."""
    return moment.astimezone(UTC).isoformat(timespec=timespec).replace("+00:00", "Z")


def iso(moment: datetime, zone: tzinfo, timespec: str = "seconds") -> str:
    """ISO 8601 with the site zone's offset, e.g. '2024-07-30T13:27:00-05:00'."""
    local = moment.astimezone(zone)
    offset = local.utcoffset()
    if offset is not None and offset.seconds % 60:
        # An offset of seconds (Monrovia's -00:44:30 until 1972, so its epoch) has no
        # RFC 3339 or HTML form: clients refuse it, so such a time is given in UTC.
        return utc_iso(moment, timespec)
    return local.isoformat(timespec=timespec)


# Names readers know for the zones most sites use; any other zone is named after its
# place ("Europe/Berlin" -> "Berlin time"). Abbreviations are never typed here.
_ZONE_NAMES = {
    "America/New_York": "Eastern Time", "America/Detroit": "Eastern Time",
    "America/Indiana/Indianapolis": "Eastern Time", "America/Chicago": "Central Time",
    "America/Denver": "Mountain Time", "America/Boise": "Mountain Time",
    "America/Phoenix": "Arizona time (Mountain Standard Time)",
    "America/Los_Angeles": "Pacific Time", "America/Anchorage": "Alaska Time",
    "Pacific/Honolulu": "Hawaii Time", "UTC": "Coordinated Universal Time",
    "Etc/UTC": "Coordinated Universal Time",
}


# Etc/GMT-14 and the like: POSIX signs, so "GMT-14" is 14 hours ahead of UTC.
_FIXED_OFFSET_ZONE = re.compile(r"Etc/GMT(?:0|([+-])(\d+))?")


def zone_name(zone: ZoneInfo) -> str:
    """A readable name for an IANA zone: 'Central Time' for America/Chicago, 'UTC+14'
    for Etc/GMT-14 (its name read as written would send readers the wrong way)."""
    if zone.key in _ZONE_NAMES:
        return _ZONE_NAMES[zone.key]
    fixed = _FIXED_OFFSET_ZONE.fullmatch(zone.key)
    if fixed:
        sign, hours = fixed.groups()
        if not hours or int(hours) == 0:
            return "UTC"
        return f"UTC{'+' if sign == '-' else '-'}{int(hours)}"
    place = zone.key.rsplit("/", 1)[-1].replace("_", " ")
    return f"{place} time"


def zone_abbreviations(zone: ZoneInfo, year: int) -> str:
    """The abbreviations a zone uses in a year, such as 'CST/CDT' (one if it has no
    daylight-saving time)."""
    # Every week, not January and July only: Morocco's +00 lasts Ramadan's month.
    first = datetime(year, 1, 1, 12, tzinfo=UTC)
    names = {abbreviation(first + timedelta(weeks=week), zone) for week in range(53)}
    return "/".join(sorted(names, reverse=True))
