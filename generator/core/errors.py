"""The errors users see: a message and an exit code, never a traceback.

Every exception Outpost raises for users subclasses ``OutpostError`` (exit code 1);
click's usage errors exit 2. Problems with input files are ``Problem`` values, made
from (line, message) pairs by ``problems_in``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import click


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


def problems_text(problems: Iterable[Problem], outcome: str = "") -> str:
    """Each problem as ``path:line: message``, then how many were found and ``outcome``."""
    lines = [str(p) for p in problems]
    count = len(lines)
    noun = "problem" if count == 1 else "problems"
    lines.append(f"{count} {noun} found." + (f" {outcome}" if outcome else ""))
    return "\n".join(lines)


def problems_in(path: str, pairs: Iterable[tuple[int, str]]) -> list[Problem]:
    """Each (line, message) found in one file, as a Problem of ``path``."""
    return [Problem(path, line, message) for line, message in pairs]


class OutpostError(click.ClickException):
    """Root of every error shown to users. Exit code 1."""

    exit_code = 1


class ProblemsFound(OutpostError):
    """Validation failed; carries every problem found, not only the first."""

    def __init__(self, problems: Iterable[Problem], outcome: str = "") -> None:
        self.problems = sorted(set(problems))
        super().__init__(problems_text(self.problems, outcome))


class InputError(OutpostError):
    """A value could not be parsed. Callers attach the file and line."""
