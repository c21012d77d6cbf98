"""Reading summaries and reviews, by role: a worker their own, a lead their team's.

Every summary a lead reads, in a list, in full, in the team feed or behind the team-wide
links, is written to ``lead_reads`` in the same transaction that read it. A summary of
another team is "not found", never "forbidden", so nobody learns what exists elsewhere.

A review sent with an Idempotency-Key is recorded once, as a submission is (``submit``):
the key is looked up and the review and the key's record written in one transaction, under
the same advisory lock on PostgreSQL; the same key and body answer the recorded review.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Select,
    and_,
    bindparam,
    case,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    union_all,
    update,
)

from outreach.contract.summary import (
    DeviceStatus,
    FeedSummary,
    Review,
    ReviewIn,
    StoredSummary,
    Summary,
    SummaryHistory,
    SummaryPage,
    TeamFeed,
    TeamLink,
)
from outreach.hub.auth import Caller
from outreach.hub.clock import Clock, stamp, unstamp, utc_now
from outreach.hub.errors import forbidden, invalid, not_found
from outreach.hub.locks import TEAM_REVIEWS_LOCK, lock_number, team_feed_lock
from outreach.hub.submit import (
    Answer,
    canonical,
    check_key,
    digest,
    in_progress,
    missing_seqs,
    validated,
)
from outreach.hub.tables import (
    idempotency,
    lead_reads,
    reviews,
    summaries,
    summary_tags,
    team_mentions,
    users,
)

LINKS_LISTED = 200


@dataclass(frozen=True)
class Filters:
    reviewed: bool | None = None
    worker: str | None = None
    young_person: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    concern: str | None = None


def _cursor(worry_rank: int, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{worry_rank}:{pk}".encode()).decode("ascii")


def _uncursor(cursor: str) -> tuple[int, int]:
    try:
        rank, pk = base64.urlsafe_b64decode(cursor.encode("ascii")).decode("ascii").split(":")
        if -1 <= int(rank) <= 10 and 0 <= int(pk) < 2**31:
            return int(rank), int(pk)
    except (ValueError, UnicodeError, binascii.Error):
        pass
    raise invalid("this cursor was not made by the hub: start again without one")


def _review(row: Any) -> Review:
    return Review(
        id=row.id,
        summary_id=row.summary_id,
        version=row.version,
        outcome=row.outcome,
        comment=row.comment,
        questions=json.loads(row.questions),
        reason=row.reason,
        reviewer=row.reviewer,
        recorded_at=unstamp(row.recorded_at),
    )


_SUMMARY_COLUMNS = (
    summaries.c.pk,
    summaries.c.body,
    summaries.c.received_at,
    summaries.c.is_current,
    summaries.c.worry_rank,
    users.c.name.label("worker"),
)


def _stored(row: Any) -> StoredSummary:
    return StoredSummary(
        summary=Summary.model_validate_json(row.body),
        worker=row.worker,
        received_at=unstamp(row.received_at),
        current=row.is_current,
    )


def _feed_item(row: Any) -> FeedSummary:
    return FeedSummary(
        seq=row.pk,
        summary=Summary.model_validate_json(row.body),
        worker=row.worker,
        received_at=unstamp(row.received_at),
        current=row.is_current,
    )


_REMEMBERED = select(idempotency.c.body_hash, idempotency.c.status, idempotency.c.response).where(
    idempotency.c.device_id == bindparam("b_device"), idempotency.c.key == bindparam("b_key")
)


class Reads:
    def __init__(self, engine: Engine, *, now: Clock = utc_now) -> None:
        self._engine = engine
        self._now = now
        self._postgres = engine.dialect.name == "postgresql"
        self._feed_lock = select(team_feed_lock(shared=False))
        self._reviews_read_lock = select(team_feed_lock(shared=False, kind=TEAM_REVIEWS_LOCK))
        self._reviews_write_lock = select(team_feed_lock(shared=True, kind=TEAM_REVIEWS_LOCK))
        self._key_lock = select(func.pg_try_advisory_xact_lock(bindparam("b_lock")))

    # --- who may see what ----------------------------------------------------------------

    @staticmethod
    def _scope(query: Select[Any], caller: Caller) -> Select[Any]:
        if caller.role == "worker":
            return query.where(summaries.c.user_id == caller.user_id)
        if caller.role == "lead":
            return query.where(summaries.c.team_id == caller.team_id)
        raise forbidden("an administrator's device does not read summaries")

    def _audit(self, conn: Connection, caller: Caller, pks: list[int], how: str) -> None:
        if caller.role == "lead" and pks:
            now = stamp(self._now())
            conn.execute(
                insert(lead_reads),
                [
                    {"user_id": caller.user_id, "summary_pk": pk, "read_at": now, "how": how}
                    for pk in pks
                ],
            )

    # --- summaries -----------------------------------------------------------------------

    def page(self, caller: Caller, filters: Filters, cursor: str | None, limit: int) -> SummaryPage:
        """Current versions, the most worrying first, then the newest."""
        query = self._scope(
            select(*_SUMMARY_COLUMNS)
            .join(users, users.c.id == summaries.c.user_id)
            .where(summaries.c.is_current == true()),
            caller,
        )
        query = _filtered(query, filters)
        if cursor:
            rank, pk = _uncursor(cursor)
            query = query.where(
                or_(
                    summaries.c.worry_rank < rank,
                    and_(summaries.c.worry_rank == rank, summaries.c.pk < pk),
                )
            )
        query = query.order_by(summaries.c.worry_rank.desc(), summaries.c.pk.desc()).limit(
            limit + 1
        )
        with self._engine.begin() as conn:
            rows = conn.execute(query).all()
            shown = rows[:limit]
            self._audit(conn, caller, [row.pk for row in shown], "list")
        following = (
            _cursor(shown[-1].worry_rank, shown[-1].pk) if len(rows) > limit and shown else None
        )
        return SummaryPage(items=[_stored(row) for row in shown], next_cursor=following)

    def history(self, caller: Caller, summary_id: str) -> SummaryHistory:
        """Every version of one summary, newest first, with the reviews of it."""
        query = self._scope(
            select(*_SUMMARY_COLUMNS)
            .join(users, users.c.id == summaries.c.user_id)
            .where(summaries.c.summary_id == summary_id)
            .order_by(summaries.c.version.desc()),
            caller,
        )
        with self._engine.begin() as conn:
            rows = conn.execute(query).all()
            if not rows:
                raise not_found("no summary with this id is visible to this device")
            self._audit(conn, caller, [row.pk for row in rows], "history")
            found = conn.execute(_reviews_query().where(summaries.c.summary_id == summary_id)).all()
        return SummaryHistory(
            versions=[_stored(row) for row in rows], reviews=[_review(r) for r in found]
        )

    def feed(self, caller: Caller, after: int, limit: int) -> TeamFeed:
        """Every version of every summary of the lead's team with a ``pk`` (``seq``) above
        ``after``, ascending: what a lead's device has not yet copied.

        Paging by ``pk`` is safe only if no version with a lower ``pk`` can commit after one
        with a higher ``pk`` was read. SQLite's one writer at a time gives that; PostgreSQL
        hands out numbers before commit, so there the feed first takes the team's feed lock
        exclusively, which waits for the team's submissions in flight (each holds it shared
        from before its insert) and holds new ones back until the feed has read."""
        if caller.role != "lead":
            raise forbidden("the team feed is for team leads")
        query = (
            select(*_SUMMARY_COLUMNS)
            .join(users, users.c.id == summaries.c.user_id)
            .where(summaries.c.team_id == caller.team_id, summaries.c.pk > after)
            .order_by(summaries.c.pk.asc())
            .limit(limit)
        )
        with self._engine.begin() as conn:
            if self._postgres:
                conn.execute(self._feed_lock, {"b_team": caller.team_id})
            # A statement of its own after the lock, so that it sees what committed before.
            rows = conn.execute(query).all()
            self._audit(conn, caller, [row.pk for row in rows], "feed")
        return TeamFeed(
            items=[_feed_item(row) for row in rows], next_after=rows[-1].pk if rows else after
        )

    # --- reviews -------------------------------------------------------------------------

    def add_review(
        self, caller: Caller, summary_id: str, body: Any, key: str | None = None
    ) -> Answer:
        """A lead's review of a summary of their team (``body`` as parsed JSON); it is never
        changed afterwards. With ``key``, the same key and body answer the review first
        recorded, and the same key with anything else is 422 ``idempotency_key_reused``."""
        if caller.role != "lead":
            raise forbidden("only a team lead records reviews")
        if key is not None:
            check_key(key)
        text = canonical(body)
        review = validated(ReviewIn, text)
        if review.outcome == "needs_more" and not review.questions:
            raise invalid("a review asking for more needs at least one question for the worker")
        if review.outcome == "escalated" and not review.reason.strip():
            raise invalid("an escalation needs a reason")
        # The request is the summary it is about and its body: the same key for another
        # summary is a different request, never the replay of this one.
        request_hash = digest(f"review\n{summary_id}\n{text}")
        with self._engine.begin() as conn:
            if key is not None:
                kept = self._remembered(conn, caller, key)
                if kept is not None:
                    if kept.body_hash != request_hash:
                        raise invalid(
                            "this Idempotency-Key was used with a different request: "
                            "a new review needs a new key",
                            "idempotency_key_reused",
                        )
                    return Answer(kept.status, kept.response)
            answer = Answer(201, self._record(conn, caller, summary_id, review).model_dump_json())
            if key is not None:
                # Should a duplicate have committed since the lookup, the key's primary key
                # refuses this copy and the whole transaction, review and all, is undone.
                conn.execute(
                    insert(idempotency).values(
                        device_id=caller.device_id,
                        key=key,
                        body_hash=request_hash,
                        status=answer.status,
                        response=answer.text,
                        created_at=stamp(self._now()),
                    )
                )
        return answer

    def _remembered(self, conn: Connection, caller: Caller, key: str) -> Any:
        """What is kept under the device's key, or None; 409 ``in_progress`` while another
        request holds the key (PostgreSQL; SQLite runs one writer at a time)."""
        if self._postgres:
            lock = {"b_lock": lock_number(caller.device_id, key)}
            if not conn.scalar(self._key_lock, lock):
                raise in_progress()
        return conn.execute(_REMEMBERED, {"b_device": caller.device_id, "b_key": key}).first()

    def _record(
        self, conn: Connection, caller: Caller, summary_id: str, review: ReviewIn
    ) -> Review:
        query = select(summaries.c.pk, summaries.c.version, summaries.c.is_current).where(
            summaries.c.summary_id == summary_id, summaries.c.team_id == caller.team_id
        )
        rows = conn.execute(query).all()
        if not rows:
            raise not_found("no summary with this id is visible to this device")
        wanted = review.version or max(row.version for row in rows)
        target = next((row for row in rows if row.version == wanted), None)
        if target is None:
            raise invalid(f"this summary has no version {wanted}")
        if self._postgres:  # held until commit: a reader paging by id waits for this one
            conn.execute(self._reviews_write_lock, {"b_team": caller.team_id})
        new_id = conn.execute(
            insert(reviews).values(
                summary_pk=target.pk,
                reviewer_id=caller.user_id,
                outcome=review.outcome,
                comment=review.comment,
                questions=canonical(review.questions),
                reason=review.reason,
                recorded_at=stamp(self._now()),
            )
        ).inserted_primary_key
        assert new_id is not None
        conn.execute(update(summaries).where(summaries.c.pk == target.pk).values(reviewed=True))
        self._audit(conn, caller, [target.pk], "review")
        row = conn.execute(_reviews_query().where(reviews.c.id == new_id[0])).one()
        return _review(row)

    def reviews_after(self, caller: Caller, after: int, limit: int) -> list[Review]:
        """Reviews with an id above ``after``, oldest first: what a device has not yet seen."""
        query = self._scope(_reviews_query(ascending=True), caller)
        with self._engine.begin() as conn:
            if self._postgres:
                # PostgreSQL numbers a review when it is inserted, not when it commits: wait
                # for any still in flight, so paging on from the last id never skips one.
                conn.execute(self._reviews_read_lock, {"b_team": caller.team_id})
            rows = conn.execute(query.where(reviews.c.id > after).limit(limit)).all()
        return [_review(row) for row in rows]

    # --- team-wide links -----------------------------------------------------------------

    def team_links(self, caller: Caller, *, possible: bool = False) -> list[TeamLink]:
        """Things seen with two or more young people, or by two or more workers: each key
        on its own (``"same"``) and, when ``possible``, each place given with an area
        together with the same name given with none (``"possible"``, as the app's index
        offers them). Every same link comes first, those touching the most young people,
        then workers, then the most recently seen, first; then the possible links in the
        same order; at most ``LINKS_LISTED`` in all, so a possible link never takes the
        place of a same one."""
        if caller.role != "lead":
            raise forbidden("team-wide links are for team leads")
        with self._engine.begin() as conn:
            same = conn.execute(self._same_links(caller.team_id)).all()
            pairs = conn.execute(self._possible_links(caller.team_id)).all() if possible else []
            pairs = pairs[: LINKS_LISTED - len(same)]  # only the room the same links leave
            keys = {(g.kind, g.key) for g in same}
            keys |= {("place", g.key) for g in pairs} | {("place", g.other) for g in pairs}
            behind: dict[tuple[str, str], _Behind] = {
                found: (set(), set(), set()) for found in keys
            }
            if keys:
                rows = conn.execute(
                    select(
                        team_mentions.c.kind,
                        team_mentions.c.key,
                        team_mentions.c.person_ref,
                        team_mentions.c.summary_pk,
                        users.c.name,
                    )
                    .join(users, users.c.id == team_mentions.c.user_id)
                    .where(team_mentions.c.team_id == caller.team_id)
                    .where(team_mentions.c.key.in_({key for _kind, key in keys}))
                )
                for row in rows:
                    found = behind.get((row.kind, row.key))
                    if found is not None:
                        if row.person_ref:
                            found[0].add(row.person_ref)
                        found[1].add(row.name)
                        found[2].add(row.summary_pk)
            links = _by_counts(
                _team_link(g.kind, g.key, g.label, g, [behind[(g.kind, g.key)]]) for g in same
            )
            links += _by_counts(
                _team_link(
                    "place",
                    g.key,
                    g.label,
                    g,
                    [behind[("place", g.key)], behind[("place", g.other)]],
                    other=(g.other, g.other_label),
                )
                for g in pairs
            )
            del links[LINKS_LISTED:]
            # Young people's references and what was seen with them: read, so audited.
            read = {pk for link in links for pk in _summaries_behind(link, behind)}
            self._audit(conn, caller, sorted(read), "links")
        return links

    @staticmethod
    def _same_links(team_id: int) -> Select[Any]:
        """Each kind and key of the team's mentions seen with two or more young people or
        by two or more workers, the most first."""
        people = func.count(func.distinct(func.nullif(team_mentions.c.person_ref, "")))
        workers = func.count(func.distinct(team_mentions.c.user_id))
        return (
            select(
                team_mentions.c.kind,
                team_mentions.c.key,
                func.min(team_mentions.c.label).label("label"),
                func.count(func.distinct(team_mentions.c.summary_pk)).label("summaries"),
                func.max(team_mentions.c.contact_at).label("last_at"),
            )
            .where(team_mentions.c.team_id == team_id)
            .group_by(team_mentions.c.kind, team_mentions.c.key)
            .having(or_(people >= 2, workers >= 2))
            .order_by(people.desc(), workers.desc(), func.max(team_mentions.c.contact_at).desc())
            .limit(LINKS_LISTED)
        )

    def _possible_links(self, team_id: int) -> Select[Any]:
        """Each place of the team given with an area (``key``, ``name|area``) whose name the
        team also gave with no area (``other``, ``name|``), where the mentions of the two
        together were seen with two or more young people or by two or more workers.

        What ``match_place`` calls possible for one name: the same name, one area missing.
        Two areas are never paired (each key is paired only with its own name and no area),
        and a vague place has no key at all (``entity_key``), so never pairs. Keys are
        compared in SQL, on the stored keys: a name holds no ``|`` (``normalise_name``)."""
        place = and_(team_mentions.c.team_id == team_id, team_mentions.c.kind == "place")
        # "name|" of "name|area": up to and including the first "|" ("" for a key cut short
        # at 200 characters before its "|", which is no key). Where the "|" is, is the one
        # thing the two databases spell differently: SQLite's instr, PostgreSQL's strpos.
        position = func.strpos if self._postgres else func.instr
        bare = func.substr(team_mentions.c.key, 1, position(team_mentions.c.key, "|"))
        keys = select(team_mentions.c.key, bare.label("bare")).where(place).distinct().cte("keys")
        known = select(team_mentions.c.key).where(place)  # looked up by the team's index
        pairs = (
            select(keys.c.key, keys.c.bare.label("other"))
            .where(keys.c.key != keys.c.bare, keys.c.bare.in_(known))
            .cte("pairs")
        )
        sides = union_all(
            *(
                select(
                    pairs.c.key,
                    pairs.c.other,
                    literal(side).label("side"),
                    team_mentions.c.label,
                    team_mentions.c.person_ref,
                    team_mentions.c.user_id,
                    team_mentions.c.summary_pk,
                    team_mentions.c.contact_at,
                ).join(team_mentions, and_(place, team_mentions.c.key == joined))
                for side, joined in ((0, pairs.c.key), (1, pairs.c.other))
            )
        ).subquery("sides")
        people = func.count(func.distinct(func.nullif(sides.c.person_ref, "")))
        workers = func.count(func.distinct(sides.c.user_id))
        return (
            select(
                sides.c.key,
                sides.c.other,
                func.min(case((sides.c.side == 0, sides.c.label))).label("label"),
                func.min(case((sides.c.side == 1, sides.c.label))).label("other_label"),
                func.count(func.distinct(sides.c.summary_pk)).label("summaries"),
                func.max(sides.c.contact_at).label("last_at"),
            )
            .group_by(sides.c.key, sides.c.other)
            .having(or_(people >= 2, workers >= 2))
            .order_by(people.desc(), workers.desc(), func.max(sides.c.contact_at).desc())
            .limit(LINKS_LISTED)
        )

    # --- the device itself ---------------------------------------------------------------

    def device(self, caller: Caller) -> DeviceStatus:
        with self._engine.connect() as conn:
            last, missing, more = missing_seqs(conn, caller.device_id)
        return DeviceStatus(
            device_id=caller.device_id,
            user=caller.user,
            role=caller.role,
            team=caller.team,
            last_seq=last,
            missing_seqs=missing,
            missing_more=more,
        )


# The young people's references, the workers' names and the summaries' pks of a key.
_Behind = tuple[set[str], set[str], set[int]]


def _team_link(
    kind: str,
    key: str,
    label: str,
    group: Any,
    sides: list[_Behind],
    other: tuple[str, str] | None = None,
) -> TeamLink:
    """A link of one key (``"same"``), or of ``key`` and ``other`` (``"possible"``)."""
    return TeamLink(
        kind=kind,
        key=key,
        label=label,
        young_people=sorted(set().union(*(side[0] for side in sides))),
        workers=sorted(set().union(*(side[1] for side in sides))),
        summaries=group.summaries,
        last_at=unstamp(group.last_at),
        match="same" if other is None else "possible",
        other_key=None if other is None else other[0],
        other_label=None if other is None else other[1],
    )


def _by_counts(links: Iterable[TeamLink]) -> list[TeamLink]:
    """The most young people first, then the most workers, then the most recently seen."""
    listed = sorted(links, key=lambda link: link.last_at, reverse=True)
    listed.sort(key=lambda link: (-len(link.young_people), -len(link.workers)))
    return listed


def _summaries_behind(link: TeamLink, behind: dict[tuple[str, str], _Behind]) -> set[int]:
    keys = [link.key] if link.other_key is None else [link.key, link.other_key]
    return set().union(*(behind[(link.kind, key)][2] for key in keys))


def _reviews_query(*, ascending: bool = False) -> Select[Any]:
    reviewer = users.alias("reviewer")
    return (
        select(
            reviews.c.id,
            summaries.c.summary_id,
            summaries.c.version,
            reviews.c.outcome,
            reviews.c.comment,
            reviews.c.questions,
            reviews.c.reason,
            reviewer.c.name.label("reviewer"),
            reviews.c.recorded_at,
        )
        .join(summaries, summaries.c.pk == reviews.c.summary_pk)
        .join(reviewer, reviewer.c.id == reviews.c.reviewer_id)
        .order_by(reviews.c.id.asc() if ascending else reviews.c.id.desc())
    )


def _filtered(query: Select[Any], filters: Filters) -> Select[Any]:
    if filters.reviewed is not None:
        query = query.where(summaries.c.reviewed == (true() if filters.reviewed else false()))
    if filters.worker is not None:
        query = query.where(users.c.name == filters.worker)
    for kind, value in (("person", filters.young_person), ("concern", filters.concern)):
        if value is not None:
            tagged = select(summary_tags.c.summary_pk).where(
                summary_tags.c.kind == kind, summary_tags.c.value == value
            )
            query = query.where(summaries.c.pk.in_(tagged))
    if filters.since is not None:
        query = query.where(summaries.c.contact_at >= stamp(filters.since))
    if filters.until is not None:
        query = query.where(summaries.c.contact_at < stamp(filters.until))
    return query
