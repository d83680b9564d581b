"""Connection Definition: name, Client ID, Application URL, scopes, Authorize, Tenant, Save.

Authorize runs the loopback flow on worker threads (``run_in_background``) while the dialog
counts down; a pasted address is the fallback when the browser cannot reach the app.
"""

from __future__ import annotations

import tkinter as tk

import customtkinter as ctk

from ..core import validate
from ..core.errors import InvalidInput
from ..core.model import DEFAULT_SCOPES
from .background import run_in_background
from .dialogs import Modal
from .widgets.fields import ValidatedField
from .widgets.theme import DANGER, DANGER_HOVER, ERROR_TEXT, GAP, MUTED_TEXT, OK_TEXT, PAD, header_font

WAIT_SECONDS = 90
TIP = ("Tip: log in to Xero in your web browser first (including any two-step prompt), "
       "so the authorization does not time out.")
REAUTH_TEXT = ("Xero no longer accepts this connection's authorization (it expired after 60 days unused or was "
               "revoked). Press Authorize to fix it.")
NO_TENANT = "Authorize first"
WAIT_TEXT_WIDTH = 224  # "Waiting for Xero… 90 s" / "✓ Connected to Xero as …" wrap at this width
PASTE_TEXT_WIDTH = 520  # the paste hint (long after a time-out) wraps inside the Authorize box


class DefinitionDialog(Modal):
    def __init__(self, master, service, connection_id=None, dialogs=None, *, on_saved=None,
                 needs_reauthorization: bool = False):
        super().__init__(master, "Connection Definition" if connection_id else "Add Connection")
        from .authorize import AuthorizeFlow

        self.service = service
        self.dialogs = dialogs
        self.connection_id = connection_id
        self.on_saved = on_saved
        self.needs_reauthorization = needs_reauthorization
        self.connection = None
        self.tenants = None  # list[Tenant] once known
        self.saved_tenant_id = ""
        self.busy = False
        self._build()
        self.flow = AuthorizeFlow(self)
        self.show()
        self.name_field.entry.focus_set()
        if connection_id:
            self._set_enabled(False)
            run_in_background(self, lambda: service.get(connection_id), self._loaded, self._load_failed)
        else:
            self.scopes_box.insert("1.0", " ".join(DEFAULT_SCOPES))

    # -- layout ----------------------------------------------------------------------------
    def _build(self) -> None:
        outer = ctk.CTkFrame(self, fg_color="transparent")
        outer.pack(fill="both", expand=True, padx=PAD * 2, pady=(PAD * 2, PAD))
        outer.grid_columnconfigure(1, weight=1)
        self.form = outer
        ctk.CTkLabel(outer, text="Connection Definition", font=header_font(), anchor="w").grid(
            row=0, column=0, columnspan=3, sticky="w")
        self.subtitle = ctk.CTkLabel(outer, text="A new connection to one Xero organisation" if not self.connection_id
                                     else "Loading…", text_color=MUTED_TEXT, anchor="w")
        self.subtitle.grid(row=1, column=0, columnspan=3, sticky="w", pady=(0, GAP))
        self.reauth_label = ctk.CTkLabel(outer, text=REAUTH_TEXT, text_color=ERROR_TEXT, anchor="w", justify="left",
                                         wraplength=540, font=ctk.CTkFont(size=13, weight="bold"))
        if self.needs_reauthorization:
            self.reauth_label.grid(row=2, column=0, columnspan=3, sticky="ew", pady=(0, GAP))
        self.name_field = ValidatedField(outer, 3, "Display name", validate.name, placeholder="e.g. Head office")
        self.client_field = ValidatedField(outer, 5, "Xero Client ID", validate.client_id,
                                           placeholder="32 letters and digits from developer.xero.com")
        self.url_field = ValidatedField(outer, 7, "Application URL & port", validate.redirect_url,
                                        placeholder="http://localhost:5000/callback")
        self.advanced_button = ctk.CTkButton(outer, text="▸ Advanced: scopes", width=10, fg_color="transparent",
                                             text_color=("gray25", "gray75"), hover_color=("gray85", "gray25"),
                                             anchor="w", command=self.toggle_advanced)
        self.advanced_button.grid(row=9, column=1, sticky="w", pady=(GAP, 0))
        self.advanced = ctk.CTkFrame(outer, fg_color="transparent")
        self.scopes_box = ctk.CTkTextbox(self.advanced, height=64, width=380, wrap="word", border_width=2)
        self.scopes_box.pack(fill="x")
        self.scopes_message = ctk.CTkLabel(self.advanced, text="Space-separated Xero scopes; offline_access is required.",
                                           text_color=MUTED_TEXT, anchor="w", justify="left", wraplength=380,
                                           font=ctk.CTkFont(size=12))
        self.scopes_message.pack(fill="x")
        self.scopes_box.bind("<KeyRelease>", lambda _e: self.validate_scopes())

        tip = self.tip_label = ctk.CTkLabel(outer, text=TIP, text_color=MUTED_TEXT, anchor="w", justify="left", wraplength=540,
                           font=ctk.CTkFont(size=12))
        tip.grid(row=11, column=0, columnspan=3, sticky="ew", pady=(PAD, GAP))

        auth = ctk.CTkFrame(outer, fg_color=("gray90", "gray20"), corner_radius=8)
        auth.grid(row=12, column=0, columnspan=3, sticky="ew", pady=(0, GAP))
        auth.grid_columnconfigure(1, weight=1)
        self.auth_box = auth
        self.authorize_button = ctk.CTkButton(auth, text="Authorize", width=120, command=self.authorize)
        if self.needs_reauthorization:
            self.authorize_button.configure(fg_color=DANGER, hover_color=DANGER_HOVER, border_width=2,
                                            border_color=("#7F0000", "#FFCDD2"))
        self.authorize_button.grid(row=0, column=0, padx=PAD, pady=PAD, sticky="w")
        self.wait_label = ctk.CTkLabel(auth, text="Not authorized yet.", anchor="w", text_color=MUTED_TEXT,
                                       justify="left", wraplength=WAIT_TEXT_WIDTH)
        self.wait_label.grid(row=0, column=1, sticky="ew")
        self.copy_link_button = ctk.CTkButton(auth, text="Copy link", width=90, fg_color="transparent",
                                              border_width=1, text_color=("gray10", "gray90"))
        self.cancel_wait_button = ctk.CTkButton(auth, text="Cancel", width=80, fg_color="transparent", border_width=1,
                                                text_color=("gray10", "gray90"))
        # The same width waiting and connected: the countdown's column and the Copy link / Cancel
        # columns keep their widths when those buttons are hidden, and the texts wrap inside them.
        scale = ctk.ScalingTracker.get_widget_scaling(auth)
        auth.grid_columnconfigure(1, minsize=round(WAIT_TEXT_WIDTH * scale))
        auth.grid_columnconfigure(2, minsize=round((90 + GAP) * scale))
        auth.grid_columnconfigure(3, minsize=round((80 + GAP + PAD) * scale))
        self.paste_frame = ctk.CTkFrame(auth, fg_color="transparent")
        self.paste_frame.grid_columnconfigure(0, weight=1)
        self.paste_label = ctk.CTkLabel(self.paste_frame, text="Browser could not reach xconn? Paste the address the "
                                        "browser ended on:", anchor="w", justify="left", font=ctk.CTkFont(size=12),
                                        wraplength=PASTE_TEXT_WIDTH)
        self.paste_label.grid(row=0, column=0, columnspan=2, sticky="w")
        self.paste_var = tk.StringVar(self)
        self.paste_entry = ctk.CTkEntry(self.paste_frame, textvariable=self.paste_var,
                                        placeholder_text="http://localhost:…/callback?code=…&state=…")
        self.paste_entry.grid(row=1, column=0, sticky="ew", pady=(2, 0))
        self.finish_button = ctk.CTkButton(self.paste_frame, text="Finish", width=80)
        self.finish_button.grid(row=1, column=1, padx=(GAP, 0), pady=(2, 0))

        ctk.CTkLabel(outer, text="Tenant", anchor="w").grid(row=13, column=0, sticky="w", padx=(0, GAP * 2),
                                                            pady=(GAP, 0))
        self.tenant_menu = ctk.CTkOptionMenu(outer, values=[NO_TENANT], width=380, state="disabled", dynamic_resizing=False)
        self.tenant_menu.grid(row=13, column=1, sticky="ew", pady=(GAP, 0))
        self.tenant_note = ctk.CTkLabel(outer, text="The organisations appear here once the connection is authorized.",
                                        text_color=MUTED_TEXT, anchor="w", font=ctk.CTkFont(size=12), height=18)
        self.tenant_note.grid(row=14, column=1, sticky="w")

        buttons = ctk.CTkFrame(self, fg_color="transparent")
        buttons.pack(fill="x", padx=PAD * 2, pady=(PAD, PAD * 2))
        self.cancel_button = ctk.CTkButton(buttons, text="Cancel", width=96, command=self.cancel, fg_color="transparent",
                                           border_width=1, text_color=("gray10", "gray90"))
        self.cancel_button.pack(side="right")
        self.save_button = ctk.CTkButton(buttons, text="Save", width=96, command=self.save)
        self.save_button.pack(side="right", padx=(0, GAP))
        self.bind("<Return>", lambda e: None if e.widget is self.paste_entry else self.save())

    def toggle_advanced(self, show: bool | None = None) -> None:
        visible = bool(self.advanced.winfo_manager())
        show = not visible if show is None else show
        if show:
            self.advanced.grid(row=10, column=1, sticky="ew", pady=(0, GAP))
            self.advanced_button.configure(text="▾ Advanced: scopes")
        else:
            self.advanced.grid_forget()
            self.advanced_button.configure(text="▸ Advanced: scopes")

    # -- values ----------------------------------------------------------------------------
    def _loaded(self, conn) -> None:
        self.connection = conn
        self.name_field.set(conn.name)
        self.client_field.set(conn.client_id)
        self.url_field.set(conn.redirect_url)
        self.scopes_box.delete("1.0", "end")
        self.scopes_box.insert("1.0", " ".join(conn.scopes))
        self.saved_tenant_id = conn.tenant_id
        self.subtitle.configure(text=f"Editing '{conn.name}'")
        self._set_enabled(True)
        if conn.tenant_name:
            self.tenant_menu.configure(values=[conn.tenant_name])
            self.tenant_menu.set(conn.tenant_name)
        grant = conn.grant_for()
        if grant and not grant.needs_reauthorization and not self.needs_reauthorization:
            self.wait_label.configure(text="Authorized. Authorize again only to change what it can reach.",
                                      text_color=MUTED_TEXT)
            run_in_background(self, lambda: self.service.tenants(conn.id), self.set_tenants, lambda _e: None)

    def _load_failed(self, exc) -> None:
        self.close()
        self.dialogs.error(exc)

    def _set_enabled(self, on: bool) -> None:
        for f in (self.name_field, self.client_field, self.url_field):
            f.enable(on)
        for b in (self.save_button, self.authorize_button):
            b.configure(state="normal" if on else "disabled")

    def scopes(self) -> list[str]:
        return self.scopes_box.get("1.0", "end").split()

    def validate_scopes(self) -> bool:
        try:
            validate.scopes(self.scopes())
        except InvalidInput as exc:
            self.scopes_message.configure(text=f"{exc.message} {exc.next_step}".strip(), text_color=ERROR_TEXT)
            return False
        self.scopes_message.configure(text="✓", text_color=OK_TEXT)
        return True

    def values(self) -> dict:
        return {"name": self.name_field.get().strip(), "client_id": self.client_field.get().strip(),
                "redirect_url": self.url_field.get().strip(), "scopes": self.scopes()}

    def validate_all(self) -> bool:
        ok = all([f.validate() for f in (self.name_field, self.client_field, self.url_field)])
        if not self.validate_scopes():
            self.toggle_advanced(True)
            ok = False
        return ok

    def set_tenants(self, tenants) -> None:
        """Fill the Tenant drop-down; select the saved tenant, or the only one."""
        self.tenants = list(tenants)
        names = self.tenant_names()
        if not names:
            self.tenant_menu.configure(values=["No organisation connected"], state="disabled")
            self.tenant_menu.set("No organisation connected")
            self.tenant_note.configure(text="Authorize again and tick at least one organisation in Xero.",
                                       text_color=ERROR_TEXT)
            return
        self.tenant_menu.configure(values=names, state="normal")
        chosen = [n for n, t in zip(names, self.tenants) if t.tenant_id == self.saved_tenant_id]
        if chosen:
            self.tenant_menu.set(chosen[0])
        elif len(names) == 1:
            self.tenant_menu.set(names[0])
        else:
            self.tenant_menu.set("Choose an organisation…")
        self.tenant_note.configure(text=f"{len(names)} organisation{'s' if len(names) != 1 else ''} available.",
                                   text_color=MUTED_TEXT)

    def tenant_names(self) -> list[str]:
        names = [t.tenant_name for t in self.tenants or []]
        return [f"{n} ({t.tenant_id[:8]})" if names.count(n) > 1 else n for n, t in zip(names, self.tenants or [])]

    def chosen_tenant(self):
        names = self.tenant_names()
        current = self.tenant_menu.get()
        return next((t for n, t in zip(names, self.tenants or []) if n == current), None)

    # -- actions ---------------------------------------------------------------------------
    def authorize(self) -> None:
        if self.busy:
            return
        if not self.validate_all():
            return
        self.flow.start(self.values())

    def save(self) -> None:
        if self.busy or self.flow.active:
            return
        if not self.validate_all():
            return
        values, cid, tenant = self.values(), self.connection_id, self.chosen_tenant()
        tenants = list(self.tenants or [])
        saved_tenant = self.saved_tenant_id
        service = self.service

        def work():
            if cid is None:
                return service.add(**values).id
            service.edit(cid, **values)
            if tenant is not None and tenant.tenant_id != saved_tenant:
                service.choose_tenant(cid, tenant, tenants)
            return cid

        self.busy = True
        self.save_button.configure(state="disabled")
        run_in_background(self, work, self._saved, self._save_failed)

    def _saved(self, cid) -> None:
        self.busy = False
        self.saved_id = cid
        self.close()
        if self.on_saved:
            self.on_saved(cid)

    def _save_failed(self, exc) -> None:
        self.busy = False
        self.save_button.configure(state="normal")
        self.dialogs.error(exc)

    def cancel(self) -> None:
        self.flow.cancel()
        changed = self.flow.succeeded
        self.close()
        if changed and self.on_saved:  # authorization saved the connection already: show it
            self.on_saved(self.connection_id)

    def close(self) -> None:
        self.flow.cancel()
        self.flow.stop_timer()
        super().close()

    # -- called by the flow ----------------------------------------------------------------
    def authorized(self, outcome) -> None:
        self.connection_id = outcome.connection.id
        self.connection = outcome.connection
        self.saved_tenant_id = outcome.connection.tenant_id
        self.needs_reauthorization = False
        self.reauth_label.grid_forget()
        self.authorize_button.configure(fg_color=ctk.ThemeManager.theme["CTkButton"]["fg_color"],
                                        hover_color=ctk.ThemeManager.theme["CTkButton"]["hover_color"], border_width=0)
        self.subtitle.configure(text=f"Editing '{outcome.connection.name}'")
        self.set_tenants(outcome.tenants)
        if hasattr(self.master, "refresh"):  # the list behind shows the new connection already
            self.master.refresh()
