"""The normalisers: many real-looking formats, near misses, and properties (hypothesis).

Registrations are random letters and digits; phone numbers only from the drama range.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outreach.links import (
    is_partial,
    match_name,
    match_place,
    match_plate,
    normalise_handle,
    normalise_name,
    normalise_phone,
    normalise_place,
    normalise_plate,
    plate_key,
)
from outreach.links.keys import EXACT_ONLY, Mention, entity_key
from outreach.links.plates import TEMPLATES

# --- registrations ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("AB12 CDE", "AB12CDE"),  # current
        ("ab12cde", "AB12CDE"),
        (" ab-12-cde ", "AB12CDE"),
        ("AB12.CDE", "AB12CDE"),
        ("AB12\u00a0CDE", "AB12CDE"),  # non-breaking space
        ("AB12\u2013CDE", "AB12CDE"),  # en dash
        ("\uff21\uff22\uff11\uff12 \uff23\uff24\uff25", "AB12CDE"),  # full width
        ("\u0410\u041212 \u0421D\u0415", "AB12CDE"),  # Cyrillic look-alikes
        ("\u0391\u039212 CD\u0395", "AB12CDE"),  # Greek look-alikes
        ("A123 BCD", "A123BCD"),  # prefix
        ("A1 BCD", "A1BCD"),
        ("ABC 123D", "ABC123D"),  # suffix
        ("ABC 1D", "ABC1D"),
        ("ABC 123", "ABC123"),  # dateless
        ("A 1", "A1"),
        ("1234 AB", "1234AB"),
        ("ABZ 1234", "ABZ1234"),  # Northern Ireland
        ("AZ 123", "AZ123"),
        ("ab12 c?e", "AB12C?E"),  # partial
        ("AB1*", "AB1*"),
        ("*CDE", "*CDE"),
        ("AB** CDE", "AB*CDE"),
    ],
)
def test_registrations_in_every_format_normalise(written: str, canonical: str) -> None:
    assert normalise_plate(written) == canonical


@pytest.mark.parametrize(
    "text",
    ["", "   ", "A", "?", "A*", "**", "hello world", "AB12CDEF", "ACDE 347", "34779 A", "AB#12"],
)
def test_what_cannot_be_a_registration_is_none(text: str) -> None:
    assert normalise_plate(text) is None


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("AB12 CDE", "ab12cde", "same"),
        ("AB12 CDE", "AB12 C?E", "possible"),  # a partial is never "same"
        ("AB12 C?E", "AB12 C?E", "possible"),
        ("AB1*", "AB12 CDE", "possible"),
        ("AB1*", "*CDE", "possible"),
        ("AB12 CDE", "A812 CDE", "possible"),  # B read as 8
        ("AB12 CDE", "AB12 CD3", "none"),  # E and 3 are not a confusable pair
        ("OB12 CDE", "0B12 CDE", "possible"),  # 0B12CDE is OB12CDE with O written as 0
        ("AB12 CDE", "AB12 CDF", "none"),
        ("AB1*", "XY12 CDE", "none"),
        ("AB12 C?E", "AB12 CD", "none"),
        ("AB12 CDE", "not a plate", "none"),
    ],
)
def test_match_plate(a: str, b: str, expected: str) -> None:
    assert match_plate(a, b) == expected
    assert match_plate(b, a) == expected


def test_plate_key_groups_confusable_readings() -> None:
    assert plate_key("AB12CDE") == plate_key("A812CDE")
    assert plate_key("AB12CDE") != plate_key("AB12CDF")
    assert is_partial("AB1*")
    assert not is_partial("AB12CDE")


LETTERS = "ABCDEFGHJKLMNOPRSTUVWXY"
DIGITS = "0123456789"


@st.composite
def registrations(draw: st.DrawFn) -> str:
    template = draw(st.sampled_from(TEMPLATES))
    return "".join(draw(st.sampled_from(LETTERS if k == "L" else DIGITS)) for k in template)


@st.composite
def written_as(draw: st.DrawFn, plate: str) -> str:
    out = []
    for ch in plate:
        if draw(st.booleans()):
            ch = ch.lower()
        if draw(st.integers(0, 9)) == 0:
            ch = chr(ord(ch.upper()) - 0x21 + 0xFF01)  # full width
        out.append(ch)
        if draw(st.integers(0, 5)) == 0:
            out.append(draw(st.sampled_from([" ", "-", ".", "\u00a0", "\u2013"])))
    return "".join(out)


@settings(max_examples=300)
@given(st.data())
def test_formatting_variants_of_one_registration_normalise_the_same(data: st.DataObject) -> None:
    plate = data.draw(registrations())
    variant = data.draw(written_as(plate))
    assert normalise_plate(variant) == plate
    assert normalise_plate(plate) == plate  # idempotent
    assert match_plate(variant, plate) == "same"


@settings(max_examples=300)
@given(st.text(max_size=12))
def test_normalising_is_idempotent_on_any_text(text: str) -> None:
    once = normalise_plate(text)
    if once is not None:
        assert normalise_plate(once) == once


@settings(max_examples=300)
@given(st.data())
def test_a_partial_matches_exactly_the_registrations_it_should(data: st.DataObject) -> None:
    plate = data.draw(registrations())
    start = data.draw(st.integers(0, len(plate) - 1))
    end = data.draw(st.integers(start, len(plate)))
    star = data.draw(st.booleans())
    partial = plate[:start] + ("*" if star else "?" * (end - start)) + plate[end:]
    if not is_partial(partial) or normalise_plate(partial) is None:
        return  # too little known: not a registration at all
    assert match_plate(partial, plate) == "possible"
    other = data.draw(registrations())
    pattern = "^" + "".join("." if c == "?" else ".*" if c == "*" else c for c in partial) + "$"
    fits = re.match(pattern, other) is not None
    if fits:
        assert match_plate(partial, other) == "possible"
    elif match_plate(partial, other) == "possible":
        # Only a misreading of a confusable character may make it possible.
        confusable = {"O": "0", "I": "1", "S": "5", "B": "8", "Z": "2", "G": "6"}
        swapped = pattern
        for a, b in confusable.items():
            swapped = swapped.replace(a, f"[{a}{b}]").replace(b, f"[{a}{b}]")
        assert re.match(swapped, other)


@settings(max_examples=200)
@given(st.data())
def test_confusables_are_never_the_same(data: st.DataObject) -> None:
    plate = data.draw(registrations())
    confusable = {"O": "0", "0": "O", "I": "1", "1": "I", "S": "5", "5": "S", "B": "8", "8": "B"}
    positions = [i for i, ch in enumerate(plate) if ch in confusable]
    if not positions:
        return
    i = data.draw(st.sampled_from(positions))
    misread = plate[:i] + confusable[plate[i]] + plate[i + 1 :]
    assert match_plate(plate, misread) in ("possible", "none")
    assert match_plate(plate, misread) != "same"


# --- phones -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "07700 900123",
        "07700900123",
        "(07700) 900-123",
        "+44 7700 900123",
        "+447700900123",
        "0044 7700 900123",
        "+44 (0)7700 900123",
        "\uff10\uff17\uff17\uff10\uff10 \uff19\uff10\uff10\uff11\uff12\uff13",  # full width
    ],
)
def test_uk_numbers_in_every_form_are_one(written: str) -> None:
    assert normalise_phone(written) == "+447700900123"


@pytest.mark.parametrize("text", ["", "12", "07700", "0770090012345678", "call me", "+44"])
def test_what_is_not_a_number_is_none(text: str) -> None:
    assert normalise_phone(text) is None


def test_other_countries_in_international_form() -> None:
    assert normalise_phone("+1 202 555 0100") == "+12025550100"


@settings(max_examples=200)
@given(st.integers(0, 999), st.sampled_from(["{}", "+44 {}", "0044 {}", "+44 (0){}"]))
def test_formatting_variants_of_a_number_are_the_same(last: int, form: str) -> None:
    national = f"7700 900{last:03d}"
    written = form.format(national if form != "{}" else "0" + national)
    canonical = normalise_phone(written)
    assert canonical == f"+447700900{last:03d}"
    assert normalise_phone(canonical) == canonical


# --- names, handles, places -------------------------------------------------------------


def test_names_ignore_case_accents_and_punctuation() -> None:
    assert normalise_name("Dáve-O") == normalise_name("dave o") == "dave o"
    assert match_name("Big Dazzo", "big  dazzo!") == "same"


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("Dazzo", "Dazo", "possible"),  # one letter dropped
        ("Dazzo", "Dzazo", "possible"),  # two swapped
        ("Big Daz", "BigDaz", "possible"),  # spaces moved
        ("Shiner", "Shinner", "possible"),
        ("Christopher", "Kristopher", "possible"),  # two edits, long name
        ("Kaz", "Kez", "none"),  # short names must be equal
        ("Dazzo", "Fizzer", "none"),
        ("Toffee", "Coffee", "possible"),
        ("Toffee", "Tiffany", "none"),
    ],
)
def test_close_spellings_are_possible(a: str, b: str, expected: str) -> None:
    assert match_name(a, b) == expected


def test_handles_ignore_case_and_a_leading_at_and_know_platform_names() -> None:
    assert normalise_handle("Snap", " @TamQ_09 ") == ("snapchat", "tamq_09")
    assert normalise_handle("IG", "tamq_09") == ("instagram", "tamq_09")
    assert normalise_handle("Some New App", "tq") == ("some new app", "tq")
    assert normalise_handle("snapchat", " @ ") is None


def test_places_are_a_name_and_an_area() -> None:
    assert normalise_place("Golden Spoon Takeaway", "Northfield") == (
        "golden spoon takeaway|northfield"
    )
    assert match_place("Golden Spoon", "Northfield", "golden spoon", "NORTHFIELD") == "same"
    assert match_place("Golden Spoon", "Northfield", "Golden Spon", "") == "possible"
    assert match_place("Golden Spoon", "Northfield", "Golden Spoon", "Eastgate") == "none"
    assert match_place("The Lantern Hotel", "", "lantern hotel", "") == "same"


# --- what a mention is keyed by ---------------------------------------------------------


def _key(kind: str, text: str, extra: str = "") -> str | None:
    found = entity_key(Mention(kind, text, extra))
    return None if found is None else found[0]


def test_what_names_nothing_is_no_key() -> None:
    for kind, text, extra in [
        ("handle", "?", "Snapchat"),
        ("handle", "unknown", "Snapchat"),
        ("handle", "-", "Instagram"),
        ("person", "Unknown", ""),
        ("person", "n/a", ""),
        ("person", "Not known", ""),
        ("person", "the driver", ""),
        ("person", "older male", ""),
        ("place", "home", ""),
        ("place", "Home", "Northfield"),
        ("place", "the flat", ""),
        ("place", "her friend's house", ""),
        ("place", "unknown", "Northfield"),
        ("phone", "00000 000000", ""),
        ("phone", "0000000000", ""),
        ("phone", "unknown", ""),
        # never keys, nor are they another country's registration
        ("vehicle", "unknown", ""),
        ("vehicle", "none", ""),
        ("vehicle", "white van", ""),
        ("vehicle", "?", ""),
        # makes, models and kinds of vehicle, written as a registration
        *(("vehicle", text, "") for text in ["Taxi", "Golf", "Corsa", "Nissan", "BMW", "Bus"]),
        *(("vehicle", text, "") for text in ["Mini", "Audi", "Polo", "BIG DAD", "Audi A3"]),
        *(("vehicle", text, "") for text in ["BMW X5", "4x4", "black 4x4", "Fiat 500"]),
        # clear non-answers for a person and a handle
        ("person", "unknown male", ""),
        ("person", "none", ""),
        ("person", "?", ""),
        ("person", "a guy", ""),
        ("handle", "n/a", "TikTok"),
        ("handle", "none", "Snapchat"),
        # initials-like non-answers are still none where no name is expected
        ("place", "nk", ""),
        ("phone", "nil", ""),
    ]:
        assert entity_key(Mention(kind, text, extra)) is None, (kind, text, extra)


def test_names_initials_and_handles_like_non_answers_are_keys() -> None:
    for kind, text, extra, key in [
        ("person", "Guy", "", "guy"),
        ("person", "Lad", "", "lad"),
        ("person", "DK", "", "dk"),
        ("person", "NK", "", "nk"),
        ("person", "Nil", "", "nil"),
        ("handle", "private", "Snapchat", "snapchat:private"),
        ("handle", "x", "TikTok", "tiktok:x"),
        ("handle", "idk", "Instagram", "instagram:idk"),
    ]:
        assert _key(kind, text, extra) == key, (kind, text, extra)


@pytest.mark.parametrize(
    ("kind", "first", "second"),
    [
        ("handle", ("@dave_123", "Instagram"), ("https://www.instagram.com/dave_123/", "IG")),
        ("handle", ("dave_123", "Snapchat"), ("dave_123.", "Snap")),
        ("handle", ("07700 900123", "WhatsApp"), ("+44 7700 900123", "WhatsApp")),
        ("place", ("McDonald's", "Town centre"), ("McDonalds", "Town Centre")),
        ("place", ("Tony's Takeaway", ""), ("Tonys Takeaway", "")),
        ("person", ("D'Andre", ""), ("Dandre", "")),
        ("vehicle", ("191-D-12345", ""), ("191 d 12345", "")),
    ],
)
def test_one_thing_written_two_ways_has_one_key(
    kind: str, first: tuple[str, str], second: tuple[str, str]
) -> None:
    assert _key(kind, *first) == _key(kind, *second) is not None


def test_registrations_are_keyed_uk_or_exact() -> None:
    for written, key, fuzzy, partial in [
        ("AB12 C0E", "AB12C0E", "A812C0E", False),  # misread: kept, folded in the fuzzy key
        ("MA51 00K", "MA5100K", "MA5100K", False),
        ("AB1Z CDE", "AB1ZCDE", "A812CDE", False),
        ("AB12 C?E", "AB12C?E", "A812C?E", True),
        ("191-D-12345", "191D12345", EXACT_ONLY + "191D12345", False),  # another country's
        ("AB-123-CD", "AB123CD", EXACT_ONLY + "AB123CD", False),
    ]:
        assert entity_key(Mention("vehicle", written)) == (key, fuzzy, written, partial)
