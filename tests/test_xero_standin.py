"""Tests of the local Xero stand-in itself (tests/xero_standin.py)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from xero_standin import XeroStandIn, pkce_pair  # noqa: E402

CLIENT_ID = "6F1E2A9C3B8D4E7F9A0B1C2D3E4F5A6B"
OTHER_CLIENT = "A1B2C3D4E5F60718293A4B5C6D7E8F90"
REDIRECT = "http://localhost:53682/callback"
SCOPES = "openid profile email offline_access accounting.transactions accounting.settings"


# --------------------------------------------------------------------------- fixtures
@pytest.fixture
def xero():
    with XeroStandIn() as s:
        s.register_app(CLIENT_ID, [REDIRECT])
        s.register_app(OTHER_CLIENT, [REDIRECT], name="Other App")
        yield s


@pytest.fixture
def auto(xero):
    xero.auto_consent = True
    return xero


@pytest.fixture
def http():
    with requests.Session() as s:
        yield s


def authorize(http, xero, *, scope=SCOPES, client_id=CLIENT_ID, redirect_uri=REDIRECT, state="st-123",
              challenge=None, method="S256", follow=False):
    params = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, "scope": scope,
              "state": state, "code_challenge": challenge, "code_challenge_method": method}
    params = {k: v for k, v in params.items() if v is not None}
    return http.get(f"{xero.base_url}/identity/connect/authorize", params=params, allow_redirects=follow,
                    timeout=5)


def redirect_params(resp) -> dict:
    assert resp.status_code == 302, resp.text
    loc = resp.headers["Location"]
    assert loc.startswith(REDIRECT + "?"), loc
    return {k: v[0] for k, v in parse_qs(urlsplit(loc).query).items()}


def get_code(http, xero, *, scope=SCOPES, client_id=CLIENT_ID) -> tuple[str, str]:
    """Authorise with auto consent; returns (code, verifier)."""
    verifier, challenge = pkce_pair()
    params = redirect_params(authorize(http, xero, scope=scope, client_id=client_id, challenge=challenge))
    assert params["state"] == "st-123"
    return params["code"], verifier


def token(http, xero, data: dict, **kw):
    return http.post(f"{xero.base_url}/connect/token", data=data, timeout=5, **kw)


def exchange(http, xero, code, verifier, *, client_id=CLIENT_ID, redirect_uri=REDIRECT, **kw):
    return token(http, xero, {"grant_type": "authorization_code", "client_id": client_id, "code": code,
                              "redirect_uri": redirect_uri, "code_verifier": verifier}, **kw)


def refresh(http, xero, rt, *, client_id=CLIENT_ID):
    return token(http, xero, {"grant_type": "refresh_token", "client_id": client_id, "refresh_token": rt})


def login(http, xero, *, scope=SCOPES) -> dict:
    code, verifier = get_code(http, xero, scope=scope)
    r = exchange(http, xero, code, verifier)
    assert r.status_code == 200, r.text
    return r.json()


def bearer(tokens_or_access) -> dict:
    access = tokens_or_access if isinstance(tokens_or_access, str) else tokens_or_access["access_token"]
    return {"Authorization": f"Bearer {access}"}


def connections(http, xero, tokens):
    return http.get(f"{xero.base_url}/connections", headers=bearer(tokens), timeout=5)


def organisation(http, xero, tokens, tenant_id):
    headers = bearer(tokens)
    if tenant_id is not None:
        headers["xero-tenant-id"] = tenant_id
    return http.get(f"{xero.base_url}/api.xro/2.0/Organisation", headers=headers, timeout=5)


def assert_well_formed(page: str) -> ET.Element:
    return ET.fromstring(page.split("\n", 1)[1] if page.startswith("<!DOCTYPE") else page)


def jwt_payload(tok: str) -> dict:
    part = tok.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


# --------------------------------------------------------------------------- server basics
def test_lifecycle_env_and_discovery(xero, http):
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", xero.base_url)
    assert xero.env() == {"XCONN_XERO_LOGIN": xero.base_url, "XCONN_XERO_IDENTITY": xero.base_url,
                          "XCONN_XERO_API": xero.base_url}
    r = http.get(f"{xero.base_url}/.well-known/openid-configuration", timeout=5)
    assert r.status_code == 200
    assert "Date" in r.headers
    d = r.json()
    assert d["issuer"] == xero.base_url
    assert d["authorization_endpoint"] == f"{xero.base_url}/identity/connect/authorize"
    assert d["token_endpoint"] == f"{xero.base_url}/connect/token"
    assert d["revocation_endpoint"] == f"{xero.base_url}/connect/revocation"
    assert ("GET", "/.well-known/openid-configuration") in xero.requests_seen


def test_stop_closes_port():
    s = XeroStandIn().start()
    url = s.base_url
    assert requests.get(f"{url}/.well-known/openid-configuration", timeout=5).status_code == 200
    s.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/.well-known/openid-configuration", timeout=2)
    s.stop()  # idempotent


def test_unknown_path_404(xero, http):
    assert http.get(f"{xero.base_url}/nope", timeout=5).status_code == 404
    assert http.get(f"{xero.base_url}/connect/token", timeout=5).status_code == 405


# --------------------------------------------------------------------------- authorize
def test_authorize_unknown_client(xero, http):
    _, challenge = pkce_pair()
    r = authorize(http, xero, client_id="nobody", challenge=challenge)
    assert r.status_code == 400
    assert "unauthorized_client : Unknown client or client not enabled" in r.text
    assert_well_formed(r.text)


@pytest.mark.parametrize("bad", [
    "http://localhost:53682/callback/",      # trailing slash
    "http://127.0.0.1:53682/callback",       # different host
    "http://localhost:53683/callback",       # different port
    "https://localhost:53682/callback",      # different scheme
    "http://LOCALHOST:53682/callback",       # no normalisation
    "http://localhost:53682/Callback",
    "",
])
def test_authorize_bad_redirect_uri_is_a_page_not_a_redirect(auto, http, bad):
    _, challenge = pkce_pair()
    r = authorize(http, auto, redirect_uri=bad, challenge=challenge)
    assert r.status_code == 400
    assert "Location" not in r.headers
    assert "unauthorized_client : Invalid redirect_uri" in r.text
    assert r.headers["Content-Type"].startswith("text/html")
    assert_well_formed(r.text)


@pytest.mark.parametrize("challenge,method", [(None, "S256"), ("x" * 43, "plain"), ("x" * 43, None)])
def test_authorize_requires_s256_challenge(auto, http, challenge, method):
    r = authorize(http, auto, challenge=challenge, method=method)
    assert r.status_code == 400
    assert "invalid_request : code_challenge required" in r.text
    assert "Location" not in r.headers


@pytest.mark.parametrize("scope", ["openid accounting.everything", "", "offline_access payroll.payslip"])
def test_authorize_invalid_scope_redirects(auto, http, scope):
    _, challenge = pkce_pair()
    params = redirect_params(authorize(http, auto, scope=scope, challenge=challenge))
    assert params == {"error": "invalid_scope", "state": "st-123"}


def test_auto_consent_redirects_with_code(auto, http):
    code, _ = get_code(http, auto)
    assert re.fullmatch(r"[0-9a-f]{64}", code)
    assert code in auto.issued_secrets()


def test_auto_deny_consent(auto, http):
    auto.deny_consent = True
    _, challenge = pkce_pair()
    assert redirect_params(authorize(http, auto, challenge=challenge)) == {"error": "access_denied",
                                                                           "state": "st-123"}


def consent_page(http, xero):
    verifier, challenge = pkce_pair()
    r = authorize(http, xero, challenge=challenge)
    assert r.status_code == 200
    return r, verifier


def test_consent_page(xero, http):
    xero.tenants = [{"tenantName": "Demo Company (NZ)", "tenantType": "ORGANISATION"},
                    {"tenantName": "Bob & Sons <Ltd>", "tenantType": "ORGANISATION"}]
    r, _ = consent_page(http, xero)
    page = r.text
    root = assert_well_formed(page)
    assert "<title>Xero | Authorise</title>" in page
    assert '<button type="submit" name="decision" value="allow" id="allow">Allow access</button>' in page
    assert 'value="deny" id="deny">Cancel</button>' in page
    assert "PSIcapture" in page and "Demo Company (NZ)" in page
    assert "Bob &amp; Sons &lt;Ltd&gt;" in page
    assert "<header>Xero</header>" in page
    form = root.find(".//form")
    assert form.get("method") == "post"
    assert form.get("action") == f"{xero.base_url}/identity/connect/consent"
    hidden = form.find("input[@type='hidden']")
    assert hidden is not None and hidden.get("value")


def submit_consent(http, xero, page: str, decision: str):
    root = assert_well_formed(page)
    form = root.find(".//form")
    data = {i.get("name"): i.get("value") for i in form.findall("input")}
    data["decision"] = decision
    return http.post(form.get("action"), data=data, allow_redirects=False, timeout=5)


def test_consent_allow_then_exchange(xero, http):
    r, verifier = consent_page(http, xero)
    params = redirect_params(submit_consent(http, xero, r.text, "allow"))
    assert params["state"] == "st-123" and "code" in params
    tok = exchange(http, xero, params["code"], verifier)
    assert tok.status_code == 200
    # the pending request is single use
    again = submit_consent(http, xero, r.text, "allow")
    assert again.status_code == 400


def test_consent_deny(xero, http):
    r, _ = consent_page(http, xero)
    assert redirect_params(submit_consent(http, xero, r.text, "deny")) == {"error": "access_denied",
                                                                           "state": "st-123"}


# --------------------------------------------------------------------------- code exchange
def test_full_pkce_flow(auto, http):
    code, verifier = get_code(http, auto)
    r = exchange(http, auto, code, verifier)
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "no-store"
    body = r.json()
    assert set(body) == {"id_token", "access_token", "expires_in", "token_type", "refresh_token", "scope"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 1800
    assert re.fullmatch(r"[0-9a-f]{64}", body["refresh_token"])
    assert body["scope"].split() == SCOPES.split()
    assert len(body["access_token"]) >= 1300
    assert re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+", body["access_token"])
    claims = jwt_payload(body["access_token"])
    for claim in ("xero_userid", "global_session_id", "jti", "authentication_event_id", "scope", "nbf", "exp",
                  "iss", "aud", "client_id", "sub", "auth_time"):
        assert claim in claims
    assert claims["client_id"] == CLIENT_ID and claims["exp"] - claims["nbf"] == 1800
    assert jwt_payload(body["id_token"])["aud"] == CLIENT_ID
    assert auto.token_requests[-1] == {"grant_type": "authorization_code", "client_id": CLIENT_ID, "code": code,
                                       "redirect_uri": REDIRECT, "code_verifier": verifier}
    secrets_ = auto.issued_secrets()
    for s in (code, verifier, body["access_token"], body["refresh_token"], body["id_token"]):
        assert s in secrets_
    assert auto.basic_auth_seen == 0
    assert auto.refresh_count == 0


def test_minimal_token_length(auto, http):
    body = login(http, auto, scope="offline_access")
    assert len(body["access_token"]) >= 1300
    assert "id_token" not in body  # no openid scope, no id_token


def test_no_refresh_token_without_offline_access(auto, http):
    body = login(http, auto, scope="openid accounting.settings.read")
    assert "refresh_token" not in body


def test_wrong_verifier_invalid_grant_and_burns_code(auto, http):
    code, verifier = get_code(http, auto)
    other_verifier, _ = pkce_pair()
    r = exchange(http, auto, code, other_verifier)
    assert r.status_code == 400 and r.json() == {"error": "invalid_grant"}
    assert exchange(http, auto, code, verifier).json() == {"error": "invalid_grant"}
    assert other_verifier in auto.issued_secrets()


@pytest.mark.parametrize("change", [
    {"redirect_uri": REDIRECT + "/"},
    {"code_verifier": "short"},
    {"code_verifier": ""},
    {"code": "0" * 64},
    {"client_id": OTHER_CLIENT},
])
def test_exchange_mismatches_invalid_grant(auto, http, change):
    code, verifier = get_code(http, auto)
    data = {"grant_type": "authorization_code", "client_id": CLIENT_ID, "code": code, "redirect_uri": REDIRECT,
            "code_verifier": verifier, **change}
    r = token(http, auto, data)
    assert r.status_code == 400 and r.json() == {"error": "invalid_grant"}


def test_code_reuse_invalid_grant(auto, http):
    code, verifier = get_code(http, auto)
    assert exchange(http, auto, code, verifier).status_code == 200
    r = exchange(http, auto, code, verifier)
    assert r.status_code == 400 and r.json() == {"error": "invalid_grant"}


def test_code_expires_after_five_minutes(auto, http):
    code, verifier = get_code(http, auto)
    auto.advance_time(301)
    assert exchange(http, auto, code, verifier).json() == {"error": "invalid_grant"}


def test_client_authentication(auto, http):
    code, verifier = get_code(http, auto)
    base = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": verifier}
    # no client id at all
    r = token(http, auto, base)
    assert r.status_code == 400 and r.json() == {"error": "invalid_client"}
    # a client secret in Basic auth is refused (PKCE app has none)
    r = token(http, auto, {**base, "client_id": CLIENT_ID}, auth=(CLIENT_ID, "s3cret"))
    assert r.status_code == 400 and r.json() == {"error": "invalid_client"}
    # unknown client
    r = token(http, auto, {**base, "client_id": "nobody"})
    assert r.json() == {"error": "invalid_client"}
    assert auto.basic_auth_seen == 0
    # Basic with empty password is tolerated but counted
    r = token(http, auto, base, auth=(CLIENT_ID, ""))
    assert r.status_code == 200, r.text
    assert auto.basic_auth_seen == 1


def test_token_endpoint_requires_form_body(auto, http):
    code, verifier = get_code(http, auto)
    r = http.post(f"{auto.base_url}/connect/token", json={"grant_type": "authorization_code", "code": code,
                  "client_id": CLIENT_ID, "redirect_uri": REDIRECT, "code_verifier": verifier}, timeout=5)
    assert r.status_code == 400


def test_unsupported_grant_type(auto, http):
    r = token(http, auto, {"grant_type": "client_credentials", "client_id": CLIENT_ID})
    assert r.status_code == 400 and r.json() == {"error": "unsupported_grant_type"}
    r = token(http, auto, {"client_id": CLIENT_ID})
    assert r.json() == {"error": "unsupported_grant_type"}


def test_scope_union_across_authorizations(auto, http):
    login(http, auto, scope="openid offline_access accounting.transactions accounting.contacts")
    body = login(http, auto, scope="openid offline_access accounting.settings.read")
    assert set(body["scope"].split()) == {"openid", "offline_access", "accounting.transactions",
                                          "accounting.contacts", "accounting.settings.read"}


# --------------------------------------------------------------------------- refresh
def test_refresh_rotation(auto, http):
    first = login(http, auto)
    r = refresh(http, auto, first["refresh_token"])
    assert r.status_code == 200
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert "id_token" not in second and second["expires_in"] == 1800
    assert auto.refresh_count == 1
    # rotated token is dead
    r = refresh(http, auto, first["refresh_token"])
    assert r.status_code == 400 and r.json() == {"error": "invalid_grant"}
    assert auto.refresh_count == 1
    # the new one works, and rotates again
    third = refresh(http, auto, second["refresh_token"]).json()
    assert third["refresh_token"] not in (first["refresh_token"], second["refresh_token"])
    assert auto.refresh_count == 2
    assert auto.token_requests[-1] == {"grant_type": "refresh_token", "client_id": CLIENT_ID,
                                       "refresh_token": second["refresh_token"]}
    # new access token works on the API
    assert connections(http, auto, third).status_code == 200


def test_refresh_errors(auto, http):
    tokens = login(http, auto)
    assert refresh(http, auto, "f" * 64).json() == {"error": "invalid_grant"}
    assert refresh(http, auto, tokens["refresh_token"], client_id=OTHER_CLIENT).json() == {"error": "invalid_grant"}
    r = token(http, auto, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert r.json() == {"error": "invalid_client"}
    assert refresh(http, auto, tokens["refresh_token"]).status_code == 200  # not burnt by the failures
    assert auto.refresh_count == 1


def test_grace_rule(auto, http):
    auto.refresh_grace_seconds = 30
    first = login(http, auto)
    second = refresh(http, auto, first["refresh_token"]).json()
    # the response got "lost": replay of the old token inside the window returns the SAME set
    replay = refresh(http, auto, first["refresh_token"])
    assert replay.status_code == 200 and replay.json() == second
    # once the new token is used, the old one is dead
    third = refresh(http, auto, second["refresh_token"]).json()
    assert refresh(http, auto, first["refresh_token"]).json() == {"error": "invalid_grant"}
    # and outside the window it is dead too
    auto.advance_time(31)
    assert refresh(http, auto, second["refresh_token"]).json() == {"error": "invalid_grant"}
    assert refresh(http, auto, third["refresh_token"]).status_code == 200


def test_strict_by_default_no_grace(auto, http):
    first = login(http, auto)
    refresh(http, auto, first["refresh_token"])
    assert refresh(http, auto, first["refresh_token"]).json() == {"error": "invalid_grant"}


def test_expire_refresh_tokens(auto, http):
    tokens = login(http, auto)
    auto.expire_refresh_tokens()
    assert refresh(http, auto, tokens["refresh_token"]).json() == {"error": "invalid_grant"}


def test_refresh_token_lifetime(http):
    with XeroStandIn(auto_consent=True, refresh_token_lifetime=100) as s:
        s.register_app(CLIENT_ID, [REDIRECT])
        tokens = login(http, s)
        s.advance_time(101)
        assert refresh(http, s, tokens["refresh_token"]).json() == {"error": "invalid_grant"}


def test_concurrent_refresh_only_one_wins(auto, http):
    tokens = login(http, auto)
    results = []

    def go():
        results.append(requests.post(f"{auto.base_url}/connect/token", timeout=5, data={
            "grant_type": "refresh_token", "client_id": CLIENT_ID,
            "refresh_token": tokens["refresh_token"]}).status_code)

    threads = [threading.Thread(target=go) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200] + [400] * 7
    assert auto.refresh_count == 1


# --------------------------------------------------------------------------- API
def test_connections_shape(auto, http):
    auto.tenants = [{"tenantName": "Demo Company (NZ)", "tenantType": "ORGANISATION"},
                    {"tenantName": "Second Org", "tenantType": "ORGANISATION"}]
    tokens = login(http, auto)
    r = connections(http, auto, tokens)
    assert r.status_code == 200
    conns = r.json()
    assert [c["tenantName"] for c in conns] == ["Demo Company (NZ)", "Second Org"]
    uuid_re = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    date_re = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}"
    for c in conns:
        assert list(c) == ["id", "authEventId", "tenantId", "tenantType", "tenantName", "createdDateUtc",
                           "updatedDateUtc"]
        for k in ("id", "authEventId", "tenantId"):
            assert re.fullmatch(uuid_re, c[k])
        assert c["tenantType"] == "ORGANISATION"
        assert re.fullmatch(date_re, c["createdDateUtc"])  # no zone, 7 fractional digits
        assert re.fullmatch(date_re, c["updatedDateUtc"])
    assert len({c["authEventId"] for c in conns}) == 1
    assert jwt_payload(tokens["access_token"])["authentication_event_id"] == conns[0]["authEventId"]
    # tenant ids stable across authorisations, connection ids are new
    again = connections(http, auto, login(http, auto)).json()
    assert [c["tenantId"] for c in again] == [c["tenantId"] for c in conns]
    assert {c["id"] for c in again}.isdisjoint({c["id"] for c in conns})


def test_default_tenant(auto, http):
    conns = connections(http, auto, login(http, auto)).json()
    assert [c["tenantName"] for c in conns] == ["Demo Company (NZ)"]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer garbage"}, {"Authorization": "Basic eDp5"}])
def test_connections_401_without_valid_token(auto, http, headers):
    r = http.get(f"{auto.base_url}/connections", headers=headers, timeout=5)
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    body = r.json()
    assert body["Type"] is None and body["Title"] == "Unauthorized" and body["Status"] == 401


def test_401_after_expire_access_tokens(auto, http):
    tokens = login(http, auto)
    assert connections(http, auto, tokens).status_code == 200
    auto.expire_access_tokens()
    r = connections(http, auto, tokens)
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert r.json()["Detail"].startswith("TokenExpired: token expired at ")
    # a refreshed token works again
    new = refresh(http, auto, tokens["refresh_token"]).json()
    assert connections(http, auto, new).status_code == 200


def test_access_token_natural_expiry(auto, http):
    tokens = login(http, auto)
    auto.advance_time(1799)
    assert connections(http, auto, tokens).status_code == 200
    auto.advance_time(2)
    assert connections(http, auto, tokens).status_code == 401


def test_delete_connection(auto, http):
    auto.tenants = [{"tenantName": "A Ltd", "tenantType": "ORGANISATION"},
                    {"tenantName": "B Ltd", "tenantType": "ORGANISATION"}]
    tokens = login(http, auto)
    conns = connections(http, auto, tokens).json()
    r = http.delete(f"{auto.base_url}/connections/{conns[0]['id']}", headers=bearer(tokens), timeout=5)
    assert r.status_code == 204 and r.content == b""
    assert [c["tenantName"] for c in connections(http, auto, tokens).json()] == ["B Ltd"]
    assert organisation(http, auto, tokens, conns[0]["tenantId"]).status_code == 403
    r = http.delete(f"{auto.base_url}/connections/{conns[0]['id']}", headers=bearer(tokens), timeout=5)
    assert r.status_code == 404
    r = http.delete(f"{auto.base_url}/connections/{conns[1]['id']}", timeout=5)
    assert r.status_code == 401


def test_organisation(auto, http):
    tokens = login(http, auto)
    conn = connections(http, auto, tokens).json()[0]
    r = organisation(http, auto, tokens, conn["tenantId"])
    assert r.status_code == 200
    org = r.json()["Organisations"][0]
    assert org["OrganisationID"] == conn["tenantId"] and org["Name"] == "Demo Company (NZ)"
    assert (org["OrganisationType"], org["CountryCode"], org["BaseCurrency"]) == ("COMPANY", "NZ", "NZD")


@pytest.mark.parametrize("tenant_id", [None, "", "00000000-0000-0000-0000-000000000000"])
def test_organisation_403_for_unknown_tenant(auto, http, tenant_id):
    tokens = login(http, auto)
    r = organisation(http, auto, tokens, tenant_id)
    assert r.status_code == 403
    assert r.json()["Detail"] == "AuthenticationUnsuccessful"
    assert r.json()["Title"] == "Forbidden" and r.json()["Status"] == 403 and r.json()["Type"] is None


def test_remove_tenant(auto, http):
    tokens = login(http, auto)
    tenant_id = connections(http, auto, tokens).json()[0]["tenantId"]
    auto.remove_tenant("Demo Company (NZ)")
    assert connections(http, auto, tokens).json() == []
    assert organisation(http, auto, tokens, tenant_id).status_code == 403


# --------------------------------------------------------------------------- revocation
def test_revocation(auto, http):
    tokens = login(http, auto)
    r = http.post(f"{auto.base_url}/connect/revocation", timeout=5,
                  data={"token": tokens["refresh_token"], "client_id": CLIENT_ID})
    assert r.status_code == 200
    assert connections(http, auto, tokens).status_code == 401
    assert refresh(http, auto, tokens["refresh_token"]).json() == {"error": "invalid_grant"}


def test_revocation_of_rotated_grant_kills_all_access_tokens(auto, http):
    first = login(http, auto)
    second = refresh(http, auto, first["refresh_token"]).json()
    other = login(http, auto)  # a separate grant is not affected
    http.post(f"{auto.base_url}/connect/revocation", timeout=5,
              data={"token": second["refresh_token"], "client_id": CLIENT_ID})
    assert connections(http, auto, first).status_code == 401
    assert connections(http, auto, second).status_code == 401
    assert connections(http, auto, other).status_code == 200


def test_revoke_all(auto, http):
    tokens = login(http, auto)
    auto.revoke_all()
    assert connections(http, auto, tokens).status_code == 401
    assert refresh(http, auto, tokens["refresh_token"]).json() == {"error": "invalid_grant"}


# --------------------------------------------------------------------------- fault injection
def test_fail_next_429_with_retry_after(auto, http):
    tokens = login(http, auto)
    auto.fail_next("/connections", 429, times=2, retry_after=7)
    for _ in range(2):
        r = connections(http, auto, tokens)
        assert r.status_code == 429
        assert r.headers["Retry-After"] == "7"
        assert r.json()["Status"] == 429
    assert connections(http, auto, tokens).status_code == 200


def test_fail_next_token_endpoint(auto, http):
    tokens = login(http, auto)
    auto.fail_next("/connect/token", 503, body="upstream down")
    r = refresh(http, auto, tokens["refresh_token"])
    assert r.status_code == 503 and r.text == "upstream down"
    assert auto.refresh_count == 0
    assert len([t for t in auto.token_requests if t.get("grant_type") == "refresh_token"]) == 1
    assert refresh(http, auto, tokens["refresh_token"]).status_code == 200  # not consumed by the failure


def test_fail_next_delay_for_timeouts(auto, http):
    auto.fail_next("/connect/token", 500, delay=1.0)
    t0 = time.monotonic()
    with pytest.raises(requests.Timeout):
        http.post(f"{auto.base_url}/connect/token", data={"grant_type": "x"}, timeout=0.2)
    assert time.monotonic() - t0 < 1.0
    time.sleep(1.0)  # the delayed handler finishes writing to a closed socket without noise
    assert token(http, auto, {"grant_type": "x", "client_id": CLIENT_ID}).json() == {
        "error": "unsupported_grant_type"}


def test_fail_next_401_on_api(auto, http):
    tokens = login(http, auto)
    auto.fail_next("/connections", 401)
    r = connections(http, auto, tokens)
    assert r.status_code == 401 and r.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert connections(http, auto, tokens).status_code == 200


# --------------------------------------------------------------------------- command line
def test_command_line(tmp_path):
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "xero_standin.py")
    proc = subprocess.Popen([sys.executable, script, "--port", "0", "--auto-consent", "--client-id", CLIENT_ID,
                             "--redirect-uri", REDIRECT], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        lines = [proc.stdout.readline() for _ in range(4)]
        base = re.search(r"http://127\.0\.0\.1:\d+", lines[0]).group(0)
        assert f"XCONN_XERO_LOGIN={base}\n" in lines
        verifier, challenge = pkce_pair()
        r = requests.get(f"{base}/identity/connect/authorize", allow_redirects=False, timeout=5, params={
            "response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT, "scope": SCOPES,
            "state": "s", "code_challenge": challenge, "code_challenge_method": "S256"})
        code = parse_qs(urlsplit(r.headers["Location"]).query)["code"][0]
        r = requests.post(f"{base}/connect/token", timeout=5, data={
            "grant_type": "authorization_code", "client_id": CLIENT_ID, "code": code, "redirect_uri": REDIRECT,
            "code_verifier": verifier})
        assert r.status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=5)
    assert proc.stderr.read() == ""


def test_pkce_pair_is_s256():
    verifier, challenge = pkce_pair()
    assert 43 <= len(verifier) <= 128
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert digest == challenge
