"""Token store: every keyring value under 1,000 characters, clear errors, no plain-text fallback."""

from __future__ import annotations

import json

import keyring.backends.fail
import pytest
from filekeyring import BrokenKeyring, FileKeyring

from xconn_app.core.errors import KeyringUnavailable
from xconn_app.core.model import TokenSet
from xconn_app.core.secrets import SERVICE, TokenStore, backend_problem


def jwt_like(n=1400):
    body = "eyJhbGciOiJSUzI1NiJ9." + "x" * n
    return body[: n - 19] + ".signaturesignature"


def test_a_1400_character_access_token_is_split_under_the_windows_limit(isolated):
    store = TokenStore(FileKeyring())
    token = jwt_like(1400)
    assert len(token) == 1400
    store.save("c1", TokenSet(token, "refresh-1", expires_at=2e9, scope="openid offline_access"))
    raw = json.loads((isolated / "keyring.json").read_text())
    assert raw and max(len(v) for v in raw.values()) <= 1000
    assert all(k.startswith(SERVICE + "\x00") for k in raw)
    loaded = store.load("c1")
    assert loaded.access_token == token and loaded.refresh_token == "refresh-1" and loaded.expires_at == 2e9


def test_shorter_token_removes_stale_chunks_and_delete_clears_all(isolated):
    store = TokenStore(FileKeyring())
    store.save("c1", TokenSet(jwt_like(2500), "r1", 2e9))
    store.save("c1", TokenSet("short-token", "r2", 2e9))
    assert store.load("c1").access_token == "short-token"
    raw = json.loads((isolated / "keyring.json").read_text())
    assert len(raw) == 2
    store.delete("c1")
    assert json.loads((isolated / "keyring.json").read_text()) == {}
    assert store.load("c1") is None


def test_half_written_access_token_counts_as_expired_not_as_garbage(isolated):
    store = TokenStore(FileKeyring())
    store.save("c1", TokenSet(jwt_like(1400), "r1", 2e9))
    FileKeyring().set_password(SERVICE, "c1/access/1", "stale")
    loaded = store.load("c1")
    assert loaded.refresh_token == "r1" and not loaded.access_valid()


def test_no_backend_gives_one_clear_error():
    store = TokenStore(keyring.backends.fail.Keyring())
    with pytest.raises(KeyringUnavailable) as info:
        store.ensure_usable()
    assert "password store" in info.value.message and "GNOME Keyring" in info.value.next_step


def test_a_raising_backend_says_unlock(isolated):
    store = TokenStore(BrokenKeyring())
    with pytest.raises(KeyringUnavailable) as info:
        store.save("c1", TokenSet("a", "r", 2e9))
    assert "Unlock" in info.value.next_step
    with pytest.raises(KeyringUnavailable):
        store.load("c1")


def test_plaintext_backend_is_refused_unless_chosen(monkeypatch):
    import keyrings.alt.file as keyrings_alt

    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", "/nonexistent-xconn")
    assert "plain file" in backend_problem(keyrings_alt.PlaintextKeyring())
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    assert backend_problem(keyrings_alt.PlaintextKeyring()) is None


def test_environment_selects_the_backend(isolated):
    # PYTHON_KEYRING_BACKEND (set by conftest) is honoured by the default store
    assert TokenStore().describe().endswith("FileKeyring")
