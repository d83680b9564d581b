"""Hover texts: what a button does and its shortcut, or the whole text of a shortened table cell.

The tip is a label placed inside the window (never a window of its own: every xconn window is a
dialogs.Modal), shown after a short pause under the pointer's widget and kept inside the window.
"""

from __future__ import annotations

import contextlib
import tkinter as tk
from collections.abc import Callable

from .theme import pick, scaled

DELAY_MS = 450
BG = ("#FFFDE7", "#2B2B2B")
FG = ("gray10", "gray92")
BORDER = ("gray60", "gray45")


class TipLabel:
    """The window's one tip label (made when first needed)."""

    def __init__(self, toplevel):
        self.toplevel = toplevel
        self.label = tk.Label(
            toplevel,
            text="",
            justify="left",
            padx=6,
            pady=3,
            borderwidth=1,
            relief="solid",
            wraplength=scaled(toplevel, 420),
        )
        self.showing_for = None

    def show(self, widget, text: str, x: int | None = None, y: int | None = None) -> None:
        top = self.toplevel
        self.label.configure(text=text, bg=pick(BG), fg=pick(FG), highlightbackground=pick(BORDER))
        self.label.update_idletasks()
        w, h = self.label.winfo_reqwidth(), self.label.winfo_reqheight()
        if x is None or y is None:
            x = widget.winfo_rootx() - top.winfo_rootx()
            y = widget.winfo_rooty() - top.winfo_rooty() + widget.winfo_height() + 4
        x = max(2, min(x, top.winfo_width() - w - 2))
        if y + h > top.winfo_height() - 2:  # no room below: above the widget
            y = max(2, widget.winfo_rooty() - top.winfo_rooty() - h - 4)
        self.label.place(x=x, y=y)
        self.label.lift()
        self.showing_for = widget

    def hide(self) -> None:
        self.label.place_forget()
        self.showing_for = None

    @property
    def text(self) -> str:
        return self.label.cget("text") if self.label.winfo_manager() else ""


def tip_label(widget) -> TipLabel:
    from .perwindow import forget, one_per

    top = widget.winfo_toplevel()
    tip = one_per(top, "tip", lambda: TipLabel(top))
    if not tip.label.winfo_exists():
        forget(top, "tip")
        tip = one_per(top, "tip", lambda: TipLabel(top))
    return tip


class Tooltip:
    """``Tooltip(widget, "Add a connection (Ctrl+N)")``; ``text`` may be a callable (asked each time)."""

    def __init__(self, widget, text: str | Callable[[], str]):
        self.widget = widget
        self.text = text
        self._job = None
        for sequence, handler in (("<Enter>", self._enter), ("<Leave>", self._leave), ("<ButtonPress>", self._leave)):
            widget.bind(sequence, handler, add="+")

    def current_text(self) -> str:
        return self.text() if callable(self.text) else self.text

    def _enter(self, _event=None) -> None:
        self._cancel()
        self._job = self.widget.after(DELAY_MS, self.show)

    def _leave(self, _event=None) -> None:
        self._cancel()
        tip = tip_label(self.widget)
        if tip.showing_for is self.widget:
            tip.hide()

    def _cancel(self) -> None:
        if self._job is not None:
            with contextlib.suppress(tk.TclError):
                self.widget.after_cancel(self._job)
            self._job = None

    def show(self) -> None:
        self._job = None
        text = self.current_text()
        if text and self.widget.winfo_exists() and self.widget.winfo_viewable():
            tip_label(self.widget).show(self.widget, text)
