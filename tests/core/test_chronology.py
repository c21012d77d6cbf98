"""The chronology's saved wording: only what the worker changed, kept with the right
event, gone with a retention purge; events that may be another child's are not ticked."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from outreach.records.model import (
    BodyMark,
    Contact,
    InjuryDetails,
    MissingDetails,
    Observation,
    PhoneDetails,
    YoungPerson,
)
from outreach.records.store import RecordStore
from outreach.reports.chronology import ChronologyEntry, ChronologyStore, chronology_csv
from outreach.reports.intelligence import missing_pack
from outreach.sync.approval import Approvals
from outreach.sync.retention import purge_due
from outreach.vault.migrations import MIGRATIONS, migrate
from outreach.vault.vault import OpenVault
from tests.support import sync_records as rec
from tests.sync.test_retention import Clock, acknowledge

NOW = datetime.now(UTC).replace(microsecond=0)


def _rows(opened: OpenVault) -> dict[str, tuple[object, ...]]:
    return {
        key: tuple(rest)
        for key, *rest in opened.db.query(
            "SELECT key, event, impact, action, significant FROM chronology"
        )
    }


def _missing(where: str = "Hotel") -> Observation:
    went = NOW - timedelta(days=4)
    return Observation(
        MissingDetails(went_missing=went, came_back=went + timedelta(hours=30), where_found=where)
    )


def _injury(said: str = "") -> Observation:
    marks = (BodyMark("front", 0.5, 0.5, "left forearm"),)
    return Observation(InjuryDetails(marks=marks, explanation_in_own_words=said))


def _find(entries: list[ChronologyEntry], start: str) -> ChronologyEntry:
    return next(e for e in entries if e.event.startswith(start))


def test_only_what_the_worker_changed_is_kept(opened: OpenVault) -> None:
    store = RecordStore(opened.db)
    zib = store.add_person(YoungPerson("Zibby", estimated_age=14)).id
    store.seal(
        Contact(
            started_at=NOW - timedelta(days=2),
            people=(zib,),
            narrative="Met at the station. Said very little.",
            observations=(_missing(), _injury("I fell over")),
        )
    )
    chron = ChronologyStore(opened.db, lambda: NOW)
    entries = chron.load(store, zib)
    chron.save(zib, entries)  # opened and closed: nothing of the record is copied
    assert _rows(opened) == {}

    contact = _find(entries, "Met at the station")
    edited = [replace(contact, significant=True) if e is contact else e for e in entries]
    chron.save(zib, edited)
    assert _rows(opened) == {contact.key: (None, None, None, 1)}
    again = chron.load(store, zib)
    assert _find(again, "Met at the station").significant
    said = 'Injury seen (left forearm); they said "I fell over"'
    assert _find(again, "Injury seen").event == said

    # Put back as it was: nothing left to keep.
    chron.save(zib, entries)
    assert _rows(opened) == {}


def test_a_retention_purge_takes_the_chronology_wording_and_keeps_the_ticks(
    opened: OpenVault,
) -> None:
    clock = Clock()
    store = RecordStore(opened.db, now=clock)
    first, _second = rec.people(store)
    sealed = store.seal(rec.rich_contact((first.id,)))
    chron = ChronologyStore(opened.db, clock)
    entries = chron.load(store, first.id)
    contact = _find(entries, "Met by the bins")
    injury = _find(entries, "Injury seen")
    assert rec.EXPLANATION in injury.event  # the child's own words, as the record has them
    changed = {
        contact.key: replace(contact, significant=True, impact=f"{rec.NARRATIVE} was scared"),
        injury.key: replace(injury, event=f"Bruise: {rec.EXPLANATION}", significant=False),
    }
    chron.save(first.id, [changed.get(e.key, e) for e in entries])
    assert rec.left_in_vault(opened.db)

    approvals = Approvals(store, now=clock)
    acknowledge(approvals.outbox, approvals.approve(approvals.preview(sealed.uid)))
    clock.advance(days=40)
    assert purge_due(opened.db, timedelta(days=30), now=clock) == 1

    assert rec.left_in_vault(opened.db) == []
    assert _rows(opened) == {contact.key: (None, None, None, 1), injury.key: (None, None, None, 0)}
    after = {e.key: e for e in chron.load(store, first.id)}
    assert after[contact.key].significant
    assert after[contact.key].impact == ""
    assert after[contact.key].event == "Northfield"  # the place: the narrative is gone
    assert not after[injury.key].significant
    assert after[injury.key].event == "Injury seen (left forearm)"


def test_wording_stays_with_its_observation_when_another_is_amended_away(
    opened: OpenVault,
) -> None:
    store = RecordStore(opened.db)
    zib = store.add_person(YoungPerson("Zibby", estimated_age=14)).id
    missing, injury = _missing(), _injury()
    sealed = store.seal(
        Contact(started_at=NOW - timedelta(days=2), people=(zib,), observations=(missing, injury))
    )
    chron = ChronologyStore(opened.db, lambda: NOW)
    entries = chron.load(store, zib)
    chron.save(
        zib,
        [
            replace(e, impact="Missed two school days")
            if e.event.startswith("Missing")
            else replace(e, impact="Seen by the school nurse")
            if e.event.startswith("Injury")
            else e
            for e in entries
        ],
    )
    # The missing episode was another day's: amended away. The injury keeps its wording.
    store.amend(
        sealed.uid,
        Contact(started_at=NOW - timedelta(days=2), people=(zib,), observations=(injury,)),
        "missing episode was another day",
    )
    after = chron.load(store, zib)
    assert [e.impact for e in after] == ["", "Seen by the school nurse"]
    text = chronology_csv(after, marking="M", source_words=str)
    assert "Missing" not in text
    assert "Missed two school days" not in text
    chron.save(zib, after)  # the removed episode's wording goes with the next save
    assert "Missed two school days" not in str(_rows(opened))

    # An observation changed by an amendment is a different event: no wording carried over.
    store.amend(
        sealed.uid,
        Contact(
            started_at=NOW - timedelta(days=2),
            people=(zib,),
            observations=(replace(injury, details=replace(injury.details, action="medical")),),
        ),
        "action recorded",
    )
    assert [e.impact for e in chron.load(store, zib)] == ["", ""]


def test_positional_rows_from_before_are_used_only_while_the_contact_is_unchanged(
    opened: OpenVault,
) -> None:
    store = RecordStore(opened.db)
    zib = store.add_person(YoungPerson("Zibby", estimated_age=14)).id
    sealed = store.seal(
        Contact(
            started_at=NOW - timedelta(days=2), people=(zib,), observations=(_missing(), _injury())
        )
    )
    later = (sealed.sealed_at + timedelta(seconds=1)).isoformat()
    with opened.db.transaction():  # as version 8 saved it: by position, every field
        opened.db.execute(
            "INSERT INTO chronology VALUES (?, ?, 'Hurt arm', 'Nurse', '', 1, ?)",
            (zib, f"{sealed.uid}:1", later),
        )
    chron = ChronologyStore(opened.db, lambda: NOW)
    assert [e.event for e in chron.load(store, zib)] == [
        "Missing, for about 30 hours, found at Hotel", "", "Hurt arm",
    ]  # fmt: skip
    store.amend(
        sealed.uid,
        Contact(started_at=NOW - timedelta(days=2), people=(zib,), observations=(_injury(),)),
        "the episode was another day",
    )
    after = chron.load(store, zib)  # position 1 is now nothing: the row is not used
    assert "Hurt arm" not in [e.event for e in after]
    chron.save(zib, after)
    assert _rows(opened) == {}


def test_events_of_a_contact_with_other_young_people_are_flagged_not_ticked(
    opened: OpenVault,
) -> None:
    store = RecordStore(opened.db)
    zib = store.add_person(YoungPerson("Zibby", estimated_age=14)).id
    kes = store.add_person(YoungPerson("Kestrin", estimated_age=15)).id
    store.seal(
        Contact(
            started_at=NOW - timedelta(days=2),
            people=(zib, kes),
            narrative="Kestrin had a bruised arm. Zibby was fine.",
            observations=(_injury("Kestrin: my stepdad grabbed me"), _missing("a cousin's flat")),
        )
    )
    store.seal(
        Contact(started_at=NOW - timedelta(days=1), people=(zib,), observations=(_injury(),))
    )
    entries = ChronologyStore(opened.db, lambda: NOW).load(store, zib)
    shared = [e for e in entries if e.shared]
    assert len(shared) == 3  # the contact, its injury, its missing episode
    assert not any(e.significant for e in shared)
    alone = [e for e in entries if not e.shared and e.event.startswith("Injury")]
    assert len(alone) == 1
    assert alone[0].significant
    text = chronology_csv(entries, marking="M", source_words=str)
    assert "stepdad" not in text
    assert "cousin" not in text


def test_the_missing_pack_does_not_list_another_childs_episode_or_phone(
    opened: OpenVault,
) -> None:
    store = RecordStore(opened.db)
    zib = store.add_person(YoungPerson("Zibby", estimated_age=14)).id
    kes = store.add_person(YoungPerson("Kestrin", estimated_age=15)).id
    store.seal(
        Contact(
            started_at=NOW - timedelta(days=2),
            people=(zib, kes),
            observations=(_missing("a cousin's flat"), Observation(PhoneDetails(numbers=("1",)))),
        )
    )
    store.seal(
        Contact(
            started_at=NOW - timedelta(days=1),
            people=(zib,),
            observations=(_missing("Lantern Hotel"), Observation(PhoneDetails(numbers=("2",)))),
        )
    )
    pack = missing_pack(store, store.person(zib), NOW.date())
    assert [m.where_found for m in pack.episodes] == ["Lantern Hotel"]
    assert pack.phones == ["2"]
    assert (pack.shared_episodes, pack.shared_phones) == (1, 1)


def test_the_migration_clears_wording_of_contacts_purged_before_it(
    opened: OpenVault, tmp_path: Path
) -> None:
    store = RecordStore(opened.db)
    first, _second = rec.people(store)
    purged = store.seal(rec.rich_contact((first.id,)))
    kept = store.seal(rec.rich_contact((first.id,), hours_ago=5))
    store.purge_detail(purged.uid)
    with opened.db.transaction():  # as version 8 left them: wording kept after the purge
        opened.db.executemany(
            "INSERT INTO chronology VALUES (?, ?, ?, 'impact', '', 1, '2026-01-01')",
            [
                (first.id, purged.uid, rec.NARRATIVE),
                (first.id, f"{purged.uid}:1", rec.EXPLANATION),
                (first.id, kept.uid, "Kept wording"),
            ],
        )
        opened.db.set_user_version(8)
    applied = migrate(
        opened.db,
        backup_dir=tmp_path,
        take_backup=lambda _path: None,
        now=lambda: NOW,
        migrations=MIGRATIONS[:9],
    )
    assert applied == [9]
    assert _rows(opened) == {
        purged.uid: (None, None, None, 1),
        f"{purged.uid}:1": (None, None, None, 1),
        kept.uid: ("Kept wording", "impact", "", 1),
    }


def test_an_injurys_action_is_worded_not_a_code(opened: OpenVault) -> None:
    store = RecordStore(opened.db)
    zib = store.add_person(YoungPerson("Zibby", estimated_age=14)).id
    injury = InjuryDetails(marks=(BodyMark("front", 0.5, 0.5, "left forearm"),), action="referral")
    seen = (Observation(injury),)
    store.seal(Contact(started_at=NOW - timedelta(days=1), people=(zib,), observations=seen))
    entries = ChronologyStore(opened.db, lambda: NOW).load(store, zib)
    assert _find(entries, "Injury").action == "Referral made"
