"""Links appear by themselves: "Also seen with", the Links page, the graph."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt

from outreach.records.model import (
    Contact,
    Observation,
    ObservationKind,
    VehicleDetails,
    YoungPerson,
)
from outreach.records.store import RecordStore
from tests.conftest import PASSPHRASE
from tests.ui.conftest import file_contact, unlock


def _vault_with(make_vault, plates_by_person: dict[str, list[str]]) -> dict[str, str]:
    opened = make_vault().create(PASSPHRASE)
    store = RecordStore(opened.db)
    ids = {}
    start = datetime.now(UTC) - timedelta(days=10)
    for n, (name, plates) in enumerate(plates_by_person.items()):
        ids[name] = store.add_person(YoungPerson(name, estimated_age=14)).id
        for m, plate in enumerate(plates):
            store.seal(
                Contact(
                    started_at=start + timedelta(hours=n * 10 + m),
                    people=(ids[name],),
                    observations=(Observation(VehicleDetails(registration=plate)),),
                )
            )
    opened.close()
    return ids


def test_also_seen_with_appears_when_a_second_young_person_is_seen_near_the_same_car(
    qtbot, make_shell, make_vault
) -> None:
    ids = _vault_with(make_vault, {"Zib": ["AB12 CDE"], "Tov": []})
    shell = make_shell()
    unlock(qtbot, shell)
    workspace = shell.window.workspace
    workspace.new_contact(ids["Tov"])
    editor = workspace.editor
    form = editor.add_observation(ObservationKind.VEHICLE)
    qtbot.keyClicks(form.inputs["registration"].input, "ab-12-cde")  # written differently
    file_contact(qtbot, editor)

    shown = workspace.contacts.view.browser.toPlainText()
    assert "Also seen with" in shown
    assert "Vehicle AB12 CDE (same): Zib · about 14, 1 times" in shown
    workspace.people.select(ids["Zib"])
    assert workspace.people.views.tabText(1) == "Also seen with (1)"
    assert "Tov · about 14" in workspace.people.also_seen.toPlainText()


def test_a_misread_registration_can_be_confirmed_or_rejected_on_the_links_page(
    qtbot, make_shell, make_vault
) -> None:
    ids = _vault_with(make_vault, {"Zib": ["AB12 CDE"], "Tov": ["A812 CDE"], "Kes": ["AB12CDE"]})
    shell = make_shell()
    unlock(qtbot, shell)
    shell.window.actions_by_name["connections"].trigger()
    page = shell.window.workspace.connections
    assert shell.window.workspace.tabs.currentWidget() is page
    top = page.model.row(0)
    assert (top.entity.key, top.young_people, top.possible) == ("AB12CDE", 2, 1)
    page.table.selectRow(0)
    assert page.matches.count() == 1
    assert "possibly the same" in page.matches.item(0).text()
    assert "Zib · about 14" in page.detail.toPlainText()

    page.not_same_button.click()
    assert "not the same" in page.matches.item(0).text()
    people = shell.window.workspace.people
    people.select(ids["Tov"])
    assert people.views.tabText(1) == "Also seen with (0)"  # the rejection is respected

    page.table.selectRow(0)
    page.same_button.click()
    people.select(ids["Tov"])
    assert "confirmed as the same" in people.also_seen.toPlainText()


def test_the_graph_shows_young_people_and_what_links_them_and_opens_them(
    qtbot, make_shell, make_vault
) -> None:
    ids = _vault_with(make_vault, {"Zib": ["AB12 CDE"], "Tov": ["AB12 CDE"], "Kes": ["XY70 ZZZ"]})
    shell = make_shell()
    unlock(qtbot, shell)
    shell.window.actions_by_name["connections"].trigger()
    page = shell.window.workspace.connections
    page.views.setCurrentIndex(1)
    graph = page.graph
    assert set(graph.nodes) == {("person", ids["Zib"]), ("person", ids["Tov"]), ("entity", "1")}
    assert "Young people: 2" in graph.accessibleDescription()
    page.min_people.setValue(1)
    assert ("person", ids["Kes"]) in graph.nodes

    node = graph.nodes[("person", ids["Tov"])]
    point = graph.mapFromScene(node.sceneBoundingRect().center())
    with qtbot.waitSignal(page.personRequested) as opened:
        assert graph.activate_at(point)
    assert opened.args == [ids["Tov"]]
    assert shell.window.workspace.people.current_person == ids["Tov"]

    qtbot.keyClick(graph, Qt.Key.Key_Plus)
    assert graph.transform().m11() > 0
