"""The Statuspage-compatible API, validated with jsonschema against schemas written
from the reference (tests/schemas/), plus the Outpost -> Statuspage mapping."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from generator.core.statuspage import base36_id
from tests.conftest import FIXED_NOW, Run
from tests.feeds_support import (
    INCIDENT_OPEN,
    MAINTENANCE_ACTIVE,
    MAINTENANCE_UPCOMING,
    build,
    write_notice,
)

SCHEMAS = Path(__file__).parent / "schemas"
API_FILES = {
    "api/v2/summary.json": "summary.json",
    "api/v2/status.json": "status.json",
    "api/v2/components.json": "components.json",
    "api/v2/incidents.json": "incidents.json",
    "api/v2/incidents/unresolved.json": "incidents-unresolved.json",
    "api/v2/scheduled-maintenances.json": "scheduled-maintenances.json",
    "api/v2/scheduled-maintenances/upcoming.json": "scheduled-maintenances-upcoming.json",
    "api/v2/scheduled-maintenances/active.json": "scheduled-maintenances-active.json",
    "api/history.json": "history.json",
    "api/history/2026.json": "history-year.json",
}


def validator(schema_name: str) -> Draft202012Validator:
    registry: Registry[Any] = Registry()
    for path in SCHEMAS.glob("*.json"):
        contents = json.loads(path.read_text())
        registry = registry.with_resource(contents["$id"], Resource.from_contents(contents))
    schema = json.loads((SCHEMAS / schema_name).read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, registry=registry)


def load(site: Path, path: str) -> Any:
    return json.loads((site / path).read_text(encoding="utf-8"))


@pytest.fixture
def busy_site(empty_repo: Path, run: Run, tmp_path: Path) -> Path:
    write_notice(empty_repo, "login-failures", INCIDENT_OPEN)
    write_notice(empty_repo, "api-upgrade", MAINTENANCE_ACTIVE)
    write_notice(empty_repo, "web-move", MAINTENANCE_UPCOMING)
    return build(run, empty_repo, FIXED_NOW, tmp_path / "site")


@pytest.mark.parametrize("path", sorted(API_FILES))
def test_example_api_files_match_the_schemas(example_repo: Path, run: Run, tmp_path: Path,
                                             path: str) -> None:
    site = build(run, example_repo, FIXED_NOW, tmp_path / "site")
    errors = list(validator(API_FILES[path]).iter_errors(load(site, path)))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]


@pytest.mark.parametrize("path", sorted(API_FILES))
def test_busy_api_files_match_the_schemas(busy_site: Path, path: str) -> None:
    errors = list(validator(API_FILES[path]).iter_errors(load(busy_site, path)))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]


def test_schema_rejects_a_missing_field_and_a_wrong_vocabulary(busy_site: Path) -> None:
    summary = load(busy_site, "api/v2/summary.json")
    check = validator("summary.json")
    del summary["incidents"][0]["monitoring_at"]
    summary["components"][1]["status"] = "down"
    messages = sorted(e.message for e in check.iter_errors(summary))
    assert any("'monitoring_at' is a required property" in m for m in messages), messages
    assert any("'down' is not one of" in m for m in messages), messages


def test_mapping_of_open_notices(busy_site: Path) -> None:
    summary = load(busy_site, "api/v2/summary.json")
    assert summary["status"] == {"indicator": "major", "description": "Partial System Outage"}
    statuses = {c["name"]: c["status"] for c in summary["components"]}
    # Major impact -> partial_outage; the in-progress window -> under_maintenance;
    # the upcoming window changes nothing before it starts.
    assert statuses == {"Web": "partial_outage", "API": "under_maintenance"}
    assert [i["name"] for i in summary["incidents"]] == ["Login failures"]
    assert [(m["name"], m["status"]) for m in summary["scheduled_maintenances"]] == [
        ("API upgrade", "in_progress"), ("Web server move", "scheduled")]
    active = load(busy_site, "api/v2/scheduled-maintenances/active.json")
    upcoming = load(busy_site, "api/v2/scheduled-maintenances/upcoming.json")
    assert [m["name"] for m in active["scheduled_maintenances"]] == ["API upgrade"]
    assert [m["name"] for m in upcoming["scheduled_maintenances"]] == ["Web server move"]
    incident = summary["incidents"][0]
    assert incident["status"] == "identified"
    assert incident["impact"] == "major"
    assert incident["shortlink"] == "https://status.example.org/notices/login-failures/"
    assert incident["created_at"] == "2026-11-28T05:00:00.000-06:00"
    assert incident["resolved_at"] is None
    assert [u["status"] for u in incident["incident_updates"]] == ["identified", "investigating"]
    first = incident["incident_updates"][-1]
    assert first["affected_components"] == [{
        "code": base36_id("component:web"), "name": "Web",
        "old_status": "operational", "new_status": "partial_outage"}]
    assert incident["incident_updates"][0]["affected_components"] is None
    assert [c["name"] for c in incident["components"]] == ["Web"]
    assert incident["components"][0]["status"] == "partial_outage"
    window = summary["scheduled_maintenances"][0]
    assert window["scheduled_for"] == "2026-11-28T05:00:00.000-06:00"
    assert window["scheduled_until"] == "2026-11-28T09:00:00.000-06:00"
    assert window["impact"] == "maintenance"


def test_maintenance_alone_is_described_as_under_maintenance(empty_repo: Path, run: Run,
                                                             tmp_path: Path) -> None:
    write_notice(empty_repo, "api-upgrade", MAINTENANCE_ACTIVE)
    site = build(run, empty_repo, FIXED_NOW, tmp_path / "site")
    assert load(site, "api/v2/status.json")["status"] == {
        "indicator": "none", "description": "Service Under Maintenance"}


@pytest.mark.parametrize(("impact", "indicator", "description", "component"), [
    ("none", "none", "All Systems Operational", "operational"),
    ("minor", "minor", "Minor Service Outage", "degraded_performance"),
    ("major", "major", "Partial System Outage", "partial_outage"),
    ("critical", "critical", "Major System Outage", "major_outage"),
])
def test_impact_sets_indicator_and_component_status(
        empty_repo: Path, run: Run, tmp_path: Path, impact: str, indicator: str,
        description: str, component: str) -> None:
    write_notice(empty_repo, "outage", INCIDENT_OPEN.replace("impact: major",
                                                             f"impact: {impact}"))
    site = build(run, empty_repo, FIXED_NOW, tmp_path / "site")
    summary = load(site, "api/v2/summary.json")
    assert summary["status"] == {"indicator": indicator, "description": description}
    assert summary["components"][0]["status"] == component
    assert summary["incidents"][0]["impact"] == impact


NEVER = "1969-12-31T18:00:00.000-06:00"  # the epoch, in the site zone


def test_no_notices_is_operational_and_never_updated(empty_repo: Path, run: Run,
                                                     tmp_path: Path) -> None:
    """Typed clients declare page.updated_at and a component's created_at and
    updated_at non-null (Statuspage never sends null there): a site with no notice yet
    says the epoch, as its empty feeds do, so a rebuild at another time changes
    nothing and a client polling for changes sees none. start_date stays null: no
    uptime data."""
    site = build(run, empty_repo, FIXED_NOW, tmp_path / "site")
    summary = load(site, "api/v2/summary.json")
    assert summary["status"] == {"indicator": "none", "description": "All Systems Operational"}
    assert summary["page"]["updated_at"] == NEVER
    assert summary["page"]["url"] == "https://status.example.org"
    assert summary["page"]["time_zone"] == "America/Chicago"
    assert [(c["created_at"], c["updated_at"], c["start_date"])
            for c in summary["components"]] == [(NEVER, NEVER, None)] * 2
    assert summary["incidents"] == [] and summary["scheduled_maintenances"] == []
    later = build(run, empty_repo, "2027-03-01T12:00:00Z", tmp_path / "later")
    for path in API_FILES:
        if (site / path).exists():
            assert (later / path).read_bytes() == (site / path).read_bytes(), path



def test_a_time_in_an_offset_of_seconds_is_written_in_utc(empty_repo: Path, run: Run,
                                                          tmp_path: Path) -> None:
    """Monrovia was 44 minutes 30 seconds behind UTC until 1972: RFC 3339 offsets have
    no seconds, so the epoch in its offset ('...-00:44:30') was refused by the schemas
    and parsed as NaN by a browser's Date.parse. Such a time is written in UTC."""
    config = empty_repo / "outpost.yaml"
    config.write_text(config.read_text().replace("America/Chicago", "Africa/Monrovia"))
    site = build(run, empty_repo, FIXED_NOW, tmp_path / "site")
    summary = load(site, "api/v2/summary.json")
    assert summary["page"]["updated_at"] == "1970-01-01T00:00:00.000Z"
    assert {c["created_at"] for c in summary["components"]} == {"1970-01-01T00:00:00.000Z"}
    for path, schema_name in API_FILES.items():
        if (site / path).exists():
            validator(schema_name).validate(load(site, path))

def test_ids_are_base36_and_stable_across_builds(busy_site: Path, empty_repo: Path, run: Run,
                                                 tmp_path: Path) -> None:
    later = build(run, empty_repo, "2026-12-10T12:00:00Z", tmp_path / "later")
    before = history(busy_site)
    after = history(later)

    def ids(data: Any) -> dict[str, list[str]]:
        found = {}
        for item in data["incidents"] + data["scheduled_maintenances"]:
            found[item["id"]] = [u["id"] for u in item["incident_updates"]]
        return found

    # Each update keeps its id; a window's end only adds one (automatic, newest first).
    assert {key: us[len(us) - len(ids(before)[key]):] for key, us in ids(after).items()} == (
        ids(before))
    assert ids(before)[base36_id("notice:login-failures")]
    every = [*ids(before), *(u for us in ids(before).values() for u in us), before["page"]["id"]]
    assert all(re.fullmatch(r"[0-9a-z]{12}", i) for i in every), every
    assert len(set(every)) == len(every)
    # Later, the windows have ended and nothing is open.
    statuses = {m["name"]: m["status"] for m in after["scheduled_maintenances"]}
    assert statuses == {"API upgrade": "completed", "Web server move": "completed"}


def history(site: Path) -> dict[str, Any]:
    """Every year file listed by api/history.json, joined: {page, incidents,
    scheduled_maintenances}. Checks that each listed URL is a built file."""
    index = load(site, "api/history.json")
    joined: dict[str, Any] = {"page": index["page"], "incidents": [],
                              "scheduled_maintenances": []}
    for entry in index["years"]:
        path = entry["url"].removeprefix(index["page"]["url"] + "/")
        year = load(site, path)
        assert year["year"] == entry["year"]
        assert len(year["incidents"]) == entry["incidents"]
        assert len(year["scheduled_maintenances"]) == entry["scheduled_maintenances"]
        joined["incidents"] += year["incidents"]
        joined["scheduled_maintenances"] += year["scheduled_maintenances"]
    return joined


def test_history_is_split_by_the_year_each_notice_started(empty_repo: Path, run: Run,
                                                          tmp_path: Path) -> None:
    """Years in the site's zone (2024-12-31 23:30 in Chicago is 2025 in UTC), newest
    first; a new update in 2026 leaves the 2024 file byte for byte as it was."""
    write_notice(empty_repo, "old", (
        "---\ntitle: Old\ntype: incident\n---\n"
        "## Resolved - 2025-01-01 00:30\nFixed.\n\n"
        "## Investigating - 2024-12-31 23:30\nLooking.\n"))
    write_notice(empty_repo, "new", (
        "---\ntitle: New\ntype: incident\n---\n"
        "## Investigating - 2026-11-28 05:00\nLooking.\n"))
    first = build(run, empty_repo, FIXED_NOW, tmp_path / "first")
    index = load(first, "api/history.json")
    assert [(y["year"], y["incidents"], y["url"]) for y in index["years"]] == [
        (2026, 1, "https://status.example.org/api/history/2026.json"),
        (2024, 1, "https://status.example.org/api/history/2024.json")]
    assert [i["name"] for i in load(first, "api/history/2024.json")["incidents"]] == ["Old"]
    assert not (first / "api" / "history" / "2025.json").exists()
    write_notice(empty_repo, "new", (
        "---\ntitle: New\ntype: incident\n---\n## Identified - 2026-11-28 05:30\nFound.\n\n"
        "## Investigating - 2026-11-28 05:00\nLooking.\n"))
    second = build(run, empty_repo, FIXED_NOW, tmp_path / "second")
    assert (second / "api/history/2024.json").read_bytes() == (
        first / "api/history/2024.json").read_bytes()
    assert (second / "api/history/2026.json").read_bytes() != (
        first / "api/history/2026.json").read_bytes()


def test_base36_id_shape() -> None:
    assert base36_id("notice:x") == base36_id("notice:x")
    assert base36_id("notice:x") != base36_id("notice:y")
    assert re.fullmatch(r"[0-9a-z]{12}", base36_id(""))


def test_lists_capped_at_50_and_history_keeps_everything(empty_repo: Path, run: Run,
                                                         tmp_path: Path) -> None:
    for day in range(1, 61):
        stamp = f"2026-{(day - 1) // 28 + 8:02d}-{(day - 1) % 28 + 1:02d}"
        write_notice(empty_repo, f"incident-{day:02d}", (
            f"---\ntitle: Incident {day}\ntype: incident\nimpact: minor\n---\n"
            f"## Resolved - {stamp} 11:00\nFixed.\n\n## Investigating - {stamp} 10:00\nLooking.\n"))
        write_notice(empty_repo, f"window-{day:02d}", (
            f"---\ntitle: Window {day}\ntype: maintenance\nstart: {stamp} 20:00\n"
            f"end: {stamp} 21:00\n---\n## Scheduled - {stamp} 09:00\nPlanned.\n"))
    site = build(run, empty_repo, FIXED_NOW, tmp_path / "site")
    incidents = load(site, "api/v2/incidents.json")["incidents"]
    windows = load(site, "api/v2/scheduled-maintenances.json")["scheduled_maintenances"]
    everything = history(site)
    assert len(incidents) == 50 and len(windows) == 50
    assert incidents[0]["name"] == "Incident 60" and incidents[-1]["name"] == "Incident 11"
    assert windows[0]["name"] == "Window 60"
    assert len(everything["incidents"]) == 60
    assert len(everything["scheduled_maintenances"]) == 60
    for path in ("api/v2/incidents.json", "api/v2/scheduled-maintenances.json",
                 "api/history.json", "api/history/2026.json"):
        assert not list(validator(API_FILES[path]).iter_errors(load(site, path)))


def test_update_word_keeps_the_status_in_force(empty_repo: Path, run: Run,
                                               tmp_path: Path) -> None:
    write_notice(empty_repo, "slow", (
        "---\ntitle: Slow\ntype: incident\nimpact: minor\ncomponents: [api]\n---\n"
        "## Resolved - 2026-11-28 04:00\nDone.\n\n"
        "## Update - 2026-11-28 03:00 [silent]\nStill watching.\n\n"
        "## Monitoring - 2026-11-28 02:00\nFix applied.\n\n"
        "## Investigating - 2026-11-28 01:00\nSlow.\n"))
    site = build(run, empty_repo, FIXED_NOW, tmp_path / "site")
    item = load(site, "api/v2/incidents.json")["incidents"][0]
    assert [u["status"] for u in item["incident_updates"]] == [
        "resolved", "monitoring", "monitoring", "investigating"]
    assert [u["deliver_notifications"] for u in item["incident_updates"]] == [
        True, False, True, True]
    assert item["monitoring_at"] == "2026-11-28T02:00:00.000-06:00"
    assert item["resolved_at"] == "2026-11-28T04:00:00.000-06:00"
    assert item["incident_updates"][0]["affected_components"] == [{
        "code": base36_id("component:api"), "name": "API",
        "old_status": "degraded_performance", "new_status": "operational"}]


# A component no notice changed was last updated when its records began: the day of the
# site's first notice (2026-11-20 in the tests below), at midnight.
RECORDS_BEGIN = "2026-11-20T00:00:00.000-06:00"

CALLED_OFF = """\
---
title: Database move
type: maintenance
components: [api]
start: 2026-12-10 22:00
end: 2026-12-11 02:00
---
## Completed - 2026-11-22 09:00
Called off: the move is no longer needed.

## Scheduled - 2026-11-20 10:00
We will move the database.
"""

DONE_EARLY = """\
---
title: Web patching
type: maintenance
components: [web]
start: 2026-11-28 01:00
end: 2026-11-28 05:00
---
## Completed - 2026-11-28 04:00
Done an hour early.

## Scheduled - 2026-11-20 11:00
We will patch the web servers.
"""


@pytest.mark.parametrize("now", [FIXED_NOW, "2026-12-15T12:00:00Z"])
def test_a_maintenance_called_off_changes_no_component(empty_repo: Path, run: Run,
                                                       tmp_path: Path, now: str) -> None:
    """Completed before its window opened, it sets nothing: its Completed update moves
    no component and bumps no updated_at, before its window's dates and after them.
    A maintenance completed within its window still reports the change back."""
    write_notice(empty_repo, "db-move", CALLED_OFF)
    write_notice(empty_repo, "web-patching", DONE_EARLY)
    site = build(run, empty_repo, now, tmp_path / "site")
    windows = {m["name"]: m for m in
               load(site, "api/v2/scheduled-maintenances.json")["scheduled_maintenances"]}
    called_off = windows["Database move"]
    assert [(u["status"], u["created_at"], u["affected_components"])
            for u in called_off["incident_updates"]] == [
        ("completed", "2026-11-22T09:00:00.000-06:00", None),
        ("scheduled", "2026-11-20T10:00:00.000-06:00", None)]
    assert (called_off["status"], called_off["updated_at"], called_off["resolved_at"]) == (
        "completed", "2026-11-22T09:00:00.000-06:00", "2026-11-22T09:00:00.000-06:00")
    assert [(c["name"], c["status"], c["updated_at"]) for c in called_off["components"]] == [
        ("API", "operational", RECORDS_BEGIN)]
    done = windows["Web patching"]
    assert done["incident_updates"][0]["affected_components"] == [{
        "code": base36_id("component:web"), "name": "Web",
        "old_status": "under_maintenance", "new_status": "operational"}]
    summary = load(site, "api/v2/summary.json")
    assert summary["page"]["updated_at"] == "2026-11-28T04:00:00.000-06:00"
    assert [(c["name"], c["status"], c["updated_at"]) for c in
            load(site, "api/v2/components.json")["components"]] == [
        ("Web", "operational", "2026-11-28T04:00:00.000-06:00"),
        ("API", "operational", RECORDS_BEGIN)]
    # The component history agrees: no day of the API's has a notice or maintenance.
    api = json.loads((site / "api/uptime.json").read_text())["components"][1]
    assert api["id"] == "api" and api["uptime"]["30"] == 100.0
    days = {day["date"]: day for day in api["days"]}
    for date in ("2026-11-22", "2026-12-10", "2026-12-11")[:1 if now == FIXED_NOW else 3]:
        assert days[date] == {"date": date, "status": "operational",
                              "minutes": {"operational": 1440}, "notices": []}
    assert not [day for day in api["days"] if day.get("notices")]


COMPLETED_LATE = """\
---
title: Database upgrade
type: maintenance
components: [api]
start: 2026-11-28 01:00
end: 2026-11-28 03:00
---
## Completed - 2026-11-28 04:30
Done.

## In progress - 2026-11-28 01:00
Started.

## Scheduled - 2026-11-20 10:00
Planned.
"""


@pytest.mark.parametrize("now", ["2026-11-28T10:00:00Z", FIXED_NOW])
def test_a_maintenance_completed_after_its_window_moved_components_at_the_end(
        empty_repo: Path, run: Run, tmp_path: Path, now: str) -> None:
    """The window's end completed it (README: readers see it Completed from then on), so
    its components went back at 03:00, as the component history says, before and
    after the Completed update posted at 04:30, which changes nothing."""
    write_notice(empty_repo, "db-upgrade", COMPLETED_LATE)
    site = build(run, empty_repo, now, tmp_path / "site")
    window = load(site, "api/v2/scheduled-maintenances.json")["scheduled_maintenances"][0]
    assert [(u["status"], u["affected_components"] is not None)
            for u in window["incident_updates"]][-2:] == [
        ("in_progress", True), ("scheduled", False)]
    if now == FIXED_NOW:
        assert window["incident_updates"][0]["affected_components"] is None
    assert [(c["name"], c["status"], c["updated_at"]) for c in
            load(site, "api/v2/components.json")["components"]] == [
        ("Web", "operational", RECORDS_BEGIN),
        ("API", "operational", "2026-11-28T03:00:00.000-06:00")]
    api = json.loads((site / "api/uptime.json").read_text())["components"][1]
    day = next(day for day in api["days"] if day["date"] == "2026-11-28")
    assert day["minutes"]["under_maintenance"] == 120


AUTOMATIC_START = ("Scheduled maintenance is currently in progress. "
                   "We will provide updates as necessary.")
AUTOMATIC_END = "The scheduled maintenance has been completed."


@pytest.mark.parametrize("now", [FIXED_NOW, "2026-11-28T16:00:00Z"])
def test_a_window_edge_without_an_update_is_posted_as_statuspage_automation_posts_it(
        empty_repo: Path, run: Run, tmp_path: Path, now: str) -> None:
    """The objects say scheduled_auto_in_progress and scheduled_auto_completed, so, as on
    Statuspage, the window's start and end each come with an automatic update (silent):
    a client reading the newest update sees the status the object has, and the update
    records the components' move."""
    write_notice(empty_repo, "api-upgrade", MAINTENANCE_ACTIVE)  # 05:00-09:00, no update
    site = build(run, empty_repo, now, tmp_path / "site")
    window = load(site, "api/v2/scheduled-maintenances.json")["scheduled_maintenances"][0]
    api = {"code": base36_id("component:api"), "name": "API"}
    start = ("in_progress", "2026-11-28T05:00:00.000-06:00", AUTOMATIC_START, False,
             [api | {"old_status": "operational", "new_status": "under_maintenance"}])
    end = ("completed", "2026-11-28T09:00:00.000-06:00", AUTOMATIC_END, False,
           [api | {"old_status": "under_maintenance", "new_status": "operational"}])
    scheduled = ("scheduled", "2026-11-20T10:00:00.000-06:00", "We will upgrade the API.",
                 True, None)
    assert [(u["status"], u["display_at"], u["body"], u["deliver_notifications"],
             u["affected_components"]) for u in window["incident_updates"]] == (
        [start, scheduled] if now == FIXED_NOW else [end, start, scheduled])
    assert window["status"] == window["incident_updates"][0]["status"]
    assert window["updated_at"] == window["incident_updates"][0]["display_at"]
    ids = [u["id"] for u in window["incident_updates"]]
    assert len(set(ids)) == len(ids) and all(re.fullmatch("[0-9a-z]{12}", i) for i in ids)


@pytest.mark.parametrize(("update", "now", "statuses"), [
    ("## Scheduled - 2026-11-28 05:30\nBack on plan.\n\n", FIXED_NOW,
     ["in_progress", "in_progress", "scheduled"]),
    ("## In progress - 2026-11-28 09:30\nStill going.\n\n", "2026-11-28T16:00:00Z",
     ["completed", "completed", "in_progress", "scheduled"]),
    ("## Verifying - 2026-11-28 09:30\nChecking.\n\n", "2026-11-28T16:00:00Z",
     ["completed", "completed", "in_progress", "scheduled"]),
])
def test_an_update_stands_for_the_status_the_window_gave_it(
        empty_repo: Path, run: Run, tmp_path: Path, update: str, now: str,
        statuses: list[str]) -> None:
    """A Scheduled update inside the window finds the maintenance in progress, and one
    posted after the window's end finds it completed (the pages say so too): each
    update's status is the one in force then, so the newest is the object's."""
    write_notice(empty_repo, "api-upgrade", MAINTENANCE_ACTIVE.replace(  # 05:00-09:00
        "## Scheduled", update + "## Scheduled"))
    site = build(run, empty_repo, now, tmp_path / "site")
    window = load(site, "api/v2/scheduled-maintenances.json")["scheduled_maintenances"][0]
    assert [u["status"] for u in window["incident_updates"]] == statuses
    assert window["status"] == statuses[0]


def test_a_scheduled_update_inside_the_window_reads_in_progress_everywhere(
        empty_repo: Path, run: Run, tmp_path: Path) -> None:
    """The API lists a Scheduled update posted once the window opened as in_progress
    (the maintenance is under way); its page, its feed item and the calendar said
    'Scheduled' of it, so a reader of the page and a client of the API disagreed."""
    write_notice(empty_repo, "api-upgrade", MAINTENANCE_ACTIVE.replace(  # 05:00-09:00
        "## Scheduled", "## Scheduled - 2026-11-28 05:30\nStill on plan.\n\n## Scheduled"))
    site = build(run, empty_repo, FIXED_NOW, tmp_path / "site")  # 06:00 in the site zone
    window = load(site, "api/v2/scheduled-maintenances.json")["scheduled_maintenances"][0]
    assert [u["status"] for u in window["incident_updates"]] == [
        "in_progress", "in_progress", "scheduled"]
    page = (site / "notices/api-upgrade/index.html").read_text()
    labels = re.findall(r'<h3><span class="label label-([a-z_]+)">([^<]+)</span>', page)
    assert labels == [("in_progress", "In progress"), ("in_progress", "In progress"),
                      ("scheduled", "Scheduled")]
    feed = (site / "feed.xml").read_text()
    assert re.findall(r"<title>\[(.*?)\] API upgrade</title>", feed) == [
        "In progress", "In progress", "Scheduled"]  # the window's own at 05:00 among them
    assert "DESCRIPTION:In progress: Still on plan." in (site / "maintenance.ics").read_text()


def test_an_update_posted_at_the_window_start_needs_no_automatic_one(
        empty_repo: Path, run: Run, tmp_path: Path) -> None:
    """Staff who posted In progress or Completed themselves said it: nothing is added,
    and a Completed update posted after the window still follows the automatic end."""
    write_notice(empty_repo, "db-upgrade", COMPLETED_LATE)  # 01:00-03:00, done 04:30
    site = build(run, empty_repo, FIXED_NOW, tmp_path / "site")
    window = load(site, "api/v2/scheduled-maintenances.json")["scheduled_maintenances"][0]
    assert [(u["status"], u["display_at"][11:16], u["body"], bool(u["affected_components"]))
            for u in window["incident_updates"]] == [
        ("completed", "04:30", "Done.", False), ("completed", "03:00", AUTOMATIC_END, True),
        ("in_progress", "01:00", "Started.", True), ("scheduled", "10:00", "Planned.", False)]
    # Completed at the window's end, as that update says: the later one changes nothing.
    assert window["resolved_at"] == "2026-11-28T03:00:00.000-06:00"


@pytest.mark.parametrize("now", ["2026-11-28T09:45:00Z", FIXED_NOW])
def test_a_late_completion_ends_the_window_at_its_end_on_pages_and_api(
        empty_repo: Path, run: Run, tmp_path: Path, now: str) -> None:
    """The window's end completed the maintenance (readers saw it Completed from then
    on): a Completed update posted later does not move the end the pages show, which
    stays the API's resolved_at, before and after that update is posted."""
    write_notice(empty_repo, "db-upgrade", COMPLETED_LATE)  # 01:00-03:00, done 04:30
    site = build(run, empty_repo, now, tmp_path / "site")
    window = load(site, "api/v2/scheduled-maintenances.json")["scheduled_maintenances"][0]
    assert window["resolved_at"] == "2026-11-28T03:00:00.000-06:00"
    for page in ("notices/db-upgrade/index.html", "closed/index.html"):
        shown = re.search(r'<time datetime="[^"]+">([^<]+)</time>',
                          (site / page).read_text(encoding="utf-8"))
        assert shown is not None and shown[1] == "Nov 28, 2026, 1:00\u00a0\u2013 3:00 AM CST", page


def test_the_window_start_of_a_maintenance_begun_early_changes_nothing(
        empty_repo: Path, run: Run, tmp_path: Path) -> None:
    """Begun by an In progress update before its window, the maintenance is under way when
    the window opens, and Statuspage's automation posts nothing then: its updated_at and
    the page's had moved to the window's start, past the newest update, so a client
    polling them was told of a change it could find nowhere."""
    write_notice(empty_repo, "api-upgrade", MAINTENANCE_ACTIVE.replace(  # 05:00-09:00
        "## Scheduled", "## In progress - 2026-11-28 04:30\nStarting early.\n\n## Scheduled"))
    site = build(run, empty_repo, FIXED_NOW, tmp_path / "site")  # 06:00
    window = load(site, "api/v2/scheduled-maintenances.json")["scheduled_maintenances"][0]
    assert [(u["status"], u["display_at"][11:16]) for u in window["incident_updates"]] == [
        ("in_progress", "04:30"), ("scheduled", "10:00")]
    assert window["updated_at"] == "2026-11-28T04:30:00.000-06:00"
    assert load(site, "api/v2/summary.json")["page"]["updated_at"] == window["updated_at"]
    assert [(c["name"], c["status"], c["updated_at"]) for c in
            load(site, "api/v2/components.json")["components"]][1] == (
        "API", "under_maintenance", "2026-11-28T04:30:00.000-06:00")


def test_a_components_history_start_is_its_start_date_and_created_at(
        empty_repo: Path, run: Run, tmp_path: Path) -> None:
    """Statuspage's components always carry created_at and updated_at (typed clients
    declare them non-null) and start_date is the day uptime data begins: here the day
    the component's history begins (its since, or the site's first notice), at
    midnight; a component no notice changed was last updated then."""
    config = empty_repo / "outpost.yaml"
    config.write_text(config.read_text().replace(
        "    name: Web\n", "    name: Web\n    since: 2026-10-20\n"))
    write_notice(empty_repo, "slow", (
        "---\ntitle: Slow\ntype: incident\nimpact: minor\ncomponents: [web]\n---\n"
        "## Resolved - 2026-11-27 04:00\nDone.\n\n## Investigating - 2026-11-27 01:00\nSlow.\n"))
    site = build(run, empty_repo, FIXED_NOW, tmp_path / "site")
    assert [(c["name"], c["start_date"], c["created_at"], c["updated_at"]) for c in
            load(site, "api/v2/components.json")["components"]] == [
        ("Web", "2026-10-20", "2026-10-20T00:00:00.000-05:00", "2026-11-27T04:00:00.000-06:00"),
        ("API", "2026-11-27", "2026-11-27T00:00:00.000-06:00", "2026-11-27T00:00:00.000-06:00")]
    uptime = json.loads((site / "api/uptime.json").read_text())["components"]
    assert [c["since"] for c in uptime] == ["2026-10-20", "2026-11-27"]


def test_a_change_before_a_components_history_began_is_not_its_updated_at(
        empty_repo: Path, run: Run, tmp_path: Path) -> None:
    """A component whose since is later than an incident naming it (added to the page
    after the incident, or its records kept from then on): its updated_at said the
    incident's end, before its own created_at, which Statuspage never sends. Its group
    row, made of it alone, said the same."""
    config = empty_repo / "outpost.yaml"
    config.write_text(config.read_text().replace(
        "    name: Web\n", "    name: Web\n    since: 2026-11-20\n    group: Front\n"))
    write_notice(empty_repo, "slow", (
        "---\ntitle: Slow\ntype: incident\nimpact: minor\ncomponents: [web, api]\n---\n"
        "## Resolved - 2026-11-10 04:00\nDone.\n\n## Investigating - 2026-11-10 01:00\nSlow.\n"))
    site = build(run, empty_repo, FIXED_NOW, tmp_path / "site")
    assert [(c["name"], c["created_at"], c["updated_at"]) for c in
            load(site, "api/v2/components.json")["components"]] == [
        ("Front", "2026-11-20T00:00:00.000-06:00", "2026-11-20T00:00:00.000-06:00"),
        ("Web", "2026-11-20T00:00:00.000-06:00", "2026-11-20T00:00:00.000-06:00"),
        ("API", "2026-11-10T00:00:00.000-06:00", "2026-11-10T04:00:00.000-06:00")]


@pytest.mark.parametrize(("now", "web_changed"), [
    ("2026-11-28T16:15:00Z", "2026-11-28T09:00:00.000-06:00"),  # both open
    ("2026-11-28T16:45:00Z", "2026-11-28T09:00:00.000-06:00"),  # the minor one resolved
    ("2026-11-28T18:30:00Z", "2026-11-28T12:00:00.000-06:00"),  # both resolved
])
def test_a_components_updated_at_is_when_its_status_last_changed(
        empty_repo: Path, run: Run, tmp_path: Path, now: str, web_changed: str) -> None:
    """A notice leaving a component operational, or setting a status under a worse one
    in effect, changes nothing: API's updated_at said 09:00, the outage's start, though
    it stayed operational, and Web's the minor incident's start or end while the partial
    outage held throughout."""
    write_notice(empty_repo, "outage", (
        "---\ntitle: Outage\ntype: incident\n"
        "components: {web: partial_outage, api: operational}\n---\n"
        "## Resolved - 2026-11-28 12:00\nFixed.\n\n## Investigating - 2026-11-28 09:00\nDown.\n"))
    write_notice(empty_repo, "slow", (
        "---\ntitle: Slow\ntype: incident\nimpact: minor\ncomponents: [web]\n---\n"
        "## Resolved - 2026-11-28 10:30\nDone.\n\n## Investigating - 2026-11-28 10:00\nSlow.\n"))
    site = build(run, empty_repo, now, tmp_path / "site")
    assert [(c["name"], c["updated_at"]) for c in
            load(site, "api/v2/components.json")["components"]] == [
        ("Web", web_changed), ("API", "2026-11-28T00:00:00.000-06:00")]


def test_an_incident_posted_resolved_moves_no_component(empty_repo: Path, run: Run,
                                                      tmp_path: Path) -> None:
    """An incident recorded after the fact, its first update Resolved ('outpost new
    incident --status resolved'), was never in effect: its update said Web went from
    partial_outage to operational, a move out of a status it never had, while Web's
    row (and the webhook's incident, the same object) had it never changed."""
    write_notice(empty_repo, "night-outage", (
        "---\ntitle: Night outage\ntype: incident\nimpact: major\ncomponents: [web]\n---\n"
        "## Resolved - 2026-11-28 04:00\nWeb was down from 02:00 to 03:00.\n"))
    site = build(run, empty_repo, FIXED_NOW, tmp_path / "site")
    incident = load(site, "api/v2/incidents.json")["incidents"][0]
    assert [(u["status"], u["affected_components"])
            for u in incident["incident_updates"]] == [("resolved", None)]
    assert [(c["name"], c["status"], c["updated_at"]) for c in
            load(site, "api/v2/components.json")["components"]] == [
        ("Web", "operational", "2026-11-28T00:00:00.000-06:00"),
        ("API", "operational", "2026-11-28T00:00:00.000-06:00")]


def test_an_early_verifying_update_records_the_components_going_under(
        empty_repo: Path, run: Run, tmp_path: Path) -> None:
    """Verifying posted before the window (and no In progress) began the maintenance,
    as the component history has it: that update records the move the Completed one
    undoes."""
    write_notice(empty_repo, "web-patching", (
        "---\ntitle: Web patching\ntype: maintenance\ncomponents: [web]\n"
        "start: 2026-11-28 04:00\nend: 2026-11-28 05:00\n---\n"
        "## Completed - 2026-11-28 04:30\nDone.\n\n"
        "## Verifying - 2026-11-28 03:00\nChecking early.\n\n"
        "## Scheduled - 2026-11-20 10:00\nPlanned.\n"))
    site = build(run, empty_repo, FIXED_NOW, tmp_path / "site")
    window = load(site, "api/v2/scheduled-maintenances.json")["scheduled_maintenances"][0]
    assert [(u["status"], [(a["old_status"], a["new_status"])
                           for a in u["affected_components"] or []])
            for u in window["incident_updates"]] == [
        ("completed", [("under_maintenance", "operational")]),
        ("verifying", [("operational", "under_maintenance")]), ("scheduled", [])]


def test_a_comment_inside_a_paragraph_reaches_no_output(empty_repo: Path, run: Run,
                                                         tmp_path: Path) -> None:
    """A note to colleagues written inside a paragraph ('Done <!-- ... -->.') was hidden
    on pages but published in the API's bodies and the calendar's description. Now it
    is in no file of the site, and every word around it is."""
    write_notice(empty_repo, "login-failures", (
        "---\ntitle: Login failures\ntype: incident\ncomponents: [web]\n---\n"
        "Summary <!-- SECRET-1 ask Dana -->, short.\n"
        "## Postmortem - 2026-11-27 10:00\nRoot cause. <!-- SECRET-2 --> Fixed.\n"
        "## Resolved - 2026-11-27 09:00\nDone <!-- SECRET-3 -->.\n"
        "## Investigating - 2026-11-27 08:00\nLooking <!-- SECRET-4 --> into it\n"))
    write_notice(empty_repo, "api-upgrade", MAINTENANCE_ACTIVE.replace(
        "We will upgrade the API.", "We will <!-- SECRET-5 --> upgrade the API."))
    site = build(run, empty_repo, FIXED_NOW, tmp_path / "site")
    leaked = sorted(path.relative_to(site).as_posix() for path in site.rglob("*")
                    if path.is_file() and b"SECRET" in path.read_bytes())
    assert leaked == []
    incident = load(site, "api/v2/incidents.json")["incidents"][-1]
    assert [u["body"] for u in incident["incident_updates"]] == ["Done .", "Looking  into it"]
    assert incident["postmortem_body"] == "Root cause.  Fixed."
