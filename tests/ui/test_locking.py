"""Every lock (idle, hide now, the menu) wipes what was on screen, for good."""

from __future__ import annotations

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QDialog

from outreach.ui.dialogs import ChangePassphraseDialog, SettingsDialog
from outreach.ui.setup_page import SetupPage
from tests.conftest import PASSPHRASE
from tests.ui.conftest import content_widgets, shown_text, unlock

CANARY = "canary-content-5524"


def _watch_title(window) -> list[str]:
    changes: list[str] = []
    window.windowTitleChanged.connect(changes.append)
    return changes


def _assert_all_wiped(window) -> None:
    widgets = content_widgets(window)
    assert window.workspace.notes in widgets
    assert window.unlock_page.passphrase in widgets
    # The setup page exists only if it was shown (it is built when first needed).
    for page in window.pages.findChildren(SetupPage):
        assert page.passphrase in widgets
    for widget in widgets:
        assert shown_text(widget) == "", widget.objectName() or type(widget).__name__
        widget.undo()
        assert shown_text(widget) == "", "undo brought content back"


def test_auto_lock_wipes_every_field_and_undo_brings_nothing_back(
    qtbot, make_shell, make_vault
) -> None:
    make_vault().create(PASSPHRASE).close()
    shell = make_shell()
    window = shell.window
    titles = _watch_title(window)
    assert window.windowTitle() == "Outreach"
    unlock(qtbot, shell)
    assert window.windowTitle() == "Outreach"
    qtbot.keyClicks(window.workspace.notes, CANARY)
    assert window.windowTitle() == "Outreach"

    shell.idle.set_interval_ms(50)
    assert shell.idle.active
    with qtbot.waitSignal(shell.session.locked, timeout=5_000):
        pass
    assert shell.session.state == "locked"
    assert not shell.idle.active
    assert window.pages.currentWidget() is window.unlock_page
    _assert_all_wiped(window)
    # The unlock page's passphrase was typed before unlocking: undo must not return it.
    assert window.unlock_page.passphrase.text() == ""
    assert window.windowTitle() == "Outreach"
    assert titles == []

    unlock(qtbot, shell)  # and the notes were saved by the lock, not lost
    assert window.workspace.notes.toPlainText() == CANARY


def test_input_postpones_the_idle_lock(qtbot, make_shell, make_vault) -> None:
    make_vault().create(PASSPHRASE).close()
    shell = make_shell()
    unlock(qtbot, shell)
    shell.idle.set_interval_ms(500)
    with qtbot.assertNotEmitted(shell.session.locked, wait=0):
        for _ in range(10):  # a second of typing, each key restarting the 500 ms wait
            qtbot.keyClick(shell.window.workspace.notes, Qt.Key.Key_A)
            qtbot.wait(100)
    with qtbot.waitSignal(shell.session.locked, timeout=5_000):
        pass


def test_auto_lock_closes_dialogs_and_wipes_them(qtbot, make_shell, make_vault) -> None:
    make_vault().create(PASSPHRASE).close()
    shell = make_shell()
    window = shell.window
    unlock(qtbot, shell)
    window.actions_by_name["settings"].trigger()
    settings = window.findChildren(SettingsDialog)[-1]
    settings.change_button.click()
    change = window.findChildren(ChangePassphraseDialog)[-1]
    qtbot.keyClicks(change.old, PASSPHRASE)
    assert change.isVisible()
    shell.idle.set_interval_ms(50)
    with qtbot.waitSignal(shell.session.locked, timeout=5_000):
        pass
    assert not [d for d in window.findChildren(QDialog) if d.isVisible()]
    if shiboken6.isValid(change):  # deleted on close, or at least wiped
        assert change.old.text() == ""
        change.old.undo()
        assert change.old.text() == ""
    _assert_all_wiped(window)


@pytest.mark.parametrize(
    "how",
    ["action", "F12", "Ctrl+Shift+H"],
)
def test_hide_now_locks_and_blanks_at_once(qtbot, make_shell, make_vault, how) -> None:
    make_vault().create(PASSPHRASE).close()
    shell = make_shell()
    window = shell.window
    titles = _watch_title(window)
    unlock(qtbot, shell)
    qtbot.keyClicks(window.workspace.notes, CANARY)
    with qtbot.waitSignal(shell.session.locked, timeout=1_000):
        if how == "action":
            window.actions_by_name["hide_now"].trigger()
        elif how == "F12":
            qtbot.keyClick(window, Qt.Key.Key_F12)
        else:
            modifiers = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
            qtbot.keyClick(window.workspace.notes, Qt.Key.Key_H, modifiers)
    assert shell.session.state == "locked"
    assert window.pages.currentWidget() is window.unlock_page
    _assert_all_wiped(window)
    assert window.windowTitle() == "Outreach"
    assert titles == []
    unlock(qtbot, shell)
    assert window.workspace.notes.toPlainText() == CANARY  # hidden, not lost


@pytest.mark.parametrize("key", ["F12", "Ctrl+L"])
def test_lock_shortcuts_work_while_a_dialog_is_open(qtbot, make_shell, make_vault, key) -> None:
    make_vault().create(PASSPHRASE).close()
    shell = make_shell()
    window = shell.window
    unlock(qtbot, shell)
    qtbot.keyClicks(window.workspace.notes, CANARY)
    window.actions_by_name["settings"].trigger()
    settings = window.findChildren(SettingsDialog)[-1]
    qtbot.waitUntil(settings.isVisible)
    with qtbot.waitSignal(shell.session.locked, timeout=1_000):
        if key == "F12":
            qtbot.keyClick(settings, Qt.Key.Key_F12)
        else:
            qtbot.keyClick(settings, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert not settings.isVisible()
    _assert_all_wiped(window)


def test_hide_now_on_the_setup_page_wipes_a_half_typed_passphrase(qtbot, make_shell) -> None:
    shell = make_shell()
    page = shell.window.setup_page
    qtbot.keyClicks(page.passphrase, "half typed secret")
    qtbot.keyClicks(page.confirm, "half")
    qtbot.keyClick(shell.window, Qt.Key.Key_F12)
    assert shell.session.state == "new"
    assert shell.window.pages.currentWidget() is page
    _assert_all_wiped(shell.window)
    assert not page.create_button.isEnabled()


def test_hide_now_on_the_unlock_page_wipes_a_half_typed_passphrase(
    qtbot, make_shell, make_vault
) -> None:
    make_vault().create(PASSPHRASE).close()
    shell = make_shell()
    page = shell.window.unlock_page
    qtbot.keyClicks(page.passphrase, PASSPHRASE[:8])
    shell.window.actions_by_name["hide_now"].trigger()
    assert shell.session.state == "locked"
    _assert_all_wiped(shell.window)


def test_hide_now_during_an_unlock_voids_it(qtbot, make_shell, make_vault) -> None:
    make_vault().create(PASSPHRASE).close()
    shell = make_shell()
    page = shell.window.unlock_page
    qtbot.keyClicks(page.passphrase, PASSPHRASE)
    with qtbot.assertNotEmitted(shell.session.unlocked, wait=0):
        qtbot.keyClick(page.passphrase, Qt.Key.Key_Return)
        shell.window.actions_by_name["hide_now"].trigger()
        assert shell.session._runner.wait(10_000)
        QCoreApplication.sendPostedEvents()  # the late result arrives, and is closed
    assert shell.session.state == "locked"
    assert shell.session.open_vault is None
    assert shell.window.pages.currentWidget() is page
    assert page.unlock_button.isEnabled()
    _assert_all_wiped(shell.window)
