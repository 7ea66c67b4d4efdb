"""The install paths that work today (Outpost is not on the package index yet).

The skeleton's workflows install the release tag from git with uv; the README tells
administrators to do the same (or pipx, or a local clone). Git over the network cannot
run here, so the workflow's install step runs as written with only the repository URL
pointed at a local clone carrying the same tag; dependencies come from the package index.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bench.ci import install_lines
from generator import REPOSITORY, __version__, requirement
from generator.app import schema
from generator.notices.scaffold import InitOptions, skeleton_files
from tests.conftest import REPO
from tests.test_readme import section, shell_lines

NO_BOTO3 = "import importlib.util, sys; sys.exit(importlib.util.find_spec('boto3') is not None)"


def _clone(tmp_path: Path) -> Path:
    """A clone of this repository's HEAD with the release tag the workflows name."""
    clone = tmp_path / "outpost"
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(REPO), str(clone)],
                   check=True)
    subprocess.run(["git", "-C", str(clone), "tag", "-f", f"v{__version__}"], check=True,
                   capture_output=True)
    return clone


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    python = Path(getattr(sys, "_base_executable", sys.executable)).parent
    uv = shutil.which("uv") or str(Path(sys.executable).parent / "uv")
    env["PATH"] = os.pathsep.join([str(Path(uv).parent), str(python), "/usr/bin", "/bin"])
    env |= {"RUNNER_TEMP": str(tmp_path / "runner"), "GITHUB_PATH": str(tmp_path / "path"),
            "PYTHONNOUSERSITE": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            # A corporate CA, where there is one, is in the system store.
            "UV_SYSTEM_CERTS": "1", "UV_PYTHON_DOWNLOADS": "never"}
    (tmp_path / "runner").mkdir()
    (tmp_path / "path").write_text("")
    return env


def _run(args: list[str], env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=900, check=False)
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_the_requirement_is_the_release_tag() -> None:
    assert requirement() == f"outpost-status @ git+{REPOSITORY}@v{__version__}"
    assert requirement("1.2.3", extras="s3") == (
        "outpost-status[s3] @ git+https://github.com/outpost-status/outpost@v1.2.3")


@pytest.mark.slow
def test_skeleton_install_step_installs_the_tag_with_uv(tmp_path: Path) -> None:
    clone = _clone(tmp_path)
    files = skeleton_files(InitOptions(), datetime(2026, 11, 28, tzinfo=UTC), schema())
    lines = install_lines(files[".github/workflows/publish.yml"].decode())
    assert lines == install_lines(files[".github/workflows/check.yml"].decode())
    script = "\n".join(lines)
    assert script.count(f"git+{REPOSITORY}@v{__version__}") == 2  # offline, then online
    local = script.replace(f"git+{REPOSITORY}@", f"git+file://{clone}@")
    env = _env(tmp_path)
    _run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", local], env, tmp_path)
    bin_dir = tmp_path / "runner" / "outpost" / "bin"
    assert (tmp_path / "path").read_text() == f"{bin_dir}\n"
    version = _run([str(bin_dir / "outpost"), "--version"], env, tmp_path)
    assert version == f"outpost, version {__version__}\n"
    where = _run([str(bin_dir / "python"), "-c", "import generator; print(generator.__file__)"],
                 env, tmp_path)
    assert where.startswith(str(tmp_path / "runner" / "outpost")), where  # not this checkout
    _run([str(bin_dir / "python"), "-c", NO_BOTO3], env, tmp_path)  # s3 is an extra


@pytest.mark.slow
def test_pip_install_of_a_local_clone_in_a_fresh_venv(tmp_path: Path) -> None:
    # The README's path without uv or pipx: a clone, a virtualenv, pip.
    clone = _clone(tmp_path)
    env = _env(tmp_path)
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], env, tmp_path)
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(clone)], env,
         tmp_path)
    version = _run([str(venv / "bin" / "outpost"), "--version"], env, tmp_path)
    assert version == f"outpost, version {__version__}\n"
    _run([str(venv / "bin" / "python"), "-c", NO_BOTO3], env, tmp_path)
    init = _run([str(venv / "bin" / "outpost"), "init", "site", "--timezone", "UTC"], env,
                tmp_path)
    assert re.search(r"^  2\. Preview: cd site && outpost serve$", init, re.MULTILINE), init


def test_readmes_name_this_version_and_no_index_install() -> None:
    readme = (REPO / "README.md").read_text()
    tags = set(re.findall(r"outpost@(v[\w.]+)", readme))
    assert tags == {f"v{__version__}", "vX.Y.Z"}  # vX.Y.Z: the placeholder in prose
    assert f'pipx install "git+{REPOSITORY}@v{__version__}"' in readme
    assert f'python3 -m pip install "{requirement()}"' in readme
    assert f"git clone --branch v{__version__} {REPOSITORY}" in readme
    # outpost-status is the future name only: no shell example installs it from the index.
    commands = [line for line in shell_lines(readme) if "install" in line]
    assert len(commands) >= 4
    for line in commands:
        spec = re.search(r"install [\"']?outpost-status(.*)", line)
        assert spec is None or spec[1].startswith(("[s3] @ git+", " @ git+")), line
    generated = skeleton_files(InitOptions(), datetime(2026, 11, 28, tzinfo=UTC), schema())
    text = generated["README.md"].decode()
    assert f'pipx install "git+{REPOSITORY}@v{__version__}"' in text
    assert f'python3 -m pip install "{requirement()}"' in text
    assert "not on the Python package index yet" in text


def test_readme_pipx_installs_naming_the_s3_extra_replace_an_install() -> None:
    """pipx over an install of the same package says it is installed already, changes
    nothing and exits 0, so 'When CI is down' (run on a machine with Outpost installed as
    the README showed, without the extra) gave an outpost without boto3."""
    readme = (REPO / "README.md").read_text()
    lines = [line for line in shell_lines(readme) if line.startswith("pipx install")]
    extra = [line for line in lines if "[s3]" in line]
    assert extra, "the README should show the pipx install of the s3 extra"
    assert [line for line in extra if "--force" not in line.split()] == []
    start = section(readme, "Start your own status site")
    assert "`pipx install --force` with\nthat argument" in start
