"""Working out what to send. Pure: notices, settings, the sent record and the clock in;
the list of pending deliveries out.

A *message* is one notice update (or one maintenance reminder); a *delivery* is a
message for one recipient (an email contact or a webhook). The sent record holds
(message key, recipient id) pairs, so each pair goes out once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Protocol

from generator.core import times
from generator.core.model import (
    Config,
    Notice,
    NoticeType,
    Status,
    Update,
    same_time_suffixes,
    update_stamp,
)
from generator.core.timeline import affected_label, calls_off, update_word, view
from generator.notify.settings import Contact, NotifySettings, Webhook


def stamp(moment: datetime) -> str:
    """A UTC time as it appears in message keys: '20240730T1827Z'."""
    return update_stamp(moment)


@dataclass(frozen=True)
class Message:
    """One thing to tell: a notice update, or a reminder before a maintenance starts."""

    key: str  # 'notice-id/20240730T1827Z' or 'notice-id/reminder/20270110T0400Z'
    notice: Notice
    update: Update | None  # None for a reminder
    at: datetime  # the update's time, or when the reminder fell due
    thread_key: str  # key of the notice's first update: emails of a notice thread on it

    @property
    def is_reminder(self) -> bool:
        return self.update is None

    @property
    def status(self) -> Status:
        return self.update.status if self.update else Status.SCHEDULED

    @property
    def as_posted(self) -> Notice:
        """The notice as it stood once the update was posted: the updates above it at
        its minute came after it (the timeline's rule), so they are left out."""
        updates = self.notice.updates  # newest first
        index = next((i for i, update in enumerate(updates) if update is self.update), None)
        if index is None:  # a reminder, or a postmortem, which is no update
            return self.notice
        return replace(self.notice, updates=updates[index:])

    @property
    def called_off(self) -> bool:
        """The update calls a maintenance off before its window (timeline.calls_off)."""
        return self.update is not None and calls_off(self.notice, self.update)

    @property
    def word(self) -> str:
        """The status as messages say it, as the pages and feeds do (timeline.update_word):
        'Called off' for a Completed that calls a maintenance off."""
        if self.update is None:
            return Status.SCHEDULED.value
        return update_word(self.notice, self.update)


def notice_url(config: Config, message: Message) -> str:
    """Where a message's link leads: the notice's page; a postmortem's section of it, as
    the feeds link it."""
    postmortem = "#postmortem" if message.status is Status.POSTMORTEM else ""
    return f"{config.base_url}notices/{message.notice.id}/{postmortem}"


def facts(config: Config, message: Message, text: Callable[[str], str] = str,
          name: Callable[[str], str] = str) -> list[tuple[str, str]]:
    """What an email's table and a chat reminder list: (label, value) rows, each value
    written by ``text``, a component's name by ``name`` (plain text, or HTML whose
    names are isolated)."""
    notice, zone = message.notice, config.timezone
    names = {c.id: c.name for c in config.components}
    rows = [("Status", text(message.word))]
    if notice.components:
        rows.append((affected_label(message.called_off),
                     ", ".join(name(names.get(c, c)) for c in notice.components)))
    if notice.start is not None:
        rows.append(("Window", text(times.display_range(notice.start, notice.end, zone))))
    if message.update is not None:
        rows.append(("Posted", text(times.display_with_zone(message.update.at, zone))))
    return rows


@dataclass(frozen=True)
class Recipient:
    id: str  # 'email:ops@example.org' or 'webhook:<name>'
    label: str  # for reports
    contact: Contact | None = None
    webhook: Webhook | None = None


@dataclass(frozen=True)
class Delivery:
    message: Message
    recipient: Recipient
    # Reminders this delivery stands for, recorded as sent with it (fold_reminders).
    covers: tuple[Message, ...] = ()


@dataclass(frozen=True)
class Plan:
    deliveries: tuple[Delivery, ...]
    horizon: datetime
    already_sent: int = 0  # deliveries the record says went out
    silent: int = 0  # '[silent]' updates inside the horizon
    too_old: int = 0  # updates before the horizon
    skipped: tuple[str, ...] = field(default=())  # one line per message nobody receives
    before_added: int = 0  # deliveries of updates from before their recipient was added


class SentLookup(Protocol):
    def has(self, key: str, recipient_id: str) -> bool: ...

    def since(self, recipient_id: str) -> datetime | None:
        """From when the recipient is sent updates, if later than the horizon."""
        ...

    def followers(self) -> Callable[[str, str], bool]:
        """Whether a notice (by id) was sent to a recipient (by id)."""
        ...


def update_keys(notice: Notice) -> list[tuple[str, Update]]:
    """Each update's message key, oldest first; equal times get '~2', '~3' suffixes
    (the rule page anchors and feed ids share: core.model.same_time_suffixes)."""
    suffixes = same_time_suffixes(notice.updates)
    return [(f"{notice.id}/{stamp(update.at)}{suffix}", update)
            for update, suffix in reversed(list(zip(notice.updates, suffixes, strict=True)))]


def thread_key(notice: Notice) -> str:
    return update_keys(notice)[0][0]


def recipients(settings: NotifySettings) -> list[Recipient]:
    """Every contact, then every webhook, in outpost.yaml order."""
    people = [Recipient(f"email:{c.email.lower()}", c.email, contact=c)
              for c in settings.contacts]
    hooks = [Recipient(f"webhook:{w.name}", f"webhook {w.name} ({w.format})", webhook=w)
             for w in settings.webhooks]
    return people + hooks


def wants(recipient: Recipient, notice: Notice) -> bool:
    """Whether a recipient's component and type filters let this notice through.

    A notice that names no component concerns everyone.
    """
    rule = recipient.contact or recipient.webhook
    assert rule is not None
    if rule.types and notice.type.value not in rule.types:
        return False
    return not (rule.components and notice.components
                and not set(rule.components) & set(notice.components))


def reminder(notice: Notice, now: datetime, before: timedelta | None) -> Message | None:
    """The reminder of a maintenance, if one is due at ``now``.

    Due from ``start - before`` until the start, while the maintenance is still
    upcoming (not completed, nor begun early by an In progress or Verifying update:
    'starts at' would be wrong), unless it was only announced after the reminder time
    (the announcement itself tells people then).
    """
    if (before is None or notice.type is not NoticeType.MAINTENANCE or notice.start is None):
        return None
    due = notice.start - before
    if not (due <= now < notice.start) or notice.posted_at >= due:
        return None
    seen = view(notice, now)
    if seen is None or not seen.is_upcoming:
        return None
    return Message(f"{notice.id}/reminder/{stamp(notice.start)}", notice, None, due,
                   thread_key(notice))


def messages(notices: Iterable[Notice], now: datetime, horizon: datetime,
             remind_before: timedelta | None) -> tuple[list[Message], int, int]:
    """Messages due at ``now`` from the horizon on, oldest first; and the counts of
    silent updates and of updates before the horizon."""
    found: list[Message] = []
    silent = too_old = 0
    for notice in notices:
        if not notice.updates:
            continue
        root = thread_key(notice)
        for key, update in update_keys(notice):
            if update.at > now:
                continue
            if update.at < horizon:
                too_old += 1
            elif not update.notify:
                silent += 1
            else:
                found.append(Message(key, notice, update, update.at, root))
        postmortem = notice.postmortem  # announced once, under its own key
        if postmortem is not None and postmortem.at <= now:
            if postmortem.at < horizon:
                too_old += 1
            elif not postmortem.notify:
                silent += 1
            else:
                found.append(Message(f"{notice.id}/postmortem", notice,
                                     postmortem.as_update(), postmortem.at, root))
        due = reminder(notice, now, remind_before)
        if due is not None and due.at >= horizon:
            found.append(due)
    found.sort(key=lambda m: (m.at, m.notice.id, m.key))
    return found, silent, too_old


def _minute_of(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.replace(second=0, microsecond=0)


def pending(notices: Iterable[Notice], settings: NotifySettings, sent: SentLookup,
            now: datetime, horizon: datetime) -> Plan:
    """Every delivery not yet in the record, oldest message first."""
    due, silent, too_old = messages(notices, now, horizon, settings.remind_before)
    everyone = recipients(settings)
    deliveries: list[Delivery] = []
    skipped: list[str] = []
    already = before_added = 0
    # From the start of the minute: an update's time is to the minute, a recipient's
    # start to the second (the run before it was added), and an update posted later in
    # that minute read as older than the start.
    since = {recipient.id: _minute_of(sent.since(recipient.id)) for recipient in everyone}
    followers = sent.followers()
    for message in due:
        # Told of a notice, a recipient hears the rest of it, though an edit of its
        # components left their filter out: else the last they heard of an outage
        # was that it was going on.
        wanted = [r for r in everyone
                  if wants(r, message.notice) or followers(message.notice.id, r.id)]
        if not wanted:
            skipped.append(f"{message.key}: no contact or webhook wants this notice")
        for recipient in wanted:
            added = since[recipient.id]
            if sent.has(message.key, recipient.id):
                already += 1
            elif added is not None and message.at < added:
                before_added += 1
            else:
                deliveries.append(Delivery(message, recipient))
    return Plan(tuple(fold_reminders(deliveries)), horizon, already, silent, too_old,
                tuple(skipped), before_added)


def fold_reminders(deliveries: list[Delivery]) -> list[Delivery]:
    """A maintenance's reminder due in the run that also sends the recipient an update
    of it (its announcement, first told after the reminder time) goes with the last
    such update instead: each shows the window, and a reminder a second after the
    announcement says nothing new. Recorded with that update, it is never sent alone."""
    last: dict[tuple[str, str], int] = {}
    for index, delivery in enumerate(deliveries):
        if not delivery.message.is_reminder:
            last[(delivery.recipient.id, delivery.message.notice.id)] = index
    result: list[Delivery | None] = list(deliveries)
    for index, delivery in enumerate(deliveries):
        host = last.get((delivery.recipient.id, delivery.message.notice.id))
        if delivery.message.is_reminder and host is not None:
            carrier = result[host]
            assert carrier is not None
            result[host] = replace(carrier, covers=(*carrier.covers, delivery.message))
            result[index] = None
    return [delivery for delivery in result if delivery is not None]
