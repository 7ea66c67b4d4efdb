"""Working out pending messages: pure, from notices + record + now + horizon."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from generator.app import schema
from generator.core.model import Config, Notice
from generator.notices.loader import parse_notice
from generator.notify.plan import Plan, pending, update_keys
from generator.notify.record import SentRecord
from generator.notify.settings import NotifySettings

CONFIG = """\
title: T
base_url: https://status.example.org/
timezone: UTC
components:
  - id: web
    name: Web
  - id: api
    name: API
notify:
  since: 2026-11-01 00:00
  remind_before: 2h
  from: s@example.org
  smtp:
    host: localhost
  contacts:
    - email: all@example.org
    - email: api@example.org
      components: [api]
    - email: maint@example.org
      types: [maintenance]
  webhooks:
    - name: hook
      url: https://example.org/hook
      types: [incident]
"""
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def setup(extra: str = "") -> tuple[Config, NotifySettings]:
    config = schema().parse(CONFIG + extra)
    settings = config.extra("notify")
    assert isinstance(settings, NotifySettings)
    return config, settings


def notice(config: Config, notice_id: str, text: str) -> Notice:
    return parse_notice(text, f"notices/{notice_id}.md", notice_id, config)


def incident(config: Config, components: str = "[web]") -> Notice:
    return notice(config, "outage", f"""\
---
title: Outage
type: incident
components: {components}
---
## Update - 2026-11-28 13:00
From the future: posted ahead, not visible yet.

## Update - 2026-11-28 10:00 [silent]
Typo fix.

## Investigating - 2026-11-28 09:00
Looking.

## Investigating - 2026-10-31 23:59
Before the horizon.
""")


def maintenance(config: Config, start: str = "2026-11-28 13:00",
                posted: str = "2026-11-20 08:00", extra: str = "") -> Notice:
    return notice(config, "upgrade", f"""\
---
title: Upgrade
type: maintenance
components: [api]
start: {start}
end: 2026-11-28 23:00
---
{extra}
## Scheduled - {posted}
Planned.
""")


def who(plan: Plan) -> list[tuple[str, str]]:
    return [(d.message.key, d.recipient.id) for d in plan.deliveries]


def test_only_visible_updates_from_the_horizon_on_and_not_silent() -> None:
    config, settings = setup()
    horizon = settings.since.resolve(NOW, config.timezone)
    plan = pending([incident(config)], settings, SentRecord(), NOW, horizon)
    assert who(plan) == [("outage/20261128T0900Z", "email:all@example.org"),
                         ("outage/20261128T0900Z", "webhook:hook")]
    assert (plan.silent, plan.too_old, plan.already_sent) == (1, 1, 0)


def test_a_duration_horizon_counts_back_from_now() -> None:
    config, settings = setup()
    plan = pending([incident(config)], settings, SentRecord(), NOW,
                   NOW - timedelta(hours=2))
    assert plan.deliveries == () and plan.too_old == 2 and plan.silent == 1


def test_component_filters_let_notices_without_components_through() -> None:
    config, settings = setup()
    plan = pending([incident(config, "[]")], settings, SentRecord(), NOW,
                   datetime(2026, 11, 1, tzinfo=UTC))
    assert [r for _, r in who(plan)] == ["email:all@example.org", "email:api@example.org",
                                         "webhook:hook"]
    plan = pending([incident(config, "[web, api]")], settings, SentRecord(), NOW,
                   datetime(2026, 11, 1, tzinfo=UTC))
    assert [r for _, r in who(plan)] == ["email:all@example.org", "email:api@example.org",
                                         "webhook:hook"]


def test_a_recipient_told_of_a_notice_hears_the_rest_after_its_components_narrow() -> None:
    """api@ was told of an outage on web and api; the notice's components were then
    edited to web alone, and api@ never heard it was resolved. Told of a notice, a
    recipient hears the rest of it; one never told is not sent it now."""
    config, settings = setup()
    horizon = datetime(2026, 11, 1, tzinfo=UTC)
    record = SentRecord()
    for key, recipient in who(pending([incident(config, "[web, api]")], settings, record,
                                      NOW, horizon)):
        record.add(key, datetime(2026, 11, 28, 9, 0, tzinfo=UTC), recipient)
    narrowed = notice(config, "outage", INCIDENT_RESOLVED)
    plan = pending([narrowed], settings, record, NOW, horizon)
    assert who(plan) == [("outage/20261128T1100Z", "email:all@example.org"),
                         ("outage/20261128T1100Z", "email:api@example.org"),
                         ("outage/20261128T1100Z", "webhook:hook")]
    assert who(pending([narrowed], settings, SentRecord(), NOW, horizon)) == [
        ("outage/20261128T0900Z", "email:all@example.org"),
        ("outage/20261128T0900Z", "webhook:hook"),
        ("outage/20261128T1100Z", "email:all@example.org"),
        ("outage/20261128T1100Z", "webhook:hook")]


INCIDENT_RESOLVED = """\
---
title: Outage
type: incident
components: [web]
---
## Resolved - 2026-11-28 11:00
Fixed. The API was not affected after all.

## Investigating - 2026-11-28 09:00
Looking.
"""


def test_nobody_wanting_a_message_is_reported() -> None:
    config, settings = setup("""\
    - name: only-api
      url: https://example.org/api
      components: [api]
""")
    only_api = NotifySettings(**{**settings.__dict__, "contacts": settings.contacts[1:2],
                                 "webhooks": settings.webhooks[1:]})
    plan = pending([incident(config)], only_api, SentRecord(), NOW,
                   datetime(2026, 11, 1, tzinfo=UTC))
    assert plan.deliveries == ()
    assert plan.skipped == ("outage/20261128T0900Z: no contact or webhook wants this notice",)


def test_record_entries_are_not_sent_again() -> None:
    config, settings = setup()
    record = SentRecord()
    record.add("outage/20261128T0900Z", NOW, "email:ALL@example.org")
    plan = pending([incident(config)], settings, record, NOW,
                   datetime(2026, 11, 1, tzinfo=UTC))
    assert who(plan) == [("outage/20261128T0900Z", "webhook:hook")]
    assert plan.already_sent == 1


def reminder_keys(config: Config, settings: NotifySettings, item: Notice,
                  now: datetime = NOW) -> list[tuple[str, str]]:
    """The reminders due, sent alone or with an update of their maintenance."""
    plan = pending([item], settings, SentRecord(), now, datetime(2026, 11, 1, tzinfo=UTC))
    return [(message.key, delivery.recipient.id) for delivery in plan.deliveries
            for message in (delivery.message, *delivery.covers) if message.is_reminder]


def test_maintenance_reminder_is_due_from_remind_before_until_start() -> None:
    config, settings = setup()
    item = maintenance(config)
    expected = [("upgrade/reminder/20261128T1300Z", "email:all@example.org"),
                ("upgrade/reminder/20261128T1300Z", "email:api@example.org"),
                ("upgrade/reminder/20261128T1300Z", "email:maint@example.org")]
    assert reminder_keys(config, settings, item, NOW - timedelta(hours=1, minutes=1)) == []
    assert reminder_keys(config, settings, item, NOW - timedelta(hours=1)) == expected
    assert reminder_keys(config, settings, item, NOW + timedelta(minutes=59)) == expected
    assert reminder_keys(config, settings, item, NOW + timedelta(hours=1)) == []


def test_no_reminder_when_announced_late_completed_or_switched_off() -> None:
    config, settings = setup()
    at = NOW - timedelta(minutes=30)
    late = maintenance(config, posted="2026-11-28 11:30")
    assert reminder_keys(config, settings, late, at) == []
    done = maintenance(config, extra="## Completed - 2026-11-28 11:00\nCancelled.\n")
    assert reminder_keys(config, settings, done, at) == []
    off = NotifySettings(**{**settings.__dict__, "remind_before": None})
    assert reminder_keys(config, off, maintenance(config), at) == []


def test_a_reminder_due_with_its_announcement_goes_with_it_not_a_second_after() -> None:
    """Announced before the reminder time but first told inside it (no run between, or
    notify set up since): each recipient got the announcement, then the reminder a
    second later. The announcement, which shows the window, now stands for it."""
    config, settings = setup()
    item = maintenance(config)
    horizon = datetime(2026, 11, 1, tzinfo=UTC)
    plan = pending([item], settings, SentRecord(), NOW - timedelta(minutes=30), horizon)
    assert who(plan) == [("upgrade/20261120T0800Z", "email:all@example.org"),
                         ("upgrade/20261120T0800Z", "email:api@example.org"),
                         ("upgrade/20261120T0800Z", "email:maint@example.org")]
    assert [[m.key for m in d.covers] for d in plan.deliveries] == [
        ["upgrade/reminder/20261128T1300Z"]] * 3
    # Told of it by an earlier run, a recipient gets the reminder alone.
    record = SentRecord()
    record.add("upgrade/20261120T0800Z", NOW, "email:api@example.org")
    plan = pending([item], settings, record, NOW - timedelta(minutes=30), horizon)
    alone = [d for d in plan.deliveries if d.recipient.id == "email:api@example.org"]
    assert [(d.message.key, d.covers) for d in alone] == [("upgrade/reminder/20261128T1300Z", ())]


def test_a_moved_maintenance_gets_a_new_reminder_key() -> None:
    config, settings = setup()
    moved = maintenance(config, start="2026-11-28 14:00")
    assert reminder_keys(config, settings, moved, NOW + timedelta(minutes=30))[0][0] == (
        "upgrade/reminder/20261128T1400Z")


def test_updates_at_the_same_minute_get_distinct_keys() -> None:
    config, _ = setup()
    item = notice(config, "twice", """\
---
title: Twice
type: incident
---
## Update - 2026-11-28 09:00
Second.

## Investigating - 2026-11-28 09:00
First.
""")
    assert [key for key, _ in update_keys(item)] == ["twice/20261128T0900Z",
                                                      "twice/20261128T0900Z~2"]


def test_a_message_is_described_without_doubling_its_word() -> None:
    """Run listings name each message: 'Update update of' was doubled for an update
    posted without a status, and a postmortem, no update, was one too."""
    from generator.notify.plan import Message
    from generator.notify.run import describe

    config, _ = setup()
    outage = notice(config, "outage", """\
---
title: Outage
type: incident
components: [web]
---
## Postmortem - 2026-11-28 12:00
What happened.

## Resolved - 2026-11-28 11:00
Fixed.

## Update - 2026-11-28 10:00
Still looking.

## Investigating - 2026-11-28 09:00
Looking.
""")
    assert outage.postmortem is not None
    said = [describe(config, Message("k", outage, update, update.at, "k"))
            for update in (*outage.updates, outage.postmortem.as_update())]
    assert [line.split(": ")[1] for line in said] == [
        "Resolved update of 2026-11-28 11:00", "Update of 2026-11-28 10:00",
        "Investigating update of 2026-11-28 09:00", "Postmortem of 2026-11-28 12:00"]


def test_a_called_off_maintenance_is_described_as_the_pages_name_it() -> None:
    """A Completed posted before the window calls the maintenance off: the run's listing
    says 'Called off', as the pages, feeds and the message itself do."""
    from generator.notify.plan import Message
    from generator.notify.run import describe

    config, _ = setup()
    upgrade = notice(config, "upgrade", """\
---
title: Upgrade
type: maintenance
components: [web]
start: 2026-11-30 22:00
end: 2026-11-30 23:00
---
## Completed - 2026-11-29 09:00
Not needed after all.

## Scheduled - 2026-11-28 09:00
Planned.
""")
    said = [describe(config, Message("k", upgrade, update, update.at, "k"))
            for update in upgrade.updates]
    assert [line.split(": ")[1] for line in said] == [
        "Called off update of 2026-11-29 09:00", "Scheduled update of 2026-11-28 09:00"]
