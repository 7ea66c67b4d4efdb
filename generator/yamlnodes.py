"""Strict YAML reading: the YAML parser builds nodes, and Outpost decides types.

PyYAML's resolvers turn ``NO`` into False and ``012`` into 10; here every scalar
stays the exact string the author wrote, duplicate keys are refused, and every
value keeps its line number for messages.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from generator.errors import InputError

try:
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    _Loader = yaml.SafeLoader


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
        self.message = message
        self.line = line


def parse(text: str, first_line: int = 1) -> Node | None:
    """Parse one YAML document. Lines are counted from ``first_line``."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + (mark.line if mark else 0)
        problem = exc.problem or exc.context or "not valid YAML"
        raise YamlError(f"invalid YAML: {problem}", line) from None
    except yaml.reader.ReaderError as exc:
        line = first_line + text[: exc.position].count("\n")
        raise YamlError(f"invalid YAML: character U+{exc.character:04X} is not allowed here"
                        if isinstance(exc.character, int) else "invalid YAML: bad character",
                        line) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"invalid YAML: {exc}", first_line) from None
    if root is None:
        return None
    return _convert(root, first_line)


def _convert(node: yaml.Node, first_line: int) -> Node:
    line = first_line + node.start_mark.line
    if isinstance(node, yaml.ScalarNode):
        plain_null = node.style in (None, "") and node.value in ("", "~", "null", "Null", "NULL")
        return Scalar(str(node.value), line, plain_null)
    if isinstance(node, yaml.SequenceNode):
        return Sequence(tuple(_convert(item, first_line) for item in node.value), line)
    if isinstance(node, yaml.MappingNode):
        entries: dict[str, Node] = {}
        key_lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            key_line = first_line + key_node.start_mark.line
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlError("keys must be plain words", key_line)
            key = str(key_node.value)
            if key == "<<":
                raise YamlError("merge keys ('<<') are not supported", key_line)
            if key in entries:
                raise YamlError(
                    f"duplicate key '{key}' (first set at line {key_lines[key]})", key_line
                )
            entries[key] = _convert(value_node, first_line)
            key_lines[key] = key_line
        return Mapping(entries, key_lines, line)
    raise YamlError("unsupported YAML node", line)  # pragma: no cover


def describe(node: Node) -> str:
    """How a value reads in a message: 'a list', 'a mapping' or the quoted text."""
    if isinstance(node, Sequence):
        return "a list"
    if isinstance(node, Mapping):
        return "a mapping"
    return "nothing" if node.plain_null else f"'{node.text}'"
