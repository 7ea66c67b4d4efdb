"""``outpost check`` and ``outpost build``: thin commands over generator.build."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from generator.cli.common import NOW_HELP, Repo, pass_repo, resolve_now
from generator.config.location import SITE_DIR
from generator.core.errors import Problem
from generator.core.wording import counted

if TYPE_CHECKING:
    from generator.build.inputs import Checked, Project
    from generator.build.store import Store


@click.command()
@click.option("--format", "output_format", type=click.Choice(["text", "github"]),
              default="text", show_default=True,
              help="'github' prints GitHub Actions annotations.")
@click.option("--now", "now_text", metavar="TIME", default=None,
              help=NOW_HELP + " Updates and postmortems dated after it are warned about.")
@click.option("--staged", is_flag=True,
              help="Check the files as git would commit them (staged with git add), not "
                   "as they are on disk: what the pre-commit hook runs.")
@pass_repo
def check(repo: Repo, output_format: str, now_text: str | None, staged: bool) -> None:
    """Validate outpost.yaml, every notice and the template overrides; print every
    problem, and warn about updates and postmortems dated in the future and about files
    in templates/ that change nothing."""
    if staged:
        from dataclasses import replace

        from generator.build.store import open_store
        from generator.cli.staged import staged_site

        # The site's cache, read only: a staged file of the same bytes as one it holds is
        # not parsed again (a commit of one notice among 10,000 parsed all of them), and
        # the copy, which goes away, leaves nothing in it.
        store = open_store(repo.root, read_only=True)
        with staged_site(repo.root) as copy:
            found = _found(repo, replace(repo.project, root=copy), now_text, store)
    else:
        found = _found(repo, repo.project, now_text)
    _report(repo, *found, output_format)


def _found(repo: Repo, project: Project, now_text: str | None, store: Store | None = None
           ) -> tuple[Checked | None, list[Problem], list[Problem]]:
    """What loaded, the problems and the warnings of the site ``project`` reads (the
    repository, or a copy of what is staged, read through ``store``); publish targets
    are checked against the repository itself (its remotes, its folders)."""
    from generator.build.inputs import check as check_repo
    from generator.build.options import DEFAULTS

    checked, problems = check_repo(project, DEFAULTS, store=store)
    warnings: list[Problem] = []
    if checked is not None:
        from generator.config.settings import groups_in_other_capitals, shared_component_names
        from generator.core.timeline import future_updates, late_updates
        from generator.publish.base import target_problems
        from generator.render.overrides import checked_overrides

        checks = repo.wiring.target_checks
        broken, unused = checked_overrides(project.root)
        problems = sorted([*problems, *target_problems(checked.config, repo.root, checks),
                           *broken])
        warnings = sorted([*future_updates(checked.notices, resolve_now(repo, now_text),
                                           checked.config.timezone),
                           *late_updates(checked.notices, checked.config.timezone), *unused,
                           *shared_component_names(project.root, checked.config),
                           *groups_in_other_capitals(project.root, checked.config),
                           *_broken_links(project.root, checked)])
    return checked, problems, warnings


def _broken_links(root: Path, checked: Checked) -> list[Problem]:
    """A warning at each link of a notice that leads nowhere from the notice's page."""
    from generator.notices.grammar import notice_file
    from generator.notices.links import broken_links, notice_may_link

    ids = {notice.id for notice in checked.notices}
    warnings: list[Problem] = []
    for notice in checked.notices:
        if notice_may_link(notice):
            try:
                text = notice_file(root, notice.id).read_text("utf-8")
            except (OSError, UnicodeDecodeError):  # changed since it was read
                continue
            warnings += broken_links(text, notice, checked.config.base_url, ids)
    return warnings


def _report(repo: Repo, checked: Checked | None, problems: list[Problem],
            warnings: list[Problem], output_format: str) -> None:
    from generator.cli.report import format_problems, format_warnings

    if output_format == "github":
        from generator.cli.report import from_workspace

        workspace = Path(os.environ.get("GITHUB_WORKSPACE") or os.getcwd())
        problems = from_workspace(problems, repo.root, workspace)
        warnings = from_workspace(warnings, repo.root, workspace)
    if warnings:
        click.echo(format_warnings(warnings, output_format))
    if problems:
        click.echo(format_problems(problems, output_format))
        sys.exit(1)
    count = len(checked.notices) if checked else 0
    noted = f" ({counted(len(warnings), 'warning')})" if warnings else ""
    click.echo(f"OK: outpost.yaml and {counted(count, 'notice')} are "
               f"valid{noted}.")


@click.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: ROOT/site).")
@click.option("--now", "now_text", metavar="TIME", default=None, help=NOW_HELP)
@pass_repo
def build(repo: Repo, out: Path | None, now_text: str | None) -> None:
    """Render the site; on any problem write nothing."""
    from generator.build.options import BuildOptions
    from generator.build.store import open_store
    from generator.build.uptodate import see_notices, up_to_date

    target = out if out is not None else repo.root / SITE_DIR
    now = resolve_now(repo, now_text)
    options = BuildOptions()
    store = open_store(repo.root)  # once: opening it digests every file of the package
    seen = see_notices(repo.root)  # once, for the check and the build
    count = up_to_date(repo.root, target, now, options, store, seen)
    how = "up to date"
    if count is None:  # only a build that renders imports the renderers and the YAML stack
        from generator.build.builder import build_site

        count, how = build_site(repo.project, target, now, options,
                                keep_alive=repo.wiring.keep_alive, store=store, seen=seen)
    click.echo(built_message(target, count, how))


def built_message(target: Path, count: int, how: str) -> str:
    """What ``outpost build`` says: 'Up to date' when it wrote nothing."""
    if how in ("up to date", "0 changed"):
        return f"Up to date: {target} holds this build ({count} files); nothing was written."
    changed = f" ({how})" if how.endswith(" changed") else ""
    return f"Built {count} files into {target}{changed}"
