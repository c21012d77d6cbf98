"""Who is calling: a device credential checked against its hash, with a per-device rate.

A request is checked with a plain read (who the device belongs to, whether it is revoked,
whether its one-minute window is used up) and counted with one ``UPDATE`` as the last
statement before its transaction commits. Counting last holds the device's row lock only
while the transaction commits, so one device's submissions (a laptop back from a month
offline sends several at once) run side by side instead of one at a time; and the row is
always the last lock a request takes, so it cannot be part of a deadlock. No hub process
keeps state of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Connection, Engine, and_, bindparam, case, select, update

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
# Who the device (``b_device``, ``b_hash``) belongs to: the columns ``caller_from`` reads.
# A submission reads them in the same statement as its key (see submit.py).
IDENTITY = (
    devices.c.revoked_at,
    devices.c.rate_window,
    devices.c.rate_count,
    devices.c.user_id,
    users.c.name,
    users.c.role,
    users.c.team_id,
    teams.c.name.label("team"),
)
IDENTITY_FROM = devices.join(users, users.c.id == devices.c.user_id).join(
    teams, teams.c.id == users.c.team_id
)
IDENTITY_WHERE = and_(
    devices.c.id == bindparam("b_device"),
    # Hashes of a 256-bit secret: comparing them in SQL leaks nothing useful.
    devices.c.secret_hash == bindparam("b_hash"),
)
_IDENTIFY = select(*IDENTITY).select_from(IDENTITY_FROM).where(IDENTITY_WHERE)
_COUNT = (
    update(devices)
    .where(devices.c.id == bindparam("b_device"))
    .values(
        rate_count=case(
            (devices.c.rate_window == bindparam("b_window"), devices.c.rate_count + 1), else_=1
        ),
        rate_window=bindparam("b_window"),
        last_seen_at=bindparam("b_now"),
        # Only ever raised: submissions committing in any order each bring what they saw.
        seq_floor=case(
            (bindparam("b_floor", type_=BigInteger) > devices.c.seq_floor, bindparam("b_floor")),
            else_=devices.c.seq_floor,
        ),
    )
    .returning(devices.c.rate_count)
)


DEVICE_ID_LENGTH = 32  # secrets.token_hex(16)
_HEX = frozenset("0123456789abcdef")


def credential(authorization: str | None) -> tuple[str, str]:
    """(device id, secret) from an Authorization header, or 401 saying what is missing."""
    if not authorization:
        raise unauthorised("this request needs the device's credential (Authorization: Bearer)")
    scheme, _, value = authorization.partition(" ")
    device_id, _, secret = value.strip().partition(".")
    if scheme.lower() != "bearer" or not device_id or not secret:
        raise unauthorised("the Authorization header is not 'Bearer <credential>'")
    # Only ids the hub made (Admin.enrol): nothing is looked up, counted or signed for
    # an id a caller made up.
    if len(device_id) != DEVICE_ID_LENGTH or not set(device_id) <= _HEX:
        raise unauthorised("this device credential is not known to the hub")
    return device_id, secret


class Authenticator:
    def __init__(self, engine: Engine, *, per_minute: int, now: Clock = utc_now) -> None:
        self._engine = engine
        self._per_minute = per_minute
        self._now = now

    def caller(self, authorization: str | None) -> Caller:
        """The caller of a request that writes nothing else, checked and counted."""
        with self._engine.begin() as conn:
            caller = self.check(conn, authorization)
            self.count(conn, caller)
            return caller

    def check(self, conn: Connection, authorization: str | None) -> Caller:
        """The caller, or 401, 403 with a wipe instruction, or 429 if the device's window
        is already used up. Reads only: ``count`` the request before committing."""
        return self.caller_from(
            conn, authorization, conn.execute(_IDENTIFY, identity_values(authorization)).first()
        )

    def caller_from(self, conn: Connection, authorization: str | None, row: Any) -> Caller:
        """``check`` on a row of ``IDENTITY`` (or None) read by the caller's own statement."""
        device_id, _secret = credential(authorization)
        now = self._now()
        if row is None:
            raise unauthorised("this device credential is not known to the hub")
        if row.revoked_at is not None:
            instruction = sign(signing_key(conn), device_id, unstamp(row.revoked_at))
            raise Revoked(instruction.model_dump(mode="json"))
        if row.rate_window == _window(now) and row.rate_count >= self._per_minute:
            raise _rate_limited(now)
        return Caller(device_id, row.user_id, row.name, row.role, row.team_id, row.team)

    def count(self, conn: Connection, caller: Caller, seq_floor: int = 0) -> None:
        """Count the request in the device's window: the last statement of its transaction.
        Requests that raced past ``check`` together are refused here, and the refusal rolls
        back what they did. ``seq_floor``: a running number up to which every one has now
        arrived, if the request found one (else 0)."""
        self.verdict(conn.execute(_COUNT, self.count_values(caller, seq_floor)).scalar_one())

    def count_values(self, caller: Caller, seq_floor: int = 0) -> dict[str, object]:
        """The parameters of the count (``b_device``, ``b_window``, ``b_now``, ``b_floor``),
        for a statement that counts as part of a larger one."""
        now = self._now()
        return {
            "b_device": caller.device_id,
            "b_window": _window(now),
            "b_now": stamp(now),
            "b_floor": seq_floor,
        }

    def rate_values(self, now: datetime) -> dict[str, int]:
        """The parameters of a count that checks the rate itself (``window``, ``per_minute``)."""
        return {"window": _window(now), "per_minute": self._per_minute}

    def verdict(self, counted: int) -> None:
        """429 if the request just counted is over the device's rate."""
        if counted > self._per_minute:
            raise _rate_limited(self._now())


def identity_values(authorization: str | None) -> dict[str, str]:
    """The parameters of ``IDENTITY_WHERE`` for this credential."""
    device_id, secret = credential(authorization)
    return {"b_device": device_id, "b_hash": secret_hash(secret)}


def _window(now: datetime) -> int:
    return int(now.timestamp() // 60)


def _rate_limited(now: datetime) -> Refused:
    wait = 60 - int(now.timestamp()) % 60
    return Refused(
        429,
        "rate_limited",
        f"too many requests from this device: try again in {wait} seconds",
        {"Retry-After": str(wait)},
    )
