"""Shared fixtures: example repositories in tmp_path and a CLI runner."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from generator.app import cli

pytest_plugins = ["tests.fixtures"]

REPO = Path(__file__).resolve().parent.parent
FIXED_NOW = "2026-11-28T12:00:00Z"


@pytest.fixture
def example_repo(tmp_path: Path) -> Path:
    """A copy of this repository's example notices and settings."""
    root = tmp_path / "repo"
    root.mkdir()
    shutil.copy(REPO / "outpost.yaml", root / "outpost.yaml")
    shutil.copytree(REPO / "notices", root / "notices")
    return root


MINIMAL_CONFIG = """\
title: Test Status
base_url: https://status.example.org/
timezone: America/Chicago
components:
  - id: web
    name: Web
  - id: api
    name: API
"""


@pytest.fixture
def empty_repo(tmp_path: Path) -> Path:
    """A repository with a minimal outpost.yaml and no notices."""
    root = tmp_path / "repo"
    (root / "notices").mkdir(parents=True)
    (root / "outpost.yaml").write_text(MINIMAL_CONFIG)
    return root


Run = Callable[..., Result]


@pytest.fixture
def run() -> Run:
    """Run the real CLI in-process: run(root, "build", "--now", ...)."""

    def invoke(root: Path, *args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(cli, ["--root", str(root), *args], input=input,
                                  catch_exceptions=False)

    return invoke
