"""The example policy IT copies is valid, and docs/policy.md lists every key as it is."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from outreach.config.policy import KEYS, Policy, PolicyKey, parse_policy
from outreach.vault.crypto import generate_recovery_keypair

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "packaging" / "policy.example.toml"
POLICY_DOC = ROOT / "docs" / "policy.md"


def _doc_rows() -> dict[str, list[str]]:
    """The keys table of docs/policy.md: key name -> its cells."""
    rows = {}
    for line in POLICY_DOC.read_text(encoding="utf-8").splitlines():
        found = re.match(r"\| `([a-z_]+)` \|(.*)\|$", line)
        if found:
            rows[found[1]] = [cell.strip() for cell in found[2].split("|")]
    return rows


def test_the_example_policy_loads() -> None:
    policy = parse_policy(EXAMPLE, EXAMPLE.read_text(encoding="utf-8"))
    assert policy.managed, "the example should show some keys in use"
    assert policy.managed <= {key.name for key in KEYS}
    assert policy.source == EXAMPLE


def test_the_commented_recovery_key_in_the_example_works_once_filled_in() -> None:
    _private, public_pem = generate_recovery_keypair()
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("# recovery_public_key"))
    block = [line.removeprefix("# ").removeprefix("#") for line in lines[start:]]
    # Swap the placeholder PEM for a real one, keeping the example's TOML shape.
    text = "\n".join(block)
    text = re.sub(
        r"-----BEGIN PUBLIC KEY-----.*-----END PUBLIC KEY-----\n", public_pem, text, flags=re.S
    )
    policy = parse_policy(EXAMPLE, text)
    assert policy.recovery_public_key is not None
    assert "-----BEGIN PUBLIC KEY-----" in policy.recovery_public_key


def test_the_doc_shows_the_example_file_as_it_is() -> None:
    doc = POLICY_DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", doc, flags=re.S)
    assert EXAMPLE.read_text(encoding="utf-8") in blocks


def test_every_policy_key_is_documented_and_nothing_else() -> None:
    rows = _doc_rows()
    assert set(rows) == {key.name for key in KEYS}


@pytest.mark.parametrize("key", KEYS, ids=lambda key: key.name)
def test_the_documented_default_is_the_real_one(key: PolicyKey) -> None:
    default_cell = _doc_rows()[key.name][0]
    if key.default is None:
        assert default_cell == "none"
    else:
        # TOML spelling: ints and booleans as they are, text in double quotes.
        shown = f'"{key.default}"' if isinstance(key.default, str) else str(key.default).lower()
        assert default_cell.startswith(f"`{shown}`"), default_cell
    assert getattr(Policy(), key.name) == key.default


def test_every_key_is_in_one_table() -> None:
    lines = POLICY_DOC.read_text(encoding="utf-8").splitlines()
    rows = [i for i, line in enumerate(lines) if re.match(r"\| `[a-z_]+` \|", line)]
    assert rows == list(range(rows[0], rows[0] + len(KEYS)))  # no gap splits the table
    assert lines[rows[0] - 2].startswith("| key | default |")
