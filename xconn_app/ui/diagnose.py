"""Diagnose: every check of this computer with a mark, what it found, and what to do, where the fix
is a button instead of a command line: "Turn on daily keep-alive" (only when it is off for this
user), "Become a list administrator" and "Repair the shared folder" (the administrator's password
is asked by the system: core/elevate.py). Copy report gives the text for a support ticket."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import customtkinter as ctk

from ..core.diagnostics import ACTION_BECOME_ADMIN, ACTION_KEEPALIVE_ON, ACTION_SETUP_MACHINE
from ..core.text import visible
from .background import run_in_background
from .dialogs import Modal, describe
from .widgets.keys import Button
from .widgets.theme import ERROR_TEXT, GAP, MUTED_TEXT, OK_TEXT, PAD, WARN_TEXT, font, header_font, small_font
from .words import plain, plural

MARKS = {"PASS": ("✔", OK_TEXT), "WARN": ("!", WARN_TEXT), "FAIL": ("✘", ERROR_TEXT)}


def action_label(action: str, check) -> str:
    if action == ACTION_KEEPALIVE_ON:
        return "Turn on daily keep-alive"
    if action == ACTION_BECOME_ADMIN:
        return "Become a list administrator"
    if action == ACTION_SETUP_MACHINE:
        return "Set up the shared list" if "own list" in check.detail else "Repair the shared folder"
    return ""


class DiagnoseDialog(Modal):
    def __init__(self, master, service, *, dialogs, on_changed=None):
        super().__init__(master, "Diagnose", resizable=True)
        self.service, self.dialogs, self.on_changed = service, dialogs, on_changed
        self.checks = None
        self.report = ""
        self.action_buttons: list[Button] = []
        self.minsize(560, 360)
        self.grid_columnconfigure(0, weight=1)
        self.grid_rowconfigure(1, weight=1)
        ctk.CTkLabel(self, text="Diagnose xconn on this computer", font=header_font(), anchor="w").grid(
            row=0, column=0, sticky="ew", padx=PAD * 2, pady=(PAD * 2, GAP)
        )
        self.list = ctk.CTkScrollableFrame(self, width=660, height=380)
        self.list.grid(row=1, column=0, sticky="nsew", padx=PAD * 2)
        self.list.grid_columnconfigure(1, weight=1)
        row = ctk.CTkFrame(self, fg_color="transparent")
        row.grid(row=2, column=0, sticky="ew", padx=PAD * 2, pady=PAD * 2)
        row.grid_columnconfigure(0, weight=1)
        self.status = ctk.CTkLabel(row, text="Checking this computer…", text_color=MUTED_TEXT, anchor="w")
        self.status.grid(row=0, column=0, sticky="w")
        self.again_button = Button(row, "Check again", kind="secondary", width=110, command=self.run)
        self.again_button.grid(row=0, column=1, padx=(GAP, 0))
        self.copy_button = Button(
            row,
            "Copy report",
            kind="secondary",
            width=110,
            command=self.copy,
            tooltip="Copy the report, to paste into a message to support",
        )
        self.copy_button.grid(row=0, column=2, padx=(GAP, 0))
        self.close_button = Button(row, "Close", width=90, command=self.close)
        self.close_button.grid(row=0, column=3, padx=(GAP, 0))
        self.set_tab_order(lambda: [*self.action_buttons, self.again_button, self.copy_button, self.close_button])
        self.show(self.close_button)
        self.run()

    def run(self) -> None:
        service = self.service
        self.copy_button.set_enabled(False)
        self.again_button.set_enabled(False)
        self.status.configure(text="Checking this computer…", text_color=MUTED_TEXT)

        def work():
            checks = service.doctor()
            return checks, service.doctor_report(checks), service.role

        run_in_background(self, work, self._show_checks, self._failed)

    def _show_checks(self, loaded) -> None:
        self.checks, self.report, role = loaded
        for child in self.list.winfo_children():
            child.destroy()
        self.action_buttons = []
        width = 520  # customtkinter scales wraplength itself
        order = {"FAIL": 0, "WARN": 1, "PASS": 2}  # what needs doing first; the report keeps the checks' order
        for i, c in enumerate(sorted(self.checks, key=lambda check: order.get(check.mark, 0))):
            mark, colour = MARKS.get(c.mark, MARKS["FAIL"])
            ctk.CTkLabel(self.list, text=mark, text_color=colour, font=font(15, "bold"), width=24, height=20).grid(
                row=i, column=0, sticky="nw", pady=(GAP, 0)
            )
            cell = ctk.CTkFrame(self.list, fg_color="transparent")
            cell.grid(row=i, column=1, sticky="ew", pady=(GAP, 0), padx=(GAP, 0))
            ctk.CTkLabel(cell, text=visible(c.name), font=font(13, "bold"), anchor="w", height=20).pack(fill="x")
            ctk.CTkLabel(
                cell,
                height=16,
                text=plain(visible(c.detail)),
                anchor="w",
                justify="left",
                wraplength=width,
                text_color=MUTED_TEXT,
                font=small_font(),
            ).pack(fill="x")
            label = action_label(c.action, c)
            pending = c.action == ACTION_BECOME_ADMIN and role.pending
            if label and not pending and (c.mark != "PASS" or c.action == ACTION_BECOME_ADMIN):
                b = Button(cell, label, width=200, command=lambda a=c.action, ch=c: self.act(a, ch))
                b.pack(anchor="w", pady=(GAP // 2, 0))
                self.action_buttons.append(b)
            elif c.fix and c.mark != "PASS" and plain(c.fix):
                ctk.CTkLabel(
                    cell,
                    height=16,
                    text="→ " + plain(visible(c.fix)),
                    anchor="w",
                    justify="left",
                    wraplength=width,
                    font=small_font(),
                ).pack(fill="x")
        bad = sum(1 for c in self.checks if not c.ok)
        warn = sum(1 for c in self.checks if c.ok and c.warning)
        if bad:
            text, colour = f"{plural(bad, 'problem')} found.", ERROR_TEXT
        elif warn:
            text, colour = f"It works; {plural(warn, 'thing')} to look at.", WARN_TEXT
        else:
            text, colour = "Everything looks right.", OK_TEXT
        self.status.configure(text=text, text_color=colour)
        self.copy_button.set_enabled(True)
        self.again_button.set_enabled(True)

    def _failed(self, exc) -> None:
        title, text = describe(exc)
        self.status.configure(text=f"{title}: {text}", text_color=ERROR_TEXT)
        self.again_button.set_enabled(True)

    @property
    def text(self) -> str:
        """What the checks say, line by line (tests)."""

        def texts(widget):
            for child in widget.winfo_children():
                if isinstance(child, ctk.CTkLabel):
                    yield child.cget("text")
                elif isinstance(child, ctk.CTkButton):
                    yield f"[{child.cget('text')}]"
                else:
                    yield from texts(child)

        return "\n".join(texts(self.list))

    def copy(self) -> None:
        self.clipboard_clear()
        self.clipboard_append(self.report)
        self.status.configure(text="Report copied to the clipboard.", text_color=MUTED_TEXT)

    # -- the buttons ----------------------------------------------------------------------------------
    def act(self, action: str, check) -> None:
        work: Callable[[], Any]
        done: Callable[[Any], None]
        for b in self.action_buttons:
            b.set_enabled(False)
        service = self.service
        if action == ACTION_KEEPALIVE_ON:
            work, done = service.keepalive.turn_on, self._keepalive_on
        elif action == ACTION_BECOME_ADMIN:
            from ..core.elevate import run_setup_machine
            from ..core.model import current_user

            user = current_user()
            work, done = (lambda: run_setup_machine(user)), self._became_admin
        else:
            from ..core.elevate import run_setup_machine

            work, done = run_setup_machine, self._repaired
        self.status.configure(
            text="Working… (the system may ask for an administrator's password)", text_color=MUTED_TEXT
        )
        run_in_background(self, work, done, self._action_failed)

    def _keepalive_on(self, said: str) -> None:
        self.dialogs.success("Daily keep-alive is on", said, parent=self)
        self._changed()

    def _became_admin(self, result) -> None:
        if result.cancelled:
            self.status.configure(text="Nothing changed: the administrator's password was not given.")
        elif result.ok:
            self.dialogs.success(
                "You are a list administrator",
                "It takes effect after you sign out of this computer and back in.",
                parent=self,
            )
        else:
            self.dialogs.error(
                "Could not make you a list administrator",
                plain(result.output) or "setup-machine did not finish.",
                parent=self,
            )
        self._changed()

    def _repaired(self, result) -> None:
        if result.cancelled:
            self.status.configure(text="Nothing changed: the administrator's password was not given.")
        elif result.ok:
            self.dialogs.success(
                "The shared folder is ready",
                "Close xconn and open it again to use the shared connection list.",
                parent=self,
            )
        else:
            self.dialogs.error(
                "The shared folder could not be set up",
                plain(result.output) or "setup-machine did not finish.",
                parent=self,
            )
        self._changed()

    def _action_failed(self, exc) -> None:
        for b in self.action_buttons:
            b.set_enabled(True)
        self.dialogs.error(exc, parent=self)
        self.status.configure(text="")

    def _changed(self) -> None:
        if self.on_changed:
            self.on_changed()
        self.run()
