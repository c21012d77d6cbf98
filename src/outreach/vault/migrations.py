"""Numbered, forward-only schema migrations, run on the keyed connection.

Each migration runs in one transaction that also sets ``user_version``; before the
first one runs, an encrypted copy of the vault is taken with the backup API. A vault
from a newer version of the app is refused rather than guessed at. A migration's
``steps`` are Python run after its statements, in the same transaction, for data that
SQL cannot recompute (keys made by the normalisers).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from outreach.vault.atomic import storage_error
from outreach.vault.database import Database
from outreach.vault.errors import VaultTooNew

if TYPE_CHECKING:
    from outreach.links.keys import Mention


@dataclass(frozen=True)
class Migration:
    version: int
    summary: str
    statements: Sequence[str]
    steps: Sequence[Callable[[Database], None]] = ()


def _version_9_key(mention: Mention) -> str | None:
    """The key versions up to 9 gave a mention, where version 10's rules changed it."""
    from outreach.links.keys import entity_key
    from outreach.links.names import normalise_name, normalise_platform, place_name

    def spaced(text: str) -> str:
        return re.sub("['\u2019\u2018\u02bc]", " ", text)  # apostrophes were spaces

    if mention.kind == "handle":
        handle = unicodedata.normalize("NFKC", mention.text).strip().lstrip("@").strip()
        handle = re.sub(r"[\s\u200b-\u200d\u2060\ufeff]+", "", handle.casefold())
        return f"{normalise_platform(mention.extra)}:{handle}" if handle else None
    if mention.kind == "person":
        name = normalise_name(spaced(mention.text))
        return name if len(name) >= 2 else None
    if mention.kind == "place":
        name = place_name(spaced(mention.text))
        return f"{name}|{normalise_name(spaced(mention.extra))}" if len(name) >= 2 else None
    # A registration or number keyed before keeps its key; the new rules only add some.
    found = entity_key(mention)
    return None if found is None else found[0]


def _rekey_links(db: Database) -> None:
    """Key the connection index and the team's mentions by version 10's rules, so that
    old sightings link with new ones (``ConnectionIndex.rekey`` keeps the decisions)."""
    from outreach.links.index import ConnectionIndex, Filing
    from outreach.links.keys import Mention, entity_key
    from outreach.records import codec
    from outreach.records.model import Contact, Observation, ObservationKind
    from outreach.records.store import mentions_of

    people: dict[int, list[str]] = {}
    for contact_id, person in db.query(
        "SELECT contact_id, person_id FROM contact_people ORDER BY contact_id, position"
    ):
        people.setdefault(contact_id, []).append(person)
    observed: dict[int, list[Observation]] = {}
    for contact_id, kind, details in db.query(
        "SELECT contact_id, kind, details FROM observations ORDER BY contact_id, position"
    ):
        found = codec.details_from_json(ObservationKind(kind), json.loads(details))
        observed.setdefault(contact_id, []).append(Observation(found))
    filings = [
        Filing(
            contact_id,
            mentions_of(
                Contact(datetime.fromisoformat(at), observations=tuple(observed[contact_id]))
            ),
            people.get(contact_id, ()),
            at,
            bool(current),
        )
        for contact_id, at, current in db.query(
            "SELECT id, started_at, is_current FROM contacts ORDER BY id"
        )
        if contact_id in observed
    ]
    ConnectionIndex(db).rekey(filings, _version_9_key)
    # A team lead's copy of the team's mentions, keyed as sync.team keys them.
    for seq, body in db.query(
        "SELECT s.seq, b.body FROM team_summaries s "
        "JOIN team_summary_bodies b ON b.seq = s.seq WHERE s.is_current = 1"
    ):
        keyed: dict[tuple[str, str], str] = {}
        for mention in json.loads(body).get("mentions", []):
            kind = mention["kind"]
            key = entity_key(Mention(kind, mention["text"], mention.get("extra", "")))
            if key is not None:
                keyed.setdefault((kind, key[0][:200]), key[2][:200])
        db.execute("DELETE FROM team_summary_mentions WHERE seq = ?", (seq,))
        db.executemany(
            "INSERT INTO team_summary_mentions (seq, kind, key, label) VALUES (?, ?, ?, ?)",
            [(seq, kind, key, label) for (kind, key), label in keyed.items()],
        )


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "vault metadata and the audit log",
        (
            """CREATE TABLE meta (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL
            ) STRICT""",
            """CREATE TABLE audit_log (
                id INTEGER PRIMARY KEY,
                at TEXT NOT NULL,
                action TEXT NOT NULL,
                detail TEXT NOT NULL DEFAULT ''
            ) STRICT""",
        ),
    ),
    Migration(
        2,
        "drafts kept as they are typed, and the worker's own settings",
        (
            """CREATE TABLE drafts (
                form_key TEXT PRIMARY KEY,
                content TEXT NOT NULL,
                updated_at TEXT NOT NULL
            ) STRICT""",
            """CREATE TABLE settings (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL
            ) STRICT""",
        ),
    ),
    Migration(
        3,
        "young people, sealed contacts with their versions, quotes, observations, search",
        (
            # Who did it: the computer account the app ran under (one worker per vault).
            "ALTER TABLE audit_log ADD COLUMN actor TEXT NOT NULL DEFAULT ''",
            """CREATE TABLE young_people (
                id TEXT PRIMARY KEY,
                known_as TEXT NOT NULL,
                aliases TEXT NOT NULL,
                agency_ref TEXT NOT NULL,
                date_of_birth TEXT,
                estimated_age INTEGER,
                age_recorded_on TEXT,
                gender TEXT NOT NULL,
                school TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
                notes TEXT NOT NULL,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            ) STRICT""",
            # Every version of a contact is a row; an amendment adds one and clears
            # is_current on the one it replaces, which stays readable.
            """CREATE TABLE contacts (
                id INTEGER PRIMARY KEY,
                uid TEXT NOT NULL,
                version INTEGER NOT NULL,
                is_current INTEGER NOT NULL CHECK (is_current IN (0, 1)),
                started_at TEXT NOT NULL,
                ended_at TEXT,
                kind TEXT NOT NULL,
                place TEXT NOT NULL,
                others_present TEXT NOT NULL,
                narrative TEXT NOT NULL,
                instinct TEXT NOT NULL,
                sealed_at TEXT NOT NULL,
                amend_reason TEXT NOT NULL,
                UNIQUE (uid, version)
            ) STRICT""",
            "CREATE INDEX contacts_current ON contacts (is_current, started_at)",
            """CREATE TABLE contact_people (
                contact_id INTEGER NOT NULL REFERENCES contacts (id),
                person_id TEXT NOT NULL REFERENCES young_people (id),
                position INTEGER NOT NULL,
                PRIMARY KEY (contact_id, person_id)
            ) STRICT, WITHOUT ROWID""",
            "CREATE INDEX contact_people_person ON contact_people (person_id, contact_id)",
            """CREATE TABLE quotes (
                id INTEGER PRIMARY KEY,
                contact_id INTEGER NOT NULL REFERENCES contacts (id),
                position INTEGER NOT NULL,
                text TEXT NOT NULL,
                said_by TEXT NOT NULL
            ) STRICT""",
            "CREATE INDEX quotes_contact ON quotes (contact_id)",
            """CREATE TABLE observations (
                id INTEGER PRIMARY KEY,
                contact_id INTEGER NOT NULL REFERENCES contacts (id),
                position INTEGER NOT NULL,
                kind TEXT NOT NULL,
                provenance TEXT NOT NULL,
                seen_at TEXT,
                details TEXT NOT NULL,
                summary TEXT NOT NULL
            ) STRICT""",
            "CREATE INDEX observations_contact ON observations (contact_id)",
            # Rows of the current versions only. The rowid encodes its owner (see
            # records/store.py) so one contact's rows go by a range, not a scan.
            """CREATE VIRTUAL TABLE search_text USING fts5 (
                body,
                source UNINDEXED,
                tokenize = 'unicode61 remove_diacritics 2',
                prefix = '2 3 4'
            )""",
        ),
    ),
    Migration(
        4,
        "the connection index: entities, where they were seen, possible matches",
        (
            """CREATE TABLE entities (
                id INTEGER PRIMARY KEY,
                kind TEXT NOT NULL,
                key TEXT NOT NULL,
                fuzzy TEXT NOT NULL,
                label TEXT NOT NULL,
                partial INTEGER NOT NULL DEFAULT 0,
                tail TEXT NOT NULL DEFAULT '',
                seen INTEGER NOT NULL DEFAULT 0,
                people INTEGER NOT NULL DEFAULT 0,
                last_at TEXT NOT NULL DEFAULT '',
                UNIQUE (kind, key)
            ) STRICT""",
            "CREATE INDEX entities_ranked ON entities (people, last_at)",
            "CREATE INDEX entities_kind_ranked ON entities (kind, people, last_at)",
            "CREATE INDEX entities_fuzzy ON entities (kind, fuzzy)",
            "CREATE INDEX entities_tail ON entities (kind, tail)",
            "CREATE INDEX entities_partial ON entities (kind, partial)",
            """CREATE TABLE sightings (
                entity_id INTEGER NOT NULL REFERENCES entities (id),
                contact_id INTEGER NOT NULL REFERENCES contacts (id),
                PRIMARY KEY (entity_id, contact_id)
            ) STRICT, WITHOUT ROWID""",
            "CREATE INDEX sightings_contact ON sightings (contact_id, entity_id)",
            # Kept as contacts are filed: who was seen around each entity, how often and
            # when last ('' for sightings with no young person), so that "Also seen with"
            # reads one row per young person however often a car was seen.
            """CREATE TABLE entity_people (
                entity_id INTEGER NOT NULL REFERENCES entities (id),
                person_id TEXT NOT NULL,
                times INTEGER NOT NULL,
                last_at TEXT NOT NULL,
                PRIMARY KEY (entity_id, person_id)
            ) STRICT, WITHOUT ROWID""",
            """CREATE TABLE entity_links (
                a INTEGER NOT NULL REFERENCES entities (id),
                b INTEGER NOT NULL REFERENCES entities (id),
                decision TEXT NOT NULL CHECK (decision IN ('possible', 'confirmed', 'rejected')),
                decided_at TEXT,
                PRIMARY KEY (a, b),
                CHECK (a < b)
            ) STRICT, WITHOUT ROWID""",
            "CREATE INDEX entity_links_b ON entity_links (b, a)",
        ),
    ),
    Migration(
        5,
        "instinct, indicators, keep-asking questions, acknowledged nudges, language counts",
        (
            "ALTER TABLE contacts ADD COLUMN worry INTEGER",
            "ALTER TABLE contacts ADD COLUMN instinct_skipped INTEGER NOT NULL DEFAULT 0",
            # What this contact did to keep-asking questions, as it was filed (JSON).
            "ALTER TABLE contacts ADD COLUMN question_updates TEXT NOT NULL DEFAULT '[]'",
            """CREATE TABLE contact_indicators (
                contact_id INTEGER NOT NULL REFERENCES contacts (id),
                indicator TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('yes', 'possible', 'no')),
                PRIMARY KEY (contact_id, indicator)
            ) STRICT, WITHOUT ROWID""",
            # Each young person's open questions; only an answer closes one.
            """CREATE TABLE questions (
                id TEXT PRIMARY KEY,
                person_id TEXT NOT NULL REFERENCES young_people (id),
                text TEXT NOT NULL,
                source TEXT NOT NULL,
                status TEXT NOT NULL
                    CHECK (status IN ('open', 'asked', 'answered', 'declined', 'not_now')),
                answer TEXT NOT NULL DEFAULT '',
                raised_in TEXT NOT NULL DEFAULT '',
                answered_in TEXT NOT NULL DEFAULT '',
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            ) STRICT""",
            "CREATE INDEX questions_person ON questions (person_id, status, created_at)",
            """CREATE TABLE nudge_acks (
                person_id TEXT NOT NULL REFERENCES young_people (id),
                nudge_key TEXT NOT NULL,
                note TEXT NOT NULL,
                at TEXT NOT NULL,
                PRIMARY KEY (person_id, nudge_key)
            ) STRICT, WITHOUT ROWID""",
            # Counts only, never text: a practice-improvement figure for team leads.
            """CREATE TABLE language_counts (
                contact_id INTEGER NOT NULL REFERENCES contacts (id),
                rule_id TEXT NOT NULL,
                count INTEGER NOT NULL,
                PRIMARY KEY (contact_id, rule_id)
            ) STRICT, WITHOUT ROWID""",
        ),
    ),
    Migration(
        6,
        "the worker's chronology choices and wording",
        (
            """CREATE TABLE chronology (
                person_id TEXT NOT NULL REFERENCES young_people (id),
                key TEXT NOT NULL,
                event TEXT NOT NULL,
                impact TEXT NOT NULL,
                action TEXT NOT NULL,
                significant INTEGER NOT NULL CHECK (significant IN (0, 1)),
                updated_at TEXT NOT NULL,
                PRIMARY KEY (person_id, key)
            ) STRICT, WITHOUT ROWID""",
        ),
    ),
    Migration(
        7,
        "sync: the enrolment with the hub, the outbox, reviews from team leads",
        (
            # One row at most: the hub this vault is enrolled with. The credential is a
            # secret, kept here because the vault is the one encrypted place.
            """CREATE TABLE hub_enrolment (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                address TEXT NOT NULL,
                device_id TEXT NOT NULL,
                credential TEXT NOT NULL,
                hub_key TEXT NOT NULL,
                user TEXT NOT NULL,
                role TEXT NOT NULL,
                team TEXT NOT NULL,
                enrolled_at TEXT NOT NULL
            ) STRICT""",
            # Each approved summary: its key and the exact bytes to send, written in the
            # approval's transaction and never rebuilt. A fix or an amendment is a new row
            # that names the one it supersedes.
            """CREATE TABLE outbox (
                id INTEGER PRIMARY KEY,
                idempotency_key TEXT NOT NULL UNIQUE,
                contact_uid TEXT NOT NULL,
                summary_version INTEGER NOT NULL,
                device_seq INTEGER NOT NULL UNIQUE,
                body BLOB NOT NULL,
                supersedes INTEGER REFERENCES outbox (id),
                state TEXT NOT NULL CHECK (state IN
                    ('approved', 'sending', 'acknowledged', 'failed', 'held', 'replaced')),
                attempts INTEGER NOT NULL DEFAULT 0,
                next_try_at TEXT,
                problem TEXT NOT NULL DEFAULT '',
                problem_detail TEXT NOT NULL DEFAULT '',
                receipt TEXT,
                approved_at TEXT NOT NULL,
                acknowledged_at TEXT,
                updated_at TEXT NOT NULL,
                UNIQUE (contact_uid, summary_version)
            ) STRICT""",
            "CREATE INDEX outbox_state ON outbox (state, next_try_at, id)",
            # Reviews of this worker's summaries, as the hub sent them; never edited.
            """CREATE TABLE hub_reviews (
                id INTEGER PRIMARY KEY,
                summary_id TEXT NOT NULL,
                version INTEGER NOT NULL,
                outcome TEXT NOT NULL,
                comment TEXT NOT NULL,
                questions TEXT NOT NULL,
                reason TEXT NOT NULL,
                reviewer TEXT NOT NULL,
                recorded_at TEXT NOT NULL,
                received_at TEXT NOT NULL
            ) STRICT""",
            "CREATE INDEX hub_reviews_summary ON hub_reviews (summary_id, id)",
            # Contacts whose detail was purged after the hub had them (retention policy).
            "ALTER TABLE contacts ADD COLUMN purged_at TEXT",
        ),
    ),
    Migration(
        8,
        "team-lead review: the team's summaries, reviews and links; the review outbox",
        (
            # Every version of every summary of the lead's team, by the hub's feed number:
            # what the queue sorts and filters on and the dashboard counts (the body is in
            # team_summary_bodies, so that sorting and counting never read it). is_current
            # marks the highest version; on that row, state is its review state
            # ('unreviewed', 'pending' while a review waits in the outbox, else the latest
            # outcome) and waiting_since when the oldest version newer than any review
            # arrived, both kept up to date in the transactions that change them.
            """CREATE TABLE team_summaries (
                seq INTEGER PRIMARY KEY,
                summary_id TEXT NOT NULL,
                version INTEGER NOT NULL,
                worker TEXT NOT NULL,
                received_at TEXT NOT NULL,
                contact_at TEXT NOT NULL,
                worry INTEGER,
                worry_rank INTEGER NOT NULL,
                concerns INTEGER NOT NULL,
                nudges INTEGER NOT NULL,
                grave INTEGER NOT NULL CHECK (grave IN (0, 1)),
                missing INTEGER NOT NULL,
                language_prompts INTEGER NOT NULL,
                is_current INTEGER NOT NULL CHECK (is_current IN (0, 1)),
                state TEXT NOT NULL CHECK (state IN
                    ('unreviewed', 'pending', 'approved', 'needs_more', 'escalated')),
                waiting_since TEXT,
                UNIQUE (summary_id, version)
            ) STRICT""",
            """CREATE INDEX team_summaries_queue ON team_summaries (is_current, state,
                worry_rank DESC, concerns DESC, nudges DESC, contact_at, summary_id)""",
            "CREATE INDEX team_summaries_contact ON team_summaries (contact_at)",
            "CREATE INDEX team_summaries_worker ON team_summaries (worker)",
            # Each version's Summary as JSON, as the hub sent it.
            """CREATE TABLE team_summary_bodies (
                seq INTEGER PRIMARY KEY REFERENCES team_summaries (seq),
                body TEXT NOT NULL
            ) STRICT""",
            # The current versions' young people (kind 'person') and indicators as marked
            # ('concern': "id" or "id:possible"), for the queue's filters and choices.
            """CREATE TABLE team_summary_tags (
                kind TEXT NOT NULL CHECK (kind IN ('person', 'concern')),
                value TEXT NOT NULL,
                seq INTEGER NOT NULL REFERENCES team_summaries (seq),
                PRIMARY KEY (kind, value, seq)
            ) STRICT, WITHOUT ROWID""",
            "CREATE INDEX team_summary_tags_seq ON team_summary_tags (seq)",
            # The current versions' mentions keyed as the hub keys them (links.keys).
            """CREATE TABLE team_summary_mentions (
                seq INTEGER NOT NULL REFERENCES team_summaries (seq),
                kind TEXT NOT NULL,
                key TEXT NOT NULL,
                label TEXT NOT NULL,
                PRIMARY KEY (seq, kind, key)
            ) STRICT, WITHOUT ROWID""",
            "CREATE INDEX team_summary_mentions_key ON team_summary_mentions (kind, key)",
            # The team's reviews as the hub recorded them; never edited.
            """CREATE TABLE team_reviews (
                id INTEGER PRIMARY KEY,
                summary_id TEXT NOT NULL,
                version INTEGER NOT NULL,
                outcome TEXT NOT NULL,
                comment TEXT NOT NULL,
                questions TEXT NOT NULL,
                reason TEXT NOT NULL,
                reviewer TEXT NOT NULL,
                recorded_at TEXT NOT NULL
            ) STRICT""",
            "CREATE INDEX team_reviews_summary ON team_reviews (summary_id, version, id)",
            # The hub's team-wide links, replaced whole on each pull.
            """CREATE TABLE team_links (
                kind TEXT NOT NULL,
                key TEXT NOT NULL,
                label TEXT NOT NULL,
                young_people TEXT NOT NULL,
                workers TEXT NOT NULL,
                summaries INTEGER NOT NULL,
                last_at TEXT NOT NULL,
                PRIMARY KEY (kind, key)
            ) STRICT, WITHOUT ROWID""",
            # Each review the lead recorded: its key and the exact ReviewIn bytes, written
            # once and never rebuilt; the hub's Review once acknowledged.
            """CREATE TABLE review_outbox (
                id INTEGER PRIMARY KEY,
                idempotency_key TEXT NOT NULL UNIQUE,
                summary_id TEXT NOT NULL,
                version INTEGER,
                body BLOB NOT NULL,
                state TEXT NOT NULL CHECK (state IN
                    ('approved', 'sending', 'acknowledged', 'failed', 'held')),
                attempts INTEGER NOT NULL DEFAULT 0,
                next_try_at TEXT,
                problem TEXT NOT NULL DEFAULT '',
                problem_detail TEXT NOT NULL DEFAULT '',
                response TEXT,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            ) STRICT""",
            "CREATE INDEX review_outbox_state ON review_outbox (state, next_try_at, id)",
            "CREATE INDEX review_outbox_summary ON review_outbox (summary_id, id)",
        ),
    ),
    Migration(
        9,
        "chronology: only what the worker changed; none of a purged contact's wording",
        (
            # NULL: as made from the record, so the record's words (a narrative's first
            # sentence, a child's own words) are not copied here, and a retention purge
            # can clear the worker's wording of an event and keep their tick.
            """CREATE TABLE chronology_changed (
                person_id TEXT NOT NULL REFERENCES young_people (id),
                key TEXT NOT NULL,
                event TEXT,
                impact TEXT,
                action TEXT,
                significant INTEGER CHECK (significant IN (0, 1)),
                updated_at TEXT NOT NULL,
                PRIMARY KEY (person_id, key)
            ) STRICT, WITHOUT ROWID""",
            "INSERT INTO chronology_changed SELECT person_id, key, event, impact, action, "
            "significant, updated_at FROM chronology",
            "DROP TABLE chronology",
            "ALTER TABLE chronology_changed RENAME TO chronology",
            # Contacts purged before this version kept their events' wording here.
            """UPDATE chronology SET event = NULL, impact = NULL, action = NULL
                WHERE EXISTS (SELECT 1 FROM contacts c WHERE c.purged_at IS NOT NULL
                AND (chronology.key = c.uid
                    OR substr(chronology.key, 1, length(c.uid) + 1) = c.uid || ':'))""",
        ),
    ),
    Migration(
        10,
        "connection keys by new rules: misread and other countries' registrations, "
        "profile addresses and numbers as handles, apostrophes, non-answers",
        (),
        (_rekey_links,),
    ),
    Migration(
        11,
        "a lead's team links: the hub's possible matches kept beside the same ones",
        (
            # match: 'same' (every mention keyed key) or 'possible' (keyed key or other_key,
            # which may be one thing or two: a place with its area and the same name with
            # none). other_key is '' for a same link, so that a same and a possible link of
            # one key, and two possible ones, are each kept.
            """CREATE TABLE team_links_matched (
                kind TEXT NOT NULL,
                key TEXT NOT NULL,
                match TEXT NOT NULL CHECK (match IN ('same', 'possible')),
                other_key TEXT NOT NULL,
                label TEXT NOT NULL,
                other_label TEXT,
                young_people TEXT NOT NULL,
                workers TEXT NOT NULL,
                summaries INTEGER NOT NULL,
                last_at TEXT NOT NULL,
                PRIMARY KEY (kind, key, match, other_key)
            ) STRICT, WITHOUT ROWID""",
            # Every link held before was one key's: the same thing.
            "INSERT INTO team_links_matched SELECT kind, key, 'same', '', label, NULL, "
            "young_people, workers, summaries, last_at FROM team_links",
            "DROP TABLE team_links",
            "ALTER TABLE team_links_matched RENAME TO team_links",
            # A summary naming the place with no area finds the possible link by it.
            "CREATE INDEX team_links_other ON team_links (kind, other_key)",
        ),
    ),
)

LATEST_VERSION = MIGRATIONS[-1].version

BackupTaker = Callable[[Path], None]


def pending(current: int, migrations: Sequence[Migration] = MIGRATIONS) -> list[Migration]:
    latest = migrations[-1].version if migrations else 0
    if current > latest:
        raise VaultTooNew(current, latest)
    return [m for m in migrations if m.version > current]


def migrate(
    db: Database,
    *,
    backup_dir: Path,
    take_backup: BackupTaker,
    now: Callable[[], datetime],
    migrations: Sequence[Migration] = MIGRATIONS,
) -> list[int]:
    """Bring the schema up to date; returns the versions applied."""
    current = db.user_version
    todo = pending(current, migrations)
    if not todo:
        return []
    if current > 0:
        # A fresh vault has nothing to lose; an existing one is copied first.
        try:
            backup_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise storage_error(exc, backup_dir) from exc
        stamp = now().strftime("%Y%m%dT%H%M%S")
        take_backup(backup_dir / f"before-v{todo[0].version}-{stamp}.vault")
    applied = []
    for migration in todo:
        with db.transaction():
            for statement in migration.statements:
                db.execute(statement)
            for step in migration.steps:
                step(db)
            db.set_user_version(migration.version)
        applied.append(migration.version)
    return applied
