"""xconn's own icon on its windows (title bar, task bar, Alt-Tab), not customtkinter's.

The files live in xconn_app/assets/; build/xconn.spec bundles them at the same place, so
``Path(xconn_app.__file__).parent / "assets"`` finds them in a frozen build too.
"""

from __future__ import annotations

import logging
import sys
import tkinter as tk
from pathlib import Path

log = logging.getLogger("xconn.ui")

WINDOWS = sys.platform.startswith("win")
# customtkinter puts its own .ico on every CTk / CTkToplevel 200 ms after it is made (Windows only).
CTK_ICON_DELAY_MS = 200


def assets_dir() -> Path:
    import xconn_app

    return Path(xconn_app.__file__).resolve().parent / "assets"


def _set_ico(window) -> None:
    try:
        window.iconbitmap(str(assets_dir() / "xconn.ico"))  # also tells customtkinter not to set its own
    except tk.TclError as exc:
        log.warning("could not set the window icon: %s", exc)


def set_window_icon(window) -> None:
    """The main window: iconphoto for every platform (default for later dialogs too), .ico on Windows."""
    try:
        image = tk.PhotoImage(master=window, file=str(assets_dir() / "xconn-64.png"))
        window.iconphoto(True, image)
        from .widgets.perwindow import one_per

        one_per(window, "icon", lambda: image)  # Tk drops an image whose Python object is collected
    except tk.TclError as exc:
        log.warning("could not set the window icon: %s", exc)
    if WINDOWS:
        _set_ico(window)
        # ... and once more after customtkinter's own timer, whatever it decides then.
        window.after(CTK_ICON_DELAY_MS + 50, lambda: _set_ico(window) if window.winfo_exists() else None)


def set_dialog_icon(toplevel) -> None:
    """A CTkToplevel inherits the iconphoto default, but on Windows customtkinter replaces it."""
    if WINDOWS:
        _set_ico(toplevel)
