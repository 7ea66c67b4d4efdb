"""The errors users see: a message and an exit code, never a traceback.

Every exception Outpost raises for users subclasses ``OutpostError`` (exit code 1);
click's usage errors exit 2. Problems with input files are ``Problem`` values, made
from (line, message) pairs by ``problems_in``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

import click

from generator.core.textcut import ELLIPSIS, whole
from generator.core.wording import counted


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one input file, at one line."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        """``path:line: message``, or ``path: message`` for the whole file (line 0)."""
        if self.line == 0:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}: {self.message}"

    def as_warning(self) -> str:
        """``path:line: warning: message``: worth a look, stopping nothing."""
        return str(Problem(self.path, self.line, f"warning: {self.message}"))


# Problems shown of one file: a file of 50,000 repeated component ids printed 50,000
# lines (3 MB) before the count.
SHOWN_PER_FILE = 50


def shown_problems(problems: Iterable[Problem]) -> list[Problem]:
    """``problems`` with at most SHOWN_PER_FILE of each file, the rest of a file said in
    one problem of its own ('... and 12 more problems in this file', at line 0)."""
    by_file: dict[str, list[Problem]] = {}
    for problem in problems:
        by_file.setdefault(problem.path, []).append(problem)
    shown: list[Problem] = []
    for path, found in by_file.items():
        shown.extend(found[:SHOWN_PER_FILE])
        if len(found) > SHOWN_PER_FILE:
            more = counted(len(found) - SHOWN_PER_FILE, "more problem")
            shown.append(Problem(path, 0, f"... and {more} in this file, not shown: fix "
                                          "the ones above and check again"))
    return shown


def problems_text(problems: Iterable[Problem], outcome: str = "") -> str:
    """Each problem as ``path:line: message`` (at most SHOWN_PER_FILE of a file), then
    how many were found and ``outcome``."""
    problems = list(problems)
    lines = [str(p) for p in shown_problems(problems)]
    lines.append(f"{counted(len(problems), 'problem')} found."
                 + (f" {outcome}" if outcome else ""))
    return "\n".join(lines)


def problems_in(path: str, pairs: Iterable[tuple[int, str]]) -> list[Problem]:
    """Each (line, message) found in one file, as a Problem of ``path``."""
    return [Problem(path, line, message) for line, message in pairs]


def close_to(given: str, known: Iterable[str]) -> list[str]:
    """Up to three of ``known`` that ``given`` (a mistyped id) is close to, closest first
    (ties in reverse alphabetical order, whatever the order of ``known``)."""
    import difflib  # only on error paths

    return difflib.get_close_matches(given, set(known), n=3)


def did_you_mean(close: Sequence[str]) -> str:
    """"did you mean 'a' or 'b'?" for the ids ``close`` names; '' when there are none."""
    if not close:
        return ""
    names = [f"'{name}'" for name in close]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
    return f"did you mean {listed}?"


# Unicode's space separators but the plain space: each looks like one where it stands.
LOOKALIKE_SPACES = "\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"  # a regex class's body
_LOOKALIKE_SPACE = re.compile(f"[{LOOKALIKE_SPACES}]")


def misleading_character(text: str) -> str:
    """For a message quoting ``text`` as wrong: ': it holds a no-break space (U+00A0)
    where a plain space belongs: retype it' when it holds a space that only looks like
    one (macOS types U+00A0 on Option+Space, word processors paste U+202F), or the like
    for an invisible character (chat apps paste U+200B, Windows tools U+FEFF), else ''."""
    found = _LOOKALIKE_SPACE.search(text)
    if found is not None:
        return (f": it holds a {character_name(found.group())} where a plain space belongs: "
                "retype it")
    import unicodedata  # only on error paths

    # Format characters (Cf): zero-width spaces and joiners, marks, bidirectional controls.
    hidden = next((char for char in text if unicodedata.category(char) == "Cf"), None)
    if hidden is not None:
        return f": it holds a {character_name(hidden)}, an invisible character: remove it"
    # U+2028 and U+2029 (pasted from a web page or a script): some editors break the line
    # there, so what follows looks like the next line; Markdown reads one line.
    separator = next((char for char in text if unicodedata.category(char) in ("Zl", "Zp")),
                     None)
    if separator is None:
        return ""
    return (f": it holds a {character_name(separator)}, which some editors show as a line "
            "break: put a newline there, or remove it")


# Past this many characters a message cuts what it quotes of the input, ending it in an
# ellipsis: a line of 10,000 brackets written back whole buried the message's words, and
# the fix after them, screens down. As long as a component id may be, and as the banner
# cuts a title.
QUOTED_LENGTH = 100


def cut_quote(text: str) -> str:
    """``text`` as a message quotes what was written: at most QUOTED_LENGTH characters,
    the last of them '…' when it is longer, cut between whole characters (an accent
    stays on its letter, an emoji with its skin tone and joined ones), and followed by
    the closers of the direction controls it leaves open."""
    if len(text) > QUOTED_LENGTH:
        text = text[:whole(text, QUOTED_LENGTH - 1)] + ELLIPSIS
    return text + _bidi_closers(text)


# Embeddings and overrides (closed by U+202C) and isolates (closed by U+2069) open in a
# quote would turn the rest of the message's line around in a terminal drawing Unicode's
# directions: the words after it, the fix among them, read reversed.
_EMBEDDINGS = "\u202a\u202b\u202d\u202e"
_ISOLATES = "\u2066\u2067\u2068"
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def _bidi_closers(text: str) -> str:
    """What closes each embedding, override and isolate ``text`` leaves open, innermost
    first, as Unicode's bidirectional algorithm pairs them."""
    opened: list[str] = []
    for control in _BIDI.findall(text):
        if control in _EMBEDDINGS or control in _ISOLATES:
            opened.append(control)
        elif control == "\u202c" and opened and opened[-1] in _EMBEDDINGS:
            opened.pop()
        elif control == "\u2069" and any(c in _ISOLATES for c in opened):
            while opened.pop() not in _ISOLATES:  # it closes the embeddings inside too
                pass
    return "".join("\u2069" if c in _ISOLATES else "\u202c" for c in reversed(opened))


def printable_line(text: str) -> str:
    """What another program said (a server's reply), as one line of a report: its lines
    joined, each character that does not print (a control, a terminal escape) a space."""
    return " ".join("".join(c if c.isprintable() else " " for c in line).strip()
                    for line in text.splitlines())


def character_name(char: str) -> str:
    """How a message names an invisible or lookalike ``char``: 'no-break space (U+00A0)'."""
    import unicodedata  # only on error paths

    name = _CONTROL_NAMES.get(char) or unicodedata.name(char, "character").lower()
    return f"{name} (U+{ord(char):04X})"


# Control characters have no Unicode name of their own, only aliases.
_CONTROL_NAMES = {"\x85": "next line character"}


# What text saved as UTF-16 (Notepad's "Unicode", PowerShell 5's '>') is named: its every
# other byte is 0, and naming the first that is not UTF-8 says nothing.
UTF16 = "UTF-16 (as Notepad's \"Unicode\" and PowerShell 5's '>' save it), not UTF-8"


def saved_as_utf16(raw: bytes) -> bool:
    """Whether ``raw`` is UTF-16: it starts with a byte order mark, or, saved without one
    (iconv's UTF-16LE, .NET's Encoding.Unicode), its first characters are each a byte of
    ASCII beside a NUL, as a notice's '---' or outpost.yaml's first key is."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    pairs = [raw[at:at + 2] for at in range(0, min(len(raw), _UTF16_SEEN) - 1, 2)]
    return len(pairs) >= 2 and any(all(pair[nul] == 0 and 0 < pair[1 - nul] < 0x80
                                       for pair in pairs) for nul in (0, 1))


_UTF16_SEEN = 32  # bytes looked at for UTF-16 saved without a byte order mark


def utf8(raw: bytes) -> str:
    """``raw`` decoded as UTF-8; UnicodeDecodeError for UTF-16 saved without a byte order
    mark too, which UTF-8 reads as text with a NUL beside each letter."""
    if b"\0" in raw[:2] and saved_as_utf16(raw):
        raise UnicodeDecodeError("utf-8", raw, 0, 1, "UTF-16 without a byte order mark")
    return raw.decode("utf-8")


# Where an editor, git and Python's universal newlines end a line.
_LINE_END = re.compile(rb"\r\n|[\r\n]")


def byte_line(raw: bytes, index: int) -> int:
    """The line (1-based) an editor shows byte ``index`` of ``raw`` on: a CR alone ends
    one too (old Mac line ends)."""
    return len(_LINE_END.findall(raw, 0, index)) + 1


def not_utf8(raw: bytes, error: UnicodeDecodeError) -> tuple[int, str]:
    """(line, problem) for an input file whose bytes are not UTF-8: the first such byte
    and its line, or that it is UTF-16."""
    if saved_as_utf16(raw):
        return 1, f"file is {UTF16}: save it as UTF-8"
    return byte_line(raw, error.start), (f"file is not valid UTF-8 (byte "
                                         f"0x{raw[error.start]:02x}): save it as UTF-8")


_CONFLICT_MARKER = re.compile(r"(<{7}|\|{7}|={7}|>{7})([ \t]|$)")
_TEXT_LINE_END = re.compile(r"\r\n|[\r\n]")


def conflict_markers(text: str) -> list[tuple[int, str]]:
    """(line, problem) for each line an unresolved git merge left in ``text``. A lone
    '=======' is Markdown (a heading underline), so it only counts next to '<<<<<<<',
    '|||||||' or '>>>>>>>' lines."""
    if "<<<<<<<" not in text and ">>>>>>>" not in text and "|||||||" not in text:
        return []
    # Lines as an editor shows them: outpost.yaml and templates saved with old Mac line
    # ends (a CR alone) are read, and their markers named, too.
    marked = [(n, line[0]) for n, line in enumerate(_TEXT_LINE_END.split(text), 1)
              if _CONFLICT_MARKER.match(line)]
    if not any(mark != "=" for _, mark in marked):
        return []
    if any(mark == "|" for _, mark in marked):
        # merge.conflictStyle diff3 or zdiff3 also writes the text both sides started
        # from, between '|||||||' and '=======': kept, it is published a second time.
        return [(n, "merge conflict marker: resolve the conflict and remove the "
                    "'<<<<<<<', '|||||||', '=======' and '>>>>>>>' lines, and the "
                    "original text between '|||||||' and '======='") for n, _ in marked]
    return [(n, "merge conflict marker: resolve the conflict and remove the "
                "'<<<<<<<', '=======' and '>>>>>>>' lines") for n, _ in marked]


def shown_name(name: str) -> str:
    """A file name as messages show it: quoted when it holds a line break or another
    unprintable character, which would otherwise split or garble the message."""
    return name if name.isprintable() else repr(name)


LISTED_IDS = 20  # declared ids an unknown component's message lists


def _written_together(component_id: str, known: Sequence[str]) -> str:
    """What to write for ids run into one: 'web, api' (a list written without its
    brackets) or 'web:major' (a status without the space YAML needs after ':'); ''
    when ``component_id`` is neither."""
    if "," in component_id:
        parts = [part.strip() for part in component_id.split(",")]
        if all(parts) and any(part in known for part in parts):
            return f"several components are written as a list: [{', '.join(parts)}];"
    before, colon, after = component_id.partition(":")
    if colon and before.strip() in known and after.strip():
        return status_form([(before.strip(), after.strip())]) + ";"
    return ""


def status_form(pairs: Sequence[tuple[str, str]]) -> str:
    """How a notice gives components a status: the mapping form, each id with a space
    after its ':' and no '-' before it."""
    written = ", ".join(f"{component_id}: {status}" for component_id, status in pairs)
    return f"a component's status is set in the mapping form, components: {{{written}}}"


def unknown_component(component_id: str, known: Sequence[str],
                      declared_in: str = "outpost.yaml declares") -> str:
    """The message for a component id that is not declared: the closest ids, if any
    is close, and every declared one."""
    # 'API' is 'api' in other capitals, as the component's name may read: that one alone.
    same = [known_id for known_id in known if known_id.casefold() == component_id.casefold()]
    hint = _written_together(component_id, known) or did_you_mean(
        same or close_to(component_id, known))
    # Every declared id, up to a line's worth: a site of thousands would print megabytes.
    listed = ", ".join(known[:LISTED_IDS]) if known else "none"
    if len(known) > LISTED_IDS:
        listed += f" and {len(known) - LISTED_IDS} more"
    return (f"unknown component '{cut_quote(component_id)}' "
            f"({hint + ' ' if hint else ''}{declared_in}: "
            f"{listed}){misleading_character(component_id)}")


class StopRequested(KeyboardInterrupt):
    """SIGTERM (a cancelled CI job, ``timeout``, a service manager stopping it): a
    command ends as on Ctrl-C, naming what it stopped, with exit status 1."""


class OutpostError(click.ClickException):
    """Root of every error shown to users. Exit code 1."""

    exit_code = 1


class LocatedError(OutpostError):
    """An error whose message starts with the file (and line) it is about."""

    def show(self, file: IO[Any] | None = None) -> None:
        """The message as ``path:line: message`` at the start of its line, as ``outpost
        check`` prints problems, with no "Error: " before it: editors and CI annotations
        read the path from the line's start."""
        click.echo(self.format_message(), file=file, err=file is None)


class ProblemsFound(LocatedError):
    """Validation failed; carries every problem found, not only the first."""

    def __init__(self, problems: Iterable[Problem], outcome: str = "") -> None:
        self.problems = sorted(set(problems))
        super().__init__(problems_text(self.problems, outcome))


class InputError(OutpostError):
    """A value could not be parsed. Callers attach the file and line."""
