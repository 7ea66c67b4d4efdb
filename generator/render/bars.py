"""Daily status bars and uptime figures as pages show them: one bar a day with its own
words (colour is never the only signal), a link to the day's notices, and the uptime
beside the row. Pure: built from a ComponentHistory."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from generator.core.history import ComponentHistory, Day, percent
from generator.core.model import Component, ComponentStatus

NO_DATA = "no_data"
# The legend, worst first: (class suffix, words).
LEGEND = (
    (ComponentStatus.MAJOR_OUTAGE.value, "Major outage"),
    (ComponentStatus.PARTIAL_OUTAGE.value, "Partial outage"),
    (ComponentStatus.DEGRADED_PERFORMANCE.value, "Degraded performance"),
    (ComponentStatus.UNDER_MAINTENANCE.value, "Maintenance"),
    (ComponentStatus.OPERATIONAL.value, "Operational"),
    (NO_DATA, "No data"),
)
_WORDS = {
    ComponentStatus.MAJOR_OUTAGE: "major outage",
    ComponentStatus.PARTIAL_OUTAGE: "partial outage",
    ComponentStatus.DEGRADED_PERFORMANCE: "degraded performance",
    ComponentStatus.UNDER_MAINTENANCE: "maintenance",
}


@dataclass(frozen=True)
class Bar:
    day: date
    status: str  # a ComponentStatus value, or "no_data"
    text: str  # "Jul 30, 2024: partial outage for 58 minutes (Digicert certificate reissue)"
    notices: tuple[str, ...]  # ids of the day's notices

    @property
    def anchor(self) -> str:
        return f"d-{self.day.isoformat()}"


@dataclass(frozen=True)
class BarRow:
    component: Component
    bars: tuple[Bar, ...]  # oldest first
    uptime: str | None  # "99.87", cut to two decimals; None without data


def day_label(day: date) -> str:
    return f"{day:%b} {day.day}, {day.year}"


def duration(minutes: float) -> str:
    """'58 minutes', '1 hour', '2 hours 5 minutes', 'less than a minute'."""
    whole = int(minutes)
    if whole < 1:
        return "less than a minute"
    hours, rest = divmod(whole, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if rest:
        parts.append(f"{rest} minute{'s' if rest != 1 else ''}")
    return " ".join(parts)


def bar(day: Day, titles: Mapping[str, str]) -> Bar:
    label = day_label(day.day)
    if not day.has_data:
        return Bar(day.day, NO_DATA, f"{label}: no data", ())
    spent = [f"{_WORDS[status]} for {duration(float(minutes))}"
             for status, minutes in day.minutes if status in _WORDS and minutes > 0]
    text = f"{label}: {', '.join(spent) if spent else 'operational'}"
    if day.notices:
        text += " (" + "; ".join(titles.get(n, n) for n in day.notices) + ")"
    return Bar(day.day, day.worst.value, text, day.notices)


def bar_row(component: Component, history: ComponentHistory, count: int,
            titles: Mapping[str, str]) -> BarRow:
    return BarRow(component, tuple(bar(day, titles) for day in history.last(count)),
                  figure_text(history.uptime(count)))


def figure_text(figure: Fraction | None) -> str | None:
    return None if figure is None else percent(figure)


def uptime_text(figure: str | None) -> str:
    return "no data yet" if figure is None else f"{figure} % uptime"
