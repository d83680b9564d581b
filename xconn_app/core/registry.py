"""The connection list (``connections.json``): definitions and capture profiles, nothing per user.

Read as hostile input (it may sit in a folder that others can write): through a :class:`SafeFolder`,
size-capped, every field's type checked, ids only in the shape xconn generates. Saved atomically
under a cross-process lock. A file that does not parse or does not check is kept aside under a new
name (by someone who may write the folder) and reported; it is never silently replaced by an empty
list. Schema 1 files (before the trust model: per-user grants inside) are read and migrated: their
grants are handed to the users' own state (see grants.py), never saved back.
"""

from __future__ import annotations

import contextlib
import json
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .errors import RegistryCorrupt, RegistryTooNew, UnsafeLocation
from .model import ID_RE, Connection, Profile, is_id
from .paths import ListLocation
from .safefs import LockTimeout, busy, unwritable
from .text import visible

SCHEMA = 2
FILE = "connections.json"
LOCK = ".connections.lock"
LEGACY_GRANTS = "legacy-grants.json"
LOCK_TIMEOUT = 15.0
MAX_BYTES = 32_000_000  # 10,000 connections are ~8 MB
MAX_ITEMS = 50_000
MAX_TEXT = 500
MAX_SCOPES = 100


@dataclass
class RegistryData:
    connections: list[Connection] = field(default_factory=list)
    profiles: list[Profile] = field(default_factory=list)
    schema: int = SCHEMA
    # from a schema 1 file: {OS user name: {connection id: grant fields}}, claimed by each user
    legacy_grants: dict[str, dict[str, dict]] = field(default_factory=dict)

    def to_json(self) -> str:
        """One connection or profile per line. json.dumps(indent=...) runs the pure-Python encoder
        (10,000 connections: 0.7 s); without indent the C encoder does each line."""
        encode = json.JSONEncoder(ensure_ascii=False).encode
        lines = ["{", f' "schema": {SCHEMA},']
        for key, items, last in (("connections", self.connections, False), ("profiles", self.profiles, True)):
            body = ",\n  ".join(encode(item.to_dict()) for item in items)
            lines.append(f' "{key}": [' + (f"\n  {body}\n ]" if body else "]") + ("" if last else ","))
        lines.append("}")
        return "\n".join(lines) + "\n"


class Invalid(ValueError):
    """The file parsed, but something in it is not what xconn writes."""


# -- checking what was read ---------------------------------------------------------------------
def _text(raw: dict, key: str, where: str, *, required: bool = False, limit: int = MAX_TEXT) -> str:
    value = raw.get(key)
    if value is None:
        if required:
            raise Invalid(f"{where} has no {key}")
        return ""
    if not isinstance(value, str):
        raise Invalid(f"{where}: {key} should be text, not {type(value).__name__}")
    if len(value) > limit:
        raise Invalid(f"{where}: {key} is {len(value)} characters long")
    return value


def _number(raw: dict, key: str, where: str) -> float:
    value = raw.get(key, 0)
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise Invalid(f"{where}: {key} should be a number, not {visible(repr(value), 40)}")
    return float(value)


def _id(raw: dict, key: str, where: str, *, required: bool = True) -> str:
    value = raw.get(key)
    if not value and not required:
        return ""
    if not is_id(value):
        raise Invalid(f"{where}: {key} {visible(repr(value), 60)} is not an id xconn made")
    return value


_TEXTS = (
    ("name", 200, True),
    ("client_id", 200, True),
    ("redirect_url", 2000, True),
    ("tenant_id", MAX_TEXT, False),
    ("tenant_name", MAX_TEXT, False),
    ("tenant_type", MAX_TEXT, False),
    ("created_by", MAX_TEXT, False),
    ("updated_by", MAX_TEXT, False),
    ("definition_changed_by", MAX_TEXT, False),
)
_NUMBERS = ("created_at", "updated_at", "definition_changed_at")
_ID_MATCH = ID_RE.match


def _connection_fast(raw: object) -> Connection | None:
    """The usual case, a well-formed entry, checked with as little work as possible (10,000 are read at
    every refresh of the window); None sends anything unusual to the careful check, which says what is
    wrong. The same rules as _connection."""
    if type(raw) is not dict:
        return None
    get = raw.get
    ident = get("id")
    if type(ident) is not str or not _ID_MATCH(ident):
        return None
    values: dict[str, Any] = {"id": ident}
    for key, limit, required in _TEXTS:
        value = get(key)
        if type(value) is str:
            if len(value) > limit:
                return None
            values[key] = value
        elif value is None and not required:
            values[key] = ""
        else:
            return None
    for key in _NUMBERS:
        value = get(key, 0.0)
        kind = type(value)
        if kind is float:
            if value - value != 0.0:  # inf or nan
                return None
        elif kind is int:
            value = float(value)
        elif value is None:
            value = 0.0
        else:
            return None
        values[key] = value
    scopes = get("scopes", [])
    if type(scopes) is not list or len(scopes) > MAX_SCOPES:
        return None
    for scope in scopes:
        if type(scope) is not str or len(scope) > 200:
            return None
    values["scopes"] = scopes  # a list json.loads just made: nobody else holds it
    return Connection(**values)


def _connection(raw: object, n: int) -> Connection:
    return _connection_fast(raw) or _connection_checked(raw, n)


def _connection_checked(raw: object, n: int) -> Connection:
    where = f"connection {n}"
    if not isinstance(raw, dict):
        raise Invalid(f"{where} is not an object")
    where = f"connection {n} ({visible(str(raw.get('name', '?')), 40)})"
    scopes = raw.get("scopes", [])
    if (
        not isinstance(scopes, list)
        or len(scopes) > MAX_SCOPES
        or not all(isinstance(s, str) and len(s) <= 200 for s in scopes)
    ):
        raise Invalid(f"{where}: scopes should be a list of up to {MAX_SCOPES} texts")
    return Connection(
        id=_id(raw, "id", where),
        name=_text(raw, "name", where, required=True, limit=200),
        client_id=_text(raw, "client_id", where, required=True, limit=200),
        redirect_url=_text(raw, "redirect_url", where, required=True, limit=2000),
        scopes=list(scopes),
        tenant_id=_text(raw, "tenant_id", where),
        tenant_name=_text(raw, "tenant_name", where),
        tenant_type=_text(raw, "tenant_type", where),
        created_at=_number(raw, "created_at", where),
        created_by=_text(raw, "created_by", where),
        updated_at=_number(raw, "updated_at", where),
        updated_by=_text(raw, "updated_by", where),
        definition_changed_at=_number(raw, "definition_changed_at", where),
        definition_changed_by=_text(raw, "definition_changed_by", where),
    )


def _profile(raw: object, n: int) -> Profile:
    where = f"capture profile {n}"
    if not isinstance(raw, dict):
        raise Invalid(f"{where} is not an object")
    return Profile(
        id=_id(raw, "id", where),
        name=_text(raw, "name", where, required=True, limit=200),
        connection_id=_id(raw, "connection_id", where, required=False),
    )


def _legacy_grants(raw: dict, conn_id: str, into: dict[str, dict[str, dict]]) -> None:
    """Schema 1 kept {OS user: grant} in each connection; keep what is usable, per user."""
    grants = raw.get("grants")
    if not isinstance(grants, dict):
        return
    for user, g in list(grants.items())[:1000]:
        if not isinstance(user, str) or not isinstance(g, dict) or len(user) > 200:
            continue
        entry: dict[str, float | bool | str] = {}
        for key in ("authorized_at", "last_refresh"):
            value = g.get(key)
            entry[key] = (
                float(value)
                if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
                else 0.0
            )
        entry["needs_reauthorization"] = g.get("needs_reauthorization") is True
        for key in ("authorized_host", "reason"):
            entry[key] = g[key][:MAX_TEXT] if isinstance(g.get(key), str) else ""
        xid = raw.get("xero_connection_id")
        entry["xero_connection_id"] = xid[:100] if isinstance(xid, str) else ""
        into.setdefault(user, {})[conn_id] = entry


def parse(raw: bytes) -> RegistryData:
    """Check and convert the file's bytes. Raises Invalid / ValueError / RecursionError / RegistryTooNew."""
    doc = json.loads(raw.decode("utf-8"))
    if not isinstance(doc, dict):
        raise Invalid("the top level is not an object")
    schema = doc.get("schema", 0)
    if isinstance(schema, bool) or not isinstance(schema, int):
        raise Invalid("its schema is not a number")
    if schema > SCHEMA:
        raise RegistryTooNew(
            f"The connection list was written by a newer version of xconn (format {schema}; this version "
            f"understands up to {SCHEMA}).",
            "Install the newer xconn on this computer. Nothing was changed.",
        )
    conns, profiles = doc.get("connections", []), doc.get("profiles", [])
    if not isinstance(conns, list) or not isinstance(profiles, list):
        raise Invalid("connections and profiles should be lists")
    if len(conns) > MAX_ITEMS or len(profiles) > MAX_ITEMS:
        raise Invalid(f"it holds more than {MAX_ITEMS} entries")
    data = RegistryData(schema=schema if schema else 1)
    data.connections = [_connection(c, n) for n, c in enumerate(conns, 1)]
    data.profiles = [_profile(p, n) for n, p in enumerate(profiles, 1)]
    if data.schema < 2:
        for c in conns:
            _legacy_grants(c, c["id"], data.legacy_grants)
    seen: set[str] = set()
    items: list[Connection | Profile] = [*data.connections, *data.profiles]
    for item in items:
        if item.id in seen:
            raise Invalid(f"the id {item.id} is used twice")
        seen.add(item.id)
    return data


class Registry:
    """connections.json in one list folder."""

    def __init__(self, location: ListLocation):
        self.location = location
        self.folder = location.folder()
        self.path = location.path / FILE

    # -- reading --------------------------------------------------------------------------------
    def load(self, *, keep_aside: bool = True) -> RegistryData:
        """Read and check the list (no lock needed: saves replace the file atomically)."""
        try:
            raw = self.folder.read(FILE, MAX_BYTES)
        except FileNotFoundError:  # the folder itself is not there yet (chosen or per-user)
            return RegistryData()
        except UnsafeLocation:
            raise
        except OSError as exc:
            raise UnsafeLocation(
                f"The connection list {visible(self.path)} cannot be read ({exc.strerror or exc}).",
                "Check that this user may read that folder, or ask IT to repair it.",
            ) from exc
        if raw is None:
            return RegistryData()
        try:
            return parse(raw)
        except RegistryTooNew:
            raise
        except (ValueError, RecursionError, MemoryError) as exc:
            detail = "it is nested too deeply" if isinstance(exc, RecursionError) else _short(exc)
            raise self._damaged(detail, keep_aside) from exc

    def _damaged(self, detail: str, keep_aside: bool) -> RegistryCorrupt:
        kept = self._keep_aside() if keep_aside else None
        where = visible(self.path)
        if kept:
            return RegistryCorrupt(
                f"The connection list {where} is damaged and could not be read ({visible(detail)}). "
                f"It was kept, unchanged, as {visible(kept)}.",
                "Send that file to your IT support to repair it, or add the connections again. "
                "xconn now starts with an empty list.",
                kept_as=kept,
            )
        return RegistryCorrupt(
            f"The connection list {where} is damaged and could not be read ({visible(detail)}). It was not changed.",
            "Ask a list administrator to open xconn: it keeps the damaged file aside so that it can be repaired.",
        )

    def _keep_aside(self) -> str | None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        for n in range(1, 100):
            target = f"connections.damaged-{stamp}" + (f"-{n}" if n > 1 else "") + ".json"
            try:
                if self.folder.stat(target) is not None:
                    continue
                self.folder.rename(FILE, target)
                return str(self.location.path / target)
            except (OSError, UnsafeLocation):
                return None  # not allowed to move it (a plain user, say): it stays, untouched
        return None

    # -- writing --------------------------------------------------------------------------------
    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        self.ensure_folder()
        try:
            with self.folder.lock(LOCK, LOCK_TIMEOUT):
                yield
        except LockTimeout:
            raise busy() from None
        except OSError as exc:
            raise unwritable(self.location.path, exc) from exc

    def ensure_folder(self) -> None:
        """Create a chosen or per-user folder on first write (never the machine folder)."""
        if self.location.machine or self.folder.exists():
            return
        try:
            self.location.path.mkdir(
                parents=True, exist_ok=True, mode=0o700 if self.location.kind == "per-user" else 0o755
            )
        except OSError as exc:
            raise unwritable(self.location.path, exc) from exc

    def save(self, data: RegistryData) -> None:
        text = data.to_json()
        mode = 0o600 if self.location.kind == "per-user" else 0o664
        try:
            self.folder.write(FILE, text.encode("utf-8"), mode)
        except OSError as exc:
            raise unwritable(self.location.path, exc) from exc

    @contextlib.contextmanager
    def transaction(self) -> Iterator[RegistryData]:
        """Read-modify-write under the cross-process lock; saved only if the block succeeds."""
        with self.locked():
            self._remove_stale_temp_files()
            data = self.load()
            if data.legacy_grants:
                self.save_legacy_grants(data.legacy_grants)
            yield data
            self.save(data)

    def save_legacy_grants(self, grants: dict[str, dict[str, dict]]) -> None:
        """Keep schema 1 grants for their users to claim before the file is rewritten without them."""
        merged = dict(read_legacy_grants(self))
        for user, items in grants.items():
            merged.setdefault(user, {}).update(items)
        try:
            self.folder.write(LEGACY_GRANTS, json.dumps({"grants": merged}).encode("utf-8"), 0o644)
        except OSError as exc:
            raise unwritable(self.location.path, exc) from exc

    def _remove_stale_temp_files(self) -> None:
        """Temp files left by a writer killed mid-save (we hold the lock: no save is under way)."""
        try:
            for name in self.folder.names():
                if name.startswith(f".{FILE}.") and name.endswith(".tmp"):
                    with contextlib.suppress(OSError, ValueError, UnsafeLocation):
                        self.folder.unlink(name)
        except (OSError, UnsafeLocation):
            pass


def read_legacy_grants(registry: Registry) -> dict[str, dict[str, dict]]:
    """{user: {connection id: grant fields}} from legacy-grants.json, checked; {} when absent or bad."""
    try:
        raw = registry.folder.read(LEGACY_GRANTS, 8_000_000)
    except (OSError, UnsafeLocation):
        return {}
    if not raw:
        return {}
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError):
        return {}
    grants = doc.get("grants") if isinstance(doc, dict) else None
    out: dict[str, dict[str, dict]] = {}
    if isinstance(grants, dict):
        for user, items in grants.items():
            if isinstance(user, str) and isinstance(items, dict):
                out[user] = {cid: g for cid, g in items.items() if is_id(cid) and isinstance(g, dict)}
    return out


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) < 160 else text[:157] + "..."
