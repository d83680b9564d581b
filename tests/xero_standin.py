"""A local stand-in for Xero's identity (OAuth 2.0) and API servers.

It is a real threaded HTTP server bound to 127.0.0.1 on a random port that
plays Xero's "Auth Code with PKCE" protocol strictly, so the desktop app can be
exercised end to end without the internet.  Only the standard library is used.

Typical use in tests::

    with XeroStandIn(auto_consent=True) as xero:
        xero.register_app("CLIENTID", ["http://localhost:5000/callback"])
        env = xero.env()          # point the app at the stand-in
        ...

By hand::

    python tests/xero_standin.py --port 0 --auto-consent \
        --client-id ID --redirect-uri http://localhost:5000/callback

Strictness notes (all follow Xero / its IdentityServer behaviour):

* an authorisation code is burnt by the first token request that presents it,
  even when that request fails (wrong verifier, wrong redirect_uri...);
* a refresh token is only issued when ``offline_access`` was granted and an
  ``id_token`` only when ``openid`` was granted;
* the token endpoint only accepts ``application/x-www-form-urlencoded`` bodies.
"""

from __future__ import annotations

import argparse
import base64
import datetime as _dt
import hashlib
import html
import http.server
import json
import re
import secrets
import threading
import time
import uuid
from http import HTTPStatus
from urllib.parse import parse_qs, urlencode, urlsplit

__all__ = ["XeroStandIn", "KNOWN_SCOPES", "pkce_pair"]

KNOWN_SCOPES = (
    "openid profile email offline_access "
    "accounting.transactions accounting.transactions.read "
    "accounting.invoices accounting.invoices.read "
    "accounting.payments accounting.payments.read "
    "accounting.banktransactions accounting.banktransactions.read "
    "accounting.manualjournals accounting.manualjournals.read "
    "accounting.contacts accounting.contacts.read "
    "accounting.settings accounting.settings.read "
    "accounting.attachments accounting.attachments.read "
    "accounting.reports.read files files.read assets assets.read "
    "projects projects.read payroll.employees payroll.timesheets payroll.settings"
).split()
_SCOPE_ORDER = {s: i for i, s in enumerate(KNOWN_SCOPES)}

CODE_LIFETIME = 300  # seconds, Xero authorisation codes live 5 minutes
_VERIFIER_RE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
_CHALLENGE_RE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
_FORM_CT = "application/x-www-form-urlencoded"

_DEFAULT_TENANTS = [{"tenantName": "Demo Company (NZ)", "tenantType": "ORGANISATION"}]


# --------------------------------------------------------------------------- helpers
def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def pkce_pair() -> tuple[str, str]:
    """Return a fresh (code_verifier, code_challenge) pair (S256)."""
    verifier = _b64url(secrets.token_bytes(48))  # 64 chars
    return verifier, _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def _fake_jwt(claims: dict) -> str:
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
    """Xero's connection timestamp: no zone, 7 fractional digits."""
    d = _dt.datetime.fromtimestamp(ts, _dt.timezone.utc).replace(tzinfo=None)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond:06d}" + str(secrets.randbelow(10))


def _ms_date(ts: float) -> str:
    return f"/Date({int(ts * 1000)})/"


def _sorted_scopes(scopes) -> list[str]:
    return sorted(set(scopes), key=lambda s: _SCOPE_ORDER.get(s, 10_000))


def _add_query(uri: str, params: dict) -> str:
    sep = "&" if "?" in uri else "?"
    return uri + sep + urlencode({k: v for k, v in params.items() if v is not None})


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

    def __init__(self, status: int, body: bytes | str = b"", ctype: str = "application/json; charset=utf-8",
                 headers: dict | None = None):
        super().__init__(status)
        self.status = status
        self.body = body.encode("utf-8") if isinstance(body, str) else body
        self.ctype = ctype
        self.headers = headers or {}


def _json_reply(status: int, obj, headers: dict | None = None) -> _Reply:
    return _Reply(status, json.dumps(obj), "application/json; charset=utf-8", headers)


def _oauth_error(error: str, status: int = 400) -> _Reply:
    return _json_reply(status, {"error": error}, {"Cache-Control": "no-store", "Pragma": "no-cache"})


def _html_error(status: int, message: str) -> _Reply:
    body = (
        "<h1>Sorry, something went wrong</h1>\n"
        f'<p class="error" id="error">{html.escape(message)}</p>\n'
        "<p>Please contact the developer of the application you were trying to connect.</p>"
    )
    return _Reply(status, _page("Xero | Error", body), "text/html; charset=utf-8")


def _redirect(location: str) -> _Reply:
    return _Reply(302, b"", "text/html; charset=utf-8", {"Location": location})


# --------------------------------------------------------------------------- server
class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def handle_error(self, request, client_address):  # quiet: no tracebacks on stderr
        pass


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Xero-StandIn/1.0"
    sys_version = ""

    def log_message(self, format, *args):  # noqa: A002 - quiet server
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
        try:
            reply = standin._handle(method, self.path, self.headers, body)
        except _Reply as r:
            reply = r
        except Exception as exc:  # pragma: no cover - defensive
            reply = _json_reply(500, {"Type": None, "Title": "Internal Server Error", "Status": 500,
                                      "Detail": f"stand-in bug: {exc!r}"})
        try:
            self.send_response(reply.status)
            for k, v in reply.headers.items():
                self.send_header(k, v)
            if reply.status != 204:
                self.send_header("Content-Type", reply.ctype)
                self.send_header("Content-Length", str(len(reply.body)))
            self.send_header("Xero-Correlation-Id", str(uuid.uuid4()))
            self.end_headers()
            if reply.status != 204 and method != "HEAD":
                self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True


# --------------------------------------------------------------------------- stand-in
class XeroStandIn:
    """Local, strict imitation of login.xero.com / identity.xero.com / api.xero.com."""

    def __init__(self, *, auto_consent: bool = False, tenants: list[dict] | None = None,
                 refresh_grace_seconds: float = 0, access_token_lifetime: int = 1800,
                 refresh_token_lifetime: int = 60 * 86400):
        self._lock = threading.RLock()
        self.auto_consent = auto_consent
        self.deny_consent = False
        self.tenants: list[dict] = [dict(t) for t in (tenants if tenants is not None else _DEFAULT_TENANTS)]
        self.refresh_grace_seconds = refresh_grace_seconds
        self.access_token_lifetime = access_token_lifetime
        self.refresh_token_lifetime = refresh_token_lifetime

        self.refresh_count = 0
        self.token_requests: list[dict] = []
        self.basic_auth_seen = 0
        self.requests_seen: list[tuple[str, str]] = []

        self.user_id = str(uuid.uuid4())           # the one Xero user who logs in
        self.user_email = "demo.user@example.com"
        self._clock_offset = 0.0
        self._apps: dict[str, dict] = {}
        self._tenant_ids: dict[str, str] = {}
        self._pending: dict[str, dict] = {}
        self._codes: dict[str, dict] = {}
        self._grants: dict[str, dict] = {}
        self._refresh: dict[str, dict] = {}
        self._access: dict[str, dict] = {}
        self._id_tokens: set[str] = set()
        self._verifiers: set[str] = set()
        self._granted_scopes: dict[tuple[str, str], set[str]] = {}
        self._failures: dict[str, list[dict]] = {}

        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> "XeroStandIn":
        return self._start(0)

    def _start(self, port: int) -> "XeroStandIn":
        if self._server is not None:
            return self
        server = _Server(("127.0.0.1", port), _Handler)
        server.standin = self  # type: ignore[attr-defined]
        self._server = server
        self.base_url = f"http://127.0.0.1:{server.server_address[1]}"
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="xero-standin", daemon=True)
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

    def __enter__(self) -> "XeroStandIn":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def env(self) -> dict:
        return {"XCONN_XERO_LOGIN": self.base_url, "XCONN_XERO_IDENTITY": self.base_url,
                "XCONN_XERO_API": self.base_url}

    # ------------------------------------------------------------------ configuration / control
    def register_app(self, client_id: str, redirect_uris: list[str], name: str = "PSIcapture") -> None:
        with self._lock:
            self._apps[client_id] = {"redirect_uris": list(redirect_uris), "name": name}

    def fail_next(self, path: str, status: int, *, times: int = 1, retry_after: int | None = None,
                  body: str | None = None, delay: float = 0.0) -> None:
        with self._lock:
            self._failures.setdefault(path, []).append(
                {"status": status, "left": times, "retry_after": retry_after, "body": body, "delay": delay})

    def expire_access_tokens(self) -> None:
        with self._lock:
            for tok in self._access.values():
                tok["forced_expired"] = True

    def expire_refresh_tokens(self) -> None:
        with self._lock:
            for tok in self._refresh.values():
                tok["forced_expired"] = True

    def revoke_all(self) -> None:
        with self._lock:
            now = self._now()
            for grant in self._grants.values():
                grant["revoked_at"] = grant["revoked_at"] or now

    def remove_tenant(self, tenant_name: str) -> None:
        with self._lock:
            for grant in self._grants.values():
                grant["connections"] = [c for c in grant["connections"] if c["tenantName"] != tenant_name]

    def issued_secrets(self) -> set[str]:
        with self._lock:
            return (set(self._codes) | set(self._access) | set(self._refresh) | set(self._id_tokens)
                    | set(self._verifiers))

    def advance_time(self, seconds: float) -> None:
        """Move the stand-in's clock forward (code / token expiry, grace window)."""
        with self._lock:
            self._clock_offset += seconds

    def connections_for(self, access_token: str) -> list[dict]:
        """The live connections of the grant behind an access token (for assertions)."""
        with self._lock:
            tok = self._access.get(access_token)
            if not tok:
                return []
            return [self._public_connection(c) for c in self._grants[tok["grant"]]["connections"]]

    def _now(self) -> float:
        return time.time() + self._clock_offset

    def _tenant_id(self, tenant: dict) -> str:
        name = tenant["tenantName"]
        if name not in self._tenant_ids:
            self._tenant_ids[name] = tenant.get("tenantId") or str(uuid.uuid4())
        return self._tenant_ids[name]

    # ------------------------------------------------------------------ request entry point
    def _handle(self, method: str, raw_path: str, headers, body: bytes) -> _Reply:
        parts = urlsplit(raw_path)
        path = parts.path
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        form: dict[str, str] = {}
        ctype = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if body and ctype == _FORM_CT:
            form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}

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
            raise self._failure_reply(path, failure)

        routes = {
            "/.well-known/openid-configuration": {"GET": lambda: self._discovery()},
            "/identity/connect/authorize": {"GET": lambda: self._authorize(query)},
            "/identity/connect/consent": {"POST": lambda: self._consent(form)},
            "/connect/token": {"POST": lambda: self._token(headers, ctype, form)},
            "/connect/revocation": {"POST": lambda: self._revocation(headers, ctype, form)},
            "/connect/userinfo": {"GET": lambda: self._userinfo(headers)},
            "/connections": {"GET": lambda: self._connections(headers, query)},
            "/api.xro/2.0/Organisation": {"GET": lambda: self._organisation(headers)},
        }
        if path.startswith("/connections/") and path.count("/") == 2:
            routes[path] = {"DELETE": lambda: self._delete_connection(headers, path.split("/")[2])}
        if path not in routes:
            raise _json_reply(404, {"Type": None, "Title": "Not Found", "Status": 404,
                                    "Detail": f"No resource at {path}"})
        handler = routes[path].get(method)
        if handler is None:
            raise _json_reply(405, {"Type": None, "Title": "Method Not Allowed", "Status": 405,
                                    "Detail": f"{method} not allowed"},
                              {"Allow": ", ".join(routes[path])})
        with self._lock:
            return handler()

    def _failure_reply(self, path: str, rule: dict) -> _Reply:
        status = rule["status"]
        hdrs: dict[str, str] = {}
        if rule["retry_after"] is not None:
            hdrs["Retry-After"] = str(rule["retry_after"])
        if status == 429:
            hdrs["X-Rate-Limit-Problem"] = "minute"
        if status == 401:
            hdrs["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        if rule["body"] is not None:
            text = rule["body"]
            ctype = ("application/json; charset=utf-8" if text.lstrip().startswith(("{", "["))
                     else "text/plain; charset=utf-8")
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
        detail = "Rate limit exceeded" if status == 429 else title
        return _json_reply(status, {"Type": None, "Title": title, "Status": status, "Detail": detail}, hdrs)

    # ------------------------------------------------------------------ identity
    def _discovery(self) -> _Reply:
        b = self.base_url
        return _json_reply(200, {
            "issuer": b,
            "authorization_endpoint": f"{b}/identity/connect/authorize",
            "token_endpoint": f"{b}/connect/token",
            "revocation_endpoint": f"{b}/connect/revocation",
            "userinfo_endpoint": f"{b}/connect/userinfo",
            "jwks_uri": f"{b}/.well-known/openid-configuration/jwks",
            "scopes_supported": list(KNOWN_SCOPES),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        })

    def _authorize(self, q: dict) -> _Reply:
        app = self._apps.get(q.get("client_id", ""))
        if app is None:
            raise _html_error(400, "unauthorized_client : Unknown client or client not enabled")
        redirect_uri = q.get("redirect_uri", "")
        if redirect_uri not in app["redirect_uris"]:  # exact string match, no normalisation
            raise _html_error(400, "unauthorized_client : Invalid redirect_uri")
        if q.get("response_type") != "code":
            raise _html_error(400, "unsupported_response_type : Response type not supported")
        challenge = q.get("code_challenge", "")
        if not challenge or q.get("code_challenge_method") != "S256":
            raise _html_error(400, "invalid_request : code_challenge required")
        if not _CHALLENGE_RE.match(challenge):
            raise _html_error(400, "invalid_request : Invalid code_challenge")
        state = q.get("state")
        scopes = q.get("scope", "").split()
        if not scopes or any(s not in _SCOPE_ORDER for s in scopes):
            raise _redirect(_add_query(redirect_uri, {"error": "invalid_scope", "state": state}))

        request = {"client_id": q["client_id"], "redirect_uri": redirect_uri, "state": state,
                   "scopes": _sorted_scopes(scopes), "challenge": challenge,
                   "tenants": [dict(t) for t in self.tenants], "created": self._now()}
        if self.auto_consent:
            if self.deny_consent:
                raise _redirect(_add_query(redirect_uri, {"error": "access_denied", "state": state}))
            raise _redirect(self._grant_code(request))

        pending_id = secrets.token_hex(16)
        self._pending[pending_id] = request
        tenant_items = "\n".join(f"<li>{html.escape(t['tenantName'])}</li>" for t in request["tenants"])
        scope_items = "\n".join(f"<li>{html.escape(s)}</li>" for s in request["scopes"])
        body = (
            f"<h1>{html.escape(app['name'])} wants to access your Xero data</h1>\n"
            f'<p id="app-name">{html.escape(app["name"])}</p>\n'
            "<p>Select the organisations it can access:</p>\n"
            f'<ul id="tenants">\n{tenant_items}\n</ul>\n'
            "<p>It will be able to:</p>\n"
            f'<ul id="scopes">\n{scope_items}\n</ul>\n'
            f'<form method="post" action="{html.escape(self.base_url)}/identity/connect/consent">\n'
            f'<input type="hidden" name="request_id" value="{pending_id}" />\n'
            '<button type="submit" name="decision" value="allow" id="allow">Allow access</button>\n'
            '<button type="submit" name="decision" value="deny" id="deny">Cancel</button>\n'
            "</form>"
        )
        return _Reply(200, _page("Xero | Authorise", body), "text/html; charset=utf-8",
                      {"Cache-Control": "no-store"})

    def _consent(self, form: dict) -> _Reply:
        request = self._pending.pop(form.get("request_id", ""), None)
        if request is None:
            raise _html_error(400, "invalid_request : Unknown or expired authorisation request")
        decision = form.get("decision")
        if decision == "allow":
            raise _redirect(self._grant_code(request))
        if decision == "deny":
            raise _redirect(_add_query(request["redirect_uri"],
                                       {"error": "access_denied", "state": request["state"]}))
        self._pending[form["request_id"]] = request  # unknown button: keep the request usable
        raise _html_error(400, "invalid_request : Unknown decision")

    def _grant_code(self, request: dict) -> str:
        now = self._now()
        auth_event_id = str(uuid.uuid4())
        connections = []
        for t in request["tenants"]:
            connections.append({
                "id": str(uuid.uuid4()), "authEventId": auth_event_id, "tenantId": self._tenant_id(t),
                "tenantType": t.get("tenantType", "ORGANISATION"), "tenantName": t["tenantName"],
                "createdDateUtc": _xero_date(now), "updatedDateUtc": _xero_date(now),
            })
        code = secrets.token_hex(32)
        self._codes[code] = dict(request, created=now, auth_event_id=auth_event_id, connections=connections,
                                 burnt=False)
        return _add_query(request["redirect_uri"], {"code": code, "state": request["state"]})

    def _client_auth(self, headers, form: dict) -> str:
        """Return the authenticated client id or raise invalid_client (PKCE apps have no secret)."""
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
                raise _oauth_error("invalid_client")
            self.basic_auth_seen += 1
            client_id = user
        if not client_id or client_id not in self._apps:
            raise _oauth_error("invalid_client")
        return client_id

    def _token(self, headers, ctype: str, form: dict) -> _Reply:
        if ctype != _FORM_CT:
            raise _oauth_error("invalid_request")
        client_id = self._client_auth(headers, form)
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            return self._token_from_code(client_id, form)
        if grant_type == "refresh_token":
            return self._token_from_refresh(client_id, form)
        raise _oauth_error("unsupported_grant_type")

    def _token_from_code(self, client_id: str, form: dict) -> _Reply:
        now = self._now()
        code = self._codes.get(form.get("code", ""))
        if code is None or code["burnt"]:
            raise _oauth_error("invalid_grant")
        code["burnt"] = True  # single use: burnt by the first attempt, successful or not
        if now - code["created"] > CODE_LIFETIME:
            raise _oauth_error("invalid_grant")
        if code["client_id"] != client_id or form.get("redirect_uri") != code["redirect_uri"]:
            raise _oauth_error("invalid_grant")
        verifier = form.get("code_verifier", "")
        if not _VERIFIER_RE.match(verifier):
            raise _oauth_error("invalid_grant")
        if _b64url(hashlib.sha256(verifier.encode("ascii")).digest()) != code["challenge"]:
            raise _oauth_error("invalid_grant")

        key = (self.user_id, client_id)
        union = self._granted_scopes.setdefault(key, set())
        union.update(code["scopes"])
        grant_id = str(uuid.uuid4())
        self._grants[grant_id] = {
            "id": grant_id, "client_id": client_id, "scopes": _sorted_scopes(union),
            "connections": [dict(c) for c in code["connections"]], "revoked_at": None,
            "auth_event_id": code["auth_event_id"], "auth_time": int(now),
            "session_id": secrets.token_hex(16),
        }
        return _json_reply(200, self._issue_tokens(self._grants[grant_id], now, with_id_token=True),
                           {"Cache-Control": "no-store", "Pragma": "no-cache"})

    def _token_from_refresh(self, client_id: str, form: dict) -> _Reply:
        now = self._now()
        presented = form.get("refresh_token")
        if not presented:
            raise _oauth_error("invalid_request")
        tok = self._refresh.get(presented)
        if tok is None or self._refresh_dead(tok, now):
            raise _oauth_error("invalid_grant")
        grant = self._grants[tok["grant"]]
        if grant["client_id"] != client_id:
            raise _oauth_error("invalid_grant")
        headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
        if tok["rotated_at"] is not None:
            successor = self._refresh.get(tok["successor"])
            if (self.refresh_grace_seconds > 0 and now - tok["rotated_at"] <= self.refresh_grace_seconds
                    and successor is not None and successor["rotated_at"] is None
                    and not self._refresh_dead(successor, now)):
                self.refresh_count += 1
                return _json_reply(200, successor["response"], headers)  # the SAME new token set again
            raise _oauth_error("invalid_grant")
        union = self._granted_scopes.get((self.user_id, client_id), set())
        grant["scopes"] = _sorted_scopes(set(grant["scopes"]) | union)
        response = self._issue_tokens(grant, now, with_id_token=False)
        tok["rotated_at"] = now
        tok["successor"] = response.get("refresh_token")
        self.refresh_count += 1
        return _json_reply(200, response, headers)

    def _refresh_dead(self, tok: dict, now: float) -> bool:
        grant = self._grants[tok["grant"]]
        return bool(tok["forced_expired"] or grant["revoked_at"] is not None
                    or now - tok["issued"] > self.refresh_token_lifetime)

    def _issue_tokens(self, grant: dict, now: float, *, with_id_token: bool) -> dict:
        scopes = grant["scopes"]
        client_id = grant["client_id"]
        iat = int(now)
        access_claims = {
            "nbf": iat,
            "exp": iat + int(self.access_token_lifetime),
            "iss": "https://identity.xero.com",
            "aud": "https://identity.xero.com/resources",
            "client_id": client_id,
            "sub": hashlib.md5(self.user_id.encode()).hexdigest(),
            "auth_time": grant["auth_time"],
            "xero_userid": self.user_id,
            "global_session_id": grant["session_id"],
            "sid": secrets.token_hex(16).upper(),
            "jti": secrets.token_hex(16).upper(),
            "authentication_event_id": grant["auth_event_id"],
            "scope": scopes,
            "amr": ["pwd"],
        }
        access = _fake_jwt(access_claims)
        pad = 1400 - len(access)
        if pad > 0:  # few scopes: pad with Xero-looking session data so length stays realistic
            access_claims["xero_session_data"] = _b64url(secrets.token_bytes(pad))[: max(pad * 3 // 4, 8)]
            access = _fake_jwt(access_claims)
        self._access[access] = {"grant": grant["id"], "exp": now + self.access_token_lifetime,
                                "forced_expired": False}
        response = {
            "access_token": access,
            "expires_in": int(self.access_token_lifetime),
            "token_type": "Bearer",
            "scope": " ".join(scopes),
        }
        if with_id_token and "openid" in scopes:
            id_claims = {
                "nbf": iat, "exp": iat + 300, "iss": "https://identity.xero.com", "aud": client_id,
                "iat": iat, "at_hash": _b64url(hashlib.sha256(access.encode()).digest()[:16]),
                "sid": access_claims["sid"], "sub": access_claims["sub"], "auth_time": grant["auth_time"],
                "xero_userid": self.user_id, "global_session_id": grant["session_id"],
            }
            if "profile" in scopes:
                id_claims.update({"preferred_username": self.user_email, "given_name": "Demo",
                                  "family_name": "User"})
            if "email" in scopes:
                id_claims["email"] = self.user_email
            id_token = _fake_jwt(id_claims)
            self._id_tokens.add(id_token)
            response = {"id_token": id_token, **response}
        if "offline_access" in scopes:
            refresh = secrets.token_hex(32)
            self._refresh[refresh] = {"grant": grant["id"], "issued": now, "rotated_at": None,
                                      "successor": None, "forced_expired": False, "response": None}
            response["refresh_token"] = refresh
            self._refresh[refresh]["response"] = response
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
            if grant["client_id"] != client_id:
                raise _oauth_error("invalid_client")
            grant["revoked_at"] = grant["revoked_at"] or self._now()
        return _Reply(200, b"", "text/plain; charset=utf-8")

    # ------------------------------------------------------------------ API
    def _bearer_grant(self, headers) -> dict:
        now = self._now()
        auth = headers.get("Authorization") or ""
        scheme, _, token = auth.partition(" ")
        tok = self._access.get(token.strip()) if scheme.lower() == "bearer" else None
        detail = "TokenInvalidSignature" if auth else "TokenMissing"
        if tok is not None:
            grant = self._grants[tok["grant"]]
            dead_at = None
            if tok["forced_expired"]:
                dead_at = min(tok["exp"], now)
            elif now >= tok["exp"]:
                dead_at = tok["exp"]
            elif grant["revoked_at"] is not None:
                dead_at = grant["revoked_at"]
            if dead_at is None:
                return grant
            stamp = _dt.datetime.fromtimestamp(dead_at, _dt.timezone.utc).strftime("%m/%d/%Y %H:%M:%S")
            detail = f"TokenExpired: token expired at {stamp}"
        raise _json_reply(401, {"Type": None, "Title": "Unauthorized", "Status": 401, "Detail": detail,
                                "Instance": str(uuid.uuid4()), "Extensions": {}},
                          {"WWW-Authenticate": 'Bearer error="invalid_token"'})

    @staticmethod
    def _public_connection(c: dict) -> dict:
        keys = ("id", "authEventId", "tenantId", "tenantType", "tenantName", "createdDateUtc", "updatedDateUtc")
        return {k: c[k] for k in keys}

    def _connections(self, headers, query: dict) -> _Reply:
        grant = self._bearer_grant(headers)
        conns = grant["connections"]
        if query.get("authEventId"):
            conns = [c for c in conns if c["authEventId"] == query["authEventId"]]
        return _json_reply(200, [self._public_connection(c) for c in conns])

    def _delete_connection(self, headers, connection_id: str) -> _Reply:
        grant = self._bearer_grant(headers)
        for c in grant["connections"]:
            if c["id"] == connection_id:
                grant["connections"].remove(c)
                return _Reply(204)
        raise _json_reply(404, {"Type": None, "Title": "Not Found", "Status": 404,
                                "Detail": "Connection not found"})

    def _userinfo(self, headers) -> _Reply:
        self._bearer_grant(headers)
        return _json_reply(200, {"sub": hashlib.md5(self.user_id.encode()).hexdigest(),
                                 "xero_userid": self.user_id, "email": self.user_email,
                                 "given_name": "Demo", "family_name": "User"})

    def _organisation(self, headers) -> _Reply:
        grant = self._bearer_grant(headers)
        tenant_id = (headers.get("xero-tenant-id") or "").strip()
        conn = next((c for c in grant["connections"] if c["tenantId"] == tenant_id), None) if tenant_id else None
        if conn is None:
            raise _json_reply(403, {"Type": None, "Title": "Forbidden", "Status": 403,
                                    "Detail": "AuthenticationUnsuccessful",
                                    "Instance": str(uuid.uuid4()), "Extensions": {}})
        now = self._now()
        name = conn["tenantName"]
        org = {
            "APIKey": "", "Name": name, "LegalName": name, "PaysTax": True, "Version": "NZ",
            "OrganisationType": "COMPANY", "BaseCurrency": "NZD", "CountryCode": "NZ",
            "IsDemoCompany": name.startswith("Demo Company"), "OrganisationStatus": "ACTIVE",
            "FinancialYearEndDay": 31, "FinancialYearEndMonth": 3, "SalesTaxBasis": "PAYMENTS",
            "SalesTaxPeriod": "TWOMONTHS", "DefaultSalesTax": "Tax Exclusive",
            "DefaultPurchasesTax": "Tax Inclusive", "CreatedDateUTC": _ms_date(now - 86400 * 30),
            "OrganisationEntityType": "COMPANY", "Timezone": "NEWZEALANDSTANDARDTIME",
            "ShortCode": "!" + conn["tenantId"][:5], "OrganisationID": conn["tenantId"],
            "Edition": "BUSINESS", "Class": "DEMO", "LineOfBusiness": "Services",
            "Addresses": [], "Phones": [], "ExternalLinks": [], "PaymentTerms": {},
        }
        app = self._apps.get(grant["client_id"], {})
        return _json_reply(200, {"Id": str(uuid.uuid4()), "Status": "OK",
                                 "ProviderName": app.get("name", ""), "DateTimeUTC": _ms_date(now),
                                 "Organisations": [org]})


# --------------------------------------------------------------------------- CLI
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Local stand-in for Xero's identity and API servers")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--auto-consent", action="store_true")
    parser.add_argument("--client-id", action="append", default=[])
    parser.add_argument("--redirect-uri", action="append", default=[])
    parser.add_argument("--app-name", default="PSIcapture")
    parser.add_argument("--tenant", action="append", default=[], help="tenant name (repeatable)")
    parser.add_argument("--refresh-grace", type=float, default=0)
    args = parser.parse_args(argv)

    tenants = [{"tenantName": t, "tenantType": "ORGANISATION"} for t in args.tenant] or None
    standin = XeroStandIn(auto_consent=args.auto_consent, tenants=tenants,
                          refresh_grace_seconds=args.refresh_grace)
    for client_id in args.client_id:
        standin.register_app(client_id, args.redirect_uri, args.app_name)
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
