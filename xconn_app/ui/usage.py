"""Usage: which capture profiles use a connection; switch some or all of them to another one.

A switch that changes the organisation the profiles send to is confirmed first, naming both; after
any switch an Undo button puts the profiles back, for as long as the dialog is open.
"""

from __future__ import annotations

import customtkinter as ctk

from ..core.text import visible
from .background import run_in_background
from .dialogs import Modal
from .widgets.choice import LongChoice
from .widgets.keys import Button
from .widgets.table import Column, Table
from .widgets.theme import GAP, MUTED_TEXT, NOTE_TEXT, OK_TEXT, PAD, header_font
from .words import plural

NO_OTHER = "No other connection"


def _load(service, key):
    """(connection, the profiles using it, the other connections), off the Tk thread."""
    conn = service.get(key)
    return conn, service.usage(key), [c for c in service.connections() if c.id != conn.id]


def org(conn) -> str:
    return f"'{visible(conn.tenant_name)}'" if conn.tenant_name else "no organisation"


class UsageDialog(Modal):
    def __init__(self, master, service, key, dialogs=None, *, may_change: bool = True, on_changed=None):
        super().__init__(master, "Usage", resizable=True)
        self.service, self.key, self.dialogs, self.on_changed = service, key, dialogs, on_changed
        self.may_change = may_change
        self.connection = None
        self.others: list = []
        self.last_switch = None
        self.minsize(640, 420)
        self.grid_columnconfigure(0, weight=1)
        self.grid_rowconfigure(2, weight=1)
        self.heading = ctk.CTkLabel(self, text="Usage", font=header_font(), anchor="w")
        self.heading.grid(row=0, column=0, sticky="ew", padx=PAD * 2, pady=(PAD * 2, 0))
        self.text = ctk.CTkLabel(self, text="Loading…", text_color=MUTED_TEXT, anchor="w")
        self.text.grid(row=1, column=0, sticky="ew", padx=PAD * 2, pady=(0, GAP))
        self.table = Table(self, [Column("profile", "Capture profile", 420, grow=1)], selectmode="extended", height=8)
        self.tree = self.table.tree
        self.table.frame.grid(row=2, column=0, sticky="nsew", padx=PAD * 2)
        switch = ctk.CTkFrame(self, fg_color="transparent")
        switch.grid(row=3, column=0, sticky="ew", padx=PAD * 2, pady=(PAD, 0))
        ctk.CTkLabel(switch, text="Switch to:").pack(side="left")
        # Thousands of connections: a short menu, then "Search all N…" (widgets/choice.py).
        self.target_menu = LongChoice(
            switch, values=[NO_OTHER], width=220, dynamic_resizing=False, picker_title="Switch to"
        )
        self.target_menu.pack(side="left", padx=(GAP, 0))
        self.switch_all_button = Button(switch, "Switch all", width=110, command=self.switch_all)
        self.switch_all_button.pack(side="right")
        self.switch_selected_button = Button(switch, "Switch selected", width=130, command=self.switch_selected)
        self.switch_selected_button.pack(side="right", padx=(0, GAP))
        row = ctk.CTkFrame(self, fg_color="transparent")
        row.grid(row=4, column=0, sticky="ew", padx=PAD * 2, pady=PAD * 2)
        row.grid_columnconfigure(0, weight=1)
        self.result = ctk.CTkLabel(
            row,
            text="" if may_change else "Only list administrators switch profiles.",
            text_color=MUTED_TEXT if may_change else NOTE_TEXT,
            anchor="w",
            justify="left",
        )
        self.result.grid(row=0, column=0, sticky="w")
        self.undo_button = Button(
            row,
            "Undo",
            kind="secondary",
            width=80,
            command=self.undo,
            tooltip="Put the profiles back on the connection they used before",
        )
        self.close_button = Button(row, "Close", kind="secondary", width=96, command=self.close)
        self.close_button.grid(row=0, column=2, padx=(GAP, 0))
        self.tree.bind("<<TreeviewSelect>>", lambda _e: self._update_buttons())
        self.set_tab_order(
            lambda: [
                self.tree,
                self.target_menu,
                self.switch_selected_button,
                self.switch_all_button,
                self.undo_button,
                self.close_button,
            ]
        )
        self.show(self.close_button)
        self.refresh()

    def refresh(self) -> None:
        service, key = self.service, self.key
        run_in_background(self, lambda: _load(service, key), self._show_usage, self._failed)

    def _show_usage(self, loaded) -> None:
        conn, profiles, self.others = loaded
        self.connection = conn
        self.title(f"Usage — {visible(conn.name)}")
        self.heading.configure(text=f"Capture profiles using '{visible(conn.name)}'")
        n = len(profiles)
        self.text.configure(
            text=f"{plural(n, 'capture profile')} {'uses' if n == 1 else 'use'} it; they send documents to {org(conn)}."
            if n
            else "No capture profile uses this connection."
        )
        self.table.start(
            sorted(profiles, key=lambda p: p.name.casefold()),
            lambda p, i: (p.id, "", (visible(p.name),), ("odd" if i % 2 else "even",)),
            self._update_buttons,
        )
        names = [visible(c.name) for c in self.others] or [NO_OTHER]
        current = self.target_menu.get()
        self.target_menu.configure(values=names)
        self.target_menu.set(current if current in set(names) else names[0])
        self._update_buttons()

    def _update_buttons(self) -> None:
        can = self.may_change and bool(self.others)
        has_rows = bool(self.tree.get_children())
        self.switch_all_button.set_enabled(can and has_rows)
        self.switch_selected_button.set_enabled(can and bool(self.tree.selection()))
        self.target_menu.configure(state="normal" if can else "disabled")

    def profile_names(self) -> list[str]:
        return [self.table.values(i)[0] for i in self.tree.get_children()]

    def select(self, names) -> None:
        ids = [i for i in self.tree.get_children() if self.table.values(i)[0] in names]
        self.tree.selection_set(ids)
        self._update_buttons()

    def target(self):
        chosen = self.target_menu.get()
        return next((c for c in self.others if visible(c.name) == chosen), None)

    def switch_selected(self) -> None:
        names = [self.table.values(i)[0] for i in self.tree.selection()]
        if names:
            self._switch(names)

    def switch_all(self) -> None:
        self._switch(None)

    def _switch(self, names) -> None:
        target, conn = self.target(), self.connection
        if target is None or conn is None:
            return
        n = len(names) if names else len(self.tree.get_children())
        if target.tenant_id != conn.tenant_id and not self.dialogs.confirm(
            "Switch to another organisation?",
            f"{plural(n, 'capture profile')} now {'sends' if n == 1 else 'send'} documents to {org(conn)} "
            f"(through '{visible(conn.name)}'). After the switch {'it sends' if n == 1 else 'they send'} them to "
            f"{org(target)} (through '{visible(target.name)}').\n\nYou can undo it right after, with Undo.",
            yes="Switch",
            parent=self,
        ):
            return
        key = self.key
        run_in_background(
            self, lambda: self.service.switch_profiles(key, target.id, names), self._switched, self._failed
        )

    def _switched(self, result) -> None:
        self.last_switch = result
        moved = len(result.moved)
        text = f"Switched {plural(moved, 'profile')} to '{visible(result.target_name)}'"
        if result.changes_organisation:
            text += (
                f": {'it sends' if moved == 1 else 'they send'} to "
                f"'{visible(result.target_org) or 'no organisation'}' now."
            )
        else:
            text += "."
        self.result.configure(text=text, text_color=OK_TEXT)
        if moved:
            self.undo_button.grid(row=0, column=1, padx=(GAP, 0))
        self.refresh()
        if self.on_changed:
            self.on_changed()

    def undo(self) -> None:
        result = self.last_switch
        if result is None:
            return
        self.undo_button.set_enabled(False)

        def done(back) -> None:
            self.last_switch = None
            self.undo_button.set_enabled(True)
            self.undo_button.grid_remove()
            self.result.configure(
                text=f"Undone: {plural(len(back), 'profile')} use '{visible(result.source_name)}' again.",
                text_color=OK_TEXT,
            )
            self.refresh()
            if self.on_changed:
                self.on_changed()

        run_in_background(self, lambda: self.service.undo_switch(result), done, self._failed)

    def _failed(self, exc) -> None:
        self.undo_button.set_enabled(True)
        self.dialogs.error(exc, parent=self)
