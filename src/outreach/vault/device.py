"""The device secret: a random value kept in the OS keyring and mixed into the wrapping key.

With it, a copied vault plus the passphrase is not enough on another machine. Only
keyrings that keep secrets encrypted by the OS are accepted; a plaintext or file
backend would defeat the point, so it counts as no keyring at all.
"""

from __future__ import annotations

import base64
import os
from typing import TYPE_CHECKING, Any

from outreach.vault.errors import KeyringUnavailable

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

# keyring is imported where it is used: it costs about 30 ms, and the unlock window is
# shown before the keyring is first needed.

SERVICE = "Outreach vault"
SECRET_BYTES = 32
_PROBE_USER = "self-test probe"

# Backends that keep secrets under the OS's own protection.
TRUSTED_BACKENDS = frozenset(
    {
        "keyring.backends.SecretService.Keyring",
        "keyring.backends.libsecret.Keyring",
        "keyring.backends.kwallet.DBusKeyring",
        "keyring.backends.Windows.WinVaultKeyring",
        "keyring.backends.macOS.Keyring",
    }
)


def _qualified_name(backend: Any) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def trusted_system_backend() -> KeyringBackend | None:
    """The OS keyring if it is one we trust, else None (never a plaintext fallback)."""
    import keyring

    chosen = keyring.get_keyring()
    candidates = getattr(chosen, "backends", None) or [chosen]
    for backend in candidates:
        if _qualified_name(backend) in TRUSTED_BACKENDS:
            return backend  # type: ignore[no-any-return]
    return None


class DeviceSecretStore:
    """Reads and writes one device secret per vault; a None backend means no keyring."""

    def __init__(self, backend: KeyringBackend | None) -> None:
        self._backend = backend

    @classmethod
    def from_system(cls) -> DeviceSecretStore:
        return cls(trusted_system_backend())

    @property
    def available(self) -> bool:
        return self._backend is not None

    @property
    def backend_name(self) -> str:
        return _qualified_name(self._backend) if self._backend is not None else "none"

    def create(self, vault_id: str) -> bytes:
        secret = os.urandom(SECRET_BYTES)
        self._call("set_password", SERVICE, vault_id, base64.b64encode(secret).decode("ascii"))
        if self.get(vault_id) != secret:
            raise KeyringUnavailable("error")
        return secret

    def get(self, vault_id: str) -> bytes:
        stored = self._call("get_password", SERVICE, vault_id)
        if stored is None:
            raise KeyringUnavailable("missing")
        try:
            secret = base64.b64decode(stored, validate=True)
        except ValueError as exc:
            raise KeyringUnavailable("missing") from exc
        if len(secret) != SECRET_BYTES:
            raise KeyringUnavailable("missing")
        return secret

    def delete(self, vault_id: str) -> None:
        try:
            self._call("delete_password", SERVICE, vault_id)
        except KeyringUnavailable as exc:
            if exc.reason != "error":
                raise
            # keyring reports a missing entry as an error: nothing left to delete.

    def probe(self) -> str | None:
        """Round-trip a throwaway entry; None when it works, else the reason it does not."""
        try:
            self.create(_PROBE_USER)
            self.delete(_PROBE_USER)
        except KeyringUnavailable as exc:
            return exc.reason
        return None

    def _call(self, method: str, *args: str) -> Any:
        if self._backend is None:
            raise KeyringUnavailable("no_backend")
        import keyring.errors

        try:
            return getattr(self._backend, method)(*args)
        except keyring.errors.KeyringLocked as exc:
            raise KeyringUnavailable("locked") from exc
        except (keyring.errors.NoKeyringError, keyring.errors.InitError) as exc:
            raise KeyringUnavailable("no_backend") from exc
        except keyring.errors.PasswordDeleteError as exc:
            raise KeyringUnavailable("error") from exc
        except Exception as exc:  # D-Bus and OS errors surface as many types
            raise KeyringUnavailable("error") from exc
