"""History: what happened to a connection (or to all): when, who on which computer, what, and how far
an entry can be believed ("not from a list administrator", "changed outside xconn after this entry")."""

from __future__ import annotations

import customtkinter as ctk

from ..core.text import visible
from .background import run_in_background
from .dialogs import Modal, describe
from .widgets.keys import Button, Choice
from .widgets.table import Column, Table
from .widgets.theme import GAP, MUTED_TEXT, PAD, header_font
from .words import plural

COLUMNS = [
    Column("at", "When", 130, min=120, shrink=6),
    Column("who", "Who", 150, min=80, shrink=2),
    Column("what", "What", 170, min=100, shrink=4),
    Column("connection", "Connection", 140, min=90, shrink=3),
    Column("detail", "Detail", 260, min=100, shrink=5, grow=2),
    Column("note", "Note", 130, min=70, shrink=1, grow=1),
]
THIS, ALL = "This connection", "All connections"


class HistoryDialog(Modal):
    def __init__(self, master, service, connection_id=None, name=None):
        super().__init__(master, f"History — {name}" if name else "History — all connections", resizable=True)
        self.service = service
        self.connection_id, self.name = connection_id, name
        self.minsize(720, 360)
        self.grid_columnconfigure(0, weight=1)
        self.grid_rowconfigure(1, weight=1)
        head = ctk.CTkFrame(self, fg_color="transparent")
        head.grid(row=0, column=0, sticky="ew", padx=PAD * 2, pady=(PAD * 2, GAP))
        head.grid_columnconfigure(0, weight=1)
        self.heading = ctk.CTkLabel(
            head, text=f"History of {name}" if name else "History of all connections", font=header_font(), anchor="w"
        )
        self.heading.grid(row=0, column=0, sticky="ew")
        # A selected connection opens its own history; exports, imports and keep-alive runs are in All.
        self.scope = None
        if connection_id:
            self.scope = Choice(
                head,
                values=[THIS, ALL],
                width=170,
                command=self._scope_changed,
                tooltip="Show this connection's history or everything",
            )
            self.scope.set(THIS)
            self.scope.grid(row=0, column=1, sticky="e", padx=(PAD, 0))
        self.table = Table(self, COLUMNS, height=14)
        self.tree = self.table.tree
        self.table.frame.configure(width=980)
        self.table.frame.grid(row=1, column=0, sticky="nsew", padx=PAD * 2)
        row = ctk.CTkFrame(self, fg_color="transparent")
        row.grid(row=2, column=0, sticky="ew", padx=PAD * 2, pady=PAD * 2)
        self.count = ctk.CTkLabel(row, text="Loading…", text_color=MUTED_TEXT)
        self.count.pack(side="left")
        self.close_button = Button(row, "Close", width=96, command=self.close)
        self.close_button.pack(side="right")
        self.entries: list = []
        self._loads = 0
        self.set_tab_order(lambda: [self.scope, self.tree, self.close_button])
        self.show(self.close_button)
        self._load(connection_id)

    @property
    def showing_all(self) -> bool:
        return self.scope is None or self.scope.get() == ALL

    def _scope_changed(self, value) -> None:
        everything = value == ALL
        self.heading.configure(text="History of all connections" if everything else f"History of {self.name}")
        self.title("History — all connections" if everything else f"History — {self.name}")
        self._load(None if everything else self.connection_id)

    def _load(self, connection_id) -> None:
        self._loads += 1
        load = self._loads
        self.count.configure(text="Loading…")
        run_in_background(
            self,
            lambda: self.service.history(connection_id),
            lambda entries: self._fill(entries) if load == self._loads else None,
            lambda exc: self._failed(exc) if load == self._loads else None,
        )

    def _fill(self, entries) -> None:
        self.entries = list(entries)
        newest = list(reversed(self.entries))

        def row(e, i):
            at = visible(e.at).replace("T", " ")[:16]
            who = visible(e.user) + (f" on {visible(e.host)}" if e.host else "")
            return (
                str(i),
                "",
                (at, who, visible(e.what), visible(e.connection), visible(e.detail), visible(e.note)),
                ("odd" if i % 2 else "even",),
            )

        self.table.start(newest, row)
        self.count.configure(text=plural(len(self.entries), "entry", "entries"))

    def rows(self) -> list[tuple]:
        return [self.table.values(i) for i in self.tree.get_children()]

    def _failed(self, exc) -> None:
        self.count.configure(text=describe(exc)[1])
