"""One page per component, components/<id>/index.html: its status now, its daily bars,
its uptime over 30/90/365 days, its open and past notices, and how to follow it."""

from __future__ import annotations

from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup

from generator.core.history import UPTIME_PERIODS
from generator.core.model import ComponentStatus
from generator.core.timeline import NoticeView
from generator.render.bars import LEGEND, figure_text
from generator.render.feeds import component_feeds
from generator.render.pages import (
    BARS_SCRIPT,
    STALENESS_SCRIPT,
    Site,
    closed_by_year,
    first_behind,
    page_html,
)
from generator.render.produced import Page

# What every component page shows beyond its context: constants of the code.
_COMPONENT_PAGE: dict[str, Any] = {
    "legend_items": LEGEND, "current_year": None,
    "staleness_script": Markup(STALENESS_SCRIPT), "bars_script": Markup(BARS_SCRIPT)}


# A component page's context that its other inputs give: the open notice behind its
# status (of open_items and status), the days with notices (of bar_row) and the feeds (of
# the component and the settings, which the chrome stands for).
_DERIVED = frozenset({"since", "notice_days", "feeds"})


def _by_year(items: list[NoticeView], zone: ZoneInfo) -> list[tuple[int, list[NoticeView]]]:
    """Closed notices by year, newest year first (as on Closed)."""
    return sorted(closed_by_year(items, zone).items(), reverse=True)


def render_component_pages(site: Site) -> dict[str, bytes | Page]:
    """components/<id>/index.html for every configured component."""
    config, snapshot = site.config, site.snapshot
    states = {s.component.id: s.status for s in snapshot.components}
    files: dict[str, bytes | Page] = {}
    # Each component's open and past notices, in the snapshot's order: one pass each.
    open_of: dict[str, list[NoticeView]] = {c.id: [] for c in config.components}
    past_of: dict[str, list[NoticeView]] = {c.id: [] for c in config.components}
    for views, lists in ((snapshot.open, open_of), (snapshot.closed, past_of)):
        for view in views:
            for component_id in dict.fromkeys(view.notice.components):
                if component_id in lists:
                    lists[component_id].append(view)
    for component, history in zip(config.components, site.histories, strict=True):
        bar_row = site.bar_rows[component.id]
        figures = tuple((days, figure_text(history.uptime(days))) for days in UPTIME_PERIODS)
        open_items = tuple(open_of[component.id])
        past = past_of[component.id]
        by_year = _by_year(past, config.timezone)
        year_counts = tuple((year, len(items)) for year, items in by_year)
        # Like Closed: the most recent closed_recent here, then a page per year.
        paged = len(past) > config.closed_recent
        past_years = _by_year(past[:config.closed_recent], config.timezone) if paged else by_year
        years = year_counts if paged else ()
        notice_days = tuple(b for b in reversed(bar_row.bars) if b.notices)
        shown_titles = {n: site.titles[n] for b in notice_days for n in b.notices}
        status = states.get(component.id, ComponentStatus.OPERATIONAL)
        # Said beside the status: below it, the open notices' own times fall off a
        # small phone's first screen under a long name or title.
        since = first_behind(open_items, {component.id}, status)
        feeds = (*component_feeds(config, component), *site.feeds)
        # The page says when it was built, as the Open page does: a contact sent here by a
        # feed, a bookmark or an embed must see that "Operational" is not days old. So
        # the build time is an input: every build at a new time writes it again.
        context: dict[str, Any] = {
            "component": component, "status": status, "since": since, "bar_row": bar_row,
            "figures": figures, "open_items": open_items, "past_years": past_years,
            "notice_days": notice_days, "titles": shown_titles, "years": years,
            "feeds": feeds, "updated": site.now}
        # What the page shows is the chrome and its context (the rest is the code's),
        # but for what the other inputs give: a repr of each bar and feed link would
        # cost more than the rest of the key.
        files[f"components/{component.id}/index.html"] = Page(
            (site.chrome, *(value for name, value in context.items()
                            if name not in _DERIVED)),
            partial(page_html, site, "component.html", "../../", "", **context,
                    **_COMPONENT_PAGE))
        for year, items in by_year if paged else ():
            year_context: dict[str, Any] = {
                "component": component,
                # Named for what it lists, as "Closed Notifications: 2026" is: in a
                # browser tab "Web: 2026" said nothing of it.
                "heading": f"{component.name}: past notices of {year}", "items": items,
                "years": year_counts, "current_year": year, "feeds": feeds}
            files[f"components/{component.id}/{year}/index.html"] = Page(
                (site.chrome, component, items, year_counts, year),
                partial(page_html, site, "component_year.html", "../../../", "",
                        **year_context))
    return files
