"""Delete a connection: name it, list the capture profiles that use it (switch them, naming an
organisation change, or leave them without one), optionally disconnect it at Xero (naming the other
connections that would stop too). Opens with the focus on Cancel."""

from __future__ import annotations

import customtkinter as ctk

from ..core.text import visible
from .background import run_in_background
from .dialogs import Modal
from .widgets.keys import Button, Check, Choice
from .widgets.theme import GAP, MUTED_TEXT, PAD, WARN_TEXT, header_font, small_font
from .words import names, plural

NO_OTHER = "No other connection"


def _load(service, key):
    """Everything the dialog shows, read off the Tk thread."""
    conn = service.get(key)
    users = [p.name for p in service.usage(key)]
    others = [c for c in service.connections() if c.id != conn.id]
    grant = service.grant(conn)
    siblings = service.siblings(key) if grant is not None and grant.xero_connection_id else []
    return conn, users, others, grant, siblings


class DeleteDialog(Modal):
    def __init__(self, master, service, key, dialogs=None, *, on_done=None):
        super().__init__(master, "Delete Connection")
        self.service, self.key, self.dialogs, self.on_done = service, key, dialogs, on_done
        self.connection = None
        self.users: list[str] = []
        self.others: list = []
        self.siblings: list = []
        self.grant = None
        self.deleted = None
        width = 470  # customtkinter scales wraplength itself
        body = self.body = ctk.CTkFrame(self, fg_color="transparent")
        body.pack(fill="both", expand=True, padx=PAD * 2, pady=(PAD * 2, PAD))
        self.heading = ctk.CTkLabel(body, text="Delete connection?", font=header_font(), anchor="w")
        self.heading.pack(fill="x")
        self.text = ctk.CTkLabel(body, text="Loading…", anchor="w", justify="left", wraplength=width)
        self.text.pack(fill="x", pady=(GAP, 0))
        self.profiles_box = ctk.CTkTextbox(body, height=80, width=470, border_width=1)
        self.switch_row = ctk.CTkFrame(body, fg_color="transparent")
        self.switch_label = ctk.CTkLabel(self.switch_row, text="Switch them to:")
        self.switch_label.pack(side="left")
        from .widgets.choice import LongChoice

        self.switch_menu: Choice = LongChoice(
            self.switch_row,
            values=[NO_OTHER],
            width=260,
            dynamic_resizing=False,
            picker_title="Switch them to",
            command=lambda _v: self._explain(),
        )
        self.switch_menu.pack(side="left", padx=(GAP, 0))
        self.switch_note = ctk.CTkLabel(
            body, text="", anchor="w", justify="left", wraplength=width, font=small_font(), text_color=WARN_TEXT
        )
        self.disconnect_check = Check(body, text="Also disconnect its organisation at Xero", command=self._explain)
        self.disconnect_note = ctk.CTkLabel(
            body, text="", text_color=MUTED_TEXT, anchor="w", justify="left", wraplength=width, font=small_font()
        )
        row = ctk.CTkFrame(self, fg_color="transparent")
        row.pack(fill="x", padx=PAD * 2, pady=(PAD, PAD * 2))
        self.cancel_button = Button(row, "Cancel", kind="secondary", width=96, command=self.close)
        self.cancel_button.pack(side="right")
        self.delete_button = Button(
            row, "Delete", kind="danger", width=96, state="disabled", command=lambda: self.confirm(force=False)
        )
        self.delete_button.pack(side="right", padx=(0, GAP))
        self.anyway_button = Button(
            row,
            "Delete anyway",
            kind="secondary",
            width=120,
            command=lambda: self.confirm(force=True),
            tooltip="Delete it; the capture profiles are left without a connection",
        )
        self.switch_button = Button(row, "Switch and delete", kind="danger", width=140, command=self.switch_and_delete)
        self.set_tab_order(
            lambda: [
                self.switch_menu,
                self.disconnect_check,
                self.switch_button,
                self.delete_button,
                self.anyway_button,
                self.cancel_button,
            ]
        )
        self.show(self.cancel_button)
        run_in_background(self, lambda: _load(service, key), self._loaded, self._failed)

    def _loaded(self, loaded) -> None:
        self.connection, self.users, self.others, self.grant, self.siblings = loaded
        name = visible(self.connection.name)
        self.heading.configure(text=f"Delete '{name}'?")
        if self.users:
            n = len(self.users)
            it, they = ("it", "it") if n == 1 else ("them", "they")
            self.text.configure(
                text=f"{plural(n, 'capture profile')} {'uses' if n == 1 else 'use'} this connection. Switch {it} "
                f"to another connection, or delete anyway and {they} will have no connection."
            )
            self.switch_label.configure(text=f"Switch {it} to:")
            self.profiles_box.pack(fill="x", pady=(GAP, 0))
            self.profiles_box.insert("1.0", "\n".join(visible(u) for u in self.users))
            self.profiles_box.configure(state="disabled")
            if self.others:
                self.switch_menu.configure(values=[visible(c.name) for c in self.others])
                self.switch_menu.set(visible(self.others[0].name))
                self.switch_row.pack(fill="x", pady=(GAP, 0))
                self.switch_note.pack(fill="x", pady=(GAP // 2, 0))
                self.switch_button.pack(side="right", padx=(0, GAP))
            self.anyway_button.pack(side="right", padx=(0, GAP))
            self.delete_button.pack_forget()
        else:
            self.text.configure(
                text=f"'{name}' is removed from the connection list for every user of this computer, "
                "and your authorization of it from this computer. No capture profile uses it."
            )
            self.delete_button.set_enabled(True)
        if self.grant is not None and self.grant.xero_connection_id and self.connection.tenant_name:
            self.disconnect_check.configure(
                text=f"Also disconnect '{visible(self.connection.tenant_name)}' from this Xero app at Xero"
            )
            self.disconnect_check.pack(fill="x", pady=(PAD, 0))
            self.disconnect_note.pack(fill="x", padx=(28, 0))
        self._explain()
        self.show(self.cancel_button)

    def _failed(self, exc) -> None:
        self.close()
        self.dialogs.error(exc)

    def target(self):
        chosen = self.switch_menu.get()
        return next((c for c in self.others if visible(c.name) == chosen), None)

    def _explain(self) -> None:
        """Say what the switch and the disconnect would change, before anything is pressed."""
        conn, target = self.connection, self.target()
        if conn is None:
            return
        if target is not None and target.tenant_id != conn.tenant_id:
            self.switch_note.configure(
                text=f"The profiles would send documents to "
                f"'{visible(target.tenant_name) or 'no organisation'}' instead of "
                f"'{visible(conn.tenant_name) or 'no organisation'}'."
            )
        else:
            self.switch_note.configure(text="")
        if self.disconnect_check.get() and self.siblings:
            self.disconnect_note.configure(
                text=f"This also stops {names([visible(c.name) for c in self.siblings])} (same Xero app and "
                "organisation), and other users of this computer signed in to Xero with the same Xero login.",
                text_color=WARN_TEXT,
            )
        else:
            self.disconnect_note.configure(
                text="Capture profiles on other computers using this organisation through "
                "the same Xero app and login stop working too.",
                text_color=MUTED_TEXT,
            )

    def switch_and_delete(self) -> None:
        target, conn = self.target(), self.connection
        if target is None:
            return
        if target.tenant_id != conn.tenant_id and not self.dialogs.confirm(
            "Switch to another organisation?",
            f"{plural(len(self.users), 'capture profile')} will send documents to "
            f"'{visible(target.tenant_name) or 'no organisation'}' (through '{visible(target.name)}') instead of "
            f"'{visible(conn.tenant_name) or 'no organisation'}', and '{visible(conn.name)}' is deleted.\n\n"
            "To undo it later: add the connection again, then use Usage to switch the profiles back.",
            yes="Switch and delete",
            danger=True,
            parent=self,
        ):
            return
        self._run(switch_to=target.id)

    def confirm(self, force: bool) -> None:
        self._run(force=force or bool(self.users))

    def _run(self, **kw) -> None:
        disconnect = bool(self.disconnect_check.get()) and self.disconnect_check.winfo_manager() != ""
        anyway = False
        if disconnect and self.siblings:
            if not self.dialogs.confirm(
                "Stop the other connections too?",
                f"Disconnecting at Xero also stops {names([visible(c.name) for c in self.siblings])}: Xero "
                "disconnects the organisation for every connection of this Xero app and Xero user, including "
                "other users of this computer signed in with the same Xero login.",
                yes="Disconnect anyway",
                danger=True,
                parent=self,
            ):
                return
            anyway = True
        for b in (self.delete_button, self.anyway_button, self.switch_button):
            b.set_enabled(False)
        key, service = self.key, self.service
        run_in_background(
            self,
            lambda: service.delete(key, disconnect=disconnect, disconnect_anyway=anyway, **kw),
            self._deleted,
            self._delete_failed,
        )

    def _deleted(self, switched) -> None:
        self.deleted = switched
        self.close()
        if self.on_done:
            self.on_done(self.key)

    def _delete_failed(self, exc) -> None:
        for b in (self.delete_button, self.anyway_button, self.switch_button):
            b.set_enabled(True)
        self.dialogs.error(exc, parent=self)
