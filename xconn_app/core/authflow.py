"""The Authorize part of the Connection Definition screen as a state machine, with no Tk in it.

    idle -> checking (with Xero) -> waiting (countdown) -> exchanging -> choosing (organisation)
         -> saved | failed | cancelled

The dialog only renders :class:`FlowView` and forwards buttons; every blocking step goes through the
``runner`` it is given (the window passes one that runs work on a worker thread and delivers the
result on the Tk thread; tests pass their own). Also here: the background check with Xero while
typing (:class:`XeroCheck`) and the rules for Save and Enter (:func:`save_rule`, :func:`next_step`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import Enum
from typing import TYPE_CHECKING, Any, TypedDict

from .authorization import AuthorizationOutcome, PendingAuthorization
from .errors import AuthorizationCancelled, AuthorizationTimedOut, InvalidInput, XconnError
from .model import Tenant
from .precheck import REFUSED, CheckVerdict
from .settings import AUTHORIZE_TIMEOUT

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .service import Service

Runner = Callable[[Callable[[], Any], Callable[[Any], None], Callable[[BaseException], None]], None]
CheckKey = tuple[str, str, tuple[str, ...]]  # (Client ID, redirect URL, scopes)


class Phase(str, Enum):
    IDLE = "idle"
    CHECKING = "checking"
    WAITING = "waiting"
    EXCHANGING = "exchanging"
    CHOOSING = "choosing"
    SAVED = "saved"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class FlowView:
    """Everything the dialog shows about the authorization, in words."""

    phase: Phase = Phase.IDLE
    headline: str = ""
    detail: str = ""
    tone: str = "muted"  # muted | busy | ok | error
    seconds_left: int = 0
    url: str = ""  # the sign-in address (Copy link) while waiting
    paste: bool = False  # offer "paste the address the browser ended on"
    refused_note: str = ""
    tenants: tuple[Tenant, ...] = ()
    suggested: Tenant | None = None
    xero_user: str = ""
    error: XconnError | None = None
    authorized: bool = False  # a new grant was made in this dialog
    reaches_saved: bool = True

    @property
    def busy(self) -> bool:
        return self.phase in (Phase.CHECKING, Phase.WAITING, Phase.EXCHANGING)


class ViewChanges(TypedDict, total=False):
    """Fields of FlowView to change (AuthFlow._set); the same names and types."""

    phase: Phase
    headline: str
    detail: str
    tone: str
    seconds_left: int
    url: str
    paste: bool
    refused_note: str
    tenants: tuple[Tenant, ...]
    suggested: Tenant | None
    xero_user: str
    error: XconnError | None
    authorized: bool
    reaches_saved: bool


def _error_text(error: XconnError | None) -> str:
    """A failure in the dialog's words: the plain message and its next step."""
    if error is None:
        return "Something unexpected went wrong; the details are in the log."
    return f"{error.message} {error.next_step}".strip()


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


class AuthFlow:
    def __init__(
        self,
        service: Service,
        runner: Runner,
        on_change: Callable[[FlowView], None],
        *,
        timeout: float = AUTHORIZE_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
        check_first: bool = True,
    ):
        self.service = service
        self.run = runner
        self.on_change = on_change
        self.timeout = timeout
        self.clock = clock
        self.check_first = check_first
        self.view = FlowView()
        self.pending: PendingAuthorization | None = None
        self.outcome: AuthorizationOutcome | None = None
        self.deadline = 0.0
        self._attempt = 0  # results of an earlier attempt are ignored
        self._refused = ""  # set from the listener's thread, shown by tick()
        self._lock = threading.Lock()
        self.known_verdict: Callable[[dict], CheckVerdict | None] = lambda values: None

    # -- transitions ----------------------------------------------------------------------------------
    def _set(self, **changes: Unpack[ViewChanges]) -> None:
        self.view = replace(self.view, **changes)
        self.on_change(self.view)

    def start(self, key: str | None, values: dict) -> None:
        """Authorize (or Authorize again / Try again): check with Xero, listen, open the browser."""
        if self.view.busy:
            return
        if key is None and self.outcome is not None and not values.get("connection_id"):
            # a new connection authorized again: the same draft, so that its grant is replaced, not doubled
            values = {**values, "connection_id": self.outcome.connection.id}
        self._close_pending()
        self._attempt += 1
        attempt = self._attempt
        with self._lock:
            self._refused = ""
        self.view = FlowView(  # what an earlier attempt found is kept
            tenants=self.view.tenants,
            suggested=self.view.suggested,
            xero_user=self.view.xero_user,
            authorized=self.view.authorized,
        )
        known = self.known_verdict(values)
        if known is not None and known.refused:
            self._check_done(attempt, key, values, known)
            return
        if not self.check_first or known is not None:
            self._listen(attempt, key, values)
            return
        self._set(phase=Phase.CHECKING, headline="Checking with Xero…", detail="", tone="busy")
        client, url, scopes = values["client_id"], values["redirect_url"], values["scopes"]
        self.run(
            lambda: self.service.check_with_xero(client, url, scopes),
            lambda verdict: self._check_done(attempt, key, values, verdict),
            lambda exc: self._check_done(attempt, key, values, None),
        )

    def _check_done(self, attempt: int, key: str | None, values: dict, verdict: CheckVerdict | None) -> None:
        if attempt != self._attempt or self.view.phase is Phase.CANCELLED:
            return
        if verdict is not None and verdict.verdict == REFUSED:
            error = InvalidInput(verdict.message, verdict.next_step)
            self._set(
                phase=Phase.FAILED,
                headline="Xero refused this connection's settings.",
                detail=f"{verdict.message} {verdict.next_step}",
                tone="error",
                error=error,
            )
            return
        self._listen(attempt, key, values)

    def _listen(self, attempt: int, key: str | None, values: dict) -> None:
        self._set(phase=Phase.CHECKING, headline="Getting ready to receive Xero's answer…", detail="", tone="busy")
        fields = {k: values[k] for k in ("name", "client_id", "redirect_url", "scopes") if k in values}
        if values.get("connection_id"):
            fields["connection_id"] = values["connection_id"]
        self.run(
            lambda: self.service.begin_authorization(key, on_refused=self._note_refused, **fields),
            lambda pending: self._began(attempt, pending),
            lambda exc: self._failed(attempt, exc),
        )

    def _note_refused(self, text: str) -> None:  # the listener's thread
        with self._lock:
            self._refused = text

    def _began(self, attempt: int, pending: PendingAuthorization) -> None:
        if attempt != self._attempt or self.view.phase is Phase.CANCELLED:
            pending.close()
            return
        self.pending = pending
        self.deadline = self.clock() + self.timeout
        self._set(
            phase=Phase.WAITING,
            url=pending.url,
            paste=True,
            tone="busy",
            headline=f"Waiting for Xero… {int(self.timeout)} s",
            seconds_left=int(self.timeout),
            detail="Allow access in the browser window that opened.",
        )
        self.run(
            lambda: pending.wait(self.timeout),
            lambda outcome: self._done(attempt, outcome),
            lambda exc: self._failed(attempt, exc),
        )
        self.run(pending.open_browser, lambda ok: self._browser(attempt, ok), lambda exc: self._browser(attempt, False))

    def _browser(self, attempt: int, ok: bool) -> None:
        if attempt == self._attempt and not ok and self.view.phase is Phase.WAITING:
            self._set(
                detail="No web browser could be opened: press Copy link, open it in a browser where you are "
                "logged in to Xero, then come back here.",
                tone="error",
            )

    def tick(self) -> None:
        """Once a second while waiting: the countdown, and a refused stranger's request if any."""
        if self.view.phase is not Phase.WAITING:
            return
        left = max(0, round(self.deadline - self.clock()))
        with self._lock:
            refused = self._refused
        self._set(seconds_left=left, headline=f"Waiting for Xero… {left} s", refused_note=refused)

    def _done(self, attempt: int, outcome: AuthorizationOutcome) -> None:
        if attempt != self._attempt:
            return
        if self.outcome is not None:
            # Authorized again in the same dialog: Cancel must still put back what was there before the
            # first authorization, not the first attempt's grant.
            outcome.previous_tokens = self.outcome.previous_tokens
            outcome.previous_grant = self.outcome.previous_grant
        self.outcome = outcome
        tenants = tuple(outcome.tenants)
        who = f" as {outcome.xero_user}" if outcome.xero_user else ""
        if not tenants:
            detail = "But this Xero login has no organisation connected to the app: authorize again and tick one."
            tone = "error"
        elif not outcome.reaches_saved_tenant:
            detail = (
                f"This sign-in cannot reach {outcome.connection.tenant_name}: authorize again and tick it on "
                "Xero's page, or ask a list administrator to pick another organisation."
            )
            tone = "error"
        elif outcome.suggested is not None:
            detail = f"Organisation: {outcome.suggested.tenant_name}."
            tone = "ok"
        else:
            detail = f"{_plural(len(tenants), 'organisation')} can be used: choose one in the Tenant list."
            tone = "ok"
        self._set(
            phase=Phase.CHOOSING,
            headline=f"✓ Connected to Xero{who}.",
            detail=detail,
            tone=tone,
            tenants=tenants,
            suggested=outcome.suggested,
            xero_user=outcome.xero_user,
            authorized=True,
            url="",
            paste=False,
            refused_note="",
            error=None,
            reaches_saved=outcome.reaches_saved_tenant,
        )

    def _failed(self, attempt: int, exc: BaseException) -> None:
        if attempt != self._attempt:
            return
        if isinstance(exc, AuthorizationCancelled) and self.pending is not None and self.pending.finished:
            return  # finished by a pasted address: _done has it
        if isinstance(exc, AuthorizationCancelled) or self.view.phase is Phase.CANCELLED:
            self._close_pending()
            self._set(
                phase=Phase.CANCELLED,
                headline="Authorization cancelled.",
                detail="",
                tone="muted",
                url="",
                paste=False,
                seconds_left=0,
            )
            return
        error = exc if isinstance(exc, XconnError) else None
        if isinstance(exc, AuthorizationTimedOut):
            # Keep listening state for the paste: the address can still finish this sign-in.
            self._set(
                phase=Phase.FAILED,
                headline=f"No answer from Xero within {int(self.timeout)} seconds.",
                detail=exc.next_step,
                tone="error",
                error=exc,
                paste=True,
                seconds_left=0,
            )
            return
        self._close_pending()
        self._set(
            phase=Phase.FAILED,
            headline="Authorization did not complete.",
            detail=_error_text(error),
            tone="error",
            error=error,
            url="",
            paste=False,
            seconds_left=0,
        )

    # -- buttons ------------------------------------------------------------------------------------------
    def cancel(self) -> None:
        """Stop waiting (Cancel beside the countdown, or closing the dialog)."""
        if self.view.phase is Phase.WAITING and self.pending is not None:
            self._set(phase=Phase.CANCELLED, headline="Cancelling…", tone="muted")
            self.pending.cancel()
        elif self.view.phase is Phase.CHECKING:
            self._attempt += 1  # whatever comes back from the check is dropped
            self._set(phase=Phase.CANCELLED, headline="Authorization cancelled.", detail="", tone="muted")

    def paste(self, address: str) -> None:
        pending = self.pending
        if pending is None or not address.strip():
            return
        attempt = self._attempt
        self._set(phase=Phase.EXCHANGING, headline="Finishing the sign-in…", tone="busy")

        def failed(exc: BaseException) -> None:
            if attempt != self._attempt:
                return
            error = exc if isinstance(exc, XconnError) else None
            self._set(
                phase=Phase.FAILED,
                headline="That address did not finish the sign-in.",
                detail=_error_text(error),
                tone="error",
                error=error,
                paste=True,
            )

        self.run(lambda: pending.complete_with_address(address), lambda o: self._done(attempt, o), failed)

    def discard(self, on_done: Callable[[], None] | None = None) -> None:
        """Cancel after a new grant: put back what this user had (or remove it). Nothing changes at Xero."""
        outcome, self.outcome = self.outcome, None
        self.close()
        if outcome is None:
            if on_done:
                on_done()
            return
        self.run(
            lambda: self.service.discard_authorization(outcome),
            lambda _r: on_done and on_done(),
            lambda _e: on_done and on_done(),
        )

    def saved(self) -> None:
        self.outcome = None
        self._set(phase=Phase.SAVED, tone="ok")

    def close(self) -> None:
        self._attempt += 1
        if self.pending is not None:
            self.pending.cancel()
        self._close_pending()

    def _close_pending(self) -> None:
        pending, self.pending = self.pending, None
        if pending is not None:
            self.run(pending.close, lambda _r: None, lambda _e: None)

    @property
    def unsaved_grant(self) -> bool:
        """A grant made in this dialog that Save has not kept yet (Cancel must ask / undo it)."""
        return self.outcome is not None


class XeroCheck:
    """The check with Xero while typing: once per (Client ID, redirect URL, scopes), one at a time,
    started by the dialog 1 s after typing stops (settings.PRECHECK_DELAY_MS)."""

    def __init__(self, service: Service, runner: Runner, on_change: Callable[[str, str], None]):
        self.service = service
        self.run = runner
        self.on_change = on_change  # (text, tone)
        self.verdicts: dict[CheckKey, CheckVerdict] = {}
        self._generation = 0
        self._running: CheckKey | None = None
        self._waiting: dict | None = None

    @staticmethod
    def key(values: dict) -> CheckKey:
        return values["client_id"], values["redirect_url"], tuple(values["scopes"])

    def changed(self) -> int:
        """Typing happened: returns the token the dialog hands to fire() after the delay."""
        self._generation += 1
        return self._generation

    def fire(self, token: int, values: dict | None) -> None:
        """The delay passed. values: the fields when all are valid, else None."""
        if token != self._generation or values is None:
            return
        key = self.key(values)
        if key in self.verdicts:
            self._show(self.verdicts[key])
            return
        if self._running is not None:
            self._waiting = values  # one request at a time: this one goes next
            return
        self._running = key
        self.on_change("Checking with Xero…", "muted")
        self.run(
            lambda: self.service.check_with_xero(*key[:2], list(key[2])),
            lambda v: self._done(key, v),
            lambda exc: self._done(key, None),
        )

    def _done(self, key: CheckKey, verdict: CheckVerdict | None) -> None:
        self._running = None
        if verdict is not None and verdict.verdict != "unknown":
            self.verdicts[key] = verdict
        if verdict is not None and self._waiting is None:
            self._show(verdict)
        waiting, self._waiting = self._waiting, None
        if waiting is not None:
            self.fire(self._generation, waiting)

    def _show(self, verdict: CheckVerdict) -> None:
        if verdict.verdict == "accepted":
            self.on_change("✓ Xero knows this Client ID and redirect URL.", "ok")
        elif verdict.refused:
            self.on_change(f"{verdict.message} {verdict.next_step}", "error")
        else:
            self.on_change(f"Xero could not be checked ({verdict.cause}); Authorize will still try.", "muted")

    def known(self, values: dict) -> CheckVerdict | None:
        return self.verdicts.get(self.key(values))


@dataclass(frozen=True)
class SaveRule:
    enabled: bool
    label: str  # "Save", "Save as draft" or "Done"
    reason: str = ""  # why it is disabled, or what a draft means


def save_rule(
    *,
    may_change: bool,
    fields_valid: bool,
    view: FlowView,
    tenant_chosen: bool,
    already_authorized: bool,
    has_saved_tenant: bool,
) -> SaveRule:
    """Issue 11's Save rules. already_authorized: this user had a working grant before the dialog."""
    if view.busy:
        return SaveRule(False, "Save" if may_change else "Done", "Wait for the authorization to finish.")
    if not may_change:
        return SaveRule(True, "Done", "Your own authorization is kept; only list administrators change the definition.")
    if not fields_valid:
        return SaveRule(False, "Save", "Correct the fields marked in red first.")
    if view.authorized or already_authorized:
        if not (tenant_chosen or has_saved_tenant):
            return SaveRule(False, "Save", "Choose the organisation in the Tenant list first.")
        return SaveRule(True, "Save")
    return SaveRule(
        True, "Save as draft", "Not authorized yet: it is saved as a draft that no one can use until it is authorized."
    )


def next_step(view: FlowView, rule: SaveRule) -> str | None:
    """What Enter does in a field: 'authorize' before authorization, 'save' after (when allowed)."""
    if view.busy:
        return None
    if view.phase is Phase.CHOOSING or view.authorized:
        return "save" if rule.enabled and rule.label != "Save as draft" else None
    return "authorize"
