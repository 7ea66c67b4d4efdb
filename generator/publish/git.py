"""The ``git`` target: one commit per publish on a branch (e.g. GitHub Pages' gh-pages).

Everything happens in a private temporary bare repository, with plumbing only: a
blobless fetch of the branch's tip, ``fast-import`` (the tip's tree with the changed
files, written as one pack), ``commit-tree``, then
``push --force-with-lease=<ref>:<tip we read>``.
The user's work tree and index are never touched. A push rejected because someone
else published meanwhile is a TransientError: the runner retries from a fresh fetch.
One the remote refuses by its rules (a protected branch, a hook) fails at once.

State records live as files on a separate branch (``state_branch``), never served.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import unquote, urlsplit

from generator.build.output import live_temp_dir
from generator.config.location import CONFIG_FILE
from generator.core.errors import Problem, ProblemsFound
from generator.publish.base import (
    Counts,
    PublishError,
    TransientError,
    built_file,
    check_state_name,
    host_timeout,
    kept_assets,
    redact,
    retryable_status,
)
from generator.publish.settings import TargetSettings
from generator.publish.verify import (
    DIFFERS,
    MISSING,
    LocalCopy,
    compare,
    git_blob_id,
    load_published_manifest,
    verify_http,
)
from generator.render.manifest import MANIFEST, Entry, Manifest, parse_manifest
from generator.render.mediatypes import is_hashed_asset

_IDENTITY = {"GIT_AUTHOR_NAME": "Outpost", "GIT_AUTHOR_EMAIL": "outpost@localhost",
             "GIT_COMMITTER_NAME": "Outpost", "GIT_COMMITTER_EMAIL": "outpost@localhost"}
# Not git's "Could not read from remote repository.": it follows every failure to reach
# a remote, a missing repository or a refused key too; the line before it says which.
_TRANSIENT = ("unable to access", "connection refused", "connection reset", "timed out",
              "stale info", "rejected", "failed to push", "early eof",
              "the remote end hung up", "could not resolve host", "temporary failure",
              "internal server error", "502", "503", "504")
# An HTTP(S) host that takes the connection and then sends (or takes) under 1000 bytes a
# second for 30 s is given up on (a transient failure, "Operation too slow"): git waits
# for ever by default, and a host that hangs in an outage kept publish from ever
# reaching the other targets. The environment may set other values.
_GIVE_UP = {"GIT_HTTP_LOW_SPEED_LIMIT": "1000", "GIT_HTTP_LOW_SPEED_TIME": "30"}
# A ref the remote refused ("[remote rejected]") for one of these reasons moved while it
# took the push (its lock failed), a race as a stale lease is; any other reason is the
# remote's policy (a protected branch, a hook), which refuses every attempt alike.
_RACES = ("failed to update ref", "failed to lock", "cannot lock ref",
          "internal server error")
# An HTTP host's answer (in "unable to access"): a 4xx, such as 403 for a token without
# write access, is the same on every attempt, but for 408 and 429 (retryable_status).
_HTTP_REFUSAL = re.compile(r"returned error: (4\d\d)")
# Advice git adds after a failure to read from a remote, which says nothing of why.
_ADVICE = ("please make sure you have the correct access rights", "and the repository exists.")
# git's words for a disk or quota that is full.
_NO_ROOM = ("no space left on device", "out of diskspace", "disk quota exceeded")
# At most this many of git's lines, of at most this many characters, in a message.
_REASON_LINES = 4
_REASON_WIDTH = 300
_ERROR = re.compile(r"(remote: )?(fatal|error):")
_NO_SUCH_REF = "couldn't find remote ref"
# Past this many files to read back, verify fetches the branch with every file at once.
_READ_ONE_BY_ONE = 16


class Workspace:
    """A temporary bare repository used to build and push commits.

    With ``partial`` it fetches commits and trees but no file contents (a blobless
    fetch, ``--filter=blob:none``): publish needs only the tip's blob ids, and verify
    reads back only the files it cannot check by id. A host that does not support
    filters sends everything, as a plain fetch would.
    """

    def __init__(self, folder: Path, remote: str, *, partial: bool = False) -> None:
        self.folder = folder
        self.remote = remote
        self.partial = partial
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")
               or k.startswith(("GIT_AUTHOR_", "GIT_COMMITTER_", "GIT_CONFIG_",
                                "GIT_SSH", "GIT_ASKPASS", "GIT_TERMINAL_PROMPT",
                                "GIT_HTTP_LOW_SPEED_"))}
        for key, value in (_IDENTITY | _GIVE_UP).items():
            env.setdefault(key, value)
        env["GIT_DIR"] = str(folder)
        env.setdefault("GIT_TERMINAL_PROMPT", "0")
        self.env = env
        self.git("init", "--quiet", "--bare", str(folder))
        if is_ssh(remote) and not self._own_ssh():
            env["GIT_SSH_COMMAND"] = _silent_ssh_limits()
        settings = [("remote.origin.url", remote),
                    ("remote.origin.fetch", "+refs/heads/*:refs/remotes/origin/*")]
        if partial:
            # partialClone is honoured in a repository of format version 0, as git init makes.
            settings += [("extensions.partialClone", "origin"),
                         ("remote.origin.promisor", "true")]
            if is_local(remote):  # a local repository serves filters only when asked to
                settings.append(("remote.origin.uploadpack",
                                 "git -c uploadpack.allowFilter=true upload-pack"))
        # Written into the new repository's config directly: one process fewer per key.
        with open(folder / "config", "a", encoding="utf-8") as config:
            config.write("".join(_config_entry(key, value) for key, value in settings))

    def git(self, *args: str, input: bytes | None = None,
            env: Mapping[str, str] | None = None) -> bytes:
        result = subprocess.run(["git", *args], input=input, capture_output=True,
                                env={**self.env, **(env or {})}, check=False)
        if result.returncode != 0:
            # push --porcelain reports refused refs on stdout:
            # "!\t<local>:<remote ref>\t[rejected] (why)"
            refused = dict(line.split("\t")[1:3] for line in
                           result.stdout.decode("utf-8", "replace").splitlines()
                           if line.startswith("!") and line.count("\t") >= 2)
            # Redacted before any line is shortened, which could cut a URL's "@" off.
            said = _reasons(self._redact(result.stderr.decode("utf-8", "replace")))
            why = " / ".join([*refused.values(), *said]) or f"exit {result.returncode}"
            by_policy = [ref.rpartition(":")[2].removeprefix("refs/heads/")
                         for ref, reason in refused.items() if _by_policy(reason)]
            if by_policy:
                raise PublishError(self._redact(
                    f"git {args[0]}: the remote refused {', '.join(by_policy)} (not "
                    f"retried: its rules refuse every attempt alike): {why}"))
            text = self._redact(f"git {args[0]}: {why}") + self._room_advice(why)
            if _transient(args[0], text):
                raise TransientError(text)
            raise PublishError(text)
        return result.stdout

    def _room_advice(self, said: str) -> str:
        """Where to make room, when git's words ``said`` tell of a full disk: the
        workspace is in the system's temporary folder, which git's message names only
        inside the workspace's own path."""
        # The remote's own full disk ('remote: fatal: ... No space left') is not ours.
        ours = " / ".join(part for part in said.split(" / ")
                          if not part.strip().startswith("remote:")).lower()
        if not any(words in ours for words in _NO_ROOM):
            return ""
        return (f" (the temporary repository is in {self.folder.parent.parent}: free "
                "space there, or set TMPDIR to a folder with room, and publish again)")

    def _own_ssh(self) -> bool:
        """Whether the user chose an ssh command (GIT_SSH_COMMAND, GIT_SSH, or
        core.sshCommand in their git configuration), which then runs as they set it."""
        if "GIT_SSH_COMMAND" in self.env or "GIT_SSH" in self.env:
            return True
        found = subprocess.run(["git", "config", "--get", "core.sshCommand"],
                               capture_output=True, env=self.env, check=False)
        return found.returncode == 0

    def _redact(self, text: str) -> str:
        """``text`` without any URL's user name and password, nor the remote's, however
        git quotes them (``git://`` errors name ``user:password@host`` bare)."""
        if "://" in self.remote:
            userinfo = urlsplit(self.remote).netloc.rpartition("@")[0]
            if userinfo:  # as written, and as git prints it: percent-escapes decoded
                for form in dict.fromkeys((userinfo, unquote(userinfo))):
                    text = text.replace(f"{form}@", "***@")
        return redact(text)

    def fetch_tip(self, branch: str) -> str | None:
        """Fetch ``branch`` from the remote; return its commit id, or None if absent."""
        filters = ["--filter=blob:none"] if self.partial else []
        try:
            self.git("fetch", "--quiet", "--no-tags", "--depth=1", *filters, "origin",
                     f"+refs/heads/{branch}:refs/outpost/{branch}")
        except PublishError as exc:
            if _NO_SUCH_REF in str(exc).lower():
                return None
            raise
        return self.git("rev-parse", "--verify", f"refs/outpost/{branch}^{{commit}}"
                        ).decode().strip()

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

    def entries(self, commit: str) -> dict[str, tuple[str, str]]:
        """Every file of ``commit``: path -> (mode, object id), from one ``ls-tree``."""
        out = self.git("ls-tree", "-r", "-z", "--full-tree", commit).decode()
        found = {}
        for record in filter(None, out.split("\0")):
            meta, path = record.split("\t", 1)
            mode, _, blob = meta.split()
            found[path] = (mode, blob)
        return found

    def blobs_of(self, commit: str) -> dict[str, str]:
        """Every file of ``commit``: path -> blob id (no file is read)."""
        return {path: blob for path, (_, blob) in self.entries(commit).items()}

    def import_tree(self, parent: str | None, deleted: Iterable[str],
                    written: Iterable[tuple[str, bytes]]) -> str:
        """The tree of ``parent`` without ``deleted`` and with ``written`` (path, bytes):
        built by one ``fast-import``, which writes the new files and folders into a
        single pack instead of one file per object, and reads none of the parent's
        files. ``written`` is consumed as the import runs."""
        process = subprocess.Popen(["git", "fast-import", "--quiet", "--done"],
                                   stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, env=self.env)
        assert process.stdin is not None and process.stderr is not None
        # Its words are read as it runs, never written to a file: on a full disk (the
        # disk it fails on is this one) such a file kept none of them, and the failure
        # read 'exit 128' alone.
        said: list[bytes] = []
        reader = threading.Thread(target=_read_all, args=(process.stderr, said), daemon=True)
        reader.start()
        try:
            stream = process.stdin
            stream.write(b"commit refs/outpost/import\n"
                         b"committer Outpost <outpost@localhost> 0 +0000\ndata 0\n")
            if parent:
                stream.write(f"from {parent}\n".encode())
            for path in deleted:
                stream.write(b"D " + _import_path(path) + b"\n")
            for path, data in written:
                stream.write(b"M 100644 inline " + _import_path(path) + b"\n")
                stream.write(b"data %d\n" % len(data) + data + b"\n")
            stream.write(b"\ndone\n")
            stream.close()
        except BrokenPipeError:
            pass  # fast-import stopped; its message is reported below
        except BaseException:
            process.kill()
            process.wait()
            raise
        process.wait()
        reader.join()
        if process.returncode != 0:
            # Not the crash report it names: that is in this workspace, removed on return.
            message = [line for line in b"".join(said).decode("utf-8", "replace").splitlines()
                       if line.strip() and "crash report" not in line]
            text = "git fast-import: " + (" / ".join(message[:2])
                                          or f"exit {process.returncode}")
            raise PublishError(text + self._room_advice(text))
        return self.tree_of("refs/outpost/import")

    def missing(self, commit: str) -> set[str]:
        """Objects of ``commit`` a blobless fetch left on the remote."""
        out = self.git("rev-list", "--objects", "--missing=print", commit).decode()
        return {line[1:] for line in out.splitlines() if line.startswith("?")}

    def blob_digests(self, blobs: Iterable[str]) -> dict[str, str]:
        """The sha256 of each blob, streamed through one ``cat-file --batch``."""
        wanted = sorted(set(blobs))
        if not wanted:
            return {}
        process = subprocess.Popen(["git", "cat-file", "--batch"], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                   env=self.env)
        assert process.stdin is not None and process.stdout is not None
        feeder = threading.Thread(target=_feed, args=(process.stdin, wanted), daemon=True)
        feeder.start()
        digests = {}
        try:
            for _ in wanted:
                head = process.stdout.readline().split()
                if not head:
                    raise PublishError("git cat-file: output ended early")
                if len(head) != 3:  # "<id> missing": a fetch of it failed
                    raise TransientError(f"git cat-file: {head[0].decode()} could not be "
                                         "fetched")
                size = int(head[2])
                digest = hashlib.sha256()
                left = size
                while left:
                    chunk = process.stdout.read(min(left, 1 << 20))
                    if not chunk:
                        raise PublishError("git cat-file: output ended early")
                    digest.update(chunk)
                    left -= len(chunk)
                process.stdout.read(1)  # the newline after each object
                digests[head[0].decode()] = digest.hexdigest()
        except BaseException:
            process.kill()  # so that a feeder blocked on a full pipe ends too
            raise
        finally:
            process.stdout.close()
            feeder.join()
            process.wait()
        return digests

    def commit(self, tree: str, parent: str | None, message: str) -> str:
        args = ["commit-tree", tree, "-m", message]
        if parent:
            args += ["-p", parent]
        return self.git(*args).decode().strip()

    def push(self, commit: str, branch: str, expected: str | None) -> None:
        ref = f"refs/heads/{branch}"
        # --no-thin: a thin pack would fetch the old versions of changed files (left on
        # the remote by a blobless fetch) only to send deltas against them.
        self.git("push", "--quiet", "--porcelain", "--no-thin",
                 f"--force-with-lease={ref}:{expected or ''}", self.remote,
                 f"{commit}:{ref}")


@dataclass(frozen=True)
class _Plan:
    """What verify checks on a branch: its files, the published manifest, the blob id of
    each file this machine holds with the manifest's sha256, and the blobs to read."""

    tree: dict[str, str]
    manifest: Manifest
    by_id: dict[str, str]
    unread: frozenset[str]

    @classmethod
    def make(cls, work: Workspace, tip: str, local: LocalCopy, branch: str) -> _Plan:
        tree = work.blobs_of(tip)
        mine = local.read(MANIFEST)
        if mine is not None and tree.get(MANIFEST) == git_blob_id(mine):
            raw: bytes | None = mine  # the published manifest is this machine's
        elif MANIFEST in tree:
            raw = work.read_blob(tip, MANIFEST)
            if raw is None:  # listed but not readable: its fetch failed
                raise TransientError(f"git cat-file: {MANIFEST} of {tip[:12]} could not be "
                                     "fetched")
        else:
            raw = None
        manifest = load_published_manifest(lambda _: raw, branch)
        by_id = {}
        for path, entry in manifest.files.items():
            data = local.matching(path, entry) if path in tree else None
            if data is not None:
                by_id[path] = git_blob_id(data)
        unread = frozenset(tree[p] for p in manifest.files if p in tree and p not in by_id)
        return cls(tree, manifest, by_id, unread)


def _reasons(stderr: str) -> list[str]:
    """What git said went wrong: its lines without blank lines, hints and advice; past
    _REASON_LINES of them only the ``fatal:`` and ``error:`` lines (git's or the remote's),
    the last ones kept."""
    lines = [line.strip() for line in stderr.splitlines()]
    lines = [line for line in lines
             if line and not line.startswith("hint:") and line.lower() not in _ADVICE]
    if len(lines) > _REASON_LINES:
        lines = [line for line in lines if _ERROR.match(line)] or lines
    return [line if len(line) <= _REASON_WIDTH else line[:_REASON_WIDTH - 3] + "..."
            for line in lines[-_REASON_LINES:]]


def _transient(command: str, text: str) -> bool:
    """Whether git's failure ``text`` is worth another attempt: the remote could not be
    reached or failed (a 5xx), not an HTTP host's 4xx (but 408 and 429)."""
    if command not in ("fetch", "push", "ls-remote"):
        return False
    refusal = _HTTP_REFUSAL.search(text)
    if refusal and not retryable_status(int(refusal.group(1))):
        return False
    return any(marker in text.lower() for marker in _TRANSIENT)


def _by_policy(reason: str) -> bool:
    """Whether a refused ref's reason in ``push --porcelain`` is the remote's policy."""
    return reason.startswith("[remote rejected]") and not any(
        race in reason.lower() for race in _RACES)


def _config_entry(key: str, value: str) -> str:
    """``key = value`` as a section of git's config file (``a.b.c`` is ``[a "b"] c``)."""
    if "\n" in value or "\0" in value:
        raise PublishError(f"git remote {value!r}: a line break is not allowed here")
    section, _, name = key.rpartition(".")
    head, _, sub = section.partition(".")
    title = f'{head} "{sub}"' if sub else head
    quoted = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'[{title}]\n\t{name} = "{quoted}"\n'


def _feed(stream: IO[bytes], lines: Iterable[str]) -> None:
    try:
        for line in lines:
            stream.write(f"{line}\n".encode())
        stream.close()
    except OSError:  # cat-file stopped early; the reader reports it
        pass


def _read_all(stream: IO[bytes], into: list[bytes]) -> None:
    with stream:
        into.append(stream.read())


def _import_path(path: str) -> bytes:
    """A path as fast-import reads it: C-style quoted when it must be."""
    if "\n" not in path and not path.startswith('"'):
        return path.encode()
    quoted = path.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{quoted}"'.encode()


def is_ssh(remote: str) -> bool:
    """An ssh:// URL or scp-like ``host:path``, which git reaches through ssh."""
    scheme = remote.partition("://")[0].lower() if "://" in remote else None
    if scheme is None:
        return not is_local(remote)
    return scheme in ("ssh", "git+ssh", "ssh+git")


def _silent_ssh_limits() -> str:
    """ssh with limits on a host that takes the connection and says nothing: ssh waits
    for ever by default (during its handshake, and for a host gone silent after it),
    so a host that hangs in an outage kept publish from reaching the other targets."""
    seconds = host_timeout()
    return (f"ssh -o ConnectTimeout={max(1, round(seconds))} "
            f"-o ServerAliveInterval={max(1, round(seconds / 3))} -o ServerAliveCountMax=3")


def is_local(remote: str) -> bool:
    """A path or file:// URL, which git serves by running upload-pack on this machine."""
    if remote.startswith("file://"):
        return True
    return "://" not in remote and not (":" in remote and not remote.startswith(("/", ".")))


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
    if remote.startswith("."):  # a path: no remote's name may start with a dot
        message = (f"'{remote}' is not an existing path (relative to {root}): make the "
                   f"repository there with 'git init --bare {os.path.normpath(root / remote)}',"
                   " or correct the path")
    elif not in_work_tree(root):
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

    may_mix_builds = False  # one push moves the branch to the whole build

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
        path = is_local(remote) and "://" not in remote  # two clones name it alike
        self.place = f"git {os.path.realpath(remote) if path else remote}"

    def _extras(self, manifest: Manifest) -> dict[str, bytes]:
        """The files published beside the site's: manifest.json, CNAME, .nojekyll."""
        files = {MANIFEST: manifest.to_bytes()}
        cname = self.settings.option("cname")
        if cname:
            files["CNAME"] = f"{cname}\n".encode()
        if self.settings.option("nojekyll"):
            files[".nojekyll"] = b""
        return files

    def publish(self, site_dir: Path, manifest: Manifest) -> Iterator[str]:
        self.counts = Counts()
        extras = self._extras(manifest)
        with live_temp_dir("outpost-git-") as temp:
            work = Workspace(Path(temp) / "repo.git", self.remote, partial=True)
            tip = work.fetch_tip(self.branch)
            yield f"read {self.branch} at {tip[:12] if tip else '(new branch)'}"
            old = work.entries(tip) if tip else {}
            if CONFIG_FILE in old:  # no build holds one: this is where the notices live
                raise PublishError(
                    f"branch {self.branch} holds {CONFIG_FILE}: it is a branch of the "
                    "notices repository, which publishing would replace with the site; set "
                    "the target's branch to one for the site alone, such as gh-pages")
            # What the branch holds as a regular file at each path (not executable, not a
            # link): a path whose blob differs, or that is held otherwise, is written.
            held = {path: blob for path, (mode, blob) in old.items() if mode == "100644"}
            blobs: dict[str, str] = {}

            def changed() -> Iterator[tuple[str, bytes]]:
                """Each file read once and checked against the manifest; those whose
                blob the branch does not hold at that path go to the new tree."""
                for path in sorted(manifest.files):
                    yield from _if_new(path, built_file(site_dir, path, manifest.files[path]))
                for path, data in sorted(extras.items()):
                    yield from _if_new(path, data)

            def _if_new(path: str, data: bytes) -> Iterator[tuple[str, bytes]]:
                blobs[path] = git_blob_id(data)
                if held.get(path) != blobs[path]:
                    yield path, data

            # The served manifest is fetched only when kept_assets needs it.
            served = (self._published(work, tip, old) if any(map(is_hashed_asset, old))
                      else None)
            kept = kept_assets(old, served, manifest)
            gone = sorted(set(old) - set(manifest.files) - set(extras) - kept)
            tree = work.import_tree(tip, gone, changed())
            if tip and work.tree_of(tip) == tree:
                self.counts = Counts(unchanged=len(manifest.files), live=True)
                yield f"{self.branch} already holds build {manifest.build_id}"
                return
            # Counted once pushed: a commit that never reaches the branch uploaded nothing.
            counts = Counts(deleted=len(gone))
            for path in manifest.files:
                if old.get(path, ("", ""))[1] == blobs[path]:
                    counts.unchanged += 1
                else:
                    counts.uploaded += 1
            commit = work.commit(tree, tip, f"Publish build {manifest.build_id}\n\n"
                                 f"Generated at {manifest.generated_at} by Outpost.")
            yield f"committed {commit[:12]}: {counts.uploaded} changed, {counts.deleted} removed"
            work.push(commit, self.branch, tip)
            counts.live = True
            self.counts = counts
            yield f"pushed {commit[:12]} to {self.branch}"

    def _published(self, work: Workspace, tip: str | None,
                   held: Mapping[str, tuple[str, str]]) -> Manifest | None:
        """The manifest the branch's tip (holding ``held``) serves; None without one."""
        if tip is None or MANIFEST not in held:
            return None
        raw = work.read_blob(tip, MANIFEST)
        if raw is None:  # listed but not readable: its fetch failed
            raise TransientError(f"git cat-file: {MANIFEST} of {tip[:12]} could not be "
                                 "fetched")
        try:
            return parse_manifest(raw)
        except ValueError:
            return None

    def verify(self, site_dir: Path | None = None) -> Iterator[str]:
        if self.settings.url:
            yield from verify_http(self.settings.url)
            return
        local = LocalCopy(site_dir)
        with live_temp_dir("outpost-git-") as temp:
            # First the branch's trees only: enough when this machine holds the build.
            work = Workspace(Path(temp) / "trees.git", self.remote, partial=True)
            tip = self._tip(work)
            plan = _Plan.make(work, tip, local, self.branch)
            if plan.unread and len(plan.unread & work.missing(tip)) > _READ_ONE_BY_ONE:
                # Many files to read back: the branch with its files, as a plain fetch
                # gets it. A few are fetched one by one as they are read.
                work = Workspace(Path(temp) / "files.git", self.remote)
                tip = self._tip(work)
                plan = _Plan.make(work, tip, local, self.branch)
            yield f"reading {self.branch} at {tip[:12]}"
            digests = work.blob_digests(plan.unread)
            tree, by_id = plan.tree, plan.by_id

            def check(path: str, entry: Entry) -> str | None:
                blob = tree.get(path)
                if blob is None:
                    return MISSING
                if path in by_id:
                    return None if by_id[path] == blob else DIFFERS
                return None if digests.get(blob) == entry.sha256 else DIFFERS

            yield from compare(plan.manifest, check, tree,
                               ignore=lambda p: p in ("CNAME", ".nojekyll"), local=local)

    def _tip(self, work: Workspace) -> str:
        tip = work.fetch_tip(self.branch)
        if tip is None:
            raise PublishError(f"branch {self.branch} does not exist: nothing was "
                               "published yet")
        return tip

    def published(self) -> Manifest | None:
        with live_temp_dir("outpost-git-") as temp:
            work = Workspace(Path(temp) / "repo.git", self.remote, partial=True)
            tip = work.fetch_tip(self.branch)
            return self._published(work, tip, work.entries(tip) if tip else {})

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
                blobs = work.blobs_of(tip) if tip else {}
                blobs.update(work.hash_blobs({name: data}))
                commit = work.commit(work.write_tree(blobs), tip, f"Outpost state: {name}")
                try:
                    work.push(commit, self.state_branch, tip)
                    return
                except TransientError:
                    if attempt == attempts - 1:
                        raise
