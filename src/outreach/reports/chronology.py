"""A young person's chronology: dated significant events, as multi-agency meetings use.

Built from their contacts (one event each), missing episodes and injuries (significant
by default); the worker marks which are significant and edits the wording, impact and
action, kept in the vault (``chronology``). Wording is language-checked by the editor;
identifiers (contact kind, provenance) are turned into words by the caller.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from outreach.records.codec import utc_stamp
from outreach.records.model import InjuryDetails, MissingDetails
from outreach.records.store import RecordStore
from outreach.vault.database import Database


@dataclass(frozen=True)
class ChronologyEntry:
    key: str  # the contact uid, or "uid:n" for its n-th observation
    at: datetime
    event: str
    source: str  # a contact kind, or "<contact kind>/<provenance>" for an observation
    impact: str = ""
    action: str = ""
    significant: bool = False


def _first_sentence(text: str, limit: int = 240) -> str:
    line = " ".join(text.split())
    for stop in (". ", "! ", "? "):
        if stop in line:
            line = line.split(stop, 1)[0] + stop.strip()
            break
    return line if len(line) <= limit else line[: limit - 1] + "…"


class EventWords:
    """How a missing episode or an injury is first worded; the app passes translated
    words, and the worker edits the result."""

    def missing(self, hours: int | None, where_found: str, who_with: str) -> str:
        parts = ["Missing"]
        if hours is not None:
            parts.append(f"for about {hours} hours")
        if where_found:
            parts.append(f"found at {where_found}")
        if who_with:
            parts.append(f"with {who_with}")
        return ", ".join(parts)

    def injury(self, sites: str, said: str) -> str:
        event = f"Injury seen ({sites or 'site not recorded'})"
        return event + (f'; they said "{said}"' if said else "")


def candidates(
    store: RecordStore, person_id: str, words: EventWords | None = None
) -> list[ChronologyEntry]:
    """Events from the young person's current contacts, oldest first."""
    words = words or EventWords()
    entries: list[ChronologyEntry] = []
    for contact_entry in reversed(store.timeline(person_id, ["contact"])):
        sealed = store.contact(contact_entry.contact_uid)
        c = sealed.contact
        event = _first_sentence(c.narrative) or c.place
        entries.append(ChronologyEntry(sealed.uid, c.started_at, event, c.kind.value))
        for n, observation in enumerate(c.observations):
            d = observation.details
            source = f"{c.kind.value}/{observation.provenance.value}"
            key = f"{sealed.uid}:{n}"
            if isinstance(d, MissingDetails):
                hours = None
                if d.went_missing and d.came_back:
                    hours = int((d.came_back - d.went_missing).total_seconds() // 3600)
                event = words.missing(hours, d.where_found, d.who_with)
                at = d.went_missing or observation.seen_at or c.started_at
                entries.append(ChronologyEntry(key, at, event, source, significant=True))
            elif isinstance(d, InjuryDetails):
                sites = ", ".join(m.site for m in d.marks if m.site)
                event = words.injury(sites, d.explanation_in_own_words)
                action = d.first_aid_or_medical or d.action
                entries.append(
                    ChronologyEntry(
                        key,
                        observation.seen_at or c.started_at,
                        event,
                        source,
                        action=action,
                        significant=True,
                    )
                )
    entries.sort(key=lambda e: e.at)
    return entries


class ChronologyStore:
    def __init__(self, db: Database, now: Callable[[], datetime]) -> None:
        self._db = db
        self._now = now

    def load(
        self, store: RecordStore, person_id: str, words: EventWords | None = None
    ) -> list[ChronologyEntry]:
        """The candidates with the worker's saved wording and choices laid over them."""
        saved = {
            key: (event, impact, action, bool(significant))
            for key, event, impact, action, significant in self._db.query(
                "SELECT key, event, impact, action, significant FROM chronology "
                "WHERE person_id = ?",
                (person_id,),
            )
        }
        out = []
        for entry in candidates(store, person_id, words):
            if entry.key in saved:
                event, impact, action, significant = saved[entry.key]
                entry = replace(
                    entry, event=event, impact=impact, action=action, significant=significant
                )
            out.append(entry)
        return out

    def save(self, person_id: str, entries: Sequence[ChronologyEntry]) -> None:
        with self._db.transaction():
            self._db.executemany(
                "INSERT INTO chronology (person_id, key, event, impact, action, significant, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (person_id, key) DO "
                "UPDATE SET event = excluded.event, impact = excluded.impact, "
                "action = excluded.action, significant = excluded.significant, "
                "updated_at = excluded.updated_at",
                [
                    (
                        person_id,
                        e.key,
                        e.event,
                        e.impact,
                        e.action,
                        int(e.significant),
                        utc_stamp(self._now()),
                    )
                    for e in entries
                ],
            )


CSV_COLUMNS = ("date", "event", "source", "impact", "action")


def chronology_csv(
    entries: Sequence[ChronologyEntry],
    *,
    marking: str,
    source_words: Callable[[str], str],
    significant_only: bool = True,
) -> str:
    """CSV text: the protective marking on the first line, then a header and one row per
    event, dates as ISO 8601 in local time."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([marking])
    writer.writerow(CSV_COLUMNS)
    for e in entries:
        if significant_only and not e.significant:
            continue
        writer.writerow(
            [
                e.at.astimezone().isoformat(timespec="minutes"),
                e.event,
                source_words(e.source),
                e.impact,
                e.action,
            ]
        )
    return out.getvalue()
