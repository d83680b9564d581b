"""The Connections tab: the table, its search box, the notes above it and the buttons.

Built in two steps: ``__init__`` makes what the first paint shows (the table, with room kept for
the toolbar above it and the buttons below), ``build_controls()`` the toolbar and buttons right
after that paint (MainWindow calls it). The banner and the Check-all progress come when needed.
"""

from __future__ import annotations

from collections.abc import Callable

import customtkinter as ctk

from .background import run_in_background
from .widgets import ctk_adapter as inner
from .widgets.keys import Button, Entry, bind_keys, focus, press
from .widgets.table import Column, Table
from .widgets.theme import (
    BANNER_BG,
    BANNER_TEXT,
    CONTROL_HEIGHT,
    GAP,
    MUTED_TEXT,
    NOTE_BG,
    NOTE_TEXT,
    PAD,
    TABLE_BG,
    scaled,
)
from .widgets.tooltip import Tooltip
from .words import names, plural

SEARCH_DELAY_MS = 150  # filter this long after the last key: typing "head" filters once, not 4 times
EXPORT_LABEL, IMPORT_LABEL = "Export…", "Import…"


def columns(user: str) -> list[Column]:
    """Client ID gives up its width first, the Tenant column last (issue 11)."""
    return [
        Column("name", "Name", 170, min=90, shrink=3, grow=1),
        Column("tenant", "Tenant", 180, min=110, shrink=5, grow=1),
        Column("status", f"Status for {user}", 170, min=110, shrink=4),
        Column("client_id", "Client ID", 250, min=80, shrink=1),
        Column("authorized", "Last authorized", 126, min=90, shrink=2),
    ]


_core: dict[str, Callable[..., str]] = {}


def visible(value, limit=None) -> str:
    """core.text.visible, imported when first needed (not before the first paint)."""
    if "visible" not in _core:
        from ..core.text import visible as shown

        _core["visible"] = shown
    return _core["visible"](value, limit)


def iso(ts) -> str:
    """core.model.iso, imported when first needed."""
    if "iso" not in _core:
        from ..core.model import iso as when

        _core["iso"] = when
    return _core["iso"](ts)


def status_words(row) -> str:
    """The status cell: the heading already names the user."""
    return visible(row.status_text.replace(" for this user", ""))


class ConnectionsView(ctk.CTkFrame):
    def __init__(self, master, window):
        super().__init__(master, fg_color="transparent")
        self.window = window
        self.rows = []
        self._keys: list[str] = []  # casefolded "name\0tenant\0client id" per row, for the search
        self._shown: list = []
        self._search_applied = ""
        self._search_job = None
        self._have_rows = False
        self.started = False  # service.start() ran (once per window)
        self.loaded = False  # the list was read and the table filled (or the read failed)
        self.controls_built = False
        self.may_change = True
        self.role = None
        self.dialog = None  # the dialog opened last (tests reach it here)
        self.checking = False
        self.transferring = False
        self.banner = None
        self.note = None
        self.notes = None
        self.progress = None
        self.more_menu = None
        self.context_menu = None
        self.grid_columnconfigure(0, weight=1)
        self.grid_rowconfigure(2, weight=1)
        # The toolbar's and the button row's places are kept: the table does not move when they come.
        self.grid_rowconfigure(1, minsize=scaled(self, CONTROL_HEIGHT + GAP))
        self.grid_rowconfigure(3, minsize=scaled(self, CONTROL_HEIGHT + PAD))
        # "Status for <user>" once the list is read (core and the user's name are not needed for the first paint)
        self.table = Table(self, columns("you"), dot_column=34, scrollbar=False)
        self.table.set_heading("status", "Status")
        self.tree = self.table.tree
        self.fill = self.table.fill
        self.table.frame.grid(row=2, column=0, sticky="nsew", pady=(GAP, 0))
        self.tree.bind("<Double-1>", self._double_click)
        bind_keys(self.tree, ("<Return>", "<KP_Enter>"), press(self.edit))
        bind_keys(self.tree, ("<Delete>",), press(self.delete))
        bind_keys(self.tree, ("<Button-3>",), self._context_click)
        bind_keys(self.tree, ("<Shift-F10>", "<KeyPress-Menu>"), press(self.open_context_menu))
        self.tree.bind("<<TreeviewSelect>>", lambda _e: self._update_buttons())

    @property
    def service(self):
        return self.window.service

    @property
    def dialogs(self):
        return self.window.dialogs

    # -- layout -------------------------------------------------------------------------------------------
    def build_controls(self) -> None:
        """The toolbar and the button row (MainWindow: right after the first paint, in two turns of the
        event loop: build_toolbar(), then build_buttons())."""
        self.build_toolbar()
        self.build_buttons()

    def build_toolbar(self) -> None:
        if not hasattr(self, "search"):
            self._build_toolbar()

    def build_buttons(self) -> None:
        if self.controls_built:
            return
        self._build_buttons()
        self.empty = ctk.CTkLabel(
            self.table.frame, text="Loading connections…", text_color=MUTED_TEXT, fg_color=TABLE_BG
        )
        self.empty.place(relx=0.5, rely=0.55, anchor="center")
        self.controls_built = True
        self._update_buttons()

    def add_scrollbar(self) -> None:
        """The table's scrollbar (its place is kept): useless before the rows are read."""
        self.table.add_scrollbar()

    def _build_toolbar(self) -> None:
        bar = self._toolbar = ctk.CTkFrame(self, fg_color="transparent")
        bar.grid(row=1, column=0, sticky="ew", pady=(GAP, 0))
        bar.grid_columnconfigure(0, weight=1)
        # No textvariable: customtkinter shows the placeholder only without one.
        self.search = Entry(bar, width=300, placeholder_text="Search by name, tenant or Client ID")
        self.search.grid(row=0, column=0, sticky="w")
        Tooltip(self.search, "Search the list (Ctrl+F)")
        for sequence in ("<KeyRelease>", "<<Paste>>", "<<Cut>>"):
            self.search.bind(sequence, lambda _e: self._search_soon(), add="+")
        self.search.bind("<Escape>", press(lambda: self.set_search("")), add="+")
        self.check_button = Button(
            bar, "Check all", width=100, command=self.check_all, tooltip="Ask Xero whether every connection works (F5)"
        )
        self.history_button = Button(
            bar, "History", kind="secondary", width=90, command=self.history, tooltip="Who changed what, and when"
        )
        self.diagnose_button = Button(
            bar,
            "Diagnose",
            kind="secondary",
            width=90,
            command=self.diagnose,
            tooltip="Check this computer and make a report for support",
        )
        self.more_button = Button(
            bar,
            "More  ▾",
            kind="secondary",
            width=90,
            command=self.more,
            tooltip="Export and import connection definitions",
        )
        for i, b in enumerate((self.check_button, self.history_button, self.diagnose_button, self.more_button)):
            b.grid(row=0, column=3 + i, padx=(GAP, 0))

    def _build_buttons(self) -> None:
        row = self._button_row = ctk.CTkFrame(self, fg_color="transparent")
        row.grid(row=3, column=0, sticky="ew", pady=(PAD, 0))
        self.add_button = Button(row, "Add", width=90, command=self.add, tooltip="Add a connection (Ctrl+N)")
        self.edit_button = Button(
            row, "Edit", width=90, command=self.edit, tooltip="Open the selected connection (Enter or F2)"
        )
        self.reauthorize_button = Button(
            row,
            "Re-authorize",
            width=112,
            command=self.reauthorize,
            tooltip="Authorize the selected connection again: the browser opens at once (Ctrl+R)",
        )
        self.delete_button = Button(
            row,
            "Delete",
            kind="secondary",
            width=90,
            command=self.delete,
            tooltip="Delete the selected connection (Delete)",
        )
        self.details_button = Button(
            row,
            "Details",
            kind="secondary",
            width=90,
            command=self.details,
            tooltip="Everything about the selected connection (Ctrl+I)",
        )
        self.usage_button = Button(
            row,
            "Usage",
            kind="secondary",
            width=90,
            command=self.usage,
            tooltip="The capture profiles using the selected connection",
        )
        for i, b in enumerate(self.action_buttons):
            b.grid(row=0, column=i, padx=(0 if i == 0 else GAP, 0))
        row.grid_columnconfigure(10, weight=1)
        self.count_label = ctk.CTkLabel(row, text="", text_color=MUTED_TEXT, anchor="e")
        self.count_label.grid(row=0, column=11, sticky="e")

    @property
    def action_buttons(self) -> list[Button]:
        return [
            self.add_button,
            self.edit_button,
            self.reauthorize_button,
            self.delete_button,
            self.details_button,
            self.usage_button,
        ]

    def tab_items(self) -> list:
        """This tab's part of the window's Tab order."""
        if not self.controls_built:
            return [self.tree]
        items = [self.search, self.check_button, self.history_button, self.diagnose_button, self.more_button]
        if self.banner is not None:
            items.append(self.banner_button)
        return [*items, self.tree, *self.action_buttons]

    def shortcuts(self) -> dict[str, Callable[[], object]]:
        """The window's keyboard shortcuts (bound by MainWindow, shown in the tooltips)."""
        return {
            "<Control-n>": self.add,
            "<Control-N>": self.add,
            "<F2>": self.edit,
            "<Control-f>": self.find,
            "<Control-F>": self.find,
            "<F5>": self.check_all,
            "<Control-r>": self.reauthorize,
            "<Control-i>": self.details,
        }

    def find(self) -> None:
        if self.controls_built:
            focus(self.search)

    def _notes_frame(self) -> ctk.CTkFrame:
        if self.notes is None:
            self.notes = ctk.CTkFrame(self, fg_color="transparent")
            self.notes.grid(row=0, column=0, sticky="ew")
            self.notes.grid_columnconfigure(0, weight=1)
        return self.notes

    def _build_banner(self) -> None:
        self.banner = ctk.CTkFrame(self._notes_frame(), fg_color=BANNER_BG, corner_radius=8)
        self.banner.grid_columnconfigure(0, weight=1)
        self.banner_text = ctk.CTkLabel(
            self.banner,
            text="",
            text_color=BANNER_TEXT,
            anchor="w",
            justify="left",
            font=ctk.CTkFont(size=13, weight="bold"),
            wraplength=600,
        )
        self.banner_text.grid(row=0, column=0, sticky="ew", padx=PAD, pady=GAP)
        self.banner_button = Button(
            self.banner,
            "Re-authorize",
            kind="danger",
            width=120,
            command=lambda: self.reauthorize(self._banner_target()),
        )
        self.banner_button.grid(row=0, column=1, padx=(GAP, PAD), pady=GAP)

    def _build_note(self) -> None:
        self.note = ctk.CTkLabel(
            self._notes_frame(),
            text="",
            fg_color=NOTE_BG,
            text_color=NOTE_TEXT,
            corner_radius=8,
            anchor="w",
            justify="left",
            wraplength=760,
        )

    def _build_progress(self) -> None:
        row = self._button_row
        self._progress_font = ctk.CTkFont()
        self.progress_label = ctk.CTkLabel(row, text="", text_color=MUTED_TEXT, anchor="e", font=self._progress_font)
        self.progress = ctk.CTkProgressBar(row, width=110, mode="determinate")

    # -- data ---------------------------------------------------------------------------------------------
    def refresh(self, then=None) -> None:
        """Read the list off the Tk thread (the first time with the service's start-up housekeeping)."""
        service, first = self.service, not self.started

        def load():
            from ..core.model import current_user

            data = service.start() if first else None
            return service.rows(data), service.role, current_user()

        def done(loaded):
            self.started = True
            self.rows, self.role, user = loaded
            if first:
                self.table.set_heading("status", f"Status for {user}")
            self.may_change = self.role.admin
            self._keys = [
                "\0".join((r.connection.name, r.connection.tenant_name or "", r.connection.client_id)).casefold()
                for r in self.rows
            ]
            self._have_rows = True

            def filled():
                self.loaded = True
                if then:
                    then()

            self.show_rows(then=filled)

        run_in_background(self, load, done, self._failed)

    def _failed(self, exc) -> None:
        self.loaded = True
        if self.controls_built:
            self.empty.configure(text="The connection list could not be read.")
        self.dialogs.error(exc)

    def search_text(self) -> str:
        return self.search.get() if self.controls_built else ""  # "" while the placeholder shows

    def set_search(self, text: str) -> None:
        """Type ``text`` into the search box and filter at once (no wait for more keys)."""
        self.search.delete(0, "end")
        if text:
            self.search.insert(0, text)
        self.show_rows()

    def _search_soon(self) -> None:
        if self._search_job is not None:
            self.after_cancel(self._search_job)
        self._search_job = self.after(SEARCH_DELAY_MS, self._search_now)

    def _search_now(self) -> None:
        self._search_job = None
        if self.search_text().strip().casefold() != self._search_applied:
            self.show_rows()

    def visible_rows(self):
        needle = self.search_text().strip().casefold()
        if not needle:
            return list(self.rows)
        return [r for r, key in zip(self.rows, self._keys, strict=True) if needle in key]

    def _table_row(self, row, index):
        c, grant = row.connection, row.grant
        return (
            c.id,
            self._style.dot(row.status.value).name,
            (
                visible(c.name),
                visible(c.tenant_name) if c.tenant_name else "—",
                status_words(row),
                c.client_id,
                iso(grant.authorized_at) if grant else "—",
            ),
            (row.status.value, "odd" if index % 2 else "even"),
        )

    def show_rows(self, then=None) -> None:
        """Show the rows matching the search; the first screenful at once, the rest in slices."""
        if self._search_job is not None:
            self.after_cancel(self._search_job)
            self._search_job = None
        selected = self.selected_id()
        self._style = self.table.style
        self._search_applied = self.search_text().strip().casefold()
        rows = self._shown = self.visible_rows()

        tree = self.tree

        def restore(complete: bool) -> None:
            if selected and tree.exists(selected):
                tree.selection_set(selected)
                tree.see(selected)
            elif rows and not tree.selection() and (complete or not selected):
                tree.selection_set(rows[0].connection.id)
            if tree.selection():
                tree.focus(tree.selection()[0])

        def all_in():
            restore(True)
            self._update_buttons()
            if then:
                then()

        self.table.start(rows, self._table_row, all_in)
        if not self.fill.done:  # the first screenful is in; the rest follows in slices
            restore(False)
        if self.controls_built:
            if not self.rows:
                self.empty.configure(
                    text=(
                        "No connections yet. Press Add to create one."
                        if self.may_change
                        else "No connections yet: a list administrator adds them."
                    )
                    if self._have_rows
                    else "Loading connections…"
                )
                self.empty.place(relx=0.5, rely=0.55, anchor="center")
            elif not rows:
                self.empty.configure(text="No connection matches the search.")
                self.empty.place(relx=0.5, rely=0.55, anchor="center")
            else:
                self.empty.place_forget()
        self._update_count()
        self._update_notes()
        self._update_buttons()

    def _update_count(self) -> None:
        if not self.controls_built:
            return
        shown, total = len(self._shown), len(self.rows)
        self.count_label.configure(
            text=f"{shown:,} of {plural(total, 'connection')}" if shown != total else plural(total, "connection")
        )

    def needing(self) -> list:
        from ..core.model import Status

        return [r for r in self.rows if r.status in (Status.NEEDS_REAUTHORIZATION, Status.CANT_REACH)]

    def _banner_target(self):
        needing = self.needing()
        selected = self._row(self.selected_id())
        return selected if selected in needing else (needing[0] if needing else None)

    def _update_notes(self) -> None:
        """The read-only explanation (not a list administrator) and the red re-authorization banner."""
        if not self.may_change and self.role is not None:
            if self.note is None:
                self._build_note()
            self.note.configure(text=f"Read-only: {self.role.reason} You can authorize any of them for yourself.")
            self.note.grid(row=0, column=0, sticky="ew", ipadx=PAD, ipady=GAP // 2)
        elif self.note is not None:
            self.note.grid_remove()
        needing = self.needing()
        if needing:
            if self.banner is None:
                self._build_banner()
            n, target = len(needing), self._banner_target()
            listed = names([visible(r.connection.name) for r in needing], 3)
            what = f"{listed} needs" if n == 1 else f"{n:,} connections need"
            self.banner_text.configure(text=f"⚠  {what} re-authorization" + (f": {listed}." if n > 1 else "."))
            self.banner_button.configure(
                text="Re-authorize" if n == 1 else f"Re-authorize '{visible(target.connection.name, 18)}'"
            )
            self.banner.grid(
                row=1,
                column=0,
                sticky="ew",
                pady=(GAP if self.note is not None and self.note.winfo_manager() else 0, 0),
            )
        elif self.banner is not None:
            self.banner.grid_remove()

    @property
    def banner_message(self) -> str:
        return self.banner_text.cget("text") if self.banner is not None and self.banner.winfo_manager() else ""

    def selected_id(self) -> str | None:
        sel = self.tree.selection()
        return sel[0] if sel else None

    def select(self, connection_id: str) -> None:
        if not self.fill.done:  # still filling in: select it once it is in
            self.fill.when_done(lambda: self.select(connection_id))
            return
        if self.tree.exists(connection_id):
            self.tree.selection_set(connection_id)
            self.tree.focus(connection_id)
            self.tree.see(connection_id)
            self._update_buttons()
            self._update_notes()

    def _row(self, connection_id):
        return next((r for r in self.rows if r.connection.id == connection_id), None)

    def _update_buttons(self) -> None:
        if not self.controls_built:
            return
        row = self._row(self.selected_id())
        self.add_button.set_enabled(self.may_change)
        for b in (self.edit_button, self.reauthorize_button, self.details_button, self.usage_button):
            b.set_enabled(row is not None)
        self.delete_button.set_enabled(row is not None and self.may_change)
        self.reauthorize_button.configure(text="Authorize" if row is not None and row.grant is None else "Re-authorize")
        self.check_button.set_enabled(not self.checking and bool(self.rows))
        self.more_button.set_enabled(not self.transferring)

    def _double_click(self, event) -> None:
        if self.tree.identify_row(event.y):
            self.edit()

    # -- the context menu ---------------------------------------------------------------------------------
    MENU = ("Re-authorize", "Edit…", "Details", "Usage", "History", "Delete…")

    def _context_click(self, event) -> str:
        iid = self.tree.identify_row(event.y)
        if iid:
            self.tree.selection_set(iid)
            self.tree.focus(iid)
            self.tree.focus_set()
            self.open_context_menu(event.x_root, event.y_root)
        return "break"

    def open_context_menu(self, x: int | None = None, y: int | None = None) -> None:
        row = self._row(self.selected_id())
        if row is None:
            return
        if self.context_menu is None:
            self.context_menu = inner.dropdown_menu(self, list(self.MENU), self._context_chosen)
        menu = self.context_menu
        menu.entryconfigure(0, label=("  Authorize" if row.grant is None else "  Re-authorize").ljust(14) + "  ")
        menu.entryconfigure(len(self.MENU) - 1, state="normal" if self.may_change else "disabled")
        if x is None or y is None:
            bbox = self.tree.bbox(row.connection.id) or (0, 0, 0, 0)
            x = self.tree.winfo_rootx() + 40
            y = self.tree.winfo_rooty() + bbox[1] + bbox[3]
        menu.open(x, y)

    def _context_chosen(self, label: str) -> None:
        actions: dict[str, Callable[[], object]] = {
            "Re-authorize": self.reauthorize,
            "Edit…": self.edit,
            "Details": self.details,
            "Usage": self.usage,
            "History": self.history,
            "Delete…": self.delete,
        }
        actions[label.strip()]()

    # -- actions ------------------------------------------------------------------------------------------
    def _need_selection(self) -> str | None:
        cid = self.selected_id()
        if not cid:
            self.dialogs.info("Select a connection", "Select a connection in the list first.")
        return cid

    def add(self):
        if not self.may_change:
            return None
        from .definition import DefinitionDialog

        self.dialog = DefinitionDialog(self, self.service, None, dialogs=self.dialogs, on_saved=self._saved)
        return self.dialog

    def edit(self, reauthorize: bool = False, row=None):
        row = row or self._row(self._need_selection())
        if row is None:
            return None
        from .definition import DefinitionDialog

        self.dialog = DefinitionDialog(
            self,
            self.service,
            row.connection.id,
            dialogs=self.dialogs,
            row=row,
            may_change=self.may_change,
            on_saved=self._saved,
            reauthorize=reauthorize,
        )
        return self.dialog

    def reauthorize(self, row=None):
        """One click: the Connection Definition opens with the wait for Xero already started."""
        return self.edit(reauthorize=True, row=row)

    def _saved(self, connection_id: str | None) -> None:
        self.window.refresh_profiles()
        self.refresh(then=(lambda: self.select(connection_id)) if connection_id else None)

    def delete(self):
        row = self._row(self._need_selection())
        if row is None or not self.may_change:
            return None
        from .delete import DeleteDialog

        self.dialog = DeleteDialog(
            self, self.service, row.connection.id, dialogs=self.dialogs, on_done=lambda _c: self.window.refresh()
        )
        return self.dialog

    def details(self):
        row = self._row(self._need_selection())
        if row is None:
            return None
        from .details import DetailsDialog

        self.dialog = DetailsDialog(
            self,
            self.service,
            row.connection.id,
            visible(row.connection.name),
            dialogs=self.dialogs,
            on_changed=self.window.refresh,
        )
        return self.dialog

    def usage(self):
        cid = self._need_selection()
        if not cid:
            return None
        from .usage import UsageDialog

        self.dialog = UsageDialog(
            self, self.service, cid, dialogs=self.dialogs, may_change=self.may_change, on_changed=self.window.refresh
        )
        return self.dialog

    def history(self):
        from .history import HistoryDialog

        row = self._row(self.selected_id())
        self.dialog = HistoryDialog(
            self, self.service, row.connection.id if row else None, visible(row.connection.name) if row else None
        )
        return self.dialog

    def diagnose(self):
        from .diagnose import DiagnoseDialog

        self.dialog = DiagnoseDialog(self, self.service, dialogs=self.dialogs, on_changed=self.window.refresh)
        return self.dialog

    def more(self) -> None:
        """Drop the More menu (Export…, Import…) down under its button."""
        if self.more_menu is None:
            self.more_menu = inner.dropdown_menu(self, [EXPORT_LABEL, IMPORT_LABEL], self._more_chosen)
        b = self.more_button
        self.more_menu.open(b.winfo_rootx(), b.winfo_rooty() + b.winfo_height())

    def _more_chosen(self, value: str) -> None:
        from . import transfer

        if self.transferring:
            return
        if value.strip() == EXPORT_LABEL:
            transfer.export_connections(self, self.service, self.dialogs, self._set_transferring)
        elif value.strip() == IMPORT_LABEL:
            transfer.import_connections(
                self,
                self.service,
                self.dialogs,
                self._set_transferring,
                self.window.refresh,
                may_change=self.may_change,
            )

    def _set_transferring(self, busy: bool) -> None:
        self.transferring = busy
        self._update_buttons()

    def check_all(self) -> None:
        from .checkall import CheckRun

        if self.checking or not self.rows:
            return
        self.checking = True
        self._update_buttons()
        if self.progress is None:
            self._build_progress()
        self.progress.set(0)
        self.count_label.grid_remove()  # the progress takes the count's place: the search box keeps its width
        self.progress_label.grid(row=0, column=11, sticky="e", padx=(PAD, GAP))
        self.progress.grid(row=0, column=12, sticky="e")
        CheckRun(
            self,
            self.service,
            [(r.connection.id, visible(r.connection.name)) for r in self.rows],
            self._check_progress,
            self._check_done,
        ).start()

    def _check_progress(self, done: int, total: int, name: str) -> None:
        self.progress.set(done / total if total else 1)
        if done >= total:
            self.progress_label.configure(text="Done")
            return
        self.progress_label.configure(text=self._fit(name, f" ({done + 1:,} of {total:,})"))

    def _fit(self, name: str, tail: str) -> str:
        """ "Checking <name> (n of N)", the name shortened with "…" to fit beside the buttons."""
        row, font = self._button_row, self._progress_font
        scale = inner.scaling(self)
        used = self.usage_button.winfo_x() + self.usage_button.winfo_width()
        room = (row.winfo_width() - used) / scale - (PAD + GAP) - 110 - 4
        text = f"Checking {name}{tail}"
        while font.measure(text) > room * scale and len(name) > 1:
            name = name[:-1].rstrip()
            text = f"Checking {name}…{tail}"
        return text

    def _check_done(self, results) -> None:
        from .checkall import check_summary

        self.checking = False
        self.progress.grid_forget()
        self.progress_label.grid_forget()
        self.count_label.grid()
        self.last_check = results

        def summarise():
            self._update_buttons()
            title, text, ok = check_summary(results)
            if ok:
                self.dialogs.success(title, text)
            else:
                self.dialogs.warning(title, text)

        self.refresh(then=summarise)
