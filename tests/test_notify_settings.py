"""The notify: section of outpost.yaml: every problem with its line, secrets refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.app import schema
from generator.core.errors import ProblemsFound
from generator.notify.settings import NotifySettings, is_bare_address, parse_duration
from tests.conftest import Run

BASE = """\
title: T
base_url: https://status.example.org/
timezone: America/Chicago
components:
  - id: web
    name: Web
"""


def problems(extra: str) -> list[str]:
    with pytest.raises(ProblemsFound) as caught:
        schema().parse(BASE + extra)
    return [str(p) for p in caught.value.problems]


def settings(extra: str) -> NotifySettings:
    value = schema().parse(BASE + extra).extra("notify")
    assert isinstance(value, NotifySettings)
    return value


def test_a_full_section_parses_with_defaults() -> None:
    parsed = settings("""\
notify:
  since: 2026-11-01 00:00
  from: Status <status@example.org>
  smtp:
    host: smtp.example.org
  contacts:
    - email: ops@example.org
      components: [web]
      types: [incident]
  webhooks:
    - name: chat
      url_env: CHAT_URL
      format: slack
""")
    assert parsed.smtp is not None
    assert (parsed.smtp.security, parsed.smtp.effective_port, parsed.smtp.timeout) == (
        "starttls", 587, 30.0)
    assert parsed.remind_before == timedelta(hours=1)
    assert parsed.contacts[0].components == ("web",) and parsed.contacts[0].types == (
        "incident",)
    hook = parsed.webhooks[0]
    assert (hook.url, hook.url_env, hook.format, hook.timeout, hook.retries, hook.backoff) == (
        None, "CHAT_URL", "slack", 10.0, 2, 2.0)
    zone = schema().parse(BASE).timezone
    assert parsed.since.resolve(datetime(2026, 11, 28, tzinfo=UTC), zone) == datetime(
        2026, 11, 1, 5, 0, tzinfo=UTC)


def test_since_may_be_a_duration_before_now() -> None:
    parsed = settings("notify:\n  since: 2d\n  remind_before: 'off'\n")
    now = datetime(2026, 11, 28, 12, tzinfo=UTC)
    assert parsed.since.resolve(now, schema().parse(BASE).timezone) == now - timedelta(days=2)
    assert parsed.remind_before is None
    assert schema().parse(BASE).extra("notify") is None


@pytest.mark.parametrize(("text", "expected"), [
    ("90m", timedelta(minutes=90)), ("1d12h", timedelta(days=1, hours=12)),
    ("2h30m", timedelta(hours=2, minutes=30)), ("", None), ("h", None), ("1w", None),
    ("2026-11-01", None)])
def test_parse_duration(text: str, expected: timedelta | None) -> None:
    assert parse_duration(text) == expected


def test_durations_and_seconds_are_written_in_ascii_digits() -> None:
    assert problems("notify:\n  since: \"\u0662d\"\n  webhooks:\n    - name: w\n"
                    "      url: https://example.org/hook\n      timeout: \"\u0665\"\n") == [
        "outpost.yaml:8: Config value 'notify.since': expected a time such as "
        "'2026-11-01 00:00' or a duration such as '2d', '12h' or '90m', received '\u0662d'",
        "outpost.yaml:12: Config value 'notify.webhooks[0].timeout': expected a number of "
        "seconds from 0.1 to 120, received '\u0665'"]


def test_durations_are_at_most_ten_years() -> None:
    assert problems("""\
notify:
  since: 99999999999999999999d
  remind_before: 87601h
""") == [
        "outpost.yaml:8: Config value 'notify.since': a duration may be at most 3650 days; "
        "received '99999999999999999999d'",
        "outpost.yaml:9: Config value 'notify.remind_before': a duration may be at most 3650 "
        "days; received '87601h'",
    ]
    assert problems("notify:\n  since: 999999999d\n") == [
        "outpost.yaml:8: Config value 'notify.since': a duration may be at most 3650 days; "
        "received '999999999d'"]
    assert problems("notify:\n  since: 3649d24h1m\n") == [
        "outpost.yaml:8: Config value 'notify.since': a duration may be at most 3650 days; "
        "received '3649d24h1m'"]
    digits = "9" * 4301  # past Python's limit for turning text into a number
    assert problems(f"notify:\n  since: 2d\n  remind_before: {digits}m\n") == [
        "outpost.yaml:9: Config value 'notify.remind_before': a duration may be at most "
        f"3650 days; received '{digits}m'"]
    longest = settings("notify:\n  since: 3650d\n  remind_before: 5256000m\n")
    assert longest.since.span == longest.remind_before == timedelta(days=3650)


def test_the_longest_horizon_runs(run: Run, empty_repo: Path) -> None:
    config = empty_repo / "outpost.yaml"
    config.write_text(config.read_text() + "notify:\n  since: 3650d\n  webhooks:\n"
                      "    - name: hook\n      url: https://example.org/h\n")
    for now in ("1900-01-01 00:00", "2999-12-31 23:59"):  # the ends of --now
        result = run(empty_repo, "notify", "--dry-run", "--now", now)
        assert result.exit_code == 0, result.output
        assert result.output.startswith("Dry run: would send 0 deliveries")


def test_credentials_in_the_yaml_are_refused() -> None:
    assert problems("""\
notify:
  since: 2026-11-01 00:00
  password: x
  smtp:
    host: smtp.example.org
    username: me
    password: hunter2
""") == [
        "outpost.yaml:9: 'notify.password': credentials are never read from outpost.yaml, "
        "which is public; set OUTPOST_SMTP_USERNAME and OUTPOST_SMTP_PASSWORD in the "
        "environment (CI secrets) instead",
        "outpost.yaml:12: 'notify.smtp.username': credentials are never read from "
        "outpost.yaml, which is public; set OUTPOST_SMTP_USERNAME and OUTPOST_SMTP_PASSWORD "
        "in the environment (CI secrets) instead",
        "outpost.yaml:13: 'notify.smtp.password': credentials are never read from "
        "outpost.yaml, which is public; set OUTPOST_SMTP_USERNAME and OUTPOST_SMTP_PASSWORD "
        "in the environment (CI secrets) instead",
    ]
    assert problems("""\
notify:
  since: 2026-11-01 00:00
  smtp:
    host: smtp.example.org
    username: me
    password: hunter2
""") == [
        "outpost.yaml:11: 'notify.smtp.username': credentials are never read from "
        "outpost.yaml, which is public; set OUTPOST_SMTP_USERNAME and OUTPOST_SMTP_PASSWORD "
        "in the environment (CI secrets) instead",
        "outpost.yaml:12: 'notify.smtp.password': credentials are never read from "
        "outpost.yaml, which is public; set OUTPOST_SMTP_USERNAME and OUTPOST_SMTP_PASSWORD "
        "in the environment (CI secrets) instead",
    ]


def test_secret_webhook_urls_are_refused() -> None:
    assert problems("""\
notify:
  since: 2026-11-01 00:00
  webhooks:
    - name: slack
      url: https://hooks.slack.com/services/T000/B000/XXXX
    - name: basic
      url: https://user:pw@example.org/hook
    - name: token
      url: https://example.org/hook
      token: abc
""") == [
        "outpost.yaml:11: 'notify.webhooks[0].url': this webhook URL is itself a secret; "
        "outpost.yaml is public, so set it in an environment variable and write "
        "'url_env: NAME' instead",
        "outpost.yaml:13: 'notify.webhooks[1].url': the URL holds a user name or password; "
        "outpost.yaml is public, so set the URL in an environment variable and write "
        "'url_env: NAME' instead",
        "outpost.yaml:16: 'notify.webhooks[2].token': credentials are never read from "
        "outpost.yaml, which is public; put secrets in environment variables",
    ]


def test_value_problems_are_all_reported_with_lines() -> None:
    assert problems("""\
notify:
  since: soon
  remind_before: 0m
  from: nobody
  contacts:
    - email: Ops <ops@example.org>
      types: [outage]
  webhooks:
    - name: Chat
      format: teams
      timeout: 0
      retries: 11
""") == [
        # Checks across keys run beside the values' own problems.
        "outpost.yaml:7: 'notify.smtp' is required when there are contacts (host, port, "
        "security)",
        "outpost.yaml:8: Config value 'notify.since': expected a time such as "
        "'2026-11-01 00:00' or a duration such as '2d', '12h' or '90m', received 'soon'",
        "outpost.yaml:9: Config value 'notify.remind_before': expected a duration such as "
        "'1h', '90m' or '1d', or 'off', received '0m'",
        "outpost.yaml:10: Config value 'notify.from': expected an email address such as "
        "'ops@example.org' or 'Status <status@example.org>', received 'nobody'",
        "outpost.yaml:12: Config value 'notify.contacts[0].email': expected an email address "
        "such as 'ops@example.org', received 'Ops <ops@example.org>'",
        "outpost.yaml:13: 'notify.contacts[0].types[0]': expected one of incident, "
        "maintenance, received 'outage'",
        "outpost.yaml:15: 'notify.webhooks[0]': give exactly one of 'url' or 'url_env'",
        "outpost.yaml:15: Config value 'notify.webhooks[0].name': expected an id of lowercase "
        "letters, digits and hyphens, received 'Chat'",
        "outpost.yaml:16: Config value 'notify.webhooks[0].format': expected one of "
        "statuspage, slack, received 'teams'",
        "outpost.yaml:17: Config value 'notify.webhooks[0].timeout': expected a number of "
        "seconds from 0.1 to 120, received '0'",
        "outpost.yaml:18: Config value 'notify.webhooks[0].retries': expected a whole number "
        "from 0 to 10, received '11'",
    ]


def test_an_smtp_key_left_empty_is_named_at_its_line() -> None:
    """A sample uncommented by half: 'smtp:' written, its lines still commented out."""
    assert problems("""\
notify:
  since: 2026-11-01 00:00
  from: Status <status@example.org>
  contacts:
    - email: a@example.org
  smtp:
  #  host: smtp.example.org
""") == ["outpost.yaml:12: 'notify.smtp' is empty: it is required when there are contacts "
         "(host, port, security)"]


def test_checks_against_the_rest_of_the_config() -> None:
    assert problems("""\
notify:
  since: 2026-03-08 02:30
  contacts:
    - email: a@example.org
      components: [db]
    - email: A@example.org
  webhooks:
    - name: hook
    - name: hook
      url: https://example.org/h
      url_env: HOOK
""") == [
        "outpost.yaml:7: 'notify.from' is required when there are contacts",
        "outpost.yaml:7: 'notify.smtp' is required when there are contacts (host, port, "
        "security)",
        "outpost.yaml:8: 'notify.since': time '2026-03-08 02:30' does not exist in "
        "America/Chicago: the clocks skip it at the daylight-saving change; write it with an "
        "explicit offset ('-06:00' or '-05:00')",
        "outpost.yaml:11: 'notify.contacts[0].components': unknown component 'db' "
        "(declared: web)",
        "outpost.yaml:12: 'notify.contacts[1]': duplicate contact 'A@example.org'",
        "outpost.yaml:14: 'notify.webhooks[0]': give exactly one of 'url' or 'url_env'",
        "outpost.yaml:15: 'notify.webhooks[1]': duplicate webhook name 'hook'",
        "outpost.yaml:15: 'notify.webhooks[1]': give exactly one of 'url' or 'url_env'",
    ]


def test_a_since_with_a_zone_abbreviation_is_told_the_site_zone_and_its_offset() -> None:
    """Left out, the zone of 'since' is the site's: the message said 'leave it out to use
    UTC' and offered '-05:00' whatever was typed, as read before the site zone was known."""
    assert problems("notify:\n  since: 2026-11-30 08:00 CST\n  webhooks:\n"
                    "    - name: w\n      url: https://example.org/h\n") == [
        "outpost.yaml:8: 'notify.since': bad time '2026-11-30 08:00 CST': zone abbreviations "
        "such as 'CST' are not accepted; leave it out to use America/Chicago, or write its "
        "offset: '2026-11-30 08:00 -06:00'"]


def test_missing_since_is_reported() -> None:
    assert problems("notify:\n  remind_before: 1h\n") == [
        "outpost.yaml:8: missing required key 'notify.since'"]


def test_outpost_check_reports_notify_problems(run: Run, empty_repo: Path) -> None:
    config = empty_repo / "outpost.yaml"
    config.write_text(config.read_text() + "notify:\n  since: 1d\n  webhooks:\n"
                      "    - name: hook\n      url: https://example.org/h\n"
                      "      components: [nope]\n")
    result = run(empty_repo, "check")
    assert result.exit_code == 1
    assert result.output == (
        "outpost.yaml:14: 'notify.webhooks[0].components': unknown component 'nope' "
        "(declared: api, web)\n1 problem found.\n")


def test_notify_without_a_section_says_what_to_add(run: Run, empty_repo: Path) -> None:
    result = run(empty_repo, "notify", "--dry-run")
    assert result.exit_code == 1
    assert result.output == (
        "Error: outpost.yaml has no 'notify:' section: add one with 'since' and contacts or "
        "webhooks (see the README, 'Notifications')\n")


def test_a_webhook_url_needs_a_host_name() -> None:
    assert problems("""\
notify:
  since: 1d
  webhooks:
    - name: hook
      url: https://hooks..example.org/h
""") == [
        "outpost.yaml:11: Config value 'notify.webhooks[0].url': 'hooks..example.org' is not "
        "a host name: use letters, digits and hyphens between dots (such as "
        "'status.example.org'), or an IP address",
    ]


def test_addresses_are_those_the_email_is_sent_to() -> None:
    """The email package reads 'a:b@…' as a group and 'a(b)@…' with a comment: the mail
    would go to b@… or a@…, not to the address written. Non-ASCII ones cannot be sent."""
    assert problems("""\
notify:
  since: 1d
  from: "Ops: status@example.org"
  reply_to: "Help (desk) <a..b@example.org>"
  smtp:
    host: localhost
  contacts:
    - email: a:b@example.org
    - email: "a(b)@example.org"
    - email: zoë@example.org
    - email: ops@exämple.org
    - email: o'brien+ops@example.org
    - email: "Zoë <ops@example.org>"
    - email: ops@straße.de
""") == [
        "outpost.yaml:9: Config value 'notify.from': expected an email address such as "
        "'ops@example.org' or 'Status <status@example.org>', received 'Ops: "
        "status@example.org'",
        "outpost.yaml:10: Config value 'notify.reply_to': expected an email address such as "
        "'ops@example.org' or 'Status <status@example.org>', received 'Help (desk) "
        "<a..b@example.org>'",
    ] + [
        f"outpost.yaml:{line}: Config value 'notify.contacts[{index}].email': expected an "
        f"email address such as 'ops@example.org', received '{address}'{hint}"
        for line, index, address, hint in (
            (14, 0, "a:b@example.org", ""), (15, 1, "a(b)@example.org", ""),
            (16, 2, "zoë@example.org", ""),
            # Mail systems read a domain in other letters in its ASCII (IDNA) form.
            (17, 3, "ops@exämple.org",
             ": write the domain in its ASCII form: 'ops@xn--exmple-cua.org'"),
            (19, 5, "Zoë <ops@example.org>", ""),
            # Python's IDNA 2003 writes it 'strasse.de', another domain than IDNA 2008's
            # 'xn--strae-oqa.de', which mail systems read: no hint rather than a wrong one.
            (20, 6, "ops@straße.de", ""))
    ]


def test_addresses_the_email_parser_stumbles_on_are_refused_not_a_crash() -> None:
    """Python's parser raises on some: 'x@' (IndexError), 'a@[' (AttributeError)."""
    assert problems("""\
notify:
  since: 1d
  from: "x@"
  smtp:
    host: localhost
  contacts:
    - email: '"x"@'
    - email: a@[
""") == [
        "outpost.yaml:9: Config value 'notify.from': expected an email address such as "
        "'ops@example.org' or 'Status <status@example.org>', received 'x@'",
    ] + [
        f"outpost.yaml:{line}: Config value 'notify.contacts[{index}].email': expected an "
        f"email address such as 'ops@example.org', received '{address}'"
        for line, index, address in ((13, 0, '"x"@'), (14, 1, "a@["))
    ]


@given(st.text(alphabet=st.sampled_from(list('ax@.<>"()[]\\:;, \t')), max_size=12))
def test_any_text_is_an_address_or_not(text: str) -> None:
    assert is_bare_address(text) in (True, False)


def test_addresses_in_the_obsolete_but_common_forms_are_accepted() -> None:
    parsed = settings("""\
notify:
  since: 1d
  from: Example Inc. <status@example.org>
  reply_to: St. Mary's IT <it@example.org>
""")
    assert (parsed.sender, parsed.reply_to) == ("Example Inc. <status@example.org>",
                                                "St. Mary's IT <it@example.org>")


def test_a_tab_in_a_name_the_headers_carry_reads_as_a_space() -> None:
    """A tab pasted into the From or Reply-To name reached every email's header raw, as
    a contact's name did in its To."""
    parsed = settings("""\
notify:
  since: 1d
  from: "Example\\tStatus <status@example.org>"
  reply_to: "Service \\t Desk <it@example.org>"
  smtp:
    host: localhost
  contacts:
    - email: ops@example.org
      name: "Ops\\tDesk"
""")
    assert (parsed.sender, parsed.reply_to, parsed.contacts[0].name) == (
        "Example Status <status@example.org>", "Service Desk <it@example.org>", "Ops Desk")


def test_a_contact_name_is_one_line() -> None:
    """It reaches the To header: a line break would fail every email to that contact."""
    assert problems("""\
notify:
  since: 1d
  from: status@example.org
  smtp:
    host: localhost
  contacts:
    - email: ops@example.org
      name: "Ops\\nBcc: eve@example.net"
""") == [
        "outpost.yaml:14: Config value 'notify.contacts[0].name': must be a single line (it "
        "holds a line break)",
    ]


def test_contacts_and_webhooks_that_are_not_lists_say_so_at_their_line() -> None:
    assert problems("""\
notify:
  since: 2d
  from: status@example.org
  smtp: {host: smtp.example.org}
  contacts: ops@example.org
  webhooks: chat
""") == [
        "outpost.yaml:11: Config value 'notify.contacts': expected a list of contacts, each "
        "starting with '- ' on a line of its own (such as '- email: it-team@example.org'), "
        "received 'ops@example.org'",
        "outpost.yaml:12: Config value 'notify.webhooks': expected a list of webhooks, each "
        "starting with '- ' on a line of its own (such as '- name: chat'), received 'chat'",
    ]


@pytest.mark.parametrize(("since", "problem"), [
    ("2026-11-01 00:00 +14:30", "bad offset '+14:30': offsets run from -12:00 to +14:00"),
    ("2026-11-01 2:00 PM", "bad time '2026-11-01 2:00 PM': use the 24-hour clock, e.g. "
                           "'2026-11-01 14:00'"),
])
def test_a_since_time_says_what_is_wrong_with_it(since: str, problem: str) -> None:
    """A value that starts as a time is one: its own problem is named, not the forms."""
    assert problems(f"notify:\n  since: {since}\n") == [
        f"outpost.yaml:8: Config value 'notify.since': {problem}"]


def test_an_unknown_component_of_a_contact_is_named_at_its_own_line() -> None:
    """Written one id a line, each unknown id is named where it stands."""
    assert problems("notify:\n  since: 2d\n  webhooks:\n    - name: w\n      url_env: W\n"
                    "      components:\n        - web\n        - db\n") == [
        "outpost.yaml:14: 'notify.webhooks[0].components': unknown component 'db' "
        "(declared: web)"]


def test_a_mistyped_component_of_a_contact_is_named_with_the_closest() -> None:
    assert problems("notify:\n  since: 2d\n  webhooks:\n    - name: w\n      url_env: W\n"
                    "      components: [wbe]\n") == [
        "outpost.yaml:12: 'notify.webhooks[0].components': unknown component 'wbe' (did you "
        "mean 'web'? declared: web)"]


def test_a_name_an_address_would_split_is_told_to_go_in_quotes() -> None:
    """'Zoë, IT Desk <…>' reads as two addresses: the name goes in double quotes, which
    YAML keeps only inside single ones."""
    assert problems("""\
notify:
  since: 1d
  from: Zoë, IT Desk <status@example.org>
  reply_to: "Help: desk <help@example.org>"
  smtp:
    host: localhost
  webhooks:
    - {name: chat, url: "https://hooks.example.org/x"}
""") == [
        "outpost.yaml:9: Config value 'notify.from': expected an email address such as "
        "'ops@example.org' or 'Status <status@example.org>', received 'Zoë, IT Desk "
        "<status@example.org>': put the name in double quotes, inside single ones: "
        "'\"Zoë, IT Desk\" <status@example.org>'",
        "outpost.yaml:10: Config value 'notify.reply_to': expected an email address such as "
        "'ops@example.org' or 'Status <status@example.org>', received 'Help: desk "
        "<help@example.org>': put the name in double quotes, inside single ones: "
        "'\"Help: desk\" <help@example.org>'",
    ]
    assert settings("""\
notify:
  since: 1d
  from: '"Zoë, IT Desk" <status@example.org>'
  smtp:
    host: localhost
  webhooks:
    - {name: chat, url: "https://hooks.example.org/x"}
""").sender == '"Zoë, IT Desk" <status@example.org>'
