"""The language check as the worker types: underlined, explained, replaced, never blocking."""

from __future__ import annotations

from PySide6.QtCore import QPoint
from PySide6.QtGui import QTextCharFormat
from PySide6.QtWidgets import QPlainTextEdit

from outreach.records.model import ObservationKind, Quote
from outreach.ui.language import attach_language_check
from tests.conftest import PASSPHRASE
from tests.ui.conftest import file_contact, unlock


def _underlined(editor: QPlainTextEdit) -> list[str]:
    block = editor.document().firstBlock()
    text = block.text()
    return [
        text[r.start : r.start + r.length]
        for r in block.layout().formats()
        if r.format.underlineStyle() == QTextCharFormat.UnderlineStyle.SpellCheckUnderline
    ]


def _point_in(editor: QPlainTextEdit, phrase: str) -> QPoint:
    cursor = editor.textCursor()
    cursor.setPosition(editor.toPlainText().index(phrase) + 2)
    return editor.cursorRect(cursor).center()


def test_phrases_are_underlined_as_typed_but_not_inside_quotes(qtbot) -> None:
    editor = QPlainTextEdit()
    qtbot.addWidget(editor)
    attach_language_check(editor)
    qtbot.keyClicks(editor, 'She is streetwise. She said "my boyfriend" waits.')
    assert _underlined(editor) == ["streetwise"]


def test_an_alternative_from_the_menu_replaces_the_phrase_and_undo_brings_it_back(qtbot) -> None:
    editor = QPlainTextEdit()
    qtbot.addWidget(editor)
    check = attach_language_check(editor)
    editor.setPlainText("Keeps putting herself at risk at night.")
    menu = check.menu_at(_point_in(editor, "putting herself"))
    texts = [a.text() for a in menu.actions()]
    assert texts[0].startswith("Puts the responsibility on the child")
    assert not menu.actions()[0].isEnabled()
    use = next(a for a in menu.actions() if a.text() == "Use: is being put at risk by")
    use.trigger()
    assert editor.toPlainText() == "Keeps is being put at risk by at night."
    assert _underlined(editor) == []
    editor.undo()
    assert editor.toPlainText() == "Keeps putting herself at risk at night."


def test_a_menu_away_from_any_phrase_is_the_usual_one(qtbot) -> None:
    editor = QPlainTextEdit()
    qtbot.addWidget(editor)
    check = attach_language_check(editor)
    editor.setPlainText("Seen at the park with friends.")
    menu = check.menu_at(_point_in(editor, "park"))
    assert not any(a.text().startswith("Use:") for a in menu.actions())


def test_the_editor_checks_the_narrative_and_never_the_childs_words(
    qtbot, make_shell, make_vault
) -> None:
    make_vault().create(PASSPHRASE).close()
    shell = make_shell()
    unlock(qtbot, shell)
    shell.window.workspace.new_contact()
    editor = shell.window.workspace.editor
    qtbot.keyClicks(editor.narrative, "He is very streetwise")
    assert _underlined(editor.narrative) == ["streetwise"]
    quote = editor.add_quote(Quote(""))
    qtbot.keyClicks(quote.text, "I am streetwise")
    assert _underlined(quote.text) == []
    injury = editor.add_observation(ObservationKind.INJURY)
    own_words = injury.inputs["explanation_in_own_words"].input
    qtbot.keyClicks(own_words, "my boyfriend did it")
    assert _underlined(own_words) == []
    file_contact(qtbot, editor)  # the language check never blocks filing
