"""The key file beside the vault: the data key, wrapped, and how to unwrap it.

It holds no secret in the clear. Everything that decides how the key is derived is
bound to the wrapping as associated data, so altering a field makes unlocking fail.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any, NamedTuple

from outreach.vault import crypto
from outreach.vault.atomic import StepHook, storage_error, write_atomic
from outreach.vault.errors import VaultDamaged

FORMAT = 1


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any, size: int | None = None) -> bytes:
    """Base64 text as bytes, of ``size`` bytes if given: a length no Outreach key file
    holds would otherwise reach the cipher, which refuses it with errors of its own."""
    if not isinstance(text, str):
        raise ValueError("expected base64 text")
    data = base64.b64decode(text, validate=True)
    if size is not None and len(data) != size:
        raise ValueError(f"expected {size} bytes, found {len(data)}")
    return data


# What AES-GCM makes of the 32-byte data key: the key and a 16-byte tag.
_SEALED_KEY_BYTES = crypto.DATA_KEY_BYTES + 16
_X25519_PUBLIC_BYTES = 32


# A NamedTuple, not a dataclass: defined without compiling methods, before the first window.
class Wrapped(NamedTuple):
    nonce: bytes
    ciphertext: bytes


class RecoveryRecord(NamedTuple):
    fingerprint: str
    seal: crypto.RecoverySeal


class KeyFile(NamedTuple):
    vault_id: str
    kdf: crypto.KdfParams
    salt: bytes
    # True when a device secret from the OS keyring is mixed into the wrapping key.
    device_bound: bool
    wrapped: Wrapped | None
    recovery: RecoveryRecord | None
    wiped_at: str | None = None
    # "failed_unlocks" (the passphrase wrapping went, an agency seal may remain) or
    # "agency" (a revoked laptop: every wrapping and the database itself are gone).
    wiped_by: str | None = None

    def passphrase_header(self) -> bytes:
        return crypto.canonical_bytes(
            {
                "format": FORMAT,
                "vault_id": self.vault_id,
                "kdf": self.kdf.as_dict(),
                "salt": _b64(self.salt),
                "device_bound": self.device_bound,
            }
        )

    def recovery_header(self, fingerprint: str) -> bytes:
        return crypto.canonical_bytes(
            {"format": FORMAT, "vault_id": self.vault_id, "recovery": fingerprint}
        )

    def wiped(self, at: str) -> KeyFile:
        return self._replace(wrapped=None, wiped_at=at, wiped_by="failed_unlocks")

    def shredded(self, at: str) -> KeyFile:
        return self._replace(wrapped=None, recovery=None, wiped_at=at, wiped_by="agency")

    def to_json(self) -> bytes:
        data: dict[str, Any] = {
            "format": FORMAT,
            "vault_id": self.vault_id,
            "kdf": self.kdf.as_dict(),
            "salt": _b64(self.salt),
            "device_bound": self.device_bound,
            "wrapped_key": None,
            "recovery": None,
            "wiped_at": self.wiped_at,
        }
        if self.wiped_by:
            data["wiped_by"] = self.wiped_by
        if self.wrapped:
            data["wrapped_key"] = {
                "nonce": _b64(self.wrapped.nonce),
                "ciphertext": _b64(self.wrapped.ciphertext),
            }
        if self.recovery:
            seal = self.recovery.seal
            data["recovery"] = {
                "fingerprint": self.recovery.fingerprint,
                "ephemeral_public": _b64(seal.ephemeral_public),
                "nonce": _b64(seal.nonce),
                "ciphertext": _b64(seal.ciphertext),
            }
        return json.dumps(data, indent=2, sort_keys=True).encode("utf-8") + b"\n"

    @classmethod
    def from_json(cls, raw: bytes) -> KeyFile:
        data = json.loads(raw.decode("utf-8"))
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("not an Outreach key file of a known format")
        wrapped = None
        if data.get("wrapped_key") is not None:
            w = data["wrapped_key"]
            wrapped = Wrapped(
                _unb64(w["nonce"], crypto.NONCE_BYTES),
                _unb64(w["ciphertext"], _SEALED_KEY_BYTES),
            )
        recovery = None
        if data.get("recovery") is not None:
            r = data["recovery"]
            recovery = RecoveryRecord(
                str(r["fingerprint"]),
                crypto.RecoverySeal(
                    _unb64(r["ephemeral_public"], _X25519_PUBLIC_BYTES),
                    _unb64(r["nonce"], crypto.NONCE_BYTES),
                    _unb64(r["ciphertext"], _SEALED_KEY_BYTES),
                ),
            )
        device_bound = data["device_bound"]
        if not isinstance(device_bound, bool):
            raise ValueError("device_bound must be true or false")
        wiped_at = data.get("wiped_at")
        wiped_by = data.get("wiped_by")
        return cls(
            vault_id=str(data["vault_id"]),
            kdf=crypto.KdfParams.from_dict(data["kdf"]),
            salt=_unb64(data["salt"], crypto.SALT_BYTES),
            device_bound=device_bound,
            wrapped=wrapped,
            recovery=recovery,
            wiped_at=str(wiped_at) if wiped_at is not None else None,
            wiped_by=str(wiped_by) if wiped_by is not None else None,
        )


def read_key_file(path: Path) -> KeyFile:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise storage_error(exc, path) from exc
    try:
        return KeyFile.from_json(raw)
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        # Anything from a field of the wrong shape (null where an object belongs, ...).
        raise VaultDamaged("key_file", path, type(exc).__name__) from exc


def write_key_file(path: Path, key_file: KeyFile, *, on_step: StepHook | None = None) -> None:
    write_atomic(path, key_file.to_json(), on_step=on_step)
