"""Unlocking: the right passphrase opens the vault, a wrong one costs a growing wait."""

from __future__ import annotations

from PySide6.QtCore import Qt

from outreach.config.policy import Policy
from outreach.vault.device import DeviceSecretStore
from tests.conftest import PASSPHRASE
from tests.support.keyrings import MemoryKeyring
from tests.ui.conftest import UNLOCK_TIMEOUT_MS, unlock


def _try(qtbot, shell, passphrase: str) -> str:
    page = shell.window.unlock_page
    with qtbot.waitSignal(shell.session.failed, timeout=UNLOCK_TIMEOUT_MS) as failure:
        qtbot.keyClicks(page.passphrase, passphrase)
        qtbot.keyClick(page.passphrase, Qt.Key.Key_Return)
    return str(failure.args[0])


def test_an_existing_vault_shows_the_unlock_page(make_shell, make_vault) -> None:
    make_vault().create(PASSPHRASE).close()
    shell = make_shell()
    assert shell.session.state == "locked"
    assert shell.window.pages.currentWidget() is shell.window.unlock_page
    assert not shell.window.actions_by_name["lock"].isEnabled()
    assert not shell.window.actions_by_name["settings"].isEnabled()
    assert shell.window.actions_by_name["hide_now"].isEnabled()


def test_the_right_passphrase_and_enter_unlock(qtbot, make_shell, make_vault) -> None:
    make_vault().create(PASSPHRASE).close()
    shell = make_shell()
    unlock(qtbot, shell, PASSPHRASE)
    assert shell.session.state == "unlocked"
    assert shell.window.pages.currentWidget() is shell.window.workspace
    assert shell.window.actions_by_name["lock"].isEnabled()
    page = shell.window.unlock_page
    assert page.passphrase.text() == ""
    page.passphrase.undo()
    assert page.passphrase.text() == ""


def test_a_wrong_passphrase_is_explained_wiped_and_slowed(qtbot, make_shell, make_vault) -> None:
    make_vault().create(PASSPHRASE).close()
    shell = make_shell()
    now = [1_700_000_000.0]
    shell.session.vault.clock = lambda: now[0]
    page = shell.window.unlock_page

    message = _try(qtbot, shell, "not the passphrase")
    assert "didn't open" in message
    assert page.message.text() == message
    assert shell.session.state == "locked"
    assert shell.window.pages.currentWidget() is page
    assert page.passphrase.text() == ""
    page.passphrase.undo()
    assert page.passphrase.text() == ""
    assert not page.unlock_button.isEnabled()
    assert page.unlock_button.text() == "Wait 1 s"

    # While the wait runs, Enter does nothing.
    qtbot.keyClicks(page.passphrase, PASSPHRASE)
    with qtbot.assertNotEmitted(page.unlockRequested):
        qtbot.keyClick(page.passphrase, Qt.Key.Key_Return)
    assert shell.session.state == "locked"

    now[0] += 1.5  # the wait is over: the countdown gives the button back by itself
    qtbot.waitUntil(page.unlock_button.isEnabled, timeout=2_000)
    assert page.unlock_button.text() == "Unlock"
    page.passphrase.clear()
    unlock(qtbot, shell, PASSPHRASE)
    assert shell.session.vault.throttle_wait() == 0


def test_the_wait_grows_after_each_wrong_passphrase(qtbot, make_shell, make_vault) -> None:
    make_vault().create(PASSPHRASE).close()
    shell = make_shell()
    now = [1_700_000_000.0]
    shell.session.vault.clock = lambda: now[0]
    page = shell.window.unlock_page
    _try(qtbot, shell, "wrong once")
    now[0] += 5
    qtbot.waitUntil(page.unlock_button.isEnabled, timeout=2_000)
    _try(qtbot, shell, "wrong twice")
    assert page.unlock_button.text() == "Wait 2 s"


def test_the_erase_policy_is_said_before_the_first_try(qtbot, make_shell, make_vault) -> None:
    policy = Policy(wipe_after_failed_unlocks=1, managed=frozenset({"wipe_after_failed_unlocks"}))
    make_vault(policy).create(PASSPHRASE).close()
    shell = make_shell(policy)
    page = shell.window.unlock_page
    assert page.hint.isVisibleTo(shell.window)
    assert "erases this vault after this many wrong passphrases in a row: 1." in page.hint.text()
    _try(qtbot, shell, "wrong")
    assert shell.session.state == "wiped"
    assert shell.window.pages.currentWidget() is shell.window.notice_page
    assert "erased" in shell.window.notice_page.title.text()
    assert "cannot be recovered" in shell.window.notice_page.message.text()


def test_a_vault_bound_to_another_keyring_is_explained(qtbot, make_shell, make_vault) -> None:
    make_vault(device=DeviceSecretStore(MemoryKeyring())).create(PASSPHRASE).close()
    shell = make_shell(device=DeviceSecretStore(MemoryKeyring()))  # another computer's
    message = _try(qtbot, shell, PASSPHRASE)
    assert "not in this computer's keyring" in message
    assert shell.window.unlock_page.message.text() == message
    assert shell.session.state == "locked"


def test_the_same_keyring_unlocks(qtbot, make_shell, make_vault) -> None:
    store = DeviceSecretStore(MemoryKeyring())
    make_vault(device=store).create(PASSPHRASE).close()
    shell = make_shell(device=store)
    unlock(qtbot, shell, PASSPHRASE)
    assert shell.session.open_vault is not None
    assert shell.session.open_vault.device_bound
