"""Xero's endpoints and the one way xconn sends a request to them.

Endpoints come from ``XCONN_XERO_LOGIN`` / ``XCONN_XERO_IDENTITY`` / ``XCONN_XERO_API`` (so a local
stand-in can play Xero), with Xero's own paths appended; settings are read when used, never at
import. :meth:`XeroClient.send` is the single request path: network failures, 502-504 and Xero's
rate limits (docs/XERO.md) are retried there; :func:`raise_for_status` turns every other error
status into a typed error with plain words. A 401 that means "renew the token" is the internal
:class:`AccessTokenRejected`, handled once by the token broker (tokens.py); a 401
``AuthorizationUnsuccessful`` (a scope is missing) and a 403 (organisation not connected) are not.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import (
    STEP_CHECK_NETWORK,
    STEP_TRY_LATER,
    DailyLimitReached,
    MissingPermission,
    RateLimited,
    TenantUnavailable,
    XconnError,
    XeroRejected,
    XeroServerError,
    XeroUnavailable,
)
from .model import Tenant, iso

if TYPE_CHECKING:  # requests is imported when first used
    from requests import Response, Session

log = logging.getLogger("xconn.xero")

DEFAULT_LOGIN = "https://login.xero.com"
DEFAULT_IDENTITY = "https://identity.xero.com"
DEFAULT_API = "https://api.xero.com"
ENV_TIMEOUT = "XCONN_HTTP_TIMEOUT"
CONNECT_TIMEOUT, READ_TIMEOUT = 10.0, 30.0
LIMIT_HEADERS = ("X-DayLimit-Remaining", "X-MinLimit-Remaining", "X-AppMinLimit-Remaining")


def http_timeout() -> tuple[float, float]:
    """(connect, read) seconds; XCONN_HTTP_TIMEOUT=S lowers the read timeout (connect at most 10)."""
    try:
        value = float(os.environ.get(ENV_TIMEOUT) or 0)
    except ValueError:
        value = 0
    return (min(CONNECT_TIMEOUT, value), value) if value > 0 else (CONNECT_TIMEOUT, READ_TIMEOUT)


@dataclass(frozen=True)
class Endpoints:
    login: str = DEFAULT_LOGIN
    identity: str = DEFAULT_IDENTITY
    api: str = DEFAULT_API

    @classmethod
    def from_env(cls) -> Endpoints:
        def get(name: str, default: str) -> str:
            return (os.environ.get(name) or default).rstrip("/")

        return cls(
            get("XCONN_XERO_LOGIN", DEFAULT_LOGIN),
            get("XCONN_XERO_IDENTITY", DEFAULT_IDENTITY),
            get("XCONN_XERO_API", DEFAULT_API),
        )

    @staticmethod
    def timeout() -> tuple[float, float]:
        return http_timeout()

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


class AccessTokenRejected(XconnError):
    """Internal: Xero answered 401 for an expired or unknown access token, so it must be renewed."""

    def __init__(self, what: str = "talking to Xero"):
        super().__init__(f"Xero did not accept the access token while {what}.", "xconn renews it and tries again.")


# -- rate limits ------------------------------------------------------------------------------------
MINUTE, DAY, CONCURRENT, APP_MINUTE = "minute", "day", "concurrent", "app minute"


def limit_kind(problem: str | None) -> str:
    """Which limit X-Rate-Limit-Problem names (docs/XERO.md: minute, daily, concurrent, appminute)."""
    p = (problem or "").strip().lower()
    if "app" in p:
        return APP_MINUTE
    if "day" in p or "daily" in p:
        return DAY
    if "concurrent" in p:
        return CONCURRENT
    return MINUTE


@dataclass(frozen=True)
class RetryPolicy:
    """How long to wait for which limit (issue 12): a minute limit is waited out when Xero asks for
    60 s or less; the concurrent limit is retried 3 times after 1, 2 and 4 s; a day limit never."""

    max_minute_wait: float = 60.0
    concurrent_waits: tuple[float, ...] = (1.0, 2.0, 4.0)
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def wait_for(self, exc: RateLimited, attempt: int) -> float | None:
        kind = getattr(exc, "kind", MINUTE)
        if kind == DAY:
            return None
        if kind == CONCURRENT:
            return self.concurrent_waits[attempt - 1] if attempt <= len(self.concurrent_waits) else None
        wait = exc.retry_after if exc.retry_after is not None else 1.0
        return wait if wait <= self.max_minute_wait and attempt <= 3 else None


def retry_policy() -> RetryPolicy:
    return RetryPolicy()


def retry_after_seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def network_error(exc: Exception, what: str) -> XeroUnavailable:
    import requests

    if isinstance(exc, requests.Timeout):
        return XeroUnavailable(f"Xero did not answer in time while {what}.", STEP_CHECK_NETWORK)
    return XeroUnavailable(
        f"xconn could not reach Xero while {what}: the network or a firewall is blocking it.", STEP_CHECK_NETWORK
    )


def _body(resp: Response) -> dict:
    try:
        doc = resp.json()
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}


def is_missing_permission(resp: Response) -> bool:
    """401 with Detail AuthorizationUnsuccessful: the grant lacks a scope (docs/XERO.md)."""
    body = _body(resp)
    return "authorizationunsuccessful" in str(body.get("Detail") or body.get("detail") or "").lower()


def rate_limited(resp: Response, what: str, organisation: str = "") -> RateLimited:
    wait = retry_after_seconds(resp.headers.get("Retry-After"))
    kind = limit_kind(resp.headers.get("X-Rate-Limit-Problem"))
    org = f" for {organisation}" if organisation else " for this organisation"
    if kind == DAY:
        reset = time.time() + (wait or 0)
        exc: RateLimited = DailyLimitReached(
            f"Xero's daily limit{org} is used up (while {what}); it resets at {iso(reset)[11:] or 'midnight'}.",
            "Capture resumes by itself after that; ask your Xero partner about a higher tier if this happens often.",
            retry_after=wait,
            reset_at=reset,
        )
    elif kind == CONCURRENT:
        exc = RateLimited(
            f"Xero allows only 5 calls at once{org}, and more were running (while {what}).",
            "Try again in a moment.",
            retry_after=wait,
        )
    else:
        scope = "for this app on every organisation" if kind == APP_MINUTE else org.strip()
        exc = RateLimited(
            f"Xero's per-minute limit {scope} was reached (while {what}).",
            f"Try again in {int((wait or 60) + 0.999)} seconds.",
            retry_after=wait,
        )
    exc.kind = kind
    return exc


def raise_for_status(resp: Response, what: str, organisation: str = "") -> None:
    """Turn Xero's error statuses into typed errors with plain words."""
    code = resp.status_code
    if code < 400:
        return
    if code == 429:
        raise rate_limited(resp, what, organisation)
    if code >= 500:
        raise XeroServerError(
            f"Xero had a problem on its side while {what} (error {code}).",
            "This is usually brief: try again in a few minutes. Check status.xero.com if it goes on.",
            status=code,
        )
    if code == 401:
        if is_missing_permission(resp):
            raise MissingPermission(
                f"This connection lacks permission for {what}: its Xero grant does not include the scope needed.",
                "A list administrator adds the scope under Scopes in the connection; then authorize again.",
            )
        raise AccessTokenRejected(what)
    if code == 403:
        org = organisation or "the organisation"
        raise TenantUnavailable(
            f"Xero refused access to {org} while {what}: it is no longer connected to this app for your Xero user.",
            "Re-authorize and tick that organisation on Xero's page, or ask a list administrator to pick another.",
        )
    if code == 404:
        raise XeroRejected(f"Xero did not find what was asked for while {what}.", "It may already be removed.")
    raise XeroRejected(f"Xero refused the request while {what} (error {code}).", "Check the connection's settings.")


def limits_of(resp: Response) -> dict:
    """The remaining-call counts Xero sent with a response (empty when none)."""
    out: dict = {}
    for header in LIMIT_HEADERS:
        value = resp.headers.get(header)
        if value is not None and value.strip().lstrip("-").isdigit():
            out[header] = int(value)
    if out:
        out["seen_at"] = time.time()
    return out


class XeroClient:
    """Xero API calls over one requests.Session, all through :meth:`send`."""

    MAX_NETWORK_ATTEMPTS = 3

    def __init__(
        self, endpoints: Endpoints | None = None, session: Session | None = None, policy: RetryPolicy | None = None
    ):
        self.endpoints = endpoints or Endpoints.from_env()
        self._session = session
        self.policy = policy or retry_policy()
        self.last_limits: dict = {}

    @property
    def session(self) -> Session:
        if self._session is None:
            import requests

            self._session = requests.Session()
            self._session.headers["User-Agent"] = "xconn"
        return self._session

    def send(
        self,
        method: str | bytes,
        url: str | bytes,
        what: str,
        *,
        access_token: str | None = None,
        tenant_id: str | None = None,
        organisation: str = "",
        check: bool = True,
        transport: Callable[..., Response] | None = None,
        **kw: Any,
    ) -> Response:
        """Send with retries: network failures, 502-504, and rate limits as the policy allows.

        transport(method, url, headers=..., timeout=..., **kw) defaults to this client's session
        (XeroSession passes its own). With check, error statuses raise typed errors.
        """
        import requests

        send = transport or self.session.request
        headers = dict(kw.pop("headers", None) or {})
        headers.setdefault("Accept", "application/json")
        if access_token:
            headers["Authorization"] = f"Bearer {access_token}"
        if tenant_id:
            headers["xero-tenant-id"] = tenant_id
        timeout = kw.pop("timeout", None) or http_timeout()
        attempt = limited = 0
        while True:
            attempt += 1
            try:
                resp = send(method, url, headers=headers, timeout=timeout, **kw)
            except requests.RequestException as exc:
                if (
                    attempt < self.MAX_NETWORK_ATTEMPTS
                    and isinstance(exc, requests.ConnectionError)
                    and not isinstance(exc, requests.Timeout)
                ):
                    log.info("network error while %s; trying again", what)
                    self.policy.sleep(0.5 * attempt)
                    continue
                raise network_error(exc, what) from exc
            limits = limits_of(resp)
            if limits:
                self.last_limits = limits
            if resp.status_code == 429:
                limited += 1
                refusal = rate_limited(resp, what, organisation)  # not `exc`: that name is the except clause's
                wait = self.policy.wait_for(refusal, limited)
                if wait is not None:
                    log.info("Xero's %s limit reached while %s; waiting %.1f s", refusal.kind, what, wait)
                    self.policy.sleep(wait)
                    continue
                raise refusal
            if resp.status_code in (502, 503, 504) and attempt < self.MAX_NETWORK_ATTEMPTS:
                log.info("Xero answered %s while %s; trying again", resp.status_code, what)
                self.policy.sleep(1.0 * attempt)
                continue
            if check:
                raise_for_status(resp, what, organisation)
            return resp

    def _json(self, resp: Response, what: str) -> object:
        try:
            return resp.json()
        except ValueError as exc:
            raise XeroUnavailable(f"Xero sent an answer xconn could not read while {what}.", STEP_TRY_LATER) from exc

    def list_tenants(self, access_token: str, auth_event_id: str = "") -> list[Tenant]:
        what = "listing your organisations"
        params = {"authEventId": auth_event_id} if auth_event_id else None
        resp = self.send("GET", self.endpoints.connections, what, access_token=access_token, params=params)
        rows = self._json(resp, what)
        if not isinstance(rows, list):
            raise XeroUnavailable(f"Xero sent an unexpected answer while {what}.", STEP_TRY_LATER)
        return [Tenant.from_xero(r) for r in rows[:10_000] if isinstance(r, dict)]

    def organisation(self, access_token: str, tenant_id: str) -> dict:
        what = "checking the organisation"
        doc = self._json(
            self.send("GET", self.endpoints.organisation, what, access_token=access_token, tenant_id=tenant_id), what
        )
        orgs = doc.get("Organisations") if isinstance(doc, dict) else None
        if not orgs or not isinstance(orgs[0], dict):
            raise TenantUnavailable(f"Xero returned no organisation while {what}.", "Pick the organisation again.")
        return orgs[0]

    def disconnect(self, access_token: str, xero_connection_id: str) -> None:
        from urllib.parse import quote

        self.send(
            "DELETE",
            f"{self.endpoints.connections}/{quote(xero_connection_id, safe='')}",
            "disconnecting the organisation",
            access_token=access_token,
        )

    def revoke(self, client_id: str, refresh_token: str) -> None:
        self.send(
            "POST",
            self.endpoints.revocation,
            "revoking the authorization",
            data={"token": refresh_token, "client_id": client_id},
        )

    def discovery(self) -> tuple[object, str | None]:
        """The OIDC discovery document and the server's Date header (for doctor)."""
        what = "fetching Xero's sign-in settings"
        resp = self.send("GET", self.endpoints.discovery, what)
        return self._json(resp, what), resp.headers.get("Date")
