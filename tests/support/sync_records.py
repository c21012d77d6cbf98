"""A made-up contact with every kind of free text, each piece marked with its own word.

Each marker is a nonsense word no structured field carries, so finding it anywhere in a
summary's JSON (or in the vault's tables) means that piece of text went there.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from outreach.records.model import (
    BodyMark,
    Contact,
    ContactKind,
    GiftDetails,
    IndicatorMark,
    InjuryDetails,
    Observation,
    OnlineHandle,
    PersonDetails,
    PlaceDetails,
    Provenance,
    QuestionUpdate,
    Quote,
    VehicleDetails,
    YoungPerson,
)
from outreach.records.store import RecordStore
from outreach.vault.database import Database

NOW = datetime(2026, 3, 14, 22, 30, tzinfo=UTC)

# Free text and where it was written.
NARRATIVE = "Marmalopus"
QUOTE = "Periwinkum"
OTHERS = "Snorklewig"
INSTINCT = "Quibbletoe"
EXPLANATION = "Flapdoodlex"  # injury: explanation_in_own_words
DESCRIPTION = "Grumbleweed"  # person: description
WHAT_HAPPENS = "Wobblefrond"  # place: what_happens
GIFT_EXPLANATION = "Trundlebix"  # gift: explanation_given
ANSWER = "Zanzibunk"  # an answer given to a keep-asking question

FREE_TEXT = (NARRATIVE, QUOTE, OTHERS, INSTINCT, EXPLANATION, DESCRIPTION, WHAT_HAPPENS,
             GIFT_EXPLANATION, ANSWER)  # fmt: skip

# Short, structured fields that do go (and that the links are made from).
REGISTRATION = "AB12 CDE"
ADULT = "Uncle Moth"
PHONE = "07700 900123"
PLACE = "Golden Spoon Takeaway"

KNOWN_AS = ("Zibbyqua", "Tovequist")  # young people's names: only with names_sent
AGENCY_REF = "YP-0042"


def people(store: RecordStore) -> tuple[YoungPerson, YoungPerson]:
    """One young person with an agency reference, one without."""
    first = store.add_person(
        YoungPerson(KNOWN_AS[0], agency_ref=AGENCY_REF, date_of_birth=date(2012, 5, 1))
    )
    second = store.add_person(
        YoungPerson(KNOWN_AS[1], estimated_age=15, age_recorded_on=date(2026, 1, 1))
    )
    return first, second


def rich_contact(person_ids: tuple[str, ...], *, hours_ago: int = 3, **changes: Any) -> Contact:
    at = NOW - timedelta(hours=hours_ago)
    fields: dict[str, Any] = {
        "started_at": at,
        "ended_at": at + timedelta(minutes=40),
        "kind": ContactKind.STREET,
        "place": "Northfield",
        "people": person_ids,
        "others_present": f"{OTHERS} and a cousin",
        "narrative": f"Met by the bins. {NARRATIVE} said very little.\nLeft at nine.",
        "quotes": (Quote(f"he buys me {QUOTE} stuff"), Quote(f"{QUOTE} again", "a friend")),
        "instinct": f"Something is off, {INSTINCT}.",
        "worry": 7,
        "indicators": (IndicatorMark("older_boyfriend", "yes"), IndicatorMark("gifts", "possible")),
        "observations": (
            Observation(
                VehicleDetails(registration=REGISTRATION, colour="silver", make="Vauxhall"),
                Provenance.SEEN,
                at,
            ),
            Observation(
                InjuryDetails(
                    marks=(BodyMark("front", 0.3, 0.5, "left forearm", "2cm", "", "purple"),),
                    explanation_in_own_words=f"I fell off a wall, {EXPLANATION}",
                    action="medical",
                ),
                Provenance.SEEN,
            ),
            Observation(
                PersonDetails(
                    nicknames=(ADULT,),
                    approximate_age=35,
                    description=f"Tall, beard, {DESCRIPTION} coat",
                    phone_numbers=(PHONE,),
                    handles=(OnlineHandle("snapchat", "@moth_99"),),
                    role="adult_of_concern",
                ),
                Provenance.TOLD_BY_YOUNG_PERSON,
            ),
            Observation(
                PlaceDetails(
                    name=PLACE,
                    place_kind="takeaway",
                    area="Northfield",
                    what_happens=f"Cars stop, {WHAT_HAPPENS}",
                )
            ),
            Observation(
                GiftDetails(what="phone", explanation_given=f"a present, {GIFT_EXPLANATION}")
            ),
        ),
    }
    fields.update(changes)
    return Contact(**fields)


def answering(store: RecordStore, person_id: str) -> QuestionUpdate:
    """An answer, with its marked text, to the first open question of ``person_id``."""
    from outreach.records.keep_asking import KeepAsking

    question = KeepAsking(store.db).open_questions([person_id])[0]
    return QuestionUpdate(person_id, "answered", question.id, answer=f"Yes: {ANSWER}")


def every_text(db: Database) -> str:
    """Every value in every table of the vault, FTS5's own tables included, as one text."""
    tables = [name for (name,) in db.query("SELECT name FROM sqlite_master WHERE type = 'table'")]
    parts = []
    for table in tables:
        for row in db.query(f'SELECT * FROM "{table}"'):  # noqa: S608 - names from the schema
            for value in row:
                if isinstance(value, bytes):
                    parts.append(value.decode("utf-8", "replace"))
                elif value is not None:
                    parts.append(str(value))
    return "\n".join(parts)


def left_in_vault(db: Database, words: tuple[str, ...] = FREE_TEXT) -> list[str]:
    """Which of ``words`` are still somewhere in the vault (any case: the search index
    keeps its words in lower case)."""
    text = every_text(db).lower()
    return [word for word in words if word.lower() in text]
