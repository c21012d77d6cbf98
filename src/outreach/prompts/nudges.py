"""Nudges: one calm line with its reason, worked out from a young person's record.

Plain functions over plain facts (gathered by the store), so every rule is tested on its
own with near misses. Each nudge has a ``key`` naming what raised it (an episode, a
contact, a month): acknowledging one hides that one, and a new episode raises a new one.
Wording is data in ``resources/prompts/nudges.toml``; thresholds come from policy.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from outreach.prompts import data


@dataclass(frozen=True)
class Thresholds:
    missing_episodes: int = 3
    missing_window_days: int = 90
    return_interview_hours: int = 72
    sexual_activity_under: int = 13
    substances_under: int = 14
    high_worry: int = 7
    not_seen_days: int = 14
    absence_days: int = 3
    absence_window_days: int = 30


@dataclass(frozen=True)
class MissingEpisode:
    key: str  # contact uid and position
    went: datetime | None
    back: datetime | None
    interview_on: date | None
    seen_at: datetime  # the contact's time, when the episode has no dates


@dataclass(frozen=True)
class Facts:
    """What the nudges look at, for one young person."""

    age: int | None
    now: datetime
    missing: tuple[MissingEpisode, ...] = ()
    injuries_without_action: tuple[str, ...] = ()  # keys of injuries with no action
    sexual_activity: tuple[str, ...] = ()  # contact uids with it indicated
    substances: tuple[str, ...] = ()  # contact uids with drugs or alcohol
    last_worry: int | None = None
    last_seen: datetime | None = None
    last_contact: str = ""
    absence_days: tuple[date, ...] = ()
    acknowledged: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Nudge:
    key: str
    rule: str
    text: str
    reason: str


@functools.cache
def _wording() -> dict[str, dict[str, str]]:
    return data.read("nudges.toml")


def _nudge(rule: str, key: str, *numbers: int | str) -> Nudge:
    words = _wording()[rule]
    text = words["text"]
    for n, number in enumerate(numbers, 1):
        text = text.replace(f"%{n}", str(number))
    return Nudge(f"{rule}:{key}", rule, text, words["reason"])


def _repeat_missing(facts: Facts, t: Thresholds) -> list[Nudge]:
    since = facts.now - timedelta(days=t.missing_window_days)
    recent = sorted(
        (e for e in facts.missing if (e.went or e.seen_at) >= since),
        key=lambda e: e.went or e.seen_at,
    )
    if len(recent) < t.missing_episodes:
        return []
    # Keyed by the newest episode: another episode raises it again.
    return [_nudge("repeat_missing", recent[-1].key, len(recent), t.missing_window_days)]


def _no_return_interview(facts: Facts, t: Thresholds) -> list[Nudge]:
    found = []
    for episode in facts.missing:
        if episode.back is None or episode.interview_on is not None:
            continue
        if facts.now - episode.back >= timedelta(hours=t.return_interview_hours):
            found.append(_nudge("no_return_interview", episode.key, t.return_interview_hours))
    return found


def _injury_no_action(facts: Facts, _t: Thresholds) -> list[Nudge]:
    # Keys are "<contact uid>:<day seen>"; the day tells the worker which injury.
    return [
        _nudge("injury_no_action", key, key.rsplit(":", 1)[-1])
        for key in facts.injuries_without_action
    ]


def _young(facts: Facts, under: int) -> bool:
    return facts.age is not None and facts.age < under


def _sexual_activity_young(facts: Facts, t: Thresholds) -> list[Nudge]:
    if not _young(facts, t.sexual_activity_under):
        return []
    return [
        _nudge("sexual_activity_young", uid, t.sexual_activity_under)
        for uid in facts.sexual_activity
    ]


def _substances_young(facts: Facts, t: Thresholds) -> list[Nudge]:
    if not _young(facts, t.substances_under) or not facts.substances:
        return []
    return [_nudge("substances_young", facts.substances[-1], t.substances_under)]


def _high_worry_not_seen(facts: Facts, t: Thresholds) -> list[Nudge]:
    if facts.last_worry is None or facts.last_worry < t.high_worry or facts.last_seen is None:
        return []
    days = (facts.now - facts.last_seen).days
    if days < t.not_seen_days:
        return []
    return [_nudge("high_worry_not_seen", facts.last_contact, facts.last_worry, days)]


def _daytime_absence(facts: Facts, t: Thresholds) -> list[Nudge]:
    # The last 30 days are today and the 29 before it; a day ahead is a slip of the date.
    today = facts.now.date()
    since = today - timedelta(days=t.absence_window_days)
    days = sorted({d for d in facts.absence_days if since < d <= today})
    if len(days) < t.absence_days:
        return []
    return [_nudge("daytime_absence", days[-1].isoformat(), len(days), t.absence_window_days)]


RULES = (
    _injury_no_action,
    _sexual_activity_young,
    _repeat_missing,
    _no_return_interview,
    _substances_young,
    _high_worry_not_seen,
    _daytime_absence,
)


def nudges_for(facts: Facts, thresholds: Thresholds | None = None) -> list[Nudge]:
    """The nudges not yet acknowledged, most serious first."""
    t = thresholds or Thresholds()
    found = [nudge for rule in RULES for nudge in rule(facts, t)]
    return [n for n in found if n.key not in facts.acknowledged]
