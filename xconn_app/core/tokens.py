"""Token hand-out: a valid access token under a per-connection cross-process lock, refreshed when
due, with Xero's rotated refresh token stored in the keyring before anyone uses it
(docs/ARCHITECTURE.md, "A token hand-out").

Xero accepts the previous refresh token for 30 minutes only to cover a lost answer (docs/XERO.md):
the moment a refresh is sent is noted in the user's grant, so a later attempt knows whether the
old token can still be used (within 30 minutes) or the grant is lost (after).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from .errors import (
    STEP_AUTHORIZE,
    STEP_REAUTHORIZE,
    NotAuthorized,
    ReauthorizationRequired,
    XconnError,
    authorize_command,
)
from .grants import GrantStore, UserState
from .logs import remember_secret
from .model import Connection, Grant, TokenSet, current_host, current_user, now, status_of
from .secrets import TokenStore
from .xero import AccessTokenRejected, Endpoints

log = logging.getLogger("xconn.tokens")
T = TypeVar("T")


class TokenBroker:
    """Hands out access tokens for one user's grants; the only code that refreshes them."""

    def __init__(
        self,
        store: TokenStore,
        grants: GrantStore,
        state: UserState,
        endpoints: Callable[[], Endpoints],
        on_event: Callable[[str, Connection, str], None],
        on_grants_changed: Callable[[], None],
    ):
        self.store = store
        self.grants = grants
        self.state = state
        self._endpoints = endpoints
        self._on_event = on_event
        self._on_grants_changed = on_grants_changed
        self._cache: dict[str, TokenSet] = {}

    # -- the hand-out ---------------------------------------------------------------------------------
    def access_token(self, conn: Connection, *, force_refresh: bool = False, rejected: str | None = None) -> str:
        """A valid access token, refreshed (and the rotated refresh token stored) when needed."""
        cached = self._cache.get(conn.id)
        if cached and not force_refresh and cached.access_valid():
            return cached.access_token
        with self.state.token_lock(conn.id):
            tokens = self.store.load(conn.id)
            grant = self.grants.get(conn.id)
            self._check_usable(conn, tokens, grant)
            assert tokens is not None
            if tokens.access_valid() and not force_refresh:
                self._cache[conn.id] = tokens
                return tokens.access_token
            if force_refresh and rejected and tokens.access_token != rejected and tokens.access_valid():
                self._cache[conn.id] = tokens  # another process renewed it meanwhile
                return tokens.access_token
            return self._refresh_locked(conn, tokens, grant).access_token

    def _check_usable(self, conn: Connection, tokens: TokenSet | None, grant: Grant | None) -> None:
        if grant is not None:
            _status, text = status_of(conn, grant)
            if grant.fingerprint and grant.fingerprint != conn.fingerprint:
                raise NotAuthorized(
                    f"Connection '{conn.name}': {text[0].lower() + text[1:]}, so the earlier "
                    "authorization no longer fits.",
                    STEP_AUTHORIZE,
                    authorize_command(conn.name),
                )
            if grant.needs_reauthorization:
                raise ReauthorizationRequired(
                    f"Connection '{conn.name}' needs re-authorization: Xero no longer accepts its grant"
                    + (f" ({grant.reason})." if grant.reason else "."),
                    STEP_REAUTHORIZE,
                    authorize_command(conn.name),
                )
        if tokens is None:
            raise NotAuthorized(
                f"Connection '{conn.name}' is not authorized for {current_user()} on this computer.",
                STEP_AUTHORIZE,
                authorize_command(conn.name),
            )

    def _refresh_locked(self, conn: Connection, tokens: TokenSet, grant: Grant | None) -> TokenSet:
        from . import oauth  # here: a valid token is handed out without loading the OAuth machinery

        endpoints = self._endpoints()
        if grant and grant.refresh_sent_at:
            age = now() - grant.refresh_sent_at
            if age > oauth.LOST_REFRESH_GRACE:
                # The answer to a refresh was lost over 30 minutes ago: Xero has rotated the token and
                # the old one is no longer accepted. Saying so beats a certain invalid_grant.
                self.mark_needs_reauthorization(conn, "the answer to a token renewal was lost over 30 minutes ago")
                raise ReauthorizationRequired(
                    f"Connection '{conn.name}' needs re-authorization: the answer to its last token renewal was "
                    "lost, and Xero accepts the previous token for 30 minutes only.",
                    STEP_REAUTHORIZE,
                    authorize_command(conn.name),
                )
            log.info("a renewal of %s lost its answer %.0f s ago: retrying with the same refresh token", conn.id, age)
        self._note(conn, refresh_sent_at=now())
        try:
            try:
                new = oauth.refresh(conn.client_id, tokens.refresh_token, endpoints)
            except oauth.LostResponse:
                log.info("renewal answer lost for %s; retrying once with the same refresh token", conn.id)
                new = oauth.refresh(conn.client_id, tokens.refresh_token, endpoints)
        except ReauthorizationRequired as exc:
            self.mark_needs_reauthorization(conn, "Xero said invalid_grant when renewing the token")
            raise ReauthorizationRequired(
                f"Connection '{conn.name}' needs re-authorization. {exc.message}",
                exc.next_step,
                authorize_command(conn.name),
            ) from exc
        remember_secret(new.access_token, new.refresh_token, new.id_token)
        if not new.refresh_token:
            new.refresh_token = tokens.refresh_token
        self.store.save(conn.id, new)  # before the token is used by anyone
        self._cache[conn.id] = new
        self._note(
            conn,
            refresh_sent_at=0.0,
            last_refresh=now(),
            needs_reauthorization=False,
            reason="",
            granted_scopes=new.scope or (grant.granted_scopes if grant else ""),
        )
        log.info("renewed the access token of connection %s", conn.id)
        return new

    def _note(self, conn: Connection, **changes: object) -> None:
        """Change this user's grant; a failure is logged (the tokens are safe in the keyring)."""
        try:
            with self.grants.edit() as grants:
                grant = grants.get(conn.id)
                if grant is None:
                    grant = grants[conn.id] = Grant(
                        connection_id=conn.id,
                        authorized_at=now(),
                        authorized_host=current_host(),
                        fingerprint=conn.fingerprint,
                    )
                for key, value in changes.items():
                    setattr(grant, key, value)
        except XconnError as exc:
            log.warning("could not note a change of connection %s in this user's grants: %s", conn.id, exc)
            return
        self._on_grants_changed()

    def mark_needs_reauthorization(self, conn: Connection, reason: str) -> None:
        self._cache.pop(conn.id, None)
        self._note(conn, needs_reauthorization=True, reason=reason)
        self._on_event("needs re-authorization", conn, reason)

    def with_token(self, conn: Connection, call: Callable[[str], T]) -> T:
        """call(token); on AccessTokenRejected renew once and call again (the one retry-on-401 path)."""
        token = self.access_token(conn)
        try:
            return call(token)
        except AccessTokenRejected:
            token = self.access_token(conn, force_refresh=True, rejected=token)
        try:
            return call(token)
        except AccessTokenRejected as exc:
            self.mark_needs_reauthorization(conn, "Xero rejected a freshly renewed access token")
            raise ReauthorizationRequired(
                f"Xero rejects the tokens of connection '{conn.name}': the access was revoked.",
                STEP_REAUTHORIZE,
                authorize_command(conn.name),
            ) from exc

    # -- storing and forgetting ------------------------------------------------------------------------
    def save(self, conn_id: str, tokens: TokenSet) -> None:
        remember_secret(tokens.access_token, tokens.refresh_token, tokens.id_token)
        self.store.save(conn_id, tokens)  # the keyring first: the grant must never be lost
        self._cache[conn_id] = tokens

    def cached(self, conn_id: str) -> TokenSet | None:
        return self._cache.get(conn_id)

    def forget(self, conn_id: str) -> bool:
        """Remove this user's tokens of a connection; False (logged) when the keyring refused."""
        self._cache.pop(conn_id, None)
        try:
            self.store.delete(conn_id)
            return True
        except XconnError as exc:
            log.warning("could not delete the tokens of %s from the keyring: %s", conn_id, exc)
            return False

    def drop_cache(self, conn_id: str | None = None) -> None:
        if conn_id is None:
            self._cache.clear()
        else:
            self._cache.pop(conn_id, None)
