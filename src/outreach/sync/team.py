"""Team-lead review, without Qt: the team's summaries kept in the lead's vault, the review
queue, one summary in full, recording reviews through an outbox, and the team sync.

A lead's laptop pulls every version of every summary of their team (the hub's team feed),
the team's reviews and the team-wide links into its own encrypted vault, so reviewing
works offline. A review is written once to ``review_outbox`` as the exact ``ReviewIn``
bytes under its own idempotency key, and shown as pending until the hub acknowledges it;
reviews are never edited (a second review of the same summary is a new one).

The queue is the team's current summaries (the highest version of each), not yet
reviewed by default, highest concern first:

1. worry, highest first (no worry recorded sorts below 0);
2. then the number of indicators marked (``concerns``, yes or possible);
3. then the number of nudges the worker acknowledged;
4. then the oldest contact first.

A summary is **high concern** when its worry is ``high_worry`` or more, or when an
indicator in ``GRAVE_CONCERNS`` is marked yes (not merely possible): sexual activity,
STIs or pregnancy, self-harm, injuries without a plausible explanation, a disclosure then
withdrawn. A high-concern summary still unreviewed ``review_within`` after it began
waiting (the arrival of the oldest version newer than any review of it) is **overdue**.

A review counts for the version it names: when the worker sends a new version after a
review, the summary is unreviewed again.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal, NamedTuple

from outreach.contract.summary import Review, ReviewIn, Summary, TeamLink
from outreach.sync.client import HubClient
from outreach.sync.engine import Backoff, Stop
from outreach.vault.audit import utc_now
from outreach.vault.database import Database

ReviewOutcome = Literal["approved", "needs_more", "escalated"]
# What the queue shows for a summary's current version.
QueueState = Literal["unreviewed", "pending", "approved", "needs_more", "escalated"]
# What the queue may be filtered to: one state, or everything.
StateFilter = Literal["unreviewed", "pending", "approved", "needs_more", "escalated", "all"]

# Indicators that make a summary high concern whatever its worry, when marked yes.
GRAVE_CONCERNS: frozenset[str] = frozenset(
    {"sexual_activity", "sexual_health", "self_harm", "injuries", "disclosure_withdrawn"}
)

# Keys in the vault's ``meta`` table.
FEED_AFTER = "team.feed_after"
REVIEWS_AFTER = "team.reviews_after"
PULLED_AT = "team.pulled_at"

_BACKOFF = Backoff()


@dataclass(frozen=True)
class QueueFilter:
    """What the queue shows. Every field narrows it; ``None`` means any."""

    worker: str | None = None  # the hub's user name, as ``TeamStore.workers`` lists it
    young_person: str | None = None  # a reference, as ``TeamStore.young_people`` lists it
    since: datetime | None = None  # contact_at at or after
    until: datetime | None = None  # contact_at before
    indicator: str | None = None  # an indicator id: matches it marked yes or possible
    state: StateFilter = "unreviewed"


@dataclass(frozen=True)
class QueueItem:
    """One summary in the queue: its current version as the lead's list shows it."""

    summary_id: str
    version: int  # the current (highest) version the lead has
    worker: str
    contact_at: datetime
    received_at: datetime  # when the hub received this version
    waiting_since: datetime  # when the oldest version newer than any review arrived
    kind: str  # the contact's kind ("street", "drop_in", ...)
    area: str
    worry: int | None
    concerns: tuple[str, ...]  # indicator ids, "id:possible" where marked possible
    nudges: tuple[str, ...]  # acknowledged nudges, by id
    young_people: tuple[str, ...]  # references
    open_questions: int
    state: QueueState  # "pending" while a review waits in this lead's outbox
    high_concern: bool
    overdue: bool  # high concern, unreviewed, and waiting longer than review_within
    instinct: str  # the worker's instinct on one line, clipped for the list
    instinct_skipped: bool
    account: str  # the worker's short account on one line, clipped for the list


class SummaryVersion(NamedTuple):
    """One version of a summary as the hub received it."""

    summary: Summary
    worker: str
    received_at: datetime


class ReviewState(StrEnum):
    """A review in this lead's outbox (the same meanings as the summary outbox)."""

    APPROVED = "approved"  # recorded, waiting to be sent
    SENDING = "sending"
    ACKNOWLEDGED = "acknowledged"  # the hub's Review is stored in ``response``
    FAILED = "failed"  # will be tried again at ``next_try_at``
    HELD = "held"  # the hub refused it; the problem says why


@dataclass(frozen=True)
class ReviewEntry:
    """A review as the summary's page shows it: from the hub, or still in the outbox."""

    summary_id: str
    version: int | None  # the version reviewed (None only for a pending review without one)
    outcome: ReviewOutcome
    comment: str
    questions: tuple[str, ...]
    reason: str
    reviewer: str  # the hub's user name; this lead's own for a pending review
    recorded_at: datetime  # the hub's time; for a pending review, when the lead made it
    hub_id: int | None  # None until the hub acknowledged it
    outbox_state: ReviewState | None  # None for a review that came from the hub
    problem: str  # a stable code while it waits or is held, else ""

    @property
    def pending(self) -> bool:
        return self.hub_id is None


@dataclass(frozen=True)
class SummaryDetail:
    """One summary in full: every version, every review, the team links it is part of."""

    item: QueueItem  # its current version as the queue shows it (state, overdue, ...)
    versions: tuple[SummaryVersion, ...]  # newest first
    reviews: tuple[ReviewEntry, ...]  # newest first, pending ones (from the outbox) first
    links: tuple[TeamLink, ...]  # team-wide links one of its current mentions is keyed to

    @property
    def current(self) -> Summary:
        return self.versions[0].summary


@dataclass(frozen=True)
class ReviewItem:
    """One row of the review outbox."""

    id: int
    idempotency_key: str
    summary_id: str
    body: bytes  # the exact ReviewIn JSON sent, written once
    state: ReviewState
    attempts: int
    next_try_at: datetime | None
    problem: str  # a stable code ("offline", "busy", the hub's Problem code, ...)
    problem_detail: str  # the hub's own words for a held review, in English
    response: Review | None  # the hub's Review once acknowledged
    created_at: datetime
    updated_at: datetime

    @property
    def review(self) -> ReviewIn:
        return ReviewIn.model_validate_json(self.body)


@dataclass(frozen=True)
class ReviewCounts:
    waiting: int  # approved, sending or failed
    held: int
    next_try_at: datetime | None  # the soonest retry among failed reviews


class ReviewRefused(ValueError):
    """``record_review`` would not record this review; ``code`` says why:
    ``unknown_summary``, ``unknown_version``, ``needs_questions`` (needs more without a
    question) or ``needs_reason`` (an escalation without a reason)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class TeamStore:
    """The team's summaries, reviews and links in the lead's vault (main thread use)."""

    def __init__(
        self,
        db: Database,
        *,
        now: Callable[[], datetime] = utc_now,
        review_within: timedelta = timedelta(hours=24),
        high_worry: int = 7,
    ) -> None:
        self._db = db
        self._now = now
        self._review_within = review_within
        self._high_worry = high_worry

    def queue(
        self, filters: QueueFilter = QueueFilter(), limit: int = 200, offset: int = 0
    ) -> list[QueueItem]:
        """Current summaries matching ``filters``, highest concern first, then oldest."""
        raise NotImplementedError

    def count(self, filters: QueueFilter = QueueFilter()) -> int:
        """How many current summaries match ``filters`` (the queue's length, unlimited)."""
        raise NotImplementedError

    def overdue_count(self) -> int:
        """How many current summaries are overdue, whatever the filters (the window's count)."""
        raise NotImplementedError

    def workers(self) -> list[str]:
        """Every worker with a summary in the vault, sorted (filter choices)."""
        raise NotImplementedError

    def indicators(self) -> list[str]:
        """Every indicator id marked in a current summary, sorted (filter choices)."""
        raise NotImplementedError

    def young_people(self) -> list[str]:
        """Every young person reference in a current summary, sorted (filter choices)."""
        raise NotImplementedError

    def detail(self, summary_id: str) -> SummaryDetail:
        """One summary in full. Raises ``LookupError`` for one the vault does not hold."""
        raise NotImplementedError

    def record_review(self, summary_id: str, review: ReviewIn) -> ReviewItem:
        """Queue a review of ``summary_id`` in one transaction; it shows as pending until
        the hub acknowledges it. A review without a version is made for the current
        version the lead sees. Raises ``ReviewRefused``."""
        raise NotImplementedError

    def review_items(self, summary_id: str | None = None) -> list[ReviewItem]:
        """Rows of the review outbox, newest first; of one summary when given."""
        raise NotImplementedError

    def review_counts(self) -> ReviewCounts:
        raise NotImplementedError

    def pulled_at(self) -> datetime | None:
        """When the team's summaries were last pulled from the hub in full."""
        raise NotImplementedError


@dataclass(frozen=True)
class TeamReport:
    sent: int = 0  # reviews the hub acknowledged
    failed: int = 0
    held: int = 0
    summaries: int = 0  # summary versions pulled from the feed
    reviews: int = 0  # team reviews pulled
    links: int = 0  # team links now held
    stop: Stop = Stop.NONE  # why the run stopped early, as the summary engine says it
    next_try_at: datetime | None = None  # the soonest retry of a failed review


class TeamSync:
    """One team sync for a lead: send waiting reviews (each answer handled as the summary
    outbox's are: 2xx acknowledged, no answer/408/409/429/5xx retried after a backoff and
    never before Retry-After, 401/403 stop and block syncing, other 4xx held), then pull
    the feed until it is empty, then the team's reviews, then the links (replaced whole).

    ``SyncEngine.run`` calls this after its own work when the vault is enrolled as a lead.
    """

    def __init__(
        self,
        db: Database,
        client: HubClient,
        *,
        now: Callable[[], datetime] = utc_now,
        rng: random.Random | None = None,
        backoff: Backoff = _BACKOFF,
        page: int = 500,
    ) -> None:
        self._db = db
        self._client = client
        self._now = now
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not a secret
        self._backoff = backoff
        self._page = page

    def run(self, cancelled: Callable[[], bool] = lambda: False) -> TeamReport:
        raise NotImplementedError
