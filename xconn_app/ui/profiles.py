"""The Profiles tab: capture profiles (PSIcapture's Xero Migration steps) and the connection each uses."""

from __future__ import annotations

import tkinter as tk

import customtkinter as ctk

from .background import run_in_background
from .widgets.choice import LongChoice
from .widgets.fill import TableFill
from .widgets.theme import GAP, MUTED_TEXT, PAD, make_table

NONE = "(no connection)"


class ProfilesView(ctk.CTkFrame):
    def __init__(self, master, window):
        super().__init__(master, fg_color="transparent")
        self.window, self.service, self.dialogs = window, window.service, window.dialogs
        self.profiles = []
        self.connections = []
        self._names: dict[str, str] = {}  # connection id -> name
        self.grid_columnconfigure(0, weight=1)
        self.grid_rowconfigure(1, weight=1)
        ctk.CTkLabel(self, text="Each capture profile sends its documents to Xero through one connection.",
                     text_color=MUTED_TEXT, anchor="w").grid(row=0, column=0, columnspan=2, sticky="ew")
        frame, self.tree = make_table(self, [("name", "Capture profile", 300), ("connection", "Connection", 300)])
        frame.grid(row=1, column=0, sticky="nsew", pady=(GAP, 0))
        self.fill = TableFill(self.tree)
        self.tree.bind("<<TreeviewSelect>>", lambda _e: self._selected())
        self.tree.bind("<Delete>", lambda _e: self.delete())

        side = ctk.CTkFrame(self, corner_radius=8)
        side.grid(row=1, column=1, sticky="ns", padx=(PAD, 0), pady=(GAP, 0))
        side.grid_columnconfigure(0, weight=1)
        ctk.CTkLabel(side, text="Profile", font=ctk.CTkFont(size=15, weight="bold"), anchor="w").grid(
            row=0, column=0, columnspan=2, sticky="ew", padx=PAD, pady=(PAD, GAP))
        ctk.CTkLabel(side, text="Name", anchor="w").grid(row=1, column=0, columnspan=2, sticky="ew", padx=PAD)
        self.name_var = tk.StringVar(self)
        self.name_entry = ctk.CTkEntry(side, textvariable=self.name_var, width=240, placeholder_text="e.g. Accounts payable")
        self.name_entry.grid(row=2, column=0, columnspan=2, sticky="ew", padx=PAD)
        ctk.CTkLabel(side, text="Connection", anchor="w").grid(row=3, column=0, columnspan=2, sticky="ew", padx=PAD,
                                                              pady=(GAP, 0))
        # Thousands of connections: a short menu, then "Search all N…" (widgets/choice.py).
        self.connection_menu = LongChoice(side, fixed=[NONE], width=240, dynamic_resizing=False,
                                          command=self.pick_connection, picker_title="Connection")
        self.connection_menu.grid(row=4, column=0, columnspan=2, sticky="ew", padx=PAD)
        self.hint = ctk.CTkLabel(side, text="Changing the connection applies at once.", text_color=MUTED_TEXT,
                                 anchor="w", font=ctk.CTkFont(size=12))
        self.hint.grid(row=5, column=0, columnspan=2, sticky="ew", padx=PAD)
        self.add_button = ctk.CTkButton(side, text="Add", width=112, command=self.add)
        self.add_button.grid(row=6, column=0, sticky="ew", padx=(PAD, GAP // 2), pady=(PAD, 0))
        self.rename_button = ctk.CTkButton(side, text="Rename", width=112, command=self.rename)
        self.rename_button.grid(row=6, column=1, sticky="ew", padx=(GAP // 2, PAD), pady=(PAD, 0))
        self.delete_button = ctk.CTkButton(side, text="Delete", width=112, command=self.delete, fg_color="transparent",
                                           border_width=1, text_color=("gray10", "gray90"))
        self.delete_button.grid(row=7, column=0, sticky="ew", padx=(PAD, GAP // 2), pady=(GAP, PAD))
        self._update_buttons()

    # -- data ------------------------------------------------------------------------------
    def refresh(self, then=None) -> None:
        service = self.service

        def load():
            data = service.load()
            return data.profiles, data.connections

        def done(loaded):
            self.profiles, self.connections = loaded
            self.show(then)

        run_in_background(self, load, done, self.dialogs.error)

    def show(self, then=None) -> None:
        """The profiles, sorted; the first screenful at once, the rest in slices (TableFill)."""
        selected = self.selected()
        names = self._names = {c.id: c.name for c in self.connections}
        profiles = sorted(self.profiles, key=lambda p: p.name.casefold())

        def row(p, i):
            return p.id, "", (p.name, names.get(p.connection_id, NONE)), ("odd" if i % 2 else "even",)

        def all_in():
            if selected and not self.tree.selection() and self.tree.exists(selected.id):
                self.tree.selection_set(selected.id)
                self.tree.see(selected.id)
            if then:
                then()

        self.fill.start(profiles, row, all_in)
        self.connection_menu.configure(values=[c.name for c in self.connections])
        if selected and self.tree.exists(selected.id):
            self.tree.selection_set(selected.id)
        self._selected()

    def selected(self):
        sel = self.tree.selection()
        if not sel:
            return None
        return next((p for p in self.profiles if p.id == sel[0]), None)

    def select(self, name: str) -> None:
        if not self.fill.done:  # still filling in: select it once it is in
            self.fill.when_done(lambda: self.select(name))
            return
        for p in self.profiles:
            if p.name == name:
                self.tree.selection_set(p.id)
                self.tree.see(p.id)
        self._selected()

    def _selected(self) -> None:
        p = self.selected()
        if p is not None:
            self.name_var.set(p.name)
            self.connection_menu.set(self._names.get(p.connection_id, NONE))
        self._update_buttons()

    def _update_buttons(self) -> None:
        has = "normal" if self.tree.selection() else "disabled"
        self.rename_button.configure(state=has)
        self.delete_button.configure(state=has)

    def rows(self) -> list[tuple[str, str]]:
        return [tuple(self.tree.item(i, "values")) for i in self.tree.get_children()]

    # -- actions ---------------------------------------------------------------------------
    def _connection_id(self) -> str | None:
        name = self.connection_menu.get()
        return next((cid for cid, n in self._names.items() if n == name), None)

    def _run(self, work, select_name=None) -> None:
        def done(_result):
            self.refresh(then=(lambda: self.select(select_name)) if select_name else None)
            self.window.connections.refresh()

        run_in_background(self, work, done, self.dialogs.error)

    def add(self) -> None:
        name, conn = self.name_var.get().strip(), self._connection_id()
        if self.selected() is not None and name == self.selected().name:
            name = ""  # the entry still shows the selected profile: ask for a new name
        if not name:
            self.tree.selection_remove(*self.tree.selection())
            self.name_var.set("")
            self.name_entry.focus_set()
            self.dialogs.info("Name the new profile", "Type a name for the new capture profile, then press Add.")
            return
        self._run(lambda: self.service.add_profile(name, conn), name)

    def rename(self) -> None:
        p, name = self.selected(), self.name_var.get().strip()
        if p is None or name == p.name:
            return
        self._run(lambda: self.service.rename_profile(p.id, name), name)

    def delete(self) -> None:
        p = self.selected()
        if p is None:
            return
        if not self.dialogs.ask_yes_no("Delete capture profile", f"Delete the capture profile '{p.name}'?"):
            return
        self.name_var.set("")
        self._run(lambda: self.service.delete_profile(p.id))

    def pick_connection(self, _choice=None) -> None:
        p = self.selected()
        if p is None:
            return
        conn = self._connection_id()
        if conn == (p.connection_id or None):
            return
        self._run(lambda: self.service.set_profile_connection(p.id, conn), p.name)
