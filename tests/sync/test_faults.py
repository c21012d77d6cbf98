"""Sync under faults, against a real hub process on loopback through a misbehaving proxy.

The hub errs, hangs, crawls, is busy or is not there; acknowledgements are lost after the
hub committed; the app is killed mid-sync again and again; one item is invalid; the laptop's
clock is wrong. Whatever happens, every approved summary reaches the hub exactly once, each
under its own key and running number, and only an invalid item is held.
"""

from __future__ import annotations

import json
import os
import random
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from outreach.hub.clock import unstamp
from outreach.hub.tables import device_seqs, idempotency, summaries
from outreach.sync.approval import Approvals
from outreach.sync.engine import Backoff, Stop, SyncEngine, SyncReport
from outreach.sync.outbox import ItemState, Outbox, OutboxItem
from outreach.vault.audit import utc_now
from tests.conftest import PASSPHRASE
from tests.support.faultproxy import Fault, FaultProxy
from tests.support.hubproc import HubProcess
from tests.sync.conftest import Worker

QUICK = Backoff(base=0.01, cap=0.05)  # retries due at once, so tests need not wait


@pytest.fixture
def proxy(sync_hub: HubProcess) -> Iterator[FaultProxy]:
    with FaultProxy(sync_hub.url, seed=random.randrange(2**32)) as running:
        yield running


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Bounded polling for a condition (never a fixed sleep standing in for one)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.01)


def sync(
    worker: Worker,
    address: str,
    *,
    timeout: float = 5.0,
    backoff: Backoff = QUICK,
    now: Callable[[], datetime] = utc_now,
) -> SyncReport:
    with worker.client(address, timeout=timeout) as client:
        return SyncEngine(worker.opened.db, client, backoff=backoff, now=now).run()


def outbox_items(worker: Worker) -> list[OutboxItem]:
    return Outbox(worker.opened.db).items(list(ItemState), limit=10_000)


def wait_until_due(worker: Worker, count: int, now: Callable[[], datetime] = utc_now) -> None:
    """The quick backoff's retry times (a few hundredths of a second) have come."""
    outbox = Outbox(worker.opened.db, now=now)
    wait_for(lambda: len(outbox.due(10_000)) == count, f"{count} items due again")


def lead_sees(worker: Worker) -> list[tuple[str, int]]:
    """(id, version) of every summary the team lead's device lists, page by page."""
    lead = worker.team.lead
    found: list[tuple[str, int]] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 50, **({"cursor": cursor} if cursor else {})}
        answer = lead.get("/v1/summaries", params=params)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        found += [(i["summary"]["id"], i["summary"]["version"]) for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            return found


def assert_delivered_once(hub: HubProcess, worker: Worker) -> None:
    """Every item the worker approved and did not replace is acknowledged, and the hub holds
    each exactly once: one summary row, one idempotency key and one running number each,
    the very key and number the outbox gave it, and nothing else from this device."""
    items = [i for i in outbox_items(worker) if i.state is not ItemState.REPLACED]
    assert items
    assert Counter(i.state for i in items) == {ItemState.ACKNOWLEDGED: len(items)}
    for item in items:
        assert item.receipt is not None
        assert (item.receipt.summary_id, item.receipt.version) == (
            item.contact_uid,
            item.summary_version,
        )
        assert item.receipt.device_seq == item.device_seq
    expected = sorted((i.contact_uid, i.summary_version) for i in items)
    listed = lead_sees(worker)
    assert sorted(listed) == expected, "the lead sees each summary once, and only those"
    device = worker.enrolment.device_id
    with hub.engine.connect() as conn:
        rows = conn.execute(
            select(summaries.c.summary_id, summaries.c.version).where(
                summaries.c.device_id == device
            )
        ).all()
        keys = conn.scalars(select(idempotency.c.key).where(idempotency.c.device_id == device))
        seqs = conn.scalars(select(device_seqs.c.seq).where(device_seqs.c.device_id == device))
        assert sorted((r.summary_id, r.version) for r in rows) == expected
        assert sorted(keys) == sorted(i.idempotency_key for i in items)
        assert sorted(seqs) == sorted(i.device_seq for i in items)


def on_hub(hub: HubProcess, worker: Worker) -> int:
    device = worker.enrolment.device_id
    with hub.engine.connect() as conn:
        return len(
            conn.execute(select(summaries.c.pk).where(summaries.c.device_id == device)).all()
        )


# --- the hub errs -----------------------------------------------------------------------


@pytest.mark.parametrize("every", [1, 2])
def test_hub_error_fails_items_for_later_and_loses_nothing(
    make_worker: Callable[..., Worker], sync_hub: HubProcess, proxy: FaultProxy, every: int
) -> None:
    worker = make_worker(contacts=6)
    approved = worker.approve()
    proxy.set(Fault.ERROR, every=every)

    before = utc_now()
    report = sync(worker, proxy.url)

    refused = len(approved) // every
    assert report.stop is Stop.HUB_ERROR
    assert (report.failed, report.acknowledged) == (refused, len(approved) - refused)
    failed = [i for i in outbox_items(worker) if i.state is ItemState.FAILED]
    assert len(failed) == refused
    for item in failed:
        assert item.problem == "hub_error"
        assert item.next_try_at is not None
        assert item.next_try_at >= before
        assert item.attempts == 1
    # Nothing lost or rebuilt: each item still carries the bytes and key it was approved with.
    kept = {i.id: (i.body, i.idempotency_key) for i in outbox_items(worker)}
    assert kept == {i.id: (i.body, i.idempotency_key) for i in approved}
    assert on_hub(sync_hub, worker) == len(approved) - refused

    proxy.set(Fault.PASS)
    wait_until_due(worker, refused)
    again = sync(worker, proxy.url)
    assert again.stop is Stop.NONE
    assert again.acknowledged == refused
    assert_delivered_once(sync_hub, worker)


def test_lost_acknowledgement_is_retried_and_gets_the_first_receipt(
    make_worker: Callable[..., Worker], sync_hub: HubProcess, proxy: FaultProxy
) -> None:
    worker = make_worker(contacts=6)
    approved = worker.approve()
    proxy.set(Fault.DROP_ACK, every=3)

    report = sync(worker, proxy.url)

    assert report.stop is Stop.PROTOCOL
    lost = [i for i in outbox_items(worker) if i.state is ItemState.FAILED]
    assert len(lost) == proxy.fault_count(Fault.DROP_ACK) == len(approved) // 3
    assert {i.problem for i in lost} == {"protocol"}
    assert on_hub(sync_hub, worker) == len(approved)  # the hub committed every one

    proxy.set(Fault.PASS)
    wait_until_due(worker, len(lost))
    again = sync(worker, proxy.url)
    assert again.acknowledged == len(lost)
    with sync_hub.engine.connect() as conn:
        stored = dict(
            conn.execute(
                select(summaries.c.summary_id, summaries.c.received_at).where(
                    summaries.c.device_id == worker.enrolment.device_id
                )
            ).all()
        )
    for item in lost:
        receipt = Outbox(worker.opened.db).item(item.id).receipt
        assert receipt is not None
        assert receipt.received_at == unstamp(stored[item.contact_uid])  # the first, replayed
    assert_delivered_once(sync_hub, worker)


# --- the hub times out ------------------------------------------------------------------


@pytest.mark.parametrize("fault", [Fault.HANG, Fault.HANG_AFTER_COMMIT])
def test_hub_timing_out_fails_items_as_timeout(
    make_worker: Callable[..., Worker], sync_hub: HubProcess, proxy: FaultProxy, fault: Fault
) -> None:
    worker = make_worker(contacts=5)
    approved = worker.approve()
    proxy.set(fault)

    report = sync(worker, proxy.url, timeout=0.5)

    assert report.stop is Stop.TIMEOUT
    assert report.failed == len(approved)
    for item in outbox_items(worker):
        assert (item.state, item.problem) == (ItemState.FAILED, "timeout")
    assert proxy.fault_count(fault) == len(approved)
    # A hang before the hub saw it stored nothing; a hang after the commit stored it all
    # (once the hub has answered the proxy), and the retry must not store it twice.
    committed = len(approved) if fault is Fault.HANG_AFTER_COMMIT else 0
    wait_for(lambda: proxy.forwarded() == committed, "the hub to answer the proxy")
    assert on_hub(sync_hub, worker) == committed

    proxy.release()
    proxy.set(Fault.PASS)
    wait_until_due(worker, len(approved))
    again = sync(worker, proxy.url, timeout=5.0)
    assert again.stop is Stop.NONE
    assert again.acknowledged == len(approved)
    assert_delivered_once(sync_hub, worker)


def test_very_slow_hub_still_acknowledges_everything(
    make_worker: Callable[..., Worker], sync_hub: HubProcess, proxy: FaultProxy
) -> None:
    worker = make_worker(contacts=6)
    approved = worker.approve()
    proxy.set(Fault.SLOW, delay=0.5)

    report = sync(worker, proxy.url, timeout=5.0)

    assert proxy.fault_count(Fault.SLOW) == len(approved)
    assert report.stop is Stop.NONE
    assert (report.acknowledged, report.failed) == (len(approved), 0)
    assert all(i.attempts == 1 for i in outbox_items(worker))
    assert_delivered_once(sync_hub, worker)


# --- the hub is busy ------------------------------------------------------------------


def _in_two_hours() -> str:
    return format_datetime(datetime.now(UTC) + timedelta(hours=2), usegmt=True)


@pytest.mark.parametrize(
    ("status", "retry_after", "seconds", "problem"),
    [
        (429, "120", 120, "busy"),
        (503, "300", 300, "hub_error"),
        # Far longer than any backoff (capped at 15 minutes): the hub's word, not a clock
        # gone back, and honoured all the same.
        (429, "7200", 7200, "busy"),
        (503, "date", 7200 - 2, "hub_error"),  # an HTTP date, a second's rounding either way
    ],
)
def test_busy_hub_retry_after_is_honoured(
    make_worker: Callable[..., Worker],
    sync_hub: HubProcess,
    proxy: FaultProxy,
    status: int,
    retry_after: str,
    seconds: int,
    problem: str,
) -> None:
    worker = make_worker(contacts=4)
    approved = worker.approve()
    header = _in_two_hours() if retry_after == "date" else retry_after
    proxy.set(Fault.BUSY, status=status, retry_after=header)

    before = utc_now()
    report = sync(worker, proxy.url, backoff=Backoff())  # the app's own backoff

    assert report.stop is (Stop.BUSY if status == 429 else Stop.HUB_ERROR)
    assert report.failed == len(approved)
    for item in outbox_items(worker):
        assert (item.state, item.problem) == (ItemState.FAILED, problem)
        assert item.next_try_at is not None
        assert item.next_try_at >= before + timedelta(seconds=seconds)
    assert report.next_try_at is not None
    assert report.next_try_at >= before + timedelta(seconds=seconds)

    # Until then nothing is due, and another run sends nothing.
    proxy.set(Fault.PASS)
    assert Outbox(worker.opened.db).due() == []
    sent = proxy.forwarded()
    quiet = sync(worker, proxy.url, backoff=Backoff())
    assert (quiet.acknowledged, quiet.failed) == (0, 0)
    assert proxy.forwarded() == sent
    assert on_hub(sync_hub, worker) == 0

    # "Sync now" brings them forward; each arrives once.
    Outbox(worker.opened.db).retry_now()
    done = sync(worker, proxy.url, backoff=Backoff())
    assert done.stop is Stop.NONE
    assert done.acknowledged == len(approved)
    assert_delivered_once(sync_hub, worker)


# --- the hub is not there -------------------------------------------------------------


@pytest.fixture
def own_hub(tmp_path: Path) -> Iterator[HubProcess]:
    """A hub of this test's own, to stop and start without disturbing the others."""
    process = HubProcess(
        f"sqlite:///{tmp_path / 'own-hub.sqlite3'}", "--requests-per-minute", "100000"
    )
    process.start()
    yield process
    process.stop()


def test_hub_not_running_then_started(
    make_worker: Callable[..., Worker], own_hub: HubProcess
) -> None:
    worker = make_worker(contacts=5, hub=own_hub)
    own_hub.kill()
    approved = worker.approve()  # offline: approving needs no hub

    report = worker.sync()

    assert report.stop is Stop.OFFLINE
    assert report.failed == len(approved)
    for item in outbox_items(worker):
        assert (item.state, item.problem) == (ItemState.FAILED, "offline")

    own_hub.start()
    wait_until_due(worker, len(approved))
    again = worker.sync()
    assert again.stop is Stop.NONE
    assert again.acknowledged == len(approved)
    assert_delivered_once(own_hub, worker)


# --- one invalid item among valid ones --------------------------------------------------


def test_invalid_item_is_held_alone_and_replaced_by_its_fix(
    make_worker: Callable[..., Worker], sync_hub: HubProcess
) -> None:
    worker = make_worker(contacts=6)
    approvals = Approvals(worker.store)
    uids = worker.uids()
    bad_uid = uids[2]
    for uid in uids:
        summary = approvals.preview(uid, account="Seen at the usual place.")
        if uid == bad_uid:  # the hub refuses NUL (PostgreSQL cannot hold it)
            summary = summary.model_copy(update={"account": "Seen at\x00 the usual place."})
        approvals.outbox.approve(summary)

    report = worker.sync()

    assert report.stop is Stop.NONE  # one refusal does not stop the rest
    assert (report.acknowledged, report.held, report.failed) == (len(uids) - 1, 1, 0)
    by_uid = {i.contact_uid: i for i in outbox_items(worker)}
    held = by_uid.pop(bad_uid)
    assert held.state is ItemState.HELD
    assert held.problem == "bad_json"  # the hub's own code
    assert "NUL" in held.problem_detail
    assert {i.state for i in by_uid.values()} == {ItemState.ACKNOWLEDGED}
    assert (bad_uid, 1) not in lead_sees(worker)

    # The held item stays held on the next run; nothing is sent for it.
    assert worker.sync().held == 0
    assert approvals.outbox.item(held.id).state is ItemState.HELD

    fixed = approvals.approve(approvals.preview(bad_uid, account="Seen at the usual place."))
    assert fixed.summary_version == 2
    assert approvals.outbox.item(held.id).state is ItemState.REPLACED

    after = worker.sync()
    assert after.stop is Stop.NONE
    assert after.acknowledged == 1
    assert_delivered_once(sync_hub, worker)
    assert (bad_uid, 2) in lead_sees(worker)


# --- the laptop's clock is wrong --------------------------------------------------------


@pytest.mark.parametrize(
    "skew", [timedelta(hours=7), -timedelta(days=1)], ids=["hours-ahead", "a-day-behind"]
)
def test_clock_skew_still_delivers_everything_once(
    make_worker: Callable[..., Worker],
    sync_hub: HubProcess,
    proxy: FaultProxy,
    skew: timedelta,
) -> None:
    worker = make_worker(contacts=6)
    approved = worker.approve()

    def skewed() -> datetime:
        return utc_now() + skew

    proxy.set(Fault.ERROR, every=2)
    first = sync(worker, proxy.url, now=skewed)
    assert (first.acknowledged, first.failed) == (len(approved) // 2, len(approved) // 2)

    proxy.set(Fault.PASS)
    wait_until_due(worker, len(approved) // 2, now=skewed)
    second = sync(worker, proxy.url, now=skewed)
    assert second.stop is Stop.NONE
    assert second.acknowledged == len(approved) // 2
    assert_delivered_once(sync_hub, worker)


def test_retry_scheduled_before_the_clock_was_set_back_is_due(
    make_worker: Callable[..., Worker], sync_hub: HubProcess, proxy: FaultProxy
) -> None:
    worker = make_worker(contacts=4)
    approved = worker.approve()

    def ahead() -> datetime:
        return utc_now() + timedelta(hours=6)

    proxy.set(Fault.ERROR)
    failed = sync(worker, proxy.url, backoff=Backoff(), now=ahead)  # the app's own backoff
    assert failed.failed == len(approved)
    for item in outbox_items(worker):
        assert item.next_try_at is not None
        assert item.next_try_at > utc_now() + timedelta(hours=5)

    # The clock is put right: the retries, hours off, are due now rather than stuck.
    assert len(Outbox(worker.opened.db).due()) == len(approved)
    proxy.set(Fault.PASS)
    report = sync(worker, proxy.url, backoff=Backoff())
    assert report.stop is Stop.NONE
    assert report.acknowledged == len(approved)
    assert_delivered_once(sync_hub, worker)


# --- killed again and again while acknowledgements are lost --------------------------------


def _spawn_sync(worker: Worker) -> subprocess.Popen[bytes]:
    """``outreach sync`` on the worker's (closed) vault, the passphrase through a pipe."""
    read, write = os.pipe()
    try:
        os.write(write, PASSPHRASE.encode())
    finally:
        os.close(write)
    try:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "outreach",
                "--data-dir",
                str(worker.paths.data_dir),
                "sync",
                "--passphrase-fd",
                str(read),
            ],
            pass_fds=(read,),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    finally:
        os.close(read)


def _seed() -> int:
    chosen = os.environ.get("OUTREACH_FAULT_SEED")
    return int(chosen) if chosen else random.SystemRandom().randrange(2**32)


def _kill_at_random(
    process: subprocess.Popen[bytes],
    proxy: FaultProxy,
    rng: random.Random,
    anywhere: bool,
    run_takes: float = 2.0,
) -> bool:
    """SIGKILL ``process`` at a random moment; False if it had already finished.
    ``run_takes``: how long a whole run takes here, so a kill anywhere lands in it."""
    if anywhere:
        # Anywhere at all: starting, unlocking, reading the outbox, sending, recording.
        time.sleep(rng.uniform(0.0, run_takes))  # the fault itself, not a wait for anything
    else:
        # While sending: after a random number of this run's submissions reached the proxy,
        # mostly within the first batch (nothing of it recorded yet), sometimes later.
        posted = proxy.received()
        extra = rng.randrange(48) if rng.random() < 0.95 else rng.randrange(64, 192)
        wait_for(
            lambda: proxy.received() > posted + extra or process.poll() is not None,
            "the sync to send or finish",
        )
        time.sleep(rng.uniform(0.0, 0.03))  # and a little later still, at random
    if process.poll() is not None:
        return False
    process.send_signal(signal.SIGKILL)
    return True


@pytest.mark.parametrize(
    ("kills", "contacts"),
    [(20, 400), pytest.param(150, 1500, marks=pytest.mark.slow)],
    ids=["20-kills", "150-kills"],
)
def test_killed_mid_sync_with_lost_acknowledgements_delivers_each_once(
    make_worker: Callable[..., Worker], sync_hub: HubProcess, kills: int, contacts: int
) -> None:
    seed = _seed()
    print(f"fault seed {seed} (set OUTREACH_FAULT_SEED={seed} to repeat)")
    rng = random.Random(seed)  # when to kill; not a secret
    worker = make_worker(contacts=contacts)
    with FaultProxy(sync_hub.url, seed=seed) as proxy:
        # The app finds the hub where enrolment stored its address: make that the proxy.
        with worker.opened.db.transaction():
            worker.opened.db.execute("UPDATE hub_enrolment SET address = ?", (proxy.url,))
        approved = worker.approve()
        assert len(approved) == contacts
        worker.opened.close()
        proxy.set(Fault.DROP_ACK, probability=0.1)

        killed = sending = runs = 0
        run_times = [2.0]  # how long runs that finished by themselves took
        drained = False  # a run found nothing to send: from then on, kill anywhere
        started = time.monotonic()
        while killed < kills:
            runs += 1
            assert runs <= kills * 3, "the sync kept finishing before it could be killed"
            before = proxy.received()
            began = time.monotonic()
            process = _spawn_sync(worker)
            anywhere = drained or rng.random() < 0.15
            if _kill_at_random(process, proxy, rng, anywhere, statistics.median(run_times)):
                killed += 1
                sending += proxy.received() > before
                process.communicate(timeout=60)
                continue
            # It finished by itself: everything went, or it stopped on a lost answer.
            out, err = process.communicate(timeout=60)
            run_times.append(time.monotonic() - began)
            assert process.returncode in (0, 1), err.decode()
            assert "Traceback" not in err.decode(), err.decode()
            json.loads(out)
            drained = drained or proxy.received() == before
        print(
            f"{killed} kills ({sending} while sending) in {runs} runs, "
            f"{proxy.fault_count(Fault.DROP_ACK)} acknowledgements dropped after the hub "
            f"committed, {proxy.forwarded()} submissions reached the hub, "
            f"{time.monotonic() - started:.1f} s"
        )
        assert sending >= kills // 4, "most kills should land while items are in flight"
        assert proxy.fault_count(Fault.DROP_ACK) > 0
        assert proxy.forwarded() > len(approved), "some items were sent again"

        # Run it to completion: "Sync now" (retries waiting out their backoff are due),
        # then one uninterrupted sync through a proxy that now behaves.
        proxy.set(Fault.PASS)
        opened = worker.vault.unlock(PASSPHRASE)
        waiting = Outbox(opened.db).counts().waiting
        Outbox(opened.db).retry_now()
        opened.close()
        process = _spawn_sync(worker)
        out, err = process.communicate(timeout=120)
        problem = f"{out.decode()}{err.decode()}{proxy.errors()}"
        assert process.returncode == 0, problem
        report = json.loads(out)
        assert report["problem"] == "", problem
        assert report["acknowledged"] == waiting
        assert report["failed"] == report["held"] == 0
        assert proxy.errors() == []

    worker.opened = worker.vault.unlock(PASSPHRASE)  # the fixture closes it
    assert_delivered_once(sync_hub, worker)
