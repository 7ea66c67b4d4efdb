"""maintenance.ics (RFC 5545): every upcoming and in-progress maintenance window.

Times are written in UTC (``...Z``), which every calendar converts to its reader's
zone, so no VTIMEZONE is needed and DST changes inside a window are exact.

* UID: ``<notice id>@<site host>``, stable for the life of the notice; a site served
  under a path adds it (``status/<notice id>@<host>``), so two sites on one host differ.
* SEQUENCE: the number of updates posted after the first one. Moving a window is
  announced with an update (README: "Rescheduling maintenance"), so every change
  a reader was told about raises SEQUENCE; it never goes down, since updates are
  only ever added.
* DTSTAMP and LAST-MODIFIED: the notice's newest update, never the wall clock.
* STATUS: CANCELLED for a maintenance called off before its window (its Completed
  update raised SEQUENCE), kept until the planned end so calendars replace the event.
"""

from __future__ import annotations

import re

from generator.core.model import Config
from generator.core.timeline import NoticeView, affected_label, update_word
from generator.core.times import utc_stamp
from generator.render.markup import MarkdownRenderer, absolute_targets
from generator.render.pages import Site

CALENDAR = "maintenance.ics"
PRODID = "-//Outpost//Outpost status notifications//EN"


_BREAKS = re.compile("\r\n|[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f]")


def escape_text(text: str) -> str:
    """RFC 5545 TEXT escaping (3.3.11). Every line break becomes ``\\n`` and other
    control characters are dropped, so no value can end a content line."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return _CONTROLS.sub("", _BREAKS.sub("\\\\n", text))


def fold(line: str) -> str:
    """Fold a content line to at most 75 octets per physical line (3.1)."""
    out: list[str] = []
    current = ""
    size = 0
    limit = 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            out.append(current)
            current, size, limit = " ", 1, 75
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def sequence(item: NoticeView) -> int:
    """How many updates followed the first: grows with every announced change."""
    return len(item.updates) - 1


def _description(config: Config, item: NoticeView, url: str,
                 markdown: MarkdownRenderer) -> str:
    latest = item.latest
    names = [c.name for c in (config.component(cid) for cid in item.notice.components) if c]
    # The Markdown as written, as in the plain-text email: a calendar shows it away
    # from the notice page, so relative link targets are made absolute against it.
    body = absolute_targets(latest.body.strip(), url, markdown)
    parts = [f"{update_word(item.notice, latest)}: {body}"]
    if names:
        parts.append(f"{affected_label(item.called_off)}: " + ", ".join(names))
    parts.append(url)
    return "\n\n".join(parts)


def event_lines(config: Config, item: NoticeView, markdown: MarkdownRenderer) -> list[str]:
    notice = item.notice
    assert notice.start is not None and notice.end is not None
    url = f"{config.base_url}notices/{notice.id}/"
    revised = utc_stamp(item.updated, seconds=True)
    return [
        "BEGIN:VEVENT",
        f"UID:{escape_text(config.id_path + notice.id)}@{config.host}",
        f"SEQUENCE:{sequence(item)}",
        f"DTSTAMP:{revised}",
        f"LAST-MODIFIED:{revised}",
        f"CREATED:{utc_stamp(notice.posted_at, seconds=True)}",
        f"DTSTART:{utc_stamp(notice.start, seconds=True)}",
        f"DTEND:{utc_stamp(notice.end, seconds=True)}",
        f"SUMMARY:{escape_text(notice.title)}",
        f"DESCRIPTION:{escape_text(_description(config, item, url, markdown))}",
        f"URL:{url}",
        "STATUS:CANCELLED" if item.called_off else "STATUS:CONFIRMED",
        "TRANSP:TRANSPARENT",
        "CLASS:PUBLIC",
        "END:VEVENT",
    ]


# Every time here is UTC ('Z'); an empty calendar names that zone as its component.
UTC_ZONE = ("BEGIN:VTIMEZONE", "TZID:UTC", "BEGIN:STANDARD", "DTSTART:19700101T000000",
            "TZOFFSETFROM:+0000", "TZOFFSETTO:+0000", "TZNAME:UTC", "END:STANDARD",
            "END:VTIMEZONE")


def calendar_windows(site: Site) -> list[NoticeView]:
    """Upcoming and in-progress maintenance at ``now``, and maintenance called off whose
    planned window has not ended, soonest first."""
    now = site.snapshot.now
    windows = [v for v in site.snapshot.open if v.notice.is_maintenance]
    windows += [v for v in site.snapshot.closed
                if v.called_off and v.notice.end is not None and v.notice.end > now]
    return sorted(windows, key=lambda v: (v.started.timestamp(), v.notice.id))


def render_calendar(site: Site) -> dict[str, bytes]:
    config = site.config
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(config.title + ': maintenance')}",
        f"X-WR-CALDESC:{escape_text('Scheduled maintenance from ' + config.title)}",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ]
    windows = calendar_windows(site)
    for item in windows:
        lines.extend(event_lines(config, item, site.markdown))
    if not windows:  # a calendar holds at least one component (RFC 5545, 3.6): with
        lines.extend(UTC_ZONE)  # no window to show, the zone its times are given in
    lines.append("END:VCALENDAR")
    text = "".join(fold(line) + "\r\n" for line in lines)
    return {CALENDAR: text.encode("utf-8")}
