"""Vehicle registrations: one canonical form, and whether two sightings may be one car.

Stable entry points, used by the app, the agency hub and other tools. Each takes any
string and never raises.

``normalise_plate(text) -> str | None``
    The registration in upper case with nothing between its characters, or None when the
    text cannot be a UK registration, even misread.

    Undone before anything is checked: case; spaces of every kind (non-breaking too),
    dashes (hyphen, en and em dash, minus), dots, slashes, underscores and invisible
    characters (zero-width space, soft hyphen); full-width and other compatibility forms
    (Unicode NFKC); and Cyrillic or Greek letters that look like Latin ones, through an
    explicit table since NFKC leaves them alone: the Cyrillic look-alikes of A B E K M H O
    P C T X Y I J S Q W and the Greek ones of A B E Z H I K M N O P T Y X, and their lower
    case where that looks Latin too (Greek lower-case nu is v, as it looks).

    What is left must fit one of the UK formats in ``TEMPLATES`` (L a letter, D a digit),
    where a character of a pair often confused in the dark (O/0, I/1, S/5, B/8, Z/2, G/6)
    may stand for either, since a worker writes what they saw: ``AB12 C0E``, ``MA51 00K``
    and ``AB1Z CDE`` all fit. A misread is allowed only when some digit as written stands
    where the format has a digit and some letter where it has a letter, so words do not
    fit by reading letters as digits: ``Taxi``, ``Golf``, ``Polo``, and so ``BIG DAD``
    (``B16 DAD``) and ``PIO BCD`` too, are None. The text is kept as written; only
    ``plate_key`` folds the pairs.

    ============  =========================  ==================
    current       ``LLDDLLL``                ``AB12 CDE``
    prefix        ``LDLLL`` to ``LDDDLLL``   ``A123 BCD``
    suffix        ``LLLDL`` to ``LLLDDDL``   ``ABC 123D``
    dateless      1-3 letters, 1-4 digits,   ``ABC 123``, ``A 1``,
                  either way round           ``1234 AB``
    N. Ireland    the same shapes            ``ABZ 1234``, ``AZ 123``
    ============  =========================  ==================

    Which letters a format may use (I and Z only in Northern Ireland, no Q on most) is
    not checked: a worker writes what they saw, and a misread letter is still worth
    keeping.

    A partial registration uses ``?`` for one unknown character and ``*`` for a run of
    unknown characters, possibly none (``**`` is ``*``). It keeps its wildcards in the
    canonical form (``ab12 c?e`` -> ``AB12C?E``, ``ab1*`` -> ``AB1*``), needs at least two
    known characters, and must fit at least one format with some choice of the unknowns.

    Anything else gives None: empty text, a character that is not a letter, digit,
    separator or wildcard, more than 7 characters besides ``*``, or no format that fits.

``normalise_registration(text) -> str | None``
    ``normalise_plate``, or else, for a registration of another country (``AB-123-CD``,
    ``191-D-12345``), the same cleaned text when it is 4 to 10 letters and digits (an
    Irish one has 10) with at least two digits, and at least two letters unless it has
    four digits or more (an Irish county may be one letter). Such a registration is not
    of a UK format (``is_uk_format`` is False): it matches only itself, with no misreads
    and no partials, since its format is unknown. Words alone (``WHITE VAN``,
    ``UNKNOWN``), bare numbers, and makes and models (``Audi A3``, ``BMW X5``, ``4x4``,
    ``black 4x4``, ``Fiat 500``: a word of ``VEHICLE_WORDS``, or ``4X4``) are not one.

``is_uk_format(plate) -> bool``
    Whether a canonical registration fits a UK format (misreads allowed).

``is_partial(plate) -> bool``
    Whether a canonical registration holds ``?`` or ``*``.

``match_plate(a, b) -> Match``
    ``"same"``, ``"possible"`` or ``"none"``, whatever either is written like; symmetric.

    - ``"same"``: both are full registrations, identical once normalised. Nothing else.
    - ``"possible"``: some registration of a UK format could have been read as both,
      where a character may be misread as its partner among the pairs often confused in
      the dark, O/0, I/1, S/5, B/8, Z/2 and G/6. So: a partial that fits the other (even
      when it fits a full registration exactly, since it may be another car); two
      partials that could describe one car; two full registrations that differ only in
      confusable characters (``AB12 CDE`` and ``A812 CDE``); any of these with a misread.
    - ``"none"``: otherwise, and whenever either side does not normalise.

    A registration of another country (see ``normalise_registration``) is ``"same"`` as
    itself written another way and ``"none"`` with anything else.

``plate_key(plate) -> str``
    A canonical registration with each confusable character replaced by its pair's digit
    (O->0, I->1, S->5, B->8, Z->2, G->6), wildcards kept. The connection index stores it so
    that candidates are found by equality and GLOB, not by comparing every pair:

    - two full registrations ``match_plate`` calls "same" or "possible" have equal keys;
    - a partial and a full registration are "possible" exactly when the full one's key
      matches the partial's key as a glob (``?`` one character, ``*`` any run).

    Two partials need ``match_plate`` itself: their keys need not relate by glob either
    way.
"""

# The homoglyph table is Cyrillic and Greek letters that look Latin, on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

import functools
import re
import unicodedata
from fnmatch import fnmatchcase
from typing import Literal

Match = Literal["same", "possible", "none"]

_HOMOGLYPHS = str.maketrans(
    {
        **dict(zip("АВЕКМНОРСТХУІЈЅԚԜ", "ABEKMHOPCTXYIJSQW", strict=True)),
        **dict(zip("авекмнорстхуіјѕԛԝ", "abekmhopctxyijsqw", strict=True)),
        **dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "ABEZHIKMNOPTYX", strict=True)),
        **dict(zip("αειοκνρτυχ", "aeiokvptux", strict=True)),
        "∗": "*",  # asterisk operator, as some keyboards and phones offer
    }
)
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212._/\u00ad\u200b-\u200d\u2060\ufeff]+")
_STARS = re.compile(r"\*+")
_CHARACTERS = re.compile(r"[A-Z0-9?*]+")
_CONFUSABLE = {"O": "0", "I": "1", "S": "5", "B": "8", "Z": "2", "G": "6"}
_KEY = str.maketrans(_CONFUSABLE)
_KEY_DIGITS = frozenset(_CONFUSABLE.values())
_EITHER = frozenset(_CONFUSABLE) | _KEY_DIGITS
# Another country's: two digits or more, and two letters or more unless four digits or
# more (an Irish county may be one letter, "191-D-12345").
_OTHER_COUNTRY = re.compile(
    r"(?=(?:.*[0-9]){2})(?:(?=(?:.*[A-Z]){2})|(?=(?:.*[0-9]){4})(?=.*[A-Z]))[A-Z0-9]{4,10}"
)
# Written in the registration box for a vehicle with no registration known: a make, a
# model, a colour or a kind of vehicle ("black 4x4", "Fiat 500", "Golf GTI"). A word of
# these refuses another country's registration; "4X4" anywhere does too.
VEHICLE_WORDS = frozenset(
    {
        "audi", "bmw", "merc", "mercedes", "benz", "ford", "vauxhall", "vw", "volkswagen",
        "fiat", "kia", "seat", "skoda", "nissan", "toyota", "honda", "hyundai", "mazda",
        "peugeot", "renault", "citroen", "volvo", "mini", "jeep", "tesla", "lexus", "range",
        "rover", "land", "jag", "jaguar", "porsche", "suzuki", "dacia", "smart", "golf",
        "polo", "corsa", "astra", "fiesta", "focus", "transit", "vito", "sprinter", "qashqai",
        "juke", "yaris", "civic", "clio", "punto", "cooper", "gti", "amg", "sport", "car",
        "van", "taxi", "cab", "uber", "bus", "moped", "bike", "scooter", "black", "white",
        "silver", "grey", "gray", "red", "blue", "green", "dark", "light", "old", "new",
    }
)  # fmt: skip
_FOUR_BY_FOUR = re.compile(r"4X4")
MAX_LENGTH = 7
# Longer text cannot hold a registration: refused before Unicode work and caching.
_MAX_TEXT = 64


def _templates() -> tuple[str, ...]:
    """Every UK format as a run of L (letter) and D (digit)."""
    found = {"LLDDLLL"}  # current, 2001 onwards
    for digits in range(1, 4):
        found.add("L" + "D" * digits + "LLL")  # prefix
        found.add("LLL" + "D" * digits + "L")  # suffix
    for letters in range(1, 4):
        for digits in range(1, 5):
            found.add("L" * letters + "D" * digits)  # dateless, Northern Ireland
            found.add("D" * digits + "L" * letters)  # dateless, reversed
    return tuple(sorted(found))


TEMPLATES = _templates()


def _cleaned(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_HOMOGLYPHS).upper()
    return _STARS.sub("*", _SEPARATORS.sub("", text))


def _fits(plate: str, template: str) -> bool:
    """Whether a plate (wildcards and all) could be of ``template``: as written, or with
    characters of confusable pairs misread, but a misread only when some digit as written
    stands where the format has a digit and some letter where it has a letter. Without
    that anchor, words ("Taxi", "Golf", "Polo") would fit by reading letters as digits."""

    @functools.cache
    def go(i: int, k: int, misread: bool, digit: bool, letter: bool) -> bool:
        if i == len(plate):
            return k == len(template) and (not misread or (digit and letter))
        ch = plate[i]
        if ch == "*":
            return go(i + 1, k, misread, digit, letter) or (
                k < len(template) and go(i, k + 1, misread, digit, letter)
            )
        if k == len(template):
            return False
        if ch == "?":
            return go(i + 1, k + 1, misread, digit, letter)
        if (template[k] == "D") == ch.isdigit():
            return go(i + 1, k + 1, misread, digit or ch.isdigit(), letter or ch.isalpha())
        return ch in _EITHER and go(i + 1, k + 1, True, digit, letter)

    return go(0, 0, False, False, False)


@functools.lru_cache(maxsize=8192)
def is_uk_format(plate: str) -> bool:
    return any(_fits(plate, template) for template in TEMPLATES)


@functools.lru_cache(maxsize=8192)
def normalise_plate(text: str) -> str | None:
    if len(text) > _MAX_TEXT:
        return None
    plate = _cleaned(text)
    if not _CHARACTERS.fullmatch(plate):
        return None
    known = sum(ch not in "?*" for ch in plate)
    if known < 2 or len(plate.replace("*", "")) > MAX_LENGTH:
        return None
    return plate if is_uk_format(plate) else None


@functools.lru_cache(maxsize=8192)
def normalise_registration(text: str) -> str | None:
    plate = normalise_plate(text)
    if plate is not None or len(text) > _MAX_TEXT:
        return plate
    # Another country's: kept whole so that the same text links. Letters and digits are
    # required so that words ("white van"), bare numbers and makes and models ("Audi A3",
    # "BMW X5", "black 4x4") are not taken for one.
    other = _cleaned(text)
    if not _OTHER_COUNTRY.fullmatch(other) or _FOUR_BY_FOUR.search(other):
        return None
    words = _SEPARATORS.split(unicodedata.normalize("NFKC", text).translate(_HOMOGLYPHS))
    return None if any(word.casefold() in VEHICLE_WORDS for word in words) else other


def is_partial(plate: str) -> bool:
    return "?" in plate or "*" in plate


def plate_key(plate: str) -> str:
    return plate.translate(_KEY)


def _fits_kind(key_char: str, kind: str) -> bool:
    """Whether a character of a key can be read from a character of this kind."""
    if kind == "D":
        return key_char.isdigit()
    return key_char.isalpha() or key_char in _KEY_DIGITS


def _take(pattern: str, i: int) -> tuple[int, str] | None:
    """A pattern taking one character at ``i``: where it goes on, and the character it
    insists on ("" for any); None at its end."""
    if i == len(pattern):
        return None
    ch = pattern[i]
    if ch == "*":
        return i, ""
    return i + 1, "" if ch == "?" else ch


def _one_car(a: str, b: str, template: str) -> bool:
    """Whether one registration of ``template`` could be read as both keys."""

    @functools.cache
    def go(i: int, j: int, k: int) -> bool:
        # A star may end here, taking nothing more.
        if i < len(a) and a[i] == "*" and go(i + 1, j, k):
            return True
        if j < len(b) and b[j] == "*" and go(i, j + 1, k):
            return True
        if k == len(template):
            return i == len(a) and j == len(b)
        took_a, took_b = _take(a, i), _take(b, j)
        if took_a is None or took_b is None:
            return False
        (next_i, from_a), (next_j, from_b) = took_a, took_b
        if from_a and from_b and from_a != from_b:
            return False
        wanted = from_a or from_b
        if wanted and not _fits_kind(wanted, template[k]):
            return False
        return go(next_i, next_j, k + 1)

    return go(0, 0, 0)


def _may_meet(key_a: str, key_b: str) -> bool:
    """A quick necessary test: each key reads one character a place up to its first
    ``*`` and back from its last, so there the two must agree wherever neither has ``?``;
    without a ``*`` they are as long as each other too. Most pairs fail it, and the
    search over every format is then not needed."""
    if "*" not in key_a and "*" not in key_b and len(key_a) != len(key_b):
        return False
    starts = zip(key_a.split("*", 1)[0], key_b.split("*", 1)[0], strict=False)
    ends = zip(key_a.rsplit("*", 1)[-1][::-1], key_b.rsplit("*", 1)[-1][::-1], strict=False)
    return all(x == y or x == "?" or y == "?" for x, y in (*starts, *ends))


@functools.lru_cache(maxsize=8192)
def _partials_meet(a: str, b: str) -> bool:
    key_a, key_b = plate_key(a), plate_key(b)
    if not _may_meet(key_a, key_b):
        return False
    return any(_one_car(key_a, key_b, template) for template in TEMPLATES)


def match_plate(a: str, b: str) -> Match:
    first, second = normalise_registration(a), normalise_registration(b)
    if first is None or second is None:
        return "none"
    if (
        is_partial(first)
        and is_partial(second)
        and not _may_meet(plate_key(first), plate_key(second))
    ):
        return "none"  # before the format checks: a new partial meets every stored one
    if not is_uk_format(first) or not is_uk_format(second):
        return "same" if first == second else "none"  # another country's: exact only
    first_partial, second_partial = is_partial(first), is_partial(second)
    if not first_partial and not second_partial:
        if first == second:
            return "same"
        return "possible" if plate_key(first) == plate_key(second) else "none"
    if first_partial and second_partial:
        return "possible" if _partials_meet(*sorted((first, second))) else "none"
    # The full one fits some format (misreads allowed) and keeps that fit under its key,
    # so only the fit of the two keys is left.
    full, partial = (second, first) if first_partial else (first, second)
    return "possible" if fnmatchcase(plate_key(full), plate_key(partial)) else "none"
