"""What choosing a young person reads: each name once, and only that person's contacts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from outreach.records.keep_asking import KeepAsking
from outreach.records.model import (
    Contact,
    EducationAbsenceDetails,
    GiftDetails,
    IndicatorMark,
    InjuryDetails,
    MissingDetails,
    Observation,
    SubstanceDetails,
    YoungPerson,
)
from outreach.records.store import RecordStore
from outreach.vault.vault import OpenVault

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _contact(person: str, *details: Any, hours_ago: float = 2, **changes: Any) -> Contact:
    return Contact(
        started_at=NOW - timedelta(hours=hours_ago),
        people=(person,),
        observations=tuple(Observation(d) for d in details),
        **changes,
    )


def _spy(opened: OpenVault, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    asked: list[tuple[str, Any]] = []
    query = opened.db.query

    def counted(sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        asked.append((sql, params))
        return query(sql, params)

    monkeypatch.setattr(opened.db, "query", counted)
    return asked


def test_people_by_id_reads_every_name_in_one_query(
    opened: OpenVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = RecordStore(opened.db, now=lambda: NOW)
    tam = store.add_person(YoungPerson("Tam", estimated_age=14))
    kit = store.add_person(YoungPerson("Kit", aliases=("K",), estimated_age=15))
    asked = _spy(opened, monkeypatch)

    found = store.people_by_id([tam.id, kit.id, tam.id, "not-there"])

    assert len(asked) == 1
    assert found == {tam.id: store.person(tam.id), kit.id: store.person(kit.id)}
    assert found[kit.id].aliases == ("K",)
    assert store.people_by_id([]) == {}


def test_people_by_id_takes_more_ids_than_sqlite_binds_at_once(opened: OpenVault) -> None:
    store = RecordStore(opened.db, now=lambda: NOW)
    tam = store.add_person(YoungPerson("Tam", estimated_age=14))
    ids = [f"gone-{n}" for n in range(1_200)] + [tam.id]
    assert list(store.people_by_id(ids)) == [tam.id]


def test_nudge_facts_read_only_that_persons_contacts_in_three_queries(
    opened: OpenVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = RecordStore(opened.db, now=lambda: NOW)
    asking = KeepAsking(opened.db, now=lambda: NOW)
    tam = store.add_person(YoungPerson("Tam", date_of_birth=date(2014, 1, 1)))
    other = store.add_person(YoungPerson("Kit", estimated_age=15))
    for n in range(30):  # someone else's contacts, which Tam's reads must not walk
        store.seal(_contact(other.id, SubstanceDetails(what="cannabis"), hours_ago=n + 1))
    went = NOW - timedelta(days=4)
    missing = MissingDetails(went_missing=went, came_back=went + timedelta(hours=8))
    first = store.seal(_contact(tam.id, missing, hours_ago=24 * 4 - 1, worry=8)).uid
    gift = store.seal(_contact(tam.id, GiftDetails(what="alcohol"), hours_ago=60)).uid
    sexual = (IndicatorMark("sexual_health", "possible"),)
    marked = store.seal(_contact(tam.id, hours_ago=50, indicators=sexual, worry=7)).uid
    absent = EducationAbsenceDetails(
        absent_from=NOW.date() - timedelta(days=6), absent_to=NOW.date() - timedelta(days=4)
    )
    hurt = store.seal(
        _contact(tam.id, InjuryDetails(explanation_in_own_words="fell"), absent, hours_ago=30)
    ).uid
    asked = _spy(opened, monkeypatch)

    facts = asking.facts(tam)

    assert len(asked) == 3  # observations, contacts, acknowledgements
    for sql, params in asked:
        plan = " | ".join(row[3] for row in opened.db.execute("EXPLAIN QUERY PLAN " + sql, params))
        assert "contacts_current" not in plan, plan
        assert not plan.startswith("SCAN"), plan
    assert [e.key for e in facts.missing] == [f"{first}:0"]
    assert facts.injuries_without_action == (f"{hurt}:{(NOW - timedelta(hours=30)).date()}",)
    assert facts.sexual_activity == (marked,)
    assert facts.substances == (gift,)
    assert facts.last_worry == 7  # the newest contact with a worry recorded
    assert facts.last_contact == hurt
    assert len(facts.absence_days) == 3
