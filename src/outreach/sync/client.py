"""The hub's HTTP API as the app uses it: enrol, submit, read reviews; for a team lead, the
team feed, reviewing and the team-wide links.

TLS trusts the operating system's certificate store (truststore), or only the CA that
policy pins; there is no switch to turn verification off. Plain HTTP is accepted for a
loopback address alone (a hub on the same machine, as in the tests), and a loopback
address never goes through a proxy; any other goes through the one the system names.
"""

from __future__ import annotations

import json
import re
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

import httpx
import truststore

from outreach import __version__
from outreach.config.hub import BadAddress, _is_loopback, check_address
from outreach.contract.summary import Enrolled, Enrolment, Review, TeamFeed, TeamLink

SUBMIT_PATH = "/v1/summaries"
_SUMMARY_ID = re.compile(r"[0-9a-f]{32}")
_SECONDS = re.compile(r"[0-9]+")  # ASCII only: str.isdigit() takes "²", which int() refuses
_PROBLEM_CODE = re.compile(r"[a-z][a-z0-9_]{0,79}")  # how the hub's codes are spelt
_DAY = 86_400
__all__ = ["Answer", "BadAddress", "HubClient", "Unreachable", "check_address"]


class Unreachable(Exception):
    """No answer from the hub: ``reason`` is "offline", "timeout", "tls" or "protocol"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    retry_after: float | None  # seconds, from Retry-After (a date is read against Date)
    code: str  # the hub's Problem code for a 4xx or 5xx that carries one, else ""
    detail: str
    wipe: dict[str, object] | None  # the signed instruction on 403 device_revoked
    hub_time: datetime | None  # the hub's Date header


def tls_context(pinned_ca: str | None = None) -> ssl.SSLContext:
    """The OS trust store, or only the pinned CA (PEM text, or the path of a PEM file).
    A pin that cannot be read or holds no certificate raises OSError (ssl.SSLError is one)."""
    if not pinned_ca:
        return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    # Not create_default_context: it loads the OS store too, and a pin must be the only
    # trust. PROTOCOL_TLS_CLIENT verifies the chain and the host name.
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_verify_locations(cadata=_pem(pinned_ca))
    except (UnicodeError, TypeError) as exc:  # not ASCII: one kind of error for callers
        raise ssl.SSLError("the pinned CA is not ASCII PEM") from exc
    return context


def _pem(value: str) -> str:
    if "-----BEGIN" in value:
        return value
    return Path(value).read_text(encoding="ascii")


def http_date(value: str | None) -> datetime | None:
    """An HTTP date, always aware (a "-0000" zone parses naive: it is UTC), or None for
    anything that is not one."""
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def retry_after(value: str | None, hub_time: datetime | None, now: datetime) -> float | None:
    """Seconds to wait, or None when there is no usable value. A date is measured against
    the hub's own Date header when there is one, so a laptop whose clock is wrong still
    waits as long as the hub meant."""
    if not value:
        return None
    value = value.strip()
    if _SECONDS.fullmatch(value):
        digits = value.lstrip("0") or "0"
        # Capped before int(): thousands of digits are a ValueError, not a long wait.
        return float(min(int(digits), _DAY)) if len(digits) <= 6 else float(_DAY)
    when = http_date(value)
    if when is None:
        return None
    since = hub_time or now
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return max(0.0, min((when - since).total_seconds(), float(_DAY)))


class HubClient:
    """One connection pool to one hub. Thread-safe, as httpx's client is."""

    def __init__(
        self,
        address: str,
        *,
        credential: str = "",
        pinned_ca: str | None = None,
        timeout: float = 30.0,
        connections: int = 8,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        base = check_address(address)
        headers = {"User-Agent": f"outreach/{__version__}"}
        if credential:
            headers["Authorization"] = f"Bearer {credential}"
        verify: ssl.SSLContext | bool = True
        if base.startswith("https:"):
            verify = tls_context(pinned_ca)
        self._http = httpx.Client(
            # trust_env is what reads HTTP_PROXY, ALL_PROXY and the system's proxy settings.
            # A proxy would see plain HTTP to loopback in clear, credential and all, and
            # could not reach this machine's loopback anyway; an agency's HTTPS hub may
            # only be reachable through one.
            trust_env=not _is_loopback(urlsplit(base).hostname or ""),
            base_url=base,
            headers=headers,
            verify=verify,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
            transport=transport,
            follow_redirects=False,
        )

    def __enter__(self) -> HubClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _request(
        self, method: str, path: str, *, body: bytes | None = None, key: str | None = None,
        params: dict[str, int | str] | None = None,
    ) -> Answer:  # fmt: skip
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if key:
            headers["Idempotency-Key"] = key
        try:
            response = self._http.request(
                method, path, content=body, headers=headers, params=params
            )
        except httpx.TimeoutException:
            raise Unreachable("timeout") from None
        except httpx.ConnectError as exc:
            raise Unreachable("tls" if _tls_failure(exc) else "offline") from None
        except (httpx.TransportError, httpx.DecodingError):
            raise Unreachable("protocol") from None
        return _answer(response)

    def health(self) -> bool:
        """A cheap probe: does the hub answer at all?"""
        return self._request("GET", "/health").status == 200

    def enrol(self, code: str, label: str = "") -> Enrolled | Answer:
        body = Enrolment(code=code, device_label=label).model_dump_json().encode()
        answer = self._request("POST", "/v1/enrol", body=body)
        if answer.status == 201:
            return Enrolled.model_validate_json(answer.body)
        return answer

    def submit(self, body: bytes, key: str) -> Answer:
        return self._request("POST", SUBMIT_PATH, body=body, key=key)

    def reviews(self, after: int, limit: int = 200) -> list[Review] | Answer:
        """Reviews with an id above ``after``, oldest first: a worker's own summaries', or
        for a lead's device the whole team's."""
        answer = self._request("GET", "/v1/reviews", params={"after": after, "limit": limit})
        if answer.status != 200:
            return answer
        try:
            raw = json.loads(answer.body)
            return [Review.model_validate(r) for r in raw]
        except (ValueError, TypeError, RecursionError):
            raise Unreachable("protocol") from None

    # --- a team lead's ------------------------------------------------------------------

    def team_feed(self, after: int, limit: int = 500) -> TeamFeed | Answer:
        """Every version of every summary of the lead's team with a seq above ``after``."""
        answer = self._request("GET", "/v1/team/feed", params={"after": after, "limit": limit})
        if answer.status != 200:
            return answer
        try:
            return TeamFeed.model_validate_json(answer.body)
        except ValueError:
            raise Unreachable("protocol") from None

    def post_review(self, summary_id: str, body: bytes, key: str) -> Answer:
        """Send a review (``body`` is the exact ReviewIn JSON) under its idempotency key:
        the same key and body answer the review first recorded."""
        if not _SUMMARY_ID.fullmatch(summary_id):
            raise ValueError("not a summary id")
        return self._request("POST", f"{SUBMIT_PATH}/{summary_id}/reviews", body=body, key=key)

    def team_links(self) -> list[TeamLink] | Answer:
        """The team-wide links: things seen with two or more young people or workers, the
        possible matches too (a hub of an earlier version ignores the asking: same only)."""
        answer = self._request("GET", "/v1/links", params={"possible": "true"})
        if answer.status != 200:
            return answer
        try:
            raw = json.loads(answer.body)
            if not isinstance(raw, list):
                raise ValueError("not a list")
            return [TeamLink.model_validate(r) for r in raw]
        except (ValueError, RecursionError):
            raise Unreachable("protocol") from None


def _tls_failure(exc: BaseException) -> bool:
    """Whether an SSL error lies anywhere under ``exc``: httpx wraps httpcore's error,
    which wraps the ssl module's, so the cause is two links down, not one."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _problem(response: httpx.Response) -> dict[str, object] | None:
    """The hub's Problem body (JSON with a code spelt as the hub spells them and a detail),
    or None: a proxy's or a web server's error page is not the hub refusing anything."""
    media = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if response.status_code < 400 or media != "application/json":
        return None
    try:
        problem = json.loads(response.content)
    except (ValueError, RecursionError):
        return None
    if not isinstance(problem, dict):
        return None
    code, detail = problem.get("code"), problem.get("detail")
    if not (isinstance(code, str) and _PROBLEM_CODE.fullmatch(code) and isinstance(detail, str)):
        return None
    return problem


def _answer(response: httpx.Response) -> Answer:
    hub_time = http_date(response.headers.get("date"))
    code, detail, wipe = "", "", None
    problem = _problem(response)
    if problem is not None:
        code = str(problem["code"])
        detail = str(problem["detail"])[:1000]
        raw_wipe = problem.get("wipe")
        wipe = raw_wipe if isinstance(raw_wipe, dict) else None
    return Answer(
        status=response.status_code,
        body=response.content,
        retry_after=retry_after(response.headers.get("retry-after"), hub_time, datetime.now(UTC)),
        code=code,
        detail=detail,
        wipe=wipe,
        hub_time=hub_time,
    )
