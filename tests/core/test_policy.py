"""IT policy fails closed: a bad file names itself and the key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from outreach.config.policy import KEYS, PolicyError, load_policy, parse_policy
from outreach.vault.crypto import generate_recovery_keypair
from tests.support.tls import Authority, make_authority

ROOT = Path(__file__).resolve().parents[2]


def test_a_valid_policy_is_read_and_marks_what_it_manages(tmp_path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text("idle_lock_minutes = 7\nrequire_keyring = true\n")
    policy = load_policy({"OUTREACH_POLICY_FILE": str(path)})
    assert (policy.idle_lock_minutes, policy.require_keyring) == (7, True)
    assert policy.managed == {"idle_lock_minutes", "require_keyring"}
    assert policy.source == path


@pytest.mark.parametrize(
    ("text", "reason", "key"),
    [
        ("colour = 'blue'\n", "unknown_key", "colour"),
        ("idle_lock_minutes = true\n", "bad_value", "idle_lock_minutes"),
        ("idle_lock_minutes = 0\n", "bad_value", "idle_lock_minutes"),
        ("wipe_after_failed_unlocks = 1000\n", "bad_value", "wipe_after_failed_unlocks"),
        ("recovery_public_key = 'not a key'\n", "bad_value", "recovery_public_key"),
        ("idle_lock_minutes = \n", "syntax", ""),
    ],
)
def test_a_bad_policy_names_the_file_and_the_key(tmp_path, text, reason, key) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(text)
    with pytest.raises(PolicyError) as failure:
        load_policy({"OUTREACH_POLICY_FILE": str(path)})
    assert (failure.value.path, failure.value.reason, failure.value.key) == (path, reason, key)


def test_a_named_policy_file_that_is_missing_stops_the_app(tmp_path) -> None:
    with pytest.raises(PolicyError) as failure:
        load_policy({"OUTREACH_POLICY_FILE": str(tmp_path / "nowhere.toml")})
    assert failure.value.reason == "unreadable"


def test_no_policy_anywhere_means_the_defaults(tmp_path) -> None:
    policy = load_policy({}, candidates=[tmp_path / "a.toml", tmp_path / "b.toml"])
    assert policy.source is None
    assert policy.managed == frozenset()
    assert policy.idle_lock_minutes == 5


def test_the_first_policy_file_found_wins(tmp_path) -> None:
    first, second = tmp_path / "1.toml", tmp_path / "2.toml"
    first.write_text("idle_lock_minutes = 3\n")
    second.write_text("idle_lock_minutes = 9\n")
    assert load_policy({}, candidates=[tmp_path / "0.toml", first, second]).idle_lock_minutes == 3


def test_recovery_keys_are_accepted_as_pem_or_raw_base64(tmp_path) -> None:
    import base64

    from outreach.vault.crypto import load_recovery_public_key

    _, public_pem = generate_recovery_keypair()
    raw = load_recovery_public_key(public_pem).public_bytes_raw()
    for value in (public_pem, base64.b64encode(raw).decode()):
        policy = parse_policy(tmp_path / "p.toml", f'recovery_public_key = """{value}"""\n')
        assert policy.recovery_public_key == value


def test_the_example_policy_is_valid_and_every_key_is_documented() -> None:
    example = ROOT / "packaging" / "policy.example.toml"
    parse_policy(example, example.read_text("utf-8"))
    documented = (ROOT / "docs" / "policy.md").read_text("utf-8")
    assert [key.name for key in KEYS if f"`{key.name}`" not in documented] == []


# --- the sync keys ----------------------------------------------------------------------

SYNC_DEFAULTS = {
    "hub_address": None,
    "hub_pinned_ca": None,
    "names_sent": False,
    "narrative_sharing": "worker_chooses",
    "retention_days_after_sync": 0,
    "must_sync_every_days": 0,
}


def test_the_sync_keys_default_to_no_hub_references_only_and_keeping_everything() -> None:
    from outreach.config.policy import Policy

    defaults = {key.name: key.default for key in KEYS if key.name in SYNC_DEFAULTS}
    assert defaults == SYNC_DEFAULTS
    policy = Policy()
    assert {name: getattr(policy, name) for name in SYNC_DEFAULTS} == SYNC_DEFAULTS


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> Authority:
    return make_authority(tmp_path_factory.mktemp("ca"), "agency-ca")


def test_a_pinned_ca_is_read_as_pem_or_from_its_file(tmp_path, authority) -> None:
    pem = parse_policy(tmp_path / "p.toml", f'hub_pinned_ca = """{authority.pem}"""\n')
    assert pem.hub_pinned_ca == authority.pem
    path = parse_policy(tmp_path / "p.toml", f'hub_pinned_ca = "{authority.path}"\n')
    assert path.hub_pinned_ca == str(authority.path)
    assert path.managed == {"hub_pinned_ca"}


def test_a_pin_that_cannot_work_stops_the_app_naming_the_key(tmp_path) -> None:
    """Found when the policy is read, not at every enrolment and sync that fails on it."""
    not_pem = tmp_path / "notes.txt"
    not_pem.write_text("not a certificate", "ascii")
    bogus = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    for value in (str(tmp_path / "missing.pem"), str(not_pem), bogus, "   "):
        path = tmp_path / "policy.toml"
        path.write_text(f"hub_pinned_ca = {json.dumps(value)}\n")
        with pytest.raises(PolicyError) as failure:
            load_policy({"OUTREACH_POLICY_FILE": str(path)})
        assert (failure.value.reason, failure.value.key) == ("bad_value", "hub_pinned_ca")


def test_a_marking_with_a_no_break_space_is_one_line(tmp_path) -> None:
    policy = parse_policy(tmp_path / "p.toml", 'protective_marking = "OFFICIAL\u00a0SENSITIVE"\n')
    assert policy.protective_marking == "OFFICIAL\u00a0SENSITIVE"


@pytest.mark.parametrize(
    "value", ["OFFICIAL-SENSITIVE\nSECRET", "x" * 50 + " " * 51, "   ", "TAB\tHERE"]
)
def test_a_marking_is_one_line_that_fits(tmp_path, value) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(f"protective_marking = {json.dumps(value)}\n")
    with pytest.raises(PolicyError) as failure:
        load_policy({"OUTREACH_POLICY_FILE": str(path)})
    assert (failure.value.reason, failure.value.key) == ("bad_value", "protective_marking")


@pytest.mark.parametrize(
    ("line", "name", "value"),
    [
        ('hub_address = "https://hub.agency.example"', "hub_address", "https://hub.agency.example"),
        ('hub_address = "http://127.0.0.1:8000"', "hub_address", "http://127.0.0.1:8000"),
        ("names_sent = true", "names_sent", True),
        ('narrative_sharing = "never"', "narrative_sharing", "never"),
        ('narrative_sharing = "worker_chooses"', "narrative_sharing", "worker_chooses"),
        ('narrative_sharing = "always"', "narrative_sharing", "always"),
        ("retention_days_after_sync = 0", "retention_days_after_sync", 0),
        ("retention_days_after_sync = 3650", "retention_days_after_sync", 3650),
        ("must_sync_every_days = 0", "must_sync_every_days", 0),
        ("must_sync_every_days = 365", "must_sync_every_days", 365),
    ],
)  # fmt: skip
def test_good_sync_values_are_read_and_managed(tmp_path, line, name, value) -> None:
    policy = parse_policy(tmp_path / "p.toml", line + "\n")
    assert getattr(policy, name) == value
    assert policy.managed == {name}


@pytest.mark.parametrize(
    "line",
    [
        'hub_address = "http://hub.agency.example"',  # plain HTTP off this machine
        'hub_address = "http://192.168.1.20:8000"',
        'hub_address = "ftp://hub.agency.example"',
        'hub_address = "https://worker:secret@hub.agency.example"',
        'hub_address = "https://hub.agency.example/?x=1"',
        'hub_address = "hub.agency.example"',
        'hub_address = ""',
        "hub_address = 443",
        'hub_pinned_ca = ""',
        "hub_pinned_ca = true",
        f'hub_pinned_ca = "{"A" * 20_001}"',
        'names_sent = "yes"',
        "names_sent = 1",
        'narrative_sharing = "sometimes"',
        'narrative_sharing = "Never"',
        "narrative_sharing = false",
        "retention_days_after_sync = -1",
        "retention_days_after_sync = 3651",
        "retention_days_after_sync = 1.5",
        "retention_days_after_sync = true",
        "must_sync_every_days = -1",
        "must_sync_every_days = 366",
        'must_sync_every_days = "7"',
    ],
)
def test_bad_sync_values_name_the_key(tmp_path, line) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(line + "\n")
    with pytest.raises(PolicyError) as failure:
        load_policy({"OUTREACH_POLICY_FILE": str(path)})
    name = line.split(" = ")[0]
    assert (failure.value.reason, failure.value.key) == ("bad_value", name)
    assert failure.value.expects == next(key.expects for key in KEYS if key.name == name)
