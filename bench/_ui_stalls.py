"""How long the window's Tk thread is blocked while big tables fill (not part of run.py yet).

bench/scale.py times ``show_rows()`` + ``update_idletasks()``: since the tables fill in slices
(xconn_app/ui/widgets/fill.py) that is only the first slice. This times the whole fill and the
longest time Tk could not run (an after(2) heartbeat's longest gap, so ~2 ms are the beat
itself), for the same registries.

    .venv/bin/python bench/_ui_stalls.py [SIZE ...]     (default 1000 10000; prints JSON)
"""

from __future__ import annotations

import json
import sys
import time

from _common import apply_env, ensure_display, isolated_env, median, temp_dir
from xvfb import TkHeartbeat


def pump(root, until, timeout=60.0):
    end = time.perf_counter() + timeout
    while not until():
        root.update()
        if time.perf_counter() > end:
            raise RuntimeError("timed out")


def timed(root, start, until) -> tuple[float, float]:
    """(ms until done, longest Tk stall in ms) of start(); the loop runs freely meanwhile."""
    root.update()
    beat = TkHeartbeat(root, 2)
    t = time.perf_counter()
    start()
    pump(root, until)
    took = time.perf_counter() - t
    root.update()
    return took * 1000, beat.stop() * 1000


def measure(n: int) -> dict:
    folder = temp_dir("stalls")
    apply_env(isolated_env(folder))
    import os

    os.environ["XCONN_CONFIG_DIR"] = str(folder / f"config-{n}")
    from recording import RecordingDialogs  # tests/support: the window's message boxes, recorded
    from scale import make_data

    from xconn_app.core.paths import CHOSEN, ListLocation
    from xconn_app.core.registry import Registry
    from xconn_app.core.service import Service
    from xconn_app.ui.app import MainWindow
    from xconn_app.ui.background import busy
    from xconn_app.ui.widgets.ctk_adapter import inner_entry

    cfg = folder / f"config-{n}"
    data = make_data(n, cfg)
    registry = Registry(ListLocation(cfg, CHOSEN, "bench"))
    registry.ensure_folder()
    registry.save(data)
    service = Service()
    win = MainWindow(service, dialogs=RecordingDialogs())
    win.dialogs.master = win
    beat = TkHeartbeat(win, 2)
    t = time.perf_counter()
    pump(win, lambda: win.connections.loaded and not busy(win))
    out = {"start_to_filled": (time.perf_counter() - t) * 1000, "start_stall": beat.stop() * 1000}
    view = win.connections

    fills = [timed(win, view.show_rows, lambda: view.fill.done) for _ in range(3)]
    out["fill_ms"] = median([f[0] for f in fills])
    out["fill_stall"] = median([f[1] for f in fills])
    out["fill_slice"] = view.fill.longest * 1000

    inner_entry(view.search).focus_force()
    win.update()

    def typing():
        for text in ("c", "co", "con", "conn"):
            view.search.delete(0, "end")
            view.search.insert(0, text)
            inner_entry(view.search).event_generate("<KeyRelease>", keysym="n")

    took, stall = timed(win, typing, lambda: view._search_job is None and view.fill.done)
    out["typing_conn_ms"], out["typing_stall"] = took, stall
    view.set_search("")
    pump(win, lambda: view.fill.done)

    win.tabs.set("Profiles")
    profiles = win.profiles
    pump(win, lambda: not busy(win) and len(profiles.profiles) == n and profiles.fill.done)
    fills = [timed(win, profiles.show, lambda: profiles.fill.done) for _ in range(3)]
    out["profiles_ms"], out["profiles_stall"] = median([f[0] for f in fills]), median([f[1] for f in fills])
    win.tabs.set("Connections")
    win.update()

    usage = []
    for _ in range(3):
        view.select(data.connections[0].id)
        box = {}

        def open_usage():
            box["d"] = view.usage()  # noqa: B023

        usage.append(
            timed(
                win,
                open_usage,
                lambda box=box: (
                    "d" in box
                    and box["d"].text.cget("text") != "Loading…"
                    and not busy(win)
                    and box["d"].table.fill.done
                ),
            )
        )
        box["d"].close()
        win.update()
    out["usage_ms"], out["usage_stall"] = median([u[0] for u in usage]), median([u[1] for u in usage])
    win.destroy()
    return {k: round(v, 1) for k, v in out.items()}


if __name__ == "__main__":
    ensure_display()
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 10000]
    if len(sizes) == 1:
        print(json.dumps({sizes[0]: measure(sizes[0])}))
    else:  # one process per size, as bench/scale.py does
        import subprocess

        for n in sizes:
            res = subprocess.run([sys.executable, __file__, str(n)], capture_output=True, text=True, timeout=600)
            print(res.stdout.strip() or res.stderr[-2000:])
