"""Notes are saved to the vault as they are typed, and nothing typed is lost to a lock."""

from __future__ import annotations

from outreach.gui import NOTES_FORM
from outreach.records.drafts import DraftStore
from outreach.vault.errors import StorageError
from tests.conftest import PASSPHRASE
from tests.ui.conftest import unlock


def _committed(make_vault) -> str | None:
    """What a second connection reads: only what has been committed."""
    other = make_vault().unlock(PASSPHRASE)
    try:
        draft = DraftStore(other.db).load(NOTES_FORM)
        return draft.content if draft else None
    finally:
        other.close()


def test_saved_is_said_only_once_committed(qtbot, make_shell, make_vault) -> None:
    make_vault().create(PASSPHRASE).close()
    shell = make_shell()
    unlock(qtbot, shell)
    workspace = shell.window.workspace
    seen_at_signal: list[str | None] = []
    shell.drafts.saved.connect(lambda _when: seen_at_signal.append(_committed(make_vault)))
    with qtbot.waitSignal(shell.drafts.saved, timeout=5_000):
        qtbot.keyClicks(workspace.notes, "Silver hatchback outside the takeaway")
        assert workspace.status.text() == "Saving…"
        assert shell.drafts.has_pending
    assert seen_at_signal == ["Silver hatchback outside the takeaway"]
    assert workspace.status.text().startswith("Saved at ")
    assert not shell.drafts.has_pending


def test_notes_come_back_after_lock_and_unlock(qtbot, make_shell, make_vault) -> None:
    make_vault().create(PASSPHRASE).close()
    shell = make_shell()
    unlock(qtbot, shell)
    notes = shell.window.workspace.notes
    with qtbot.waitSignal(shell.drafts.saved, timeout=5_000):
        qtbot.keyClicks(notes, "Two girls, school uniform")
    with qtbot.waitSignal(shell.session.locked, timeout=1_000):
        shell.window.actions_by_name["lock"].trigger()
    assert notes.toPlainText() == ""
    unlock(qtbot, shell)
    assert notes.toPlainText() == "Two girls, school uniform"
    notes.undo()  # the loaded text is not an edit that undo could take away
    assert notes.toPlainText() == "Two girls, school uniform"


def test_a_lock_before_the_save_delay_keeps_what_was_typed(qtbot, make_shell, make_vault) -> None:
    make_vault().create(PASSPHRASE).close()
    shell = make_shell()
    unlock(qtbot, shell)
    notes = shell.window.workspace.notes
    with qtbot.waitSignal(shell.drafts.saved, timeout=1_000):
        qtbot.keyClicks(notes, "Typed and locked at once")
        assert shell.drafts.has_pending  # the debounce has not fired yet
        shell.window.actions_by_name["lock"].trigger()
    assert shell.session.state == "locked"
    assert _committed(make_vault) == "Typed and locked at once"
    unlock(qtbot, shell)
    assert notes.toPlainText() == "Typed and locked at once"


def test_locking_twice_without_typing_keeps_the_notes(qtbot, make_shell, make_vault) -> None:
    make_vault().create(PASSPHRASE).close()
    shell = make_shell()
    unlock(qtbot, shell)
    notes = shell.window.workspace.notes
    with qtbot.waitSignal(shell.drafts.saved, timeout=5_000):
        qtbot.keyClicks(notes, "Seen at the bus station")
    for _ in range(2):
        shell.session.lock()
        # Wiping the screen on lock is not an edit: nothing may be waiting to be saved.
        assert not shell.drafts.has_pending
        assert shell.window.workspace.status.text() == ""
        unlock(qtbot, shell)
        assert notes.toPlainText() == "Seen at the bus station"
    assert _committed(make_vault) == "Seen at the bus station"


def test_a_failed_save_says_so_and_never_says_saved(qtbot, make_shell, make_vault, monkeypatch):
    make_vault().create(PASSPHRASE).close()
    shell = make_shell()
    unlock(qtbot, shell)
    workspace = shell.window.workspace

    def full_disk(self, form_key, content):
        raise StorageError("full", shell.session.vault.paths.vault_file)

    monkeypatch.setattr(DraftStore, "save", full_disk)
    with (
        qtbot.assertNotEmitted(shell.drafts.saved, wait=0),
        qtbot.waitSignal(shell.drafts.saveFailed, timeout=5_000) as failure,
    ):
        qtbot.keyClicks(workspace.notes, "Not yet safe")
    assert "disk is full" in failure.args[0]
    assert workspace.status.text().startswith("Not saved: ")
    assert workspace.notes.toPlainText() == "Not yet safe"  # still on screen
    assert shell.drafts.has_pending
    monkeypatch.undo()
    with qtbot.waitSignal(shell.drafts.saved, timeout=5_000):
        qtbot.keyClicks(workspace.notes, ".")
    assert _committed(make_vault) == "Not yet safe."


def test_what_could_not_be_saved_is_not_kept_after_lock(
    qtbot, make_shell, make_vault, monkeypatch
) -> None:
    make_vault().create(PASSPHRASE).close()
    shell = make_shell()
    unlock(qtbot, shell)

    def full_disk(self, form_key, content):
        raise StorageError("full", shell.session.vault.paths.vault_file)

    monkeypatch.setattr(DraftStore, "save", full_disk)
    qtbot.keyClicks(shell.window.workspace.notes, "canary-unsaved-3391")
    with qtbot.waitSignal(shell.drafts.saveFailed, timeout=1_000):
        shell.session.lock()
    # The screen is wiped; the text must not linger in memory to be written later.
    assert not shell.drafts.has_pending
    monkeypatch.undo()
    unlock(qtbot, shell)
    shell.session.lock()
    assert _committed(make_vault) is None
