"""Refresh under contention (docs/ARCHITECTURE.md, "A token hand-out"): 20 processes ask for a token
of the same connection at the same moment with an expired access token, against a strict stand-in (no grace: a reused
refresh token is invalid_grant). One refresh at Xero, every process gets a valid token, the keyring
holds the newest refresh token. And a process killed right after Xero answered a refresh (before it
stored anything) does not cost the connection: the next call works through Xero's grace window."""

from __future__ import annotations

import time

import pytest
import requests
from attack import authorize_in_process, expire_local_access_token, run_cli_plain, scaled, worker
from conftest import CLIENT_ID, free_port
from xero_standin import XeroStandIn


@pytest.fixture
def strict_xero(isolated, monkeypatch):
    with XeroStandIn(auto_consent=True, refresh_grace_seconds=0) as x:
        for k, v in x.env().items():
            monkeypatch.setenv(k, v)
        yield x


@pytest.fixture
def grace_xero(isolated, monkeypatch):
    with XeroStandIn(auto_consent=True, refresh_grace_seconds=1800) as x:
        for k, v in x.env().items():
            monkeypatch.setenv(k, v)
        yield x


def _authorized(xero, name="Contended"):
    from xconn_app.core.service import Service

    url = f"http://localhost:{free_port()}/callback"
    xero.register_app(CLIENT_ID, [url])
    svc = Service()
    conn = svc.add(name, CLIENT_ID, url)
    authorize_in_process(svc, conn.id)
    return svc, conn


def _live_refresh_tokens(xero) -> set[str]:
    with xero._lock:
        return {t for t, info in xero._refresh.items() if info["rotated_at"] is None}


def _accepted_by_xero(xero, token: str) -> bool:
    r = requests.get(xero.base_url + "/connections", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    return r.status_code == 200


def test_twenty_processes_one_refresh(strict_xero):
    svc, conn = _authorized(strict_xero)
    before = strict_xero.refresh_count
    expire_local_access_token(conn.id)
    strict_xero.expire_access_tokens()  # and Xero agrees: the old one is dead
    n = scaled(20, minimum=20)  # never lowered: 20 is the promise
    start_at = time.time() + 2.5
    procs = [worker("token", "Contended", str(start_at)) for _ in range(n)]
    tokens = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        assert "invalid_grant" not in err and "re-authoriz" not in err.lower(), err
        tokens.append(out.strip())
    assert strict_xero.refresh_count - before == 1, "more than one refresh reached Xero"
    assert len(set(tokens)) == 1
    assert _accepted_by_xero(strict_xero, tokens[0])
    stored = svc.store.load(conn.id)
    live = _live_refresh_tokens(strict_xero)
    assert stored.refresh_token in live and len(live) == 1  # the newest, the only one Xero still takes
    assert stored.access_token == tokens[0]


def test_killed_after_xero_answered_then_next_call_works(grace_xero):
    svc, conn = _authorized(grace_xero, "Crashy")
    old = svc.store.load(conn.id)
    expire_local_access_token(conn.id)
    before = grace_xero.refresh_count

    p = worker("crash-after-refresh", "Crashy")
    out, err = p.communicate(timeout=60)
    assert p.returncode == 9, (p.returncode, out, err)  # died before storing the rotated token
    assert grace_xero.refresh_count == before + 1  # Xero did rotate
    assert svc.store.load(conn.id).refresh_token == old.refresh_token  # the keyring still has the old one

    r = run_cli_plain("token", "Crashy")
    assert r.code == 0, r
    token = r.out.strip()
    assert _accepted_by_xero(grace_xero, token)
    stored = svc.store.load(conn.id)
    assert stored.refresh_token in _live_refresh_tokens(grace_xero)

    # and the connection keeps working afterwards: a normal refresh with the stored token
    expire_local_access_token(conn.id)
    r = run_cli_plain("token", "Crashy")
    assert r.code == 0, r
    assert _accepted_by_xero(grace_xero, r.out.strip())
    assert svc.store.load(conn.id).refresh_token in _live_refresh_tokens(grace_xero)


def test_killed_after_xero_answered_in_strict_mode_says_reauthorize(strict_xero):
    """Without Xero's grace the rotated token is gone: the next call must say so plainly (exit 3)."""
    _svc, conn = _authorized(strict_xero, "Strict crash")
    expire_local_access_token(conn.id)
    p = worker("crash-after-refresh", "Strict crash")
    p.communicate(timeout=60)
    assert p.returncode == 9
    r = run_cli_plain("token", "Strict crash")
    assert r.code == 3, r
    assert "Re-authorize" in r.err
