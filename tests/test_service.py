"""Use cases in-process against the stand-in: authorize, tenants, profiles, delete, details, secrets."""

from __future__ import annotations

import json
import threading

import pytest
import requests
from attack import authorize_in_process as authorize
from attack import callback_address, expire_local_access_token
from conftest import CLIENT_ID

from xconn_app.core.errors import ConnectionInUse, InvalidInput, NotAuthorized, ReauthorizationRequired
from xconn_app.core.model import Status


def test_authorize_a_new_connection_before_saving_it(standin, redirect_url, service):
    # The definition dialog authorizes before Save: nothing shared is written until Save.
    pending = service.begin_authorization(name="New one", client_id=CLIENT_ID, redirect_url=redirect_url)
    threading.Thread(target=requests.get, args=(pending.url,), kwargs={"timeout": 10}, daemon=True).start()
    outcome = pending.wait(20)
    pending.close()
    assert outcome.connection.name == "New one" and outcome.suggested.tenant_name == "Demo Company (NZ)"
    assert service.connections() == []
    service.add("New one", CLIENT_ID, redirect_url, tenant=outcome.suggested, connection_id=outcome.connection.id)
    [row] = service.rows()
    assert row.connection.name == "New one" and row.status is Status.CONNECTED
    assert row.grant.xero_connection_id == outcome.suggested.connection_id


def test_cancel_after_authorizing_a_new_connection_leaves_nothing(standin, redirect_url, service):
    pending = service.begin_authorization(name="New one", client_id=CLIENT_ID, redirect_url=redirect_url)
    threading.Thread(target=requests.get, args=(pending.url,), kwargs={"timeout": 10}, daemon=True).start()
    outcome = pending.wait(20)
    pending.close()
    assert service.store.load(outcome.connection.id) is not None
    service.discard_authorization(outcome)
    assert service.connections() == [] and service.store.load(outcome.connection.id) is None
    assert service.grants.all() == {}


def test_cancel_of_a_re_authorization_puts_the_previous_grant_back(standin, redirect_url, service):
    service.add("A", CLIENT_ID, redirect_url)
    authorize(service, "A")
    before = service.store.load(service.get("A").id)
    with service.begin_authorization("A") as pending:
        threading.Thread(target=requests.get, args=(pending.url,), kwargs={"timeout": 10}, daemon=True).start()
        outcome = pending.wait(20)
    assert service.store.load(service.get("A").id).refresh_token != before.refresh_token
    service.discard_authorization(outcome)
    assert service.store.load(service.get("A").id).refresh_token == before.refresh_token
    assert service.rows()[0].status is Status.CONNECTED


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
    assert outcome.suggested and outcome.suggested.tenant_name == "Demo Company (NZ)"


def test_open_session_sends_tenant_and_refreshes_by_itself(standin, redirect_url, service):
    service.add("A", CLIENT_ID, redirect_url)
    authorize(service, "A")
    session = service.open_session(connection="A")
    org = session.get(standin.base_url + "/api.xro/2.0/Organisation", timeout=5)
    # 200, not 403: the session sent xero-tenant-id (Xero refuses a call without it)
    assert org.status_code == 200 and org.json()["Organisations"][0]["Name"] == "Demo Company (NZ)"
    standin.expire_access_tokens()  # Xero says 401: the session renews once and retries
    org = session.get(standin.base_url + "/api.xro/2.0/Organisation", timeout=5)
    assert org.status_code == 200 and standin.refresh_count == 1
    from xconn_app import open_session

    assert open_session(profile=None, connection="A").connection.tenant_id == service.get("A").tenant_id


def test_edit_that_changes_the_client_id_drops_the_tokens(standin, redirect_url, service):
    service.add("A", CLIENT_ID, redirect_url)
    authorize(service, "A")
    conn_id = service.get("A").id
    service.edit("A", client_id="F" * 32)
    assert service.store.load(conn_id) is None
    assert service.rows()[0].status is Status.NOT_AUTHORIZED
    assert service.rows()[0].status_text.startswith("Needs authorization: changed by")
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
    authorize(service, "A")
    token = service.access_token("A")
    xero_connection_id = service.grant("A").xero_connection_id
    assert xero_connection_id
    service.delete("A", disconnect=True)
    assert standin.connections_for(token) == []
    assert ("DELETE", f"/connections/{xero_connection_id}") in standin.requests_seen
    assert service.grants.all() == {}


def test_switch_selected_and_all(isolated, service):
    service.add("A", CLIENT_ID, "http://localhost:5000/callback")
    service.add("B", CLIENT_ID, "http://localhost:5001/callback")
    for p in ("P1", "P2", "P3"):
        service.add_profile(p, "A")
    assert service.switch_profiles("A", "B", ["P2"]).moved == ["P2"]
    with pytest.raises(InvalidInput):
        service.switch_profiles("A", "B", ["P2"])  # P2 no longer uses A
    assert service.switch_profiles("A", "B").moved == ["P1", "P3"]
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
    assert not result.ok and "no longer connected to this app" in result.message
    assert service.rows()[0].status is Status.CANT_REACH
    standin.revoke_all()
    expire_local_access_token(service.get("A").id)
    service.broker.drop_cache()
    result = service.check("A")
    assert result.status is Status.NEEDS_REAUTHORIZATION and "Re-authorize" in result.next_step
    with pytest.raises(ReauthorizationRequired):
        service.access_token("A")


def test_no_secret_reaches_the_registry_the_history_the_log_or_details(standin, redirect_url, service, isolated):
    service.add("A", CLIENT_ID, redirect_url)
    authorize(service, "A")
    expire_local_access_token(service.get("A").id)
    service.broker.drop_cache()
    service.access_token("A")
    details = json.dumps(service.details("A").data)
    standin.revoke_all()
    expire_local_access_token(service.get("A").id)
    service.broker.drop_cache()
    with pytest.raises(ReauthorizationRequired):
        service.access_token("A")
    import logging

    logging.getLogger("xconn.test").warning("leak attempt %s", service.store.load(service.get("A").id).refresh_token)
    secrets = standin.issued_secrets()
    assert secrets
    texts = {"details": details}
    for path in (
        list((isolated / "config").rglob("*"))
        + list((isolated / "logs").rglob("*"))
        + [p for p in (isolated / "state").rglob("*") if "keyring" not in p.name]
    ):
        if path.is_file():
            texts[str(path)] = path.read_text(errors="replace")
    for where, text in texts.items():
        for secret in secrets:
            assert secret not in text, f"a secret leaked into {where}"
    assert "[redacted]" in (isolated / "logs" / "xconn.log").read_text()


def test_a_grant_made_for_the_new_client_id_survives_the_save(standin, redirect_url, service):
    """The Definition dialog authorizes the edited definition before Save: changing the Client ID then
    must not throw away the grant that was just made for it."""
    other = "FEDCBA9876543210FEDCBA9876543210"
    standin.register_app(other, [redirect_url])
    conn = service.add("A", CLIENT_ID, redirect_url)
    authorize(service, "A")
    with service.begin_authorization("A", client_id=other) as pending:
        threading.Thread(target=requests.get, args=(pending.url,), kwargs={"timeout": 10}, daemon=True).start()
        pending.wait(20)
    service.edit("A", client_id=other)
    assert service.store.load(conn.id) is not None
    assert service.rows()[0].status is Status.CONNECTED
