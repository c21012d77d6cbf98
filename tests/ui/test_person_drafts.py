"""A young person's details being typed when the vault locks open again after unlock, saying
so; Cancel, Esc and the close button throw them away; a new dialog always starts empty."""

from __future__ import annotations

from PySide6.QtCore import Qt

from outreach.records.drafts import DraftStore
from outreach.records.model import YoungPerson
from outreach.records.store import RecordStore
from outreach.ui.person_dialog import PersonDialog
from tests.conftest import PASSPHRASE
from tests.ui.conftest import unlock


def _shell(qtbot, make_shell, make_vault, people=()):
    opened = make_vault().create(PASSPHRASE)
    for person in people:
        RecordStore(opened.db).add_person(person)
    opened.close()
    shell = make_shell()
    unlock(qtbot, shell)
    return shell


def _person_drafts(shell) -> list[str]:
    return [d.form_key for d in DraftStore(shell.session.open_vault.db).with_prefix("person:")]


def _shown_dialogs(shell) -> list[PersonDialog]:
    return [d for d in shell.window.findChildren(PersonDialog) if d.isVisible()]


def test_details_typed_before_an_idle_lock_open_again_after_unlock(
    qtbot, make_shell, make_vault
) -> None:
    shell = _shell(qtbot, make_shell, make_vault)
    workspace = shell.window.workspace
    dialog = workspace.edit_person("")
    qtbot.keyClicks(dialog.known_as, "Jay")
    qtbot.keyClicks(dialog.notes, "Met outside the arcade")
    shell.idle.set_interval_ms(50)
    with qtbot.waitSignal(shell.session.locked, timeout=5_000):
        pass
    shell.idle.set_interval_ms(600_000)  # not again while the test goes on
    assert _shown_dialogs(shell) == []
    unlock(qtbot, shell)
    qtbot.waitUntil(lambda: len(_shown_dialogs(shell)) == 1)
    (again,) = _shown_dialogs(shell)
    assert again.known_as.text() == "Jay"
    assert again.notes.toPlainText() == "Met outside the arcade"
    assert again.kept.isVisible()
    assert "Carry on with Jay?" in again.kept.text()
    with qtbot.waitSignal(shell.records.changed, timeout=2_000):
        again.buttons.button(again.buttons.StandardButton.Save).click()
    assert [p.known_as for p in shell.records.people()] == ["Jay"]
    assert _person_drafts(shell) == []


def test_a_new_young_person_never_starts_with_details_kept_for_another(
    qtbot, make_shell, make_vault
) -> None:
    shell = _shell(qtbot, make_shell, make_vault)
    workspace = shell.window.workspace
    dialog = workspace.edit_person("")
    qtbot.keyClicks(dialog.known_as, "Jay")
    with qtbot.waitSignal(shell.session.locked, timeout=2_000):
        shell.window.actions_by_name["lock"].trigger()
    unlock(qtbot, shell)
    qtbot.waitUntil(lambda: len(_shown_dialogs(shell)) == 1)
    fresh = workspace.edit_person("")
    assert fresh.known_as.text() == ""
    assert not fresh.kept.isVisibleTo(fresh)


def _close_by(qtbot, dialog: PersonDialog, how: str) -> None:
    if how == "cancel":
        dialog.buttons.button(dialog.buttons.StandardButton.Cancel).click()
    elif how == "escape":
        qtbot.keyClick(dialog.known_as, Qt.Key.Key_Escape)
    else:
        dialog.close()


def test_the_worker_closing_the_dialog_throws_the_details_away_once_sure(
    qtbot, make_shell, make_vault
) -> None:
    """Cancel, Esc and the close button end the draft, as a lock does not; with anything
    typed they ask first, so one key does not lose it ("Keep editing" is the default)."""
    shell = _shell(qtbot, make_shell, make_vault)
    workspace = shell.window.workspace
    for how in ("cancel", "escape", "close"):
        dialog = workspace.edit_person("")
        with qtbot.waitSignal(dialog._drafts.saved, timeout=2_000):
            qtbot.keyClicks(dialog.known_as, "Jay")
        assert _person_drafts(shell)
        _close_by(qtbot, dialog, how)
        qtbot.waitUntil(lambda d=dialog: d.confirm_box.isVisible(), timeout=1_000)
        dialog.confirm_box.defaultButton().click()  # Keep editing
        assert dialog.isVisible()
        assert dialog.known_as.text() == "Jay"
        assert _person_drafts(shell), how
        _close_by(qtbot, dialog, how)
        qtbot.waitUntil(lambda d=dialog: d.confirm_box.isVisible(), timeout=1_000)
        throw = next(
            b for b in dialog.confirm_box.buttons() if b is not dialog.confirm_box.defaultButton()
        )
        with qtbot.waitSignal(dialog.rejected, timeout=1_000):
            throw.click()
        assert _person_drafts(shell) == [], how
    empty = workspace.edit_person("")
    with qtbot.waitSignal(empty.rejected, timeout=1_000):  # nothing typed: nothing to ask
        qtbot.keyClick(empty.known_as, Qt.Key.Key_Escape)
    with qtbot.waitSignal(shell.session.locked, timeout=2_000):
        shell.window.actions_by_name["lock"].trigger()
    unlock(qtbot, shell)
    assert _shown_dialogs(shell) == []
    assert workspace.edit_person("").known_as.text() == ""


def test_a_lock_while_asking_keeps_the_details(qtbot, make_shell, make_vault) -> None:
    shell = _shell(qtbot, make_shell, make_vault)
    dialog = shell.window.workspace.edit_person("")
    with qtbot.waitSignal(dialog._drafts.saved, timeout=2_000):
        qtbot.keyClicks(dialog.known_as, "Jay")
    qtbot.keyClick(dialog.known_as, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: dialog.confirm_box.isVisible(), timeout=1_000)
    with qtbot.waitSignal(shell.session.locked, timeout=2_000):
        shell.window.actions_by_name["hide_now"].trigger()
    unlock(qtbot, shell)
    qtbot.waitUntil(lambda: bool(_shown_dialogs(shell)), timeout=2_000)
    (reopened,) = _shown_dialogs(shell)
    assert reopened.known_as.text() == "Jay"


def test_changes_to_a_young_person_kept_by_a_lock_open_again_for_them(
    qtbot, make_shell, make_vault
) -> None:
    shell = _shell(qtbot, make_shell, make_vault, [YoungPerson("Tam", estimated_age=14)])
    workspace = shell.window.workspace
    (tam,) = shell.records.people()
    dialog = workspace.edit_person(tam.id)
    qtbot.keyClicks(dialog.school, "Hillview")
    with qtbot.waitSignal(shell.session.locked, timeout=2_000):
        shell.window.actions_by_name["hide_now"].trigger()
    unlock(qtbot, shell)
    qtbot.waitUntil(lambda: len(_shown_dialogs(shell)) == 1)
    (again,) = _shown_dialogs(shell)
    assert again.windowTitle() == "Edit young person"
    assert again.school.text() == "Hillview"
    assert "Changes to Tam" in again.kept.text()
    with qtbot.waitSignal(shell.records.changed, timeout=2_000):
        again.buttons.button(again.buttons.StandardButton.Save).click()
    assert shell.records.person(tam.id).school == "Hillview"
