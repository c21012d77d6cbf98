"""What a mention of a vehicle, phone, handle, person or place is keyed by.

The app's connection index and the agency hub's team-wide links both key mentions here,
so a registration or number written two ways is one thing in both (no vault, no Qt).

Text that names nothing is never a key, since it would link young people who share
nothing: a non-answer of any kind ("?", "unknown", "n/a": ``names.is_non_answer``; for a
person ``names.is_non_answer_name``, which keeps initials such as "DK"; for a handle only
"?", "-", "unknown", "n/a", "none" and the like), a person called only "the driver" or
"older male" (``GENERIC_PEOPLE``), and a place that is
someone's home or a kind of place with no area (``names.is_vague_place``).

The keys are stored: in the vault's connection index and its copy of the team's
mentions, and on the hub. A change to what a mention is keyed by needs a migration that
recomputes them (the vault's is ``vault.migrations``' rekey of version 9).
"""

from __future__ import annotations

from dataclasses import dataclass

from outreach.links.names import (
    is_non_answer,
    is_non_answer_name,
    is_vague_place,
    normalise_handle,
    normalise_name,
    place_name,
)
from outreach.links.phones import normalise_phone
from outreach.links.plates import (
    is_partial,
    is_uk_format,
    normalise_registration,
    plate_key,
)

KINDS = ("vehicle", "person", "phone", "handle", "place")

# Said of someone whose name is not known: as good as no name for linking.
GENERIC_PEOPLE = frozenset(
    {
        "man", "a man", "male", "older man", "older male", "old man", "woman", "a woman",
        "female", "older woman", "older female", "a guy", "a lad", "boy",
        "girl", "driver", "the driver", "taxi driver", "friend", "a friend", "her friend",
        "his friend", "mate", "a mate", "boyfriend", "her boyfriend", "girlfriend",
        "someone", "somebody", "person", "adult", "an adult", "men", "males",
    }
)  # fmt: skip

# Marks the fuzzy key of a registration of no UK format: it matches only itself, and no
# plate key starts with this character.
EXACT_ONLY = "="


@dataclass(frozen=True)
class Mention:
    """One thing written in a contact that may link it to others."""

    kind: str  # one of KINDS
    text: str  # as written: a registration, a number, a handle, a name, a place name
    extra: str = ""  # the platform of a handle, the area of a place


def entity_key(mention: Mention) -> tuple[str, str, str, bool] | None:
    """(key, fuzzy, label, partial) for a mention, or None when it cannot be one."""
    if mention.kind not in KINDS:
        raise ValueError(f"unknown kind {mention.kind}")
    # A person's name and a handle have their own, narrower non-answers: "DK" may be
    # someone's initials and "private" a username.
    if mention.kind not in ("person", "handle") and is_non_answer(mention.text):
        return None
    label = " ".join(mention.text.split())
    if mention.kind == "vehicle":
        plate = normalise_registration(mention.text)
        if plate is None:
            return None
        if not is_uk_format(plate):
            return plate, EXACT_ONLY + plate, label, False
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
        if len(name) < 2 or is_non_answer_name(name) or name in GENERIC_PEOPLE:
            return None
        return name, name[:1], label, False
    name, area = place_name(mention.text), normalise_name(mention.extra)
    if len(name) < 2 or is_vague_place(mention.text, mention.extra):
        return None
    shown = f"{label}, {mention.extra.strip()}" if mention.extra.strip() else label
    return f"{name}|{area}", name[:1], shown, False
