"""PKCE authorization, code exchange and refresh-with-rotation over requests-oauthlib.

Xero's PKCE apps have no client secret: client_id goes in the form body, no Basic header.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import secrets
import time

from .errors import (
    AuthorizationFailed,
    InvalidInput,
    RateLimited,
    ReauthorizationRequired,
    XeroServerError,
    XeroUnavailable,
)
from .model import TokenSet
from .xero import MAX_RETRY_WAIT, TIMEOUT, Endpoints, network_error, raise_for_status, retry_after_seconds

# Xero returns every scope granted so far, so the token's scope may be wider than asked.
os.environ.setdefault("OAUTHLIB_RELAX_TOKEN_SCOPE", "1")
# requests-oauthlib logs request bodies (tokens!) at DEBUG: never let that through.
for _name in ("requests_oauthlib", "oauthlib"):
    logging.getLogger(_name).setLevel(logging.WARNING)


def _allow_http_if_loopback(endpoints: Endpoints) -> None:
    # oauthlib refuses http:// URLs; a local stand-in (tests) is the only place http is allowed.
    if endpoints.all_loopback():
        os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"


def make_verifier() -> str:
    return secrets.token_urlsafe(72)[:96]  # 43-128 characters of [A-Za-z0-9-_]


def challenge_for(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class AuthorizationRequest:
    """One authorization attempt: PKCE verifier, state and the URL to open."""

    def __init__(self, client_id: str, redirect_url: str, scopes: list[str], endpoints: Endpoints | None = None):
        self.client_id = client_id
        self.redirect_url = redirect_url
        self.scopes = list(scopes)
        self.endpoints = endpoints or Endpoints.from_env()
        self.state = secrets.token_urlsafe(32)
        self.verifier = make_verifier()
        self._url = None

    def _session(self, **kw):
        from requests_oauthlib import OAuth2Session

        _allow_http_if_loopback(self.endpoints)
        return OAuth2Session(self.client_id, redirect_uri=self.redirect_url, **kw)

    @property
    def url(self) -> str:
        if self._url is None:
            session = self._session(scope=self.scopes, state=self.state)
            self._url, _ = session.authorization_url(
                self.endpoints.authorize,
                code_challenge=challenge_for(self.verifier),
                code_challenge_method="S256",
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
                timeout=TIMEOUT,
            ),
            "completing the authorization",
        )


def refresh(client_id: str, refresh_token: str, endpoints: Endpoints | None = None) -> TokenSet:
    """Trade a refresh token for a new token set (Xero rotates the refresh token every time)."""
    from requests_oauthlib import OAuth2Session

    endpoints = endpoints or Endpoints.from_env()
    _allow_http_if_loopback(endpoints)
    session = OAuth2Session(client_id)
    session.register_compliance_hook("refresh_token_response", _check_response("renewing the access token"))
    return _token_call(
        lambda: session.refresh_token(
            endpoints.token,
            refresh_token=refresh_token,
            client_id=client_id,
            timeout=TIMEOUT,
        ),
        "renewing the access token",
    )


class LostResponse(XeroUnavailable):
    """The token request went out but no answer came back (Xero may have rotated the token)."""


def _check_response(what: str):
    def hook(resp):
        if resp.status_code == 429 or resp.status_code >= 500:
            raise_for_status(resp, what)
        if resp.status_code >= 400:
            try:
                body = resp.json()
            except ValueError:
                body = {}
            if not isinstance(body, dict) or "error" not in body:
                raise XeroUnavailable(f"Xero answered with error {resp.status_code} while {what}.", "Try again later.")
        else:
            try:
                body = resp.json()
            except ValueError:
                raise XeroUnavailable(f"Xero sent an answer xconn could not read while {what}.", "Try again later.") from None
            if not isinstance(body, dict) or "access_token" not in body:
                raise XeroUnavailable(f"Xero sent an unexpected answer while {what}.", "Try again later.")
        return resp

    return hook


def _token_call(call, what: str) -> TokenSet:
    import requests
    from oauthlib.oauth2.rfc6749 import errors as oerr

    for attempt in range(1, 4):
        try:
            return TokenSet.from_oauth(call())
        except RateLimited as exc:
            if attempt < 3 and (exc.retry_after or 0) <= MAX_RETRY_WAIT:
                time.sleep(exc.retry_after or 1)
                continue
            raise
        except XeroServerError as exc:
            # A gateway hiccup (502/503/504) is retried once; a refresh retried with the same token is
            # covered by Xero's grace rule if the first one was in fact processed.
            if attempt == 1 and exc.status in (502, 503, 504):
                time.sleep(1.0)
                continue
            raise
        except oerr.InvalidGrantError:
            raise ReauthorizationRequired(
                "Xero no longer accepts this connection's authorization (invalid grant): it expired after 60 days "
                "unused, was revoked, or was replaced." if "renewing" in what else
                "Xero did not accept the sign-in code (invalid grant): it may have expired or been used already.",
                "Edit the connection and press Authorize to re-authorize it." if "renewing" in what else
                "Press Authorize again.",
            ) from None
        except oerr.InvalidClientError:
            raise InvalidInput(
                "Xero does not know this Client ID, or the app is not a PKCE app.",
                "Copy the Client ID again from developer.xero.com (My Apps) and check the app type is "
                "'Auth code with PKCE'.",
            ) from None
        except oerr.InvalidScopeError:
            raise InvalidInput(
                "Xero refused one of the scopes this connection asks for.",
                "Edit the connection, open Advanced and remove scopes your Xero app may not use.",
            ) from None
        except oerr.OAuth2Error as exc:
            raise AuthorizationFailed(
                f"Xero refused the request while {what} ({exc.error}).", "Try again; if it repeats, re-authorize."
            ) from None
        except requests.ConnectionError as exc:
            if isinstance(exc, requests.exceptions.ConnectTimeout) or "Connection refused" in str(exc):
                raise network_error(exc, what) from None
            raise LostResponse(*_lost(what)) from None
        except requests.Timeout as exc:
            if isinstance(exc, requests.exceptions.ConnectTimeout):
                raise network_error(exc, what) from None
            raise LostResponse(*_lost(what)) from None
        except requests.RequestException as exc:
            raise network_error(exc, what) from None
    raise AssertionError("unreachable")


def _lost(what: str):
    return (
        f"The answer from Xero was lost while {what}.",
        "Check the internet connection and try again.",
    )


__all__ = ["AuthorizationRequest", "refresh", "LostResponse", "make_verifier", "challenge_for", "retry_after_seconds"]
