"""The keyed connection: PRAGMAs, the plaintext guard, backups and migrations."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys

import pytest

from outreach.records.drafts import DraftStore
from outreach.vault.database import Database
from outreach.vault.errors import UnsafeOperation, VaultDamaged, VaultTooNew
from outreach.vault.migrations import LATEST_VERSION, MIGRATIONS, migrate
from tests.conftest import PASSPHRASE


@pytest.fixture
def opened(make_vault):
    vault = make_vault().create(PASSPHRASE)
    yield vault
    vault.close()


def test_pragmas_are_in_force(opened) -> None:
    db = opened.db
    assert db.scalar("PRAGMA journal_mode") == "wal"
    assert db.scalar("PRAGMA temp_store") == 2
    assert db.scalar("PRAGMA foreign_keys") == 1
    assert db.scalar("PRAGMA secure_delete") == 1
    assert db.scalar("PRAGMA synchronous") == 2
    assert str(db.scalar("PRAGMA cipher_memory_security")) == "1"


@pytest.mark.parametrize(
    "sql",
    [
        "ATTACH DATABASE '{dir}/plain.db' AS p",
        "ATTACH DATABASE '{dir}/plain.db' AS p KEY ''",
        "SELECT sqlcipher_export('main')",
        "SELECT load_extension('{dir}/x')",
        "PRAGMA temp_store = FILE",
        "PRAGMA temp_store = 1",
        "PRAGMA temp_store_directory = '{dir}'",
        "PRAGMA key = 'other'",
        "PRAGMA rekey = 'other'",
        "VACUUM INTO '{dir}/plain.db'",
    ],
)
def test_the_guard_refuses_paths_to_plaintext(opened, tmp_path, sql) -> None:
    with pytest.raises(UnsafeOperation):
        opened.db.execute(sql.format(dir=tmp_path))
    assert not (tmp_path / "plain.db").exists()
    assert opened.db.scalar("SELECT count(*) FROM meta") == 1


def test_the_vault_and_its_backups_are_unreadable_without_the_key(opened, paths) -> None:
    DraftStore(opened.db).save("notes", "backed up")
    backup = opened.backup()
    for path in (paths.vault_file, backup):
        with pytest.raises(sqlite3.DatabaseError):
            sqlite3.connect(path).execute("SELECT count(*) FROM sqlite_master").fetchone()
        with pytest.raises(VaultDamaged):
            Database.open(path, b"\x01" * 32, read_only=True)
    copy = Database.open(backup, bytes(opened._key), read_only=True)
    assert copy.scalar("SELECT content FROM drafts") == "backed up"
    copy.close()


_BACKUP_ON_A_FULL_DISK = """
import json, resource, signal, sys
from pathlib import Path
from outreach.config.paths import AppPaths
from outreach.config.policy import Policy
from outreach.vault.device import DeviceSecretStore
from outreach.vault.errors import StorageError
from outreach.vault.vault import Vault
from tests.conftest import CHEAP_KDF, PASSPHRASE

paths = AppPaths.in_folder(Path(sys.argv[1]))
opened = Vault(paths, Policy(), DeviceSecretStore(None), kdf=CHEAP_KDF).create(PASSPHRASE)
with opened.db.transaction():
    opened.db.executemany(
        "INSERT INTO settings VALUES (?, ?)", [(f"k{i}", "x" * 2000) for i in range(500)]
    )
opened.db.checkpoint()
paths.backup_dir.mkdir(parents=True)
# Files may grow to 300 kB and no further: the disk is full part way through the copy.
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (300_000, resource.RLIM_INFINITY))
try:
    opened.backup(paths.backup_dir / "backup.vault")
    said = "no error"
except StorageError as refused:
    said = refused.reason
resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
print(json.dumps({"said": said, "left": sorted(p.name for p in paths.backup_dir.iterdir())}))
opened.close()
"""


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_FSIZE stands for a full disk")
def test_a_backup_cut_short_leaves_no_file_under_its_name(tmp_path) -> None:
    """A cut-short copy opens as a sound, empty vault: restored by mistake, it would pass
    for the worker's records. A full disk part way leaves nothing behind, and says so."""
    done = subprocess.run(
        [sys.executable, "-c", _BACKUP_ON_A_FULL_DISK, str(tmp_path / "data")],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout)
    assert found["left"] == []
    # SQLite reports the size limit as a full disk or as an I/O error, by where it is hit.
    assert found["said"] in ("full", "io")


def _schema(db: Database) -> list[tuple[str, str]]:
    return db.query("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name")


def test_migrations_are_numbered_without_gaps() -> None:
    assert [m.version for m in MIGRATIONS] == list(range(1, LATEST_VERSION + 1))


@pytest.mark.parametrize("version", range(1, LATEST_VERSION))
def test_a_vault_from_every_earlier_version_migrates_with_its_data(
    make_vault, paths, version
) -> None:
    vault = make_vault()
    fresh = vault.create(PASSPHRASE)
    key = bytes(fresh._key)
    expected = _schema(fresh.db)
    fresh.close()
    # Rebuild the vault file as that older version left it, with data in it.
    for suffix in ("", "-wal", "-shm"):
        (paths.data_dir / f"vault.db{suffix}").unlink(missing_ok=True)
    old = Database.open(paths.vault_file, key, create=True)
    migrate(
        old,
        backup_dir=paths.backup_dir,
        take_backup=lambda _p: None,
        now=vault.now,
        migrations=MIGRATIONS[:version],
    )
    with old.transaction():
        old.execute("INSERT INTO meta (key, value) VALUES ('vault_id', 'old')")
        old.execute("INSERT INTO audit_log (at, action) VALUES ('2025-01-01', 'unlocked')")
    old.close()

    migrated = make_vault().unlock(PASSPHRASE)
    assert migrated.db.user_version == LATEST_VERSION
    assert _schema(migrated.db) == expected
    assert migrated.db.scalar("SELECT value FROM meta WHERE key = 'vault_id'") == "old"
    assert migrated.db.scalar("SELECT count(*) FROM audit_log WHERE at = '2025-01-01'") == 1
    migrated.close()
    backups = list(paths.backup_dir.glob("before-v*.vault"))
    assert len(backups) == 1
    kept = Database.open(backups[0], key, read_only=True)
    assert kept.user_version == version
    kept.close()


def test_a_vault_from_a_newer_app_is_refused_unchanged(make_vault, paths) -> None:
    opened = make_vault().create(PASSPHRASE)
    opened.db.set_user_version(LATEST_VERSION + 1)
    opened.db.checkpoint()
    opened.close()
    before = hashlib.sha256(paths.vault_file.read_bytes()).hexdigest()
    with pytest.raises(VaultTooNew):
        make_vault().unlock(PASSPHRASE)
    assert hashlib.sha256(paths.vault_file.read_bytes()).hexdigest() == before


def test_a_short_page_past_what_the_database_holds_is_not_damage(make_vault, paths) -> None:
    """What a checkpoint that ran out of disk leaves at the end of the file."""
    vault = make_vault()
    opened = vault.create(PASSPHRASE)
    DraftStore(opened.db).save("notes", "kept across a torn tail")
    opened.db.checkpoint()
    opened.close()
    with paths.vault_file.open("ab") as f:
        f.write(b"\x00" * 1000)
    reopened = vault.unlock(PASSPHRASE)
    try:
        assert reopened.integrity_problems == []
        assert not reopened.db.read_only
        assert DraftStore(reopened.db).load("notes").content == "kept across a torn tail"
    finally:
        reopened.close()


def test_a_database_cut_short_inside_its_pages_is_damage(make_vault, paths) -> None:
    vault = make_vault()
    opened = vault.create(PASSPHRASE)
    DraftStore(opened.db).save("notes", "x" * 20_000)
    opened.db.checkpoint()
    opened.close()
    size = paths.vault_file.stat().st_size
    with paths.vault_file.open("r+b") as f:
        f.truncate(size - 1000)
    reopened = vault.unlock(PASSPHRASE)
    try:
        assert reopened.integrity_problems != []
        assert reopened.db.read_only
    finally:
        reopened.close()
