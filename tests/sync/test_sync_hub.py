"""The app's sync against a real hub on loopback: arrival, offline, refusals, wipe, reviews."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlalchemy import update

from outreach.hub.admin import secret_hash
from outreach.hub.tables import devices
from outreach.records.keep_asking import KeepAsking
from outreach.sync import enrolment
from outreach.sync.approval import Approvals
from outreach.sync.engine import Stop, status
from outreach.sync.enrolment import enrol
from outreach.sync.outbox import ItemState, Outbox
from tests.support.hubproc import HubProcess
from tests.support.postgres import free_port
from tests.sync.conftest import Worker


def hub_summaries(hub: HubProcess, worker: Worker) -> list[tuple[str, int]]:
    """(id, version) of every summary the hub stored for this worker's team, from the lead."""
    lead = worker.team.devices["lead"]
    found = []
    cursor = None
    while True:
        params = {"limit": 200, **({"cursor": cursor} if cursor else {})}
        page = lead.get("/v1/summaries", params=params).json()
        found += [(i["summary"]["id"], i["summary"]["version"]) for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            return found


def test_approved_summaries_arrive_once(
    make_worker: Callable[..., Worker], sync_hub: HubProcess
) -> None:
    worker = make_worker()
    items = worker.approve(5)
    report = worker.sync()
    assert report.stop is Stop.NONE
    assert report.acknowledged == 5
    states = {i.state for i in Outbox(worker.opened.db).items(list(ItemState))}
    assert states == {ItemState.ACKNOWLEDGED}
    assert sorted(hub_summaries(sync_hub, worker)) == sorted((i.contact_uid, 1) for i in items)
    again = worker.sync()
    assert again.acknowledged == 0
    assert len(hub_summaries(sync_hub, worker)) == 5
    assert status(worker.opened.db).last_success_at is not None


# --- refusals that stop the run ---------------------------------------------------------


def change_credential(hub: HubProcess, worker: Worker) -> None:
    """The hub no longer knows this laptop's credential (as after IT re-issued it)."""
    with hub.engine.begin() as conn:
        conn.execute(
            update(devices)
            .where(devices.c.id == worker.enrolment.device_id)
            .values(secret_hash=secret_hash("not the laptop's secret"))
        )


def enrol_again(hub: HubProcess, worker: Worker) -> None:
    code, _ = hub.admin.enrolment_code(f"{worker.team.name}-w0")
    worker.enrolment = enrol(worker.opened.db, hub.url, code)


@pytest.mark.parametrize("waiting", [4, 0], ids=["items-waiting", "nothing-to-send"])
def test_a_credential_the_hub_no_longer_knows_blocks_sync_until_enrolled_again(
    make_worker: Callable[..., Worker], sync_hub: HubProcess, waiting: int
) -> None:
    worker = make_worker()
    items = worker.approve(waiting)
    change_credential(sync_hub, worker)

    report = worker.sync()
    assert (report.stop, report.acknowledged) == (Stop.AUTH, 0)
    assert enrolment.blocked(worker.opened.db) == "auth"
    assert status(worker.opened.db).problem == "auth"
    assert status(worker.opened.db).waiting == waiting
    # Blocked: the next run does not try (the hub would only refuse again).
    assert worker.sync().stop is Stop.AUTH
    outbox = Outbox(worker.opened.db)
    assert [(i.idempotency_key, i.body) for i in outbox.items(list(ItemState))] == [
        (i.idempotency_key, i.body) for i in items
    ]
    assert hub_summaries(sync_hub, worker) == []

    enrol_again(sync_hub, worker)
    assert enrolment.blocked(worker.opened.db) == ""
    report = worker.sync()
    assert (report.stop, report.acknowledged) == (Stop.NONE, waiting)
    assert sorted(hub_summaries(sync_hub, worker)) == sorted((i.contact_uid, 1) for i in items)
    assert status(worker.opened.db).problem == ""


def test_an_unreachable_hub_keeps_every_item_for_later(
    make_worker: Callable[..., Worker], sync_hub: HubProcess
) -> None:
    worker = make_worker()
    items = worker.approve(3)
    report = worker.sync(f"http://127.0.0.1:{free_port()}")
    assert (report.stop, report.failed, report.acknowledged) == (Stop.OFFLINE, 3, 0)
    assert report.next_try_at is not None
    assert status(worker.opened.db).problem == "offline"
    outbox = Outbox(worker.opened.db)
    assert {i.state for i in outbox.items(list(ItemState))} == {ItemState.FAILED}
    outbox.retry_now()
    report = worker.sync()
    assert (report.stop, report.acknowledged) == (Stop.NONE, 3)
    assert sorted(hub_summaries(sync_hub, worker)) == sorted((i.contact_uid, 1) for i in items)


def test_an_amended_contact_goes_as_version_2_and_supersedes(
    make_worker: Callable[..., Worker], sync_hub: HubProcess
) -> None:
    worker = make_worker()
    (first,) = worker.approve(1)
    assert worker.sync().acknowledged == 1
    approvals = Approvals(worker.store)
    second = approvals.approve(approvals.preview(first.contact_uid, account="More."))
    assert (second.summary_version, second.supersedes) == (2, first.id)
    assert worker.sync().acknowledged == 1
    assert sorted(hub_summaries(sync_hub, worker)) == [(first.contact_uid, 2)]
    receipt = Outbox(worker.opened.db).item(second.id).receipt
    assert receipt is not None
    assert receipt.replaces == 1


# --- reviews from the team lead ---------------------------------------------------------


def review(worker: Worker, uid: str, body: dict[str, object]) -> int:
    answer = worker.team.devices["lead"].post(f"/v1/summaries/{uid}/reviews", body)
    assert answer.status_code in (200, 201), answer.text
    return int(answer.json()["id"])


def people_of(worker: Worker, uid: str) -> tuple[str, ...]:
    return worker.store.contact(uid).contact.people


def test_a_needs_more_review_joins_the_keep_asking_list_once(
    make_worker: Callable[..., Worker], sync_hub: HubProcess
) -> None:
    worker = make_worker(contacts=20)
    items = worker.approve()
    assert worker.sync().acknowledged == len(items)
    # A contact with young people in it, and one with none.
    with_people = next(i.contact_uid for i in items if people_of(worker, i.contact_uid))
    questions = ["Who drives the silver car?", "Where does she go on Fridays?"]
    needs_more = review(worker, with_people, {"outcome": "needs_more", "questions": questions})
    approved = review(worker, items[0].contact_uid, {"outcome": "approved", "comment": "Good."})

    report = worker.sync()
    people = people_of(worker, with_people)
    assert (report.stop, report.reviews, report.questions) == (
        Stop.NONE,
        2,
        len(questions) * len(people),
    )
    stored = worker.opened.db.query(
        "SELECT id, summary_id, version, outcome, questions, comment FROM hub_reviews ORDER BY id"
    )
    assert [(r[0], r[1], r[2], r[3]) for r in stored] == sorted(
        [
            (needs_more, with_people, 1, "needs_more"),
            (approved, items[0].contact_uid, 1, "approved"),
        ]
    )
    assert json.loads(next(r[4] for r in stored if r[0] == needs_more)) == questions

    def asked() -> list[tuple[str, str, str]]:
        return sorted(
            (q.person_id, q.text, q.source)
            for q in KeepAsking(worker.opened.db).open_questions(list(people))
            if q.text in questions
        )

    expected = sorted((p, text, "team_lead") for p in people for text in questions)
    assert asked() == expected
    for _ in range(2):  # again and again: nothing new, nothing twice
        again = worker.sync()
        assert (again.reviews, again.questions) == (0, 0)
    assert asked() == expected
    assert worker.opened.db.scalar("SELECT count(*) FROM hub_reviews") == 2
    # The questions are asked in the next summary of that contact.
    approvals = Approvals(worker.store)
    assert set(questions) <= set(approvals.preview(with_people).open_questions)


def test_the_same_question_asked_again_is_not_added_twice(
    make_worker: Callable[..., Worker], sync_hub: HubProcess
) -> None:
    worker = make_worker(contacts=20)
    items = worker.approve()
    worker.sync()
    uids = [i.contact_uid for i in items if people_of(worker, i.contact_uid)]
    question = "Has anyone seen the flat above the shop?"
    review(worker, uids[0], {"outcome": "needs_more", "questions": [question]})
    review(worker, uids[0], {"outcome": "needs_more", "questions": [question, " "]})
    report = worker.sync()
    assert report.reviews == 2
    people = people_of(worker, uids[0])
    assert report.questions == len(people)
    found = [
        q.person_id
        for q in KeepAsking(worker.opened.db).open_questions(list(people))
        if q.text == question
    ]
    assert sorted(found) == sorted(people)
