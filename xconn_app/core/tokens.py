"""Token hand-out for Service: a valid access token under a per-connection cross-process lock,
refreshed when due with the rotated refresh token stored before anyone uses it (DESIGN.md 5)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from . import paths
from .errors import InvalidInput, NotAuthorized, NotFound, ReauthorizationRequired, XconnError
from .model import Connection, Grant, Status, Tenant, TokenSet, current_host, current_user, now

log = logging.getLogger("xconn.service")


@dataclass
class CheckResult:
    connection: Connection
    ok: bool
    status: Status
    message: str
    next_step: str = ""
    tenants: list[Tenant] = field(default_factory=list)


class TokenHandout:
    """Mixed into Service (which provides store, registry, location, xero, _find, _token_cache)."""

    # -- tokens ----------------------------------------------------------------------------
    def _lock_for(self, conn_id: str):
        from filelock import FileLock

        folder = self.location.path / "locks"
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            folder = paths.user_state_dir() / "locks"
            folder.mkdir(parents=True, exist_ok=True)
        return FileLock(str(folder / f"{conn_id}.lock"), timeout=120, mode=0o666)

    def _resolve(self, connection=None, profile=None) -> Connection:
        data = self.load()
        if profile:
            p = self._find_profile(data, profile)
            if not p.connection_id:
                raise NotFound(f"Capture profile '{p.name}' has no connection.", "Pick a connection for it first.")
            return self._find(data, p.connection_id)
        if not connection:
            raise InvalidInput("Name a connection or a capture profile.", "For example: xconn token \"Head office\".")
        return self._find(data, connection)

    def access_token(self, connection=None, profile=None, *, force_refresh=False, rejected: str | None = None) -> str:
        """A valid access token, refreshed (and the rotated refresh token stored) when needed."""
        conn = connection if isinstance(connection, Connection) and not profile else self._resolve(connection, profile)
        cached = self._token_cache.get(conn.id)
        if cached and not force_refresh and cached.access_valid():
            return cached.access_token
        with self._lock_for(conn.id):
            tokens = self.store.load(conn.id)
            grant = conn.grant_for()
            if tokens is None or (grant and grant.needs_reauthorization):  # Xero refused them: never hand out
                self._not_authorized(conn)
            if tokens.access_valid() and not force_refresh:
                self._token_cache[conn.id] = tokens
                return tokens.access_token
            if force_refresh and rejected and tokens.access_token and tokens.access_token != rejected \
                    and tokens.access_valid():
                self._token_cache[conn.id] = tokens  # another process refreshed already
                return tokens.access_token
            return self._refresh_locked(conn, tokens).access_token

    def _not_authorized(self, conn: Connection):
        grant = conn.grant_for()
        if grant and grant.needs_reauthorization:
            raise ReauthorizationRequired(
                f"Connection '{conn.name}' needs re-authorization: Xero no longer accepts its grant.",
                "Edit the connection and press Authorize.",
            )
        raise NotAuthorized(
            f"Connection '{conn.name}' is not authorized for {current_user()} on this computer.",
            f"Edit the connection and press Authorize (or run: xconn authorize \"{conn.name}\").",
        )

    def _refresh_locked(self, conn: Connection, tokens: TokenSet) -> TokenSet:
        from . import oauth
        from .logs import remember_secret

        try:
            try:
                new = oauth.refresh(conn.client_id, tokens.refresh_token, self.endpoints)
            except oauth.LostResponse:
                log.info("refresh answer lost for %s; retrying once with the same refresh token", conn.id)
                new = oauth.refresh(conn.client_id, tokens.refresh_token, self.endpoints)
        except ReauthorizationRequired as exc:
            self._mark_needs_reauthorization(conn, "Xero said invalid_grant when renewing the token")
            raise ReauthorizationRequired(
                f"Connection '{conn.name}' needs re-authorization. {exc.message}",
                exc.next_step,
            ) from None
        remember_secret(new.access_token, new.refresh_token)
        if not new.refresh_token:
            new.refresh_token = tokens.refresh_token
        self.store.save(conn.id, new)  # before the token is used by anyone
        self._token_cache[conn.id] = new
        try:
            with self.registry.transaction() as data:
                c = self._find(data, conn.id)
                grant = c.grants.get(current_user())
                if grant is None:
                    grant = c.grants[current_user()] = Grant(authorized_at=now(), authorized_host=current_host())
                grant.last_refresh = now()
                grant.needs_reauthorization = False
        except XconnError as exc:  # the token is safe in the keyring; the registry note can wait
            log.warning("refreshed %s but could not note it in the registry: %s", conn.id, exc)
        log.info("refreshed access token of connection %s", conn.id)
        return new

    def _mark_needs_reauthorization(self, conn: Connection, reason: str) -> None:
        self._token_cache.pop(conn.id, None)
        try:
            with self.registry.transaction() as data:
                c = self._find(data, conn.id)
                grant = c.grants.setdefault(current_user(), Grant(authorized_host=current_host()))
                grant.needs_reauthorization, grant.reason = True, reason
        except XconnError as exc:
            log.warning("could not mark %s as needing re-authorization: %s", conn.id, exc)
        self.audit("needs re-authorization", conn, reason)

    def _with_token(self, conn: Connection, call):
        from .xero import AccessTokenRejected

        token = self.access_token(connection=conn)
        try:
            return call(token)
        except AccessTokenRejected:
            token = self.access_token(connection=conn, force_refresh=True, rejected=token)
            try:
                return call(token)
            except AccessTokenRejected:
                self._mark_needs_reauthorization(conn, "Xero rejected a freshly renewed access token")
                raise ReauthorizationRequired(
                    f"Xero rejects the tokens of connection '{conn.name}': the access was revoked.",
                    "Edit the connection and press Authorize.",
                ) from None

    def open_session(self, connection=None, profile=None):
        """A requests.Session that sends a valid token and xero-tenant-id, refreshing by itself."""
        from .session import XeroSession

        conn = self._resolve(connection, profile)
        return XeroSession(self, conn)

    def check(self, key) -> CheckResult:
        """Renew the token if due, list the organisations and confirm the chosen one is there."""
        conn = self.get(key)
        try:
            tenants = self._with_token(conn, lambda token: self.xero.list_tenants(token))
        except (ReauthorizationRequired, NotAuthorized) as exc:
            status = Status.NEEDS_REAUTHORIZATION if isinstance(exc, ReauthorizationRequired) else Status.NOT_AUTHORIZED
            return CheckResult(self.get(conn.id), False, status, exc.message, exc.next_step)
        except XconnError as exc:
            return CheckResult(conn, False, conn.status()[0], exc.message, exc.next_step)
        conn = self.get(conn.id)
        if conn.tenant_id and not any(t.tenant_id == conn.tenant_id for t in tenants):
            return CheckResult(conn, False, Status.NEEDS_REAUTHORIZATION,
                               f"The organisation '{conn.tenant_name}' is no longer connected to this app.",
                               "Edit the connection, press Authorize and allow access to it again.", tenants)
        if not conn.tenant_id:
            return CheckResult(conn, False, conn.status()[0], "No organisation is chosen for this connection.",
                               "Edit the connection and pick one in the Tenant list.", tenants)
        status, text = conn.status()
        return CheckResult(conn, True, status, f"{text}: {conn.tenant_name} answers.", "", tenants)
