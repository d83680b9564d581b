"""The window's help-desk parts: Export… / Import… through the More menu, keep-alive status, icon, History."""

from __future__ import annotations

import json

import pytest

import conftest
from xvfb import display, make_window, pump, rows, row_of  # noqa: F401

pytestmark = pytest.mark.gui

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


def test_export_then_import_into_another_registry(make_window, service, tmp_path):
    from xconn_app.core.service import Service

    head = service.add("Head office", CLIENT_ID, "http://localhost:5000/callback")
    service.add("Branch", OTHER_ID, "http://localhost:5001/callback")
    service.add_profile("Invoices", head.id)
    target = tmp_path / "out" / "xconn-connections.json"
    target.parent.mkdir()

    win = make_window(service)
    win.dialogs.paths = [target]
    choose_from_more_menu(win, "Export…")
    pump(win, done_with(win, "info"))
    assert win.dialogs.calls[0] == ("save", "Export connections", "xconn-connections.json")
    _kind, title, text = last(win, "info")
    assert title == "Connections exported"
    assert text.startswith(f"Exported 2 connections (no tokens) and the capture profiles to {target}")
    doc = json.loads(target.read_text(encoding="utf-8"))
    assert [c["name"] for c in doc["connections"]] == ["Head office", "Branch"]
    assert "token" not in target.read_text(encoding="utf-8").lower()
    assert str(win.connections.more_button.cget("state")) == "normal"
    win.close()

    other = Service(tmp_path / "other")
    win2 = make_window(other)
    assert rows(win2) == []
    win2.dialogs.paths = [target]
    choose_from_more_menu(win2, "Import…")
    pump(win2, done_with(win2, "info"))
    pump(win2, lambda: len(rows(win2)) == 2)
    assert ("open", "Import connections", "") in win2.dialogs.calls
    assert not [c for c in win2.dialogs.calls if c[0] == "choose"]  # nothing to decide
    _kind, title, text = last(win2, "info")
    assert title == "Connections imported"
    assert "• 2 added: Head office, Branch" in text and "• 1 capture profiles added: Invoices" in text
    assert "Imported connections are not authorized yet: select each, Edit, Authorize." in text
    assert row_of(win2, "Branch")[1:4] == ("—", "Not authorized", OTHER_ID)
    assert [p.name for p in other.profiles()] == ["Invoices"]
    assert service.location.path != other.location.path
    assert len(service.connections()) == 2  # the first registry is untouched


def test_import_asks_about_each_conflict_and_does_what_was_chosen(make_window, service, tmp_path):
    from xconn_app.core.service import Service

    for i, name in enumerate(("Head office", "Branch", "Depot")):
        service.add(name, CLIENT_ID, f"http://localhost:{5000 + i}/callback")
    export = tmp_path / "export.json"
    service.export_definitions(export)

    other = Service(tmp_path / "other")
    mine = {name: other.add(name, OTHER_ID, f"http://localhost:{6000 + i}/callback")
            for i, name in enumerate(("Head office", "Branch", "Depot"))}
    win = make_window(other)
    win.dialogs.paths = [export]
    win.dialogs.choices = ["Keep this computer's", "Replace", "Import as a copy"]
    choose_from_more_menu(win, "Import…")
    pump(win, done_with(win, "info"))
    pump(win, lambda: len(rows(win)) == 4)

    asked = [c for c in win.dialogs.calls if c[0] == "choose"]
    assert [t for _k, t, _x in asked] == ["Name already used"] * 3
    for (_k, _t, text), name in zip(asked, ("Head office", "Branch", "Depot")):
        assert f"named '{name}'" in text and OTHER_ID in text and CLIENT_ID in text
    by_name = {c.name: c for c in other.connections()}
    assert by_name["Head office"].client_id == OTHER_ID  # kept
    assert by_name["Branch"].client_id == CLIENT_ID and by_name["Branch"].id == mine["Branch"].id  # replaced
    assert by_name["Depot"].client_id == OTHER_ID and by_name["Depot (imported)"].client_id == CLIENT_ID
    assert row_of(win, "Depot (imported)")[3] == CLIENT_ID
    _kind, title, text = last(win, "info")
    assert title == "Connections imported"
    for words in ("• 1 replaced: Branch", "• 1 imported as a copy: Depot (imported)",
                  "• 1 skipped (this computer's kept): Head office", "not authorized yet"):
        assert words in text, text


def test_closing_a_conflict_question_imports_nothing(make_window, service, tmp_path):
    from xconn_app.core.service import Service

    service.add("Head office", CLIENT_ID, "http://localhost:5000/callback")
    service.add("New one", CLIENT_ID, "http://localhost:5001/callback")
    export = tmp_path / "export.json"
    service.export_definitions(export)
    other = Service(tmp_path / "other")
    other.add("Head office", OTHER_ID, "http://localhost:6000/callback")
    win = make_window(other)
    win.dialogs.paths = [export]
    win.dialogs.choices = [None]  # the box was closed
    choose_from_more_menu(win, "Import…")
    pump(win, done_with(win, "info"))
    assert last(win, "info")[1:] == ("Import cancelled", "Nothing was imported.")
    assert [c.name for c in other.connections()] == ["Head office"]


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
    _kind, _title, text = last(win, "error")
    assert "is not an xconn export file" in text and "Traceback" not in text
    assert str(win.connections.more_button.cget("state")) == "normal"


def test_status_bar_says_when_the_keep_alive_last_ran(make_window, service):
    from xconn_app.core.model import iso

    service.add("Head office", CLIENT_ID, "http://localhost:5000/callback")
    win = make_window(service)
    pump(win, lambda: win.status_right.cget("text"))
    assert win.status_right.cget("text") == "Keep-alive: never ran on this computer"
    service.refresh_all()
    at = service.keepalive_last_run()["at"]
    win.refresh()
    pump(win, lambda: "last ran" in win.status_right.cget("text"))
    assert win.status_right.cget("text") == f"Keep-alive: last ran {iso(at)}"
    assert win.connections.count_label.cget("text") == "1 connection"  # still there
    assert str(service.location.path) in win.status_text.cget("text")


def test_keep_alive_text_and_staleness():
    from xconn_app.core.model import now
    from xconn_app.ui.helpdesk import keepalive_is_stale, keepalive_text

    assert keepalive_text(None) == "Keep-alive: never ran on this computer"
    assert keepalive_text({"at": None}) == "Keep-alive: never ran on this computer"
    assert keepalive_text({"at": 1795586400}).startswith("Keep-alive: last ran 2026-11-")
    assert not keepalive_is_stale(None) and not keepalive_is_stale({"at": now() - 3600})
    assert keepalive_is_stale({"at": now() - 4 * 86400})


def test_window_has_the_xconn_icon(make_window, service, monkeypatch):
    import shutil
    import subprocess

    from xconn_app.ui.app import MainWindow
    from xconn_app.ui.icon import assets_dir

    calls = []
    real = MainWindow.iconphoto
    monkeypatch.setattr(MainWindow, "iconphoto",
                        lambda self, default, *images: (calls.append((default, images)), real(self, default, *images)))
    win = make_window(service)
    assert len(calls) == 1 and calls[0][0] is True  # the default for the dialogs too
    (image,) = calls[0][1]
    assert (image.width(), image.height()) == (64, 64) and image is win._xconn_icon
    if shutil.which("xprop"):  # what the window manager reads
        win.update()
        out = subprocess.run(["xprop", "-name", win.title(), "_NET_WM_ICON"], capture_output=True, text=True).stdout
        assert out.startswith("_NET_WM_ICON(CARDINAL) =") and "Icon (64 x 64)" in out, out[:200]
    for name in ("xconn-64.png", "xconn.png", "xconn.ico"):
        assert (assets_dir() / name).is_file()


def test_on_windows_the_ico_replaces_customtkinters(display, isolated, service, monkeypatch):
    from xconn_app.ui import icon
    from xconn_app.ui.app import MainWindow
    from xconn_app.ui.dialogs import Modal, RecordingDialogs

    calls = []
    monkeypatch.setattr(icon, "WINDOWS", True)
    monkeypatch.setattr(MainWindow, "iconbitmap", lambda self, bitmap=None, default=None: calls.append(("main", bitmap)))
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


def test_history_follows_the_selection_and_can_show_everything(make_window, service, tmp_path):
    a = service.add("Head office", CLIENT_ID, "http://localhost:5000/callback")
    service.add("Branch", CLIENT_ID, "http://localhost:5001/callback")
    service.export_definitions(tmp_path / "export.json")  # belongs to no connection
    win = make_window(service)
    win.connections.select(a.id)
    win.connections.history_button.invoke()
    history = win.connections.dialog
    pump(win, lambda: history.entries)
    assert history.heading.cget("text") == "History of Head office"
    assert {e["connection"] for e in history.entries} == {"Head office"}
    history.scope._buttons_dict["All connections"].invoke()
    pump(win, lambda: any(e["what"] == "exported" for e in history.entries))
    assert history.heading.cget("text") == "History of all connections" and history.showing_all
    assert len(history.tree.get_children()) == len(history.entries) == 3
    history.scope._buttons_dict["This connection"].invoke()
    pump(win, lambda: len(history.entries) == 1)
    assert len(history.tree.get_children()) == 1
    history.close()

    win.connections.set_search("nothing like it")  # no row shown, none selected
    history = win.connections.history()
    pump(win, lambda: history.entries)
    assert history.title() == "History — all connections" and history.scope is None
    assert history.heading.cget("text") == "History of all connections"
    history.close()
