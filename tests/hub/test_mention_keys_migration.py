"""Migration 0005: team-wide links made again by the normalisers' current rules, so that
summaries sent before and after a change of rules link with each other."""

from __future__ import annotations

from typing import Any

import pytest
from alembic import command
from sqlalchemy import insert, select

from outreach.contract.summary import Summary
from outreach.hub.admin import Admin
from outreach.hub.db import alembic_config, connect, migrate
from outreach.hub.submit import canonical, digest
from outreach.hub.tables import devices, summaries, team_mentions, users
from tests.hub.conftest import BACKENDS
from tests.support.hubproc import summary


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_links_kept_under_old_keys_are_keyed_again(database_url: str) -> None:
    engine = connect(database_url)
    command.upgrade(alembic_config(engine), "0004")  # a hub from before the new rules
    admin = Admin(engine)
    admin.add_team("north")
    admin.add_user("worker", "north", "worker")
    device = admin.enrol(admin.enrolment_code("worker")[0], "laptop").device_id
    mentions = [
        {"kind": "handle", "text": "https://www.instagram.com/dave_123/", "extra": ""},
        {"kind": "place", "text": "McDonald's", "extra": "Town Centre"},
        {"kind": "handle", "text": "?", "extra": "snapchat"},  # a non-answer: no link now
    ]
    body: dict[str, Any] = dict(summary(), mentions=mentions)
    found = Summary.model_validate_json(canonical(body))
    text = canonical(found.model_dump(mode="json"))
    with engine.begin() as conn:
        owner = conn.execute(
            select(users.c.id, users.c.team_id)
            .join(devices, devices.c.user_id == users.c.id)
            .where(devices.c.id == device)
        ).one()
        pk = conn.execute(
            insert(summaries).returning(summaries.c.pk),
            {
                "summary_id": body["id"],
                "version": 1,
                "team_id": owner.team_id,
                "user_id": owner.id,
                "device_id": device,
                "received_at": "2026-11-21T09:00:00.000000Z",
                "contact_at": "2026-11-20T21:30:00.000000Z",
                "worry_rank": 5,
                "is_current": True,
                "reviewed": False,
                "body_hash": digest(text),
                "body": text,
            },
        ).scalar_one()
        old = {"summary_pk": pk, "team_id": owner.team_id, "user_id": owner.id,
               "person_ref": "YP-0001", "contact_at": "2026-11-20T21:30:00.000000Z"}  # fmt: skip
        # As the rules before kept them: the address whole, the apostrophe a space, "?" a key.
        conn.execute(
            insert(team_mentions),
            [
                dict(old, kind="handle", key="instagram:https://www.instagram.com/dave_123/",
                     label="x"),
                dict(old, kind="place", key="mcdonald s|town centre", label="x"),
                dict(old, kind="handle", key="snapchat:?", label="?"),
            ],
        )  # fmt: skip
    migrate(engine)
    with engine.connect() as conn:
        keys = conn.execute(
            select(team_mentions.c.kind, team_mentions.c.key).where(
                team_mentions.c.summary_pk == pk
            )
        ).all()
    assert sorted(set(keys)) == [
        ("handle", "instagram:dave_123"),
        ("place", "mcdonalds|town centre"),
    ]
    engine.dispose()
