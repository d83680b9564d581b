"""Details of one connection: the plain facts first (status for each user of this computer, the
organisation, who authorized it and until when it keeps working), the technical ones under
"Technical details"; never a secret. Revoke access… ends this Xero app's access for the signed-in
Xero user, after saying which other connections stop too (issue 12)."""

from __future__ import annotations

import customtkinter as ctk

from ..core.text import visible
from .background import run_in_background
from .dialogs import Modal
from .widgets.ctk_adapter import inner_text
from .widgets.keys import Button
from .widgets.theme import GAP, MUTED_TEXT, PAD, font_family, header_font, pick, scaled
from .words import names


def _load(service, key):
    conn = service.get(key)
    same_app = [c for c in service.connections() if c.client_id == conn.client_id and c.id != conn.id]
    return service.details(key), service.grant(conn), same_app


class DetailsDialog(Modal):
    def __init__(self, master, service, key, name: str, *, dialogs, on_changed=None):
        super().__init__(master, f"Details — {name}", resizable=True)
        self.service, self.key, self.name, self.dialogs, self.on_changed = service, key, name, dialogs, on_changed
        self.details = None
        self.grant = None
        self.same_app: list = []
        self.technical_shown = False
        self.minsize(480, 320)
        self.grid_columnconfigure(0, weight=1)
        self.grid_rowconfigure(1, weight=1)
        ctk.CTkLabel(self, text=name, font=header_font(), anchor="w").grid(
            row=0, column=0, sticky="ew", padx=PAD * 2, pady=(PAD * 2, GAP)
        )
        self.textbox = ctk.CTkTextbox(self, width=640, height=330, wrap="word", border_width=1)
        self.textbox.grid(row=1, column=0, sticky="nsew", padx=PAD * 2)
        row = ctk.CTkFrame(self, fg_color="transparent")
        row.grid(row=2, column=0, sticky="ew", padx=PAD * 2, pady=PAD * 2)
        row.grid_columnconfigure(1, weight=1)
        self.technical_button = Button(
            row,
            "Show technical details",
            kind="secondary",
            width=170,
            command=self.toggle_technical,
            tooltip="Ids, scopes, the list's folder: what support asks for",
        )
        self.technical_button.grid(row=0, column=0, sticky="w")
        self.status = ctk.CTkLabel(row, text="", text_color=MUTED_TEXT, anchor="w")
        self.status.grid(row=0, column=1, sticky="w", padx=GAP)
        self.revoke_button = Button(
            row,
            "Revoke access…",
            kind="secondary",
            width=130,
            command=self.revoke,
            state="disabled",
            tooltip="End this Xero app's access for your Xero login (at Xero)",
        )
        self.revoke_button.grid(row=0, column=2, padx=(GAP, 0))
        self.copy_button = Button(
            row,
            "Copy",
            kind="secondary",
            width=80,
            command=self.copy,
            tooltip="Copy these details, to paste into a message to support",
        )
        self.copy_button.grid(row=0, column=3, padx=(GAP, 0))
        self.close_button = Button(row, "Close", width=90, command=self.close)
        self.close_button.grid(row=0, column=4, padx=(GAP, 0))
        self.set_tab_order(
            lambda: [self.textbox, self.technical_button, self.revoke_button, self.copy_button, self.close_button]
        )
        self._text("Loading…")
        self.show(self.close_button)
        self.load()

    def load(self) -> None:
        service, key = self.service, self.key
        run_in_background(self, lambda: _load(service, key), self._loaded, self._failed)

    def _loaded(self, loaded) -> None:
        self.details, self.grant, self.same_app = loaded
        self.revoke_button.set_enabled(self.grant is not None)
        self._render()

    def _failed(self, exc) -> None:
        self.close()
        self.dialogs.error(exc)

    def _render(self) -> None:
        d = self.details
        if d is None:
            return
        pieces = self._pieces(d.facts)
        if self.technical_shown:
            pieces += [("\nTechnical details\n", "heading"), *self._pieces(d.technical)]
        self._text("", pieces)
        self.technical_button.configure(
            text="Hide technical details" if self.technical_shown else "Show technical details"
        )

    @staticmethod
    def _pieces(facts) -> list[tuple[str, str]]:
        out = []
        for label, value in facts:
            out += [(f"{visible(label)}: ", "label"), (f"{visible(value)}\n", "")]
        return out

    def _text(self, text: str, pieces: list[tuple[str, str]] | None = None) -> None:
        box = self.textbox
        box.configure(state="normal")
        box.delete("1.0", "end")
        box.tag_config("label", foreground=pick(MUTED_TEXT))
        # customtkinter refuses fonts in tags (its scaling): the heading's font goes on the inner text widget
        inner_text(box).tag_configure(
            "heading", font=(font_family(), -scaled(self, 14), "bold"), spacing1=scaled(self, 6)
        )
        for piece, tag in pieces or [(text, "")]:
            box.insert("end", piece, tag or ())
        box.configure(state="disabled")

    @property
    def text(self) -> str:
        return self.textbox.get("1.0", "end-1c")

    def toggle_technical(self) -> None:
        self.technical_shown = not self.technical_shown
        self._render()

    def copy(self) -> None:
        d = self.details
        lines = [f"{label}: {value}" for label, value in (d.facts + d.technical)] if d else [self.text]
        self.clipboard_clear()
        self.clipboard_append("\n".join(visible(x) for x in lines))
        self.status.configure(text="Copied.")

    def revoke(self) -> None:
        grant = self.grant
        who = f" ({visible(grant.xero_user)})" if grant and grant.xero_user else ""
        others = names([visible(c.name) for c in self.same_app])
        also = f" The other connections here with the same Xero app stop too: {others}." if self.same_app else ""
        if not self.dialogs.confirm(
            "Revoke this app's access?",
            f"Xero ends the access of this Xero app for your Xero login{who}: '{self.name}' stops working for "
            f"you.{also} Other users of this computer who signed in to Xero with the same login lose access "
            "too.\n\nTo use it again, press Re-authorize.",
            yes="Revoke access",
            danger=True,
            parent=self,
        ):
            return
        self.revoke_button.set_enabled(False)
        key = self.key
        run_in_background(self, lambda: self.service.revoke(key), self._revoked, self._revoke_failed)

    def _revoked(self, affected) -> None:
        stopped = f" It also stopped {names([visible(c.name) for c in affected])}." if affected else ""
        self.status.configure(text="Access revoked.")
        if self.on_changed:
            self.on_changed()
        self.load()
        self.dialogs.info(
            "Access revoked",
            f"'{self.name}' no longer works for you.{stopped} Press Re-authorize to use it again.",
            parent=self,
        )

    def _revoke_failed(self, exc) -> None:
        self.revoke_button.set_enabled(True)
        self.dialogs.error(exc, parent=self)
