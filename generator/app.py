"""The composition root: the one place that lists what Outpost is made of.

The settings sections the features add to outpost.yaml, the producers of the site, the
publish target types and the commands are listed here, explicitly; nothing registers
itself by being imported. Imports of heavy modules stay inside functions so that
``outpost update`` starts fast.
"""

from __future__ import annotations

import atexit
import io
import os
import signal
import sys
import threading
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from generator.cli import authoring, build, init, notify, publish
from generator.cli.common import Wiring, make_group
from generator.core.errors import StopRequested

if TYPE_CHECKING:
    from generator.build.inputs import Project
    from generator.build.pipeline import Recipe
    from generator.config.settings import Schema
    from generator.core.errors import Problem
    from generator.publish.base import Target
    from generator.publish.settings import TargetSettings


@cache
def schema() -> Schema:
    """outpost.yaml: the core settings plus the features' sections, in this order.
    (Made on first use: a build with nothing to do never imports the YAML stack.)"""
    from generator.config.settings import Schema, Section
    from generator.notify.settings import FIELD as NOTIFY_FIELD
    from generator.notify.settings import check_section as check_notify
    from generator.publish.settings import PUBLISH_FIELD

    return Schema(sections=(
        Section(PUBLISH_FIELD),
        Section(NOTIFY_FIELD, check_notify),
    ))


def recipe() -> Recipe:
    """Every output family of the site, one producer each; then the finishers, which see
    every produced file (headers, then the manifest of them all)."""
    from generator.build.pipeline import Recipe
    from generator.render import (
        api,
        calendar,
        components,
        embeds,
        feeds,
        headers,
        pages,
        uptime,
    )

    return Recipe(
        producers=(pages.render_pages, components.render_component_pages, uptime.render_uptime,
                   feeds.render_feeds, calendar.render_calendar, api.render_api,
                   embeds.render_embeds),
        finishers=(headers.finish,),
        # When the builder starts a second process, the first three run here: they read
        # every component's history (computed once, here), and make most of the site's
        # pages and keys; the others run there. Measured: the two sides take about as
        # long at 1,000 and 10,000 notices.
        split=3,
    )


def _folder_target(settings: TargetSettings, root: Path) -> Target:
    from generator.publish.folder import FolderTarget

    return FolderTarget(settings, root)


def _git_target(settings: TargetSettings, root: Path) -> Target:
    from generator.publish.git import GitTarget

    return GitTarget(settings, root)


def _s3_target(settings: TargetSettings, root: Path) -> Target:
    from generator.publish.s3 import S3Target

    return S3Target(settings, root)


# publish: type -> the target; each imported only when a target of that type is used.
TARGET_KINDS = {"dir": _folder_target, "git": _git_target, "s3": _s3_target}

def _git_check(settings: TargetSettings, root: Path) -> Problem | None:
    from generator.publish.git import check_remote

    return check_remote(settings, root)


def _folder_check(settings: TargetSettings, root: Path) -> Problem | None:
    from generator.publish.folder import check_folder

    return check_folder(settings, root)


# publish: type -> what 'outpost check' can tell about such a target beyond outpost.yaml.
TARGET_CHECKS = {"dir": _folder_check, "git": _git_check}

WIRING = Wiring(schema=schema, recipe=recipe, target_kinds=TARGET_KINDS,
                target_checks=TARGET_CHECKS)

COMMANDS: tuple[click.Command, ...] = (
    init.init,
    build.check,
    build.build,
    authoring.serve,
    authoring.new,
    authoring.update,
    authoring.resolve,
    authoring.postmortem,
    authoring.list_notices,
    publish.publish,
    publish.verify,
    notify.notify,
)

cli = make_group(WIRING, COMMANDS)


def main() -> NoReturn:
    """Console entry point: one command, then the process ends (``leave``), so the
    command's work is never freed object by object (``Wiring.keep_alive``)."""
    _escape_what_stdout_cannot_encode()
    signal.signal(signal.SIGTERM, _stop_requested)
    try:
        make_group(replace(WIRING, keep_alive=[]), COMMANDS)(prog_name="outpost")
    except SystemExit as done:
        if done.code is None or isinstance(done.code, int):
            leave(done.code or 0)
        raise
    leave(0)


def _stop_requested(signum: int, frame: object) -> NoReturn:
    """SIGTERM ends a command as Ctrl-C does: what it was doing is named and cleaned up
    (a publish names the target it stopped), where the default ended the process on the
    spot with status 143, which no caller of Outpost expects (README: Exit codes)."""
    raise StopRequested()


def _escape_what_stdout_cannot_encode() -> None:
    """Standard output in a legacy encoding (cp1252 when redirected on Windows, a
    Latin-1 or EUC-JP locale) takes a title or value it cannot hold as Python writes it
    on standard error (``\\u2615``), instead of failing the command there."""
    if isinstance(sys.stdout, io.TextIOWrapper) and sys.stdout.errors == "strict":
        sys.stdout.reconfigure(errors="backslashreplace")


def leave(code: int) -> NoReturn:
    """End the process once a command is done, without tearing the interpreter down:
    freeing every object a build made, one by one, takes tens of milliseconds and
    serves no one. Exit handlers run and output is flushed as at a normal exit; with
    other threads still running, it is a normal exit."""
    if threading.active_count() > 1:
        sys.exit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        if stream is None:  # started with that descriptor closed ('>&-'): nothing to flush
            continue
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: what Python's own exit reports
            code = code or 120
    os._exit(code)


def project(root: Path) -> Project:
    """The repository at ``root`` with this program's schema and recipe (for builds run
    from code: tests, benchmarks, scripts)."""
    from generator.build.inputs import Project

    return Project(root, schema, recipe)
