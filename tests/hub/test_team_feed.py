"""A lead's team feed: every version of the team's summaries by seq, audited, team only."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from outreach.contract.summary import Summary, TeamFeed
from outreach.contract.wipe import WipeInstruction, verify
from outreach.hub.auth import Authenticator
from outreach.hub.settings import HubSettings
from outreach.hub.submit import Answer, Submissions
from outreach.hub.tables import lead_reads
from tests.support.hubproc import Device, HubProcess, Team, summary


def _feed(device: Device, **params: int) -> dict[str, Any]:
    answer = device.get("/v1/team/feed", params=params)
    assert answer.status_code == 200, answer.text
    page: dict[str, Any] = answer.json()
    TeamFeed.model_validate_json(answer.text)  # the contract's shape, nothing more
    return page


def _everything(device: Device, limit: int) -> tuple[list[dict[str, Any]], list[int]]:
    """Every item, page by page from 0; and each page's next_after."""
    items: list[dict[str, Any]] = []
    afters: list[int] = []
    after = 0
    while True:
        page = _feed(device, after=after, limit=limit)
        assert len(page["items"]) <= limit
        afters.append(page["next_after"])
        if not page["items"]:
            assert page["next_after"] == after
            return items, afters
        assert page["next_after"] == page["items"][-1]["seq"]
        items += page["items"]
        after = page["next_after"]


def test_the_feed_pages_every_version_in_seq_order(team: Team) -> None:
    first, second = team.worker, team.devices["w1"]
    a, b, c = summary(worry=3), summary(worry=6), summary(worry=None)
    sent = [
        (first, a),
        (second, b),
        (first, {**a, "version": 2, "worry": 8, "amend_reason": "more said"}),
        (first, c),
        (second, {**b, "version": 3, "amend_reason": "third"}),
        (second, {**b, "version": 2, "amend_reason": "second"}),  # late: kept, not current
    ]
    for device, body in sent:
        assert device.submit(body).status_code == 201
    items, _afters = _everything(team.lead, limit=4)
    seqs = [item["seq"] for item in items]
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == len(seqs)
    got = [(i["summary"]["id"], i["summary"]["version"], i["current"], i["worker"]) for i in items]
    assert got == [
        (a["id"], 1, False, first.user),
        (b["id"], 1, False, second.user),
        (a["id"], 2, True, first.user),
        (c["id"], 1, True, first.user),
        (b["id"], 3, True, second.user),
        (b["id"], 2, False, second.user),
    ]
    sent_a = Summary.model_validate_json(json.dumps(a))
    assert Summary.model_validate_json(json.dumps(items[0]["summary"])) == sent_a
    assert set(items[0]) == {"seq", "summary", "worker", "received_at", "current"}
    # From the middle: only what came after.
    later = _feed(team.lead, after=seqs[3])
    assert [item["seq"] for item in later["items"]] == seqs[4:]
    assert later["next_after"] == seqs[-1]
    assert _feed(team.lead, after=seqs[-1]) == {"items": [], "next_after": seqs[-1]}
    # The defaults: from the beginning, up to 200.
    assert [item["seq"] for item in _feed(team.lead)["items"]] == seqs


def test_a_lead_sees_only_their_own_team(hub: HubProcess) -> None:
    team, other = hub.team(workers=1), hub.team(workers=1)
    mine, theirs = summary(), summary()
    assert team.worker.submit(mine).status_code == 201
    assert other.worker.submit(theirs).status_code == 201
    assert [i["summary"]["id"] for i in _feed(team.lead)["items"]] == [mine["id"]]
    assert [i["summary"]["id"] for i in _feed(other.lead)["items"]] == [theirs["id"]]
    empty = hub.team(workers=0)
    assert _feed(empty.lead) == {"items": [], "next_after": 0}


def test_only_a_lead_reads_the_feed(hub: HubProcess, team: Team) -> None:
    assert team.worker.submit(summary()).status_code == 201
    refused = team.worker.get("/v1/team/feed")
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    assert "wipe" not in refused.json()
    hub.admin.add_user(f"{team.name}-admin", team.name, "admin")
    admin = hub.device(f"{team.name}-admin")
    assert admin.get("/v1/team/feed").json()["code"] == "forbidden"
    nobody = httpx.get(hub.url + "/v1/team/feed", timeout=30)
    assert nobody.status_code == 401
    assert nobody.json()["code"] == "unauthorised"
    assert nobody.headers["WWW-Authenticate"] == "Bearer"


def test_a_revoked_lead_device_gets_the_signed_wipe(hub: HubProcess, team: Team) -> None:
    lost = hub.device(team.lead.user, "lost laptop")
    hub.admin.revoke(lost.enrolled["device_id"])
    answer = lost.get("/v1/team/feed")
    assert answer.status_code == 403
    assert answer.json()["code"] == "device_revoked"
    instruction = WipeInstruction.model_validate(answer.json()["wipe"])
    assert verify(lost.enrolled["hub_key"], instruction, lost.enrolled["device_id"])
    assert team.lead.get("/v1/team/feed").status_code == 200  # the lead's other device


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 501}, {"after": -1}, {"after": 2**31}, {"after": "x"}],
    ids=["limit-0", "limit-501", "after-negative", "after-huge", "after-text"],
)
def test_paging_out_of_range_is_422(team: Team, params: dict[str, object]) -> None:
    answer = team.lead.get("/v1/team/feed", params=params)
    assert answer.status_code == 422
    assert answer.json()["code"] == "invalid_request"


def test_every_summary_in_the_feed_is_audited(hub: HubProcess, team: Team) -> None:
    for _ in range(3):
        assert team.worker.submit(summary()).status_code == 201
    lead_id = _lead_user_id(hub, team)

    def audited() -> list[int]:
        with hub.engine.connect() as conn:
            query = select(lead_reads.c.summary_pk).where(
                lead_reads.c.user_id == lead_id, lead_reads.c.how == "feed"
            )
            return sorted(conn.scalars(query))

    assert audited() == []
    page = _feed(team.lead, limit=2)
    assert audited() == [item["seq"] for item in page["items"]]
    rest = _feed(team.lead, after=page["next_after"])
    assert audited() == sorted(item["seq"] for item in page["items"] + rest["items"])
    _feed(team.lead, after=rest["next_after"])  # nothing shown, nothing written
    assert len(audited()) == 3
    team.worker.get("/v1/team/feed")  # refused: not audited either
    assert len(audited()) == 3


def _lead_user_id(hub: HubProcess, team: Team) -> int:
    from outreach.hub.tables import users

    with hub.engine.connect() as conn:
        found = conn.scalar(select(users.c.id).where(users.c.name == team.lead.user))
    assert found is not None
    return int(found)


def test_language_prompts_travel_to_every_read(team: Team) -> None:
    counted, plain = summary(language_prompts=7), summary()
    assert team.worker.submit(counted).status_code == 201
    assert team.worker.submit(plain).status_code == 201
    by_id = {i["summary"]["id"]: i["summary"] for i in _feed(team.lead)["items"]}
    assert by_id[counted["id"]]["language_prompts"] == 7
    assert by_id[plain["id"]]["language_prompts"] == 0  # left out means none
    history = team.lead.get(f"/v1/summaries/{counted['id']}").json()
    assert history["versions"][0]["summary"]["language_prompts"] == 7
    listed = team.worker.get("/v1/summaries").json()["items"]
    assert {i["summary"]["language_prompts"] for i in listed} == {0, 7}
    most = summary(language_prompts=10_000)
    assert team.worker.submit(most).status_code == 201


@pytest.mark.parametrize("value", [-1, 10_001, "3", 2.0, True, None])
def test_language_prompts_out_of_contract_are_refused(team: Team, value: object) -> None:
    answer = team.worker.submit(summary(language_prompts=value))
    assert answer.status_code == 422
    assert answer.json()["code"] == "invalid_summary"
    assert "summary.language_prompts" in answer.json()["detail"]


def test_the_feed_never_passes_a_submission_still_in_flight(postgresql_hub: HubProcess) -> None:
    """PostgreSQL numbers a summary when it is inserted, not when it commits: a submission
    that took seq N and is still in flight must not be passed by a feed that returns N+1
    (the lead's device would page on from N+1 and never see N). The feed waits for it."""
    hub = postgresql_hub
    team = hub.team(workers=2)
    inserted, release = threading.Event(), threading.Event()

    class Paused(Submissions):
        def receive(self, *args: Any, **kwargs: Any) -> Answer:
            return super().receive(*args, first=False)  # the general path, paused below

        def _record_seq(self, *args: Any, **kwargs: Any) -> tuple[list[int], int]:
            inserted.set()  # the summary has its seq; the transaction is still open
            assert release.wait(30)
            return super()._record_seq(*args, **kwargs)

    settings = HubSettings(database_url=hub.database_url)
    paused = Paused(hub.engine, settings, Authenticator(hub.engine, per_minute=10**6))
    held, after = summary(), summary()
    body = json.dumps({"device_seq": 1, "summary": held}).encode()
    credential = team.worker.headers["Authorization"]
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(paused.receive, credential, "held", "application/json", body)
        assert inserted.wait(30)
        # Another worker of the team submits meanwhile: a later seq, committed at once.
        assert team.devices["w1"].submit(after).status_code == 201
        feed = pool.submit(_feed, team.lead)
        assert not release.wait(0.5)
        assert not feed.done()  # waiting for the submission in flight
        release.set()
        assert first.result(30).status == 201
        page = feed.result(30)
    assert [i["summary"]["id"] for i in page["items"]] == [held["id"], after["id"]]
    assert _feed(team.lead, after=page["next_after"])["items"] == []


def test_a_feed_does_not_hold_up_other_teams(postgresql_hub: HubProcess) -> None:
    """The feed's lock is the team's: another team's submission in flight is not waited for."""
    hub = postgresql_hub
    team, other = hub.team(workers=1), hub.team(workers=1)
    inserted, release = threading.Event(), threading.Event()

    class Paused(Submissions):
        def receive(self, *args: Any, **kwargs: Any) -> Answer:
            return super().receive(*args, first=False)  # the general path, paused below

        def _record_seq(self, *args: Any, **kwargs: Any) -> tuple[list[int], int]:
            inserted.set()
            assert release.wait(30)
            return super()._record_seq(*args, **kwargs)

    settings = HubSettings(database_url=hub.database_url)
    paused = Paused(hub.engine, settings, Authenticator(hub.engine, per_minute=10**6))
    body = json.dumps({"device_seq": 1, "summary": summary()}).encode()
    credential = other.worker.headers["Authorization"]
    assert team.worker.submit(summary()).status_code == 201
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(paused.receive, credential, "held", "application/json", body)
        try:
            assert inserted.wait(30)
            assert len(_feed(team.lead)["items"]) == 1  # answered while the other waits
        finally:
            release.set()
        assert first.result(30).status == 201


def test_feed_and_submissions_at_once_lose_nothing(hub: HubProcess) -> None:
    """Workers submitting while the lead pages the feed: the pages, joined, hold every
    summary once, in seq order."""
    team = hub.team(workers=3)
    bodies = {name: [summary() for _ in range(15)] for name in ("w0", "w1", "w2")}
    done = threading.Event()

    def send(name: str) -> None:
        for body in bodies[name]:
            assert team.devices[name].submit(body).status_code == 201

    seen: list[dict[str, Any]] = []

    def read() -> None:
        after = 0
        while True:
            finished = done.is_set()
            page = _feed(team.lead, after=after, limit=5)
            seen.extend(page["items"])
            after = page["next_after"]
            if finished and not page["items"]:
                return
            done.wait(0.02)  # well under the hub's rate per device

    with ThreadPoolExecutor(4) as pool:
        reader = pool.submit(read)
        list(pool.map(send, bodies))
        done.set()
        reader.result(60)
    seqs = [item["seq"] for item in seen]
    assert seqs == sorted(set(seqs))
    assert sorted(i["summary"]["id"] for i in seen) == sorted(
        body["id"] for group in bodies.values() for body in group
    )
