"""Authorize through the window against the Xero stand-in: the seed's procedure, step by step."""

from __future__ import annotations

import threading

import pytest
import requests

import conftest
from attack import callback_address
from xvfb import TkHeartbeat, display, make_window, open_edit, pump, row_of, rows  # noqa: F401

pytestmark = pytest.mark.gui

CLIENT_ID = conftest.CLIENT_ID


@pytest.fixture
def browser_follows(monkeypatch):
    """open_browser follows the URL like a browser with automatic consent, from another thread."""
    from xconn_app.core.authorization import PendingAuthorization

    opened = []

    def fake_open(self):
        opened.append(self.url)
        threading.Thread(target=lambda: requests.get(self.url, timeout=10), daemon=True).start()
        return True

    monkeypatch.setattr(PendingAuthorization, "open_browser", fake_open)
    return opened


def test_add_authorize_pick_tenant_save(make_window, service, standin, redirect_url, browser_follows):
    standin.tenants = [{"tenantName": "Demo Company (NZ)"}, {"tenantName": "Harbour Logistics Ltd"}]
    standin.register_app(CLIENT_ID, [redirect_url], tier="advanced")  # several organisations in one sign-in
    win = make_window(service)
    monitor = TkHeartbeat(win, 10)
    win.connections.add_button.invoke()
    dialog = win.connections.dialog
    assert "log in to Xero in your web browser first" in dialog.tip_label.cget("text")
    dialog.name_field.var.set("Head office")
    dialog.client_field.var.set(CLIENT_ID)
    dialog.url_field.var.set(redirect_url)
    assert str(dialog.tenant_menu.cget("state")) == "disabled"
    dialog.authorize_button.invoke()
    pump(win, lambda: dialog.flow.succeeded, timeout=20)
    monitor.running = False
    assert browser_follows and browser_follows[0].startswith(standin.base_url)
    assert ("info", "Connected to Xero") == win.dialogs.calls[-1][:2]
    assert "2 organisations are available" in win.dialogs.calls[-1][2]
    assert str(dialog.tenant_menu.cget("state")) == "normal"
    assert dialog.tenant_menu.cget("values") == ["Demo Company (NZ)", "Harbour Logistics Ltd"]
    assert monitor.longest < 0.1, f"Tk stalled for {monitor.longest * 1000:.0f} ms"
    # The service saved the connection on success; the dialog now edits it.
    conn = service.connections()[0]
    assert dialog.connection_id == conn.id and conn.tenant_id == ""
    pump(win, lambda: rows(win) and row_of(win, "Head office")[2] == "Connected")
    dialog.tenant_menu.set("Harbour Logistics Ltd")
    dialog.save_button.invoke()
    pump(win, lambda: not dialog.winfo_exists())
    pump(win, lambda: row_of(win, "Head office")[1] == "Harbour Logistics Ltd")
    assert service.get(conn.id).tenant_name == "Harbour Logistics Ltd"
    assert len(service.connections()) == 1


def test_one_tenant_is_selected_by_itself(make_window, service, standin, redirect_url, browser_follows):
    conn = service.add("Head office", CLIENT_ID, redirect_url)
    win = make_window(service)
    win.connections.select(conn.id)
    win.connections.edit_button.invoke()
    dialog = win.connections.dialog
    pump(win, lambda: dialog.url_field.get() == redirect_url)
    pump(win, seconds=0.2)
    width = dialog.winfo_width()
    monitor = TkHeartbeat(win, 10)
    dialog.authorize_button.invoke()
    pump(win, lambda: dialog.flow.succeeded, timeout=20)
    monitor.running = False
    pump(win, seconds=0.2)
    assert dialog.winfo_width() == width  # "✓ Connected…" takes the countdown's place: same width
    assert dialog.tenant_menu.get() == "Demo Company (NZ)"
    assert monitor.longest < 0.1
    dialog.save_button.invoke()
    pump(win, lambda: row_of(win, "Head office")[1:3] == ("Demo Company (NZ)", "Connected"))


def test_waiting_counts_down_and_cancel_stops(make_window, service, standin, redirect_url, monkeypatch):
    from xconn_app.core.authorization import PendingAuthorization

    standin.auto_consent = False
    monkeypatch.setattr(PendingAuthorization, "open_browser", lambda self: True)
    conn = service.add("Head office", CLIENT_ID, redirect_url)
    win = make_window(service)
    dialog = open_edit(win, conn)
    width = dialog.winfo_width()
    dialog.authorize_button.invoke()
    pump(win, lambda: "Waiting for Xero… " in dialog.wait_label.cget("text"))
    pump(win, seconds=0.2)
    assert dialog.winfo_width() == width  # the countdown, Copy link and Cancel fit: no jump
    first = dialog.wait_label.cget("text")
    pump(win, lambda: dialog.wait_label.cget("text") != first, timeout=3)
    assert dialog.paste_frame.winfo_manager() and dialog.copy_link_button.winfo_manager()
    dialog.copy_link_button.invoke()
    assert win.clipboard_get() == dialog.flow.pending.url
    dialog.cancel_wait_button.invoke()
    pump(win, lambda: dialog.wait_label.cget("text") == "Authorization cancelled.")
    pump(win, seconds=0.2)
    assert dialog.winfo_width() == width
    assert not [c for c in win.dialogs.calls if c[0] == "error"]
    assert str(dialog.authorize_button.cget("state")) == "normal"
    dialog.cancel_button.invoke()


def test_pasted_address_finishes_the_authorization(make_window, service, standin, redirect_url, monkeypatch):
    """The browser could not reach the loopback server: the person pastes the address instead."""
    from xconn_app.core.authorization import PendingAuthorization

    landed = []

    def browser_that_cannot_reach_the_app(self):
        def go():
            landed.append(callback_address(self.url))
        threading.Thread(target=go, daemon=True).start()
        return True

    monkeypatch.setattr(PendingAuthorization, "open_browser", browser_that_cannot_reach_the_app)
    conn = service.add("Head office", CLIENT_ID, redirect_url)
    win = make_window(service)
    dialog = open_edit(win, conn)
    dialog.authorize_button.invoke()
    pump(win, lambda: landed and dialog.paste_frame.winfo_manager())
    dialog.paste_var.set("http://localhost:1/elsewhere?code=x&state=y")
    dialog.finish_button.invoke()
    pump(win, lambda: [c for c in win.dialogs.calls if c[0] == "error"])
    assert win.dialogs.calls[-1][1] == "Please check what you entered"
    assert "Copy the whole address" in win.dialogs.calls[-1][2]
    assert dialog.flow.active  # still waiting: a wrong paste does not end the sign-in
    dialog.paste_var.set(landed[0])
    dialog.finish_button.invoke()
    pump(win, lambda: dialog.flow.succeeded, timeout=20)
    assert win.dialogs.calls[-1][:2] == ("info", "Connected to Xero")
    assert sum(1 for c in win.dialogs.calls if c[1] == "Connected to Xero") == 1


def test_port_in_use_is_explained(make_window, service, standin, redirect_url):
    import socket
    from urllib.parse import urlsplit

    blocker = socket.socket()
    blocker.bind(("127.0.0.1", urlsplit(redirect_url).port))
    blocker.listen(1)
    try:
        conn = service.add("Head office", CLIENT_ID, redirect_url)
        win = make_window(service)
        dialog = open_edit(win, conn)
        dialog.authorize_button.invoke()
        pump(win, lambda: win.dialogs.calls)
    finally:
        blocker.close()
    kind, title, text = win.dialogs.calls[-1]
    assert kind == "error" and "Traceback" not in text and "Error" not in title.split()[0]
    assert str(dialog.authorize_button.cget("state")) == "normal"


def test_needs_reauthorization_banner_and_highlighted_authorize(make_window, service, standin, redirect_url,
                                                                 browser_follows):
    from xvfb import authorize

    from xconn_app.ui.widgets.theme import DANGER

    a = service.add("Head office", CLIENT_ID, redirect_url)
    b = service.add("Branch", CLIENT_ID, redirect_url.replace("/callback", "/branch"))
    standin.register_app(CLIENT_ID, [redirect_url, redirect_url.replace("/callback", "/branch")])
    authorize(service, a.id)
    authorize(service, b.id)
    service.add("Spare", CLIENT_ID, "http://localhost:5999/callback")
    win = make_window(service)
    assert win.connections.banner_message == ""
    standin.revoke_all()
    standin.expire_access_tokens()
    monitor = TkHeartbeat(win, 10)
    win.connections.check_button.invoke()
    assert win.connections.progress.winfo_manager()
    pump(win, lambda: win.dialogs.calls and not win.connections.checking, timeout=30)
    monitor.running = False
    assert monitor.longest < 0.1
    kind, title, text = win.dialogs.calls[-1]
    assert (kind, title) == ("info", "Some connections need attention")
    assert "Head office" in text and "Branch" in text and "Edit the connection and press Authorize" in text
    assert row_of(win, "Head office")[2] == "Needs re-authorization"
    assert "needs_reauthorization" in win.connections.tree.item(a.id, "tags")
    assert win.connections.banner_message == ("⚠  2 connections need re-authorization: select one and press Edit, "
                                              "then Authorize.")
    dialog = open_edit(win, a)
    assert dialog.reauth_label.winfo_manager()
    assert "expired after 60 days unused or was revoked" in dialog.reauth_label.cget("text")
    assert dialog.authorize_button.cget("fg_color") == DANGER
    dialog.authorize_button.invoke()
    pump(win, lambda: dialog.flow.succeeded, timeout=20)
    dialog.save_button.invoke()
    pump(win, lambda: row_of(win, "Head office")[2] == "Connected")
    assert "1 connection ('Branch') needs re-authorization" in win.connections.banner_message
