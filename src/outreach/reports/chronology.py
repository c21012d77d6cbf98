"""A young person's chronology: dated significant events, as multi-agency meetings use.

Built from their contacts (one event each), missing episodes and injuries (significant
by default, unless the contact was with other young people too: the event may then be
another child's, so it is flagged and left for the worker to tick). The worker marks
which are significant and edits the wording, impact and action. Only what they changed
is kept in the vault (``chronology``, NULL for "as made from the record"), so the
record's own words (a narrative's first sentence, a child's own words) are not copied
there and a retention purge can take the worker's wording while keeping their ticks.
Wording is language-checked by the editor; identifiers (contact kind, provenance) are
turned into words by the caller.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from outreach.records import codec
from outreach.records.codec import utc_stamp
from outreach.records.model import (
    FieldKind,
    InjuryDetails,
    MissingDetails,
    Observation,
    field_specs,
)
from outreach.records.store import RecordStore
from outreach.vault.database import Database


@dataclass(frozen=True)
class Worded:
    """An event as made from the record, before the worker changed anything."""

    event: str
    impact: str
    action: str
    significant: bool


@dataclass(frozen=True)
class ChronologyEntry:
    key: str  # the contact uid, or "uid:kind:digest" for one of its observations
    at: datetime
    event: str
    source: str  # a contact kind, or "<contact kind>/<provenance>" for an observation
    impact: str = ""
    action: str = ""
    significant: bool = False
    shared: bool = False  # the contact was with more than one young person
    worded: Worded | None = None  # as made from the record; None: every field is saved

    def changes(self) -> tuple[str | None, str | None, str | None, int | None]:
        """Event, impact, action and significance where the worker changed them, else
        None: what the vault keeps."""
        base = self.worded
        if base is None:
            return self.event, self.impact, self.action, int(self.significant)
        return (
            None if self.event == base.event else self.event,
            None if self.impact == base.impact else self.impact,
            None if self.action == base.action else self.action,
            None if self.significant == base.significant else int(self.significant),
        )


def _first_sentence(text: str, limit: int = 240) -> str:
    line = " ".join(text.split())
    for stop in (". ", "! ", "? "):
        if stop in line:
            line = line.split(stop, 1)[0] + stop.strip()
            break
    return line if len(line) <= limit else line[: limit - 1] + "…"


def observation_key(uid: str, observation: Observation) -> str:
    """The key of an observation's event: a digest of its kind, provenance, time and
    one-line fields. Unlike its position it survives an amendment that removes another
    observation, and it survives a retention purge, which blanks only the several-line
    fields left out here. An amendment that changes the observation changes the key, so
    wording saved for what it said before is not laid over what it says now."""
    long_text = {s.name for s in field_specs(observation.kind) if s.kind is FieldKind.LONG_TEXT}
    details = {
        k: v for k, v in codec.details_to_json(observation.details).items() if k not in long_text
    }
    seen = utc_stamp(observation.seen_at) if observation.seen_at else None
    content = json.dumps(
        [observation.provenance.value, seen, details], sort_keys=True, ensure_ascii=False
    )
    digest = hashlib.sha256(content.encode("utf-8")).hexdigest()[:20]
    return f"{uid}:{observation.kind.value}:{digest}"


def _contact_uid(key: str) -> str:
    return key.split(":", 1)[0]


def _saved_at(stamp: str) -> datetime:
    at = datetime.fromisoformat(stamp)
    return at if at.tzinfo else at.replace(tzinfo=UTC)  # written as UTC (utc_stamp)


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

    def action(self, code: str) -> str:
        """An injury's action as chosen in the form ("medical", "referral", "none")."""
        return {"medical": "Medical attention", "referral": "Referral made", "none": "None"}.get(
            code, code
        )


@dataclass(frozen=True)
class _Candidate:
    entry: ChronologyEntry
    legacy_key: str  # the positional key versions before 9 saved ("uid:n")
    sealed_at: datetime  # when the contact's current version was sealed


def _made(
    key: str,
    at: datetime,
    event: str,
    source: str,
    *,
    action: str = "",
    significant: bool = False,
    shared: bool = False,
) -> ChronologyEntry:
    worded = Worded(event, "", action, significant)
    return ChronologyEntry(
        key, at, event, source, "", action, significant, shared=shared, worded=worded
    )


def _candidates(store: RecordStore, person_id: str, words: EventWords) -> Iterator[_Candidate]:
    for contact_entry in reversed(store.timeline(person_id, ["contact"])):
        sealed = store.contact(contact_entry.contact_uid)
        c = sealed.contact
        # With other young people, a missing episode or injury may be another child's.
        shared = len(c.people) > 1
        event = _first_sentence(c.narrative) or c.place
        entry = _made(sealed.uid, c.started_at, event, c.kind.value, shared=shared)
        yield _Candidate(entry, sealed.uid, sealed.sealed_at)
        repeats: Counter[str] = Counter()
        for n, observation in enumerate(c.observations):
            d = observation.details
            source = f"{c.kind.value}/{observation.provenance.value}"
            key = observation_key(sealed.uid, observation)
            repeats[key] += 1
            if repeats[key] > 1:  # the same observation twice in one contact
                key = f"{key}#{repeats[key]}"
            if isinstance(d, MissingDetails):
                hours = None
                if d.went_missing and d.came_back:
                    hours = int((d.came_back - d.went_missing).total_seconds() // 3600)
                event = words.missing(hours, d.where_found, d.who_with)
                at = d.went_missing or observation.seen_at or c.started_at
                entry = _made(key, at, event, source, significant=not shared, shared=shared)
            elif isinstance(d, InjuryDetails):
                sites = ", ".join(m.site for m in d.marks if m.site)
                event = words.injury(sites, d.explanation_in_own_words)
                action = d.first_aid_or_medical or words.action(d.action)
                at = observation.seen_at or c.started_at
                entry = _made(
                    key, at, event, source, action=action, significant=not shared, shared=shared
                )
            else:
                continue
            yield _Candidate(entry, f"{sealed.uid}:{n}", sealed.sealed_at)


def candidates(
    store: RecordStore, person_id: str, words: EventWords | None = None
) -> list[ChronologyEntry]:
    """Events from the young person's current contacts, oldest first."""
    found = [c.entry for c in _candidates(store, person_id, words or EventWords())]
    found.sort(key=lambda e: e.at)
    return found


class ChronologyStore:
    def __init__(self, db: Database, now: Callable[[], datetime]) -> None:
        self._db = db
        self._now = now

    def load(
        self, store: RecordStore, person_id: str, words: EventWords | None = None
    ) -> list[ChronologyEntry]:
        """The candidates with the worker's saved wording and choices laid over them."""
        saved = {
            row[0]: row[1:]
            for row in self._db.query(
                "SELECT key, event, impact, action, significant, updated_at FROM chronology "
                "WHERE person_id = ?",
                (person_id,),
            )
        }
        out = []
        for candidate in _candidates(store, person_id, words or EventWords()):
            entry = candidate.entry
            row = saved.get(entry.key)
            legacy = saved.get(candidate.legacy_key)
            # Saved by position (before version 9): right only if not amended since.
            if row is None and legacy and _saved_at(legacy[4]) >= candidate.sealed_at:
                row = legacy
            if row is not None:
                event, impact, action, significant, _at = row
                entry = replace(
                    entry,
                    event=entry.event if event is None else event,
                    impact=entry.impact if impact is None else impact,
                    action=entry.action if action is None else action,
                    significant=entry.significant if significant is None else bool(significant),
                )
            out.append(entry)
        out.sort(key=lambda e: e.at)
        return out

    def save(self, person_id: str, entries: Sequence[ChronologyEntry]) -> None:
        """Keep what the worker changed in ``entries`` (the chronology as loaded and
        edited). A row whose every field is as made from the record goes, as do rows
        left for events these contacts no longer have (an amended or removed
        observation, or a key from before keys were digests)."""
        keys = {e.key for e in entries}
        uids = {_contact_uid(k) for k in keys}
        existing = {
            key
            for (key,) in self._db.query(
                "SELECT key FROM chronology WHERE person_id = ?", (person_id,)
            )
        }
        gone = {k for k in existing if k not in keys and _contact_uid(k) in uids}
        rows = []
        for e in entries:
            changed = e.changes()
            if any(value is not None for value in changed):
                rows.append((person_id, e.key, *changed, utc_stamp(self._now())))
            elif e.key in existing:
                gone.add(e.key)
        with self._db.transaction():
            self._db.executemany(
                "DELETE FROM chronology WHERE person_id = ? AND key = ?",
                [(person_id, key) for key in sorted(gone)],
            )
            self._db.executemany(
                "INSERT INTO chronology (person_id, key, event, impact, action, significant, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (person_id, key) DO "
                "UPDATE SET event = excluded.event, impact = excluded.impact, "
                "action = excluded.action, significant = excluded.significant, "
                "updated_at = excluded.updated_at",
                rows,
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
