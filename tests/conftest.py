"""Shared fixtures: example repositories in tmp_path and a CLI runner."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import settings

from generator.app import cli
from tests.publish_support import moto_server, s3_env

pytest_plugins = ["tests.fixtures"]

# Property tests judge results, never speed (bench/ measures that): on a shared or
# loaded machine one slow example must not fail a run, so no per-example deadline.
settings.register_profile("outpost", deadline=None)
settings.load_profile("outpost")

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

# One open incident, its front matter in the simple subset notices are read in.
SLOW_SIGN_IN = """\
---
title: Slow sign-in
type: incident
components: [web]
---
## Investigating - 2026-11-28 05:00
Looking into it.
"""


@pytest.fixture
def small_repo(tmp_path: Path) -> Path:
    """MINIMAL_CONFIG with one notice, notices/slow-sign-in.md."""
    root = tmp_path / "repo"
    (root / "notices").mkdir(parents=True)
    (root / "outpost.yaml").write_text(MINIMAL_CONFIG)
    (root / "notices" / "slow-sign-in.md").write_text(SLOW_SIGN_IN)
    return root


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

    def invoke(root: Path, *args: str, input: str | bytes | None = None) -> Result:
        return CliRunner().invoke(cli, ["--root", str(root), *args], input=input,
                                  catch_exceptions=False)

    return invoke


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """moto's S3 server on loopback, one per test module: its endpoint URL."""
    with moto_server() as url:
        yield url


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Test credentials for boto3 (moto takes any), never the machine's own."""
    for key, value in s3_env().items():
        monkeypatch.setenv(key, value)
