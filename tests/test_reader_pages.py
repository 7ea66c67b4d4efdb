"""What a reader needs at a glance: the overall status line, zones on every time, help
in reach, one severity vocabulary. Built through the real CLI with a pinned clock."""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from generator.render.pages import BARS_SCRIPT
from tests.conftest import FIXED_NOW, Run
from tests.test_core_golden import CORE


def build(root: Path, run: Run, out: Path, now: str) -> Path:
    result = run(root, "build", "--out", str(out), "--now", now)
    assert result.exit_code == 0, result.output
    return out


def text_of(html: str) -> str:
    """The words of ``html``, each tag a space; <bdi> (isolating a title) is no break."""
    html = re.sub(r"</?bdi>", "", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def overall(site: Path) -> str:
    found = re.search(r'<div class="overall overall-(\w+)">(.*?)</div>',
                      (site / "index.html").read_text(), re.S)
    assert found, "no overall status line"
    shown = re.sub(r'<p class="all">.*?</p>', "", found[2])
    return f"{found[1]}: {text_of(shown)}"


@pytest.mark.parametrize(("now", "expected"), [
    ("2024-07-30 14:00", "major: Partial outage: Customer sites, Mobile notifications and "
                         "Campus Digital Repository Since Jul 30, 2024, 1:27 PM CDT "
                         "Updated Jul 30, 2024, 2:00 PM CDT"),
    ("2024-11-03 01:10 -06:00", "maintenance: Under maintenance: Customer sites Nov 2, 2024, "
                                "11:00 PM CDT \u2013 Nov 3, 1:30 AM CST "
                                "Updated Nov 3, 2024, 1:10 AM CST"),
    (FIXED_NOW, "none: All systems operational Scheduled maintenance Jan 9, 2027, 10:00 PM "
                "\u2013 Jan 10, 2:00 AM CST Updated Nov 28, 2026, 6:00 AM CST"),
    ("2026-10-01 12:00", "none: All systems operational Updated Oct 1, 2026, 12:00 PM CDT"),
])
def test_open_page_starts_with_the_overall_status(example_repo: Path, run: Run,
                                                  tmp_path: Path, now: str, expected: str
                                                  ) -> None:
    assert overall(build(example_repo, run, tmp_path / "site", now)) == expected


def test_overall_since_is_the_first_maintenance_to_begin_of_those_under_way(
        empty_repo: Path, run: Run, tmp_path: Path) -> None:
    """Two maintenances keep Web under maintenance at noon: one an In progress update
    began at 10 AM, before its 6 PM window, and one in its 11 AM window. The line chose
    the first by its window and said '11:00 AM - 3:00 PM' of work under way since 10."""
    (empty_repo / "notices" / "db.md").write_text(
        "---\ntitle: Database upgrade\ntype: maintenance\ncomponents: [web]\n"
        "start: 2026-11-28 18:00\nend: 2026-11-28 20:00\n---\n"
        "## In progress - 2026-11-28 10:00\nWe began early.\n\n"
        "## Scheduled - 2026-11-20 09:00\nPlanned.\n")
    (empty_repo / "notices" / "net.md").write_text(
        "---\ntitle: Network work\ntype: maintenance\ncomponents: [web]\n"
        "start: 2026-11-28 11:00\nend: 2026-11-28 15:00\n---\n"
        "## Scheduled - 2026-11-20 09:00\nPlanned.\n")
    site = build(empty_repo, run, tmp_path / "site", "2026-11-28 12:00")
    assert overall(site) == (
        "maintenance: Under maintenance: Web Since Nov 28, 2026, 10:00 AM CST (planned "
        "Nov 28, 2026, 6:00 \u2013 8:00 PM CST ) Updated Nov 28, 2026, 12:00 PM CST")


def test_overall_gives_no_maintenance_window_for_components_it_does_not_cover(
        empty_repo: Path, run: Run, tmp_path: Path) -> None:
    """A three-month migration of Web and a two-hour upgrade of API, both under way: the
    line named both components over the migration's window, so API read as down for
    three months. With no one window true of every name, it gives none: each card
    below gives its own."""
    (empty_repo / "notices" / "move.md").write_text(
        "---\ntitle: Data centre migration\ntype: maintenance\ncomponents: [web]\n"
        "start: 2026-11-01 00:00\nend: 2027-01-31 23:00\n---\n"
        "## Scheduled - 2026-10-20 09:00\nPlanned.\n")
    (empty_repo / "notices" / "api.md").write_text(
        "---\ntitle: API upgrade\ntype: maintenance\ncomponents: [api]\n"
        "start: 2026-11-28 11:00\nend: 2026-11-28 13:00\n---\n"
        "## Scheduled - 2026-11-20 09:00\nPlanned.\n")
    site = build(empty_repo, run, tmp_path / "site", "2026-11-28 12:00")
    assert overall(site) == (
        "maintenance: Under maintenance: Web and API Updated Nov 28, 2026, 12:00 PM CST")
    (empty_repo / "notices" / "api.md").unlink()  # one maintenance: its window again
    site = build(empty_repo, run, tmp_path / "site", "2026-11-28 12:00")
    assert overall(site) == (
        "maintenance: Under maintenance: Web Nov 1, 2026, 12:00 AM CDT \u2013 Jan 31, 2027, "
        "11:00 PM CST Updated Nov 28, 2026, 12:00 PM CST")


def test_a_maintenance_begun_early_and_done_shows_when_it_ran(
        empty_repo: Path, run: Run, tmp_path: Path) -> None:
    """Begun by an In progress update at 12:20, before its 12:30 window, and completed at
    3:50: its closed range began at the window's 12:30, neither the planned window nor
    when it ran, under a timeline whose first line of work says 12:20 (the bars and the
    API count it from then too)."""
    (empty_repo / "notices" / "db.md").write_text(
        "---\ntitle: Database upgrade\ntype: maintenance\ncomponents: [web]\n"
        "start: 2026-11-28 00:30\nend: 2026-11-28 04:00\n---\n"
        "## Completed - 2026-11-28 03:50\nDone.\n\n"
        "## In progress - 2026-11-28 00:20\nWe began early.\n\n"
        "## Scheduled - 2026-11-20 09:00\nPlanned.\n")
    site = build(empty_repo, run, tmp_path / "site", "2026-11-28 05:00")
    ran = "Nov 28, 2026, 12:20 \u2013 3:50 AM CST"
    page = (site / "notices/db/index.html").read_text()
    assert text_of(page.split('<p class="range">')[1].split("</p>")[0]) == ran
    assert '<time datetime="2026-11-28T00:20:00-06:00">' in page
    for listing in ("closed/index.html", "index.html", "components/web/index.html"):
        row = (site / listing).read_text().split(">Database upgrade</a>")[1]
        assert text_of(row.split("</li>")[0]) == f"Completed Maintenance {ran}", listing


def test_a_maintenance_under_way_early_says_since_when_in_every_row(
        empty_repo: Path, run: Run, tmp_path: Path) -> None:
    """Open, begun by an In progress update at 12:20 before its 12:30 window: the recent
    history's row and the component page's open row said only the planned window, under
    a card saying 'Since 12:20 AM'."""
    (empty_repo / "notices" / "db.md").write_text(
        "---\ntitle: Database upgrade\ntype: maintenance\ncomponents: [web]\n"
        "start: 2026-11-28 00:30\nend: 2026-11-28 04:00\n---\n"
        "## In progress - 2026-11-28 00:20\nWe began early.\n\n"
        "## Scheduled - 2026-11-20 09:00\nPlanned.\n")
    site = build(empty_repo, run, tmp_path / "site", "2026-11-28 00:25")
    since = ("In progress Maintenance Since Nov 28, 2026, 12:20 AM CST (planned Nov 28, "
             "2026, 12:30 \u2013 4:00 AM CST )")
    for listing in ("index.html", "components/web/index.html"):
        page = (site / listing).read_text()
        rows = [part for part in page.split('<li>\n<a class="title"')[1:]]
        assert rows, listing
        assert text_of(rows[0].split(">Database upgrade</a>")[1].split("</li>")[0]) == since


def test_overall_status_in_banner_json(example_repo: Path, run: Run, tmp_path: Path) -> None:
    site = build(example_repo, run, tmp_path / "site", "2024-07-30 14:00")
    document = json.loads((site / "banner.json").read_text())
    assert document["overall"] == {
        "indicator": "major",
        "text": "Partial outage: Customer sites, Mobile notifications and Campus Digital "
                "Repository",
        "note": None, "updated": "2:00 PM CDT"}
    portal = json.loads((site / "components/support-portal/banner.json").read_text())
    assert portal["overall"]["indicator"] == "none"
    assert portal["overall"]["text"] == "Operational"
    sites = json.loads((site / "components/customer-sites/banner.json").read_text())
    assert (sites["overall"]["indicator"], sites["overall"]["text"]) == (
        "major", "Partial outage")


def test_overall_names_at_most_three_components(empty_repo: Path, run: Run,
                                                tmp_path: Path) -> None:
    config = empty_repo / "outpost.yaml"
    config.write_text(config.read_text().split("components:")[0] + "components:\n" + "".join(
        f"  - id: c{n}\n    name: System {n}\n" for n in range(1, 6)))
    (empty_repo / "notices" / "down.md").write_text(
        "---\ntitle: Everything is slow\ntype: incident\nimpact: minor\n"
        "components: [c1, c2, c3, c4, c5]\n---\n## Investigating - 2026-11-28 05:00\nSlow.\n")
    site = build(empty_repo, run, tmp_path / "site", FIXED_NOW)
    assert overall(site) == ("minor: Degraded performance: System 1, System 2, System 3 and "
                             "2 more Since Nov 28, 2026, 5:00 AM CST "
                             "Updated Nov 28, 2026, 6:00 AM CST")


def test_incident_without_components_is_named(empty_repo: Path, run: Run,
                                               tmp_path: Path) -> None:
    (empty_repo / "notices" / "odd.md").write_text(
        "---\ntitle: Odd behaviour\ntype: incident\n---\n## Investigating - 2026-11-28 05:00\n"
        "Looking.\n")
    site = build(empty_repo, run, tmp_path / "site", FIXED_NOW)
    assert overall(site) == ("minor: Incident in progress: Odd behaviour "
                             "Since Nov 28, 2026, 5:00 AM CST Updated Nov 28, 2026, 6:00 AM CST")


def test_the_overall_line_says_since_when_the_components_it_names_are_hit(
        empty_repo: Path, run: Run, tmp_path: Path) -> None:
    """'Since' is the start of the earliest notice giving a named component the line's
    status: not the start of the notice updated last (the order of open notices),
    which moved with every update, nor of a notice affecting none of them."""
    notices = empty_repo / "notices"
    (notices / "sign-in.md").write_text(
        "---\ntitle: Sign-in errors\ntype: incident\ncomponents: {web: major_outage}\n---\n"
        "## Identified - 2026-11-28 04:30\nFound it.\n\n"
        "## Investigating - 2026-11-28 03:00\nLooking.\n")
    (notices / "api.md").write_text(
        "---\ntitle: API errors\ntype: incident\ncomponents: {api: major_outage}\n---\n"
        "## Investigating - 2026-11-28 05:00\nLooking.\n")
    site = build(empty_repo, run, tmp_path / "both", FIXED_NOW)
    assert overall(site) == ("critical: Major outage: Web and API "
                             "Since Nov 28, 2026, 3:00 AM CST Updated Nov 28, 2026, 6:00 AM CST")
    # An incident ranked first by its impact, whose component is only partly out.
    (notices / "sign-in.md").write_text(
        "---\ntitle: Sign-in errors\ntype: incident\nimpact: critical\n"
        "components: {web: partial_outage}\n---\n## Investigating - 2026-11-28 03:00\n"
        "Looking.\n")
    (notices / "api.md").write_text(
        "---\ntitle: API errors\ntype: incident\nimpact: minor\n"
        "components: {api: major_outage}\n---\n## Investigating - 2026-11-28 05:00\n"
        "Looking.\n")
    site = build(empty_repo, run, tmp_path / "ranked", FIXED_NOW)
    assert overall(site) == ("critical: Major outage: API "
                             "Since Nov 28, 2026, 5:00 AM CST Updated Nov 28, 2026, 6:00 AM CST")


# A time as readers see it: no zero-padded hour, always a zone abbreviation.
VISIBLE_TIME = re.compile(
    r"(Since )?([A-Z][a-z]{2} \d{1,2}, (\d{4}, )?)?[1-9]\d?:\d\d( [AP]M)?( [A-Z]{3,4})?"
    r"(\u00a0\u2013 ([A-Z][a-z]{2} \d{1,2}, (\d{4}, )?)?[1-9]\d?:\d\d [AP]M)? [A-Z]{3,4}")


@pytest.mark.parametrize("now", [FIXED_NOW, "2024-07-30 14:00", "2024-11-03 01:10 -06:00"])
def test_every_time_shown_carries_its_zone(example_repo: Path, run: Run, tmp_path: Path,
                                           now: str) -> None:
    site = build(example_repo, run, tmp_path / "site", now)
    seen = 0
    for page in site.rglob("*.html"):
        html = page.read_text()
        for shown in re.findall(r"<time [^>]*>([^<]*)</time>", html):
            assert VISIBLE_TIME.fullmatch(shown), f"{page.relative_to(site)}: {shown!r}"
            seen += 1
        assert not re.search(r"\b0\d:\d\d [AP]M", text_of(html)), page
    assert seen >= 5
    index = (site / "index.html").read_text()
    assert "Times in Central Time (CST/CDT)." in index
    assert "America/Chicago" not in text_of(index)


@pytest.mark.parametrize(("zone", "words"), [
    ("America/New_York", "Times in Eastern Time (EST/EDT)."),
    ("Europe/Berlin", "Times in Berlin time (CET/CEST)."),
    ("America/Argentina/Buenos_Aires", "Times in Buenos Aires time (UTC-03)."),
    ("UTC", "Times in Coordinated Universal Time (UTC)."),
])
def test_footer_names_the_zone_in_words(empty_repo: Path, run: Run, tmp_path: Path,
                                        zone: str, words: str) -> None:
    config = empty_repo / "outpost.yaml"
    config.write_text(config.read_text().replace("America/Chicago", zone))
    site = build(empty_repo, run, tmp_path / "site", "2026-11-28T12:00:00Z")
    assert words in (site / "index.html").read_text()


CASES = "https://support.example.org/cases/new"


def set_case_url(root: Path, url: str) -> None:
    config = root / "outpost.yaml"
    lines = [line for line in config.read_text().splitlines()
             if not line.startswith("submit_case_url:")]
    config.write_text("\n".join([*lines[:3], f"submit_case_url: {url}", *lines[3:]]) + "\n")


def header_case_link(html: str) -> str | None:
    found = re.search(r'<a class="case" href="([^"]*)">Submit a case</a>', html)
    return found[1].replace("&amp;", "&") if found else None


def test_submit_a_case_is_on_every_page(example_repo: Path, run: Run, tmp_path: Path) -> None:
    set_case_url(example_repo, CASES + "?type=outage&subject={title}&notice={id}")
    site = build(example_repo, run, tmp_path / "site", FIXED_NOW)  # nothing open
    pages = [p for p in sorted(site.rglob("*.html"))
             if CORE.fullmatch(p.relative_to(site).as_posix())]
    assert len(pages) >= 9
    for page in pages:
        link = header_case_link(page.read_text())
        notice = page.parent.name if page.parent.parent.name == "notices" else None
        if notice is None:
            assert link == CASES + "?type=outage", page
        else:
            assert link is not None and link.startswith(CASES + "?type=outage&subject="), page
            assert link.endswith(f"&notice={notice}"), page
    digicert = site / "notices/2024-07-30-digicert-certificate-reissue/index.html"
    assert header_case_link(digicert.read_text()) == (
        CASES + "?type=outage&subject=Digicert%20certificate%20reissue"
        "&notice=2024-07-30-digicert-certificate-reissue")
    index = (site / "index.html").read_text()
    assert "Having a problem that is not listed here?" in index


def test_open_notice_asks_for_cases_even_so(example_repo: Path, run: Run, tmp_path: Path
                                            ) -> None:
    site = build(example_repo, run, tmp_path / "site", "2024-07-30 14:00")
    page = (site / "notices/2024-07-30-digicert-certificate-reissue/index.html").read_text()
    assert ("We still encourage you to <a href=\"https://support.example.org/customers/cases/"
            "new\">submit a case</a>: it helps us understand the scope and impact across "
            "districts.") in page
    index = (site / "index.html").read_text()
    assert index.count(">Submit a case") == 2  # the header and the open card
    # The note under the open cards links too, as the notice page's does (it was text).
    assert ("We still encourage you to <a href=\"https://support.example.org/customers/"
            "cases/new\">submit a case</a>: it helps") in index


def test_a_maintenance_under_way_asks_for_no_case_about_itself(
        example_repo: Path, run: Run, tmp_path: Path) -> None:
    """Planned work makes a service unavailable by design: its card offered 'Submit a
    case about' it, and its page and the Open page asked readers experiencing what it
    describes to submit one, as for an incident (its email asks for none). The Open page
    now asks for cases about anything not listed, as when nothing is open."""
    site = build(example_repo, run, tmp_path / "site", "2026-10-17 21:00")
    page = (site / "notices/2026-10-17-support-portal-maintenance/index.html").read_text()
    assert "We still encourage you" not in page
    index = (site / "index.html").read_text()
    assert index.count(">Submit a case") == 1  # the header's only
    assert "We still encourage you" not in index
    assert ("Having a problem that is not listed here? Please <a href=\"https://support."
            "example.org/customers/cases/new\">submit a case</a>.") in index


def test_no_case_link_without_the_setting(empty_repo: Path, run: Run, tmp_path: Path) -> None:
    site = build(empty_repo, run, tmp_path / "site", FIXED_NOW)
    assert "Submit a case" not in (site / "index.html").read_text()
    assert "submit a case" not in (site / "index.html").read_text()


@pytest.mark.parametrize(("url", "message"), [
    (CASES + "?subject={name}",
     "outpost.yaml:4: Config value 'submit_case_url': unknown placeholder '{name}' (the link "
     "may hold {id} and {title}, which notice pages fill in)"),
    (CASES + "?subject={title",
     "outpost.yaml:4: Config value 'submit_case_url': unknown placeholder '{title' (the link "
     "may hold {id} and {title}, which notice pages fill in)"),
    # As a template language writes it: '{' alone was named the unknown placeholder.
    (CASES + "?subject={{title}}",
     "outpost.yaml:4: Config value 'submit_case_url': '{{title}}': write the placeholder "
     "with single braces, {title}"),
    ("https://support.example.org/cases/{id}/new",
     "outpost.yaml:4: Config value 'submit_case_url': {id} and {title} may only appear in the "
     "query, after '?' (pages without a notice leave those parameters out)"),
])
def test_case_url_placeholders_are_checked(empty_repo: Path, run: Run, url: str,
                                           message: str) -> None:
    set_case_url(empty_repo, url)
    result = run(empty_repo, "check")
    assert result.exit_code == 1
    assert message in result.output


# One severity vocabulary: a notice may set each component's status (Statuspage's model).

SET_EACH = ("---\ntitle: Sign-in errors\ntype: incident\ncomponents:\n  web: major_outage\n"
            "  api: degraded_performance\n---\n## Identified - 2026-11-28 05:00\nFound it.\n")


def test_a_notice_sets_each_components_status(empty_repo: Path, run: Run,
                                              tmp_path: Path) -> None:
    (empty_repo / "notices" / "sign-in.md").write_text(SET_EACH)
    assert run(empty_repo, "check").exit_code == 0
    site = build(empty_repo, run, tmp_path / "site", FIXED_NOW)
    components = json.loads((site / "api/v2/components.json").read_text())["components"]
    assert {c["name"]: c["status"] for c in components} == {
        "Web": "major_outage", "API": "degraded_performance"}
    incident = json.loads((site / "api/v2/incidents.json").read_text())["incidents"][0]
    assert incident["impact"] == "critical"  # from the worst status, as Statuspage does
    [update] = incident["incident_updates"]
    assert [(c["name"], c["old_status"], c["new_status"]) for c in
            update["affected_components"]] == [("Web", "operational", "major_outage"),
                                               ("API", "operational", "degraded_performance")]
    assert overall(site) == ("critical: Major outage: Web Since Nov 28, 2026, 5:00 AM CST "
                             "Updated Nov 28, 2026, 6:00 AM CST")


def test_a_list_keeps_meaning_the_impact(empty_repo: Path, run: Run, tmp_path: Path) -> None:
    (empty_repo / "notices" / "slow.md").write_text(
        "---\ntitle: Slow\ntype: incident\nimpact: major\ncomponents: [web, api]\n---\n"
        "## Investigating - 2026-11-28 05:00\nSlow.\n")
    site = build(empty_repo, run, tmp_path / "site", FIXED_NOW)
    components = json.loads((site / "api/v2/components.json").read_text())["components"]
    assert {c["status"] for c in components} == {"partial_outage"}


def test_a_flow_mapping_on_maintenance(empty_repo: Path, run: Run, tmp_path: Path) -> None:
    (empty_repo / "notices" / "upgrade.md").write_text(
        "---\ntitle: Upgrade\ntype: maintenance\ncomponents: {web: major_outage, api: "
        "under_maintenance}\nstart: 2026-11-28 05:00\nend: 2026-11-28 08:00\n---\n"
        "## Scheduled - 2026-11-20 09:00\nPlanned.\n")
    site = build(empty_repo, run, tmp_path / "site", FIXED_NOW)
    components = json.loads((site / "api/v2/components.json").read_text())["components"]
    assert {c["name"]: c["status"] for c in components} == {
        "Web": "major_outage", "API": "under_maintenance"}


@pytest.mark.parametrize(("front", "message"), [
    ("components:\n  web: down\n",
     "notices/bad.md:5: unknown status 'down' for component 'web' (expected one of: "
     "operational, under_maintenance, degraded_performance, partial_outage, major_outage)"),
    # As the pages word it, or a typo: the status meant is named, as an update's is.
    ("components:\n  web: Partial outage\n",
     "notices/bad.md:5: unknown status 'Partial outage' for component 'web' (write it "
     "'partial_outage'; expected one of: operational, under_maintenance, "
     "degraded_performance, partial_outage, major_outage)"),
    ("components:\n  web: major_outge\n",
     "notices/bad.md:5: unknown status 'major_outge' for component 'web': did you mean "
     "'major_outage'? (expected one of: operational, under_maintenance, "
     "degraded_performance, partial_outage, major_outage)"),
    ("components:\n  web:\n",
     "notices/bad.md:5: 'components.web': expected a component status (operational, "
     "under_maintenance, degraded_performance, partial_outage, major_outage), received "
     "nothing"),
    ("components: {web: major_outage, mail: degraded_performance}\n",
     "notices/bad.md:4: unknown component 'mail' (outpost.yaml declares: web, api)"),
])
def test_component_statuses_are_checked(empty_repo: Path, run: Run, front: str,
                                        message: str) -> None:
    (empty_repo / "notices" / "bad.md").write_text(
        f"---\ntitle: Bad\ntype: incident\n{front}---\n## Investigating - 2026-11-28 05:00\n"
        "Text.\n")
    result = run(empty_repo, "check")
    assert result.exit_code == 1
    assert message in result.output, result.output


def affected_part(html: str) -> str:
    """The first notice's list of the components it affects, as HTML."""
    return html.split('<p class="affected">', 1)[1].split("\n\n", 1)[0]


def affected_words(html: str) -> str:
    """That list as a reader sees it when it names no status: one line."""
    return re.sub(r"<[^>]+>", "", affected_part(html))


def test_pages_show_component_statuses_not_an_impact(example_repo: Path, run: Run,
                                                     tmp_path: Path) -> None:
    site = build(example_repo, run, tmp_path / "during", "2024-07-30 14:00")
    for page in (site / "index.html",
                 site / "notices/2024-07-30-digicert-certificate-reissue/index.html"):
        html = page.read_text()
        assert not re.search(r"(none|minor|major|critical) impact", text_of(html), re.I)
        assert re.search(r'<li><a href="[./]*components/customer-sites/"><bdi>Customer sites'
                         r'</bdi></a> <span class="label comp-partial_outage">Partial outage'
                         r'</span></li>', html)
    site = build(example_repo, run, tmp_path / "after", FIXED_NOW)
    page = (site / "notices/2024-07-30-digicert-certificate-reissue/index.html").read_text()
    assert affected_words(page) == (
        "Affected: Customer sites, Mobile notifications, Campus Digital Repository")
    assert "comp-" not in page
    assert not re.search(r"(none|minor|major|critical) impact", text_of(page), re.I)
    upcoming = (site / "notices/2027-01-09-campus-server-upgrade/index.html").read_text()
    assert affected_words(upcoming) == "Will affect: Customer sites, Mobile notifications"


@pytest.mark.parametrize("now", ["2024-07-30 14:00", FIXED_NOW])
def test_affected_components_link_to_their_pages(example_repo: Path, run: Run,
                                                 tmp_path: Path, now: str) -> None:
    """A notice names the components it affects, on its page and its card, each a link
    to that component's page (its status now, its days, its past notices), as that page
    links back to the notice: from a notice, a reader could reach a component only by
    way of the Open page's list."""
    site = build(example_repo, run, tmp_path / "site", now)
    pages = {"notices/2024-07-30-digicert-certificate-reissue/index.html": "../../"}
    if now != FIXED_NOW:  # open: its card on the Open page names them too
        pages["index.html"] = "./"
    for path, root in pages.items():
        part = affected_part((site / path).read_text())
        assert re.findall(r'<a href="([^"]*)"><bdi>([^<]*)</bdi></a>', part) == [
            (f"{root}components/customer-sites/", "Customer sites"),
            (f"{root}components/mobile-notifications/", "Mobile notifications"),
            (f"{root}components/digital-repository/", "Campus Digital Repository")], path
    back = (site / "components/digital-repository/index.html").read_text()
    assert 'href="../../notices/2024-07-30-digicert-certificate-reissue/"' in back


def stress_repo(root: Path) -> None:
    """A critical incident with a 200-character title, two more open notices and ten
    components: the stress state of the browser tests too."""
    config = root / "outpost.yaml"
    config.write_text(config.read_text().split("components:")[0]
                      + "submit_case_url: https://support.example.org/cases/new?about={title}\n"
                      + "components:\n" + "".join(
                          f"  - id: c{n}\n    name: Component number {n}\n    description: "
                          f"What component {n} does for districts and their staff\n"
                          for n in range(1, 11)))
    title = ("Sign-in errors for districts on the new single sign-on provider while the "
             "identity vendor investigates certificate failures across regions and "
             "mobile apps keep retrying every few seconds today at noon")
    assert len(title) == 200
    notices = root / "notices"
    (notices / "sign-in.md").write_text(
        f"---\ntitle: {title}\ntype: incident\ncomponents:\n  c1: major_outage\n"
        "  c2: partial_outage\n  c3: degraded_performance\n---\n"
        "## Identified - 2026-11-28 05:30\nWe found the cause.\n\n### What to do\n\n"
        "Nothing yet.\n\n#### Details\n\nMore.\n\n"
        "## Investigating - 2026-11-28 05:00\nWe are looking.\n")
    (notices / "slow.md").write_text(
        "---\ntitle: Slow reports\ntype: incident\nimpact: minor\ncomponents: [c4]\n---\n"
        "## Investigating - 2026-11-28 05:10\nReports are slow.\n")
    (notices / "upgrade.md").write_text(
        "---\ntitle: Database upgrade\ntype: maintenance\ncomponents: [c5, c6]\n"
        "start: 2026-12-05 22:00\nend: 2026-12-06 01:00\n---\n"
        "## Scheduled - 2026-11-20 09:00\nPlanned.\n")


def test_banner_names_the_most_severe_notice_and_counts_the_rest(empty_repo: Path, run: Run,
                                                                 tmp_path: Path) -> None:
    stress_repo(empty_repo)
    site = build(empty_repo, run, tmp_path / "site", FIXED_NOW)
    banner = re.search(r'<div class="banner banner-(\w+)".*?<p>(.*?)</p>',
                       (site / "index.html").read_text(), re.S)
    assert banner is not None
    assert banner[1] == "incident"
    # The title cut to 100 characters (its card below shows it whole); the count whole.
    assert text_of(banner[2]) == (
        "Major outage: Sign-in errors for districts on the new single sign-on provider "
        "while the identity vendor investiga\u2026, and 2 more notices")
    assert 'href="./#notice-sign-in"' in banner[2]
    document = json.loads((site / "banner.json").read_text())
    assert document["label"] == "Major outage"
    assert document["detail"] == (  # data: the title whole
        "Sign-in errors for districts on the new single sign-on provider while the "
        "identity vendor investigates certificate failures across regions and mobile apps "
        "keep retrying every few seconds today at noon, and 2 more notices")


def test_banner_gives_a_scheduled_maintenance_its_date(empty_repo: Path, run: Run,
                                                      tmp_path: Path) -> None:
    (empty_repo / "notices" / "upgrade.md").write_text(
        "---\ntitle: Database upgrade\ntype: maintenance\ncomponents: [api]\n"
        "start: 2027-01-09 22:00\nend: 2027-01-10 02:00\n---\n"
        "## Scheduled - 2026-11-20 09:00\nPlanned.\n")
    site = build(empty_repo, run, tmp_path / "site", FIXED_NOW)
    banner = re.search(r'<div class="banner banner-(\w+)".*?<p>(.*?)</p>',
                       (site / "index.html").read_text(), re.S)
    assert banner is not None and banner[1] == "maintenance"
    assert text_of(banner[2]) == ("Scheduled maintenance: Database upgrade, Jan 9, 2027, "
                                  "10:00 PM \u2013 Jan 10, 2:00 AM CST")


def test_closed_history_by_month_with_compact_ranges(example_repo: Path, run: Run,
                                                     tmp_path: Path) -> None:
    site = build(example_repo, run, tmp_path / "site", FIXED_NOW)
    html = (site / "closed/index.html").read_text()
    assert re.findall(r'<h2 class="month">([^<]*)</h2>', html) == [
        "October 2026", "September 2026", "March 2025", "November 2024", "July 2024"]
    assert ('<a class="title" href="../notices/2024-07-30-digicert-certificate-reissue/">'
            'Digicert certificate reissue</a>') in html
    assert "Jul 30, 2024, 1:27\u00a0\u2013 2:25 PM CDT</time>" in html
    assert "Nov 2, 2024, 11:00 PM CDT\u00a0\u2013 Nov 3, 1:20 AM CST</time>" in html
    assert not re.search(r"\s[-\u2013] ", html.replace("\u00a0\u2013 ", ""))


def heading_levels(html: str) -> list[int]:
    return [int(level) for level in re.findall(r"<h([1-6])\b", html)]


def test_headings_in_update_bodies_never_skip_a_level(empty_repo: Path, run: Run,
                                                      tmp_path: Path) -> None:
    stress_repo(empty_repo)
    (empty_repo / "notices" / "summary.md").write_text(
        "---\ntitle: With a summary\ntype: incident\n---\n# Background\n\nText.\n\n"
        "## Investigating - 2026-11-28 05:20\n#### Deep\n\nText.\n\n###### Deeper\n\nMore.\n")
    site = build(empty_repo, run, tmp_path / "site", FIXED_NOW)
    pages = [site / "index.html", site / "notices/sign-in/index.html",
             site / "notices/summary/index.html"]
    for page in pages:
        levels = heading_levels(page.read_text())
        assert levels[0] == 1, page
        for before, after in itertools.pairwise(levels):
            assert after <= before + 1, f"{page}: h{before} then h{after} in {levels}"
    notice = (site / "notices/sign-in/index.html").read_text()
    assert "<h4>What to do</h4>" in notice and "<h5>Details</h5>" in notice
    index = (site / "index.html").read_text()
    assert "<h3>What to do</h3>" in index and "<h4>Details</h4>" in index
    summary = (site / "notices/summary/index.html").read_text()
    assert "<h2>Background</h2>" in summary
    assert "<h4>Deep</h4>" in summary and "<h5>Deeper</h5>" in summary


def test_subscribe_page_is_linked_from_every_page(example_repo: Path, run: Run,
                                                  tmp_path: Path) -> None:
    site = build(example_repo, run, tmp_path / "site", FIXED_NOW)
    page = (site / "subscribe/index.html").read_text()
    words = text_of(page)
    for url in ("feed.xml", "atom.xml", "components/customer-sites/feed.xml",
                "components/campus-community/atom.xml", "maintenance.ics", "embed.js",
                "banner.json"):
        assert f"https://status.example.org/{url}" in words, url
    assert "Email alerts go to Authorized Contacts when applicable." in words
    # One tap subscribes a calendar app, or Google Calendar, whose phone app cannot.
    assert '<a href="webcal://status.example.org/maintenance.ics">' in page
    assert ('<a href="https://calendar.google.com/calendar/r?cid=webcal%3A//'
            'status.example.org/maintenance.ics">') in page
    assert "A feed is an address that a feed reader or a chat tool checks" in words
    for path in site.rglob("*.html"):
        name = path.relative_to(site).as_posix()
        if not CORE.fullmatch(name):
            continue
        html = path.read_text()
        assert re.search(r'<a href="[./]*subscribe/">Subscribe</a>', html), name
        # People are never sent to raw XML; <link rel="alternate"> keeps discovery. The
        # calendar's links hand it to a calendar app (webcal:) or to Google Calendar.
        assert not re.search(r'<a [^>]*href="(?!webcal:|https://calendar\.google\.com/)'
                             r'[^"]*\.(xml|ics)"', html), name
        assert '<link rel="alternate" type="application/rss+xml"' in html, name


@pytest.mark.parametrize(("settings", "words"), [
    ("alerts_url: https://support.example.org/alerts\n",
     '<a href="https://support.example.org/alerts">Sign up for email alerts</a>.'),
    ("alerts_contact: your district's Authorized Contact\n",
     "To get email alerts, ask your district&#39;s Authorized Contact."),
    ("alerts_url: https://support.example.org/alerts\nalerts_contact: support@example.org\n",
     '<a href="https://support.example.org/alerts">Sign up for email alerts</a>, or ask '
     "support@example.org."),
])
def test_subscribe_page_says_how_to_get_email(empty_repo: Path, run: Run, tmp_path: Path,
                                              settings: str, words: str) -> None:
    config = empty_repo / "outpost.yaml"
    config.write_text(config.read_text() + settings)
    site = build(empty_repo, run, tmp_path / "site", FIXED_NOW)
    assert words in (site / "subscribe/index.html").read_text()


def test_page_says_it_is_hosted_outside_and_names_the_mirrors(empty_repo: Path, run: Run,
                                                               tmp_path: Path) -> None:
    config = empty_repo / "outpost.yaml"
    config.write_text(config.read_text() + "mirrors:\n  - https://status-1.example.net/\n"
                      "  - https://status-2.example.net/status/\n")
    site = build(empty_repo, run, tmp_path / "site", FIXED_NOW)
    sentence = ('<p class="hosted">This page is hosted outside our network, so it stays up '
                "when our other systems are down. If it does not load, try "
                '<a href="https://status-1.example.net/">status-1.example.net</a> or '
                '<a href="https://status-2.example.net/status/">status-2.example.net/status</a>'
                ".</p>")
    index = (site / "index.html").read_text()
    assert index.count(sentence) == 2  # under the overall line, and in the footer
    for page in ("closed/index.html", "subscribe/index.html", "404.html"):
        assert sentence in (site / page).read_text(), page


def test_the_hosted_sentence_can_be_left_out(empty_repo: Path, run: Run,
                                             tmp_path: Path) -> None:
    config = empty_repo / "outpost.yaml"
    config.write_text(config.read_text() + 'hosted_note: ""\n')
    site = build(empty_repo, run, tmp_path / "site", FIXED_NOW)
    assert 'class="hosted"' not in (site / "index.html").read_text()


def test_staleness_script_is_allowed_by_hash_on_pages_only(example_repo: Path, run: Run,
                                                           tmp_path: Path) -> None:
    site = build(example_repo, run, tmp_path / "site", "2024-07-30 14:00")
    index = (site / "index.html").read_text()
    assert '<p class="built" id="built" data-stale="130">Updated <time ' in index
    assert '<p class="stale" id="stale" role="status" hidden>' in index
    script, _ = re.findall(r"<script>(.*?)</script>", index, re.S)  # then the bars'
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    rules = (site / "_headers").read_text().split("\n/")
    with_csp = sorted(rule.split("\n", 1)[0] for rule in rules
                      if f"script-src 'sha256-{digest}'" in rule)
    # Every component's page, beside its banners and feeds: one placeholder rule.
    pages = ["components/:id/", "components/:id/index.html"]
    assert with_csp == ["", "404.html", "closed/*", *pages, "index.html", "notices/*",
                        "subscribe/*"]
    assert not [rule for rule in rules if "Content-Security-Policy" in rule
                and rule.split("\n", 1)[0] not in with_csp]


def test_staleness_script_can_be_left_out(empty_repo: Path, run: Run, tmp_path: Path) -> None:
    config = empty_repo / "outpost.yaml"
    config.write_text(config.read_text() + "stale_after: 0\n")
    site = build(empty_repo, run, tmp_path / "site", FIXED_NOW)
    index = (site / "index.html").read_text()
    assert 'id="stale"' not in index
    assert re.findall(r"<script>(.*?)</script>", index, re.S) == [BARS_SCRIPT]
    assert "Updated <time" in index


def test_feeds_still_read_cleanly(empty_repo: Path, run: Run, tmp_path: Path) -> None:
    import feedparser

    stress_repo(empty_repo)
    site = build(empty_repo, run, tmp_path / "site", FIXED_NOW)
    for name in ("feed.xml", "atom.xml", "components/c1/feed.xml", "components/c1/atom.xml"):
        feed = feedparser.parse((site / name).read_bytes())
        assert not feed.bozo, (name, feed.get("bozo_exception"))
        assert feed.entries, name
    index = (site / "index.html").read_text()
    assert ('<p class="all"><a href="#components">All components</a> · '
            '<a href="./subscribe/">Subscribe</a></p>') in index
    assert 'id="components"' in index


def test_a_tab_is_the_current_page_only_on_its_own_page(example_repo: Path, run: Run,
                                                         tmp_path: Path) -> None:
    """Screen readers say 'current page' for aria-current="page": on a notice page or a
    year of the Closed page the tab marks its section (aria-current="true") instead, so
    the Open Notifications link is not announced as the page the reader is on."""
    (example_repo / "outpost.yaml").write_text(
        (example_repo / "outpost.yaml").read_text() + "closed_recent: 1\n")
    site = build(example_repo, run, tmp_path / "site", FIXED_NOW)
    expected = {"index.html": ("Open", "page"), "closed/index.html": ("Closed", "page"),
                "closed/2024/index.html": ("Closed", "true"),
                "notices/2027-01-09-campus-server-upgrade/index.html": ("Open", "true"),
                "notices/2024-07-30-digicert-certificate-reissue/index.html": ("Closed", "true")}
    for path, (tab, current) in expected.items():
        tabs = re.search(r'<nav class="tabs"[^>]*>(.*?)</nav>', (site / path).read_text(), re.S)
        assert tabs is not None, path
        assert re.findall(r'aria-current="(\w+)">(\w+) Notifications', tabs[1]) == [
            (current, tab)], path


class _Languages(HTMLParser):
    """Each run of text of a page with the language it is in: its nearest lang."""

    VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
                      "meta", "source", "track", "wbr"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str | None]] = []
        self.texts: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.stack.append((tag, dict(attrs).get("lang")))

    def handle_endtag(self, tag: str) -> None:
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data: str) -> None:
        if data.strip() and not any(tag in ("script", "style", "title") for tag, _ in self.stack):
            lang = next((lang for _, lang in reversed(self.stack) if lang is not None), "")
            self.texts.append((data.strip(), lang))


def languages(html: str) -> list[tuple[str, str]]:
    parser = _Languages()
    parser.feed(html)
    return parser.texts


@pytest.mark.parametrize("language", ["es", "pt-BR"])
def test_outposts_english_words_and_the_sites_text_each_say_their_language(
        empty_repo: Path, run: Run, tmp_path: Path, language: str) -> None:
    """WCAG 3.1.2: on a site whose notices are in another language, Outpost's words are
    marked English and the site's text (titles, updates, names) as its language, on
    every page and in the banner fragments, so that a screen reader speaks each in its
    own; a site in English gets no lang but the page's."""
    config = empty_repo / "outpost.yaml"
    config.write_text(config.read_text().replace("name: Web", "name: Correo web")
                      + f"language: {language}\nalerts_contact: el contacto de su distrito\n"
                      "mirrors:\n  - https://espejo.example.net/\n")
    (empty_repo / "notices" / "correo-lento.md").write_text(
        "---\ntitle: Correo lento\ntype: incident\nimpact: major\ncomponents: [web]\n---\n"
        "## Identified - 2026-11-28 05:30\nLos mensajes tardan.\n\n"
        "## Investigating - 2026-11-28 05:00\nEstamos investigando.\n")
    (empty_repo / "notices" / "caida-antigua.md").write_text(
        "---\ntitle: Caída antigua\ntype: incident\ncomponents: [web]\n---\n"
        "## Resolved - 2026-10-02 06:00\nResuelto.\n\n"
        "## Investigating - 2026-10-02 05:00\nMirando.\n")
    site = build(empty_repo, run, tmp_path / "site", FIXED_NOW)
    english = {"Open Notifications", "Closed Notifications", "Skip to content", "Updates",
               "Investigating", "Identified", "Resolved", "Affected:", "Major outage",
               "Latest update", "Subscribe", "Email alerts", "Uptime", "No notices.",
               "Page not found", "Follow", "If it does not load, try"}
    theirs = {"Correo lento", "Los mensajes tardan.", "Estamos investigando.", "Correo web",
              "Caída antigua", "Resuelto.", "el contacto de su distrito"}
    seen_english, seen_theirs = set(), set()
    pages = [path for path in site.rglob("*.html")]
    assert len(pages) > 10
    for path in pages:
        html = path.read_text()
        if path.name != "banner.html":
            assert f'<html lang="{language}">' in html, path
        for text, lang in languages(html):
            for words in english:
                if text.startswith(words):
                    assert lang == "en", (path, text, lang)
                    seen_english.add(words)
            if text in theirs:
                assert lang == language, (path, text, lang)
                seen_theirs.add(text)
    assert seen_english == english
    assert seen_theirs == theirs
    # The API and feeds carry no markup of it: the texts are as written.
    assert "Correo lento" in (site / "api/v2/summary.json").read_text()


def test_a_site_in_english_marks_no_language_but_the_pages(
        empty_repo: Path, run: Run, tmp_path: Path) -> None:
    config = empty_repo / "outpost.yaml"
    config.write_text(config.read_text() + "language: en-GB\n")
    (empty_repo / "notices" / "slow.md").write_text(
        "---\ntitle: Slow\ntype: incident\ncomponents: [web]\n---\n"
        "## Investigating - 2026-11-28 05:00\nLooking.\n")
    site = build(empty_repo, run, tmp_path / "site", FIXED_NOW)
    for path in site.rglob("*.html"):
        html = path.read_text()
        assert set(re.findall(r' lang="([^"]*)"', html)) == {"en-GB"}, path
