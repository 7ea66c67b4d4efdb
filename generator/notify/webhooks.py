"""Webhooks: Statuspage's incident webhook payload, Slack-compatible messages, and a
POST with a timeout and bounded retries with back-off."""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from generator import __version__
from generator.config import Config
from generator.model import Notice, NoticeType, Status
from generator.notify.plan import Message
from generator.notify.settings import Webhook
from generator.select import IMPACT_TO_COMPONENT, ComponentStatus, Snapshot, select, view

DOCS = "https://github.com/outpost-status/outpost#notifications"
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_PAGE_STATUS = {
    ComponentStatus.MAJOR_OUTAGE: ("critical", "Major System Outage"),
    ComponentStatus.PARTIAL_OUTAGE: ("major", "Partial System Outage"),
    ComponentStatus.DEGRADED_PERFORMANCE: ("minor", "Minor Service Outage"),
    ComponentStatus.UNDER_MAINTENANCE: ("maintenance", "Service Under Maintenance"),
    ComponentStatus.OPERATIONAL: ("none", "All Systems Operational"),
}


def short_id(*parts: str) -> str:
    """A stable 12-character lowercase base-36 id, Statuspage's id shape."""
    number = int.from_bytes(hashlib.sha256("\0".join(parts).encode()).digest()[:8], "big")
    chars = []
    for _ in range(12):
        number, digit = divmod(number, 36)
        chars.append(_BASE36[digit])
    return "".join(chars)


def page_status(snapshot: Snapshot) -> tuple[str, str]:
    """Statuspage's (indicator, description) from the worst component status."""
    worst = max((c.status for c in snapshot.components), key=lambda s: s.rank,
                default=ComponentStatus.OPERATIONAL)
    impact = snapshot.worst_impact
    if worst is ComponentStatus.OPERATIONAL and impact is not None:
        worst = IMPACT_TO_COMPONENT[impact]  # an open incident that names no component
    return _PAGE_STATUS[worst]


def _iso(moment: datetime | None, config: Config) -> str | None:
    return moment.astimezone(config.timezone).isoformat(timespec="seconds") if moment else None


def incident_object(config: Config, message: Message, snapshot: Snapshot) -> dict[str, Any]:
    """The notice as Statuspage's incident object, as it stood when the message was due."""
    notice = message.notice
    seen = view(notice, message.at)
    assert seen is not None
    incident_id = short_id("incident", notice.id)
    updates = []
    for update in seen.updates:
        status = view(notice, update.at)
        updates.append({
            "id": short_id("update", notice.id, update.at.isoformat(), update.status.value),
            "incident_id": incident_id,
            "status": (status.status if status else update.status).slug,
            "body": update.body,
            "created_at": _iso(update.at, config),
            "updated_at": _iso(update.at, config),
            "display_at": _iso(update.at, config),
            "affected_components": None,
            "deliver_notifications": update.notify,
            "custom_tweet": None,
            "tweet_id": None,
        })
    states = {state.component.id: state for state in snapshot.components}
    components = [{
        "id": short_id("component", cid),
        "name": states[cid].component.name,
        "status": states[cid].status.value,
        "description": states[cid].component.description,
    } for cid in notice.components if cid in states]
    monitoring = [u.at for u in seen.updates if u.status is Status.MONITORING]
    maintenance = notice.type is NoticeType.MAINTENANCE
    remind = message.at if message.is_reminder else None
    return {
        "id": incident_id,
        "name": notice.title,
        "status": seen.status.slug,
        "impact": "maintenance" if maintenance else notice.impact.value,
        "created_at": _iso(notice.posted_at, config),
        "updated_at": _iso(seen.updated, config),
        "monitoring_at": _iso(min(monitoring), config) if monitoring else None,
        "resolved_at": _iso(seen.ended, config) if not seen.is_open else None,
        "started_at": _iso(seen.started, config),
        "shortlink": f"{config.base_url}notices/{notice.id}/",
        "page_id": short_id("page", config.base_url),
        "postmortem_body": None,
        "postmortem_published_at": None,
        "postmortem_ignored": True,
        "postmortem_notified_subscribers": False,
        "scheduled_for": _iso(notice.start, config),
        "scheduled_until": _iso(notice.end, config),
        "scheduled_remind_prior": maintenance and remind is not None,
        "scheduled_reminded_at": _iso(remind, config),
        "scheduled_auto_in_progress": maintenance,
        "scheduled_auto_completed": maintenance,
        "reminder_intervals": None,
        "incident_updates": updates,
        "components": components,
    }


def statuspage_payload(config: Config, message: Message, notices: Iterable[Notice]
                       ) -> dict[str, Any]:
    """Statuspage's incident webhook body: meta, page and incident."""
    snapshot = select(notices, message.at, config)
    indicator, description = page_status(snapshot)
    return {
        "meta": {"unsubscribe": None, "documentation": DOCS},
        "page": {"id": short_id("page", config.base_url), "status_indicator": indicator,
                 "status_description": description},
        "incident": incident_object(config, message, snapshot),
    }


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(config: Config, message: Message, headline: str) -> dict[str, Any]:
    """A Slack incoming-webhook message (Mattermost and others read 'text')."""
    url = f"{config.base_url}notices/{message.notice.id}/"
    body = message.update.body if message.update else headline
    title = _slack_escape(headline)
    text = f"*{title}*\n{_slack_escape(body)}\n<{url}|Read the notice>"
    if len(text) > 2900:
        text = f"*{title}*\n{_slack_escape(body)[:2700]}...\n<{url}|Read the notice>"
    return {
        "text": f"{headline} {url}",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
        "unfurl_links": False,
    }


class WebhookFailed(Exception):
    """Every attempt failed; the message lists what each attempt got."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect counts as a failure, as with Statuspage: re-POSTing elsewhere is unsafe."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def resolve_url(hook: Webhook, environ: Mapping[str, str]) -> str:
    if hook.url is not None:
        return hook.url
    assert hook.url_env is not None
    url = environ.get(hook.url_env, "").strip()
    if not url.startswith(("https://", "http://")):
        state = "is not set" if not url else "does not hold an http(s) URL"
        raise WebhookFailed(f"environment variable {hook.url_env} {state}")
    return url


def _attempt(opener: urllib.request.OpenerDirector, request: urllib.request.Request,
             timeout: float) -> tuple[bool, str]:
    """(retry worth it, what happened) on failure; raises nothing for HTTP answers."""
    try:
        with opener.open(request, timeout=timeout) as response:
            response.read(65536)
            return False, f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        retry = exc.code >= 500 or exc.code in (408, 429)
        return retry, f"HTTP {exc.code} {exc.reason}"
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError) or "timed out" in str(reason):
            return True, f"no answer within {timeout:g} s"
        return True, f"connection failed ({reason})"


def post(hook: Webhook, url: str, payload: Mapping[str, Any], delivery_id: str,
         sleep: Callable[[float], None]) -> list[str]:
    """POST ``payload`` as JSON; retry timeouts, connection errors, 5xx and 429 up to
    ``hook.retries`` times, waiting ``backoff`` seconds and doubling. Returns the
    attempt log on success (2xx); raises WebhookFailed with it otherwise."""
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    opener = urllib.request.build_opener(_NoRedirect())
    log: list[str] = []
    delay = hook.backoff
    for attempt in range(hook.retries + 1):
        if attempt:
            sleep(delay)
            delay *= 2
        request = urllib.request.Request(url, data=data, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": f"Outpost/{__version__} (+{DOCS})",
            "X-Outpost-Delivery": delivery_id,
        })
        retry, outcome = _attempt(opener, request, hook.timeout)
        log.append(outcome)
        if outcome.startswith("HTTP 2"):
            return log
        if outcome.startswith("HTTP 3"):
            log[-1] += " (redirects are not followed)"
        if not retry:
            break
    raise WebhookFailed("; ".join(f"attempt {n}: {text}" for n, text in enumerate(log, 1)))
