"""Declared schemas for YAML mappings: each field once, with its type, default and
help; parsing reports every problem at once as (line, message)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

from generator.config import yamlnodes as yn
from generator.core.errors import InputError, OutpostError, ProblemsFound, problems_in
from generator.core.model import ID_PATTERN

T = TypeVar("T")


class Invalid(OutpostError):
    """One or more problems of one input, each (line, message); ``found_in`` names the
    file. Shown on its own, it lists them by line."""

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        super().__init__("\n".join(f"line {line}: {message}" for line, message in problems))
        self.problems = problems

    def __reduce__(self) -> tuple[type[Invalid], tuple[list[tuple[int, str]]]]:
        return type(self), (self.problems,)

    def found_in(self, path: str, outcome: str = "") -> ProblemsFound:
        """Every problem as ``path:line: message``, for the user."""
        return ProblemsFound(problems_in(path, self.problems), outcome)


class Expected(InputError):
    """A value has the wrong shape; the message says what was expected."""


Parser = Callable[[yn.Node, str], Any]
"""Parses a node; the second argument is the key path, for messages."""


@dataclass(frozen=True)
class Field:
    """One key of a mapping. ``kind`` and ``help`` feed the generated settings reference."""

    name: str
    parse: Parser
    kind: str
    help: str
    required: bool = False
    default: Any = None
    example: str | None = None
    attr: str | None = None  # dataclass field name when it differs from the key

    @property
    def target(self) -> str:
        return self.attr or self.name


ExtraCheck = Callable[[dict[str, Any], yn.Mapping, str], list[tuple[int, str]]]


@dataclass(frozen=True)
class Record:
    """A mapping with declared fields, built into ``build(**values)``.

    ``noun`` starts value messages: "Config value 'x': expected ..., received ...".
    """

    fields: Sequence[Field]
    build: Callable[..., Any]
    noun: str = ""
    extra_check: ExtraCheck | None = field(default=None)


def _is_blank(node: yn.Node) -> bool:
    return isinstance(node, yn.Scalar) and (node.plain_null or not node.text.strip())


def scalar(node: yn.Node, path: str = "") -> str:
    if not isinstance(node, yn.Scalar) or node.plain_null:
        raise Expected("text")
    return node.text


def text(node: yn.Node, path: str = "") -> str:
    value = scalar(node).strip()
    if not value:
        raise Expected("non-empty text")
    return value


def optional(parser: Parser) -> Parser:
    """Blank (nothing, '~', null or '') means None."""

    def parse(node: yn.Node, path: str = "") -> Any:
        return None if _is_blank(node) else parser(node, path)

    return parse


def http_url(node: yn.Node, path: str = "") -> str:
    value = scalar(node).strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
        raise Expected("an absolute http(s) URL such as 'https://status.example.org/'")
    return value


def integer(low: int, high: int) -> Parser:
    def parse(node: yn.Node, path: str = "") -> int:
        value = scalar(node).strip()
        if not re.fullmatch(r"\d+", value) or not low <= int(value) <= high:
            raise Expected(f"a whole number from {low} to {high}")
        return int(value)

    return parse


def boolean(node: yn.Node, path: str = "") -> bool:
    value = scalar(node).strip()
    if value not in ("true", "false"):
        raise Expected("true or false")
    return value == "true"


def choice(*options: str) -> Parser:
    def parse(node: yn.Node, path: str = "") -> str:
        value = scalar(node).strip().lower()
        if value not in options:
            raise Expected("one of " + ", ".join(options))
        return value

    return parse


def slug(node: yn.Node, path: str = "") -> str:
    value = scalar(node).strip()
    if not ID_PATTERN.fullmatch(value):
        raise Expected("an id of lowercase letters, digits and hyphens")
    return value


def list_of(item: Parser) -> Parser:
    """A YAML list (a single value is taken as a list of one), each item parsed."""

    def parse(node: yn.Node, path: str = "") -> tuple[Any, ...]:
        if _is_blank(node):
            return ()
        if isinstance(node, yn.Mapping):
            raise Expected("a list")
        items = node.items if isinstance(node, yn.Sequence) else (node,)
        values, problems = [], []
        for index, child in enumerate(items):
            try:
                values.append(item(child, f"{path}[{index}]"))
            except Invalid as exc:
                problems.extend(exc.problems)
            except InputError as exc:
                problems.append((child.line, f"'{path}[{index}]': {expected(exc, child)}"))
        if problems:
            raise Invalid(problems)
        return tuple(values)

    return parse


def record(spec: Record) -> Parser:
    """A nested mapping; its messages name keys by their full path."""

    def parse(node: yn.Node, path: str = "") -> Any:
        return parse_record(node, spec, path)

    return parse


def expected(exc: InputError, node: yn.Node) -> str:
    if isinstance(exc, Expected):
        return f"expected {exc}, received {yn.describe(node)}"
    return str(exc)


def parse_record(node: yn.Node | None, spec: Record, path: str = "") -> Any:
    """Check every field of a mapping; raise Invalid with all problems, or build it."""
    prefix = f"{path}." if path else ""
    noun = f"{spec.noun} " if spec.noun else ""
    if node is None:
        node = yn.Mapping({}, {}, 1)
    if not isinstance(node, yn.Mapping):
        where = f"{noun}'{path}': " if path else ""
        raise Invalid([(node.line, f"{where}expected a mapping of keys to values, received "
                                   f"{yn.describe(node)}")])
    problems: list[tuple[int, str]] = []
    known = {f.name: f for f in spec.fields}
    for key, line in node.key_lines.items():
        if key not in known:
            hint = ", ".join(sorted(known))
            problems.append((line, f"unknown key '{prefix}{key}' (known keys: {hint})"))
    values: dict[str, Any] = {}
    for item in spec.fields:
        child = node.entries.get(item.name)
        key = f"{prefix}{item.name}"
        if child is None or (item.required and _is_blank(child)):
            if item.required:
                problems.append((node.line if child is None else child.line,
                                 f"missing required key '{key}'"))
            values[item.target] = item.default
            continue
        try:
            values[item.target] = item.parse(child, key)
        except Invalid as exc:
            problems.extend(exc.problems)
        except InputError as exc:
            problems.append((child.line, f"{noun}'{key}': {expected(exc, child)}"))
    if not problems and spec.extra_check is not None:
        problems.extend(spec.extra_check(values, node, prefix))
    if problems:
        raise Invalid(problems)
    return spec.build(**values)
