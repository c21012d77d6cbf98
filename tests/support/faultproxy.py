"""An HTTP proxy between the app and a real hub that misbehaves on purpose.

Each request the proxy receives either passes through to the hub or meets the fault that is
set, for the requests it matches (by default every POST to /v1/summaries), on every Nth of
them or with a probability:

- ``PASS``: forwarded, and the hub's answer relayed;
- ``ERROR``: answered 500 (or ``status``) without forwarding;
- ``HANG``: never answered and never forwarded, so the client's read timeout fires;
- ``HANG_AFTER_COMMIT``: forwarded (the hub commits), then never answered;
- ``SLOW``: forwarded after ``delay`` seconds, then answered;
- ``DROP_ACK``: forwarded (the hub commits), then the client's connection is closed without
  a word of the answer, as when the network drops the acknowledgement;
- ``BUSY``: answered 429 (or 503, ``status``) with ``Retry-After`` without forwarding.

Hung requests stay hung until ``release()`` or ``close()``. Counters say what happened, so a
test waits on them rather than on the clock.
"""

from __future__ import annotations

import json
import random
import threading
import traceback
from dataclasses import dataclass, field
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import httpx


class Fault(StrEnum):
    PASS = "pass"
    ERROR = "error"
    HANG = "hang"
    HANG_AFTER_COMMIT = "hang_after_commit"
    SLOW = "slow"
    DROP_ACK = "drop_ack"
    BUSY = "busy"


# Not relayed either way: they describe one hop, or the proxy writes its own.
_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
        "content-encoding",
        "accept-encoding",
        "date",
        "server",
    }
)


@dataclass(frozen=True)
class Plan:
    """Which requests meet which fault."""

    fault: Fault = Fault.PASS
    every: int = 1  # every Nth matching request (1: all of them) ...
    probability: float | None = None  # ... or each with this probability instead
    delay: float = 0.0  # SLOW: seconds before forwarding
    status: int = 0  # ERROR: 500 unless set; BUSY: 429 unless set
    retry_after: str = "1"  # BUSY: the Retry-After header, seconds or an HTTP date
    method: str | None = "POST"  # None: any method
    path: str | None = "/v1/summaries"  # a prefix; None: any path


@dataclass
class Counts:
    received: list[tuple[str, str]] = field(default_factory=list)  # (method, path), every one
    forwarded: list[tuple[str, str, int]] = field(default_factory=list)  # and the hub's status
    faults: dict[Fault, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # the proxy's own failures, if any


class FaultProxy:
    """``with FaultProxy(hub.url, seed=...) as proxy``; the app talks to ``proxy.url``."""

    def __init__(self, target: str, *, seed: int = 0) -> None:
        self.target = target.rstrip("/")
        self._plan = Plan()
        self._lock = threading.Lock()
        self._matched = 0
        self._rng = random.Random(seed)
        self._release = threading.Event()
        self._upstream = httpx.Client(base_url=self.target, timeout=60.0)
        self.counts = Counts()
        self._server = _Server(self)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="fault-proxy", daemon=True
        )
        self._thread.start()

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- what the test sets ------------------------------------------------------------

    def set(self, fault: Fault = Fault.PASS, **options: Any) -> None:
        """From now on, matching requests meet ``fault`` (see ``Plan`` for the options)."""
        with self._lock:
            self._plan = Plan(fault, **options)
            self._matched = 0

    def release(self) -> None:
        """Let every hung request go: its connection closes, still without an answer."""
        self._release.set()
        with self._lock:
            self._release = threading.Event()

    def fault_count(self, fault: Fault) -> int:
        with self._lock:
            return self.counts.faults.get(fault, 0)

    def received(self, method: str | None = "POST", path: str = "/v1/summaries") -> int:
        """How many such requests the proxy received (method None: any)."""
        with self._lock:
            return sum(
                1 for m, p in self.counts.received if method in (None, m) and p.startswith(path)
            )

    def forwarded(self, method: str = "POST", path: str = "/v1/summaries") -> int:
        """How many such requests reached the hub."""
        with self._lock:
            return sum(1 for m, p, _ in self.counts.forwarded if m == method and p.startswith(path))

    def errors(self) -> list[str]:
        with self._lock:
            return list(self.counts.errors)

    def close(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)
        self._upstream.close()

    # --- what each request meets --------------------------------------------------------

    def _choose(self, method: str, path: str) -> tuple[Fault, Plan, threading.Event]:
        with self._lock:
            plan = self._plan
            self.counts.received.append((method, path))
            matches = (plan.method is None or plan.method == method) and (
                plan.path is None or path.startswith(plan.path)
            )
            fault = Fault.PASS
            if matches and plan.fault is not Fault.PASS:
                self._matched += 1
                if plan.probability is not None:
                    hit = self._rng.random() < plan.probability
                else:
                    hit = self._matched % max(plan.every, 1) == 0
                fault = plan.fault if hit else Fault.PASS
            self.counts.faults[fault] = self.counts.faults.get(fault, 0) + 1
            return fault, plan, self._release

    def _forward(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> httpx.Response:
        response = self._upstream.request(
            method, path, content=body, headers={**headers, "Accept-Encoding": "identity"}
        )
        with self._lock:
            self.counts.forwarded.append((method, path, response.status_code))
        return response

    def _failed(self, text: str) -> None:
        with self._lock:
            self.counts.errors.append(text)


class _Server(ThreadingHTTPServer):
    request_queue_size = 64  # the app opens several connections at once
    daemon_threads = True  # a hung request never holds up the end of a test

    def __init__(self, owner: FaultProxy) -> None:
        self.owner = owner
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Kept for the test to see, rather than printed."""
        self.owner._failed(traceback.format_exc())


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive, as the app's connection pool expects

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read the counters instead."""

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if len(body) < length:  # the app was killed while sending: nothing to forward
            self._hang_up()
            return
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
        proxy = self.server.owner
        fault, plan, release = proxy._choose(self.command, self.path)
        if fault is Fault.HANG:
            release.wait()
            self._hang_up()
            return
        if fault is Fault.ERROR:
            self._problem(plan.status or 500, "fault_proxy", "the proxy answered for the hub")
            return
        if fault is Fault.BUSY:
            self._problem(
                plan.status or 429,
                "rate_limited" if (plan.status or 429) == 429 else "unavailable",
                "the proxy says the hub is busy",
                {"Retry-After": plan.retry_after},
            )
            return
        if fault is Fault.SLOW:
            release.wait(plan.delay)  # the fault itself: a slow network or hub
        try:
            response = proxy._forward(self.command, self.path, headers, body)
        except httpx.TransportError as exc:
            proxy._failed(f"the hub did not answer: {exc!r}")
            self._problem(502, "bad_gateway", "the hub did not answer the proxy")
            return
        if fault is Fault.DROP_ACK:
            self._hang_up()
            return
        if fault is Fault.HANG_AFTER_COMMIT:
            release.wait()
            self._hang_up()
            return
        self.send_response(response.status_code)
        for name, value in response.headers.multi_items():
            if name.lower() not in _HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.content)))
        self.end_headers()
        self.wfile.write(response.content)

    def _hang_up(self) -> None:
        """Close the connection without a byte of an answer."""
        self.close_connection = True

    def _problem(
        self, status: int, code: str, detail: str, extra: dict[str, str] | None = None
    ) -> None:
        body = json.dumps({"status": status, "code": code, "detail": detail}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/problem+json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def handle_one_request(self) -> None:
        # The app may be killed mid-request: a vanished client is not the proxy's failure.
        try:
            super().handle_one_request()
        except (ConnectionError, TimeoutError):
            self.close_connection = True
