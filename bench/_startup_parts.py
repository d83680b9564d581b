"""Where the window's start-up goes, phase by phase, in one process: prints one JSON object (ms).

Run by bench/startup.py with the same environment as the timed starts. Wraps whatever of
MainWindow's builders exist, so it keeps working while the window changes.
"""

from __future__ import annotations

import json
import sys
import time

T0 = time.perf_counter()
phases: list[tuple[str, float]] = []
_last = [T0]


def mark(name: str) -> None:
    t = time.perf_counter()
    phases.append((name, (t - _last[0]) * 1000))
    _last[0] = t


import tkinter  # noqa: E402,F401

mark("import tkinter")
import customtkinter as ctk  # noqa: E402

mark("import customtkinter")
from xconn_app.ui import app  # noqa: E402

mark("import xconn_app.ui.app (+dialogs, theme)")
from xconn_app.core import logs  # noqa: E402

logs.setup()
from xconn_app.core.service import Service  # noqa: E402

service = Service()
mark("import core.service, logs.setup(), Service()")
from xconn_app.ui import connections  # noqa: E402

mark("import ui.connections")


def wrap(owner, attr: str, label: str) -> None:
    original = getattr(owner, attr, None)
    if original is None:
        return

    def wrapper(*args, **kw):
        mark(f"(between: before {label})")
        result = original(*args, **kw)
        mark(label)
        return result

    setattr(owner, attr, wrapper)


for name in ("_restore_geometry", "_build_header", "_build_status_bar"):
    wrap(app.MainWindow, name, f"MainWindow.{name}")
wrap(ctk.CTk, "__init__", "CTk() (Tk interpreter, window)")
wrap(ctk.CTkTabview, "__init__", "CTkTabview")
wrap(connections.ConnectionsView, "__init__", "ConnectionsView (the Connections tab)")

window = app.MainWindow(service)
mark("(rest of MainWindow)")


def painted(event):
    if event.widget is not window or getattr(window, "_parts_done", False):
        return
    window._parts_done = True
    window.update_idletasks()
    mark("mainloop to first paint")
    window.after(0, window.destroy)


window.bind("<Expose>", painted, add="+")
window.mainloop()
merged: dict[str, float] = {}
for name, took in phases:
    if name.startswith("(between") and took < 0.5:
        continue
    merged[name] = merged.get(name, 0.0) + took
merged["total in process"] = (_last[0] - T0) * 1000
print(json.dumps({k: round(v, 1) for k, v in merged.items()}))
sys.stdout.flush()
