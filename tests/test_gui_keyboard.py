"""Issue 11 with real key presses and clicks (xdotool, XTEST) under Xvfb with openbox: the seed's
procedure in at most 7 actions by keyboard only and by mouse only, Re-authorize in 3, Tab reaching
every control with a visible ring, Enter / Space / Escape, shortcuts, Ctrl+A in every entry."""

from __future__ import annotations

import shutil

import conftest
import pytest
from actions import Person
from xvfb import focused, pump, row_of, rows, shown

from xconn_app.core.authflow import Phase

pytestmark = pytest.mark.gui
pytest_plugins = ["guifixtures"]  # the display, make_window and browser fixtures

CLIENT_ID = conftest.CLIENT_ID
BUDGET = 7


@pytest.fixture(autouse=True)
def _xdotool():
    conftest.require(shutil.which("xdotool") is not None, "xdotool")


def front(person, win):
    """The window as a person finds it: on the screen, with the focus."""
    win.focus_force()
    person.settle(0.3)


def test_the_seed_procedure_by_keyboard_only_in_7_actions(make_window, service, standin, redirect_url, browser):
    win = make_window(service)
    person = Person(win)
    front(person, win)
    person.key("ctrl+n")  # Add
    person.wait(lambda: win.connections.dialog is not None and focused(win.connections.dialog.name_field.entry))
    dialog = win.connections.dialog
    person.fill_focused("Head office")
    person.tab_and_fill(CLIENT_ID)
    person.tab_and_fill(redirect_url)
    assert dialog.values()["client_id"] == CLIENT_ID and dialog.values()["redirect_url"] == redirect_url
    person.key("Return")  # Enter in a field: the next step, Authorize (not an unauthorized save)
    person.wait(lambda: dialog.flow.view.phase is Phase.WAITING)
    assert service.connections() == []
    person.allow_access(browser)
    person.wait(lambda: dialog.flow.view.phase is Phase.CHOOSING and focused(dialog.save_button))
    person.key("Return")  # Save
    person.wait(lambda: rows(win) and row_of(win, "Head office")[1:3] == ("Demo Company (NZ)", "Connected"))
    assert person.count <= BUDGET, person.actions
    assert person.count == 7
    assert win.connections.selected_id() == service.connections()[0].id


def test_the_seed_procedure_by_mouse_only_in_7_actions(make_window, service, standin, redirect_url, browser):
    win = make_window(service)
    person = Person(win)
    front(person, win)
    person.click(win.connections.add_button)
    person.wait(lambda: win.connections.dialog is not None)
    dialog = win.connections.dialog
    person.settle(0.3)
    person.click_and_fill(dialog.name_field.entry, "Head office")
    person.click_and_fill(dialog.client_field.entry, CLIENT_ID)
    person.click_and_fill(dialog.url_field.entry, redirect_url)
    person.click(dialog.authbox.authorize_button)
    person.wait(lambda: dialog.flow.view.phase is Phase.WAITING)
    person.allow_access(browser)
    person.wait(lambda: dialog.flow.view.phase is Phase.CHOOSING and dialog.save_button.enabled)
    person.click(dialog.save_button)
    person.wait(lambda: rows(win) and row_of(win, "Head office")[1:3] == ("Demo Company (NZ)", "Connected"))
    assert person.count <= BUDGET, person.actions


def test_with_several_organisations_the_one_ticked_at_xero_is_chosen(
    make_window, service, standin, redirect_url, browser
):
    """One more action, and it is on Xero's page: ticking the organisation there (Xero's one-organisation
    drop-down); xconn then preselects the organisation connected in this sign-in."""
    standin.tenants = [{"tenantName": "Demo Company (NZ)"}, {"tenantName": "Harbour Logistics Ltd"}]
    win = make_window(service)
    person = Person(win)
    front(person, win)
    person.key("ctrl+n")
    person.wait(lambda: win.connections.dialog is not None and focused(win.connections.dialog.name_field.entry))
    dialog = win.connections.dialog
    person.fill_focused("Head office")
    person.tab_and_fill(CLIENT_ID)
    person.tab_and_fill(redirect_url)
    person.key("Return")
    person.wait(lambda: dialog.flow.view.phase is Phase.WAITING)
    person.actions.append("tick Harbour Logistics Ltd on Xero's page")
    standin.consent_tenants = ["Harbour Logistics Ltd"]
    person.allow_access(browser)
    person.wait(lambda: dialog.flow.view.phase is Phase.CHOOSING and focused(dialog.save_button))
    assert dialog.tenant_menu.get() == "Harbour Logistics Ltd"
    person.key("Return")
    person.wait(lambda: rows(win) and row_of(win, "Head office")[1] == "Harbour Logistics Ltd")
    assert person.count == BUDGET + 1, person.actions


def test_picking_an_organisation_by_keyboard_is_one_key(make_window, service, standin, redirect_url, browser):
    standin.tenants = [{"tenantName": "Demo Company (NZ)"}, {"tenantName": "Harbour Logistics Ltd"}]
    standin.register_app(CLIENT_ID, [redirect_url], tier="advanced")  # both connected in one sign-in
    conn = service.add("Head office", CLIENT_ID, redirect_url)
    win = make_window(service)
    person = Person(win)
    front(person, win)
    win.connections.select(conn.id)
    person.key("ctrl+r")  # Re-authorize: the wait starts at once
    person.wait(lambda: win.connections.dialog is not None and win.connections.dialog.flow.view.phase is Phase.WAITING)
    dialog = win.connections.dialog
    person.allow_access(browser)
    person.wait(lambda: dialog.flow.view.phase is Phase.CHOOSING and focused(dialog.tenant_menu))
    assert dialog.tenant_menu.get() == "Choose an organisation…" and not dialog.save_button.enabled
    person.key("Down")  # the first organisation
    assert dialog.tenant_menu.get() == "Demo Company (NZ)" and dialog.save_button.enabled
    person.key("Return")
    person.wait(lambda: row_of(win, "Head office")[1:3] == ("Demo Company (NZ)", "Connected"))
    assert person.count == 4, person.actions


def _needs_reauthorization(service, standin, redirect_url):
    from xvfb import authorize

    conn = service.add("Head office", CLIENT_ID, redirect_url)
    authorize(service, conn.id)
    standin.revoke_all()
    service.broker.mark_needs_reauthorization(service.get(conn.id), "Xero said invalid_grant")
    return conn


def test_reauthorize_from_the_red_banner_in_3_clicks(make_window, service, standin, redirect_url, browser):
    conn = _needs_reauthorization(service, standin, redirect_url)
    win = make_window(service)
    view = win.connections
    assert view.banner_message == "⚠  'Head office' needs re-authorization."
    assert "Edit" not in view.banner_message  # no "select one and press Edit, then Authorize"
    person = Person(win)
    front(person, win)
    person.click(view.banner_button)
    person.wait(lambda: view.dialog is not None and view.dialog.flow.view.phase is Phase.WAITING)
    dialog = view.dialog
    person.allow_access(browser)
    person.wait(lambda: dialog.flow.view.phase is Phase.CHOOSING and dialog.save_button.enabled)
    assert dialog.save_button.cget("text") == "Done"  # the organisation is kept: nothing else to decide
    assert dialog.tenant_menu.get() == "Demo Company (NZ)"
    person.click(dialog.save_button)
    person.wait(lambda: row_of(win, "Head office")[2] == "Connected")
    assert person.count == 3, person.actions
    assert view.banner_message == "" and service.get(conn.id).tenant_name == "Demo Company (NZ)"


def test_reauthorize_by_keyboard_in_3_keys_and_from_the_context_menu(
    make_window, service, standin, redirect_url, browser
):
    conn = _needs_reauthorization(service, standin, redirect_url)
    win = make_window(service)
    view = win.connections
    assert view.reauthorize_button.cget("text") == "Re-authorize" and "(Ctrl+R)" in view.reauthorize_button.tooltip.text
    person = Person(win)
    front(person, win)
    person.key("ctrl+r")
    person.wait(lambda: view.dialog is not None and view.dialog.flow.view.phase is Phase.WAITING)
    dialog = view.dialog
    person.allow_access(browser)
    person.wait(lambda: dialog.flow.view.phase is Phase.CHOOSING and focused(dialog.save_button))
    person.key("Return")
    person.wait(lambda: row_of(win, "Head office")[2] == "Connected")
    assert person.count == 3, person.actions
    # The context menu's first entry does the same.
    view.select(conn.id)
    view.open_context_menu()
    menu = view.context_menu
    assert menu.entrycget(0, "label").strip() == "Re-authorize"
    win.tk.call("tk::MenuUnpost", menu)
    menu.invoke(0)
    pump(win, lambda: view.dialog is not dialog and view.dialog.flow.view.phase is Phase.WAITING)
    view.dialog.flow.cancel()
    view.dialog.close()


def test_tab_reaches_every_control_of_the_main_window_with_a_visible_ring(make_window, service):
    from xconn_app.ui.widgets.keys import focus_target
    from xconn_app.ui.widgets.theme import RING, pick

    service.add("Head office", CLIENT_ID, "http://localhost:5000/callback")
    win = make_window(service)
    view = win.connections
    person = Person(win)
    front(person, win)
    reached = []
    for _ in range(16):
        person.key("Tab", settle=0.05)
        reached.append(win.focus_get())
    wanted = {
        "search": view.search,
        "Check all": view.check_button,
        "History": view.history_button,
        "Diagnose": view.diagnose_button,
        "More": view.more_button,
        "table": view.tree,
        "Add": view.add_button,
        "Edit": view.edit_button,
        "Re-authorize": view.reauthorize_button,
        "Delete": view.delete_button,
        "Details": view.details_button,
        "Usage": view.usage_button,
        "Appearance": win.appearance_menu,
    }
    missing = [name for name, w in wanted.items() if focus_target(w) not in reached]
    assert missing == []
    order = [next(n for n, w in wanted.items() if focus_target(w) is f) for f in reached[:13]]
    assert order == list(wanted)
    win.focus_set()
    person.settle(0.05)
    for _ in range(7):  # to Add
        person.key("Tab", settle=0.05)
    canvas = focus_target(view.add_button)
    assert win.focus_get() is canvas
    ring = canvas.find_withtag("xconn_ring")
    assert ring and canvas.itemcget(ring[0], "outline") == pick(RING)  # the ring is drawn
    person.key("Tab", settle=0.05)
    assert not canvas.find_withtag("xconn_ring")  # ... and gone with the focus
    person.key("shift+Tab", settle=0.05)
    assert win.focus_get() is canvas
    person.key("space")  # Space presses the focused button
    person.wait(lambda: view.dialog is not None)
    view.dialog.close()


def test_tab_in_the_definition_reaches_authorize_tenant_save_and_cancel(
    make_window, service, standin, redirect_url, browser
):
    from xconn_app.ui.widgets.keys import focus_target

    win = make_window(service)
    person = Person(win)
    front(person, win)
    person.key("ctrl+n")
    person.wait(lambda: win.connections.dialog is not None)
    dialog = shown(win, win.connections.dialog)
    dialog.name_field.set("Head office")
    dialog.client_field.set(CLIENT_ID)
    dialog.url_field.set(redirect_url)
    dialog.authorize()
    pump(win, lambda: dialog.flow.view.phase is Phase.WAITING)
    browser.allow()
    pump(win, lambda: dialog.flow.view.phase is Phase.CHOOSING)
    person.settle(0.3)
    reached = []
    for _ in range(12):
        person.key("Tab", settle=0.05)
        reached.append(dialog.focus_get())
    for name, w in (
        ("Authorize again", dialog.authbox.authorize_button),
        ("Tenant", dialog.tenant_menu),
        ("Save", dialog.save_button),
        ("Cancel", dialog.cancel_button),
        ("Scopes", dialog.scopes.choice),
        ("name", dialog.name_field.entry),
    ):
        assert focus_target(w) in reached, name
    assert not any(r is None or r.winfo_toplevel() is not dialog for r in reached)  # Tab stays in the dialog
    dialog.flow.discard()
    dialog.close()


def test_the_delete_confirmation_answers_tab_enter_and_space(make_window, service):
    keep = service.add("Keep", CLIENT_ID, "http://localhost:5000/callback")
    gone = service.add("Gone", CLIENT_ID, "http://localhost:5001/callback")
    win = make_window(service)
    view = win.connections
    person = Person(win)
    front(person, win)
    view.select(keep.id)
    view.tree.focus_set()
    person.key("Delete")
    person.wait(lambda: view.dialog is not None and view.dialog.delete_button.enabled)
    dialog = view.dialog
    assert focused(dialog.cancel_button)  # opens with the focus on Cancel
    person.key("Return")  # Enter on Cancel: nothing deleted
    person.wait(lambda: not dialog.winfo_exists())
    assert len(service.connections()) == 2
    view.select(gone.id)
    view.tree.focus_set()
    person.key("Delete")
    person.wait(lambda: view.dialog is not dialog and view.dialog.delete_button.enabled)
    dialog = view.dialog
    person.key("shift+Tab")  # from Cancel back to Delete
    assert focused(dialog.delete_button)
    person.key("space")
    person.wait(lambda: [r[0] for r in rows(win)] == ["Keep"])


def test_shortcuts_work_and_the_tooltips_name_them(make_window, service):
    conn = service.add("Head office", CLIENT_ID, "http://localhost:5000/callback")
    win = make_window(service)
    view = win.connections
    for button, key in (
        (view.add_button, "Ctrl+N"),
        (view.edit_button, "F2"),
        (view.delete_button, "Delete"),
        (view.check_button, "F5"),
        (view.reauthorize_button, "Ctrl+R"),
    ):
        assert f"({key}" in button.tooltip.text or f" {key})" in button.tooltip.text, button.tooltip.text
    person = Person(win)
    front(person, win)
    person.key("ctrl+f")
    assert focused(view.search)
    person.key("F2")
    person.wait(lambda: view.dialog is not None and view.dialog.key == conn.id)
    view.dialog.close()
    person.settle(0.2)
    win.focus_force()
    person.settle(0.2)
    person.key("F5")  # Check all
    person.wait(lambda: win.dialogs.of("warning"), timeout=20)
    assert win.dialogs.of("warning")[-1][1] == "A connection needs attention"


def test_the_tooltip_shows_on_hover(make_window, service):
    from xconn_app.ui.widgets.tooltip import tip_label

    win = make_window(service)
    person = Person(win)
    front(person, win)
    b = win.connections.add_button
    x = b.winfo_rootx() + b.winfo_width() // 2
    y = b.winfo_rooty() + b.winfo_height() // 2
    person._xdotool("mousemove", "--sync", str(x), str(y))
    person.wait(lambda: tip_label(b).text)
    assert tip_label(b).text == "Add a connection (Ctrl+N)"


@pytest.mark.parametrize("where", ["search", "definition", "profile"])
def test_ctrl_a_selects_all_in_every_entry(make_window, service, where):
    service.add("Head office", CLIENT_ID, "http://localhost:5000/callback")
    win = make_window(service)
    person = Person(win)
    front(person, win)
    if where == "search":
        entry = win.connections.search
    elif where == "definition":
        shown(win, win.connections.add())
        entry = win.connections.dialog.name_field.entry
    else:
        win.tabs.set("Profiles")
        win.refresh()
        pump(win, lambda: win.profiles.new_name.winfo_ismapped())
        entry = win.profiles.new_name
    entry.focus_force()
    person.settle(0.2)
    person.type("Invoices")
    person.key("ctrl+a")
    person.type("Supplier bills")
    assert entry.get() == "Supplier bills"  # not "Supplier billsInvoices"


def test_message_boxes_answer_the_keyboard_with_the_focus_on_cancel_when_they_discard(make_window, service):
    from xconn_app.ui.dialogs import Dialogs

    win = make_window(service)
    person = Person(win)
    front(person, win)
    real = Dialogs(win)
    answers = []
    win.after(300, lambda: person.key("Return"))  # Enter on the focused button: Keep waiting
    answers.append(real.confirm("Stop waiting for Xero?", "…", yes="Stop and close", no="Keep waiting", danger=True))
    win.after(300, lambda: (person.key("shift+Tab"), person.key("space")))  # to the other button, Space
    answers.append(real.confirm("Stop waiting for Xero?", "…", yes="Stop and close", no="Keep waiting", danger=True))
    assert answers == [False, True]
