"""The connection index in a real vault: links appear as contacts are filed and amended."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from outreach.config.paths import AppPaths
from outreach.links import index as index_module
from outreach.links.index import ConnectionIndex
from outreach.records.model import (
    Contact,
    MissingDetails,
    Observation,
    OnlineHandle,
    PersonDetails,
    PhoneDetails,
    PlaceDetails,
    VehicleDetails,
    YoungPerson,
)
from outreach.records.store import RecordStore
from outreach.vault.migrations import MIGRATIONS, migrate
from outreach.vault.vault import OpenVault

NOW = datetime(2026, 3, 14, 22, 30, tzinfo=UTC)


@pytest.fixture
def store(opened: OpenVault) -> RecordStore:
    return RecordStore(opened.db, now=lambda: NOW)


@pytest.fixture
def index(opened: OpenVault) -> ConnectionIndex:
    return ConnectionIndex(opened.db)


def seen(store: RecordStore, people: tuple[str, ...], *details, hours_ago: int = 2) -> str:
    contact = Contact(
        started_at=NOW - timedelta(hours=hours_ago),
        people=people,
        observations=tuple(Observation(d) for d in details),
    )
    return store.seal(contact).uid


def two_people(store: RecordStore) -> tuple[str, str, str]:
    return tuple(  # type: ignore[return-value]
        store.add_person(YoungPerson(name, estimated_age=14)).id for name in ("Zib", "Tov", "Kes")
    )


def test_the_same_registration_written_differently_links_two_young_people(
    store: RecordStore, index: ConnectionIndex
) -> None:
    zib, tov, _kes = two_people(store)
    first = seen(store, (zib,), VehicleDetails(registration="AB12 CDE"), hours_ago=30)
    second = seen(store, (tov,), VehicleDetails(registration="ab-12-cde"))

    (link,) = index.for_contact(store.current_id(second))
    assert link.match == "same"
    assert link.entity.key == "AB12CDE"
    assert [s.person_id for s in link.young_people] == [zib]
    assert link.young_people[0].times == 1
    (back,) = index.for_contact(store.current_id(first))
    assert [s.person_id for s in back.young_people] == [tov]


@pytest.mark.parametrize(
    ("written", "expected"),
    [("AB12 C?E", "possible"), ("A812 CDE", "possible"), ("AB1*", "possible"), ("XY12 CDE", None)],
)
def test_partial_and_misread_registrations_are_possible_links(
    store: RecordStore, index: ConnectionIndex, written: str, expected: str | None
) -> None:
    zib, tov, _kes = two_people(store)
    seen(store, (zib,), VehicleDetails(registration="AB12 CDE"), hours_ago=30)
    second = seen(store, (tov,), VehicleDetails(registration=written))
    links = index.for_contact(store.current_id(second))
    assert [link.match for link in links] == ([expected] if expected else [])


def test_a_rejected_match_stays_rejected_and_a_confirmed_one_says_so(
    store: RecordStore, index: ConnectionIndex, opened: OpenVault
) -> None:
    zib, tov, kes = two_people(store)
    seen(store, (zib,), VehicleDetails(registration="AB12 CDE"), hours_ago=30)
    second = seen(store, (tov,), VehicleDetails(registration="A812 CDE"))
    (link,) = index.for_contact(store.current_id(second))
    with opened.db.transaction():
        index.decide(link.entity.id, link.other.id, "rejected", NOW)
    assert index.for_contact(store.current_id(second)) == []
    # A third sighting of the misread plate does not bring the rejected match back.
    third = seen(store, (kes,), VehicleDetails(registration="A812CDE"), hours_ago=1)
    assert [link.match for link in index.for_contact(store.current_id(third))] == ["same"]

    with opened.db.transaction():
        index.decide(link.entity.id, link.other.id, "confirmed", NOW)
    matches = {link.match for link in index.for_contact(store.current_id(second))}
    assert matches == {"same", "confirmed"}


def test_an_amendment_moves_the_links_with_it(store: RecordStore, index: ConnectionIndex) -> None:
    zib, tov, _kes = two_people(store)
    seen(store, (zib,), VehicleDetails(registration="AB12 CDE"), hours_ago=30)
    uid = seen(store, (tov,), VehicleDetails(registration="AB12 CDE"))
    assert index.for_contact(store.current_id(uid))

    store.amend(
        uid,
        Contact(
            NOW - timedelta(hours=2),
            people=(tov,),
            observations=(Observation(VehicleDetails(registration="XY70 ZZZ")),),
        ),
        "wrong registration written down",
    )
    assert index.for_contact(store.current_id(uid)) == []
    assert index.for_person(zib) == []  # the old version no longer counts


def test_an_observation_removed_by_amendment_leaves_the_index(
    store: RecordStore, index: ConnectionIndex
) -> None:
    zib, tov, _kes = two_people(store)
    seen(store, (zib,), PlaceDetails(name="Golden Spoon", area="Northfield"), hours_ago=30)
    uid = seen(store, (tov,), PlaceDetails(name="golden spoon!", area="NORTHFIELD"))
    assert [link.match for link in index.for_person(tov)] == ["same"]
    store.amend(uid, Contact(NOW - timedelta(hours=2), people=(tov,)), "place removed")
    assert index.for_person(tov) == []


def test_phones_handles_people_and_places_link_across_young_people(
    store: RecordStore, index: ConnectionIndex
) -> None:
    zib, tov, _kes = two_people(store)
    seen(
        store,
        (zib,),
        PersonDetails(
            nicknames=("Big Dazzo",),
            phone_numbers=("07700 900123",),
            handles=(OnlineHandle("Snap", "@Dazzo_77"),),
        ),
        MissingDetails(where_found="Lantern Hotel"),
        hours_ago=30,
    )
    second = seen(
        store,
        (tov,),
        PersonDetails(nicknames=("big dazo",)),
        PhoneDetails(numbers=("+44 7700 900123",), handles=(OnlineHandle("snapchat", "dazzo_77"),)),
        PlaceDetails(name="The Lantern Hotel"),
    )
    links = {(link.entity.kind, link.match) for link in index.for_contact(store.current_id(second))}
    assert links == {
        ("person", "possible"),  # close spelling
        ("phone", "same"),
        ("handle", "same"),
        ("place", "same"),  # "The Lantern Hotel" is "Lantern Hotel"
    }


def test_a_street_sighting_with_no_young_person_counts_as_unnamed(
    store: RecordStore, index: ConnectionIndex
) -> None:
    zib, _tov, _kes = two_people(store)
    seen(store, (), VehicleDetails(registration="AB12 CDE"), hours_ago=30)
    uid = seen(store, (zib,), VehicleDetails(registration="AB12CDE"))
    (link,) = index.for_contact(store.current_id(uid))
    assert link.young_people == ()
    assert link.unnamed == 1


def test_ranked_puts_what_touches_most_young_people_first_and_filters_by_kind(
    store: RecordStore, index: ConnectionIndex
) -> None:
    zib, tov, kes = two_people(store)
    for hours, person in enumerate((zib, tov, kes), 1):
        seen(store, (person,), VehicleDetails(registration="AB12 CDE"), hours_ago=hours)
    seen(store, (zib,), VehicleDetails(registration="XY70 ZZZ"), PlaceDetails(name="Rec"))
    ranked = index.ranked()
    assert (ranked[0].entity.key, ranked[0].young_people, ranked[0].sightings) == (
        "AB12CDE",
        3,
        3,
    )
    assert {r.entity.kind for r in index.ranked("place")} == {"place"}
    uids = [uid for uid, _at, _people in index.sightings_of(ranked[0].entity.id)]
    assert len(uids) == 3


def test_the_graph_holds_entities_around_two_or_more_young_people(
    store: RecordStore, index: ConnectionIndex
) -> None:
    zib, tov, kes = two_people(store)
    seen(store, (zib, tov), VehicleDetails(registration="AB12 CDE"), hours_ago=5)
    seen(store, (kes,), VehicleDetails(registration="AB12 CDE"), hours_ago=4)
    seen(store, (kes,), PlaceDetails(name="Rec"), hours_ago=3)
    graph = index.graph()
    assert [e.key for e in graph.entities.values()] == ["AB12CDE"]
    assert set(graph.people) == {zib, tov, kes}
    assert len(graph.edges) == 3
    assert index.graph(kinds=["place"]).entities == {}
    assert len(index.graph(min_people=1).entities) == 2
    strongest = index.graph(max_edges=2)
    assert (len(strongest.edges), strongest.edges_total) == (2, 3)


def test_the_index_grows_by_what_is_new_and_is_never_rebuilt(
    store: RecordStore, opened: OpenVault
) -> None:
    zib, tov, _kes = two_people(store)
    seen(store, (zib,), VehicleDetails(registration="AB12 CDE"), PlaceDetails(name="Rec"))
    before = opened.db.scalar("SELECT count(*) FROM entities")
    first_ids = opened.db.query("SELECT id, key FROM entities ORDER BY id")
    seen(store, (tov,), VehicleDetails(registration="AB12 CDE"), PlaceDetails(name="Yew Park"))
    assert opened.db.scalar("SELECT count(*) FROM entities") == before + 1
    assert (
        opened.db.query("SELECT id, key FROM entities ORDER BY id")[: len(first_ids)] == first_ids
    )


def _recomputed(opened: OpenVault) -> tuple[set, set]:
    """The aggregates worked out from scratch from the current sightings."""
    people = set(opened.db.query(
        "SELECT s.entity_id, coalesce(cp.person_id, ''), count(*), max(c.started_at) "
        "FROM sightings s JOIN contacts c ON c.id = s.contact_id "
        "LEFT JOIN contact_people cp ON cp.contact_id = s.contact_id "
        "GROUP BY s.entity_id, coalesce(cp.person_id, '')"
    ))  # fmt: skip
    entities = set(opened.db.query(
        "SELECT e.id, count(s.contact_id), coalesce(max(c.started_at), ''), "
        "(SELECT count(*) FROM entity_people p WHERE p.entity_id = e.id AND p.person_id != '') "
        "FROM entities e LEFT JOIN sightings s ON s.entity_id = e.id "
        "LEFT JOIN contacts c ON c.id = s.contact_id GROUP BY e.id"
    ))  # fmt: skip
    return people, entities


def test_the_kept_counts_equal_a_recount_after_filings_and_amendments(
    store: RecordStore, opened: OpenVault
) -> None:
    import random

    rng = random.Random(7)
    ids = [store.add_person(YoungPerson(f"P{n}", estimated_age=14)).id for n in range(5)]
    plates = ["AB12 CDE", "XY70 ZZZ", "AB12 C?E", "A812 CDE"]
    uids = []
    for step in range(60):
        people = tuple(rng.sample(ids, rng.randint(0, 2)))
        details = [
            VehicleDetails(registration=rng.choice(plates)) for _ in range(rng.randint(0, 2))
        ]
        contact = Contact(
            started_at=NOW - timedelta(hours=rng.randint(1, 500)),
            people=people,
            observations=tuple(Observation(d) for d in details),
        )
        if uids and rng.random() < 0.4:
            store.amend(rng.choice(uids), contact, f"change {step}")
        else:
            uids.append(store.seal(contact).uid)
    people_rows, entity_rows = _recomputed(opened)
    assert (
        set(opened.db.query("SELECT entity_id, person_id, times, last_at FROM entity_people"))
        == people_rows
    )
    assert set(opened.db.query("SELECT id, seen, last_at, people FROM entities")) == entity_rows


def test_a_car_seen_with_many_young_people_lists_a_dozen_and_counts_the_rest(
    store: RecordStore, index: ConnectionIndex
) -> None:
    ids = [store.add_person(YoungPerson(f"P{n}", estimated_age=14)).id for n in range(15)]
    for n, person in enumerate(ids):
        for _time in range(1 + (n == 3)):  # P3 twice: listed first
            seen(store, (person,), VehicleDetails(registration="AB12 CDE"), hours_ago=100 - n)
    uid = seen(store, (ids[0],), VehicleDetails(registration="AB12CDE"), hours_ago=1)
    (link,) = index.for_contact(store.current_id(uid))
    assert len(link.young_people) == 12
    assert link.more_people == 2  # fourteen others, twelve listed
    assert link.people_count == 14
    assert link.young_people[0].person_id == ids[3]
    assert ids[0] not in [s.person_id for s in link.young_people]


# --- the review's cases: misreads, partials, one account written two ways, non-answers --


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("AB12 COE", "AB12 C0E"),  # O written as zero among the letters
        ("AB12 CDE", "AB1Z CDE"),  # Z for 2 among the digits
        ("AB12 C?E", "AB?2 CDE"),  # two partials of one car
        ("AB1* CDE", "AB12 C?E"),
    ],
)
def test_misread_and_partial_registrations_are_offered(
    store: RecordStore, index: ConnectionIndex, first: str, second: str
) -> None:
    zib, tov, _kes = two_people(store)
    seen(store, (zib,), VehicleDetails(registration=first), hours_ago=30)
    uid = seen(store, (tov,), VehicleDetails(registration=second))
    (link,) = index.for_contact(store.current_id(uid))
    assert (link.match, [s.person_id for s in link.young_people]) == ("possible", [zib])


def test_a_partial_is_offered_the_partials_it_may_be_and_no_others(
    store: RecordStore, index: ConnectionIndex
) -> None:
    zib, tov, kes = two_people(store)
    seen(store, (zib,), VehicleDetails(registration="AB12 C?E"), hours_ago=30)
    seen(store, (kes,), VehicleDetails(registration="XY?2 CDE"), hours_ago=20)
    uid = seen(store, (tov,), VehicleDetails(registration="AB?2 CDE"))
    (link,) = index.for_contact(store.current_id(uid))
    assert (link.other.key, [s.person_id for s in link.young_people]) == ("AB12C?E", [zib])


def test_another_countrys_registration_links_only_to_itself(
    store: RecordStore, index: ConnectionIndex
) -> None:
    zib, tov, kes = two_people(store)
    seen(store, (zib,), VehicleDetails(registration="191-D-12345"), hours_ago=30)
    seen(store, (kes,), VehicleDetails(registration="191-D-1234?"), hours_ago=20)
    uid = seen(store, (tov,), VehicleDetails(registration="191 D 12345"))
    (link,) = index.for_contact(store.current_id(uid))
    assert (link.match, [s.person_id for s in link.young_people]) == ("same", [zib])


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (("Instagram", "@dave_123"), ("Instagram", "https://www.instagram.com/dave_123/")),
        (("Snapchat", "dave_123"), ("Snapchat", "dave_123.")),
        (("WhatsApp", "07700 900123"), ("WhatsApp", "+44 7700 900123")),
    ],
)
def test_one_account_written_two_ways_links(
    store: RecordStore,
    index: ConnectionIndex,
    first: tuple[str, str],
    second: tuple[str, str],
) -> None:
    zib, tov, _kes = two_people(store)
    seen(store, (zib,), PersonDetails(handles=(OnlineHandle(*first),)), hours_ago=30)
    uid = seen(store, (tov,), PersonDetails(handles=(OnlineHandle(*second),)))
    (link,) = index.for_contact(store.current_id(uid))
    assert (link.match, [s.person_id for s in link.young_people]) == ("same", [zib])


@pytest.mark.parametrize(
    "details",
    [
        PersonDetails(handles=(OnlineHandle("Snapchat", "?"),)),
        PersonDetails(handles=(OnlineHandle("Snapchat", "unknown"),)),
        PersonDetails(name="Unknown"),
        PersonDetails(name="n/a"),
        PersonDetails(phone_numbers=("00000 000000",)),
        MissingDetails(where_found="home"),
        PlaceDetails(name="the flat"),
    ],
)
def test_a_non_answer_links_nobody(
    store: RecordStore, index: ConnectionIndex, details: object
) -> None:
    zib, tov, _kes = two_people(store)
    seen(store, (zib,), details, hours_ago=30)
    uid = seen(store, (tov,), details)
    assert index.for_contact(store.current_id(uid)) == []


@pytest.mark.parametrize(
    "written",
    ["Taxi", "Golf", "Corsa", "Nissan", "BMW", "Bus", "Mini", "Audi", "Polo", "BIG DAD",
     "Audi A3", "BMW X5", "4x4", "black 4x4", "Fiat 500"],
)  # fmt: skip
def test_a_make_or_model_written_as_a_registration_links_nobody(
    store: RecordStore, index: ConnectionIndex, written: str
) -> None:
    """Two children who both got into "a taxi" or "a black 4x4" share nothing."""
    zib, tov, _kes = two_people(store)
    seen(store, (zib,), VehicleDetails(registration=written), hours_ago=30)
    uid = seen(store, (tov,), VehicleDetails(registration=written))
    assert index.for_contact(store.current_id(uid)) == []


@pytest.mark.parametrize(
    "details",
    [
        PersonDetails(name="Guy"),
        PersonDetails(name="Lad"),
        PersonDetails(name="DK"),
        PersonDetails(name="NK"),
        PersonDetails(name="Nil"),
        PersonDetails(handles=(OnlineHandle("Snapchat", "private"),)),
        PersonDetails(handles=(OnlineHandle("TikTok", "x"),)),
    ],
)
def test_a_name_initials_or_handle_like_a_non_answer_still_links(
    store: RecordStore, index: ConnectionIndex, details: object
) -> None:
    zib, tov, _kes = two_people(store)
    seen(store, (zib,), details, hours_ago=30)
    uid = seen(store, (tov,), details)
    (link,) = index.for_contact(store.current_id(uid))
    assert [s.person_id for s in link.young_people] == [zib]


# --- keys stored by earlier versions ---------------------------------------------------

URL = "https://www.instagram.com/dave_123/"
# What versions up to 9 keyed these mentions by (None: no key at all).
OLD_KEYS = {
    ("handle", URL, "Instagram"): (f"instagram:{URL.lower()}", URL.lower(), URL, False),
    ("handle", "@dave_123", "Instagram"): ("instagram:dave_123", "dave_123", "@dave_123", False),
    ("person", "Unknown", ""): ("unknown", "u", "Unknown", False),
    ("place", "McDonald's", "Town centre"): ("mcdonald s|town centre", "m", "McD's", False),
    ("place", "McDonalds", "Town Centre"): ("mcdonalds|town centre", "m", "McDs", False),
    ("place", "MacDonalds", "Town centre"): ("macdonalds|town centre", "m", "MacDs", False),
    ("vehicle", "AB12 C0E", ""): None,
    ("vehicle", "AB12 COE", ""): ("AB12COE", "A812C0E", "AB12 COE", False),
}


def _rekeying_version() -> int:
    return next(m.version for m in MIGRATIONS if m.steps)


def test_a_migration_rekeys_what_earlier_versions_stored_and_keeps_decisions(
    store: RecordStore,
    index: ConnectionIndex,
    opened: OpenVault,
    paths: AppPaths,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    zib, tov, kes = two_people(store)
    with monkeypatch.context() as patched:
        # File as the earlier rules did.
        patched.setattr(index_module, "entity_key", lambda m: OLD_KEYS[(m.kind, m.text, m.extra)])
        seen(
            store,
            (zib,),
            PersonDetails(name="Unknown", handles=(OnlineHandle("Instagram", URL),)),
            PlaceDetails(name="McDonald's", area="Town centre"),
            VehicleDetails(registration="AB12 C0E"),
            hours_ago=30,
        )
        seen(store, (kes,), PlaceDetails(name="MacDonalds", area="Town centre"), hours_ago=20)
        uid = seen(
            store,
            (tov,),
            PersonDetails(name="Unknown", handles=(OnlineHandle("Instagram", "@dave_123"),)),
            PlaceDetails(name="McDonalds", area="Town Centre"),
            VehicleDetails(registration="AB12 COE"),
        )
        ids = dict(opened.db.query("SELECT key, id FROM entities"))
        with opened.db.transaction():
            index.decide(
                ids["mcdonald s|town centre"], ids["macdonalds|town centre"], "rejected", NOW
            )
        # The team lead's copy of a summary, its mention keyed the old way.
        with opened.db.transaction():
            opened.db.execute(
                "INSERT INTO team_summaries VALUES (1, 's', 1, 'w', 'r', 'c', NULL, -1, 0, 0, 0, "
                "0, 0, 1, 'unreviewed', NULL)"
            )
            opened.db.execute(
                "INSERT INTO team_summary_bodies VALUES (1, ?)",
                (json.dumps({"mentions": [{"kind": "handle", "text": URL, "extra": "IG"}]}),),
            )
            opened.db.execute(
                "INSERT INTO team_summary_mentions VALUES (1, 'handle', ?, 'x')",
                (f"instagram:{URL.lower()}",),
            )
    before = {(link.entity.kind, link.match) for link in index.for_contact(store.current_id(uid))}
    assert before == {("person", "same"), ("place", "possible")}

    opened.db.set_user_version(_rekeying_version() - 1)
    applied = migrate(
        opened.db, backup_dir=paths.backup_dir, take_backup=lambda _p: None, now=lambda: NOW
    )
    assert applied[0] == _rekeying_version()

    links = {
        (
            link.entity.kind,
            link.other.key,
            link.match,
            tuple(s.person_id for s in link.young_people),
        )
        for link in index.for_contact(store.current_id(uid))
    }
    assert links == {
        ("handle", "instagram:dave_123", "same", (zib,)),
        ("place", "mcdonalds|town centre", "same", (zib,)),
        ("vehicle", "AB12C0E", "possible", (zib,)),
        # "Unknown" links nobody now; MacDonalds stays rejected
    }
    place = opened.db.scalar("SELECT id FROM entities WHERE key = 'mcdonalds|town centre'")
    assert [(e.key, d) for e, d in index.possible_matches(place)] == [
        ("macdonalds|town centre", "rejected")
    ]
    assert opened.db.scalar("SELECT count(*) FROM entities WHERE key = 'unknown'") == 0
    assert opened.db.query("SELECT kind, key FROM team_summary_mentions") == [
        ("handle", "instagram:dave_123")
    ]
    # The kept counts are what a recount from the sightings gives.
    people_rows, entity_rows = _recomputed(opened)
    assert (
        set(opened.db.query("SELECT entity_id, person_id, times, last_at FROM entity_people"))
        == people_rows
    )
    assert set(opened.db.query("SELECT id, seen, last_at, people FROM entities")) == entity_rows
