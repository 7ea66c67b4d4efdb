"""Helpers for the publishing tests: sites, a real moto S3 server, a faulty proxy,
and the consistency check every interrupted target must pass."""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import http.server
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from generator.app import project
from generator.build.builder import build
from generator.core.times import parse_now
from generator.publish.base import Target
from generator.render.manifest import MANIFEST, Manifest, make_manifest, parse_manifest

OLD_NOW = "2026-11-28T12:00:00Z"
def build_site(root: Path, out: Path, now: str = OLD_NOW) -> Manifest:
    """Build ``root`` into ``out`` and make sure the site has its manifest.json."""
    from generator.app import schema

    build(project(root), out, parse_now(now, schema().load(root).timezone))
    if not (out / MANIFEST).exists():
        files = {p.relative_to(out).as_posix(): p.read_bytes()
                 for p in out.rglob("*") if p.is_file()}
        (out / MANIFEST).write_bytes(make_manifest(files, "2026-11-28T12:00:00Z").to_bytes())
    return parse_manifest((out / MANIFEST).read_bytes())


def change_one_notice(root: Path) -> str:
    """Fix a typo in one closed notice's text (a typical small edit); returns its id."""
    notice = root / "notices" / "2026-09-14-slow-grade-book-loading.md"
    text = notice.read_text()
    assert "back to normal." in text
    notice.write_text(text.replace("back to normal.", "back to normal for every district."))
    return notice.stem


def add_target(root: Path, yaml_entry: str) -> None:
    """Append one entry (YAML text, indented as a list item) to outpost.yaml's publish:."""
    config = root / "outpost.yaml"
    text = config.read_text()
    if "\npublish:" not in text:
        text += "\npublish:\n"
    config.write_text(text + yaml_entry)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def moto_server() -> Iterator[str]:
    """moto's S3 server as a separate process on 127.0.0.1; yields its endpoint URL."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1",
                                "-p", str(port)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    with _serving(process, port, 30, "moto server"):
        yield f"http://127.0.0.1:{port}"


@contextlib.contextmanager
def _serving(process: subprocess.Popen[bytes], port: int, seconds: float, what: str
             ) -> Iterator[None]:
    """While ``process`` serves on 127.0.0.1:``port``; it is stopped when the block ends."""
    try:
        wait_for_port(port, process, seconds, what)
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)


def wait_for_port(port: int, process: subprocess.Popen[bytes], seconds: float, what: str
                  ) -> None:
    """Until ``process`` accepts connections on 127.0.0.1:``port`` (RuntimeError if it
    ends or takes longer than ``seconds``)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"{what} did not start") from None
            time.sleep(0.05)


@contextlib.contextmanager
def git_daemon(base: Path, log: Path | None = None) -> Iterator[str]:
    """``git daemon`` on loopback serving (and accepting pushes to) every repository under
    ``base``: a remote that is not a local path, as a hosted one is. With ``log``, each
    request is logged there (``Request upload-pack for ...``)."""
    port = free_port()
    verbose = ["--verbose"] if log else []
    with open(log or os.devnull, "wb") as sink:
        process = subprocess.Popen(
            ["git", "daemon", "--reuseaddr", "--export-all", "--enable=receive-pack",
             *verbose, f"--base-path={base}", "--listen=127.0.0.1", f"--port={port}",
             str(base)], stdout=subprocess.DEVNULL, stderr=sink)
    with _serving(process, port, 20, "git daemon"):
        yield f"git://127.0.0.1:{port}"


def s3_env() -> dict[str, str]:
    return {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1", "AWS_MAX_ATTEMPTS": "1"}


def s3_client(endpoint: str) -> object:
    import boto3

    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def new_bucket(endpoint: str) -> str:
    name = "outpost-" + uuid.uuid4().hex[:12]
    s3_client(endpoint).create_bucket(Bucket=name)  # type: ignore[attr-defined]
    return name


def s3_objects(endpoint: str, bucket: str, prefix: str = "") -> dict[str, bytes]:
    client = s3_client(endpoint)
    found = {}
    for page in client.get_paginator("list_objects_v2").paginate(  # type: ignore[attr-defined]
            Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            body = client.get_object(Bucket=bucket, Key=item["Key"])  # type: ignore[attr-defined]
            found[item["Key"][len(prefix):]] = body["Body"].read()
    return found


def git_tree(remote: Path, branch: str = "gh-pages") -> dict[str, bytes]:
    """Every file on ``branch`` of a bare repository, read with ls-tree and cat-file."""
    out = subprocess.run(["git", "--git-dir", str(remote), "ls-tree", "-r", "-z", branch],
                         capture_output=True, check=True).stdout.decode()
    files = {}
    for record in filter(None, out.split("\0")):
        meta, path = record.split("\t", 1)
        blob = meta.split()[2]
        data = subprocess.run(["git", "--git-dir", str(remote), "cat-file", "blob", blob],
                              capture_output=True, check=True).stdout
        assert blob == git_blob_id(data)
        files[path] = data
    return files


def git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def folder_tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in folder.rglob("*") if p.is_file()}


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


def broken_links(files: Mapping[str, bytes]) -> list[str]:
    """Every same-site link in a served HTML file that points at a missing file."""
    broken = []
    for path, data in files.items():
        if not path.endswith(".html"):
            continue
        parser = _Links()
        parser.feed(data.decode("utf-8"))
        for link in parser.links:
            url = urljoin("https://site.test/" + path, link)
            parts = urlsplit(url)
            if parts.netloc != "site.test" or parts.scheme != "https":
                continue
            target = parts.path.lstrip("/")
            if target == "" or target.endswith("/"):
                target += "index.html"
            if target not in files:
                broken.append(f"{path} -> {link}")
    return broken


def assert_consistent(files: Mapping[str, bytes], *builds: Manifest,
                      exact: bool = True) -> Manifest:
    """The served files form one of ``builds`` (exact) or a mix of them whose links all
    resolve (S3 mid-publish). Returns the build the served manifest names."""
    assert not broken_links(files), broken_links(files)
    served = parse_manifest(files[MANIFEST])
    assert served.build_id in {b.build_id for b in builds}
    for path, data in files.items():
        if path == MANIFEST or path in ("CNAME", ".nojekyll"):
            continue
        digest = hashlib.sha256(data).hexdigest()
        if exact:
            assert served.files[path].sha256 == digest, path
        else:
            assert digest in {b.files[path].sha256 for b in builds if path in b.files}, path
    if exact:
        extra = {"CNAME", ".nojekyll", MANIFEST}
        assert set(files) - extra == set(served.files)
    return served


Policy = Callable[[str, str, int], "int | None"]
"""(method, path, request number) -> an HTTP status to fail with, DROP to drop the
connection, SILENT to take the request and never answer, or None to forward."""

DROP = -1
SILENT = -2


class FaultyProxy:
    """A tiny HTTP proxy in front of the S3 server that fails requests on demand."""

    def __init__(self, upstream: str, policy: Policy, error_code: str = "InternalError",
                 error_detail: str = "<Message>injected</Message>") -> None:
        self.upstream = urlsplit(upstream)
        self.policy = policy
        self.count = 0
        self.failed = 0
        self.lock = threading.Lock()
        self.stopped = threading.Event()  # ends the requests it never answers
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with proxy.lock:
                    proxy.count += 1
                    verdict = proxy.policy(self.command, self.path, proxy.count)
                    if verdict is not None:
                        proxy.failed += 1
                if verdict == SILENT:
                    proxy.stopped.wait()
                    self.close_connection = True
                    return
                if verdict == DROP:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if verdict is not None:
                    payload = (f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>"
                               f"{error_code}</Code>{error_detail}</Error>"
                               ).encode()
                    self.send_response(verdict)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                conn = http.client.HTTPConnection(proxy.upstream.hostname or "",
                                                  proxy.upstream.port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                headers["Host"] = proxy.upstream.netloc
                conn.request(self.command, self.path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                self.send_response(response.status)
                for key, value in response.getheaders():
                    if key.lower() not in ("content-length", "transfer-encoding",
                                           "connection", "server", "date"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                conn.close()

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FaultyProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.server.shutdown()
        self.server.server_close()


def mount_namespaces() -> bool:
    """Whether this machine lets a test mount file systems of its own (``unshare -rm``:
    a user and mount namespace), for a full or read-only disk of the test's making."""
    found = shutil.which("unshare")
    return found is not None and subprocess.run(
        [found, "-rm", "true"], capture_output=True, check=False).returncode == 0


def outpost_process(root: Path, *args: str, env: Mapping[str, str] | None = None,
                    session: bool = False) -> subprocess.Popen[str]:
    """``outpost`` as a real process, line-buffered, so a test can kill or interrupt it
    mid-way. Ctrl-C reaches it whatever this process inherited: run as a background job
    of a script, the tests ignore SIGINT, and a child keeps an ignored signal ignored.
    ``session``: in a session (and process group) of its own, which a test kills whole."""
    return subprocess.Popen(
        [sys.executable, "-u", "-m", "generator", "--root", str(root), *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, **(env or {})}, start_new_session=session,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def make_target(root: Path, entry: str, name: str) -> Target:
    """Add ``entry`` to outpost.yaml's publish: list and build that target from config."""
    from generator.app import TARGET_KINDS, schema
    from generator.publish.base import targets_from_config

    add_target(root, entry)
    return targets_from_config(schema().load(root), root, TARGET_KINDS, [name])[0]


def drain(lines: Iterator[str]) -> list[str]:
    return list(lines)


def interrupted(lines: Iterator[str], k: int) -> list[str]:
    """Consume ``k`` progress lines, then stop the publish right there (GeneratorExit at
    the k-th yield; with k=0 it never starts)."""
    seen: list[str] = []
    for _ in range(k):
        try:
            seen.append(next(lines))
        except StopIteration:
            break
    close = getattr(lines, "close", None)
    if close is not None:
        close()
    return seen


@dataclass(frozen=True)
class Builds:
    """The example repository built twice: before and after a one-notice edit."""

    root: Path
    old_dir: Path
    old: Manifest
    new_dir: Path
    new: Manifest

    @property
    def changed(self) -> set[str]:
        return {p for p, e in self.new.files.items() if self.old.files.get(p) != e}


def two_builds(root: Path, tmp: Path) -> Builds:
    old_dir, new_dir = tmp / "site-old", tmp / "site-new"
    old = build_site(root, old_dir)
    change_one_notice(root)
    new = build_site(root, new_dir)
    return Builds(root, old_dir, old, new_dir, new)


def s3_served(endpoint: str, bucket: str, sites: Mapping[Path, Manifest],
              prefix: str = "") -> dict[str, bytes]:
    """What the bucket serves, cheaply: HTML pages and the manifest are downloaded; other
    objects are matched by ETag (the MD5 of a single-part upload) to a build's file."""
    client: Any = s3_client(endpoint)
    by_md5: dict[str, bytes] = {}
    for site, manifest in sites.items():
        for path in manifest.files:
            data = (site / path).read_bytes()
            by_md5[hashlib.md5(data).hexdigest()] = data
    found: dict[str, bytes] = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            path = item["Key"][len(prefix):]
            if path.startswith(".outpost/"):
                continue
            if path.endswith(".html") or path == MANIFEST:
                found[path] = client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            else:
                found[path] = by_md5.get(item["ETag"].strip('"'), b"<unknown content>")
    return found
