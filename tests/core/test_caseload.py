"""The made-up caseload: deterministic, invented, and with patterns to find."""

from __future__ import annotations

import re
from collections import defaultdict

from outreach.records.caseload import FIXED_NOW, WINDOW, generate
from outreach.records.model import (
    MissingDetails,
    ObservationKind,
    PersonDetails,
    PhoneDetails,
    VehicleDetails,
)

# Common real first names: a guard that the generator's names stay invented.
REAL_NAMES = {"emily", "olivia", "jack", "mohammed", "sophie", "amelia", "harry", "chloe"}


def test_the_same_seed_gives_the_same_caseload_and_another_differs() -> None:
    assert generate(seed=3) == generate(seed=3)
    assert generate(seed=3) != generate(seed=4)


def test_counts_and_every_kind() -> None:
    made = generate(people=20, contacts=400, observations_per_contact=5)
    assert len(made.people) == 20
    assert len(made.contacts) == 400
    total = sum(len(c.observations) for c in made.contacts)
    assert 1800 <= total <= 2200
    assert {o.kind for c in made.contacts for o in c.observations} == set(ObservationKind)
    assert any(not c.people for c in made.contacts)  # street observations with nobody known


def test_phone_numbers_are_only_from_the_drama_range() -> None:
    made = generate(contacts=300)
    numbers = []
    for contact in made.contacts:
        numbers += re.findall(r"[+\d][\d ]{9,}\d", contact.narrative)
        for observation in contact.observations:
            details = observation.details
            if isinstance(details, PersonDetails):
                numbers += details.phone_numbers
            elif isinstance(details, PhoneDetails):
                numbers += details.numbers
    assert numbers
    for number in numbers:
        digits = re.sub(r"\D", "", number)
        national = "0" + digits[2:] if digits.startswith("44") else digits
        assert re.fullmatch(r"07700900\d{3}", national), number


def test_links_and_times_are_consistent() -> None:
    made = generate(contacts=300)
    ids = {p.id for p in made.people}
    for contact in made.contacts:
        assert set(contact.people) <= ids
        assert FIXED_NOW - WINDOW <= contact.started_at <= FIXED_NOW
        assert contact.started_at.tzinfo is not None
        if contact.ended_at:
            assert contact.ended_at > contact.started_at
        for observation in contact.observations:
            if isinstance(observation.details, MissingDetails):
                assert observation.details.came_back >= observation.details.went_missing
    assert [c.started_at for c in made.contacts] == sorted(c.started_at for c in made.contacts)


def test_a_recurring_vehicle_is_seen_with_several_young_people() -> None:
    made = generate()
    seen_with: dict[str, set[str]] = defaultdict(set)
    for contact in made.contacts:
        for observation in contact.observations:
            if isinstance(observation.details, VehicleDetails):
                plate = observation.details.registration.replace(" ", "").upper()
                seen_with[plate].update(contact.people)
    assert max(len(people) for people in seen_with.values()) >= 3


def test_names_are_invented() -> None:
    made = generate(people=60)
    for person in made.people:
        for name in (person.known_as, *person.aliases):
            assert not set(name.lower().split()) & REAL_NAMES, name


def test_a_large_caseload_is_built() -> None:
    made = generate(people=50, contacts=2_000, observations_per_contact=5)
    assert sum(len(c.observations) for c in made.contacts) > 9_000
