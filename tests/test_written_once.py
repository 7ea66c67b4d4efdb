"""Small rules and helpers are written once, in the module named here, and serve
everywhere else."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from generator import disk
from generator.app import schema
from tests.conftest import MINIMAL_CONFIG

PACKAGE = Path(__file__).resolve().parent.parent / "generator"


def sources() -> dict[str, str]:
    return {path.relative_to(PACKAGE).as_posix(): path.read_text("utf-8")
            for path in sorted(PACKAGE.rglob("*.py"))}


@pytest.mark.parametrize(("rule", "home"), [
    ("[a-z0-9][a-z0-9-]*", "core/model.py"),  # the id pattern
    ("`{3,}|~{3,}", "notices/grammar.py"),  # the fence rule
    ("(?P<status>", "notices/grammar.py"),  # the update heading
    ("(?:---|", "notices/grammar.py"),  # the front matter's closing line
    ("silent[ \\t]", "notices/grammar.py"),  # the silent flag written another way
    ("%Y%m%dT%H%M", "core/times.py"),  # the compact UTC stamp
    ("outpost.invalid", "core/model.py"),  # the site host
    ('split("://"', "core/model.py"),  # the site base path
    ('suffix=".tmp"', "disk.py"),  # a temporary file beside its target, renamed over it
    ("mkstemp(", "disk.py"),
    ("O_NONBLOCK", "disk.py"),  # a file opened without blocking, then checked
])
def test_each_rule_is_written_in_one_module(rule: str, home: str) -> None:
    assert [name for name, text in sources().items() if rule in text] == [home]


@pytest.mark.parametrize(("base_url", "host", "base_path"), [
    ("https://status.example.org", "status.example.org", "/"),
    ("https://Status.Example.org:8443/it/status", "status.example.org", "/it/status/"),
    ("http://[::1]:8000/", "::1", "/"),
])
def test_site_host_and_base_path(base_url: str, host: str, base_path: str) -> None:
    config = schema().parse(MINIMAL_CONFIG.replace("https://status.example.org/", base_url))
    assert (config.host, config.base_path) == (host, base_path)


def test_atomic_write_keeps_the_mode_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "state.json"
    disk.write_file_atomic(target, b"one")
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    target.chmod(0o600)
    disk.write_file_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert os.listdir(target.parent) == ["state.json"]


def test_atomic_write_syncs_unless_asked_not_to(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []
    monkeypatch.setattr(os, "fsync", synced.append)
    disk.write_file_atomic(tmp_path / "kept.json", b"one")
    assert len(synced) == 1
    disk.write_file_atomic(tmp_path / "site.html", b"two", synced=False)
    assert len(synced) == 1
    assert (tmp_path / "site.html").read_bytes() == b"two"


def test_exclusive_create_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "notices" / "a.md"
    disk.create_file_exclusive(target, b"first")
    with pytest.raises(FileExistsError):
        disk.create_file_exclusive(target, b"second")
    assert target.read_bytes() == b"first"
    assert os.listdir(target.parent) == ["a.md"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "a.md"
    target.write_bytes(b"old")
    with pytest.raises(TypeError):
        disk.write_file_atomic(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["a.md"]


def test_atomic_write_takes_parts_in_order(tmp_path: Path) -> None:
    target = tmp_path / "cache" / "entry"
    disk.write_file_atomic(target, (b"head\n", b"", b"payload"), synced=False)
    assert target.read_bytes() == b"head\npayload"
    assert os.listdir(target.parent) == ["entry"]


def test_a_file_is_read_only_when_it_is_a_regular_one(tmp_path: Path) -> None:
    page = tmp_path / "a.html"
    page.write_bytes(b"0123456789")
    assert disk.read_regular(page) == b"0123456789"
    assert disk.read_regular(page, 4) == b"0123"
    assert disk.regular_bytes(page, 10) == b"0123456789"
    assert disk.regular_bytes(page, 9) is None
    assert disk.regular_bytes(page, 11) is None
    pipe = tmp_path / "pipe.html"
    os.mkfifo(pipe)  # opened without blocking (no writer), never read
    found = disk.read_regular(pipe)
    assert isinstance(found, disk.NotRegular) and stat.S_ISFIFO(found.mode)
    assert disk.regular_bytes(pipe) is None
    folder = disk.read_regular(tmp_path)
    assert isinstance(folder, disk.NotRegular) and stat.S_ISDIR(folder.mode)
    with pytest.raises(FileNotFoundError):
        disk.read_regular(tmp_path / "missing.html")
    assert disk.regular_bytes(tmp_path / "missing.html") is None
