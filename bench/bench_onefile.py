"""Cold start of the frozen app: `python bench/bench_onefile.py [--runs 5] [--build]`.

Measures, under a private Xvfb, the time from spawning the program to the first painted main
window (the GUI writes time.perf_counter() on its first <Expose> when XCONN_BENCH_FIRST_PAINT
is set; perf_counter is CLOCK_MONOTONIC on Linux, comparable across processes) for:
  onefile  dist/xconn                 (what ships)
  onedir   dist/onedir/xconn/xconn    (same code, nothing to unpack: isolates the unpack cost)
  source   python -m xconn_app
  bare Tk  python -c "tkinter.Tk()"   (the floor of the start-up budget, bench/RESULTS.md)
and `--version` of the CLI executables. Prints medians; budget: onefile start <= 1.0 s.
--build (re)builds dist/ and dist/onedir/ first; missing builds are made anyway.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONEFILE = ROOT / "dist" / "xconn"
ONEFILE_CLI = ROOT / "dist" / "xconn-cli"
ONEDIR = ROOT / "dist" / "onedir" / "xconn" / "xconn"
ONEDIR_CLI = ROOT / "dist" / "onedir" / "xconn" / "xconn-cli"
BUDGET_ONEFILE = 1.0

BARE_TK = r"""
import json, os, sys, time, tkinter
root = tkinter.Tk()
root.title("bare")
def painted(event):
    if event.widget is root:
        with open(os.environ["XCONN_BENCH_FIRST_PAINT"], "w") as fh:
            json.dump({"painted": time.perf_counter()}, fh)
        root.after(0, root.destroy)
root.bind("<Expose>", painted, add="+")
root.mainloop()
"""


class Xvfb:
    def __enter__(self):
        r, w = os.pipe()
        self.proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(w), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
            pass_fds=(w,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(w)
        with os.fdopen(r) as fh:
            number = fh.readline().strip()
        if not number:
            raise SystemExit("Xvfb did not start")
        self.display = f":{number}"
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(10)


def clean_env(tmp: Path, display: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XCONN_", "PYTHON_KEYRING", "XDG_"))}
    env.update(
        DISPLAY=display,
        HOME=str(tmp),
        XDG_STATE_HOME=str(tmp / "state"),
        XDG_CONFIG_HOME=str(tmp / "cfg"),
        XCONN_CONFIG_DIR=str(tmp / "registry"),
        XCONN_LOG_DIR=str(tmp / "logs"),
        XCONN_BENCH_EXIT="1",
    )
    return env


def first_paint(cmd: list[str], env: dict, stamp: Path, timeout: float = 60) -> float:
    stamp.unlink(missing_ok=True)
    env = dict(env, XCONN_BENCH_FIRST_PAINT=str(stamp))
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=timeout)
    if not stamp.exists():
        raise RuntimeError(f"{cmd[0]} never painted (exit {proc.returncode}): {proc.stderr[-1500:]}")
    return json.loads(stamp.read_text())["painted"] - started


def wall(cmd: list[str], env: dict) -> float:
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, timeout=60)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd} failed: {proc.stderr[-500:]}")
    return elapsed


def median_of(fn, runs: int) -> tuple[float, float, float]:
    fn()  # warm-up (page cache), not counted
    values = [fn() for _ in range(runs)]
    return statistics.median(values), min(values), max(values)


def unpacked_per_start(exe: Path) -> tuple[int, float]:
    """Files and MB a onefile start writes to its temporary folder (everything but the PYZ)."""
    try:
        from PyInstaller.archive.readers import CArchiveReader
    except ImportError:
        return 0, 0.0
    toc = CArchiveReader(str(exe)).toc
    items = [(name, entry) for name, entry in toc.items() if entry[4] in ("b", "x", "d", "n", "Z")]
    return len(items), sum(entry[2] for _, entry in items) / 1e6


def ensure_builds(rebuild: bool) -> None:
    sys.path.insert(0, str(ROOT / "build"))
    sys.dont_write_bytecode = True  # no __pycache__ in build/
    import build as builder  # build/build.py

    if rebuild or not (ONEFILE.exists() and ONEFILE_CLI.exists()):
        builder.build("onefile")
    if rebuild or not (ONEDIR.exists() and ONEDIR_CLI.exists()):
        builder.build("onedir")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--build", action="store_true", help="rebuild dist/ and dist/onedir/ first")
    args = ap.parse_args(argv)
    if not shutil.which("Xvfb"):
        raise SystemExit("needs Xvfb")
    ensure_builds(args.build)

    rows = []
    with tempfile.TemporaryDirectory() as tmpdir, Xvfb() as x:
        tmp = Path(tmpdir)
        env = clean_env(tmp, x.display)
        stamp = tmp / "paint.json"
        gui = [
            ("bare Tk window (floor)", [sys.executable, "-c", BARE_TK]),
            ("source: python -m xconn_app", [sys.executable, "-m", "xconn_app"]),
            ("onedir: dist/onedir/xconn/xconn", [str(ONEDIR)]),
            ("onefile: dist/xconn", [str(ONEFILE)]),
        ]
        src_env = dict(env, PYTHONPATH=str(ROOT))
        for label, cmd in gui:
            e = src_env if cmd[0] == sys.executable else env
            rows.append(
                (label, "first painted window", *median_of(lambda c=cmd, e=e: first_paint(c, e, stamp), args.runs))
            )
        cli = [
            ("python -m xconn_app --version", [sys.executable, "-m", "xconn_app", "--version"]),
            ("onedir xconn-cli --version", [str(ONEDIR_CLI), "--version"]),
            ("onefile xconn-cli --version", [str(ONEFILE_CLI), "--version"]),
        ]
        for label, cmd in cli:
            e = src_env if cmd[0] == sys.executable else env
            rows.append((label, "process exit", *median_of(lambda c=cmd, e=e: wall(c, e), args.runs)))

    print(f"\nxconn cold start, median of {args.runs} runs (min-max), Xvfb, {os.cpu_count()} CPUs\n")
    width = max(len(r[0]) for r in rows)
    print(f"{'program'.ljust(width)}  {'until':<21} {'median':>8}  {'range':>15}")
    for label, what, med, lo, hi in rows:
        print(f"{label.ljust(width)}  {what:<21} {med * 1000:7.0f} ms  {lo * 1000:6.0f}-{hi * 1000:.0f} ms")

    by = {r[0]: r[2] for r in rows}
    onefile = by["onefile: dist/xconn"]
    onedir = by["onedir: dist/onedir/xconn/xconn"]
    files, mb = unpacked_per_start(ONEFILE)
    unpack = onefile - onedir
    print()
    print(f"onefile unpacks {files} files / {mb:.1f} MB to a temporary folder at every start;")
    print(
        f"that costs {unpack * 1000:.0f} ms here ({unpack / onefile:.0%} of the onefile start: onefile "
        f"{onefile * 1000:.0f} ms vs onedir {onedir * 1000:.0f} ms)."
    )
    cli_unpack = by["onefile xconn-cli --version"] - by["onedir xconn-cli --version"]
    print(f"xconn-cli --version: {cli_unpack * 1000:.0f} ms of unpacking on top of the same start.")
    verdict = "within" if onefile <= BUDGET_ONEFILE else "OVER"
    print(f"budget: onefile start <= {BUDGET_ONEFILE:.1f} s -> {onefile:.2f} s, {verdict} budget")
    return 0 if onefile <= BUDGET_ONEFILE else 1


if __name__ == "__main__":
    sys.exit(main())
