"""Tests of the local Xero stand-in itself (tests/xero_standin.py).

Each group names the Xero behaviour it pins down; docs/XERO.md has the sources.
"""

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
import urllib.request
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from xero_standin import XeroStandIn, pkce_pair

CLIENT_ID = "6F1E2A9C3B8D4E7F9A0B1C2D3E4F5A6B"
OTHER_CLIENT = "A1B2C3D4E5F60718293A4B5C6D7E8F90"
OLD_CLIENT = "0123456789ABCDEF0123456789ABCDEF"
REDIRECT = "http://localhost:53682/callback"
SCOPES = "openid profile email offline_access accounting.invoices accounting.settings"
UUID_RE = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


# --------------------------------------------------------------------------- fixtures
@pytest.fixture
def xero():
    with XeroStandIn() as s:
        s.register_app(CLIENT_ID, [REDIRECT])
        s.register_app(OTHER_CLIENT, [REDIRECT], name="Other App")
        s.register_app(OLD_CLIENT, [REDIRECT], name="Old App", created="2024-05-01")
        yield s


@pytest.fixture
def auto(xero):
    xero.auto_consent = True
    return xero


@pytest.fixture
def http():
    with requests.Session() as s:
        yield s


def authorize_params(
    *, scope=SCOPES, client_id=CLIENT_ID, redirect_uri=REDIRECT, state="st-123", challenge=None, method="S256"
):
    if challenge is None:
        challenge = pkce_pair()[1]
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": method,
    }
    return {k: v for k, v in params.items() if v is not None}


def authorize(http, xero, **kw):
    """One GET of the authorize URL, no redirects followed (the app's check before the browser)."""
    return http.get(
        f"{xero.base_url}/identity/connect/authorize", params=authorize_params(**kw), allow_redirects=False, timeout=5
    )


def browse(http, xero, url):
    """Follow Xero's own redirects like a browser (keeping cookies); stop at the first answer that is not a
    redirect inside the stand-in, or at a redirect out of it (to the app)."""
    r = http.get(url, allow_redirects=False, timeout=5)
    for _ in range(6):
        if r.status_code != 302:
            return r
        loc = r.headers["Location"]
        if loc.startswith("/"):
            loc = xero.base_url + loc
        if not loc.startswith(xero.base_url):
            return r
        r = http.get(loc, allow_redirects=False, timeout=5)
    raise AssertionError("redirect loop")


def authorize_url(xero, **kw):
    return (
        requests.Request("GET", f"{xero.base_url}/identity/connect/authorize", params=authorize_params(**kw))
        .prepare()
        .url
    )


def sign_in(http, xero, **kw):
    """The browser's whole trip through Xero; returns the final response (302 to the app with auto consent)."""
    return browse(http, xero, authorize_url(xero, **kw))


def redirect_params(resp) -> dict:
    assert resp.status_code == 302, resp.text
    loc = resp.headers["Location"]
    assert loc.startswith(REDIRECT + "?"), loc
    return {k: v[0] for k, v in parse_qs(urlsplit(loc).query).items()}


def get_code(http, xero, *, scope=SCOPES, client_id=CLIENT_ID) -> tuple[str, str]:
    """Authorise with auto consent; returns (code, verifier)."""
    verifier, challenge = pkce_pair()
    params = redirect_params(sign_in(http, xero, scope=scope, client_id=client_id, challenge=challenge))
    assert params["state"] == "st-123"
    return params["code"], verifier


def token(http, xero, data: dict, **kw):
    return http.post(f"{xero.base_url}/connect/token", data=data, timeout=5, **kw)


def exchange(http, xero, code, verifier, *, client_id=CLIENT_ID, redirect_uri=REDIRECT, **kw):
    return token(
        http,
        xero,
        {
            "grant_type": "authorization_code",
            "client_id": client_id,
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        },
        **kw,
    )


def refresh(http, xero, rt, *, client_id=CLIENT_ID):
    return token(http, xero, {"grant_type": "refresh_token", "client_id": client_id, "refresh_token": rt})


def login(http, xero, *, scope=SCOPES, client_id=CLIENT_ID) -> dict:
    code, verifier = get_code(http, xero, scope=scope, client_id=client_id)
    r = exchange(http, xero, code, verifier, client_id=client_id)
    assert r.status_code == 200, r.text
    return r.json()


def bearer(tokens_or_access) -> dict:
    access = tokens_or_access if isinstance(tokens_or_access, str) else tokens_or_access["access_token"]
    return {"Authorization": f"Bearer {access}"}


def connections(http, xero, tokens, **params):
    return http.get(f"{xero.base_url}/connections", headers=bearer(tokens), params=params, timeout=5)


def api(http, xero, tokens, tenant_id, what="Organisation", method="GET", **kw):
    headers = bearer(tokens)
    if tenant_id is not None:
        headers["xero-tenant-id"] = tenant_id
    return http.request(method, f"{xero.base_url}/api.xro/2.0/{what}", headers=headers, timeout=5, **kw)


def organisation(http, xero, tokens, tenant_id):
    return api(http, xero, tokens, tenant_id)


def assert_well_formed(page: str) -> ET.Element:
    return ET.fromstring(page.split("\n", 1)[1] if page.startswith("<!DOCTYPE") else page)


def jwt_payload(tok: str) -> dict:
    part = tok.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def orgs(*names):
    return [{"tenantName": n, "tenantType": "ORGANISATION"} for n in names]


# --------------------------------------------------------------------------- server basics
def test_lifecycle_env_and_discovery(xero, http):
    assert re.fullmatch(r"https://127\.0\.0\.1:\d+", xero.base_url)  # Xero is https only
    assert xero.env() == {
        "XCONN_XERO_LOGIN": xero.base_url,
        "XCONN_XERO_IDENTITY": xero.base_url,
        "XCONN_XERO_API": xero.base_url,
    }
    r = http.get(f"{xero.base_url}/.well-known/openid-configuration", timeout=5)
    assert r.status_code == 200
    assert "Date" in r.headers and re.fullmatch(UUID_RE, r.headers["Xero-Correlation-Id"])
    d = r.json()
    assert d["issuer"] == xero.base_url
    assert d["authorization_endpoint"] == f"{xero.base_url}/identity/connect/authorize"
    assert d["token_endpoint"] == f"{xero.base_url}/connect/token"
    assert d["revocation_endpoint"] == f"{xero.base_url}/connect/revocation"
    assert "accounting.invoices" in d["scopes_supported"] and "paymentservices" not in d["scopes_supported"]
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
    assert http.get(f"{xero.base_url}/api.xro/2.0/Nope", timeout=5).status_code == 404
    assert http.get(f"{xero.base_url}/connect/token", timeout=5).status_code == 405


def test_register_app_rejects_an_unknown_tier(xero):
    with pytest.raises(ValueError):
        xero.register_app("X", [REDIRECT], tier="gold")


# --------------------------------------------------------------------------- authorize: refused requests
def error_page(http, xero, resp) -> str:
    """A refused authorize request: a 302 to Xero's own error page (never to the app); returns the page text."""
    assert resp.status_code == 302, resp.text
    loc = resp.headers["Location"]
    assert loc.startswith("/identity/error?errorId=CfDJ8"), loc
    assert "code=" not in loc and "state=" not in loc and REDIRECT not in unquote(loc)
    page = http.get(xero.base_url + loc, timeout=5)
    assert page.status_code == 500 and page.headers["Content-Type"].startswith("text/html")
    assert_well_formed(page.text)
    for line in (
        "Sorry, something went wrong",
        "Go back and try again.",
        "If the issue continues, check out our Status Page.",
        "Error code: 500",
    ):
        assert line in page.text
    return page.text


REFUSALS = [
    ({"client_id": "nobody"}, "Error: unauthorized_client : Unknown client or client not enabled"),
    ({"client_id": ""}, "Error: invalid_request : Invalid client_id"),
    ({"redirect_uri": "http://localhost:53682/callback/"}, "Error: unauthorized_client : Invalid redirect_uri"),
    ({"redirect_uri": "http://127.0.0.1:53682/callback"}, "Error: unauthorized_client : Invalid redirect_uri"),
    ({"redirect_uri": "http://localhost:53683/callback"}, "Error: unauthorized_client : Invalid redirect_uri"),
    ({"redirect_uri": "https://localhost:53682/callback"}, "Error: unauthorized_client : Invalid redirect_uri"),
    ({"redirect_uri": "http://LOCALHOST:53682/callback"}, "Error: unauthorized_client : Invalid redirect_uri"),
    ({"redirect_uri": "http://localhost:53682/Callback"}, "Error: unauthorized_client : Invalid redirect_uri"),
    ({"redirect_uri": ""}, "Error: invalid_request : Invalid redirect_uri"),
    ({"challenge": ""}, "Error: invalid_request : code challenge required"),
    ({"challenge": "x" * 42}, "Error: invalid_request : Invalid code_challenge"),
    ({"method": "plain"}, "Error: invalid_request : Transform algorithm not supported"),
    ({"method": None}, "Error: invalid_request : Transform algorithm not supported"),
    ({"scope": ""}, "Error: invalid_request : Invalid scope"),
    ({"scope": "openid accounting.everything"}, "Error: invalid_scope : Invalid scope"),
    (
        {"scope": "offline_access accounting.invoices profile"},
        "Error: invalid_scope : Identity scopes requested, but openid scope is missing",
    ),
    (
        {"scope": "openid offline_access accounting.transactions"},
        "Error: unauthorized_client : Invalid scope for client",
    ),
    ({"scope": "offline_access accounting.reports.read"}, "Error: unauthorized_client : Invalid scope for client"),
    ({"scope": "offline_access paymentservices"}, "Error: unauthorized_client : Invalid scope for client"),
]


@pytest.mark.parametrize("change,text", REFUSALS)
def test_refused_authorize_is_xeros_own_page_never_a_redirect_to_the_app(auto, http, change, text):
    r = authorize(http, auto, **change)
    page = error_page(http, auto, r)
    assert text in page


def test_refusal_also_when_signed_in_and_the_error_page_can_be_fetched_again(auto, http):
    login(http, auto)  # the session now carries Xero's login cookie
    r = authorize(http, auto, redirect_uri=REDIRECT + "/")
    assert "unauthorized_client : Invalid redirect_uri" in error_page(http, auto, r)
    again = requests.get(auto.base_url + r.headers["Location"], timeout=5)  # no cookies: the id is enough
    assert "unauthorized_client : Invalid redirect_uri" in again.text
    unknown = http.get(f"{auto.base_url}/identity/error?errorId=CfDJ8nothing", timeout=5)
    assert unknown.status_code == 500 and "Error code: 500" in unknown.text and "Error:" not in unknown.text


def test_wrong_response_type(auto, http):
    r = http.get(
        f"{auto.base_url}/identity/connect/authorize",
        params={**authorize_params(), "response_type": "token"},
        allow_redirects=False,
        timeout=5,
    )
    assert "unsupported_response_type : Response type not supported" in error_page(http, auto, r)


def test_granular_scopes_for_new_apps_and_broad_or_granular_for_old_apps(auto, http):
    granular = (
        "openid profile email offline_access accounting.invoices.read accounting.payments "
        "accounting.banktransactions.read accounting.manualjournals accounting.classicexpenses.read "
        "accounting.reports.profitandloss.read accounting.reports.aged.read accounting.reports.taxreports.read "
        "accounting.contacts accounting.settings.read accounting.attachments"
    )
    assert authorize(http, auto, scope=granular).headers["Location"].startswith("/identity/user/login?")
    for scope in (
        granular,
        "openid offline_access accounting.transactions accounting.reports.read",
        "offline_access accounting.transactions.read accounting.invoices",
    ):
        r = authorize(requests, auto, scope=scope, client_id=OLD_CLIENT)
        assert r.headers["Location"].startswith("/identity/user/login?"), (scope, r.headers["Location"])
    tokens = login(http, auto, scope="offline_access accounting.transactions", client_id=OLD_CLIENT)
    assert tokens["scope"] == "offline_access accounting.transactions"


# --------------------------------------------------------------------------- authorize: sign-in and consent
def test_good_request_without_cookies_redirects_to_the_login_page(auto):
    for client in (requests, urllib.request):  # no cookie jar either way; no redirects followed
        if client is requests:
            r = authorize(requests, auto)
            status, loc = r.status_code, r.headers["Location"]
        else:

            class NoRedirect(urllib.request.HTTPRedirectHandler):
                def redirect_request(self, *a, **k):
                    return None

            with pytest.raises(urllib.error.HTTPError) as e:
                urllib.request.build_opener(NoRedirect).open(authorize_url(auto), timeout=5)
            status, loc = e.value.code, e.value.headers["Location"]
        assert status == 302
        assert loc.startswith("/identity/user/login?ReturnUrl=%2Fidentity%2Fconnect%2Fauthorize%2Fcallback%3F")
        return_url = parse_qs(urlsplit(loc).query)["ReturnUrl"][0]
        assert return_url.startswith("/identity/connect/authorize/callback?response_type=code&client_id=")
    assert auto.issued_secrets() == set()  # the check costs nothing: no code, no connection


def test_auto_login_sets_a_cookie_and_auto_consent_redirects_with_code_scope_state_session_state(auto, http):
    r = authorize(http, auto)
    r = http.get(auto.base_url + r.headers["Location"], allow_redirects=False, timeout=5)
    assert r.status_code == 302 and "XeroStandInSession=" in r.headers["Set-Cookie"]
    assert r.headers["Location"].startswith("/identity/connect/authorize/callback?")
    r = http.get(auto.base_url + r.headers["Location"], allow_redirects=False, timeout=5)
    loc = r.headers["Location"]
    shape = r"\?code=[0-9a-f]{64}&scope=[^&]+&state=st-123&session_state=[\w-]+\.[0-9a-f]+$"
    assert re.match(re.escape(REDIRECT) + shape, loc), loc
    params = redirect_params(r)
    assert params["scope"] == SCOPES and params["code"] in auto.issued_secrets()
    # signed in now: the next authorize goes straight to consent (here: back to the app)
    assert redirect_params(authorize(http, auto))["state"] == "st-123"


def test_no_session_state_without_openid(auto, http):
    params = redirect_params(sign_in(http, auto, scope="offline_access accounting.invoices"))
    assert "session_state" not in params and params["scope"] == "offline_access accounting.invoices"


def test_a_browser_following_redirects_with_a_per_call_cookie_jar_reaches_the_app(auto, http):
    landing = f"{auto.base_url}/app/callback"  # the "app" is a 404 page of the stand-in here
    auto.register_app(CLIENT_ID, [REDIRECT, landing])
    r = requests.get(authorize_url(auto, redirect_uri=landing), timeout=5)
    assert r.url.startswith(landing + "?code=") and [h.status_code for h in r.history] == [302, 302, 302]


def test_a_client_without_cookies_gets_through_right_after_the_automatic_login(auto):
    # A stand-in convenience for urllib.urlopen (bench/authorize.py): the ReturnUrl is a one-time ticket.
    landing = f"{auto.base_url}/app/callback"
    auto.register_app(CLIENT_ID, [REDIRECT, landing])
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(authorize_url(auto, redirect_uri=landing), timeout=5)
    assert e.value.code == 404 and e.value.url.startswith(landing + "?code=")


def test_callback_without_session_goes_back_to_login(auto, http):
    query = urlsplit(authorize_url(auto)).query
    r = http.get(f"{auto.base_url}/identity/connect/authorize/callback?{query}", allow_redirects=False, timeout=5)
    assert r.status_code == 302 and r.headers["Location"].startswith("/identity/user/login?ReturnUrl=")


def test_login_page_when_not_automatic(xero, http):
    xero.auto_login = False
    r = authorize(http, xero)
    page = http.get(xero.base_url + r.headers["Location"], timeout=5)
    assert page.status_code == 200 and "Log in to Xero" in page.text
    form = assert_well_formed(page.text).find(".//form")
    data = {i.get("name"): i.get("value") for i in form.findall("input")}
    data.update(email="demo.user@example.com", password="anything")
    r = http.post(form.get("action"), data=data, allow_redirects=False, timeout=5)
    assert r.status_code == 302 and r.headers["Location"].startswith("/identity/connect/authorize/callback?")
    consent = http.get(xero.base_url + r.headers["Location"], timeout=5)
    assert consent.status_code == 200 and 'id="allow"' in consent.text
    bad = http.post(form.get("action"), data={**data, "email": "nobody@example.com"}, allow_redirects=False)
    assert bad.status_code == 400
    evil = http.get(f"{xero.base_url}/identity/user/login?ReturnUrl=https://evil.example/", timeout=5)
    assert evil.status_code == 400


def test_auto_deny_consent(auto, http):
    auto.deny_consent = True
    assert redirect_params(sign_in(http, auto)) == {"error": "access_denied", "state": "st-123"}


def consent_page(http, xero, **kw):
    verifier, challenge = pkce_pair()
    r = sign_in(http, xero, challenge=challenge, **kw)
    assert r.status_code == 200, r.text
    return r, verifier


def submit_consent(http, page: str, decision: str, tenants=None):
    root = assert_well_formed(page)
    form = root.find(".//form")
    data = {i.get("name"): i.get("value") for i in form.findall(".//input") if i.get("type") == "hidden"}
    if tenants is None:  # what the browser sends by default: the pre-selected option / checked boxes
        tenants = [o.get("value") for o in form.findall(".//option") if o.get("selected")] + [
            i.get("value") for i in form.findall(".//input") if i.get("type") == "checkbox" and i.get("checked")
        ]
    data["decision"] = decision
    data["tenant"] = tenants
    return http.post(form.get("action"), data=data, allow_redirects=False, timeout=5)


def test_consent_page_offers_one_organisation_without_bulk_connections(xero, http):
    xero.tenants = orgs("Demo Company (NZ)", "Bob & Sons <Ltd>")
    r, _ = consent_page(http, xero)
    page = r.text
    root = assert_well_formed(page)
    assert "<title>Xero | Authorise</title>" in page
    assert '<button type="submit" name="decision" value="allow" id="allow">Allow access</button>' in page
    assert 'value="deny" id="deny">Cancel</button>' in page
    assert "PSIcapture" in page and "demo.user@example.com" in page
    assert "Bob &amp; Sons &lt;Ltd&gt;" in page
    select = root.find(".//select[@name='tenant']")
    assert [o.text for o in select.findall("option")] == ["Demo Company (NZ)", "Bob & Sons <Ltd>"]
    form = root.find(".//form")
    assert form.get("method") == "post" and form.get("action") == f"{xero.base_url}/identity/connect/consent"
    # two organisations in one sign-in need Bulk Connections: refused, the request stays usable
    assert submit_consent(http, page, "allow", ["Demo Company (NZ)", "Bob & Sons <Ltd>"]).status_code == 400
    assert submit_consent(http, page, "allow", ["Someone Else Ltd"]).status_code == 400
    assert submit_consent(http, page, "allow", []).status_code == 400
    params = redirect_params(submit_consent(http, page, "allow", ["Bob & Sons <Ltd>"]))
    assert "code" in params


def test_consent_page_offers_every_organisation_with_bulk_connections(xero, http):
    xero.register_app(CLIENT_ID, [REDIRECT], tier="advanced")
    xero.tenants = orgs("A Ltd", "B Ltd")
    r, verifier = consent_page(http, xero)
    boxes = assert_well_formed(r.text).findall(".//input[@type='checkbox']")
    assert [(b.get("value"), b.get("checked")) for b in boxes] == [("A Ltd", "checked"), ("B Ltd", "checked")]
    params = redirect_params(submit_consent(http, r.text, "allow"))
    tokens = exchange(http, xero, params["code"], verifier).json()
    assert [c["tenantName"] for c in connections(http, xero, tokens).json()] == ["A Ltd", "B Ltd"]
    again, _ = consent_page(http, xero)
    assert "A Ltd (already connected)" in again.text


def test_consent_allow_then_exchange_and_deny(xero, http):
    r, verifier = consent_page(http, xero)
    params = redirect_params(submit_consent(http, r.text, "allow"))
    assert params["state"] == "st-123" and "code" in params
    assert exchange(http, xero, params["code"], verifier).status_code == 200
    assert submit_consent(http, r.text, "allow").status_code == 400  # the pending request is single use
    r, _ = consent_page(http, xero)
    assert redirect_params(submit_consent(http, r.text, "deny")) == {"error": "access_denied", "state": "st-123"}


def test_user_without_organisations_can_still_consent(auto, http):
    auto.tenants = []
    tokens = login(http, auto)
    assert connections(http, auto, tokens).json() == []


# --------------------------------------------------------------------------- tiers
def test_starter_connects_one_organisation_per_sign_in(auto, http):
    auto.tenants = orgs("Alpha Ltd", "Beta Ltd")
    first = login(http, auto)
    assert [c["tenantName"] for c in connections(http, auto, first).json()] == ["Alpha Ltd"]
    auto.consent_tenants = ["Beta Ltd"]
    second = login(http, auto)
    # all organisations of this user and app, from every sign-in, with either token
    for tokens in (first, second):
        assert [c["tenantName"] for c in connections(http, auto, tokens).json()] == ["Alpha Ltd", "Beta Ltd"]


def test_advanced_connects_every_organisation_in_one_sign_in(auto, http):
    auto.register_app(CLIENT_ID, [REDIRECT], tier="advanced")
    auto.tenants = orgs("Alpha Ltd", "Beta Ltd")
    conns = connections(http, auto, login(http, auto)).json()
    assert [c["tenantName"] for c in conns] == ["Alpha Ltd", "Beta Ltd"]
    assert len({c["authEventId"] for c in conns}) == 1


@pytest.mark.parametrize("tier,cap", [("starter", 5), ("core", 50)])
def test_connection_cap_is_xeros_page_and_no_redirect(auto, http, tier, cap):
    auto.register_app(CLIENT_ID, [REDIRECT], tier=tier)
    names = [f"Org {i}" for i in range(cap + 1)]
    auto.tenants = orgs("Demo Company (NZ)", *names)
    for name in ["Demo Company (NZ)", *names[:cap]]:  # demo companies do not count
        auto.consent_tenants = [name]
        login(http, auto)
    auto.consent_tenants = [names[cap]]
    page = sign_in(http, auto)  # Xero's own page; the browser never comes back to the app
    assert page.status_code == 200 and urlsplit(page.url).path == "/connectionLimit"
    assert (
        "Sorry! PSIcapture has reached their Xero connection limit, please let them know so they can connect "
        "more Xero organisations."
    ) in page.text
    # an organisation already connected can still be consented to again; another app is not affected
    auto.consent_tenants = [names[0]]
    assert "code" in redirect_params(sign_in(http, auto))
    auto.consent_tenants = [names[cap]]
    assert "code" in redirect_params(sign_in(http, auto, client_id=OTHER_CLIENT))


def test_connection_cap_counts_organisations_of_every_user(auto, http):
    auto.tenants = orgs(*(f"Org {i}" for i in range(5)))
    for i in range(5):
        auto.consent_tenants = [f"Org {i}"]
        login(http, auto)
    other = auto.add_user("second@example.com", "Second", "User", tenants=orgs("Org 0", "Org 9"))
    auto.sign_in_as(other)
    auto.consent_tenants = None
    with requests.Session() as browser:  # another person's browser
        assert "code" in redirect_params(sign_in(browser, auto))  # Org 0: already counted
        auto.consent_tenants = ["Org 9"]
        assert urlsplit(sign_in(browser, auto).url).path == "/connectionLimit"


# --------------------------------------------------------------------------- code exchange
def test_full_pkce_flow(auto, http):
    code, verifier = get_code(http, auto)
    r = exchange(http, auto, code, verifier)
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "no-store" and r.headers["Pragma"] == "no-cache"
    body = r.json()
    assert list(body) == ["id_token", "access_token", "expires_in", "token_type", "refresh_token", "scope"]
    assert body["token_type"] == "Bearer" and body["expires_in"] == 1800
    assert re.fullmatch(r"[0-9a-f]{64}", body["refresh_token"])
    assert body["scope"].split() == SCOPES.split()
    assert len(body["access_token"]) >= 1300
    assert re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+", body["access_token"])
    claims = jwt_payload(body["access_token"])
    for claim in (
        "xero_userid",
        "global_session_id",
        "jti",
        "authentication_event_id",
        "scope",
        "nbf",
        "exp",
        "iss",
        "aud",
        "client_id",
        "sub",
        "auth_time",
    ):
        assert claim in claims
    assert claims["client_id"] == CLIENT_ID and claims["exp"] - claims["nbf"] == 1800
    assert claims["scope"] == SCOPES.split() and claims["xero_userid"] == auto.user_id
    ident = jwt_payload(body["id_token"])
    assert ident["aud"] == CLIENT_ID and ident["exp"] - ident["iat"] == 300
    assert (ident["name"], ident["given_name"], ident["family_name"], ident["email"]) == (
        "Demo User",
        "Demo",
        "User",
        "demo.user@example.com",
    )
    assert auto.token_requests[-1] == {
        "grant_type": "authorization_code",
        "client_id": CLIENT_ID,
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
    }
    secrets_ = auto.issued_secrets()
    for s in (code, verifier, body["access_token"], body["refresh_token"], body["id_token"]):
        assert s in secrets_
    assert auto.basic_auth_seen == 0
    assert auto.refresh_count == 0


def test_id_token_claims_follow_the_granted_scopes(auto, http):
    ident = jwt_payload(login(http, auto, scope="openid email offline_access")["id_token"])
    assert ident["email"] == "demo.user@example.com" and "given_name" not in ident and "name" not in ident
    ident = jwt_payload(login(http, auto, scope="openid profile offline_access", client_id=OTHER_CLIENT)["id_token"])
    assert "email" not in ident and ident["given_name"] == "Demo"


def test_minimal_token_length(auto, http):
    body = login(http, auto, scope="offline_access")
    assert len(body["access_token"]) >= 1300
    assert "id_token" not in body  # no openid scope, no id_token


def test_no_refresh_token_without_offline_access(auto, http):
    body = login(http, auto, scope="openid accounting.settings.read")
    assert "refresh_token" not in body and body["scope"] == "openid accounting.settings.read"


def test_wrong_verifier_invalid_grant_and_burns_code(auto, http):
    code, verifier = get_code(http, auto)
    other_verifier, _ = pkce_pair()
    r = exchange(http, auto, code, other_verifier)
    assert r.status_code == 400 and r.json() == {"error": "invalid_grant"}
    assert exchange(http, auto, code, verifier).json() == {"error": "invalid_grant"}
    assert other_verifier in auto.issued_secrets()


@pytest.mark.parametrize(
    "change",
    [
        {"redirect_uri": REDIRECT + "/"},
        {"code_verifier": "short"},
        {"code_verifier": ""},
        {"code": "0" * 64},
        {"client_id": OTHER_CLIENT},
    ],
)
def test_exchange_mismatches_invalid_grant(auto, http, change):
    code, verifier = get_code(http, auto)
    data = {
        "grant_type": "authorization_code",
        "client_id": CLIENT_ID,
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
        **change,
    }
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
    r = token(http, auto, base)  # no client id at all
    assert r.status_code == 400 and r.json() == {"error": "invalid_client"}
    r = token(http, auto, {**base, "client_id": CLIENT_ID}, auth=(CLIENT_ID, "s3cret"))  # PKCE apps have no secret
    assert r.status_code == 400 and r.json() == {"error": "invalid_client"}
    r = token(http, auto, {**base, "client_id": "nobody"})
    assert r.json() == {"error": "invalid_client"}
    assert auto.basic_auth_seen == 0
    r = token(http, auto, base, auth=(CLIENT_ID, ""))  # Basic with empty password is tolerated but counted
    assert r.status_code == 200, r.text
    assert auto.basic_auth_seen == 1


def test_token_endpoint_requires_form_body(auto, http):
    code, verifier = get_code(http, auto)
    r = http.post(
        f"{auto.base_url}/connect/token",
        json={
            "grant_type": "authorization_code",
            "code": code,
            "client_id": CLIENT_ID,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        },
        timeout=5,
    )
    assert r.status_code == 400 and r.json() == {"error": "invalid_request"}


def test_unsupported_grant_type(auto, http):
    r = token(http, auto, {"grant_type": "client_credentials", "client_id": CLIENT_ID})
    assert r.status_code == 400 and r.json() == {"error": "unsupported_grant_type"}
    r = token(http, auto, {"client_id": CLIENT_ID})
    assert r.json() == {"error": "unsupported_grant_type"}


def test_scopes_add_up_across_sign_ins_but_a_refresh_keeps_its_own(auto, http):
    first = login(http, auto, scope="openid offline_access accounting.invoices accounting.contacts")
    second = login(http, auto, scope="openid offline_access accounting.settings.read")
    assert set(second["scope"].split()) == {
        "openid",
        "offline_access",
        "accounting.invoices",
        "accounting.contacts",
        "accounting.settings.read",
    }
    renewed = refresh(http, auto, first["refresh_token"]).json()
    assert set(renewed["scope"].split()) == {"openid", "offline_access", "accounting.invoices", "accounting.contacts"}


# --------------------------------------------------------------------------- refresh
def test_refresh_rotation(auto, http):
    auto.refresh_grace_seconds = 0
    first = login(http, auto)
    r = refresh(http, auto, first["refresh_token"])
    assert r.status_code == 200
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert second["expires_in"] == 1800 and second["scope"] == first["scope"]
    assert "id_token" in second and jwt_payload(second["id_token"])["email"] == "demo.user@example.com"
    # the sign-in that made the grant stays in the renewed access token
    assert (
        jwt_payload(second["access_token"])["authentication_event_id"]
        == jwt_payload(first["access_token"])["authentication_event_id"]
    )
    assert auto.refresh_count == 1
    r = refresh(http, auto, first["refresh_token"])  # rotated token is dead
    assert r.status_code == 400 and r.json() == {"error": "invalid_grant"}
    assert auto.refresh_count == 1
    third = refresh(http, auto, second["refresh_token"]).json()  # the new one works, and rotates again
    assert third["refresh_token"] not in (first["refresh_token"], second["refresh_token"])
    assert auto.refresh_count == 2
    assert auto.token_requests[-1] == {
        "grant_type": "refresh_token",
        "client_id": CLIENT_ID,
        "refresh_token": second["refresh_token"],
    }
    assert connections(http, auto, third).status_code == 200


def test_refresh_without_openid_has_no_id_token(auto, http):
    first = login(http, auto, scope="offline_access accounting.invoices")
    assert "id_token" not in refresh(http, auto, first["refresh_token"]).json()


def test_refresh_errors(auto, http):
    tokens = login(http, auto)
    assert refresh(http, auto, "f" * 64).json() == {"error": "invalid_grant"}
    assert refresh(http, auto, tokens["refresh_token"], client_id=OTHER_CLIENT).json() == {"error": "invalid_grant"}
    r = token(http, auto, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert r.json() == {"error": "invalid_client"}
    r = token(http, auto, {"grant_type": "refresh_token", "client_id": CLIENT_ID})
    assert r.json() == {"error": "invalid_request"}
    assert refresh(http, auto, tokens["refresh_token"]).status_code == 200  # not burnt by the failures
    assert auto.refresh_count == 1


def test_grace_window_is_the_default_and_covers_only_a_lost_answer(auto, http):
    assert auto.refresh_grace_seconds == 1800
    first = login(http, auto)
    second = refresh(http, auto, first["refresh_token"]).json()
    # the answer got "lost": the old token again, within 30 minutes, gives the SAME new set, as often as needed
    auto.advance_time(1790)
    for _ in range(2):
        replay = refresh(http, auto, first["refresh_token"])
        assert replay.status_code == 200 and replay.json() == second
    # once the new token is used, the old one is dead
    third = refresh(http, auto, second["refresh_token"]).json()
    assert refresh(http, auto, first["refresh_token"]).json() == {"error": "invalid_grant"}
    # and outside the window it is dead too
    auto.advance_time(1801)
    assert refresh(http, auto, third["refresh_token"]).status_code == 200
    assert refresh(http, auto, second["refresh_token"]).json() == {"error": "invalid_grant"}


def test_grace_window_ends_after_thirty_minutes(auto, http):
    first = login(http, auto)
    refresh(http, auto, first["refresh_token"])
    auto.advance_time(1801)
    assert refresh(http, auto, first["refresh_token"]).json() == {"error": "invalid_grant"}


def test_strict_without_grace(auto, http):
    auto.refresh_grace_seconds = 0
    first = login(http, auto)
    refresh(http, auto, first["refresh_token"])
    assert refresh(http, auto, first["refresh_token"]).json() == {"error": "invalid_grant"}


def test_expire_refresh_tokens(auto, http):
    tokens = login(http, auto)
    auto.expire_refresh_tokens()
    assert refresh(http, auto, tokens["refresh_token"]).json() == {"error": "invalid_grant"}


def test_refresh_token_expires_after_sixty_days_unused(auto, http):
    tokens = login(http, auto)
    auto.advance_time(59 * 86400)
    renewed = refresh(http, auto, tokens["refresh_token"]).json()  # used: a fresh 60 days
    auto.advance_time(59 * 86400)
    assert refresh(http, auto, renewed["refresh_token"]).status_code == 200
    with XeroStandIn(auto_consent=True, refresh_token_lifetime=100) as s:
        s.register_app(CLIENT_ID, [REDIRECT])
        with requests.Session() as browser:
            tokens = login(browser, s)
        s.advance_time(101)
        assert refresh(http, s, tokens["refresh_token"]).json() == {"error": "invalid_grant"}


@pytest.mark.parametrize("grace", [0, 1800])
def test_concurrent_refresh(auto, http, grace):
    auto.refresh_grace_seconds = grace
    tokens = login(http, auto)
    results = []

    def go():
        r = requests.post(
            f"{auto.base_url}/connect/token",
            timeout=5,
            data={"grant_type": "refresh_token", "client_id": CLIENT_ID, "refresh_token": tokens["refresh_token"]},
        )
        results.append((r.status_code, r.json().get("refresh_token")))

    threads = [threading.Thread(target=go) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if grace:  # within the grace window every caller gets the one new set
        assert [s for s, _ in results] == [200] * 8 and len({rt for _, rt in results}) == 1
    else:
        assert sorted(s for s, _ in results) == [200] + [400] * 7
        assert auto.refresh_count == 1


# --------------------------------------------------------------------------- users, organisations, revocation
def test_connections_shape_and_auth_event(auto, http):
    auto.register_app(CLIENT_ID, [REDIRECT], tier="advanced")
    auto.tenants = orgs("Demo Company (NZ)", "Second Org")
    tokens = login(http, auto)
    r = connections(http, auto, tokens)
    assert r.status_code == 200
    conns = r.json()
    assert [c["tenantName"] for c in conns] == ["Demo Company (NZ)", "Second Org"]
    date_re = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}"
    for c in conns:
        assert list(c) == [
            "id",
            "authEventId",
            "tenantId",
            "tenantType",
            "tenantName",
            "createdDateUtc",
            "updatedDateUtc",
        ]
        for k in ("id", "authEventId", "tenantId"):
            assert re.fullmatch(UUID_RE, c[k])
        assert c["tenantType"] == "ORGANISATION"
        assert re.fullmatch(date_re, c["createdDateUtc"]) and re.fullmatch(date_re, c["updatedDateUtc"])
        assert c["createdDateUtc"] == c["updatedDateUtc"]
    assert len({c["authEventId"] for c in conns}) == 1
    event = jwt_payload(tokens["access_token"])["authentication_event_id"]
    assert event == conns[0]["authEventId"]
    assert connections(http, auto, tokens, authEventId=event).json() == conns
    assert connections(http, auto, tokens, authEventId=event.upper()).json() == conns
    assert connections(http, auto, tokens, authEventId="00000000-0000-0000-0000-000000000000").json() == []
    assert http.get(f"{auto.base_url}/Connections", headers=bearer(tokens), timeout=5).json() == conns


def test_new_organisation_in_a_later_sign_in_gets_that_sign_ins_auth_event(auto, http):
    auto.tenants = orgs("Alpha Ltd", "Beta Ltd")
    first = login(http, auto)
    auto.consent_tenants = ["Beta Ltd"]
    second = login(http, auto)
    event = jwt_payload(second["access_token"])["authentication_event_id"]
    assert [c["tenantName"] for c in connections(http, auto, second, authEventId=event).json()] == ["Beta Ltd"]
    alpha_event = jwt_payload(first["access_token"])["authentication_event_id"]
    assert [c["tenantName"] for c in connections(http, auto, second, authEventId=alpha_event).json()] == ["Alpha Ltd"]


def test_repeated_consent_keeps_the_connection_and_its_auth_event(auto, http):
    first = login(http, auto)
    [before] = connections(http, auto, first).json()
    auto.advance_time(60)
    second = login(http, auto)
    [after] = connections(http, auto, second).json()
    assert (after["id"], after["authEventId"], after["createdDateUtc"]) == (
        before["id"],
        before["authEventId"],
        before["createdDateUtc"],
    )
    assert after["updatedDateUtc"] > before["updatedDateUtc"]
    event = jwt_payload(second["access_token"])["authentication_event_id"]
    assert event != before["authEventId"]
    assert connections(http, auto, second, authEventId=event).json() == []  # nothing new in this sign-in
    auto.reconsent_new_auth_event = True  # the other possibility, for the app's tests
    third = login(http, auto)
    event = jwt_payload(third["access_token"])["authentication_event_id"]
    assert [c["id"] for c in connections(http, auto, third, authEventId=event).json()] == [before["id"]]


def test_connections_are_per_xero_user_and_app(auto, http):
    mine = login(http, auto)
    other_app = login(http, auto, client_id=OTHER_CLIENT)
    user2 = auto.add_user("second@example.com", "Second", "Person", tenants=orgs("Demo Company (NZ)", "Own Ltd"))
    auto.sign_in_as(user2)
    with requests.Session() as browser:
        theirs = login(browser, auto)
    assert jwt_payload(theirs["access_token"])["xero_userid"] == user2
    assert jwt_payload(theirs["id_token"])["email"] == "second@example.com"
    [m] = connections(http, auto, mine).json()
    [o] = connections(http, auto, other_app).json()
    [t] = connections(http, auto, theirs).json()
    assert m["tenantId"] == o["tenantId"] == t["tenantId"]  # the same organisation ...
    assert len({m["id"], o["id"], t["id"]}) == 3  # ... three connections
    with pytest.raises(KeyError):
        auto.sign_in_as("nobody")


def test_delete_connection_disconnects_for_every_token_of_that_user_and_app(auto, http):
    auto.register_app(CLIENT_ID, [REDIRECT], tier="advanced")
    auto.tenants = orgs("A Ltd", "B Ltd")
    one = login(http, auto)
    sibling = login(http, auto)  # e.g. a second xconn connection with the same Client ID and Xero login
    other_app = login(http, auto, client_id=OTHER_CLIENT)
    user2 = auto.add_user("second@example.com", tenants=orgs("A Ltd"))
    auto.sign_in_as(user2)
    with requests.Session() as browser:
        other_user = login(browser, auto)
    conns = connections(http, auto, one).json()
    r = http.delete(f"{auto.base_url}/connections/{conns[0]['id']}", headers=bearer(one), timeout=5)
    assert r.status_code == 204 and r.content == b""
    for tokens in (one, sibling):
        assert [c["tenantName"] for c in connections(http, auto, tokens).json()] == ["B Ltd"]
        assert organisation(http, auto, tokens, conns[0]["tenantId"]).status_code == 403
    assert organisation(http, auto, other_app, conns[0]["tenantId"]).status_code == 200
    assert organisation(http, auto, other_user, conns[0]["tenantId"]).status_code == 200
    r = http.delete(f"{auto.base_url}/connections/{conns[0]['id']}", headers=bearer(one), timeout=5)
    assert r.status_code == 404
    r = http.delete(f"{auto.base_url}/connections/{conns[1]['id']}", timeout=5)
    assert r.status_code == 401
    assert refresh(http, auto, sibling["refresh_token"]).status_code == 200  # the grant itself lives on


def test_reconnect_after_disconnect_keeps_created_date(auto, http):
    tokens = login(http, auto)
    [before] = connections(http, auto, tokens).json()
    http.delete(f"{auto.base_url}/connections/{before['id']}", headers=bearer(tokens), timeout=5)
    auto.advance_time(60)
    [after] = connections(http, auto, login(http, auto)).json()
    assert after["id"] != before["id"] and after["authEventId"] != before["authEventId"]
    assert after["createdDateUtc"] == before["createdDateUtc"] < after["updatedDateUtc"]


def test_revocation_ends_every_grant_of_that_user_and_app(auto, http):
    first = login(http, auto)
    rotated = refresh(http, auto, first["refresh_token"]).json()
    sibling = login(http, auto)  # a separate sign-in of the same user and app: revoked too
    other_app = login(http, auto, client_id=OTHER_CLIENT)
    user2 = auto.add_user("second@example.com", tenants=orgs("Demo Company (NZ)"))
    auto.sign_in_as(user2)
    with requests.Session() as browser:
        other_user = login(browser, auto)
    tenant = connections(http, auto, first).json()[0]["tenantId"]
    r = http.post(
        f"{auto.base_url}/connect/revocation",
        timeout=5,
        data={"token": rotated["refresh_token"], "client_id": CLIENT_ID},
    )
    assert r.status_code == 200 and r.content == b""
    for tokens in (rotated, sibling):
        assert refresh(http, auto, tokens["refresh_token"]).json() == {"error": "invalid_grant"}
        # the access token is a JWT and still authenticates, but reaches no organisation any more
        assert connections(http, auto, tokens).json() == []
        assert organisation(http, auto, tokens, tenant).json()["Detail"] == "AuthenticationUnsuccessful"
    assert refresh(http, auto, other_app["refresh_token"], client_id=OTHER_CLIENT).status_code == 200
    assert refresh(http, auto, other_user["refresh_token"]).status_code == 200
    auto.sign_in_as(auto.user_id)
    assert connections(http, auto, login(http, auto)).json()[0]["tenantName"] == "Demo Company (NZ)"


def test_revocation_by_another_app_or_of_an_unknown_token_does_nothing(auto, http):
    tokens = login(http, auto)
    for data in (
        {"token": tokens["refresh_token"], "client_id": OTHER_CLIENT},
        {"token": "f" * 64, "client_id": CLIENT_ID},
    ):
        assert http.post(f"{auto.base_url}/connect/revocation", data=data, timeout=5).status_code == 200
    assert refresh(http, auto, tokens["refresh_token"]).status_code == 200
    r = http.post(f"{auto.base_url}/connect/revocation", data={"token": "x"}, timeout=5)
    assert r.json() == {"error": "invalid_client"}


def test_revoke_all_and_remove_tenant(auto, http):
    tokens = login(http, auto)
    tenant = connections(http, auto, tokens).json()[0]["tenantId"]
    auto.remove_tenant("Demo Company (NZ)")
    assert connections(http, auto, tokens).json() == []
    assert organisation(http, auto, tokens, tenant).status_code == 403
    assert auto.connections_for(tokens["access_token"]) == []
    tokens = login(http, auto)
    assert len(auto.connections_for(tokens["access_token"])) == 1
    auto.revoke_all()
    assert refresh(http, auto, tokens["refresh_token"]).json() == {"error": "invalid_grant"}
    assert connections(http, auto, tokens).json() == []


# --------------------------------------------------------------------------- API: 401 / 403
@pytest.mark.parametrize(
    "headers,detail",
    [
        ({}, "TokenMissing"),
        ({"Authorization": "Bearer garbage"}, "TokenInvalidSignature"),
        ({"Authorization": "Basic eDp5"}, "TokenInvalidSignature"),
    ],
)
def test_401_without_valid_token(auto, http, headers, detail):
    for path in ("/connections", "/api.xro/2.0/Organisation"):
        r = http.get(f"{auto.base_url}{path}", headers=headers, timeout=5)
        assert r.status_code == 401
        assert r.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
        assert r.json() == {
            "Type": None,
            "Title": "Unauthorized",
            "Status": 401,
            "Detail": detail,
            "Instance": r.headers["Xero-Correlation-Id"],
            "Extensions": {},
        }


def test_401_token_expired(auto, http):
    tokens = login(http, auto)
    assert connections(http, auto, tokens).status_code == 200
    auto.expire_access_tokens()
    r = connections(http, auto, tokens)
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert re.fullmatch(r"TokenExpired: token expired at \d\d/\d\d/\d{4} \d\d:\d\d:\d\d", r.json()["Detail"])
    new = refresh(http, auto, tokens["refresh_token"]).json()
    assert connections(http, auto, new).status_code == 200


def test_access_token_natural_expiry(auto, http):
    tokens = login(http, auto)
    auto.advance_time(1799)
    assert connections(http, auto, tokens).status_code == 200
    auto.advance_time(2)
    assert connections(http, auto, tokens).status_code == 401


def test_organisation(auto, http):
    tokens = login(http, auto)
    conn = connections(http, auto, tokens).json()[0]
    r = organisation(http, auto, tokens, conn["tenantId"])
    assert r.status_code == 200
    body = r.json()
    assert body["Status"] == "OK" and body["ProviderName"] == "PSIcapture"
    org = body["Organisations"][0]
    assert org["OrganisationID"] == conn["tenantId"] and org["Name"] == "Demo Company (NZ)" and org["IsDemoCompany"]
    assert organisation(http, auto, tokens, conn["tenantId"].upper()).status_code == 200


@pytest.mark.parametrize("tenant_id", [None, "", "00000000-0000-0000-0000-000000000000"])
def test_403_for_missing_or_foreign_tenant(auto, http, tenant_id):
    tokens = login(http, auto)
    r = organisation(http, auto, tokens, tenant_id)
    assert r.status_code == 403
    assert r.json() == {
        "Type": None,
        "Title": "Forbidden",
        "Status": 403,
        "Detail": "AuthenticationUnsuccessful",
        "Instance": r.headers["Xero-Correlation-Id"],
        "Extensions": {},
    }


def test_403_for_an_organisation_of_another_user(auto, http):
    user2 = auto.add_user("second@example.com", tenants=orgs("Own Ltd"))
    auto.sign_in_as(user2)
    with requests.Session() as browser:
        theirs = login(browser, auto)
    auto.sign_in_as(auto.user_id)
    mine = login(http, auto)
    own_ltd = connections(http, auto, theirs).json()[0]["tenantId"]
    assert organisation(http, auto, mine, own_ltd).status_code == 403


def test_401_authorization_unsuccessful_for_a_missing_scope(auto, http):
    tokens = login(http, auto, scope="openid offline_access accounting.invoices.read")
    tenant = connections(http, auto, tokens).json()[0]["tenantId"]
    r = organisation(http, auto, tokens, tenant)  # needs accounting.settings or accounting.settings.read
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == "insufficient_scope"
    assert r.json() == {
        "Type": None,
        "Title": "Unauthorized",
        "Status": 401,
        "Detail": "AuthorizationUnsuccessful",
        "Instance": r.headers["Xero-Correlation-Id"],
        "Extensions": {},
    }
    assert "X-AppMinLimit-Remaining" in r.headers and "X-MinLimit-Remaining" not in r.headers
    assert api(http, auto, tokens, tenant, "Invoices").status_code == 200
    r = api(http, auto, tokens, tenant, "Invoices", "POST", json={"Invoices": [{"Type": "ACCPAY"}]})
    assert r.status_code == 401 and r.json()["Detail"] == "AuthorizationUnsuccessful"  # .read cannot write


def test_invoices_with_granular_and_broad_scopes(auto, http):
    tokens = login(http, auto, scope="offline_access accounting.invoices")
    tenant = connections(http, auto, tokens).json()[0]["tenantId"]
    r = api(http, auto, tokens, tenant, "Invoices")
    assert r.status_code == 200 and r.json()["Invoices"] == []
    r = api(http, auto, tokens, tenant, "Invoices", "PUT", json={"Invoices": [{"Type": "ACCPAY", "Reference": "R1"}]})
    assert r.status_code == 200
    [made] = r.json()["Invoices"]
    assert made["Reference"] == "R1" and re.fullmatch(UUID_RE, made["InvoiceID"])
    assert api(http, auto, tokens, tenant, "Invoices", "POST", data="{not json").status_code == 400
    assert api(http, auto, tokens, tenant, "Invoices", "DELETE").status_code == 405
    assert organisation(http, auto, tokens, tenant).status_code == 401  # no settings scope
    old = login(http, auto, scope="offline_access accounting.transactions.read", client_id=OLD_CLIENT)
    assert api(http, auto, old, tenant, "Invoices").status_code == 200


# --------------------------------------------------------------------------- API: rate limits
def limits(r) -> tuple[int, int, int]:
    return (
        int(r.headers["X-DayLimit-Remaining"]),
        int(r.headers["X-MinLimit-Remaining"]),
        int(r.headers["X-AppMinLimit-Remaining"]),
    )


def test_every_answer_carries_the_remaining_counts(auto, http):
    tokens = login(http, auto)
    tenant = connections(http, auto, tokens).json()[0]["tenantId"]
    assert limits(organisation(http, auto, tokens, tenant)) == (999, 59, 9999)  # Starter: 1,000 a day
    assert limits(organisation(http, auto, tokens, tenant)) == (998, 58, 9998)
    assert auto.remaining(CLIENT_ID, "Demo Company (NZ)") == {
        "X-DayLimit-Remaining": 998,
        "X-MinLimit-Remaining": 58,
        "X-AppMinLimit-Remaining": 9998,
    }
    core = login(http, auto, client_id=OTHER_CLIENT)
    auto.register_app(OTHER_CLIENT, [REDIRECT], tier="core")
    assert limits(organisation(http, auto, core, tenant)) == (4999, 59, 9999)  # per app; 5,000 a day on Core
    auto.advance_time(60)
    assert limits(organisation(http, auto, tokens, tenant)) == (997, 59, 9999)  # a new minute


def test_minute_limit(http):
    with XeroStandIn(auto_consent=True, limits={"minute": 3}) as xero:
        xero.register_app(CLIENT_ID, [REDIRECT])
        tokens = login(http, xero)
        tenant = connections(http, xero, tokens).json()[0]["tenantId"]
        assert [organisation(http, xero, tokens, tenant).status_code for _ in range(3)] == [200] * 3
        xero.advance_time(20)
        r = organisation(http, xero, tokens, tenant)
        assert r.status_code == 429
        assert r.headers["X-Rate-Limit-Problem"] == "minute" and 35 <= int(r.headers["Retry-After"]) <= 40
        assert limits(r) == (997, 0, 9996)  # the refused call is not counted
        assert "rate%20limit%20exceeded" in r.text
        xero.advance_time(40)
        assert organisation(http, xero, tokens, tenant).status_code == 200


def test_day_limit(http):
    with XeroStandIn(auto_consent=True, limits={"day": 2}) as xero:
        xero.register_app(CLIENT_ID, [REDIRECT])
        tokens = login(http, xero)
        tenant = connections(http, xero, tokens).json()[0]["tenantId"]
        assert [organisation(http, xero, tokens, tenant).status_code for _ in range(2)] == [200, 200]
        r = organisation(http, xero, tokens, tenant)
        assert r.status_code == 429 and r.headers["X-Rate-Limit-Problem"] == "day"
        assert 86395 <= int(r.headers["Retry-After"]) <= 86400 and limits(r)[:2] == (0, 58)
        xero.advance_time(86400)
        tokens = refresh(http, xero, tokens["refresh_token"]).json()
        assert organisation(http, xero, tokens, tenant).status_code == 200


def test_limits_are_per_organisation_and_hooks_exhaust_them(auto, http):
    auto.register_app(CLIENT_ID, [REDIRECT], tier="advanced")
    auto.tenants = orgs("A Ltd", "B Ltd")
    tokens = login(http, auto)
    a, b = (c["tenantId"] for c in connections(http, auto, tokens).json())
    for problem, retry in (("minute", 60), ("day", 86400), ("concurrent", None)):
        auto.exhaust_limit(problem, client_id=CLIENT_ID, tenant_name="A Ltd")
        r = organisation(http, auto, tokens, a)
        assert r.status_code == 429 and r.headers["X-Rate-Limit-Problem"] == problem
        if retry is None:
            assert "Retry-After" not in r.headers
        else:
            assert retry - 5 <= int(r.headers["Retry-After"]) <= retry
        assert organisation(http, auto, tokens, b).status_code == 200
        auto.reset_limits()
        assert organisation(http, auto, tokens, a).status_code == 200
    auto.exhaust_limit("day")  # every organisation of every app
    assert organisation(http, auto, tokens, b).headers["X-Rate-Limit-Problem"] == "day"
    with pytest.raises(ValueError):
        auto.exhaust_limit("hour")


def test_app_minute_limit_is_per_app(auto, http):
    tokens = login(http, auto)
    other = login(http, auto, client_id=OTHER_CLIENT)
    tenant = connections(http, auto, tokens).json()[0]["tenantId"]
    auto.exhaust_limit("appminute", client_id=CLIENT_ID)
    r = organisation(http, auto, tokens, tenant)
    assert r.status_code == 429 and r.headers["X-Rate-Limit-Problem"] == "appminute"
    assert 55 <= int(r.headers["Retry-After"]) <= 60 and r.headers["X-AppMinLimit-Remaining"] == "0"
    assert organisation(http, auto, other, tenant).status_code == 200
    auto.advance_time(60)
    assert organisation(http, auto, tokens, tenant).status_code == 200


def test_concurrent_limit_with_calls_in_progress(http):
    with XeroStandIn(auto_consent=True, limits={"concurrent": 2}, api_latency=1.0) as xero:
        xero.register_app(CLIENT_ID, [REDIRECT])
        tokens = login(http, xero)
        tenant = connections(http, xero, tokens).json()[0]["tenantId"]
        start = threading.Barrier(3)
        answers = []

        def call():
            start.wait()
            r = requests.get(
                f"{xero.base_url}/api.xro/2.0/Organisation",
                timeout=10,
                headers={**bearer(tokens), "xero-tenant-id": tenant},
            )
            answers.append((r.status_code, r.headers.get("X-Rate-Limit-Problem"), r.headers.get("Retry-After")))

        threads = [threading.Thread(target=call) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(answers, key=str) == [(200, None, None), (200, None, None), (429, "concurrent", None)]


# --------------------------------------------------------------------------- fault injection
def test_fail_next_429_with_retry_after(auto, http):
    tokens = login(http, auto)
    auto.fail_next("/connections", 429, times=2, retry_after=7)
    for _ in range(2):
        r = connections(http, auto, tokens)
        assert r.status_code == 429
        assert r.headers["Retry-After"] == "7" and r.headers["X-Rate-Limit-Problem"] == "minute"
    assert connections(http, auto, tokens).status_code == 200
    auto.fail_next("/api.xro/2.0/Organisation", 429, retry_after=66975, problem="day")
    r = organisation(http, auto, tokens, "x")
    assert (r.status_code, r.headers["X-Rate-Limit-Problem"], r.headers["Retry-After"]) == (429, "day", "66975")


def test_fail_next_token_endpoint(auto, http):
    tokens = login(http, auto)
    auto.fail_next("/connect/token", 503, body="upstream down")
    r = refresh(http, auto, tokens["refresh_token"])
    assert r.status_code == 503 and r.text == "upstream down"
    assert auto.refresh_count == 0
    assert len([t for t in auto.token_requests if t.get("grant_type") == "refresh_token"]) == 1
    assert refresh(http, auto, tokens["refresh_token"]).status_code == 200  # not consumed by the failure
    auto.fail_next("/connect/token", 429)
    assert refresh(http, auto, "x").json() == {"error": "temporarily_unavailable"}


def test_fail_next_delay_for_timeouts(auto, http):
    auto.fail_next("/connect/token", 500, delay=1.0)
    t0 = time.monotonic()
    with pytest.raises(requests.Timeout):
        http.post(f"{auto.base_url}/connect/token", data={"grant_type": "x"}, timeout=0.2)
    assert time.monotonic() - t0 < 1.0
    time.sleep(1.0)  # the delayed handler finishes writing to a closed socket without noise
    assert token(http, auto, {"grant_type": "x", "client_id": CLIENT_ID}).json() == {"error": "unsupported_grant_type"}


def test_fail_next_401_on_api(auto, http):
    tokens = login(http, auto)
    auto.fail_next("/connections", 401)
    r = connections(http, auto, tokens)
    assert r.status_code == 401 and r.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert connections(http, auto, tokens).status_code == 200


def test_consent_redirect_helper(auto):
    loc = auto.consent_redirect(authorize_url(auto))
    assert loc.startswith(REDIRECT + "?code=")
    bad = auto.consent_redirect(authorize_url(auto, client_id="nobody"))
    assert bad.startswith(auto.base_url + "/identity/error?errorId=")


# --------------------------------------------------------------------------- command line
def test_command_line(tmp_path):
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "xero_standin.py")
    proc = subprocess.Popen(
        [
            sys.executable,
            script,
            "--port",
            "0",
            "--auto-consent",
            "--client-id",
            CLIENT_ID,
            "--redirect-uri",
            REDIRECT,
            "--tier",
            "advanced",
            "--tenant",
            "A",
            "--tenant",
            "B",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = [proc.stdout.readline() for _ in range(4)]
        base = re.search(r"http://127\.0\.0\.1:\d+", lines[0]).group(0)
        assert f"XCONN_XERO_LOGIN={base}\n" in lines
        verifier, challenge = pkce_pair()
        with requests.Session() as s:
            r = s.get(
                f"{base}/identity/connect/authorize",
                allow_redirects=False,
                timeout=5,
                params={
                    "response_type": "code",
                    "client_id": CLIENT_ID,
                    "redirect_uri": REDIRECT,
                    "scope": SCOPES,
                    "state": "s",
                    "code_challenge": challenge,
                    "code_challenge_method": "S256",
                },
            )
            while not r.headers["Location"].startswith(REDIRECT):
                r = s.get(base + r.headers["Location"], allow_redirects=False, timeout=5)
        code = parse_qs(urlsplit(r.headers["Location"]).query)["code"][0]
        r = requests.post(
            f"{base}/connect/token",
            timeout=5,
            data={
                "grant_type": "authorization_code",
                "client_id": CLIENT_ID,
                "code": code,
                "redirect_uri": REDIRECT,
                "code_verifier": verifier,
            },
        )
        assert r.status_code == 200
        conns = requests.get(f"{base}/connections", headers=bearer(r.json()), timeout=5).json()
        assert [c["tenantName"] for c in conns] == ["A", "B"]
    finally:
        proc.terminate()
        proc.wait(timeout=5)
    assert proc.stderr.read() == ""


def test_pkce_pair_is_s256():
    verifier, challenge = pkce_pair()
    assert 43 <= len(verifier) <= 128
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert digest == challenge
