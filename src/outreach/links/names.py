"""Names, nicknames, online handles and places, compared the way people write them.

Stable entry points, used by the app, the agency hub and other tools. Each takes any
strings and never raises. Only the standard library is used.

``normalise_name(text) -> str``
    Case, accents and punctuation ignored, spaces collapsed, so "Dáve-O", "DAVE O" and
    "dave   o" are all ``"dave o"``. Accents are dropped by Unicode decomposition (NFKD),
    and letters that do not decompose are folded by a small table (ø -> o, ł -> l,
    đ -> d, æ -> ae, œ -> oe, ß -> ss); full-width letters are ordinary letters. Every run
    of characters that are not letters or digits (hyphens, dots, apostrophes, emoji) is
    one space. Letters of other scripts are kept as they are. Empty when nothing is left.

``match_name(a, b) -> Match``
    ``"same"``, ``"possible"`` or ``"none"``; symmetric.

    - ``"same"``: the normalised names are equal (and not empty).
    - ``"possible"``: the same characters with the spaces moved ("big daz" and
      "bigdaz"), or a close spelling: at most one edit when the shorter normalised name
      has 4 to 7 characters, at most two from 8 characters (spaces count). An edit adds,
      drops or changes one character, or swaps two next to each other (optimal string
      alignment distance, a restricted Damerau-Levenshtein distance).
    - ``"none"``: otherwise. A name under 4 characters matches only itself, with spaces
      moved at most: "Kaz" and "Kez" are different people. Nicknames and one name inside
      another ("Dave" and "Dave Smith") are not guessed at: the worker links those.

``normalise_handle(platform, handle) -> tuple[str, str] | None``
    ``(platform, handle)``. The platform is looked up ignoring case, spaces and
    punctuation: "Snapchat", "snap", "SC" -> ``snapchat``; "Instagram", "insta", "IG" ->
    ``instagram``; "TikTok", "Tik Tok" -> ``tiktok``; "WhatsApp", "WA" -> ``whatsapp``;
    "Facebook", "FB", "Messenger" -> ``facebook``; "Telegram" -> ``telegram``; "X",
    "Twitter" -> ``x``; "Discord" -> ``discord``. Any other platform is kept in lower case
    with spaces collapsed ("Some New App" -> ``some new app``), an empty one as ``""``.
    The handle is lower-cased (full-width characters made ordinary), with any leading
    ``@`` and all spaces (zero-width ones too) removed; other punctuation is kept, since
    ``tam.q`` and ``tam_q`` are different accounts. None when the handle is empty.

``normalise_place(name, area="") -> str``
    ``"name|area"``, each normalised as ``normalise_name``, with a leading "the" dropped
    from the name ("The Lantern Hotel", "Northfield" -> ``"lantern hotel|northfield"``).
    The connection index stores this as a place's key and splits it at the ``|``.

``match_place(name_a, area_a, name_b, area_b) -> Match``
    ``"same"`` when the names are the same and the areas are equal once normalised (both
    missing counts as equal); ``"possible"`` when the names are the same or close (as
    ``match_name``) and the areas are equal or at least one is missing; ``"none"``
    otherwise, in particular for two different areas however alike the names.
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
    "whatsapp": "whatsapp",
    "wa": "whatsapp",
    "facebook": "facebook",
    "fb": "facebook",
    "messenger": "facebook",
    "telegram": "telegram",
    "x": "x",
    "twitter": "x",
    "discord": "discord",
}


# Letters with a stroke or ligature that Unicode does not decompose into a bare letter.
_FOLDED = str.maketrans(
    {
        "ø": "o",
        "ł": "l",
        "đ": "d",
        "ħ": "h",
        "ŧ": "t",
        "ı": "i",  # noqa: RUF001 (dotless i, on purpose)
        "æ": "ae",
        "œ": "oe",
        "þ": "th",
        "ð": "d",
    }
)


def normalise_name(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    bare = bare.translate(_FOLDED)
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
    cleaned = re.sub(r"[\s\u200b-\u200d\u2060\ufeff]+", "", cleaned)
    if not cleaned:
        return None
    where = " ".join(unicodedata.normalize("NFKC", platform).casefold().split())
    return _PLATFORMS.get(re.sub(r"[\W_]+", "", where), where), cleaned


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
