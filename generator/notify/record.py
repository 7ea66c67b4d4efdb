"""The record of what was sent, and where it is kept.

The record maps each message key to the recipients it reached. Recipients are
stored as short hashes of their id ('email:ops@example.org', 'webhook:chat'), so
the record names no address even where it sits on a public host. It is written
after every successful delivery, atomically, so a run killed between two sends
loses nothing and repeats nothing.

Where: the primary publish target (``read_state``/``write_state``, outside the
served site) when outpost.yaml has a ``publish:`` list; otherwise a local file,
which does not survive a throw-away CI machine.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from generator.core.errors import OutpostError
from generator.core.model import Config
from generator.disk import write_file_atomic
from generator.publish.base import (
    PublishError,
    TargetKinds,
    primary_target,
    targets_from_config,
)

STATE_NAME = "notify-record.json"
LOCAL_PATH = Path(".outpost-state") / STATE_NAME
FORMAT = 1


class RecordStore(Protocol):
    """Somewhere to keep one small named blob durably."""

    description: str

    def read_state(self, name: str) -> bytes | None: ...

    def write_state(self, name: str, data: bytes) -> None: ...


@dataclass
class LocalStore:
    """A folder on this machine; each state is one file, replaced atomically."""

    folder: Path
    description: str = ""

    def __post_init__(self) -> None:
        if not self.description:
            self.description = f"local file {self.folder / STATE_NAME}"

    def read_state(self, name: str) -> bytes | None:
        try:
            return (self.folder / name).read_bytes()
        except FileNotFoundError:
            return None

    def write_state(self, name: str, data: bytes) -> None:
        write_file_atomic(self.folder / name, data)


@dataclass
class TargetStore:
    """The primary publish target's state area."""

    target: Any  # generator.publish.base.Target
    description: str = ""

    def __post_init__(self) -> None:
        if not self.description:
            self.description = f"publish target '{self.target.name}' ({STATE_NAME})"

    def read_state(self, name: str) -> bytes | None:
        data: bytes | None = self.target.read_state(name)
        return data

    def write_state(self, name: str, data: bytes) -> None:
        self.target.write_state(name, data)


def store_for(config: Config, root: Path, kinds: TargetKinds) -> RecordStore:
    """The primary publish target when there is one, else ROOT/.outpost-state/."""
    if config.extra("publish"):
        return TargetStore(primary_target(config, root, kinds))
    return LocalStore((root / LOCAL_PATH).parent)


def earlier_stores(config: Config, root: Path, kinds: TargetKinds) -> list[RecordStore]:
    """Where a record kept before the primary changed may be: the other publish targets
    (one was the primary before ``publish:`` was reordered or its first target
    replaced), then ROOT/.outpost-state/ (the record before a ``publish:`` list)."""
    if not config.extra("publish"):  # the local file is the record's own place
        return []
    others: list[RecordStore] = [TargetStore(target) for target
                                 in targets_from_config(config, root, kinds)[1:]]
    return [*others, LocalStore((root / LOCAL_PATH).parent)]


def recipient_hash(recipient_id: str) -> str:
    return hashlib.sha256(recipient_id.lower().encode("utf-8")).hexdigest()[:16]


@dataclass
class SentRecord:
    """message key -> {'at': ISO time of the message, 'to': [recipient hashes]}."""

    entries: dict[str, dict[str, Any]] = field(default_factory=dict)

    def has(self, key: str, recipient_id: str) -> bool:
        entry = self.entries.get(key)
        return entry is not None and recipient_hash(recipient_id) in entry["to"]

    def add(self, key: str, at: datetime, recipient_id: str) -> None:
        entry = self.entries.setdefault(key, {"at": at.isoformat(), "to": []})
        digest = recipient_hash(recipient_id)
        if digest not in entry["to"]:
            entry["to"].append(digest)

    def prune(self, horizon: datetime) -> None:
        """Forget messages older than the horizon: they can never be sent again."""
        for key in [k for k, v in self.entries.items()
                    if datetime.fromisoformat(v["at"]) < horizon]:
            del self.entries[key]

    def encode(self) -> bytes:
        data = {"format": FORMAT, "sent": dict(sorted(self.entries.items()))}
        return (json.dumps(data, indent=1, sort_keys=True) + "\n").encode("utf-8")

    @classmethod
    def decode(cls, data: bytes | None, where: str) -> SentRecord:
        if data is None:
            return cls()
        try:
            parsed = json.loads(data.decode("utf-8"))
            if parsed.get("format") != FORMAT:
                raise ValueError(f"unknown format {parsed.get('format')!r}")
            entries = parsed["sent"]
            for entry in entries.values():
                if datetime.fromisoformat(entry["at"]).tzinfo is None:  # prune compares
                    raise ValueError(f"time '{entry['at']}' has no UTC offset")
                recipients = entry["to"]
                if not (isinstance(recipients, list)
                        and all(isinstance(item, str) for item in recipients)):
                    raise ValueError("recipients must be a list of text")
        # RecursionError: JSON nested deeper than Python's reader goes ('[[[[...').
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            raise OutpostError(
                f"the sent record in {where} is damaged ({exc}); nothing was sent. Restore it, "
                "or delete it and set notify.since to now so that history is not sent again"
            ) from None
        return cls(dict(entries))


def _read(store: RecordStore, missing: str = "") -> bytes | None:
    """The record's bytes in ``store`` (None: there is none); ``missing``: why it is
    read there, for the message should it fail."""
    try:
        return store.read_state(STATE_NAME)
    except (PublishError, OSError) as exc:
        # The target's own words ('git fetch: fatal: ...') say neither what was being
        # read nor that the run stopped before sending.
        why = exc.message if isinstance(exc, PublishError) else str(exc)
        raise OutpostError(f"could not read the sent record in {store.description}"
                           f"{missing}; nothing was sent (run outpost notify again once it "
                           f"can be read): {why}") from None


def load_record(store: RecordStore,
                earlier: Callable[[], Sequence[RecordStore]] = tuple
                ) -> tuple[SentRecord, list[str] | None]:
    """The record in ``store``; where it holds none, the records found in ``earlier``
    (earlier_stores) joined, so that a change of the primary target sends nothing
    again. Also the descriptions of the stores those were found in (None: the record
    was in ``store``)."""
    data = _read(store)
    if data is not None:
        return SentRecord.decode(data, store.description), None
    joined, found = SentRecord(), []
    missing = (f", where a record kept before {store.description} became the primary "
               "may be")
    for other in earlier():
        kept = _read(other, missing)
        if kept is not None:
            found.append(other.description)
            for key, entry in SentRecord.decode(kept, other.description).entries.items():
                mine = joined.entries.setdefault(key, {"at": entry["at"], "to": []})
                mine["to"] += [to for to in entry["to"] if to not in mine["to"]]
    return joined, found


def save_record(store: RecordStore, record: SentRecord) -> None:
    store.write_state(STATE_NAME, record.encode())
