"""The Statuspage-compatible JSON API under api/v2/, plus api/history.json.

Same paths, shapes and vocabularies as Atlassian Statuspage's public v2 API, so
tools written for Statuspage read Outpost unchanged. Lists Statuspage caps at 50
keep that cap. Every visible notice is in api/history/<year>.json (by the year it
started, in the site's zone), listed by api/history.json: one file per year, so a
new update rewrites (and a publish uploads) this year's file, not all of history.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from generator.config.settings import reading_digest
from generator.core.statuspage import Api, Json, incident, notice_created, page, status
from generator.core.timeline import NoticeView
from generator.core.times import local_year
from generator.render.pages import Site
from generator.render.produced import Page

PREFIX = "api/v2/"
HISTORY = "api/history.json"
HISTORY_YEAR = "api/history/{year}.json"
CAP = 50


def _compact(data: Any) -> str:
    # Compact, like Statuspage's own API: json's C encoder only runs without indent,
    # and history.json holds every notice (seconds per build at 10,000 with indent).
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


class Raw(list[str]):
    """A JSON array whose items are already encoded (compactly)."""


def _dump(data: Json) -> bytes:
    """``_compact(data)`` plus a newline, with Raw values spliced in as they are."""
    fields = [_compact(name) + ":" + (
        "[" + ",".join(value) + "]" if isinstance(value, Raw) else _compact(value))
        for name, value in data.items()]
    return ("{" + ",".join(fields) + "}\n").encode("utf-8")


Parts = tuple[str, tuple[str, ...], str]


def incident_parts(api: Api, item: NoticeView) -> Parts:
    """``incident(api, item)`` encoded around its "components": the component rows
    change with every notice on a component, the rest only with this notice."""
    data = incident(api, item)
    names = list(data)
    cut = names.index("components")
    head = _compact({name: data[name] for name in names[:cut]})[:-1]
    tail = _compact({name: data[name] for name in names[cut + 1:]})[1:]
    return head, tuple(row["id"] for row in data["components"]), tail


def _fragment_key(api: Api, item: NoticeView, settings: str, digests: Mapping[str, str]
                  ) -> str | None:
    """Every input of ``incident_parts`` but the component rows (None: don't reuse)."""
    digest = digests.get(item.notice.id, "")
    if len(digest) != 64:  # not a sha256: the file changed while it was read
        return None
    parts = (settings, digest, tuple(u.at.timestamp() for u in item.updates),
             item.status.value, item.is_open, item.started.timestamp(),
             item.ended.timestamp() if item.ended else None,
             *_phase(item, api.snapshot.now), item.postmortem is not None)
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _phase(item: NoticeView, now: datetime) -> tuple[bool, bool]:
    """What ``now`` changes in a notice's API object: whether its window has started,
    and whether it has ended."""
    return (item.notice.start is not None and item.notice.start <= now,
            item.ended is not None and item.ended <= now)


class Objects:
    """Encoded incident objects, each made once per build (or reused from the last)."""

    def __init__(self, site: Site, api: Api) -> None:
        self.api = api
        self.fragments = site.fragments
        self.digests = site.notice_digests
        self.settings = reading_digest(site.config)
        self.zone = site.config.timezone
        self.rows = {row_id: _compact(row) for row_id, row in api.component_rows.items()}
        self.done: dict[str, str] = {}

    def encoded(self, item: NoticeView) -> str:
        notice_id = item.notice.id
        if notice_id not in self.done:
            key = _fragment_key(self.api, item, self.settings, self.digests)
            head, ids, tail = self.fragments.get(
                notice_id, key, lambda: incident_parts(self.api, item),
                str(local_year(item.started, self.zone)))  # as the year files group
            rows = "[" + ",".join(self.rows[row_id] for row_id in ids) + "]"
            joint = "}" if tail == "}" else "," + tail
            self.done[notice_id] = f'{head},"components":{rows}{joint}'
        return self.done[notice_id]

    def __call__(self, items: list[NoticeView]) -> Raw:
        return Raw(self.encoded(item) for item in items)


def _newest_first(items: list[NoticeView]) -> list[NoticeView]:
    return sorted(items, key=lambda v: (-notice_created(v).timestamp(), v.notice.id))


def _by_window(items: list[NoticeView], newest_first: bool) -> list[NoticeView]:
    sign = -1 if newest_first else 1
    return sorted(items, key=lambda v: (sign * v.started.timestamp(), v.notice.id))


def render_api(site: Site) -> dict[str, bytes | Page]:
    """Every api/v2/*.json file and api/history.json."""
    api = Api(site.config, site.snapshot)
    views = list(api.views())
    incidents = _newest_first([v for v in views if not v.notice.is_maintenance])
    maintenances = _by_window([v for v in views if v.notice.is_maintenance], True)
    unresolved = [v for v in incidents if v.is_open]
    upcoming = _by_window([v for v in maintenances if v.is_upcoming], False)
    active = _by_window([v for v in maintenances if v.is_open and not v.is_upcoming], False)

    objects = Objects(site, api)
    head: dict[str, Any] = {"page": page(api)}
    state = status(api)
    rows = list(api.component_rows.values())  # computed once, shared with incidents
    files = {
        "summary.json": head | {"status": state, "components": rows,
                                "incidents": objects(unresolved),
                                "scheduled_maintenances": objects(active + upcoming)},
        "status.json": head | {"status": state},
        "components.json": head | {"components": rows},
        "incidents.json": head | {"incidents": objects(incidents[:CAP])},
        "incidents/unresolved.json": head | {"incidents": objects(unresolved)},
        "scheduled-maintenances.json": head | {
            "scheduled_maintenances": objects(maintenances[:CAP])},
        "scheduled-maintenances/upcoming.json": head | {
            "scheduled_maintenances": objects(upcoming)},
        "scheduled-maintenances/active.json": head | {
            "scheduled_maintenances": objects(active)},
    }
    out: dict[str, bytes | Page] = {PREFIX + name: _dump(data) for name, data in files.items()}
    out.update(_history(site, head, objects, incidents, maintenances))
    return out


def _history(site: Site, head: dict[str, Any], objects: Objects, incidents: list[NoticeView],
             maintenances: list[NoticeView]) -> dict[str, bytes | Page]:
    """api/history.json (the list of years) and api/history/<year>.json (every notice
    that started that year). Year files carry no ``page``: its updated_at changes with
    every update and would make every year's file change. A year's file is a Page: a
    build that changed nothing in it (most years, most builds) does not encode it."""
    zone = site.config.timezone
    now = site.now
    years: dict[int, tuple[list[NoticeView], list[NoticeView]]] = {}
    for index, items in enumerate((incidents, maintenances)):
        for item in items:
            years.setdefault(local_year(item.started, zone), ([], []))[index].append(item)
    out: dict[str, bytes | Page] = {}
    listed = []
    shared = (objects.settings, tuple(objects.rows.values()))
    for year in sorted(years, reverse=True):
        year_incidents, year_maintenances = years[year]
        path = HISTORY_YEAR.format(year=year)
        listed.append({"year": year, "incidents": len(year_incidents),
                       "scheduled_maintenances": len(year_maintenances),
                       "url": site.config.base_url + path})
        out[path] = Page(
            (shared, year, _phases(year_incidents, now), _phases(year_maintenances, now)),
            lambda year=year, a=year_incidents, b=year_maintenances: _dump(  # type: ignore[misc]
                {"year": year, "incidents": objects(a), "scheduled_maintenances": objects(b)}))
    out[HISTORY] = _dump(head | {"years": listed})
    return out


def _phases(items: list[NoticeView], now: datetime) -> tuple[list[NoticeView], str]:
    """The views, and what ``now`` changes in each one's API object (two flags each)."""
    flags = "".join(f"{int(started)}{int(ended)}"
                    for started, ended in (_phase(item, now) for item in items))
    return items, flags
