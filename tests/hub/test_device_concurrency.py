"""One device's submissions run side by side: a laptop back from weeks offline sends
several at once, and the per-device rate count must not make each wait for the one before
it to commit (it is taken as the last statement of a submission, not the first)."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from outreach.hub.auth import Authenticator
from outreach.hub.errors import Refused
from outreach.hub.settings import HubSettings
from outreach.hub.submit import Answer, Submissions
from outreach.hub.tables import devices
from tests.support.hubproc import HubProcess, summary


def test_a_device_submits_while_its_previous_submission_is_still_open(
    postgresql_hub: HubProcess,
) -> None:
    hub = postgresql_hub
    worker = hub.team(workers=1).worker
    stored, release = threading.Event(), threading.Event()

    class Paused(Submissions):
        def receive(self, *args: Any, **kwargs: Any) -> Answer:
            return super().receive(*args, first=False)  # the general path, paused below

        def _apply(self, *args: Any) -> Answer:
            answer = super()._apply(*args)
            stored.set()  # the summary is written; its transaction is still open
            assert release.wait(30)
            return answer

    settings = HubSettings(database_url=hub.database_url)
    paused = Paused(hub.engine, settings, Authenticator(hub.engine, per_minute=600))
    before = _rate_count(hub, worker.enrolled["device_id"])
    body = json.dumps({"device_seq": 1, "summary": summary()}).encode()
    with ThreadPoolExecutor(1) as pool:
        held = pool.submit(
            paused.receive, worker.headers["Authorization"], "held", "application/json", body
        )
        assert stored.wait(30)
        # The same device's next submission commits while the first is open.
        assert worker.submit(summary(), seq=2).status_code == 201
        release.set()
        assert held.result(30).status == 201
    assert _rate_count(hub, worker.enrolled["device_id"]) == before + 2


def test_a_request_over_the_rate_is_refused_before_it_writes_and_is_not_counted(
    postgresql_hub: HubProcess,
) -> None:
    hub = postgresql_hub
    worker = hub.team(workers=1).worker
    # A clock of its own: a window no other request of this device has counted in.
    moment = datetime(2026, 11, 20, 12, 0, 30, tzinfo=UTC)
    limited = Authenticator(hub.engine, per_minute=1, now=lambda: moment)
    submissions = Submissions(
        hub.engine, HubSettings(database_url=hub.database_url), limited, now=lambda: moment
    )
    auth = worker.headers["Authorization"]
    first, second = summary(), summary()
    bodies = [
        json.dumps({"device_seq": n, "summary": s}).encode()
        for n, s in enumerate((first, second), start=1)
    ]
    assert submissions.receive(auth, "one", "application/json", bodies[0]).status == 201
    with pytest.raises(Refused) as refused:
        submissions.receive(auth, "two", "application/json", bodies[1])
    assert refused.value.status == 429
    assert refused.value.headers == {"Retry-After": "30"}
    assert worker.get(f"/v1/summaries/{second['id']}").status_code == 404
    assert _rate_count(hub, worker.enrolled["device_id"]) == 1


def _rate_count(hub: HubProcess, device_id: str) -> int:
    with hub.engine.connect() as conn:
        count = conn.execute(
            select(devices.c.rate_count).where(devices.c.id == device_id)
        ).scalar_one()
    return int(count)
