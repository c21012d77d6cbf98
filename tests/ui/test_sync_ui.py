"""Sync in the window, against a real hub on loopback: enrolling, approving exactly what is
shown, the status line, a large sync with the window responding, reviews, wipe, the gate."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import QTimer

from outreach.config.policy import Policy
from outreach.contract.summary import Submission
from outreach.records import caseload
from outreach.records.keep_asking import KeepAsking
from outreach.records.model import Contact, Quote, YoungPerson
from outreach.records.store import RecordStore
from outreach.sync import enrolment
from outreach.sync.approval import Approvals
from outreach.sync.outbox import ItemState, Outbox
from tests.conftest import PASSPHRASE
from tests.support.hubproc import HubProcess, Team
from tests.support.postgres import free_port
from tests.ui.conftest import unlock

NARRATIVE = "canary-narrative-5521 walked with her to the bus station"
WORDS = "canary-words-8841 he said he'd look after me"
SYNC_MS = 30_000


def _vault_with_contact(make_vault, policy: Policy | None = None, narrative: str = "") -> str:
    opened = make_vault(policy).create(PASSPHRASE)
    store = RecordStore(opened.db)
    person = store.add_person(YoungPerson("Demi", agency_ref="REF-7731", estimated_age=14))
    sealed = store.seal(
        Contact(
            started_at=datetime.now(UTC) - timedelta(hours=3),
            people=(person.id,),
            narrative=narrative or NARRATIVE,
            quotes=(Quote(WORDS),),
            worry=7,
            instinct="Something is not right about the lifts home.",
        )
    )
    opened.close()
    return sealed.uid


def _vault_with_contact_in_open(make_vault) -> str:
    """A contact filed into the vault that is already there."""
    opened = make_vault().unlock(PASSPHRASE)
    store = RecordStore(opened.db)
    person = store.add_person(YoungPerson("Demi", agency_ref="REF-7731", estimated_age=14))
    sealed = store.seal(
        Contact(started_at=datetime.now(UTC) - timedelta(hours=3), people=(person.id,), worry=7)
    )
    opened.close()
    return sealed.uid


def _enrol_in_window(qtbot, shell, hub: HubProcess) -> Team:
    team = hub.team(workers=1)
    dialog = shell.window.open_enrolment()
    code, _ = hub.admin.enrolment_code(f"{team.name}-w0")
    qtbot.keyClicks(dialog.address, hub.url)
    qtbot.keyClicks(dialog.code, code)
    with qtbot.waitSignal(shell.sync.enrolled, timeout=SYNC_MS):
        dialog.connect_button.click()
    return team


def _acknowledged(shell) -> int:
    return Outbox(shell.session.open_vault.db).counts().acknowledged


def test_the_worker_approves_exactly_what_is_shown_and_it_arrives(
    qtbot, make_shell, make_vault, sync_hub
) -> None:
    uid = _vault_with_contact(make_vault)
    shell = make_shell()
    unlock(qtbot, shell)
    assert "Not connected" in shell.window.sync_status.label.text()
    team = _enrol_in_window(qtbot, shell, sync_hub)

    dialog = shell.window.workspace.send_summary(uid)
    # Narrative and their own words stay on the laptop unless ticked.
    assert NARRATIVE not in dialog.exact.toPlainText()
    assert "canary-words-8841" not in dialog.preview.toPlainText()
    assert "REF-7731" in dialog.preview.toPlainText()
    assert "Demi" not in dialog.exact.toPlainText()  # references, not names
    qtbot.keyClicks(dialog.account, "Seen with older males again; lifts home offered.")
    dialog.choices["quote:0"].setChecked(True)
    shown = json.loads(dialog.exact.toPlainText())
    assert shown["included"] == [{"kind": "their_words", "text": WORDS}]
    assert shown["account"] == "Seen with older males again; lifts home offered."

    dialog.approve()
    item = Outbox(shell.session.open_vault.db).items_for(uid)[0]
    queued = Submission.model_validate_json(item.body).summary.model_dump(mode="json")
    assert queued == shown  # the bytes queued are the summary the worker saw
    qtbot.waitUntil(lambda: _acknowledged(shell) == 1, timeout=SYNC_MS)
    on_hub = team.devices["lead"].get("/v1/summaries").json()["items"]
    assert [i["summary"] for i in on_hub] == [shown]
    qtbot.waitUntil(lambda: not shell.sync.running, timeout=SYNC_MS)
    shell.sync.statusChanged.emit()
    text = shell.window.sync_status.label.text()
    assert "0 waiting to send" in text
    assert "Last sync" in text
    view = shell.window.workspace.contacts.view
    shell.window.workspace.open_contact(uid)
    assert "received by the hub" in view.browser.toPlainText()


def test_what_was_typed_for_a_summary_survives_a_lock(qtbot, make_shell, make_vault) -> None:
    uid = _vault_with_contact(make_vault)
    shell = make_shell()
    unlock(qtbot, shell)
    dialog = shell.window.workspace.send_summary(uid)
    qtbot.keyClicks(dialog.account, "Half a thought about the car")
    with qtbot.waitSignal(shell.session.locked, timeout=2_000):
        shell.window.actions_by_name["lock"].trigger()
    assert dialog.isHidden() or not dialog.isVisible()
    unlock(qtbot, shell)
    again = shell.window.workspace.send_summary(uid)
    assert again.account.toPlainText() == "Half a thought about the car"


def test_policy_never_lets_written_detail_leave(qtbot, make_shell, make_vault) -> None:
    policy = Policy(narrative_sharing="never")
    uid = _vault_with_contact(make_vault, policy)
    shell = make_shell(policy)
    unlock(qtbot, shell)
    dialog = shell.window.workspace.send_summary(uid)
    assert dialog.choices
    assert not any(box.isEnabled() for box in dialog.choices.values())
    assert json.loads(dialog.exact.toPlainText())["included"] == []


def test_policy_always_sends_a_long_narrative_shortened_and_says_so(
    qtbot, make_shell, make_vault
) -> None:
    """Policy sends every piece: one longer than a summary carries must not stop the
    summary from being approved. It goes shortened, and the screen shows that it does."""
    policy = Policy(narrative_sharing="always")
    uid = _vault_with_contact(make_vault, policy, narrative="The car again. " * 400)
    shell = make_shell(policy)
    unlock(qtbot, shell)
    dialog = shell.window.workspace.send_summary(uid)
    box = dialog.choices["narrative"]
    assert box.isChecked()
    assert not box.isEnabled()
    assert "(shortened to fit)" in box.text()
    sent = json.loads(dialog.exact.toPlainText())["included"]
    narrative = next(item["text"] for item in sent if item["text"].startswith("The car"))
    assert len(narrative) == 4000
    assert narrative.endswith("…")
    dialog.approve()
    assert Outbox(shell.session.open_vault.db).counts().waiting == 1


def test_a_laptop_enrolled_with_another_hub_than_policy_names_sends_nothing(
    qtbot, make_shell, make_vault, sync_hub
) -> None:
    """Enrolled with a test hub before IT's policy named the agency's, or the hub moved:
    nothing goes to the old one, and the status line says to connect again."""
    opened = make_vault().create(PASSPHRASE)
    team = sync_hub.team(workers=1)
    code, _ = sync_hub.admin.enrolment_code(f"{team.name}-w0")
    enrolment.enrol(opened.db, sync_hub.url, code)
    opened.close()
    uid = _vault_with_contact_in_open(make_vault)
    shell = make_shell(Policy(hub_address="https://hub.agency.example"))
    unlock(qtbot, shell)  # unlocking starts a sync
    shell.window.workspace.send_summary(uid).approve()
    qtbot.waitUntil(lambda: "another hub" in shell.window.sync_status.label.text(), timeout=SYNC_MS)
    assert team.worker.get("/v1/summaries").json()["items"] == []
    assert Outbox(shell.session.open_vault.db).counts().waiting == 1


def test_a_thousand_summaries_sync_while_the_window_keeps_responding(
    qtbot, make_shell, make_vault, sync_hub
) -> None:
    opened = make_vault().create(PASSPHRASE)
    store = RecordStore(opened.db)
    load = caseload.generate(people=20, contacts=1000, observations_per_contact=1.0, seed=7)
    store.import_records(load.people, load.contacts)
    approvals = Approvals(store)
    uids = [u for (u,) in opened.db.query("SELECT uid FROM contacts WHERE is_current = 1")]
    for uid in uids:
        approvals.approve(approvals.preview(uid))
    team = sync_hub.team(workers=1)
    code, _ = sync_hub.admin.enrolment_code(f"{team.name}-w0")
    enrolment.enrol(opened.db, sync_hub.url, code)
    opened.close()

    shell = make_shell()
    ticks: list[int] = []
    progress: list[tuple[int, int]] = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(len(progress)))
    shell.sync.progress.connect(lambda done, total: progress.append((done, total)))
    timer.start()
    unlock(qtbot, shell)  # unlocking starts a sync
    qtbot.waitUntil(lambda: _acknowledged(shell) == 1000, timeout=120_000)
    # The vault has them all once the last batch commits; its progress report reaches the
    # window after that, and before the run's end does (both queued from the same thread).
    qtbot.waitUntil(lambda: not shell.sync.running, timeout=SYNC_MS)
    timer.stop()
    assert progress[-1] == (1000, 1000)
    assert [d for d, _ in progress] == sorted(d for d, _ in progress)
    # The main thread kept turning while the sync ran: timer ticks fell between progress
    # reports, many times over.
    assert len({t for t in ticks if 0 < t < len(progress)}) >= 5


def test_a_lead_asking_for_more_reaches_the_contact_and_the_keep_asking_list(
    qtbot, make_shell, make_vault, sync_hub
) -> None:
    uid = _vault_with_contact(make_vault)
    shell = make_shell()
    unlock(qtbot, shell)
    team = _enrol_in_window(qtbot, shell, sync_hub)
    dialog = shell.window.workspace.send_summary(uid)
    dialog.approve()
    qtbot.waitUntil(lambda: _acknowledged(shell) == 1, timeout=SYNC_MS)
    answer = team.devices["lead"].post(
        f"/v1/summaries/{uid}/reviews",
        {"outcome": "needs_more", "questions": ["Who drives the silver car?"]},
    )
    assert answer.status_code == 201, answer.text
    arrived: list[int] = []
    shell.sync.reviewsArrived.connect(arrived.append)
    shell.window.actions_by_name["sync_now"].trigger()  # F5
    qtbot.waitUntil(lambda: arrived == [1], timeout=SYNC_MS)
    shell.window.workspace.open_contact(uid)
    shown = shell.window.workspace.contacts.view.browser.toPlainText()
    assert "Reviewed: needs more" in shown
    assert "Who drives the silver car?" in shown
    store = RecordStore(shell.session.open_vault.db)
    person_id = store.contact(uid).contact.people[0]
    asked = [q.text for q in KeepAsking(store.db).open_questions([person_id])]
    assert "Who drives the silver car?" in asked


def test_an_unreachable_hub_is_said_in_words_with_the_next_try(
    qtbot, make_shell, make_vault, sync_hub
) -> None:
    uid = _vault_with_contact(make_vault)
    opened = make_vault().unlock(PASSPHRASE)
    team = sync_hub.team(workers=1)
    code, _ = sync_hub.admin.enrolment_code(f"{team.name}-w0")
    enrolment.enrol(opened.db, sync_hub.url, code)
    with opened.db.transaction():
        opened.db.execute(
            "UPDATE hub_enrolment SET address = ?", (f"http://127.0.0.1:{free_port()}",)
        )
    approvals = Approvals(RecordStore(opened.db))
    approvals.approve(approvals.preview(uid))
    opened.close()
    shell = make_shell()
    with qtbot.waitSignal(
        shell.sync.runningChanged, timeout=SYNC_MS, check_params_cb=lambda r: not r
    ):
        unlock(qtbot, shell)
    text = shell.window.sync_status.label.text()
    assert "1 waiting to send" in text
    assert "Can't reach the hub" in text
    assert "Next try at" in text
    item = Outbox(shell.session.open_vault.db).items_for(uid)[0]
    assert item.state is ItemState.FAILED
    assert item.next_try_at is not None


def test_a_revoked_laptop_is_erased_and_told_why(qtbot, make_shell, make_vault, sync_hub) -> None:
    _vault_with_contact(make_vault)
    shell = make_shell()
    unlock(qtbot, shell)
    _enrol_in_window(qtbot, shell, sync_hub)
    qtbot.waitUntil(lambda: not shell.sync.running, timeout=SYNC_MS)
    sync_hub.admin.revoke(shell.sync.enrolment().device_id)
    paths = shell.session.vault.paths
    with qtbot.waitSignal(shell.session.locked, timeout=SYNC_MS):
        shell.window.actions_by_name["sync_now"].trigger()
    assert shell.session.state.value == "wiped"
    assert shell.window.pages.currentWidget() is shell.window.notice_page
    assert "withdrew this laptop" in shell.window.notice_page.message.text()
    assert not paths.vault_file.exists()


@pytest.mark.parametrize("days_away", [3])
def test_too_long_away_from_the_hub_opens_only_to_sync(
    qtbot, make_shell, make_vault, sync_hub, days_away
) -> None:
    policy = Policy(must_sync_every_days=1)
    _vault_with_contact(make_vault, policy)
    opened = make_vault(policy).unlock(PASSPHRASE)
    team = sync_hub.team(workers=1)
    code, _ = sync_hub.admin.enrolment_code(f"{team.name}-w0")
    enrolment.enrol(opened.db, sync_hub.url, code)
    old = (datetime.now(UTC) - timedelta(days=days_away)).isoformat()
    with opened.db.transaction():
        opened.db.execute("UPDATE hub_enrolment SET enrolled_at = ?", (old,))
        opened.db.execute(
            "INSERT INTO meta (key, value) VALUES ('sync.last_success_at', ?)", (old,)
        )
    opened.close()
    shell = make_shell(policy)
    unlock(qtbot, shell)
    assert shell.window.pages.currentWidget() is shell.window.gate_page
    assert not shell.window.actions_by_name["new_contact"].isEnabled()
    qtbot.waitUntil(
        lambda: shell.window.pages.currentWidget() is shell.window.workspace, timeout=SYNC_MS
    )
    assert shell.window.actions_by_name["new_contact"].isEnabled()
