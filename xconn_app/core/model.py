"""Connections, capture profiles, token sets and the status a user sees."""

from __future__ import annotations

import getpass
import time
from dataclasses import dataclass, field, fields
from enum import Enum

REFRESH_TOKEN_LIFETIME_DAYS = 60
EXPIRY_WARNING_DAYS = 14
ACCESS_TOKEN_MARGIN_SECONDS = 60

BASE_SCOPES = ["openid", "profile", "email", "offline_access"]
DEFAULT_SCOPES = BASE_SCOPES + [
    "accounting.invoices",
    "accounting.contacts",
    "accounting.settings.read",
    "accounting.attachments",
]


_user: str | None = None


def current_user() -> str:
    """The OS login name, looked up once: every status needs it, and getpass.getuser() (pwd lookup)
    cost a 10,000-connection table 70 ms."""
    global _user
    if _user is None:
        try:
            _user = getpass.getuser()
        except Exception:  # no login name (some services, containers)
            _user = "unknown"
    return _user


def current_host() -> str:
    import socket  # imported here: start-up does not need it

    return socket.gethostname()


def _new_id() -> str:
    import uuid  # imported here: start-up does not need it

    return str(uuid.uuid4())


def now() -> float:
    return time.time()


def iso(ts: float | None) -> str:
    """A timestamp as local 'YYYY-MM-DD HH:MM' for people, '' for none."""
    if not ts:
        return ""
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))


class Status(str, Enum):
    """What the current OS user can do with a connection."""

    CONNECTED = "connected"
    EXPIRES_SOON = "expires_soon"
    NEEDS_REAUTHORIZATION = "needs_reauthorization"
    NOT_AUTHORIZED = "not_authorized"


@dataclass
class Grant:
    """One OS user's authorization of a connection (tokens live in that user's keyring)."""

    authorized_at: float = 0.0
    authorized_host: str = ""
    last_refresh: float = 0.0
    needs_reauthorization: bool = False
    reason: str = ""


@dataclass
class Tenant:
    """A Xero organisation the grant can reach (one row of GET /connections)."""

    connection_id: str
    tenant_id: str
    tenant_name: str
    tenant_type: str = "ORGANISATION"
    created: str = ""
    updated: str = ""

    @classmethod
    def from_xero(cls, row: dict) -> "Tenant":
        return cls(
            connection_id=str(row.get("id") or ""),
            tenant_id=str(row.get("tenantId") or ""),
            tenant_name=str(row.get("tenantName") or "(no name)"),
            tenant_type=str(row.get("tenantType") or ""),
            created=str(row.get("createdDateUtc") or ""),
            updated=str(row.get("updatedDateUtc") or ""),
        )


@dataclass
class Connection:
    name: str
    client_id: str
    redirect_url: str
    scopes: list[str] = field(default_factory=lambda: list(DEFAULT_SCOPES))
    id: str = field(default_factory=lambda: _new_id())
    tenant_id: str = ""
    tenant_name: str = ""
    tenant_type: str = ""
    xero_connection_id: str = ""
    created_at: float = field(default_factory=now)
    updated_at: float = field(default_factory=now)
    authorized_by: str = ""
    grants: dict[str, Grant] = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    # -- status for the current OS user -------------------------------------------------
    def grant_for(self, user: str | None = None) -> Grant | None:
        return self.grants.get(user or current_user())

    @property
    def status_code(self) -> str:
        """The registry's one-word status: new, authorized or needs_reauthorization."""
        if not self.grants:
            return "new"
        latest = self.grants.get(self.authorized_by) or next(iter(self.grants.values()))
        return "needs_reauthorization" if latest.needs_reauthorization else "authorized"

    def status(self, at: float | None = None, user: str | None = None) -> tuple[Status, str]:
        """(status, words) for the given OS user, from the registry alone (no keyring)."""
        grant = self.grant_for(user)
        if grant is None:
            if self.grants:
                return Status.NOT_AUTHORIZED, "Not authorized for this user"
            return Status.NOT_AUTHORIZED, "Not authorized"
        if grant.needs_reauthorization:
            return Status.NEEDS_REAUTHORIZATION, "Needs re-authorization"
        days = self.days_left(at, user)
        if days is not None and days <= 0:
            return Status.NEEDS_REAUTHORIZATION, "Needs re-authorization"
        if days is not None and days <= EXPIRY_WARNING_DAYS:
            return Status.EXPIRES_SOON, f"Expires in {days} day{'s' if days != 1 else ''}"
        return Status.CONNECTED, "Connected"

    def days_left(self, at: float | None = None, user: str | None = None) -> int | None:
        """Whole days before the refresh token expires unused (Xero: 60 days)."""
        grant = self.grant_for(user)
        if grant is None:
            return None
        last = max(grant.last_refresh, grant.authorized_at)
        remaining = last + REFRESH_TOKEN_LIFETIME_DAYS * 86400 - (at or now())
        return int(remaining // 86400)

    # -- JSON ---------------------------------------------------------------------------
    def to_dict(self) -> dict:
        # What asdict() gave, field by field: asdict's deep copy was most of a 10,000-connection save.
        data = {}
        for name in _CONNECTION_FIELDS:
            if name == "grants":
                data[name] = {user: {k: getattr(g, k) for k in _GRANT_FIELDS} for user, g in self.grants.items()}
            elif name == "scopes":
                data[name] = list(self.scopes)
            elif name != "extra":
                data[name] = getattr(self, name)
        data["status"] = self.status_code
        data.update({k: v for k, v in self.extra.items() if k not in data})
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Connection":
        kwargs, extra = {}, {}
        for k, v in data.items():  # one pass: 10,000 connections are read at every window refresh
            if k in _PLAIN_FIELDS:
                kwargs[k] = v
            elif k not in _NOT_EXTRA:
                extra[k] = v
        grants = {}
        for user, g in (data.get("grants") or {}).items():
            grants[user] = Grant(**g) if _GRANT_SET.issuperset(g) else Grant(**{k: v for k, v in g.items() if k in _GRANT_SET})
        return cls(**kwargs, grants=grants, extra=extra)


_CONNECTION_FIELDS = tuple(f.name for f in fields(Connection))  # in declaration order
_GRANT_FIELDS = tuple(f.name for f in fields(Grant))
_GRANT_SET = frozenset(_GRANT_FIELDS)
_PLAIN_FIELDS = frozenset(_CONNECTION_FIELDS) - {"grants", "extra"}
_NOT_EXTRA = frozenset(_CONNECTION_FIELDS) | {"status"}


@dataclass
class Profile:
    """A capture profile (PSIcapture's Xero Migration step) and the connection it uses."""

    name: str
    connection_id: str = ""
    id: str = field(default_factory=lambda: _new_id())

    def to_dict(self) -> dict:
        return {"name": self.name, "connection_id": self.connection_id, "id": self.id}

    @classmethod
    def from_dict(cls, data: dict) -> "Profile":
        return cls(
            name=str(data["name"]), connection_id=str(data.get("connection_id") or ""), id=str(data["id"])
        )


@dataclass
class TokenSet:
    """What the keyring holds for one connection. Never written to the registry."""

    access_token: str
    refresh_token: str
    expires_at: float
    scope: str = ""
    obtained_at: float = field(default_factory=now)

    def access_valid(self, at: float | None = None) -> bool:
        return bool(self.access_token) and self.expires_at - ACCESS_TOKEN_MARGIN_SECONDS > (at or now())

    @classmethod
    def from_oauth(cls, token: dict, at: float | None = None) -> "TokenSet":
        at = at or now()
        expires_in = float(token.get("expires_in") or 1800)
        scope = token.get("scope") or ""
        if isinstance(scope, (list, tuple)):
            scope = " ".join(scope)
        return cls(
            access_token=str(token["access_token"]),
            refresh_token=str(token.get("refresh_token") or ""),
            expires_at=at + expires_in,
            scope=scope,
            obtained_at=at,
        )
