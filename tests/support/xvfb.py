"""A private X server for GUI tests: ``from xvfb import display  # noqa`` in a test module.

Starts ``Xvfb :N`` on a free display number, waits until it accepts clients, points DISPLAY at it
for the session and stops it at the end. Without Xvfb the tests skip on a laptop and fail in CI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
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
