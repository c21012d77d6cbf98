"""The lead's dashboard as plain figures, from the team's summaries in the lead's vault.

No Qt: the charts (``ui/charts.py``) draw these. Every weekly series has one value per
week of the window, oldest first, in step with ``DashboardFigures.weeks``; a week is an
ISO week (Monday to Sunday) of the contact's time in UTC. Only current summaries count
(the highest version of each), and only contacts inside the window.

- contacts per week per worker;
- missing episodes per week: observations of kind "missing", by their contact's week;
- average worry per week (``None`` for a week with no worry recorded);
- language prompts per week: the sum of ``Summary.language_prompts``, a count of the
  language-check findings at filing (a practice figure; no text);
- places by how many distinct young people they touch, keyed as the hub keys them
  (``links.keys.entity_key``), from the place mentions of the window's summaries;
- vehicles, people and phones seen with two or more young people: the team-wide links the
  hub found (``team_links``), last seen inside the window.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from outreach.vault.audit import utc_now
from outreach.vault.database import Database

WEEKS = 26
SHARED_KINDS = ("vehicle", "person", "phone")


@dataclass(frozen=True)
class WorkerSeries:
    worker: str
    values: tuple[int, ...]  # one per week of the window


@dataclass(frozen=True)
class Reach:
    """A place, vehicle, person or phone and how widely it reaches across the team."""

    kind: str  # "place", "vehicle", "person" or "phone"
    key: str  # as ``entity_key`` makes it (the hub's key)
    label: str  # as written
    young_people: int  # distinct young people
    workers: int  # distinct workers
    summaries: int
    last_at: datetime  # the latest contact in which it was seen


@dataclass(frozen=True)
class DashboardFigures:
    weeks: tuple[str, ...]  # ISO weeks, "2026-W47", oldest first
    week_starts: tuple[date, ...]  # the Monday of each
    contacts: tuple[WorkerSeries, ...]  # per worker, by name
    missing: tuple[int, ...]
    worry: tuple[float | None, ...]
    language_prompts: tuple[int, ...]
    places: tuple[Reach, ...]  # most young people first
    shared: tuple[Reach, ...]  # vehicles, people, phones with 2+ young people, most first


def figures(
    db: Database, *, now: Callable[[], datetime] = utc_now, weeks: int = WEEKS
) -> DashboardFigures:
    """The dashboard over the last ``weeks`` ISO weeks up to and including now's."""
    raise NotImplementedError
