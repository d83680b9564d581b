"""The status bar: where the connection list lives (and why), and the daily keep-alive's state.

Nothing alarming on a first start: the keep-alive is mentioned only once this user has authorized
a connection (before that there is nothing to keep alive).
"""

from __future__ import annotations

import logging

import customtkinter as ctk

from .background import run_in_background
from .widgets.theme import MUTED_TEXT, PAD, WARN_TEXT, small_font
from .widgets.tooltip import Tooltip

log = logging.getLogger("xconn.ui")

STALE_DAYS = 3  # as core.diagnostics: no keep-alive run for 3 days needs attention


def keepalive_words(state, last: dict | None, authorized: int, at: float | None = None) -> tuple[str, str, bool]:
    """(status bar text, tooltip, needs attention) for the keep-alive."""
    from ..core.keepalive import OFF
    from ..core.model import iso, now

    if not authorized:
        return "", "", False
    if state.code == OFF:
        return ("Daily keep-alive is off for you", f"{state.text} Diagnose has a button to turn it on.", True)
    ran_at = (last or {}).get("at")
    ran_at = ran_at if isinstance(ran_at, int | float) and ran_at else None
    stale = ran_at is not None and (at or now()) - ran_at > STALE_DAYS * 86400
    text = "Daily keep-alive on" + (f" · last ran {iso(ran_at)}" if ran_at else " · not run yet")
    return text, " ".join(x for x in (state.text, state.limit) if x), stale


class StatusBar(ctk.CTkFrame):
    def __init__(self, master):
        super().__init__(master, fg_color=("gray86", "gray17"), corner_radius=0, height=34)
        self.left = self.right = None
        self._left_tip = self._right_tip = ""

    def build(self) -> None:
        """The two labels (after the first paint)."""
        self.left = ctk.CTkLabel(self, text="", text_color=MUTED_TEXT, anchor="w", font=small_font())
        self.left.pack(side="left", fill="x", expand=True, padx=PAD + 4, pady=3)
        self.right = ctk.CTkLabel(self, text="", text_color=MUTED_TEXT, anchor="e", font=small_font())
        self.right.pack(side="right", padx=PAD + 4, pady=3)
        Tooltip(self.left, lambda: self._left_tip)
        Tooltip(self.right, lambda: self._right_tip)

    def show_location(self, location) -> None:
        from ..core.text import visible

        self.left.configure(text=f"Connection list: {visible(location.path)}  ({location.scope})")
        self._left_tip = visible(location.reason)

    def show_keepalive(self, service, authorized: int) -> None:
        """Read the keep-alive's state off the Tk thread into the right side."""

        def work():
            return service.keepalive.state(), service.keepalive_last_run()

        def done(loaded) -> None:
            state, last = loaded
            text, tip, attention = keepalive_words(state, last, authorized)
            self.right.configure(text=text, text_color=WARN_TEXT if attention else MUTED_TEXT)
            self._right_tip = tip

        def failed(exc) -> None:  # the status bar is no place for an error box; Diagnose reports it
            log.warning("could not read the keep-alive's state: %s", exc)
            self.right.configure(text="")

        run_in_background(self, work, done, failed)

    @property
    def keepalive_text(self) -> str:
        return self.right.cget("text") if self.right is not None else ""

    @property
    def location_text(self) -> str:
        return self.left.cget("text") if self.left is not None else ""
