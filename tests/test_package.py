"""The new-company path, end to end: build the wheel, install it into a fresh venv,
init a status repository, post an incident, build, and read the pages.

This catches package-data mistakes (templates, static files, the init skeleton,
subpackages) that the editable install used by the other tests hides.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from generator import __version__

REPO = Path(__file__).resolve().parent.parent
SOURCES = ("generator", "pyproject.toml", "README.md", "LICENSE")


def _run(args: list[str], cwd: Path, env: dict[str, str], stdin: str = ""
         ) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, cwd=cwd, env=env, input=stdin, capture_output=True,
                          text=True, timeout=600, check=False)
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done


def _clean_env(venv: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "TZ")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONNOUSERSITE"] = "1"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


@pytest.mark.slow
def test_wheel_in_a_fresh_venv_inits_and_builds(tmp_path: Path) -> None:
    # A copy of the sources, so the build never writes build/ or *.egg-info into the checkout.
    source = tmp_path / "source"
    source.mkdir()
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy(REPO / name, source / name)
    wheels = tmp_path / "wheels"
    env = _clean_env(tmp_path / "venv")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(wheels),
          str(source)], tmp_path, env)
    (wheel,) = wheels.glob("outpost_status-*.whl")
    assert wheel.name == f"outpost_status-{__version__}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = archive.read(f"outpost_status-{__version__}.dist-info/METADATA").decode()
    for needed in ("generator/render/templates/base.html", "generator/render/static/outpost.css",
                   "generator/notices/skeleton/gitignore", "generator/notices/skeleton/README.md",
                   "generator/notices/skeleton/github/workflows/check.yml",
                   "generator/notices/skeleton/notices/example-delete-me.md",
                   "generator/publish/__init__.py", "generator/notify/__init__.py",
                   "generator/py.typed"):
        assert needed in names, needed
    assert not any(name.startswith(("tests/", "bench/")) for name in names)
    for line in ("Name: outpost-status", f"Version: {__version__}", "License-Expression: MIT",
                 "Requires-Python: >=3.11", "Project-URL: Homepage, "):
        assert line in metadata, line

    # A truly fresh venv: nothing from the base interpreter's site-packages, and the
    # wheel's dependencies installed from the index pip is configured to use, as a new
    # user's 'pip install' gets them. A dependency missing from the metadata fails here.
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], tmp_path, env)
    python = str(venv / "bin" / "python")
    isolated = _run([python, "-c", "import sys; print(sys.prefix != sys.base_prefix, "
                     "any('site-packages' in p and not p.startswith(sys.prefix) "
                     "for p in sys.path))"], tmp_path, env)
    assert isolated.stdout == "True False\n", isolated.stdout
    _run([python, "-m", "pip", "install", "--quiet", str(wheel)], tmp_path, env)
    for module in ("nh3", "cmarkgfm", "watchfiles", "yaml", "jinja2"):
        _run([python, "-c", f"import {module}"], tmp_path, env)
    # Feeds are written without feedgen (and lxml): a site builds without them.
    no_feedgen = subprocess.run([python, "-c", "import feedgen"], capture_output=True,
                                text=True, cwd=tmp_path, env=env, check=False)
    assert "No module named 'feedgen'" in no_feedgen.stderr
    # boto3 comes only with the s3 extra (pip install 'outpost-status[s3]').
    no_boto = subprocess.run([python, "-c", "import boto3"], capture_output=True, text=True,
                             cwd=tmp_path, env=env, check=False)
    assert "No module named 'boto3'" in no_boto.stderr
    work = tmp_path / "work"
    work.mkdir()
    where = _run([python, "-c", "import generator; print(generator.__file__)"], work, env)
    assert where.stdout.startswith(str(venv)), where.stdout  # not this checkout
    outpost = str(venv / "bin" / "outpost")
    assert _run([outpost, "--version"], work, env).stdout == f"outpost, version {__version__}\n"

    init = _run([outpost, "init", "acme-status", "--title", "Acme Status",
                 "--timezone", "America/New_York", "--base-url", "https://status.acme.test/",
                 "--component", "web=Website", "--component", "api=Public API"], work, env)
    assert "  2. Preview: cd acme-status && outpost serve\n" in init.stdout
    root = work / "acme-status"
    assert (root / ".gitignore").read_text().splitlines()[2:4] == ["/site", ".outpost-cache/"]

    # init dates its example notice the day before the real clock: build at the real
    # clock (to the minute) so that the example is closed and the new incident open.
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    _run([outpost, "new", "incident", "Checkout errors", "--impact", "major",
          "--component", "web", "--at", f"{now - timedelta(minutes=15):%Y-%m-%d %H:%M}Z",
          "-m", "Some customers see errors at checkout."], root, env)
    _run([outpost, "check"], root, env)
    built = _run([outpost, "build", "--now", f"{now:%Y-%m-%d %H:%M}Z"], root, env)
    assert built.stdout.startswith("Built ")

    site = root / "site"
    index = (site / "index.html").read_text()
    assert "<title>Open Notifications | Acme Status</title>" in index
    assert "Checkout errors" in index and "Some customers see errors at checkout." in index
    assert "Times in Eastern Time (EST/EDT)." in index
    (page,) = (site / "notices").glob("*-checkout-errors/index.html")
    assert "<h1>Checkout errors</h1>" in page.read_text()
    assert "Example notice: delete this file" in (site / "closed" / "index.html").read_text()
    (css,) = (site / "assets").glob("outpost.*.css")
    assert css.stat().st_size > 1000


def test_test_command_uses_the_active_virtualenv(tmp_path: Path) -> None:
    """README "Two commands": `./scripts/test` inside an activated virtualenv installs into
    and runs from that virtualenv's Python. This venv has no pip, so the script stops at
    its first install, before it touches anything."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    done = subprocess.run(["bash", "-c", f". {venv}/bin/activate && exec ./scripts/test"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.stdout == f"Using {venv}/bin/python3\n", done.stdout + done.stderr
    assert "No module named pip" in done.stderr
    assert done.returncode == 1


def test_test_command_outside_a_virtualenv_on_a_system_managed_python(tmp_path: Path) -> None:
    """A Debian python3 (not a virtualenv, its packages managed by apt): the script stops
    before pip does, with the README's one line. The stand-in answers the two questions
    the script asks an interpreter, as such a python3 would, and nothing else."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "python3"
    fake.write_text("#!/bin/sh\n"
                    'case "$*" in\n'
                    "  *EXTERNALLY-MANAGED*) echo 1 ;;\n"
                    "  *base_prefix*) echo 0 ;;\n"
                    '  *) echo "asked to run: $*" >&2; exit 99 ;;\n'
                    "esac\n")
    fake.chmod(0o755)
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run(["bash", "./scripts/test"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.stdout == f"Using {fake}\n", done.stdout + done.stderr
    assert done.stderr == (
        "This Python's packages are managed by the system (pip refuses to install into it).\n"
        "Make and activate a virtualenv first, then run this again:\n"
        "  python3 -m venv .venv && . .venv/bin/activate\n")
    assert done.returncode == 1
