"""Names, nicknames, online handles and places, compared the way people write them.

``normalise_name(text) -> str``
    Case, accents and punctuation ignored, spaces collapsed: "Dáve-O" and "dave o" are
    both ``"dave o"``.

``match_name(a, b) -> "same" | "possible" | "none"``
    "same" when the normalised names are equal; "possible" for close spellings: at most
    one edit (a letter added, dropped, changed, or two swapped) for names of 4 to 7
    letters, at most two for 8 or more, or the same letters with the spaces moved
    ("big daz" and "bigdaz"); otherwise "none". Names under 4 letters must be equal.

``normalise_handle(platform, handle) -> tuple[str, str] | None``
    The platform as one lower-case name (``Snap``, ``SC`` -> ``snapchat``; ``IG``,
    ``insta`` -> ``instagram``; unknown platforms lower-cased) and the handle lower-cased
    without a leading ``@`` or spaces; None when the handle is empty.

``normalise_place(name, area) -> str`` and ``match_place(name_a, area_a, name_b, area_b)``
    A place is its name plus its area; a leading "the" is dropped from the name ("The
    Lantern Hotel" is "lantern hotel"). "same" when both match exactly once normalised;
    "possible" when the names are close (as ``match_name``) and the areas agree or one is
    missing; otherwise "none".
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

Match = Literal["same", "possible", "none"]

_PLATFORMS = {
    "snapchat": "snapchat",
    "snap": "snapchat",
    "sc": "snapchat",
    "instagram": "instagram",
    "insta": "instagram",
    "ig": "instagram",
    "tiktok": "tiktok",
    "tik tok": "tiktok",
    "whatsapp": "whatsapp",
    "whats app": "whatsapp",
    "wa": "whatsapp",
    "facebook": "facebook",
    "fb": "facebook",
    "messenger": "facebook",
    "telegram": "telegram",
    "x": "x",
    "twitter": "x",
    "discord": "discord",
}


def normalise_name(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[\W_]+", " ", bare).split())


def _edits(a: str, b: str, most: int) -> int:
    """Optimal string alignment distance (Damerau-Levenshtein with adjacent swaps),
    stopping early once it must exceed ``most``."""
    if abs(len(a) - len(b)) > most:
        return most + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > most:
            return most + 1
        previous2, previous = previous, current
    return previous[-1]


def match_name(a: str, b: str) -> Match:
    first, second = normalise_name(a), normalise_name(b)
    if not first or not second:
        return "none"
    if first == second:
        return "same"
    if first.replace(" ", "") == second.replace(" ", ""):
        return "possible"
    shorter = min(len(first), len(second))
    if shorter < 4:
        return "none"
    allowed = 2 if shorter >= 8 else 1
    return "possible" if _edits(first, second, allowed) <= allowed else "none"


def normalise_handle(platform: str, handle: str) -> tuple[str, str] | None:
    cleaned = unicodedata.normalize("NFKC", handle).strip().lstrip("@").strip().casefold()
    cleaned = re.sub(r"\s+", "", cleaned)
    if not cleaned:
        return None
    where = " ".join(unicodedata.normalize("NFKC", platform).casefold().split())
    return _PLATFORMS.get(where, where), cleaned


def place_name(name: str) -> str:
    """A place's name as compared: normalised, without a leading "the"."""
    return normalise_name(name).removeprefix("the ").strip()


def normalise_place(name: str, area: str = "") -> str:
    return f"{place_name(name)}|{normalise_name(area)}"


def match_place(name_a: str, area_a: str, name_b: str, area_b: str) -> Match:
    names = match_name(place_name(name_a), place_name(name_b))
    first_area, second_area = normalise_name(area_a), normalise_name(area_b)
    if names == "none":
        return "none"
    if first_area and second_area and first_area != second_area:
        return "none"
    if names == "same" and first_area == second_area:
        return "same"
    return "possible"
