#!/bin/sh
# Send a signed .pkg or .dmg to Apple's notary service, wait, and staple the ticket.
#
#   packaging/macos/notarize.sh dist/Outreach-0.1.0.pkg
#
# Credentials, one of:
#   NOTARY_PROFILE                        a profile saved with `xcrun notarytool store-credentials`
#   NOTARY_KEY, NOTARY_KEY_ID, NOTARY_ISSUER   an App Store Connect API key (.p8 path, ids)
set -eu

file=${1:?usage: notarize.sh path/to/file.pkg-or-dmg}

if [ -n "${NOTARY_PROFILE:-}" ]; then
    set -- --keychain-profile "$NOTARY_PROFILE"
elif [ -n "${NOTARY_KEY:-}" ]; then
    set -- --key "$NOTARY_KEY" --key-id "${NOTARY_KEY_ID:?}" --issuer "${NOTARY_ISSUER:?}"
else
    echo "notarize.sh: set NOTARY_PROFILE, or NOTARY_KEY, NOTARY_KEY_ID and NOTARY_ISSUER" >&2
    exit 2
fi

# --wait returns when Apple has decided; the log says why when it refuses.
xcrun notarytool submit "$file" "$@" --wait --output-format json >"$file.notary.json"
cat "$file.notary.json"
if ! grep -q '"status" *: *"Accepted"' "$file.notary.json"; then
    id=$(sed -n 's/.*"id" *: *"\([^"]*\)".*/\1/p' "$file.notary.json" | head -n 1)
    xcrun notarytool log "$id" "$@" || true
    exit 1
fi
xcrun stapler staple "$file"
xcrun stapler validate "$file"
