"""The hub this vault is enrolled with, kept in the vault (the credential is a secret)."""

from __future__ import annotations

import platform
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from outreach.contract.summary import Enrolled
from outreach.records.codec import utc_stamp
from outreach.vault import audit
from outreach.vault.audit import utc_now
from outreach.vault.database import Database

_BLOCKED = "sync.blocked"


@dataclass(frozen=True)
class Enrolment:
    address: str
    device_id: str
    credential: str
    hub_key: str  # verifies a wipe instruction
    user: str
    role: str
    team: str
    enrolled_at: datetime


def current(db: Database) -> Enrolment | None:
    rows = db.query(
        "SELECT address, device_id, credential, hub_key, user, role, team, enrolled_at "
        "FROM hub_enrolment WHERE id = 1"
    )
    if not rows:
        return None
    address, device_id, credential, hub_key, user, role, team, at = rows[0]
    return Enrolment(
        address, device_id, credential, hub_key, user, role, team, datetime.fromisoformat(at)
    )


def elsewhere(found: Enrolment, policy_address: str | None) -> bool:
    """Whether IT's policy names a hub other than the one this laptop enrolled with: then
    nothing may go to the old one (a hub moved, or a laptop enrolled with a test hub
    before the policy came), and the laptop must enrol again."""
    if not policy_address:
        return False
    return _where(policy_address) != _where(found.address)


def _where(address: str) -> tuple[str, str, int | None, str]:
    parts = urlsplit(address.strip())
    port = parts.port or {"https": 443, "http": 80}.get(parts.scheme.lower())
    return parts.scheme.lower(), (parts.hostname or "").lower(), port, parts.path.rstrip("/")


def save(
    db: Database, address: str, enrolled: Enrolled, *, now: Callable[[], datetime] = utc_now
) -> Enrolment:
    """Record a new enrolment, replacing any earlier one, and lift a block on syncing."""
    stamp = utc_stamp(now())
    with db.transaction():
        db.execute("DELETE FROM hub_enrolment")
        db.execute(
            "INSERT INTO hub_enrolment (id, address, device_id, credential, hub_key, user, "
            "role, team, enrolled_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                address,
                enrolled.device_id,
                enrolled.credential,
                enrolled.hub_key,
                enrolled.user,
                enrolled.role,
                enrolled.team,
                stamp,
            ),
        )
        db.execute("DELETE FROM meta WHERE key = ?", (_BLOCKED,))
        audit.record(db, "hub_enrolled", now=now)
    found = current(db)
    assert found is not None
    return found


def blocked(db: Database) -> str:
    """Why syncing waits for the worker ("auth", "forbidden"), or "" when it may run."""
    return str(db.scalar("SELECT value FROM meta WHERE key = ?", (_BLOCKED,)) or "")


def block(db: Database, reason: str) -> None:
    with db.transaction():
        db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (_BLOCKED, reason),
        )


class EnrolmentRefused(Exception):
    """The hub would not enrol this code: ``code`` is the hub's (``enrolment_code_invalid``
    and so on), ``status`` the HTTP status."""

    def __init__(self, status: int, code: str) -> None:
        super().__init__(status, code)
        self.status = status
        self.code = code


def device_label() -> str:
    """What tells this laptop apart in the hub's list of devices (``outreach-hub devices``),
    so IT can revoke the one that was lost: its host name."""
    return platform.node().strip()[:80]


def enrol(
    db: Database,
    address: str,
    code: str,
    *,
    label: str | None = None,
    pinned_ca: str | None = None,
    now: Callable[[], datetime] = utc_now,
) -> Enrolment:
    """Exchange a one-time code for this vault's device credential. Raises ``BadAddress``,
    ``Unreachable`` or ``EnrolmentRefused``; nothing is stored unless the hub enrolled it."""
    from outreach.sync.client import HubClient, check_address

    base = check_address(address)
    with HubClient(base, pinned_ca=pinned_ca) as client:
        answer = client.enrol(code.strip(), device_label() if label is None else label)
    if not isinstance(answer, Enrolled):
        raise EnrolmentRefused(answer.status, answer.code)
    return save(db, base, answer, now=now)
