#!/bin/sh
# Build the installer package MDM deploys: Outreach.app into /Applications.
#
#   packaging/macos/pkg.sh dist/Outreach.app dist/
#
# MACOS_INSTALLER_IDENTITY: a "Developer ID Installer: ..." identity; unset, the package is
# left unsigned (MDM tools that require signed packages will refuse it).
set -eu

app=${1:?usage: pkg.sh path/to/Outreach.app out-dir}
out=${2:?usage: pkg.sh path/to/Outreach.app out-dir}
here=$(cd "$(dirname "$0")" && pwd)
version=$(python3 "$here/../version.py")
identifier=org.outreach.app
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/root" "$out"
ditto "$app" "$work/root/Outreach.app"

# Not relocatable: otherwise Installer "upgrades" whichever copy of the app it finds
# elsewhere on the disk instead of installing into /Applications.
pkgbuild --analyze --root "$work/root" "$work/components.plist"
plutil -replace 0.BundleIsRelocatable -bool NO "$work/components.plist"

pkgbuild --root "$work/root" --component-plist "$work/components.plist" \
    --install-location /Applications --identifier "$identifier" --version "$version" \
    "$work/Outreach-component.pkg"

set -- --package "$work/Outreach-component.pkg"
if [ -n "${MACOS_INSTALLER_IDENTITY:-}" ]; then
    set -- "$@" --sign "$MACOS_INSTALLER_IDENTITY" --timestamp
fi
productbuild "$@" "$out/Outreach-$version.pkg"
pkgutil --check-signature "$out/Outreach-$version.pkg" || true
echo "$out/Outreach-$version.pkg"
