"""The few X11 facts Tk cannot give: Xft.dpi (display scaling), the active window, the urgency hint.

Each call opens its own short connection to the X server with libX11 (already loaded by Tk) and
closes it; any failure answers "unknown" and the caller carries on without.
"""

from __future__ import annotations

import ctypes
import functools
import os
import sys

URGENCY = 1 << 8  # XUrgencyHint in XWMHints.flags


class _WMHints(ctypes.Structure):
    _fields_ = [
        ("flags", ctypes.c_long),
        ("input", ctypes.c_int),
        ("initial_state", ctypes.c_int),
        ("icon_pixmap", ctypes.c_ulong),
        ("icon_window", ctypes.c_ulong),
        ("icon_x", ctypes.c_int),
        ("icon_y", ctypes.c_int),
        ("icon_mask", ctypes.c_ulong),
        ("window_group", ctypes.c_ulong),
    ]


@functools.lru_cache(maxsize=1)
def _lib():
    if not sys.platform.startswith("linux") and "bsd" not in sys.platform:
        return None
    try:
        lib = ctypes.CDLL("libX11.so.6")
    except OSError:
        return None
    lib.XOpenDisplay.restype = ctypes.c_void_p
    lib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    lib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    lib.XResourceManagerString.restype = ctypes.c_char_p
    lib.XResourceManagerString.argtypes = [ctypes.c_void_p]
    lib.XGetWMHints.restype = ctypes.POINTER(_WMHints)
    lib.XGetWMHints.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
    lib.XSetWMHints.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(_WMHints)]
    lib.XFree.argtypes = [ctypes.c_void_p]
    lib.XFlush.argtypes = [ctypes.c_void_p]
    lib.XInternAtom.restype = ctypes.c_ulong
    lib.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    lib.XQueryTree.argtypes = [
        ctypes.c_void_p,
        ctypes.c_ulong,
        ctypes.POINTER(ctypes.c_ulong),
        ctypes.POINTER(ctypes.c_ulong),
        ctypes.POINTER(ctypes.c_void_p),
        ctypes.POINTER(ctypes.c_uint),
    ]
    lib.XDefaultScreen.argtypes = [ctypes.c_void_p]
    for name in ("XDisplayWidth", "XDisplayWidthMM"):
        getattr(lib, name).argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.XDefaultRootWindow.restype = ctypes.c_ulong
    lib.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
    lib.XGetWindowProperty.argtypes = [
        ctypes.c_void_p,
        ctypes.c_ulong,
        ctypes.c_ulong,
        ctypes.c_long,
        ctypes.c_long,
        ctypes.c_int,
        ctypes.c_ulong,
        ctypes.POINTER(ctypes.c_ulong),
        ctypes.POINTER(ctypes.c_int),
        ctypes.POINTER(ctypes.c_ulong),
        ctypes.POINTER(ctypes.c_ulong),
        ctypes.POINTER(ctypes.c_void_p),
    ]
    return lib


class _Display:
    def __init__(self):
        self.lib = _lib()
        self.dpy = None
        if self.lib is not None and os.environ.get("DISPLAY"):
            self.dpy = self.lib.XOpenDisplay(None)

    def __enter__(self):
        return self if self.dpy else None

    def __exit__(self, *exc) -> None:
        if self.dpy:
            self.lib.XCloseDisplay(self.dpy)


def _xft(x: _Display) -> float | None:
    raw = x.lib.XResourceManagerString(x.dpy)
    if not raw:
        return None
    for line in raw.decode("latin-1").splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "Xft.dpi":
            try:
                dpi = float(value.strip())
            except ValueError:
                return None
            return dpi if 48 <= dpi <= 480 else None
    return None


def xft_dpi() -> float | None:
    """Xft.dpi from the X resources (what GNOME, KDE and xrdb set for display scaling), else None."""
    with _Display() as x:
        return None if x is None else _xft(x)


def dpi() -> float | None:
    """The display's DPI as desktops mean it: Xft.dpi, else the X server's own (Xvfb -dpi); None without X."""
    with _Display() as x:
        if x is None:
            return None
        found = _xft(x)
        if found:
            return found
        screen = x.lib.XDefaultScreen(x.dpy)
        mm = x.lib.XDisplayWidthMM(x.dpy, screen)
        return x.lib.XDisplayWidth(x.dpy, screen) * 25.4 / mm if mm > 0 else None


def parent(window_id: int) -> int | None:
    """The parent of an X window (Tk's toplevel wrapper is the parent of ``winfo_id()``)."""
    with _Display() as x:
        if x is None:
            return None
        root, par, children, count = ctypes.c_ulong(), ctypes.c_ulong(), ctypes.c_void_p(), ctypes.c_uint()
        if not x.lib.XQueryTree(
            x.dpy, window_id, ctypes.byref(root), ctypes.byref(par), ctypes.byref(children), ctypes.byref(count)
        ):
            return None
        if children.value:
            x.lib.XFree(children)
        return par.value or None


def set_urgency(window_id: int, on: bool = True) -> bool:
    """Set (or clear) the urgency hint of a top-level window: task bars flash it. True when done."""
    with _Display() as x:
        if x is None:
            return False
        hints = x.lib.XGetWMHints(x.dpy, window_id)
        value = _WMHints()
        if hints:
            ctypes.memmove(ctypes.byref(value), hints, ctypes.sizeof(_WMHints))
            x.lib.XFree(hints)
        value.flags = (value.flags | URGENCY) if on else (value.flags & ~URGENCY)
        x.lib.XSetWMHints(x.dpy, window_id, ctypes.byref(value))
        x.lib.XFlush(x.dpy)
        return True


def urgent(window_id: int) -> bool:
    with _Display() as x:
        if x is None:
            return False
        hints = x.lib.XGetWMHints(x.dpy, window_id)
        if not hints:
            return False
        flags = hints.contents.flags
        x.lib.XFree(hints)
        return bool(flags & URGENCY)


def active_window() -> int | None:
    """The window the window manager says is active (_NET_ACTIVE_WINDOW), None when unknown."""
    with _Display() as x:
        if x is None:
            return None
        atom = x.lib.XInternAtom(x.dpy, b"_NET_ACTIVE_WINDOW", 1)
        if not atom:
            return None
        kind, fmt, count, after = ctypes.c_ulong(), ctypes.c_int(), ctypes.c_ulong(), ctypes.c_ulong()
        data = ctypes.c_void_p()
        status = x.lib.XGetWindowProperty(
            x.dpy,
            x.lib.XDefaultRootWindow(x.dpy),
            atom,
            0,
            1,
            0,
            0,
            ctypes.byref(kind),
            ctypes.byref(fmt),
            ctypes.byref(count),
            ctypes.byref(after),
            ctypes.byref(data),
        )
        if status != 0 or not data.value:
            return None
        try:
            if count.value < 1 or fmt.value != 32:
                return None
            return int(ctypes.cast(data, ctypes.POINTER(ctypes.c_ulong))[0])
        finally:
            x.lib.XFree(data)
