"""The lead's dashboard figures from known team data pulled from a real hub."""

from __future__ import annotations

from datetime import UTC, datetime

from outreach.sync.dashboard import Reach, WorkerSeries, figures
from tests.support.hubproc import HubProcess
from tests.sync.test_team import MakeLead, make_lead, submit

__all__ = ["make_lead"]  # the fixture, used here too

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # a Wednesday in ISO week 48
PLACE = {"kind": "place", "text": "Kebab House", "extra": "Town centre"}
CAR = {"kind": "vehicle", "text": "AB12 CDE"}
MAN = {"kind": "person", "text": "Big Man"}


def test_an_empty_vault_has_every_week_and_nothing_in_it(
    sync_hub: HubProcess, make_lead: MakeLead
) -> None:
    lead = make_lead(sync_hub.team(workers=1))
    found = figures(lead.db, now=lambda: NOW, weeks=4)
    assert found.weeks == ("2026-W45", "2026-W46", "2026-W47", "2026-W48")
    assert [d.isoformat() for d in found.week_starts] == [
        "2026-11-02",
        "2026-11-09",
        "2026-11-16",
        "2026-11-23",
    ]
    assert found.contacts == ()
    assert found.missing == found.language_prompts == (0, 0, 0, 0)
    assert found.worry == (None, None, None, None)
    assert found.places == found.shared == ()


def test_the_figures_from_known_data(sync_hub: HubProcess, make_lead: MakeLead) -> None:
    team = sync_hub.team(workers=2)
    w0, w1 = team.devices["w0"], team.devices["w1"]
    missing = {"kind": "missing", "summary": "missing overnight"}
    vehicle = {"kind": "vehicle", "summary": "silver hatchback"}
    submit(
        w0,
        contact_at="2026-11-23T10:00:00+00:00",  # Monday, week 48
        worry=6,
        language_prompts=2,
        young_people=[{"ref": "YP-1"}],
        observations=[missing, vehicle],
        mentions=[PLACE, CAR, MAN],
    )
    submit(
        w0,
        contact_at="2026-11-22T23:30:00+00:00",  # Sunday night, still week 47
        worry=4,
        language_prompts=1,
        young_people=[{"ref": "YP-2"}],
        observations=[missing, missing],
        mentions=[{"kind": "place", "text": "kebab  house", "extra": "town centre"}, CAR],
    )
    submit(
        w1,
        contact_at="2026-11-24T15:00:00+00:00",  # week 48, no worry recorded
        worry=None,
        language_prompts=3,
        young_people=[{"ref": "YP-3"}],
        observations=[],
        mentions=[PLACE, MAN, {"kind": "place", "text": "Bus station"}],
    )
    amended = submit(
        w0,
        contact_at="2026-11-11T12:00:00+00:00",  # week 46: only its newest version counts
        worry=2,
        language_prompts=9,
        young_people=[{"ref": "YP-1"}],
        observations=[missing],
        mentions=[],
    )
    second = {**amended, "version": 2, "worry": 8, "language_prompts": 4, "observations": []}
    assert w0.submit(second).status_code == 201
    for ref in ("YP-8", "YP-9"):  # before the window: not counted, nor their shared car
        submit(
            w1,
            contact_at="2026-05-20T12:00:00+00:00",
            worry=10,
            language_prompts=7,
            young_people=[{"ref": ref}],
            observations=[missing],
            mentions=[PLACE, {"kind": "vehicle", "text": "XY99 ZZZ"}],
        )
    lead = make_lead(team)
    assert lead.sync().summaries == 7

    found = figures(lead.db, now=lambda: NOW)

    assert len(found.weeks) == 26
    assert (found.weeks[0], found.weeks[-1]) == ("2026-W23", "2026-W48")
    week = {name: n for n, name in enumerate(found.weeks)}
    w46, w47, w48 = week["2026-W46"], week["2026-W47"], week["2026-W48"]

    def only(values: tuple[object, ...], **expected: object) -> None:
        wanted = {week[name.replace("_", "-")]: value for name, value in expected.items()}
        empty = None if isinstance(values[0], float) or values[0] is None else 0
        assert {n: v for n, v in enumerate(values) if v != empty} == wanted

    zero = [0] * 26
    assert found.contacts == (
        WorkerSeries(
            f"{team.name}-w0",
            tuple(1 if n in (w46, w47, w48) else 0 for n, _ in enumerate(zero)),
        ),
        WorkerSeries(f"{team.name}-w1", tuple(1 if n == w48 else 0 for n, _ in enumerate(zero))),
    )
    only(found.missing, **{"2026_W47": 2, "2026_W48": 1})
    assert found.worry[w48] == 6.0  # the worker who recorded none is not a zero
    assert found.worry[w47] == 4.0
    assert found.worry[w46] == 8.0  # the amended version's worry
    assert sum(v is not None for v in found.worry) == 3
    only(found.language_prompts, **{"2026_W46": 4, "2026_W47": 1, "2026_W48": 5})

    kebab, bus = found.places
    assert (kebab.key, kebab.young_people, kebab.workers, kebab.summaries) == (
        "kebab house|town centre",
        3,
        2,
        3,
    )
    assert kebab.last_at == datetime(2026, 11, 24, 15, tzinfo=UTC)
    assert (bus.label, bus.young_people, bus.workers) == ("Bus station", 1, 1)

    assert found.shared == (
        Reach(
            "person",
            "big man",
            "Big Man",
            young_people=2,
            workers=2,
            summaries=2,
            last_at=datetime(2026, 11, 24, 15, tzinfo=UTC),
        ),
        Reach(
            "vehicle",
            "AB12CDE",
            "AB12 CDE",
            young_people=2,
            workers=1,
            summaries=2,
            last_at=datetime(2026, 11, 23, 10, tzinfo=UTC),
        ),
    )
    assert len(figures(lead.db, now=lambda: NOW, weeks=4).weeks) == 4
