"""JSON read strictly, so that what the hub stores is what any database and client can hold.

Python's own parser accepts NaN and Infinity (and 1e999, which it reads as Infinity),
keeps the last of two equal keys and lets lone surrogates and NUL characters through;
PostgreSQL cannot store NUL, and a client that sent two values for one key meant one of
them. Each is refused with a reason, as is a whole number too long for any field (Python
refuses to read one of over 4,300 digits, with an error of its own).
"""

from __future__ import annotations

import json
import math
from typing import Any

from outreach.hub.errors import Refused, invalid


class BadJSON(ValueError):
    """The body is not JSON the hub accepts; the message says where and why."""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise BadJSON(f"the key {key!r} appears twice in one object")
        seen[key] = value
    return seen


def _constant(name: str) -> Any:
    raise BadJSON(f"{name} is not a number JSON allows")


# No field holds more than a 64-bit number (19 digits); a longer one is refused as read.
MAX_DIGITS = 20


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise BadJSON(f"a number has more than {MAX_DIGITS} digits")
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BadJSON(f"{text[:30]} is too large a number: JSON cannot hold Infinity")
    return value


def _check_text(text: str, where: str) -> None:
    if "\x00" in text:
        raise BadJSON(f"{where} contains a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise BadJSON(f"{where} contains a lone surrogate (broken UTF-16)") from None


def _walk(value: Any, where: str) -> None:
    if isinstance(value, str):
        _check_text(value, where)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key, f"a key in {where}")
            _walk(item, f"{where}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _walk(item, f"{where}[{i}]")


def loads(body: bytes) -> Any:
    """The parsed body, or ``BadJSON`` saying what is wrong with it."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadJSON(f"the body is not UTF-8 (byte {error.start})") from None
    try:
        value = json.loads(
            text,
            object_pairs_hook=_pairs,
            parse_constant=_constant,
            parse_int=_int,
            parse_float=_float,
        )
    except json.JSONDecodeError as error:
        raise BadJSON(f"the body is not JSON: {error.msg} at character {error.pos}") from None
    except RecursionError:
        raise BadJSON("the body nests too deeply") from None
    _walk(value, "body")
    return value


def request_json(content_type: str, body: bytes) -> Any:
    """A request's JSON body, or the refusal: 415 for another media type, 422 with the
    reason for JSON the hub does not accept."""
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise Refused(415, "unsupported_media_type", "the body must be sent as application/json")
    try:
        return loads(body)
    except BadJSON as error:
        raise invalid(str(error), "bad_json") from None
