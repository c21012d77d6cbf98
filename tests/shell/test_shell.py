"""What a worker does in the window: create, unlock, type, lock, hide."""

from __future__ import annotations

import hashlib

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLineEdit, QPlainTextEdit

from outreach.config.policy import Policy
from outreach.ui.dialogs import SettingsDialog
from outreach.ui.text import CONTENT_PROPERTY
from outreach.vault.crypto import generate_recovery_keypair
from outreach.vault.device import DeviceSecretStore
from tests.conftest import PASSPHRASE
from tests.shell.conftest import unlock
from tests.support.keyrings import MemoryKeyring

STRONG = "plum lantern orbit 47 zebra"


def _content_texts(window) -> list[str]:
    texts = []
    for kind in (QLineEdit, QPlainTextEdit):
        for child in window.findChildren(kind):
            if child.property(CONTENT_PROPERTY):
                texts.append(child.text() if kind is QLineEdit else child.toPlainText())
    return texts


def test_first_run_creates_the_vault_only_when_ready(qtbot, make_shell, paths) -> None:
    shell = make_shell()
    page = shell.window.setup_page
    assert shell.window.pages.currentWidget() is page
    assert page.keyring_label.isVisibleTo(shell.window)
    qtbot.keyClicks(page.passphrase, "short")
    assert "Too short" in page.strength_label.text()
    assert not page.create_button.isEnabled()
    page.passphrase.setText(STRONG)
    page.confirm.setText(STRONG)
    assert not page.create_button.isEnabled()  # the recovery statement is not yet ticked
    page.understood.setChecked(True)
    assert page.create_button.isEnabled()
    with qtbot.waitSignal(shell.session.unlocked, timeout=10_000):
        page.create_button.click()
    assert shell.window.pages.currentWidget() is shell.window.workspace
    assert paths.vault_file.exists()
    assert paths.key_file.exists()
    assert page.passphrase.text() == ""


def test_setup_states_what_recovery_means(make_shell) -> None:
    _, public_pem = generate_recovery_keypair()
    with_agency = make_shell(Policy(recovery_public_key=public_pem))
    assert "organisation" in with_agency.window.setup_page.statement.text()
    without = make_shell(device=DeviceSecretStore(MemoryKeyring()))
    assert "nobody" in without.window.setup_page.statement.text()
    assert not without.window.setup_page.keyring_label.isVisibleTo(without.window)


def test_a_required_keyring_that_is_missing_blocks_setup(make_shell) -> None:
    page = make_shell(Policy(require_keyring=True)).window.setup_page
    page.passphrase.setText(STRONG)
    page.confirm.setText(STRONG)
    page.understood.setChecked(True)
    assert not page.create_button.isEnabled()
    assert "keyring" in page.error_label.text()


def test_wrong_passphrase_then_right_one(qtbot, make_shell, make_vault) -> None:
    make_vault().create(PASSPHRASE).close()
    shell = make_shell()
    page = shell.window.unlock_page
    assert shell.window.pages.currentWidget() is page
    with qtbot.waitSignal(shell.session.failed, timeout=10_000) as failure:
        qtbot.keyClicks(page.passphrase, "not the passphrase")
        qtbot.keyClick(page.passphrase, Qt.Key.Key_Return)
    assert "didn't open" in failure.args[0]
    assert page.passphrase.text() == ""
    assert not page.unlock_button.isEnabled()  # the growing delay is shown, not hidden
    shell.session.vault.clock = lambda: 10.0**12
    page.reset()
    unlock(qtbot, shell, PASSPHRASE)
    assert shell.session.state == "unlocked"


def test_notes_are_saved_after_commit_and_survive_a_lock(qtbot, make_shell, make_vault) -> None:
    make_vault().create(PASSPHRASE).close()
    shell = make_shell()
    unlock(qtbot, shell, PASSPHRASE)
    notes = shell.window.workspace.notes
    with qtbot.waitSignal(shell.drafts.saved, timeout=5_000):
        qtbot.keyClicks(notes, "Silver hatchback outside the takeaway")
    assert "Saved at" in shell.window.workspace.status.text()
    # Typed and locked at once: the flush before lock must keep it.
    qtbot.keyClicks(notes, ", two girls in the back")
    shell.session.lock()
    unlock(qtbot, shell, PASSPHRASE)
    assert notes.toPlainText() == "Silver hatchback outside the takeaway, two girls in the back"


def test_auto_lock_wipes_every_field_and_undo_brings_nothing_back(
    qtbot, make_shell, make_vault
) -> None:
    make_vault().create(PASSPHRASE).close()
    shell = make_shell()
    window = shell.window
    unlock(qtbot, shell, PASSPHRASE)
    qtbot.keyClicks(window.workspace.notes, "canary-notes-7731")
    window.open_settings()
    assert window.findChildren(SettingsDialog)
    shell.idle.set_interval_ms(50)
    with qtbot.waitSignal(shell.session.locked, timeout=5_000):
        pass
    assert window.pages.currentWidget() is window.unlock_page
    assert all(text == "" for text in _content_texts(window))
    window.workspace.notes.undo()
    window.unlock_page.passphrase.undo()
    assert window.workspace.notes.toPlainText() == ""
    assert window.unlock_page.passphrase.text() == ""
    assert window.windowTitle() == "Outreach"
    assert not [d for d in window.findChildren(QDialog) if d.isVisible()]


def test_hide_now_locks_and_blanks_at_once(qtbot, make_shell, make_vault) -> None:
    make_vault().create(PASSPHRASE).close()
    shell = make_shell()
    unlock(qtbot, shell, PASSPHRASE)
    qtbot.keyClicks(shell.window.workspace.notes, "something seen")
    qtbot.keyClick(shell.window, Qt.Key.Key_F12)
    assert shell.session.state == "locked"
    assert shell.window.pages.currentWidget() is shell.window.unlock_page
    assert shell.window.workspace.notes.toPlainText() == ""


def test_hide_now_wipes_a_half_typed_passphrase(make_shell) -> None:
    shell = make_shell()
    shell.window.setup_page.passphrase.setText("half typed secret")
    shell.window.actions_by_name["hide_now"].trigger()
    assert shell.window.setup_page.passphrase.text() == ""
    shell.window.setup_page.passphrase.undo()
    assert shell.window.setup_page.passphrase.text() == ""


def test_settings_show_what_the_organisation_manages(qtbot, make_shell, make_vault) -> None:
    managed = Policy(idle_lock_minutes=7, managed=frozenset({"idle_lock_minutes"}))
    make_vault(managed).create(PASSPHRASE).close()
    shell = make_shell(managed)
    unlock(qtbot, shell, PASSPHRASE)
    shell.window.open_settings()
    dialog = shell.window.findChildren(SettingsDialog)[-1]
    assert dialog.idle_minutes.value() == 7
    assert not dialog.idle_minutes.isEnabled()
    assert dialog.idle_managed.isVisibleTo(dialog)


def test_the_worker_chooses_the_idle_lock_when_policy_does_not(qtbot, make_shell, make_vault):
    make_vault().create(PASSPHRASE).close()
    shell = make_shell()
    unlock(qtbot, shell, PASSPHRASE)
    shell.window.open_settings()
    dialog = shell.window.findChildren(SettingsDialog)[-1]
    assert dialog.idle_minutes.isEnabled()
    dialog.idle_minutes.setValue(12)
    shell.session.lock()
    unlock(qtbot, shell, PASSPHRASE)
    assert shell.settings.idle_lock().value == 12


def test_damaged_files_are_explained_and_left_alone(make_shell, paths) -> None:
    paths.data_dir.mkdir(parents=True)
    paths.vault_file.write_bytes(b"not ours")
    shell = make_shell()
    assert shell.window.pages.currentWidget() is shell.window.notice_page
    assert str(paths.vault_file) in shell.window.notice_page.message.text()
    assert paths.vault_file.read_bytes() == b"not ours"


def test_a_damaged_page_opens_read_only_and_is_not_written(qtbot, make_shell, make_vault, paths):
    opened = make_vault().create(PASSPHRASE)
    from outreach.records.drafts import DraftStore

    for i in range(40):
        DraftStore(opened.db).save(f"k{i}", "x" * 500)
    opened.db.checkpoint()
    opened.close()
    data = bytearray(paths.vault_file.read_bytes())
    data[-100] ^= 0xFF
    paths.vault_file.write_bytes(bytes(data))
    before = hashlib.sha256(paths.vault_file.read_bytes()).hexdigest()
    shell = make_shell()
    unlock(qtbot, shell, PASSPHRASE)
    assert shell.session.state == "read_only"
    assert shell.window.workspace.read_only_banner.isVisibleTo(shell.window)
    assert shell.window.workspace.notes.isReadOnly()
    shell.session.lock()
    assert hashlib.sha256(paths.vault_file.read_bytes()).hexdigest() == before


def test_change_passphrase_from_the_session(qtbot, make_shell, make_vault) -> None:
    make_vault().create(PASSPHRASE).close()
    shell = make_shell()
    unlock(qtbot, shell, PASSPHRASE)
    with qtbot.waitSignal(shell.session.passphraseChanged, timeout=10_000):
        shell.session.change_passphrase(PASSPHRASE, STRONG)
    shell.session.lock()
    unlock(qtbot, shell, STRONG)


def test_notes_survive_two_locks_in_a_row(qtbot, make_shell, make_vault) -> None:
    # Wiping the screen at lock must not count as an edit saved over the draft later.
    make_vault().create(PASSPHRASE).close()
    shell = make_shell()
    unlock(qtbot, shell, PASSPHRASE)
    with qtbot.waitSignal(shell.drafts.saved, timeout=5_000):
        qtbot.keyClicks(shell.window.workspace.notes, "Blue van, Mill Lane")
    for _ in range(2):
        shell.session.lock()
        unlock(qtbot, shell, PASSPHRASE)
        assert shell.window.workspace.notes.toPlainText() == "Blue van, Mill Lane"
