"""Phone numbers in one canonical form.

Stable entry point, used by the app, the agency hub and other tools; it takes any string
and never raises.

``normalise_phone(text, region="GB") -> str | None``
    The number in E.164 form (``+447700900123``), or None when the text is not a possible
    phone number.

    Read as national numbers of ``region`` (an ISO 3166 code, any case): ``07700 900123``,
    ``07700900123``, ``(07700) 900-123``. Read in international form whatever the region:
    ``+44 7700 900123``, ``0044 7700 900123`` (the region's international prefix),
    ``+44 (0)7700 900123``, and other countries' ``+33 6 12 34 56 78``. Spaces, dashes,
    dots and brackets are ignored, as are full-width and other Unicode digits (NFKC),
    words before the number (``tel: 07700 900123``), and an extension after it
    (``07700 900123 ext 12``), which E.164 does not carry.

    None when: there are fewer than 6 digits; from its first digit or ``+`` on, the text
    holds anything but digits, spaces, dashes, dots, slashes and brackets (other than an
    extension at the end), so that ``07700 900xxx`` or ``07700 900???`` with the last
    digits unknown is never read as a whole number (keypad letters would make the first
    ``07700 900999``), nor two numbers or a number and a note as one; or the number is
    not *possible*, the right length for some number of its country.

    Also None for what is written when the number is not known: a national number of one
    digit repeated (``00000 000000``, ``07777 777777``), or one that starts with 0 where
    its country has no such number (``00000 000000`` is ``+44 000000000``; Italy's
    ``+39 06 ...`` is kept): two such "numbers" would link young people who share nothing.

    Only possibility is checked, not whether the range is allocated: the drama range used
    in examples (07700 900000 to 900999) is never allocated, and a worker may write down a
    number that is out of service. So a UK number missing one digit can still pass; it
    then equals nothing but itself.

Parsing uses Google's libphonenumber rules through the ``phonenumbers`` package: national
prefixes, international prefixes and number lengths differ by country and change over
time, and it is the maintained standard that keeps up with them.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers

_EXTENSION = re.compile(r"\s*(?:ext\.?|extension|x|#)\s*\d{1,6}\s*$", re.IGNORECASE)
_NUMBER = re.compile(r"[+\d][\d\s+()./\-\u2010-\u2015\u2212]*")
_FEWEST_DIGITS = 6
# A line of text, not a document: anything longer is refused before parsing.
_MAX_TEXT = 100


def normalise_phone(text: str, region: str = "GB") -> str | None:
    if len(text) > _MAX_TEXT:
        return None
    cleaned = _EXTENSION.sub("", unicodedata.normalize("NFKC", text).strip())
    number_at = _NUMBER.search(cleaned)
    if number_at is None or number_at.end() != len(cleaned):
        return None
    if sum(ch.isdigit() for ch in cleaned) < _FEWEST_DIGITS:
        return None
    try:
        number = phonenumbers.parse(cleaned, region.upper())
    except phonenumbers.NumberParseException:
        return None
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason != phonenumbers.ValidationResult.IS_POSSIBLE:
        return None
    national = phonenumbers.national_significant_number(number)
    if len(set(national)) == 1:
        return None  # a placeholder, not a number
    if national.startswith("0") and not phonenumbers.is_valid_number(number):
        return None  # only a few countries' numbers start with 0, and those are checked
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
