"""The worker's settings as a service: policy decides what they may change."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from outreach.app.session import Session
from outreach.config.policy import DEFAULT, Policy
from outreach.records.settings import EffectiveSetting, WorkerSettings, managed_layer
from outreach.vault.errors import VaultError


class SettingsService(QObject):
    idleMinutesChanged = Signal(int)

    def __init__(self, session: Session, policy: Policy, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._policy = policy
        session.unlocked.connect(lambda: self.idleMinutesChanged.emit(self.idle_lock().value))

    @property
    def policy(self) -> Policy:
        return self._policy

    def idle_lock(self) -> EffectiveSetting:
        opened = self._session.open_vault
        if opened is not None:
            try:
                return WorkerSettings(opened.db, self._policy).idle_lock_minutes()
            except VaultError:
                pass  # a damaged page: the policy's value still keeps the worker safe
        name = "idle_lock_minutes"
        if self._policy.is_managed(name):
            layer = managed_layer(self._policy, name)
            return EffectiveSetting(name, self._policy.idle_lock_minutes, True, layer)
        return EffectiveSetting(name, self._policy.idle_lock_minutes, False, DEFAULT)

    def set_idle_lock_minutes(self, minutes: int) -> None:
        opened = self._session.open_vault
        if opened is None or opened.db.read_only:
            return
        WorkerSettings(opened.db, self._policy).set_idle_lock_minutes(minutes)
        self.idleMinutesChanged.emit(minutes)
