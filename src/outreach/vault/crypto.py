"""Key derivation, key wrapping and recovery sealing.

The data key that encrypts the database never changes; only its wrappings do. A
passphrase (and, where the OS keyring works, a device secret) unwraps it; an agency
recovery key can unseal a second copy.
"""

from __future__ import annotations

import base64
import json
import os
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.x25519 import (
        X25519PrivateKey,
        X25519PublicKey,
    )

# argon2 and cryptography are imported where they are used: about 20 ms that the unlock
# window need not wait for (nothing is derived until a passphrase is entered).

DATA_KEY_BYTES = 32
NONCE_BYTES = 12
SALT_BYTES = 16

_WRAP_INFO = b"outreach/vault-wrap/v1"
_RECOVERY_INFO = b"outreach/recovery-seal/v1"


# A NamedTuple, not a dataclass: defined without compiling methods, before the first window.
class KdfParams(NamedTuple):
    """Argon2id cost; stored beside the wrapped key and bound to it as associated data."""

    time_cost: int
    memory_kib: int
    parallelism: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": "argon2id",
            "time_cost": self.time_cost,
            "memory_kib": self.memory_kib,
            "parallelism": self.parallelism,
        }

    @classmethod
    def from_dict(cls, data: Any) -> KdfParams:
        """The parameters a key file names, or ValueError. They are read before anything
        can be checked against them, so bounds keep a damaged file from making Argon2
        fail, or take all memory or hours."""
        if not isinstance(data, dict) or data.get("name") != "argon2id":
            raise ValueError("unsupported key derivation")
        values = [data.get(name) for name in ("time_cost", "memory_kib", "parallelism")]
        whole = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
        if len(whole) != len(values):
            raise ValueError("key derivation parameters must be whole numbers")
        params = cls(*whole)
        if not (
            1 <= params.time_cost <= MAX_TIME_COST
            and 1 <= params.parallelism <= MAX_PARALLELISM
            and 8 * params.parallelism <= params.memory_kib <= MAX_MEMORY_KIB
        ):
            raise ValueError("key derivation parameters out of range")
        return params


# Far above what any vault is made with (DEFAULT_KDF), far below a day's work or more
# memory than a laptop has.
MAX_TIME_COST = 100
MAX_PARALLELISM = 64
MAX_MEMORY_KIB = 4 * 1024 * 1024


# About 0.65 s on a 2-core machine here: slow enough to make guessing expensive, quick
# enough for a worker unlocking in the street. Raise them later; old vaults keep theirs.
DEFAULT_KDF = KdfParams(time_cost=4, memory_kib=256 * 1024, parallelism=2)


class UnwrapError(Exception):
    """The key could not be unwrapped: wrong secret, or the stored wrapping was altered."""


def new_data_key() -> bytes:
    return os.urandom(DATA_KEY_BYTES)


def new_salt() -> bytes:
    return os.urandom(SALT_BYTES)


def normalise_passphrase(passphrase: str) -> bytes:
    # The same passphrase typed on another keyboard layout or OS must give the same key.
    import unicodedata

    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


def derive_wrapping_key(
    passphrase: str, salt: bytes, params: KdfParams, device_secret: bytes | None
) -> bytes:
    from argon2.low_level import Type, hash_secret_raw

    stretched = hash_secret_raw(
        normalise_passphrase(passphrase),
        salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=32,
        type=Type.ID,
    )
    return _hkdf(stretched + (device_secret or b""), salt, _WRAP_INFO)


def _hkdf(material: bytes, salt: bytes | None, info: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(material)


def canonical_bytes(header: dict[str, Any]) -> bytes:
    """Stable bytes of a header, used as associated data so no field can be altered."""
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")


def wrap(key: bytes, secret: bytes, associated: bytes) -> tuple[bytes, bytes]:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(NONCE_BYTES)
    return nonce, AESGCM(key).encrypt(nonce, secret, associated)


def unwrap(key: bytes, nonce: bytes, ciphertext: bytes, associated: bytes) -> bytes:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        return AESGCM(key).decrypt(nonce, ciphertext, associated)
    except InvalidTag as exc:
        raise UnwrapError from exc


# Recovery: an ephemeral X25519 key agreement with the agency's public key (ECIES), so
# the laptop can seal the data key without ever holding anything that can unseal it.


class RecoverySeal(NamedTuple):
    ephemeral_public: bytes
    nonce: bytes
    ciphertext: bytes


def load_recovery_public_key(text: str) -> X25519PublicKey:
    """Accept a PEM public key or the raw 32 bytes in base64, as IT may paste either."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

    stripped = text.strip()
    if stripped.startswith("-----BEGIN"):
        key = serialization.load_pem_public_key(stripped.encode("ascii"))
        if not isinstance(key, X25519PublicKey):
            raise ValueError("not an X25519 public key")
        return key

    raw = base64.b64decode(stripped, validate=True)
    return X25519PublicKey.from_public_bytes(raw)


def load_recovery_private_key(pem: bytes) -> X25519PrivateKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, X25519PrivateKey):
        raise ValueError("not an X25519 private key")
    return key


def public_key_fingerprint(key: X25519PublicKey) -> str:
    from cryptography.hazmat.primitives import hashes

    digest = hashes.Hash(hashes.SHA256())
    digest.update(_raw_public(key))
    return digest.finalize()[:16].hex()


def _seal_key(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    return _hkdf(shared + ephemeral + recipient, None, _RECOVERY_INFO)


def _raw_public(key: X25519PublicKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def seal_for_recovery(recipient: X25519PublicKey, secret: bytes, associated: bytes) -> RecoverySeal:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = _raw_public(ephemeral.public_key())
    key = _seal_key(ephemeral.exchange(recipient), ephemeral_public, _raw_public(recipient))
    nonce, ciphertext = wrap(key, secret, associated)
    return RecoverySeal(ephemeral_public, nonce, ciphertext)


def open_recovery_seal(
    private_key: X25519PrivateKey, seal: RecoverySeal, associated: bytes
) -> bytes:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

    ephemeral = X25519PublicKey.from_public_bytes(seal.ephemeral_public)
    recipient = _raw_public(private_key.public_key())
    key = _seal_key(private_key.exchange(ephemeral), seal.ephemeral_public, recipient)
    return unwrap(key, seal.nonce, seal.ciphertext, associated)


def generate_recovery_keypair() -> tuple[bytes, str]:
    """A new agency key pair: the private key as PEM, the public key as PEM for policy."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    private = X25519PrivateKey.generate()
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem, public_pem.decode("ascii")
