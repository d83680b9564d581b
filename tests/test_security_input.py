"""Bad input through the CLI: each gets a clear message (exit 2) and none corrupts the registry."""

from __future__ import annotations

import json

import pytest
from attack import authorize_in_process, run_cli_plain
from conftest import CLIENT_ID

GOOD_URL = "http://localhost:5000/callback"


@pytest.fixture
def seeded(isolated):
    """A registry with one connection; returns a function telling whether its bytes changed."""
    r = run_cli_plain("add", "--name", "Head Office", "--client-id", CLIENT_ID, "--redirect-url", GOOD_URL)
    assert r.code == 0, r
    path = isolated / "config" / "connections.json"
    before = path.read_bytes()

    def unchanged():
        assert path.read_bytes() == before, "the registry changed"
        json.loads(before)
        assert not list(path.parent.glob("connections.damaged-*"))

    return unchanged


def refused(*args, says):
    r = run_cli_plain(*args)
    assert r.code == 2, r
    assert says.lower() in r.err.lower(), (says, r.err)
    assert "Next step:" in r.err, r.err  # always says what to do
    return r


@pytest.mark.parametrize(
    "url,says",
    [
        ("http://example.com:5000/callback", "not at this computer"),
        ("http://localhost.evil.example:5000/callback", "not at this computer"),
        ("http://127.0.0.1.nip.io:5000/callback", "not at this computer"),
        ("http://0.0.0.0:5000/callback", "not at this computer"),
        ("http://[::]:5000/callback", "not at this computer"),
        ("http://192.168.1.10:5000/callback", "not at this computer"),
        ("http://127.1:5000/callback", "not at this computer"),
        ("http://localhost/callback", "no port"),
        ("http://localhost:0/callback", "no port"),
        ("http://localhost:99999/callback", "port"),
        ("http://localhost:http/callback", "port"),
        ("http://localhost:80x/callback", "port"),
        ("http://localhost:443/callback", "administrator"),
        ("https://localhost:5000/callback", "https"),
        ("https://127.0.0.1:5000/callback", "https"),
        ("https://xero.example.com/callback", "http://"),
        ("http://user:pw@localhost:5000/callback", "user name or password"),
        ("http://user@localhost:5000/callback", "user name or password"),
        ("http://evil.example@localhost:5000/callback", "user name or password"),
        ("http://localhost:5000\\@evil.example/callback", "user name or password"),
        ("javascript:alert(1)", "http://"),
        ("file:///etc/passwd", "http://"),
        ("localhost:5000/callback", "http://"),
        ("http://localhost:5000", "no path"),
        ("http://localhost:5000/", "no path"),
        ("http://localhost:5000/callback?x=1", "'?' or '#'"),
        ("http://localhost:5000/callback#frag", "'?' or '#'"),
        ("http://localhost:5000/call back", "spaces"),
        ("", "empty"),
    ],
)
def test_bad_redirect_urls(seeded, url, says):
    refused("add", "--name", "New", "--client-id", CLIENT_ID, "--redirect-url", url, says=says)
    refused("edit", "Head Office", "--redirect-url", url, says=says)
    seeded()


@pytest.mark.parametrize(
    "client_id,says",
    [
        ("0123456789ABCDEF 0123456789ABCDE", "spaces"),
        (" " + CLIENT_ID[:16] + " " + CLIENT_ID[16:], "spaces"),
        (CLIENT_ID[:-1], "31 characters"),
        (CLIENT_ID + "0", "33 characters"),
        ("0123456789ABCDEF0123456789ABCDE!", "symbols"),
        ("0123456789ABCDEF0123456789ABCDÉ0", "not a Xero Client ID"),
        ("", "empty"),
    ],
)
def test_bad_client_ids(seeded, client_id, says):
    refused("add", "--name", "New", "--client-id", client_id, "--redirect-url", GOOD_URL, says=says)
    refused("edit", "Head Office", "--client-id", client_id, says=says)
    seeded()


def test_duplicate_names_case_insensitive(seeded):
    for name in ("Head Office", "head office", "HEAD OFFICE", "  Head Office  ", "head offıce".replace("ı", "i")):
        refused("add", "--name", name, "--client-id", CLIENT_ID, "--redirect-url", GOOD_URL, says="already exists")
    seeded()
    assert run_cli_plain("add", "--name", "Branch", "--client-id", CLIENT_ID, "--redirect-url", GOOD_URL).code == 0
    refused("edit", "Branch", "--name", "HEAD office", says="already exists")
    # the same letters in another Unicode form are the same name
    assert run_cli_plain("add", "--name", "Café", "--client-id", CLIENT_ID, "--redirect-url", GOOD_URL).code == 0
    refused("add", "--name", "Cafe\u0301", "--client-id", CLIENT_ID, "--redirect-url", GOOD_URL, says="already exists")
    refused("add", "--name", "CAFÉ", "--client-id", CLIENT_ID, "--redirect-url", GOOD_URL, says="already exists")


@pytest.mark.parametrize(
    "name,says",
    [
        ("x" * 500, "500 characters"),
        ("", "empty"),
        ("   ", "empty"),
        ("red\x1b[31m", "control characters"),
        ("line\nbreak", "control characters"),
        ("evil\u202eexe.txt", "control characters"),  # right-to-left override
        ("zero\u200bwidth", "control characters"),  # zero-width space
    ],
)
def test_bad_names(seeded, name, says):
    refused("add", "--name", name, "--client-id", CLIENT_ID, "--redirect-url", GOOD_URL, says=says)
    refused("edit", "Head Office", "--name", name, says=says)
    seeded()


def test_names_in_process(service):
    from xconn_app.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        service.add("null\x00byte", CLIENT_ID, GOOD_URL)
    with pytest.raises(InvalidInput):
        service.add_profile("p\x00", None)


@pytest.mark.parametrize(
    "name",
    [
        "He said \"hi\" & 'bye' <b>",
        "Café ☕ 🧾 receipts",
        "👩‍💻 Dev team",  # an emoji joined with U+200D (what emoji pickers insert)
        "🇳🇿 Kiwi Ltd",
        "Ünïcödé 日本 Ωμέγα",
        "; rm -rf / #",
        "x" * 80,
    ],
)
def test_unusual_but_valid_names_round_trip(isolated, name):
    r = run_cli_plain("add", "--name", name, "--client-id", CLIENT_ID, "--redirect-url", GOOD_URL)
    assert r.code == 0, r
    listed = json.loads(run_cli_plain("list", "--json").out)
    assert [c["name"] for c in listed] == [name]
    details = json.loads(run_cli_plain("details", name, "--json").out)
    assert details["name"] == name
    text = (isolated / "config" / "connections.json").read_text(encoding="utf-8")
    assert json.loads(text)["connections"][0]["name"] == name


def test_client_id_change_drops_tokens_and_needs_authorization(standin, redirect_url, service, isolated):
    conn = service.add("Rekeyed", CLIENT_ID, redirect_url)
    authorize_in_process(service, conn.id)
    assert service.store.load(conn.id) is not None
    assert run_cli_plain("token", "Rekeyed").code == 0

    refused("edit", "Rekeyed", "--client-id", "nope", says="Client ID")  # a bad one changes nothing
    assert service.store.load(conn.id) is not None

    r = run_cli_plain("edit", "Rekeyed", "--client-id", "F" * 32)
    assert r.code == 0 and "tokens were removed" in r.err and "authorize it again" in r.err, r
    assert service.store.load(conn.id) is None
    keyring = json.loads((isolated / "keyring.json").read_text())
    assert not [k for k in keyring if conn.id in k], "tokens of the old Xero app are still in the keyring"
    listed = json.loads(run_cli_plain("list", "--json").out)[0]
    assert listed["status"] == "not_authorized" and listed["status_text"].startswith("Needs authorization: changed")
    r = run_cli_plain("token", "Rekeyed")
    assert r.code == 3 and "Authorize" in r.err, r
