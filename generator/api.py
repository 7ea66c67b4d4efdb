"""The Statuspage-compatible JSON API under api/v2/, plus api/history.json.

Same paths, shapes and vocabularies as Atlassian Statuspage's public v2 API, so
tools written for Statuspage read Outpost unchanged. Lists Statuspage caps at 50
keep that cap; api/history.json holds every visible notice.
"""

from __future__ import annotations

import json
from typing import Any

from generator.render import Site
from generator.select import NoticeView
from generator.statuspage import Api, Json, incident, notice_created, page, status

PREFIX = "api/v2/"
HISTORY = "api/history.json"
CAP = 50


def _dump(data: Json) -> bytes:
    # Compact, like Statuspage's own API: json's C encoder only runs without indent,
    # and history.json holds every notice (seconds per build at 10,000 with indent).
    return (json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def _newest_first(items: list[NoticeView]) -> list[NoticeView]:
    return sorted(items, key=lambda v: (-notice_created(v).timestamp(), v.notice.id))


def _by_window(items: list[NoticeView], newest_first: bool) -> list[NoticeView]:
    sign = -1 if newest_first else 1
    return sorted(items, key=lambda v: (sign * v.started.timestamp(), v.notice.id))


def render_api(site: Site) -> dict[str, bytes]:
    """Every api/v2/*.json file and api/history.json."""
    api = Api(site.config, site.snapshot)
    views = list(api.views())
    incidents = _newest_first([v for v in views if not v.notice.is_maintenance])
    maintenances = _by_window([v for v in views if v.notice.is_maintenance], True)
    unresolved = [v for v in incidents if v.is_open]
    upcoming = _by_window([v for v in maintenances if v.is_upcoming], False)
    active = _by_window([v for v in maintenances if v.is_open and not v.is_upcoming], False)

    def objects(items: list[NoticeView]) -> list[Json]:
        return [incident(api, item) for item in items]

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
    out = {PREFIX + name: _dump(data) for name, data in files.items()}
    out[HISTORY] = _dump(head | {"incidents": objects(incidents),
                                 "scheduled_maintenances": objects(maintenances)})
    return out
