"""Something other than the hub answering at its address: a proxy, a redirect, a web server.

``Front`` answers every request (CONNECT too) with the same status, headers and body, and
records what it was asked, so a test can say both what the app did and what it sent where.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _any(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        front = self.server.front
        with front.lock:
            front.seen.append(Seen(self.command, self.path, dict(self.headers), body))
        if front.before_answer is not None:
            front.before_answer()
        self.send_response(front.status)
        for name, value in front.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(front.body)))
        self.end_headers()
        self.wfile.write(front.body)

    do_GET = do_POST = do_PUT = do_CONNECT = _any

    def date_time_string(self, timestamp: float | None = None) -> str:
        return self.server.front.date or super().date_time_string(timestamp)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    front: Front


class Front:
    def __init__(
        self,
        status: int,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
        *,
        date: str | None = None,  # the Date header, instead of the real one
        before_answer: Callable[[], None] | None = None,
    ) -> None:
        self.status, self.headers, self.body, self.date = status, headers or {}, body, date
        self.before_answer = before_answer
        self.seen: list[Seen] = []
        self.lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.front = self
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Front:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
