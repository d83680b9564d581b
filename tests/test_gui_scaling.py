"""150 % and 200 % display scaling (issue 11): Linux reads Xft.dpi, else the X server's DPI; the
window and the Connection Definition are usable on 1920x1080 at 150 % and 2560x1440 at 200 %.

Each check opens the window in its own process (tests/support/scaled_window.py) on a private X
server with openbox at that DPI: Tk keeps a display open for the life of its process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import conftest
import pytest
from xvfb import Xvfb

pytestmark = pytest.mark.gui

CLIENT_ID = conftest.CLIENT_ID
PROBE = conftest.SUPPORT / "scaled_window.py"


@pytest.fixture
def look(isolated, service):
    """``look(size, dpi, xft=None)``: what the window shows on such a screen (JSON from the probe)."""
    conftest.require(shutil.which("Xvfb") is not None, "Xvfb")
    conftest.require(shutil.which("openbox") is not None, "openbox (the window manager)")
    from xconn_app.core.model import Tenant

    conn = service.add("Sydney branch of Harbour Logistics", CLIENT_ID, "http://localhost:5000/callback")
    service.edit(conn.id, tenant=Tenant("c", "t", "Harbour Logistics (AU) Pty Ltd"))

    def run(size: str, dpi: int, xft: int | None = None) -> dict:
        with Xvfb(f"{size}x24", dpi=dpi) as server:
            if xft is not None:  # what GNOME, KDE or xrdb put in the X resources
                subprocess.run(
                    [
                        "xprop",
                        "-root",
                        "-f",
                        "RESOURCE_MANAGER",
                        "8s",
                        "-set",
                        "RESOURCE_MANAGER",
                        f"Xft.dpi:\t{xft}\n",
                    ],
                    check=True,
                )
            done = subprocess.run(
                [sys.executable, str(PROBE)],
                env=dict(os.environ, DISPLAY=server.name),
                capture_output=True,
                text=True,
                timeout=120,
            )
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    return run


@pytest.mark.parametrize(("size", "dpi", "scale"), [("1920x1080", 144, 1.5), ("2560x1440", 192, 2.0)])
def test_usable_at_150_and_200_percent(look, size, dpi, scale):
    seen = look(size, dpi)
    assert seen["scale"] == seen["table_scale"] == scale
    assert seen["rowheight"] == round(30 * scale) and seen["cell_pad"] == str(round(6 * scale) - 4)
    assert seen["width"] == round(1000 * scale) and seen["window_inside"]
    assert seen["cut_buttons"] == seen["min_cut_buttons"] == []
    assert seen["cut_cells"] == seen["min_cut_cells"] == []
    assert seen["rows"][0][1] == "Harbour Logistics (AU) Pty Ltd"
    assert seen["dialog_inside"], (seen["dialog_height"], seen["screen_height"])
    assert seen["dialog_cut_buttons"] == []


def test_linux_reads_xft_dpi(look):
    seen = look("1920x1080", 96, xft=144)  # an X server at 96 dpi, the desktop's scaling in Xft.dpi
    assert seen["scale"] == 1.5 and seen["width"] == 1500


def test_at_100_percent_nothing_is_scaled(look):
    seen = look("1366x768", 96)
    assert seen["scale"] == 1.0 and seen["width"] == 1000 and seen["dialog_inside"]
    assert seen["cut_buttons"] == seen["min_cut_buttons"] == []
