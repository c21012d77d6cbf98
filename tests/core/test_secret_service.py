"""The vault against a real Secret Service (gnome-keyring), including a locked keyring."""

from __future__ import annotations

import pytest

from outreach.vault.device import DeviceSecretStore
from outreach.vault.errors import KeyringUnavailable
from tests.conftest import PASSPHRASE
from tests.support.secret_service import secret_service  # noqa: F401 (fixture)

pytestmark = [pytest.mark.keyring, pytest.mark.usefixtures("secret_service")]


def test_a_vault_bound_to_the_real_keyring_unlocks_and_a_locked_keyring_is_named(
    make_vault,
) -> None:
    import secretstorage
    from keyring.backends import SecretService

    backend = SecretService.Keyring()
    store = DeviceSecretStore(backend)
    assert store.probe() is None

    opened = make_vault(device=store).create(PASSPHRASE)
    assert opened.device_bound
    opened.close()
    make_vault(device=store).unlock(PASSPHRASE).close()

    connection = secretstorage.dbus_init()
    secretstorage.get_default_collection(connection).lock()
    connection.close()
    vault = make_vault(device=DeviceSecretStore(SecretService.Keyring()))
    with pytest.raises(KeyringUnavailable) as refused:
        vault.unlock(PASSPHRASE)
    assert refused.value.reason == "locked"
    assert vault.throttle_wait() == 0  # a locked keyring is not a wrong passphrase
