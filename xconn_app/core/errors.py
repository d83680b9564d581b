"""One family of errors, each carrying a plain message and the user's next step.

The CLI maps them to exit codes, the GUI to message boxes; nobody else formats error text.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_REAUTHORIZE = 3
EXIT_TIMEOUT = 4


class XconnError(Exception):
    """An expected failure, described for a non-programmer."""

    exit_code = EXIT_ERROR
    title = "Something went wrong"

    def __init__(self, message: str, next_step: str = ""):
        super().__init__(message)
        self.message = message
        self.next_step = next_step

    def __str__(self) -> str:
        return f"{self.message} {self.next_step}".strip()


class InvalidInput(XconnError):
    exit_code = EXIT_USAGE
    title = "Please check what you entered"


class NotFound(InvalidInput):
    title = "Not found"


class DuplicateName(InvalidInput):
    title = "Name already used"


class ConnectionInUse(InvalidInput):
    title = "Connection in use"


class RegistryError(XconnError):
    title = "Connection list problem"


class RegistryCorrupt(RegistryError):
    """The registry file did not parse; it was kept aside under another name."""

    def __init__(self, message: str, next_step: str = "", kept_as: str | None = None):
        super().__init__(message, next_step)
        self.kept_as = kept_as


class RegistryTooNew(RegistryError):
    pass


class RegistryUnwritable(RegistryError):
    pass


class RegistryBusy(RegistryError):
    pass


class KeyringUnavailable(XconnError):
    title = "No password store"


class NotAuthorized(XconnError):
    exit_code = EXIT_REAUTHORIZE
    title = "Not authorized"


class ReauthorizationRequired(XconnError):
    exit_code = EXIT_REAUTHORIZE
    title = "Re-authorization needed"


class AuthorizationTimedOut(XconnError):
    exit_code = EXIT_TIMEOUT
    title = "No answer from Xero"


class AuthorizationCancelled(XconnError):
    exit_code = EXIT_TIMEOUT
    title = "Authorization cancelled"


class AuthorizationDenied(XconnError):
    title = "Access not allowed"


class AuthorizationFailed(XconnError):
    title = "Authorization failed"


class PortInUse(XconnError):
    title = "Port already in use"

    def __init__(self, message: str, next_step: str = "", port: int | None = None):
        super().__init__(message, next_step)
        self.port = port


class XeroUnavailable(XconnError):
    title = "Cannot reach Xero"


class XeroServerError(XeroUnavailable):
    """Xero answered 5xx."""

    def __init__(self, message: str, next_step: str = "", status: int = 500):
        super().__init__(message, next_step)
        self.status = status


class RateLimited(XeroUnavailable):
    title = "Xero is busy"

    def __init__(self, message: str, next_step: str = "", retry_after: float | None = None):
        super().__init__(message, next_step)
        self.retry_after = retry_after


class XeroRejected(XconnError):
    title = "Xero refused the request"


class TenantUnavailable(XeroRejected):
    title = "Organisation not connected"
