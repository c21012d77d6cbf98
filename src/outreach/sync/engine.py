"""One sync: send what is due, record what the hub said, fetch reviews.

Each answer decides the fate of its own item only:

- 2xx: acknowledged, the receipt kept;
- no answer, a timeout, 408, 409 (still in progress), 429 or 5xx: failed, tried again after
  an exponential backoff with full jitter (capped, and never sooner than Retry-After); the
  run stops, since the hub or the network is in trouble;
- 401, or 403 for the role, from the hub: the run stops and syncing waits until the worker
  enrols again;
- 403 ``device_revoked`` with a wipe instruction signed by the hub's enrolment key: the run
  stops and reports the wipe (the caller shreds the vault); an instruction that does not
  verify is treated as a failure and never acted on;
- 400, 413, 415 or 422 with the hub's Problem body: the hub refused that item as it is; it
  is held with the hub's reason and the others go on;
- a redirect (never followed), or any other 4xx, or one without the hub's Problem body (a
  proxy's, a web server's): something other than the hub's API answered at the address;
  failed and tried again after the backoff, and the run stops, as for a 5xx.

Items go a batch at a time, several at once; each batch's outcomes are written in one
transaction. A crash at any point leaves items ``approved`` or ``sending``, and the next
run sends them again with their own key: the hub answers with its first receipt.
"""

from __future__ import annotations

import json
import random
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from pydantic import ValidationError

from outreach.contract.summary import Receipt, Review
from outreach.contract.wipe import WipeInstruction, verify
from outreach.records.codec import utc_stamp
from outreach.records.keep_asking import KeepAsking
from outreach.sync import enrolment
from outreach.sync.client import Answer, HubClient, Unreachable
from outreach.sync.outbox import ItemState, Outbox, OutboxItem, Outcome
from outreach.vault import audit
from outreach.vault.audit import utc_now
from outreach.vault.database import Database

if TYPE_CHECKING:
    from outreach.sync.team import TeamReport

LAST_SUCCESS = "sync.last_success_at"
PROBLEM = "sync.problem"


class Stop(StrEnum):
    NONE = ""
    NOT_ENROLLED = "not_enrolled"
    OFFLINE = "offline"
    TIMEOUT = "timeout"
    TLS = "tls"
    PROTOCOL = "protocol"
    BUSY = "busy"  # 429
    HUB_ERROR = "hub_error"  # 5xx
    AUTH = "auth"  # 401: enrol again
    FORBIDDEN = "forbidden"  # 403: this role may not submit
    FORGED_WIPE = "forged_wipe"
    WIPE = "wipe"
    CANCELLED = "cancelled"
    ADDRESS = "address"  # a redirect, or a refusal not the hub's: the address leads elsewhere
    MOVED = "moved"  # policy names another hub than the one enrolled with: enrol again
    PIN = "pin"  # the pinned CA (policy hub_pinned_ca) cannot be read now


_BLOCKING = (Stop.AUTH, Stop.FORBIDDEN)
# The hub's refusals of one submission as it is (docs/hub-api.md): a bad key, too large,
# not JSON, out of contract, a version conflict. A 404 or 405 there means a wrong address.
SUBMISSION_REFUSED = frozenset({400, 413, 415, 422})
# A review may also be refused for its summary: 404 when that is not visible to the lead.
REVIEW_REFUSED = SUBMISSION_REFUSED | {404}


@dataclass(frozen=True)
class Backoff:
    base: float = 2.0  # seconds
    cap: float = 900.0

    def delay(self, attempts: int, retry_after: float | None, rng: random.Random) -> float:
        ceiling = min(self.cap, self.base * 2 ** min(max(attempts - 1, 0), 30))
        wait = rng.uniform(0, ceiling)
        if retry_after is not None:
            wait = max(wait, retry_after)
        return wait


@dataclass(frozen=True)
class SyncReport:
    acknowledged: int = 0
    failed: int = 0
    held: int = 0
    reviews: int = 0
    questions: int = 0  # "needs more" questions added to keep-asking lists
    stop: Stop = Stop.NONE
    next_try_at: datetime | None = None
    team: TeamReport | None = None  # a lead's team sync, when this vault is a lead's


Progress = Callable[[int, int], None]  # (done, total this run)


@dataclass(frozen=True)
class _Verdict:
    outcome: Outcome
    stop: Stop = Stop.NONE


class SyncEngine:
    def __init__(
        self,
        db: Database,
        client: HubClient,
        *,
        now: Callable[[], datetime] = utc_now,
        rng: random.Random | None = None,
        backoff: Backoff = Backoff(),
        # Eight in flight: the hub runs one device's submissions side by side, and over a
        # slow link the round trip, not the hub, is what a sync waits on.
        concurrency: int = 8,
        batch: int = 64,
    ) -> None:
        self._db = db
        self._client = client
        self._now = now
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not a secret
        self._backoff = backoff
        self._concurrency = concurrency
        self._batch = batch
        self.outbox = Outbox(db, now=now)

    def run(
        self,
        progress: Progress | None = None,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> SyncReport:
        found = enrolment.current(self._db)
        if found is None:
            return self._finish(SyncReport(stop=Stop.NOT_ENROLLED))
        if enrolment.blocked(self._db):
            return self._finish(SyncReport(stop=Stop(enrolment.blocked(self._db))))
        total = self.outbox.counts().waiting
        done = acknowledged = failed = held = 0
        taken = 0  # every approved or sending item up to this running number is taken
        stop = Stop.NONE
        # Two batches at a time: the next is marked and sent while the one before it is
        # still in flight, so the senders never wait for the vault between batches. Every
        # batch sent is waited for and recorded, also when the run stops.
        in_flight: deque[list[Future[_Verdict]]] = deque()
        with ThreadPoolExecutor(self._concurrency, thread_name_prefix="sync") as pool:
            while True:
                items: list[OutboxItem] = []
                if stop is Stop.NONE and len(in_flight) < 2:
                    if cancelled():
                        stop = Stop.CANCELLED
                    else:
                        items = self.outbox.due(self._batch, after=taken)
                if items:
                    # A batch is the lowest running numbers due: none is left out below it.
                    taken = max(taken, *(i.device_seq for i in items))
                    self.outbox.mark_sending([i.id for i in items])
                    in_flight.append([pool.submit(self._send, i, found) for i in items])
                    if len(in_flight) < 2:
                        continue
                if not in_flight:
                    break
                verdicts = [future.result() for future in in_flight.popleft()]
                self.outbox.record([v.outcome for v in verdicts])
                for verdict in verdicts:
                    state = verdict.outcome.state
                    acknowledged += state is ItemState.ACKNOWLEDGED
                    failed += state is ItemState.FAILED
                    held += state is ItemState.HELD
                    if verdict.stop is not Stop.NONE and stop is Stop.NONE:
                        stop = verdict.stop
                done += len(verdicts)
                if progress is not None:
                    progress(min(done, total), max(total, done))
        reviews = questions = 0
        if stop is Stop.NONE:
            try:
                reviews, questions, stop = self._pull_reviews(found.hub_key, found.device_id)
            except Unreachable as exc:
                stop = Stop(exc.reason)
        team = None
        if stop is Stop.NONE and found.role == "lead":
            # A lead files their own contacts too; then the team's summaries and reviews.
            # Imported here because team.py builds on this module's Backoff and Stop.
            from outreach.sync.team import TeamSync

            team = TeamSync(
                self._db, self._client, now=self._now, rng=self._rng, backoff=self._backoff
            ).run(cancelled)
            stop = team.stop
        # After the reviews too: with nothing to send, their 401 is the first one heard.
        if stop in _BLOCKING:
            enrolment.block(self._db, stop.value)
        retries = [self.outbox.counts().next_try_at, team.next_try_at if team else None]
        report = SyncReport(
            acknowledged=acknowledged,
            failed=failed,
            held=held,
            reviews=reviews,
            questions=questions,
            stop=stop,
            next_try_at=min((t for t in retries if t is not None), default=None),
            team=team,
        )
        return self._finish(report)

    # --- one item -----------------------------------------------------------------------

    def _send(self, item: OutboxItem, found: enrolment.Enrolment) -> _Verdict:
        try:
            answer = self._client.submit(item.body, item.idempotency_key)
        except Unreachable as exc:
            return self._retry(item, Stop(exc.reason), exc.reason, None)
        status = answer.status
        if 200 <= status < 300:
            try:
                Receipt.model_validate_json(answer.body)
            except ValidationError:
                return self._retry(item, Stop.PROTOCOL, "protocol", None)
            return _Verdict(Outcome(item.id, ItemState.ACKNOWLEDGED, receipt=answer.body))
        stop, problem = refusal(
            answer, found.hub_key, found.device_id, item_refused=SUBMISSION_REFUSED
        )
        if stop in (Stop.AUTH, Stop.FORBIDDEN, Stop.WIPE):
            # Not the item's fault: it waits, unchanged, for the next run.
            return _Verdict(
                Outcome(item.id, ItemState.FAILED, problem=problem, next_try_at=self._now()), stop
            )
        if stop is not Stop.NONE:
            return self._retry(item, stop, problem, answer.retry_after)
        return _Verdict(Outcome(item.id, ItemState.HELD, problem=answer.code, detail=answer.detail))

    def _retry(
        self, item: OutboxItem, stop: Stop, problem: str, retry_after: float | None
    ) -> _Verdict:
        wait = self._backoff.delay(item.attempts + 1, retry_after, self._rng)
        at = self._now() + timedelta(seconds=wait)
        return _Verdict(Outcome(item.id, ItemState.FAILED, problem=problem, next_try_at=at), stop)

    # --- reviews ------------------------------------------------------------------------

    def _pull_reviews(self, hub_key: str, device_id: str) -> tuple[int, int, Stop]:
        after = int(self._db.scalar("SELECT max(id) FROM hub_reviews") or 0)
        received = questions = 0
        while True:
            page = self._client.reviews(after)
            if isinstance(page, Answer):
                return (
                    received,
                    questions,
                    refusal(page, hub_key, device_id)[0] or Stop.PROTOCOL,
                )
            if not page:
                return received, questions, Stop.NONE
            questions += self._store_reviews(page)
            received += len(page)
            after = max(r.id for r in page)

    def _store_reviews(self, reviews: list[Review]) -> int:
        """Keep the reviews; a lead's "needs more" questions join the keep-asking lists of
        the young people in that contact. Returns how many questions were added."""
        asking = KeepAsking(self._db, now=self._now)
        stamp = utc_stamp(self._now())
        added = 0
        with self._db.transaction():
            for review in reviews:
                inserted = self._db.execute(
                    "INSERT INTO hub_reviews (id, summary_id, version, outcome, comment, "
                    "questions, reason, reviewer, recorded_at, received_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                    (*review_values(review), stamp),
                ).rowcount
                if inserted and review.outcome == "needs_more":
                    added += asking.add_from_review(review.summary_id, review.questions)
            audit.record(self._db, "reviews_received", str(len(reviews)), now=self._now)
        return added

    # --- the result ---------------------------------------------------------------------

    def _finish(self, report: SyncReport) -> SyncReport:
        with self._db.transaction():
            if report.stop is Stop.NONE:
                _set(self._db, LAST_SUCCESS, utc_stamp(self._now()))
                self._db.execute("DELETE FROM meta WHERE key = ?", (PROBLEM,))
                if report.acknowledged:
                    audit.record(self._db, "synced", str(report.acknowledged), now=self._now)
            elif report.stop is not Stop.CANCELLED:
                _set(self._db, PROBLEM, report.stop.value)
        return report


def stopped(db: Database, stop: Stop) -> SyncReport:
    """A run that stops before sending anything (the laptop must enrol again with the hub
    policy names, the pin cannot be read): its problem is recorded for the status line as
    a run's is."""
    with db.transaction():
        _set(db, PROBLEM, stop.value)
    return SyncReport(stop=stop)


def refusal(
    answer: Answer,
    hub_key: str,
    device_id: str,
    *,
    item_refused: frozenset[int] = REVIEW_REFUSED,
) -> tuple[Stop, str]:
    """How an answer other than the one expected stops the run, if it does, and the
    problem's code (``Stop.NONE`` and the hub's code: the hub refused only this item, with
    a status in ``item_refused``)."""
    status = answer.status
    if 200 <= status < 300:
        return Stop.PROTOCOL, "protocol"
    if status == 429:
        return Stop.BUSY, "busy"
    if status in (408, 409) or status >= 500:
        return Stop.HUB_ERROR, "hub_error" if status >= 500 else "busy"
    if not answer.code:
        # A redirect, or a refusal without the hub's Problem body: a proxy, a captive portal
        # or a moved address answered, not the hub. Neither the item nor the enrolment is
        # at fault (re-enrolling would not help), so nothing is held or blocked.
        return Stop.ADDRESS, "address"
    if status == 401:
        return Stop.AUTH, "auth"
    if status == 403 and answer.code == "device_revoked":
        if answer.wipe is not None and _verified_wipe(answer.wipe, hub_key, device_id):
            return Stop.WIPE, "wipe"
        return Stop.FORGED_WIPE, "forged_wipe"
    if status == 403:
        return Stop.FORBIDDEN, "forbidden"
    if status in item_refused:
        return Stop.NONE, answer.code
    return Stop.ADDRESS, "address"  # the hub's own 404 or 405: not its API at this address


def review_values(review: Review) -> tuple[object, ...]:
    """A review as the columns the vault keeps it in (``hub_reviews``, ``team_reviews``)."""
    return (
        review.id,
        review.summary_id,
        review.version,
        review.outcome,
        review.comment,
        json.dumps(review.questions),
        review.reason,
        review.reviewer,
        utc_stamp(review.recorded_at),
    )


def _verified_wipe(raw: dict[str, object], hub_key: str, device_id: str) -> bool:
    try:
        instruction = WipeInstruction.model_validate(raw)
    except ValidationError:
        return False
    return verify(hub_key, instruction, device_id)


def _set(db: Database, key: str, value: str) -> None:
    db.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


@dataclass(frozen=True)
class SyncStatus:
    """What the status bar shows: waiting items, the last success, the current problem."""

    waiting: int
    held: int
    last_success_at: datetime | None
    problem: str  # a Stop value, "" when the last run went through
    next_try_at: datetime | None


def status(db: Database) -> SyncStatus:
    counts = Outbox(db).counts()
    last = db.scalar("SELECT value FROM meta WHERE key = ?", (LAST_SUCCESS,))
    problem = enrolment.blocked(db) or db.scalar("SELECT value FROM meta WHERE key = ?", (PROBLEM,))
    return SyncStatus(
        waiting=counts.waiting,
        held=counts.held,
        last_success_at=datetime.fromisoformat(last) if last else None,
        problem=str(problem or ""),
        next_try_at=counts.next_try_at,
    )
