"""The ``outpost`` command's first step. Loading the commands (click, the settings
schema, every command module) takes a moment, longer on a slow machine: a Ctrl-C or a
SIGTERM then ends the command as one during its work does, with "Aborted!" and exit
status 1, not a Python traceback (README: Exit codes)."""

from __future__ import annotations

import signal
import sys
from typing import NoReturn


def _stopped(signum: int, frame: object) -> NoReturn:
    raise KeyboardInterrupt


def main() -> NoReturn:
    """Load the commands, then run the one asked for (``generator.app.main``), which
    handles Ctrl-C and SIGTERM from then on."""
    signal.signal(signal.SIGTERM, _stopped)
    try:
        from generator.app import main as run_command
    except KeyboardInterrupt:
        sys.stderr.write("\nAborted!\n")  # as click words an interrupted command
        sys.stderr.flush()
        raise SystemExit(1) from None
    run_command()
