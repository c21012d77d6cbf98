"""The domain: young people, contacts, quotes and typed observations.

Plain frozen dataclasses. Each observation kind has its own details class whose fields
carry a ``FieldKind`` in their metadata, so the editor can build a form for any kind and
the search index can find its text, without a second list of fields to keep in step.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar


class FieldKind(StrEnum):
    TEXT = "text"  # one line
    LONG_TEXT = "long_text"  # several lines
    CHOICE = "choice"  # one of ``choices``
    FLAG = "flag"  # yes / no / not known (None)
    DATE = "date"
    DATETIME = "datetime"
    NUMBER = "number"  # a whole number, or None
    LINES = "lines"  # several short entries, one per line (phone numbers, nicknames)
    HANDLES = "handles"  # online handles with their platform
    MARKS = "marks"  # body-map marks


def _f(kind: FieldKind, default: Any = "", choices: tuple[str, ...] = ()) -> Any:
    factory: Any
    if kind in (FieldKind.LINES, FieldKind.HANDLES, FieldKind.MARKS):
        return field(default=(), metadata={"kind": kind, "choices": choices})
    if kind in (FieldKind.FLAG, FieldKind.DATE, FieldKind.DATETIME, FieldKind.NUMBER):
        factory = None
    else:
        factory = default
    return field(default=factory, metadata={"kind": kind, "choices": choices})


class Provenance(StrEnum):
    SEEN = "seen"  # seen myself
    TOLD_BY_YOUNG_PERSON = "told_by_young_person"
    TOLD_BY_OTHER = "told_by_other"
    RUMOUR = "rumour"


class ContactKind(StrEnum):
    STREET = "street"
    DROP_IN = "drop_in"
    PHONE = "phone"
    ONLINE = "online"
    HOME_VISIT = "home_visit"
    SCHOOL = "school"
    OTHER = "other"


class ObservationKind(StrEnum):
    VEHICLE = "vehicle"
    PLACE = "place"
    GIFT = "gift"
    INJURY = "injury"
    PERSON = "person"
    MISSING = "missing"
    EDUCATION_ABSENCE = "education_absence"
    PHONE = "phone"
    SUBSTANCE = "substance"


class PersonStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


# --- observation details: one class per kind -------------------------------------------

BODY_SIDES = ("front", "back")


@dataclass(frozen=True)
class BodyMark:
    """One mark on the body map. x and y are fractions (0 to 1) of the outline's box."""

    side: str  # "front" or "back"
    x: float
    y: float
    site: str = ""  # e.g. "left forearm"; the map proposes one from where it was placed
    size: str = ""
    shape: str = ""
    colour: str = ""
    skin_broken: bool | None = None


@dataclass(frozen=True)
class OnlineHandle:
    platform: str
    handle: str


@dataclass(frozen=True)
class VehicleDetails:
    kind: ClassVar[ObservationKind] = ObservationKind.VEHICLE
    registration: str = _f(FieldKind.TEXT)  # full or partial: ? one unknown, * any run
    make: str = _f(FieldKind.TEXT)
    model: str = _f(FieldKind.TEXT)
    colour: str = _f(FieldKind.TEXT)
    body_type: str = _f(
        FieldKind.CHOICE,
        choices=("", "hatchback", "saloon", "estate", "people_carrier", "suv", "van", "other"),
    )
    distinguishing_marks: str = _f(FieldKind.TEXT)
    taxi_firm: str = _f(FieldKind.TEXT)
    driver: str = _f(FieldKind.TEXT)
    occupants: str = _f(FieldKind.TEXT)
    direction: str = _f(FieldKind.TEXT)
    young_person_got_in_or_out: bool | None = _f(FieldKind.FLAG)


@dataclass(frozen=True)
class PlaceDetails:
    kind: ClassVar[ObservationKind] = ObservationKind.PLACE
    name: str = _f(FieldKind.TEXT)
    place_kind: str = _f(
        FieldKind.CHOICE,
        choices=(
            "",
            "takeaway",
            "hotel",
            "park",
            "house_or_flat",
            "taxi_office",
            "car_park",
            "station",
            "shop",
            "other",
        ),
    )
    area: str = _f(FieldKind.TEXT)
    days_and_times: str = _f(FieldKind.TEXT)
    what_happens: str = _f(FieldKind.LONG_TEXT)


@dataclass(frozen=True)
class GiftDetails:
    kind: ClassVar[ObservationKind] = ObservationKind.GIFT
    what: str = _f(
        FieldKind.CHOICE,
        choices=(
            "",
            "phone",
            "sim",
            "money",
            "clothes",
            "jewellery",
            "alcohol",
            "drugs",
            "cigarettes",
            "food",
            "lifts",
            "other",
        ),
    )
    description: str = _f(FieldKind.TEXT)
    approximate_value: str = _f(FieldKind.TEXT)
    from_whom: str = _f(FieldKind.TEXT)
    expected_in_return: str = _f(FieldKind.TEXT)
    explanation_given: str = _f(FieldKind.LONG_TEXT)


@dataclass(frozen=True)
class InjuryDetails:
    kind: ClassVar[ObservationKind] = ObservationKind.INJURY
    marks: tuple[BodyMark, ...] = _f(FieldKind.MARKS)
    explanation_in_own_words: str = _f(FieldKind.LONG_TEXT)  # verbatim, never altered
    first_aid_or_medical: str = _f(FieldKind.TEXT)
    who_was_informed: str = _f(FieldKind.TEXT)
    # What was done: an injury with none recorded stays at the top of keep asking.
    action: str = _f(FieldKind.CHOICE, choices=("", "medical", "referral", "none"))
    no_action_reason: str = _f(FieldKind.TEXT)

    @property
    def action_recorded(self) -> bool:
        return self.action in ("medical", "referral") or (
            self.action == "none" and bool(self.no_action_reason.strip())
        )


@dataclass(frozen=True)
class PersonDetails:
    kind: ClassVar[ObservationKind] = ObservationKind.PERSON
    name: str = _f(FieldKind.TEXT)
    nicknames: tuple[str, ...] = _f(FieldKind.LINES)
    approximate_age: int | None = _f(FieldKind.NUMBER)
    description: str = _f(FieldKind.LONG_TEXT)
    clothing_or_uniform: str = _f(FieldKind.TEXT)
    phone_numbers: tuple[str, ...] = _f(FieldKind.LINES)
    handles: tuple[OnlineHandle, ...] = _f(FieldKind.HANDLES)
    role: str = _f(FieldKind.CHOICE, choices=("", "adult_of_concern", "peer", "family", "other"))
    linked_vehicles: tuple[str, ...] = _f(FieldKind.LINES)
    linked_places: tuple[str, ...] = _f(FieldKind.LINES)


@dataclass(frozen=True)
class MissingDetails:
    kind: ClassVar[ObservationKind] = ObservationKind.MISSING
    went_missing: datetime | None = _f(FieldKind.DATETIME)
    came_back: datetime | None = _f(FieldKind.DATETIME)
    reported_missing: bool | None = _f(FieldKind.FLAG)
    where_found: str = _f(FieldKind.TEXT)
    who_with: str = _f(FieldKind.TEXT)
    how_got_back: str = _f(FieldKind.TEXT)
    brought_home_by: str = _f(FieldKind.TEXT)
    return_interview_offered: bool | None = _f(FieldKind.FLAG)
    return_interview_on: date | None = _f(FieldKind.DATE)


@dataclass(frozen=True)
class EducationAbsenceDetails:
    kind: ClassVar[ObservationKind] = ObservationKind.EDUCATION_ABSENCE
    absent_from: date | None = _f(FieldKind.DATE)
    absent_to: date | None = _f(FieldKind.DATE)
    school: str = _f(FieldKind.TEXT)
    known_whereabouts: str = _f(FieldKind.TEXT)


@dataclass(frozen=True)
class PhoneDetails:
    kind: ClassVar[ObservationKind] = ObservationKind.PHONE
    new_phone_or_sim: bool | None = _f(FieldKind.FLAG)
    several_phones: bool | None = _f(FieldKind.FLAG)
    numbers: tuple[str, ...] = _f(FieldKind.LINES)
    apps: tuple[str, ...] = _f(FieldKind.LINES)
    handles: tuple[OnlineHandle, ...] = _f(FieldKind.HANDLES)


@dataclass(frozen=True)
class SubstanceDetails:
    kind: ClassVar[ObservationKind] = ObservationKind.SUBSTANCE
    what: str = _f(FieldKind.TEXT)
    supplied_by: str = _f(FieldKind.TEXT)


Details = (
    VehicleDetails
    | PlaceDetails
    | GiftDetails
    | InjuryDetails
    | PersonDetails
    | MissingDetails
    | EducationAbsenceDetails
    | PhoneDetails
    | SubstanceDetails
)

DETAILS_BY_KIND: Mapping[ObservationKind, type[Details]] = {
    cls.kind: cls
    for cls in (
        VehicleDetails,
        PlaceDetails,
        GiftDetails,
        InjuryDetails,
        PersonDetails,
        MissingDetails,
        EducationAbsenceDetails,
        PhoneDetails,
        SubstanceDetails,
    )
}


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: FieldKind
    choices: tuple[str, ...]


@functools.cache
def field_specs(kind: ObservationKind) -> tuple[FieldSpec, ...]:
    """The fields of one observation kind, in the order a form shows them."""
    return tuple(
        FieldSpec(f.name, f.metadata["kind"], f.metadata["choices"])
        for f in dataclasses.fields(DETAILS_BY_KIND[kind])
    )


def text_of(details: Details) -> Iterator[str]:
    """Every piece of free text in the details, for the search index."""
    for spec in field_specs(details.kind):
        value = getattr(details, spec.name)
        if spec.kind in (FieldKind.TEXT, FieldKind.LONG_TEXT, FieldKind.CHOICE) and value:
            yield str(value)
        elif spec.kind is FieldKind.LINES:
            yield from (line for line in value if line)
        elif spec.kind is FieldKind.HANDLES:
            yield from (f"{h.platform} {h.handle}".strip() for h in value)
        elif spec.kind is FieldKind.MARKS:
            for mark in value:
                yield from (part for part in (mark.site, mark.shape, mark.colour) if part)


# --- records ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Observation:
    details: Details
    provenance: Provenance = Provenance.SEEN
    seen_at: datetime | None = None

    @property
    def kind(self) -> ObservationKind:
        return self.details.kind


@dataclass(frozen=True)
class Quote:
    """The young person's own words, kept exactly as typed and shown apart."""

    text: str
    said_by: str = ""  # who said it; empty means the young person in the contact


QUESTION_STATUSES = ("open", "asked", "answered", "declined", "not_now")


@dataclass(frozen=True)
class QuestionUpdate:
    """What happened to a keep-asking question in this contact, or a new one."""

    person_id: str
    status: str  # one of QUESTION_STATUSES; anything but "answered" carries forward
    question_id: str = ""  # empty for a question the worker writes now
    answer: str = ""  # recorded here when answered
    text: str = ""  # the question, for a new one


@dataclass(frozen=True)
class IndicatorMark:
    indicator: str  # an id from resources/prompts/indicators.toml
    state: str  # "yes", "possible" or "no"


@dataclass(frozen=True)
class Contact:
    """What the worker fills in. Sealed contacts come back as ``SealedContact``."""

    started_at: datetime
    kind: ContactKind = ContactKind.STREET
    ended_at: datetime | None = None
    place: str = ""
    people: tuple[str, ...] = ()  # young person ids
    others_present: str = ""
    narrative: str = ""
    quotes: tuple[Quote, ...] = ()
    instinct: str = ""  # the worker's own sense of it, why, kept apart from evidence
    observations: tuple[Observation, ...] = ()
    worry: int | None = None  # how worried am I, 0 to 10
    instinct_skipped: bool = False  # one click: recorded as skipped, not as nothing
    indicators: tuple[IndicatorMark, ...] = ()
    questions: tuple[QuestionUpdate, ...] = ()


@dataclass(frozen=True)
class SealedContact:
    uid: str
    version: int
    contact: Contact
    sealed_at: datetime
    amend_reason: str = ""  # why this version replaced the one before; empty for the first


@dataclass(frozen=True)
class YoungPerson:
    known_as: str
    aliases: tuple[str, ...] = ()
    agency_ref: str = ""
    date_of_birth: date | None = None
    estimated_age: int | None = None  # when the date of birth is not known
    age_recorded_on: date | None = None  # the day estimated_age was true
    gender: str = ""
    school: str = ""
    status: PersonStatus = PersonStatus.OPEN
    notes: str = ""
    id: str = ""  # given by the store

    def age_on(self, day: date) -> int | None:
        """Age in whole years on ``day``: exact from a date of birth, else estimated."""
        if self.date_of_birth is not None:
            return _years_between(self.date_of_birth, day)
        if self.estimated_age is not None:
            since = self.age_recorded_on or day
            return self.estimated_age + max(0, _years_between(since, day))
        return None

    @property
    def age_is_estimated(self) -> bool:
        return self.date_of_birth is None and self.estimated_age is not None


def _years_between(start: date, end: date) -> int:
    years = end.year - start.year
    if (end.month, end.day) < (start.month, start.day):
        years -= 1
    return years
