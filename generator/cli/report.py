"""Problems as text for people or as annotations for CI."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from generator.core.errors import Problem, problems_text


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _real_file(path: str) -> str:
    """The file ``path`` names: messages quote a notice's name that holds a line break
    or another unprintable character (loader.notice_path), which no file on GitHub is
    called; the annotation needs the name itself, escaped."""
    folder, _, name = path.rpartition("/")
    if len(name) < 2 or name[0] not in "'\"" or name[-1] != name[0]:
        return path
    import ast  # only for such names

    try:
        real = ast.literal_eval(name)
    except (ValueError, SyntaxError):
        return path
    if not isinstance(real, str) or real.isprintable() or repr(real) != name:
        return path
    return f"{folder}/{real}" if folder else real


def _annotation(kind: str, problem: Problem) -> str:
    """A GitHub workflow command for ``problem``, its file and text escaped as GitHub
    documents."""
    line = f",line={problem.line}" if problem.line else ""
    return (f"::{kind} file={_escape_property(_real_file(problem.path))}{line}"
            f"::{_escape_data(problem.message)}")


def format_problems(problems: Iterable[Problem], output_format: str = "text") -> str:
    problems = sorted(problems)
    if output_format == "github":
        return "\n".join(_annotation("error", p) for p in problems)
    return problems_text(problems)


def format_warnings(warnings: Iterable[Problem], output_format: str = "text") -> str:
    """Things worth a look that do not stop a build: 'path:line: warning: ...'."""
    warnings = sorted(warnings)
    if output_format == "github":
        return "\n".join(_annotation("warning", p) for p in warnings)
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
