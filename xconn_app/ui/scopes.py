"""Choosing what a connection may do in Xero: a preset ("Invoice capture", "Read-only lookups") or
Custom, where every scope has its own line saying what it allows; old broad scopes are flagged with
the dates they stop working (core/scopes.py). A change of scopes means authorizing again."""

from __future__ import annotations

from collections.abc import Callable

import customtkinter as ctk

from ..core import scopes as catalogue
from ..core.model import BASE_SCOPES
from .dialogs import Modal
from .widgets.keys import Button, Check, Choice
from .widgets.label import Text
from .widgets.theme import GAP, MUTED_TEXT, PAD, WARN_TEXT, header_font, scaled, small_font

CUSTOM_LABEL = "Custom…"
PRESET_LABELS = [*catalogue.PRESETS, CUSTOM_LABEL]


class ScopesRow:
    """The Scopes line of the Connection Definition: a preset menu; Custom… opens the full list."""

    def __init__(self, master, row: int, on_change: Callable[[], None]):
        self.on_change = on_change
        self.scopes: list[str] = list(catalogue.PRESETS[catalogue.DEFAULT_PRESET])
        self.saved: list[str] | None = None
        Text(master, "Scopes").grid(row=row, column=0, sticky="w", padx=(0, GAP * 2), pady=(GAP, 0))
        self.choice = Choice(
            master,
            values=PRESET_LABELS,
            width=200,
            dynamic_resizing=False,
            command=self._picked,
            tooltip="What the connection may do in Xero. Changing it means authorizing again.",
        )
        self.choice.set(catalogue.DEFAULT_PRESET)
        self.choice.grid(row=row, column=1, sticky="w", pady=(GAP, 0))
        self.summary = Text(master, "", colour=MUTED_TEXT, size=12, wrap=400)
        self.summary.grid(row=row + 1, column=1, columnspan=2, sticky="new")
        master.grid_rowconfigure(row + 1, minsize=scaled(master, 16))
        self.dialog: ScopesDialog | None = None
        self._describe()

    def set(self, scopes: list[str], *, saved: bool = False) -> None:
        self.scopes = list(scopes)
        if saved:
            self.saved = list(scopes)
        preset = catalogue.preset_of(self.scopes)
        self.choice.set(CUSTOM_LABEL if preset == catalogue.CUSTOM else preset)
        self._describe()

    def get(self) -> list[str]:
        return list(self.scopes)

    @property
    def changed(self) -> bool:
        return self.saved is not None and set(self.saved) != set(self.scopes)

    def enable(self, on: bool) -> None:
        self.choice.configure(state="normal" if on else "disabled")

    def _picked(self, label: str) -> None:
        if label == CUSTOM_LABEL:
            self.open_custom()
            return
        self.scopes = list(catalogue.PRESETS[label])
        self._describe()
        self.on_change()

    def open_custom(self) -> ScopesDialog:
        self.dialog = ScopesDialog(self.choice, self.scopes, self._custom_done)
        return self.dialog

    def _custom_done(self, scopes: list[str] | None) -> None:
        self.dialog = None
        if scopes is not None:
            self.scopes = scopes
        self.set(self.scopes)
        self.on_change()

    def _describe(self) -> None:
        note = catalogue.deprecation_note(self.scopes)
        if note:
            self.summary.show(note, WARN_TEXT)
        elif self.changed:
            self.summary.show("A change of scopes means authorizing again (and everyone using it too).", WARN_TEXT)
        else:
            shown = [s for s in self.scopes if s not in BASE_SCOPES]
            self.summary.show("May use: " + (", ".join(shown) if shown else "sign-in only"), MUTED_TEXT)


class ScopesDialog(Modal):
    """Custom scopes: one line per scope with what it allows; the old broad ones flagged with dates."""

    def __init__(self, master, scopes: list[str], on_done: Callable[[list[str] | None], None]):
        super().__init__(master, "Scopes", resizable=True)
        self.on_done = on_done
        self.answered = False
        chosen = set(scopes)
        ctk.CTkLabel(self, text="What this connection may do in Xero", font=header_font(), anchor="w").pack(
            fill="x", padx=PAD * 2, pady=(PAD * 2, 0)
        )
        ctk.CTkLabel(
            self,
            text=f"Sign-in and staying connected ({', '.join(BASE_SCOPES)}) are always included. "
            "A change of scopes means authorizing again.",
            text_color=MUTED_TEXT,
            anchor="w",
            justify="left",
            wraplength=560,
        ).pack(fill="x", padx=PAD * 2, pady=(GAP, GAP))
        self.list = ctk.CTkScrollableFrame(self, width=600, height=300)
        self.list.pack(fill="both", expand=True, padx=PAD * 2)
        self.list.grid_columnconfigure(1, weight=1)
        self.checks: dict[str, Check] = {}
        for i, scope in enumerate(catalogue.CATALOGUE):
            box = Check(self.list, text=scope.name, width=300)
            if scope.name in chosen:
                box.select()
            box.grid(row=i, column=0, sticky="w", pady=2)
            says = scope.says
            if scope.deprecated:
                says += (
                    f" — apps created on or after {catalogue.GRANULAR_FROM} cannot use it; older apps "
                    f"until {catalogue.BROAD_UNTIL}"
                )
            ctk.CTkLabel(
                self.list,
                text=says,
                anchor="w",
                justify="left",
                font=small_font(),
                text_color=WARN_TEXT if scope.deprecated else MUTED_TEXT,
                wraplength=300,
            ).grid(row=i, column=1, sticky="w", padx=(GAP, 0))
            self.checks[scope.name] = box
        self.extra = [s for s in scopes if s not in self.checks and s not in BASE_SCOPES]
        row = ctk.CTkFrame(self, fg_color="transparent")
        row.pack(fill="x", padx=PAD * 2, pady=PAD * 2)
        self.cancel_button = Button(row, "Cancel", kind="secondary", width=96, command=self.escape)
        self.cancel_button.pack(side="right")
        self.ok_button = Button(row, "Use these", width=110, command=self.accept)
        self.ok_button.pack(side="right", padx=(0, GAP))
        self.set_tab_order(lambda: [*self.checks.values(), self.ok_button, self.cancel_button])
        self.show()

    def chosen(self) -> list[str]:
        return [*BASE_SCOPES, *(n for n, box in self.checks.items() if box.get()), *self.extra]

    def enter(self) -> None:
        self.accept()

    def accept(self) -> None:
        self._finish(self.chosen())

    def escape(self) -> None:
        self._finish(None)

    def _finish(self, scopes: list[str] | None) -> None:
        if self.answered:
            return
        self.answered = True
        self.close()
        self.on_done(scopes)
