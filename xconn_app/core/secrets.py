"""Token sets in the OS keyring (service "xconn"), every value under 1,000 characters.

Entry `<connection id>` holds the refresh token and the access token's metadata; the access
token (a JWT over 1,000 characters) is split across `<connection id>/access/<n>` entries.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

from .errors import KeyringUnavailable
from .model import TokenSet

if TYPE_CHECKING:  # keyring is imported when first used
    from keyring.backend import KeyringBackend

SERVICE = "xconn"
MAX_VALUE = 1000
CHUNK = 900


def _fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:16]


def _explicitly_configured() -> bool:
    """True when the user chose a backend (PYTHON_KEYRING_BACKEND or keyringrc.cfg)."""
    import keyring.core

    try:
        return bool(keyring.core.load_env() or keyring.core.load_config())
    except Exception:
        return False


_UNSAFE_MODULES = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt")


def backend_problem(backend: KeyringBackend) -> str | None:
    """Why this backend must not hold tokens, or None when it is usable."""
    mod = type(backend).__module__
    names = [mod]
    for inner in getattr(backend, "backends", None) or []:
        names.append(type(inner).__module__)
    if getattr(backend, "backends", None) == []:
        return "no password store was found"
    if mod.startswith(("keyring.backends.fail", "keyring.backends.null")):
        return "no password store was found"
    if any(n.startswith("keyrings.alt") for n in names) and not _explicitly_configured():
        return "the only password store found keeps passwords in a plain file"
    return None


def _how_to_fix() -> str:
    """The fix for this program as it runs: the frozen app (installed .deb, .exe, .app) carries its
    own keyring backends, so Python packages of the system are no help to it."""
    import sys

    frozen = getattr(sys, "frozen", False)
    if sys.platform == "win32":
        store = "Windows Credential Manager (sign in with a normal user profile, not a temporary one)"
    elif sys.platform == "darwin":
        store = "the login Keychain (unlock it in Keychain Access)"
    elif frozen:
        store = (
            "a Secret Service in your desktop session: GNOME Keyring (package gnome-keyring; for the "
            "daily keep-alive also dbus-user-session) or KeePassXC with its Secret Service integration on; "
            "xconn reaches it over D-Bus by itself"
        )
    else:
        store = (
            "a Secret Service in your desktop session: GNOME Keyring (package gnome-keyring) with the "
            "Python package secretstorage (Debian: python3-secretstorage), or KWallet with dbus-python"
        )
    server = (
        (
            "On a server without one, choose a store explicitly: PYTHON_KEYRING_BACKEND="
            "keyrings.alt.file.PlaintextKeyring keeps tokens unencrypted in a file in your home folder"
        )
        if frozen
        else "On a server without one, set PYTHON_KEYRING_BACKEND to a backend you trust"
    )
    return f"Install or unlock a password store: {store}. {server}."


HOW_TO_FIX = _how_to_fix()


class TokenStore:
    """Reads and writes TokenSets; raises KeyringUnavailable with the fix in it."""

    def __init__(self, backend: KeyringBackend | None = None):
        self._backend = backend
        self._checked = False

    @property
    def backend(self) -> KeyringBackend:
        if self._checked and self._backend is not None:  # _checked is set together with _backend
            return self._backend
        backend = self._backend
        if backend is None:
            import keyring

            try:
                backend = keyring.get_keyring()
            except Exception as exc:
                raise KeyringUnavailable("The password store could not be opened.", HOW_TO_FIX) from exc
        problem = backend_problem(backend)
        if problem:
            raise KeyringUnavailable(f"xconn cannot keep tokens safely: {problem}.", HOW_TO_FIX)
        self._backend, self._checked = backend, True
        return backend

    def ensure_usable(self) -> None:
        """Raise KeyringUnavailable (with the fix) unless a safe password store is there."""
        self.backend  # noqa: B018 - the property checks and raises

    def describe(self) -> str:
        b = self.backend
        return f"{type(b).__module__}.{type(b).__name__}"

    # -- low level -------------------------------------------------------------------------
    def _get(self, key: str) -> str | None:
        try:
            return self.backend.get_password(SERVICE, key)
        except KeyringUnavailable:
            raise
        except Exception as exc:
            raise KeyringUnavailable(
                "The password store refused to give back a token; it may be locked.",
                "Unlock the password store (log out and in again if unsure) and try again.",
            ) from exc

    def _set(self, key: str, value: str) -> None:
        if len(value) > MAX_VALUE:  # a programming error: the caller must chunk
            raise ValueError("keyring value over 1,000 characters")
        try:
            self.backend.set_password(SERVICE, key, value)
        except KeyringUnavailable:
            raise
        except Exception as exc:
            raise KeyringUnavailable(
                "The password store refused to save a token; it may be locked or full.",
                "Unlock the password store and try again. Nothing was lost: the previous token is still there.",
            ) from exc

    def _delete(self, key: str) -> None:
        from keyring.errors import PasswordDeleteError

        try:
            self.backend.delete_password(SERVICE, key)
        except KeyringUnavailable:
            raise
        except PasswordDeleteError:
            pass  # absent already
        except Exception as exc:
            raise KeyringUnavailable(
                "The password store refused to remove a token; it may be locked.",
                "Unlock the password store and try again. Nothing was changed.",
            ) from exc

    # -- token sets ------------------------------------------------------------------------
    def load(self, connection_id: str) -> TokenSet | None:
        raw = self._get(connection_id)
        if not raw:
            return None
        try:
            head = json.loads(raw)
            refresh = head["refresh_token"]
        except (ValueError, KeyError, TypeError):
            return None
        parts: list[str] = []
        complete = True
        for n in range(int(head.get("chunks", 0))):
            part = self._get(f"{connection_id}/access/{n}")
            if part is None:
                complete = False
                break
            parts.append(part)
        access = "".join(parts) if complete else ""
        if access and _fingerprint(access) != head.get("fp"):
            access = ""  # half-written access token: treat it as expired, refresh will fix it
        from .logs import remember_secret

        remember_secret(refresh, access)  # read from the keyring: the log redacts them from now on
        return TokenSet(
            access_token=access,
            refresh_token=refresh,
            expires_at=float(head.get("expires_at", 0)) if access else 0.0,
            scope=head.get("scope", ""),
            obtained_at=float(head.get("obtained_at", 0)),
        )

    def save(self, connection_id: str, tokens: TokenSet) -> None:
        """Refresh token first (it is the one that cannot be recovered), then the access token."""
        old_chunks = self._chunk_count(connection_id)
        chunks = [tokens.access_token[i : i + CHUNK] for i in range(0, len(tokens.access_token), CHUNK)]
        head = {
            "v": 1,
            "refresh_token": tokens.refresh_token,
            "expires_at": tokens.expires_at,
            "obtained_at": tokens.obtained_at,
            "chunks": len(chunks),
            "fp": _fingerprint(tokens.access_token),
            "scope": tokens.scope if len(tokens.scope) < 500 else "",
        }
        self._set(connection_id, json.dumps(head, separators=(",", ":")))
        for n, part in enumerate(chunks):
            self._set(f"{connection_id}/access/{n}", part)
        for n in range(len(chunks), old_chunks):
            self._delete(f"{connection_id}/access/{n}")

    def _chunk_count(self, connection_id: str) -> int:
        raw = self._get(connection_id)
        try:
            return int(json.loads(raw).get("chunks", 0)) if raw else 0
        except (ValueError, AttributeError, TypeError):
            return 0

    def delete(self, connection_id: str) -> None:
        for n in range(max(self._chunk_count(connection_id), 4)):
            self._delete(f"{connection_id}/access/{n}")
        self._delete(connection_id)

    def probe(self) -> None:
        """Write, read and delete a probe secret; raises KeyringUnavailable when that fails."""
        key = "xconn-probe"
        self._set(key, "probe")
        if self._get(key) != "probe":
            raise KeyringUnavailable("The password store did not give back what was saved.", HOW_TO_FIX)
        self._delete(key)
