"""One place for the look: padding, fonts, colours (status, focus ring, the one disabled style).

Colours are (light, dark) pairs, as customtkinter themes are.
"""

from __future__ import annotations

import customtkinter as ctk

from . import ctk_adapter

PAD = 12  # outer padding
GAP = 8  # between related widgets
ROW_HEIGHT = 30  # table rows (scaled with the display)
CONTROL_HEIGHT = 28  # customtkinter's buttons and entries

STATUS_COLOURS = {
    "connected": ("#2E7D32", "#66BB6A"),
    "expires_soon": ("#B26A00", "#FFB74D"),
    "needs_reauthorization": ("#C62828", "#EF5350"),
    "cant_reach": ("#C62828", "#EF5350"),
    "no_organisation": ("#B26A00", "#FFB74D"),
    "not_authorized": ("#757575", "#9E9E9E"),
}
DANGER = ("#C62828", "#E53935")
DANGER_HOVER = ("#A31F1F", "#B71C1C")
OK_TEXT = ("#2E7D32", "#66BB6A")
WARN_TEXT = ("#9A5B00", "#FFB74D")
ERROR_TEXT = ("#C62828", "#FF6B6B")
MUTED_TEXT = ("gray35", "gray68")
TEXT = ("gray10", "gray90")
BANNER_BG = ("#FDECEA", "#4A2323")
BANNER_TEXT = ("#8E1B1B", "#FFCDD2")
NOTE_BG = ("#E8F0FE", "#1E2A3A")  # the read-only explanation strip
NOTE_TEXT = ("#1A3D6E", "#C9DCF5")
BOX_BG = ("gray90", "gray20")  # the Authorize box
SECONDARY_BORDER = ("gray55", "gray50")
SECONDARY_HOVER = ("gray85", "gray25")
# The focus ring: a 2 px outline in a colour that differs from every fill (blue, red, transparent).
RING = ("#0B3D91", "#FFD54F")
# The one disabled style: grey fill (or grey outline), grey text, for buttons, menus and entries alike.
DISABLED_FILL = ("gray80", "gray28")
DISABLED_TEXT = ("gray45", "gray58")
DISABLED_BORDER = ("gray75", "gray35")
TABLE_BG = ("#F9F9FA", "#343638")
TABLE_BORDER = ("gray78", "gray30")


def mode_index() -> int:
    return 1 if ctk.get_appearance_mode() == "Dark" else 0


def pick(pair) -> str:
    return pair[mode_index()] if isinstance(pair, tuple | list) else pair


def theme_colour(widget: str, key: str) -> str:
    return pick(ctk_adapter.theme(widget, key))


def font_family() -> str:
    import sys

    fonts = ctk_adapter.theme("CTkFont", "family") if "family" in ctk.ThemeManager.theme["CTkFont"] else None
    if fonts:
        return fonts
    key = "Windows" if sys.platform.startswith("win") else "macOS" if sys.platform == "darwin" else "Linux"
    return ctk.ThemeManager.theme["CTkFont"][key]["family"]


def font(size: int = 13, weight: str = "normal") -> ctk.CTkFont:
    return ctk.CTkFont(size=size, weight=weight)


def small_font() -> ctk.CTkFont:
    return ctk.CTkFont(size=12)


def header_font() -> ctk.CTkFont:
    return ctk.CTkFont(size=18, weight="bold")


def scaled(widget, value: float) -> int:
    """A length in the window's pixels (customtkinter's widget scaling: 1.5 at 150 %)."""
    return round(value * ctk_adapter.scaling(widget))
