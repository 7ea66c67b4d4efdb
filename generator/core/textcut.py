"""Cutting text for a line of limited room without splitting what reads as one
character: an accent from its letter, an emoji from its modifier, a flag in two."""

from __future__ import annotations

import unicodedata

ELLIPSIS = "\u2026"


def shortened(text: str, limit: int) -> str:
    """``text`` if it has at most ``limit`` characters, else cut between whole
    characters to end in an ellipsis within ``limit``."""
    if len(text) <= limit:
        return text
    return cut(text, max(limit - 1, 0))


def cut(text: str, keep: int) -> str:
    """``text`` cut to at most its first ``keep`` characters, back to the last whole
    character, ending in an ellipsis."""
    return text[:whole(text, keep)].rstrip() + ELLIPSIS


def whole(text: str, keep: int) -> int:
    """The most characters of ``text``, ``keep`` at most, that end with a whole one."""
    while 0 < keep < len(text) and joins_previous(text, keep):
        keep -= 1
    return keep


def joins_previous(text: str, index: int) -> bool:
    """Whether a cut before text[index] would split a character from its accent,
    variation selector or emoji modifier, leave a zero-width joiner dangling, or split
    a flag: two regional indicators, or a black flag and its tag characters."""
    char = text[index]
    return (unicodedata.category(char) in ("Mn", "Mc", "Me") or char == "\u200d"
            or text[index - 1] == "\u200d" or "\U0001f3fb" <= char <= "\U0001f3ff"
            or "\U000e0020" <= char <= "\U000e007f"
            or (_is_regional(char) and _regional_run(text, index) % 2 == 1))


def _is_regional(char: str) -> bool:
    return "\U0001f1e6" <= char <= "\U0001f1ff"


def _regional_run(text: str, index: int) -> int:
    """How many regional indicators come right before text[index]: an odd number means
    text[index] is the second letter of a flag."""
    start = index
    while start > 0 and _is_regional(text[start - 1]):
        start -= 1
    return index - start
