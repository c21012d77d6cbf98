"""After a lock nothing of a record is left on screen: not in fields, labels or lists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QAbstractListModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QLabel, QLineEdit, QPlainTextEdit, QTextEdit

from outreach.records.model import Contact, Observation, VehicleDetails, YoungPerson
from outreach.records.store import RecordStore
from tests.conftest import PASSPHRASE
from tests.ui.conftest import unlock

NAME = "Canarykin"
WORDS = "canary-words-5521"


def _everything_shown(window) -> str:
    shown = []
    for label in window.findChildren(QLabel):
        shown.append(label.text())
    for kind in (QLineEdit,):
        shown += [w.text() for w in window.findChildren(kind)]
    for kind in (QPlainTextEdit, QTextEdit):
        shown += [w.toPlainText() for w in window.findChildren(kind)]
    for view in window.findChildren(QAbstractItemView):
        model = view.model()
        if model is None:
            continue
        root = view.rootIndex()
        # List models keep columnCount private in PySide6: they have one column.
        columns = 1 if isinstance(model, QAbstractListModel) else model.columnCount(root)
        for row in range(model.rowCount(root)):
            for column in range(columns):
                shown.append(str(model.index(row, column, root).data() or ""))
    return "\n".join(shown)


def test_a_lock_leaves_no_record_content_anywhere_in_the_window(
    qtbot, make_shell, make_vault
) -> None:
    opened = make_vault().create(PASSPHRASE)
    store = RecordStore(opened.db)
    ids = [store.add_person(YoungPerson(f"{NAME}{n}", estimated_age=14)).id for n in range(2)]
    for pid in ids:
        store.seal(
            Contact(
                started_at=datetime.now(UTC) - timedelta(days=1),
                people=(pid,),
                narrative=f"Saw them today, {WORDS}.",
                worry=8,
                observations=(Observation(VehicleDetails(registration="XK19 QPB")),),
            )
        )
    opened.close()
    shell = make_shell()
    unlock(qtbot, shell)
    workspace = shell.window.workspace
    workspace.people.select(ids[0])
    workspace.open_contact(workspace.people.timeline_model.entry(0).contact_uid)
    workspace.show_search()
    qtbot.keyClicks(workspace.search.box, "canary")
    workspace.search.run()
    shell.window.actions_by_name["connections"].trigger()
    workspace.connections.table.selectRow(0)
    workspace.connections.views.setCurrentIndex(1)
    workspace.new_contact(ids[1])
    before = _everything_shown(shell.window)
    assert NAME in before
    assert WORDS in before

    with qtbot.waitSignal(shell.session.locked, timeout=2_000):
        shell.window.actions_by_name["lock"].trigger()

    after = _everything_shown(shell.window)
    assert NAME not in after
    assert WORDS not in after
    assert "XK19" not in after
    assert workspace.connections.graph.scene().items() == []


def test_locking_by_keyboard_from_inside_the_editor_is_safe(qtbot, make_shell, make_vault) -> None:
    make_vault().create(PASSPHRASE).close()
    shell = make_shell()
    unlock(qtbot, shell)
    shell.window.workspace.new_contact()
    editor = shell.window.workspace.editor
    qtbot.keyClicks(editor.narrative, "typed, then locked by keyboard")
    with qtbot.waitSignal(shell.session.locked, timeout=2_000):
        qtbot.keyClick(editor.narrative, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert shell.window.workspace.editor is None
    unlock(qtbot, shell)
    assert shell.window.workspace.editor.narrative.toPlainText() == "typed, then locked by keyboard"
