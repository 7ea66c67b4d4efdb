"""Compiled templates kept between builds: compiling them is a sixth of a small build.

The built-in templates' code is kept beside them, in their ``__pycache__`` folder, the
way Python keeps its own bytecode: compiled once per installation, then reused by every
build, a site's first included (where the package folder cannot be written, they are
compiled each time). A site's own templates (``templates/``) go in its build cache,
through the checked ``Store``, so a damaged entry is recompiled. Jinja checks both
kinds against the template's source and its own version before using them.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from jinja2 import BytecodeCache, Environment
from jinja2.bccache import Bucket

from generator.build.store import Store, save_quietly


class StoredBytecode(BytecodeCache):
    def __init__(self, store: Store, shipped: Path | None = None) -> None:
        self.store = store
        self.shipped = shipped  # the built-in templates' folder
        self._beside: dict[str, Path] = {}  # bucket key -> its file, for built-in ones

    @staticmethod
    def entry(bucket: Bucket) -> str:
        # Jinja's key covers the template's name and folder; its checksum the source.
        return f"template-{hashlib.sha256(bucket.key.encode()).hexdigest()[:20]}"

    def get_bucket(self, environment: Environment, name: str, filename: str | None,
                   source: str) -> Bucket:
        if self.shipped is not None and filename is not None and _inside(filename,
                                                                          self.shipped):
            key = self.get_cache_key(name, filename)
            self._beside[key] = self.shipped / "__pycache__" / f"{key}.jinja"
        return super().get_bucket(environment, name, filename, source)

    def load_bytecode(self, bucket: Bucket) -> None:
        beside = self._beside.get(bucket.key)
        if beside is not None:
            _load(bucket, lambda: beside.read_bytes())
            return
        data = self.store.load(self.entry(bucket))
        if isinstance(data, bytes):
            _load(bucket, lambda: data)

    def dump_bytecode(self, bucket: Bucket) -> None:
        beside = self._beside.get(bucket.key)
        if beside is not None:
            save_quietly(beside, bucket.bytecode_to_string())
            return
        self.store.save(self.entry(bucket), bucket.bytecode_to_string())


def _inside(filename: str, folder: Path) -> bool:
    where, folder_name = os.path.abspath(filename), os.path.abspath(folder)
    return where.startswith(folder_name + os.sep)


def _load(bucket: Bucket, read: Callable[[], bytes]) -> None:
    """Fill ``bucket`` (Jinja resets it when its version or the source differs)."""
    try:
        bucket.bytecode_from_string(read())
    except Exception:  # missing, unreadable or damaged: compile again
        bucket.reset()
