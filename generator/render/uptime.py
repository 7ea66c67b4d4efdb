"""api/uptime.json: each component's daily worst status, minutes per status and uptime
figures, for dashboards (Outpost's own, not a Statuspage path).

Uptime follows Statuspage's rule (core/history.py): a major outage counts its whole
duration as downtime, a partial outage 30 %, degraded performance and maintenance none;
days before a component's history begins are left out. Figures are percentages cut
(never rounded up) to four decimals.
"""

from __future__ import annotations

import json
from datetime import datetime
from fractions import Fraction
from typing import Any

from generator.core.history import DOWNTIME_TENTHS, UPTIME_PERIODS, ComponentHistory, Day, percent
from generator.core.model import ComponentStatus, Config
from generator.core.times import iso
from generator.render.bars import NO_DATA
from generator.render.pages import Site

UPTIME = "api/uptime.json"


def _minutes(seconds: int) -> int | float:
    """Whole minutes as an integer; seconds (today, cut at the build time) as two decimals."""
    return seconds // 60 if seconds % 60 == 0 else round(seconds / 60, 2)


def _figure(value: Fraction | None) -> float | None:
    return None if value is None else float(percent(value, 4))


def _day(day: Day) -> dict[str, Any]:
    if not day.has_data:
        return {"date": day.day.isoformat(), "status": NO_DATA, "minutes": {}, "notices": []}
    return {"date": day.day.isoformat(), "status": day.worst.value,
            "minutes": {status.value: _minutes(count) for status, count in day.seconds},
            "notices": list(day.notices)}


def uptime_document(config: Config, histories: tuple[ComponentHistory, ...],
                    now: datetime) -> bytes:
    """The JSON of api/uptime.json: deterministic for the same notices, settings and now."""
    names = {c.id: c.name for c in config.components}
    components = []
    for history in histories:
        shown = history.last(config.history_days)
        components.append({
            "id": history.component_id,
            "name": names[history.component_id],
            "since": None if history.since is None else history.since.isoformat(),
            "uptime": {str(count): _figure(history.uptime(count))
                       for count in sorted({config.history_days, *UPTIME_PERIODS})},
            "days": [_day(day) for day in shown],
        })
    data = {
        "generated_at": iso(now, config.timezone),
        "time_zone": config.timezone.key,
        "days": config.history_days,
        "rule": {status.value: tenths / 10 for status, tenths in DOWNTIME_TENTHS.items()
                 if status is not ComponentStatus.OPERATIONAL},
        "components": components,
    }
    # Compact, like the API: json's C encoder only runs without indent (365 days of ten
    # components took a tenth of a one-update rebuild with indent).
    return (json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def render_uptime(site: Site) -> dict[str, bytes]:
    """api/uptime.json."""
    return {UPTIME: uptime_document(site.config, site.histories, site.now)}
