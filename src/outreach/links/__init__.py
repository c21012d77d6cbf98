"""Normalisers shared by the app, the agency hub and other tools (no Qt, no vault).

See each module for the exact rules: ``plates`` (vehicle registrations), ``phones``
(phone numbers, E.164), ``names`` (names, nicknames, online handles, places, and what
names nothing), ``keys`` (what a mention is keyed by in the vault and on the hub). Every
``match_*`` answers a ``Match``: "same" (one thing, written two ways), "possible" (may be
one thing, for a worker to confirm or reject) or "none".
"""

from outreach.links.names import (
    is_non_answer,
    is_vague_place,
    match_name,
    match_place,
    normalise_handle,
    normalise_name,
    normalise_place,
)
from outreach.links.phones import normalise_phone
from outreach.links.plates import (
    Match,
    is_partial,
    is_uk_format,
    match_plate,
    normalise_plate,
    normalise_registration,
    plate_key,
)

__all__ = [
    "Match",
    "is_non_answer",
    "is_partial",
    "is_uk_format",
    "is_vague_place",
    "match_name",
    "match_place",
    "match_plate",
    "normalise_handle",
    "normalise_name",
    "normalise_phone",
    "normalise_place",
    "normalise_plate",
    "normalise_registration",
    "plate_key",
]
