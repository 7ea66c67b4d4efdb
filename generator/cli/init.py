"""The ``outpost init`` command: thin over generator.notices.scaffold."""

from __future__ import annotations

import os
import shlex
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from generator.cli.common import Repo, argument_text, pass_repo


def _choose_zone(given: str | None) -> str:
    """--timezone, or the machine's zone: confirmed on a terminal, announced otherwise."""
    from generator.core.errors import InputError
    from generator.core.times import load_zone
    from generator.notices.scaffold import detect_timezone

    if given is not None:
        return given
    zone, source = detect_timezone(os.environ)
    if not sys.stdin.isatty():
        click.echo(f"Time zone: {zone} (from {source}). Not asked because input is not a "
                   "terminal; pass --timezone to choose another.", err=True)
        return zone
    if click.confirm(f"Time zone for the site: {zone} (from {source}). Use it?", default=True):
        return zone

    def check_zone(value: str) -> str:
        try:
            load_zone(value.strip())
        except InputError as exc:
            raise click.BadParameter(str(exc)) from None
        return value.strip()

    answer: str = click.prompt("IANA time zone (such as America/Chicago)",
                               value_proc=check_zone)
    return answer


def _shown(path: Path) -> str:
    """``path`` as the user would type it from here."""
    try:
        relative = path.relative_to(Path.cwd())
    except ValueError:
        return str(path)
    return str(relative) if str(relative) != "." else "."


@click.command()
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@click.option("--title", default=None, help="Site title (default: 'Service Status').")
@click.option("--timezone", default=None, metavar="ZONE",
              help="IANA zone such as America/Chicago (default: this machine's zone, "
                   "confirmed).")
@click.option("--base-url", default=None, metavar="URL",
              help="Public URL the site will be served from.")
@click.option("--component", "components", multiple=True, metavar="ID=NAME",
              help="A component notices can affect, such as 'web=Website'. Repeatable.")
@click.option("--force", is_flag=True, help="Overwrite files that exist already.")
@pass_repo
def init(repo: Repo, directory: Path | None, title: str | None, timezone: str | None,
         base_url: str | None, components: tuple[str, ...], force: bool) -> None:
    """Create a ready status repository in DIRECTORY.

    DIRECTORY defaults to --root, else the current folder. Existing files are never
    overwritten without --force; without DIRECTORY, nor is a site made in a subfolder
    of another site.
    """
    from generator.config.location import enclosing_site
    from generator.core.errors import InputError, OutpostError
    from generator.notices.scaffold import (
        EXAMPLE_NOTICE,
        make_options,
        skeleton_files,
        write_repository,
    )

    default = repo.root if repo.given else Path.cwd()
    target = (directory if directory is not None else default).absolute()
    # The mistake to catch: 'outpost init' typed in a site's subfolder (notices/), which
    # would nest a second site there. A DIRECTORY given on purpose is left alone.
    outer = enclosing_site(target) if directory is None else None
    if outer is not None and not force:
        raise OutpostError(f"{target} is inside the status site at {outer} (its outpost.yaml): "
                           "a site here would be a second, separate one. Run 'outpost init' "
                           "in a folder outside it, or add --force to make one anyway.")
    title, timezone, base_url = (None if value is None else argument_text(value, option)
                                 for option, value in (("--title", title),
                                                       ("--timezone", timezone),
                                                       ("--base-url", base_url)))
    components = tuple(argument_text(text, "--component") for text in components)
    try:
        options = make_options(title, _choose_zone(timezone), base_url, components)
    except InputError as exc:  # a value that is not one: called wrongly (exit 2)
        raise click.UsageError(str(exc)) from None
    files = skeleton_files(options, datetime.now(UTC), repo.wiring.schema())
    written = write_repository(target, files, force)
    where = _shown(target)
    click.echo(f"Created a status repository in {where} ({options.title}, "
               f"{options.timezone}):")
    for name in written:
        click.echo(f"  {name}")
    go = "" if where == "." else f"cd {shlex.quote(where)} && "  # pasted into a shell
    edit = "title, base_url, components" if not options.base_url_given else \
        "title, components and the commented settings"
    click.echo("\nNext steps:")
    click.echo(f"  1. Edit {'' if where == '.' else where + '/'}outpost.yaml ({edit}), "
               f"then delete {EXAMPLE_NOTICE} and write your first notice.")
    click.echo(f"  2. Preview: {go}outpost serve")
    # 'git branch -M main' after the commit, not 'git init -b main': in a clone of an
    # empty repository git ignores -b, and a 'master' branch never runs Publish.
    click.echo(f"  3. Push: {go}git init && git add . && git commit -m 'Status site' && "
               "git branch -M main, then add a GitHub remote and git push. Pull requests run "
               "the Check workflow; main runs Publish.")
