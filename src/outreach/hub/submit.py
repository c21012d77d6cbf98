"""Receiving summaries: each idempotency key applied once, versions kept, gaps noticed.

A submission is one transaction: the device's credential is checked, the key is looked up,
the summary stored and the receipt kept under the key, all or nothing. A hub killed in the
middle leaves nothing behind, and the client's retry goes through as if it were the first.
While a request with the same key is being processed, a duplicate gets 409 with
Retry-After (on PostgreSQL a transaction-scoped advisory lock on the key says so at once;
SQLite runs one writer at a time, so there the duplicate waits and gets the receipt). Once
done, the same body gets the original receipt and a different body 422, as in the IETF
Idempotency-Key draft. Keys are kept ``idempotency_days`` (a year): as long as a laptop
may be offline.

On PostgreSQL the common submission (a new summary under a new key, its running number
not sent before) is first tried as one statement (``onetrip``), which stores it whole or
writes nothing; everything below is the general path that decides every other case.

On PostgreSQL a submission also holds its team's feed lock shared (``TEAM_FEED_LOCK``)
from before its summary takes a ``pk`` until it commits; a lead's feed takes it exclusively
before reading, so no version the feed has passed by ``seq`` can commit later (SQLite's
one writer gives the same order by itself). It then holds its summary id's lock
(``SUMMARY_LOCK``) until it commits, so versions of one summary sent side by side are
stored one after the other, each seeing the versions before it: exactly one is current,
the highest (a unique index on the current version of an id holds that too).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, NoReturn, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Engine,
    Insert,
    Select,
    Table,
    bindparam,
    case,
    cast,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY

from outreach.contract.summary import Receipt, Submission, Summary
from outreach.hub.auth import (
    _COUNT,
    IDENTITY,
    IDENTITY_FROM,
    IDENTITY_WHERE,
    Authenticator,
    Caller,
    credential,
    identity_values,
)
from outreach.hub.clock import Clock, stamp, unstamp, utc_now
from outreach.hub.db import insert_or_skip
from outreach.hub.errors import Refused, forbidden, invalid
from outreach.hub.locks import lock_number, summary_lock, summary_lock_number, team_feed_lock
from outreach.hub.onetrip import OneTrip
from outreach.hub.settings import HubSettings
from outreach.hub.strictjson import request_json
from outreach.hub.tables import (
    device_seqs,
    devices,
    idempotency,
    summaries,
    summary_tags,
    team_mentions,
    users,
)
from outreach.links.keys import Mention, entity_key

MISSING_LISTED = 50
# How a receipt with no missing numbers ends; ``onetrip`` puts those it finds in between.
_MISSING_KEY, _AFTER_MISSING = '"missing_seqs":', ',"missing_more":0}'
_NONE_MISSING = _MISSING_KEY + "[]" + _AFTER_MISSING
# Leads go out too: the contacts they file are their team's, like a worker's. An admin's
# device only administers.
SUBMITTERS = frozenset({"worker", "lead"})

# One device's running numbers in the database (``b_device``).
_DEVICE = device_seqs.c.device_id == bindparam("b_device")
# What a receipt needs of them, read with the device's row: its floor, how many arrived
# above it (every one up to it did, so the rest need not be counted), and the highest.
_SEQ_COLUMNS = (
    devices.c.seq_floor,
    select(func.count())
    .where(_DEVICE, device_seqs.c.seq > devices.c.seq_floor)
    .scalar_subquery()
    .label("seq_count"),
    select(func.max(device_seqs.c.seq)).where(_DEVICE).scalar_subquery().label("seq_high"),
)


# Made once: json.dumps with options makes an encoder on every call.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def canonical(value: Any) -> str:
    return _CANONICAL.encode(value)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def validation_message(error: ValidationError, limit: int = 5) -> str:
    """Pydantic's errors as one line a person can act on: where, and what is wrong."""
    parts = []
    for item in error.errors(include_url=False, include_input=False)[:limit]:
        where = ".".join(str(p) for p in item["loc"]) or "body"
        parts.append(f"{where}: {item['msg']}")
    more = error.error_count() - limit
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


M = TypeVar("M", bound=BaseModel)


def validated(model: type[M], text: str, code: str = "invalid") -> M:
    """``text`` as ``model``, validated as JSON so times are RFC 3339 text only (strictjson
    has already refused what JSON should not carry), or 422 saying which field and why."""
    try:
        return model.model_validate_json(text)
    except ValidationError as error:
        raise invalid(validation_message(error), code) from None


def check_key(key: str | None) -> str:
    if key is None:
        raise Refused(
            400, "idempotency_key_missing", "a submission needs an Idempotency-Key header"
        )
    if not 1 <= len(key) <= 255 or not key.isascii() or not key.isprintable():
        raise Refused(
            400,
            "idempotency_key_invalid",
            "an Idempotency-Key is 1 to 255 printable ASCII characters",
        )
    return key


class _Statements:
    """The statements of a submission, built once per database dialect: building one costs
    more than running it, and SQLAlchemy memoizes the cache key of a built statement."""

    def __init__(self, engine: Engine) -> None:
        dialect = engine.dialect.name  # decides the ON CONFLICT syntax
        self.summary = insert_or_skip(dialect, summaries, "summary_id", "version").returning(
            summaries.c.pk
        )
        # The common case in one statement: the first version of a summary never seen.
        # When any version exists, it inserts nothing and the full path decides.
        columns = [c for c in summaries.c if c.name != "pk"]
        self.first_version = (
            insert_or_skip(dialect, summaries, "summary_id", "version")
            .from_select(
                [c.name for c in columns],
                select(*(bindparam(c.name, type_=c.type) for c in columns)).where(
                    ~exists().where(summaries.c.summary_id == bindparam("summary_id"))
                ),
            )
            .returning(summaries.c.pk)
        )
        self.seq = insert_or_skip(dialect, device_seqs, "device_id", "seq")
        this_key = (idempotency.c.device_id == bindparam("b_device")) & (
            idempotency.c.key == bindparam("b_key")
        )
        # One round trip: whether no other request holds the key (PostgreSQL's advisory lock;
        # SQLite has one writer at a time) and what is kept under it. Should the other
        # request commit between the two, the key's primary key refuses our copy (409).
        postgres = dialect == "postgresql"
        free: ColumnElement[Any] = (
            func.pg_try_advisory_xact_lock(bindparam("b_lock")) if postgres else literal(True)
        )
        # The team's feed lock, shared, taken in the same round trip and before the summary
        # takes its pk (see the module's docstring and reads.Reads.feed).
        feed = team_feed_lock(shared=True, team=users.c.team_id) if postgres else literal(True)
        if postgres:
            # Once the key is ours, the summary id's lock (void, so never null), waiting for
            # a submission of another version to commit; the statements after this one see
            # it. Always after the feed lock (columns are evaluated in order): a submission
            # holding an id's lock never queues for the feed lock behind a lead's feed
            # that waits for it.
            free = case((free, summary_lock().is_not(None)), else_=False)
        # Who is calling, in the same round trip: no row for an unknown credential, and
        # then no lock is taken either.
        self.remembered = (
            select(
                *IDENTITY,
                feed.label("feed"),
                free.label("free"),
                *(
                    select(column).where(this_key).scalar_subquery().label(column.name)
                    for column in (
                        idempotency.c.body_hash,
                        idempotency.c.status,
                        idempotency.c.response,
                    )
                ),
                # The device's running numbers so far, so a receipt without a gap costs nothing.
                *_SEQ_COLUMNS,
                exists().where(_DEVICE, device_seqs.c.seq == bindparam("b_seq")).label("seq_seen"),
            )
            .select_from(IDENTITY_FROM)
            .where(IDENTITY_WHERE)
        )
        self.remember = insert(idempotency)
        self.postgres = postgres
        same_id = summaries.c.summary_id == bindparam("b_id")
        self.versions = (
            select(
                summaries.c.pk,
                summaries.c.version,
                summaries.c.user_id,
                summaries.c.body_hash,
                summaries.c.is_current,
                summaries.c.received_at,
            )
            .where(same_id)
            .with_for_update()
        )
        self.forget_links = delete(team_mentions).where(
            team_mentions.c.summary_pk.in_(select(summaries.c.pk).where(same_id))
        )
        self.demote = update(summaries).where(same_id).values(is_current=False)
        self.tags = insert(summary_tags).returning(summary_tags.c.summary_pk)
        self.mentions = insert(team_mentions).returning(team_mentions.c.id)
        # On PostgreSQL the rows written after the summary, and the rate count, go as one
        # statement: the round trips, not the rows, are most of a submission's cost.
        self.tail = (
            _COUNT.add_cte(
                *(
                    _from_arrays(table, skip=table is device_seqs).cte(f"tail_{table.name}")
                    for table in _TAIL_TABLES
                )
            )
            if postgres
            else None
        )


@dataclass(frozen=True)
class _Seqs:
    count: int  # running numbers seen from the device so far
    high: int  # the highest of them
    seen: bool  # this submission's number among them
    floor: int  # every number up to this one was seen


@dataclass(frozen=True)
class _Stored:
    received_at: str
    superseded: bool
    replaces: int | None


_TAIL_TABLES = (summary_tags, team_mentions, device_seqs, idempotency)


def _from_arrays(table: Table, *, skip: bool) -> Insert:
    """``INSERT INTO table SELECT * FROM unnest(:table.column, ...)``: any number of rows,
    one array per column, in one statement shape (PostgreSQL). ``skip``: on a duplicate key,
    insert nothing."""
    names = _array_columns(table)
    arrays = [cast(bindparam(f"{table.name}__{name}"), ARRAY(table.c[name].type)) for name in names]
    rows = func.unnest(*arrays).table_valued(*names).render_derived()
    statement = postgresql.insert(table).from_select(names, select(*rows.c))
    return statement.on_conflict_do_nothing() if skip else statement


def _array_columns(table: Table) -> list[str]:
    """The columns a submission writes: all but a key the database numbers itself."""
    return [c.name for c in table.c if c is not table.autoincrement_column]


@dataclass
class _Tail:
    """What a submission writes after its summary, by table, sent just before it commits
    (with the rate count, which must come last: see ``auth``)."""

    rows: dict[Table, list[dict[str, Any]]] = field(
        default_factory=lambda: {table: [] for table in _TAIL_TABLES}
    )
    seq_floor: int = 0  # the device's new floor, if the submission raises it

    def add(self, table: Table, rows: list[dict[str, Any]]) -> None:
        self.rows[table].extend(rows)

    def arrays(self) -> dict[str, list[Any]]:
        """The rows as ``_from_arrays`` takes them: a list per column."""
        return {
            f"{table.name}__{name}": [row[name] for row in rows]
            for table, rows in self.rows.items()
            for name in _array_columns(table)
        }


@dataclass(frozen=True)
class Answer:
    status: int
    text: str  # the JSON body, as stored for replays


class Submissions:
    def __init__(
        self,
        engine: Engine,
        settings: HubSettings,
        authenticator: Authenticator,
        *,
        now: Clock = utc_now,
    ) -> None:
        self._engine = engine
        self._auth = authenticator
        self._settings = settings
        self._now = now
        self._sql = _Statements(engine)
        # PostgreSQL stores the common submission in one statement (see ``onetrip``).
        self.one_trip = OneTrip(engine) if self._sql.postgres else None

    async def receive_first(
        self, authorization: str | None, key: str | None, content_type: str, body: bytes
    ) -> Answer | None:
        """The common submission (see ``onetrip``) stored from the event loop, or None for
        ``receive`` (with ``first=False``) to decide, refusals included."""
        if self.one_trip is None:
            return None
        try:
            credential(authorization)
            checked_key = check_key(key)
            submission, request_hash = self._accept(request_json(content_type, body))
        except Refused:  # answered by ``receive``, which counts it first
            return None
        receipt = await self.one_trip.store_async(
            self._first(authorization, checked_key, submission, request_hash)
        )
        return None if receipt is None else Answer(201, receipt)

    def receive(
        self,
        authorization: str | None,
        key: str | None,
        content_type: str,
        body: bytes,
        *,
        first: bool = True,
    ) -> Answer:
        """A submission as it arrives over HTTP, in one transaction with its credential
        check, counted against the device's rate last (see ``auth``); a refused body still
        counts. ``first``: try the common submission's one statement first (False when
        ``receive_first`` already has)."""
        credential(authorization)  # none at all is 401 before anything is read
        refusal: Refused | None = None
        try:
            checked_key = check_key(key)
            submission, request_hash = self._accept(request_json(content_type, body))
        except Refused as refused:  # nothing will be written but the count: keep it
            refusal = refused
        if refusal is None and first and self.one_trip is not None:
            values = self._first(authorization, checked_key, submission, request_hash)
            receipt = self.one_trip.store(values)
            if receipt is not None:
                return Answer(201, receipt)
        with self._engine.begin() as conn:
            tail = _Tail()
            if refusal is None:
                caller, remembered = self._caller(conn, authorization, checked_key, submission)
                if caller.role not in SUBMITTERS:
                    refusal = _not_a_submitter()
                else:
                    answer = self._apply(
                        conn, caller, checked_key, remembered, submission, request_hash, tail
                    )
            else:  # who is calling comes first: 401 before 422
                caller = self._auth.check(conn, authorization)
                refusal = _not_a_submitter() if caller.role not in SUBMITTERS else refusal
            self._finish(conn, caller, tail)
            if refusal is None:
                return answer
        raise refusal

    def _first(
        self, authorization: str | None, key: str, submission: Submission, request_hash: str
    ) -> dict[str, Any]:
        """The parameters of ``onetrip``'s statement that stores a common submission (or
        writes nothing, if it is not one), with its receipt but for the missing numbers."""
        summary = submission.summary
        body = canonical(summary.model_dump(mode="json"))
        now = self._now()
        received_at = stamp(now)
        receipt = Receipt(
            summary_id=summary.id,
            version=summary.version,
            received_at=unstamp(received_at),
            device_seq=submission.device_seq,
            superseded=False,
        )
        head, none_missing, after = receipt.model_dump_json().rpartition(_NONE_MISSING)
        assert none_missing, "the receipt ends with its missing numbers"
        assert not after, "the receipt ends with its missing numbers"
        return {
            **identity_values(authorization),
            **self._auth.rate_values(now),
            "now": received_at,
            "key": key,
            "key_lock": lock_number(credential(authorization)[0], key),
            "request_hash": request_hash,
            "receipt_head": head + _MISSING_KEY,
            "receipt_tail": _AFTER_MISSING,
            "listed": MISSING_LISTED,
            "seq": submission.device_seq,
            "summary_lock": summary_lock_number(summary.id),
            **_columns(summary, body, digest(body)),
            "tags": _COMPACT.encode(tag_rows(summary)),
            "mentions": _COMPACT.encode(mention_keys(summary)),
        }

    def _caller(
        self, conn: Connection, authorization: str | None, key: str, submission: Submission
    ) -> tuple[Caller, Any]:
        """The caller and what is kept under the key, read in one round trip."""
        values: dict[str, object] = {**identity_values(authorization), "b_key": key}
        values["b_seq"] = submission.device_seq
        if self._sql.postgres:
            values["b_lock"] = lock_number(str(values["b_device"]), key)
            values["b_summary"] = summary_lock_number(submission.summary.id)
        row = conn.execute(self._sql.remembered, values).first()
        return self._auth.caller_from(conn, authorization, row), row

    def _finish(self, conn: Connection, caller: Caller, tail: _Tail) -> None:
        """Write the tail and count the request, last."""
        if self._sql.tail is not None:
            values = self._auth.count_values(caller, tail.seq_floor)
            counted = conn.execute(self._sql.tail, {**tail.arrays(), **values}).scalar_one()
            self._auth.verdict(counted)
            return
        for table, statement in (
            (summary_tags, self._sql.tags),
            (team_mentions, self._sql.mentions),
            (device_seqs, self._sql.seq),
            (idempotency, self._sql.remember),
        ):
            if tail.rows[table]:
                conn.execute(statement, tail.rows[table])
        self._auth.count(conn, caller, tail.seq_floor)

    def _accept(self, body: Any) -> tuple[Submission, str]:
        text = canonical(body)
        submission = validated(Submission, text, "invalid_summary")
        self._check_times(submission.summary)
        return submission, digest(text)

    def _check_times(self, summary: Summary) -> None:
        latest = self._now() + timedelta(hours=self._settings.future_leeway_hours)
        if summary.contact_at > latest:
            raise invalid("summary.contact_at is in the future: check the device's clock")
        if summary.ended_at is not None and summary.ended_at < summary.contact_at:
            raise invalid("summary.ended_at is before summary.contact_at")

    def _apply(
        self,
        conn: Connection,
        caller: Caller,
        key: str,
        row: Any,
        submission: Submission,
        request_hash: str,
        tail: _Tail,
    ) -> Answer:
        """The stored answer for this key (``row``: read with the caller), or the summary
        stored and its receipt kept."""
        if not row.free:
            raise in_progress()
        if row.body_hash is not None:
            if row.body_hash != request_hash:
                raise invalid(
                    "this Idempotency-Key was used with a different body: "
                    "a new submission needs a new key",
                    "idempotency_key_reused",
                )
            return Answer(row.status, row.response)
        floor = row.seq_floor or 0
        seqs = _Seqs(floor + (row.seq_count or 0), row.seq_high or 0, bool(row.seq_seen), floor)
        receipt = self._store(conn, caller, submission, seqs, tail)
        answer = Answer(201, receipt.model_dump_json())
        tail.add(
            idempotency,
            [
                {
                    "device_id": caller.device_id,
                    "key": key,
                    "body_hash": request_hash,
                    "status": answer.status,
                    "response": answer.text,
                    "created_at": stamp(self._now()),
                }
            ],
        )
        return answer

    def _store(
        self, conn: Connection, caller: Caller, submission: Submission, seqs: _Seqs, tail: _Tail
    ) -> Receipt:
        summary = submission.summary
        body = canonical(summary.model_dump(mode="json"))
        body_hash = digest(body)
        received_at = stamp(self._now())
        pk = conn.execute(
            self._sql.first_version,
            self._row(caller, summary, body, body_hash, received_at, current=True),
        ).scalar()
        if pk is not None:
            self._tag(tail, int(pk), caller, summary, current=True)
            stored = _Stored(received_at, superseded=False, replaces=None)
        else:
            # Another version exists, or (SQLite does not lock the id) a copy of this one
            # raced ours in under another key: our insert skipped it, the second look finds it.
            stored = (
                self._store_version(conn, tail, caller, summary, body, body_hash, received_at)
                or self._store_version(conn, tail, caller, summary, body, body_hash, received_at)
                or _raced()
            )
        missing, more = self._record_seq(conn, tail, caller.device_id, submission.device_seq, seqs)
        return Receipt(
            summary_id=summary.id,
            version=summary.version,
            received_at=unstamp(stored.received_at),
            device_seq=submission.device_seq,
            superseded=stored.superseded,
            replaces=stored.replaces,
            missing_seqs=missing,
            missing_more=more,
        )

    def _store_version(
        self,
        conn: Connection,
        tail: _Tail,
        caller: Caller,
        summary: Summary,
        body: str,
        body_hash: str,
        received_at: str,
    ) -> _Stored | None:
        existing = conn.execute(self._sql.versions, {"b_id": summary.id}).all()
        if any(row.user_id != caller.user_id for row in existing):
            raise invalid(
                "a summary with this id was sent by another worker: ids are made afresh "
                "for each contact",
                "summary_id_taken",
            )
        same = next((row for row in existing if row.version == summary.version), None)
        if same is not None:
            if same.body_hash != body_hash:
                raise invalid(
                    f"version {summary.version} of this summary was already received with "
                    "other content: send the change as a new version",
                    "version_conflict",
                )
            return _Stored(same.received_at, superseded=not same.is_current, replaces=None)
        newest = max((row.version for row in existing), default=0)
        current = summary.version > newest
        if current and existing:
            conn.execute(self._sql.forget_links, {"b_id": summary.id})
            conn.execute(self._sql.demote, {"b_id": summary.id})
        row = self._row(caller, summary, body, body_hash, received_at, current=current)
        pk = conn.execute(self._sql.summary, row).scalar()
        if pk is None:
            return None
        self._tag(tail, int(pk), caller, summary, current=current)
        return _Stored(
            received_at, superseded=not current, replaces=newest if newest and current else None
        )

    @staticmethod
    def _row(
        caller: Caller, summary: Summary, body: str, body_hash: str, received_at: str, current: bool
    ) -> dict[str, Any]:
        return {
            **_columns(summary, body, body_hash),
            "team_id": caller.team_id,
            "user_id": caller.user_id,
            "device_id": caller.device_id,
            "received_at": received_at,
            "is_current": current,
            "reviewed": False,
        }

    def _tag(self, tail: _Tail, pk: int, caller: Caller, summary: Summary, current: bool) -> None:
        """The summary's people and concerns, and (for the current version) its mentions."""
        tail.add(summary_tags, [{"summary_pk": pk, **tag} for tag in tag_rows(summary)])
        if current:
            tail.add(team_mentions, mention_rows(pk, caller.team_id, caller.user_id, summary))

    def _record_seq(
        self, conn: Connection, tail: _Tail, device_id: str, seq: int, seqs: _Seqs
    ) -> tuple[list[int], int]:
        count, high = seqs.count, seqs.high
        if not seqs.seen:  # the same running number again is a resend, already counted
            tail.add(device_seqs, [{"device_id": device_id, "seq": seq}])
            count, high = count + 1, max(high, seq)
        also = None if seqs.seen else seq
        missing, more = _missing(conn, device_id, count, high, also=also, floor=seqs.floor)
        # Everything below the first missing number has arrived (or will have, with this
        # one, when it commits). Numbers another request is still writing look missing
        # here, so the floor only ever stops short, never passes a gap.
        raised = missing[0] - 1 if missing else high
        if raised > seqs.floor:
            tail.seq_floor = raised
        return missing, more


def _columns(summary: Summary, body: str, body_hash: str) -> dict[str, Any]:
    """The columns of a summary's row that come from the summary itself."""
    return {
        "summary_id": summary.id,
        "version": summary.version,
        "contact_at": stamp(summary.contact_at),
        "worry_rank": -1 if summary.worry is None else summary.worry,
        "body_hash": body_hash,
        "body": body,
    }


def tag_rows(summary: Summary) -> list[dict[str, str]]:
    """What a summary is filtered by (``summary_tags`` without its ``summary_pk``): its
    young people's references and its concerns."""
    refs = sorted({person.ref for person in summary.young_people})
    tags = [("person", ref) for ref in refs] + [
        ("concern", concern) for concern in sorted(set(summary.concerns))
    ]
    return [{"kind": kind, "value": value} for kind, value in tags]


def mention_rows(pk: int, team_id: int, user_id: int, summary: Summary) -> list[dict[str, Any]]:
    """The ``team_mentions`` rows of the current version ``pk``."""
    contact_at = stamp(summary.contact_at)
    return [
        {
            "summary_pk": pk,
            "team_id": team_id,
            "user_id": user_id,
            "contact_at": contact_at,
            **row,
        }
        for row in mention_keys(summary)
    ]


def mention_keys(summary: Summary) -> list[dict[str, str]]:
    """What ``team_mentions`` holds of a summary apart from where it came from: one row
    per keyed mention and young person (``""`` when none was named)."""
    refs = sorted({person.ref for person in summary.young_people}) or [""]
    keyed: dict[tuple[str, str], str] = {}
    for mention in summary.mentions:
        found = entity_key(Mention(mention.kind, mention.text, mention.extra))
        if found is not None:
            keyed.setdefault((mention.kind, found[0][:200]), found[2][:200])
    return [
        {"kind": kind, "key": key, "label": label, "person_ref": ref}
        for (kind, key), label in keyed.items()
        for ref in refs
    ]


def _not_a_submitter() -> Refused:
    return forbidden("only a worker's or a team lead's device submits summaries")


def in_progress() -> Refused:
    return Refused(
        409,
        "in_progress",
        "a request with this Idempotency-Key is still being processed: try again shortly",
        {"Retry-After": "1"},
    )


def _raced() -> NoReturn:
    raise in_progress()


_SEQS_SEEN = select(*_SEQ_COLUMNS).where(devices.c.id == bindparam("b_device"))


def missing_seqs(conn: Connection, device_id: str) -> tuple[int, list[int], int]:
    """The device's highest running number, those below it that never arrived (first 50),
    and how many more."""
    floor, above, highest = conn.execute(_SEQS_SEEN, {"b_device": device_id}).one()
    highest = highest or 0
    return (highest, *_missing(conn, device_id, floor + above, highest, floor=floor))


def _gaps_query() -> Select[Any]:
    """Each run of missing running numbers from ``b_low`` on, as (the number before it, the
    one after it): a window over the device's numbers in the database. ``b_also``: a number
    seen but not yet written (``b_low - 1`` when there is none)."""
    numbers = union_all(
        select((cast(bindparam("b_low"), BigInteger) - 1).label("seq")),
        select(cast(bindparam("b_also"), BigInteger).label("seq")),
        select(device_seqs.c.seq).where(_DEVICE, device_seqs.c.seq >= bindparam("b_low")),
    ).subquery()
    pairs = select(
        numbers.c.seq, func.lead(numbers.c.seq).over(order_by=numbers.c.seq).label("after")
    ).subquery()
    return (
        select(pairs.c.seq, pairs.c.after)
        .where(pairs.c.after > pairs.c.seq + 1)
        .order_by(pairs.c.seq)
        .limit(MISSING_LISTED)
    )


_GAPS = _gaps_query()
_ARRIVED_BETWEEN = select(func.count()).where(
    _DEVICE,
    device_seqs.c.seq >= bindparam("b_low"),
    device_seqs.c.seq < bindparam("b_high"),
)


def _missing(
    conn: Connection,
    device_id: str,
    count: int,
    highest: int,
    also: int | None = None,
    floor: int = 0,
) -> tuple[list[int], int]:
    """The first missing running numbers below ``highest`` and how many more, given how
    many arrived (``count``). ``also``: a number seen but not yet written (in the tail).
    ``floor``: every number up to it arrived.

    Numbers still in flight from a laptop sending several at once are missing just below
    the highest: when all that are missing lie in a short window below it, only the window
    is looked at. An old gap (an item held for good) means looking from the floor up."""
    total = highest - count
    if total <= 0:
        return [], 0
    low = max(floor + 1, highest - max(64, 4 * total))
    if low > floor + 1:
        values = {"b_device": device_id, "b_low": low, "b_high": highest}
        arrived = conn.execute(_ARRIVED_BETWEEN, values).scalar_one()
        arrived += also is not None and low <= also < highest
        if (highest - low) - arrived != total:
            low = floor + 1  # some are missing below the window
    pending = also if also is not None and also >= low else low - 1
    missing: list[int] = []
    rows = conn.execute(_GAPS, {"b_device": device_id, "b_low": low, "b_also": pending})
    for before, after in rows:
        missing.extend(range(before + 1, min(after, before + 1 + MISSING_LISTED - len(missing))))
        if len(missing) >= MISSING_LISTED:
            break
    return missing, total - len(missing)
