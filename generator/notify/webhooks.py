"""Webhooks: Statuspage's incident webhook payload, Slack-compatible messages, and a
POST with a timeout and bounded retries with back-off."""

from __future__ import annotations

import contextlib
import email.utils
import http.client
import json
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from generator import __version__
from generator.config.schema import checked_http_url
from generator.core import statuspage
from generator.core.errors import InputError, OutpostError, printable_line
from generator.core.model import MAX_URL, Config, Notice, Status, length_problem
from generator.core.timeline import select, view
from generator.notify import mrkdwn
from generator.notify.plan import Message, facts, notice_url
from generator.notify.settings import Webhook
from generator.publish.base import retryable_status
from generator.render.markup import absolute_links

DOCS = "https://github.com/outpost-status/outpost#notifications"
# Fields Statuspage's webhook carries that the public API objects leave out.
_WEBHOOK_EXTRAS: dict[str, Any] = {
    "postmortem_body": None, "postmortem_body_last_updated_at": None,
    "postmortem_ignored": True, "postmortem_notified_subscribers": False,
    "postmortem_notified_twitter": False, "postmortem_published_at": None,
    "scheduled_for": None, "scheduled_until": None, "scheduled_remind_prior": False,
    "scheduled_reminded_at": None, "scheduled_auto_in_progress": False,
    "scheduled_auto_completed": False,
}


def page_id(config: Config, now: datetime) -> str:
    return statuspage.Api(config, select((), now, config)).page_id


def statuspage_payload(config: Config, message: Message, notices: Iterable[Notice]
                       ) -> dict[str, Any]:
    """Statuspage's incident webhook body (meta, page, incident) as things stood when
    the message fell due. Ids and the incident object are the public API's own
    (generator.core.statuspage), so receivers can match both."""
    notice = message.as_posted
    others = [other for other in notices if other.id != notice.id]
    api = statuspage.Api(config, select([*others, notice], message.at, config))
    seen = view(notice, message.at)
    assert seen is not None
    incident = {**_WEBHOOK_EXTRAS, **statuspage.incident(api, seen)}
    if incident["postmortem_published_at"] is not None:  # published by message.at
        # Its body was last written when it was published: the one time a notice gives.
        incident["postmortem_body_last_updated_at"] = incident["postmortem_published_at"]
        incident["postmortem_ignored"] = False
        incident["postmortem_notified_subscribers"] = (
            message.update is not None and message.update.status is Status.POSTMORTEM)
    if message.is_reminder:
        incident["scheduled_remind_prior"] = True
        incident["scheduled_reminded_at"] = api.time(message.at)
    state = statuspage.status(api)
    return {
        "meta": {"unsubscribe": None, "documentation": DOCS},
        "page": {"id": api.page_id, "status_indicator": state["indicator"],
                 "status_description": state["description"]},
        "incident": incident,
    }


# A section block's text, counted in UTF-8 bytes (mrkdwn.units): Slack refuses more.
SLACK_SECTION_LIMIT = 3000
SLACK_TITLE_ROOM = 500  # a longer headline is cut, leaving the rest for the update


def slack_payload(config: Config, message: Message, headline: str,
                  markdown: Callable[[str], str]) -> dict[str, Any]:
    """A Slack incoming-webhook message (Mattermost and others read 'text', as Markdown).
    User text is escaped in both texts: Slack and Mattermost read '<!channel>' in either.
    The update is rendered as on the pages, then written in Slack's mrkdwn, its links
    absolute."""
    url = notice_url(config, message)
    link = f"<{url}|Read the notice>"
    title = mrkdwn.fitted(mrkdwn.literal(headline), SLACK_TITLE_ROOM)
    room = SLACK_SECTION_LIMIT - mrkdwn.units(f"**\n\n{link}") - mrkdwn.units(title)
    # A reminder has no update of its own: what it is about, as its email lists it.
    text = (mrkdwn.from_html(absolute_links(markdown(message.update.body), url))
            if message.update else mrkdwn.literal("\n".join(
                f"{label}: {value}" for label, value in facts(config, message))))
    body = mrkdwn.fitted(text, room)
    return {
        "text": f"{mrkdwn.plain(headline)} {url}",
        "blocks": [{"type": "section",
                    "text": {"type": "mrkdwn", "text": f"*{title}*\n{body}\n{link}"}}],
        "unfurl_links": False,
    }


class WebhookFailed(OutpostError):
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
    if not url:
        raise WebhookFailed(f"environment variable {hook.url_env} is not set")
    too_long = length_problem(url, MAX_URL, "URL")  # quotes no part of it
    if too_long:
        raise WebhookFailed(f"environment variable {hook.url_env}: {too_long}")
    try:
        return checked_http_url(url)
    except InputError:  # its words may quote the URL
        raise WebhookFailed(f"environment variable {hook.url_env} does not hold an http(s) "
                            "URL (not repeated: it may be a secret)") from None


class _Deadline:
    """Ends an attempt when its time is up: the socket's timeout bounds each read only,
    and a server answering a byte at a time would hold the run for ever. The exchange
    runs in the caller's thread (Ctrl-C ends it too); a timer shuts its connection down,
    so the attempt given up on is over, not left delivering in the background."""

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._lock = threading.Lock()
        self._connections: list[http.client.HTTPConnection] = []
        self._timer = threading.Timer(seconds, self._expire)

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        self._timer.join()

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for connection in self._connections:
                _shut(connection)

    def connection_class(self, base: type[http.client.HTTPConnection]
                         ) -> type[http.client.HTTPConnection]:
        """``base``, its connections shut down when the deadline passes."""
        deadline = self

        class Bounded(base):  # type: ignore[valid-type,misc]
            def connect(self) -> None:
                with deadline._lock:
                    deadline._connections.append(self)
                super().connect()
                with deadline._lock:  # a connection made as time ran out
                    if deadline.expired:
                        _shut(self)

        return Bounded


def _shut(connection: http.client.HTTPConnection) -> None:
    """Wake a read blocked on ``connection`` from another thread; its owner closes it
    (closing here could close a descriptor the owner's thread reuses meanwhile)."""
    if connection.sock is not None:
        with contextlib.suppress(OSError):  # already closed
            socket.socket.shutdown(connection.sock, socket.SHUT_RDWR)


def _bounded(handler: type[urllib.request.AbstractHTTPHandler], deadline: _Deadline
             ) -> urllib.request.AbstractHTTPHandler:
    """urllib's http or https handler, its connections bound to ``deadline``."""

    class Bounded(handler):  # type: ignore[valid-type,misc]
        def do_open(self, http_class: Any, req: Any, **kwargs: Any) -> Any:
            return super().do_open(deadline.connection_class(http_class), req, **kwargs)

    return Bounded()


@dataclass(frozen=True)
class _Outcome:
    retry: bool  # another attempt may get another answer
    text: str  # what happened, for the log
    wait: float = 0.0  # seconds the receiver asked for before another attempt


RETRY_AFTER_LIMIT = 60.0  # seconds a run waits for a receiver that asks; longer: next run


def _attempt(request: urllib.request.Request, timeout: float) -> _Outcome:
    """What happened, within ``timeout`` seconds in all."""
    with _Deadline(timeout) as deadline:
        opener = urllib.request.build_opener(
            _NoRedirect(), _bounded(urllib.request.HTTPHandler, deadline),
            _bounded(urllib.request.HTTPSHandler, deadline))
        outcome = _exchange(opener, request, timeout)
    if deadline.expired:  # what came was cut short: a status line is no complete answer
        return _Outcome(True, f"no answer within {timeout:g} s")
    return outcome


def _exchange(opener: urllib.request.OpenerDirector, request: urllib.request.Request,
              timeout: float) -> _Outcome:
    """One request and its answer's status; raises nothing for HTTP answers."""
    try:
        with opener.open(request, timeout=timeout) as response:  # the status is the answer
            return _Outcome(False, f"HTTP {response.status}")
    except urllib.error.HTTPError as exc:
        retry = retryable_status(exc.code)
        said = _reason_given(exc)
        return _Outcome(retry, f"HTTP {exc.code} {exc.reason}{f': {said}' if said else ''}",
                        _retry_after(exc.headers.get("Retry-After")) if retry else 0.0)
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError) or "timed out" in str(reason):
            return _Outcome(True, f"no answer within {timeout:g} s")
        return _Outcome(True, f"connection failed ({reason})")
    except http.client.HTTPException as exc:  # a wrong port, a proxy's garbage
        return _Outcome(True, f"not an HTTP answer ({str(exc).strip()[:60]!r})")


REASON_LIMIT = 100  # characters of a refusal's own words shown in the log


def _reason_given(answer: urllib.error.HTTPError) -> str:
    """The first line of a refusal's text, as receivers explain it (Slack: 'channel_is_
    archived', 'invalid_token'; Discord: '{"message": "Unknown Webhook", ...}'): what
    staff need to mend the hook. Only text or JSON, printable, and bounded: a receiver's
    HTML error page says nothing a line can hold."""
    kind = (answer.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if not (kind.startswith("text/plain") or kind == "application/json"
            or kind.endswith("+json")):
        return ""
    try:
        data = answer.read(4 * REASON_LIMIT)
    except (OSError, http.client.HTTPException):  # cut short: the status says enough
        return ""
    lines = data.decode("utf-8", errors="replace").strip().splitlines()
    text = printable_line(lines[0] if lines else "")
    return text if len(text) <= REASON_LIMIT else text[:REASON_LIMIT - 1] + "…"


def _retry_after(value: str | None) -> float:
    """Retry-After's wait in seconds (a number or an HTTP date, RFC 9110); 0 for none."""
    value = (value or "").strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 0.0
    if when.tzinfo is None:  # '-0000': UTC, as HTTP dates are
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def post(hook: Webhook, url: str, payload: Mapping[str, Any], delivery_id: str,
         sleep: Callable[[float], None]) -> list[str]:
    """POST ``payload`` as JSON; retry timeouts, connection errors, 5xx, 408 and 429 up to
    ``hook.retries`` times, waiting ``backoff`` seconds and doubling, or the longer wait
    a Retry-After asks for (more than RETRY_AFTER_LIMIT: left to the next run). Returns
    the attempt log on success (2xx); raises WebhookFailed with it otherwise."""
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    log: list[str] = []
    delay, wait = hook.backoff, 0.0
    for attempt in range(hook.retries + 1):
        if attempt:
            sleep(max(delay, wait))
            delay *= 2
        request = urllib.request.Request(url, data=data, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": f"Outpost/{__version__} (+{DOCS})",
            "X-Outpost-Delivery": delivery_id,
        })
        outcome = _attempt(request, hook.timeout)
        log.append(outcome.text)
        if outcome.text.startswith("HTTP 2"):
            return log
        if outcome.text.startswith("HTTP 3"):
            log[-1] += " (redirects are not followed)"
        wait = outcome.wait
        if wait > RETRY_AFTER_LIMIT:
            log[-1] += f" (asks to retry after {wait:g} s: left to the next run)"
            break
        if not outcome.retry:
            break
    raise WebhookFailed("; ".join(f"attempt {n}: {text}" for n, text in enumerate(log, 1)))
