"""Choosing a young person reads their record once, and names the others seen in one go."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt

from outreach.records.model import Contact, Observation, VehicleDetails, YoungPerson
from outreach.records.store import RecordStore
from tests.conftest import PASSPHRASE
from tests.ui.conftest import unlock

# Read when a young person is shown: each once per choice.
READS = (
    "timeline_page",
    "nudges",
    "indicator_history",
    "open_questions",
    "worry_series",
    "connections_for_person",
    "people_by_id",
)


@pytest.fixture
def shell_and_ids(qtbot, make_shell, make_vault):
    """Tam, Zib and Ash seen around the same car; Tam's "Also seen with" names two."""
    opened = make_vault().create(PASSPHRASE)
    store = RecordStore(opened.db)
    ids = {n: store.add_person(YoungPerson(n, estimated_age=14)).id for n in ("Tam", "Zib", "Ash")}
    start = datetime.now(UTC) - timedelta(days=10)
    for n, person in enumerate(ids.values()):
        for m in range(2):
            store.seal(
                Contact(
                    started_at=start + timedelta(hours=n * 10 + m),
                    people=(person,),
                    observations=(Observation(VehicleDetails(registration="AB12 CDE")),),
                )
            )
    opened.close()
    shell = make_shell()
    unlock(qtbot, shell)
    workspace = shell.window.workspace
    workspace.tabs.setCurrentWidget(workspace.people)
    return shell, ids


def _count_calls(records, monkeypatch) -> Counter[str]:
    calls: Counter[str] = Counter()
    for name in (*READS, "person"):
        real = getattr(records, name)

        def counted(*args, _name=name, _real=real, **kwargs):
            calls[_name] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(records, name, counted)
    return calls


def test_choosing_a_person_reads_their_record_once(shell_and_ids, monkeypatch) -> None:
    shell, ids = shell_and_ids
    people = shell.window.workspace.people
    calls = _count_calls(shell.records, monkeypatch)

    people.select(ids["Tam"])

    assert people.current_person == ids["Tam"]
    assert people.list.currentIndex().data() == "Tam · about 14"
    assert {name: calls[name] for name in READS} == dict.fromkeys(READS, 1)
    # Those seen around the car are named from the one people_by_id, not a read each.
    assert calls["person"] <= 1
    shown = people.also_seen.toPlainText()
    assert "Zib · about 14, 2 times" in shown
    assert "Ash · about 14, 2 times" in shown


def test_moving_down_the_list_reads_each_person_once(qtbot, shell_and_ids, monkeypatch) -> None:
    shell, ids = shell_and_ids
    people = shell.window.workspace.people
    people.select(ids["Ash"])  # first in the list: sorted by name
    calls = _count_calls(shell.records, monkeypatch)

    people.list.setFocus()
    qtbot.keyClick(people.list, Qt.Key.Key_Down)

    assert people.current_person == ids["Tam"]
    assert {name: calls[name] for name in READS} == dict.fromkeys(READS, 1)
    assert calls["person"] <= 1


def test_a_refresh_after_filing_reads_the_chosen_person_once(shell_and_ids, monkeypatch) -> None:
    shell, ids = shell_and_ids
    people = shell.window.workspace.people
    people.select(ids["Zib"])
    calls = _count_calls(shell.records, monkeypatch)

    shell.records.changed.emit()  # as after filing, amending or editing a record

    assert people.current_person == ids["Zib"]
    assert {name: calls[name] for name in READS} == dict.fromkeys(READS, 1)


def test_a_person_filtered_out_of_the_list_is_still_shown(shell_and_ids, monkeypatch) -> None:
    shell, ids = shell_and_ids
    people = shell.window.workspace.people
    people.filter.setText("Ash")
    calls = _count_calls(shell.records, monkeypatch)

    people.select(ids["Tam"])  # as when opened from search or the links page

    assert people.current_person == ids["Tam"]
    assert people.name.text() == "Tam"
    assert calls["connections_for_person"] == 1
