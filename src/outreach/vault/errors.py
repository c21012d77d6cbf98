"""What can go wrong with a vault, as data: the UI and CLI turn these into words.

Each error names the situation, not the record: no message ever carries content.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class VaultError(Exception):
    """Base for every failure the worker or IT must be told about.

    Errors compare by identity, as exceptions do (``eq=False``): compared by their fields
    they could not be hashed, and each class would compile two more methods at start-up.
    """


@dataclass(eq=False)
class WrongPassphrase(VaultError):
    failures: int
    # Tries left before policy destroys the keys; None when policy does not wipe.
    remaining_before_wipe: int | None
    # Seconds before the next attempt is accepted.
    next_delay: float


@dataclass(eq=False)
class UnlockThrottled(VaultError):
    wait_seconds: float


@dataclass(eq=False)
class VaultWiped(VaultError):
    """The keys were destroyed after too many failed unlocks, or on the agency's signed
    instruction to a revoked laptop (``by_agency``: the records themselves are gone too)."""

    recoverable_by_agency: bool
    by_agency: bool = False


@dataclass(eq=False)
class KeyringUnavailable(VaultError):
    # "no_backend": no usable Secret Service, Credential Manager or Keychain;
    # "locked": the keyring exists but is locked; "missing": the device secret is gone;
    # "error": the keyring answered with an error.
    reason: str


@dataclass(eq=False)
class KeyringRequired(VaultError):
    """Policy requires a keyring and none is usable."""

    reason: str


@dataclass(eq=False)
class VaultTooNew(VaultError):
    found_version: int
    supported_version: int


@dataclass(eq=False)
class VaultDamaged(VaultError):
    # "unreadable": not a database under this key (corrupt, truncated or foreign);
    # "integrity": opened, but the integrity checks failed; "key_file": the key file is
    # damaged or not an Outreach key file; "missing_database": key file without database;
    # "foreign_database": a database file with no key file beside it.
    reason: str
    path: Path
    detail: str = ""


@dataclass(eq=False)
class StorageError(VaultError):
    # "full": no space left; "read_only": the folder or file cannot be written;
    # "missing": the folder does not exist and cannot be created; "io": another OS error.
    reason: str
    path: Path


@dataclass(eq=False)
class RecoveryUnavailable(VaultError):
    # "no_seal": the vault was never sealed to an agency key; "wrong_key": the private
    # key does not open the seal; "bad_key_file": the file is not a usable private key.
    reason: str


class UnsafeOperation(VaultError):
    """SQL that would put plaintext on disk was refused by the vault's guard."""
