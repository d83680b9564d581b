"""Usage: which capture profiles use a connection; switch some or all of them to another one."""

from __future__ import annotations

import customtkinter as ctk

from .background import run_in_background
from .dialogs import Modal
from .widgets.choice import LongChoice
from .widgets.fill import TableFill
from .widgets.theme import GAP, MUTED_TEXT, PAD, header_font, make_table

NO_OTHER = "No other connection"


def connection_usage(service, connection_id):
    """(connection, the profiles using it, every other connection) from one registry read."""
    data = service.load()
    conn = next((c for c in data.connections if c.id == connection_id), None)
    if conn is None:
        conn = service.get(connection_id)  # not there (deleted meanwhile): raises the usual NotFound
    return (conn, [p for p in data.profiles if p.connection_id == conn.id],
            [c for c in data.connections if c.id != conn.id])


class UsageDialog(Modal):
    def __init__(self, master, service, connection_id, dialogs=None, *, on_changed=None):
        super().__init__(master, "Usage", resizable=True)
        self.service, self.connection_id, self.dialogs, self.on_changed = service, connection_id, dialogs, on_changed
        self.others = []
        self.minsize(640, 400)
        self.grid_columnconfigure(0, weight=1)
        self.grid_rowconfigure(2, weight=1)
        self.heading = ctk.CTkLabel(self, text="Usage", font=header_font(), anchor="w")
        self.heading.grid(row=0, column=0, sticky="ew", padx=PAD * 2, pady=(PAD * 2, 0))
        self.text = ctk.CTkLabel(self, text="Loading…", text_color=MUTED_TEXT, anchor="w")
        self.text.grid(row=1, column=0, sticky="ew", padx=PAD * 2, pady=(0, GAP))
        frame, self.tree = make_table(self, [("profile", "Capture profile", 420)], selectmode="extended", height=8)
        frame.grid(row=2, column=0, sticky="nsew", padx=PAD * 2)
        switch = ctk.CTkFrame(self, fg_color="transparent")
        switch.grid(row=3, column=0, sticky="ew", padx=PAD * 2, pady=(PAD, 0))
        ctk.CTkLabel(switch, text="Switch to:").pack(side="left")
        # Thousands of connections: a short menu, then "Search all N…" (widgets/choice.py).
        self.target_menu = LongChoice(switch, values=[NO_OTHER], width=200, dynamic_resizing=False,
                                      picker_title="Switch to")
        self.target_menu.pack(side="left", padx=(GAP, 0))
        self.switch_all_button = ctk.CTkButton(switch, text="Switch all", width=110, command=self.switch_all)
        self.switch_all_button.pack(side="right")
        self.switch_selected_button = ctk.CTkButton(switch, text="Switch selected", width=130,
                                                    command=self.switch_selected)
        self.switch_selected_button.pack(side="right", padx=(0, GAP))
        row = ctk.CTkFrame(self, fg_color="transparent")
        row.grid(row=4, column=0, sticky="ew", padx=PAD * 2, pady=PAD * 2)
        self.result = ctk.CTkLabel(row, text="", text_color=MUTED_TEXT, anchor="w")
        self.result.pack(side="left")
        ctk.CTkButton(row, text="Close", width=96, command=self.close, fg_color="transparent", border_width=1,
                      text_color=("gray10", "gray90")).pack(side="right")
        self.fill = TableFill(self.tree)
        self.tree.bind("<<TreeviewSelect>>", lambda _e: self._update_buttons())
        self.show()
        self.refresh()

    def refresh(self) -> None:
        service, cid = self.service, self.connection_id

        def load():  # one registry read (get + usage + connections read it three times)
            return connection_usage(service, cid)

        run_in_background(self, load, self._show, self._failed)

    def _show(self, loaded) -> None:
        conn, profiles, self.others = loaded
        self.connection = conn
        self.title(f"Usage — {conn.name}")
        self.heading.configure(text=f"Capture profiles using '{conn.name}'")
        n = len(profiles)
        self.text.configure(text=f"{n} profile{'s use' if n != 1 else ' uses'} this connection." if n
                            else "No capture profile uses this connection.")
        self.fill.start(sorted(profiles, key=lambda p: p.name.casefold()),
                        lambda p, i: (p.id, "", (p.name,), ("odd" if i % 2 else "even",)), self._update_buttons)
        names = [c.name for c in self.others] or [NO_OTHER]
        current = self.target_menu.get()
        self.target_menu.configure(values=names)
        self.target_menu.set(current if current in set(names) else names[0])
        self._update_buttons()

    def _update_buttons(self) -> None:
        has_target = bool(self.others)
        has_rows = bool(self.tree.get_children())
        self.switch_all_button.configure(state="normal" if has_target and has_rows else "disabled")
        self.switch_selected_button.configure(state="normal" if has_target and self.tree.selection() else "disabled")
        self.target_menu.configure(state="normal" if has_target else "disabled")

    def profile_names(self) -> list[str]:
        return [self.tree.item(i, "values")[0] for i in self.tree.get_children()]

    def select(self, names) -> None:
        ids = [i for i in self.tree.get_children() if self.tree.item(i, "values")[0] in names]
        self.tree.selection_set(ids)
        self._update_buttons()

    def switch_selected(self) -> None:
        names = [self.tree.item(i, "values")[0] for i in self.tree.selection()]
        if names:
            self._switch(names)

    def switch_all(self) -> None:
        self._switch(None)

    def _switch(self, names) -> None:
        chosen = self.target_menu.get()
        target = next((c for c in self.others if c.name == chosen), None)
        if target is None:
            return
        src = self.connection_id

        def done(moved):
            self.result.configure(text=f"Switched {len(moved)} profile{'s' if len(moved) != 1 else ''} to "
                                       f"'{target.name}'.")
            self.refresh()
            if self.on_changed:
                self.on_changed()

        run_in_background(self, lambda: self.service.switch_profiles(src, target.id, names), done, self._failed)

    def _failed(self, exc) -> None:
        self.dialogs.error(exc)
