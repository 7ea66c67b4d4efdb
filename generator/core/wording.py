"""Counts in words: "1 update", "3 updates", written once for every message."""

from __future__ import annotations


def noun(count: int, singular: str, plural: str = "") -> str:
    """``singular`` for one, else ``plural`` (``singular`` + 's' unless given)."""
    return singular if count == 1 else plural or f"{singular}s"


def counted(count: int, singular: str, plural: str = "") -> str:
    """'1 update', '3 updates': the count and its noun."""
    return f"{count} {noun(count, singular, plural)}"
