"""Postmortems: a '## Postmortem - <time>' section after the fact. It does not change the
notice's state, shows in its own part of the notice page once published, and reaches the
API as Statuspage's postmortem_body and postmortem_published_at, with a resolved
incident's status 'postmortem' as Statuspage reports it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.conftest import Run
from tests.feeds_support import build, write_notice
from tests.test_api import validator
from tests.test_uptime_api import OUTAGE

POSTMORTEM = "## Postmortem - 2026-10-29 15:00\nA bad deploy. We now canary every release.\n\n"
WITH_POSTMORTEM = OUTAGE.replace("---\n## Resolved", "---\n" + POSTMORTEM + "## Resolved")
BEFORE = "2026-10-29T19:00:00Z"  # 14:00 CDT: not yet published
AFTER = "2026-10-29T21:00:00Z"  # 16:00 CDT


def incident(site: Path) -> dict[str, object]:
    data = json.loads((site / "api/v2/incidents.json").read_text())
    found: dict[str, object] = data["incidents"][0]
    return found


def test_postmortem_is_shown_once_published_and_keeps_the_state(
        empty_repo: Path, run: Run, tmp_path: Path) -> None:
    write_notice(empty_repo, "outage", WITH_POSTMORTEM)
    early = build(run, empty_repo, BEFORE, tmp_path / "early")
    page = (early / "notices/outage/index.html").read_text()
    assert "Postmortem" not in page and "canary" not in page
    assert incident(early)["postmortem_body"] is None
    assert incident(early)["postmortem_published_at"] is None

    late = build(run, empty_repo, AFTER, tmp_path / "late")
    page = (late / "notices/outage/index.html").read_text()
    assert ('<section class="postmortem" id="postmortem">\n<h2>Postmortem</h2>\n'
            '<p class="when">Published <time datetime="2026-10-29T15:00:00-05:00">') in page
    assert "We now canary every release." in page
    assert page.index('id="postmortem"') < page.index("<h2>Updates</h2>")
    assert page.count('<li id="update-') == 2  # not an update
    assert '<span class="label label-resolved">Resolved</span>' in page
    data = incident(late)
    assert data["status"] == "postmortem"
    assert data["postmortem_body"] == "A bad deploy. We now canary every release."
    assert data["postmortem_published_at"] == "2026-10-29T15:00:00.000-05:00"
    assert len(data["incident_updates"]) == 2  # type: ignore[arg-type]
    summary = json.loads((late / "api/v2/incidents.json").read_text())
    errors = list(validator("incidents.json").iter_errors(summary))
    assert not errors, [e.message for e in errors]


def test_api_reports_a_resolved_incident_with_a_postmortem_as_statuspage_does(
        empty_repo: Path, run: Run, tmp_path: Path) -> None:
    """Statuspage's incidents.json lists resolved incidents as 'resolved', then as
    'postmortem' once their postmortem is published; updated_at moves to the
    postmortem (the latest thing that happened), resolved_at stays."""
    write_notice(empty_repo, "outage", WITH_POSTMORTEM)
    early = build(run, empty_repo, BEFORE, tmp_path / "early")
    data = incident(early)
    assert (data["status"], data["updated_at"], data["resolved_at"]) == (
        "resolved", "2026-10-27T10:00:00.000-05:00", "2026-10-27T10:00:00.000-05:00")
    late = build(run, empty_repo, AFTER, tmp_path / "late")
    data = incident(late)
    assert (data["status"], data["updated_at"], data["resolved_at"],
            data["postmortem_published_at"]) == (
        "postmortem", "2026-10-29T15:00:00.000-05:00", "2026-10-27T10:00:00.000-05:00",
        "2026-10-29T15:00:00.000-05:00")
    assert [u["status"] for u in data["incident_updates"]] == [  # type: ignore[attr-defined]
        "resolved", "investigating"]  # the postmortem is no update
    page = json.loads((late / "api/v2/incidents.json").read_text())["page"]
    assert page["updated_at"] == "2026-10-29T15:00:00.000-05:00"
    year = json.loads((late / "api/history/2026.json").read_text())
    assert year["incidents"][0] == data  # the same object in the history
    for name, path in (("incidents.json", "api/v2/incidents.json"),
                       ("history-year.json", "api/history/2026.json")):
        errors = list(validator(name).iter_errors(json.loads((late / path).read_text())))
        assert not errors, [e.message for e in errors]
    unresolved = json.loads((late / "api/v2/incidents/unresolved.json").read_text())
    assert unresolved["incidents"] == []
    said_resolved = json.loads((late / "api/v2/incidents.json").read_text())
    said_resolved["incidents"][0]["status"] = "resolved"  # the schema holds the rule
    assert list(validator("incidents.json").iter_errors(said_resolved))


def test_an_open_incident_with_a_postmortem_keeps_its_live_status(
        empty_repo: Path, run: Run, tmp_path: Path) -> None:
    """A postmortem written before Resolved is shown, but the incident stays open with
    its live status (unresolved.json lists investigating, identified and monitoring);
    once resolved after it, the status is 'postmortem' and updated_at the resolution."""
    open_one = OUTAGE.replace("## Resolved - 2026-10-27 10:00\nBack.\n\n",
                              "## Postmortem - 2026-10-27 09:30\nA bad deploy.\n\n")
    write_notice(empty_repo, "outage", open_one)
    site = build(run, empty_repo, "2026-10-27T14:45:00Z", tmp_path / "open")
    data = incident(site)
    assert (data["status"], data["updated_at"], data["resolved_at"],
            data["postmortem_published_at"]) == (
        "investigating", "2026-10-27T09:30:00.000-05:00", None,
        "2026-10-27T09:30:00.000-05:00")
    unresolved = json.loads((site / "api/v2/incidents/unresolved.json").read_text())
    assert [i["status"] for i in unresolved["incidents"]] == ["investigating"]
    errors = list(validator("incidents-unresolved.json").iter_errors(unresolved))
    assert not errors, [e.message for e in errors]
    write_notice(empty_repo, "outage", open_one.replace(
        "## Postmortem", "## Resolved - 2026-10-27 10:00\nBack.\n\n## Postmortem"))
    data = incident(build(run, empty_repo, "2026-10-27T15:30:00Z", tmp_path / "resolved"))
    assert (data["status"], data["updated_at"], data["resolved_at"]) == (
        "postmortem", "2026-10-27T10:00:00.000-05:00", "2026-10-27T10:00:00.000-05:00")


def test_the_postmortem_webhook_carries_the_postmortem_status() -> None:
    """The notifier's Statuspage webhook for the postmortem is the API's incident as it
    stood then: status 'postmortem', updated_at its time."""
    from datetime import UTC, datetime

    from generator.config.settings import parse_config
    from generator.notices.loader import parse_notice
    from generator.notify.plan import messages
    from generator.notify.webhooks import statuspage_payload
    from tests.conftest import MINIMAL_CONFIG

    config = parse_config(MINIMAL_CONFIG)
    notice = parse_notice(WITH_POSTMORTEM, "notices/outage.md", "outage", config)
    found, _, _ = messages([notice], datetime(2026, 10, 29, 21, tzinfo=UTC),
                           datetime(2026, 10, 1, tzinfo=UTC), None)
    resolved, postmortem = found[-2:]
    body = statuspage_payload(config, postmortem, [notice])["incident"]
    assert (body["status"], body["updated_at"], body["resolved_at"],
            body["postmortem_notified_subscribers"]) == (
        "postmortem", "2026-10-29T15:00:00.000-05:00", "2026-10-27T10:00:00.000-05:00", True)
    # The body is there, so it was written: a receiver reading when it last changed got null.
    assert body["postmortem_body_last_updated_at"] == "2026-10-29T15:00:00.000-05:00"
    before = statuspage_payload(config, resolved, [notice])["incident"]
    assert (before["status"], before["updated_at"], before["postmortem_published_at"],
            before["postmortem_body_last_updated_at"]) == (
        "resolved", "2026-10-27T10:00:00.000-05:00", None, None)


def test_postmortem_problems_are_reported_with_their_lines(
        empty_repo: Path, run: Run, tmp_path: Path) -> None:
    write_notice(empty_repo, "twice", WITH_POSTMORTEM + "\n" + POSTMORTEM)
    write_notice(empty_repo, "early", OUTAGE.replace(
        "---\n## Resolved", "---\n## Postmortem - 2026-10-27 08:00\nToo soon.\n\n## Resolved"))
    write_notice(empty_repo, "empty", OUTAGE.replace(
        "---\n## Resolved", "---\n## Postmortem - 2026-10-28 08:00\n\n## Resolved"))
    write_notice(empty_repo, "work", """\
---
title: Upgrade
type: maintenance
start: 2026-10-20 22:00
end: 2026-10-21 02:00
components: [api]
---
## Postmortem - 2026-10-22 10:00
Why?

## Scheduled - 2026-10-10 09:00
We will upgrade.
""")
    result = run(empty_repo, "check")
    assert result.exit_code == 1
    assert result.output.splitlines()[:4] == [
        "notices/early.md:8: postmortem before the first update: it follows what it explains",
        "notices/empty.md:8: postmortem has no text: write what happened and what will "
        "change under the heading",
        "notices/twice.md:17: a notice has one postmortem (the first is at line 8): merge them",
        "notices/work.md:8: only an incident has a postmortem: a maintenance explains itself "
        "in its updates",
    ]


def test_feeds_announce_the_postmortem_once(empty_repo: Path, run: Run, tmp_path: Path) -> None:
    write_notice(empty_repo, "outage", WITH_POSTMORTEM)
    early = (build(run, empty_repo, BEFORE, tmp_path / "a") / "feed.xml").read_text()
    assert "[Postmortem]" not in early
    for path in ("feed.xml", "components/web/feed.xml", "atom.xml"):
        late = (build(run, empty_repo, AFTER, tmp_path / "b") / path).read_text()
        assert late.count("[Postmortem] Everything down") == 1, path
        assert "https://status.example.org/notices/outage/#postmortem" in late
        assert late.index("[Postmortem]") < late.index("[Resolved]")  # newest first


def test_the_notifier_announces_the_postmortem_once_with_its_own_key() -> None:
    from datetime import UTC, datetime

    from generator.config.settings import parse_config
    from generator.core.model import Status
    from generator.notices.loader import parse_notice
    from generator.notify.plan import messages
    from tests.conftest import MINIMAL_CONFIG

    notice = parse_notice(WITH_POSTMORTEM, "notices/outage.md", "outage",
                          parse_config(MINIMAL_CONFIG))
    horizon = datetime(2026, 10, 1, tzinfo=UTC)
    before, _, _ = messages([notice], datetime(2026, 10, 29, 19, tzinfo=UTC), horizon, None)
    after, _, _ = messages([notice], datetime(2026, 10, 29, 21, tzinfo=UTC), horizon, None)
    assert [m.key for m in before] == ["outage/20261027T1400Z", "outage/20261027T1500Z"]
    assert [m.key for m in after][-1] == "outage/postmortem"
    last = after[-1]
    assert last.status is Status.POSTMORTEM and last.thread_key == "outage/20261027T1400Z"
    assert last.update is not None and last.update.body.startswith("A bad deploy.")
    silent = parse_notice(WITH_POSTMORTEM.replace("15:00\nA bad", "15:00 [silent]\nA bad"),
                          "notices/outage.md", "outage", parse_config(MINIMAL_CONFIG))
    found, silent_count, _ = messages([silent], datetime(2026, 10, 30, tzinfo=UTC), horizon,
                                      None)
    assert "outage/postmortem" not in [m.key for m in found] and silent_count == 1


def test_outpost_postmortem_adds_the_section_and_changes_nothing_else(
        empty_repo: Path, run: Run, tmp_path: Path) -> None:
    write_notice(empty_repo, "outage", OUTAGE)
    path = empty_repo / "notices/outage.md"
    before = path.read_bytes()
    result = run(empty_repo, "postmortem", "outage", "--at", "2026-10-29 15:00",
                 "-m", "A bad deploy. We now canary every release.")
    assert result.exit_code == 0, result.output
    assert result.output == "Posted Postmortem - 2026-10-29 15:00 to outage: notices/outage.md\n"
    assert path.read_bytes() == WITH_POSTMORTEM.encode()
    assert before.decode() in WITH_POSTMORTEM.replace(POSTMORTEM, "")
    again = run(empty_repo, "postmortem", "outage", "--at", "2026-10-30 15:00", "-m", "More.")
    assert again.exit_code == 1
    assert again.output == ("Error: notices/outage.md already has a postmortem (line 8): "
                            "edit it there; nothing was written\n")
    assert path.read_bytes() == WITH_POSTMORTEM.encode()


def test_outpost_postmortem_refusals(empty_repo: Path, run: Run, tmp_path: Path) -> None:
    write_notice(empty_repo, "outage", OUTAGE)
    early = run(empty_repo, "postmortem", "outage", "--at", "2026-10-27 08:00", "-m", "x")
    assert early.output == ("Error: the postmortem (2026-10-27 08:00) would come before the "
                            "notice's first update (2026-10-27 09:00); nothing was written\n")
    empty = run(empty_repo, "postmortem", "outage", "--at", "2026-10-29 08:00", "-m", " ")
    assert empty.output == ("Error: empty message: write the update's text with -m TEXT "
                            "or --message-file FILE ('-' for standard input)\n")
    heading = run(empty_repo, "postmortem", "outage", "--at", "2026-10-29 08:00",
                  "-m", "ok\n## Resolved - 2026-10-29 09:00\nno")
    assert "line 2 of the message starts with '##'" in heading.output
    assert (empty_repo / "notices/outage.md").read_text() == OUTAGE


def test_a_postmortem_dated_in_the_future_is_warned_about(empty_repo: Path, run: Run) -> None:
    """A year typed wrong (2027 for 2026) hides the postmortem for a year: check says so,
    as it does for an update, and so does 'outpost postmortem'."""
    write_notice(empty_repo, "outage", WITH_POSTMORTEM.replace("2026-10-29 15:00",
                                                               "2027-10-29 15:00"))
    done = run(empty_repo, "check", "--now", AFTER)
    assert (done.exit_code, done.output) == (0, (
        "notices/outage.md:8: warning: Postmortem - 2027-10-29 15:00 is in the future: the "
        "site shows this postmortem only from then on\n"
        "OK: outpost.yaml and 1 notice are valid (1 warning).\n"))
    done = run(empty_repo, "check", "--now", AFTER, "--format", "github")
    assert done.output.splitlines()[0] == (
        "::warning file=notices/outage.md,line=8::Postmortem - 2027-10-29 15:00 is in the "
        "future: the site shows this postmortem only from then on")
    assert run(empty_repo, "check", "--now", "2027-10-29T20:05:00Z").output == (
        "OK: outpost.yaml and 1 notice are valid.\n")

    write_notice(empty_repo, "outage", OUTAGE)
    later = datetime.now(UTC) + timedelta(days=400)
    when = f"{later.astimezone(ZoneInfo('America/Chicago')):%Y-%m-%d %H:%M}"
    done = run(empty_repo, "postmortem", "outage", "--at", when, "-m", "A bad deploy.")
    assert done.exit_code == 0, done.output
    assert done.stderr == (f"Warning: --at {when} is in the future: the site shows this "
                           "postmortem only from then on.\n")
    soon = datetime.now(UTC) + timedelta(minutes=2)  # a clock a little ahead: no warning
    write_notice(empty_repo, "outage", OUTAGE)
    done = run(empty_repo, "postmortem", "outage", "-m", "x", "--at",
               f"{soon.astimezone(ZoneInfo('America/Chicago')):%Y-%m-%d %H:%M}")
    assert (done.exit_code, done.stderr) == (0, "")
