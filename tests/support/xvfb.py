"""A private X server for GUI tests: ``from xvfb import display, make_window  # noqa`` in a test module.

Starts ``Xvfb :N`` on a free display number, waits until it accepts clients, points DISPLAY at it
for the session and stops it at the end. Without Xvfb the tests skip on a laptop and fail in CI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

SCREEN = "1280x800x24"


def _free_display() -> int:
    for n in range(90, 400):
        if not Path(f"/tmp/.X{n}-lock").exists() and not Path(f"/tmp/.X11-unix/X{n}").exists():
            return n
    raise RuntimeError("no free X display number")


class Xvfb:
    def __init__(self, screen: str = SCREEN):
        self.screen = screen
        self.proc: subprocess.Popen | None = None
        self.name = ""
        self._old = None

    def start(self, timeout: float = 15.0) -> "Xvfb":
        for _attempt in range(5):
            n = _free_display()
            self.proc = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", self.screen, "-nolisten", "tcp"],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            socket = Path(f"/tmp/.X11-unix/X{n}")
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self.proc.poll() is None:
                if socket.exists():
                    self.name = f":{n}"
                    self._old = os.environ.get("DISPLAY")
                    os.environ["DISPLAY"] = self.name
                    if self._ready():
                        return self
                time.sleep(0.05)
            self.stop()  # lost a race for the number, or too slow: try another one
        raise RuntimeError("Xvfb did not start")

    def _ready(self) -> bool:
        if shutil.which("xdpyinfo"):
            return subprocess.run(["xdpyinfo"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
        try:
            import tkinter

            tkinter.Tk().destroy()
            return True
        except Exception:  # noqa: BLE001 - not accepting clients yet
            return False

    def stop(self) -> None:
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

    def __enter__(self) -> "Xvfb":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


@pytest.fixture(scope="session")
def display():
    """DISPLAY of a private Xvfb for the whole session."""
    import conftest

    conftest.require(shutil.which("Xvfb") is not None, "Xvfb")
    with Xvfb() as x:
        yield x.name


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
    return service.authorize(conn_id, open_browser=False, on_url=follow_in_thread)


@pytest.fixture
def make_window(display, isolated):
    """Build MainWindow(service, dialogs=RecordingDialogs()) and wait for the first load."""
    from xconn_app.ui.app import MainWindow
    from xconn_app.ui.dialogs import RecordingDialogs

    built = []

    def make(service, answers=None):
        win = MainWindow(service, dialogs=RecordingDialogs(answers))
        built.append(win)
        pump(win, lambda: win.connections.loaded)
        return win

    yield make
    for win in built:
        try:
            win.destroy()
        except Exception:  # noqa: BLE001 - already closed by the test
            pass


def rows(win):
    tree = win.connections.tree
    return [tuple(tree.item(i, "values")) for i in tree.get_children()]


def row_of(win, name):
    for values in rows(win):
        if values[0] == name:
            return values
    raise AssertionError(f"no row {name!r} in {rows(win)}")
