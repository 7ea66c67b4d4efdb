"""Deterministic synthetic notices repositories for the benchmark.

``make_repo(root, count)`` writes ``outpost.yaml`` and ``count`` notices spread
over the ten years before ``NOW``: 2 to 6 updates each with realistic Markdown
(paragraphs, lists, links, code), about 1 % open, incidents and maintenance,
10 components. The same count always gives byte-identical files.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from generator.core.times import write_time
from generator.notices.grammar import heading_line

SEED = 20261128
NOW = "2026-11-28T12:00:00Z"
NOW_UTC = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
ZONE = ZoneInfo("America/Chicago")
SPAN = timedelta(days=3652)
COMPONENTS = (
    ("customer-sites", "Customer sites", "Campus"),
    ("mobile-notifications", "Mobile notifications", "Campus"),
    ("digital-repository", "Campus Digital Repository", "Campus"),
    ("grade-book", "Grade book", "Campus"),
    ("state-reporting", "State reporting", "Campus"),
    ("support-portal", "Support Portal", "Support"),
    ("campus-community", "Campus Community", "Support"),
    ("knowledge-base", "Knowledge base", "Support"),
    ("sso", "Single sign-on", "Platform"),
    ("email-delivery", "Email delivery", "Platform"),
)
# The notice the "one new update" measurements append to: open, updated 10 h before NOW.
HOT_NOTICE = "hot-incident"

_SUBJECTS = ("certificate", "database", "load balancer", "mail relay", "file store",
             "search index", "sign-in service", "report queue", "DNS provider", "CDN edge")
_VERBS = ("slow responses", "intermittent errors", "failed sign-ins", "delayed emails",
          "timeouts", "missing attachments", "stale data", "failed uploads")
_WORDS = ("customers", "districts", "schools", "staff", "parents", "students", "the team",
          "our vendor", "the on-call engineer", "the database cluster", "a small number of",
          "requests", "during peak hours", "in the Central region", "after the deploy",
          "investigating", "monitoring", "rolling back", "the configuration", "a fix")


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(6, 16))]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(1, 4)))


def _body(rng: random.Random) -> str:
    """One update's Markdown: paragraphs, sometimes a list, a link or a code block."""
    parts = [_paragraph(rng)]
    roll = rng.random()
    if roll < 0.35:
        parts.append("\n".join(f"- {_sentence(rng)}" for _ in range(rng.randint(2, 5))))
    elif roll < 0.5:
        parts.append("\n".join(f"{i}. {_sentence(rng)}" for i in range(1, rng.randint(3, 5))))
    if rng.random() < 0.3:
        ticket = rng.randint(1000, 99999)
        parts.append(f"Details are in [case {ticket}](https://support.example.org/cases/"
                     f"{ticket}) and the **vendor notice**; use `sso-{ticket}` when asking.")
    if rng.random() < 0.12:
        parts.append(f"```\nERROR 503 upstream {rng.choice(_SUBJECTS)} timed out\n"
                     f"retry-after: {rng.randint(10, 600)}\n```")
    if rng.random() < 0.5:
        parts.append(_paragraph(rng))
    return "\n\n".join(parts)


def _components(rng: random.Random) -> str:
    chosen = rng.sample([c[0] for c in COMPONENTS], rng.randint(1, 3))
    return "[" + ", ".join(chosen) + "]"


def _heading(status: str, at: datetime) -> str:
    return heading_line(status, write_time(at, ZONE))


def _incident(rng: random.Random, title: str, first: datetime, is_open: bool,
              max_gap: int = 180) -> str:
    count = rng.randint(2, 6)
    statuses = ["Investigating", "Identified", "Monitoring", "Update", "Update", "Update"]
    chosen = statuses[: count - (0 if is_open else 1)] + ([] if is_open else ["Resolved"])
    times = [first]
    for _ in chosen[1:]:
        times.append(times[-1] + timedelta(minutes=rng.randint(5, max_gap)))
    impact = rng.choice(("none", "minor", "minor", "major", "critical"))
    sections = [_heading(status, at) + "\n" + _body(rng)
                for status, at in zip(chosen, times, strict=True)]
    return (f"---\ntitle: {title}\ntype: incident\nimpact: {impact}\n"
            f"components: {_components(rng)}\n---\n" + "\n\n".join(reversed(sections)) + "\n")


def _maintenance(rng: random.Random, title: str, start: datetime, is_open: bool) -> str:
    end = start + timedelta(minutes=rng.choice((60, 120, 240, 480)))
    posted = start - timedelta(days=rng.randint(1, 14), minutes=rng.randint(0, 600))
    sections = [(_heading("Scheduled", posted), _body(rng))]
    if is_open:  # upcoming: only the announcement is written
        for extra in range(rng.randint(1, 5)):
            at = posted + timedelta(hours=extra + 1)
            sections.append((_heading("Update", at), _body(rng)))
    else:
        sections.append((_heading("In progress", start), _body(rng)))
        for extra in range(rng.randint(0, 3)):
            at = start + timedelta(minutes=10 * (extra + 1))
            sections.append((_heading("Update", at), _body(rng)))
        sections.append((_heading("Completed", end), _body(rng)))
    text = "\n\n".join(h + "\n" + b for h, b in reversed(sections))
    return (f"---\ntitle: {title}\ntype: maintenance\ncomponents: {_components(rng)}\n"
            f"start: {write_time(start, ZONE)}\nend: {write_time(end, ZONE)}\n---\n"
            f"{_paragraph(rng)}\n\n{text}\n")


def config_text() -> str:
    lines = ["title: Benchmark Support Notifications",
             "description: Synthetic notices for the Outpost benchmark.",
             "base_url: https://status.example.org/",
             "timezone: America/Chicago",
             "home_url: https://support.example.org/",
             "submit_case_url: https://support.example.org/cases/new",
             "components:"]
    for cid, name, group in COMPONENTS:
        lines += [f"  - id: {cid}", f"    name: {name}", f"    group: {group}"]
    return "\n".join(lines) + "\n"


def make_repo(root: Path, count: int, seed: int = SEED) -> Path:
    """Write a repository with ``count`` notices (one of them HOT_NOTICE) into ``root``."""
    rng = random.Random(seed * 1_000_003 + count)
    notices = root / "notices"
    notices.mkdir(parents=True, exist_ok=True)
    (root / "outpost.yaml").write_text(config_text(), encoding="utf-8")
    open_every = 100  # about 1 % open
    for index in range(count):
        is_open = index % open_every == open_every - 1 or index == count - 1
        kind = "maintenance" if rng.random() < 0.3 else "incident"
        subject, verb = rng.choice(_SUBJECTS), rng.choice(_VERBS)
        if index == count - 1:
            name, kind = HOT_NOTICE, "incident"
            title, first = "Sign-in errors for some districts", NOW_UTC - timedelta(hours=14)
        elif is_open:
            first = NOW_UTC - timedelta(hours=rng.randint(20, 200))
            if kind == "maintenance":
                first = NOW_UTC + timedelta(days=rng.randint(2, 30))
            title = f"{verb.capitalize()} ({subject})"
        else:
            first = (NOW_UTC - SPAN + (SPAN - timedelta(days=3)) * (index / count)
                     + timedelta(minutes=rng.randint(0, 600)))
            title = f"{verb.capitalize()} ({subject})"
        first = first.replace(second=0, microsecond=0)
        if index != count - 1:
            slug = subject.replace(" ", "-").lower()
            name = f"{first.astimezone(ZONE):%Y-%m-%d}-{slug}-{index}"
        if kind == "incident":
            gap = 60 if name == HOT_NOTICE else 180  # the hot notice ends 9 h before NOW
            text = _incident(rng, title, first, is_open, gap)
        else:
            text = _maintenance(rng, title, first, is_open)
        (notices / f"{name}.md").write_text(text, encoding="utf-8")
    return root


def update_time(step: int) -> str:  # steps 1..540 stay before NOW
    """The local time of bench update ``step``: after HOT_NOTICE's own updates, before NOW."""
    return write_time(NOW_UTC - timedelta(hours=9) + timedelta(minutes=step), ZONE)


def add_update(root: Path, step: int) -> None:
    """Prepend one more 'Update' to HOT_NOTICE, at ``update_time(step)``."""
    path = root / "notices" / f"{HOT_NOTICE}.md"
    text = path.read_text(encoding="utf-8")
    head, sep, rest = text.partition("\n---\n")
    at = NOW_UTC - timedelta(hours=9) + timedelta(minutes=step)
    body = f"Still working on it (update {step}). The fix is rolling out to more districts."
    path.write_text(f"{head}{sep}{_heading('Update', at)}\n{body}\n\n{rest}", encoding="utf-8")
