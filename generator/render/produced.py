"""What producers hand back besides bytes: pages a cache may keep, declared with their
inputs, and the per-notice fragments they may ask a cache for. Light on purpose: the
build cache imports it without the template engine."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class NoticePart:
    """A page input that stands for a notice's whole file (the page cache adds the
    file's digest) plus a detail, such as which update a feed item shows."""

    notice_id: str
    detail: str


@dataclass(frozen=True)
class Page:
    """A file a page cache may keep between builds: ``render()`` depends on nothing but
    ``inputs`` (and the code). Producers return it instead of bytes for such files; the
    pipeline asks the cache before rendering it."""

    inputs: tuple[object, ...]
    render: Callable[[], bytes] = field(compare=False)


@dataclass(frozen=True)
class Kept:
    """A page kept from an earlier build: its digest and size known now, its bytes read
    only if something asks for them (writing a whole new site does; writing only the
    files that changed never does)."""

    sha256: str
    size: int
    read: Callable[[], bytes] = field(compare=False)


# What a producer returns: bytes, or a Page for the pipeline to take from the cache or render.
Produced = Mapping[str, "bytes | Page"]

class Fragments(Protocol):
    """Per-notice values kept between builds (the API's encoded incident objects)."""

    def get(self, notice_id: str, key: str | None, make: Callable[[], T],
            group: str = "") -> T:
        """What ``make()`` returned when ``notice_id`` was last built with ``key``, or
        ``make()`` (None: never reuse). ``group``: fragments asked for together (the
        API's, by year) are kept together, so a build reads only the groups it needs."""
        ...


class NoFragments:
    """Keeps nothing: every fragment is made again."""

    def get(self, notice_id: str, key: str | None, make: Callable[[], T],
            group: str = "") -> T:
        return make()
