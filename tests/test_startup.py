"""Lean start-up: check and update never import the rendering or publishing stacks."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import Run

HEAVY = ("jinja2", "cmarkgfm", "nh3", "feedgen", "lxml", "dateutil", "boto3", "botocore",
         "watchfiles")
def imported_after(root: Path, *args: str) -> tuple[int, list[str]]:
    """Run the real CLI in a fresh interpreter; its exit code and the heavy modules loaded."""
    code = textwrap.dedent(f"""
        import sys
        from generator.app import cli
        try:
            cli.main({["--root", str(root), *args]!r}, prog_name="outpost")
        except SystemExit as exc:
            code = exc.code or 0
        else:
            code = 0
        heavy = sorted({{m.split(".")[0] for m in sys.modules}} & set({HEAVY!r}))
        print("HEAVY=" + ",".join(heavy))
        sys.exit(code)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, timeout=120)
    line = next(x for x in done.stdout.splitlines() if x.startswith("HEAVY="))
    return done.returncode, [m for m in line[len("HEAVY="):].split(",") if m]


def test_check_imports_nothing_heavy(small_repo: Path) -> None:
    assert imported_after(small_repo, "check") == (0, [])
    assert imported_after(small_repo, "check") == (0, [])  # with the cache warm


def test_update_imports_nothing_heavy(small_repo: Path) -> None:
    code, heavy = imported_after(small_repo, "update", "slow-sign-in", "--message", "Still slow.",
                                 "--at", "2026-11-28 05:30")
    assert (code, heavy) == (0, [])
    assert "## Update - 2026-11-28 05:30\nStill slow." in (
        small_repo / "notices" / "slow-sign-in.md").read_text()


def test_build_does_import_the_renderer(small_repo: Path) -> None:
    """The probe works: a build needs Jinja and Markdown."""
    code, heavy = imported_after(small_repo, "build", "--now", "2026-11-28T12:00:00Z")
    assert code == 0
    assert {"jinja2", "cmarkgfm", "nh3"} <= set(heavy)
    assert not {"feedgen", "lxml", "dateutil"} & set(heavy)  # feeds are written directly


@pytest.mark.parametrize(("args", "code"), [
    (("list",), 0),
    (("build", "--now", "2026-11-28T12:00:00Z"), 0),
    (("check", "--now", "2026-11-28T12:00:00Z"), 1),
    (("nonsense",), 2),
])
def test_the_process_ends_with_all_its_output_and_its_exit_code(
        example_repo: Path, run: Run, tmp_path: Path, args: tuple[str, ...], code: int) -> None:
    """The console entry point ends the process without tearing the interpreter down:
    output written to a file (fully buffered) still arrives whole, with the same exit
    code as the command run in-process."""
    if code == 1:
        (example_repo / "notices" / "broken.md").write_text("---\ntitle: x\n")
    expected = run(example_repo, *args)
    if args[0] == "build":
        (example_repo / "site").rename(tmp_path / "first")
    with (tmp_path / "out.txt").open("w") as out, (tmp_path / "err.txt").open("w") as err:
        done = subprocess.run([sys.executable, "-m", "generator", "--root", str(example_repo),
                               *args], stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                              check=False)
    assert done.returncode == expected.exit_code == code
    assert (tmp_path / "out.txt").read_text() == expected.stdout
    # In-process, click names the program after the group object.
    assert (tmp_path / "err.txt").read_text() == expected.stderr.replace("cli ", "outpost ")


@pytest.mark.parametrize("sent", ["SIGINT", "SIGTERM"])
def test_a_stop_while_the_commands_load_is_aborted_not_a_traceback(sent: str) -> None:
    """Ctrl-C (or SIGTERM) in the moment the command's modules load, before any command
    runs, ends as during a command: "Aborted!" and status 1. It was a Python traceback
    and status -2. The signal is real, sent as generator.app starts loading."""
    code = textwrap.dedent(f"""
        import importlib.abc, os, signal, sys

        class Interrupting(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path, target=None):
                if name == "generator.app":
                    os.kill(os.getpid(), signal.{sent})
                return None

        # As in a terminal: a shell running the tests in the background (CI) starts its
        # children with Ctrl-C ignored, which Python keeps.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        sys.meta_path.insert(0, Interrupting())
        sys.argv = ["outpost", "--version"]
        from generator.entry import main
        main()
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    assert (done.returncode, done.stdout, done.stderr) == (1, "", "\nAborted!\n")
