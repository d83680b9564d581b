"""Connections (machine-wide definitions), capture profiles, each user's grants, token sets, status.

A :class:`Connection` is what list administrators define and every user of the computer shares.
A :class:`Grant` is one OS user's authorization of a connection: it lives in that user's state
folder, its tokens in that user's keyring, and it never goes into the shared file.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
import time
from dataclasses import dataclass, field
from enum import Enum

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (setup-machine needs none of it)
if TYPE_CHECKING:
    from typing import TypeGuard

REFRESH_TOKEN_LIFETIME_DAYS = 60
EXPIRY_WARNING_DAYS = 14
ACCESS_TOKEN_MARGIN_SECONDS = 60

BASE_SCOPES = ["openid", "profile", "email", "offline_access"]
DEFAULT_SCOPES = [
    *BASE_SCOPES,
    "accounting.invoices",
    "accounting.contacts",
    "accounting.settings.read",
    "accounting.attachments",
]

ID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def current_user() -> str:
    from .accounts import me

    return me().name


def current_host() -> str:
    import socket  # imported here: start-up does not need it

    return socket.gethostname()


def new_id() -> str:
    import uuid  # imported here: start-up does not need it

    return str(uuid.uuid4())


def is_id(value: object) -> TypeGuard[str]:
    """The only shape of id xconn generates (and so the only one it ever puts in a file name)."""
    return isinstance(value, str) and bool(ID_RE.match(value))


def now() -> float:
    return time.time()


def iso(ts: float | None) -> str:
    """A timestamp as local 'YYYY-MM-DD HH:MM' for people, '' for none."""
    if not ts or not math.isfinite(ts):
        return ""
    try:
        return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))
    except (OverflowError, OSError, ValueError):
        return ""


class Status(str, Enum):
    """What the current OS user can do with a connection."""

    CONNECTED = "connected"
    EXPIRES_SOON = "expires_soon"
    NEEDS_REAUTHORIZATION = "needs_reauthorization"
    NOT_AUTHORIZED = "not_authorized"
    NO_ORGANISATION = "no_organisation"
    CANT_REACH = "cant_reach"

    @property
    def healthy(self) -> bool:
        return self in (Status.CONNECTED, Status.EXPIRES_SOON)

    @property
    def needs_authorizing(self) -> bool:
        return self in (Status.NEEDS_REAUTHORIZATION, Status.NOT_AUTHORIZED, Status.CANT_REACH)


@dataclass
class Tenant:
    """A Xero organisation the grant can reach (one row of GET /connections)."""

    connection_id: str
    tenant_id: str
    tenant_name: str
    tenant_type: str = "ORGANISATION"
    created: str = ""
    updated: str = ""
    auth_event_id: str = ""

    @classmethod
    def from_xero(cls, row: dict) -> Tenant:
        def text(key: str, default: str = "") -> str:
            value = row.get(key)
            return str(value)[:200] if value is not None else default

        return cls(
            connection_id=text("id"),
            tenant_id=text("tenantId"),
            tenant_name=text("tenantName") or "(no name)",
            tenant_type=text("tenantType"),
            created=text("createdDateUtc"),
            updated=text("updatedDateUtc"),
            auth_event_id=text("authEventId"),
        )


def fingerprint(client_id: str, redirect_url: str, scopes: list[str]) -> str:
    """What a grant was made for: a changed Client ID, redirect URL or scope set needs a new one."""
    return _fingerprint(client_id, redirect_url, tuple(scopes))


@functools.lru_cache(maxsize=20_000)  # every status needs it: the table asks for 10,000 at each refresh
def _fingerprint(client_id: str, redirect_url: str, scopes: tuple[str, ...]) -> str:
    text = "\n".join([client_id, redirect_url, " ".join(sorted(set(scopes)))])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass
class Connection:
    """A connection definition in the machine-wide list (no secrets, nothing per user)."""

    name: str
    client_id: str
    redirect_url: str
    scopes: list[str] = field(default_factory=lambda: list(DEFAULT_SCOPES))
    id: str = field(default_factory=new_id)
    tenant_id: str = ""
    tenant_name: str = ""
    tenant_type: str = ""
    created_at: float = field(default_factory=now)
    created_by: str = ""
    updated_at: float = field(default_factory=now)
    updated_by: str = ""
    # when and by whom the Client ID, redirect URL or scopes last changed (grants made before are stale)
    definition_changed_at: float = 0.0
    definition_changed_by: str = ""

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.client_id, self.redirect_url, self.scopes)

    def to_dict(self) -> dict:
        return {name: (list(self.scopes) if name == "scopes" else getattr(self, name)) for name in CONNECTION_FIELDS}


CONNECTION_FIELDS = (
    "id",
    "name",
    "client_id",
    "redirect_url",
    "scopes",
    "tenant_id",
    "tenant_name",
    "tenant_type",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
    "definition_changed_at",
    "definition_changed_by",
)


@dataclass
class Profile:
    """A capture profile (PSIcapture's Xero Migration step) and the connection it uses."""

    name: str
    connection_id: str = ""
    id: str = field(default_factory=new_id)

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "connection_id": self.connection_id}


@dataclass
class Grant:
    """One OS user's authorization of one connection (kept in that user's state folder)."""

    connection_id: str
    list_folder: str = ""  # the list the connection belongs to: leftovers are pruned per list
    authorized_at: float = 0.0
    authorized_host: str = ""
    last_refresh: float = 0.0
    needs_reauthorization: bool = False
    reason: str = ""
    fingerprint: str = ""  # of the definition it was made for
    granted_scopes: str = ""  # what Xero says it granted (may be wider than asked)
    xero_connection_id: str = ""  # the /connections row of the chosen organisation (one Xero user's)
    auth_event_id: str = ""  # the sign-in that made this grant
    xero_user: str = ""  # name or e-mail of the Xero user, from the id_token
    reaches_tenant: bool = True  # False: this grant cannot reach the connection's organisation
    refresh_sent_at: float = 0.0  # a refresh went out and its answer was not stored yet
    limits: dict = field(default_factory=dict)  # last rate-limit counts Xero sent, and when

    def to_dict(self) -> dict:
        return {name: getattr(self, name) for name in GRANT_FIELDS}

    @property
    def last_used(self) -> float:
        return max(self.last_refresh, self.authorized_at)


GRANT_FIELDS = (
    "connection_id",
    "list_folder",
    "authorized_at",
    "authorized_host",
    "last_refresh",
    "needs_reauthorization",
    "reason",
    "fingerprint",
    "granted_scopes",
    "xero_connection_id",
    "auth_event_id",
    "xero_user",
    "reaches_tenant",
    "refresh_sent_at",
    "limits",
)


def days_left(grant: Grant | None, at: float | None = None) -> int | None:
    """Whole days before the refresh token expires unused (Xero: 60 days)."""
    if grant is None:
        return None
    remaining = grant.last_used + REFRESH_TOKEN_LIFETIME_DAYS * 86400 - (at or now())
    return int(remaining // 86400)


def status_of(conn: Connection, grant: Grant | None, at: float | None = None) -> tuple[Status, str]:
    """(status, words) of a connection for the user who holds ``grant``."""
    if grant is None:
        return Status.NOT_AUTHORIZED, "Not authorized for this user"
    if grant.fingerprint and grant.fingerprint != conn.fingerprint:
        who = f" by {conn.definition_changed_by}" if conn.definition_changed_by else ""
        when = f" on {iso(conn.definition_changed_at)[:10]}" if conn.definition_changed_at else ""
        return Status.NOT_AUTHORIZED, f"Needs authorization: changed{who}{when}"
    if grant.needs_reauthorization:
        return Status.NEEDS_REAUTHORIZATION, "Needs re-authorization"
    days = days_left(grant, at)
    if days is not None and days <= 0:
        return Status.NEEDS_REAUTHORIZATION, "Needs re-authorization"
    if conn.tenant_id and not grant.reaches_tenant:
        return Status.CANT_REACH, f"Can't reach {conn.tenant_name or 'its organisation'}"
    if not conn.tenant_id:
        return Status.NO_ORGANISATION, "No organisation chosen"
    if days is not None and days <= EXPIRY_WARNING_DAYS:
        return Status.EXPIRES_SOON, f"Expires in {days} day{'s' if days != 1 else ''}"
    return Status.CONNECTED, "Connected"


@dataclass
class TokenSet:
    """What the keyring holds for one connection. Never written to the registry."""

    access_token: str
    refresh_token: str
    expires_at: float
    scope: str = ""
    obtained_at: float = field(default_factory=now)
    id_token: str = ""  # kept only in memory: its claims name the Xero user

    def access_valid(self, at: float | None = None) -> bool:
        return bool(self.access_token) and self.expires_at - ACCESS_TOKEN_MARGIN_SECONDS > (at or now())

    @classmethod
    def from_oauth(cls, token: dict, at: float | None = None) -> TokenSet:
        at = at or now()
        try:
            expires_in = float(token.get("expires_in") or 1800)
        except (TypeError, ValueError):
            expires_in = 1800.0
        scope = token.get("scope") or ""
        if isinstance(scope, (list, tuple)):
            scope = " ".join(str(s) for s in scope)
        return cls(
            access_token=str(token["access_token"]),
            refresh_token=str(token.get("refresh_token") or ""),
            expires_at=at + expires_in,
            scope=str(scope),
            obtained_at=at,
            id_token=str(token.get("id_token") or ""),
        )
