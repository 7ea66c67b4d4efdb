"""The ``git`` target: one commit per publish on a branch (e.g. GitHub Pages' gh-pages).

Everything happens in a private temporary bare repository, with plumbing only:
``hash-object``, a temporary index (``GIT_INDEX_FILE``) with ``update-index`` and
``write-tree``, ``commit-tree``, then ``push --force-with-lease=<ref>:<tip we read>``.
The user's work tree and index are never touched. A push rejected because someone
else published meanwhile is a TransientError: the runner retries from a fresh fetch.

State records live as files on a separate branch (``state_branch``), never served.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path

from generator.build.output import live_temp_dir
from generator.config.location import CONFIG_FILE
from generator.core.errors import Problem, ProblemsFound
from generator.publish.base import (
    Counts,
    PublishError,
    TransientError,
    check_state_name,
)
from generator.publish.settings import TargetSettings
from generator.publish.verify import check_files, load_published_manifest, verify_http
from generator.render.manifest import MANIFEST, Manifest

_IDENTITY = {"GIT_AUTHOR_NAME": "Outpost", "GIT_AUTHOR_EMAIL": "outpost@localhost",
             "GIT_COMMITTER_NAME": "Outpost", "GIT_COMMITTER_EMAIL": "outpost@localhost"}
_TRANSIENT = ("could not read from remote", "unable to access", "connection refused",
              "connection reset", "timed out", "stale info", "rejected", "failed to push",
              "early eof", "the remote end hung up", "could not resolve host",
              "temporary failure", "internal server error", "502", "503", "504")
_EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


class Workspace:
    """A temporary bare repository used to build and push commits."""

    def __init__(self, folder: Path, remote: str) -> None:
        self.folder = folder
        self.remote = remote
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")
               or k.startswith(("GIT_AUTHOR_", "GIT_COMMITTER_", "GIT_CONFIG_",
                                "GIT_SSH", "GIT_ASKPASS", "GIT_TERMINAL_PROMPT"))}
        for key, value in _IDENTITY.items():
            env.setdefault(key, value)
        env["GIT_DIR"] = str(folder)
        env.setdefault("GIT_TERMINAL_PROMPT", "0")
        self.env = env
        self.git("init", "--quiet", "--bare", str(folder))

    def git(self, *args: str, input: bytes | None = None,
            env: Mapping[str, str] | None = None) -> bytes:
        result = subprocess.run(["git", *args], input=input, capture_output=True,
                                env={**self.env, **(env or {})}, check=False)
        if result.returncode != 0:
            message = result.stderr.decode("utf-8", "replace").strip().splitlines()
            # push --porcelain reports refused refs on stdout: "!\t<ref>\t[rejected] (why)"
            refused = [line.split("\t")[-1] for line in
                       result.stdout.decode("utf-8", "replace").splitlines()
                       if line.startswith("!")]
            text = f"git {args[0]}: " + (" / ".join(refused + message[-2:])
                                         or f"exit {result.returncode}")
            if args[0] in ("fetch", "push", "ls-remote") and any(
                    marker in text.lower() for marker in _TRANSIENT):
                raise TransientError(text)
            raise PublishError(text)
        return result.stdout

    def fetch_tip(self, branch: str) -> str | None:
        """Fetch ``branch`` from the remote; return its commit id, or None if absent."""
        listing = self.git("ls-remote", "--", self.remote, f"refs/heads/{branch}").decode()
        if not listing.strip():
            return None
        tip = listing.split()[0]
        self.git("fetch", "--quiet", "--no-tags", "--depth=1", self.remote,
                 f"+refs/heads/{branch}:refs/outpost/{branch}")
        return tip

    def write_tree(self, blobs: Mapping[str, str]) -> str:
        """A tree holding exactly ``blobs`` (path -> blob id), built in a temporary index."""
        index = self.folder / "outpost-index"
        index.unlink(missing_ok=True)
        env = {"GIT_INDEX_FILE": str(index)}
        listing = "".join(f"100644 {blob}\t{path}\n" for path, blob in sorted(blobs.items()))
        self.git("update-index", "--add", "--index-info", input=listing.encode(), env=env)
        tree = self.git("write-tree", env=env).decode().strip()
        index.unlink(missing_ok=True)
        return tree

    def hash_blobs(self, files: Mapping[str, bytes]) -> dict[str, str]:
        names = sorted(files)
        if not names:
            return {}
        stage = self.folder / "outpost-blobs"
        stage.mkdir(exist_ok=True)
        paths = []
        for number, name in enumerate(names):
            path = stage / str(number)
            path.write_bytes(files[name])
            paths.append(str(path))
        out = self.git("hash-object", "-w", "--no-filters", "--stdin-paths",
                       input="\n".join(paths).encode() + b"\n").decode().split()
        return dict(zip(names, out, strict=True))

    def tree_of(self, commit: str) -> str:
        return self.git("rev-parse", f"{commit}^{{tree}}").decode().strip()

    def read_blob(self, commit: str, path: str) -> bytes | None:
        result = subprocess.run(["git", "cat-file", "blob", f"{commit}:{path}"],
                                capture_output=True, env=self.env, check=False)
        return result.stdout if result.returncode == 0 else None

    def list_files(self, commit: str) -> list[str]:
        out = self.git("ls-tree", "-r", "-z", "--name-only", commit).decode()
        return [name for name in out.split("\0") if name]

    def commit(self, tree: str, parent: str | None, message: str) -> str:
        args = ["commit-tree", tree, "-m", message]
        if parent:
            args += ["-p", parent]
        return self.git(*args).decode().strip()

    def push(self, commit: str, branch: str, expected: str | None) -> None:
        ref = f"refs/heads/{branch}"
        self.git("push", "--quiet", "--porcelain",
                 f"--force-with-lease={ref}:{expected or ''}", self.remote,
                 f"{commit}:{ref}")


def resolve_remote(settings: TargetSettings, root: Path) -> tuple[str, Problem | None]:
    """``remote:`` as git takes it (a URL, a path relative to root, or the URL of a remote
    of the repository at root), or the outpost.yaml problem that stops it."""
    remote = str(settings.option("remote"))
    if "://" in remote or (":" in remote and not remote.startswith(("/", "."))):
        return remote, None
    candidate = Path(remote).expanduser()
    if candidate.is_absolute():
        return str(candidate), None
    if (root / candidate).exists():
        return str(root / candidate), None
    result = subprocess.run(["git", "-C", str(root), "remote", "get-url", "--", remote],
                            capture_output=True, check=False)
    if result.returncode == 0:
        return result.stdout.decode().strip(), None
    where = f"publish target '{settings.name}': "
    if not in_work_tree(root):
        message = (f"'{remote}' names a git remote, but {root} is not a git repository: "
                   "write the remote's URL here")
    else:
        message = (f"'{remote}' is not a remote of the git repository at {root} (nor a URL "
                   f"or an existing path): add it with 'git remote add {remote} URL', or "
                   "write the URL here")
    return remote, Problem(CONFIG_FILE, settings.line_of("remote"), where + message)


def in_work_tree(root: Path) -> bool:
    result = subprocess.run(["git", "-C", str(root), "rev-parse", "--is-inside-work-tree"],
                            capture_output=True, check=False)
    return result.returncode == 0 and result.stdout.strip() == b"true"


def check_remote(settings: TargetSettings, root: Path) -> Problem | None:
    """For ``outpost check``: the problem of a remote name the repository has no remote
    for. Outside a git work tree nothing can be told (CI checks out one): None."""
    if not in_work_tree(root):
        return None
    return resolve_remote(settings, root)[1]


class GitTarget:
    """Publishes a build as one commit on ``branch`` of ``remote``."""

    def __init__(self, settings: TargetSettings, root: Path) -> None:
        self.name = settings.name
        self.settings = settings
        self.counts = Counts()
        self.root = root
        self.branch: str = settings.option("branch") or "gh-pages"
        self.state_branch: str = settings.option("state_branch") or "outpost-state"
        remote, problem = resolve_remote(settings, root)
        if problem is not None:  # a configuration problem, not a failure to publish
            raise ProblemsFound([problem])
        self.remote = remote

    def _site_files(self, site_dir: Path, manifest: Manifest) -> dict[str, bytes]:
        files = {path: (site_dir / path).read_bytes() for path in manifest.files}
        for path, data in files.items():
            if hashlib.sha256(data).hexdigest() != manifest.files[path].sha256:
                raise PublishError(f"{site_dir / path} changed since the build: run outpost "
                                   "build again")
        files[MANIFEST] = manifest.to_bytes()
        cname = self.settings.option("cname")
        if cname:
            files["CNAME"] = f"{cname}\n".encode()
        if self.settings.option("nojekyll"):
            files[".nojekyll"] = b""
        return files

    def publish(self, site_dir: Path, manifest: Manifest) -> Iterator[str]:
        self.counts = Counts()
        files = self._site_files(site_dir, manifest)
        with live_temp_dir("outpost-git-") as temp:
            work = Workspace(Path(temp) / "repo.git", self.remote)
            tip = work.fetch_tip(self.branch)
            yield f"read {self.branch} at {tip[:12] if tip else '(new branch)'}"
            old: dict[str, str] = {}
            if tip:
                out = work.git("ls-tree", "-r", "-z", tip).decode()
                for record in filter(None, out.split("\0")):
                    meta, path = record.split("\t", 1)
                    old[path] = meta.split()[2]
            blobs = work.hash_blobs(files)
            tree = work.write_tree(blobs)
            for path in manifest.files:
                if old.get(path) == blobs[path]:
                    self.counts.unchanged += 1
                else:
                    self.counts.uploaded += 1
            self.counts.deleted = len(set(old) - set(blobs))
            if tip and work.tree_of(tip) == tree:
                yield f"{self.branch} already holds build {manifest.build_id}"
                self.counts.uploaded = self.counts.deleted = 0
                self.counts.unchanged = len(manifest.files)
                return
            commit = work.commit(tree, tip, f"Publish build {manifest.build_id}\n\n"
                                 f"Generated at {manifest.generated_at} by Outpost.")
            yield f"committed {commit[:12]}: {self.counts.uploaded} changed, " \
                  f"{self.counts.deleted} removed"
            work.push(commit, self.branch, tip)
            yield f"pushed {commit[:12]} to {self.branch}"

    def verify(self) -> Iterator[str]:
        if self.settings.url:
            yield from verify_http(self.settings.url)
            return
        with live_temp_dir("outpost-git-") as temp:
            work = Workspace(Path(temp) / "repo.git", self.remote)
            tip = work.fetch_tip(self.branch)
            if tip is None:
                raise PublishError(f"branch {self.branch} does not exist: nothing was "
                                   "published yet")

            def read(path: str) -> bytes | None:
                return work.read_blob(tip, path)

            manifest = load_published_manifest(read, f"{self.branch}")
            yield f"reading {self.branch} at {tip[:12]}"
            yield from check_files(manifest, read, work.list_files(tip),
                                   ignore=lambda p: p in ("CNAME", ".nojekyll"))

    def read_state(self, name: str) -> bytes | None:
        check_state_name(name)
        with live_temp_dir("outpost-git-") as temp:
            work = Workspace(Path(temp) / "repo.git", self.remote)
            tip = work.fetch_tip(self.state_branch)
            return None if tip is None else work.read_blob(tip, name)

    def write_state(self, name: str, data: bytes, attempts: int = 5) -> None:
        check_state_name(name)
        for attempt in range(attempts):
            with live_temp_dir("outpost-git-") as temp:
                work = Workspace(Path(temp) / "repo.git", self.remote)
                tip = work.fetch_tip(self.state_branch)
                blobs: dict[str, str] = {}
                if tip:
                    for path in work.list_files(tip):
                        blobs[path] = work.git("rev-parse", f"{tip}:{path}").decode().strip()
                blobs.update(work.hash_blobs({name: data}))
                commit = work.commit(work.write_tree(blobs), tip, f"Outpost state: {name}")
                try:
                    work.push(commit, self.state_branch, tip)
                    return
                except TransientError:
                    if attempt == attempts - 1:
                        raise
