"""Compiled templates kept in the build cache: compiling them is a sixth of a small
rebuild. Entries go through the checked ``Store``, so a damaged one is recompiled
(Jinja's own FileSystemBytecodeCache unpickles whatever it finds)."""

from __future__ import annotations

import hashlib

from jinja2 import BytecodeCache
from jinja2.bccache import Bucket

from generator.build.store import Store


class StoredBytecode(BytecodeCache):
    def __init__(self, store: Store) -> None:
        self.store = store

    @staticmethod
    def entry(bucket: Bucket) -> str:
        # Jinja's key covers the template's name and folder; its checksum the source.
        return f"template-{hashlib.sha256(bucket.key.encode()).hexdigest()[:20]}"

    def load_bytecode(self, bucket: Bucket) -> None:
        data = self.store.load(self.entry(bucket))
        if isinstance(data, bytes):
            try:
                bucket.bytecode_from_string(data)
            except Exception:  # whatever is wrong with it: compile again
                bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.store.save(self.entry(bucket), bucket.bytecode_to_string())
