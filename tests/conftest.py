"""Shared fixtures: a fresh data folder and vault per test, with a cheap KDF."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from outreach.config.paths import AppPaths
from outreach.config.policy import Policy
from outreach.vault.crypto import KdfParams
from outreach.vault.device import DeviceSecretStore
from outreach.vault.vault import Vault

# Tests pass cheap Argon2 parameters explicitly; one test asserts the real defaults.
CHEAP_KDF = KdfParams(time_cost=1, memory_kib=1024, parallelism=1)
PASSPHRASE = "plum lantern orbit 47"

# Real services (Secret Service, PostgreSQL) skip locally when absent; CI sets this so a
# missing service fails instead of skipping.
REQUIRE_REAL_SERVICES = os.environ.get("OUTREACH_REQUIRE_REAL_SERVICES") == "1"


@pytest.fixture
def paths(tmp_path: Path) -> AppPaths:
    return AppPaths.in_folder(tmp_path / "data")


@pytest.fixture
def make_vault(paths: AppPaths) -> Callable[..., Vault]:
    def make(
        policy: Policy | None = None, device: DeviceSecretStore | None = None, **kwargs: Any
    ) -> Vault:
        return Vault(
            paths,
            policy or Policy(),
            device or DeviceSecretStore(None),
            kdf=kwargs.pop("kdf", CHEAP_KDF),
            **kwargs,
        )

    return make


# --- slow tests: skipped unless asked for (pytest_addoption works only in this conftest) ---


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--run-slow",
        action="store_true",
        default=False,
        help="also run tests marked slow (long robustness loops); -m slow does the same",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-slow") or "slow" in (config.getoption("markexpr") or ""):
        return
    skip_slow = pytest.mark.skip(reason="slow: run with --run-slow or -m slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip_slow)
