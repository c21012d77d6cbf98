"""The contact editor: problems shown where they are fixed, a question typed but not added
kept through a lock, and a draft discarded only when the worker says so."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from outreach.app.records import ContactDraft
from outreach.records.drafts import DraftStore
from outreach.records.keep_asking import KeepAsking
from outreach.records.model import Contact, ObservationKind, QuestionUpdate, Quote, YoungPerson
from outreach.records.store import RecordStore
from outreach.vault.audit import utc_now
from tests.conftest import PASSPHRASE
from tests.ui.conftest import file_contact, unlock

CTRL = Qt.KeyboardModifier.ControlModifier


def _shell(qtbot, make_shell, make_vault, *names: str, questions: tuple[str, ...] = ()):
    """A vault with these young people; the first has ``questions`` open to ask."""
    opened = make_vault().create(PASSPHRASE)
    store = RecordStore(opened.db)
    ids = [store.add_person(YoungPerson(name)).id for name in names]
    if questions:
        asked = tuple(QuestionUpdate(ids[0], "open", text=q) for q in questions)
        store.seal(Contact(started_at=utc_now(), people=(ids[0],), worry=2, questions=asked))
    opened.close()
    shell = make_shell()
    unlock(qtbot, shell)
    return shell, ids


def _new_contact(shell, *people: str):
    shell.window.actions_by_name["new_contact"].trigger()
    editor = shell.window.workspace.editor
    for person in people:
        editor.add_person(person)
    return editor


def _lock_and_unlock(qtbot, shell):
    with qtbot.waitSignal(shell.session.locked, timeout=1_000):
        shell.window.actions_by_name["lock"].trigger()
    unlock(qtbot, shell)
    return shell.window.workspace.editor


def _asked(editor) -> QMessageBox:
    shown = [b for b in editor.findChildren(QMessageBox) if b.isVisible()]
    assert len(shown) == 1
    return shown[0]


def test_an_answered_question_with_no_answer_says_so_on_its_row(
    qtbot, make_shell, make_vault
) -> None:
    shell, (tam,) = _shell(
        qtbot, make_shell, make_vault, "Tam", questions=("Who drove?", "Whose phone?")
    )
    editor = _new_contact(shell, tam)
    untouched, answered = editor.keep_asking.rows  # only the second is in the contact
    answered.status.setCurrentIndex(answered.status.findData("answered"))
    qtbot.keyClicks(editor.narrative, "By the shops")
    editor.instinct_panel.worry.setValue(3)
    with qtbot.assertNotEmitted(editor.filed, wait=0):
        qtbot.keyClick(editor.narrative, Qt.Key.Key_Return, CTRL)

    assert answered.error.isVisibleTo(editor)
    assert answered.error.text() == "Type their answer, or choose what happened instead."
    assert not untouched.error.isVisibleTo(editor)
    assert answered.answer.hasFocus()
    qtbot.keyClicks(answered.answer, "her cousin")
    file_contact(qtbot, editor)


def test_words_said_by_someone_named_at_length_are_flagged_on_their_row(
    qtbot, make_shell, make_vault
) -> None:
    shell, _ = _shell(qtbot, make_shell, make_vault)
    editor = _new_contact(shell)
    qtbot.keyClicks(editor.narrative, "By the shops")
    editor.instinct_panel.worry.setValue(3)
    row = editor.add_quote(Quote("he's just my mate"))
    qtbot.waitUntil(row.isVisible, timeout=1_000)  # shown on the next turn of the loop
    row.said_by.setText("x" * 1_200)
    with qtbot.assertNotEmitted(editor.filed, wait=0):
        qtbot.keyClick(editor.narrative, Qt.Key.Key_Return, CTRL)

    assert row.error.isVisibleTo(editor)
    assert "1000 characters" in row.error.text()
    assert row.said_by.hasFocus()


def test_a_question_typed_but_not_added_comes_back_after_a_lock(
    qtbot, make_shell, make_vault
) -> None:
    shell, (tam, jo) = _shell(qtbot, make_shell, make_vault, "Tam", "Jo")
    editor = _new_contact(shell, tam, jo)
    panel = editor.keep_asking
    panel.new_for.setCurrentIndex(panel.new_for.findData(jo))
    qtbot.keyClicks(panel.new_question, "Ask about the new trainers")

    again = _lock_and_unlock(qtbot, shell)
    assert again.uid == editor.uid
    assert again.keep_asking.new_question.text() == "Ask about the new trainers"
    assert again.keep_asking.new_for.currentData() == jo
    assert again.keep_asking.rows == []  # typed, still not added
    qtbot.keyClick(again.keep_asking.new_question, Qt.Key.Key_Return)
    (added,) = again.keep_asking.updates()
    assert (added.person_id, added.text) == (jo, "Ask about the new trainers")


def test_a_question_typed_but_not_added_is_filed_with_the_contact(
    qtbot, make_shell, make_vault
) -> None:
    shell, (tam,) = _shell(qtbot, make_shell, make_vault, "Tam")
    editor = _new_contact(shell, tam)
    qtbot.keyClicks(editor.keep_asking.new_question, "Who gave her the new phone?")
    file_contact(qtbot, editor)
    asked = KeepAsking(shell.session.open_vault.db).open_questions([tam])
    assert [q.text for q in asked] == ["Who gave her the new phone?"]


def test_discarding_asks_first_and_keeping_it_changes_nothing(
    qtbot, make_shell, make_vault
) -> None:
    shell, _ = _shell(qtbot, make_shell, make_vault)
    editor = _new_contact(shell)
    with qtbot.waitSignal(editor._drafts.saved, timeout=3_000):
        qtbot.keyClicks(editor.narrative, "Notes about the flat on Eastgate")

    with qtbot.assertNotEmitted(editor.discarded, wait=0):
        editor.discard_button.click()
        box = _asked(editor)
        assert box.text().startswith("Discard this unfinished contact?")
        qtbot.keyClick(box, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=1_000)
    assert shell.window.workspace.editor is editor
    assert [d.uid for d in shell.records.unfinished()] == [editor.uid]

    editor.discard_button.click()
    box = _asked(editor)
    (discard,) = [
        b for b in box.buttons() if box.buttonRole(b) is QMessageBox.ButtonRole.DestructiveRole
    ]
    with qtbot.waitSignal(editor.discarded, timeout=1_000):
        discard.click()
    assert shell.records.unfinished() == []


def test_a_lock_while_asking_to_discard_keeps_the_draft(qtbot, make_shell, make_vault) -> None:
    shell, _ = _shell(qtbot, make_shell, make_vault)
    editor = _new_contact(shell)
    uid = editor.uid
    qtbot.keyClicks(editor.narrative, "Notes about the flat on Eastgate")
    editor.discard_button.click()
    box = _asked(editor)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is box, timeout=1_000)
    with qtbot.waitSignal(shell.session.locked, timeout=1_000):
        qtbot.keyClick(box, Qt.Key.Key_L, CTRL)  # the lock shortcut reaches the dialog

    unlock(qtbot, shell)
    again = shell.window.workspace.editor
    assert again.uid == uid
    assert again.narrative.toPlainText() == "Notes about the flat on Eastgate"


def test_a_question_typed_too_long_is_kept_to_be_shortened_then_added(
    qtbot, make_shell, make_vault
) -> None:
    shell, (tam,) = _shell(qtbot, make_shell, make_vault, "Tam")
    editor = _new_contact(shell, tam)
    panel = editor.keep_asking
    typed = "Who drove the silver car? " + "x" * 1_000
    panel.new_question.setText(typed)
    qtbot.keyClicks(editor.narrative, "By the shops")
    editor.instinct_panel.worry.setValue(3)
    with qtbot.assertNotEmitted(editor.filed, wait=0):
        qtbot.keyClick(editor.narrative, Qt.Key.Key_Return, CTRL)

    assert QApplication.focusWidget() is panel.new_question  # where it is shortened
    assert panel.new_question.text() == typed  # nothing typed is lost
    assert panel.rows == []  # not added while too long
    assert panel.new_error.isVisibleTo(editor)
    assert "1000 characters" in panel.new_error.text()
    qtbot.keyClick(panel.new_question, Qt.Key.Key_Return)  # Add refuses it too
    assert panel.rows == []

    for _ in range(25):  # shortened from the keyboard, to one character too many
        qtbot.keyClick(panel.new_question, Qt.Key.Key_Backspace)
    editor.check()
    assert panel.new_error.isVisibleTo(editor)
    qtbot.keyClick(panel.new_question, Qt.Key.Key_Backspace)
    qtbot.waitUntil(lambda: not panel.new_error.isVisibleTo(editor), timeout=1_000)
    qtbot.keyClick(panel.new_question, Qt.Key.Key_Return)
    assert [row.text for row in panel.rows] == [typed[:1_000].strip()]
    assert panel.new_question.text() == ""
    file_contact(qtbot, editor)
    asked = KeepAsking(shell.session.open_vault.db).open_questions([tam])
    assert [q.text for q in asked] == [typed[:1_000].strip()]


def test_filing_refused_for_an_observation_focuses_its_field_in_view(
    qtbot, make_shell, make_vault
) -> None:
    shell, _ = _shell(qtbot, make_shell, make_vault)
    editor = _new_contact(shell)
    qtbot.keyClicks(editor.narrative, "By the shops")
    editor.instinct_panel.worry.setValue(3)
    vehicle = editor.add_observation(ObservationKind.VEHICLE)
    driver = vehicle.inputs["driver"]
    driver.input.setText("x" * 1_200)
    editor.add_observation(ObservationKind.PLACE)  # shown now, the vehicle behind it
    editor._scroll.verticalScrollBar().setValue(0)
    with qtbot.assertNotEmitted(editor.filed, wait=0):
        qtbot.keyClick(editor.narrative, Qt.Key.Key_Return, CTRL)

    assert "1000 characters" in driver.error.text()
    assert editor.observation_stack.currentWidget() is vehicle  # not the place
    assert editor.observation_list.currentRow() == 0
    assert driver.input.hasFocus()
    viewport = editor._scroll.viewport()
    shown_at = driver.input.mapTo(viewport, driver.input.rect().topLeft())
    assert viewport.rect().contains(shown_at)
    driver.input.setText("Older man, grey beard")
    qtbot.waitUntil(lambda: not driver.error.isVisibleTo(editor), timeout=1_000)
    filed = shell.records.contact(file_contact(qtbot, editor)).contact
    assert [o.kind for o in filed.observations] == [ObservationKind.VEHICLE, ObservationKind.PLACE]


def test_a_question_left_with_nobody_to_ask_is_kept_and_filing_says_what_it_needs(
    qtbot, make_shell, make_vault
) -> None:
    shell, (tam,) = _shell(qtbot, make_shell, make_vault, "Tam")
    editor = _new_contact(shell, tam)
    panel = editor.keep_asking
    qtbot.keyClicks(panel.new_question, "Who gave her the new phone?")
    qtbot.keyClicks(editor.narrative, "By the shops")
    editor.instinct_panel.worry.setValue(3)
    editor.people_list.setCurrentRow(0)
    editor.remove_person_button.click()  # nobody left to ask it of
    with qtbot.assertNotEmitted(editor.filed, wait=0):
        qtbot.keyClick(editor.narrative, Qt.Key.Key_Return, CTRL)

    assert panel.new_question.isVisibleTo(editor)  # still there to be seen
    assert panel.new_question.text() == "Who gave her the new phone?"
    assert panel.new_error.isVisibleTo(editor)
    assert panel.new_error.text() == (
        "A question needs a young person in this contact. "
        "Add the young person it is for, or clear the question."
    )
    assert QApplication.focusWidget() is panel.new_question

    again = _lock_and_unlock(qtbot, shell)
    panel = again.keep_asking
    assert panel.new_question.text() == "Who gave her the new phone?"
    assert panel.new_question.isVisibleTo(again)
    again.add_person(tam)
    assert panel.new_for.currentData() is None  # not given to anyone unasked
    with qtbot.assertNotEmitted(again.filed, wait=0):
        qtbot.keyClick(again.narrative, Qt.Key.Key_Return, CTRL)
    assert panel.new_error.text() == "Choose who this question is for."
    assert QApplication.focusWidget() is panel.new_for
    panel.new_for.setCurrentIndex(panel.new_for.findData(tam))
    qtbot.waitUntil(lambda: not panel.new_error.isVisibleTo(again), timeout=1_000)
    file_contact(qtbot, again)
    asked = KeepAsking(shell.session.open_vault.db).open_questions([tam])
    assert [q.text for q in asked] == ["Who gave her the new phone?"]


def test_whom_a_typed_question_is_for_stays_chosen_as_people_come_and_go(
    qtbot, make_shell, make_vault
) -> None:
    shell, (tam, jo, sam) = _shell(qtbot, make_shell, make_vault, "Tam", "Jo", "Sam")
    editor = _new_contact(shell, tam, jo)
    panel = editor.keep_asking
    panel.new_for.setCurrentIndex(panel.new_for.findData(jo))
    qtbot.keyClicks(panel.new_question, "Ask about the new trainers")
    editor.add_person(sam)
    assert panel.new_for.currentData() == jo

    editor.people_list.setCurrentRow(1)
    editor.remove_person_button.click()  # Jo leaves the contact
    assert panel.new_for.currentData() is None  # not moved to Tam unasked
    qtbot.waitUntil(lambda: panel.new_error.isVisibleTo(editor), timeout=1_000)
    assert panel.new_error.text() == "Choose who this question is for."
    assert panel.new_question.text() == "Ask about the new trainers"


def _draft_shell(qtbot, make_shell, make_vault, names, questions):
    """Unlocked on a vault holding one unfinished contact with these young people, whose
    ``questions`` are made from their ids, as a draft saved by an older version."""
    opened = make_vault().create(PASSPHRASE)
    store = RecordStore(opened.db)
    ids = [store.add_person(YoungPerson(name)).id for name in names]
    contact = Contact(
        started_at=utc_now(),
        people=tuple(ids),
        narrative="By the shops",
        worry=3,
        questions=questions(ids),
    )
    draft = ContactDraft("older1", contact)
    DraftStore(opened.db).save(draft.form_key, draft.dumps())
    opened.close()
    shell = make_shell()
    unlock(qtbot, shell)
    editor = shell.window.workspace.editor
    assert editor is not None
    assert editor.uid == "older1"
    return shell, editor, ids


def test_an_over_long_question_added_in_an_older_draft_comes_back_to_be_shortened(
    qtbot, make_shell, make_vault
) -> None:
    typed = "Who drove the silver car? " + "x" * 1_000
    shell, editor, (_, jo) = _draft_shell(
        qtbot,
        make_shell,
        make_vault,
        ("Tam", "Jo"),
        lambda ids: (QuestionUpdate(ids[1], "open", text=typed),),
    )
    panel = editor.keep_asking
    assert panel.rows == []
    assert panel.new_question.text() == typed
    assert panel.new_for.currentData() == jo
    assert panel.new_error.isVisibleTo(editor)
    assert "1000 characters" in panel.new_error.text()
    with qtbot.assertNotEmitted(editor.filed, wait=0):
        qtbot.keyClick(editor.narrative, Qt.Key.Key_Return, CTRL)
    assert QApplication.focusWidget() is panel.new_question

    panel.new_question.setText(typed[:1_000])
    qtbot.keyClick(panel.new_question, Qt.Key.Key_Return)
    filed = shell.records.contact(file_contact(qtbot, editor)).contact
    assert [(q.person_id, q.text) for q in filed.questions] == [(jo, typed[:1_000].strip())]


def test_a_question_typed_after_clearing_one_that_came_back_is_filed_as_new(
    qtbot, make_shell, make_vault
) -> None:
    old = "Whose is the flat on Eastgate? " + "y" * 1_000
    shell, editor, (tam,) = _draft_shell(
        qtbot,
        make_shell,
        make_vault,
        ("Tam",),
        lambda ids: (QuestionUpdate(ids[0], "answered", answer="her cousin's", text=old),),
    )
    panel = editor.keep_asking
    assert panel.new_question.text() == old
    # The worker does not keep that question: clears the box and types another, which is
    # not given the old one's status and answer, nor after a lock.
    panel.new_question.clear()
    qtbot.keyClicks(panel.new_question, "Who bought the new phone?")
    editor = _lock_and_unlock(qtbot, shell)
    panel = editor.keep_asking
    assert panel.new_question.text() == "Who bought the new phone?"
    qtbot.keyClick(panel.new_question, Qt.Key.Key_Return)
    (row,) = panel.rows
    assert row.text == "Who bought the new phone?"
    filed = shell.records.contact(file_contact(qtbot, editor)).contact
    assert [(q.person_id, q.status, q.answer, q.text) for q in filed.questions] == [
        (tam, "open", "", "Who bought the new phone?"),
    ]


def test_more_than_one_over_long_question_in_an_older_draft_come_back_one_at_a_time(
    qtbot, make_shell, make_vault
) -> None:
    first = "Who drove the silver car? " + "x" * 1_000
    second = "Whose is the flat on Eastgate? " + "y" * 1_000
    shell, editor, (tam, jo) = _draft_shell(
        qtbot,
        make_shell,
        make_vault,
        ("Tam", "Jo"),
        lambda ids: (
            QuestionUpdate(ids[1], "open", text=first),
            QuestionUpdate(ids[0], "answered", answer="her cousin's", text=second),
        ),
    )
    panel = editor.keep_asking
    assert panel.new_question.text() == first
    (waiting,) = panel.rows  # kept, and says what will happen to it
    assert waiting.text == second
    assert waiting.error.isVisibleTo(editor)
    assert "question box" in waiting.error.text()

    panel.new_question.setText(first[:1_000])
    qtbot.keyClick(panel.new_question, Qt.Key.Key_Return)
    assert [row.text for row in panel.rows] == [first[:1_000].strip()]
    assert panel.new_question.text() == second  # the next, now the box is free
    assert panel.new_for.currentData() == tam

    again = _lock_and_unlock(qtbot, shell)  # what it had is kept through a lock
    panel = again.keep_asking
    assert panel.new_question.text() == second
    panel.new_question.setText(second[:1_000])
    qtbot.keyClick(panel.new_question, Qt.Key.Key_Return)
    filed = shell.records.contact(file_contact(qtbot, again)).contact
    assert [(q.person_id, q.status, q.answer, q.text) for q in filed.questions] == [
        (jo, "open", "", first[:1_000].strip()),
        (tam, "answered", "her cousin's", second[:1_000].strip()),
    ]
