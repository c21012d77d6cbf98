"""What bench_hub.py and bench_sync.py share: a hub on a PostgreSQL started for the run,
devices enrolled with it, and the hub's own ingest load (client processes, each its own
device and keep-alive connection, one summary at a time as the outbox sends)."""

from __future__ import annotations

import multiprocessing
import os
import resource
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.hubproc import summary  # noqa: E402
from tests.support.postgres import free_port, fresh_database, running_postgres  # noqa: E402

# The hub counts every request against its device's one-minute window (600 by default);
# a benchmark sends thousands a minute from one device.
UNLIMITED = "1000000"


def wait(url: str, process: subprocess.Popen[bytes]) -> None:
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


def start_hub(database: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    """``outreach-hub serve`` on ``database``, its per-device rate limit lifted."""
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "outreach.hub", "--database-url", database, "serve"),
            *("--port", str(port), "--workers", str(workers)),
            *("--requests-per-minute", UNLIMITED),
        ],
        stderr=subprocess.DEVNULL,
    )


def stop(*processes: subprocess.Popen[bytes]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass(frozen=True)
class Hub:
    database: str  # its SQLAlchemy URL, for the admin side (teams, users, codes)
    url: str


@contextmanager
def running_hub(workers: int) -> Iterator[Hub]:
    """A PostgreSQL server and ``outreach-hub serve --workers N`` on it, both stopped after."""
    with running_postgres() as server:
        database = fresh_database(server)
        port = free_port()
        hub = start_hub(database, port, workers)
        try:
            url = f"http://127.0.0.1:{port}"
            wait(url + "/health", hub)
            yield Hub(database, url)
        finally:
            stop(hub)


def enrolment_codes(database: str, team: str, users: int) -> list[str]:
    """A team of ``users`` workers and a one-time enrolment code for each."""
    from outreach.hub.admin import Admin
    from outreach.hub.db import connect

    engine = connect(database)
    try:
        admin = Admin(engine)
        admin.add_team(team)
        codes = []
        for i in range(users):
            admin.add_user(f"{team}-{i}", team, "worker")
            codes.append(admin.enrolment_code(f"{team}-{i}")[0])
        return codes
    finally:
        engine.dispose()


def enrol(database: str, hub_url: str, clients: int, team: str = "bench") -> list[str]:
    """Credentials of ``clients`` devices, each a worker of ``team``."""
    return [
        httpx.post(hub_url + "/v1/enrol", json={"code": code}).json()["credential"]
        for code in enrolment_codes(database, team, clients)
    ]


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


def tree_cpu(*roots: int) -> float:
    """CPU seconds used so far by these processes and everything under them: the live ones,
    and those that exited and were waited for (Linux's /proc; 0 elsewhere). On a machine
    shared with other work, CPU per request says what throughput alone cannot."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    parent: dict[int, int] = {}
    used: dict[int, float] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        pid = int(entry.name)
        parent[pid] = int(fields[1])
        # utime, stime, and cutime, cstime: children that exited and were waited for.
        used[pid] = sum(int(x) for x in fields[11:15]) / tick
    wanted = set(roots)
    total = 0.0
    for pid, seconds in used.items():
        ancestor = pid
        while ancestor > 1 and ancestor not in wanted:
            ancestor = parent.get(ancestor, 0)
        if ancestor in wanted:
            total += seconds
    return total


def postmaster(database: str) -> int:
    """The pid of the PostgreSQL server behind ``database`` (its backends' parent)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            backend = int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
            stat = (Path("/proc") / str(backend) / "stat").read_text()
    finally:
        engine.dispose()
    return int(stat.rsplit(")", 1)[1].split()[1])


def children_cpu() -> float:
    """CPU seconds of this process's children that exited and were waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def client_round(
    url: str, credentials: list[str], shares: list[list[dict[str, Any]]], first_seq: int = 1
) -> dict[str, float]:
    """Each share sent by a client process of its own; throughput and latencies."""
    jobs = [(url, credentials[i], shares[i], first_seq) for i in range(len(shares))]
    clients_before = children_cpu()
    with multiprocessing.get_context("spawn").Pool(len(jobs)) as pool:
        started = time.perf_counter()
        results = pool.map(_client, jobs)
        elapsed = time.perf_counter() - started
        pool.close()
        pool.join()  # waited for, so their CPU is counted
    latencies = sorted(x for result in results for x in result)
    return {
        "per_second": len(latencies) / elapsed,
        "client_cpu_ms": (children_cpu() - clients_before) / len(latencies) * 1000,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(len(latencies) * 0.95)] * 1000,
    }


def shares(total: int, clients: int) -> list[list[dict[str, Any]]]:
    """``total`` made-up summaries, split evenly among ``clients``."""
    return [[summary() for _ in range(total // clients)] for _ in range(clients)]
