"""``outpost publish`` and ``outpost verify``: thin commands over generator.publish."""

from __future__ import annotations

from pathlib import Path

import click

from generator.cli.common import Repo, pass_repo
from generator.config.location import SITE_DIR

SITE_HELP = "The built site to publish (default: ROOT/site)."


@click.command()
@click.argument("names", nargs=-1, metavar="[NAME]...")
@click.option("--site", "site_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help=SITE_HELP)
@click.option("-q", "--quiet", is_flag=True,
              help="Print only the summaries (and what --force published over).")
@click.option("--primary", is_flag=True,
              help="Only the primary target (the first in publish:).")
@click.option("--mirrors", is_flag=True, help="Every target but the primary.")
@click.option("--force", is_flag=True,
              help="Publish to a target even when it was last published from a git commit "
                   "this clone's HEAD does not include (a clone not pulled, another "
                   "branch): for a deliberate rollback.")
@pass_repo
def publish(repo: Repo, names: tuple[str, ...], site_dir: Path | None, quiet: bool,
            primary: bool, mirrors: bool, force: bool) -> None:
    """Publish the built site to each named target (default: all), independently."""
    from generator.build.inputs import inputs_digest, load_valid
    from generator.core.errors import OutpostError
    from generator.publish.base import target_settings, targets_from_config
    from generator.publish.runner import (
        FORCED,
        WAITING,
        publish_failure_report,
        publish_targets,
        read_site,
    )
    from generator.render.manifest import BUILD_INPUTS

    if primary and mirrors:  # one flag silently winning would skip half the targets
        raise click.UsageError("--primary or --mirrors, not both")
    only = "primary" if primary else "mirrors" if mirrors else None
    if only is not None and names:
        raise click.UsageError(f"--{only} or target names, not both")
    checked = load_valid(repo.project, "Publish stopped: nothing was published.")
    if only is not None:  # chosen by name: a target not chosen is never set up
        listed = [t.name for t in target_settings(checked.config)]
        names = tuple(listed[:1] if only == "primary" else listed[1:])
        if listed and not names:
            click.echo("No mirrors: publish: lists the primary target only.")
            return
    targets = targets_from_config(checked.config, repo.root, repo.wiring.target_kinds, names)
    site = site_dir.absolute() if site_dir is not None else repo.root / SITE_DIR
    manifest = read_site(site)
    if not manifest.built_from(inputs_digest(repo.root, checked.digests)):
        raise OutpostError(f"{site} was built before the latest changes to the "
                           f"{BUILD_INPUTS}: run 'outpost build' first. Nothing was "
                           "published.")

    def echo(line: str) -> None:
        # A build forced over a newer one is said even with -q: the summary's 'ok' alone
        # hid that a colleague's notices were just replaced; and a wait, which looked hung.
        if not quiet or any(mark in line for mark in (": ok: ", ": FAILED", FORCED,
                                                      WAITING)):
            click.echo(line)

    summaries = publish_targets(targets, site, manifest, echo, root=repo.root,
                                force=force)
    failed = [target for target, s in zip(targets, summaries, strict=True) if not s.ok]
    if failed:
        raise OutpostError(publish_failure_report(
            failed, {summary.name for summary in summaries if summary.live},
            {summary.name for summary in summaries if summary.untouched}))


VERIFY_SITE_HELP = ("A built site on this machine (default: ROOT/site, if there): a target "
                    "read without its url that serves another build, made no later, fails. "
                    "Files it holds with the manifest's hash are checked by the content id the "
                    "target lists instead of being read back. Never trusted: any other file is "
                    "read back.")


@click.command()
@click.argument("names", nargs=-1, metavar="[NAME]...")
@click.option("--site", "site_dir", type=click.Path(exists=True, file_okay=False,
                                                     path_type=Path),
              default=None, help=VERIFY_SITE_HELP)
@pass_repo
def verify(repo: Repo, names: tuple[str, ...], site_dir: Path | None) -> None:
    """Read back each target's manifest and check every published file's hash."""
    from generator.core.errors import OutpostError
    from generator.publish.base import targets_from_config
    from generator.publish.runner import failure_report, verify_targets

    targets = targets_from_config(repo.config(), repo.root, repo.wiring.target_kinds, names)
    site = site_dir.absolute() if site_dir is not None else repo.root / SITE_DIR
    results = verify_targets(targets, click.echo, site_dir=site if site.is_dir() else None)
    failed = [name for name, error in results if error is not None]
    if failed:
        raise OutpostError(failure_report(failed, "verify"))
