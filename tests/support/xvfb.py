"""A private X server with a window manager for GUI tests: ``from xvfb import display, make_window  # noqa``.

Starts ``Xvfb`` on a free display number (1366x768, the issue's office screen), then openbox on it
(raising, focus and the urgency hint behave as on a desktop), points DISPLAY at it for the session
and stops both at the end. ``Xvfb(dpi=144)`` plays 150 % display scaling, 192 plays 200 %. Without
Xvfb or openbox the tests skip on a laptop and fail in CI.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import threading
import time

import pytest

SCREEN = "1366x768x24"


class Xvfb:
    def __init__(self, screen: str = SCREEN, *, dpi: int | None = None, wm: bool = True):
        self.screen = screen
        self.dpi = dpi
        self.wm = wm
        self.wm_proc: subprocess.Popen | None = None
        self.proc: subprocess.Popen | None = None
        self.name = ""
        self._old = None

    def start(self, timeout: float = 15.0) -> Xvfb:
        # -displayfd: Xvfb picks a free display number itself and writes it to the pipe once it
        # accepts clients. Guessing a number from /tmp/.X*-lock raced with parallel test runs: the
        # loser connected to the winner's server and crashed (SIGBUS) when that one stopped.
        read_fd, write_fd = os.pipe()
        try:
            extra = ["-dpi", str(self.dpi)] if self.dpi else []
            self.proc = subprocess.Popen(
                ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", self.screen, "-nolisten", "tcp", *extra],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                pass_fds=(write_fd,),
            )
            os.close(write_fd)
            write_fd = -1
            number = self._read_display(read_fd, timeout)
        finally:
            os.close(read_fd)
            if write_fd >= 0:
                os.close(write_fd)
        if number is None:
            self.stop()
            raise RuntimeError("Xvfb did not start")
        self.name = f":{number}"
        self._old = os.environ.get("DISPLAY")
        os.environ["DISPLAY"] = self.name
        if not self._ready():
            self.stop()
            raise RuntimeError("Xvfb does not accept clients")
        if self.wm and shutil.which("openbox"):  # the GUI tests require it (display); others take it if there
            self._start_wm(timeout)
        return self

    def _start_wm(self, timeout: float) -> None:
        """openbox on this display; ready once it has set _NET_SUPPORTING_WM_CHECK on the root window."""
        import tempfile

        env = dict(os.environ, DISPLAY=self.name)
        with tempfile.TemporaryFile() as said:
            self.wm_proc = subprocess.Popen(["openbox", "--sm-disable"], env=env, stdout=said, stderr=said)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                out = subprocess.run(
                    ["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"], env=env, capture_output=True, text=True
                ).stdout
                if "window id" in out:
                    return
                time.sleep(0.05)
            said.seek(0)
            why = said.read().decode(errors="replace")[-2000:]
        self.stop()
        raise RuntimeError(f"openbox did not start: {why}")

    def _read_display(self, fd: int, timeout: float) -> int | None:
        import select

        data = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                chunk = os.read(fd, 64)
                if not chunk:
                    break
                data += chunk
                if data.endswith(b"\n"):
                    return int(data.strip())
        return int(data.strip()) if data.strip().isdigit() else None

    def _ready(self) -> bool:
        if shutil.which("xdpyinfo"):
            return subprocess.run(["xdpyinfo"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
        try:
            import tkinter

            tkinter.Tk().destroy()
            return True
        except Exception:
            return False

    def stop(self) -> None:
        if self.wm_proc is not None:
            self.wm_proc.terminate()
            try:
                self.wm_proc.wait(5)
            except subprocess.TimeoutExpired:
                self.wm_proc.kill()
                self.wm_proc.wait()
            self.wm_proc = None
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
        if self._old is None:
            os.environ.pop("DISPLAY", None)
        else:
            os.environ["DISPLAY"] = self._old
        self._old = None

    def __enter__(self) -> Xvfb:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


_shared: dict = {"server": None, "users": 0}


@pytest.fixture(scope="session")
def display():
    """DISPLAY of one private Xvfb with openbox for the whole session (each test module imports this
    fixture, so pytest makes one per module: they share the one server)."""
    import conftest

    conftest.require(shutil.which("Xvfb") is not None, "Xvfb")
    conftest.require(shutil.which("openbox") is not None, "openbox (the window manager)")
    if _shared["server"] is None:
        _shared["server"] = Xvfb().start()
    _shared["users"] += 1
    server = _shared["server"]
    os.environ["DISPLAY"] = server.name
    try:
        yield server.name
    finally:
        _shared["users"] -= 1
        if _shared["users"] == 0:
            _shared["server"] = None
            server.stop()


def pump(widget, until=None, *, timeout: float = 15.0, seconds: float | None = None):
    """Run the Tk event loop until ``until()`` holds (or for ``seconds``); fail on timeout."""
    end = time.monotonic() + (seconds if seconds is not None else timeout)
    while True:
        widget.update()
        if until is not None and until():
            return
        if time.monotonic() >= end:
            if until is None:
                return
            raise AssertionError(f"condition not met within {timeout} s: {getattr(until, '__name__', until)}")
        time.sleep(0.005)


# -- helpers shared by the GUI tests -----------------------------------------------------------


def follow_in_thread(url: str) -> None:
    """What a browser with automatic consent does: follow the redirects to the loopback server."""
    import requests

    threading.Thread(target=lambda: requests.get(url, timeout=10), daemon=True).start()


def authorize(service, conn_id):
    outcome = service.authorize(conn_id, open_browser=False, on_url=follow_in_thread)
    service.accept(outcome)
    return outcome


@pytest.fixture
def make_window(display, isolated):
    """Build MainWindow(service, dialogs=RecordingDialogs()) and wait for the first load."""
    from recording import RecordingDialogs

    from xconn_app.ui.app import MainWindow

    built = []

    def make(service, answers=None):
        win = MainWindow(service, dialogs=RecordingDialogs(answers))
        built.append(win)
        pump(win, lambda: win.connections.loaded)
        return win

    yield make
    for win in built:
        with contextlib.suppress(Exception):
            win.destroy()


def rows(win):
    tree = win.connections.tree
    return [tuple(tree.item(i, "values")) for i in tree.get_children()]


def row_of(win, name):
    for values in rows(win):
        if values[0] == name:
            return values
    raise AssertionError(f"no row {name!r} in {rows(win)}")


def open_edit(win, conn):
    """Select a connection, press Edit, and wait until its definition dialog is filled in and shown."""
    win.connections.select(conn.id)
    return shown(win, win.connections.edit())


def shown(win, dialog):
    """Wait until a Connection Definition is built to the end and on the screen (it takes three turns of
    the event loop, so that Tk never stalls); returns it."""
    pump(win, lambda: getattr(dialog, "ready", True) and dialog.winfo_viewable())
    return dialog


def focused(widget) -> bool:
    """Has ``widget`` (a customtkinter widget or its inner one) the keyboard focus?"""
    from xconn_app.ui.widgets.keys import focus_target

    try:
        return widget.focus_get() is focus_target(widget)
    except KeyError:
        return False


class TkHeartbeat:
    """An after() tick every interval_ms on the Tk thread: the longest gap between ticks is the
    longest time the Tk thread was blocked (tests and bench use it to check nothing freezes)."""

    def __init__(self, root, interval_ms: int = 5):
        self.root, self.interval = root, interval_ms
        self.last, self.longest, self.running = time.perf_counter(), 0.0, True
        root.after(interval_ms, self.tick)

    def tick(self) -> None:
        t = time.perf_counter()
        self.longest = max(self.longest, t - self.last)
        self.last = t
        if self.running:
            self.root.after(self.interval, self.tick)

    def stop(self) -> float:
        self.running = False
        return self.longest
