"""The record of what was sent, and where it is kept.

The record maps each message key to the recipients it reached, and each recipient to
when it is sent updates from (one added later is not sent the history). Recipients are
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
    """message key -> {'at': ISO time of the message, 'to': [recipient hashes]}; and
    each contact's and webhook's hash -> from when it is sent updates."""

    entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Every recipient when the record was last written, with the time it is sent updates
    # from (an ISO time; None: from the horizon). None: a record that names none yet (the
    # first run, or one kept by an earlier version).
    recipients: dict[str, str | None] | None = None
    written: str | None = None  # ISO time of the run that last wrote it

    def has(self, key: str, recipient_id: str) -> bool:
        entry = self.entries.get(key)
        return entry is not None and recipient_hash(recipient_id) in entry["to"]

    def followers(self) -> Callable[[str, str], bool]:
        """Whether a notice (by id) was sent to a recipient (by id), any message of it,
        as the record stands now."""
        told: dict[str, set[str]] = {}
        for key, entry in self.entries.items():
            told.setdefault(key.partition("/")[0], set()).update(entry["to"])
        return lambda notice_id, recipient_id: recipient_hash(recipient_id) in told.get(
            notice_id, ())

    def since(self, recipient_id: str) -> datetime | None:
        """From when ``recipient_id`` is sent updates, if later than the horizon."""
        found = (self.recipients or {}).get(recipient_hash(recipient_id))
        return datetime.fromisoformat(found) if found is not None else None

    def welcome(self, recipient_ids: Sequence[str]) -> list[str]:
        """Make ``recipient_ids`` the record's recipients; those it did not name when it
        names some (added to outpost.yaml since) are returned, and are sent the updates
        from the last run that wrote the record on, not every update since the horizon:
        a colleague added months later would get months of history."""
        known = self.recipients
        start = self.written if known is not None else None
        added = [recipient for recipient in recipient_ids
                 if known is not None and recipient_hash(recipient) not in known]
        self.recipients = {}
        for recipient in recipient_ids:
            digest = recipient_hash(recipient)
            self.recipients[digest] = (known[digest] if known is not None and digest in known
                                       else start)
        return added

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
        data: dict[str, Any] = {"format": FORMAT, "sent": dict(sorted(self.entries.items()))}
        if self.recipients is not None and self.written is not None:
            data["recipients"] = dict(sorted(self.recipients.items()))
            data["written"] = self.written
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
                _aware(entry["at"])  # prune compares
                recipients = entry["to"]
                if not (isinstance(recipients, list)
                        and all(isinstance(item, str) for item in recipients)):
                    raise ValueError("recipients must be a list of text")
            known, written = parsed.get("recipients"), parsed.get("written")
            if known is not None or written is not None:
                if not (isinstance(known, dict) and isinstance(written, str)):
                    raise ValueError("'recipients' and 'written' go together")
                _aware(written)
                for since in known.values():
                    if since is not None:
                        _aware(since)
        # RecursionError: JSON nested deeper than Python's reader goes ('[[[[...').
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            raise OutpostError(
                f"the sent record in {where} is damaged ({exc}); nothing was sent. Restore it, "
                "or delete it and set notify.since to now so that history is not sent again"
            ) from None
        return cls(dict(entries), known, written)


def _aware(text: object) -> None:
    """ValueError unless ``text`` is an ISO time with a UTC offset."""
    if not isinstance(text, str):
        raise ValueError(f"time {text!r} is not text")
    if datetime.fromisoformat(text).tzinfo is None:
        raise ValueError(f"time '{text}' has no UTC offset")


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
    joined, found = SentRecord(recipients={}), []
    missing = (f", where a record kept before {store.description} became the primary "
               "may be")
    for other in earlier():
        kept = _read(other, missing)
        if kept is not None:
            found.append(other.description)
            record = SentRecord.decode(kept, other.description)
            for key, entry in record.entries.items():
                mine = joined.entries.setdefault(key, {"at": entry["at"], "to": []})
                mine["to"] += [to for to in entry["to"] if to not in mine["to"]]
            _join_recipients(joined, record)
    if not found:
        joined.recipients = None
    return joined, found


def _join_recipients(joined: SentRecord, record: SentRecord) -> None:
    """Add ``record``'s recipients to ``joined``'s, each from the earlier of its times;
    a record naming none makes the joined one name none (every recipient is sent
    updates from the horizon, as before records named them)."""
    if joined.recipients is None or record.recipients is None or record.written is None:
        joined.recipients = None
        return
    for digest, since in record.recipients.items():
        if digest in joined.recipients:
            other = joined.recipients[digest]
            since = None if since is None or other is None else min(
                since, other, key=datetime.fromisoformat)
        joined.recipients[digest] = since
    joined.written = (record.written if joined.written is None
                      else max(joined.written, record.written, key=datetime.fromisoformat))


def save_record(store: RecordStore, record: SentRecord, now: datetime) -> None:
    """Write ``record`` into ``store``, as written by a run at ``now``."""
    record.written = now.isoformat()
    store.write_state(STATE_NAME, record.encode())
