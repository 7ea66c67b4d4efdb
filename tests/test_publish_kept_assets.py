"""A publish keeps the previous build's content-hashed assets for one more publish, on
every kind of target: a reader whose browser or CDN still holds the previous pages
(which name the previous stylesheet) gets them styled right after a publish."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.publish.base import Target
from generator.render.manifest import MANIFEST, Manifest, make_manifest, parse_manifest
from tests.publish_support import (
    broken_links,
    build_site,
    drain,
    folder_tree,
    git_tree,
    make_target,
    new_bucket,
    s3_env,
    s3_objects,
)

Served = Callable[[], dict[str, bytes]]


def restyled(site: Path, out: Path) -> tuple[Manifest, str]:
    """``site`` as the next version of Outpost builds it: the same pages with another
    stylesheet, under its own content-hashed name. Returns its manifest and that name."""
    shutil.copytree(site, out)
    [old] = (out / "assets").glob("outpost.*.css")
    css = old.read_bytes() + b"\n/* restyled */\n"
    new = f"assets/outpost.{hashlib.sha256(css).hexdigest()[:10]}.css"
    old.unlink()
    (out / new).write_bytes(css)
    for page in out.rglob("*.html"):
        page.write_text(page.read_text().replace(f"assets/{old.name}", new))
    previous = parse_manifest((site / MANIFEST).read_bytes())
    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*")
             if p.is_file() and p.name != MANIFEST}
    manifest = make_manifest(files, previous.generated_at, previous.inputs)
    (out / MANIFEST).write_bytes(manifest.to_bytes())
    return manifest, new


def target_of(kind: str, root: Path, tmp_path: Path, request: pytest.FixtureRequest,
              monkeypatch: pytest.MonkeyPatch) -> tuple[Target, Served]:
    """A target of ``kind`` on real components, and what it serves."""
    if kind == "dir":
        www = tmp_path / "www"
        entry = f"    type: dir\n    path: {www}\n"
        served: Served = lambda: folder_tree(www / "current")  # noqa: E731
    elif kind == "git":
        remote = tmp_path / "remote.git"
        subprocess.run(["git", "init", "--quiet", "--bare", str(remote)], check=True)
        entry = f"    type: git\n    remote: {remote}\n"
        served = lambda: git_tree(remote)  # noqa: E731
    else:
        for key, value in s3_env().items():
            monkeypatch.setenv(key, value)
        endpoint: str = request.getfixturevalue("endpoint")
        bucket = new_bucket(endpoint)
        entry = (f"    type: s3\n    bucket: {bucket}\n    endpoint_url: {endpoint}\n"
                 "    region: us-east-1\n")
        served = lambda: s3_objects(endpoint, bucket)  # noqa: E731
    return make_target(root, f"  - name: mirror\n{entry}", "mirror"), served


@pytest.mark.parametrize("kind", ["dir", "git", "s3"])
def test_the_previous_stylesheet_is_kept_for_one_more_publish(
        kind: str, small_repo: Path, tmp_path: Path, request: pytest.FixtureRequest,
        monkeypatch: pytest.MonkeyPatch) -> None:
    first_dir = tmp_path / "site-1"
    first = build_site(small_repo, first_dir)
    [first_css] = [p for p in first.files if p.startswith("assets/")]
    second, second_css = restyled(first_dir, tmp_path / "site-2")
    third, third_css = restyled(tmp_path / "site-2", tmp_path / "site-3")
    target, served = target_of(kind, small_repo, tmp_path, request, monkeypatch)
    drain(target.publish(first_dir, first))
    cached_home = (first_dir / "index.html").read_bytes()

    drain(target.publish(tmp_path / "site-2", second))
    files = served()
    assert first_css in files and second_css in files
    assert second_css.encode() in files["index.html"]
    # The home page a browser or CDN held from the first build still finds its styles.
    assert broken_links({**files, "index.html": cached_home}) == []
    assert target.counts.deleted == 0
    drain(target.verify(tmp_path / "site-2"))

    # Publishing the same build again keeps them: no reader holds a newer page yet.
    drain(target.publish(tmp_path / "site-2", second))
    assert first_css in served()
    drain(target.verify(tmp_path / "site-2"))

    # The next build's publish removes the first build's, and keeps the second's.
    drain(target.publish(tmp_path / "site-3", third))
    files = served()
    assert first_css not in files and {second_css, third_css} <= set(files)
    assert target.counts.deleted == 1
    drain(target.verify(tmp_path / "site-3"))


@pytest.mark.parametrize("kind", ["dir", "git", "s3"])
def test_other_stale_files_are_removed_at_once(
        kind: str, small_repo: Path, tmp_path: Path, request: pytest.FixtureRequest,
        monkeypatch: pytest.MonkeyPatch) -> None:
    first = build_site(small_repo, tmp_path / "site-1")
    (small_repo / "notices" / "slow-sign-in.md").rename(
        small_repo / "notices" / "sign-in-delays.md")
    second = build_site(small_repo, tmp_path / "site-2")
    target, served = target_of(kind, small_repo, tmp_path, request, monkeypatch)
    drain(target.publish(tmp_path / "site-1", first))
    drain(target.publish(tmp_path / "site-2", second))
    files = served()
    assert "notices/slow-sign-in/index.html" not in files
    assert "notices/sign-in-delays/index.html" in files
    assert target.counts.deleted == len(set(first.files) - set(second.files)) > 0
