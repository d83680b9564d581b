#!/usr/bin/env bash
# Build dist/xconn.app and dist/xconn-<version>-<arch>.pkg, signed (and notarized when asked).
#
#   bash installer/macos/make_pkg.sh
#
# Environment (all optional; without them: an ad-hoc signed app in an unsigned .pkg, for testing):
#   MACOS_SIGN_IDENTITY       "Developer ID Application: ..." in the keychain (the workflow imports it)
#   MACOS_INSTALLER_IDENTITY  "Developer ID Installer: ..." to sign the .pkg
#   MACOS_NOTARY_PROFILE      a `xcrun notarytool store-credentials` profile: notarize and staple
#   PYTHON                    the Python with the build extra (pip install -e .[build]); its
#                             architecture is the app's (arm64, or x86_64 under Rosetta)
#
# Why a .pkg and not a .dmg: only an installer running as root can create
# /Library/Application Support/xconn and the launchd agent, and run `xconn-cli setup-machine`
# (scripts/postinstall). The package installs /Applications/xconn.app, not relocatable, so the
# agent's ProgramArguments (written here from INSTALL_LOCATION) always point at the installed
# program.
#
# Signing: every Mach-O file inside out, then the bundle; no `codesign --deep` (it signs nested
# code with the outer options and hides what was signed). A Developer ID identity gives a stable
# designated requirement, so Keychain items survive updates; an ad-hoc signature does not (each
# build is another program to the Keychain): never ship one.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PYTHON="${PYTHON:-python3}"
INSTALL_LOCATION="/Applications"
IDENTITY="${MACOS_SIGN_IDENTITY:--}"

if [ "$(uname -s)" != "Darwin" ]; then
    echo "make_pkg.sh needs macOS (codesign, pkgbuild)" >&2
    exit 1
fi
cd "$ROOT"
VERSION="$("$PYTHON" build/version.py)"
ARCH="$("$PYTHON" -c 'import platform; print(platform.machine())')"
APP="$ROOT/dist/xconn.app"
PKG="$ROOT/dist/xconn-${VERSION}-${ARCH}.pkg"

# Info.plist (com.xconn.app, CFBundleShortVersionString = pyproject's version) from build/xconn.spec
"$PYTHON" build/build.py --mode app
plist_version="$(/usr/libexec/PlistBuddy -c 'Print :CFBundleShortVersionString' "$APP/Contents/Info.plist")"
[ "$plist_version" = "$VERSION" ] || { echo "Info.plist says $plist_version, pyproject.toml $VERSION" >&2; exit 1; }

# the agent, pointing at where this package puts the program
AGENT="$ROOT/.pyinstaller/com.xconn.keepalive.plist"
mkdir -p "$ROOT/.pyinstaller"
cp "$HERE/com.xconn.keepalive.plist" "$AGENT"
plutil -replace ProgramArguments.0 -string "$INSTALL_LOCATION/xconn.app/Contents/MacOS/xconn-cli" "$AGENT"
plutil -lint "$AGENT"
cp "$AGENT" "$APP/Contents/Resources/com.xconn.keepalive.plist"   # before signing: the seal covers it

sign=(codesign --force --sign "$IDENTITY")
if [ "$IDENTITY" != "-" ]; then
    sign+=(--timestamp --options runtime)
else
    echo "::warning::ad-hoc signature: Keychain access will not survive an update; set MACOS_SIGN_IDENTITY" >&2
fi
# inside out: libraries and extension modules, then the two programs, then the bundle
while IFS= read -r -d '' f; do
    if file -b "$f" | grep -q "Mach-O"; then
        "${sign[@]}" "$f"
    fi
done < <(find "$APP/Contents/Frameworks" "$APP/Contents/Resources" -type f -print0)
for exe in xconn-cli xconn; do
    "${sign[@]}" --entitlements "$HERE/entitlements.plist" "$APP/Contents/MacOS/$exe"
done
"${sign[@]}" --entitlements "$HERE/entitlements.plist" "$APP"
codesign --verify --strict --verbose=2 "$APP"
for exe in xconn xconn-cli; do
    "$APP/Contents/MacOS/$exe" --version | grep -qx "xconn $VERSION"
done

# the package: the app (not relocatable) and the agent; scripts/postinstall sets up the machine
STAGE="$ROOT/.pyinstaller/pkgroot"
rm -rf "$STAGE"
mkdir -p "$STAGE/Applications" "$STAGE/Library/LaunchAgents"
cp -R "$APP" "$STAGE/Applications/"
install -m 0644 "$AGENT" "$STAGE/Library/LaunchAgents/com.xconn.keepalive.plist"
COMPONENTS="$ROOT/.pyinstaller/components.plist"
pkgbuild --analyze --root "$STAGE" "$COMPONENTS"
plutil -replace 0.BundleIsRelocatable -bool NO "$COMPONENTS"
pkg_sign=()
[ -n "${MACOS_INSTALLER_IDENTITY:-}" ] && pkg_sign=(--sign "$MACOS_INSTALLER_IDENTITY" --timestamp)
rm -f "$PKG"
pkgbuild --root "$STAGE" --component-plist "$COMPONENTS" --scripts "$HERE/scripts" \
    --identifier com.xconn.pkg --version "$VERSION" --install-location / \
    ${pkg_sign[@]+"${pkg_sign[@]}"} "$PKG"

if [ -n "${MACOS_NOTARY_PROFILE:-}" ]; then
    xcrun notarytool submit "$PKG" --keychain-profile "$MACOS_NOTARY_PROFILE" --wait
    xcrun stapler staple "$PKG"
fi
pkgutil --check-signature "$PKG" || true
echo "$PKG"
