"""The page cache: an index of each page's key, sha256 and size; kept pages' bytes are
read back from the output folder, checked, and rendered again when the file there is
not the one written."""

from __future__ import annotations

import os
from pathlib import Path

from generator.build.cache import PageMemo
from generator.build.store import Store
from generator.render.produced import Page


def page(path: str, version: int = 0) -> Page:
    return Page((path, version), lambda: f"<p>{path} v{version}</p>".encode())


def build(cache: Path, out: Path, paths: list[str], version: dict[str, int] | None = None
          ) -> tuple[dict[str, bytes], set[str]]:
    """One build's use of the cache, writing every page into ``out`` as a build does;
    returns every page's bytes (kept ones read back) and the pages rendered."""
    memo = PageMemo(Store(cache, "stamp"), {}, (out,))
    files, rendered = {}, set()
    for path in paths:
        made = page(path, (version or {}).get(path, 0))
        key, kept = memo.lookup(path, made)
        if kept is None:
            data = made.render()
            rendered.add(path)
            memo.keep(path, key, data)
        else:
            data = kept.read()
            assert (kept.size, kept.sha256) == (len(data), memo.digest(path, data))
        files[path] = data
    memo.save()
    for path, data in files.items():
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_bytes(data)
    return files, rendered


def test_kept_pages_read_back_from_the_output_as_the_site_grows_and_shrinks(
        tmp_path: Path) -> None:
    cache, out = tmp_path / "cache", tmp_path / "site"
    small = [f"notices/n{i}/index.html" for i in range(4)]
    big = [f"notices/n{i}/index.html" for i in range(40)]
    expected = {p: page(p).render() for p in big}
    assert build(cache, out, small) == ({p: expected[p] for p in small}, set(small))
    assert build(cache, out, big) == (expected, set(big) - set(small))
    assert build(cache, out, big) == (expected, set())
    changed, rendered = build(cache, out, big, {big[5]: 1})
    assert changed[big[5]] == page(big[5], 1).render() and rendered == {big[5]}
    assert build(cache, out, small) == ({p: expected[p] for p in small}, set())
    store = Store(cache, "stamp")
    shards = [store.load(name) for name in store.names("pages-")]
    index = {path for shard in shards if isinstance(shard, dict) for path in shard}
    assert index == set(small)  # pages no longer produced leave the index


def test_the_cache_keeps_no_page_bytes(tmp_path: Path) -> None:
    cache, out = tmp_path / "cache", tmp_path / "site"
    paths = [f"notices/n{i}/index.html" for i in range(40)]
    Store(cache, "stamp").save("page-bytes-000-of-001", {})  # as an earlier cache kept them
    Store(cache, "stamp").save("pages-99", {})  # a shard of an earlier, larger count
    build(cache, out, paths)
    names = sorted(p.name for p in cache.iterdir())
    assert names and all(name.startswith("pages-") for name in names)
    assert "pages-99" not in names
    assert sum(p.stat().st_size for p in cache.iterdir()) < sum(
        len(page(p).render()) for p in paths) + 200 * len(paths)


def test_a_kept_page_whose_file_is_lost_or_changed_is_rendered_again(tmp_path: Path) -> None:
    cache, out = tmp_path / "cache", tmp_path / "site"
    paths = [f"notices/n{i}/index.html" for i in range(3)]
    build(cache, out, paths)
    (out / paths[0]).unlink()
    (out / paths[1]).write_bytes(b"<p>edited by hand</p>")
    memo = PageMemo(Store(cache, "stamp"), {}, (tmp_path / "elsewhere", out))
    for path in paths:
        _key, kept = memo.lookup(path, page(path))
        assert kept is not None  # the key still matches: only the bytes are gone
        assert kept.read() == page(path).render()


def test_kept_pages_are_read_from_the_first_source_holding_them(tmp_path: Path) -> None:
    cache, old = tmp_path / "cache", tmp_path / "old"
    build(cache, old, ["a.html"])
    memo = PageMemo(Store(cache, "stamp"), {}, (tmp_path / "new", old))
    rendered: list[str] = []

    def counted() -> bytes:
        rendered.append("a.html")
        return page("a.html").render()

    _key, kept = memo.lookup("a.html", Page(("a.html", 0), counted))
    assert kept is not None and kept.read() == page("a.html").render()
    assert rendered == []  # read from the folder the last build wrote, not rendered


def test_a_fifo_in_place_of_a_kept_page_is_not_read(tmp_path: Path) -> None:
    """A kept page is read back only from a regular file of the size written: a FIFO
    put in its place would block the build forever."""
    cache, out = tmp_path / "cache", tmp_path / "site"
    build(cache, out, ["a.html"])
    (out / "a.html").unlink()
    os.mkfifo(out / "a.html")
    memo = PageMemo(Store(cache, "stamp"), {}, (out,))
    _key, kept = memo.lookup("a.html", page("a.html"))
    assert kept is not None and kept.read() == page("a.html").render()
