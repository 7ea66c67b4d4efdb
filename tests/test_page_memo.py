"""The page cache's index and bytes shards: kept pages read back right however the site
grew or shrank, their shards rewritten only where pages changed."""

from __future__ import annotations

from pathlib import Path

from generator.build.cache import BYTES_SHARDS, PAGES_PER_SHARD, PageMemo, bytes_shard_count
from generator.build.store import Store
from generator.render.produced import Page


def page(path: str, version: int = 0) -> Page:
    return Page((path, version), lambda: f"<p>{path} v{version}</p>".encode())


def build(folder: Path, paths: list[str], version: dict[str, int] | None = None
          ) -> dict[str, bytes]:
    """One build's use of the cache: every page looked up, misses rendered and kept;
    returns every page's bytes (kept ones read back)."""
    memo = PageMemo(Store(folder, "stamp"), {})
    files = {}
    for path in paths:
        made = page(path, (version or {}).get(path, 0))
        key, kept = memo.lookup(path, made)
        if kept is None:
            data = made.render()
            memo.keep(path, key, data)
            files[path] = data
        else:
            files[path] = kept.read()
            assert (kept.size, kept.sha256) == (len(files[path]), memo.digest(path, files[path]))
    memo.save()
    return files


def test_shard_count_grows_with_the_site() -> None:
    assert bytes_shard_count(1) == 1
    assert bytes_shard_count(PAGES_PER_SHARD) == 1
    assert bytes_shard_count(PAGES_PER_SHARD + 1) == 2
    assert bytes_shard_count(10**6) == BYTES_SHARDS


def test_kept_pages_read_back_as_the_site_grows_and_shrinks(tmp_path: Path) -> None:
    small = [f"notices/n{i}/index.html" for i in range(PAGES_PER_SHARD)]
    big = [f"notices/n{i}/index.html" for i in range(20 * PAGES_PER_SHARD)]
    expected = {p: page(p).render() for p in big}
    assert build(tmp_path, small) == {p: expected[p] for p in small}
    assert len(list(tmp_path.glob("page-bytes-*"))) == 1
    assert build(tmp_path, big) == expected  # the first ones still in the one-shard file
    assert build(tmp_path, big) == expected
    changed = build(tmp_path, big, {big[5]: 1})
    assert changed[big[5]] == page(big[5], 1).render()
    assert build(tmp_path, small) == {p: expected[p] for p in small}  # big[5] at v0 again
    shards = {p.name for p in tmp_path.glob("page-bytes-*")}
    memo = PageMemo(Store(tmp_path, "stamp"), {})
    held = {path for name in shards for path in memo._load(memo._bytes, name)}
    assert held == set(small)  # dropped pages leave their shards; empty shards go


def test_an_update_rewrites_one_bytes_shard(tmp_path: Path) -> None:
    paths = [f"notices/n{i}/index.html" for i in range(10 * PAGES_PER_SHARD)]
    build(tmp_path, paths)
    before = {p.name: p.stat().st_mtime_ns for p in tmp_path.glob("page-bytes-*")}
    assert len(before) == 16
    build(tmp_path, paths, {paths[3]: 1})
    after = {p.name: p.stat().st_mtime_ns for p in tmp_path.glob("page-bytes-*")}
    assert sum(before[name] != after[name] for name in before) == 1
