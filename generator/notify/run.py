"""``outpost notify``: plan, deliver one by one, record after each delivery."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial

from generator.build.inputs import Project, inputs_digest, load_valid
from generator.core import times
from generator.core.errors import OutpostError
from generator.core.model import Config, Notice, Status
from generator.core.wording import counted, noun
from generator.disk import stops_held
from generator.notify import mail, mrkdwn, webhooks
from generator.notify.plan import Delivery, Message, Plan, pending, recipients
from generator.notify.record import (
    LocalStore,
    RecordStore,
    SentRecord,
    TargetStore,
    earlier_stores,
    load_record,
    save_record,
    store_for,
)
from generator.notify.settings import NotifySettings, Webhook, is_bare_address
from generator.publish.base import PublishError, TargetKinds
from generator.render.manifest import BUILD_INPUTS
from generator.render.markup import MarkdownRenderer

Echo = Callable[[str], None]
NO_SECTION = ("outpost.yaml has no 'notify:' section: add one with 'since' and contacts or "
              "webhooks (see the README, 'Notifications')")


@dataclass
class Context:
    """Everything a run needs; the clock, the environment and sleeping are arguments."""

    config: Config
    settings: NotifySettings
    notices: tuple[Notice, ...]
    now: datetime
    environ: Mapping[str, str]
    echo: Echo
    sleep: Callable[[float], None] = time.sleep
    markdown: Callable[[str], str] = field(default=str)
    smtp: mail.SmtpSender | None = None
    inputs: str = ""  # the digest a build of these files carries (manifest.json's inputs)

    def close(self) -> None:
        if self.smtp is not None:
            self.smtp.close()

    def abort(self) -> None:
        if self.smtp is not None:
            self.smtp.abort()


def load(project: Project, now: datetime, environ: Mapping[str, str], echo: Echo,
         sleep: Callable[[float], None] = time.sleep) -> Context:
    """Validate the repository and read the notify settings; raise if unusable."""
    checked = load_valid(project, "Nothing was sent.")
    settings = checked.config.extra("notify")
    if not isinstance(settings, NotifySettings):
        raise OutpostError(NO_SECTION)
    return Context(checked.config, settings, checked.notices, now, environ, echo, sleep,
                   MarkdownRenderer(), inputs=inputs_digest(project.root, checked.digests))


def served_build(ctx: Context, store: RecordStore) -> tuple[str | None, datetime | None]:
    """Why the primary target does not serve a build of these files (its manifest's
    inputs differ, or it holds none), or None when it does or cannot be asked; and when
    the build it serves was made, if known. Every link of a message points there, and
    the page it names must say what the message says."""
    if not isinstance(store, TargetStore):
        return None, None
    target = store.target
    try:
        served = target.published()
    except PublishError as exc:
        raise OutpostError(f"could not read what publish target '{target.name}' serves; "
                           f"nothing was sent (run outpost notify again once it can be "
                           f"read): {exc}") from None
    if served is None:
        return f"publish target '{target.name}' serves no build yet", None
    if not served.built_from(ctx.inputs):
        return (f"publish target '{target.name}' serves build {served.build_id}, made from "
                f"other {BUILD_INPUTS} than these"), None
    try:
        return None, datetime.fromisoformat(served.generated_at)
    except ValueError:  # an old or hand-made manifest: its time cannot be read
        return None, None


def hold_back(plan: Plan, made: datetime | None) -> tuple[Plan, list[Message]]:
    """The plan without the updates that came due after the served build was ``made``
    (dated ahead, or a window edge): its pages do not show them yet, so they wait for
    the next run after a newer build is published (a later update of the same notice
    is later still, so each recipient still reads them in order). A reminder changes
    no page and is never held."""
    if made is None:
        return plan, []

    def shown(message: Message) -> bool:
        return message.is_reminder or message.at <= made

    held: list[Message] = []
    for delivery in plan.deliveries:
        if not shown(delivery.message) and not any(delivery.message is m for m in held):
            held.append(delivery.message)
    return replace(plan, deliveries=tuple(d for d in plan.deliveries if shown(d.message))), held


def describe(config: Config, message: Message) -> str:
    when = times.write_time(message.at, config.timezone)
    # 'Investigating update of ...', but 'Update of ...' and 'Postmortem of ...': the
    # word alone says it ('Update update of' was doubled); 'Called off' as pages say it.
    word = message.word if message.word in (Status.UPDATE.value, Status.POSTMORTEM.value) \
        else f"{message.word} update"
    what = f"reminder due {when}" if message.is_reminder else f"{word} of {when}"
    return f"{message.notice.id}: {what}: \"{mail.subject(config, message)}\""


def deliver(ctx: Context, delivery: Delivery) -> str:
    """Send one delivery; returns what happened, raises on failure."""
    message, recipient = delivery.message, delivery.recipient
    if recipient.contact is not None:
        assert ctx.settings.smtp is not None
        if ctx.smtp is None:
            ctx.smtp = mail.SmtpSender(ctx.settings.smtp, ctx.environ)
        ctx.smtp.send(mail.compose(ctx.config, ctx.settings, message, recipient.contact,
                                   ctx.now, ctx.markdown))
        return f"via {ctx.smtp.where}"
    hook = recipient.webhook
    assert hook is not None
    payload = (webhooks.statuspage_payload(ctx.config, message, ctx.notices)
               if hook.format == "statuspage"
               else webhooks.slack_payload(ctx.config, message,
                                           mail.subject(ctx.config, message), ctx.markdown))
    url = webhooks.resolve_url(hook, ctx.environ)
    log = webhooks.post(hook, url, payload, message.key, ctx.sleep)
    return log[-1] + (f" after {len(log)} attempts" if len(log) > 1 else "")


def report_plan(ctx: Context, plan: Plan, store: RecordStore, dry_run: bool = False,
                held: tuple[list[Message], datetime | None] = ([], None)) -> None:
    """What is due and to whom, and what is ``held`` back (hold_back: the messages, when
    the served build was made); a dry run also names a webhook that cannot be sent to
    (its url_env variable unset here), which the real run would report as failed."""
    zone = ctx.config.timezone
    ctx.echo(f"Horizon: updates from {times.write_time(plan.horizon, zone)} on "
             f"(notify.since: {ctx.settings.since.text}).")
    ctx.echo(f"Sent record: {store.description}; {plan.already_sent} due "
             f"{noun(plan.already_sent, 'delivery', 'deliveries')} already sent.")
    current: Message | None = None
    for delivery in plan.deliveries:
        if delivery.message is not current:
            current = delivery.message
            ctx.echo(f"  {describe(ctx.config, current)}")
        covered = "".join(f" (stands for {message.key}: the window is in it)"
                          for message in delivery.covers)
        ctx.echo(f"    -> {delivery.recipient.label}{covered}"
                 f"{_unreachable(delivery.recipient.webhook, ctx) if dry_run else ''}")
    for line in plan.skipped:
        ctx.echo(f"  (nobody: {line})")
    messages, made = held
    for message in messages:
        assert made is not None
        ctx.echo(f"Held back: {describe(ctx.config, message)}: the primary target serves "
                 f"a build made at {times.write_time(made, zone)}, before it came due; "
                 "notify sends it once a build made since is published.")
    if plan.silent or plan.too_old:
        ctx.echo(f"Not sent: {counted(plan.silent, 'silent update')}, "
                 f"{counted(plan.too_old, 'update')} before the horizon.")
    if plan.before_added:
        ctx.echo(f"Not sent: {counted(plan.before_added, 'delivery', 'deliveries')} of "
                 "updates from before their contact or webhook was added.")


def _unreachable(hook: Webhook | None, ctx: Context) -> str:
    """': would fail: <why>' when the webhook's URL is not to be had, else ''."""
    if hook is None:
        return ""
    try:
        webhooks.resolve_url(hook, ctx.environ)
    except webhooks.WebhookFailed as exc:
        return f": would fail: {exc}"
    return ""


def run(ctx: Context, store: RecordStore, dry_run: bool,
        earlier: Callable[[], Sequence[RecordStore]] = tuple) -> tuple[int, int]:
    """Deliver everything pending; returns (sent, failed). Dry runs send nothing.
    ``earlier``: where the record may be while ``store`` holds none (earlier_stores)."""
    settings, config = ctx.settings, ctx.config
    horizon = settings.since.resolve(ctx.now, config.timezone)
    record, found_in = load_record(store, earlier)
    if found_in:
        kept = (f"the next run that is not a dry run keeps it on {store.description}"
                if dry_run else f"it is kept on {store.description} from this run on")
        ctx.echo(f"Note: {store.description} holds no sent record yet: the one in "
                 f"{' and '.join(found_in)}, where it was kept before, was read; {kept}.")
    added = record.welcome([recipient.id for recipient in recipients(settings)])
    added_from = record.written  # before this run writes it
    plan = pending(ctx.notices, settings, record, ctx.now, horizon)
    why, made = served_build(ctx, store) if plan.deliveries else (None, None)
    plan, held = hold_back(plan, made)
    count = len(plan.deliveries)
    if dry_run:
        ctx.echo(f"Dry run: would send {counted(count, 'delivery', 'deliveries')}; "
                 "nothing is sent or recorded.")
        if why is not None:
            ctx.echo(f"Note: {why}: the real run would send nothing until it does.")
        _report_added(ctx, added, added_from)
        report_plan(ctx, plan, store, dry_run=True, held=(held, made))
        return 0, 0
    if why is not None:
        raise OutpostError(f"{why}: the messages would link pages that do not say what "
                           "they say. Run 'outpost build' and 'outpost publish --primary' "
                           "(pull first if someone published since), then outpost notify "
                           "again. Nothing was sent.")
    # Kept in store from now on, even if nothing is sent: the next runs need not look
    # for it elsewhere, and know when a recipient new to this run was added.
    if found_in is not None or added:
        _keep(store, record, ctx.now)
    if isinstance(store, LocalStore):
        ctx.echo(f"Note: the sent record is a {store.description}. It does not survive a "
                 "throw-away CI machine; add a 'publish:' target to keep it there.")
    _report_added(ctx, added, added_from)
    report_plan(ctx, plan, store, held=(held, made))
    sent = failed = 0
    label = ""
    # (recipient, notice) -> the update that failed: the notice's later updates wait for
    # it, as a recipient told 'Resolved' before 'Investigating' reads a new incident.
    # Reminders stand alone, and one that waited could fall out of its window.
    unsent: dict[tuple[str, str], str] = {}
    try:
        for delivery in plan.deliveries:
            label = f"{delivery.recipient.label} <- {delivery.message.key}"
            thread = (delivery.recipient.id, delivery.message.notice.id)
            if thread in unsent and not delivery.message.is_reminder:
                failed += 1
                ctx.echo(f"FAILED {label}: not sent: {unsent[thread]} to this recipient "
                         "failed; the next run sends both, in order")
                continue
            try:
                how = deliver(ctx, delivery)
            except (mail.SendFailed, webhooks.WebhookFailed) as exc:
                failed += 1
                if not delivery.message.is_reminder:
                    unsent.setdefault(thread, delivery.message.key)
                ctx.echo(f"FAILED {label}: {exc}")
                continue
            except mail.ComposeFailed as exc:  # this message cannot be written, ever:
                failed += 1                    # the later ones do not wait for it
                ctx.echo(f"FAILED {label}: the message cannot be composed ({exc}); the "
                         "others are still sent")
                continue
            # It arrived: a stop now would leave it unrecorded, sent again by the next
            # run, and the record's write (a push, an upload) takes a moment.
            with stops_held():
                _remember(store, record, delivery, horizon, label, ctx.now)
                sent += 1
                ctx.echo(f"sent   {label} ({how})")
                label = ""
    except KeyboardInterrupt:
        ctx.abort()
        where = (f"while sending {label}: it may have arrived." if label
                 else "between two deliveries:")
        ctx.echo(f"Interrupted {where} {sent} sent and recorded; the next run sends the "
                 "rest.")
        raise
    finally:
        ctx.close()
    if sent or found_in is not None or added:
        _copy_to_mirrors(ctx, record, earlier())
    return sent, failed


def _copy_to_mirrors(ctx: Context, record: SentRecord, others: Sequence[RecordStore]
                     ) -> None:
    """A copy of the record on each other publish target, for when the primary is
    replaced outright (its path or remote changed): the new one holds no record, and
    the old one is no longer listed; a mirror's copy is then read, as the record of an
    old primary still listed is. Once per run: a run stopped midway leaves the copies a
    run behind, and at most what it sent goes out again. A copy that cannot be written
    is said, and fails nothing."""
    for other in others:
        if not isinstance(other, TargetStore):  # the local folder is the record's own
            continue                            # place only without a publish: list
        try:
            save_record(other, record, ctx.now)
        except (PublishError, OSError) as exc:
            ctx.echo(f"Note: could not keep a copy of the sent record on "
                     f"{other.description} ({exc}); the primary holds it.")


def _report_added(ctx: Context, added: Sequence[str], since: str | None) -> None:
    """Name the recipients new to the record (SentRecord.welcome) and from when
    (``since``, an ISO time) they are sent updates."""
    if not added or since is None:
        return
    start = times.write_time(datetime.fromisoformat(since), ctx.config.timezone)
    names = [recipient.label for recipient in recipients(ctx.settings)
             if recipient.id in added]
    ctx.echo(f"New since the last run that wrote the sent record: {', '.join(names)}: sent "
             f"the updates from {start} on, not those before they were added.")


def _keep(store: RecordStore, record: SentRecord, now: datetime) -> None:
    """Write the record into ``store`` before anything is sent."""
    try:
        save_record(store, record, now)
    except (PublishError, OSError) as exc:
        raise OutpostError(f"could not write the sent record in {store.description} "
                           f"({exc}); nothing was sent.") from None


def _remember(store: RecordStore, record: SentRecord, delivery: Delivery,
              horizon: datetime, label: str, now: datetime) -> None:
    for message in (delivery.message, *delivery.covers):
        record.add(message.key, message.at, delivery.recipient.id)
    record.prune(horizon)
    try:
        save_record(store, record, now)
    except (PublishError, OSError) as exc:  # a target's failure, a local disk's
        raise OutpostError(
            f"sent {label} but could not update the sent record in {store.description} "
            f"({exc}); stopped so that nothing more goes out unrecorded. The next run may "
            "send that one again.") from None


def send_test(ctx: Context, target: str) -> str:
    """``--test TARGET``: an email address, or the name of a configured webhook."""
    try:
        if "@" in target:
            if not is_bare_address(target):
                raise OutpostError(f"--test {target}: not an email address such as "
                                   "'ops@example.org'")
            if ctx.settings.smtp is None or ctx.settings.sender is None:
                raise OutpostError("--test with an address needs notify.smtp and notify.from "
                                   "in outpost.yaml")
            sender = mail.SmtpSender(ctx.settings.smtp, ctx.environ)
            try:
                sender.send(mail.test_message(ctx.config, ctx.settings, target, ctx.now))
            finally:
                sender.close()
            return f"Sent a test email to {target} via {sender.where}."
        hook = next((w for w in ctx.settings.webhooks if w.name == target), None)
        if hook is None:
            names = ", ".join(w.name for w in ctx.settings.webhooks) or "none configured"
            raise OutpostError(f"--test {target}: not an email address nor a webhook name "
                               f"(webhooks: {names})")
        text = f"[{ctx.config.title}] Test message: Outpost can post to this webhook."
        payload = ({"meta": {"unsubscribe": None, "documentation": webhooks.DOCS},
                    "page": {"id": webhooks.page_id(ctx.config, ctx.now),
                             "status_indicator": "none",
                             "status_description": "Test message from Outpost"}}
                   if hook.format == "statuspage" else {"text": mrkdwn.slack_escape(text)})
        log = webhooks.post(hook, webhooks.resolve_url(hook, ctx.environ), payload,
                            "test", ctx.sleep)
        return f"Posted a test message to webhook {hook.name}: {log[-1]}."
    except (mail.SendFailed, webhooks.WebhookFailed) as exc:
        raise OutpostError(f"test message not delivered: {exc}") from None


def notify(project: Project, kinds: TargetKinds, now: datetime, environ: Mapping[str, str],
           echo: Echo, dry_run: bool = False, store: RecordStore | None = None) -> None:
    """The whole command; raises OutpostError when anything failed. ``kinds``: the publish
    target types, where the record of what was sent may live."""
    ctx = load(project, now, environ, echo)
    earlier = partial(earlier_stores, ctx.config, project.root, kinds)
    sent, failed = run(ctx, store or store_for(ctx.config, project.root, kinds), dry_run,
                       earlier if store is None else tuple)
    if dry_run:
        return
    if failed:
        raise OutpostError(f"{sent} sent, {failed} failed; the failed ones are retried on "
                           "the next run.")
    echo(f"Done: {sent} sent.")
