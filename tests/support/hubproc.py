"""A real hub process on loopback, and clients for the devices of a test team."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import Engine

from outreach.hub.admin import Admin
from outreach.hub.db import connect, migrate
from tests.support.postgres import free_port

_teams = itertools.count(1)


class HubProcess:
    """``outreach-hub serve`` in a child process; ``kill`` and ``start`` to restart it."""

    def __init__(self, database_url: str, *extra: str) -> None:
        self.database_url = database_url
        self.extra = extra
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.engine: Engine = connect(database_url)
        migrate(self.engine)
        self.admin = Admin(self.engine)

    def start(self) -> None:
        command = [sys.executable, "-m", "outreach.hub", "--database-url", self.database_url]
        command += ["serve", "--host", "127.0.0.1", "--port", str(self.port), *self.extra]
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    self.process.stderr.read().decode() if self.process.stderr else ""
                )
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                # The port is not open yet; poll again (the process is starting).
                time.sleep(0.05)
        raise RuntimeError("the hub did not answer /health within 30 s")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, as when a machine loses power."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.process is not None and self.process.stderr is not None:
            self.process.stderr.close()
        self.engine.dispose()

    # --- people and devices ------------------------------------------------------------

    def device(self, user: str, label: str = "laptop") -> Device:
        code, _ = self.admin.enrolment_code(user)
        answer = httpx.post(self.url + "/v1/enrol", json={"code": code, "device_label": label})
        assert answer.status_code == 201, answer.text
        enrolled = answer.json()
        return Device(self.url, enrolled)

    def team(self, workers: int = 1) -> Team:
        name = f"team-{os.getpid()}-{next(_teams)}"
        self.admin.add_team(name)
        devices = {}
        for role, user in [("lead", "lead")] + [("worker", f"w{i}") for i in range(workers)]:
            self.admin.add_user(f"{name}-{user}", name, role)
            devices[user] = self.device(f"{name}-{user}")
        return Team(name, devices)


@dataclass
class Device:
    url: str
    enrolled: dict[str, Any]
    seq: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": "Bearer " + self.enrolled["credential"]}

    @property
    def user(self) -> str:
        return str(self.enrolled["user"])

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.get(self.url + path, headers=self.headers, timeout=30, **kwargs)

    def post(self, path: str, body: Any, **headers: str) -> httpx.Response:
        return httpx.post(
            self.url + path, json=body, headers={**self.headers, **headers}, timeout=30
        )

    def submit(
        self, summary: dict[str, Any], key: str | None = None, seq: int | None = None
    ) -> httpx.Response:
        body = {"device_seq": seq or next(self.seq), "summary": summary}
        return self.post("/v1/summaries", body, **{"Idempotency-Key": key or os.urandom(8).hex()})


@dataclass
class Team:
    name: str
    devices: dict[str, Device]

    @property
    def lead(self) -> Device:
        return self.devices["lead"]

    @property
    def worker(self) -> Device:
        return self.devices["w0"]


def summary(**fields: Any) -> dict[str, Any]:
    """A synthetic summary: no real person's details, ever."""
    body: dict[str, Any] = {
        "id": os.urandom(16).hex(),
        "version": 1,
        "contact_at": "2026-11-20T21:30:00+00:00",
        "kind": "street",
        "area": "Town centre",
        "young_people": [{"ref": "YP-0001", "age": 14}],
        "worry": 5,
        "concerns": ["older_boyfriend"],
        "observations": [{"kind": "vehicle", "summary": "silver hatchback"}],
        "mentions": [{"kind": "vehicle", "text": "AB12 CDE"}],
    }
    body.update(fields)
    return body
