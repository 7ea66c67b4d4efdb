"""What is open and closed at ``now``: visibility, transitions, banner, components."""

from __future__ import annotations

from datetime import datetime

from generator.app import schema
from generator.core.model import ComponentStatus, Notice, Status
from generator.core.timeline import Banner, calls_off, select, view
from generator.core.times import parse_time
from generator.notices.loader import parse_notice
from generator.render.pages import banner_text
from tests.conftest import MINIMAL_CONFIG

CONFIG = schema().parse(MINIMAL_CONFIG)


def at(text: str) -> datetime:
    return parse_time(text, CONFIG.timezone)


def notice(text: str, notice_id: str = "n") -> Notice:
    return parse_notice(text, f"notices/{notice_id}.md", notice_id, CONFIG)


INCIDENT = notice("""---
title: Outage
type: incident
impact: critical
components: [web]
---
## Resolved - 2026-05-01 12:00
Fixed.

## Update - 2026-05-01 11:30
Still watching.

## Monitoring - 2026-05-01 11:00
Fix applied.

## Investigating - 2026-05-01 10:00
Looking.
""", "outage")

MAINTENANCE = notice("""---
title: Upgrade
type: maintenance
components: [api]
start: 2026-05-10 22:00
end: 2026-05-11 02:00
---
## Scheduled - 2026-04-26 09:00
Planned.
""", "upgrade")


def test_incident_is_invisible_before_its_first_update() -> None:
    assert view(INCIDENT, at("2026-05-01 09:59")) is None
    seen = view(INCIDENT, at("2026-05-01 10:00"))
    assert seen is not None and seen.status is Status.INVESTIGATING and seen.is_open


def test_incident_progress_and_update_keeps_previous_status() -> None:
    seen = view(INCIDENT, at("2026-05-01 11:45"))
    assert seen is not None
    assert seen.status is Status.MONITORING  # "Update" is news, not a state
    assert seen.latest.status is Status.UPDATE
    assert [u.status for u in seen.updates] == [Status.UPDATE, Status.MONITORING,
                                                Status.INVESTIGATING]
    done = view(INCIDENT, at("2026-05-01 12:00"))
    assert done is not None and not done.is_open and done.status is Status.RESOLVED
    assert (done.started, done.ended) == (at("2026-05-01 10:00"), at("2026-05-01 12:00"))


def test_incident_of_only_updates_is_investigating() -> None:
    only = notice("---\ntitle: T\ntype: incident\n---\n## Update - 2026-05-01 10:00\nx\n")
    seen = view(only, at("2026-06-01 00:00"))
    assert seen is not None and seen.status is Status.INVESTIGATING and seen.is_open


def test_maintenance_moves_through_its_window_by_itself() -> None:
    assert view(MAINTENANCE, at("2026-04-26 08:59")) is None
    states = {now: view(MAINTENANCE, at(now)) for now in (
        "2026-04-26 09:00", "2026-05-10 21:59", "2026-05-10 22:00", "2026-05-11 01:59",
        "2026-05-11 02:00")}
    assert {now: (v.status, v.is_open) for now, v in states.items() if v} == {
        "2026-04-26 09:00": (Status.SCHEDULED, True),
        "2026-05-10 21:59": (Status.SCHEDULED, True),
        "2026-05-10 22:00": (Status.IN_PROGRESS, True),
        "2026-05-11 01:59": (Status.IN_PROGRESS, True),
        "2026-05-11 02:00": (Status.COMPLETED, False),
    }
    last = states["2026-05-11 02:00"]
    assert last is not None and (last.started, last.ended) == (at("2026-05-10 22:00"),
                                                               at("2026-05-11 02:00"))


def test_maintenance_updates_inside_and_around_the_window() -> None:
    text = """---
title: Upgrade
type: maintenance
start: 2026-05-10 22:00
end: 2026-05-11 02:00
---
## Completed - 2026-05-11 00:40
Done early.

## Verifying - 2026-05-11 00:10
Checking.

## In progress - 2026-05-10 21:50
Started ten minutes early.

## Scheduled - 2026-04-26 09:00
Planned.
"""
    item = notice(text)
    early = view(item, at("2026-05-10 21:55"))
    assert early is not None and early.status is Status.IN_PROGRESS and early.is_open
    verifying = view(item, at("2026-05-11 00:20"))
    assert verifying is not None and verifying.status is Status.VERIFYING
    done = view(item, at("2026-05-11 00:40"))
    assert done is not None and done.status is Status.COMPLETED and not done.is_open
    assert done.ended == at("2026-05-11 00:40")


def test_maintenance_overrunning_window_counts_as_completed_at_end() -> None:
    late = notice(MAINTENANCE_TEXT_WITH_LATE_COMPLETION)
    over = view(late, at("2026-05-11 02:30"))
    assert over is not None and over.status is Status.COMPLETED and not over.is_open
    assert over.ended == at("2026-05-11 02:00")
    # The Completed update posted later finds it over: the end stays the window's.
    final = view(late, at("2026-05-11 03:00"))
    assert final is not None and final.ended == at("2026-05-11 02:00")


MAINTENANCE_TEXT_WITH_LATE_COMPLETION = """---
title: Upgrade
type: maintenance
start: 2026-05-10 22:00
end: 2026-05-11 02:00
---
## Completed - 2026-05-11 02:45
Took longer than planned.

## Scheduled - 2026-04-26 09:00
Planned.
"""


def test_snapshot_banner_order_and_components() -> None:
    minor = notice("---\ntitle: Slow\ntype: incident\nimpact: minor\ncomponents: [web, api]\n"
                   "---\n## Investigating - 2026-05-10 23:00\nSlow.\n", "slow")
    notices = [MAINTENANCE, INCIDENT, minor]
    quiet = select(notices, at("2026-04-01 00:00"), CONFIG)
    assert quiet.banner is Banner.NONE
    assert banner_text(quiet, CONFIG.timezone).label == "No current open notifications"
    planned = select(notices, at("2026-05-01 13:00"), CONFIG)
    assert planned.banner is Banner.MAINTENANCE
    assert banner_text(planned, CONFIG.timezone).label == "Scheduled maintenance"
    assert [v.notice.id for v in planned.closed] == ["outage"]
    assert {c.component.id: c.status for c in planned.components} == {
        "web": ComponentStatus.OPERATIONAL, "api": ComponentStatus.OPERATIONAL}
    busy = select(notices, at("2026-05-10 23:30"), CONFIG)
    assert busy.banner is Banner.INCIDENT
    text = banner_text(busy, CONFIG.timezone)
    assert (text.label, text.detail, text.path) == (
        "Degraded performance", "Slow, and 1 more notice", "#notice-slow")
    assert [v.notice.id for v in busy.open] == ["slow", "upgrade"]  # incidents first
    assert {c.component.id: c.status for c in busy.components} == {
        "web": ComponentStatus.DEGRADED_PERFORMANCE,
        "api": ComponentStatus.DEGRADED_PERFORMANCE}  # worse than under maintenance
    during = select([MAINTENANCE], at("2026-05-10 23:30"), CONFIG)
    assert banner_text(during, CONFIG.timezone).label == "Maintenance in progress"
    assert banner_text(during, CONFIG.timezone).path == "#notice-upgrade"
    assert {c.component.id: c.status for c in during.components}["api"] is (
        ComponentStatus.UNDER_MAINTENANCE)


def test_incident_impact_sets_component_status() -> None:
    seen = select([INCIDENT], at("2026-05-01 10:30"), CONFIG)
    assert {c.component.id: c.status for c in seen.components} == {
        "web": ComponentStatus.MAJOR_OUTAGE, "api": ComponentStatus.OPERATIONAL}


def test_closed_newest_first() -> None:
    later = notice("---\ntitle: Later\ntype: incident\n---\n## Resolved - 2026-06-01 10:30\n"
                   "ok\n\n## Investigating - 2026-06-01 10:00\nx\n", "later")
    snapshot = select([INCIDENT, MAINTENANCE, later], at("2026-07-01 00:00"), CONFIG)
    assert [v.notice.id for v in snapshot.closed] == ["later", "upgrade", "outage"]
    assert snapshot.open == ()


def test_updates_sorted_by_time_whatever_the_file_order() -> None:
    shuffled = notice("---\ntitle: T\ntype: incident\n---\n"
                      "## Investigating - 2026-05-01 10:00\na\n\n"
                      "## Resolved - 2026-05-01 12:00\nc\n\n"
                      "## Identified - 2026-05-01 11:00\nb\n")
    assert [u.body for u in shuffled.updates] == ["c", "b", "a"]


def test_maintenance_completed_before_its_window_shows_the_planned_window() -> None:
    """Called off: closed at the Completed update, and the range pages show is the
    planned window, not one that ends before it starts."""
    called_off = notice("""---
title: Upgrade
type: maintenance
start: 2026-05-10 22:00
end: 2026-05-11 02:00
---
## Completed - 2026-05-10 18:00
Called off: the vendor postponed the upgrade.

## Scheduled - 2026-04-26 09:00
Planned.
""")
    item = view(called_off, at("2026-05-10 19:00"))
    assert item is not None and item.status is Status.COMPLETED and not item.is_open
    assert item.ended == at("2026-05-10 18:00")
    assert (item.started, item.shown_end) == (at("2026-05-10 22:00"), at("2026-05-11 02:00"))
    on_time = view(notice(MAINTENANCE_TEXT_WITH_LATE_COMPLETION), at("2026-05-11 03:00"))
    assert on_time is not None and on_time.shown_end == at("2026-05-11 02:00")
    as_it_opens = view(notice("""---
title: Upgrade
type: maintenance
start: 2026-05-10 22:00
end: 2026-05-11 02:00
---
## Completed - 2026-05-10 22:00
Called off as the window opened.

## Scheduled - 2026-04-26 09:00
Planned.
"""), at("2026-05-11 03:00"))
    assert as_it_opens is not None
    assert (as_it_opens.started, as_it_opens.shown_end) == (at("2026-05-10 22:00"),
                                                            at("2026-05-11 02:00"))


# Begun by an In progress update before its window, completed before the window opened.
DONE_EARLY = """---
title: Storage migration
type: maintenance
start: 2026-12-05 22:00
end: 2026-12-06 02:00
---
## Completed - 2026-12-05 21:50
Done early.

## In progress - 2026-12-05 21:30
Started early.

## Scheduled - 2026-11-29 13:10
Planned.
"""


def test_a_maintenance_done_before_its_window_changed_last_when_it_was_done() -> None:
    """Begun early and completed before its window opened: the window's start, later,
    is no change (the API's updated_at stays at the Completed update)."""
    from generator.core.statuspage import changed_at

    early = notice(DONE_EARLY)
    for now in ("2026-12-05 21:55", "2026-12-05 22:30", "2026-12-07 00:00"):
        item = view(early, at(now))
        assert item is not None and changed_at(item, at(now)) == at("2026-12-05 21:50"), now


def test_a_maintenance_begun_early_and_done_before_its_window_was_not_called_off() -> None:
    """An In progress update before the window put its components under maintenance (the
    API and the bars say so): completed before the window opened, it was done early, not
    called off, so its pages say 'Affected' and 'Completed'. It still shows the planned
    window, never a range that ends before it starts."""
    early = notice(DONE_EARLY)
    item = view(early, at("2026-12-07 00:00"))
    assert item is not None and not item.called_off
    assert not calls_off(early, item.latest)  # the feeds' word for it: Completed
    assert (item.started, item.shown_end) == (at("2026-12-05 22:00"), at("2026-12-06 02:00"))
