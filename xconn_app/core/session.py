"""requests.Session for capture profiles: valid bearer token and xero-tenant-id on every call.

Each request goes through the same path as xconn's own calls: rate limits waited out as Xero's
rules allow (XeroClient.send), a 401 for an expired token renewed once (TokenBroker.with_token).
A 401 AuthorizationUnsuccessful (scope missing), a 403 (organisation not connected) and a used-up
daily limit raise typed errors with plain words; any other response is returned as it is.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import requests

from .errors import NotFound
from .model import Connection
from .text import visible
from .xero import XeroClient, raise_for_status

if TYPE_CHECKING:
    from .tokens import TokenBroker

_SESSION_ARGS = (
    "params",
    "data",
    "headers",
    "cookies",
    "files",
    "auth",
    "timeout",
    "allow_redirects",
    "proxies",
    "hooks",
    "stream",
    "verify",
    "cert",
    "json",
)
LIMITS_NOTE_EVERY = 60.0


class XeroSession(requests.Session):
    """Refreshes its token by itself; see the module's docstring for what it raises."""

    def __init__(
        self,
        broker: TokenBroker,
        client: XeroClient,
        connection: Connection,
        on_limits: Callable[[Connection, dict], None] | None = None,
    ):
        super().__init__()
        if not connection.tenant_id:
            raise NotFound(
                f"Connection '{visible(connection.name)}' has no organisation chosen.",
                "A list administrator edits it and picks one in the Tenant list.",
            )
        self._broker = broker
        self._client = client
        self._on_limits = on_limits
        self._limits_noted = 0.0
        self.connection = connection
        self.headers["Accept"] = "application/json"
        self.headers["User-Agent"] = "xconn"

    def _transport(self, method: str | bytes, url: str | bytes, **kwargs: Any) -> requests.Response:
        return requests.Session.request(self, method, url, **kwargs)

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.update(zip(_SESSION_ARGS, args, strict=False))  # positional ones, as requests.Session takes them
        headers = dict(kwargs.pop("headers", None) or {})
        conn = self.connection
        what = f"calling {visible(str(url).split('?')[0], 120)}"

        def call(token: str) -> requests.Response:
            resp = self._client.send(
                method,
                url,
                what,
                access_token=token,
                tenant_id=conn.tenant_id,
                organisation=conn.tenant_name,
                check=False,
                transport=self._transport,
                headers=headers,
                **kwargs,
            )
            if resp.status_code in (401, 403):
                raise_for_status(resp, what, conn.tenant_name)
            return resp

        resp = self._broker.with_token(conn, call)
        self._note_limits()
        return resp

    def _note_limits(self) -> None:
        limits = self._client.last_limits
        if limits and self._on_limits and time.monotonic() - self._limits_noted > LIMITS_NOTE_EVERY:
            self._limits_noted = time.monotonic()
            self._on_limits(self.connection, limits)
