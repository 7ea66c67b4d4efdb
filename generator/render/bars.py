"""Daily status bars and uptime figures as pages show them: one bar a day with its own
words (colour is never the only signal), the same days as a list a reader opens by
keyboard or tap (each day with problems on its own line with its notices, quiet days
said once per run), and the uptime beside the row. Pure: built from a
ComponentHistory."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from generator.core.history import ComponentHistory, Day, percent
from generator.core.model import Component, ComponentStatus
from generator.core.times import DASH, MONTHS
from generator.core.wording import counted

NO_DATA = "no_data"
# A status in the bars' words: the model's label, but a day's maintenance is
# 'Maintenance' (the component is not said to be under it now).
_LABELS = {status: status.label for status in ComponentStatus} | {
    ComponentStatus.UNDER_MAINTENANCE: "Maintenance"}
# The legend, worst first: (class suffix, words).
LEGEND: tuple[tuple[str, str], ...] = (
    *((status.value, _LABELS[status]) for status in reversed(ComponentStatus)),
    (NO_DATA, "No data"),
)
# A day's words for the minutes of each status: 'partial outage for 58 minutes'.
_WORDS = {status: label.lower() for status, label in _LABELS.items()}
_OPERATIONAL = _WORDS.pop(ComponentStatus.OPERATIONAL)  # said alone, of a quiet day

@dataclass(frozen=True)
class Bar:
    day: date
    status: str  # a ComponentStatus value, or "no_data"
    text: str  # "Jul 30, 2024: partial outage for 58 minutes (Digicert certificate reissue)"
    notices: tuple[str, ...]  # ids of the day's notices
    words: str  # the text without the notices: "Jul 30, 2024: partial outage for ..."

    @property
    def anchor(self) -> str:
        return f"d-{self.day.isoformat()}"


@dataclass(frozen=True)
class DayLine:
    """A line of the day-by-day list: one day with notices, or a run of quiet days
    (operational or no data, no notices) said once: "Jul 31 \u2013 Oct 26, 2024:
    operational"."""
    first: date
    last: date
    status: str
    words: str  # "Jul 30, 2024: partial outage for 58 minutes"
    notices: tuple[tuple[str, str], ...]  # (id, title), the day's notices

    @property
    def anchor(self) -> str:
        return f"d-{self.last.isoformat()}"

    @property
    def label(self) -> str:
        """The days the line says: 'Jul 30, 2024', 'Jul 31 \u2013 Oct 26, 2024'."""
        return days_label(self.first, self.last)

    @property
    def detail(self) -> str:
        """The words after the label: ': partial outage for 58 minutes'."""
        return self.words[len(self.label):]

    @property
    def text(self) -> str:
        """The line as read, its notices' titles too: a single day's is its bar's text.
        Documented for template overrides, which may read it."""
        return with_titles(self.words, [title for _, title in self.notices])


@dataclass(frozen=True)
class BarRow:
    component: Component
    bars: tuple[Bar, ...]  # oldest first
    uptime: str | None  # "99.87", cut to two decimals; None without data
    days: tuple[DayLine, ...] = ()  # the same days as lines, newest first


def day_label(day: date) -> str:
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


def duration(minutes: float) -> str:
    """'58 minutes', '1 hour', '2 hours 5 minutes', 'less than a minute'."""
    whole = int(minutes)
    if whole < 1:
        return "less than a minute"
    hours, rest = divmod(whole, 60)
    parts = []
    if hours:
        parts.append(counted(hours, "hour"))
    if rest:
        parts.append(counted(rest, "minute"))
    return " ".join(parts)


def days_label(first: date, last: date) -> str:
    """'Jul 31, 2024', 'Jul 31 \u2013 Oct 26, 2024', 'Dec 20, 2024 \u2013 Jan 5, 2025'."""
    if first == last:
        return day_label(last)
    start = (f"{MONTHS[first.month - 1]} {first.day}" if first.year == last.year
             else day_label(first))
    return f"{start} {DASH} {day_label(last)}"


def with_titles(words: str, titles: list[str]) -> str:
    """A day's words and, if any, its notices' titles: 'Jul 30, 2024: ... (Reissue)'."""
    return f"{words} ({'; '.join(titles)})" if titles else words


def _status_words(status: str) -> str:
    return "no data" if status == NO_DATA else _OPERATIONAL


def bar(day: Day, titles: Mapping[str, str]) -> Bar:
    label = day_label(day.day)
    if not day.has_data:
        return Bar(day.day, NO_DATA, f"{label}: no data", (), f"{label}: no data")
    # A status in force at the build time and not before has no minutes yet: 'for less
    # than a minute', as the status line above says it already.
    spent = [f"{_WORDS[status]} for {duration(float(minutes))}"
             for status, minutes in day.minutes if status in _WORDS]
    words = f"{label}: {', '.join(spent) if spent else _OPERATIONAL}"
    text = with_titles(words, [titles.get(n, n) for n in day.notices])
    return Bar(day.day, day.worst.value, text, day.notices, words)


def day_lines(bars: tuple[Bar, ...], titles: Mapping[str, str]) -> tuple[DayLine, ...]:
    """The bars (oldest first) as list lines, newest first: a day with notices on its
    own line with its notices; consecutive days without notices and of the same status
    (operational, or no data) on one line."""
    lines: list[DayLine] = []
    for one in bars:
        quiet = not one.notices and one.status in (NO_DATA, ComponentStatus.OPERATIONAL.value)
        last = lines[-1] if lines else None
        if quiet and last is not None and not last.notices and last.status == one.status:
            lines[-1] = DayLine(last.first, one.day, one.status,
                                f"{days_label(last.first, one.day)}: "
                                f"{_status_words(one.status)}", ())
            continue
        lines.append(DayLine(one.day, one.day, one.status, one.words,
                             tuple((n, titles.get(n, n)) for n in one.notices)))
    return tuple(reversed(lines))


def bar_row(component: Component, history: ComponentHistory, count: int,
            titles: Mapping[str, str]) -> BarRow:
    bars = tuple(bar(day, titles) for day in history.last(count))
    return BarRow(component, bars, figure_text(history.uptime(count)),
                  day_lines(bars, titles))


def figure_text(figure: Fraction | None) -> str | None:
    return None if figure is None else percent(figure)


def uptime_text(figure: str | None) -> str:
    return "no data yet" if figure is None else f"{figure} % uptime"
