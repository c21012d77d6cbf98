"""A unique canary typed into drafts never reaches the disk in the clear; nor does the key.

Everything the vault writes is scanned as raw bytes: vault.db and its WAL and index,
backups, the key file, the unlock counter and the log, while the vault is open and again
after it is locked.
"""

from __future__ import annotations

import itertools
import logging
import sqlite3
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from outreach.logs import describe_exception, log, setup_logging
from outreach.records.drafts import DraftStore
from outreach.vault import audit, crypto
from outreach.vault.database import Database
from outreach.vault.errors import VaultDamaged, WrongPassphrase
from outreach.vault.keyfile import read_key_file
from outreach.vault.vault import Vault


@pytest.fixture
def outreach_log() -> Iterator[None]:
    yield
    root = logging.getLogger("outreach")
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()


def _encodings(text: str) -> dict[str, bytes]:
    return {
        "utf-8": text.encode("utf-8"),
        "utf-16-le": text.encode("utf-16-le"),
        "utf-16-be": text.encode("utf-16-be"),
    }


def _needles(canary: str, passphrase: str, data_key: bytes, kek: bytes) -> dict[str, bytes]:
    needles = {f"canary {name}": raw for name, raw in _encodings(canary).items()}
    needles |= {f"passphrase {name}": raw for name, raw in _encodings(passphrase).items()}
    for label, key in (("data key", data_key), ("wrapping key", kek)):
        needles[f"{label} raw"] = key
        needles[f"{label} hex"] = key.hex().encode("ascii")
        needles[f"{label} HEX"] = key.hex().upper().encode("ascii")
        needles[f"{label} hex utf-16"] = key.hex().encode("utf-16-le")
    return needles


def _scan(folder: Path, needles: dict[str, bytes]) -> tuple[list[str], list[str]]:
    """The files read, and every (file, needle) found."""
    scanned: list[str] = []
    found: list[str] = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        raw = path.read_bytes()
        name = str(path.relative_to(folder))
        scanned.append(name)
        found += [f"{label} in {name}" for label, needle in needles.items() if needle in raw]
    return scanned, found


def test_canary_and_keys_never_on_disk(
    make_vault: Callable[..., Vault], outreach_log: None
) -> None:
    canary = "CANARY-" + uuid.uuid4().hex
    passphrase = "PASS-" + uuid.uuid4().hex + " blue kettle"
    hours = itertools.count(start=1_000_000, step=3600)
    vault = make_vault(clock=lambda: float(next(hours)))
    paths = vault.paths
    log_file = setup_logging(paths.log_dir)
    assert log_file is not None

    opened = vault.create(passphrase)
    data_key = bytes(opened._key)
    key_file = read_key_file(paths.key_file)
    kek = crypto.derive_wrapping_key(passphrase, key_file.salt, key_file.kdf, None)
    needles = _needles(canary, passphrase, data_key, kek)

    drafts = DraftStore(opened.db)
    for i in range(6):
        drafts.save("scratchpad", f"{canary} draft {i}")
    drafts.save("contact:new", (canary + " ") * 200)  # spans pages
    drafts.save("discarded", canary)
    drafts.discard("discarded")
    with opened.db.transaction():
        audit.record(opened.db, "backup_made", canary)
    backup = opened.backup()
    log.info("vault unlocked")
    try:
        raise ValueError(canary)
    except ValueError:
        log.error("save failed\n%s", describe_exception(*sys.exc_info()[::2]))
    loaded = drafts.load("scratchpad")
    assert loaded is not None
    assert loaded.content == f"{canary} draft 5"  # the canary really is stored

    # Open: the WAL holds the latest pages, encrypted like the rest.
    wal = Path(str(paths.vault_file) + "-wal")
    assert wal.exists()
    assert wal.stat().st_size > 0
    scanned, found = _scan(paths.data_dir, needles)
    assert found == []
    assert {"vault.db", "vault.db-wal", "vault.key"} <= set(scanned)
    assert str(backup.relative_to(paths.data_dir)) in scanned

    opened.close()  # the lock
    # A wrong try (the canary as passphrase) writes the unlock counter.
    with pytest.raises(WrongPassphrase):
        vault.unlock(canary)
    assert paths.unlock_state_file.exists()
    for handler in logging.getLogger("outreach").handlers:
        handler.flush()
    assert log_file.stat().st_size > 0

    scanned, found = _scan(paths.data_dir, needles)
    assert found == []
    assert {"vault.db", "vault.key", "unlock-state.json"} <= set(scanned)
    assert str(backup.relative_to(paths.data_dir)) in scanned
    assert str(log_file.relative_to(paths.data_dir)) in scanned

    # Nothing else can read it: not plain SQLite, not SQLCipher under another key.
    for path in (paths.vault_file, backup):
        plain = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            with pytest.raises(sqlite3.DatabaseError, match="file is not a database"):
                plain.execute("SELECT count(*) FROM sqlite_master").fetchall()
        finally:
            plain.close()
        wrong_key = bytes(b ^ 0x01 for b in data_key)
        with pytest.raises(VaultDamaged) as excinfo:
            Database.open(path, wrong_key)
        assert excinfo.value.reason == "unreadable"

    # And with the right key the canary is all there: the scan looked at real data.
    reopened = vault.unlock(passphrase)
    try:
        assert DraftStore(reopened.db).load("contact:new") is not None
        details = [entry.detail for entry in audit.entries(reopened.db)]
        assert canary in details
    finally:
        reopened.close()
    scanned, found = _scan(paths.data_dir, needles)
    assert found == []
