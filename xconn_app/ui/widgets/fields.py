"""A labelled entry that validates as you type and shows the problem (or a tick) under it."""

from __future__ import annotations

import tkinter as tk

import customtkinter as ctk

from ...core.errors import InvalidInput
from .theme import ERROR_TEXT, GAP, OK_TEXT


class ValidatedField:
    """Label + entry in a grid row, message below; ``check`` is a core.validate function."""

    def __init__(self, master, row: int, label: str, check, *, placeholder: str = "", width: int = 380):
        self.check = check
        self.var = tk.StringVar(master)
        self.touched = False
        self.label = ctk.CTkLabel(master, text=label, anchor="w")
        self.label.grid(row=row, column=0, sticky="nw", padx=(0, GAP * 2), pady=(GAP, 0))
        self.entry = ctk.CTkEntry(master, textvariable=self.var, width=width, placeholder_text=placeholder)
        self.entry.grid(row=row, column=1, sticky="ew", pady=(GAP, 0))
        self.message = ctk.CTkLabel(master, text="", anchor="w", justify="left", wraplength=width,
                                    font=ctk.CTkFont(size=12), height=18)
        self.message.grid(row=row + 1, column=1, sticky="ew")
        self.var.trace_add("write", self._changed)

    def _changed(self, *_):
        self.touched = True
        self.validate()

    def set(self, value: str) -> None:
        self.var.set(value)
        self.touched = False
        self.validate(quiet_when_empty=True)

    def get(self) -> str:
        return self.var.get()

    def validate(self, *, quiet_when_empty: bool = False) -> bool:
        """Show the verdict; returns True when valid."""
        value = self.var.get()
        if quiet_when_empty and not value.strip():
            self.message.configure(text="")
            return False
        try:
            self.check(value)
        except InvalidInput as exc:
            text = exc.message + (f" {exc.next_step}" if exc.next_step else "")
            self.message.configure(text=text, text_color=ERROR_TEXT)
            self.entry.configure(border_color=ERROR_TEXT)
            return False
        self.message.configure(text="✓", text_color=OK_TEXT)
        self.entry.configure(border_color=ctk.ThemeManager.theme["CTkEntry"]["border_color"])
        return True

    @property
    def message_text(self) -> str:
        return self.message.cget("text")

    def enable(self, on: bool = True) -> None:
        self.entry.configure(state="normal" if on else "disabled")
