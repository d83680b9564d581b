"""One family of errors, each carrying a plain message and the user's next step.

The CLI maps them to exit codes, the GUI to message boxes; nobody else formats error text.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The command line's exit codes (README: "Exit codes")."""

    OK = 0
    ERROR = 1
    USAGE = 2  # bad usage or input
    REAUTHORIZE = 3  # needs (re-)authorization
    TIMEOUT = 4  # timed out or cancelled
    NOT_ALLOWED = 5  # a change to the connection list by someone who is not a list administrator


def authorize_command(name: str) -> str:
    return 'xconn authorize "' + name.replace('"', '\\"') + '"'


EXIT_OK, EXIT_ERROR, EXIT_USAGE = ExitCode.OK, ExitCode.ERROR, ExitCode.USAGE
EXIT_REAUTHORIZE, EXIT_TIMEOUT, EXIT_NOT_ALLOWED = ExitCode.REAUTHORIZE, ExitCode.TIMEOUT, ExitCode.NOT_ALLOWED

# -- next steps said in more than one place ---------------------------------------------------
# Next steps are for people in the window and at the command line alike: no command lines in them.
# A command that does the same (for the command line only) goes in XconnError.command.
STEP_REAUTHORIZE = "Select the connection and press Re-authorize."
STEP_AUTHORIZE = "Select the connection and press Authorize."
STEP_REPAIR = (
    "Ask IT to repair the shared folder: Diagnose > Repair the shared folder does it with an administrator's password."
)
COMMAND_REPAIR = "sudo xconn setup-machine"
STEP_TRY_LATER = "Try again in a few minutes."
STEP_CHECK_NETWORK = "Check the internet connection (open https://www.xero.com in the browser) and try again."


class XconnError(Exception):
    """An expected failure, described for a non-programmer."""

    exit_code = EXIT_ERROR
    title = "Something went wrong"

    def __init__(self, message: str, next_step: str = "", command: str = ""):
        super().__init__(message)
        self.message = message
        self.next_step = next_step
        self.command = command  # the command line that does the next step (printed by the CLI only)

    def __str__(self) -> str:
        return f"{self.message} {self.next_step}".strip()


class NotAllowed(XconnError):
    """A change to the machine-wide list by a user who is not a list administrator."""

    exit_code = EXIT_NOT_ALLOWED
    title = "Only list administrators can do this"


class UnsafeLocation(XconnError):
    """A folder or file that someone else could have changed, or that is not what it should be."""

    title = "Unsafe folder or file"


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
    kind: str  # which limit (xero.limit_kind): set by xero.rate_limited, which makes every one

    def __init__(self, message: str, next_step: str = "", retry_after: float | None = None):
        super().__init__(message, next_step)
        self.retry_after = retry_after


class DailyLimitReached(RateLimited):
    """Xero's per-organisation daily call limit is used up (it resets at reset_at)."""

    title = "Xero's daily limit reached"

    def __init__(
        self, message: str, next_step: str = "", retry_after: float | None = None, reset_at: float | None = None
    ):
        super().__init__(message, next_step, retry_after)
        self.reset_at = reset_at


class XeroRejected(XconnError):
    title = "Xero refused the request"


class TenantUnavailable(XeroRejected):
    title = "Organisation not connected"


class MissingPermission(XeroRejected):
    """Xero answered 401 AuthorizationUnsuccessful: the grant lacks a scope for this call."""

    title = "Permission missing"
