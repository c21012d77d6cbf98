"""Recording a contact as a worker does: people, the editor, filing, amending, search."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QDateTime, QMimeData, Qt
from PySide6.QtGui import QGuiApplication

from outreach.app.records import ContactDraft
from outreach.records.drafts import DraftStore
from outreach.records.model import (
    Contact,
    ObservationKind,
    YoungPerson,
)
from outreach.records.store import RecordStore
from outreach.ui.person_dialog import PersonDialog
from tests.conftest import PASSPHRASE
from tests.ui.conftest import file_contact, unlock

ROOT = Path(__file__).resolve().parents[2]
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def _open_shell(qtbot, make_shell, make_vault, people=()):
    opened = make_vault().create(PASSPHRASE)
    store = RecordStore(opened.db)
    ids = [store.add_person(p).id for p in people]
    opened.close()
    shell = make_shell()
    unlock(qtbot, shell)
    return shell, ids


def _new_contact(qtbot, shell):
    window = shell.window
    window.actions_by_name["new_contact"].trigger()
    editor = window.workspace.editor
    assert editor is not None
    assert window.workspace.tabs.currentWidget() is window.workspace.record
    return editor


def _file(qtbot, shell, editor) -> str:
    return file_contact(qtbot, editor)


def test_a_new_young_person_is_listed_with_their_age(qtbot, make_shell, make_vault) -> None:
    shell, _ = _open_shell(qtbot, make_shell, make_vault)
    shell.window.actions_by_name["new_person"].trigger()
    dialog = shell.window.workspace.findChild(PersonDialog)
    assert dialog is not None
    qtbot.keyClicks(dialog.known_as, "Tam")
    dialog.estimated_age.setValue(14)
    with qtbot.waitSignal(shell.records.changed, timeout=2_000):
        dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    people = shell.window.workspace.people
    assert people.model.rowCount() == 1
    assert people.model.index(0).data() == "Tam · about 14"
    assert people.name.text() == "Tam"
    assert people.age.text() == "Age about 14"


def test_a_person_with_no_name_gets_an_inline_message_and_keeps_the_form(
    qtbot, make_shell, make_vault
) -> None:
    shell, _ = _open_shell(qtbot, make_shell, make_vault)
    dialog = shell.window.workspace.edit_person("")
    dialog.estimated_age.setValue(3)
    qtbot.keyClicks(dialog.school, "Hillview")
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    assert dialog.isVisible()
    assert dialog.errors["known_as"].text() == "This can't be left empty."
    assert "age" in dialog.errors["estimated_age"].text()
    assert dialog.school.text() == "Hillview"
    assert shell.records.people() == []


def test_people_list_filters_as_you_type(qtbot, make_shell, make_vault) -> None:
    shell, _ = _open_shell(
        qtbot,
        make_shell,
        make_vault,
        [
            YoungPerson("Tam", aliases=("Tamsin Q",), estimated_age=14),
            YoungPerson("Jojo", estimated_age=15),
            YoungPerson("Kit", estimated_age=13),
        ],
    )
    people = shell.window.workspace.people
    assert people.proxy.rowCount() == 3
    qtbot.keyClicks(people.filter, "tams")
    assert people.proxy.rowCount() == 1
    qtbot.keyClick(people.filter, Qt.Key.Key_Return)
    assert people.name.text() == "Tam"


def test_record_file_and_search_a_contact(qtbot, make_shell, make_vault) -> None:
    shell, (tam,) = _open_shell(
        qtbot, make_shell, make_vault, [YoungPerson("Tam", estimated_age=14)]
    )
    editor = _new_contact(qtbot, shell)
    editor.person_picker.setCurrentIndex(editor.person_picker.findData(tam))
    editor.add_person_button.click()
    qtbot.keyClicks(editor.place, "Golden Spoon Takeaway")
    qtbot.keyClicks(editor.narrative, "Saw Tam get out of a silver hatchback.")
    qtbot.keyClick(editor.narrative, Qt.Key.Key_W, CTRL_SHIFT)  # add their words
    quote = editor.quote_rows[-1]
    assert quote.text.hasFocus()
    qtbot.keyClicks(quote.text, "he's just my mate")
    vehicle = editor.add_observation(ObservationKind.VEHICLE)
    qtbot.keyClicks(vehicle.inputs["registration"].input, "AB12 C?E")
    qtbot.keyClicks(editor.instinct, "Worried: the driver was much older.")

    uid = _file(qtbot, shell, editor)

    workspace = shell.window.workspace
    assert workspace.editor is None
    assert workspace.tabs.currentWidget() is workspace.contacts
    shown = workspace.contacts.view.browser.toPlainText()
    for expected in ("Golden Spoon Takeaway", "he's just my mate", "AB12 C?E", "Tam · about 14"):
        assert expected in shown
    stored = shell.records.contact(uid)
    assert stored.contact.people == (tam,)
    assert stored.contact.instinct == "Worried: the driver was much older."
    assert shell.records.unfinished() == []

    shell.window.actions_by_name["search"].trigger()
    search = workspace.search
    assert search.box.hasFocus()
    qtbot.keyClicks(search.box, "hatchback")
    qtbot.keyClick(search.box, Qt.Key.Key_Return)
    assert [h.contact_uid for h in search.hits] == [uid]
    found = search.results.document().find("hatchback")
    assert not found.isNull()
    found.setPosition(found.selectionStart() + 1)  # the format of the matched word itself
    assert found.charFormat().background().color().name() == "#fff3a0"
    title = search.results.document().find("Contact")  # a link to the contact
    title.setPosition(title.selectionStart() + 1)
    assert title.charFormat().anchorHref() == f"contact:{uid}"
    assert "hatchback" in search.results.toPlainText()

    offered = _new_contact(qtbot, shell).place.completer().model()
    assert "Golden Spoon Takeaway" in [
        offered.index(row, 0).data() for row in range(offered.rowCount())
    ]


def test_drafts_are_kept_as_you_type_and_come_back_after_a_lock(
    qtbot, make_shell, make_vault
) -> None:
    shell, _ = _open_shell(qtbot, make_shell, make_vault)
    editor = _new_contact(qtbot, shell)
    drafts = editor._drafts
    with qtbot.waitSignal(drafts.saved, timeout=3_000):
        qtbot.keyClicks(editor.narrative, "Two girls in school uniform by the car park")
    assert editor.status.text().startswith("Draft saved at ")
    qtbot.keyClicks(editor.instinct, "typed just before the lock")
    with qtbot.waitSignal(shell.session.locked, timeout=1_000):
        shell.window.actions_by_name["lock"].trigger()
    assert shell.window.workspace.editor is None
    unlock(qtbot, shell)
    again = shell.window.workspace.editor
    assert again is not None
    assert again.narrative.toPlainText() == "Two girls in school uniform by the car park"
    assert again.instinct.toPlainText() == "typed just before the lock"


def test_starting_another_contact_keeps_the_first_as_unfinished(
    qtbot, make_shell, make_vault
) -> None:
    shell, _ = _open_shell(qtbot, make_shell, make_vault)
    first = _new_contact(qtbot, shell)
    qtbot.keyClicks(first.narrative, "first one")
    first_uid = first.uid
    _new_contact(qtbot, shell)
    unfinished = {d.uid: d for d in shell.records.unfinished()}
    assert unfinished[first_uid].contact.narrative == "first one"
    contacts = shell.window.workspace.contacts
    assert contacts.unfinished.count() == 2
    shell.window.workspace.resume(first_uid)
    assert shell.window.workspace.editor.narrative.toPlainText() == "first one"


def test_bad_input_gets_inline_messages_and_nothing_is_lost(qtbot, make_shell, make_vault) -> None:
    shell, _ = _open_shell(qtbot, make_shell, make_vault)
    editor = _new_contact(qtbot, shell)
    editor.narrative.insertPlainText("Seen at the station 🚉 שלום")  # keyClicks is ASCII only
    tomorrow = QDateTime.currentDateTime().addDays(1)
    editor.started.setDateTime(tomorrow)
    editor.ended.known.setChecked(True)
    editor.ended.editor.setDateTime(tomorrow.addSecs(-3600))
    editor.instinct_panel.worry.setValue(2)
    qtbot.keyClick(editor.narrative, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    assert shell.window.workspace.editor is editor  # not filed
    assert editor.errors["started_at"].text() == "This is in the future. Check the date and time."
    assert editor.errors["ended_at"].text() == "This ends before it starts. Check both times."
    assert editor.problems.isVisible()
    assert editor.narrative.toPlainText() == "Seen at the station 🚉 שלום"
    editor.save_draft_now()
    (draft,) = shell.records.unfinished()
    assert draft.contact.narrative == "Seen at the station 🚉 שלום"

    editor.started.setDateTime(QDateTime.currentDateTime().addSecs(-7200))
    editor.ended.known.setChecked(False)
    editor.check()
    assert not editor.errors["started_at"].isVisible()
    _file(qtbot, shell, editor)


def test_very_long_text_is_flagged_with_its_limit(qtbot, make_shell, make_vault) -> None:
    shell, _ = _open_shell(qtbot, make_shell, make_vault)
    editor = _new_contact(qtbot, shell)
    editor.place.setText("x" * 1_200)
    editor.check()
    assert "1000 characters" in editor.errors["place"].text()
    assert len(editor.place.text()) == 1_200  # kept, to shorten


def test_pasted_rich_text_is_kept_as_plain_text(qtbot, make_shell, make_vault) -> None:
    shell, _ = _open_shell(qtbot, make_shell, make_vault)
    editor = _new_contact(qtbot, shell)
    mime = QMimeData()
    mime.setHtml("<b>Bold</b> <span style='color:red'>red</span> <img src='x.png'>")
    mime.setText("Bold red")
    QGuiApplication.clipboard().setMimeData(mime)
    editor.narrative.setFocus()
    editor.narrative.paste()
    assert editor.narrative.toPlainText() == "Bold red"
    assert "<b>" not in editor.draft().dumps()


def test_amending_keeps_the_original_and_shows_both(qtbot, make_shell, make_vault) -> None:
    shell, _ = _open_shell(qtbot, make_shell, make_vault)
    editor = _new_contact(qtbot, shell)
    qtbot.keyClicks(editor.narrative, "Silver car at the park.")
    uid = _file(qtbot, shell, editor)

    contacts = shell.window.workspace.contacts
    contacts.view.browser.setFocus()
    qtbot.keyClick(contacts.view.browser, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    amending = shell.window.workspace.editor
    assert amending is not None
    assert amending.uid == uid
    amending.narrative.selectAll()
    qtbot.keyClicks(amending.narrative, "Silver car at the park, about 11pm.")
    qtbot.keyClick(amending.narrative, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert amending.errors["amend_reason"].text() == "This can't be left empty."
    qtbot.keyClicks(amending.amend_reason, "time added")
    _file(qtbot, shell, amending)

    versions = shell.records.versions(uid)
    assert [v.contact.narrative for v in versions] == [
        "Silver car at the park.",
        "Silver car at the park, about 11pm.",
    ]
    shown = contacts.view.browser.toPlainText()
    assert "Amended: time added" in shown
    assert "Earlier version 1" in shown
    assert shown.index("about 11pm") < shown.index("Earlier version 1")


def test_timeline_opens_a_contact(qtbot, make_shell, make_vault) -> None:
    shell, (tam,) = _open_shell(
        qtbot, make_shell, make_vault, [YoungPerson("Tam", estimated_age=14)]
    )
    shell.window.workspace.people.select(tam)
    shell.window.workspace.people.contact_button.click()
    editor = shell.window.workspace.editor
    assert editor.value().people == (tam,)
    qtbot.keyClicks(editor.narrative, "Met Tam at drop-in.")
    editor.add_observation(ObservationKind.GIFT).inputs["from_whom"].input.setText("Bazza")
    uid = _file(qtbot, shell, editor)

    people = shell.window.workspace.people
    people.select(tam)
    model = people.timeline_model
    assert model.rowCount() == 2
    assert model.index(0, 1).data() == "Contact"
    assert model.index(1, 1).data() == "Gift"
    people.kind_filter.setCurrentIndex(people.kind_filter.findData("gift"))
    assert model.rowCount() == 1
    people.timeline.activated.emit(model.index(0, 0))
    assert shell.window.workspace.contacts.view.uid == uid


_KILLED_CHILD = textwrap.dedent(
    """
    import os, signal, sys
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication
    from PySide6.QtCore import QEventLoop
    from outreach.config.paths import AppPaths
    from outreach.config.policy import Policy
    from outreach.gui import build_shell
    from outreach.vault.crypto import KdfParams
    from outreach.vault.device import DeviceSecretStore

    app = QApplication([])
    from pathlib import Path
    paths = AppPaths.in_folder(Path(sys.argv[1]))
    kdf = KdfParams(time_cost=1, memory_kib=1024, parallelism=1)
    shell = build_shell(app, paths, Policy(), DeviceSecretStore(None), kdf=kdf)
    loop = QEventLoop()
    shell.session.unlocked.connect(loop.quit)
    shell.session.unlock(sys.argv[2])
    loop.exec()
    shell.window.workspace.new_contact()
    editor = shell.window.workspace.editor
    editor._drafts.saved.connect(loop.quit)
    editor.narrative.setPlainText("Typed before the crash: blue van, Eastgate")
    loop.exec()
    print("saved", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


def test_a_draft_survives_the_process_being_killed(qtbot, make_shell, make_vault, paths) -> None:
    make_vault().create(PASSPHRASE).close()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "QT_QPA_PLATFORM": "offscreen"}
    child = subprocess.run(
        [sys.executable, "-c", _KILLED_CHILD, str(paths.data_dir), PASSPHRASE],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert child.stdout.strip() == "saved"

    shell = make_shell()
    unlock(qtbot, shell)
    editor = shell.window.workspace.editor
    assert editor is not None
    assert editor.narrative.toPlainText() == "Typed before the crash: blue van, Eastgate"


def test_an_unreadable_draft_is_skipped_not_lost(qtbot, make_shell, make_vault) -> None:
    opened = make_vault().create(PASSPHRASE)
    DraftStore(opened.db).save("contact:broken", "{not json")
    good = ContactDraft(
        "good", Contact(started_at=datetime.now(UTC) - timedelta(hours=1), narrative="kept")
    )
    DraftStore(opened.db).save(good.form_key, good.dumps())
    opened.close()
    shell = make_shell()
    unlock(qtbot, shell)
    assert [d.uid for d in shell.records.unfinished()] == ["good"]
    assert shell.window.workspace.editor.narrative.toPlainText() == "kept"
    checker = make_vault().unlock(PASSPHRASE)
    try:
        assert DraftStore(checker.db).load("contact:broken") is not None
    finally:
        checker.close()


def test_a_contact_with_every_observation_kind_and_body_map_marks(
    qtbot, make_shell, make_vault
) -> None:
    shell, (tam,) = _open_shell(
        qtbot, make_shell, make_vault, [YoungPerson("Tam", estimated_age=14)]
    )
    shell.window.workspace.new_contact(tam)
    editor = shell.window.workspace.editor
    qtbot.keyClicks(editor.narrative, "Long night; several things seen.")
    typed = {
        ObservationKind.VEHICLE: ("registration", "ab12 cde"),
        ObservationKind.PLACE: ("name", "Riverside Car Park"),
        ObservationKind.GIFT: ("from_whom", "Bazza"),
        ObservationKind.INJURY: ("explanation_in_own_words", "I fell over"),
        ObservationKind.PERSON: ("phone_numbers", "07700 900123"),
        ObservationKind.MISSING: ("where_found", "Eastgate"),
        ObservationKind.EDUCATION_ABSENCE: ("school", "Hillview"),
        ObservationKind.PHONE: ("apps", "snapchat"),
        ObservationKind.SUBSTANCE: ("what", "cannabis"),
    }
    for kind, (field, text) in typed.items():
        form = editor.add_observation(kind)
        qtbot.keyClicks(form.inputs[field].input, text)
    injury = editor.observation_forms[3]
    injury.provenance.setCurrentIndex(injury.provenance.findData("told_by_young_person"))
    body_map = injury.inputs["marks"].input.map
    point = body_map.point_for("front", 0.76, 0.44).toPoint()
    qtbot.mouseClick(body_map, Qt.MouseButton.LeftButton, pos=point)
    qtbot.keyClicks(injury.inputs["marks"].input.editor.colour, "yellow")
    assert editor.observation_list.item(0).text() == "Vehicle: ab12 cde"

    uid = _file(qtbot, shell, editor)

    stored = shell.records.contact(uid).contact
    assert [o.kind for o in stored.observations] == list(typed)
    for observation, (field, text) in zip(stored.observations, typed.values(), strict=True):
        value = getattr(observation.details, field)
        assert (value if isinstance(value, str) else "\n".join(value)) == text
    (mark,) = stored.observations[3].details.marks
    assert (mark.side, mark.site, mark.colour) == ("front", "left forearm", "yellow")
    assert stored.observations[3].provenance.value == "told_by_young_person"
    shown = shell.window.workspace.contacts.view.browser.toPlainText()
    assert "1. left forearm, yellow" in shown


def test_typed_markup_is_shown_as_the_text_it_is(qtbot, make_shell, make_vault) -> None:
    shell, _ = _open_shell(qtbot, make_shell, make_vault)
    editor = _new_contact(qtbot, shell)
    typed = "<b>not bold</b> <img src='file:///etc/passwd'> <a href='x'>not a link</a>"
    editor.narrative.setPlainText(typed)
    _file(qtbot, shell, editor)
    browser = shell.window.workspace.contacts.view.browser
    assert typed in browser.toPlainText()
    assert "\ufffc" not in browser.toPlainText()  # no image or object was made from it
    found = browser.document().find("not a link")
    found.setPosition(found.selectionStart() + 1)
    assert found.charFormat().anchorHref() == ""
