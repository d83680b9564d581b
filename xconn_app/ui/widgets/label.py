"""A plain text label, cheaper than customtkinter's.

A CTkLabel is a canvas with a rounded rectangle and a label on it (~1 ms to build and draw); the
Connection Definition has over a dozen lines of plain text and opened in more than 100 ms. ``Text``
is one tk.Label with customtkinter's colours (light/dark, following the appearance), its font scaled
like customtkinter's, on its parent's background. For text on a coloured, rounded background keep
CTkLabel.
"""

from __future__ import annotations

import contextlib
import tkinter as tk
from typing import Any, Literal

from . import ctk_adapter as inner
from .theme import TEXT, font_family, pick


def background_of(widget: Any) -> Any:
    """The colour a widget's children stand on: the first ancestor's fg_color that is not transparent."""
    while widget is not None:
        try:
            colour = widget.cget("fg_color")
        except (tk.TclError, ValueError, AttributeError):
            colour = None
        if colour and colour != "transparent":
            return colour
        widget = getattr(widget, "master", None)
    return inner.theme("CTkToplevel", "fg_color")


class Text(tk.Label):
    """``Text(master, "words", colour=MUTED_TEXT, size=12, weight="bold", wrap=400)`` (sizes unscaled)."""

    def __init__(
        self,
        master,
        text: str = "",
        *,
        colour=TEXT,
        size: int = 13,
        weight: str = "normal",
        wrap: int = 0,
        anchor: Literal["nw", "w"] = "w",
        justify: Literal["left", "center"] = "left",
    ):
        self._scale = inner.scaling(master)
        self._colour = colour
        self._bg = background_of(master)
        super().__init__(
            master,
            text=text,
            anchor=anchor,
            justify=justify,
            borderwidth=0,
            padx=0,
            pady=0,
            highlightthickness=0,
            font=(font_family(), -round(size * self._scale), weight),
            wraplength=round(wrap * self._scale),
        )
        self._paint()
        inner.on_appearance_change(self._mode_changed, self)
        self.bind("<Destroy>", self._destroyed, add="+")

    def _paint(self) -> None:
        self.configure(fg=pick(self._colour), bg=pick(self._bg))

    def _mode_changed(self, _mode: str) -> None:
        with contextlib.suppress(tk.TclError):
            self._paint()

    def _destroyed(self, event) -> None:
        if event.widget is self:
            inner.forget_appearance_change(self._mode_changed)

    def show(self, text: str, colour=None) -> None:
        """New words (and colour)."""
        if colour is not None:
            self._colour = colour
        self.configure(text=text, fg=pick(self._colour))

    def set_wrap(self, wrap: int) -> None:
        self.configure(wraplength=round(wrap * self._scale))

    @property
    def text(self) -> str:
        return str(self.cget("text"))
