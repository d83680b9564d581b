"""Build the xconn executables with PyInstaller: `python build/build.py [--mode onefile|onedir|app]`.

onefile (default): dist/xconn (windowed) and dist/xconn-cli (console); xconn.exe / xconn-cli.exe
on Windows: the portable download. onedir: dist/onedir/xconn/ (what the .deb and the Windows
installer ship). app (macOS): dist/xconn.app. PyInstaller's work files go to .pyinstaller/<mode>/
(git-ignored), never build/.

After building, every executable must say `xconn <version>` for --version, the version of
pyproject.toml (the one source), and on Windows carry it in its version resource; the build fails
otherwise. PYTHONHASHSEED=0 unless set (with SOURCE_DATE_EPOCH, builds are reproducible).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "build"))
from version import project_version, windows_version_tuple  # noqa: E402

SPEC = ROOT / "build" / "xconn.spec"
EXE = ".exe" if sys.platform == "win32" else ""


def outputs(mode: str) -> list[Path]:
    dist = ROOT / "dist"
    if mode == "onefile":
        return [dist / f"xconn{EXE}", dist / f"xconn-cli{EXE}"]
    if mode == "onedir":
        return [dist / "onedir" / "xconn" / f"xconn{EXE}", dist / "onedir" / "xconn" / f"xconn-cli{EXE}"]
    macos = dist / "xconn.app" / "Contents" / "MacOS"
    return [macos / "xconn", macos / "xconn-cli"]


def build(mode: str = "onefile", clean: bool = False) -> list[Path]:
    distpath = ROOT / "dist" / ("onedir" if mode == "onedir" else "")
    cmd = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--log-level",
        "WARN",
        "--workpath",
        str(ROOT / ".pyinstaller" / mode),
        "--distpath",
        str(distpath),
        str(SPEC),
    ]
    if clean:
        cmd.insert(3, "--clean")
    env = dict(os.environ, XCONN_BUILD_MODE=mode)
    env.setdefault("PYTHONHASHSEED", "0")  # sets and frozensets marshalled into the bundle in one order
    # the app must find its backends itself: a test's PYTHON_KEYRING_BACKEND has no business here
    env.pop("PYTHON_KEYRING_BACKEND", None)
    started = time.monotonic()
    subprocess.run(cmd, cwd=ROOT, env=env, check=True)
    made = outputs(mode)
    missing = [str(p) for p in made if not p.exists()]
    if missing:
        raise SystemExit(f"build finished but these are missing: {', '.join(missing)}")
    expected = project_version()
    for exe in made:
        check_version(exe, expected)
    print(f"built {mode} in {time.monotonic() - started:.0f} s: xconn {expected}")
    for p in made:
        size = p.stat().st_size if p.is_file() else 0
        print(f"  {p.relative_to(ROOT)}  {size / 1e6:.1f} MB" if size else f"  {p.relative_to(ROOT)}")
    return made


def check_version(exe: Path, expected: str) -> None:
    """`exe --version` must print `xconn <expected>`; on Windows the version resource must say it too."""
    r = subprocess.run([str(exe), "--version"], capture_output=True, text=True, timeout=60)
    if r.returncode != 0 or r.stdout.strip() != f"xconn {expected}":
        raise SystemExit(
            f"{exe} --version gave {r.stdout.strip()!r} (exit {r.returncode}), not 'xconn {expected}' "
            f"from pyproject.toml: is the installed metadata stale (pip install -e .)?\n{r.stderr}"
        )
    if sys.platform == "win32":
        from PyInstaller.utils.win32 import versioninfo as vi

        info = vi.read_version_info_from_executable(str(exe))
        strings = {
            s.name: s.val
            for sfi in info.kids
            if isinstance(sfi, vi.StringFileInfo)
            for table in sfi.kids
            for s in table.kids
        }
        numbers = tuple(info.ffi.fileVersionMS >> s & 0xFFFF for s in (16, 0)) + tuple(
            info.ffi.fileVersionLS >> s & 0xFFFF for s in (16, 0)
        )
        if strings.get("ProductVersion") != expected or numbers != windows_version_tuple(expected):
            said = strings.get("ProductVersion")
            raise SystemExit(f"{exe}: version resource says {said!r} {numbers}, not {expected}")


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
