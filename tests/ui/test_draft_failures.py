"""A draft that can't be saved is said so: in a damaged (read-only) vault, and when the save
made as the vault locks fails, after the next unlock, naming what is missing, not its text."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from outreach.app.drafts import DraftService
from outreach.app.records import ContactDraft
from outreach.records.drafts import DraftStore
from outreach.records.model import Contact
from outreach.vault import audit
from outreach.vault.errors import StorageError
from tests.conftest import PASSPHRASE
from tests.ui.conftest import UNLOCK_TIMEOUT_MS, unlock


def _read_only_shell(qtbot, make_shell, make_vault, paths):
    """Unlocked on a vault that fails its integrity check, with one unfinished contact."""
    opened = make_vault().create(PASSPHRASE)
    started = datetime.now().astimezone() - timedelta(hours=1)
    draft = ContactDraft("abc123", Contact(started_at=started, narrative="At the bus station"))
    DraftStore(opened.db).save(draft.form_key, draft.dumps())
    for _ in range(300):  # pages after the draft's, for the damage to land on
        with opened.db.transaction():
            audit.record(opened.db, "backup_made", "x" * 200)
    opened.db.checkpoint()
    opened.close()
    data = bytearray(paths.vault_file.read_bytes())
    data[-100] ^= 0xFF
    paths.vault_file.write_bytes(bytes(data))
    shell = make_shell()
    page = shell.window.unlock_page
    qtbot.keyClicks(page.passphrase, PASSPHRASE)
    qtbot.keyClick(page.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: shell.session.state != "busy", timeout=UNLOCK_TIMEOUT_MS)
    assert shell.session.state == "read_only"
    return shell


def _warnings(window) -> list[QMessageBox]:
    return [box for box in window.findChildren(QMessageBox) if box.isVisible()]


def test_carry_on_in_a_read_only_vault_says_why_and_opens_no_editor(
    qtbot, make_shell, make_vault, paths
) -> None:
    shell = _read_only_shell(qtbot, make_shell, make_vault, paths)
    workspace = shell.window.workspace
    workspace.tabs.setCurrentWidget(workspace.contacts)
    assert workspace.contacts.resume_button.isVisible()
    workspace.contacts.resume_button.click()
    assert workspace.editor is None
    qtbot.waitUntil(lambda: bool(_warnings(shell.window)))
    (box,) = _warnings(shell.window)
    assert "read-only" in box.text()


def test_a_draft_in_a_read_only_vault_says_it_is_not_saved(
    qtbot, make_shell, make_vault, paths
) -> None:
    shell = _read_only_shell(qtbot, make_shell, make_vault, paths)
    drafts = DraftService(shell.session, "test-form")
    with qtbot.waitSignal(drafts.saveFailed, timeout=2_000) as failed:
        drafts.edit("typed into a damaged vault")
    assert "read-only" in failed.args[0]


def test_a_save_that_fails_at_lock_is_told_after_unlock(
    qtbot, make_shell, make_vault, monkeypatch, caplog
) -> None:
    make_vault().create(PASSPHRASE).close()
    shell = make_shell()
    unlock(qtbot, shell)
    shell.window.actions_by_name["new_contact"].trigger()
    editor = shell.window.workspace.editor
    with qtbot.waitSignal(editor._drafts.saved, timeout=3_000):
        qtbot.keyClicks(editor.narrative, "Silver Corsa")
    qtbot.keyClicks(editor.narrative, ", driver called Dazzo")  # pending: saved at the lock
    real = DraftStore.save

    def disk_full(self, form_key, content):
        raise StorageError("full", Path("/nowhere"))

    monkeypatch.setattr(DraftStore, "save", disk_full)
    with (
        caplog.at_level(logging.INFO, logger="outreach"),
        qtbot.waitSignal(shell.session.locked, timeout=2_000),
    ):
        shell.window.actions_by_name["lock"].trigger()
    monkeypatch.setattr(DraftStore, "save", real)
    assert "draft not saved at lock" in caplog.text
    assert "Dazzo" not in caplog.text
    assert "Corsa" not in caplog.text

    unlock(qtbot, shell)
    again = shell.window.workspace.editor
    assert again.narrative.toPlainText() == "Silver Corsa"  # what the vault had
    qtbot.waitUntil(lambda: bool(_warnings(shell.window)))
    (box,) = _warnings(shell.window)
    assert "the contact started" in box.text()
    assert "disk was full" in box.text()
    assert "Dazzo" not in box.text()
    box.button(QMessageBox.StandardButton.Ok).click()
    # Told once: the next lock and unlock say nothing more.
    with qtbot.waitSignal(shell.session.locked, timeout=2_000):
        shell.window.actions_by_name["lock"].trigger()
    unlock(qtbot, shell)
    assert _warnings(shell.window) == []


@pytest.mark.parametrize("form", ["notes", "person"])
def test_other_forms_lost_at_lock_are_named(
    qtbot, make_shell, make_vault, monkeypatch, form
) -> None:
    make_vault().create(PASSPHRASE).close()
    shell = make_shell()
    unlock(qtbot, shell)
    workspace = shell.window.workspace
    if form == "notes":
        workspace.tabs.setCurrentWidget(workspace.notes_page)
        qtbot.keyClicks(workspace.notes, "blue door")
        expected = "your notes"
    else:
        dialog = workspace.edit_person("")
        qtbot.keyClicks(dialog.known_as, "Jay")
        expected = "the young person you were adding"

    def disk_full(self, form_key, content):
        raise StorageError("full", Path("/nowhere"))

    monkeypatch.setattr(DraftStore, "save", disk_full)
    with qtbot.waitSignal(shell.session.locked, timeout=2_000):
        shell.window.actions_by_name["lock"].trigger()
    monkeypatch.undo()
    unlock(qtbot, shell)
    qtbot.waitUntil(lambda: bool(_warnings(shell.window)))
    (box,) = _warnings(shell.window)
    assert expected in box.text()
