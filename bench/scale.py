"""3. Scale: registries of 100, 1,000 and 10,000 connections and as many capture profiles.

Registry load and save (fsync included), the Connections table fill in the real MainWindow
(rows inserted and painted), one keystroke in the search box, the Profiles table fill, and
opening the Usage dialog until its list shows.
"""

from __future__ import annotations

import random
import time

from _common import Row, apply_env, isolated_env, log, median, ms, temp_dir

SIZES = (100, 1000, 10000)
BUDGETS_MS = {1000: 50.0, 10000: 300.0}  # render and load+save


def make_data(n: int, list_folder=None):
    """n connections and profiles; this user's grants for 3 in 4 of them go to the user's state
    (for the list in list_folder), as authorizations would put them."""
    from xconn_app.core.grants import GrantStore, UserState
    from xconn_app.core.model import Connection, Grant, Profile
    from xconn_app.core.registry import RegistryData

    rnd = random.Random(n)
    now = time.time()
    conns, grants = [], {}
    for i in range(n):
        c = Connection(
            name=f"Connection {i:05d}",
            client_id="".join(rnd.choice("0123456789ABCDEF") for _ in range(32)),
            redirect_url=f"http://localhost:{5000 + i % 1000}/callback",
        )
        c.tenant_id = f"{rnd.getrandbits(128):032x}"
        c.tenant_name = f"Organisation {i:05d} Ltd"
        c.tenant_type = "ORGANISATION"
        kind = i % 4
        if kind:  # 3 in 4 authorized: connected, expiring soon, needing re-authorization
            age = {1: 2, 2: 50, 3: 70}[kind] * 86400
            grants[c.id] = Grant(
                connection_id=c.id,
                authorized_at=now - age,
                authorized_host="bench",
                last_refresh=now - age,
                needs_reauthorization=kind == 3,
                fingerprint=c.fingerprint,
            )
        conns.append(c)
    groups = max(1, n // 10)  # ten profiles per connection on the first tenth
    profiles = [Profile(name=f"Profile {i:05d}", connection_id=conns[i % groups].id) for i in range(n)]
    if list_folder is not None:
        with GrantStore(UserState(), list_folder).edit() as mine:
            mine.clear()
            mine.update(grants)
    return RegistryData(conns, profiles)


def _pump(root, cond, timeout=30.0) -> bool:
    from authorize import pump_until

    return pump_until(root, cond, timeout)


def run(sizes=SIZES) -> tuple[list[Row], dict]:
    """Each size in its own process: a second CTk root in one process starts slower and the first
    one's leftover after() jobs muddy the figures."""
    import json
    import subprocess
    import sys

    table: dict[int, dict[str, float]] = {}
    for n in sizes:
        res = subprocess.run([sys.executable, __file__, "--json", str(n)], capture_output=True, text=True, timeout=600)
        if res.returncode != 0:
            raise RuntimeError(f"scale {n} failed:\n{res.stderr[-2000:]}")
        table[n] = json.loads(res.stdout.strip().splitlines()[-1])[str(n)]
        log(f"scale {n}: " + ", ".join(f"{k} {v:.1f}" for k, v in table[n].items()))
    return _rows(sizes, table), {"scale_ms": table}


def measure(sizes) -> dict[int, dict[str, float]]:
    folder = temp_dir("scale")
    apply_env(isolated_env(folder))
    import os
    from pathlib import Path

    from recording import RecordingDialogs  # tests/support: the window's message boxes, recorded

    from xconn_app.core.paths import CHOSEN, ListLocation
    from xconn_app.core.registry import Registry
    from xconn_app.core.service import Service
    from xconn_app.ui.app import MainWindow
    from xconn_app.ui.background import busy

    table: dict[int, dict[str, float]] = {}
    for n in sizes:
        cfg = Path(folder) / f"config-{n}"
        os.environ["XCONN_CONFIG_DIR"] = str(cfg)
        data = make_data(n, cfg)
        reg = Registry(ListLocation(cfg, CHOSEN, "bench"))
        reg.ensure_folder()
        reg.save(data)
        reps = 7 if n <= 1000 else 3
        load = median([_timed(reg.load) for _ in range(reps)])
        save = median([_timed(lambda: reg.save(data)) for _ in range(reps)])  # noqa: B023
        size_kb = reg.path.stat().st_size / 1024

        service = Service()
        window = MainWindow(service, dialogs=RecordingDialogs())
        window.dialogs.master = window
        t0 = time.perf_counter()
        _pump(window, lambda: window.connections.loaded and not busy(window), 60)  # noqa: B023
        window.update_idletasks()
        first_fill = time.perf_counter() - t0  # registry read on a worker + the table filled
        view = window.connections

        def render():  # every row in: the fill runs in after() slices, so pump until it is done
            view.show_rows()  # noqa: B023
            _pump(window, lambda: view.fill.done, 60)  # noqa: B023
            window.update_idletasks()  # noqa: B023

        render_t = median([_timed(render) for _ in range(3)])
        slice_t = view.fill.longest
        rows_t = median([_timed(service.rows) for _ in range(3)])

        def keystroke(text):
            def go():
                view.set_search(text)  # what <KeyRelease> in the search box does  # noqa: B023
                window.update_idletasks()  # noqa: B023

            return go

        narrow = median([_timed(keystroke(t)) for t in ("Connection 0004", "Connection 00042", "Connection 000")])
        view.set_search("")
        window.update_idletasks()
        broad = _timed(keystroke("c"))  # the first letter typed matches every row
        view.set_search("")
        window.update_idletasks()

        window.tabs.set("Profiles")  # built when first shown (or at once, by older windows)
        window.profiles.refresh()
        _pump(window, lambda: not busy(window) and len(window.profiles.profiles) == n, 60)  # noqa: B023
        if len(window.profiles.profiles) != n:
            raise RuntimeError(f"the Profiles tab shows {len(window.profiles.profiles)} of {n} profiles")
        profiles_t = median([_timed(lambda: (window.profiles.show(), window.update_idletasks())) for _ in range(3)])  # noqa: B023
        window.tabs.set("Connections")
        window.update()

        usage_ts = []
        for _ in range(3):
            view.select(data.connections[0].id)  # the one with the most profiles
            t = time.perf_counter()
            dialog = view.usage()
            _pump(window, lambda: dialog.text.cget("text") != "Loading…" and not busy(window), 30)  # noqa: B023
            dialog.update_idletasks()
            usage_ts.append(time.perf_counter() - t)
            dialog.close()
            window.update()
        usage = median(usage_ts)
        window.destroy()
        table[n] = {
            "load": ms(load),
            "save": ms(save),
            "kb": size_kb,
            "first_fill": ms(first_fill),
            "render": ms(render_t),
            "slice": ms(slice_t),
            "rows": ms(rows_t),
            "filter_narrow": ms(narrow),
            "filter_first_key": ms(broad),
            "profiles": ms(profiles_t),
            "usage": ms(usage),
        }
    return table


def _rows(sizes, table) -> list[Row]:
    rows = []
    for n in sizes:
        f = table[n]
        budget = BUDGETS_MS.get(n)
        bud = f"<= {budget:.0f} ms" if budget else ""
        ls = f["load"] + f["save"]
        rows.append(
            Row(
                "scale",
                f"{n:,}: registry load + save ({f['kb']:.0f} KB)",
                f"{f['load']:.1f} + {f['save']:.1f} = {ls:.1f} ms",
                bud,
                ls <= budget if budget else None,
            )
        )
        rows.append(
            Row(
                "scale",
                f"{n:,}: Connections table render, all rows (longest Tk slice)",
                f"{f['render']:.1f} ms ({f['slice']:.1f})",
                bud,
                f["render"] <= budget if budget else None,
            )
        )
        rows.append(
            Row("scale", f"{n:,}: window built -> registry read, table filled", f"{f['first_fill']:.1f} ms", "", None)
        )
        rows.append(
            Row(
                "scale",
                f"{n:,}: search, one keystroke (narrow / first letter)",
                f"{f['filter_narrow']:.1f} / {f['filter_first_key']:.1f} ms",
                "",
                None,
            )
        )
        rows.append(Row("scale", f"{n:,}: Profiles table render", f"{f['profiles']:.1f} ms", "", None))
        rows.append(Row("scale", f"{n:,}: Usage dialog open -> list shown", f"{f['usage']:.1f} ms", "", None))
    return rows


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


if __name__ == "__main__":
    import sys

    from _common import ensure_display

    ensure_display()
    args = sys.argv[1:]
    if args and args[0] == "--json":  # one size, for run()
        import json

        print(json.dumps(measure([int(args[1])])))
    else:
        for r in run(tuple(int(a) for a in args) or SIZES)[0]:
            print(r.figure, r.value, r.budget, r.verdict)
