"""Compiled templates: built-in ones kept beside them, a site's own in its build cache;
neither trusted when damaged or when the source changed."""

from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import ChoiceLoader, Environment, FileSystemLoader

from generator.build.compiled import StoredBytecode
from generator.build.store import Store


def environment(cache: StoredBytecode, *folders: Path) -> Environment:
    return Environment(loader=ChoiceLoader([FileSystemLoader(str(f)) for f in folders]),
                       bytecode_cache=cache, auto_reload=False)


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path, Store]:
    shipped, own = tmp_path / "package" / "templates", tmp_path / "site" / "templates"
    shipped.mkdir(parents=True)
    own.mkdir(parents=True)
    (shipped / "page.html").write_text("built-in {{ word }}")
    (own / "mine.html").write_text("own {{ word }}")
    return shipped, own, Store(tmp_path / "cache", "stamp")


def render(cache: StoredBytecode, shipped: Path, own: Path, name: str) -> str:
    return environment(cache, own, shipped).get_template(name).render(word="ok")


def test_built_in_templates_are_kept_beside_them(folders: tuple[Path, Path, Store]) -> None:
    shipped, own, store = folders
    assert render(StoredBytecode(store, shipped), shipped, own, "page.html") == "built-in ok"
    (kept,) = (shipped / "__pycache__").iterdir()
    assert kept.suffix == ".jinja" and not store.folder.exists()
    written = kept.stat().st_mtime_ns
    assert render(StoredBytecode(store, shipped), shipped, own, "page.html") == "built-in ok"
    assert kept.stat().st_mtime_ns == written  # reused, not compiled and written again


def test_a_sites_own_templates_go_in_its_build_cache(folders: tuple[Path, Path, Store]
                                                     ) -> None:
    shipped, own, store = folders
    assert render(StoredBytecode(store, shipped), shipped, own, "mine.html") == "own ok"
    assert not (shipped / "__pycache__").exists()
    assert [p.name.startswith("template-") for p in store.folder.iterdir()] == [True]


@pytest.mark.parametrize("damage", [b"", b"garbage", b"j2\x00\x00\x00\x00"])
def test_damaged_compiled_template_is_compiled_again(folders: tuple[Path, Path, Store],
                                                     damage: bytes) -> None:
    shipped, own, store = folders
    render(StoredBytecode(store, shipped), shipped, own, "page.html")
    (kept,) = (shipped / "__pycache__").iterdir()
    kept.write_bytes(damage)
    assert render(StoredBytecode(store, shipped), shipped, own, "page.html") == "built-in ok"
    assert kept.read_bytes() != damage  # written again


def test_changed_source_is_compiled_again(folders: tuple[Path, Path, Store]) -> None:
    shipped, own, store = folders
    render(StoredBytecode(store, shipped), shipped, own, "page.html")
    (shipped / "page.html").write_text("changed {{ word }}")
    assert render(StoredBytecode(store, shipped), shipped, own, "page.html") == "changed ok"


def test_unwritable_package_folder_still_renders(folders: tuple[Path, Path, Store]) -> None:
    shipped, own, store = folders
    (shipped / "__pycache__").write_text("a file where the folder would be")
    assert render(StoredBytecode(store, shipped), shipped, own, "page.html") == "built-in ok"
    assert render(StoredBytecode(store, shipped), shipped, own, "page.html") == "built-in ok"
