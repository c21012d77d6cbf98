"""From a sealed contact to the data-minimised summary the worker approves.

What goes: the young people by reference (the agency's, else a pseudonym made from the
vault's own id), their age on the day, names only where policy sends them; an area; the
observations' short structured fields; indicators, worry, instinct, open questions and
acknowledged nudges; the worker's own short account; and the things that may link cases.

What stays unless the worker includes it: the narrative, the young person's own words and
every several-line field of an observation (an explanation of an injury in the child's own
words, a description of a person). Each is offered as an ``Includable`` the worker ticks;
policy may forbid including any, or require all of them.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from outreach.contract.summary import (
    IncludedText,
    Mention,
    ObservationLine,
    Summary,
    YoungPersonRef,
)
from outreach.records.model import (
    BodyMark,
    FieldKind,
    Observation,
    OnlineHandle,
    SealedContact,
    YoungPerson,
    field_specs,
)
from outreach.records.store import mentions_of, summary_of

# The contract's limits, restated where the builder clips to them.
_LINE = 300
_LIST_ITEM = 120
_LIST_ITEMS = 20
_INCLUDED_TEXT = 4000
_ACCOUNT = 4000
_MENTION = 120
_MENTION_EXTRA = 60
_AREA = 120
_QUESTIONS = 50
_NUDGES = 30
_MENTIONS = 300
_OBSERVATIONS = 200
_YOUNG_PEOPLE = 30
_INCLUDED = 20
INCLUDED_MAX = _INCLUDED  # the approval screen says which pieces "always" leaves out
_LANGUAGE_PROMPTS = 10_000


class Sharing(enum.StrEnum):
    """Policy ``narrative_sharing``: what may leave the laptop beyond the structured data."""

    NEVER = "never"
    WORKER_CHOOSES = "worker_chooses"
    ALWAYS = "always"


@dataclass(frozen=True)
class Includable:
    """A piece of free text the worker may choose to send."""

    key: str  # "narrative", "quote:<n>", "field:<observation n>:<field name>"
    kind: str  # "narrative" or "their_words"
    label: str  # a field name or "" (the UI words it)
    text: str

    @property
    def too_long(self) -> bool:
        return len(self.text) > _INCLUDED_TEXT


@dataclass(frozen=True)
class Context:
    """What the builder reads from the vault beside the contact itself."""

    people: Mapping[str, YoungPerson]
    open_questions: Sequence[str] = ()
    acknowledged_nudges: Sequence[str] = ()


class CannotInclude(ValueError):
    """An item the worker chose cannot be sent: policy forbids it, or it is too long."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(key, reason)
        self.key = key
        self.reason = reason  # "policy_never", "too_long", "too_many" or "unknown"


def includable(sealed: SealedContact) -> list[Includable]:
    contact = sealed.contact
    items: list[Includable] = []
    if contact.narrative.strip():
        items.append(Includable("narrative", "narrative", "", contact.narrative))
    for n, quote in enumerate(contact.quotes):
        if quote.text.strip():
            items.append(Includable(f"quote:{n}", "their_words", quote.said_by, quote.text))
    for n, observation in enumerate(contact.observations):
        for spec in field_specs(observation.kind):
            value = getattr(observation.details, spec.name)
            if spec.kind is FieldKind.LONG_TEXT and value.strip():
                kind = "their_words" if spec.name.endswith("own_words") else "narrative"
                items.append(Includable(f"field:{n}:{spec.name}", kind, spec.name, value))
    return items


def pseudonym(person_id: str) -> str:
    """The reference of a young person with no agency reference: the vault's random id."""
    return f"local-{person_id}"


def reference(person: YoungPerson) -> str:
    return person.agency_ref.strip()[:64] or pseudonym(person.id)


def build(
    sealed: SealedContact,
    context: Context,
    *,
    version: int,
    account: str = "",
    include: Sequence[str] = (),
    names_sent: bool = False,
    sharing: Sharing = Sharing.WORKER_CHOOSES,
    language_prompts: int = 0,
) -> Summary:
    """The summary of ``sealed`` as the worker will see and approve it. ``language_prompts``
    is how many times the language check flagged the filed narrative and instinct (a
    count, never the words), clipped to what the contract carries."""
    contact = sealed.contact
    offered = {item.key: item for item in includable(sealed)}
    always = sharing is Sharing.ALWAYS
    if always:
        # Policy sends every piece, so no piece may stop the summary from going: each is
        # cut to what the contract carries, and no more go than it holds. The approval
        # screen shows the summary, so the worker sees exactly what goes.
        chosen = list(offered)[:_INCLUDED]
    elif sharing is Sharing.NEVER:
        if include:
            raise CannotInclude(include[0], "policy_never")
        chosen = []
    else:
        chosen = list(dict.fromkeys(include))
    included: list[IncludedText] = []
    for key in chosen:
        item = offered.get(key)
        if item is None:
            raise CannotInclude(key, "unknown")
        if item.too_long and not always:
            raise CannotInclude(key, "too_long")
        if len(included) == _INCLUDED:  # the contract carries no more
            raise CannotInclude(key, "too_many")
        text = clip(item.text, _INCLUDED_TEXT, one_line=False) if item.too_long else item.text
        included.append(IncludedText(kind=item.kind, text=text))
    day = contact.started_at.date()
    people = [context.people[pid] for pid in contact.people if pid in context.people]
    people = people[:_YOUNG_PEOPLE]
    return Summary(
        id=sealed.uid,
        version=version,
        contact_at=_aware(contact.started_at),
        ended_at=_aware(contact.ended_at) if contact.ended_at else None,
        kind=contact.kind.value,
        area=clip(contact.place, _AREA),
        young_people=[_person_ref(p, day, names_sent) for p in people],
        worry=contact.worry,
        concerns=_concerns(sealed),
        observations=[_line(o) for o in contact.observations[:_OBSERVATIONS]],
        mentions=_mentions(sealed),
        instinct=clip(contact.instinct, 2000, one_line=False),
        instinct_skipped=contact.instinct_skipped,
        account=clip(account.strip(), _ACCOUNT, one_line=False),
        open_questions=[clip(q, _LINE) for q in context.open_questions[:_QUESTIONS]],
        nudges=[n[:64] for n in dict.fromkeys(context.acknowledged_nudges) if n][:_NUDGES],
        included=included,
        amend_reason=clip(sealed.amend_reason, 500, one_line=False),
        language_prompts=min(max(language_prompts, 0), _LANGUAGE_PROMPTS),
    )


def _person_ref(person: YoungPerson, day: date, names_sent: bool) -> YoungPersonRef:
    age = person.age_on(day)
    return YoungPersonRef(
        ref=reference(person),
        age=age if age is not None and 0 <= age <= 30 else None,
        known_as=clip(person.known_as, 80) if names_sent else None,
    )


def _concerns(sealed: SealedContact) -> list[str]:
    """Indicators marked yes by id, and marked possible as ``id:possible``."""
    tags = []
    for mark in sealed.contact.indicators:
        if mark.state == "yes":
            tags.append(mark.indicator[:64])
        elif mark.state == "possible":
            tags.append(f"{mark.indicator[:55]}:possible")
    return list(dict.fromkeys(tags))[:60]


def _mentions(sealed: SealedContact) -> list[Mention]:
    found = []
    for mention in mentions_of(sealed.contact):
        text = clip(mention.text, _MENTION)
        if text:
            found.append(
                Mention(kind=mention.kind, text=text, extra=clip(mention.extra, _MENTION_EXTRA))
            )
    return list(dict.fromkeys(found))[:_MENTIONS]


def _line(observation: Observation) -> ObservationLine:
    details: dict[str, str | bool | int | list[str] | None] = {}
    for spec in field_specs(observation.kind):
        value = getattr(observation.details, spec.name)
        if spec.kind is FieldKind.LONG_TEXT or value in (None, "", ()):
            continue  # free text is an Includable; empty fields say nothing
        if spec.kind in (FieldKind.TEXT, FieldKind.CHOICE):
            details[spec.name] = clip(value, _LINE)
        elif spec.kind in (FieldKind.FLAG, FieldKind.NUMBER):
            details[spec.name] = value
        elif spec.kind is FieldKind.DATE:
            details[spec.name] = value.isoformat()
        elif spec.kind is FieldKind.DATETIME:
            details[spec.name] = _aware(value).isoformat()
        elif spec.kind is FieldKind.LINES:
            details[spec.name] = _items(value)
        elif spec.kind is FieldKind.HANDLES:
            details[spec.name] = _items(_handle(h) for h in value)
        elif spec.kind is FieldKind.MARKS:
            details[spec.name] = _items(_mark(m) for m in value)
    return ObservationLine(
        kind=observation.kind.value,
        provenance=observation.provenance.value,
        seen_at=_aware(observation.seen_at) if observation.seen_at else None,
        summary=summary_of(observation.details, _LINE),
        details=details,
    )


def _handle(handle: OnlineHandle) -> str:
    return f"{handle.platform}: {handle.handle}" if handle.platform else handle.handle


def _mark(mark: BodyMark) -> str:
    parts = [mark.site or mark.side, mark.size, mark.shape, mark.colour]
    if mark.skin_broken:
        parts.append("skin broken")
    return ", ".join(p for p in parts if p)


def _items(values: Iterable[object]) -> list[str]:
    cleaned = [clip(str(v), _LIST_ITEM) for v in values]
    return [v for v in cleaned if v][:_LIST_ITEMS]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def clip(text: str, limit: int, *, one_line: bool = True) -> str:
    text = " ".join(text.split()) if one_line else text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
