"""Build the xconn executables with PyInstaller: `python build/build.py [--mode onefile|onedir|app]`.

onefile (default): dist/xconn (windowed) and dist/xconn-cli (console); xconn.exe / xconn-cli.exe
on Windows. onedir: dist/onedir/xconn/ (for the start-time comparison in bench/). app (macOS):
dist/xconn.app. PyInstaller's work files go to .pyinstaller/<mode>/ (git-ignored), never build/.
After building, the CLI executable is smoke-tested with --version.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "build" / "xconn.spec"
EXE = ".exe" if sys.platform == "win32" else ""


def outputs(mode: str) -> list[Path]:
    dist = ROOT / "dist"
    if mode == "onefile":
        return [dist / f"xconn{EXE}", dist / f"xconn-cli{EXE}"]
    if mode == "onedir":
        return [dist / "onedir" / "xconn" / f"xconn{EXE}", dist / "onedir" / "xconn" / f"xconn-cli{EXE}"]
    return [dist / "xconn.app" / "Contents" / "MacOS" / "xconn", dist / "xconn.app" / "Contents" / "MacOS" / "xconn-cli"]


def build(mode: str = "onefile", clean: bool = False) -> list[Path]:
    distpath = ROOT / "dist" / ("onedir" if mode == "onedir" else "")
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
           "--workpath", str(ROOT / ".pyinstaller" / mode), "--distpath", str(distpath), str(SPEC)]
    if clean:
        cmd.insert(3, "--clean")
    env = dict(os.environ, XCONN_BUILD_MODE=mode)
    # the app must find its backends itself: a test's PYTHON_KEYRING_BACKEND has no business here
    env.pop("PYTHON_KEYRING_BACKEND", None)
    started = time.monotonic()
    subprocess.run(cmd, cwd=ROOT, env=env, check=True)
    made = outputs(mode)
    missing = [str(p) for p in made if not p.exists()]
    if missing:
        raise SystemExit(f"build finished but these are missing: {', '.join(missing)}")
    cli = made[1]
    version = subprocess.run([str(cli), "--version"], capture_output=True, text=True, timeout=60)
    if version.returncode != 0 or not version.stdout.startswith("xconn "):
        raise SystemExit(f"{cli} --version failed ({version.returncode}): {version.stdout}{version.stderr}")
    print(f"built {mode} in {time.monotonic() - started:.0f} s: {version.stdout.strip()}")
    for p in made:
        size = p.stat().st_size if p.is_file() else 0
        print(f"  {p.relative_to(ROOT)}  {size / 1e6:.1f} MB" if size else f"  {p.relative_to(ROOT)}")
    return made


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mode", choices=["onefile", "onedir", "app"], default="onefile")
    ap.add_argument("--clean", action="store_true", help="empty PyInstaller's cache first")
    args = ap.parse_args(argv)
    if args.mode == "app" and sys.platform != "darwin":
        ap.error("--mode app builds a macOS .app and needs macOS")
    build(args.mode, args.clean)
    return 0


if __name__ == "__main__":
    sys.exit(main())
