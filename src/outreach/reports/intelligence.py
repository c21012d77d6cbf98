"""Intelligence and missing-person packs: what is known, from the young person's contacts.

Intelligence is shaped like a police partnership-intelligence submission: for each
vehicle, person, phone, handle and place seen around the young person, what it is, when
and how often it was seen, where, with whom, and how each sighting is known (seen
myself, told by the young person, told by someone else, rumour). The worker's name is
included only when they choose. ``intelligence_json`` is the structured file.

The missing-person pack gathers, for when a young person is reported missing: who they
are, their phones and handles, associates, places they go, vehicles seen with them, and
previous missing episodes with where they were found. Phones and missing episodes from a
contact with other young people may be another child's: they are counted, not listed.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from outreach.links.index import ConnectionIndex
from outreach.links.keys import entity_key
from outreach.records.model import (
    FieldKind,
    MissingDetails,
    Observation,
    ObservationKind,
    OnlineHandle,
    PersonDetails,
    PhoneDetails,
    PlaceDetails,
    VehicleDetails,
    YoungPerson,
    field_specs,
)
from outreach.records.store import RecordStore, mentions_of

FORMAT = "outreach-intelligence/1"


@dataclass(frozen=True, order=True)
class Detail:
    """One recorded detail of an item, as stored: the caller turns it into words."""

    field: str  # the model's field name: "colour", "role", "approximate_age"...
    value: str
    choice: bool = False  # the value is one of the field's choices (an identifier)

    def plain(self) -> str:
        """As the JSON file has always given it."""
        return f"about {self.value}" if self.field == "approximate_age" else self.value


@dataclass
class IntelItem:
    kind: str  # vehicle, person, phone, handle, place
    identifier: str  # as first written
    canonical: str
    seen: list[datetime] = field(default_factory=list)
    where: set[str] = field(default_factory=set)
    how_known: set[str] = field(default_factory=set)  # provenance values
    details: set[Detail] = field(default_factory=set)  # make, colour, description...
    also_seen_with: list[str] = field(default_factory=list)  # other young people


_DETAIL_FIELDS = {
    ObservationKind.VEHICLE: ("colour", "make", "model", "taxi_firm", "driver"),
    ObservationKind.PERSON: ("approximate_age", "description", "clothing_or_uniform", "role"),
    ObservationKind.PLACE: ("place_kind", "days_and_times", "what_happens"),
}


def _details_of(observation: Observation) -> list[Detail]:
    names = _DETAIL_FIELDS.get(observation.kind, ())
    choices = {s.name for s in field_specs(observation.kind) if s.kind is FieldKind.CHOICE}
    found = []
    for name in names:
        value = getattr(observation.details, name)
        if value is not None and value != "":
            found.append(Detail(name, str(value), name in choices))
    return found


def intelligence(
    store: RecordStore, person: YoungPerson, people_names: dict[str, str]
) -> list[IntelItem]:
    """Everything linkable seen around this young person, most often seen first."""
    items: dict[tuple[str, str], IntelItem] = {}
    for entry in store.timeline(person.id, ["contact"]):
        c = store.contact(entry.contact_uid).contact
        for observation in c.observations:
            single = type(c)(started_at=c.started_at, observations=(observation,))
            for mention in mentions_of(single):
                found = entity_key(mention)
                if found is None:
                    continue
                key, _fuzzy, label, _partial = found
                item = items.setdefault((mention.kind, key), IntelItem(mention.kind, label, key))
                item.seen.append(observation.seen_at or c.started_at)
                item.how_known.add(observation.provenance.value)
                if c.place:
                    item.where.add(c.place)
                item.details.update(_details_of(observation))
    index = ConnectionIndex(store.db)
    others: dict[str, set[str]] = defaultdict(set)
    for link in index.for_person(person.id):
        for seen in link.young_people:
            others[f"{link.other.kind}|{link.other.key}"].add(people_names.get(seen.person_id, "?"))
    for (kind, key), item in items.items():
        item.also_seen_with = sorted(others.get(f"{kind}|{key}", ()))
    return sorted(items.values(), key=lambda i: (-len(i.seen), i.kind, i.identifier))


def intelligence_json(
    person: YoungPerson,
    items: list[IntelItem],
    *,
    marking: str,
    made_at: datetime,
    submitted_by: str = "",
) -> str:
    """The structured export: who, what, where, when, how known, for each item."""

    def when(moments: list[datetime]) -> dict[str, Any]:
        ordered = sorted(moments)
        return {
            "first": ordered[0].isoformat(),
            "last": ordered[-1].isoformat(),
            "times": len(ordered),
        }

    document = {
        "format": FORMAT,
        "protective_marking": marking,
        "made_at": made_at.isoformat(),
        "submitted_by": submitted_by or None,
        "subject": {
            "known_as": person.known_as,
            "agency_ref": person.agency_ref or None,
            "age": person.age_on(made_at.date()),
        },
        "items": [
            {
                "what": item.kind,
                "identifier": item.identifier,
                "canonical": item.canonical,
                "details": sorted(d.plain() for d in item.details),
                "when": when(item.seen),
                "where": sorted(item.where),
                "who": {"also_seen_with": item.also_seen_with},
                "how_known": sorted(item.how_known),
            }
            for item in items
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2)


@dataclass(frozen=True)
class MissingEpisodeLine:
    went: datetime | None
    back: datetime | None
    where_found: str
    who_with: str
    how_got_back: str


@dataclass
class MissingPack:
    person: YoungPerson
    age: int | None
    phones: list[str] = field(default_factory=list)
    handles: list[OnlineHandle] = field(default_factory=list)
    associates: list[PersonDetails] = field(default_factory=list)
    places: list[PlaceDetails] = field(default_factory=list)
    vehicles: list[VehicleDetails] = field(default_factory=list)
    episodes: list[MissingEpisodeLine] = field(default_factory=list)
    last_seen: datetime | None = None
    # Recorded at contacts with other young people, so perhaps another child's: not listed.
    shared_phones: int = 0
    shared_episodes: int = 0


def missing_pack(store: RecordStore, person: YoungPerson, today: date) -> MissingPack:
    pack = MissingPack(person, person.age_on(today))
    seen_keys: set[tuple[str, str]] = set()

    def first_time(kind: str, key: str) -> bool:
        if (kind, key) in seen_keys:
            return False
        seen_keys.add((kind, key))
        return True

    for entry in store.timeline(person.id, ["contact"]):  # newest first
        c = store.contact(entry.contact_uid).contact
        pack.last_seen = pack.last_seen or c.started_at
        shared = len(c.people) > 1
        for observation in c.observations:
            d = observation.details
            if shared and isinstance(d, PhoneDetails):
                pack.shared_phones += 1
            elif shared and isinstance(d, MissingDetails):
                pack.shared_episodes += 1
            elif isinstance(d, PhoneDetails):
                pack.phones += [n for n in d.numbers if first_time("phone", n)]
                pack.handles += [
                    h for h in d.handles if first_time("handle", f"{h.platform}:{h.handle}")
                ]
            elif isinstance(d, PersonDetails):
                name = "/".join((d.name, *d.nicknames))
                if first_time("person", name or d.description):
                    pack.associates.append(d)
            elif isinstance(d, PlaceDetails):
                if first_time("place", f"{d.name}|{d.area}"):
                    pack.places.append(d)
            elif isinstance(d, VehicleDetails):
                if first_time("vehicle", d.registration or d.make + d.colour):
                    pack.vehicles.append(d)
            elif isinstance(d, MissingDetails):
                pack.episodes.append(
                    MissingEpisodeLine(
                        d.went_missing, d.came_back, d.where_found, d.who_with, d.how_got_back
                    )
                )
    return pack
