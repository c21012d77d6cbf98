"""The running numbers a receipt says never arrived: the first 50 below the highest, and
how many more, whatever the pattern of gaps (found by a window over the numbers in the
database, over only the last few when all that are missing lie there, and never below the
device's floor, up to which every number arrived)."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from alembic import command
from sqlalchemy import insert, select

from outreach.hub.admin import Admin
from outreach.hub.db import alembic_config, connect, migrate
from outreach.hub.submit import MISSING_LISTED, _missing, missing_seqs
from outreach.hub.tables import device_seqs, devices
from tests.support.hubproc import Device, HubProcess, summary


def reference(seen: set[int], also: int | None) -> tuple[list[int], int]:
    numbers = seen | ({also} if also else set())
    highest = max(numbers, default=0)
    absent = [n for n in range(1, highest) if n not in numbers]
    return absent[:MISSING_LISTED], max(0, len(absent) - MISSING_LISTED)


def true_floor(seen: set[int]) -> int:
    """The highest number up to which every one was seen."""
    floor = 0
    while floor + 1 in seen:
        floor += 1
    return floor


CASES = {
    "none": (set(range(1, 40)), None),
    "in flight at the top": (set(range(1, 200)) - {195, 197}, 198),
    "an old gap held for good": (set(range(1, 300)) - {17}, None),
    "the first never came": (set(range(2, 10)), None),
    "more than fifty": (set(range(1, 400, 3)), 401),
    "one long run": ({1, 5000}, None),
    "the tail fills a gap": (set(range(1, 20)) - {7}, 7),
    "random": (set(random.Random(7).sample(range(1, 2000), 900)), 2001),
    "in flight at the top of many": (set(range(1, 5000)) - {4990, 4995}, 5001),
    "the tail fills the last old gap": (set(range(1, 1000)) - {10, 995}, 10),
    "an old gap and some in flight": (set(range(1, 1000)) - {10, 995, 997}, 1001),
    "a resend of a number already seen": (set(range(1, 1000)) - {995}, None),
}


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_missing_numbers_match_a_plain_count(database_url: str) -> None:
    engine = connect(database_url)
    migrate(engine)
    admin = Admin(engine)
    admin.add_team("north")
    for i, (name, (seen, also)) in enumerate(CASES.items()):
        admin.add_user(f"worker-{i}", "north", "worker")
        device = admin.enrol(admin.enrolment_code(f"worker-{i}")[0], name).device_id
        with engine.begin() as conn:
            conn.execute(insert(device_seqs), [{"device_id": device, "seq": n} for n in seen])
            count = len(seen) + (1 if also and also not in seen else 0)
            highest = max(seen | ({also} if also else set()))
            # Any floor at or below the true one gives the same answer.
            for floor in sorted({0, true_floor(seen) // 2, true_floor(seen)}):
                found = _missing(conn, device, count, highest, also=also, floor=floor)
                assert found == reference(seen, also), (name, floor)
    engine.dispose()


def test_the_floor_rises_to_the_first_gap_and_never_past_it(hub: HubProcess) -> None:
    worker = hub.team(workers=1).worker
    numbers = [n for n in range(1, 41) if n != 7]
    random.Random(3).shuffle(numbers)
    with ThreadPoolExecutor(8) as pool:  # a laptop sending several at once
        answers = list(pool.map(lambda n: worker.submit(summary(), seq=n), numbers))
    assert {a.status_code for a in answers} == {201}
    assert worker.get("/v1/device").json()["missing_seqs"] == [7]
    # Requests committing side by side may each have seen others still being written,
    # so the floor may stop short of the gap, but never passes it.
    assert _floor(hub, worker) <= 6
    # Once the gap is filled, the next submission (seeing all the others) raises the floor
    # to its highest number, and a later gap is still found above it.
    assert worker.submit(summary(), seq=7).json()["missing_seqs"] == []
    assert _floor(hub, worker) == 40
    assert worker.submit(summary(), seq=43).json()["missing_seqs"] == [41, 42]
    assert worker.get("/v1/device").json()["missing_seqs"] == [41, 42]
    assert _floor(hub, worker) == 40
    assert worker.submit(summary(), seq=41).json()["missing_seqs"] == [42]
    assert _floor(hub, worker) == 41


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_devices_sending_before_the_floor_existed_keep_their_gaps(database_url: str) -> None:
    engine = connect(database_url)
    command.upgrade(alembic_config(engine), "0002")  # a hub from before migration 0003
    admin = Admin(engine)
    admin.add_team("north")
    admin.add_user("worker", "north", "worker")
    device = admin.enrol(admin.enrolment_code("worker")[0], "laptop").device_id
    with engine.begin() as conn:
        conn.execute(insert(device_seqs), [{"device_id": device, "seq": n} for n in (1, 2, 3, 5)])
    migrate(engine)
    with engine.connect() as conn:
        floor = conn.execute(select(devices.c.seq_floor).where(devices.c.id == device))
        assert floor.scalar_one() == 0
        assert missing_seqs(conn, device) == (5, [4], 0)
    engine.dispose()


def _floor(hub: HubProcess, device: Device) -> int:
    with hub.engine.connect() as conn:
        floor = conn.execute(
            select(devices.c.seq_floor).where(devices.c.id == device.enrolled["device_id"])
        ).scalar_one()
    return int(floor)
