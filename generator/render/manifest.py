"""manifest.json: every file of a build with its sha256, size and content type.

Format (a public contract, version 1)::

    {"version": 1, "build_id": "<16 hex>", "generated_at": "<ISO 8601>",
     "inputs": "<16 hex>",
     "files": {"index.html": {"sha256": "...", "size": 1234,
                              "content_type": "text/html; charset=utf-8"}, ...}}

The manifest does not list itself. ``build_id`` is derived from the file list and
hashes, so identical builds have identical ids. ``inputs`` (added in version 1 without
changing it; absent from older manifests) is a digest of what the build read:
outpost.yaml, templates/ and every notice file, so ``outpost publish`` can tell a site
built before the latest edits.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from json.encoder import encode_basestring_ascii
from typing import Any

from generator.render.mediatypes import content_type

MANIFEST = "manifest.json"
# What a build's ``inputs`` digest stands for, in the words of a message about it.
BUILD_INPUTS = "notices, outpost.yaml or templates/"


@dataclass(frozen=True)
class Entry:
    sha256: str
    size: int
    content_type: str


@dataclass(frozen=True)
class Manifest:
    build_id: str
    generated_at: str
    files: Mapping[str, Entry]
    inputs: str = ""  # digest of the build's inputs; "" when unknown (older manifests)

    def built_from(self, inputs: str) -> bool:
        """Whether this build was made from the files whose digest is ``inputs``
        (build.inputs.inputs_digest). A manifest from before builds recorded their
        inputs holds none, and passes: nothing tells it was made from other files."""
        return not self.inputs or self.inputs == inputs

    def to_bytes(self) -> bytes:
        head_keys = ("version", "build_id", "generated_at", *(("inputs",) if self.inputs else ()))
        head_data = {"version": 1, "build_id": self.build_id,
                     "generated_at": self.generated_at, "inputs": self.inputs}
        if not self.files:
            return (json.dumps({**{k: head_data[k] for k in head_keys}, "files": {}}, indent=1)
                    + "\n").encode("utf-8")
        # The same bytes as json.dumps(data, indent=1), which runs json's pure-Python
        # encoder (any indent does): 0.5 s at 10,000 files, against 0.02 s here.
        # json.dumps of a str is encode_basestring_ascii (ensure_ascii, the default).
        text = encode_basestring_ascii

        def entry(path: str, e: Entry) -> str:
            return (f'  {text(path)}: {{\n   "sha256": {text(e.sha256)},\n'
                    f'   "size": {e.size},\n   "content_type": {text(e.content_type)}\n  }}')

        head = json.dumps({k: head_data[k] for k in head_keys}, indent=1)[:-2]
        body = ",\n".join(entry(path, e) for path, e in sorted(self.files.items()))
        return f'{head},\n "files": {{\n{body}\n }}\n}}\n'.encode()


def make_manifest(files: Mapping[str, bytes], generated_at: str, inputs: str = ""
                  ) -> Manifest:
    """The manifest of ``files``; ``inputs`` the digest of what the build read."""
    return manifest_of({path: (hashlib.sha256(data).hexdigest(), len(data))
                        for path, data in files.items()}, generated_at, inputs)


def manifest_of(facts: Mapping[str, tuple[str, int]], generated_at: str, inputs: str = ""
                ) -> Manifest:
    """The manifest of files known by their (sha256, size) (a build knows them without
    reading the pages it kept)."""
    entries = {
        path: Entry(sha256, size, content_type(path))
        for path, (sha256, size) in facts.items() if path != MANIFEST
    }
    digest = hashlib.sha256()
    for path in sorted(entries):
        digest.update(f"{path}\0{entries[path].sha256}\n".encode())
    return Manifest(digest.hexdigest()[:16], generated_at, entries, inputs)


def parse_manifest(raw: bytes) -> Manifest:
    """Read a manifest back; raises ValueError if it is not one, whatever its bytes (a
    target or a server may serve anything as manifest.json)."""
    try:
        data: Any = json.loads(raw.decode("utf-8"))
        if not isinstance(data, dict) or data.get("version") != 1:
            raise ValueError("not an Outpost manifest (version 1)")
        files = {
            str(path): Entry(str(e["sha256"]), int(e["size"]), str(e["content_type"]))
            for path, e in data["files"].items()
        }
        return Manifest(str(data["build_id"]), str(data["generated_at"]), files,
                        str(data.get("inputs") or ""))
    # A part of another shape ('files' a list, a size of 1e400, which JSON reads as an
    # infinity no int holds), or JSON nested past Python's reader.
    except (KeyError, TypeError, AttributeError, OverflowError, RecursionError) as exc:
        raise ValueError(f"not an Outpost manifest ({type(exc).__name__})") from None
