"""Component status over time (generator/core/history.py): exact hand-computed cases
and properties against what ``timeline.select`` shows at every moment."""

from __future__ import annotations

import itertools
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.config.settings import parse_config
from generator.core.history import (
    Span,
    calendar,
    component_histories,
    days,
    effects,
    ended_before,
    next_change,
    notice_effects,
    percent,
    spans,
    status_at,
    today,
    uptime,
)
from generator.core.model import (
    UNDER_WAY,
    ComponentStatus,
    Impact,
    Notice,
    NoticeType,
    Postmortem,
    Status,
    Update,
)
from generator.core.statuspage import went_under
from generator.core.timeline import calls_off, select, view
from tests.conftest import MINIMAL_CONFIG

CONFIG = parse_config(MINIMAL_CONFIG)
CHICAGO = ZoneInfo("America/Chicago")
MAJOR = ComponentStatus.MAJOR_OUTAGE
PARTIAL = ComponentStatus.PARTIAL_OUTAGE
DEGRADED = ComponentStatus.DEGRADED_PERFORMANCE
MAINTENANCE = ComponentStatus.UNDER_MAINTENANCE
OPERATIONAL = ComponentStatus.OPERATIONAL


def local(text: str, fold: int = 0) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CHICAGO, fold=fold).astimezone(UTC)


def incident(notice_id: str, impact: Impact, *updates: tuple[Status, datetime],
             components: tuple[str, ...] = ("web",),
             set_statuses: tuple[tuple[str, ComponentStatus], ...] = ()) -> Notice:
    ordered = sorted(updates, key=lambda u: u[1], reverse=True)
    return Notice(notice_id, f"notices/{notice_id}.md", notice_id.title(), NoticeType.INCIDENT,
                  impact, components, "", tuple(Update(s, at, "", 1) for s, at in ordered),
                  set_statuses=set_statuses)


def maintenance(notice_id: str, start: datetime, end: datetime,
                *updates: tuple[Status, datetime]) -> Notice:
    ordered = sorted(updates, key=lambda u: u[1], reverse=True)
    return Notice(notice_id, f"notices/{notice_id}.md", notice_id.title(),
                  NoticeType.MAINTENANCE, Impact.NONE, ("web",), "",
                  tuple(Update(s, at, "", 1) for s, at in ordered), start, end)


LATER = local("2024-12-31 00:00")


def web_spans(*notices: Notice, now: datetime = LATER) -> tuple[Span, ...]:
    return spans(effects(notices, now).get("web", ()))


DIGICERT = incident("digicert", Impact.MAJOR,
                    (Status.INVESTIGATING, local("2024-07-30 13:27")),
                    (Status.RESOLVED, local("2024-07-30 14:25")))


def test_a_notice_of_many_updates_takes_time_in_proportion() -> None:
    # A notice file under the size limit holds 30,000 short updates; the effects were
    # found by viewing the notice at each one, each view reading every update: a build
    # took minutes.
    start = local("2026-01-01 00:00")
    minutes = [start + timedelta(minutes=i) for i in range(1, 10_000)]
    same = [(Status.UPDATE, at) for at in minutes]
    flipping = [(Status.IDENTIFIED if i % 2 else Status.MONITORING, at)
                for i, at in enumerate(minutes)]
    working = [(Status.IN_PROGRESS if i % 2 else Status.VERIFYING, at)
               for i, at in enumerate(minutes)]
    window = (start, start + timedelta(days=30), (Status.SCHEDULED, start - timedelta(days=1)))
    notices = [incident("long", Impact.MAJOR, (Status.INVESTIGATING, start), *same),
               incident("flip", Impact.MAJOR, (Status.INVESTIGATING, start), *flipping),
               maintenance("window", *window[:2], window[2], *same),
               maintenance("busy", *window[:2], window[2], *working)]
    began = time.monotonic()
    found = [notice_effects(notice, start + timedelta(days=60)) for notice in notices]
    assert time.monotonic() - began < 10  # was 75 s; now about 1 s
    assert found == [((start, start + timedelta(days=60)),)] * 2 + [
        ((start, start + timedelta(days=30)),)] * 2


def test_an_incident_sets_its_status_from_first_update_until_resolved() -> None:
    assert web_spans(DIGICERT) == (
        Span(local("2024-07-30 13:27"), local("2024-07-30 14:25"), PARTIAL, ("digicert",)),)


def test_58_minutes_of_partial_outage_over_90_days_is_99_9866_percent() -> None:
    shown = days(web_spans(DIGICERT), calendar(date(2024, 7, 30), 90, CHICAGO, LATER), None)
    assert len(shown) == 90 and shown[0].day == date(2024, 5, 2)
    figure = uptime(shown)
    assert figure == 1 - Fraction(3, 10) * 58 / (90 * 1440)
    assert percent(figure, 4) == "99.9865"  # cut, never rounded up
    assert round(float(figure) * 100, 4) == 99.9866
    assert percent(figure) == "99.98"
    last = shown[-1]
    assert last.worst is PARTIAL and last.notices == ("digicert",)
    assert last.minutes == ((PARTIAL, Fraction(58)), (OPERATIONAL, Fraction(1440 - 58)))


def test_overlapping_major_and_partial_count_the_major_once() -> None:
    major = incident("major", Impact.CRITICAL,
                     (Status.INVESTIGATING, local("2024-07-30 10:00")),
                     (Status.RESOLVED, local("2024-07-30 11:00")))
    partial = incident("partial", Impact.MAJOR,
                       (Status.INVESTIGATING, local("2024-07-30 10:30")),
                       (Status.RESOLVED, local("2024-07-30 12:00")))
    assert web_spans(major, partial) == (
        Span(local("2024-07-30 10:00"), local("2024-07-30 10:30"), MAJOR, ("major",)),
        Span(local("2024-07-30 10:30"), local("2024-07-30 11:00"), MAJOR, ("major", "partial")),
        Span(local("2024-07-30 11:00"), local("2024-07-30 12:00"), PARTIAL, ("partial",)),
    )
    (day,) = days(web_spans(major, partial), calendar(date(2024, 7, 30), 1, CHICAGO, LATER), None)
    assert day.minutes_of(MAJOR) == 60 and day.minutes_of(PARTIAL) == 60
    assert uptime((day,)) == 1 - Fraction(60 + 18, 1440)
    assert day.notices == ("major", "partial")


def test_per_component_statuses_of_a_notice_are_used() -> None:
    notice = incident("split", Impact.CRITICAL,
                      (Status.INVESTIGATING, local("2024-07-30 10:00")),
                      (Status.RESOLVED, local("2024-07-30 11:00")),
                      components=("web", "api"),
                      set_statuses=(("web", DEGRADED), ("api", MAJOR)))
    found = effects((notice,), LATER)
    assert [e.status for e in found["web"]] == [DEGRADED]
    assert [e.status for e in found["api"]] == [MAJOR]


def test_a_day_of_25_hours_and_an_incident_across_midnight_and_the_fall_change() -> None:
    # 2024-11-03 in Chicago: 01:00-02:00 happens twice, the day has 25 hours.
    notice = incident("night", Impact.CRITICAL,
                      (Status.INVESTIGATING, local("2024-11-02 23:30")),
                      (Status.RESOLVED, local("2024-11-03 01:30", fold=1)))
    first, second = days(web_spans(notice), calendar(date(2024, 11, 3), 2, CHICAGO, LATER), None)
    assert first.length == 1440 and first.minutes_of(MAJOR) == 30
    assert second.length == 1500
    assert second.minutes_of(MAJOR) == 150  # 00:00 to the second 01:30
    assert second.minutes_of(OPERATIONAL) == 1500 - 150
    assert first.worst is second.worst is MAJOR


def test_a_day_of_23_hours_at_the_spring_change() -> None:
    notice = incident("spring", Impact.MAJOR,
                      (Status.INVESTIGATING, local("2024-03-10 01:00")),
                      (Status.RESOLVED, local("2024-03-10 04:00")))
    (day,) = days(web_spans(notice), calendar(date(2024, 3, 10), 1, CHICAGO, LATER), None)
    assert day.length == 1380
    assert day.minutes_of(PARTIAL) == 120  # 02:00-03:00 does not exist
    assert uptime((day,)) == 1 - Fraction(3, 10) * 120 / 1380


def test_a_day_starting_in_a_dst_gap_starts_at_the_first_moment_that_exists() -> None:
    # Havana skips from 00:00 to 01:00 on 2024-03-10: the day has 23 hours.
    havana = ZoneInfo("America/Havana")
    (day,) = days((), calendar(date(2024, 3, 10), 1, havana, LATER), None)
    assert day.start == datetime(2024, 3, 10, 5, 0, tzinfo=UTC)
    assert day.length == 1380


def test_maintenance_counts_from_its_window_until_completed() -> None:
    notice = maintenance("upgrade", local("2024-07-30 22:00"), local("2024-07-31 02:00"),
                         (Status.SCHEDULED, local("2024-07-20 09:00")),
                         (Status.COMPLETED, local("2024-07-31 01:00")))
    assert web_spans(notice) == (
        Span(local("2024-07-30 22:00"), local("2024-07-31 01:00"), MAINTENANCE, ("upgrade",)),)
    shown = days(web_spans(notice), calendar(date(2024, 7, 31), 2, CHICAGO, LATER), None)
    assert [d.worst for d in shown] == [MAINTENANCE, MAINTENANCE]
    assert uptime(shown) == 1


def test_maintenance_without_completion_ends_with_its_window() -> None:
    notice = maintenance("upgrade", local("2024-07-30 22:00"), local("2024-07-31 02:00"),
                         (Status.SCHEDULED, local("2024-07-20 09:00")))
    assert web_spans(notice) == (
        Span(local("2024-07-30 22:00"), local("2024-07-31 02:00"), MAINTENANCE, ("upgrade",)),)


def test_a_maintenance_called_off_never_sets_a_status() -> None:
    notice = maintenance("cancelled", local("2024-07-30 22:00"), local("2024-07-31 02:00"),
                         (Status.SCHEDULED, local("2024-07-20 09:00")),
                         (Status.COMPLETED, local("2024-07-25 09:00")))
    assert web_spans(notice) == ()
    assert days((), calendar(date(2024, 7, 31), 1, CHICAGO, LATER), None)[0].worst is OPERATIONAL


def test_an_open_incident_runs_up_to_now_and_today_counts_only_until_now() -> None:
    now = local("2024-07-30 15:00")
    notice = incident("open", Impact.CRITICAL, (Status.INVESTIGATING, local("2024-07-30 14:00")))
    assert web_spans(notice, now=now) == (
        Span(local("2024-07-30 14:00"), now, MAJOR, ("open",)),)
    (day,) = days(web_spans(notice, now=now), calendar(today(now, CHICAGO), 1, CHICAGO, now), None)
    assert day.length == 15 * 60
    assert day.minutes == ((MAJOR, Fraction(60)), (OPERATIONAL, Fraction(14 * 60)))
    assert uptime((day,)) == Fraction(14, 15)
    assert status_at(web_spans(notice, now=now), local("2024-07-30 14:59")) is MAJOR


def test_an_incident_reopened_after_resolved_counts_both_periods() -> None:
    notice = incident("twice", Impact.MINOR,
                      (Status.INVESTIGATING, local("2024-07-30 10:00")),
                      (Status.RESOLVED, local("2024-07-30 11:00")),
                      (Status.INVESTIGATING, local("2024-07-30 12:00")),
                      (Status.RESOLVED, local("2024-07-30 12:30")))
    assert [(s.start, s.end) for s in web_spans(notice)] == [
        (local("2024-07-30 10:00"), local("2024-07-30 11:00")),
        (local("2024-07-30 12:00"), local("2024-07-30 12:30"))]


def test_days_before_since_have_no_data_and_do_not_count() -> None:
    shown = days(web_spans(DIGICERT), calendar(date(2024, 7, 30), 90, CHICAGO, LATER),
                 date(2024, 7, 29))
    assert [d.has_data for d in shown].count(True) == 2
    assert shown[0].minutes == () and shown[0].notices == ()
    assert uptime(shown) == 1 - Fraction(3, 10) * 58 / (2 * 1440)
    assert uptime(shown[:-2]) is None


def test_percent_cuts_and_pads() -> None:
    assert percent(Fraction(1)) == "100.00"
    assert percent(Fraction(0)) == "0.00"
    assert percent(Fraction(99999, 100000)) == "99.99"
    assert percent(Fraction(5, 1000), 4) == "0.5000"


# Properties: random notices in a week around the autumn DST change.

BASE = local("2024-11-01 00:00")
HOURS = st.integers(0, 7 * 24 * 4).map(lambda q: BASE + timedelta(minutes=15 * q))
INCIDENT_STATUSES = st.sampled_from([Status.INVESTIGATING, Status.IDENTIFIED,
                                     Status.MONITORING, Status.UPDATE, Status.RESOLVED])
MAINTENANCE_STATUSES = st.sampled_from([Status.SCHEDULED, Status.IN_PROGRESS,
                                        Status.VERIFYING, Status.UPDATE, Status.COMPLETED])


def _as_loaded(statuses: list[Status]) -> list[Status]:
    """Statuses oldest first, cut after the first Resolved or Completed: the loader
    refuses any update after it."""
    final = next((i for i, s in enumerate(statuses)
                  if s in (Status.RESOLVED, Status.COMPLETED)), len(statuses) - 1)
    return statuses[:final + 1]


@st.composite
def notices(draw: st.DrawFn, index: int) -> Notice:
    components = tuple(draw(st.lists(st.sampled_from(["web", "api"]), min_size=1,
                                     max_size=2, unique=True)))
    if draw(st.booleans()):
        moments = sorted(draw(st.lists(HOURS, min_size=1, max_size=4, unique=True)))
        statuses = _as_loaded([Status.INVESTIGATING]
                              + [draw(INCIDENT_STATUSES) for _ in moments[1:]])
        moments = moments[:len(statuses)]
        impact = draw(st.sampled_from(list(Impact)))
        set_statuses: tuple[tuple[str, ComponentStatus], ...] = ()
        if draw(st.booleans()):
            set_statuses = tuple((c, draw(st.sampled_from(list(ComponentStatus))))
                                 for c in components)
        return incident(f"i{index}", impact, *zip(statuses, moments, strict=True),
                        components=components, set_statuses=set_statuses)
    start, end = sorted(draw(st.lists(HOURS, min_size=2, max_size=2, unique=True)))
    posted = sorted(draw(st.lists(HOURS, min_size=1, max_size=3, unique=True)))
    statuses = _as_loaded([Status.SCHEDULED] + [draw(MAINTENANCE_STATUSES) for _ in posted[1:]])
    posted = posted[:len(statuses)]
    made = maintenance(f"m{index}", start, end, *zip(statuses, posted, strict=True))
    return Notice(made.id, made.path, made.title, made.type, made.impact, components,
                  made.summary, made.updates, made.start, made.end)


@st.composite
def notice_sets(draw: st.DrawFn) -> tuple[Notice, ...]:
    count = draw(st.integers(0, 5))
    return tuple(draw(notices(index)) for index in range(count))


@settings(max_examples=200, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(notice_sets(), HOURS, st.lists(HOURS, min_size=1, max_size=8))
def test_status_at_every_moment_is_what_the_open_page_shows_then(
        found: tuple[Notice, ...], now: datetime, moments: list[datetime]) -> None:
    history = effects(found, now)
    for moment in [m for m in moments if m < now]:
        shown = {s.component.id: s.status for s in select(found, moment, CONFIG).components}
        for component_id in ("web", "api"):
            assert status_at(spans(history.get(component_id, ())), moment) \
                is shown[component_id], (component_id, moment)


@settings(max_examples=200, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(notice_sets(), HOURS)
def test_today_is_at_least_what_the_open_page_shows_at_now(found: tuple[Notice, ...],
                                                           now: datetime) -> None:
    """Today's worst status is the worst of its minutes and of the status at ``now``
    itself (a notice posted at ``now``, a build at midnight), which adds no minutes."""
    shown = {s.component.id: s.status for s in select(found, now, CONFIG).components}
    for history in component_histories(found, [("web", None), ("api", None)], now,
                                       CHICAGO, 7):
        day = history.days[-1]
        if not day.has_data:  # the site's first notice is posted after now
            continue
        spent = [s for s, count in day.seconds if count > 0]
        assert day.worst is max([*spent, shown[history.component_id]], key=lambda s: s.rank)
        assert history.uptime(7) == uptime(history.days[-7:])
        assert sum(count for _, count in day.seconds) == day.length_seconds


@settings(max_examples=200, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(notice_sets(), HOURS)
def test_spans_do_not_overlap_and_days_add_up(found: tuple[Notice, ...], now: datetime
                                              ) -> None:
    merged = spans(effects(found, now).get("web", ()))
    for span in merged:
        assert span.start < span.end <= now and span.status is not OPERATIONAL
    for before, after in itertools.pairwise(merged):
        assert before.end <= after.start
    shown = days(merged, calendar(date(2024, 11, 8), 9, CHICAGO, now), None)
    whole = days(merged, calendar(date(2024, 11, 8), 9, CHICAGO, LATER), None)
    assert sum(d.length for d in whole) == 9 * 1440 + 60  # the week crosses the autumn change
    for day in shown:
        assert sum(m for _, m in day.minutes) == day.length
        present = [s for s, m in day.minutes if m > 0 and s is not OPERATIONAL]
        assert day.worst is (max(present, key=lambda s: s.rank) if present
                             else OPERATIONAL) or day.length == 0
        assert set(day.notices) == {n for s in merged if s.start < day.end
                                    and s.end > day.start for n in s.notices}
    figure = uptime(shown)
    assert figure is not None and 0 <= figure <= 1
    down = sum((s.end - s.start for s in merged if s.status is MAJOR), timedelta())
    if not any(s.status is PARTIAL for s in merged):
        total = sum((d.end - d.start for d in shown), timedelta())
        if total:
            assert figure == 1 - Fraction(int(down.total_seconds()), int(total.total_seconds()))


@settings(max_examples=200, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(notice_sets(), HOURS, HOURS)
def test_a_notice_skipped_as_ended_has_no_effect_after_the_window_starts(
        found: tuple[Notice, ...], now: datetime, window: datetime) -> None:
    for notice in found:
        if ended_before(notice, window):
            assert all(end <= window for _, end in notice_effects(notice, max(now, window)))


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(notices(0).filter(lambda notice: notice.type is NoticeType.MAINTENANCE))
def test_the_api_sees_a_maintenance_go_under_when_the_history_does(notice: Notice) -> None:
    """statuspage.went_under (the API's component changes) is the start of the
    history's first period; None, as called off, exactly when the history has none."""
    after = BASE + timedelta(days=8)
    item = view(notice, after)
    assert item is not None
    periods = notice_effects(notice, after)
    assert went_under(item) == (periods[0][0] if periods else None)



# Times around one window, an hour apart: updates before, at and after its edges.
NEAR_WINDOW = st.integers(0, 6).map(lambda hour: BASE + timedelta(hours=hour))


@st.composite
def maintenances_near_their_window(draw: st.DrawFn) -> Notice:
    """A maintenance of 1 to 2 hours opening at BASE + 4 h, its updates (the first
    Scheduled) anywhere in NEAR_WINDOW, most before it opens: often called off."""
    start = BASE + timedelta(hours=4)
    posted = sorted(draw(st.lists(NEAR_WINDOW, min_size=1, max_size=4, unique=True)))
    statuses = _as_loaded([Status.SCHEDULED] + [draw(MAINTENANCE_STATUSES) for _ in posted[1:]])
    posted = posted[:len(statuses)]
    return maintenance("m", start, start + timedelta(hours=draw(st.integers(1, 2))),
                       *zip(statuses, posted, strict=True))


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(notices(0), maintenances_near_their_window()))
def test_a_view_is_called_off_exactly_when_its_completed_update_calls_it_off(
        notice: Notice) -> None:
    """The pages' 'Called off' (a view: a maintenance completed no later than its window
    opened, none of its updates under way) is the feeds' and emails' (the update that
    does it, timeline.calls_off), at each update and after them all."""
    for now in (*(u.at for u in notice.updates), BASE + timedelta(days=8)):
        item = view(notice, now)
        assert item is not None
        before_window = (notice.is_maintenance and item.ended is not None
                         and item.ended <= item.started
                         and not any(u.status in UNDER_WAY for u in item.updates))
        assert item.called_off is before_window
        assert item.called_off is any(calls_off(notice, u) for u in item.updates)

def _shape(found: tuple[Notice, ...], moment: datetime) -> object:
    """What the pages show of ``found`` at ``moment``, beyond the minutes counted so
    far: each notice's phase and visible updates, each component's status, the day."""
    snapshot = select(found, moment, CONFIG)
    return ([(v.notice.id, v.status, v.is_open, v.is_upcoming, len(v.updates), v.postmortem)
             for v in (*snapshot.open, *snapshot.closed)],
            [(s.component.id, s.status) for s in snapshot.components],
            today(moment, CHICAGO))


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(notice_sets(), HOURS, st.floats(0, 1, exclude_max=True))
def test_nothing_a_page_shows_changes_before_the_next_change(
        found: tuple[Notice, ...], now: datetime, share: float) -> None:
    """The preview rebuilds at next_change when its clock runs: between now and then
    (a moment ``share`` of the way, the last second before it among them), what the
    pages show stays as it is at now."""
    due = next_change(found, now, CHICAGO)
    assert now < due <= now + timedelta(days=1, hours=1)
    gap = int((due - now).total_seconds())
    moment = now + timedelta(seconds=min(int(gap * share), gap - 1))
    assert moment < due
    assert _shape(found, moment) == _shape(found, now)


def test_the_next_change_is_the_soonest_moment_ahead() -> None:
    now = local("2024-11-02 12:00")
    window = maintenance("m", local("2024-11-02 22:00"), local("2024-11-03 02:00"),
                         (Status.SCHEDULED, local("2024-11-01 09:00")))
    # Nothing ahead but midnight, in the zone (the day before the autumn change).
    assert next_change((DIGICERT,), now, CHICAGO) == local("2024-11-03 00:00")
    assert next_change((window,), now, CHICAGO) == local("2024-11-02 22:00")  # it opens
    # It closes at 02:00, after the hour the autumn change repeats.
    assert next_change((window,), local("2024-11-03 01:30", fold=1), CHICAGO) \
        == local("2024-11-03 02:00")
    assert next_change((window,), local("2024-11-03 02:00"), CHICAGO) == local("2024-11-04 00:00")
    ahead = incident("ahead", Impact.MINOR, (Status.INVESTIGATING, local("2024-11-02 11:00")),
                     (Status.RESOLVED, local("2024-11-02 12:30")))
    assert next_change((window, ahead), now, CHICAGO) == local("2024-11-02 12:30")
    later = Postmortem(local("2024-11-02 15:00"), "We found the cause.", 9)
    assert next_change((replace(DIGICERT, postmortem=later),), now, CHICAGO) \
        == local("2024-11-02 15:00")
    # Spring forward: the day ends at 23:00 UTC-6, 05:00 UTC.
    assert next_change((), local("2025-03-08 23:59"), CHICAGO) == local("2025-03-09 00:00")
