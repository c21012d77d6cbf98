"""The vault: creating, unlocking, rewrapping and recovering the encrypted database.

Files in the data folder:

- ``vault.db`` (and its ``-wal``/``-shm``): the SQLCipher database under the data key.
- ``vault.key``: the data key wrapped by the passphrase (and device secret), and sealed
  to the agency recovery key when policy has one. Replaced atomically, never edited.
- ``unlock-state.json``: how many unlocks failed in a row, for the growing delay.

Creation stages the database as ``vault.db.creating`` and writes the key file before
renaming it into place, so a crash at any moment leaves either nothing or a vault.
"""

from __future__ import annotations

import contextlib
import copy
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from outreach.config.paths import AppPaths
from outreach.config.policy import Policy
from outreach.vault import audit, crypto
from outreach.vault.atomic import StepHook, storage_error
from outreach.vault.device import DeviceSecretStore
from outreach.vault.errors import (
    KeyringRequired,
    KeyringUnavailable,
    RecoveryUnavailable,
    StorageError,
    UnlockThrottled,
    VaultDamaged,
    VaultError,
    VaultWiped,
    WrongPassphrase,
)
from outreach.vault.keyfile import KeyFile, RecoveryRecord, Wrapped, read_key_file, write_key_file
from outreach.vault.throttle import UnlockState, delay_after, read_unlock_state, write_unlock_state

# The database (and SQLCipher with it) and the migrations are imported where a vault is
# created or opened: the first window reads only the key file (``state``).
if TYPE_CHECKING:
    from outreach.vault.database import Database

STAGING_SUFFIX = ".creating"


class OpenVault:
    """An unlocked vault: the connection and the key, until ``close`` drops both."""

    def __init__(
        self,
        paths: AppPaths,
        key_file: KeyFile,
        data_key: bytes,
        db: Database,
        integrity_problems: list[str] | None = None,
    ) -> None:
        self.paths = paths
        self.vault_id = key_file.vault_id
        self.device_bound = key_file.device_bound
        self.db = db
        # What the check run while opening found: empty when sound. When not empty, ``db``
        # is read-only and nothing has been written to the file since the check.
        self.integrity_problems: list[str] = list(integrity_problems or [])
        self._key = bytearray(data_key)

    def backup(
        self, destination: Path | None = None, *, now: Callable[[], datetime] = audit.utc_now
    ) -> Path:
        if destination is None:
            try:
                self.paths.backup_dir.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise storage_error(exc, self.paths.backup_dir) from exc
            destination = self.paths.backup_dir / f"backup-{now().strftime('%Y%m%dT%H%M%S')}.vault"
        self.db.backup_to(destination, bytes(self._key))
        if not self.db.read_only:
            with self.db.transaction():
                audit.record(self.db, "backup_made", now=now)
        return destination

    def connect_again(self) -> Database:
        """A second connection to the same vault, for work on another thread (sync): a
        connection is used from one thread only. The caller closes it."""
        if not self._key:
            raise VaultDamaged("missing_database", self.paths.vault_file)
        from outreach.vault.database import Database

        return Database.open(self.paths.vault_file, bytes(self._key), read_only=self.db.read_only)

    def for_another_thread(self) -> OpenVault:
        """This vault on a connection of its own, with its own copy of the key, for work
        that outlasts a lock on another thread (a backup): closing either leaves the other
        whole, and a lock wipes only this one's key."""
        twin = copy.copy(self)
        twin.db = self.connect_again()
        twin._key = bytearray(self._key)
        twin.integrity_problems = list(self.integrity_problems)
        return twin

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.db.close()
        # Best effort: Python may hold other copies, but not through this object.
        for i in range(len(self._key)):
            self._key[i] = 0
        self._key = bytearray()


@dataclass(eq=False)  # one object for one vault: compared by identity
class Vault:
    """Everything about a vault that does not need it unlocked."""

    paths: AppPaths
    policy: Policy
    device: DeviceSecretStore
    kdf: crypto.KdfParams = crypto.DEFAULT_KDF
    clock: Callable[[], float] = time.time
    now: Callable[[], datetime] = audit.utc_now
    # Tests kill the process between the steps of a key-file replacement.
    on_key_step: StepHook | None = None
    # One passphrase tried at a time: each try reads the failure count, derives, and writes
    # it. Tries overlapping (Hide now during an unlock, then another) would each read the
    # count before the other wrote it, and neither wait for the other's delay.
    _trying: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False, compare=False
    )

    # --- state -----------------------------------------------------------------

    @property
    def _staging(self) -> Path:
        return self.paths.vault_file.with_name(self.paths.vault_file.name + STAGING_SUFFIX)

    def state(self) -> str:
        """ "new" (nothing here yet), "locked" or "wiped"; raises VaultDamaged otherwise."""
        key_exists = self.paths.key_file.exists()
        db_exists = self.paths.vault_file.exists()
        if key_exists and not db_exists and self._staging.exists():
            self._finish_creation()
            db_exists = True
        if not key_exists and not db_exists:
            return "new"
        if not key_exists:
            raise VaultDamaged("foreign_database", self.paths.vault_file)
        if not db_exists:
            if self._shredded():
                return "wiped"  # on the agency's instruction: no database is expected
            raise VaultDamaged("missing_database", self.paths.vault_file)
        return "wiped" if read_key_file(self.paths.key_file).wrapped is None else "locked"

    def _shredded(self) -> bool:
        try:
            return read_key_file(self.paths.key_file).wiped_by == "agency"
        except VaultError:
            return False

    def throttle_wait(self) -> float:
        return read_unlock_state(self.paths.unlock_state_file).wait(self.clock())

    # --- create ----------------------------------------------------------------

    def create(self, passphrase: str) -> OpenVault:
        self._ensure_folder()
        if self.state() != "new":
            raise VaultDamaged("foreign_database", self.paths.vault_file)
        if self.policy.require_keyring and not self.device.available:
            raise KeyringRequired("no_backend")
        import uuid  # only a new vault needs one: not before the first window

        from outreach.vault.database import Database
        from outreach.vault.migrations import migrate

        vault_id = str(uuid.uuid4())
        device_secret = self._new_device_secret(vault_id)
        data_key = crypto.new_data_key()
        self._remove_stale_staging()
        db = Database.open(self._staging, data_key, create=True)
        try:
            migrate(db, backup_dir=self.paths.backup_dir, take_backup=lambda _p: None, now=self.now)
            with db.transaction():
                db.execute("INSERT INTO meta (key, value) VALUES ('vault_id', ?)", (vault_id,))
                audit.record(db, "vault_created", now=self.now)
        finally:
            db.close()
        key_file = self._wrapped(vault_id, data_key, passphrase, device_secret, recovery=None)
        key_file = self._with_policy_recovery(key_file, data_key)
        write_key_file(self.paths.key_file, key_file, on_step=self.on_key_step)
        self._finish_creation()
        return self._open(key_file, data_key)

    def _finish_creation(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            staged = Path(str(self._staging) + suffix)
            if staged.exists():
                try:
                    staged.replace(Path(str(self.paths.vault_file) + suffix))
                except OSError as exc:
                    raise storage_error(exc, self.paths.vault_file) from exc

    def _remove_stale_staging(self) -> None:
        # Left by a creation that crashed before its key file existed: its key is gone,
        # so it can hold nothing, and it is ours by name.
        for suffix in ("", "-wal", "-shm"):
            Path(str(self._staging) + suffix).unlink(missing_ok=True)

    def _ensure_folder(self) -> None:
        try:
            self.paths.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise storage_error(exc, self.paths.data_dir) from exc

    def _new_device_secret(self, vault_id: str) -> bytes | None:
        if not self.device.available:
            return None
        try:
            return self.device.create(vault_id)
        except KeyringUnavailable as exc:
            if self.policy.require_keyring:
                raise KeyringRequired(exc.reason) from exc
            return None

    # --- unlock ----------------------------------------------------------------

    def unlock(self, passphrase: str) -> OpenVault:
        key_file = self._read_locked_key_file()
        data_key = self._unwrap_counting_failures(key_file, passphrase)
        if self.policy.require_keyring and not key_file.device_bound:
            key_file = self._bind_to_device(key_file, data_key, passphrase)
        key_file = self._refresh_recovery_seal(key_file, data_key)
        return self._open(key_file, data_key)

    def _read_locked_key_file(self) -> KeyFile:
        state = self.state()
        if state == "new":
            raise VaultDamaged("missing_database", self.paths.vault_file)
        key_file = read_key_file(self.paths.key_file)
        if key_file.wrapped is None:
            raise VaultWiped(
                recoverable_by_agency=key_file.recovery is not None,
                by_agency=key_file.wiped_by == "agency",
            )
        return key_file

    def _device_secret_for(self, key_file: KeyFile) -> bytes | None:
        if key_file.device_bound:
            return self.device.get(key_file.vault_id)
        if self.policy.require_keyring and not self.device.available:
            raise KeyringRequired("no_backend")
        return None

    def _unwrap_counting_failures(self, key_file: KeyFile, passphrase: str) -> bytes:
        with self._trying:
            return self._unwrap_counted(key_file, passphrase)

    def _unwrap_counted(self, key_file: KeyFile, passphrase: str) -> bytes:
        unlock_state = read_unlock_state(self.paths.unlock_state_file)
        wait = unlock_state.wait(self.clock())
        if wait > 0:
            raise UnlockThrottled(wait)
        device_secret = self._device_secret_for(key_file)
        assert key_file.wrapped is not None
        kek = crypto.derive_wrapping_key(passphrase, key_file.salt, key_file.kdf, device_secret)
        try:
            data_key = crypto.unwrap(
                kek,
                key_file.wrapped.nonce,
                key_file.wrapped.ciphertext,
                key_file.passphrase_header(),
            )
        except crypto.UnwrapError:
            self._fail(key_file, unlock_state)
            raise AssertionError("unreachable") from None
        if unlock_state.failures:
            write_unlock_state(self.paths.unlock_state_file, UnlockState())
        return data_key

    def _fail(self, key_file: KeyFile, previous: UnlockState) -> None:
        failures = previous.failures + 1
        write_unlock_state(self.paths.unlock_state_file, UnlockState(failures, self.clock()))
        limit = self.policy.wipe_after_failed_unlocks
        if limit and failures >= limit:
            self._wipe(key_file)
            raise VaultWiped(
                recoverable_by_agency=key_file.recovery is not None,
                by_agency=key_file.wiped_by == "agency",
            )
        remaining = limit - failures if limit else None
        raise WrongPassphrase(failures, remaining, delay_after(failures))

    def _wipe(self, key_file: KeyFile) -> None:
        # Crypto-shred: the passphrase wrapping and the device secret go. The agency seal,
        # if any, stays: it opens only with the agency's private key (see threat model).
        write_key_file(self.paths.key_file, key_file.wiped(self.now().isoformat()))
        if key_file.device_bound:
            with contextlib.suppress(KeyringUnavailable):
                self.device.delete(key_file.vault_id)

    def shred(self) -> None:
        """Crypto-shred on the agency's instruction (a revoked laptop): the keyring secret
        and every wrapping of the data key go first, then the database, its journal and
        the backups. The vault must be closed. What is left says only when and why."""
        key_file = read_key_file(self.paths.key_file)
        if key_file.device_bound:
            with contextlib.suppress(KeyringUnavailable):
                self.device.delete(key_file.vault_id)
        write_key_file(self.paths.key_file, key_file.shredded(self.now().isoformat()))
        database = self.paths.vault_file
        doomed = [database.with_name(database.name + s) for s in ("", "-wal", "-shm")]
        doomed.append(self._staging)
        if self.paths.backup_dir.is_dir():
            doomed += [p for p in self.paths.backup_dir.iterdir() if p.is_file()]
        for path in doomed:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        with contextlib.suppress(FileNotFoundError):
            self.paths.unlock_state_file.unlink()

    def _open(self, key_file: KeyFile, data_key: bytes) -> OpenVault:
        # The checks run on a read-only connection before anything writes (migrations, the
        # audit row): a damaged file is reported, opened read-only and left byte for byte.
        from outreach.vault.database import Database
        from outreach.vault.migrations import migrate

        checker = Database.open(self.paths.vault_file, data_key, read_only=True)
        try:
            problems = checker.integrity_problems()
        finally:
            checker.close()
        if problems:
            db = Database.open(self.paths.vault_file, data_key, read_only=True)
            return OpenVault(self.paths, key_file, data_key, db, integrity_problems=problems)
        db = Database.open(self.paths.vault_file, data_key)
        try:
            applied = migrate(
                db,
                backup_dir=self.paths.backup_dir,
                take_backup=lambda path: db.backup_to(path, data_key),
                now=self.now,
            )
            with db.transaction():
                if applied:
                    audit.record(db, "migrated", ",".join(map(str, applied)), now=self.now)
                audit.record(db, "unlocked", now=self.now)
        except BaseException:
            db.close()
            raise
        return OpenVault(self.paths, key_file, data_key, db, integrity_problems=[])

    # --- rewrapping ------------------------------------------------------------

    def _wrapped(
        self,
        vault_id: str,
        data_key: bytes,
        passphrase: str,
        device_secret: bytes | None,
        recovery: RecoveryRecord | None,
    ) -> KeyFile:
        unwrapped = KeyFile(
            vault_id=vault_id,
            kdf=self.kdf,
            salt=crypto.new_salt(),
            device_bound=device_secret is not None,
            wrapped=None,
            recovery=recovery,
        )
        kek = crypto.derive_wrapping_key(passphrase, unwrapped.salt, self.kdf, device_secret)
        nonce, ciphertext = crypto.wrap(kek, data_key, unwrapped.passphrase_header())
        return unwrapped._replace(wrapped=Wrapped(nonce, ciphertext))

    def _with_policy_recovery(self, key_file: KeyFile, data_key: bytes) -> KeyFile:
        if not self.policy.recovery_public_key:
            return key_file
        public = crypto.load_recovery_public_key(self.policy.recovery_public_key)
        fingerprint = crypto.public_key_fingerprint(public)
        if key_file.recovery and key_file.recovery.fingerprint == fingerprint:
            return key_file
        seal = crypto.seal_for_recovery(public, data_key, key_file.recovery_header(fingerprint))
        return key_file._replace(recovery=RecoveryRecord(fingerprint, seal))

    def _refresh_recovery_seal(self, key_file: KeyFile, data_key: bytes) -> KeyFile:
        updated = self._with_policy_recovery(key_file, data_key)
        if updated is not key_file:
            write_key_file(self.paths.key_file, updated, on_step=self.on_key_step)
        return updated

    def _bind_to_device(self, key_file: KeyFile, data_key: bytes, passphrase: str) -> KeyFile:
        secret = self._new_device_secret(key_file.vault_id)
        if secret is None:
            raise KeyringRequired("error")
        rebound = self._wrapped(key_file.vault_id, data_key, passphrase, secret, key_file.recovery)
        write_key_file(self.paths.key_file, rebound, on_step=self.on_key_step)
        return rebound

    def change_passphrase(self, old: str, new: str) -> None:
        """Rewrap the data key under the new passphrase; the database is not touched."""
        key_file = self._read_locked_key_file()
        data_key = self._unwrap_counting_failures(key_file, old)
        device_secret = self._device_secret_for(key_file)
        rewrapped = self._wrapped(
            key_file.vault_id, data_key, new, device_secret, key_file.recovery
        )
        write_key_file(self.paths.key_file, rewrapped, on_step=self.on_key_step)

    def recover(self, private_key_pem: bytes, new_passphrase: str) -> None:
        """Agency recovery: open the seal, prove the key opens the vault, set a passphrase."""
        if self.state() == "new":
            raise VaultDamaged("missing_database", self.paths.vault_file)
        key_file = read_key_file(self.paths.key_file)
        if key_file.recovery is None:
            raise RecoveryUnavailable("no_seal")
        try:
            private = crypto.load_recovery_private_key(private_key_pem)
        except (ValueError, TypeError) as exc:
            raise RecoveryUnavailable("bad_key_file") from exc
        try:
            data_key = crypto.open_recovery_seal(
                private,
                key_file.recovery.seal,
                key_file.recovery_header(key_file.recovery.fingerprint),
            )
        except crypto.UnwrapError as exc:
            raise RecoveryUnavailable("wrong_key") from exc
        from outreach.vault.database import Database

        db = Database.open(self.paths.vault_file, data_key)
        try:
            with db.transaction():
                audit.record(db, "recovered", now=self.now)
        finally:
            db.close()
        device_secret: bytes | None = None
        if self.device.available:
            try:
                device_secret = self.device.get(key_file.vault_id)
            except KeyringUnavailable:
                device_secret = self._new_device_secret(key_file.vault_id)
        elif self.policy.require_keyring:
            raise KeyringRequired("no_backend")
        recovered = self._wrapped(
            key_file.vault_id, data_key, new_passphrase, device_secret, key_file.recovery
        )
        write_key_file(self.paths.key_file, recovered, on_step=self.on_key_step)
        write_unlock_state(self.paths.unlock_state_file, UnlockState())


__all__ = ["OpenVault", "StorageError", "Vault"]
