"""Secrets stay secret: a broad flow (authorize, refresh, tenants, details, errors, an unforeseen
exception carrying tokens, revocation, delete with disconnect) through the CLI and the service,
then every file in the test's folders and every captured output is scanned for any token, code or
verifier the stand-in issued. Only the keyring (and `xconn token`'s stdout, by design) may hold them."""

from __future__ import annotations

import json
import os

from attack import authorize_in_process, cli_authorize, expire_local_access_token, run_cli_plain, worker
from conftest import CLIENT_ID

KEYRING_FILES = ("keyring.json", "keyring.json.lock", "keyring.json.tmp")


def test_no_secret_outside_the_keyring(standin, redirect_url, service, isolated):
    captured: dict[str, str] = {}
    n = 0

    def cli(*args, env=None, by_design_secret_stdout=False):
        nonlocal n
        n += 1
        r = run_cli_plain(*args, env=env)
        captured[f"{n} {args} stderr"] = r.err
        if not by_design_secret_stdout:
            captured[f"{n} {args} stdout"] = r.out
        return r

    assert cli("add", "--name", "Secretive", "--client-id", CLIENT_ID, "--redirect-url", redirect_url).code == 0
    code, out, err, page = cli_authorize("Secretive")
    assert code == 0, err
    captured["authorize stdout"], captured["authorize stderr"] = out, err
    captured["browser page"] = page.text
    conn = service.get("Secretive")

    # the authorize URL carries the PKCE challenge and state, never the verifier
    url = out.splitlines()[0]
    assert "code_challenge=" in url and "code_challenge_method=S256" in url and "code_verifier" not in url

    assert cli("token", "Secretive", by_design_secret_stdout=True).code == 0
    expire_local_access_token(conn.id)
    assert cli("token", "Secretive", by_design_secret_stdout=True).code == 0  # refresh
    assert cli("tenants", "Secretive").code == 0
    assert cli("tenants", "Secretive", "--json").code == 0
    assert cli("details", "Secretive", "--json").code == 0
    assert cli("details", "Secretive").code == 0
    assert cli("list", "--json").code == 0
    assert cli("check", "--json").code == 0

    # errors on the way
    expire_local_access_token(conn.id)
    standin.fail_next("/connect/token", 500)
    assert cli("token", "Secretive").code == 1
    standin.fail_next("/connect/token", 400, body='{"error": "invalid_request", "error_description": "x"}')
    assert cli("token", "Secretive").code == 1
    standin.fail_next("/connections", 200, body="{broken")
    assert cli("tenants", "Secretive").code == 1
    assert cli("token", "Secretive", by_design_secret_stdout=True).code == 0

    # an unforeseen exception whose message holds the tokens: the log must redact them
    p = worker("cli", "leak", "tenants", "Secretive", env={"XCONN_LEAK_CONNECTION": conn.id})
    out, err = p.communicate(timeout=60)
    assert p.returncode == 1 and "unexpected" in err, err
    captured["leak stdout"], captured["leak stderr"] = out, err

    # in-process use too (the service logs to the same folder)
    expire_local_access_token(conn.id)
    service.access_token("Secretive")
    service.check("Secretive")
    second = service.add("Second", CLIENT_ID, redirect_url)
    authorize_in_process(service, second.id)
    captured["details in process"] = json.dumps(service.details("Second").data)
    captured["history"] = json.dumps([e.to_dict() for e in service.history()])

    # revocation mid-use, then delete with disconnect at Xero
    standin.revoke_all()
    expire_local_access_token(conn.id)
    assert cli("tenants", "Secretive").code == 3
    assert cli("token", "Secretive").code == 3
    assert cli("delete", "Second", "--yes").code == 0

    secrets = standin.issued_secrets()
    assert len(secrets) >= 8  # codes, verifiers, access, refresh and id tokens of both grants

    scanned = 0
    for path in sorted(isolated.rglob("*")):
        if not path.is_file() or path.name in KEYRING_FILES:
            continue
        captured[str(path)] = path.read_bytes().decode("utf-8", "replace")
        scanned += 1
    assert scanned >= 3  # registry, history, log at least
    leaks = [(where, s[:12] + "...") for where, text in captured.items() for s in secrets if s in text]
    assert not leaks, f"secrets leaked: {leaks[:5]}"

    log = (isolated / "logs" / "xconn.log").read_text(encoding="utf-8")
    assert "[redacted]" in log and "boom" in log  # the exception was logged, its secrets were not
    # the keyring does hold them: the scan was looking at the right secrets
    keyring = (isolated / "keyring.json").read_text()
    assert any(s in keyring for s in secrets)
    assert all(len(v) <= 1000 for v in json.loads(keyring).values())  # Windows Credential Manager's limit
    assert os.path.exists(isolated / "config" / "history.jsonl")
