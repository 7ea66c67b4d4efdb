"""Failures end in exactly-once delivery: refusals, dropped connections, 500s, hangs, kill -9."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from generator.notify import webhooks
from generator.notify.record import recipient_hash
from generator.notify.settings import Webhook
from generator.notify.webhooks import WebhookFailed
from tests.conftest import REPO, Run
from tests.fixtures import notify_repo_for
from tests.notify_repo import FOLDED_KEY, NOW, OUTAGE_KEYS, UPGRADE_KEYS, make_repo
from tests.notify_servers import HookServer, MailServer, dead_server, mail_server
from tests.test_notify_delivery import assert_everything_once, notify

# A webhook given up on after three attempts that each timed out (timeout: 1).
NO_ANSWER = ("attempt 1: no answer within 1 s; attempt 2: no answer within 1 s; "
             "attempt 3: no answer within 1 s\n")


@pytest.mark.parametrize(("script", "reason"), [
    (["550"], "answered 550 5.1.1 Mailbox unavailable"),
    (["451", "451"], "answered 451 4.3.0 Try again later"),
    (["drop"], "Connection unexpectedly closed"),
])
def test_smtp_refusal_or_drop_is_retried_next_run_and_arrives_once(
        run: Run, tmp_path: Path, hooks: HookServer, monkeypatch: pytest.MonkeyPatch,
        script: list[str], reason: str) -> None:
    for smtp in mail_server(script):
        root = notify_repo_for(tmp_path, smtp, hooks, monkeypatch)
        code, output = notify(run, root)
        assert code == 1
        failure = output.split(f"FAILED alice@example.org <- {UPGRADE_KEYS[0]}: ")[1]
        assert failure.startswith(f"127.0.0.1:{smtp.port}")
        assert reason in failure.splitlines()[0]
        failed = len(script)
        assert output.rstrip().endswith(f"Error: {17 - failed} sent, {failed} failed; the "
                                        "failed ones are retried on the next run.")
        # the messages after the failure still went out on the same run
        assert len(smtp.received) == 7 - failed
        code, output = notify(run, root)
        assert code == 0, output
        assert output.rstrip().endswith(f"Done: {failed} sent.")
        assert_everything_once(smtp, hooks)


@pytest.mark.parametrize("end", ["421", "close"])
def test_a_per_session_limit_of_the_smtp_server_fails_no_email(
        run: Run, tmp_path: Path, hooks: HookServer, monkeypatch: pytest.MonkeyPatch,
        end: str) -> None:
    """A server that takes two emails per session, then answers '421 Too many messages'
    or hangs up: the third email failed (and held back its notice's later updates)
    although the server had not seen it; a new session sends it."""
    for smtp in mail_server():
        smtp.handler.session_limit, smtp.handler.session_end = 2, end
        root = notify_repo_for(tmp_path, smtp, hooks, monkeypatch)
        code, output = notify(run, root)
        assert code == 0, output
        assert output.rstrip().endswith("Done: 17 sent.")
        assert smtp.handler.sessions == 4
        assert_everything_once(smtp, hooks)


def test_a_recipient_refused_in_several_lines_is_named_on_one_line(
        run: Run, tmp_path: Path, hooks: HookServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Gmail refuses an unknown address in three reply lines: the FAILED line broke into
    three, and a server's control characters reached the terminal as they came."""
    for smtp in mail_server():
        smtp.handler.refuse["bob@example.org"] = (
            "550-5.1.1 The email account that you tried to reach does not exist.\x1b[2J\r\n"
            "550 5.1.1 https://support.google.com/mail/?p=NoSuchUser")
        root = notify_repo_for(tmp_path, smtp, hooks, monkeypatch)
        code, output = notify(run, root)
        assert code == 1
        assert (f"FAILED bob@example.org <- {UPGRADE_KEYS[1]}: 127.0.0.1:{smtp.port} refused "
                "the recipient: 550 5.1.1 The email account that you tried to reach does not "
                "exist. [2J 5.1.1 https://support.google.com/mail/?p=NoSuchUser; a permanent "
                "refusal: correct or remove this address in notify.contacts (each run tries "
                "it again)\n") in output
        assert output.count("FAILED") == 2
        assert len(smtp.received) == 5  # alice's


def test_a_recipient_refused_for_now_is_not_told_to_be_removed(
        run: Run, tmp_path: Path, hooks: HookServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """A 4xx (greylisting, a full mailbox) may pass next time: no word of the address."""
    for smtp in mail_server():
        smtp.handler.refuse["bob@example.org"] = "450 4.2.1 Mailbox busy, try again later"
        root = notify_repo_for(tmp_path, smtp, hooks, monkeypatch)
        code, output = notify(run, root)
        assert code == 1
        assert (f"FAILED bob@example.org <- {UPGRADE_KEYS[1]}: 127.0.0.1:{smtp.port} refused "
                "the recipient: 450 4.2.1 Mailbox busy, try again later\n") in output


@pytest.mark.parametrize(("mode", "reason"), [
    ("silent", "no answer within 1 s"),
    ("closes", "Connection unexpectedly closed"),
    ("refused", "Connection refused"),
])
def test_unusable_smtp_server_is_tried_once_per_run_not_once_per_email(
        run: Run, tmp_path: Path, hooks: HookServer, monkeypatch: pytest.MonkeyPatch,
        mode: str, reason: str) -> None:
    for dead in dead_server(mode):
        root = make_repo(tmp_path, dead.port, hooks.port)
        monkeypatch.setenv("TEST_CHAT_URL", hooks.url("/slack"))
        config = root / "outpost.yaml"
        config.write_text(config.read_text().replace("timeout: 5", "timeout: 1"))
        started = time.monotonic()
        code, output = notify(run, root)
        elapsed = time.monotonic() - started
        assert code == 1
        # 7 emails are due: before, a silent server cost a timeout each (7 s).
        assert elapsed < 4, output
        assert dead.connections == (0 if mode == "refused" else 1)
        where = f"127.0.0.1:{dead.port}"
        first = output.split(f"FAILED alice@example.org <- {UPGRADE_KEYS[0]}: ")[1]
        assert first.startswith(where) and reason in first.splitlines()[0]
        later = [line for line in output.splitlines()
                 if f": not sent: {where} failed earlier in this run (" in line]
        assert len(later) == 4 and all(reason in line for line in later)
        assert all(line.endswith("); the next run tries again") for line in later)
        assert output.count(f"not sent: {OUTAGE_KEYS[0]} to this recipient failed") == 2
        assert output.rstrip().endswith(
            "Error: 10 sent, 7 failed; the failed ones are retried on the next run.")
    for smtp in mail_server():  # the server is back: every email, once
        config.write_text(config.read_text().replace(f"port: {dead.port}",
                                                     f"port: {smtp.port}"))
        code, output = notify(run, root)
        assert code == 0, output
        assert output.rstrip().endswith("Done: 7 sent.")
        assert_everything_once(smtp, hooks)


def test_smtp_server_that_stops_answering_mid_run_is_not_tried_again(
        run: Run, tmp_path: Path, hooks: HookServer, monkeypatch: pytest.MonkeyPatch) -> None:
    for smtp in mail_server(["ok", "block"]):
        root = notify_repo_for(tmp_path, smtp, hooks, monkeypatch)
        config = root / "outpost.yaml"
        config.write_text(config.read_text().replace("timeout: 5", "timeout: 1"))
        started = time.monotonic()
        code, output = notify(run, root)
        assert code == 1
        assert time.monotonic() - started < 4, output  # one timeout, not one per email
        assert f"sent   alice@example.org <- {UPGRADE_KEYS[0]}" in output
        assert (f"FAILED bob@example.org <- {UPGRADE_KEYS[0]}: 127.0.0.1:{smtp.port}: no "
                "answer within 1 s\n") in output
        assert output.count(f"not sent: 127.0.0.1:{smtp.port} failed earlier in this run "
                            "(no answer within 1 s)") == 3
        assert output.count(f"not sent: {OUTAGE_KEYS[0]} to this recipient failed") == 2
        assert smtp.handler.count == 2
        smtp.handler.release.set()
        code, output = notify(run, root)
        assert code == 0, output
        assert output.rstrip().endswith("Done: 6 sent.")
        assert_everything_once(smtp, hooks)


@pytest.mark.parametrize(("auth", "answer"), [
    (False, "refuses mail before STARTTLS (530 Must issue a STARTTLS command first)"),
    (True, "offers a login only after STARTTLS"),
])
def test_smtp_server_demanding_starttls_with_security_none_fails_once_naming_the_setting(
        run: Run, tmp_path: Path, hooks: HookServer, monkeypatch: pytest.MonkeyPatch,
        auth: bool, answer: str) -> None:
    """Every email would get the same answer: the server is asked once, and the message
    names the setting to change, not only what the server said."""
    for smtp in mail_server(auth=auth, starttls_first=True):
        root = notify_repo_for(tmp_path, smtp, hooks, monkeypatch)
        if auth:
            monkeypatch.setenv("OUTPOST_SMTP_USERNAME", "mailer")
            monkeypatch.setenv("OUTPOST_SMTP_PASSWORD", "s3cret pass")
        code, output = notify(run, root)
        assert code == 1
        reason = (f"127.0.0.1:{smtp.port} {answer}, which 'security: none' leaves out: set "
                  "'security: starttls' under notify.smtp in outpost.yaml")
        for key, to in [(UPGRADE_KEYS[0], "alice"), (UPGRADE_KEYS[0], "bob"),
                        (OUTAGE_KEYS[0], "alice"), (UPGRADE_KEYS[1], "bob")]:
            assert f"FAILED {to}@example.org <- {key}: {reason}\n" in output
        assert output.count("FAILED") == 7
        assert smtp.handler.sessions == 1 and smtp.received == []
        assert output.rstrip().endswith(
            "Error: 10 sent, 7 failed; the failed ones are retried on the next run.")


def test_a_plain_smtp_server_under_security_tls_is_named_with_the_fix(
        run: Run, tmp_path: Path, hooks: HookServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """'security: tls' on a port that speaks plain SMTP first (587, 25) said only
    '[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)'."""
    for smtp in mail_server():
        root = notify_repo_for(tmp_path, smtp, hooks, monkeypatch)
        config = root / "outpost.yaml"
        config.write_text(config.read_text().replace("security: none", "security: tls"))
        code, output = notify(run, root)
        assert code == 1
        reason = ("answered in plain text, not the TLS 'security: tls' expects: set "
                  "'security: starttls' under notify.smtp in outpost.yaml")
        assert (f"FAILED alice@example.org <- {UPGRADE_KEYS[0]}: 127.0.0.1:{smtp.port}: "
                f"{reason}\n") in output
        assert output.count(f"failed earlier in this run ({reason})") == 4  # 2 wait in line
        assert smtp.received == []


def test_a_silent_greeting_under_starttls_names_tls_from_the_start(
        run: Run, tmp_path: Path, hooks: HookServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """'port: 465' with the default 'security: starttls': the port waits in silence for a
    TLS handshake, and every run failed with 'no answer within 30 s' alone."""
    for silent in dead_server("silent"):
        root = make_repo(tmp_path, silent.port, hooks.port)
        monkeypatch.setenv("TEST_CHAT_URL", hooks.url("/slack"))
        config = root / "outpost.yaml"
        config.write_text(config.read_text().replace("security: none", "security: starttls")
                          .replace("timeout: 5", "timeout: 1"))
        code, output = notify(run, root)
        assert code == 1
        reason = ("no answer within 1 s; a port with TLS from the start (usually 465) says "
                  "nothing until it gets it: if this is one, set 'security: tls' under "
                  "notify.smtp in outpost.yaml")
        assert (f"FAILED alice@example.org <- {UPGRADE_KEYS[0]}: 127.0.0.1:{silent.port}: "
                f"{reason}\n") in output
        assert output.count(f"failed earlier in this run ({reason})") == 4
        assert silent.connections == 1


def test_a_server_offering_no_starttls_under_starttls_is_named_with_the_fix(
        run: Run, tmp_path: Path, hooks: HookServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """A relay's port 25 under the default 'security: starttls' said 'STARTTLS extension
    not supported by server.', naming no setting, and each email asked again."""
    for smtp in mail_server():
        root = notify_repo_for(tmp_path, smtp, hooks, monkeypatch)
        config = root / "outpost.yaml"
        config.write_text(config.read_text().replace("security: none", "security: starttls"))
        code, output = notify(run, root)
        assert code == 1
        reason = (f"127.0.0.1:{smtp.port} offers no STARTTLS, which 'security: starttls' "
                  "needs: under notify.smtp in outpost.yaml, set the port where it offers "
                  "it (usually 587), or 'security: tls' for a port with TLS from the start "
                  "(usually 465)")
        assert f"FAILED alice@example.org <- {UPGRADE_KEYS[0]}: {reason}\n" in output
        assert f"FAILED bob@example.org <- {UPGRADE_KEYS[1]}: {reason}\n" in output
        assert output.count("FAILED") == 7
        assert smtp.handler.sessions == 1 and smtp.received == []


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_server_demanding_a_login_without_credentials_is_asked_once_naming_them(
        run: Run, tmp_path: Path, hooks: HookServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Secrets missing in CI: each email got '530 5.7.0 Authentication required' anew."""
    for smtp in mail_server(auth=True):
        root = notify_repo_for(tmp_path, smtp, hooks, monkeypatch)
        code, output = notify(run, root)
        assert code == 1
        reason = (f"127.0.0.1:{smtp.port} wants a login (530 5.7.0 Authentication required): "
                  "set OUTPOST_SMTP_USERNAME and OUTPOST_SMTP_PASSWORD")
        assert f"FAILED alice@example.org <- {UPGRADE_KEYS[0]}: {reason}\n" in output
        assert f"FAILED bob@example.org <- {UPGRADE_KEYS[1]}: {reason}\n" in output
        assert output.count("FAILED") == 7
        assert smtp.handler.sessions == 1 and smtp.received == []


def test_webhook_500_is_retried_with_back_off_then_next_run(
        run: Run, tmp_path: Path, smtp: MailServer, hooks: HookServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    root = notify_repo_for(tmp_path, smtp, hooks, monkeypatch)
    hooks.state.script["/statuspage"] = ["500", "ok", "500", "500", "500"]
    code, output = notify(run, root)
    assert code == 1
    assert f"sent   webhook receiver (statuspage) <- {UPGRADE_KEYS[0]} (HTTP 200 after 2 " \
           "attempts)" in output
    assert (f"FAILED webhook receiver (statuspage) <- {OUTAGE_KEYS[0]}: attempt 1: HTTP 500 "
            "Internal Server Error; attempt 2: HTTP 500 Internal Server Error; attempt 3: "
            "HTTP 500 Internal Server Error\n") in output
    assert hooks.state.attempts.count("/statuspage") == 2 + 3 + 1  # the outage's next two wait
    code, output = notify(run, root)
    assert code == 0, output
    assert_everything_once(smtp, hooks)


def test_a_notice_s_updates_reach_a_recipient_in_order_across_a_failure(
        run: Run, tmp_path: Path, smtp: MailServer, hooks: HookServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """'Investigating' failed, 'Identified' and 'Resolved' went out, and the next run
    posted 'Investigating' last: the channel read an incident opening after it was
    resolved, and a Statuspage receiver set the incident back to investigating."""
    root = notify_repo_for(tmp_path, smtp, hooks, monkeypatch)
    hooks.state.script["/slack"] = ["ok", "500", "500", "500"]
    code, output = notify(run, root)
    assert code == 1
    for key in OUTAGE_KEYS[1:]:
        assert (f"FAILED webhook chat (slack) <- {key}: not sent: {OUTAGE_KEYS[0]} to this "
                "recipient failed; the next run sends both, in order\n") in output
    assert output.rstrip().endswith("Error: 14 sent, 3 failed; the failed ones are retried "
                                    "on the next run.")
    code, output = notify(run, root)
    assert code == 0, output
    posted = [p.headers["X-Outpost-Delivery"] for p in hooks.posts("/slack")]
    assert [key for key in posted if key in OUTAGE_KEYS] == OUTAGE_KEYS
    assert_everything_once(smtp, hooks)


def test_webhook_hanging_past_its_timeout_is_retried_and_arrives_once(
        run: Run, tmp_path: Path, smtp: MailServer, hooks: HookServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    root = notify_repo_for(tmp_path, smtp, hooks, monkeypatch)
    hooks.state.script["/slack"] = ["hang"]
    hooks.state.script["/statuspage"] = ["ok", "hang", "hang", "hang"]
    code, output = notify(run, root)
    assert code == 1
    assert (f"sent   webhook chat (slack) <- {UPGRADE_KEYS[0]} (HTTP 200 after 2 attempts)"
            in output)
    assert f"FAILED webhook receiver (statuspage) <- {OUTAGE_KEYS[0]}: {NO_ANSWER}" in output
    code, output = notify(run, root)
    assert code == 0, output
    assert_everything_once(smtp, hooks)


def test_webhook_answering_a_byte_at_a_time_is_bounded_by_its_timeout(
        run: Run, tmp_path: Path, smtp: MailServer, hooks: HookServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Each byte comes within the socket timeout; the attempt's timeout still ends it."""
    root = notify_repo_for(tmp_path, smtp, hooks, monkeypatch)
    hooks.state.script["/statuspage"] = ["drip", "drip", "drip"]
    started = time.monotonic()
    code, output = notify(run, root)
    assert time.monotonic() - started < 8  # three attempts of 1 s, not three of 10 s
    assert code == 1
    assert f"FAILED webhook receiver (statuspage) <- {UPGRADE_KEYS[0]}: {NO_ANSWER}" in output
    code, output = notify(run, root)
    assert code == 0, output
    assert_everything_once(smtp, hooks)


def client_threads() -> set[threading.Thread]:
    """The threads running, the test server's request handlers left out."""
    return {t for t in threading.enumerate() if "process_request" not in t.name}


@pytest.mark.parametrize("answer", ["hang", "trickle"])
def test_a_timed_out_webhook_attempt_is_abandoned_with_its_connection(
        hooks: HookServer, answer: str) -> None:
    """The attempt that timed out went on in a thread, its connection open, while the
    run moved on: it could still deliver what the run reported as failed."""
    hooks.state.script["/slow"] = [answer]
    hook = slow_hook(hooks)
    threads = client_threads()
    started = time.monotonic()
    with pytest.raises(WebhookFailed) as failed:
        webhooks.post(hook, hook.url or "", {"a": 1}, "slow/1", time.sleep)
    assert client_threads() <= threads  # nothing left running
    assert time.monotonic() - started < 1.5
    assert str(failed.value) == "attempt 1: no answer within 0.5 s"
    if answer == "trickle":
        assert hooks.state.hung_up.wait(1), "the connection stayed open"
    assert hooks.state.received == []


def slow_hook(hooks: HookServer, retries: int = 0) -> Webhook:
    return Webhook(name="slow", url=hooks.url("/slow"), url_env=None, format="statuspage",
                   components=(), types=(), timeout=0.5, retries=retries, backoff=0.05)


@pytest.mark.parametrize(("retry_after", "waits"), [
    ("7", [7.0]), ("0", [0.05]), ("soon", [0.05]), ("Thu, 01 Jan 1970 00:00:00 GMT", [0.05]),
])
def test_a_429_is_retried_after_the_time_it_asks_for(
        hooks: HookServer, retry_after: str, waits: list[float]) -> None:
    """The back-off (2 s by default) ignored Retry-After: a receiver asking for 30 s
    got every retry inside that time, and the delivery failed."""
    hooks.state.script["/slow"] = [f"429:{retry_after}"]
    slept: list[float] = []
    assert webhooks.post(slow_hook(hooks, retries=2), hooks.url("/slow"), {}, "slow/1",
                         slept.append) == ["HTTP 429 Too Many Requests", "HTTP 200"]
    assert slept == waits


def test_a_429_asking_for_longer_than_a_run_should_wait_is_left_to_the_next_run(
        hooks: HookServer) -> None:
    hooks.state.script["/slow"] = ["429:3600"]
    slept: list[float] = []
    with pytest.raises(WebhookFailed) as failed:
        webhooks.post(slow_hook(hooks, retries=2), hooks.url("/slow"), {}, "slow/1",
                      slept.append)
    assert str(failed.value) == ("attempt 1: HTTP 429 Too Many Requests (asks to retry after "
                                 "3600 s: left to the next run)")
    assert slept == [] and hooks.state.attempts == ["/slow"]


def test_webhook_answering_something_else_than_http_fails_that_delivery_only(
        run: Run, tmp_path: Path, smtp: MailServer, hooks: HookServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A URL with the wrong port, here the mail server's: it greets with '220 ...'."""
    root = notify_repo_for(tmp_path, smtp, hooks, monkeypatch)
    config = root / "outpost.yaml"
    config.write_text(config.read_text().replace(f"{hooks.port}/statuspage",
                                                 f"{smtp.port}/statuspage"))
    code, output = notify(run, root)
    assert code == 1
    assert "unexpected" not in output
    failed = [line for line in output.splitlines() if line.startswith("FAILED")]
    assert len(failed) == 5  # each message to that webhook; the others went out
    assert failed[0].startswith(f"FAILED webhook receiver (statuspage) <- {UPGRADE_KEYS[0]}: "
                                "attempt 1: not an HTTP answer ('220 ")
    assert output.rstrip().endswith("Error: 12 sent, 5 failed; the failed ones are retried "
                                    "on the next run.")


@pytest.mark.parametrize(("answer", "outcome"), [
    ("302", "HTTP 302 Found (redirects are not followed)"),
    ("404", "HTTP 404 Not Found"),
])
def test_webhook_redirect_or_client_error_is_not_retried_within_the_run(
        run: Run, tmp_path: Path, smtp: MailServer, hooks: HookServer,
        monkeypatch: pytest.MonkeyPatch, answer: str, outcome: str) -> None:
    root = notify_repo_for(tmp_path, smtp, hooks, monkeypatch)
    hooks.state.script["/statuspage"] = [answer]
    code, output = notify(run, root)
    assert code == 1
    assert (f"FAILED webhook receiver (statuspage) <- {UPGRADE_KEYS[0]}: attempt 1: "
            f"{outcome}\n") in output
    assert notify(run, root)[0] == 0
    assert_everything_once(smtp, hooks)


def notify_process(root: Path) -> subprocess.Popen[bytes]:
    """`outpost notify` in a process of its own, to be killed or interrupted. Ctrl-C
    reaches it whatever this process inherited: the tests run as a background job of a
    script ignore SIGINT, and a child keeps an ignored signal ignored (it waited for the
    SMTP timeout instead)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "generator", "--root", str(root), "notify", "--now", NOW],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def test_killed_between_two_sends_then_run_again_sends_each_once(
        run: Run, tmp_path: Path, hooks: HookServer, monkeypatch: pytest.MonkeyPatch) -> None:
    for smtp in mail_server(["ok", "block"]):
        root = notify_repo_for(tmp_path, smtp, hooks, monkeypatch)
        process = notify_process(root)
        try:
            assert smtp.handler.arrived.wait(60), "the second email never started"
        finally:
            process.kill()  # SIGKILL: no clean-up code runs
            output = process.communicate(timeout=30)[0].decode()
            smtp.handler.release.set()
        assert process.returncode == -9
        assert f"sent   alice@example.org <- {UPGRADE_KEYS[0]}" in output
        record = json.loads((root / ".outpost-state" / "notify-record.json").read_bytes())
        alice = [recipient_hash("email:alice@example.org")]
        assert record["sent"] == {  # the announcement, and the reminder it stood for
            UPGRADE_KEYS[0]: {"at": "2026-11-27T14:00:00+00:00", "to": alice},
            FOLDED_KEY: {"at": "2026-11-28T17:00:00+00:00", "to": alice}}
        assert [m.to for m in smtp.received] == ["alice@example.org"]
        code, output = notify(run, root)
        assert code == 0, output
        assert output.rstrip().endswith("Done: 16 sent.")
        assert_everything_once(smtp, hooks)


def test_ctrl_c_while_the_smtp_server_has_not_answered_stops_at_once_and_says_what_is_owed(
        run: Run, tmp_path: Path, hooks: HookServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """A QUIT sent in the middle of the interrupted DATA waited for the server's
    answer, smtp.timeout (30 s by default), before the run ended with 'Aborted!'."""
    for smtp in mail_server(["ok", "block"]):
        root = notify_repo_for(tmp_path, smtp, hooks, monkeypatch)
        process = notify_process(root)
        try:
            assert smtp.handler.arrived.wait(60), "the second email never started"
            interrupted = time.monotonic()
            process.send_signal(signal.SIGINT)
            output = process.communicate(timeout=30)[0].decode()
        finally:
            process.kill()
            smtp.handler.release.set()
        assert time.monotonic() - interrupted < 2  # not the 5 s smtp.timeout
        assert process.returncode == 1
        assert output.endswith(
            f"Interrupted while sending bob@example.org <- {UPGRADE_KEYS[0]}: it may have "
            "arrived. 1 sent and recorded; the next run sends the rest.\nAborted!\n"), output
        code, output = notify(run, root)
        assert code == 0, output
        assert_everything_once(smtp, hooks)


# A server hook holding the second push to the state branch, the first record written
# after a delivery, until the test lets it go; it then speaks, so a push whose client was
# killed meanwhile dies there instead of updating the branch.
HOLD_SECOND_STATE_PUSH = """#!/bin/sh
grep -q ' refs/heads/outpost-state$' || exit 0
echo x >> "$HOLD/pushes"
[ "$(wc -l < "$HOLD/pushes")" -eq 2 ] || exit 0
touch "$HOLD/waiting"
while [ ! -e "$HOLD/release" ]; do sleep 0.05; done
echo "record received" >&2
"""


def test_ctrl_c_while_a_sent_email_is_recorded_waits_for_the_record(
        run: Run, tmp_path: Path, smtp: MailServer, hooks: HookServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The mail server had taken the email, but a stop during the write of its record
    (a push to the state branch of a git target, which takes a moment) killed the
    write: the next run emailed alice again. The record is written, then the run stops."""
    from tests.test_notify_record import add_publish, build_and_publish

    root = notify_repo_for(tmp_path, smtp, hooks, monkeypatch)
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(remote)], check=True)
    add_publish(root, f"  - name: pages\n    type: git\n    remote: {remote}\n")
    build_and_publish(run, root)
    hold = tmp_path / "hold"
    hold.mkdir()
    hook = remote / "hooks" / "pre-receive"
    hook.write_text(HOLD_SECOND_STATE_PUSH)
    hook.chmod(0o755)
    monkeypatch.setenv("HOLD", str(hold))
    process = notify_process(root)
    try:
        for _ in range(600):
            if (hold / "waiting").exists() or process.poll() is not None:
                break
            time.sleep(0.1)
        assert (hold / "waiting").exists(), "the record of the first email was never pushed"
        process.send_signal(signal.SIGINT)
        time.sleep(0.5)  # the stop is in before the record's push may end
        (hold / "release").touch()
        output = process.communicate(timeout=60)[0].decode()
    finally:
        process.kill()
        (hold / "release").touch()
    assert process.returncode == 1
    assert [m.to for m in smtp.received] == ["alice@example.org"]
    assert output.endswith(
        f"sent   alice@example.org <- {UPGRADE_KEYS[0]} (via 127.0.0.1:{smtp.port})\n"
        "Interrupted between two deliveries: 1 sent and recorded; the next run sends the "
        "rest.\nAborted!\n"), output
    hook.unlink()
    code, output = notify(run, root)
    assert code == 0, output
    assert output.rstrip().endswith("Done: 16 sent.")
    assert_everything_once(smtp, hooks)


def test_a_refusal_shows_the_receivers_own_words(hooks: HookServer) -> None:
    """Slack answers an archived channel or a revoked hook with '404' and its reason
    as text ('channel_is_archived'): the log said only 'HTTP 404 Not Found'."""
    hooks.state.script["/slow"] = ["404!channel_is_archived"]
    with pytest.raises(WebhookFailed) as failed:
        webhooks.post(slow_hook(hooks), hooks.url("/slow"), {}, "slow/1", time.sleep)
    assert str(failed.value) == "attempt 1: HTTP 404 Not Found: channel_is_archived"


@pytest.mark.parametrize(("kind", "body", "shown"), [
    ("application/json", b'{"message": "Unknown Webhook", "code": 10015}\n',
     ': {"message": "Unknown Webhook", "code": 10015}'),
    ("text/plain; charset=utf-8", b"invalid_token\nsecond line\n", ": invalid_token"),
    ("text/plain", b"bad\x1b[31mred\x07", ": bad [31mred"),
    ("text/plain", b"x" * 300, ": " + "x" * 99 + "\u2026"),
    ("text/plain", b"  \n", ""),
    ("text/html", b"<html><body><h1>404</h1></body></html>", ""),
    ("", b"no_such_hook", ""),
])
def test_a_refusal_s_words_are_one_printable_bounded_line(kind: str, body: bytes,
                                                           shown: str) -> None:
    import email.message
    import io
    import urllib.error

    headers = email.message.Message()
    if kind:
        headers["Content-Type"] = kind
    answer = urllib.error.HTTPError("http://hook.example/", 404, "Not Found", headers,
                                    io.BytesIO(body))
    said = webhooks._reason_given(answer)
    assert (f": {said}" if said else "") == shown
