"""Faults from Xero and from the OS, through the CLI in subprocesses: each gives its plain message
(no traceback, no exception class name) and exit code, and no data is lost or corrupted (registry
bytes and the stored refresh token compared before and after)."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from attack import assert_plain, authorize_in_process, cli_authorize, expire_local_access_token, run_cli_plain, worker
from conftest import CLIENT_ID, free_port, require

NAME = "Faulty"


@pytest.fixture
def authorized(standin, redirect_url, service):
    """A connection authorized in-process, organisation chosen, local access token expired."""
    conn = service.add(NAME, CLIENT_ID, redirect_url)
    authorize_in_process(service, conn.id)
    assert service.get(conn.id).tenant_name == "Demo Company (NZ)"
    expire_local_access_token(conn.id)
    return service.get(conn.id)


class Snapshot:
    """Registry bytes and the stored refresh token, to prove a failure changed nothing."""

    def __init__(self, service, conn_id=None):
        self.service, self.conn_id = service, conn_id
        self.registry = self._registry()
        self.refresh = self._refresh()

    def _registry(self):
        path = self.service.registry.path
        return path.read_bytes() if path.exists() else None

    def _refresh(self):
        if not self.conn_id:
            return None
        tokens = self.service.store.load(self.conn_id)
        return tokens.refresh_token if tokens else None

    def unchanged(self):
        assert self._registry() == self.registry, "the registry changed"
        assert self._refresh() == self.refresh, "the stored refresh token changed or was lost"


def failing(*args, code=1, says=(), env=None):
    r = run_cli_plain(*args, env=env)
    assert r.code == code, r
    for text in says:
        assert text.lower() in r.err.lower(), (text, r.err)
    return r


# -- Xero answers badly ---------------------------------------------------------------------
def test_429_with_short_retry_after_is_waited_out(standin, authorized):
    standin.fail_next("/connect/token", 429, retry_after=1)
    start = time.monotonic()
    r = run_cli_plain("token", NAME)
    assert r.code == 0, r
    assert time.monotonic() - start >= 1.0


def test_429_with_long_retry_after_says_when(standin, authorized, service):
    snap = Snapshot(service, authorized.id)
    standin.fail_next("/connect/token", 429, retry_after=600)
    start = time.monotonic()
    failing("token", NAME, says=("per-minute limit", "600 seconds"))
    assert time.monotonic() - start < 20  # did not sleep for 10 minutes
    snap.unchanged()
    standin.fail_next("/connections", 429, retry_after=600)
    failing("tenants", NAME, says=("per-minute limit",))
    assert run_cli_plain("token", NAME).code == 0  # nothing was lost


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_on_refresh(standin, authorized, service, status):
    snap = Snapshot(service, authorized.id)
    standin.fail_next("/connect/token", status, times=1 if status == 500 else 2)
    failing("token", NAME, says=("on its side", f"error {status}"))
    snap.unchanged()
    assert run_cli_plain("token", NAME).code == 0


def test_a_single_gateway_error_on_refresh_is_retried(standin, authorized):
    standin.fail_next("/connect/token", 503, times=1)
    assert run_cli_plain("token", NAME).code == 0


def test_brief_503_on_the_api_is_retried_and_a_long_one_reported(standin, authorized):
    standin.fail_next("/connections", 503, times=1)
    r = run_cli_plain("tenants", NAME)
    assert r.code == 0 and "Demo Company" in r.out, r
    standin.fail_next("/connections", 503, times=5)
    failing("tenants", NAME, says=("on its side",))


def test_timeouts(standin, authorized, service):
    env = {"XCONN_HTTP_TIMEOUT": "1"}
    snap = Snapshot(service, authorized.id)
    # the token answer is lost twice: the old refresh token is kept, the message says so
    standin.fail_next("/connect/token", 500, delay=2.5, times=2)
    failing("token", NAME, says=("answer from xero was lost",), env=env)
    snap.unchanged()
    # lost once: retried once with the same refresh token (Xero's grace rule), works
    standin.fail_next("/connect/token", 500, delay=2.5, times=1)
    assert run_cli_plain("token", NAME, env=env).code == 0
    standin.fail_next("/connections", 200, delay=2.5, times=1)
    failing("tenants", NAME, says=("did not answer in time",), env=env)


def test_connection_refused(standin, authorized, service):
    dead = f"https://127.0.0.1:{free_port()}"
    env = {"XCONN_XERO_LOGIN": dead, "XCONN_XERO_IDENTITY": dead, "XCONN_XERO_API": dead}
    snap = Snapshot(service, authorized.id)
    failing("token", NAME, says=("could not reach xero",), env=env)
    r = failing("check", NAME, env=env)
    assert "could not reach Xero" in r.out, r
    snap.unchanged()


def test_malformed_json(standin, authorized, service):
    snap = Snapshot(service, authorized.id)
    standin.fail_next("/connect/token", 200, body="{not json")
    failing("token", NAME, says=("could not read",))
    snap.unchanged()
    standin.fail_next("/connect/token", 200, body='{"token_type": "Bearer"}')
    failing("token", NAME, says=("unexpected answer",))
    snap.unchanged()
    standin.fail_next("/connections", 200, body="<html>maintenance</html>")
    failing("tenants", NAME, says=("could not read",))
    standin.fail_next("/connections", 200, body='{"not": "a list"}')
    failing("tenants", NAME, says=("unexpected answer",))
    expire_local_access_token(authorized.id)  # tenants refreshed it meanwhile
    snap = Snapshot(service, authorized.id)
    standin.fail_next("/connect/token", 400, body="<html>Bad</html>")
    failing("token", NAME, says=("error 400",))
    snap.unchanged()


def test_empty_tenant_list(standin, redirect_url, service):
    standin.tenants = []
    service.add(NAME, CLIENT_ID, redirect_url)
    code, _out, err, _page = cli_authorize(NAME)
    assert code == 1, err
    assert_plain(err)
    assert "no organisation" in err
    r = run_cli_plain("tenants", NAME)
    assert r.code == 0 and "no organisation" in r.err, r


def test_tenant_removed_at_xero(standin, authorized):
    standin.remove_tenant("Demo Company (NZ)")
    r = failing("check", NAME, code=3)
    assert "no longer connected" in r.out, r
    failing("tenant", NAME, "Demo Company (NZ)", says=("cannot reach an organisation",))


def test_access_revoked_mid_use(standin, authorized, service):
    assert run_cli_plain("token", NAME).code == 0
    standin.revoke_all()
    # Xero's access tokens keep authenticating until they expire, seeing no organisation (docs/XERO.md);
    # once expired, renewing them meets invalid_grant.
    standin.expire_access_tokens()
    failing("tenants", NAME, code=3, says=("authorize",))
    # Marked in the registry, and no dead token is handed out afterwards.
    assert json.loads(run_cli_plain("list", "--json").out)[0]["status"] == "needs_reauthorization"
    failing("token", NAME, code=3, says=("re-authoriz",))
    failing("check", NAME, code=3)


# -- the OS fails ---------------------------------------------------------------------------
def test_keyring_missing(authorized, service):
    env = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    snap = Snapshot(service, authorized.id)
    failing("token", NAME, says=("password store", "install"), env=env)
    failing("authorize", NAME, "--no-browser", "--timeout", "5", says=("password store",), env=env)
    snap.unchanged()


def test_keyring_raising(authorized, service):
    env = {"PYTHON_KEYRING_BACKEND": "filekeyring.BrokenKeyring"}
    snap = Snapshot(service, authorized.id)
    failing("token", NAME, says=("password store",), env=env)
    r = run_cli_plain("details", NAME, "--json", env=env)
    assert r.code == 0, r  # details does not need the secrets
    snap.unchanged()


def test_config_dir_under_a_regular_file(isolated):
    blocker = isolated / "not-a-folder"
    blocker.write_text("x")
    env = {"XCONN_CONFIG_DIR": str(blocker / "sub")}
    failing(
        "add",
        "--name",
        "A",
        "--client-id",
        CLIENT_ID,
        "--redirect-url",
        "http://localhost:5000/callback",
        says=("not a folder",),
        env=env,
    )
    failing("list", says=("not a folder",), env=env)
    assert blocker.read_text() == "x"


def test_config_dir_read_only_for_the_user(isolated, service):
    """A real second OS user (root ignores permissions) against a folder only root may write."""
    import multiuser

    why = multiuser.available()
    require(why is None, f"real OS users ({why})")
    users = multiuser.Users()
    folder = Path(tempfile.mkdtemp(prefix="xconn-ro-"))
    try:
        folder.chmod(0o755)
        from xconn_app.core.service import Service

        Service(folder).add("Shared", CLIENT_ID, "http://localhost:5000/callback")
        before = (folder / "connections.json").read_bytes()
        plain = users.user("ro")
        env = {"XCONN_CONFIG_DIR": str(folder)}

        r = plain.run("list", "--json", env=env)
        assert r.returncode == 0 and json.loads(r.stdout)[0]["name"] == "Shared", r.stderr  # reading works
        r = plain.run(
            "add", "--name", "B", "--client-id", CLIENT_ID, "--redirect-url", "http://localhost:5001/callback", env=env
        )
        assert r.returncode == 1, (r.stdout, r.stderr)
        assert_plain(r.stderr)
        assert "cannot be saved" in r.stderr, r.stderr
        r = plain.run("edit", "Shared", "--name", "Renamed", env=env)
        assert r.returncode == 1 and "cannot be saved" in r.stderr, r.stderr
        assert (folder / "connections.json").read_bytes() == before
    finally:
        users.cleanup()
        shutil.rmtree(folder, ignore_errors=True)


def test_disk_full_on_save(authorized, service):
    snap = Snapshot(service, authorized.id)
    p = worker(
        "cli",
        "enospc",
        "add",
        "--name",
        "Another",
        "--client-id",
        CLIENT_ID,
        "--redirect-url",
        "http://localhost:5009/callback",
    )
    _out, err = p.communicate(timeout=60)
    assert p.returncode == 1, err
    assert_plain(err)
    assert "disk is full" in err
    snap.unchanged()
    assert not list(service.location.path.glob(".connections.json.*.tmp")), "a temp file was left behind"


def test_registry_from_a_newer_version(isolated):
    folder = isolated / "config"
    folder.mkdir()
    doc = {"schema": 99, "connections": [{"future": True}], "profiles": [], "new_thing": {"x": 1}}
    (folder / "connections.json").write_text(json.dumps(doc))
    before = (folder / "connections.json").read_bytes()
    failing("list", says=("newer version", "nothing was changed"))
    failing(
        "add",
        "--name",
        "A",
        "--client-id",
        CLIENT_ID,
        "--redirect-url",
        "http://localhost:5000/callback",
        says=("newer version",),
    )
    assert (folder / "connections.json").read_bytes() == before
    assert not list(folder.glob("connections.damaged-*"))


def test_damaged_registry_is_kept_aside_not_emptied(isolated):
    folder = isolated / "config"
    folder.mkdir()
    (folder / "connections.json").write_bytes(b'{"schema": 1, "connections": [{"name": "half')
    failing("list", says=("damaged", "kept"))
    kept = list(folder.glob("connections.damaged-*.json"))
    assert len(kept) == 1 and kept[0].read_bytes() == b'{"schema": 1, "connections": [{"name": "half'
