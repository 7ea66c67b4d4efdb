"""The per-notice fragment memo: reuse on the same key, drop deleted notices."""

from __future__ import annotations

from pathlib import Path

from generator.build.cache import Store
from generator.build.fragments import StoredFragments, _shard


def _memo(tmp_path: Path) -> StoredFragments:
    return StoredFragments(Store(tmp_path / "cache", "stamp"))


def test_fragments_are_reused_only_for_the_same_key(tmp_path: Path) -> None:
    first = _memo(tmp_path)
    assert first.get("a", "k1", lambda: "A1") == "A1"
    assert first.get("b", "k1", lambda: "B1") == "B1"
    first.save()
    second = _memo(tmp_path)
    assert second.get("a", "k1", lambda: "fresh") == "A1"
    assert second.get("b", "k2", lambda: "B2") == "B2"
    assert second.get("c", None, lambda: "C") == "C"  # no key: never reused
    second.save()
    third = _memo(tmp_path)
    assert third.get("b", "k2", lambda: "fresh") == "B2"
    assert third.get("a", "k1", lambda: "fresh") == "A1"
    assert third.get("c", None, lambda: "C2") == "C2"


def test_deleted_notices_are_dropped_when_their_shard_is_written(tmp_path: Path) -> None:
    first = _memo(tmp_path)
    first.get("a", "k", lambda: "A")
    first.save()
    second = _memo(tmp_path)
    second.get("a", "k2", lambda: "A2")  # its shard is written again...
    second.get("b", "k", lambda: "B")
    second.save(alive={"b"})  # ...without "a", deleted meanwhile
    kept = Store(tmp_path / "cache", "stamp").load(_shard("a"))
    assert isinstance(kept, dict) and "a" not in kept


def test_notices_not_asked_for_are_kept(tmp_path: Path) -> None:
    """A page kept whole (an API year file) asks for none of its notices' fragments:
    they are kept for the build that renders it again."""
    first = _memo(tmp_path)
    first.get("a", "k", lambda: "A")
    first.get("b", "k", lambda: "B")
    first.save()
    second = _memo(tmp_path)
    second.get("b", "k2", lambda: "B2")
    second.save(alive={"a", "b"})
    third = _memo(tmp_path)
    assert third.get("a", "k", lambda: "rebuilt") == "A"
    assert third.get("b", "k2", lambda: "rebuilt") == "B2"


def test_a_memo_without_a_store_remembers_nothing(tmp_path: Path) -> None:
    memo = StoredFragments(None)
    assert memo.get("a", "k", lambda: "A") == "A"
    memo.save()
    assert memo.get("a", "k", lambda: "again") == "again"


def test_groups_are_read_only_when_asked_for(tmp_path: Path) -> None:
    first = _memo(tmp_path)
    first.get("a", "k", lambda: "A", group="2019")
    first.get("b", "k", lambda: "B", group="2026")
    first.save()
    second = _memo(tmp_path)
    assert second.get("b", "k", lambda: "fresh", group="2026") == "B"
    assert set(second._shards) == {_shard("b", "2026")}  # 2019's shard never read
    assert _shard("x", "../odd group") .startswith("fragments-")
    assert "/" not in _shard("x", "../odd group")


def test_a_notice_moving_to_another_group_leaves_the_old_one(tmp_path: Path) -> None:
    first = _memo(tmp_path)
    first.get("a", "k", lambda: "A", group="2025")
    first.save()
    neighbour = next(f"c{i}" for i in range(100)
                     if _shard(f"c{i}", "2025") == _shard("a", "2025"))
    second = _memo(tmp_path)
    second.get("a", "k2", lambda: "A2", group="2026")
    second.get(neighbour, "k", lambda: "C", group="2025")  # a's old shard written again
    second.save(alive={"a", neighbour})
    old = Store(tmp_path / "cache", "stamp").load(_shard("a", "2025"))
    assert isinstance(old, dict) and set(old) == {neighbour}


def test_shards_an_earlier_layout_left_are_removed(tmp_path: Path) -> None:
    """Shards named as an earlier version named them (no group; more shards per group)
    are never read again: a save removes them, and keeps the current ones."""
    store = Store(tmp_path / "cache", "stamp")
    for stale in ("fragments-03", "fragments-2025-02", "fragments-2025-03"):
        store.save(stale, {"x": ("k", "old")})
    memo = _memo(tmp_path)
    memo.get("a", "k", lambda: "A", group="2025")
    memo.save()
    assert store.names("fragments-") == [_shard("a", "2025")]
