"""Keyboard behaviour, in one place (customtkinter has none: its buttons take no focus, Tab is missing).

- ``Button``, ``Choice``, ``Check``: customtkinter widgets whose inner canvas takes the focus once,
  with a visible ring while focused; Space and Enter press a button or tick a box; Up/Down change a
  choice, Space or Alt+Down drops its list down. One disabled look for all of them.
- ``Entry``: a customtkinter entry with the ring and the disabled look.
- ``TabOrder``: the explicit Tab / Shift+Tab order of a window (disabled and hidden widgets skipped).
- ``install_text_keys``: Ctrl+A selects all in every entry and text box of the application.

Views never bind Tab, Space, Enter or Ctrl+A themselves: a window gives its ``TabOrder`` and its
``Enter`` (next step) and ``Escape`` handlers to ``dialogs.Modal`` or the main window, which bind them here.
"""

from __future__ import annotations

import contextlib
import tkinter as tk
from collections.abc import Callable, Iterable
from tkinter import ttk
from typing import Any

import customtkinter as ctk

from . import ctk_adapter as inner
from .theme import (
    DANGER,
    DANGER_HOVER,
    DISABLED_BORDER,
    DISABLED_FILL,
    DISABLED_TEXT,
    RING,
    SECONDARY_BORDER,
    SECONDARY_HOVER,
    TEXT,
    pick,
)
from .tooltip import Tooltip

RING_WIDTH = 2
ENTER_KEYS = ("<Return>", "<KP_Enter>")


# -- focus rings ---------------------------------------------------------------------------------------
def _ring_on_canvas(canvas: tk.Canvas, on: bool) -> None:
    canvas.delete("xconn_ring")
    if not on:
        return
    w, h = canvas.winfo_width(), canvas.winfo_height()
    if w < 6 or h < 6:
        return
    r, i = min(7, h // 2 - 1), RING_WIDTH / 2
    x0, y0, x1, y1 = i, i, w - i - 1, h - i - 1
    points = [
        x0 + r,
        y0,
        x1 - r,
        y0,
        x1,
        y0,
        x1,
        y0 + r,
        x1,
        y1 - r,
        x1,
        y1,
        x1 - r,
        y1,
        x0 + r,
        y1,
        x0,
        y1,
        x0,
        y1 - r,
        x0,
        y0 + r,
        x0,
        y0,
    ]
    canvas.create_polygon(points, smooth=True, fill="", outline=pick(RING), width=RING_WIDTH, tags="xconn_ring")


class CanvasRing:
    """A ring drawn over a customtkinter canvas while it has the focus (redrawn when it resizes)."""

    def __init__(self, canvas: tk.Canvas):
        self.canvas = canvas
        self.focused = False
        canvas.bind("<FocusIn>", lambda _e: self.set(True), add="+")
        canvas.bind("<FocusOut>", lambda _e: self.set(False), add="+")
        canvas.bind("<Configure>", lambda _e: self.redraw(), add="+")

    def set(self, on: bool) -> None:
        self.focused = on
        self.redraw()

    def redraw(self) -> None:
        with contextlib.suppress(tk.TclError):  # destroyed meanwhile
            _ring_on_canvas(self.canvas, self.focused)


def border_ring(focus_widget: tk.Misc, owner: Any, normal: Callable[[], Any]) -> None:
    """Ring through a customtkinter widget's border colour (entries, text boxes, the table's frame)."""

    def focus(on: bool) -> None:
        with contextlib.suppress(tk.TclError):
            owner.configure(border_color=RING if on else normal())

    focus_widget.bind("<FocusIn>", lambda _e: focus(True), add="+")
    focus_widget.bind("<FocusOut>", lambda _e: focus(False), add="+")


def has_focus(widget) -> bool:
    try:
        return widget.focus_get() is focus_target(widget)
    except (KeyError, tk.TclError):
        return False


# -- widgets -------------------------------------------------------------------------------------------
class Button(ctk.CTkButton):
    """A focusable button. kind: "primary" (filled), "secondary" (outlined), "danger" (red), "quiet"."""

    def __init__(self, master, text: str = "", *, kind: str = "primary", tooltip: str | Callable[[], str] = "", **kw):
        self.kind = kind
        style: dict[str, Any] = {}
        if kind == "secondary":
            style = {
                "fg_color": "transparent",
                "border_width": 1,
                "border_color": SECONDARY_BORDER,
                "text_color": TEXT,
                "hover_color": SECONDARY_HOVER,
            }
        elif kind == "danger":
            style = {"fg_color": DANGER, "hover_color": DANGER_HOVER, "text_color": "#FFFFFF"}
        elif kind == "quiet":
            style = {"fg_color": "transparent", "text_color": TEXT, "hover_color": SECONDARY_HOVER}
        style.update(kw)
        state = style.pop("state", "normal")
        super().__init__(master, text=text, **style)
        self._enabled_style = {k: self.cget(k) for k in ("fg_color", "border_color", "text_color")}
        canvas = inner.canvas(self)
        canvas.configure(takefocus=1)
        self.ring = CanvasRing(canvas)
        for key in (*ENTER_KEYS, "<space>"):
            canvas.bind(key, self._key, add="+")
        self.tooltip = Tooltip(self, tooltip) if tooltip else None
        if state != "normal":
            self.configure(state=state)

    def _key(self, _event=None) -> str:
        self.invoke()
        return "break"

    @property
    def enabled(self) -> bool:
        return self.cget("state") != "disabled"

    def configure(self, require_redraw=False, **kwargs):
        style = getattr(self, "_enabled_style", None)
        if style is not None:
            for key in ("fg_color", "border_color", "text_color"):
                if key in kwargs:  # a new enabled colour (Re-authorize turns red): kept for when enabled
                    style[key] = kwargs[key]
            on = kwargs["state"] != "disabled" if "state" in kwargs else self.enabled
            if on:
                if "state" in kwargs:
                    kwargs.update(style)
            else:
                for key in ("fg_color", "border_color", "text_color"):
                    kwargs.pop(key, None)
                kwargs.update(self._disabled_look())
        super().configure(require_redraw=require_redraw, **kwargs)
        if hasattr(self, "ring"):
            self.ring.redraw()

    config = configure

    def _disabled_look(self) -> dict:
        if self.kind in ("secondary", "quiet"):
            return {"border_color": DISABLED_BORDER, "text_color_disabled": DISABLED_TEXT}
        return {"fg_color": DISABLED_FILL, "text_color_disabled": DISABLED_TEXT}

    def set_enabled(self, on: bool) -> None:
        if on != self.enabled:
            self.configure(state="normal" if on else "disabled")


class Choice(ctk.CTkOptionMenu):
    """A focusable option menu: Up/Down pick the previous/next value, Space or Alt+Down drop the list down."""

    def __init__(self, master, *, tooltip: str | Callable[[], str] = "", **kw):
        state = kw.pop("state", "normal")
        super().__init__(master, **kw)
        canvas = inner.canvas(self)
        canvas.configure(takefocus=1)
        self.ring = CanvasRing(canvas)
        canvas.bind("<Up>", lambda _e: self._step(-1), add="+")
        canvas.bind("<Down>", lambda _e: self._step(1), add="+")
        for key in ("<space>", "<Alt-Down>", "<F4>"):
            canvas.bind(key, self._drop, add="+")
        label = inner.text_label(self)
        if label is not None:
            label.configure(takefocus=0)
            label.bind("<Button-1>", lambda _e: canvas.focus_set(), add="+")
        canvas.bind("<Button-1>", lambda _e: canvas.focus_set(), add="+")
        self.tooltip = Tooltip(self, tooltip) if tooltip else None
        self._enabled_colours = {k: self.cget(k) for k in ("fg_color", "button_color", "text_color")}
        if state != "normal":
            self.configure(state=state)

    def choices(self) -> list[str]:
        return inner.option_values(self)

    def _step(self, step: int) -> str:
        if self.cget("state") == "disabled":
            return "break"
        values = [v for v in self.choices() if v]
        if not values:
            return "break"
        current = self.get()
        index = values.index(current) + step if current in values else (0 if step > 0 else len(values) - 1)
        if 0 <= index < len(values):
            self.pick(values[index])
        return "break"

    def pick(self, value: str) -> None:
        """Choose ``value`` as a person would (the command runs)."""
        self.set(value)
        command = self.cget("command")
        if command is not None:
            command(value)

    def _drop(self, _event=None) -> str:
        if self.cget("state") != "disabled" and self.choices():
            inner.open_option_menu(self)
        return "break"

    def configure(self, require_redraw=False, **kwargs):
        if "state" in kwargs and hasattr(self, "_enabled_colours"):
            on = kwargs["state"] != "disabled"
            kwargs.update(
                self._enabled_colours
                if on
                else {
                    "fg_color": DISABLED_FILL,
                    "button_color": DISABLED_FILL,
                    "text_color": DISABLED_TEXT,
                    "text_color_disabled": DISABLED_TEXT,
                }
            )
        super().configure(require_redraw=require_redraw, **kwargs)
        if hasattr(self, "ring"):
            self.ring.redraw()

    config = configure


class Check(ctk.CTkCheckBox):
    """A focusable check box: Space ticks it; the ring is drawn round the box."""

    def __init__(self, master, **kw):
        super().__init__(master, **kw)
        canvas = inner.canvas(self)
        canvas.configure(takefocus=1)
        self.ring = CanvasRing(canvas)
        canvas.bind("<space>", self._key, add="+")
        label = inner.text_label(self)
        if label is not None:
            label.configure(takefocus=0)

    def _key(self, _event=None) -> str:
        if self.cget("state") != "disabled":
            self.toggle()
        return "break"


class Entry(ctk.CTkEntry):
    """A customtkinter entry with the focus ring and the one disabled (read-only) look."""

    def __init__(self, master, **kw):
        super().__init__(master, **kw)
        self._normal_border = self.cget("border_color")
        self._problem = False
        self._normal_fg = self.cget("fg_color")
        self._normal_text = self.cget("text_color")
        border_ring(inner.inner_entry(self), self, self._border)

    def _border(self):
        from .theme import ERROR_TEXT

        return ERROR_TEXT if self._problem else self._normal_border

    def mark_problem(self, problem: bool) -> None:
        self._problem = problem
        if not has_focus(self):
            self.configure(border_color=self._border())

    def set_enabled(self, on: bool) -> None:
        """Disabled fields stay selectable (read-only), so a Client ID can still be copied."""
        self.configure(
            state="normal" if on else "readonly",
            fg_color=self._normal_fg if on else DISABLED_FILL,
            text_color=self._normal_text if on else DISABLED_TEXT,
        )

    @property
    def enabled(self) -> bool:
        return str(inner.inner_entry(self).cget("state")) == "normal"


def table_ring(tree: ttk.Treeview, frame: ctk.CTkFrame, normal) -> None:
    border_ring(tree, frame, lambda: normal)


# -- which inner widget takes the focus -----------------------------------------------------------------
def focus_target(widget) -> tk.Misc:
    if isinstance(widget, ctk.CTkEntry):
        return inner.inner_entry(widget)
    if isinstance(widget, ctk.CTkTextbox):
        return inner.inner_text(widget)
    if isinstance(widget, ctk.CTkButton | ctk.CTkOptionMenu | ctk.CTkCheckBox):
        return inner.canvas(widget)
    return widget


def focus(widget) -> None:
    """Give ``widget`` the keyboard focus (its inner widget); an entry's text is selected."""
    target = focus_target(widget)
    target.focus_set()
    if isinstance(widget, ctk.CTkEntry):
        widget.select_range(0, "end")
        widget.icursor("end")


def usable(widget) -> bool:
    try:
        if not widget.winfo_exists() or not widget.winfo_viewable():
            return False
        if isinstance(widget, ctk.CTkEntry):
            return str(inner.inner_entry(widget).cget("state")) != "disabled"
        if isinstance(widget, ttk.Treeview):
            return True
        if isinstance(widget, ctk.CTkBaseClass):
            return str(widget.cget("state")) != "disabled"
        return True
    except (tk.TclError, ValueError, KeyError):
        return False


# -- Tab order ------------------------------------------------------------------------------------------
class TabOrder:
    """The order Tab and Shift+Tab follow in one window; ``items`` is asked each time (widgets come and go)."""

    def __init__(self, toplevel, items: Callable[[], Iterable[Any]]):
        self.toplevel = toplevel
        self.items = items
        for sequence in ("<Tab>",):
            toplevel.bind(sequence, lambda e: self.move(e, 1), add="+")
        for sequence in ("<Shift-Tab>", "<ISO_Left_Tab>"):
            toplevel.bind(sequence, lambda e: self.move(e, -1), add="+")

    def targets(self) -> list[Any]:
        return [w for w in self.items() if w is not None and usable(w)]

    def move(self, event, step: int) -> str:
        widgets = self.targets()
        if not widgets:
            return "break"
        inners = [focus_target(w) for w in widgets]
        current = event.widget if event is not None else self.toplevel.focus_get()
        index = inners.index(current) if current in inners else (-1 if step > 0 else 0)
        focus(widgets[(index + step) % len(widgets)])
        return "break"

    def first(self) -> None:
        widgets = self.targets()
        if widgets:
            focus(widgets[0])


# -- text editing keys ------------------------------------------------------------------------------------
def _select_all_entry(event) -> str:
    event.widget.selection_range(0, "end")
    event.widget.icursor("end")
    return "break"


def _select_all_text(event) -> str:
    event.widget.tag_add("sel", "1.0", "end-1c")
    event.widget.mark_set("insert", "end-1c")
    return "break"


def install_text_keys(root) -> None:
    """Ctrl+A selects everything in every entry and text box (Tk's X11 default moves to the line start)."""
    from .perwindow import get, one_per

    if get(root, "text keys"):
        return
    one_per(root, "text keys", lambda: True)
    for sequence in ("<Control-a>", "<Control-A>"):
        root.bind_class("Entry", sequence, _select_all_entry)
        root.bind_class("Text", sequence, _select_all_text)


def press(action: Callable[[], Any]) -> Callable[[Any], str]:
    """An event handler that does ``action`` and stops the key there ("break")."""

    def handler(_event: Any = None) -> str:
        action()
        return "break"

    return handler


def bind_keys(widget, keys: Iterable[str], handler: Callable[[Any], Any]) -> None:
    """Several sequences, one handler (which may return "break")."""
    for sequence in keys:
        widget.bind(sequence, handler, add="+")


def on_enter(widget, action: Callable[[], Any]) -> None:
    """Enter in this field does ``action`` (and nothing else in the window)."""
    target = focus_target(widget)
    for sequence in ENTER_KEYS:
        target.bind(sequence, press(action), add="+")
