"""What every command shares: the group, the repository it works on, the clock.

The group is made by the composition root (generator/app.py), which hands each command
the repository with its wiring (settings schema, site recipe, publish target types)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from generator import __version__

if TYPE_CHECKING:
    from generator.build.inputs import Project
    from generator.build.pipeline import Recipe
    from generator.config.settings import Schema
    from generator.core.model import Config
    from generator.publish.base import TargetChecks, TargetKinds


class OutpostGroup(click.Group):
    """Turns every failure into a short message and exit code 1; exit code 2 stays
    click's own, for usage errors (see "Exit codes" in the README)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:
            raise click.Abort() from None
        except BrokenPipeError:  # the reader left ('outpost list | head -1'): nothing
            _quiet_stdout()     # to tell it, and nothing more to write at exit
            ctx.exit(1)
        except OSError as exc:
            from generator.disk import refused_write  # only on error paths

            # A file size limit named as such: 'File too large' alone read as a full disk.
            # What to do is not said: the command that failed is not known here.
            said, _ = refused_write(exc, retry="")
            click.echo(f"Error: {said}: {exc.filename or ''}".rstrip(": "), err=True)
            ctx.exit(1)
        except Exception as exc:
            click.echo(f"Error: unexpected failure ({type(exc).__name__}: {exc}). "
                       "Please report it with the command you ran.", err=True)
            ctx.exit(1)


def _quiet_stdout() -> None:
    """Point standard output at the null device: a pipe whose reader is gone would
    fail again when Python flushes it on the way out."""
    import os
    import sys

    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
    except (OSError, ValueError):  # no real standard output (a test's runner)
        pass


@dataclass(frozen=True)
class Wiring:
    """What the composition root gives every command."""

    schema: Callable[[], Schema]
    recipe: Callable[[], Recipe]
    target_kinds: TargetKinds
    target_checks: TargetChecks = field(default_factory=dict)
    # Set by the console entry point, which ends the process after one command: where
    # that command leaves the objects of its work (a build's), never freed one by one.
    # None where the process goes on (tests, an embedding program).
    keep_alive: list[object] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Repo:
    """The notices repository: --root, or the folder holding outpost.yaml found from the
    current folder (``given`` tells which); and the wiring."""

    root: Path
    wiring: Wiring
    given: bool = True

    @property
    def project(self) -> Project:
        from generator.build.inputs import Project

        return Project(self.root, self.wiring.schema, self.wiring.recipe)

    def config(self) -> Config:
        return self.wiring.schema().load(self.root)


pass_repo = click.make_pass_decorator(Repo)


def make_group(wiring: Wiring, commands: Sequence[click.Command]) -> click.Group:
    """The ``outpost`` group with ``commands``."""

    @click.group(cls=OutpostGroup, context_settings={"help_option_names": ["-h", "--help"]})
    @click.version_option(__version__, "--version", prog_name="outpost")
    @click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None,
                  help="The notices repository (holds outpost.yaml). Default: the current "
                       "folder or the nearest parent holding outpost.yaml, up to the git "
                       "repository's root.")
    @click.pass_context
    def cli(ctx: click.Context, root: Path | None) -> None:
        """Outpost: status notifications as a static site."""
        if root is not None:
            ctx.obj = Repo(root.absolute(), wiring)
            return
        from generator.config.location import find_site

        here = Path.cwd()
        ctx.obj = Repo(find_site(here) or here, wiring, given=False)

    for command in commands:
        cli.add_command(command)
    return cli


def resolve_now(repo: Repo, text: str | None) -> datetime:
    """--now in the site zone, or the real clock."""
    if text is None:
        return datetime.now(UTC).replace(microsecond=0)
    from generator.core.errors import InputError
    from generator.core.times import has_offset, parse_now

    if has_offset(text):  # the site zone cannot change the result: skip outpost.yaml
        from zoneinfo import ZoneInfo

        try:
            return parse_now(text, ZoneInfo("UTC"))
        except InputError:
            pass  # worded below, with the site zone
    try:
        return parse_now(text, repo.config().timezone)
    except InputError as exc:
        raise click.BadParameter(str(exc), param_hint="'--now'") from None


def utf8_text(raw: bytes, source: str, fix: str) -> str:
    """``raw`` as text; an error naming ``source``, its first byte that is not UTF-8 and
    that byte's line (or that it is UTF-16), and ``fix``."""
    from generator.core.errors import utf8

    try:
        return utf8(raw)
    except UnicodeDecodeError as exc:
        from generator.core.errors import UTF16, OutpostError, byte_line, saved_as_utf16

        if saved_as_utf16(raw):
            raise OutpostError(f"{source}: {UTF16}: {fix}") from None
        line = byte_line(raw, exc.start)
        raise OutpostError(f"{source}: not valid UTF-8 (byte 0x{raw[exc.start]:02x} at line "
                           f"{line}): {fix}") from None


def argument_text(value: str, option: str,
                  fix: str = "set the terminal to UTF-8") -> str:
    """A command-line value as the UTF-8 text the shell passed, refused when its bytes
    are not UTF-8 (Python keeps bytes its locale cannot decode as lone surrogates, which
    no file or message can hold: in the C locale with UTF-8 mode off, every non-ASCII
    byte of valid UTF-8 too)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        try:
            raw = value.encode("utf-8", "surrogateescape")  # the bytes as given
        except UnicodeEncodeError:
            raw = value.encode("utf-8", "surrogatepass")
        return utf8_text(raw, option, fix)
    return value


NOW_HELP = ("Pin the clock: 'YYYY-MM-DD HH:MM' in the site zone, with an optional offset, or "
            "ISO 8601 such as 2026-11-28T12:00:00Z. Default: now.")
