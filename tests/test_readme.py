"""Every `outpost ...` command in the README's shell examples exists and works as written.

The examples run in README order against a copy of the example repository. Commands
that serve, publish or read remote hosts run with --help (or notify with --dry-run);
an example with a <placeholder> is checked with --help; an example ending in
`# exits N` must exit with N.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import REPO

FENCE = re.compile(r"^```(?:sh|shell|bash|console)[ \t]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
EXITS = re.compile(r"\s+#\s*exits\s+(\d+)\s*$")
HELP_ONLY = {"serve", "publish", "verify"}


@dataclass(frozen=True)
class Example:
    line: str  # as written in the README
    args: tuple[str, ...]  # what runs after `outpost`
    exit_code: int


def shell_lines(markdown: str) -> list[str]:
    """Commands from shell code blocks: continuations joined, prompts dropped, and every
    `&&`-joined part on its own."""
    lines: list[str] = []
    for block in FENCE.findall(markdown):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.strip().removeprefix("$ ")
            lines.extend(part.strip() for part in line.split("&&"))
    return lines


def examples(markdown: str) -> list[Example]:
    found = []
    for line in shell_lines(markdown):
        if not line.startswith("outpost "):
            continue
        expected = EXITS.search(line)
        command = EXITS.sub("", line)
        words = shlex.split(command, comments=True)[1:]
        found.append(Example(line, runnable(words), int(expected[1]) if expected else 0))
    return found


def runnable(words: list[str]) -> tuple[str, ...]:
    """The safe form of an example: --help for servers, publishing and placeholders."""
    positional = [w for w in words if not w.startswith("-")]
    command = positional[0] if positional else ""
    if any("<" in w or w == "..." for w in words) or command in HELP_ONLY:
        head = []
        for word in words:
            if word.startswith("-") or "<" in word or word == "...":
                break
            head.append(word)
        return (*head, "--help")
    if command == "notify" and not {"--dry-run", "--help", "-h"} & set(words):
        if "--test" in words:
            return ("notify", "--help")
        return (*words, "--dry-run")
    return tuple(words)


def test_examples_parse() -> None:
    text = """
Intro `outpost nothing` here.

```sh
$ outpost check
outpost new incident "Checkout errors" \\
  --component web   # a comment
python3 -m pip install outpost-status && outpost init acme --timezone UTC
outpost update <id> --status Identified
outpost serve --port 8001
outpost notify
outpost check   # exits 1
```

```yaml
outpost build: not shell
```
"""
    assert [(e.args, e.exit_code) for e in examples(text)] == [
        (("check",), 0),
        (("new", "incident", "Checkout errors", "--component", "web"), 0),
        (("init", "acme", "--timezone", "UTC"), 0),
        (("update", "--help"), 0),
        (("serve", "--help"), 0),
        (("notify", "--dry-run"), 0),
        (("check",), 1),
    ]


def test_readme_commands_work_as_written(example_repo: Path) -> None:
    found = examples((REPO / "README.md").read_text())
    assert len(found) >= 8, "the README should show its commands"
    env = {k: v for k, v in os.environ.items() if k not in ("TZ", "PYTHONPATH")}
    failures = []
    for example in found:
        done = subprocess.run([sys.executable, "-m", "generator", *example.args],
                              cwd=example_repo, env=env, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != example.exit_code:
            failures.append(f"{example.line}\n  ran: outpost {shlex.join(example.args)}\n"
                            f"  exit {done.returncode}, expected {example.exit_code}\n"
                            f"  {done.stdout}{done.stderr}".rstrip())
    assert not failures, "README examples that fail:\n" + "\n".join(failures)
