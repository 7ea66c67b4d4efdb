"""``outpost notify``: a thin command over generator.notify.run."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import click

from generator.cli.common import NOW_HELP, Repo, pass_repo, resolve_now

AHEAD_ALLOWED = timedelta(minutes=5)  # clocks that disagree a little


@click.command()
@click.option("--dry-run", is_flag=True, help="Print who would get what; send nothing.")
@click.option("--test", "test_target", metavar="TARGET", default=None,
              help="Send a test message to an email address or a webhook named in "
                   "outpost.yaml; nothing is recorded.")
@click.option("--now", "now_text", metavar="TIME", default=None, help=NOW_HELP)
@pass_repo
def notify(repo: Repo, dry_run: bool, test_target: str | None, now_text: str | None) -> None:
    """Email contacts and call webhooks for every update not sent yet, exactly once."""
    from generator.notify import run

    if dry_run and test_target is not None:
        raise click.UsageError("--dry-run or --test, not both: --test sends a real message")
    now = resolve_now(repo, now_text)
    # A real run records its time: one ahead of the clock would make the record drop what
    # a run at the right time then sends again, and date when new contacts were added.
    if now_text is not None and not dry_run and test_target is None and (
            now > datetime.now(UTC) + AHEAD_ALLOWED):
        raise click.BadParameter(
            "ahead of this machine's clock: a run that sends records its time, and a later "
            "run at the right time would send again what that record then leaves out; use "
            "--dry-run to see what would be sent then", param_hint="'--now'")
    if test_target is not None:
        ctx = run.load(repo.project, now, os.environ, click.echo)
        click.echo(run.send_test(ctx, test_target))
        return
    run.notify(repo.project, repo.wiring.target_kinds, now, os.environ, click.echo,
               dry_run=dry_run)
