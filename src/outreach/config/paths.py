"""Where Outreach keeps its files: platformdirs by default, one folder when told."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

import platformdirs

APP_NAME = "Outreach"
APP_ID = "outreach"
DATA_DIR_ENV = "OUTREACH_DATA_DIR"


# A NamedTuple, not a dataclass: defined without compiling methods, before the first window.
class AppPaths(NamedTuple):
    data_dir: Path
    log_dir: Path

    @property
    def vault_file(self) -> Path:
        return self.data_dir / "vault.db"

    @property
    def key_file(self) -> Path:
        return self.data_dir / "vault.key"

    @property
    def unlock_state_file(self) -> Path:
        return self.data_dir / "unlock-state.json"

    @property
    def backup_dir(self) -> Path:
        return self.data_dir / "backups"

    @property
    def instance_lock(self) -> Path:
        return self.data_dir / "outreach.lock"

    @classmethod
    def in_folder(cls, folder: Path) -> AppPaths:
        """Everything under one folder: for IT, tests and the demo."""
        folder = folder.expanduser().absolute()
        return cls(data_dir=folder, log_dir=folder / "logs")


def resolve_paths(data_dir: str | None, env: Mapping[str, str], *, demo: bool = False) -> AppPaths:
    chosen = data_dir or env.get(DATA_DIR_ENV)
    if chosen:
        return AppPaths.in_folder(Path(chosen))
    base = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    if demo:
        return AppPaths.in_folder(base / "demo")
    return AppPaths(
        data_dir=base, log_dir=Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
    )
