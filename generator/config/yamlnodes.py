"""Strict YAML reading: the YAML parser builds nodes, and Outpost decides types.

PyYAML's resolvers turn ``NO`` into False and ``012`` into 10; here every scalar
stays the exact string the author wrote, duplicate keys are refused, and every
value keeps its line number for messages.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from itertools import islice
from typing import TYPE_CHECKING, Any

from generator.core.errors import InputError, character_name, cut_quote, misleading_character
from generator.core.wording import counted

if TYPE_CHECKING:
    import yaml


class _Composer:
    """Node building needs no tag resolution (Outpost decides types): skipping the
    resolver's per-scalar regexes halves libyaml's time on small documents."""

    def descend_resolver(self, parent: Any, index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        return ""


@cache
def _loader() -> type:
    """libyaml's parser with _Composer. PyYAML is imported here, on the first document
    outside the simple subset below: a build whose notices and settings are all
    simple (or whose settings come from the build cache) never imports it."""
    import yaml

    try:
        return type("_Loader", (yaml._yaml.CParser, _Composer), {})
    except AttributeError:  # pragma: no cover - libyaml missing
        loader: type = yaml.SafeLoader
        return loader

# The common front matter, read without a YAML parser: unindented 'key: value' lines
# whose values are one-line plain scalars or flow lists of plain words. Anything else
# (quotes, comments, nesting, block lists, odd characters) goes to libyaml; the tests
# check that both give the same nodes. A plain value ends at its last character that is
# no space, found in linear time: a lazy end tried the spaces after it at every character
# of a value holding a long run of them.
_ITEM = r"[A-Za-z0-9][A-Za-z0-9_.-]*"
_SIMPLE_LINE = re.compile(
    r"(?P<key>[A-Za-z_][A-Za-z0-9_-]{0,99}): +"
    rf"(?:\[ *(?P<items>{_ITEM}(?: *, *{_ITEM})*)? *\]"
    r"|(?P<plain>[^-?:,\[\]{}#&*!|>'\"%@` ](?:[^#]*[^# ])?)) *"
)
# The characters YAML reads as they are (not refused, not line breaks). Compiled on the
# first value that is not ASCII: this class is slow to compile.
_YAML_TEXT = r"[\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]*"
_NULLS = ("", "~", "null", "Null", "NULL")
# Characters an output format cannot carry (XML 1.0 refuses C0 controls and U+FFFE/FFFF;
# a bare CR breaks a line in mail headers, calendars and feeds; calendar text refuses
# DEL; C1 controls are mis-decoded text): every control character but tab and newline.
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]")
# Everything str.splitlines() breaks at: a title or name must be one line.
LINE_BREAKS = re.compile("[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
# Invisible characters that make a title or name read differently from what was
# written: the bidirectional embeddings, overrides and isolates (a "Trojan Source" title
# shows reversed, and in a feed title or an email subject so do the words after it), the
# deprecated shaping controls, and zero-width characters hidden inside words. Marks
# (U+200E, U+200F, U+061C) and joiners (U+200C, U+200D: Persian, Indic scripts, emoji)
# stay: they reorder nothing around them, and right-to-left text needs no other.
HIDDEN = re.compile("[\u200b\u202a-\u202e\u2060-\u206f\ufeff]")


def has_forbidden(text: str) -> bool:
    """Whether ``text`` holds a character of FORBIDDEN (ASCII text, the usual case, is
    checked without the regular expression: its unprintable characters are exactly the
    C0 controls and DEL)."""
    if text.isascii():
        return not text.replace("\n", "").replace("\t", "").isprintable()
    return FORBIDDEN.search(text) is not None


def forbidden_character(text: str, written: str = "") -> str:
    """The message for a character of ``FORBIDDEN`` found in ``text``, or ''; ``written``:
    how the file wrote it, when not as itself (a character reference such as '&#27;')."""
    found = FORBIDDEN.search(text)
    if found is None:
        return ""
    return (f"character U+{ord(found.group()):04X}{f', written {written!r},' if written else ''}"
            " is not allowed (a control character or a noncharacter): remove it")


def unseen_line_break(text: str) -> str:
    """For text that must be one line: ': it holds a line separator (U+2028), a line
    break: remove it' when it holds a line break an editor shows inside a line (U+2028,
    U+2029, U+0085) or as none, written as an escape ('"\\u2028"'); else ''."""
    found = LINE_BREAKS.search(text)
    if found is None or found.group() in "\n\r":
        return ""
    return f": it holds a {character_name(found.group())}, a line break: remove it"


# Characters that are letters or symbols to Unicode but show as a blank: the braille
# blank, the Hangul fillers and the Khmer inherent vowels.
_BLANK_LOOKING = frozenset("\u2800\u3164\u115f\u1160\uffa0\u17b4\u17b5")
# What shows nothing alone: spaces, separators, controls and format characters,
# combining marks with nothing to combine with, unassigned code points and surrogates.
_SHOWS_NOTHING = ("Zs", "Zl", "Zp", "Cc", "Cf", "Cn", "Cs", "Mn", "Me", "Mc")


def blank_text(text: str) -> str:
    """The message for one-line ``text`` that shows as nothing (no character of it is
    seen), or '': a title of a braille blank or a Hangul filler was a blank heading,
    feed entry and email subject."""
    if text.isascii() or any(char not in _BLANK_LOOKING
                             and unicodedata.category(char) not in _SHOWS_NOTHING
                             for char in text):
        return ""
    return (f"shows as nothing: it holds only characters that are not seen, such as the "
            f"{character_name(text[0])}: write words")


def hidden_character(text: str) -> str:
    """The message for a character of ``HIDDEN`` found in one-line ``text``, or ''."""
    found = HIDDEN.search(text)
    if found is None:
        return ""
    return (f"must not hold the {character_name(found.group())}, an invisible character "
            "that makes text read differently from what was written: remove it")


@dataclass(frozen=True)
class Scalar:
    text: str
    line: int
    plain_null: bool  # written as nothing, '~' or 'null' without quotes


@dataclass(frozen=True)
class Sequence:
    items: tuple[Node, ...]
    line: int


@dataclass(frozen=True)
class Mapping:
    """Keys in file order, each with its value; ``key_lines`` gives where each key is."""

    entries: dict[str, Node]
    key_lines: dict[str, int]
    line: int


Node = Scalar | Sequence | Mapping


class YamlError(InputError):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


def parse(text: str, first_line: int = 1, aliases: bool = False,
          problems: list[tuple[int, str]] | None = None) -> Node | None:
    """Parse one YAML document. Lines are counted from ``first_line``.

    Anchors and aliases (``&name``, ``*name``) are refused unless ``aliases``; then an
    alias may not refer to the value holding it, and the document may expand to at most
    ``MAX_VALUES`` values (a "billion laughs" stops there, at once).

    A refusal that leaves the rest readable (a duplicate or merge key, a tag, an anchor
    where refused, a character not allowed) raises YamlError, unless ``problems`` is
    given: then each is added to it, (line, message), and reading goes on with the
    document mended as the message says (a key's first value kept, a merge key or an
    odd key left out, a tag or a character removed, an alias written out), so that one
    run names them all, with the problems of the values read. A syntax error raises.
    """
    simple = _parse_simple(text, first_line)
    if simple is not None:
        return simple
    import yaml

    shown = _ShownLines(text, first_line)
    if not aliases and ("&" in text or "*" in text):
        _refuse_aliases(text, shown, problems)
    try:
        root = yaml.compose(text, Loader=_loader())
    except yaml.MarkedYAMLError as exc:
        if exc.problem == "exceeded maximum nesting depth":  # libyaml's own limit, 1,000
            at = _too_deep(text, exc.problem_mark) if exc.problem_mark else None
            if at is None:
                at = exc.problem_mark.line if exc.problem_mark else 0
            raise YamlError(NESTED_TOO_DEEP, shown(at)) from None
        index, problem = _syntax_error(text, exc)
        hidden = shown.hidden_break(index)
        if hidden:  # the line as YAML reads it is not the one the author sees
            problem = (f"this line holds a {character_name(hidden)}, which YAML reads as "
                       "a line break though an editor shows none: remove it")
        raise YamlError(f"invalid YAML: {problem}", shown(index)) from None
    except yaml.reader.ReaderError as exc:
        refused = chr(exc.character) if isinstance(exc.character, int) else ""
        # libyaml's position counts bytes of UTF-8: the character's first place is its own.
        at = text.find(refused) if refused else -1
        raise YamlError(f"invalid YAML: character U+{exc.character:04X} is not allowed here"
                        if refused else "invalid YAML: bad character",
                        first_line + _shown_line_index(text, max(at, 0))) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"invalid YAML: {exc}", first_line) from None
    if root is None:
        return None
    alias_lines = (_alias_lines(text, shown) if "*" in text
                   and (aliases or problems is not None) else None)
    return _convert(root, shown, _Expansion(alias_lines, problems))


MAX_KEY = 1024  # YAML's limit on a key written without '?' (a "simple key")


def _syntax_error(text: str, exc: yaml.MarkedYAMLError) -> tuple[int, str]:
    """The line (0-based, as YAML counts lines) of a syntax error, and what to say of it."""
    if exc.problem == "but found another document" and exc.problem_mark is not None:
        # A '---' pasted with settings from another tool's file, or left at the end.
        line = exc.problem_mark.line
        written = cut_quote(_lines(text)[line].strip())
        return line, (f"'{written}' starts a second document, and the file holds one: "
                      "remove this line")
    unclosed = _unclosed(exc.context, exc.problem)
    mark = (exc.context_mark if unclosed and exc.context_mark
            else exc.problem_mark or exc.context_mark)
    at_end = exc.problem_mark is not None and not text[exc.problem_mark.index:].strip()
    if exc.context == "while parsing a flow node" and at_end:
        left_open = _left_open(text)  # the parser named the end, past the last line
        if left_open is not None:
            unclosed, mark = left_open
    line = mark.line if mark else 0
    if exc.context == "while scanning a simple key" and mark is not None:
        key = _line_of(text, mark)[mark.column:].partition(":")[0]
        if len(key) > MAX_KEY and ":" in _line_of(text, mark)[mark.column:]:
            unclosed = (f"a key may be at most {MAX_KEY:,} characters long in YAML, and this "
                        f"one is {len(key):,}: shorten it")
    problem = unclosed or exc.problem or exc.context or "not valid YAML"
    odd = _odd_indent(text, mark.line) if mark and not unclosed else None
    colon = (_colon_in_value(text, mark.line) if mark is not None
             and "mapping values" in problem else None)
    dashed = (_dash_without_space(text, mark.line) if mark and not unclosed
              and colon is None else None)
    keyless = (_keyless_line(text, mark) if odd is None and "mapping values" in problem
               else None)
    if dashed is not None:  # '-id: web' is a key named '-id' to YAML, not an item
        line = dashed
        item = _lines(text)[dashed].strip()
        problem = f"a list item's '-' needs a space after it: - {cut_quote(item[1:])}"
    elif odd is not None:  # invisible in an editor, and noticed a line late
        line = odd[0]
        problem = (f"{character_name(odd[1])} indents this line: YAML indents with "
                   "spaces only")
    elif keyless is not None:
        line, problem = keyless
    elif colon is not None:
        problem = colon
    elif (mark is not None and problem in _INDENTATION_PROBLEMS
          and (misaligned := _misaligned(text, mark.line)) is not None):
        line, problem = misaligned
    elif mark is not None and (tabbed := _tab_indented(text, mark.line)) is not None:
        line, problem = tabbed, TAB  # invisible in an editor
    elif mark is not None and ("tab" in problem or _at_mark(text, mark) == "\t"):
        problem = TAB
    elif mark is not None and (reserved := _reserved_start(text, mark)) is not None:
        problem = reserved
    elif mark is not None and (escape := _unknown_escape(text, exc, mark)) is not None:
        problem = escape
    elif mark is not None and (half := _surrogate_escape(text, exc, mark)) is not None:
        problem = half
    elif exc.context == "while scanning a block scalar" and exc.context_mark is not None:
        problem = _block_scalar_start(text, exc.context_mark)
    elif mark is not None and (after := _after_closing(text, mark)) is not None:
        line, problem = mark.line, after
    elif mark is not None and "sequence entries are not allowed" in problem:
        problem = _item_beside_key(text, mark)
    return line, problem


# Where an editor, git and Python's universal newlines break lines.
EDITOR_BREAK = re.compile("\r\n|[\r\n]")
# Where YAML breaks lines and they do not: an editor shows them inside a line.
_YAML_ONLY_BREAKS = "\x85\u2028\u2029"


def _shown_line_index(text: str, index: int) -> int:
    """The line (0-based) an editor shows ``text[index]`` on."""
    return len(EDITOR_BREAK.findall(text, 0, index))


class _ShownLines:
    """Line numbers as an editor shows them, from YAML's (0-based), counted from
    ``first_line``: a message names the line the author sees."""

    def __init__(self, text: str, first_line: int) -> None:
        self.first_line = first_line
        self.editor: list[int] | None = None  # YAML's line -> the editor's, where they differ
        self.breaks: list[str] = []  # the break ending each of YAML's lines
        if any(char in text for char in _YAML_ONLY_BREAKS):
            editor, line = [0], 0
            for found in _YAML_BREAK.finditer(text):
                self.breaks.append(found.group())
                line += found.group() not in _YAML_ONLY_BREAKS
                editor.append(line)
            self.editor = editor

    def hidden_break(self, yaml_line: int) -> str:
        """The U+0085, U+2028 or U+2029 inside the line an editor shows YAML's line
        ``yaml_line`` on, or ''."""
        if self.editor is None:
            return ""
        shown = self.editor[min(yaml_line, len(self.editor) - 1)]
        return next((brk for brk, line in zip(self.breaks, self.editor, strict=False)
                     if line == shown and brk in _YAML_ONLY_BREAKS), "")

    def __call__(self, yaml_line: int) -> int:
        if self.editor is None:
            return self.first_line + yaml_line
        return self.first_line + self.editor[min(yaml_line, len(self.editor) - 1)]


MAX_VALUES = 100_000
# Lists and mappings inside each other: settings need a few levels; converting each takes
# frames of Python's stack, which a few hundred would overflow.
MAX_NESTING = 100
NESTED_TOO_DEEP = (f"lists and mappings nest more than {MAX_NESTING} levels deep here: "
                   "simplify the document")


def _too_deep(text: str, stopped: yaml.Mark) -> int | None:
    """The line (0-based) where lists and mappings first nest more than MAX_NESTING deep,
    where converting would stop, so that the line named does not depend on whether the
    libyaml PyYAML was built with stops at 1,000 levels first. libyaml reads the text up
    to where it ``stopped``: read whole, the levels it scans ahead through on one line
    would stop it again, and PyYAML's own parser, read before, took seconds over a
    document of a few hundred kilobytes."""
    import yaml

    start = 0
    if stopped.line:
        for start_of_line in islice(_YAML_BREAK.finditer(text), stopped.line - 1, None):
            start = start_of_line.end()
            break
    depth = 0
    try:
        for event in yaml.parse(text[:start + stopped.column], Loader=_loader()):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_NESTING and event.start_mark is not None:
                    return int(event.start_mark.line)
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError:  # the text's end, cut inside what is left open
        return None
    return None


class _Expansion:
    """What converting one document has cost so far, the values being converted, and
    where its aliases stand: a value an alias repeats is named at the alias's line."""

    def __init__(self, alias_lines: list[int] | None = None,
                 problems: list[tuple[int, str]] | None = None) -> None:
        self.problems = problems  # where refusals read past go; None: the first raises
        self.count = 0
        self.open: set[int] = set()
        self.seen: set[int] = set()  # the nodes met where they are written
        self.alias_lines = iter(alias_lines or ())  # each alias's line, in file order
        self.alias_line: int | None = None  # the alias whose value is being converted

    def line(self, node: yaml.Node, shown: _ShownLines) -> int:
        """The line ``node`` is named at: where it is written, or the line of the alias
        repeating it; the first meeting of a node that was met before is an alias."""
        if self.alias_line is not None:
            return self.alias_line
        if id(node) in self.seen:
            return next(self.alias_lines, shown(node.start_mark.line))
        self.seen.add(id(node))
        return shown(node.start_mark.line)

    def refuse(self, message: str, line: int) -> None:
        """A problem the rest of the document can be read past: noted, or raised."""
        if self.problems is None:
            raise YamlError(message, line)
        self.problems.append((line, message))


# Something opened and never closed: the parser notices where it gives up (the end of
# the front matter, or the next key), but what to mend is where it was opened, the
# line of the error's context. (context, what the problem says, what to say instead.)
_OPEN_SEQUENCE = "a '[' opened on this line is never closed, or a ',' is missing between its items"
_OPEN_MAPPING = "a '{' opened on this line is never closed, or a ',' is missing between its items"
_UNCLOSED = (
    ("while scanning a quoted scalar", "end of stream",
     "a quote opened on this line is never closed"),
    ("while parsing a flow sequence", "expected ','", _OPEN_SEQUENCE),
    ("while parsing a flow mapping", "expected ','", _OPEN_MAPPING),
    ("while scanning a simple key", "expected ':'", "this line has no ':' after its key"),
)


def _left_open(text: str) -> tuple[str, yaml.Mark] | None:
    """What to say of the innermost '[' or '{' still open where ``text`` ends, and where
    it was opened. Open on the last line (or with nothing but a ',' after its items),
    the parser gives up past the end, in a flow node, and names no opening."""
    import yaml

    opened: list[yaml.Token] = []
    try:
        for token in yaml.scan(text, Loader=_loader()):
            if isinstance(token, (yaml.FlowSequenceStartToken, yaml.FlowMappingStartToken)):
                opened.append(token)
            elif isinstance(token, (yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken)):
                del opened[-1:]
    except yaml.YAMLError:
        return None
    if not opened:
        return None
    words = (_OPEN_SEQUENCE if isinstance(opened[-1], yaml.FlowSequenceStartToken)
             else _OPEN_MAPPING)
    return words, opened[-1].start_mark


def _unclosed(context: str | None, problem: str | None) -> str | None:
    """What to say of a YAML error that is something left open, if it is one."""
    return next((words for opened, says, words in _UNCLOSED
                 if context == opened and problem is not None and says in problem), None)


def _odd_indent(text: str, mark_line: int) -> tuple[int, str] | None:
    """The line (0-based) at or just before an error whose indentation holds a space YAML
    does not count as one (a no-break space pasted from a web page or a word processor),
    and that character."""
    lines = _lines(text)
    for index in (mark_line - 1, mark_line):  # the parser notices it on the line after
        if 0 <= index < len(lines):
            line = lines[index]
            odd = next((c for c in line[: len(line) - len(line.lstrip())] if c not in " \t"),
                       None)
            if odd is not None:
                return index, odd
    return None


def _dash_without_space(text: str, mark_line: int) -> int | None:
    """The line (0-based) at or just before an error that starts with a '-' and a key
    ('-id: web'): YAML reads a key named '-id' there, and refuses the lines below it,
    or a list item beside it."""
    lines = _lines(text)
    for index in (mark_line - 1, mark_line):
        if 0 <= index < len(lines) and re.match(r" *-[^\s-][^:]*: ", lines[index] + " "):
            return index
    return None


def _colon_in_value(text: str, line_index: int) -> str | None:
    """What to say of a 'key: value' line whose value holds ': ' ('title: Email: delays',
    as titles often do): YAML reads a second key there, and refuses it."""
    lines = _lines(text)
    if line_index >= len(lines):
        return None
    key, separator, value = lines[line_index].partition(": ")
    value = _without_comment(value.strip())
    if not separator or not key.strip() or (": " not in value and not value.endswith(":")):
        return None
    if value[:1] in "\"'":  # already quoted, with more after the closing quote
        return "a value holding ': ' must be quoted whole, from its start to its end"
    return (f"a value holding ': ' must be put in quotes, as YAML would read another key "
            f"there: {cut_quote(key.strip().removeprefix('- '))}: {_quoted(value)}")


def _keyless_line(text: str, mark: yaml.Mark | None) -> tuple[int, str] | None:
    """Where a key lost its ': ', and what to say, for a ':' YAML refuses at ``mark``.

    A key line without ': ' ('title Email delays', 'title:Email') that is the first of
    its mapping is read as a value going on over the lines below it, so YAML refuses
    the ':' of the next key and names that line. The line to mend is the first of the
    lines before it, indented as it is, that hold no ': '."""
    lines = _lines(text)
    if mark is None or mark.line >= len(lines):
        return None
    indent = _indent(lines[mark.line])
    found = None
    number = mark.line - 1
    while number >= 0 and lines[number].strip(" ") and _indent(lines[number]) == indent:
        before = lines[number]
        if ": " in before or before.rstrip(" ").endswith(":") or before.lstrip(" ")[:1] in "#-":
            break
        found = number
        number -= 1
    if found is None:
        return _keyless_item(lines, mark.line, indent)
    key_line = lines[found]
    colon = key_line.find(":")
    if colon < 0:
        return found, "this line has no ':' after its key"
    after = key_line[colon + 1:colon + 2]
    if after.isspace():  # a space that only looks like one, such as a no-break space
        return found, (f"this line's ':' is followed by a {character_name(after)}, not a "
                       "plain space: retype it")
    return found, "this line needs a space after its key's ':'"


def _keyless_item(lines: list[str], line_index: int, indent: int) -> tuple[int, str] | None:
    """Where a list item holds a bare value with keys below it ('- web' over
    '  name: Web', the item's 'id: ' forgotten), and what to say: the key is the one
    the list's other items start with, if one does."""
    # The value ends at its last character that is no space: read in linear time.
    item = (re.fullmatch(r"( *)- +([^\s:#](?:[^:#]*[^:# ])?) *", lines[line_index - 1])
            if line_index else None)
    if item is None or len(item.group(0)) - len(item.group(0).lstrip(" -")) != indent:
        return None
    dash = item.group(1)
    key = next((other.group(1) for line in lines
                if (other := re.match(rf"{dash}- +([\w-]+): ", line))), "<key>")
    value = cut_quote(item.group(2))
    return line_index - 1, (f"this list item holds '{value}' and keys below it: give it "
                            f"its key: - {key}: {value}")


# What libyaml says of a line indented by a space too many or too few.
_INDENTATION_PROBLEMS = ("did not find expected key", "did not find expected '-' indicator",
                         "mapping values are not allowed in this context")
_KEY_LINE = re.compile(r"( *)((?:- +)*)([^\s#:][^:]*?):(?: |$)")


def _misaligned(text: str, mark_line: int) -> tuple[int, str] | None:
    """The line (0-based), at or just before an error, whose key (or list item's '-')
    lines up with none above it (a space too many or too few), and what to say: what
    above to line it up with. None when it lines up with one, or when it opens a new
    level under a key ending in ':'."""
    lines = _lines(text)
    inside = _inside_values(text)
    keys: dict[int, str] = {}  # a key's column above the line -> the nearest such key
    items: dict[int, str] = {}  # a list item's '-' column -> the nearest such item
    for index, line in enumerate(lines[:mark_line + 1]):
        found = _KEY_LINE.match(line)
        if found is None or index in inside:  # 'Note: ...' in a '>' text is no key
            continue
        dash, key = len(found.group(1)), found.group(3).strip()
        column = dash + len(found.group(2))
        above = _previous_key_line(lines, index)
        # Under 'key:', or under a list item holding no key ('-' alone, '- 'web''), a
        # line may go deeper (or the item's fault is another: _keyless_item's).
        opens = (above is not None and dash > _indent(lines[above])
                 and (lines[above].rstrip().endswith(":")
                      or (re.match(r" *-(?: |$)", lines[above]) is not None
                          and _KEY_LINE.match(lines[above]) is None)))
        if index >= mark_line - 1 and keys and not opens:
            if found.group(2) and dash not in items and dash not in keys:
                # A list may stand at its key's column or deeper: name the items.
                known, what, at = (items or keys), "this list item's '-'", dash
            elif not found.group(2) and column not in keys:
                known, what, at = keys, f"this line's key '{cut_quote(key)}'", column
            else:
                known = {}
            if known:
                nearest = min(known, key=lambda c: (abs(c - at), -c))
                spaces = counted(at, "space")
                where = f"{nearest} spaces in" if nearest else "at the start of the line"
                return index, (f"{what} is indented {spaces}, which lines up "
                               "with nothing above it: line it up with "
                               f"'{cut_quote(known[nearest])}' "
                               f"({where})")
        keys[column] = key
        if found.group(2):
            items[dash] = line.strip()[:40]
    return None


def _inside_values(text: str) -> set[int]:
    """The lines (0-based) that go on with a value begun on a line above, as far as YAML
    reads ``text`` before an error: a '|' or '>' text's, a quoted one's, a '{...}' or
    '[...]' one's."""
    import yaml

    inside: set[int] = set()
    depth = opened = 0
    try:
        for token in yaml.scan(text, Loader=_loader()):
            start, end = token.start_mark.line, token.end_mark.line
            if isinstance(token, (yaml.FlowMappingStartToken, yaml.FlowSequenceStartToken)):
                depth, opened = depth + 1, start if depth == 0 else opened
            elif isinstance(token, (yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)):
                depth = max(depth - 1, 0)
                if depth == 0:
                    inside.update(range(opened + 1, end + 1))
            elif isinstance(token, yaml.ScalarToken) and token.style and end > start:
                # A '|' or '>' text ends at the start of the line after its last.
                inside.update(range(start + 1, end + (token.end_mark.column > 0)))
    except yaml.YAMLError:
        pass  # the lines before the error are the ones asked about
    if depth:
        inside.update(range(opened + 1, len(_lines(text))))
    return inside


def _previous_key_line(lines: list[str], index: int) -> int | None:
    """The nearest line above ``index`` holding something (not blank, not a comment)."""
    for number in range(index - 1, -1, -1):
        if lines[number].strip() and not lines[number].lstrip().startswith("#"):
            return number
    return None


def _indent(line: str) -> int:
    """How many spaces a line starts with."""
    return len(line) - len(line.lstrip(" "))


TAB = "a tab indents this line: YAML indents with spaces only"


def _quoted(value: str) -> str:
    """``value`` as YAML text in quotes: double, else single (its own doubled); a long
    one cut."""
    value = cut_quote(value)
    return f'"{value}"' if '"' not in value and "\\" not in value \
        else "'{}'".format(value.replace("'", "''"))


def _written_key(key: str) -> str:
    """How a line's key is written back in a message: 'title:', or '-' for an item."""
    key = key.strip()
    return "-" if key == "-" else f"{cut_quote(key.removeprefix('- '))}:"


def _key_and_value(line: str) -> tuple[str, str] | None:
    """A 'key: value' line's key and value, or a list item's '-' and value; a comment
    after the value is left out."""
    key, separator, value = line.partition(": ")
    if line.lstrip().startswith("- ") and not separator:
        return line[:line.index("-") + 1], _without_comment(line.lstrip()[2:].strip())
    return (key, _without_comment(value.strip())) if separator and key.strip() else None


def _without_comment(value: str) -> str:
    """``value`` as written on its line without a comment after it ('web  # the main
    site'): a '#' after a space or tab starts one, except inside the quotes the value
    starts with. A hint writing the value back in quotes or brackets leaves it out."""
    start = 0
    if value[:1] in ("'", '"'):  # past its closing quote, if it has one
        quote, start = value[0], 1
        while start < len(value):
            escaped = (value[start] == "\\" if quote == '"'
                       else value[start:start + 2] == "''")  # a quote doubled is one
            if escaped:
                start += 2
            elif value[start] == quote:
                break
            else:
                start += 1
    comment = re.search(r"[ \t]#", value[start:])
    return value[:start + comment.start()].rstrip() if comment else value


def _after_closing(text: str, mark: yaml.Mark) -> str | None:
    """What to say of more on a line after a value that closed ('title: "Sign-in" is
    slow', 'components: [web]]'): YAML reads the value as ended at its closing quote or
    bracket."""
    line = _line_of(text, mark)
    character = _at_mark(text, mark)
    if character in ("]", "}"):
        return f"a '{character}' here closes nothing that is open: remove it"
    unseen = misleading_character(character) if character else ""
    if unseen:  # not to be written back inside quotes
        return f"this line's value is followed by more{unseen}"
    found = _key_and_value(line)
    if found is None:
        return None
    key, value = found
    start = len(line) - len(line.lstrip()) if key.strip() == "-" else line.index(": ") + 2
    start += len(line[start:]) - len(line[start:].lstrip())
    if not value or value[0] not in "\"'[{" or mark.column <= start:
        return None
    apostrophe = _apostrophe_in_word(key, value, line, mark)
    if apostrophe is not None:
        return apostrophe
    what = "quote" if value[0] in "\"'" else "bracket"
    return (f"more follows the closing {what} of this line's value: to write a text "
            f"starting with {value[0]!r}, put all of it in quotes: {_written_key(key)} "
            f"{_quoted(value)}")


def _apostrophe_in_word(key: str, value: str, line: str, mark: yaml.Mark) -> str | None:
    """What to say of an apostrophe inside a word of a text in single quotes ('We're
    investigating'), which YAML reads as the closing quote: the text meant is the one
    inside the quotes, not the line quoted whole, quotes and all."""
    before, after = line[:mark.column], line[mark.column:]
    if not (value.startswith("'") and before.endswith("'") and before[-2:-1].isalnum()
            and after[:1].isalnum()):
        return None
    word = (before.split()[-1].removeprefix("'") + after.split()[0]).removesuffix("'")
    meant = value[1:-1] if len(value) > 1 and value.endswith("'") else value[1:]
    fixed = _quoted(meant.replace("''", "'"))  # one written twice already is one
    how = "write the text in double quotes" if fixed.startswith('"') else "write it twice"
    return (f"the apostrophe in '{cut_quote(word)}' ends the text in single quotes: {how}: "
            f"{_written_key(key)} {fixed}")


def _unknown_escape(text: str, exc: yaml.MarkedYAMLError, mark: yaml.Mark) -> str | None:
    """What to say of a backslash in double quotes that starts no escape YAML knows
    ('"\\\\server\\share"' written with one backslash each): single quotes keep it."""
    if "unknown escape" not in (exc.problem or ""):
        return None
    found = _key_and_value(_line_of(text, mark))
    fix = ""
    if found is not None and found[1].startswith('"') and found[1].endswith('"'):
        inner = found[1][1:-1].replace('\\"', '"')
        fix = f": {_written_key(found[0])} '{cut_quote(inner).replace(chr(39), chr(39) * 2)}'"
    return ("a backslash in double quotes starts an escape ('\\n', '\\\\'), and this "
            f"one is no escape YAML knows: write the value in single quotes{fix}")


_SURROGATE_ESCAPE = re.compile(r"\\u([dD][89abAB][0-9a-fA-F]{2})"
                               r"(?:\\u([dD][c-fC-F][0-9a-fA-F]{2}))?")


def _surrogate_escape(text: str, exc: yaml.MarkedYAMLError, mark: yaml.Mark) -> str | None:
    """What to say of '\\ud83d\\ude00' in double quotes, as JSON tools escape an emoji:
    YAML takes each half of the UTF-16 pair as a character of its own, and refuses it."""
    if "invalid Unicode character escape" not in (exc.problem or ""):
        return None
    found = _SURROGATE_ESCAPE.search(_line_of(text, mark))
    if found is None:
        return None
    if found.group(2) is None:
        return (f"'\\u{found.group(1)}' is half of a pair of escapes (UTF-16's) and no "
                "character alone: write the character itself")
    high, low = int(found.group(1), 16), int(found.group(2), 16)
    code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
    return (f"'{found.group()}' is a character escaped as a pair (UTF-16's), which YAML "
            f"does not join: write the character itself ({chr(code)}) or '\\U{code:08X}'")


def _block_scalar_start(text: str, mark: yaml.Mark) -> str:
    """What to say of a value starting with '|' or '>' and more on its line ('title: |
    Sign-in down'): YAML reads the mark as the start of a text on the lines below."""
    character = _at_mark(text, mark)
    found = _key_and_value(_line_of(text, mark))
    fix = (f": {_written_key(found[0])} {_quoted(found[1])}"
           if found is not None and found[1].startswith(character) else "")
    return (f"a value starting with '{character}' is a text on the lines below it in YAML, "
            f"and only a comment may follow the '{character}': to start a value with it, "
            f"put the value in quotes{fix}")


def _item_beside_key(text: str, mark: yaml.Mark) -> str:
    """What to say of a '- ' right after a key ('components: - web')."""
    line = _line_of(text, mark)
    key, _, value = line.partition(":")
    value = _without_comment(value.strip())
    item = cut_quote(value.removeprefix("-").strip())
    key = cut_quote(key.strip())
    indent = " " * (_indent(line) + 2)
    below = f"each item on a line of its own below it ('{indent}- {item}')"
    if ": " in item or item.endswith(":"):  # an item with keys: only the lines below fit
        return f"a list cannot start on its key's line: write {below}"
    return (f"a list cannot start on its key's line: write {key}: [{item}], or "
            f"{below}; a text starting with '- ' goes in quotes: {key}: "
            f"{_quoted(value)}")


def _tab_indented(text: str, mark_line: int) -> int | None:
    """The line (0-based) at or just before an error whose indentation holds a tab (the
    parser may notice it on the line after, as 'mapping values are not allowed')."""
    lines = _lines(text)
    candidates = [index for index in (mark_line, mark_line - 1) if 0 <= index < len(lines)
                  and "\t" in lines[index][: len(lines[index]) - len(lines[index].lstrip(" \t"))]]
    if not candidates:
        return None
    inside = _inside_values(text)  # a '|' text may hold tabs: they are its own
    return next((index for index in candidates if index not in inside), None)


def _reserved_start(text: str, mark: yaml.Mark) -> str | None:
    """What to say of a value starting with '@' or '`', which YAML keeps for later use,
    or '%', which starts its directives, and refuses ('title: @here down', a mention
    pasted from chat; 'title: % of requests failing')."""
    character = _at_mark(text, mark)
    if character not in ("@", "`", "%"):
        return None
    found = _key_and_value(_line_of(text, mark))
    if found is None or not found[1].startswith(character):
        return f"a value cannot start with '{character}' in YAML: put the value in quotes"
    return (f"a value cannot start with '{character}' in YAML: put it in quotes: "
            f"{_written_key(found[0])} {_quoted(found[1])}")


# Where YAML breaks lines (a CR LF is one break): its marks count lines by these.
_YAML_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def _lines(text: str) -> list[str]:
    """``text``'s lines as YAML counts them, so that a mark's line is its index here:
    split at newlines only, a CR, U+0085, U+2028 or U+2029 before the error (inside
    quotes, say) would have the hints read a line below the one YAML names. The line a
    message names is the editor's (_ShownLines)."""
    return _YAML_BREAK.split(text)


def _line_of(text: str, mark: yaml.Mark) -> str:
    """The line a YAML error's mark is on ('' past the end)."""
    lines = _lines(text)
    return lines[mark.line] if mark.line < len(lines) else ""


def _at_mark(text: str, mark: yaml.Mark) -> str:
    """The character a YAML error's mark points at ('' past the end)."""
    return _line_of(text, mark)[mark.column:mark.column + 1]


def _alias_lines(text: str, shown: _ShownLines) -> list[int]:
    """The line of each alias ('*name') of a document that composed, in file order: the
    composer gives an alias the value it repeats, which keeps the anchor's place."""
    import yaml

    return [shown(event.start_mark.line if event.start_mark else 0)
            for event in yaml.parse(text, Loader=_loader())
            if isinstance(event, yaml.AliasEvent)]


ALIASES_REFUSED = ("anchors and aliases ('&name', '*name') are not allowed here: write the "
                   "value out")


def _refuse_aliases(text: str, shown: _ShownLines,
                    problems: list[tuple[int, str]] | None) -> None:
    """YamlError at the first anchor or alias, or each line holding one added to
    ``problems``; a document that does not parse is left for the composer to report."""
    import yaml

    lines: dict[int, None] = {}  # each line once, in file order
    try:
        for event in yaml.parse(text, Loader=_loader()):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                line = shown(event.start_mark.line if event.start_mark else 0)
                if problems is None:
                    raise YamlError(ALIASES_REFUSED, line)
                lines[line] = None
    except yaml.YAMLError:
        pass
    if problems is not None:
        problems.extend((line, ALIASES_REFUSED) for line in lines)


def _parse_simple(text: str, first_line: int) -> Mapping | None:
    """The mapping libyaml would compose from ``text``, if it is in the simple subset
    described above; None when it is not (then libyaml decides)."""
    entries: dict[str, Node] = {}
    key_lines: dict[str, int] = {}
    for number, line in enumerate(text.split("\n"), first_line):
        match = _SIMPLE_LINE.fullmatch(line)
        if match is None:
            if line.strip(" "):
                return None
            continue
        key, plain = match["key"], match["plain"]
        if key in entries or (plain is not None and not _plain_as_is(plain)):
            return None
        key_lines[key] = number
        if plain is not None:
            entries[key] = Scalar(plain, number, plain in _NULLS)
        else:
            items = match["items"]
            words = items.replace(" ", "").split(",") if items else ()
            entries[key] = Sequence(tuple(Scalar(word, number, word in _NULLS)
                                          for word in words), number)
    if not entries:
        return None
    return Mapping(entries, key_lines, next(iter(key_lines.values())))


def _plain_as_is(value: str) -> bool:
    """Whether YAML reads this one-line plain value as exactly this text."""
    if ": " in value or value.endswith(":"):  # a mapping
        return False
    if value.isascii():
        return value.isprintable()
    return re.fullmatch(_YAML_TEXT, value) is not None


_YAML_TAGS = "tag:yaml.org,2002:"


def _refuse_tag(node: yaml.Node, line: int, expansion: _Expansion) -> None:
    """Refuses a tag the author wrote (``!!binary``, ``!custom``): Outpost decides types
    itself and would drop it silently. A tag saying what Outpost reads anyway (``!!str``
    on text, ``!!seq`` on a list, ``!!map`` on a mapping) is fine."""
    import yaml

    tag = node.tag
    if not tag or tag == _YAML_TAGS + {yaml.ScalarNode: "str", yaml.SequenceNode: "seq",
                                       yaml.MappingNode: "map"}.get(type(node), ""):
        return
    written = ("!!" + tag.removeprefix(_YAML_TAGS) if tag.startswith(_YAML_TAGS)
               else tag if tag.startswith("!") else f"!<{tag}>")
    expansion.refuse(f"the YAML tag '{written}' is not allowed: write the value without it",
                     line)


def _convert(node: yaml.Node, shown: _ShownLines, expansion: _Expansion) -> Node:
    repeated = expansion.alias_line is None and id(node) in expansion.seen
    line = expansion.line(node, shown)
    if not repeated:
        return _convert_node(node, shown, line, expansion)
    expansion.alias_line = line  # what an alias repeats is named at its line
    try:
        return _convert_node(node, shown, line, expansion)
    finally:
        expansion.alias_line = None


def _convert_node(node: yaml.Node, shown: _ShownLines, line: int,
                  expansion: _Expansion) -> Node:
    _refuse_tag(node, line, expansion)
    expansion.count += 1
    if expansion.count > MAX_VALUES:
        raise YamlError(f"too many values (more than {MAX_VALUES:,}, counting each use of "
                        "an alias): simplify the document", line)
    if id(node) in expansion.open:
        raise YamlError("an alias refers to the value that holds it", line)
    import yaml

    if isinstance(node, yaml.ScalarNode):
        return _convert_scalar(node, line, expansion)
    if len(expansion.open) >= MAX_NESTING:  # the values being converted hold each other
        raise YamlError(NESTED_TOO_DEEP, line)
    expansion.open.add(id(node))
    try:
        return _convert_collection(node, shown, line, expansion)
    finally:
        expansion.open.discard(id(node))


def _convert_scalar(node: yaml.ScalarNode, line: int, expansion: _Expansion) -> Scalar:
    text = str(node.value)
    refused = forbidden_character(text)
    if refused:  # from an escape such as "\x01" (libyaml refuses them raw)
        expansion.refuse(refused, line)
        text = FORBIDDEN.sub("", text)
    plain_null = node.style in (None, "") and text in _NULLS
    return Scalar(text, line, plain_null)


def _convert_collection(node: yaml.Node, shown: _ShownLines, line: int,
                        expansion: _Expansion) -> Node:
    import yaml

    if isinstance(node, yaml.SequenceNode):
        return Sequence(tuple(_convert(item, shown, expansion) for item in node.value),
                        line)
    if isinstance(node, yaml.MappingNode):
        entries: dict[str, Node] = {}
        key_lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            key_line = expansion.line(key_node, shown)
            if not isinstance(key_node, yaml.ScalarNode):
                expansion.refuse("keys must be plain words", key_line)
                continue
            _refuse_tag(key_node, key_line, expansion)
            key = str(key_node.value)
            refused = _key_refused(key, entries, key_lines)
            if refused:  # the entry is left out: a duplicate's first value is kept
                expansion.refuse(refused, key_line)
                continue
            entries[key] = _convert(value_node, shown, expansion)
            key_lines[key] = key_line
        return Mapping(entries, key_lines, line)
    raise YamlError("unsupported YAML node", line)  # pragma: no cover


def _key_refused(key: str, entries: dict[str, Node], key_lines: dict[str, int]) -> str:
    """Why a mapping cannot hold ``key`` beside ``entries``, or ''."""
    if forbidden_character(key):
        return forbidden_character(key)
    if key == "<<":
        return "merge keys ('<<') are not supported"
    if key in entries:
        return f"duplicate key '{key}' (first set at line {key_lines[key]})"
    return ""


def describe(node: Node) -> str:
    """How a value reads in a message: 'a list', 'a mapping' or the quoted text, its line
    breaks written as escapes so the message stays one line (a plain value goes on over
    an indented line below a blank one: 'stale_after: 5', a blank line, '  6')."""
    if isinstance(node, Sequence):
        return "a list"
    if isinstance(node, Mapping):
        return "a mapping"
    if node.plain_null:
        return "nothing"
    if len(node.text.splitlines()) > 1:
        return repr(cut_quote(node.text))
    return f"'{cut_quote(node.text)}'"


# Written plain: a letter or digit first, and no character YAML reads as syntax after it.
_PLAIN_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 .,'()/&+!?_-]*")
# An http(s) address: printable ASCII without a quote or '#', not ending in ':'.
_PLAIN_URL = re.compile(r"https?://[\x21\x24-\x26\x28-\x7e]*[\x21\x24-\x26\x28-\x39\x3b-\x7e]")
# What YAML 1.2 readers (its core schema) read as a number where PyYAML's 1.1 rules read
# text: digits led by a 0 ('038'), an exponent without a dot ('1e3'), an octal with '0o'
# ('0o17'); some also take '_' between digits.
_YAML12_NUMBER = re.compile(r"[0-9][0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)?|0o[0-7]+")


def _escaped(char: str) -> str:
    """``char`` inside a double-quoted scalar: itself when printable and no line break,
    else its escape."""
    code = ord(char)
    if char in "\"\\":
        return "\\" + char
    printable = (0x20 <= code <= 0x7E or 0xA0 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD
                 or code >= 0x10000)
    if printable and char not in "\u2028\u2029\ufeff":
        return char
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def scalar_text(value: str) -> str:
    """``value`` as a YAML scalar that reads back exactly, here and in any YAML reader:
    plain when that is safe (an http(s) address among them), else double-quoted."""
    import yaml

    resolver: Any = yaml.resolver.Resolver()  # PyYAML's own types-to-be of a plain scalar
    # Outpost reads any plain scalar as text, other readers not a number, a date or a
    # boolean ('012', '2026-11-28', 'no', '1e3'): those are quoted.
    plain = _PLAIN_URL.fullmatch(value) or (
        _PLAIN_SAFE.fullmatch(value) and value == value.rstrip()
        and not _YAML12_NUMBER.fullmatch(value)
        and resolver.resolve(yaml.ScalarNode, value, (True, False))
        == f"{_YAML_TAGS}str")
    return value if plain else '"' + "".join(_escaped(char) for char in value) + '"'
