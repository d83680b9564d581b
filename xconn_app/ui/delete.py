"""Delete a connection: name it, list the profiles that use it, switch them or delete anyway."""

from __future__ import annotations

import tkinter as tk

import customtkinter as ctk

from .background import run_in_background
from .dialogs import Modal
from .widgets.choice import LongChoice
from .widgets.theme import DANGER, DANGER_HOVER, GAP, MUTED_TEXT, PAD, header_font

NO_OTHER = "No other connection"


class DeleteDialog(Modal):
    def __init__(self, master, service, connection_id, dialogs=None, *, on_done=None):
        super().__init__(master, "Delete Connection")
        self.service, self.connection_id, self.dialogs, self.on_done = service, connection_id, dialogs, on_done
        self.connection = None
        self.users = []
        self.others = []
        self.deleted = None
        self.body = ctk.CTkFrame(self, fg_color="transparent")
        self.body.pack(fill="both", expand=True, padx=PAD * 2, pady=(PAD * 2, PAD))
        self.heading = ctk.CTkLabel(self.body, text="Delete connection?", font=header_font(), anchor="w")
        self.heading.pack(fill="x")
        self.text = ctk.CTkLabel(self.body, text="Loading…", anchor="w", justify="left", wraplength=460)
        self.text.pack(fill="x", pady=(GAP, 0))
        self.profiles_box = ctk.CTkTextbox(self.body, height=90, width=460, border_width=1)
        self.switch_row = ctk.CTkFrame(self.body, fg_color="transparent")
        ctk.CTkLabel(self.switch_row, text="Switch them to:").pack(side="left")
        self.switch_menu = LongChoice(self.switch_row, values=[NO_OTHER], width=260, dynamic_resizing=False,
                                      picker_title="Switch them to")
        self.switch_menu.pack(side="left", padx=(GAP, 0))
        self.disconnect_var = tk.BooleanVar(self, value=False)
        self.disconnect_check = ctk.CTkCheckBox(self.body, text="Also disconnect this organisation at Xero",
                                                variable=self.disconnect_var)
        self.disconnect_note = ctk.CTkLabel(self.body, text="Capture profiles on other computers stop working too.",
                                            text_color=MUTED_TEXT, anchor="w", font=ctk.CTkFont(size=12))
        row = ctk.CTkFrame(self, fg_color="transparent")
        row.pack(fill="x", padx=PAD * 2, pady=(PAD, PAD * 2))
        self.cancel_button = ctk.CTkButton(row, text="Cancel", width=96, command=self.close, fg_color="transparent",
                                           border_width=1, text_color=("gray10", "gray90"))
        self.cancel_button.pack(side="right")
        self.delete_button = ctk.CTkButton(row, text="Delete", width=96, fg_color=DANGER, hover_color=DANGER_HOVER,
                                           command=lambda: self.confirm(force=False), state="disabled")
        self.delete_button.pack(side="right", padx=(0, GAP))
        self.anyway_button = ctk.CTkButton(row, text="Delete anyway", width=120, fg_color="transparent", border_width=1,
                                           text_color=DANGER, border_color=DANGER, command=lambda: self.confirm(force=True))
        self.switch_button = ctk.CTkButton(row, text="Switch and delete", width=140, fg_color=DANGER,
                                           hover_color=DANGER_HOVER, command=self.switch_and_delete)
        self.show()

        def load():  # one registry read
            from .usage import connection_usage

            conn, users, others = connection_usage(service, connection_id)
            return conn, [p.name for p in users], others

        run_in_background(self, load, self._loaded, self._failed)

    def _loaded(self, loaded) -> None:
        self.connection, self.users, self.others = loaded
        name = self.connection.name
        self.heading.configure(text=f"Delete '{name}'?")
        if self.users:
            n = len(self.users)
            self.text.configure(text=f"{n} capture profile{'s use' if n != 1 else ' uses'} this connection. Switch "
                                     "them to another connection, or delete anyway and they will have no connection.")
            self.profiles_box.pack(fill="x", pady=(GAP, 0))
            self.profiles_box.insert("1.0", "\n".join(self.users))
            self.profiles_box.configure(state="disabled")
            if self.others:
                self.switch_menu.configure(values=[c.name for c in self.others])
                self.switch_menu.set(self.others[0].name)
                self.switch_row.pack(fill="x", pady=(GAP, 0))
                self.switch_button.pack(side="right", padx=(0, GAP))
            self.anyway_button.pack(side="right", padx=(0, GAP))
            self.delete_button.pack_forget()
        else:
            self.text.configure(text=f"The connection '{name}' and its stored authorization will be removed from this "
                                     "computer's list. No capture profile uses it.")
            self.delete_button.configure(state="normal")
        if self.connection.xero_connection_id and self.connection.grant_for():
            self.disconnect_check.pack(fill="x", pady=(PAD, 0))
            self.disconnect_note.pack(fill="x", padx=(28, 0))
        self.show()

    def _failed(self, exc) -> None:
        self.close()
        self.dialogs.error(exc)

    def switch_and_delete(self) -> None:
        chosen = self.switch_menu.get()
        target = next((c for c in self.others if c.name == chosen), None)
        if target is not None:
            self._run(switch_to=target.id)

    def confirm(self, force: bool) -> None:
        self._run(force=force or bool(self.users))

    def _run(self, **kw) -> None:
        for b in (self.delete_button, self.anyway_button, self.switch_button):
            b.configure(state="disabled")
        cid, disconnect = self.connection_id, bool(self.disconnect_var.get())
        run_in_background(self, lambda: self.service.delete(cid, disconnect=disconnect, **kw), self._deleted,
                          self._delete_failed)

    def _deleted(self, switched) -> None:
        self.deleted = switched
        self.close()
        if self.on_done:
            self.on_done(self.connection_id)

    def _delete_failed(self, exc) -> None:
        for b in (self.delete_button, self.anyway_button, self.switch_button):
            b.configure(state="normal")
        self.dialogs.error(exc)
