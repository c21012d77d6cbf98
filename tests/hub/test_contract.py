"""The contract's files are what the code validates; the wire rules hold without a server."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from outreach.contract import summary as contract
from outreach.contract.wipe import public_key_text, sign, verify
from outreach.hub import strictjson
from outreach.hub.contract_files import (
    OPENAPI_NAME,
    SCHEMA_NAME,
    dumps,
    openapi_document,
    summary_schema,
)
from outreach.records import model
from tests.support.hubproc import summary

DOCS = Path(__file__).resolve().parents[2] / "docs"
REGENERATE = "run `outreach-hub write-contract` and commit the result"


def _shipped_schema() -> str:
    return (resources.files("outreach.resources") / "contract" / SCHEMA_NAME).read_text("utf-8")


def test_the_shipped_json_schema_is_the_one_the_code_validates_with() -> None:
    assert _shipped_schema() == dumps(summary_schema()), REGENERATE


def test_the_openapi_document_in_docs_is_the_one_the_hub_serves() -> None:
    assert (DOCS / OPENAPI_NAME).read_text("utf-8") == dumps(openapi_document()), REGENERATE


def test_the_openapi_summary_is_the_schema_file_summary() -> None:
    components = openapi_document()["components"]["schemas"]
    defs = summary_schema()["$defs"]
    for name in ("Summary", "YoungPersonRef", "ObservationLine", "Mention"):
        assert json.dumps(components[name], sort_keys=True).replace(
            "#/components/schemas/", "#/$defs/"
        ) == json.dumps(defs[name], sort_keys=True)


def test_the_contract_names_the_app_kinds() -> None:
    assert tuple(kind.value for kind in model.ContactKind) == contract.CONTACT_KINDS
    assert tuple(kind.value for kind in model.ObservationKind) == contract.OBSERVATION_KINDS
    assert tuple(kind.value for kind in model.Provenance) == contract.PROVENANCES
    from outreach.links.keys import KINDS

    assert contract.MENTION_KINDS == KINDS


_VALIDATOR = jsonschema_rs.validator_for(json.loads(_shipped_schema()), validate_formats=True)


def _models_accept(body: dict[str, Any]) -> bool:
    try:
        contract.Submission.model_validate_json(json.dumps(body))
    except ValidationError:
        return False
    return True


_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-2, 12),
    st.text(max_size=5),
    st.just("x" * 121),
    st.just("2026-11-20T21:30:00Z"),
    st.just("2026-11-20T21:30:00"),
    st.lists(st.text(min_size=1, max_size=3), max_size=3),
)
_fields = st.sampled_from(
    [
        "worry",
        "area",
        "kind",
        "version",
        "contact_at",
        "concerns",
        "instinct_skipped",
        "language_prompts",
        "new",
    ]
)


@settings(max_examples=300, deadline=None)
@given(changes=st.dictionaries(_fields, _values, max_size=3))
def test_schema_and_models_agree_on_what_is_valid(changes: dict[str, Any]) -> None:
    body = {"device_seq": 1, "summary": {**summary(), **changes}}
    assert _VALIDATOR.is_valid(body) == _models_accept(body), changes


# (3.0 is left out: JSON Schema counts it an integer, the strict models do not, as for
# every whole number in the contract.)
@pytest.mark.parametrize("value", [0, 1, 10_000, -1, 10_001, "3", True, None])
def test_schema_and_models_agree_on_language_prompts(value: object) -> None:
    body = {"device_seq": 1, "summary": {**summary(), "language_prompts": value}}
    assert _VALIDATOR.is_valid(body) == _models_accept(body)
    assert _models_accept(body) == (value in (0, 1, 10_000) and type(value) is int)


def test_language_prompts_is_a_count_that_defaults_to_zero() -> None:
    field = summary_schema()["$defs"]["Summary"]["properties"]["language_prompts"]
    assert field == {
        "default": 0,
        "maximum": 10000,
        "minimum": 0,
        "title": "Language Prompts",
        "type": "integer",
    }
    assert "language_prompts" not in summary_schema()["$defs"]["Summary"].get("required", [])
    assert contract.Summary.model_validate_json(json.dumps(summary())).language_prompts == 0


@pytest.mark.parametrize(
    "observation",
    [
        {"kind": "vehicle", "details": {"registration": "AB12 CDE", "occupants": None}},
        {"kind": "missing", "details": {"reported_missing": True, "nights": 2}},
        {"kind": "phone", "details": {"numbers": ["07700 900123"] * 20}},
        {"kind": "phone", "details": {"numbers": ["07700 900123"] * 21}},
        {"kind": "vehicle", "details": {"Registration": "AB12 CDE"}},
        {"kind": "vehicle", "details": {"colour": {"nested": "no"}}},
        {"kind": "vehicle", "details": {"colour": 1.5}},
        {"kind": "vehicle", "details": {f"f{i}": i for i in range(41)}},
    ],
)
def test_schema_and_models_agree_on_observation_details(observation: dict[str, Any]) -> None:
    body = {"device_seq": 1, "summary": {**summary(), "observations": [observation]}}
    assert _VALIDATOR.is_valid(body) == _models_accept(body)


# --- strict JSON ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b'{"a": NaN}', "NaN"),
        (b'{"a": -Infinity}', "-Infinity"),
        (b'{"a": 1, "a": 2}', "twice"),
        (b'{"a": "x\\u0000"}', "NUL"),
        (b'{"a\\u0000": 1}', "NUL"),
        (b'{"a": "\\udc00"}', "surrogate"),
        (b'{"a": "\xc3"}', "UTF-8"),
        (b"[" * 50_000, "deeply"),
        (b"", "not JSON"),
    ],
)
def test_strict_json_refuses_with_a_reason(raw: bytes, words: str) -> None:
    with pytest.raises(strictjson.BadJSON, match=words):
        strictjson.loads(raw)


def test_strict_json_keeps_what_is_fine() -> None:
    text = '{"a": ["é", "😀", "\\ud83d\\ude00", "שלום"], "b": 1.5}'
    assert strictjson.loads(text.encode()) == {"a": ["é", "😀", "😀", "שלום"], "b": 1.5}


# --- the wipe instruction ----------------------------------------------------------------


def test_a_wipe_verifies_only_for_its_device_and_its_hub() -> None:
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    issued = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    instruction = sign(key, "d" * 32, issued)
    assert verify(public_key_text(key), instruction, "d" * 32)
    assert not verify(public_key_text(other), instruction, "d" * 32)
    assert not verify(public_key_text(key), instruction, "e" * 32)
    assert not verify(public_key_text(key), sign(other, "d" * 32, issued), "d" * 32)
    tampered = instruction.model_copy(update={"signature": "bm90IGEgc2lnbmF0dXJl"})
    assert not verify(public_key_text(key), tampered, "d" * 32)
    assert not verify("not base64!", instruction, "d" * 32)
    assert not verify(
        public_key_text(key), instruction.model_copy(update={"action": "x"}), "d" * 32
    )
