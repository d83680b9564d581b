"""One authorization in progress: loopback listener, browser, code exchange, tenants.

    with service.begin_authorization(conn_id) as pending:   # listening from here on
        pending.open_browser()                              # or show pending.url
        outcome = pending.wait(90)                          # or pending.complete_with_address(url)
"""

from __future__ import annotations

import hmac
import logging
import threading

from .errors import AuthorizationCancelled, InvalidInput
from .loopback import DEFAULT_TIMEOUT, LoopbackReceiver, describe_error, parse_pasted_url
from .model import Connection
from .oauth import AuthorizationRequest

log = logging.getLogger("xconn.authorization")


class PendingAuthorization:
    def __init__(self, service, draft: Connection, is_new: bool):
        self.service = service
        self.draft = draft
        self.is_new = is_new
        self.request = AuthorizationRequest(draft.client_id, draft.redirect_url, draft.scopes, service.endpoints)
        self.receiver = LoopbackReceiver(draft.redirect_url, self.request.state).start()  # PortInUse
        self.url = self.request.url
        self._finish_lock = threading.Lock()
        self._finished = None
        log.info("authorization started for %s, listening on %s", draft.name, self.receiver.listening_addresses)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        self.receiver.close()

    def open_browser(self) -> bool:
        """Open the default browser on the URL; False when no browser could be started."""
        import webbrowser

        try:
            return bool(webbrowser.open(self.url, new=1, autoraise=True))
        except Exception:
            return False

    def cancel(self) -> None:
        self.receiver.cancel()

    def wait(self, timeout: float = DEFAULT_TIMEOUT):
        """Wait for the browser's return, exchange the code, store tokens, list tenants."""
        try:
            code = self.receiver.wait(timeout)
        except AuthorizationCancelled:
            self.receiver.close()
            if self._finished is not None:  # completed by a pasted address meanwhile
                return self._finished
            raise
        except BaseException:
            self.receiver.close()
            raise
        # Stop listening while the code is exchanged, not before: the tenants appear sooner.
        closing = threading.Thread(target=self.receiver.close, name="xconn-loopback-close", daemon=True)
        closing.start()
        try:
            return self._finish(code)
        finally:
            closing.join()

    def complete_with_address(self, address: str):
        """Finish with the address the browser ended on (paste fallback); same state checks."""
        params = parse_pasted_url(address, self.draft.redirect_url)
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

    def _finish(self, code: str):
        with self._finish_lock:
            if self._finished is not None:
                return self._finished
            tokens = self.request.exchange(code)
            from .logs import remember_secret

            remember_secret(tokens.access_token, tokens.refresh_token, code, self.request.verifier)
            tenants = self.service.xero.list_tenants(tokens.access_token)
            self._finished = self.service._store_authorization(self.draft, tokens, tenants, self.is_new)
            return self._finished
