"""Incremental builds give exactly the bytes of a clean build, and never trust a bad cache."""

from __future__ import annotations

import gc
import hashlib
import os
import shutil
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.app import project, recipe, schema
from generator.build import builder as incremental
from generator.build.cache import PageMemo
from generator.build.inputs import BuildOptions, inputs_digest
from generator.build.options import DEFAULTS
from generator.build.pipeline import render_site
from generator.build.serve import Preview
from generator.build.store import CACHE_DIR, open_store
from generator.core.errors import OutpostError, ProblemsFound
from generator.core.timeline import NoticeView
from generator.notices.loader import load_notices
from generator.render.pages import Site, TemplateFailed
from generator.render.produced import Produced
from tests.conftest import MINIMAL_CONFIG, Run
from tests.publish_support import mount_namespaces

START = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
T = TypeVar("T")


def clean_files(root: Path, now: datetime) -> dict[str, bytes]:
    """The reference: no cache at all, straight from the loader."""
    config = schema().load(root)
    notices, problems = load_notices(root, config)
    assert problems == []
    digests = {n.id: hashlib.sha256((root / "notices" / f"{n.id}.md").read_bytes()).hexdigest()
               for n in notices}  # what manifest.json's "inputs" digests
    return render_site(config, notices, now, recipe(), templates=root,
                       inputs=inputs_digest(root, digests)).files


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def local(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%MZ").replace("Z", " Z")


def incident(title: str, start: datetime, updates: int, resolved: bool) -> str:
    lines = ["---", f"title: {title}", "type: incident", "impact: minor",
             "components: [web]", "---"]
    sections = []
    for index in range(updates):
        status = "Investigating" if index == 0 else "Update"
        sections.append(f"## {status} - {local(start + timedelta(minutes=10 * index))}\n"
                        f"Step {index} of *{title}*:\n\n- one\n- [two](https://example.org/)\n")
    if resolved:
        sections.append(f"## Resolved - {local(start + timedelta(minutes=10 * updates))}\n"
                        "Fixed.\n")
    return "\n".join(lines) + "\n" + "\n".join(reversed(sections))


def maintenance(title: str, start: datetime) -> str:
    end = start + timedelta(hours=2)
    return (f"---\ntitle: {title}\ntype: maintenance\ncomponents: [api]\n"
            f"start: {local(start)}\nend: {local(end)}\n---\n"
            f"## Scheduled - {local(start - timedelta(days=1))}\nWe will upgrade the API.\n")


def make_repo(root: Path) -> Path:
    (root / "notices").mkdir(parents=True)
    (root / "outpost.yaml").write_text(MINIMAL_CONFIG + "closed_recent: 2\n")
    for index in range(4):
        start = START - timedelta(days=400 * index + 3)
        (root / "notices" / f"old-{index}.md").write_text(
            incident(f"Old problem {index}", start, 2, resolved=True))
    (root / "notices" / "open-one.md").write_text(
        incident("Open problem", START - timedelta(hours=5), 1, resolved=False))
    return root


EDITS = st.sampled_from([
    "update", "resolve", "new-incident", "new-maintenance", "delete", "retitle",
    "config", "template", "clock", "clock-far", "clock-window", "clock-midnight", "corrupt",
    "nothing",
])
CHICAGO = ZoneInfo("America/Chicago")  # MINIMAL_CONFIG's zone


def apply(edit: str, root: Path, now: datetime, step: int) -> datetime:
    notices = sorted((root / "notices").glob("*.md"))
    if edit == "update" and notices:
        path = notices[step % len(notices)]
        text = path.read_text()
        if "## Resolved" not in text:
            head, sep, rest = text.partition("\n---\n")
            at = now - timedelta(minutes=1 + step)
            path.write_text(f"{head}{sep}## Update - {local(at)}\nMore news {step}.\n\n{rest}")
    elif edit == "resolve" and notices:
        path = notices[step % len(notices)]
        text = path.read_text()
        if "type: incident" in text and "## Resolved" not in text:
            head, sep, rest = text.partition("\n---\n")
            path.write_text(f"{head}{sep}## Resolved - {local(now)}\nAll good.\n\n{rest}")
    elif edit == "new-incident":
        (root / "notices" / f"new-{step}.md").write_text(
            incident(f"New problem {step}", now - timedelta(hours=1), 2, resolved=step % 2 == 0))
    elif edit == "new-maintenance":
        (root / "notices" / f"work-{step}.md").write_text(
            maintenance(f"Upgrade {step}", now + timedelta(hours=1 + step)))
    elif edit == "delete" and len(notices) > 1:
        notices[step % len(notices)].unlink()
    elif edit == "retitle" and notices:
        path = notices[step % len(notices)]
        path.write_text(path.read_text().replace("title: ", f"title: Renamed {step} ", 1))
    elif edit == "config":
        config = root / "outpost.yaml"
        config.write_text(config.read_text().replace("name: Web", f"name: Web {step}")
                          .replace(f"name: Web {step - 1}", f"name: Web {step}"))
    elif edit == "template":
        (root / "templates").mkdir(exist_ok=True)
        (root / "templates" / "404.html").write_text(
            '{% extends "base.html" %}{% block content %}<p>Lost ' + str(step)
            + '</p>{% endblock %}')
    elif edit == "clock":
        return now + timedelta(minutes=7)
    elif edit == "clock-far":
        return now + timedelta(days=40)  # maintenance windows start and end
    elif edit == "clock-window":
        return now + timedelta(minutes=95)  # the next maintenance window starts
    elif edit == "clock-midnight":  # the day rolls over in the site's zone: the bars move
        local_now = now.astimezone(CHICAGO)
        midnight = datetime.combine(local_now.date() + timedelta(days=1), datetime.min.time(),
                                    CHICAGO)
        return midnight.astimezone(UTC) + timedelta(minutes=1)
    elif edit == "corrupt":
        for path in sorted((root / CACHE_DIR).glob("*"))[:: 2]:
            data = bytearray(path.read_bytes())
            data[len(data) // 2] ^= 0xFF
            path.write_bytes(bytes(data))
    return now


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(edits=st.lists(EDITS, min_size=1, max_size=5))
def test_incremental_builds_match_clean_builds(tmp_path_factory: pytest.TempPathFactory,
                                               edits: list[str]) -> None:
    builds_match_clean_builds(tmp_path_factory.mktemp("inc"), edits)


def builds_match_clean_builds(base: Path, edits: list[str],
                              options: BuildOptions = DEFAULTS) -> None:
    """After each edit, an incremental build (with ``options``) is a clean build."""
    root = make_repo(base / "repo")
    out = base / "site"
    now = START
    incremental.build(project(root), out, now, options)
    assert tree(out) == clean_files(root, now)
    for step, edit in enumerate(edits, 1):
        now = apply(edit, root, now, step)
        incremental.build(project(root), out, now, options)
        assert tree(out) == clean_files(root, now), (edits, step)


@pytest.mark.parametrize("edits", [
    ["new-maintenance", "clock-window", "clock-window", "clock-midnight", "update"],
    ["update", "clock-midnight", "resolve", "clock-midnight", "clock-far"],
])
def test_clock_moves_across_phase_changes_and_midnight(tmp_path: Path, edits: list[str]
                                                      ) -> None:
    """A maintenance starting and ending, the day rolling over in the site's zone (the
    daily bars and recent history move): every incremental build is a clean build."""
    root = make_repo(tmp_path / "repo")
    out = tmp_path / "site"
    now = START
    incremental.build(project(root), out, now)
    for step, edit in enumerate(edits, 1):
        now = apply(edit, root, now, step)
        incremental.build(project(root), out, now)
        assert tree(out) == clean_files(root, now), (edits, step)


@settings(max_examples=10, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(edits=st.lists(EDITS, min_size=1, max_size=5))
def test_a_preview_after_edits_matches_a_fresh_one(tmp_path_factory: pytest.TempPathFactory,
                                                    edits: list[str]) -> None:
    """``outpost serve`` renders again only the pages an edit or the clock changes (it
    rendered the whole site per saved edit: 10-12 s at 10,000 notices); after each
    edit its files are those of a preview started then."""
    root = make_repo(tmp_path_factory.mktemp("preview") / "repo")
    now = [START]
    running = Preview(project(root), lambda: now[0])
    running.rebuild()
    for step, edit in enumerate(edits, 1):
        now[0] = apply(edit, root, now[0], step)
        running.rebuild()
        fresh = Preview(project(root), lambda: now[0])
        fresh.rebuild()
        assert (running.files, running.problems) == (fresh.files, fresh.problems), (edits, step)


def test_a_preview_renders_again_only_what_an_update_changes(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    running = Preview(project(root), lambda: START)
    running.rebuild()
    assert running.pages is not None and running.pages.hits == set()
    apply("update", root, START, 1)  # the first notice, old-0, which is resolved: no change
    apply("update", root, START, 4)  # the open one
    running.rebuild()
    kept = running.pages.hits
    assert "notices/open-one/index.html" not in kept
    assert {f"notices/old-{index}/index.html" for index in range(4)} <= kept
    assert {"404.html", "subscribe/index.html"} <= kept


# Files count as old enough for their stat to stand in for their hash after 0.05 s.
QUICK = BuildOptions(racy_seconds=0.05)


def age() -> None:
    """Make every file old enough for its stat to stand in for its hash (under QUICK)."""
    time.sleep(0.1)


def test_nothing_changed_is_up_to_date(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    out = tmp_path / "site"
    age()
    assert incremental.build(project(root), out, START, QUICK)[1] == "whole site"
    time.sleep(0.1)
    assert incremental.build(project(root), out, START, QUICK)[1] == "up to date"
    later = START + timedelta(minutes=1)
    assert incremental.build(project(root), out, later, QUICK)[1].endswith(" changed")
    path = root / "notices" / "open-one.md"
    path.write_text(path.read_text().replace("Open problem", "Open problem!"))
    count, how = incremental.build(project(root), out, later, QUICK)
    assert how.endswith(" changed") and 3 <= int(how.split()[0]) <= 40 < count
    assert tree(out) == clean_files(root, START + timedelta(minutes=1))


def test_one_update_writes_few_files(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    out = tmp_path / "site"
    incremental.build(project(root), out, START)
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    apply("update", root, START, 4)  # the open incident
    age()
    count, how = incremental.build(project(root), out, START, QUICK)
    written = [p for p in out.rglob("*") if p.is_file() and before.get(p) != p.stat().st_mtime_ns]
    assert how == f"{len(written)} changed"
    assert 2 < len(written) <= 20 < count
    assert tree(out) == clean_files(root, START)
    age()  # the record of a build that wrote in place lists out as it is now:
    assert incremental.build(project(root), out, START, QUICK)[1] == "up to date"


def built_with_an_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                           override: str | None
                           ) -> tuple[Path, Path, BuildOptions, list[str]]:
    """A repository (with ``override`` as its templates/404.html) built once in this
    process; the paths of the pages later builds render are added to the list."""
    root = make_repo(tmp_path / "repo")
    if override is not None:
        (root / "templates").mkdir()
        (root / "templates" / "404.html").write_text(override)
    out = tmp_path / "site"
    options = replace(QUICK, fork=False)  # every page rendered in this process
    incremental.build(project(root), out, START, options)
    rendered: list[str] = []
    keep = PageMemo.keep
    monkeypatch.setattr(PageMemo, "keep", lambda memo, path, key, data: (
        rendered.append(path), keep(memo, path, key, data)))
    return root, out, options, rendered


@pytest.mark.parametrize("override", [None, "{# shown now #}Gone\n", "Gone {{ now }}\n"])
def test_a_build_at_a_new_time_renders_only_the_pages_that_show_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, override: str | None) -> None:
    """A build at a new time, as every scheduled build is, renders again only the kept
    pages that say when they were built (component pages, open notices' pages): the word
    "now" in a built-in template's comment made the build time an input of every kept
    page, so each such build rendered the whole site again (at 1,000 notices three times
    the work of a one-update rebuild). A template reading ``now`` in its code still
    makes it one of every kept page; its comments and page text do not."""
    root, out, options, rendered = built_with_an_override(tmp_path, monkeypatch, override)
    later = START + timedelta(minutes=10)
    incremental.build(project(root), out, later, options)
    files = tree(out)
    assert files == clean_files(root, later)
    # The Open page is never kept: it is made at every build.
    dated = sorted(path for path, data in files.items()
                   if b'id="built"' in data and path != "index.html")
    assert dated == ["components/api/index.html", "components/web/index.html",
                     "notices/open-one/index.html"]
    if override is not None and "{{ now }}" in override:
        assert files["404.html"] == f"Gone {later}\n".encode()
        assert len(rendered) > len(dated) + 5 and "404.html" in rendered  # every kept page
    else:
        assert sorted(rendered) == dated


@pytest.mark.parametrize("override", [None, "{{ config.extra('publish') | length }} target\n"])
def test_a_publish_or_notify_setting_renders_no_kept_page_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, override: str | None) -> None:
    """No built-in page shows publish: or notify:, so a target or a contact added renders
    no kept page again: every page was rendered again (9 s at 10,000 notices, where a
    one-update rebuild takes 1 s). A template reading them makes them an input of every
    kept page."""
    root, out, options, rendered = built_with_an_override(tmp_path, monkeypatch, override)
    with (root / "outpost.yaml").open("a") as settings:
        settings.write(f"publish:\n  - name: www\n    type: dir\n    path: {tmp_path / 'www'}\n")
    changed = incremental.build(project(root), out, START, options)[1]
    assert changed == ("1 changed" if override is None else "2 changed")  # manifest.json
    files = tree(out)
    assert files == clean_files(root, START)
    if override is not None:
        assert files["404.html"] == b"1 target\n"
        assert len(rendered) > 5 and "404.html" in rendered  # every kept page
    else:
        assert rendered == []


def test_a_file_a_power_cut_left_empty_is_written_again(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """In-place writes are not synced file by file (nor is a whole site): a file the
    rename reached but whose bytes did not is caught by its stat, and written again."""
    root = make_repo(tmp_path / "repo")
    out = tmp_path / "site"
    incremental.build(project(root), out, START)
    apply("update", root, START, 4)
    age()
    synced: list[int] = []
    monkeypatch.setattr(os, "fsync", synced.append)
    assert incremental.build(project(root), out, START, QUICK)[1].endswith(" changed")
    assert synced == []
    monkeypatch.undo()
    age()
    page = out / "notices" / "open-one" / "index.html"
    written = page.stat()
    page.write_bytes(b"")  # what a power cut may leave: the new name, no bytes
    os.utime(page, ns=(written.st_atime_ns, written.st_mtime_ns))
    assert incremental.build(project(root), out, START, QUICK)[1] == "1 changed"
    assert tree(out) == clean_files(root, START)


@pytest.mark.parametrize("damage", ["flip", "truncate", "garbage", "stamp"])
def test_damaged_or_stale_cache_is_ignored(tmp_path: Path, damage: str) -> None:
    root = make_repo(tmp_path / "repo")
    out = tmp_path / "site"
    incremental.build(project(root), out, START)
    folder = root / CACHE_DIR
    names = sorted(p.name for p in folder.iterdir())
    assert "state" in names and any(n.startswith("notices-") for n in names)
    assert any(n.startswith("pages-") for n in names)
    for path in folder.iterdir():
        data = path.read_bytes()
        if damage == "flip":
            path.write_bytes(data[:-10] + bytes(b ^ 0x55 for b in data[-10:]))
        elif damage == "truncate":
            path.write_bytes(data[: len(data) // 2])
        elif damage == "garbage":
            path.write_bytes(os.urandom(64))
        else:
            path.write_bytes(data.replace(b'"stamp": "', b'"stamp": "0', 1))
    store = open_store(root)
    zoned = store.in_zone("America/Chicago")  # MINIMAL_CONFIG's: notices, pages, API objects
    assert all(store.load(name) is None and zoned.load(name) is None for name in names)
    apply("update", root, START, 4)
    assert incremental.build(project(root), out, START)[1] == "whole site"
    assert tree(out) == clean_files(root, START)
    assert all(store.load(name) is not None or zoned.load(name) is not None
               for name in names)  # rebuilt


def test_writing_only_changes_reads_no_kept_page(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Kept pages are known by their digest and size: a build that writes only the
    files that changed never reads their bytes."""
    root = make_repo(tmp_path / "repo")
    out = tmp_path / "site"
    incremental.build(project(root), out, START)

    def refuse(*args: object) -> bytes:
        raise AssertionError("a kept page was read")

    monkeypatch.setattr(PageMemo, "_read", refuse)
    apply("update", root, START, 4)
    assert incremental.build(project(root), out, START)[1].endswith(" changed")
    assert tree(out) == clean_files(root, START)


def test_whole_site_renders_kept_pages_whose_files_are_lost(tmp_path: Path) -> None:
    """Kept pages' bytes are read back from the site: a page deleted or edited there
    is rendered again when the whole site is written."""
    root = make_repo(tmp_path / "repo")
    out = tmp_path / "site"
    incremental.build(project(root), out, START)
    assert not list((root / CACHE_DIR).glob("page-bytes-*"))  # the cache keeps no page
    pages = sorted(out.glob("notices/*/index.html"))
    pages[0].unlink()
    pages[1].write_text("edited by hand")
    (out / "manifest.json").write_text("{}")  # the site no longer trusted: written whole
    apply("update", root, START, 4)
    assert incremental.build(project(root), out, START)[1] == "whole site"
    assert tree(out) == clean_files(root, START)


def test_a_site_restored_elsewhere_gives_its_kept_pages(tmp_path: Path) -> None:
    """A site copied back with the cache (as CI restores both) is no longer the folder
    the build recorded, but its files are the ones written: they are reused, checked."""
    root = make_repo(tmp_path / "repo")
    out = tmp_path / "site"
    incremental.build(project(root), out, START)
    restored = tmp_path / "restored"
    shutil.copytree(out, restored)
    shutil.rmtree(out)
    read = PageMemo._read

    def never_rendered(memo: PageMemo, path: str, entry: tuple[str, str, int],
                       render: Callable[[], bytes]) -> bytes:
        def refuse() -> bytes:
            raise AssertionError(f"{path} was rendered again")
        return read(memo, path, entry, refuse)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(PageMemo, "_read", never_rendered)
        assert incremental.build(project(root), restored, START,
                                 BuildOptions(fork=False))[1] == "whole site"
    assert tree(restored) == clean_files(root, START)


def test_a_site_restored_in_place_is_updated_in_place(tmp_path: Path) -> None:
    """CI restores site/ and the cache from an earlier run: a copy of the folder the
    build wrote, at the same path. Its files are trusted by their content (a changed
    one is written again) and only what changed is written."""
    root = make_repo(tmp_path / "repo")
    out = tmp_path / "site"
    incremental.build(project(root), out, START)
    shutil.copytree(out, tmp_path / "saved")
    shutil.rmtree(out)
    shutil.copytree(tmp_path / "saved", out)
    page = sorted(out.glob("notices/*/index.html"))[0]
    page.write_text("edited by hand")
    apply("update", root, START, 4)
    assert incremental.build(project(root), out, START)[1].endswith(" changed")
    assert tree(out) == clean_files(root, START)


def test_hand_edited_site_is_rewritten(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    out = tmp_path / "site"
    incremental.build(project(root), out, START)
    (out / "index.html").write_text("defaced")
    apply("clock", root, START, 1)
    assert incremental.build(project(root), out, START + timedelta(minutes=7))[1] == "whole site"
    assert tree(out) == clean_files(root, START + timedelta(minutes=7))


def test_cli_build_and_check_use_the_cache(tmp_path: Path, run: Run) -> None:
    root = make_repo(tmp_path / "repo")
    result = run(root, "build", "--now", "2026-11-28T12:00:00Z")
    assert result.exit_code == 0, result.output
    assert list((root / CACHE_DIR).glob("notices-*"))
    (root / "notices" / "open-one.md").write_text("---\ntitle: broken\n")
    result = run(root, "check")
    assert result.exit_code == 1
    assert result.output == ("notices/open-one.md:1: front matter is not closed: add a line "
                             "'---' after it\n1 problem found.\n")


def test_parallel_first_build_matches_clean_build(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    for step in range(6):
        apply("new-incident", root, START, step + 10)
    out = tmp_path / "site"
    forked = BuildOptions(cached=False, fork_pages=2)  # fork even for this small site
    assert incremental.build(project(root), out, START, forked)[1] == "whole site"
    assert tree(out) == clean_files(root, START)


def test_template_error_in_forked_child_is_reported(tmp_path: Path, run: Run) -> None:
    root = make_repo(tmp_path / "repo")
    (root / "templates").mkdir()
    (root / "templates" / "notice.html").write_text("{{ item.notice.nope() }}\n")
    messages = []
    for threshold in (2, 10_000):  # forked, then in this process
        with pytest.raises(TemplateFailed) as failed:
            incremental.build(project(root), root / "site", START,
                              BuildOptions(fork_pages=threshold))
        messages.append(failed.value.format_message())
    assert messages[0] == messages[1]
    result = run(root, "build", "--now", "2026-11-28T12:00:00Z")
    assert result.exit_code == 1
    assert result.output == f"{messages[0]}\n"
    assert messages[0] == ("templates/notice.html:1: "
                           "'generator.core.model.Notice object' has no attribute 'nope'\n"
                           "Build stopped: nothing was written.")
    assert not (root / "site").exists()


def _children() -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        text = (task / "children").read_text()
        found.update(int(pid) for pid in text.split())
    return found


def test_failure_after_pages_were_handed_to_a_child_leaves_no_child(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages go to a forked child right after render_pages; if a later producer fails,
    the child is not left waiting on its pipe and nothing is written."""
    import generator.render.api

    root = make_repo(tmp_path / "repo")
    for step in range(6):
        apply("new-incident", root, START, step + 10)

    def broken(site: object) -> dict[str, bytes]:
        raise RuntimeError("api failed")

    monkeypatch.setattr(generator.render.api, "render_api", broken)
    before = _children()
    out = tmp_path / "site"
    with pytest.raises(RuntimeError, match="api failed"):
        incremental.build(project(root), out, START, BuildOptions(fork_pages=2))
    assert _children() == before
    assert not out.exists()


# The output folder listed by a forked child whatever the site's size.
LISTED_APART = BuildOptions(fork_listing=1)


def test_output_listed_by_a_child_still_catches_hand_edits(tmp_path: Path) -> None:
    """The listing of out a second process takes while notices load is the one the
    build trusts: a page deleted and a feed edited by hand are written again."""
    root = make_repo(tmp_path / "repo")
    out = tmp_path / "site"
    incremental.build(project(root), out, START, LISTED_APART)
    notice_page = next(out.glob("notices/*/index.html"))
    notice_page.unlink()
    (out / "feed.xml").write_text("edited")
    apply("update", root, START, 4)
    _, how = incremental.build(project(root), out, START, LISTED_APART)
    assert how.endswith(" changed")
    assert tree(out) == clean_files(root, START)


def test_a_failed_load_leaves_no_listing_child(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    out = tmp_path / "site"
    incremental.build(project(root), out, START, LISTED_APART)
    before = tree(out)
    (root / "notices" / "open-one.md").write_text("---\ntitle: broken\n")
    children = _children()
    with pytest.raises(ProblemsFound):
        incremental.build(project(root), out, START, LISTED_APART)
    assert _children() == children
    assert tree(out) == before


def test_the_old_site_is_removed_in_the_background(tmp_path: Path) -> None:
    """Past ``background_removal`` files, the site a whole-site write replaces is removed
    by a detached process after the swap: the new site is in place when the build
    returns, and the old one goes soon after, leaving nothing beside it."""
    options = BuildOptions(background_removal=1)
    root = make_repo(tmp_path / "repo")
    for step in range(20):  # more files than a build writes in place
        apply("new-incident", root, START, 2 * step)
    out = tmp_path / "site"
    incremental.build(project(root), out, START, options)
    settings = root / "outpost.yaml"  # a new title: every page changes
    settings.write_text(settings.read_text().replace("title: Test Status", "title: Status"))
    assert incremental.build(project(root), out, START, options)[1] == "whole site"
    assert tree(out) == clean_files(root, START)
    deadline = time.monotonic() + 30
    while sorted(p.name for p in tmp_path.iterdir()) != ["repo", "site"]:
        assert time.monotonic() < deadline, sorted(tmp_path.iterdir())
        time.sleep(0.05)


def test_a_notice_edited_while_a_build_runs_is_built_next_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The build stats every notice once, before reading any; its record describes
    them as they were then, so an edit made while it runs is never taken as built."""
    root = make_repo(tmp_path / "repo")
    out = tmp_path / "site"
    age()
    incremental.build(project(root), out, START, QUICK)
    age()
    real = incremental.render_site
    path = root / "notices" / "open-one.md"

    def edit_midway(*args: object, **kwargs: object) -> object:
        path.write_text(path.read_text().replace("Open problem", "Open problem, edited"))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(incremental, "render_site", edit_midway)
    apply("update", root, START, 4)
    incremental.build(project(root), out, START, QUICK)
    monkeypatch.setattr(incremental, "render_site", real)
    time.sleep(0.1)
    assert incremental.build(project(root), out, START, QUICK)[1] != "up to date"
    assert tree(out) == clean_files(root, START)
    assert "Open problem, edited" in (out / "notices" / "open-one" / "index.html").read_text()


@pytest.mark.parametrize(("name", "before", "after"), [
    ("outpost.yaml", "Test Status", "Test Status, edited"),
    ("templates/404.html", "Page not found", "Page not found, edited"),
])
def test_settings_or_a_template_edited_while_a_build_runs_are_built_next_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, before: str,
        after: str) -> None:
    """outpost.yaml and templates/ are digested before the build reads them: the record
    took them at its end, so an edit saved while a build ran was taken as built, and
    every later build said 'up to date' over the old site (manifest.json too)."""
    root = make_repo(tmp_path / "repo")
    (root / "templates").mkdir()
    (root / "templates" / "404.html").write_text(
        '{% extends "base.html" %}{% block content %}<h1>Page not found</h1>{% endblock %}')
    out = tmp_path / "site"
    incremental.build(project(root), out, START, QUICK)
    real = incremental.render_site
    path = root / name

    def edit_midway(*args: object, **kwargs: object) -> object:
        result = real(*args, **kwargs)  # type: ignore[arg-type]
        path.write_text(path.read_text().replace(before, after))
        return result

    monkeypatch.setattr(incremental, "render_site", edit_midway)
    apply("update", root, START, 4)
    age()
    incremental.build(project(root), out, START, QUICK)
    monkeypatch.setattr(incremental, "render_site", real)
    manifest = (out / "manifest.json").read_text()
    digests = {p.stem: hashlib.sha256(p.read_bytes()).hexdigest()
               for p in (root / "notices").glob("*.md")}
    assert f'"inputs": "{inputs_digest(root, digests)}"' not in manifest  # built before it
    age()
    assert incremental.build(project(root), out, START, QUICK)[1] != "up to date"
    assert tree(out) == clean_files(root, START)
    assert after in tree(out)["404.html"].decode()


def test_a_fifo_in_the_output_is_never_read(tmp_path: Path) -> None:
    """A FIFO put where a page was would block a build that reads it to check its
    content: it is written over instead. One put where index.html was makes the
    folder no longer an earlier build's: the build refuses it, and does not hang."""
    root = make_repo(tmp_path / "repo")
    out = tmp_path / "site"
    incremental.build(project(root), out, START)
    page = sorted(out.glob("notices/*/index.html"))[0]
    page.unlink()
    os.mkfifo(page)
    blocked: list[str] = []
    done = threading.Event()

    def unblock() -> None:  # a build reading the FIFO waits for a writer: be one
        if done.wait(5):
            return
        while not done.is_set():
            try:
                if stat.S_ISFIFO(os.stat(page).st_mode):
                    os.close(os.open(page, os.O_WRONLY | os.O_NONBLOCK))
                    blocked.append("a build read the FIFO")
            except OSError:  # no reader: nobody is blocked on it
                pass
            done.wait(0.2)

    watchdog = threading.Thread(target=unblock, daemon=True)
    watchdog.start()
    try:
        apply("update", root, START, 4)
        incremental.build(project(root), out, START)
    finally:
        done.set()
        watchdog.join()
    assert blocked == []
    assert tree(out) == clean_files(root, START)
    (out / "index.html").unlink()
    os.mkfifo(out / "index.html")
    with pytest.raises(OutpostError, match=r"holds no index\.html from an earlier build"):
        incremental.build(project(root), out, START)


# The producers after the pages, component pages and uptime in a second process,
# whatever the site's size (from 100 files by default).
APART = BuildOptions(fork_producers=1)


@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(edits=st.lists(EDITS, min_size=1, max_size=4))
def test_producers_apart_match_clean_builds(tmp_path_factory: pytest.TempPathFactory,
                                            edits: list[str]) -> None:
    builds_match_clean_builds(tmp_path_factory.mktemp("apart"), edits, APART)


class Inline:
    """An ``Elsewhere`` that runs the work in this process, when asked for its result."""

    def __init__(self) -> None:
        self.started = 0

    def start(self, work: Callable[[], T]) -> Callable[[], T]:
        self.started += 1
        return work

    def close(self) -> None:
        return None


def test_a_page_kept_apart_whose_file_is_gone_is_rendered_again(tmp_path: Path) -> None:
    """A page the second process found kept (a feed, an API year) is read from the
    output by this one; when that file is gone, this process renders it again, running
    each producer of the second process at most once more however many files are gone."""
    root = make_repo(tmp_path / "repo")
    config = schema().load(root)
    notices, _ = load_notices(root, config)
    digests = {n.id: n.id for n in notices}
    store = open_store(root)
    first_cache = PageMemo(store, digests)
    first = render_site(config, notices, START, recipe(), templates=root, cache=first_cache)
    first_cache.save()
    made = recipe()
    calls: dict[str, int] = {}

    def counted(produce: Callable[[Site], Produced]) -> Callable[[Site], Produced]:
        def run(site: Site) -> Produced:
            calls[produce.__name__] = calls.get(produce.__name__, 0) + 1
            return produce(site)
        return run

    counting = replace(made, producers=tuple(counted(p) for p in made.producers))
    (tmp_path / "empty").mkdir()
    cache = PageMemo(store, digests, (tmp_path / "empty",))
    apart = Inline()
    again = render_site(config, notices, START, counting, templates=root, cache=cache,
                        elsewhere=apart)
    assert apart.started == 1
    assert {"feed.xml", "atom.xml", "api/history/2026.json"} <= cache.hits
    assert dict(again.files) == dict(first.files)  # every kept file: gone, made again
    there = [p.__name__ for p in made.producers[made.split:]]
    assert all(calls[name] <= 2 for name in there)  # there, then at most once here
    assert calls["render_feeds"] == calls["render_api"] == 2


def _indexed(root: Path) -> set[str]:
    """Every path the page cache's index holds."""
    store = open_store(root).in_zone("America/Chicago")  # MINIMAL_CONFIG's zone
    shards = [store.load(name) for name in store.names("pages-")]
    return {path for shard in shards if isinstance(shard, dict) for path in shard}


def test_pages_rendered_apart_stay_in_the_page_index(tmp_path: Path) -> None:
    """A page rendered in the second process (a changed feed) is kept for the next build
    like one rendered here."""
    root = make_repo(tmp_path / "repo")
    out = tmp_path / "site"
    incremental.build(project(root), out, START, BuildOptions(fork=False))
    indexed = _indexed(root)
    assert {"feed.xml", "atom.xml", "api/history/2026.json"} <= indexed
    apply("update", root, START, 4)
    assert incremental.build(project(root), out, START, APART)[1].endswith(" changed")
    assert _indexed(root) == indexed


@pytest.mark.parametrize(("broken", "named"), [
    (("embed/fragment.html", "404.html"), "embed/fragment.html:1: 'nope' is undefined"),
    (("404.html",), "404.html:1: 'gone' is undefined"),
])
def test_broken_templates_give_one_error_with_or_without_a_second_process(
        tmp_path: Path, broken: tuple[str, ...], named: str) -> None:
    """The error reported is the one a build without a second process reports (the
    producers' own errors first, then the pages' rendering), whichever way it runs."""
    root = make_repo(tmp_path / "repo")
    out = tmp_path / "site"
    incremental.build(project(root), out, START)
    texts = {"embed/fragment.html": "{{ nope() }}\n", "404.html": "{{ gone() }}\n"}
    for name in broken:
        (root / "templates" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "templates" / name).write_text(texts[name])
    messages = []
    for options in (BuildOptions(fork=False), APART):
        with pytest.raises(TemplateFailed) as failed:
            incremental.build(project(root), out, START, options)
        messages.append(failed.value.format_message())
    assert messages == [f"templates/{named}\nBuild stopped: nothing was written."] * 2


def test_fragments_made_apart_are_kept(tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The API's per-notice objects the second process made are saved by it: the next
    build makes none of them again."""
    import generator.render.api

    root = make_repo(tmp_path / "repo")
    out = tmp_path / "site"
    incremental.build(project(root), out, START, APART)
    apply("update", root, START, 4)
    assert incremental.build(project(root), out, START, APART)[1].endswith(" changed")
    made: list[str] = []
    real = generator.render.api.incident_parts

    def counted(api: object, item: NoticeView) -> object:
        made.append(item.notice.id)
        return real(api, item)  # type: ignore[arg-type]

    monkeypatch.setattr(generator.render.api, "incident_parts", counted)
    incremental.build_site(project(root), out, START, BuildOptions(fork=False))
    assert made == []
    assert tree(out) == clean_files(root, START)


@pytest.mark.parametrize("failing", ["render_pages", "render_api"])
def test_a_failure_on_either_side_leaves_no_child(tmp_path: Path, failing: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A producer failing here (the pages) or in the second process (the API) fails the
    build with its own error, leaves no child and writes nothing."""
    import generator.render.api
    import generator.render.pages

    root = make_repo(tmp_path / "repo")
    out = tmp_path / "site"
    incremental.build(project(root), out, START, APART)
    before = tree(out)

    def broken(site: object) -> dict[str, bytes]:
        raise RuntimeError(f"{failing} failed")

    module = generator.render.pages if failing == "render_pages" else generator.render.api
    monkeypatch.setattr(module, failing, broken)
    apply("update", root, START, 4)
    children = _children()
    with pytest.raises(RuntimeError, match=f"{failing} failed"):
        incremental.build(project(root), out, START, APART)
    assert _children() == children
    assert tree(out) == before


def test_a_build_in_a_process_that_ends_next_frees_nothing(tmp_path: Path) -> None:
    """The console entry point ends the process after one build: the build's objects
    are left to it, and the collector stays off. Elsewhere the collector is as before."""
    root = make_repo(tmp_path / "repo")
    out = tmp_path / "site"
    assert gc.isenabled()
    kept: list[object] = []
    try:
        incremental.build_site(project(root), out, START, keep_alive=kept)
        assert kept and not gc.isenabled()
    finally:
        gc.enable()
    apply("update", root, START, 4)
    incremental.build_site(project(root), out, START)
    assert gc.isenabled()
    assert tree(out) == clean_files(root, START)


@pytest.mark.parametrize(("name", "text", "message"), [
    ("fragment.html", "{{ nope() }}\n", "1: 'nope' is undefined"),
    ("page.html", "{% if %}\n", "1: Expected an expression, got 'end of statement block'"),
])
def test_a_broken_embed_template_is_named_in_either_process(
        tmp_path: Path, run: Run, name: str, text: str, message: str) -> None:
    """An override of the banner's templates that fails names its file and line, whether
    the embeds are made here or in the second process, and nothing is written."""
    root = make_repo(tmp_path / "repo")
    out = root / "site"
    incremental.build(project(root), out, START)
    before = tree(out)
    (root / "templates" / "embed").mkdir(parents=True)
    (root / "templates" / "embed" / name).write_text(text)
    expected = f"templates/embed/{name}:{message}\nBuild stopped: nothing was written."
    for options in (BuildOptions(fork=False), APART):
        with pytest.raises(TemplateFailed) as failed:
            incremental.build(project(root), out, START, options)
        assert failed.value.format_message() == expected
    result = run(root, "build", "--now", "2026-11-28T12:00:00Z")
    assert (result.exit_code, result.output) == (1, f"{expected}\n")
    assert tree(out) == before


def test_an_override_deleted_again_gives_the_bytes_of_none(empty_repo: Path, run: Run,
                                                           tmp_path: Path) -> None:
    """The empty templates/ folder a deleted override leaves (git keeps no such
    folder, so CI never has it) changes no byte, manifest.json's inputs included."""
    args = ["build", "--now", local(START), "--out"]
    assert run(empty_repo, *args, str(tmp_path / "none")).exit_code == 0
    (empty_repo / "templates").mkdir()
    (empty_repo / "templates" / "404.html").write_text("Gone\n")
    assert run(empty_repo, *args, str(tmp_path / "override")).exit_code == 0
    (empty_repo / "templates" / "404.html").unlink()
    assert run(empty_repo, *args, str(tmp_path / "deleted")).exit_code == 0
    assert tree(tmp_path / "deleted") == tree(tmp_path / "none")


def test_a_new_notice_page_is_written_before_the_files_that_link_to_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A reader (or a feed reader) fetching the site while a build writes it in place
    never follows a link to a page not written yet: new files come before changed ones."""
    root = make_repo(tmp_path / "repo")
    out = tmp_path / "site"
    incremental.build(project(root), out, START, QUICK)
    age()
    apply("new-incident", root, START, 2)  # resolved: in the feeds, closed and component pages
    page = out / "notices" / "new-2" / "index.html"
    linking: dict[str, bool] = {}
    real = incremental.write_file_atomic

    def write(path: Path, data: bytes, synced: bool = True) -> None:
        if path != page and b"notices/new-2/" in data:
            linking[path.relative_to(out).as_posix()] = page.exists()
        real(path, data, synced)

    monkeypatch.setattr(incremental, "write_file_atomic", write)
    assert incremental.build(project(root), out, START, QUICK)[1].endswith(" changed")
    assert {"feed.xml", "closed/index.html", "components/web/index.html"} <= set(linking)
    assert [path for path, written in linking.items() if not written] == []
    assert tree(out) == clean_files(root, START)


@pytest.mark.parametrize("blocked", ["feed.xml", "components/web/feed.xml", "subscribe",
                                     "components/web"])
def test_a_folder_or_file_put_in_the_way_by_hand_is_replaced(tmp_path: Path,
                                                             blocked: str) -> None:
    """A folder made where the site has a file, or a file where it has a folder, does
    not stop a build that writes in place: it writes the whole site instead."""
    root = make_repo(tmp_path / "repo")
    out = tmp_path / "site"
    incremental.build(project(root), out, START, QUICK)
    shutil.rmtree(out / blocked) if (out / blocked).is_dir() else (out / blocked).unlink()
    if blocked.endswith(".xml"):
        (out / blocked).mkdir()
        (out / blocked / "note.txt").write_text("by hand")
    else:
        (out / blocked).write_text("by hand")
    age()
    apply("update", root, START, 4)
    assert incremental.build(project(root), out, START, QUICK)[1] == "whole site"
    assert tree(out) == clean_files(root, START)


def _build_with_file_limit(root: Path, out: Path, limit: int) -> tuple[int, str]:
    """``outpost build`` in a process that may write no file longer than ``limit``
    bytes (``ulimit -f``: a disk that fills up fails a write the same way)."""
    import resource
    import subprocess
    import sys

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    done = subprocess.run([sys.executable, "-m", "generator", "--root", str(root), "build",
                           "--out", str(out), "--now", START.isoformat()],
                          capture_output=True, text=True, preexec_fn=limited, check=False)
    return done.returncode, done.stdout + done.stderr


# What a build that could not write says became of the site, by how it was writing it.
LEFT = {"whole site": "it is left as it was",
        "in place": "some of its files may be new, the others are as they were"}


def _built_then_updated(folder: Path, out: Path, how: str) -> tuple[Path, dict[str, bytes]]:
    """A repository in ``folder`` built into ``out``, then given an update (and, for
    'whole site', without its cache: with no record of ``out``, the next build replaces
    it whole); the repository and the files of ``out``."""
    root = make_repo(folder)
    incremental.build(project(root), out, START, QUICK)
    before = tree(out)
    age()
    apply("update", root, START, 4)
    if how == "whole site":
        shutil.rmtree(root / CACHE_DIR)
    return root, before


@pytest.mark.parametrize("how", ["whole site", "in place"])
def test_a_file_size_limit_names_the_site_the_limit_and_what_became_of_it(
        tmp_path: Path, how: str) -> None:
    out = tmp_path / "site"
    root, before = _built_then_updated(tmp_path / "repo", out, how)
    code, said = _build_with_file_limit(root, out, 4096)
    left = LEFT[how]
    # The limit is named as such: 'File too large' beside 'once there is room' read as
    # a full disk, which freeing space would never mend.
    assert (code, said) == (1, f"Error: cannot write the site into {out}: a file would be "
                               "larger than the file size limit this process runs under "
                               f"(4,096 bytes: see ulimit -f); {left}: raise the limit and "
                               "build again.\n")
    if how == "whole site":
        assert tree(out) == before
    assert incremental.build(project(root), out, START, QUICK)[1] == "whole site"
    assert tree(out) == clean_files(root, START)


@pytest.mark.skipif(not mount_namespaces(), reason="no mount namespace")
@pytest.mark.parametrize("how", ["whole site", "in place"])
def test_a_read_only_site_folder_names_the_site_and_what_to_do(tmp_path: Path, how: str
                                                               ) -> None:
    """The site's folder on a read-only mount: the system's words alone ('Error:
    Read-only file system: .../.site.new-x1y2') named a hidden folder, and neither the
    site, what became of it, nor what to do."""
    import subprocess
    import sys

    (tmp_path / "ro").mkdir()
    out = tmp_path / "ro" / "site"
    root, before = _built_then_updated(tmp_path / "repo", out, how)
    read_only = 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" && shift && exec "$@"'
    done = subprocess.run(
        ["unshare", "-rm", "sh", "-c", read_only, "sh", str(tmp_path / "ro"),
         sys.executable, "-m", "generator", "--root", str(root), "build", "--out", str(out),
         "--now", START.isoformat()], capture_output=True, text=True, check=False)
    left = LEFT[how]
    assert (done.returncode, done.stdout + done.stderr) == (1, (
        f"Error: cannot write the site into {out}: Read-only file system; {left}: make it "
        "writable for this user (a read-only mount, a folder of another user), or build "
        "with --out into another folder.\n"))
    assert tree(out) == before
    assert incremental.build(project(root), out, START, QUICK)[1] == "whole site"
    assert tree(out) == clean_files(root, START)


def test_a_folder_of_the_site_made_a_symlink_by_hand_is_not_written_through(
        tmp_path: Path) -> None:
    """Files in place of a site's folder that leads elsewhere would be written (and
    stale ones deleted) wherever it leads: the whole site is written instead."""
    root = make_repo(tmp_path / "repo")
    out = tmp_path / "site"
    incremental.build(project(root), out, START, QUICK)
    elsewhere = tmp_path / "elsewhere"
    shutil.move(out / "components" / "web", elsewhere)
    (out / "components" / "web").symlink_to(elsewhere)
    kept = tree(elsewhere)
    age()
    apply("update", root, START, 4)  # the open incident, of the web component
    assert incremental.build(project(root), out, START, QUICK)[1] == "whole site"
    assert tree(elsewhere) == kept
    assert not (out / "components" / "web").is_symlink()
    assert tree(out) == clean_files(root, START)


def test_a_template_edited_through_a_symlinked_folder_is_built_next_time(
        empty_repo: Path, run: Run) -> None:
    """templates/parts linking to a folder elsewhere in the repository: Jinja reads
    through it, but the up-to-date record digested templates/ without entering it, so
    an edit there left every later build 'Up to date' over the old page. A link back to
    a folder above it is entered once."""
    shared = empty_repo / "shared"
    shared.mkdir()
    (shared / "note.html").write_text("First words\n")
    templates = empty_repo / "templates"
    templates.mkdir()
    (templates / "parts").symlink_to("../shared", target_is_directory=True)
    (shared / "loop").symlink_to("..", target_is_directory=True)
    (templates / "404.html").write_text('{% include "parts/note.html" %}')
    args = ["build", "--now", local(START)]
    assert run(empty_repo, *args).exit_code == 0
    assert (empty_repo / "site" / "404.html").read_text() == "First words\n"
    (shared / "note.html").write_text("Second words\n")
    result = run(empty_repo, *args)
    assert (result.exit_code, "Up to date" in result.output) == (0, False)
    assert (empty_repo / "site" / "404.html").read_text() == "Second words\n"
    check = run(empty_repo, "check", "--now", local(START))
    assert (check.exit_code, check.output) == (
        0, "OK: outpost.yaml and 0 notices are valid.\n")


def test_a_template_deleted_once_listed_is_no_traceback(
        empty_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """templates/ is listed, then each file read: one deleted in between (a checkout
    switching branches as a build starts) raised FileNotFoundError, a traceback. Its
    digest and the pages' shared key now leave it out, and a FIFO put there is never
    read (it would block)."""
    from jinja2 import Environment

    from generator import disk
    from generator.build import store
    from generator.render import pages

    templates = empty_repo / "templates"
    templates.mkdir()
    (templates / "404.html").write_text('{{ "Gone" ~ now }}\n')  # code, if it were read
    os.mkfifo(templates / "pipe.html")
    listed = disk.files_under(templates, empty_repo)
    (templates / "404.html").unlink()
    monkeypatch.setattr(store, "files_under", lambda folder, root: listed)
    monkeypatch.setattr(pages, "files_under", lambda folder, root: [
        *listed, *disk.files_under(folder, root)] if folder == templates else
        disk.files_under(folder, root))
    assert store.tree_digest(templates) != "-"
    digest, texts = pages._template_sources(empty_repo, Environment())
    assert digest and "Gone" not in texts
