"""Connection Definition: name, Client ID, Application URL, scopes, Authorize, Tenant, Save.

The Authorize part is core.authflow's state machine; this dialog renders its FlowView (authbox.py),
asks core.authflow.save_rule / next_step what Save and Enter do, and runs every blocking call
through ``run_in_background`` (the flow's runner). Enter does the next step (Authorize, then Save),
Escape asks first while waiting for Xero or while a new authorization is not saved.
"""

from __future__ import annotations

import customtkinter as ctk

from ..core import validate
from ..core.authflow import AuthFlow, FlowView, Phase, SaveRule, XeroCheck, next_step, save_rule
from ..core.errors import InvalidInput
from ..core.model import Status, Tenant, current_user, new_id
from ..core.settings import PRECHECK_DELAY_MS
from ..core.text import visible
from .attention import bring_to_front
from .authbox import AuthBox, Idle
from .background import run_in_background, runner
from .dialogs import Modal, tone_colour
from .scopes import ScopesRow
from .widgets.fields import Field
from .widgets.keys import Button, Choice, focus
from .widgets.label import Text
from .widgets.theme import GAP, MUTED_TEXT, NOTE_BG, NOTE_TEXT, PAD, scaled

FIRST = (
    "Log in to Xero in your web browser first (two-step prompt included), then press Authorize and Allow "
    "access on Xero's page."
)
CHOOSE = "Choose an organisation…"
NONE_YET = "Authorize first"
FIELD_WIDTH = 400


class DefinitionDialog(Modal):
    """Add (key None) or edit a connection. ``row``: the table's ConnectionRow (no disk read to open);
    ``reauthorize``: start the wait at once (the one-click Re-authorize)."""

    def __init__(
        self,
        master,
        service,
        key=None,
        *,
        dialogs,
        row=None,
        may_change: bool = True,
        on_saved=None,
        reauthorize: bool = False,
    ):
        super().__init__(master, "Connection Definition")
        self.service, self.key, self.dialogs, self.on_saved = service, key, dialogs, on_saved
        self.row = row
        self.connection = row.connection if row is not None else None
        self.may_change = may_change
        self.draft_id = None if key else new_id()  # every attempt in Add authorizes under this one id
        self.tenants: list[Tenant] = []
        self.saving = False
        self._tick_job = None
        self._check_job = None
        self._last_phase = Phase.IDLE
        self.flow = AuthFlow(service, runner(self), self._flow_changed)
        self.xero_check = XeroCheck(service, runner(self), self._check_changed)
        self.flow.known_verdict = self.xero_check.known
        self.ready = False  # built to the end (the second half comes on the event loop's next turn)
        # Built and drawn in three turns of the event loop (fields; the rest; showing it): in one go
        # the first dialog of a session held Tk for ~120 ms.
        self._build_fields()
        if self.connection is not None:
            self._fill(self.connection)
        self.after(0, self._build_rest, reauthorize)

    def _build_rest(self, reauthorize: bool) -> None:
        if self.closed:
            return
        self._build_authorize()
        self.set_tab_order(self._tab_items)
        if self.connection is not None and self.connection.tenant_id:
            name = visible(self.connection.tenant_name) or self.connection.tenant_id
            self.tenant_menu.configure(values=[name])
            self.tenant_menu.set(name)
        self.ready = True
        self._render()
        first = self.name_field.entry if self.may_change else self.authbox.authorize_button
        self.after(0, self._show_first, first)
        if reauthorize:
            self.after(1, self.authorize)
        elif self.connection is not None and self.may_change and self._authorized_before():
            key, service = self.key, self.service
            run_in_background(self, lambda: service.tenants(key), self._tenants_loaded, lambda _e: None)

    # -- layout -----------------------------------------------------------------------------------------
    def _show_first(self, first) -> None:
        if not self.closed:
            self.show(first)

    def _build_fields(self) -> None:
        form = self.form = ctk.CTkFrame(self, fg_color="transparent")
        form.pack(fill="both", expand=True, padx=PAD * 2, pady=(PAD * 2, 0))
        form.grid_columnconfigure(1, weight=1)
        Text(form, "Connection Definition", size=18, weight="bold").grid(row=0, column=0, columnspan=3, sticky="w")
        c = self.connection
        self.subtitle = Text(
            form,
            f"Editing '{visible(c.name)}'" if c else "A new connection to one Xero organisation",
            colour=MUTED_TEXT,
        )
        self.subtitle.grid(row=1, column=0, columnspan=3, sticky="w", pady=(2, GAP // 2))
        if not self.may_change:
            ctk.CTkLabel(
                form,
                text="Only list administrators change this definition; you can authorize it for yourself.",
                fg_color=NOTE_BG,
                text_color=NOTE_TEXT,
                corner_radius=6,
                anchor="w",
                justify="left",
                wraplength=560,
            ).grid(row=2, column=0, columnspan=3, sticky="ew", pady=(GAP, 0), ipadx=GAP)
        self.name_field = Field(
            form,
            3,
            "Display name",
            validate.name,
            placeholder="e.g. Head office",
            width=FIELD_WIDTH,
            on_change=self._changed,
        )
        self.client_field = Field(
            form,
            5,
            "Xero Client ID",
            validate.client_id,
            width=FIELD_WIDTH,
            placeholder="32 letters and digits from developer.xero.com",
            on_change=self._changed,
        )
        self.url_field = Field(
            form,
            7,
            "Application URL & port",
            validate.redirect_url,
            width=FIELD_WIDTH,
            placeholder="http://localhost:5000/callback",
            on_change=self._changed,
            tooltip="The Redirect URI of your app at developer.xero.com, exactly",
        )
        self.check_line = Text(form, "", size=12, wrap=FIELD_WIDTH)
        self.check_line.grid(row=9, column=1, columnspan=2, sticky="new")
        form.grid_rowconfigure(9, minsize=scaled(self, 18))
        self.scopes = ScopesRow(form, 10, self._changed)

    def _build_authorize(self) -> None:
        form = self.form
        self.authbox = AuthBox(form, on_authorize=self.authorize, on_copy=self.copy_link, on_finish=self.finish)
        self.authbox.grid(row=13, column=0, columnspan=3, sticky="ew", pady=(GAP, 0))
        Text(form, "Tenant").grid(row=14, column=0, sticky="w", padx=(0, GAP * 2), pady=(PAD, 0))
        self.tenant_menu = Choice(
            form,
            values=[NONE_YET],
            width=FIELD_WIDTH,
            dynamic_resizing=False,
            command=lambda _v: self._render(),
            state="disabled",
            tooltip="The Xero organisation this connection sends documents to",
        )
        self.tenant_menu.set(NONE_YET)
        self.tenant_menu.grid(row=14, column=1, columnspan=2, sticky="ew", pady=(PAD, 0))
        self.tenant_note = Text(form, "", size=12, anchor="nw", wrap=FIELD_WIDTH)
        self.tenant_note.grid(row=15, column=1, columnspan=2, sticky="new")
        form.grid_rowconfigure(15, minsize=scaled(self, 18))

        bar = ctk.CTkFrame(self, fg_color="transparent")
        bar.pack(fill="x", padx=PAD * 2, pady=(GAP, PAD * 2))
        bar.grid_columnconfigure(0, weight=1)
        self.reason = Text(bar, "", size=12, wrap=300)
        self.reason.grid(row=0, column=0, sticky="w")
        self.save_button = Button(bar, "Save", width=120, command=self.save)
        self.save_button.grid(row=0, column=1, padx=(GAP, 0))
        self.cancel_button = Button(
            bar, "Cancel", kind="secondary", width=96, command=self.cancel, tooltip="Close without saving (Escape)"
        )
        self.cancel_button.grid(row=0, column=2, padx=(GAP, 0))

    def _tab_items(self):
        box = self.authbox
        return [
            self.name_field.entry,
            self.client_field.entry,
            self.url_field.entry,
            self.scopes.choice,
            box.authorize_button,
            box.copy_link_button,
            box.paste_entry,
            box.finish_button,
            self.tenant_menu,
            self.save_button,
            self.cancel_button,
        ]

    def _fill(self, conn) -> None:
        self.name_field.set(visible(conn.name))
        self.client_field.set(conn.client_id)
        self.url_field.set(conn.redirect_url)
        self.scopes.set(conn.scopes, saved=True)
        for field in (self.name_field, self.client_field, self.url_field):
            field.enable(self.may_change)
        self.scopes.enable(self.may_change)

    # -- what the person typed ------------------------------------------------------------------------
    def values(self) -> dict:
        values = {
            "name": self.name_field.get().strip(),
            "client_id": self.client_field.get().strip(),
            "redirect_url": self.url_field.get().strip(),
            "scopes": self.scopes.get(),
        }
        if self.draft_id:
            values["connection_id"] = self.draft_id
        return values

    def fields_valid(self) -> bool:
        try:
            validate.scopes(self.scopes.get())
        except InvalidInput:
            return False
        return all(f.valid for f in (self.name_field, self.client_field, self.url_field))

    def _require_fields(self) -> bool:
        """Show every problem (empty fields too); focus the first field that has one."""
        fields = (self.name_field, self.client_field, self.url_field)
        results = [f.require() for f in fields]
        for ok, f in zip(results, fields, strict=True):
            if not ok:
                focus(f.entry)
                return False
        return self.fields_valid()

    def dirty(self) -> bool:
        """Would Save change the definition (fields, scopes or organisation)?"""
        c = self.connection
        if c is None:
            return True
        v = self.values()
        chosen = self.chosen_tenant()
        return (
            v["name"] != visible(c.name)
            or v["client_id"] != c.client_id
            or v["redirect_url"] != c.redirect_url
            or set(v["scopes"]) != set(c.scopes)
            or (chosen is not None and chosen.tenant_id != c.tenant_id)
        )

    def _changed(self) -> None:
        """A field or the scopes changed: ask Xero about them once typing stops; Save's rule again."""
        token = self.xero_check.changed()
        if self._check_job is not None:
            self.after_cancel(self._check_job)
        self._check_job = self.after(PRECHECK_DELAY_MS, lambda: self._fire_check(token))
        if not self.fields_valid():
            self.check_line.show("")
        self._render()

    def _fire_check(self, token: int) -> None:
        self._check_job = None
        self.xero_check.fire(token, self.values() if self.fields_valid() else None)

    def _check_changed(self, text: str, tone: str) -> None:
        self.check_line.show(visible(text), tone_colour(tone))

    # -- rendering ------------------------------------------------------------------------------------
    def _authorized_before(self) -> bool:
        row = self.row
        return (
            row is not None
            and row.grant is not None
            and row.status not in (Status.NOT_AUTHORIZED, Status.NEEDS_REAUTHORIZATION)
        )

    def idle(self) -> Idle:
        row, user = self.row, current_user()
        if row is None:
            return Idle("Not authorized yet.", FIRST)
        status, text = row.status, visible(row.status_text)
        if status is Status.NEEDS_REAUTHORIZATION:
            why = (
                visible(row.grant.reason)
                if row.grant and row.grant.reason
                else "it expired after 60 days unused or was revoked"
            )
            return Idle(
                f"Xero no longer accepts the authorization for {user}.",
                f"Why: {why}. Log in to Xero in your browser, press Re-authorize, then Allow access.",
                "error",
                "Re-authorize",
                True,
            )
        if status is Status.CANT_REACH:
            return Idle(
                f"{text} for {user}.",
                "Re-authorize and tick that organisation on Xero's page, or ask a "
                "list administrator to pick another one.",
                "error",
                "Re-authorize",
                True,
            )
        if status is Status.NOT_AUTHORIZED:
            headline = f"{text}." if "changed" in text else f"Not authorized for {user} yet."
            return Idle(headline, FIRST)
        if status is Status.NO_ORGANISATION:
            return Idle(
                f"Authorized for {user}; no organisation chosen.",
                "Choose one in the Tenant list, then Save.",
                "warn",
                "Authorize again",
            )
        return Idle(
            f"{text} for {user}.",
            "Authorize again only to change the organisations it can reach.",
            "ok",
            "Authorize again",
        )

    def rule(self) -> SaveRule:
        c = self.connection
        return save_rule(
            may_change=self.may_change,
            fields_valid=self.fields_valid(),
            view=self.flow.view,
            tenant_chosen=self.chosen_tenant() is not None,
            already_authorized=self._authorized_before(),
            has_saved_tenant=bool(c and c.tenant_id),
        )

    def _render(self) -> None:
        if self.closed or not self.ready:
            return
        view = self.flow.view
        self.authbox.render(view, self.idle())
        rule = self.rule()
        label = "Done" if rule.label == "Save" and self.key and not self.dirty() else rule.label
        self.save_button.configure(text=label)
        self.save_button.set_enabled(rule.enabled and not self.saving)
        reason, tone = rule.reason, "warn" if not rule.enabled else "muted"
        if not self.fields_valid() and self.may_change and not view.busy:
            wrong = [f.label.cget("text") for f in (self.name_field, self.client_field, self.url_field) if not f.valid]
            reason = f"Fill in or correct: {', '.join(wrong)}." if wrong else "Correct the scopes first."
        if rule.enabled and self.connection is not None and self._definition_changed() and not view.authorized:
            reason, tone = "Saving this change means everyone using it must authorize it again.", "warn"
        self.reason.show(
            reason if (not rule.enabled or rule.label != "Save" or tone == "warn") else "", tone_colour(tone)
        )
        self._render_tenant_note(view)

    def _definition_changed(self) -> bool:
        c, v = self.connection, self.values()
        if c is None:
            return False
        return v["client_id"] != c.client_id or v["redirect_url"] != c.redirect_url or set(v["scopes"]) != set(c.scopes)

    def _render_tenant_note(self, view: FlowView) -> None:
        n = len(self.tenants)
        if not self.may_change:
            text, tone = "Only list administrators choose the organisation.", "muted"
        elif view.authorized and not n:
            text, tone = "No organisation is connected: authorize again and tick one on Xero's page.", "error"
        elif n and self.chosen_tenant() is None:
            text, tone = f"Choose one of the {n} organisations.", "warn"
        elif n > 1:
            text, tone = f"{n} organisations can be used.", "muted"
        elif not n and not (self.connection and self.connection.tenant_id):
            text, tone = "The organisations appear here once it is authorized.", "muted"
        else:
            text, tone = "", "muted"
        self.tenant_note.show(text, tone_colour(tone))

    # -- the flow --------------------------------------------------------------------------------------
    def _flow_changed(self, view: FlowView) -> None:
        if self.closed:
            return
        if view.phase is Phase.WAITING and self._tick_job is None:
            self._tick_job = self.after(1000, self._tick)
        arrived = view.phase is Phase.CHOOSING and self._last_phase is not Phase.CHOOSING
        self._last_phase = view.phase
        if arrived and view.authorized:
            self._show_tenants(list(view.tenants), view.suggested)
            self._render()
            bring_to_front(self)
            self._focus_next_step()
            return
        self._render()

    def _tick(self) -> None:
        self._tick_job = None
        if self.closed or self.flow.view.phase is not Phase.WAITING:
            return
        self.flow.tick()
        self._tick_job = self.after(1000, self._tick)

    def _focus_next_step(self) -> None:
        if self.save_button.enabled:
            focus(self.save_button)
        elif self.tenants and self.may_change:
            focus(self.tenant_menu)
        else:
            focus(self.authbox.authorize_button)

    def _show_tenants(self, tenants: list[Tenant], suggested: Tenant | None) -> None:
        self.tenants = tenants
        names = self._tenant_names()
        if not names:
            self.tenant_menu.configure(values=["No organisation connected"], state="disabled")
            self.tenant_menu.set("No organisation connected")
            return
        self.tenant_menu.configure(values=names, state="normal" if self.may_change else "disabled")
        wanted = suggested.tenant_id if suggested else (self.connection.tenant_id if self.connection else "")
        chosen = [n for n, t in zip(names, tenants, strict=True) if t.tenant_id == wanted]
        self.tenant_menu.set(chosen[0] if chosen else CHOOSE)

    def _tenants_loaded(self, tenants) -> None:
        if self.flow.view.authorized or self.closed:
            return
        self._show_tenants(list(tenants), None)
        self._render()

    def _tenant_names(self) -> list[str]:
        names = [visible(t.tenant_name) for t in self.tenants]
        return [
            f"{n} ({t.tenant_id[:8]})" if names.count(n) > 1 else n for n, t in zip(names, self.tenants, strict=True)
        ]

    def chosen_tenant(self) -> Tenant | None:
        current = self.tenant_menu.get()
        return next((t for n, t in zip(self._tenant_names(), self.tenants, strict=True) if n == current), None)

    # -- buttons -----------------------------------------------------------------------------------------
    def authorize(self) -> None:
        """Authorize (or Stop waiting while waiting, Authorize again / Try again after)."""
        if self.flow.view.busy:
            self.flow.cancel()
            return
        if self.may_change and not self._require_fields():
            return
        if self.flow.unsaved_grant:  # a new attempt replaces this dialog's grant: put back what was there
            self.flow.discard(self._start)
        else:
            self._start()

    def _start(self) -> None:
        if not self.closed:
            self.flow.start(self.key, self.values())

    def copy_link(self) -> None:
        url = self.flow.view.url
        if not url:
            return
        self.clipboard_clear()
        self.clipboard_append(url)
        button = self.authbox.copy_link_button
        button.configure(text="Copied ✓")
        self.after(2000, lambda: button.winfo_exists() and button.configure(text="Copy link"))

    def finish(self) -> None:
        self.flow.paste(self.authbox.paste_entry.get())

    def enter(self) -> None:
        if not self.ready:
            return
        step = next_step(self.flow.view, self.rule())
        if step == "authorize":
            self.authorize()
        elif step == "save":
            self.save()
        else:
            self.bell()

    def save(self) -> None:
        if self.saving or (self.may_change and not self._require_fields()):
            return
        if not self.rule().enabled:
            self.bell()
            return
        service, key, values = self.service, self.key, self.values()
        outcome, tenant, dirty = self.flow.outcome, self.chosen_tenant(), self.dirty()
        may_change, saved_tenant = self.may_change, self.connection.tenant_id if self.connection else ""

        def work():
            if not may_change:
                if outcome is not None:
                    service.accept(outcome)
                return key
            if key is None:
                draft = values.pop("connection_id", None)
                return service.add(**values, tenant=tenant, connection_id=draft if outcome else None).id
            values.pop("connection_id", None)
            if dirty:
                service.edit(key, **values, tenant=tenant if tenant and tenant.tenant_id != saved_tenant else None)
            if outcome is not None:
                service.accept(outcome, tenant)
            return key

        self.saving = True
        self._render()
        run_in_background(self, work, self._saved, self._save_failed)

    def _saved(self, key) -> None:
        self.saving = False
        self.flow.saved()
        self.saved_key = key
        self.close()
        if self.on_saved:
            self.on_saved(key)

    def _save_failed(self, exc) -> None:
        self.saving = False
        self._render()
        self.dialogs.error(exc, parent=self)

    def cancel(self) -> None:
        """The Cancel button: stop waiting; in Add a new grant is removed, in Edit the person is asked."""
        self._leave(asked_by_escape=False)

    def escape(self) -> None:
        self._leave(asked_by_escape=True)

    def _leave(self, *, asked_by_escape: bool) -> None:
        view = self.flow.view
        if (
            view.busy
            and asked_by_escape
            and not self.dialogs.confirm(
                "Stop waiting for Xero?",
                "xconn is waiting for you to press Allow access in the browser. If you "
                "close this window now, Xero's page will not be able to reach xconn.",
                yes="Stop and close",
                no="Keep waiting",
                danger=True,
                parent=self,
            )
        ):
            return
        if view.busy:
            self.flow.cancel()
        if self.flow.unsaved_grant:
            if self.key is None:
                if asked_by_escape and not self.dialogs.confirm(
                    "Close without saving?",
                    "The new authorization is removed from this computer and no connection is added.",
                    yes="Close without saving",
                    no="Go back",
                    danger=True,
                    parent=self,
                ):
                    return
                self._discard_and_close()
                return
            answer = self.dialogs.choose(
                "Keep the new authorization?",
                f"You authorized '{visible(self.name_field.get())}' again but did "
                "not save. Keep it (the connection works for you with the new authorization), or discard it (what "
                "you had before is put back on this computer; nothing changes at Xero)?",
                ["Keep it", "Discard it", "Go back"],
                parent=self,
            )
            if answer in (None, "Go back"):
                return
            if answer == "Discard it":
                self._discard_and_close()
                return
            self.flow.saved()
            self._close_and_refresh()
            return
        self.close()

    def _discard_and_close(self) -> None:
        self.withdraw()
        self.flow.discard(self._close_and_refresh)

    def _close_and_refresh(self) -> None:
        self.close()
        if self.on_saved and self.key:
            self.on_saved(self.key)

    def close(self) -> None:
        if self._tick_job is not None:
            self.after_cancel(self._tick_job)
            self._tick_job = None
        if self._check_job is not None:
            self.after_cancel(self._check_job)
            self._check_job = None
        self.flow.close()
        super().close()
