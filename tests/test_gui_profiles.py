"""Usage dialog, Profiles tab, History and Diagnose, pressed like a person would."""

from __future__ import annotations

import pytest

import conftest
from xvfb import TkHeartbeat, display, make_window, pump, row_of, rows  # noqa: F401

pytestmark = pytest.mark.gui

CLIENT_ID = conftest.CLIENT_ID


@pytest.fixture
def two_connections(service):
    a = service.add("Head office", CLIENT_ID, "http://localhost:5000/callback")
    b = service.add("Branch", CLIENT_ID, "http://localhost:5001/callback")
    for name in ("Invoices", "Receipts", "Statements"):
        service.add_profile(name, a.id)
    return a, b


def test_usage_switch_selected_then_all(make_window, service, two_connections):
    a, b = two_connections
    win = make_window(service)
    win.connections.select(a.id)
    win.connections.usage_button.invoke()
    usage = win.connections.dialog
    pump(win, lambda: usage.profile_names() == ["Invoices", "Receipts", "Statements"])
    assert "3 profiles use this connection" in usage.text.cget("text")
    assert usage.target_menu.get() == "Branch"
    assert str(usage.switch_selected_button.cget("state")) == "disabled"  # nothing selected yet
    usage.select(["Receipts"])
    usage.switch_selected_button.invoke()
    pump(win, lambda: usage.profile_names() == ["Invoices", "Statements"])
    assert "Switched 1 profile to 'Branch'" in usage.result.cget("text")
    assert [p.name for p in service.usage(b.id)] == ["Receipts"]
    usage.switch_all_button.invoke()
    pump(win, lambda: usage.profile_names() == [])
    assert "No capture profile uses this connection" in usage.text.cget("text")
    assert sorted(p.name for p in service.usage(b.id)) == ["Invoices", "Receipts", "Statements"]
    usage.close()


def test_usage_with_no_other_connection_cannot_switch(make_window, service):
    a = service.add("Only", CLIENT_ID, "http://localhost:5000/callback")
    service.add_profile("Invoices", a.id)
    win = make_window(service)
    usage = win.connections.usage()
    pump(win, lambda: usage.profile_names() == ["Invoices"])
    assert str(usage.switch_all_button.cget("state")) == "disabled"
    usage.close()


def test_profiles_tab_add_rename_pick_connection_delete(make_window, service, two_connections):
    a, b = two_connections
    win = make_window(service)
    win.tabs.set("Profiles")
    view = win.profiles
    pump(win, lambda: len(view.rows()) == 3)
    assert view.rows()[0] == ("Invoices", "Head office")

    view.tree.selection_remove(*view.tree.selection())
    pump(win, seconds=0.05)
    view.name_var.set("Purchase orders")
    view.connection_menu.set("Branch")
    view.add_button.invoke()
    pump(win, lambda: ("Purchase orders", "Branch") in view.rows())
    assert {p.name for p in service.usage(b.id)} == {"Purchase orders"}
    pump(win, lambda: row_of(win, "Branch") is not None)

    view.select("Receipts")
    view.name_var.set("Expense receipts")
    view.rename_button.invoke()
    pump(win, lambda: ("Expense receipts", "Head office") in view.rows())
    assert "Receipts" not in [p.name for p in service.profiles()]

    view.select("Expense receipts")
    view.connection_menu.set("Branch")
    view.pick_connection("Branch")
    pump(win, lambda: ("Expense receipts", "Branch") in view.rows())
    assert {p.name for p in service.usage(b.id)} == {"Purchase orders", "Expense receipts"}

    view.select("Statements")
    view.delete_button.invoke()
    pump(win, lambda: "Statements" not in [r[0] for r in view.rows()])
    assert win.dialogs.calls[-1][:2] == ("ask", "Delete capture profile")
    assert "Statements" not in [p.name for p in service.profiles()]


def test_profile_delete_answered_no_keeps_it(make_window, service, two_connections):
    win = make_window(service, answers=[False])
    win.tabs.set("Profiles")
    view = win.profiles
    pump(win, lambda: len(view.rows()) == 3)
    view.select("Invoices")
    view.delete_button.invoke()
    pump(win, seconds=0.3)
    assert len(service.profiles()) == 3


def test_profile_name_clash_is_explained(make_window, service, two_connections):
    win = make_window(service)
    win.tabs.set("Profiles")
    view = win.profiles
    pump(win, lambda: len(view.rows()) == 3)
    view.select("Invoices")
    view.name_var.set("receipts")
    view.rename_button.invoke()
    pump(win, lambda: win.dialogs.calls)
    assert win.dialogs.calls[-1][:2] == ("error", "Name already used")


def test_history_lists_what_happened(make_window, service, two_connections):
    a, _b = two_connections
    service.edit(a.id, name="Head office NZ")
    win = make_window(service)
    win.connections.select(a.id)
    win.connections.history_button.invoke()
    history = win.connections.dialog
    pump(win, lambda: history.entries)
    whats = [history.tree.item(i, "values")[2] for i in history.tree.get_children()]
    assert whats[0] == "edited" and "added" in whats  # newest first
    assert all(e["connection_id"] == a.id for e in history.entries)
    history.close()
    win.connections.tree.selection_remove(*win.connections.tree.selection())
    history = win.connections.history()
    pump(win, lambda: history.entries)
    assert any(e["what"] == "profile added" for e in history.entries)
    history.close()


def test_diagnose_shows_marks_and_copies_the_report(make_window, service, monkeypatch):
    from types import SimpleNamespace as Check

    checks = [Check(name="Password store", ok=True, detail="file keyring", fix=""),
              Check(name="Connection list", ok=False, detail="not writable", fix="Reinstall xconn.")]
    monkeypatch.setattr(service, "doctor", lambda: checks, raising=False)
    monkeypatch.setattr(service, "doctor_report", lambda c: "REPORT " + ", ".join(x.name for x in c), raising=False)
    win = make_window(service)
    win.connections.diagnose_button.invoke()
    dialog = win.connections.dialog
    pump(win, lambda: dialog.checks is not None)
    assert "✔  Password store — file keyring" in dialog.text
    assert "✘  Connection list — not writable" in dialog.text and "Reinstall xconn." in dialog.text
    assert "1 problem found" in dialog.status.cget("text")
    dialog.copy_button.invoke()
    assert win.clipboard_get() == "REPORT Password store, Connection list"
    dialog.close()


def test_diagnose_with_the_real_doctor(make_window, service, standin):
    win = make_window(service)
    dialog = win.connections.diagnose()
    pump(win, lambda: dialog.checks is not None or "went wrong" in dialog.text.lower(), timeout=60)
    assert dialog.checks, dialog.text
    assert dialog.text.count("✔") + dialog.text.count("✘") == len(dialog.checks)
    dialog.copy_button.invoke()
    assert win.clipboard_get() == dialog.report
    dialog.close()



# -- thousands of connections ------------------------------------------------------------------


def many(service, n, profiles_on_first=0):
    """n connections (and some profiles on the first) written straight into the registry."""
    from xconn_app.core.model import Connection, Profile
    from xconn_app.core.registry import RegistryData

    conns = [Connection(name=f"Connection {i:05d}", client_id=f"{i:032X}",
                        redirect_url=f"http://localhost:{5000 + i % 1000}/callback") for i in range(n)]
    profiles = [Profile(name=f"Profile {i:05d}", connection_id=conns[0].id) for i in range(profiles_on_first)]
    service.registry.save(RegistryData(conns, profiles))
    return conns


def test_ten_thousand_connections_fill_in_slices_and_typing_filters_once(make_window, service, monkeypatch):
    from xconn_app.ui.widgets import fill

    many(service, 10_000)
    win = make_window(service)
    view = win.connections
    assert len(rows(win)) == 10_000 and view.fill.done
    assert view.count_label.cget("text") == "10,000 connections"
    beat = TkHeartbeat(win, 5)
    view.show_rows()
    assert len(view.tree.get_children()) == fill.FIRST and not view.fill.done  # the first screenful at once
    pump(win, lambda: view.fill.done)
    assert len(rows(win)) == 10_000 and rows(win)[-1][0] == "Connection 09999"
    # No slice holds the Tk thread long (500 rows ~10 ms here; the budget is 50 ms; CI is noisy).
    assert view.fill.longest < 0.05, f"a slice took {view.fill.longest * 1000:.0f} ms"
    assert beat.stop() < 0.1, f"Tk was blocked {beat.longest * 1000:.0f} ms"

    shown = []
    real = view.show_rows
    monkeypatch.setattr(view, "show_rows", lambda *a, **k: (shown.append(view.search_text()), real(*a, **k)))
    view.search._entry.focus_force()
    for typed in ("c", "co", "con", "conn"):  # four keys in quick succession
        view.search.delete(0, "end")
        view.search.insert(0, typed + "ection 0999")
        view.search._entry.event_generate("<KeyRelease>", keysym="n")
        win.update()
    pump(win, lambda: shown)
    pump(win, seconds=0.3)
    assert shown == ["connection 0999"]  # once, 150 ms after the last key
    assert [r[0] for r in rows(win)] == [f"Connection 0999{i}" for i in range(10)]
    assert view.count_label.cget("text") == "10 of 10,000 connections"
    view.search._entry.event_generate("<KeyRelease>", keysym="Right")  # no change in the text: no filtering
    pump(win, seconds=0.3)
    assert len(shown) == 1


def test_long_connection_lists_drop_down_short_and_search_the_rest(make_window, service):
    from xconn_app.ui.widgets.choice import MENU_SHOWN

    conns = many(service, 40)
    service.add_profile("Invoices", conns[0].id)
    win = make_window(service)
    win.tabs.set("Profiles")
    view = win.profiles
    pump(win, lambda: len(view.rows()) == 1)
    view.select("Invoices")
    menu = view.connection_menu
    assert menu.get() == "Connection 00000"
    assert len(menu.cget("values")) == 41  # "(no connection)" and all 40
    dropped = menu._dropdown_menu  # what the drop-down shows: a short list, then the search
    labels = [dropped.entrycget(i, "label").strip() for i in range(dropped.index("end") + 1)]
    assert labels[0] == "(no connection)" and len(labels) == MENU_SHOWN + 1
    assert labels[-1] == "Search all 40…"
    menu._chosen("Search all 40…")  # what picking that entry does
    picker = menu.picker
    assert picker is not None and menu.get() == "Connection 00000"
    assert len(picker.shown_names()) == 41
    picker.type("connection 0003")
    assert picker.shown_names() == [f"Connection 0003{i}" for i in range(10)]
    assert "10 matches" in picker.count.cget("text")
    picker.type("connection 00037")
    picker.choose()
    assert menu.get() == "Connection 00037" and menu.picker is None
    pump(win, lambda: view.rows() == [("Invoices", "Connection 00037")])
    assert [p.name for p in service.usage(conns[37].id)] == ["Invoices"]
    # The current name joins the short list; Escape leaves everything as it was.
    labels = [dropped.entrycget(i, "label").strip() for i in range(dropped.index("end") + 1)]
    assert "Connection 00037" in labels
    picker = menu.open_picker()
    picker.window.event_generate("<Escape>")
    pump(win, lambda: menu.picker is None)
    assert menu.get() == "Connection 00037"


def test_usage_reads_the_registry_once_and_switches_among_thousands(make_window, service, monkeypatch):
    conns = many(service, 2000, profiles_on_first=3)
    win = make_window(service)
    loads = []
    real_load = service.load
    monkeypatch.setattr(service, "load", lambda: (loads.append(1), real_load())[1])
    win.connections.select(conns[0].id)
    usage = win.connections.usage()
    pump(win, lambda: len(usage.profile_names()) == 3 and usage.text.cget("text") != "Loading…")
    assert len(loads) == 1
    assert usage.target_menu.get() == "Connection 00001"
    picker = usage.target_menu.open_picker()
    picker.type("01999")
    picker.choose()
    assert usage.target_menu.get() == "Connection 01999"
    usage.switch_all_button.invoke()
    pump(win, lambda: usage.profile_names() == [])
    assert sorted(p.name for p in service.usage(conns[1999].id)) == ["Profile 00000", "Profile 00001", "Profile 00002"]
    usage.close()
