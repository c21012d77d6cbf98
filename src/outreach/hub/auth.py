"""Who is calling: a device credential checked against its hash, with a per-device rate.

One UPDATE ... RETURNING both counts the request in the device's one-minute window and
reads who the device belongs to, so no hub process keeps state of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine, bindparam, case, select, update

from outreach.contract.wipe import sign
from outreach.hub.admin import secret_hash, signing_key
from outreach.hub.clock import Clock, stamp, unstamp, utc_now
from outreach.hub.errors import Refused, unauthorised
from outreach.hub.tables import devices, teams, users


@dataclass(frozen=True)
class Caller:
    device_id: str
    user_id: int
    user: str
    role: str
    team_id: int
    team: str


class Revoked(Refused):
    """A revoked device: the answer carries a wipe instruction signed by the hub."""

    def __init__(self, instruction: dict[str, str]) -> None:
        super().__init__(
            403, "device_revoked", "this device has been revoked: its vault is to be wiped"
        )
        self.instruction = instruction


# Built once: constructing a statement costs more than running it (SQLAlchemy memoizes the
# cache key of a statement object, not of one rebuilt per request).
_COUNT_REQUEST = (
    update(devices)
    .where(devices.c.id == bindparam("b_device"))
    # Hashes of a 256-bit secret: comparing them in SQL leaks nothing useful.
    .where(devices.c.secret_hash == bindparam("b_hash"))
    .values(
        rate_count=case(
            (devices.c.rate_window == bindparam("b_window"), devices.c.rate_count + 1), else_=1
        ),
        rate_window=bindparam("b_window"),
        last_seen_at=bindparam("b_now"),
    )
    .returning(devices.c.revoked_at, devices.c.rate_count, devices.c.user_id)
)
# PostgreSQL's UPDATE ... FROM returns the user and team in the same round trip; SQLite's
# RETURNING sees only the table it updates, so there the user is a second statement.
_COUNT_REQUEST_WITH_USER = _COUNT_REQUEST.where(
    users.c.id == devices.c.user_id, teams.c.id == users.c.team_id
).returning(users.c.name, users.c.role, users.c.team_id, teams.c.name.label("team"))
_USER = (
    select(users.c.name, users.c.role, users.c.team_id, teams.c.name.label("team"))
    .join(teams, teams.c.id == users.c.team_id)
    .where(users.c.id == bindparam("b_user"))
)


def credential(authorization: str | None) -> tuple[str, str]:
    """(device id, secret) from an Authorization header, or 401 saying what is missing."""
    if not authorization:
        raise unauthorised("this request needs the device's credential (Authorization: Bearer)")
    scheme, _, value = authorization.partition(" ")
    device_id, _, secret = value.strip().partition(".")
    if scheme.lower() != "bearer" or not device_id or not secret:
        raise unauthorised("the Authorization header is not 'Bearer <credential>'")
    return device_id, secret


class Authenticator:
    def __init__(self, engine: Engine, *, per_minute: int, now: Clock = utc_now) -> None:
        self._engine = engine
        self._per_minute = per_minute
        self._now = now
        self._with_user = engine.dialect.name == "postgresql"

    def caller(self, authorization: str | None) -> Caller:
        with self._engine.begin() as conn:
            return self.check(conn, authorization)

    def check(self, conn: Connection, authorization: str | None) -> Caller:
        """The caller, inside the caller's transaction (the request is counted in it)."""
        device_id, secret = credential(authorization)
        now = self._now()
        window = int(now.timestamp() // 60)
        row = conn.execute(
            _COUNT_REQUEST_WITH_USER if self._with_user else _COUNT_REQUEST,
            {
                "b_device": device_id[:32],
                "b_hash": secret_hash(secret),
                "b_window": window,
                "b_now": stamp(now),
            },
        ).first()
        if row is None:
            raise unauthorised("this device credential is not known to the hub")
        if row.revoked_at is not None:
            instruction = sign(signing_key(conn), device_id, unstamp(row.revoked_at))
            raise Revoked(instruction.model_dump(mode="json"))
        if row.rate_count > self._per_minute:
            wait = 60 - int(now.timestamp()) % 60
            raise Refused(
                429,
                "rate_limited",
                f"too many requests from this device: try again in {wait} seconds",
                {"Retry-After": str(wait)},
            )
        user = row if self._with_user else conn.execute(_USER, {"b_user": row.user_id}).one()
        return Caller(device_id, row.user_id, user.name, user.role, user.team_id, user.team)
