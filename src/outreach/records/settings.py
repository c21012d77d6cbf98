"""The worker's own settings, kept in the vault, with IT policy laid over them."""

from __future__ import annotations

from dataclasses import dataclass

from outreach.config.policy import Policy
from outreach.vault.database import Database


@dataclass(frozen=True)
class EffectiveSetting:
    name: str
    value: int
    managed: bool


class WorkerSettings:
    """Settings a worker may choose unless the organisation manages them."""

    def __init__(self, db: Database, policy: Policy) -> None:
        self._db = db
        self._policy = policy

    def idle_lock_minutes(self) -> EffectiveSetting:
        if self._policy.is_managed("idle_lock_minutes"):
            return EffectiveSetting("idle_lock_minutes", self._policy.idle_lock_minutes, True)
        stored = self._db.scalar("SELECT value FROM settings WHERE key = 'idle_lock_minutes'")
        value = int(stored) if stored is not None else self._policy.idle_lock_minutes
        return EffectiveSetting("idle_lock_minutes", value, False)

    def set_idle_lock_minutes(self, minutes: int) -> None:
        if self._policy.is_managed("idle_lock_minutes"):
            raise PermissionError("idle_lock_minutes is managed by policy")
        if not 1 <= minutes <= 240:
            raise ValueError("idle lock must be between 1 and 240 minutes")
        with self._db.transaction():
            self._db.execute(
                "INSERT INTO settings (key, value) VALUES ('idle_lock_minutes', ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (str(minutes),),
            )
