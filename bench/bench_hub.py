"""The hub under load: 10,000 summaries from 8 concurrent clients, hub on PostgreSQL.

Floor, in the same run: a bare endpoint under the same server (uvicorn, the same number
of processes) that reads the same bodies and does nothing. Each client is a process with
its own device, keep-alive connection and share of the summaries, sending one at a time
as the app's outbox does. Targets: at least half the bare endpoint's throughput, and a
95th-percentile latency under 50 ms.

    .venv/bin/python bench/bench_hub.py [--summaries 10000] [--clients 8] [--workers 2]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.hubproc import summary  # noqa: E402
from tests.support.postgres import free_port, fresh_database, running_postgres  # noqa: E402


def _wait(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server stopped while starting")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def _client(args: tuple[str, str, list[dict[str, Any]], int]) -> list[float]:
    url, credential, bodies, first_seq = args
    latencies = []
    headers = {"Authorization": f"Bearer {credential}"}
    # Without TCP_NODELAY, headers and body go as two writes and Nagle's algorithm meets
    # the server's delayed ACK: 40 ms a request on Linux, for any server.
    transport = httpx.HTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
    with httpx.Client(headers=headers, timeout=30, transport=transport) as client:
        for n, body in enumerate(bodies):
            seq = first_seq + n
            started = time.perf_counter()
            answer = client.post(
                url,
                json={"device_seq": seq, "summary": body},
                headers={"Idempotency-Key": f"bench-{body['id']}"},
            )
            latencies.append(time.perf_counter() - started)
            if answer.status_code != 201:
                raise RuntimeError(f"{answer.status_code}: {answer.text}")
    return latencies


def _round(
    url: str, credentials: list[str], shares: list[list[dict[str, Any]]]
) -> dict[str, float]:
    jobs = [(url, credentials[i], shares[i], 1) for i in range(len(shares))]
    with multiprocessing.get_context("spawn").Pool(len(jobs)) as pool:
        started = time.perf_counter()
        results = pool.map(_client, jobs)
        elapsed = time.perf_counter() - started
    latencies = sorted(x for result in results for x in result)
    return {
        "per_second": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(len(latencies) * 0.95)] * 1000,
    }


def _shares(total: int, clients: int) -> list[list[dict[str, Any]]]:
    return [[summary() for _ in range(total // clients)] for _ in range(clients)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--summaries", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    with running_postgres() as server:
        database = fresh_database(server)
        hub_port, bare_port = free_port(), free_port()
        hub = subprocess.Popen(
            [
                *(sys.executable, "-m", "outreach.hub", "--database-url", database, "serve"),
                *("--port", str(hub_port), "--workers", str(args.workers)),
                *("--requests-per-minute", "1000000"),
            ],
            stderr=subprocess.DEVNULL,
        )
        bare = subprocess.Popen(
            [
                *(sys.executable, str(ROOT / "bench" / "bare_endpoint.py")),
                *("--port", str(bare_port), "--workers", str(args.workers)),
            ],
            stderr=subprocess.DEVNULL,
        )
        try:
            hub_url, bare_url = f"http://127.0.0.1:{hub_port}", f"http://127.0.0.1:{bare_port}"
            _wait(hub_url + "/health", hub)
            _wait(bare_url + "/health", bare)
            credentials = _enrol(database, hub_url, args.clients)
            # Warm both (connections, pools, imports), then floor, ours, floor.
            _round(
                bare_url + "/v1/summaries", credentials, _shares(args.clients * 20, args.clients)
            )
            # Each hub round needs device numbers of its own: a first_seq per round.
            floor1 = _round(
                bare_url + "/v1/summaries", credentials, _shares(args.summaries, args.clients)
            )
            ours = _round(
                hub_url + "/v1/summaries", credentials, _shares(args.summaries, args.clients)
            )
            floor2 = _round(
                bare_url + "/v1/summaries", credentials, _shares(args.summaries, args.clients)
            )
        finally:
            hub.terminate()
            bare.terminate()
            hub.wait(30)
            bare.wait(30)
    floor = {k: (floor1[k] + floor2[k]) / 2 for k in floor1}
    print(f"{args.summaries} summaries, {args.clients} clients, {args.workers} server processes")
    for name, row in (("bare endpoint", floor), ("hub on PostgreSQL", ours)):
        print(
            f"{name:18} {row['per_second']:6.0f}/s  "
            f"p50 {row['p50_ms']:5.1f} ms  p95 {row['p95_ms']:5.1f} ms"
        )
    ratio = ours["per_second"] / floor["per_second"]
    print(f"throughput ratio {ratio:.2f} (target at least 0.5)")
    print(f"p95 {ours['p95_ms']:.1f} ms (target under 50)")


def _enrol(database: str, hub_url: str, clients: int) -> list[str]:
    from outreach.hub.admin import Admin
    from outreach.hub.db import connect

    engine = connect(database)
    admin = Admin(engine)
    admin.add_team("bench")
    credentials = []
    for i in range(clients):
        admin.add_user(f"bench-{i}", "bench", "worker")
        code, _ = admin.enrolment_code(f"bench-{i}")
        answer = httpx.post(hub_url + "/v1/enrol", json={"code": code})
        credentials.append(answer.json()["credential"])
    engine.dispose()
    return credentials


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
