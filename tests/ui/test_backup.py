"""Ctrl+Shift+B: the backup is made off the UI thread, on its own connection, and said."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from outreach.app.records import BackupService
from outreach.records.model import YoungPerson
from outreach.records.store import RecordStore
from outreach.vault import audit
from outreach.vault.database import Database
from outreach.vault.errors import StorageError
from tests.conftest import PASSPHRASE
from tests.ui.conftest import UNLOCK_TIMEOUT_MS, unlock


@pytest.fixture
def copies(monkeypatch):
    """Every backup_to call: its thread, connection and key; ``hold`` keeps it waiting."""
    made: list[dict] = []
    entered = threading.Event()
    hold = threading.Event()
    hold.set()
    real = Database.backup_to

    def spied(self, destination: Path, key: bytes) -> None:
        made.append({"thread": threading.current_thread(), "db": self, "key": key})
        entered.set()
        hold.wait(UNLOCK_TIMEOUT_MS / 1000)
        real(self, destination, key)

    monkeypatch.setattr(Database, "backup_to", spied)
    yield made, entered, hold
    hold.set()  # never leave a worker waiting


def _shell(qtbot, make_shell, make_vault):
    opened = make_vault().create(PASSPHRASE)
    RecordStore(opened.db).add_person(YoungPerson("Tam", estimated_age=14))
    opened.close()
    shell = make_shell()
    unlock(qtbot, shell)
    return shell


def _backups(window) -> BackupService:
    found = window.findChild(BackupService)
    assert found is not None
    return found


def _warnings(window) -> list[QMessageBox]:
    return [box for box in window.findChildren(QMessageBox) if box.isVisible()]


def test_a_backup_is_made_off_the_ui_thread_and_said(
    qtbot, make_shell, make_vault, paths, copies
) -> None:
    made, _entered, _hold = copies
    shell = _shell(qtbot, make_shell, make_vault)
    window = shell.window
    opened = shell.session.open_vault

    window.actions_by_name["backup"].trigger()
    backups = _backups(window)
    with qtbot.waitSignal(backups.made, timeout=UNLOCK_TIMEOUT_MS) as done:
        assert window.statusBar().currentMessage() == "Making an encrypted backup…"

    path = Path(done.args[0])
    assert path.parent == paths.backup_dir
    assert path.is_file()
    assert window.statusBar().currentMessage() == "Encrypted backup made."
    assert not backups.running
    (copy,) = made
    assert copy["thread"] is not threading.main_thread()
    assert copy["db"] is not opened.db  # its own connection, never the window's
    assert [e.action for e in audit.entries(opened.db)].count("backup_made") == 1
    assert _warnings(window) == []


def test_a_lock_during_a_backup_leaves_it_whole(
    qtbot, make_shell, make_vault, paths, copies
) -> None:
    made, entered, hold = copies
    shell = _shell(qtbot, make_shell, make_vault)
    window = shell.window
    hold.clear()
    window.actions_by_name["backup"].trigger()
    backups = _backups(window)
    qtbot.waitUntil(entered.is_set, timeout=UNLOCK_TIMEOUT_MS)

    window.actions_by_name["backup"].trigger()  # again while it runs: not a second copy
    assert window.statusBar().currentMessage() == "A backup is already being made."
    shell.session.lock()  # closes the window's connection and wipes its key
    assert shell.session.open_vault is None
    with qtbot.waitSignal(backups.made, timeout=UNLOCK_TIMEOUT_MS) as done:
        hold.set()

    assert len(made) == 1
    copy = Database.open(Path(done.args[0]), made[0]["key"], read_only=True)
    try:
        assert [p.known_as for p in RecordStore(copy).people()] == ["Tam"]
    finally:
        copy.close()
    assert _warnings(window) == []
    # The next unlock and backup work as before.
    unlock(qtbot, shell)
    assert backups.start()
    with qtbot.waitSignal(backups.made, timeout=UNLOCK_TIMEOUT_MS):
        pass


def test_a_failed_backup_is_said_plainly(qtbot, make_shell, make_vault, monkeypatch) -> None:
    shell = _shell(qtbot, make_shell, make_vault)
    window = shell.window

    def full(self, destination: Path, key: bytes) -> None:
        raise StorageError("full", destination)

    monkeypatch.setattr(Database, "backup_to", full)
    window.actions_by_name["backup"].trigger()
    backups = _backups(window)
    with qtbot.waitSignal(backups.failed, timeout=UNLOCK_TIMEOUT_MS):
        pass

    qtbot.waitUntil(lambda: bool(_warnings(window)))
    (box,) = _warnings(window)
    assert box.windowTitle() == "Backup not made"
    assert box.text()
    assert window.statusBar().currentMessage() == "Backup not made."
    assert not backups.running
    assert shell.session.open_vault is not None  # the vault stays open and usable


def test_a_backup_finishing_after_a_shred_is_removed_with_the_vault(
    qtbot, make_shell, make_vault, paths, copies
) -> None:
    _made, entered, hold = copies
    shell = _shell(qtbot, make_shell, make_vault)
    hold.clear()
    shell.window.actions_by_name["backup"].trigger()
    backups = _backups(shell.window)
    qtbot.waitUntil(entered.is_set, timeout=UNLOCK_TIMEOUT_MS)

    shell.session.shred()  # the hub's instruction for a revoked laptop
    hold.set()
    qtbot.waitUntil(lambda: not backups.running, timeout=UNLOCK_TIMEOUT_MS)

    assert list(paths.backup_dir.iterdir()) == []
