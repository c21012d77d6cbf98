#!/bin/sh
# Build the disk image people drag the app out of (IT deploys the .pkg instead).
#
#   packaging/macos/dmg.sh dist/Outreach.app dist/
#
# MACOS_SIGN_IDENTITY: signs the image too when set (not "-").
set -eu

app=${1:?usage: dmg.sh path/to/Outreach.app out-dir}
out=${2:?usage: dmg.sh path/to/Outreach.app out-dir}
here=$(cd "$(dirname "$0")" && pwd)
version=$(python3 "$here/../version.py")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/Outreach" "$out"
ditto "$app" "$work/Outreach/Outreach.app"
ln -s /Applications "$work/Outreach/Applications"
image="$out/Outreach-$version.dmg"
hdiutil create -volname "Outreach $version" -srcfolder "$work/Outreach" -fs HFS+ \
    -format UDZO -ov "$image"

identity=${MACOS_SIGN_IDENTITY:--}
if [ "$identity" != "-" ]; then
    codesign --force --timestamp --sign "$identity" "$image"
fi
echo "$image"
