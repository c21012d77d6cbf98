"""Bad input over HTTP: a clear 4xx with a reason, never a 5xx, and nothing stored."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from tests.support.hubproc import Device, HubProcess, Team, summary

LIMIT = 256 * 1024


def _raw(device: Device, body: bytes, key: str = "raw-1", **headers: str) -> httpx.Response:
    return httpx.post(
        device.url + "/v1/summaries",
        content=body,
        headers={
            **device.headers,
            "Content-Type": "application/json",
            "Idempotency-Key": key,
            **headers,
        },
        timeout=30,
    )


def _nothing_stored(device: Device) -> bool:
    return device.get("/v1/summaries").json()["items"] == []


def _valid_text(**fields: object) -> str:
    return json.dumps({"device_seq": 1, "summary": summary(**fields)})


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (_valid_text().replace('"worry": 5', '"worry": NaN').encode(), "NaN"),
        (_valid_text().replace('"worry": 5', '"worry": Infinity').encode(), "Infinity"),
        (_valid_text().replace('"worry": 5', '"worry": 5, "worry": 6').encode(), "twice"),
        (_valid_text(area="Park\\u0000").replace("\\\\u0000", "\\u0000").encode(), "NUL"),
        (_valid_text(area="X").replace('"X"', '"\\ud800"').encode(), "surrogate"),
        (_valid_text(area="X").replace('"X"', '"\xff"').encode("latin-1"), "UTF-8"),
        (b'{"device_seq": 1, "summary": ', "not JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "deeply"),
        (_valid_text().replace('"device_seq": 1', '"device_seq": ' + "1" * 5000).encode(), "20"),
        (_valid_text().replace('"worry": 5', '"worry": 1e999').encode(), "Infinity"),
    ],
    ids=[
        "nan",
        "infinity",
        "duplicate-key",
        "nul",
        "lone-surrogate",
        "not-utf8",
        "cut",
        "deep",
        "huge-integer",
        "overflowing-float",
    ],
)
def test_json_the_hub_cannot_keep_is_refused_with_a_reason(
    team: Team, body: bytes, words: str
) -> None:
    answer = _raw(team.worker, body)
    assert answer.status_code in (413, 422), answer.text
    if answer.status_code == 422:
        assert answer.json()["code"] == "bad_json"
        assert words in answer.json()["detail"]
    assert _nothing_stored(team.worker)


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"worry": "7"}, "summary.worry"),
        ({"worry": 11}, "summary.worry"),
        ({"area": "x" * 121}, "summary.area"),
        ({"concerns": ["c"] * 61}, "summary.concerns"),
        ({"id": "not-an-id"}, "summary.id"),
        ({"contact_at": "2026-11-20T21:30:00"}, "summary.contact_at"),
        ({"contact_at": "0001-01-01T00:30:00+01:00"}, "summary.contact_at"),  # no UTC time
        ({"surprise": 1}, "summary.surprise"),
        ({"kind": "party"}, "summary.kind"),
    ],
)
def test_a_summary_out_of_contract_says_which_field(
    team: Team, fields: dict[str, object], where: str
) -> None:
    answer = team.worker.submit(summary(**fields))
    assert answer.status_code == 422
    assert answer.json()["code"] == "invalid_summary"
    assert where in answer.json()["detail"]
    assert _nothing_stored(team.worker)


def test_other_times_are_kept_as_sent_so_summaries_taken_before_still_read(
    team: Team,
) -> None:
    """Only the contact's time is kept in UTC and checked for one; a hub holds summaries
    taken before that check, read with the same model, so the others are not checked."""
    far = "9999-12-31T23:30:00-01:00"
    answer = team.worker.submit(summary(ended_at=far))
    assert answer.status_code == 201, answer.text
    listed = team.lead.get("/v1/summaries")
    assert listed.status_code == 200
    assert [item["summary"]["ended_at"] for item in listed.json()["items"]] == [
        "9999-12-31T23:30:00-01:00"
    ]


def test_a_contact_in_the_future_is_a_clock_to_check(team: Team) -> None:
    answer = team.worker.submit(summary(contact_at="2099-01-01T00:00:00Z"))
    assert answer.status_code == 422
    assert "clock" in answer.json()["detail"]


def test_a_body_over_the_limit_is_refused_before_it_is_read(team: Team) -> None:
    big = _valid_text(area="x").encode() + b" " * LIMIT
    answer = _raw(team.worker, big)
    assert answer.status_code == 413
    assert answer.json()["code"] == "body_too_large"


def test_a_chunked_body_over_the_limit_is_refused(team: Team) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(LIMIT // 4096 + 2):
            yield b" " * 4096

    answer = httpx.post(
        team.worker.url + "/v1/summaries",
        content=chunks(),
        headers={**team.worker.headers, "Content-Type": "application/json", "Idempotency-Key": "c"},
    )
    assert answer.status_code == 413


def test_wrong_content_type_is_415(team: Team) -> None:
    answer = _raw(team.worker, _valid_text().encode(), **{"Content-Type": "text/plain"})
    assert answer.status_code == 415
    assert _nothing_stored(team.worker)


def test_a_huge_number_sent_without_a_credential_is_422(hub: HubProcess) -> None:
    body = b'{"code": ' + b"1" * 5000 + b"}"
    answer = httpx.post(
        hub.url + "/v1/enrol", content=body, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "bad_json"


def test_no_credential_is_401_before_the_body_is_judged(hub: HubProcess) -> None:
    answer = httpx.post(hub.url + "/v1/summaries", content=b"{nonsense", timeout=10)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_a_submission_without_an_idempotency_key_is_refused(team: Team) -> None:
    answer = team.worker.post("/v1/summaries", {"device_seq": 1, "summary": summary()})
    assert answer.status_code == 400
    assert answer.json()["code"] == "idempotency_key_missing"


def test_bad_query_parameters_are_422_not_500(team: Team) -> None:
    for query in (
        "limit=0",
        "limit=abc",
        "since=yesterday",
        "since=0001-01-01T00:00:00%2B01:00",  # no time in UTC: before year 1
        "until=9999-12-31T23:59:59-01:00",  # nor after 9999
        "worker=a%00b",
        "cursor=%%%",
    ):
        answer = team.lead.get("/v1/summaries?" + query)
        assert answer.status_code == 422, (query, answer.text)
        assert answer.json()["detail"]
