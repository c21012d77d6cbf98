"""The question bank and the indicator set, read from ``resources/prompts/``.

Questions are keyed by what raises them: an observation kind (``kind.gift``), an
indicator (``indicator.missing``) or ``instinct``. Indicators say which observations
propose them; the worker confirms or dismisses each proposal.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from outreach.prompts import data
from outreach.records.model import Observation

INDICATOR_STATES = ("yes", "possible", "no")
INSTINCT_QUESTION = "instinct_confirm"


@dataclass(frozen=True)
class BankQuestion:
    id: str
    text: str
    raised_by: str  # "kind.gift", "indicator.missing", "instinct"


@dataclass(frozen=True)
class Indicator:
    id: str
    label: str
    proposed_by: tuple[str, ...]


def _read(name: str) -> dict[str, Any]:
    return data.read(name)


@functools.cache
def questions() -> dict[str, BankQuestion]:
    found: dict[str, BankQuestion] = {}
    data = _read("questions.toml")
    for group, entries in data.items():
        tables = entries.items() if group in ("kind", "indicator") else [(None, entries)]
        for sub, table in tables:
            raised_by = f"{group}.{sub}" if sub else group
            for qid, text in table.items():
                if qid in found:
                    raise ValueError(f"question id {qid} is used twice")
                found[qid] = BankQuestion(qid, str(text), raised_by)
    return found


def questions_raised_by(keys: Iterable[str]) -> list[BankQuestion]:
    wanted = set(keys)
    return [q for q in questions().values() if q.raised_by in wanted]


@functools.cache
def indicators() -> tuple[Indicator, ...]:
    return tuple(
        Indicator(raw["id"], raw["label"], tuple(raw.get("proposed_by", [])))
        for raw in _read("indicators.toml")["indicator"]
    )


def indicator_ids() -> frozenset[str]:
    return frozenset(i.id for i in indicators())


def _fires(rule: str, observation: Observation) -> bool:
    kind, _, condition = rule.partition(".")
    if observation.kind.value != kind:
        return False
    if not condition:
        return True
    field, _, wanted = condition.partition("=")
    value = getattr(observation.details, field, None)
    if not wanted:
        return bool(value)  # any value at all: a taxi firm named, handles written
    choices = wanted.split("|")
    if isinstance(value, bool):
        return str(value).lower() in choices
    return str(value) in choices


def proposed(observations: Iterable[Observation]) -> list[str]:
    """Indicator ids the observations propose, in the set's order."""
    seen = list(observations)
    return [
        indicator.id
        for indicator in indicators()
        if any(_fires(rule, o) for rule in indicator.proposed_by for o in seen)
    ]
