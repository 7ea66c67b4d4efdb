"""The model: the site's settings and its notices, frozen dataclasses with aware UTC
datetimes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from generator.core.errors import close_to, cut_quote, did_you_mean, misleading_character
from generator.core.times import utc_stamp

ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]*")
"""Notice and component ids: lowercase letters, digits and hyphens (they become URLs)."""


class NoticeType(Enum):
    INCIDENT = "incident"
    MAINTENANCE = "maintenance"


class Impact(Enum):
    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Impact).index(self)


class ComponentStatus(Enum):
    """Statuspage's five component statuses, mildest first."""

    OPERATIONAL = "operational"
    UNDER_MAINTENANCE = "under_maintenance"
    DEGRADED_PERFORMANCE = "degraded_performance"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def rank(self) -> int:
        return _COMPONENT_RANK[self]


_COMPONENT_RANK = {status: index for index, status in enumerate(ComponentStatus)}


# An incident's impact sets the status of the components it lists, unless the notice
# sets each one ("components:" as a mapping); then the impact, if not given, is the
# one that matches the worst of them.
IMPACT_TO_COMPONENT = {
    Impact.NONE: ComponentStatus.OPERATIONAL,
    Impact.MINOR: ComponentStatus.DEGRADED_PERFORMANCE,
    Impact.MAJOR: ComponentStatus.PARTIAL_OUTAGE,
    Impact.CRITICAL: ComponentStatus.MAJOR_OUTAGE,
}
COMPONENT_TO_IMPACT = {
    ComponentStatus.OPERATIONAL: Impact.NONE,
    ComponentStatus.UNDER_MAINTENANCE: Impact.NONE,
    ComponentStatus.DEGRADED_PERFORMANCE: Impact.MINOR,
    ComponentStatus.PARTIAL_OUTAGE: Impact.MAJOR,
    ComponentStatus.MAJOR_OUTAGE: Impact.CRITICAL,
}


class Status(Enum):
    """Update statuses. Values are the canonical words written in files."""

    INVESTIGATING = "Investigating"
    IDENTIFIED = "Identified"
    MONITORING = "Monitoring"
    RESOLVED = "Resolved"
    SCHEDULED = "Scheduled"
    IN_PROGRESS = "In progress"
    VERIFYING = "Verifying"
    COMPLETED = "Completed"
    UPDATE = "Update"
    # Never written as an update's status: feeds and notifications announce a
    # postmortem (Notice.postmortem) as an update with this status.
    POSTMORTEM = "Postmortem"

    @property
    def slug(self) -> str:
        """Statuspage's vocabulary: 'in_progress', 'resolved', ..."""
        return self.name.lower()


STATUSES: dict[NoticeType, tuple[Status, ...]] = {
    NoticeType.INCIDENT: (
        Status.INVESTIGATING,
        Status.IDENTIFIED,
        Status.MONITORING,
        Status.UPDATE,
        Status.RESOLVED,
    ),
    NoticeType.MAINTENANCE: (
        Status.SCHEDULED,
        Status.IN_PROGRESS,
        Status.VERIFYING,
        Status.UPDATE,
        Status.COMPLETED,
    ),
}
# A maintenance's statuses once under way: posted before its window, either begins it
# early (Verifying may come first too).
UNDER_WAY = (Status.IN_PROGRESS, Status.VERIFYING)

# Limits on notice text (see the README, "Limits"): beyond them one file could stall
# every build. The sanitizer's time grows with the square of the nesting depth.
MAX_TEXT = 50_000  # characters in the summary or in one update
MAX_TITLE = 250  # characters in a title: it heads every page, feed item and mail subject
# Characters in a component's or group's name: the Open page's status line lists the names
# of those not operational, and a long one pushes "since when" off a phone's first screen.
MAX_NAME = 100
# Characters in the settings' other texts: each is copied into every page, or every page
# of a kind, so one written long grows the whole site (a 750 KB description made 13 MB).
MAX_LINK_LABEL = 100  # home_label: the header's link, beside the title
MAX_CONTACT = 250  # alerts_contact: who to ask, on the Subscribe page
MAX_COMPONENT_DESCRIPTION = 500  # the line under a component's name
MAX_SENTENCE = 1_000  # the site's description and the hosted note, on every page
# characters in a URL setting (base_url, a mirror, a link, a webhook): each is copied into
# every page or message that links to it; past 2,000 some clients and crawlers give up.
MAX_URL = 2_000
MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 32  # elements nested in the HTML of one text
# What Markdown nests with: block quotes, bullets, emphasis, links, tables, raw HTML, and
# ordered-list markers ('1.', '1)': a '.' or ')' before a space, tab or line end).
NESTING_MARKS = ("<", ">", "*", "_", "[", "+", "|", "-",
                 ". ", ".\t", ".\n", ") ", ")\t", ")\n")


def length_problem(text: str, limit: int = MAX_TITLE, what: str = "title") -> str:
    """Why ``text``, the ``what`` (a title, a component's name, a setting's text), is too
    long (over ``limit``: MAX_TITLE, or another MAX_ above), or '' when it is not."""
    if len(text) <= limit:
        return ""
    return (f"the {what} is {len(text):,} characters long, more than the limit of "
            f"{limit:,}: shorten it")


def may_nest_deeply(text: str) -> bool:
    """False when ``text`` cannot nest MAX_DEPTH deep: too short, or fewer marks than
    that (each level of nesting takes at least one); a few fast counts, no parsing."""
    if len(text) < MAX_DEPTH:
        return False
    return sum(map(text.count, NESTING_MARKS)) + 1 >= MAX_DEPTH


FINAL_STATUS = {NoticeType.INCIDENT: Status.RESOLVED, NoticeType.MAINTENANCE: Status.COMPLETED}


_BY_WORD = {(kind, status.value.lower()): status
            for kind, statuses in STATUSES.items() for status in statuses}


def parse_status(word: str, kind: NoticeType) -> Status | None:
    """The status for ``word`` (case-insensitive) if it is valid for ``kind``."""
    return _BY_WORD.get((kind, " ".join(word.split()).lower()))


# The word of the other type that means the same, for 'unknown status' messages.
_COUNTERPART = {Status.RESOLVED: Status.COMPLETED, Status.COMPLETED: Status.RESOLVED,
                Status.MONITORING: Status.VERIFYING, Status.VERIFYING: Status.MONITORING}


def unknown_status(word: str, kind: NoticeType) -> str:
    """Why ``word`` is not a status of ``kind``: the valid words, and the type's own word
    when ``word`` belongs to the other type (Completed on an incident: use Resolved)."""
    allowed = ", ".join(s.value for s in STATUSES[kind])
    shown = cut_quote(word)
    other = next(k for k in NoticeType if k is not kind)
    spaced = word.replace("_", " ").replace("-", " ")  # as the API writes in_progress
    theirs = parse_status(word, other) or parse_status(spaced, other)
    if theirs is None:
        spelled = parse_status(spaced, kind)
        if spelled is not None:
            return (f"unknown status '{shown}' for {kind.value} (write it '{spelled.value}'; "
                    f"expected one of: {allowed})")
        misleading = misleading_character(word)  # what to remove says it all
        # A typo ('Investigatin', 'resolve'): the status it is closest to, in any case.
        by_lower = {s.value.lower(): s.value for s in STATUSES[kind]}
        close = [by_lower[found] for found in close_to(spaced.strip().lower(), by_lower)]
        hint = f": {did_you_mean(close[:1])}" if close and not misleading else ""
        return (f"unknown status '{shown}' for {kind.value}{hint} (expected one of: "
                f"{allowed}){misleading}")
    ours = _COUNTERPART.get(theirs)
    article = "an" if other.value[0] in "aeiou" else "a"
    hint = f"{theirs.value} is {article} {other.value} status"
    if ours is not None:
        hint += f"; {kind.value}s use {ours.value}"
    return f"unknown status '{shown}' for {kind.value} ({hint}; expected one of: {allowed})"


@dataclass(frozen=True)
class Update:
    status: Status
    at: datetime
    body: str  # Markdown
    line: int  # line of the '## ' heading in the file
    notify: bool = True  # False when the heading ends with '[silent]'


@dataclass(frozen=True)
class Postmortem:
    """A '## Postmortem - <time>' section: published after the fact, it changes neither
    the notice's state nor its updates."""

    at: datetime
    body: str  # Markdown
    line: int
    notify: bool = True

    def as_update(self) -> Update:
        """The postmortem announced like an update (feeds, notifications)."""
        return Update(Status.POSTMORTEM, self.at, self.body, self.line, self.notify)


@dataclass(frozen=True)
class Notice:
    id: str
    path: str  # as shown in messages, relative to the repo root
    title: str
    type: NoticeType
    impact: Impact
    components: tuple[str, ...]
    summary: str  # Markdown above the first update
    updates: tuple[Update, ...]  # newest first, as shown on pages
    start: datetime | None = None  # maintenance window
    end: datetime | None = None
    # Statuses set per component ("components:" written as a mapping), in file order.
    set_statuses: tuple[tuple[str, ComponentStatus], ...] = ()
    postmortem: Postmortem | None = None

    def status_of(self, component_id: str) -> ComponentStatus:
        """The status this notice gives a component it lists while it is in effect
        (an open incident, a maintenance in progress)."""
        for listed, status in self.set_statuses:
            if listed == component_id:
                return status
        if self.type is NoticeType.MAINTENANCE:
            return ComponentStatus.UNDER_MAINTENANCE
        return IMPACT_TO_COMPONENT[self.impact]

    @property
    def posted_at(self) -> datetime:
        """When the notice became visible: its earliest update."""
        return self.updates[-1].at

    @property
    def is_maintenance(self) -> bool:
        return self.type is NoticeType.MAINTENANCE


@dataclass(frozen=True)
class Component:
    id: str
    name: str
    description: str | None = None
    group: str | None = None
    since: date | None = None  # first day of its history; before it: no data


HOSTED_NOTE = ("This page is hosted outside our network, so it stays up when our other "
               "systems are down.")


@dataclass(frozen=True)
class Config:
    title: str
    base_url: str  # always ends with '/'
    timezone: ZoneInfo
    home_url: str | None = None
    submit_case_url: str | None = None
    home_label: str = "Support portal"
    alerts_url: str | None = None
    alerts_contact: str | None = None
    hosted_note: str | None = HOSTED_NOTE
    stale_after: int = 130
    description: str | None = None
    components: tuple[Component, ...] = ()
    mirrors: tuple[str, ...] = ()
    feed_items: int = 100
    closed_recent: int = 50
    history_days: int = 90
    recent_days: int = 7
    language: str = "en"
    extras: tuple[tuple[str, Any], ...] = ()  # settings owned by plug-in sections

    @property
    def host(self) -> str:
        """The site's host name, as feeds, calendars and emails name the site (a fully
        qualified name's final dot dropped: the same host, and no id may end in '.')."""
        return (urlsplit(self.base_url).hostname or "outpost.invalid").rstrip(".")

    @property
    def dns_name(self) -> str:
        """The host as a DNS name, as a List-Id and a tag: URI need one: an IPv6 address
        (whose colons neither allows) becomes its reverse-lookup name, '....ip6.arpa'."""
        host = self.host
        if ":" not in host:
            return host
        import ipaddress  # only here: every command imports this module, few need it

        return ipaddress.IPv6Address(host.partition("%")[0]).reverse_pointer

    @property
    def base_path(self) -> str:
        """The path the site is served under: '/', or '/status/' for a subpath."""
        return "/" + self.base_url.split("://", 1)[1].split("/", 1)[1]

    @property
    def id_path(self) -> str:
        """What feed ids and calendar UIDs add after the host to tell this site from
        another on the same host: '' at '/' (the ids sites have always had), 'status/'
        under '/status/'. Like URLs, two sites' ids can only meet if their URLs do."""
        return self.base_path[1:]

    def component(self, component_id: str) -> Component | None:
        return next((c for c in self.components if c.id == component_id), None)

    def extra(self, name: str) -> Any:
        return dict(self.extras).get(name)


# Updates at the same time: one rule for page anchors, feed ids and notification keys.
# Counted oldest first (a notice's updates are newest first; among equal times the one
# higher in the file is the later), the first keeps the plain stamp and the next ones
# get '~2', '~3'... So an id that was unique stays what it was, and adding an update
# in the same minute never renames the earlier ones.


def update_stamp(moment: datetime) -> str:
    """An update's time in anchors and keys: UTC, '20240730T1827Z'; with seconds
    ('20240730T182745Z') only when they are not zero."""
    return utc_stamp(moment, seconds=moment.second != 0)


def same_time_suffixes(updates: Sequence[Update]) -> list[str]:
    """For each of ``updates`` (newest first, as ``Notice.updates``), in the same order:
    '' for the first update at its time, '~2', '~3'... for the later ones."""
    seen: dict[str, int] = {}
    suffixes = [""] * len(updates)
    for index in range(len(updates) - 1, -1, -1):
        stamp = update_stamp(updates[index].at)
        count = seen.get(stamp, 0) + 1
        seen[stamp] = count
        suffixes[index] = f"~{count}" if count > 1 else ""
    return suffixes


def update_anchors(updates: Sequence[Update]) -> list[str]:
    """The HTML id of each update on its notice page: 'update-<stamp>[~n]'."""
    return [f"update-{update_stamp(u.at)}{suffix}"
            for u, suffix in zip(updates, same_time_suffixes(updates), strict=True)]
