"""Real third-party Statuspage clients read the built API served over HTTP on loopback.

* statuspage-prometheus-exporter (PyPI): polls a Statuspage v2 ``summary.json`` and
  exposes status, incidents, maintenance and components as Prometheus metrics. It is
  run as its users run it, the console script in one-shot mode with a services.json,
  and its metrics file is read with prometheus_client's parser.
* DiscordStatus (PyPI): a wrapper for the public v2 endpoints of one Statuspage page
  (summary, status, components, incidents, unresolved, scheduled-maintenances,
  upcoming, active); pointed at our base URL, it fetches all eight paths.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import FIXED_NOW, Run
from tests.feeds_support import (
    INCIDENT_OPEN,
    MAINTENANCE_ACTIVE,
    MAINTENANCE_UPCOMING,
    build,
    serve,
    write_notice,
)
from tests.test_postmortem import WITH_POSTMORTEM

EXPORTER = shutil.which("statuspage-prometheus-exporter") or "statuspage-prometheus-exporter"


def run_exporter(base_url: str, work: Path) -> dict[str, list[tuple[dict[str, str], float]]]:
    """One pass of the exporter against our summary.json; returns its samples by name."""
    work.mkdir()
    services = {"outpost": {"url": base_url + "api/v2/summary.json", "name": "Outpost"}}
    (work / "services.json").write_text(json.dumps(services))
    env = {**os.environ, "RUN_MODE": "once", "SERVICES_JSON_PATH": str(work / "services.json"),
           "METRICS_TEXTFILE_PATH": str(work / "metrics.prom")}
    env.pop("SLACK_WEBHOOK_URL", None)
    done = subprocess.run([EXPORTER], cwd=work, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    samples: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families((work / "metrics.prom").read_text()):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((sample.labels, sample.value))
    return samples


def value(samples: dict[str, list[tuple[dict[str, str], float]]], name: str,
          **labels: str) -> float:
    found = [v for lab, v in samples.get(name, []) if labels.items() <= lab.items()]
    assert len(found) == 1, (name, labels, samples.get(name))
    return found[0]


def test_prometheus_exporter_reads_an_outage(empty_repo: Path, run: Run,
                                             tmp_path: Path) -> None:
    write_notice(empty_repo, "login-failures", INCIDENT_OPEN)
    write_notice(empty_repo, "api-upgrade", MAINTENANCE_ACTIVE)
    write_notice(empty_repo, "web-move", MAINTENANCE_UPCOMING)
    site = build(run, empty_repo, FIXED_NOW, tmp_path / "site")
    with serve(site) as base_url:
        samples = run_exporter(base_url, tmp_path / "exporter")
    service = {"service_name": "Outpost"}
    assert value(samples, "statuspage_probe_check", **service) == 1.0
    assert value(samples, "statuspage_service_status", **service) == 0.0
    assert value(samples, "statuspage_component_status", component_name="Web") == 0.0
    assert value(samples, "statuspage_component_status", component_name="API") == 0.0
    incident = value(samples, "statuspage_incident_info", incident_name="Login failures",
                     impact="major", affected_components="Web",
                     shortlink="https://status.example.org/notices/login-failures/",
                     started_at="2026-11-28T05:00:00-06:00")  # it drops milliseconds
    assert incident == 1.0
    names = {lab["maintenance_name"]: lab for lab, v in samples["statuspage_maintenance_info"]
             if v == 1.0}
    assert set(names) == {"API upgrade", "Web server move"}
    assert names["API upgrade"]["scheduled_start"] == "2026-11-28T05:00:00-06:00"
    assert names["API upgrade"]["scheduled_end"] == "2026-11-28T09:00:00-06:00"
    assert names["Web server move"]["affected_components"] == "Web"


def test_prometheus_exporter_reads_all_clear(example_repo: Path, run: Run,
                                             tmp_path: Path) -> None:
    site = build(run, example_repo, "2026-12-01T12:00:00Z", tmp_path / "site")
    with serve(site) as base_url:
        samples = run_exporter(base_url, tmp_path / "exporter")
    assert value(samples, "statuspage_probe_check", service_name="Outpost") == 1.0
    assert value(samples, "statuspage_service_status", service_name="Outpost") == 1.0
    components = {lab["component_name"]: v for lab, v in samples["statuspage_component_status"]}
    # Group rows are components too in Statuspage's list; all operational.
    assert components == dict.fromkeys(
        ["Campus", "Customer sites", "Mobile notifications", "Campus Digital Repository",
         "Support", "Support Portal", "Campus Community"], 1.0)
    assert value(samples, "statuspage_incident_info", incident_id="none") == 0.0
    # Only the upcoming Campus server upgrade is listed.
    listed = [lab["maintenance_name"] for lab, v in samples["statuspage_maintenance_info"]
              if v == 1.0]
    assert listed == ["Campus server upgrade"]


def test_discordstatus_client_fetches_every_endpoint(empty_repo: Path, run: Run,
                                                     tmp_path: Path) -> None:
    from discordstatus import DiscordStatus

    write_notice(empty_repo, "login-failures", INCIDENT_OPEN)
    write_notice(empty_repo, "api-upgrade", MAINTENANCE_ACTIVE)
    write_notice(empty_repo, "web-move", MAINTENANCE_UPCOMING)
    write_notice(empty_repo, "outage", WITH_POSTMORTEM)  # resolved, postmortem published
    site = build(run, empty_repo, FIXED_NOW, tmp_path / "site")
    with serve(site) as base_url:
        client = DiscordStatus()
        client.base_target = base_url + "api/v2"  # its only setting: the page's API base
        summary, state = client.summary, client.status
        components, unresolved = client.components, client.unresolved_incidents
        every, upcoming = client.all_incidents, client.upcoming_maintenances
        active, windows = client.active_maintenances, client.all_maintenances
    assert state["status"]["indicator"] == "major"
    assert summary["status"] == state["status"]
    assert [c["name"] for c in components["components"]] == ["Web", "API"]
    assert [i["name"] for i in unresolved["incidents"]] == ["Login failures"]
    assert [(i["name"], i["status"]) for i in every["incidents"]] == [
        ("Login failures", "identified"), ("Everything down", "postmortem")]
    assert [m["name"] for m in upcoming["scheduled_maintenances"]] == ["Web server move"]
    assert [m["name"] for m in active["scheduled_maintenances"]] == ["API upgrade"]
    assert len(windows["scheduled_maintenances"]) == 2
