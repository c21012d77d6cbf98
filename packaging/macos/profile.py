"""Write the sample configuration profile (org.outreach.app.mobileconfig) from policy KEYS.

    python packaging/macos/profile.py          # rewrite it
    python packaging/macos/profile.py --check  # exit 1 if it differs from KEYS

The profile's one payload has PayloadType org.outreach.app: macOS writes its keys to
/Library/Managed Preferences/org.outreach.app.plist, which the app reads as policy
(docs/policy.md). It sets a few keys as an example; every other key is listed in a
comment with its type and default. tests/packaging/test_macos.py keeps it current.
"""

from __future__ import annotations

import argparse
import plistlib
import sys
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "src"))

from outreach.config.managed import PLIST_DOMAIN  # noqa: E402
from outreach.config.policy import KEYS, PolicyKey, value_kind  # noqa: E402

PROFILE = HERE / f"{PLIST_DOMAIN}.mobileconfig"
# What the example sets: the same as packaging/policy.example.toml, and a hub.
SAMPLE: dict[str, Any] = {
    "hub_address": "https://hub.example.org",
    "idle_lock_minutes": 5,
    "require_keyring": True,
    "wipe_after_failed_unlocks": 10,
}
# Fixed so the file is the same on every run; an agency making its own profile should
# give it its own (uuidgen).
NAMESPACE = uuid.UUID("0b7f6c1e-9d2a-5e43-8c1f-3a5d7e9b2c64")


def _uuid(name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, name)).upper()


def _plist_type(key: PolicyKey) -> str:
    return {"bool": "<true/> or <false/>", "int": "<integer>", "text": "<string>"}[value_kind(key)]


def _default(key: PolicyKey) -> str:
    if key.default is None:
        return "none"
    if isinstance(key.default, bool):
        return "true" if key.default else "false"
    return str(key.default)


def profile() -> str:
    for name, value in SAMPLE.items():
        key = next(k for k in KEYS if k.name == name)
        if not key.check(value):
            raise SystemExit(f"the sample value for {name} is not one the app accepts")
    payload: dict[str, Any] = {
        "PayloadType": PLIST_DOMAIN,
        "PayloadVersion": 1,
        "PayloadIdentifier": f"{PLIST_DOMAIN}.policy.settings",
        "PayloadUUID": _uuid("settings"),
        "PayloadDisplayName": "Outreach policy",
        **SAMPLE,
    }
    document = {
        "PayloadType": "Configuration",
        "PayloadVersion": 1,
        "PayloadIdentifier": f"{PLIST_DOMAIN}.policy",
        "PayloadUUID": _uuid("profile"),
        "PayloadDisplayName": "Outreach",
        "PayloadDescription": "IT policy for Outreach: see docs/policy.md.",
        "PayloadOrganization": "Your agency",
        "PayloadScope": "System",
        "PayloadContent": [payload],
    }
    text = plistlib.dumps(document, sort_keys=False).decode("utf-8")
    unset = [key for key in KEYS if key.name not in SAMPLE]
    notes = ["<!--", "  Written by packaging/macos/profile.py from KEYS; do not edit.", ""]
    notes.append("  Other keys this payload may set (type, default), see docs/policy.md:")
    notes += [f"    {k.name}: {_plist_type(k)}, default {_default(k)}" for k in unset]
    notes.append("-->")
    # After the DOCTYPE, before <plist>: a comment is all a plist parser skips there.
    head, _, body = text.partition("<plist")
    return head + "\n".join(notes) + "\n<plist" + body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare, exit 1 if stale")
    args = parser.parse_args(argv)
    if args.check:
        if PROFILE.read_text(encoding="utf-8") != profile():
            print(f"{PROFILE} is out of date: run python packaging/macos/profile.py")
            return 1
        return 0
    PROFILE.write_text(profile(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
