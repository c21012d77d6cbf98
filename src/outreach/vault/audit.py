"""The vault's own audit log: what was done and when, never what a record says."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from outreach.vault.database import Database

ACTOR_SINCE = 3  # the schema version that added audit_log.actor

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
        "match_decided",
        "nudge_acknowledged",
        "hub_enrolled",
        "summary_approved",
        "synced",
        "reviews_received",
        "detail_purged",
        "review_recorded",
    }
)


# A NamedTuple, not a dataclass: defined without compiling methods, before the first window.
class AuditEntry(NamedTuple):
    at: datetime
    action: str
    detail: str
    actor: str = ""


def current_actor() -> str:
    """The computer account the app runs under: who did it, in a vault one worker uses."""
    import getpass  # with termios: not before the app's first window

    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):
        return ""


def utc_now() -> datetime:
    return datetime.now(UTC)


def record(
    db: Database, action: str, detail: str = "", *, now: Callable[[], datetime] = utc_now
) -> None:
    if action not in ACTIONS:
        raise ValueError("unknown audit action")
    if db.user_version >= ACTOR_SINCE:
        db.execute(
            "INSERT INTO audit_log (at, action, detail, actor) VALUES (?, ?, ?, ?)",
            (now().isoformat(), action, detail, current_actor()),
        )
    else:  # during the first migrations, before the column exists
        db.execute(
            "INSERT INTO audit_log (at, action, detail) VALUES (?, ?, ?)",
            (now().isoformat(), action, detail),
        )


def entries(db: Database) -> list[AuditEntry]:
    if db.user_version < ACTOR_SINCE:
        rows = db.query("SELECT at, action, detail, '' FROM audit_log ORDER BY id")
    else:
        rows = db.query("SELECT at, action, detail, actor FROM audit_log ORDER BY id")
    return [
        AuditEntry(datetime.fromisoformat(at), action, detail, actor)
        for at, action, detail, actor in rows
    ]
