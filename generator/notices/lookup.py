"""Finding a notice from what a person types: its id, a unique start of the id, or
words of its title. Reads as little as it can: most look-ups touch one file. The
notices it knows are the files the loader reads, by the loader's own rule: a file
that check and build skip (notices/readme.md) is no notice to post to."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from generator.core.errors import OutpostError, ProblemsFound, close_to, did_you_mean
from generator.disk import NotRegular, read_regular
from generator.notices.grammar import (
    NOTICE_SUFFIX,
    NOTICES_DIR,
    file_name,
    file_stem,
    front_matter_close,
    id_of_file,
    notice_file,
)
from generator.notices.loader import ignored, notice_names

_WORD = re.compile(r"[^\W_]+")  # letters and digits of any script: titles need not be English
_DOUBLE_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
_SINGLE_QUOTED = re.compile(r"'((?:[^']|'')*)'")
_ESCAPE = re.compile(r"\\(.)")  # loosely: "\x41" gives "x41", only ever matched as words
_TITLE_LINE = re.compile(r"^title:[ \t]*(?P<value>.*?)[ \t]*\r?$", re.MULTILINE)


class NotFound(OutpostError):
    """No notice, or more than one, matches the query."""


def _skipped(root: Path, name: str) -> str:
    """A note when ``name`` is a file in notices/ that check and build skip."""
    file = name if name.endswith(NOTICE_SUFFIX) else file_name(name)
    if not ignored(file) or not (root / NOTICES_DIR / file).exists():
        return ""
    return f"; {NOTICES_DIR}/{file} is not a notice: check and build skip it"


def _in_folders(root: Path, text: str) -> str:
    """A note when notices/ holds ``text``'s notice in a folder of its own, which check
    and build do not read (only on the way to 'no notice matches')."""
    folder, wanted = root / NOTICES_DIR, text.lower()
    found: list[Path] = []
    for parent, folders, files in os.walk(folder) if wanted else ():  # into no symlinked folder
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        if Path(parent) == folder:
            continue
        found += [Path(parent, name) for name in sorted(files) if name.endswith(NOTICE_SUFFIX)
                  and wanted in name.removesuffix(NOTICE_SUFFIX).lower()]
        if len(found) > 1:
            break
    if not found:
        return ""
    shown = found[0].relative_to(root).as_posix()
    return (f"; {shown} is in a folder inside {NOTICES_DIR}/, which check and build do not "
            f"read: move it into {NOTICES_DIR}/")


def notice_ids(root: Path) -> list[str]:
    """Every notice id in root/notices, sorted: the files the loader reads whose names
    are ids (it reports the others). ProblemsFound when notices/ cannot be listed: as
    check says, rather than 'no notice matches'."""
    names, problems = notice_names(root)
    folder = [problem for problem in problems if problem.path == NOTICES_DIR]
    if folder:
        raise ProblemsFound(folder, "Nothing was written.")
    return sorted(notice_id for notice_id in map(id_of_file, names) if notice_id is not None)


def read_title(path: Path) -> str:
    """The front matter's title, read loosely (only used for matching words)."""
    try:  # never blocks on a named pipe; reads regular files only
        raw = read_regular(path, 4096)
    except OSError:
        return ""
    if isinstance(raw, NotRegular):
        return ""
    head = raw.decode("utf-8", "replace")
    closing = front_matter_close(head)
    match = _TITLE_LINE.search(head if closing is None else head[:closing.start()])
    if not match:
        return ""
    value = match["value"]
    # A quoted title ends at its closing quote, not at a quote it escapes: 'outpost new'
    # writes 'Портал "Дневник"' as "Портал \"Дневник\"".
    if value[:1] == '"':
        quoted = _DOUBLE_QUOTED.match(value)
        return _ESCAPE.sub(r"\1", quoted[1] if quoted else value[1:])
    if value[:1] == "'":
        quoted = _SINGLE_QUOTED.match(value)
        return (quoted[1] if quoted else value[1:]).replace("''", "'")
    return re.sub(r"\s+#.*$", "", value)


def words(text: str) -> set[str]:
    return set(_WORD.findall(text.casefold()))


def match(query: str, ids: Iterable[str], title_of: dict[str, str] | None = None) -> list[str]:
    """The ids ``query`` could mean: itself, ids starting with it, or (when none do)
    the notices whose title and id hold every word of it."""
    ids = list(ids)
    wanted = query.strip().lower()
    if wanted in ids:
        return [wanted]
    prefixed = [i for i in ids if i.startswith(wanted)] if wanted else []
    if prefixed or title_of is None:
        return prefixed
    query_words = words(wanted)
    if not query_words:
        return []
    return [i for i in ids if query_words <= words(title_of.get(i, "")) | words(i)]


_DATE_PREFIX = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}-")


def _close_ids(query: str, ids: list[str]) -> list[str]:
    """The ids a mistyped ``query`` is close to, compared whole and without the date
    they start with (people type 'vpn-outage' for '2026-11-28-vpn-outage')."""
    wanted = query.strip().lower()
    whole = close_to(wanted, ids)
    if whole:
        return whole
    by_name = {_DATE_PREFIX.sub("", i): i for i in sorted(ids)}  # the newest of a name
    return [by_name[name] for name in close_to(wanted, by_name)]


def find_notice(root: Path, query: str) -> str:
    """The one notice id ``query`` means, or NotFound listing what it could mean."""
    chosen, _ = find_open_notice(root, query, None)
    return chosen


def find_open_notice(root: Path, query: str, is_open: Callable[[str], bool] | None
                     ) -> tuple[str, tuple[str, ...]]:
    """The notice id ``query`` means, and the closed ones it passed over: when several
    notices match and exactly one of them ``is_open``, that one (during an incident,
    'email' means the open email incident, not last year's). Several open matches, or
    none open, raise NotFound listing them, the open ones first."""
    text = query.strip()
    if text.endswith(NOTICE_SUFFIX):  # a path, as shell completion gives it
        text = file_stem(Path(text).name)
    ids = notice_ids(root)
    found = match(text, ids)
    titles: dict[str, str] = {}
    if not found:
        titles = {i: read_title(notice_file(root, i)) for i in ids}
        found = match(text, ids, titles)
    if len(found) == 1:
        return found[0], ()
    if is_open is not None:
        # Every match is asked, however many: a site kept for years has dozens of closed
        # notices with the open one's words (about 0.4 ms a notice).
        open_ids = [i for i in found if is_open(i)]
        if len(open_ids) == 1:
            return open_ids[0], tuple(i for i in found if i != open_ids[0])
        # The open ones first, so the closed ones of past years never hide them past
        # the list's end.
        opened = set(open_ids)
        found = open_ids + [i for i in found if i not in opened]
    if not found:
        hint = did_you_mean(_close_ids(text, ids))
        raise NotFound(f"no notice matches '{query}'{f' ({hint})' if hint else ''}: give its "
                       "id, the start of its id, or a word of its title (see 'outpost list')"
                       f"{_skipped(root, text) or _in_folders(root, text)}")
    shown = found[:20]
    if not titles:
        titles = {i: read_title(notice_file(root, i)) for i in shown}
    width = max(len(i) for i in shown)
    lines = [f"  {i.ljust(width)}  {titles.get(i, '')}".rstrip() for i in shown]
    if len(found) > len(shown):
        lines.append(f"  ... and {len(found) - len(shown)} more")
    raise NotFound(f"'{query}' matches {len(found)} notices; give more of the id:\n"
                   + "\n".join(lines))
