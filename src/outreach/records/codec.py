"""Records to and from JSON-ready values: observation details in the vault, editor drafts.

Reading is forgiving in one way only: a field the app no longer knows is dropped and a
missing one takes its default, so a draft written by an older version still opens.
Anything of the wrong type raises ``ValueError``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from outreach.records.model import (
    DETAILS_BY_KIND,
    BodyMark,
    Contact,
    ContactKind,
    Details,
    FieldKind,
    IndicatorMark,
    Observation,
    ObservationKind,
    OnlineHandle,
    Provenance,
    QuestionUpdate,
    Quote,
    field_specs,
)

JsonValue = Any


def utc_stamp(moment: datetime) -> str:
    """UTC with a fixed width, so that text order is time order (how the vault stores times)."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse_time(value: object) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError("a time must be text")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("a time must carry its offset")
    return parsed


def _parse_date(value: object) -> date | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError("a date must be text")
    return date.fromisoformat(value)


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("expected text")
    return value


def _texts(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ValueError("expected a list")
    return tuple(_text(item) for item in value)


def _flag(value: object) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise ValueError("expected yes, no or not known")


def _number(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("expected a whole number")
    return value


def details_to_json(details: Details) -> dict[str, JsonValue]:
    out: dict[str, JsonValue] = {}
    for spec in field_specs(details.kind):
        value = getattr(details, spec.name)
        if spec.kind is FieldKind.DATETIME:
            out[spec.name] = _time(value)
        elif spec.kind is FieldKind.DATE:
            out[spec.name] = value.isoformat() if value is not None else None
        elif spec.kind is FieldKind.LINES:
            out[spec.name] = list(value)
        elif spec.kind is FieldKind.HANDLES:
            out[spec.name] = [{"platform": h.platform, "handle": h.handle} for h in value]
        elif spec.kind is FieldKind.MARKS:
            out[spec.name] = [_mark_to_json(mark) for mark in value]
        else:
            out[spec.name] = value
    return out


def _mark_to_json(mark: BodyMark) -> dict[str, JsonValue]:
    return {
        "side": mark.side,
        "x": mark.x,
        "y": mark.y,
        "site": mark.site,
        "size": mark.size,
        "shape": mark.shape,
        "colour": mark.colour,
        "skin_broken": mark.skin_broken,
    }


def _mark_from_json(raw: object) -> BodyMark:
    if not isinstance(raw, dict):
        raise ValueError("a body-map mark must be an object")
    x, y = raw.get("x"), raw.get("y")
    if not isinstance(x, int | float) or not isinstance(y, int | float):
        raise ValueError("a body-map mark needs a position")
    return BodyMark(
        side=_text(raw.get("side", "front")),
        x=float(x),
        y=float(y),
        site=_text(raw.get("site", "")),
        size=_text(raw.get("size", "")),
        shape=_text(raw.get("shape", "")),
        colour=_text(raw.get("colour", "")),
        skin_broken=_flag(raw.get("skin_broken")),
    )


def _handle_from_json(raw: object) -> OnlineHandle:
    if not isinstance(raw, dict):
        raise ValueError("a handle must be an object")
    return OnlineHandle(_text(raw.get("platform", "")), _text(raw.get("handle", "")))


def details_from_json(kind: ObservationKind, raw: object) -> Details:
    if not isinstance(raw, dict):
        raise ValueError("observation details must be an object")
    values: dict[str, Any] = {}
    for spec in field_specs(kind):
        if spec.name not in raw:
            continue
        value = raw[spec.name]
        if spec.kind is FieldKind.DATETIME:
            values[spec.name] = _parse_time(value)
        elif spec.kind is FieldKind.DATE:
            values[spec.name] = _parse_date(value)
        elif spec.kind is FieldKind.LINES:
            values[spec.name] = _texts(value)
        elif spec.kind is FieldKind.HANDLES:
            values[spec.name] = tuple(_handle_from_json(item) for item in _list(value))
        elif spec.kind is FieldKind.MARKS:
            values[spec.name] = tuple(_mark_from_json(item) for item in _list(value))
        elif spec.kind is FieldKind.FLAG:
            values[spec.name] = _flag(value)
        elif spec.kind is FieldKind.NUMBER:
            values[spec.name] = _number(value)
        else:
            values[spec.name] = _text(value)
    return DETAILS_BY_KIND[kind](**values)


def _list(value: object) -> list[object]:
    if not isinstance(value, list):
        raise ValueError("expected a list")
    return value


def observation_to_json(observation: Observation) -> dict[str, JsonValue]:
    return {
        "kind": observation.kind.value,
        "provenance": observation.provenance.value,
        "seen_at": _time(observation.seen_at),
        "details": details_to_json(observation.details),
    }


def observation_from_json(raw: object) -> Observation:
    if not isinstance(raw, dict):
        raise ValueError("an observation must be an object")
    kind = ObservationKind(_text(raw.get("kind")))
    return Observation(
        details=details_from_json(kind, raw.get("details", {})),
        provenance=Provenance(raw.get("provenance", Provenance.SEEN.value)),
        seen_at=_parse_time(raw.get("seen_at")),
    )


def contact_to_json(contact: Contact) -> dict[str, JsonValue]:
    return {
        "started_at": _time(contact.started_at),
        "ended_at": _time(contact.ended_at),
        "kind": contact.kind.value,
        "place": contact.place,
        "people": list(contact.people),
        "others_present": contact.others_present,
        "narrative": contact.narrative,
        "quotes": [{"text": q.text, "said_by": q.said_by} for q in contact.quotes],
        "instinct": contact.instinct,
        "observations": [observation_to_json(o) for o in contact.observations],
        "worry": contact.worry,
        "instinct_skipped": contact.instinct_skipped,
        "indicators": [{"indicator": m.indicator, "state": m.state} for m in contact.indicators],
        "questions": [
            {
                "person_id": q.person_id,
                "status": q.status,
                "question_id": q.question_id,
                "answer": q.answer,
                "text": q.text,
            }
            for q in contact.questions
        ],
    }


def contact_from_json(raw: object) -> Contact:
    if not isinstance(raw, dict):
        raise ValueError("a contact must be an object")
    started = _parse_time(raw.get("started_at"))
    if started is None:
        raise ValueError("a contact needs a start time")
    quotes = []
    for item in _list(raw.get("quotes", [])):
        if not isinstance(item, dict):
            raise ValueError("a quote must be an object")
        quotes.append(Quote(_text(item.get("text", "")), _text(item.get("said_by", ""))))
    return Contact(
        started_at=started,
        ended_at=_parse_time(raw.get("ended_at")),
        kind=ContactKind(raw.get("kind", ContactKind.STREET.value)),
        place=_text(raw.get("place", "")),
        people=_texts(raw.get("people", [])),
        others_present=_text(raw.get("others_present", "")),
        narrative=_text(raw.get("narrative", "")),
        quotes=tuple(quotes),
        instinct=_text(raw.get("instinct", "")),
        observations=tuple(observation_from_json(o) for o in _list(raw.get("observations", []))),
        worry=_number(raw.get("worry")),
        instinct_skipped=bool(_flag(raw.get("instinct_skipped", False))),
        indicators=tuple(
            IndicatorMark(_text(m.get("indicator", "")), _text(m.get("state", "")))
            for m in _dicts(raw.get("indicators", []))
        ),
        questions=tuple(
            QuestionUpdate(
                person_id=_text(q.get("person_id", "")),
                status=_text(q.get("status", "open")),
                question_id=_text(q.get("question_id", "")),
                answer=_text(q.get("answer", "")),
                text=_text(q.get("text", "")),
            )
            for q in _dicts(raw.get("questions", []))
        ),
    )


def _dicts(value: object) -> list[dict[str, Any]]:
    items = _list(value)
    if not all(isinstance(item, dict) for item in items):
        raise ValueError("expected a list of objects")
    return items  # type: ignore[return-value]
