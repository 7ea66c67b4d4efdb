"""A notices repository for the notification tests, wired to loopback servers."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import MINIMAL_CONFIG

NOW = "2026-11-28 12:00"  # America/Chicago, CST (-06:00)

CONFIG = MINIMAL_CONFIG + """\
notify:
  since: 2026-11-01 00:00
  from: Test Status <status@example.org>
  remind_before: 2h
  smtp:
    host: 127.0.0.1
    port: {smtp_port}
    security: none
    timeout: 5
  contacts:
    - email: alice@example.org
      name: Alice Admin
    - email: bob@example.org
      components: [api]
  webhooks:
    - name: receiver
      url: http://127.0.0.1:{hook_port}/statuspage
      timeout: 1
      retries: 2
      backoff: 0.05
    - name: chat
      url_env: TEST_CHAT_URL
      format: slack
      timeout: 1
      retries: 2
      backoff: 0.05
"""

OUTAGE = """\
---
title: Database outage
type: incident
impact: major
components: [web]
---
## Resolved - 2026-11-28 10:30
Service is back.

## Identified - 2026-11-28 09:40
A failed disk. We are **replacing** it.

## Update - 2026-11-28 09:20 [silent]
Typo fix.

## Investigating - 2026-11-28 09:00
Pages load slowly <script>alert(1)</script> for some districts.
"""

UPGRADE = """\
---
title: API upgrade
type: maintenance
components: [api]
start: 2026-11-28 13:00
end: 2026-11-28 15:00
---
## Scheduled - 2026-11-27 08:00
The API will be unavailable for 30 minutes.
"""

# Announced before notify.since: its reminder goes out alone (the upgrade's goes with
# its announcement, which this first run sends too).
FLUSH = """\
---
title: Cache flush
type: maintenance
components: [api]
start: 2026-11-28 13:00
end: 2026-11-28 15:00
---
## Scheduled - 2026-10-20 08:00
The API may answer slowly while its caches fill again.
"""

OLD = """\
---
title: Old incident
type: incident
components: [web]
---
## Resolved - 2026-10-01 11:00
Fixed.

## Investigating - 2026-10-01 10:00
Looking.
"""

# Every delivery the repository owes at NOW, as (message key, recipient).
OUTAGE_KEYS = ["database-outage/20261128T1500Z", "database-outage/20261128T1540Z",
               "database-outage/20261128T1630Z"]
UPGRADE_KEYS = ["api-upgrade/20261127T1400Z", "cache-flush/reminder/20261128T1900Z"]
# Sent with the upgrade's announcement (plan.fold_reminders), and recorded.
FOLDED_KEY = "api-upgrade/reminder/20261128T1900Z"


def make_repo(tmp_path: Path, smtp_port: int, hook_port: int) -> Path:
    root = tmp_path / "repo"
    (root / "notices").mkdir(parents=True)
    (root / "outpost.yaml").write_text(CONFIG.format(smtp_port=smtp_port,
                                                     hook_port=hook_port))
    (root / "notices" / "database-outage.md").write_text(OUTAGE)
    (root / "notices" / "api-upgrade.md").write_text(UPGRADE)
    (root / "notices" / "cache-flush.md").write_text(FLUSH)
    (root / "notices" / "old-incident.md").write_text(OLD)
    return root
