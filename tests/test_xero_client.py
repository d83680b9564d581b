"""Xero client and token calls with `responses`: shapes, retries, typed errors."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
import requests
import responses

from xconn_app.core import oauth
from xconn_app.core.errors import (
    DailyLimitReached,
    MissingPermission,
    RateLimited,
    ReauthorizationRequired,
    TenantUnavailable,
    XeroUnavailable,
)
from xconn_app.core.xero import AccessTokenRejected, Endpoints, RetryPolicy, XeroClient

EP = Endpoints("https://login.xero.com", "https://identity.xero.com", "https://api.xero.com")
ROW = {
    "id": "c-1",
    "authEventId": "e-1",
    "tenantId": "t-1",
    "tenantType": "ORGANISATION",
    "tenantName": "Demo Company (NZ)",
    "createdDateUtc": "2026-11-20T09:12:33.1234567",
    "updatedDateUtc": "2026-11-20T09:12:33.1234567",
}


@pytest.fixture
def client():
    sleeps = []
    c = XeroClient(EP, policy=RetryPolicy(sleep=sleeps.append))
    c.sleeps = sleeps
    return c


def test_defaults_are_xeros_real_endpoints(monkeypatch):
    for k in ("XCONN_XERO_LOGIN", "XCONN_XERO_IDENTITY", "XCONN_XERO_API"):
        monkeypatch.delenv(k, raising=False)
    ep = Endpoints.from_env()
    assert ep.authorize == "https://login.xero.com/identity/connect/authorize"
    assert ep.token == "https://identity.xero.com/connect/token"
    assert ep.revocation == "https://identity.xero.com/connect/revocation"
    assert ep.connections == "https://api.xero.com/connections"
    assert ep.organisation == "https://api.xero.com/api.xro/2.0/Organisation"
    monkeypatch.setenv("XCONN_XERO_API", "http://127.0.0.1:9/")
    assert Endpoints.from_env().connections == "http://127.0.0.1:9/connections"


@responses.activate
def test_list_tenants_parses_xeros_shape(client):
    responses.get("https://api.xero.com/connections", json=[ROW])
    [t] = client.list_tenants("tok")
    assert (t.connection_id, t.tenant_id, t.tenant_name, t.tenant_type) == (
        "c-1",
        "t-1",
        "Demo Company (NZ)",
        "ORGANISATION",
    )
    assert responses.calls[0].request.headers["Authorization"] == "Bearer tok"


@responses.activate
def test_429_honours_retry_after_then_succeeds(client):
    responses.get("https://api.xero.com/connections", status=429, headers={"Retry-After": "3"})
    responses.get("https://api.xero.com/connections", json=[])
    assert client.list_tenants("tok") == []
    assert client.sleeps == [3.0]


@responses.activate
def test_429_with_a_long_wait_is_not_slept_but_reported(client):
    responses.get("https://api.xero.com/connections", status=429, headers={"Retry-After": "3600"})
    with pytest.raises(RateLimited) as info:
        client.list_tenants("tok")
    assert client.sleeps == [] and "3600 seconds" in info.value.next_step


@responses.activate
def test_5xx_and_network_errors_are_typed_and_plain(client):
    responses.get("https://api.xero.com/connections", status=500)
    with pytest.raises(XeroUnavailable) as info:
        client.list_tenants("tok")
    assert "problem on its side" in info.value.message
    responses.replace(responses.GET, "https://api.xero.com/connections", body=requests.ConnectionError("boom"))
    with pytest.raises(XeroUnavailable) as info:
        client.list_tenants("tok")
    assert "could not reach Xero" in info.value.message


@responses.activate
def test_401_asks_for_a_refresh_and_403_means_tenant_gone(client):
    responses.get("https://api.xero.com/connections", status=401)
    with pytest.raises(AccessTokenRejected):
        client.list_tenants("tok")
    responses.get("https://api.xero.com/api.xro/2.0/Organisation", status=403)
    with pytest.raises(TenantUnavailable):
        client.organisation("tok", "t-1")
    assert responses.calls[-1].request.headers["xero-tenant-id"] == "t-1"


@responses.activate
def test_401_for_a_missing_scope_is_not_a_refresh(client):
    """Xero answers 401 AuthorizationUnsuccessful when the grant lacks a scope (docs/XERO.md): renewing the
    token cannot help, so it is a plain 'permission missing', never 'needs re-authorization'."""
    responses.get(
        "https://api.xero.com/api.xro/2.0/Organisation",
        status=401,
        json={"Type": None, "Title": "Unauthorized", "Status": 401, "Detail": "AuthorizationUnsuccessful"},
    )
    with pytest.raises(MissingPermission) as info:
        client.organisation("tok", "t-1")
    assert "lacks permission" in info.value.message and "scope" in info.value.next_step


@responses.activate
def test_limits_concurrent_retries_three_times_then_reports(client):
    for _ in range(4):
        responses.get("https://api.xero.com/connections", status=429, headers={"X-Rate-Limit-Problem": "concurrent"})
    with pytest.raises(RateLimited) as info:
        client.list_tenants("tok")
    assert client.sleeps == [1.0, 2.0, 4.0] and "5 calls at once" in info.value.message


@responses.activate
def test_limits_minute_is_waited_day_is_a_typed_error_with_the_reset_time(client):
    responses.get(
        "https://api.xero.com/connections", status=429, headers={"X-Rate-Limit-Problem": "minute", "Retry-After": "12"}
    )
    responses.get(
        "https://api.xero.com/connections",
        json=[],
        headers={"X-DayLimit-Remaining": "4990", "X-MinLimit-Remaining": "58", "X-AppMinLimit-Remaining": "9990"},
    )
    assert client.list_tenants("tok") == [] and client.sleeps == [12.0]
    assert client.last_limits["X-DayLimit-Remaining"] == 4990 and client.last_limits["X-MinLimit-Remaining"] == 58
    responses.get(
        "https://api.xero.com/connections",
        status=429,
        headers={"X-Rate-Limit-Problem": "daily", "Retry-After": "66975"},
    )
    with pytest.raises(DailyLimitReached) as info:
        client.send(
            "GET",
            "https://api.xero.com/connections",
            "sending invoices",
            access_token="tok",
            organisation="Demo Company (NZ)",
        )
    assert client.sleeps == [12.0]  # a day limit is never slept through
    assert "daily limit for Demo Company (NZ) is used up" in info.value.message and "resets at" in info.value.message


@responses.activate
def test_disconnect_uses_the_connection_id_and_revoke_posts_the_form(client):
    responses.delete("https://api.xero.com/connections/c-1", status=204)
    responses.post("https://identity.xero.com/connect/revocation", status=200)
    client.disconnect("tok", "c-1")
    client.revoke("CLIENT", "refresh-1")
    assert parse_qs(responses.calls[1].request.body) == {"token": ["refresh-1"], "client_id": ["CLIENT"]}


def token_json(**kw):
    return {
        "access_token": "a" * 1400,
        "refresh_token": "r2",
        "expires_in": 1800,
        "token_type": "Bearer",
        "scope": "openid offline_access accounting.invoices",
        **kw,
    }


@responses.activate
def test_refresh_sends_client_id_in_the_body_and_no_basic_auth():
    responses.post("https://identity.xero.com/connect/token", json=token_json())
    tokens = oauth.refresh("CLIENT", "r1", EP)
    body = parse_qs(responses.calls[0].request.body)
    assert body == {"grant_type": ["refresh_token"], "refresh_token": ["r1"], "client_id": ["CLIENT"]}
    assert "Authorization" not in responses.calls[0].request.headers
    assert tokens.refresh_token == "r2" and tokens.access_valid()


@responses.activate
def test_refresh_invalid_grant_means_reauthorize():
    responses.post("https://identity.xero.com/connect/token", status=400, json={"error": "invalid_grant"})
    with pytest.raises(ReauthorizationRequired) as info:
        oauth.refresh("CLIENT", "r1", EP)
    assert "Re-authorize" in info.value.next_step


@responses.activate
def test_refresh_429_retries_and_5xx_is_typed(monkeypatch):
    monkeypatch.setattr(oauth.time, "sleep", lambda s: None)
    responses.post("https://identity.xero.com/connect/token", status=429, headers={"Retry-After": "1"})
    responses.post("https://identity.xero.com/connect/token", json=token_json())
    assert oauth.refresh("CLIENT", "r1", EP).refresh_token == "r2"
    responses.replace(responses.POST, "https://identity.xero.com/connect/token", status=503, body="<html>down</html>")
    with pytest.raises(XeroUnavailable):
        oauth.refresh("CLIENT", "r1", EP)


@responses.activate
def test_wider_scope_in_the_answer_is_accepted():
    responses.post(
        "https://identity.xero.com/connect/token",
        json=token_json(scope="openid offline_access accounting.invoices accounting.payments"),
    )
    assert "accounting.payments" in oauth.refresh("CLIENT", "r1", EP).scope


@responses.activate
def test_code_exchange_sends_verifier_and_redirect_uri_without_secret():
    responses.post("https://identity.xero.com/connect/token", json=token_json())
    req = oauth.AuthorizationRequest("CLIENT", "http://localhost:5000/callback", ["openid", "offline_access"], EP)
    url = req.url
    q = parse_qs(url.split("?", 1)[1])
    assert q["code_challenge_method"] == ["S256"] and q["state"] == [req.state]
    assert q["code_challenge"] == [oauth.challenge_for(req.verifier)] and 43 <= len(req.verifier) <= 128
    req.exchange("the-code")
    body = parse_qs(responses.calls[0].request.body)
    assert body["grant_type"] == ["authorization_code"] and body["code"] == ["the-code"]
    assert body["code_verifier"] == [req.verifier] and body["client_id"] == ["CLIENT"]
    assert body["redirect_uri"] == ["http://localhost:5000/callback"] and "client_secret" not in body
    assert "Authorization" not in responses.calls[0].request.headers


def test_http_xero_endpoints_are_refused_plainly():
    """xconn talks to Xero over https only and never relaxes oauthlib's check for the whole process."""
    import os

    from xconn_app.core.errors import InvalidInput

    plain = Endpoints("http://127.0.0.1:9", "http://127.0.0.1:9", "http://127.0.0.1:9")
    req = oauth.AuthorizationRequest("CLIENT", "http://localhost:5000/callback", ["openid", "offline_access"], plain)
    with pytest.raises(InvalidInput) as info:
        req.url  # noqa: B018 - building it is the check
    assert "only over https" in info.value.message
    assert not [k for k in os.environ if k.startswith("OAUTHLIB_")]
