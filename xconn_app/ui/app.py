"""The main window: Connections and Profiles tabs, appearance menu, status bar, saved geometry."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import tkinter as tk

import customtkinter as ctk

from .dialogs import Dialogs, describe
from .widgets.theme import GAP, MUTED_TEXT, PAD, header_font

log = logging.getLogger("xconn.ui")

TITLE = "xconn — Xero Connections"
DEFAULT_SIZE = (1000, 600)
MIN_SIZE = (880, 520)
START_FALLBACK_MS = 300  # the controls and the registry read, should no <Expose> come by then
APPEARANCES = ("System", "Light", "Dark")
TAB_PAD = 10  # inner margin of the (square) tab view
APPEARANCE_WIDTH = 110


def _state_file():
    # platformdirs itself, not core.paths.user_state_dir: that module's dataclasses import (~5 ms)
    # would come before the first paint. Same folder: core.paths.user_state_dir().
    from pathlib import Path

    import platformdirs

    return Path(platformdirs.user_state_dir("xconn", appauthor=False)) / "window.json"


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
    """Shown progressively: the first paint has the real frame (header, tabs, the table, the status
    bar); right after it is on screen (``_after_first_paint``) come the toolbar and button rows,
    then the appearance menu, the status texts and the table's scrollbar, then the service (log
    set-up, the registry's folder) and the registry read on a worker thread. Each step is flushed
    to the screen before the next; the rows and the space they take are kept, so nothing moves.

    ``service`` may be None with ``make_service`` given (``run()``): it is then made after the
    first paint too, so platformdirs and the folder checks do not delay it.
    """

    def __init__(self, service=None, *, dialogs: Dialogs | None = None, make_service=None):
        self.state_data = load_state()  # before the first paint: it sets the size and appearance
        appearance = self.state_data.get("appearance")
        if appearance in APPEARANCES:  # only a saved choice overrides the current mode
            ctk.set_appearance_mode(appearance)
        else:
            appearance = "System"
        # WM_CLASS "xconn", "Xconn": docks match the window to xconn.desktop (StartupWMClass=Xconn)
        super().__init__(className="xconn")
        self.service = service
        self._make_service = make_service
        self.dialogs = dialogs or Dialogs(self)
        if self.dialogs.master is None:
            self.dialogs.master = self
        self.exit_code = 0
        self.started = False  # _after_first_paint has run: controls built, registry read started
        self.title(TITLE)
        from .icon import set_window_icon

        set_window_icon(self)
        self.minsize(*MIN_SIZE)
        self._restore_geometry()
        self.protocol("WM_DELETE_WINDOW", self.close)

        self.grid_columnconfigure(0, weight=1)
        self.grid_rowconfigure(1, weight=1)
        self._build_header(appearance)
        # A square tab view: its rounded corners are font glyphs drawn on a window-sized canvas
        # and cost ~7 ms of the start-up budget (bench/RESULTS.md); the tab strip stays rounded.
        self.tabs = ctk.CTkTabview(self, corner_radius=0, command=self._tab_changed, anchor="nw")
        self.tabs.grid(row=1, column=0, sticky="nsew", padx=PAD, pady=(0, 0))
        from .connections import ConnectionsView

        self.connections = ConnectionsView(self.tabs.add("Connections"), self)
        self.connections.pack(fill="both", expand=True, padx=TAB_PAD, pady=(2, TAB_PAD))
        self._profiles_tab = self.tabs.add("Profiles")
        self._profiles = None  # built when first shown: first paint stays fast
        for button in self.tabs._segmented_button._buttons_dict.values():  # square tabs need room
            button.configure(width=118, height=30)
        self.tabs.set("Connections")
        self._build_status_bar()
        # The rest once the first frame is on screen; a window that is never exposed (started
        # iconified, say) gets it a little later all the same.
        self._expose_seen = False
        self.bind("<Expose>", self._exposed, add="+")
        self._start_fallback = self.after(START_FALLBACK_MS, self._after_first_paint)

    def _exposed(self, event) -> None:
        if event.widget is not self or self.started or self._expose_seen:
            return  # (no unbind: Python 3.11's unbind(seq, funcid) drops every <Expose> binding)
        self._expose_seen = True
        self.update_idletasks()  # the first frame's pending redraws: it is now on screen
        self.after(0, self._after_first_paint)  # a timer, not an idle job: runs after that frame

    def _after_first_paint(self) -> None:
        if self.started:
            return
        self.started = True
        try:
            self.after_cancel(self._start_fallback)
        except tk.TclError:
            pass
        self.connections.build_controls()  # the toolbar and buttons: what the person acts on first
        self.update_idletasks()  # ... on screen before anything else runs
        self.controls_shown_at = time.perf_counter()
        self.after(0, self._build_rest)

    def _build_rest(self) -> None:
        self._build_controls()
        self.connections.add_scrollbar()
        self.update_idletasks()
        self.after(0, self._start_service)

    def _start_service(self) -> None:
        if self.service is None:
            try:
                self.service = self._make_service()
            except Exception as exc:  # an unreadable configuration folder: say so, then close
                log.exception("could not start")
                self.exit_code = 1
                self.dialogs.error(exc)
                self.destroy()
                return
        self._show_location()
        self.refresh()
        if sys.platform == "darwin":
            from .background import run_in_background

            run_in_background(self, _register_keepalive, on_error=lambda exc: None)

    # -- layout ----------------------------------------------------------------------------
    def _build_header(self, appearance: str) -> None:
        head = ctk.CTkFrame(self, fg_color="transparent")
        head.grid(row=0, column=0, sticky="ew", padx=PAD + 4, pady=(PAD, 0))
        head.grid_columnconfigure(1, weight=1)
        ctk.CTkLabel(head, text="Xero Connections", font=header_font(), anchor="w").grid(row=0, column=0, sticky="w")
        ctk.CTkLabel(head, text="Connections every capture profile can use to reach Xero",
                     text_color=MUTED_TEXT, anchor="w").grid(row=0, column=1, sticky="w", padx=(PAD, 0), pady=(4, 0))
        # "Appearance" and its menu come after the first paint (_build_controls).
        self._head, self._appearance = head, appearance

    def _build_controls(self) -> None:
        """The appearance menu and the status bar's labels, right after the toolbar and buttons."""
        ctk.CTkLabel(self._head, text="Appearance", text_color=MUTED_TEXT).grid(row=0, column=2, sticky="e",
                                                                               padx=(0, GAP))
        self.appearance_menu = ctk.CTkOptionMenu(self._head, values=list(APPEARANCES), width=APPEARANCE_WIDTH,
                                                 command=self.set_appearance)
        self.appearance_menu.set(self._appearance if self._appearance in APPEARANCES else "System")
        self.appearance_menu.grid(row=0, column=3, sticky="e")
        bar = self._status_bar
        self.status_text = ctk.CTkLabel(bar, text="", text_color=MUTED_TEXT, anchor="w", font=ctk.CTkFont(size=12))
        self.status_text.pack(side="left", fill="x", expand=True, padx=PAD + 4, pady=3)
        self.status_right = ctk.CTkLabel(bar, text="", text_color=MUTED_TEXT, anchor="e", font=ctk.CTkFont(size=12))
        self.status_right.pack(side="right", padx=PAD + 4, pady=3)

    def _build_status_bar(self) -> None:
        # Its two labels (28 px high, 3 px above and below) come with the controls; the bar has their height.
        self._status_bar = ctk.CTkFrame(self, fg_color=("gray86", "gray17"), corner_radius=0, height=34)
        self._status_bar.grid(row=2, column=0, sticky="ew", pady=(GAP, 0))

    def _show_location(self) -> None:
        loc = self.service.location
        self.status_text.configure(text=f"Connection list: {loc.path}  ({loc.scope})")

    # -- behaviour -------------------------------------------------------------------------
    @property
    def profiles(self):
        if self._profiles is None:
            from .profiles import ProfilesView

            self._profiles = ProfilesView(self._profiles_tab, self)
            self._profiles.pack(fill="both", expand=True, padx=TAB_PAD, pady=(2, TAB_PAD))
            self._profiles.refresh()
        return self._profiles

    def refresh(self) -> None:
        if self.service is None:  # before _start_service: it refreshes
            return
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
        self._appearance = mode
        menu = getattr(self, "appearance_menu", None)  # None until just after the first paint
        if menu is not None and menu.get() != mode:
            menu.set(mode)
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


def _make_service():
    """Log set-up and the registry's folder (platformdirs, a write probe): after the first paint."""
    from ..core import logs

    logs.setup()
    from ..core.service import Service

    return Service()


def _register_keepalive() -> None:
    """The installed macOS app registers its daily keep-alive itself (a .dmg runs no installer);
    the Linux .deb and the Windows installer do it at install time."""
    if sys.platform != "darwin" or not getattr(sys, "frozen", False):
        return
    from pathlib import Path

    from ..core.helpdesk import ensure_macos_keepalive

    try:
        ensure_macos_keepalive(Path(sys.executable).with_name("xconn-cli"))
    except Exception:  # never stop the window for this; Diagnose reports a keep-alive that never ran
        log.exception("could not register the keep-alive agent")


def run(argv=None) -> int:
    """Start the window; returns the exit code."""
    try:
        window = MainWindow(make_service=_make_service)
    except tk.TclError as exc:  # no display (e.g. over SSH): say so, point at the command line
        import sys

        if sys.stderr:
            print(f"xconn: the window cannot open here ({exc}). Run it on the desktop, or use the "
                  "command line: xconn --help", file=sys.stderr)
        return 1
    _bench_first_paint(window)
    window.mainloop()
    return window.exit_code


def _bench_first_paint(window) -> None:
    """bench/: XCONN_BENCH_FIRST_PAINT=<file> gets the perf_counter() of the first painted frame
    ("painted"), of the frame with the toolbar and buttons built after it ("controls"), and the
    modules loaded at the first paint; XCONN_BENCH_EXIT=1 then closes the window."""
    import os

    target = os.environ.get("XCONN_BENCH_FIRST_PAINT")
    if not target:
        return
    import sys
    import time

    data: dict = {}

    def write() -> None:
        with open(target, "w", encoding="utf-8") as fh:
            json.dump(data, fh)

    def controls() -> None:
        if not window.started:
            window.after(1, controls)
            return
        data["controls"] = window.controls_shown_at
        write()
        if os.environ.get("XCONN_BENCH_EXIT") == "1":
            window.after(0, window.destroy)

    def painted(event) -> None:
        if event.widget is not window or "painted" in data:
            return
        window.update_idletasks()
        data.update(painted=time.perf_counter(), modules=sorted(sys.modules))
        write()
        window.after(0, controls)

    window.bind("<Expose>", painted, add="+")
