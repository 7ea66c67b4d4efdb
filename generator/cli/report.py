"""Problems as text for people or as annotations for CI."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from generator.core.errors import Problem, problems_text, shown_problems


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _real_file(path: str) -> str:
    """The file ``path`` names: messages quote a file name that holds a line break or
    another unprintable character (errors.shown_name: a notice's name, or a template's
    path under templates/), which no file on GitHub is called; the annotation needs
    the name itself, escaped."""
    for folder, quoted in _splits(path):
        import ast  # only for such names

        try:
            real = ast.literal_eval(quoted)
        except (ValueError, SyntaxError):
            continue
        if isinstance(real, str) and not real.isprintable() and repr(real) == quoted:
            # Line breaks are escaped below; another control (a terminal escape that
            # retitles the window, a colour that click strips from output to a pipe,
            # changing the name) stays quoted: GitHub decodes no other escape.
            if any(not char.isprintable() and char not in "\r\n\t" for char in real):
                return path
            return f"{folder}/{real}" if folder else real
    return path


def _splits(path: str) -> list[tuple[str, str]]:
    """(folder, rest) at each '/' where the rest is quoted, leftmost first."""
    found = []
    for index, char in enumerate(path):
        if char == "/" and path[index + 1:index + 2] in ("'", '"') and len(path) > index + 2:
            found.append((path[:index], path[index + 1:]))
    if path[:1] in ("'", '"'):
        found.insert(0, ("", path))
    return [(folder, rest) for folder, rest in found if rest[-1] == rest[0]]


def _annotation(kind: str, problem: Problem) -> str:
    """A GitHub workflow command for ``problem``, its file and text escaped as GitHub
    documents."""
    line = f",line={problem.line}" if problem.line else ""
    return (f"::{kind} file={_escape_property(_real_file(problem.path))}{line}"
            f"::{_escape_data(problem.message)}")


def format_problems(problems: Iterable[Problem], output_format: str = "text") -> str:
    problems = sorted(problems)
    if output_format == "github":
        return "\n".join(_annotation("error", p) for p in shown_problems(problems))
    return problems_text(problems)


def format_warnings(warnings: Iterable[Problem], output_format: str = "text") -> str:
    """Things worth a look that do not stop a build: 'path:line: warning: ...'."""
    warnings = sorted(warnings)
    if output_format == "github":
        return "\n".join(_annotation("warning", p) for p in warnings)
    return "\n".join(p.as_warning() for p in warnings)


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
