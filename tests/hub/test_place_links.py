"""Team-wide links of places given with an area and without one, as the app links them.

The app's connection index offers "Costa Coffee" (no area) and "Costa Coffee, High
Street" as a possible match (``match_place``: the same name, one area missing), never as
the same place, and two different areas as nothing. The hub's links say the same.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from outreach.hub import reads
from outreach.hub.tables import lead_reads, summaries
from outreach.links.names import match_place
from tests.hub.test_review_order import hub_caller
from tests.support.hubproc import Device, HubProcess, Team, summary

# What a link was before possible matches: all an app of that version accepts.
OLD_KEYS = {"kind", "key", "label", "young_people", "workers", "summaries", "last_at"}


def seen_at(device: Device, ref: str, name: str, area: str = "") -> dict[str, Any]:
    body = summary(
        young_people=[{"ref": ref}], mentions=[{"kind": "place", "text": name, "extra": area}]
    )
    answer = device.submit(body)
    assert answer.status_code == 201, answer.text
    return body


def place_links(team: Team) -> list[dict[str, Any]]:
    answer = team.lead.get("/v1/links", params={"possible": "true"})
    assert answer.status_code == 200, answer.text
    return [link for link in answer.json() if link["kind"] == "place"]


def test_a_place_with_an_area_and_the_same_without_one_is_a_possible_link(
    hub: HubProcess, team: Team
) -> None:
    assert match_place("Costa Coffee", "High Street", "costa coffee", "") == "possible"
    with_area = seen_at(team.worker, "YP-1", "Costa Coffee", "High Street")
    without = seen_at(team.worker, "YP-2", "costa coffee")

    (link,) = place_links(team)

    assert link["match"] == "possible"
    assert (link["key"], link["label"]) == ("costa coffee|high street", "Costa Coffee, High Street")
    assert (link["other_key"], link["other_label"]) == ("costa coffee|", "costa coffee")
    assert link["young_people"] == ["YP-1", "YP-2"]
    assert link["workers"] == [team.worker.user]
    assert link["summaries"] == 2
    # Both summaries behind the link were read by the lead: audited as links.
    with hub.engine.connect() as conn:
        read = conn.scalars(
            select(summaries.c.summary_id)
            .join(lead_reads, lead_reads.c.summary_pk == summaries.c.pk)
            .where(lead_reads.c.how == "links")
            .where(summaries.c.summary_id.in_([with_area["id"], without["id"]]))
        )
        assert sorted(read) == sorted([with_area["id"], without["id"]])


def test_two_workers_at_a_place_with_and_without_its_area_are_a_possible_link(
    team: Team,
) -> None:
    seen_at(team.worker, "YP-1", "The Lantern Hotel", "Northfield")
    seen_at(team.devices["w1"], "YP-1", "Lantern Hotel")
    (link,) = place_links(team)
    assert (link["match"], link["key"], link["other_key"]) == (
        "possible",
        "lantern hotel|northfield",
        "lantern hotel|",
    )
    assert link["young_people"] == ["YP-1"]
    assert link["workers"] == sorted([team.worker.user, team.devices["w1"].user])


def test_two_different_areas_are_never_linked(team: Team) -> None:
    seen_at(team.worker, "YP-1", "Costa Coffee", "High Street")
    seen_at(team.devices["w1"], "YP-2", "Costa Coffee", "Station Road")
    assert place_links(team) == []

    # The place with no area may be either, each on its own: never the two areas together.
    seen_at(team.worker, "YP-3", "Costa Coffee")
    links = place_links(team)
    assert sorted((link["match"], link["key"], link["other_key"]) for link in links) == [
        ("possible", "costa coffee|high street", "costa coffee|"),
        ("possible", "costa coffee|station road", "costa coffee|"),
    ]
    by_key = {link["key"]: link for link in links}
    assert by_key["costa coffee|high street"]["young_people"] == ["YP-1", "YP-3"]
    assert by_key["costa coffee|station road"]["young_people"] == ["YP-2", "YP-3"]


def test_a_vague_place_never_links_with_or_without_an_area(team: Team) -> None:
    seen_at(team.worker, "YP-1", "The park", "Northfield")  # a park in an area: a place
    seen_at(team.worker, "YP-2", "park")  # any park at all: names nothing
    seen_at(team.worker, "YP-3", "her house", "Northfield")  # someone's home: never
    seen_at(team.worker, "YP-4", "Her house")
    assert place_links(team) == []


def test_the_same_place_stays_same_and_its_possible_match_comes_after_it(team: Team) -> None:
    seen_at(team.worker, "YP-1", "Costa Coffee", "High Street")
    seen_at(team.worker, "YP-2", "costa coffee", "high street")
    seen_at(team.worker, "YP-1", "Costa Coffee")
    links = place_links(team)
    assert [(link["match"], link["key"], link["other_key"]) for link in links] == [
        ("same", "costa coffee|high street", None),  # every "same" link first
        ("possible", "costa coffee|high street", "costa coffee|"),
    ]
    assert [link["young_people"] for link in links] == [["YP-1", "YP-2"]] * 2
    assert [link["summaries"] for link in links] == [2, 3]
    # Other kinds of link are always the same thing.
    seen_at(team.worker, "YP-3", "Station")
    seen_at(team.worker, "YP-4", "station")
    station = [link for link in place_links(team) if link["key"] == "station|"]
    assert [(link["match"], link["other_key"], link["other_label"]) for link in station] == [
        ("same", None, None)
    ]


def test_an_amendment_that_drops_the_place_drops_the_possible_link(team: Team) -> None:
    seen_at(team.worker, "YP-1", "Costa Coffee", "High Street")
    without = seen_at(team.worker, "YP-2", "Costa Coffee")
    assert len(place_links(team)) == 1
    amended = {**without, "version": 2, "mentions": [], "amend_reason": "wrong place"}
    assert team.worker.submit(amended).status_code == 201
    assert place_links(team) == []


def test_without_asking_for_possible_matches_links_keep_their_earlier_shape(team: Team) -> None:
    """A lead's app of the version before possible matches refuses fields it does not
    know, and hubs are upgraded before laptops: it asks for nothing, and gets the same
    links only, each with the keys it knows."""
    seen_at(team.worker, "YP-1", "Costa Coffee", "High Street")
    seen_at(team.worker, "YP-2", "costa coffee", "high street")
    seen_at(team.worker, "YP-1", "Costa Coffee")

    answer = team.lead.get("/v1/links")
    assert answer.status_code == 200, answer.text
    (link,) = answer.json()
    assert set(link) == OLD_KEYS
    assert (link["key"], link["young_people"], link["summaries"]) == (
        "costa coffee|high street",
        ["YP-1", "YP-2"],
        2,
    )

    asked = place_links(team)
    assert [(link["match"], link["other_key"]) for link in asked] == [
        ("same", None),
        ("possible", "costa coffee|"),
    ]
    assert all(set(link) == OLD_KEYS | {"match", "other_key", "other_label"} for link in asked)


def test_possible_links_never_push_a_same_link_out_of_those_listed(
    hub: HubProcess, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Possible links count the people of both keys, so touch more young people than the
    same links beside them; the cap still lists every same link before any possible one."""
    for n in range(3):  # each place with its area: the same link of two young people
        seen_at(team.worker, f"YP-{n}-a", f"Cafe {n}", "High Street")
        seen_at(team.worker, f"YP-{n}-b", f"Cafe {n}", "High Street")
        # ... and without its area, two more: a possible link of four
        seen_at(team.worker, f"YP-{n}-c", f"Cafe {n}")
        seen_at(team.worker, f"YP-{n}-d", f"Cafe {n}")
    caller = hub_caller(hub, team.lead.enrolled["device_id"])
    everything = reads.Reads(hub.engine).team_links(caller, possible=True)
    assert [link.match for link in everything] == ["same"] * 6 + ["possible"] * 3
    assert [len(link.young_people) for link in everything] == [2] * 6 + [4] * 3

    monkeypatch.setattr(reads, "LINKS_LISTED", 7)
    listed = reads.Reads(hub.engine).team_links(caller, possible=True)
    assert listed[:6] == everything[:6]  # not one same link dropped for a possible one
    assert [link.match for link in listed] == ["same"] * 6 + ["possible"]
    assert listed[6] == everything[6]

    monkeypatch.setattr(reads, "LINKS_LISTED", 4)
    listed = reads.Reads(hub.engine).team_links(caller, possible=True)
    assert [link.match for link in listed] == ["same"] * 4
