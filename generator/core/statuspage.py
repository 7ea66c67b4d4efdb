"""Outpost's model in Statuspage's public v2 vocabulary: ids, components, incidents.

Pure functions of (config, snapshot); api.py turns them into files. The mapping is
documented in the README ("Statuspage-compatible API").
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cached_property
from operator import itemgetter
from typing import Any

from generator.core.history import first_day, midnight
from generator.core.model import (
    COMPONENT_TO_IMPACT,
    UNDER_WAY,
    Component,
    ComponentStatus,
    Config,
    Impact,
    Notice,
    NoticeType,
    Status,
    Update,
    same_time_suffixes,
)
from generator.core.timeline import NoticeView, Snapshot, standing_status
from generator.core.times import EPOCH, iso

Json = dict[str, Any]

_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
INDICATOR_DESCRIPTIONS = {
    Impact.NONE: "All Systems Operational",
    Impact.MINOR: "Minor Service Outage",
    Impact.MAJOR: "Partial System Outage",
    Impact.CRITICAL: "Major System Outage",
}
UNDER_MAINTENANCE = "Service Under Maintenance"
OPERATIONAL = ComponentStatus.OPERATIONAL.value
OPERATIONAL_RANK = ComponentStatus.OPERATIONAL.rank  # the least: no notice sets it
_COMPONENT_RANKS = {status: status.rank for status in ComponentStatus}


def base36_id(key: str) -> str:
    """A 12-character lowercase base-36 id derived from ``key`` (stable across builds)."""
    number = int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:10], "big")
    digits = []
    for _ in range(12):
        number, rest = divmod(number, 36)
        digits.append(_DIGITS[rest])
    return "".join(reversed(digits))


def notice_id(notice: Notice) -> str:
    return base36_id(f"notice:{notice.id}")


def update_id(notice: Notice, update: Update, ordinal: int) -> str:
    suffix = f"/{ordinal}" if ordinal else ""
    return base36_id(f"update:{notice.id}/{update.at.timestamp():.0f}{suffix}")


def automatic_update_id(notice: Notice, update: Update) -> str:
    return base36_id(f"automatic:{notice.id}/{update.at.timestamp():.0f}/{update.status.slug}")


def component_id(component: Component) -> str:
    return base36_id(f"component:{component.id}")


def group_id(name: str) -> str:
    return base36_id(f"group:{name}")


@dataclass(frozen=True)
class Api:
    """Everything the API objects are made from."""

    config: Config
    snapshot: Snapshot

    @cached_property
    def page_id(self) -> str:
        return base36_id(f"page:{self.config.base_url}")

    @cached_property
    def component_codes(self) -> dict[str, str]:
        """Each component's API id by its id in outpost.yaml, derived once: every
        incident object names its components again."""
        return {component.id: component_id(component) for component in self.config.components}

    @cached_property
    def component_rows(self) -> dict[str, Json]:
        """components(self) by id, computed once: every incident object embeds rows."""
        return {row["id"]: row for row in components(self)}

    @cached_property
    def status_changed(self) -> dict[str, datetime]:
        """Component id -> the last moment up to now its status changed: where a notice
        setting it began or ended and the worst status in effect was another after it
        than before (a notice leaving it operational, or one under a worse one, changes
        nothing)."""
        now = self.snapshot.now
        # (timestamp, moment, +1 as the notice began or -1 as it ended, status rank):
        # aware datetimes hash slowly, and this sees every notice of the site, so each
        # view's times and (unless set per component) its status are read once.
        edges: dict[str, list[tuple[float, datetime, int, int]]] = {}
        for view in self.views():
            period = in_effect(view, now)
            if period is None:
                continue
            began, ended = period
            notice = view.notice
            shared = (None if notice.set_statuses
                      else _COMPONENT_RANKS[notice.status_of(notice.components[0])]
                      if notice.components else OPERATIONAL_RANK)
            if shared == OPERATIONAL_RANK:
                continue
            start = (began.timestamp(), began, 1)
            end = (ended.timestamp(), ended, -1) if ended is not None else None
            for component in dict.fromkeys(notice.components):
                rank = (shared if shared is not None
                        else _COMPONENT_RANKS[notice.status_of(component)])
                if rank == OPERATIONAL_RANK:
                    continue
                found = edges.setdefault(component, [])
                found.append((*start, rank))
                if end is not None:
                    found.append((*end, rank))
        return {component: changed for component, found in edges.items()
                if (changed := _last_change(found)) is not None}

    @cached_property
    def records_begin(self) -> date | None:
        """The day of the site's first notice: a component's history begins then unless
        its ``since`` says otherwise (as api/uptime.json has it)."""
        return first_day((view.notice for view in self.views()), self.config.timezone)

    def time(self, moment: datetime | None) -> str | None:
        """ISO 8601 with milliseconds and the page's own offset, like Statuspage."""
        if moment is None:
            return None
        return iso(moment, self.config.timezone, "milliseconds")

    def views(self) -> tuple[NoticeView, ...]:
        return (*self.snapshot.open, *self.snapshot.closed)


def changed_at(item: NoticeView, now: datetime) -> datetime:
    """The last time up to ``now`` the notice changed: its newest visible update, a
    window edge or its postmortem's publication."""
    latest = item.updates[0].at  # updates are newest first
    # A maintenance's window changes it where it moved its components: as they went
    # under (not at the window's start when an update began it early, nor ever when it
    # was called off: its end is the Completed update, counted above) and as the
    # window's end took them back. An incident's edges are its updates.
    under = went_under(item) if item.notice.is_maintenance else None
    for edge in (() if under is None else (under, item.ended)):
        if edge is not None and latest < edge <= now:
            latest = edge
    if item.postmortem is not None and item.postmortem.at > latest:  # once published
        latest = item.postmortem.at
    return latest


def incident_status(item: NoticeView) -> str:
    """Statuspage's incident status: the latest status word, and ``postmortem`` for a
    resolved incident whose postmortem is published (an open incident keeps its live
    status: unresolved.json lists only investigating, identified and monitoring)."""
    if item.postmortem is not None and not item.is_open and not item.notice.is_maintenance:
        return Status.POSTMORTEM.slug
    return item.status.slug


def last_change(items: list[NoticeView], now: datetime) -> datetime:
    """The last time up to ``now`` any notice changed; the epoch before any did (typed
    clients refuse null, and the build's time would change with every rebuild)."""
    return max((changed_at(item, now) for item in items), default=EPOCH)


def page(api: Api) -> Json:
    config = api.config
    return {
        "id": api.page_id,
        "name": config.title,
        "url": config.base_url.rstrip("/"),
        "time_zone": config.timezone.key,
        "updated_at": api.time(last_change(list(api.views()), api.snapshot.now)),
    }


def status(api: Api) -> Json:
    """The indicator is the worst of the open incidents' impacts and the components'
    statuses: as on Statuspage, whose top-level status follows the components too, a
    component set worse than its incident's impact (or by a maintenance) counts."""
    snapshot = api.snapshot
    worst = max([snapshot.worst_impact or Impact.NONE,
                 *(COMPONENT_TO_IMPACT[state.status] for state in snapshot.components)],
                key=lambda impact: impact.rank)
    description = INDICATOR_DESCRIPTIONS[worst]
    maintaining = any(v.notice.is_maintenance and not v.is_upcoming for v in api.snapshot.open)
    if worst is Impact.NONE and maintaining:
        description = UNDER_MAINTENANCE
    return {"indicator": worst.value, "description": description}


def went_under(item: NoticeView) -> datetime | None:
    """When a maintenance first put its components under maintenance, as
    ``timeline.view`` has it: at its window's start or an earlier In progress (or
    Verifying) update, once posted; None if it was completed before (called off) or
    posted only after its window."""
    notice = item.notice
    assert notice.start is not None and notice.end is not None
    began = max(notice.start, notice_created(item))
    for update in reversed(item.updates):  # oldest first
        if update.at >= began:
            break
        if update.status is Status.COMPLETED:
            return None
        if update.status in UNDER_WAY:
            return update.at
    completed = next((u.at for u in reversed(item.updates) if u.status is Status.COMPLETED),
                     None)
    if began >= notice.end or (completed is not None and began >= completed):
        return None
    return began


def began_early(item: NoticeView) -> datetime | None:
    """When an In progress (or Verifying) update began a maintenance before its window
    opened, else None: its window alone would say nothing of since when it has been
    under way (at noon, 'Under maintenance' over '6:00 - 8:00 PM')."""
    if not item.notice.is_maintenance or item.notice.start is None:
        return None
    began = went_under(item)
    return began if began is not None and began < item.notice.start else None


def in_effect(item: NoticeView, now: datetime) -> tuple[datetime, datetime | None] | None:
    """When the notice set its components' status, up to ``now``: from an incident's
    posting or a maintenance's going under (``went_under``) until it ended (None: it
    still does); None if it never did."""
    began = (notice_created(item) if item.notice.type is NoticeType.INCIDENT
             else went_under(item))
    if began is None or began > now:
        return None
    ended = item.ended if item.ended is not None and item.ended <= now else None
    return began, ended


def _last_change(edges: list[tuple[float, datetime, int, int]]) -> datetime | None:
    """The last of ``edges`` (a notice setting a status of that rank beginning, +1, or
    ending, -1) at which the worst status in effect became another: read back from the
    end, where it is mostly found within a few edges."""
    edges.sort(key=itemgetter(0))
    active = [0] * len(ComponentStatus)  # notices in effect by status rank, at the end
    for _, _, step, rank in edges:
        active[rank] += step
    after = _worst(active)
    for index in range(len(edges) - 1, -1, -1):
        stamp, moment, step, rank = edges[index]
        active[rank] -= step
        if index and edges[index - 1][0] == stamp:
            continue  # the status before is read once every edge at this moment is undone
        before = _worst(active)
        if before != after:
            return moment
    return None


def _worst(active: list[int]) -> int:
    return max((rank for rank, count in enumerate(active) if count), default=OPERATIONAL_RANK)


def _component_changed(api: Api, component: str) -> datetime | None:
    return api.status_changed.get(component)


def components(api: Api) -> list[Json]:
    """Component rows in config order; each group's row comes before its members."""
    states = {state.component.id: state.status for state in api.snapshot.components}
    rows: list[Json] = []
    groups: dict[str, list[Component]] = {}
    for component in api.config.components:
        if component.group is not None:
            groups.setdefault(component.group, []).append(component)
    emitted: set[str] = set()
    for component in api.config.components:
        if component.group is not None and component.group not in emitted:
            emitted.add(component.group)
            members = groups[component.group]
            worst = max((states[m.id] for m in members), key=lambda s: s.rank)
            changed = [t for m in members if (t := _component_changed(api, m.id))]
            begun = min(_created(api, m) for m in members)
            rows.append(_row(api, group_id(component.group), component.group, worst.value,
                             None, begun, max(changed, default=None),
                             None, len(rows) + 1, None) | {
                "group": True, "components": [component_id(m) for m in members]})
            for member in members:
                rows.append(component_row(api, member, states[member.id], len(rows) + 1))
        elif component.group is None:
            rows.append(component_row(api, component, states[component.id], len(rows) + 1))
    return rows


def _row(api: Api, row_id: str, name: str, state: str, description: str | None,
         created: datetime, updated: datetime | None, group: str | None,
         position: int, start: date | None) -> Json:
    return {
        "id": row_id,
        "name": name,
        "status": state,
        "created_at": api.time(created),
        # No change yet, or only before its history began (its since): as it was created.
        "updated_at": api.time(created if updated is None else max(updated, created)),
        "position": position,
        "description": description,
        "showcase": True,
        "start_date": start.isoformat() if start is not None else None,  # a day, no time
        "group_id": group,
        "page_id": api.page_id,
        "group": False,
        "only_show_if_degraded": False,
    }


def _begins(api: Api, component: Component) -> date | None:
    """The first day of the component's history: Statuspage's start_date."""
    return component.since if component.since is not None else api.records_begin


def _created(api: Api, component: Component) -> datetime:
    """Midnight starting its history; the epoch on a site with no notice and no since
    (as page.updated_at: Statuspage never sends null here)."""
    begins = _begins(api, component)
    return EPOCH if begins is None else midnight(begins, api.config.timezone)


def component_row(api: Api, component: Component, state: ComponentStatus,
                  position: int) -> Json:
    group = group_id(component.group) if component.group is not None else None
    return _row(api, component_id(component), component.name, state.value,
                component.description, _created(api, component),
                _component_changed(api, component.id), group, position,
                _begins(api, component))


def _status_at(notice: Notice, update: Update, previous: Status | None) -> Status:
    """The Statuspage status an update stands for: 'Update' keeps the one in force, and
    a maintenance's window overrules the word as ``timeline.view`` does (Scheduled once
    it has opened, anything after its end, which completed it), so the newest update's
    status is the object's."""
    if notice.type is NoticeType.INCIDENT:
        if update.status is not Status.UPDATE:
            return update.status
        return previous or Status.INVESTIGATING
    if update.status is Status.UPDATE:  # the status in force, which the window may overrule
        update = replace(update, status=previous or Status.SCHEDULED)
    return standing_status(notice, update)


def _transitions(api: Api, notice: Notice, ending: bool) -> list[Json] | None:
    """Each listed component from operational to the status the notice gives it, or
    back when ``ending``; components the notice leaves operational do not move."""
    rows = []
    for cid in notice.components:
        component = api.config.component(cid)
        hit = notice.status_of(cid).value
        if component is not None and hit != OPERATIONAL:
            old, new = (hit, OPERATIONAL) if ending else (OPERATIONAL, hit)
            rows.append({"code": api.component_codes[cid], "name": component.name,
                         "old_status": old, "new_status": new})
    return rows or None


def _affected(api: Api, item: NoticeView, update: Update, status_now: Status, first: bool,
              started: bool) -> list[Json] | None:
    notice = item.notice
    if notice.type is NoticeType.INCIDENT:
        if status_now is Status.RESOLVED:
            # Posted resolved from its first update (recorded after the fact), it was
            # never in effect: nothing moved either way, as the component rows say.
            return None if first else _transitions(api, notice, ending=True)
        return _transitions(api, notice, ending=False) if first else None
    if status_now is Status.COMPLETED:  # called off, or after the window, it ends nothing
        return (_transitions(api, notice, ending=True)
                if went_under(item) is not None and update.at == item.ended else None)
    if status_now in UNDER_WAY and not started:  # the first: Verifying may come early too
        return _transitions(api, notice, ending=False)
    return None


AUTOMATIC_START = ("Scheduled maintenance is currently in progress. "
                   "We will provide updates as necessary.")
AUTOMATIC_END = "The scheduled maintenance has been completed."


def _window_edges(item: NoticeView, now: datetime) -> list[Update]:
    """The updates Statuspage's automation posts for a maintenance (its objects say
    scheduled_auto_in_progress and scheduled_auto_completed), oldest first: In progress
    when the window put its components under maintenance and Completed when the window's
    end took them back, once that time has come. Silent, as automated updates are."""
    notice = item.notice
    under = went_under(item) if notice.is_maintenance else None
    if under is None or under > now:
        return []
    assert notice.end is not None
    edges = [Update(Status.IN_PROGRESS, under, AUTOMATIC_START, 0, notify=False)]
    if item.ended == notice.end <= now:
        edges.append(Update(Status.COMPLETED, notice.end, AUTOMATIC_END, 0, notify=False))
    return edges


def _said(edge: Update, update: Update, status_now: Status) -> bool:
    """Whether staff's ``update`` (in force as ``status_now``) said what ``edge`` says."""
    if update.at > edge.at:
        return False
    if edge.status is Status.COMPLETED:
        return status_now is Status.COMPLETED
    return status_now in UNDER_WAY


def _statuses(item: NoticeView, now: datetime) -> list[tuple[Update, Status, int | None]]:
    """Oldest first: each visible update with the status it stands for and its ordinal
    among the updates at its time (None: a window edge), and among them the window
    edges no update announced (``_window_edges``)."""
    notice = item.notice
    # The ids hash '/1', '/2' for the second, third... update at one time: the rule of
    # anchors and feeds (same_time_suffixes), in the form these ids always had.
    ordinals = [int(suffix[1:]) - 1 if suffix else 0
                for suffix in reversed(same_time_suffixes(item.updates))]
    edges = _window_edges(item, now)
    entries: list[tuple[Update, Status, int | None]] = []
    previous: Status | None = None
    for index, update in enumerate((*reversed(item.updates), None)):
        while edges and (update is None or edges[0].at < update.at):
            edge = edges.pop(0)
            previous = edge.status
            entries.append((edge, previous, None))
        if update is not None:
            previous = _status_at(notice, update, previous)
            entries.append((update, previous, ordinals[index]))
            edges = [edge for edge in edges if not _said(edge, update, previous)]
    return entries


def _timeline(item: NoticeView, now: datetime) -> list[tuple[Update, Status, str]]:
    """``_statuses``, each with its id in the API."""
    notice = item.notice
    return [(update, status, automatic_update_id(notice, update) if ordinal is None
             else update_id(notice, update, ordinal))
            for update, status, ordinal in _statuses(item, now)]


def timeline_updates(item: NoticeView, now: datetime) -> list[Update]:
    """Newest first, the updates ``incident_updates`` lists: the visible ones and among
    them a maintenance's window edges no update announced (``_window_edges``)."""
    if not item.notice.is_maintenance:
        return list(item.updates)
    return [update for update, _, _ in reversed(_statuses(item, now))]


def timeline_newest(item: NoticeView, now: datetime) -> datetime | None:
    """When the newest of ``timeline_updates`` was posted, without working them out: a
    window edge later than every update is one no update announced."""
    notice = item.notice
    newest = item.updates[0].at if item.updates else None
    if not notice.is_maintenance:
        return newest
    # The edges are at the window's start (or at an update's time, when one began it
    # early) and at its end: none is later than the newest update when neither end is.
    if (newest is not None and notice.start is not None and notice.end is not None
            and max(notice.start, notice.end) <= newest):
        return newest
    return max([*([newest] if newest is not None else []),
                *(edge.at for edge in _window_edges(item, now))], default=None)


def incident_updates(api: Api, item: NoticeView) -> list[Json]:
    """The visible updates, newest first, each with its status in Statuspage's words; a
    maintenance's window edges no update announced come as Statuspage posts them."""
    notice = item.notice
    rows: list[Json] = []
    started = False
    incident_id = notice_id(notice)
    for index, (update, current, row_id) in enumerate(_timeline(item, api.snapshot.now)):
        at = api.time(update.at)
        rows.append({
            "id": row_id,
            "status": current.slug,
            "body": update.body.strip(),
            "incident_id": incident_id,
            "created_at": at,
            "updated_at": at,
            "display_at": at,
            "affected_components": _affected(api, item, update, current, index == 0, started),
            "deliver_notifications": update.notify,
            "custom_tweet": None,
            "tweet_id": None,
        })
        started = started or current in UNDER_WAY
    rows.reverse()
    return rows


def incident(api: Api, item: NoticeView) -> Json:
    """An incident or maintenance object with every field Statuspage sends."""
    notice = item.notice
    rows = api.component_rows
    members = [c for c in api.config.components if c.id in notice.components]
    created = notice_created(item)
    monitoring = next((u.at for u in reversed(item.updates) if u.status is Status.MONITORING),
                      None)
    resolved = item.ended if not item.is_open else None  # a late Completed: the end
    data: Json = {
        "id": notice_id(notice),
        "name": notice.title,
        "status": incident_status(item),
        "created_at": api.time(created),
        "updated_at": api.time(changed_at(item, api.snapshot.now)),
        "monitoring_at": api.time(monitoring),
        "resolved_at": api.time(resolved),
        "impact": "maintenance" if notice.is_maintenance else notice.impact.value,
        "shortlink": f"{api.config.base_url}notices/{notice.id}/",
        "started_at": api.time(created),
        "page_id": api.page_id,
        "incident_updates": incident_updates(api, item),
        "components": [rows[api.component_codes[c.id]] for c in members],
        "reminder_intervals": None,
    }
    if not notice.is_maintenance:  # published postmortems only
        data |= {"postmortem_body": item.postmortem.body.strip() if item.postmortem else None,
                 "postmortem_published_at": api.time(item.postmortem.at if item.postmortem
                                                     else None)}
    if notice.is_maintenance:
        data |= {
            "scheduled_for": api.time(notice.start),
            "scheduled_until": api.time(notice.end),
            "scheduled_remind_prior": False,
            "scheduled_reminded_at": None,
            "scheduled_auto_in_progress": True,
            "scheduled_auto_completed": True,
        }
    return data


def notice_created(item: NoticeView) -> datetime:
    return item.updates[-1].at
