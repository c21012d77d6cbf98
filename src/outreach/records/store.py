"""Young people and contacts in the vault: filing, amending, timelines and search.

A contact is filed ("sealed") once, in one transaction with its quotes, observations,
search rows, audit entry and the removal of its draft: a crash leaves either the draft or
the sealed contact, never both and never neither. A change after that is an amendment:
a new version row with its reason; the version it replaces is kept and stays readable.

Search rows exist for current versions only. Their rowids encode the owner, so one
contact's rows are replaced by a rowid range rather than a scan of the index:
``contact id * ROWS_PER_CONTACT + n`` for a contact, ``-(person rowid)`` for a person.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from outreach.links.index import ConnectionIndex
from outreach.links.keys import Mention
from outreach.records import codec
from outreach.records.keep_asking import KeepAsking
from outreach.records.model import (
    Contact,
    ContactKind,
    Details,
    FieldKind,
    IndicatorMark,
    MissingDetails,
    Observation,
    ObservationKind,
    PersonDetails,
    PersonStatus,
    PhoneDetails,
    PlaceDetails,
    Provenance,
    Quote,
    SealedContact,
    VehicleDetails,
    YoungPerson,
    field_specs,
    text_of,
)
from outreach.records.validation import (
    MATCH_END,
    MATCH_START,
    Problem,
    check_contact,
    check_person,
    clean_text,
)
from outreach.vault import audit
from outreach.vault.audit import utc_now
from outreach.vault.database import Database

ROWS_PER_CONTACT = 1024
MAX_ITEMS_PER_CONTACT = ROWS_PER_CONTACT - 8  # quotes plus observations
PEOPLE_IN_SEARCH = 10


class InvalidRecord(ValueError):
    """The record was not filed; nothing in the vault changed."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(", ".join(f"{p.field}: {p.code}" for p in problems))
        self.problems = tuple(problems)


class RecordNotFound(LookupError):
    pass


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    contact_uid: str
    kind: str  # "contact" or an ObservationKind value
    summary: str
    amended: bool
    provenance: Provenance | None = None


# Where a timeline page ended: the last contact's start stamp and row id.
TimelineCursor = tuple[str, int]
TIMELINE_PAGE = 200


@dataclass(frozen=True)
class TimelinePage:
    entries: list[TimelineEntry]
    next: TimelineCursor | None  # pass as ``after`` for the next page; None at the end


@dataclass(frozen=True)
class ContactListing:
    uid: str
    started_at: datetime
    kind: ContactKind
    place: str
    people: tuple[str, ...]
    observation_count: int
    amended: bool


@dataclass(frozen=True)
class SearchHit:
    contact_uid: str  # empty for a person
    person_id: str  # empty for a contact
    source: str  # "narrative", "quote", "instinct", "contact", "person", or an observation kind
    snippet: str  # matched words between MATCH_START and MATCH_END
    at: datetime | None


_stamp = codec.utc_stamp


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def mentions_of(contact: Contact) -> list[Mention]:
    """What in a contact can link it to others: registrations, numbers, handles, names
    and places from the observations' structured fields (not free narrative)."""
    found: list[Mention] = []
    for observation in contact.observations:
        d = observation.details
        if isinstance(d, VehicleDetails):
            found.append(Mention("vehicle", d.registration))
        elif isinstance(d, PlaceDetails):
            found.append(Mention("place", d.name, d.area))
        elif isinstance(d, PersonDetails):
            found += [Mention("person", name) for name in (d.name, *d.nicknames) if name]
            found += [Mention("phone", number) for number in d.phone_numbers]
            found += [Mention("handle", h.handle, h.platform) for h in d.handles]
            found += [Mention("vehicle", plate) for plate in d.linked_vehicles]
            found += [Mention("place", place) for place in d.linked_places]
        elif isinstance(d, PhoneDetails):
            found += [Mention("phone", number) for number in d.numbers]
            found += [Mention("handle", h.handle, h.platform) for h in d.handles]
        elif isinstance(d, MissingDetails) and d.where_found:
            found.append(Mention("place", d.where_found))
    return found


def summary_of(details: Details, limit: int = 120) -> str:
    """A one-line summary of an observation from its first filled-in fields."""
    parts: list[str] = []
    for spec in field_specs(details.kind):
        value = getattr(details, spec.name)
        if spec.kind in (FieldKind.TEXT, FieldKind.CHOICE) and value:
            parts.append(str(value).replace("_", " "))
        elif spec.kind is FieldKind.LINES and value:
            parts.append(", ".join(value))
        elif spec.kind is FieldKind.MARKS and value:
            parts.append(", ".join(m.site or m.side for m in value))
        if len(parts) == 4:
            break
    return _clip(" · ".join(parts), limit)


def _clip(text: str, limit: int) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def fts_query(text: str, *, last_as_prefix: bool = False) -> str | None:
    """Words typed into a search box as an FTS5 query: every word must be there.

    Quoting each token means nothing typed is read as FTS5 syntax (AND, NEAR, "-", ":").
    With ``last_as_prefix`` the last word may be the start of a longer one, as while typing.
    """
    words = re.findall(r"\w+", text)
    if not words:
        return None
    quoted = ['"' + word + '"' for word in words]
    if last_as_prefix:
        quoted[-1] += "*"
    return " ".join(quoted)


class RecordStore:
    def __init__(
        self,
        db: Database,
        *,
        now: Callable[[], datetime] = utc_now,
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        self._db = db
        self._now = now
        self._new_id = new_id

    @property
    def db(self) -> Database:
        return self._db

    # --- young people ---------------------------------------------------------------

    def add_person(self, person: YoungPerson) -> YoungPerson:
        person = self._clean_person(person)
        stored = replace(person, id=person.id or self._new_id())
        with self._db.transaction():
            self._insert_person(stored)
            audit.record(self._db, "person_created", stored.id, now=self._now)
        return stored

    def update_person(self, person: YoungPerson) -> YoungPerson:
        person = self._clean_person(person)
        with self._db.transaction():
            cursor = self._db.execute(
                "UPDATE young_people SET known_as = ?, aliases = ?, agency_ref = ?, "
                "date_of_birth = ?, estimated_age = ?, age_recorded_on = ?, gender = ?, "
                "school = ?, status = ?, notes = ?, updated_at = ? WHERE id = ?",
                (*self._person_values(person)[1:11], _stamp(self._now()), person.id),
            )
            if cursor.rowcount != 1:
                raise RecordNotFound(person.id)
            self._index_person(person)
            audit.record(self._db, "person_updated", person.id, now=self._now)
        return person

    def _clean_person(self, person: YoungPerson) -> YoungPerson:
        person = replace(
            person,
            known_as=clean_text(person.known_as).strip(),
            aliases=tuple(a for a in (clean_text(a).strip() for a in person.aliases) if a),
            agency_ref=clean_text(person.agency_ref).strip(),
            gender=clean_text(person.gender).strip(),
            school=clean_text(person.school).strip(),
            notes=clean_text(person.notes),
        )
        if person.estimated_age is not None and person.age_recorded_on is None:
            person = replace(person, age_recorded_on=self._now().date())
        problems = check_person(person, today=self._now().date())
        if problems:
            raise InvalidRecord(problems)
        return person

    @staticmethod
    def _person_values(person: YoungPerson) -> tuple[Any, ...]:
        return (
            person.id,
            person.known_as,
            json.dumps(list(person.aliases), ensure_ascii=False),
            person.agency_ref,
            _iso_date(person.date_of_birth),
            person.estimated_age,
            _iso_date(person.age_recorded_on),
            person.gender,
            person.school,
            person.status.value,
            person.notes,
        )

    def _insert_person(self, person: YoungPerson) -> None:
        stamp = _stamp(self._now())
        self._db.execute(
            "INSERT INTO young_people (id, known_as, aliases, agency_ref, date_of_birth, "
            "estimated_age, age_recorded_on, gender, school, status, notes, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*self._person_values(person), stamp, stamp),
        )
        self._index_person(person)

    def _index_person(self, person: YoungPerson) -> None:
        rowid = -int(self._db.scalar("SELECT rowid FROM young_people WHERE id = ?", (person.id,)))
        self._db.execute("DELETE FROM search_text WHERE rowid = ?", (rowid,))
        body = "\n".join((person.known_as, *person.aliases, person.agency_ref, person.notes))
        self._db.execute(
            "INSERT INTO search_text (rowid, body, source) VALUES (?, ?, 'person')",
            (rowid, body),
        )

    _PERSON_COLUMNS = (
        "id, known_as, aliases, agency_ref, date_of_birth, estimated_age, age_recorded_on, "
        "gender, school, status, notes"
    )

    def person(self, person_id: str) -> YoungPerson:
        rows = self._db.query(
            f"SELECT {self._PERSON_COLUMNS} FROM young_people WHERE id = ?",  # noqa: S608
            (person_id,),
        )
        if not rows:
            raise RecordNotFound(person_id)
        return _person_from_row(rows[0])

    def people_by_id(self, person_ids: Iterable[str]) -> dict[str, YoungPerson]:
        """These young people by id, in one query per 500: a view naming many (links,
        lists) asks once rather than once a name. Ids not found are left out."""
        wanted = list(dict.fromkeys(person_ids))
        found: dict[str, YoungPerson] = {}
        for start in range(0, len(wanted), 500):  # under SQLite's bound-parameter limit
            chunk = wanted[start : start + 500]
            rows = self._db.query(
                f"SELECT {self._PERSON_COLUMNS} FROM young_people "  # noqa: S608
                f"WHERE id IN ({', '.join('?' * len(chunk))})",
                chunk,
            )
            found.update((row[0], _person_from_row(row)) for row in rows)
        return found

    def people(self) -> list[YoungPerson]:
        """Everyone, open cases first, then by the name they are known by."""
        rows = self._db.query(
            f"SELECT {self._PERSON_COLUMNS} FROM young_people "  # noqa: S608
            "ORDER BY status = 'closed', known_as COLLATE NOCASE, id"
        )
        return [_person_from_row(row) for row in rows]

    # --- contacts -------------------------------------------------------------------

    def seal(self, contact: Contact, *, uid: str = "", draft_key: str = "") -> SealedContact:
        """File a new contact; its draft (if named) goes in the same transaction."""
        contact = self._clean_contact(contact)
        uid = uid or self._new_id()
        sealed = SealedContact(uid, 1, contact, self._now())
        with self._db.transaction():
            if self._db.scalar("SELECT 1 FROM contacts WHERE uid = ?", (uid,)):
                raise InvalidRecord([Problem("uid", "already_sealed")])
            self._insert_contact(sealed)
            if draft_key:
                self._db.execute("DELETE FROM drafts WHERE form_key = ?", (draft_key,))
            audit.record(self._db, "contact_sealed", uid, now=self._now)
        return sealed

    def amend(
        self, uid: str, contact: Contact, reason: str, *, draft_key: str = ""
    ) -> SealedContact:
        """A new version of a sealed contact, with the reason; the old one is kept."""
        reason = clean_text(reason).strip()
        problems = [] if reason else [Problem("amend_reason", "required")]
        try:
            contact = self._clean_contact(contact)
        except InvalidRecord as exc:
            problems.extend(exc.problems)
        if problems:
            raise InvalidRecord(problems)
        with self._db.transaction():
            rows = self._db.query(
                "SELECT id, version FROM contacts WHERE uid = ? AND is_current = 1", (uid,)
            )
            if not rows:
                raise RecordNotFound(uid)
            old_id, version = rows[0]
            self._db.execute("UPDATE contacts SET is_current = 0 WHERE id = ?", (old_id,))
            self._unindex_contact(old_id)
            ConnectionIndex(self._db).remove(old_id)
            sealed = SealedContact(uid, version + 1, contact, self._now(), reason)
            self._insert_contact(sealed)
            if draft_key:
                self._db.execute("DELETE FROM drafts WHERE form_key = ?", (draft_key,))
            audit.record(self._db, "contact_amended", f"{uid} v{version + 1}", now=self._now)
        return sealed

    def _clean_contact(self, contact: Contact) -> Contact:
        contact = replace(
            contact,
            place=clean_text(contact.place).strip(),
            others_present=clean_text(contact.others_present).strip(),
            narrative=clean_text(contact.narrative),
            instinct=clean_text(contact.instinct),
            quotes=tuple(
                Quote(clean_text(q.text), clean_text(q.said_by).strip()) for q in contact.quotes
            ),
            people=tuple(dict.fromkeys(contact.people)),
            # One mark per indicator, in a stable order (the last one given wins).
            indicators=tuple(
                sorted(
                    {m.indicator: m for m in contact.indicators}.values(),
                    key=lambda m: m.indicator,
                )
            ),
        )
        problems = check_contact(contact, now=self._now)
        if len(contact.quotes) + len(contact.observations) > MAX_ITEMS_PER_CONTACT:
            problems.append(Problem("observations", "too_many", MAX_ITEMS_PER_CONTACT))
        for person_id in contact.people:
            if not self._db.scalar("SELECT 1 FROM young_people WHERE id = ?", (person_id,)):
                problems.append(Problem("people", "unknown_person"))
        if problems:
            raise InvalidRecord(problems)
        return contact

    def _insert_contact(self, sealed: SealedContact) -> None:
        c = sealed.contact
        contact_id = self._db.execute(
            "INSERT INTO contacts (uid, version, is_current, started_at, ended_at, kind, "
            "place, others_present, narrative, instinct, sealed_at, amend_reason, worry, "
            "instinct_skipped, question_updates) "
            "VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                sealed.uid,
                sealed.version,
                _stamp(c.started_at),
                _stamp(c.ended_at) if c.ended_at else None,
                c.kind.value,
                c.place,
                c.others_present,
                c.narrative,
                c.instinct,
                _stamp(sealed.sealed_at),
                sealed.amend_reason,
                c.worry,
                int(c.instinct_skipped),
                json.dumps(codec.contact_to_json(c)["questions"], ensure_ascii=False),
            ),
        ).lastrowid
        self._db.executemany(
            "INSERT INTO contact_indicators (contact_id, indicator, state) VALUES (?, ?, ?)",
            [(contact_id, m.indicator, m.state) for m in c.indicators],
        )
        self._db.executemany(
            "INSERT INTO contact_people (contact_id, person_id, position) VALUES (?, ?, ?)",
            [(contact_id, person_id, n) for n, person_id in enumerate(c.people)],
        )
        self._db.executemany(
            "INSERT INTO quotes (contact_id, position, text, said_by) VALUES (?, ?, ?, ?)",
            [(contact_id, n, q.text, q.said_by) for n, q in enumerate(c.quotes)],
        )
        self._db.executemany(
            "INSERT INTO observations (contact_id, position, kind, provenance, seen_at, "
            "details, summary) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    contact_id,
                    n,
                    o.kind.value,
                    o.provenance.value,
                    _stamp(o.seen_at) if o.seen_at else None,
                    json.dumps(codec.details_to_json(o.details), ensure_ascii=False),
                    summary_of(o.details),
                )
                for n, o in enumerate(c.observations)
            ],
        )
        self._index_contact(contact_id, c)
        ConnectionIndex(self._db).add(contact_id, mentions_of(c), c.people, _stamp(c.started_at))
        KeepAsking(self._db, now=self._now, new_id=self._new_id).filed(sealed, contact_id)

    def _index_contact(self, contact_id: int, contact: Contact) -> None:
        rows: list[tuple[str, str]] = [
            ("narrative", contact.narrative),
            ("instinct", contact.instinct),
            ("contact", f"{contact.place}\n{contact.others_present}"),
        ]
        rows.extend(("quote", f"{q.text}\n{q.said_by}") for q in contact.quotes)
        rows.extend((o.kind.value, "\n".join(text_of(o.details))) for o in contact.observations)
        base = contact_id * ROWS_PER_CONTACT
        self._db.executemany(
            "INSERT INTO search_text (rowid, body, source) VALUES (?, ?, ?)",
            [(base + n, body, source) for n, (source, body) in enumerate(rows) if body.strip()],
        )

    def _unindex_contact(self, contact_id: int) -> None:
        base = contact_id * ROWS_PER_CONTACT
        self._db.execute(
            "DELETE FROM search_text WHERE rowid >= ? AND rowid < ?",
            (base, base + ROWS_PER_CONTACT),
        )

    def contact(self, uid: str) -> SealedContact:
        """The current version."""
        rows = self._db.query(
            f"SELECT {_CONTACT_COLUMNS} FROM contacts WHERE uid = ? AND is_current = 1",  # noqa: S608
            (uid,),
        )
        if not rows:
            raise RecordNotFound(uid)
        return self._sealed_from_row(rows[0])

    def versions(self, uid: str) -> list[SealedContact]:
        """Every version, oldest first."""
        rows = self._db.query(
            f"SELECT {_CONTACT_COLUMNS} FROM contacts WHERE uid = ? ORDER BY version",  # noqa: S608
            (uid,),
        )
        if not rows:
            raise RecordNotFound(uid)
        return [self._sealed_from_row(row) for row in rows]

    def _sealed_from_row(self, row: tuple[Any, ...]) -> SealedContact:
        contact_id, uid, version, started, ended, kind, place, others = row[:8]
        narrative, instinct, sealed_at, reason, worry, skipped, question_updates = row[8:]
        indicators = tuple(
            IndicatorMark(indicator, state)
            for indicator, state in self._db.query(
                "SELECT indicator, state FROM contact_indicators WHERE contact_id = ? "
                "ORDER BY indicator",
                (contact_id,),
            )
        )
        people = tuple(
            p
            for (p,) in self._db.query(
                "SELECT person_id FROM contact_people WHERE contact_id = ? ORDER BY position",
                (contact_id,),
            )
        )
        quotes = tuple(
            Quote(text, said_by)
            for text, said_by in self._db.query(
                "SELECT text, said_by FROM quotes WHERE contact_id = ? ORDER BY position",
                (contact_id,),
            )
        )
        observations = tuple(
            _observation_from_row(kind_, provenance, seen, details)
            for kind_, provenance, seen, details in self._db.query(
                "SELECT kind, provenance, seen_at, details FROM observations "
                "WHERE contact_id = ? ORDER BY position",
                (contact_id,),
            )
        )
        contact = Contact(
            started_at=_moment(started),
            ended_at=_moment(ended) if ended else None,
            kind=ContactKind(kind),
            place=place,
            people=people,
            others_present=others,
            narrative=narrative,
            quotes=quotes,
            instinct=instinct,
            observations=observations,
            worry=worry,
            instinct_skipped=bool(skipped),
            indicators=indicators,
            questions=codec.contact_from_json(
                {"started_at": started, "questions": json.loads(question_updates)}
            ).questions,
        )
        return SealedContact(uid, version, contact, _moment(sealed_at), reason)

    def purge_detail(self, uid: str, *, compact: bool = True) -> bool:
        """Remove what was written in every version of a contact (narrative, instinct, who
        else was there, quotes, several-line observation fields, answers given, the
        chronology's wording of its events), keeping what links it to other contacts:
        dates, young people, indicators, worry and the observations' short fields. Used by
        the retention policy once the hub has it. Returns False when it was purged
        already. ``compact=False`` leaves the search index's copy of the removed words to
        one ``compact_search`` after many purges."""
        rows = self._db.query(
            "SELECT id, is_current FROM contacts WHERE uid = ? AND purged_at IS NULL", (uid,)
        )
        if not rows:
            return False
        with self._db.transaction():
            # The question stays answered; the words of the answer go.
            self._db.execute("UPDATE questions SET answer = '' WHERE answered_in = ?", (uid,))
            # So does the chronology's wording of its events (made from what goes here);
            # the worker's ticks stay. Keys: the uid, or "uid:..." for an observation.
            of_contact = (uid, len(uid) + 1, uid + ":")
            self._db.execute(
                "DELETE FROM chronology WHERE significant IS NULL "
                "AND (key = ? OR substr(key, 1, ?) = ?)",
                of_contact,
            )
            self._db.execute(
                "UPDATE chronology SET event = NULL, impact = NULL, action = NULL "
                "WHERE key = ? OR substr(key, 1, ?) = ?",
                of_contact,
            )
            for contact_id, is_current in rows:
                self._db.execute(
                    "UPDATE contacts SET narrative = '', instinct = '', others_present = '', "
                    "question_updates = '[]', purged_at = ? WHERE id = ?",
                    (_stamp(self._now()), contact_id),
                )
                self._db.execute("DELETE FROM quotes WHERE contact_id = ?", (contact_id,))
                for obs_id, kind_, details in self._db.query(
                    "SELECT id, kind, details FROM observations WHERE contact_id = ?",
                    (contact_id,),
                ):
                    kept = _without_long_text(
                        codec.details_from_json(ObservationKind(kind_), json.loads(details))
                    )
                    self._db.execute(
                        "UPDATE observations SET details = ?, summary = ? WHERE id = ?",
                        (
                            json.dumps(codec.details_to_json(kept), ensure_ascii=False),
                            summary_of(kept),
                            obs_id,
                        ),
                    )
                if is_current:
                    self._unindex_contact(contact_id)
                    self._index_contact(contact_id, self._sealed_from_row(
                        self._db.query(
                            f"SELECT {_CONTACT_COLUMNS} FROM contacts WHERE id = ?",  # noqa: S608
                            (contact_id,),
                        )[0]
                    ).contact)  # fmt: skip
            audit.record(self._db, "detail_purged", now=self._now)
        if compact:
            self.compact_search()
        return True

    def compact_search(self) -> None:
        """Rewrite the search index without the rows deleted from it: FTS5 keeps a deleted
        row's words in its segments until they merge, and purged words must not stay."""
        with self._db.transaction():
            self._db.execute("INSERT INTO search_text (search_text) VALUES ('optimize')")

    def current_id(self, uid: str) -> int:
        """The row id of a contact's current version (what the connection index knows)."""
        found = self._db.scalar("SELECT id FROM contacts WHERE uid = ? AND is_current = 1", (uid,))
        if found is None:
            raise RecordNotFound(uid)
        return int(found)

    def known_places(self, limit: int = 500, recent: int = 2_000) -> list[str]:
        """Places written down in the latest ``recent`` contacts, most recently used first,
        to offer as the worker types where a contact happened. Read as the editor opens,
        so bounded: every contact and observation took 300+ ms at 20,000 contacts, the
        latest 2,000 take about 25 ms. A place unused for that long is no longer offered."""
        rows = self._db.query(
            "WITH recent AS (SELECT id, place, started_at FROM contacts"
            " WHERE is_current = 1 ORDER BY started_at DESC LIMIT ?)"
            " SELECT name FROM ("
            " SELECT place AS name, started_at AS at FROM recent"
            " UNION ALL"
            # CROSS JOIN: from those contacts to their observations, by index; left to
            # itself SQLite scans every observation instead.
            " SELECT json_extract(o.details, '$.name'), r.started_at FROM recent r"
            " CROSS JOIN observations o ON o.contact_id = r.id WHERE o.kind = 'place'"
            ") WHERE name IS NOT NULL AND name != '' "
            "GROUP BY name COLLATE NOCASE ORDER BY max(at) DESC LIMIT ?",
            (recent, limit),
        )
        return [name for (name,) in rows]

    def recent_contacts(self, limit: int = 200) -> list[ContactListing]:
        return self._listings("WHERE c.is_current = 1 ORDER BY c.started_at DESC LIMIT ?", (limit,))

    def contacts_without_people(self, limit: int = 200) -> list[ContactListing]:
        """Street observations not yet linked to a young person."""
        return self._listings(
            "WHERE c.is_current = 1 AND NOT EXISTS "
            "(SELECT 1 FROM contact_people cp WHERE cp.contact_id = c.id) "
            "ORDER BY c.started_at DESC LIMIT ?",
            (limit,),
        )

    def _listings(self, where: str, params: Sequence[Any]) -> list[ContactListing]:
        rows = self._db.query(
            "SELECT c.uid, c.started_at, c.kind, c.place, c.version, "  # noqa: S608 (fixed clauses)
            "(SELECT group_concat(person_id, ' ') FROM contact_people cp "
            " WHERE cp.contact_id = c.id), "
            "(SELECT count(*) FROM observations o WHERE o.contact_id = c.id) "
            "FROM contacts c " + where,
            params,
        )
        return [
            ContactListing(
                uid,
                _moment(started),
                ContactKind(kind),
                place,
                tuple(people.split()) if people else (),
                count,
                version > 1,
            )
            for uid, started, kind, place, version, people, count in rows
        ]

    def timeline(self, person_id: str, kinds: Iterable[str] | None = None) -> list[TimelineEntry]:
        """A young person's whole timeline, newest first (see ``timeline_page``)."""
        entries: list[TimelineEntry] = []
        cursor: TimelineCursor | None = None
        while True:
            page = self.timeline_page(person_id, kinds, after=cursor)
            entries.extend(page.entries)
            if page.next is None:
                return entries
            cursor = page.next

    def timeline_page(
        self,
        person_id: str,
        kinds: Iterable[str] | None = None,
        *,
        after: TimelineCursor | None = None,
        contacts: int = TIMELINE_PAGE,
    ) -> TimelinePage:
        """Up to ``contacts`` of a young person's contacts, newest first, each followed by
        what was observed in it; ``next`` continues after them.

        ``kinds`` keeps only those entries: "contact" and observation kind values. Pages
        let a view show the newest rows at once however long the history is.
        """
        wanted = set(kinds) if kinds is not None else None
        params: list[Any] = [person_id]
        older = ""
        if after is not None:
            older = " AND (c.started_at < ? OR (c.started_at = ? AND c.id < ?))"
            params += [after[0], after[0], after[1]]
        rows = self._db.query(
            "SELECT c.id, c.uid, c.version, c.started_at, c.place, c.narrative "
            "FROM contact_people cp JOIN contacts c ON c.id = cp.contact_id "
            "WHERE cp.person_id = ? AND c.is_current = 1" + older + " "
            "ORDER BY c.started_at DESC, c.id DESC LIMIT ?",
            (*params, contacts + 1),
        )
        more = len(rows) > contacts
        rows = rows[:contacts]
        observed: dict[int, list[tuple[str, str, str | None, str]]] = {}
        if rows and (wanted is None or wanted - {"contact"}):
            ids = [row[0] for row in rows]
            # Summaries were made when each contact was filed: no details are parsed here.
            for contact_id, kind, provenance, seen, summary in self._db.query(
                "SELECT contact_id, kind, provenance, seen_at, summary FROM observations "  # noqa: S608
                f"WHERE contact_id IN ({', '.join('?' * len(ids))}) "
                "ORDER BY contact_id, position",
                ids,
            ):
                if wanted is None or kind in wanted:
                    observed.setdefault(contact_id, []).append((kind, provenance, seen, summary))
        entries: list[TimelineEntry] = []
        for contact_id, uid, version, started, place, narrative in rows:
            at, amended = _moment(started), version > 1
            if wanted is None or "contact" in wanted:
                summary = _clip(narrative, 120) or place
                entries.append(TimelineEntry(at, uid, "contact", summary, amended))
            entries.extend(
                TimelineEntry(
                    _moment(seen) if seen else at,
                    uid,
                    kind,
                    summary,
                    amended,
                    Provenance(provenance),
                )
                for kind, provenance, seen, summary in observed.get(contact_id, ())
            )
        last = rows[-1] if rows else None
        return TimelinePage(entries, (last[3], last[0]) if more and last else None)

    # --- search ---------------------------------------------------------------------

    def search(self, text: str, limit: int = 50) -> list[SearchHit]:
        """Full-text search over current records: matching young people, then contacts."""
        exact = fts_query(text)
        prefixed = fts_query(text, last_as_prefix=True)
        if exact is None or prefixed is None:
            return []
        # The last word may be half typed, but its prefix is asked for only when the exact
        # word did not fill the list: a prefix of five letters or more has no prefix index,
        # and expanding a common one ("older"*) reads every match where the word stops early.
        may_be_partial = not text[-1:].isspace()
        rows: list[tuple[Any, ...]] = []
        for of_people in (True, False):
            wanted = PEOPLE_IN_SEARCH if of_people else limit
            found = self._matches(exact, wanted, people=of_people)
            if len(found) < wanted and may_be_partial:
                seen = {row[0] for row in found}
                more = self._matches(prefixed, wanted, people=of_people)
                found += [row for row in more if row[0] not in seen]
                found.sort(key=lambda row: row[0], reverse=not of_people)
            rows += found[:wanted]
        contact_ids = {rowid // ROWS_PER_CONTACT for rowid, _s, _t in rows if rowid >= 0}
        person_rowids = {-rowid for rowid, _s, _t in rows if rowid < 0}
        contacts = _by_first(
            self._db.query(
                "SELECT id, uid, started_at FROM contacts WHERE id IN "  # noqa: S608
                f"({', '.join('?' * len(contact_ids))})",
                tuple(contact_ids),
            )
        )
        people = _by_first(
            self._db.query(
                "SELECT rowid, id FROM young_people WHERE rowid IN "  # noqa: S608
                f"({', '.join('?' * len(person_rowids))})",
                tuple(person_rowids),
            )
        )
        hits = []
        for rowid, source, snippet in rows:
            if rowid >= 0:
                uid, started = contacts[rowid // ROWS_PER_CONTACT]
                hits.append(SearchHit(uid, "", source, snippet, _moment(started)))
            else:
                (person_id,) = people[-rowid]
                hits.append(SearchHit("", person_id, source, snippet, None))
        return hits

    def _matches(self, query: str, limit: int, *, people: bool) -> list[tuple[Any, ...]]:
        """People, or contacts most recently filed first. Walking the index in rowid order
        stops after ``limit`` rows; ranking would score every match."""
        where = "rowid < 0 ORDER BY rowid" if people else "rowid >= 0 ORDER BY rowid DESC"
        return self._db.query(
            "SELECT rowid, source, snippet(search_text, 0, ?, ?, '…', 12) FROM search_text "  # noqa: S608
            "WHERE search_text MATCH ? AND " + where + " LIMIT ?",
            (MATCH_START, MATCH_END, query, limit),
        )

    # --- bulk -----------------------------------------------------------------------

    def import_records(
        self, people: Iterable[YoungPerson], contacts: Iterable[Contact], *, batch: int = 500
    ) -> int:
        """File many records (synthetic caseloads, imports) in batched transactions."""
        with self._db.transaction():
            for person in people:
                self._insert_person(self._clean_person(person))
        filed = 0
        pending: list[Contact] = []
        for contact in contacts:
            pending.append(contact)
            if len(pending) == batch:
                filed += self._import_batch(pending)
                pending = []
        return filed + self._import_batch(pending)

    def _import_batch(self, contacts: Sequence[Contact]) -> int:
        if not contacts:
            return 0
        with self._db.transaction():
            for contact in contacts:
                self._insert_contact(
                    SealedContact(self._new_id(), 1, self._clean_contact(contact), self._now())
                )
        return len(contacts)


_CONTACT_COLUMNS = (
    "id, uid, version, started_at, ended_at, kind, place, others_present, narrative, "
    "instinct, sealed_at, amend_reason, worry, instinct_skipped, question_updates"
)


def _without_long_text(details: Details) -> Details:
    blank = {s.name: "" for s in field_specs(details.kind) if s.kind is FieldKind.LONG_TEXT}
    return replace(details, **blank)  # type: ignore[arg-type]


def _by_first(rows: list[tuple[Any, ...]]) -> dict[Any, tuple[Any, ...]]:
    return {row[0]: row[1:] for row in rows}


def _iso_date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _person_from_row(row: tuple[Any, ...]) -> YoungPerson:
    (pid, known_as, aliases, ref, dob, est, recorded, gender, school, status, notes) = row
    return YoungPerson(
        id=pid,
        known_as=known_as,
        aliases=tuple(json.loads(aliases)),
        agency_ref=ref,
        date_of_birth=_parse_date(dob),
        estimated_age=est,
        age_recorded_on=_parse_date(recorded),
        gender=gender,
        school=school,
        status=PersonStatus(status),
        notes=notes,
    )


def _observation_from_row(
    kind: str, provenance: str, seen_at: str | None, details: str
) -> Observation:
    observation_kind = ObservationKind(kind)
    return Observation(
        details=codec.details_from_json(observation_kind, json.loads(details)),
        provenance=Provenance(provenance),
        seen_at=_moment(seen_at) if seen_at else None,
    )
