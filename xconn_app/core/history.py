"""Who changed what: the list administrators' history beside the list, and each user's own events.

``history.jsonl`` in the list folder records changes to definitions and profiles. Only list
administrators write it, always under the list's lock, appending without following links; the
OS user comes from the process, never from the file. Each entry carries the SHA-256 of the line
before it, so an entry edited or removed outside xconn breaks the chain and ``history`` says where.
Events of one user (authorized, renewed, keep-alive, needs re-authorization) go to that user's
own state folder (grants.UserState), as does everything a plain user does.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass

from . import accounts
from .errors import XconnError
from .model import Connection, current_host
from .registry import Registry

log = logging.getLogger("xconn.history")

FILE = "history.jsonl"
GENESIS = "0" * 64
TAIL_BYTES = 4_000_000

TRUSTED = "ok"
NOT_ADMIN = "not from a list administrator"
BROKEN = "changed outside xconn after this entry"
BROKEN_BEFORE = "entries before this one were changed outside xconn"
LEGACY = "from before the upgrade, unverified"
OWN = "your own record"


def _hash(line: bytes) -> str:
    return hashlib.sha256(line.rstrip(b"\n")).hexdigest()


def entry(what: str, connection: Connection | None = None, detail: str = "") -> dict:
    me = accounts.me()
    return {
        "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "ts": time.time(),
        "user": me.name,
        "uid": me.uid if me.uid is not None else me.sid,
        "host": current_host(),
        "what": what,
        "connection": connection.name if connection else "",
        "connection_id": connection.id if connection else "",
        "detail": detail,
    }


@dataclass
class HistoryEntry:
    at: str
    ts: float
    user: str
    host: str
    what: str
    connection: str
    connection_id: str
    detail: str
    trust: str  # TRUSTED, NOT_ADMIN, BROKEN, LEGACY or OWN

    @property
    def note(self) -> str:
        return "" if self.trust == TRUSTED else self.trust

    def to_dict(self) -> dict:
        return dict(self.__dict__)


class History:
    def __init__(self, registry: Registry):
        self.registry = registry

    def append_locked(self, record: dict) -> None:
        """Append one entry; the caller holds the list's lock (so the chain has one writer at a time)."""
        folder = self.registry.folder
        try:
            got = folder.read_tail(FILE, 65536)
            last = b""
            if got and got[0]:
                lines = got[0].rstrip(b"\n").split(b"\n")
                last = lines[-1] if lines else b""
            record = {**record, "prev": _hash(last) if last else GENESIS}
            folder.append(FILE, (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"), 0o664)
        except (OSError, XconnError) as exc:
            log.warning("could not write the history: %s", exc)

    def append(self, record: dict) -> None:
        try:
            with self.registry.locked():
                self.append_locked(record)
        except XconnError as exc:
            log.warning("could not write the history: %s", exc)

    def read(self) -> list[HistoryEntry]:
        """The shared entries, oldest first, each with how far it can be believed."""
        try:
            got = self.registry.folder.read_tail(FILE, TAIL_BYTES)
        except (OSError, XconnError) as exc:
            log.warning("could not read the history: %s", exc)
            return []
        if not got:
            return []
        data, whole = got
        raw_lines = data.split(b"\n")
        if raw_lines and raw_lines[-1] == b"":
            raw_lines.pop()
        if not whole and raw_lines:
            raw_lines = raw_lines[1:]  # the first line read may be cut: the chain starts after it
        out: list[HistoryEntry] = []
        prev_line: bytes | None = None if not whole else b""
        for line in raw_lines:
            try:
                doc = json.loads(line)
                if not isinstance(doc, dict):
                    raise ValueError
            except ValueError:
                if out:
                    out[-1].trust = BROKEN
                prev_line = line
                continue
            expected = None if prev_line is None else (GENESIS if prev_line == b"" else _hash(prev_line))
            item = _entry(doc)
            if expected is not None and doc.get("prev") != expected:
                if out:
                    out[-1].trust = BROKEN
                else:
                    item.trust = BROKEN_BEFORE
            out.append(item)
            prev_line = line
        return out


def _text(doc: dict, key: str) -> str:
    value = doc.get(key, "")
    return value[:1000] if isinstance(value, str) else str(value)[:100]


def _entry(doc: dict, trust: str | None = None) -> HistoryEntry:
    ts = doc.get("ts")
    ts = float(ts) if isinstance(ts, (int, float)) and not isinstance(ts, bool) else 0.0
    if trust is None:
        if doc.get("legacy"):
            trust = LEGACY
        else:
            uid = doc.get("uid")
            admin = isinstance(uid, int) and not isinstance(uid, bool) and accounts.is_admin_uid(uid)
            if isinstance(uid, str):  # Windows SID: the file's ACL lets only administrators write it
                admin = True
            trust = TRUSTED if admin else NOT_ADMIN
    return HistoryEntry(
        at=_text(doc, "at"),
        ts=ts,
        user=_text(doc, "user"),
        host=_text(doc, "host"),
        what=_text(doc, "what"),
        connection=_text(doc, "connection"),
        connection_id=_text(doc, "connection_id"),
        detail=_text(doc, "detail"),
        trust=trust,
    )


def own_entries(events: list[dict]) -> list[HistoryEntry]:
    return [_entry(e, OWN) for e in events]
