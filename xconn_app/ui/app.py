"""The main window: Connections and Profiles tabs, appearance menu, status bar, saved geometry."""

from __future__ import annotations

import json
import logging
import re
import tkinter as tk

import customtkinter as ctk

from .dialogs import Dialogs, describe
from .widgets.theme import GAP, MUTED_TEXT, PAD, header_font

log = logging.getLogger("xconn.ui")

TITLE = "xconn — Xero Connections"
DEFAULT_SIZE = (1000, 600)
MIN_SIZE = (880, 520)
APPEARANCES = ("System", "Light", "Dark")


def _state_file():
    from ..core.paths import user_state_dir

    return user_state_dir() / "window.json"


def load_state() -> dict:
    try:
        data = json.loads(_state_file().read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def save_state(state: dict) -> None:
    path = _state_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=2), encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        log.warning("could not save the window state: %s", exc)


class MainWindow(ctk.CTk):
    def __init__(self, service, *, dialogs: Dialogs | None = None):
        self.state_data = load_state()
        appearance = self.state_data.get("appearance")
        if appearance in APPEARANCES:  # only a saved choice overrides the current mode
            ctk.set_appearance_mode(appearance)
        else:
            appearance = "System"
        super().__init__()
        self.service = service
        self.dialogs = dialogs or Dialogs(self)
        if self.dialogs.master is None:
            self.dialogs.master = self
        self.title(TITLE)
        from .icon import set_window_icon

        set_window_icon(self)
        self.minsize(*MIN_SIZE)
        self._restore_geometry()
        self.protocol("WM_DELETE_WINDOW", self.close)

        self.grid_columnconfigure(0, weight=1)
        self.grid_rowconfigure(1, weight=1)
        self._build_header(appearance)
        self.tabs = ctk.CTkTabview(self, corner_radius=10, command=self._tab_changed, anchor="nw")
        self.tabs.grid(row=1, column=0, sticky="nsew", padx=PAD, pady=(0, 0))
        from .connections import ConnectionsView

        self.connections = ConnectionsView(self.tabs.add("Connections"), self)
        self.connections.pack(fill="both", expand=True)
        self._profiles_tab = self.tabs.add("Profiles")
        self._profiles = None  # built when first shown: first paint stays fast
        self.tabs.set("Connections")
        self._build_status_bar()
        # First paint must not wait for the disk: the table fills in from a worker thread.
        self.after(1, self.refresh)

    # -- layout ----------------------------------------------------------------------------
    def _build_header(self, appearance: str) -> None:
        head = ctk.CTkFrame(self, fg_color="transparent")
        head.grid(row=0, column=0, sticky="ew", padx=PAD + 4, pady=(PAD, 0))
        head.grid_columnconfigure(1, weight=1)
        ctk.CTkLabel(head, text="Xero Connections", font=header_font(), anchor="w").grid(row=0, column=0, sticky="w")
        ctk.CTkLabel(head, text="Connections every capture profile can use to reach Xero",
                     text_color=MUTED_TEXT, anchor="w").grid(row=0, column=1, sticky="w", padx=(PAD, 0), pady=(4, 0))
        ctk.CTkLabel(head, text="Appearance", text_color=MUTED_TEXT).grid(row=0, column=2, sticky="e", padx=(0, GAP))
        self.appearance_menu = ctk.CTkOptionMenu(head, values=list(APPEARANCES), width=110,
                                                 command=self.set_appearance)
        self.appearance_menu.set(appearance if appearance in APPEARANCES else "System")
        self.appearance_menu.grid(row=0, column=3, sticky="e")

    def _build_status_bar(self) -> None:
        bar = ctk.CTkFrame(self, fg_color=("gray86", "gray17"), corner_radius=0, height=28)
        bar.grid(row=2, column=0, sticky="ew", pady=(GAP, 0))
        loc = self.service.location
        self.status_text = ctk.CTkLabel(bar, text=f"Connection list: {loc.path}  ({loc.scope})",
                                        text_color=MUTED_TEXT, anchor="w", font=ctk.CTkFont(size=12))
        self.status_text.pack(side="left", fill="x", expand=True, padx=PAD + 4, pady=3)
        self.status_right = ctk.CTkLabel(bar, text="", text_color=MUTED_TEXT, anchor="e", font=ctk.CTkFont(size=12))
        self.status_right.pack(side="right", padx=PAD + 4, pady=3)

    # -- behaviour -------------------------------------------------------------------------
    @property
    def profiles(self):
        if self._profiles is None:
            from .profiles import ProfilesView

            self._profiles = ProfilesView(self._profiles_tab, self)
            self._profiles.pack(fill="both", expand=True)
            self._profiles.refresh()
        return self._profiles

    def refresh(self) -> None:
        self.connections.refresh()
        from .helpdesk import show_keepalive

        show_keepalive(self)  # "Keep-alive: last ran …" on the status bar's right
        if self._profiles is not None:
            self._profiles.refresh()
        elif self.tabs.get() == "Profiles":
            self.profiles  # noqa: B018 - builds and loads the tab

    def _tab_changed(self) -> None:
        self.refresh()

    def set_appearance(self, mode: str) -> None:
        ctk.set_appearance_mode(mode)
        self.state_data["appearance"] = mode
        save_state(self.state_data)

    def _restore_geometry(self) -> None:
        w, h = DEFAULT_SIZE
        geo = self.state_data.get("geometry") or {}
        try:
            sw, sh = self.winfo_screenwidth(), self.winfo_screenheight()
            w = max(MIN_SIZE[0], min(int(geo.get("width", w)), sw))
            h = max(MIN_SIZE[1], min(int(geo.get("height", h)), sh))
            if "x" in geo and "y" in geo:
                x = min(max(0, int(geo["x"])), max(0, sw - 100))
                y = min(max(0, int(geo["y"])), max(0, sh - 100))
                self.geometry(f"{w}x{h}+{x}+{y}")
            else:
                self.geometry(f"{w}x{h}")
        except (TypeError, ValueError, tk.TclError):
            self.geometry(f"{DEFAULT_SIZE[0]}x{DEFAULT_SIZE[1]}")

    def remember_geometry(self) -> None:
        try:
            self.update_idletasks()
            m = re.match(r"(\d+)x(\d+)\+?(-?\d+)\+?(-?\d+)", self.geometry())
            if not m:
                return
            width, height, x, y = (int(v) for v in m.groups())
            self.state_data["geometry"] = {"width": width, "height": height, "x": x, "y": y}
            save_state(self.state_data)
        except (ValueError, tk.TclError) as exc:
            log.warning("could not read the window geometry: %s", exc)

    def close(self) -> None:
        self.remember_geometry()
        self.destroy()

    def destroy(self) -> None:
        super().destroy()
        from .dialogs import collect_tk_garbage

        collect_tk_garbage()

    def report_callback_exception(self, exc_type, exc, tb) -> None:  # noqa: D401 - Tk hook
        """An exception escaped a Tk callback: log it and tell the user in plain words."""
        if exc is None:
            exc = exc_type()
        exc.__traceback__ = tb
        try:
            self.dialogs.error(exc)
        except Exception:  # the message box itself failed; the log still has it
            log.exception("could not show an error")
            describe(exc)


def run(argv=None) -> int:
    """Start the window; returns the exit code."""
    from ..core import logs

    logs.setup()
    try:
        from ..core.service import Service

        service = Service()
    except Exception as exc:  # an unreadable configuration folder: say so, in a window
        log.exception("could not start")
        root = ctk.CTk()
        root.withdraw()
        Dialogs(root).error(exc)
        root.destroy()
        return 1
    window = MainWindow(service)
    _bench_first_paint(window)
    window.mainloop()
    return 0


def _bench_first_paint(window) -> None:
    """bench/: XCONN_BENCH_FIRST_PAINT=<file> gets the perf_counter() of the first painted frame
    and the loaded module names; XCONN_BENCH_EXIT=1 then closes the window."""
    import os

    target = os.environ.get("XCONN_BENCH_FIRST_PAINT")
    if not target:
        return

    def painted(event) -> None:
        if event.widget is not window or getattr(window, "_bench_painted", False):
            return
        window._bench_painted = True
        window.update_idletasks()
        import sys
        import time

        stamp = time.perf_counter()
        with open(target, "w", encoding="utf-8") as fh:
            json.dump({"painted": stamp, "modules": sorted(sys.modules)}, fh)
        if os.environ.get("XCONN_BENCH_EXIT") == "1":
            window.after(0, window.destroy)

    window.bind("<Expose>", painted, add="+")
