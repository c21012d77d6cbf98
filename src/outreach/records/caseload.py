"""A made-up caseload for the demo vault, tests and benchmarks. Never real people.

- Deterministic: the same arguments give the same caseload (a seeded ``random.Random``,
  and a fixed "now" unless one is given).
- Invented: names are whimsical made-up words ("Zibby Quillfeather"), phone numbers come
  only from Ofcom's drama range (07700 900000 to 900999), places and areas are invented,
  and registrations are random letters and digits in UK formats.
- Patterns on purpose: a few vehicles, places, adults and handles recur around several
  young people (sometimes written differently: spacing, case, partial plates, +44
  numbers), so that the connections the app finds have something to find; the rest are
  one-offs. Some young people go missing again and again.
- Fast enough for big vaults: 20,000 contacts with 100,000 observations in a few seconds.
"""

from __future__ import annotations

import random
import string
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from outreach.prompts.bank import proposed
from outreach.records.model import (
    BodyMark,
    Contact,
    ContactKind,
    Details,
    EducationAbsenceDetails,
    GiftDetails,
    IndicatorMark,
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

FIXED_NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
WINDOW = timedelta(days=548)  # about eighteen months

FIRST_NAMES = (
    "Zibby", "Quillon", "Marnet", "Tovey", "Brisca", "Jorrin", "Pellow", "Sundew",
    "Kestrin", "Wrenna", "Ambrel", "Fennick", "Corvy", "Lumetta", "Drossel", "Yarrow",
    "Pimbly", "Orrin", "Vashti-Bee", "Tuppence", "Nimbra", "Castor-Lee", "Fable", "Quenby",
)  # fmt: skip
SURNAMES = (
    "Quillfeather", "Brackenwhistle", "Mothmeadow", "Puddingstone", "Thistlecombe",
    "Marrowby", "Fernhallow", "Duckworthy", "Snapdragon", "Wobblethorpe", "Inkcap",
    "Gorsebottom", "Periwinkle", "Crumbleton", "Tansyfield", "Bramblewick",
)  # fmt: skip
ADULT_NICKNAMES = (
    "Big Dazzo", "Fizzer", "Uncle Moth", "K-Dog", "Shiner", "Toffee", "Mister Wobbly",
    "Spanner", "The Colonel", "Lolly", "Gravy", "Boots",
)  # fmt: skip
AREAS = ("Northfield", "Eastgate", "Marlow Cross", "Pennyholt", "Rookwood", "Saltmarsh End")
PLACE_NAMES = (
    ("Golden Spoon Takeaway", "takeaway"),
    ("Riverside Car Park", "car_park"),
    ("The Lantern Hotel", "hotel"),
    ("Pennyholt Rec", "park"),
    ("Star Cars Office", "taxi_office"),
    ("Flat above Quickmart", "house_or_flat"),
    ("Rookwood Bus Station", "station"),
    ("Happy Fry Chicken", "takeaway"),
    ("Moonbeam Lodge", "hotel"),
    ("Canal Path Benches", "park"),
    ("Saltmarsh Retail Park", "shop"),
    ("Old Tannery Yard", "other"),
)
MAKES = (
    ("Vauxhall", "Corsa"), ("Ford", "Focus"), ("Toyota", "Prius"), ("BMW", "3 Series"),
    ("Audi", "A3"), ("Skoda", "Octavia"), ("Nissan", "Qashqai"), ("Mercedes", "C-Class"),
)  # fmt: skip
COLOURS = ("silver", "black", "white", "grey", "dark blue", "red")
BODY_TYPES = ("hatchback", "saloon", "estate", "suv", "people_carrier")
TAXI_FIRMS = ("", "", "", "Star Cars", "Blue Line Taxis", "Rookwood Private Hire")
PLATFORMS = ("snapchat", "instagram", "tiktok", "whatsapp")
SITES = (
    ("front", 0.76, 0.44, "left forearm"),
    ("front", 0.24, 0.44, "right forearm"),
    ("front", 0.5, 0.11, "face"),
    ("back", 0.5, 0.25, "upper back"),
    ("front", 0.42, 0.62, "right thigh"),
    ("front", 0.28, 0.27, "right upper arm"),
)
GIFTS = ("phone", "sim", "money", "clothes", "jewellery", "alcohol", "cigarettes", "food", "lifts")
SUBSTANCES = ("cannabis", "alcohol", "vapes", "ketamine", "pills")
NARRATIVES = (
    "Saw {yp} getting out of a {colour} {make} outside {place} around {hour}pm. "
    "The driver was an older man.",
    "{yp} came to drop-in, quieter than usual, new trainers and a second phone.",
    "Spoke with {yp} near {place}. Said they had been staying with friends in {area}.",
    "{yp} was with two older lads by {place}; they left in a {colour} car when we arrived.",
    "Phone call with {yp}. Mentioned someone called {adult} who gives them lifts.",
    "Street outreach in {area}: {place} busy, several young people, cars stopping briefly.",
    "{yp} had a mark on their arm and changed the subject when asked.",
    "Met {yp} after school. Talked about home and about {adult}.",
)
QUOTES = (
    "he's just a mate, he looks after me",
    "I can look after myself",
    "they gave me a phone so I can ring them",
    "I stayed at a friend's, it's fine",
    "I fell over, it's nothing",
    "everyone goes there, it's not a big deal",
)
INSTINCTS = (
    "Nothing feels wrong today.",
    "Something about the car felt wrong.",
    "Worried: they looked scared when the phone rang.",
    "Uneasy about the older men around them.",
    "Better than last week; keep checking in.",
)
KIND_WEIGHTS = (
    (ObservationKind.VEHICLE, 22),
    (ObservationKind.PLACE, 20),
    (ObservationKind.PERSON, 16),
    (ObservationKind.GIFT, 10),
    (ObservationKind.PHONE, 9),
    (ObservationKind.MISSING, 8),
    (ObservationKind.INJURY, 6),
    (ObservationKind.EDUCATION_ABSENCE, 5),
    (ObservationKind.SUBSTANCE, 4),
)
HOT_SHARE = 0.4  # how often a vehicle, place or person is one of the recurring few


@dataclass(frozen=True)
class Caseload:
    people: tuple[YoungPerson, ...]
    contacts: tuple[Contact, ...]


@dataclass(frozen=True)
class _Adult:
    nickname: str
    age: int
    phone: str
    handle: OnlineHandle
    description: str


def _plate(rng: random.Random) -> str:
    letters = "ABCDEFGHJKLMNOPRSTUVWXY"
    year = rng.choice(("19", "21", "68", "15", "70", "66", "23", "72"))
    return (
        rng.choice(letters)
        + rng.choice(letters)
        + year
        + " "
        + "".join(rng.choice(letters) for _ in range(3))
    )


def _written(rng: random.Random, plate: str) -> str:
    """A registration as someone might write it down: spacing, case, or only partly."""
    roll = rng.random()
    bare = plate.replace(" ", "")
    if roll < 0.55:
        return plate
    if roll < 0.7:
        return bare.lower()
    if roll < 0.85:
        position = rng.randrange(len(bare))
        return bare[:position] + "?" + bare[position + 1 :]
    return bare[:4] + "*"


def _phone(rng: random.Random, number: int | None = None) -> str:
    last = number if number is not None else rng.randrange(1000)
    style = rng.random()
    if style < 0.5:
        return f"07700 900{last:03d}"
    if style < 0.75:
        return f"+44 7700 900{last:03d}"
    return f"07700900{last:03d}"


def _handle(rng: random.Random, base: str) -> OnlineHandle:
    tag = "".join(ch for ch in base.lower() if ch in string.ascii_lowercase)[:6]
    return OnlineHandle(rng.choice(PLATFORMS), f"@{tag}_{rng.randrange(10, 99)}")


def _id(rng: random.Random) -> str:
    return uuid.UUID(int=rng.getrandbits(128), version=4).hex


def generate(
    *,
    people: int = 12,
    contacts: int = 150,
    observations_per_contact: float = 5.0,
    seed: int = 1,
    now: datetime | None = None,
) -> Caseload:
    rng = random.Random(seed)  # noqa: S311 (made-up data, not secrets)
    now = now or FIXED_NOW
    start = now - WINDOW

    young = []
    for n in range(people):
        first = FIRST_NAMES[n % len(FIRST_NAMES)]
        known_as = first if n < len(FIRST_NAMES) else f"{first} {n // len(FIRST_NAMES) + 1}"
        age = rng.randint(11, 17)
        if rng.random() < 0.75:
            born = now.date() - timedelta(days=age * 365 + rng.randrange(365))
            dob, estimate, recorded = born, None, None
        else:
            dob, estimate, recorded = None, age, (start + (now - start) / 3).date()
        young.append(
            YoungPerson(
                known_as=known_as,
                aliases=(f"{first} {rng.choice(SURNAMES)}",),
                agency_ref=f"DEMO-{n + 1:05d}",
                date_of_birth=dob,
                estimated_age=estimate,
                age_recorded_on=recorded,
                gender=rng.choice(("girl", "boy", "girl", "non-binary")),
                school=rng.choice(("Hillview Academy", "St Brigid's", "Rookwood High", "")),
                id=_id(rng),
            )
        )
    # Some go missing again and again; they carry most missing episodes.
    often_missing = {p.id for p in young[: max(1, people // 4)]}

    hot_plates = [_plate(rng) for _ in range(6)]
    hot_cars = [(plate, rng.choice(MAKES), rng.choice(COLOURS)) for plate in hot_plates]
    hot_places = list(PLACE_NAMES[:8])
    hot_adults = [
        _Adult(
            nickname,
            rng.randint(24, 48),
            f"07700 900{rng.randrange(1000):03d}",
            _handle(rng, nickname),
            rng.choice(("tall, beard, grey hoodie", "short, shaved head", "glasses, puffer coat")),
        )
        for nickname in ADULT_NICKNAMES[:6]
    ]
    kinds = [k for k, _ in KIND_WEIGHTS]
    weights = [w for _, w in KIND_WEIGHTS]

    def observation(kind: ObservationKind, at: datetime, yp_ids: tuple[str, ...]) -> Observation:
        hot = rng.random() < HOT_SHARE
        details: Details
        if kind is ObservationKind.VEHICLE:
            plate, (make, model), colour = (
                rng.choice(hot_cars)
                if hot
                else (_plate(rng), rng.choice(MAKES), rng.choice(COLOURS))
            )
            details = VehicleDetails(
                registration=_written(rng, plate),
                make=make,
                model=model,
                colour=colour,
                body_type=rng.choice(BODY_TYPES),
                taxi_firm=rng.choice(TAXI_FIRMS),
                driver=rng.choice(("older man", "man in his 30s", "not seen")),
                occupants=rng.choice(("", "two girls in the back", "driver only")),
                young_person_got_in_or_out=rng.choice((True, False, None)) if yp_ids else None,
            )
        elif kind is ObservationKind.PLACE:
            name, place_kind = rng.choice(hot_places if hot else PLACE_NAMES)
            details = PlaceDetails(
                name=name,
                place_kind=place_kind,
                area=rng.choice(AREAS),
                days_and_times=rng.choice(("Friday nights", "after school", "weekends, late")),
                what_happens=rng.choice(("cars stop briefly", "older men hang around", "")),
            )
        elif kind is ObservationKind.PERSON:
            adult = rng.choice(hot_adults)
            if not hot:
                adult = _Adult(
                    rng.choice(ADULT_NICKNAMES[6:]),
                    rng.randint(16, 50),
                    _phone(rng),
                    _handle(rng, rng.choice(ADULT_NICKNAMES)),
                    "not well seen",
                )
            number = int(adult.phone[-3:])
            details = PersonDetails(
                nicknames=(adult.nickname if rng.random() < 0.8 else adult.nickname.lower(),),
                approximate_age=adult.age,
                description=adult.description,
                phone_numbers=(_phone(rng, number),),
                handles=(adult.handle,) if rng.random() < 0.5 else (),
                role=rng.choice(("adult_of_concern", "adult_of_concern", "peer", "other")),
            )
        elif kind is ObservationKind.GIFT:
            details = GiftDetails(
                what=rng.choice(GIFTS),
                approximate_value=rng.choice(("", "£20", "£50", "£200")),
                from_whom=rng.choice(hot_adults).nickname if hot else rng.choice(("", "a friend")),
                expected_in_return=rng.choice(("", "nothing, they said", "to hold something")),
                explanation_given=rng.choice(("it was a present", "found it", "")),
            )
        elif kind is ObservationKind.PHONE:
            details = PhoneDetails(
                new_phone_or_sim=rng.choice((True, None)),
                several_phones=rng.choice((True, False, None)),
                numbers=(_phone(rng),),
                apps=(rng.choice(PLATFORMS),),
                handles=(_handle(rng, rng.choice(FIRST_NAMES)),),
            )
        elif kind is ObservationKind.MISSING:
            went = at - timedelta(hours=rng.randint(12, 96))
            back = went + timedelta(hours=rng.randint(3, 48))
            interview = back.date() + timedelta(days=rng.randint(1, 5))
            details = MissingDetails(
                went_missing=went,
                came_back=min(back, at),
                reported_missing=rng.choice((True, False)),
                where_found=rng.choice(hot_places)[0] if hot else rng.choice(AREAS),
                who_with=rng.choice(("", "older friends", rng.choice(hot_adults).nickname)),
                how_got_back=rng.choice(("walked", "dropped off by a car", "taxi", "")),
                return_interview_offered=rng.choice((True, False)),
                return_interview_on=interview if interview <= at.date() else None,
            )
        elif kind is ObservationKind.INJURY:
            marks = tuple(
                BodyMark(side, x, y, site, rng.choice(("", "2cm", "5cm")), "", "purple")
                for side, x, y, site in rng.sample(SITES, rng.randint(1, 3))
            )
            details = InjuryDetails(
                marks=marks,
                explanation_in_own_words=rng.choice(("I fell over", "it's nothing", "")),
                first_aid_or_medical=rng.choice(("", "advised GP", "first aid given")),
                # Most injuries have an action; a few are left for keep asking to raise.
                action=rng.choice(("medical", "referral", "medical", "")),
            )
        elif kind is ObservationKind.EDUCATION_ABSENCE:
            first_day: date = at.date() - timedelta(days=rng.randint(1, 10))
            details = EducationAbsenceDetails(
                absent_from=first_day,
                absent_to=first_day + timedelta(days=rng.randint(0, 3)),
                school=rng.choice(("Hillview Academy", "Rookwood High")),
                known_whereabouts=rng.choice(("", "seen in town in the daytime")),
            )
        else:
            details = SubstanceDetails(
                what=rng.choice(SUBSTANCES),
                supplied_by=rng.choice(("", "older lads", rng.choice(hot_adults).nickname)),
            )
        return Observation(
            details=details,
            provenance=rng.choice(tuple(Provenance)),
            seen_at=at - timedelta(minutes=rng.randint(0, 90)),
        )

    span = (now - start).total_seconds()
    moments = sorted(start + timedelta(seconds=rng.uniform(0, span)) for _ in range(contacts))
    made = []
    for at in moments:
        at = at.replace(microsecond=0)
        count = rng.choices((0, 1, 2, 3), weights=(1, 6, 2, 1))[0]
        involved = tuple(p.id for p in rng.sample(young, min(count, len(young))))
        n_obs = int(observations_per_contact)
        if rng.random() < observations_per_contact - n_obs:
            n_obs += 1
        chosen = rng.choices(kinds, weights=weights, k=n_obs)
        if not any(p in often_missing for p in involved):
            chosen = [k if k is not ObservationKind.MISSING else kinds[0] for k in chosen]
        names = [p.known_as for p in young if p.id in involved] or ["a young person"]
        car = rng.choice(hot_cars)
        narrative = rng.choice(NARRATIVES).format(
            yp=names[0],
            colour=car[2],
            make=car[1][0],
            place=rng.choice(hot_places)[0],
            hour=rng.randint(8, 11),
            area=rng.choice(AREAS),
            adult=rng.choice(hot_adults).nickname,
        )
        made.append(
            Contact(
                started_at=at,
                ended_at=at + timedelta(minutes=rng.choice((15, 30, 45)))
                if rng.random() < 0.5
                else None,
                kind=rng.choice(tuple(ContactKind)),
                place=rng.choice(hot_places)[0] if rng.random() < 0.6 else rng.choice(AREAS),
                people=involved,
                others_present=rng.choice(("", "", "two friends", "a cousin")),
                narrative=narrative,
                quotes=(Quote(rng.choice(QUOTES)),) if involved and rng.random() < 0.3 else (),
                instinct=rng.choice(INSTINCTS),
                observations=(observed := tuple(observation(k, at, involved) for k in chosen)),
                worry=rng.choice((1, 2, 3, 4, 5, 6, 7, 8, 9)) if rng.random() < 0.9 else None,
                instinct_skipped=False,
                indicators=tuple(
                    IndicatorMark(i, rng.choice(("yes", "possible")))
                    for i in proposed(observed)
                    if rng.random() < 0.6
                ),
            )
        )
    return Caseload(tuple(young), tuple(made))
