"""`outpost build` with nothing changed: a small record, checked cheaply, never trusted blindly."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

import click
import pytest

import generator
from generator.app import WIRING, project
from generator.build import builder as incremental
from generator.build import store as cache_store
from generator.build import uptodate
from generator.build.options import BuildOptions
from generator.cli.common import Repo, resolve_now
from generator.core.errors import ProblemsFound
from tests.conftest import Run
from tests.test_incremental import START, apply, clean_files, make_repo, tree

FAST = ("jinja2", "cmarkgfm", "nh3", "feedgen", "yaml", "boto3", "generator.config.settings",
        "generator.config.schema", "generator.notices.loader", "generator.render.pages",
        "generator.build.output")


def built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
          real_code: bool = False) -> tuple[Path, Path]:
    """A repository built once, with stats trusted 50 ms after a change (QUICK, not 2 s)
    and, unless ``real_code``, a fixed code stamp (others may edit the package meanwhile)."""
    if not real_code:
        monkeypatch.setattr(cache_store, "code_digest", lambda: "this version")
    root = make_repo(tmp_path / "repo")
    out = tmp_path / "site"
    time.sleep(0.1)
    assert build(root, out, START)[1] == "whole site"
    time.sleep(0.1)
    assert build(root, out, START)[1] == "up to date"
    return root, out


QUICK = BuildOptions(racy_seconds=0.05)


def build(root: Path, out: Path, now: datetime, options: BuildOptions = QUICK
          ) -> tuple[int, str]:
    return incremental.build(project(root), out, now, options)


def record(root: Path) -> Path:
    return root / cache_store.CACHE_DIR / uptodate.UP_TO_DATE


def test_up_to_date_reads_only_the_small_record(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    root, out = built(tmp_path, monkeypatch)
    assert record(root).stat().st_size < 1000
    state = root / cache_store.CACHE_DIR / incremental.STATE
    state.write_bytes(b"damaged")  # not read at all when nothing changed
    assert build(root, out, START) == (len(tree(out)), "up to date")
    apply("update", root, START, 4)
    assert build(root, out, START)[1] == "whole site"  # no usable state
    assert tree(out) == clean_files(root, START)


@pytest.mark.parametrize("damage", ["flip", "truncate", "garbage", "stamp", "empty",
                                    "wrong-shape", "other-folder", "missing"])
def test_damaged_record_means_a_real_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           damage: str) -> None:
    root, out = built(tmp_path, monkeypatch)
    path = record(root)
    data = path.read_bytes()
    store = cache_store.open_store(root)
    good = store.load(uptodate.UP_TO_DATE)
    if damage == "flip":
        path.write_bytes(data[:-5] + bytes(b ^ 0x55 for b in data[-5:]))
    elif damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(os.urandom(len(data)))
    elif damage == "stamp":
        path.write_bytes(data.replace(b'"stamp": "', b'"stamp": "0', 1))
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "wrong-shape":  # checksummed, but not what a build writes
        store.save(uptodate.UP_TO_DATE, {**good, "count": "many", "last": None})
    elif damage == "other-folder":
        store.save(uptodate.UP_TO_DATE, {**good, "out": str(tmp_path / "elsewhere")})
    else:
        path.unlink()
    assert build(root, out, START)[1] == "0 changed"
    assert tree(out) == clean_files(root, START)
    rewritten = store.load(uptodate.UP_TO_DATE)
    assert {**rewritten, "written_ns": 0} == {**good, "written_ns": 0}
    time.sleep(0.1)
    assert build(root, out, START)[1] == "up to date"


def same_size_edit(root: Path) -> None:
    """Change a notice's bytes but not its size or mtime: only ctime (and the bytes) tell."""
    path = root / "notices" / "open-one.md"
    before = path.stat()
    path.write_text(path.read_text().replace("Open problem", "Open PROBLEM"))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size


# (Which producers make the site is code: the "code" change covers it.)
CHANGES = ["same-size-edit", "new-notice", "delete-notice", "config", "template", "clock",
           "code", "index-edited", "manifest-edited", "manifest-deleted", "folder-replaced"]


@pytest.mark.parametrize("trust", ["racy-rule", "stats-only"])
@pytest.mark.parametrize("change", CHANGES)
def test_any_change_means_a_real_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       change: str, trust: str) -> None:
    root, out = built(tmp_path, monkeypatch)
    # stats-only: every stat is trusted: the digest alone must see the change
    options = BuildOptions(racy_seconds=-1e6) if trust == "stats-only" else QUICK
    now = START
    if change == "same-size-edit":
        same_size_edit(root)
    elif change == "new-notice":
        apply("new-incident", root, now, 7)
    elif change == "delete-notice":
        (root / "notices" / "old-1.md").unlink()
    elif change == "config":
        apply("config", root, now, 3)
    elif change == "template":
        apply("template", root, now, 3)
    elif change == "clock":
        now = START + timedelta(seconds=1)
    elif change == "code":
        monkeypatch.setattr(cache_store, "code_digest", lambda: "another version")
    elif change == "index-edited":
        (out / "index.html").write_text("defaced")
    elif change == "manifest-edited":
        (out / "manifest.json").write_text("{}")
    elif change == "manifest-deleted":
        (out / "manifest.json").unlink()
    else:
        shutil.copytree(out, tmp_path / "copy")
        shutil.rmtree(out)
        (tmp_path / "copy").rename(out)
    count, how = build(root, out, now, options)
    assert how != "up to date"
    assert tree(out) == clean_files(root, now)
    time.sleep(0.1)  # a notice changed just before that build could not be recorded then
    assert build(root, out, now, options)[1] in ("up to date", "0 changed")
    time.sleep(0.1)
    assert build(root, out, now, options) == (count, "up to date")


def test_notice_signatures(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    later = time.time_ns() + 10**12
    first = uptodate.notice_signatures(root, later)
    assert first is not None and first == uptodate.notice_signatures(root, later)
    same_size_edit(root)
    assert uptodate.notice_signatures(root, later) not in (None, first)
    assert uptodate.notice_signatures(root, time.time_ns() - 10**9) is None  # too recent
    (root / "notices" / "sub").mkdir()
    assert uptodate.notice_signatures(root, later) not in (None, first)
    shutil.rmtree(root / "notices")
    assert uptodate.notice_signatures(root, later) == "-"
    (root / "notices").write_text("a file")
    assert uptodate.notice_signatures(root, later) is None


def test_code_digest_covers_every_package_file_but_bytecode(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "generator"
    shutil.copytree(Path(generator.__file__).parent, package,
                    ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(generator, "__file__", str(package / "__init__.py"))
    first = cache_store.code_digest()
    assert first == cache_store.code_digest()
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "cli.cpython-311.pyc").write_bytes(b"bytecode")
    (package / "stray.pyc").write_bytes(b"bytecode")
    assert cache_store.code_digest() == first
    template = package / "render" / "templates" / "base.html"
    template.write_text(template.read_text() + " ")
    second = cache_store.code_digest()
    assert second != first
    (package / "render" / "templates" / "extra.html").write_text("")
    assert cache_store.code_digest() not in (first, second)


def repo_at(root: Path) -> Repo:
    return Repo(root, WIRING)


def test_now_with_an_offset_does_not_read_outpost_yaml(tmp_path: Path) -> None:
    moment = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    assert resolve_now(repo_at(tmp_path), "2026-11-28T12:00:00Z") == moment
    assert resolve_now(repo_at(tmp_path), "2026-11-28 06:00 -06:00") == moment
    assert resolve_now(repo_at(tmp_path), "2026-11-28 17:30+0530") == moment
    with pytest.raises(ProblemsFound) as raised:  # a local time needs the site zone
        resolve_now(repo_at(tmp_path), "2026-11-28 12:00")
    assert str(raised.value) == (f"outpost.yaml: not found in {tmp_path} or its "
                                 "parent folders up to the repository root (run 'outpost "
                                 "init' to create one)\n1 problem found.")


def test_bad_now_messages_still_name_the_site_zone(empty_repo: Path, run: Run) -> None:
    result = run(empty_repo, "build", "--now", "2026-02-30T12:00:00Z")
    assert result.exit_code == 2
    assert result.output.endswith("Error: Invalid value for '--now': bad time "
                                  "'2026-02-30T12:00:00Z': day is out of range for month\n")
    with pytest.raises(click.BadParameter) as raised:
        resolve_now(repo_at(empty_repo), "2026-11-28 12:00 CST")
    assert raised.value.message == (
        "bad time '2026-11-28 12:00 CST': zone abbreviations such as 'CST' are not accepted; "
        "leave it out to use America/Chicago, or write its offset: '2026-11-28 12:00 -06:00'")


def test_up_to_date_build_imports_no_renderer_and_no_yaml(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    out = tmp_path / "site"
    time.sleep(2.1)  # the command uses the real racy-clean rule: files 2 s older than a build
    assert build(root, out, START, BuildOptions())[1] == "whole site"
    code = textwrap.dedent(f"""
        import sys
        from generator.app import cli
        try:
            cli.main(["--root", {str(root)!r}, "build", "--out", {str(out)!r},
                      "--now", "2026-11-28T12:00:00Z"], prog_name="outpost")
        except SystemExit as exc:
            assert not exc.code, exc.code
        loaded = set(sys.modules) | {{m.split(".")[0] for m in sys.modules}}
        print("LOADED=" + ",".join(sorted(loaded & set({FAST!r}))))
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"Up to date: {out} holds this build ({len(tree(out))} files); nothing was written.",
        "LOADED="]


def test_outpost_build_digests_the_package_once(tmp_path: Path, run: Run,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The up-to-date check and the build share one opened cache: its stamp digests
    every file of the package, once per `outpost build`."""
    calls: list[int] = []
    real = cache_store.code_digest

    def counted() -> str:
        calls.append(1)
        return real()

    monkeypatch.setattr(cache_store, "code_digest", counted)
    root = make_repo(tmp_path / "repo")
    now = START.isoformat()
    assert run(root, "build", "--now", now).exit_code == 0
    assert run(root, "build", "--now", now).output.startswith("Up to date")
    assert len(calls) == 2


def test_outpost_build_stats_each_notice_once(tmp_path: Path, run: Run,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The up-to-date check and the build that follows it share one listing of notices/
    (a stat per notice: 35 ms at 10,000 notices), taken before any notice is read."""
    root = make_repo(tmp_path / "repo")
    now = START.isoformat()
    time.sleep(2.1)  # notices older than the build's racy window: its record is kept
    assert run(root, "build", "--now", now).exit_code == 0
    apply("update", root, START, 4)
    listings: list[Path] = []
    real = uptodate._stat_all

    def counted(folder: Path) -> tuple[list[str], list[os.stat_result]]:
        listings.append(folder)
        return real(folder)

    monkeypatch.setattr(uptodate, "_stat_all", counted)
    assert run(root, "build", "--now", now).output.endswith(" changed)\n")
    assert listings == [root / "notices"]
    assert tree(root / "site") == clean_files(root, START)


def zone_database(folder: Path, chicago_rules: str) -> Path:
    """A time zone database whose America/Chicago follows ``chicago_rules``' rules, as
    an update of the machine's database (tzdata) changes a zone's rules."""
    *package, name = chicago_rules.split("/")
    data = resources.files(".".join(["tzdata.zoneinfo", *package])).joinpath(name)
    (folder / "America").mkdir(parents=True)
    (folder / "America" / "Chicago").write_bytes(data.read_bytes())
    return folder


def outpost_build(root: Path, zones: Path) -> str:
    """`outpost build` in a process of its own, reading the time zones in ``zones``."""
    done = subprocess.run([sys.executable, "-m", "generator", "--root", str(root), "build",
                           "--now", START.isoformat()], capture_output=True, text=True,
                          check=False, timeout=120, env={**os.environ, "PYTHONTZPATH": str(zones)})
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_changed_time_zone_database_builds_what_a_clean_build_would(tmp_path: Path) -> None:
    """The cache holds times read and written in the site's zone: after an update of the
    machine's zone rules (or on a CI runner with other ones) the build is the clean
    build's under the new rules, never 'up to date' with the old ones nor a mix."""
    summer = ("---\ntitle: Slow sign-in\ntype: incident\nimpact: minor\ncomponents: [web]\n"
              "---\n## Resolved - 2026-07-10 11:00\nFixed.\n\n"
              "## Investigating - 2026-07-10 10:00 -04:00\nLooking.\n")
    old = zone_database(tmp_path / "old-zones", "America/Chicago")
    new = zone_database(tmp_path / "new-zones", "America/Regina")  # no daylight saving
    root = make_repo(tmp_path / "repo")
    (root / "notices" / "summer.md").write_text(summer)
    clean = tmp_path / "clean"
    shutil.copytree(root, clean)
    time.sleep(2.1)  # the command uses the real racy-clean rule: files 2 s older than a build
    outpost_build(root, old)
    assert outpost_build(root, new).startswith(f"Built {len(tree(root / 'site'))} files ")
    outpost_build(clean, new)
    assert tree(root / "site") == tree(clean / "site")
    page = (root / "site" / "notices" / "summer" / "index.html").read_text()
    assert "8:00 AM CST" in page and "CDT" not in page  # 10:00 -04:00


def test_a_site_reached_through_a_symlink_is_the_same_site(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same folders reached by another path (through a symlink: `outpost build` run
    inside the repository names it by its real path, `--root` as typed) hold the same
    site: it is up to date, and a change is written in place, not the whole site again."""
    root, out = built(tmp_path, monkeypatch)
    link = tmp_path / "link"
    link.symlink_to(tmp_path, target_is_directory=True)
    assert build(link / "repo", link / "site", START)[1] == "up to date"
    apply("update", root, START, 4)
    time.sleep(0.1)
    assert build(link / "repo", link / "site", START)[1].endswith(" changed")
    assert tree(out) == clean_files(root, START)
    time.sleep(0.1)
    assert build(root, out, START)[1] == "up to date"
