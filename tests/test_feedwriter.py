"""The feed writer writes, byte for byte, what feedgen (an lxml tree) wrote for the same
fields (an RSS title a reader would take for HTML given as HTML): feedgen stays here as
the reference, on random feeds."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from feedgen.feed import FeedGenerator
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.render.feedwriter import (
    GENERATOR,
    NOT_XML_MESSAGE,
    FeedItem,
    FeedMeta,
    rfc2822,
    write_atom,
    write_rss,
)


def _reference(meta: FeedMeta, updated: datetime, items: Sequence[FeedItem]) -> FeedGenerator:
    """The fields as the writer was first built on feedgen."""
    feed = FeedGenerator()
    feed.id(meta.id)
    feed.title(meta.title)
    feed.subtitle(meta.subtitle)
    feed.description(meta.subtitle)
    feed.author({"name": meta.title})
    feed.language(meta.language)
    feed.generator(GENERATOR)
    feed.updated(updated)
    for item in items:
        entry = feed.add_entry(order="append")
        entry.id(item.id)
        entry.guid(item.id, permalink=False)
        entry.title(item.title)
        entry.link(href=item.link, rel="alternate")
        entry.published(item.published)
        entry.updated(item.updated)
    return feed


def rss_title(title: str) -> str:
    """What the writer gives feedgen as an RSS title: one a reader would take for HTML
    (a close tag or a character reference) written as HTML, to show as written."""
    return html.escape(title, quote=False) if re.search(r"</\w+>|&#?\w+;", title) else title


def reference_rss(meta: FeedMeta, items: Sequence[FeedItem], updated: datetime) -> bytes:
    feed = _reference(meta, updated, items)
    feed.title(rss_title(meta.title))
    feed.description(html.escape(meta.subtitle, quote=False))
    feed.link(href=meta.rss_url, rel="self")
    feed.link(href=meta.site_url, rel="alternate")
    for entry, item in zip(feed.entry(), items, strict=True):
        entry.title(rss_title(item.title))
        entry.description(item.html)
    data: bytes = feed.rss_str(pretty=True)
    return data


def reference_atom(meta: FeedMeta, items: Sequence[FeedItem], updated: datetime) -> bytes:
    feed = _reference(meta, updated, items)
    feed.link(href=meta.site_url, rel="alternate")
    feed.link(href=meta.atom_url, rel="self")
    for entry, item in zip(feed.entry(), items, strict=True):
        entry.content(item.html, type="html")
    data: bytes = feed.atom_str(pretty=True)
    return data


# Any text XML can hold, with the characters escaping must get right made likely.
XML_TEXT = st.text(
    st.one_of(st.sampled_from("&<>\"'\r\n\t ;#x]]>\u2013é漢😀\x7f\x85\u2028"),
              st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\ufffe\uffff",
                            max_codepoint=0x10FFFF)
              .filter(lambda c: c in "\t\n\r" or ord(c) >= 0x20)),
    min_size=1, max_size=30)
ZONES = st.sampled_from([UTC, timezone(timedelta(hours=-6)), timezone(timedelta(minutes=345)),
                         ZoneInfo("America/Chicago"), ZoneInfo("Australia/Lord_Howe")])
MOMENTS = st.builds(lambda when, zone: when.replace(tzinfo=UTC).astimezone(zone),
                    st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1)),
                    ZONES)
METAS = st.builds(FeedMeta, XML_TEXT, XML_TEXT, XML_TEXT, XML_TEXT, XML_TEXT, XML_TEXT,
                  st.one_of(st.just("en"), st.just(""), XML_TEXT))
ITEMS = st.lists(st.builds(FeedItem, XML_TEXT, XML_TEXT, XML_TEXT, XML_TEXT, MOMENTS, MOMENTS),
                 max_size=4)


@settings(max_examples=300, deadline=None)
@given(METAS, ITEMS, MOMENTS)
def test_rss_is_what_feedgen_wrote(meta: FeedMeta, items: list[FeedItem],
                                   updated: datetime) -> None:
    assert write_rss(meta, items, updated) == reference_rss(meta, items, updated)


@settings(max_examples=300, deadline=None)
@given(METAS, ITEMS, MOMENTS)
def test_atom_is_what_feedgen_wrote(meta: FeedMeta, items: list[FeedItem],
                                    updated: datetime) -> None:
    assert write_atom(meta, items, updated) == reference_atom(meta, items, updated)


def test_the_example_feed_is_what_feedgen_wrote() -> None:
    meta = FeedMeta("tag:status.example.org,2024:feed", "Example & Co <Support>",
                    "Every update from Example & Co", "https://status.example.org/",
                    "https://status.example.org/feed.xml",
                    "https://status.example.org/atom.xml?a=1&b=\"2\"")
    at = datetime(2026, 11, 27, 15, tzinfo=UTC)
    items = [FeedItem("tag:status.example.org,2026-11-27:notices/x/2026-11-27T15:00:00Z",
                      "[Scheduled] Campus &amp; <b>server</b> upgrade",
                      "https://status.example.org/notices/x/#update-20261127T1500Z",
                      "<p><strong>Scheduled</strong> - Nov 27</p>\n<p>Line\r\nbreak</p>",
                      at, at)]
    assert write_rss(meta, items, at) == reference_rss(meta, items, at)
    assert write_atom(meta, items, at) == reference_atom(meta, items, at)
    assert write_rss(meta, [], at) == reference_rss(meta, [], at)


@pytest.mark.parametrize("bad", ["\x00", "\x01", "\x0b", "\x1f", "\ufffe", "\ud800"])
def test_a_character_xml_cannot_hold_is_refused_as_feedgen_refused_it(bad: str) -> None:
    at = datetime(2026, 11, 27, 15, tzinfo=UTC)
    meta = FeedMeta("id", "title", "subtitle", "https://a/", "https://a/f", "https://a/a")
    item = FeedItem("id", f"a{bad}b", "https://a/n", "<p>x</p>", at, at)
    for write, reference in ((write_rss, reference_rss), (write_atom, reference_atom)):
        with pytest.raises(ValueError) as ours:
            write(meta, [item], at)
        with pytest.raises(ValueError) as theirs:
            reference(meta, [item], at)
        assert str(ours.value) == NOT_XML_MESSAGE
        if bad != "\ud800":  # lxml failed to encode a lone surrogate before checking it
            assert str(theirs.value) == NOT_XML_MESSAGE


def test_dates_are_english_whatever_the_locale() -> None:
    assert rfc2822(datetime(2026, 11, 27, 15, tzinfo=UTC)) == "Fri, 27 Nov 2026 15:00:00 +0000"
    chicago = datetime(2026, 7, 4, 9, 30, 5, tzinfo=ZoneInfo("America/Chicago"))
    assert rfc2822(chicago) == "Sat, 04 Jul 2026 09:30:05 -0500"
