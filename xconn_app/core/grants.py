"""This OS user's own xconn state: grants, token-refresh locks, own events, the keep-alive record.

It lives in the user's state folder (platformdirs: ``~/.local/state/xconn``, ``%LOCALAPPDATA%``,
``~/Library/Application Support``), never in the shared list folder: who authorized, when tokens
were last renewed and whether Xero refused them belong to one user, like the tokens in their keyring.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import time
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any

from . import paths
from .errors import XconnError
from .model import GRANT_FIELDS, Grant, is_id, now
from .safefs import LockTimeout, SafeFolder, busy, unwritable

log = logging.getLogger("xconn.grants")

GRANTS = "grants.json"
LOCK = ".grants.lock"
EVENTS = "events.jsonl"
KEEPALIVE = "keepalive.json"
MAX_BYTES = 64_000_000
LOCK_TIMEOUT = 30.0
_TYPES = {f.name: f.type for f in fields(Grant)}


class UserState:
    """The user's own state folder (created 0700 on first write)."""

    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path else paths.user_state_dir()
        self.folder = SafeFolder(self.path, paths.user_policy(), what="xconn state folder of this user")

    def ensure(self) -> None:
        if not self.folder.exists():
            try:
                self.path.mkdir(parents=True, exist_ok=True, mode=0o700)
            except OSError as exc:
                raise unwritable(self.path, exc, "This user's xconn state") from exc

    def subfolder(self, name: str) -> SafeFolder:
        self.ensure()
        sub = self.path / name
        if not (sub.exists() or sub.is_symlink()):
            with contextlib.suppress(FileExistsError):
                sub.mkdir(mode=0o700)
        return SafeFolder(sub, paths.user_policy(), what="xconn state folder of this user")

    @contextlib.contextmanager
    def token_lock(self, connection_id: str, timeout: float = 120.0) -> Iterator[None]:
        """One token refresh at a time per connection, across this user's processes."""
        if not is_id(connection_id):
            raise ValueError("not a connection id")
        try:
            with self.subfolder("locks").lock(f"{connection_id}.lock", timeout, 0o600):
                yield
        except LockTimeout:
            raise busy("this connection's tokens") from None

    # -- own events and keep-alive ------------------------------------------------------------------
    def add_event(self, entry: dict) -> None:
        try:
            self.ensure()
            self.folder.append(EVENTS, (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8"), 0o600)
        except (OSError, XconnError) as exc:
            log.warning("could not record an event in this user's history: %s", exc)

    def events(self, limit_bytes: int = 4_000_000) -> list[dict]:
        try:
            got = self.folder.read_tail(EVENTS, limit_bytes)
        except (OSError, XconnError) as exc:
            log.warning("could not read this user's history: %s", exc)
            return []
        if not got:
            return []
        data, whole = got
        lines = data.decode("utf-8", "replace").splitlines()
        if not whole and lines:
            lines = lines[1:]  # the first line read may be cut
        out = []
        for line in lines:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict):
                out.append(entry)
        return out

    def write_keepalive(self, record: dict) -> None:
        self.ensure()
        try:
            self.folder.write(KEEPALIVE, json.dumps(record).encode("utf-8"), 0o600)
        except OSError as exc:
            raise unwritable(self.path, exc, "The keep-alive record") from exc

    def read_keepalive(self) -> dict | None:
        """The last keep-alive run of this user, None when it never ran. Raises XconnError when unreadable."""
        try:
            raw = self.folder.read(KEEPALIVE, 1_000_000)
        except FileNotFoundError:
            return None
        if not raw:
            return None
        try:
            doc = json.loads(raw)
        except ValueError:
            return None
        if not isinstance(doc, dict) or not isinstance(doc.get("at"), (int, float)):
            return None
        return doc


_PYTHON_TYPES = {"float": float, "bool": bool, "str": str, "dict": dict}
_EXPECTED = tuple((name, _PYTHON_TYPES[str(_TYPES[name])]) for name in GRANT_FIELDS)
_EXPECTED_TYPES = tuple(kind for _name, kind in _EXPECTED)
_FLOATS = tuple(name for name, kind in _EXPECTED if kind is float)


def _grant_from(raw: dict) -> Grant | None:
    cid = raw.get("connection_id")
    if not is_id(cid):
        return None
    # The usual case, every field present with its own type (as _write saved it): taken as it is.
    if (
        len(raw) == len(GRANT_FIELDS)
        and tuple(map(type, map(raw.get, GRANT_FIELDS))) == _EXPECTED_TYPES
        and all(map(math.isfinite, map(raw.__getitem__, _FLOATS)))
    ):
        return Grant(**raw)
    values: dict[str, Any] = {}  # each value is of its field's type, checked below
    for name in GRANT_FIELDS:
        if name not in raw:
            continue
        value, kind = raw[name], _TYPES[name]
        if kind == "float" and isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            values[name] = float(value)
        elif kind == "bool" and isinstance(value, bool):
            values[name] = value
        elif kind == "str" and isinstance(value, str):
            values[name] = value[:4000]
        elif kind == "dict" and isinstance(value, dict):
            values[name] = value
    return Grant(**values)


class GrantStore:
    """This user's grants for the connections of one list."""

    def __init__(self, state: UserState, list_folder: Path | str):
        self.state = state
        self.list_folder = str(list_folder)

    def _read(self) -> dict:
        try:
            raw = self.state.folder.read(GRANTS, MAX_BYTES)
        except FileNotFoundError:
            return {}
        if not raw:
            return {}
        try:
            doc = json.loads(raw)
            if not isinstance(doc, dict) or not isinstance(doc.get("grants", []), list):
                raise ValueError("not a grants file")
            return doc
        except (ValueError, RecursionError) as exc:
            stamp = time.strftime("%Y%m%d-%H%M%S")
            with contextlib.suppress(OSError, XconnError):
                self.state.folder.rename(GRANTS, f"grants.damaged-{stamp}.json")
            log.warning("this user's grants file was damaged (%s); kept aside as grants.damaged-%s.json", exc, stamp)
            return {}

    def _mine(self, doc: dict) -> dict[str, Grant]:
        out = {}
        for raw in doc.get("grants", []):
            if isinstance(raw, dict) and raw.get("list_folder") == self.list_folder:
                grant = _grant_from(raw)
                if grant:
                    out[grant.connection_id] = grant
        return out

    def all(self) -> dict[str, Grant]:
        """{connection id: grant} for this list (no lock: writes replace the file atomically)."""
        try:
            return self._mine(self._read())
        except XconnError as exc:
            log.warning("could not read this user's grants: %s", exc)
            return {}

    def get(self, connection_id: str) -> Grant | None:
        return self.all().get(connection_id)

    @contextlib.contextmanager
    def edit(self) -> Iterator[dict[str, Grant]]:
        """Read-modify-write of this list's grants under the user's lock; saved when the block succeeds."""
        self.state.ensure()
        try:
            with self.state.folder.lock(LOCK, LOCK_TIMEOUT, 0o600):
                doc = self._read()
                mine = self._mine(doc)
                yield mine
                others = [
                    g for g in doc.get("grants", []) if isinstance(g, dict) and g.get("list_folder") != self.list_folder
                ]
                for grant in mine.values():
                    grant.list_folder = self.list_folder
                doc = {
                    "schema": 1,
                    "grants": others + [g.to_dict() for g in mine.values()],
                    "claimed": [c for c in doc.get("claimed", []) if isinstance(c, str)][-100:],
                }
                self._write(doc)
        except LockTimeout:
            raise busy("this user's grants") from None

    def _write(self, doc: dict) -> None:
        try:
            self.state.folder.write(GRANTS, json.dumps(doc, ensure_ascii=False).encode("utf-8"), 0o600)
        except OSError as exc:
            raise unwritable(self.state.path, exc, "This user's grants") from exc

    def put(self, grant: Grant) -> None:
        with self.edit() as grants:
            grants[grant.connection_id] = grant

    def remove(self, connection_id: str) -> None:
        with self.edit() as grants:
            grants.pop(connection_id, None)

    def claim(self, entries: dict[str, dict], source: bytes) -> list[str]:
        """Take grants left by a schema 1 list, once per source; returns the connection ids taken."""
        mark = hashlib.sha256(source).hexdigest()[:32]
        taken: list[str] = []
        self.state.ensure()
        with self.state.folder.lock(LOCK, LOCK_TIMEOUT, 0o600):
            doc = self._read()
            claimed = [c for c in doc.get("claimed", []) if isinstance(c, str)]
            if mark in claimed:
                return []
            mine = self._mine(doc)
            for cid, raw in entries.items():
                if not is_id(cid) or cid in mine:
                    continue
                grant = _grant_from({**raw, "connection_id": cid})
                if grant:
                    grant.list_folder = self.list_folder
                    mine[cid] = grant
                    taken.append(cid)
            others = [
                g for g in doc.get("grants", []) if isinstance(g, dict) and g.get("list_folder") != self.list_folder
            ]
            self._write(
                {
                    "schema": 1,
                    "grants": others + [g.to_dict() for g in mine.values()],
                    "claimed": [*claimed, mark][-100:],
                }
            )
        return taken


def new_grant(connection_id: str, list_folder: str) -> Grant:
    from .model import current_host

    at = now()
    return Grant(
        connection_id=connection_id,
        list_folder=list_folder,
        authorized_at=at,
        authorized_host=current_host(),
        last_refresh=at,
    )
