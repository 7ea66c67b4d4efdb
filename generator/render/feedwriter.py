"""A small, deterministic wrapper around feedgen.

feedgen prepends entries by default, stamps ``lastBuildDate``/``updated`` with the
wall clock unless told otherwise, and names its own version as the generator. Here
every date is an argument (aware datetimes only), entries keep the order given,
and the output depends on the arguments alone.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENERATOR = "Outpost"


@dataclass(frozen=True)
class FeedMeta:
    id: str  # Atom feed id (a tag: URI)
    title: str
    subtitle: str
    site_url: str  # the page the feed describes
    rss_url: str  # absolute URLs of the two documents
    atom_url: str
    language: str = "en"


@dataclass(frozen=True)
class FeedItem:
    id: str  # stable: RSS guid and Atom id
    title: str
    link: str
    html: str  # already sanitized
    published: datetime
    updated: datetime


def _aware(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime, got {moment!r}")
    return moment


def _generator(meta: FeedMeta, updated: datetime, items: Sequence[FeedItem]) -> Any:
    from feedgen.feed import FeedGenerator

    feed = FeedGenerator()
    feed.id(meta.id)
    feed.title(meta.title)
    feed.subtitle(meta.subtitle)
    feed.description(meta.subtitle)
    feed.author({"name": meta.title})
    feed.language(meta.language)
    feed.generator(GENERATOR)
    feed.updated(_aware(updated, "the feed's updated time"))
    for item in items:
        entry = feed.add_entry(order="append")
        entry.id(item.id)
        entry.guid(item.id, permalink=False)
        entry.title(item.title)
        entry.link(href=item.link, rel="alternate")
        entry.published(_aware(item.published, f"published time of {item.id}"))
        entry.updated(_aware(item.updated, f"updated time of {item.id}"))
    return feed


def write_rss(meta: FeedMeta, items: Sequence[FeedItem], updated: datetime) -> bytes:
    """RSS 2.0, items in the order given; lastBuildDate is ``updated``."""
    feed = _generator(meta, updated, items)
    # Readers render an RSS description as HTML (item descriptions are HTML here): the
    # site title or a component name in it is text, so it is escaped like the items.
    feed.description(html.escape(meta.subtitle, quote=False))
    # feedgen takes the RSS <link> from the last link set: the site, not the feed.
    feed.link(href=meta.rss_url, rel="self")
    feed.link(href=meta.site_url, rel="alternate")
    for entry, item in zip(feed.entry(), items, strict=True):
        entry.description(item.html)
    data: bytes = feed.rss_str(pretty=True)
    return data


def write_atom(meta: FeedMeta, items: Sequence[FeedItem], updated: datetime) -> bytes:
    """Atom 1.0, entries in the order given; the feed's updated is ``updated``."""
    feed = _generator(meta, updated, items)
    feed.link(href=meta.site_url, rel="alternate")
    feed.link(href=meta.atom_url, rel="self")
    for entry, item in zip(feed.entry(), items, strict=True):
        entry.content(item.html, type="html")
    data: bytes = feed.atom_str(pretty=True)
    return data
