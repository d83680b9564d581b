"""Bring a window to the front after the browser had it (Allow access), robustly.

Raise, focus, and briefly keep it on top; where the window manager or Windows' foreground rules
refuse (checked a moment later), ask for attention instead: the X11 urgency hint (task bars flash
the window), FlashWindowEx on Windows, the dock bounce on macOS. The hint is cleared when the
window gets the focus.
"""

from __future__ import annotations

import logging
import sys
import tkinter as tk

log = logging.getLogger("xconn.ui")

CHECK_AFTER_MS = 300
TOPMOST_MS = 600


def _x11(window) -> bool:
    return str(window.tk.call("tk", "windowingsystem")) == "x11"


def frame_id(window) -> int | None:
    """The window the window manager manages for a Tk toplevel: on X11 Tk's wrapper (the parent of
    winfo_id(); ``wm frame`` would give the manager's own decoration once reparented), else the HWND."""
    try:
        if _x11(window):
            from . import x11

            return x11.parent(int(window.winfo_id()))
        return int(window.wm_frame(), 16)
    except (tk.TclError, ValueError):
        return None


def is_front(window) -> bool:
    """Does ``window`` have the focus (and, on X11, is it the active window)?"""
    try:
        if window.focus_displayof() is None:
            return False
    except (tk.TclError, KeyError):
        return False
    if _x11(window):
        from . import x11

        active = x11.active_window()
        return active is None or active == frame_id(window)
    return True


def bring_to_front(window, then=None) -> None:
    """Raise and focus ``window``; ask for attention when that was refused. ``then(front: bool)``."""
    try:
        window.deiconify()
        window.lift()
        window.attributes("-topmost", True)
        window.focus_force()
        if sys.platform.startswith("win"):
            _windows_foreground(window)
        window.after(TOPMOST_MS, lambda: _not_topmost(window))
        window.after(CHECK_AFTER_MS, lambda: _check(window, then))
    except tk.TclError:  # closed meanwhile
        pass


def _not_topmost(window) -> None:
    try:
        if window.winfo_exists():
            window.attributes("-topmost", False)
    except tk.TclError:
        pass


def _check(window, then) -> None:
    try:
        if not window.winfo_exists():
            return
    except tk.TclError:
        return
    front = is_front(window)
    if not front:
        request_attention(window)
    if then is not None:
        then(front)


def request_attention(window, on: bool = True) -> bool:
    """Flash the window's task bar button (X11 urgency hint, Windows FlashWindowEx); True when asked."""
    wid = frame_id(window)
    if wid is None:
        return False
    try:
        if _x11(window):
            from . import x11

            done = x11.set_urgency(wid, on)
        elif sys.platform.startswith("win"):
            done = _flash(wid, on)
        elif on:
            window.bell()  # the dock bounces for a background app's bell on macOS
            done = True
        else:
            done = True
    except Exception:
        log.info("could not ask for attention", exc_info=True)
        return False
    if on and done:
        window.bind("<FocusIn>", lambda _e: request_attention(window, False), add="+")
    return done


def _windows_foreground(window) -> None:
    if sys.platform != "win32":
        return
    import ctypes

    wid = frame_id(window)
    if wid:
        ctypes.windll.user32.SetForegroundWindow(wid)


def _flash(hwnd: int, on: bool) -> bool:
    if sys.platform != "win32":
        return False
    import ctypes
    from ctypes import wintypes

    class FLASHWINFO(ctypes.Structure):
        _fields_ = [
            ("cbSize", wintypes.UINT),
            ("hwnd", wintypes.HWND),
            ("dwFlags", wintypes.DWORD),
            ("uCount", wintypes.UINT),
            ("dwTimeout", wintypes.DWORD),
        ]

    flash_all, until_foreground, stop = 0x3, 0xC, 0x0
    info = FLASHWINFO(ctypes.sizeof(FLASHWINFO), hwnd, (flash_all | until_foreground) if on else stop, 0, 0)
    ctypes.windll.user32.FlashWindowEx(ctypes.byref(info))
    return True
