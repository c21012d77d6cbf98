"""The common submission on PostgreSQL in one statement and one round trip.

Most submissions are the first version of a summary never seen, under a new key, with a
running number the device has not sent before: a laptop sends its numbers in order, a few
at once. ``_SUBMIT`` stores such a submission whole, with its receipt (the numbers below
the device's highest that have not arrived are found in the same statement), in autocommit
(one statement is one transaction); or writes nothing at all, and ``Submissions`` takes
its general path, which decides every other case and answers every refusal. The round
trips, not the rows, were most of a submission's cost: the general path makes five
(``BEGIN``, three statements, ``COMMIT``), and it holds the device's row from its count to
its ``COMMIT``, so one device's submissions queued behind each other's round trips.

What the general path guarantees, this one keeps:

- **Who may submit:** a known credential of a device not revoked, of a worker or a lead,
  under its rate. The count is the ``UPDATE`` of the device's row, whose conditions
  PostgreSQL checks again on the newest row if another request changed it meanwhile, so
  requests racing past the limit are not all let through.
- **Running numbers:** the receipt lists the numbers missing between the device's floor
  and its highest as this statement's snapshot has them, as the general path's does, and
  the floor is raised to just below the first of them (never lowered, never past a gap).
  More than ``SPAN`` numbers above the floor, or more missing than a receipt lists: the
  general path, which pages through them.
- **Locks:** the team's feed lock, shared, before the summary takes its ``pk``; the key's
  lock and the summary id's lock are tried, not waited for (held elsewhere: the general
  path waits or answers 409). A statement that writes nothing releases them as it ends.
- **Nothing half-done:** the rows are written only from the ``RETURNING`` of the count and
  of the summary, so a condition that fails writes nothing. A unique index that refuses a
  row (another request with the same key, id or running number committed since this
  statement's snapshot) fails the whole statement, and the general path sees what is there.
"""

from __future__ import annotations

import time
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import URL, Engine, text
from sqlalchemy.exc import IntegrityError

from outreach.hub.locks import SUMMARY_LOCK, TEAM_FEED_LOCK

# Seconds to wait for a free connection, and to leave the database alone after it was out
# of reach.
_WAIT, _RESTING = 2.0, 5.0

# How far above the device's floor its numbers may reach for this statement to look for
# the missing ones: a laptop sends a few at once, so a wider span is an old gap.
SPAN = 256

# Parameters: who (b_device, b_hash), the rate (window, per_minute, now), the key (key,
# key_lock, request_hash), the running number (seq; span, listed: see ``SPAN``), the
# summary's columns and its id's lock (summary_lock), its tags and mentions as JSON lists
# of objects, and the receipt's text around its missing numbers (receipt_head, _tail).
_SUBMIT = text(
    """
WITH caller AS MATERIALIZED (
    SELECT d.id AS device_id, d.user_id, u.team_id, d.seq_floor,
           GREATEST(CAST(:seq AS bigint),
                    (SELECT max(q.seq) FROM device_seqs q WHERE q.device_id = d.id)) AS top,
           pg_advisory_xact_lock_shared(CAST(:feed_class AS integer), u.team_id) AS feed
    FROM devices d JOIN users u ON u.id = d.user_id
    WHERE d.id = :b_device AND d.secret_hash = :b_hash AND d.revoked_at IS NULL
      AND u.role IN ('worker', 'lead')
      AND CAST(:seq AS bigint) > d.seq_floor
      AND NOT EXISTS (
          SELECT FROM device_seqs q WHERE q.device_id = d.id AND q.seq = CAST(:seq AS bigint)
      )
      AND NOT EXISTS (SELECT FROM idempotency i WHERE i.device_id = d.id AND i.key = :key)
      AND NOT EXISTS (SELECT FROM summaries s WHERE s.summary_id = :summary_id)
),
claimed AS MATERIALIZED (
    -- Only the device's numbers in the span are read, however the join is planned (a
    -- plan that read them all made every submission slower than the one before).
    SELECT c.*, ARRAY(
        SELECT n FROM generate_series(c.seq_floor + 1, c.top - 1) AS n
        WHERE n <> CAST(:seq AS bigint)
        EXCEPT
        SELECT q.seq FROM device_seqs q
        WHERE q.device_id = c.device_id AND q.seq > c.seq_floor AND q.seq < c.top
        ORDER BY 1
    ) AS missing
    FROM caller c
    WHERE c.top - c.seq_floor <= :span
      AND pg_try_advisory_xact_lock(CAST(:key_lock AS bigint))
      AND pg_try_advisory_xact_lock(
          CAST(:summary_class AS integer), CAST(:summary_lock AS integer)
      )
),
counted AS (
    UPDATE devices d
    SET rate_count = CASE WHEN d.rate_window = :window THEN d.rate_count + 1 ELSE 1 END,
        rate_window = :window, last_seen_at = :now,
        seq_floor = GREATEST(
            d.seq_floor,
            CASE WHEN cardinality(c.missing) = 0 THEN c.top ELSE c.missing[1] - 1 END
        )
    FROM claimed c
    WHERE d.id = c.device_id AND cardinality(c.missing) <= :listed
      AND (d.rate_window <> :window OR d.rate_count < :per_minute)
    RETURNING c.device_id, c.user_id, c.team_id, c.missing
),
summary AS (
    INSERT INTO summaries (summary_id, version, team_id, user_id, device_id, received_at,
                           contact_at, worry_rank, is_current, reviewed, body_hash, body)
    SELECT :summary_id, :version, team_id, user_id, device_id, :now,
           :contact_at, :worry_rank, true, false, :body_hash, :body
    FROM counted
    RETURNING pk, team_id, user_id, device_id
),
tags AS (
    INSERT INTO summary_tags (summary_pk, kind, value)
    SELECT s.pk, t.kind, t.value
    FROM summary s, jsonb_to_recordset(CAST(:tags AS jsonb)) AS t(kind text, value text)
),
mentions AS (
    INSERT INTO team_mentions (summary_pk, team_id, kind, key, label, user_id, person_ref,
                               contact_at)
    SELECT s.pk, s.team_id, m.kind, m.key, m.label, s.user_id, m.person_ref, :contact_at
    FROM summary s, jsonb_to_recordset(CAST(:mentions AS jsonb))
        AS m(kind text, key text, label text, person_ref text)
),
seq AS (
    INSERT INTO device_seqs (device_id, seq) SELECT device_id, :seq FROM summary
),
kept AS (
    INSERT INTO idempotency (device_id, key, body_hash, status, response, created_at)
    SELECT s.device_id, :key, :request_hash, 201,
           :receipt_head || array_to_json(c.missing)::text || :receipt_tail, :now
    FROM summary s, counted c
    RETURNING response
)
SELECT response FROM kept
"""
)


class OneTrip:
    """Runs ``_SUBMIT``: from the event loop on psycopg's own async connections, so the
    common submission waits for PostgreSQL without a thread or SQLAlchemy in between (they
    were a third of the hub's CPU a submission); or from a thread on the engine's pool.
    Each call answers the receipt of a submission stored whole, or None: nothing stored."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._sql = str(_SUBMIT.compile(dialect=engine.dialect))  # %(name)s, as psycopg takes
        self._pool = AsyncConnectionPool(
            libpq_uri(engine.url),
            kwargs={"autocommit": True},
            min_size=1,
            max_size=10,
            # A connection free within this long, or the general path takes the request:
            # with the database out of reach, it answers 503 at once.
            timeout=_WAIT,
            open=False,  # opened in the event loop that first uses it
        )
        self._resting_until = 0.0  # the database was out of reach: the general path only

    def store(self, values: dict[str, Any]) -> str | None:
        with self._engine.connect() as conn:
            try:
                return conn.execute(_SUBMIT, _with_classes(values)).scalar()
            except IntegrityError:  # raced by a request committed since the snapshot
                return None

    async def store_async(self, values: dict[str, Any]) -> str | None:
        if time.monotonic() < self._resting_until:
            return None
        await self._pool.open()
        try:
            async with self._pool.connection() as conn:
                found = await (await conn.execute(self._sql, _with_classes(values))).fetchone()
        except (psycopg.errors.UniqueViolation, psycopg.DataError):
            # Raced by a commit since the snapshot, or a value the database refuses: the
            # general path answers (409 or 422, as for the engine's errors).
            return None
        except psycopg.OperationalError:
            # The database out of reach (or no connection free in time): the general path
            # answers 503 with Retry-After, and takes the next requests for a while without
            # waiting here. Had the statement committed before the connection dropped, it
            # finds the receipt kept under the key.
            self._resting_until = time.monotonic() + _RESTING
            return None
        return None if found is None else str(found[0])

    async def close(self) -> None:
        await self._pool.close()


def libpq_uri(url: URL) -> str:
    """The engine's URL as libpq takes it: its driver dropped, the password kept."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _with_classes(values: dict[str, Any]) -> dict[str, Any]:
    return {
        **values,
        "feed_class": TEAM_FEED_LOCK,
        "summary_class": SUMMARY_LOCK,
        "span": SPAN,
    }
