"""Refusals the hub answers with: an HTTP status, a stable code and words a person can act on."""

from __future__ import annotations


class Refused(Exception):
    def __init__(
        self, status: int, code: str, detail: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers or {}


def unauthorised(detail: str) -> Refused:
    return Refused(401, "unauthorised", detail, {"WWW-Authenticate": "Bearer"})


def forbidden(detail: str) -> Refused:
    return Refused(403, "forbidden", detail)


def not_found(detail: str) -> Refused:
    return Refused(404, "not_found", detail)


def invalid(detail: str, code: str = "invalid") -> Refused:
    return Refused(422, code, detail)
