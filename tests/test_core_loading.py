"""Loading many notices quickly must not change a thing: the parallel path, the plain
front-matter reader, the body splitter and the usual-time parser are each checked
against the slower, general way."""

from __future__ import annotations

import errno
import os
import pickle
import shutil
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bench import synth
from generator.app import schema
from generator.build import cache
from generator.build.options import BuildOptions
from generator.build.parallel import ForkedRendering, cores, fork_map
from generator.build.pipeline import RenderHere
from generator.build.store import Store
from generator.config import yamlnodes as yn
from generator.core.errors import InputError, Problem
from generator.core.model import Notice
from generator.core.times import parse_time
from generator.notices import grammar, loader

BROKEN: dict[str, str | bytes] = {
    "a-bad-time.md": "---\ntitle: T\ntype: incident\n---\n## Resolved - 2026-02-30 10:00\nx\n",
    "b-conflict.md": "<<<<<<< HEAD\n---\ntitle: T\n=======\n>>>>>>> other\n",
    "c-not-utf8.md": b"---\ntitle: \xff\ntype: incident\n---\n",
    "d-fenced.md": ("---\ntitle: T\ntype: incident\n---\n## Resolved - 2026-01-02 10:00\n"
                    "```\n## not a heading\n```\n  ## indented\n"
                    "## Identified - 2026-01-01 10:00\nx\n"),
    "e-quoted.md": "---\ntitle: 'Sign-in: slow'\ntype: incident\n---\n## Identified - 2026-01-01 "
                   "10:00\nLooking.\n",
}


FORK_FILES = BuildOptions().fork_files


def serial_reference(root: Path) -> tuple[list[Notice], list[Problem]]:
    """One file at a time with read_notice: no fork, no cache."""
    config = schema().load(root)
    files, problems = loader.notice_files(root)
    notices: list[Notice] = []
    for path in files:
        try:
            notices.append(loader.read_notice(path, root, config))
        except loader.NoticeInvalid as exc:
            problems.extend(Problem(f"notices/{path.name}", line, message)
                            for line, message in exc.problems)
    return notices, problems


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = synth.make_repo(tmp_path_factory.mktemp("many") / "repo", 2 * FORK_FILES)
    for name, content in BROKEN.items():  # early names: they fall in the child's half
        path = root / "notices" / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    (root / "notices" / "zz-last.md").write_bytes(  # in the parent's half
        (root / "notices" / "a-bad-time.md").read_bytes())
    return root


def test_parallel_loading_gives_what_serial_loading_gives(many: Path, tmp_path: Path) -> None:
    config = schema().load(many)
    files, _ = loader.notice_files(many)
    assert len(files) >= FORK_FILES  # so the builder's loader forks
    notices, problems = serial_reference(many)
    assert [p.path for p in problems] == [
        "notices/a-bad-time.md", "notices/b-conflict.md", "notices/b-conflict.md",
        "notices/b-conflict.md", "notices/c-not-utf8.md", "notices/d-fenced.md",
        "notices/zz-last.md"]
    assert problems[0].message == "bad time '2026-02-30 10:00': day is out of range for month"
    assert str(problems[5]) == ("notices/d-fenced.md:9: update headings start at the "
                                "beginning of the line: remove the spaces before '##'")
    assert len(notices) == len(files) - 5
    assert loader.load_notices(many, config) == (notices, problems)
    assert (cache.load_notices(many, config, None).notices, problems) == (notices, problems)
    store = Store(tmp_path / "cache", "stamp")
    cold = cache.load_notices(many, config, store)
    shards = [f"notices-{index:02d}" for index in range(cache.NOTICE_SHARDS)]
    assert sorted(path.name for path in store.folder.iterdir()) == shards  # both halves
    assert all(store.load(name) for name in shards)
    warm = cache.load_notices(many, config, store)
    for loaded in (cold, warm):
        assert (loaded.notices, loaded.problems) == (notices, problems)
    assert cold.digests == warm.digests
    assert pickle.dumps(cold.notices) == pickle.dumps(notices)  # the very same values


@pytest.mark.skipif(cores() < 2, reason="one processor: fork_map does not fork")
def test_fork_map_keeps_order_and_uses_a_child() -> None:
    parent = os.getpid()
    results = fork_map(lambda item: (item * 2, os.getpid()), list(range(10)), 2)
    assert [value for value, _ in results] == [item * 2 for item in range(10)]
    assert {pid for _, pid in results[:5]} != {parent}  # the first half: the child
    assert {pid for _, pid in results[5:]} == {parent}
    assert set(fork_map(lambda _: os.getpid(), [1, 2, 3], 4)) == {parent}  # too few: no child


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="no /proc to count descriptors")
def test_fork_map_works_here_when_the_system_has_no_process_to_spare(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A fork refused (EAGAIN: too many processes; ENOMEM) is no error: the work is done
    in this process, and the pipe made for the child is closed."""
    def refused() -> int:
        raise OSError(errno.EAGAIN, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", refused)
    monkeypatch.setattr("generator.build.parallel.cores", lambda: 2)
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(5):
        assert fork_map(lambda item: (item, os.getpid()), [1, 2, 3], 2) == [
            (item, os.getpid()) for item in (1, 2, 3)]
    assert len(os.listdir("/proc/self/fd")) == before


def failing_at(bad: set[int]) -> Callable[[int], int]:
    def work(item: int) -> int:
        if item in bad:
            raise ValueError(f"item {item}")
        return item

    return work


def test_fork_map_raises_what_the_plain_loop_would() -> None:
    for bad, first in (({2, 8}, "item 2"), ({8}, "item 8"), ({2}, "item 2")):
        with pytest.raises(ValueError, match=first):
            fork_map(failing_at(bad), list(range(10)), 2)


@pytest.mark.parametrize("share", [0.2, 0.55, 0.9])
def test_forked_rendering_raises_what_rendering_here_would(share: float) -> None:
    """Pages fail in the order given, whichever process rendered them: the child's
    share comes first, so its error does too."""
    def page(index: int) -> Callable[[], bytes]:
        def render() -> bytes:
            if index in (1, 8):
                raise RuntimeError(f"page {index}")
            return str(index).encode()
        return render

    jobs = [page(index) for index in range(10)]
    for executor in (RenderHere(), ForkedRendering(2, share)):
        with pytest.raises(RuntimeError, match=r"^page 1$"):
            executor.submit(jobs)()


class Interrupted(BaseException):
    """Like KeyboardInterrupt: not an Exception."""


def slow_then_interrupted(item: int) -> int:
    if item < 2:  # the child's half: would take a minute
        time.sleep(30)
    raise Interrupted


@pytest.mark.skipif(cores() < 2, reason="one processor: fork_map does not fork")
def test_fork_map_interrupted_does_not_wait_for_the_child() -> None:
    started = time.monotonic()
    with pytest.raises(Interrupted):
        fork_map(slow_then_interrupted, [0, 1, 2, 3], 2)
    assert time.monotonic() - started < 10


def unpicklable(item: int) -> Callable[[], int]:
    return lambda: item  # a local function does not pickle


def test_fork_map_redoes_the_half_a_child_cannot_send() -> None:
    assert [get() for get in fork_map(unpicklable, [1, 2, 3, 4], 2)] == [1, 2, 3, 4]


def test_unreadable_notice_is_reported_by_the_parallel_load(many: Path, tmp_path: Path
                                                            ) -> None:
    root = tmp_path / "repo"
    shutil.copytree(many, root)
    os.mkfifo(root / "notices" / "b-pipe.md")  # the child's half; it must not block it
    notices, problems = loader.load_notices(root, schema().load(root))
    assert sorted(problems) == sorted(serial_reference(root)[1])
    assert Problem("notices/b-pipe.md", 0, "not a regular file (a named pipe): notices are "
                                           "plain files") in problems
    assert [n.id for n in notices] == [n.id for n in serial_reference(many)[0]]


# The plain front-matter reader against libyaml.

PIECES = ["title", "a", "x y", "Sign-in", "10:00", "2026-01-01 10:00", ":", ": ", " ", "  ",
          "\t", "#", " #", "[", "]", "[a, b]", "[ web ,api ]", "[]", "[a,]", "{", "}", ",",
          "'", '"', "-", "- ", "?", "!", "&", "*", "|", ">", "%", "@", "`", "~", "null", "NO",
          "012", "é", "—", "\u2028", "\x85", "\ufeff", "\x7f", "\r", "http://x", "<<", "..."]
KEYS = ["title", "type", "components", "x-y", "_a", "null", "<<", "", " title", "title "]
line_text = st.builds(lambda key, sep, parts: key + sep + "".join(parts),
                      st.sampled_from(KEYS), st.sampled_from([": ", ":", ":  "]),
                      st.lists(st.sampled_from(PIECES), max_size=4))


IMPLIED = "implied:"


class ResolvingLoader(yaml.CSafeLoader):
    """libyaml with PyYAML's resolver, marking the tags the resolver implies: only tags
    written in the text are the author's (yamlnodes refuses them)."""

    def resolve(self, kind: object, value: object, implicit: object) -> str:
        return IMPLIED + str(super().resolve(kind, value, implicit))


def _unmark(node: yaml.Node, seen: set[int]) -> None:
    if id(node) in seen:
        return
    seen.add(id(node))
    if node.tag.startswith(IMPLIED):
        node.tag = ""
    children = (node.value if isinstance(node, yaml.SequenceNode) else
                [part for pair in node.value for part in pair]
                if isinstance(node, yaml.MappingNode) else [])
    for child in children:
        _unmark(child, seen)


def libyaml_nodes(text: str) -> object:
    """What yamlnodes made of ``text`` before: libyaml with PyYAML's resolver."""
    try:
        root = yaml.compose(text, Loader=ResolvingLoader)
        if root is not None:
            _unmark(root, set())
        return None if root is None else yn._convert(root, yn._ShownLines(text, 2),
                                                     yn._Expansion())
    except yaml.YAMLError:
        return "invalid"
    except yn.YamlError as exc:
        return ("refused", exc.message, exc.line)


def nodes(text: str) -> object:
    try:
        return yn.parse(text, 2)
    except yn.YamlError as exc:
        return "invalid" if exc.message.startswith("invalid YAML") else (
            "refused", exc.message, exc.line)


@settings(max_examples=800, deadline=None)
@given(st.lists(st.one_of(line_text, st.sampled_from(["", "  "])), min_size=1, max_size=5))
def test_plain_front_matter_reads_as_libyaml_reads_it(lines: list[str]) -> None:
    text = "\n".join(lines)
    simple = yn._parse_simple(text, 2)
    if simple is not None:
        assert simple == libyaml_nodes(text)
    found = nodes(text)
    if isinstance(found, tuple) and found[1].startswith("anchors and aliases"):
        assert "&" in text or "*" in text  # refused in notices, where they have no use
        return
    assert found == libyaml_nodes(text)


# Lines YAML refuses and can read past (a duplicate or merge key, a tag, an anchor, an
# escaped control character, a key that is a list), among others.
REFUSALS = ["title: A", "title: B", "<<: {a: b}", "<<: *a", "k: &a x", "k2: *a",
            "t: !!binary aGk=", "!x k: v", "c: !!set {a: null}", 'q: "a\\x01b"', "[a]: b",
            '"k\\x01": v', "l: [!x a, *a, b]", "m:\n  x: 1\n  x: !y 2", "s: [",
            "r: &r [*r]"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(REFUSALS), line_text), min_size=1, max_size=6),
       st.booleans())
@example(["title: A", "title: B", "t: !!binary aGk=", "<<: {a: b}"], True)
def test_refusals_read_past_begin_with_the_one_a_stop_names(lines: list[str],
                                                            aliases: bool) -> None:
    """Collected, what YAML refuses begins with the problem a reading that stops at the
    first names, each at a line of the text; a document with none reads the same."""
    text = "\n".join(lines)
    stopped: object
    try:
        stopped = yn.parse(text, 2, aliases)
    except yn.YamlError as exc:
        stopped = (exc.line, exc.message)
    problems: list[tuple[int, str]] = []
    read: object = "raised"
    try:
        read = yn.parse(text, 2, aliases, problems)
    except yn.YamlError as exc:
        problems.append((exc.line, exc.message))
    if isinstance(stopped, tuple):
        assert problems[0] == stopped, text
    else:
        assert (read, problems) == (stopped, []), text
    last = 1 + len(yn._lines(text))
    assert all(2 <= line <= last and "\n" not in message for line, message in problems), text


TRICKY = ["title: a:", "title: a: b", "title: a:b", "title: a #b", "title: a#b", "title: 'q'",
          "title: -a", "title: a\u2028b", "title: a\x85b", "title: a\tb", "title: a\x7fb",
          "components: [a,]", "components: [a, [b]]", "title:  x  ", "title: ~", "title: null",
          "components: [null, web]", "title: x\ntitle: y", "<<: x", "title: \ufeffx",
          "\ntitle: x\n\ntype: y\n", "title: x\n  more", "title: x\n- y", "title: é:",
          "title: %x", "title: @x", "title: `x", "title: {a: b}", "title: [a]x", "a" * 101 + ": x",
          "title: a  b  ", "title: a \t", "title: a\t ", "title: a  # c", "title: a #",
          "title: a\t#b"]


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_front_matter_reads_as_libyaml_reads_it(text: str) -> None:
    simple = yn._parse_simple(text, 2)
    assert simple is None or simple == libyaml_nodes(text)
    assert nodes(text) == libyaml_nodes(text)


def test_usual_front_matter_takes_the_plain_reader() -> None:
    text = ("title: Sign-in is slow (SSO) — again, 100% of users\ntype: incident\n"
            "impact: minor\ncomponents: [web, api]\nstart: 2026-01-01 10:00\n")
    simple = yn._parse_simple(text, 2)
    assert simple is not None and simple == libyaml_nodes(text)


# The body splitter (the fast path) against its line-by-line reference.

BODY_LINES = ["", " ", "text", "## Resolved - 2026-01-01 10:00", "##", "###", "## x ##",
              " ## x", "   ##", "    ## x", "```", "````", " ```", "    ```", "~~~", "~~~~ x",
              "``` py", "- item", "\r", "#", "```vpn reset``` did not help.", "```python",
              "```` \t", "~~~ `x`", "``` `", "<!--", "   <!-- x", "    <!--", "<!-- x -->",
              "<!-->", "-->", "a -->", "x <!--", "<!-- x --> ## R", "a --> ## R"]


@settings(max_examples=800, deadline=None)
@given(st.lists(st.sampled_from(BODY_LINES), max_size=12))
@example(["## R", "text", "  ## x", "", "  ## y", "text"])
@example(["  ## x", "", "## R", "", "   ##", "", "```", "  ## in a fence", "``", "~~~", "```"])
@example(["```", "## R", "```python", "## R", "````  ", "```vpn reset``` did not help.", "## R"])
@example(["<!--", "## R", "```", "-->", "## R", "<!-- ```", "## R", "-->", "```", "## R"])
@example(["## R", "   <!-- x", "## R"])
def test_body_splits_as_line_by_line(lines: list[str]) -> None:
    body = "\n".join(lines)
    assert grammar.split_body(body, 7) == grammar.split_body_lines(body, 7)


# The usual time form against the general parser (seconds written take the general way).

ZONES = ["America/Chicago", "Europe/London", "Australia/Lord_Howe"]
CHANGES = [(ZONES[0], datetime(2026, 3, 8, 2)), (ZONES[0], datetime(2026, 11, 1, 1)),
           (ZONES[1], datetime(2026, 3, 29, 1)), (ZONES[1], datetime(2026, 10, 25, 1)),
           (ZONES[2], datetime(2026, 4, 5, 1, 30)),
           (ZONES[2], datetime(2026, 10, 4, 2))]  # the clocks skip or repeat here
near_a_change = st.builds(lambda change, minutes: (change[0],
                                                   change[1] + timedelta(minutes=minutes)),
                          st.sampled_from(CHANGES), st.integers(-90, 90))
anywhere = st.tuples(st.sampled_from(ZONES), st.datetimes(min_value=datetime(1900, 1, 1),
                                                          max_value=datetime(2999, 12, 31)))


@settings(max_examples=800, deadline=None)
@given(st.one_of(near_a_change, anywhere))
def test_usual_times_parse_as_the_general_parser_does(case: tuple[str, datetime]) -> None:
    zone_name, moment = case
    zone = ZoneInfo(zone_name)
    usual = moment.strftime("%Y-%m-%d %H:%M")
    general = f"{usual}:00"
    try:
        expected: object = parse_time(general, zone)
    except InputError as exc:
        expected = str(exc).replace(general, usual)
    try:
        got: object = parse_time(usual, zone)
    except InputError as exc:
        got = str(exc)
    assert got == expected
    if isinstance(got, datetime):
        assert got.tzinfo is UTC and got.astimezone(zone).replace(tzinfo=None) == \
            moment.replace(second=0, microsecond=0) and got.utcoffset() == timedelta(0)
