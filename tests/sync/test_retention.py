"""Retention after sync: written detail goes, what links cases stays."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest

from outreach.contract.summary import Receipt
from outreach.links.index import ConnectionIndex
from outreach.records.keep_asking import KeepAsking
from outreach.records.model import (
    Contact,
    FieldKind,
    InjuryDetails,
    Observation,
    SealedContact,
    field_specs,
)
from outreach.records.store import RecordStore
from outreach.sync.approval import Approvals
from outreach.sync.outbox import ItemState, Outbox, OutboxItem, Outcome
from outreach.sync.retention import purge_due
from outreach.vault.vault import OpenVault, Vault
from tests.conftest import PASSPHRASE
from tests.support import sync_records as rec


class Clock:
    def __init__(self) -> None:
        self.at = rec.NOW

    def __call__(self):  # type: ignore[no-untyped-def]
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def opened(make_vault: Callable[..., Vault]) -> Iterator[OpenVault]:
    vault = make_vault().create(PASSPHRASE)
    yield vault
    vault.close()


@pytest.fixture
def store(opened: OpenVault, clock: Clock) -> RecordStore:
    return RecordStore(opened.db, now=clock)


def file_marked_contact(store: RecordStore) -> tuple[SealedContact, SealedContact, str, str]:
    """A contact with every kind of free text, amended once (both versions marked); and a
    later contact with another young person and the same car. Returns (marked, other,
    first person, second person)."""
    first, second = rec.people(store)
    # An earlier, unmarked contact raises a question the marked one answers.
    store.seal(
        Contact(
            started_at=rec.NOW - timedelta(days=2),
            people=(first.id,),
            observations=(Observation(InjuryDetails(action="")),),
            worry=3,
        )
    )
    contact = rec.rich_contact((first.id,), questions=(rec.answering(store, first.id),))
    marked = store.seal(contact)
    store.amend(
        marked.uid,
        rec.rich_contact((first.id,), narrative=f"Later: {rec.NARRATIVE} came back."),
        "added the return",
    )
    other = store.seal(
        rec.rich_contact(
            (second.id,), hours_ago=1, narrative="", quotes=(), instinct="", others_present="",
            observations=rec.rich_contact(()).observations[:1],  # the same car
        )
    )  # fmt: skip
    return marked, other, first.id, second.id


def test_purge_removes_written_detail_from_every_version_and_from_search(
    store: RecordStore, opened: OpenVault
) -> None:
    marked, other, first, second = file_marked_contact(store)
    before = store.versions(marked.uid)
    assert len(before) == 2
    assert store.search(rec.NARRATIVE)  # found before
    assert rec.left_in_vault(opened.db) == list(rec.FREE_TEXT)

    assert store.purge_detail(marked.uid) is True
    assert store.purge_detail(marked.uid) is False  # purged already

    after = store.versions(marked.uid)
    for old, new in zip(before, after, strict=True):
        c = new.contact
        assert (c.narrative, c.instinct, c.others_present, c.quotes) == ("", "", "", ())
        for observation in c.observations:
            for spec in field_specs(observation.kind):
                if spec.kind is FieldKind.LONG_TEXT:
                    assert getattr(observation.details, spec.name) == ""
        # What links it to other contacts and people stays.
        kept = old.contact
        assert (c.started_at, c.ended_at, c.people, c.place, c.worry, c.indicators) == (
            kept.started_at,
            kept.ended_at,
            kept.people,
            kept.place,
            kept.worry,
            kept.indicators,
        )
        assert [o.kind for o in c.observations] == [o.kind for o in kept.observations]
        assert [o.provenance for o in c.observations] == [o.provenance for o in kept.observations]
        vehicle, injury, person, place, gift = c.observations
        assert vehicle.details.registration == rec.REGISTRATION  # type: ignore[union-attr]
        assert injury.details.marks == kept.observations[1].details.marks  # type: ignore[union-attr]
        assert injury.details.action == "medical"  # type: ignore[union-attr]
        assert person.details.nicknames == (rec.ADULT,)  # type: ignore[union-attr]
        assert person.details.phone_numbers == (rec.PHONE,)  # type: ignore[union-attr]
        assert place.details.name == rec.PLACE  # type: ignore[union-attr]
        assert gift.details.what == "phone"  # type: ignore[union-attr]
        assert (new.version, new.amend_reason) == (old.version, old.amend_reason)

    for word in rec.FREE_TEXT:
        assert store.search(word) == [], word
    # Nothing written is left in any table of the vault, the search index's own included.
    assert rec.left_in_vault(opened.db) == []

    # The short fields are still searchable, and the car still links the two contacts.
    assert {h.contact_uid for h in store.search(rec.REGISTRATION)} == {marked.uid, other.uid}
    assert {h.contact_uid for h in store.search("Golden Spoon")} >= {marked.uid}
    index = ConnectionIndex(opened.db)
    (link,) = index.for_contact(store.current_id(other.uid))
    assert link.entity.key == "AB12CDE"
    assert [s.person_id for s in link.young_people] == [first]
    assert {c.entity.kind for c in index.for_contact(store.current_id(marked.uid))} >= {"vehicle"}
    assert [s.person_id for s in index.for_person(first)[0].young_people] == [second]

    # The young people and their keep-asking lists stay; the answer's words do not.
    assert store.person(first).known_as == rec.KNOWN_AS[0]
    assert KeepAsking(opened.db).open_questions([first])
    timeline = store.timeline(first)
    contact_entry = next(e for e in timeline if e.contact_uid == marked.uid and e.kind == "contact")
    assert contact_entry.summary == "Northfield"  # the place, now the narrative is gone


# --- purge_due: which contacts, and when ------------------------------------------------


def acknowledge(outbox: Outbox, item: OutboxItem) -> None:
    receipt = Receipt(
        summary_id=item.contact_uid,
        version=item.summary_version,
        received_at=rec.NOW,
        device_seq=item.device_seq,
        superseded=False,
    )
    outbox.mark_sending([item.id])
    outbox.record(
        [Outcome(item.id, ItemState.ACKNOWLEDGED, receipt=receipt.model_dump_json().encode())]
    )


def narrative(store: RecordStore, uid: str) -> str:
    return store.contact(uid).contact.narrative


def test_purge_due_takes_only_contacts_acknowledged_long_enough_ago(
    store: RecordStore, opened: OpenVault, clock: Clock
) -> None:
    first, _second = rec.people(store)
    names = ["old", "recent", "newer_waiting", "never_sent", "held", "amended_since"]
    uids = {
        name: store.seal(rec.rich_contact((first.id,), hours_ago=48 + n)).uid
        for n, name in enumerate(names)
    }
    approvals = Approvals(store, now=clock)
    outbox = approvals.outbox

    def approve(name: str) -> OutboxItem:
        return approvals.approve(approvals.preview(uids[name]))

    clock.advance(days=1)
    for name in ("old", "newer_waiting", "amended_since"):
        acknowledge(outbox, approve(name))
    approve("never_sent")
    held = approve("held")
    outbox.mark_sending([held.id])
    outbox.record([Outcome(held.id, ItemState.HELD, problem="summary_invalid")])
    clock.advance(days=20)
    acknowledge(outbox, approve("recent"))
    approve("newer_waiting")  # version 2, not yet sent
    # Written to since the hub had it: the hub has not had this version.
    store.amend(uids["amended_since"], rec.rich_contact((first.id,), hours_ago=53), "more")
    clock.advance(days=11)  # "old" was acknowledged 31 days ago, "recent" 11

    assert purge_due(opened.db, timedelta(days=30), now=clock) == 1
    purged = {name for name, uid in uids.items() if not narrative(store, uid)}
    assert purged == {"old"}
    assert store.search(rec.NARRATIVE)  # the others' text is still there
    assert purge_due(opened.db, timedelta(days=30), now=clock) == 0  # nothing twice

    clock.advance(days=20)  # "recent" is now 31 days old too
    assert purge_due(opened.db, timedelta(days=30), now=clock) == 1
    purged = {name for name, uid in uids.items() if not narrative(store, uid)}
    assert purged == {"old", "recent"}


def test_a_window_of_zero_days_purges_what_was_acknowledged(
    store: RecordStore, opened: OpenVault, clock: Clock
) -> None:
    first, _second = rec.people(store)
    uid = store.seal(rec.rich_contact((first.id,))).uid
    approvals = Approvals(store, now=clock)
    acknowledge(approvals.outbox, approvals.approve(approvals.preview(uid)))
    assert purge_due(opened.db, timedelta(0), now=clock) == 0  # not *before* now
    clock.advance(seconds=1)
    assert purge_due(opened.db, timedelta(0), now=clock) == 1
    assert rec.left_in_vault(opened.db) == []
