"""feed.xml (RSS 2.0) and atom.xml (Atom 1.0): one item per update, site-wide and per
component. Dates come from the content only, so equal inputs give equal bytes."""

from __future__ import annotations

import heapq
import html
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice

from generator.config.settings import reading_digest
from generator.core import times
from generator.core.model import (
    Component,
    Config,
    Notice,
    Status,
    Update,
    same_time_suffixes,
    update_stamp,
)
from generator.core.statuspage import timeline_newest, timeline_updates
from generator.core.timeline import affected_label, calls_off, update_word
from generator.render.calendar import CALENDAR
from generator.render.feedwriter import FeedItem, FeedMeta, write_atom, write_rss
from generator.render.markup import absolute_links, own_direction
from generator.render.pages import FeedLink, Site
from generator.render.produced import NoticePart, Page

RSS = "feed.xml"
ATOM = "atom.xml"


def site_feeds(config: Config) -> tuple[FeedLink, ...]:
    """The documents pages advertise with <link rel="alternate"> and in the footer."""
    return (
        FeedLink(RSS, "application/rss+xml", f"{config.title} (RSS)", "RSS"),
        FeedLink(ATOM, "application/atom+xml", f"{config.title} (Atom)", "Atom"),
        FeedLink(CALENDAR, "text/calendar", f"{config.title}: maintenance calendar",
                 "Maintenance calendar"),
    )


def component_feeds(config: Config, component: Component) -> tuple[FeedLink, ...]:
    """What a component's pages advertise first: its own feeds (a reader given the page
    subscribes to what it finds first)."""
    title = f"{config.title}: {component.name}"
    prefix = f"components/{component.id}/"
    return (FeedLink(prefix + RSS, "application/rss+xml", f"{title} (RSS)", "RSS"),
            FeedLink(prefix + ATOM, "application/atom+xml", f"{title} (Atom)", "Atom"))


@dataclass(frozen=True)
class Posted:
    """One visible update of one notice."""

    notice: Notice
    update: Update
    suffix: str  # '' unless earlier updates of the notice share its time: '~2', '~3'...


POSTMORTEM_POSITION = -1  # in _Ordered: the notice's postmortem, not one of its updates
POSTMORTEM_SUFFIX = "~postmortem"  # keeps its key apart from an update at the same time
# (-time, notice id, position, index): the order of feed items, newest first.
Key = tuple[float, str, int, int]


def update_anchor(posted: Posted) -> str:
    """The id the notice page gives this update (core.model.update_anchors), or
    'postmortem' for the postmortem (templates/notice.html)."""
    if posted.update.status is Status.POSTMORTEM:
        return "postmortem"
    return f"update-{update_stamp(posted.update.at)}{posted.suffix}"


def update_key(posted: Posted) -> str:
    """A stable key: the notice id and the update's time (UTC), plus the same-time suffix
    pages and notifications use ('~2', '~3')."""
    return f"{posted.notice.id}/{times.utc_iso(posted.update.at)}{posted.suffix}"


def item_id(config: Config, posted: Posted) -> str:
    day = posted.update.at.astimezone(UTC).strftime("%Y-%m-%d")
    return f"tag:{config.dns_name},{day}:{config.id_path}notices/{update_key(posted)}"


class _Ordered:
    """Every visible update, newest first (ties: notice id, then file order), merged
    lazily: at 10,000 notices there are 40,000 updates, and a feed shows a few dozen.
    Each notice's updates are stored newest first, so only each notice's next item
    waits in a heap, and only the items a feed shows become Posted objects.

    A maintenance's updates are those of its page and the API (``timeline_updates``):
    the In progress and Completed its window posted by itself when no update said so.
    A reader following the feed learnt neither that the work began nor that it ended."""

    def __init__(self, site: Site) -> None:
        self.items = (*site.snapshot.open, *site.snapshot.closed)
        self.now = site.snapshot.now
        # Each notice's updates as its feed items, worked out once the merge reaches it
        # (a maintenance's timeline: 23 us each, and a feed shows a few dozen notices).
        self._listed: dict[int, Sequence[Update]] = {}
        # Each notice's newest item; a sorted list is a heap, copied by each feed.
        self.heads = sorted(head for head in (self._next(index, 0, True)
                                              for index in range(len(self.items)))
                            if head is not None)
        self.heads_of: dict[str, list[Key]] = {}  # the same, for each component
        for head in self.heads:
            for component in dict.fromkeys(self.items[head[3]].notice.components):
                self.heads_of.setdefault(component, []).append(head)

    def _next(self, index: int, position: int, postmortem: bool) -> Key | None:
        """The key of notice ``index``'s next item: its update at ``position`` or, if
        ``postmortem`` is still to come, its postmortem, whichever sorts first. Equal
        times: the update earlier in a notice's list (newest first) is the later one,
        as on the notice page, and the postmortem comes before both."""
        item = self.items[index]
        notice_id = item.notice.id
        found: Key | None = None
        if position == 0 and index not in self._listed:  # its head: the time is enough
            newest = (timeline_newest(item, self.now) if item.notice.is_maintenance
                      else item.updates[0].at if item.updates else None)
            if newest is not None:
                found = (-newest.timestamp(), notice_id, 0, index)
        elif position < len(self.updates(index)):
            found = (-self.updates(index)[position].at.timestamp(), notice_id, position,
                     index)
        if postmortem and item.postmortem is not None:
            announced = (-item.postmortem.at.timestamp(), notice_id, POSTMORTEM_POSITION,
                         index)
            found = announced if found is None else min(found, announced)
        return found

    def updates(self, index: int) -> Sequence[Update]:
        """Newest first, notice ``index``'s updates, a maintenance's window edges no
        update announced among them (``timeline_updates``)."""
        found = self._listed.get(index)
        if found is None:
            item = self.items[index]
            found = self._listed[index] = (timeline_updates(item, self.now)
                                           if item.notice.is_maintenance else item.updates)
        return found

    def _suffixes(self, index: int) -> list[str]:
        """Each of the notice's updates' same-time suffix, as its page anchors it: ''
        for a window's own In progress or Completed, at a time no update shares."""
        item = self.items[index]
        own = same_time_suffixes(item.updates)
        updates = self.updates(index)
        if updates is item.updates:
            return own
        by_update = {id(update): suffix for update, suffix in zip(item.updates, own,
                                                                  strict=True)}
        return [by_update.get(id(update), "") for update in updates]

    def posted(self, component: str | None = None) -> Iterator[Posted]:
        """Newest first, lazily; only updates of notices on ``component`` if given."""
        items = self.items
        heap = list(self.heads if component is None else self.heads_of.get(component, ()))
        cursor: dict[int, tuple[int, bool]] = {}  # index -> (next position, postmortem due)
        suffixes: dict[int, list[str]] = {}
        while heap:
            _, _, position, index = heap[0]
            item = items[index]
            following, due = cursor.get(index, (0, True))
            if position == POSTMORTEM_POSITION and item.postmortem is not None:
                due = False
                yield Posted(item.notice, item.postmortem.as_update(), POSTMORTEM_SUFFIX)
            else:
                following = position + 1
                if index not in suffixes:
                    suffixes[index] = self._suffixes(index)
                yield Posted(item.notice, self.updates(index)[position],
                             suffixes[index][position])
            cursor[index] = (following, due)
            after = self._next(index, following, due)
            if after is None:
                heapq.heappop(heap)
            else:
                heapq.heapreplace(heap, after)


def _item(site: Site, posted: Posted) -> FeedItem:
    config, notice, update = site.config, posted.notice, posted.update
    page = f"{config.base_url}notices/{notice.id}/"
    link = f"{page}#{update_anchor(posted)}"
    zone = config.timezone
    # Read as 'Completed' days before its window, a maintenance called off was work done.
    called_off = calls_off(notice, update)
    word = update_word(notice, update)
    parts = [f"<p><strong>{html.escape(word)}</strong> - "
             f"{html.escape(times.display_with_zone(update.at, zone))}</p>"]
    if notice.start is not None:
        window = times.display_range(notice.start, notice.end, zone)
        parts.append(f"<p>Window: {html.escape(window)}</p>")
    names = [c.name for c in (config.component(cid) for cid in notice.components) if c]
    if names:
        parts.append(f"<p>{affected_label(called_off)}: {html.escape(', '.join(names))}</p>")
    # Feed readers show the item away from its page: links resolve against the page.
    parts.append(absolute_links(site.markdown(update.body), page))
    parts.append(f'<p><a href="{html.escape(link)}">{html.escape(notice.title)}</a></p>')
    return FeedItem(
        id=item_id(config, posted),
        title=f"[{word}] {notice.title}",
        link=link,
        html=own_direction("\n".join(parts)),
        published=update.at,
        updated=update.at,
    )


class _Items:
    """Feed items, each made once per build: an update is an item of the site's feeds
    and of each of its components' feeds."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.made: dict[str, FeedItem] = {}

    def __call__(self, posted: Posted) -> FeedItem:
        key = update_key(posted)
        found = self.made.get(key)
        if found is None:
            found = self.made[key] = _item(self.site, posted)
        return found


@dataclass(frozen=True)
class Empty:
    """What an empty feed gives as its updated time, and the input that stands for it."""

    at: datetime
    source: object


def empty_feed_time(site: Site, newest: Posted | None) -> Empty:
    """An empty feed's updated time: the site's newest update (``newest``), or with none
    the build time. Never 1970: a notice deleted, or one that stopped naming a component,
    left its feed dated decades back, as if it had been dead all along."""
    if newest is None:
        return Empty(site.now, site.now.isoformat())
    return Empty(newest.update.at, NoticePart(newest.notice.id, update_key(newest)))


def _documents(site: Site, items: _Items, settings: str, prefix: str, title: str,
               subtitle: str, feed_id: str, selected: Iterable[Posted],
               empty: Empty) -> dict[str, Page]:
    """The RSS and Atom documents: their inputs are the settings and the items they show
    (each standing for its notice's whole file), or ``empty``'s source if none."""
    shown = list(islice(selected, site.config.feed_items))
    inputs = (settings, *(NoticePart(p.notice.id, update_key(p)) for p in shown)) \
        if shown else (settings, empty.source)
    written: list[tuple[bytes, bytes]] = []  # both documents, built once if either misses

    def document(which: int) -> bytes:
        if not written:
            written.append(_write(site, prefix, title, subtitle, feed_id,
                                  [items(p) for p in shown], empty.at))
        return written[0][which]

    rss, atom = f"{prefix}{RSS}", f"{prefix}{ATOM}"
    return {rss: Page(inputs, lambda: document(0)), atom: Page(inputs, lambda: document(1))}


def _write(site: Site, prefix: str, title: str, subtitle: str, feed_id: str,
           items: list[FeedItem], empty_at: datetime) -> tuple[bytes, bytes]:
    config = site.config
    newest = max((i.updated for i in items), default=empty_at)
    meta = FeedMeta(
        id=feed_id,
        title=title,
        subtitle=subtitle,
        # The page the feed is about: a component's feed names its component's page,
        # which advertises the feed, as the site's feeds name the Open page.
        site_url=f"{config.base_url}{prefix}",
        rss_url=f"{config.base_url}{prefix}{RSS}",
        atom_url=f"{config.base_url}{prefix}{ATOM}",
        language=config.language,
    )
    return write_rss(meta, items, newest), write_atom(meta, items, newest)


def render_feeds(site: Site) -> dict[str, Page]:
    """feed.xml, atom.xml and components/<id>/{feed.xml,atom.xml}."""
    config = site.config
    settings = reading_digest(config)  # publish: and notify: are in no feed
    ordered = _Ordered(site)
    items = _Items(site)
    tag = f"tag:{config.dns_name},2024:{config.id_path}"
    empty = empty_feed_time(site, next(ordered.posted(), None))
    files = _documents(site, items, settings, "", config.title,
                       f"Every update from {config.title}", f"{tag}feed",
                       ordered.posted(), empty)
    for component in config.components:
        files.update(_documents(
            site, items, settings, f"components/{component.id}/",
            f"{config.title}: {component.name}", f"Every update about {component.name}",
            f"{tag}components/{component.id}/feed",
            ordered.posted(component.id), empty))
    return files
