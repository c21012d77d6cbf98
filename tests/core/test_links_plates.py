"""Vehicle registrations: every UK format however written, partials, misreadings.

Every registration here is made up: fixed examples by hand, the rest random letters and
digits in the UK formats.
"""

from __future__ import annotations

import functools
import itertools
import random
import re
from fnmatch import fnmatchcase

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outreach.links import (
    is_partial,
    is_uk_format,
    match_plate,
    normalise_plate,
    normalise_registration,
    plate_key,
)
from outreach.links.plates import TEMPLATES

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIGITS = "0123456789"
PAIRS = {"O": "0", "I": "1", "S": "5", "B": "8", "Z": "2", "G": "6"}
PARTNER = {**PAIRS, **{digit: letter for letter, digit in PAIRS.items()}}
CYRILLIC = dict(zip("ABEKMHOPCTX", "АВЕКМНОРСТХ", strict=True))  # noqa: RUF001
GREEK = dict(zip("ABEZHIKMNOPTYX", "ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", strict=True))  # noqa: RUF001
SEPARATORS = [" ", "  ", "-", ".", "\u00a0", "\u2013", "\u2014", "\u2212", "\u200b", "\t"]

# --- normalising ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        # current, 2001 onwards
        ("AB12 CDE", "AB12CDE"),
        ("ab12cde", "AB12CDE"),
        ("Ab12 cDe", "AB12CDE"),
        ("  AB12   CDE  ", "AB12CDE"),
        ("AB-12-CDE", "AB12CDE"),
        ("AB.12.CDE", "AB12CDE"),
        ("A B 1 2 C D E", "AB12CDE"),
        ("AB12/CDE", "AB12CDE"),
        ("AB12\u00a0CDE", "AB12CDE"),  # non-breaking space
        ("AB12\u2013CDE", "AB12CDE"),  # en dash
        ("AB12\u2014CDE", "AB12CDE"),  # em dash
        ("AB12\u200bCDE", "AB12CDE"),  # zero-width space, pasted from a message
        ("\uff21\uff22\uff11\uff12\u3000\uff23\uff24\uff25", "AB12CDE"),  # full width
        ("\u0410\u041212 \u0421D\u0415", "AB12CDE"),  # Cyrillic A, B, C, E
        ("\u0430\u044012 \u0441d\u0435", "AP12CDE"),  # Cyrillic lower case a, p, c, e
        ("\u0391\u039212 CD\u0395", "AB12CDE"),  # Greek Alpha, Beta, Epsilon
        ("XY71 \u041c\u041d\u041e", "XY71MHO"),  # Cyrillic M, N (looks H), O
        # prefix
        ("A123 BCD", "A123BCD"),
        ("A12 BCD", "A12BCD"),
        ("A1 BCD", "A1BCD"),
        ("p 417 kmt", "P417KMT"),
        # suffix
        ("ABC 123D", "ABC123D"),
        ("ABC 12D", "ABC12D"),
        ("ABC 1D", "ABC1D"),
        ("rjw-604-t", "RJW604T"),
        # dateless
        ("ABC 123", "ABC123"),
        ("AB 1234", "AB1234"),
        ("A 1", "A1"),
        ("1234 AB", "1234AB"),
        ("1 ABC", "1ABC"),
        ("99 K", "99K"),
        # Northern Ireland
        ("ABZ 1234", "ABZ1234"),
        ("AIZ 123", "AIZ123"),
        ("AZ 123", "AZ123"),
        ("mkz 8071", "MKZ8071"),
        # partial
        ("ab12 c?e", "AB12C?E"),
        ("AB1*", "AB1*"),
        ("*CDE", "*CDE"),
        ("AB12 *", "AB12*"),
        ("AB** CDE", "AB*CDE"),
        ("A?12 ?DE", "A?12?DE"),
        ("AB??", "AB??"),
        ("\uff21\uff22\uff1f\uff0a", "AB?*"),  # full-width ? and *
        ("AB1\u2217", "AB1*"),  # asterisk operator
        # a character of a confusable pair may stand for either: kept as written
        ("AB12 C0E", "AB12C0E"),  # 0 for O among the letters
        ("MA51 00K", "MA5100K"),
        ("AB1Z CDE", "AB1ZCDE"),  # Z for 2 among the digits
        ("12345 A", "12345A"),  # 1234 SA with S read as 5
        ("AB1* C0E", "AB1*C0E"),
    ],
)
def test_registrations_in_every_format_and_spelling_normalise(written: str, canonical: str) -> None:
    assert normalise_plate(written) == canonical


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "- . -",
        "A",
        "7",
        "?",
        "*",
        "**",
        "A*",
        "?1",
        "A?*",
        "hello world",
        "AB12CDEF",  # eight characters
        "AB12 CDE 4",
        "ACDE 347",  # four letters
        "34779 A",  # five digits
        "ABC1234D",
        "AB1C2DE",  # letters and digits interleaved
        "AB12#CDE",
        "AB12,CDE",
        "AB12_CDE?X",
        "AB12 CDÉ",  # an accent is not a look-alike
        "АБ12 CDE",  # Cyrillic Be looks like nothing Latin  # noqa: RUF001
        "AB12CDE" * 20,  # far too long to be one
        "ACDEF*",  # no format starts with five letters
        "*34779",  # nor ends with five digits
        "191-D-12345",  # another country's: see normalise_registration
        # words fit no format unless letters are read as digits: a misread needs a digit
        # as written where the format has one, and a letter where it has one
        "Taxi",
        "Golf",
        "Corsa",
        "Nissan",
        "BMW",
        "Bus",
        "Mini",
        "Audi",
        "Polo",
        "BIG DAD",  # so B16 DAD styled as words is refused too
        "PIO BCD",
        "1234",  # nor a bare number by reading digits as letters
    ],
)
def test_what_cannot_be_a_registration_is_none(text: str) -> None:
    assert normalise_plate(text) is None


def test_another_countrys_registration_is_kept_whole_and_words_are_not() -> None:
    for written, canonical in [
        ("191-D-12345", "191D12345"),  # Irish
        ("AB-123-CD", "AB123CD"),  # French
        ("B 1234 CD", "B1234CD"),
        ("AB12CDEF", "AB12CDEF"),  # eight characters
    ]:
        assert normalise_registration(written) == canonical, written
        assert not is_uk_format(canonical), written
        assert normalise_plate(written) is None, written
    for written, canonical in [
        ("AB12 CDE", "AB12CDE"),
        ("AB12 C0E", "AB12C0E"),
        ("ab12 c?e", "AB12C?E"),
        ("12-D-3456", "12D3456"),  # older Irish, and IZD 3456 misread
    ]:
        assert normalise_registration(written) == normalise_plate(written) == canonical
        assert is_uk_format(canonical), written
    for text in [
        "white van",  # words written in the registration box
        "UNKNOWN",
        "12345678",  # a bare number
        "AB12CDEFGHJ",  # eleven characters
        "AB-123-C?",  # another country's partial: its format is not known
        "191-D-1234?",
        "191-D-1234567",
        "AB#123",
        # makes and models: one digit, one letter, or a word of one
        "Audi A3",
        "BMW X5",
        "Audi Q7",
        "4x4",
        "black 4x4",
        "Fiat 500",
        "Taxi",
        "Golf",
        "Polo",
        "",
    ]:
        assert normalise_registration(text) is None, text


def test_partial_means_a_wildcard() -> None:
    assert is_partial("AB1*")
    assert is_partial("AB12C?E")
    assert not is_partial("AB12CDE")


# --- matching ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("AB12 CDE", "ab12-cde", "same"),
        ("AB12 CDE", "\u0410\u041212 CDE", "same"),
        ("A123 BCD", "a 123 bcd", "same"),
        # a partial is never "same", even with itself or with what it fits exactly
        ("AB12 CDE", "AB12 C?E", "possible"),
        ("AB12 C?E", "AB12 C?E", "possible"),
        ("AB1*", "AB12 CDE", "possible"),
        ("*CDE", "AB12 CDE", "possible"),
        ("AB12*", "AB12", "possible"),  # a star may be empty
        ("A*", "AB12 CDE", "none"),  # too little known to be a partial at all
        # two partials that could be one car
        ("AB1*", "*CDE", "possible"),
        ("AB?2 CDE", "AB1? CDE", "possible"),
        ("AB12 *", "* CDE", "possible"),
        ("AB*", "*3479A", "none"),  # only AB3479A fits both, and no format is LLDDDDL
        ("AB*", "*1234A", "possible"),  # ABI234A (suffix), with I read as 1
        ("AB12 C?E", "AB12 CD", "none"),
        # misread in the dark: possible, never same
        ("AB12 CDE", "A812 CDE", "possible"),  # B/8
        ("SO51 GZB", "5051 GZB", "possible"),  # S/5, O/0, and 5051GZB is dateless
        # a misread that fits no format as written is still that registration misread
        ("AB51 CDE", "AB5I CDE", "possible"),
        ("P10 BCD", "PI0 BCD", "possible"),
        ("AB12 CDO", "AB12 CD0", "possible"),
        ("AB12 COE", "AB12 C0E", "possible"),
        ("AB12 CDE", "AB1Z CDE", "possible"),
        ("ABC 123", "A8C 123", "possible"),
        ("ABC 1D", "A8C 1D", "possible"),
        ("A1 BOD", "A1 B0D", "possible"),
        ("B16 DAD", "BIG DAD", "none"),  # words are no registration, even misread
        ("Taxi", "Taxi", "none"),
        ("black 4x4", "black 4x4", "none"),
        ("Audi A3", "audi a3", "none"),
        ("G1 ABC", "61 ABC", "possible"),  # dateless both ways round
        ("Z1 ABC", "21 ABC", "possible"),
        ("GB12 CDE", "6812 CDE", "possible"),  # two misreadings
        ("SB 1234", "S8 1234", "possible"),  # SB1234 read both ways
        ("SB 1234", "58 1234", "none"),  # no letter as written: a bare number
        ("AB1*", "A81*", "possible"),  # partials misread
        ("AB1*", "A8I2 CDE", "possible"),  # AB12CDE read two ways
        ("AB12 C?E", "AB?2 CDE", "possible"),  # two partials, neither key a glob of the other
        # another country's registration: itself, however written, and nothing else
        ("191-D-12345", "191-D-12345", "same"),
        ("191-D-12345", "191 d 12345", "same"),
        ("AB-123-CD", "ab123cd", "same"),
        ("191-D-12345", "191-D-12346", "none"),
        ("AB-123-CD", "A8-123-CD", "none"),  # no misreads: its format is not known
        ("AB-123-CD", "AB-123-C?", "none"),  # nor partials
        ("AB-123-CD", "AB*", "none"),
        ("12-D-3456", "12-D-3456", "same"),  # fits IZD 3456 (Northern Ireland) misread
        ("AB1*", "AB 12", "possible"),
        # near misses
        ("AB12 CDE", "AB12 CD3", "none"),  # E and 3 are not a confusable pair
        ("AB12 CDE", "AB12 CDF", "none"),
        ("AB12 CDE", "AB13 CDE", "none"),
        ("AB12 CDE", "BA12 CDE", "none"),  # swapped
        ("AB12 CDE", "AB12 CD", "none"),  # a character short is another registration
        ("A123 BCD", "A12 BCD", "none"),
        ("AB1*", "XY12 CDE", "none"),
        ("AB12 C?E", "AB12 CDF", "none"),
        ("*CDE", "AB12 CDF", "none"),
        ("AB12 CDE", "not a plate", "none"),
        ("AB12 CDE", "", "none"),
        ("", "", "none"),
    ],
)
def test_match_plate(a: str, b: str, expected: str) -> None:
    assert match_plate(a, b) == expected
    assert match_plate(b, a) == expected


def test_plate_key_gives_each_confusable_pair_one_character() -> None:
    assert plate_key("AB12CDE") == plate_key("A812CDE") == "A812CDE"
    assert plate_key("SO51GZB") == "5051628"
    assert plate_key("AB12CDE") != plate_key("AB12CDF")
    assert plate_key("AB1*") == "A81*"
    assert plate_key("A?12C?E") == "A?12C?E"


# --- properties -------------------------------------------------------------------------


def _in_template(template: str, letters: str, digits: str) -> st.SearchStrategy[str]:
    return st.tuples(
        *(st.sampled_from(letters if kind == "L" else digits) for kind in template)
    ).map("".join)


def registrations(letters: str = LETTERS, digits: str = DIGITS) -> st.SearchStrategy[str]:
    """Made-up full registrations in any UK format."""
    return st.sampled_from(TEMPLATES).flatmap(lambda t: _in_template(t, letters, digits))


@st.composite
def written_as(draw: st.DrawFn, plate: str) -> str:
    """One way a person or a phone might have typed ``plate``."""
    out = [draw(st.sampled_from(["", " ", "\u00a0"]))]
    for ch in plate:
        how = draw(st.sampled_from(["as is", "lower", "full width", "look-alike"]))
        if how == "lower":
            ch = ch.lower()
        elif how == "full width":
            ch = chr(ord(ch) - 0x21 + 0xFF01)
        elif how == "look-alike" and ch in CYRILLIC:
            ch = CYRILLIC[ch] if draw(st.booleans()) or ch not in GREEK else GREEK[ch]
        elif how == "look-alike" and ch in GREEK:
            ch = GREEK[ch]
        out.append(ch)
        if draw(st.integers(0, 3)) == 0:
            out.append(draw(st.sampled_from(SEPARATORS)))
    out.append(draw(st.sampled_from(["", " ", "\u00a0"])))
    return "".join(out)


@st.composite
def partial_of(draw: st.DrawFn, plate: str) -> str:
    """``plate`` with some characters unknown: each may become ``?``, and one run ``*``."""
    chars = [ch if draw(st.integers(0, 3)) else "?" for ch in plate]
    if draw(st.booleans()):
        start = draw(st.integers(0, len(chars)))
        end = draw(st.integers(start, len(chars)))
        chars[start:end] = ["*"]
    return "".join(chars)


@st.composite
def filled(draw: st.DrawFn, partial: str, alphabet: str = LETTERS + DIGITS) -> str:
    """A registration ``partial`` might be: its unknowns filled in, some known ones misread."""
    out = []
    for ch in partial:
        if ch == "?":
            out.append(draw(st.sampled_from(alphabet)))
        elif ch == "*":
            out.append(draw(st.text(alphabet=alphabet, max_size=3)))
        elif ch in PARTNER and draw(st.integers(0, 3)) == 0:
            out.append(PARTNER[ch])
        else:
            out.append(ch)
    return "".join(out)


def _reads_as(pattern: str) -> re.Pattern[str]:
    """Every registration ``pattern`` could be a reading of, misreads included.

    Written independently of the code under test: each known character stands for
    itself or its confusable partner."""
    parts = []
    for ch in pattern:
        if ch == "?":
            parts.append(".")
        elif ch == "*":
            parts.append(".*")
        else:
            parts.append(f"[{ch}{PARTNER.get(ch, '')}]")
    return re.compile("".join(parts))


# A closed little world: one plain letter, one plain digit and one confusable pair. Any
# two patterns written in it could be one car exactly when some registration in it is a
# reading of both, so the set of all its registrations is a complete oracle.
SMALL_LETTERS, SMALL_DIGITS = "AB", "38"


@functools.cache
def _small_world() -> tuple[str, ...]:
    return tuple(
        "".join(chars)
        for template in TEMPLATES
        for chars in itertools.product(
            *((SMALL_LETTERS if kind == "L" else SMALL_DIGITS) for kind in template)
        )
    )


@settings(max_examples=200)
@given(st.data())
def test_formatting_variants_of_one_registration_normalise_the_same(data: st.DataObject) -> None:
    plate = data.draw(registrations())
    variant = data.draw(written_as(plate))
    assert normalise_plate(variant) == plate
    assert match_plate(variant, plate) == "same"


@settings(max_examples=200)
@given(st.data())
def test_formatting_variants_of_a_partial_normalise_the_same(data: st.DataObject) -> None:
    partial = data.draw(registrations().flatmap(partial_of))
    if normalise_plate(partial) is None:
        return  # fewer than two known characters
    assert normalise_plate(partial) == partial
    assert normalise_plate(data.draw(written_as(partial))) == partial


@settings(max_examples=200)
@given(st.text(alphabet="AbCo0123SI?* -.\u00a0\uff21\u0410", max_size=12) | st.text(max_size=12))
def test_normalising_is_idempotent(text: str) -> None:
    once = normalise_plate(text)
    if once is not None:
        assert normalise_plate(once) == once
        assert once == once.upper()
        assert re.fullmatch(r"[A-Z0-9?*]+", once)


@settings(max_examples=200)
@given(st.data())
def test_a_partial_fits_the_registration_it_came_from(data: st.DataObject) -> None:
    plate = data.draw(registrations())
    partial = data.draw(partial_of(plate))
    if normalise_plate(partial) is None:
        return  # fewer than two known characters: not a registration at all
    assert match_plate(partial, plate) == ("possible" if is_partial(partial) else "same")


@settings(max_examples=200)
@given(st.data())
def test_a_partial_fits_exactly_the_registrations_it_should(data: st.DataObject) -> None:
    partial = data.draw(registrations().flatmap(partial_of))
    if normalise_plate(partial) is None or not is_partial(partial):
        return
    other = data.draw(registrations() | filled(partial))
    if normalise_plate(other) is None:
        return
    exact = re.fullmatch(partial.replace("?", ".").replace("*", ".*"), other) is not None
    misread = _reads_as(partial).fullmatch(other) is not None
    if exact:
        assert match_plate(partial, other) == "possible"
    else:
        assert match_plate(partial, other) == ("possible" if misread else "none")


@settings(max_examples=200)
@given(st.data())
def test_two_partials_of_one_registration_are_possible(data: st.DataObject) -> None:
    plate = data.draw(registrations())
    first, second = data.draw(partial_of(plate)), data.draw(partial_of(plate))
    if normalise_plate(first) is None or normalise_plate(second) is None:
        return
    expected = "same" if not is_partial(first) and not is_partial(second) else "possible"
    assert match_plate(first, second) == expected


@settings(max_examples=200)
@given(st.data())
def test_matching_agrees_with_every_registration_of_a_small_world(
    data: st.DataObject,
) -> None:
    small = registrations(SMALL_LETTERS, SMALL_DIGITS)
    patterns = small | small.flatmap(partial_of) | small.flatmap(filled)
    a = data.draw(patterns)
    related = st.just(a).flatmap(lambda p: filled(p, SMALL_LETTERS + SMALL_DIGITS))
    b = data.draw(patterns | related | related.flatmap(partial_of))
    if normalise_plate(a) is None or normalise_plate(b) is None:
        return
    reads_a, reads_b = _reads_as(a), _reads_as(b)
    one_car = any(reads_a.fullmatch(plate) and reads_b.fullmatch(plate) for plate in _small_world())
    if a == b and not is_partial(a):
        assert match_plate(a, b) == "same"
    else:
        assert match_plate(a, b) == ("possible" if one_car else "none")


@settings(max_examples=200)
@given(st.data())
def test_misreadings_are_possible_and_never_the_same(data: st.DataObject) -> None:
    plate = data.draw(registrations())
    positions = [i for i, ch in enumerate(plate) if ch in PARTNER]
    if not positions:
        return
    chosen = data.draw(st.sets(st.sampled_from(positions), min_size=1))
    misread = "".join(PARTNER[ch] if i in chosen else ch for i, ch in enumerate(plate))
    kept = [plate[i] for i in range(len(plate)) if i not in chosen]
    if not any(ch.isdigit() for ch in kept) or not any(ch.isalpha() for ch in kept):
        return  # no digit or no letter left as written: words fit so, and are refused
    # What was written may fit no format as it stands: it is still a reading of ``plate``.
    assert normalise_plate(misread) == misread
    assert match_plate(plate, misread) == "possible"
    assert plate_key(plate) == plate_key(misread)


@settings(max_examples=200)
@given(st.data())
def test_near_misses_do_not_match(data: st.DataObject) -> None:
    plate = data.draw(registrations())
    i = data.draw(st.integers(0, len(plate) - 1))
    pool = LETTERS if plate[i].isalpha() else DIGITS
    other = data.draw(
        st.sampled_from([c for c in pool if c not in (plate[i], PARTNER.get(plate[i]))])
    )
    near = plate[:i] + other + plate[i + 1 :]
    assert match_plate(plate, near) == "none"


def _any_plate() -> st.SearchStrategy[str]:
    return st.one_of(
        registrations(),
        registrations().flatmap(partial_of),
        registrations(SMALL_LETTERS, SMALL_DIGITS).flatmap(partial_of),
        registrations().flatmap(written_as),
        st.text(alphabet="AB8O0S5?* ", max_size=9),
    )


@settings(max_examples=200)
@given(_any_plate(), _any_plate())
def test_matching_is_symmetric(a: str, b: str) -> None:
    assert match_plate(a, b) == match_plate(b, a)


@settings(max_examples=200)
@given(_any_plate(), _any_plate())
def test_plate_key_finds_every_candidate_by_equality_or_glob(a: str, b: str) -> None:
    """The connection index looks candidates up by the key alone: it must miss none."""
    first, second = normalise_plate(a), normalise_plate(b)
    if first is None or second is None or (is_partial(first) and is_partial(second)):
        return
    result = match_plate(first, second)
    if not is_partial(first) and not is_partial(second):
        assert (result != "none") == (plate_key(first) == plate_key(second))
    else:
        full, partial = (second, first) if is_partial(first) else (first, second)
        assert (result == "possible") == fnmatchcase(plate_key(full), plate_key(partial))


def test_the_quick_test_never_turns_away_two_partials_of_one_car() -> None:
    """match_plate turns partial pairs away on a quick test before searching every format;
    it must never turn away a pair the search accepts, or links would silently go."""
    from outreach.links import plates

    rng = random.Random(20261202)
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789??"
    keys = []
    for _ in range(1500):
        key = "".join(rng.choice(letters) for _ in range(rng.randint(2, 8)))
        if rng.random() < 0.4:
            at = rng.randint(0, len(key))
            key = key[:at] + "*" + key[at:]
        keys.append(key)
    meeting = 0
    for _ in range(25_000):
        a, b = rng.choice(keys), rng.choice(keys)
        if any(plates._one_car(a, b, template) for template in plates.TEMPLATES):
            meeting += 1
            assert plates._may_meet(a, b), (a, b)
    assert meeting > 20  # the sample holds pairs that meet
