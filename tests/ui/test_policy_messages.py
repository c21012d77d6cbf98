"""The message that stops the app names the policy source at fault, whichever layer it is."""

from __future__ import annotations

from pathlib import Path

import pytest

from outreach.app.messages import policy_text
from outreach.config.policy import (
    GROUP_POLICY,
    MANAGED_PREFERENCES,
    POLICY_FILE,
    PolicyError,
)

SOURCES = [
    (POLICY_FILE, Path("/etc/xdg/outreach/policy.toml")),
    (GROUP_POLICY, Path("HKLM\\SOFTWARE\\Policies\\Outreach")),
    (MANAGED_PREFERENCES, Path("/Library/Managed Preferences/org.outreach.app.plist")),
]


@pytest.mark.parametrize(("layer", "where"), SOURCES)
@pytest.mark.parametrize("reason", ["unknown_key", "bad_value", "syntax", "unreadable"])
def test_the_message_names_the_source_and_the_key(layer: str, where: Path, reason: str) -> None:
    error = PolicyError(where, reason, "idle_lock_minutes", "a whole number", layer=layer)
    text = policy_text(error)
    # "The policy in ...": right for a file, a registry key and a plist alike.
    assert text.startswith(f"The policy in {where} ")
    assert "will not start" in text
    assert ("idle_lock_minutes" in text) == (reason in ("unknown_key", "bad_value"))
    # Only a file is TOML: a registry key or a plist that can't be read is not called so.
    assert ("TOML" in text) == (reason == "syntax" and layer == POLICY_FILE)
