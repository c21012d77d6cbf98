"""PostgreSQL's advisory locks that order the hub's writers and readers (see ``submit``).

Each is transaction-scoped: released when the transaction that took it commits or rolls
back, so a hub process that dies holds nothing.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import ColumnElement, Integer, bindparam, cast, func, literal

# The class of the per-team feed lock, in PostgreSQL's two-int advisory key space (which
# does not overlap the one-bigint space of the key locks and the migration lock).
TEAM_FEED_LOCK = 74032102


# The same for the team's reviews: a review takes its id when inserted, not when it commits.
TEAM_REVIEWS_LOCK = 74032103

# The class of the lock on one summary id (``summary_lock_number``), held by a submission
# from its first statement until it commits.
SUMMARY_LOCK = 74032104


def team_feed_lock(
    *, shared: bool, kind: int = TEAM_FEED_LOCK, team: ColumnElement[Any] | None = None
) -> ColumnElement[Any]:
    """PostgreSQL's transaction-scoped advisory lock on the feed of the team ``team`` (by
    default the parameter ``b_team``), or with ``kind=TEAM_REVIEWS_LOCK`` its reviews:
    writers hold it shared until they commit, a reader paging by id takes it whole, so it
    never passes a row still being written."""
    lock = func.pg_advisory_xact_lock_shared if shared else func.pg_advisory_xact_lock
    which = bindparam("b_team") if team is None else team
    return lock(literal(kind, Integer), cast(which, Integer))


def summary_lock() -> ColumnElement[Any]:
    """The lock of the summary id whose number is ``b_summary``, waiting for it."""
    return func.pg_advisory_xact_lock(
        literal(SUMMARY_LOCK, Integer), cast(bindparam("b_summary"), Integer)
    )


def summary_lock_number(summary_id: str) -> int:
    """A signed 32-bit number for the lock of one summary id: two ids sharing one only
    wait for each other."""
    raw = hashlib.sha256(f"summary\n{summary_id}".encode()).digest()[:4]
    return int.from_bytes(raw, "big", signed=True)


def lock_number(device_id: str, key: str) -> int:
    """A signed 64-bit number for the advisory lock of one (device, key)."""
    raw = hashlib.sha256(f"{device_id}\n{key}".encode()).digest()[:8]
    return int.from_bytes(raw, "big", signed=True)
