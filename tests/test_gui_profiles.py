"""Usage dialog, Profiles tab, History and Diagnose, pressed like a person would."""

from __future__ import annotations

import pytest

import conftest
from xvfb import display, make_window, pump, row_of, rows  # noqa: F401

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

