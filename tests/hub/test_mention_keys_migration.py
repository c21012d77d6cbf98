"""Migration 0005: team-wide links made again by the normalisers' current rules, so that
summaries sent before and after a change of rules link with each other."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from outreach.contract.summary import Summary
from outreach.hub.db import migrate
from outreach.hub.submit import canonical
from outreach.hub.tables import team_mentions
from tests.hub.conftest import BACKENDS
from tests.hub.stored import hub_at, store
from tests.support.hubproc import summary


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_links_kept_under_old_keys_are_keyed_again(database_url: str) -> None:
    engine, worker = hub_at(database_url, "0004")  # a hub from before the new rules
    mentions = [
        {"kind": "handle", "text": "https://www.instagram.com/dave_123/", "extra": ""},
        {"kind": "place", "text": "McDonald's", "extra": "Town Centre"},
        {"kind": "handle", "text": "?", "extra": "snapchat"},  # a non-answer: no link now
    ]
    found = Summary.model_validate_json(canonical(dict(summary(), mentions=mentions)))
    with engine.begin() as conn:
        pk = store(conn, worker, found, current=True)
        old = {"summary_pk": pk, "team_id": worker.team_id, "user_id": worker.user_id,
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
