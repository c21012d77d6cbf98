"""Names, nicknames, online handles and places, compared the way people write them.

Every name, handle and place here is made up.
"""

from __future__ import annotations

import functools
import typing

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import outreach.links
from outreach.links import (
    Match,
    is_non_answer,
    is_vague_place,
    match_name,
    match_place,
    normalise_handle,
    normalise_name,
    normalise_place,
)

# --- names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("Dáve-O", "dave o"),
        ("dave o", "dave o"),
        ("DAVE   O", "dave o"),
        ("  Big Dazzo!  ", "big dazzo"),
        ("Renée", "renee"),
        ("Zoë", "zoe"),
        ("Søren", "soren"),
        ("Łukasz", "lukasz"),
        ("Strauß", "strauss"),
        ("Æsa", "aesa"),
        ("\uff24\uff41\uff56\uff45", "dave"),  # full width
        ("T.J.", "t j"),
        ("Mac_Kenzie", "mac kenzie"),
        ("Shiner \U0001f525", "shiner"),
        ("Ткач", "ткач"),  # other scripts are kept as they are
        ("", ""),
        ("--!", ""),
        ("McDonald's", "mcdonalds"),  # an apostrophe joins, it does not part
        ("McDonald\u2019s", "mcdonalds"),
        ("O'Neil", "oneil"),
        ("Tony's Takeaway", "tonys takeaway"),
    ],
)
def test_names_ignore_case_accents_and_punctuation(written: str, normalised: str) -> None:
    assert normalise_name(written) == normalised


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("Dáve-O", "dave o", "same"),
        ("Big Dazzo", "big  dazzo!", "same"),
        ("Zoë", "ZOE", "same"),
        ("Mo", "mo", "same"),
        # spaces moved
        ("Big Daz", "BigDaz", "possible"),
        ("T.J.", "TJ", "possible"),
        # one edit from 4 characters
        ("Dazzo", "Dazo", "possible"),  # dropped
        ("Dazo", "Dazzo", "possible"),  # added
        ("Dazzo", "Dizzo", "possible"),  # changed
        ("Dazzo", "Dzazo", "possible"),  # two swapped
        ("Shiner", "Shinner", "possible"),
        ("Toffee", "Coffee", "possible"),
        ("Kofi", "Kofe", "possible"),
        # two edits from 8 characters
        ("Christopher", "Kristopher", "possible"),
        ("Marcellus", "Marselus", "possible"),
        # near misses
        ("Kaz", "Kez", "none"),  # under 4 characters: equal or nothing
        ("Jo", "J", "none"),
        ("Dazzo", "Dizzi", "none"),  # two edits on a short name
        ("Toffee", "Tiffany", "none"),
        ("Dazzo", "Fizzer", "none"),
        ("Christopher", "Christine", "none"),
        ("Jay", "Jay Smith", "none"),  # one name inside another is not guessed
        ("Dave", "", "none"),
        ("", "", "none"),
        ("!!", "??", "none"),
    ],
)
def test_match_name(a: str, b: str, expected: str) -> None:
    assert match_name(a, b) == expected
    assert match_name(b, a) == expected


def _alignment_distance(a: str, b: str) -> int:
    """Optimal string alignment distance straight from its definition, as an oracle."""

    @functools.cache
    def d(i: int, j: int) -> int:
        if i == 0 or j == 0:
            return i + j
        best = min(d(i - 1, j) + 1, d(i, j - 1) + 1, d(i - 1, j - 1) + (a[i - 1] != b[j - 1]))
        if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
            best = min(best, d(i - 2, j - 2) + 1)
        return best

    return d(len(a), len(b))


NAMEISH = st.text(alphabet="abdeno y", min_size=1, max_size=10).map(lambda s: " ".join(s.split()))


@st.composite
def respelled(draw: st.DrawFn, name: str) -> str:
    """``name`` with up to two random edits."""
    for _ in range(draw(st.integers(0, 2))):
        i = draw(st.integers(0, len(name)))
        edit = draw(st.sampled_from(["add", "drop", "change", "swap"]))
        letter = draw(st.sampled_from("abdeno"))
        if edit == "add":
            name = name[:i] + letter + name[i:]
        elif edit == "drop":
            name = name[:i] + name[i + 1 :]
        elif edit == "change":
            name = name[:i] + letter + name[i + 1 :]
        elif i + 1 < len(name):
            name = name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    return name


@settings(max_examples=200)
@given(st.data())
def test_match_name_follows_its_rules(data: st.DataObject) -> None:
    a = data.draw(NAMEISH)
    b = data.draw(NAMEISH | respelled(a).map(lambda s: " ".join(s.split())))
    shorter = min(len(a), len(b))
    allowed = 0 if shorter < 4 else 1 if shorter < 8 else 2
    if not a or not b:
        expected = "none"
    elif a == b:
        expected = "same"
    elif a.replace(" ", "") == b.replace(" ", ""):
        expected = "possible"
    else:
        expected = "possible" if _alignment_distance(a, b) <= allowed else "none"
    assert match_name(a, b) == expected


@settings(max_examples=200)
@given(st.text(max_size=20))
def test_normalising_a_name_is_idempotent(text: str) -> None:
    once = normalise_name(text)
    assert normalise_name(once) == once
    assert once == once.strip()
    assert "  " not in once


@settings(max_examples=200)
@given(st.text(max_size=12), st.text(max_size=12))
def test_match_name_is_symmetric(a: str, b: str) -> None:
    assert match_name(a, b) == match_name(b, a)


@settings(max_examples=200)
@given(st.text(alphabet="ABCdefÉéü -'.", min_size=1, max_size=12))
def test_a_name_is_the_same_as_itself_however_cased_and_spaced(name: str) -> None:
    if not normalise_name(name):
        return
    assert match_name(name, f"  {name.upper()}  ") == "same"
    assert match_name(name, name.replace(" ", "  ").replace("-", " ")) == "same"


# --- handles ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("platform", "handle", "expected"),
    [
        ("Snapchat", "@TamQ_09", ("snapchat", "tamq_09")),
        ("snap", " tamq_09 ", ("snapchat", "tamq_09")),
        ("SC", "TAMQ_09", ("snapchat", "tamq_09")),
        ("Snap Chat", "tamq_09", ("snapchat", "tamq_09")),
        ("Instagram", "@@tam.q", ("instagram", "tam.q")),
        ("insta", "tam.q", ("instagram", "tam.q")),
        ("IG", "@ tam.q", ("instagram", "tam.q")),
        ("TikTok", "@Tam.Q", ("tiktok", "tam.q")),
        ("Tik-Tok", "tam.q", ("tiktok", "tam.q")),
        ("tik tok", "tam.q", ("tiktok", "tam.q")),
        ("WhatsApp", "07700 900123", ("whatsapp", "+447700900123")),
        ("Whats App", "tam", ("whatsapp", "tam")),
        ("Facebook", "Tam Quill", ("facebook", "tamquill")),
        ("FB", "tam.quill", ("facebook", "tam.quill")),
        ("Telegram", "@tamq", ("telegram", "tamq")),
        ("X", "@TamQ", ("x", "tamq")),
        ("Twitter", "@TamQ", ("x", "tamq")),
        ("\uff29\uff27", "\uff34\uff41\uff4d", ("instagram", "tam")),  # full width
        ("Some  New App", "Tam", ("some new app", "tam")),  # unknown: kept, lower case
        ("", "tam", ("", "tam")),
        ("snapchat", "tam\u200bq", ("snapchat", "tamq")),  # zero-width space
    ],
)
def test_handles_name_their_platform_and_ignore_case_and_a_leading_at(
    platform: str, handle: str, expected: tuple[str, str]
) -> None:
    assert normalise_handle(platform, handle) == expected


@pytest.mark.parametrize("handle", ["", "   ", "@", " @ ", "@@"])
def test_an_empty_handle_is_none(handle: str) -> None:
    assert normalise_handle("snapchat", handle) is None


def test_handles_that_differ_in_punctuation_are_different_accounts() -> None:
    assert normalise_handle("IG", "tam.q") != normalise_handle("IG", "tam_q")
    assert normalise_handle("IG", "tamq") != normalise_handle("snap", "tamq")


@settings(max_examples=200)
@given(
    st.sampled_from(["snapchat", "Snap", "SC", "snap chat"]),
    # A handle ends in a letter, digit or underscore: a full stop after it ends a sentence.
    st.from_regex(r"[a-z][a-z0-9._]{1,11}[a-z0-9_]", fullmatch=True).filter(
        lambda handle: not is_non_answer(handle)
    ),
    st.sampled_from(["", "@", " @", "@ "]),
    st.sampled_from(["", " ", "  ", "\u00a0"]),
    st.booleans(),
)
def test_variants_of_a_handle_are_one(
    platform: str, handle: str, at: str, space: str, upper: bool
) -> None:
    written = space + at + (handle.upper() if upper else handle) + space
    assert normalise_handle(platform, written) == ("snapchat", handle)
    once = normalise_handle(platform, written)
    assert once is not None
    assert normalise_handle(*once) == once


def test_the_same_account_written_two_ways_is_one() -> None:
    for platform, written, expected in [
        ("Instagram", "https://www.instagram.com/dave_123/", ("instagram", "dave_123")),
        ("IG", "instagram.com/dave_123?igsh=x1", ("instagram", "dave_123")),
        ("", "https://instagram.com/dave_123", ("instagram", "dave_123")),  # names it
        ("Snapchat", "https://www.snapchat.com/add/dave_123", ("snapchat", "dave_123")),
        ("TikTok", "https://www.tiktok.com/@dave_123", ("tiktok", "dave_123")),
        ("FB", "https://m.facebook.com/profile.php?id=1000123", ("facebook", "1000123")),
        ("X", "https://twitter.com/dave_123", ("x", "dave_123")),
        ("Telegram", "t.me/dave_123", ("telegram", "dave_123")),
        ("WhatsApp", "https://wa.me/447700900123", ("whatsapp", "+447700900123")),
        ("Some App", "example.org/dave", ("some app", "example.org/dave")),  # unknown site
        # the end of a sentence is not part of the handle
        ("Snapchat", "dave_123.", ("snapchat", "dave_123")),
        ("Snapchat", "tam.q,", ("snapchat", "tam.q")),
        ("Snapchat", "dave_123!", ("snapchat", "dave_123")),
        # a WhatsApp or Telegram account is its number, however written
        ("WhatsApp", "07700 900123", ("whatsapp", "+447700900123")),
        ("WhatsApp", "+44 7700 900123", ("whatsapp", "+447700900123")),
        ("WA", "0044 7700 900123", ("whatsapp", "+447700900123")),
        ("Telegram", "07700 900123", ("telegram", "+447700900123")),
        ("Telegram", "dave_123", ("telegram", "dave_123")),
        ("Snapchat", "07700 900123", ("snapchat", "07700900123")),  # not a number there
    ]:
        assert normalise_handle(platform, written) == expected, written


def test_a_non_answer_is_no_handle_and_a_name_is_not_one() -> None:
    for written in ["?", "??", "-", "unknown", "Unknown", "N/A", "n/k", "none", "Not known"]:
        assert is_non_answer(written), written
        assert normalise_handle("Snapchat", written) is None, written
    for written in ["Dave", "Nono", "Tam.Q", "Unknown T", "Kaz"]:
        assert not is_non_answer(written), written
        assert normalise_handle("Snapchat", written) is not None, written


def test_a_vague_place_is_told_apart() -> None:
    for name, area, vague in [
        ("home", "", True),
        ("Home", "Northfield", True),  # everyone's home is somewhere else
        ("her friend's house", "", True),
        ("at her mum's house", "", True),
        ("the flat", "", True),
        ("The Park", "", True),
        ("the flat", "Northfield", False),  # a kind of place with an area says enough
        ("Bus station", "", False),  # one in a town
        ("Lantern Hotel", "", False),
        ("Tony's Takeaway", "", False),
    ]:
        assert is_vague_place(name, area) is vague, (name, area)


# --- places -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "area", "normalised"),
    [
        ("Golden Spoon Takeaway", "Northfield", "golden spoon takeaway|northfield"),
        ("The Lantern Hotel", "", "lantern hotel|"),
        ("THE  LANTERN HOTEL", "  North-field ", "lantern hotel|north field"),
        ("Café Rouge-et-Noir", "St. Jude's", "cafe rouge et noir|st judes"),
        ("", "Northfield", "|northfield"),
    ],
)
def test_a_place_is_its_name_and_its_area(name: str, area: str, normalised: str) -> None:
    assert normalise_place(name, area) == normalised


@pytest.mark.parametrize(
    ("a_name", "a_area", "b_name", "b_area", "expected"),
    [
        ("Golden Spoon", "Northfield", "golden spoon", "NORTHFIELD", "same"),
        ("The Lantern Hotel", "", "lantern hotel", "", "same"),
        ("Golden Spoon", "North-field", "golden spoon", "north field", "same"),
        ("Golden Spoon", "Northfield", "Golden Spon", "Northfield", "possible"),
        ("Golden Spoon", "Northfield", "Golden Spon", "", "possible"),  # area missing
        ("Golden Spoon", "Northfield", "Golden Spoon", "", "possible"),
        ("Golden Spoon", "", "Golden Spoon", "Northfield", "possible"),
        ("Golden Spoon", "Northfield", "Golden Spoon", "Eastgate", "none"),  # two areas
        ("Golden Spoon", "Northfield", "Golden Spon", "Eastgate", "none"),
        ("Golden Spoon", "Northfield", "Silver Spoon", "Northfield", "none"),
        ("Golden Spoon", "", "", "", "none"),
        ("McDonald's", "Town centre", "McDonalds", "Town Centre", "same"),
        ("Tony's Takeaway", "", "Tonys Takeaway", "", "same"),
    ],
)
def test_match_place(a_name: str, a_area: str, b_name: str, b_area: str, expected: str) -> None:
    assert match_place(a_name, a_area, b_name, b_area) == expected
    assert match_place(b_name, b_area, a_name, a_area) == expected


PLACE_WORDS = st.sampled_from(["The", "Golden", "Spoon", "Spon", "Lantern", "Hotel", "Park"])
PLACES = st.lists(PLACE_WORDS, min_size=1, max_size=3).map(" ".join)
AREAS = st.sampled_from(["", "Northfield", "north field", "Eastgate", "EASTGATE"])


@settings(max_examples=200)
@given(PLACES, AREAS, PLACES, AREAS)
def test_match_place_is_symmetric_and_needs_the_areas_to_agree(
    a_name: str, a_area: str, b_name: str, b_area: str
) -> None:
    result = match_place(a_name, a_area, b_name, b_area)
    assert result == match_place(b_name, b_area, a_name, a_area)
    areas = normalise_name(a_area), normalise_name(b_area)
    if all(areas) and areas[0] != areas[1]:
        assert result == "none"
    if result == "same":
        assert normalise_place(a_name, a_area) == normalise_place(b_name, b_area)


# --- the package ------------------------------------------------------------------------


def test_the_package_offers_every_normaliser_and_the_match_type() -> None:
    assert set(outreach.links.__all__) == {
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
    }
    assert typing.get_args(Match) == ("same", "possible", "none")
