"""Young people and contacts in a real vault: filing, amending, timelines, search."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from outreach.records import codec
from outreach.records.drafts import DraftStore
from outreach.records.model import (
    DETAILS_BY_KIND,
    BodyMark,
    Contact,
    ContactKind,
    EducationAbsenceDetails,
    GiftDetails,
    InjuryDetails,
    MissingDetails,
    Observation,
    ObservationKind,
    OnlineHandle,
    PersonDetails,
    PhoneDetails,
    PlaceDetails,
    Provenance,
    Quote,
    SubstanceDetails,
    VehicleDetails,
    YoungPerson,
)
from outreach.records.store import (
    InvalidRecord,
    RecordNotFound,
    RecordStore,
    fts_query,
)
from outreach.records.validation import MATCH_END, MATCH_START
from outreach.vault import audit
from outreach.vault.vault import OpenVault

NOW = datetime(2026, 3, 14, 22, 30, tzinfo=UTC)


@pytest.fixture
def store(opened: OpenVault) -> RecordStore:
    return RecordStore(opened.db, now=lambda: NOW)


def every_kind(at: datetime) -> tuple[Observation, ...]:
    return (
        Observation(
            VehicleDetails(registration="AB12 C?E", colour="silver", make="Vauxhall"),
            Provenance.SEEN,
            at,
        ),
        Observation(
            PlaceDetails(name="Golden Spoon Takeaway", place_kind="takeaway", area="Northfield")
        ),
        Observation(GiftDetails(what="phone", from_whom="Bazza", expected_in_return="nothing")),
        Observation(
            InjuryDetails(
                marks=(
                    BodyMark("front", 0.3, 0.5, "left forearm", "2cm", "round", "purple", False),
                    BodyMark("back", 0.5, 0.3, "upper back"),
                ),
                explanation_in_own_words="fell off my bike",
            ),
            Provenance.TOLD_BY_YOUNG_PERSON,
        ),
        Observation(
            PersonDetails(
                name="",
                nicknames=("Bazza",),
                approximate_age=35,
                phone_numbers=("07700 900123",),
                handles=(OnlineHandle("snapchat", "@bazza_77"),),
                role="adult_of_concern",
            ),
            Provenance.TOLD_BY_OTHER,
        ),
        Observation(
            MissingDetails(
                went_missing=at - timedelta(days=2),
                came_back=at - timedelta(days=1),
                reported_missing=True,
                where_found="Eastgate hotel",
                return_interview_on=date(2026, 3, 14),
            )
        ),
        Observation(
            EducationAbsenceDetails(
                absent_from=date(2026, 3, 2), absent_to=date(2026, 3, 4), school="Hillview"
            )
        ),
        Observation(PhoneDetails(new_phone_or_sim=True, numbers=("07700 900456",))),
        Observation(SubstanceDetails(what="cannabis", supplied_by="older lads"), Provenance.RUMOUR),
    )


def a_contact(people: tuple[str, ...] = (), **changes: object) -> Contact:
    values: dict[str, object] = {
        "started_at": NOW - timedelta(hours=2),
        "ended_at": NOW - timedelta(hours=1),
        "kind": ContactKind.STREET,
        "place": "bus station",
        "people": people,
        "narrative": "Saw Tam near the bus station, talking to an older man in a car.",
        "quotes": (Quote("he's just a mate, he gives me lifts"),),
        "instinct": "Something about the car felt wrong.",
        "observations": every_kind(NOW - timedelta(hours=2)),
    }
    values.update(changes)
    return Contact(**values)  # type: ignore[arg-type]


def test_every_observation_kind_is_filed_and_read_back_unchanged(store: RecordStore) -> None:
    tam = store.add_person(YoungPerson("Tam", estimated_age=14))
    contact = a_contact((tam.id,))
    assert {o.kind for o in contact.observations} == set(DETAILS_BY_KIND)

    sealed = store.seal(contact)

    again = store.contact(sealed.uid)
    assert again.version == 1
    assert again.contact == contact
    assert again.sealed_at == NOW


def test_drafts_round_trip_through_json_with_every_kind() -> None:
    contact = a_contact(("someone",))
    assert codec.contact_from_json(codec.contact_to_json(contact)) == contact


def test_sealing_removes_the_draft_in_the_same_transaction(
    store: RecordStore, opened: OpenVault
) -> None:
    drafts = DraftStore(opened.db)
    drafts.save("contact:abc", "{}")
    store.seal(a_contact(), uid="abc", draft_key="contact:abc")
    assert drafts.load("contact:abc") is None


def test_a_refused_contact_leaves_its_draft_and_files_nothing(
    store: RecordStore, opened: OpenVault
) -> None:
    drafts = DraftStore(opened.db)
    drafts.save("contact:abc", "{}")
    future = a_contact(started_at=NOW + timedelta(days=1), ended_at=None)
    with pytest.raises(InvalidRecord) as raised:
        store.seal(future, uid="abc", draft_key="contact:abc")
    assert [(p.field, p.code) for p in raised.value.problems] == [("started_at", "future")]
    assert drafts.load("contact:abc") is not None
    assert store.recent_contacts() == []


def test_an_amendment_keeps_the_original_and_both_can_be_read(store: RecordStore) -> None:
    sealed = store.seal(a_contact(narrative="Saw Tam at the station."))
    changed = a_contact(narrative="Saw Tam at the bus station, about 11pm.")

    amended = store.amend(sealed.uid, changed, "time added")

    assert amended.version == 2
    assert store.contact(sealed.uid).contact.narrative == changed.narrative
    versions = store.versions(sealed.uid)
    assert [v.contact.narrative for v in versions] == [
        "Saw Tam at the station.",
        "Saw Tam at the bus station, about 11pm.",
    ]
    assert versions[1].amend_reason == "time added"
    assert store.recent_contacts()[0].amended


def test_an_amendment_needs_a_reason(store: RecordStore) -> None:
    sealed = store.seal(a_contact())
    with pytest.raises(InvalidRecord) as raised:
        store.amend(sealed.uid, a_contact(narrative="other"), "  ")
    assert raised.value.problems[0].field == "amend_reason"
    assert len(store.versions(sealed.uid)) == 1


def test_amending_a_contact_that_does_not_exist_is_refused(store: RecordStore) -> None:
    with pytest.raises(RecordNotFound):
        store.amend("nope", a_contact(), "reason")


def test_audit_log_records_create_seal_and_amend_without_content(
    store: RecordStore, opened: OpenVault
) -> None:
    tam = store.add_person(YoungPerson("Tam", estimated_age=14))
    sealed = store.seal(a_contact((tam.id,)))
    store.amend(sealed.uid, a_contact((tam.id,), narrative="x"), "typo")
    logged = [(e.action, e.detail) for e in audit.entries(opened.db)][-3:]
    assert {e.actor for e in audit.entries(opened.db)[-3:]} == {audit.current_actor()}
    assert audit.current_actor()
    assert logged == [
        ("person_created", tam.id),
        ("contact_sealed", sealed.uid),
        ("contact_amended", f"{sealed.uid} v2"),
    ]


def test_search_finds_narrative_quotes_and_observation_fields_with_matches_marked(
    store: RecordStore,
) -> None:
    sealed = store.seal(a_contact())

    for words, source in [
        ("older man", "narrative"),
        ("lifts", "quote"),
        ("Vauxhall", "vehicle"),
        ("golden spoon", "place"),
        ("Bazza", "gift"),
        ("forearm", "injury"),
        ("cannabis", "substance"),
    ]:
        hits = store.search(words)
        assert source in {h.source for h in hits}, words
        assert all(h.contact_uid == sealed.uid for h in hits)
    snippet = next(h.snippet for h in store.search("vauxhall") if h.source == "vehicle")
    assert f"{MATCH_START}Vauxhall{MATCH_END}" in snippet


def test_search_matches_prefixes_and_ignores_accents_and_syntax(store: RecordStore) -> None:
    store.seal(a_contact(narrative="Met Zoë outside the café"))
    assert store.search("zoe cafe")
    assert store.search("Vaux")  # the last word may be half typed
    assert store.search("Vaux ") == []  # ...unless a space says it is finished
    assert store.search("Vaux hatch") == []  # only the last word is a prefix
    assert store.search('NEAR("x" -:') == []  # read as words, not FTS5 syntax
    assert store.search("   ") == []
    assert fts_query('a "b" c*') == '"a" "b" "c"'
    assert fts_query("a b", last_as_prefix=True) == '"a" "b"*'


def test_search_follows_amendments(store: RecordStore) -> None:
    sealed = store.seal(a_contact(narrative="silver hatchback"))
    store.amend(sealed.uid, a_contact(narrative="blue estate"), "colour was wrong")
    assert store.search("hatchback") == []
    assert [h.contact_uid for h in store.search("estate")] == [sealed.uid]


def test_search_finds_people_by_name_and_alias(store: RecordStore) -> None:
    tam = store.add_person(YoungPerson("Tam", aliases=("Tammy Q",), estimated_age=14))
    assert [h.person_id for h in store.search("tammy")] == [tam.id]
    store.update_person(YoungPerson("Tam", aliases=("T",), estimated_age=14, id=tam.id))
    assert store.search("tammy") == []


def test_emoji_right_to_left_text_and_control_characters(store: RecordStore) -> None:
    words = "she said \u05e9\u05dc\u05d5\u05dd \U0001f622 then\x00 left\x1b"
    sealed = store.seal(a_contact(narrative=words, quotes=(Quote("\u202eI'm fine \U0001f44d"),)))
    stored = store.contact(sealed.uid).contact
    assert stored.narrative == "she said \u05e9\u05dc\u05d5\u05dd \U0001f622 then left"
    assert stored.quotes[0].text == "\u202eI'm fine \U0001f44d"  # never altered


def test_very_long_text_is_refused_with_its_limit(store: RecordStore) -> None:
    with pytest.raises(InvalidRecord) as raised:
        store.seal(a_contact(place="x" * 1001))
    problem = raised.value.problems[0]
    assert (problem.field, problem.code, problem.limit) == ("place", "too_long", 1000)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"ended_at": NOW - timedelta(hours=3)}, ("ended_at", "end_before_start")),
        (
            {
                "observations": (
                    Observation(MissingDetails(went_missing=NOW, came_back=NOW - timedelta(1))),
                )
            },
            ("observations.0.came_back", "end_before_start"),
        ),
        (
            {"observations": (Observation(VehicleDetails(), seen_at=NOW + timedelta(days=2)),)},
            ("observations.0.seen_at", "future"),
        ),
        (
            {"quotes": (Quote("   "),)},
            ("quotes.0.text", "required"),
        ),
        ({"people": ("no-such-person",)}, ("people", "unknown_person")),
    ],
)
def test_bad_contacts_are_refused_naming_the_field(
    store: RecordStore, changes: dict[str, object], expected: tuple[str, str]
) -> None:
    with pytest.raises(InvalidRecord) as raised:
        store.seal(a_contact(**changes))
    assert expected in [(p.field, p.code) for p in raised.value.problems]
    assert store.recent_contacts() == []


def test_a_small_clock_difference_is_not_the_future(store: RecordStore) -> None:
    store.seal(a_contact(started_at=NOW + timedelta(minutes=5), ended_at=None))


@pytest.mark.parametrize(
    ("person", "expected"),
    [
        (YoungPerson(" "), ("known_as", "required")),
        (YoungPerson("Tam", date_of_birth=date(2027, 1, 1)), ("date_of_birth", "future")),
        (YoungPerson("Tam", estimated_age=3), ("estimated_age", "implausible_age")),
        (YoungPerson("Tam", date_of_birth=date(1980, 1, 1)), ("date_of_birth", "implausible_age")),
    ],
)
def test_bad_people_are_refused(
    store: RecordStore, person: YoungPerson, expected: tuple[str, str]
) -> None:
    with pytest.raises(InvalidRecord) as raised:
        store.add_person(person)
    assert [(p.field, p.code) for p in raised.value.problems] == [expected]
    assert store.people() == []


def test_ages_come_from_the_date_of_birth_or_grow_from_an_estimate(store: RecordStore) -> None:
    exact = store.add_person(YoungPerson("Jo", date_of_birth=date(2012, 3, 15)))
    estimated = store.add_person(YoungPerson("Kit", estimated_age=13))
    assert exact.age_on(NOW.date()) == 13  # birthday is tomorrow
    assert exact.age_on(date(2026, 3, 15)) == 14
    assert store.person(estimated.id).age_recorded_on == NOW.date()
    assert estimated.age_on(date(2027, 6, 1)) == 14
    assert estimated.age_is_estimated
    assert not exact.age_is_estimated


def test_people_are_listed_open_first_then_by_name(store: RecordStore) -> None:
    from outreach.records.model import PersonStatus

    store.add_person(YoungPerson("zed", estimated_age=15))
    store.add_person(YoungPerson("Amy", estimated_age=15, status=PersonStatus.CLOSED))
    store.add_person(YoungPerson("bo", estimated_age=15))
    assert [p.known_as for p in store.people()] == ["bo", "zed", "Amy"]


def test_timeline_lists_contacts_and_observations_newest_first_and_filters(
    store: RecordStore,
) -> None:
    tam = store.add_person(YoungPerson("Tam", estimated_age=14))
    kit = store.add_person(YoungPerson("Kit", estimated_age=15))
    early = a_contact(
        (tam.id,),
        started_at=NOW - timedelta(days=3),
        ended_at=None,
        observations=(Observation(VehicleDetails(registration="AB12 CDE")),),
    )
    late = a_contact((tam.id, kit.id), observations=every_kind(NOW - timedelta(hours=2)))
    store.seal(early)
    store.seal(late)
    store.seal(a_contact((kit.id,)))

    entries = store.timeline(tam.id)
    assert [e.kind for e in entries].count("contact") == 2
    assert entries[0].kind == "contact"
    assert entries[0].at == late.started_at
    assert entries[-1].kind == "vehicle"
    assert "AB12 CDE" in entries[-1].summary
    vehicles = store.timeline(tam.id, kinds=["vehicle"])
    assert [e.summary.split(" · ")[0] for e in vehicles] == ["AB12 C?E", "AB12 CDE"]
    assert store.timeline(tam.id, kinds=["contact"])[0].summary.startswith("Saw Tam")


def test_street_observations_without_a_young_person_can_be_linked_later(
    store: RecordStore,
) -> None:
    sealed = store.seal(a_contact(()))
    assert [c.uid for c in store.contacts_without_people()] == [sealed.uid]
    tam = store.add_person(YoungPerson("Tam", estimated_age=14))
    store.amend(sealed.uid, a_contact((tam.id,)), "linked to Tam")
    assert store.contacts_without_people() == []
    assert store.timeline(tam.id)[0].contact_uid == sealed.uid


def test_import_records_files_many_in_batches(store: RecordStore) -> None:
    tam = YoungPerson("Tam", estimated_age=14, id="p1")
    contacts = [a_contact(("p1",)) for _ in range(7)]
    assert store.import_records([tam], contacts, batch=3) == 7
    assert len(store.recent_contacts()) == 7
    assert len(store.search("lifts")) == 7


def test_every_kind_has_a_details_class() -> None:
    assert set(DETAILS_BY_KIND) == set(ObservationKind)


def test_timeline_pages_follow_on_and_add_up_to_the_whole(store: RecordStore) -> None:
    tam = store.add_person(YoungPerson("Tam", estimated_age=14))
    for hours in (5, 4, 4, 3, 2):  # two at the same moment: the row id breaks the tie
        store.seal(a_contact((tam.id,), started_at=NOW - timedelta(hours=hours), ended_at=None))
    whole = store.timeline(tam.id)
    pages, cursor = [], None
    while True:
        page = store.timeline_page(tam.id, after=cursor, contacts=2)
        pages.append(page.entries)
        if page.next is None:
            break
        cursor = page.next
    assert [len([e for e in p if e.kind == "contact"]) for p in pages] == [2, 2, 1]
    assert [e for p in pages for e in p] == whole
    starts = [e.at for e in whole if e.kind == "contact"]
    assert starts == sorted(starts, reverse=True)


def test_known_places_come_from_contacts_and_place_observations(store: RecordStore) -> None:
    store.seal(a_contact(place="bus station", started_at=NOW - timedelta(days=2), ended_at=None))
    store.seal(a_contact(place="Bus Station"))  # one spelling each, the newest
    places = store.known_places()
    assert places.count("Golden Spoon Takeaway") == 1
    assert [p.lower() for p in places].count("bus station") == 1
