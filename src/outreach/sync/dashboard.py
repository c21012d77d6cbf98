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
  hub found (``team_links``), last seen inside the window; a possible link (two keys that
  may be one thing) stays apart from a same one, with its ``match`` and ``other_label``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from outreach.records.codec import utc_stamp
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
    match: str = "same"  # "possible" for a team link of two keys that may be one thing
    other_label: str | None = None  # a possible link's other thing, as written


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
    db: Database, *, now: Callable[[], datetime] = utc_now, weeks: int = WEEKS, top: int = 20
) -> DashboardFigures:
    """The dashboard over the last ``weeks`` ISO weeks up to and including now's; at most
    ``top`` places and ``top`` shared vehicles, people and phones."""
    today = now().astimezone(UTC).date()
    first = today - timedelta(days=today.weekday() + 7 * (max(weeks, 1) - 1))
    starts = tuple(first + timedelta(weeks=n) for n in range(max(weeks, 1)))
    end = starts[-1] + timedelta(weeks=1)
    index = {start: n for n, start in enumerate(starts)}
    size = len(starts)

    contacts: dict[str, list[int]] = {}
    missing = [0] * size
    worry_sum, worry_n = [0] * size, [0] * size
    prompts = [0] * size
    window = (_stamp(first), _stamp(end))
    rows = db.query(
        "SELECT worker, contact_at, worry, missing, language_prompts FROM team_summaries "
        "WHERE is_current = 1 AND contact_at >= ? AND contact_at < ?",
        window,
    )
    for worker, contact_at, worry, missed, language_prompts in rows:
        moment = datetime.fromisoformat(contact_at).astimezone(UTC).date()
        week = index[moment - timedelta(days=moment.weekday())]
        contacts.setdefault(worker, [0] * size)[week] += 1
        if worry is not None:
            worry_sum[week] += worry
            worry_n[week] += 1
        missing[week] += missed
        prompts[week] += language_prompts
    return DashboardFigures(
        weeks=tuple(_iso_week(start) for start in starts),
        week_starts=starts,
        contacts=tuple(WorkerSeries(w, tuple(v)) for w, v in sorted(contacts.items())),
        missing=tuple(missing),
        worry=tuple(s / n if n else None for s, n in zip(worry_sum, worry_n, strict=True)),
        language_prompts=tuple(prompts),
        places=tuple(_places(db, window, top)),
        shared=tuple(_shared(db, first)[:top]),
    )


def _places(db: Database, window: tuple[str, str], top: int) -> list[Reach]:
    """Places in the window's current summaries by the distinct young people seen there."""
    rows = db.query(
        "SELECT m.key, min(m.label), count(DISTINCT p.value) AS people, "
        "count(DISTINCT s.worker), count(DISTINCT s.seq) AS seen, max(s.contact_at) "
        "FROM team_summary_mentions m JOIN team_summaries s ON s.seq = m.seq "
        "JOIN team_summary_tags p ON p.seq = m.seq AND p.kind = 'person' "
        "WHERE m.kind = 'place' AND s.is_current = 1 AND s.contact_at >= ? AND s.contact_at < ? "
        "GROUP BY m.key ORDER BY people DESC, seen DESC, min(m.label), m.key LIMIT ?",
        (*window, top),
    )
    return [
        Reach("place", key, label, people, workers, seen, datetime.fromisoformat(last_at))
        for key, label, people, workers, seen, last_at in rows
    ]


def _shared(db: Database, first: date) -> list[Reach]:
    """The hub's team links for vehicles, people and phones with two or more young people,
    last seen inside the window, most first; at equal counts the same before the possible."""
    marks = ", ".join("?" * len(SHARED_KINDS))
    rows = db.query(
        "SELECT kind, key, label, young_people, workers, summaries, last_at, match, "  # noqa: S608
        f"other_label FROM team_links WHERE kind IN ({marks}) AND last_at >= ?",
        (*SHARED_KINDS, _stamp(first)),
    )
    found = []
    for kind, key, label, people, workers, summaries, last_at, match, other_label in rows:
        refs = json.loads(people)
        if len(refs) >= 2:
            found.append(
                Reach(
                    kind,
                    key,
                    label,
                    len(refs),
                    len(json.loads(workers)),
                    summaries,
                    datetime.fromisoformat(last_at),
                    match,
                    other_label,
                )
            )
    found.sort(
        key=lambda r: (
            -r.young_people,
            -r.workers,
            r.match != "same",
            -r.last_at.timestamp(),
            r.label,
            r.other_label or "",
        )
    )
    return found


def _stamp(day: date) -> str:
    return utc_stamp(datetime.combine(day, time(), tzinfo=UTC))


def _iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"
