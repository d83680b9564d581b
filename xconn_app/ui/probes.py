"""The bench's one hook into the window (bench/startup.py), off unless its variable is set.

``XCONN_BENCH_FIRST_PAINT=<file>``: writes the perf_counter() of the first painted frame
("painted"), of the frame with the toolbar and buttons built after it ("controls"), and the
modules loaded at the first paint; ``XCONN_BENCH_EXIT=1`` then closes the window. Nothing else in
the product knows about the bench.
"""

from __future__ import annotations

import json
import os
import sys
import time


def install(window) -> None:
    target = os.environ.get("XCONN_BENCH_FIRST_PAINT")
    if not target:
        return
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
