"""One running Outreach per data folder: two would fight over the vault and its key."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QLockFile


class InstanceLock:
    def __init__(self, path: Path) -> None:
        self._lock = QLockFile(str(path))
        # A lock left by a crashed process is taken over (Qt checks the PID is gone).
        self._lock.setStaleLockTime(0)

    def acquire(self) -> bool:
        return self._lock.tryLock(200)

    def release(self) -> None:
        self._lock.unlock()
