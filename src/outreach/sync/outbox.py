"""The outbox: each approved summary, its idempotency key and the exact bytes to send.

An approval writes the row, the key and the bytes in one transaction; nothing rebuilds
them, so a retry sends what the worker saw with the same key and the hub applies it once.
Rows move through these states and are never deleted:

- ``approved``: waiting to be sent;
- ``sending``: handed to the hub client (after a crash it is simply sent again);
- ``acknowledged``: the hub's receipt is stored beside it;
- ``failed``: the hub could not be reached or was busy; ``next_try_at`` says when next;
- ``held``: the hub refused this item as invalid; only it stops, the rest go on;
- ``replaced``: a held item the worker fixed and approved again as a new row.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from outreach.contract.summary import Receipt, Submission, Summary
from outreach.records.codec import utc_stamp
from outreach.vault import audit
from outreach.vault.audit import utc_now
from outreach.vault.database import Database

_NEXT_SEQ = "sync.next_seq"


class ItemState(StrEnum):
    APPROVED = "approved"
    SENDING = "sending"
    ACKNOWLEDGED = "acknowledged"
    FAILED = "failed"
    HELD = "held"
    REPLACED = "replaced"


WAITING = (ItemState.APPROVED, ItemState.SENDING, ItemState.FAILED)


@dataclass(frozen=True)
class OutboxItem:
    id: int
    idempotency_key: str
    contact_uid: str
    summary_version: int
    device_seq: int
    body: bytes
    supersedes: int | None
    state: ItemState
    attempts: int
    next_try_at: datetime | None
    problem: str  # a stable code; app/messages words it
    problem_detail: str  # the hub's own explanation, in English, for a held item
    receipt: Receipt | None
    approved_at: datetime
    acknowledged_at: datetime | None

    @property
    def summary(self) -> Summary:
        return Submission.model_validate_json(self.body).summary


@dataclass(frozen=True)
class Outcome:
    """What happened to one item on one attempt, recorded by ``Outbox.record``."""

    item_id: int
    state: ItemState  # ACKNOWLEDGED, FAILED or HELD
    receipt: bytes = b""
    problem: str = ""
    detail: str = ""
    next_try_at: datetime | None = None


@dataclass(frozen=True)
class OutboxCounts:
    waiting: int
    held: int
    acknowledged: int
    next_try_at: datetime | None  # the soonest retry among failed items


class SummaryExists(ValueError):
    """The version being approved is not the next one for this contact (approved twice)."""


_COLUMNS = (
    "id, idempotency_key, contact_uid, summary_version, device_seq, body, supersedes, state, "
    "attempts, next_try_at, problem, problem_detail, receipt, approved_at, acknowledged_at"
)


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _item(row: tuple[Any, ...]) -> OutboxItem:
    (id_, key, uid, version, seq, body, supersedes, state, attempts, next_try, problem,
     detail, receipt, approved, acknowledged) = row  # fmt: skip
    return OutboxItem(
        id=id_,
        idempotency_key=key,
        contact_uid=uid,
        summary_version=version,
        device_seq=seq,
        body=bytes(body),
        supersedes=supersedes,
        state=ItemState(state),
        attempts=attempts,
        next_try_at=_time(next_try),
        problem=problem,
        problem_detail=detail,
        receipt=Receipt.model_validate_json(receipt) if receipt else None,
        approved_at=datetime.fromisoformat(approved),
        acknowledged_at=_time(acknowledged),
    )


class Outbox:
    def __init__(
        self,
        db: Database,
        *,
        now: Callable[[], datetime] = utc_now,
        new_key: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        self._db = db
        self._now = now
        self._new_key = new_key

    # --- approving ----------------------------------------------------------------------

    def next_version(self, contact_uid: str) -> int:
        """The summary version the next approval of this contact will carry."""
        newest = self._db.scalar(
            "SELECT max(summary_version) FROM outbox WHERE contact_uid = ?", (contact_uid,)
        )
        return int(newest or 0) + 1

    def approve(self, summary: Summary) -> OutboxItem:
        """Queue ``summary`` exactly as built; the worker has seen it. Returns the new row.

        A held version of the same contact is marked replaced: the worker fixed it.
        """
        with self._db.transaction():
            if summary.version != self.next_version(summary.id):
                raise SummaryExists(summary.id)
            seq = int(self._db.scalar("SELECT value FROM meta WHERE key = ?", (_NEXT_SEQ,)) or 1)
            self._db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (_NEXT_SEQ, str(seq + 1)),
            )
            body = Submission(device_seq=seq, summary=summary).model_dump_json().encode()
            previous = self._db.scalar(
                "SELECT id FROM outbox WHERE contact_uid = ? ORDER BY summary_version DESC LIMIT 1",
                (summary.id,),
            )
            stamp = utc_stamp(self._now())
            cursor = self._db.execute(
                "INSERT INTO outbox (idempotency_key, contact_uid, summary_version, device_seq, "
                "body, supersedes, state, approved_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, 'approved', ?, ?)",
                (
                    self._new_key(),
                    summary.id,
                    summary.version,
                    seq,
                    body,
                    previous,
                    stamp,
                    stamp,
                ),
            )
            new_id = int(cursor.lastrowid)
            self._db.execute(
                "UPDATE outbox SET state = 'replaced', updated_at = ? "
                "WHERE contact_uid = ? AND state = 'held' AND id != ?",
                (stamp, summary.id, new_id),
            )
            audit.record(self._db, "summary_approved", now=self._now)
        return self.item(new_id)

    # --- reading ------------------------------------------------------------------------

    def item(self, item_id: int) -> OutboxItem:
        rows = self._db.query(f"SELECT {_COLUMNS} FROM outbox WHERE id = ?", (item_id,))  # noqa: S608
        if not rows:
            raise LookupError(item_id)
        return _item(rows[0])

    def items_for(self, contact_uid: str) -> list[OutboxItem]:
        """Every approval of one contact, newest first."""
        rows = self._db.query(
            f"SELECT {_COLUMNS} FROM outbox WHERE contact_uid = ? "  # noqa: S608
            "ORDER BY summary_version DESC",
            (contact_uid,),
        )
        return [_item(r) for r in rows]

    def items(self, states: Sequence[ItemState], limit: int = 500) -> list[OutboxItem]:
        marks = ", ".join("?" * len(states))
        rows = self._db.query(
            f"SELECT {_COLUMNS} FROM outbox WHERE state IN ({marks}) "  # noqa: S608
            "ORDER BY device_seq LIMIT ?",
            [*(s.value for s in states), limit],
        )
        return [_item(r) for r in rows]

    def due(self, limit: int = 64, after: int = 0) -> list[OutboxItem]:
        """Items to send now, oldest first: approved, left sending by a crash, or failed
        items whose retry time has come. A retry scheduled at a moment later than now means
        the clock was set back since: it is due now rather than stuck for hours. (How far
        off a retry is says nothing of the clock: the hub's Retry-After may ask for hours.)

        ``after``: a running number up to which the caller has already taken every approved
        or sending item (a sync run passes the highest it has taken), so each batch reads on
        from there instead of the whole outbox again. Failed items are looked at whatever
        their number."""
        now = utc_stamp(self._now())
        # Two queries, each on its own index: as one OR, SQLite gathers and sorts every
        # waiting row (bodies and all) for each batch, 0.2 s with 10,000 waiting.
        fresh = self._db.query(
            f"SELECT {_COLUMNS} FROM outbox WHERE device_seq > ? "  # noqa: S608
            "AND +state IN ('approved', 'sending') ORDER BY device_seq LIMIT ?",
            (after, limit),
        )
        retries = self._db.query(
            f"SELECT {_COLUMNS} FROM outbox WHERE state = 'failed' "  # noqa: S608
            "AND (next_try_at <= ? OR updated_at > ?) ORDER BY device_seq LIMIT ?",
            (now, now, limit),
        )
        rows = sorted([*fresh, *retries], key=lambda row: int(row[4]))[:limit]  # device_seq
        return [_item(r) for r in rows]

    def counts(self) -> OutboxCounts:
        rows = dict(self._db.query("SELECT state, count(*) FROM outbox GROUP BY state"))
        soonest = self._db.scalar("SELECT min(next_try_at) FROM outbox WHERE state = 'failed'")
        return OutboxCounts(
            waiting=sum(rows.get(s.value, 0) for s in WAITING),
            held=rows.get(ItemState.HELD.value, 0),
            acknowledged=rows.get(ItemState.ACKNOWLEDGED.value, 0),
            next_try_at=_time(soonest),
        )

    def acknowledged_before(self, moment: datetime) -> list[str]:
        """Contacts whose newest approval the hub acknowledged before ``moment``."""
        rows = self._db.query(
            "SELECT contact_uid FROM outbox o WHERE state = 'acknowledged' "
            "AND acknowledged_at < ? AND summary_version = (SELECT max(summary_version) "
            "FROM outbox WHERE contact_uid = o.contact_uid)",
            (utc_stamp(moment),),
        )
        return [r[0] for r in rows]

    # --- sending ------------------------------------------------------------------------

    def mark_sending(self, item_ids: Sequence[int]) -> None:
        stamp = utc_stamp(self._now())
        with self._db.transaction():
            # One statement for many rows: per statement, SQLCipher costs more than the row.
            for chunk in _chunks(list(dict.fromkeys(item_ids))):
                self._db.execute(
                    "UPDATE outbox SET state = 'sending', attempts = attempts + 1, "  # noqa: S608
                    f"updated_at = ? WHERE id IN ({', '.join('?' * len(chunk))}) "
                    "AND state IN ('approved', 'sending', 'failed')",
                    [stamp, *chunk],
                )

    def record(self, outcomes: Sequence[Outcome]) -> None:
        """Store what happened to each item, all in one transaction."""
        stamp = utc_stamp(self._now())
        # The last word on an item wins, as if each were applied in turn.
        receipts = {o.item_id: o.receipt for o in outcomes if o.state is ItemState.ACKNOWLEDGED}
        with self._db.transaction():
            for chunk in _chunks(list(receipts.items())):
                self._db.execute(
                    "UPDATE outbox SET state = 'acknowledged', receipt = v.column2, "  # noqa: S608
                    "acknowledged_at = ?, next_try_at = NULL, problem = '', "
                    "problem_detail = '', updated_at = ? "
                    f"FROM (VALUES {', '.join(['(?, ?)'] * len(chunk))}) AS v "
                    "WHERE outbox.id = v.column1",
                    [stamp, stamp, *(x for i, r in chunk for x in (i, r.decode()))],
                )
            for o in outcomes:
                if o.state is not ItemState.ACKNOWLEDGED:
                    retry = utc_stamp(o.next_try_at) if o.next_try_at else None
                    # An item acknowledged by an earlier attempt stays acknowledged.
                    self._db.execute(
                        "UPDATE outbox SET state = ?, problem = ?, problem_detail = ?, "
                        "next_try_at = ?, updated_at = ? WHERE id = ? "
                        "AND state != 'acknowledged'",
                        (o.state.value, o.problem, o.detail[:1000], retry, stamp, o.item_id),
                    )

    def retry_now(self) -> None:
        """Bring every failed item's retry forward ("Sync now")."""
        with self._db.transaction():
            self._db.execute(
                "UPDATE outbox SET next_try_at = ? WHERE state = 'failed'",
                (utc_stamp(self._now()),),
            )


T = TypeVar("T")


def _chunks(values: list[T], size: int = 400) -> list[list[T]]:
    """Short enough lists for one statement's parameters."""
    return [values[i : i + size] for i in range(0, len(values), size)]


def receipt_json(receipt: Receipt) -> bytes:
    return json.dumps(receipt.model_dump(mode="json"), separators=(",", ":")).encode()
