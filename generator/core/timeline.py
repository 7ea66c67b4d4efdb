"""What is open and closed at a given moment. Pure: the clock is an argument."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from enum import Enum
from zoneinfo import ZoneInfo

from generator.core.errors import Problem
from generator.core.model import (
    UNDER_WAY,
    Component,
    ComponentStatus,
    Config,
    Impact,
    Notice,
    NoticeType,
    Postmortem,
    Status,
    Update,
)
from generator.core.times import write_time

# The word a maintenance called off reads as (its status stays Completed: the API's).
CALLED_OFF = "Called off"


def affected_label(called_off: bool) -> str:
    """How a notice's components are introduced: a maintenance called off never
    affected them."""
    return "Would have affected" if called_off else "Affected"


def calls_off(notice: Notice, update: Update) -> bool:
    """Whether ``update`` is a maintenance's Completed posted before its window opened,
    or as it opened, with no In progress (or Verifying) update before it: it called the
    maintenance off. (Nothing follows Completed, so every such update is before it.)"""
    return (update.status is Status.COMPLETED and notice.start is not None
            and update.at <= notice.start and not begun_early(notice.updates))


def standing_status(notice: Notice, update: Update) -> Status:
    """The status an update's word stands for, as the API lists it: a maintenance's
    window overrules the word (Scheduled once it has opened is In progress, and any word
    from its end on is Completed: the end completed it). An Update heading, and every
    incident's word, stand as written."""
    if notice.start is None or notice.end is None or update.status is Status.UPDATE:
        return update.status
    if update.at >= notice.end:
        return Status.COMPLETED
    if update.status is Status.SCHEDULED and update.at >= notice.start:
        return Status.IN_PROGRESS
    return update.status


def update_word(notice: Notice, update: Update) -> str:
    """How pages, feeds, the calendar and messages name an update's status: 'Called off'
    for a Completed that calls a maintenance off, else the status its word stands for."""
    return CALLED_OFF if calls_off(notice, update) else standing_status(notice, update).value


def begun_early(updates: Iterable[Update]) -> bool:
    """Whether an In progress (or Verifying) update is among a maintenance's updates."""
    return any(update.status in UNDER_WAY for update in updates)


class Banner(Enum):
    INCIDENT = "incident"
    MAINTENANCE = "maintenance"
    NONE = "none"


@dataclass(frozen=True)
class NoticeView:
    """A notice as seen at ``now``: only updates posted by then count."""

    notice: Notice
    updates: tuple[Update, ...]  # visible, newest first
    status: Status  # the current status word shown
    is_open: bool
    started: datetime  # incident: first update; maintenance: window start
    ended: datetime | None  # incident: resolved; maintenance: window end or earlier completion
    postmortem: Postmortem | None = None  # once published (its time has come)

    @property
    def latest(self) -> Update:
        return self.updates[0]

    @property
    def updated(self) -> datetime:
        return self.updates[0].at

    @property
    def is_upcoming(self) -> bool:
        return self.status is Status.SCHEDULED

    @property
    def _done_before_window(self) -> bool:
        """A maintenance completed before its window opened, or as it opened."""
        return (self.ended is not None and self.ended <= self.started
                and self.notice.end is not None)

    @property
    def called_off(self) -> bool:
        """A maintenance whose Completed update called it off (``calls_off``): it never
        began (the API's statuspage.went_under). Nothing follows Completed, so it is
        the latest status."""
        if not self.notice.is_maintenance or self.ended is None:  # asked of every view
            return False
        latest = _latest_real(self.updates)
        return latest is not None and calls_off(self.notice, latest)

    @property
    def shown_end(self) -> datetime | None:
        """The end of the range pages show after ``started``. A maintenance completed
        before its window (called off, or begun and done early) shows the planned window
        (its timeline says why), never a range that ends before it starts or as it
        starts."""
        return self.notice.end if self._done_before_window else self.ended


@dataclass(frozen=True)
class ComponentState:
    component: Component
    status: ComponentStatus


@dataclass(frozen=True)
class Snapshot:
    now: datetime
    open: tuple[NoticeView, ...]  # most important first
    closed: tuple[NoticeView, ...]  # most recently ended first
    components: tuple[ComponentState, ...]

    @property
    def banner(self) -> Banner:
        if any(v.notice.type is NoticeType.INCIDENT for v in self.open):
            return Banner.INCIDENT
        return Banner.MAINTENANCE if self.open else Banner.NONE

    @property
    def worst_impact(self) -> Impact | None:
        impacts = [v.notice.impact for v in self.open if v.notice.type is NoticeType.INCIDENT]
        return max(impacts, key=lambda i: i.rank) if impacts else None


def _latest_real(updates: tuple[Update, ...]) -> Update | None:
    """The newest update of a status of its own (an Update heading keeps the one before)."""
    return next((u for u in updates if u.status is not Status.UPDATE), None)


# An update or postmortem dated after now stays off the site until then. A few minutes
# ahead is a clock difference, not a mistake; more is worth a warning (new, update,
# resolve, postmortem, check): a year typed wrong hides it for a year.
FUTURE_SLACK = timedelta(minutes=5)


def future_note(what: str) -> str:
    """What a warning says about an update (or the postmortem, ``what``) in the future."""
    return f"is in the future: the site shows this {what} only from then on"


def is_future(moment: datetime, now: datetime) -> bool:
    return moment > now + FUTURE_SLACK


def after_window_note(end: datetime, zone: tzinfo) -> str:
    """What to say of a maintenance's update dated after its window's end, which the
    window's end completes (view): readers saw it Completed from then on."""
    return (f"after the window's end ({write_time(end, zone)}): readers have seen this "
            "maintenance as Completed since then. If it ran longer, set a later 'end:'")


def late_updates(notices: Iterable[Notice], zone: ZoneInfo) -> list[Problem]:
    """A warning (path:line) for every update of a maintenance, Completed aside, dated
    after its window's end, as ``outpost update`` warns of one it posts: a file edited by
    hand had passed check, its 'taking longer' under a Completed maintenance."""
    return sorted(Problem(notice.path, update.line, f"{update.status.value} - "
                          f"{write_time(update.at, zone)} {after_window_note(notice.end, zone)}"
                          " in its front matter")
                  for notice in notices if notice.end is not None and notice.is_maintenance
                  for update in notice.updates
                  if update.at > notice.end and update.status is not Status.COMPLETED)


def future_updates(notices: Iterable[Notice], now: datetime, zone: ZoneInfo) -> list[Problem]:
    """A warning (path:line) for every update and postmortem dated more than FUTURE_SLACK
    after ``now``."""
    warnings = [Problem(notice.path, update.line, f"{update.status.value} - "
                        f"{write_time(update.at, zone)} {future_note('update')}")
                for notice in notices for update in notice.updates
                if is_future(update.at, now)]
    warnings += [Problem(notice.path, notice.postmortem.line, f"{Status.POSTMORTEM.value} - "
                         f"{write_time(notice.postmortem.at, zone)} {future_note('postmortem')}")
                 for notice in notices
                 if notice.postmortem is not None and is_future(notice.postmortem.at, now)]
    return sorted(warnings)


def view(notice: Notice, now: datetime) -> NoticeView | None:
    """The notice at ``now``, or None if it has not been posted yet."""
    updates = notice.updates  # newest first: when the newest is visible, all are
    if updates and updates[0].at > now:
        # The hidden ones are the newest: found by halving, as history views a notice
        # at each of its updates.
        stamp = now.timestamp()
        updates = updates[bisect_left(updates, -stamp, key=lambda u: -u.at.timestamp()):]
    if not updates:
        return None
    if notice.type is NoticeType.INCIDENT:
        latest = _latest_real(updates)
        status = latest.status if latest is not None else Status.INVESTIGATING
        resolved = updates[0].at if status is Status.RESOLVED else None
        postmortem = notice.postmortem
        published = postmortem if postmortem is not None and postmortem.at <= now else None
        return NoticeView(notice, updates, status, resolved is None, notice.posted_at, resolved,
                          published)
    assert notice.start is not None and notice.end is not None
    latest = _latest_real(updates)
    posted = latest.status if latest is not None else Status.SCHEDULED
    # Nothing may follow Completed (the loader refuses it), so it is the latest status.
    completed = latest.at if latest is not None and posted is Status.COMPLETED else None
    if completed is not None or now >= notice.end:
        status = Status.COMPLETED
    elif now >= notice.start or posted in UNDER_WAY:
        # The window has started, or staff said so early: "Scheduled" no longer fits.
        status = posted if posted is not Status.SCHEDULED else Status.IN_PROGRESS
    else:
        status = Status.SCHEDULED
    # The window's end completes it: a Completed update posted later (the warning on
    # posting it says so) finds it over already, and does not move the end.
    ended = min(completed, notice.end) if completed is not None else notice.end
    return NoticeView(notice, updates, status, status is not Status.COMPLETED, notice.start,
                      ended)


def notice_status_at(notice: Notice, moment: datetime) -> Status | None:
    """The status ``notice`` stood at at ``moment``, as its view then shows it (a
    postmortem speaks in the state it finds); None before it was posted."""
    seen = view(notice, moment)
    return seen.status if seen is not None else None


def _importance(item: NoticeView) -> tuple[int, int, float, str]:
    notice = item.notice
    if notice.type is NoticeType.INCIDENT:
        return (0, -notice.impact.rank, -item.updated.timestamp(), notice.id)
    group = 2 if item.is_upcoming else 1
    return (group, 0, item.started.timestamp(), notice.id)


def component_states(components: Iterable[Component], open_views: Iterable[NoticeView]
                     ) -> tuple[ComponentState, ...]:
    worst: dict[str, ComponentStatus] = {}
    for item in open_views:
        notice = item.notice
        if item.is_upcoming:
            continue
        for component_id in notice.components:
            status = notice.status_of(component_id)
            current = worst.get(component_id, ComponentStatus.OPERATIONAL)
            if status.rank > current.rank:
                worst[component_id] = status
    return tuple(
        ComponentState(c, worst.get(c.id, ComponentStatus.OPERATIONAL)) for c in components
    )


def select(notices: Iterable[Notice], now: datetime, config: Config) -> Snapshot:
    """Split notices into open and closed as seen at ``now``."""
    views = [v for v in (view(n, now) for n in notices) if v is not None]
    open_views = sorted((v for v in views if v.is_open), key=_importance)
    closed = sorted(
        (v for v in views if not v.is_open),
        key=lambda v: (-(v.ended or v.updated).timestamp(), v.notice.id),
    )
    return Snapshot(now, tuple(open_views), tuple(closed),
                    component_states(config.components, open_views))
