"""Daily bars and the page per component, through a real build: each bar's words, the
day-by-day list the bars open (each day with notices linked, quiet days said once), no
data before ``since``, uptime figures, the component's notices and how to follow it;
the Open page links every component and keeps its size budget."""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from generator.render.bars import Bar, day_label, day_lines
from generator.render.pages import BARS_SCRIPT, STALENESS_SCRIPT
from tests.conftest import MINIMAL_CONFIG, Run
from tests.feeds_support import build, write_notice
from tests.test_incremental import clean_files, tree
from tests.test_uptime_api import DIGICERT, OUTAGE

NOW = "2026-10-27T17:00:00Z"  # noon CDT

MAINTENANCE = """\
---
title: Database upgrade
type: maintenance
start: 2026-10-20 22:00
end: 2026-10-21 02:00
components: [api]
---
## Completed - 2026-10-21 01:00
Done.

## Scheduled - 2026-10-10 09:00
We will upgrade the database.
"""

BAR = re.compile(r'<i class="b-([a-z_]+)"><span>([^<]*)</span></i>')
DAY = re.compile(r'<li(?: id="([^"]*)")?><i class="b-([a-z_]+)"></i>(.*)</li>')


def bars(html: str) -> list[tuple[str, str]]:
    """(status, words) of every bar, oldest first."""
    return BAR.findall(html)


def days(html: str) -> list[tuple[str, str, str]]:
    """(anchor, status, inner HTML) of every line of the day-by-day lists, newest first."""
    lists = re.findall(r'<ol class="daylist">\n(.*?)</ol>', html, re.S)
    return [line for block in lists for line in DAY.findall(block)]


def site_with_history(root: Path, run: Run, out: Path, config: str = MINIMAL_CONFIG) -> Path:
    (root / "outpost.yaml").write_text(config)
    write_notice(root, "digicert", DIGICERT)
    write_notice(root, "outage", OUTAGE)
    write_notice(root, "upgrade", MAINTENANCE)
    return build(run, root, NOW, out)


def test_component_page_bars_say_what_happened_and_list_the_days(
        empty_repo: Path, run: Run, tmp_path: Path) -> None:
    site = site_with_history(empty_repo, run, tmp_path / "site")
    page = (site / "components/web/index.html").read_text()
    shown = bars(page)
    assert len(shown) == 90
    assert shown[0] == ("partial_outage", "Jul 30, 2026: partial outage for "
                        "58 minutes (Digicert certificate reissue)")
    assert shown[1] == ("operational", "Jul 31, 2026: operational")
    assert shown[-1] == ("major_outage", "Oct 27, 2026: major outage for 1 hour (Everything down)")
    # The bars are a picture inside the list's summary: no link, no focus stop of their own.
    row = page.split('<span class="bars" aria-hidden="true">', 1)[1].split("</summary>", 1)[0]
    assert "<a " not in row and "tabindex" not in row
    assert ('<details class="history" open>\n<summary><span class="bars" aria-hidden="true">'
            ) in page
    assert ('<span class="uptime"><span><span class="sr">Web, day by day: </span>90 days ago'
            '<span class="sr"> to today:</span></span> <span class="figure">99.93 % uptime'
            '</span> <span aria-hidden="true">Today</span></span>') in page
    # Every day in words, newest first: days with notices anchored and linked, the quiet
    # run between them said once.
    assert days(page) == [
        ("d-2026-10-27", "major_outage", 'Oct 27, 2026: major outage for 1 hour '
         '(<a href="../../notices/outage/"><bdi>Everything down</bdi></a>)'),
        ("", "operational", "Jul 31 \u2013 Oct 26, 2026: operational"),
        ("d-2026-07-30", "partial_outage", 'Jul 30, 2026: partial outage for 58 minutes '
         '(<a href="../../notices/digicert/"><bdi>Digicert certificate reissue</bdi></a>)')]
    assert "<dt>Last 30 days</dt><dd>99.85 % uptime</dd>" in page
    assert "<dt>Last 90 days</dt><dd>99.93 % uptime</dd>" in page
    assert "<dt>Last 365 days</dt><dd>99.93 % uptime</dd>" in page
    for words in ("Major outage", "Partial outage", "Degraded performance", "Maintenance",
                  "Operational", "No data"):
        assert f"</i>{words}</li>" in page  # the legend
    # notices of the component only, past ones under their year
    assert page.index('<h3 id="y2026">2026</h3>') < page.rindex("Everything down</a>")
    assert "Database upgrade" not in page
    assert "No open notices for <bdi>Web</bdi>." in page
    base = "<code>https://status.example.org/"
    for follow in (f"{base}components/web/feed.xml</code>",
                   f"{base}components/web/atom.xml</code>", f"{base}maintenance.ics</code>",
                   f"{base}components/web/banner.html</code>",
                   f"{base}components/web/banner.json</code>",
                   f"{base}components/web/badge.svg</code>", 'href="../../subscribe/"',
                   '&lt;div data-outpost-banner data-component="web"&gt;&lt;/div&gt;'):
        assert follow in page


def test_maintenance_bars_and_an_open_incident(empty_repo: Path, run: Run, tmp_path: Path
                                               ) -> None:
    site = site_with_history(empty_repo, run, tmp_path / "site")
    api_bars = dict((text.split(":")[0], (status, text))
                    for status, text in bars((site / "components/api/index.html").read_text()))
    assert api_bars["Oct 20, 2026"] == (
        "under_maintenance", "Oct 20, 2026: maintenance for 2 hours (Database upgrade)")
    assert api_bars["Oct 21, 2026"] == (
        "under_maintenance", "Oct 21, 2026: maintenance for 1 hour (Database upgrade)")
    write_notice(empty_repo, "open", OUTAGE.replace("## Resolved - 2026-10-27 10:00\nBack.\n\n",
                                                    "").replace("title: Everything down",
                                                                "title: Still down"))
    site = build(run, empty_repo, NOW, tmp_path / "second")
    page = (site / "components/web/index.html").read_text()
    assert 'Now: <span class="label comp-major_outage">Major outage</span>' in page
    assert bars(page)[-1][1] == ("Oct 27, 2026: major outage for 3 hours "
                                 "(Still down; Everything down)")  # same start: by id
    assert days(page)[0] == ("d-2026-10-27", "major_outage", (
        'Oct 27, 2026: major outage for 3 hours (<a href="../../notices/open/"><bdi>Still down'
        '</bdi></a>; <a href="../../notices/outage/"><bdi>Everything down</bdi></a>)'))
    assert '<a class="title" href="../../notices/open/">Still down</a>' in page


def test_days_before_since_show_no_data(empty_repo: Path, run: Run, tmp_path: Path) -> None:
    config = MINIMAL_CONFIG.replace("    name: Web\n", "    name: Web\n    since: 2026-10-01\n")
    site = site_with_history(empty_repo, run, tmp_path / "site", config + "history_days: 30\n")
    shown = bars((site / "components/web/index.html").read_text())
    assert len(shown) == 30
    assert [s for s, _ in shown[:2]] == ["no_data", "no_data"]
    assert shown[0][1] == "Sep 28, 2026: no data"
    assert shown[3] == ("operational", "Oct 1, 2026: operational")
    assert days((site / "components/web/index.html").read_text())[-2:] == [
        ("", "operational", "Oct 1 \u2013 Oct 26, 2026: operational"),
        ("", "no_data", "Sep 28 \u2013 Sep 30, 2026: no data")]


def test_component_page_says_when_it_was_built_and_warns_once_stale(
        empty_repo: Path, run: Run, tmp_path: Path) -> None:
    """A component page says when it was built, under its status, as the Open page and
    an open notice's page do: a contact sent there by a feed, a bookmark or an embed's
    link must tell a copy cached for days from a current one. A build at a new time
    writes it again, equal to a clean build; stale_after: 0 leaves the warning out."""
    site = site_with_history(empty_repo, run, tmp_path / "site")
    built = ('<p class="built" id="built" data-stale="130">Updated <time datetime='
             '"2026-10-27T12:00:00-05:00">Oct 27, 2026, 12:00 PM CDT</time>'
             '<span class="ago"></span></p>')
    for component in ("web", "api"):
        page = (site / f"components/{component}/index.html").read_text()
        assert page.index('<p class="current">Now: ') < page.index(built) < page.index(
            '<p class="stale" id="stale" role="status" hidden>This page has not been '
            "updated for a while and may be out of date.</p>") < page.index('<h2 id="open">')
        assert re.findall(r"<script>(.*?)</script>", page, re.S) == [STALENESS_SCRIPT,
                                                                    BARS_SCRIPT]
        assert ("<p>Times in Central Time (CST/CDT). Updated <time datetime="
                '"2026-10-27T12:00:00-05:00">Oct 27, 2026, 12:00 PM CDT</time>.</p>') in page
    later = "2026-10-27T17:07:00Z"
    result = run(empty_repo, "build", "--out", str(site), "--now", later)
    assert result.exit_code == 0, result.output
    assert ('Updated <time datetime="2026-10-27T12:07:00-05:00">Oct 27, 2026, 12:07 PM CDT'
            '</time><span class="ago">') in (site / "components/api/index.html").read_text()
    assert tree(site) == clean_files(empty_repo, datetime.fromisoformat(later))
    (empty_repo / "outpost.yaml").write_text(MINIMAL_CONFIG + "stale_after: 0\n")
    page = (build(run, empty_repo, NOW, tmp_path / "no-warning")
            / "components/api/index.html").read_text()
    assert built.replace('"130"', '"0"') in page and 'id="stale"' not in page
    assert re.findall(r"<script>(.*?)</script>", page, re.S) == [BARS_SCRIPT]


def test_component_page_says_how_long_ago_an_incident_began(
        empty_repo: Path, run: Run, tmp_path: Path) -> None:
    """The "Since" beside an incident's status is followed by how long ago it was, which
    the page's script writes as on the Open page and the notice's page: a contact in
    another zone need not convert "9:00 AM CDT". A maintenance's window is left as it is."""
    (empty_repo / "outpost.yaml").write_text(MINIMAL_CONFIG)
    write_notice(empty_repo, "open", OUTAGE.replace("## Resolved - 2026-10-27 10:00\nBack.\n\n",
                                                    ""))
    write_notice(empty_repo, "upgrade", MAINTENANCE.replace("components: [api]",
                                                            "components: [web]").replace(
        "start: 2026-10-20 22:00\nend: 2026-10-21 02:00", "start: 2026-10-27 11:00\n"
        "end: 2026-10-27 14:00").replace("## Completed - 2026-10-21 01:00\nDone.\n\n", ""))
    site = build(run, empty_repo, NOW, tmp_path / "site")
    web = (site / "components/web/index.html").read_text()
    assert ('<p class="current">Now: <span class="label comp-major_outage">Major outage</span> '
            '<span class="since"><time datetime="2026-10-27T09:00:00-05:00">Since Oct 27, 2026, '
            '9:00 AM CDT</time><span class="ago"></span></span></p>') in web
    api = (site / "components/api/index.html").read_text()
    assert ('<span class="label comp-partial_outage">Partial outage</span> <span class="since">'
            '<time datetime="2026-10-27T09:00:00-05:00">Since Oct 27, 2026, 9:00 AM CDT</time>'
            '<span class="ago"></span></span></p>') in api
    (empty_repo / "notices" / "open.md").unlink()
    site = build(run, empty_repo, NOW, tmp_path / "maintenance")
    web = (site / "components/web/index.html").read_text()
    current = re.search(r'<p class="current">.*</p>', web)
    assert current is not None and "comp-under_maintenance" in current[0], web
    assert '<span class="since"><time' in current[0] and 'class="ago"' not in current[0]


def test_open_page_links_every_component_and_shows_its_bars(
        empty_repo: Path, run: Run, tmp_path: Path) -> None:
    site = site_with_history(empty_repo, run, tmp_path / "site")
    html = (site / "index.html").read_text()
    assert '<a class="name" href="./components/web/">Web</a>' in html
    assert '<a class="name" href="./components/api/">API</a>' in html
    shown = bars(html)
    assert len(shown) == 180
    assert shown[0][0] == "partial_outage" and shown[1][0] == "operational"
    assert 'aria-label="What the bar colours mean"' in html
    # Each row opens its days (closed at first). A day with notices names them and links
    # that day on the component's page, which links each notice; no ids here (two
    # components may share a day).
    assert html.count('<details class="history">\n<summary>') == 2
    assert '<span class="uptime"><span><span class="sr">API, day by day: </span>' in html
    lines = days(html)
    assert lines[:3] == [
        ("", "major_outage", '<a href="./components/web/#d-2026-10-27">Oct 27, 2026</a>: '
         "major outage for 1 hour (<bdi>Everything down</bdi>)"),
        ("", "operational", "Jul 31 \u2013 Oct 26, 2026: operational"),
        ("", "partial_outage", '<a href="./components/web/#d-2026-07-30">Jul 30, 2026</a>: '
         "partial outage for 58 minutes (<bdi>Digicert certificate reissue</bdi>)")]
    assert all(anchor == "" for anchor, _, _ in lines)
    linked = re.findall(r'<li><i class="b-[a-z_]+"></i><a href="([^"#]+)#([^"]+)">', html)
    assert len(linked) == 5  # web: two days; api: the outage and the two of the upgrade
    for folder, anchor in linked:
        assert f'<li id="{anchor}">' in (site / folder / "index.html").read_text()


def test_open_page_budget_with_ten_components(empty_repo: Path, run: Run, tmp_path: Path
                                              ) -> None:
    """Ten components, each with 90 bars and notices on many days, stay within the Open
    page's 14 KB gzip (page and stylesheet)."""
    components = "".join(f"  - id: c{i}\n    name: Component number {i}\n"
                         f"    description: What component {i} does for districts\n"
                         for i in range(10))
    (empty_repo / "outpost.yaml").write_text(
        MINIMAL_CONFIG.split("components:")[0] + "components:\n" + components)
    for day in range(1, 28, 3):
        write_notice(empty_repo, f"n{day}", f"""\
---
title: Slow pages number {day}
type: incident
impact: {("minor", "major", "critical")[day % 3]}
components: [c{day % 10}, c{(day + 1) % 10}]
---
## Resolved - 2026-10-{day:02d} 10:{day:02d}
Fixed.

## Investigating - 2026-10-{day:02d} 09:00
Slow.
""")
    site = build(run, empty_repo, NOW, tmp_path / "site")
    html = (site / "index.html").read_bytes()
    css = next(site.glob("assets/outpost.*.css")).read_bytes()
    assert len(bars(html.decode())) == 900
    size = len(gzip.compress(html, 9, mtime=0)) + len(gzip.compress(css, 9, mtime=0))
    assert size <= 14 * 1024, size


def test_recent_history_lists_the_last_days_with_final_statuses(
        empty_repo: Path, run: Run, tmp_path: Path) -> None:
    (empty_repo / "outpost.yaml").write_text(MINIMAL_CONFIG + "recent_days: 3\n")
    write_notice(empty_repo, "outage", OUTAGE)
    write_notice(empty_repo, "digicert", DIGICERT)  # months ago: not recent
    write_notice(empty_repo, "open", OUTAGE.replace(
        "## Resolved - 2026-10-27 10:00\nBack.\n\n", "").replace(
        "title: Everything down", "title: Still down").replace("10-27 09:00", "10-25 23:30"))
    html = (build(run, empty_repo, NOW, tmp_path / "site") / "index.html").read_text()
    section = html.split('<h2 id="recent">Recent history</h2>', 1)[1].split("<h2", 1)[0]
    assert re.findall(r"<h3>([^<]+)</h3>", section) == [
        "Oct 27, 2026", "Oct 26, 2026", "Oct 25, 2026"]
    today, quiet, first = section.split("<h3>")[1:]
    assert "Everything down" in today and '<span class="label label-resolved">Resolved' in today
    assert "No notices." in quiet
    assert "Still down" in first and "label-investigating" in first
    assert "Digicert" not in section
    assert '<a href="./closed/">All past notices</a>' in section


def test_recent_history_lists_a_maintenance_begun_early_on_the_day_it_began(
        empty_repo: Path, run: Run, tmp_path: Path) -> None:
    """An In progress update posted before the window puts the maintenance in progress
    (the Open page's card, the API, today's bar): Recent history said 'No notices.' of
    today until the planned start."""
    (empty_repo / "outpost.yaml").write_text(MINIMAL_CONFIG + "recent_days: 2\n")
    write_notice(empty_repo, "early", MAINTENANCE.replace(
        "start: 2026-10-20 22:00\nend: 2026-10-21 02:00",
        "start: 2026-10-28 00:30\nend: 2026-10-28 03:00").replace(
        "## Completed - 2026-10-21 01:00\nDone.", "## In progress - 2026-10-27 11:30\nBegun."))
    html = (build(run, empty_repo, NOW, tmp_path / "site") / "index.html").read_text()
    section = html.split('<h2 id="recent">Recent history</h2>', 1)[1].split("<h2", 1)[0]
    today, yesterday = section.split("<h3>")[1:]
    assert today.startswith("Oct 27, 2026</h3>") and "Database upgrade" in today
    assert '<span class="label label-in_progress">In progress' in today
    assert "No notices." in yesterday


def test_recent_days_zero_leaves_the_section_out(empty_repo: Path, run: Run, tmp_path: Path
                                                 ) -> None:
    (empty_repo / "outpost.yaml").write_text(MINIMAL_CONFIG + "recent_days: 0\n")
    html = (build(run, empty_repo, NOW, tmp_path / "site") / "index.html").read_text()
    assert 'id="recent"' not in html


def test_incremental_builds_equal_clean_ones_across_midnight_and_a_changed_notice(
        tmp_path: Path) -> None:
    """The bars' window moves at local midnight and a changed notice changes its days:
    an incremental build must still give exactly the bytes of a clean build."""
    from datetime import UTC, datetime, timedelta

    from generator.app import project
    from generator.build import builder
    from generator.build.options import BuildOptions
    from tests.test_incremental import clean_files, incident, make_repo, tree

    root = make_repo(tmp_path / "repo")
    out = tmp_path / "site"
    options = BuildOptions(racy_seconds=0)
    before_midnight = datetime(2026, 11, 29, 5, 59, tzinfo=UTC)  # 23:59 CST
    recent = before_midnight - timedelta(days=2)
    (root / "notices" / "recent.md").write_text(incident("Recent", recent, 2, resolved=True))
    builder.build(project(root), out, before_midnight, options)
    first = tree(out)
    assert first == clean_files(root, before_midnight)
    after_midnight = before_midnight + timedelta(minutes=2)  # 00:01 CST, the next day
    builder.build(project(root), out, after_midnight, options)
    second = tree(out)
    assert second == clean_files(root, after_midnight)
    web = "components/web/index.html"
    assert first[web] != second[web]  # the window moved a day
    assert b"<span>Nov 29, 2026: degraded performance for 1 minute (Open problem)</span>" \
        in second[web]
    assert b"Nov 29, 2026" not in first[web]
    (root / "notices" / "recent.md").write_text(
        incident("Recent", recent - timedelta(days=1), 3, resolved=True))
    builder.build(project(root), out, after_midnight, options)
    third = tree(out)
    assert third == clean_files(root, after_midnight)
    assert third[web] != second[web] and third["api/uptime.json"] != second["api/uptime.json"]
    assert third["components/api/index.html"] == second["components/api/index.html"]


def test_past_notices_are_paged_by_year_like_closed(empty_repo: Path, run: Run, tmp_path: Path
                                                    ) -> None:
    (empty_repo / "outpost.yaml").write_text(MINIMAL_CONFIG + "closed_recent: 1\n")
    write_notice(empty_repo, "digicert", DIGICERT)
    write_notice(empty_repo, "outage", OUTAGE)
    write_notice(empty_repo, "older", DIGICERT.replace("2026-07-30", "2025-07-30").replace(
        "title: Digicert certificate reissue", "title: Last year's problem"))
    site = build(run, empty_repo, NOW, tmp_path / "site")
    page = (site / "components/web/index.html").read_text()
    past = page.split('<h2 id="past">', 1)[1].split('<h2 id="follow">', 1)[0]
    assert "Everything down" in past and "Digicert" not in past  # the most recent only
    assert re.findall(r'<a href="../../components/web/(\d{4})/">', past) == ["2026", "2025"]
    year = (site / "components/web/2026/index.html").read_text()
    # Its heading and tab say what it lists, as the Closed page's years do.
    assert "<h1>Web: past notices of 2026</h1>" in year
    assert "<title>Web: past notices of 2026 | Test Status</title>" in year
    assert year.index("Everything down") < year.index("Digicert certificate reissue")
    assert "Last year's problem" not in year
    assert '<span aria-current="page">2026</span>' in year
    assert "Last year&#39;s problem" in (site / "components/web/2025/index.html").read_text()
    assert not (site / "components/api/2026").exists()  # one past notice: no paging


def test_day_lines_say_each_day_with_notices_and_quiet_runs_once() -> None:
    """Pure: the bars as list lines, newest first; a run of quiet days of one status is
    one line, a day with notices (even an operational one) its own, a run across New
    Year names both years."""
    def quiet(day: date, status: str = "operational") -> Bar:
        words = f"{day_label(day)}: {'no data' if status == 'no_data' else status}"
        return Bar(day, status, words, (), words)

    first = date(2025, 12, 29)
    row = (quiet(first, "no_data"), quiet(first + timedelta(1), "no_data"),
           quiet(first + timedelta(2)), quiet(first + timedelta(3)),
           Bar(date(2026, 1, 2), "degraded_performance",
               "Jan 2, 2026: degraded performance for 2 hours (Slow)", ("slow",),
               "Jan 2, 2026: degraded performance for 2 hours"),
           Bar(date(2026, 1, 3), "operational", "Jan 3, 2026: operational (Note; n2)",
               ("note", "n2"), "Jan 3, 2026: operational"),
           quiet(date(2026, 1, 4)), quiet(date(2026, 1, 5)))
    lines = day_lines(row, {"slow": "Slow", "note": "Note"})
    assert [(line.words, line.notices) for line in lines] == [
        ("Jan 4 \u2013 Jan 5, 2026: operational", ()),
        ("Jan 3, 2026: operational", (("note", "Note"), ("n2", "n2"))),
        ("Jan 2, 2026: degraded performance for 2 hours", (("slow", "Slow"),)),
        ("Dec 31, 2025 \u2013 Jan 1, 2026: operational", ()),
        ("Dec 29 \u2013 Dec 30, 2025: no data", ())]
    assert [line.anchor for line in lines][1:3] == ["d-2026-01-03", "d-2026-01-02"]
    assert [(line.label, line.detail) for line in lines][:2] == [
        ("Jan 4 \u2013 Jan 5, 2026", ": operational"), ("Jan 3, 2026", ": operational")]
    # A single day's line says exactly what its bar says, before the notices.
    assert lines[2].words == row[4].words and lines[1].words == row[5].words
    # ...and its text (documented for template overrides) exactly what its bar's does.
    assert lines[2].text == row[4].text and lines[1].text == row[5].text
    assert lines[0].text == lines[0].words  # no notices: the words alone
    assert day_lines((), {}) == ()


SLOW_WEB = """\
---
title: Slow pages
type: incident
impact: minor
components: [web]
---
## Investigating - 2026-10-27 09:00
Pages are slow.
"""


def _api_row(html: str) -> str:
    return html.split('<a class="name" href="./components/api/">API</a>', 1)[1].split(
        "</details>")[0]


def test_one_update_on_a_web_notice_rewrites_no_page_of_component_api(
        empty_repo: Path, run: Run, tmp_path: Path) -> None:
    """A one-update rebuild writes only what changed and says how many files: an update
    to an open incident of component web changes web's page (the incident's status in
    its list), the notice and the Open page, but not one file of component api (its
    page is not written again, its row of bars on the Open page is the same), and the
    site still equals a clean build."""
    site = site_with_history(empty_repo, run, tmp_path / "site")  # api has days too
    write_notice(empty_repo, "slow", SLOW_WEB)
    site = build(run, empty_repo, NOW, site)
    before = json.loads((site / "manifest.json").read_text())["files"]
    index_before = (site / "index.html").read_text()
    api_page = site / "components/api/index.html"
    api_stamp = api_page.stat().st_mtime_ns
    posted = run(empty_repo, "update", "slow", "--status", "identified", "--at",
                 "2026-10-27 11:00", "-m", "A bad cache node.")
    assert posted.exit_code == 0, posted.output
    result = run(empty_repo, "build", "--out", str(site), "--now", NOW)
    assert result.exit_code == 0, result.output
    after = json.loads((site / "manifest.json").read_text())["files"]
    changed = sorted(p for p in after if before.get(p) != after[p])
    counted = re.fullmatch(r"Built (\d+) files into .* \((\d+) changed\)\n", result.output)
    assert counted is not None, result.output
    assert int(counted[2]) == len(changed) + 1  # and manifest.json, which lists the others
    assert {"components/web/index.html", "index.html", "notices/slow/index.html"
            } <= set(changed)
    assert [p for p in changed if p.startswith("components/api/")] == []
    assert api_page.stat().st_mtime_ns == api_stamp  # not written again
    assert _api_row((site / "index.html").read_text()) == _api_row(index_before)
    web = (site / "components/web/index.html").read_text()
    assert '<span class="label label-identified">Identified</span>' in web
    assert tree(site) == clean_files(empty_repo, datetime.fromisoformat(NOW))


def test_component_page_advertises_its_own_feeds_first(empty_repo: Path, run: Run,
                                                       tmp_path: Path) -> None:
    """A feed reader given a component's page subscribes to what autodiscovery finds
    first: that component's feeds, then the site's."""
    from html.parser import HTMLParser
    from urllib.parse import urljoin

    import feedparser

    write_notice(empty_repo, "db", MAINTENANCE)
    site = build(run, empty_repo, NOW, tmp_path / "site")
    links: list[dict[str, str | None]] = []

    class Alternates(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "link" and ("rel", "alternate") in attrs:
                links.append(dict(attrs))

    Alternates().feed((site / "components/api/index.html").read_text())
    page = "https://status.example.org/components/api/"
    found = [(link["type"], urljoin(page, link["href"] or "")) for link in links]
    assert found[:2] == [
        ("application/rss+xml", "https://status.example.org/components/api/feed.xml"),
        ("application/atom+xml", "https://status.example.org/components/api/atom.xml")]
    assert ("application/rss+xml", "https://status.example.org/feed.xml") in found
    assert [link["title"] for link in links[:2]] == ["Test Status: API (RSS)",
                                                      "Test Status: API (Atom)"]
    feed = feedparser.parse((site / "components/api/feed.xml").read_bytes())
    assert feed.feed.title == "Test Status: API"
    assert [e.title for e in feed.entries] == ["[Completed] Database upgrade",
                                               "[In progress] Database upgrade",  # its window's
                                               "[Scheduled] Database upgrade"]


ENGLISH_DAYS = """
import locale
from datetime import date, datetime, timezone
locale.setlocale(locale.LC_ALL, "tr_TR.UTF-8")
from generator.render.bars import day_label, days_label
from generator.render.feedwriter import rfc2822
print(day_label(date(2026, 11, 28)), "|", days_label(date(2026, 8, 3), date(2026, 11, 28)),
      "|", rfc2822(datetime(2026, 11, 27, 15, tzinfo=timezone.utc)))
"""


def test_days_are_named_in_english_whatever_the_locale(tmp_path: Path) -> None:
    """A program that sets its locale before building (Python's own locale.setlocale)
    gets the same pages: strftime's '%b' gave 'Kas 28' under Turkish."""
    made = subprocess.run(["localedef", "-i", "tr_TR", "-f", "UTF-8",
                           str(tmp_path / "tr_TR.UTF-8")], capture_output=True)
    if made.returncode not in (0, 1) or not (tmp_path / "tr_TR.UTF-8").is_dir():
        pytest.skip("this machine cannot make a Turkish locale (localedef, locale sources)")
    result = subprocess.run([sys.executable, "-c", ENGLISH_DAYS], capture_output=True,
                            text=True, env={**os.environ, "LOCPATH": str(tmp_path)}, check=True)
    assert result.stdout == (
        "Nov 28, 2026 | Aug 3 \u2013 Nov 28, 2026 | Fri, 27 Nov 2026 15:00:00 +0000\n")
