"""Usage dialog and Profiles tab, pressed like a person would; thousands of connections and profiles."""

from __future__ import annotations

import conftest
import pytest
from xvfb import pump, rows

from xconn_app.ui.widgets.ctk_adapter import inner_entry

pytestmark = pytest.mark.gui
pytest_plugins = ["guifixtures"]  # the display and make_window fixtures

CLIENT_ID = conftest.CLIENT_ID


@pytest.fixture
def two_connections(service):
    from xconn_app.core.model import Tenant

    a = service.add("Head office", CLIENT_ID, "http://localhost:5000/callback")
    b = service.add("Branch", CLIENT_ID, "http://localhost:5001/callback")
    service.edit(a.id, tenant=Tenant("c1", "t1", "Harbour Logistics Ltd"))
    service.edit(b.id, tenant=Tenant("c2", "t2", "Harbour Logistics Trust"))
    for name in ("Invoices", "Receipts", "Statements"):
        service.add_profile(name, a.id)
    return a, b


def test_usage_confirms_an_organisation_change_naming_both_and_offers_undo(make_window, service, two_connections):
    a, b = two_connections
    win = make_window(service, answers=[False, True, True])
    win.connections.select(a.id)
    win.connections.usage_button.invoke()
    usage = win.connections.dialog
    pump(win, lambda: usage.profile_names() == ["Invoices", "Receipts", "Statements"])
    assert usage.text.cget("text") == "3 capture profiles use it; they send documents to 'Harbour Logistics Ltd'."
    assert usage.target_menu.get() == "Branch"
    assert not usage.switch_selected_button.enabled  # nothing selected yet
    usage.select(["Receipts"])
    usage.switch_selected_button.invoke()  # asked first, naming both organisations; answered Cancel
    _kind, title, text = win.dialogs.calls[-1]
    assert title == "Switch to another organisation?"
    assert "'Harbour Logistics Ltd'" in text and "'Harbour Logistics Trust'" in text and "undo" in text
    assert [p.name for p in service.usage(b.id)] == []
    usage.switch_selected_button.invoke()  # ... yes
    pump(win, lambda: usage.profile_names() == ["Invoices", "Statements"])
    assert usage.result.cget("text") == "Switched 1 profile to 'Branch': it sends to 'Harbour Logistics Trust' now."
    assert usage.undo_button.winfo_ismapped()
    usage.undo_button.invoke()
    pump(win, lambda: usage.profile_names() == ["Invoices", "Receipts", "Statements"])
    assert usage.result.cget("text") == "Undone: 1 profile use 'Head office' again."
    assert not usage.undo_button.winfo_ismapped()
    assert "(undo)" in service.history(a.id)[-1].detail  # History names the previous connection
    usage.switch_all_button.invoke()
    pump(win, lambda: usage.profile_names() == [])
    assert usage.text.cget("text") == "No capture profile uses this connection."
    assert sorted(p.name for p in service.usage(b.id)) == ["Invoices", "Receipts", "Statements"]
    usage.close()


def test_usage_without_an_organisation_change_does_not_ask(make_window, service):
    a = service.add("Head office", CLIENT_ID, "http://localhost:5000/callback")
    service.add("Spare", CLIENT_ID, "http://localhost:5001/callback")
    service.add_profile("Invoices", a.id)
    win = make_window(service)
    usage = win.connections.usage()
    pump(win, lambda: usage.profile_names() == ["Invoices"])
    usage.switch_all_button.invoke()
    pump(win, lambda: usage.profile_names() == [])
    assert not win.dialogs.of("confirm") and usage.result.cget("text") == "Switched 1 profile to 'Spare'."


def test_usage_with_no_other_connection_cannot_switch(make_window, service):
    a = service.add("Only", CLIENT_ID, "http://localhost:5000/callback")
    service.add_profile("Invoices", a.id)
    win = make_window(service)
    usage = win.connections.usage()
    pump(win, lambda: usage.profile_names() == ["Invoices"])
    assert not usage.switch_all_button.enabled
    usage.close()


def test_profiles_tab_add_without_clearing_rename_pick_delete(make_window, service, two_connections):
    _a, b = two_connections
    win = make_window(service)
    win.tabs.set("Profiles")
    view = win.profiles
    pump(win, lambda: len(view.rows()) == 3)
    assert view.rows()[0] == ("Invoices", "Head office")
    view.select("Invoices")
    assert view.name_entry.get() == "Invoices" and view.new_name.get() == ""  # the new name has its own box
    view.new_name.insert(0, "Purchase orders")
    view.new_connection.pick("Branch")
    view.add_button.invoke()
    pump(win, lambda: ("Purchase orders", "Branch") in view.rows())
    pump(win, lambda: view.selected() is not None and view.selected().name == "Purchase orders")  # selected
    assert view.new_name.get() == ""  # ready for the next one
    assert {p.name for p in service.usage(b.id)} == {"Purchase orders"}

    view.select("Receipts")
    view.name_entry.delete(0, "end")
    view.name_entry.insert(0, "Expense receipts")
    view.rename_button.invoke()
    pump(win, lambda: ("Expense receipts", "Head office") in view.rows())

    view.select("Expense receipts")
    view.connection_menu.pick("Branch")
    pump(win, lambda: ("Expense receipts", "Branch") in view.rows())

    view.select("Statements")
    view.delete_button.invoke()
    pump(win, lambda: "Statements" not in [r[0] for r in view.rows()])
    assert win.dialogs.calls[-1][:2] == ("confirm", "Delete capture profile?")


def test_the_empty_profiles_list_explains_itself(make_window, service):
    win = make_window(service)
    win.tabs.set("Profiles")
    view = win.profiles
    pump(win, lambda: view.empty.winfo_ismapped())
    assert view.empty.cget("text").startswith("No capture profiles yet. A capture profile is a PSIcapture profile")


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
    view.name_entry.delete(0, "end")
    view.name_entry.insert(0, "receipts")
    view.rename_button.invoke()
    pump(win, lambda: win.dialogs.calls)
    assert win.dialogs.calls[-1][:2] == ("error", "Name already used")


# -- thousands of connections ------------------------------------------------------------------------
def many(service, n, profiles_on_first=0):
    """n connections (and some profiles on the first) written straight into the list."""
    from xconn_app.core.model import Connection, Profile

    conns = [
        Connection(
            name=f"Connection {i:05d}",
            client_id=f"{i:032X}",
            redirect_url=f"http://localhost:{5000 + i % 1000}/callback",
        )
        for i in range(n)
    ]
    profiles = [Profile(name=f"Profile {i:05d}", connection_id=conns[0].id) for i in range(profiles_on_first)]
    with service.definitions.change("add connections") as (data, _record):
        data.connections, data.profiles = conns, profiles
    return conns


def test_ten_thousand_connections_fill_in_slices_and_typing_filters_once(make_window, service, monkeypatch):
    from xconn_app.ui.widgets import fill

    many(service, 10_000)
    win = make_window(service)
    view = win.connections
    pump(win, lambda: view.fill.done)
    assert len(rows(win)) == 10_000
    assert view.count_label.cget("text") == "10,000 connections"
    view.show_rows()
    assert len(view.tree.get_children()) == fill.FIRST and not view.fill.done  # the first screenful at once
    pump(win, lambda: view.fill.done)
    assert rows(win)[-1][0] == "Connection 09999"
    shown = []
    real = view.show_rows
    monkeypatch.setattr(view, "show_rows", lambda *a, **k: (shown.append(view.search_text()), real(*a, **k)))
    inner_entry(view.search).focus_force()
    for typed in ("c", "co", "con", "conn"):  # four keys in quick succession
        view.search.delete(0, "end")
        view.search.insert(0, typed + "ection 0999")
        inner_entry(view.search).event_generate("<KeyRelease>", keysym="n")
        win.update()
    pump(win, lambda: shown)
    pump(win, seconds=0.3)
    assert shown == ["connection 0999"]  # once, 150 ms after the last key
    assert [r[0] for r in rows(win)] == [f"Connection 0999{i}" for i in range(10)]
    assert view.count_label.cget("text") == "10 of 10,000 connections"


def test_long_connection_lists_drop_down_short_and_search_the_rest(make_window, service):
    from xconn_app.ui.widgets import ctk_adapter
    from xconn_app.ui.widgets.choice import MENU_SHOWN

    conns = many(service, 40)
    service.add_profile("Invoices", conns[0].id)
    win = make_window(service)
    win.tabs.set("Profiles")
    view = win.profiles
    pump(win, lambda: len(view.rows()) == 1)
    view.select("Invoices")
    menu = view.connection_menu
    assert menu.get() == "Connection 00000" and len(menu.cget("values")) == 41
    dropped = ctk_adapter.option_menu_list(menu)
    labels = [dropped.entrycget(i, "label").strip() for i in range(dropped.index("end") + 1)]
    assert labels[0] == "(no connection)" and len(labels) == MENU_SHOWN + 1 and labels[-1] == "Search all 40…"
    menu._chosen("Search all 40…")  # what picking that entry does
    picker = menu.picker
    assert picker is not None and len(picker.shown_names()) == 41
    picker.type("connection 0003")
    assert picker.shown_names() == [f"Connection 0003{i}" for i in range(10)]
    picker.type("connection 00037")
    picker.choose()
    assert menu.get() == "Connection 00037" and menu.picker is None
    pump(win, lambda: view.rows() == [("Invoices", "Connection 00037")])
    picker = menu.open_picker()
    picker.window.event_generate("<Escape>")
    pump(win, lambda: menu.picker is None)
    assert menu.get() == "Connection 00037"


def test_usage_switches_among_thousands(make_window, service):
    conns = many(service, 2000, profiles_on_first=3)
    win = make_window(service)
    win.connections.select(conns[0].id)
    usage = win.connections.usage()
    pump(win, lambda: len(usage.profile_names()) == 3 and usage.text.cget("text") != "Loading…")
    assert usage.target_menu.get() == "Connection 00001"
    picker = usage.target_menu.open_picker()
    picker.type("01999")
    picker.choose()
    assert usage.target_menu.get() == "Connection 01999"
    usage.switch_all_button.invoke()
    pump(win, lambda: usage.profile_names() == [])
    assert sorted(p.name for p in service.usage(conns[1999].id)) == ["Profile 00000", "Profile 00001", "Profile 00002"]
    usage.close()
