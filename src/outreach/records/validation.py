"""Checks made before a record is filed. Each problem names its field and a code.

The wording is the app's job (it translates codes into sentences); a problem never
changes what was typed: the editor keeps the text and its draft until it is fixed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from outreach.records.model import (
    QUESTION_STATUSES,
    Contact,
    EducationAbsenceDetails,
    FieldKind,
    MissingDetails,
    Observation,
    YoungPerson,
    field_specs,
)
from outreach.vault.audit import utc_now

SHORT_TEXT_LIMIT = 1_000
LONG_TEXT_LIMIT = 50_000
# A laptop clock a few minutes fast must not refuse a contact typed just now.
CLOCK_SLACK = timedelta(minutes=10)
YOUNGEST_PLAUSIBLE = 5
OLDEST_PLAUSIBLE = 25  # services may work with care leavers up to 25


@dataclass(frozen=True)
class Problem:
    field: str  # "started_at", "narrative", "observations.2.came_back", ...
    code: str  # "future", "end_before_start", "too_long", "implausible_age", "required", ...
    limit: int = 0  # the limit broken, for "too_long" and "implausible_age"


# Search marks its matches with these; typed text never carries them.
MATCH_START, MATCH_END = "\ue000", "\ue001"


def clean_text(text: str) -> str:
    """Text as it is stored: exactly as typed, less control characters other than tab and
    newline (a NUL or a stray escape is never meant) and the search's match marks.

    Emoji, right-to-left scripts and combining marks are kept as they are, unnormalised:
    a young person's words are never altered.
    """
    if text.isprintable():
        return text
    return "".join(
        ch
        for ch in text
        if ch in "\t\n"
        or (unicodedata.category(ch) not in ("Cc", "Cs") and ch not in (MATCH_START, MATCH_END))
    )


def _text_problems(name: str, value: str, *, long: bool) -> Iterator[Problem]:
    limit = LONG_TEXT_LIMIT if long else SHORT_TEXT_LIMIT
    if len(value) > limit:
        yield Problem(name, "too_long", limit)


def check_person(person: YoungPerson, *, today: date) -> list[Problem]:
    problems: list[Problem] = []
    if not person.known_as.strip():
        problems.append(Problem("known_as", "required"))
    for name in ("known_as", "agency_ref", "gender", "school"):
        problems.extend(_text_problems(name, getattr(person, name), long=False))
    problems.extend(_text_problems("notes", person.notes, long=True))
    for alias in person.aliases:
        problems.extend(_text_problems("aliases", alias, long=False))
    if person.date_of_birth is not None and person.date_of_birth > today:
        problems.append(Problem("date_of_birth", "future"))
    else:
        age = person.age_on(today)
        if age is not None and not YOUNGEST_PLAUSIBLE <= age <= OLDEST_PLAUSIBLE:
            field = "date_of_birth" if person.date_of_birth else "estimated_age"
            limit = YOUNGEST_PLAUSIBLE if age < YOUNGEST_PLAUSIBLE else OLDEST_PLAUSIBLE
            problems.append(Problem(field, "implausible_age", limit))
    return problems


def check_contact(contact: Contact, *, now: Callable[[], datetime] = utc_now) -> list[Problem]:
    latest = now() + CLOCK_SLACK
    problems: list[Problem] = []
    if contact.started_at > latest:
        problems.append(Problem("started_at", "future"))
    if contact.ended_at is not None:
        if contact.ended_at < contact.started_at:
            problems.append(Problem("ended_at", "end_before_start"))
        elif contact.ended_at > latest:
            problems.append(Problem("ended_at", "future"))
    for name in ("place", "others_present"):
        problems.extend(_text_problems(name, getattr(contact, name), long=False))
    for name in ("narrative", "instinct"):
        problems.extend(_text_problems(name, getattr(contact, name), long=True))
    for index, quote in enumerate(contact.quotes):
        if not quote.text.strip():
            problems.append(Problem(f"quotes.{index}.text", "required"))
        problems.extend(_text_problems(f"quotes.{index}.text", quote.text, long=True))
        problems.extend(_text_problems(f"quotes.{index}.said_by", quote.said_by, long=False))
    for index, observation in enumerate(contact.observations):
        problems.extend(_observation_problems(f"observations.{index}", observation, latest))
    if contact.worry is not None and not 0 <= contact.worry <= 10:
        problems.append(Problem("worry", "out_of_range", 10))
    for index, mark in enumerate(contact.indicators):
        if mark.state not in ("yes", "possible", "no"):
            problems.append(Problem(f"indicators.{index}", "unknown_value"))
    for index, update in enumerate(contact.questions):
        name = f"questions.{index}"
        if update.status not in QUESTION_STATUSES:
            problems.append(Problem(name, "unknown_value"))
        elif update.status == "answered" and not update.answer.strip():
            problems.append(Problem(f"{name}.answer", "required"))
        if not update.question_id and not update.text.strip():
            problems.append(Problem(f"{name}.text", "required"))
        problems.extend(_text_problems(f"{name}.answer", update.answer, long=True))
        problems.extend(_text_problems(f"{name}.text", update.text, long=False))
    return problems


def check_instinct(contact: Contact) -> list[Problem]:
    """Every contact ends with the worker's instinct: a worry from 0 to 10, or skipped."""
    if contact.worry is None and not contact.instinct_skipped:
        return [Problem("worry", "required")]
    return []


def _observation_problems(prefix: str, observation: Observation, latest: datetime) -> list[Problem]:
    problems: list[Problem] = []
    if observation.seen_at is not None and observation.seen_at > latest:
        problems.append(Problem(f"{prefix}.seen_at", "future"))
    details = observation.details
    for spec in field_specs(details.kind):
        value = getattr(details, spec.name)
        name = f"{prefix}.{spec.name}"
        if spec.kind in (FieldKind.TEXT, FieldKind.LONG_TEXT):
            problems.extend(_text_problems(name, value, long=spec.kind is FieldKind.LONG_TEXT))
        elif spec.kind is FieldKind.LINES:
            for line in value:
                problems.extend(_text_problems(name, line, long=False))
        elif spec.kind in (FieldKind.DATETIME, FieldKind.DATE) and value is not None:
            if value > (latest if spec.kind is FieldKind.DATETIME else latest.date()):
                problems.append(Problem(name, "future"))
        elif spec.kind is FieldKind.NUMBER and value is not None and not 0 <= value <= 120:
            problems.append(Problem(name, "implausible_age", 120))
    if isinstance(details, MissingDetails):
        if details.went_missing and details.came_back and details.came_back < details.went_missing:
            problems.append(Problem(f"{prefix}.came_back", "end_before_start"))
    elif (
        isinstance(details, EducationAbsenceDetails)
        and details.absent_from
        and details.absent_to
        and details.absent_to < details.absent_from
    ):
        problems.append(Problem(f"{prefix}.absent_to", "end_before_start"))
    return problems
