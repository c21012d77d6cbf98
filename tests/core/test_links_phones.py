"""Phone numbers to E.164, however they were written down.

Only numbers set aside for drama and examples: Ofcom's 07700 900000 to 900999, 020 7946
0xxx, 0113 496 0xxx and 0161 496 0xxx; North America's 555 01xx; France's 06 39 98 xx xx;
Australia's 0491 570 1xx.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outreach.links import normalise_phone

DRAMA = "+447700900123"


@pytest.mark.parametrize(
    "written",
    [
        "07700 900123",
        "07700900123",
        "07700-900-123",
        "07700.900.123",
        "0770 090 0123",
        "(07700) 900-123",
        "(07700) 900 123",
        " 07700 900123 ",
        "+44 7700 900123",
        "+447700900123",
        "+44-7700-900-123",
        "+ 44 7700 900123",
        "(+44) 7700 900123",
        "0044 7700 900123",
        "00447700900123",
        "+44 (0)7700 900123",
        "+44 (0) 7700-900-123",
        "+44(0)7700900123",
        "+44 0 7700 900123",
        "07700\u00a0900123",  # non-breaking space
        "07700\u2013900\u2013123",  # en dashes
        "\uff10\uff17\uff17\uff10\uff10 \uff19\uff10\uff10\uff11\uff12\uff13",  # full width
        "\uff0b\uff14\uff14 7700 900123",  # full-width plus
        "\u0660\u0667\u0667\u0660\u0660\u0669\u0660\u0660\u0661\u0662\u0663",  # Arabic-Indic
        "tel: 07700 900123",
        "mob 07700 900123",
        "07700 900123 ext 45",  # E.164 carries no extension
        "07700 900123 x45",
    ],
)
def test_uk_numbers_in_every_form_are_one(written: str) -> None:
    assert normalise_phone(written) == DRAMA


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("020 7946 0018", "+442079460018"),
        ("+44 20 7946 0018", "+442079460018"),
        ("(020) 7946-0018", "+442079460018"),
        ("0113 496 0123", "+441134960123"),
        ("0161 496 0999", "+441614960999"),
        ("07700 900000", "+447700900000"),
        ("07700 900999", "+447700900999"),
    ],
)
def test_other_uk_numbers(written: str, canonical: str) -> None:
    assert normalise_phone(written) == canonical


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("+1 202 555 0100", "+12025550100"),
        ("+1 (202) 555-0199", "+12025550199"),
        ("001 202 555 0100", "+12025550100"),  # the UK's international prefix
        ("+33 6 39 98 12 34", "+33639981234"),
        ("0033 6 39 98 12 34", "+33639981234"),
        ("+61 491 570 156", "+61491570156"),
        ("+61 (0)491 570 156", "+61491570156"),
    ],
)
def test_other_countries_in_international_form(written: str, canonical: str) -> None:
    assert normalise_phone(written) == canonical


def test_national_numbers_are_read_in_the_region_given() -> None:
    assert normalise_phone("06 39 98 12 34", "FR") == "+33639981234"
    assert normalise_phone("0491 570 156", region="au") == "+61491570156"
    assert normalise_phone("(202) 555-0100", "US") == "+12025550100"
    # An international number is the same whatever the region.
    assert normalise_phone("+44 7700 900123", "FR") == DRAMA
    assert normalise_phone("07700 900123", "ZZ") is None  # no such region


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "+",
        "12",
        "999",
        "07700",
        "07700 9",
        "07700 9001234",  # a digit too many
        "0770090012345678",
        "+44",
        "+44 7700 900123 4567",
        "call me",
        "unknown",
        "07700 900xxx",  # last digits unknown: not 07700 900999 as keypad letters
        "07700 900 ???",
        "07700 9OO123",  # letters O for zeros: not guessed
        "0800 FLOWERS",
        "07700 900123 (mobile)",  # notes belong in their own field
        "07700 900123 or 07700 900124",  # two numbers are not one
        "07700 900123, 07700 900124",
        "+999 1234 5678",  # no such country code
        "07700 900123" * 20,
    ],
)
def test_what_is_not_a_possible_number_is_none(text: str) -> None:
    assert normalise_phone(text) is None


def test_a_placeholder_is_not_a_number() -> None:
    for text in [
        "00000 000000",  # written for "no number": it would link everyone without one
        "0000000000",
        "07777 777777",  # one digit over and over
        "01111 111111",
        "+44 0000 000000",  # no UK number starts 0 after the country code
        "+44 (0)0 1234 5678",
    ]:
        assert normalise_phone(text) is None, text
    # A country whose numbers do start with 0 keeps them.
    assert normalise_phone("+39 06 6988 1234") == "+390669881234"  # Rome


# --- properties -------------------------------------------------------------------------

SEPARATORS = ["", " ", "  ", "-", ".", "\u00a0", "\u2013"]


def _full_width(text: str) -> str:
    return "".join(chr(ord(ch) - 0x30 + 0xFF10) if ch.isdigit() else ch for ch in text)


@st.composite
def drama_number(draw: st.DrawFn) -> tuple[str, str]:
    """(how it was written, its E.164 form) for a number in Ofcom's drama range."""
    last = draw(st.integers(0, 999))
    national = f"7700900{last:03d}"
    prefix = draw(st.sampled_from(["0", "+44", "+44 ", "0044 ", "+44 (0)", "(+44) ", "+44 0"]))
    digits = [
        ch + draw(st.sampled_from(SEPARATORS)) if draw(st.integers(0, 2)) == 0 else ch
        for ch in national
    ]
    written = prefix + "".join(digits)
    if prefix == "0" and draw(st.booleans()):
        written = f"(0{national[:4]}) {national[4:]}"
    if draw(st.booleans()):
        written = _full_width(written)
    return written, f"+44{national}"


@settings(max_examples=200)
@given(drama_number())
def test_formatting_variants_of_a_number_are_one(number: tuple[str, str]) -> None:
    written, canonical = number
    assert normalise_phone(written) == canonical


@settings(max_examples=200)
@given(drama_number(), st.sampled_from(["GB", "gb", "FR", "US", "AU"]))
def test_e164_is_read_back_as_itself_in_any_region(number: tuple[str, str], region: str) -> None:
    _, canonical = number
    assert normalise_phone(canonical, region) == canonical


@settings(max_examples=200)
@given(st.text(alphabet="0123456789 +-()x", max_size=20) | st.text(max_size=20))
def test_normalising_is_idempotent(text: str) -> None:
    once = normalise_phone(text)
    if once is not None:
        assert normalise_phone(once) == once
        assert once.startswith("+")
        assert once[1:].isdigit()
        assert once[1:].isascii()


@settings(max_examples=200)
@given(st.integers(0, 999), st.integers(0, 9), st.sampled_from(["0{}", "+44 {}", "0044 {}"]))
def test_a_digit_more_or_less_is_never_the_number(last: int, extra: int, form: str) -> None:
    national = f"7700900{last:03d}"
    assert normalise_phone(form.format(national + str(extra))) is None  # too long for the UK
    assert normalise_phone(form.format(national[:-1])) != f"+44{national}"
