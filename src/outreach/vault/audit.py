"""The vault's own audit log: what was done and when, never what a record says."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from outreach.vault.database import Database

ACTIONS = frozenset(
    {
        "vault_created",
        "unlocked",
        "passphrase_changed",
        "recovered",
        "backup_made",
        "migrated",
        "integrity_failed",
        "keyring_bound",
        "recovery_sealed",
        "person_created",
        "person_updated",
        "contact_sealed",
        "contact_amended",
        "draft_discarded",
        "export_made",
    }
)


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    action: str
    detail: str


def utc_now() -> datetime:
    return datetime.now(UTC)


def record(
    db: Database, action: str, detail: str = "", *, now: Callable[[], datetime] = utc_now
) -> None:
    if action not in ACTIONS:
        raise ValueError("unknown audit action")
    db.execute(
        "INSERT INTO audit_log (at, action, detail) VALUES (?, ?, ?)",
        (now().isoformat(), action, detail),
    )


def entries(db: Database) -> list[AuditEntry]:
    rows = db.query("SELECT at, action, detail FROM audit_log ORDER BY id")
    return [AuditEntry(datetime.fromisoformat(at), action, detail) for at, action, detail in rows]
