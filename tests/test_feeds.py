"""feed.xml and atom.xml read back with feedparser: one entry per update, stable ids,
dates with offsets, sanitized content, deterministic feed dates."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import feedparser
import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.core.model import Impact, Notice, NoticeType, Postmortem, Status, Update
from generator.core.timeline import NoticeView
from generator.render.feeds import _Ordered
from generator.render.feedwriter import FeedItem, FeedMeta, write_atom, write_rss
from generator.render.pages import Site
from tests.conftest import FIXED_NOW, Run
from tests.feeds_support import INCIDENT_OPEN, MAINTENANCE_UPCOMING, build, write_notice
from tests.test_core_markup import hrefs, is_absolute

# Every example update is posted before FIXED_NOW: one "## " heading each, and the In
# progress the Support Portal's window posted by itself (no update of it said so).
EXAMPLE_UPDATES = sum(
    line.startswith("## ")
    for path in (Path(__file__).parent.parent / "notices").glob("*.md")
    for line in path.read_text().splitlines()) + 1


def parse(path: Path) -> feedparser.FeedParserDict:
    feed = feedparser.parse(path.read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


@pytest.fixture
def example_site(example_repo: Path, run: Run, tmp_path: Path) -> Path:
    return build(run, example_repo, FIXED_NOW, tmp_path / "site")


@pytest.mark.parametrize(("name", "version"), [("feed.xml", "rss20"), ("atom.xml", "atom10")])
def test_one_entry_per_update(example_site: Path, name: str, version: str) -> None:
    feed = parse(example_site / name)
    assert feed.version == version
    assert len(feed.entries) == EXAMPLE_UPDATES
    titles = [e.title for e in feed.entries]
    assert "[Resolved] Digicert certificate reissue" in titles
    assert "[Investigating] Digicert certificate reissue" in titles
    assert titles[0] == "[Scheduled] Campus server upgrade"  # newest first
    assert len({e.id for e in feed.entries}) == EXAMPLE_UPDATES
    stamps = [e.published_parsed for e in feed.entries]
    assert stamps == sorted(stamps, reverse=True)


def test_rss_and_atom_carry_the_same_items(example_site: Path) -> None:
    rss, atom = parse(example_site / "feed.xml"), parse(example_site / "atom.xml")
    assert [e.id for e in rss.entries] == [e.id for e in atom.entries]
    assert [e.link for e in rss.entries] == [e.link for e in atom.entries]


def test_ids_stable_across_builds(example_repo: Path, run: Run, tmp_path: Path) -> None:
    first = build(run, example_repo, FIXED_NOW, tmp_path / "one")
    # A new notice arrives.
    write_notice(example_repo, "login-failures",
                 INCIDENT_OPEN.replace("[web]", "[customer-sites]"))
    second = build(run, example_repo, "2026-11-28T13:00:00Z", tmp_path / "two")
    for name in ("feed.xml", "atom.xml"):
        before = {e.title: e.id for e in parse(first / name).entries}
        after = {e.title: e.id for e in parse(second / name).entries}
        assert len(after) == len(before) + 2
        assert all(after[title] == item_id for title, item_id in before.items())


def test_same_input_same_bytes(example_repo: Path, run: Run, tmp_path: Path) -> None:
    first = build(run, example_repo, FIXED_NOW, tmp_path / "one")
    later = build(run, example_repo, "2026-11-28T18:30:00Z", tmp_path / "two")
    for name in ("feed.xml", "atom.xml", "components/customer-sites/atom.xml"):
        assert (first / name).read_bytes() == (later / name).read_bytes()


def test_feed_dates_come_from_newest_content(example_site: Path) -> None:
    rss = (example_site / "feed.xml").read_text()
    atom = (example_site / "atom.xml").read_text()
    # The newest visible update: Scheduled - 2026-11-27 09:00 CST.
    assert "<lastBuildDate>Fri, 27 Nov 2026 15:00:00 +0000</lastBuildDate>" in rss
    assert re.search(r"<feed[^>]*>\s*<id>[^<]*</id>\s*<title>[^<]*</title>\s*"
                     r"<updated>2026-11-27T15:00:00\+00:00</updated>", atom)
    feed = parse(example_site / "atom.xml")
    entry = next(e for e in feed.entries if e.title == "[Resolved] Digicert certificate reissue")
    assert entry.updated == "2024-07-30T19:25:00+00:00"
    rss_entry = next(e for e in parse(example_site / "feed.xml").entries
                     if e.title == entry.title)
    assert rss_entry.published == "Tue, 30 Jul 2024 19:25:00 +0000"


def test_links_point_at_update_anchors_on_the_notice_page(example_site: Path) -> None:
    for entry in parse(example_site / "atom.xml").entries:
        match = re.fullmatch(r"https://status\.example\.org/(notices/[a-z0-9-]+/)#(update-\w+)",
                             entry.link)
        assert match, entry.link
        page = (example_site / match[1] / "index.html").read_text()
        assert f'id="{match[2]}"' in page


def test_content_is_sanitized_html(empty_repo: Path, run: Run, tmp_path: Path) -> None:
    write_notice(empty_repo, "login-failures", INCIDENT_OPEN)
    site = build(run, empty_repo, FIXED_NOW, tmp_path / "site")
    for name in ("feed.xml", "atom.xml"):
        entry = parse(site / name).entries[0]
        html = entry.content[0].value if name == "atom.xml" else entry.description
        assert "We found the cause." in html
        assert "<script" not in html and "javascript:" not in html
        assert '<a href="https://status.example.org/notices/login-failures/#update-' in html
        assert "Affected: Web" in html


RELATIVE_LINKS = INCIDENT_OPEN.replace("We found the cause.", (
    "See [the notice list](../), [Web](/components/web/), [the first update]"
    "(#update-20261128T1100Z) and <a href=\"?view=print\">a printable page</a>."))


def item_html(feed: Path) -> list[str]:
    """Each item's HTML as the feed carries it: read as XML, not by a feed reader, which
    might resolve relative links itself."""
    tree = ET.parse(feed)
    found = tree.findall(".//{http://www.w3.org/2005/Atom}content") or tree.findall(
        ".//item/description")
    return [element.text or "" for element in found]


def test_links_in_items_are_absolute_resolved_against_the_notice_page(
        empty_repo: Path, run: Run, tmp_path: Path) -> None:
    write_notice(empty_repo, "login-failures", RELATIVE_LINKS)
    site = build(run, empty_repo, FIXED_NOW, tmp_path / "site")
    page = "https://status.example.org/notices/login-failures/"
    for name in ("feed.xml", "atom.xml", "components/web/feed.xml", "components/web/atom.xml"):
        newest = item_html(site / name)[0]
        assert all(is_absolute(url) for url in hrefs(newest)), (name, hrefs(newest))
        assert hrefs(newest) == [
            "https://status.example.org/notices/", "https://status.example.org/components/web/",
            f"{page}#update-20261128T1100Z", f"{page}?view=print",
            f"{page}#update-20261128T1130Z"]
    later = build(run, empty_repo, "2026-11-28T18:30:00Z", tmp_path / "later")
    for name in ("feed.xml", "atom.xml"):
        assert (site / name).read_bytes() == (later / name).read_bytes()


RIGHT_TO_LEFT = INCIDENT_OPEN.replace(
    "We found the cause. <script>alert(1)</script> [x](javascript:alert(1))",
    "\u05de\u05e6\u05d0\u05e0\u05d5 \u05d0\u05ea \u05d4\u05e1\u05d9\u05d1\u05d4 (DNS).\n\n"
    "- We found the cause.\n\n> \u05e9\u05dc\u05d5\u05dd")


def test_each_block_of_an_item_takes_its_own_direction(empty_repo: Path, run: Run,
                                                       tmp_path: Path) -> None:
    """A Hebrew or Arabic paragraph reads right to left on the pages (the stylesheet's
    unicode-bidi: plaintext); feed readers show no stylesheet, so the item's blocks say
    it: without, '(DNS).' came apart at the paragraph's left end."""
    write_notice(empty_repo, "login-failures", RIGHT_TO_LEFT)
    site = build(run, empty_repo, FIXED_NOW, tmp_path / "site")
    for name in ("feed.xml", "atom.xml", "components/web/atom.xml"):
        assert item_html(site / name)[0] == (
            '<p dir="auto"><strong>Identified</strong> - Nov 28, 2026, 5:30 AM CST</p>\n'
            '<p dir="auto">Affected: Web</p>\n'
            '<p dir="auto">\u05de\u05e6\u05d0\u05e0\u05d5 \u05d0\u05ea '
            '\u05d4\u05e1\u05d9\u05d1\u05d4 (DNS).</p>\n'
            '<ul>\n<li dir="auto">We found the cause.</li>\n</ul>\n'
            '<blockquote dir="auto">\n<p dir="auto">\u05e9\u05dc\u05d5\u05dd</p>\n</blockquote>\n'
            '<p dir="auto"><a href="https://status.example.org/notices/login-failures/'
            '#update-20261128T1130Z">Login failures</a></p>')


def test_the_update_calling_a_maintenance_off_reads_called_off(
        empty_repo: Path, run: Run, tmp_path: Path) -> None:
    """A Completed update posted before its window is announced as 'Called off', with
    what it would have affected, as the pages say: '[Completed] Web server move' days
    before the window read as work done early. One completed in its window is not."""
    write_notice(empty_repo, "web-move", MAINTENANCE_UPCOMING.replace(
        "## Scheduled", "## Completed - 2026-11-28 05:45\nPostponed to January.\n\n"
        "## Scheduled"))
    write_notice(empty_repo, "api-move", MAINTENANCE_UPCOMING.replace(
        "Web server move", "API move").replace("[web]", "[api]").replace(
        "## Scheduled", "## Completed - 2026-12-05 23:00\nDone.\n\n## Scheduled"))
    site = build(run, empty_repo, "2026-12-07T12:00:00Z", tmp_path / "site")
    for name in ("feed.xml", "atom.xml", "components/web/feed.xml"):
        feed = parse(site / name)
        titles = [e.title for e in feed.entries]
        assert "[Called off] Web server move" in titles and not any(
            title == "[Completed] Web server move" for title in titles), name
    items = dict(zip([e.title for e in parse(site / "atom.xml").entries],
                     item_html(site / "atom.xml"), strict=True))
    assert "<strong>Called off</strong>" in items["[Called off] Web server move"]
    assert ">Would have affected: Web</p>" in items["[Called off] Web server move"]
    assert ">Affected: API</p>" in items["[Completed] API move"]


def test_feed_items_setting_caps_the_feeds(example_repo: Path, run: Run,
                                           tmp_path: Path) -> None:
    config = example_repo / "outpost.yaml"
    config.write_text(config.read_text() + "feed_items: 3\n")
    site = build(run, example_repo, FIXED_NOW, tmp_path / "site")
    for name in ("feed.xml", "atom.xml", "components/customer-sites/feed.xml"):
        entries = parse(site / name).entries
        assert len(entries) == 3


def test_component_feeds_hold_only_their_notices(example_site: Path) -> None:
    support = parse(example_site / "components/support-portal/atom.xml")
    assert {e.title.split("] ", 1)[1] for e in support.entries} == {
        "Email delivery delays", "Support Portal maintenance"}
    assert len(support.entries) == 7
    assert support.feed.title == "Example Support Notifications: Support Portal"
    empty = parse(example_site / "components/campus-community/feed.xml")
    assert empty.entries == []
    newest = parse(example_site / "atom.xml").entries[0].updated
    empty_atom = parse(example_site / "components/campus-community/atom.xml")
    assert empty_atom.feed.updated == newest


@pytest.mark.parametrize(("now", "expected"), [
    ("2026-12-05T20:00:00Z", ["[Scheduled] Web server move"]),
    ("2026-12-06T04:30:00Z", ["[In progress] Web server move", "[Scheduled] Web server move"]),
    ("2026-12-06T09:00:00Z", ["[Completed] Web server move", "[In progress] Web server move",
                              "[Scheduled] Web server move"]),
])
def test_a_maintenance_window_posts_its_start_and_end_in_the_feeds(
        empty_repo: Path, run: Run, tmp_path: Path, now: str, expected: list[str]) -> None:
    """The window's own In progress and Completed, which its page and the API list: a
    reader following the feed learnt neither that the work began nor that it ended.
    Each item links to its update on the page, and keeps its id across builds."""
    write_notice(empty_repo, "2026-12-05-web-server-move", MAINTENANCE_UPCOMING)
    site = build(run, empty_repo, now, tmp_path / "site")
    page = (site / "notices/2026-12-05-web-server-move/index.html").read_text()
    for name in ("feed.xml", "components/web/atom.xml"):
        entries = parse(site / name).entries
        assert [e.title for e in entries] == expected
        for entry in entries:
            assert f'id="{entry.link.rpartition("#")[2]}"' in page, entry.link
    if len(expected) == 3:
        entry = parse(site / "feed.xml").entries[0]
        assert entry.id == ("tag:status.example.org,2026-12-06:notices/"
                            "2026-12-05-web-server-move/2026-12-06T08:00:00Z")
        assert "The scheduled maintenance has been completed." in entry.summary


def test_a_window_edge_an_update_announced_is_not_posted_twice(
        empty_repo: Path, run: Run, tmp_path: Path) -> None:
    write_notice(empty_repo, "2026-12-05-web-server-move", MAINTENANCE_UPCOMING.replace(
        "## Scheduled", "## In progress - 2026-12-05 21:55\nMoving now.\n\n## Scheduled"))
    site = build(run, empty_repo, "2026-12-06T04:30:00Z", tmp_path / "site")
    assert [e.title for e in parse(site / "feed.xml").entries] == [
        "[In progress] Web server move", "[Scheduled] Web server move"]
    assert "Moving now." in parse(site / "feed.xml").entries[0].summary


def test_a_component_feed_links_its_components_page(example_site: Path) -> None:
    """A reader shows a feed's link as the site it follows: a component's feed said the
    Open page, not the component's page that advertises the feed (<link rel=alternate>)."""
    page = "https://status.example.org/components/support-portal/"
    assert parse(example_site / "components/support-portal/feed.xml").feed.link == page
    assert parse(example_site / "components/support-portal/atom.xml").feed.link == page
    assert parse(example_site / "feed.xml").feed.link == "https://status.example.org/"
    assert parse(example_site / "atom.xml").feed.link == "https://status.example.org/"


def feed_dates(site: Path) -> dict[str, str]:
    """Each feed's own updated time (Atom) or lastBuildDate (RSS), as written."""
    dates = {}
    for path in sorted(site.rglob("*.xml")):
        found = re.search(r"<(?:lastBuildDate|updated)>([^<]+)<", path.read_text())
        assert found, path
        dates[path.relative_to(site).as_posix()] = found.group(1)
    return dates


def test_an_emptied_feed_is_not_dated_1970(small_repo: Path, run: Run,
                                           tmp_path: Path) -> None:
    """A component feed left empty says the site's newest update; a site left with no
    update at all says the build time, the same for the same --now."""
    site = tmp_path / "site"
    notice = small_repo / "notices" / "slow-sign-in.md"
    notice.write_text(notice.read_text().replace("[web]", "[api]"))
    build(run, small_repo, FIXED_NOW, site)
    posted = {"atom": "2026-11-28T11:00:00+00:00", "rss": "Sat, 28 Nov 2026 11:00:00 +0000"}
    assert feed_dates(site) == {
        "atom.xml": posted["atom"], "feed.xml": posted["rss"],
        "components/api/atom.xml": posted["atom"], "components/api/feed.xml": posted["rss"],
        "components/web/atom.xml": posted["atom"], "components/web/feed.xml": posted["rss"]}
    notice.unlink()
    build(run, small_repo, "2026-11-28T12:30:00Z", site)
    built = {"atom": "2026-11-28T12:30:00+00:00", "rss": "Sat, 28 Nov 2026 12:30:00 +0000"}
    assert set(feed_dates(site).values()) == set(built.values())
    for name in ("atom.xml", "components/web/atom.xml"):
        assert parse(site / name).entries == []
    again = build(run, small_repo, "2026-11-28T12:30:00Z", tmp_path / "again")
    assert feed_dates(again) == feed_dates(site)


def test_future_updates_stay_out(empty_repo: Path, run: Run, tmp_path: Path) -> None:
    write_notice(empty_repo, "web-move", MAINTENANCE_UPCOMING)
    early = build(run, empty_repo, "2026-11-21T15:00:00Z", tmp_path / "early")
    assert parse(early / "atom.xml").entries == []
    late = build(run, empty_repo, "2026-11-21T16:00:00Z", tmp_path / "late")
    assert [e.title for e in parse(late / "atom.xml").entries] == ["[Scheduled] Web server move"]


def test_pages_link_their_feeds(example_site: Path) -> None:
    for page, root in (("index.html", "./"), ("notices/2025-03-18-email-delivery-delays/"
                                              "index.html", "../../")):
        html = (example_site / page).read_text()
        assert (f'<link rel="alternate" type="application/rss+xml" title="Example Support '
                f'Notifications (RSS)" href="{root}feed.xml">') in html
        assert f'type="application/atom+xml" title="Example Support Notifications (Atom)" ' \
               f'href="{root}atom.xml">' in html
        assert 'type="text/calendar"' in html and f'href="{root}maintenance.ics"' in html


META = FeedMeta("tag:example.org,2024:feed", "T", "S", "https://example.org/",
                "https://example.org/feed.xml", "https://example.org/atom.xml")


def _item(item_id: str, moment: datetime) -> FeedItem:
    return FeedItem(item_id, item_id, "https://example.org/x", "<p>x</p>", moment, moment)


def test_writer_keeps_the_given_order() -> None:
    old = _item("tag:example.org,2024:a", datetime(2024, 1, 1, tzinfo=UTC))
    new = _item("tag:example.org,2024:b", datetime(2024, 2, 1, tzinfo=UTC))
    updated = datetime(2024, 2, 1, tzinfo=UTC)
    for writer in (write_rss, write_atom):
        ids = [e.id for e in feedparser.parse(writer(META, [old, new], updated)).entries]
        assert ids == ["tag:example.org,2024:a", "tag:example.org,2024:b"]


def test_writer_refuses_naive_datetimes() -> None:
    naive = datetime(2024, 1, 1)
    with pytest.raises(ValueError) as caught:
        write_rss(META, [], naive)
    assert str(caught.value) == (
        "the feed's updated time must be an aware datetime, got "
        "datetime.datetime(2024, 1, 1, 0, 0)")
    with pytest.raises(ValueError) as caught:
        write_atom(META, [_item("tag:x,2024:a", naive)], datetime(2024, 1, 1, tzinfo=UTC))
    assert str(caught.value) == (
        "published time of tag:x,2024:a must be an aware datetime, got "
        "datetime.datetime(2024, 1, 1, 0, 0)")


def test_updates_in_the_same_minute_get_distinct_ids(empty_repo: Path, run: Run,
                                                     tmp_path: Path) -> None:
    write_notice(empty_repo, "twice", (
        "---\ntitle: Twice\ntype: incident\nimpact: minor\n---\n"
        "## Identified - 2026-11-28 05:00\nFound it.\n\n"
        "## Investigating - 2026-11-28 05:00\nLooking.\n"))
    site = build(run, empty_repo, FIXED_NOW, tmp_path / "site")
    ids = [e.id for e in parse(site / "atom.xml").entries]
    assert len(ids) == 2 and len(set(ids)) == 2
    # The second update of a minute is '~2', as its anchor on the page and its
    # notification key (one rule: core.model.same_time_suffixes).
    assert ids[1].endswith("/2026-11-28T11:00:00Z") and ids[0].endswith("/2026-11-28T11:00:00Z~2")


@st.composite
def _views(draw: st.DrawFn) -> list[NoticeView]:
    """Notices whose updates and postmortems often share a minute, across notices too."""
    minutes = st.integers(min_value=0, max_value=6).map(
        lambda m: datetime(2026, 11, 28, 12, tzinfo=UTC) + timedelta(minutes=m))
    views = []
    for number in range(draw(st.integers(min_value=0, max_value=8))):
        times = sorted(draw(st.lists(minutes, min_size=1, max_size=5)), reverse=True)
        updates = tuple(Update(Status.UPDATE, at, f"u{index}", index)
                        for index, at in enumerate(times))
        postmortem = (Postmortem(draw(minutes), "pm", 99)
                      if draw(st.booleans()) else None)
        components = tuple(draw(st.lists(st.sampled_from(["a", "b"]), max_size=2,
                                          unique=True)))
        notice = Notice(f"n{draw(st.integers(0, 3))}-{number}", "p", "t", NoticeType.INCIDENT,
                        Impact.MINOR, components, "", updates, postmortem=postmortem)
        views.append(NoticeView(notice, updates, Status.UPDATE, False, times[-1], times[0],
                                postmortem))
    return views


@given(_views(), st.sampled_from([None, "a", "b", "c"]))
def test_feed_order_is_the_full_sort_of_every_item(views: list[NoticeView],
                                                    component: str | None) -> None:
    """The lazy merge of feed items gives exactly the order a full sort gives."""
    keyed = [(-u.at.timestamp(), v.notice.id, position, index, u)
             for index, v in enumerate(views) for position, u in enumerate(v.updates)]
    keyed += [(-v.postmortem.at.timestamp(), v.notice.id, -1, index, v.postmortem.as_update())
              for index, v in enumerate(views) if v.postmortem is not None]
    expected = [(views[index].notice.id, update) for *_, index, update in
                sorted(keyed, key=lambda k: k[:4])
                if component is None or component in views[index].notice.components]
    site = cast(Site, SimpleNamespace(snapshot=SimpleNamespace(
        open=(), closed=tuple(views), now=datetime(2026, 11, 28, 13, tzinfo=UTC))))
    got = [(p.notice.id, p.update) for p in _Ordered(site).posted(component)]
    assert got == expected


@pytest.mark.parametrize("now", ["2026-11-28T12:00:00Z", "2026-12-10T03:00:00Z"])
def test_feed_order_with_maintenance_windows_is_the_full_sort(tmp_path: Path, now: str
                                                              ) -> None:
    """With a maintenance's window edges among its updates, each notice's place in the
    merge is taken from its newest time alone until the merge reaches it: the order is
    still that of a full sort of every notice's timeline (windows past, under way and
    to come at these times)."""
    from bench import synth
    from generator.app import project
    from generator.build.inputs import load_valid
    from generator.build.options import BuildOptions
    from generator.core.statuspage import timeline_updates
    from generator.core.timeline import select
    from generator.render.feeds import site_feeds
    from generator.render.pages import make_site

    root = synth.make_repo(tmp_path / "repo", 300)
    web = synth.COMPONENTS[0][0]
    windows = [  # (start, end, updates as (status, time)), times in UTC
        (datetime(2026, 11, 20, 2, tzinfo=UTC), datetime(2026, 11, 20, 4, tzinfo=UTC), []),
        (datetime(2026, 11, 28, 11, tzinfo=UTC), datetime(2026, 12, 12, 1, tzinfo=UTC), []),
        (datetime(2026, 11, 27, 2, tzinfo=UTC), datetime(2026, 11, 27, 4, tzinfo=UTC),
         [("Completed", datetime(2026, 11, 27, 6, tzinfo=UTC))]),
        (datetime(2026, 12, 9, 2, tzinfo=UTC), datetime(2026, 12, 9, 4, tzinfo=UTC),
         [("In progress", datetime(2026, 12, 9, 1, 30, tzinfo=UTC))]),
    ]
    for number, (start, end, said) in enumerate(windows):
        lines = [f"## {status} - {synth.write_time(moment, synth.ZONE)}\nSaid.\n"
                 for status, moment in reversed(said)]
        (root / "notices" / f"window-{number}.md").write_text(
            f"---\ntitle: Window {number}\ntype: maintenance\ncomponents: [{web}]\n"
            f"start: {synth.write_time(start, synth.ZONE)}\n"
            f"end: {synth.write_time(end, synth.ZONE)}\n---\n" + "\n".join(lines)
            + f"\n## Scheduled - {synth.write_time(start - timedelta(days=5), synth.ZONE)}"
              "\nPlanned.\n")
    checked = load_valid(project(root), "", BuildOptions(cached=False, fork=False))
    at = datetime.fromisoformat(now.replace("Z", "+00:00"))
    site = make_site(checked.config, select(checked.notices, at, checked.config),
                     checked.notices, root, feeds=site_feeds(checked.config))
    views = (*site.snapshot.open, *site.snapshot.closed)
    assert any(len(timeline_updates(v, at)) > len(v.updates) for v in views)
    for component in (None, web):
        keyed = [(-u.at.timestamp(), v.notice.id, position, index, u)
                 for index, v in enumerate(views)
                 for position, u in enumerate(timeline_updates(v, at))]
        keyed += [(-v.postmortem.at.timestamp(), v.notice.id, -1, index,
                   v.postmortem.as_update())
                  for index, v in enumerate(views) if v.postmortem is not None]
        expected = [(views[index].notice.id, update.at, update.status, update.body)
                    for *_, index, update in sorted(keyed, key=lambda k: k[:4])
                    if component is None or component in views[index].notice.components]
        got = [(p.notice.id, p.update.at, p.update.status, p.update.body)
               for p in _Ordered(site).posted(component)]
        assert got == expected


def shown_text(detail: feedparser.FeedParserDict) -> str:
    """The text a reader shows for a title as feedparser hands it over: plain text as it
    is, HTML (which a title may only use to escape characters) rendered."""
    if detail.type == "text/plain":
        return cast(str, detail.value)
    assert detail.type == "text/html" and "<" not in detail.value, detail
    return html.unescape(detail.value)


# Titles with markup characters; feedparser guesses an RSS title with a close tag or a
# character reference to be HTML.
MARKUP_TITLES = ["Latency <50ms restored", "<script> shown as text", "AT&T &amp; links",
                 "A &lt; B", "<b>bold</b> tag", "Broken <img src=x> &copy; tags", "x &#38; y"]


def test_rss_titles_show_as_plain_text_and_atom_titles_stay_exact(
        empty_repo: Path, run: Run, tmp_path: Path) -> None:
    for number, title in enumerate(MARKUP_TITLES):
        quoted = title.replace('"', '\\"')
        write_notice(empty_repo, f"n{number}", (
            f'---\ntitle: "{quoted}"\ntype: incident\nimpact: minor\n---\n'
            f"## Investigating - 2026-11-28 05:0{number}\nLooking.\n"))
    site = build(run, empty_repo, FIXED_NOW, tmp_path / "site")
    expected = [f"[Investigating] {title}" for title in reversed(MARKUP_TITLES)]
    rss = parse(site / "feed.xml").entries
    assert [shown_text(entry.title_detail) for entry in rss] == expected
    atom = parse(site / "atom.xml").entries
    assert [(entry.title, entry.title_detail.type) for entry in atom] == [
        (title, "text/plain") for title in expected]


@given(st.text(st.sampled_from("&<>;#/=\"' ab1x"), min_size=1, max_size=20)
       .map(lambda text: f"t{text}t"))
def test_any_rss_title_shows_as_written(title: str) -> None:
    moment = datetime(2024, 1, 1, tzinfo=UTC)
    item = FeedItem("tag:example.org,2024:a", title, "https://example.org/x", "<p>x</p>",
                    moment, moment)
    meta = FeedMeta("tag:example.org,2024:feed", title, "S", "https://example.org/",
                    "https://example.org/feed.xml", "https://example.org/atom.xml")
    feed = feedparser.parse(write_rss(meta, [item], moment))
    assert not feed.bozo
    assert shown_text(feed.feed.title_detail) == title
    assert shown_text(feed.entries[0].title_detail) == title


def test_sites_on_one_host_under_different_paths_have_their_own_ids(
        empty_repo: Path, run: Run, tmp_path: Path) -> None:
    """Two sites on one host (https://example.com/a/ and /b/) showing a notice of the same
    name: a reader following both feeds must see two items, not one. A site at '/' keeps
    the ids it always had."""
    write_notice(empty_repo, "login-failures", INCIDENT_OPEN)
    config = empty_repo / "outpost.yaml"
    settings = config.read_text()
    ids = {}
    for path in ("/", "/a/", "/b/"):
        config.write_text(settings.replace("https://status.example.org/",
                                           f"https://example.com{path}"))
        site = build(run, empty_repo, FIXED_NOW, tmp_path / f"site{len(ids)}")
        rss, atom = parse(site / "feed.xml"), parse(site / "atom.xml")
        component = parse(site / "components/web/atom.xml")
        ids[path] = (atom.feed.id, component.feed.id, *(e.id for e in atom.entries),
                     *(e.id for e in rss.entries))
    assert ids["/"] == (
        "tag:example.com,2024:feed", "tag:example.com,2024:components/web/feed",
        *["tag:example.com,2026-11-28:notices/login-failures/2026-11-28T11:30:00Z",
          "tag:example.com,2026-11-28:notices/login-failures/2026-11-28T11:00:00Z"] * 2)
    assert ids["/a/"][:3] == ("tag:example.com,2024:a/feed",
                              "tag:example.com,2024:a/components/web/feed",
                              "tag:example.com,2026-11-28:a/notices/login-failures/"
                              "2026-11-28T11:30:00Z")
    every = [item_id for found in ids.values() for item_id in set(found)]
    assert len(every) == len(set(every))


# RFC 4151: 'tag:' authorityName ',' date ':' specific, the authority a DNS name (or an
# email address, which Outpost does not use).
_DNS_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_DNS_NAME = rf"{_DNS_LABEL}(?:\.{_DNS_LABEL})*"
TAG_URI = re.compile(rf"tag:({_DNS_NAME}),\d{{4}}(?:-\d\d(?:-\d\d)?)?:\S*")


@pytest.mark.parametrize(("base_url", "authority"), [
    ("https://status.example.org/", "status.example.org"),
    ("https://192.0.2.7/status/", "192.0.2.7"),
    ("https://[2001:db8::1]/status/",
     "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"),
    ("https://status.example.org./", "status.example.org"),  # a final dot: the same host
])
def test_feed_ids_are_tag_uris_naming_the_site_by_a_dns_name(
        empty_repo: Path, run: Run, tmp_path: Path, base_url: str, authority: str) -> None:
    """A tag URI's authority is a DNS name: an IPv6 address ('2001:db8::1', its colons
    read as the tag's own separators) is named by its reverse-lookup name."""
    config = empty_repo / "outpost.yaml"
    config.write_text(config.read_text().replace("https://status.example.org/", base_url))
    write_notice(empty_repo, "outage", INCIDENT_OPEN)
    site = build(run, empty_repo, FIXED_NOW, tmp_path / "site")
    for name in ("feed.xml", "atom.xml", "components/web/atom.xml"):
        feed = parse(site / name)
        ids = [entry.id for entry in feed.entries] + ([feed.feed.id] if "atom" in name else [])
        tags = [TAG_URI.fullmatch(item_id) for item_id in ids]
        assert {tag[1] if tag else None for tag in tags} == {authority}, ids
