"""Submitting, replaying and superseding summaries on a real hub process."""

from __future__ import annotations

from tests.support.hubproc import HubProcess, Team, summary


def test_a_summary_is_received_once_and_its_receipt_replayed(team: Team) -> None:
    body = summary()
    first = team.worker.submit(body, key="k-1", seq=1)
    assert first.status_code == 201, first.text
    again = team.worker.submit(body, key="k-1", seq=1)
    assert again.status_code == 201
    assert again.json() == first.json()
    mine = team.worker.get("/v1/summaries").json()["items"]
    assert [item["summary"]["id"] for item in mine] == [body["id"]]


def test_the_same_key_with_another_body_is_refused(team: Team) -> None:
    body = summary()
    assert team.worker.submit(body, key="k-2", seq=1).status_code == 201
    other = team.worker.submit({**body, "worry": 9}, key="k-2", seq=1)
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    stored = team.worker.get(f"/v1/summaries/{body['id']}").json()["versions"]
    assert [v["summary"]["worry"] for v in stored] == [body["worry"]]


def test_a_new_version_supersedes_and_both_are_kept(team: Team) -> None:
    body = summary(worry=3)
    assert team.worker.submit(body).status_code == 201
    amended = {**body, "version": 2, "worry": 8, "amend_reason": "more was disclosed"}
    receipt = team.worker.submit(amended).json()
    assert receipt["replaces"] == 1
    assert receipt["superseded"] is False
    history = team.worker.get(f"/v1/summaries/{body['id']}").json()["versions"]
    assert [(v["summary"]["version"], v["current"]) for v in history] == [(2, True), (1, False)]
    listed = team.worker.get("/v1/summaries").json()["items"]
    assert [item["summary"]["version"] for item in listed] == [2]
    # A late copy of version 1 is kept as it was and is not the current one.
    late = team.worker.submit(body)
    assert late.status_code == 201
    assert late.json()["superseded"] is True


def test_the_same_version_with_other_content_is_refused(team: Team) -> None:
    body = summary()
    assert team.worker.submit(body).status_code == 201
    clash = team.worker.submit({**body, "area": "Elsewhere"})
    assert clash.status_code == 422
    assert clash.json()["code"] == "version_conflict"


def test_a_gap_in_the_device_numbers_is_reported(team: Team) -> None:
    worker = team.worker
    assert worker.submit(summary(), seq=1).json()["missing_seqs"] == []
    receipt = worker.submit(summary(), seq=4).json()
    assert receipt["missing_seqs"] == [2, 3]
    assert worker.get("/v1/device").json()["missing_seqs"] == [2, 3]
    worker.submit(summary(), seq=2)
    assert worker.submit(summary(), seq=3).json()["missing_seqs"] == []


def test_another_workers_summary_id_cannot_be_taken(team: Team) -> None:
    body = summary()
    assert team.worker.submit(body).status_code == 201
    taken = team.devices["w1"].submit({**body, "version": 2})
    assert taken.status_code == 422
    assert taken.json()["code"] == "summary_id_taken"


def test_health_and_openapi_are_served(hub: HubProcess) -> None:
    import httpx

    assert httpx.get(hub.url + "/health").json()["status"] == "ok"
    document = httpx.get(hub.url + "/openapi.json").json()
    assert "/v1/summaries" in document["paths"]
    assert "Submission" in document["components"]["schemas"]
    # No interactive pages: they would load scripts from a CDN.
    assert httpx.get(hub.url + "/docs").status_code == 404
