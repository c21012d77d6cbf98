"""Records as a service for the UI: the store on the open vault, and a signal on change.

Calls run on the main thread: each is one short transaction on a local file (a few
milliseconds even at 20,000 contacts, see bench/), so a worker thread would only add
hand-offs. A backup copies the whole vault (about a second at 20,000 contacts), so
``BackupService`` makes it on a worker thread. Storage failures become a ``failed`` signal
with plain words; a record that does not pass its checks raises ``InvalidRecord`` for the
form to show field by field.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QObject, Signal

from outreach.app.jobs import BackgroundRunner
from outreach.app.messages import error_text
from outreach.app.session import Session, State
from outreach.links.index import Connection, ConnectionIndex, Entity, Graph, RankedEntity
from outreach.logs import log
from outreach.prompts.nudges import Nudge, Thresholds
from outreach.records import codec
from outreach.records.drafts import DraftStore
from outreach.records.keep_asking import (
    IndicatorHistory,
    KeepAsking,
    OpenQuestion,
    UnactionedInjury,
)
from outreach.records.model import Contact, SealedContact, YoungPerson
from outreach.records.store import (
    ContactListing,
    RecordStore,
    SearchHit,
    TimelineCursor,
    TimelineEntry,
    TimelinePage,
)
from outreach.reports.chronology import ChronologyEntry, ChronologyStore, EventWords
from outreach.reports.intelligence import IntelItem, MissingPack, intelligence, missing_pack
from outreach.vault.audit import record as audit_record
from outreach.vault.audit import utc_now
from outreach.vault.errors import VaultError

T = TypeVar("T")

CONTACT_DRAFT_PREFIX = "contact:"


class RecordsService(QObject):
    changed = Signal()  # a record was filed, amended or edited
    failed = Signal(str)

    def __init__(
        self,
        session: Session,
        thresholds: Thresholds | None = None,
        parent: QObject | None = None,
        *,
        exports_allowed: bool = True,
        marking: str = "OFFICIAL-SENSITIVE",
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._thresholds = thresholds or Thresholds()
        self._exports_allowed = exports_allowed
        self.marking = marking

    @property
    def available(self) -> bool:
        return self._session.open_vault is not None

    @property
    def read_only(self) -> bool:
        opened = self._session.open_vault
        return opened is None or opened.db.read_only

    def _run(self, work: Callable[[RecordStore], T], default: T) -> T:
        opened = self._session.open_vault
        if opened is None:
            return default
        try:
            return work(RecordStore(opened.db))
        except VaultError as exc:
            log.error("records call failed: %s", type(exc).__name__)
            self.failed.emit(error_text(exc))
            return default

    def _write(self, work: Callable[[RecordStore], T]) -> T | None:
        """InvalidRecord propagates; a storage failure is reported and returns None."""
        result = self._run(work, None)
        if result is not None:
            self.changed.emit()
        return result

    # reads
    def people(self) -> list[YoungPerson]:
        return self._run(lambda s: s.people(), [])

    def person(self, person_id: str) -> YoungPerson | None:
        return self._run(lambda s: s.person(person_id), None)

    def people_by_id(self, person_ids: Iterable[str]) -> dict[str, YoungPerson]:
        return self._run(lambda s: s.people_by_id(person_ids), {})

    def timeline(self, person_id: str, kinds: Iterable[str] | None = None) -> list[TimelineEntry]:
        return self._run(lambda s: s.timeline(person_id, kinds), [])

    def timeline_page(
        self, person_id: str, kinds: Iterable[str] | None, *, after: TimelineCursor | None
    ) -> TimelinePage:
        return self._run(
            lambda s: s.timeline_page(person_id, kinds, after=after), TimelinePage([], None)
        )

    def contact(self, uid: str) -> SealedContact | None:
        return self._run(lambda s: s.contact(uid), None)

    def versions(self, uid: str) -> list[SealedContact]:
        return self._run(lambda s: s.versions(uid), [])

    def known_places(self) -> list[str]:
        return self._run(lambda s: s.known_places(), [])

    def recent_contacts(self) -> list[ContactListing]:
        return self._run(lambda s: s.recent_contacts(), [])

    def search(self, text: str) -> list[SearchHit]:
        return self._run(lambda s: s.search(text), [])

    # writes
    def add_person(self, person: YoungPerson) -> YoungPerson | None:
        return self._write(lambda s: s.add_person(person))

    def update_person(self, person: YoungPerson) -> YoungPerson | None:
        return self._write(lambda s: s.update_person(person))

    def seal(self, contact: Contact, uid: str, draft_key: str) -> SealedContact | None:
        return self._write(lambda s: s.seal(contact, uid=uid, draft_key=draft_key))

    def amend(
        self, uid: str, contact: Contact, reason: str, draft_key: str
    ) -> SealedContact | None:
        return self._write(lambda s: s.amend(uid, contact, reason, draft_key=draft_key))

    # keep asking, indicators, instinct, nudges
    def _asking(self, store: RecordStore) -> KeepAsking:
        return KeepAsking(store.db)

    def open_questions(self, person_ids: Sequence[str]) -> list[OpenQuestion]:
        return self._run(lambda s: self._asking(s).open_questions(person_ids), [])

    def unactioned_injuries(self, person_id: str) -> list[UnactionedInjury]:
        return self._run(lambda s: self._asking(s).unactioned_injuries(person_id), [])

    def indicator_history(self, person_id: str) -> IndicatorHistory:
        return self._run(lambda s: self._asking(s).indicators(person_id), IndicatorHistory((), ()))

    def worry_series(self, person_id: str) -> list[tuple[datetime, int]]:
        return self._run(lambda s: self._asking(s).worry_series(person_id), [])

    def nudges(self, person_id: str) -> list[Nudge]:
        def work(store: RecordStore) -> list[Nudge]:
            return self._asking(store).nudges(store.person(person_id), self._thresholds)

        return self._run(work, [])

    def acknowledge_nudge(self, person_id: str, nudge_key: str, note: str) -> None:
        def work(store: RecordStore) -> bool:
            with store.db.transaction():
                self._asking(store).acknowledge(person_id, nudge_key, note.strip())
                audit_record(store.db, "nudge_acknowledged", f"{person_id} {nudge_key}")
            return True

        self._write(work)

    # exports
    @property
    def exports_allowed(self) -> bool:
        return self._exports_allowed

    def chronology(self, person_id: str, words: EventWords | None = None) -> list[ChronologyEntry]:
        return self._run(lambda s: ChronologyStore(s.db, utc_now).load(s, person_id, words), [])

    def save_chronology(self, person_id: str, entries: Sequence[ChronologyEntry]) -> bool:
        def work(store: RecordStore) -> bool:
            ChronologyStore(store.db, utc_now).save(person_id, entries)
            return True

        return self._write(work) is not None

    def intelligence(self, person_id: str) -> list[IntelItem]:
        def work(store: RecordStore) -> list[IntelItem]:
            names = {p.id: p.known_as for p in store.people()}
            return intelligence(store, store.person(person_id), names)

        return self._run(work, [])

    def missing_pack(self, person_id: str) -> MissingPack | None:
        return self._run(lambda s: missing_pack(s, s.person(person_id), utc_now().date()), None)

    def record_export(self, kind: str, person_id: str) -> None:
        """Exports are audited: which kind, for whom, when; never what was in them."""

        def work(store: RecordStore) -> bool:
            with store.db.transaction():
                audit_record(store.db, "export_made", f"{kind} {person_id}")
            return True

        self._run(work, False)

    # connections
    def connections_for_contact(self, uid: str) -> list[Connection]:
        return self._run(lambda s: ConnectionIndex(s.db).for_contact(s.current_id(uid)), [])

    def connections_for_person(self, person_id: str) -> list[Connection]:
        return self._run(lambda s: ConnectionIndex(s.db).for_person(person_id), [])

    def ranked_entities(self, kind: str | None = None) -> list[RankedEntity]:
        return self._run(lambda s: ConnectionIndex(s.db).ranked(kind), [])

    def sightings_of(self, entity_id: int) -> list[tuple[str, datetime, tuple[str, ...]]]:
        return self._run(lambda s: ConnectionIndex(s.db).sightings_of(entity_id), [])

    def possible_matches(self, entity_id: int) -> list[tuple[Entity, str]]:
        return self._run(lambda s: ConnectionIndex(s.db).possible_matches(entity_id), [])

    def graph(self, kinds: Iterable[str], min_people: int) -> Graph:
        return self._run(lambda s: ConnectionIndex(s.db).graph(kinds, min_people), Graph())

    def decide_match(self, first: int, second: int, decision: str) -> None:
        """Confirm or reject a possible match; the decision is kept and audited."""

        def decide(store: RecordStore) -> bool:
            when = utc_now()
            with store.db.transaction():
                ConnectionIndex(store.db).decide(first, second, decision, when)
                audit_record(
                    store.db,
                    "match_decided",
                    f"{min(first, second)}-{max(first, second)} {decision}",
                )
            return True

        self._write(decide)

    # unfinished contacts
    def unfinished(self) -> list[ContactDraft]:
        def load(store: RecordStore) -> list[ContactDraft]:
            opened = self._session.open_vault
            assert opened is not None
            found = []
            for draft in DraftStore(opened.db).with_prefix(CONTACT_DRAFT_PREFIX):
                parsed = ContactDraft.parse(draft.form_key, draft.content, draft.updated_at)
                if parsed is not None:
                    found.append(parsed)
            return found

        return self._run(load, [])

    def discard_draft(self, form_key: str) -> None:
        def discard(_store: RecordStore) -> bool:
            opened = self._session.open_vault
            assert opened is not None
            with opened.db.transaction():
                opened.db.execute("DELETE FROM drafts WHERE form_key = ?", (form_key,))
                audit_record(opened.db, "draft_discarded", form_key.split(":", 1)[-1])
            return True

        self._write(discard)


class ContactDraft:
    """An unfinished contact as kept in the drafts table, as JSON."""

    def __init__(
        self,
        uid: str,
        contact: Contact,
        *,
        amends: bool = False,
        reason: str = "",
        updated_at: datetime | None = None,
    ) -> None:
        self.uid = uid
        self.contact = contact
        self.amends = amends
        self.reason = reason
        self.updated_at = updated_at

    @property
    def form_key(self) -> str:
        return CONTACT_DRAFT_PREFIX + self.uid

    def dumps(self) -> str:
        return json.dumps(
            {
                "format": 1,
                "amends": self.amends,
                "reason": self.reason,
                "contact": codec.contact_to_json(self.contact),
            },
            ensure_ascii=False,
        )

    @classmethod
    def parse(cls, form_key: str, content: str, updated_at: datetime) -> ContactDraft | None:
        try:
            raw = json.loads(content)
            contact = codec.contact_from_json(raw["contact"])
            return cls(
                form_key.removeprefix(CONTACT_DRAFT_PREFIX),
                contact,
                amends=bool(raw.get("amends", False)),
                reason=str(raw.get("reason", "")),
                updated_at=updated_at,
            )
        except (ValueError, KeyError, TypeError):
            # Kept, not deleted: a newer app may read it. It is logged without content.
            log.warning("an unreadable contact draft was skipped")
            return None


class BackupService(QObject):
    """Encrypted backups made on a worker thread, so the window stays responsive.

    The copy runs on a connection of its own with its own copy of the key: a connection
    is used from one thread only, and a lock closes the window's connection and wipes its
    key in place. A lock during a backup leaves the copy to finish on its own connection,
    which then closes and wipes its key; the result is still reported.
    """

    started = Signal()
    made = Signal(str)  # the backup file
    failed = Signal(str)  # what went wrong, for the worker

    def __init__(
        self,
        session: Session,
        runner: BackgroundRunner | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._session = session
        # Its own pool by default: a backup never delays an unlock or a sync.
        self._runner = runner or BackgroundRunner(parent=self)
        self._running = False

    @property
    def running(self) -> bool:
        return self._running

    def start(self) -> bool:
        """Start a backup; False when locked or one is under way (it is not queued:
        backups are named by the second, and a second copy would add nothing)."""
        opened = self._session.open_vault
        if opened is None or self._running:
            return False
        try:
            own = opened.for_another_thread()
        except VaultError as exc:
            log.error("backup not started: %s", type(exc).__name__)
            self.failed.emit(error_text(exc))
            return False
        self._running = True
        self.started.emit()

        def work() -> Path:
            try:
                return own.backup()
            finally:
                own.close()

        self._runner.submit(work, self._made, self._failed)
        return True

    def wait(self, msecs: int = -1) -> bool:
        """Wait for a backup in flight (shutting down, tests)."""
        return self._runner.wait(msecs)

    def _made(self, path: Path) -> None:
        self._running = False
        if self._session.state == State.WIPED:
            # Shredded while it ran: the backups went with the vault, and so does this one.
            path.unlink(missing_ok=True)
            log.info("backup removed: the vault was shredded while it was made")
            return
        log.info("backup made")
        self.made.emit(str(path))

    def _failed(self, exc: BaseException) -> None:
        self._running = False
        if not isinstance(exc, VaultError):
            raise exc
        log.error("backup failed: %s", type(exc).__name__)
        self.failed.emit(error_text(exc))
