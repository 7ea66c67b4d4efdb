"""Component status over time, per day and as uptime. Pure: ``now`` and the zone are
arguments.

A notice sets the status of each component it lists while it is in effect, exactly
as ``timeline.view`` sees it at each moment: an incident from its first update until
it is resolved, a maintenance from its window's start (or an earlier "In progress")
until it completes. Where notices overlap, the worst status wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from itertools import pairwise
from zoneinfo import ZoneInfo

from generator.core.model import ComponentStatus, Config, Notice, NoticeType, Status
from generator.core.timeline import view

OPERATIONAL = ComponentStatus.OPERATIONAL
# Statuspage's rule: the share of a status' duration counted as downtime, in tenths
# (whole numbers: uptime is summed over 365 days in integer seconds, exactly).
DOWNTIME_TENTHS: dict[ComponentStatus, int] = {
    ComponentStatus.MAJOR_OUTAGE: 10,
    ComponentStatus.PARTIAL_OUTAGE: 3,
    ComponentStatus.DEGRADED_PERFORMANCE: 0,
    ComponentStatus.UNDER_MAINTENANCE: 0,
    ComponentStatus.OPERATIONAL: 0,
}


@dataclass(frozen=True)
class Span:
    """A period of one status other than operational, with the notices behind it."""

    start: datetime
    end: datetime
    status: ComponentStatus
    notices: tuple[str, ...]  # ids of the notices in effect, sorted


@dataclass(frozen=True)
class Effect:
    """One notice in effect on one component: [start, end) at ``status``."""

    start: datetime
    end: datetime
    status: ComponentStatus
    notice: str


def in_effect(notice: Notice, moment: datetime) -> bool:
    """Whether ``notice`` sets its components' status at ``moment``: open and not
    upcoming, as the Open page's components see it then."""
    seen = view(notice, moment)
    return seen is not None and seen.is_open and not seen.is_upcoming


def notice_effects(notice: Notice, now: datetime) -> tuple[tuple[datetime, datetime], ...]:
    """The periods, up to ``now``, in which ``notice`` is in effect (open and not
    upcoming), evaluated with ``timeline.view`` at every moment its state can change:
    its first update, its window's edges and each update of a status of its own (an
    Update heading keeps the status in force; a file holds thousands)."""
    moments = {u.at for u in notice.updates if u.status is not Status.UPDATE}
    if notice.updates:
        moments.add(notice.posted_at)
    if notice.start is not None:
        moments.add(notice.start)
    if notice.end is not None:
        moments.add(notice.end)
    points = sorted(m for m in moments if m < now)
    periods: list[tuple[datetime, datetime]] = []
    for index, moment in enumerate(points):
        if not in_effect(notice, moment):
            continue
        until = points[index + 1] if index + 1 < len(points) else now
        if periods and periods[-1][1] == moment:
            periods[-1] = (periods[-1][0], until)
        else:
            periods.append((moment, until))
    return tuple(periods)


def _by_component(notice: Notice, start: datetime, end: datetime,
                  found: dict[str, list[Effect]]) -> None:
    """Add ``notice``'s effect from ``start`` to ``end`` to each component it sets."""
    for component_id in dict.fromkeys(notice.components):
        status = notice.status_of(component_id)
        if status is not OPERATIONAL:  # an incident of impact none
            found.setdefault(component_id, []).append(Effect(start, end, status, notice.id))


def effects(notices: Iterable[Notice], now: datetime) -> dict[str, tuple[Effect, ...]]:
    """Component id -> every notice's effect on it, in start order."""
    found: dict[str, list[Effect]] = {}
    for notice in notices:
        for start, end in notice_effects(notice, now):
            _by_component(notice, start, end, found)
    return {key: tuple(sorted(value, key=lambda e: (e.start, e.end, e.notice)))
            for key, value in found.items()}


def effects_at(notices: Iterable[Notice], now: datetime) -> dict[str, tuple[Effect, ...]]:
    """Component id -> the notices in effect at ``now`` itself, each as an Effect of no
    length. ``effects`` counts the moments before ``now`` (uptime has no minutes at
    ``now`` yet), while the status line sees a notice posted at ``now``, or one going
    on at a midnight build, from that instant: today's bar shows these too."""
    found: dict[str, list[Effect]] = {}
    for notice in notices:
        if in_effect(notice, now):
            _by_component(notice, now, now, found)
    return {key: tuple(sorted(value, key=lambda e: e.notice)) for key, value in found.items()}


def spans(component_effects: Iterable[Effect]) -> tuple[Span, ...]:
    """Merge overlapping effects into non-overlapping spans; the worst status wins.
    Adjacent spans with the same status and notices are joined."""
    listed = sorted(component_effects, key=lambda e: (e.start, e.end, e.notice))
    cuts = sorted({e.start for e in listed} | {e.end for e in listed})
    result: list[Span] = []
    active: list[Effect] = []
    following = 0
    for start, end in pairwise(cuts):
        active = [e for e in active if e.end > start]
        while following < len(listed) and listed[following].start <= start:
            active.append(listed[following])
            following += 1
        if not active:
            continue
        worst = max((e.status for e in active), key=lambda s: s.rank)
        ids = tuple(sorted({e.notice for e in active}))
        last = result[-1] if result else None
        if last is not None and last.end == start and (last.status, last.notices) == (worst, ids):
            result[-1] = Span(last.start, end, worst, ids)
        else:
            result.append(Span(start, end, worst, ids))
    return tuple(result)


def status_at(component_spans: tuple[Span, ...], moment: datetime) -> ComponentStatus:
    """The component's status at ``moment`` (spans include their start)."""
    return next((s.status for s in component_spans if s.start <= moment < s.end), OPERATIONAL)


@dataclass(frozen=True)
class Day:
    """One calendar day in the site zone. ``seconds`` counts every status; a day with
    no data has no seconds at all."""

    day: date
    start: datetime  # UTC, midnight in the zone
    end: datetime  # UTC, the next midnight (23 or 25 hours later across DST), or now
    has_data: bool
    worst: ComponentStatus
    seconds: tuple[tuple[ComponentStatus, int], ...]  # statuses present, worst first
    notices: tuple[str, ...]  # ids of the notices touching the day, in start order

    @property
    def minutes(self) -> tuple[tuple[ComponentStatus, Fraction], ...]:
        """``seconds`` in minutes (exact: a second is a sixtieth of a minute)."""
        return tuple((status, Fraction(count, 60)) for status, count in self.seconds)

    @property
    def length_seconds(self) -> int:
        return int((self.end - self.start).total_seconds())

    @property
    def length(self) -> Fraction:
        return Fraction(self.length_seconds, 60)

    def minutes_of(self, status: ComponentStatus) -> Fraction:
        return Fraction(dict(self.seconds).get(status, 0), 60)


def midnight(day: date, zone: ZoneInfo) -> datetime:
    """Midnight starting ``day`` in ``zone``, in UTC. Where midnight falls in a DST gap
    (fold=0 reads it with the offset before the change) this is the first moment of
    the day that exists."""
    return datetime.combine(day, time(0), zone).astimezone(UTC)


@dataclass(frozen=True)
class Calendar:
    """The days a history covers in the site zone, oldest first, each without data and
    as a quiet day (operational throughout, as most days are): the same for every
    component, so made once for all of them (a Day is immutable)."""

    today: date  # the day holding ``now``
    plain: tuple[tuple[Day, Day], ...]


def calendar(last: date, count: int, zone: ZoneInfo, now: datetime) -> Calendar:
    """The ``count`` days ending with ``last``, each from midnight to midnight in UTC
    (the end no later than ``now``)."""
    plain = []
    for offset in range(count - 1, -1, -1):
        day = last - timedelta(days=offset)
        start = midnight(day, zone)
        end = max(start, min(midnight(day + timedelta(days=1), zone), now))
        length = int((end - start).total_seconds())
        plain.append((Day(day, start, end, False, OPERATIONAL, (), ()),
                      Day(day, start, end, True, OPERATIONAL,
                          ((OPERATIONAL, length),) if length > 0 else (), ())))
    return Calendar(today(now, zone), tuple(plain))


def days(component_spans: tuple[Span, ...], period: Calendar, since: date | None,
         current: tuple[Effect, ...] = ()) -> tuple[Day, ...]:
    """The days of ``period`` for one component. Days before ``since`` have no data;
    ``since=None`` means every day has data. A day counts only its minutes up to
    ``now``: the rest of today is not yet uptime. ``current`` (see ``effects_at``) adds
    its statuses, with no seconds unless the spans gave some, and its notices to today,
    the day holding ``now``."""
    result = []
    first = 0
    present = period.today if current else None
    for no_data, quiet in period.plain:
        day, start, end = quiet.day, quiet.start, quiet.end
        if since is not None and day < since:
            result.append(no_data)
            continue
        while first < len(component_spans) and component_spans[first].end <= start:
            first += 1  # spans are sorted and do not overlap: their ends are sorted too
        if day != present and (first == len(component_spans)
                               or component_spans[first].start >= end):
            result.append(quiet)
            continue
        seconds: dict[ComponentStatus, int] = {}
        ids: dict[str, None] = {}
        for span in component_spans[first:]:
            if span.start >= end:
                break
            low, high = max(span.start, start), min(span.end, end)
            if low >= high:
                continue
            seconds[span.status] = seconds.get(span.status, 0) + int(
                (high - low).total_seconds())
            ids.update(dict.fromkeys(span.notices))
        if day == present:
            for effect in current:
                seconds.setdefault(effect.status, 0)
                ids.setdefault(effect.notice)
        rest = int((end - start).total_seconds()) - sum(seconds.values())
        if rest > 0:
            seconds[OPERATIONAL] = seconds.get(OPERATIONAL, 0) + rest
        ordered = tuple(sorted(seconds.items(), key=lambda item: -item[0].rank))
        worst = ordered[0][0] if ordered else OPERATIONAL
        result.append(Day(day, start, end, True, worst, ordered, tuple(ids)))
    return tuple(result)


def uptime(shown: Iterable[Day]) -> Fraction | None:
    """Statuspage's uptime over the days with data, as a fraction of 1: a major outage
    counts its whole duration as downtime, a partial outage 30 %, the rest none.
    None when no day has data."""
    total = 0
    down = 0  # in tenths of a second: every weight is a whole number of tenths
    for day in shown:
        if not day.has_data:
            continue
        total += day.length_seconds
        down += sum(DOWNTIME_TENTHS[status] * count for status, count in day.seconds)
    if total == 0:
        return None
    return 1 - Fraction(down, total * 10)


def percent(value: Fraction, decimals: int = 2) -> str:
    """``value`` as a percentage cut (never rounded up) to ``decimals``:
    any downtime keeps the figure below 100.00."""
    scaled = value * 100 * 10 ** decimals
    whole = scaled.numerator // scaled.denominator
    text = f"{whole:0{decimals + 1}d}"
    return f"{text[:-decimals]}.{text[-decimals:]}" if decimals else text


def today(now: datetime, zone: ZoneInfo) -> date:
    """The calendar day of ``now`` in ``zone``."""
    return now.astimezone(zone).date()


UPTIME_PERIODS = (30, 90, 365)


@dataclass(frozen=True)
class ComponentHistory:
    """One component's days, oldest first, covering the longest of the shown window
    and the uptime periods."""

    component_id: str
    since: date | None  # first day with data (None: every day)
    days: tuple[Day, ...]
    # uptime(last(count)) for the shown days and each of UPTIME_PERIODS, summed once:
    # the Open page, the component page and api/uptime.json all show them.
    uptimes: dict[int, Fraction | None] = field(default_factory=dict, compare=False)

    def last(self, count: int) -> tuple[Day, ...]:
        return self.days[-count:]

    def uptime(self, count: int) -> Fraction | None:
        if count in self.uptimes:
            return self.uptimes[count]
        return uptime(self.last(count))


def ended_before(notice: Notice, moment: datetime) -> bool:
    """Whether ``notice`` can have no effect from ``moment`` on (cheap: no view): a
    maintenance whose window and updates ended before it, or an incident resolved
    before it (nothing may follow Resolved, so its newest update is the resolution)."""
    latest = notice.updates[0].at if notice.updates else None
    if latest is None or latest >= moment:
        return False
    if notice.type is NoticeType.MAINTENANCE:
        return notice.end is not None and notice.end < moment
    return notice.updates[0].status is Status.RESOLVED


def first_day(notices: Iterable[Notice], zone: ZoneInfo) -> date | None:
    """The day of the earliest update of any notice: where the site's records begin."""
    earliest = min((n.posted_at for n in notices), default=None)
    return None if earliest is None else earliest.astimezone(zone).date()


def component_histories(notices: tuple[Notice, ...], components: Iterable[tuple[str, date | None]],
                        now: datetime, zone: ZoneInfo, count: int
                        ) -> tuple[ComponentHistory, ...]:
    """Each (component id, since) as a ComponentHistory of the last ``max(count, 365)``
    days up to ``now``. A component without ``since`` has data from the first notice
    of the site on (no day when there is none: its history has not begun)."""
    start = first_day(notices, zone)
    last = today(now, zone)
    length = max(count, *UPTIME_PERIODS)
    window = midnight(last - timedelta(days=length - 1), zone)
    shared = calendar(last, length, zone, now)
    shown_notices = [n for n in notices if not ended_before(n, window)]
    found = effects(shown_notices, now)
    current = effects_at((n for n in shown_notices if not ended_before(n, now)), now)
    result = []
    for component_id, since in components:
        begins = since if since is not None else start
        # Without a notice yet no day has data, as the API's null start_date says: a
        # year of operational days would turn to no data when the first one is posted.
        shown = days(spans(found.get(component_id, ())), shared,
                     begins if begins is not None else last + timedelta(days=1),
                     current.get(component_id, ()))
        result.append(ComponentHistory(component_id, begins, shown,
                                       {n: uptime(shown[-n:]) for n in {count, *UPTIME_PERIODS}}))
    return tuple(result)


def histories_for(config: Config, notices: tuple[Notice, ...], now: datetime
                  ) -> tuple[ComponentHistory, ...]:
    """Every configured component's history at ``now``, in the settings' order."""
    return component_histories(notices, ((c.id, c.since) for c in config.components), now,
                               config.timezone, config.history_days)


def next_change(notices: Iterable[Notice], now: datetime, zone: ZoneInfo) -> datetime:
    """The first moment after ``now`` at which the site changes with the clock alone,
    beyond its "Updated" time and the minutes an open incident has lasted so far: an
    update or postmortem dated ahead comes due, a maintenance window opens or closes,
    or a day ends in ``zone`` (the daily bars and the lists by day move on)."""
    soonest = midnight(today(now, zone) + timedelta(days=1), zone)
    for notice in notices:
        for update in notice.updates:  # newest first: the ones ahead come first
            if update.at <= now:
                break
            soonest = min(soonest, update.at)
        ahead = [notice.postmortem.at] if notice.postmortem is not None else []
        if notice.start is not None and notice.end is not None:
            ahead += [notice.start, notice.end]
        soonest = min([soonest, *(moment for moment in ahead if moment > now)])
    return soonest
