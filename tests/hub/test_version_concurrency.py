"""Versions of one summary sent side by side: the app's sync sends 8 at once, so an offline
laptop's version 1 and its amendment go together. Whatever the order, exactly one version
of each summary is current, the highest, and the team's links are counted from it alone."""

from __future__ import annotations

import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from alembic import command
from sqlalchemy import exc, insert, select

from outreach.contract.summary import Summary
from outreach.hub.admin import Admin
from outreach.hub.db import alembic_config, connect, migrate
from outreach.hub.submit import canonical, digest, mention_rows
from outreach.hub.tables import devices, summaries, team_mentions, users
from tests.hub.conftest import BACKENDS
from tests.support.hubproc import HubProcess, summary


def test_versions_sent_side_by_side_leave_the_highest_current(
    postgresql_hub: HubProcess,
) -> None:
    hub = postgresql_hub
    team = hub.team(workers=1)
    rng = random.Random(11)
    highest: dict[str, int] = {}
    stored_first: list[dict[str, Any]] = []  # version 1 already on the hub for some
    together: list[list[dict[str, Any]]] = []
    for _ in range(40):
        base = summary()
        highest[base["id"]] = rng.randint(2, 4)
        versions = [
            dict(base, version=v, amend_reason="corrected")
            for v in range(1, highest[base["id"]] + 1)
        ]
        if rng.random() < 0.5:
            stored_first.append(versions.pop(0))
        rng.shuffle(versions)
        together.append(versions)
    rng.shuffle(together)
    for body in stored_first:
        assert team.worker.submit(body).status_code == 201
    jobs = [body for versions in together for body in versions]  # one id's versions adjacent
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(team.worker.submit, jobs))
    assert {a.status_code for a in answers} == {201}, [a.text for a in answers]
    for body, answer in zip(jobs, answers, strict=True):
        if body["version"] == highest[body["id"]]:
            assert answer.json()["superseded"] is False

    with hub.engine.connect() as conn:
        rows = conn.execute(
            select(summaries.c.pk, summaries.c.summary_id, summaries.c.version).where(
                summaries.c.summary_id.in_(highest), summaries.c.is_current
            )
        ).all()
        linked = conn.execute(
            select(team_mentions.c.summary_pk).where(
                team_mentions.c.summary_pk.in_(
                    select(summaries.c.pk).where(summaries.c.summary_id.in_(highest))
                )
            )
        ).scalars()
        linked_pks = Counter(linked)
    assert sorted((row.summary_id, row.version) for row in rows) == sorted(highest.items())
    # Each version names one vehicle and one young person: one row of links, the current's.
    assert linked_pks == Counter({row.pk: 1 for row in rows})

    listed = team.lead.get("/v1/summaries", params={"limit": 200}).json()["items"]
    assert sorted((i["summary"]["id"], i["summary"]["version"]) for i in listed) == sorted(
        highest.items()
    )


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_the_migration_repairs_ids_left_with_the_wrong_current_version(
    database_url: str,
) -> None:
    engine = connect(database_url)
    command.upgrade(alembic_config(engine), "0003")  # a hub from before the unique index
    admin = Admin(engine)
    admin.add_team("north")
    admin.add_user("worker", "north", "worker")
    device = admin.enrol(admin.enrolment_code("worker")[0], "laptop").device_id
    both, older = summary(), summary()
    with engine.begin() as conn:
        owner = conn.execute(
            select(users.c.id, users.c.team_id)
            .join(devices, devices.c.user_id == users.c.id)
            .where(devices.c.id == device)
        ).one()

        def store(body: dict[str, Any], version: int, current: bool) -> int:
            mentions = [{"kind": "phone", "text": f"0770090012{version}"}]
            found = Summary.model_validate_json(
                canonical(dict(body, version=version, mentions=mentions))
            )
            text = canonical(found.model_dump(mode="json"))
            pk = conn.execute(
                insert(summaries).returning(summaries.c.pk),
                {
                    "summary_id": body["id"],
                    "version": version,
                    "team_id": owner.team_id,
                    "user_id": owner.id,
                    "device_id": device,
                    "received_at": "2026-11-21T09:00:00.000000Z",
                    "contact_at": "2026-11-20T21:30:00.000000Z",
                    "worry_rank": 5,
                    "is_current": current,
                    "reviewed": False,
                    "body_hash": digest(text),
                    "body": text,
                },
            ).scalar_one()
            if current:  # a current version's links, as a submission writes them
                conn.execute(
                    insert(team_mentions), mention_rows(pk, owner.team_id, owner.id, found)
                )
            return int(pk)

        # What the race left: two current versions; an older version current, the newest
        # not, and its links deleted.
        store(both, 1, True)
        both_top = store(both, 2, True)
        store(older, 1, False)
        store(older, 2, True)
        older_top = store(older, 3, False)
    migrate(engine)
    with engine.connect() as conn:
        current = conn.execute(
            select(summaries.c.pk).where(summaries.c.is_current).order_by(summaries.c.pk)
        ).scalars()
        assert list(current) == [both_top, older_top]
        linked = conn.execute(select(team_mentions.c.summary_pk, team_mentions.c.key)).all()
        assert sorted(linked) == [(both_top, "+447700900122"), (older_top, "+447700900123")]
    with pytest.raises(exc.IntegrityError), engine.begin() as conn:
        conn.execute(
            summaries.update().where(summaries.c.summary_id == both["id"]).values(is_current=True)
        )
    engine.dispose()
