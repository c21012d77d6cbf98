"""Drafts: what the worker is typing, saved to the vault as they type.

A form's text is kept under a stable key ("scratchpad", "contact:new", ...) until the
form is filed or cleared, so a crash, a flat battery or an auto-lock loses nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from outreach.vault.audit import utc_now
from outreach.vault.database import Database


@dataclass(frozen=True)
class Draft:
    form_key: str
    content: str
    updated_at: datetime


class DraftStore:
    def __init__(self, db: Database, now: Callable[[], datetime] = utc_now) -> None:
        self._db = db
        self._now = now

    def save(self, form_key: str, content: str) -> Draft:
        """Returns only once the transaction has committed: then it is saved."""
        draft = Draft(form_key, content, self._now())
        with self._db.transaction():
            self._db.execute(
                "INSERT INTO drafts (form_key, content, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (form_key) DO UPDATE SET "
                "content = excluded.content, updated_at = excluded.updated_at",
                (form_key, content, draft.updated_at.isoformat()),
            )
        return draft

    def load(self, form_key: str) -> Draft | None:
        rows = self._db.query(
            "SELECT content, updated_at FROM drafts WHERE form_key = ?", (form_key,)
        )
        if not rows:
            return None
        content, updated_at = rows[0]
        return Draft(form_key, content, datetime.fromisoformat(updated_at))

    def with_prefix(self, prefix: str) -> list[Draft]:
        """Drafts whose key starts with prefix, newest first (unfinished contacts)."""
        rows = self._db.query(
            "SELECT form_key, content, updated_at FROM drafts "
            "WHERE substr(form_key, 1, ?) = ? ORDER BY updated_at DESC",
            (len(prefix), prefix),
        )
        return [Draft(key, content, datetime.fromisoformat(at)) for key, content, at in rows]

    def discard(self, form_key: str) -> None:
        with self._db.transaction():
            self._db.execute("DELETE FROM drafts WHERE form_key = ?", (form_key,))
