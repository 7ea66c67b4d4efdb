"""Per-notice fragments remembered across builds (the API's incident objects).

``StoredFragments.get(notice_id, key, make)`` returns what ``make()`` returned the last
time ``notice_id`` was built with the same ``key``; otherwise it calls ``make``. The
caller's key must hold every input of the fragment (the code stamp is the store's).
Entries live in ``fragments-<group>-NN`` shards of the build cache (generator/build/store.py),
a few per group (the API groups by year): one changed notice rewrites one shard, which
then drops the fragments of deleted notices and of notices now in another group.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from typing import TypeVar, cast

from generator.build.store import Store, shard

T = TypeVar("T")

SHARDS = 2  # per group: a year of 1,000 notices in two files of ~3 MB
_PLAIN = re.compile(r"[A-Za-z0-9_]{1,40}")
_OLD_NAME = re.compile(r"fragments-[0-9]{2}")


def _shard(notice_id: str, group: str = "") -> str:
    """A group's fragments live in shards of their own (a group named other than plainly
    is named by its digest)."""
    name = group if _PLAIN.fullmatch(group) else f"{shard(group, 2 ** 32):08x}"  # its crc32
    return f"fragments-{name}-{shard(notice_id, SHARDS):02d}"


class StoredFragments:
    """A memo of fragments per notice id, kept in ``store`` (None: remember nothing):
    render.produced's ``Fragments`` across builds."""

    def __init__(self, store: Store | None) -> None:
        self.store = store
        self._shards: dict[str, dict[str, tuple[str, object]]] = {}
        self._dirty: set[str] = set()
        self._used: dict[str, set[str]] = {}
        self._where: dict[str, str] = {}  # notice id -> the shard asked this build

    def _load(self, name: str) -> dict[str, tuple[str, object]]:
        if name not in self._shards:
            loaded = self.store.load(name) if self.store is not None else None
            self._shards[name] = loaded if isinstance(loaded, dict) else {}
        return self._shards[name]

    def get(self, notice_id: str, key: str | None, make: Callable[[], T],
            group: str = "") -> T:
        """The fragment for ``notice_id`` at ``key`` (None: never reuse or keep it)."""
        if key is None or self.store is None:
            return make()
        name = _shard(notice_id, group)
        entries = self._load(name)
        self._used.setdefault(name, set()).add(notice_id)
        self._where[notice_id] = name
        found = entries.get(notice_id)
        if found is not None and found[0] == key:
            return cast(T, found[1])  # what make() returned for this notice and key
        value = make()
        entries[notice_id] = (key, value)
        self._dirty.add(name)
        return value

    def save(self, alive: Collection[str] | None = None) -> None:
        """Keep this build's fragments. A shard this build changed drops the fragments of
        notices not in ``alive`` (every notice of the site; None: those not asked for
        this build); the others are kept as they are, fragments of notices this build
        did not ask for included (a page that was kept whole asks for none)."""
        if self.store is None:
            return
        for name in sorted(self._dirty):
            entries = self._shards[name]
            keep = alive if alive is not None else self._used.get(name, set())
            for stale in [notice_id for notice_id in entries if notice_id not in keep
                          or self._where.get(notice_id, name) != name]:  # or moved group
                del entries[stale]
            self.store.save(name, entries)
        self._dirty.clear()  # saved: a second save (after a second process's) skips them
        for name in self.store.names("fragments-"):
            index = name.rpartition("-")[2]
            # Before groups (fragments-NN), or a shard past SHARDS (an earlier count).
            if _OLD_NAME.fullmatch(name) or (index.isdigit() and int(index) >= SHARDS):
                self.store.remove(name)
