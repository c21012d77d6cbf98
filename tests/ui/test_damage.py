"""Damaged files: explained in plain words, naming the file, and never written to."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from outreach.records.drafts import DraftStore
from tests.conftest import PASSPHRASE
from tests.ui.conftest import UNLOCK_TIMEOUT_MS, unlock


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


def _vault_files(paths) -> dict[str, str]:
    """The vault and its key; SQLite may add an empty -wal and its -shm index when reading."""
    wal = Path(str(paths.vault_file) + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0, "something was written to the WAL"
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in (paths.vault_file, paths.key_file)
    }


def _damaged_vault(make_vault, paths) -> None:
    """A vault whose last page fails its check but which still opens (as byte flips found)."""
    opened = make_vault().create(PASSPHRASE)
    store = DraftStore(opened.db)
    for i in range(40):
        store.save(f"form-{i}", f"note {i} " * 60)
    opened.db.checkpoint()
    opened.close()
    data = bytearray(paths.vault_file.read_bytes())
    data[-100] ^= 0xFF
    paths.vault_file.write_bytes(bytes(data))


def test_a_damaged_page_opens_read_only_and_changes_nothing(
    qtbot, make_shell, make_vault, paths
) -> None:
    _damaged_vault(make_vault, paths)
    before = _vault_files(paths)
    shell = make_shell()
    page = shell.window.unlock_page
    qtbot.keyClicks(page.passphrase, PASSPHRASE)
    qtbot.keyClick(page.passphrase, Qt.Key.Key_Return)
    assert shell.session.state == "busy"
    qtbot.waitUntil(lambda: shell.session.state != "busy", timeout=UNLOCK_TIMEOUT_MS)
    assert shell.session.state == "read_only"
    assert shell.session.integrity_problems
    workspace = shell.window.workspace
    assert shell.window.pages.currentWidget() is workspace
    assert workspace.read_only_banner.isVisible()
    assert str(paths.vault_file) in workspace.read_only_banner.text()
    assert "read-only" in workspace.read_only_banner.text()
    assert workspace.notes.isReadOnly()
    assert shell.window.actions_by_name["lock"].isEnabled()
    with qtbot.assertNotEmitted(shell.drafts.saved, wait=0):
        qtbot.keyClicks(workspace.notes, "typed anyway")
        shell.window.actions_by_name["lock"].trigger()  # nothing to flush
    assert shell.session.state == "locked"
    shell.session.lock()
    assert _vault_files(paths) == before


def test_after_a_damaged_vault_a_sound_one_shows_no_banner(qtbot, make_shell, make_vault, paths):
    _damaged_vault(make_vault, paths)
    shell = make_shell()
    unlock(qtbot, shell)
    shell.session.lock()
    for name in ("vault.db", "vault.key", "vault.db-wal", "vault.db-shm"):
        (paths.data_dir / name).unlink(missing_ok=True)
    make_vault().create(PASSPHRASE).close()
    shell.session.refresh()
    unlock(qtbot, shell)
    assert shell.session.state == "unlocked"
    assert not shell.window.workspace.read_only_banner.isVisible()
    assert not shell.window.workspace.notes.isReadOnly()


@pytest.mark.parametrize(
    ("layout", "named", "words"),
    [
        ("database_without_key", "vault_file", "did not create"),
        ("key_without_database", "vault_file", "is missing"),
        ("key_file_garbage", "data_dir", "key file"),
    ],
)
def test_unusable_files_are_explained_and_left_alone(make_shell, paths, layout, named, words):
    paths.data_dir.mkdir(parents=True)
    if layout == "database_without_key":
        paths.vault_file.write_bytes(b"SQLite format 3\x00 someone else's database")
    elif layout == "key_without_database":
        paths.key_file.write_bytes(b'{"format": 1}')
    else:
        paths.vault_file.write_bytes(b"\x00" * 4096)
        paths.key_file.write_bytes(b"not json at all")
    before = _digests(paths.data_dir)
    shell = make_shell()
    assert shell.session.state == "damaged"
    notice = shell.window.notice_page
    assert shell.window.pages.currentWidget() is notice
    assert notice.title.text() == "This vault can't be opened"
    assert str(getattr(paths, named)) in notice.message.text()
    assert words in notice.message.text()
    assert not shell.window.actions_by_name["settings"].isEnabled()
    shell.window.actions_by_name["hide_now"].trigger()  # harmless here
    assert shell.session.state == "damaged"
    assert _digests(paths.data_dir) == before
