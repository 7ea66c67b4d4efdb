"""What a new user, a new administrator and a support engineer under pressure meet
through the real `outpost` command: each test first reproduced a defect they hit."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.conftest import REPO, Run

NOW = "2026-11-28T12:00:00Z"


def test_a_build_with_nothing_changed_says_up_to_date(example_repo: Path, run: Run) -> None:
    first = run(example_repo, "build", "--now", NOW)
    assert first.exit_code == 0, first.output
    site = example_repo / "site"
    count = sum(1 for p in site.rglob("*") if p.is_file())
    assert first.output == f"Built {count} files into {site}\n"
    second = run(example_repo, "build", "--now", NOW)
    assert second.output == (f"Up to date: {site} holds this build ({count} files); nothing "
                             "was written.\n")
    third = run(example_repo, "build", "--now", "2026-11-28T12:01:00Z")
    # A new minute changes the "Updated" line of the Open page, the component pages and
    # the open notices' pages, the manifest...: a few files, never the whole site.
    changed = re.fullmatch(rf"Built {count} files into {re.escape(str(site))} \((\d+) changed\)\n",
                           third.output)
    assert changed is not None and 1 <= int(changed[1]) <= 16, third.output


def outpost(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real command, started in ``cwd`` as a person in a terminal would."""
    env = {k: v for k, v in os.environ.items() if k not in ("TZ", "PYTHONPATH")}
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=120, check=False)


def test_commands_find_outpost_yaml_in_a_parent_folder(example_repo: Path) -> None:
    (example_repo / ".git").mkdir()
    count = len(list((example_repo / "notices").glob("*.md")))
    checked = outpost(example_repo / "notices", "check")
    assert (checked.returncode, checked.stderr) == (0, "")
    assert checked.stdout == f"OK: outpost.yaml and {count} notices are valid.\n"
    built = outpost(example_repo / "notices", "build", "--now", NOW)
    assert built.returncode == 0, built.stderr
    assert built.stdout.startswith(f"Built {len(list(tree_of(example_repo / 'site')))} files "
                                   f"into {example_repo / 'site'}\n")
    assert not (example_repo / "notices" / "site").exists()


def tree_of(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def test_the_search_stops_at_the_repository_root(tmp_path: Path) -> None:
    outer = tmp_path / "outer"
    (outer / "inner" / ".git").mkdir(parents=True)
    (outer / "inner" / "docs").mkdir()
    (outer / "outpost.yaml").write_text("title: Not this one\n")
    done = outpost(outer / "inner" / "docs", "check")
    assert done.returncode == 1
    assert done.stdout == (f"outpost.yaml: not found in {outer / 'inner' / 'docs'} or "
                           "its parent folders up to the repository root (run 'outpost init' "
                           "to create one)\n1 problem found.\n")


def test_an_explicit_root_is_kept_and_points_at_the_site(example_repo: Path) -> None:
    (example_repo / ".git").mkdir()
    notices = example_repo / "notices"
    done = outpost(example_repo, "--root", "notices", "check")
    assert done.returncode == 1
    assert done.stdout == (f"outpost.yaml: not in {notices}: it is in the status "
                           f"site at {example_repo} (run outpost there, or pass --root "
                           f"{example_repo})\n1 problem found.\n")
    assert "init" not in done.stdout + done.stderr


def test_a_root_that_does_not_exist_is_named_as_such(tmp_path: Path) -> None:
    """A mistyped --root is not a site to make: init there would start a second one."""
    typo = tmp_path / "acme-staus"
    done = outpost(tmp_path, "--root", str(typo), "list")
    assert done.returncode == 1
    assert done.stderr == (f"outpost.yaml: not found: there is no folder {typo} "
                           "(check the path given to --root)\n1 problem found.\n")
    assert not typo.exists()


def test_the_root_to_pass_is_quoted_for_a_shell(tmp_path: Path) -> None:
    site = tmp_path / "acme status"
    (site / "notices").mkdir(parents=True)
    (site / "outpost.yaml").write_text("title: Acme\n")
    done = outpost(site, "--root", "notices", "check")
    assert done.stdout.endswith(f"pass --root '{site}')\n1 problem found.\n")


def test_init_inside_a_site_refuses_to_nest_one(example_repo: Path) -> None:
    (example_repo / ".git").mkdir()
    notices = example_repo / "notices"
    before = sorted(p.name for p in notices.iterdir())
    done = outpost(notices, "init", "--timezone", "UTC")
    assert done.returncode == 1
    assert done.stderr == (f"Error: {notices} is inside the status site at {example_repo} (its "
                           "outpost.yaml): a site here would be a second, separate one. Run "
                           "'outpost init' in a folder outside it, or add --force to make one "
                           "anyway.\n")
    assert sorted(p.name for p in notices.iterdir()) == before


def test_init_with_a_directory_inside_a_site_is_left_to_the_user(example_repo: Path) -> None:
    done = outpost(example_repo, "init", "acme-status", "--timezone", "UTC")
    assert done.returncode == 0, done.stderr
    assert (example_repo / "acme-status" / "outpost.yaml").is_file()


EMAIL = """\
---
title: Email delivery delays
type: incident
impact: major
---
## Investigating - 2026-11-28 06:00
Emails are late.
"""
EMAIL_RESOLVED = """\
---
title: Email delivery delays
type: incident
---
## Resolved - 2026-11-20 09:00
Fixed.

## Investigating - 2026-11-20 08:00
Emails are late.
"""


def test_update_and_resolve_choose_the_one_open_match(empty_repo: Path, run: Run) -> None:
    old = empty_repo / "notices" / "2026-11-20-email-delivery-delays.md"
    old.write_text(EMAIL_RESOLVED)
    (empty_repo / "notices" / "2026-11-28-email-delivery-delays.md").write_text(EMAIL)
    done = run(empty_repo, "update", "email", "--at", "2026-11-28 06:30", "-m", "Found it.")
    assert done.exit_code == 0, done.output
    assert done.output == (
        "'email' matches 2 notices; using the open one, 2026-11-28-email-delivery-delays "
        "(closed: 2026-11-20-email-delivery-delays)\n"
        "Posted Update - 2026-11-28 06:30 to 2026-11-28-email-delivery-delays: "
        "notices/2026-11-28-email-delivery-delays.md\n")
    done = run(empty_repo, "resolve", "email", "--at", "2026-11-28 07:00")
    assert done.exit_code == 0, done.output
    assert done.output.splitlines()[1] == (
        "Posted Resolved - 2026-11-28 07:00 to 2026-11-28-email-delivery-delays: "
        "notices/2026-11-28-email-delivery-delays.md")
    assert old.read_text() == EMAIL_RESOLVED
    # Both closed now: nothing to prefer, so the command lists them and writes nothing.
    done = run(empty_repo, "update", "email", "--at", "2026-11-28 07:30", "-m", "x")
    assert done.exit_code == 1
    assert done.output == ("Error: 'email' matches 2 notices; give more of the id:\n"
                           "  2026-11-20-email-delivery-delays  Email delivery delays\n"
                           "  2026-11-28-email-delivery-delays  Email delivery delays\n")


def test_two_open_matches_are_still_refused(empty_repo: Path, run: Run) -> None:
    for day in ("27", "28"):
        (empty_repo / "notices" / f"2026-11-{day}-email-delivery-delays.md").write_text(
            EMAIL.replace("2026-11-28", f"2026-11-{day}"))
    done = run(empty_repo, "resolve", "email", "--at", "2026-11-28 07:00")
    assert done.exit_code == 1
    assert done.output == ("Error: 'email' matches 2 notices; give more of the id:\n"
                           "  2026-11-27-email-delivery-delays  Email delivery delays\n"
                           "  2026-11-28-email-delivery-delays  Email delivery delays\n")


def _years_of_email_incidents(repo: Path, count: int) -> None:
    """``count`` closed email incidents, one a week back from 2026-11-20."""
    for week in range(count):
        day = datetime(2026, 11, 20) - timedelta(weeks=week)
        (repo / "notices" / f"{day:%Y-%m-%d}-email-delivery-delays.md").write_text(
            EMAIL_RESOLVED.replace("2026-11-20", f"{day:%Y-%m-%d}"))


def test_the_one_open_match_is_chosen_among_years_of_closed_ones(empty_repo: Path,
                                                                  run: Run) -> None:
    """A site kept for years holds dozens of closed notices with the same words: the open
    one is still chosen, as with two (it was refused past 20 matches, and the list it
    gave held the oldest closed notices, never the open one)."""
    _years_of_email_incidents(empty_repo, 30)
    (empty_repo / "notices" / "2026-11-28-email-delivery-delays.md").write_text(EMAIL)
    done = run(empty_repo, "update", "email", "--at", "2026-11-28 06:30", "-m", "Found it.")
    assert done.exit_code == 0, done.output
    first, posted = done.output.splitlines()
    assert first == (
        "'email' matches 31 notices; using the open one, 2026-11-28-email-delivery-delays "
        "(closed: 2026-11-06-email-delivery-delays, 2026-11-13-email-delivery-delays, "
        "2026-11-20-email-delivery-delays, and 27 more)")
    assert posted == ("Posted Update - 2026-11-28 06:30 to 2026-11-28-email-delivery-delays: "
                      "notices/2026-11-28-email-delivery-delays.md")


def test_several_open_matches_are_listed_before_closed_ones(empty_repo: Path,
                                                            run: Run) -> None:
    """Refused among 20 shown, the open matches come first: listed by id, the closed ones
    of past years hid them behind '... and N more'."""
    _years_of_email_incidents(empty_repo, 30)
    for day in ("27", "28"):
        (empty_repo / "notices" / f"2026-11-{day}-email-delivery-delays.md").write_text(
            EMAIL.replace("2026-11-28", f"2026-11-{day}"))
    done = run(empty_repo, "update", "email", "--at", "2026-11-28 07:00", "-m", "x")
    assert done.exit_code == 1
    lines = done.output.splitlines()
    assert lines[:4] == ["Error: 'email' matches 32 notices; give more of the id:",
                         "  2026-11-27-email-delivery-delays  Email delivery delays",
                         "  2026-11-28-email-delivery-delays  Email delivery delays",
                         "  2026-05-01-email-delivery-delays  Email delivery delays"]
    assert lines[-1] == "  ... and 12 more"


def test_readme_incident_examples_run_as_written_on_the_example_site(
        example_repo: Path) -> None:
    """README "During an incident": every command as written, in order, in a copy of this
    repository's example site, at the real clock as a support engineer runs them."""
    from tests.test_readme import FENCE, shell_lines

    readme = (REPO / "README.md").read_text()
    section = readme.split("\n## During an incident\n", 1)[1].split("\n## ", 1)[0]
    block = FENCE.search(section)
    assert block is not None
    lines = [line for line in shell_lines(block.group(0)) if line.startswith("outpost ")]
    assert [shlex.split(line)[1] for line in lines] == ["new", "update", "update", "resolve",
                                                        "list", "new", "resolve"]
    before = {p.name: p.read_bytes() for p in (example_repo / "notices").glob("*.md")}
    for line in lines:
        done = outpost(example_repo, *shlex.split(line, comments=True)[1:])
        assert done.returncode == 0, f"{line}\n{done.stdout}{done.stderr}"
    after = {p.name: p.read_bytes() for p in (example_repo / "notices").glob("*.md")}
    assert {name: data for name, data in after.items() if name in before} == before
    assert len(after) == len(before) + 2
    assert outpost(example_repo, "check").returncode == 0


CHICAGO = ZoneInfo("America/Chicago")  # MINIMAL_CONFIG's zone


def local(moment: datetime) -> str:
    return f"{moment.astimezone(CHICAGO):%Y-%m-%d %H:%M}"


def test_a_future_at_is_written_with_a_warning(empty_repo: Path, run: Run) -> None:
    later = datetime.now(UTC) + timedelta(hours=3)
    done = run(empty_repo, "new", "incident", "Checkout errors", "--at", local(later),
               "-m", "Errors.")
    assert done.exit_code == 0, done.output
    assert done.stderr == (f"Warning: --at {local(later)} is in the future: the site shows this "
                           "update only from then on.\n")
    (name,) = (p.stem for p in (empty_repo / "notices").glob("*.md"))
    done = run(empty_repo, "update", name, "--at", local(later + timedelta(hours=1)), "-m", "x")
    assert done.exit_code == 0, done.output
    assert done.stderr == (f"Warning: --at {local(later + timedelta(hours=1))} is in the "
                           "future: the site shows this update only from then on.\n")
    # A clock a minute or two apart from the writer's is no mistake worth a warning.
    soon = datetime.now(UTC) + timedelta(minutes=2)
    done = run(empty_repo, "new", "incident", "Other", "--at", local(soon), "-m", "x")
    assert (done.exit_code, done.stderr) == (0, "")


FUTURE = """\
---
title: Checkout errors
type: incident
---
## Identified - 2026-11-28 18:00
Found it.

## Investigating - 2026-11-28 06:00
Errors.
"""


def test_check_warns_about_updates_dated_in_the_future(empty_repo: Path, run: Run) -> None:
    (empty_repo / "notices" / "2026-11-28-checkout.md").write_text(FUTURE)
    done = run(empty_repo, "check", "--now", NOW)  # 06:00 in Chicago
    assert done.exit_code == 0
    assert done.output == (
        "notices/2026-11-28-checkout.md:5: warning: Identified - 2026-11-28 18:00 is in the "
        "future: the site shows this update only from then on\n"
        "OK: outpost.yaml and 1 notice are valid (1 warning).\n")
    done = run(empty_repo, "check", "--now", NOW, "--format", "github")
    assert done.output == (
        "::warning file=notices/2026-11-28-checkout.md,line=5::Identified - 2026-11-28 18:00 "
        "is in the future: the site shows this update only from then on\n"
        "OK: outpost.yaml and 1 notice are valid (1 warning).\n")
    assert run(empty_repo, "check", "--now", "2026-11-29T00:00:00Z").output == (
        "OK: outpost.yaml and 1 notice are valid.\n")


def test_check_warns_about_a_maintenance_update_after_its_window(empty_repo: Path,
                                                                 run: Run) -> None:
    """The window's end completes a maintenance: an update after it, written by hand,
    passed check, and readers saw 'taking longer' under Completed and 'All systems
    operational'. outpost update warned of it; check now does too. A late Completed
    is no warning: it finds the maintenance over, as readers do."""
    (empty_repo / "notices" / "db.md").write_text(
        "---\ntitle: Database upgrade\ntype: maintenance\ncomponents: [web]\n"
        "start: 2026-11-28 09:00\nend: 2026-11-28 11:00\n---\n"
        "## Completed - 2026-11-28 12:00\nDone.\n\n"
        "## Update - 2026-11-28 11:30\nTaking longer than planned.\n\n"
        "## In progress - 2026-11-28 09:00\nStarted.\n")
    done = run(empty_repo, "check", "--now", "2026-11-28 13:00")
    assert (done.exit_code, done.output) == (0, (
        "notices/db.md:11: warning: Update - 2026-11-28 11:30 after the window's end "
        "(2026-11-28 11:00): readers have seen this maintenance as Completed since then. If "
        "it ran longer, set a later 'end:' in its front matter\n"
        "OK: outpost.yaml and 1 notice are valid (1 warning).\n"))


def test_resolve_points_at_the_update_dated_in_the_future(empty_repo: Path, run: Run) -> None:
    later = datetime.now(UTC) + timedelta(hours=3)
    text = FUTURE.replace("2026-11-28 18:00", local(later))
    path = empty_repo / "notices" / "2026-11-28-checkout.md"
    path.write_text(text)
    done = run(empty_repo, "resolve", "checkout")
    assert done.exit_code == 1
    assert done.output.startswith(
        f"Error: notices/2026-11-28-checkout.md:5: the latest update (Identified - "
        f"{local(later)}) is dated in the future, so Resolved at "), done.output
    assert done.output.endswith(" would come before it: correct that update's time, then "
                                "resolve again\n")
    assert path.read_text() == text


def test_resolve_at_a_given_time_names_that_time(empty_repo: Path, run: Run) -> None:
    """With --at the Resolved is not posted 'now': the message names the time given."""
    later = datetime.now(UTC) + timedelta(hours=3)
    text = FUTURE.replace("2026-11-28 18:00", local(later))
    (empty_repo / "notices" / "2026-11-28-checkout.md").write_text(text)
    done = run(empty_repo, "resolve", "checkout", "--at", "2026-11-28 17:00")
    assert done.exit_code == 1
    assert done.output == (
        f"Error: notices/2026-11-28-checkout.md:5: the latest update (Identified - "
        f"{local(later)}) is dated in the future, so Resolved at 2026-11-28 17:00 would "
        "come before it: correct that update's time, then resolve again\n")


def test_updates_in_the_same_minute_get_one_suffix_rule_everywhere(
        empty_repo: Path, run: Run) -> None:
    """Three updates posted within one minute (a stressed engineer, --at to the minute):
    distinct HTML ids on the page, feed links to each of them, and the same suffixes in
    feed ids and notification keys."""
    from generator.config.settings import load_config
    from generator.notices.authoring import load_for_edit
    from generator.notify.plan import update_keys

    at = "2026-11-28 01:07"  # 07:07 UTC
    assert run(empty_repo, "new", "incident", "Checkout errors", "--at", at,
               "-m", "Errors.").exit_code == 0
    for text in ("Found it.", "Fixing it."):
        done = run(empty_repo, "update", "checkout", "--at", at, "-m", text)
        assert done.exit_code == 0, done.output
    assert run(empty_repo, "build", "--now", NOW).exit_code == 0
    site = empty_repo / "site"
    page = (site / "notices" / "2026-11-28-checkout-errors" / "index.html").read_text()
    ids = re.findall(r'<li id="([^"]+)"', page)
    assert ids == ["update-20261128T0707Z~3", "update-20261128T0707Z~2",
                   "update-20261128T0707Z"]
    # Newest first: the last one posted reads as the latest of the minute.
    assert page.index("Fixing it.") < page.index("Found it.") < page.index("Errors.")
    feed = (site / "atom.xml").read_text()
    links = re.findall(r'<link href="[^"]*#(update-[^"]+)"', feed)
    assert links == ids
    entry_ids = re.findall(r"<id>(tag:[^<]+:notices/[^<]+)</id>", feed)
    assert entry_ids == [f"tag:status.example.org,2026-11-28:notices/2026-11-28-checkout-errors/"
                         f"2026-11-28T07:07:00Z{suffix}" for suffix in ("~3", "~2", "")]
    config = load_config(empty_repo)
    notice = load_for_edit(empty_repo, config, "2026-11-28-checkout-errors")[2]
    assert [key for key, _ in update_keys(notice)] == [
        f"2026-11-28-checkout-errors/20261128T0707Z{suffix}" for suffix in ("", "~2", "~3")]


def with_folder_target(root: Path, folder: Path) -> None:
    with (root / "outpost.yaml").open("a") as config:
        config.write(f"publish:\n  - name: folder\n    type: dir\n    path: {folder}\n")


def test_publish_refuses_a_site_built_from_older_notices(empty_repo: Path, run: Run,
                                                         tmp_path: Path) -> None:
    with_folder_target(empty_repo, tmp_path / "www")
    assert run(empty_repo, "new", "incident", "Checkout errors", "--at", "2026-11-28 05:00",
               "-m", "Errors.").exit_code == 0
    assert run(empty_repo, "build", "--now", NOW).exit_code == 0
    first = run(empty_repo, "publish")
    assert first.exit_code == 0, first.output
    published = (tmp_path / "www" / "current").resolve()
    done = run(empty_repo, "update", "checkout", "--status", "identified", "--at",
               "2026-11-28 05:30", "-m", "Found it.")
    assert done.exit_code == 0, done.output
    stale = run(empty_repo, "publish")
    assert stale.exit_code == 1
    assert stale.output == (
        f"Error: {empty_repo / 'site'} was built before the latest changes to the notices, "
        "outpost.yaml or templates/: run 'outpost build' first. Nothing was published.\n")
    assert (tmp_path / "www" / "current").resolve() == published
    assert run(empty_repo, "build", "--now", NOW).exit_code == 0
    again = run(empty_repo, "publish")
    assert again.exit_code == 0, again.output
    assert (tmp_path / "www" / "current").resolve() != published
    # outpost.yaml counts too.
    with (empty_repo / "outpost.yaml").open("a") as config:
        config.write("# a comment changes the file\n")
    assert run(empty_repo, "publish").exit_code == 1


PAGES_TARGET = """\
publish:
  - name: pages
    type: git
    remote: origin
    branch: gh-pages
"""


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_a_git_target_naming_a_missing_remote_is_a_configuration_problem(
        empty_repo: Path, run: Run, tmp_path: Path) -> None:
    config = (empty_repo / "outpost.yaml").read_text()
    (empty_repo / "outpost.yaml").write_text(config + PAGES_TARGET)
    line = config.count("\n") + 4  # the 'remote:' line
    git(empty_repo, "init", "-q", "-b", "main")
    assert run(empty_repo, "build", "--now", NOW).exit_code == 0
    problem = (f"outpost.yaml:{line}: publish target 'pages': 'origin' is not a remote of the "
               f"git repository at {empty_repo} (nor a URL or an existing path): add it with "
               "'git remote add origin URL', or write the URL here")
    checked = run(empty_repo, "check")
    assert (checked.exit_code, checked.output) == (1, f"{problem}\n1 problem found.\n")
    for command in ("publish", "verify"):
        done = run(empty_repo, command)
        assert (done.exit_code, done.output) == (1, f"{problem}\n1 problem found.\n")
    # With the remote added, all is well: check passes and publish pushes to it.
    bare = tmp_path / "pages.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    git(empty_repo, "remote", "add", "origin", str(bare))
    assert run(empty_repo, "check").output == "OK: outpost.yaml and 0 notices are valid.\n"
    done = run(empty_repo, "publish")
    assert done.exit_code == 0, done.output
    assert done.output.startswith("pages: ")


def test_a_remote_name_outside_a_git_repository(empty_repo: Path, run: Run) -> None:
    """check cannot tell without a repository (it says OK); publish says what is wrong."""
    config = (empty_repo / "outpost.yaml").read_text()
    (empty_repo / "outpost.yaml").write_text(config + PAGES_TARGET)
    line = config.count("\n") + 4
    assert run(empty_repo, "check").exit_code == 0
    assert run(empty_repo, "build", "--now", NOW).exit_code == 0
    done = run(empty_repo, "publish")
    assert (done.exit_code, done.output) == (1, (
        f"outpost.yaml:{line}: publish target 'pages': 'origin' names a git remote, "
        f"but {empty_repo} is not a git repository: write the remote's URL here\n"
        "1 problem found.\n"))


def test_new_without_a_text_posts_the_standard_message_the_readme_names(
        empty_repo: Path, run: Run) -> None:
    """README: `new` without a text posts a standard first message (Investigating, or a
    maintenance's Scheduled with its window); any other first status needs a text."""
    readme = (REPO / "README.md").read_text()
    assert "Without a text, `new` posts a standard first message" in readme
    done = run(empty_repo, "new", "incident", "Checkout errors", "--at", "2026-11-28 05:00")
    assert done.exit_code == 0, done.output
    assert (empty_repo / "notices" / "2026-11-28-checkout-errors.md").read_text().endswith(
        "## Investigating - 2026-11-28 05:00\nWe are investigating this issue and will post "
        "an update as soon as we know more.\n")
    done = run(empty_repo, "new", "maintenance", "Database upgrade", "--at", "2026-11-28 05:00",
               "--start", "2026-12-05 22:00", "--end", "2026-12-06 01:00")
    assert done.exit_code == 0, done.output
    assert (empty_repo / "notices" / "2026-12-05-database-upgrade.md").read_text().endswith(
        "## Scheduled - 2026-11-28 05:00\nMaintenance is scheduled for Dec 5, 2026, "
        "10:00 PM \u2013 Dec 6, 1:00 AM CST.\n")
    done = run(empty_repo, "new", "incident", "Sign-in errors", "--status", "identified")
    assert done.exit_code == 1
    assert done.output.startswith("Error: empty message")


def test_a_build_where_there_is_no_site_writes_nothing(tmp_path: Path) -> None:
    """'outpost build' run from the wrong folder, or with a mistyped --root, said
    "nothing was written" but had made .outpost-cache/ there (and the --root folder)."""
    home = tmp_path / "home"
    home.mkdir()
    typo = tmp_path / "statsu"
    for args in (("build",), ("--root", str(typo), "build")):
        done = outpost(home, *args)
        where = (f"not found: there is no folder {typo} (check the path given to --root)"
                 if "--root" in args else f"not found in {home} or its parent folders up "
                 "to the repository root (run 'outpost init' to create one)")
        assert done.returncode == 1
        assert done.stderr == (f"outpost.yaml: {where}\n1 problem found. Build "
                               "stopped: nothing was written.\n")
    assert sorted(tmp_path.rglob("*")) == [home]
