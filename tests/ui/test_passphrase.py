"""Changing the passphrase: from the session and through the dialog."""

from __future__ import annotations

import shiboken6
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from outreach.config.policy import Policy
from outreach.ui.dialogs import ChangePassphraseDialog, SettingsDialog
from tests.conftest import PASSPHRASE
from tests.ui.conftest import STRONG, UNLOCK_TIMEOUT_MS, unlock


def test_change_then_unlock_with_the_new_passphrase(qtbot, make_shell, make_vault) -> None:
    make_vault().create(PASSPHRASE).close()
    shell = make_shell()
    unlock(qtbot, shell)
    with qtbot.waitSignal(shell.session.passphraseChanged, timeout=UNLOCK_TIMEOUT_MS):
        shell.session.change_passphrase(PASSPHRASE, STRONG)
    assert shell.window.statusBar().currentMessage() == "Passphrase changed."
    assert shell.session.state == "unlocked"  # changing it does not lock
    shell.session.lock()
    assert shell.window.statusBar().currentMessage() == ""
    unlock(qtbot, shell, STRONG)
    shell.session.lock()
    now = [1_700_000_000.0]
    shell.session.vault.clock = lambda: now[0]
    page = shell.window.unlock_page
    with qtbot.waitSignal(shell.session.failed, timeout=UNLOCK_TIMEOUT_MS) as failure:
        qtbot.keyClicks(page.passphrase, PASSPHRASE)
        page.passphrase.returnPressed.emit()
    assert "didn't open" in failure.args[0]


def test_the_dialog_changes_it_and_forgets_what_was_typed(qtbot, make_shell, make_vault) -> None:
    make_vault().create(PASSPHRASE).close()
    shell = make_shell()
    unlock(qtbot, shell)
    shell.window.actions_by_name["settings"].trigger()
    shell.window.findChildren(SettingsDialog)[-1].change_button.click()
    dialog = shell.window.findChildren(ChangePassphraseDialog)[-1]
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()
    qtbot.keyClicks(dialog.old, PASSPHRASE)
    qtbot.keyClicks(dialog.new, "weak")
    assert "at least" in dialog.message.text()
    assert not ok.isEnabled()
    dialog.new.clear()
    qtbot.keyClicks(dialog.new, STRONG)
    qtbot.keyClicks(dialog.again, STRONG + "!")
    assert "different" in dialog.message.text()
    assert not ok.isEnabled()
    dialog.again.setText(STRONG)
    assert ok.isEnabled()
    fields = {"old": dialog.old, "new": dialog.new, "again": dialog.again}
    last: dict[str, str] = {}
    for name, field in fields.items():
        field.textChanged.connect(lambda text, name=name: last.__setitem__(name, text))
    with qtbot.waitSignal(shell.session.passphraseChanged, timeout=UNLOCK_TIMEOUT_MS):
        ok.click()
    # Closing wipes the fields; the dialog is then deleted, undo history and all.
    assert last == {"old": "", "new": "", "again": ""}
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog), timeout=2_000)
    shell.session.lock()
    unlock(qtbot, shell, STRONG)


def test_a_wrong_current_passphrase_is_explained_and_changes_nothing(
    qtbot, make_shell, make_vault, paths
) -> None:
    make_vault().create(PASSPHRASE).close()
    key_before = paths.key_file.read_bytes()
    shell = make_shell()
    unlock(qtbot, shell)
    now = [1_700_000_000.0]
    shell.session.vault.clock = lambda: now[0]
    with qtbot.waitSignal(shell.session.passphraseChangeFailed, timeout=UNLOCK_TIMEOUT_MS) as f:
        shell.session.change_passphrase("not the passphrase", STRONG)
    assert "didn't open" in f.args[0]
    boxes = [b for b in shell.window.findChildren(QMessageBox) if b.isVisible()]
    assert len(boxes) == 1  # shown without blocking: the app keeps running
    assert boxes[0].text() == f.args[0]
    assert paths.key_file.read_bytes() == key_before
    with qtbot.waitSignal(shell.session.locked, timeout=1_000):
        shell.window.actions_by_name["hide_now"].trigger()
    assert not boxes[0].isVisible()  # a lock closes it like any dialog
    now[0] += 120  # past the wait the wrong passphrase cost
    qtbot.waitUntil(shell.window.unlock_page.unlock_button.isEnabled, timeout=2_000)
    unlock(qtbot, shell, PASSPHRASE)


def test_wrong_tries_that_erase_the_keys_lock_the_open_vault(
    qtbot, make_shell, make_vault, paths
) -> None:
    """Policy erases the keys after too many wrong passphrases, in the change dialog too:
    then nothing more may be saved into a vault that can no longer be opened."""
    policy = Policy(wipe_after_failed_unlocks=1, managed=frozenset({"wipe_after_failed_unlocks"}))
    make_vault(policy).create(PASSPHRASE).close()
    shell = make_shell(policy)
    unlock(qtbot, shell)
    with qtbot.waitSignal(shell.session.locked, timeout=UNLOCK_TIMEOUT_MS):
        shell.session.change_passphrase("not the passphrase", STRONG)
    assert shell.session.open_vault is None
    assert shell.session.state == "wiped"
    assert shell.window.pages.currentWidget() is shell.window.notice_page
