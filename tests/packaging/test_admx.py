"""The Group Policy template covers every policy key, typed as the app reads the registry."""

# ruff: noqa: S314  (the XML parsed here is the repository's own template)

from __future__ import annotations

import importlib.util
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from outreach.config.managed import REGISTRY_KEY
from outreach.config.policy import KEYS, IntBetween, OneOf, PolicyKey, value_kind

ROOT = Path(__file__).resolve().parents[2]
WINDOWS = ROOT / "packaging" / "windows"
NS = {"p": "http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions"}

_spec = importlib.util.spec_from_file_location("admx", WINDOWS / "admx.py")
assert _spec is not None
assert _spec.loader is not None
admx = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(admx)


def _policies() -> dict[str, ET.Element]:
    tree = ET.parse(WINDOWS / "outreach.admx")
    return {p.get("name", ""): p for p in tree.getroot().iterfind("p:policies/p:policy", NS)}


def test_the_committed_template_is_the_one_keys_make() -> None:
    assert (WINDOWS / "outreach.admx").read_text("utf-8") == admx.admx()
    assert (WINDOWS / "en-US" / "outreach.adml").read_text("utf-8") == admx.adml()


def test_both_files_are_well_formed_xml() -> None:
    ET.parse(WINDOWS / "outreach.admx")
    ET.parse(WINDOWS / "en-US" / "outreach.adml")


def test_every_key_is_a_policy_and_nothing_else_is() -> None:
    assert list(_policies()) == [key.name for key in KEYS]


@pytest.mark.parametrize("key", KEYS, ids=lambda key: key.name)
def test_each_policy_writes_the_value_the_app_reads(key: PolicyKey) -> None:
    policy = _policies()[key.name]
    assert policy.get("key") == REGISTRY_KEY
    assert policy.get("class") == "Both"  # computer or user policy
    kind = value_kind(key)
    if kind == "bool":
        assert policy.get("valueName") == key.name
        enabled = policy.find("p:enabledValue/p:decimal", NS)
        disabled = policy.find("p:disabledValue/p:decimal", NS)
        assert enabled is not None
        assert disabled is not None
        assert (enabled.get("value"), disabled.get("value")) == ("1", "0")
        return
    (element,) = list(policy.find("p:elements", NS) or [])
    assert element.get("valueName") == key.name
    tag = element.tag.split("}")[1]
    if isinstance(key.check, IntBetween):
        assert tag == "decimal"  # REG_DWORD
        assert (int(element.get("minValue", "")), int(element.get("maxValue", ""))) == (
            key.check.low,
            key.check.high,
        )
    elif isinstance(key.check, OneOf):
        assert tag == "enum"
        values = [v.text for v in element.iterfind("p:item/p:value/p:string", NS)]
        assert values == list(key.check.choices)
    else:
        assert kind == "text"
        assert tag in ("text", "multiText")  # REG_SZ, REG_MULTI_SZ


def test_every_name_the_template_uses_is_defined_in_the_language_file() -> None:
    admx_text = (WINDOWS / "outreach.admx").read_text("utf-8")
    adml = ET.parse(WINDOWS / "en-US" / "outreach.adml").getroot()
    strings = {s.get("id") for s in adml.iterfind("p:resources/p:stringTable/p:string", NS)}
    presentations = {
        p.get("id"): p for p in adml.iterfind("p:resources/p:presentationTable/p:presentation", NS)
    }
    assert set(re.findall(r"\$\(string\.(\w+)\)", admx_text)) <= strings
    used = set(re.findall(r"\$\(presentation\.(\w+)\)", admx_text))
    assert used == set(presentations)
    for name, presentation in presentations.items():
        (box,) = list(presentation)
        assert box.get("refId") == name  # the element of the same id in the policy


def test_every_category_a_policy_sits_in_exists() -> None:
    root = ET.parse(WINDOWS / "outreach.admx").getroot()
    categories = {c.get("name") for c in root.iterfind("p:categories/p:category", NS)}
    used = {ref.get("ref") for ref in root.iterfind(".//p:parentCategory", NS)}
    assert used <= categories


def test_the_explanations_give_each_keys_meaning_and_range() -> None:
    adml = (WINDOWS / "en-US" / "outreach.adml").read_text("utf-8")
    for key in KEYS:
        assert escape(key.summary) in adml
        assert escape(key.expects) in adml
