"""The window's help-desk parts: Export… / Import… (More ▾), the keep-alive on the status bar,
Diagnose with buttons instead of command lines, History, the icon."""

from __future__ import annotations

import json

import conftest
import pytest
from xvfb import pump, row_of, rows

pytestmark = pytest.mark.gui
pytest_plugins = ["guifixtures"]  # the display and make_window fixtures

CLIENT_ID = conftest.CLIENT_ID
OTHER_ID = "FEDCBA9876543210FEDCBA9876543210"


def choose_from_more_menu(win, label):
    """Press More, then the menu entry, as a person would."""
    view = win.connections
    view.more_button.invoke()
    pump(win, lambda: view.more_menu.winfo_ismapped())
    menu = view.more_menu
    labels = [menu.entrycget(i, "label").strip() for i in range(menu.index("end") + 1)]
    assert labels == ["Export…", "Import…"]
    win.tk.call("tk::MenuUnpost", menu)  # what releasing the mouse on an entry does first
    menu.invoke(labels.index(label))


def done_with(win, kind):
    return lambda: any(k == kind for k, _t, _x in win.dialogs.calls) and not win.connections.transferring


def last(win, kind):
    return next(c for c in reversed(win.dialogs.calls) if c[0] == kind)


def test_export_then_import_into_another_list(make_window, service, tmp_path):
    from xconn_app.core.service import Service

    head = service.add("Head office", CLIENT_ID, "http://localhost:5000/callback")
    service.add("Branch", OTHER_ID, "http://localhost:5001/callback")
    service.add_profile("Invoices", head.id)
    target = tmp_path / "out" / "xconn-connections.json"
    target.parent.mkdir()

    win = make_window(service)
    win.dialogs.paths = [target]
    choose_from_more_menu(win, "Export…")
    pump(win, done_with(win, "success"))
    assert win.dialogs.calls[0] == ("save", "Export connections", "xconn-connections.json")
    _kind, title, text = last(win, "success")
    assert title == "Connections exported"
    assert text.startswith(f"Exported 2 connections (no tokens) and the capture profiles to {target}")
    doc = json.loads(target.read_text(encoding="utf-8"))
    assert [c["name"] for c in doc["connections"]] == ["Head office", "Branch"]
    assert win.connections.more_button.enabled
    win.close()

    other = Service(tmp_path / "other")
    win2 = make_window(other)
    win2.dialogs.paths = [target]
    choose_from_more_menu(win2, "Import…")
    pump(win2, done_with(win2, "success"))
    pump(win2, lambda: len(rows(win2)) == 2)
    assert ("open", "Import connections", "") in win2.dialogs.calls
    _kind, title, text = last(win2, "success")
    assert title == "Connections imported"
    assert "• 2 connections added: Head office, Branch" in text and "• 1 capture profile added: Invoices" in text
    assert "select each and press Authorize" in text and "xconn " not in text
    assert row_of(win2, "Branch")[1:4] == ("—", "Not authorized", OTHER_ID)


def test_import_asks_about_each_conflict_and_does_what_was_chosen(make_window, service, tmp_path):
    from xconn_app.core.service import Service

    for i, name in enumerate(("Head office", "Branch", "Depot")):
        service.add(name, CLIENT_ID, f"http://localhost:{5000 + i}/callback")
    export = tmp_path / "export.json"
    service.export_definitions(export)
    other = Service(tmp_path / "other")
    for i, name in enumerate(("Head office", "Branch", "Depot")):
        other.add(name, OTHER_ID, f"http://localhost:{6000 + i}/callback")
    win = make_window(other)
    win.dialogs.paths = [export]
    win.dialogs.choices = ["Keep this computer's", "Replace", "Import as a copy"]
    choose_from_more_menu(win, "Import…")
    pump(win, done_with(win, "success"))
    pump(win, lambda: len(rows(win)) == 4)
    asked = [c for c in win.dialogs.calls if c[0] == "choose"]
    assert [t for _k, t, _x in asked] == ["Name already used"] * 3
    by_name = {c.name: c for c in other.connections()}
    assert by_name["Head office"].client_id == OTHER_ID and by_name["Branch"].client_id == CLIENT_ID
    assert by_name["Depot (imported)"].client_id == CLIENT_ID
    text = last(win, "success")[2]
    for words in (
        "• 1 connection replaced: Branch",
        "• 1 connection imported as a copy: Depot (imported)",
        "• 1 connection skipped (this computer's kept): Head office",
    ):
        assert words in text, text


def test_cancelled_file_dialogs_do_nothing_and_bad_files_are_explained(make_window, service, tmp_path):
    win = make_window(service)
    win.dialogs.paths = [None]
    choose_from_more_menu(win, "Export…")
    choose_from_more_menu(win, "Import…")
    pump(win, seconds=0.3)
    assert [k for k, _t, _x in win.dialogs.calls] == ["save", "open"]
    bad = tmp_path / "not-an-export.json"
    bad.write_text('{"hello": 1}', encoding="utf-8")
    win.dialogs.paths = [bad]
    choose_from_more_menu(win, "Import…")
    pump(win, done_with(win, "error"))
    text = last(win, "error")[2]
    assert "is not an xconn export file" in text and "Traceback" not in text and "'xconn export'" not in text
    assert win.connections.more_button.enabled


def test_file_dialogs_open_in_documents_with_plain_filters(display, tmp_path, monkeypatch):
    from tkinter import filedialog

    from xconn_app.ui import dialogs

    docs = tmp_path / "Documents"
    docs.mkdir()
    monkeypatch.setattr("platformdirs.user_documents_dir", lambda: str(docs))
    seen = {}
    monkeypatch.setattr(filedialog, "asksaveasfilename", lambda **kw: seen.setdefault("save", kw) and "")
    monkeypatch.setattr(filedialog, "askopenfilename", lambda **kw: seen.setdefault("open", kw) and "")
    d = dialogs.Dialogs()
    assert d.ask_save_path("Export connections", "x.json") is None and d.ask_open_path("Import") is None
    for kw in seen.values():
        assert kw["initialdir"] == str(docs)
        # Tk adds the pattern to the label itself: "xconn export (*.json)", never "(*.json) (*.json)"
        assert kw["filetypes"][0] == ("xconn export", "*.json") and "(" not in kw["filetypes"][0][0]


def test_the_status_bar_says_the_keep_alive_state_plainly(make_window, service, standin, redirect_url, tmp_path):
    from xvfb import authorize

    from xconn_app.core.model import iso

    service.keepalive.root = tmp_path / "system"  # no timer installed for everyone on this "computer"
    conn = service.add("Head office", CLIENT_ID, redirect_url)
    win = make_window(service)
    pump(win, seconds=0.5)
    assert win.status_bar.keepalive_text == ""  # nothing authorized yet: nothing to keep alive
    authorize(service, conn.id)
    win.refresh()
    pump(win, lambda: win.status_bar.keepalive_text)
    assert win.status_bar.keepalive_text == "Daily keep-alive is off for you"
    assert "Diagnose has a button" in win.status_bar._right_tip
    service.keepalive.turn_on()
    service.refresh_all()
    at = service.keepalive_last_run()["at"]
    win.refresh()
    pump(win, lambda: "last ran" in win.status_bar.keepalive_text)
    assert win.status_bar.keepalive_text == f"Daily keep-alive on · last ran {iso(at)}"
    assert "sign in to this computer at least every ~55 days" in win.status_bar._right_tip


def test_keep_alive_words():
    from types import SimpleNamespace as State

    from xconn_app.core.model import now
    from xconn_app.ui.statusbar import keepalive_words

    on = State(code="me", text="The daily keep-alive is on for you.", limit="sign in every ~55 days")
    assert keepalive_words(on, None, 0) == ("", "", False)
    assert keepalive_words(on, None, 2)[0] == "Daily keep-alive on · not run yet"
    assert keepalive_words(on, {"at": now() - 4 * 86400}, 1)[2]  # stale: needs attention
    assert not keepalive_words(on, {"at": now() - 3600}, 1)[2]


def test_diagnose_offers_buttons_not_command_lines(make_window, service, tmp_path, monkeypatch):
    from xconn_app.core import elevate
    from xconn_app.core.accounts import Role
    from xconn_app.core.diagnostics import DoctorCheck

    service.keepalive.root = tmp_path / "system"
    checks = [
        DoctorCheck(
            "Your role",
            True,
            "root: can use connections.",
            "Ask IT to add you to the group 'xconn', or use Diagnose > Become a list administrator.",
            action="become-admin",
            command="sudo xconn setup-machine --add-admin x",
        ),
        DoctorCheck("Password store", True, "Tokens can be saved and read (file)."),
        DoctorCheck(
            "Connection list folder",
            False,
            "The folder is unsafe.",
            "Ask IT to repair the shared folder: Diagnose > Repair the shared folder does it.",
            action="setup-machine",
            command="sudo xconn setup-machine",
        ),
        DoctorCheck(
            "Connection 'Head office'",
            False,
            "Needs re-authorization.",
            "Select the connection and press Re-authorize.",
        ),
        DoctorCheck(
            "Daily keep-alive",
            False,
            "The daily keep-alive is off for you.",
            "Turn on the daily keep-alive.",
            action="keepalive-on",
        ),
    ]
    monkeypatch.setattr(service, "doctor", lambda: checks)
    monkeypatch.setattr(service.definitions, "role", lambda: Role(False, "plain user"))
    ran = []
    monkeypatch.setattr(
        elevate,
        "run_setup_machine",
        lambda add_admin=None: ran.append(add_admin) or elevate.Elevated(True, output="done"),
    )
    win = make_window(service)
    dialog = win.connections.diagnose()
    pump(win, lambda: dialog.checks is not None)
    text = dialog.text
    assert "xconn " not in text and "sudo" not in text and "command line" not in text
    labels = [b.cget("text") for b in dialog.action_buttons]
    # what needs doing first: the failed checks' buttons, then the role's
    assert labels == ["Repair the shared folder", "Turn on daily keep-alive", "Become a list administrator"]

    def button(label):
        return next(b for b in dialog.action_buttons if b.cget("text") == label)

    assert "→ Select the connection and press Re-authorize." in text
    assert dialog.status.cget("text") == "3 problems found."
    button("Become a list administrator").invoke()
    pump(win, lambda: win.dialogs.of("success"))
    assert ran == [__import__("xconn_app.core.model", fromlist=["x"]).current_user()]
    assert win.dialogs.of("success")[-1][1] == "You are a list administrator"
    assert "sign out" in win.dialogs.of("success")[-1][2]
    pump(win, lambda: dialog.action_buttons and dialog.action_buttons[-1].enabled)
    button("Turn on daily keep-alive").invoke()
    pump(win, lambda: len(win.dialogs.of("success")) == 2)
    assert service.keepalive.state().code == "me"
    dialog.copy_button.invoke()
    assert win.clipboard_get() == dialog.report
    dialog.close()


def test_diagnose_with_the_real_doctor(make_window, service, standin):
    win = make_window(service)
    dialog = win.connections.diagnose()
    pump(win, lambda: dialog.checks is not None, timeout=60)
    assert dialog.checks and dialog.report.startswith("xconn ")
    assert dialog.text.count("✔") + dialog.text.count("✘") + dialog.text.count("!") >= len(dialog.checks)
    assert "xconn setup-machine" not in dialog.text
    dialog.close()


def test_history_columns_notes_and_scope(make_window, service, tmp_path):
    a = service.add("Head office", CLIENT_ID, "http://localhost:5000/callback")
    service.add("Branch", CLIENT_ID, "http://localhost:5001/callback")
    service.edit(a.id, name="Head office NZ")
    service.export_definitions(tmp_path / "export.json")  # belongs to no connection
    win = make_window(service)
    win.connections.select(a.id)
    win.connections.history_button.invoke()
    history = win.connections.dialog
    pump(win, lambda: history.entries)
    assert history.heading.cget("text") == "History of Head office NZ"
    assert [r[2] for r in history.rows()] == ["edited", "added"]  # newest first
    assert history.table.headings == {
        "at": "When",
        "who": "Who",
        "what": "What",
        "connection": "Connection",
        "detail": "Detail",
        "note": "Note",
    }
    history.scope.pick("All connections")
    pump(win, lambda: any(e.what == "exported" for e in history.entries))
    assert history.showing_all and history.count.cget("text") == "4 entries"
    history.close()


def test_history_has_no_cut_columns_at_its_default_size(make_window, service):
    from xconn_app.core.model import Status

    conn = service.add("A connection with a long name", CLIENT_ID, "http://localhost:5000/callback")
    service.edit(conn.id, name="A connection with a long name, renamed", redirect_url="http://localhost:5001/cb")
    win = make_window(service)
    history = win.connections.history()
    pump(win, lambda: history.entries)
    pump(win, seconds=0.3)
    from xconn_app.ui.widgets.table import cell_room

    table = history.table
    font = table.style.font
    for iid in table.tree.get_children():
        for width, shown, whole in zip(table.widths, table.shown(iid), table.values(iid), strict=True):
            assert shown == whole or shown.endswith("…"), (shown, whole)
            assert font.measure(shown) <= cell_room(width, table.style.scale), shown
    del Status
    history.close()


def test_window_has_the_xconn_icon(make_window, service, monkeypatch):
    import shutil
    import subprocess

    from xconn_app.ui.app import MainWindow
    from xconn_app.ui.icon import assets_dir

    calls = []
    real = MainWindow.iconphoto
    monkeypatch.setattr(
        MainWindow,
        "iconphoto",
        lambda self, default, *images: (calls.append((default, images)), real(self, default, *images)),
    )
    win = make_window(service)
    assert len(calls) == 1 and calls[0][0] is True  # the default for the dialogs too
    (image,) = calls[0][1]
    from xconn_app.ui.widgets.perwindow import get

    assert (image.width(), image.height()) == (64, 64) and image is get(win, "icon")
    if shutil.which("xprop"):  # what the window manager reads
        win.update()
        out = subprocess.run(["xprop", "-name", win.title(), "_NET_WM_ICON"], capture_output=True, text=True).stdout
        assert out.startswith("_NET_WM_ICON(CARDINAL) =") and "Icon (64 x 64)" in out, out[:200]
    for name in ("xconn-64.png", "xconn.png", "xconn.ico"):
        assert (assets_dir() / name).is_file()


def test_on_windows_the_ico_replaces_customtkinters(display, isolated, service, monkeypatch):
    from recording import RecordingDialogs

    from xconn_app.ui import icon
    from xconn_app.ui.app import MainWindow
    from xconn_app.ui.dialogs import Modal

    calls = []
    monkeypatch.setattr(icon, "WINDOWS", True)
    monkeypatch.setattr(
        MainWindow, "iconbitmap", lambda self, bitmap=None, default=None: calls.append(("main", bitmap))
    )
    monkeypatch.setattr(Modal, "iconbitmap", lambda self, bitmap=None, default=None: calls.append(("dialog", bitmap)))
    win = MainWindow(service, dialogs=RecordingDialogs())
    try:
        pump(win, seconds=0.4)  # past customtkinter's 200 ms and ours at 250 ms
        ico = str(icon.assets_dir() / "xconn.ico")
        assert calls == [("main", ico), ("main", ico)]
        dialog = win.connections.history()
        assert calls[-1] == ("dialog", ico)
        dialog.close()
    finally:
        win.destroy()
