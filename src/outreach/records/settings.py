"""The worker's own settings, kept in the vault, with IT policy laid over them."""

from __future__ import annotations

from dataclasses import dataclass

from outreach.config.policy import DEFAULT, POLICY_FILE, USER, Policy
from outreach.vault.database import Database


@dataclass(frozen=True)
class EffectiveSetting:
    name: str
    value: int
    managed: bool
    # Which layer gave the value: policy.GROUP_POLICY, ... DEFAULT (see docs/policy.md).
    layer: str = DEFAULT


def managed_layer(policy: Policy, name: str) -> str:
    origin = policy.origin(name)
    return origin.layer if origin is not None else POLICY_FILE


class WorkerSettings:
    """Settings a worker may choose unless the organisation manages them."""

    def __init__(self, db: Database, policy: Policy) -> None:
        self._db = db
        self._policy = policy

    def idle_lock_minutes(self) -> EffectiveSetting:
        name = "idle_lock_minutes"
        if self._policy.is_managed(name):
            layer = managed_layer(self._policy, name)
            return EffectiveSetting(name, self._policy.idle_lock_minutes, True, layer)
        stored = self._db.scalar("SELECT value FROM settings WHERE key = 'idle_lock_minutes'")
        if stored is None:
            return EffectiveSetting(name, self._policy.idle_lock_minutes, False, DEFAULT)
        return EffectiveSetting(name, int(stored), False, USER)

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
