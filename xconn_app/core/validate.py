"""Checks on what people type, each failing with a message that says what is wrong."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from .errors import InvalidInput

NAME_MAX = 80
CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9]{32}$")
SCOPE_RE = re.compile(r"^[a-z][a-z0-9._]*$")


def _emoji_joiner(value: str, i: int) -> bool:
    """U+200D between two emoji (what emoji pickers insert, e.g. 👩‍💻) is part of the picture."""
    return (
        value[i] == "\u200d"
        and 0 < i < len(value) - 1
        and unicodedata.category(value[i - 1]) in ("So", "Sk", "Mn")
        and unicodedata.category(value[i + 1]) == "So"
    )


def name(value: str, what: str = "display name") -> str:
    value = unicodedata.normalize("NFC", (value or "").strip())  # 'Cafe\u0301' and 'Café' are one name
    if not value:
        raise InvalidInput(f"The {what} is empty.", f"Type a {what} you will recognise, e.g. 'Head office'.")
    if len(value) > NAME_MAX:
        raise InvalidInput(
            f"The {what} is {len(value)} characters long; at most {NAME_MAX} are allowed.", f"Shorten the {what}."
        )
    if any(
        unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") and not _emoji_joiner(value, i)
        for i, ch in enumerate(value)
    ):
        raise InvalidInput(f"The {what} contains invisible control characters.", f"Type the {what} again by hand.")
    return value


def client_id(value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(
            "The Xero Client ID is empty.",
            "Copy it from developer.xero.com > My Apps > your app > Configuration.",
        )
    if any(ch.isspace() for ch in value):
        raise InvalidInput(
            "The Xero Client ID contains spaces.", "Copy it again from developer.xero.com without spaces."
        )
    if not CLIENT_ID_RE.match(value):
        raise InvalidInput(
            f"That is not a Xero Client ID: it should be 32 letters and digits, and this is {len(value)} characters"
            + ("" if value.isalnum() else " with symbols in it")
            + ".",
            "Copy the Client ID again from developer.xero.com > My Apps > your app > Configuration.",
        )
    return value


def redirect_url(value: str) -> str:
    """http://localhost:PORT/path (or 127.0.0.1 / [::1]) exactly as registered at Xero."""
    value = (value or "").strip()
    example = "http://localhost:5000/callback"
    if not value:
        raise InvalidInput(
            "The Application URL is empty.", f"Enter the Redirect URI registered at Xero, e.g. {example}."
        )
    if any(ch.isspace() for ch in value):
        raise InvalidInput("The Application URL contains spaces.", f"Enter it like {example}.")
    parts = urlsplit(value)
    if parts.scheme == "https" and (parts.hostname or "") in ("localhost", "127.0.0.1", "::1"):
        raise InvalidInput(
            "The Application URL uses https, but xconn receives Xero's answer itself on this computer over http.",
            f"Use http (e.g. {example}) here and register exactly the same URL at developer.xero.com.",
        )
    if parts.scheme != "http":
        raise InvalidInput(
            "The Application URL must start with http:// and point at this computer.",
            f"Enter it like {example}, the same as the Redirect URI registered at Xero.",
        )
    if "@" in parts.netloc:
        raise InvalidInput(
            "The Application URL contains a user name or password.", f"Remove them: enter it like {example}."
        )
    host = parts.hostname or ""
    if host not in ("localhost", "::1") and not re.fullmatch(r"127\.\d{1,3}\.\d{1,3}\.\d{1,3}", host):
        raise InvalidInput(
            f"The Application URL points at {host or 'no computer'}, not at this computer.",
            f"Use localhost or 127.0.0.1, e.g. {example}, and register the same at developer.xero.com.",
        )
    try:
        port = parts.port
    except ValueError:
        raise InvalidInput(
            "The port in the Application URL is not a number from 1 to 65535.", f"Enter it like {example}."
        ) from None
    if not port:
        raise InvalidInput(
            "The Application URL has no port.",
            f"Add the port after the host, e.g. {example}, as registered at Xero.",
        )
    if port < 1024 and port != 80:
        raise InvalidInput(
            f"Port {port} needs administrator rights on most computers.",
            "Use a port from 1024 to 65535 (e.g. 5000), and register the same URL at Xero.",
        )
    if not parts.path or parts.path == "/":
        raise InvalidInput(
            "The Application URL has no path after the port.", f"Add one, e.g. {example}, as registered at Xero."
        )
    if parts.query or parts.fragment:
        raise InvalidInput("The Application URL must not contain '?' or '#' parts.", f"Enter it like {example}.")
    return value


def scopes(value: object) -> list[str]:
    if isinstance(value, str):
        items = value.split()
    elif isinstance(value, (list, tuple)):
        items = [str(s).strip() for s in value]
    elif not value:
        items = []
    else:
        raise InvalidInput("The scopes are not a list of Xero scopes.", "Scopes look like accounting.invoices.")
    items = [s for s in items if s]
    seen = []
    for s in items:
        if not SCOPE_RE.match(s):
            raise InvalidInput(
                f"'{s}' is not a Xero scope.", "Scopes look like accounting.invoices, separated by spaces."
            )
        if s not in seen:
            seen.append(s)
    if "offline_access" not in seen:
        raise InvalidInput(
            "The scopes must include offline_access, or Xero gives no refresh token and the connection stops "
            "after 30 minutes.",
            "Add offline_access to the scopes.",
        )
    return seen
