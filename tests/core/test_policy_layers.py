"""Policy layers: OS-managed, then the machine file, then the worker's settings, then defaults.

Managed preferences are read from real plist files; only winreg is replaced, by a reader
returning what winreg.EnumValue would.
"""

from __future__ import annotations

import plistlib
import sys
from pathlib import Path
from typing import Any

import pytest

from outreach.config.managed import (
    REG_DWORD,
    REG_MULTI_SZ,
    REG_QWORD,
    REG_SZ,
    REGISTRY_KEY,
    macos_sources,
    plist_source,
    registry_source,
    windows_sources,
)
from outreach.config.policy import (
    DEFAULT,
    GROUP_POLICY,
    MANAGED_PREFERENCES,
    POLICY_FILE,
    USER,
    ManagedValues,
    PolicyError,
    load_policy,
)
from outreach.records.settings import WorkerSettings
from tests.conftest import PASSPHRASE
from tests.support.tls import make_authority

HKLM = rf"HKEY_LOCAL_MACHINE\{REGISTRY_KEY}"
HKCU = rf"HKEY_CURRENT_USER\{REGISTRY_KEY}"


def _registry(**hives: list[tuple[str, Any, int]]):
    """A winreg stand-in: HKEY_LOCAL_MACHINE=[(name, data, type), ...]; absent keys are None."""

    def read(hive: str, subkey: str) -> list[tuple[str, Any, int]] | None:
        assert subkey == REGISTRY_KEY
        return hives.get(hive)

    return read


def _plist(path: Path, values: dict[str, Any], fmt: plistlib.PlistFormat) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(plistlib.dumps(values, fmt=fmt))
    return path


def _file(tmp_path: Path, text: str) -> dict[str, str]:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return {"OUTREACH_POLICY_FILE": str(path)}


# --- the registry -----------------------------------------------------------------------


def test_registry_values_become_policy_values(tmp_path) -> None:
    pem = make_authority(tmp_path, "agency-ca").pem.splitlines()  # REG_MULTI_SZ: its lines
    source = registry_source(
        HKLM,
        [
            ("idle_lock_minutes", 3, REG_DWORD),
            ("require_keyring", 1, REG_DWORD),
            ("exports_allowed", 0, REG_DWORD),
            ("must_sync_every_days", 30, REG_QWORD),
            ("Hub_Address", "https://hub.example.org", REG_SZ),  # names ignore case
            ("narrative_sharing", "never", REG_SZ),
            ("hub_pinned_ca", pem, REG_MULTI_SZ),
            ("", "ignored", REG_SZ),  # the key's unnamed default value
        ],
    )
    policy = load_policy({}, candidates=[], os_managed=lambda: [source])
    assert (policy.idle_lock_minutes, policy.require_keyring, policy.exports_allowed) == (
        3,
        True,
        False,
    )
    assert policy.must_sync_every_days == 30
    assert policy.hub_address == "https://hub.example.org"
    assert policy.narrative_sharing == "never"
    assert policy.hub_pinned_ca == "\n".join(pem) + "\n"
    one_line = registry_source(HKLM, [("hub_pinned_ca", ["C:\\ca.pem"], REG_MULTI_SZ)])
    assert one_line.values == {"hub_pinned_ca": "C:\\ca.pem"}
    assert policy.origin("hub_address") is not None
    assert {policy.origin(name).layer for name in policy.managed} == {GROUP_POLICY}
    assert policy.origin("idle_lock_minutes").where == HKLM
    assert policy.source is None  # no file


@pytest.mark.parametrize(
    ("entry", "reason", "key"),
    [
        (("require_keyring", 2, REG_DWORD), "bad_value", "require_keyring"),
        (("require_keyring", "true", REG_SZ), "bad_value", "require_keyring"),
        (("idle_lock_minutes", "5", REG_SZ), "bad_value", "idle_lock_minutes"),
        (("idle_lock_minutes", 0, REG_DWORD), "bad_value", "idle_lock_minutes"),
        (("hub_address", 1, REG_DWORD), "bad_value", "hub_address"),
        (("hub_address", "http://hub.example.org", REG_SZ), "bad_value", "hub_address"),
        (
            ("narrative_sharing", ["never", "always"], REG_MULTI_SZ),
            "bad_value",
            "narrative_sharing",
        ),
        (("colour", "blue", REG_SZ), "unknown_key", "colour"),
    ],
)
def test_a_bad_registry_value_fails_closed_naming_the_key(tmp_path, entry, reason, key) -> None:
    read = _registry(HKEY_CURRENT_USER=[entry])
    env = _file(tmp_path, "idle_lock_minutes = 9\n")  # a good file does not hide it
    with pytest.raises(PolicyError) as failure:
        load_policy(env, os_managed=lambda: windows_sources(read))
    error = failure.value
    assert (str(error.path), error.reason, error.key, error.layer) == (
        HKCU,
        reason,
        key,
        GROUP_POLICY,
    )


def test_computer_group_policy_wins_over_user_group_policy_key_by_key() -> None:
    read = _registry(
        HKEY_LOCAL_MACHINE=[("idle_lock_minutes", 2, REG_DWORD)],
        HKEY_CURRENT_USER=[("idle_lock_minutes", 8, REG_DWORD), ("names_sent", 1, REG_DWORD)],
    )
    policy = load_policy({}, candidates=[], os_managed=lambda: windows_sources(read))
    assert (policy.idle_lock_minutes, policy.names_sent) == (2, True)
    assert policy.origin("idle_lock_minutes").where == HKLM
    assert policy.origin("names_sent").where == HKCU


def test_no_policies_key_in_the_registry_means_no_group_policy() -> None:
    assert windows_sources(_registry()) == []


# --- managed preferences ----------------------------------------------------------------


@pytest.mark.parametrize("fmt", [plistlib.FMT_XML, plistlib.FMT_BINARY], ids=["xml", "binary"])
def test_managed_preferences_are_read_from_plist_files(tmp_path, fmt) -> None:
    values = {
        "hub_address": "https://hub.example.org",
        "idle_lock_minutes": 4,
        "names_sent": True,
        "PayloadUUID": "5C0DF0C4-0E5B-4B5A-9F36-9E5C1B0D6C11",  # profile bookkeeping
    }
    path = _plist(tmp_path / "org.outreach.app.plist", values, fmt)
    source = plist_source(path)
    assert source == ManagedValues(
        MANAGED_PREFERENCES,
        path,
        {"hub_address": "https://hub.example.org", "idle_lock_minutes": 4, "names_sent": True},
    )


def test_the_device_profile_wins_over_the_users_profile(tmp_path) -> None:
    device = _plist(
        tmp_path / "org.outreach.app.plist", {"idle_lock_minutes": 2}, plistlib.FMT_BINARY
    )
    user = _plist(
        tmp_path / "sam" / "org.outreach.app.plist",
        {"idle_lock_minutes": 8, "exports_allowed": False},
        plistlib.FMT_XML,
    )
    _plist(tmp_path / "alex" / "org.outreach.app.plist", {"names_sent": True}, plistlib.FMT_XML)
    policy = load_policy(
        {}, candidates=[], os_managed=lambda: macos_sources(user="sam", folder=tmp_path)
    )
    assert (policy.idle_lock_minutes, policy.exports_allowed, policy.names_sent) == (
        2,
        False,
        False,
    )
    assert policy.origin("idle_lock_minutes").where == str(device)
    assert policy.origin("exports_allowed").where == str(user)
    assert policy.managed == {"idle_lock_minutes", "exports_allowed"}


def test_no_managed_preferences_means_none(tmp_path) -> None:
    assert macos_sources(user="sam", folder=tmp_path) == []


@pytest.mark.parametrize(
    ("values", "reason", "key"),
    [
        ({"idle_lock_minutes": True}, "bad_value", "idle_lock_minutes"),
        ({"idle_lock_minutes": 4.0}, "bad_value", "idle_lock_minutes"),
        ({"names_sent": 1}, "bad_value", "names_sent"),
        ({"hub_address": "ftp://hub.example.org"}, "bad_value", "hub_address"),
        ({"colour": "blue"}, "unknown_key", "colour"),
    ],
)
def test_a_bad_managed_preference_fails_closed_naming_the_key(
    tmp_path, values, reason, key
) -> None:
    path = _plist(tmp_path / "org.outreach.app.plist", values, plistlib.FMT_XML)
    with pytest.raises(PolicyError) as failure:
        load_policy({}, candidates=[], os_managed=lambda: macos_sources("sam", tmp_path))
    error = failure.value
    assert (error.path, error.reason, error.key, error.layer) == (
        path,
        reason,
        key,
        MANAGED_PREFERENCES,
    )


@pytest.mark.parametrize(
    "content",
    [b"<?xml version='1.0'?><plist><dict><key>idle", b"\x00\x01 not a plist", b""],
    ids=["cut-short", "garbage", "empty"],
)
def test_a_damaged_plist_fails_closed(tmp_path, content) -> None:
    path = tmp_path / "org.outreach.app.plist"
    path.write_bytes(content)
    with pytest.raises(PolicyError) as failure:
        macos_sources("sam", tmp_path)
    assert (failure.value.path, failure.value.reason) == (path, "syntax")


def test_a_plist_that_is_not_a_dictionary_fails_closed(tmp_path) -> None:
    path = _plist(tmp_path / "org.outreach.app.plist", [1, 2], plistlib.FMT_XML)
    with pytest.raises(PolicyError) as failure:
        plist_source(path)
    assert failure.value.reason == "syntax"


def test_an_unreadable_plist_fails_closed(tmp_path) -> None:
    path = tmp_path / "org.outreach.app.plist"
    path.mkdir()  # a folder where the file should be: opening it fails
    with pytest.raises(PolicyError) as failure:
        plist_source(path)
    assert (failure.value.reason, failure.value.layer) == ("unreadable", MANAGED_PREFERENCES)


# --- the order of the four layers -------------------------------------------------------


def _effective(make_vault, policy, worker_minutes: int | None):
    vault = make_vault(policy)
    opened = vault.create(PASSPHRASE) if vault.state() == "new" else vault.unlock(PASSPHRASE)
    try:
        settings = WorkerSettings(opened.db, policy)
        if worker_minutes is not None and not policy.is_managed("idle_lock_minutes"):
            settings.set_idle_lock_minutes(worker_minutes)
        return settings.idle_lock_minutes()
    finally:
        opened.close()


def test_one_key_set_in_all_four_layers_takes_the_highest(tmp_path, make_vault) -> None:
    registry = _registry(HKEY_LOCAL_MACHINE=[("idle_lock_minutes", 3, REG_DWORD)])
    env = _file(tmp_path, "idle_lock_minutes = 7\n")
    both = load_policy(env, os_managed=lambda: windows_sources(registry))
    file_only = load_policy(env, os_managed=list)
    neither = load_policy({}, candidates=[], os_managed=list)

    # The worker chose 9 while nothing was managed: the defaults layer is below it.
    first = _effective(make_vault, neither, worker_minutes=None)
    assert (first.value, first.layer, first.managed) == (5, DEFAULT, False)
    chosen = _effective(make_vault, neither, worker_minutes=9)
    assert (chosen.value, chosen.layer, chosen.managed) == (9, USER, False)
    # The machine file overrides the worker; Group Policy overrides the file.
    by_file = _effective(make_vault, file_only, worker_minutes=None)
    assert (by_file.value, by_file.layer, by_file.managed) == (7, POLICY_FILE, True)
    by_os = _effective(make_vault, both, worker_minutes=None)
    assert (by_os.value, by_os.layer, by_os.managed) == (3, GROUP_POLICY, True)
    # Taking policy away gives the worker's own choice back, kept in the vault all along.
    again = _effective(make_vault, neither, worker_minutes=None)
    assert (again.value, again.layer) == (9, USER)


def test_different_keys_come_from_different_layers(tmp_path, make_vault) -> None:
    plist = _plist(
        tmp_path / "prefs" / "org.outreach.app.plist",
        {"hub_address": "https://hub.example.org", "names_sent": True},
        plistlib.FMT_BINARY,
    )
    env = _file(
        tmp_path,
        'hub_address = "https://other.example.org"\nexports_allowed = false\n',
    )
    policy = load_policy(env, os_managed=lambda: macos_sources("sam", tmp_path / "prefs"))
    assert policy.hub_address == "https://hub.example.org"  # the profile beat the file
    assert (policy.names_sent, policy.exports_allowed) == (True, False)
    assert policy.protective_marking == "OFFICIAL-SENSITIVE"  # nobody set it: the default
    assert {name: policy.origin(name).layer for name in policy.managed} == {
        "hub_address": MANAGED_PREFERENCES,
        "names_sent": MANAGED_PREFERENCES,
        "exports_allowed": POLICY_FILE,
    }
    assert policy.origin("hub_address").where == str(plist)
    assert policy.origin("protective_marking") is None
    assert policy.source == tmp_path / "policy.toml"
    # idle_lock_minutes is in no managed layer, so the worker's choice stands.
    idle = _effective(make_vault, policy, worker_minutes=11)
    assert (idle.value, idle.layer, idle.managed) == (11, USER, False)


def test_a_bad_file_fails_closed_even_when_the_os_sets_the_same_key(tmp_path) -> None:
    registry = _registry(HKEY_LOCAL_MACHINE=[("idle_lock_minutes", 3, REG_DWORD)])
    env = _file(tmp_path, "idle_lock_minutes = 0\n")
    with pytest.raises(PolicyError) as failure:
        load_policy(env, os_managed=lambda: windows_sources(registry))
    assert (failure.value.reason, failure.value.key, failure.value.layer) == (
        "bad_value",
        "idle_lock_minutes",
        POLICY_FILE,
    )


@pytest.mark.skipif(sys.platform != "linux", reason="Linux has no OS policy store")
def test_linux_has_no_os_policy_store() -> None:
    from outreach.config.managed import system_sources

    assert system_sources() == []  # Linux: the policy file is the managed layer
