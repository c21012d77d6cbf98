"""Phone numbers in one canonical form.

``normalise_phone(text, region="GB") -> str | None``
    The E.164 form (``+447700900123``) of a UK national number (``07700 900123``,
    ``(07700) 900-123``) or any international form (``+44 7700 900123``,
    ``0044 7700 900123``, ``+44 (0)7700 900123``, other countries' ``+...``); None when
    the text is not a possible number. Full-width digits are read as digits.

Parsing is Google's libphonenumber rules through the ``phonenumbers`` package: national
prefixes, trunk codes and number lengths differ by country and change over time, and it
is the maintained standard for them. A number need only be *possible* (right length for
its country), not allocated: the drama range used in examples (07700 900xxx) is never
allocated, and a worker may write down a number that is not in service.
"""

from __future__ import annotations

import unicodedata

import phonenumbers


def normalise_phone(text: str, region: str = "GB") -> str | None:
    cleaned = unicodedata.normalize("NFKC", text).strip()
    if not cleaned or sum(ch.isdigit() for ch in cleaned) < 6:
        return None
    try:
        number = phonenumbers.parse(cleaned, region)
    except phonenumbers.NumberParseException:
        return None
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason != phonenumbers.ValidationResult.IS_POSSIBLE:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
