"""PKCE authorization, code exchange and refresh-with-rotation over requests-oauthlib.

Xero's PKCE apps have no client secret: ``client_id`` goes in the form body and no Basic header is
sent (``include_client_id=True``). Nothing here changes the process's environment: oauthlib's
insecure-transport and relaxed-scope switches are never set. Xero's endpoints are https; the token
requests name no scope, so a token granting more than was asked (Xero returns every scope granted
so far) is accepted without oauthlib's scope-change check firing.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import secrets
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from .errors import (
    STEP_CHECK_NETWORK,
    STEP_REAUTHORIZE,
    AuthorizationFailed,
    InvalidInput,
    RateLimited,
    ReauthorizationRequired,
    XeroServerError,
    XeroUnavailable,
)
from .model import TokenSet
from .xero import Endpoints, network_error, raise_for_status, retry_policy

if TYPE_CHECKING:  # imported when first used
    from requests import Response
    from requests_oauthlib import OAuth2Session

log = logging.getLogger("xconn.oauth")
# requests-oauthlib logs request bodies (tokens!) at DEBUG: never let that through.
for _name in ("requests_oauthlib", "oauthlib"):
    logging.getLogger(_name).setLevel(logging.WARNING)

LOST_REFRESH_GRACE = 30 * 60  # Xero accepts the previous refresh token for 30 minutes (docs/XERO.md)
T = TypeVar("T")


def make_verifier() -> str:
    return secrets.token_urlsafe(72)[:96]  # 43-128 characters of [A-Za-z0-9-_]


def challenge_for(verifier: str) -> str:
    import hashlib

    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def jwt_claims(token: str) -> dict:
    """The claims of a JWT, unverified: only used to show who signed in and which sign-in it was."""
    try:
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        claims = json.loads(base64.urlsafe_b64decode(payload.encode("ascii")))
        return claims if isinstance(claims, dict) else {}
    except (IndexError, ValueError, binascii.Error, UnicodeError):
        return {}


def xero_user(tokens: TokenSet) -> str:
    """'Name <e-mail>' of the Xero user who signed in, from the id_token (openid profile email)."""
    claims = jwt_claims(tokens.id_token) if tokens.id_token else {}
    name = claims.get("name") or " ".join(str(claims.get(k, "")) for k in ("given_name", "family_name")).strip()
    email = claims.get("email") or ""
    if name and email:
        return f"{name} <{email}>"[:200]
    return str(name or email)[:200]


def auth_event_id(tokens: TokenSet) -> str:
    value = jwt_claims(tokens.access_token).get("authentication_event_id") if tokens.access_token else ""
    return str(value)[:100] if value else ""


class AuthorizationRequest:
    """One authorization attempt: PKCE verifier, state and the URL to open."""

    def __init__(self, client_id: str, redirect_url: str, scopes: list[str], endpoints: Endpoints):
        self.client_id = client_id
        self.redirect_url = redirect_url
        self.scopes = list(scopes)
        self.endpoints = endpoints
        self.state = secrets.token_urlsafe(32)
        self.verifier = make_verifier()
        self._url: str | None = None

    def _session(self, **kw: object) -> OAuth2Session:
        from requests_oauthlib import OAuth2Session

        return OAuth2Session(self.client_id, redirect_uri=self.redirect_url, **kw)

    @property
    def url(self) -> str:
        if self._url is None:
            session = self._session(scope=self.scopes, state=self.state)
            self._url, _ = _insecure_guard(
                lambda: session.authorization_url(
                    self.endpoints.authorize, code_challenge=challenge_for(self.verifier), code_challenge_method="S256"
                )
            )
        return self._url

    def exchange(self, code: str) -> TokenSet:
        """Trade the one-time code for tokens (no client secret; client_id in the body)."""
        session = self._session()
        session.register_compliance_hook("access_token_response", _check_response("completing the authorization"))
        return _token_call(
            lambda: session.fetch_token(
                self.endpoints.token,
                code=code,
                code_verifier=self.verifier,
                include_client_id=True,
                timeout=self.endpoints.timeout(),
            ),
            "completing the authorization",
        )


def refresh(client_id: str, refresh_token: str, endpoints: Endpoints) -> TokenSet:
    """Trade a refresh token for a new token set (Xero rotates the refresh token every time)."""
    from requests_oauthlib import OAuth2Session

    session = OAuth2Session(client_id)
    session.register_compliance_hook("refresh_token_response", _check_response("renewing the access token"))
    return _token_call(
        lambda: session.refresh_token(
            endpoints.token, refresh_token=refresh_token, client_id=client_id, timeout=endpoints.timeout()
        ),
        "renewing the access token",
    )


class LostResponse(XeroUnavailable):
    """The token request went out but no answer came back (Xero may have rotated the token)."""


def _insecure_guard(call: Callable[[], T]) -> T:
    from oauthlib.oauth2.rfc6749.errors import InsecureTransportError

    try:
        return call()
    except InsecureTransportError as exc:
        raise InvalidInput(
            "xconn talks to Xero only over https, and a Xero address set on this computer uses http.",
            "Remove the XCONN_XERO_* settings (or set https addresses) and try again.",
        ) from exc


def _check_response(what: str) -> Callable[[Response], Response]:
    def hook(resp: Response) -> Response:
        if resp.status_code == 429 or resp.status_code >= 500:
            raise_for_status(resp, what)
        try:
            body = resp.json()
        except ValueError:
            body = None
        if resp.status_code >= 400:
            if not isinstance(body, dict) or "error" not in body:
                raise XeroUnavailable(f"Xero answered with error {resp.status_code} while {what}.", "Try again later.")
        elif not isinstance(body, dict):
            raise XeroUnavailable(f"Xero sent an answer xconn could not read while {what}.", "Try again later.")
        elif "access_token" not in body:
            raise XeroUnavailable(f"Xero sent an unexpected answer while {what}.", "Try again later.")
        return resp

    return hook


def _token_call(call: Callable[[], dict], what: str) -> TokenSet:
    """One token request with the retries Xero's limits allow; every failure becomes an XconnError."""
    import requests
    from oauthlib.oauth2.rfc6749 import errors as oerr

    policy = retry_policy()
    attempt = 0
    while True:
        attempt += 1
        try:
            return TokenSet.from_oauth(_insecure_guard(call))
        except RateLimited as exc:
            wait = policy.wait_for(exc, attempt)
            if wait is None:
                raise
            log.info("Xero limited a token request (%s); waiting %.0f s", exc.message, wait)
            time.sleep(wait)
        except XeroServerError as exc:
            # A gateway hiccup (502/503/504) is retried once; a refresh retried with the same token is
            # covered by Xero's grace rule if the first one was in fact processed.
            if attempt == 1 and exc.status in (502, 503, 504):
                log.info("Xero answered %s to a token request; trying once more", exc.status)
                time.sleep(1.0)
                continue
            raise
        except oerr.InvalidGrantError as exc:
            renewing = "renewing" in what
            raise ReauthorizationRequired(
                "Xero no longer accepts this connection's authorization (invalid grant): it expired after 60 days "
                "unused, was revoked, or was replaced."
                if renewing
                else "Xero did not accept the sign-in code (invalid grant): it may have expired or been used already.",
                STEP_REAUTHORIZE if renewing else "Press Authorize again.",
            ) from exc
        except oerr.InvalidClientError as exc:
            raise InvalidInput(
                "Xero does not know this Client ID, or the app is not a PKCE app.",
                "Copy the Client ID again from developer.xero.com (My Apps) and check the app type is "
                "'Auth code with PKCE'.",
            ) from exc
        except oerr.InvalidScopeError as exc:
            raise InvalidInput(
                "Xero refused one of the scopes this connection asks for.",
                "Edit the connection, open Scopes and remove the ones your Xero app may not use.",
            ) from exc
        except oerr.OAuth2Error as exc:
            raise AuthorizationFailed(
                f"Xero refused the request while {what} ({exc.error}).", "Try again; if it repeats, re-authorize."
            ) from exc
        except requests.ConnectionError as exc:
            if isinstance(exc, requests.exceptions.ConnectTimeout) or "Connection refused" in str(exc):
                raise network_error(exc, what) from exc
            raise LostResponse(f"The answer from Xero was lost while {what}.", STEP_CHECK_NETWORK) from exc
        except requests.Timeout as exc:
            if isinstance(exc, requests.exceptions.ConnectTimeout):
                raise network_error(exc, what) from exc
            raise LostResponse(f"The answer from Xero was lost while {what}.", STEP_CHECK_NETWORK) from exc
        except requests.RequestException as exc:
            raise network_error(exc, what) from exc


__all__ = ["AuthorizationRequest", "LostResponse", "challenge_for", "jwt_claims", "make_verifier", "refresh"]
