"""The Connections tab, driven like a person would: add, validate, edit, details, search, delete,
and how it looks: no cut text, one disabled style, nothing alarming on a first start."""

from __future__ import annotations

import json

import conftest
import pytest
from xvfb import pump, row_of, rows, shown

from xconn_app.ui.widgets.ctk_adapter import inner_entry

pytestmark = pytest.mark.gui
pytest_plugins = ["guifixtures"]  # the display and make_window fixtures

CLIENT_ID = conftest.CLIENT_ID


def test_window_lists_connections_says_for_whom_and_where_the_list_lives(make_window, service):
    from xconn_app.core.model import current_user

    service.add("Head office", CLIENT_ID, "http://localhost:5000/callback")
    service.add("Branch", CLIENT_ID, "http://localhost:5001/callback")
    win = make_window(service)
    assert win.title() == "xconn — Xero Connections"
    assert [r[0] for r in rows(win)] == ["Head office", "Branch"]
    assert row_of(win, "Branch")[2] == "Not authorized"
    assert win.connections.table.headings["status"] == f"Status for {current_user()}"
    pump(win, lambda: win.status_bar.location_text)
    assert str(service.location.path) in win.status_bar.location_text
    assert service.location.scope in win.status_bar.location_text
    assert win.tabs.get() == "Connections" and win.connections.banner_message == ""


def test_nothing_alarming_on_a_first_start(make_window, service):
    win = make_window(service)
    pump(win, seconds=0.5)
    assert win.dialogs.calls == []
    assert win.status_bar.keepalive_text == ""  # nothing to keep alive yet: nothing said about it
    assert win.connections.banner_message == "" and win.connections.note is None
    assert win.connections.empty.cget("text") == "No connections yet. Press Add to create one."
    assert win.connections.count_label.cget("text") == "0 connections"


def test_first_paint_does_not_wait_for_the_list(display, isolated, service, monkeypatch):
    import time

    from recording import RecordingDialogs

    from xconn_app.ui.app import MainWindow

    service.add("Head office", CLIENT_ID, "http://localhost:5000/callback")
    real_rows = service.rows
    monkeypatch.setattr(service, "rows", lambda data=None: (time.sleep(0.5), real_rows(data))[1])
    win = MainWindow(service, dialogs=RecordingDialogs())
    try:
        win.update()
        assert rows(win) == []  # painted before the slow disk answered
        pump(win, lambda: len(rows(win)) == 1)
    finally:
        win.destroy()


def test_first_paint_is_the_frame_and_the_controls_follow_at_once(display, isolated, service):
    """Progressive start: the first frame has the header, the tabs and the table; the toolbar,
    buttons, appearance menu and scrollbar are built right after it, then the list is read."""
    from recording import RecordingDialogs

    from xconn_app.ui.app import MainWindow

    service.add("Head office", CLIENT_ID, "http://localhost:5000/callback")
    win = MainWindow(service, dialogs=RecordingDialogs())
    try:
        view = win.connections
        assert not view.controls_built and not hasattr(view, "search") and not hasattr(win, "appearance_menu")
        assert view.banner is None and view.progress is None  # made when first needed
        pump(win, lambda: view.controls_built)
        assert view.search.winfo_exists() and view.add_button.winfo_exists()
        pump(win, lambda: view.loaded)
        assert [r[0] for r in rows(win)] == ["Head office"]
        assert win.appearance_menu.get() in ("System", "Light", "Dark")
        assert set(view.table.style._dots) == {"not_authorized"}  # only the dots in use
    finally:
        win.destroy()


def test_the_service_is_made_after_the_first_paint_and_its_failure_is_shown(display, isolated, service):
    from recording import RecordingDialogs

    from xconn_app.core.errors import XconnError
    from xconn_app.ui.app import MainWindow

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


def test_a_damaged_list_is_kept_aside_and_said_plainly(make_window, service):
    service.add("Head office", CLIENT_ID, "http://localhost:5000/callback")
    service.registry.path.write_text("{ this is not json", encoding="utf-8")
    win = make_window(service)
    pump(win, lambda: win.dialogs.calls)
    kind, _title, text = win.dialogs.calls[0]
    assert kind == "error" and "Traceback" not in text and "unexpected" not in text.lower()
    assert win.connections.empty.cget("text") == "The connection list could not be read."


def test_add_checks_as_you_type_without_errors_mid_typing(make_window, service):
    win = make_window(service)
    dialog = shown(win, win.connections.add())
    pump(win, seconds=0.1)
    url = dialog.url_field
    height = dialog.winfo_height()
    url.set("http://example.com/cb")  # typing: no error yet
    assert url.message_text == "" and not url.problem_shown
    url.show_problem()  # leaving the field
    assert "not at this computer" in url.message_text
    pump(win, seconds=0.1)
    assert dialog.winfo_height() == height  # the message had its room: the dialog did not grow
    for bad, words in [("https://localhost:5000/cb", "uses https"), ("http://localhost/cb", "has no port")]:
        url.set(bad)  # a problem shown already follows the typing
        assert words in url.message_text, (bad, url.message_text)
        assert "Error" not in url.message_text and "Traceback" not in url.message_text
    url.set("http://localhost:5000/callback")
    assert url.message_text == "✓"
    dialog.client_field.set("short")
    assert dialog.client_field.message_text == ""
    assert not dialog.save_button.enabled
    assert dialog.reason.cget("text") == "Fill in or correct: Display name, Xero Client ID."
    dialog.enter()  # Enter (Authorize) shows every problem, empty fields too; nothing happens
    pump(win, seconds=0.2)
    assert "32 letters and digits" in dialog.client_field.message_text
    assert "display name is empty" in dialog.name_field.message_text
    assert service.connections() == []
    dialog.cancel_button.invoke()


def test_scopes_presets_custom_and_deprecated(make_window, service):
    from xconn_app.core.scopes import PRESETS

    win = make_window(service)
    dialog = shown(win, win.connections.add())
    assert dialog.scopes.choice.get() == "Invoice capture" and dialog.scopes.get() == PRESETS["Invoice capture"]
    dialog.scopes.choice.pick("Read-only lookups")
    assert dialog.scopes.get() == PRESETS["Read-only lookups"]
    dialog.scopes.choice.pick("Custom…")
    picker = dialog.scopes.dialog
    assert set(picker.checks) >= {"accounting.invoices", "accounting.transactions", "accounting.reports.read"}
    labels = {
        w.cget("text")
        for w in picker.list.winfo_children()
        if hasattr(w, "cget") and "Old broad scope" in str(w.cget("text"))
    }
    assert any("2 March 2026" in t and "September 2027" in t for t in labels)  # flagged with the dates
    picker.checks["accounting.transactions"].select()
    picker.ok_button.invoke()
    pump(win, lambda: dialog.scopes.dialog is None)
    assert "accounting.transactions" in dialog.scopes.get() and dialog.scopes.choice.get() == "Custom…"
    assert "September 2027" in dialog.scopes.summary.cget("text")
    dialog.cancel_button.invoke()


def test_a_change_of_scopes_says_authorizing_again(make_window, service):
    conn = service.add("Head office", CLIENT_ID, "http://localhost:5000/callback")
    win = make_window(service)
    win.connections.select(conn.id)
    dialog = shown(win, win.connections.edit())
    dialog.scopes.choice.pick("Read-only lookups")
    assert dialog.scopes.summary.cget("text").startswith("A change of scopes means authorizing again")
    dialog.cancel_button.invoke()


def test_edit_by_enter_on_the_table_and_save(make_window, service):
    conn = service.add("Head office", CLIENT_ID, "http://localhost:5000/callback")
    win = make_window(service)
    win.connections.select(conn.id)
    win.connections.tree.focus_force()
    pump(win, seconds=0.1)
    win.connections.tree.event_generate("<Return>")
    pump(win, lambda: win.connections.dialog is not None)
    dialog = win.connections.dialog
    assert dialog.name_field.get() == "Head office"
    dialog.name_field.set("Head office (NZ)")
    dialog.url_field.set("http://localhost:5050/callback")
    assert "must authorize it again" in dialog.reason.cget("text")
    dialog.save_button.invoke()
    pump(win, lambda: rows(win) and rows(win)[0][0] == "Head office (NZ)")
    saved = service.get(conn.id)
    assert (saved.name, saved.redirect_url) == ("Head office (NZ)", "http://localhost:5050/callback")


def test_duplicate_name_is_reported_in_plain_words(make_window, service):
    service.add("Head office", CLIENT_ID, "http://localhost:5000/callback")
    win = make_window(service)
    dialog = shown(win, win.connections.add())
    dialog.name_field.set("head office")
    dialog.client_field.set(CLIENT_ID)
    dialog.url_field.set("http://localhost:5001/callback")
    dialog.save_button.invoke()
    pump(win, lambda: win.dialogs.calls)
    kind, title, text = win.dialogs.calls[-1]
    assert (kind, title) == ("error", "Name already used")
    assert "already exists" in text and dialog.winfo_exists()


def test_search_filters_by_name_tenant_and_client_id(make_window, service):
    service.add("Head office", CLIENT_ID, "http://localhost:5000/callback")
    service.add("Branch", "FEDCBA9876543210FEDCBA9876543210", "http://localhost:5001/callback")
    win = make_window(service)
    view = win.connections
    inner_entry(view.search).focus_force()
    pump(win, seconds=0.1)
    view.search.insert(0, "bran")
    inner_entry(view.search).event_generate("<KeyRelease>", keysym="n")  # what typing a key sends
    pump(win, lambda: [r[0] for r in rows(win)] == ["Branch"])
    view.set_search("0123456789ABCDEF")
    assert [r[0] for r in rows(win)] == ["Head office"]
    assert view.count_label.cget("text") == "1 of 2 connections"
    view.set_search("nothing like it")
    assert rows(win) == [] and "matches" in view.empty.cget("text")
    view.set_search("")
    assert len(rows(win)) == 2


def test_details_plain_facts_first_technical_on_request_no_secrets(make_window, service, standin, redirect_url):
    from xvfb import authorize

    conn = service.add("Head office", CLIENT_ID, redirect_url)
    authorize(service, conn.id)
    win = make_window(service)
    win.connections.select(conn.id)
    win.connections.details_button.invoke()
    dialog = win.connections.dialog
    pump(win, lambda: "Name:" in dialog.text)
    text = dialog.text
    assert text.startswith("Name: Head office\nStatus for ")
    assert "Organisation: Demo Company (NZ)" in text and "signed in to Xero as Demo User" in text
    assert CLIENT_ID not in text and "Connection ID" not in text and "XCONN_" not in text  # technical: later
    dialog.technical_button.invoke()
    assert "Technical details" in dialog.text and f"Xero Client ID: {CLIENT_ID}" in dialog.text
    assert dialog.text.index("Technical details") > dialog.text.index("Organisation:")
    for secret in standin.issued_secrets():
        assert secret not in dialog.text
    dialog.copy_button.invoke()
    assert "Connection ID" in win.clipboard_get()
    dialog.close()


def test_revoke_says_what_else_stops_first(make_window, service, standin, redirect_url):
    from xvfb import authorize

    a = service.add("Head office", CLIENT_ID, redirect_url)
    b = service.add("Branch", CLIENT_ID, redirect_url.replace("/callback", "/branch"))
    standin.register_app(CLIENT_ID, [redirect_url, redirect_url.replace("/callback", "/branch")])
    authorize(service, a.id)
    authorize(service, b.id)
    win = make_window(service)
    win.connections.select(a.id)
    dialog = win.connections.details()
    pump(win, lambda: dialog.revoke_button.enabled)
    dialog.revoke_button.invoke()
    _kind, title, text = next(c for c in win.dialogs.calls if c[0] == "confirm")
    assert title == "Revoke this app's access?" and "'Branch'" in text and "same login" in text
    pump(win, lambda: win.dialogs.of("info"))
    assert win.dialogs.of("info")[-1][1] == "Access revoked" and "'Branch'" in win.dialogs.of("info")[-1][2]
    pump(win, lambda: row_of(win, "Branch")[2] == "Needs re-authorization")


def test_delete_unused_connection_and_cancel(make_window, service):
    from xvfb import focused

    keep = service.add("Keep", CLIENT_ID, "http://localhost:5000/callback")
    gone = service.add("Gone", CLIENT_ID, "http://localhost:5001/callback")
    win = make_window(service)
    win.connections.select(keep.id)
    dialog = win.connections.delete()
    pump(win, lambda: "Keep" in dialog.heading.cget("text"))
    assert focused(dialog.cancel_button)  # a dialog that deletes opens with the focus on Cancel
    dialog.cancel_button.invoke()
    pump(win, seconds=0.2)
    assert len(service.connections()) == 2
    win.connections.select(gone.id)
    win.connections.tree.focus_force()
    pump(win, seconds=0.1)
    win.connections.tree.event_generate("<Delete>")
    pump(win, lambda: win.connections.dialog is not dialog)
    dialog = win.connections.dialog
    pump(win, lambda: dialog.delete_button.enabled)
    assert "'Gone'" in dialog.heading.cget("text")
    dialog.delete_button.invoke()
    pump(win, lambda: [r[0] for r in rows(win)] == ["Keep"])
    assert [c.name for c in service.connections()] == ["Keep"]


def test_switch_and_delete_names_the_organisation_change(make_window, service, standin, redirect_url):
    old = service.add("Old", CLIENT_ID, "http://localhost:5000/callback")
    new = service.add("New", CLIENT_ID, "http://localhost:5001/callback")
    with service.registry.locked():
        pass
    from xconn_app.core.model import Tenant

    service.edit(old.id, tenant=Tenant("c1", "t1", "Harbour Logistics Ltd"))
    service.edit(new.id, tenant=Tenant("c2", "t2", "Harbour Logistics Trust"))
    service.add_profile("Invoices", old.id)
    service.add_profile("Receipts", old.id)
    win = make_window(service, answers=[False, True])
    win.connections.select(old.id)
    dialog = win.connections.delete()
    pump(win, lambda: dialog.users)
    assert "2 capture profiles use this connection" in dialog.text.cget("text")
    assert dialog.switch_menu.get() == "New"
    assert dialog.switch_note.cget("text") == (
        "The profiles would send documents to 'Harbour Logistics Trust' instead of 'Harbour Logistics Ltd'."
    )
    dialog.switch_button.invoke()  # asked, naming both; answered Cancel: nothing happens
    _kind, title, text = win.dialogs.calls[-1]
    assert title == "Switch to another organisation?"
    assert "'Harbour Logistics Trust'" in text and "'Harbour Logistics Ltd'" in text and "To undo it" in text
    assert {c.name for c in service.connections()} == {"Old", "New"}
    dialog.switch_button.invoke()  # ... and now yes
    pump(win, lambda: [r[0] for r in rows(win)] == ["New"])
    assert {p.connection_id for p in service.profiles()} == {new.id}


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


def test_disconnect_at_xero_names_the_siblings_and_asks(make_window, service, standin, redirect_url):
    from xvfb import authorize

    other_url = redirect_url.replace("/callback", "/branch")
    standin.register_app(CLIENT_ID, [redirect_url, other_url])
    a = service.add("Head office", CLIENT_ID, redirect_url)
    b = service.add("Branch", CLIENT_ID, other_url)
    authorize(service, a.id)
    authorize(service, b.id)
    win = make_window(service, answers=[False])
    win.connections.select(a.id)
    dialog = win.connections.delete()
    pump(win, lambda: dialog.disconnect_check.winfo_ismapped())
    assert "Demo Company (NZ)" in dialog.disconnect_check.cget("text")
    dialog.disconnect_check.select()
    dialog._explain()
    assert "'Branch'" in dialog.disconnect_note.cget("text")
    dialog.delete_button.invoke()
    assert win.dialogs.calls[-1][1] == "Stop the other connections too?" and "'Branch'" in win.dialogs.calls[-1][2]
    pump(win, seconds=0.2)
    assert len(service.connections()) == 2 and dialog.winfo_exists()  # answered Cancel
    dialog.close()


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
    assert dark != style.lookup("Xconn.Treeview", "background")
    win.set_appearance("System")


def test_unexpected_errors_are_logged_and_shown_plainly(make_window, service, isolated):
    from xconn_app.core.logs import log_path

    win = make_window(service)

    def broken():
        raise RuntimeError("kaboom inside a callback")

    win.after(0, broken)
    pump(win, lambda: win.dialogs.calls)
    kind, title, text = win.dialogs.calls[-1]
    assert kind == "error" and text == f"Something unexpected went wrong. Details were written to {log_path()}."
    assert "RuntimeError" not in title + text


def test_check_all_progress_and_a_summary_in_plain_words(make_window, service, standin, redirect_url, monkeypatch):
    import time

    from xvfb import authorize

    for i in range(3):
        service.add(f"Connection with a rather long display name {i}", CLIENT_ID, f"http://localhost:{5000 + i}/cb")
    real_check = service.check
    monkeypatch.setattr(service, "check", lambda cid: (time.sleep(0.3), real_check(cid))[1])
    win = make_window(service)
    win.geometry("880x520")  # the minimum size
    pump(win, seconds=0.3)
    view = win.connections
    search = (view.search.winfo_rootx(), view.search.winfo_width())
    view.check_button.invoke()
    pump(win, lambda: view.progress.winfo_ismapped() and "Checking" in view.progress_label.cget("text"))
    assert (view.search.winfo_rootx(), view.search.winfo_width()) == search
    assert not view.count_label.winfo_ismapped()
    text = view.progress_label.cget("text")
    assert text.startswith("Checking C") and text.endswith("… (1 of 3)")  # shortened to fit
    assert view.usage_button.winfo_rootx() + view.usage_button.winfo_width() < view.progress_label.winfo_rootx()
    pump(win, lambda: not view.checking and win.dialogs.calls, timeout=30)
    kind, title, text = win.dialogs.calls[-1]
    assert (kind, title) == ("warning", "Some connections need attention")  # not a blue "i"
    assert text.startswith("0 of 3 connections work.") and "xconn " not in text and "command line" not in text
    pump(win, lambda: view.count_label.winfo_ismapped())
    assert view.count_label.cget("text") == "3 connections"
    del authorize


def test_a_connection_without_an_organisation_is_never_green(make_window, service, standin, redirect_url):
    from xconn_app.core.model import Status

    conn = service.add("Head office", CLIENT_ID, redirect_url)
    outcome = service.authorize(
        conn.id, open_browser=False, on_url=lambda url: __import__("xvfb").follow_in_thread(url)
    )
    assert outcome.tenants and not service.get(conn.id).tenant_id  # authorized, no organisation saved
    win = make_window(service)
    assert row_of(win, "Head office")[2] == "No organisation chosen"
    row = win.connections._row(conn.id)
    assert row.status is Status.NO_ORGANISATION and not row.status.healthy
    assert "no_organisation" in win.connections.tree.item(conn.id, "tags")
    from xconn_app.ui.widgets.theme import STATUS_COLOURS

    assert STATUS_COLOURS["no_organisation"] != STATUS_COLOURS["connected"]


# -- layout ------------------------------------------------------------------------------------------------------
def _cut_cells(table):
    """Cells whose text is neither whole nor shortened with "…" (what a cut column shows)."""
    from xconn_app.ui.widgets.table import cell_room

    font = table.style.font
    out = []
    for iid in table.tree.get_children():
        for column, width, text in zip(table.columns, table.widths, table.shown(iid), strict=True):
            if font.measure(text) > cell_room(width, table.style.scale):
                out.append((column.id, text))
    return out


@pytest.mark.parametrize("size", [(1000, 600), (880, 520)])
def test_no_cut_text_and_the_tenant_column_shrinks_last(make_window, service, size):
    from xconn_app.core.model import Tenant

    conn = service.add("Sydney branch of Harbour Logistics", CLIENT_ID, "http://localhost:5000/callback")
    service.edit(conn.id, tenant=Tenant("c", "t", "Harbour Logistics (AU) Pty Ltd"))
    win = make_window(service)
    win.geometry(f"{size[0]}x{size[1]}")
    pump(win, seconds=0.5)
    table = win.connections.table
    widths = dict(zip([c.id for c in table.columns], table.widths, strict=True))
    assert _cut_cells(table) == []
    shown, whole = table.shown(conn.id), table.values(conn.id)
    assert shown[1] == whole[1] == "Harbour Logistics (AU) Pty Ltd"  # the Tenant keeps its room
    if size == (880, 520):
        assert widths["tenant"] > widths["client_id"]
        assert shown[3].endswith("…") and shown[3] != whole[3]  # the Client ID gave up its width first
        tree = table.tree
        x = sum(table.widths[:3]) + round(34 * table.style.scale) + 20
        y = tree.bbox(conn.id)[1] + 5
        assert table.cell_text(x, y) == CLIENT_ID  # the whole text as a tooltip
    for name, b in (("Add", win.connections.add_button), ("Check all", win.connections.check_button)):
        assert b.winfo_width() >= b.winfo_reqwidth() - 1, name


def test_one_disabled_style(make_window, service):
    from xconn_app.ui.widgets.theme import DISABLED_BORDER, DISABLED_FILL, DISABLED_TEXT

    win = make_window(service)  # no connection: Edit, Delete, Details, Usage, Check all are disabled
    view = win.connections
    for b in (view.edit_button, view.reauthorize_button, view.check_button):  # filled buttons
        assert not b.enabled and b.cget("fg_color") == DISABLED_FILL and b.cget("text_color_disabled") == DISABLED_TEXT
    for b in (view.delete_button, view.details_button, view.usage_button):  # outlined ones
        assert not b.enabled and b.cget("border_color") == DISABLED_BORDER
        assert b.cget("text_color_disabled") == DISABLED_TEXT
    dialog = shown(win, view.add())
    menu = dialog.tenant_menu
    assert str(menu.cget("state")) == "disabled" and menu.cget("fg_color") == DISABLED_FILL
    assert menu.cget("text_color_disabled") == DISABLED_TEXT
    dialog.cancel_button.invoke()


def _dark_columns(image: str, y0: int, y1: int, x0: int, x1: int) -> list[int]:
    """x positions (from x0) of dark pixels between rows y0 and y1 of a screenshot (ImageMagick's txt: format)."""
    import subprocess

    out = subprocess.run(
        ["convert", image, "-crop", f"{x1 - x0}x{y1 - y0}+{x0}+{y0}", "+repage", "-colorspace", "gray", "txt:-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    xs = []
    for line in out.splitlines()[1:]:
        where, _, rest = line.partition(":")
        if float(rest.split("(")[1].split(",")[0].split(")")[0].split("%")[0]) < 110:
            xs.append(int(where.split(",")[0]))
    return xs


def test_table_headings_line_up_with_their_columns(make_window, service, tmp_path):
    """The first pixel of each heading's text and of its cells' text are in the same place."""
    import subprocess

    service.add("Head office", CLIENT_ID, "http://localhost:5000/callback")
    win = make_window(service)
    win.set_appearance("Light")
    view = win.connections
    view.tree.selection_remove(*view.tree.selection())  # a selected row is white on blue
    pump(win, seconds=0.4)
    tree, table = view.tree, view.table
    shot = str(tmp_path / "table.png")
    subprocess.run(["import", "-window", "root", shot], check=True)
    top, row_y = tree.winfo_rooty(), tree.bbox(tree.get_children()[0])[1]
    row_h = tree.bbox(tree.get_children()[0])[3]
    x = tree.winfo_rootx() + round(34 * table.style.scale)
    for column, width in zip(table.columns, table.widths, strict=True):
        heading = _dark_columns(shot, top + 2, top + row_y - 2, x, x + width)
        cell = _dark_columns(shot, top + row_y + 2, top + row_y + row_h - 2, x, x + width)
        if heading and cell and table.shown(tree.get_children()[0])[table.columns.index(column)] != "—":
            assert abs(min(heading) - min(cell)) <= 1, (column.id, min(heading), min(cell))
        x += width
    win.set_appearance("System")
