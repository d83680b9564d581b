"""The use cases: the only API the window and the command line call.

``Service`` builds its collaborators once, each given what it needs (docs/ARCHITECTURE.md):
the definitions store (shared list + history), this user's grants and state, the keyring, the
token broker, the authorizer, profiles, diagnostics, keep-alive, transfer and the status board.
Blocking calls (network, keyring, locks, disk) happen below here, so the window calls these
methods off the Tk thread.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from . import paths, validate
from .accounts import Role
from .definitions import Definitions
from .details import Details, describe
from .errors import ConnectionInUse, InvalidInput, NotAuthorized, ReauthorizationRequired, TenantUnavailable, XconnError
from .grants import GrantStore, UserState
from .history import History, HistoryEntry, entry, own_entries
from .model import DEFAULT_SCOPES, Connection, Grant, Profile, Status, Tenant, current_user, is_id, now, status_of
from .paths import ListLocation
from .profiles import ProfileBook, SwitchResult
from .registry import Registry, RegistryData, read_legacy_grants
from .secrets import TokenStore
from .settings import AUTHORIZE_TIMEOUT, PRUNE_AFTER_SECONDS
from .statusboard import StatusBoard
from .text import visible
from .tokens import TokenBroker

if TYPE_CHECKING:  # imported when first used: `xconn token` needs neither the listener nor subprocess
    from typing_extensions import Unpack

    from .authorization import AuthorizationOutcome, Authorizer, PendingAuthorization
    from .diagnostics import DoctorCheck
    from .keepalive import KeepAlive, KeepAliveResult
    from .precheck import CheckVerdict
    from .session import XeroSession
    from .transfer import ImportConflict, ImportReport, Transfer
    from .xero import Endpoints, XeroClient

log = logging.getLogger("xconn.service")


class DraftValues(TypedDict, total=False):
    """What an administrator typed for a definition to authorize (None or absent: as saved)."""

    name: str | None
    client_id: str | None
    redirect_url: str | None
    scopes: str | Sequence[str] | None
    connection_id: str | None  # the id a new definition is authorized under (so that its grant fits)


@dataclass
class ConnectionRow:
    """One line of the Connections table: the definition and this user's view of it."""

    connection: Connection
    grant: Grant | None
    status: Status
    status_text: str
    profiles: int = 0


@dataclass
class CheckResult:
    connection: Connection
    ok: bool
    status: Status
    message: str
    next_step: str = ""
    tenants: list[Tenant] = field(default_factory=list)
    limits: dict = field(default_factory=dict)


class Service:
    def __init__(
        self,
        config_dir: str | os.PathLike[str] | None = None,
        *,
        store: TokenStore | None = None,
        endpoints: Endpoints | None = None,
        location: ListLocation | None = None,
        state_dir: Path | None = None,
    ):
        from . import accounts

        self.location = location or paths.resolve(config_dir)
        self.registry = Registry(self.location)
        self.history_log = History(self.registry)
        self.definitions = Definitions(self.location, self.registry, self.history_log, accounts.role)
        self.state = UserState(state_dir)
        self.grants = GrantStore(self.state, self.location.path)
        self.store = store or TokenStore()
        self.board = StatusBoard(self.location.status_folder())
        self._endpoints = endpoints
        self._xero: XeroClient | None = None
        self.broker = TokenBroker(
            self.store, self.grants, self.state, lambda: self.endpoints, self._own_event, self.publish_status
        )
        self.profile_book = ProfileBook(self.definitions)

    # -- collaborators made when first needed (start-up stays fast) ------------------------------------
    @property
    def endpoints(self) -> Endpoints:
        if self._endpoints is None:
            from .xero import Endpoints

            self._endpoints = Endpoints.from_env()
        return self._endpoints

    @property
    def xero(self) -> XeroClient:
        if self._xero is None:
            from .xero import XeroClient

            self._xero = XeroClient(self.endpoints)
        return self._xero

    @functools.cached_property
    def authorizer(self) -> Authorizer:
        from .authorization import Authorizer

        return Authorizer(
            lambda: self.endpoints, lambda: self.xero, self.broker, self.grants, self._own_event, self.publish_status
        )

    @functools.cached_property
    def keepalive(self) -> KeepAlive:
        from .keepalive import KeepAlive

        return KeepAlive(self.connections, self.grants, self.broker, self.state, self._own_event)

    @property
    def role(self) -> Role:
        return self.definitions.role()

    @property
    def may_change(self) -> bool:
        return self.definitions.may_change()

    def _own_event(self, what: str, conn: Connection | None, detail: str = "") -> None:
        self.state.add_event(entry(what, conn, detail))

    # -- start-up housekeeping ------------------------------------------------------------------------
    def start(self) -> RegistryData:
        """Take over grants left by an older list format, prune leftovers, publish this user's status.

        Returns the list as read, so that callers need not read it again. A list that cannot be read
        raises its plain error here, the first time it is read (a damaged one is kept aside then).
        """
        data = self.definitions.load()
        self._claim_legacy(data)
        ids = {c.id for c in data.connections}
        stale = [
            cid
            for cid, g in self.grants.all().items()
            if cid not in ids and now() - g.authorized_at > PRUNE_AFTER_SECONDS
        ]
        if stale:
            for cid in stale:
                self.broker.forget(cid)
            with self.grants.edit() as grants:
                for cid in stale:
                    grants.pop(cid, None)
            log.info("removed this user's tokens of %d deleted connection(s)", len(stale))
        self.publish_status(data)
        return data

    def _claim_legacy(self, data: RegistryData) -> None:
        import json

        me = current_user()
        sources = [(data.legacy_grants.get(me, {}), json.dumps(data.legacy_grants.get(me, {}), sort_keys=True))]
        sources.append((read_legacy_grants(self.registry).get(me, {}), "file:" + str(self.registry.path)))
        for grants, mark in sources:
            if not grants:
                continue
            defs = {c.id: c for c in data.connections}
            ready = {cid: {**g, "fingerprint": defs[cid].fingerprint} for cid, g in grants.items() if cid in defs}
            try:
                taken = self.grants.claim(ready, mark.encode() + json.dumps(ready, sort_keys=True).encode())
            except XconnError as exc:
                log.warning("could not take over earlier grants: %s", exc)
                continue
            if taken:
                log.info("took over %d earlier grant(s) of %s", len(taken), me)

    def publish_status(self, data: RegistryData | None = None) -> None:
        if self.board.folder is None:
            return
        try:
            data = data or self.definitions.load()
        except XconnError:
            return
        grants = self.grants.all()
        entries = {}
        for c in data.connections:
            grant = grants.get(c.id)
            if grant is None:
                continue
            status, text = status_of(c, grant)
            entries[c.id] = {
                "status": status.value,
                "text": text,
                "last_refresh": grant.last_refresh,
                "authorized_at": grant.authorized_at,
            }
        self.board.publish(entries)

    # -- lookups ---------------------------------------------------------------------------------------
    def load(self) -> RegistryData:
        return self.definitions.load()

    def get(self, key: str | Connection) -> Connection:
        return self.definitions.find(self.load(), key)

    def connections(self) -> list[Connection]:
        return self.load().connections

    def grant(self, key: str | Connection) -> Grant | None:
        conn = key if isinstance(key, Connection) else self.get(key)
        return self.grants.get(conn.id)

    def rows(self, data: RegistryData | None = None) -> list[ConnectionRow]:
        data = data or self.load()
        counts: dict[str, int] = {}
        for p in data.profiles:
            counts[p.connection_id] = counts.get(p.connection_id, 0) + 1
        grants, at = self.grants.all(), now()
        out = []
        for c in data.connections:
            grant = grants.get(c.id)
            status, text = status_of(c, grant, at)
            out.append(ConnectionRow(c, grant, status, text, counts.get(c.id, 0)))
        return out

    # -- definitions: add / edit / delete (list administrators) -----------------------------------------
    @staticmethod
    def validate_fields(
        name: str, client_id: str, redirect_url: str, scopes: str | Sequence[str] | None = None
    ) -> tuple[str, str, str, list[str]]:
        return (
            validate.name(name),
            validate.client_id(client_id),
            validate.redirect_url(redirect_url),
            validate.scopes(scopes if scopes else DEFAULT_SCOPES),
        )

    def add(
        self,
        name: str,
        client_id: str,
        redirect_url: str,
        scopes: str | Sequence[str] | None = None,
        *,
        tenant: Tenant | None = None,
        connection_id: str | None = None,
    ) -> Connection:
        """Add a definition (connection_id: the id a draft was authorized under, so its grant fits)."""
        name, client_id, redirect_url, scopes = self.validate_fields(name, client_id, redirect_url, scopes)
        me, at = current_user(), now()
        with self.definitions.change("add connections") as (data, record):
            self.definitions.check_unique(data, name)
            conn = Connection(
                name=name,
                client_id=client_id,
                redirect_url=redirect_url,
                scopes=scopes,
                created_at=at,
                created_by=me,
                updated_at=at,
                updated_by=me,
                definition_changed_at=at,
                definition_changed_by=me,
            )
            if connection_id:
                if any(c.id == connection_id for c in data.connections) or not is_id(connection_id):
                    raise InvalidInput("That connection was saved already.", "Close this window and edit it instead.")
                conn.id = connection_id
            if tenant:
                _set_tenant(conn, tenant)
            data.connections.append(conn)
            record("added", conn, f"organisation {tenant.tenant_name}" if tenant else "")
        if tenant:
            self._note_tenant(conn, tenant)
        self.publish_status()
        return conn

    def edit(
        self,
        key: str | Connection,
        *,
        name: str | None = None,
        client_id: str | None = None,
        redirect_url: str | None = None,
        scopes: str | Sequence[str] | None = None,
        tenant: Tenant | None = None,
    ) -> Connection:
        me, at = current_user(), now()
        with self.definitions.change("change connections") as (data, record):
            conn = self.definitions.find(data, key)
            new = self.validate_fields(
                conn.name if name is None else name,
                conn.client_id if client_id is None else client_id,
                conn.redirect_url if redirect_url is None else redirect_url,
                conn.scopes if scopes is None else scopes,
            )
            self.definitions.check_unique(data, new[0], conn.id)
            changes = [
                label
                for label, old, value in (
                    ("name", conn.name, new[0]),
                    ("Client ID", conn.client_id, new[1]),
                    ("redirect URL", conn.redirect_url, new[2]),
                    ("scopes", conn.scopes, new[3]),
                )
                if old != value
            ]
            before, before_client = conn.fingerprint, conn.client_id
            conn.name, conn.client_id, conn.redirect_url, conn.scopes = new
            if conn.fingerprint != before:
                conn.definition_changed_at, conn.definition_changed_by = at, me
            if tenant is not None and tenant.tenant_id != conn.tenant_id:
                _set_tenant(conn, tenant)
                changes.append(f"organisation now {tenant.tenant_name}")
            if changes:
                conn.updated_at, conn.updated_by = at, me
                record(
                    "edited",
                    conn,
                    ", ".join(changes) + (" (everyone must authorize it again)" if conn.fingerprint != before else ""),
                )
        if tenant is not None:
            self._note_tenant(conn, tenant)
        mine = self.grants.get(conn.id)
        if conn.client_id != before_client and (mine is None or mine.fingerprint != conn.fingerprint):
            # this user's tokens belong to the old Xero app: useless now (unless this user just authorized
            # the new definition, as the Definition dialog does before Save)
            self.broker.forget(conn.id)
        self.publish_status()
        return conn

    def choose_tenant(
        self, key: str | Connection, tenant: Tenant | str, tenants: list[Tenant] | None = None
    ) -> Connection:
        """tenant: a Tenant, or a tenant id / name (case-insensitive). A definition change."""
        self.definitions.require_admin("choose the organisation of connections")
        if not isinstance(tenant, Tenant):
            wanted = str(tenant).strip()
            tenants = tenants if tenants is not None else self.tenants(key)
            found = [t for t in tenants if t.tenant_id == wanted or t.tenant_name.casefold() == wanted.casefold()]
            if not found:
                names = ", ".join(visible(t.tenant_name) for t in tenants) or "none"
                raise TenantUnavailable(
                    f"This connection cannot reach an organisation called '{visible(wanted)}'. It can reach: {names}.",
                    "Pick one of those, or authorize again and allow access to that organisation.",
                )
            tenant = found[0]
        return self.edit(key, tenant=tenant)

    def _note_tenant(self, conn: Connection, tenant: Tenant) -> None:
        """This user's grant now points at the chosen organisation's Xero connection row."""
        try:
            with self.grants.edit() as grants:
                grant = grants.get(conn.id)
                if grant is not None:
                    grant.xero_connection_id = tenant.connection_id
                    grant.reaches_tenant = True
        except XconnError as exc:
            log.warning("could not note the organisation in this user's grant: %s", exc)

    def siblings(self, key: str | Connection) -> list[Connection]:
        """Other connections on this computer that share the Client ID and organisation: disconnecting one
        at Xero disconnects them all (Xero acts per Xero user and app, docs/XERO.md)."""
        data = self.load()
        conn = self.definitions.find(data, key)
        return [
            c
            for c in data.connections
            if c.id != conn.id and c.client_id == conn.client_id and conn.tenant_id and c.tenant_id == conn.tenant_id
        ]

    def delete(
        self,
        key: str | Connection,
        *,
        switch_to: str | Connection | None = None,
        force: bool = False,
        disconnect: bool = False,
        disconnect_anyway: bool = False,
    ) -> list[str]:
        """Delete a connection. Profiles using it need switch_to (another connection) or force.

        disconnect also removes the organisation from the app at Xero; refused while another connection
        here shares the Client ID and organisation unless disconnect_anyway. Returns the profiles moved.
        """
        self.definitions.require_admin("delete connections")
        data = self.load()
        conn = self.definitions.find(data, key)
        users = [p.name for p in data.profiles if p.connection_id == conn.id]
        target = None
        if switch_to:
            target = self.definitions.find(data, switch_to)
            if target.id == conn.id:
                raise InvalidInput("A connection cannot be switched to itself.", "Choose another connection.")
        elif users and not force:
            raise ConnectionInUse(
                f"'{visible(conn.name)}' is used by {_count(len(users), 'capture profile')}: "
                f"{visible(', '.join(users[:10]))}" + ("…" if len(users) > 10 else "") + ".",
                "Switch those profiles to another connection first, or delete anyway and they will have no connection.",
            )
        if disconnect:
            self._disconnect(conn, disconnect_anyway)
        with self.definitions.change("delete connections") as (data, record):
            conn = self.definitions.find(data, conn.id)
            for p in data.profiles:
                if p.connection_id == conn.id:
                    p.connection_id = target.id if target else ""
            data.connections = [c for c in data.connections if c.id != conn.id]
            record(
                "deleted",
                conn,
                ("disconnected at Xero; " if disconnect else "")
                + (f"profiles switched to {target.name}" if target and users else ""),
            )
        self.broker.forget(conn.id)
        try:
            self.grants.remove(conn.id)
        except XconnError as exc:
            log.warning("could not remove this user's grant of %s: %s", conn.id, exc)
        self.publish_status()
        return users

    def _disconnect(self, conn: Connection, anyway: bool) -> None:
        grant = self.grants.get(conn.id)
        if not grant or not grant.xero_connection_id:
            return
        siblings = self.siblings(conn.id)
        if siblings and not anyway:
            names = ", ".join(f"'{visible(c.name)}'" for c in siblings)
            raise InvalidInput(
                f"Disconnecting '{visible(conn.name)}' at Xero would also stop {names}: Xero disconnects the "
                f"organisation for every connection of this Xero app and Xero user, including other users of this "
                "computer signed in to Xero with the same Xero login.",
                "Delete it without disconnecting, or confirm that the others may stop working "
                "(command line: --disconnect-anyway).",
            )
        self.broker.with_token(conn, lambda token: self.xero.disconnect(token, grant.xero_connection_id))

    def revoke(self, key: str | Connection) -> list[Connection]:
        """Revoke this app's access for the signed-in Xero user (every token of that user and app stops).
        Returns the other connections here that stop working too."""
        conn = self.get(key)
        tokens = self.store.load(conn.id)
        if tokens is None:
            raise NotAuthorized(
                f"Connection '{visible(conn.name)}' is not authorized for {current_user()}; "
                "there is nothing to revoke.",
                "",
            )
        affected = [c for c in self.connections() if c.id != conn.id and c.client_id == conn.client_id]
        self.xero.revoke(conn.client_id, tokens.refresh_token)
        for c in [conn, *affected]:
            self.broker.mark_needs_reauthorization(c, "this app's access was revoked for the Xero user")
        self._own_event("revoked", conn, f"at Xero; {len(affected)} other connection(s) with the same Client ID")
        return affected

    # -- authorization ---------------------------------------------------------------------------------
    def draft(self, key: str | Connection | None = None, **values: Unpack[DraftValues]) -> Connection:
        """The definition to authorize: the saved one, or (list administrators) the values typed in."""
        data = self.load()
        existing = self.definitions.find(data, key) if key else None
        if existing is None:
            self.definitions.require_admin("add connections")
        if existing is not None and not self.may_change:
            return existing  # others authorize the definition as it is
        base = existing or Connection(name="", client_id="", redirect_url="")
        name, client_id = values.get("name"), values.get("client_id")
        redirect_url, scopes = values.get("redirect_url"), values.get("scopes")
        wanted_id = values.get("connection_id")
        fields = self.validate_fields(
            base.name if name is None else name,
            base.client_id if client_id is None else client_id,
            base.redirect_url if redirect_url is None else redirect_url,
            base.scopes if scopes is None else scopes,
        )
        self.definitions.check_unique(data, fields[0], existing.id if existing else None)
        draft = Connection(name=fields[0], client_id=fields[1], redirect_url=fields[2], scopes=fields[3])
        if existing is not None:
            draft.id = existing.id
            draft.tenant_id, draft.tenant_name, draft.tenant_type = (
                existing.tenant_id,
                existing.tenant_name,
                existing.tenant_type,
            )
        elif is_id(wanted_id):
            draft.id = wanted_id
        return draft

    def begin_authorization(
        self,
        key: str | Connection | None = None,
        *,
        on_refused: Callable[[str], None] | None = None,
        **values: Unpack[DraftValues],
    ) -> PendingAuthorization:
        """Start listening on the redirect URL and build the URL to open. Raises PortInUse etc."""
        return self.authorizer.begin(self.draft(key, **values), on_refused=on_refused)

    def authorize(
        self,
        key: str | Connection,
        *,
        open_browser: bool = True,
        timeout: float = AUTHORIZE_TIMEOUT,
        on_url: Callable[[str], None] | None = None,
    ) -> AuthorizationOutcome:
        """Blocking authorization of a saved connection (the command line uses this)."""
        with self.begin_authorization(key) as pending:
            if on_url:
                on_url(pending.url)
            if open_browser:
                pending.open_browser()
            return pending.wait(timeout)

    def accept(self, outcome: AuthorizationOutcome, tenant: Tenant | None = None) -> Connection:
        """After an authorization of a saved connection: a list administrator's choice of organisation
        (``tenant``, else the suggested one when the connection has none yet) is saved. For everyone
        else nothing shared is written. Returns the connection as saved."""
        conn = self.get(outcome.connection.id)
        wanted = tenant or (outcome.suggested if not conn.tenant_id else None)
        if wanted is not None and wanted.tenant_id != conn.tenant_id and self.may_change:
            return self.edit(conn.id, tenant=wanted)
        if wanted is not None and wanted.tenant_id == conn.tenant_id:
            self._note_tenant(conn, wanted)
        return conn

    def check_with_xero(self, client_id: str, redirect_url: str, scopes: Sequence[str]) -> CheckVerdict:
        """Ask Xero whether it accepts these settings, before any browser opens (precheck.py)."""
        from .precheck import check

        return check(self.endpoints, client_id, redirect_url, list(scopes))

    def discard_authorization(self, outcome: AuthorizationOutcome) -> None:
        self.authorizer.discard(outcome)

    def tenants(self, key: str | Connection) -> list[Tenant]:
        """The organisations this user's grant can reach, live from Xero."""
        conn = self.get(key)
        return self.broker.with_token(conn, self.xero.list_tenants)

    # -- facts -----------------------------------------------------------------------------------------
    def details(self, key: str | Connection) -> Details:
        """Every fact about a connection except its secrets: plain ones first, technical ones after."""
        data = self.load()
        conn = self.definitions.find(data, key)
        return describe(self, conn, data)

    def history(self, key: str | Connection | None = None, limit: int = 500) -> list[HistoryEntry]:
        conn = self.get(key) if key else None
        entries = self.history_log.read() + own_entries(self.state.events())
        if conn is not None:
            entries = [e for e in entries if e.connection_id == conn.id]
        entries.sort(key=lambda e: (e.ts or 0, e.at))
        return entries[-limit:]

    def other_statuses(self, key: str | Connection) -> list[tuple[str, str]]:
        """(user, status words) of the other users of this computer who authorized the connection."""
        conn = key if isinstance(key, Connection) else self.get(key)
        out = []
        for other in self.board.others():
            item = other.connections.get(conn.id)
            if item:
                out.append((other.user, visible(str(item.get("text", "")), 80)))
        return out

    # -- tokens ----------------------------------------------------------------------------------------
    def _resolve(self, connection: str | Connection | None = None, profile: str | None = None) -> Connection:
        data = self.load()
        if profile:
            p = self.definitions.find_profile(data, profile)
            if not p.connection_id:
                raise InvalidInput(
                    f"Capture profile '{visible(p.name)}' has no connection.",
                    "Pick a connection for it on the Profiles tab.",
                )
            return self.definitions.find(data, p.connection_id)
        if not connection:
            raise InvalidInput("Name a connection or a capture profile.", 'For example: xconn token "Head office".')
        return self.definitions.find(data, connection)

    def access_token(
        self, connection: str | Connection | None = None, profile: str | None = None, *, force_refresh: bool = False
    ) -> str:
        """A valid access token, refreshed (and the rotated refresh token stored) when needed."""
        conn = connection if isinstance(connection, Connection) and not profile else self._resolve(connection, profile)
        return self.broker.access_token(conn, force_refresh=force_refresh)

    def open_session(self, connection: str | Connection | None = None, profile: str | None = None) -> XeroSession:
        """A requests.Session that sends a valid token and xero-tenant-id, refreshing by itself."""
        from .session import XeroSession

        return XeroSession(self.broker, self.xero, self._resolve(connection, profile), self._note_limits)

    def _note_limits(self, conn: Connection, limits: dict) -> None:
        try:
            with self.grants.edit() as grants:
                if conn.id in grants:
                    grants[conn.id].limits = limits
        except XconnError as exc:
            log.warning("could not note Xero's limits for %s: %s", conn.id, exc)

    def check(self, key: str | Connection) -> CheckResult:
        """Renew the token if due, list the organisations and confirm the chosen one is there."""
        conn = self.get(key)
        try:
            tenants = self.broker.with_token(conn, self.xero.list_tenants)
        except (ReauthorizationRequired, NotAuthorized) as exc:
            status = status_of(conn, self.grants.get(conn.id))[0]
            if isinstance(exc, ReauthorizationRequired):
                status = Status.NEEDS_REAUTHORIZATION
            return CheckResult(conn, False, status, exc.message, exc.next_step)
        except XconnError as exc:
            return CheckResult(conn, False, status_of(conn, self.grants.get(conn.id))[0], exc.message, exc.next_step)
        limits = dict(self.xero.last_limits)
        reachable = not conn.tenant_id or any(t.tenant_id == conn.tenant_id for t in tenants)
        try:
            with self.grants.edit() as grants:
                if conn.id in grants:
                    grants[conn.id].reaches_tenant = reachable
                    if limits:
                        grants[conn.id].limits = limits
        except XconnError as exc:
            log.warning("could not note the check of %s: %s", conn.id, exc)
        self.publish_status()
        status, text = status_of(conn, self.grants.get(conn.id))
        if not conn.tenant_id:
            return CheckResult(
                conn,
                False,
                status,
                "No organisation is chosen for this connection.",
                "A list administrator edits it and picks one in the Tenant list.",
                tenants,
                limits,
            )
        if not reachable:
            return CheckResult(
                conn,
                False,
                status,
                f"The organisation '{visible(conn.tenant_name)}' is no longer "
                "connected to this app for your Xero user.",
                "Press Re-authorize and tick that organisation on Xero's page.",
                tenants,
                limits,
            )
        return CheckResult(conn, True, status, f"{text}: {visible(conn.tenant_name)} answers.", "", tenants, limits)

    # -- capture profiles ------------------------------------------------------------------------------
    def profiles(self) -> list[Profile]:
        return self.profile_book.list()

    def add_profile(self, name: str, connection: str | Connection | None = None) -> Profile:
        return self.profile_book.add(name, connection)

    def rename_profile(self, key: str, new_name: str) -> Profile:
        return self.profile_book.rename(key, new_name)

    def delete_profile(self, key: str) -> None:
        self.profile_book.delete(key)

    def set_profile_connection(self, key: str, connection: str | Connection | None) -> Profile:
        return self.profile_book.set_connection(key, connection)

    def usage(self, key: str | Connection) -> list[Profile]:
        return self.profile_book.usage(key)

    def switch_profiles(
        self, from_key: str | Connection, to_key: str | Connection, profile_names: Sequence[str] | None = None
    ) -> SwitchResult:
        return self.profile_book.switch(from_key, to_key, profile_names)

    def undo_switch(self, result: SwitchResult) -> list[str]:
        return self.profile_book.undo_switch(result)

    # -- help-desk tools -------------------------------------------------------------------------------
    def doctor(self) -> list[DoctorCheck]:
        """Diagnose this computer: role, keyring, folder, ports, Xero reachable, clock, each connection."""
        from .diagnostics import Diagnostics

        return Diagnostics(self).run()

    def doctor_report(self, checks: list[DoctorCheck]) -> str:
        from .diagnostics import report

        return report(self, checks)

    def refresh_all(self, min_age_hours: float | None = None) -> list[KeepAliveResult]:
        """Keep-alive: renew every connection of this user before Xero's 60-day unused expiry."""
        return self.keepalive.run() if min_age_hours is None else self.keepalive.run(min_age_hours)

    def keepalive_last_run(self) -> dict | None:
        return self.keepalive.last_run()

    @property
    def transfer(self) -> Transfer:
        from .transfer import Transfer

        return Transfer(self.definitions, self._forget_replaced)

    def _forget_replaced(self, conn_id: str) -> None:
        self.broker.forget(conn_id)
        self.grants.remove(conn_id)

    def export_definitions(self, path: str | os.PathLike[str]) -> int:
        """Connection definitions and profiles (never tokens) to a JSON file."""
        return self.transfer.export(path)

    def import_conflicts(self, path: str | os.PathLike[str]) -> list[ImportConflict]:
        return self.transfer.conflicts(path)

    def import_definitions(
        self, path: str | os.PathLike[str], decide: Callable[[ImportConflict], str] | None = None
    ) -> ImportReport:
        """Import definitions; decide(conflict) -> 'skip' | 'replace' | 'rename'."""
        return self.transfer.import_(path, decide)


def _set_tenant(conn: Connection, tenant: Tenant) -> None:
    conn.tenant_id, conn.tenant_name, conn.tenant_type = tenant.tenant_id, tenant.tenant_name, tenant.tenant_type


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
