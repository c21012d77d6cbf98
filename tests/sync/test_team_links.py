"""A lead's copy of the team-wide links keeps the hub's possible matches as possible.

The hub lists a place given with an area and the same name given with none as a
``"possible"`` link (``key`` the place with its area, ``other_key`` the one without), beside
any ``"same"`` link of that key. The lead's vault keeps both, a summary naming either place
shows the link, and links the vault held before possible ones existed stay ``"same"``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from outreach.contract.summary import TeamLink
from outreach.sync.dashboard import figures
from outreach.sync.team import TeamStore, _store_links
from outreach.vault.database import Database
from outreach.vault.migrations import MIGRATIONS, migrate
from tests.support.hubproc import Device, HubProcess
from tests.sync.test_team import MakeLead, make_lead, submit

__all__ = ["make_lead"]  # the fixture, used here too

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
LINKS_SPLIT = 11  # the migration that keeps possible links beside the same ones
WITH_AREA = "costa coffee|high street"
NO_AREA = "costa coffee|"


def _vault(tmp_path: Path, version: int = MIGRATIONS[-1].version) -> Database:
    """A vault's database as ``version`` left it."""
    db = Database.open(tmp_path / "vault.db", bytes(range(32)), create=True)
    migrate(
        db,
        backup_dir=tmp_path / "backups",
        take_backup=lambda _p: None,
        now=lambda: NOW,
        migrations=MIGRATIONS[:version],
    )
    return db


def _link(key: str, people: list[str], **fields: object) -> TeamLink:
    values: dict[str, object] = {
        "kind": "place",
        "key": key,
        "label": "Costa Coffee, High Street",
        "young_people": people,
        "workers": ["ana"],
        "summaries": len(people),
        "last_at": NOW,
    }
    values.update(fields)
    return TeamLink.model_validate(values)


def test_the_migration_keeps_old_links_as_the_same_and_makes_room_for_possible_ones(
    tmp_path: Path,
) -> None:
    db = _vault(tmp_path, LINKS_SPLIT - 1)
    try:
        with db.transaction():  # as the earlier versions kept them: no match at all
            db.executemany(
                "INSERT INTO team_links (kind, key, label, young_people, workers, summaries, "
                "last_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    ("place", WITH_AREA, "Costa Coffee, High Street", '["YP-1", "YP-2"]',
                     '["ana"]', 2, "2026-11-20T21:30:00.000000+00:00"),
                    ("vehicle", "AB12CDE", "AB12 CDE", '["YP-1", "YP-2", "YP-3"]',
                     '["ana", "ben"]', 3, "2026-11-21T09:00:00.000000+00:00"),
                ],
            )  # fmt: skip

        applied = migrate(
            db,
            backup_dir=tmp_path / "backups",
            take_backup=lambda _p: None,
            now=lambda: NOW,
            migrations=MIGRATIONS[:LINKS_SPLIT],
        )

        assert applied == [LINKS_SPLIT]
        held = TeamStore(db, now=lambda: NOW).links()
        assert [(x.kind, x.key, x.match, x.other_key, x.other_label) for x in held] == [
            ("vehicle", "AB12CDE", "same", None, None),
            ("place", WITH_AREA, "same", None, None),
        ]
        assert held[1].young_people == ["YP-1", "YP-2"]
        assert held[1].last_at == datetime(2026, 11, 20, 21, 30, tzinfo=UTC)
        # A possible link of the same place is kept beside its same one, not instead.
        possible = _link(
            WITH_AREA,
            ["YP-1", "YP-2", "YP-4"],
            match="possible",
            other_key=NO_AREA,
            other_label="Costa Coffee",
        )
        _store_links(db, [*held, possible])
        assert [(x.key, x.match, x.other_key) for x in TeamStore(db).links()] == [
            ("AB12CDE", "same", None),  # three young people, two workers
            (WITH_AREA, "possible", NO_AREA),  # three young people, one worker
            (WITH_AREA, "same", None),
        ]
    finally:
        db.close()


def test_a_link_sent_twice_is_kept_once_with_everything_of_both(tmp_path: Path) -> None:
    db = _vault(tmp_path)
    try:
        later = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
        _store_links(
            db,
            [
                _link(WITH_AREA, ["YP-1", "YP-2"]),
                _link(WITH_AREA, ["YP-2", "YP-3"], workers=["ben"], summaries=4, last_at=later),
            ],
        )
        (kept,) = TeamStore(db).links()
        assert kept.young_people == ["YP-1", "YP-2", "YP-3"]
        assert kept.workers == ["ana", "ben"]
        assert (kept.summaries, kept.last_at) == (4, later)
    finally:
        db.close()


def seen_at(device: Device, ref: str, name: str, area: str = "", **fields: object) -> dict:
    mention = {"kind": "place", "text": name, "extra": area}
    return submit(device, young_people=[{"ref": ref}], mentions=[mention], **fields)


def test_a_same_and_a_possible_link_of_one_place_are_both_kept_same_first(
    sync_hub: HubProcess, make_lead: MakeLead
) -> None:
    team = sync_hub.team(workers=1)
    w0 = team.worker
    with_area = seen_at(w0, "YP-1", "Costa Coffee", "High Street")
    seen_at(w0, "YP-2", "costa coffee", "high street")
    seen_at(w0, "YP-1", "Costa Coffee")
    lead = make_lead(team)

    report = lead.sync()

    assert report.links == 2
    held = lead.store().links()
    assert [(x.match, x.key, x.other_key) for x in held] == [
        ("same", WITH_AREA, None),  # as many young people and workers: the same first
        ("possible", WITH_AREA, NO_AREA),
    ]
    assert held[1].other_label == "Costa Coffee"
    assert [x.young_people for x in held] == [["YP-1", "YP-2"]] * 2
    assert [x.summaries for x in held] == [2, 3]
    detail = lead.store().detail(with_area["id"])
    assert [(x.match, x.key) for x in detail.links] == [
        ("same", WITH_AREA),
        ("possible", WITH_AREA),
    ]


def test_a_summary_naming_the_place_without_its_area_shows_the_possible_link(
    sync_hub: HubProcess, make_lead: MakeLead
) -> None:
    team = sync_hub.team(workers=1)
    w0 = team.worker
    with_area = seen_at(w0, "YP-1", "Costa Coffee", "High Street")
    without = seen_at(w0, "YP-2", "Costa Coffee")
    lead = make_lead(team)
    lead.sync()
    store = lead.store()

    (link,) = store.detail(without["id"]).links

    assert (link.match, link.key, link.other_key) == ("possible", WITH_AREA, NO_AREA)
    assert (link.label, link.other_label) == ("Costa Coffee, High Street", "Costa Coffee")
    assert link.young_people == ["YP-1", "YP-2"]
    assert store.detail(with_area["id"]).links == (link,)

    # A summary naming both places shows the link once, beside the same links each of
    # its places now has with one other young person.
    both = submit(
        w0,
        young_people=[{"ref": "YP-3"}],
        mentions=[
            {"kind": "place", "text": "Costa Coffee", "extra": "High Street"},
            {"kind": "place", "text": "costa coffee"},
        ],
    )
    lead.sync()
    links = store.detail(both["id"]).links
    assert sorted((x.match, x.key, x.other_key) for x in links) == [
        ("possible", WITH_AREA, NO_AREA),
        ("same", NO_AREA, None),
        ("same", WITH_AREA, None),
    ]
    assert links[0].match == "possible"  # three young people, before the same ones' two
    assert [(x.match, x.key) for x in store.detail(without["id"]).links] == [
        ("possible", WITH_AREA),
        ("same", NO_AREA),
    ]


def test_the_dashboard_keeps_a_possible_link_apart_from_the_same_one(tmp_path: Path) -> None:
    db = _vault(tmp_path)
    try:
        car = {"kind": "vehicle", "label": "AB12 CDE", "workers": ["ana", "ben"]}
        _store_links(
            db,
            [
                _link("AB12C0E", ["YP-1", "YP-2"], **car),
                _link("AB12C0E", ["YP-1", "YP-2"], match="possible", other_key="AB12COE",
                      other_label="AB12 COE", **car),
            ],
        )  # fmt: skip
        shared = figures(db, now=lambda: NOW, weeks=2).shared
        assert [(r.key, r.match, r.other_label) for r in shared] == [
            ("AB12C0E", "same", None),
            ("AB12C0E", "possible", "AB12 COE"),
        ]
    finally:
        db.close()
