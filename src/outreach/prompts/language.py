"""The language check: phrases that blame or adultify a child, with accurate alternatives.

Stable entry points:

``check_language(text, *, skip_quoted=True) -> list[Finding]``
    Each finding has ``start`` and ``end`` (Python string indices into ``text``), the
    ``phrase`` exactly as written, the ``rule_id``, a one-line ``reason`` and
    ``suggestions``. Findings are in order and never overlap (the longest wins, so
    "child prostitute" is one finding, not two). Text between double quotes, straight or
    curly, is left alone: those are the child's own words. The text is never changed.

``apply_suggestion(text, finding, suggestion) -> str``
    The text with exactly that finding's span replaced.

``count_by_rule(texts) -> dict[str, int]``
    How many findings of each rule, without any text: a practice-improvement figure.

``load_rules(source=None) -> RuleSet``
    The rules from ``resources/prompts/language.toml`` (or a given TOML text), checked:
    a malformed file raises ``RuleError`` naming the rule.

The check never blocks saving; the app underlines findings as the worker types.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from outreach.prompts import data as prompts_data


class RuleError(ValueError):
    """The rules file is malformed; the message names the rule and what is wrong."""


@dataclass(frozen=True)
class Rule:
    id: str
    patterns: tuple[str, ...]
    reason: str
    suggestions: tuple[str, ...]
    examples: tuple[str, ...]
    near_misses: tuple[str, ...]
    regex: re.Pattern[str]


@dataclass(frozen=True)
class Finding:
    start: int
    end: int
    phrase: str
    rule_id: str
    reason: str
    suggestions: tuple[str, ...]


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


_TOKEN = re.compile(r"\{(\w+)\}|\(([^()]*)\)|([^\s(){}?]+)")


def _compile(pattern: str, words: dict[str, list[str]], rule_id: str) -> str:
    tokens: list[tuple[str, bool]] = []  # (alternatives as a regex, may be missing)
    position = 0
    text = pattern.strip()
    while position < len(text):
        if text[position].isspace():
            position += 1
            continue
        match = _TOKEN.match(text, position)
        if match is None:
            raise RuleError(f"rule {rule_id}: cannot read pattern {pattern!r}")
        position = match.end()
        optional = position < len(text) and text[position] == "?"
        if optional:
            position += 1
        macro, group, word = match.groups()
        if macro is not None:
            if macro not in words:
                raise RuleError(f"rule {rule_id}: unknown word list {{{macro}}}")
            choices = words[macro]
        elif group is not None:
            choices = [c.strip() for c in group.split("|") if c.strip()]
        else:
            choices = [word]
        alternatives = "|".join(
            r"\s+".join(re.escape(piece) for piece in choice.split())
            for choice in sorted(choices, key=len, reverse=True)
        )
        tokens.append((alternatives, optional))
    if not any(not optional for _alts, optional in tokens):
        raise RuleError(f"rule {rule_id}: pattern {pattern!r} needs a word that must be there")
    body = ""
    for index, (alternatives, optional) in enumerate(tokens):
        if index == 0:
            body = rf"(?:(?:{alternatives})\s+)?" if optional else f"(?:{alternatives})"
        elif optional:
            body += rf"(?:\s+(?:{alternatives}))?"
        elif body.endswith(r"\s+)?"):
            body += f"(?:{alternatives})"  # after an optional first word: its space is in it
        else:
            body += rf"\s+(?:{alternatives})"
    # Whole words only; an apostrophe counts as part of a word ("'s").
    return rf"(?<![\w'])(?:{body})(?![\w'])"


def _strings(raw: Any, field: str, rule_id: str, *, required: bool = True) -> tuple[str, ...]:
    if raw is None and not required:
        return ()
    if not isinstance(raw, list) or not all(isinstance(item, str) and item for item in raw):
        raise RuleError(f"rule {rule_id}: {field} must be a list of texts")
    if required and not raw:
        raise RuleError(f"rule {rule_id}: {field} must not be empty")
    return tuple(raw)


def load_rules(source: str | None = None) -> RuleSet:
    """The rules from ``resources/prompts/language.toml`` (and its translation, if any),
    or from the TOML text given."""
    try:
        data = prompts_data.read("language.toml") if source is None else tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(f"the rules file is not valid TOML: {exc}") from exc
    words = data.get("words", {})
    if not isinstance(words, dict):
        raise RuleError("[words] must be a table of word lists")
    rules = []
    seen: set[str] = set()
    for raw in data.get("rule", []):
        rule_id = raw.get("id")
        if not isinstance(rule_id, str) or not rule_id:
            raise RuleError("a rule has no id")
        if rule_id in seen:
            raise RuleError(f"rule {rule_id}: the id is used twice")
        seen.add(rule_id)
        reason = raw.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise RuleError(f"rule {rule_id}: reason is missing")
        patterns = _strings(raw.get("patterns"), "patterns", rule_id)
        try:
            regex = re.compile(
                "|".join(_compile(p, words, rule_id) for p in patterns), re.IGNORECASE
            )
        except re.error as exc:
            raise RuleError(f"rule {rule_id}: a pattern does not compile: {exc}") from exc
        rules.append(
            Rule(
                rule_id,
                patterns,
                reason.strip(),
                _strings(raw.get("suggestions"), "suggestions", rule_id),
                _strings(raw.get("examples"), "examples", rule_id, required=False),
                _strings(raw.get("near_misses"), "near_misses", rule_id, required=False),
                regex,
            )
        )
    if not rules:
        raise RuleError("the rules file has no rules")
    return RuleSet(tuple(rules))


@functools.cache
def default_rules() -> RuleSet:
    return load_rules()


_QUOTED = re.compile(r'"[^"\n]*"|“[^”]*”')


def check_language(
    text: str, *, skip_quoted: bool = True, rules: RuleSet | None = None
) -> list[Finding]:
    ruleset = rules or default_rules()
    quoted = [m.span() for m in _QUOTED.finditer(text)] if skip_quoted else []
    candidates: list[Finding] = []
    for rule in ruleset.rules:
        for match in rule.regex.finditer(text):
            start, end = match.span()
            if any(q_start <= start and end <= q_end for q_start, q_end in quoted):
                continue
            candidates.append(
                Finding(start, end, text[start:end], rule.id, rule.reason, rule.suggestions)
            )
    # Longest first, then earliest: a longer phrase wins over what it contains.
    candidates.sort(key=lambda f: (-(f.end - f.start), f.start))
    kept: list[Finding] = []
    for finding in candidates:
        if all(finding.end <= k.start or finding.start >= k.end for k in kept):
            kept.append(finding)
    return sorted(kept, key=lambda f: f.start)


def apply_suggestion(text: str, finding: Finding, suggestion: str) -> str:
    if text[finding.start : finding.end] != finding.phrase:
        raise ValueError("the text has changed since it was checked")
    return text[: finding.start] + suggestion + text[finding.end :]


def count_by_rule(texts: Iterable[str]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(finding.rule_id for finding in check_language(text))
    return dict(counts)
