"""The whole shell, built as the app builds it, with test doubles for keyring and KDF."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from outreach.config.policy import Policy
from outreach.gui import Shell, build_shell
from outreach.vault.device import DeviceSecretStore
from tests.conftest import CHEAP_KDF


@pytest.fixture
def make_shell(qapp, qtbot, paths) -> Iterator[Callable[..., Shell]]:
    built: list[Shell] = []

    def make(policy: Policy | None = None, device: DeviceSecretStore | None = None) -> Shell:
        shell = build_shell(
            qapp, paths, policy or Policy(), device or DeviceSecretStore(None), kdf=CHEAP_KDF
        )
        qtbot.addWidget(shell.window)
        shell.window.show()
        built.append(shell)
        return shell

    yield make
    for shell in built:
        shell.session.lock()
        qapp.removeEventFilter(shell.idle)
        shell.idle.stop()


def unlock(qtbot, shell: Shell, passphrase: str) -> None:
    page = shell.window.unlock_page
    with qtbot.waitSignal(shell.session.unlocked, timeout=10_000):
        qtbot.keyClicks(page.passphrase, passphrase)
        qtbot.keyClick(page.passphrase, "\r")
