"""Every endpoint tried with no credential, a revoked one, another team's and the wrong role."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx
import pytest

from tests.hub.conftest import BACKENDS
from tests.support.hubproc import Device, HubProcess, Team, summary


@dataclass
class World:
    hub: HubProcess
    team: Team
    other: Team  # another team, with its own lead and worker
    admin: Device
    revoked: Device
    summary_id: str


@pytest.fixture(scope="module", params=BACKENDS)
def world(request: pytest.FixtureRequest) -> World:
    """One world per backend for the whole module: no test here changes what it holds."""
    hub: HubProcess = request.getfixturevalue(f"{request.param}_hub")
    team, other = hub.team(workers=2), hub.team(workers=1)
    hub.admin.add_user(f"{team.name}-admin", team.name, "admin")
    admin = hub.device(f"{team.name}-admin")
    revoked = hub.device(team.worker.user, "lost laptop")
    hub.admin.revoke(revoked.enrolled["device_id"])
    body = summary(mentions=[{"kind": "vehicle", "text": "AB12 CDE"}])
    assert team.worker.submit(body).status_code == 201
    team.devices["w1"].submit(summary(mentions=body["mentions"]))
    review = team.lead.post(f"/v1/summaries/{body['id']}/reviews", {"outcome": "approved"})
    assert review.status_code == 201
    return World(hub, team, other, admin, revoked, body["id"])


Call = Callable[[World, Device | None], httpx.Response]


def _call(method: str, path: str, body: object = None) -> Call:
    def call(world: World, device: Device | None) -> httpx.Response:
        url = world.hub.url + path.format(id=world.summary_id)
        headers = dict(device.headers) if device else {}
        headers["Idempotency-Key"] = "matrix"
        return httpx.request(method, url, json=body, headers=headers, timeout=30)

    return call


ENDPOINTS: dict[str, Call] = {
    "device": _call("GET", "/v1/device"),
    "submit": _call("POST", "/v1/summaries", {"device_seq": 1, "summary": summary()}),
    "list": _call("GET", "/v1/summaries"),
    "history": _call("GET", "/v1/summaries/{id}"),
    "review": _call("POST", "/v1/summaries/{id}/reviews", {"outcome": "approved"}),
    "reviews": _call("GET", "/v1/reviews"),
    "links": _call("GET", "/v1/links"),
    "feed": _call("GET", "/v1/team/feed"),
}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_no_credential_is_401(world: World, endpoint: str) -> None:
    assert ENDPOINTS[endpoint](world, None).status_code == 401


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_wrong_credential_is_401(world: World, endpoint: str) -> None:
    forged = Device(world.hub.url, {**world.team.worker.enrolled})
    device_id = forged.enrolled["device_id"]
    forged.enrolled["credential"] = device_id + ".not-the-secret"
    assert ENDPOINTS[endpoint](world, forged).status_code == 401


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("change", ["longer", "upper-case"])
def test_a_made_up_device_id_is_401_even_with_the_right_secret(
    world: World, endpoint: str, change: str
) -> None:
    """Only ids the hub made are looked up, counted or signed for: one that merely begins
    with a real id, or spells it differently, is not known."""
    forged = Device(world.hub.url, {**world.team.worker.enrolled})
    device_id, secret = forged.enrolled["credential"].split(".", 1)
    made_up = device_id + "0" if change == "longer" else device_id.upper()
    forged.enrolled["credential"] = f"{made_up}.{secret}"
    answer = ENDPOINTS[endpoint](world, forged)
    assert answer.status_code == 401, answer.text
    assert answer.json()["code"] == "unauthorised"


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_revoked_device_gets_only_a_wipe(world: World, endpoint: str) -> None:
    answer = ENDPOINTS[endpoint](world, world.revoked)
    assert answer.status_code == 403
    assert answer.json()["wipe"]["device_id"] == world.revoked.enrolled["device_id"]


@pytest.mark.parametrize(
    ("endpoint", "role"),
    [
        ("submit", "admin"),
        ("list", "admin"),
        ("history", "admin"),
        ("review", "worker"),
        ("review", "admin"),
        ("reviews", "admin"),
        ("links", "worker"),
        ("links", "admin"),
        ("feed", "worker"),
        ("feed", "admin"),
    ],
)
def test_the_wrong_role_is_403(world: World, endpoint: str, role: str) -> None:
    device = {"lead": world.team.lead, "admin": world.admin, "worker": world.team.worker}[role]
    answer = ENDPOINTS[endpoint](world, device)
    assert answer.status_code == 403
    assert answer.json()["code"] == "forbidden"
    assert "wipe" not in answer.json()


def test_another_team_sees_nothing_of_this_one(world: World) -> None:
    lead, worker = world.other.lead, world.other.worker
    assert ENDPOINTS["history"](world, lead).status_code == 404
    assert ENDPOINTS["review"](world, lead).status_code == 404
    assert ENDPOINTS["list"](world, lead).json()["items"] == []
    assert ENDPOINTS["reviews"](world, lead).json() == []
    assert ENDPOINTS["links"](world, lead).json() == []
    assert ENDPOINTS["feed"](world, lead).json() == {"items": [], "next_after": 0}
    assert ENDPOINTS["history"](world, worker).status_code == 404
    assert ENDPOINTS["list"](world, worker).json()["items"] == []


def test_a_worker_sees_nothing_of_a_colleague(world: World) -> None:
    colleague = world.team.devices["w1"]
    assert ENDPOINTS["history"](world, colleague).status_code == 404
    assert ENDPOINTS["reviews"](world, colleague).json() == []
    assert len(ENDPOINTS["list"](world, colleague).json()["items"]) == 1  # their own


def test_the_right_callers_are_let_in(world: World) -> None:
    team = world.team
    assert ENDPOINTS["history"](world, team.worker).status_code == 200
    assert ENDPOINTS["history"](world, team.lead).status_code == 200
    assert len(ENDPOINTS["links"](world, team.lead).json()) == 1
    feed = ENDPOINTS["feed"](world, team.lead).json()["items"]
    assert world.summary_id in {item["summary"]["id"] for item in feed}
    assert len(feed) == 2
    assert len(ENDPOINTS["reviews"](world, team.worker).json()) == 1
    assert ENDPOINTS["device"](world, world.admin).json()["role"] == "admin"
