"""A freshly created vault, open, for the record-level tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from outreach.vault.vault import OpenVault, Vault
from tests.conftest import PASSPHRASE


@pytest.fixture
def opened(make_vault: Callable[..., Vault]) -> Iterator[OpenVault]:
    vault = make_vault().create(PASSPHRASE)
    yield vault
    vault.close()
