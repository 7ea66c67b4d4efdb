"""A built or published site is readable by a web server running as another user,
whatever the umask of whoever built it: files 0644, folders 0755, on every path that
writes them (a whole site swapped in, a small rebuild, a dir target's release)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import FIXED_NOW, Run
from tests.publish_support import add_target


@pytest.fixture
def private_umask() -> Iterator[None]:
    """An administrator's hardened umask (077), restored after the test."""
    old = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(old)


def modes(folder: Path) -> dict[str, int]:
    """Each file's and folder's permission bits, by its path in ``folder``."""
    return {path.relative_to(folder).as_posix(): stat.S_IMODE(path.lstat().st_mode)
            for path in folder.rglob("*")}


def unreadable(folder: Path) -> dict[str, int]:
    """What a web server running as another user could not read or enter."""
    wanted = {True: 0o755, False: 0o644}
    return {name: mode for name, mode in modes(folder).items()
            if mode != wanted[(folder / name).is_dir()]}


def test_a_whole_site_and_a_small_rebuild_are_world_readable(
        example_repo: Path, run: Run, private_umask: None) -> None:
    site = example_repo / "site"
    assert run(example_repo, "build", "--now", FIXED_NOW).exit_code == 0
    assert stat.S_IMODE(site.stat().st_mode) == 0o755
    assert unreadable(site) == {}

    # A new notice: a small rebuild writes a new folder under notices/ into the site.
    result = run(example_repo, "new", "incident", "Login failures", "--at",
                 "2026-11-28 05:00", "-m", "Looking into it.")
    assert result.exit_code == 0, result.output
    result = run(example_repo, "build", "--now", FIXED_NOW)
    assert "changed" in result.output
    assert "notices/2026-11-28-login-failures/index.html" in modes(site)
    assert unreadable(site) == {}


def test_a_dir_target_release_is_world_readable(
        example_repo: Path, run: Run, tmp_path: Path, private_umask: None) -> None:
    www = tmp_path / "www"
    add_target(example_repo, f"  - name: www\n    type: dir\n    path: {www}\n")
    assert run(example_repo, "build", "--now", FIXED_NOW).exit_code == 0
    result = run(example_repo, "publish")
    assert result.exit_code == 0, result.output
    assert_release_readable(www)


def assert_release_readable(www: Path) -> None:
    """Every file of the dir target's current release can be read by another user, who
    enters PATH and PATH/releases on the way to PATH/current."""
    release = (www / "current").resolve()
    assert unreadable(release) == {}
    assert [stat.S_IMODE(folder.stat().st_mode) for folder in (www, www / "releases",
                                                                release)] == [0o755] * 3


def test_folders_made_on_the_way_to_out_are_enterable(
        example_repo: Path, run: Run, tmp_path: Path, private_umask: None) -> None:
    out = tmp_path / "srv" / "www" / "status"
    assert run(example_repo, "build", "--out", str(out), "--now", FIXED_NOW).exit_code == 0
    assert unreadable(tmp_path / "srv") == {}


def make_private(folder: Path) -> None:
    """What an earlier Outpost wrote under umask 077: folders 0700, files 0600."""
    for path in [folder, *folder.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o700 if path.is_dir() else 0o600)


def test_a_site_an_earlier_version_left_private_is_opened_by_the_next_build(
        example_repo: Path, run: Run) -> None:
    """A small rebuild would replace only the changed files, each keeping its mode: a
    site an earlier version wrote under umask 077 is written whole instead, once."""
    site = example_repo / "site"
    assert run(example_repo, "build", "--now", FIXED_NOW).exit_code == 0
    make_private(site)
    result = run(example_repo, "new", "incident", "Login failures", "--at",
                 "2026-11-28 05:00", "-m", "Looking into it.")
    assert result.exit_code == 0, result.output
    result = run(example_repo, "build", "--now", FIXED_NOW)
    assert "changed" not in result.output  # written whole, not in place
    assert stat.S_IMODE(site.stat().st_mode) == 0o755
    assert unreadable(site) == {}


@pytest.mark.parametrize("rebuilt", [True, False])
def test_a_dir_target_an_earlier_version_left_private_is_opened_by_the_next_publish(
        example_repo: Path, run: Run, tmp_path: Path, rebuilt: bool) -> None:
    """PATH, PATH/releases and the files the next release links to, all 0700/0600 from
    an earlier version, are opened; so is a current release of the very same build."""
    www = tmp_path / "www"
    add_target(example_repo, f"  - name: www\n    type: dir\n    path: {www}\n")
    assert run(example_repo, "build", "--now", FIXED_NOW).exit_code == 0
    assert run(example_repo, "publish").exit_code == 0
    make_private(www)
    if rebuilt:
        assert run(example_repo, "new", "incident", "Login failures", "--at",
                   "2026-11-28 05:00", "-m", "Looking into it.").exit_code == 0
        assert run(example_repo, "build", "--now", FIXED_NOW).exit_code == 0
    result = run(example_repo, "publish")
    assert result.exit_code == 0, result.output
    assert_release_readable(www)
