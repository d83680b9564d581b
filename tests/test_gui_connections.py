"""The Connections tab, driven like a person would: add, validate, edit, details, search, delete."""

from __future__ import annotations

import json

import pytest

import conftest
from xvfb import display, make_window, pump, rows, row_of  # noqa: F401

pytestmark = pytest.mark.gui

CLIENT_ID = conftest.CLIENT_ID


def test_window_lists_connections_and_says_where_the_list_lives(make_window, service):
    service.add("Head office", CLIENT_ID, "http://localhost:5000/callback")
    service.add("Branch", CLIENT_ID, "http://localhost:5001/callback")
    win = make_window(service)
    assert win.title() == "xconn — Xero Connections"
    assert [r[0] for r in rows(win)] == ["Head office", "Branch"]
    assert row_of(win, "Branch")[2] == "Not authorized"
    assert str(service.location.path) in win.status_text.cget("text")
    assert service.location.scope in win.status_text.cget("text")
    assert win.tabs.get() == "Connections"
    assert win.connections.banner_message == ""


def test_first_paint_does_not_wait_for_the_list(display, isolated, service, monkeypatch):
    import time

    from xconn_app.ui.app import MainWindow
    from xconn_app.ui.dialogs import RecordingDialogs

    service.add("Head office", CLIENT_ID, "http://localhost:5000/callback")
    real_rows = service.rows
    monkeypatch.setattr(service, "rows", lambda: (time.sleep(0.5), real_rows())[1])
    started = time.monotonic()
    win = MainWindow(service, dialogs=RecordingDialogs())
    try:
        win.update()
        assert time.monotonic() - started < 0.5  # painted before the slow disk answered
        assert rows(win) == []
        pump(win, lambda: len(rows(win)) == 1)
    finally:
        win.destroy()


def test_first_paint_is_the_frame_and_the_controls_follow_at_once(display, isolated, service):
    """Progressive start: the first frame has the header, the tabs and the table; the toolbar,
    buttons, appearance menu and scrollbar are built right after it, then the registry is read."""
    import time

    from xconn_app.ui.app import MainWindow
    from xconn_app.ui.dialogs import RecordingDialogs

    service.add("Head office", CLIENT_ID, "http://localhost:5000/callback")
    win = MainWindow(service, dialogs=RecordingDialogs())
    try:
        view = win.connections
        assert not view.controls_built and not hasattr(view, "search") and not hasattr(win, "appearance_menu")
        assert view.banner is None and view.progress is None  # made when first needed
        assert win.tabs.get() == "Connections" and view.tree.winfo_exists()
        started = time.monotonic()
        pump(win, lambda: view.controls_built)
        assert time.monotonic() - started < 1.0
        assert view.search.winfo_exists() and view.add_button.winfo_exists()
        pump(win, lambda: view.loaded)
        assert [r[0] for r in rows(win)] == ["Head office"]
        assert win.appearance_menu.get() in ("System", "Light", "Dark")
        assert str(service.location.path) in win.status_text.cget("text")
        assert view.banner is None and view.progress is None
        assert set(win._root()._xconn_table_style._dots) == {"not_authorized"}  # only the dots in use
    finally:
        win.destroy()


def test_the_service_is_made_after_the_first_paint_and_its_failure_is_shown(display, isolated, service):
    from xconn_app.core.errors import XconnError
    from xconn_app.ui.app import MainWindow
    from xconn_app.ui.dialogs import RecordingDialogs

    made = []
    win = MainWindow(make_service=lambda: made.append(1) or service, dialogs=RecordingDialogs())
    try:
        assert win.service is None and not made
        pump(win, lambda: win.connections.loaded)
        assert made == [1] and win.service is service and win.exit_code == 0
    finally:
        win.destroy()

    def unreadable():
        raise XconnError("The connection list folder cannot be read.", "Ask IT to fix its permissions.")

    dialogs = RecordingDialogs()
    win = MainWindow(make_service=unreadable, dialogs=dialogs)
    pump(win, lambda: dialogs.calls)
    assert dialogs.calls[0][0] == "error" and "cannot be read" in dialogs.calls[0][2]
    assert win.exit_code == 1
    pump(win, lambda: not _exists(win))


def _exists(win) -> bool:
    try:
        return bool(win.winfo_exists())
    except Exception:  # noqa: BLE001 - destroyed
        return False


def test_add_connection_validates_as_you_type_and_saves(make_window, service):
    win = make_window(service)
    dialog = win.connections.add()
    pump(win, seconds=0.1)
    url = dialog.url_field
    for bad, words in [("http://example.com/cb", "not at this computer"),
                       ("https://localhost:5000/cb", "uses https"),
                       ("http://localhost/cb", "has no port")]:
        url.var.set(bad)
        assert words in url.message_text, (bad, url.message_text)
        assert "Error" not in url.message_text and "Traceback" not in url.message_text
    url.var.set("http://localhost:5000/callback")
    assert url.message_text == "✓"
    dialog.client_field.var.set("short")
    assert "32 letters and digits" in dialog.client_field.message_text
    dialog.client_field.var.set(CLIENT_ID)
    dialog.save_button.invoke()  # the name is still empty: nothing is saved
    pump(win, seconds=0.2)
    assert "display name is empty" in dialog.name_field.message_text
    assert service.connections() == []
    dialog.name_field.var.set("Head office")
    assert str(dialog.tenant_menu.cget("state")) == "disabled"
    dialog.save_button.invoke()
    pump(win, lambda: len(rows(win)) == 1)
    assert not dialog.winfo_exists()
    assert row_of(win, "Head office")[1:4] == ("—", "Not authorized", CLIENT_ID)
    assert win.connections.selected_id() == service.connections()[0].id


def test_scopes_are_advanced_and_checked(make_window, service):
    win = make_window(service)
    dialog = win.connections.add()
    pump(win, seconds=0.1)
    assert not dialog.advanced.winfo_manager()  # collapsed
    assert "offline_access" in dialog.scopes_box.get("1.0", "end")
    dialog.name_field.var.set("Scoped")
    dialog.client_field.var.set(CLIENT_ID)
    dialog.url_field.var.set("http://localhost:5000/callback")
    dialog.scopes_box.delete("1.0", "end")
    dialog.scopes_box.insert("1.0", "openid accounting.invoices")
    dialog.save_button.invoke()
    pump(win, seconds=0.2)
    assert dialog.advanced.winfo_manager()  # opened to show the problem
    assert "offline_access" in dialog.scopes_message.cget("text")
    assert service.connections() == []
    dialog.cancel_button.invoke()


def test_edit_by_double_click_path_and_save(make_window, service):
    conn = service.add("Head office", CLIENT_ID, "http://localhost:5000/callback")
    win = make_window(service)
    win.connections.select(conn.id)
    win.connections.tree.focus_force()
    pump(win, seconds=0.1)
    win.connections.tree.event_generate("<Return>")
    pump(win, lambda: win.connections.dialog is not None)
    dialog = win.connections.dialog
    pump(win, lambda: dialog.name_field.get() == "Head office")
    assert dialog.url_field.get() == "http://localhost:5000/callback"
    dialog.name_field.var.set("Head office (NZ)")
    dialog.url_field.var.set("http://localhost:5050/callback")
    dialog.save_button.invoke()
    pump(win, lambda: rows(win) and rows(win)[0][0] == "Head office (NZ)")
    saved = service.get(conn.id)
    assert (saved.name, saved.redirect_url) == ("Head office (NZ)", "http://localhost:5050/callback")


def test_duplicate_name_is_reported_in_plain_words(make_window, service):
    service.add("Head office", CLIENT_ID, "http://localhost:5000/callback")
    win = make_window(service)
    dialog = win.connections.add()
    dialog.name_field.var.set("head office")
    dialog.client_field.var.set(CLIENT_ID)
    dialog.url_field.var.set("http://localhost:5001/callback")
    dialog.save_button.invoke()
    pump(win, lambda: win.dialogs.calls)
    kind, title, text = win.dialogs.calls[-1]
    assert (kind, title) == ("error", "Name already used")
    assert "already exists" in text and "Choose another display name" in text
    assert dialog.winfo_exists()


def test_search_filters_by_name_tenant_and_client_id(make_window, service):
    service.add("Head office", CLIENT_ID, "http://localhost:5000/callback")
    service.add("Branch", "FEDCBA9876543210FEDCBA9876543210", "http://localhost:5001/callback")
    win = make_window(service)
    view = win.connections
    view.search._entry.focus_force()
    pump(win, seconds=0.1)
    view.search.insert(0, "bran")
    view.search._entry.event_generate("<KeyRelease>", keysym="n")  # what typing a key sends
    pump(win, lambda: [r[0] for r in rows(win)] == ["Branch"])
    view.set_search("0123456789ABCDEF")
    assert [r[0] for r in rows(win)] == ["Head office"]
    view.set_search("nothing like it")
    assert rows(win) == [] and "matches" in view.empty.cget("text")
    view.set_search("")
    assert len(rows(win)) == 2


def test_details_lists_facts_without_secrets(make_window, service, standin, redirect_url):
    from xvfb import authorize

    conn = service.add("Head office", CLIENT_ID, redirect_url)
    authorize(service, conn.id)
    win = make_window(service)
    win.connections.select(conn.id)
    win.connections.details_button.invoke()
    dialog = win.connections.dialog
    pump(win, lambda: "Name:" in dialog.text)
    text = dialog.text
    assert "Name: Head office" in text and "Status: Connected" in text
    assert "Organisation (tenant): Demo Company (NZ)" in text
    assert f"Xero Client ID: {CLIENT_ID}" in text
    for secret in standin.issued_secrets():
        assert secret not in text
    dialog.copy_button.invoke()
    assert win.clipboard_get() == text
    dialog.close()


def test_delete_unused_connection_and_cancel(make_window, service):
    keep = service.add("Keep", CLIENT_ID, "http://localhost:5000/callback")
    gone = service.add("Gone", CLIENT_ID, "http://localhost:5001/callback")
    win = make_window(service)
    win.connections.select(keep.id)
    dialog = win.connections.delete()
    pump(win, lambda: "Keep" in dialog.heading.cget("text"))
    dialog.cancel_button.invoke()
    pump(win, seconds=0.2)
    assert len(service.connections()) == 2
    win.connections.select(gone.id)
    win.connections.tree.focus_force()
    pump(win, seconds=0.1)
    win.connections.tree.event_generate("<Delete>")
    pump(win, lambda: win.connections.dialog is not dialog)
    dialog = win.connections.dialog
    pump(win, lambda: str(dialog.delete_button.cget("state")) == "normal")
    assert "'Gone'" in dialog.heading.cget("text")
    dialog.delete_button.invoke()
    pump(win, lambda: [r[0] for r in rows(win)] == ["Keep"])
    assert [c.name for c in service.connections()] == ["Keep"]


def test_delete_with_profiles_offers_switch_and_nothing_happens_on_cancel(make_window, service):
    old = service.add("Old", CLIENT_ID, "http://localhost:5000/callback")
    new = service.add("New", CLIENT_ID, "http://localhost:5001/callback")
    service.add_profile("Invoices", old.id)
    service.add_profile("Receipts", old.id)
    win = make_window(service)
    win.connections.select(old.id)
    dialog = win.connections.delete()
    pump(win, lambda: dialog.users)
    assert "2 capture profiles use this connection" in dialog.text.cget("text")
    assert dialog.profiles_box.get("1.0", "end").split("\n")[:2] == ["Invoices", "Receipts"]
    assert dialog.switch_menu.get() == "New"
    assert dialog.anyway_button.winfo_manager() and dialog.switch_button.winfo_manager()
    dialog.cancel_button.invoke()
    pump(win, seconds=0.2)
    assert {c.name for c in service.connections()} == {"Old", "New"}
    assert {p.connection_id for p in service.profiles()} == {old.id}

    dialog = win.connections.delete()
    pump(win, lambda: dialog.users)
    dialog.switch_button.invoke()
    pump(win, lambda: [r[0] for r in rows(win)] == ["New"])
    assert {p.connection_id for p in service.profiles()} == {new.id}
    assert service.history(new.id) is not None


def test_delete_anyway_leaves_profiles_without_connection(make_window, service):
    only = service.add("Only", CLIENT_ID, "http://localhost:5000/callback")
    service.add_profile("Invoices", only.id)
    win = make_window(service)
    dialog = win.connections.delete()
    pump(win, lambda: dialog.users)
    assert not dialog.switch_button.winfo_manager()  # nothing to switch to
    dialog.anyway_button.invoke()
    pump(win, lambda: rows(win) == [])
    assert service.profiles()[0].connection_id == ""


def test_window_geometry_is_saved_and_restored(make_window, service, isolated):
    win = make_window(service)
    win.geometry("1040x640+60+40")
    pump(win, seconds=0.3)
    win.close()
    saved = json.loads((isolated / "state" / "xconn" / "window.json").read_text())
    assert saved["geometry"]["width"] == 1040 and saved["geometry"]["height"] == 640
    again = make_window(service)
    pump(again, seconds=0.3)
    assert (again.winfo_width(), again.winfo_height()) == (1040, 640)


def test_appearance_switch_restyles_the_table(make_window, service):
    from tkinter import ttk

    win = make_window(service)
    style = ttk.Style(win)
    win.set_appearance("Dark")
    pump(win, seconds=0.2)
    dark = style.lookup("Xconn.Treeview", "background")
    win.set_appearance("Light")
    pump(win, seconds=0.2)
    light = style.lookup("Xconn.Treeview", "background")
    assert dark != light
    win.set_appearance("System")


def test_unexpected_errors_are_logged_and_shown_plainly(make_window, service, isolated):
    from xconn_app.core.logs import log_path

    win = make_window(service)

    def broken():
        raise RuntimeError("kaboom inside a callback")

    win.after(0, broken)
    pump(win, lambda: win.dialogs.calls)
    kind, title, text = win.dialogs.calls[-1]
    assert kind == "error"
    assert text == f"Something unexpected went wrong. Details were written to {log_path()}."
    assert "RuntimeError" not in title + text
    for handler in __import__("logging").getLogger("xconn").handlers:
        handler.flush()
    assert "kaboom inside a callback" in log_path().read_text()


def test_check_all_progress_takes_the_count_place_and_leaves_the_search_box_alone(make_window, service, monkeypatch):
    import time

    for i in range(3):
        service.add(f"Connection with a rather long display name {i}", CLIENT_ID, f"http://localhost:{5000 + i}/callback")
    real_check = service.check
    monkeypatch.setattr(service, "check", lambda cid: (time.sleep(0.3), real_check(cid))[1])
    win = make_window(service)
    win.geometry("880x520")  # the minimum size
    pump(win, seconds=0.3)
    view = win.connections
    search = (view.search.winfo_rootx(), view.search.winfo_width())
    view.check_button.invoke()
    pump(win, lambda: view.progress.winfo_ismapped() and "Checking" in view.progress_label.cget("text"))
    pump(win, seconds=0.1)
    assert (view.search.winfo_rootx(), view.search.winfo_width()) == search
    assert view.progress.master is view.add_button.master  # the button row, where the count was
    assert not view.count_label.winfo_ismapped()
    label = view.progress_label
    text = label.cget("text")
    assert text.startswith("Checking Conn") and text.endswith("… (1 of 3)")  # shortened to fit
    row = view.add_button.master
    right = row.winfo_rootx() + row.winfo_width()
    assert view.usage_button.winfo_rootx() + view.usage_button.winfo_width() < label.winfo_rootx()  # no overlap
    assert view.progress.winfo_rootx() + view.progress.winfo_width() <= right  # nothing clipped
    pump(win, lambda: not view.checking and win.dialogs.calls, timeout=30)
    pump(win, lambda: view.count_label.winfo_ismapped())
    assert not view.progress.winfo_manager() and view.count_label.cget("text") == "3 connections"
