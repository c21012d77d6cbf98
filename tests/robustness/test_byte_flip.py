"""One flipped byte anywhere in vault.db is found on unlock, and the file is left as it was.

Unlock either refuses (VaultDamaged) or opens read-only with the problems listed; it
must not write first (a migration, the "unlocked" audit row) and so change the evidence.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from outreach.records.drafts import DraftStore
from outreach.vault.errors import VaultDamaged, VaultError
from outreach.vault.vault import Vault
from tests.conftest import PASSPHRASE
from tests.robustness._support import fingerprints

PAGE = 4096  # SQLCipher 4's default page size

# Where to flip, as a function of the file's size: the first page (salt, header, body,
# the page's IV and HMAC at its end), the second, the middle and the last page.
POSITIONS: dict[str, Callable[[int], int]] = {
    "first page: salt": lambda _size: 3,
    "first page: body": lambda _size: 1500,
    "first page: hmac": lambda _size: PAGE - 5,
    "second page": lambda _size: PAGE + 200,
    "middle": lambda size: (size // PAGE // 2) * PAGE + 1234,
    "last page: body": lambda size: size - PAGE + 100,
    "last page: last byte": lambda size: size - 1,
}


def _damaged_vault(make_vault: Callable[..., Vault], where: str) -> tuple[Vault, int]:
    hours = itertools.count(start=1_000_000, step=3600)
    vault = make_vault(clock=lambda: float(next(hours)))
    opened = vault.create(PASSPHRASE)
    drafts = DraftStore(opened.db)
    for i in range(60):
        drafts.save(f"form{i}", f"notes from the evening round {i} " * 40)
    opened.close()
    data = bytearray(vault.paths.vault_file.read_bytes())
    assert len(data) >= 8 * PAGE
    assert len(data) % PAGE == 0
    position = POSITIONS[where](len(data))
    assert 0 <= position < len(data)
    data[position] ^= 0x5A
    vault.paths.vault_file.write_bytes(bytes(data))
    return vault, position


def _try_unlock(vault: Vault) -> str:
    """How unlock reacted: "refused: <reason>" or "read-only"; fails if it looked sound."""
    try:
        opened = vault.unlock(PASSPHRASE)
    except VaultDamaged as exc:
        reason = exc.reason
    else:
        reason = None
    if reason is not None:
        assert reason in {"unreadable", "integrity"}
        return f"refused: {reason}"
    try:
        assert opened.integrity_problems, "a flipped byte went unnoticed"
        assert opened.db.read_only
        assert opened.db.integrity_problems(), "a second check found nothing"
        with pytest.raises(VaultError):
            DraftStore(opened.db).save("form0", "a write to a damaged vault")
    finally:
        opened.close()
    return "read-only"


@pytest.mark.parametrize("where", list(POSITIONS))
def test_flipped_byte_is_detected_and_file_left_untouched(
    make_vault: Callable[..., Vault], where: str
) -> None:
    vault, position = _damaged_vault(make_vault, where)
    data_dir = vault.paths.data_dir
    before = fingerprints(data_dir)
    assert set(before) == {"vault.db", "vault.key"}

    first = _try_unlock(vault)
    # Twice: the first attempt must not have "repaired" or rewritten anything.
    second = _try_unlock(vault)

    assert second == first, f"flip at {position} ({where})"
    after = fingerprints(data_dir)
    for name, digest in before.items():
        assert after.get(name) == digest, f"{name} changed by unlock (flip at {position})"
    # A read-only open may leave an empty WAL and its index beside the file, nothing more.
    extra = set(after) - set(before)
    assert extra <= {"vault.db-wal", "vault.db-shm"}, extra
    wal = data_dir / "vault.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0


def test_sound_vault_unlocks_writable(make_vault: Callable[..., Vault]) -> None:
    # The control: the same steps without the flip open a sound, writable vault.
    vault = make_vault()
    vault.create(PASSPHRASE).close()
    opened = vault.unlock(PASSPHRASE)
    try:
        assert opened.integrity_problems == []
        assert not opened.db.read_only
        DraftStore(opened.db).save("form0", "fine")
    finally:
        opened.close()
