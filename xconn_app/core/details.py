"""Details of one connection: the plain facts first (what office staff need), the technical ones
after (what support asks for); never a secret."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .errors import XconnError
from .model import REFRESH_TOKEN_LIFETIME_DAYS, Connection, current_user, iso, status_of
from .registry import RegistryData
from .text import visible

if TYPE_CHECKING:  # service.py imports this module
    from .service import Service


@dataclass
class Details:
    facts: list[tuple[str, str]] = field(default_factory=list)
    technical: list[tuple[str, str]] = field(default_factory=list)
    data: dict = field(default_factory=dict)  # the same, keyed for --json

    def all(self) -> list[tuple[str, str]]:
        return self.facts + self.technical


def _limits_text(limits: dict) -> str:
    if not limits:
        return "none seen yet"
    parts = []
    for header, label in (
        ("X-MinLimit-Remaining", "this minute"),
        ("X-DayLimit-Remaining", "today"),
        ("X-AppMinLimit-Remaining", "this minute for the app"),
    ):
        if header in limits:
            parts.append(f"{limits[header]} calls left {label}")
    seen = iso(limits.get("seen_at"))
    return ", ".join(parts) + (f" (seen {seen})" if seen else "")


def describe(service: Service, conn: Connection, data: RegistryData) -> Details:
    grant = service.grants.get(conn.id)
    status, text = status_of(conn, grant)
    users = [p.name for p in data.profiles if p.connection_id == conn.id]
    d = Details()
    d.facts = [
        ("Name", visible(conn.name)),
        (f"Status for {current_user()}", text),
        ("Organisation", visible(conn.tenant_name) if conn.tenant_name else "none chosen"),
        ("Capture profiles using it", visible(", ".join(users)) if users else "none"),
    ]
    tokens = None
    token_problem = ""
    if grant:
        by = f"you ({current_user()})" + (
            f", signed in to Xero as {visible(grant.xero_user)}" if grant.xero_user else ""
        )
        d.facts.append(("Authorized by", f"{by}, {iso(grant.authorized_at)}"))
        d.facts.append(("Keeps working if unused until", iso(grant.last_used + REFRESH_TOKEN_LIFETIME_DAYS * 86400)))
        if grant.needs_reauthorization and grant.reason:
            d.facts.append(("Why it needs re-authorization", visible(grant.reason)))
        try:
            tokens = service.store.load(conn.id)
        except XconnError as exc:
            token_problem = f"cannot be read: {exc.message}"
    others = service.other_statuses(conn)
    if others:
        d.facts.append(("Other users of this computer", "; ".join(f"{visible(u)}: {t}" for u, t in others)))
    elif service.location.machine:
        d.facts.append(("Other users of this computer", "none has authorized it"))
    d.facts.append(
        (
            "Note",
            "An authorization belongs to the OS user who made it: re-authorize while signed in "
            "as the account that runs capture.",
        )
    )

    if token_problem:
        access = token_problem
    elif tokens and tokens.access_valid():
        access = iso(tokens.expires_at)
    elif grant:
        access = "expired (renewed when next used)" if tokens else "missing from this user's password store"
    else:
        access = "-"
    d.technical = [
        ("Connection ID", conn.id),
        ("Xero Client ID", visible(conn.client_id)),
        ("Application (redirect) URL", visible(conn.redirect_url)),
        ("Scopes asked for", visible(" ".join(conn.scopes))),
        ("Scopes granted", visible(grant.granted_scopes) if grant and grant.granted_scopes else "-"),
        ("Tenant ID", visible(conn.tenant_id) or "-"),
        ("Tenant type", visible(conn.tenant_type) or "-"),
        ("Xero connection ID", visible(grant.xero_connection_id) if grant and grant.xero_connection_id else "-"),
        ("Last token renewal", iso(grant.last_used) if grant else "-"),
        ("Access token valid until", access),
        ("Xero rate limits", _limits_text(grant.limits if grant else {})),
        (
            "Definition changed",
            f"{iso(conn.definition_changed_at)} by {visible(conn.definition_changed_by) or '?'}"
            if conn.definition_changed_at
            else "-",
        ),
        ("Connection list", f"{visible(service.registry.path)} ({service.location.scope})"),
    ]
    d.data = {
        "id": conn.id,
        "name": conn.name,
        "status": status.value,
        "status_text": text,
        "organisation": conn.tenant_name,
        "tenant_id": conn.tenant_id,
        "tenant_type": conn.tenant_type,
        "client_id": conn.client_id,
        "redirect_url": conn.redirect_url,
        "scopes_requested": list(conn.scopes),
        "scopes_granted": grant.granted_scopes.split() if grant and grant.granted_scopes else [],
        "limits": dict(grant.limits) if grant else {},
        "profiles": users,
        "authorized_at": iso(grant.authorized_at) if grant else "",
        "authorized_as": grant.xero_user if grant else "",
        "xero_connection_id": grant.xero_connection_id if grant else "",
        "refresh_expires": iso(grant.last_used + REFRESH_TOKEN_LIFETIME_DAYS * 86400) if grant else "",
        "access_token_valid_until": access,
        "other_users": {u: t for u, t in others},
        "connection_list": str(service.registry.path),
    }
    return d
