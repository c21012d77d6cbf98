"""Numbered, forward-only schema migrations, run on the keyed connection.

Each migration runs in one transaction that also sets ``user_version``; before the
first one runs, an encrypted copy of the vault is taken with the backup API. A vault
from a newer version of the app is refused rather than guessed at.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from outreach.vault.database import Database
from outreach.vault.errors import VaultTooNew


@dataclass(frozen=True)
class Migration:
    version: int
    summary: str
    statements: Sequence[str]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "vault metadata and the audit log",
        (
            """CREATE TABLE meta (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL
            ) STRICT""",
            """CREATE TABLE audit_log (
                id INTEGER PRIMARY KEY,
                at TEXT NOT NULL,
                action TEXT NOT NULL,
                detail TEXT NOT NULL DEFAULT ''
            ) STRICT""",
        ),
    ),
    Migration(
        2,
        "drafts kept as they are typed, and the worker's own settings",
        (
            """CREATE TABLE drafts (
                form_key TEXT PRIMARY KEY,
                content TEXT NOT NULL,
                updated_at TEXT NOT NULL
            ) STRICT""",
            """CREATE TABLE settings (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL
            ) STRICT""",
        ),
    ),
)

LATEST_VERSION = MIGRATIONS[-1].version

BackupTaker = Callable[[Path], None]


def pending(current: int, migrations: Sequence[Migration] = MIGRATIONS) -> list[Migration]:
    latest = migrations[-1].version if migrations else 0
    if current > latest:
        raise VaultTooNew(current, latest)
    return [m for m in migrations if m.version > current]


def migrate(
    db: Database,
    *,
    backup_dir: Path,
    take_backup: BackupTaker,
    now: Callable[[], datetime],
    migrations: Sequence[Migration] = MIGRATIONS,
) -> list[int]:
    """Bring the schema up to date; returns the versions applied."""
    current = db.user_version
    todo = pending(current, migrations)
    if not todo:
        return []
    if current > 0:
        # A fresh vault has nothing to lose; an existing one is copied first.
        backup_dir.mkdir(parents=True, exist_ok=True)
        stamp = now().strftime("%Y%m%dT%H%M%S")
        take_backup(backup_dir / f"before-v{todo[0].version}-{stamp}.vault")
    applied = []
    for migration in todo:
        with db.transaction():
            for statement in migration.statements:
                db.execute(statement)
            db.set_user_version(migration.version)
        applied.append(migration.version)
    return applied
