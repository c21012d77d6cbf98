"""Syncing: 10,000 approved summaries sent to a hub on loopback by the app's own sync
(``SyncEngine.run`` over a real SQLCipher vault, one enrolled device), beside the hub's
own ingest benchmark (bench_hub.py's load: 8 client processes, each its own device) on
the same hub in the same run. Target: the sync at least 70% of the hub's ingest rate.

The hub is bench_hub.py's: ``outreach-hub serve --workers 2`` on a PostgreSQL started for
the run, its per-device rate limit lifted. The ingest load runs before and after the sync,
and the two are averaged. The vault (cheap KDF, made-up contacts) is built and every
contact's summary approved before the hub starts; approval is timed on its own. The sync
runs in a fresh process that unlocks the vault, as ``outreach sync`` does, so its peak
memory is the sync's own.

    .venv/bin/python bench/bench_sync.py [--count 10000] [--quick] [--profile FILE]
        [--reuse FOLDER]
"""

from __future__ import annotations

import argparse
import functools
import json
import multiprocessing
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from hubload import client_round, enrol, enrolment_codes, running_hub, shares

TARGET = 0.7
PASSPHRASE = "bench passphrase only 42"  # a throwaway vault in a temp folder
ACCOUNT = "Seen at the usual place; said they were fine."
WARM = 20  # summaries per client before the first measured ingest round


def peak_kib() -> int:
    """VmHWM, not ru_maxrss, where Linux has it: ru_maxrss carries a parent's size across
    fork and exec."""
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _vault(folder: Path) -> Any:
    from outreach.config.paths import AppPaths
    from outreach.config.policy import Policy
    from outreach.vault import crypto
    from outreach.vault.device import DeviceSecretStore
    from outreach.vault.vault import Vault

    cheap = crypto.KdfParams(time_cost=1, memory_kib=1024, parallelism=1)  # tests' CHEAP_KDF
    return Vault(AppPaths.in_folder(folder), Policy(), DeviceSecretStore(None), kdf=cheap)


def build_and_approve(folder: Path, count: int) -> dict[str, float]:
    """A vault of ``count`` made-up contacts, each one's summary approved as the approval
    screen does (preview, then approve what was shown). Returns the times."""
    from outreach.records import caseload
    from outreach.records.store import RecordStore
    from outreach.sync.approval import Approvals

    opened = _vault(folder).create(PASSPHRASE)
    try:
        store = RecordStore(opened.db)
        made = caseload.generate(people=200, contacts=count, observations_per_contact=5)
        started = time.perf_counter()
        store.import_records(made.people, made.contacts)
        built = time.perf_counter() - started
        uids = [
            uid
            for (uid,) in opened.db.query(
                "SELECT uid FROM contacts WHERE is_current = 1 ORDER BY started_at, uid"
            )
        ]
        approvals = Approvals(store)
        started = time.perf_counter()
        for uid in uids:
            approvals.approve(approvals.preview(uid, account=ACCOUNT))
        approved = time.perf_counter() - started
        waiting = approvals.outbox.counts().waiting
    finally:
        opened.close()
    if waiting != count:
        raise RuntimeError(f"{waiting} summaries approved, not {count}")
    return {"build_s": built, "approve_s": approved, "approved_per_s": count / approved}


def _profiled(profile: str, run: Any) -> Any:
    """``run()`` under cProfile, the sync's sending threads included (a profiler each)."""
    import cProfile
    import pstats
    import threading

    threads: list[cProfile.Profile] = []

    def start(*_: object) -> None:  # the first event in a new thread installs its profiler
        threading.setprofile(None)  # type: ignore[arg-type]
        mine = cProfile.Profile()
        threads.append(mine)
        mine.enable()
        threading.setprofile(start)

    main = cProfile.Profile()
    threading.setprofile(start)
    main.enable()
    try:
        return run()
    finally:
        main.disable()
        threading.setprofile(None)  # type: ignore[arg-type]
        pstats.Stats(main).dump_stats(profile)
        if threads:
            pstats.Stats(*threads).dump_stats(profile + ".threads")


Job = tuple[str, str, str, str | None, int | None, int | None]


def sync_in_fresh_process(job: Job) -> dict[str, Any]:
    """Unlock the vault, enrol it, and time one ``SyncEngine.run`` (in a spawned process)."""
    folder, code, hub_url, profile, concurrency, batch = job
    from outreach.sync.client import HubClient
    from outreach.sync.engine import SyncEngine
    from outreach.sync.enrolment import enrol as enrol_vault

    opened = _vault(Path(folder)).unlock(PASSPHRASE)
    try:
        found = enrol_vault(opened.db, hub_url, code)
        tuning = {
            name: value
            for name, value in (("concurrency", concurrency), ("batch", batch))
            if value is not None
        }
        before = peak_kib()
        timeline: list[tuple[float, int]] = []

        def progress(done: int, _total: int) -> None:
            timeline.append((time.perf_counter(), done))

        # One connection for each sending thread, as the app has (both 8 by default).
        connections = {"connections": concurrency} if concurrency is not None else {}
        with HubClient(found.address, credential=found.credential, **connections) as client:
            engine = SyncEngine(opened.db, client, **tuning)
            cpu_before = _cpu_s()
            started = time.perf_counter()
            run = functools.partial(engine.run, progress)
            report = _profiled(profile, run) if profile else run()
            elapsed = time.perf_counter() - started
            cpu_used = _cpu_s() - cpu_before
        counts = engine.outbox.counts()
    finally:
        opened.close()
    return {
        "seconds": elapsed,
        "acknowledged": report.acknowledged,
        "acknowledged_in_vault": counts.acknowledged,
        "waiting": counts.waiting,
        "stop": report.stop.value,
        "peak_kib_before": before,
        "peak_kib": peak_kib(),
        "cpu_s": cpu_used,
        "quarters": _quarter_rates(started, timeline),
    }


def _cpu_s() -> float:
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


def _quarter_rates(started: float, timeline: list[tuple[float, int]]) -> list[float]:
    """Summaries a second in each quarter of the run, by count: a rate that falls as the
    outbox or the hub's tables fill shows here and not in the average."""
    if not timeline:
        return []
    total = timeline[-1][1]
    rates, last_time, last_done = [], started, 0
    for quarter in range(1, 5):
        at = next((t, d) for t, d in timeline if d >= total * quarter / 4)
        rates.append((at[1] - last_done) / max(at[0] - last_time, 1e-9))
        last_time, last_done = at
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="summaries (default 10000)")
    parser.add_argument("--quick", action="store_true", help="1,000 summaries: a smoke run")
    parser.add_argument("--clients", type=int, default=8, help="ingest client processes")
    parser.add_argument("--workers", type=int, default=2, help="hub processes")
    parser.add_argument("--concurrency", type=int, help="the engine's (default: its own)")
    parser.add_argument("--batch", type=int, help="the engine's (default: its own)")
    parser.add_argument("--dir", type=Path, help="where the vault goes (default: temp)")
    parser.add_argument("--profile", help="cProfile the sync into FILE (and FILE.threads)")
    parser.add_argument(
        "--reuse",
        type=Path,
        help="keep the approved vault in this folder and start from a copy of it next time",
    )
    args = parser.parse_args()
    count = 1_000 if args.quick else args.count
    per_client = count // args.clients

    with tempfile.TemporaryDirectory(prefix="bench-sync-", dir=args.dir) as tmp:
        folder = Path(tmp) / "vault"
        kept = args.reuse / str(count) if args.reuse else None
        if kept and (kept / "approval.json").exists():
            shutil.copytree(kept / "vault", folder)
            approval = json.loads((kept / "approval.json").read_text())
            print(f"a copy of the vault of {count:,} approved summaries in {kept}")
        else:
            print(f"building a vault of {count:,} contacts and approving each summary ...")
            approval = build_and_approve(folder, count)
            if kept:
                shutil.copytree(folder, kept / "vault")
                (kept / "approval.json").write_text(json.dumps(approval))
        print(
            f"built in {approval['build_s']:.1f} s; approved {count:,} in "
            f"{approval['approve_s']:.1f} s ({approval['approved_per_s']:.0f}/s)"
        )
        with running_hub(args.workers) as hub:
            submit = hub.url + "/v1/summaries"
            credentials = enrol(hub.database, hub.url, args.clients)
            client_round(submit, credentials, shares(args.clients * WARM, args.clients))
            ingest1 = client_round(
                submit, credentials, shares(per_client * args.clients, args.clients), WARM + 1
            )
            print(f"hub ingest (before) {ingest1['per_second']:6.0f}/s")
            code = enrolment_codes(hub.database, "sync", 1)[0]
            job: Job = (str(folder), code, hub.url, args.profile, args.concurrency, args.batch)
            with multiprocessing.get_context("spawn").Pool(1) as pool:
                synced = pool.apply(sync_in_fresh_process, (job,))
            print(f"sync                {count / synced['seconds']:6.0f}/s")
            ingest2 = client_round(
                submit,
                credentials,
                shares(per_client * args.clients, args.clients),
                WARM + per_client + 1,
            )
            print(f"hub ingest (after)  {ingest2['per_second']:6.0f}/s")

    if synced["acknowledged_in_vault"] != count or synced["waiting"]:
        raise RuntimeError(f"not every summary was acknowledged: {synced}")
    ingest = (ingest1["per_second"] + ingest2["per_second"]) / 2
    sync_rate = count / synced["seconds"]
    ratio = sync_rate / ingest
    print()
    print(
        f"{count:,} summaries; hub: {args.workers} processes on PostgreSQL; "
        f"ingest: {args.clients} client processes; sync: one device, one process"
    )
    print(
        f"approval            {approval['approved_per_s']:6.0f}/s  ({approval['approve_s']:.1f} s)"
    )
    print(
        f"hub ingest          {ingest:6.0f}/s  (before {ingest1['per_second']:.0f}, "
        f"after {ingest2['per_second']:.0f}; p50 {ingest1['p50_ms']:.1f} ms, "
        f"p95 {ingest1['p95_ms']:.1f} ms before)"
    )
    print(
        f"sync                {sync_rate:6.0f}/s  ({synced['seconds']:.1f} s, "
        f"{synced['cpu_s']:.1f} s CPU in the syncing process, stop {synced['stop']!r})"
    )
    print(f"sync by quarter     {', '.join(f'{r:.0f}/s' for r in synced['quarters'])}")
    print(
        f"peak RSS of the syncing process {synced['peak_kib'] / 1024:.0f} MiB "
        f"({synced['peak_kib_before'] / 1024:.0f} MiB before the run)"
    )
    verdict = "met" if ratio >= TARGET else "NOT met"
    print(f"ratio sync / hub ingest {ratio:.3f} (target at least {TARGET}): {verdict}")
    if args.profile:
        print(f"profile: {args.profile} (main thread), {args.profile}.threads (senders)")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
