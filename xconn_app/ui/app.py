"""The main window: Connections and Profiles tabs, appearance menu, status bar, saved geometry,
display scaling, the window's Tab order and keyboard shortcuts."""

from __future__ import annotations

import contextlib
import json
import logging
import re
import sys
import time
import tkinter as tk

import customtkinter as ctk

from .dialogs import Dialogs, describe
from .widgets import ctk_adapter as inner
from .widgets.keys import Choice, TabOrder, bind_keys, install_text_keys, press
from .widgets.theme import GAP, MUTED_TEXT, PAD, header_font

log = logging.getLogger("xconn.ui")

TITLE = "xconn — Xero Connections"
DEFAULT_SIZE = (1000, 600)
MIN_SIZE = (880, 520)
START_FALLBACK_MS = 300  # the controls and the list's read, should no <Expose> come by then
APPEARANCES = ("System", "Light", "Dark")
TAB_PAD = 10  # inner margin of the (square) tab view
APPEARANCE_WIDTH = 110


def _state_file():
    # platformdirs itself, not core.paths.user_state_dir: that module's imports would come before the
    # first paint. Same folder: core.paths.user_state_dir().
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


def display_scale() -> float:
    """150 % and 200 % display scaling on Linux: Xft.dpi (set by GNOME, KDE, xrdb), else the X server's
    DPI; in quarter steps. Windows and macOS: customtkinter asks the system itself (1.0 here). Read
    before the window exists, so that it is made at its size."""
    if not sys.platform.startswith("linux") and "bsd" not in sys.platform:
        return 1.0
    from . import x11

    dpi = x11.dpi()
    return max(1.0, round(dpi / 96 * 4) / 4) if dpi else 1.0


class MainWindow(ctk.CTk):
    """Shown progressively: the first paint has the real frame (header, tabs, the table, the status
    bar); right after it is on screen (``_after_first_paint``) come the toolbar and button rows,
    then the appearance menu, the status texts and the table's scrollbar, then the service and
    the list's read on a worker thread. Each step is flushed to the screen before the next.

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
        self.scale = display_scale()
        inner.set_display_scaling(self.scale)
        # WM_CLASS "xconn", "Xconn": docks match the window to xconn.desktop (StartupWMClass=Xconn)
        super().__init__(className="xconn")
        self.tk.call("tk", "scaling", self.scale * 96 / 72)  # Tk's own fonts (menus) in the same steps
        install_text_keys(self)
        self.service = service
        self._make_service = make_service
        self.dialogs = dialogs or Dialogs(self)
        if self.dialogs.master is None:
            self.dialogs.master = self
        self.exit_code = 0
        self.started = False  # _after_first_paint has run: controls built, the list's read started
        self.controls_shown_at = 0.0
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
        for button in inner.tab_buttons(self.tabs).values():  # square tabs need room
            button.configure(width=118, height=30)
        self.tabs.set("Connections")
        from .statusbar import StatusBar

        self.status_bar = StatusBar(self)
        self.status_bar.grid(row=2, column=0, sticky="ew", pady=(GAP, 0))
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
        with contextlib.suppress(tk.TclError):
            self.after_cancel(self._start_fallback)
        # The toolbar, then the buttons: what the person acts on first, each on screen before the next
        # step (in one go they held Tk ~80 ms)
        self.connections.build_toolbar()
        self.update_idletasks()
        self.after(0, self._build_buttons)

    def _build_buttons(self) -> None:
        self.connections.build_buttons()
        self.update_idletasks()
        self.controls_shown_at = time.perf_counter()
        self.after(0, self._build_rest)

    def _build_rest(self) -> None:
        self._build_controls()
        self.connections.add_scrollbar()
        self.tab_order = TabOrder(self, self._tab_items)
        for sequence, action in self.connections.shortcuts().items():
            bind_keys(self, (sequence,), press(action))
        bind_keys(self, ("<Control-Tab>", "<Control-Next>", "<Control-Prior>"), press(self.next_tab))
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
        self.status_bar.show_location(self.service.location)
        self.refresh()
        if sys.platform == "darwin":
            from .background import run_in_background

            run_in_background(self, lambda: _register_keepalive(self.service), on_error=lambda exc: None)

    # -- layout -------------------------------------------------------------------------------------
    def _build_header(self, appearance: str) -> None:
        head = ctk.CTkFrame(self, fg_color="transparent")
        head.grid(row=0, column=0, sticky="ew", padx=PAD + 4, pady=(PAD, 0))
        head.grid_columnconfigure(1, weight=1)
        ctk.CTkLabel(head, text="Xero Connections", font=header_font(), anchor="w").grid(row=0, column=0, sticky="w")
        ctk.CTkLabel(
            head, text="Connections every capture profile can use to reach Xero", text_color=MUTED_TEXT, anchor="w"
        ).grid(row=0, column=1, sticky="w", padx=(PAD, 0), pady=(4, 0))
        self._head, self._appearance = head, appearance

    def _build_controls(self) -> None:
        """The appearance menu and the status bar's labels, right after the toolbar and buttons."""
        ctk.CTkLabel(self._head, text="Appearance", text_color=MUTED_TEXT).grid(
            row=0, column=2, sticky="e", padx=(0, GAP)
        )
        self.appearance_menu = Choice(
            self._head,
            values=list(APPEARANCES),
            width=APPEARANCE_WIDTH,
            command=self.set_appearance,
            tooltip="Light, dark, or as the system is",
        )
        self.appearance_menu.set(self._appearance if self._appearance in APPEARANCES else "System")
        self.appearance_menu.grid(row=0, column=3, sticky="e")
        self.status_bar.build()

    def _tab_items(self) -> list:
        items = list(self.connections.tab_items())
        if self._profiles is not None:
            items += self._profiles.tab_items()
        return [*items, getattr(self, "appearance_menu", None)]

    def next_tab(self) -> None:
        self.tabs.set("Profiles" if self.tabs.get() == "Connections" else "Connections")
        self._tab_changed()

    # -- behaviour ----------------------------------------------------------------------------------
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
        self.connections.refresh(then=self._show_keepalive)
        self.refresh_profiles()

    def refresh_profiles(self) -> None:
        if self._profiles is not None:
            self._profiles.refresh()
        elif self.tabs.get() == "Profiles":
            self.profiles  # noqa: B018 - builds and loads the tab

    def _show_keepalive(self) -> None:
        authorized = sum(1 for r in self.connections.rows if r.grant is not None)
        self.status_bar.show_keepalive(self.service, authorized)

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
            # geometry() is in customtkinter's unscaled units: the screen too (1920 px at 150 % is 1280)
            sw, sh = round(self.winfo_screenwidth() / self.scale), round(self.winfo_screenheight() / self.scale)
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
            width, height, x, y = (int(v) for v in m.groups())  # customtkinter's unscaled units, as restored
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

    def report_callback_exception(self, exc_type, exc, tb) -> None:
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
    """Log set-up and the list's folder (platformdirs, the folder checks): after the first paint."""
    from ..core import logs

    logs.setup()
    from ..core.service import Service

    return Service()


def _register_keepalive(service) -> None:
    """The installed macOS app turns its daily keep-alive on for its user (a .pkg runs no per-user step);
    the Linux .deb and the Windows installer do it at install time."""
    if sys.platform != "darwin" or not getattr(sys, "frozen", False):
        return
    from ..core.keepalive import OFF

    try:
        if service.keepalive.state().code == OFF:
            service.keepalive.turn_on()
    except Exception:  # never stop the window for this; Diagnose reports a keep-alive that is off
        log.exception("could not register the keep-alive agent")


def run(argv=None) -> int:
    """Start the window; returns the exit code."""
    try:
        window = MainWindow(make_service=_make_service)
    except tk.TclError as exc:  # no display (e.g. over SSH): say so, point at the command line
        if sys.stderr:
            print(
                f"xconn: the window cannot open here ({exc}). Run it on the desktop, or use the "
                "command line: xconn --help",
                file=sys.stderr,
            )
        return 1
    from . import probes

    probes.install(window)
    window.mainloop()
    return window.exit_code
