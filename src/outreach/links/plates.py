"""Vehicle registrations: one canonical form, and whether two sightings may be one car.

Stable entry points (used by the app, the agency hub and other tools):

``normalise_plate(text) -> str | None``
    The registration in upper case with no separators, or None when the text cannot be
    a UK registration. Spacing, dashes, dots, case, full-width characters and look-alike
    Cyrillic or Greek letters are all undone. Every UK format is accepted: current
    (``AB12 CDE``), prefix (``A123 BCD``), suffix (``ABC 123D``), dateless (``ABC 123``,
    ``1234 AB``) and Northern Ireland (``ABZ 1234``). A partial registration keeps its
    wildcards: ``?`` for one unknown character, ``*`` for any run (``ab12 c?e`` ->
    ``AB12C?E``); it needs two known characters and must fit some format.

``match_plate(a, b) -> "same" | "possible" | "none"``
    "same" only for two full registrations that are identical once normalised. A partial
    that fits the other, or two that differ only by characters often misread in the dark
    (O/0, I/1, S/5, B/8, Z/2, G/6), are "possible", never "same".

``plate_key(plate) -> str``
    The canonical form with each confusable character replaced by one representative
    (O->0, I->1, S->5, B->8, Z->2, G->6): two full registrations that could be misreadings
    of each other share a key, so an index can find candidates by equality.

``is_partial(plate) -> bool``
    Whether a canonical registration holds ``?`` or ``*``.
"""

# The homoglyph table is Cyrillic and Greek letters that look Latin, on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Literal

Match = Literal["same", "possible", "none"]

# Letters that look like Latin capitals, from Cyrillic and Greek (NFKC leaves them alone).
_HOMOGLYPHS = str.maketrans(
    {
        **dict(zip("АВЕКМНОРСТХУІЈЅԚԜ", "ABEKMHOPCTXYIJSQW", strict=True)),
        **dict(zip("авекмнорстхуіјѕ", "abekmhopctxyijs", strict=True)),
        **dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "ABEZHIKMNOPTYX", strict=True)),
        **dict(zip("οκνρτυχ", "okvptux", strict=True)),
    }
)
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212._/]+")
_CONFUSABLE = {"O": "0", "I": "1", "S": "5", "B": "8", "Z": "2", "G": "6"}
_KEY = str.maketrans(_CONFUSABLE)
_PAIRS = {frozenset(pair) for pair in _CONFUSABLE.items()}
MAX_LENGTH = 7


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
    return _SEPARATORS.sub("", text)


# A registration with no "*" fits a format exactly when this matches ("?" fits any slot).
_FIXED = re.compile(
    "|".join(
        "".join("[A-Z?]" if kind == "L" else "[0-9?]" for kind in template)
        for template in TEMPLATES
    )
)


@functools.lru_cache(maxsize=4096)
def _fits(pattern: str, template: str) -> bool:
    """Whether a pattern with "*" can be some registration of the template."""

    @functools.cache
    def go(i: int, j: int) -> bool:
        if i == len(pattern):
            return j == len(template)
        ch = pattern[i]
        if ch == "*":
            return go(i + 1, j) or (j < len(template) and go(i, j + 1))
        if j == len(template):
            return False
        kind = template[j]
        ok = ch == "?" or (ch.isdigit() if kind == "D" else ch.isalpha())
        return ok and go(i + 1, j + 1)

    return go(0, 0)


@functools.lru_cache(maxsize=8192)
def normalise_plate(text: str) -> str | None:
    plate = re.sub(r"\*+", "*", _cleaned(text))
    if not plate or not re.fullmatch(r"[A-Z0-9?*]+", plate):
        return None
    known = sum(ch.isalnum() for ch in plate)
    if len(plate.replace("*", "")) > MAX_LENGTH or known < 2:
        return None
    if "*" not in plate:
        return plate if _FIXED.fullmatch(plate) else None
    return plate if any(_fits(plate, template) for template in TEMPLATES) else None


def is_partial(plate: str) -> bool:
    return "?" in plate or "*" in plate


def plate_key(plate: str) -> str:
    return plate.translate(_KEY)


def _compatible(a: str, b: str, confusable: bool) -> bool:
    if a == b or a == "?" or b == "?":
        return True
    return confusable and frozenset((a, b)) in _PAIRS


def _overlap(a: str, b: str, *, confusable: bool) -> bool:
    """Whether some one registration fits both patterns (wildcards on either side)."""

    @functools.cache
    def go(i: int, j: int) -> bool:
        if i == len(a) and j == len(b):
            return True
        # A star matches nothing more, or takes one character of the other side.
        if i < len(a) and a[i] == "*" and (go(i + 1, j) or (j < len(b) and go(i, j + 1))):
            return True
        if j < len(b) and b[j] == "*" and (go(i, j + 1) or (i < len(a) and go(i + 1, j))):
            return True
        if i < len(a) and j < len(b) and "*" not in (a[i], b[j]):
            return _compatible(a[i], b[j], confusable) and go(i + 1, j + 1)
        return False

    return go(0, 0)


def match_plate(a: str, b: str) -> Match:
    first, second = normalise_plate(a), normalise_plate(b)
    if first is None or second is None:
        return "none"
    if first == second and not is_partial(first):
        return "same"
    if _overlap(first, second, confusable=False) or _overlap(first, second, confusable=True):
        return "possible"
    return "none"
