"""The macOS recipes as far as Linux can check them: the profile, the entitlements, the scripts.

Signing, notarising and installing need a Mac; the packages workflow does what it can there.
"""

from __future__ import annotations

import importlib.util
import os
import plistlib
import shutil
import subprocess
from pathlib import Path

import pytest

from outreach.config.managed import PLIST_DOMAIN, macos_sources
from outreach.config.policy import KEYS, MANAGED_PREFERENCES, load_policy

ROOT = Path(__file__).resolve().parents[2]
MACOS = ROOT / "packaging" / "macos"
PROFILE = MACOS / f"{PLIST_DOMAIN}.mobileconfig"
SCRIPTS = sorted(MACOS.glob("*.sh"))

_spec = importlib.util.spec_from_file_location("profile", MACOS / "profile.py")
assert _spec is not None
assert _spec.loader is not None
profile = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(profile)


def _payload() -> dict:
    document = plistlib.loads(PROFILE.read_bytes())
    assert document["PayloadType"] == "Configuration"
    (payload,) = document["PayloadContent"]
    assert payload["PayloadType"] == PLIST_DOMAIN
    return payload


def test_the_committed_profile_is_the_one_keys_make() -> None:
    assert PROFILE.read_text("utf-8") == profile.profile()


def test_the_profile_sets_only_keys_the_app_knows_with_values_it_accepts() -> None:
    settings = {k: v for k, v in _payload().items() if not k.startswith("Payload")}
    assert settings
    by_name = {key.name: key for key in KEYS}
    assert set(settings) <= set(by_name)
    assert [name for name, value in settings.items() if not by_name[name].check(value)] == []


def test_the_profile_names_every_key() -> None:
    text = PROFILE.read_text("utf-8")
    assert [key.name for key in KEYS if key.name not in text] == []


@pytest.mark.parametrize("fmt", [plistlib.FMT_BINARY, plistlib.FMT_XML], ids=["binary", "xml"])
def test_the_app_reads_the_profile_as_macos_would_write_it(tmp_path: Path, fmt) -> None:
    # macOS writes the payload's keys to the managed preferences plist for its domain.
    written = tmp_path / f"{PLIST_DOMAIN}.plist"
    written.write_bytes(plistlib.dumps(_payload(), fmt=fmt))
    policy = load_policy(
        {}, candidates=[], os_managed=lambda: macos_sources(user="sam", folder=tmp_path)
    )
    assert policy.hub_address == "https://hub.example.org"
    assert policy.managed == set(profile.SAMPLE)
    assert {policy.origin(name).layer for name in policy.managed} == {MANAGED_PREFERENCES}


def test_the_entitlements_are_a_plist_with_only_the_runtime_exception() -> None:
    entitlements = plistlib.loads((MACOS / "entitlements.plist").read_bytes())
    assert entitlements == {"com.apple.security.cs.allow-unsigned-executable-memory": True}


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_the_scripts_are_executable_posix_shell(script: Path) -> None:
    assert os.access(script, os.X_OK)
    assert script.read_text("utf-8").startswith("#!/bin/sh\n")
    subprocess.run(["sh", "-n", str(script)], check=True)


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck not installed")
def test_the_scripts_pass_shellcheck() -> None:
    subprocess.run(["shellcheck", "-s", "sh", *map(str, SCRIPTS)], check=True)
