"""api/uptime.json through a real build: the schema, hand-computed figures, no data
before a component's history, and the window moving at midnight in the site zone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import FIXED_NOW, MINIMAL_CONFIG, Run
from tests.feeds_support import build, write_notice
from tests.test_api import validator

DIGICERT = """\
---
title: Digicert certificate reissue
type: incident
impact: major
components: [web]
---
## Resolved - 2026-07-30 14:25
All customer domains have been updated.

## Investigating - 2026-07-30 13:27
This morning we received notification.
"""

OUTAGE = """\
---
title: Everything down
type: incident
components:
  web: major_outage
  api: partial_outage
---
## Resolved - 2026-10-27 10:00
Back.

## Investigating - 2026-10-27 09:00
Down.
"""


def uptime(site: Path) -> Any:
    return json.loads((site / "api/uptime.json").read_text(encoding="utf-8"))


def test_the_uptime_file_matches_its_schema(example_repo: Path, run: Run, tmp_path: Path
                                            ) -> None:
    site = build(run, example_repo, FIXED_NOW, tmp_path / "site")
    errors = list(validator("uptime.json").iter_errors(uptime(site)))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]


def test_schema_rejects_an_unknown_status(empty_repo: Path, run: Run, tmp_path: Path) -> None:
    data = uptime(build(run, empty_repo, FIXED_NOW, tmp_path / "site"))
    data["components"][0]["days"][0]["status"] = "down"
    assert not validator("uptime.json").is_valid(data)


def test_58_minutes_of_partial_outage_on_a_90_day_window(empty_repo: Path, run: Run,
                                                         tmp_path: Path) -> None:
    write_notice(empty_repo, "digicert", DIGICERT)
    write_notice(empty_repo, "outage", OUTAGE)
    # Noon CDT on 2026-10-27: the window is 2026-07-30 to today, today counts until noon.
    site = build(run, empty_repo, "2026-10-27T17:00:00Z", tmp_path / "site")
    data = uptime(site)
    assert not list(validator("uptime.json").iter_errors(data))
    assert data["generated_at"] == "2026-10-27T12:00:00-05:00"
    assert data["time_zone"] == "America/Chicago" and data["days"] == 90
    web, api = data["components"]
    assert (web["id"], web["name"], web["since"]) == ("web", "Web", "2026-07-30")
    assert len(web["days"]) == 90
    assert web["days"][0] == {
        "date": "2026-07-30", "status": "partial_outage",
        "minutes": {"partial_outage": 58, "operational": 1440 - 58}, "notices": ["digicert"]}
    assert web["days"][1] == {"date": "2026-07-31", "status": "operational",
                              "minutes": {"operational": 1440}, "notices": []}
    assert web["days"][-1] == {
        "date": "2026-10-27", "status": "major_outage",
        "minutes": {"major_outage": 60, "operational": 660}, "notices": ["outage"]}
    # 30 days: 29 whole days and today's 720 minutes = 42,480; 60 minutes down:
    # 1 - 60 / 42480 = 99.85875...%. 90 days (and 365: no data before 2026-07-30):
    # 128,880 minutes; 58 x 30 % + 60 = 77.4 down: 99.93994...%. Cut, not rounded.
    assert web["uptime"] == {"30": 99.8587, "90": 99.9399, "365": 99.9399}
    # api: only the 60 minutes of partial outage, counted at 30 %: 1 - 18 / 42480.
    assert api["uptime"]["30"] == 99.9576
    assert api["days"][-1]["status"] == "partial_outage"


def test_days_before_since_are_no_data_and_the_window_moves_at_local_midnight(
        empty_repo: Path, run: Run, tmp_path: Path) -> None:
    (empty_repo / "outpost.yaml").write_text(
        MINIMAL_CONFIG.replace("    name: Web\n", "    name: Web\n    since: 2026-10-20\n")
        + "history_days: 7\n")
    write_notice(empty_repo, "digicert", DIGICERT)
    before = uptime(build(run, empty_repo, "2026-10-27T04:59:00Z", tmp_path / "a"))
    after = uptime(build(run, empty_repo, "2026-10-27T05:00:00Z", tmp_path / "b"))
    web = before["components"][0]
    assert [d["date"] for d in web["days"]] == [f"2026-10-{d}" for d in range(20, 27)]
    assert [d["date"] for d in after["components"][0]["days"]][-1] == "2026-10-27"
    assert after["components"][0]["days"][-1]["minutes"] == {}  # 00:00: nothing yet
    assert web["since"] == "2026-10-20"
    assert web["uptime"]["365"] == 100.0
    # api has no since: its history starts with the site's first notice, 2026-07-30.
    api = before["components"][1]
    assert api["since"] == "2026-07-30"
    short = uptime(build(run, empty_repo, "2026-07-31T17:00:00Z", tmp_path / "c"))
    statuses = [d["status"] for d in short["components"][1]["days"]]
    assert statuses == ["no_data"] * 5 + ["operational", "operational"]
    assert [d["status"] for d in short["components"][0]["days"]] == ["no_data"] * 7
    assert short["components"][0]["uptime"]["30"] is None


def test_a_site_with_no_notice_yet_has_no_uptime_data(empty_repo: Path, run: Run,
                                                      tmp_path: Path) -> None:
    """Before the first notice a component's history has not begun (the API's
    start_date is null): every day is no data, never a year of operational days at
    100 % that the first notice posted would turn into no data."""
    site = build(run, empty_repo, FIXED_NOW, tmp_path / "site")
    for component in uptime(site)["components"]:
        assert component["since"] is None
        assert component["uptime"] == {"30": None, "90": None, "365": None}
        assert {day["status"] for day in component["days"]} == {"no_data"}
    page = (site / "components/web/index.html").read_text(encoding="utf-8")
    assert "% uptime" not in page and page.count("no data yet") == 4
    assert "100.00" not in (site / "index.html").read_text(encoding="utf-8")


def test_same_inputs_and_now_give_identical_bytes(empty_repo: Path, run: Run, tmp_path: Path
                                                  ) -> None:
    write_notice(empty_repo, "digicert", DIGICERT)
    first = build(run, empty_repo, FIXED_NOW, tmp_path / "a") / "api/uptime.json"
    second = build(run, empty_repo, FIXED_NOW, tmp_path / "b") / "api/uptime.json"
    assert first.read_bytes() == second.read_bytes()


ONGOING = """\
---
title: Web down
type: incident
impact: critical
components: [web]
---
## Investigating - 2026-11-27 22:00
Down.
"""

POSTED_NOW = """\
---
title: API slow
type: incident
components:
  api: partial_outage
---
## Investigating - 2026-11-28 10:00
Slow.
"""


def test_today_shows_the_status_the_status_line_gives_at_the_build_time(
        empty_repo: Path, run: Run, tmp_path: Path) -> None:
    """A build at local midnight during an outage, or at the minute an incident is
    posted, has no minutes of it today yet; today's bar still says it, as the status
    line above it does, and the uptime counts nothing of it."""
    write_notice(empty_repo, "ongoing", ONGOING)
    write_notice(empty_repo, "posted-now", POSTED_NOW)
    midnight = build(run, empty_repo, "2026-11-28T06:00:00Z", tmp_path / "a")
    web = uptime(midnight)["components"][0]
    assert web["days"][-1] == {"date": "2026-11-28", "status": "major_outage",
                               "minutes": {"major_outage": 0}, "notices": ["ongoing"]}
    assert web["uptime"]["30"] == 91.6666  # 120 of 1,440 minutes down, as at 23:59:59
    page = (midnight / "components/web/index.html").read_text()
    assert "Nov 28, 2026: major outage for less than a minute (Web down)" in page
    posted = uptime(build(run, empty_repo, "2026-11-28T16:00:00Z", tmp_path / "b"))
    assert posted["components"][1]["days"][-1] == {
        "date": "2026-11-28", "status": "partial_outage",
        "minutes": {"partial_outage": 0, "operational": 600}, "notices": ["posted-now"]}
    assert posted["components"][1]["uptime"]["30"] == 100.0
