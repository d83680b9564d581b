"""Robustness figures (SECURITY.md): the reliability and security suites at full counts.

    .venv/bin/python bench/robustness.py            # full counts (XCONN_STRESS_SCALE=1)
    .venv/bin/python bench/robustness.py --scale 5  # a longer soak: 5,000 hostile requests, 2,500 saves...

XCONN_STRESS_SCALE is the one knob the suites read (tests/support/attack.py); CI runs them with
its default (1.0, about a minute) and may lower it for speed. Prints one line per test with its
time, then the totals; exits non-zero when any test fails.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUITES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests").glob("test_reliability_*.py")) + sorted(
    str(p.relative_to(ROOT)) for p in (ROOT / "tests").glob("test_security_*.py")
)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0, help="XCONN_STRESS_SCALE (1 = the documented full counts)")
    ap.add_argument("-k", default="", help="pytest -k expression")
    args = ap.parse_args(argv)
    env = dict(os.environ, XCONN_STRESS_SCALE=str(args.scale))
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--durations=0", "-rfE", *SUITES]
    if args.k:
        cmd += ["-k", args.k]
    print(f"XCONN_STRESS_SCALE={args.scale}: {len(SUITES)} suites", flush=True)
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.monotonic() - start
    rows = re.findall(r"^([\d.]+)s call\s+(\S+)$", proc.stdout, re.M)
    for secs, test in sorted(rows, key=lambda r: -float(r[0])):
        print(f"{float(secs):8.2f} s  {test}")
    summary = [line for line in proc.stdout.splitlines() if re.search(r"\d+ (passed|failed)", line)]
    failed = [line for line in proc.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))]
    for line in failed:
        print(line)
    print(f"total {wall:.1f} s wall; {summary[-1].strip('= ') if summary else 'no summary'}")
    if proc.returncode and not rows:
        print(proc.stdout[-3000:], proc.stderr[-3000:], sep="\n")
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
