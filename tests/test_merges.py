"""Two people posting to one notice from their own clones, then merging with git."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import MINIMAL_CONFIG, Run

REPO = Path(__file__).resolve().parent.parent

NOTICE = "notices/2026-11-28-email.md"
INCIDENT = ("---\ntitle: Email delivery delays\ntype: incident\ncomponents: [web]\n---\n"
            "## Investigating - 2026-11-28 06:00\nEmails are late.\n")
DIFF3 = ("merge conflict marker: resolve the conflict and remove the '<<<<<<<', '|||||||', "
         "'=======' and '>>>>>>>' lines, and the original text between '|||||||' and "
         "'======='")


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org",
                           "-C", str(root), *args], capture_output=True, text=True).stdout


def two_clones(tmp_path: Path) -> tuple[Path, Path]:
    """A shared bare repository holding one open incident, and two clones of it."""
    shared, first, second = tmp_path / "shared.git", tmp_path / "ana", tmp_path / "ben"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(shared)], check=True)
    subprocess.run(["git", "clone", "-q", str(shared), str(first)], check=True)
    (first / "notices").mkdir()
    (first / "outpost.yaml").write_text(MINIMAL_CONFIG)
    (first / NOTICE).write_text(INCIDENT)
    git(first, "add", ".")
    git(first, "commit", "-qm", "Email delays")
    git(first, "push", "-q", "origin", "main")
    subprocess.run(["git", "clone", "-q", str(shared), str(second)], check=True)
    return first, second


def post(run: Run, root: Path, *args: str) -> None:
    result = run(root, "update", "email", *args)
    assert result.exit_code == 0, result.output
    git(root, "commit", "-qam", "Update")


def test_a_diff3_conflict_is_refused_down_to_its_base_marker(tmp_path: Path, run: Run) -> None:
    """merge.conflictStyle diff3 (or zdiff3) adds a '|||||||' line and the text both sides
    started from: told to remove only the other three lines, staff published that line."""
    ana, ben = two_clones(tmp_path)
    post(run, ana, "--status", "identified", "-m", "A relay is full.", "--at", "2026-11-28 06:30")
    git(ana, "push", "-q", "origin", "main")
    post(run, ben, "--status", "monitoring", "-m", "Mail flows.", "--at", "2026-11-28 06:31")
    git(ben, "-c", "merge.conflictStyle=diff3", "pull", "-q", "--no-rebase", "origin", "main")
    lines = (ben / NOTICE).read_text().split("\n")
    assert [line.split(" ")[0] for line in lines[5:15]] == [
        "<<<<<<<", "##", "Mail", "", "|||||||", "=======", "##", "A", "", ">>>>>>>"]
    result = run(ben, "check", "--now", "2026-11-28 12:00")
    assert result.output == "".join(f"{NOTICE}:{n}: {DIFF3}\n" for n in (6, 10, 11, 15)) + (
        "4 problems found.\n")

    (ben / NOTICE).write_text("\n".join(line for line in lines if not line.startswith(
        ("<<<<<<<", "=======", ">>>>>>>"))))
    result = run(ben, "check", "--now", "2026-11-28 12:00")
    assert result.output == f"{NOTICE}:9: {DIFF3}\n1 problem found.\n"


def test_a_conflict_in_outpost_yaml_names_each_marker(tmp_path: Path, run: Run) -> None:
    """Two administrators adding a component at once: YAML named the first marker only, as
    'a key without its ':''. In a Windows clone (core.autocrlf) each line ends in '\\r'."""
    ana, ben = two_clones(tmp_path)
    git(ben, "config", "core.autocrlf", "true")
    for root, component in ((ana, "mail"), (ben, "vpn")):
        with (root / "outpost.yaml").open("a") as settings:
            settings.write(f"  - id: {component}\n    name: {component.upper()}\n")
        git(root, "commit", "-qam", f"Add {component}")
    git(ana, "push", "-q", "origin", "main")
    git(ben, "pull", "-q", "--no-rebase", "origin", "main")
    merged = (ben / "outpost.yaml").read_bytes().split(b"\r\n")
    assert merged[8:14] == [b"<<<<<<< HEAD", b"  - id: vpn", b"    name: VPN", b"=======",
                            b"  - id: mail", b"    name: MAIL"]
    assert merged[14].startswith(b">>>>>>> ") and merged[15:] == [b""]
    conflict = ("merge conflict marker: resolve the conflict and remove the '<<<<<<<', "
                "'=======' and '>>>>>>>' lines")
    problems = "".join(f"outpost.yaml:{n}: {conflict}\n" for n in (9, 12, 15))
    assert run(ben, "check").output == problems + "3 problems found.\n"
    result = run(ben, "update", "email", "-m", "Mail flows.")
    assert (result.exit_code, result.output) == (1, f"{problems}3 problems found.\n")


def test_a_conflict_in_a_template_override_stops_check_and_build(tmp_path: Path,
                                                                  run: Run) -> None:
    """Jinja renders the markers as text: the build published '<<<<<<< HEAD' on the page,
    and check said all was well."""
    ana, ben = two_clones(tmp_path)
    builtin = (REPO / "generator" / "render" / "templates" / "subscribe.html").read_text()
    lead = ('<p class="lead"{{ ui_lang }}>Hear about incidents and maintenance without '
            "checking this page.")
    assert lead in builtin
    (ana / "templates").mkdir()
    (ana / "templates" / "subscribe.html").write_text(builtin)
    git(ana, "add", ".")
    git(ana, "commit", "-qm", "Subscribe page of our own")
    git(ana, "push", "-q", "origin", "main")
    git(ben, "pull", "-q", "origin", "main")
    for root, words in ((ana, "Hear about outages."), (ben, "Get told of outages.")):
        template = root / "templates" / "subscribe.html"
        template.write_text(builtin.replace(lead, f'<p class="lead">{words}'))
        git(root, "commit", "-qam", "Shorter lead")
    git(ana, "push", "-q", "origin", "main")
    git(ben, "pull", "-q", "--no-rebase", "origin", "main")
    lines = (ben / "templates" / "subscribe.html").read_text().split("\n")
    assert [n for n, line in enumerate(lines, 1)
            if line.startswith(("<<<<<<<", "=======", ">>>>>>>"))] == [5, 7, 9]
    conflict = ("merge conflict marker: resolve the conflict and remove the '<<<<<<<', "
                "'=======' and '>>>>>>>' lines")
    problems = "".join(f"templates/subscribe.html:{n}: {conflict}\n" for n in (5, 7, 9))
    assert run(ben, "check", "--now", "2026-11-28 12:00").output == (
        problems + "3 problems found.\n")
    result = run(ben, "build", "--now", "2026-11-28 12:00")
    assert (result.exit_code, result.output) == (
        1, f"{problems}3 problems found. Build stopped: nothing was written.\n")
    assert not (ben / "site").exists()


def test_a_notice_made_twice_and_merged_by_removing_the_markers_is_refused(
        tmp_path: Path, run: Run) -> None:
    """Two people post the same new incident at once (the same title the same day: one
    file name). Removing only git's marker lines leaves the second front matter inside
    the first update, where Markdown reads its closing '---' as a heading underline."""
    ana, ben = two_clones(tmp_path)
    for root, impact in ((ana, "major"), (ben, "minor")):
        result = run(root, "new", "incident", "Database outage", "--impact", impact,
                     "--component", "web", "--at", "2026-11-28 07:00", "-m", f"{impact} text")
        assert result.exit_code == 0, result.output
        git(root, "add", ".")
        git(root, "commit", "-qm", "Database outage")
    git(ana, "push", "-q", "origin", "main")
    git(ben, "pull", "-q", "--no-rebase", "origin", "main")
    name = "notices/2026-11-28-database-outage.md"
    lines = (ben / name).read_text().split("\n")
    kept = [line for line in lines if not line.startswith(("<<<<<<<", "=======", ">>>>>>>"))]
    (ben / name).write_text("\n".join(kept))
    assert kept[6:11] == ["## Investigating - 2026-11-28 07:00", "minor text",
                          "impact: major", "components: [web]", "---"]  # lines 7-11
    result = run(ben, "check", "--now", "2026-11-28 12:00")
    assert result.output == (
        f"{name}:9: front matter inside the updates, as a merge that kept both sides of a "
        "notice leaves once git's markers are removed: keep one front matter, at the top of "
        "the file, and remove these key lines and the '---' next to them; lines meant to be "
        "shown, such as a YAML file's, go in a code fence (```)\n1 problem found.\n")


def test_a_resolve_and_an_update_at_the_same_minute_merged_say_which_to_move(
        tmp_path: Path, run: Run) -> None:
    """One resolves while the other posts, both at 06:30; the merge keeps the poster's side
    on top. Both headings show 06:30, so 'update after Resolved' needs its reason and the
    fix; once moved below, the incident is resolved with both updates kept."""
    ana, ben = two_clones(tmp_path)
    result = run(ana, "resolve", "email", "--at", "2026-11-28 06:30")
    assert result.exit_code == 0, result.output
    git(ana, "commit", "-qam", "Resolve")
    git(ana, "push", "-q", "origin", "main")
    post(run, ben, "--status", "monitoring", "-m", "Mail flows.", "--at", "2026-11-28 06:30")
    git(ben, "pull", "-q", "--no-rebase", "origin", "main")
    lines = (ben / NOTICE).read_text().split("\n")
    kept = [line for line in lines if not line.startswith(("<<<<<<<", "=======", ">>>>>>>"))]
    assert kept[5:9] == ["## Monitoring - 2026-11-28 06:30", "Mail flows.",
                         "## Resolved - 2026-11-28 06:30",
                         "This incident has been resolved."]  # lines 6-9
    (ben / NOTICE).write_text("\n".join(kept))
    result = run(ben, "check", "--now", "2026-11-28 12:00")
    assert result.output == (
        f"{NOTICE}:6: update after Resolved (line 8): at the same minute, the update higher "
        "in the file is the later, and a resolved incident takes no further updates: move it "
        "below the Resolved update\n1 problem found.\n")
    (ben / NOTICE).write_text("\n".join(kept[:5] + kept[7:9] + kept[5:7] + kept[9:]))
    assert run(ben, "check", "--now", "2026-11-28 12:00").exit_code == 0
    listed = run(ben, "list", "--closed", "--now", "2026-11-28 12:00").output
    assert listed.splitlines()[1:] == [
        "2026-11-28-email  incident  Resolved  none    2026-11-28 06:00  2026-11-28 06:30"]


def test_a_conflict_in_a_file_with_old_mac_line_ends_names_each_marker(empty_repo: Path,
                                                                       run: Run) -> None:
    """outpost.yaml (or a template) saved with a CR alone ending each line: YAML named the
    first marker as a key without its ':', the merge itself left unsaid."""
    merged = MINIMAL_CONFIG.replace("  - id: api\n", "<<<<<<< HEAD\n  - id: vpn\n=======\n"
                                    "  - id: api\n>>>>>>> ana\n")
    (empty_repo / "outpost.yaml").write_bytes(merged.replace("\n", "\r").encode())
    conflict = ("merge conflict marker: resolve the conflict and remove the '<<<<<<<', "
                "'=======' and '>>>>>>>' lines")
    assert run(empty_repo, "check").output == "".join(
        f"outpost.yaml:{n}: {conflict}\n" for n in (7, 9, 11)) + "3 problems found.\n"
    (empty_repo / "outpost.yaml").write_text(MINIMAL_CONFIG)
    (empty_repo / "templates").mkdir()
    (empty_repo / "templates" / "404.html").write_bytes(
        b"<p>\r<<<<<<< HEAD\rGone.\r=======\rNot here.\r>>>>>>> ana\r</p>\r")
    assert run(empty_repo, "check").output == "".join(
        f"templates/404.html:{n}: {conflict}\n" for n in (2, 4, 6)) + "3 problems found.\n"
