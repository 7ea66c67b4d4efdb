"""Built pages: self-contained, small, deterministic, written atomically, all reachable."""

from __future__ import annotations

import base64
import gzip
import hashlib
import html
import json
import os
import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from generator.build.output import replace_site
from generator.core.errors import OutpostError
from tests.conftest import FIXED_NOW, MINIMAL_CONFIG, Run
from tests.feeds_support import MAINTENANCE_ACTIVE, write_notice
from tests.test_api import COMPLETED_LATE

EXAMPLE_CONFIG_LINKS = {"https://support.example.org/customers",
                        "https://support.example.org/customers/cases/new"}


class Page(HTMLParser):
    """Collects every reference a page makes, by tag and attribute."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.tags: list[str] = []
        self.styles: list[str] = []
        self.scripts: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.in_script = tag == "script"
        for name, value in attrs:
            if value is None:
                continue
            if name in ("src", "href", "srcset", "poster", "data", "action", "formaction"):
                self.refs.append((tag, name, value))
            if name == "style":
                self.styles.append(value)

    def handle_data(self, data: str) -> None:
        if self.tags and self.tags[-1] == "style":
            self.styles.append(data)
        if self.in_script:
            self.scripts.append(data)

    def handle_endtag(self, tag: str) -> None:
        self.in_script = False


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def build(root: Path, run: Run, out: Path, now: str = FIXED_NOW) -> None:
    result = run(root, "build", "--out", str(out), "--now", now)
    assert result.exit_code == 0, result.output


# The Subscribe page hands the calendar to a calendar app, or to Google Calendar.
CALENDAR_LINKS = {"webcal://status.example.org/maintenance.ics",
                  "https://calendar.google.com/calendar/r?cid=webcal%3A//status.example.org/"
                  "maintenance.ics"}


@pytest.mark.parametrize("now", [FIXED_NOW, "2024-07-30 14:00", "2024-11-03 01:00 -06:00"])
def test_pages_reference_nothing_external(example_repo: Path, run: Run, tmp_path: Path,
                                          now: str) -> None:
    site = tmp_path / "site"
    build(example_repo, run, site, now)
    checked = 0
    policy = (site / "_headers").read_text()
    for path in pages(site):
        page = parse(path)
        # Inline scripts only, each allowed by its hash in _headers: the staleness line
        # on the Open page, component pages and open notices' pages, Escape on the bars'
        # words where there are bars (the Open page and component pages).
        relative = path.relative_to(site).as_posix()
        with_bars = relative == "index.html" or re.fullmatch(
            r"components/[^/]+/index\.html", relative) is not None
        count = int(with_bars) + int('id="built"' in path.read_text())
        assert page.tags.count("script") == count == len(page.scripts), path
        for script in page.scripts:
            digest = base64.b64encode(hashlib.sha256(script.encode()).digest())
            assert f"'sha256-{digest.decode()}'" in policy
        for tag in ("iframe", "img", "object", "embed", "video", "audio", "base"):
            assert tag not in page.tags, f"{path} has an <{tag}>"
        for tag, attribute, value in page.refs:
            external = bool(urlsplit(value).scheme or value.startswith("//"))
            if tag == "a":
                assert not external or value in EXAMPLE_CONFIG_LINKS or value.startswith(
                    "https://status.example.org/") or value in CALENDAR_LINKS, (
                    f"{path}: unexpected link {value}")
            elif tag == "link":
                assert not external, f"{path}: <link> to {value}"
            else:
                pytest.fail(f"{path}: <{tag} {attribute}={value!r}>")
        for style in page.styles:
            assert "url(" not in style
        checked += 1
    css = next(site.glob("assets/outpost.*.css")).read_text()
    assert not re.search(r"url\(|@import|@font-face", css)
    assert checked >= 9


def test_links_between_pages_resolve(example_repo: Path, run: Run, tmp_path: Path) -> None:
    site = tmp_path / "site"
    build(example_repo, run, site)
    for path in pages(site):
        if path.name == "404.html":
            continue  # links from the site root, wherever the host serves it
        here = "/" + path.relative_to(site).as_posix()
        for tag, _, value in parse(path).refs:
            if tag in ("a", "link") and not urlsplit(value).scheme:
                target = urlsplit(urljoin(here, value)).path.lstrip("/")
                resolved = site / target
                if target == "" or target.endswith("/"):
                    resolved = resolved / "index.html"
                assert resolved.is_file(), f"{here} links to missing {value}"


def test_open_page_budget(example_repo: Path, run: Run, tmp_path: Path) -> None:
    """The Open page and its stylesheet arrive in the first round trip: <= 14 KB gzip."""
    site = tmp_path / "site"
    for now in (FIXED_NOW, "2024-07-30 14:00"):
        build(example_repo, run, site, now)
        html = (site / "index.html").read_bytes()
        css = next(site.glob("assets/outpost.*.css")).read_bytes()
        size = len(gzip.compress(html, 9, mtime=0)) + len(gzip.compress(css, 9, mtime=0))
        assert size <= 14 * 1024, f"{size} bytes gzip at {now}"


def test_same_input_same_bytes(example_repo: Path, run: Run, tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    build(example_repo, run, first)
    (example_repo / "notices" / "2025-03-18-email-delivery-delays.md").touch()
    build(example_repo, run, second)
    names = sorted(p.relative_to(first).as_posix() for p in first.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(second).as_posix()
                           for p in second.rglob("*") if p.is_file())
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in folder.rglob("*") if p.is_file()}


def test_build_with_problems_writes_nothing(example_repo: Path, run: Run, tmp_path: Path
                                            ) -> None:
    site = tmp_path / "site"
    build(example_repo, run, site)
    before = snapshot(site)
    bad = example_repo / "notices" / "2026-09-14-slow-grade-book-loading.md"
    bad.write_text(bad.read_text().replace("## Identified", "## Found"))
    (example_repo / "notices" / "new-incident.md").write_text(
        "---\ntitle: New\ntype: incident\n---\n## Investigating - 2026-11-28 05:00\nLooking.\n")
    result = run(example_repo, "build", "--out", str(site), "--now", FIXED_NOW)
    assert result.exit_code == 1
    assert result.output == (
        "notices/2026-09-14-slow-grade-book-loading.md:11: unknown status 'Found' for "
        "incident (expected one of: Investigating, Identified, Monitoring, Update, Resolved)\n"
        "1 problem found. Build stopped: nothing was written.\n")
    assert snapshot(site) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["repo", "site"]  # no leftovers


def test_failed_render_leaves_old_site(example_repo: Path, run: Run, tmp_path: Path) -> None:
    """A template that fails half way through rendering changes nothing on disk."""
    site = tmp_path / "site"
    build(example_repo, run, site)
    before = snapshot(site)
    (example_repo / "templates").mkdir()
    (example_repo / "templates" / "notice.html").write_text(
        '{% extends "base.html" %}\n{% block content %}\n{{ item.notice.nope }}\n'
        '{% endblock %}\n')
    result = run(example_repo, "build", "--out", str(site), "--now", FIXED_NOW)
    assert result.exit_code == 1
    assert result.output == ("templates/notice.html:3: "
                             "'generator.core.model.Notice object' has no attribute 'nope'\n"
                             "Build stopped: nothing was written.\n")
    assert snapshot(site) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["repo", "site"]


def test_template_syntax_error_exits_1(example_repo: Path, run: Run, tmp_path: Path) -> None:
    (example_repo / "templates").mkdir()
    template = example_repo / "templates" / "404.html"
    template.write_text('{% extends "base.html" %}\n{% block content %}\n{{ x }\n')
    result = run(example_repo, "build", "--out", str(tmp_path / "site"), "--now", FIXED_NOW)
    assert result.exit_code == 1
    assert result.output == ("templates/404.html:3: unexpected '}'\n"
                             "Build stopped: nothing was written.\n")
    assert not (tmp_path / "site").exists()


def test_dangling_link_is_a_problem_of_its_own(empty_repo: Path, run: Run) -> None:
    target = empty_repo / "notices" / "gone.md"
    target.symlink_to(empty_repo / "elsewhere.md")
    result = run(empty_repo, "check")
    assert result.exit_code == 1
    assert result.output == ("notices/gone.md: symlink to a file that does not exist\n"
                             "1 problem found.\n")


def test_swap_replaces_whole_site(tmp_path: Path) -> None:
    out = tmp_path / "site"
    replace_site(out, {"index.html": b"one", "old/index.html": b"x"})
    inode = os.stat(out).st_ino
    replace_site(out, {"index.html": b"two"})
    assert snapshot(out) == {"index.html": b"two"}
    assert os.stat(out).st_ino != inode  # a new folder was swapped in, not edited in place
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_swap_failure_keeps_old_site(tmp_path: Path) -> None:
    out = tmp_path / "site"
    replace_site(out, {"index.html": b"one"})

    class Exploding(dict[str, bytes]):
        def __getitem__(self, key: str) -> bytes:
            if key == "z.html":
                raise OSError(28, "No space left on device")
            return super().__getitem__(key)

    with pytest.raises(OSError, match="No space left"):
        replace_site(out, Exploding({"index.html": b"two", "z.html": b"z"}))
    assert snapshot(out) == {"index.html": b"one"}
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_refuses_to_replace_a_folder_that_is_not_a_site(example_repo: Path, run: Run,
                                                         tmp_path: Path) -> None:
    documents = tmp_path / "documents"
    documents.mkdir()
    (documents / "thesis.txt").write_text("precious")
    result = run(example_repo, "build", "--out", str(documents), "--now", FIXED_NOW)
    assert result.exit_code == 1
    assert result.output == (f"Error: refusing to replace {documents}: it is not empty and "
                             "holds no index.html from an earlier build; choose a new or empty "
                             "folder\n")
    assert (documents / "thesis.txt").read_text() == "precious"
    result = run(example_repo, "build", "--out", str(example_repo.parent), "--now", FIXED_NOW)
    assert result.exit_code == 1
    assert result.output == (f"Error: refusing to build into {example_repo.parent}: it holds "
                             "the notices repository; choose another --out folder\n")
    with pytest.raises(OutpostError):
        replace_site(documents / "thesis.txt", {"index.html": b""})


def many_notices(root: Path, count: int) -> list[str]:
    """``count`` resolved incidents spread over several years, plus one open."""
    ids = []
    for index in range(count):
        year, day = 2020 + index % 6, 1 + index % 28
        month = 1 + (index // 6) % 12
        notice_id = f"n{index:03d}"
        (root / "notices" / f"{notice_id}.md").write_text(
            f"---\ntitle: Notice {index}\ntype: incident\ncomponents: [web]\n---\n"
            f"## Resolved - {year}-{month:02d}-{day:02d} 12:{index % 60:02d}\nFixed.\n\n"
            f"## Investigating - {year}-{month:02d}-{day:02d} 11:00\nLooking.\n")
        ids.append(notice_id)
    return ids


def reachable(site: Path) -> set[str]:
    """Every page reached by following links from index.html."""
    seen: set[str] = set()
    queue = ["/index.html"]
    while queue:
        here = queue.pop()
        if here in seen:
            continue
        seen.add(here)
        for tag, _, value in parse(site / here.lstrip("/")).refs:
            if tag != "a" or urlsplit(value).scheme:
                continue
            target = urlsplit(urljoin(here, value)).path
            if target.endswith("/"):
                target += "index.html"
            if (site / target.lstrip("/")).is_file():
                queue.append(target)
    return seen


def test_every_notice_reachable_when_closed_is_split(empty_repo: Path, run: Run,
                                                     tmp_path: Path) -> None:
    (empty_repo / "outpost.yaml").write_text(MINIMAL_CONFIG + "closed_recent: 20\n")
    ids = many_notices(empty_repo, 200)
    site = tmp_path / "site"
    build(empty_repo, run, site)
    found = reachable(site)
    assert {f"/notices/{i}/index.html" for i in ids} <= found
    years = sorted(p.parent.name for p in site.glob("closed/*/index.html"))
    assert years == ["2020", "2021", "2022", "2023", "2024", "2025"]
    assert {f"/closed/{y}/index.html" for y in years} <= found
    closed = (site / "closed" / "index.html").read_text()
    assert closed.count('<li>\n<a class="title" href="../notices/') == 20
    in_2023 = (site / "closed" / "2023" / "index.html").read_text()
    assert in_2023.count('<a class="title" href="../../notices/') == len(
        [i for i in range(200) if 2020 + i % 6 == 2023])
    assert '<span aria-current="page">2023</span>' in in_2023


def test_short_closed_list_is_not_split(example_repo: Path, run: Run, tmp_path: Path) -> None:
    site = tmp_path / "site"
    build(example_repo, run, site)
    assert not list(site.glob("closed/*/index.html"))
    assert "By year" not in (site / "closed" / "index.html").read_text()


def test_site_under_a_subpath(example_repo: Path, run: Run, tmp_path: Path) -> None:
    config = example_repo / "outpost.yaml"
    config.write_text(config.read_text().replace("https://status.example.org/",
                                                 "https://example.org/status"))
    site = tmp_path / "site"
    build(example_repo, run, site)
    not_found = (site / "404.html").read_text()
    assert 'href="/status/assets/outpost.' in not_found
    assert '<a href="/status/">Open Notifications</a>' in not_found
    index = (site / "index.html").read_text()
    assert 'href="./assets/outpost.' in index


def test_open_page_budget_with_many_open_notices(empty_repo: Path, run: Run) -> None:
    """Forty open incidents: every one is listed, the first 20 with their latest update in
    full, and the page still fits the first round trip."""
    body = ("We are investigating reports of slow sign-in for some districts. "
            "Attendance, grade book and scheduling are not affected. ") * 4
    for number in range(40):
        (empty_repo / "notices" / f"incident-{number:02d}.md").write_text(
            f"---\ntitle: Incident number {number}\ntype: incident\nimpact: minor\n---\n"
            f"## Investigating - 2026-11-28 {number // 10 + 1:02d}:{number % 60:02d}\n"
            f"{body}Case reference {number}.\n")
    out = empty_repo / "out"
    assert run(empty_repo, "build", "--out", str(out), "--now", FIXED_NOW).exit_code == 0
    html = (out / "index.html").read_bytes()
    text = html.decode()
    assert len(re.findall(r"<h2><a href=\"\./notices/incident-\d\d/\">", text)) == 40
    assert len(re.findall(r"Case reference \d+\.", text)) == 20
    css = next((out / "assets").glob("outpost.*.css")).read_bytes()
    size = len(gzip.compress(html, 9, mtime=0)) + len(gzip.compress(css, 9, mtime=0))
    assert size <= 14 * 1024, f"{size} bytes gzip"


def test_called_off_maintenance_page_shows_the_planned_window(empty_repo: Path, run: Run,
                                                             tmp_path: Path) -> None:
    (empty_repo / "notices" / "upgrade.md").write_text(
        "---\ntitle: Upgrade\ntype: maintenance\nstart: 2026-11-20 22:00\n"
        "end: 2026-11-21 02:00\n---\n## Completed - 2026-11-20 18:00\nCalled off.\n\n"
        "## Scheduled - 2026-11-10 09:00\nPlanned.\n")
    site = tmp_path / "site"
    assert run(empty_repo, "build", "--out", str(site), "--now", FIXED_NOW).exit_code == 0
    page = (site / "notices" / "upgrade" / "index.html").read_text()
    assert "Nov 20, 2026, 10:00 PM\u00a0\u2013 Nov 21, 2:00 AM CST" in page
    assert "6:00 PM CST</time></p>" not in page  # no range ending at the Completed update
    assert "label-called_off" in page and "label-completed" not in page


def test_called_off_maintenance_says_what_it_would_have_affected(empty_repo: Path, run: Run,
                                                                tmp_path: Path) -> None:
    """A maintenance called off before its window touched nothing: its page showed
    'Affected: Web' beside the planned window, which read as work done. One completed
    in its window still says 'Affected'."""
    (empty_repo / "notices" / "upgrade.md").write_text(
        "---\ntitle: Upgrade\ntype: maintenance\ncomponents: [web]\nstart: 2026-11-20 22:00\n"
        "end: 2026-11-21 02:00\n---\n## Completed - 2026-11-20 18:00\nCalled off.\n\n"
        "## Scheduled - 2026-11-10 09:00\nPlanned.\n")
    (empty_repo / "notices" / "patch.md").write_text(
        "---\ntitle: Patch\ntype: maintenance\ncomponents: [api]\nstart: 2026-11-18 22:00\n"
        "end: 2026-11-18 23:00\n---\n## Completed - 2026-11-18 22:40\nDone.\n\n"
        "## Scheduled - 2026-11-10 09:00\nPlanned.\n")
    site = tmp_path / "site"
    build(empty_repo, run, site)
    affected = {name: re.findall(r'<p class="affected">([^<:]*):', (
        site / "notices" / name / "index.html").read_text()) for name in ("upgrade", "patch")}
    assert affected == {"upgrade": ["Would have affected"], "patch": ["Affected"]}


def test_a_called_off_maintenance_reads_called_off_wherever_it_is_listed(
        empty_repo: Path, run: Run, tmp_path: Path) -> None:
    """Its own page says what it would have affected; the rows listing it (the Open
    page's recent history, the Closed page, its component's page) and its page's head
    read 'Called off', not 'Completed' with a tick, which read as work done. One
    completed in its window still reads 'Completed'."""
    (empty_repo / "notices" / "upgrade.md").write_text(
        "---\ntitle: Upgrade\ntype: maintenance\ncomponents: [web]\nstart: 2026-11-25 22:00\n"
        "end: 2026-11-26 02:00\n---\n## Completed - 2026-11-24 18:00\nPostponed.\n\n"
        "## Scheduled - 2026-11-10 09:00\nPlanned.\n")
    (empty_repo / "notices" / "patch.md").write_text(
        "---\ntitle: Patch\ntype: maintenance\ncomponents: [web]\nstart: 2026-11-23 22:00\n"
        "end: 2026-11-23 23:00\n---\n## Completed - 2026-11-23 22:40\nDone.\n\n"
        "## Scheduled - 2026-11-10 09:00\nPlanned.\n")
    site = tmp_path / "site"
    build(empty_repo, run, site)
    label = r'<span class="label label-([a-z_]+)">([^<]*)</span>'
    for page in ("index.html", "closed/index.html", "components/web/index.html"):
        text = (site / page).read_text()
        found = {name: re.search(r'href="[./]*notices/' + name + r'/">\w+</a>\s*'
                                 r'<span class="meta">' + label, text)
                 for name in ("upgrade", "patch")}
        assert {name: match.groups() if match else None for name, match in found.items()} == {
            "upgrade": ("called_off", "Called off"), "patch": ("completed", "Completed")}, page
    page = (site / "notices" / "upgrade" / "index.html").read_text()
    head = re.search(r'<p class="meta">' + label, page)
    assert head is not None and head.groups() == ("called_off", "Called off")
    # Its timeline's update that called it off, as the feeds announce it.
    assert re.findall(r"<h3>" + label, page) == [("called_off", "Called off"),
                                                 ("scheduled", "Scheduled")]
    assert re.findall(r"<h3>" + label, (site / "notices" / "patch" / "index.html").read_text()
                      ) == [("completed", "Completed"), ("in_progress", "In progress"),
                            ("scheduled", "Scheduled")]  # the window's automatic one


@pytest.mark.parametrize("text", [
    MAINTENANCE_ACTIVE,  # 05:00-09:00 CST, no update since Scheduled
    MAINTENANCE_ACTIVE.replace("## Scheduled", "## In progress - 2026-11-28 05:00\n"
                               "Started.\n\n## Scheduled"),
])
def test_an_open_maintenance_s_card_shows_its_page_s_newest_update(
        empty_repo: Path, run: Run, tmp_path: Path, text: str) -> None:
    """The Open page's card names its latest update: the newest entry of the notice
    page's timeline, the window's automatic In progress among them, not the Scheduled
    update days before it that the page lists below."""
    write_notice(empty_repo, "db-work", text)
    site = tmp_path / "site"
    build(empty_repo, run, site)
    _, _, newest, at = page_timeline(site / "notices" / "db-work" / "index.html")[0]
    card = re.search(r'<div class="latest">\n<p class="when"><strong>Latest update</strong> '
                     r'&middot; <time datetime="([^"]+)">.*?</p>\n(.*?)</div>',
                     (site / "index.html").read_text(), re.S)
    assert card is not None
    assert datetime.fromisoformat(card.group(1)) == at
    assert html.unescape(re.sub(r"<[^>]+>", "", card.group(2))).strip() == newest


def page_timeline(page: Path) -> list[tuple[str, str, str, datetime]]:
    """A notice page's timeline, newest first: (anchor, status word, text, time)."""
    return [(anchor, word, html.unescape(re.sub(r"<[^>]+>", "", text)).strip(),
             datetime.fromisoformat(moment))
            for anchor, word, moment, text in re.findall(
                r'<li id="([^"]+)">\n<h3><span class="label [^"]+">([^<]+)</span> '
                r'<time datetime="([^"]+)">.*?</h3>\n(.*?)</li>', page.read_text(), re.S)]


@pytest.mark.parametrize(("text", "now"), [
    (MAINTENANCE_ACTIVE, FIXED_NOW),  # 05:00-09:00 CST, no update since Scheduled
    (MAINTENANCE_ACTIVE, "2026-11-28T16:00:00Z"),  # its window over
    (COMPLETED_LATE, FIXED_NOW),  # In progress posted, ended by the window, Completed late
    (MAINTENANCE_ACTIVE.replace("## Scheduled", "## In progress - 2026-11-28 05:00\n"
                                "Started.\n\n## Scheduled"), FIXED_NOW),
])
def test_a_maintenance_s_page_lists_the_window_s_automatic_updates_as_the_api_does(
        empty_repo: Path, run: Run, tmp_path: Path, text: str, now: str) -> None:
    """A window that opened (or ended) with no update saying so: the API lists the
    update Statuspage's automation posts then, and the notice page showed none, so a
    maintenance in progress read 'Scheduled' as its newest entry. The page lists the
    same entries at the same moments, with the same words."""
    write_notice(empty_repo, "db-work", text)
    site = tmp_path / "site"
    build(empty_repo, run, site, now)
    api = json.loads((site / "api" / "v2" / "scheduled-maintenances.json").read_text())
    listed = [(update["body"], datetime.fromisoformat(update["display_at"]))
              for update in api["scheduled_maintenances"][0]["incident_updates"]]
    entries = page_timeline(site / "notices" / "db-work" / "index.html")
    assert [(text, moment) for _, _, text, moment in entries] == listed
    automatic = {"Scheduled maintenance is currently in progress. We will provide updates "
                 "as necessary.": "In progress",
                 "The scheduled maintenance has been completed.": "Completed"}
    for anchor, word, text, moment in entries:
        if text in automatic:
            assert word == automatic[text]
            assert anchor == f"update-{moment.astimezone(UTC):%Y%m%dT%H%MZ}"
    anchors = [anchor for anchor, *_ in entries]
    assert len(set(anchors)) == len(anchors)


def test_a_group_heading_says_the_worst_status_of_its_components(
        empty_repo: Path, run: Run, tmp_path: Path) -> None:
    """As Statuspage's group row does, and the API's group row: a reader scanning the
    Open page's component list for 'Campus' saw its name alone, the status of each
    member a row or more below it."""
    (empty_repo / "outpost.yaml").write_text(MINIMAL_CONFIG.replace(
        "    name: Web\n", "    name: Web\n    group: Campus\n").replace(
        "    name: API\n", "    name: API\n    group: Campus\n") + (
        "  - id: mail\n    name: Mail\n    group: Office\n"
        "  - id: chat\n    name: Chat\n    group: Office\n"))
    (empty_repo / "notices" / "down.md").write_text(
        "---\ntitle: Sign-in errors\ntype: incident\n"
        "components: {web: degraded_performance, api: partial_outage}\n---\n"
        "## Investigating - 2026-11-28 05:00\nLooking.\n")
    site = tmp_path / "site"
    build(empty_repo, run, site)
    headings = re.findall(r'<h3 class="group">(.*?)</h3>', (site / "index.html").read_text())
    assert [html.unescape(re.sub(r"<[^>]+>", "", heading)) for heading in headings] == [
        "Campus: Partial outage", "Office: Operational"]
    assert 'class="label comp-partial_outage"' in headings[0]
    api = json.loads((site / "api" / "v2" / "components.json").read_text())
    assert [(row["name"], row["status"]) for row in api["components"] if row["group"]] == [
        ("Campus", "partial_outage"), ("Office", "operational")]


def test_a_group_is_a_row_folded_while_all_its_components_are_operational(
        empty_repo: Path, run: Run, tmp_path: Path) -> None:
    """As Statuspage's group rows are: a group of 24 components, each with 90 days of
    bars, took some 4,500 px of a 320 px phone. Each group is a <details> whose summary
    is its heading, open while any of its components is not operational (an outage or a
    maintenance under way shows at once); components without a group are always shown."""
    (empty_repo / "outpost.yaml").write_text(
        "title: Test Status\nbase_url: https://status.example.org/\n"
        "timezone: America/Chicago\ncomponents:\n"
        "  - id: web\n    name: Web\n    group: Campus\n"
        "  - id: api\n    name: API\n    group: Campus\n"
        "  - id: mail\n    name: Mail\n    group: Office\n"
        "  - id: chat\n    name: Chat\n    group: Office\n"
        "  - id: lab\n    name: Lab\n    group: Rooms\n"
        "  - id: docs\n    name: Docs\n")
    (empty_repo / "notices" / "down.md").write_text(
        "---\ntitle: Sign-in errors\ntype: incident\ncomponents: {api: partial_outage}\n"
        "---\n## Investigating - 2026-11-28 05:00\nLooking.\n")
    (empty_repo / "notices" / "lab.md").write_text(
        "---\ntitle: Lab upgrade\ntype: maintenance\ncomponents: [lab]\n"
        "start: 2026-11-28 05:00\nend: 2026-11-28 08:00\n---\n"
        "## Scheduled - 2026-11-20 09:00\nWe will upgrade the lab.\n")
    site = tmp_path / "site"
    build(empty_repo, run, site)
    components = (site / "index.html").read_text().split('<h2 id="components">', 1)[1]
    rows = re.findall(r'<details class="component-group"( open)?>\n<summary><h3 class="group">'
                      r'(.*?)</h3></summary>\n<ul class="components">(.*?)</ul>\n</details>',
                      components, re.S)
    assert [(bool(is_open), html.unescape(re.sub(r"<[^>]+>", "", heading)),
             re.findall(r'<a class="name" [^>]*>([^<]*)</a>', members))
            for is_open, heading, members in rows] == [
        (True, "Campus: Partial outage", ["Web", "API"]),
        (False, "Office: Operational", ["Mail", "Chat"]),
        (True, "Rooms: Under maintenance", ["Lab"])]
    ungrouped = components.split("<details", 1)[0]
    assert re.findall(r'<a class="name" [^>]*>([^<]*)</a>', ungrouped) == ["Docs"]
    assert '<a href="#components">All components</a>' in (site / "index.html").read_text()


def test_a_notice_s_relative_links_work_on_the_open_page(small_repo: Path, run: Run,
                                                         tmp_path: Path) -> None:
    """An update is written for its notice page; the Open page shows it too, with its
    relative links resolved as they are there ('../' is notices/, '#...' its anchors)."""
    notice = small_repo / "notices" / "slow-sign-in.md"
    notice.write_text(notice.read_text().replace(
        "Looking into it.",
        "See [all notices](../), [the first update](#update-20261128T1100Z), "
        "[closed](../../closed/) and [the components](/components/web/)."))
    site = tmp_path / "site"
    build(small_repo, run, site)
    links = {value for tag, _, value in parse(site / "index.html").refs if tag == "a"}
    assert {"notices/", "./notices/slow-sign-in/#update-20261128T1100Z", "closed/",
            "/components/web/"} <= links
    on_its_page = {value for tag, _, value in
                   parse(site / "notices" / "slow-sign-in" / "index.html").refs}
    assert {"../", "#update-20261128T1100Z", "../../closed/"} <= on_its_page
    for value in ("./notices/slow-sign-in/", "closed/"):
        assert (site / value / "index.html").is_file()


def test_components_without_a_group_are_not_listed_under_another_s_heading(
        empty_repo: Path, run: Run, tmp_path: Path) -> None:
    """On the Open page each group's heading is followed by its own components only: a
    component without a group, listed after a grouped one in outpost.yaml, came under
    that group's heading, and screen readers and readers alike took it for a member.
    Components without a group come first, before any group's heading."""
    (empty_repo / "outpost.yaml").write_text(
        "title: Test Status\nbase_url: https://status.example.org/\n"
        "timezone: America/Chicago\ncomponents:\n"
        "  - id: web\n    name: Web\n    group: Campus\n"
        "  - id: api\n    name: API\n"
        "  - id: mail\n    name: Mail\n    group: Support\n"
        "  - id: chat\n    name: Chat\n")
    out = tmp_path / "site"
    assert run(empty_repo, "build", "--out", str(out), "--now", FIXED_NOW).exit_code == 0
    components = (out / "index.html").read_text().split('<h2 id="components">', 1)[1]
    shown = re.findall(r'<h3 class="group"><span><span class="name">([^<]*)</span>'
                       r'|<a class="name" [^>]*>([^<]*)</a>', components)
    assert [group or f"- {name}" for group, name in shown] == [
        "- API", "- Chat", "Campus", "- Web", "Support", "- Mail"]
