"""The sent record: its format, damage, and where it lives (local file or publish target)."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from generator.app import TARGET_KINDS, project
from generator.core.errors import OutpostError
from generator.notify import run as notify_run
from generator.notify.record import SentRecord, load_record, recipient_hash
from tests.conftest import Run
from tests.fixtures import notify_repo_for
from tests.notify_repo import UPGRADE_KEYS, make_repo
from tests.notify_servers import HookServer, MailServer
from tests.publish_support import moto_server, new_bucket, s3_env, s3_objects
from tests.test_notify_delivery import NOW, assert_everything_once, notify


@pytest.fixture
def repo(tmp_path: Path, smtp: MailServer, hooks: HookServer,
         monkeypatch: pytest.MonkeyPatch) -> Path:
    return notify_repo_for(tmp_path, smtp, hooks, monkeypatch)


def test_record_round_trips_and_names_no_address() -> None:
    record = SentRecord()
    at = datetime(2026, 11, 28, 15, tzinfo=UTC)
    record.add("outage/20261128T1500Z", at, "email:ops@example.org")
    record.add("outage/20261128T1500Z", at, "email:OPS@example.org")
    record.add("outage/20261128T1500Z", at, "webhook:chat")
    data = record.encode()
    assert b"ops@example.org" not in data
    again = SentRecord.decode(data, "test")
    assert again.has("outage/20261128T1500Z", "email:ops@example.org")
    assert again.has("outage/20261128T1500Z", "webhook:chat")
    assert not again.has("outage/20261128T1500Z", "email:other@example.org")
    assert json.loads(data) == {"format": 1, "sent": {"outage/20261128T1500Z": {
        "at": "2026-11-28T15:00:00+00:00",
        "to": [recipient_hash("email:ops@example.org"), recipient_hash("webhook:chat")]}}}


def test_prune_forgets_messages_before_the_horizon() -> None:
    record = SentRecord()
    record.add("a/1", datetime(2026, 10, 1, tzinfo=UTC), "webhook:x")
    record.add("b/2", datetime(2026, 11, 2, tzinfo=UTC), "webhook:x")
    record.prune(datetime(2026, 11, 1, tzinfo=UTC))
    assert list(record.entries) == ["b/2"]


@pytest.mark.parametrize(("data", "why"), [
    (b"{", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
    (b'{"format": 2, "sent": {}}', "unknown format 2"),
    (b'{"format": 1, "sent": {"k": {"at": "never", "to": []}}}',
     "Invalid isoformat string: 'never'"),
    (b'{"format": 1, "sent": {"k": {"at": "2026-11-28T09:00:00", "to": []}}}',
     "time '2026-11-28T09:00:00' has no UTC offset"),
    (b'{"format": 1, "sent": {"k": {"at": "2026-11-28T09:00:00+00:00", "to": "ab"}}}',
     "recipients must be a list of text"),
    (b"[" * 100_000,
     "maximum recursion depth exceeded while decoding a JSON array from a unicode string"),
])
def test_a_damaged_record_stops_before_sending_anything(
        run: Run, repo: Path, smtp: MailServer, data: bytes, why: str) -> None:
    path = repo / ".outpost-state" / "notify-record.json"
    path.parent.mkdir()
    path.write_bytes(data)
    code, output = notify(run, repo)
    assert code == 1
    assert output == (f"Error: the sent record in local file {path} is damaged ({why}); "
                      "nothing was sent. Restore it, or delete it and set notify.since to now "
                      "so that history is not sent again\n")
    assert smtp.received == []


def test_a_record_that_cannot_be_read_says_so_and_sends_nothing(
        run: Run, repo: Path, tmp_path: Path, smtp: MailServer) -> None:
    remote = tmp_path / "moved-away.git"
    add_publish(repo, f"  - name: pages\n    type: git\n    remote: {remote}\n")
    for args in ((), ("--dry-run",)):
        code, output = notify(run, repo, *args)
        assert code == 1
        assert output == (
            "Error: could not read the sent record in publish target 'pages' "
            "(notify-record.json); nothing was sent (run outpost notify again once it can be "
            f"read): git fetch: fatal: '{remote}' does not appear to be a git repository / "
            "fatal: Could not read from remote repository.\n")
    assert smtp.received == []


class FailingStore:
    description = "failing store"

    def __init__(self, held: bytes | None = b'{"format": 1, "sent": {}}') -> None:
        self.held = held

    def read_state(self, name: str) -> bytes | None:
        return self.held

    def write_state(self, name: str, data: bytes) -> None:
        raise OSError("disk full")


def test_a_record_that_cannot_be_written_stops_the_run(
        repo: Path, smtp: MailServer) -> None:
    lines: list[str] = []
    now = datetime(2026, 11, 28, 18, tzinfo=UTC)
    with pytest.raises(OutpostError) as caught:
        notify_run.notify(project(repo), TARGET_KINDS, now, {}, lines.append,
                          store=FailingStore())
    assert caught.value.message == (
        f"sent alice@example.org <- {UPGRADE_KEYS[0]} but could not update the sent record "
        "in failing store (disk full); stopped so that nothing more goes out unrecorded. The "
        "next run may send that one again.")
    assert [m.to for m in smtp.received] == ["alice@example.org"]


def test_a_record_that_cannot_be_made_stops_the_run_before_sending(
        repo: Path, smtp: MailServer) -> None:
    """A store that holds no record yet gets one before anything is sent (later runs
    then need not look for it on other targets): one that cannot be written sends
    nothing, rather than the first message."""
    with pytest.raises(OutpostError) as caught:
        notify_run.notify(project(repo), TARGET_KINDS, datetime(2026, 11, 28, 18, tzinfo=UTC),
                          {}, [].append, store=FailingStore(held=None))
    assert caught.value.message == (
        "could not write the sent record in failing store (disk full); nothing was sent.")
    assert smtp.received == []


def add_publish(root: Path, target: str) -> None:
    config = root / "outpost.yaml"
    config.write_text(config.read_text() + f"publish:\n{target}")


def build_and_publish(run: Run, root: Path) -> None:
    """The site built from these files and published to the primary target, as the
    publish workflow does before notify."""
    for args in (("build", "--now", NOW), ("publish", "--primary")):
        result = run(root, *args)
        assert result.exit_code == 0, result.output


def test_nothing_is_sent_until_the_primary_target_serves_these_notices(
        run: Run, repo: Path, tmp_path: Path, smtp: MailServer, hooks: HookServer) -> None:
    """Every link of a message points at the primary target: a notice it does not serve
    yet (nothing published, or a build made before the update) would be a 404 or a page
    saying something else, so notify sends nothing until it does."""
    add_publish(repo, f"  - name: local\n    type: dir\n    path: {tmp_path / 'www'}\n")
    code, output = notify(run, repo)
    assert (code, output) == (1, (
        "Error: publish target 'local' serves no build yet: the messages would link pages "
        "that do not say what they say. Run 'outpost build' and 'outpost publish --primary' "
        "(pull first if someone published since), then outpost notify again. Nothing was "
        "sent.\n"))
    # A build made before the outage was posted.
    outage = repo / "notices" / "database-outage.md"
    text = outage.read_text()
    outage.unlink()
    build_and_publish(run, repo)
    served = json.loads((tmp_path / "www" / "current" / "manifest.json").read_bytes())
    outage.write_text(text)
    code, output = notify(run, repo, "--dry-run")
    assert code == 0
    assert output.splitlines()[1] == (
        f"Note: publish target 'local' serves build {served['build_id']}, made from other "
        "notices, outpost.yaml or templates/ than these: the real run would send nothing "
        "until it does.")
    code, output = notify(run, repo)
    assert (code, output) == (1, (
        f"Error: publish target 'local' serves build {served['build_id']}, made from other "
        "notices, outpost.yaml or templates/ than these: the messages would link pages that "
        "do not say what they say. Run 'outpost build' and 'outpost publish --primary' (pull "
        "first if someone published since), then outpost notify again. Nothing was sent.\n"))
    assert smtp.received == [] and not (tmp_path / "www" / "state").exists()
    build_and_publish(run, repo)
    code, output = notify(run, repo)
    assert code == 0, output
    assert_everything_once(smtp, hooks)


def test_an_update_due_after_the_served_build_was_made_is_held_back(
        run: Run, repo: Path, tmp_path: Path, smtp: MailServer, hooks: HookServer) -> None:
    """An update dated ahead is hidden by a build made before its time: built and published
    at 10:00, the 10:30 Resolved was emailed at noon with a link to a page that still
    said Identified, though the build was made from these very files. It waits for a
    newer build; the updates that build shows go now (in CI, a window opening between
    Build and Notify must neither fail the run nor hold up the update just pushed)."""
    add_publish(repo, f"  - name: local\n    type: dir\n    path: {tmp_path / 'www'}\n")
    for args in (("build", "--now", "2026-11-28 10:00"), ("publish", "--primary")):
        result = run(repo, *args)
        assert result.exit_code == 0, result.output
    held = ('Held back: database-outage: Resolved update of 2026-11-28 10:30: "[Test '
            'Status] Resolved: Database outage": the primary target serves a build made at '
            '2026-11-28 10:00, before it came due; notify sends it once a build made since '
            'is published.')
    code, output = notify(run, repo, "--dry-run")
    assert code == 0 and held in output.splitlines(), output
    code, output = notify(run, repo)
    assert code == 0 and held in output.splitlines(), output
    first = [str(m.message["Subject"]) for m in smtp.received]
    assert first and all("Resolved" not in subject for subject in first)
    assert all(p.body["incident"]["status"] != "resolved" for p in hooks.posts("/statuspage"))
    code, output = notify(run, repo)  # the same build: still held, nothing twice
    assert code == 0 and held in output.splitlines(), output
    assert [str(m.message["Subject"]) for m in smtp.received] == first
    build_and_publish(run, repo)
    code, output = notify(run, repo)
    assert code == 0 and "Held back" not in output, output
    assert_everything_once(smtp, hooks)


def test_record_lives_on_a_dir_publish_target(
        run: Run, repo: Path, tmp_path: Path, smtp: MailServer, hooks: HookServer) -> None:
    published = tmp_path / "published"
    add_publish(repo, f"  - name: local\n    type: dir\n    path: {published}\n")
    build_and_publish(run, repo)
    code, output = notify(run, repo)
    assert code == 0, output
    assert "Sent record: publish target 'local' (notify-record.json)" in output
    assert "Note: the sent record is a local file" not in output
    record = json.loads((published / "state" / "notify-record.json").read_bytes())
    assert len(record["sent"]) == 6  # the upgrade's reminder went with its announcement
    assert not (repo / ".outpost-state").exists()
    assert notify(run, repo)[1].rstrip().endswith("Done: 0 sent.")
    assert_everything_once(smtp, hooks)


def test_a_new_primary_target_sends_nothing_again(
        run: Run, repo: Path, tmp_path: Path, smtp: MailServer, hooks: HookServer) -> None:
    """Reordering publish: (or adding one after notify ran with the local record) makes
    another target the primary, which holds no record: the record is read where it was
    kept, so nothing is sent again. Every update inside the horizon had gone out again
    to every contact and webhook."""
    code, output = notify(run, repo)  # no publish: yet: the record is a local file
    assert code == 0, output
    first, second = tmp_path / "first", tmp_path / "second"
    add_publish(repo, f"  - name: first\n    type: dir\n    path: {first}\n"
                      f"  - name: second\n    type: dir\n    path: {second}\n")
    build_and_publish(run, repo)
    code, output = notify(run, repo)
    assert code == 0, output
    assert ("Note: publish target 'first' (notify-record.json) holds no sent record yet: "
            "the one in local file .outpost-state/notify-record.json, where it was kept "
            "before, was read; it is kept on publish target 'first' (notify-record.json) "
            "from this run on.") in output.replace(
                str(repo) + "/", "")
    assert output.rstrip().endswith("Done: 0 sent."), output
    assert_everything_once(smtp, hooks)
    # Kept on 'first' now, a copy on 'second'. The two targets swapped, the copy gone:
    # 'second' is the primary and holds none; 'first' has it.
    assert (first / "state" / "notify-record.json").read_bytes() == (
        repo / ".outpost-state" / "notify-record.json").read_bytes()
    assert (second / "state" / "notify-record.json").read_bytes() == (
        first / "state" / "notify-record.json").read_bytes()
    (repo / ".outpost-state" / "notify-record.json").unlink()
    (second / "state" / "notify-record.json").unlink()
    config = repo / "outpost.yaml"
    text = config.read_text()
    config.write_text(text.replace("name: first", "name: x").replace("name: second",
                                                                     "name: first")
                      .replace("name: x", "name: second").replace(str(first), "FIRST")
                      .replace(str(second), str(first)).replace("FIRST", str(second)))
    build_and_publish(run, repo)
    code, output = notify(run, repo, "--dry-run")
    assert code == 0, output
    assert "Dry run: would send 0 deliveries" in output, output
    # A dry run writes nothing: the record is not kept on the new primary yet.
    assert ("where it was kept before, was read; the next run that is not a dry run keeps it "
            "on publish target 'second' (notify-record.json).") in output, output
    assert not (second / "state" / "notify-record.json").exists()
    assert_everything_once(smtp, hooks)


def test_a_primary_replaced_outright_sends_nothing_again(
        run: Run, repo: Path, tmp_path: Path, smtp: MailServer, hooks: HookServer) -> None:
    """The primary target kept its name and took another path (or remote): the old one,
    no longer listed, held the only record, and every update went out again to every
    contact and webhook. Each run keeps a copy on the mirrors, which is read then."""
    old, new, mirror = tmp_path / "old", tmp_path / "new", tmp_path / "mirror"
    add_publish(repo, f"  - name: pages\n    type: dir\n    path: {old}\n"
                      f"  - name: mirror\n    type: dir\n    path: {mirror}\n")
    build_and_publish(run, repo)
    code, output = notify(run, repo)
    assert code == 0 and "Done: 17 sent." in output, output
    assert (mirror / "state" / "notify-record.json").read_bytes() == (
        old / "state" / "notify-record.json").read_bytes()
    config = repo / "outpost.yaml"
    config.write_text(config.read_text().replace(str(old), str(new)))
    build_and_publish(run, repo)
    code, output = notify(run, repo)
    assert code == 0, output
    assert ("Note: publish target 'pages' (notify-record.json) holds no sent record yet: "
            "the one in publish target 'mirror' (notify-record.json), where it was kept "
            "before, was read; it is kept on publish target 'pages' (notify-record.json) "
            "from this run on.") in output, output
    assert output.rstrip().endswith("Done: 0 sent."), output
    assert_everything_once(smtp, hooks)


def test_a_copy_on_a_mirror_that_cannot_be_written_fails_nothing(
        run: Run, repo: Path, tmp_path: Path, smtp: MailServer, hooks: HookServer) -> None:
    """The copy is a spare: the run still keeps the record on the primary (here, a
    contact added), and says the copy was not made."""
    www, mirror = tmp_path / "www", tmp_path / "mirror"
    add_publish(repo, f"  - name: pages\n    type: dir\n    path: {www}\n"
                      f"  - name: mirror\n    type: dir\n    path: {mirror}\n")
    build_and_publish(run, repo)
    assert notify(run, repo)[0] == 0
    copy = mirror / "state" / "notify-record.json"
    copy.unlink()
    copy.mkdir()  # a folder where the copy goes
    config = repo / "outpost.yaml"
    config.write_text(config.read_text().replace(
        "    - email: bob@example.org\n", "    - email: carol@example.org\n"
                                          "    - email: bob@example.org\n"))
    code, output = notify(run, repo)
    assert code == 0, output
    assert ("Note: could not keep a copy of the sent record on publish target 'mirror' "
            "(notify-record.json) (") in output, output
    assert output.rstrip().endswith("Done: 0 sent."), output
    record = json.loads((www / "state" / "notify-record.json").read_bytes())
    assert len(record["recipients"]) == 5  # carol's start kept on the primary
    assert_everything_once(smtp, hooks)


def test_a_record_that_may_be_on_an_unreadable_target_stops_the_run(
        run: Run, repo: Path, tmp_path: Path, smtp: MailServer, hooks: HookServer) -> None:
    """With no record on the primary, a mirror that cannot be read may hold the one kept
    before the primary changed: nothing is sent rather than every update again."""
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "state").write_text("a file where the state folder goes\n")
    add_publish(repo, f"  - name: pages\n    type: dir\n    path: {tmp_path / 'www'}\n"
                      f"  - name: mirror\n    type: dir\n    path: {mirror}\n")
    build_and_publish(run, repo)
    code, output = notify(run, repo)
    assert code == 1
    assert output.startswith("Error: could not read the sent record in publish target "
                             "'mirror' (notify-record.json), where a record kept before "
                             "publish target 'pages' (notify-record.json) became the "
                             "primary may be; nothing was sent (run outpost notify again "
                             "once it can be read): "), output
    assert smtp.received == [] and hooks.state.received == []


def test_record_lives_on_a_git_publish_target_and_survives_a_fresh_checkout(
        run: Run, repo: Path, tmp_path: Path, smtp: MailServer, hooks: HookServer) -> None:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(remote)], check=True)
    add_publish(repo, f"  - name: pages\n    type: git\n    remote: {remote}\n")
    build_and_publish(run, repo)
    assert notify(run, repo, "--dry-run")[0] == 0
    code, output = notify(run, repo)
    assert code == 0, output
    shown = subprocess.run(["git", "--git-dir", str(remote), "show",
                            "outpost-state:notify-record.json"], capture_output=True,
                           check=True)
    assert len(json.loads(shown.stdout)["sent"]) == 6
    # A new machine: a fresh copy of the repository, same remote.
    fresh = make_repo(tmp_path / "fresh", smtp.port, hooks.port)
    add_publish(fresh, f"  - name: pages\n    type: git\n    remote: {remote}\n")
    code, output = notify(run, fresh)
    assert code == 0, output
    assert output.rstrip().endswith("Done: 0 sent.")
    assert_everything_once(smtp, hooks)


def test_record_lives_on_an_s3_publish_target_outside_its_prefix(
        run: Run, repo: Path, smtp: MailServer, hooks: HookServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in s3_env().items():
        monkeypatch.setenv(key, value)
    with moto_server() as endpoint:
        bucket = new_bucket(endpoint)
        add_publish(repo, f"  - name: mirror\n    type: s3\n    bucket: {bucket}\n"
                          f"    prefix: site\n    endpoint_url: {endpoint}\n"
                          "    region: us-east-1\n")
        build_and_publish(run, repo)
        code, output = notify(run, repo)
        assert code == 0, output
        objects = s3_objects(endpoint, bucket)
        # Beside the prefix, not under it: a public-read policy on 'site/*' leaves it private.
        assert [key for key in objects if not key.startswith("site/")] == [
            ".outpost/site/state/notify-record.json"]
        assert len(json.loads(objects[".outpost/site/state/notify-record.json"])["sent"]) == 6
        assert notify(run, repo)[1].rstrip().endswith("Done: 0 sent.")
    assert_everything_once(smtp, hooks)


def add_contact(root: Path, address: str) -> None:
    config = root / "outpost.yaml"
    config.write_text(config.read_text().replace(
        "  contacts:\n", f"  contacts:\n    - email: {address}\n", 1))


def post_incident(root: Path, at: str) -> None:
    (root / "notices" / "login-errors.md").write_text(
        "---\ntitle: Login errors\ntype: incident\nimpact: minor\ncomponents: [web]\n---\n"
        f"## Investigating - {at}\nSome sign-ins fail.\n")


def test_a_contact_added_later_is_sent_what_comes_after_not_the_history(
        run: Run, repo: Path, smtp: MailServer, hooks: HookServer) -> None:
    """The horizon keeps a site's first run from mailing its history; a contact added
    months later is not sent it either, only the updates from the last run that wrote
    the record on. A run that sends nothing still records when it was added."""
    code, output = notify(run, repo)
    assert code == 0, output
    assert_everything_once(smtp, hooks)
    smtp.received.clear()
    add_contact(repo, "carol@example.org")
    code, output = notify(run, repo, "--dry-run")
    assert code == 0, output
    new = ("New since the last run that wrote the sent record: carol@example.org: sent the "
           "updates from 2026-11-28 12:00 on, not those before they were added.")
    assert new in output.splitlines(), output
    assert ("Not sent: 6 deliveries of updates from before their contact or webhook was "
            "added.") in output.splitlines(), output
    assert output.splitlines()[0] == ("Dry run: would send 0 deliveries; nothing is sent or "
                                      "recorded.")
    result = run(repo, "notify", "--now", "2026-11-28 13:00")
    assert result.exit_code == 0, result.output
    assert new in result.output.splitlines(), result.output
    assert smtp.received == []
    record = json.loads((repo / ".outpost-state" / "notify-record.json").read_bytes())
    assert record["recipients"][recipient_hash("email:carol@example.org")] == (
        "2026-11-28T18:00:00+00:00")
    assert record["recipients"][recipient_hash("email:alice@example.org")] is None
    assert record["written"] == "2026-11-28T19:00:00+00:00"
    # Posted after it was added (and before the run that saw it): it is sent to everyone.
    post_incident(repo, "2026-11-28 12:30")
    result = run(repo, "notify", "--now", "2026-11-28 14:00")
    assert result.exit_code == 0, result.output
    assert sorted(m.to for m in smtp.received) == ["alice@example.org", "carol@example.org"]
    assert "New since" not in result.output


def test_a_contact_added_is_sent_an_update_of_the_minute_it_was_added_from(
        run: Run, repo: Path, smtp: MailServer, hooks: HookServer) -> None:
    """A contact's start is the time of the run before it (to the second); an update's
    time is to the minute: one posted later in that same minute read as older, and the
    contact never got it."""
    assert run(repo, "notify", "--now", "2026-11-28T18:00:41Z").exit_code == 0
    smtp.received.clear()
    add_contact(repo, "carol@example.org")
    post_incident(repo, "2026-11-28 12:00")  # 18:00 UTC, posted after 18:00:41
    result = run(repo, "notify", "--now", "2026-11-28T18:05:00Z")
    assert result.exit_code == 0, result.output
    assert sorted(m.to for m in smtp.received) == ["alice@example.org", "carol@example.org"]


def test_a_contact_removed_then_added_again_is_new_again(
        run: Run, repo: Path, smtp: MailServer) -> None:
    add_contact(repo, "carol@example.org")
    assert notify(run, repo)[0] == 0
    assert "carol@example.org" in {m.to for m in smtp.received}  # the first run: the horizon
    config = repo / "outpost.yaml"
    config.write_text(config.read_text().replace("    - email: carol@example.org\n", ""))
    assert run(repo, "notify", "--now", "2026-11-28 13:00").exit_code == 0
    record = json.loads((repo / ".outpost-state" / "notify-record.json").read_bytes())
    assert recipient_hash("email:carol@example.org") in record["recipients"]  # not written
    smtp.received.clear()
    post_incident(repo, "2026-11-28 13:30")
    assert run(repo, "notify", "--now", "2026-11-28 14:00").exit_code == 0
    record = json.loads((repo / ".outpost-state" / "notify-record.json").read_bytes())
    assert recipient_hash("email:carol@example.org") not in record["recipients"]
    add_contact(repo, "carol@example.org")
    result = run(repo, "notify", "--now", "2026-11-28 15:00")
    assert result.exit_code == 0, result.output
    assert "carol@example.org" in result.output
    assert [m.to for m in smtp.received] == ["alice@example.org"]


def test_a_record_from_before_recipients_were_kept_sends_as_before(
        run: Run, repo: Path, smtp: MailServer, hooks: HookServer) -> None:
    """A record without 'recipients' (kept by an earlier version) names nobody new: every
    contact and webhook is sent what it has not had since the horizon."""
    state = repo / ".outpost-state"
    state.mkdir()
    (state / "notify-record.json").write_bytes(b'{"format": 1, "sent": {}}')
    code, output = notify(run, repo)
    assert code == 0, output
    assert "New since" not in output
    assert_everything_once(smtp, hooks)


@pytest.mark.parametrize(("extra", "why"), [
    (', "recipients": {}', "'recipients' and 'written' go together"),
    (', "recipients": [], "written": "2026-11-28T09:00:00+00:00"',
     "'recipients' and 'written' go together"),
    (', "recipients": {"ab": "2026-11-28T09:00:00"}, "written": "2026-11-28T09:00:00+00:00"',
     "time '2026-11-28T09:00:00' has no UTC offset"),
    (', "recipients": {"ab": 5}, "written": "2026-11-28T09:00:00+00:00"',
     "time 5 is not text"),
])
def test_a_damaged_recipient_list_stops_before_sending_anything(
        run: Run, repo: Path, smtp: MailServer, extra: str, why: str) -> None:
    path = repo / ".outpost-state" / "notify-record.json"
    path.parent.mkdir()
    path.write_bytes(b'{"format": 1, "sent": {}' + extra.encode() + b"}")
    code, output = notify(run, repo)
    assert code == 1
    assert output == (f"Error: the sent record in local file {path} is damaged ({why}); "
                      "nothing was sent. Restore it, or delete it and set notify.since to now "
                      "so that history is not sent again\n")
    assert smtp.received == []


class HeldStore:
    def __init__(self, description: str, held: bytes | None) -> None:
        self.description = description
        self.held = held

    def read_state(self, name: str) -> bytes | None:
        return self.held

    def write_state(self, name: str, data: bytes) -> None:
        self.held = data


def test_records_joined_from_earlier_places_keep_each_recipient_from_its_earliest() -> None:
    at = datetime(2026, 11, 28, 15, tzinfo=UTC)
    first, second = SentRecord(), SentRecord()
    first.welcome(["email:a@example.org"])
    second.welcome(["email:a@example.org"])
    second.welcome(["email:a@example.org", "webhook:chat"])  # not yet written: None
    second.written = "2026-11-28T12:00:00+00:00"
    second.welcome(["email:a@example.org", "webhook:chat", "email:b@example.org"])
    first.written = second.written = at.isoformat()  # as save_record dates them
    stores = [HeldStore("one", first.encode()), HeldStore("two", second.encode())]
    joined, found = load_record(HeldStore("primary", None), lambda: stores)
    assert found == ["one", "two"]
    assert joined.since("email:a@example.org") is None
    assert joined.since("webhook:chat") is None
    assert joined.since("email:b@example.org") == datetime(2026, 11, 28, 12, tzinfo=UTC)
    assert joined.written == "2026-11-28T15:00:00+00:00"
    stores.append(HeldStore("three", b'{"format": 1, "sent": {}}'))  # an earlier version's
    joined, _ = load_record(HeldStore("primary", None), lambda: stores)
    assert joined.recipients is None
    assert load_record(HeldStore("primary", None), lambda: [])[0].recipients is None


def test_a_run_that_sends_is_refused_a_clock_ahead_of_the_machines(
        run: Run, repo: Path, smtp: MailServer) -> None:
    """Its record would be dated ahead: entries a run at the right time still needs
    dropped, and contacts added later dated from then. A dry run may look ahead."""
    record = repo / ".outpost-state" / "notify-record.json"
    result = run(repo, "notify", "--now", "2999-01-01 10:00")
    assert result.exit_code == 2
    assert result.output.endswith(
        "Error: Invalid value for '--now': ahead of this machine's clock: a run that sends "
        "records its time, and a later run at the right time would send again what that "
        "record then leaves out; use --dry-run to see what would be sent then\n")
    assert smtp.received == [] and not record.exists()
    assert run(repo, "notify", "--dry-run", "--now", "2999-01-01 10:00").exit_code == 0
