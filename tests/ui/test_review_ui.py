"""A team lead's review in the window, against a real hub on loopback with two enrolled
workers' laptops: the worrying case first, the link between the two workers' cases, a
"needs more" that reaches the worker's keep-asking list, and nothing for another team."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt

from outreach.config.paths import AppPaths
from outreach.config.policy import Policy
from outreach.records.keep_asking import KeepAsking
from outreach.records.model import Contact, Observation, VehicleDetails, YoungPerson
from outreach.records.store import RecordStore
from outreach.sync import enrolment
from outreach.sync.approval import Approvals
from outreach.sync.client import HubClient
from outreach.sync.engine import Stop, SyncEngine
from outreach.sync.team import QueueFilter, TeamStore
from outreach.vault.device import DeviceSecretStore
from outreach.vault.vault import OpenVault, Vault
from tests.conftest import CHEAP_KDF, PASSPHRASE
from tests.support.hubproc import HubProcess, summary
from tests.ui.conftest import unlock

SYNC_MS = 30_000
PLATE = "AB12 CDE"


def _worker_laptop(tmp_path, hub: HubProcess, user: str, name: str, ref: str, worry: int):
    """A worker's vault with one contact near the shared car, approved and synced."""
    vault = Vault(AppPaths.in_folder(tmp_path / user), Policy(), DeviceSecretStore(None),
                  kdf=CHEAP_KDF)  # fmt: skip
    opened = vault.create(PASSPHRASE)
    store = RecordStore(opened.db)
    person = store.add_person(YoungPerson(name, agency_ref=ref, estimated_age=14))
    sealed = store.seal(
        Contact(
            started_at=datetime.now(UTC) - timedelta(hours=worry),
            people=(person.id,),
            worry=worry,
            instinct=f"instinct of {user}",
            observations=(Observation(VehicleDetails(registration=PLATE, colour="silver")),),
        )
    )
    approvals = Approvals(store)
    approvals.approve(approvals.preview(sealed.uid, account=f"Seen near the car ({user})"))
    code, _ = hub.admin.enrolment_code(user)
    found = enrolment.enrol(opened.db, hub.url, code)
    _sync(opened, found)
    return opened, sealed.uid, person.id


def _enrol_lead(make_vault, hub: HubProcess, team) -> None:
    """The lead's own laptop: a vault enrolled as the team's lead, closed again."""
    lead_vault = make_vault().create(PASSPHRASE)
    code, _ = hub.admin.enrolment_code(f"{team.name}-lead")
    enrolment.enrol(lead_vault.db, hub.url, code)
    lead_vault.close()


def _sync(opened: OpenVault, found: enrolment.Enrolment) -> None:
    with HubClient(found.address, credential=found.credential) as client:
        assert SyncEngine(opened.db, client).run().stop is Stop.NONE


def test_the_lead_sees_the_worst_first_the_link_and_asks_for_more(
    qtbot, tmp_path, make_shell, make_vault, sync_hub
) -> None:
    team = sync_hub.team(workers=2)
    calm, _calm_uid, _ = _worker_laptop(
        tmp_path, sync_hub, f"{team.name}-w0", "Ash", "REF-1", worry=3
    )
    worried, worried_uid, worried_person = _worker_laptop(
        tmp_path, sync_hub, f"{team.name}-w1", "Bea", "REF-2", worry=9
    )

    # The lead's own laptop: the app, enrolled as the team's lead.
    _enrol_lead(make_vault, sync_hub, team)
    shell = make_shell()
    unlock(qtbot, shell)  # unlocking starts a sync, which pulls the team's summaries
    review = shell.window.workspace.review
    tabs = shell.window.workspace.tabs
    qtbot.waitUntil(lambda: review.model.rowCount() == 2, timeout=SYNC_MS)
    assert tabs.isTabVisible(tabs.indexOf(review))
    shell.window.actions_by_name["review"].trigger()  # Ctrl+6
    assert tabs.currentWidget() is review
    assert "(" not in tabs.tabText(tabs.indexOf(review))  # nothing overdue yet

    # The most worrying first.
    first = review.model.item(0)
    assert first.summary_id == worried_uid
    assert first.worry == 9
    assert review.model.item(1).worry == 3

    # The same car, two workers, two young people: the point of team-wide links.
    review.table.selectRow(0)
    shown = review.detail.toPlainText()
    assert "Seen elsewhere in the team" in shown
    assert "REF-1" in shown
    assert "REF-2" in shown
    assert "Seen near the car" in shown

    # Needs more, with a question: recorded once, sent by the sync.
    review.form.buttons["needs_more"].setChecked(True)
    qtbot.keyClicks(review.form.questions, "Who drives the silver car?")
    qtbot.keyClicks(review.form.comment, "Please find out more about the driver.")
    qtbot.keyClick(review.form.questions, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    db = shell.session.open_vault.db
    assert len(TeamStore(db).review_items(worried_uid)) == 1
    qtbot.waitUntil(
        lambda: TeamStore(db).review_items(worried_uid)[0].response is not None, timeout=SYNC_MS
    )
    assert TeamStore(db).queue(QueueFilter())[0].summary_id != worried_uid  # reviewed now

    # The worker's laptop receives the question into that young person's keep asking.
    _sync(worried, enrolment.current(worried.db))
    asked = [q.text for q in KeepAsking(worried.db).open_questions([worried_person])]
    assert "Who drives the silver car?" in asked
    calm.close()
    worried.close()

    # A lead of another team sees none of it.
    other = sync_hub.team(workers=1)
    stranger = Vault(AppPaths.in_folder(tmp_path / "stranger"), Policy(),
                     DeviceSecretStore(None), kdf=CHEAP_KDF).create(PASSPHRASE)  # fmt: skip
    code, _ = sync_hub.admin.enrolment_code(f"{other.name}-lead")
    _sync(stranger, enrolment.enrol(stranger.db, sync_hub.url, code))
    assert TeamStore(stranger.db).queue(QueueFilter(state="all")) == []
    stranger.close()


def test_the_dashboard_draws_the_team(qtbot, tmp_path, make_shell, make_vault, sync_hub) -> None:
    team = sync_hub.team(workers=2)
    for n, worry in enumerate((4, 8)):
        opened, _uid, _ = _worker_laptop(
            tmp_path, sync_hub, f"{team.name}-w{n}", f"P{n}", f"REF-D{n}", worry=worry
        )
        opened.close()
    _enrol_lead(make_vault, sync_hub, team)
    shell = make_shell()
    unlock(qtbot, shell)
    review = shell.window.workspace.review
    qtbot.waitUntil(lambda: review.model.rowCount() == 2, timeout=SYNC_MS)
    shell.window.actions_by_name["dashboard"].trigger()  # Ctrl+7
    dashboard = shell.window.workspace.dashboard
    assert shell.window.workspace.tabs.currentWidget() is dashboard
    contacts, _missing, _places, shared, worry, _language = dashboard.panels
    this_week = contacts.table.rowCount() - 1
    assert contacts.table.item(this_week, 1).text() == "1"
    assert contacts.table.item(this_week, 2).text() == "1"
    assert shared.table.rowCount() >= 1
    assert PLATE.replace(" ", "") in shared.table.item(0, 0).text().replace(" ", "")
    assert worry.table.item(worry.table.rowCount() - 1, 1).text() == "6.0"


def test_high_concern_waiting_too_long_is_flagged_and_counted(
    qtbot, tmp_path, make_shell, make_vault, sync_hub
) -> None:
    team = sync_hub.team(workers=2)
    for n, worry in enumerate((2, 9)):
        opened, _uid, _ = _worker_laptop(
            tmp_path, sync_hub, f"{team.name}-w{n}", f"P{n}", f"REF-O{n}", worry=worry
        )
        opened.close()
    _enrol_lead(make_vault, sync_hub, team)
    # The lead opens the app three hours later; policy wants high concern seen within two.
    later = datetime.now(UTC) + timedelta(hours=3)
    shell = make_shell(Policy(review_within_hours=2), now=lambda: later)
    unlock(qtbot, shell)
    review = shell.window.workspace.review
    qtbot.waitUntil(lambda: review.model.rowCount() == 2, timeout=SYNC_MS)
    tabs = shell.window.workspace.tabs
    assert tabs.tabText(tabs.indexOf(review)) == "Re&view (1 overdue)"
    assert review.model.item(0).overdue
    assert review.model.data(review.model.index(0, 0)) == "⚑"
    assert not review.model.item(1).overdue  # worry 2: not high concern
    assert "1 high-concern summaries have waited more than 2 hours" in review.overdue.text()


def test_a_possible_link_reads_as_possibly_the_same_on_the_summary_naming_either_place(
    qtbot, make_shell, make_vault, sync_hub
) -> None:
    """The hub's possible link of a place with its area and the same name without one:
    worded as the Links page words a possible match, on the summary that names only the
    place without an area too (the link is kept under the key with the area)."""
    team = sync_hub.team(workers=2)
    place = {"kind": "place", "text": "Costa Coffee", "extra": "High Street"}
    with_area = summary(young_people=[{"ref": "REF-P1"}], worry=3, mentions=[place])
    without = summary(
        young_people=[{"ref": "REF-P2"}],
        worry=9,
        mentions=[{"kind": "place", "text": "Costa Coffee"}],
    )
    assert team.devices["w0"].submit(with_area).status_code == 201
    assert team.devices["w1"].submit(without).status_code == 201
    _enrol_lead(make_vault, sync_hub, team)
    shell = make_shell()
    unlock(qtbot, shell)
    review = shell.window.workspace.review
    qtbot.waitUntil(lambda: review.model.rowCount() == 2, timeout=SYNC_MS)
    shell.window.actions_by_name["review"].trigger()
    assert review.model.item(0).summary_id == without["id"]  # worry 9 first

    for row in (0, 1):  # the summary without the area, then the one with it
        review.table.selectRow(row)
        shown = review.detail.toPlainText()
        assert "Seen elsewhere in the team" in shown
        assert "Costa Coffee, High Street ~ Costa Coffee (possibly the same)" in shown
        assert "REF-P1, REF-P2" in shown


def test_the_dashboard_says_which_shared_links_are_possibly_the_same() -> None:
    from outreach.sync.dashboard import DashboardFigures, Reach
    from outreach.ui.review_page import charts_for

    at = datetime(2026, 11, 20, tzinfo=UTC)
    shared = (
        Reach("vehicle", "AB12C0E", "AB12 C0E", 2, 2, 2, at),
        Reach("vehicle", "AB12C0E", "AB12 C0E", 2, 2, 3, at, "possible", "AB12 COE"),
    )
    found = DashboardFigures((), (), (), (), (), (), (), shared)
    chart = charts_for(found)[3]
    assert chart.categories == (
        "Vehicle AB12 C0E",
        "Vehicle AB12 C0E ~ AB12 COE (possibly the same)",
    )
