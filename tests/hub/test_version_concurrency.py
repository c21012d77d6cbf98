"""Versions of one summary sent side by side: the app's sync sends 8 at once, so an offline
laptop's version 1 and its amendment go together. Whatever the order, exactly one version
of each summary is current, the highest, and the team's links are counted from it alone."""

from __future__ import annotations

import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import exc, insert, select

from outreach.contract.summary import Summary
from outreach.hub.db import migrate
from outreach.hub.submit import canonical, mention_rows
from outreach.hub.tables import summaries, team_mentions
from tests.hub.conftest import BACKENDS
from tests.hub.stored import hub_at
from tests.hub.stored import store as stored
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
    engine, worker = hub_at(database_url, "0003")  # a hub from before the unique index
    both, older = summary(), summary()
    with engine.begin() as conn:

        def store(body: dict[str, Any], version: int, current: bool) -> int:
            mentions = [{"kind": "phone", "text": f"0770090012{version}"}]
            found = Summary.model_validate_json(
                canonical(dict(body, version=version, mentions=mentions))
            )
            pk = stored(conn, worker, found, current=current)
            if current:  # a current version's links, as a submission writes them
                conn.execute(
                    insert(team_mentions),
                    mention_rows(pk, worker.team_id, worker.user_id, found),
                )
            return pk

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
