"""Team-lead review against a real hub on loopback: a lead's vault pulls the team's
summaries, reviews and links; the queue, its filters and overdue flags; one summary in
full; reviews recorded through the outbox and sent once; another team sees none of it."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from outreach.config.paths import AppPaths
from outreach.config.policy import Policy
from outreach.contract.summary import ReviewIn
from outreach.records.keep_asking import KeepAsking
from outreach.sync import enrolment
from outreach.sync.client import HubClient
from outreach.sync.engine import Backoff, Stop, SyncEngine
from outreach.sync.enrolment import Enrolment, enrol
from outreach.sync.team import (
    FEED_AFTER,
    QueueFilter,
    ReviewRefused,
    ReviewState,
    TeamReport,
    TeamStore,
    TeamSync,
)
from outreach.vault.device import DeviceSecretStore
from outreach.vault.vault import OpenVault, Vault
from tests.conftest import CHEAP_KDF, PASSPHRASE
from tests.support.hubproc import Device, HubProcess, Team, summary
from tests.support.postgres import free_port
from tests.sync.conftest import Worker

# --- a lead's laptop ----------------------------------------------------------------------


class Clock:
    """A settable clock for the lead's laptop (the hub keeps its own, real one)."""

    def __init__(self) -> None:
        self.at = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@dataclass
class Lead:
    opened: OpenVault
    team: Team
    enrolment: Enrolment
    clock: Clock

    @property
    def db(self) -> Any:
        return self.opened.db

    def store(self, **kwargs: Any) -> TeamStore:
        return TeamStore(self.db, now=self.clock, **kwargs)

    def client(
        self, address: str | None = None, transport: httpx.BaseTransport | None = None
    ) -> HubClient:
        return HubClient(
            address or self.enrolment.address,
            credential=self.enrolment.credential,
            timeout=5.0,
            transport=transport,
        )

    def sync(
        self, address: str | None = None, transport: httpx.BaseTransport | None = None
    ) -> TeamReport:
        with self.client(address, transport) as client:
            return TeamSync(
                self.db,
                client,
                now=self.clock,
                rng=random.Random(7),
                backoff=Backoff(base=1.0, cap=4.0),
            ).run()


MakeLead = Callable[..., Lead]


@pytest.fixture
def make_lead(sync_hub: HubProcess, tmp_path: Path) -> Iterator[MakeLead]:
    made: list[Lead] = []

    def make(team: Team, hub: HubProcess | None = None) -> Lead:
        hub = hub or sync_hub
        paths = AppPaths.in_folder(tmp_path / f"lead-{len(made)}")
        opened = Vault(paths, Policy(), DeviceSecretStore(None), kdf=CHEAP_KDF).create(PASSPHRASE)
        code, _ = hub.admin.enrolment_code(f"{team.name}-lead")
        lead = Lead(opened, team, enrol(opened.db, hub.url, code), Clock())
        made.append(lead)
        return lead

    yield make
    for lead in made:
        lead.opened.close()


def submit(device: Device, **fields: Any) -> dict[str, Any]:
    body = summary(**fields)
    answer = device.submit(body)
    assert answer.status_code == 201, answer.text
    return body


def day(n: int, hour: int = 12) -> str:
    return f"2026-11-{n:02d}T{hour:02d}:00:00+00:00"


# --- the queue ----------------------------------------------------------------------------


def test_the_queue_is_highest_concern_first_then_oldest(
    sync_hub: HubProcess, make_lead: MakeLead
) -> None:
    team = sync_hub.team(workers=2)
    w0, w1 = team.devices["w0"], team.devices["w1"]
    a = submit(w0, worry=9, concerns=[], contact_at=day(10))
    b = submit(w0, worry=9, concerns=["gifts", "places"], contact_at=day(12))
    c = submit(w0, worry=9, concerns=["gifts", "places"], nudges=["n1"], contact_at=day(15))
    d = submit(w1, worry=9, concerns=["gifts", "places"], nudges=["n1"], contact_at=day(1))
    e = submit(w1, worry=None, concerns=["gifts", "places", "peers"], contact_at=day(2))
    f = submit(w0, worry=0, concerns=[], contact_at=day(20))
    g = submit(w1, worry=5, concerns=[], contact_at=day(3))
    lead = make_lead(team)

    report = lead.sync()

    assert report.stop is Stop.NONE
    assert report.summaries == 7
    queue = lead.store().queue()
    assert [i.summary_id for i in queue] == [x["id"] for x in (d, c, b, a, g, f, e)]
    first = queue[0]
    assert first.worker == f"{team.name}-w1"
    assert first.state == "unreviewed"
    assert first.worry == 9
    assert first.concerns == ("gifts", "places")
    assert first.nudges == ("n1",)
    assert first.young_people == ("YP-0001",)
    assert first.contact_at == datetime(2026, 11, 1, 12, tzinfo=UTC)
    assert lead.store().count() == 7
    assert lead.store().workers() == [f"{team.name}-w0", f"{team.name}-w1"]
    assert lead.store().indicators() == ["gifts", "peers", "places"]
    # Paging keeps the order.
    assert lead.store().queue(limit=3, offset=3) == queue[3:6]


def test_a_leads_laptop_sends_its_own_contacts_and_still_pulls_the_team(
    sync_hub: HubProcess, make_worker: Callable[..., Worker]
) -> None:
    """Leads go out too: their approved summaries are sent like a worker's, and sending
    them neither stops nor blocks the pull of the team's (nor the hearing of a wipe)."""
    team = sync_hub.team(workers=1)
    submit(team.devices["w0"], worry=4)
    lead = make_worker(contacts=3, team=team, user="lead")
    lead.approve()

    report = lead.sync()

    assert report.stop is Stop.NONE, report
    assert report.acknowledged == 3
    assert report.team is not None
    assert report.team.summaries == 4
    assert not enrolment.blocked(lead.opened.db)
    sent = team.lead.get("/v1/summaries", params={"worker": f"{team.name}-lead"}).json()
    assert len(sent["items"]) == 3


def test_every_filter(sync_hub: HubProcess, make_lead: MakeLead) -> None:
    team = sync_hub.team(workers=2)
    w0, w1 = team.devices["w0"], team.devices["w1"]
    older = submit(w0, contact_at=day(2), young_people=[{"ref": "YP-A"}], concerns=["gifts"])
    middle = submit(
        w1,
        contact_at=day(10),
        young_people=[{"ref": "YP-A"}, {"ref": "YP-B"}],
        concerns=["self_harm:possible"],
    )
    newer = submit(w1, contact_at=day(20), young_people=[{"ref": "YP-C"}], concerns=["self_harm"])
    lead = make_lead(team)
    assert lead.sync().stop is Stop.NONE
    store = lead.store()

    def ids(**fields: Any) -> set[str]:
        return {i.summary_id for i in store.queue(QueueFilter(**fields))}

    assert ids() == {older["id"], middle["id"], newer["id"]}
    assert ids(worker=f"{team.name}-w1") == {middle["id"], newer["id"]}
    assert ids(worker="someone-else") == set()
    assert ids(young_person="YP-A") == {older["id"], middle["id"]}
    assert ids(young_person="YP-C") == {newer["id"]}
    assert ids(since=datetime(2026, 11, 10, 12, tzinfo=UTC)) == {middle["id"], newer["id"]}
    assert ids(until=datetime(2026, 11, 10, 12, tzinfo=UTC)) == {older["id"]}
    assert ids(
        since=datetime(2026, 11, 3, tzinfo=UTC), until=datetime(2026, 11, 15, tzinfo=UTC)
    ) == {middle["id"]}
    # An indicator matches it marked yes or possible.
    assert ids(indicator="self_harm") == {middle["id"], newer["id"]}
    assert ids(indicator="gifts") == {older["id"]}
    assert store.young_people() == ["YP-A", "YP-B", "YP-C"]
    assert store.indicators() == ["gifts", "self_harm"]

    store.record_review(middle["id"], ReviewIn(outcome="approved"))
    assert ids() == {older["id"], newer["id"]}
    assert ids(state="pending") == {middle["id"]}
    assert lead.sync().sent == 1
    store.record_review(newer["id"], ReviewIn(outcome="escalated", reason="Police referral"))
    assert lead.sync().sent == 1
    assert ids(state="approved") == {middle["id"]}
    assert ids(state="escalated") == {newer["id"]}
    assert ids(state="needs_more") == set()
    assert ids(state="unreviewed") == {older["id"]}
    assert ids(state="all") == {older["id"], middle["id"], newer["id"]}
    assert store.count(QueueFilter(state="all", worker=f"{team.name}-w1")) == 2
    states = {i.summary_id: i.state for i in store.queue(QueueFilter(state="all"))}
    assert states == {older["id"]: "unreviewed", middle["id"]: "approved", newer["id"]: "escalated"}


def test_high_concern_left_unreviewed_too_long_is_overdue(
    sync_hub: HubProcess, make_lead: MakeLead
) -> None:
    team = sync_hub.team(workers=1)
    high = submit(team.worker, worry=8, concerns=[])
    grave = submit(team.worker, worry=2, concerns=["self_harm"])
    submit(team.worker, worry=2, concerns=["self_harm:possible"])  # possible is not grave
    submit(team.worker, worry=6, concerns=["gifts", "places"])
    submit(team.worker, worry=None, concerns=[])
    lead = make_lead(team)
    assert lead.sync().stop is Stop.NONE
    received = max(i.received_at for i in lead.store().queue())

    lead.clock.at = received + timedelta(hours=23)
    store = lead.store()
    assert {i.summary_id for i in store.queue() if i.high_concern} == {high["id"], grave["id"]}
    assert not any(i.overdue for i in store.queue())
    assert store.overdue_count() == 0

    lead.clock.at = received + timedelta(hours=24, seconds=1)
    assert {i.summary_id for i in store.queue() if i.overdue} == {high["id"], grave["id"]}
    assert store.overdue_count() == 2
    # The policy's time and worry are the store's to take.
    assert lead.store(review_within=timedelta(hours=25)).overdue_count() == 0
    assert lead.store(high_worry=2).overdue_count() == 4

    # Reviewed offline: pending, no longer overdue; the other still is.
    store.record_review(high["id"], ReviewIn(outcome="approved", comment="Seen."))
    assert store.overdue_count() == 1
    assert [i.state for i in store.queue(QueueFilter(state="pending"))] == ["pending"]
    assert lead.sync().sent == 1
    assert store.overdue_count() == 1

    # A new version after a review waits again, from its own arrival.
    answer = team.worker.submit(summary(**{**high, "version": 2, "worry": 9}))
    assert answer.status_code == 201, answer.text
    assert lead.sync().summaries == 1
    item = store.detail(high["id"]).item
    assert (item.version, item.state) == (2, "unreviewed")
    assert item.waiting_since == item.received_at > received
    lead.clock.at = item.waiting_since + timedelta(hours=23)
    assert not store.detail(high["id"]).item.overdue
    lead.clock.at = item.waiting_since + timedelta(hours=25)
    assert store.detail(high["id"]).item.overdue
    assert store.overdue_count() == 2


# --- one summary in full ------------------------------------------------------------------


def test_detail_has_versions_reviews_and_the_link_two_workers_share(
    sync_hub: HubProcess, make_lead: MakeLead
) -> None:
    team = sync_hub.team(workers=2)
    w0, w1 = team.devices["w0"], team.devices["w1"]
    vehicle = [{"kind": "vehicle", "text": "AB12 CDE"}]
    first = submit(
        w0, young_people=[{"ref": "YP-1"}], mentions=vehicle, instinct="Something is off."
    )
    answer = w0.submit(
        summary(**{**first, "version": 2, "worry": 8, "amend_reason": "Worry went up."})
    )
    assert answer.status_code == 201, answer.text
    # The same car, written another way, by another worker, with another young person.
    other = submit(
        w1,
        young_people=[{"ref": "YP-2"}],
        mentions=[
            {"kind": "vehicle", "text": "ab12cde"},
            {"kind": "phone", "text": "07700 900123"},
        ],
    )
    lead = make_lead(team)
    lead.sync()
    store = lead.store()
    store.record_review(first["id"], ReviewIn(outcome="approved", version=1, comment="v1 ok"))
    assert lead.sync().sent == 1
    store.record_review(
        first["id"], ReviewIn(outcome="needs_more", questions=["Who drives the car?"])
    )

    detail = store.detail(first["id"])

    assert [v.summary.version for v in detail.versions] == [2, 1]
    assert detail.current.amend_reason == "Worry went up."
    assert detail.versions[1].summary.instinct == "Something is off."
    assert {v.worker for v in detail.versions} == {f"{team.name}-w0"}
    assert detail.item.version == 2
    assert detail.item.state == "pending"
    assert [(r.outcome, r.version, r.pending) for r in detail.reviews] == [
        ("needs_more", 2, True),
        ("approved", 1, False),
    ]
    pending, done = detail.reviews
    assert pending.outbox_state is ReviewState.APPROVED
    assert pending.questions == ("Who drives the car?",)
    assert pending.reviewer == done.reviewer == f"{team.name}-lead"
    assert done.comment == "v1 ok"
    assert done.hub_id is not None
    (link,) = detail.links
    assert (link.kind, link.key) == ("vehicle", "AB12CDE")
    assert link.young_people == ["YP-1", "YP-2"]
    assert link.workers == [f"{team.name}-w0", f"{team.name}-w1"]
    assert [x.kind for x in store.detail(other["id"]).links] == ["vehicle"]

    assert lead.sync().sent == 1
    detail = store.detail(first["id"])
    assert [(r.outcome, r.pending) for r in detail.reviews] == [
        ("needs_more", False),
        ("approved", False),
    ]
    assert detail.item.state == "needs_more"
    with pytest.raises(LookupError):
        store.detail("0" * 32)


def test_links_are_replaced_whole_on_each_pull(sync_hub: HubProcess, make_lead: MakeLead) -> None:
    team = sync_hub.team(workers=2)
    submit(team.devices["w0"], young_people=[{"ref": "YP-1"}])
    second = submit(team.devices["w1"], young_people=[{"ref": "YP-2"}])
    lead = make_lead(team)
    report = lead.sync()
    assert report.links == 1
    assert [link.key for link in lead.store().links()] == ["AB12CDE"]
    # The second worker corrects the registration: the team no longer shares the car.
    fixed = {**second, "version": 2, "mentions": [{"kind": "vehicle", "text": "XY99 ZZZ"}]}
    assert team.devices["w1"].submit(summary(**fixed)).status_code == 201
    assert lead.sync().links == 0
    assert lead.store().links() == []


def test_the_issue_end_to_end_lead_reviews_and_the_worker_gets_the_questions(
    sync_hub: HubProcess, make_worker: Callable[..., Worker], make_lead: MakeLead
) -> None:
    team = sync_hub.team(workers=2)
    worker = make_worker(team=team)  # a real laptop for w0
    items = worker.approve(3)
    assert worker.sync().acknowledged == 3
    with_car = next(i for i in items if any(m.kind == "vehicle" for m in i.summary.mentions))
    plate = next(m.text for m in with_car.summary.mentions if m.kind == "vehicle")
    submit(
        team.devices["w1"],
        worry=10,
        young_people=[{"ref": "YP-OTHER"}],
        mentions=[{"kind": "vehicle", "text": plate}],
    )
    lead = make_lead(team)

    with lead.client() as client:
        report = SyncEngine(lead.db, client, now=lead.clock).run()

    assert report.stop is Stop.NONE
    assert report.team is not None
    assert report.team.summaries == 4
    queue = lead.store().queue()
    assert len(queue) == 4
    assert queue[0].worker == f"{team.name}-w1"  # worry 10 comes first
    worries = [-1 if i.worry is None else i.worry for i in queue]
    assert worries == sorted(worries, reverse=True)
    detail = lead.store().detail(with_car.contact_uid)
    shared = [link for link in detail.links if link.kind == "vehicle"]
    assert shared
    assert "YP-OTHER" in shared[0].young_people
    assert shared[0].workers == [f"{team.name}-w0", f"{team.name}-w1"]

    question = "Who was driving, and did they know the driver?"
    lead.store().record_review(
        with_car.contact_uid, ReviewIn(outcome="needs_more", questions=[question])
    )
    with lead.client() as client:
        sent = SyncEngine(lead.db, client, now=lead.clock).run()
    assert sent.stop is Stop.NONE
    assert sent.team is not None
    assert sent.team.sent == 1

    got = worker.sync()
    assert got.reviews == 1
    assert got.questions >= 1
    people = [pid for (pid,) in worker.opened.db.query(
        "SELECT cp.person_id FROM contacts c JOIN contact_people cp ON cp.contact_id = c.id "
        "WHERE c.uid = ? AND c.is_current = 1", (with_car.contact_uid,)
    )]  # fmt: skip
    texts = [q.text for q in KeepAsking(worker.opened.db).open_questions(people)]
    assert question in texts
    assert worker.sync().questions == 0  # once, however often it syncs


def test_a_worker_laptop_does_no_team_sync(make_worker: Callable[..., Worker]) -> None:
    worker = make_worker(contacts=2)
    worker.approve(1)
    report = worker.sync()
    assert report.stop is Stop.NONE
    assert report.team is None
    assert worker.opened.db.scalar("SELECT count(*) FROM team_summaries") == 0
    with worker.client() as client:
        refused = TeamSync(worker.opened.db, client).run()
    assert refused.stop is Stop.FORBIDDEN
    assert worker.opened.db.scalar("SELECT count(*) FROM team_summaries") == 0


def test_the_feed_is_read_on_from_its_cursor(sync_hub: HubProcess, make_lead: MakeLead) -> None:
    team = sync_hub.team(workers=1)
    for n in range(5):
        submit(team.worker, contact_at=day(n + 1))
    lead = make_lead(team)
    with lead.client() as client:
        first = TeamSync(lead.db, client, now=lead.clock, page=2).run()
    assert first.summaries == 5
    cursor = int(lead.db.scalar("SELECT value FROM meta WHERE key = ?", (FEED_AFTER,)))
    assert lead.sync().summaries == 0
    submit(team.worker)
    assert lead.sync().summaries == 1
    assert int(lead.db.scalar("SELECT value FROM meta WHERE key = ?", (FEED_AFTER,))) > cursor
    assert lead.store().count() == 6
    assert lead.store().pulled_at() == lead.clock.at


# --- recording reviews --------------------------------------------------------------------


def test_a_review_is_refused_before_it_is_queued(sync_hub: HubProcess, make_lead: MakeLead) -> None:
    team = sync_hub.team(workers=1)
    body = submit(team.worker)
    lead = make_lead(team)
    lead.sync()
    store = lead.store()
    cases = [
        ("0" * 32, ReviewIn(outcome="approved"), "unknown_summary"),
        (body["id"], ReviewIn(outcome="approved", version=2), "unknown_version"),
        (body["id"], ReviewIn(outcome="needs_more"), "needs_questions"),
        (body["id"], ReviewIn(outcome="escalated", reason="  "), "needs_reason"),
    ]
    for summary_id, review, code in cases:
        with pytest.raises(ReviewRefused) as refused:
            store.record_review(summary_id, review)
        assert refused.value.code == code
    assert store.review_items() == []


def hub_reviews(lead: Lead, summary_id: str) -> list[dict[str, Any]]:
    """The reviews the hub holds of one summary, read through the team's lead device."""
    history = lead.team.lead.get(f"/v1/summaries/{summary_id}")
    assert history.status_code == 200, history.text
    return list(history.json()["reviews"])


def test_a_review_goes_once_however_often_it_is_synced(
    sync_hub: HubProcess, make_lead: MakeLead
) -> None:
    team = sync_hub.team(workers=1)
    body = submit(team.worker)
    lead = make_lead(team)
    lead.sync()
    store = lead.store()
    item = store.record_review(body["id"], ReviewIn(outcome="approved", comment="Checked."))
    assert item.state is ReviewState.APPROVED
    assert item.review == ReviewIn(outcome="approved", comment="Checked.", version=1)

    assert lead.sync().sent == 1
    assert lead.sync().sent == 0
    (sent,) = store.review_items()
    assert sent.state is ReviewState.ACKNOWLEDGED
    assert (sent.body, sent.idempotency_key, sent.attempts) == (item.body, item.idempotency_key, 1)
    assert sent.response is not None
    assert sent.response.comment == "Checked."
    assert [r["comment"] for r in hub_reviews(lead, body["id"])] == ["Checked."]

    # A second review of the same summary is a new one; the first is never edited.
    store.record_review(body["id"], ReviewIn(outcome="escalated", reason="Police referral"))
    assert lead.sync().sent == 1
    assert [r["outcome"] for r in hub_reviews(lead, body["id"])] == ["escalated", "approved"]
    assert store.review_counts().waiting == 0


class LoseFirstAnswer(httpx.BaseTransport):
    """The first review reaches the hub, and its answer is lost on the way back."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.sent: list[tuple[str, bytes]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.method == "POST":
            self.sent.append((request.headers["Idempotency-Key"], request.read()))
            if len(self.sent) == 1:
                response.read()
                response.close()
                raise httpx.ReadTimeout("the answer was lost", request=request)
        return response

    def close(self) -> None:
        self.inner.close()


def test_a_review_whose_answer_was_lost_is_sent_again_and_recorded_once(
    sync_hub: HubProcess, make_lead: MakeLead
) -> None:
    team = sync_hub.team(workers=1)
    body = submit(team.worker)
    lead = make_lead(team)
    lead.sync()
    store = lead.store()
    store.record_review(body["id"], ReviewIn(outcome="needs_more", questions=["Where?"]))
    lossy = LoseFirstAnswer()

    first = lead.sync(transport=lossy)

    assert first.stop is Stop.TIMEOUT
    assert (first.sent, first.failed) == (0, 1)
    (waiting,) = store.review_items()
    assert (waiting.state, waiting.problem) == (ReviewState.FAILED, "timeout")
    assert waiting.next_try_at is not None
    assert waiting.next_try_at <= lead.clock.at + timedelta(seconds=1)
    assert store.detail(body["id"]).item.state == "pending"
    lead.clock.advance(seconds=2)

    second = lead.sync(transport=lossy)

    assert second.stop is Stop.NONE
    assert second.sent == 1
    assert len(lossy.sent) == 2
    assert lossy.sent[0] == lossy.sent[1]
    assert lossy.sent[0][1] == waiting.body
    assert len(hub_reviews(lead, body["id"])) == 1
    (done,) = store.review_items()
    assert (done.state, done.attempts) == (ReviewState.ACKNOWLEDGED, 2)
    assert [r.pending for r in store.detail(body["id"]).reviews] == [False]


class Answering(httpx.BaseTransport):
    """Answers every POST with ``status`` without reaching the hub; passes the rest on."""

    def __init__(self, status: int, code: str = "", **headers: str) -> None:
        self.inner = httpx.HTTPTransport()
        self.status, self.code, self.headers = status, code, headers
        self.posts = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            self.posts += 1
            return httpx.Response(
                self.status,
                headers=self.headers,
                json={"code": self.code, "detail": "made up by the test"},
            )
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def test_busy_hub_retries_no_sooner_than_retry_after(
    sync_hub: HubProcess, make_lead: MakeLead
) -> None:
    team = sync_hub.team(workers=1)
    body = submit(team.worker)
    lead = make_lead(team)
    lead.sync()
    store = lead.store()
    store.record_review(body["id"], ReviewIn(outcome="approved"))
    busy = Answering(503, "unavailable", **{"Retry-After": "120"})

    report = lead.sync(transport=busy)

    assert (report.stop, report.failed, busy.posts) == (Stop.HUB_ERROR, 1, 1)
    (item,) = store.review_items()
    assert item.problem == "hub_error"
    assert item.next_try_at is not None
    assert item.next_try_at >= lead.clock.at + timedelta(seconds=120)
    assert report.next_try_at == item.next_try_at
    lead.clock.advance(seconds=60)
    assert lead.sync(transport=busy).failed == 0
    assert busy.posts == 1  # not due yet: nothing was sent
    lead.clock.advance(seconds=61)
    assert lead.sync().sent == 1
    assert len(hub_reviews(lead, body["id"])) == 1


def test_a_refused_review_is_held_and_the_others_go_on(
    sync_hub: HubProcess, make_lead: MakeLead
) -> None:
    team = sync_hub.team(workers=1)
    one, two = submit(team.worker), submit(team.worker)
    lead = make_lead(team)
    lead.sync()
    store = lead.store()
    store.record_review(one["id"], ReviewIn(outcome="approved"))
    store.record_review(two["id"], ReviewIn(outcome="approved"))

    report = lead.sync(transport=Answering(422, "idempotency_key_reused"))

    assert (report.stop, report.held) == (Stop.NONE, 2)
    assert {i.state for i in store.review_items()} == {ReviewState.HELD}
    assert {i.problem for i in store.review_items()} == {"idempotency_key_reused"}
    assert {i.problem_detail for i in store.review_items()} == {"made up by the test"}
    assert store.review_counts().held == 2
    assert lead.sync().sent == 0  # held stays held
    # A held review is not a review: the summary waits for one.
    assert store.detail(one["id"]).item.state == "unreviewed"
    assert store.detail(one["id"]).reviews[0].problem == "idempotency_key_reused"


@pytest.mark.parametrize("status", [308, 404, 405])
def test_a_review_answered_by_something_not_the_hub_is_not_held_and_goes_later(
    sync_hub: HubProcess, make_lead: MakeLead, status: int
) -> None:
    team = sync_hub.team(workers=1)
    body = submit(team.worker)
    lead = make_lead(team)
    lead.sync()
    store = lead.store()
    store.record_review(body["id"], ReviewIn(outcome="approved"))

    # A redirect, or a refusal whose body has no code the hub would send: not the hub.
    report = lead.sync(transport=Answering(status, code=""))

    assert (report.stop, report.held, report.failed) == (Stop.ADDRESS, 0, 1)
    (item,) = store.review_items()
    assert (item.state, item.problem) == (ReviewState.FAILED, "address")
    assert enrolment.blocked(lead.db) == ""
    lead.clock.advance(minutes=1)
    assert lead.sync().sent == 1
    assert len(hub_reviews(lead, body["id"])) == 1


@pytest.mark.parametrize(("status", "stop"), [(401, Stop.AUTH), (403, Stop.FORBIDDEN)])
def test_an_unknown_credential_stops_and_blocks_with_nothing_lost(
    sync_hub: HubProcess, make_lead: MakeLead, status: int, stop: Stop
) -> None:
    team = sync_hub.team(workers=1)
    body = submit(team.worker)
    lead = make_lead(team)
    lead.sync()
    store = lead.store()
    store.record_review(body["id"], ReviewIn(outcome="approved"))

    report = lead.sync(transport=Answering(status, "auth"))

    assert report.stop is stop
    assert enrolment.blocked(lead.db) == stop.value
    assert store.review_counts().waiting == 1
    assert lead.sync().stop is stop  # blocked until enrolled again
    code, _ = sync_hub.admin.enrolment_code(f"{team.name}-lead")
    lead.enrolment = enrol(lead.db, sync_hub.url, code)
    assert lead.sync().sent == 1


def test_a_review_recorded_offline_goes_when_the_hub_is_back(
    sync_hub: HubProcess, make_lead: MakeLead
) -> None:
    team = sync_hub.team(workers=1)
    body = submit(team.worker, worry=9)
    lead = make_lead(team)
    lead.sync()
    nowhere = f"http://127.0.0.1:{free_port()}"
    store = lead.store()
    # Offline: the queue, the detail and reviewing all work from the vault.
    assert [i.summary_id for i in store.queue()] == [body["id"]]
    store.record_review(body["id"], ReviewIn(outcome="escalated", reason="Referred to police"))
    assert lead.sync(address=nowhere).stop is Stop.OFFLINE
    (review,) = store.detail(body["id"]).reviews
    assert (review.pending, review.outbox_state, review.problem) == (
        True,
        ReviewState.FAILED,
        "offline",
    )
    lead.clock.advance(minutes=1)

    assert lead.sync().sent == 1
    assert [r["reason"] for r in hub_reviews(lead, body["id"])] == ["Referred to police"]
    assert store.detail(body["id"]).item.state == "escalated"


def test_another_teams_lead_sees_none_of_it(sync_hub: HubProcess, make_lead: MakeLead) -> None:
    ours = sync_hub.team(workers=2)
    body = submit(ours.devices["w0"], worry=10)
    submit(ours.devices["w1"], young_people=[{"ref": "YP-2"}])
    mine = make_lead(ours)
    mine.sync()
    mine.store().record_review(body["id"], ReviewIn(outcome="approved"))
    assert mine.sync().sent == 1
    theirs = make_lead(sync_hub.team(workers=1))

    report = theirs.sync()

    assert report.stop is Stop.NONE
    assert (report.summaries, report.reviews, report.links) == (0, 0, 0)
    store = theirs.store()
    assert store.queue(QueueFilter(state="all")) == []
    assert (store.workers(), store.indicators(), store.young_people()) == ([], [], [])
    assert theirs.store().links() == []
    with pytest.raises(ReviewRefused):
        store.record_review(body["id"], ReviewIn(outcome="approved"))
    with theirs.client() as client:
        refused = client.post_review(body["id"], b'{"outcome":"approved"}', "k" * 32)
    assert refused.status == 404


def test_recording_a_review_is_audited_without_its_words(
    sync_hub: HubProcess, make_lead: MakeLead
) -> None:
    from outreach.vault.audit import entries

    team = sync_hub.team(workers=1)
    body = submit(team.worker)
    lead = make_lead(team)
    lead.sync()
    lead.store().record_review(
        body["id"], ReviewIn(outcome="escalated", reason="canary-reason-3318 police referral")
    )
    found = [e for e in entries(lead.db) if e.action == "review_recorded"]
    assert [e.detail for e in found] == ["escalated"]
    assert all("canary-reason-3318" not in e.detail for e in entries(lead.db))
