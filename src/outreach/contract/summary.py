"""The structured, data-minimised summary of one contact, as it travels to the hub.

A summary carries what a team lead needs to see a pattern and act on it, and no more:
references for young people rather than names (names only where the agency's policy sends
them), an area rather than an address, one line per observation, the things that may link
cases (registrations, numbers, handles, names of adults, places) for team-wide links, how
worried the worker is and their instinct. Narrative text stays in the vault.

Every string and list has a limit, every object forbids unknown keys, and numbers, flags
and times are strict: "3" is not 3, and 0 is not a time. Validate JSON with
``model_validate_json`` (strict times accept only text there). The hub refuses anything
else with 422.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal, TypeVar, get_args

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
)

SCHEMA_VERSION = 1
SCHEMA_ID = "https://outreach.invalid/contract/summary-v1.schema.json"

ContactKind = Literal["street", "drop_in", "phone", "online", "home_visit", "school", "other"]
ObservationKind = Literal[
    "vehicle",
    "place",
    "gift",
    "injury",
    "person",
    "missing",
    "education_absence",
    "phone",
    "substance",
]
Provenance = Literal["seen", "told_by_young_person", "told_by_other", "rumour"]
MentionKind = Literal["vehicle", "person", "phone", "handle", "place"]

# The same values as tuples (a test holds them to the app's enums and the links' kinds).
CONTACT_KINDS: tuple[str, ...] = get_args(ContactKind)
OBSERVATION_KINDS: tuple[str, ...] = get_args(ObservationKind)
PROVENANCES: tuple[str, ...] = get_args(Provenance)
MENTION_KINDS: tuple[str, ...] = get_args(MentionKind)


def _text(most: int, least: int = 0) -> object:
    return Field(min_length=least, max_length=most, strict=True)


_Moment = TypeVar("_Moment", bound=datetime | None)


def in_utc_range(moment: _Moment) -> _Moment:
    """The time unchanged, if it has one in UTC: the hub keeps every time in UTC, and the
    first hour of year 1 at +01:00, or the last of 9999 at -01:00, has none."""
    if moment is not None:
        try:
            moment.astimezone(UTC)
        except OverflowError:
            raise ValueError("the time is out of range: it has no time in UTC") from None
    return moment


# JSON carries a time as RFC 3339 text with its offset; a bare number is refused.
Moment = Annotated[AwareDatetime, Field(strict=True)]
# The contact's time, which the hub keeps in UTC to sort and filter by. Only incoming
# summaries need the check, but stored ones are read with the same model: other times
# are kept as sent, and a summary a hub took before the check must still read.
ContactMoment = Annotated[Moment, AfterValidator(in_utc_range)]
Ref = Annotated[str, _text(64, 1)]
Line = Annotated[str, _text(300)]
Tag = Annotated[str, _text(64, 1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class YoungPersonRef(_Strict):
    """A young person in the contact, by reference: the agency's if known, else the app's."""

    ref: Ref
    age: Annotated[StrictInt, Field(ge=0, le=30)] | None = None
    known_as: Annotated[str, _text(80)] | None = None  # only where policy sends names


# An observation's fields as structured data: the field's name as the app's model names it
# (``registration``, ``went_missing``, ...) and its value as text, a number, a flag or a
# list of short texts. Free text a worker typed is only here if they chose to send it.
FieldName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$", strict=True)]
FieldValue = (
    Annotated[str, _text(300)]
    | StrictBool
    | StrictInt
    | Annotated[list[Annotated[str, _text(120)]], Field(max_length=20)]
    | None
)


class ObservationLine(_Strict):
    kind: ObservationKind
    provenance: Provenance = "seen"
    seen_at: Moment | None = None
    summary: Line = ""  # one line, as the app shows it in a timeline
    details: Annotated[
        dict[FieldName, FieldValue],
        # pydantic writes the key pattern as patternProperties; other keys are refused too.
        Field(max_length=40, json_schema_extra={"additionalProperties": False}),
    ] = {}


class IncludedText(_Strict):
    """Narrative or the young person's own words, sent only where the worker chose the item
    and policy allows it."""

    kind: Literal["narrative", "their_words"]
    text: Annotated[str, _text(4000, 1)]


class Mention(_Strict):
    """Something written that may link this contact to others across the team."""

    kind: MentionKind
    text: Annotated[str, _text(120, 1)]
    extra: Annotated[str, _text(60)] = ""  # the platform of a handle, the area of a place


class Summary(_Strict):
    schema_version: Literal[1] = 1
    id: Annotated[str, Field(pattern=r"^[0-9a-f]{32}$", strict=True)]
    version: Annotated[StrictInt, Field(ge=1, le=10_000)] = 1
    contact_at: ContactMoment
    ended_at: Moment | None = None
    kind: ContactKind = "street"
    area: Annotated[str, _text(120)] = ""
    young_people: Annotated[list[YoungPersonRef], Field(max_length=30)] = []
    worry: Annotated[StrictInt, Field(ge=0, le=10)] | None = None
    concerns: Annotated[list[Tag], Field(max_length=60)] = []
    observations: Annotated[list[ObservationLine], Field(max_length=200)] = []
    mentions: Annotated[list[Mention], Field(max_length=300)] = []
    instinct: Annotated[str, _text(2000)] = ""
    instinct_skipped: StrictBool = False
    account: Annotated[str, _text(4000)] = ""  # the worker's own short account
    open_questions: Annotated[list[Line], Field(max_length=50)] = []
    nudges: Annotated[list[Tag], Field(max_length=30)] = []  # acknowledged nudges, by id
    included: Annotated[list[IncludedText], Field(max_length=20)] = []
    amend_reason: Annotated[str, _text(500)] = ""
    # How many times the language check flagged wording in the narrative and instinct when
    # the contact was filed: a practice-improvement figure for leads, never the words.
    language_prompts: Annotated[StrictInt, Field(ge=0, le=10_000)] = 0


class Submission(_Strict):
    """One request to submit a summary: the summary and the device's running number."""

    device_seq: Annotated[StrictInt, Field(ge=1, le=2**53)]
    summary: Summary


# --- what the hub answers ---------------------------------------------------------------


class Receipt(_Strict):
    summary_id: str
    version: int
    received_at: datetime
    device_seq: int
    superseded: bool  # a newer version of this summary had already arrived
    replaces: int | None = None  # the version this one supersedes, kept beside it
    missing_seqs: list[int] = []  # running numbers of this device the hub has not seen
    missing_more: int = 0  # further missing numbers beyond those listed


class Review(_Strict):
    id: int
    summary_id: str
    version: int
    outcome: Literal["approved", "needs_more", "escalated"]
    comment: str
    questions: list[str]
    reason: str
    reviewer: str
    recorded_at: datetime


class ReviewIn(_Strict):
    outcome: Literal["approved", "needs_more", "escalated"]
    comment: Annotated[str, _text(4000)] = ""
    questions: Annotated[list[Annotated[str, _text(300, 1)]], Field(max_length=30)] = []
    reason: Annotated[str, _text(1000)] = ""
    version: Annotated[StrictInt, Field(ge=1, le=10_000)] | None = None


class StoredSummary(_Strict):
    summary: Summary
    worker: str
    received_at: datetime
    current: bool  # no newer version has arrived


class SummaryPage(_Strict):
    items: list[StoredSummary]
    next_cursor: str | None


class FeedSummary(_Strict):
    """One version of one summary in a lead's team feed."""

    seq: int  # the hub's running number for this version: the feed's order and cursor
    summary: Summary
    worker: str
    received_at: datetime
    current: bool  # no newer version had arrived when the feed was read


class TeamFeed(_Strict):
    """Every version of every summary of the lead's team after ``after``, by ``seq``."""

    items: list[FeedSummary]  # ascending by seq
    next_after: int  # the last item's seq, or the ``after`` asked for when there are none


class SummaryHistory(_Strict):
    versions: list[StoredSummary]  # newest first
    reviews: list[Review]  # newest first


class TeamLink(_Strict):
    """Something seen with two or more young people, or by two or more workers.

    ``match`` is ``"same"`` when every mention behind the link is keyed ``key``. It is
    ``"possible"`` when they are keyed ``key`` or ``other_key``, which may be one thing or
    two (the app's possible match, for a person to decide): a place given with an area
    (``key``) and the same name given with no area (``other_key``). ``young_people``,
    ``workers``, ``summaries`` and ``last_at`` are then those of both. The hub sends
    ``match``, ``other_key`` and ``other_label`` only when asked for possible matches
    (``GET /v1/links?possible=true``): an app of an earlier version refuses them."""

    kind: MentionKind
    key: str
    label: str
    young_people: list[str]  # references
    workers: list[str]
    summaries: int
    last_at: datetime
    match: Literal["same", "possible"] = "same"
    other_key: str | None = None  # a possible match's other key; None when the same
    other_label: str | None = None


class Enrolment(_Strict):
    code: Annotated[str, _text(64, 1)]
    device_label: Annotated[str, _text(80)] = ""


class Enrolled(_Strict):
    device_id: str
    credential: str  # sent as "Authorization: Bearer <credential>"; the hub keeps a hash
    hub_key: str  # the hub's public key (base64 Ed25519) that signs wipe instructions
    user: str
    role: str
    team: str


class DeviceStatus(_Strict):
    device_id: str
    user: str
    role: str
    team: str
    last_seq: int
    missing_seqs: list[int]
    missing_more: int = 0


class Problem(_Strict):
    code: str  # stable and machine-readable: the app shows its own words for each
    detail: str  # in English, for a person reading logs or an integrator
