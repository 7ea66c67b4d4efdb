"""One error root, one way to build problems, and exit codes every command keeps:
0 ok, 1 problems found or a failure the user can fix, 2 usage error. No command prints
a traceback, whatever the error."""

from __future__ import annotations

import importlib
import inspect
import os
import pickle
import pkgutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import click
import pytest

import generator
from generator.app import cli
from generator.config import schema
from generator.core.errors import (
    InputError,
    OutpostError,
    Problem,
    ProblemsFound,
    close_to,
    did_you_mean,
    problems_in,
    unknown_component,
)
from generator.notices.loader import NoticeInvalid
from generator.render.overrides import BUILTIN_TEMPLATES
from tests.conftest import MINIMAL_CONFIG, Run
from tests.publish_support import free_port

NOW = "2026-11-28T12:00:00Z"
INCIDENT = """\
---
title: Email delivery delays
type: incident
components: [web]
---
## Investigating - 2026-11-28 05:00
Emails are late.
"""


def generator_modules() -> Iterator[str]:
    yield "generator"
    for info in pkgutil.walk_packages(generator.__path__, "generator."):
        if info.name != "generator.__main__":  # it runs the command
            yield info.name


def exception_classes() -> dict[str, type[BaseException]]:
    found = {}
    for name in generator_modules():
        module = importlib.import_module(name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, BaseException) and value.__module__ == name:
                found[f"{name}.{value.__qualname__}"] = value
    return found


def test_every_exception_class_subclasses_the_root() -> None:
    """Errors have one root; a request to stop (SIGTERM) is no error but an interrupt,
    a KeyboardInterrupt, so that it ends a command as Ctrl-C does."""
    classes = exception_classes()
    assert len(classes) >= 15
    assert sorted(name for name, cls in classes.items()
                  if not issubclass(cls, OutpostError | KeyboardInterrupt)) == []
    assert sorted(name for name, cls in classes.items() if issubclass(cls, KeyboardInterrupt)) \
        == ["generator.core.errors.StopRequested"]


def test_problems_are_made_from_line_message_pairs_in_one_place() -> None:
    pairs = [(3, "unknown status 'Fixed'"), (1, "missing required key 'title'")]
    assert problems_in("notices/a.md", pairs) == [
        Problem("notices/a.md", 3, "unknown status 'Fixed'"),
        Problem("notices/a.md", 1, "missing required key 'title'")]
    found = NoticeInvalid(pairs).found_in("notices/a.md", "Nothing was written.")
    assert isinstance(found, ProblemsFound)
    assert found.format_message() == (
        "notices/a.md:1: missing required key 'title'\n"
        "notices/a.md:3: unknown status 'Fixed'\n"
        "2 problems found. Nothing was written.")


def test_line_problems_shown_alone_and_across_processes() -> None:
    invalid = schema.Invalid([(4, "expected a number")])
    assert (invalid.format_message(), invalid.exit_code) == ("line 4: expected a number", 1)
    copy = pickle.loads(pickle.dumps(NoticeInvalid([(2, "x"), (5, "y")])))
    assert type(copy) is NoticeInvalid and copy.problems == [(2, "x"), (5, "y")]
    assert InputError("bad time 'x'").format_message() == "bad time 'x'"


# Every command, with inputs that raise each error class, through a real process.

def outpost(root: Path, *args: str, env: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "generator", "--root", str(root), *args],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          stdin=subprocess.DEVNULL, env={**os.environ, **(env or {})},
                          timeout=120, check=False)


def repo(tmp_path: Path, extra: str = "", notices: dict[str, str] | None = None) -> Path:
    root = tmp_path / "repo"
    (root / "notices").mkdir(parents=True)
    (root / "outpost.yaml").write_text(MINIMAL_CONFIG + extra)
    for name, text in (notices or {"2026-11-28-email.md": INCIDENT}).items():
        (root / "notices" / name).write_text(text)
    return root


def built(root: Path) -> Path:
    result = outpost(root, "build", "--now", NOW)
    assert result.returncode == 0, result.stdout
    return root


def folder_target(tmp_path: Path) -> str:
    return f"publish:\n  - name: local\n    type: dir\n    path: {tmp_path / 'pub'}\n"


def notify_settings(port: int) -> str:
    return ("notify:\n  since: 2026-11-01 00:00\n  from: status@example.org\n  smtp:\n"
            f"    host: 127.0.0.1\n    port: {port}\n    security: none\n    timeout: 5\n"
            "  contacts:\n    - email: alice@example.org\n  webhooks:\n    - name: chat\n"
            f"      url: http://127.0.0.1:{port}/hook\n      timeout: 1\n      retries: 0\n")


@dataclass(frozen=True)
class Case:
    """A command, the repository it runs in, its exit code and the last lines it prints."""

    args: tuple[str, ...]
    setup: Callable[[Path], tuple[Path, dict[str, str]]]
    code: int
    tail: Callable[[Path], list[str]]


def plain(extra: str = "", notices: dict[str, str] | None = None
          ) -> Callable[[Path], tuple[Path, dict[str, str]]]:
    return lambda tmp: (repo(tmp, extra, notices), {})


def broken_template(tmp: Path) -> tuple[Path, dict[str, str]]:
    root = repo(tmp)
    (root / "templates").mkdir()
    (root / "templates" / "notice.html").write_text("{{ item.notice.nope() }}\n")
    return root, {}


def unreadable_config(tmp: Path) -> tuple[Path, dict[str, str]]:
    """outpost.yaml that is not a file (a dangling notice link is a problem too)."""
    root = repo(tmp)
    (root / "outpost.yaml").unlink()
    (root / "outpost.yaml").mkdir()
    return root, {}


def output_name_too_long(tmp: Path) -> tuple[Path, dict[str, str]]:
    """An OSError making the output folder: site/ links to a name longer than a file
    system allows."""
    root = repo(tmp)
    (root / "site").symlink_to("x" * 300)
    return root, {}


def blocked_folder_target(tmp: Path) -> tuple[Path, dict[str, str]]:
    root = built(repo(tmp, folder_target(tmp)))
    (tmp / "pub").mkdir()
    (tmp / "pub" / "current").write_text("not a symlink")
    return root, {}


def tampered_folder_target(tmp: Path) -> tuple[Path, dict[str, str]]:
    root = built(repo(tmp, folder_target(tmp)))
    assert outpost(root, "publish").returncode == 0
    (tmp / "pub" / "current" / "index.html").write_text("changed")
    return root, {}


def unreachable_s3(tmp: Path) -> tuple[Path, dict[str, str]]:
    entry = (f"publish:\n  - name: mirror\n    type: s3\n    bucket: b\n    region: us-east-1\n"
             f"    endpoint_url: http://127.0.0.1:{free_port()}\n    retries: 0\n")
    return built(repo(tmp, entry)), {"AWS_ACCESS_KEY_ID": "testing",
                                     "AWS_SECRET_ACCESS_KEY": "testing",
                                     "AWS_MAX_ATTEMPTS": "1"}


def unreachable_mail(tmp: Path) -> tuple[Path, dict[str, str]]:
    return repo(tmp, notify_settings(free_port())), {}


def lines(*text: str) -> Callable[[Path], list[str]]:
    return lambda root: list(text)


CASES: dict[str, Case] = {
    # ProblemsFound, from NoticeInvalid (a notice) and schema.Invalid (outpost.yaml)
    "check: NoticeInvalid": Case(("check",), plain(notices={"a.md": "no front matter\n"}), 1,
                                 lines("notices/a.md:1: expected '---' on the first line, to "
                                       "open the front matter", "1 problem found.")),
    "build: schema.Invalid": Case(("build", "--now", NOW), plain("feed_items: many\n"), 1,
                                  lines("outpost.yaml:9: Config value 'feed_items': "
                                        "expected a whole number from 1 to 10000, received "
                                        "'many'", "1 problem found. Build stopped: nothing was "
                                        "written.")),
    "list: YamlError": Case(("list",), plain("title: [\n"), 1, lines(
        "outpost.yaml:9: invalid YAML: a '[' opened on this line is never closed, "
        "or a ',' is missing between its items",
        "1 problem found.")),
    "build: TemplateFailed": Case(("build", "--now", NOW), broken_template, 1, lambda root: [
        "templates/notice.html:1: "
        "'generator.core.model.Notice object' has no attribute 'nope'",
        "Build stopped: nothing was written."]),
    "check: settings not a file": Case(("check",), unreadable_config, 1, lines(
        "outpost.yaml: not a regular file that can be read: write the settings into a "
        "plain file", "1 problem found.")),
    "build: OSError": Case(("build", "--now", NOW), output_name_too_long, 1,
                           lambda root: [f"Error: File name too long: {root / 'site'}"]),
    "new incident: EditError": Case(
        ("new", "incident", "Outage", "--component", "nope", "-m", "x"), plain(), 1,
        lines("Error: unknown component 'nope' (outpost.yaml declares: web, api)")),
    "new maintenance: usage": Case(("new", "maintenance", "Upgrade"), plain(), 2,
                                   lines("Error: Missing option '--start'.")),
    "update: NotFound": Case(("update", "nosuch", "-m", "x"), plain(), 1, lines(
        "Error: no notice matches 'nosuch': give its id, the start of its id, or a word of "
        "its title (see 'outpost list')")),
    "resolve: usage": Case(("resolve", "email", "--at", "soon"), plain(), 2, lines(
        "Error: Invalid value for '--at': bad time 'soon': expected 'YYYY-MM-DD HH:MM', "
        "optionally followed by an offset such as '-05:00' or 'Z'")),
    "postmortem: EditError": Case(
        ("postmortem", "email", "--at", "2026-11-28 04:00", "-m", "Why."), plain(), 1,
        lines("Error: the postmortem (2026-11-28 04:00) would come before the notice's first "
              "update (2026-11-28 05:00); nothing was written")),
    "init: usage": Case(("init", "--timezone", "Nowhere/Land", "--title", "T"), plain(),
                        2, lines("Error: --timezone: 'Nowhere/Land' is not an IANA "
                                 "time zone such as 'America/Chicago'")),
    "serve: usage": Case(("serve", "--port", "0", "--now", "soon"), plain(), 2, lines(
        "Error: Invalid value for '--now': bad time 'soon': expected 'YYYY-MM-DD HH:MM', "
        "optionally followed by an offset such as '-05:00' or 'Z'")),
    "publish: PublishError": Case(("publish",), blocked_folder_target, 1,
                                  lines("Error: 1 target failed to publish: local. Fix "
                                        "the cause above, then run 'outpost publish local' "
                                        "again; until then it serves what it did before")),
    "publish: TransientError": Case(("publish",), unreachable_s3, 1,
                                    # Unreachable: no file of this build went up.
                                    lines("Error: 1 target failed to publish: mirror. "
                                          "Fix the cause above, then run 'outpost publish "
                                          "mirror' again; until then it serves what it did "
                                          "before")),
    "verify: VerifyFailed": Case(("verify",), tampered_folder_target, 1,
                                 lines("Error: 1 target failed to verify: local")),
    "notify: SendFailed": Case(("notify", "--now", NOW), unreachable_mail, 1, lines(
        "Error: 0 sent, 2 failed; the failed ones are retried on the next run.")),
    "notify --test: WebhookFailed": Case(("notify", "--test", "chat", "--now", NOW),
                                         unreachable_mail, 1, lambda root: [
        "Error: test message not delivered: attempt 1: connection failed ([Errno 111] "
        "Connection refused)"]),
    "nothing: usage": Case(("frobnicate",), plain(), 2,
                           lines("Error: No such command 'frobnicate'.")),
}


def command_names(group: click.Group, prefix: str = "") -> set[str]:
    names = set()
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            names |= command_names(command, f"{prefix}{name} ")
        else:
            names.add(prefix + name)
    return names


def test_the_cases_cover_every_command() -> None:
    covered = {" ".join(case.args[:2]) if case.args[0] == "new" else case.args[0]
               for case in CASES.values()}
    assert command_names(cli) - covered == set()


@pytest.mark.parametrize("name", list(CASES))
def test_errors_end_in_a_message_and_an_exit_code(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    root, env = case.setup(tmp_path)
    result = outpost(root, *case.args, env=env)
    assert "Traceback" not in result.stdout
    assert result.returncode == case.code, result.stdout
    tail = case.tail(root)
    assert result.stdout.splitlines()[-len(tail):] == tail


def test_an_unexpected_failure_is_a_message_and_exit_code_1(
        empty_repo: Path, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.build import inputs

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("no such thing")

    monkeypatch.setattr(inputs, "check", broken)
    result = run(empty_repo, "check")
    assert (result.exit_code, result.output) == (1, (
        "Error: unexpected failure (KeyError: 'no such thing'). Please report it with the "
        "command you ran.\n"))


# A template override that fails in any way names its file (and line); nothing is written.

BROKEN_OVERRIDES: dict[str, tuple[dict[str, bytes], str]] = {
    "not UTF-8": ({"404.html": b'{% extends "base.html" %}\n\ncaf\xe9\n'},
                  "404.html:3: not valid UTF-8 (byte 0xe9): save it as UTF-8"),
    "an included file not UTF-8": (
        {"404.html": b'{% include "part.html" %}\n', "part.html": b"ok\n\xff\n"},
        "part.html:2: not valid UTF-8 (byte 0xff): save it as UTF-8"),
    "a Python error": ({"404.html": b"line one\n{{ 1/0 }}\n"},
                       "404.html:2: division by zero (ZeroDivisionError)"),
    "a type error": ({"404.html": b'{{ "page " + 404 }}\n'},
                     '404.html:1: can only concatenate str (not "int") to str (TypeError)'),
    "extends itself": ({"404.html": b'{% extends "404.html" %}\n'},
                       "404.html:1: extends, includes or imports itself"),
    "includes itself through another": (
        {"404.html": b'x\n{% include "part.html" %}\n', "part.html": b'{% include "404.html" %}'},
        "404.html:2: extends, includes or imports itself (through {templates}/part.html)"),
    # In a block of a page that extends the built-in frame: the block's code, not a macro.
    "includes itself from a block": (
        {"404.html": b'{% extends "base.html" %}\n{% block content %}\n'
                     b'{% include "part.html" %}{% endblock %}\n',
         "part.html": b'x\n{% include "404.html" %}\n'},
        "404.html:1: extends, includes or imports itself (through the built-in base.html, "
        "{templates}/part.html)"),
    "imports itself through another": (
        {"404.html": b'{% from "a.html" import x %}{{ x() }}\n',
         "a.html": b'{% from "b.html" import y %}\n{% macro x() %}x{% endmacro %}\n',
         "b.html": b'\n{% from "a.html" import x %}\n{% macro y() %}y{% endmacro %}\n'},
        "a.html:1: extends, includes or imports itself (through {templates}/b.html)"),
    # Entered at the built-in frame: named from the override, the file there is to fix.
    "a cycle through built-in templates": (
        {"banner.html": b'{% include "404.html" %}\n'},
        "banner.html:1: extends, includes or imports itself (through the built-in 404.html, "
        "the built-in base.html)"),
    "a filter no template has": (
        {"404.html": b'{% extends "base.html" %}\n{% block content %}\n'
                     b'{{ config.title | titel }}{% endblock %}\n'},
        "404.html:3: No filter named 'titel'."),
    "a built-in macro given the wrong thing": (
        {"subscribe.html": b'{% extends "base.html" %}'
                           b'{% from "macros.html" import affected_list %}\n'
                           b'{% block content %}{{ affected_list(5) }}{% endblock %}\n'},
        "subscribe.html:2: 'int' object has no attribute 'is_open' (AttributeError)"),
    "includes a template that does not exist": (
        {"404.html": b'ok\n{% include "parts/nav.html" %}\n'},
        "404.html:2: no template 'parts/nav.html', neither in templates/ nor built in"),
    "includes a file outside templates/": (
        {"404.html": b'{% include "../outpost.yaml" %}\n'},
        "404.html:1: no template '../outpost.yaml', neither in templates/ nor built in"),
    "a macro without end": (
        {"404.html": b"{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}\n{{ f(1) }}\n"},
        "404.html:1: a macro calls itself without end"),
    "a block without end": (
        {"404.html": b'{% extends "base.html" %}\n'
                     b'{% block content %}{{ self.content() }}{% endblock %}\n'},
        "404.html:2: a block calls itself without end"),
    # Past Jinja's parser's recursion, and past Python's 100 levels of indentation.
    "brackets nested too deeply": (
        {"404.html": b"{{ " + b"(" * 300 + b"1" + b")" * 300 + b" }}\n"},
        "404.html: nests its tags or brackets too deeply to be compiled: nest them less "
        "deeply"),
    "ifs nested too deeply": (
        {"404.html": b"{% if true %}" * 120 + b"x" + b"{% endif %}" * 120 + b"\n"},
        "404.html: nests its tags or brackets too deeply to be compiled: nest them less "
        "deeply"),
}


@pytest.mark.parametrize("name", list(BROKEN_OVERRIDES))
def test_a_broken_template_override_is_named_and_nothing_is_written(
        empty_repo: Path, run: Run, name: str) -> None:
    files, message = BROKEN_OVERRIDES[name]
    templates = empty_repo / "templates"
    templates.mkdir()
    for file, data in files.items():
        (templates / file).write_bytes(data)
    out = empty_repo / "site"
    result = run(empty_repo, "build", "--now", NOW)
    assert result.exit_code == 1
    expected = f"templates/{message}".replace("{templates}", "templates")
    assert result.output == f"{expected}\nBuild stopped: nothing was written.\n"
    assert not out.exists()
    override = next(iter(files))  # the page's own template
    (templates / override).unlink()  # an earlier build stays as it was
    assert run(empty_repo, "build", "--now", NOW).exit_code == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    (templates / override).write_bytes(files[override])
    assert run(empty_repo, "build", "--now", NOW).output == (
        f"{expected}\nBuild stopped: nothing was written.\n")
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


# What check tells without rendering: the rest only the build can name.
CHECKED_OVERRIDES = ("not UTF-8", "an included file not UTF-8",
                     "includes a template that does not exist",
                     "includes a file outside templates/", "brackets nested too deeply",
                     "ifs nested too deeply", "a filter no template has")


def test_check_knows_every_filter_the_build_gives_templates() -> None:
    """An override naming one of Outpost's filters compiles in check as in the build."""
    from jinja2 import Environment

    from generator.app import schema as site_schema
    from generator.render import pages
    from generator.render.markup import MarkdownRenderer
    from generator.render.overrides import FILTERS

    env = pages.template_environment(None)
    pages._install_filters(env, site_schema().parse(MINIMAL_CONFIG), MarkdownRenderer())
    assert set(env.filters) == set(Environment().filters) | FILTERS


@pytest.mark.parametrize("name", CHECKED_OVERRIDES)
def test_check_names_an_override_no_build_can_render(empty_repo: Path, run: Run,
                                                     name: str) -> None:
    """check passed these, and the build then failed on them: a pre-commit hook or a
    pull request's check let them through."""
    files, message = BROKEN_OVERRIDES[name]
    templates = empty_repo / "templates"
    templates.mkdir()
    for file, data in files.items():
        (templates / file).write_bytes(data)
    result = run(empty_repo, "check", "--now", NOW)
    assert (result.exit_code, result.output) == (
        1, f"templates/{message}\n1 problem found.\n")


def test_check_names_each_syntax_error_and_missing_template_of_the_overrides(
        empty_repo: Path, run: Run) -> None:
    """Every problem at once, at its line; a list of templates fails only when none of
    them exists, and an include marked 'ignore missing' or named by a variable not at
    all."""
    templates = empty_repo / "templates"
    templates.mkdir()
    (templates / "404.html").write_text('{% extends "base.html" %}\n'
                                        "{% block content %}\n{% if %}\n{% endblock %}\n")
    (templates / "closed.html").write_text(
        '{% extends "base.html" %}{% block content %}\n'
        '{% include ["nav.html", "footer.html"] %}\n'
        '{% include ["gone.html", "404.html"] %}\n'
        '{% include "gone.html" ignore missing %}\n'
        '{% include config.language ~ ".html" %}\n'
        '{% from "helpers.html" import x %}{% import "./macros.html" as m %}\n'
        '{% from ["helpers.html", "macros.html"] import row %}\n'
        "{% endblock %}\n")
    (templates / "subscribe.html").write_text("{{ oops( }}\n")
    result = run(empty_repo, "check", "--now", NOW)
    assert (result.exit_code, result.output) == (1, (
        "templates/404.html:3: Expected an expression, got 'end of statement block'\n"
        "templates/closed.html:2: no template 'nav.html', neither in templates/ nor built in\n"
        "templates/closed.html:6: no template 'helpers.html', neither in templates/ nor "
        "built in\n"
        "templates/closed.html:7: an import names one template, not a list of them: name "
        "the one to import from\n"
        "templates/subscribe.html:1: unexpected '}', expected ')'\n"
        "5 problems found.\n"))


def test_check_names_a_macro_an_override_lacks_that_a_template_imports(
        empty_repo: Path, run: Run) -> None:
    """A macros.html copied before the built-in pages began to import a new macro passed
    check and every build until a page calling it rendered, which may first happen during
    an incident: Jinja says so only when the name is called. Named once per macro, with
    the built-in pages importing it; an override importing a name no template defines is
    named at its line; names a template sets or imports itself are exported too."""
    templates = empty_repo / "templates"
    templates.mkdir()
    builtin = Path(str(BUILTIN_TEMPLATES))
    macros = (builtin / "macros.html").read_text()
    start = macros.index("{% macro since_range(item) -%}")
    end = macros.index("{%- endmacro %}", start) + len("{%- endmacro %}")
    (templates / "macros.html").write_text(macros[:start] + macros[end:]
                                           + '{% set motto, slogan = "up", "on" %}\n'
                                           + '{% import "banner.html" as banner %}\n')
    (templates / "404.html").write_text(
        '{% extends "base.html" %}{% block content %}\n'
        '{% from "macros.html" import row, motto, slogan, banner %}\n'
        '{% from "macros.html" import rows %}{{ motto }}\n{% endblock %}\n')
    result = run(empty_repo, "check", "--now", NOW)
    assert (result.exit_code, result.output) == (1, (
        "templates/404.html:3: 'macros.html' defines no 'rows' to import\n"
        "templates/macros.html: defines no 'since_range', which the built-in "
        "component.html, notice.html and open.html import: an override copied from an "
        "earlier version; copy 'since_range' into it from the built-in macros.html\n"
        "2 problems found.\n"))
    (templates / "macros.html").write_text(macros)
    (templates / "404.html").unlink()
    assert run(empty_repo, "check", "--now", NOW).exit_code == 0



def test_check_reads_the_macros_an_override_defines_inside_an_if(
        empty_repo: Path, run: Run) -> None:
    """A name set or a macro defined inside a top-level '{% if %}' is exported as one
    outside it is (Jinja runs it in the template's own frame): check named such a
    macros.html as lacking the macro it defines, which every build rendered."""
    templates = empty_repo / "templates"
    templates.mkdir()
    builtin = (Path(str(BUILTIN_TEMPLATES)) / "macros.html").read_text()
    start = builtin.index("{% macro since_range(item) -%}")
    end = builtin.index("{%- endmacro %}", start) + len("{%- endmacro %}")
    (templates / "macros.html").write_text(
        f"{builtin[:start]}{{% if true %}}{builtin[start:end]}"
        f"{{% set motto = 'up' %}}{{% endif %}}{builtin[end:]}")
    (templates / "404.html").write_text(
        '{% extends "base.html" %}{% block content %}\n'
        '{% from "macros.html" import motto %}{{ motto }}\n{% endblock %}\n')
    assert run(empty_repo, "check", "--now", NOW).output == (
        "OK: outpost.yaml and 0 notices are valid.\n")
    assert run(empty_repo, "build", "--now", NOW).exit_code == 0



def test_check_reads_the_macros_an_override_has_from_the_template_it_extends(
        empty_repo: Path, run: Run) -> None:
    """A macros.html extending another exports that one's macros with its own: one
    extending a copy from an earlier version passed check and failed every build at the
    first page importing the macro the copy lacks."""
    templates = empty_repo / "templates"
    templates.mkdir()
    builtin = (Path(str(BUILTIN_TEMPLATES)) / "macros.html").read_text()
    start = builtin.index("{% macro since_range(item) -%}")
    end = builtin.index("{%- endmacro %}", start) + len("{%- endmacro %}")
    (templates / "old-macros.html").write_text(builtin[:start] + builtin[end:])
    (templates / "macros.html").write_text('{% extends "old-macros.html" %}\n'
                                           '{% set motto = "up" %}\n')
    (templates / "404.html").write_text(
        '{% extends "base.html" %}{% block content %}\n'
        '{% from "macros.html" import motto, row, rows %}{{ motto }}\n{% endblock %}\n')
    assert run(empty_repo, "check", "--now", NOW).output == (
        "templates/404.html:2: 'macros.html' defines no 'rows' to import\n"
        "templates/macros.html: defines no 'since_range', which the built-in "
        "component.html, notice.html and open.html import: an override copied from an "
        "earlier version; copy 'since_range' into it from the built-in macros.html\n"
        "2 problems found.\n")
    (templates / "404.html").write_text(
        '{% extends "base.html" %}{% block content %}\n'
        '{% from "macros.html" import motto, row %}{{ motto }}\n{% endblock %}\n')
    (templates / "old-macros.html").write_text(builtin)
    assert run(empty_repo, "check", "--now", NOW).output == (
        "OK: outpost.yaml and 0 notices are valid.\n")
    assert run(empty_repo, "build", "--now", NOW).exit_code == 0


UNUSED = "no built-in template has this name and no template uses it: it changes nothing"


def test_check_warns_about_an_override_that_changes_nothing(empty_repo: Path, run: Run
                                                            ) -> None:
    """A misspelt override is never rendered: check names it (and the closest built-in
    name) instead of letting the edit vanish. Overrides, files other templates use and
    hidden files are not named; a warning does not fail the check."""
    templates = empty_repo / "templates"
    (templates / "parts").mkdir(parents=True)
    (templates / "embed").mkdir()
    (templates / "notcie.html").write_text("typo\n")
    (templates / "embed" / "fragmnt.html").write_text("typo\n")
    (templates / "closed.html").write_text('{% extends "base.html" %}'
                                           '{% block content %}{% include "parts/x.html" %}'
                                           '{% endblock %}\n')
    (templates / "parts" / "x.html").write_text("used\n")
    (templates / ".gitkeep").write_text("")
    result = run(empty_repo, "check", "--now", NOW)
    assert (result.exit_code, result.output) == (0, (
        f"templates/embed/fragmnt.html: warning: {UNUSED} (did you mean "
        "'embed/fragment.html'?)\n"
        f"templates/notcie.html: warning: {UNUSED} (did you mean 'notice.html'?)\n"
        "OK: outpost.yaml and 0 notices are valid (2 warnings).\n"))
    github = run(empty_repo, "check", "--now", NOW, "--format", "github")
    assert github.output.splitlines()[1] == (
        f"::warning file=templates/notcie.html::{UNUSED} (did you mean 'notice.html'?)")


def test_check_warns_about_components_sharing_a_name(empty_repo: Path, run: Run) -> None:
    """Two components named alike (an 'API' in two groups) read as one on every page,
    in the banner and in mail: check names the later one at its name's line, with the
    group as a way out, and still passes."""
    (empty_repo / "outpost.yaml").write_text(
        "title: Test Status\nbase_url: https://status.example.org/\n"
        "timezone: America/Chicago\ncomponents:\n"
        "  - id: eu-api\n    name: API\n    group: Europe\n"
        "  - id: web\n    name: Web\n"
        "  - id: us-api\n    group: United States\n    name: API\n"
        "  - {id: www, name: web}\n")
    result = run(empty_repo, "check", "--now", NOW)
    assert (result.exit_code, result.output) == (0, (
        "outpost.yaml:12: warning: component 'us-api' has the name of component 'eu-api' "
        "('API'): readers see the name alone, in the line at the top of the Open page, a "
        "notice's components, the banner and mail, and cannot tell which one is hit: give "
        "it a name of its own, such as 'API (United States)'\n"
        "outpost.yaml:13: warning: component 'www' has the name of component 'web' "
        "('Web'): readers see the name alone, in the line at the top of the Open page, a "
        "notice's components, the banner and mail, and cannot tell which one is hit: give "
        "it a name of its own\n"
        "OK: outpost.yaml and 0 notices are valid (2 warnings).\n"))


def test_check_warns_about_a_group_written_in_other_capitals(empty_repo: Path,
                                                               run: Run) -> None:
    """A group written as an earlier one is in other capitals ('campus' below 'Campus')
    is a group of its own: the Open page showed two rows headed alike, each with part of
    the components. check names it at its group's line, with the spelling to write."""
    (empty_repo / "outpost.yaml").write_text(
        "title: Test Status\nbase_url: https://status.example.org/\n"
        "timezone: America/Chicago\ncomponents:\n"
        "  - id: web\n    name: Web\n    group: Campus\n"
        "  - id: mail\n    name: Mail\n    group: Campus\n"
        "  - id: wifi\n    group: campus\n    name: Wi-Fi\n"
        "  - {id: vpn, name: VPN, group: CAMPUS}\n")
    result = run(empty_repo, "check", "--now", NOW)
    assert (result.exit_code, result.output) == (0, (
        "outpost.yaml:12: warning: component 'wifi' has the group 'campus', which component "
        "'web' writes 'Campus': the Open page lists them as two groups headed alike: write "
        "'Campus'\n"
        "outpost.yaml:14: warning: component 'vpn' has the group 'CAMPUS', which component "
        "'web' writes 'Campus': the Open page lists them as two groups headed alike: write "
        "'Campus'\n"
        "OK: outpost.yaml and 0 notices are valid (2 warnings).\n"))


def test_check_warns_about_no_override_that_a_template_uses(empty_repo: Path,
                                                            run: Run) -> None:
    """Jinja loads './parts/a.html' and 'parts//b.html' as parts/a.html and parts/b.html,
    and a template that does not parse (the build names its error) still uses what it
    names: check called those files unused, inviting their removal."""
    templates = empty_repo / "templates"
    (templates / "parts").mkdir(parents=True)
    for name in "abcd":
        (templates / "parts" / f"{name}.html").write_text(f"{name}\n")
    (templates / "closed.html").write_text(
        '{% extends "base.html" %}{% block content %}{% include "./parts/a.html" %}'
        "{% include 'parts//b.html' %}{% endblock %}\n")
    (templates / "404.html").write_text('{% include "parts/c.html" %}{% if %}\n')
    (templates / "subscribe.html").write_bytes(b'\xff{% include "parts/d.html" %}\n')
    (templates / "notcie.html").write_text("typo\n")
    result = run(empty_repo, "check", "--now", NOW)
    assert (result.exit_code, result.output) == (1, (
        f"templates/notcie.html: warning: {UNUSED} (did you mean 'notice.html'?)\n"
        "templates/404.html:1: Expected an expression, got 'end of statement block'\n"
        "templates/subscribe.html:1: not valid UTF-8 (byte 0xff): save it as UTF-8\n"
        "2 problems found.\n"))
    (templates / "404.html").unlink()
    (templates / "subscribe.html").unlink()
    assert run(empty_repo, "build", "--now", NOW).exit_code == 0
    assert "a\nb\n" in (empty_repo / "site" / "closed" / "index.html").read_text()


def test_check_names_no_override_when_a_template_is_chosen_by_a_variable(
        empty_repo: Path, run: Run) -> None:
    """``{% include name %}`` may render any file: none can be said to be unused."""
    templates = empty_repo / "templates"
    templates.mkdir()
    (templates / "404.html").write_text('{% include "x-" ~ config.language ~ ".html" %}\n')
    (templates / "x-en.html").write_text("x\n")
    result = run(empty_repo, "check", "--now", NOW)
    assert (result.exit_code, result.output) == (
        0, "OK: outpost.yaml and 0 notices are valid.\n")


def test_an_error_inside_a_built_in_template_is_outpost_s_own(
        empty_repo: Path, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    """A template of the package failing on something other than a template error is a
    bug to report, not a problem of the site."""
    from generator.core import times

    def broken(moment: object, zone: object) -> str:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(times, "display_with_zone", broken)
    result = run(empty_repo, "build", "--now", NOW)
    assert (result.exit_code, result.output) == (1, (
        "Error: unexpected failure (ZeroDivisionError: division by zero). Please report it "
        "with the command you ran.\n"))
    assert not (empty_repo / "site").exists()


def test_a_reader_that_leaves_early_gets_no_error(tmp_path: Path) -> None:
    """`outpost list | head -1`: the pipe closes while the table is written; nothing
    more is said (before: "Error: Broken pipe")."""
    from generator.cli.common import OutpostGroup

    group = OutpostGroup(name="outpost")

    @group.command()
    def write() -> None:
        raise BrokenPipeError(32, "Broken pipe")

    from click.testing import CliRunner

    result = CliRunner().invoke(group, ["write"])
    assert (result.exit_code, result.output) == (1, "")


@pytest.mark.parametrize("closed", [">&-", "2>&-", ">&- 2>&-"])
def test_a_command_started_without_stdout_or_stderr_ends_as_usual(
        tmp_path: Path, closed: str) -> None:
    """A supervisor may start a command with standard output or error closed (`>&-`):
    Python then has no stream for it (None), and the exit must not fail on that."""
    root = repo(tmp_path)
    done = subprocess.run(["bash", "-c", f'exec "$@" {closed}', "bash", sys.executable, "-m",
                           "generator", "--root", str(root), "check"],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          timeout=120, check=False)
    assert done.returncode == 0
    assert "Traceback" not in done.stdout + done.stderr


@pytest.mark.parametrize(("given", "known", "hint"), [
    ("api-gatway", ["website", "api-gateway"], "did you mean 'api-gateway'?"),
    ("webb", ["web", "webs", "api"], "did you mean 'web' or 'webs'?"),
    ("mail", ["web", "api"], ""),
])
def test_did_you_mean_names_only_close_ids(given: str, known: list[str], hint: str) -> None:
    assert did_you_mean(close_to(given, known)) == hint
    assert did_you_mean(close_to(given, reversed(known))) == hint  # whatever the order


def test_an_unknown_component_where_none_is_declared_says_none() -> None:
    """A site with no components yet: the message says so once."""
    assert unknown_component("web", []) == "unknown component 'web' (outpost.yaml declares: none)"


def test_an_unknown_component_lists_at_most_twenty_declared_ids() -> None:
    """On a site of thousands of components each message stays one short line."""
    known = [f"c{number}" for number in range(5000)]
    assert unknown_component("zz", known) == (
        f"unknown component 'zz' (outpost.yaml declares: {', '.join(known[:20])} and 4980 "
        "more)")


def test_text_the_output_encoding_cannot_hold_is_escaped_not_a_crash(tmp_path: Path) -> None:
    """Standard output in a legacy encoding (cp1252 on Windows when redirected, a Latin-1
    or EUC-JP locale): a character it lacks is written escaped, as Python writes it on
    standard error, instead of failing the command."""
    root = repo(tmp_path, notices={"2026-11-28-email.md": INCIDENT.replace(
        "type: incident\n", "type: incident\nimpact: bog\u2615\n")})
    result = outpost(root, "check", env={"PYTHONIOENCODING": "cp1252"})
    assert result.returncode == 1
    assert result.stdout == ("notices/2026-11-28-email.md:4: 'impact': expected one of none, "
                             "minor, major, critical, received 'bog\\u2615'\n1 problem found.\n")


def test_a_file_s_problems_past_fifty_are_counted_not_printed(empty_repo: Path) -> None:
    """A notice listing one component 50,000 times printed 50,000 lines (3 MB) from check,
    and as many annotations with --format github: a file shows its first 50, then how
    many more it has; the count at the end is of them all."""
    many = ", ".join(["web"] * 61)
    (empty_repo / "notices" / "x.md").write_text(
        f"---\ntitle: T\ntype: incident\ncomponents: [{many}]\n---\n"
        "## Investigating - 2026-01-01 10:00\nx\n")
    (empty_repo / "notices" / "y.md").write_text("---\ntitle: T\n---\n")
    for output_format, more, twice in [
            ("text", "notices/x.md: ... and 10 more problems in this file, not shown: fix "
                     "the ones above and check again",
             "notices/x.md:4: component 'web' is listed twice"),
            ("github", "::error file=notices/x.md::... and 10 more problems in this file, not "
                       "shown: fix the ones above and check again",
             "::error file=notices/x.md,line=4::component 'web' is listed twice")]:
        result = subprocess.run(
            [sys.executable, "-m", "generator", "--root", str(empty_repo), "check",
             "--format", output_format], capture_output=True, text=True, check=False)
        lines = result.stdout.splitlines()
        assert result.returncode == 1
        assert lines.count(twice) == 50 and more in lines
        assert lines.index(more) == 50  # right after its file's first 50
        assert any("y.md" in line for line in lines[51:])  # the next file's own
        if output_format == "text":
            assert lines[-1] == "61 problems found."  # 60 repeats, and y.md's
