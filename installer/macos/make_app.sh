#!/usr/bin/env bash
# Build dist/xconn.app (PyInstaller BUNDLE), sign it, and wrap it in dist/xconn-<version>.dmg.
#
#   bash installer/macos/make_app.sh            # ad-hoc signature
#   MACOS_SIGN_IDENTITY="Developer ID Application: ..." bash installer/macos/make_app.sh
#
# Needs macOS (hdiutil, codesign) and the build extra: pip install -e .[build]
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PYTHON="${PYTHON:-python3}"
VERSION="$(sed -n 's/^__version__ = "\(.*\)"/\1/p' "$ROOT/xconn_app/__init__.py")"
APP="$ROOT/dist/xconn.app"
DMG="$ROOT/dist/xconn-${VERSION}.dmg"

if [ "$(uname -s)" != "Darwin" ]; then
    echo "make_app.sh needs macOS (codesign, hdiutil)" >&2
    exit 1
fi

cd "$ROOT"
# Info.plist (CFBundleIdentifier com.xconn.app, icon, NSHighResolutionCapable) comes from
# build/xconn.spec's BUNDLE; both executables (xconn, xconn-cli) go to Contents/MacOS.
"$PYTHON" build/build.py --mode app

# the keep-alive agent travels with the app (copy it before signing: the seal covers Resources)
cp "$HERE/com.xconn.keepalive.plist" "$APP/Contents/Resources/"

# A frozen app must be signed, or the Keychain refuses it: Keychain items are tied to the
# code signature of the app that created them, and an unsigned (or modified) binary gets no
# stable identity, so every access is denied or prompts. Ad-hoc ("-") when no identity is set;
# a Developer ID identity (and notarization) is needed to ship to other Macs without warnings.
IDENTITY="${MACOS_SIGN_IDENTITY:--}"
TIMESTAMP=()
[ "$IDENTITY" != "-" ] && TIMESTAMP=(--timestamp)
codesign --deep --force --options runtime ${TIMESTAMP[@]+"${TIMESTAMP[@]}"} \
    --entitlements "$HERE/entitlements.plist" --sign "$IDENTITY" "$APP"
codesign --verify --deep --strict --verbose=2 "$APP"

# the .dmg: the app plus a link to /Applications to drag it onto
STAGE="$ROOT/.pyinstaller/dmg"
rm -rf "$STAGE"
mkdir -p "$STAGE"
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"
rm -f "$DMG"
hdiutil create -volname "xconn ${VERSION}" -srcfolder "$STAGE" -ov -format UDZO "$DMG"
echo "$DMG"
