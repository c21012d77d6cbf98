"""Who may do what: workers their own, leads their team's, reviews, links, audit, revoke."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select

from outreach.contract.wipe import WipeInstruction, verify
from outreach.hub.tables import lead_reads, summaries
from tests.support.hubproc import HubProcess, Team, summary


def test_a_lead_sees_the_team_most_worrying_first_and_pages(team: Team) -> None:
    for worry in (2, 9, None, 6):
        assert team.worker.submit(summary(worry=worry)).status_code == 201
    team.devices["w1"].submit(summary(worry=7))
    first = team.lead.get("/v1/summaries", params={"limit": 2}).json()
    assert [i["summary"]["worry"] for i in first["items"]] == [9, 7]
    rest = team.lead.get("/v1/summaries", params={"limit": 2, "cursor": first["next_cursor"]})
    second = rest.json()
    assert [i["summary"]["worry"] for i in second["items"]] == [6, 2]
    last = team.lead.get("/v1/summaries", params={"cursor": second["next_cursor"]}).json()
    assert [i["summary"]["worry"] for i in last["items"]] == [None]
    assert last["next_cursor"] is None
    # A worker sees only their own.
    assert len(team.devices["w1"].get("/v1/summaries").json()["items"]) == 1


def test_a_lead_filters_by_worker_person_concern_date_and_review(team: Team) -> None:
    team.worker.submit(summary(young_people=[{"ref": "YP-A"}], concerns=["gifts"]))
    team.devices["w1"].submit(
        summary(young_people=[{"ref": "YP-B"}], contact_at="2026-10-01T10:00:00Z")
    )

    def ids(**params: object) -> list[str]:
        items = team.lead.get("/v1/summaries", params=params).json()["items"]
        return [item["summary"]["young_people"][0]["ref"] for item in items]

    assert ids(worker=team.worker.user) == ["YP-A"]
    assert ids(young_person="YP-B") == ["YP-B"]
    assert ids(concern="gifts") == ["YP-A"]
    assert ids(since="2026-11-01T00:00:00Z") == ["YP-A"]
    assert ids(until="2026-11-01T00:00:00Z") == ["YP-B"]
    target = team.lead.get("/v1/summaries", params={"young_person": "YP-A"}).json()["items"][0]
    team.lead.post(f"/v1/summaries/{target['summary']['id']}/reviews", {"outcome": "approved"})
    assert ids(reviewed="true") == ["YP-A"]
    assert ids(reviewed="false") == ["YP-B"]


def test_every_summary_a_lead_reads_is_audited(hub: HubProcess, team: Team) -> None:
    body = summary()
    team.worker.submit(body)

    def reads() -> int:
        with hub.engine.connect() as conn:
            query = select(func.count()).select_from(lead_reads)
            return int(conn.scalar(query) or 0)

    before = reads()
    team.worker.get(f"/v1/summaries/{body['id']}")  # a worker's own read is not audited
    assert reads() == before
    team.lead.get("/v1/summaries")
    team.lead.get(f"/v1/summaries/{body['id']}")
    assert reads() == before + 2

    # The links name young people and what was seen with them: the summaries behind the
    # links answered are audited, and none other.
    linked = summary(young_people=[{"ref": "YP-0002"}])  # body's vehicle, another young person
    alone = summary(mentions=[{"kind": "vehicle", "text": "ZZ99 ZZZ"}])
    for other in (linked, alone):
        assert team.worker.submit(other).status_code == 201

    def read_for_links() -> list[str]:
        with hub.engine.connect() as conn:
            query = (
                select(summaries.c.summary_id)
                .join(lead_reads, lead_reads.c.summary_pk == summaries.c.pk)
                .where(lead_reads.c.how == "links")
                .where(summaries.c.summary_id.in_([body["id"], linked["id"], alone["id"]]))
            )
            return sorted(conn.scalars(query))

    assert team.worker.get("/v1/links").status_code == 403  # refused: not audited either
    assert read_for_links() == []
    links = team.lead.get("/v1/links").json()
    assert [(link["key"], link["summaries"]) for link in links] == [("AB12CDE", 2)]
    assert read_for_links() == sorted([body["id"], linked["id"]])
    assert reads() == before + 4


def test_reviews_are_recorded_once_and_reach_the_worker(team: Team) -> None:
    body = summary(worry=8)
    team.worker.submit(body)
    path = f"/v1/summaries/{body['id']}/reviews"
    refused = team.lead.post(path, {"outcome": "needs_more"})
    assert refused.status_code == 422
    assert "question" in refused.json()["detail"]
    assert team.lead.post(path, {"outcome": "escalated"}).status_code == 422
    asked = team.lead.post(path, {"outcome": "needs_more", "questions": ["Who drove?"]})
    assert asked.status_code == 201, asked.text
    escalated = team.lead.post(path, {"outcome": "escalated", "reason": "third gift"})
    assert escalated.status_code == 201
    seen = team.worker.get("/v1/reviews").json()
    assert [(r["outcome"], r["questions"]) for r in seen] == [
        ("needs_more", ["Who drove?"]),
        ("escalated", []),
    ]
    after = team.worker.get("/v1/reviews", params={"after": seen[0]["id"]}).json()
    assert [r["outcome"] for r in after] == ["escalated"]
    # Immutable: there is no way to change or remove one.
    review_path = f"{path}/{seen[0]['id']}"
    assert httpx.put(team.lead.url + review_path, headers=team.lead.headers).status_code in (
        404,
        405,
    )
    assert httpx.delete(team.lead.url + path, headers=team.lead.headers).status_code == 405
    history = team.worker.get(f"/v1/summaries/{body['id']}").json()
    assert [r["outcome"] for r in history["reviews"]] == ["escalated", "needs_more"]


def test_a_leads_own_contact_joins_the_team_and_its_links(team: Team) -> None:
    """Leads go out too: what they file is their team's, and links across it."""
    seen = [{"kind": "vehicle", "text": "AB12 CDE"}]
    assert team.worker.submit(summary(young_people=[{"ref": "YP-1"}], mentions=seen)).is_success
    own = summary(young_people=[{"ref": "YP-2"}], mentions=seen)
    answer = team.lead.submit(own)
    assert answer.status_code == 201, answer.text
    listed = team.lead.get("/v1/summaries", params={"worker": team.lead.user}).json()["items"]
    assert [item["summary"]["id"] for item in listed] == [own["id"]]
    links = {(link["kind"], link["key"]): link for link in team.lead.get("/v1/links").json()}
    assert links[("vehicle", "AB12CDE")]["young_people"] == ["YP-1", "YP-2"]
    assert team.worker.get(f"/v1/summaries/{own['id']}").status_code == 404  # not the worker's


def test_team_links_count_young_people_and_workers(team: Team) -> None:
    team.worker.submit(
        summary(
            young_people=[{"ref": "YP-1"}],
            mentions=[
                {"kind": "vehicle", "text": "AB12 CDE"},
                {"kind": "phone", "text": "07700 900123"},
            ],
        )
    )
    team.worker.submit(
        summary(young_people=[{"ref": "YP-2"}], mentions=[{"kind": "vehicle", "text": "ab12cde"}])
    )
    team.devices["w1"].submit(
        summary(
            young_people=[{"ref": "YP-1"}], mentions=[{"kind": "phone", "text": "+447700900123"}]
        )
    )
    team.worker.submit(
        summary(young_people=[{"ref": "YP-3"}], mentions=[{"kind": "place", "text": "Only once"}])
    )
    links = {(link["kind"], link["key"]): link for link in team.lead.get("/v1/links").json()}
    car = links[("vehicle", "AB12CDE")]
    assert car["young_people"] == ["YP-1", "YP-2"]
    assert car["workers"] == [team.worker.user]
    phone = links[("phone", "+447700900123")]
    assert phone["young_people"] == ["YP-1"]
    assert sorted(phone["workers"]) == sorted([team.worker.user, team.devices["w1"].user])
    assert not any(kind == "place" for kind, _ in links)
    assert team.worker.get("/v1/links").status_code == 403


def test_a_superseded_version_no_longer_links(team: Team) -> None:
    body = summary(
        young_people=[{"ref": "YP-1"}], mentions=[{"kind": "vehicle", "text": "XY99 ZZZ"}]
    )
    team.worker.submit(body)
    team.worker.submit(summary(young_people=[{"ref": "YP-2"}], mentions=body["mentions"]))
    assert any(link["key"] == "XY99ZZZ" for link in team.lead.get("/v1/links").json())
    team.worker.submit({**body, "version": 2, "mentions": [], "amend_reason": "wrong car"})
    assert not any(link["key"] == "XY99ZZZ" for link in team.lead.get("/v1/links").json())


def test_a_revoked_device_is_told_to_wipe_with_a_signature_it_can_check(
    hub: HubProcess, team: Team
) -> None:
    worker = team.worker
    hub.admin.revoke(worker.enrolled["device_id"])
    answer = worker.get("/v1/summaries")
    assert answer.status_code == 403
    assert answer.json()["code"] == "device_revoked"
    instruction = WipeInstruction.model_validate(answer.json()["wipe"])
    assert verify(worker.enrolled["hub_key"], instruction, worker.enrolled["device_id"])
    # Not for another device, and not under another hub's key.
    assert not verify(worker.enrolled["hub_key"], instruction, "0" * 32)
    other_hub_key = "A" * 43 + "="
    assert not verify(other_hub_key, instruction, worker.enrolled["device_id"])
    forged = instruction.model_copy(update={"issued_at": datetime.now(UTC) + timedelta(days=1)})
    assert not verify(worker.enrolled["hub_key"], forged, worker.enrolled["device_id"])
    # The same user's other devices go on working.
    assert team.lead.get("/v1/summaries").status_code == 200


def test_an_enrolment_code_works_once(hub: HubProcess) -> None:
    team = hub.team(workers=1)
    code, _ = hub.admin.enrolment_code(team.worker.user)
    first = httpx.post(hub.url + "/v1/enrol", json={"code": code.lower().replace("-", " ")})
    assert first.status_code == 201
    second = httpx.post(hub.url + "/v1/enrol", json={"code": code})
    assert second.status_code == 401
    assert "used" in second.json()["detail"]


def test_an_expired_enrolment_code_is_refused(hub: HubProcess) -> None:
    from outreach.hub.admin import Admin

    team = hub.team(workers=1)
    past = Admin(hub.engine, now=lambda: datetime.now(UTC) - timedelta(hours=2))
    code, _ = past.enrolment_code(team.worker.user, hours=1)
    answer = httpx.post(hub.url + "/v1/enrol", json={"code": code})
    assert answer.status_code == 401
    assert answer.json()["code"] == "enrolment_refused"


@pytest.mark.parametrize("path", ["/v1/summaries", "/v1/links", "/v1/reviews"])
def test_an_admin_device_reads_no_summaries(hub: HubProcess, path: str) -> None:
    team = hub.team(workers=0)
    hub.admin.add_user(f"{team.name}-admin", team.name, "admin")
    admin = hub.device(f"{team.name}-admin")
    assert admin.get(path).status_code == 403
