"""Helpers for the reliability and security suites (tests/test_reliability_*, tests/test_security_*).

Everything here drives the real code: real sockets, real subprocesses, real files.

XCONN_STRESS_SCALE (default 1.0 for the cheap loops, see `scaled`) is the ONE knob that lowers
counts for CI speed; `python bench/robustness.py` runs everything at full counts (scale 1).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urljoin

import requests

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("xconn_worker.py")


# -- the one knob ---------------------------------------------------------------------------
def stress_scale(default: float = 1.0) -> float:
    try:
        return max(0.01, float(os.environ.get("XCONN_STRESS_SCALE") or default))
    except ValueError:
        return default


def scaled(full: int, minimum: int = 1, default_scale: float = 1.0) -> int:
    """full * XCONN_STRESS_SCALE (default default_scale), never below minimum."""
    return max(minimum, round(full * stress_scale(default_scale)))


# -- the browser ----------------------------------------------------------------------------
def consent(url: str) -> requests.Response:
    """What the user's browser does: open Xero's page; auto consent redirects into the loopback."""
    return requests.get(url, timeout=15)


def callback_address(url: str) -> str:
    """Xero's redirect to the app (code + state) for an authorize URL, without following it: the browser's trip
    through Xero's own pages (login with its cookie, then consent) up to the redirect that leaves Xero."""
    with requests.Session() as browser:
        r = browser.get(url, timeout=15, allow_redirects=False)
        while r.status_code == 302 and r.headers["Location"].startswith("/"):  # still on Xero
            r = browser.get(urljoin(r.url, r.headers["Location"]), timeout=15, allow_redirects=False)
    assert r.status_code == 302, (r.status_code, r.text[:300])
    return r.headers["Location"]


def authorize_in_process(service, key) -> object:
    """Full authorization of an existing connection through service.begin_authorization, then (as a
    list administrator's Save would) the organisation of this sign-in chosen when none is yet."""
    with service.begin_authorization(key) as pending:
        page = consent(pending.url)
        assert page.status_code == 200, page.text[:300]
        outcome = pending.wait(15)
    service.accept(outcome)
    return outcome


def start_cli(*args, env=None) -> subprocess.Popen:
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.Popen(
        [sys.executable, "-m", "xconn_app", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=full_env,
        cwd=str(ROOT),
    )


def cli_authorize(name: str, *extra, env=None, browser=consent, timeout=30):
    """`xconn authorize NAME --no-browser` in a subprocess, with the browser played by `browser`.

    Returns (returncode, stdout, stderr, browser_response)."""
    proc = start_cli("authorize", name, "--no-browser", "--timeout", str(timeout), *extra, env=env)
    url = proc.stdout.readline().strip()
    page = None
    if url.startswith("http"):
        page = browser(url)
    out, err = proc.communicate(timeout=timeout + 30)
    return proc.returncode, url + "\n" + out, err, page


def expire_local_access_token(conn_id: str) -> None:
    """Make xconn believe its access token expired (Xero still accepts it)."""
    from xconn_app.core.secrets import TokenStore

    store = TokenStore()
    tokens = store.load(conn_id)
    tokens.expires_at = 0
    store.save(conn_id, tokens)


def worker(*args, env=None, **kw) -> subprocess.Popen:
    """tests/support/xconn_worker.py in a subprocess (see its docstring for the modes)."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.Popen(
        [sys.executable, str(WORKER), *args],
        env=full_env,
        cwd=str(ROOT),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


# -- plain messages -------------------------------------------------------------------------
_CLASS_NAME = re.compile(
    r"\b[A-Z][A-Za-z]*(?:Error|Exception|Unavailable|Required|Corrupt|Busy|TooNew|"
    r"Unwritable|Rejected|Denied|TimedOut|Cancelled|InUse|Timeout|Keyring)\b"
)


def assert_plain(stderr: str) -> None:
    """A message for a person: no traceback, no exception class names, no Python internals."""
    assert "Traceback" not in stderr, stderr
    assert 'File "' not in stderr, stderr
    assert "something unexpected" not in stderr, stderr  # an unforeseen exception, not a plain message
    found = _CLASS_NAME.findall(stderr)
    assert not found, (found, stderr)
    if stderr.strip():  # some commands (check) report on stdout and say nothing on stderr
        assert "xconn:" in stderr or stderr.startswith("usage:"), stderr


# -- sockets --------------------------------------------------------------------------------
def listening_on_port(port: int) -> list[str]:
    """Local addresses in LISTEN state on this TCP port, read from /proc/net/tcp{,6}."""
    found = []
    for name, v6 in (("/proc/net/tcp", False), ("/proc/net/tcp6", True)):
        try:
            lines = Path(name).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            local, state = cols[1], cols[3]
            if state != "0A":  # TCP_LISTEN
                continue
            addr_hex, port_hex = local.split(":")
            if int(port_hex, 16) != port:
                continue
            raw = bytes.fromhex(addr_hex)
            if v6:
                # four 32-bit words, each in host (little-endian) order
                raw = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
                found.append(socket.inet_ntop(socket.AF_INET6, raw))
            else:
                found.append(socket.inet_ntop(socket.AF_INET, raw[::-1]))
    return found


def raw_exchange(host: str, port: int, payload: bytes, *, read: bool = True, timeout: float = 10.0) -> bytes:
    """Send raw bytes, half-close, read whatever comes back (b'' when the server just closed)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect((host, port))
        try:
            s.sendall(payload)
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server may close on us mid-send (huge request): that is fine
        if not read:
            return b""
        chunks = []
        try:
            while True:
                data = s.recv(65536)
                if not data:
                    break
                chunks.append(data)
        except (TimeoutError, ConnectionResetError):
            pass
        return b"".join(chunks)


def status_of(reply: bytes) -> int | None:
    m = re.match(rb"HTTP/\d\.\d (\d{3})", reply)
    return int(m.group(1)) if m else None


def wait_for(predicate, timeout: float = 10.0, step: float = 0.02) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def run_cli_plain(*args, **kw):
    """conftest.run_cli, and when it fails its stderr must be a plain message (assert_plain)."""
    from conftest import run_cli

    r = run_cli(*args, **kw)
    if r.code != 0:
        assert_plain(r.err)
    return r
