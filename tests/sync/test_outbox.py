"""The outbox in the vault: exact bytes and one key per approval, states, retry times."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from outreach.contract.summary import Enrolled, Receipt, Submission
from outreach.records import caseload
from outreach.records.store import RecordStore
from outreach.sync import enrolment
from outreach.sync.approval import Approvals
from outreach.sync.client import HubClient
from outreach.sync.engine import Backoff, Stop, SyncEngine
from outreach.sync.outbox import ItemState, Outbox, Outcome, SummaryExists
from outreach.vault.vault import OpenVault, Vault
from tests.conftest import PASSPHRASE

START = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.at = START

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def vault(make_vault: Callable[..., Vault]) -> Vault:
    return make_vault()


@pytest.fixture
def opened(vault: Vault) -> Iterator[OpenVault]:
    opened = vault.create(PASSPHRASE)
    yield opened
    opened.close()


@pytest.fixture
def store(opened: OpenVault, clock: Clock) -> RecordStore:
    store = RecordStore(opened.db, now=clock)
    load = caseload.generate(people=3, contacts=6, seed=7, now=START - timedelta(days=1))
    store.import_records(load.people, load.contacts)
    return store


@pytest.fixture
def approvals(store: RecordStore, clock: Clock) -> Approvals:
    return Approvals(store, now=clock)


def uids(store: RecordStore) -> list[str]:
    return [u for (u,) in store.db.query("SELECT uid FROM contacts ORDER BY started_at, uid")]


def raw_row(opened: OpenVault, item_id: int) -> tuple[str, bytes]:
    key, body = opened.db.query(
        "SELECT idempotency_key, body FROM outbox WHERE id = ?", (item_id,)
    )[0]
    return key, bytes(body)


# --- approving --------------------------------------------------------------------------


def test_approval_stores_the_key_and_the_exact_bytes_seen(
    approvals: Approvals, store: RecordStore, opened: OpenVault
) -> None:
    uid = uids(store)[0]
    summary = approvals.preview(uid, account="Seen near the bins.")
    item = approvals.approve(summary)
    assert item.state is ItemState.APPROVED
    assert (item.contact_uid, item.summary_version, item.device_seq) == (uid, 1, 1)
    assert item.body == Submission(device_seq=1, summary=summary).model_dump_json().encode()
    assert item.summary == summary
    assert raw_row(opened, item.id) == (item.idempotency_key, item.body)
    other = approvals.approve(approvals.preview(uids(store)[1]))
    assert other.device_seq == 2
    assert other.idempotency_key != item.idempotency_key


def test_versions_count_up_and_each_names_the_one_it_supersedes(
    approvals: Approvals, store: RecordStore
) -> None:
    uid = uids(store)[0]
    first = approvals.approve(approvals.preview(uid))
    assert approvals.outbox.next_version(uid) == 2
    second = approvals.approve(approvals.preview(uid, account="More to say."))
    assert (second.summary_version, second.supersedes) == (2, first.id)
    assert [i.summary_version for i in approvals.outbox.items_for(uid)] == [2, 1]
    # The first approval is untouched by the second.
    assert approvals.outbox.item(first.id) == first


def test_approving_the_same_version_twice_is_refused_and_writes_nothing(
    approvals: Approvals, store: RecordStore, opened: OpenVault
) -> None:
    uid = uids(store)[0]
    summary = approvals.preview(uid)
    approvals.approve(summary)
    before = opened.db.query("SELECT * FROM outbox")
    seq = opened.db.scalar("SELECT value FROM meta WHERE key = 'sync.next_seq'")
    with pytest.raises(SummaryExists):
        approvals.approve(summary)
    assert opened.db.query("SELECT * FROM outbox") == before
    assert opened.db.scalar("SELECT value FROM meta WHERE key = 'sync.next_seq'") == seq


def test_an_approval_that_fails_halfway_leaves_no_trace(
    store: RecordStore, opened: OpenVault, clock: Clock
) -> None:
    """The running number is taken in the same transaction as the row: a failure after it
    was taken gives it back."""
    approvals = Approvals(store, now=clock)
    summary = approvals.preview(uids(store)[0])

    def broken_key() -> str:
        raise RuntimeError("no randomness today")

    failing = Outbox(opened.db, now=clock, new_key=broken_key)
    with pytest.raises(RuntimeError):
        failing.approve(summary)
    assert opened.db.scalar("SELECT count(*) FROM outbox") == 0
    assert opened.db.scalar("SELECT value FROM meta WHERE key = 'sync.next_seq'") is None
    assert approvals.approve(summary).device_seq == 1


def test_a_held_item_is_replaced_when_the_worker_approves_it_again(
    approvals: Approvals, store: RecordStore
) -> None:
    uid, other_uid = uids(store)[:2]
    outbox = approvals.outbox
    held = approvals.approve(approvals.preview(uid))
    other = approvals.approve(approvals.preview(other_uid))
    outbox.mark_sending([held.id, other.id])
    outbox.record(
        [
            Outcome(held.id, ItemState.HELD, problem="summary_invalid", detail="area too long"),
            Outcome(other.id, ItemState.HELD, problem="summary_invalid"),
        ]
    )
    stored = outbox.item(held.id)
    assert (stored.state, stored.problem, stored.problem_detail) == (
        ItemState.HELD,
        "summary_invalid",
        "area too long",
    )
    assert outbox.counts().held == 2
    fixed = approvals.approve(approvals.preview(uid, account="fixed"))
    assert outbox.item(held.id).state is ItemState.REPLACED
    assert outbox.item(other.id).state is ItemState.HELD  # another contact's: untouched
    assert (fixed.state, fixed.supersedes, fixed.summary_version) == (
        ItemState.APPROVED,
        held.id,
        2,
    )
    assert [i.id for i in outbox.due()] == [fixed.id]
    assert outbox.counts().held == 1


# --- what is due, and when --------------------------------------------------------------


def test_due_is_oldest_first_and_waits_for_each_retry_time(
    approvals: Approvals, store: RecordStore, clock: Clock
) -> None:
    outbox = approvals.outbox
    items = [approvals.approve(approvals.preview(uid)) for uid in uids(store)[:4]]
    assert [i.id for i in outbox.due()] == [i.id for i in items]
    assert [i.id for i in outbox.due(limit=2)] == [i.id for i in items[:2]]
    outbox.mark_sending([i.id for i in items])
    outbox.record(
        [
            Outcome(items[0].id, ItemState.FAILED, problem="offline",
                    next_try_at=clock() + timedelta(seconds=30)),
            Outcome(items[1].id, ItemState.FAILED, problem="busy",
                    next_try_at=clock() + timedelta(seconds=10)),
            Outcome(items[2].id, ItemState.ACKNOWLEDGED, receipt=receipt_for(items[2])),
        ]
    )  # fmt: skip
    # items[3] was left 'sending' (as by a crash): due at once.
    assert [i.id for i in outbox.due()] == [items[3].id]
    counts = outbox.counts()
    assert (counts.waiting, counts.held, counts.acknowledged) == (3, 0, 1)
    assert counts.next_try_at == clock() + timedelta(seconds=10)
    clock.advance(seconds=10)
    assert [i.id for i in outbox.due()] == [items[1].id, items[3].id]
    clock.advance(seconds=20)
    assert [i.id for i in outbox.due()] == [items[0].id, items[1].id, items[3].id]


def test_due_reads_on_from_where_a_run_got_to_but_never_past_a_retry(
    approvals: Approvals, store: RecordStore, clock: Clock
) -> None:
    outbox = approvals.outbox
    items = [approvals.approve(approvals.preview(uid)) for uid in uids(store)[:5]]
    seqs = [i.device_seq for i in items]
    # A run that has taken the first two reads on from the second's running number.
    assert [i.id for i in outbox.due(limit=2, after=seqs[1])] == [i.id for i in items[2:4]]
    assert outbox.due(after=seqs[-1]) == []
    # A failed item whose time has come is due however far the run has read.
    outbox.mark_sending([items[0].id])
    outbox.record([Outcome(items[0].id, ItemState.FAILED, problem="busy", next_try_at=clock())])
    assert [i.id for i in outbox.due(after=seqs[-1])] == [items[0].id]
    # Oldest first across both, and the limit counts both.
    assert [i.id for i in outbox.due(limit=2, after=seqs[2])] == [items[0].id, items[3].id]


def test_sync_now_brings_every_retry_forward(approvals: Approvals, store: RecordStore) -> None:
    outbox = approvals.outbox
    item = approvals.approve(approvals.preview(uids(store)[0]))
    outbox.mark_sending([item.id])
    later = START + timedelta(minutes=10)
    outbox.record([Outcome(item.id, ItemState.FAILED, problem="offline", next_try_at=later)])
    assert outbox.due() == []
    outbox.retry_now()
    assert [i.id for i in outbox.due()] == [item.id]


def test_a_clock_set_back_does_not_strand_a_retry(
    approvals: Approvals, store: RecordStore, clock: Clock
) -> None:
    """A retry recorded before the laptop's clock was put back an hour is due now, not in
    an hour."""
    outbox = approvals.outbox
    item = approvals.approve(approvals.preview(uids(store)[0]))
    outbox.mark_sending([item.id])
    soon = clock() + timedelta(minutes=5)
    outbox.record([Outcome(item.id, ItemState.FAILED, problem="offline", next_try_at=soon)])
    assert outbox.due() == []
    clock.advance(hours=-1)
    assert [i.id for i in outbox.due()] == [item.id]


def test_an_acknowledged_item_stays_acknowledged(approvals: Approvals, store: RecordStore) -> None:
    outbox = approvals.outbox
    item = approvals.approve(approvals.preview(uids(store)[0]))
    outbox.mark_sending([item.id])
    outbox.record([Outcome(item.id, ItemState.ACKNOWLEDGED, receipt=receipt_for(item))])
    outbox.record([Outcome(item.id, ItemState.FAILED, problem="timeout", next_try_at=START)])
    outbox.mark_sending([item.id])
    stored = outbox.item(item.id)
    assert stored.state is ItemState.ACKNOWLEDGED
    assert stored.receipt is not None
    assert stored.receipt.device_seq == item.device_seq
    assert stored.attempts == 1
    assert outbox.due() == []


def test_items_left_sending_by_a_crash_are_due_after_reopening(
    vault: Vault, opened: OpenVault, approvals: Approvals, store: RecordStore
) -> None:
    items = [approvals.approve(approvals.preview(uid)) for uid in uids(store)[:3]]
    approvals.outbox.mark_sending([i.id for i in items[:2]])
    opened.db.checkpoint()
    opened.close()  # the app went away mid-send
    again = vault.unlock(PASSPHRASE)
    try:
        outbox = Outbox(again.db)
        due = outbox.due()
        assert [(i.id, i.state) for i in due] == [
            (items[0].id, ItemState.SENDING),
            (items[1].id, ItemState.SENDING),
            (items[2].id, ItemState.APPROVED),
        ]
        assert [(i.idempotency_key, i.body) for i in due] == [
            (i.idempotency_key, i.body) for i in items
        ]
        assert outbox.counts().waiting == 3
    finally:
        again.close()


# --- through the engine: what goes on the wire ------------------------------------------


def receipt_for(item: object) -> bytes:
    from outreach.sync.outbox import OutboxItem

    assert isinstance(item, OutboxItem)
    return (
        Receipt(
            summary_id=item.contact_uid,
            version=item.summary_version,
            received_at=START,
            device_seq=item.device_seq,
            superseded=False,
        )
        .model_dump_json()
        .encode()
    )


class FakeHub:
    """An httpx handler: answers each submission from a script, and keeps what was sent."""

    def __init__(self, answers: list[int]) -> None:
        self.answers = answers
        self.sent: list[tuple[str, bytes]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/reviews":
            return httpx.Response(200, json=[])
        body = request.content
        self.sent.append((request.headers["Idempotency-Key"], body))
        status = self.answers.pop(0) if self.answers else 201
        if status == 201:
            submission = Submission.model_validate_json(body)
            receipt = Receipt(
                summary_id=submission.summary.id,
                version=submission.summary.version,
                received_at=START,
                device_seq=submission.device_seq,
                superseded=False,
            )
            return httpx.Response(201, content=receipt.model_dump_json().encode())
        return httpx.Response(status, json={"code": "unavailable", "detail": "try later"})


def enrolled(opened: OpenVault) -> None:
    enrolment.save(
        opened.db,
        "http://127.0.0.1:9",
        Enrolled(
            device_id="d" * 32, credential="d.s", hub_key="", user="w", role="worker", team="t"
        ),
    )


def engine(opened: OpenVault, hub: FakeHub, clock: Clock) -> SyncEngine:
    client = HubClient("http://127.0.0.1:9", credential="d.s", transport=httpx.MockTransport(hub))
    return SyncEngine(opened.db, client, now=clock, backoff=Backoff(base=1.0, cap=60.0))


def test_retries_send_the_same_bytes_with_the_same_key(
    approvals: Approvals, store: RecordStore, opened: OpenVault, clock: Clock
) -> None:
    enrolled(opened)
    items = [approvals.approve(approvals.preview(uid)) for uid in uids(store)[:2]]
    hub = FakeHub([503, 503, 201, 201])
    sync = engine(opened, hub, clock)
    first = sync.run()
    assert (first.stop, first.failed, first.acknowledged) == (Stop.HUB_ERROR, 2, 0)
    assert first.next_try_at is not None
    assert first.next_try_at <= clock() + timedelta(seconds=60)
    clock.advance(seconds=61)
    second = sync.run()
    assert (second.stop, second.acknowledged) == (Stop.NONE, 2)
    by_key: dict[str, set[bytes]] = {}
    for key, body in hub.sent:
        by_key.setdefault(key, set()).add(body)
    assert by_key == {i.idempotency_key: {i.body} for i in items}
    assert len(hub.sent) == 4
    for item in items:
        stored = Outbox(opened.db).item(item.id)
        assert stored.state is ItemState.ACKNOWLEDGED
        assert (stored.idempotency_key, stored.body, stored.attempts) == (
            item.idempotency_key,
            item.body,
            2,
        )
        assert raw_row(opened, item.id) == (item.idempotency_key, item.body)


def test_a_refused_item_is_held_and_the_rest_go_on(
    approvals: Approvals, store: RecordStore, opened: OpenVault, clock: Clock
) -> None:
    enrolled(opened)
    items = [approvals.approve(approvals.preview(uid)) for uid in uids(store)[:3]]
    hub = FakeHub([201, 422, 201])
    report = engine(opened, hub, clock).run()
    assert (report.stop, report.acknowledged, report.held) == (Stop.NONE, 2, 1)
    states = {i.id: Outbox(opened.db).item(i.id).state for i in items}
    assert sorted(states.values()) == sorted(
        [ItemState.ACKNOWLEDGED, ItemState.ACKNOWLEDGED, ItemState.HELD]
    )
    held = next(Outbox(opened.db).item(i) for i, s in states.items() if s is ItemState.HELD)
    assert held.problem == "unavailable"
    assert json.loads(held.body)["summary"]["id"] == held.contact_uid
