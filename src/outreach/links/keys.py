"""What a mention of a vehicle, phone, handle, person or place is keyed by.

The app's connection index and the agency hub's team-wide links both key mentions here,
so a registration or number written two ways is one thing in both (no vault, no Qt).
"""

from __future__ import annotations

from dataclasses import dataclass

from outreach.links.names import normalise_handle, normalise_name, place_name
from outreach.links.phones import normalise_phone
from outreach.links.plates import is_partial, normalise_plate, plate_key

KINDS = ("vehicle", "person", "phone", "handle", "place")


@dataclass(frozen=True)
class Mention:
    """One thing written in a contact that may link it to others."""

    kind: str  # one of KINDS
    text: str  # as written: a registration, a number, a handle, a name, a place name
    extra: str = ""  # the platform of a handle, the area of a place


def entity_key(mention: Mention) -> tuple[str, str, str, bool] | None:
    """(key, fuzzy, label, partial) for a mention, or None when it cannot be one."""
    label = " ".join(mention.text.split())
    if mention.kind == "vehicle":
        plate = normalise_plate(mention.text)
        if plate is None:
            return None
        return plate, plate_key(plate), label, is_partial(plate)
    if mention.kind == "phone":
        number = normalise_phone(mention.text)
        return None if number is None else (number, number, label, False)
    if mention.kind == "handle":
        handle = normalise_handle(mention.extra, mention.text)
        if handle is None:
            return None
        platform, name = handle
        return f"{platform}:{name}", name, f"{label} ({mention.extra})".strip(), False
    if mention.kind == "person":
        name = normalise_name(mention.text)
        return None if len(name) < 2 else (name, name[:1], label, False)
    if mention.kind == "place":
        name, area = place_name(mention.text), normalise_name(mention.extra)
        if len(name) < 2:
            return None
        shown = f"{label}, {mention.extra.strip()}" if mention.extra.strip() else label
        return f"{name}|{area}", name[:1], shown, False
    raise ValueError(f"unknown kind {mention.kind}")
