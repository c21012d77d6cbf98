"""The common submission on PostgreSQL in one statement (``hub/onetrip.py``): it stores
exactly what the general path stores, in one transaction, keeps the feed's order, and
hands a submission raced by another commit to the general path with nothing written."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from psycopg.conninfo import conninfo_to_dict
from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.engine import make_url

from outreach.hub.api import create_app
from outreach.hub.auth import Authenticator
from outreach.hub.db import connect
from outreach.hub.onetrip import libpq_uri
from outreach.hub.settings import HubSettings
from outreach.hub.submit import Answer, Submissions
from tests.support.hubproc import Device, HubProcess, summary
from tests.support.postgres import free_port

MOMENT = datetime(2026, 11, 20, 12, 0, 30, tzinfo=UTC)
PAUSE = 74039999  # the advisory lock a paused insert waits for


class General(Submissions):
    def receive(self, *args: Any, **kwargs: Any) -> Answer:
        return super().receive(*args, first=False)


def _submissions(hub: HubProcess, kind: type[Submissions] = Submissions) -> Submissions:
    settings = HubSettings(database_url=hub.database_url)
    clock = lambda: MOMENT  # noqa: E731
    return kind(
        hub.engine, settings, Authenticator(hub.engine, per_minute=600, now=clock), now=clock
    )


def _send(
    submissions: Submissions, device: Device, body: dict[str, Any], seq: int, key: str
) -> Answer:
    payload = json.dumps({"device_seq": seq, "summary": body}).encode()
    return submissions.receive(device.headers["Authorization"], key, "application/json", payload)


@contextmanager
def _statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _stored(hub: HubProcess, device_id: str) -> dict[str, Any]:
    """Everything a device's submissions wrote, without the numbers the database made up
    and with the summary's id as ``ID``; and the transactions that wrote it."""
    with hub.engine.connect() as conn:

        def rows(sql: str) -> list[dict[str, Any]]:
            found = conn.execute(text(sql), {"d": device_id}).mappings().all()
            return [dict(row) for row in found]

        summary_rows = rows(
            "SELECT summary_id, version, received_at, contact_at, worry_rank, is_current,"
            " reviewed, body, xmin::text AS tx FROM summaries WHERE device_id = :d"
        )
        tags = rows(
            "SELECT t.kind, t.value FROM summary_tags t JOIN summaries s ON s.pk = t.summary_pk"
            " WHERE s.device_id = :d ORDER BY t.kind, t.value"
        )
        mentions = rows(
            "SELECT m.kind, m.key, m.label, m.person_ref, m.contact_at, m.xmin::text AS tx"
            " FROM team_mentions m JOIN summaries s ON s.pk = m.summary_pk"
            " WHERE s.device_id = :d ORDER BY m.kind, m.key, m.person_ref"
        )
        seqs = rows("SELECT seq, xmin::text AS tx FROM device_seqs WHERE device_id = :d")
        kept = rows(
            "SELECT key, status, response, created_at, xmin::text AS tx FROM idempotency"
            " WHERE device_id = :d"
        )
        device = rows(
            "SELECT rate_window, rate_count, last_seen_at, seq_floor, xmin::text AS tx"
            " FROM devices WHERE id = :d"
        )
    ids = {row.pop("summary_id") for row in summary_rows}
    tx = {row.pop("tx") for table in (summary_rows, mentions, seqs, kept, device) for row in table}
    everything = {
        "summaries": summary_rows,
        "tags": tags,
        "mentions": mentions,
        "seqs": seqs,
        "kept": kept,
        "device": device,
    }
    flat = json.dumps(everything, sort_keys=True)
    for summary_id in ids:
        flat = flat.replace(summary_id, "ID")
    return {"rows": json.loads(flat), "transactions": len(tx)}


def test_the_common_submission_is_one_statement_storing_what_the_general_path_stores(
    postgresql_hub: HubProcess,
) -> None:
    hub = postgresql_hub
    one, general = hub.team(workers=1).worker, hub.team(workers=1).worker
    bodies = [
        summary(
            young_people=[{"ref": "YP-0001", "age": 14}, {"ref": "YP-0002", "age": 15}],
            concerns=["older_boyfriend", "gifts"],
            mentions=[
                {"kind": "vehicle", "text": "AB12 CDE"},
                {"kind": "place", "text": "Bus station", "extra": "Town centre"},
            ],
        )
        for _ in range(2)
    ]
    receipts: dict[str, list[dict[str, Any]]] = {"one": [], "general": []}
    with _statements(hub.engine) as statements:
        answer = _send(_submissions(hub), one, bodies[0], seq=1, key="first")
        assert len(statements) == 1  # no BEGIN, no COMMIT: one statement in autocommit
    receipts["one"].append(json.loads(answer.text))
    assert _stored(hub, one.enrolled["device_id"])["transactions"] == 1
    answer = _send(_submissions(hub, General), general, bodies[1], seq=1, key="first")
    receipts["general"].append(json.loads(answer.text))

    assert answer.status == 201
    for receipt in (*receipts["one"], *receipts["general"]):
        receipt.pop("summary_id")
    assert receipts["one"] == receipts["general"]
    assert (
        _stored(hub, one.enrolled["device_id"])["rows"]
        == _stored(hub, general.enrolled["device_id"])["rows"]
    )


# (running number, whether the one statement stores it): numbers out of order and gaps
# go in one statement; a number sent before, or more missing than a receipt lists, do not.
_NUMBERS = [(1, True), (3, True), (2, True), (7, True), (5, True), (5, False), (70, False)]
_NUMBERS += [(6, False), (4, False)]


def test_running_numbers_out_of_order_get_the_receipts_of_the_general_path(
    postgresql_hub: HubProcess,
) -> None:
    hub = postgresql_hub
    one, general = hub.team(workers=1).worker, hub.team(workers=1).worker
    paths = {"one": _submissions(hub), "general": _submissions(hub, General)}
    receipts: dict[str, list[dict[str, Any]]] = {"one": [], "general": []}
    for n, (seq, alone) in enumerate(_NUMBERS):
        body = summary()
        with _statements(hub.engine) as statements:
            answer = _send(paths["one"], one, body, seq=seq, key=f"k{n}")
        assert (len(statements) == 1) == alone, (seq, statements)
        receipts["one"].append(json.loads(answer.text))
        answer = _send(paths["general"], general, dict(body, id=os.urandom(16).hex()), seq, f"k{n}")
        receipts["general"].append(json.loads(answer.text))
    for receipt in (*receipts["one"], *receipts["general"]):
        receipt.pop("summary_id")
    assert receipts["one"] == receipts["general"]
    assert [r["missing_seqs"] for r in receipts["one"][:5]] == [[], [2], [], [4, 5, 6], [4, 6]]
    assert receipts["one"][6]["missing_more"] == 14  # 4, 6 and 8 to 69: 64, 50 listed
    one_rows = _stored(hub, one.enrolled["device_id"])["rows"]
    general_rows = _stored(hub, general.enrolled["device_id"])["rows"]
    assert one_rows["seqs"] == general_rows["seqs"]
    assert one_rows["device"] == general_rows["device"]
    assert one_rows["device"][0]["seq_floor"] == 7


@contextmanager
def _paused_inserts(engine: Engine, ref: str) -> Iterator[None]:
    """Inserting the tag of the young person ``ref`` waits while the lock ``PAUSE`` is held:
    a pause in the middle of the one statement, after the summary took its ``pk``."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE FUNCTION test_pause() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                f" IF NEW.value = '{ref}' THEN PERFORM pg_advisory_xact_lock_shared({PAUSE});"
                " END IF; RETURN NEW; END $$"
            )
        )
        conn.execute(
            text(
                "CREATE TRIGGER test_pause BEFORE INSERT ON summary_tags"
                " FOR EACH ROW EXECUTE FUNCTION test_pause()"
            )
        )
    try:
        yield
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP TRIGGER test_pause ON summary_tags"))
            conn.execute(text("DROP FUNCTION test_pause()"))


def _waiting(engine: Engine, lock: str, count: int = 1) -> None:
    """Until ``count`` requests wait for a lock of the kind ``lock`` (pg_locks.locktype)."""
    deadline = time.monotonic() + 30
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            found = conn.execute(
                text("SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype = :kind"),
                {"kind": lock},
            ).scalar_one()
            conn.rollback()
            if found >= count:
                return
            time.sleep(0.01)  # a server-side state: there is no event to wait on
    raise AssertionError(f"nothing waited for a {lock} lock")


def test_the_feed_waits_for_a_one_statement_submission_in_flight(
    postgresql_hub: HubProcess,
) -> None:
    """As for the general path (test_team_feed): the summary took its seq but has not
    committed, so a lead's feed that returned a later one would page past it for good."""
    hub = postgresql_hub
    team = hub.team(workers=2)
    held = summary(young_people=[{"ref": "YP-PAUSE", "age": 14}])
    after = summary()
    with (
        _paused_inserts(hub.engine, "YP-PAUSE"),
        hub.engine.connect() as gate,
        ThreadPoolExecutor(2) as pool,
    ):
        gate.execute(text(f"SELECT pg_advisory_lock({PAUSE})"))
        try:
            first = pool.submit(_send, _submissions(hub), team.worker, held, 1, "held")
            _waiting(hub.engine, "advisory")
            assert team.devices["w1"].submit(after).status_code == 201
            feed = pool.submit(team.lead.get, "/v1/team/feed")
            _waiting(hub.engine, "advisory", count=2)  # the feed, for the team's lock
            assert not feed.done()
        finally:  # a session's lock outlives its return to the pool
            gate.execute(text(f"SELECT pg_advisory_unlock({PAUSE})"))
            gate.commit()
        assert first.result(30).status == 201
        page = feed.result(30).json()
    assert [item["summary"]["id"] for item in page["items"]] == [held["id"], after["id"]]


def test_a_one_statement_submission_raced_by_a_commit_is_stored_by_the_general_path(
    postgresql_hub: HubProcess,
) -> None:
    """Another request commits the same running number after the statement's snapshot:
    the unique key refuses the statement whole, and the general path stores the summary."""
    hub = postgresql_hub
    worker = hub.team(workers=1).worker
    device_id = worker.enrolled["device_id"]
    body = summary()
    with ThreadPoolExecutor(1) as pool, hub.engine.connect() as other:
        other.execute(
            text("INSERT INTO device_seqs (device_id, seq) VALUES (:d, 1)"), {"d": device_id}
        )
        sent = pool.submit(_send, _submissions(hub), worker, body, 1, "raced")
        _waiting(hub.engine, "transactionid")  # for the other's row of number 1
        other.commit()
        answer = sent.result(30)
    assert answer.status == 201
    stored = _stored(hub, device_id)["rows"]
    assert [row["version"] for row in stored["summaries"]] == [1]
    assert [row["seq"] for row in stored["seqs"]] == [1]
    assert [row["key"] for row in stored["kept"]] == ["raced"]
    assert stored["device"][0]["rate_count"] == 1


def test_over_http_the_common_submission_never_waits_for_a_thread(
    postgresql_hub: HubProcess,
) -> None:
    """The route stores the common submission from the event loop on psycopg's own pool;
    only other submissions go to the engine (in a thread), without trying it twice."""
    hub = postgresql_hub
    worker = hub.team(workers=1).worker
    engine = connect(hub.database_url)
    app = create_app(HubSettings(database_url=hub.database_url), engine)
    first, again = summary(), summary()

    async def send(client: httpx.AsyncClient, body: dict[str, Any], seq: int) -> httpx.Response:
        return await client.post(
            "/v1/summaries",
            json={"device_seq": seq, "summary": body},
            headers={**worker.headers, "Idempotency-Key": body["id"]},
        )

    async def run() -> tuple[list[str], list[str]]:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://hub"
            ) as client,
        ):
            with _statements(engine) as common:
                assert (await send(client, first, 1)).status_code == 201
            with _statements(engine) as other:  # the same running number: a resend
                answer = await send(client, again, 1)
            assert answer.status_code == 201
        return common, other

    try:
        common, other = asyncio.run(run())
    finally:
        engine.dispose()
    assert common == []
    assert other  # the general path
    assert not any("WITH caller" in statement for statement in other)
    assert [row["seq"] for row in _stored(hub, worker.enrolled["device_id"])["rows"]["seqs"]] == [1]


def test_the_one_statement_connects_where_the_engine_does() -> None:
    url = make_url(
        "postgresql+psycopg://hub:p%40ss%2Fw%3Ard@db.example.org:5433/outreach_hub"
        "?sslmode=verify-full&sslrootcert=/etc/outreach-hub/db-ca.pem"
    )
    assert conninfo_to_dict(libpq_uri(url)) == {
        "user": "hub",
        "password": "p@ss/w:rd",
        "host": "db.example.org",
        "port": "5433",
        "dbname": "outreach_hub",
        "sslmode": "verify-full",
        "sslrootcert": "/etc/outreach-hub/db-ca.pem",
    }


def test_with_the_database_out_of_reach_a_submission_is_503_with_retry_after(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Nothing listens where the database should be: the one statement gives up and the
    general path answers as for any request then, twice in a row."""
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/outreach_hub"
    engine = connect(url)
    app = create_app(HubSettings(database_url=url), engine)
    headers = {"Authorization": "Bearer " + "a" * 32 + ".secret", "Idempotency-Key": "one"}

    async def run() -> list[httpx.Response]:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://hub"
            ) as client,
        ):
            return [
                await client.post(
                    "/v1/summaries",
                    json={"device_seq": n, "summary": summary()},
                    headers={**headers, "Idempotency-Key": f"k{n}"},
                )
                for n in (1, 2)
            ]

    try:
        with caplog.at_level(logging.WARNING):
            answers = asyncio.run(run())
    finally:
        engine.dispose()
    for answer in answers:
        assert answer.status_code == 503, answer.text
        assert answer.json()["code"] == "unavailable"
        assert answer.headers["Retry-After"] == "5"
    assert "database unavailable: OperationalError" in caplog.text
