"""A hub at an earlier migration, and summaries written into it directly: how the
migration tests set up what an older hub left behind."""

from __future__ import annotations

from dataclasses import dataclass

from alembic import command
from sqlalchemy import Connection, Engine, insert, select

from outreach.contract.summary import Summary
from outreach.hub.admin import Admin
from outreach.hub.db import alembic_config, connect
from outreach.hub.submit import canonical, digest
from outreach.hub.tables import devices, summaries, users


@dataclass(frozen=True)
class Worker:
    device_id: str
    user_id: int
    team_id: int


def hub_at(database_url: str, revision: str) -> tuple[Engine, Worker]:
    """A hub migrated only as far as ``revision``, with one worker's enrolled device."""
    engine = connect(database_url)
    command.upgrade(alembic_config(engine), revision)
    admin = Admin(engine)
    admin.add_team("north")
    admin.add_user("worker", "north", "worker")
    device = admin.enrol(admin.enrolment_code("worker")[0], "laptop").device_id
    with engine.connect() as conn:
        owner = conn.execute(
            select(users.c.id, users.c.team_id)
            .join(devices, devices.c.user_id == users.c.id)
            .where(devices.c.id == device)
        ).one()
    return engine, Worker(device, owner.id, owner.team_id)


def store(conn: Connection, worker: Worker, found: Summary, *, current: bool) -> int:
    """A version written as a submission writes its row (links aside); its ``pk``."""
    text = canonical(found.model_dump(mode="json"))
    return int(
        conn.execute(
            insert(summaries).returning(summaries.c.pk),
            {
                "summary_id": found.id,
                "version": found.version,
                "team_id": worker.team_id,
                "user_id": worker.user_id,
                "device_id": worker.device_id,
                "received_at": "2026-11-21T09:00:00.000000Z",
                "contact_at": "2026-11-20T21:30:00.000000Z",
                "worry_rank": 5,
                "is_current": current,
                "reviewed": False,
                "body_hash": digest(text),
                "body": text,
            },
        ).scalar_one()
    )
