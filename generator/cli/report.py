"""Problems as text for people or as annotations for CI."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from generator.core.errors import Problem, problems_text


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_problems(problems: Iterable[Problem], output_format: str = "text") -> str:
    problems = sorted(problems)
    if output_format == "github":
        return "\n".join(
            f"::error file={_escape_property(p.path)}{f',line={p.line}' if p.line else ''}"
            f"::{_escape_data(p.message)}"
            for p in problems
        )
    return problems_text(problems)


def format_warnings(warnings: Iterable[Problem], output_format: str = "text") -> str:
    """Things worth a look that do not stop a build: 'path:line: warning: ...'."""
    warnings = sorted(warnings)
    if output_format == "github":
        return "\n".join(
            f"::warning file={_escape_property(p.path)}{f',line={p.line}' if p.line else ''}"
            f"::{_escape_data(p.message)}"
            for p in warnings
        )
    # Line 0 stands for the whole file, as in problems.
    return "\n".join(f"{p.path}{f':{p.line}' if p.line else ''}: warning: {p.message}"
                     for p in warnings)


def from_workspace(problems: Iterable[Problem], root: Path, workspace: Path) -> list[Problem]:
    """Paths relative to ``workspace`` (where GitHub resolves annotation files) when the
    repository root is a folder inside it, such as ``--root status``."""
    try:
        inside = root.resolve().relative_to(workspace.resolve())
    except ValueError:
        return list(problems)
    if inside == Path("."):
        return list(problems)
    return [Problem((inside / p.path).as_posix(), p.line, p.message) for p in problems]
