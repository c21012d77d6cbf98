"""What stands between the app and the hub: a proxy in the environment, a redirect, a web
server's or a proxy's own refusal, and headers the client must not trip over. Only the hub
itself can hold an item; the rest leaves it to be sent again."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest

from outreach.sync import enrolment
from outreach.sync.client import HubClient, Unreachable
from outreach.sync.engine import Backoff, Stop, SyncEngine, SyncReport
from outreach.sync.outbox import ItemState
from outreach.vault.audit import utc_now
from tests.support.hubproc import HubProcess
from tests.sync.conftest import Worker
from tests.sync.front import Front
from tests.sync.test_faults import QUICK, assert_delivered_once, outbox_items, wait_until_due

_PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")


def through(worker: Worker, front: Front, backoff: Backoff = QUICK) -> SyncReport:
    with worker.client(front.url, timeout=5.0) as client:
        return SyncEngine(worker.opened.db, client, backoff=backoff).run()


# --- proxies ------------------------------------------------------------------------------


def proxy_everything(monkeypatch: pytest.MonkeyPatch, proxy: Front) -> None:
    for name in _PROXY_VARIABLES:
        monkeypatch.setenv(name, proxy.url)
        monkeypatch.setenv(name.lower(), proxy.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)


def test_a_proxy_in_the_environment_never_sees_a_loopback_hub(
    make_worker: Callable[..., Worker], sync_hub: HubProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    team = sync_hub.team(workers=1)  # before the proxy: the test's own clients heed it
    with Front(502) as proxy, monkeypatch.context() as environment:
        proxy_everything(environment, proxy)
        worker = make_worker(contacts=5, team=team)  # enrolling goes straight to the hub too
        approved = worker.approve()

        report = worker.sync()

        assert (report.stop, report.acknowledged) == (Stop.NONE, len(approved))
        # Nothing at all reached the proxy: no summary, no credential in clear.
        assert proxy.seen == []
    assert_delivered_once(sync_hub, worker)


def test_an_https_hub_still_goes_through_the_systems_proxy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with Front(502) as proxy:
        proxy_everything(monkeypatch, proxy)
        with (
            HubClient("https://hub.example.org", credential="c", timeout=5.0) as client,
            pytest.raises(Unreachable),
        ):
            client.health()
        # Asked to open a tunnel to the hub: the proxy never sees inside it.
        assert [(s.method, s.path) for s in proxy.seen] == [("CONNECT", "hub.example.org:443")]


# --- redirects and refusals that are not the hub's ------------------------------------------

_TO_HUB = {"Location": "https://hub.example.org/v1/summaries"}
_HTML = {"Content-Type": "text/html"}


@pytest.mark.parametrize(
    ("status", "headers", "body"),
    [
        (301, _TO_HUB, b""),
        (302, _TO_HUB, b""),
        (307, _TO_HUB, b""),
        (308, _TO_HUB, b""),
        (404, {}, b""),
        (404, _HTML, b"<h1>Not Found</h1>"),
        (405, _HTML, b"<h1>Method Not Allowed</h1>"),
        (421, {}, b""),
        (407, {"Proxy-Authenticate": "Basic"}, b""),
        (413, _HTML, b"<h1>413 Request Entity Too Large</h1>"),  # nginx's, not the hub's
        (401, _HTML, b"<h1>Sign in to the portal</h1>"),
        (403, _HTML, b"<h1>Blocked by your organisation's filter</h1>"),
        (422, {"Content-Type": "application/json"}, b'{"code": 422, "message": "no"}'),
        (400, {"Content-Type": "application/json"}, b'{"detail": "no code"}'),
    ],
    ids=lambda v: str(v) if isinstance(v, int) else None,
)
def test_a_redirect_or_a_refusal_not_the_hubs_holds_nothing_and_is_sent_again(
    make_worker: Callable[..., Worker],
    sync_hub: HubProcess,
    status: int,
    headers: dict[str, str],
    body: bytes,
) -> None:
    worker = make_worker(contacts=6)
    approved = worker.approve()

    with Front(status, headers, body) as front:
        report = through(worker, front)
        assert 0 < len(front.seen) <= len(approved)

    assert report.stop is Stop.ADDRESS  # the run stops: the address leads elsewhere
    assert (report.held, report.acknowledged) == (0, 0)
    assert report.failed == len(front.seen)
    assert report.next_try_at is not None
    tried = [i for i in outbox_items(worker) if i.state is ItemState.FAILED]
    assert {i.problem for i in tried} == {"address"}
    assert {i.state for i in outbox_items(worker)} <= {ItemState.FAILED, ItemState.APPROVED}
    assert enrolment.blocked(worker.opened.db) == ""  # enrolling again would not help

    wait_until_due(worker, len(approved))
    again = worker.sync()  # the hub's own address
    assert (again.stop, again.acknowledged, again.held) == (Stop.NONE, len(approved), 0)
    assert_delivered_once(sync_hub, worker)


def test_the_hubs_own_404_for_a_wrong_path_is_a_wrong_address_not_a_bad_item(
    make_worker: Callable[..., Worker], sync_hub: HubProcess
) -> None:
    worker = make_worker(contacts=3)
    approved = worker.approve()

    report = worker.sync(sync_hub.url + "/elsewhere")  # the hub answers not_found itself

    assert (report.stop, report.held, report.failed) == (Stop.ADDRESS, 0, len(approved))
    wait_until_due(worker, len(approved))
    assert worker.sync().acknowledged == len(approved)
    assert_delivered_once(sync_hub, worker)


def test_the_hubs_own_refusal_of_an_item_holds_it(make_worker: Callable[..., Worker]) -> None:
    worker = make_worker(contacts=3)
    approved = worker.approve()
    problem = {"code": "body_too_large", "detail": "over 256 KiB"}
    with Front(413, {"Content-Type": "application/json"}, json.dumps(problem).encode()) as front:
        report = through(worker, front)

    assert (report.held, report.failed) == (len(approved), 0)
    for item in outbox_items(worker):
        assert (item.state, item.problem, item.problem_detail) == (
            ItemState.HELD,
            "body_too_large",
            "over 256 KiB",
        )
    # Held until the worker approves again: the hub's own address does not change that.
    again = worker.sync()
    assert (again.stop, again.held, again.acknowledged) == (Stop.NONE, 0, 0)
    assert {i.state for i in outbox_items(worker)} == {ItemState.HELD}


# --- headers the client must not trip over ---------------------------------------------------


@pytest.mark.parametrize(
    ("status", "retry_after", "date", "waits"),
    [
        # A "-0000" zone parses without a zone: it is still UTC, and a minute after Date.
        (503, "Wed, 21 Oct 2099 07:28:00 GMT", "Wed, 21 Oct 2099 07:27:00 -0000", 60),
        (503, "Wed, 21 Oct 2099 07:28:00 -0000", "Wed, 21 Oct 2099 07:27:00 GMT", 60),
        (429, "\u00b2", None, None),  # a digit to str.isdigit(), not to int()
        (429, "12\u00b3", None, None),
        (429, "9" * 5000, None, 86_400),  # more digits than int() takes: the cap
        (429, "soon", None, None),
        (503, "Wed, 21 Oct 2099 07:28:00 GMT", "yesterday-ish", None),  # against the laptop
    ],
)
def test_odd_retry_after_and_date_headers_stop_the_run_as_the_status_says(
    make_worker: Callable[..., Worker],
    status: int,
    retry_after: str,
    date: str | None,
    waits: int | None,
) -> None:
    worker = make_worker(contacts=3)
    approved = worker.approve()
    before = utc_now()
    with Front(status, {"Retry-After": retry_after}, date=date) as front:
        report = through(worker, front)

    assert report.stop is (Stop.BUSY if status == 429 else Stop.HUB_ERROR)
    assert (report.failed, report.held) == (len(approved), 0)
    for item in outbox_items(worker):
        assert item.state is ItemState.FAILED
        assert item.next_try_at is not None
        if waits is not None:
            assert item.next_try_at >= before + timedelta(seconds=waits)
        elif date is None:  # unreadable: as if absent, the quick backoff alone
            assert item.next_try_at < before + timedelta(minutes=1)
        else:  # a far-off date, read against the laptop's clock: the cap
            assert item.next_try_at >= before + timedelta(hours=23)
