"""The connection index: the same car, phone, handle, person or place across contacts.

Kept inside the vault and updated in the same transaction as each filed or amended
contact, never rebuilt:

- ``entities``: one row per canonical vehicle, phone, handle, person name or place
  (``kind``, ``key``), with a ``fuzzy`` key to find candidates for a possible match by
  equality (``plate_key`` for registrations, the first letter for names) and the label as
  first written. Entities are never deleted, so a worker's decision about two of them
  outlives the sightings that raised it.
- ``sightings``: which current contact versions mention which entity.
- ``entity_links``: pairs of entities that may be one (``possible``), with the worker's
  decision (``confirmed`` or ``rejected``). A pair is looked at once, when the newer of the
  two is first written down; a rejected pair is never offered again.

Queries read only these tables and the contacts' own (``contacts``, ``contact_people``).

When what a mention is keyed by changes, ``rekey`` (run by a vault migration) moves the
stored entities to their new keys, keeping the worker's decisions.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from outreach.links.keys import EXACT_ONLY, KINDS, Mention, entity_key
from outreach.links.names import match_name, match_place
from outreach.links.plates import Match, match_plate
from outreach.vault.database import Database

SHOWN_PEOPLE = 12  # young people listed by name for one link; the rest are counted


@dataclass(frozen=True)
class Entity:
    id: int
    kind: str
    key: str
    label: str


@dataclass(frozen=True)
class Seen:
    """A young person seen around an entity: how often and when last."""

    person_id: str
    times: int
    last_at: str  # as stored (UTC, fixed width); read as a time only when shown

    @property
    def last(self) -> datetime:
        return datetime.fromisoformat(self.last_at)


@dataclass(frozen=True)
class Connection:
    """An entity in this contact (or this young person's contacts) that is also elsewhere."""

    entity: Entity  # as written here
    other: Entity  # where it was also seen: the same entity, or one that may be it
    match: str  # "same", "confirmed" (a possible match the worker confirmed), "possible"
    young_people: tuple[Seen, ...]  # other young people seen around it, most often first
    unnamed: int  # sightings with no young person recorded
    last: datetime
    more_people: int = 0  # others seen around it beyond those listed

    @property
    def people_count(self) -> int:
        return len(self.young_people) + self.more_people


@dataclass(frozen=True)
class RankedEntity:
    entity: Entity
    young_people: int
    sightings: int
    last: datetime
    possible: int = 0  # undecided possible matches


@dataclass(frozen=True)
class Filing:
    """A contact version as ``rekey`` reads it."""

    contact_id: int
    mentions: Sequence[Mention]
    people: Sequence[str]
    at: str  # the start stamp as stored
    current: bool


# How much a decision weighs when two entities become one: the worker's over none.
_WEIGHT = {"possible": 0, "rejected": 1, "confirmed": 2}


@dataclass
class Graph:
    """Young people and entities as nodes; an edge where one was seen around the other."""

    people: dict[str, int] = field(default_factory=dict)  # person id -> contacts
    entities: dict[int, Entity] = field(default_factory=dict)
    edges: list[tuple[str, int, int]] = field(default_factory=list)  # person, entity, times
    edges_total: int = 0  # before keeping only the strongest ``max_edges``


def _tail(key: str) -> str:
    """The last two characters of a name (a place's name, before its area)."""
    return key.split("|")[0][-2:]


def _could_be(kind: str, a: Entity, b: Entity) -> bool:
    if kind == "vehicle":
        return match_plate(a.key, b.key) != "none"
    if kind == "person":
        return match_name(a.key, b.key) != "none"
    if kind == "place":
        a_name, _, a_area = a.key.partition("|")
        b_name, _, b_area = b.key.partition("|")
        return match_place(a_name, a_area, b_name, b_area) != "none"
    return False  # phones and handles match only when equal


def _as_written(kind: str, key: str) -> tuple[str, str]:
    """(text, extra) of a mention that a stored key could have come from."""
    if kind == "handle":
        platform, _, handle = key.partition(":")
        return handle, platform
    if kind == "place":
        name, _, area = key.partition("|")
        return name, area
    return key, ""


def _keyed_by_nothing(kind: str, key: str) -> bool:
    """Whether today's rules give no key to what a stored key was made from."""
    return entity_key(Mention(kind, *_as_written(kind, key))) is None


class ConnectionIndex:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- keeping it up to date (inside the caller's transaction) -----------------------

    def add(
        self,
        contact_id: int,
        mentions: Iterable[Mention],
        people: Sequence[str] = (),
        at: str = "",
    ) -> None:
        """Index a contact version: its mentions, its young people, its start stamp."""
        entity_ids: set[int] = set()
        for mention in mentions:
            found = entity_key(mention)
            if found is None:
                continue
            key, fuzzy, label, partial = found
            existing = self._db.scalar(
                "SELECT id FROM entities WHERE kind = ? AND key = ?", (mention.kind, key)
            )
            if existing is None:
                existing = self._db.execute(
                    "INSERT INTO entities (kind, key, fuzzy, label, partial, tail) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (mention.kind, key, fuzzy, label, int(partial), _tail(key)),
                ).lastrowid
                self._offer_possible(Entity(existing, mention.kind, key, label), fuzzy, partial)
            entity_ids.add(int(existing))
        ordered = sorted(entity_ids)
        self._db.executemany(
            "INSERT OR IGNORE INTO sightings (entity_id, contact_id) VALUES (?, ?)",
            [(entity_id, contact_id) for entity_id in ordered],
        )
        self._db.executemany(
            "INSERT INTO entity_people (entity_id, person_id, times, last_at) "
            "VALUES (?, ?, 1, ?) ON CONFLICT (entity_id, person_id) DO UPDATE SET "
            "times = times + 1, last_at = max(last_at, excluded.last_at)",
            [(e, person, at) for e in ordered for person in (tuple(people) or ("",))],
        )
        self._db.executemany(
            "UPDATE entities SET seen = seen + 1, last_at = max(last_at, ?), "
            "people = (SELECT count(*) FROM entity_people "
            "          WHERE entity_id = entities.id AND person_id != '') WHERE id = ?",
            [(at, e) for e in ordered],
        )

    def remove(self, contact_id: int) -> None:
        """Take a contact version out (it was amended); its entities' counts are redone."""
        entity_ids = [e for (e,) in self._db.query(
            "SELECT entity_id FROM sightings WHERE contact_id = ?", (contact_id,)
        )]  # fmt: skip
        people = [p for (p,) in self._db.query(
            "SELECT person_id FROM contact_people WHERE contact_id = ?", (contact_id,)
        )] or [""]  # fmt: skip
        self._db.execute("DELETE FROM sightings WHERE contact_id = ?", (contact_id,))
        for entity_id in entity_ids:
            for person in people:
                self._recount(entity_id, person)
            self._db.execute(
                "UPDATE entities SET "
                "seen = (SELECT count(*) FROM sightings WHERE entity_id = entities.id), "
                "last_at = coalesce((SELECT max(c.started_at) FROM sightings s "
                "  JOIN contacts c ON c.id = s.contact_id WHERE s.entity_id = entities.id), ''), "
                "people = (SELECT count(*) FROM entity_people "
                "  WHERE entity_id = entities.id AND person_id != '') WHERE id = ?",
                (entity_id,),
            )

    def _recount(self, entity_id: int, person: str) -> None:
        with_person = (
            "EXISTS (SELECT 1 FROM contact_people cp WHERE cp.contact_id = s.contact_id "
            "AND cp.person_id = ?)"
            if person
            else "NOT EXISTS (SELECT 1 FROM contact_people cp WHERE cp.contact_id = s.contact_id)"
        )
        params: list[Any] = [entity_id, person] if person else [entity_id]
        times, last = self._db.query(
            "SELECT count(*), max(c.started_at) FROM sightings s "  # noqa: S608
            "JOIN contacts c ON c.id = s.contact_id WHERE s.entity_id = ? AND " + with_person,
            params,
        )[0]
        if times:
            self._db.execute(
                "UPDATE entity_people SET times = ?, last_at = ? "
                "WHERE entity_id = ? AND person_id = ?",
                (times, last, entity_id, person),
            )
        else:
            self._db.execute(
                "DELETE FROM entity_people WHERE entity_id = ? AND person_id = ?",
                (entity_id, person),
            )

    def _offer_possible(self, new: Entity, fuzzy: str, partial: bool) -> None:
        """Look once, when an entity is new, for others that may be it: each query below
        is answered from an index, so the cost does not grow with the vault."""
        if new.kind in ("phone", "handle"):
            return
        if new.kind == "vehicle" and fuzzy.startswith(EXACT_ONLY):
            return  # another country's registration matches only itself
        columns = "SELECT id, kind, key, label FROM entities WHERE kind = ? AND id != ? AND "
        if new.kind == "vehicle":
            queries = [
                ("fuzzy = ?", [fuzzy]),  # the same once confusable characters are one
                ("partial = 1 AND ? GLOB fuzzy", [fuzzy]),  # a partial this one fits
            ]
            if partial:
                queries.append(("fuzzy GLOB ?", [fuzzy]))  # what this partial fits
                # Two partials' keys need not relate by GLOB either way (``AB12C?E`` and
                # ``AB?2CDE``); partials are few, so each is compared.
                queries.append(("partial = 1", []))
        else:
            # Names: the same first letter, or the same last two letters (a typo at the
            # start), then the spelling rules decide.
            queries = [("fuzzy = ?", [fuzzy]), ("tail = ?", [_tail(new.key)])]
        seen: set[int] = set()
        for where, params in queries:
            for row in self._db.query(columns + where, [new.kind, new.id, *params]):
                other = Entity(*row)
                if other.id in seen:
                    continue
                seen.add(other.id)
                if _could_be(new.kind, new, other):
                    a, b = sorted((new.id, other.id))
                    self._db.execute(
                        "INSERT OR IGNORE INTO entity_links (a, b, decision) "
                        "VALUES (?, ?, 'possible')",
                        (a, b),
                    )

    # --- new keying rules (inside a migration's transaction) ----------------------------

    def rekey(self, filings: Iterable[Filing], old_key: Callable[[Mention], str | None]) -> None:
        """Key the index anew by today's ``entity_key``: ``filings`` are every contact
        version, ``old_key`` what the rules being replaced keyed a mention by.

        An entity moves to the key its mentions have now (the most common, when they
        differ), joining one already there; its decisions go with it, a decided pair
        outweighing an undecided one and "confirmed" a "rejected" one. Sightings and
        counts are then made again from the current versions, possible matches are looked
        for again by today's rules, and entities nothing is keyed by any more (a
        non-answer such as "unknown") go, with their links."""
        filings = list(filings)
        moves: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        for filing in filings:
            for mention in filing.mentions:
                before, now = old_key(mention), entity_key(mention)
                if before is not None and now is not None:
                    moves[(mention.kind, before)][now[0]] += 1
        self._db.execute("DELETE FROM sightings")
        self._db.execute("DELETE FROM entity_people")
        self._db.execute("UPDATE entities SET seen = 0, people = 0, last_at = ''")
        rekeyed: set[int] = set()  # entities whose key is new: their possibles are too
        for entity_id, kind, key in self._db.query("SELECT id, kind, key FROM entities"):
            keys = moves.get((kind, key))
            if not keys or key in keys:
                continue
            new_key = min(keys, key=lambda k: (-keys[k], k))
            there = self._db.scalar(
                "SELECT id FROM entities WHERE kind = ? AND key = ?", (kind, new_key)
            )
            if there is None:
                self._db.execute(
                    "UPDATE entities SET key = ?, fuzzy = ?, partial = ?, tail = ? WHERE id = ?",
                    (new_key, *self._fuzzy(kind, new_key), entity_id),
                )
                rekeyed.add(entity_id)
            else:
                self._merge(entity_id, int(there))
                rekeyed.add(int(there))
        for filing in filings:
            if filing.current:
                self.add(filing.contact_id, filing.mentions, filing.people, filing.at)
        for entity_id, kind, key, label, fuzzy, partial, seen in self._db.query(
            "SELECT id, kind, key, label, fuzzy, partial, seen FROM entities"
        ):
            if seen:
                # Registrations are matched by new rules (misreads), each through an index;
                # a name or place whose key stayed had its possibles offered when it was
                # new, by the same rules, and comparing every one again with every other
                # took minutes on a large caseload.
                if kind == "vehicle" or entity_id in rekeyed:
                    self._offer_possible(Entity(entity_id, kind, key, label), fuzzy, bool(partial))
            elif _keyed_by_nothing(kind, key):
                self._db.execute(
                    "DELETE FROM entity_links WHERE a = ? OR b = ?", (entity_id, entity_id)
                )
                self._db.execute("DELETE FROM entities WHERE id = ?", (entity_id,))

    @staticmethod
    def _fuzzy(kind: str, key: str) -> tuple[str, int, str]:
        """(fuzzy, partial, tail) of a key ``entity_key`` gave, as ``add`` writes them."""
        found = entity_key(Mention(kind, *_as_written(kind, key)))
        if found is None or found[0] != key:
            return key, 0, _tail(key)  # not reached: today's keys are their own text
        return found[1], int(found[3]), _tail(key)

    def _merge(self, gone: int, kept: int) -> None:
        """Entity ``gone`` is ``kept`` under new rules: its decisions move, then it goes."""
        rows = self._db.query(
            "SELECT a, b, decision, decided_at FROM entity_links WHERE a = ? OR b = ?",
            (gone, gone),
        )
        self._db.execute("DELETE FROM entity_links WHERE a = ? OR b = ?", (gone, gone))
        for a, b, decision, decided_at in rows:
            other = b if a == gone else a
            if other == kept:
                continue
            pair = sorted((kept, other))
            was = self._db.scalar("SELECT decision FROM entity_links WHERE a = ? AND b = ?", pair)
            if was is None:
                self._db.execute(
                    "INSERT INTO entity_links (a, b, decision, decided_at) VALUES (?, ?, ?, ?)",
                    (*pair, decision, decided_at),
                )
            elif _WEIGHT[decision] > _WEIGHT[was]:
                self._db.execute(
                    "UPDATE entity_links SET decision = ?, decided_at = ? WHERE a = ? AND b = ?",
                    (decision, decided_at, *pair),
                )
        self._db.execute("DELETE FROM entities WHERE id = ?", (gone,))

    # --- the worker's decisions --------------------------------------------------------

    def decide(self, first: int, second: int, decision: str, when: datetime) -> None:
        """Confirm or reject a possible match (in the caller's transaction)."""
        if decision not in ("confirmed", "rejected", "possible"):
            raise ValueError("a decision is confirmed, rejected or possible")
        a, b = sorted((first, second))
        cursor = self._db.execute(
            "UPDATE entity_links SET decision = ?, decided_at = ? WHERE a = ? AND b = ?",
            (decision, when.isoformat(), a, b),
        )
        if cursor.rowcount != 1:
            raise LookupError("no such possible match")

    # --- reading ----------------------------------------------------------------------

    def entity(self, entity_id: int) -> Entity:
        rows = self._db.query(
            "SELECT id, kind, key, label FROM entities WHERE id = ?", (entity_id,)
        )
        if not rows:
            raise LookupError(entity_id)
        return Entity(*rows[0])

    def _entities(self, ids: Iterable[int]) -> dict[int, Entity]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        rows = self._db.query(
            "SELECT id, kind, key, label FROM entities WHERE id IN "  # noqa: S608
            f"({', '.join('?' * len(wanted))})",
            wanted,
        )
        return {row[0]: Entity(*row) for row in rows}

    def _linked(self, ids: Sequence[int]) -> list[tuple[int, int, str]]:
        """(entity, linked entity, decision) for every link not rejected."""
        if not ids:
            return []
        marks = ", ".join("?" * len(ids))
        rows = self._db.query(
            "SELECT a, b, decision FROM entity_links WHERE decision != 'rejected' AND "  # noqa: S608
            f"(a IN ({marks}) OR b IN ({marks}))",
            [*ids, *ids],
        )
        found = []
        chosen = set(ids)
        for a, b, decision in rows:
            if a in chosen:
                found.append((a, b, decision))
            if b in chosen:
                found.append((b, a, decision))
        return found

    def for_contact(self, contact_id: int) -> list[Connection]:
        """What in this contact was also seen in other contacts, and with whom."""
        own = [e for (e,) in self._db.query(
            "SELECT entity_id FROM sightings WHERE contact_id = ?", (contact_id,)
        )]  # fmt: skip
        own_people = {p for (p,) in self._db.query(
            "SELECT person_id FROM contact_people WHERE contact_id = ?", (contact_id,)
        )}  # fmt: skip
        # This contact's own sighting is in the counts: with no young person, it is one of
        # the unnamed ones, to take away; with young people, they are left out anyway.
        return self._connections(own, exclude_people=own_people, own_unnamed=not own_people)

    def for_person(self, person_id: str) -> list[Connection]:
        """What was seen around this young person that was also seen around others."""
        own = [e for (e,) in self._db.query(
            "SELECT entity_id FROM entity_people WHERE person_id = ?", (person_id,)
        )]  # fmt: skip
        return self._connections(own, exclude_people={person_id}, own_unnamed=False)

    def _connections(
        self, own: Sequence[int], *, exclude_people: set[str], own_unnamed: bool
    ) -> list[Connection]:
        pairs: list[tuple[int, int, str]] = [(e, e, "same") for e in own]
        pairs += self._linked(own)
        targets = sorted({other for _e, other, _d in pairs})
        if not targets:
            return []
        marks = ", ".join("?" * len(targets))
        rows = self._db.query(
            "SELECT entity_id, person_id, times, last_at FROM entity_people "  # noqa: S608
            f"WHERE entity_id IN ({marks})",
            targets,
        )
        around: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
        unnamed_of: dict[int, tuple[int, str]] = {}
        for entity_id, person_id, times, last in rows:
            if person_id == "":
                unnamed_of[entity_id] = (times, last)
            elif person_id not in exclude_people:
                around[entity_id].append((times, last, person_id))
        # The young people seen most around each entity, a dozen: one seen with two
        # hundred is listed as the first twelve and a count. Plain tuples until then.
        by_entity: dict[int, list[Seen]] = {}
        totals: dict[int, tuple[int, str]] = {}
        for entity_id, people in around.items():
            newest = max(last for _t, last, _p in people)
            top = heapq.nlargest(SHOWN_PEOPLE, people)  # most often, then the latest
            by_entity[entity_id] = [Seen(p, times, last) for times, last, p in top]
            totals[entity_id] = (len(people), newest)
        entities = self._entities([e for e, _o, _d in pairs] + targets)
        found = []
        for entity_id, other, match in pairs:
            seen = by_entity.get(other, [])
            total, last = totals.get(other, (0, ""))
            unnamed, unnamed_last = unnamed_of.get(other, (0, ""))
            if own_unnamed and other == entity_id:
                unnamed -= 1  # this contact's own sighting
            if unnamed > 0:
                last = max(last, unnamed_last)
            if not seen and unnamed <= 0:
                continue
            found.append(
                Connection(
                    entities[entity_id],
                    entities[other],
                    match,
                    tuple(seen),
                    max(0, unnamed),
                    datetime.fromisoformat(last),
                    total - len(seen),
                )
            )
        order = {"same": 0, "confirmed": 1, "possible": 2}
        found.sort(key=lambda c: (-c.people_count, order[c.match], -c.last.timestamp()))
        return found

    def possible_matches(self, entity_id: int) -> list[tuple[Entity, str]]:
        """Entities that may be this one, with the decision so far (rejected ones too)."""
        rows = self._db.query(
            "SELECT CASE WHEN a = ? THEN b ELSE a END, decision FROM entity_links "
            "WHERE a = ? OR b = ?",
            (entity_id, entity_id, entity_id),
        )
        entities = self._entities(other for other, _d in rows)
        return [(entities[other], decision) for other, decision in rows]

    def ranked(self, kind: str | None = None, limit: int = 500) -> list[RankedEntity]:
        """Entities by how many young people they touch, then how recently seen."""
        where = "seen > 0" if kind is None else "kind = ? AND seen > 0"
        params: list[Any] = [] if kind is None else [kind]
        rows = self._db.query(
            "SELECT id, kind, key, label, people, seen, last_at, "  # noqa: S608
            "(SELECT count(*) FROM entity_links l WHERE (l.a = e.id OR l.b = e.id) "
            " AND l.decision = 'possible') "
            f"FROM entities e WHERE {where} ORDER BY people DESC, last_at DESC LIMIT ?",
            [*params, limit],
        )
        return [
            RankedEntity(Entity(i, k, key, label), people, seen, datetime.fromisoformat(last), p)
            for i, k, key, label, people, seen, last, p in rows
        ]

    def sightings_of(self, entity_id: int) -> list[tuple[str, datetime, tuple[str, ...]]]:
        """(contact uid, when, young people) for each current contact mentioning it."""
        rows = self._db.query(
            "SELECT c.uid, c.started_at, group_concat(cp.person_id, ' ') "
            "FROM sightings s JOIN contacts c ON c.id = s.contact_id "
            "LEFT JOIN contact_people cp ON cp.contact_id = c.id "
            "WHERE s.entity_id = ? GROUP BY c.id ORDER BY c.started_at DESC",
            (entity_id,),
        )
        return [
            (uid, datetime.fromisoformat(at), tuple(people.split()) if people else ())
            for uid, at, people in rows
        ]

    def graph(
        self,
        kinds: Iterable[str] = KINDS,
        min_people: int = 2,
        limit: int = 500,
        max_edges: int = 15_000,
    ) -> Graph:
        """Entities seen around at least ``min_people`` young people, and those young people.

        At most ``limit`` entities, those touching the most young people first, and at
        most ``max_edges`` edges, the strongest; ``edges_total`` says how many there were.
        """
        chosen = [k for k in kinds if k in KINDS]
        if not chosen:
            return Graph()
        marks = ", ".join("?" * len(chosen))
        kept = self._db.query(
            "SELECT id, kind, key, label, people FROM entities "  # noqa: S608
            f"WHERE kind IN ({marks}) AND people >= ? AND seen > 0 "
            "ORDER BY people DESC, last_at DESC LIMIT ?",
            [*chosen, max(1, min_people), limit],
        )
        graph = Graph(
            entities={row[0]: Entity(*row[:4]) for row in kept},
            edges_total=sum(row[4] for row in kept),  # one edge per young person each
        )
        if not kept:
            return graph
        ids = list(graph.entities)
        for entity_id, person_id, times in self._db.query(
            "SELECT entity_id, person_id, times FROM entity_people "  # noqa: S608
            f"WHERE person_id != '' AND entity_id IN ({', '.join('?' * len(ids))}) "
            "ORDER BY times DESC LIMIT ?",
            [*ids, max_edges],
        ):
            graph.edges.append((person_id, entity_id, times))
            graph.people[person_id] = graph.people.get(person_id, 0) + times
        return graph

    def match_of(self, a: Entity, b: Entity) -> Match:
        """How two entities compare by the normalisers' rules alone."""
        if a.id == b.id:
            return "same"
        return "possible" if a.kind == b.kind and _could_be(a.kind, a, b) else "none"
