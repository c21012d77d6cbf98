#!/bin/sh
# Sign Outreach.app with the hardened runtime, inside out, then check the signature.
#
#   packaging/macos/sign.sh dist/Outreach.app
#
# MACOS_SIGN_IDENTITY: a "Developer ID Application: ..." identity in the keychain; unset or
# "-", the app is signed ad hoc (runs on this Mac, cannot be notarised).
set -eu

app=${1:?usage: sign.sh path/to/Outreach.app}
identity=${MACOS_SIGN_IDENTITY:--}
here=$(cd "$(dirname "$0")" && pwd)
entitlements="$here/entitlements.plist"

if [ "$identity" = "-" ]; then
    timestamp="--timestamp=none"
else
    timestamp="--timestamp"
fi

sign() {
    codesign --force --options runtime "$timestamp" \
        --entitlements "$entitlements" --sign "$identity" "$1"
}

# Libraries and helper executables first: a bundle's signature covers what is inside it, so
# what is inside must already be signed. Deepest paths first, so frameworks come before
# the folders holding them.
find "$app/Contents" -type f \( -name '*.dylib' -o -name '*.so' -o -perm -u+x \) \
    ! -path "$app/Contents/MacOS/outreach" -print |
    awk '{ print length($0) "\t" $0 }' | sort -rn | cut -f2- |
    while IFS= read -r file; do
        if file -b "$file" | grep -q 'Mach-O'; then
            sign "$file"
        fi
    done
find "$app/Contents" -type d -name '*.framework' -print |
    awk '{ print length($0) "\t" $0 }' | sort -rn | cut -f2- |
    while IFS= read -r framework; do
        sign "$framework"
    done
sign "$app"

codesign --verify --strict --deep --verbose=2 "$app"
if [ "$identity" != "-" ]; then
    # Gatekeeper's view; it only passes once the app is notarised (notarize.sh).
    spctl --assess --type execute --verbose "$app" || true
fi
