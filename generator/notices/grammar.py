"""The notice grammar, written once: how a notice file reads and is written.

A notice is ``notices/<id>.md`` (``notice_file``, ``id_of_file``): front matter
between a ``---`` line and a ``---`` (or ``...``) line, a summary, then updates, each
under a heading
``## <Status> - <time>`` with an optional ``[silent]`` flag. A ``##`` line inside a
code fence or an HTML comment is text, not a heading; fences and comments are read as
CommonMark reads them (see ``fence_after`` and ``COMMENT_START``), so that the split agrees
with what GitHub shows. Times take the forms of
``generator.core.times``; ids are ``generator.core.model.ID_PATTERN``.

The loader, the editor, the look-up and the scaffold read and write notices with these
definitions only. ``split_body`` is a fast path; ``split_body_lines`` beside it is the
plain line-by-line reference it must agree with (a property test checks it).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from datetime import datetime, tzinfo
from functools import cache
from pathlib import Path

from generator.core.errors import LOOKALIKE_SPACES, character_name
from generator.core.model import ID_PATTERN, Status
from generator.core.times import TIME_FORM, write_time

__all__ = [
    "COMMENT_END", "COMMENT_START", "FENCE", "FRONT_MATTER_CLOSE", "FRONT_MATTER_MARK",
    "HEADING", "HEADING_HINT", "ID_PATTERN", "INDENTED_HEADING", "LOOSE_SILENT",
    "NOTICES_DIR", "NOTICE_SUFFIX", "SILENT", "UNCLOSED_COMMENT", "UNSEEN", "WRONG_LEVEL",
    "fence_after", "file_name", "file_stem", "front_matter_again", "front_matter_close",
    "heading_line", "id_of_file", "is_heading", "misplaced_headings", "normalized",
    "notice_file", "open_fence", "slugify", "split_body", "split_body_lines", "text_lines",
    "without_comments", "write_heading",
]

NOTICES_DIR = "notices"
NOTICE_SUFFIX = ".md"


def file_name(notice_id: str) -> str:
    """The name of the notice ``notice_id``'s file in notices/: '<id>.md'."""
    return f"{notice_id}{NOTICE_SUFFIX}"


def notice_file(root: Path, notice_id: str) -> Path:
    """The file of the notice ``notice_id`` in the repository ``root``."""
    return root / NOTICES_DIR / file_name(notice_id)


def file_stem(name: str) -> str:
    """The id a file name in notices/ gives its notice, valid or not: its name without
    '.md'."""
    return name.removesuffix(NOTICE_SUFFIX)


def id_of_file(name: str) -> str | None:
    """The id of the notice whose file is named ``name``; None when ``name`` is no
    '<id>.md'."""
    stem = file_stem(name)
    return stem if stem != name and ID_PATTERN.fullmatch(stem) else None

FRONT_MATTER_MARK = "---"
# Searches starting with a newline: the regex engine skips to each newline quickly.
FRONT_MATTER_CLOSE = re.compile(r"\n(?:---|\.\.\.)[^\S\n]*(?=\n|\Z)")

HEADING_HINT = f"'## <Status> - {TIME_FORM}'"
# The status and the time each end in a character that is no space (the time in none
# that is '#' either, as a closing '##' is no part of it), and the runs of spaces are
# taken whole (possessive): the engine tries what follows them once per run, so a line
# holding thousands of spaces is read in linear time (it took minutes).
HEADING = re.compile(
    r"^##[ \t]++(?P<status>[^ \t](?:.*?[^ \t])??)[ \t]++[-\u2013\u2014][ \t]++"
    r"(?P<time>[^ \t](?:.*?[^ \t#])??)"
    r"(?:[ \t]++\[(?P<flag>[A-Za-z]+)\])?[ \t]*+#*+[ \t]*+$"
)
SILENT = "silent"  # the one flag: post the update without notifying
# The silent flag written another way after a heading's time: '(silent)', '[ silent ]',
# 'silent'.
LOOSE_SILENT = re.compile(r"(?<![ \t])[ \t]++[\[({<]?[ \t]*+silent[ \t]*+[\])}>]?$",
                          re.IGNORECASE)
INDENTED_HEADING = ("update headings start at the beginning of the line: remove the spaces "
                    "before '##'")

# A line starting with a fence run (three or more backticks or tildes, up to three spaces
# in): the run, and the rest of the line. Whether it opens or closes a fence, or neither,
# depends on the fence open before it: fence_after.
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)")
# An HTML comment block (CommonMark's HTML block of type 2), outside a fence: from a line
# starting with '<!--' up to three spaces in, to the first line holding '-->' (that same
# line, if it does). GitHub hides it: a draft update commented out is not an update.
COMMENT_START = re.compile(r"^ {0,3}<!--")
COMMENT_END = "-->"
UNCLOSED_COMMENT = ("'<!--' opens an HTML comment that is never closed, which hides "
                    "everything below it: end the comment with '-->'")
_INDENTED = re.compile(r"^ {1,3}##(?!#)")


def heading_in_fence(opened: int, run: str) -> str:
    """The problem of an update heading inside the code fence opened at line ``opened``."""
    return (f"this update heading is inside the code fence opened at line {opened} "
            f"({run}), which is never closed before it: it is read as code of the update "
            f"above, and its own update is lost: close the fence with a {run} line before "
            "it")
# The fast path's view of the same rules: a fence, a comment or a heading (indented or not).
_BODY_MARK = re.compile(r"\n( {0,3})(`{3,}|~{3,}|<!--|##(?!#))")

Sections = tuple[str, list[tuple[int, str, str]], list[tuple[int, str]]]
"""A body split: the summary, each (line, heading, text), and (line, message) problems."""


def normalized(text: str) -> str:
    """A file's text as it is read: no byte-order mark, '\\n' line ends."""
    return without_byte_order_marks(text).replace("\r\n", "\n")


def without_byte_order_marks(text: str) -> str:
    """``text`` without the byte order mark at its start or among the spaces ending it:
    it marks an encoding (Notepad, PowerShell), and a text joined to one that began with
    it, or pasted, ends with it; either way it is not text."""
    text = text.removeprefix("\ufeff")
    end = len(text)  # one pass back over the end: a file may end in a million of them
    while end and (text[end - 1] == "\ufeff" or text[end - 1].isspace()):
        end -= 1
    return text[:end] + text[end:].replace("\ufeff", "")


def front_matter_close(text: str, start: int = 0) -> re.Match[str] | None:
    """The line that closes the front matter, searched from ``text[start]`` on (a newline
    or later: the opening line is never the closing one)."""
    return FRONT_MATTER_CLOSE.search(text, start)


SLUG_LIMIT = 60  # characters of a title in the id made of it


# Latin letters with no decomposition to an ASCII letter (NFKD keeps them whole, so
# they would be dropped: 'Straße' gave 'strae').
_OWN_LETTERS = str.maketrans({"ß": "ss", "ẞ": "SS", "æ": "ae", "Æ": "AE", "œ": "oe",
                              "Œ": "OE", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ð": "d",
                              "Ð": "D", "ł": "l", "Ł": "L", "þ": "th", "Þ": "TH", "\u0131": "i",
                              "ħ": "h", "Ħ": "H"})


def slugify(title: str, limit: int = SLUG_LIMIT) -> str:
    """'Digicert certificate reissue!' -> 'digicert-certificate-reissue'."""
    folded = (unicodedata.normalize("NFKD", title.translate(_OWN_LETTERS))
              .encode("ascii", "ignore").decode().lower())
    slug = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0] if "-" in slug[:limit] else slug[:limit]
    return slug.strip("-") or "notice"


def heading_line(status: str, time_text: str, silent: bool = False) -> str:
    """'## Identified - 2024-07-30 13:50', with ' [silent]' when it should not notify."""
    return f"## {status} - {time_text}" + (f" [{SILENT}]" if silent else "")


def write_heading(status: Status, at: datetime, zone: tzinfo, silent: bool = False) -> str:
    """The heading the tools write for an update at ``at``, in the site zone."""
    return heading_line(status.value, write_time(at, zone), silent)


def is_heading(line: str) -> bool:
    """A line that starts an update, when it stands outside a code fence."""
    return line.startswith("##") and not line.startswith("###")


def fence_after(fence: str | None, marker: str, rest: str) -> str | None:
    """The open fence after a line starting with the fence run ``marker`` followed by
    ``rest``, given the ``fence`` open before it (None: none).

    As CommonMark: with no fence open, the line opens one, unless the run is of
    backticks and ``rest`` holds a backtick (a line such as "```vpn reset``` did not
    help." is a paragraph with code in it). An open fence closes only on a run of its
    own character at least as long followed by nothing but spaces or tabs ("```python"
    inside a fence is text)."""
    if fence is None:
        return None if marker[0] == "`" and "`" in rest else marker
    if marker[0] == fence[0] and len(marker) >= len(fence) and not rest.strip(" \t"):
        return None
    return fence


def split_body(body: str, first_line: int) -> Sections:
    """Split a body at '## ' headings outside code fences and HTML comments: the summary
    above them, each (line, heading, text), and problems (indented headings, a comment
    never closed).

    The fast path: only lines that open or close a fence, open a comment or look like a
    heading are visited, and a comment is skipped to the line that closes it; the text
    between them is sliced, never split into lines. It returns what
    ``split_body_lines`` returns.
    """
    text = "\n" + body  # each line starts after a newline
    line_no, counted = first_line, 0
    fence: str | None = None
    sections: list[tuple[int, str, list[str]]] = [(first_line, "", [])]
    problems: list[tuple[int, str]] = []
    kept = 1  # where the text not yet given to a section starts
    at = 0
    fence_at = 0  # where the open fence's line starts
    while (match := _BODY_MARK.search(text, at)) is not None:
        at = match.end()
        marker = match.group(2)
        if marker[0] in "`~":
            opened = fence is None
            fence = fence_after(fence, marker, text[at:_line_end(text, at)])
            fence_at = match.start() if opened else fence_at
            continue
        if fence is not None:
            if marker == "##" and not match.group(1) and _reads_as_heading(
                    text[match.start() + 1:_line_end(text, at)]):
                line_no += text.count("\n", counted, match.start())
                counted = match.start()
                problems.append((line_no, heading_in_fence(
                    line_no - text.count("\n", fence_at, match.start()), fence)))
            continue
        where = match.start()
        if marker[0] == "<":
            close = text.find(COMMENT_END, match.start(2))
            if close >= 0:
                at = _line_end(text, close)  # the newline before the next line
                continue
            line_no += text.count("\n", counted, where)
            problems.append((line_no, UNCLOSED_COMMENT))
            break
        line_no += text.count("\n", counted, where)
        counted = where
        if kept <= where:  # at least one line before this one
            sections[-1][2].append(text[kept:where])
        line_end = _line_end(text, at)
        kept = line_end + 1
        if match.group(1):
            problems.append((line_no, INDENTED_HEADING))
        else:
            sections.append((line_no, text[where + 1:line_end], []))
    if kept <= len(text):
        sections[-1][2].append(text[kept:])
    return _joined(sections, problems)


def _line_end(text: str, start: int) -> int:
    """Where the line holding ``text[start]`` ends: its newline, or the end of ``text``."""
    end = text.find("\n", start)
    return len(text) if end < 0 else end


def split_body_lines(body: str, first_line: int) -> Sections:
    """``split_body`` written plainly, one line at a time: the reference."""
    sections: list[tuple[int, str, list[str]]] = [(first_line, "", [])]
    problems: list[tuple[int, str]] = []
    fence: str | None = None
    fence_line = 0  # the line that opened the fence we are in
    comment: int | None = None  # the line that opened the comment we are in
    for number, line in enumerate(body.split("\n"), first_line):
        found = FENCE.match(line)
        if comment is not None:
            if COMMENT_END in line:
                comment = None
        elif found:
            opened = fence is None
            fence = fence_after(fence, found.group(1), found.group(2))
            fence_line = number if opened else fence_line
        elif fence is not None and is_heading(line) and _reads_as_heading(line):
            problems.append((number, heading_in_fence(fence_line, fence)))
        elif fence is None and COMMENT_START.match(line):
            comment = None if COMMENT_END in line else number
        elif fence is None and is_heading(line):
            sections.append((number, line, []))
            continue
        elif fence is None and _INDENTED.match(line):
            problems.append((number, INDENTED_HEADING))
            continue
        sections[-1][2].append(line)
    if comment is not None:
        problems.append((comment, UNCLOSED_COMMENT))
    return _joined(sections, problems)


def text_lines(text: str, first_line: int = 1) -> Iterator[tuple[int, str, str | None, bool]]:
    """Each line of ``text`` as ``split_body_lines`` reads it: its number, the code fence
    open after it (None: none), and whether it is prose, outside code fences and HTML
    comments (a fence's own lines and a comment's are not)."""
    fence: str | None = None
    in_comment = False
    for number, line in enumerate(text.split("\n"), first_line):
        found = FENCE.match(line)
        prose = False
        if in_comment:
            in_comment = COMMENT_END not in line
        elif found:
            fence = fence_after(fence, found.group(1), found.group(2))
        elif fence is None and COMMENT_START.match(line):
            in_comment = COMMENT_END not in line
        else:
            prose = fence is None
        yield number, line, fence, prose


def open_fence(text: str) -> tuple[int, str] | None:
    """The 1-based line and fence run of the code fence ``text`` leaves open (outside HTML
    comments), or None when every fence closes."""
    opened, fence = (0, ""), None
    for number, _, after, _ in text_lines(text):
        if after is not None and fence is None:
            opened = (number, after)
        fence = after
    return opened if fence is not None else None


# Four spaces or a tab before '##' make it an indented code block, or a list item's text:
# a heading written so is read as part of the update above, and its own update is lost.
# The indent is taken whole, so a line of long runs of spaces is read in linear time.
_DEEP_INDENT = re.compile(r"\n(?: {4}| {0,3}\t)[ \t]*+##(?!#)")
_STATUS_WORDS = frozenset(status.value.lower() for status in Status)


# '# ' or '### ' (to '###### ') before a status, a dash and a date: a heading of the wrong
# level, read as part of the update above (the README allows '###' headings in updates).
# Its runs of spaces are taken whole, as HEADING's are: read in linear time.
_WRONG_LEVEL = re.compile(r"^ {0,3}(?:#|#{3,6})[ \t]++(?P<status>[^ \t\n](?:[^\n]*?[^ \t\n])??)"
                          r"[ \t]++[-\u2013\u2014][ \t]++\d{4}-\d{1,2}-\d{1,2}\b")
_OTHER_LEVEL = re.compile(r"\n {0,3}(?:#|#{3,6})[ \t]")
WRONG_LEVEL = ("an update heading takes two '#' ('## <Status> - <time>'): with one or "
               "three it is read as part of the update above, and its own update is lost")
# A line underlined with '=' or '-' (Markdown's other way to write a heading): a status,
# a dash and a date so underlined is an update heading written without its '##'.
_UNDERLINE = re.compile(r" {0,3}(?:=+|-+)[ \t]*$")
_ANY_UNDERLINE = re.compile(r"\n {0,3}(?:=+|-+)[ \t]*(?:\n|$)")
_UNDERLINED = re.compile(r" {0,3}(?P<status>[^ \t\n#](?:[^\n]*?[^ \t\n])??)[ \t]++"
                         r"[-\u2013\u2014][ \t]++\d{4}-\d{1,2}-\d{1,2}\b")
UNDERLINED = ("an update heading starts with '## ' ('## <Status> - <time>'): underlined "
              "with '=' or '-', it is read as a heading inside the update above, and its "
              "own update is lost: put '## ' before it and remove the line under it")


# Characters that show as nothing, or as a space, before a line's '##' (pasted from chat,
# a word processor, or a file joined to one starting with a byte order mark): Markdown
# reads such a line as text: the spaces that only look like one (core.errors), and the
# format characters that show as nothing (soft hyphen, marks, zero-width spaces and
# joiners, bidirectional controls).
_UNSEEN = (LOOKALIKE_SPACES
           + "\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff")
UNSEEN = re.compile(f"[{_UNSEEN}]")
_UNSEEN_BEFORE = re.compile(f"[ \t]*[{_UNSEEN}][ \t{_UNSEEN}]*")
_UNSEEN_HEADING = re.compile(f"\n[ \t]*[{_UNSEEN}][ \t{_UNSEEN}]*#")


def unseen_before_heading(character: str) -> str:
    """The problem of a heading with ``character`` before its '##'."""
    return (f"a {character_name(character)}, which an editor shows as nothing or as a "
            "space, stands before this heading's '##': it is read as text of the update "
            "above, and its own update is lost: remove it")


def misplaced_headings(body: str, first_line: int) -> list[tuple[int, str]]:
    """(line, problem) for each line of prose in ``body`` that reads as an update heading
    ('## <Status> - <time>', a status Outpost knows) but would be read as text of the
    update above it: four spaces or a tab before it (Markdown's code or a list item's
    text), one or three '#' (a heading inside the update), or an invisible character."""
    if (_DEEP_INDENT.search("\n" + body) is None  # nearly every notice
            and _OTHER_LEVEL.search("\n" + body) is None
            and _UNSEEN_HEADING.search("\n" + body) is None
            and _ANY_UNDERLINE.search("\n" + body) is None):
        return []
    found = []
    before = ""  # the line before, if it is prose
    for number, line, _, prose in text_lines(body, first_line):
        above, before = before, line if prose else ""
        if prose and _UNDERLINE.match(line):
            underlined = _UNDERLINED.match(above)
            if underlined is not None and _is_status(underlined["status"]):
                found.append((number - 1, UNDERLINED))
            continue
        if not prose or "#" not in line:
            continue
        unseen = _UNSEEN_BEFORE.match(line)
        if unseen is not None:
            heading = HEADING.match(line[unseen.end():])
            if heading is not None and _is_status(heading["status"]):
                first = next(char for char in unseen.group() if char not in " \t")
                found.append((number, unseen_before_heading(first)))
            continue
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if len(indent) >= 4 or "\t" in indent:
            heading = HEADING.match(line.strip(" \t"))
            if heading is not None and _is_status(heading["status"]):
                found.append((number, INDENTED_HEADING))
            continue
        wrong = _WRONG_LEVEL.match(line)
        if wrong is not None and _is_status(wrong["status"]):
            found.append((number, WRONG_LEVEL))
    return found


def _is_status(word: str) -> bool:
    return " ".join(word.split()).lower() in _STATUS_WORDS


def _reads_as_heading(line: str) -> bool:
    """Whether ``line`` ('## ...') is an update heading of a status Outpost knows."""
    heading = HEADING.match(line)
    return heading is not None and _is_status(heading["status"])


@cache
def _front_matter_patterns(keys: tuple[str, ...]) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A line of one of ``keys``; a '---' line with one just after it or just before it."""
    key = rf"(?:{'|'.join(keys)})[ \t]*:"
    mark = rf"{FRONT_MATTER_MARK}[ \t]*"
    return re.compile(key), re.compile(rf"\n{mark}\n{key}|\n{key}[^\n]*\n{mark}(?:\n|$)")


def front_matter_again(body: str, first_line: int, keys: tuple[str, ...]) -> int | None:
    """The first line of front matter (a line of one of ``keys`` next to a '---' line)
    in prose of ``body``, the text after the notice's own front matter, if there is one:
    what a merge that kept both sides of a notice leaves once git's markers are removed
    (the other side's keys, and its '---' lines where the two sides differ there)."""
    key_line, edge = _front_matter_patterns(keys)
    if edge.search("\n" + body) is None:  # nearly every notice
        return None
    after_mark = False  # the line before was a '---' in prose
    keys_from: int | None = None  # the first of the key lines just before, in prose
    for number, line, _, prose in text_lines(body, first_line):
        is_mark = prose and line.rstrip(" \t") == FRONT_MATTER_MARK
        if prose and key_line.match(line):
            if after_mark:
                return number
            keys_from = number if keys_from is None else keys_from
        elif is_mark and keys_from is not None:
            return keys_from
        else:
            keys_from = None
        after_mark = is_mark
    return None


def without_comments(text: str) -> str:
    """``text`` as readers get it: its HTML comment blocks (outside code fences) left out,
    and where one stood between two blocks, a blank line that keeps them apart. Text after
    the '-->' that ends a block, on its line, is kept, as a block of its own.

    Pages drop a comment anyway; this keeps one (a draft, a note to colleagues) out of
    what carries the text as written: the API, calendars, mail and webhooks."""
    if "<!--" not in text:
        return text
    kept: list[str] = []
    fence: str | None = None
    in_comment = left_out = False  # left_out: a comment since the last line kept
    for line in text.split("\n"):
        search_from = 0  # where the '-->' that ends the comment may start
        if not in_comment:
            found = FENCE.match(line)
            opened = None if found or fence is not None else COMMENT_START.match(line)
            if found:
                fence = fence_after(fence, found.group(1), found.group(2))
            elif opened:
                # From the dashes of '<!--': '<!-->' ends where it starts, as in CommonMark.
                in_comment, left_out, search_from = True, True, opened.end() - 2
        tail = False
        if in_comment:
            end = line.find(COMMENT_END, search_from)
            if end < 0:
                continue
            in_comment = False
            # The rest of the line is in the comment's HTML block, which GitHub shows as
            # written: the browser hides only the comments in it.
            line = _without_inline_comments(line[end + len(COMMENT_END):]).lstrip(" \t")
            if not line.strip(" \t"):
                continue
            tail = True
        if left_out:
            after_text = bool(kept) and bool(kept[-1].strip(" \t"))
            if not line.strip(" \t"):
                if not after_text:
                    continue  # one blank line where the comment was is enough
            elif after_text:
                kept.append("")
            left_out = False
        kept.append(line)
        left_out = tail  # the block ends with its line: what follows stands apart
    if in_comment:  # never closed: a problem where the body is split, so left as written
        return text
    while left_out and kept and not kept[-1].strip(" \t"):  # before a comment that ends it
        kept.pop()
    return _without_comments_in_paragraphs(kept)


def _without_comments_in_paragraphs(lines: list[str]) -> str:
    """``lines`` joined, each comment inside a paragraph (``Done <!-- note -->.``) left
    out where it opens and closes on one line and taking it out changes nothing else
    (``_without_inline_in``). Text with a line indented four spaces or a tab, in a code
    fence or not, is left as written: it may be code. So is all of it where a fence
    line stands after spaces or in a list item or a quote ('- ~~~', '  ~~~'): where its
    code starts and ends depends on those blocks, which this does not follow."""
    if any(_CONTAINED_FENCE.match(line) for line in lines):
        return "\n".join(lines)
    kept: list[str] = []
    fence: str | None = None
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph and not any(_CODE_INDENT.match(line) for line in paragraph):
            kept.extend(_without_inline_in(paragraph))
        else:
            kept.extend(paragraph)
        paragraph.clear()

    for line in lines:
        found = FENCE.match(line)
        if fence is not None or found or not line.strip(" \t"):
            flush()
            if found:
                fence = fence_after(fence, found.group(1), found.group(2))
            kept.append(line)
        else:
            paragraph.append(line)
    flush()
    return "\n".join(kept)


# What may start a line before its text: list item markers and block quote markers.
_MARKERS = r"[ \t]*(?:(?:[*+-]|[0-9]{1,9}[.)])[ \t]+|>[ \t]?)*"
_LINE_MARKERS = re.compile("^" + _MARKERS)


# A code fence line after spaces, or list item or block quote markers: one a list item
# or a quote may hold, and end with itself.
_CONTAINED_FENCE = re.compile(r"(?=[ \t>*+0-9-])" + _MARKERS + r" {0,3}(?:`{3,}|~{3,})")


# Where '<!--' is no comment but text of a value, which pages show (a link's tooltip):
# in an HTML tag's attribute value, and in a link's destination or title after '](',
# read as CommonMark reads them.
_ATTRIBUTE = (r"""[ \t]+[A-Za-z_:][A-Za-z0-9_.:-]*"""
              r"""(?:[ \t]*=[ \t]*(?:[^"'=<>`\s]+|'[^']*'|"[^"]*"))?""")
_TAG_NAME_START = re.compile("[A-Za-z]")
# An autolink ('<https://...>', '<help@example.org>'): no tag, and holding no comment.
_AUTOLINK = re.compile(
    r"<(?:[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\x00-\x20<>]*|[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)>")
_OPEN_TAG = re.compile(rf"<[A-Za-z][A-Za-z0-9-]*(?:{_ATTRIBUTE})*[ \t]*/?>")
_OPEN_TAG_GOING_ON = re.compile(
    rf"""<[A-Za-z][A-Za-z0-9-]*(?:{_ATTRIBUTE})*"""
    r"""(?:[ \t]+[A-Za-z_:][A-Za-z0-9_.:-]*[ \t]*=[ \t]*(?:'[^']*|"[^"]*)?)?[ \t]*$""")
_LINK_TAIL = re.compile(
    r"""\]\([ \t]*(?:<(?:[^<>\n\\]|\\.)*>|(?!<)(?:[^\s()\\]|\\.|\((?:[^\s()\\]|\\.)*\))*)"""
    r"""(?:[ \t]+(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\((?:[^()\\]|\\.)*\)))?[ \t]*\)""")
# A link reference definition's label: its destination and title may follow on the
# lines below it.
_DEFINITION_LABEL = re.compile(r"\[(?!\^)(?:[^\[\]\\]|\\.)*\]:")


def _without_inline_in(lines: list[str]) -> list[str]:
    """A paragraph's lines without the comments that open and close on one line, outside
    code spans, backslash escapes, tags and links' destinations and titles, where taking
    them out changes nothing else a page shows: after a space, and before a space, '.',
    ',', '?' or the line's end (then the spaces before it go too: left, two would make
    a line break), and after words of its line (not marks alone, nor a link's
    definition). A paragraph with a code span, a tag or a link's destination or title
    that may go over lines (not closed on its line), or a link's definition, is left as
    written."""
    if any(_DEFINITION_LABEL.search(line) for line in lines):
        return lines
    mended = [_line_without_comments(line) for line in lines]
    return lines if None in mended else [line for line in mended if line is not None]


def _line_without_comments(line: str) -> str | None:
    """``line`` as _without_inline_in leaves it; None if a code span, a tag or a link's
    destination or title may go on past it."""
    if "<" not in line and "`" not in line and "](" not in line:
        return line
    pieces: list[str] = []
    at = index = 0
    last_comment = line.rfind("<!--")
    while index < len(line):
        char = line[index]
        if char == "\\":
            index += 2
        elif char == "`":
            run = len(line) - index - len(line[index:].lstrip("`"))
            closing = re.compile(rf"(?<!`)`{{{run}}}(?!`)").search(line, index + run)
            if closing is None:
                return None
            index = closing.end()
        elif char == "<" and _TAG_NAME_START.match(line, index + 1):
            tag = _OPEN_TAG.match(line, index) or _AUTOLINK.match(line, index)
            # No tag yet, but one a comment taken out of it, or the lines below, may
            # complete ('<b <!-- c --> d>'): left as written.
            if tag is None and (index < last_comment
                                or _OPEN_TAG_GOING_ON.match(line, index)):
                return None
            index = tag.end() if tag else index + 1
        elif line.startswith("](", index):
            link = _LINK_TAIL.match(line, index)
            if link is None:  # going on past its line, or no link: left as written
                return None
            index = link.end()
        elif line.startswith("<!--", index):
            end = line.find(COMMENT_END, index + 2)
            # Never closed on its line (text, or a comment going on), or closed by '--->'
            # (save '<!-->' and '<!--->'): Markdown reads such text as no comment, or one
            # going on to a later '-->', of which the page's HTML parser shows a part.
            if end < 0 or (end > index + 3 and line[end - 1] == "-"):
                return None
            after = end + len(COMMENT_END)
            following = line[after:after + 1]
            # Where taking it out could join what it kept apart or make a delimiter open
            # or close ('_a <!-- x -->_'): left as written, whole.
            text_before = _LINE_MARKERS.sub("", line[:index]).lstrip(" \t")
            if (line[index - 1:index] not in (" ", "\t")
                    or following not in ("", " ", "\t", ".", ",", "?")
                    # After marks alone, or a link's definition: without it a list
                    # item would be empty, '---' a rule, '[x]: url' a definition, none
                    # of which a page shows as it did.
                    or not any(c.isalnum() for c in text_before)
                    or text_before.startswith("[")):
                index = after
                continue
            pieces.append(line[at:index])
            if not following:  # the spaces before go, those between comments left out too
                pieces = ["".join(pieces).rstrip(" \t")]
            at = index = after
        else:
            index += 1
    pieces.append(line[at:])
    return "".join(pieces)


def _without_inline_comments(text: str) -> str:
    """``text`` without its '<!-- ... -->' comments; one never closed is left as written."""
    pieces, at = [], 0
    while (start := text.find("<!--", at)) >= 0:
        end = text.find(COMMENT_END, start + 2)
        if end < 0:
            break
        pieces.append(text[at:start])
        at = end + len(COMMENT_END)
    pieces.append(text[at:])
    return "".join(pieces)


_LEADING_BLANK_LINES = re.compile(r"(?:[ \t]*\n)+")
_CODE_INDENT = re.compile(r" {0,3}\t| {4}")  # what opens an indented code block


def trimmed(text: str) -> str:
    """A section's text without the spaces around it, except those opening an indented
    code block on its first line."""
    text = text.rstrip()
    found = _LEADING_BLANK_LINES.match(text)
    text = text[found.end():] if found else text
    return text if _CODE_INDENT.match(text) else text.lstrip()


def _joined(sections: list[tuple[int, str, list[str]]],
            problems: list[tuple[int, str]]) -> Sections:
    return trimmed("\n".join(sections[0][2])), [
        (number, heading, trimmed("\n".join(pieces))) for number, heading, pieces in sections[1:]
    ], problems
