"""A lead's review sent under an Idempotency-Key is recorded once, however often it comes."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from outreach.hub.locks import lock_number
from outreach.hub.tables import idempotency, lead_reads, reviews, summaries
from tests.support.hubproc import HubProcess, Team, summary


def _reviewed(hub: HubProcess, team: Team) -> tuple[str, str]:
    """A summary of the team on the hub; its id and the path to review it."""
    body = summary()
    assert team.worker.submit(body).status_code == 201
    return body["id"], f"/v1/summaries/{body['id']}/reviews"


def _reviews_of(hub: HubProcess, summary_id: str) -> int:
    with hub.engine.connect() as conn:
        query = (
            select(func.count())
            .select_from(reviews.join(summaries, summaries.c.pk == reviews.c.summary_pk))
            .where(summaries.c.summary_id == summary_id)
        )
        return int(conn.scalar(query) or 0)


def _audited_reviews(hub: HubProcess) -> int:
    with hub.engine.connect() as conn:
        query = select(func.count()).select_from(lead_reads).where(lead_reads.c.how == "review")
        return int(conn.scalar(query) or 0)


ASK = {"outcome": "needs_more", "questions": ["Who drove?"], "comment": "thanks"}


def test_the_same_key_and_body_replay_the_recorded_review(hub: HubProcess, team: Team) -> None:
    summary_id, path = _reviewed(hub, team)
    first = team.lead.post(path, ASK, **{"Idempotency-Key": "review-1"})
    assert first.status_code == 201, first.text
    recorded = first.json()
    assert set(recorded) == {
        "id",
        "summary_id",
        "version",
        "outcome",
        "comment",
        "questions",
        "reason",
        "reviewer",
        "recorded_at",
    }
    audited = _audited_reviews(hub)
    for _ in range(3):
        again = team.lead.post(path, ASK, **{"Idempotency-Key": "review-1"})
        assert again.status_code == 201
        assert again.json() == recorded  # the same id and recorded_at
    # Key order and spacing are not a different body.
    reordered = httpx.post(
        team.lead.url + path,
        content=b'{ "comment":"thanks", "questions":["Who drove?"],"outcome":"needs_more"}',
        headers={
            **team.lead.headers,
            "Content-Type": "application/json",
            "Idempotency-Key": "review-1",
        },
        timeout=30,
    )
    assert reordered.json() == recorded
    assert _reviews_of(hub, summary_id) == 1
    assert _audited_reviews(hub) == audited  # a replay reads nothing new
    assert [r["id"] for r in team.worker.get("/v1/reviews").json()] == [recorded["id"]]


@pytest.mark.parametrize(
    "change",
    [
        {"comment": "other words"},
        {"outcome": "approved", "questions": []},
        {"version": 1},  # the same review made explicit is still another body
    ],
    ids=["comment", "outcome", "version"],
)
def test_the_same_key_with_another_body_is_refused(
    hub: HubProcess, team: Team, change: dict[str, Any]
) -> None:
    summary_id, path = _reviewed(hub, team)
    first = team.lead.post(path, ASK, **{"Idempotency-Key": "review-2"})
    assert first.status_code == 201
    refused = team.lead.post(path, {**ASK, **change}, **{"Idempotency-Key": "review-2"})
    assert refused.status_code == 422
    assert refused.json()["code"] == "idempotency_key_reused"
    assert _reviews_of(hub, summary_id) == 1
    assert team.lead.post(path, ASK, **{"Idempotency-Key": "review-2"}).json() == first.json()


def test_the_same_key_for_another_summary_is_refused(hub: HubProcess, team: Team) -> None:
    first_id, first_path = _reviewed(hub, team)
    second_id, second_path = _reviewed(hub, team)
    assert team.lead.post(first_path, ASK, **{"Idempotency-Key": "review-3"}).status_code == 201
    refused = team.lead.post(second_path, ASK, **{"Idempotency-Key": "review-3"})
    assert refused.status_code == 422
    assert refused.json()["code"] == "idempotency_key_reused"
    assert (_reviews_of(hub, first_id), _reviews_of(hub, second_id)) == (1, 0)


def test_concurrent_duplicates_record_one_review(hub: HubProcess, team: Team) -> None:
    summary_id, path = _reviewed(hub, team)
    barrier = threading.Barrier(12)

    def send(_: int) -> httpx.Response:
        barrier.wait()
        return team.lead.post(path, ASK, **{"Idempotency-Key": "same-review"})

    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(send, range(12)))
    assert {a.status_code for a in answers} <= {201, 409}, [a.text for a in answers]
    recorded = [a.json() for a in answers if a.status_code == 201]
    assert recorded
    assert all(review == recorded[0] for review in recorded)
    for answer in answers:
        if answer.status_code == 409:
            assert answer.json()["code"] in ("in_progress", "conflict")
            assert int(answer.headers["Retry-After"]) >= 1
    assert _reviews_of(hub, summary_id) == 1
    again = team.lead.post(path, ASK, **{"Idempotency-Key": "same-review"})
    assert again.json() == recorded[0]


def test_without_a_key_each_review_is_recorded(hub: HubProcess, team: Team) -> None:
    summary_id, path = _reviewed(hub, team)
    first = team.lead.post(path, {"outcome": "approved"})
    second = team.lead.post(path, {"outcome": "approved"})
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]
    assert _reviews_of(hub, summary_id) == 2
    with hub.engine.connect() as conn:
        device = team.lead.enrolled["device_id"]
        kept = conn.scalar(select(func.count()).where(idempotency.c.device_id == device))
    assert kept == 0  # nothing kept for a review without a key


def test_a_refused_review_does_not_use_up_its_key(hub: HubProcess, team: Team) -> None:
    summary_id, path = _reviewed(hub, team)
    headers = {"Idempotency-Key": "review-4"}
    assert team.lead.post(path, {"outcome": "needs_more"}, **headers).status_code == 422
    assert team.lead.post(path, {**ASK, "version": 9}, **headers).status_code == 422
    missing = team.lead.post("/v1/summaries/" + "0" * 32 + "/reviews", ASK, **headers)
    assert missing.status_code == 404
    assert team.worker.post(path, ASK, **headers).status_code == 403
    assert _reviews_of(hub, summary_id) == 0
    assert team.lead.post(path, ASK, **headers).status_code == 201
    assert _reviews_of(hub, summary_id) == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there", "naïve"], ids=repr)
def test_an_unusable_key_is_400(hub: HubProcess, team: Team, key: str) -> None:
    summary_id, path = _reviewed(hub, team)
    answer = httpx.post(
        team.lead.url + path,
        content=b'{"outcome": "approved"}',
        headers=[
            *team.lead.headers.items(),
            ("Content-Type", "application/json"),
            ("Idempotency-Key", key.encode()),
        ],
        timeout=30,
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "idempotency_key_invalid"
    assert _reviews_of(hub, summary_id) == 0


def test_a_review_key_being_processed_answers_409(postgresql_hub: HubProcess) -> None:
    """As for submissions: on PostgreSQL a duplicate learns at once that the first is still
    being processed (held open here by the test through the same advisory lock)."""
    team = postgresql_hub.team(workers=1)
    summary_id, path = _reviewed(postgresql_hub, team)
    with postgresql_hub.engine.begin() as conn:
        lock = lock_number(team.lead.enrolled["device_id"], "busy-review")
        assert conn.scalar(select(func.pg_try_advisory_xact_lock(lock)))
        busy = team.lead.post(path, ASK, **{"Idempotency-Key": "busy-review"})
        assert busy.status_code == 409
        assert busy.json()["code"] == "in_progress"
        assert busy.headers["Retry-After"] == "1"
    assert _reviews_of(postgresql_hub, summary_id) == 0
    assert team.lead.post(path, ASK, **{"Idempotency-Key": "busy-review"}).status_code == 201
    assert _reviews_of(postgresql_hub, summary_id) == 1
