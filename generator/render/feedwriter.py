"""RSS 2.0 and Atom 1.0 documents, written directly and deterministically.

The documents are, byte for byte, what feedgen 1.0 wrote for the same fields (an RSS
title a reader would take for HTML given to it as HTML): tests/test_feedwriter.py
compares the two on random feeds; feedgen is a test dependency only. Writing them here
costs a tenth of building an lxml tree through feedgen, and saves importing feedgen,
lxml and dateutil in every build that changes a feed. Every date is an argument (aware
datetimes only), entries keep the order given, and the output depends on the arguments
alone.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from generator.core.times import MONTHS

GENERATOR = "Outpost"
RSS_DOCS = "http://www.rssboard.org/rss-specification"  # feedgen's default <docs>
ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DECLARATION = "<?xml version='1.0' encoding='UTF-8'?>\n"

# Characters XML 1.0 cannot hold (as lxml refuses them, with its message).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
NOT_XML_MESSAGE = ("All strings must be XML compatible: Unicode or ASCII, no NULL bytes "
                   "or control characters")
# What makes a reader take an RSS title (text or HTML: RSS does not say) for HTML: a
# close tag or a character reference (feedparser's test, the most used reader library).
_READ_AS_HTML = re.compile(r"</\w+>|&#?\w+;")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


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

    @cached_property
    def html_text(self) -> str:
        """``html`` as element text: escaped once, for every document showing the item
        (the site's feeds and its components', RSS and Atom)."""
        return _text(self.html)


def _checked(value: str) -> str:
    if _NOT_XML.search(value):
        raise ValueError(NOT_XML_MESSAGE)
    return value


def _text(value: str) -> str:
    """Element text as libxml2 escapes it: &, <, > and carriage returns."""
    return html.escape(_checked(value), quote=False).replace("\r", "&#13;")


def _attribute(value: str) -> str:
    """An attribute value as libxml2 escapes it: also quotes and tabs and line breaks."""
    return (html.escape(_checked(value), quote=False).replace('"', "&quot;")
            .replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;"))


def _rss_title(value: str) -> str:
    """An RSS title that shows as written. A reader guesses whether a title is text or
    HTML; one it would take for HTML is written as HTML (escaped once more), so
    ``A &lt; B`` or ``<b>x</b>`` is shown, not rendered. Any other stays plain text,
    which readers take as it is."""
    return html.escape(value, quote=False) if _READ_AS_HTML.search(value) else value


def _aware(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime, got {moment!r}")
    return moment


def rfc2822(moment: datetime) -> str:
    """'Fri, 27 Nov 2026 15:00:00 +0000', in English whatever the locale."""
    return (f"{_DAYS[moment.weekday()]}, {moment.day:02d} {MONTHS[moment.month - 1]} "
            f"{moment.year:04d} {moment.strftime('%H:%M:%S %z')}")


def _element(indent: str, name: str, text: str) -> str:
    return f"{indent}<{name}>{_text(text)}</{name}>\n"


def write_rss(meta: FeedMeta, items: Sequence[FeedItem], updated: datetime) -> bytes:
    """RSS 2.0, items in the order given; lastBuildDate is ``updated``."""
    moment = rfc2822(_aware(updated, "the feed's updated time"))
    # Readers render an RSS description as HTML (item descriptions are HTML here): the
    # site title or a component name in it is text, so it is escaped like the items.
    parts = [
        DECLARATION,
        f'<rss xmlns:atom="{ATOM_NS}" xmlns:content="{CONTENT_NS}" version="2.0">\n',
        "  <channel>\n",
        _element("    ", "title", _rss_title(meta.title)),
        _element("    ", "link", meta.site_url),
        _element("    ", "description", html.escape(meta.subtitle, quote=False)),
        f'    <atom:link href="{_attribute(meta.rss_url)}" rel="self"/>\n',
        _element("    ", "docs", RSS_DOCS),
        _element("    ", "generator", GENERATOR),
        _element("    ", "language", meta.language) if meta.language else "",
        _element("    ", "lastBuildDate", moment),
    ]
    for item in items:
        published = rfc2822(_aware(item.published, f"published time of {item.id}"))
        _aware(item.updated, f"updated time of {item.id}")
        parts += [
            "    <item>\n",
            _element("      ", "title", _rss_title(item.title)),
            _element("      ", "link", item.link),
            f"      <description>{item.html_text}</description>\n",
            f'      <guid isPermaLink="false">{_text(item.id)}</guid>\n',
            _element("      ", "pubDate", published),
            "    </item>\n",
        ]
    parts += ["  </channel>\n", "</rss>\n"]
    return "".join(parts).encode("utf-8")


def write_atom(meta: FeedMeta, items: Sequence[FeedItem], updated: datetime) -> bytes:
    """Atom 1.0, entries in the order given; the feed's updated is ``updated``."""
    moment = _aware(updated, "the feed's updated time").isoformat()
    parts = [
        DECLARATION,
        f'<feed xmlns="{ATOM_NS}"'
        + (f' xml:lang="{_attribute(meta.language)}"' if meta.language else "") + ">\n",
        _element("  ", "id", meta.id),
        _element("  ", "title", meta.title),
        _element("  ", "updated", moment),
        "  <author>\n",
        _element("    ", "name", meta.title),
        "  </author>\n",
        f'  <link href="{_attribute(meta.site_url)}" rel="alternate"/>\n',
        f'  <link href="{_attribute(meta.atom_url)}" rel="self"/>\n',
        _element("  ", "generator", GENERATOR),
        _element("  ", "subtitle", meta.subtitle),
    ]
    for item in items:
        published = _aware(item.published, f"published time of {item.id}").isoformat()
        changed = _aware(item.updated, f"updated time of {item.id}").isoformat()
        parts += [
            "  <entry>\n",
            _element("    ", "id", item.id),
            _element("    ", "title", item.title),
            _element("    ", "updated", changed),
            f'    <content type="html">{item.html_text}</content>\n',
            # feedgen wrote an entry's link without its rel; alternate is the default.
            f'    <link href="{_attribute(item.link)}"/>\n',
            _element("    ", "published", published),
            "  </entry>\n",
        ]
    parts.append("</feed>\n")
    return "".join(parts).encode("utf-8")
