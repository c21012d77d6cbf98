"""Each key applied once: concurrent duplicates, lapsed claims, a hub killed mid-stream."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func, select

from outreach.hub.tables import device_seqs, summaries
from tests.hub.conftest import BACKENDS
from tests.support.hubproc import Device, HubProcess, Team, summary


def _rows(hub: HubProcess, summary_id: str) -> int:
    with hub.engine.connect() as conn:
        query = select(func.count()).where(summaries.c.summary_id == summary_id)
        return int(conn.scalar(query) or 0)


def test_concurrent_duplicates_store_one_summary(hub: HubProcess, team: Team) -> None:
    body = summary()
    barrier = threading.Barrier(12)

    def send(_: int) -> httpx.Response:
        barrier.wait()
        return team.worker.submit(body, key="same-key", seq=1)

    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(send, range(12)))
    statuses = sorted({answer.status_code for answer in answers})
    assert set(statuses) <= {201, 409}, [a.text for a in answers]
    receipts = [a.json() for a in answers if a.status_code == 201]
    assert receipts
    assert all(receipt == receipts[0] for receipt in receipts)
    for answer in answers:
        if answer.status_code == 409:
            assert int(answer.headers["Retry-After"]) >= 1
    assert _rows(hub, body["id"]) == 1
    assert team.worker.submit(body, key="same-key", seq=1).json() == receipts[0]


def test_concurrent_copies_under_different_keys_store_one_version(
    hub: HubProcess, team: Team
) -> None:
    body = summary()
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda i: team.worker.submit(body, key=f"copy-{i}"), range(8)))
    assert {a.status_code for a in answers} == {201}
    assert _rows(hub, body["id"]) == 1


def test_a_key_being_processed_answers_409(postgresql_hub: HubProcess) -> None:
    """On PostgreSQL a duplicate learns at once that the first is still being processed
    (here the first is held open by the test, through the same advisory lock)."""
    from outreach.hub.locks import lock_number

    worker = postgresql_hub.team(workers=1).worker
    body = summary()
    with postgresql_hub.engine.begin() as conn:
        lock = lock_number(worker.enrolled["device_id"], "busy")
        assert conn.scalar(select(func.pg_try_advisory_xact_lock(lock)))
        busy = worker.submit(body, key="busy")
        assert busy.status_code == 409
        assert busy.headers["Retry-After"] == "1"
        assert busy.json()["code"] == "in_progress"
    assert worker.submit(body, key="busy").status_code == 201
    assert _rows(postgresql_hub, body["id"]) == 1


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_hub_killed_mid_stream_loses_and_duplicates_nothing(
    own_hub: Callable[..., HubProcess],
) -> None:
    hub = own_hub()
    worker = hub.team(workers=1).worker
    total, kills_after = 150, (40, 90)
    bodies = [summary() for _ in range(total)]
    acknowledged: list[int] = []
    resumed = threading.Event()

    def send_all() -> None:
        # The client as the app's outbox will be: resend the same key until acknowledged.
        for n, body in enumerate(bodies, start=1):
            while True:
                try:
                    answer = worker.submit(body, key=f"stream-{n}", seq=n)
                except httpx.TransportError:
                    resumed.wait(30)
                    continue
                if answer.status_code == 201:
                    acknowledged.append(n)
                    break
                assert answer.status_code in (409, 503), answer.text
                resumed.wait(0.05)

    sender = threading.Thread(target=send_all)
    sender.start()
    for mark in kills_after:
        while len(acknowledged) < mark and sender.is_alive():
            resumed.wait(0.01)
        resumed.clear()
        hub.kill()
        hub.start()
        resumed.set()
    sender.join(120)
    assert not sender.is_alive()
    assert acknowledged == list(range(1, total + 1))
    with hub.engine.connect() as conn:
        stored = conn.execute(select(summaries.c.summary_id)).scalars().all()
        seqs = conn.execute(select(device_seqs.c.seq)).scalars().all()
    assert sorted(stored) == sorted(body["id"] for body in bodies)
    assert sorted(seqs) == list(range(1, total + 1))
    assert worker.get("/v1/device").json()["missing_seqs"] == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_too_many_requests_is_429_with_retry_after(own_hub: Callable[..., HubProcess]) -> None:
    hub = own_hub("--requests-per-minute", "3")
    worker = hub.team(workers=1).worker
    answers = [worker.get("/v1/device") for _ in range(8)]
    limited = [a for a in answers if a.status_code == 429]
    assert limited
    assert 1 <= int(limited[0].headers["Retry-After"]) <= 60
    assert limited[0].json()["code"] == "rate_limited"


def test_two_hub_processes_share_one_postgresql(postgres_server: str) -> None:
    """No state in a process: duplicates sent to two hubs at once are stored once, and each
    hub sees what the other received."""
    from tests.support.postgres import fresh_database

    url = fresh_database(postgres_server)
    first, second = HubProcess(url), HubProcess(url)
    first.start()
    second.start()
    try:
        worker = first.team(workers=1).worker
        via_second = Device(second.url, worker.enrolled)
        bodies = [summary() for _ in range(10)]

        def send(n: int) -> httpx.Response:
            device = worker if n % 2 else via_second
            return device.submit(bodies[n // 2], key=f"both-{n // 2}", seq=n // 2 + 1)

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(send, range(20)))
        assert {a.status_code for a in answers} <= {201, 409}
        for n in range(10):  # whatever each got at first, a retry answers the one receipt
            receipts = {
                device.submit(bodies[n], key=f"both-{n}", seq=n + 1).text
                for device in (worker, via_second)
            }
            assert len(receipts) == 1
        for hub in (first, second):
            for body in bodies:
                assert _rows(hub, body["id"]) == 1
        assert via_second.get("/v1/device").json()["missing_seqs"] == []
        assert len(worker.get("/v1/summaries").json()["items"]) == 10
    finally:
        first.stop()
        second.stop()
