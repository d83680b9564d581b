"""One authorization in progress: loopback listener, browser, code exchange, organisations.

    pending = authorizer.begin(draft)        # listening from here on
    pending.open_browser()                   # or show pending.url
    outcome = pending.wait(90)               # or pending.complete_with_address(url)

Authorizing writes nothing shared: the tokens go to this user's keyring and the grant to this
user's state. Choosing an organisation is a definition change, made by the caller (a list
administrator's Save). ``PendingAuthorization`` reports what happens through callbacks and knows
nothing of the service that made it.
"""

from __future__ import annotations

import hmac
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from .errors import AuthorizationCancelled, InvalidInput
from .grants import GrantStore
from .loopback import LoopbackReceiver, describe_error, parse_pasted_url
from .model import Connection, Grant, Tenant, TokenSet, current_host, now
from .oauth import AuthorizationRequest, auth_event_id, xero_user
from .settings import AUTHORIZE_TIMEOUT
from .tokens import TokenBroker
from .xero import Endpoints, XeroClient

log = logging.getLogger("xconn.authorization")


@dataclass
class AuthorizationOutcome:
    connection: Connection  # the definition it was made for (not saved by authorizing)
    tenants: list[Tenant]  # every organisation this Xero user connected to the app
    this_signin: list[Tenant] = field(default_factory=list)  # connected in this sign-in (authEventId)
    xero_user: str = ""
    granted_scopes: str = ""
    # what this user had before, so that Cancel can put it back (memory only, never shown)
    previous_tokens: TokenSet | None = field(default=None, repr=False)
    previous_grant: Grant | None = field(default=None, repr=False)

    @property
    def suggested(self) -> Tenant | None:
        """The organisation to preselect: the saved one when still reachable, else the one connected in
        this sign-in, else the only one."""
        saved = [t for t in self.tenants if self.connection.tenant_id and t.tenant_id == self.connection.tenant_id]
        if saved:
            return saved[0]
        if len(self.this_signin) == 1:
            return self.this_signin[0]
        if len(self.tenants) == 1:
            return self.tenants[0]
        return None

    @property
    def reaches_saved_tenant(self) -> bool:
        return not self.connection.tenant_id or any(t.tenant_id == self.connection.tenant_id for t in self.tenants)


class PendingAuthorization:
    """Listening on the redirect URL until Xero sends the browser back (or cancel / time-out)."""

    def __init__(
        self,
        request: AuthorizationRequest,
        finish: Callable[[str], AuthorizationOutcome],
        on_refused: Callable[[str], None] | None = None,
    ):
        self.request = request
        self._finish_code = finish
        self.receiver = LoopbackReceiver(request.redirect_url, request.state, on_refused=on_refused).start()
        self.url = request.url
        self._finish_lock = threading.Lock()
        self.outcome: AuthorizationOutcome | None = None
        log.info("authorization started, listening on %s", self.receiver.listening_addresses)

    def __enter__(self) -> PendingAuthorization:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.receiver.close()

    @property
    def finished(self) -> bool:
        return self.outcome is not None

    def open_browser(self) -> bool:
        """Open the default browser on the URL; False when no browser could be started."""
        import webbrowser

        try:
            return bool(webbrowser.open(self.url, new=1, autoraise=True))
        except Exception:
            log.info("no browser could be opened", exc_info=True)
            return False

    def cancel(self) -> None:
        self.receiver.cancel()

    def wait(self, timeout: float = AUTHORIZE_TIMEOUT) -> AuthorizationOutcome:
        """Wait for the browser's return, exchange the code, store tokens, list organisations."""
        try:
            code = self.receiver.wait(timeout)
        except AuthorizationCancelled:
            self.receiver.close()
            if self.outcome is not None:  # completed by a pasted address meanwhile
                return self.outcome
            raise
        except BaseException:
            self.receiver.close()
            raise
        # Stop listening while the code is exchanged, not before: the organisations appear sooner.
        closing = threading.Thread(target=self.receiver.close, name="xconn-loopback-close", daemon=True)
        closing.start()
        try:
            return self._finish(code)
        finally:
            closing.join()

    def complete_with_address(self, address: str) -> AuthorizationOutcome:
        """Finish with the address the browser ended on (paste fallback); same checks as the listener."""
        params = parse_pasted_url(address, self.request.redirect_url)
        states = params.get("state", [])
        if len(states) != 1 or not hmac.compare_digest(states[0].encode(), self.request.state.encode()):
            raise InvalidInput(
                "That address belongs to a different sign-in (its state does not match this one).",
                "Press Authorize again and paste the address from the newest browser tab.",
            )
        if params.get("error"):
            raise describe_error(params["error"][0], (params.get("error_description") or [""])[0])
        codes = params.get("code", [])
        if len(codes) != 1 or not codes[0]:
            raise InvalidInput("That address has no sign-in code in it.", "Copy the whole address from the browser.")
        outcome = self._finish(codes[0])
        self.receiver.cancel()
        return outcome

    def _finish(self, code: str) -> AuthorizationOutcome:
        with self._finish_lock:
            if self.outcome is None:
                self.outcome = self._finish_code(code)
            return self.outcome


class Authorizer:
    """Starts authorizations and stores what they bring: tokens (keyring) and this user's grant."""

    def __init__(
        self,
        endpoints: Callable[[], Endpoints],
        xero: Callable[[], XeroClient],
        broker: TokenBroker,
        grants: GrantStore,
        on_event: Callable[[str, Connection, str], None],
        on_grants_changed: Callable[[], None],
    ):
        self._endpoints = endpoints
        self._xero = xero
        self.broker = broker
        self.grants = grants
        self._on_event = on_event
        self._on_grants_changed = on_grants_changed

    def begin(self, draft: Connection, *, on_refused: Callable[[str], None] | None = None) -> PendingAuthorization:
        """Listen on the draft's redirect URL and build the URL to open. Raises PortInUse etc."""
        self.broker.store.ensure_usable()  # KeyringUnavailable now, not after the user has logged in at Xero
        request = AuthorizationRequest(draft.client_id, draft.redirect_url, draft.scopes, self._endpoints())
        return PendingAuthorization(request, lambda code: self._finish(draft, request, code), on_refused)

    def _finish(self, draft: Connection, request: AuthorizationRequest, code: str) -> AuthorizationOutcome:
        from .logs import remember_secret

        tokens = request.exchange(code)
        remember_secret(tokens.access_token, tokens.refresh_token, tokens.id_token, code, request.verifier)
        event = auth_event_id(tokens)
        tenants = self._xero().list_tenants(tokens.access_token)
        previous_tokens = self.broker.store.load(draft.id)
        self.broker.save(draft.id, tokens)  # the keyring first: the grant must never be lost
        at = now()
        outcome = AuthorizationOutcome(
            draft,
            tenants,
            [t for t in tenants if event and t.auth_event_id == event],
            xero_user(tokens),
            tokens.scope,
            previous_tokens=previous_tokens,
        )
        chosen = [t for t in tenants if draft.tenant_id and t.tenant_id == draft.tenant_id]
        grant = Grant(
            connection_id=draft.id,
            authorized_at=at,
            authorized_host=current_host(),
            last_refresh=at,
            fingerprint=draft.fingerprint,
            granted_scopes=tokens.scope,
            auth_event_id=event,
            xero_user=outcome.xero_user,
            reaches_tenant=outcome.reaches_saved_tenant,
            xero_connection_id=chosen[0].connection_id if chosen else "",
        )
        with self.grants.edit() as grants:
            outcome.previous_grant = grants.get(draft.id)
            reauthorized = outcome.previous_grant is not None
            grants[draft.id] = grant
        self._on_grants_changed()
        self._on_event(
            "re-authorized" if reauthorized else "authorized",
            draft,
            f"{len(tenants)} organisation(s) available" + (f" as {outcome.xero_user}" if outcome.xero_user else ""),
        )
        return outcome

    def discard(self, outcome: AuthorizationOutcome) -> None:
        """Cancel: put back what this user had before the authorization, or remove the new grant.

        Only this computer's keyring and this user's state change; nothing is revoked or disconnected at Xero.
        """
        conn_id = outcome.connection.id
        if outcome.previous_tokens is not None:
            self.broker.save(conn_id, outcome.previous_tokens)
        else:
            self.broker.forget(conn_id)
        with self.grants.edit() as grants:
            if outcome.previous_grant is not None:
                grants[conn_id] = outcome.previous_grant
            else:
                grants.pop(conn_id, None)
        self._on_grants_changed()
        self._on_event("authorization discarded", outcome.connection, "cancelled before it was saved")
