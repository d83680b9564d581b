"""Xero's endpoints and API calls: tenants, organisation, disconnect, revoke.

Endpoints come from XCONN_XERO_LOGIN / XCONN_XERO_IDENTITY / XCONN_XERO_API (so a local
stand-in can play Xero) with Xero's own paths appended. 429 honours Retry-After (bounded);
5xx and network failures become XeroUnavailable with a plain message.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from .errors import RateLimited, TenantUnavailable, XeroRejected, XeroServerError, XeroUnavailable
from .model import Tenant

DEFAULT_LOGIN = "https://login.xero.com"
DEFAULT_IDENTITY = "https://identity.xero.com"
DEFAULT_API = "https://api.xero.com"
TIMEOUT = (10, 30)
try:  # XCONN_HTTP_TIMEOUT=S (seconds, read timeout; connect at most 10): tests lower it
    if float(os.environ.get("XCONN_HTTP_TIMEOUT") or 0) > 0:
        TIMEOUT = (min(10.0, float(os.environ["XCONN_HTTP_TIMEOUT"])), float(os.environ["XCONN_HTTP_TIMEOUT"]))
except ValueError:
    pass
MAX_RETRY_WAIT = 30.0  # seconds we are willing to sleep for one Retry-After
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class Endpoints:
    login: str
    identity: str
    api: str

    @classmethod
    def from_env(cls) -> "Endpoints":
        def get(name, default):
            return (os.environ.get(name) or default).rstrip("/")

        return cls(
            get("XCONN_XERO_LOGIN", DEFAULT_LOGIN),
            get("XCONN_XERO_IDENTITY", DEFAULT_IDENTITY),
            get("XCONN_XERO_API", DEFAULT_API),
        )

    @property
    def authorize(self) -> str:
        return self.login + "/identity/connect/authorize"

    @property
    def token(self) -> str:
        return self.identity + "/connect/token"

    @property
    def revocation(self) -> str:
        return self.identity + "/connect/revocation"

    @property
    def discovery(self) -> str:
        return self.identity + "/.well-known/openid-configuration"

    @property
    def connections(self) -> str:
        return self.api + "/connections"

    @property
    def organisation(self) -> str:
        return self.api + "/api.xro/2.0/Organisation"

    def all_loopback(self) -> bool:
        """True when every endpoint is on this machine (a test stand-in): http is then allowed."""
        return all(is_loopback_host(urlsplit(u).hostname or "") for u in (self.login, self.identity, self.api))


def is_loopback_host(host: str) -> bool:
    return host in ("localhost", "::1") or host.startswith("127.")


class AccessTokenRejected(Exception):
    """Internal: Xero answered 401, so the access token must be refreshed."""


def retry_after_seconds(value: str | None) -> float:
    try:
        return max(0.0, float(value)) if value else 1.0
    except ValueError:
        return 5.0


def network_error(exc: Exception, what: str) -> XeroUnavailable:
    import requests

    if isinstance(exc, requests.Timeout):
        return XeroUnavailable(f"Xero did not answer in time while {what}.", "Check the internet connection and try again.")
    return XeroUnavailable(
        f"xconn could not reach Xero while {what}: the network or a firewall is blocking it.",
        "Check the internet connection (open https://www.xero.com in the browser) and try again.",
    )


def raise_for_status(resp, what: str) -> None:
    """Turn Xero's error statuses into typed errors with plain words."""
    code = resp.status_code
    if code < 400:
        return
    if code == 429:
        wait = retry_after_seconds(resp.headers.get("Retry-After"))
        raise RateLimited(
            f"Xero is limiting requests for this organisation right now (while {what}).",
            f"Try again in {int(wait + 0.999)} seconds.",
            retry_after=wait,
        )
    if code >= 500:
        raise XeroServerError(
            f"Xero had a problem on its side while {what} (error {code}).",
            "This is usually brief: try again in a few minutes. Check status.xero.com if it goes on.",
            status=code,
        )
    if code == 401:
        raise AccessTokenRejected()
    if code == 403:
        raise TenantUnavailable(
            f"Xero refused access to the organisation while {what}: it may have been disconnected from this app.",
            "Edit the connection, press Authorize and pick the organisation again.",
        )
    if code == 404:
        raise XeroRejected(f"Xero did not find what was asked for while {what}.", "It may already be removed.")
    raise XeroRejected(f"Xero refused the request while {what} (error {code}).", "Check the connection's settings.")


class XeroClient:
    """A few Xero API calls over one requests.Session, with bounded retries."""

    def __init__(self, endpoints: Endpoints | None = None, session=None, sleep=time.sleep):
        self.endpoints = endpoints or Endpoints.from_env()
        self._session = session
        self._sleep = sleep

    @property
    def session(self):
        if self._session is None:
            import requests

            self._session = requests.Session()
            self._session.headers["User-Agent"] = "xconn"
        return self._session

    def request(self, method: str, url: str, what: str, *, access_token=None, tenant_id=None, **kw):
        import requests

        headers = kw.pop("headers", {}) or {}
        headers.setdefault("Accept", "application/json")
        if access_token:
            headers["Authorization"] = f"Bearer {access_token}"
        if tenant_id:
            headers["xero-tenant-id"] = tenant_id
        timeout = kw.pop("timeout", TIMEOUT)
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                resp = self.session.request(method, url, headers=headers, timeout=timeout, **kw)
            except requests.RequestException as exc:
                if attempt < MAX_ATTEMPTS and isinstance(exc, requests.ConnectionError) and not isinstance(
                    exc, requests.Timeout
                ):
                    self._sleep(0.5 * attempt)
                    continue
                raise network_error(exc, what) from None
            if resp.status_code == 429 and attempt < MAX_ATTEMPTS:
                wait = retry_after_seconds(resp.headers.get("Retry-After"))
                if wait <= MAX_RETRY_WAIT:
                    self._sleep(wait)
                    continue
            if resp.status_code in (502, 503, 504) and attempt < MAX_ATTEMPTS:
                self._sleep(1.0 * attempt)
                continue
            raise_for_status(resp, what)
            return resp
        raise AssertionError("unreachable")

    def _json(self, resp, what: str):
        try:
            return resp.json()
        except ValueError:
            raise XeroUnavailable(
                f"Xero sent an answer xconn could not read while {what}.", "Try again in a few minutes."
            ) from None

    def list_tenants(self, access_token: str) -> list[Tenant]:
        what = "listing your organisations"
        rows = self._json(self.request("GET", self.endpoints.connections, what, access_token=access_token), what)
        if not isinstance(rows, list):
            raise XeroUnavailable(f"Xero sent an unexpected answer while {what}.", "Try again in a few minutes.")
        return [Tenant.from_xero(r) for r in rows if isinstance(r, dict)]

    def organisation(self, access_token: str, tenant_id: str) -> dict:
        what = "checking the organisation"
        doc = self._json(
            self.request("GET", self.endpoints.organisation, what, access_token=access_token, tenant_id=tenant_id), what
        )
        orgs = doc.get("Organisations") if isinstance(doc, dict) else None
        if not orgs:
            raise TenantUnavailable(f"Xero returned no organisation while {what}.", "Pick the organisation again.")
        return orgs[0]

    def disconnect(self, access_token: str, xero_connection_id: str) -> None:
        what = "disconnecting the organisation"
        self.request("DELETE", f"{self.endpoints.connections}/{xero_connection_id}", what, access_token=access_token)

    def revoke(self, client_id: str, refresh_token: str) -> None:
        what = "revoking the authorization"
        self.request(
            "POST", self.endpoints.revocation, what, data={"token": refresh_token, "client_id": client_id}
        )

    def discovery(self):
        """The OIDC discovery document and the server's Date header (for doctor)."""
        what = "fetching Xero's sign-in settings"
        resp = self.request("GET", self.endpoints.discovery, what)
        return self._json(resp, what), resp.headers.get("Date")
