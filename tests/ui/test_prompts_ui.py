"""Keep asking across contacts, instinct at the end of each, indicators, and nudges."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from PySide6.QtCore import Qt

from outreach.records.model import (
    Contact,
    InjuryDetails,
    MissingDetails,
    Observation,
    ObservationKind,
    YoungPerson,
)
from outreach.records.store import RecordStore
from tests.conftest import PASSPHRASE
from tests.ui.conftest import file_contact, unlock


def _shell_with(qtbot, make_shell, make_vault, person: YoungPerson, *contacts: Contact):
    opened = make_vault().create(PASSPHRASE)
    store = RecordStore(opened.db)
    pid = store.add_person(person).id
    for contact in contacts:
        store.seal(Contact(**{**contact.__dict__, "people": (pid,)}))
    opened.close()
    shell = make_shell()
    unlock(qtbot, shell)
    return shell, pid


def test_a_question_is_carried_forward_until_it_is_answered(qtbot, make_shell, make_vault) -> None:
    shell, tam = _shell_with(qtbot, make_shell, make_vault, YoungPerson("Tam", estimated_age=14))
    workspace = shell.window.workspace
    workspace.new_contact(tam)
    first = workspace.editor
    assert first.keep_asking.rows == []
    gift = first.add_observation(ObservationKind.GIFT)
    gift.inputs["what"].input.setCurrentIndex(gift.inputs["what"].input.findData("phone"))
    assert "Unexplained gifts, money, phones or SIMs (proposed)" in [
        label.text() for label in first.indicators.labels.values()
    ]
    first.indicators.combos["gifts"].setCurrentIndex(1)  # confirmed: yes
    file_contact(qtbot, first, worry=6)

    workspace.new_contact(tam)
    second = workspace.editor
    texts = [row.text for row in second.keep_asking.rows]
    assert texts == ["Who gave you that?", "Did they want anything back?"]
    who, back = second.keep_asking.rows
    who.status.setCurrentIndex(who.status.findData("answered"))
    assert who.answer.isVisible()
    qtbot.keyClicks(who.answer, "a man from the takeaway")
    back.status.setCurrentIndex(back.status.findData("not_now"))
    qtbot.keyClicks(second.keep_asking.new_question, "Does she still have the phone?")
    qtbot.keyClick(second.keep_asking.new_question, Qt.Key.Key_Return)
    file_contact(qtbot, second)

    workspace.new_contact(tam)
    third = workspace.editor
    carried = {row.text: row.status.currentData() for row in third.keep_asking.rows}
    assert carried == {
        "Did they want anything back?": "not_now",
        "Does she still have the phone?": "open",
    }
    people = workspace.people
    people.select(tam)
    assert "To ask next time: Did they want anything back?" in people.prompts.text()
    assert "Indicators now: Unexplained gifts" in people.prompts.text()


def test_the_instinct_is_asked_at_the_end_and_skipping_is_one_click(
    qtbot, make_shell, make_vault
) -> None:
    shell, tam = _shell_with(qtbot, make_shell, make_vault, YoungPerson("Tam", estimated_age=14))
    workspace = shell.window.workspace
    workspace.new_contact(tam)
    editor = workspace.editor
    qtbot.keyClick(editor.narrative, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert workspace.editor is editor  # not filed
    assert editor.errors["worry"].text() == "How worried are you, 0 to 10? Or press Skip."
    editor.instinct_panel.skip.click()
    uid = file_contact(qtbot, editor)
    stored = shell.records.contact(uid).contact
    assert (stored.worry, stored.instinct_skipped) == (None, True)


def test_worry_over_time_is_drawn_and_said_in_words(qtbot, make_shell, make_vault) -> None:
    now = datetime.now(UTC)
    shell, tam = _shell_with(
        qtbot,
        make_shell,
        make_vault,
        YoungPerson("Tam", estimated_age=14),
        Contact(started_at=now - timedelta(days=9), worry=3),
        Contact(started_at=now - timedelta(days=2), worry=8),
    )
    people = shell.window.workspace.people
    people.select(tam)
    assert people.worry_chart.isVisibleTo(people)
    description = people.worry_chart.accessibleDescription()
    assert description.startswith("Worry, 0 to 10, newest last:")
    assert description.endswith(": 8")


def test_a_nudge_is_acknowledged_with_a_note_and_goes(qtbot, make_shell, make_vault) -> None:
    now = datetime.now(UTC)
    episodes = [
        Contact(
            started_at=now - timedelta(days=d),
            observations=(
                Observation(
                    MissingDetails(
                        went_missing=now - timedelta(days=d, hours=20),
                        came_back=now - timedelta(days=d, hours=2),
                        return_interview_on=(now - timedelta(days=d - 1)).date(),
                    )
                ),
            ),
        )
        for d in (40, 20, 5)
    ]
    shell, tam = _shell_with(
        qtbot, make_shell, make_vault, YoungPerson("Tam", date_of_birth=date(2011, 1, 1)), *episodes
    )
    people = shell.window.workspace.people
    people.select(tam)
    (key,) = people.nudges.notes
    assert key.startswith("repeat_missing:")
    qtbot.keyClicks(people.nudges.notes[key], "discussed in supervision")
    button = people.nudges.findChildren(type(people.edit_button))[0]
    with qtbot.waitSignal(shell.records.changed):
        button.click()
    assert people.nudges.notes == {}
    assert not people.nudges.isVisibleTo(people)
    assert shell.records.nudges(tam) == []


def test_an_injury_without_action_stays_at_the_top_and_opens_its_contact(
    qtbot, make_shell, make_vault
) -> None:
    now = datetime.now(UTC)
    shell, tam = _shell_with(
        qtbot,
        make_shell,
        make_vault,
        YoungPerson("Tam", estimated_age=14),
        Contact(
            started_at=now - timedelta(days=3),
            observations=(Observation(InjuryDetails(explanation_in_own_words="fell")),),
        ),
    )
    workspace = shell.window.workspace
    workspace.new_contact(tam)
    panel = workspace.editor.keep_asking
    (button,) = panel.injury_buttons
    button.click()
    amending = workspace.editor
    assert amending._amends
    assert amending.observation_forms[0].kind == ObservationKind.INJURY
