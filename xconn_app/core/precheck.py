"""The check with Xero before the browser opens (docs/XERO.md, "The check before the browser").

Xero never sends the browser back to the app when it refuses a request (unknown Client ID, a
redirect URL not registered exactly, a scope the app may not use): it shows its own error page and
the app would wait 90 s for nothing. So xconn first asks for the authorize URL itself, without
cookies and without following redirects, with a throwaway state and challenge: a redirect to Xero's
login page means "accepted"; a redirect to Xero's error page is fetched once and its ``Error:`` line
is classified; anything else means "couldn't check" and the flow goes on as before. The URL is never
logged. Nothing is created at Xero.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from . import scopes as scope_catalogue
from .oauth import AuthorizationRequest
from .text import visible
from .xero import Endpoints

if TYPE_CHECKING:  # requests is imported when first used
    from requests import Session

ACCEPTED, REFUSED, UNKNOWN = "accepted", "refused", "unknown"
_ERROR_LINE = re.compile(r"Error:\s*([a-z_]+)\s*:\s*([^<\n\r]{1,300})")
MAX_PAGE = 200_000


@dataclass(frozen=True)
class CheckVerdict:
    verdict: str  # ACCEPTED, REFUSED or UNKNOWN
    message: str = ""
    next_step: str = ""
    cause: str = ""  # client, redirect, scope, other (REFUSED) / why it could not check (UNKNOWN)

    @property
    def refused(self) -> bool:
        return self.verdict == REFUSED


def check(
    endpoints: Endpoints, client_id: str, redirect_url: str, scopes: list[str], session: Session | None = None
) -> CheckVerdict:
    import requests

    probe = AuthorizationRequest(client_id, redirect_url, scopes, endpoints)  # throwaway state and verifier
    http = session or requests.Session()
    http.cookies.clear()
    timeout = (5.0, 10.0)
    try:
        resp = http.get(probe.url, allow_redirects=False, timeout=timeout, headers={"Accept": "text/html"})
        location = resp.headers.get("Location", "")
        if resp.status_code in (301, 302, 303, 307, 308) and location:
            path = urlsplit(location).path
            if path.startswith("/identity/user/login"):
                return CheckVerdict(ACCEPTED, "Xero knows this Client ID and redirect URL.")
            if path.startswith("/identity/error"):
                http.cookies.clear()
                page = http.get(
                    urljoin(endpoints.login + "/", location),
                    allow_redirects=False,
                    timeout=timeout,
                    headers={"Accept": "text/html"},
                )
                return classify_page(page.text[:MAX_PAGE], redirect_url, scopes)
            return CheckVerdict(UNKNOWN, cause="an unexpected redirect")
        return classify_page(resp.text[:MAX_PAGE], redirect_url, scopes)
    except requests.RequestException:
        return CheckVerdict(UNKNOWN, cause="Xero could not be reached")
    finally:
        if session is None:
            http.close()


def classify_page(text: str, redirect_url: str, scopes: list[str]) -> CheckVerdict:
    found = _ERROR_LINE.search(html.unescape(text))
    if not found:
        return CheckVerdict(UNKNOWN, cause="the answer was not Xero's error page")
    return classify(found.group(1), found.group(2).strip(), redirect_url, scopes)


def classify(error: str, description: str, redirect_url: str, scopes: list[str]) -> CheckVerdict:
    """Xero's 'Error: <error> : <description>' in plain words, with the fix."""
    said = description.lower()
    if error == "unauthorized_client" and "unknown client" in said:
        return CheckVerdict(
            REFUSED,
            "Xero does not know this Client ID (or the app is disabled).",
            "Copy the Client ID again from developer.xero.com > My Apps > your app > Configuration.",
            "client",
        )
    if "redirect_uri" in said:
        return CheckVerdict(
            REFUSED,
            f"Xero's app does not have {visible(redirect_url)} registered exactly as a Redirect URI.",
            "At developer.xero.com > My Apps > your app > Configuration, add exactly this address (same port and "
            "path) as a Redirect URI, or change the Application URL here to one registered there.",
            "redirect",
        )
    if error == "unauthorized_client" and "scope" in said:
        suspects = scope_catalogue.suspects_for_refusal(scopes)
        named = ", ".join(suspects) if suspects else "one of the scopes"
        why = (
            f"apps created on or after {scope_catalogue.GRANULAR_FROM} may use only the granular scopes"
            if any(s in scope_catalogue.DEPRECATED for s in suspects)
            else "it needs Xero's approval"
        )
        return CheckVerdict(
            REFUSED,
            f"Xero refused {named} for this app" + (f": {why}." if suspects else "."),
            f"Remove {named} under Scopes (use the 'Invoice capture' preset), then try again.",
            "scope",
        )
    if error == "invalid_scope" and "openid" in said:
        return CheckVerdict(
            REFUSED,
            "Xero needs the scope openid when profile or email is asked for.",
            "Add openid under Scopes (or choose a preset).",
            "scope",
        )
    if error in ("invalid_scope", "invalid_request") and "scope" in said:
        bad = scope_catalogue.unknown(scopes)
        named = ", ".join(bad) if bad else "a scope"
        return CheckVerdict(
            REFUSED, f"Xero does not know {named}.", "Check the spelling under Scopes, or choose a preset.", "scope"
        )
    return CheckVerdict(
        REFUSED,
        f"Xero refused the sign-in request: {visible(error)} ({visible(description, 200)}).",
        "Check the Client ID, the Application URL and the scopes against your app at developer.xero.com.",
        "other",
    )
