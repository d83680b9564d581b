#!/usr/bin/env bash
# Build dist/xconn_<version>_amd64.deb from the onefile executables (python build/build.py first).
#
#   bash installer/linux/build_deb.sh [--dist DIR] [--version X.Y.Z] [--out DIR] [--onedir]
#
# --onedir packages dist/onedir/xconn/ (python build/build.py --mode onedir) instead of the
# onefile executables: same programs, but nothing to unpack at each start (bench/bench_onefile.py:
# ~0.3 s instead of ~0.7 s to the first painted window).
#
# Layout: /opt/xconn/{xconn,xconn-cli} + /usr/bin symlinks, desktop entry, hicolor icons,
# systemd user timer for the daily keep-alive (enabled globally by postinst).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
DIST="$ROOT/dist"
OUT=""
VERSION=""
ONEDIR=0
while [ $# -gt 0 ]; do
    case "$1" in
        --dist) DIST="$2"; shift 2 ;;
        --version) VERSION="$2"; shift 2 ;;
        --out) OUT="$2"; shift 2 ;;
        --onedir) ONEDIR=1; shift ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
OUT="${OUT:-$DIST}"
if [ -z "$VERSION" ]; then
    VERSION="$(sed -n 's/^__version__ = "\(.*\)"/\1/p' "$ROOT/xconn_app/__init__.py")"
fi
ARCH="$(dpkg --print-architecture 2>/dev/null || echo amd64)"
SRC="$DIST"
[ "$ONEDIR" = 1 ] && SRC="$DIST/onedir/xconn"
for exe in xconn xconn-cli; do
    [ -x "$SRC/$exe" ] || { echo "missing $SRC/$exe: run python build/build.py first" >&2; exit 1; }
done

# staging goes next to PyInstaller's work files (git-ignored), never into build/ or installer/
STAGE="$ROOT/.pyinstaller/deb/xconn_${VERSION}_${ARCH}"
rm -rf "$STAGE"
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt/xconn" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
         "$STAGE/usr/share/icons/hicolor/256x256/apps" "$STAGE/usr/share/icons/hicolor/64x64/apps" \
         "$STAGE/usr/lib/systemd/user" "$STAGE/usr/share/doc/xconn"

if [ "$ONEDIR" = 1 ]; then
    cp -a "$SRC/." "$STAGE/opt/xconn/"
elif install -m 0755 "$DIST/xconn" "$STAGE/opt/xconn/" && cmp -s "$DIST/xconn" "$DIST/xconn-cli"; then
    # On Linux PyInstaller's console/windowed flag changes nothing: both files are byte-identical,
    # so ship one and link the other (halves the package).
    ln -s xconn "$STAGE/opt/xconn/xconn-cli"
else
    install -m 0755 "$DIST/xconn-cli" "$STAGE/opt/xconn/"
fi
ln -s /opt/xconn/xconn "$STAGE/usr/bin/xconn"
ln -s /opt/xconn/xconn-cli "$STAGE/usr/bin/xconn-cli"
install -m 0644 "$HERE/xconn.desktop" "$STAGE/usr/share/applications/xconn.desktop"
install -m 0644 "$ROOT/xconn_app/assets/xconn.png" "$STAGE/usr/share/icons/hicolor/256x256/apps/xconn.png"
install -m 0644 "$ROOT/xconn_app/assets/xconn-64.png" "$STAGE/usr/share/icons/hicolor/64x64/apps/xconn.png"
install -m 0644 "$HERE/xconn-keepalive.service" "$HERE/xconn-keepalive.timer" "$STAGE/usr/lib/systemd/user/"
cat > "$STAGE/usr/share/doc/xconn/copyright" <<COPY
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: xconn
License: MIT
COPY
install -m 0755 "$HERE/postinst" "$HERE/prerm" "$HERE/postrm" "$STAGE/DEBIAN/"

SIZE_KB="$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)"
# The bundle carries its own libpython, Tcl/Tk, X11 and OpenSSL; only glibc comes from the system,
# and the bundled binaries need the glibc of the machine they were built on (objdump -T shows
# GLIBC_2.36 symbols for a Debian 12 build). Build on the oldest distribution you support.
GLIBC_MIN="$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')"
GLIBC_MIN="${GLIBC_MIN:-2.31}"
cat > "$STAGE/DEBIAN/control" <<CONTROL
Package: xconn
Version: $VERSION
Architecture: $ARCH
Maintainer: xconn maintainers <xconn@example.com>
Installed-Size: $SIZE_KB
Depends: libc6 (>= $GLIBC_MIN)
Recommends: gnome-keyring | kwalletmanager
Section: utils
Priority: optional
Homepage: https://github.com/xconn/xconn
Description: Xero OAuth 2.0 connections for document-capture profiles
 xconn authorizes Xero connections (OAuth 2.0 with PKCE), keeps their tokens in
 the desktop keyring and refreshes them daily, and hands valid access tokens to
 the capture profiles that use them. Window: xconn. Command line: xconn-cli.
CONTROL

mkdir -p "$OUT"
DEB="$OUT/xconn_${VERSION}_${ARCH}.deb"
# root:root ownership without fakeroot; gzip: the executables are compressed already, xz gains ~2%
# and takes 10x longer
dpkg-deb --root-owner-group -Zgzip --build "$STAGE" "$DEB" >/dev/null
echo "$DEB"
