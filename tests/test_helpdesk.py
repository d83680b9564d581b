"""Help-desk toolkit: doctor, paste fallback, keep-alive, audit log, export/import."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from urllib.parse import urlsplit

import requests
from attack import authorize_in_process as authorize
from attack import callback_address
from conftest import CLIENT_ID, ROOT, free_port


def by_name(checks):
    return {c.name: c for c in checks}


def test_doctor_all_good_against_the_standin(standin, redirect_url, service, cli):
    service.add("A", CLIENT_ID, redirect_url)
    authorize(service, "A")
    service.refresh_all()
    service.keepalive.turn_on()  # the daily keep-alive for this user (an autostart entry without systemd)
    checks = by_name(service.doctor())
    for name in (
        "Password store",
        "Connection list folder",
        "Xero sign-in service",
        "Xero API",
        "Clock",
        "Connection 'A'",
        "Daily keep-alive",
    ):
        assert checks[name].ok, checks[name]
    r = cli("doctor", "--json")
    assert r.code == 0, r
    assert {c["check"] for c in json.loads(r.out)} >= {"Password store", "Clock"}


def test_doctor_reports_broken_keyring_busy_port_and_unreachable_host(isolated, service, cli):
    port = free_port()
    service.add("A", CLIENT_ID, f"http://localhost:{port}/callback")
    dead = f"https://127.0.0.1:{free_port()}"
    env = {
        "PYTHON_KEYRING_BACKEND": "filekeyring.BrokenKeyring",
        "XCONN_XERO_IDENTITY": dead,
        "XCONN_XERO_API": dead,
        "XCONN_XERO_LOGIN": dead,
    }
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", port))
        blocker.listen()
        r = cli("doctor", "--json", env=env)
    assert r.code == 1
    checks = {c["check"]: c for c in json.loads(r.out)}
    assert checks["Password store"]["result"] == "fail" and "Unlock" in checks["Password store"]["fix"]
    assert checks[f"Port {port}"]["result"] == "fail" and str(port) in checks[f"Port {port}"]["detail"]
    assert checks["Xero sign-in service"]["result"] == "fail"
    assert checks["Xero API"]["result"] == "fail"
    text = cli("doctor", env=env)
    assert "[FAIL] Password store" in text.out and "Fix:" in text.out and "Traceback" not in text.err


def test_doctor_reports_a_folder_that_cannot_be_written(isolated, tmp_path, cli):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    r = cli("--config-dir", str(blocker / "sub"), "doctor", "--json")
    checks = {c["check"]: c for c in json.loads(r.out)}
    assert checks["Connection list folder"]["result"] == "fail"
    assert "not a folder" in checks["Connection list folder"]["detail"]


def test_paste_fallback_from_the_cli(standin, redirect_url, cli):
    cli("add", "--name", "A", "--client-id", CLIENT_ID, "--redirect-url", redirect_url)
    proc = subprocess.Popen(
        [sys.executable, "-m", "xconn_app", "authorize", "A", "--paste"],
        cwd=str(ROOT),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    url = proc.stdout.readline().strip()
    # The browser is on another machine: the redirect never reaches this one; the user copies it.
    address = callback_address(url)
    _out, err = proc.communicate(address + "\n", timeout=30)
    assert proc.returncode == 0, err
    assert "Connected to Xero" in err


def test_paste_rejects_a_forged_state_and_a_code_for_another_connection(standin, redirect_url, service):
    import pytest

    from xconn_app.core.errors import InvalidInput

    other_url = f"http://localhost:{free_port()}/callback"
    standin.register_app(CLIENT_ID, [redirect_url, other_url])
    service.add("A", CLIENT_ID, redirect_url)
    service.add("B", CLIENT_ID, other_url)
    with service.begin_authorization("B") as for_b:
        b_address = callback_address(for_b.url)
        with service.begin_authorization("A") as for_a:
            with pytest.raises(InvalidInput):
                for_a.complete_with_address(b_address)  # other connection's address
            a_address = callback_address(for_a.url)
            forged = a_address.split("state=")[0] + "state=forged"
            with pytest.raises(InvalidInput, match="different sign-in"):
                for_a.complete_with_address(forged)
            assert for_a.complete_with_address(a_address).connection.name == "A"


def test_refresh_all_keeps_alive_and_reports_revoked(standin, service, cli):
    urls = [f"http://localhost:{free_port()}/callback" for _ in range(3)]
    other_app = "FEDCBA9876543210FEDCBA9876543210"
    standin.register_app(CLIENT_ID, urls[:2])
    # Revoking at Xero ends every grant of that Xero user and app (docs/XERO.md): "Revoked" is another app.
    standin.register_app(other_app, urls[2:])
    for name, url, client in zip(("Fresh", "Old", "Revoked"), urls, (CLIENT_ID, CLIENT_ID, other_app), strict=True):
        service.add(name, client, url)
        authorize(service, name)
    # "Old" was last renewed 50 days ago: near Xero's 60-day expiry.
    old_ids = {service.get("Old").id, service.get("Revoked").id}
    with service.grants.edit() as grants:
        for cid, g in grants.items():
            if cid in old_ids:
                g.last_refresh = g.authorized_at = g.authorized_at - 50 * 86400
    status = {r.connection.name: r.status_text for r in service.rows()}
    assert status["Old"].startswith("Expires in")
    # Revoke only the third grant at Xero
    tokens = service.store.load(service.get("Revoked").id)
    requests.post(
        standin.base_url + "/connect/revocation",
        data={"token": tokens.refresh_token, "client_id": other_app},
        timeout=5,
    )
    r = cli("refresh", "--all", "--json")
    assert r.code == 3, r
    outcomes = {x["name"]: x["outcome"] for x in json.loads(r.out)}
    assert outcomes == {"Fresh": "fresh", "Old": "refreshed", "Revoked": "needs_reauthorization"}
    assert {r.connection.name: r.status_text for r in service.rows()}["Old"] == "Connected"
    assert service.keepalive_last_run()["results"]["Old"] == "refreshed"


def test_every_change_is_in_the_history_without_secrets(standin, redirect_url, service, cli):
    service.add("A", CLIENT_ID, redirect_url)
    authorize(service, "A")
    authorize(service, "A")
    service.edit("A", name="Head office")
    service.add("B", CLIENT_ID, f"http://localhost:{free_port()}/cb")
    service.add_profile("Invoices", "Head office")
    service.switch_profiles("Head office", "B")
    service.choose_tenant("Head office", "Demo Company (NZ)")
    service.delete("B", force=True)
    whats = [e.what for e in service.history()]
    for expected in ("added", "authorized", "re-authorized", "edited", "profile added", "profiles switched", "deleted"):
        assert expected in whats
    assert [e.what for e in service.history("Head office")][:2] == ["added", "authorized"]
    entry = service.history()[0]
    assert entry.user and entry.host and entry.at and entry.note == ""
    text = (service.location.path / "history.jsonl").read_text()
    for secret in standin.issued_secrets():
        assert secret not in text
    r = cli("history", "Head office")
    assert r.code == 0 and "re-authorized 'A'" in r.out


def test_export_import_round_trip_and_conflict(standin, redirect_url, service, cli, tmp_path):
    service.add("A", CLIENT_ID, redirect_url)
    authorize(service, "A")
    service.add_profile("Invoices", "A")
    export = tmp_path / "station.json"
    assert cli("export", str(export)).code == 0
    text = export.read_text()
    for secret in standin.issued_secrets():
        assert secret not in text

    other = tmp_path / "other-station"
    r = cli("--config-dir", str(other), "import", str(export))
    assert r.code == 0 and "not authorized yet" in r.err
    listed = json.loads(cli("--config-dir", str(other), "list", "--json").out)
    assert listed[0]["name"] == "A" and listed[0]["status"] == "not_authorized"
    assert json.loads(cli("--config-dir", str(other), "usage", "A", "--json").out) == ["Invoices"]

    # conflict: same name, another client id
    cli("--config-dir", str(other), "edit", "A", "--client-id", "F" * 32)
    r = cli("--config-dir", str(other), "import", str(export))
    assert r.code == 2 and "'A'" in r.err and "--on-conflict" in r.err
    r = cli("--config-dir", str(other), "import", str(export), "--on-conflict", "rename")
    assert r.code == 0 and "A (imported)" in r.err
    r = cli("--config-dir", str(other), "import", str(export), "--on-conflict", "replace")
    names = {c["name"]: c["client_id"] for c in json.loads(cli("--config-dir", str(other), "list", "--json").out)}
    assert names == {"A": CLIENT_ID, "A (imported)": CLIENT_ID}
    r = cli("--config-dir", str(other), "import", str(tmp_path / "missing.json"))
    assert r.code == 2 and "cannot be read" in r.err
    assert urlsplit(redirect_url).port


def test_keepalive_turned_on_for_this_user_without_systemd(isolated, service, monkeypatch):
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)  # no user systemd: an autostart entry at sign-in
    if service.keepalive.state().code == "everyone":
        import pytest

        pytest.skip("this machine has xconn's keep-alive installed for every user")
    assert service.keepalive.state().code == "off"
    said = service.keepalive.turn_on()
    assert "sign in" in said
    entry = (isolated / "userconfig" / "autostart" / "xconn-keepalive.desktop").read_text()
    assert "refresh --all" in entry and "Exec=" in entry
    assert service.keepalive.state().code == "me"


def test_macos_keepalive_agent_runs_the_cli_daily(tmp_path, monkeypatch, service):
    import plistlib

    from xconn_app.core import keepalive

    monkeypatch.setenv("HOME", str(tmp_path))
    ran = []
    monkeypatch.setattr(keepalive.subprocess, "run", lambda args, **kw: ran.append(args))
    cli_path = "/Applications/xconn.app/Contents/MacOS/xconn-cli"
    service.keepalive._turn_on_launchd([cli_path, "refresh", "--all"])
    written = tmp_path / "Library" / "LaunchAgents" / "com.xconn.keepalive.plist"
    agent = plistlib.loads(written.read_bytes())
    assert agent["ProgramArguments"] == [cli_path, "refresh", "--all"]
    assert agent["StartCalendarInterval"] == {"Hour": 12, "Minute": 0} and agent["Label"] == "com.xconn.keepalive"
    assert ran == [["launchctl", "load", "-w", str(written)]]
