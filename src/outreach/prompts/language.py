"""The language check: phrases that blame or adultify a child, with accurate alternatives.

Stable entry points:

``check_language(text, *, skip_quoted=True) -> list[Finding]``
    Each finding has ``start`` and ``end`` (Python string indices into ``text``), the
    ``phrase`` exactly as written, the ``rule_id``, a one-line ``reason`` and
    ``suggestions``. Findings are in order and never overlap (the longest wins, so
    "child prostitute" is one finding, not two). Text between double quotes, straight or
    curly, is left alone: those are the child's own words. A straight quote may run onto
    further lines but not past a blank line (an unclosed one then hides nothing), and a
    ``"`` straight after a letter or digit opens nothing: it is an inch mark (``5'10"``)
    or a stray. The text is never changed.

``apply_suggestion(text, finding, suggestion) -> str``
    The text with exactly that finding's span replaced.

``count_by_rule(texts) -> dict[str, int]``
    How many findings of each rule, without any text: a practice-improvement figure.

``load_rules(source=None) -> RuleSet``
    The rules from ``resources/prompts/language.toml`` (or a given TOML text), checked:
    a malformed file raises ``RuleError`` naming the rule. A rule's ``unless`` patterns
    name wording that is not a finding although it holds one ("consented to the
    referral"); a ``>`` in a pattern ends words that must come before the phrase but are
    not part of it ("she > {choose} to": "she chose to" is found as "chose to", "I
    decided to" is not found).

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
    unless: re.Pattern[str] | None = None  # wording that holds a finding but is not one


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
# Between two words: spaces and line breaks, or a hyphen ("sexually-active").
_GAP = r"(?:\s*[-\u2010\u2011]\s*|\s+)"
_BEFORE = ">"  # ends the words that must come before a phrase


def _compile(pattern: str, words: dict[str, list[str]], rule_id: str, group: str = "") -> str:
    """A pattern as a regular expression; with ``group``, the phrase (after any ``>``) is
    that named group."""
    before, marker, phrase = pattern.partition(f" {_BEFORE} ")
    if marker:
        if not group:
            raise RuleError(f"rule {rule_id}: {_BEFORE!r} is not allowed in {pattern!r}")
        context = _compile(before, words, rule_id)
        return rf"{context}{_GAP}(?P<{group}>{_compile(phrase, words, rule_id)})"
    body = _body(pattern, words, rule_id)
    # Whole words only; an apostrophe counts as part of a word ("'s").
    found = rf"(?<![\w'])(?:{body})(?![\w'])"
    return rf"(?P<{group}>{found})" if group else found


def _body(pattern: str, words: dict[str, list[str]], rule_id: str) -> str:
    tokens: list[tuple[str, bool]] = []  # (alternatives as a regex, may be missing)
    position = 0
    text = pattern.strip()
    while position < len(text):
        if text[position].isspace():
            position += 1
            continue
        match = _TOKEN.match(text, position)
        if match is None or match.group(3) == _BEFORE:
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
            _GAP.join(re.escape(piece) for piece in choice.split())
            for choice in sorted(choices, key=len, reverse=True)
        )
        tokens.append((alternatives, optional))
    if not any(not optional for _alts, optional in tokens):
        raise RuleError(f"rule {rule_id}: pattern {pattern!r} needs a word that must be there")
    body = ""
    for index, (alternatives, optional) in enumerate(tokens):
        if index == 0:
            body = rf"(?:(?:{alternatives}){_GAP})?" if optional else f"(?:{alternatives})"
        elif optional:
            body += rf"(?:{_GAP}(?:{alternatives}))?"
        elif index == 1 and tokens[0][1]:
            body += f"(?:{alternatives})"  # after an optional first word: its gap is in it
        else:
            body += rf"{_GAP}(?:{alternatives})"
    return body


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
        unless = _strings(raw.get("unless"), "unless", rule_id, required=False)
        try:
            regex = re.compile(
                "|".join(_compile(p, words, rule_id, f"p{n}") for n, p in enumerate(patterns)),
                re.IGNORECASE,
            )
            exceptions = (
                re.compile("|".join(_compile(p, words, rule_id) for p in unless), re.IGNORECASE)
                if unless
                else None
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
                exceptions,
            )
        )
    if not rules:
        raise RuleError("the rules file has no rules")
    return RuleSet(tuple(rules))


@functools.cache
def default_rules() -> RuleSet:
    return load_rules()


_CURLY = re.compile(r"“[^”]*”")
_PARAGRAPH = re.compile(r"\n[^\S\n]*\n")


def _quoted(text: str) -> list[tuple[int, int]]:
    """The spans of the child's own words: curly quotes, and straight ones paired left to
    right, where a quote opens only after a space, a line break or punctuation (after a
    digit it is an inch mark) and an open one is dropped at a blank line."""
    spans = [m.span() for m in _CURLY.finditer(text)]
    opened: int | None = None
    at = text.find('"')
    while at != -1:
        if opened is not None and _PARAGRAPH.search(text, opened, at):
            opened = None  # never closed: it hides nothing
        if opened is not None:
            spans.append((opened, at + 1))
            opened = None
        elif at == 0 or not text[at - 1].isalnum():
            opened = at
        at = text.find('"', at + 1)
    return spans


def _within(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(s_start <= start and end <= s_end for s_start, s_end in spans)


def check_language(
    text: str, *, skip_quoted: bool = True, rules: RuleSet | None = None
) -> list[Finding]:
    ruleset = rules or default_rules()
    quoted = _quoted(text) if skip_quoted else []
    candidates: list[Finding] = []
    for rule in ruleset.rules:
        unless = [m.span() for m in rule.unless.finditer(text)] if rule.unless else []
        for match in rule.regex.finditer(text):
            start, end = next(match.span(g) for g, v in match.groupdict().items() if v)
            if _within(start, end, quoted) or _within(start, end, unless):
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
