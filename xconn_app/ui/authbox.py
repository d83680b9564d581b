"""The Authorize box of the Connection Definition: it only renders core.authflow's FlowView.

One button does Authorize / Stop waiting / Authorize again / Try again; the headline (countdown,
"✓ Connected to Xero as …"), the detail, Copy link, a refused stranger's request, and the paste
fallback. Success is shown here, inside the dialog: no message box the browser could hide.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import customtkinter as ctk

from ..core.authflow import FlowView, Phase
from ..core.text import visible
from .dialogs import tone_colour
from .widgets.keys import Button, Entry, press
from .widgets.label import Text
from .widgets.theme import BOX_BG, DANGER, GAP, PAD, TEXT, scaled

TEXT_WIDTH = 360  # the headline and detail wrap at this width (the box keeps its size)


@dataclass(frozen=True)
class Idle:
    """What the box says before anything happened in this dialog (from the connection's status)."""

    headline: str
    detail: str = ""
    tone: str = "muted"
    label: str = "Authorize"
    urgent: bool = False  # a red button: Xero no longer accepts the authorization


class AuthBox(ctk.CTkFrame):
    def __init__(
        self, master, *, on_authorize: Callable[[], None], on_copy: Callable[[], None], on_finish: Callable[[], None]
    ):
        super().__init__(master, fg_color=BOX_BG, corner_radius=8)
        self.grid_columnconfigure(1, weight=1)
        self.authorize_button = Button(
            self,
            "Authorize",
            width=132,
            command=on_authorize,
            tooltip="Open Xero's sign-in page in the browser (Enter)",
        )
        self.authorize_button.grid(row=0, column=0, sticky="nw", padx=PAD, pady=(PAD, 0))
        self.headline = Text(self, "", size=14, weight="bold", wrap=TEXT_WIDTH)
        self.headline.grid(row=0, column=1, sticky="ew", pady=(PAD, 0), padx=(0, PAD))
        self.detail = Text(self, "", size=12, anchor="nw", wrap=TEXT_WIDTH)
        self.detail.grid(row=1, column=1, sticky="new", pady=(0, GAP), padx=(0, PAD))
        self.grid_rowconfigure(1, minsize=scaled(self, 44))
        self.grid_columnconfigure(1, minsize=scaled(self, TEXT_WIDTH))
        self.copy_link_button = Button(
            self,
            "Copy link",
            kind="secondary",
            width=132,
            command=on_copy,
            tooltip="Copy Xero's sign-in address, to open it in another browser",
        )
        self.refused = Text(self, "", size=12, colour=tone_colour("error"), wrap=500)
        self.paste_frame = ctk.CTkFrame(self, fg_color="transparent")
        self.paste_frame.grid_columnconfigure(0, weight=1)
        self.paste_label = Text(
            self.paste_frame, "Browser could not reach xconn? Paste the address it ended on:", size=12, wrap=520
        )
        self.paste_label.grid(row=0, column=0, columnspan=2, sticky="w")
        self.paste_entry = Entry(self.paste_frame, placeholder_text="http://localhost:…/callback?code=…&state=…")
        self.paste_entry.grid(row=1, column=0, sticky="ew", pady=(2, 0))
        self.paste_entry.bind("<Return>", press(on_finish))
        self.paste_entry.bind("<KP_Enter>", press(on_finish))
        self.finish_button = Button(
            self.paste_frame,
            "Finish",
            width=80,
            command=on_finish,
            tooltip="Finish the sign-in with the pasted address",
        )
        self.finish_button.grid(row=1, column=1, padx=(GAP, 0), pady=(2, 0))
        self.paste_frame.grid(row=3, column=0, columnspan=2, sticky="ew", padx=PAD, pady=(0, PAD))
        self.grid_rowconfigure(3, minsize=scaled(self, 52))  # kept while hidden: the box does not jump
        self.view = FlowView()

    def render(self, view: FlowView, idle: Idle) -> None:
        self.view = view
        if view.phase is Phase.IDLE or (view.phase is Phase.CANCELLED and not view.authorized):
            headline, detail, tone = idle.headline, idle.detail, idle.tone
            if view.phase is Phase.CANCELLED:
                headline, detail, tone = view.headline, idle.headline, "muted"
        else:
            headline, detail, tone = view.headline, view.detail, view.tone
            if view.phase is Phase.CHOOSING and view.authorized:
                detail = (detail + " You can close the browser tab.").strip()
        headline, detail = visible(headline), visible(detail)
        self.headline.show(headline, tone_colour(tone) if tone != "busy" else TEXT)
        self.detail.show(detail, tone_colour("error" if tone == "error" else "muted"))
        self._button(view, idle)
        self._show(self.copy_link_button, bool(view.url), row=1, column=0, sticky="nw", padx=PAD, pady=(GAP, GAP))
        if view.refused_note:
            self.refused.show(visible(view.refused_note))
            self.refused.grid(row=2, column=0, columnspan=2, sticky="ew", padx=PAD, pady=(0, GAP))
        else:
            self.refused.grid_remove()
        if view.paste:
            self.paste_frame.grid()
            self.finish_button.set_enabled(view.phase is not Phase.EXCHANGING)
        else:
            self.paste_frame.grid_remove()

    def _button(self, view: FlowView, idle: Idle) -> None:
        b = self.authorize_button
        phase = view.phase
        if phase in (Phase.CHECKING, Phase.WAITING):
            text, red, enabled = "Stop waiting", False, True
        elif phase is Phase.EXCHANGING:
            text, red, enabled = "Stop waiting", False, False
        elif phase is Phase.FAILED:
            text, red, enabled = "Try again", idle.urgent and not view.authorized, True
        elif view.authorized:
            text, red, enabled = "Authorize again", False, True
        else:
            text, red, enabled = idle.label, idle.urgent, True
        fill = DANGER if red else ctk.ThemeManager.theme["CTkButton"]["fg_color"]
        b.configure(text=text, fg_color=fill)
        b.set_enabled(enabled)

    @staticmethod
    def _show(widget, on: bool, **grid) -> None:
        if on:
            widget.grid(**grid)
        else:
            widget.grid_remove()

    @property
    def text(self) -> str:
        """Headline and detail, as read on screen (tests)."""
        return f"{self.headline.cget('text')}\n{self.detail.cget('text')}".strip()
