"""The app's sync against a real hub on loopback: arrival, offline, refusals, wipe, reviews."""

from __future__ import annotations

from collections.abc import Callable

from outreach.sync.engine import Stop, status
from outreach.sync.outbox import ItemState, Outbox
from tests.support.hubproc import HubProcess
from tests.sync.conftest import Worker


def hub_summaries(hub: HubProcess, worker: Worker) -> list[tuple[str, int]]:
    """(id, version) of every summary the hub stored for this worker's team, from the lead."""
    lead = worker.team.devices["lead"]
    found = []
    cursor = None
    while True:
        params = {"limit": 200, **({"cursor": cursor} if cursor else {})}
        page = lead.get("/v1/summaries", params=params).json()
        found += [(i["summary"]["id"], i["summary"]["version"]) for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            return found


def test_approved_summaries_arrive_once(
    make_worker: Callable[..., Worker], sync_hub: HubProcess
) -> None:
    worker = make_worker()
    items = worker.approve(5)
    report = worker.sync()
    assert report.stop is Stop.NONE
    assert report.acknowledged == 5
    states = {i.state for i in Outbox(worker.opened.db).items(list(ItemState))}
    assert states == {ItemState.ACKNOWLEDGED}
    assert sorted(hub_summaries(sync_hub, worker)) == sorted((i.contact_uid, 1) for i in items)
    again = worker.sync()
    assert again.acknowledged == 0
    assert len(hub_summaries(sync_hub, worker)) == 5
    assert status(worker.opened.db).last_success_at is not None
