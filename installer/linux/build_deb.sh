#!/usr/bin/env bash
# Build dist/xconn_<version>_<arch>.deb: the onedir build under /usr/lib/xconn, from the system's
# own Python, reproducibly.
#
#   bash installer/linux/build_deb.sh [--out DIR] [--version X.Y.Z] [--build-root DIR]
#
# Needs (scripts/dev test installs them): python3-venv python3-tk dpkg-dev (dpkg-shlibdeps) and
# network access to PyPI the first time (the build venv).
#
# How:
#  1. The sources (pyproject.toml, xconn_app/, build/, installer/linux/) are copied to a FIXED path,
#     /var/tmp/xconn-build/src, and built there: PyInstaller records paths, so the same commit
#     built from any checkout gives the same bytes.
#  2. A build venv (/var/tmp/xconn-build/venv) from the system's Python (/usr/bin/python3, not a
#     pyenv/venv one): the extension modules, libpython and Tcl/Tk the app runs on are Debian's own,
#     linked against Debian's libraries, so the package depends on them (dpkg-shlibdeps) instead of
#     embedding copies that never get security updates. PyInstaller's bootloader is compiled there
#     from source with the system compiler (PIE, hardened) rather than taken prebuilt.
#  3. `build/build.py --mode onedir`, then installer/linux/make_deb.py stages, checks and packs.
# SOURCE_DATE_EPOCH defaults to the date of installer/linux/changelog's latest entry (Debian's
# convention), PYTHONHASHSEED to 0, TZ to UTC, umask 022: building twice gives the same .deb.
# --version only checks: the version is pyproject.toml's (build/version.py), nothing else's.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="$ROOT/dist"
WANT_VERSION=""
BUILD_ROOT="${XCONN_DEB_BUILD_ROOT:-/var/tmp/xconn-build}"
SYSTEM_PYTHON="${XCONN_DEB_PYTHON:-/usr/bin/python3}"
while [ $# -gt 0 ]; do
    case "$1" in
        --out) OUT="$2"; shift 2 ;;
        --version) WANT_VERSION="$2"; shift 2 ;;
        --build-root) BUILD_ROOT="$2"; shift 2 ;;
        -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done

say() { printf '[build_deb] %s\n' "$*" >&2; }

VERSION="$("$SYSTEM_PYTHON" "$ROOT/build/version.py")"
if [ -n "$WANT_VERSION" ]; then
    "$SYSTEM_PYTHON" "$ROOT/build/version.py" --check "$WANT_VERSION"
fi
"$SYSTEM_PYTHON" -c "import tkinter, venv, ensurepip" 2>/dev/null || {
    echo "$SYSTEM_PYTHON needs tkinter and venv: apt-get install python3-tk python3-venv" >&2; exit 1; }
command -v dpkg-shlibdeps >/dev/null || { echo "dpkg-shlibdeps missing: apt-get install dpkg-dev" >&2; exit 1; }

# one build at a time in the fixed build root (two test runs on one machine would clobber it)
mkdir -p "$BUILD_ROOT"
exec 9>"$BUILD_ROOT.lock"
flock 9

umask 022
export TZ=UTC LC_ALL=C.UTF-8 PYTHONHASHSEED="${PYTHONHASHSEED:-0}" PYTHONDONTWRITEBYTECODE=1
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
    SOURCE_DATE_EPOCH="$(dpkg-parsechangelog -l "$HERE/changelog" -S Timestamp)"
fi
export SOURCE_DATE_EPOCH
# a test's keyring choice has no business in the build (build.py drops it too)
unset PYTHON_KEYRING_BACKEND

# 1. the sources at the fixed path
SRC="$BUILD_ROOT/src"
rm -rf "$SRC"
mkdir -p "$SRC/installer"
cp -a "$ROOT/pyproject.toml" "$ROOT/README.md" "$ROOT/xconn_app" "$ROOT/build" "$SRC/"
cp -a "$ROOT/installer/linux" "$SRC/installer/"
find "$SRC" \( -name __pycache__ -o -name '*.pyc' -o -name '*.egg-info' \) -prune -exec rm -rf {} +
rm -rf "$SRC/build/lib" "$SRC/build/bdist."*

# 2. the build venv (re-made when pyproject.toml or the system Python change)
VENV="$BUILD_ROOT/venv"
STAMP="$( { "$SYSTEM_PYTHON" -VV; cat "$ROOT/pyproject.toml"; } | sha256sum | cut -c1-16)"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$VENV/.xconn-stamp" 2>/dev/null)" != "$STAMP" ]; then
    say "creating the build venv in $VENV from $SYSTEM_PYTHON ($("$SYSTEM_PYTHON" -V))"
    rm -rf "$VENV"
    "$SYSTEM_PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip "setuptools>=68" wheel >/dev/null
    # the bootloader compiled here: PIE and the system's hardening instead of PyInstaller's prebuilt one
    PYINSTALLER_COMPILE_BOOTLOADER=1 "$VENV/bin/python" -m pip install -q --disable-pip-version-check \
        --no-binary pyinstaller "${SRC}[build]"
    echo "$STAMP" > "$VENV/.xconn-stamp"
fi
# xconn itself, each time (its metadata carries the version the app reports)
(cd "$SRC" && "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps --force-reinstall --no-build-isolation . >/dev/null)
rm -rf "$SRC/build/lib" "$SRC/build/bdist."* "$SRC"/*.egg-info

# 3. the onedir build, then the package
say "building the onedir app (PyInstaller) in $SRC"
rm -rf "$SRC/.pyinstaller" "$SRC/dist"
(cd "$SRC" && "$VENV/bin/python" build/build.py --mode onedir --clean)
mkdir -p "$OUT"
"$VENV/bin/python" "$SRC/installer/linux/make_deb.py" --app "$SRC/dist/onedir/xconn" \
    --work "$BUILD_ROOT/pkg" --out "$OUT" --version "$VERSION"
