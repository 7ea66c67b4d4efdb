"""The model: the site's settings and its notices, frozen dataclasses with aware UTC
datetimes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

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

    @property
    def slug(self) -> str:
        """Statuspage's vocabulary: 'in_progress', 'resolved', ..."""
        return self.name.lower()

    @property
    def is_final(self) -> bool:
        return self in (Status.RESOLVED, Status.COMPLETED)


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

# Limits on notice text (see the README, "Limits"): beyond them one file could stall
# every build. The sanitizer's time grows with the square of the nesting depth.
MAX_TEXT = 50_000  # characters in the summary or in one update
MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 32  # elements nested in the HTML of one text
# What Markdown nests with: block quotes, bullets, emphasis, links, tables, raw HTML, and
# ordered-list markers ('1.', '1)': a '.' or ')' before a space, tab or line end).
NESTING_MARKS = ("<", ">", "*", "_", "[", "+", "|", "-",
                 ". ", ".\t", ".\n", ") ", ")\t", ")\n")


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


@dataclass(frozen=True)
class Update:
    status: Status
    at: datetime
    body: str  # Markdown
    line: int  # line of the '## ' heading in the file
    notify: bool = True  # False when the heading ends with '[silent]'


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


@dataclass(frozen=True)
class Config:
    title: str
    base_url: str  # always ends with '/'
    timezone: ZoneInfo
    home_url: str | None = None
    submit_case_url: str | None = None
    description: str | None = None
    components: tuple[Component, ...] = ()
    mirrors: tuple[str, ...] = ()
    feed_items: int = 100
    closed_recent: int = 50
    language: str = "en"
    extras: tuple[tuple[str, Any], ...] = ()  # settings owned by plug-in sections

    @property
    def host(self) -> str:
        """The site's host name, as feeds, calendars and emails name the site."""
        return urlsplit(self.base_url).hostname or "outpost.invalid"

    @property
    def base_path(self) -> str:
        """The path the site is served under: '/', or '/status/' for a subpath."""
        return "/" + self.base_url.split("://", 1)[1].split("/", 1)[1]

    def component(self, component_id: str) -> Component | None:
        return next((c for c in self.components if c.id == component_id), None)

    def extra(self, name: str) -> Any:
        return dict(self.extras).get(name)
