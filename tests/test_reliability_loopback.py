"""The loopback redirect server under attack (SECURITY.md, "Authorization"): while a real authorization waits,
>= 1,000 hostile requests over raw sockets; none accepted, no crash, still responsive, loopback
only, and the genuine callback afterwards completes the flow. XCONN_STRESS_SCALE lowers counts."""

from __future__ import annotations

import random
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
import requests
from attack import callback_address, listening_on_port, raw_exchange, scaled, status_of, wait_for
from conftest import CLIENT_ID

LOOPBACK = {"127.0.0.1", "::1"}


def _hostile_requests(path: str, state: str, rng: random.Random, n: int) -> list[tuple[str, bytes]]:
    """n (kind, raw bytes) requests; none is a valid callback for this authorization."""
    # Never the real state: "x" + state[1:] was the real one whenever that began with "x" (1 run in 64).
    wrong = ("y" if state.startswith("x") else "x") + state[1:]
    hosts = "Host: localhost\r\n"
    methods = ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "HEAD", "get", "BREW", "G ET"]
    makers = [
        ("random path", lambda: f"GET /{rng.randbytes(8).hex()}?code=c&state={state} HTTP/1.1\r\n{hosts}\r\n".encode()),
        (
            "random method",
            lambda: (
                f"{rng.choice(methods)} {path}?code=c&state={state} HTTP/1.1\r\n{hosts}Content-Length: 3\r\n\r\nabc"
            ).encode(),
        ),
        (
            "huge header",
            lambda: (f"GET {path}?code=c&state={wrong} HTTP/1.1\r\nX-Big: " + "A" * 70_000 + "\r\n\r\n").encode(),
        ),
        (
            "many headers",
            lambda: (
                f"GET {path}?code=c HTTP/1.1\r\n" + "".join(f"X-{i}: {i}\r\n" for i in range(150)) + "\r\n"
            ).encode(),
        ),
        ("huge query", lambda: f"GET {path}?code=c&state={wrong}&pad={'B' * 80_000} HTTP/1.1\r\n\r\n".encode()),
        (
            "long query under the line limit",
            lambda: f"GET {path}?state={state}&code={'C' * 5000} HTTP/1.1\r\n\r\n".encode(),
        ),
        (
            "many fields",
            lambda: (
                f"GET {path}?state={state}&" + "&".join(f"f{i}=1" for i in range(200)) + "&code=c HTTP/1.1\r\n\r\n"
            ).encode(),
        ),
        ("missing state", lambda: f"GET {path}?code={rng.randbytes(16).hex()} HTTP/1.1\r\n\r\n".encode()),
        ("wrong state", lambda: f"GET {path}?code=c&state={wrong} HTTP/1.1\r\n\r\n".encode()),
        ("empty state", lambda: f"GET {path}?code=c&state= HTTP/1.1\r\n\r\n".encode()),
        ("duplicated state", lambda: f"GET {path}?code=c&state={state}&state={state} HTTP/1.1\r\n\r\n".encode()),
        ("state differs in case", lambda: f"GET {path}?code=c&state={state.swapcase()} HTTP/1.1\r\n\r\n".encode()),
        ("state prefix", lambda: f"GET {path}?code=c&state={state[:-1]} HTTP/1.1\r\n\r\n".encode()),
        ("duplicated code", lambda: f"GET {path}?code=a&code=b&state={state} HTTP/1.1\r\n\r\n".encode()),
        ("empty code", lambda: f"GET {path}?code=&state={state} HTTP/1.1\r\n\r\n".encode()),
        ("code and error", lambda: f"GET {path}?code=a&error=access_denied&state={state} HTTP/1.1\r\n\r\n".encode()),
        ("error without state", lambda: f"GET {path}?error=access_denied HTTP/1.1\r\n\r\n".encode()),
        ("error with wrong state", lambda: f"GET {path}?error=access_denied&state={wrong} HTTP/1.1\r\n\r\n".encode()),
        ("code without state", lambda: f"GET {path}?code=abc HTTP/1.1\r\n\r\n".encode()),
        ("no query", lambda: f"GET {path} HTTP/1.1\r\n\r\n".encode()),
        (
            "non-utf8 path",
            lambda: b"GET " + path.encode() + b"\xff\xfe?code=\xc3\x28&state=" + state.encode() + b" HTTP/1.1\r\n\r\n",
        ),
        ("non-utf8 query", lambda: b"GET " + path.encode() + b"?code=%ff%fe&state=%c3%28 HTTP/1.1\r\n\r\n"),
        ("non-utf8 header", lambda: b"GET " + path.encode() + b"?code=c HTTP/1.1\r\nX-Bad: \xff\xfe\xfd\r\n\r\n"),
        ("random bytes", lambda: rng.randbytes(rng.randint(1, 4000))),
        ("nul bytes", lambda: f"GET {path}?code=c\x00&state={state}\x00 HTTP/1.1\r\n\r\n".encode()),
        ("http/0.9", lambda: f"GET {path}?code=c&state={wrong}\r\n".encode()),
        ("bad version", lambda: f"GET {path}?code=c&state={wrong} HTTP/9.9\r\n\r\n".encode()),
        (
            "absolute form, wrong state",
            lambda: f"GET http://evil.example{path}?code=c&state={wrong} HTTP/1.1\r\n\r\n".encode(),
        ),
        ("encoded path", lambda: f"GET {path.replace('c', '%63', 1)}?code=c&state={wrong} HTTP/1.1\r\n\r\n".encode()),
        ("dot path", lambda: f"GET {path}/../{path.lstrip('/')}?code=c HTTP/1.1\r\n\r\n".encode()),
        (
            "chunked GET",
            lambda: (
                f"GET {path}?code=c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                f"5\r\nstate\r\n0\r\n\r\nGET {path}?code=c&state={wrong} HTTP/1.1\r\n\r\n"
            ).encode(),
        ),
        ("pipelined", lambda: (f"GET /x HTTP/1.1\r\n\r\nGET {path}?code=c&state={wrong} HTTP/1.1\r\n\r\n").encode()),
        ("header injection", lambda: f"GET {path}?code=c%0d%0aSet-Cookie:x&state={wrong} HTTP/1.1\r\n\r\n".encode()),
        ("script in error", lambda: f"GET {path}?error=%3Cscript%3E&state={wrong} HTTP/1.1\r\n\r\n".encode()),
        ("empty line", lambda: b"\r\n"),
        ("nothing", lambda: b""),
    ]
    return [(kind, make()) for kind, make in (rng.choice(makers) for _ in range(n))]


def _slow_client(host: str, port: int, payload: bytes) -> socket.socket:
    """Opens a connection, sends part of a request and then never finishes it."""
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    s.settimeout(5)
    s.connect((host, port))
    s.sendall(payload)
    return s


def _dropped(host: str, port: int, rst: bool, payload: bytes) -> None:
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    try:
        s.connect((host, port))
        if payload:
            s.sendall(payload)
        if rst:  # abortive close: RST instead of FIN
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    finally:
        s.close()


def _responsive(port: int, within: float = 3.0) -> bool:
    start = time.monotonic()
    r = requests.get(f"http://127.0.0.1:{port}/probe", timeout=within)
    return r.status_code == 404 and time.monotonic() - start < within


def test_loopback_survives_hostile_requests_and_still_completes(standin, redirect_url, service):
    rng = random.Random(int(time.time()))
    total = scaled(1000, minimum=200)
    conn = service.add("Under attack", CLIENT_ID, redirect_url)
    pending = service.begin_authorization(conn.id)
    receiver = pending.receiver
    state, path, port = pending.request.state, urlsplit(redirect_url).path, receiver.port

    # Loopback only, seen from the receiver and from the kernel's own table.
    addrs = {a[0] for a in receiver.listening_addresses}
    assert addrs and addrs <= LOOPBACK, addrs
    kernel = set(listening_on_port(port))
    assert kernel and kernel <= LOOPBACK, kernel
    assert "0.0.0.0" not in kernel and "::" not in kernel

    outcome: dict = {}

    def waiter():
        try:
            outcome["result"] = pending.wait(180)
        except Exception as exc:
            outcome["error"] = exc

    waiting = threading.Thread(target=waiter, daemon=True)
    waiting.start()
    hosts = sorted(addrs)

    # Slow clients that never finish, held open during the whole attack.
    slow = []
    for i in range(scaled(60, minimum=20)):
        host = hosts[i % len(hosts)]
        slow.append(
            _slow_client(host, port, rng.choice([b"G", b"GET /callback?code=x&st", b"GET / HTTP/1.1\r\nHost: x\r\n"]))
        )

    requests_ = _hostile_requests(path, state, rng, total)
    replies: dict[str, set] = {}
    accepted = []

    def fire(item):
        n, (kind, payload) = item
        host = hosts[n % len(hosts)]
        if n % 10 == 0:  # opened and dropped (half with RST), sometimes mid-request
            _dropped(host, port, rst=n % 20 == 0, payload=payload[: rng.randint(0, 40)])
            return kind, "dropped"
        reply = raw_exchange(host, port, payload)
        code = status_of(reply)
        if code == 200 or b"Connected to Xero" in reply:
            accepted.append((kind, payload[:200], reply[:300]))
        return kind, code

    chunk = max(1, total // 5)
    with ThreadPoolExecutor(max_workers=24) as pool:
        for start in range(0, total, chunk):
            for kind, code in pool.map(fire, enumerate(requests_[start : start + chunk], start)):
                replies.setdefault(kind, set()).add(code)
            assert waiting.is_alive(), outcome  # still waiting: nothing ended the flow
            assert _responsive(port), "the loopback server stopped answering"

    assert not accepted, accepted[:5]
    assert receiver.result is None, "a hostile request was taken as the callback"
    # Well-formed requests get a proper refusal page, not a dropped connection.
    for kind in ("many fields", "wrong state", "missing state", "duplicated state", "code without state"):
        assert replies.get(kind, {400}) - {"dropped"} <= {400}, (kind, replies[kind])
    assert receiver.refused > 0
    # Nothing ever answered 200: every reply is a refusal (or no reply at all).
    assert all(
        code in (None, "dropped", 400, 404, 405, 408, 414, 431, 501, 505)
        for codes in replies.values()
        for code in codes
    ), replies
    for s in slow:
        s.close()

    # Still loopback only after the attack.
    assert set(listening_on_port(port)) <= LOOPBACK

    # The genuine browser return still completes the flow.
    page = requests.get(callback_address(pending.url), timeout=10)
    assert page.status_code == 200 and "close this tab" in page.text
    waiting.join(30)
    assert "error" not in outcome, outcome
    result = outcome["result"]
    assert result.suggested.tenant_name == "Demo Company (NZ)"
    assert service.store.load(conn.id) is not None

    # One code, then it stops: the port is closed, a replay finds nobody listening.
    assert wait_for(lambda: not listening_on_port(port), 5), listening_on_port(port)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}{path}?code=again&state={state}", timeout=3)


def test_error_callbacks_need_the_right_state(standin, redirect_url, service):
    """Any web page can call the port: an error callback without our state must not abort the flow."""
    conn = service.add("Error callbacks", CLIENT_ID, redirect_url)
    with service.begin_authorization(conn.id) as pending:
        port = pending.receiver.port
        for q in ("error=access_denied", "error=access_denied&state=nope", "error=server_error&state="):
            r = requests.get(f"http://127.0.0.1:{port}/callback?{q}", timeout=5)
            assert r.status_code == 400
        assert pending.receiver.result is None
        page = requests.get(callback_address(pending.url), timeout=10)
        assert page.status_code == 200
        assert pending.wait(10).connection.id == conn.id


def test_port_already_taken_is_reported_not_shared(standin, redirect_url, service):
    """Exclusive port: a squatter on the port makes authorization fail plainly, not share it."""
    from xconn_app.core.errors import PortInUse

    conn = service.add("Squatted", CLIENT_ID, redirect_url)
    port = urlsplit(redirect_url).port
    squatter = socket.socket()
    squatter.bind(("127.0.0.1", port))
    squatter.listen(1)
    try:
        with pytest.raises(PortInUse) as info:
            service.begin_authorization(conn.id)
        assert str(port) in info.value.message
    finally:
        squatter.close()
    assert listening_on_port(port) == []
