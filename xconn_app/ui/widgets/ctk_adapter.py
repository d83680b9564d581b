"""The one place that touches customtkinter's private internals (pyproject bounds it: >=5.2,<7).

customtkinter draws each widget on an inner ``tkinter.Canvas`` with ``tkinter.Entry`` / ``Text`` /
``Label`` children, and has no public way to reach them: keyboard focus, Tab order and focus rings
(widgets/keys.py) need those inner widgets, and so do a few layout details. Everything here is a
small accessor; if a customtkinter release renames one, this file is the only one to change, and
``tests/test_gui_keyboard.py`` fails first.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from typing import Any

import customtkinter as ctk


def inner_entry(entry: ctk.CTkEntry) -> tk.Entry:
    return entry._entry


def inner_text(box: ctk.CTkTextbox) -> tk.Text:
    return box._textbox


def canvas(widget: Any) -> tk.Canvas:
    """The canvas a CTkButton / CTkOptionMenu / CTkCheckBox / CTkSwitch draws itself on."""
    return widget._canvas


def text_label(widget: Any) -> tk.Label | None:
    """The label holding a button's or option menu's text (None for a button without text)."""
    return getattr(widget, "_text_label", None)


def open_option_menu(menu: ctk.CTkOptionMenu) -> None:
    """Drop the option menu's list down, as a click does."""
    menu._open_dropdown_menu()


def option_menu_list(menu: ctk.CTkOptionMenu) -> tk.Menu:
    """The tk.Menu an option menu drops down."""
    return menu._dropdown_menu


def option_values(menu: ctk.CTkOptionMenu) -> list[str]:
    return list(menu._values)


def segment_buttons(segmented: ctk.CTkSegmentedButton) -> dict[str, ctk.CTkButton]:
    return segmented._buttons_dict


def tab_buttons(tabview: ctk.CTkTabview) -> dict[str, ctk.CTkButton]:
    return tabview._segmented_button._buttons_dict


def dropdown_menu(master: Any, values: list[str], command: Callable[[str], None], width: int = 12) -> tk.Menu:
    """A menu in customtkinter's look (More ▾, the table's context menu)."""
    from customtkinter.windows.widgets.core_widget_classes import DropdownMenu

    return DropdownMenu(master, values=values, min_character_width=width, command=command)


def scaling(widget: Any) -> float:
    """customtkinter's widget scaling for this widget's window (1.0, 1.5, 2.0 ...)."""
    return float(ctk.ScalingTracker.get_widget_scaling(widget))


def set_display_scaling(value: float) -> None:
    """Widgets and windows scaled by ``value`` (once per process: customtkinter keeps it globally)."""
    if ctk.ScalingTracker.widget_scaling != value or ctk.ScalingTracker.window_scaling != value:
        ctk.set_widget_scaling(value)
        ctk.set_window_scaling(value)


def on_appearance_change(callback: Callable[[str], None], root: Any) -> None:
    from customtkinter.windows.widgets.appearance_mode import AppearanceModeTracker

    AppearanceModeTracker.add(callback, root)


def forget_appearance_change(callback: Callable[[str], None]) -> None:
    from customtkinter.windows.widgets.appearance_mode import AppearanceModeTracker

    AppearanceModeTracker.remove(callback)


def theme(widget: str, key: str) -> Any:
    return ctk.ThemeManager.theme[widget][key]
