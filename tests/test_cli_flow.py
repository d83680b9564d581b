"""The seed's procedure from the command line, in subprocesses, against the local Xero stand-in:
add -> authorize --no-browser -> consent -> tenant saved -> token -> expiry -> refresh ->
revoked grant -> exit 3 with the re-authorize message."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import requests
from attack import consent as consent_in_browser
from attack import expire_local_access_token, start_cli
from conftest import CLIENT_ID, ROOT


def start_authorize(*args, env=None):
    return start_cli("authorize", *args, env=env)


def expire_stored_access_token():
    from xconn_app.core.service import Service

    expire_local_access_token(Service().connections()[0].id)


def test_add_authorize_token_refresh_and_reauthorize(standin, redirect_url, cli):
    r = cli("add", "--name", "Head office", "--client-id", CLIENT_ID, "--redirect-url", redirect_url)
    assert r.code == 0, r
    assert "xconn authorize" in r.err

    proc = start_authorize("Head office", "--no-browser", "--timeout", "30")
    url = proc.stdout.readline().strip()
    assert url, proc.communicate()
    assert url.startswith(standin.base_url + "/identity/connect/authorize?")
    assert "code_challenge_method=S256" in url and "state=" in url
    page = consent_in_browser(url)
    assert page.status_code == 200 and "close this tab" in page.text
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Connected to Xero" in err and "Demo Company (NZ)" in err
    assert standin.basic_auth_seen == 0  # PKCE: client_id in the body, never a Basic header

    listed = json.loads(cli("list", "--json").out)
    assert listed[0]["tenant_name"] == "Demo Company (NZ)" and listed[0]["status"] == "connected"

    token = cli("token", "Head office")
    assert token.code == 0 and token.err == ""
    assert token.out.strip() and "\n" not in token.out.strip()
    assert cli("token", "Head office").out == token.out  # cached: no refresh
    assert standin.refresh_count == 0

    expire_stored_access_token()
    standin.expire_access_tokens()
    renewed = cli("token", "Head office")
    assert renewed.code == 0 and renewed.out != token.out
    assert standin.refresh_count == 1
    r = requests.get(
        standin.base_url + "/connections", headers={"Authorization": "Bearer " + renewed.out.strip()}, timeout=5
    )
    assert r.status_code == 200

    standin.revoke_all()
    expire_stored_access_token()
    dead = cli("token", "Head office")
    assert dead.code == 3, dead
    assert "re-authoriz" in dead.err and "press Re-authorize" in dead.err
    assert "Traceback" not in dead.err and "Error:" not in dead.err
    assert json.loads(cli("list", "--json").out)[0]["status"] == "needs_reauthorization"

    # Re-authorize fixes it in one command.
    proc = start_authorize("Head office", "--no-browser", "--timeout", "30")
    consent_in_browser(proc.stdout.readline().strip())
    proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert cli("token", "Head office").code == 0
    assert json.loads(cli("list", "--json").out)[0]["status"] == "connected"
    history = [e["what"] for e in json.loads(cli("history", "--json").out)]
    assert history[:2] == ["added", "authorized"] and "needs re-authorization" in history
    assert history.index("needs re-authorization") < history.index("re-authorized")
    # Authorizing writes nothing shared: those events are this user's own, not in the list's history.
    history_file = os.path.join(os.environ["XCONN_CONFIG_DIR"], "history.jsonl")
    with open(history_file, encoding="utf-8") as fh:
        shared = [json.loads(line)["what"] for line in fh]
    assert "authorized" not in shared and "re-authorized" not in shared


def test_the_organisation_connected_in_this_sign_in_is_chosen(standin, redirect_url, cli):
    standin.tenants = [
        {"tenantName": "Alpha Ltd", "tenantType": "ORGANISATION"},
        {"tenantName": "Beta Ltd", "tenantType": "ORGANISATION"},
    ]
    cli("add", "--name", "Shop", "--client-id", CLIENT_ID, "--redirect-url", redirect_url)
    proc = start_authorize("Shop", "--no-browser")
    consent_in_browser(proc.stdout.readline().strip())
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "Chose Alpha Ltd, the organisation connected in this sign-in" in err, err
    assert json.loads(cli("details", "Shop", "--json").out)["organisation"] == "Alpha Ltd"


def test_several_tenants_pick_by_name_and_non_tty_fails_with_exit_2(standin, redirect_url, cli):
    standin.tenants = [
        {"tenantName": "Alpha Ltd", "tenantType": "ORGANISATION"},
        {"tenantName": "Beta Ltd", "tenantType": "ORGANISATION"},
    ]
    standin.register_app(CLIENT_ID, [redirect_url], tier="advanced")  # several organisations in one sign-in
    cli("add", "--name", "Shop", "--client-id", CLIENT_ID, "--redirect-url", redirect_url)

    proc = start_authorize("Shop", "--no-browser")
    consent_in_browser(proc.stdout.readline().strip())
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 2 and "Alpha Ltd" in err and "Beta Ltd" in err, err

    r = cli("tenant", "Shop", "beta ltd")
    assert r.code == 0 and "Beta Ltd" in r.err
    assert json.loads(cli("details", "Shop", "--json").out)["organisation"] == "Beta Ltd"

    proc = start_authorize("Shop", "--no-browser", "--tenant", "Alpha Ltd")
    consent_in_browser(proc.stdout.readline().strip())
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "Alpha Ltd" in err
    tenants = json.loads(cli("tenants", "Shop", "--json").out)
    assert [t["tenant_name"] for t in tenants if t["chosen"]] == ["Alpha Ltd"]


def test_denied_consent_and_timeout_exit_codes(standin, redirect_url, cli):
    cli("add", "--name", "Shop", "--client-id", CLIENT_ID, "--redirect-url", redirect_url)
    standin.deny_consent = True
    proc = start_authorize("Shop", "--no-browser")
    page = consent_in_browser(proc.stdout.readline().strip())
    assert "Not connected" in page.text
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 1 and "Allow access" in err

    t0 = time.monotonic()
    r = cli("authorize", "Shop", "--no-browser", "--timeout", "1")
    assert r.code == 4 and "did not send the browser back" in r.err
    assert time.monotonic() - t0 < 20


def test_port_in_use_is_named(standin, redirect_url, cli):
    import socket
    from urllib.parse import urlsplit

    cli("add", "--name", "Shop", "--client-id", CLIENT_ID, "--redirect-url", redirect_url)
    port = urlsplit(redirect_url).port
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", port))
        blocker.listen()
        r = cli("authorize", "Shop", "--no-browser")
    assert r.code == 1 and f"Port {port}" in r.err and "Traceback" not in r.err


def test_profiles_usage_switch_and_delete_from_cli(standin, redirect_url, cli):
    cli("add", "--name", "A", "--client-id", CLIENT_ID, "--redirect-url", redirect_url)
    cli("add", "--name", "B", "--client-id", CLIENT_ID, "--redirect-url", redirect_url)
    for p in ("Invoices", "Receipts", "Bills"):
        assert cli("profile", "add", p, "--connection", "A").code == 0
    assert json.loads(cli("usage", "A", "--json").out) == ["Invoices", "Receipts", "Bills"]

    assert cli("switch", "A", "B", "--profile", "Bills").code == 0
    assert json.loads(cli("usage", "B", "--json").out) == ["Bills"]

    r = cli("delete", "A", "--yes")
    assert r.code == 2 and "Invoices" in r.err and "Switch" in r.err
    assert cli("delete", "A").code == 2  # no terminal to confirm, no --yes
    r = cli("delete", "A", "--yes", "--switch-to", "B")
    assert r.code == 0
    assert json.loads(cli("usage", "B", "--json").out) == ["Invoices", "Receipts", "Bills"]
    names = [c["name"] for c in json.loads(cli("list", "--json").out)]
    assert names == ["B"]

    r = cli("delete", "B", "--yes", "--force")
    assert r.code == 0
    profiles = json.loads(cli("profile", "list", "--json").out)
    assert {p["connection"] for p in profiles} == {""}


def test_bad_input_gets_exit_2_and_plain_words(isolated, cli):
    r = cli("add", "--name", "X", "--client-id", "abc", "--redirect-url", "http://localhost:5000/callback")
    assert r.code == 2 and "32 letters and digits" in r.err
    r = cli("add", "--name", "X", "--client-id", CLIENT_ID, "--redirect-url", "https://localhost:5000/callback")
    assert r.code == 2 and "http" in r.err
    r = cli("token", "Nope")
    assert r.code == 2 and "no connection called" in r.err
    r = cli("frobnicate")
    assert r.code == 2
    r = cli("--version")
    assert r.code == 0 and r.out.startswith("xconn ")


def test_token_for_a_profile(standin, redirect_url, cli, service):
    cli("add", "--name", "A", "--client-id", CLIENT_ID, "--redirect-url", redirect_url)
    with service.begin_authorization("A") as pending:
        threading.Thread(target=consent_in_browser, args=(pending.url,), daemon=True).start()
        service.accept(pending.wait(20))
    cli("profile", "add", "Invoices", "--connection", "A")
    r = cli("token", "--profile", "Invoices")
    assert r.code == 0 and len(r.out.strip()) > 1000
    r = cli("check", "--all", "--json")
    assert r.code == 0 and json.loads(r.out)[0]["ok"] is True


def test_no_display_says_so_in_plain_words(isolated):
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    proc = subprocess.run(
        [sys.executable, "-m", "xconn_app"], capture_output=True, text=True, env=env, cwd=str(ROOT), timeout=60
    )
    assert proc.returncode == 1
    assert "window cannot open here" in proc.stderr and "xconn --help" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_authorize_says_at_once_what_xero_refuses(standin, redirect_url, cli):
    """Xero shows its own error page and never comes back (docs/XERO.md): the command checks first and
    names the fix instead of waiting 90 s."""
    cli("add", "--name", "Wrong app", "--client-id", "F" * 32, "--redirect-url", redirect_url)
    t0 = time.monotonic()
    r = cli("authorize", "Wrong app", "--no-browser")
    assert r.code == 2 and "does not know this Client ID" in r.err and "developer.xero.com" in r.err, r
    assert time.monotonic() - t0 < 20 and r.out == ""  # no sign-in address was even printed
    cli(
        "add",
        "--name",
        "Old scope",
        "--client-id",
        CLIENT_ID,
        "--redirect-url",
        redirect_url,
        "--scopes",
        "openid offline_access accounting.transactions",
    )
    r = cli("authorize", "Old scope", "--no-browser")
    assert r.code == 2 and "accounting.transactions" in r.err and "granular" in r.err, r
