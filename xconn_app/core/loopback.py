"""One-shot loopback HTTP server that receives Xero's redirect (RFC 8252).

    with LoopbackReceiver(redirect_url, state) as receiver:   # listening from here
        open_browser(url)
        code = receiver.wait(timeout=90)

Binds loopback only (both 127.0.0.1 and ::1 for "localhost"), exclusive port, answers only
GET <path>, ignores callbacks with a wrong state, stops after one code, cancellable. It answers
only the OS user who started it: another local user could read the authorize URL (with its
state) from the browser's command line and complete the sign-in with their own Xero session, so
the peer of every connection is mapped to its owner (Linux /proc/net/tcp*, Windows
GetExtendedTcpTable) and a stranger gets 403 while the wait goes on.
"""

from __future__ import annotations

import errno
import hmac
import html
import logging
import os
import socket
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import cast
from urllib.parse import parse_qs, urlsplit

from .errors import AuthorizationCancelled, AuthorizationDenied, AuthorizationFailed, AuthorizationTimedOut, PortInUse
from .settings import AUTHORIZE_TIMEOUT

log = logging.getLogger("xconn.loopback")

DEFAULT_TIMEOUT = AUTHORIZE_TIMEOUT
PER_CONNECTION_TIMEOUT = 5.0
MAX_PASTED = 8192
POLL_INTERVAL = 0.02  # how soon close() returns; 2 x 50 wake-ups a second while waiting is nothing

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} - xconn</title>
<style>
body{{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f6f8;margin:0}}
main{{max-width:34rem;margin:12vh auto;background:#fff;border-radius:12px;padding:2rem 2.5rem;
box-shadow:0 4px 18px rgba(0,0,0,.08)}}
h1{{font-size:1.5rem;margin:0 0 .75rem;color:{colour}}}p{{line-height:1.5;color:#333}}
.mark{{font-size:2.5rem}}
</style></head>
<body><main><div class="mark">{mark}</div><h1>{title}</h1><p>{message}</p><p>{next_step}</p></main></body></html>
"""


def page(title: str, message: str, next_step: str = "", ok: bool = True) -> bytes:
    esc = html.escape
    return PAGE.format(
        title=esc(title),
        message=esc(message),
        next_step=esc(next_step),
        colour="#1b7f3b" if ok else "#b3261e",
        mark="&#10004;" if ok else "&#9888;",
    ).encode("utf-8")


class CallbackResult:
    def __init__(self, code: str | None = None, error: str | None = None, description: str = ""):
        self.code = code
        self.error = error
        self.description = description


def describe_error(error: str, description: str = "") -> AuthorizationDenied | AuthorizationFailed:
    if error == "access_denied":
        return AuthorizationDenied(
            "Access was not allowed in the browser (Cancel was pressed on Xero's page).",
            "Press Authorize again and choose 'Allow access' on Xero's page.",
        )
    if error == "invalid_scope":
        return AuthorizationFailed(
            "Xero refused one of the scopes this connection asks for.",
            "Open Advanced in the connection and remove the scopes your Xero app may not use, then authorize again.",
        )
    if error in ("unauthorized_client", "invalid_client"):
        return AuthorizationFailed(
            "Xero does not accept this Client ID or redirect URL.",
            "Check the Client ID and that the Application URL matches the app's Redirect URI at developer.xero.com.",
        )
    text = f"Xero reported a problem: {error}"
    if description:
        text += f" ({description[:200]})"
    return AuthorizationFailed(text + ".", "Press Authorize to try again.")


class _Handler(BaseHTTPRequestHandler):
    server_version = "xconn"
    sys_version = ""
    timeout = PER_CONNECTION_TIMEOUT
    protocol_version = "HTTP/1.0"
    server: _Server  # the listener it was made for (LoopbackReceiver.start)

    def log_message(self, format: str, *args: object) -> None:  # never log: the query holds the code
        pass

    def log_error(self, format: str, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("Referrer-Policy", "no-referrer")
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except OSError:
            pass

    def _not_here(self) -> None:
        self._send(404, page("Not found", "This address belongs to xconn and is not a page.", ok=False))

    def _stranger(self) -> bool:
        """True (after answering 403) when the request comes from another OS user's program."""
        receiver: LoopbackReceiver = self.server.receiver
        if receiver.peer_is_owner(self.client_address, self.server.server_address):
            return False
        self._send(
            403,
            page(
                "Not your sign-in",
                "This sign-in was started by another user of this computer.",
                "Sign in to Xero from your own xconn window.",
                ok=False,
            ),
        )
        return True

    def do_GET(self) -> None:
        receiver: LoopbackReceiver = self.server.receiver
        if self._stranger():
            return
        split = urlsplit(self.path)
        if split.path != receiver.path:
            return self._not_here()
        try:
            params = parse_qs(split.query, keep_blank_values=True, errors="replace", max_num_fields=50)
        except ValueError:  # over 50 fields: not Xero's answer; refuse it like any other
            params = {}
        outcome = receiver._offer(params)
        if outcome == "accepted":
            self._send(
                200,
                page(
                    "Connected to Xero",
                    "You can close this tab and return to xconn.",
                    "xconn is now finishing the connection.",
                ),
            )
        elif outcome == "error":
            err = receiver.result.error if receiver.result else "error"
            problem = describe_error(err or "", "")
            self._send(200, page("Not connected", problem.message, "Return to xconn. " + problem.next_step, ok=False))
        elif outcome == "done":
            self._send(
                410,
                page(
                    "Already finished",
                    "This sign-in has already finished.",
                    "You can close this tab and return to xconn.",
                    ok=False,
                ),
            )
        else:
            self._send(
                400,
                page(
                    "Not accepted",
                    "This answer does not belong to the sign-in xconn is waiting for.",
                    "Return to xconn and press Authorize again if it is still waiting.",
                    ok=False,
                ),
            )

    def do_HEAD(self) -> None:
        if not self._stranger():
            self._not_here()

    def _other(self) -> None:
        if self._stranger():
            return
        self._send(405, page("Not allowed", "xconn only accepts the browser's return from Xero here.", ok=False))

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _other


class _Server(ThreadingHTTPServer):
    # POSIX SO_REUSEADDR only lets us bind over connections in TIME_WAIT (left by the previous
    # attempt's browser tab); it never lets two programs listen on one port. Without it a second
    # Authorize within a minute fails with "port in use". Windows' SO_REUSEADDR would allow
    # port hijacking, so there SO_EXCLUSIVEADDRUSE is used instead.
    allow_reuse_address = os.name != "nt"
    daemon_threads = True
    request_queue_size = 64
    receiver: LoopbackReceiver  # set by LoopbackReceiver.start

    def server_bind(self) -> None:
        if hasattr(socket, "SO_EXCLUSIVEADDRUSE"):  # Windows: nobody else may share the port
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)
        super().server_bind()

    def handle_error(self, request: object, client_address: object) -> None:  # never print tracebacks
        pass


class _Server6(_Server):
    address_family = socket.AF_INET6

    def server_bind(self) -> None:
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        super().server_bind()


def loopback_addresses(host: str) -> list[tuple[type[_Server], str]]:
    if host == "localhost":
        return [(_Server, "127.0.0.1"), (_Server6, "::1")]
    if host == "::1" or host == "[::1]":
        return [(_Server6, "::1")]
    if host.startswith("127."):
        return [(_Server, host)]
    raise ValueError(f"{host} is not a loopback address")


def _proc_net_address(host: str, port: int) -> str:
    """An address as /proc/net/tcp{,6} prints it: each 32-bit word in the machine's byte order."""
    packed = socket.inet_pton(socket.AF_INET6, host.split("%")[0]) if ":" in host else socket.inet_aton(host)
    words = "".join(f"{int.from_bytes(packed[i : i + 4], sys.byteorder):08X}" for i in range(0, len(packed), 4))
    return f"{words}:{port:04X}"


def peer_uid_linux(peer: tuple, local: tuple) -> int | None:
    """The uid owning the client end (``peer``) of a TCP connection to ``local``, from /proc/net."""
    want_local = _proc_net_address(peer[0], peer[1])
    want_remote = _proc_net_address(local[0], local[1])
    table = "/proc/net/tcp6" if ":" in peer[0] else "/proc/net/tcp"
    try:
        with open(table, encoding="ascii", errors="replace") as fh:
            next(fh, None)
            for line in fh:
                parts = line.split()
                if len(parts) > 7 and parts[1].upper() == want_local and parts[2].upper() == want_remote:
                    return int(parts[7])
    except (OSError, ValueError):
        return None
    return None


def peer_is_current_user(peer: tuple, local: tuple) -> bool | None:
    """True / False when the peer's owner is / is not this process's user; None when it cannot be told."""
    if sys.platform.startswith("linux"):
        uid = peer_uid_linux(peer, local)
        return None if uid is None else uid == os.geteuid()
    if os.name == "nt":
        from . import winsec

        pid = winsec.tcp_peer_pid(peer, local)
        sid = winsec.process_user_sid(pid) if pid else None
        mine = winsec.current_user_sid()
        return None if sid is None or mine is None else sid == mine
    return None


# Where the owner of a connection cannot be told, refuse it on Linux and Windows (their APIs always
# tell; a failure is suspicious); accept it elsewhere (macOS: no API for it, see SECURITY.md).
REFUSE_UNKNOWN_PEER = sys.platform.startswith("linux") or os.name == "nt"


class LoopbackReceiver:
    """Listens on the redirect URL's loopback port until one callback with the right state."""

    def __init__(self, redirect_url: str, state: str, on_refused: Callable[[str], None] | None = None):
        parts = urlsplit(redirect_url)
        self.host = parts.hostname or ""
        self.port = parts.port or 0
        self.path = parts.path or "/"
        self.state = state
        self.result: CallbackResult | None = None
        self.refused = 0
        self.strangers = 0  # requests from another OS user's programs (refused with 403)
        self.on_refused = on_refused
        self._done = threading.Event()
        self._cancelled = False
        self._lock = threading.Lock()
        self._servers: list[_Server] = []
        self._threads: list[threading.Thread] = []

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> LoopbackReceiver:
        try:
            for cls, addr in loopback_addresses(self.host):
                try:
                    server = cls((addr, self.port), _Handler)
                except OSError as exc:
                    if exc.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT) and self._servers:
                        continue  # no IPv6 on this machine: 127.0.0.1 is enough
                    if exc.errno == errno.EADDRNOTAVAIL or exc.errno == errno.EAFNOSUPPORT:
                        continue
                    raise self._port_error(exc) from exc
                if not self.port:
                    self.port = server.server_address[1]
                server.receiver = self
                self._servers.append(server)
        except BaseException:
            self.close()
            raise
        if not self._servers:
            raise PortInUse(
                f"xconn could not listen on {self.host} port {self.port}.", "Check the Application URL.", self.port
            )
        for server in self._servers:
            t = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": POLL_INTERVAL},
                name=f"xconn-loopback-{self.port}",
                daemon=True,
            )
            t.start()
            self._threads.append(t)
        return self

    def _port_error(self, exc: OSError) -> PortInUse:
        if exc.errno in (errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", -1), errno.EACCES):
            return PortInUse(
                f"Port {self.port} on this computer is already in use by another program, "
                "so xconn cannot receive Xero's answer there.",
                f"Close the program using port {self.port} (or another xconn window that is authorizing), "
                "or register another Redirect URL at developer.xero.com with a free port and put it in the "
                "Application URL.",
                self.port,
            )
        return PortInUse(
            f"xconn could not listen on port {self.port}: {exc.strerror or exc}.",
            "Choose another port in the Application URL.",
            self.port,
        )

    def close(self) -> None:
        # shutdown() waits for serve_forever's next poll: stop every server at once, not one
        # after the other (the Tenant list waits for this after the browser came back).
        running = any(t.is_alive() for t in self._threads)
        stoppers = (
            [threading.Thread(target=server.shutdown, daemon=True) for server in self._servers] if running else []
        )
        for t in stoppers:
            t.start()
        for t in stoppers:
            t.join()
        for server in self._servers:
            server.server_close()
        self._servers = []

    def __enter__(self) -> LoopbackReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def listening_addresses(self) -> list[tuple[str, int]]:
        # hosts are text: the servers were bound to "127.0.0.1" / "::1" or another text address
        return [cast("tuple[str, int]", s.server_address[:2]) for s in self._servers]

    # -- the wait --------------------------------------------------------------------------
    def peer_is_owner(self, peer: tuple, local: tuple) -> bool:
        verdict = peer_is_current_user(peer[:2], local[:2])
        if verdict is True or (verdict is None and not REFUSE_UNKNOWN_PEER):
            return True
        with self._lock:
            self.strangers += 1
        why = "another user of this computer" if verdict is False else "a program whose owner could not be told"
        log.warning("refused a request to the sign-in listener from %s", why)
        if self.on_refused:
            try:
                self.on_refused(f"A request from {why} was refused; xconn keeps waiting for your browser.")
            except Exception:
                log.exception("on_refused failed")
        return False

    def _offer(self, params: dict[str, list[str]]) -> str:
        states = params.get("state", [])
        with self._lock:
            if self._done.is_set():
                return "done"
            if len(states) != 1 or not hmac.compare_digest(states[0].encode(), self.state.encode()):
                self.refused += 1
                return "refused"
            codes, errors = params.get("code", []), params.get("error", [])
            if errors and len(errors) == 1 and not codes:
                desc = (params.get("error_description") or [""])[0]
                self.result = CallbackResult(error=errors[0][:100], description=desc[:300])
                self._done.set()
                return "error"
            if len(codes) == 1 and codes[0] and not errors and len(codes[0]) < 4096:
                self.result = CallbackResult(code=codes[0])
                self._done.set()
                return "accepted"
            self.refused += 1
            return "refused"

    def cancel(self) -> None:
        """Stop waiting (from any thread); wait() raises AuthorizationCancelled."""
        self._cancelled = True
        self._done.set()

    def wait(self, timeout: float = DEFAULT_TIMEOUT) -> str:
        """Block until the code arrives; returns it. Raises on denial, timeout or cancel."""
        finished = self._done.wait(timeout)
        if self._cancelled and (self.result is None or self.result.code is None):
            raise AuthorizationCancelled("The authorization was cancelled.", "Press Authorize when you are ready.")
        if not finished or self.result is None:
            raise AuthorizationTimedOut(
                f"Xero did not send the browser back to xconn within {int(timeout)} seconds.",
                timeout_causes(f"http://{self.host}:{self.port}"),
            )
        if self.result.code is None:  # an error answer, even one whose error is empty ("error=")
            raise describe_error(self.result.error or "", self.result.description)
        return self.result.code


def timeout_causes(address: str) -> str:
    """What to check when Xero never sent the browser back, most likely cause first."""
    return (
        "Check, in this order: 1. the Xero Client ID is the one shown for your app at developer.xero.com "
        "(My Apps > your app > Configuration); 2. the app's Redirect URI there is exactly the Application URL "
        "(same port and path); 3. the scopes: a Xero app created since March 2026 may use only the new granular "
        "scopes; 4. you were logged in to Xero in the browser (including any two-step prompt) and pressed "
        "'Allow access'; 5. Xero's page may say your app has reached its connection limit. "
        f"If the browser shows an address starting with {address}, paste it into xconn instead."
    )


def parse_pasted_url(url: str, redirect_url: str) -> dict[str, list[str]]:
    """Check a pasted address is the redirect URL (scheme, host, port and path) and return its query."""
    from .errors import InvalidInput

    url = url.strip()
    if len(url) > MAX_PASTED:
        raise InvalidInput(
            "That address is far too long to be Xero's answer.",
            f"Copy the whole address from the browser's address bar; it starts with {redirect_url}?code=",
        )
    want, got = urlsplit(redirect_url), urlsplit(url)
    try:
        same = (got.scheme, (got.hostname or "").lower(), got.port, got.path) == (
            want.scheme,
            (want.hostname or "").lower(),
            want.port,
            want.path,
        )
    except ValueError:
        same = False
    if not same or not got.query or got.username or got.password:
        raise InvalidInput(
            "That address is not the one Xero sent the browser back to.",
            f"Copy the whole address from the browser's address bar; it starts with {redirect_url}?code=",
        )
    return parse_qs(got.query, keep_blank_values=True, errors="replace", max_num_fields=50)
