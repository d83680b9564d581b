"""The Authorize state machine (core/authflow.py) without a display, against the local Xero stand-in:
every path the Definition dialog renders, including each way it fails."""

from __future__ import annotations

import queue
import threading
import time

import pytest
import requests
from attack import callback_address
from conftest import CLIENT_ID

from xconn_app.core.authflow import AuthFlow, FlowView, Phase, XeroCheck, next_step, save_rule
from xconn_app.core.errors import AuthorizationDenied, InvalidInput
from xconn_app.core.model import DEFAULT_SCOPES


class Pump:
    """Runs work on threads and hands results back when pumped (what Tk's after() does in the window)."""

    def __init__(self):
        self.results: queue.Queue = queue.Queue()
        self.started = []

    def __call__(self, work, on_done, on_error):
        self.started.append(getattr(work, "__name__", "work"))

        def worker():
            try:
                value = work()
            except BaseException as exc:
                self.results.put((on_error, exc))
            else:
                self.results.put((on_done, value))

        threading.Thread(target=worker, daemon=True).start()

    def until(self, flow_or_pred, timeout: float = 20.0):
        pred = flow_or_pred if callable(flow_or_pred) else None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                callback, value = self.results.get(timeout=0.05)
                callback(value)
            except queue.Empty:
                pass
            if pred():
                return
        raise AssertionError("timed out waiting")


@pytest.fixture
def flow(service, standin):
    pump = Pump()
    seen: list[FlowView] = []
    f = AuthFlow(service, pump, seen.append)
    f.pump, f.seen = pump, seen
    yield f
    f.close()


def values(redirect_url, **over):
    return {
        "name": "Head office",
        "client_id": CLIENT_ID,
        "redirect_url": redirect_url,
        "scopes": DEFAULT_SCOPES,
        **over,
    }


def browser_allows(flow):
    """The browser: follow the sign-in address (auto consent) into the listener."""
    threading.Thread(target=lambda: requests.get(flow.view.url, timeout=10), daemon=True).start()


def test_checks_with_xero_waits_then_offers_the_organisation(flow, redirect_url, monkeypatch):
    monkeypatch.setattr("xconn_app.core.authorization.PendingAuthorization.open_browser", lambda self: True)
    flow.start(None, values(redirect_url))
    assert flow.view.phase is Phase.CHECKING and flow.view.headline == "Checking with Xero…"
    flow.pump.until(lambda: flow.view.phase is Phase.WAITING)
    assert flow.view.url and flow.view.paste and flow.view.seconds_left == 90
    flow.tick()
    assert flow.view.headline.startswith("Waiting for Xero… ")
    browser_allows(flow)
    flow.pump.until(lambda: flow.view.phase is Phase.CHOOSING)
    v = flow.view
    assert v.authorized and v.tone == "ok" and v.suggested.tenant_name == "Demo Company (NZ)"
    assert v.headline == "✓ Connected to Xero as Demo User <demo.user@example.com>."
    assert [p.phase for p in flow.seen][:3] == [Phase.CHECKING, Phase.CHECKING, Phase.WAITING]
    assert flow.unsaved_grant and flow.service.connections() == []  # nothing shared written yet


def test_refused_by_xero_before_any_browser_opens(flow, redirect_url, standin):
    flow.start(None, values(redirect_url, client_id="F" * 32))
    flow.pump.until(lambda: flow.view.phase is Phase.FAILED)
    assert isinstance(flow.view.error, InvalidInput) and "does not know this Client ID" in flow.view.detail
    assert flow.pending is None and not flow.view.url  # no listener, no browser, no 90 s wait
    flow.start(None, values(redirect_url.replace("/callback", "/cb")))
    flow.pump.until(lambda: flow.view.phase is Phase.FAILED)
    assert "registered exactly" in flow.view.detail


def test_unreachable_check_goes_on_to_the_browser(flow, redirect_url, monkeypatch):
    monkeypatch.setattr(flow.service, "check_with_xero", lambda *a: (_ for _ in ()).throw(OSError("down")))
    flow.start(None, values(redirect_url))
    flow.pump.until(lambda: flow.view.phase is Phase.WAITING)


def test_cancel_while_waiting_stops_listening(flow, redirect_url):
    flow.check_first = False
    flow.start(None, values(redirect_url))
    flow.pump.until(lambda: flow.view.phase is Phase.WAITING)
    port = int(redirect_url.split(":")[2].split("/")[0])
    flow.cancel()
    flow.pump.until(lambda: flow.view.headline == "Authorization cancelled.")
    assert flow.view.phase is Phase.CANCELLED and flow.pending is None
    flow.pump.until(lambda: _free(port))


def _free(port: int) -> bool:
    import socket

    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def test_timeout_then_the_pasted_address_still_finishes(service, standin, redirect_url):
    pump = Pump()
    flow = AuthFlow(service, pump, lambda v: None, timeout=1, check_first=False)
    flow.start(None, values(redirect_url))
    pump.until(lambda: flow.view.phase is Phase.WAITING)
    address = callback_address(flow.view.url)  # the browser ended there, but never reached xconn
    pump.until(lambda: flow.view.phase is Phase.FAILED)
    assert flow.view.paste and "Client ID" in flow.view.detail  # the likely causes, first one first
    flow.paste(address)
    pump.until(lambda: flow.view.phase is Phase.CHOOSING)
    assert flow.view.suggested.tenant_name == "Demo Company (NZ)"
    flow.close()


def test_denied_consent_fails_plainly(flow, redirect_url, standin):
    standin.deny_consent = True
    flow.check_first = False
    flow.start(None, values(redirect_url))
    flow.pump.until(lambda: flow.view.phase is Phase.WAITING)
    browser_allows(flow)
    flow.pump.until(lambda: flow.view.phase is Phase.FAILED)
    assert isinstance(flow.view.error, AuthorizationDenied) and "Allow access" in flow.view.detail


def test_discard_after_success_leaves_nothing(flow, redirect_url):
    flow.check_first = False
    flow.start(None, values(redirect_url))
    flow.pump.until(lambda: flow.view.phase is Phase.WAITING)
    browser_allows(flow)
    flow.pump.until(lambda: flow.view.phase is Phase.CHOOSING)
    conn_id = flow.outcome.connection.id
    assert flow.service.store.load(conn_id) is not None
    done = []
    flow.discard(lambda: done.append(True))
    flow.pump.until(lambda: done)
    assert flow.service.store.load(conn_id) is None and flow.service.grants.all() == {}


def test_xero_check_while_typing_runs_once_per_settings(service, standin, redirect_url):
    pump = Pump()
    shown = []
    calls = []
    real = service.check_with_xero
    service.check_with_xero = lambda *a: calls.append(a) or real(*a)
    check = XeroCheck(service, pump, lambda text, tone: shown.append((text, tone)))
    v = values(redirect_url)
    stale = check.changed()
    token = check.changed()
    check.fire(stale, v)  # typing went on: an older timer does nothing
    assert calls == []
    check.fire(token, v)
    pump.until(lambda: shown and shown[-1][1] == "ok")
    check.fire(check.changed(), v)  # the same settings again: no second request
    assert len(calls) == 1 and shown[-1][0].startswith("✓ Xero knows")
    check.fire(check.changed(), values(redirect_url, client_id="F" * 32))
    pump.until(lambda: shown[-1][1] == "error")
    assert "does not know this Client ID" in shown[-1][0] and len(calls) == 2
    check.fire(check.changed(), None)  # a field is not valid: nothing is asked
    assert len(calls) == 2


@pytest.mark.parametrize(
    "may_change, valid, view, chosen, before, saved_tenant, label, enabled, enter",
    [
        (True, True, FlowView(), False, False, False, "Save as draft", True, "authorize"),
        (True, False, FlowView(), False, False, False, "Save", False, "authorize"),
        (True, True, FlowView(phase=Phase.CHOOSING, authorized=True), False, False, False, "Save", False, None),
        (True, True, FlowView(phase=Phase.CHOOSING, authorized=True), True, False, False, "Save", True, "save"),
        (True, True, FlowView(phase=Phase.WAITING), False, False, False, "Save", False, None),
        (True, True, FlowView(), False, True, True, "Save", True, "authorize"),
        (False, True, FlowView(phase=Phase.CHOOSING, authorized=True), False, True, True, "Done", True, "save"),
    ],
)
def test_save_and_enter_rules(may_change, valid, view, chosen, before, saved_tenant, label, enabled, enter):
    rule = save_rule(
        may_change=may_change,
        fields_valid=valid,
        view=view,
        tenant_chosen=chosen,
        already_authorized=before,
        has_saved_tenant=saved_tenant,
    )
    assert (rule.label, rule.enabled) == (label, enabled)
    assert next_step(view, rule) == enter


def test_cancel_after_authorizing_twice_puts_back_what_was_there_before(flow, redirect_url):
    flow.check_first = False
    for _ in range(2):  # Authorize, then Authorize again in the same dialog
        flow.start(None, values(redirect_url))
        flow.pump.until(lambda: flow.view.phase is Phase.WAITING)
        browser_allows(flow)
        flow.pump.until(lambda: flow.view.phase is Phase.CHOOSING)
    conn_id = flow.outcome.connection.id
    done = []
    flow.discard(lambda: done.append(True))
    flow.pump.until(lambda: done)
    assert flow.service.store.load(conn_id) is None and flow.service.grants.all() == {}
