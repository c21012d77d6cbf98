"""What an administrator does from the command line: teams, users, enrolment, devices.

Secrets (enrolment codes, device credentials) are shown once and stored only as SHA-256
hashes: each is 160 random bits or more, so a hash cannot be turned back by guessing.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)
from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from outreach.contract.summary import Enrolled
from outreach.contract.wipe import public_key_text
from outreach.hub.clock import Clock, stamp, utc_now
from outreach.hub.errors import Refused, invalid, not_found
from outreach.hub.tables import devices, enrolment_codes, hub_secrets, teams, users

ROLES = ("worker", "lead", "admin")


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class DeviceRow:
    id: str
    user: str
    team: str
    label: str
    created_at: str
    last_seen_at: str | None
    revoked_at: str | None


def _clean_name(name: str, what: str) -> str:
    name = " ".join(name.split())
    if not 1 <= len(name) <= 80 or not name.isprintable():
        raise invalid(f"a {what} name is 1 to 80 printable characters")
    return name


class Admin:
    def __init__(self, engine: Engine, *, now: Clock = utc_now) -> None:
        self._engine = engine
        self._now = now

    def add_team(self, name: str) -> int:
        name = _clean_name(name, "team")
        try:
            with self._engine.begin() as conn:
                row = conn.execute(
                    insert(teams).values(name=name, created_at=stamp(self._now()))
                ).inserted_primary_key
        except IntegrityError:
            raise invalid(f"there is already a team called {name!r}") from None
        assert row is not None
        return int(row[0])

    def add_user(self, name: str, team: str, role: str) -> int:
        name = _clean_name(name, "user")
        if role not in ROLES:
            raise invalid(f"a role is one of {', '.join(ROLES)}")
        with self._engine.begin() as conn:
            team_id = conn.scalar(select(teams.c.id).where(teams.c.name == team))
            if team_id is None:
                raise not_found(f"there is no team called {team!r}")
            if conn.scalar(select(users.c.id).where(users.c.name == name)) is not None:
                raise invalid(f"there is already a user called {name!r}")
            row = conn.execute(
                insert(users).values(
                    name=name, team_id=team_id, role=role, created_at=stamp(self._now())
                )
            ).inserted_primary_key
        assert row is not None
        return int(row[0])

    def enrolment_code(self, user: str, hours: int = 72) -> tuple[str, datetime]:
        """A one-time code for ``user`` to enrol a device, and when it stops working."""
        if not 1 <= hours <= 24 * 30:
            raise invalid("an enrolment code lasts from 1 hour to 30 days")
        code = "-".join(secrets.token_hex(3).upper() for _ in range(5))  # 120 bits
        expires = self._now() + timedelta(hours=hours)
        with self._engine.begin() as conn:
            user_id = conn.scalar(select(users.c.id).where(users.c.name == user))
            if user_id is None:
                raise not_found(f"there is no user called {user!r}")
            conn.execute(
                insert(enrolment_codes).values(
                    code_hash=secret_hash(_plain_code(code)),
                    user_id=user_id,
                    created_at=stamp(self._now()),
                    expires_at=stamp(expires),
                )
            )
        return code, expires

    def enrol(self, code: str, label: str) -> Enrolled:
        """Exchange a code for a device credential; the code works once, before it expires."""
        now = stamp(self._now())
        device_id = secrets.token_hex(16)
        secret = secrets.token_urlsafe(32)
        with self._engine.begin() as conn:
            used = conn.execute(
                update(enrolment_codes)
                .where(enrolment_codes.c.code_hash == secret_hash(_plain_code(code)))
                .where(enrolment_codes.c.used_at.is_(None))
                .where(enrolment_codes.c.expires_at > now)
                .values(used_at=now)
                .returning(enrolment_codes.c.user_id)
            ).first()
            if used is None:
                raise Refused(
                    401,
                    "enrolment_refused",
                    "this enrolment code is unknown, used or expired: ask for a new one",
                )
            user = conn.execute(
                select(users.c.id, users.c.name, users.c.role, teams.c.name.label("team"))
                .join(teams, teams.c.id == users.c.team_id)
                .where(users.c.id == used.user_id)
            ).one()
            conn.execute(
                insert(devices).values(
                    id=device_id,
                    user_id=user.id,
                    secret_hash=secret_hash(secret),
                    label=" ".join(label.split())[:80],
                    created_at=now,
                )
            )
            key = signing_key(conn)
        return Enrolled(
            device_id=device_id,
            credential=f"{device_id}.{secret}",
            hub_key=public_key_text(key),
            user=user.name,
            role=user.role,
            team=user.team,
        )

    def devices(self, team: str | None = None) -> list[DeviceRow]:
        query = (
            select(
                devices.c.id,
                users.c.name.label("user"),
                teams.c.name.label("team"),
                devices.c.label,
                devices.c.created_at,
                devices.c.last_seen_at,
                devices.c.revoked_at,
            )
            .join(users, users.c.id == devices.c.user_id)
            .join(teams, teams.c.id == users.c.team_id)
            .order_by(teams.c.name, users.c.name, devices.c.created_at)
        )
        if team is not None:
            query = query.where(teams.c.name == team)
        with self._engine.connect() as conn:
            return [DeviceRow(**row._mapping) for row in conn.execute(query)]

    def revoke(self, device_id: str) -> None:
        """The device's next request is answered with a signed wipe instruction."""
        with self._engine.begin() as conn:
            found = conn.execute(
                update(devices)
                .where(devices.c.id == device_id)
                .values(revoked_at=func.coalesce(devices.c.revoked_at, stamp(self._now())))
            ).rowcount
        if not found:
            raise not_found(f"there is no device {device_id!r}")


def _plain_code(code: str) -> str:
    """Codes are read aloud and typed: case, spaces and dashes do not matter."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def signing_key(conn: Connection) -> Ed25519PrivateKey:
    """The hub's wipe-signing key, made once and shared by every hub process."""
    pem = conn.scalar(select(hub_secrets.c.value).where(hub_secrets.c.name == "wipe_key"))
    if pem is None:
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()
        try:
            with conn.begin_nested():
                conn.execute(insert(hub_secrets).values(name="wipe_key", value=pem))
        except IntegrityError:  # another process made it first
            pem = conn.scalar(select(hub_secrets.c.value).where(hub_secrets.c.name == "wipe_key"))
            assert pem is not None
    loaded = load_pem_private_key(pem.encode(), password=None)
    assert isinstance(loaded, Ed25519PrivateKey)
    return loaded
