"""The ``outpost`` command: thin click commands over library functions."""

from __future__ import annotations

import importlib
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from generator import __version__
from generator.core.errors import OutpostError, ProblemsFound


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
        except OSError as exc:
            click.echo(f"Error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "),
                       err=True)
            ctx.exit(1)
        except Exception as exc:
            click.echo(f"Error: unexpected failure ({type(exc).__name__}: {exc}). "
                       "Please report it with the command you ran.", err=True)
            ctx.exit(1)


class Repo:
    """The notices repository selected with --root."""

    def __init__(self, root: Path) -> None:
        self.root = root


pass_repo = click.make_pass_decorator(Repo)


@click.group(cls=OutpostGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="outpost")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=".",
              show_default=True, help="The notices repository (holds outpost.yaml).")
@click.pass_context
def cli(ctx: click.Context, root: Path) -> None:
    """Outpost: status notifications as a static site."""
    ctx.obj = Repo(root.absolute())


def resolve_now(root: Path, text: str | None) -> datetime:
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
    from generator.config.settings import load_config

    try:
        return parse_now(text, load_config(root).timezone)
    except InputError as exc:
        raise click.BadParameter(str(exc), param_hint="'--now'") from None


NOW_HELP = ("Pin the clock: 'YYYY-MM-DD HH:MM' in the site zone, with an optional offset, or "
            "ISO 8601 such as 2026-11-28T12:00:00Z. Default: now.")


@cli.command()
@click.option("--format", "output_format", type=click.Choice(["text", "github"]),
              default="text", show_default=True,
              help="'github' prints GitHub Actions annotations.")
@pass_repo
def check(repo: Repo, output_format: str) -> None:
    """Validate outpost.yaml and every notice; print every problem."""
    from generator.build.pipeline import check as check_repo
    from generator.cli.report import format_problems

    checked, problems = check_repo(repo.root)
    if problems and output_format == "github":
        from generator.cli.report import from_workspace

        workspace = os.environ.get("GITHUB_WORKSPACE") or os.getcwd()
        problems = from_workspace(problems, repo.root, Path(workspace))
    if problems:
        click.echo(format_problems(problems, output_format))
        sys.exit(1)
    count = len(checked.notices) if checked else 0
    click.echo(f"OK: outpost.yaml and {count} notice{'s' if count != 1 else ''} are valid.")


@cli.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: ROOT/site).")
@click.option("--now", "now_text", metavar="TIME", default=None, help=NOW_HELP)
@pass_repo
def build(repo: Repo, out: Path | None, now_text: str | None) -> None:
    """Render the site; on any problem write nothing."""
    from generator.build.pipeline import build as build_site

    target, count = build_site(repo.root, out, resolve_now(repo.root, now_text))
    click.echo(f"Built {count} files into {target}")


def main() -> None:
    """Console entry point."""
    cli(prog_name="outpost")


# Modules that add commands to ``cli`` (``from generator.cli.site import cli`` then
# ``@cli.command()``), one line each. They keep heavy imports inside the command
# functions so that start-up stays lean.
COMMAND_MODULES: tuple[str, ...] = (
    "generator.cli.notify",
    "generator.cli.publish",
    "generator.cli.init",
    "generator.cli.authoring",
)

for _module in COMMAND_MODULES:
    importlib.import_module(_module)

__all__ = ["OutpostError", "ProblemsFound", "cli", "main"]
