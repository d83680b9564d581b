"""Use cases in-process against the stand-in: authorize, tenants, profiles, delete, details, secrets."""

from __future__ import annotations

import json
import threading

import pytest
import requests

from attack import authorize_in_process as authorize
from attack import callback_address
from attack import expire_local_access_token
from conftest import CLIENT_ID
from xconn_app.core.errors import ConnectionInUse, InvalidInput, NotAuthorized, ReauthorizationRequired
from xconn_app.core.model import Status


def test_authorize_a_new_connection_before_saving_it(standin, redirect_url, service):
    # The definition dialog authorizes before Save: the connection is stored on success.
    pending = service.begin_authorization(name="New one", client_id=CLIENT_ID, redirect_url=redirect_url)
    threading.Thread(target=requests.get, args=(pending.url,), kwargs={"timeout": 10}, daemon=True).start()
    outcome = pending.wait(20)
    assert outcome.connection.name == "New one" and outcome.connection.tenant_name == "Demo Company (NZ)"
    assert [c.name for c in service.connections()] == ["New one"]
    assert service.get("New one").status()[0] is Status.CONNECTED


def test_paste_fallback_completes_with_the_same_checks(standin, redirect_url, service):
    service.add("A", CLIENT_ID, redirect_url)
    standin.auto_consent = True
    with service.begin_authorization("A") as pending:
        address = callback_address(pending.url)
        forged = address.replace("state=", "state=x")
        with pytest.raises(InvalidInput, match="different sign-in"):
            pending.complete_with_address(forged)
        with pytest.raises(InvalidInput):
            pending.complete_with_address("http://localhost:1/elsewhere?code=1&state=2")
        outcome = pending.complete_with_address(address)
    assert outcome.connection.tenant_id


def test_open_session_sends_tenant_and_refreshes_by_itself(standin, redirect_url, service):
    service.add("A", CLIENT_ID, redirect_url)
    authorize(service, "A")
    session = service.open_session(connection="A")
    org = session.get(standin.base_url + "/api.xro/2.0/Organisation", timeout=5)
    assert org.status_code == 200 and org.json()["Organisations"][0]["Name"] == "Demo Company (NZ)"
    standin.expire_access_tokens()  # Xero says 401: the session renews once and retries
    org = session.get(standin.base_url + "/api.xro/2.0/Organisation", timeout=5)
    assert org.status_code == 200 and standin.refresh_count == 1
    from xconn_app import open_session

    assert open_session(profile=None, connection="A").headers["xero-tenant-id"] == service.get("A").tenant_id


def test_edit_that_changes_the_client_id_drops_the_tokens(standin, redirect_url, service):
    service.add("A", CLIENT_ID, redirect_url)
    authorize(service, "A")
    conn_id = service.get("A").id
    service.edit("A", client_id="F" * 32)
    assert service.store.load(conn_id) is None
    assert service.get("A").status()[0] is Status.NOT_AUTHORIZED
    with pytest.raises(NotAuthorized):
        service.access_token("A")


def test_delete_needs_a_choice_when_profiles_use_it(isolated, service):
    service.add("A", CLIENT_ID, "http://localhost:5000/callback")
    service.add("B", CLIENT_ID, "http://localhost:5001/callback")
    service.add_profile("Invoices", "A")
    with pytest.raises(ConnectionInUse) as info:
        service.delete("A")
    assert "Invoices" in info.value.message
    assert [c.name for c in service.connections()] == ["A", "B"]
    service.delete("A", switch_to="B")
    assert [p.name for p in service.usage("B")] == ["Invoices"]


def test_delete_with_disconnect_removes_the_tenant_at_xero(standin, redirect_url, service):
    service.add("A", CLIENT_ID, redirect_url)
    outcome = authorize(service, "A")
    token = service.access_token("A")
    service.delete("A", disconnect=True)
    assert standin.connections_for(token) == []
    assert ("DELETE", f"/connections/{outcome.connection.xero_connection_id}") in standin.requests_seen


def test_switch_selected_and_all(isolated, service):
    service.add("A", CLIENT_ID, "http://localhost:5000/callback")
    service.add("B", CLIENT_ID, "http://localhost:5001/callback")
    for p in ("P1", "P2", "P3"):
        service.add_profile(p, "A")
    assert service.switch_profiles("A", "B", ["P2"]) == ["P2"]
    with pytest.raises(InvalidInput):
        service.switch_profiles("A", "B", ["P2"])  # P2 no longer uses A
    assert service.switch_profiles("A", "B") == ["P1", "P3"]
    service.rename_profile("P1", "Invoices")
    service.set_profile_connection("Invoices", None)
    service.delete_profile("P3")
    assert [(p.name, p.connection_id) for p in service.profiles()] == [("Invoices", ""), ("P2", service.get("B").id)]


def test_check_reports_revoked_and_removed_tenants(standin, redirect_url, service):
    service.add("A", CLIENT_ID, redirect_url)
    authorize(service, "A")
    assert service.check("A").ok
    standin.remove_tenant("Demo Company (NZ)")
    result = service.check("A")
    assert not result.ok and "no longer connected" in result.message
    standin.revoke_all()
    expire_local_access_token(service.get("A").id)
    service._token_cache.clear()
    result = service.check("A")
    assert result.status is Status.NEEDS_REAUTHORIZATION and "Authorize" in result.next_step
    with pytest.raises(ReauthorizationRequired):
        service.access_token("A")


def test_no_secret_reaches_the_registry_the_history_the_log_or_details(standin, redirect_url, service, isolated):
    service.add("A", CLIENT_ID, redirect_url)
    authorize(service, "A")
    expire_local_access_token(service.get("A").id)
    service._token_cache.clear()
    service.access_token("A")
    details = json.dumps(service.details("A"))
    standin.revoke_all()
    expire_local_access_token(service.get("A").id)
    service._token_cache.clear()
    with pytest.raises(ReauthorizationRequired):
        service.access_token("A")
    import logging

    logging.getLogger("xconn.test").warning("leak attempt %s", service.store.load(service.get("A").id).refresh_token)
    secrets = standin.issued_secrets()
    assert secrets
    texts = {"details": details}
    for path in list((isolated / "config").rglob("*")) + list((isolated / "logs").rglob("*")):
        if path.is_file():
            texts[str(path)] = path.read_text(errors="replace")
    for where, text in texts.items():
        for secret in secrets:
            assert secret not in text, f"a secret leaked into {where}"
    assert "[redacted]" in (isolated / "logs" / "xconn.log").read_text()
