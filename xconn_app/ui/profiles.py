"""The Profiles tab: capture profiles (PSIcapture's Xero Migration steps) and the connection each uses.

A new profile has its own row above the table (name, connection, Add), so adding never means
clearing the selected profile's name first; the panel beside the table renames, re-points or
deletes the selected profile.
"""

from __future__ import annotations

import customtkinter as ctk

from ..core.text import visible
from .background import run_in_background
from .widgets.choice import LongChoice
from .widgets.keys import Button, Entry, on_enter, press
from .widgets.table import Column, Table
from .widgets.theme import GAP, MUTED_TEXT, PAD, TABLE_BG, font

NONE = "(no connection)"
EMPTY = (
    "No capture profiles yet. A capture profile is a PSIcapture profile with a Xero Migration step: type its "
    "name above, pick the connection it uses and press Add."
)


class ProfilesView(ctk.CTkFrame):
    def __init__(self, master, window):
        super().__init__(master, fg_color="transparent")
        self.window = window
        self.profiles = []
        self.connections = []
        self.may_change = True
        self._first_show = True
        self._names: dict[str, str] = {}  # connection id -> name shown
        self.grid_columnconfigure(0, weight=1)
        self.grid_rowconfigure(2, weight=1)
        ctk.CTkLabel(
            self,
            text="Each capture profile sends its documents to Xero through one connection.",
            text_color=MUTED_TEXT,
            anchor="w",
        ).grid(row=0, column=0, columnspan=2, sticky="ew")
        new = ctk.CTkFrame(self, fg_color="transparent")
        new.grid(row=1, column=0, columnspan=2, sticky="ew", pady=(GAP, 0))
        self.new_name = Entry(new, width=260, placeholder_text="New capture profile name")
        self.new_name.pack(side="left")
        self.new_connection = LongChoice(
            new,
            fixed=[NONE],
            width=240,
            dynamic_resizing=False,
            picker_title="Connection",
            tooltip="The connection the new profile uses",
        )
        self.new_connection.pack(side="left", padx=(GAP, 0))
        self.add_button = Button(new, "Add", width=90, command=self.add, tooltip="Add the new capture profile (Enter)")
        self.add_button.pack(side="left", padx=(GAP, 0))
        on_enter(self.new_name, self.add)

        self.table = Table(
            self,
            [
                Column("name", "Capture profile", 280, min=100, shrink=2, grow=1),
                Column("connection", "Connection", 280, min=100, shrink=1, grow=1),
            ],
        )
        self.tree = self.table.tree
        self.fill = self.table.fill
        self.table.frame.grid(row=2, column=0, sticky="nsew", pady=(GAP, 0))
        self.empty = ctk.CTkLabel(
            self.table.frame,
            text=EMPTY,
            text_color=MUTED_TEXT,
            fg_color=TABLE_BG,
            wraplength=380,
            justify="center",
        )
        self.tree.bind("<<TreeviewSelect>>", lambda _e: self._selected())
        self.tree.bind("<Delete>", press(self.delete))

        side = ctk.CTkFrame(self, corner_radius=8)
        side.grid(row=2, column=1, sticky="ns", padx=(PAD, 0), pady=(GAP, 0))
        side.grid_columnconfigure(0, weight=1)
        ctk.CTkLabel(side, text="Selected profile", font=font(15, "bold"), anchor="w").grid(
            row=0, column=0, columnspan=2, sticky="ew", padx=PAD, pady=(PAD, GAP)
        )
        ctk.CTkLabel(side, text="Name", anchor="w").grid(row=1, column=0, columnspan=2, sticky="ew", padx=PAD)
        self.name_entry = Entry(side, width=230)
        self.name_entry.grid(row=2, column=0, sticky="ew", padx=(PAD, GAP))
        self.rename_button = Button(side, "Rename", width=80, command=self.rename, tooltip="Save the new name (Enter)")
        self.rename_button.grid(row=2, column=1, sticky="e", padx=(0, PAD))
        on_enter(self.name_entry, self.rename)
        ctk.CTkLabel(side, text="Connection", anchor="w").grid(
            row=3, column=0, columnspan=2, sticky="ew", padx=PAD, pady=(GAP, 0)
        )
        # Thousands of connections: a short menu, then "Search all N…" (widgets/choice.py).
        self.connection_menu = LongChoice(
            side,
            fixed=[NONE],
            width=230,
            dynamic_resizing=False,
            command=self.pick_connection,
            picker_title="Connection",
        )
        self.connection_menu.grid(row=4, column=0, columnspan=2, sticky="ew", padx=PAD)
        self.hint = ctk.CTkLabel(
            side,
            text="Changing the connection applies at once.",
            text_color=MUTED_TEXT,
            anchor="w",
            font=ctk.CTkFont(size=12),
        )
        self.hint.grid(row=5, column=0, columnspan=2, sticky="ew", padx=PAD)
        self.delete_button = Button(
            side,
            "Delete",
            kind="secondary",
            width=100,
            command=self.delete,
            tooltip="Delete the selected capture profile (Delete)",
        )
        self.delete_button.grid(row=6, column=0, sticky="w", padx=PAD, pady=(PAD, PAD))
        self._update_buttons()

    @property
    def service(self):
        return self.window.service

    @property
    def dialogs(self):
        return self.window.dialogs

    def tab_items(self) -> list:
        return [
            self.new_name,
            self.new_connection,
            self.add_button,
            self.tree,
            self.name_entry,
            self.rename_button,
            self.connection_menu,
            self.delete_button,
        ]

    # -- data ---------------------------------------------------------------------------------------------
    def refresh(self, then=None) -> None:
        service = self.service

        def load():
            return service.profiles(), service.connections(), service.may_change

        def done(loaded):
            self.profiles, self.connections, self.may_change = loaded
            self.show(then)

        run_in_background(self, load, done, self.dialogs.error)

    def show(self, then=None) -> None:
        """The profiles, sorted; the first screenful at once, the rest in slices."""
        selected = self.selected()
        names = self._names = {c.id: visible(c.name) for c in self.connections}
        profiles = sorted(self.profiles, key=lambda p: p.name.casefold())

        def row(p, i):
            return p.id, "", (visible(p.name), names.get(p.connection_id, NONE)), ("odd" if i % 2 else "even",)

        def all_in():
            if selected and self.tree.exists(selected.id):
                self.tree.selection_set(selected.id)
                self.tree.see(selected.id)
            self._selected()
            if then:
                then()

        self.table.start(profiles, row, all_in)
        values = list(names.values())
        self.connection_menu.configure(values=values)
        self.new_connection.configure(values=values)
        if self.new_connection.get() not in (NONE, *values) or (self._first_show and values):
            self.new_connection.set(values[0] if values else NONE)  # most new profiles use a connection
        self._first_show = False
        if profiles:
            self.empty.place_forget()
        else:
            self.empty.place(relx=0.5, rely=0.5, anchor="center")
        self._selected()

    def selected(self):
        sel = self.tree.selection()
        return next((p for p in self.profiles if p.id == sel[0]), None) if sel else None

    def select(self, name: str) -> None:
        if not self.fill.done:  # still filling in: select it once it is in
            self.fill.when_done(lambda: self.select(name))
            return
        for p in self.profiles:
            if p.name == name:
                self.tree.selection_set(p.id)
                self.tree.focus(p.id)
                self.tree.see(p.id)
        self._selected()

    def _selected(self) -> None:
        p = self.selected()
        self.name_entry.set_enabled(True)
        self.name_entry.delete(0, "end")
        if p is not None:
            self.name_entry.insert(0, visible(p.name))
            self.connection_menu.set(self._names.get(p.connection_id, NONE))
        self._update_buttons()

    def _update_buttons(self) -> None:
        has = self.selected() is not None
        can = self.may_change
        self.add_button.set_enabled(can)
        self.new_name.set_enabled(can)
        self.new_connection.configure(state="normal" if can else "disabled")
        self.rename_button.set_enabled(has and can)
        self.delete_button.set_enabled(has and can)
        self.name_entry.set_enabled(has and can)
        self.connection_menu.configure(state="normal" if has and can else "disabled")
        self.hint.configure(
            text="Changing the connection applies at once."
            if can
            else "Only list administrators change capture profiles."
        )

    def rows(self) -> list[tuple[str, str]]:
        return [tuple(self.table.values(i)) for i in self.tree.get_children()]

    # -- actions ------------------------------------------------------------------------------------------
    def _connection_id(self, menu) -> str | None:
        name = menu.get()
        return next((cid for cid, n in self._names.items() if n == name), None)

    def _run(self, work, select_name=None, then=None) -> None:
        def done(_result):
            self.refresh(then=(lambda: self.select(select_name)) if select_name else None)
            self.window.connections.refresh()
            if then:
                then()

        run_in_background(self, work, done, self.dialogs.error)

    def add(self) -> None:
        name, conn = self.new_name.get().strip(), self._connection_id(self.new_connection)
        if not name:
            self.new_name.focus_set()
            self.dialogs.info("Name the new profile", "Type a name for the new capture profile, then press Add.")
            return

        def cleared():
            self.new_name.delete(0, "end")

        self._run(lambda: self.service.add_profile(name, conn), name, cleared)

    def rename(self) -> None:
        p, name = self.selected(), self.name_entry.get().strip()
        if p is None or not name or name == p.name:
            return
        self._run(lambda: self.service.rename_profile(p.id, name), name)

    def delete(self) -> None:
        p = self.selected()
        if p is None or not self.may_change:
            return
        if not self.dialogs.confirm(
            "Delete capture profile?",
            f"Delete the capture profile '{visible(p.name)}'? "
            "The profile stops sending documents to Xero through xconn.",
            yes="Delete",
            danger=True,
        ):
            return
        self._run(lambda: self.service.delete_profile(p.id))

    def pick_connection(self, _choice=None) -> None:
        p = self.selected()
        if p is None:
            return
        conn = self._connection_id(self.connection_menu)
        if conn == (p.connection_id or None):
            return
        self._run(lambda: self.service.set_profile_connection(p.id, conn), p.name)
