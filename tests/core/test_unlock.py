"""Creating, unlocking, throttling, wiping, rewrapping and recovering a vault."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import unicodedata
from pathlib import Path

import pytest

from outreach.config.policy import Policy
from outreach.records.drafts import DraftStore
from outreach.vault import crypto
from outreach.vault.device import DeviceSecretStore
from outreach.vault.errors import (
    KeyringRequired,
    KeyringUnavailable,
    RecoveryUnavailable,
    UnlockThrottled,
    VaultDamaged,
    VaultWiped,
    WrongPassphrase,
)
from outreach.vault.throttle import MAX_DELAY_SECONDS, delay_after, read_unlock_state
from tests.conftest import CHEAP_KDF, PASSPHRASE
from tests.support.keyrings import LockedKeyring, MemoryKeyring

NEW = "quince harbour velvet 12"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_default_kdf_is_deliberately_costly() -> None:
    assert crypto.KdfParams(time_cost=4, memory_kib=262144, parallelism=2) == crypto.DEFAULT_KDF
    assert crypto.DEFAULT_KDF.memory_kib >= 64 * 1024


def test_created_vault_records_its_kdf_and_holds_no_key_in_clear(make_vault, paths) -> None:
    opened = make_vault().create(PASSPHRASE)
    data_key = bytes(opened._key)
    opened.close()
    raw = paths.key_file.read_bytes()
    stored = json.loads(raw)
    assert stored["kdf"] == CHEAP_KDF.as_dict()
    assert data_key not in raw
    assert data_key.hex().encode() not in raw
    assert [p.name for p in paths.data_dir.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kdf", {"name": "argon2id", "time_cost": 2, "memory_kib": 1024, "parallelism": 1}),
        ("salt", "AAAAAAAAAAAAAAAAAAAAAA=="),
        ("device_bound", True),
        ("vault_id", "00000000-0000-0000-0000-000000000000"),
    ],
)
def test_tampering_with_the_key_file_makes_unlock_fail(make_vault, paths, field, value) -> None:
    make_vault().create(PASSPHRASE).close()
    stored = json.loads(paths.key_file.read_bytes())
    stored[field] = value
    paths.key_file.write_text(json.dumps(stored))
    before = sha(paths.vault_file)
    with pytest.raises((WrongPassphrase, KeyringUnavailable)):
        make_vault().unlock(PASSPHRASE)
    assert sha(paths.vault_file) == before


def test_wrong_passphrase_throttles_and_success_resets(make_vault) -> None:
    clock = Clock()
    vault = make_vault(clock=clock)
    vault.create(PASSPHRASE).close()
    with pytest.raises(WrongPassphrase) as first:
        vault.unlock("not it at all")
    assert (first.value.failures, first.value.next_delay) == (1, 1.0)
    with pytest.raises(UnlockThrottled):
        vault.unlock(PASSPHRASE)
    clock.now += 1.5
    with pytest.raises(WrongPassphrase) as second:
        make_vault(clock=clock).unlock("still not it")  # the count survives a restart
    assert (second.value.failures, second.value.next_delay) == (2, 2.0)
    clock.now += 2.5
    vault.unlock(PASSPHRASE).close()
    assert vault.throttle_wait() == 0


def test_tries_made_at_once_are_counted_one_at_a_time(make_vault, paths) -> None:
    """Hide now during an unlock, then another try: the second waits for the first to be
    counted, then for the delay it earned, instead of deriving beside it."""
    clock = Clock()
    slow = crypto.KdfParams(time_cost=2, memory_kib=16 * 1024, parallelism=1)
    vault = make_vault(clock=clock, kdf=slow)
    vault.create(PASSPHRASE).close()
    together = threading.Barrier(4)
    outcomes: list[str] = []

    def attempt() -> None:
        together.wait()
        try:
            vault.unlock("not it at all")
        except (WrongPassphrase, UnlockThrottled) as refused:
            outcomes.append(type(refused).__name__)

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["UnlockThrottled"] * 3 + ["WrongPassphrase"]
    assert read_unlock_state(paths.unlock_state_file).failures == 1


def test_a_clock_set_back_never_stretches_the_wait(make_vault) -> None:
    clock = Clock()
    vault = make_vault(clock=clock)
    vault.create(PASSPHRASE).close()
    with pytest.raises(WrongPassphrase):
        vault.unlock("not it at all")
    assert vault.throttle_wait() == 1.0
    clock.now -= 86_400  # a day back, by NTP or by hand: not a day's wait
    assert vault.throttle_wait() == 0.0
    with pytest.raises(WrongPassphrase) as again:
        vault.unlock("still not it")
    assert again.value.failures == 2  # the count stands
    clock.now += 2.0
    vault.unlock(PASSPHRASE).close()


def test_the_delay_grows_to_a_minute_and_stays_there() -> None:
    assert [delay_after(n) for n in (0, 1, 2, 3, 6, 7)] == [0.0, 1.0, 2.0, 4.0, 32.0, 60.0]
    assert delay_after(1025) == delay_after(10**6) == MAX_DELAY_SECONDS  # 2.0 ** 1024 overflows


def test_passphrase_is_normalised(make_vault) -> None:
    composed = unicodedata.normalize("NFC", "café lantern orbit")
    make_vault().create(composed).close()
    make_vault().unlock(unicodedata.normalize("NFD", composed)).close()


def test_wipe_after_failed_unlocks_counts_down_then_destroys(make_vault, paths) -> None:
    clock = Clock()
    keyring = MemoryKeyring()
    policy = Policy(wipe_after_failed_unlocks=3, managed=frozenset({"wipe_after_failed_unlocks"}))
    vault = make_vault(policy, DeviceSecretStore(keyring), clock=clock)
    vault.create(PASSPHRASE).close()
    before = sha(paths.vault_file)
    remaining = []
    for _ in range(2):
        with pytest.raises(WrongPassphrase) as failure:
            vault.unlock("wrong guess here")
        remaining.append(failure.value.remaining_before_wipe)
        clock.now += 100
    assert remaining == [2, 1]
    with pytest.raises(VaultWiped):
        vault.unlock("wrong guess here")
    assert vault.state() == "wiped"
    assert keyring.entries == {}
    clock.now += 100
    with pytest.raises(VaultWiped):
        vault.unlock(PASSPHRASE)
    assert sha(paths.vault_file) == before


def test_change_passphrase_rewraps_without_touching_the_database(make_vault, paths) -> None:
    vault = make_vault()
    opened = vault.create(PASSPHRASE)
    DraftStore(opened.db).save("notes", "kept")
    opened.db.checkpoint()
    opened.close()
    before = sha(paths.vault_file)
    vault.change_passphrase(PASSPHRASE, NEW)
    assert sha(paths.vault_file) == before
    with pytest.raises(WrongPassphrase):
        make_vault().unlock(PASSPHRASE)
    reopened = make_vault(clock=lambda: 10**12).unlock(NEW)
    draft = DraftStore(reopened.db).load("notes")
    assert draft is not None
    assert draft.content == "kept"
    reopened.close()


def test_agency_recovery_restores_access_even_after_a_wipe(make_vault) -> None:
    private_pem, public_pem = crypto.generate_recovery_keypair()
    policy = Policy(recovery_public_key=public_pem, wipe_after_failed_unlocks=1)
    vault = make_vault(policy)
    vault.create(PASSPHRASE).close()
    with pytest.raises(VaultWiped) as wiped:
        vault.unlock("a wrong one")
    assert wiped.value.recoverable_by_agency
    other_private, _ = crypto.generate_recovery_keypair()
    with pytest.raises(RecoveryUnavailable) as wrong:
        vault.recover(other_private, NEW)
    assert wrong.value.reason == "wrong_key"
    with pytest.raises(RecoveryUnavailable) as garbage:
        vault.recover(b"not a key", NEW)
    assert garbage.value.reason == "bad_key_file"
    vault.recover(private_pem, NEW)
    assert vault.throttle_wait() == 0
    make_vault(policy).unlock(NEW).close()


def test_recovery_without_a_seal_is_refused(make_vault) -> None:
    make_vault().create(PASSPHRASE).close()
    private_pem, _ = crypto.generate_recovery_keypair()
    with pytest.raises(RecoveryUnavailable) as refused:
        make_vault().recover(private_pem, NEW)
    assert refused.value.reason == "no_seal"


def test_a_recovery_key_added_to_policy_later_is_sealed_at_next_unlock(make_vault, paths) -> None:
    make_vault().create(PASSPHRASE).close()
    assert json.loads(paths.key_file.read_bytes())["recovery"] is None
    private_pem, public_pem = crypto.generate_recovery_keypair()
    make_vault(Policy(recovery_public_key=public_pem)).unlock(PASSPHRASE).close()
    make_vault().recover(private_pem, NEW)
    make_vault().unlock(NEW).close()


def test_device_secret_binds_the_vault_to_this_machine(make_vault, paths, tmp_path) -> None:
    keyring = MemoryKeyring()
    opened = make_vault(device=DeviceSecretStore(keyring)).create(PASSPHRASE)
    assert opened.device_bound
    opened.close()
    make_vault(device=DeviceSecretStore(keyring)).unlock(PASSPHRASE).close()

    from outreach.config.paths import AppPaths
    from outreach.vault.vault import Vault

    copy = AppPaths.in_folder(tmp_path / "stolen")
    copy.data_dir.mkdir()
    for name in ("vault.db", "vault.key"):
        (copy.data_dir / name).write_bytes((paths.data_dir / name).read_bytes())
    elsewhere = Vault(copy, Policy(), DeviceSecretStore(MemoryKeyring()), kdf=CHEAP_KDF)
    with pytest.raises(KeyringUnavailable) as missing:
        elsewhere.unlock(PASSPHRASE)
    assert missing.value.reason == "missing"


def test_without_a_keyring_the_passphrase_alone_works(make_vault) -> None:
    opened = make_vault(device=DeviceSecretStore(None)).create(PASSPHRASE)
    assert not opened.device_bound
    opened.close()
    make_vault().unlock(PASSPHRASE).close()


def test_a_locked_keyring_is_not_a_failed_unlock(make_vault) -> None:
    keyring = MemoryKeyring()
    make_vault(device=DeviceSecretStore(keyring)).create(PASSPHRASE).close()
    locked = LockedKeyring()
    locked.entries = keyring.entries
    vault = make_vault(device=DeviceSecretStore(locked))
    with pytest.raises(KeyringUnavailable) as refused:
        vault.unlock(PASSPHRASE)
    assert refused.value.reason == "locked"
    assert vault.throttle_wait() == 0


def test_required_keyring_refuses_without_one_and_binds_with_one(make_vault, paths) -> None:
    required = Policy(require_keyring=True)
    with pytest.raises(KeyringRequired):
        make_vault(required).create(PASSPHRASE)
    make_vault().create(PASSPHRASE).close()
    with pytest.raises(KeyringRequired):
        make_vault(required).unlock(PASSPHRASE)
    keyring = MemoryKeyring()
    make_vault(required, DeviceSecretStore(keyring)).unlock(PASSPHRASE).close()
    assert json.loads(paths.key_file.read_bytes())["device_bound"] is True
    assert keyring.entries


def test_untrusted_keyring_backends_count_as_none(monkeypatch) -> None:
    import keyring
    from keyring.backends import fail

    from outreach.vault import device

    class PlaintextKeyring(MemoryKeyring):
        pass

    class Chainer:
        def __init__(self) -> None:
            self.backends = [PlaintextKeyring(), fail.Keyring()]

    for chosen in (fail.Keyring(), PlaintextKeyring(), Chainer()):
        monkeypatch.setattr(keyring, "get_keyring", lambda chosen=chosen: chosen)
        assert device.trusted_system_backend() is None


def test_a_damaged_key_file_is_reported_and_nothing_changes(make_vault, paths) -> None:
    make_vault().create(PASSPHRASE).close()
    paths.key_file.write_bytes(b"{not json")
    before = sha(paths.vault_file)
    with pytest.raises(VaultDamaged) as damaged:
        make_vault().unlock(PASSPHRASE)
    assert damaged.value.reason == "key_file"
    assert sha(paths.vault_file) == before


def _b64(size: int) -> str:
    return base64.b64encode(b"\x01" * size).decode("ascii")


@pytest.mark.parametrize(
    ("change", "value"),
    [
        ("kdf", None),
        ("kdf.time_cost", 1e300),
        ("kdf.time_cost", "4"),
        ("kdf.time_cost", 10**9),  # days of Argon2
        ("kdf.parallelism", 0),
        ("kdf.memory_kib", 2**40),  # a terabyte
        ("salt", _b64(4)),
        ("wrapped_key.nonce", ""),
        ("wrapped_key.ciphertext", _b64(20)),
        ("wrapped_key", "not an object"),
        ("recovery", {"fingerprint": "f", "ephemeral_public": _b64(31), "nonce": _b64(12),
                      "ciphertext": _b64(48)}),
    ],
)  # fmt: skip
def test_a_key_file_with_a_field_out_of_shape_is_damaged_not_a_crash(
    make_vault, paths, change, value
) -> None:
    """Its fields are used before anything can be checked against them: a value out of
    shape is a damaged key file in words, and no failed unlock is counted for it."""
    make_vault().create(PASSPHRASE).close()
    stored = json.loads(paths.key_file.read_bytes())
    *parents, name = change.split(".")
    target = stored
    for parent in parents:
        target = target[parent]
    target[name] = value
    paths.key_file.write_text(json.dumps(stored))
    before = sha(paths.vault_file), sha(paths.key_file)
    vault = make_vault()
    with pytest.raises(VaultDamaged) as damaged:
        vault.state()
    assert damaged.value.reason == "key_file"
    with pytest.raises(VaultDamaged):
        vault.unlock(PASSPHRASE)
    assert (sha(paths.vault_file), sha(paths.key_file)) == before
    assert vault.throttle_wait() == 0


@pytest.mark.parametrize("content", ["truncated", "random", "plain_sqlite"])
def test_a_bad_database_file_is_reported_and_left_alone(make_vault, paths, content) -> None:
    import os
    import sqlite3

    make_vault().create(PASSPHRASE).close()
    if content == "truncated":
        data = paths.vault_file.read_bytes()
        paths.vault_file.write_bytes(data[: len(data) // 2])
    elif content == "random":
        paths.vault_file.write_bytes(os.urandom(8192))
    else:
        paths.vault_file.unlink()
        plain = sqlite3.connect(paths.vault_file)
        plain.execute("CREATE TABLE t (x)")
        plain.commit()
        plain.close()
    before = sha(paths.vault_file)
    with pytest.raises(VaultDamaged):
        make_vault().unlock(PASSPHRASE)
    assert sha(paths.vault_file) == before


def test_a_database_without_a_key_file_is_never_replaced(make_vault, paths) -> None:
    paths.data_dir.mkdir(parents=True)
    paths.vault_file.write_bytes(b"someone else's file")
    with pytest.raises(VaultDamaged) as foreign:
        make_vault().create(PASSPHRASE)
    assert foreign.value.reason == "foreign_database"
    assert paths.vault_file.read_bytes() == b"someone else's file"


def test_an_unwritable_data_folder_is_a_clear_error(make_vault, tmp_path) -> None:
    from outreach.config.paths import AppPaths
    from outreach.vault.errors import StorageError
    from outreach.vault.vault import Vault

    blocker = tmp_path / "a-file"
    blocker.write_text("")
    vault = Vault(
        AppPaths.in_folder(blocker / "data"), Policy(), DeviceSecretStore(None), kdf=CHEAP_KDF
    )
    with pytest.raises(StorageError):
        vault.create(PASSPHRASE)
    assert blocker.read_text() == ""
