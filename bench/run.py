"""xconn performance figures: `scripts/dev bench` (or .venv/bin/python bench/run.py).

Prints one table (figure, measurement, budget, PASS/FAIL) and writes it to bench/RESULTS.md with
the machine it ran on. Ratios are taken against a floor measured in the same run, since these
machines are noisy. Starts its own Xvfb when DISPLAY is unset. Takes about a minute.

    bench/run.py                 everything
    bench/run.py startup scale   only those sections (startup, authorize, scale, token)
    bench/run.py --quick         fewer rounds, 100 and 1,000 only (a smoke run, no RESULTS.md)
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import BENCH, Row, ensure_display

SECTIONS = ("startup", "authorize", "scale", "token")


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or "unknown"
    try:
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "n/a"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "load": load,
    }


def table(rows: list[Row]) -> str:
    head = ("Section", "Figure", "Measured", "Budget", "Verdict")
    body = [(r.section, r.figure, r.value, r.budget or "-", r.verdict) for r in rows]
    widths = [max(len(x[i]) for x in [head, *body]) for i in range(5)]
    line = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"  # noqa: E731
    return "\n".join([line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [line(b) for b in body])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sections", nargs="*", metavar="SECTION", help=", ".join(SECTIONS))
    ap.add_argument("--quick", action="store_true", help="fewer rounds; do not write RESULTS.md")
    args = ap.parse_args(argv)
    chosen = args.sections or list(SECTIONS)
    for s in chosen:
        if s not in SECTIONS:
            ap.error(f"unknown section {s!r}; choose from {', '.join(SECTIONS)}")

    # Children compile once into a private bytecode cache, as an installed xconn would have .pyc
    # files (this repo's environment sets PYTHONDONTWRITEBYTECODE, which makes every start compile).
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / f"xconn-bench-pycache-{os.getuid()}")
    ensure_display()
    info = machine()
    print(
        f"xconn bench on {info['cpu']} ({info['cores']} cores), Python {info['python']}, load {info['load']}",
        file=sys.stderr,
    )

    rows: list[Row] = []
    extra: dict = {}
    started = time.perf_counter()
    q = args.quick
    for section in chosen:
        t = time.perf_counter()
        print(f"[{section}]", file=sys.stderr, flush=True)
        if section == "startup":
            import startup

            r, e = startup.run(rounds=3 if q else 15)
        elif section == "authorize":
            import authorize

            r, e = authorize.run(rounds=2 if q else 10)
        elif section == "scale":
            import scale

            r, e = scale.run(sizes=(100, 1000) if q else scale.SIZES)
        else:
            import token_handout

            r, e = token_handout.run(rounds=3 if q else 21)
        rows += r
        extra.update(e)
        print(f"  ({time.perf_counter() - t:.0f} s)", file=sys.stderr)
    elapsed = time.perf_counter() - started
    info["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())

    text = table(rows)
    print(text)
    failed = [r for r in rows if r.ok is False]
    print(
        f"\n{len(rows) - len(failed)} of {len(rows)} rows within budget or informational; "
        f"{len(failed)} over budget. {elapsed:.0f} s."
    )
    if not q and set(chosen) == set(SECTIONS):
        write_results(text, info, extra, elapsed)
    return 1 if failed else 0


def write_results(text: str, info: dict, extra: dict, elapsed: float) -> None:
    """Replace the generated part of RESULTS.md; the hand-written analysis below it stays."""
    path = BENCH / "RESULTS.md"
    marker = "<!-- analysis: written by hand, kept by bench/run.py -->"
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    analysis = old[old.index(marker) :] if marker in old else marker + "\n"
    imports = "\n".join(
        f"| {name} | {self_us / 1000:.1f} | {cum_us / 1000:.1f} |"
        for name, self_us, cum_us in extra.get("imports_top", [])
    )
    st = extra.get("startup_ms", {})
    startup = (
        (f"bare Tk {st.get('bare_tk', 0):.0f}, bare CTk {st.get('bare_ctk', 0):.0f}, xconn {st.get('app_runs')}")
        if st
        else "-"
    )
    sc = extra.get("scale_ms") or {}
    keys = list(next(iter(sc.values())).keys()) if sc else []
    scale = "\n".join(
        ["| size | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
        + [f"| {n:,} | " + " | ".join(f"{v[k]:.1f}" for k in keys) + " |" for n, v in sc.items()]
    )
    token = ", ".join(f"{k} {v:.2f}" for k, v in (extra.get("token_ms") or {}).items())
    parts = "\n".join(f"| {k} | {v} |" for k, v in (extra.get("startup_phases") or {}).items())
    groups = ", ".join(f"{name} {us / 1000:.1f} ms" for name, us in extra.get("imports_groups", []))
    body = f"""# xconn performance figures

Generated by `scripts/dev bench` (bench/run.py) on {info["date"]}:
{info["cpu"]}, {info["cores"]} cores, Python {info["python"]}, {info["os"]};
load average {info["load"]} before, {info["load_after"]} after; the run took {elapsed:.0f} s.
Medians of repeated runs; ratios against a floor measured in the same run.

{text}

## Where start-up time goes

Imports done before the first paint (`python -X importtime -m xconn_app`; importtime itself
inflates them): {extra.get("imports_total_us", 0) / 1000:.0f} ms in all. By top-level package (self time): {groups}.

| Module (10 slowest, self time) | self ms | cumulative ms |
|---|---|---|
{imports}

In one process, phase by phase (bench/_startup_parts.py, median of 5; Python's own start
and `site` come before these):

| Phase | ms |
|---|---|
{parts}

Every start-up run (ms): {startup}

## Raw figures

Authorize, every round (ms): callback -> tenants {extra.get("authorize_ms")}; longest stall
{extra.get("stall_ms")}, at ms after Authorize was pressed {extra.get("stall_at_ms_after_press")}.

Scale (ms; "rows" is Service.rows(): registry read + statuses, on a worker thread):

{scale}

Token (ms): {token}

"""
    path.write_text(body + analysis, encoding="utf-8")
    print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
