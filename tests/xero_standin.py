"""A local stand-in for Xero's identity (OAuth 2.0) and API servers.

It is a real threaded HTTP server bound to 127.0.0.1 on a random port that plays
Xero's "Auth Code with PKCE" protocol strictly, so the desktop app can be
exercised end to end without the internet.  Only the standard library is used.

Real Xero, not this file, is the reference.  Every behaviour below carries a
comment naming where Xero shows or documents it; where nothing could be found
the comment says so ("not documented; chosen because ...").  docs/XERO.md is
the table of these facts for the app side.  Sources are cited by short keys:

  [PKCE]   developer.xero.com/documentation/oauth2/pkce-flow
  [FLOW]   developer.xero.com/documentation/guides/oauth2/auth-flow
  [TROUB]  developer.xero.com/documentation/oauth2/troubleshooting
  [FAQ]    developer.xero.com/faq/oauth2 (and /faq/oauth2/oauth-refresh-fail)
  [SCOPES] developer.xero.com/documentation/oauth2/scopes
  [GRAN]   developer.xero.com/faq/granular-scopes
  [LIMITS] developer.xero.com/faq/limits (and .../guides/oauth2/limits)
  [TIERS]  developer.xero.com/faq/pricing-and-policy-updates, developer.xero.com/pricing
  [IDSPEC] XeroAPI/Xero-OpenAPI xero-identity.yaml (v16.1.0)
  [ACCSPEC] XeroAPI/Xero-OpenAPI xero_accounting.yaml (v16.1.0)
  [IS4]    IdentityServer/IdentityServer4 tag 3.1.4, whose authorize-error texts are exactly
           the ones Xero shows ("unauthorized_client : Unknown client or client not enabled",
           "unauthorized_client : Invalid redirect_uri", "... : Invalid scope for client"),
           so its control flow is used where Xero's own docs are silent (stated as inferred)

Typical use in tests::

    with XeroStandIn(auto_consent=True) as xero:
        xero.register_app("CLIENTID", ["http://localhost:5000/callback"])
        env = xero.env()          # point the app at the stand-in
        ...

By hand::

    python tests/xero_standin.py --port 0 --auto-consent \
        --client-id ID --redirect-uri http://localhost:5000/callback
"""

from __future__ import annotations

import argparse
import base64
import datetime as _dt
import hashlib
import html
import http.server
import json
import math
import re
import secrets
import ssl
import threading
import time
import uuid
from http import HTTPStatus
from urllib.parse import parse_qs, quote, urlencode, urlsplit

__all__ = [
    "BROAD_SCOPES",
    "GRANULAR_ONLY_FROM",
    "GRANULAR_SCOPES",
    "KNOWN_SCOPES",
    "RESTRICTED_SCOPES",
    "TIERS",
    "XeroStandIn",
    "pkce_pair",
]

# --------------------------------------------------------------------------- scopes
# [SCOPES] identity scopes, offline_access and the organisation scopes.  [GRAN]: from 2 March 2026 the broad
# accounting.transactions(.read) and accounting.reports.read are replaced by granular scopes; the granular names
# below are those listed with their endpoints on the Scopes page (reports split into accounting.reports.<x>.read).
IDENTITY_SCOPES = ("openid", "profile", "email")
BROAD_SCOPES = ("accounting.transactions", "accounting.transactions.read", "accounting.reports.read")
GRANULAR_SCOPES = (
    "accounting.invoices",
    "accounting.invoices.read",
    "accounting.payments",
    "accounting.payments.read",
    "accounting.banktransactions",
    "accounting.banktransactions.read",
    "accounting.manualjournals",
    "accounting.manualjournals.read",
    "accounting.classicexpenses",
    "accounting.classicexpenses.read",
    "accounting.reports.aged.read",
    "accounting.reports.balancesheet.read",
    "accounting.reports.banksummary.read",
    "accounting.reports.budgetsummary.read",
    "accounting.reports.executivesummary.read",
    "accounting.reports.profitandloss.read",
    "accounting.reports.trialbalance.read",
    "accounting.reports.taxreports.read",
)
# Scopes not touched by the split [SCOPES], [ACCSPEC] securitySchemes.
OTHER_SCOPES = (
    "accounting.contacts",
    "accounting.contacts.read",
    "accounting.settings",
    "accounting.settings.read",
    "accounting.attachments",
    "accounting.attachments.read",
    "accounting.journals.read",
    "accounting.budgets.read",
    "accounting.reports.tenninetynine.read",
    "files",
    "files.read",
    "assets",
    "assets.read",
    "projects",
    "projects.read",
    "payroll.employees",
    "payroll.employees.read",
    "payroll.payruns",
    "payroll.payruns.read",
    "payroll.payslip",
    "payroll.payslip.read",
    "payroll.timesheets",
    "payroll.timesheets.read",
    "payroll.settings",
    "payroll.settings.read",
)
# Real scopes an ordinary app may not ask for: Xero shows "unauthorized_client : Invalid scope for client"
# (paymentservices: XeroAPI/xero-python-oauth2-app#14; finance.*: XeroAPI/xero-ruby#222; bankfeeds:
# XeroAPI/Xero-NetStandard#475 - "restricted" / "closed" APIs for partners only).
RESTRICTED_SCOPES = (
    "paymentservices",
    "bankfeeds",
    "finance.accountingactivity.read",
    "finance.bankstatementsplus.read",
    "finance.cashvalidation.read",
    "finance.statements.read",
)
KNOWN_SCOPES = (*IDENTITY_SCOPES, "offline_access", *BROAD_SCOPES, *GRANULAR_SCOPES, *OTHER_SCOPES, *RESTRICTED_SCOPES)
_SCOPE_ORDER = {s: i for i, s in enumerate(KNOWN_SCOPES)}

# [GRAN] "Apps created on or after 2 March 2026 will use the new granular scopes"; older apps keep the broad ones
# until September 2027 and may request granular ones from April 2026 (the stand-in assumes it runs after April
# 2026 and does not end the broad scopes in September 2027: no exact day is documented).
GRANULAR_ONLY_FROM = _dt.date(2026, 3, 2)

# [TIERS] "Connections (maximum) | 5 | 50 | 1000 | 10,000 | No limit"; daily API limit 1,000 per organisation on
# Starter, 5,000 otherwise (accountingtoday.com/news/xero-shifts-to-tiered-pricing-model-for-developers, and the
# tier table on developer.xero.com/pricing).  Several organisations in one sign-in ("Bulk Connections") is an
# Advanced feature (devblog.xero.com "Streamline your onboarding with Xero Bulk Connections"; chift.eu and
# xpm-compare summaries of the 2026 tiers).  Enterprise is assumed to have it too (not documented).
TIERS = {
    "starter": {"connections": 5, "day": 1000, "bulk": False},
    "core": {"connections": 50, "day": 5000, "bulk": False},
    "plus": {"connections": 1000, "day": 5000, "bulk": False},
    "advanced": {"connections": 10_000, "day": 5000, "bulk": True},
    "enterprise": {"connections": None, "day": 5000, "bulk": True},
}

# [LIMITS] "Concurrent Limit: 5 calls in progress at one time / Minute Limit: 60 calls per minute / Daily Limit:
# 5000 calls per day ... App Minute Limit: 10,000 calls per minute".  "day": None = the tier's daily limit.
DEFAULT_LIMITS = {"minute": 60, "day": None, "concurrent": 5, "app_minute": 10_000}

CODE_LIFETIME = 300  # [FLOW] "The code ... is only valid for 5 minutes" (single use, see _token_from_code)
ID_TOKEN_LIFETIME = 300  # [FLOW] token lifetimes: id_token 5 minutes
GRACE_SECONDS = 1800  # [FAQ] "you can retry using your existing refresh token for up to 30 minutes"
REFRESH_LIFETIME = 60 * 86400  # [FAQ] "Unused refresh tokens expire after 60 days"
ACCESS_LIFETIME = 1800  # [FAQ] "What is the expiration for an access token? 30 minutes."

_VERIFIER_RE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")  # [PKCE] 43-128 chars of A-Z a-z 0-9 - . _ ~
_CHALLENGE_RE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")  # [IS4] CodeChallengeMin/MaxLength 43/128
_FORM_CT = "application/x-www-form-urlencoded"
_SESSION_COOKIE = "XeroStandInSession"  # not documented which cookie Xero's login sets; any name works
_AUTHORIZE = "/identity/connect/authorize"
_CALLBACK = "/identity/connect/authorize/callback"  # [IS4] ProtocolRoutePaths.AuthorizeCallback under /identity
_LOGIN = "/identity/user/login"  # login.xero.com/identity/user/login?ReturnUrl=... (seen in many public repos)
_ERROR = "/identity/error"  # login.xero.com/identity/error?errorId=CfDJ8... (XeroAPI/xero-php-oauth2-app#10)
_CONNECTION_LIMIT = "/connectionLimit"  # authorize.xero.com/connectionLimit (PipedreamHQ/pipedream#21951)

_DEFAULT_TENANTS = [{"tenantName": "Demo Company (NZ)", "tenantType": "ORGANISATION"}]

# Scopes per endpoint: [ACCSPEC] (Organisation: accounting.settings / .read) and [SCOPES] / [GRAN] (Invoices:
# accounting.invoices / .read, or the broad accounting.transactions / .read of an older grant).
_ENDPOINTS = {
    "Organisation": {"read": ("accounting.settings", "accounting.settings.read"), "write": None},
    "Invoices": {
        "read": (
            "accounting.invoices",
            "accounting.invoices.read",
            "accounting.transactions",
            "accounting.transactions.read",
        ),
        "write": ("accounting.invoices", "accounting.transactions"),
    },
}


# --------------------------------------------------------------------------- helpers
def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def pkce_pair() -> tuple[str, str]:
    """Return a fresh (code_verifier, code_challenge) pair (S256)."""
    verifier = _b64url(secrets.token_bytes(48))  # 64 chars
    return verifier, _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def _fake_jwt(claims: dict) -> str:
    # [FLOW] access and id tokens are RS256 JWTs; the signature here is random (nobody verifies it offline).
    header = {
        "alg": "RS256",
        "kid": "1CAF8E66772D6DC028D6726FD0261581570EFC19",
        "typ": "JWT",
        "x5t": "HK-OZncybcAo1nJv0CYVgVcO_Bk",
    }
    h = _b64url(json.dumps(header, separators=(",", ":")).encode())
    p = _b64url(json.dumps(claims, separators=(",", ":")).encode())
    s = _b64url(secrets.token_bytes(256))  # RS256 signature size
    return f"{h}.{p}.{s}"


def _xero_date(ts: float) -> str:
    """[IDSPEC] connection timestamps: no zone, 7 fractional digits ("2019-12-07T18:46:19.5165400")."""
    d = _dt.datetime.fromtimestamp(ts, _dt.timezone.utc).replace(tzinfo=None)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond:06d}0"


def _ms_date(ts: float) -> str:
    return f"/Date({int(ts * 1000)})/"  # [ACCSPEC] DateTimeUTC: /Date(1552404447003)/


def _sorted_scopes(scopes) -> list[str]:
    return sorted(set(scopes), key=lambda s: _SCOPE_ORDER.get(s, 10_000))


def _add_query(uri: str, params: dict) -> str:
    sep = "&" if "?" in uri else "?"
    return uri + sep + urlencode({k: v for k, v in params.items() if v is not None}, quote_via=quote)


def _is_demo(tenant_name: str) -> bool:
    # Xero's demo organisations are named "Demo Company (<country>)".
    return tenant_name.startswith("Demo Company")


_CSS = (
    "body{margin:0;font-family:'Helvetica Neue',Arial,sans-serif;background:#f5f6f7;color:#1e3145}"
    "header{background:#13b5ea;color:#fff;padding:14px 24px;font-size:26px;font-weight:bold}"
    "main{max-width:520px;margin:40px auto;background:#fff;border-radius:6px;padding:28px;"
    "box-shadow:0 1px 4px rgba(0,0,0,.15)}"
    "h1{font-size:22px;margin-top:0}ul{padding-left:20px}"
    ".error{color:#c4122f;font-family:monospace;font-size:15px}"
    "button{font-size:15px;padding:10px 22px;border-radius:4px;margin-right:10px;cursor:pointer}"
    "#allow{background:#0078c8;color:#fff;border:1px solid #0078c8}"
    "#deny{background:#fff;color:#0078c8;border:1px solid #0078c8}"
)


def _page(title: str, body: str) -> str:
    """A small, well-formed (also XML-parsable) HTML page with a blue Xero header."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n'
        "<head>\n"
        '<meta charset="utf-8" />\n'
        f"<title>{html.escape(title)}</title>\n"
        f"<style>{_CSS}</style>\n"
        "</head>\n"
        "<body>\n"
        "<header>Xero</header>\n"
        f"<main>\n{body}\n</main>\n"
        "</body>\n"
        "</html>\n"
    )


class _Reply(Exception):
    """Raised inside route handlers to short-circuit with a response."""

    def __init__(
        self,
        status: int,
        body: bytes | str = b"",
        ctype: str = "application/json; charset=utf-8",
        headers: dict | None = None,
    ):
        super().__init__(status)
        self.status = status
        self.body = body.encode("utf-8") if isinstance(body, str) else body
        self.ctype = ctype
        self.headers = dict(headers or {})


def _json_reply(status: int, obj, headers: dict | None = None) -> _Reply:
    return _Reply(status, json.dumps(obj, separators=(",", ":")), "application/json; charset=utf-8", headers)


def _oauth_error(error: str, status: int = 400) -> _Reply:
    # [TROUB] token endpoint errors are {"error": "invalid_grant"} etc. (no description).
    return _json_reply(status, {"error": error}, {"Cache-Control": "no-store", "Pragma": "no-cache"})


def _problem(status: int, title: str, detail: str, correlation: str, headers: dict | None = None) -> _Reply:
    # [TROUB] {"title":"Forbidden","status":403,"detail":"AuthenticationUnsuccessful","instance":"..."}; the exact
    # casing and the trailing "Extensions":{} are from a captured 401 (see _api): Instance = Xero-Correlation-Id.
    return _json_reply(
        status,
        {"Type": None, "Title": title, "Status": status, "Detail": detail, "Instance": correlation, "Extensions": {}},
        headers,
    )


def _html(status: int, title: str, body: str, headers: dict | None = None) -> _Reply:
    return _Reply(status, _page(title, body), "text/html; charset=utf-8", headers)


def _redirect(location: str, headers: dict | None = None) -> _Reply:
    return _Reply(302, b"", "text/html; charset=utf-8", {"Location": location, **(headers or {})})


# --------------------------------------------------------------------------- server
class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    tls: ssl.SSLContext | None = None

    def finish_request(self, request, client_address):
        # Xero is https only.  The TLS handshake happens here, on the connection's own thread, so a slow
        # or broken client never holds up accept().
        if self.tls is not None:
            request.settimeout(10)
            try:
                request = self.tls.wrap_socket(request, server_side=True)
            except (OSError, ssl.SSLError):
                return
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):  # quiet: no tracebacks on stderr
        pass


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Xero-StandIn/1.0"
    sys_version = ""
    # The handler writes status line, headers and body separately; over TLS each is a small record, and
    # Nagle's algorithm held the last one back until the client's delayed ACK (~40 ms per request).
    disable_nagle_algorithm = True

    def log_message(self, format, *args):  # quiet server
        pass

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_PATCH(self):
        self._dispatch("PATCH")

    def _dispatch(self, method: str) -> None:
        standin: XeroStandIn = self.server.standin  # type: ignore[attr-defined]
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        body = self.rfile.read(length) if length > 0 else b""
        correlation = str(uuid.uuid4())
        try:
            reply = standin._handle(method, self.path, self.headers, body, correlation)
        except _Reply as r:
            reply = r
        except Exception as exc:  # pragma: no cover - defensive
            reply = _problem(500, "Internal Server Error", f"stand-in bug: {exc!r}", correlation)
        try:
            self.send_response(reply.status)
            for k, v in reply.headers.items():
                if k == "Set-Cookie" and isinstance(v, list):
                    for cookie in v:
                        self.send_header(k, cookie)
                else:
                    self.send_header(k, v)
            if reply.status != 204:
                self.send_header("Content-Type", reply.ctype)
                self.send_header("Content-Length", str(len(reply.body)))
            # Every Xero API answer carries Xero-Correlation-Id (captured 401 in _api; [TROUB] "instance").
            self.send_header("Xero-Correlation-Id", correlation)
            self.end_headers()
            if reply.status != 204 and method != "HEAD":
                self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True


# --------------------------------------------------------------------------- stand-in
class XeroStandIn:
    """Local, strict imitation of login.xero.com / identity.xero.com / api.xero.com.

    Constructor options (all keyword):
      auto_consent      the browser part plays itself: sign-in and "Allow access" happen without a page
      tenants           organisations of the default Xero user (list of {"tenantName", "tenantType"})
      refresh_grace_seconds, access_token_lifetime, refresh_token_lifetime   (Xero: 1800, 1800, 60 days)
      auto_login        GET of the login page signs the active user in at once (default True); False shows a form
      limits            {"minute", "day", "concurrent", "app_minute"}; "day": None = the app tier's daily limit
      api_latency       seconds every Accounting API call stays "in progress" (to reach the concurrent limit)
    """

    # (certificate chain file, key file) used when no `tls` is given: tests/support/testca.install() sets it
    default_tls: tuple[str, str] | None = None

    def __init__(
        self,
        *,
        auto_consent: bool = False,
        tenants: list[dict] | None = None,
        refresh_grace_seconds: float = GRACE_SECONDS,
        access_token_lifetime: int = ACCESS_LIFETIME,
        refresh_token_lifetime: int = REFRESH_LIFETIME,
        auto_login: bool = True,
        limits: dict | None = None,
        api_latency: float = 0.0,
        tls: tuple[str, str] | None = None,
    ):
        self.tls = tls or self.default_tls  # Xero speaks https only; without a certificate: plain http
        self._lock = threading.RLock()
        self.auto_consent = auto_consent
        self.auto_login = auto_login
        self.deny_consent = False
        self.consent_tenants: list[str] | None = None  # auto consent picks these organisations (None: see _auto)
        # [ASSUMED from XeroAPI/xero-php-oauth2#18] "auth event id doesn't change if you reconnect": a repeated
        # consent to an organisation this user already connected keeps its connection id and authEventId.  Tests
        # may set True to play the opposite (a new authEventId for re-consented organisations).
        self.reconsent_new_auth_event = False
        self.refresh_grace_seconds = refresh_grace_seconds
        self.access_token_lifetime = access_token_lifetime
        self.refresh_token_lifetime = refresh_token_lifetime
        self.limits = {**DEFAULT_LIMITS, **(limits or {})}
        self.api_latency = api_latency

        self.refresh_count = 0
        self.token_requests: list[dict] = []
        self.basic_auth_seen = 0
        self.requests_seen: list[tuple[str, str]] = []

        self._users: dict[str, dict] = {}
        self.user_id = self.add_user(
            "demo.user@example.com", "Demo", "User", tenants=tenants if tenants is not None else _DEFAULT_TENANTS
        )
        self.user_email = "demo.user@example.com"
        self.active_user_id = self.user_id  # who signs in at the next login
        self._clock_offset = 0.0
        self._apps: dict[str, dict] = {}
        self._tenant_ids: dict[str, str] = {}
        self._sessions: dict[str, str] = {}  # login cookie -> user id
        self._tickets: dict[str, tuple[str, float]] = {}  # ReturnUrl -> (user id, until): see _login
        self._errors: dict[str, dict] = {}
        self._pending: dict[str, dict] = {}
        self._codes: dict[str, dict] = {}
        self._grants: dict[str, dict] = {}
        self._refresh: dict[str, dict] = {}
        self._access: dict[str, dict] = {}
        self._id_tokens: set[str] = set()
        self._verifiers: set[str] = set()
        self._consented: dict[tuple[str, str], set[str]] = {}  # (user, client) -> scopes ever consented
        self._connections: dict[tuple[str, str], list[dict]] = {}  # (user, client) -> live connections
        self._first_connected: dict[tuple[str, str, str], float] = {}  # (user, client, tenant) -> createdDateUtc
        self._limit_state: dict = {"tenant": {}, "app": {}}
        self._failures: dict[str, list[dict]] = {}

        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> XeroStandIn:
        return self._start(0)

    def _start(self, port: int) -> XeroStandIn:
        if self._server is not None:
            return self
        server = _Server(("127.0.0.1", port), _Handler)
        server.standin = self  # type: ignore[attr-defined]
        scheme = "http"
        if self.tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self.tls)
            server.tls = context
            scheme = "https"
        self._server = server
        self.base_url = f"{scheme}://127.0.0.1:{server.server_address[1]}"
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="xero-standin", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> XeroStandIn:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def env(self) -> dict:
        return {
            "XCONN_XERO_LOGIN": self.base_url,
            "XCONN_XERO_IDENTITY": self.base_url,
            "XCONN_XERO_API": self.base_url,
        }

    # ------------------------------------------------------------------ configuration / control
    def register_app(
        self,
        client_id: str,
        redirect_uris: list[str],
        name: str = "PSIcapture",
        *,
        created: _dt.date | str | None = None,
        tier: str = "starter",
    ) -> None:
        """A Xero app (developer.xero.com > My Apps).  `created` defaults to a new app (on or after 2 March 2026:
        granular scopes only); `tier` is the 2026 pricing tier (connection cap, daily limit, several
        organisations in one sign-in).  A new app starts on Starter ([TIERS]: the entry tier, no charge)."""
        if isinstance(created, str):
            created = _dt.date.fromisoformat(created)
        if tier not in TIERS:
            raise ValueError(f"unknown tier {tier!r}; one of {', '.join(TIERS)}")
        with self._lock:
            self._apps[client_id] = {
                "redirect_uris": list(redirect_uris),
                "name": name,
                "created": created or GRANULAR_ONLY_FROM,
                "tier": tier,
            }

    def add_user(
        self, email: str, given_name: str = "Demo", family_name: str = "User", *, tenants: list[dict] | None = None
    ) -> str:
        """A Xero login with its organisations; returns its xero_userid."""
        user_id = str(uuid.uuid4())
        with self._lock:
            self._users[user_id] = {
                "id": user_id,
                "email": email,
                "given_name": given_name,
                "family_name": family_name,
                "tenants": [dict(t) for t in (tenants or [])],
            }
        return user_id

    def sign_in_as(self, user_id: str) -> None:
        """The next login (auto_login) signs in as this Xero user.  Existing browser sessions keep their user."""
        with self._lock:
            if user_id not in self._users:
                raise KeyError(user_id)
            self.active_user_id = user_id

    @property
    def tenants(self) -> list[dict]:
        """The organisations of the Xero user who signs in next."""
        return self._users[self.active_user_id]["tenants"]

    @tenants.setter
    def tenants(self, value: list[dict]) -> None:
        with self._lock:
            self._users[self.active_user_id]["tenants"] = [dict(t) for t in value]

    def fail_next(
        self,
        path: str,
        status: int,
        *,
        times: int = 1,
        retry_after: int | None = None,
        body: str | None = None,
        delay: float = 0.0,
        problem: str = "minute",
    ) -> None:
        """The next `times` requests to `path` fail with `status` (429: X-Rate-Limit-Problem `problem`)."""
        with self._lock:
            self._failures.setdefault(path, []).append(
                {
                    "status": status,
                    "left": times,
                    "retry_after": retry_after,
                    "body": body,
                    "delay": delay,
                    "problem": problem,
                }
            )

    def expire_access_tokens(self) -> None:
        with self._lock:
            for tok in self._access.values():
                tok["forced_expired"] = True

    def expire_refresh_tokens(self) -> None:
        with self._lock:
            for tok in self._refresh.values():
                tok["forced_expired"] = True

    def revoke_all(self) -> None:
        """Every Xero user revokes every app (as POST /connect/revocation does for one user and app)."""
        with self._lock:
            for key in {(g["user_id"], g["client_id"]) for g in self._grants.values()} | set(self._connections):
                self._revoke(*key)

    def remove_tenant(self, tenant_name: str) -> None:
        """The organisation is disconnected from every app, for every user (e.g. removed in Xero's
        Connected Apps, deleted, or its trial ended: [TROUB] "Authentication Unsuccessful")."""
        with self._lock:
            for key, conns in self._connections.items():
                self._connections[key] = [c for c in conns if c["tenantName"] != tenant_name]

    def issued_secrets(self) -> set[str]:
        with self._lock:
            return (
                set(self._codes) | set(self._access) | set(self._refresh) | set(self._id_tokens) | set(self._verifiers)
            )

    def advance_time(self, seconds: float) -> None:
        """Move the stand-in's clock forward (code / token expiry, grace window, rate-limit windows)."""
        with self._lock:
            self._clock_offset += seconds

    def connections_for(self, access_token: str) -> list[dict]:
        """The live connections of the Xero user and app behind an access token (for assertions)."""
        with self._lock:
            tok = self._access.get(access_token)
            if not tok:
                return []
            grant = self._grants[tok["grant"]]
            return [self._public_connection(c) for c in self._connections.get(self._key(grant), [])]

    def exhaust_limit(self, problem: str, *, client_id: str | None = None, tenant_name: str | None = None) -> None:
        """Use up a rate limit now: problem is "minute", "day", "concurrent" (per organisation; all
        organisations and apps unless named) or "appminute" (per app).  reset_limits() or advance_time() ends it
        (concurrent: only reset_limits())."""
        if problem not in ("minute", "day", "concurrent", "appminute"):
            raise ValueError(problem)
        with self._lock:
            now = self._now()
            apps = [client_id] if client_id else list(self._apps)
            names = (
                [tenant_name]
                if tenant_name
                else sorted(
                    set(self._tenant_ids) | {t["tenantName"] for u in self._users.values() for t in u["tenants"]}
                )
            )
            for app in apps:
                if problem == "appminute":
                    self._limit_state["app"][app] = {"start": now, "count": self.limits["app_minute"]}
                    continue
                for name in names:
                    state = self._tenant_limits(app, self._tenant_id({"tenantName": name}), now)
                    if problem == "concurrent":
                        state["phantom"] = self.limits["concurrent"]
                    else:
                        state[problem] = {"start": now, "count": self._limit(app, problem)}

    def reset_limits(self) -> None:
        with self._lock:
            self._limit_state = {"tenant": {}, "app": {}}

    def remaining(self, client_id: str, tenant_name: str) -> dict:
        """What the next Accounting API answer's X-*Limit-Remaining headers would say (before counting it)."""
        with self._lock:
            now = self._now()
            return self._remaining(
                client_id, self._tenant_limits(client_id, self._tenant_id({"tenantName": tenant_name}), now), now
            )

    def consent_redirect(self, authorize_url: str) -> str:
        """Play the browser with auto consent and return the address Xero redirects to (the app's redirect URI
        with code, or error=access_denied), without opening it.  A stand-in helper, not a Xero feature."""
        import urllib.error
        import urllib.request

        class _NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        opener = urllib.request.build_opener(_NoRedirect, urllib.request.HTTPCookieProcessor())
        url = authorize_url
        for _ in range(6):
            try:
                with opener.open(url, timeout=15) as resp:
                    raise AssertionError(f"Xero answered {resp.status} at {url}, not a redirect")
            except urllib.error.HTTPError as e:
                if e.code not in (301, 302, 303, 307):
                    raise AssertionError(f"Xero answered {e.code} at {url}: {e.read()[:300]!r}") from None
                location = e.headers["Location"]
            if location.startswith("/"):
                location = self.base_url + location
            if (
                not location.startswith(self.base_url)
                or location.startswith(self.base_url + _CONNECTION_LIMIT)
                or location.startswith(self.base_url + _ERROR)
            ):
                return location
            url = location
        raise AssertionError("too many redirects")

    def _now(self) -> float:
        return time.time() + self._clock_offset

    def _tenant_id(self, tenant: dict) -> str:
        name = tenant["tenantName"]
        if name not in self._tenant_ids:
            self._tenant_ids[name] = tenant.get("tenantId") or str(uuid.uuid4())
        return self._tenant_ids[name]

    @staticmethod
    def _key(grant: dict) -> tuple[str, str]:
        return grant["user_id"], grant["client_id"]

    # ------------------------------------------------------------------ request entry point
    def _handle(self, method: str, raw_path: str, headers, body: bytes, correlation: str) -> _Reply:
        parts = urlsplit(raw_path)
        path = parts.path
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        form: dict[str, str] = {}
        multi: dict[str, list[str]] = {}
        ctype = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if body and ctype == _FORM_CT:
            multi = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
            form = {k: v[0] for k, v in multi.items()}

        failure = None
        with self._lock:
            self.requests_seen.append((method, path))
            if path == "/connect/token" and method == "POST":
                self.token_requests.append(dict(form))
                if form.get("code_verifier"):
                    self._verifiers.add(form["code_verifier"])
            rules = self._failures.get(path)
            if rules:
                failure = rules[0]
                failure["left"] -= 1
                if failure["left"] <= 0:
                    rules.pop(0)
        if failure is not None:
            if failure["delay"]:
                time.sleep(failure["delay"])
            raise self._failure_reply(path, failure, correlation)

        if path.startswith("/api.xro/2.0/"):
            return self._api(method, path, headers, body, correlation)

        routes = {
            "/.well-known/openid-configuration": {"GET": lambda: self._discovery()},
            _AUTHORIZE: {"GET": lambda: self._authorize(query, headers, raw_path)},
            _CALLBACK: {"GET": lambda: self._authorize_callback(query, headers, raw_path)},
            _LOGIN: {"GET": lambda: self._login(query), "POST": lambda: self._login_post(form)},
            _ERROR: {"GET": lambda: self._error_page(query)},
            _CONNECTION_LIMIT: {"GET": lambda: self._connection_limit_page(query)},
            "/identity/connect/consent": {"POST": lambda: self._consent(form, multi)},
            "/connect/token": {"POST": lambda: self._token(headers, ctype, form)},
            "/connect/revocation": {"POST": lambda: self._revocation(headers, ctype, form)},
            "/connect/userinfo": {"GET": lambda: self._userinfo(headers, correlation)},
            "/connections": {"GET": lambda: self._get_connections(headers, query, correlation)},
        }
        # [IDSPEC] the paths are /Connections and /Connections/{id}; Xero's docs use /connections: both work.
        lower = path.lower()
        if lower == "/connections":
            path = "/connections"
        if lower.startswith("/connections/") and path.count("/") == 2:
            routes[path] = {"DELETE": lambda: self._delete_connection(headers, path.split("/")[2], correlation)}
        if path not in routes:
            raise _problem(404, "Not Found", f"No resource at {path}", correlation)
        handler = routes[path].get(method)
        if handler is None:
            raise _problem(
                405, "Method Not Allowed", f"{method} not allowed", correlation, {"Allow": ", ".join(routes[path])}
            )
        with self._lock:
            return handler()

    def _failure_reply(self, path: str, rule: dict, correlation: str) -> _Reply:
        status = rule["status"]
        hdrs: dict[str, str] = {}
        if rule["retry_after"] is not None:
            hdrs["Retry-After"] = str(rule["retry_after"])
        if status == 429:
            hdrs["X-Rate-Limit-Problem"] = rule["problem"]
        if status == 401:
            hdrs["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        if rule["body"] is not None:
            text = rule["body"]
            ctype = (
                "application/json; charset=utf-8"
                if text.lstrip().startswith(("{", "["))
                else "text/plain; charset=utf-8"
            )
            return _Reply(status, text, ctype, hdrs)
        try:
            title = HTTPStatus(status).phrase
        except ValueError:
            title = "Error"
        if path.startswith(("/connect/", "/identity/")):
            if status in (429, 503):
                err = "temporarily_unavailable"
            elif status >= 500:
                err = "server_error"
            else:
                err = "invalid_request"
            return _json_reply(status, {"error": err}, hdrs)
        if status == 429:
            return self._rate_limited_body(hdrs)
        return _problem(status, title, title, correlation, hdrs)

    # ------------------------------------------------------------------ identity: discovery
    def _discovery(self) -> _Reply:
        b = self.base_url
        return _json_reply(
            200,
            {
                "issuer": b,
                "authorization_endpoint": f"{b}{_AUTHORIZE}",
                "token_endpoint": f"{b}/connect/token",
                "revocation_endpoint": f"{b}/connect/revocation",
                "userinfo_endpoint": f"{b}/connect/userinfo",
                "jwks_uri": f"{b}/.well-known/openid-configuration/jwks",
                "scopes_supported": [s for s in KNOWN_SCOPES if s not in RESTRICTED_SCOPES],
                "response_types_supported": ["code"],
                "response_modes_supported": ["query"],
                "grant_types_supported": ["authorization_code", "refresh_token"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
            },
        )

    # ------------------------------------------------------------------ identity: authorize
    def _validate_authorize(self, q: dict) -> tuple[dict | None, tuple[str, str] | None]:
        """Returns (request, None) or (None, (error, description)).

        Order and texts are IdentityServer4 3.1.4's AuthorizeRequestValidator [IS4], which Xero's pages match
        word for word: client, then redirect_uri, then response_type and PKCE, then scope."""
        app = self._apps.get(q.get("client_id", ""))
        if not q.get("client_id"):
            return None, ("invalid_request", "Invalid client_id")
        if app is None:
            # Xero shows "Error: unauthorized_client : Unknown client or client not enabled" (XeroAPI/xero-python#110)
            return None, ("unauthorized_client", "Unknown client or client not enabled")
        redirect_uri = q.get("redirect_uri", "")
        if not redirect_uri:
            return None, ("invalid_request", "Invalid redirect_uri")
        if redirect_uri not in app["redirect_uris"]:
            # Exact string match - scheme, host, port, path, trailing slash, case ([FAQ] "must be an absolute URI",
            # no wildcards).  Xero shows "Error: unauthorized_client : Invalid redirect_uri"
            # (XeroAPI/xero-node-oauth2-app#58, XeroAPI/xero-netstandard-oauth2-samples#5).
            return None, ("unauthorized_client", "Invalid redirect_uri")
        if not q.get("response_type"):
            return None, ("unsupported_response_type", "Missing response_type")
        if q.get("response_type") != "code":
            return None, ("unsupported_response_type", "Response type not supported")
        # [PKCE] code_challenge and code_challenge_method=S256 are required for a PKCE app; [IS4] texts.
        challenge = q.get("code_challenge", "")
        if not challenge:
            return None, ("invalid_request", "code challenge required")
        if not _CHALLENGE_RE.match(challenge):
            return None, ("invalid_request", "Invalid code_challenge")
        if q.get("code_challenge_method", "plain") != "S256":  # [IS4] missing method = plain, not allowed
            return None, ("invalid_request", "Transform algorithm not supported")
        scope = q.get("scope", "")
        if not scope.strip():
            return None, ("invalid_request", "Invalid scope")  # [IS4] "scope is missing"
        scopes = list(dict.fromkeys(scope.split()))
        if any(s not in _SCOPE_ORDER for s in scopes):
            # A misspelt / unknown scope: [IS4] invalid_scope "Invalid scope"; Xero's troubleshooting [TROUB] "You've
            # requested an invalid scope" shows on its error page (foxbytehq/laravel-xero-oauth2#6).
            return None, ("invalid_scope", "Invalid scope")
        if any(s in ("profile", "email") for s in scopes) and "openid" not in scopes:
            return None, ("invalid_scope", "Identity scopes requested, but openid scope is missing")  # [IS4]
        refused = [
            s for s in scopes if s in RESTRICTED_SCOPES or (s in BROAD_SCOPES and app["created"] >= GRANULAR_ONLY_FROM)
        ]
        if refused:
            # [GRAN] apps created on or after 2 March 2026 have granular scopes only; a broad scope is then "Error:
            # unauthorized_client : Invalid scope for client" (the same page as restricted scopes,
            # XeroAPI/xero-python-oauth2-app#14; reported for new apps with accounting.transactions in 2026 by
            # help.apideck.com/en/articles/8647746 and others).
            return None, ("unauthorized_client", "Invalid scope for client")
        return {
            "client_id": q["client_id"],
            "redirect_uri": redirect_uri,
            "state": q.get("state"),
            "scopes": _sorted_scopes(scopes),
            "challenge": challenge,
            "openid": "openid" in scopes,
        }, None

    def _error_redirect(self, error: str, description: str, client_id: str | None) -> _Reply:
        # [IS4] AuthorizeResult.ProcessErrorAsync: only access_denied (and prompt=none errors) go back to the app;
        # every other error is shown on Xero's own page, reached by a 302 to the error URL with ?errorId=<opaque>
        # (login.xero.com/identity/error?errorId=CfDJ8..., XeroAPI/xero-php-oauth2-app#10).  The id is a
        # self-contained protected message in IS4 3.x (ProtectedDataMessageStore): it can be fetched again.
        error_id = "CfDJ8" + _b64url(secrets.token_bytes(96))
        self._errors[error_id] = {"error": error, "description": description, "client_id": client_id}
        return _redirect(f"{_ERROR}?errorId={error_id}")

    def _error_page(self, q: dict) -> _Reply:
        # The page text is Xero's: "Sorry, something went wrong / Go back and try again. / If the issue continues,
        # check out our Status Page. / Error code: 500 / Error: unauthorized_client : Invalid redirect_uri"
        # (XeroAPI/xero-netstandard-oauth2-samples#5, XeroAPI/xero-node-oauth2-app#58).  [TROUB] calls it "a 500
        # error screen"; that the HTTP status is 500 too is not documented (chosen to match the page).  An unknown
        # errorId shows the page without the "Error:" line (foxbytehq/laravel-xero-oauth2#6).
        err = self._errors.get(q.get("errorId", ""))
        line = ""
        if err is not None:
            line = (
                f'<p class="error" id="error">Error: {html.escape(err["error"])} : '
                f"{html.escape(err['description'])}</p>\n"
            )
        body = (
            "<h1>Sorry, something went wrong</h1>\n"
            "<p>Go back and try again.</p>\n"
            "<p>If the issue continues, check out our Status Page.</p>\n"
            '<p id="code">Error code: 500</p>\n' + line
        )
        return _html(500, "Xero | Error", body.rstrip("\n"))

    def _session_user(self, headers, raw_path: str | None) -> str | None:
        for part in (headers.get("Cookie") or "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == _SESSION_COOKIE and value in self._sessions:
                return self._sessions[value]
        if raw_path is not None:  # a client without cookies right after the automatic login: see _login
            ticket = self._tickets.pop(raw_path, None)
            if ticket is not None and ticket[1] >= self._now():
                return ticket[0]
        return None

    def _authorize(self, q: dict, headers, raw_path: str) -> _Reply:
        request, error = self._validate_authorize(q)
        if error is not None:
            raise self._error_redirect(*error, q.get("client_id"))
        user = self._session_user(headers, None)
        if user is None:
            # Not signed in (no Xero cookie): [IS4] LoginPageResult redirects to the login URL with
            # ReturnUrl=/identity/connect/authorize/callback?<the same query>.  Seen for Xero as
            # https://login.xero.com/identity/user/login?ReturnUrl=%2Fidentity%2Fconnect%2Fauthorize%2Fcallback%3F...
            # So a cookie-less GET of a good authorize URL is always a 302 to /identity/user/login; a refused one
            # a 302 to /identity/error.
            query = urlsplit(raw_path).query
            return_url = f"{_CALLBACK}?{query}"
            raise _redirect(f"{_LOGIN}?{urlencode({'ReturnUrl': return_url}, quote_via=quote)}")
        return self._interact(request, user)

    def _authorize_callback(self, q: dict, headers, raw_path: str) -> _Reply:
        request, error = self._validate_authorize(q)  # [IS4] the callback validates the request again
        if error is not None:
            raise self._error_redirect(*error, q.get("client_id"))
        user = self._session_user(headers, raw_path)
        if user is None:
            return self._authorize(q, headers, raw_path.replace(_CALLBACK, _AUTHORIZE, 1))
        return self._interact(request, user)

    def _login(self, q: dict) -> _Reply:
        return_url = q.get("ReturnUrl", "")
        if not return_url.startswith(_CALLBACK + "?"):
            return _html(400, "Xero | Log in", "<h1>Log in to Xero</h1>\n<p>Nothing to return to.</p>")
        if self.auto_login:
            # The stand-in's user is already "typing" the password: sign in the active user and go back.
            # Not Xero: a client that keeps no cookies (urllib) may come back once, within 60 s, without the
            # cookie; the ReturnUrl itself is its ticket.  Xero would send such a client round the login again.
            sid = self._new_session(self.active_user_id)
            self._tickets[return_url] = (self.active_user_id, self._now() + 60)
            raise _redirect(return_url, {"Set-Cookie": f"{_SESSION_COOKIE}={sid}; Path=/; HttpOnly"})
        options = "\n".join(
            f'<option value="{html.escape(u["email"])}">{html.escape(u["email"])}</option>'
            for u in self._users.values()
        )
        body = (
            "<h1>Log in to Xero</h1>\n"  # the real page's heading (h2 there), seen 2026
            f'<form method="post" action="{html.escape(self.base_url)}{_LOGIN}">\n'
            f'<input type="hidden" name="ReturnUrl" value="{html.escape(return_url)}" />\n'
            f'<select name="email" id="email">\n{options}\n</select>\n'
            '<input type="password" name="password" id="password" />\n'
            '<button type="submit" id="submitButton">Log in</button>\n'
            "</form>"
        )
        return _html(200, "Login | Xero Accounting Software", body, {"Cache-Control": "no-store"})

    def _login_post(self, form: dict) -> _Reply:
        return_url = form.get("ReturnUrl", "")
        user = next((u for u in self._users.values() if u["email"] == form.get("email")), None)
        if user is None or not return_url.startswith(_CALLBACK + "?"):
            return _html(400, "Xero | Log in", "<h1>Log in to Xero</h1>\n<p>Your email or password is incorrect</p>")
        sid = self._new_session(user["id"])
        raise _redirect(return_url, {"Set-Cookie": f"{_SESSION_COOKIE}={sid}; Path=/; HttpOnly"})

    def _new_session(self, user_id: str) -> str:
        sid = secrets.token_urlsafe(24)
        self._sessions[sid] = user_id
        return sid

    def _interact(self, request: dict, user_id: str) -> _Reply:
        app = self._apps[request["client_id"]]
        user = self._users[user_id]
        request = dict(request, user_id=user_id, session_id=secrets.token_hex(16), created=self._now())
        if self.auto_consent:
            if self.deny_consent:
                raise _redirect(
                    _add_query(request["redirect_uri"], {"error": "access_denied", "state": request["state"]})
                )
            raise self._allow(request, self._auto_selection(app, user))
        pending_id = secrets.token_hex(16)
        self._pending[pending_id] = request
        connected = {c["tenantId"] for c in self._connections.get((user_id, request["client_id"]), [])}

        def label(t):
            name = html.escape(t["tenantName"])
            return name + (" (already connected)" if self._tenant_id(t) in connected else "")

        if TIERS[app["tier"]]["bulk"]:
            # Bulk Connections: a check box per organisation ("select all" in the real page)
            choices = "\n".join(
                f'<li><label><input type="checkbox" name="tenant" value="{html.escape(t["tenantName"])}" '
                f'checked="checked" /> {label(t)}</label></li>'
                for t in user["tenants"]
            )
            picker = f'<ul id="tenants">\n{choices}\n</ul>'
        else:
            # One organisation per sign-in: a drop-down (help.apideck / intercom "select from the dropdown ... It
            # will also show which organization already has access").
            selected = ' selected="selected"'
            choices = "\n".join(
                f'<option value="{html.escape(t["tenantName"])}"{selected if i == 0 else ""}>{label(t)}</option>'
                for i, t in enumerate(user["tenants"])
            )
            picker = (
                f'<select name="tenant" id="tenants">\n{choices}\n</select>'
                if choices
                else '<p id="tenants">No organisations</p>'
            )
        scope_items = "\n".join(f"<li>{html.escape(s)}</li>" for s in request["scopes"])
        body = (
            f"<h1>{html.escape(app['name'])} wants to access your Xero data</h1>\n"
            f'<p id="app-name">{html.escape(app["name"])}</p>\n'
            f'<p id="user">{html.escape(user["email"])}</p>\n'
            "<p>Select the organisations it can access:</p>\n"
            f'<form method="post" action="{html.escape(self.base_url)}/identity/connect/consent">\n'
            f"{picker}\n"
            "<p>It will be able to:</p>\n"
            f'<ul id="scopes">\n{scope_items}\n</ul>\n'
            f'<input type="hidden" name="request_id" value="{pending_id}" />\n'
            '<button type="submit" name="decision" value="allow" id="allow">Allow access</button>\n'
            '<button type="submit" name="decision" value="deny" id="deny">Cancel</button>\n'
            "</form>"
        )
        return _html(200, "Xero | Authorise", body, {"Cache-Control": "no-store"})

    def _auto_selection(self, app: dict, user: dict) -> list[str]:
        names = [t["tenantName"] for t in user["tenants"]]
        if self.consent_tenants is not None:
            names = [n for n in self.consent_tenants if n in names]
        if not TIERS[app["tier"]]["bulk"]:
            names = names[:1]  # one organisation per sign-in without Bulk Connections [TIERS]
        return names

    def _consent(self, form: dict, multi: dict) -> _Reply:
        request = self._pending.pop(form.get("request_id", ""), None)
        if request is None:
            return _html(
                400,
                "Xero | Error",
                '<h1>Sorry, something went wrong</h1>\n<p class="error" id="error">'
                "invalid_request : Unknown or expired authorisation request</p>",
            )
        decision = form.get("decision")
        if decision == "deny":
            # [IS4] access_denied is the one authorize error that goes back to the app (error + state).
            raise _redirect(_add_query(request["redirect_uri"], {"error": "access_denied", "state": request["state"]}))
        chosen = multi.get("tenant", [])
        app = self._apps[request["client_id"]]
        own = {t["tenantName"] for t in self._users[request["user_id"]]["tenants"]}
        wants_org = any(s not in ("offline_access", *IDENTITY_SCOPES) for s in request["scopes"])
        if (
            decision != "allow"
            or any(n not in own for n in chosen)
            or (wants_org and own and not chosen)
            or (len(chosen) > 1 and not TIERS[app["tier"]]["bulk"])
        ):
            self._pending[form["request_id"]] = request  # a bad post: keep the request usable
            return _html(
                400,
                "Xero | Error",
                '<h1>Sorry, something went wrong</h1>\n<p class="error" id="error">'
                "invalid_request : Choose Allow access or Cancel and one organisation</p>",
            )
        raise self._allow(request, chosen)

    def _allow(self, request: dict, chosen: list[str]) -> _Reply:
        """The user pressed "Allow access" for `chosen` organisations: connect them and send the code."""
        now = self._now()
        client_id, user_id = request["client_id"], request["user_id"]
        app = self._apps[client_id]
        user = self._users[user_id]
        key = (user_id, client_id)
        tenants = [t for t in user["tenants"] if t["tenantName"] in chosen]
        conns = self._connections.setdefault(key, [])
        cap = TIERS[app["tier"]]["connections"]
        if cap is not None:
            # [TIERS] connection cap per app.  Counted: distinct organisations connected to the app by any user,
            # demo companies excluded ("This count is all connections to your app, excluding Demo orgs",
            # community.xero.com/developer/discussion/144257521).  Whether two users on one organisation count
            # twice is not documented (counted once here).  Reached: Xero sends the browser to its own page
            # authorize.xero.com/connectionLimit and never to the app (PipedreamHQ/pipedream#12215, #21951).
            in_use = {
                c["tenantId"]
                for (_, cid), cs in self._connections.items()
                if cid == client_id
                for c in cs
                if not _is_demo(c["tenantName"])
            }
            new = {self._tenant_id(t) for t in tenants if not _is_demo(t["tenantName"])} - in_use
            if new and len(in_use) + len(new) > cap:
                return _redirect(f"{_CONNECTION_LIMIT}?{urlencode({'client_id': client_id})}")
        auth_event_id = str(uuid.uuid4())
        for t in tenants:
            tenant_id = self._tenant_id(t)
            existing = next((c for c in conns if c["tenantId"] == tenant_id), None)
            if existing is not None:
                # Re-consent to a connected organisation: same connection; only updatedDateUtc moves
                # ([IDSPEC] updatedDateUtc "when the user most recently connected this tenant").
                existing["updatedDateUtc"] = _xero_date(now)
                if self.reconsent_new_auth_event:
                    existing["authEventId"] = auth_event_id
                continue
            first = self._first_connected.setdefault((user_id, client_id, tenant_id), now)
            # [IDSPEC] authEventId "Identifier shared across connections authorised at the same time";
            # createdDateUtc "when the user connected this tenant", updatedDateUtc "may differ ... if the user has
            # disconnected and subsequently reconnected".  A reconnected organisation gets a new connection id
            # (not documented; chosen so that no app relies on ids surviving a disconnect).
            conns.append(
                {
                    "id": str(uuid.uuid4()),
                    "authEventId": auth_event_id,
                    "tenantId": tenant_id,
                    "tenantType": t.get("tenantType", "ORGANISATION"),
                    "tenantName": t["tenantName"],
                    "createdDateUtc": _xero_date(first),
                    "updatedDateUtc": _xero_date(now),
                }
            )
        # [SCOPES] "Each subsequent time your app sends a user through the flow, any new scopes will be added to
        # previously consented scopes."
        consented = self._consented.setdefault(key, set())
        consented.update(request["scopes"])
        scopes = _sorted_scopes(consented)
        code = secrets.token_hex(32)
        self._codes[code] = dict(
            request, scopes=scopes, auth_event_id=auth_event_id, auth_time=int(now), created=now, burnt=False
        )
        session_state = None
        if request["openid"]:
            # [IS4] GenerateSessionStateValue: base64url(sha256(client_id + origin + session id + salt)) + "." + salt
            r = urlsplit(request["redirect_uri"])
            salt = secrets.token_hex(16)
            digest = hashlib.sha256(
                (client_id + f"{r.scheme}://{r.netloc}" + request["session_id"] + salt).encode()
            ).digest()
            session_state = _b64url(digest) + "." + salt
        # The callback carries code, scope, state and session_state ([IS4] AuthorizeResponse order; issue 12
        # point 7 for Xero).
        return _redirect(
            _add_query(
                request["redirect_uri"],
                {"code": code, "scope": " ".join(scopes), "state": request["state"], "session_state": session_state},
            )
        )

    def _connection_limit_page(self, q: dict) -> _Reply:
        app = self._apps.get(q.get("client_id", ""), {"name": "This app"})
        # Text seen on the page in 2024-2026 (PipedreamHQ/pipedream#12215).
        body = (
            f"<h1>Sorry! {html.escape(app['name'])} has reached their Xero connection limit</h1>\n"
            f'<p id="error">Sorry! {html.escape(app["name"])} has reached their Xero connection limit, please '
            "let them know so they can connect more Xero organisations.</p>"
        )
        return _html(200, "Xero | Connection limit", body)

    # ------------------------------------------------------------------ identity: token endpoint
    def _client_auth(self, headers, form: dict) -> str:
        """Return the authenticated client id or raise invalid_client ([PKCE] apps have no secret)."""
        client_id = form.get("client_id", "")
        auth = headers.get("Authorization")
        if auth:
            scheme, _, value = auth.partition(" ")
            if scheme.lower() != "basic":
                raise _oauth_error("invalid_client")
            try:
                user, _, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
            except Exception:
                raise _oauth_error("invalid_client") from None
            if password or not user or (client_id and client_id != user):
                raise _oauth_error("invalid_client")  # [TROUB] wrong client id or secret: invalid_client
            self.basic_auth_seen += 1
            client_id = user
        if not client_id or client_id not in self._apps:
            raise _oauth_error("invalid_client")
        return client_id

    def _token(self, headers, ctype: str, form: dict) -> _Reply:
        if ctype != _FORM_CT:
            raise _oauth_error("invalid_request")  # [FLOW] the body is application/x-www-form-urlencoded
        client_id = self._client_auth(headers, form)
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            return self._token_from_code(client_id, form)
        if grant_type == "refresh_token":
            return self._token_from_refresh(client_id, form)
        raise _oauth_error("unsupported_grant_type")  # [TROUB] "Unsupported grant type"

    def _token_from_code(self, client_id: str, form: dict) -> _Reply:
        now = self._now()
        code = self._codes.get(form.get("code", ""))
        if code is None or code["burnt"]:
            raise _oauth_error("invalid_grant")  # [TROUB] code "incorrect, expired or has already been used"
        code["burnt"] = True  # single use: [IS4] the code is removed from the store before it is checked
        if now - code["created"] > CODE_LIFETIME:
            raise _oauth_error("invalid_grant")
        if code["client_id"] != client_id or form.get("redirect_uri") != code["redirect_uri"]:
            raise _oauth_error("invalid_grant")
        verifier = form.get("code_verifier", "")
        if not _VERIFIER_RE.match(verifier):
            raise _oauth_error("invalid_grant")
        if _b64url(hashlib.sha256(verifier.encode("ascii")).digest()) != code["challenge"]:
            raise _oauth_error("invalid_grant")  # [PKCE] the verifier must hash (S256) to the challenge
        grant_id = str(uuid.uuid4())
        self._grants[grant_id] = {
            "id": grant_id,
            "client_id": client_id,
            "user_id": code["user_id"],
            "scopes": code["scopes"],
            "revoked_at": None,
            "auth_event_id": code["auth_event_id"],
            "auth_time": code["auth_time"],
            "session_id": code["session_id"],
        }
        return _json_reply(
            200, self._issue_tokens(self._grants[grant_id], now), {"Cache-Control": "no-store", "Pragma": "no-cache"}
        )

    def _token_from_refresh(self, client_id: str, form: dict) -> _Reply:
        now = self._now()
        presented = form.get("refresh_token")
        if not presented:
            raise _oauth_error("invalid_request")
        tok = self._refresh.get(presented)
        if tok is None or self._refresh_dead(tok, now):
            raise _oauth_error("invalid_grant")  # [TROUB] invalid, expired or revoked refresh token
        grant = self._grants[tok["grant"]]
        if grant["client_id"] != client_id:
            raise _oauth_error("invalid_grant")
        headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
        if tok["rotated_at"] is not None:
            # [FAQ] "If you don't receive a response from a token refresh you can retry using your existing refresh
            # token for up to 30 minutes"; a Xero community manager: the old token "can be used as many times as
            # needed, in case the initial response ... is lost" (community.xero.com/developer/discussion/127920775).
            # Not documented: what the retry returns, and whether it still works once the new token was used.  The
            # stand-in answers with the SAME new token set, and only while that set is unused (the one case the
            # grace exists for); strict, so the app never relies on more.
            successor = self._refresh.get(tok["successor"])
            if (
                now - tok["rotated_at"] <= self.refresh_grace_seconds
                and successor is not None
                and successor["rotated_at"] is None
                and not self._refresh_dead(successor, now)
            ):
                self.refresh_count += 1
                return _json_reply(200, successor["response"], headers)
            raise _oauth_error("invalid_grant")
        # [GRAN] "The granular scopes won't automatically be applied to any existing tokens": a refresh keeps the
        # grant's scopes ([IS4] the new token copies the refresh token's scopes and claims).
        response = self._issue_tokens(grant, now)
        tok["rotated_at"] = now
        tok["successor"] = response.get("refresh_token")
        self.refresh_count += 1
        return _json_reply(200, response, headers)

    def _refresh_dead(self, tok: dict, now: float) -> bool:
        grant = self._grants[tok["grant"]]
        return bool(
            tok["forced_expired"]
            or grant["revoked_at"] is not None
            or now - tok["issued"] > self.refresh_token_lifetime
        )

    def _issue_tokens(self, grant: dict, now: float) -> dict:
        scopes = grant["scopes"]
        client_id = grant["client_id"]
        user = self._users[grant["user_id"]]
        iat = int(now)
        access_claims = {
            # Claims of a decoded Xero access token ([FLOW] "xero_userid", "authentication_event_id", "scope" as a
            # list; XeroAPI/xero-ruby README decoded_access_token; field list of XeroAPI samples).
            "nbf": iat,
            "exp": iat + int(self.access_token_lifetime),
            "iss": "https://identity.xero.com",
            "aud": "https://identity.xero.com/resources",
            "client_id": client_id,
            "sub": hashlib.md5(user["id"].encode()).hexdigest(),
            "auth_time": grant["auth_time"],
            "xero_userid": user["id"],
            "global_session_id": grant["session_id"],
            "sid": secrets.token_hex(16).upper(),
            "jti": secrets.token_hex(16).upper(),
            # The sign-in (consent) that made this grant; a refreshed token keeps it ([IS4] the refresh copies the
            # old token's claims).  [FLOW] use it with GET /connections?authEventId= to find this sign-in's orgs.
            "authentication_event_id": grant["auth_event_id"],
            "scope": scopes,
            "amr": ["pwd"],
        }
        access = _fake_jwt(access_claims)
        pad = 1400 - len(access)
        if pad > 0:  # few scopes: pad with Xero-looking session data so length stays realistic
            access_claims["xero_session_data"] = _b64url(secrets.token_bytes(pad))[: max(pad * 3 // 4, 8)]
            access = _fake_jwt(access_claims)
        self._access[access] = {"grant": grant["id"], "exp": now + self.access_token_lifetime, "forced_expired": False}
        # [FLOW] token response: id_token (openid), access_token, expires_in (1800), token_type Bearer,
        # refresh_token (offline_access), scope - a space-separated list (XeroAPI/xero-ruby README token_set).
        response = {"access_token": access, "expires_in": int(self.access_token_lifetime), "token_type": "Bearer"}
        if "openid" in scopes:
            # [IS4] an id_token on the code exchange and on every refresh while openid is granted.
            id_claims = {
                "nbf": iat,
                "exp": iat + ID_TOKEN_LIFETIME,
                "iss": "https://identity.xero.com",
                "aud": client_id,
                "iat": iat,
                "at_hash": _b64url(hashlib.sha256(access.encode()).digest()[:16]),
                "sid": access_claims["sid"],
                "sub": access_claims["sub"],
                "auth_time": grant["auth_time"],
                "xero_userid": user["id"],
                "global_session_id": grant["session_id"],
            }
            if "profile" in scopes:
                # [SCOPES] profile = "first name, last name and xero user id"; claim names name / given_name /
                # family_name / preferred_username as read by XeroAPI/xero-netstandard-oauth2-samples.
                id_claims.update(
                    {
                        "preferred_username": user["email"],
                        "name": f"{user['given_name']} {user['family_name']}",
                        "given_name": user["given_name"],
                        "family_name": user["family_name"],
                    }
                )
            if "email" in scopes:
                id_claims["email"] = user["email"]
            id_token = _fake_jwt(id_claims)
            self._id_tokens.add(id_token)
            response = {"id_token": id_token, **response}
        if "offline_access" in scopes:
            # [SCOPES] "To get a refresh token, you must request the offline_access scope."
            refresh = secrets.token_hex(32)
            self._refresh[refresh] = {
                "grant": grant["id"],
                "issued": now,
                "rotated_at": None,
                "successor": None,
                "forced_expired": False,
                "response": None,
            }
            response["refresh_token"] = refresh
        response["scope"] = " ".join(scopes)
        if "refresh_token" in response:
            self._refresh[response["refresh_token"]]["response"] = response
        return response

    def _revocation(self, headers, ctype: str, form: dict) -> _Reply:
        if ctype != _FORM_CT:
            raise _oauth_error("invalid_request")
        client_id = self._client_auth(headers, form)
        token = form.get("token")
        if not token:
            raise _oauth_error("invalid_request")
        tok = self._refresh.get(token)
        if tok is not None:
            grant = self._grants[tok["grant"]]
            if grant["client_id"] == client_id:  # [IS4] another client's token: 200, nothing revoked
                self._revoke(grant["user_id"], client_id)
        # [FLOW] "Revoking tokens ... a 200 response with an empty body"
        return _Reply(200, b"", "text/plain; charset=utf-8")

    def _revoke(self, user_id: str, client_id: str) -> None:
        """Revoke the user's grant to the app: every refresh token of that user and app dies and every connection
        of theirs to the app goes (XeroAPI/xero-ruby#125, a Xero engineer: "Revoke method revokes user's refresh
        token and removes all connections to app"; calcinai/oauth2-xero README).  Access tokens already issued are
        JWTs and keep authenticating until they expire; they simply see no organisation any more (XeroAPI/
        Xero-OpenAPI#585, Xero staff: valid token, deleted connection -> empty /connections, 403 on the API).
        Whether Xero also rejects those access tokens at once is not documented."""
        now = self._now()
        for grant in self._grants.values():
            if grant["user_id"] == user_id and grant["client_id"] == client_id:
                grant["revoked_at"] = grant["revoked_at"] or now
        self._connections[(user_id, client_id)] = []

    # ------------------------------------------------------------------ API: authentication
    def _bearer(self, headers, correlation: str) -> dict:
        now = self._now()
        auth = headers.get("Authorization") or ""
        scheme, _, token = auth.partition(" ")
        tok = self._access.get(token.strip()) if scheme.lower() == "bearer" else None
        # Not documented: the Detail for a missing / unknown token and the WWW-Authenticate header of these 401s.
        detail = "TokenInvalidSignature" if auth else "TokenMissing"
        if tok is not None:
            dead_at = None
            if tok["forced_expired"]:
                dead_at = min(tok["exp"], now)
            elif now >= tok["exp"]:
                dead_at = tok["exp"]
            if dead_at is None:
                return self._grants[tok["grant"]]
            # The expired shape is captured from the live API (freakboy3742/pyxero tests/test_exceptions.py,
            # "Verified response from the live API"): "TokenExpired: token expired at 01/01/2001 00:00:00".
            stamp = _dt.datetime.fromtimestamp(dead_at, _dt.timezone.utc).strftime("%m/%d/%Y %H:%M:%S")
            detail = f"TokenExpired: token expired at {stamp}"
        raise _problem(401, "Unauthorized", detail, correlation, {"WWW-Authenticate": 'Bearer error="invalid_token"'})

    @staticmethod
    def _public_connection(c: dict) -> dict:
        # Key order of the example in [FLOW] "Check the tenants you're authorized to access".
        keys = ("id", "authEventId", "tenantId", "tenantType", "tenantName", "createdDateUtc", "updatedDateUtc")
        return {k: c[k] for k in keys}

    def _get_connections(self, headers, query: dict, correlation: str) -> _Reply:
        grant = self._bearer(headers, correlation)
        # [IDSPEC] GET /Connections "Retrieves the connections for this user": every organisation this Xero user
        # connected to this app, from any sign-in ("Tokens are per user per app, not per connection", Xero staff
        # on XeroAPI/Xero-OpenAPI#585); ?authEventId= filters to one sign-in.  No rate-limit headers are known for
        # this identity endpoint (not documented; none sent).
        conns = self._connections.get(self._key(grant), [])
        if "authEventId" in query:
            conns = [c for c in conns if c["authEventId"].lower() == query["authEventId"].lower()]
        return _json_reply(200, [self._public_connection(c) for c in conns])

    def _delete_connection(self, headers, connection_id: str, correlation: str) -> _Reply:
        grant = self._bearer(headers, correlation)
        conns = self._connections.get(self._key(grant), [])
        for c in conns:
            if c["id"] == connection_id:
                # [IDSPEC] DELETE /Connections/{id} "Deletes a connection for this user (i.e. disconnect a tenant)":
                # gone for every token of this user and app; 204 with no content.
                conns.remove(c)
                return _Reply(204)
        raise _problem(404, "Not Found", "Connection not found", correlation)  # [IDSPEC] 404 Resource not found

    def _userinfo(self, headers, correlation: str) -> _Reply:
        grant = self._bearer(headers, correlation)
        user = self._users[grant["user_id"]]
        return _json_reply(
            200,
            {
                "sub": hashlib.md5(user["id"].encode()).hexdigest(),
                "xero_userid": user["id"],
                "email": user["email"],
                "given_name": user["given_name"],
                "family_name": user["family_name"],
            },
        )

    # ------------------------------------------------------------------ API: accounting
    def _api(self, method: str, path: str, headers, body: bytes, correlation: str) -> _Reply:
        name = path[len("/api.xro/2.0/") :].split("/")[0]
        endpoint = _ENDPOINTS.get(name)
        if endpoint is None:
            raise _problem(404, "Not Found", f"No resource at {path}", correlation)
        write = method in ("POST", "PUT")
        if method not in ("GET", "POST", "PUT") or (write and endpoint["write"] is None):
            raise _problem(405, "Method Not Allowed", f"{method} not allowed", correlation)
        with self._lock:
            grant = self._bearer(headers, correlation)
            client_id = grant["client_id"]
            now = self._now()
            # A captured 401 for a missing scope (a Xero support thread, June 2025, copied into a public repository)
            # carries X-AppMinLimit-Remaining but not the per-organisation counts: the app-wide minute is counted
            # first, the scope checked next, the organisation's limits last.  The rest of this order is inferred.
            app_state = self._window(self._limit_state["app"], client_id, 60, now)
            if app_state["count"] >= self.limits["app_minute"]:
                raise self._rate_limited("appminute", app_state["start"] + 60 - now, {"X-AppMinLimit-Remaining": "0"})
            app_state["count"] += 1
            app_headers = {"X-AppMinLimit-Remaining": str(self.limits["app_minute"] - app_state["count"])}
            needed = endpoint["write"] if write else endpoint["read"]
            if not set(needed) & set(grant["scopes"]):
                # Same capture: 401, WWW-Authenticate: insufficient_scope,
                # {"Type":null,"Title":"Unauthorized","Status":401,"Detail":"AuthorizationUnsuccessful",
                #  "Instance":"<Xero-Correlation-Id>","Extensions":{}}; a Xero staff answer on the same symptom
                # (community.xero.com/developer/discussion/119166525) names "insufficient_scope" too.
                raise _problem(
                    401,
                    "Unauthorized",
                    "AuthorizationUnsuccessful",
                    correlation,
                    {"WWW-Authenticate": "insufficient_scope", **app_headers},
                )
            tenant_id = (headers.get("xero-tenant-id") or "").strip()
            conns = self._connections.get(self._key(grant), [])
            conn = next((c for c in conns if c["tenantId"].lower() == tenant_id.lower()), None) if tenant_id else None
            if conn is None:
                # [TROUB] "Authentication Unsuccessful: The Xero-tenant-id header is missing, incorrect or isn't
                # authorized for use with this access token" -> 403 {"title":"Forbidden","detail":
                # "AuthenticationUnsuccessful"} (also when the user revoked access or the org is gone).
                raise _problem(403, "Forbidden", "AuthenticationUnsuccessful", correlation, app_headers)
            state = self._tenant_limits(client_id, conn["tenantId"], now)
            remaining = self._remaining(client_id, state, now)
            # [LIMITS] 429 names the limit in X-Rate-Limit-Problem; Retry-After for the minute and day limits.
            # A refused call is not counted: a captured day-limit 429 still said X-MinLimit-Remaining: 60.
            if remaining["X-DayLimit-Remaining"] <= 0:
                raise self._rate_limited("day", state["day"]["start"] + 86400 - now, remaining)
            if remaining["X-MinLimit-Remaining"] <= 0:
                raise self._rate_limited("minute", state["minute"]["start"] + 60 - now, remaining)
            if state["in_flight"] + state.get("phantom", 0) >= self.limits["concurrent"]:
                raise self._rate_limited("concurrent", None, remaining)
            state["day"]["count"] += 1
            state["minute"]["count"] += 1
            state["in_flight"] += 1
        try:
            if self.api_latency:
                time.sleep(self.api_latency)  # "in progress": counts against the concurrent limit
            with self._lock:
                remaining = self._remaining(client_id, state, self._now())
                # [LIMITS] "Each API response you receive will include the X-DayLimit-Remaining, X-MinLimit-Remaining
                # and X-AppMinLimit-Remaining headers".
                limit_headers = {k: str(v) for k, v in remaining.items()}
                if name == "Organisation":
                    return self._organisation(grant, conn, limit_headers)
                return self._invoices(method, grant, conn, body, limit_headers, correlation)
        finally:
            with self._lock:
                state["in_flight"] -= 1

    def _limit(self, client_id: str, problem: str) -> int:
        if problem == "day":
            tier = self._apps.get(client_id, {}).get("tier", "starter")
            return self.limits["day"] if self.limits["day"] is not None else TIERS[tier]["day"]
        return self.limits["minute"]

    @staticmethod
    def _window(table: dict, key, length: float, now: float) -> dict:
        # Fixed windows that start with the first call: the day limit resets at its own time per organisation (a
        # day-limit Retry-After of 66975 s is reported in codat.zendesk.com "Xero API Rate Limiting"); the
        # minute window is assumed to work the same way (not documented).
        state = table.get(key)
        if state is None or now - state["start"] >= length:
            state = table[key] = {"start": now, "count": 0}
        return state

    def _tenant_limits(self, client_id: str, tenant_id: str, now: float) -> dict:
        state = self._limit_state["tenant"].setdefault((client_id, tenant_id), {"in_flight": 0})
        self._window(state, "minute", 60, now)
        self._window(state, "day", 86400, now)
        return state

    def _remaining(self, client_id: str, state: dict, now: float) -> dict:
        app_state = self._window(self._limit_state["app"], client_id, 60, now)
        minute = self._window(state, "minute", 60, now)
        day = self._window(state, "day", 86400, now)
        return {
            "X-DayLimit-Remaining": max(0, self._limit(client_id, "day") - day["count"]),
            "X-MinLimit-Remaining": max(0, self.limits["minute"] - minute["count"]),
            "X-AppMinLimit-Remaining": max(0, self.limits["app_minute"] - app_state["count"]),
        }

    def _rate_limited(self, problem: str, retry_after: float | None, remaining: dict) -> _Reply:
        hdrs = {k: str(v) for k, v in remaining.items()}
        hdrs["X-Rate-Limit-Problem"] = problem
        if retry_after is not None:
            hdrs["Retry-After"] = str(max(1, math.ceil(retry_after)))
        return self._rate_limited_body(hdrs)

    @staticmethod
    def _rate_limited_body(hdrs: dict) -> _Reply:
        # The body is the documented OAuth-problem text (freakboy3742/pyxero tests: "Response based off Xero
        # documentation"); apps should go by the status and headers.
        return _Reply(
            429,
            "oauth_problem=rate%20limit%20exceeded&oauth_problem_advice=please%20wait%20before%20"
            "retrying%20the%20xero%20api",
            "text/html; charset=utf-8",
            hdrs,
        )

    def _envelope(self, grant: dict, key: str, items: list) -> dict:
        app = self._apps.get(grant["client_id"], {})
        return {
            "Id": str(uuid.uuid4()),
            "Status": "OK",
            "ProviderName": app.get("name", ""),
            "DateTimeUTC": _ms_date(self._now()),
            key: items,
        }

    def _organisation(self, grant: dict, conn: dict, limit_headers: dict) -> _Reply:
        now = self._now()
        name = conn["tenantName"]
        org = {  # [ACCSPEC] GET /Organisation example, trimmed
            "APIKey": "",
            "Name": name,
            "LegalName": name,
            "PaysTax": True,
            "Version": "NZ",
            "OrganisationType": "COMPANY",
            "BaseCurrency": "NZD",
            "CountryCode": "NZ",
            "IsDemoCompany": _is_demo(name),
            "OrganisationStatus": "ACTIVE",
            "FinancialYearEndDay": 31,
            "FinancialYearEndMonth": 3,
            "SalesTaxBasis": "PAYMENTS",
            "SalesTaxPeriod": "TWOMONTHS",
            "DefaultSalesTax": "Tax Exclusive",
            "DefaultPurchasesTax": "Tax Inclusive",
            "CreatedDateUTC": _ms_date(now - 86400 * 30),
            "OrganisationEntityType": "COMPANY",
            "Timezone": "NEWZEALANDSTANDARDTIME",
            "ShortCode": "!" + conn["tenantId"][:5],
            "OrganisationID": conn["tenantId"],
            "Edition": "BUSINESS",
            "Class": "DEMO",
            "LineOfBusiness": "Services",
            "Addresses": [],
            "Phones": [],
            "ExternalLinks": [],
            "PaymentTerms": {},
        }
        return _json_reply(200, self._envelope(grant, "Organisations", [org]), limit_headers)

    def _invoices(
        self, method: str, grant: dict, conn: dict, body: bytes, limit_headers: dict, correlation: str
    ) -> _Reply:
        if method == "GET":
            return _json_reply(200, self._envelope(grant, "Invoices", []), limit_headers)
        try:
            posted = json.loads(body.decode("utf-8") or "{}").get("Invoices", [])
        except (ValueError, AttributeError):
            raise _problem(400, "Bad Request", "A validation exception occurred", correlation, limit_headers) from None
        made = [
            {**inv, "InvoiceID": str(uuid.uuid4()), "Status": inv.get("Status", "DRAFT")}
            for inv in posted
            if isinstance(inv, dict)
        ]
        return _json_reply(200, self._envelope(grant, "Invoices", made), limit_headers)


# --------------------------------------------------------------------------- CLI
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Local stand-in for Xero's identity and API servers")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--auto-consent", action="store_true")
    parser.add_argument("--client-id", action="append", default=[])
    parser.add_argument("--redirect-uri", action="append", default=[])
    parser.add_argument("--app-name", default="PSIcapture")
    parser.add_argument("--created", default=None, help="the app's creation date, YYYY-MM-DD (default: a new app)")
    parser.add_argument("--tier", default="starter", choices=sorted(TIERS))
    parser.add_argument("--tenant", action="append", default=[], help="tenant name (repeatable)")
    parser.add_argument("--refresh-grace", type=float, default=GRACE_SECONDS)
    parser.add_argument("--tls-cert", help="certificate chain (PEM): serve https, as Xero does")
    parser.add_argument("--tls-key", help="its private key (PEM)")
    args = parser.parse_args(argv)

    tenants = [{"tenantName": t, "tenantType": "ORGANISATION"} for t in args.tenant] or None
    standin = XeroStandIn(
        auto_consent=args.auto_consent,
        tenants=tenants,
        refresh_grace_seconds=args.refresh_grace,
        tls=(args.tls_cert, args.tls_key) if args.tls_cert else None,
    )
    for client_id in args.client_id:
        standin.register_app(client_id, args.redirect_uri, args.app_name, created=args.created, tier=args.tier)
    standin._start(args.port)
    print(f"Xero stand-in listening on {standin.base_url}")
    for k, v in standin.env().items():
        print(f"{k}={v}")
    print("Press Ctrl+C to stop.", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        standin.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
