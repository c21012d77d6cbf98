"""Names, nicknames, online handles and places, compared the way people write them.

Stable entry points, used by the app, the agency hub and other tools. Each takes any
strings and never raises. Only the standard library is used, and ``phones`` for numbers
given as WhatsApp or Telegram handles.

``normalise_name(text) -> str``
    Case, accents and punctuation ignored, spaces collapsed, so "Dáve-O", "DAVE O" and
    "dave   o" are all ``"dave o"``. Accents are dropped by Unicode decomposition (NFKD),
    and letters that do not decompose are folded by a small table (ø -> o, ł -> l,
    đ -> d, æ -> ae, œ -> oe, ß -> ss); full-width letters are ordinary letters.
    Apostrophes (straight, curly or modifier) are dropped, so "McDonald's" and
    "McDonalds" are both ``"mcdonalds"``; every other run of characters that are not
    letters or digits (hyphens, dots, emoji) is one space. Letters of other scripts are
    kept as they are. Empty when nothing is left.

``is_non_answer(text) -> bool``
    Whether what was written stands for "not known" rather than naming anything: only
    punctuation (``?``, ``-``), or once normalised one of ``NON_ANSWERS`` ("unknown",
    "n/a", "none", "not known", "idk", ...) or ``SHORT_NON_ANSWERS`` ("nk", "dk", "nil").
    Such text is never a key: two young people whose handle was "?" share nothing.

``is_non_answer_name(text) -> bool``
    The same for a person's name, without ``SHORT_NON_ANSWERS``: "DK" and "Nil" may be
    initials or a name.

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
    ``@``, all spaces (zero-width ones too) and trailing ``. , ; : !`` (the end of a
    sentence) removed; other punctuation is kept, since ``tam.q`` and ``tam_q`` are
    different accounts. A profile address of a known platform is its username, and names
    the platform when none was given: ``https://www.instagram.com/dave_123/``,
    ``snapchat.com/add/dave_123``, ``tiktok.com/@dave_123``, ``x.com``/``twitter.com``,
    ``facebook.com`` (``profile.php?id=`` too), ``t.me``, ``wa.me/447700900123``. A
    WhatsApp or Telegram handle that is a phone number is that number in E.164
    (``normalise_phone``), so ``07700 900123`` and ``+44 7700 900123`` are one. None when
    the handle is empty, only punctuation (``?``, ``-``) or once normalised one of
    ``HANDLE_NON_ANSWERS`` ("unknown", "n/a", "n/k", "none", "not known"): any other word
    ("private", "x") may be a username.

``normalise_place(name, area="") -> str``
    ``"name|area"``, each normalised as ``normalise_name``, with a leading "the" dropped
    from the name ("The Lantern Hotel", "Northfield" -> ``"lantern hotel|northfield"``).
    The connection index stores this as a place's key and splits it at the ``|``.

``is_vague_place(name, area="") -> bool``
    Whether a place says too little to link young people by: someone's home in any area
    (``HOMES``: "home", "her house", "a friend's flat", ...), or a kind of place with no
    area (``GENERIC_PLACES``: "the flat", "the park", "a car", ...).

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

from outreach.links.phones import normalise_phone

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


_APOSTROPHES = re.compile("['\u2019\u2018\u02bc]")

# Written for "not known": kept normalised (as ``normalise_name`` gives them).
NON_ANSWERS = frozenset(
    {
        "unknown", "unk", "not known", "n k", "n a", "none", "nothing", "not sure", "unsure",
        "no idea", "dont know", "do not know", "dunno",
        "idk", "tbc", "tbd", "tba", "x", "xx", "xxx", "not given", "not said",
        "wouldnt say", "would not say", "refused", "declined", "withheld", "private",
        "private number", "no number", "no name", "no reg", "no plate", "unknown number",
        "unknown male", "unknown female", "unknown man", "unknown woman", "unknown person",
        "anon", "anonymous", "as above", "see above", "see notes", "same", "various",
    }
)  # fmt: skip
# Also written for "not known", but initials or a name too ("DK", "Nil"): a non-answer
# for a vehicle, phone or place, never for a person's name.
SHORT_NON_ANSWERS = frozenset({"nk", "na", "dk", "no", "nil"})
# A handle may be any word ("private", "x"): only these, or punctuation alone, are none.
HANDLE_NON_ANSWERS = frozenset({"unknown", "n a", "n k", "none", "not known"})

# Everyone's home is somewhere else: never a place that links young people. Each is also
# a home with "her", "his", "their", "my", "a" or "at" before it ("at her mum's house").
_HOME_WORDS = (
    "home", "house", "family home", "home address", "friends", "friends house",
    "friends flat", "friends place", "boyfriends", "boyfriends house", "boyfriends flat",
    "girlfriends house", "mums", "mums house", "mums flat", "dads", "dads house",
    "dads flat", "nans", "nans house", "grans", "grans house", "aunties", "aunties house",
    "carers", "carers house", "foster home", "foster placement",
)  # fmt: skip
_WHOSE = ("", "her ", "his ", "their ", "my ", "a ", "at ", "at her ", "at his ", "at their ")
_OWN = ("flat", "place")  # a kind of place alone, someone's home with "her" before it
HOMES = frozenset(
    [whose + home for whose in _WHOSE for home in _HOME_WORDS]
    + [whose + own for whose in _WHOSE[1:5] for own in _OWN]
)

# Kinds of place with many of their kind in any town: with no area they would link
# everyone seen at "the park". ("Bus station" or "town centre" is one place in a town.)
GENERIC_PLACES = frozenset(
    {
        "flat", "a flat", "a house", "park", "a park", "car park", "shop", "shops",
        "a shop", "takeaway", "a takeaway", "street", "streets", "the street", "road",
        "outside", "out", "around", "about", "car", "a car", "in a car", "school",
        "garage", "party", "a party", "hotel", "a hotel", "bus stop", "alley", "alleyway",
        "woods", "field",
    }
)  # fmt: skip


def normalise_name(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", _APOSTROPHES.sub("", text))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    bare = _APOSTROPHES.sub("", bare.translate(_FOLDED))  # NFKD may make one
    return " ".join(re.sub(r"[\W_]+", " ", bare).split())


def is_non_answer(text: str) -> bool:
    name = normalise_name(text)
    return not name or name in NON_ANSWERS or name in SHORT_NON_ANSWERS


def is_non_answer_name(text: str) -> bool:
    """``is_non_answer`` for a person's name: initials and names ("DK", "Nil") are kept."""
    name = normalise_name(text)
    return not name or name in NON_ANSWERS


def _is_non_answer_handle(text: str) -> bool:
    name = normalise_name(text)
    return not name or name in HANDLE_NON_ANSWERS


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


# A profile's address: the platform by its host, the username from the path.
_PROFILE = re.compile(
    r"(?:https?://)?(?:(?:www|m|mobile|web)\.)?(?P<host>[a-z.]+\.[a-z]+)/(?P<path>[^?#]*)"
    r"(?:\?(?P<query>[^#]*))?(?:#.*)?"
)
_HOSTS = {
    "instagram.com": "instagram",
    "instagr.am": "instagram",
    "snapchat.com": "snapchat",
    "tiktok.com": "tiktok",
    "facebook.com": "facebook",
    "fb.com": "facebook",
    "x.com": "x",
    "twitter.com": "x",
    "t.me": "telegram",
    "telegram.me": "telegram",
    "wa.me": "whatsapp",
    "discord.com": "discord",
}
# Path words before the username, not usernames ("snapchat.com/add/dave").
_PATH_WORDS = frozenset({"add", "u", "users", "user", "profile", "people", "p"})
_NUMBER_HANDLE = re.compile(r"\+?[\d\s().\-]{6,}")
_SENTENCE_END = ".,;:!"


def _profile(handle: str) -> tuple[str, str] | None:
    """(platform, username) from a known platform's profile address."""
    found = _PROFILE.fullmatch(handle)
    if found is None or found["host"] not in _HOSTS:
        return None
    platform = _HOSTS[found["host"]]
    query = dict(part.partition("=")[::2] for part in (found["query"] or "").split("&"))
    words = [w for w in found["path"].split("/") if w]
    if words[:1] == ["profile.php"] and query.get("id"):
        return platform, query["id"]
    while len(words) > 1 and words[0] in _PATH_WORDS:
        words.pop(0)
    if not words:
        return None
    name = words[0].lstrip("@")
    if platform == "whatsapp" and name.isdigit():
        name = "+" + name  # wa.me carries the number in international form, without +
    return platform, name


def normalise_platform(platform: str) -> str:
    """A platform as one name: "Snap", "SC" -> ``snapchat``; others lower case."""
    where = " ".join(unicodedata.normalize("NFKC", platform).casefold().split())
    return _PLATFORMS.get(re.sub(r"[\W_]+", "", where), where)


def normalise_handle(platform: str, handle: str) -> tuple[str, str] | None:
    cleaned = unicodedata.normalize("NFKC", handle).strip().lstrip("@").strip().casefold()
    cleaned = re.sub(r"[\s\u200b-\u200d\u2060\ufeff]+", "", cleaned)
    where = normalise_platform(platform)
    profile = _profile(cleaned)
    if profile is not None:
        where, cleaned = profile
    cleaned = cleaned.rstrip(_SENTENCE_END + "/")
    if not cleaned or _is_non_answer_handle(cleaned) or _is_non_answer_handle(handle):
        return None
    if where in ("whatsapp", "telegram") and _NUMBER_HANDLE.fullmatch(cleaned):
        number = normalise_phone(cleaned)
        if number is not None:
            cleaned = number
    return where, cleaned


def place_name(name: str) -> str:
    """A place's name as compared: normalised, without a leading "the"."""
    return normalise_name(name).removeprefix("the ").strip()


def normalise_place(name: str, area: str = "") -> str:
    return f"{place_name(name)}|{normalise_name(area)}"


def is_vague_place(name: str, area: str = "") -> bool:
    place = place_name(name)
    return place in HOMES or (place in GENERIC_PLACES and not normalise_name(area))


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
