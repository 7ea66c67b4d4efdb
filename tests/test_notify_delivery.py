"""outpost notify against a real SMTP server (aiosmtpd) and a real HTTP server on loopback."""

from __future__ import annotations

import email.header
import json
import re
from collections import Counter
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, Run
from tests.fixtures import notify_repo_for
from tests.notify_repo import FOLDED_KEY, NOW, OUTAGE_KEYS, UPGRADE_KEYS, make_repo
from tests.notify_servers import HookServer, MailServer, Post, mail_server
from tests.test_core_markup import hrefs, is_absolute

SITE = "status.example.org"
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@pytest.fixture
def repo(tmp_path: Path, smtp: MailServer, hooks: HookServer,
         monkeypatch: pytest.MonkeyPatch) -> Path:
    return notify_repo_for(tmp_path, smtp, hooks, monkeypatch)


def expected_mail() -> Counter[tuple[str, str]]:
    """(recipient, Message-ID) of every email the repository owes at NOW."""
    alice = [("alice@example.org", key) for key in OUTAGE_KEYS + UPGRADE_KEYS]
    bob = [("bob@example.org", key) for key in UPGRADE_KEYS]
    return Counter((to, f"<outpost.{key.replace('/', '.')}@{SITE}>") for to, key in alice + bob)


def sent_mail(smtp: MailServer) -> Counter[tuple[str, str]]:
    return Counter((m.to, str(m.message["Message-ID"])) for m in smtp.received)


def hook_keys(hooks: HookServer, path: str) -> Counter[str]:
    return Counter(p.headers["X-Outpost-Delivery"] for p in hooks.posts(path))


def assert_everything_once(smtp: MailServer, hooks: HookServer) -> None:
    assert sent_mail(smtp) == expected_mail()
    everything = Counter(OUTAGE_KEYS + UPGRADE_KEYS)
    assert hook_keys(hooks, "/statuspage") == everything
    assert hook_keys(hooks, "/slack") == everything


def notify(run: Run, root: Path, *args: str) -> tuple[int, str]:
    result = run(root, "notify", "--now", NOW, *args)
    return result.exit_code, result.output


def test_dry_run_prints_who_would_get_what_and_sends_nothing(
        run: Run, repo: Path, smtp: MailServer, hooks: HookServer) -> None:
    code, output = notify(run, repo, "--dry-run")
    assert code == 0, output
    assert output.splitlines()[0] == ("Dry run: would send 17 deliveries; nothing is sent or "
                                      "recorded.")
    assert ('  database-outage: Investigating update of 2026-11-28 09:00: '
            '"[Test Status] Investigating: Database outage"\n'
            "    -> alice@example.org\n"
            "    -> webhook receiver (statuspage)\n"
            "    -> webhook chat (slack)\n") in output
    assert ('  cache-flush: reminder due 2026-11-28 11:00: "[Test Status] Reminder: Cache flush '
            'starts Nov 28, 2026, 1:00 PM CST"\n'
            "    -> alice@example.org\n"
            "    -> bob@example.org\n") in output
    # The upgrade's reminder, due too, goes with its announcement.
    assert ('  api-upgrade: Scheduled update of 2026-11-27 08:00: "[Test Status] Scheduled: '
            'API upgrade"\n'
            f"    -> alice@example.org (stands for {FOLDED_KEY}: the window is in it)\n"
            f"    -> bob@example.org (stands for {FOLDED_KEY}: the window is in it)\n"
            ) in output
    assert "api-upgrade: reminder" not in output
    assert "Not sent: 1 silent update, 3 updates before the horizon." in output
    assert smtp.received == [] and hooks.state.attempts == []
    assert not (repo / ".outpost-state").exists()


def test_dry_run_names_a_webhook_whose_variable_is_not_set(
        run: Run, repo: Path, smtp: MailServer, hooks: HookServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A dry run checks the set-up: a url_env variable missing on this machine is named
    where the webhook is listed, as the real run would fail there."""
    monkeypatch.delenv("TEST_CHAT_URL")
    code, output = notify(run, repo, "--dry-run")
    assert code == 0, output
    assert ("    -> webhook receiver (statuspage)\n"
            "    -> webhook chat (slack): would fail: environment variable TEST_CHAT_URL is "
            "not set\n") in output
    monkeypatch.setenv("TEST_CHAT_URL", "hooks.example.org/x")
    output = notify(run, repo, "--dry-run")[1]
    assert ("    -> webhook chat (slack): would fail: environment variable TEST_CHAT_URL does "
            "not hold an http(s) URL (not repeated: it may be a secret)\n") in output
    assert "hooks.example.org" not in output
    # One past the length limit of every URL setting: the length is said, not the URL.
    monkeypatch.setenv("TEST_CHAT_URL", "https://hooks.example.org/" + "x" * 1_975)
    output = notify(run, repo, "--dry-run")[1]
    assert ("    -> webhook chat (slack): would fail: environment variable TEST_CHAT_URL: the "
            "URL is 2,001 characters long, more than the limit of 2,000: shorten it\n"
            ) in output
    assert "hooks.example.org" not in output
    assert smtp.received == [] and hooks.state.attempts == []
    code, output = notify(run, repo)
    assert code == 1
    assert "    -> webhook chat (slack)\n" in output  # the real run says it as it fails


def test_each_message_goes_out_once_and_a_rerun_sends_nothing(
        run: Run, repo: Path, smtp: MailServer, hooks: HookServer) -> None:
    code, output = notify(run, repo)
    assert code == 0, output
    assert output.rstrip().endswith("Done: 17 sent.")
    assert_everything_once(smtp, hooks)
    code, output = notify(run, repo)
    assert code == 0, output
    assert output.rstrip().endswith("Done: 0 sent.")
    # The upgrade's reminder went with its announcement to its 4 recipients.
    assert "21 due deliveries already sent." in output
    assert_everything_once(smtp, hooks)


def test_emails_have_subject_threading_headers_and_both_bodies(
        run: Run, repo: Path, smtp: MailServer) -> None:
    assert notify(run, repo)[0] == 0
    alice = {str(m.message["Message-ID"]): m for m in smtp.received
             if m.to == "alice@example.org"}
    root_id = f"<outpost.database-outage.20261128T1500Z@{SITE}>"
    first, second = alice[root_id], alice[f"<outpost.database-outage.20261128T1540Z@{SITE}>"]
    assert first.rcpt_tos == ["alice@example.org"]
    assert first.mail_from == "status@example.org"
    assert first.message["To"] == "Alice Admin <alice@example.org>"
    assert first.message["From"] == "Test Status <status@example.org>"
    assert first.message["Subject"] == "[Test Status] Investigating: Database outage"
    assert first.message["In-Reply-To"] is None and first.message["References"] is None
    assert second.message["Subject"] == "[Test Status] Identified: Database outage"
    assert second.message["In-Reply-To"] == root_id
    assert second.message["References"] == root_id
    assert first.message["Auto-Submitted"] == "auto-generated"
    assert first.part("plain") == (
        "Investigating: Database outage\n\n"
        "Pages load slowly <script>alert(1)</script> for some districts.\n\n"
        "Status: Investigating\nAffected: Web\nPosted: Nov 28, 2026, 9:00 AM CST\n\n"
        "Read the notice: https://status.example.org/notices/database-outage/\n\n--\n"
        "You receive this as a contact of Test Status (https://status.example.org/).\n")
    html = first.part("html")
    assert "<script>" not in html
    assert "<h1" in html and "Investigating: <bdi>Database outage</bdi></h1>" in html
    assert '<a href="https://status.example.org/notices/database-outage/">' in html
    assert "<strong>replacing</strong>" in second.part("html")
    assert "<th" in html and "<td dir=\"auto\"><bdi>Web</bdi></td>" in html
    reminder = alice[f"<outpost.cache-flush.reminder.20261128T1900Z@{SITE}>"]
    assert reminder.message["Subject"] == ("[Test Status] Reminder: Cache flush starts "
                                           "Nov 28, 2026, 1:00 PM CST")
    # Threaded on the announcement, though that was sent before notify.since, or never.
    assert reminder.message["In-Reply-To"] == f"<outpost.cache-flush.20261020T1300Z@{SITE}>"
    assert "Window: Nov 28, 2026, 1:00 \u2013 3:00 PM CST" in reminder.part(
        "plain")
    bob = [m for m in smtp.received if m.to == "bob@example.org"]
    assert {m.message["Subject"] for m in bob} == {
        "[Test Status] Scheduled: API upgrade",
        "[Test Status] Reminder: Cache flush starts Nov 28, 2026, 1:00 PM CST"}


def test_every_email_is_seven_bit_as_a_message_sent_without_8bitmime_must_be(
        run: Run, repo: Path, smtp: MailServer) -> None:
    """Outpost declares no BODY=8BITMIME (RFC 6152), so a body must go 7-bit: text whose
    lines were short went as 'Content-Transfer-Encoding: 8bit', raw UTF-8 (a reminder's
    window has an en dash), which a strict relay refuses and an old one mangles."""
    assert notify(run, repo)[0] == 0
    reminder = f"<outpost.cache-flush.reminder.20261128T1900Z@{SITE}>"
    assert reminder in {str(m.message["Message-ID"]) for m in smtp.received}
    for mail in smtp.received:
        assert "BODY=8BITMIME" not in mail.mail_options
        assert mail.raw.isascii(), str(mail.message["Subject"])
    [window] = {m.part("plain") for m in smtp.received
                if str(m.message["Message-ID"]) == reminder}
    assert "Window: Nov 28, 2026, 1:00 \u2013 3:00 PM CST" in window


def test_html_email_blocks_take_their_own_direction(run: Run, repo: Path,
                                                   smtp: MailServer) -> None:
    """An Arabic update reads right to left on the pages (their stylesheet's unicode-bidi:
    plaintext); mail clients drop stylesheets, so the email's blocks say it: without,
    its '(DNS).' came apart at the paragraph's left end."""
    (repo / "notices" / "rtl.md").write_text(
        "---\ntitle: DNS\ntype: incident\ncomponents: [web]\n---\n"
        "## Investigating - 2026-11-28 09:00\n"
        "\u0648\u062c\u062f\u0646\u0627 \u0627\u0644\u0633\u0628\u0628 (DNS).\n\n"
        "- Fixed.\n")
    assert notify(run, repo)[0] == 0
    [mail] = [m for m in smtp.received if m.to == "alice@example.org"
              and m.message["Message-ID"] == f"<outpost.rtl.20261128T1500Z@{SITE}>"]
    assert mail.part("html").split("<body", 1)[1] == (
        ' style="font-family:sans-serif;line-height:1.5;max-width:40em;'
        'overflow-wrap:anywhere">\n'
        '<h1 dir="auto" style="font-size:1.3em">Investigating: <bdi>DNS</bdi></h1>\n'
        '<p dir="auto">\u0648\u062c\u062f\u0646\u0627 \u0627\u0644\u0633\u0628\u0628 (DNS).</p>\n'
        '<ul>\n<li dir="auto">Fixed.</li>\n</ul>\n'
        '<table><tr><th dir="auto" align="left" style="padding:2px 12px 2px 0">Status</th>'
        '<td dir="auto">Investigating</td></tr>'
        '<tr><th dir="auto" align="left" style="padding:2px 12px 2px 0">Affected</th>'
        '<td dir="auto"><bdi>Web</bdi></td></tr>'
        '<tr><th dir="auto" align="left" style="padding:2px 12px 2px 0">Posted</th>'
        '<td dir="auto">Nov 28, 2026, 9:00 AM CST</td></tr></table>\n'
        '<p dir="auto"><a href="https://status.example.org/notices/rtl/">Read the notice</a>'
        '</p>\n<p dir="auto" style="color:#555;font-size:.9em">You receive this as a contact '
        'of <a href="https://status.example.org/">Test Status</a>.</p>\n</body></html>\n')


def test_html_email_fits_a_320_px_phone_with_a_long_link_and_code(
        run: Run, repo: Path, smtp: MailServer, browser: Any) -> None:
    """Mail clients show no stylesheet, and the pages' breaks a long word and wraps code:
    an update with a long address or command made the email 767 px wide at 320, which a
    phone's mail app scrolls sideways or shrinks to unreadable text."""
    long_url = ("https://support.example.org/customers/knowledge-base/articles/"
                "0000123456789-a-very-long-article-slug-that-never-breaks")
    (repo / "notices" / "wide.md").write_text(
        "---\ntitle: Wide\ntype: incident\ncomponents: [web]\n---\n"
        "## Investigating - 2026-11-28 09:00\n"
        f"See {long_url} or [the article]({long_url}).\n\n"
        "```\n$ curl -sS https://api.example.org/v1/health/check/with/a/long/path?and=query"
        "&string=that-goes-on-and-on\n```\n")
    assert notify(run, repo)[0] == 0
    [mail] = [m for m in smtp.received if m.to == "alice@example.org"
              and m.message["Message-ID"] == f"<outpost.wide.20261128T1500Z@{SITE}>"]
    html = mail.part("html")
    assert '<pre style="white-space:pre-wrap"><code>$ curl' in html
    page = browser.new_page(viewport={"width": 320, "height": 568})
    try:
        page.set_content(html)
        assert page.evaluate("document.documentElement.scrollWidth") == 320
        assert page.evaluate("getComputedStyle(document.querySelector('pre')).whiteSpace"
                             ) == "pre-wrap"
    finally:
        page.close()


def test_html_email_isolates_a_right_to_left_title_and_names(run: Run, repo: Path,
                                                            smtp: MailServer) -> None:
    """'Investigating: <title>' is an English line: without an isolate, an Arabic title's
    closing '!' was laid out on the line's right, the start of the title, and a list of
    Arabic component names merged into one right-to-left run with its commas."""
    web, api = "\u0627\u0644\u0648\u064a\u0628!", "\u0627\u0644\u0628\u0631\u064a\u062f (API)"
    config = repo / "outpost.yaml"
    config.write_text(config.read_text().replace("name: Web", f"name: {web}")
                      .replace("name: API", f"name: {api}"))
    title = "\u0627\u0646\u0642\u0637\u0627\u0639 \u0627\u0644\u0628\u0631\u064a\u062f!"
    (repo / "notices" / "rtl.md").write_text(
        f"---\ntitle: {title}\ntype: incident\ncomponents: [web, api]\n---\n"
        "## Investigating - 2026-11-28 09:00\nOn it.\n")
    assert notify(run, repo)[0] == 0
    [mail] = [m for m in smtp.received if m.to == "alice@example.org"
              and m.message["Message-ID"] == f"<outpost.rtl.20261128T1500Z@{SITE}>"]
    html = mail.part("html")
    assert f'<h1 dir="auto" style="font-size:1.3em">Investigating: <bdi>{title}</bdi></h1>' in html
    assert f'<td dir="auto"><bdi>{web}</bdi>, <bdi>{api}</bdi></td>' in html
    assert "<bdi>" not in html.split("<body", 1)[0]  # a <title> holds text only


def test_a_contact_name_with_a_comma_and_accents_stays_one_address(
        run: Run, repo: Path, smtp: MailServer) -> None:
    config = repo / "outpost.yaml"
    config.write_text(config.read_text().replace("name: Alice Admin",
                                                 "name: \"Zoë O'Brien, IT\""))
    assert notify(run, repo)[0] == 0
    alice = [m for m in smtp.received if m.to == "alice@example.org"]
    assert alice
    for mail in alice:
        [address] = mail.message["To"].addresses
        assert (address.display_name, address.addr_spec) == ("Zoë O'Brien, IT",
                                                              "alice@example.org")
        assert not mail.message["To"].defects


def test_a_long_name_in_other_letters_keeps_every_space(run: Run, repo: Path,
                                                        smtp: MailServer) -> None:
    """Python folds a long non-ASCII name in To or From into encoded words and may put
    the space between two words on the fold, between two encoded words, where decoders
    drop it: 'школьного округа номер' reached the contact as 'школьного округаномер'."""
    name = "Отдел информационных технологий школьного округа номер один"
    sender = "Служба статуса информационных технологий школьного округа номер один"
    config = repo / "outpost.yaml"
    config.write_text(config.read_text().replace("name: Alice Admin", f"name: {name}")
                      .replace("from: Test Status", f"from: {sender}"))
    assert notify(run, repo)[0] == 0
    alice = [m for m in smtp.received if m.to == "alice@example.org"]
    assert alice
    for mail in alice:
        raw = dict(mail.message.raw_items())
        # As a mail client reads them (RFC 2047): the folds between encoded words go.
        assert [str(email.header.make_header(email.header.decode_header(raw[header])))
                for header in ("To", "From")] == [f"{name} <alice@example.org>",
                                                  f"{sender} <status@example.org>"]


@pytest.mark.parametrize(("title", "phrase"), [
    ("Test Status", "Test Status"),
    ("Acme, Inc. <beta>", '"Acme, Inc. <beta>"'),
    ("Zoë's Status", "Zoë's Status"),
])
def test_the_list_id_names_the_site_and_then_the_list(
        run: Run, repo: Path, smtp: MailServer, title: str, phrase: str) -> None:
    """A site title with a comma or '<' is quoted: unquoted, a client taking the first
    '<...>' read 'beta' as the list's id."""
    config = repo / "outpost.yaml"
    config.write_text(config.read_text().replace("title: Test Status", f'title: "{title}"', 1))
    assert notify(run, repo)[0] == 0
    for mail in smtp.received:
        assert str(mail.message["List-Id"]) == f"{phrase} <notify.{SITE}>"
        assert not mail.message["List-Id"].defects


RELATIVE_LINKS = ("See [the notice list](../), [Web](/components/web/), "
                  "[the first update](#update-20261127T1400Z) and "
                  '<a href="?view=print&amp;x=1">a printable page</a>. '
                  "[Elsewhere](https://example.net/a) and [mail](mailto:ops@example.org).")


def notify_relative_links(run: Run, repo: Path) -> None:
    """Post an update holding RELATIVE_LINKS (at 17:30 UTC), then notify."""
    posted = run(repo, "update", "api-upgrade", "--at", "2026-11-28 11:30", "-m",
                 RELATIVE_LINKS)
    assert posted.exit_code == 0, posted.output
    assert notify(run, repo)[0] == 0


def test_links_in_emails_are_absolute_resolved_against_the_notice_page(
        run: Run, repo: Path, smtp: MailServer) -> None:
    notify_relative_links(run, repo)
    update_id = f"<outpost.api-upgrade.20261128T1730Z@{SITE}>"
    mails = [m for m in smtp.received if m.message["Message-ID"] == update_id]
    assert sorted(m.to for m in mails) == ["alice@example.org", "bob@example.org"]
    page = "https://status.example.org/notices/api-upgrade/"
    for mail in mails:
        html = mail.part("html")
        assert all(is_absolute(url) for url in hrefs(html)), hrefs(html)
        assert hrefs(html)[:6] == [
            "https://status.example.org/notices/", "https://status.example.org/components/web/",
            f"{page}#update-20261127T1400Z", f"{page}?view=print&x=1",
            "https://example.net/a", "mailto:ops@example.org"]
        assert mail.part("plain").startswith(
            "Update: API upgrade\n\n"
            "See [the notice list](https://status.example.org/notices/), "
            "[Web](https://status.example.org/components/web/), "
            f"[the first update]({page}#update-20261127T1400Z) and "
            f'<a href="{page}?view=print&amp;x=1">a printable page</a>. '
            "[Elsewhere](https://example.net/a) and [mail](mailto:ops@example.org).\n")
    # The HTML depends on the update alone: both contacts get the same bytes.
    assert mails[0].part("html") == mails[1].part("html")


ISO_WITH_OFFSET = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$"
STATUSPAGE_UPDATE = {
    "type": "object",
    "required": ["id", "incident_id", "status", "body", "created_at", "updated_at",
                 "display_at", "affected_components", "deliver_notifications", "custom_tweet",
                 "tweet_id"],
    "properties": {"id": {"type": "string", "pattern": "^[0-9a-z]{12}$"},
                   "status": {"enum": ["investigating", "identified", "monitoring", "resolved",
                                       "scheduled", "in_progress", "verifying", "completed"]},
                   "created_at": {"type": "string", "pattern": ISO_WITH_OFFSET}},
}
STATUSPAGE_WEBHOOK = {
    "type": "object",
    "required": ["meta", "page", "incident"],
    "properties": {
        "meta": {"type": "object", "required": ["unsubscribe", "documentation"]},
        "page": {"type": "object", "required": ["id", "status_indicator", "status_description"],
                 "properties": {"id": {"type": "string", "pattern": "^[0-9a-z]{12}$"},
                                "status_indicator": {"enum": ["none", "minor", "major",
                                                              "critical", "maintenance"]}}},
        "incident": {
            "type": "object",
            "required": ["id", "name", "status", "impact", "created_at", "updated_at",
                         "monitoring_at", "resolved_at", "started_at", "shortlink", "page_id",
                         "incident_updates", "components", "scheduled_for", "scheduled_until",
                         "scheduled_remind_prior", "scheduled_reminded_at",
                         "scheduled_auto_in_progress", "scheduled_auto_completed",
                         "reminder_intervals", "postmortem_body"],
            "properties": {"id": {"type": "string", "pattern": "^[0-9a-z]{12}$"},
                           "incident_updates": {"type": "array", "items": STATUSPAGE_UPDATE}},
        },
    },
}


def test_webhook_payloads_have_statuspage_and_slack_shapes(
        run: Run, repo: Path, hooks: HookServer) -> None:
    import jsonschema

    assert notify(run, repo)[0] == 0
    posts = {p.headers["X-Outpost-Delivery"]: p for p in hooks.posts("/statuspage")}
    for post in posts.values():
        jsonschema.validate(post.body, STATUSPAGE_WEBHOOK)
        assert post.headers["Content-Type"] == "application/json; charset=utf-8"
    # The README told receivers 'application/json': one matching the header exactly failed.
    assert "`Content-Type: application/json; charset=utf-8`" in (REPO / "README.md").read_text()
    first = posts[OUTAGE_KEYS[0]].body
    assert first["page"]["status_indicator"] == "major"
    assert first["page"]["status_description"] == "Partial System Outage"
    incident = first["incident"]
    assert incident["name"] == "Database outage"
    assert incident["status"] == "investigating" and incident["impact"] == "major"
    assert incident["shortlink"] == "https://status.example.org/notices/database-outage/"
    assert incident["created_at"] == "2026-11-28T09:00:00.000-06:00"
    assert incident["resolved_at"] is None and incident["scheduled_for"] is None
    assert [u["status"] for u in incident["incident_updates"]] == ["investigating"]
    [web] = incident["components"]
    assert (web["name"], web["status"], web["group"]) == ("Web", "partial_outage", False)
    assert [u["affected_components"] for u in incident["incident_updates"]] == [[{
        "code": web["id"], "name": "Web", "old_status": "operational",
        "new_status": "partial_outage"}]]
    site = repo.parent / "site"
    assert run(repo, "build", "--now", NOW, "--out", str(site)).exit_code == 0
    public = json.loads((site / "api" / "v2" / "incidents.json").read_bytes())
    [same] = [i for i in public["incidents"] if i["name"] == "Database outage"]
    assert (same["id"], same["page_id"]) == (incident["id"], first["page"]["id"])
    resolved = posts[OUTAGE_KEYS[2]].body
    assert resolved["incident"]["id"] == incident["id"]
    assert resolved["incident"]["status"] == "resolved"
    assert resolved["incident"]["resolved_at"] == "2026-11-28T10:30:00.000-06:00"
    assert resolved["page"]["status_indicator"] == "none"
    assert [u["status"] for u in resolved["incident"]["incident_updates"]] == [
        "resolved", "identified", "investigating", "investigating"]
    assert [u["deliver_notifications"] for u in resolved["incident"]["incident_updates"]] == [
        True, True, False, True]
    reminder = posts[UPGRADE_KEYS[1]].body["incident"]
    assert reminder["impact"] == "maintenance" and reminder["status"] == "scheduled"
    assert reminder["scheduled_for"] == "2026-11-28T13:00:00.000-06:00"
    assert reminder["scheduled_until"] == "2026-11-28T15:00:00.000-06:00"
    assert reminder["scheduled_reminded_at"] == "2026-11-28T11:00:00.000-06:00"
    assert reminder["scheduled_remind_prior"] is True
    slack = {p.headers["X-Outpost-Delivery"]: p.body for p in hooks.posts("/slack")}
    message = slack[OUTAGE_KEYS[1]]
    assert message["text"] == ("[Test Status] Identified: Database outage "
                               "https://status.example.org/notices/database-outage/")
    block = message["blocks"][0]
    assert block["type"] == "section" and block["text"]["type"] == "mrkdwn"
    assert block["text"]["text"] == (
        "*[Test Status] Identified: Database outage*\n"
        "A failed disk. We are *replacing* it.\n"
        "<https://status.example.org/notices/database-outage/|Read the notice>")
    # A reminder says what it is about, as its email does; it repeated its headline.
    assert slack[UPGRADE_KEYS[1]]["blocks"][0]["text"]["text"] == (
        "*[Test Status] Reminder: Cache flush starts Nov 28, 2026, 1:00 PM CST*\n"
        "Status: Scheduled\nAffected: API\nWindow: Nov 28, 2026, 1:00 \u2013 3:00 PM CST\n"
        "<https://status.example.org/notices/cache-flush/|Read the notice>")
    script = slack[OUTAGE_KEYS[0]]["blocks"][0]["text"]["text"]
    assert "Pages load slowly  for some districts." in script  # sanitized like the pages
    json.dumps(message)


SLACK_SECTION_LIMIT = 3000  # a section block's text: Slack refuses more


def utf8_bytes(text: str) -> int:
    """The strictest of the counts Slack may use (characters, UTF-16 units, bytes)."""
    return len(text.encode("utf-8"))


def chat_posts(run: Run, repo: Path, hooks: HookServer, notice_id: str, title: str,
               body: str, path: str = "/slack") -> list[Post]:
    """Write an incident investigated at 09:00 with ``title`` and ``body``, notify, and
    return what the hook at ``path`` got for it (its posts: headers and JSON body)."""
    (repo / "notices" / f"{notice_id}.md").write_text(
        f"---\ntitle: {json.dumps(title)}\ntype: incident\n---\n"
        f"## Investigating - 2026-11-28 09:00\n{body}\n")
    assert notify(run, repo)[0] == 0
    return [post for post in hooks.posts(path)
            if post.headers["X-Outpost-Delivery"] == f"{notice_id}/20261128T1500Z"]


@pytest.mark.parametrize(("title", "body"), [
    ("Slow <!channel> pages & <b>logins</b>", "Fine."),
    ("Long" + " title & more" * 18, "x & " * 3000),  # near the 250-character limit
    ("Long body", "x & " * 3000),
    ("Emoji ✅ " * 19 + "Emoji ✅", "Fixed 😀 now & " * 400),  # over the limit in bytes alone
])
def test_slack_messages_escape_user_text_and_fit_a_section_block(
        run: Run, repo: Path, hooks: HookServer, title: str, body: str) -> None:
    """Slack reads '<!channel>' in any mrkdwn text, the fallback 'text' too (it notifies
    everyone), and refuses a section block over 3000 characters."""
    [post] = chat_posts(run, repo, hooks, "hostile", title, body)
    section = post.body["blocks"][0]["text"]["text"]
    assert utf8_bytes(section) <= SLACK_SECTION_LIMIT
    link = "<https://status.example.org/notices/hostile/|Read the notice>"
    assert section.endswith(link)
    for text in (post.body["text"], section.removesuffix(link)):
        assert "<" not in text and ">" not in text
        assert re.fullmatch(r"([^&]|&amp;|&lt;|&gt;)*", text, re.S), text[-40:]
    unescaped = unescape(post.body["text"])
    assert unescaped == f"[Test Status] Investigating: {title} {link[1:].split('|')[0]}"


def test_chat_messages_never_mention_everyone_but_statuspage_data_is_as_written(
        run: Run, repo: Path, hooks: HookServer) -> None:
    """Mattermost reads '@channel', '@all' and '@here', Discord '@everyone' and '@here'
    (and Slack '<!here>'): typed in a notice, they paged a whole workspace. A word joiner
    after the '@' keeps the words as they read; Statuspage's JSON is data, kept as typed."""
    title = "Mail down: @channel @ALL"
    [post] = chat_posts(run, repo, hooks, "ping", title,
                        "Hey @everyone, @here (and **@channel**): `@all` <!here>")
    chat = post.body
    joined = "@\u2060"
    assert chat["text"] == (f"[Test Status] Investigating: Mail down: {joined}channel "
                            f"{joined}ALL https://status.example.org/notices/ping/")
    assert chat["blocks"][0]["text"]["text"] == (
        f"*[Test Status] Investigating: Mail down: {joined}channel {joined}ALL*\n"
        f"Hey {joined}everyone, {joined}here (and *{joined}channel*): `{joined}all` "
        "&lt;!here&gt;\n<https://status.example.org/notices/ping/|Read the notice>")
    [data] = [p.body for p in hooks.posts("/statuspage")
              if p.headers["X-Outpost-Delivery"] == "ping/20261128T1500Z"]
    assert data["incident"]["name"] == title
    assert data["incident"]["incident_updates"][0]["body"] == (
        "Hey @everyone, @here (and **@channel**): `@all` <!here>")


def test_chat_messages_never_mention_a_discord_role_or_user(run: Run, repo: Path,
                                                         hooks: HookServer) -> None:
    """Discord's Slack endpoint decodes '&lt;' as Slack does: '<@&123>' typed in a notice
    reached it as a role mention, paging everyone in that role."""
    [post] = chat_posts(run, repo, hooks, "role", "Mail down <@&123>",
                        "Ask <@456> or <@!789>.")
    chat = post.body
    joined = "&lt;@\u2060"
    assert chat["text"] == (f"[Test Status] Investigating: Mail down {joined}&amp;123&gt; "
                            "https://status.example.org/notices/role/")
    assert chat["blocks"][0]["text"]["text"] == (
        f"*[Test Status] Investigating: Mail down {joined}&amp;123&gt;*\n"
        f"Ask {joined}456&gt; or {joined}!789&gt;.\n"
        "<https://status.example.org/notices/role/|Read the notice>")


def test_a_slack_title_renders_literally(run: Run, repo: Path, hooks: HookServer) -> None:
    """A title holding '```' opened a code block in the bold title that swallowed the
    update and the notice's link; a '*' closed the bold early."""
    title = "```pg_dump``` fails on *all* hosts > 2 & <b>"
    [post] = chat_posts(run, repo, hooks, "ticks", title, "We are on it.")
    assert post.body["blocks"][0]["text"]["text"] == (
        "*[Test Status] Investigating: \u02cb\u02cb\u02cbpg_dump\u02cb\u02cb\u02cb fails on "
        "\u2217all\u2217 hosts &gt; 2 &amp; &lt;b&gt;*\nWe are on it.\n"
        "<https://status.example.org/notices/ticks/|Read the notice>")


def test_a_chat_text_shows_a_title_as_typed_in_markdown_too(run: Run, repo: Path,
                                                           hooks: HookServer) -> None:
    """Mattermost and Rocket.Chat show a Slack message's 'text' alone, as Markdown: a
    title's '`fails`' showed as code, '[x](url)' as a link to anywhere, and marks
    inside a word ('a*b*c', 'x~~y~~') formatted it, as Slack's mrkdwn never does."""
    title = "Login `fails` for *some* [x](https://evil.example) ![i](http://e.x/i.png) a*b*c x~~y~~"
    [post] = chat_posts(run, repo, hooks, "marks", title, "We are on it.")
    star, tick, tilde, gap = "\u2217", "\u02cb", "\u223c", "\u200b"
    assert post.body["text"] == (
        f"[Test Status] Investigating: Login {tick}fails{tick} for {star}some{star} "
        f"[x]{gap}(https://evil.example) ![i]{gap}(http://e.x/i.png) a{star}b{star}c "
        f"x{tilde}{tilde}y{tilde}{tilde} https://status.example.org/notices/marks/")
    assert post.body["blocks"][0]["text"]["text"] == (  # Slack's blocks read no Markdown
        f"*[Test Status] Investigating: Login {tick}fails{tick} for {star}some{star} "
        f"[x](https://evil.example) ![i](http://e.x/i.png) a*b*c x{tilde}{tilde}y{tilde}{tilde}*\n"
        "We are on it.\n"
        "<https://status.example.org/notices/marks/|Read the notice>")


@pytest.mark.parametrize("body", [
    "See [the notice list](../) and more. " * 200,
    "```\n" + "if a < b & c:\n" * 400 + "```",
])
def test_a_long_slack_message_is_cut_between_links_and_closes_its_code_block(
        run: Run, repo: Path, hooks: HookServer, body: str) -> None:
    """Cut inside '<url|text>' the rest would show as a broken link; cut inside a code
    block, the link to the notice would be read as code."""
    [post] = chat_posts(run, repo, hooks, "long", "Long", body)
    section = post.body["blocks"][0]["text"]["text"]
    assert utf8_bytes(section) <= SLACK_SECTION_LIMIT
    text, link = section.rsplit("\n", 1)
    assert link == "<https://status.example.org/notices/long/|Read the notice>"
    assert re.fullmatch(r"([^<>]|<https://status\.example\.org/notices/\|the notice list>)*",
                        text, re.S), text[-60:]
    assert text.count("```") % 2 == 0 and text.endswith(("...", "...\n```")), text[-60:]


def test_slack_messages_carry_links_resolved_against_the_notice_page(
        run: Run, repo: Path, hooks: HookServer) -> None:
    """As in the plain-text email: a chat has no page to resolve '../' against."""
    notify_relative_links(run, repo)
    [post] = [p for p in hooks.posts("/slack")
              if p.headers["X-Outpost-Delivery"] == "api-upgrade/20261128T1730Z"]
    page = "https://status.example.org/notices/api-upgrade/"
    assert post.body["blocks"][0]["text"]["text"].split("\n")[1] == (
        "See <https://status.example.org/notices/|the notice list>, "
        "<https://status.example.org/components/web/|Web>, "
        f"<{page}#update-20261127T1400Z|the first update> and "
        f"<{page}?view=print&amp;x=1|a printable page>. "
        "<https://example.net/a|Elsewhere> and <mailto:ops@example.org|mail>.")


def test_slack_test_message_escapes_the_site_title(run: Run, repo: Path,
                                                   hooks: HookServer) -> None:
    config = repo / "outpost.yaml"
    config.write_text(config.read_text().replace("title: Test Status",
                                                 "title: Test & <!here> Status"))
    assert notify(run, repo, "--test", "chat")[0] == 0
    [post] = hooks.posts("/slack")
    assert post.body == {"text": "[Test &amp; &lt;!here&gt; Status] Test message: Outpost "
                                 "can post to this webhook."}


def test_smtp_credentials_come_from_the_environment(
        run: Run, tmp_path: Path, hooks: HookServer, monkeypatch: pytest.MonkeyPatch) -> None:
    for server in mail_server(auth=True):
        root = make_repo(tmp_path, server.port, hooks.port)
        monkeypatch.setenv("TEST_CHAT_URL", hooks.url("/slack"))
        monkeypatch.setenv("OUTPOST_SMTP_USERNAME", "mailer")
        monkeypatch.setenv("OUTPOST_SMTP_PASSWORD", "s3cret pass")
        code, output = notify(run, root)
        assert code == 0, output
        assert sent_mail(server) == expected_mail()
        assert set(server.handler.logins) == {("mailer", "s3cret pass")}
        assert "s3cret" not in output


def test_an_ipv6_smtp_host_is_written_in_brackets_and_reached(
        run: Run, tmp_path: Path, hooks: HookServer, monkeypatch: pytest.MonkeyPatch) -> None:
    for server in mail_server(host="::1"):
        root = notify_repo_for(tmp_path, server, hooks, monkeypatch)
        config = root / "outpost.yaml"
        config.write_text(config.read_text().replace("host: 127.0.0.1", 'host: "[::1]"'))
        assert run(root, "check").exit_code == 0
        code, output = notify(run, root)
        assert code == 0, output
        assert f"(via [::1]:{server.port})" in output
        assert sent_mail(server) == expected_mail()


def test_wrong_smtp_credentials_fail_clearly_and_send_no_email(
        run: Run, tmp_path: Path, hooks: HookServer, monkeypatch: pytest.MonkeyPatch) -> None:
    for server in mail_server(auth=True):
        root = make_repo(tmp_path, server.port, hooks.port)
        monkeypatch.setenv("TEST_CHAT_URL", hooks.url("/slack"))
        monkeypatch.setenv("OUTPOST_SMTP_USERNAME", "mailer")
        monkeypatch.setenv("OUTPOST_SMTP_PASSWORD", "Wr0ngPa55")
        code, output = notify(run, root)
        assert code == 1
        refused = (f"127.0.0.1:{server.port} refused the login (535 5.7.8 Authentication "
                   "credentials invalid): check OUTPOST_SMTP_USERNAME and OUTPOST_SMTP_PASSWORD")
        assert f"FAILED alice@example.org <- {UPGRADE_KEYS[0]}: {refused}\n" in output
        assert f"FAILED bob@example.org <- {UPGRADE_KEYS[1]}: {refused}\n" in output
        assert len(server.handler.logins) == 2  # one login: smtplib tries PLAIN, then LOGIN
        assert "Wr0ngPa55" not in output
        assert output.rstrip().endswith(
            "Error: 10 sent, 7 failed; the failed ones are retried on the next run.")
        assert server.received == []


def test_only_one_of_username_and_password_is_an_error(
        run: Run, repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OUTPOST_SMTP_USERNAME", "mailer")
    code, output = notify(run, repo)
    assert code == 1
    assert output.rstrip().endswith(
        "Error: set both OUTPOST_SMTP_USERNAME and OUTPOST_SMTP_PASSWORD, or neither")


def test_missing_webhook_url_variable_fails_that_webhook_only(
        run: Run, repo: Path, smtp: MailServer, hooks: HookServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TEST_CHAT_URL")
    code, output = notify(run, repo)
    assert code == 1
    assert (f"FAILED webhook chat (slack) <- {OUTAGE_KEYS[0]}: environment variable "
            "TEST_CHAT_URL is not set") in output
    assert sent_mail(smtp) == expected_mail()
    monkeypatch.setenv("TEST_CHAT_URL", hooks.url("/slack"))
    assert notify(run, repo)[0] == 0
    assert_everything_once(smtp, hooks)


@pytest.mark.parametrize("url", ["https://hooks.example.org/T0/sec ret", "https://[::1/T0/secret",
                                 "ftp://hooks.example.org/T0/secret", "https:///T0/secret"])
def test_a_webhook_url_variable_that_is_no_url_fails_that_webhook_unrepeated(
        run: Run, repo: Path, smtp: MailServer, monkeypatch: pytest.MonkeyPatch,
        url: str) -> None:
    monkeypatch.setenv("TEST_CHAT_URL", url)
    code, output = notify(run, repo)
    assert code == 1
    assert (f"FAILED webhook chat (slack) <- {OUTAGE_KEYS[0]}: environment variable "
            "TEST_CHAT_URL does not hold an http(s) URL (not repeated: it may be a "
            "secret)\n") in output
    assert "T0" not in output
    assert sent_mail(smtp) == expected_mail()


@pytest.mark.parametrize("target", ["someone@example.net", "chat"])
def test_dry_run_with_test_is_refused_and_sends_nothing(
        run: Run, repo: Path, smtp: MailServer, hooks: HookServer, target: str) -> None:
    """'--dry-run: send nothing', yet with --test a real message went out."""
    code, output = notify(run, repo, "--dry-run", "--test", target)
    assert (code, output.splitlines()[-1]) == (
        2, "Error: --dry-run or --test, not both: --test sends a real message")
    assert smtp.received == [] and hooks.state.attempts == []


def test_test_message_goes_to_an_address_or_a_webhook_and_is_not_recorded(
        run: Run, repo: Path, smtp: MailServer, hooks: HookServer) -> None:
    code, output = notify(run, repo, "--test", "someone@example.net")
    assert code == 0, output
    assert output == f"Sent a test email to someone@example.net via 127.0.0.1:{smtp.port}.\n"
    [mail] = smtp.received
    assert mail.rcpt_tos == ["someone@example.net"]
    assert mail.message["Subject"] == "[Test Status] Test message"
    assert re.fullmatch(r"<outpost\.test\.[0-9]{8}T[0-9]{6}Z@[^@<>\s]+>",
                        str(mail.message["Message-ID"]))
    assert "Outpost can send email notifications" in mail.part("plain")
    code, output = notify(run, repo, "--test", "chat")
    assert output == "Posted a test message to webhook chat: HTTP 200.\n"
    [post] = hooks.posts("/slack")
    assert post.body == {"text": "[Test Status] Test message: Outpost can post to this "
                                 "webhook."}
    code, output = notify(run, repo, "--test", "receiver")
    assert code == 0
    assert hooks.posts("/statuspage")[0].body["page"]["status_description"] == (
        "Test message from Outpost")
    code, output = notify(run, repo, "--test", "nobody")
    assert code == 1
    assert output == ("Error: --test nobody: not an email address nor a webhook name "
                      "(webhooks: receiver, chat)\n")
    assert not (repo / ".outpost-state").exists()
    assert re.search(r"notify-record", output) is None


@pytest.mark.parametrize("target", ["x@", "@", "a@example.org, b@example.org",
                                    "Foo <a@example.org>", "zo\u00eb@example.org",
                                    "a@example.org\nBcc: c@example.org"])
def test_test_message_refuses_what_is_not_one_address(
        run: Run, repo: Path, smtp: MailServer, target: str) -> None:
    """As a contact's 'email': 'x@' was an internal error, '@' was "sent" to '<>'."""
    code, output = notify(run, repo, "--test", target)
    assert (code, output) == (1, f"Error: --test {target}: not an email address such as "
                                 "'ops@example.org'\n")
    assert smtp.received == []


# RFC 5322 msg-id: '<' id-left '@' id-right '>', id-right a dot-atom or a domain literal.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
MSG_ID = re.compile(rf"<{_ATOM}(?:\.{_ATOM})*@(?:{_ATOM}(?:\.{_ATOM})*|\[[!-Z^-~]*\])>")
# RFC 2919 List-Id: an optional phrase, then '<' list-label '.' list-id-namespace '>'.
LIST_ID = re.compile(rf"(?:.*\s)?<{_ATOM}(?:\.{_ATOM})*\.{_ATOM}>")


@pytest.mark.parametrize(("base_url", "id_right", "list_id"), [
    ("https://[2001:db8::1]/status/", "[2001:db8::1]",
     "notify.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"),
    ("https://192.0.2.7/status/", "192.0.2.7", "notify.192.0.2.7"),
    # A fully qualified name's final dot: the same host, and no dot-atom ends in '.'.
    ("https://status.example.org./", "status.example.org", "notify.status.example.org"),
])
def test_an_ip_address_site_writes_valid_message_and_list_ids(
        run: Run, repo: Path, smtp: MailServer, base_url: str, id_right: str,
        list_id: str) -> None:
    """The id after '@' is a dot-atom or a domain literal: '@2001:db8::1' is neither
    (Python's parser reads the Message-ID as '<...@2001'). A List-Id names a DNS name."""
    config = repo / "outpost.yaml"
    config.write_text(config.read_text().replace("https://status.example.org/", base_url))
    assert notify(run, repo)[0] == 0
    assert notify(run, repo, "--test", "someone@example.net")[0] == 0
    root_id = f"<outpost.database-outage.20261128T1500Z@{id_right}>"
    assert root_id in {str(m.message["Message-ID"]) for m in smtp.received}
    assert {str(m.message["In-Reply-To"]) for m in smtp.received
            if m.message["In-Reply-To"] and "database-outage" in m.message["Message-ID"]
            } == {root_id}
    for mail in smtp.received:
        for name in ("Message-ID", "In-Reply-To", "References"):
            header = mail.message[name]
            if header is not None:
                assert MSG_ID.fullmatch(str(header)), str(header)
                assert not header.defects
                assert str(header).endswith(f"@{id_right}>")
        if mail.to != "someone@example.net":
            assert str(mail.message["List-Id"]) == f"Test Status <{list_id}>"
            assert LIST_ID.fullmatch(str(mail.message["List-Id"]))
            # As sent, not only as Python decodes it: an ip6.arpa id is past 78
            # characters, which Python folded into RFC 2047 encoded words ('=?utf-8?b?
            # PG5vdGlmeS4x...'), an id no mail client or filter reads.
            raw = dict(mail.message.raw_items())["List-Id"]
            assert " ".join(raw.split()) == f"Test Status <{list_id}>", raw


def test_a_long_thread_id_is_sent_as_a_message_id_not_an_encoded_word(
        run: Run, repo: Path, smtp: MailServer) -> None:
    """Past 78 characters Python folded In-Reply-To and References as RFC 2047
    encoded words ('=?utf-8?q?=3Coutpost...'), which no mail client reads as an id:
    the updates of a notice with a long id or host never threaded."""
    host = "status.notifications.a-district-with-a-long-name.example.org"
    config = repo / "outpost.yaml"
    config.write_text(config.read_text().replace("status.example.org", host))
    assert notify(run, repo)[0] == 0
    root_id = f"<outpost.database-outage.20261128T1500Z@{host}>"
    replies = [mail for mail in smtp.received if mail.message["In-Reply-To"]]
    assert replies
    for mail in replies:
        raw = dict(mail.message.raw_items())
        for name in ("In-Reply-To", "References"):
            assert "=?" not in raw[name], raw[name]
        if "database-outage" in mail.message["Message-ID"]:
            assert " ".join(raw["In-Reply-To"].split()) == root_id


INJECTING_TITLE = ("=?utf-8?q?Outage=0D=0AReply-To:_attacker@evil.example=0D=0A=0D=0A"
                   "Phish?= now")


def test_a_title_written_as_encoded_words_is_sent_as_typed_never_as_headers(
        run: Run, repo: Path, smtp: MailServer) -> None:
    """Python's email parser decodes RFC 2047 encoded words in a header value it is given:
    a title holding '=?utf-8?q?...=0D=0A...?=' (one line, so check passed it) became a line
    break in the Subject, then a Reply-To of the author's choosing and a body of theirs."""
    (repo / "notices" / "inj.md").write_text(
        f"---\ntitle: '{INJECTING_TITLE}'\ntype: incident\n---\n"
        "## Investigating - 2026-11-28 09:00\nOn it.\n")
    assert notify(run, repo)[0] == 0
    [mail] = [m for m in smtp.received if m.to == "alice@example.org"
              and "Outage" in str(m.message["Subject"])]
    assert mail.message["Reply-To"] is None
    assert mail.message["Message-ID"] == f"<outpost.inj.20261128T1500Z@{SITE}>"
    assert str(mail.message["Subject"]) == f"[Test Status] Investigating: {INJECTING_TITLE}"
    assert mail.part("plain").startswith(f"Investigating: {INJECTING_TITLE}\n\nOn it.\n")


def test_a_long_subject_in_other_letters_keeps_every_space(run: Run, repo: Path,
                                                           smtp: MailServer) -> None:
    """Python folds a long non-ASCII Subject into encoded words and may put the space
    between two words on the fold, between two encoded words, where decoders drop it:
    'школ в течение' reached contacts as 'школ втечение'."""
    title = ("Ошибка входа: сервис недоступен для всех районов и школ в течение утра "
             "понедельника, пока идёт восстановление базы данных в течение утра")
    (repo / "notices" / "ru.md").write_text(
        f"---\ntitle: '{title}'\ntype: incident\n---\n"
        "## Investigating - 2026-11-28 09:00\nOn it.\n")
    assert notify(run, repo)[0] == 0
    [mail] = [m for m in smtp.received if m.to == "alice@example.org"
              and m.message["Message-ID"] == f"<outpost.ru.20261128T1500Z@{SITE}>"]
    assert str(mail.message["Subject"]) == f"[Test Status] Investigating: {title}"


@pytest.mark.parametrize("title", ["Zoë, Inc. <beta>", "École <beta>",
                                   "=?utf-8?q?a=0D=0AX-Evil:_1?= <beta>"])
def test_a_site_title_with_other_letters_or_encoded_words_is_the_list_ids_phrase(
        run: Run, repo: Path, smtp: MailServer, title: str) -> None:
    """Python encodes a non-ASCII title word by word, leaving '<beta>' bare before the
    list's id, where a client taking the first '<...>' reads 'beta' (the quotes an ASCII
    title gets were lost); and it decoded a title's encoded words into a line break."""
    config = repo / "outpost.yaml"
    config.write_text(config.read_text().replace("title: Test Status", f"title: '{title}'", 1))
    assert notify(run, repo)[0] == 0
    for mail in smtp.received:
        raw = dict(mail.message.raw_items())
        assert "X-Evil" not in raw
        assert re.findall(r"<[^<>]*>", raw["List-Id"]) == [f"<notify.{SITE}>"], raw["List-Id"]
        assert str(mail.message["List-Id"]) == f"{title} <notify.{SITE}>"
        assert str(mail.message["Subject"]).startswith(f"[{title}] ")


def test_an_incident_email_asks_for_a_case_as_its_page_does(run: Run, repo: Path,
                                                            smtp: MailServer) -> None:
    """The page asks contacts to submit a case even though the notice exists; the email,
    which reaches them first, had no word or link for it. A maintenance's asks for none."""
    config = repo / "outpost.yaml"
    config.write_text(config.read_text() + "submit_case_url: "
                      "https://support.example.org/cases/new?notice={id}\n")
    assert notify(run, repo)[0] == 0
    mails = {str(m.message["Message-ID"]): m for m in smtp.received
             if m.to == "alice@example.org"}
    first = mails[f"<outpost.database-outage.20261128T1500Z@{SITE}>"]
    link = "https://support.example.org/cases/new?notice=database-outage"
    assert (f"Read the notice: https://status.example.org/notices/database-outage/\n"
            f"Experiencing this? We still encourage you to submit a case: {link}\n\n--\n"
            ) in first.part("plain")
    assert (f'<p dir="auto">Experiencing this? We still encourage you to <a href="{link}">'
            "submit a case</a>.</p>") in first.part("html")
    resolved = [m for key, m in mails.items() if "database-outage" in key
                and m.message["Subject"].endswith("Resolved: Database outage")]
    assert resolved and f"Still seeing a problem? Please submit a case: {link}\n" in (
        resolved[0].part("plain"))
    upgrade = [m for key, m in mails.items() if "api-upgrade" in key]
    assert upgrade and all("submit a case" not in m.part("plain") for m in upgrade)


def test_a_postmortem_email_after_resolved_asks_as_the_resolved_one_does(
        run: Run, repo: Path, smtp: MailServer) -> None:
    """A postmortem comes after Resolved: its email asked 'Experiencing this?' of an
    incident over for hours, where the Resolved email before it had asked 'Still seeing a
    problem?'."""
    config = repo / "outpost.yaml"
    config.write_text(config.read_text() + "submit_case_url: "
                      "https://support.example.org/cases/new?notice={id}\n")
    notice = repo / "notices" / "database-outage.md"
    notice.write_text(notice.read_text().replace(
        "## Resolved - 2026-11-28 10:30",
        "## Postmortem - 2026-11-28 11:30\nA disk filled up.\n\n## Resolved - 2026-11-28 10:30"))
    assert notify(run, repo)[0] == 0
    [postmortem] = [m for m in smtp.received if m.to == "alice@example.org"
                    and str(m.message["Subject"]).endswith("Postmortem: Database outage")]
    link = "https://support.example.org/cases/new?notice=database-outage"
    assert f"Still seeing a problem? Please submit a case: {link}\n" in postmortem.part("plain")
    assert "Experiencing this?" not in postmortem.part("html")
    # Its link leads to the postmortem's section, as the feeds' items do.
    page = "https://status.example.org/notices/database-outage/"
    assert f"Read the notice: {page}#postmortem\n" in postmortem.part("plain")
    assert f'<a href="{page}#postmortem">Read the notice</a>' in postmortem.part("html")


def test_an_update_calling_a_maintenance_off_is_told_as_called_off(
        run: Run, repo: Path, smtp: MailServer, hooks: HookServer) -> None:
    """Its email and chat post said 'Completed: API upgrade' and 'Affected: API' hours
    before the window, which reads as work done early, while the pages, feeds and
    calendar say it was called off."""
    notice = repo / "notices" / "api-upgrade.md"
    notice.write_text(notice.read_text().replace(
        "## Scheduled - 2026-11-27 08:00",
        "## Completed - 2026-11-28 09:30\nThe upgrade is no longer needed.\n\n"
        "## Scheduled - 2026-11-27 08:00"))
    assert notify(run, repo)[0] == 0
    [mail] = [m for m in smtp.received if m.to == "alice@example.org"
              and "20261128T1530Z" in str(m.message["Message-ID"])]
    assert str(mail.message["Subject"]) == "[Test Status] Called off: API upgrade"
    plain = mail.part("plain")
    assert plain.startswith("Called off: API upgrade\n\nThe upgrade is no longer needed.\n")
    assert "Status: Called off\nWould have affected: API\n" in plain
    page = mail.part("html")
    assert "<title>Called off: API upgrade</title>" in page and ">Would have affected</th>" in page
    [chat] = [p.body for p in hooks.posts("/slack")
              if p.headers["X-Outpost-Delivery"].startswith("api-upgrade/20261128T1530Z")]
    assert chat["text"].startswith("[Test Status] Called off: API upgrade ")


@pytest.mark.parametrize("begun", ["2026-11-28 10:30", "2026-11-28 11:30"])
def test_no_reminder_for_a_maintenance_begun_early(
        run: Run, repo: Path, smtp: MailServer, hooks: HookServer, begun: str) -> None:
    """An In progress update posted before the window (before the reminder fell due, or
    after it with no run between) told everyone the work had begun: the reminder went
    out anyway, 'API upgrade starts Nov 28, 2026, 1:00 PM CST' and 'Status: Scheduled',
    for work under way, its webhook body saying 'scheduled' while the API said
    'in_progress'."""
    notice = repo / "notices" / "api-upgrade.md"
    notice.write_text(notice.read_text().replace(
        "## Scheduled - 2026-11-27 08:00",
        f"## In progress - {begun}\nStarting early.\n\n## Scheduled - 2026-11-27 08:00"))
    code, output = notify(run, repo)
    assert code == 0, output
    assert "Reminder: API upgrade" not in output and FOLDED_KEY not in output
    subjects = [str(m.message["Subject"]) for m in smtp.received]
    assert "[Test Status] In progress: API upgrade" in subjects
    assert not [s for s in subjects if "Reminder: API upgrade" in s]
    assert not [p for p in hooks.posts("/statuspage") + hooks.posts("/slack")
                if p.headers["X-Outpost-Delivery"] == FOLDED_KEY]


def test_a_scheduled_update_inside_the_window_is_told_as_in_progress(
        run: Run, repo: Path, smtp: MailServer, hooks: HookServer) -> None:
    """Posted once the window opened, it found the maintenance under way, as the pages,
    feeds and the API say: its email said 'Scheduled: API upgrade'."""
    notice = repo / "notices" / "api-upgrade.md"
    notice.write_text(notice.read_text().replace(  # window 13:00-15:00
        "## Scheduled - 2026-11-27 08:00",
        "## Scheduled - 2026-11-28 13:30\nStill on plan.\n\n"
        "## Scheduled - 2026-11-27 08:00"))
    result = run(repo, "notify", "--now", "2026-11-28 14:00")
    assert result.exit_code == 0, result.output
    [mail] = [m for m in smtp.received if m.to == "alice@example.org"
              and "20261128T1930Z" in str(m.message["Message-ID"])]
    assert str(mail.message["Subject"]) == "[Test Status] In progress: API upgrade"
    assert "Status: In progress\n" in mail.part("plain")


def test_a_webhook_tells_the_incident_as_it_stood_at_its_update_not_at_its_minute(
        run: Run, repo: Path, hooks: HookServer) -> None:
    """Monitoring and Resolved posted in one minute, then one notify run: the
    Monitoring's body took every update of that minute, Resolved's included, so a
    receiver read 'resolved' twice and never 'monitoring'."""
    notice = repo / "notices" / "database-outage.md"
    notice.write_text(notice.read_text().replace(
        "## Resolved - 2026-11-28 10:30\nService is back.\n",
        "## Resolved - 2026-11-28 10:30\nService is back.\n\n"
        "## Monitoring - 2026-11-28 10:30\nA new disk is in; watching.\n"))
    assert notify(run, repo)[0] == 0
    posts = {p.headers["X-Outpost-Delivery"]: p.body for p in hooks.posts("/statuspage")}
    monitoring = posts["database-outage/20261128T1630Z"]
    assert monitoring["incident"]["status"] == "monitoring"
    assert monitoring["incident"]["resolved_at"] is None
    assert monitoring["page"]["status_indicator"] == "major"
    assert [u["status"] for u in monitoring["incident"]["incident_updates"]] == [
        "monitoring", "identified", "investigating", "investigating"]
    resolved = posts["database-outage/20261128T1630Z~2"]["incident"]
    assert resolved["status"] == "resolved"
    assert [u["status"] for u in resolved["incident_updates"]] == [
        "resolved", "monitoring", "identified", "investigating", "investigating"]


def test_a_contact_s_name_goes_where_the_settings_reference_says(
        run: Run, repo: Path, smtp: MailServer) -> None:
    """notify.contacts[].name is written in the To header each email carries, which the
    contact reads; the reference said it was 'for reports', which name the address alone."""
    from generator.notify.settings import CONTACT

    [name] = [f for f in CONTACT.fields if f.name == "name"]
    assert "To header" in name.help and "reports name the address alone" in name.help
    code, output = notify(run, repo, "--dry-run")
    assert "    -> alice@example.org\n" in output and "Alice Admin" not in output
    code, output = notify(run, repo)
    assert code == 0, output
    assert "Alice Admin" not in output
    assert {str(m.message["To"]) for m in smtp.received if m.to == "alice@example.org"} == {
        "Alice Admin <alice@example.org>"}
