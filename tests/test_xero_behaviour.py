"""xconn against Xero's real behaviour, as the stand-in plays it (docs/XERO.md; issue 12): scopes asked
for and granted, 401 and 403 kinds, rate limits in the capture session, sibling-safe disconnect and
revocation, and the 30-minute grace for a lost refresh answer."""

from __future__ import annotations

import json
import time

import pytest
from attack import authorize_in_process, expire_local_access_token
from conftest import CLIENT_ID, free_port

from xconn_app.core.errors import DailyLimitReached, MissingPermission, ReauthorizationRequired, TenantUnavailable
from xconn_app.core.model import Status

READ_ONLY = "openid profile email offline_access accounting.invoices.read accounting.contacts.read"


@pytest.fixture
def connected(standin, redirect_url, service):
    conn = service.add("Head office", CLIENT_ID, redirect_url)
    authorize_in_process(service, conn.id)
    return service.get(conn.id)


def test_details_show_scopes_asked_for_and_granted(service, connected, cli):
    data = json.loads(cli("details", "Head office", "--json").out)
    assert data["scopes_requested"] == connected.scopes
    assert set(data["scopes_granted"]) >= {"offline_access", "accounting.invoices"}
    assert data["authorized_as"] == "Demo User <demo.user@example.com>"
    r = cli("check", "Head office", "--json")
    assert r.code == 0 and json.loads(r.out)[0]["limits"] == {}  # /connections carries no limit headers
    details = service.details("Head office")
    assert ("Scopes granted", " ".join(data["scopes_granted"])) in details.technical


def test_a_missing_scope_is_not_an_expired_grant(standin, redirect_url, service):
    """401 AuthorizationUnsuccessful: renewing cannot help, so the connection is not marked for
    re-authorization; the capture program gets a plain 'permission missing'."""
    conn = service.add("Lookups", CLIENT_ID, redirect_url, READ_ONLY)
    authorize_in_process(service, conn.id)
    session = service.open_session(connection="Lookups")
    assert session.get(standin.base_url + "/api.xro/2.0/Invoices", timeout=5).status_code == 200
    with pytest.raises(MissingPermission) as info:
        session.post(standin.base_url + "/api.xro/2.0/Invoices", json={"Invoices": []}, timeout=5)
    assert "lacks permission" in info.value.message and "Scopes" in info.value.next_step
    assert standin.refresh_count == 0  # no pointless renewal
    assert service.rows()[0].status is Status.CONNECTED


def test_a_disconnected_organisation_is_403_not_reauthorization(standin, service, connected):
    standin.remove_tenant("Demo Company (NZ)")
    session = service.open_session(connection="Head office")
    with pytest.raises(TenantUnavailable) as info:
        session.get(standin.base_url + "/api.xro/2.0/Organisation", timeout=5)
    assert "no longer connected" in info.value.message
    assert service.rows()[0].status is Status.CONNECTED  # the grant itself is fine
    assert service.check("Head office").status is Status.CANT_REACH


def test_minute_limit_is_waited_out_and_the_day_limit_is_a_plain_error(standin, service, connected, monkeypatch):
    session = service.open_session(connection="Head office")
    from xconn_app.core.xero import RetryPolicy

    waits = []
    monkeypatch.setattr(service.xero, "policy", RetryPolicy(sleep=waits.append))
    standin.fail_next("/api.xro/2.0/Organisation", 429, retry_after=12, problem="minute")
    assert session.get(standin.base_url + "/api.xro/2.0/Organisation", timeout=5).status_code == 200
    assert waits == [12.0]
    standin.fail_next("/api.xro/2.0/Organisation", 429, times=4, problem="concurrent")
    with pytest.raises(Exception) as info:
        session.get(standin.base_url + "/api.xro/2.0/Organisation", timeout=5)
    assert waits[1:] == [1.0, 2.0, 4.0] and "5 calls at once" in str(info.value)
    standin.exhaust_limit("day", client_id=CLIENT_ID, tenant_name="Demo Company (NZ)")
    with pytest.raises(DailyLimitReached) as info:
        session.get(standin.base_url + "/api.xro/2.0/Organisation", timeout=5)
    assert "daily limit for Demo Company (NZ) is used up" in info.value.message and "resets at" in info.value.message
    assert waits[4:] == []  # never slept through a day limit


def test_limits_seen_by_the_session_are_in_details(standin, service, connected):
    session = service.open_session(connection="Head office")
    assert session.get(standin.base_url + "/api.xro/2.0/Organisation", timeout=5).status_code == 200
    limits = service.details("Head office").data["limits"]
    assert limits["X-MinLimit-Remaining"] >= 0 and limits["X-DayLimit-Remaining"] > 0 and limits["seen_at"]


def test_disconnect_refuses_to_break_a_sibling_unless_told(standin, redirect_url, service, cli):
    for name in ("Invoices A", "Invoices B"):
        conn = service.add(name, CLIENT_ID, redirect_url)
        authorize_in_process(service, conn.id)
    assert [c.name for c in service.siblings("Invoices A")] == ["Invoices B"]
    r = cli("delete", "Invoices A", "--disconnect", "--yes")
    assert r.code == 2 and "Invoices B" in r.err and "--disconnect-anyway" in r.err, r
    assert "same Xero login" in r.err
    assert [c.name for c in service.connections()] == ["Invoices A", "Invoices B"]  # nothing changed
    r = cli("delete", "Invoices A", "--disconnect-anyway", "--yes")
    assert r.code == 0, r
    # Xero disconnected the organisation for every token of this user and app: B now cannot reach it.
    assert service.check("Invoices B").status is Status.CANT_REACH


def test_revoke_ends_every_grant_of_this_app_and_says_so(standin, redirect_url, service, cli):
    other = f"http://localhost:{free_port()}/callback"
    standin.register_app(CLIENT_ID, [redirect_url, other])
    for name, url in (("One", redirect_url), ("Two", other)):
        authorize_in_process(service, service.add(name, CLIENT_ID, url).id)
    r = cli("revoke", "One")
    assert r.code == 2 and "--yes" in r.err  # asks first; no one to ask here
    r = cli("revoke", "One", "--yes")
    assert r.code == 0 and "Re-authorize 'One'" in r.err, r
    statuses = {row.connection.name: row.status for row in service.rows()}
    assert statuses == {"One": Status.NEEDS_REAUTHORIZATION, "Two": Status.NEEDS_REAUTHORIZATION}
    from xconn_app.core.service import Service

    with pytest.raises(ReauthorizationRequired):  # a capture program asking now
        Service().access_token("Two")


def test_a_lost_refresh_answer_is_retried_only_within_30_minutes(standin, service, connected):
    expire_local_access_token(connected.id)
    with service.grants.edit() as grants:  # a renewal went out 10 minutes ago and its answer was lost
        grants[connected.id].refresh_sent_at = time.time() - 600
    service.broker.drop_cache()
    assert service.access_token("Head office")  # retried with the same refresh token: fine
    assert service.grant("Head office").refresh_sent_at == 0.0
    expire_local_access_token(connected.id)
    with service.grants.edit() as grants:  # ...and now one lost 31 minutes ago
        grants[connected.id].refresh_sent_at = time.time() - 31 * 60
    service.broker.drop_cache()
    calls = standin.refresh_count
    with pytest.raises(ReauthorizationRequired) as info:
        service.access_token("Head office")
    assert standin.refresh_count == calls  # Xero was not even asked
    assert "30 minutes" in info.value.message
    assert service.rows()[0].status is Status.NEEDS_REAUTHORIZATION


def test_reconsent_to_a_connected_organisation_keeps_the_saved_one(standin, service, connected):
    """Re-authorizing an organisation already connected brings no new authEventId (docs/XERO.md): no
    organisation is 'of this sign-in', and the saved one is kept."""
    outcome = authorize_in_process(service, connected.id)
    assert outcome.this_signin == [] and outcome.suggested.tenant_name == "Demo Company (NZ)"
    assert service.get(connected.id).tenant_name == "Demo Company (NZ)"
    standin.reconsent_new_auth_event = True
    outcome = authorize_in_process(service, connected.id)
    assert [t.tenant_name for t in outcome.this_signin] == ["Demo Company (NZ)"]
