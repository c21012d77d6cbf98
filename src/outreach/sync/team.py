"""Team-lead review, without Qt: the team's summaries kept in the lead's vault, the review
queue, one summary in full, recording reviews through an outbox, and the team sync.

A lead's laptop pulls every version of every summary of their team (the hub's team feed),
the team's reviews and the team-wide links into its own encrypted vault, so reviewing
works offline. A review is written once to ``review_outbox`` as the exact ``ReviewIn``
bytes under its own idempotency key, and shown as pending until the hub acknowledges it;
reviews are never edited (a second review of the same summary is a new one).

The links are kept as the hub lists them: a ``"same"`` link of one key, and a
``"possible"`` one of a key and ``other_key`` (a place given with an area and the same name
given with none), each its own row, so that a place with both keeps both. A summary shows
the links of its mentions' keys, a possible one by either key; the most young people
first, then workers, then the same before the possible. (The hub lists every same
link before any possible one, so that possible links never crowd same ones out of its
cap; the vault holds all it was sent, so here they are ranked together.)

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

The app builds the store with policy: ``review_within`` from ``review_within_hours`` and
``high_worry`` from ``nudge_high_worry``. Whether a version names a grave indicator is
worked out as it arrives. For a lead, ``SyncEngine.run`` also fetches the team's reviews
into ``hub_reviews`` (the worker's path, which adds a lead's questions to the lead's own
contacts); the team sync keeps its own copy in ``team_reviews`` under its own cursor.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Literal, NamedTuple

from pydantic import ValidationError

from outreach.contract.summary import FeedSummary, Review, ReviewIn, Summary, TeamLink
from outreach.links.keys import Mention, entity_key
from outreach.records.codec import utc_stamp
from outreach.sync import enrolment
from outreach.sync.client import Answer, HubClient, Unreachable
from outreach.sync.engine import Backoff, Stop, refusal, review_values
from outreach.vault import audit
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
        """Not (yet) received by the hub: waiting in the outbox, or held there when
        ``outbox_state`` is ``HELD`` (then ``problem`` says why)."""
        return self.hub_id is None


@dataclass(frozen=True)
class SummaryDetail:
    """One summary in full: every version, every review, the team links it is part of."""

    item: QueueItem  # its current version as the queue shows it (state, overdue, ...)
    versions: tuple[SummaryVersion, ...]  # newest first
    reviews: tuple[ReviewEntry, ...]  # newest first, pending ones (from the outbox) first
    # Team-wide links one of its current mentions is keyed to (a possible link by either
    # of its keys), the most young people first, then workers, the same before the possible.
    links: tuple[TeamLink, ...]

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
        new_key: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        self._db = db
        self._now = now
        self._review_within = review_within
        self._high_worry = high_worry
        self._new_key = new_key

    # --- the queue ----------------------------------------------------------------------

    def _where(self, filters: QueueFilter, summary_id: str | None = None) -> tuple[str, list[Any]]:
        where = ["s.is_current = 1"]
        params: list[Any] = []
        if summary_id is not None:
            # By its id's index, not the queue's.
            where = ["s.summary_id = ?", "+s.is_current = 1"]
            params.append(summary_id)
        if filters.state != "all":
            where.append("s.state = ?")
            params.append(filters.state)
        if filters.worker is not None:
            where.append("s.worker = ?")
            params.append(filters.worker)
        if filters.since is not None:
            where.append("s.contact_at >= ?")
            params.append(utc_stamp(filters.since))
        if filters.until is not None:
            where.append("s.contact_at < ?")
            params.append(utc_stamp(filters.until))
        if filters.young_person is not None:
            where.append(
                "s.seq IN (SELECT t.seq FROM team_summary_tags t "
                "WHERE t.kind = 'person' AND t.value = ?)"
            )
            params.append(filters.young_person)
        if filters.indicator is not None:
            where.append(
                "s.seq IN (SELECT t.seq FROM team_summary_tags t "
                "WHERE t.kind = 'concern' AND t.value IN (?, ?))"
            )
            params += [filters.indicator, f"{filters.indicator}:possible"]
        return " AND ".join(where), params

    def _rows(
        self, filters: QueueFilter, tail: str, tail_params: Sequence[Any], summary_id: str | None
    ) -> list[tuple[Any, ...]]:
        where, params = self._where(filters, summary_id)
        cutoff = utc_stamp(self._now() - self._review_within)
        sql = f"SELECT {_QUEUE_COLUMNS} FROM team_summaries s WHERE {where} {tail}"  # noqa: S608
        rows = self._db.query(
            sql, [self._high_worry, self._high_worry, cutoff, *params, *tail_params]
        )
        # The bodies of the rows found only: sorting never carries them.
        seqs = [row[0] for row in rows]
        bodies: dict[int, str] = {}
        for start in range(0, len(seqs), 500):
            chunk = seqs[start : start + 500]
            bodies.update(
                self._db.query(
                    "SELECT seq, body FROM team_summary_bodies "  # noqa: S608
                    f"WHERE seq IN ({', '.join('?' * len(chunk))})",
                    chunk,
                )
            )
        return [(*row[1:], bodies[row[0]]) for row in rows]

    def queue(
        self, filters: QueueFilter = QueueFilter(), limit: int = 200, offset: int = 0
    ) -> list[QueueItem]:
        """Current summaries matching ``filters``, highest concern first, then oldest."""
        rows = self._rows(filters, _ORDER + " LIMIT ? OFFSET ?", (limit, offset), None)
        return [_queue_item(row) for row in rows]

    def count(self, filters: QueueFilter = QueueFilter()) -> int:
        """How many current summaries match ``filters`` (the queue's length, unlimited)."""
        where, params = self._where(filters)
        sql = f"SELECT count(*) FROM team_summaries s WHERE {where}"  # noqa: S608
        return int(self._db.scalar(sql, params) or 0)

    def overdue_count(self) -> int:
        """How many current summaries are overdue, whatever the filters (the window's count)."""
        cutoff = utc_stamp(self._now() - self._review_within)
        return int(
            self._db.scalar(
                "SELECT count(*) FROM team_summaries WHERE is_current = 1 "
                "AND state = 'unreviewed' AND (worry_rank >= ? OR grave = 1) "
                "AND coalesce(waiting_since, received_at) <= ?",
                (self._high_worry, cutoff),
            )
            or 0
        )

    def workers(self) -> list[str]:
        """Every worker with a summary in the vault, sorted (filter choices)."""
        rows = self._db.query("SELECT DISTINCT worker FROM team_summaries ORDER BY worker")
        return [worker for (worker,) in rows]

    def indicators(self) -> list[str]:
        """Every indicator id marked in a current summary, sorted (filter choices)."""
        rows = self._db.query("SELECT DISTINCT value FROM team_summary_tags WHERE kind = 'concern'")
        return sorted({value.removesuffix(":possible") for (value,) in rows})

    def young_people(self) -> list[str]:
        """Every young person reference in a current summary, sorted (filter choices)."""
        rows = self._db.query(
            "SELECT DISTINCT value FROM team_summary_tags WHERE kind = 'person' ORDER BY value"
        )
        return [value for (value,) in rows]

    # --- one summary --------------------------------------------------------------------

    def detail(self, summary_id: str) -> SummaryDetail:
        """One summary in full. Raises ``LookupError`` for one the vault does not hold."""
        rows = self._rows(QueueFilter(state="all"), "", (), summary_id)
        if not rows:
            raise LookupError(summary_id)
        item = _queue_item(rows[0])
        versions = tuple(
            SummaryVersion(Summary.model_validate_json(body), worker, _time(received))
            for body, worker, received in self._db.query(
                "SELECT b.body, s.worker, s.received_at FROM team_summaries s "
                "JOIN team_summary_bodies b ON b.seq = s.seq WHERE s.summary_id = ? "
                "ORDER BY s.version DESC",
                (summary_id,),
            )
        )
        return SummaryDetail(
            item=item,
            versions=versions,
            reviews=tuple(self._reviews_of(summary_id)),
            links=tuple(self._links_of(versions[0].summary)),
        )

    def _reviews_of(self, summary_id: str) -> list[ReviewEntry]:
        me = enrolment.current(self._db)
        reviewer = me.user if me is not None else ""
        entries = []
        for review_item in self.review_items(summary_id):
            if review_item.state is ReviewState.ACKNOWLEDGED:
                continue  # the hub's copy is in team_reviews
            review = review_item.review
            entries.append(
                ReviewEntry(
                    summary_id=summary_id,
                    version=review.version,
                    outcome=review.outcome,
                    comment=review.comment,
                    questions=tuple(review.questions),
                    reason=review.reason,
                    reviewer=reviewer,
                    recorded_at=review_item.created_at,
                    hub_id=None,
                    outbox_state=review_item.state,
                    problem=review_item.problem,
                )
            )
        rows = self._db.query(
            "SELECT id, version, outcome, comment, questions, reason, reviewer, recorded_at "
            "FROM team_reviews WHERE summary_id = ? ORDER BY recorded_at DESC, id DESC",
            (summary_id,),
        )
        for id_, version, outcome, comment, questions, reason, by, recorded in rows:
            entries.append(
                ReviewEntry(
                    summary_id=summary_id,
                    version=version,
                    outcome=outcome,
                    comment=comment,
                    questions=tuple(json.loads(questions)),
                    reason=reason,
                    reviewer=by,
                    recorded_at=_time(recorded),
                    hub_id=id_,
                    outbox_state=None,
                    problem="",
                )
            )
        return entries

    def _links_of(self, summary: Summary) -> list[TeamLink]:
        """The team links keyed to the summary's mentions, as the hub keys them: a link
        whose ``key`` one of them has, and a possible link whose ``other_key`` one has (the
        place named with no area, where the link is kept under the place with its area)."""
        keys = []
        for mention in summary.mentions:
            found = entity_key(Mention(mention.kind, mention.text, mention.extra))
            if found is not None:
                keys.append((mention.kind, found[0][:200]))
        links: dict[tuple[str, str, str, str], TeamLink] = {}
        for kind, key in dict.fromkeys(keys):
            rows = self._db.query(
                f"SELECT {_LINK_COLUMNS} FROM team_links WHERE kind = ? AND key = ? "  # noqa: S608
                f"UNION SELECT {_LINK_COLUMNS} FROM team_links WHERE kind = ? AND other_key = ?",
                (kind, key, kind, key),
            )
            for row in rows:
                link = _link(row)
                links.setdefault(_identity(link), link)
        return sorted(links.values(), key=_link_order)

    # --- reviewing ----------------------------------------------------------------------

    def record_review(self, summary_id: str, review: ReviewIn) -> ReviewItem:
        """Queue a review of ``summary_id`` in one transaction; it shows as pending until
        the hub acknowledges it. A review without a version is made for the current
        version the lead sees. Raises ``ReviewRefused``."""
        if review.outcome == "needs_more" and not review.questions:
            raise ReviewRefused("needs_questions")
        if review.outcome == "escalated" and not review.reason.strip():
            raise ReviewRefused("needs_reason")
        with self._db.transaction():
            versions = {
                v
                for (v,) in self._db.query(
                    "SELECT version FROM team_summaries WHERE summary_id = ?", (summary_id,)
                )
            }
            if not versions:
                raise ReviewRefused("unknown_summary")
            version = review.version if review.version is not None else max(versions)
            if version not in versions:
                raise ReviewRefused("unknown_version")
            body = review.model_copy(update={"version": version}).model_dump_json().encode()
            stamp = utc_stamp(self._now())
            cursor = self._db.execute(
                "INSERT INTO review_outbox (idempotency_key, summary_id, version, body, state, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, 'approved', ?, ?)",
                (self._new_key(), summary_id, version, body, stamp, stamp),
            )
            new_id = int(cursor.lastrowid)
            _refresh(self._db, summary_id)
            audit.record(self._db, "review_recorded", review.outcome, now=self._now)
        return self._review_item(new_id)

    def _review_item(self, item_id: int) -> ReviewItem:
        rows = self._db.query(
            f"SELECT {_REVIEW_COLUMNS} FROM review_outbox WHERE id = ?",  # noqa: S608
            (item_id,),
        )
        if not rows:
            raise LookupError(item_id)
        return _review_row(rows[0])

    def review_items(self, summary_id: str | None = None) -> list[ReviewItem]:
        """Rows of the review outbox, newest first; of one summary when given."""
        if summary_id is None:
            rows = self._db.query(
                f"SELECT {_REVIEW_COLUMNS} FROM review_outbox ORDER BY id DESC"  # noqa: S608
            )
        else:
            rows = self._db.query(
                f"SELECT {_REVIEW_COLUMNS} FROM review_outbox "  # noqa: S608
                "WHERE summary_id = ? ORDER BY id DESC",
                (summary_id,),
            )
        return [_review_row(row) for row in rows]

    def review_counts(self) -> ReviewCounts:
        rows = dict(self._db.query("SELECT state, count(*) FROM review_outbox GROUP BY state"))
        soonest = self._db.scalar(
            "SELECT min(next_try_at) FROM review_outbox WHERE state = 'failed'"
        )
        return ReviewCounts(
            waiting=sum(rows.get(state, 0) for state in _WAITING),
            held=rows.get(ReviewState.HELD.value, 0),
            next_try_at=_time(soonest) if soonest else None,
        )

    def links(self) -> list[TeamLink]:
        """Every team-wide link the vault holds (as the hub last sent them), most young
        people first, then most workers, then a link that is the same before one that is
        possible, then the most recently seen."""
        return _all_links(self._db)

    def pulled_at(self) -> datetime | None:
        """When the team's summaries were last pulled from the hub in full."""
        value = self._db.scalar("SELECT value FROM meta WHERE key = ?", (PULLED_AT,))
        return _time(value) if value else None


# --- rows ---------------------------------------------------------------------------------

_WAITING = ("approved", "sending", "failed")
_WAITING_SQL = "('approved', 'sending', 'failed')"
_CLIP = 160
# high_concern, then overdue (high, unreviewed, waiting since before the cutoff).
_QUEUE_COLUMNS = (
    "s.seq, s.summary_id, s.version, s.worker, s.contact_at, s.received_at, s.waiting_since, "
    "s.state, (s.worry_rank >= ? OR s.grave = 1), (s.state = 'unreviewed' AND "
    "(s.worry_rank >= ? OR s.grave = 1) AND coalesce(s.waiting_since, s.received_at) <= ?)"
)
_ORDER = "ORDER BY s.worry_rank DESC, s.concerns DESC, s.nudges DESC, s.contact_at, s.summary_id"
_LINK_COLUMNS = (
    "kind, key, label, young_people, workers, summaries, last_at, match, other_key, other_label"
)
# At equal counts: the same thing before a possible one.
_MATCH_ORDER = {"same": 0, "possible": 1}
_REVIEW_COLUMNS = (
    "id, idempotency_key, summary_id, body, state, attempts, next_try_at, problem, "
    "problem_detail, response, created_at, updated_at"
)


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _CLIP else text[: _CLIP - 1].rstrip() + "…"


def _queue_item(row: tuple[Any, ...]) -> QueueItem:
    (summary_id, version, worker, contact_at, received_at, waiting_since, state, high,
     overdue, body) = row  # fmt: skip
    summary = Summary.model_validate_json(body)
    return QueueItem(
        summary_id=summary_id,
        version=version,
        worker=worker,
        contact_at=_time(contact_at),
        received_at=_time(received_at),
        waiting_since=_time(waiting_since or received_at),
        kind=summary.kind,
        area=summary.area,
        worry=summary.worry,
        concerns=tuple(summary.concerns),
        nudges=tuple(summary.nudges),
        young_people=tuple(p.ref for p in summary.young_people),
        open_questions=len(summary.open_questions),
        state=state,
        high_concern=bool(high),
        overdue=bool(overdue),
        instinct=_line(summary.instinct),
        instinct_skipped=summary.instinct_skipped,
        account=_line(summary.account),
    )


def _link(row: tuple[Any, ...]) -> TeamLink:
    kind, key, label, people, workers, summaries, last_at, match, other_key, other_label = row
    return TeamLink(
        kind=kind,
        key=key,
        label=label,
        young_people=json.loads(people),
        workers=json.loads(workers),
        summaries=summaries,
        last_at=_time(last_at),
        match=match,
        other_key=other_key or None,  # '' in the vault: a same link has none
        other_label=other_label,
    )


def _identity(link: TeamLink) -> tuple[str, str, str, str]:
    """What one row of ``team_links`` is: a same link of a key, or a possible one of a key
    and another."""
    return link.kind, link.key, link.match, link.other_key or ""


def _link_order(link: TeamLink) -> tuple[Any, ...]:
    """The most worrying first: most young people, most workers, the same before the
    possible, the most recently seen; then by what it is."""
    return (
        -len(link.young_people),
        -len(link.workers),
        _MATCH_ORDER.get(link.match, len(_MATCH_ORDER)),
        -link.last_at.timestamp(),
        link.label,
        link.key,
        link.other_key or "",
    )


def _review_row(row: tuple[Any, ...]) -> ReviewItem:
    (id_, key, summary_id, body, state, attempts, next_try, problem, detail, response,
     created, updated) = row  # fmt: skip
    return ReviewItem(
        id=id_,
        idempotency_key=key,
        summary_id=summary_id,
        body=bytes(body),
        state=ReviewState(state),
        attempts=attempts,
        next_try_at=_time(next_try) if next_try else None,
        problem=problem,
        problem_detail=detail,
        response=Review.model_validate_json(response) if response else None,
        created_at=_time(created),
        updated_at=_time(updated),
    )


def _all_links(db: Database) -> list[TeamLink]:
    rows = db.query(f"SELECT {_LINK_COLUMNS} FROM team_links")  # noqa: S608
    return sorted((_link(row) for row in rows), key=_link_order)


# --- storing what the hub sent ----------------------------------------------------------


def _store_feed(db: Database, items: Sequence[FeedSummary], next_after: int) -> int:
    """Keep a page of the team feed and move the cursor to ``next_after``, in one
    transaction. Returns how many versions were new."""
    added = 0
    with db.transaction():
        for item in items:
            added += _arrive(db, item)
        _set(db, FEED_AFTER, str(next_after))
    return added


def _arrive(db: Database, item: FeedSummary) -> bool:
    """One version from the feed, with its state worked out before it is written (a row
    carries its body, so it is written once rather than updated after)."""
    summary = item.summary
    if db.scalar(
        "SELECT 1 FROM team_summaries WHERE seq = ? OR (summary_id = ? AND version = ?)",
        (item.seq, summary.id, summary.version),
    ):
        return False
    newest = db.scalar(
        "SELECT max(version) FROM team_summaries WHERE summary_id = ?", (summary.id,)
    )
    current = newest is None or summary.version > newest
    received = utc_stamp(item.received_at)
    state, waiting = "unreviewed", None
    if current:
        state, waiting = _status(db, summary.id, summary.version, arriving=received)
        for (old,) in db.query(
            "SELECT seq FROM team_summaries WHERE summary_id = ? AND +is_current = 1",
            (summary.id,),
        ):
            db.execute("UPDATE team_summaries SET is_current = 0 WHERE seq = ?", (old,))
            db.execute("DELETE FROM team_summary_tags WHERE seq = ?", (old,))
            db.execute("DELETE FROM team_summary_mentions WHERE seq = ?", (old,))
    db.execute(
        "INSERT INTO team_summaries (seq, summary_id, version, worker, received_at, contact_at, "
        "worry, worry_rank, concerns, nudges, grave, missing, language_prompts, is_current, "
        "state, waiting_since) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            item.seq,
            summary.id,
            summary.version,
            item.worker,
            received,
            utc_stamp(summary.contact_at),
            summary.worry,
            -1 if summary.worry is None else summary.worry,
            len(summary.concerns),
            len(summary.nudges),
            int(any(tag in GRAVE_CONCERNS for tag in summary.concerns)),
            sum(1 for o in summary.observations if o.kind == "missing"),
            summary.language_prompts,
            int(current),
            state,
            waiting,
        ),
    )
    db.execute(
        "INSERT INTO team_summary_bodies (seq, body) VALUES (?, ?)",
        (item.seq, summary.model_dump_json()),
    )
    if current:
        tags = {("person", p.ref) for p in summary.young_people}
        tags |= {("concern", tag) for tag in summary.concerns}
        db.executemany(
            "INSERT INTO team_summary_tags (kind, value, seq) VALUES (?, ?, ?)",
            [(kind, value, item.seq) for kind, value in sorted(tags)],
        )
        db.executemany(
            "INSERT INTO team_summary_mentions (seq, kind, key, label) VALUES (?, ?, ?, ?)",
            [(item.seq, kind, key, label) for (kind, key), label in _keyed(summary).items()],
        )
    return True


def _keyed(summary: Summary) -> dict[tuple[str, str], str]:
    """The summary's mentions as the hub keys them: (kind, key) -> label."""
    keyed: dict[tuple[str, str], str] = {}
    for mention in summary.mentions:
        found = entity_key(Mention(mention.kind, mention.text, mention.extra))
        if found is not None:
            keyed.setdefault((mention.kind, found[0][:200]), found[2][:200])
    return keyed


def _status(
    db: Database, summary_id: str, version: int, arriving: str | None = None
) -> tuple[str, str | None]:
    """The review state of one version and since when the summary has waited for a review
    (the arrival of the oldest version newer than any review, ``arriving`` included)."""
    if db.scalar(
        f"SELECT 1 FROM review_outbox WHERE summary_id = ? AND version = ? "  # noqa: S608
        f"AND state IN {_WAITING_SQL}",
        (summary_id, version),
    ):
        state = "pending"
    else:
        state = str(
            db.scalar(
                "SELECT outcome FROM team_reviews WHERE summary_id = ? AND version = ? "
                "ORDER BY id DESC LIMIT 1",
                (summary_id, version),
            )
            or "unreviewed"
        )
    reviewed = max(
        int(db.scalar("SELECT max(version) FROM team_reviews WHERE summary_id = ?", (summary_id,))
            or 0),
        int(db.scalar("SELECT max(version) FROM review_outbox WHERE summary_id = ? "
                      "AND state != 'held'", (summary_id,)) or 0),
    )  # fmt: skip
    waiting = db.scalar(
        "SELECT min(received_at) FROM team_summaries WHERE summary_id = ? AND version > ?",
        (summary_id, reviewed),
    )
    if arriving is not None and version > reviewed:
        waiting = min(waiting, arriving) if waiting else arriving
    return state, waiting


def _refresh(db: Database, summary_id: str) -> None:
    """Bring the current version's state up to date after a review or an outbox change
    (inside the caller's transaction); the row is written only when it changes."""
    rows = db.query(
        "SELECT seq, version, state, waiting_since FROM team_summaries "
        "WHERE summary_id = ? AND +is_current = 1",
        (summary_id,),
    )
    for seq, version, state, waiting in rows:
        found = _status(db, summary_id, version)
        if found != (state, waiting):
            db.execute(
                "UPDATE team_summaries SET state = ?, waiting_since = ? WHERE seq = ?",
                (*found, seq),
            )


def _store_reviews(db: Database, reviews: Sequence[Review], *, cursor: bool) -> int:
    """Keep the team's reviews (each once, by the hub's id); with ``cursor``, they came from
    the reviews list and its cursor moves past them. Returns how many were new."""
    added = 0
    with db.transaction():
        added = _insert_reviews(db, reviews)
        if cursor and reviews:
            _set(db, REVIEWS_AFTER, str(max(r.id for r in reviews)))
    return added


def _insert_reviews(db: Database, reviews: Sequence[Review]) -> int:
    added = 0
    for review in reviews:
        added += db.execute(
            "INSERT INTO team_reviews (id, summary_id, version, outcome, comment, questions, "
            "reason, reviewer, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (id) DO NOTHING",
            review_values(review),
        ).rowcount
    for summary_id in sorted({review.summary_id for review in reviews}):
        _refresh(db, summary_id)
    return added


def _store_links(db: Database, found: Sequence[TeamLink]) -> int:
    """Replace the team-wide links with the hub's current list; returns how many are held.

    A same link and a possible link of one key are two rows. The hub lists each link once;
    one listed twice is kept once with the young people, workers, summaries and latest
    time of both, never dropped."""
    links: dict[tuple[str, str, str, str], TeamLink] = {}
    for link in found:
        held = links.setdefault(_identity(link), link)
        if held is not link:
            links[_identity(link)] = held.model_copy(
                update={
                    "young_people": sorted({*held.young_people, *link.young_people}),
                    "workers": sorted({*held.workers, *link.workers}),
                    "summaries": max(held.summaries, link.summaries),
                    "last_at": max(held.last_at, link.last_at),
                    "other_label": held.other_label or link.other_label,
                }
            )
    with db.transaction():
        db.execute("DELETE FROM team_links")
        db.executemany(
            f"INSERT INTO team_links ({_LINK_COLUMNS}) "  # noqa: S608
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    link.kind,
                    link.key,
                    link.label,
                    json.dumps(link.young_people),
                    json.dumps(link.workers),
                    link.summaries,
                    utc_stamp(link.last_at),
                    link.match,
                    link.other_key or "",
                    link.other_label,
                )
                for link in links.values()
            ],
        )
    return len(links)


def _set(db: Database, key: str, value: str) -> None:
    db.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def _meta_int(db: Database, key: str) -> int:
    return int(db.scalar("SELECT value FROM meta WHERE key = ?", (key,)) or 0)


# --- the team sync ----------------------------------------------------------------------


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
        found = enrolment.current(self._db)
        if found is None:
            return TeamReport(stop=Stop.NOT_ENROLLED)
        if enrolment.blocked(self._db):
            return TeamReport(stop=Stop(enrolment.blocked(self._db)))
        if found.role != "lead":
            return TeamReport(stop=Stop.FORBIDDEN)
        sent = failed = held = summaries = reviews = links_held = 0
        stop = Stop.NONE
        try:
            sent, failed, held, stop = self._push(found, cancelled)
            if stop is Stop.NONE:
                summaries, stop = self._pull_feed(found, cancelled)
            if stop is Stop.NONE:
                reviews, stop = self._pull_reviews(found, cancelled)
            if stop is Stop.NONE:
                links_held, stop = self._pull_links(found)
        except Unreachable as exc:
            stop = Stop(exc.reason)
        if stop is Stop.NONE:
            with self._db.transaction():
                _set(self._db, PULLED_AT, utc_stamp(self._now()))
        if stop in (Stop.AUTH, Stop.FORBIDDEN):
            enrolment.block(self._db, stop.value)
        counts = TeamStore(self._db, now=self._now).review_counts()
        return TeamReport(
            sent=sent,
            failed=failed,
            held=held,
            summaries=summaries,
            reviews=reviews,
            links=links_held if stop is Stop.NONE else len(_all_links(self._db)),
            stop=stop,
            next_try_at=counts.next_try_at,
        )

    # --- sending reviews ----------------------------------------------------------------

    def _due(self, after: int) -> list[ReviewItem]:
        """Reviews to send now, oldest first (as ``Outbox.due``: a retry scheduled later
        than it was recorded from now means the clock went back, and it is due)."""
        now = utc_stamp(self._now())
        rows = self._db.query(
            f"SELECT {_REVIEW_COLUMNS} FROM review_outbox WHERE id > ? AND "  # noqa: S608
            "(state IN ('approved', 'sending') OR (state = 'failed' "
            "AND (next_try_at <= ? OR updated_at > ?))) ORDER BY id LIMIT 64",
            (after, now, now),
        )
        return [_review_row(row) for row in rows]

    def _push(
        self, found: enrolment.Enrolment, cancelled: Callable[[], bool]
    ) -> tuple[int, int, int, Stop]:
        sent = failed = held = 0
        taken = 0
        while True:
            items = self._due(taken)
            if not items:
                return sent, failed, held, Stop.NONE
            for item in items:
                if cancelled():
                    return sent, failed, held, Stop.CANCELLED
                taken = item.id
                self._mark_sending(item.id)
                state, stop = self._send(item, found)
                sent += state is ReviewState.ACKNOWLEDGED
                failed += state is ReviewState.FAILED
                held += state is ReviewState.HELD
                if stop is not Stop.NONE:
                    return sent, failed, held, stop

    def _mark_sending(self, item_id: int) -> None:
        with self._db.transaction():
            self._db.execute(
                "UPDATE review_outbox SET state = 'sending', attempts = attempts + 1, "
                "updated_at = ? WHERE id = ? AND state IN ('approved', 'sending', 'failed')",
                (utc_stamp(self._now()), item_id),
            )

    def _send(self, item: ReviewItem, found: enrolment.Enrolment) -> tuple[ReviewState, Stop]:
        try:
            answer = self._client.post_review(item.summary_id, item.body, item.idempotency_key)
        except Unreachable as exc:
            return self._retry(item, Stop(exc.reason), exc.reason, None)
        if 200 <= answer.status < 300:
            try:
                review = Review.model_validate_json(answer.body)
            except ValidationError:
                return self._retry(item, Stop.PROTOCOL, "protocol", None)
            stamp = utc_stamp(self._now())
            with self._db.transaction():
                self._db.execute(
                    "UPDATE review_outbox SET state = 'acknowledged', response = ?, "
                    "next_try_at = NULL, problem = '', problem_detail = '', updated_at = ? "
                    "WHERE id = ?",
                    (review.model_dump_json(), stamp, item.id),
                )
                _insert_reviews(self._db, [review])  # and the summary's state with it
                _refresh(self._db, item.summary_id)
            return ReviewState.ACKNOWLEDGED, Stop.NONE
        stop, problem = refusal(answer, found.hub_key, found.device_id)
        if stop in (Stop.AUTH, Stop.FORBIDDEN, Stop.WIPE):
            # Not the review's fault: it waits, unchanged, for the next run.
            self._record(item.id, item.summary_id, ReviewState.FAILED, problem, "", self._now())
            return ReviewState.FAILED, stop
        if stop is not Stop.NONE:
            return self._retry(item, stop, problem, answer.retry_after)
        problem = answer.code or f"http_{answer.status}"
        self._record(item.id, item.summary_id, ReviewState.HELD, problem, answer.detail, None)
        return ReviewState.HELD, Stop.NONE

    def _retry(
        self, item: ReviewItem, stop: Stop, problem: str, retry_after: float | None
    ) -> tuple[ReviewState, Stop]:
        wait = self._backoff.delay(item.attempts + 1, retry_after, self._rng)
        at = self._now() + timedelta(seconds=wait)
        self._record(item.id, item.summary_id, ReviewState.FAILED, problem, "", at)
        return ReviewState.FAILED, stop

    def _record(
        self,
        item_id: int,
        summary_id: str,
        state: ReviewState,
        problem: str,
        detail: str,
        at: datetime | None,
    ) -> None:
        with self._db.transaction():
            self._db.execute(
                "UPDATE review_outbox SET state = ?, problem = ?, problem_detail = ?, "
                "next_try_at = ?, updated_at = ? WHERE id = ? AND state != 'acknowledged'",
                (
                    state.value,
                    problem,
                    detail[:1000],
                    utc_stamp(at) if at else None,
                    utc_stamp(self._now()),
                    item_id,
                ),
            )
            _refresh(self._db, summary_id)

    # --- pulling ------------------------------------------------------------------------

    def _stopped(self, answer: Answer, found: enrolment.Enrolment) -> Stop:
        return refusal(answer, found.hub_key, found.device_id)[0] or Stop.PROTOCOL

    def _pull_feed(
        self, found: enrolment.Enrolment, cancelled: Callable[[], bool]
    ) -> tuple[int, Stop]:
        after = _meta_int(self._db, FEED_AFTER)
        added = 0
        while True:
            if cancelled():
                return added, Stop.CANCELLED
            page = self._client.team_feed(after, self._page)
            if isinstance(page, Answer):
                return added, self._stopped(page, found)
            if not page.items:
                return added, Stop.NONE
            # The cursor only moves forward, whatever the hub says.
            next_after = max(after, page.next_after, *(item.seq for item in page.items))
            added += _store_feed(self._db, page.items, next_after)
            after = next_after

    def _pull_reviews(
        self, found: enrolment.Enrolment, cancelled: Callable[[], bool]
    ) -> tuple[int, Stop]:
        after = _meta_int(self._db, REVIEWS_AFTER)
        added = 0
        while True:
            if cancelled():
                return added, Stop.CANCELLED
            page = self._client.reviews(after, self._page)
            if isinstance(page, Answer):
                return added, self._stopped(page, found)
            page = [review for review in page if review.id > after]
            if not page:
                return added, Stop.NONE
            added += _store_reviews(self._db, page, cursor=True)
            after = max(review.id for review in page)

    def _pull_links(self, found: enrolment.Enrolment) -> tuple[int, Stop]:
        answer = self._client.team_links()
        if isinstance(answer, Answer):
            return 0, self._stopped(answer, found)
        return _store_links(self._db, answer), Stop.NONE
