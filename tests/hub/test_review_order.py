"""Reviews are read by id, and PostgreSQL gives a review its id when it is inserted, not
when it commits: a device paging on from the last id it saw must never pass a review still
being recorded, or it would never see it (a worker would miss a lead's questions)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import text

from outreach.hub.auth import Caller
from outreach.hub.reads import Reads
from tests.support.hubproc import HubProcess, summary


def test_reading_reviews_never_passes_one_still_being_recorded(
    postgresql_hub: HubProcess,
) -> None:
    hub = postgresql_hub
    team = hub.team(workers=1)
    first, second = summary(), summary()
    for body in (first, second):
        assert team.worker.submit(body).status_code == 201
    inserted, release = threading.Event(), threading.Event()

    class Paused(Reads):
        def _audit(self, conn: Any, caller: Caller, pks: list[int], how: str) -> None:
            super()._audit(conn, caller, pks, how)
            if how == "review":  # the review has its id; its transaction is still open
                inserted.set()
                assert release.wait(30)

    lead = team.lead
    caller = hub_caller(hub, lead.enrolled["device_id"])
    with ThreadPoolExecutor(2) as pool:
        held = pool.submit(
            Paused(hub.engine).add_review, caller, first["id"], {"outcome": "approved"}
        )
        assert inserted.wait(30)
        # Another review of the team commits meanwhile, with a later id.
        other = hub.device(f"{team.name}-lead").post(
            f"/v1/summaries/{second['id']}/reviews", {"outcome": "approved"}
        )
        assert other.status_code == 201, other.text
        read = pool.submit(team.worker.get, "/v1/reviews")
        assert not release.wait(0.5)
        assert not read.done()  # waiting for the review in flight
        release.set()
        assert held.result(30).status == 201
        seen = read.result(30).json()
    assert [r["summary_id"] for r in seen] == [first["id"], second["id"]]


def hub_caller(hub: HubProcess, device_id: str) -> Caller:
    """The lead as the hub's own code sees them, read from the hub's database."""
    with hub.engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT u.id, u.team_id, u.role, u.name, t.name AS team FROM devices d "
                "JOIN users u ON u.id = d.user_id JOIN teams t ON t.id = u.team_id "
                "WHERE d.id = :device"
            ),
            {"device": device_id},
        ).one()
    return Caller(
        device_id=device_id,
        user_id=row.id,
        user=row.name,
        role=row.role,
        team_id=row.team_id,
        team=row.team,
    )
