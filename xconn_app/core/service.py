"""The use cases: the only API the window and the command line call.

Add, edit, delete, authorize, choose tenant, details, usage, switch profiles, check health and
token hand-out. Blocking calls (network, keyring, locks) happen here, so the UI calls these
methods off the Tk thread.
"""

from __future__ import annotations

import json
import logging
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from . import paths, validate
from .errors import (
    ConnectionInUse,
    DuplicateName,
    InvalidInput,
    NotFound,
    TenantUnavailable,
    XconnError,
)
from .model import DEFAULT_SCOPES, Connection, Grant, Profile, Status, Tenant, TokenSet, current_host, current_user, iso, now
from .profiles import ProfileUseCases
from .registry import Registry, RegistryData
from .tokens import CheckResult, TokenHandout  # noqa: F401 - CheckResult is part of this API

log = logging.getLogger("xconn.service")


@dataclass
class ConnectionRow:
    """One line of the Connections table."""

    connection: Connection
    status: Status
    status_text: str
    profiles: int = 0


@dataclass
class AuthorizationOutcome:
    connection: Connection
    tenants: list[Tenant]


class Service(TokenHandout, ProfileUseCases):
    def __init__(self, config_dir=None, *, store=None, endpoints=None, location=None):
        self.location = location or paths.resolve(config_dir)
        self.registry = Registry(self.location.path)
        self._store = store
        self._endpoints = endpoints
        self._xero = None
        self._token_cache: dict[str, TokenSet] = {}

    # -- collaborators (imported lazily: start-up stays fast) ------------------------------
    @property
    def store(self):
        if self._store is None:
            from .secrets import TokenStore

            self._store = TokenStore()
        return self._store

    @property
    def endpoints(self):
        if self._endpoints is None:
            from .xero import Endpoints

            self._endpoints = Endpoints.from_env()
        return self._endpoints

    @property
    def xero(self):
        if self._xero is None:
            from .xero import XeroClient

            self._xero = XeroClient(self.endpoints)
        return self._xero

    # -- lookups ---------------------------------------------------------------------------
    def load(self) -> RegistryData:
        return self.registry.load()

    @staticmethod
    def _find(data: RegistryData, key: str) -> Connection:
        if isinstance(key, Connection):
            key = key.id
        key = unicodedata.normalize("NFC", (key or "").strip())  # names are saved in NFC
        for c in data.connections:
            if c.id == key:
                return c
        folded = key.casefold()
        for c in data.connections:
            if c.name.casefold() == folded:
                return c
        raise NotFound(f"There is no connection called '{key}'.", "Check the name with 'xconn list'.")

    @staticmethod
    def _find_profile(data: RegistryData, key: str) -> Profile:
        folded = unicodedata.normalize("NFC", (key or "").strip()).casefold()
        for p in data.profiles:
            if p.id == key or p.name.casefold() == folded:
                return p
        raise NotFound(f"There is no capture profile called '{key}'.", "Check the name with 'xconn profile list'.")

    def get(self, key) -> Connection:
        return self._find(self.load(), key)

    def connections(self) -> list[Connection]:
        return self.load().connections

    def rows(self, data: RegistryData | None = None) -> list[ConnectionRow]:
        data = data or self.load()
        counts: dict[str, int] = {}
        for p in data.profiles:
            counts[p.connection_id] = counts.get(p.connection_id, 0) + 1
        at, user = now(), current_user()
        out = []
        for c in data.connections:
            status, text = c.status(at, user)
            out.append(ConnectionRow(c, status, text, counts.get(c.id, 0)))
        return out

    def _check_unique(self, data: RegistryData, name: str, own_id: str | None = None) -> None:
        folded = name.casefold()
        for c in data.connections:
            if c.id != own_id and c.name.casefold() == folded:
                raise DuplicateName(
                    f"A connection called '{c.name}' already exists.", "Choose another display name."
                )

    # -- add / edit / delete ---------------------------------------------------------------
    def validate_fields(self, name, client_id, redirect_url, scopes=None) -> tuple[str, str, str, list[str]]:
        return (
            validate.name(name),
            validate.client_id(client_id),
            validate.redirect_url(redirect_url),
            validate.scopes(scopes if scopes else DEFAULT_SCOPES),
        )

    def add(self, name, client_id, redirect_url, scopes=None) -> Connection:
        name, client_id, redirect_url, scopes = self.validate_fields(name, client_id, redirect_url, scopes)
        with self.registry.transaction() as data:
            self._check_unique(data, name)
            conn = Connection(name=name, client_id=client_id, redirect_url=redirect_url, scopes=scopes)
            data.connections.append(conn)
        self.audit("added", conn)
        return conn

    def edit(self, key, *, name=None, client_id=None, redirect_url=None, scopes=None) -> Connection:
        dropped = False
        with self.registry.transaction() as data:
            conn = self._find(data, key)
            new_name, new_client, new_url, new_scopes = self.validate_fields(
                conn.name if name is None else name,
                conn.client_id if client_id is None else client_id,
                conn.redirect_url if redirect_url is None else redirect_url,
                conn.scopes if scopes is None else scopes,
            )
            self._check_unique(data, new_name, conn.id)
            changes = [k for k, old, new in (("name", conn.name, new_name), ("client id", conn.client_id, new_client),
                       ("redirect URL", conn.redirect_url, new_url), ("scopes", conn.scopes, new_scopes)) if old != new]
            if new_client != conn.client_id:
                # Tokens belong to the old Xero app: they are useless now and must go.
                dropped = True
                self._token_cache.pop(conn.id, None)
                self.store.delete(conn.id)  # KeyringUnavailable here leaves the registry unchanged
                conn.grants = {}
                conn.authorized_by = ""
                conn.tenant_id = conn.tenant_name = conn.tenant_type = conn.xero_connection_id = ""
            conn.name, conn.client_id, conn.redirect_url, conn.scopes = new_name, new_client, new_url, new_scopes
            conn.updated_at = now()
        if dropped:
            self._forget_tokens(conn.id)
        if changes:
            self.audit("edited", conn, ", ".join(changes) + (" (tokens dropped: authorize again)" if dropped else ""))
        return conn

    def _forget_tokens(self, conn_id: str) -> None:
        self._token_cache.pop(conn_id, None)
        try:
            self.store.delete(conn_id)
        except XconnError:
            log.warning("could not delete tokens of %s from the keyring", conn_id)

    def delete(self, key, *, switch_to=None, force=False, disconnect=False) -> list[str]:
        """Delete a connection. Profiles using it need switch_to (another connection) or force.

        Returns the names of the profiles that were switched or left without a connection.
        """
        data = self.load()
        conn = self._find(data, key)
        users = [p.name for p in data.profiles if p.connection_id == conn.id]
        target = None
        if switch_to:
            target = self._find(data, switch_to)
            if target.id == conn.id:
                raise InvalidInput("A connection cannot be switched to itself.", "Choose another connection.")
        elif users and not force:
            raise ConnectionInUse(
                f"'{conn.name}' is used by {len(users)} capture profile(s): {', '.join(users[:10])}"
                + ("…" if len(users) > 10 else "") + ".",
                "Switch those profiles to another connection first, or delete anyway and they will have no connection.",
            )
        if disconnect and conn.xero_connection_id and conn.grant_for():
            token = self.access_token(connection=conn.id)
            self.xero.disconnect(token, conn.xero_connection_id)
        with self.registry.transaction() as data:
            conn = self._find(data, conn.id)
            for p in data.profiles:
                if p.connection_id == conn.id:
                    p.connection_id = target.id if target else ""
            data.connections = [c for c in data.connections if c.id != conn.id]
        self._forget_tokens(conn.id)
        self.audit("deleted", conn, ("disconnected at Xero; " if disconnect else "")
                   + (f"profiles switched to {target.name}" if target and users else ""))
        return users

    # -- authorization ---------------------------------------------------------------------
    def begin_authorization(self, key=None, *, name=None, client_id=None, redirect_url=None, scopes=None):
        """Start listening on the redirect URL and build the URL to open. Raises PortInUse etc.

        key names an existing connection (re-authorize / edit); the other fields, when given,
        are the values typed in the dialog and are saved only when authorization succeeds.
        """
        data = self.load()
        existing = self._find(data, key) if key else None
        base = existing or Connection(name="", client_id="", redirect_url="")
        fields_ = self.validate_fields(
            base.name if name is None else name,
            base.client_id if client_id is None else client_id,
            base.redirect_url if redirect_url is None else redirect_url,
            base.scopes if scopes is None else scopes,
        )
        self._check_unique(data, fields_[0], existing.id if existing else None)
        draft = Connection(name=fields_[0], client_id=fields_[1], redirect_url=fields_[2], scopes=fields_[3],
                           id=existing.id if existing else Connection(name="", client_id="", redirect_url="").id)
        from .authorization import PendingAuthorization

        self.store.ensure_usable()  # KeyringUnavailable now, not after the user has logged in at Xero
        return PendingAuthorization(self, draft, is_new=existing is None)

    def authorize(self, key, *, open_browser=True, timeout=90.0, on_url=None) -> AuthorizationOutcome:
        """Blocking authorization of an existing connection (the CLI uses this)."""
        with self.begin_authorization(key) as pending:
            if on_url:
                on_url(pending.url)
            if open_browser:
                pending.open_browser()
            return pending.wait(timeout)

    def _store_authorization(self, draft: Connection, tokens: TokenSet, tenants: list[Tenant], is_new: bool):
        from .logs import remember_secret

        remember_secret(tokens.access_token, tokens.refresh_token)
        self.store.save(draft.id, tokens)  # the keyring first: the grant must never be lost
        self._token_cache[draft.id] = tokens
        user, at = current_user(), now()
        with self.registry.transaction() as data:
            try:
                conn = self._find(data, draft.id)
                reauth = bool(conn.grant_for(user))
            except NotFound:
                self._check_unique(data, draft.name)
                conn = draft
                data.connections.append(conn)
                reauth = False
            conn.name, conn.client_id, conn.redirect_url, conn.scopes = (
                draft.name, draft.client_id, draft.redirect_url, draft.scopes)
            conn.grants[user] = Grant(authorized_at=at, authorized_host=current_host(), last_refresh=at)
            conn.authorized_by = user
            conn.updated_at = at
            match = [t for t in tenants if t.tenant_id == conn.tenant_id] if conn.tenant_id else []
            if not match and len(tenants) == 1:
                match = tenants
            if match:
                self._set_tenant(conn, match[0])
            else:
                conn.tenant_id = conn.tenant_name = conn.tenant_type = conn.xero_connection_id = ""
        self.audit("re-authorized" if reauth else "authorized", conn,
                   f"{len(tenants)} organisation(s) available" + (f"; using {conn.tenant_name}" if conn.tenant_id else ""))
        return AuthorizationOutcome(conn, tenants)

    @staticmethod
    def _set_tenant(conn: Connection, tenant: Tenant) -> None:
        conn.tenant_id, conn.tenant_name = tenant.tenant_id, tenant.tenant_name
        conn.tenant_type, conn.xero_connection_id = tenant.tenant_type, tenant.connection_id

    def tenants(self, key) -> list[Tenant]:
        """The organisations this connection's grant can reach, live from Xero."""
        conn = self.get(key)
        return self._with_token(conn, lambda token: self.xero.list_tenants(token))

    def choose_tenant(self, key, tenant, tenants: list[Tenant] | None = None) -> Connection:
        """tenant: a Tenant, or a tenant id / name (case-insensitive)."""
        if not isinstance(tenant, Tenant):
            wanted = str(tenant).strip()
            tenants = tenants if tenants is not None else self.tenants(key)
            found = [t for t in tenants if t.tenant_id == wanted or t.tenant_name.casefold() == wanted.casefold()]
            if not found:
                names = ", ".join(t.tenant_name for t in tenants) or "none"
                raise TenantUnavailable(
                    f"This connection cannot reach an organisation called '{wanted}'. It can reach: {names}.",
                    "Pick one of those, or authorize again and allow access to that organisation.",
                )
            tenant = found[0]
        with self.registry.transaction() as data:
            conn = self._find(data, key)
            changed = conn.tenant_id != tenant.tenant_id
            self._set_tenant(conn, tenant)
            conn.updated_at = now()
        if changed:
            self.audit("tenant changed", conn, f"now {tenant.tenant_name}")
        return conn

    # -- details ---------------------------------------------------------------------------
    def details(self, key) -> list[tuple[str, str]]:
        """Every fact about a connection except its secrets, as (label, value) pairs."""
        data = self.load()
        conn = self._find(data, key)
        status, text = conn.status()
        grant = conn.grant_for()
        facts = [
            ("Name", conn.name),
            ("Status", text),
            ("Organisation (tenant)", conn.tenant_name or "none chosen"),
            ("Tenant ID", conn.tenant_id or "-"),
            ("Tenant type", conn.tenant_type or "-"),
            ("Xero connection ID", conn.xero_connection_id or "-"),
            ("Xero Client ID", conn.client_id),
            ("Application (redirect) URL", conn.redirect_url),
            ("Scopes", " ".join(conn.scopes)),
            ("Connection ID", conn.id),
        ]
        if grant:
            facts += [
                ("Authorized by", f"{current_user()} on {grant.authorized_host or 'this computer'}, {iso(grant.authorized_at)}"),
                ("Last token renewal", iso(max(grant.last_refresh, grant.authorized_at))),
                ("Refresh token expires if unused", iso(max(grant.last_refresh, grant.authorized_at) + 60 * 86400)),
            ]
            tokens = None
            try:
                tokens = self.store.load(conn.id)
            except XconnError:
                pass
            facts.append(("Access token valid until",
                          iso(tokens.expires_at) if tokens and tokens.access_valid() else "expired (renewed when next used)"))
            if grant.needs_reauthorization and grant.reason:
                facts.append(("Why re-authorization is needed", grant.reason))
        others = [u for u in conn.grants if u != current_user()]
        if others:
            facts.append(("Also authorized by", ", ".join(sorted(others))))
        facts.append(("Capture profiles using it", ", ".join(p.name for p in data.profiles if p.connection_id == conn.id) or "none"))
        facts.append(("Connection list", f"{self.registry.path} ({self.location.scope}: {self.location.reason})"))
        return facts

    # -- audit -----------------------------------------------------------------------------
    @property
    def history_path(self) -> Path:
        return self.location.path / "history.jsonl"

    def audit(self, what: str, conn: Connection | None, detail: str = "") -> None:
        entry = {
            "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "user": current_user(),
            "host": current_host(),
            "what": what,
            "connection": conn.name if conn else "",
            "connection_id": conn.id if conn else "",
            "detail": detail,
        }
        try:
            with open(self.history_path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
        except OSError as exc:
            log.warning("could not write the history: %s", exc)

    def history(self, key=None, limit: int = 500) -> list[dict]:
        conn = self.get(key) if key else None
        try:
            lines = self.history_path.read_text(encoding="utf-8").splitlines()
        except OSError:
            return []
        out = []
        for line in lines:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if conn is None or entry.get("connection_id") == conn.id:
                out.append(entry)
        return out[-limit:]

    # -- help-desk tools (core/helpdesk.py) ------------------------------------------------
    def doctor(self):
        """Diagnose this computer: keyring, folder, ports, Xero reachable, clock, each connection."""
        from . import helpdesk

        return helpdesk.doctor(self)

    def doctor_report(self, checks) -> str:
        from . import helpdesk

        return helpdesk.doctor_report(self, checks)

    def refresh_all(self, min_age_hours: float = 20.0):
        """Keep-alive: renew every connection before Xero's 60-day unused expiry."""
        from . import helpdesk

        return helpdesk.refresh_all(self, min_age_hours)

    def keepalive_last_run(self) -> dict | None:
        from . import helpdesk

        return helpdesk.keepalive_last_run(self)

    def export_definitions(self, path) -> int:
        """Connection definitions and profiles (never tokens) to a JSON file."""
        from . import helpdesk

        return helpdesk.export_definitions(self, path)

    def import_conflicts(self, path):
        from . import helpdesk

        return helpdesk.conflicts(self, helpdesk.read_export(path))

    def import_definitions(self, path, decide=None):
        """Import definitions; decide(conflict) -> 'skip' | 'replace' | 'rename'."""
        from . import helpdesk

        return helpdesk.import_definitions(self, path, decide)
