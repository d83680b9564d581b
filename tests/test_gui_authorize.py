"""Authorize through the window against the Xero stand-in: the Connection Definition renders the
Tk-free flow (core/authflow.py); success is shown inside the dialog, never in a box the browser can hide."""

from __future__ import annotations

import functools
import subprocess
import sys

import conftest
import pytest
from attack import callback_address
from xvfb import focused, open_edit, pump, row_of, rows, shown

from xconn_app.core.authflow import Phase

pytestmark = pytest.mark.gui
pytest_plugins = ["guifixtures"]  # the display and make_window fixtures

CLIENT_ID = conftest.CLIENT_ID
TWO = [{"tenantName": "Demo Company (NZ)"}, {"tenantName": "Harbour Logistics Ltd"}]


def phase(dialog) -> Phase:
    return dialog.flow.view.phase


def fill(dialog, redirect_url, name="Head office"):
    dialog.name_field.set(name)
    dialog.client_field.set(CLIENT_ID)
    dialog.url_field.set(redirect_url)


def boxes(win):
    """Message boxes shown so far (the success must not be one)."""
    return [c for c in win.dialogs.calls if c[0] in ("info", "success", "warning", "error")]


def test_add_authorize_pick_the_organisation_save(make_window, service, standin, redirect_url, browser):
    standin.tenants = TWO
    standin.register_app(CLIENT_ID, [redirect_url], tier="advanced")  # both ticked in one sign-in
    win = make_window(service)
    dialog = shown(win, win.connections.add())
    fill(dialog, redirect_url)
    assert dialog.save_button.cget("text") == "Save as draft"  # before authorizing: a draft, said so
    assert "Not authorized yet" in dialog.reason.cget("text")
    assert str(dialog.tenant_menu.cget("state")) == "disabled"
    dialog.authbox.authorize_button.invoke()
    pump(win, lambda: phase(dialog) is Phase.WAITING)
    assert browser.opened and browser.opened[0].startswith(standin.base_url)
    assert dialog.authbox.headline.cget("text") == "Waiting for Xero… 90 s"
    assert dialog.authbox.authorize_button.cget("text") == "Stop waiting"
    assert not dialog.save_button.enabled
    browser.allow()
    pump(win, lambda: phase(dialog) is Phase.CHOOSING)
    assert boxes(win) == []  # success inside the dialog: no box for the browser to hide
    assert dialog.authbox.headline.cget("text") == "✓ Connected to Xero as Demo User <demo.user@example.com>."
    assert "choose one in the Tenant list" in dialog.authbox.detail.cget("text")
    assert dialog.tenant_menu.choices() == ["Demo Company (NZ)", "Harbour Logistics Ltd"]
    assert dialog.tenant_menu.get() == "Choose an organisation…"
    # Save rules: authorized, so Save needs an organisation, and says why it is disabled.
    assert dialog.save_button.cget("text") == "Save" and not dialog.save_button.enabled
    assert dialog.reason.cget("text") == "Choose the organisation in the Tenant list first."
    assert focused(dialog.tenant_menu)
    assert service.connections() == []  # authorizing wrote nothing shared
    dialog.tenant_menu.pick("Harbour Logistics Ltd")
    assert dialog.save_button.enabled
    dialog.save_button.invoke()
    pump(win, lambda: not dialog.winfo_exists())
    pump(win, lambda: rows(win) and row_of(win, "Head office")[1:3] == ("Harbour Logistics Ltd", "Connected"))
    conn = service.connections()[0]
    assert conn.tenant_name == "Harbour Logistics Ltd" and win.connections.selected_id() == conn.id


def test_one_organisation_is_chosen_and_enter_saves(make_window, service, standin, redirect_url, browser):
    win = make_window(service)
    dialog = shown(win, win.connections.add())
    fill(dialog, redirect_url)
    dialog.enter()  # Enter in a field before authorizing: Authorize, not Save
    pump(win, lambda: phase(dialog) is Phase.WAITING)
    assert service.connections() == []
    browser.allow()
    pump(win, lambda: phase(dialog) is Phase.CHOOSING)
    assert dialog.tenant_menu.get() == "Demo Company (NZ)"
    assert "Organisation: Demo Company (NZ)." in dialog.authbox.detail.cget("text")
    assert dialog.save_button.enabled and focused(dialog.save_button)
    dialog.enter()  # after authorizing: Save
    pump(win, lambda: rows(win) and row_of(win, "Head office")[1:3] == ("Demo Company (NZ)", "Connected"))
    assert win.connections.selected_id() == service.connections()[0].id


def test_a_draft_is_saved_only_as_labelled(make_window, service):
    win = make_window(service)
    dialog = shown(win, win.connections.add())
    fill(dialog, "http://localhost:5000/callback")
    dialog.save_button.invoke()  # "Save as draft"
    pump(win, lambda: rows(win))
    assert row_of(win, "Head office")[1:3] == ("—", "Not authorized")
    assert "not_authorized" in win.connections.tree.item(service.connections()[0].id, "tags")
    assert win.connections.selected_id() == service.connections()[0].id  # the new row is selected


def test_waiting_counts_down_escape_asks_and_one_stop_button(make_window, service, standin, redirect_url, browser):
    conn = service.add("Head office", CLIENT_ID, redirect_url)
    win = make_window(service, answers=[False])  # "Stop waiting for Xero?" -> Keep waiting
    dialog = open_edit(win, conn)
    width = dialog.winfo_width()
    dialog.authbox.authorize_button.invoke()
    pump(win, lambda: phase(dialog) is Phase.WAITING)
    first = dialog.authbox.headline.cget("text")
    pump(win, lambda: dialog.authbox.headline.cget("text") != first, timeout=3)
    pump(win, seconds=0.2)
    assert dialog.winfo_width() == width  # the countdown, Copy link and the paste row fit: no jump
    shown = [b.cget("text") for b in _buttons(dialog) if b.winfo_ismapped()]
    assert shown.count("Cancel") == 1 and "Stop waiting" in shown  # one Cancel, one way to stop waiting
    dialog.authbox.copy_link_button.invoke()
    assert win.clipboard_get() == dialog.flow.view.url
    dialog.event_generate("<Escape>")
    pump(win, seconds=0.1)
    assert win.dialogs.calls[-1][:2] == ("confirm", "Stop waiting for Xero?")
    assert phase(dialog) is Phase.WAITING and dialog.winfo_exists()  # answered Keep waiting
    dialog.authbox.authorize_button.invoke()  # Stop waiting
    pump(win, lambda: dialog.authbox.headline.cget("text") == "Authorization cancelled.")
    assert dialog.authbox.authorize_button.cget("text") == "Authorize"
    assert not [c for c in win.dialogs.calls if c[0] == "error"]
    dialog.event_generate("<Escape>")  # nothing pending: closes without asking
    pump(win, lambda: not dialog.winfo_exists())


def _buttons(widget):
    from xconn_app.ui.widgets.keys import Button

    for child in widget.winfo_children():
        if isinstance(child, Button):
            yield child
        yield from _buttons(child)


def test_cancel_after_authorizing_in_add_leaves_nothing(make_window, service, standin, redirect_url, browser):
    win = make_window(service)
    dialog = shown(win, win.connections.add())
    fill(dialog, redirect_url)
    dialog.authbox.authorize_button.invoke()
    pump(win, lambda: phase(dialog) is Phase.WAITING)
    browser.allow()
    pump(win, lambda: phase(dialog) is Phase.CHOOSING)
    draft = dialog.draft_id
    assert service.store.load(draft) is not None
    dialog.cancel_button.invoke()
    pump(win, lambda: not dialog.winfo_exists())
    assert service.connections() == [] and rows(win) == []
    assert service.store.load(draft) is None and service.grants.all() == {}  # no row, no tokens
    assert standin.connections_for  # nothing was revoked at Xero: Cancel never goes there
    assert not [c for c in win.dialogs.calls if c[0] == "error"]


def test_cancel_after_reauthorizing_asks_whether_to_keep_the_new_grant(
    make_window, service, standin, redirect_url, browser
):
    from xvfb import authorize

    conn = service.add("Head office", CLIENT_ID, redirect_url)
    authorize(service, conn.id)
    before = service.grant(conn.id).authorized_at
    win = make_window(service)
    win.dialogs.choices = ["Go back", "Discard it"]
    dialog = open_edit(win, conn)
    dialog.authbox.authorize_button.invoke()
    pump(win, lambda: phase(dialog) is Phase.WAITING)
    browser.allow()
    pump(win, lambda: phase(dialog) is Phase.CHOOSING)
    assert service.grant(conn.id).authorized_at > before
    dialog.cancel_button.invoke()
    assert win.dialogs.calls[-1][:2] == ("choose", "Keep the new authorization?")
    assert dialog.winfo_exists()  # Go back
    dialog.event_generate("<Escape>")  # asks again: Discard it
    pump(win, lambda: not dialog.winfo_exists())
    assert service.grant(conn.id).authorized_at == before  # what was there before is back


def test_pasted_address_finishes_the_authorization(make_window, service, standin, redirect_url, browser):
    """The browser could not reach the loopback listener: the person pastes the address instead."""
    conn = service.add("Head office", CLIENT_ID, redirect_url)
    win = make_window(service)
    dialog = open_edit(win, conn)
    dialog.authbox.authorize_button.invoke()
    pump(win, lambda: phase(dialog) is Phase.WAITING)
    assert dialog.authbox.paste_frame.winfo_ismapped()
    landed = callback_address(browser.opened[-1])  # where the browser ended, never reaching xconn
    dialog.authbox.paste_entry.insert(0, "http://localhost:1/elsewhere?code=x&state=y")
    dialog.authbox.finish_button.invoke()
    pump(win, lambda: phase(dialog) is Phase.FAILED)
    assert "That address did not finish the sign-in." in dialog.authbox.text
    assert boxes(win) == []  # said in the dialog
    dialog.authbox.paste_entry.delete(0, "end")
    dialog.authbox.paste_entry.insert(0, landed)
    dialog.authbox.finish_button.invoke()
    pump(win, lambda: phase(dialog) is Phase.CHOOSING)
    assert dialog.tenant_menu.get() == "Demo Company (NZ)" and boxes(win) == []


def test_port_in_use_is_explained_in_the_dialog(make_window, service, standin, redirect_url, browser):
    import socket
    from urllib.parse import urlsplit

    blocker = socket.socket()
    blocker.bind(("127.0.0.1", urlsplit(redirect_url).port))
    blocker.listen(1)
    try:
        conn = service.add("Head office", CLIENT_ID, redirect_url)
        win = make_window(service)
        dialog = open_edit(win, conn)
        dialog.authbox.authorize_button.invoke()
        pump(win, lambda: phase(dialog) is Phase.FAILED)
    finally:
        blocker.close()
    text = dialog.authbox.text
    assert "Authorization did not complete." in text and "Traceback" not in text and "port" in text.lower()
    assert dialog.authbox.authorize_button.cget("text") == "Try again" and not browser.opened


def test_xero_is_asked_while_typing_and_refuses_before_any_browser_opens(
    make_window, service, standin, redirect_url, browser
):
    win = make_window(service)
    dialog = shown(win, win.connections.add())
    fill(dialog, redirect_url)
    pump(win, lambda: dialog.check_line.cget("text").startswith("✓"), timeout=5)
    assert dialog.check_line.cget("text") == "✓ Xero knows this Client ID and redirect URL."
    dialog.client_field.set("F" * 32)  # a Client ID Xero has never heard of
    pump(win, lambda: "does not know this Client ID" in dialog.check_line.cget("text"), timeout=5)
    dialog.authbox.authorize_button.invoke()
    pump(win, lambda: phase(dialog) is Phase.FAILED)
    assert dialog.authbox.headline.cget("text") == "Xero refused this connection's settings."
    assert "developer.xero.com" in dialog.authbox.detail.cget("text")
    assert browser.opened == []  # no browser, no 90 s wait


def test_the_time_out_lists_the_likely_causes_in_order(
    make_window, service, standin, redirect_url, browser, monkeypatch
):
    from xconn_app.core.authflow import AuthFlow
    from xconn_app.ui import definition

    monkeypatch.setattr(definition, "AuthFlow", functools.partial(AuthFlow, timeout=1))
    conn = service.add("Head office", CLIENT_ID, redirect_url)
    win = make_window(service)
    dialog = open_edit(win, conn)
    dialog.authbox.authorize_button.invoke()
    pump(win, lambda: phase(dialog) is Phase.FAILED, timeout=10)
    detail = dialog.authbox.detail.cget("text")
    assert dialog.authbox.headline.cget("text") == "No answer from Xero within 1 seconds."
    order = [detail.lower().find(w) for w in ("client id", "redirect uri", "scopes", "logged in")]
    assert -1 not in order and order == sorted(order), detail
    assert "log in to Xero first" not in detail.split("1.")[0]
    assert dialog.authbox.paste_frame.winfo_ismapped()  # the address can still finish it


def test_success_comes_to_the_front_over_the_browser(make_window, service, standin, redirect_url, browser):
    from xconn_app.ui import attention, x11

    win = make_window(service)
    dialog = shown(win, win.connections.add())
    fill(dialog, redirect_url)
    dialog.authbox.authorize_button.invoke()
    pump(win, lambda: phase(dialog) is Phase.WAITING)
    # The browser: another program's window over the whole screen, with the focus.
    other = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import tkinter as t; r=t.Tk(); r.title('Browser'); "
            "r.geometry('1366x768+0+0'); r.after(100, r.focus_force); r.mainloop()",
        ]
    )
    try:
        pump(win, lambda: x11.active_window() not in (None, attention.frame_id(dialog)), timeout=10)
        assert not attention.is_front(dialog)
        browser.allow()
        pump(win, lambda: phase(dialog) is Phase.CHOOSING)
        pump(win, lambda: attention.is_front(dialog), timeout=5)
        assert focused(dialog.save_button)  # Enter now saves
    finally:
        other.terminate()
        other.wait(5)


def test_where_raising_is_refused_the_task_bar_flashes(
    make_window, service, standin, redirect_url, browser, monkeypatch
):
    from xconn_app.ui import attention, x11

    win = make_window(service)
    dialog = shown(win, win.connections.add())
    fill(dialog, redirect_url)
    monkeypatch.setattr(attention, "is_front", lambda window: False)  # the window manager said no
    dialog.authbox.authorize_button.invoke()
    pump(win, lambda: phase(dialog) is Phase.WAITING)
    browser.allow()
    pump(win, lambda: phase(dialog) is Phase.CHOOSING)
    wid = attention.frame_id(dialog)
    pump(win, lambda: x11.urgent(wid), timeout=5)
    dialog.event_generate("<FocusIn>")
    pump(win, lambda: not x11.urgent(wid), timeout=5)


def test_non_admins_see_the_list_read_only_and_authorize_for_themselves(
    make_window, service, standin, redirect_url, browser, monkeypatch
):
    from xconn_app.core.accounts import Role

    conn = service.add("Head office", CLIENT_ID, redirect_url)
    from xvfb import authorize

    authorize(service, conn.id)
    service.grants.remove(conn.id)  # this user has no grant of their own yet
    conn = service.get(conn.id)
    history = len(service.history())
    monkeypatch.setattr(
        service.definitions,
        "role",
        lambda: Role(False, "You can use the connections; only members of the group 'xconn' can change the list."),
    )
    win = make_window(service)
    view = win.connections
    assert view.note.winfo_ismapped() and view.note.cget("text").startswith("Read-only: You can use the connections")
    assert not view.add_button.enabled and not view.delete_button.enabled
    assert view.edit_button.enabled and view.reauthorize_button.enabled
    view.select(conn.id)
    dialog = shown(win, view.edit())
    assert not dialog.name_field.entry.enabled and not dialog.client_field.entry.enabled
    assert str(dialog.scopes.choice.cget("state")) == "disabled"
    assert dialog.authbox.authorize_button.enabled and dialog.save_button.cget("text") == "Done"
    dialog.authbox.authorize_button.invoke()
    pump(win, lambda: phase(dialog) is Phase.WAITING)
    browser.allow()
    pump(win, lambda: phase(dialog) is Phase.CHOOSING)
    assert dialog.save_button.cget("text") == "Done" and dialog.save_button.enabled
    dialog.save_button.invoke()
    pump(win, lambda: not dialog.winfo_exists())
    pump(win, lambda: row_of(win, "Head office")[2] == "Connected")
    assert service.grant(conn.id) is not None  # their own grant
    assert len(service.history()) == history + 1 and service.history()[-1].note == "your own record"
    assert service.get(conn.id).updated_at == conn.updated_at  # nothing shared written
