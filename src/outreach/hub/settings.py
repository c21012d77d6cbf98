"""How one hub process is set up: where its database is and its limits."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import platformdirs

DATA_DIR_ENV = "OUTREACH_HUB_DATA_DIR"
DATABASE_ENV = "OUTREACH_HUB_DATABASE_URL"


def default_data_dir() -> Path:
    return Path(os.environ.get(DATA_DIR_ENV) or platformdirs.user_data_dir("outreach-hub"))


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'hub.sqlite3'}"


@dataclass(frozen=True)
class HubSettings:
    database_url: str
    max_body_bytes: int = 256 * 1024  # a summary is a few kilobytes; this is generous
    requests_per_minute: int = 600  # per device; a laptop back from a month offline waits
    idempotency_days: int = 366  # a laptop may stay offline for up to a year
    enrolment_hours: int = 72
    future_leeway_hours: int = 24  # a contact dated further ahead is a clock gone wrong

    @classmethod
    def from_env(cls, database_url: str | None = None, data_dir: Path | None = None) -> HubSettings:
        url = database_url or os.environ.get(DATABASE_ENV)
        if not url:
            folder = data_dir or default_data_dir()
            folder.mkdir(parents=True, exist_ok=True)
            url = sqlite_url(folder)
        return cls(database_url=url)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> HubSettings:
        return cls(**json.loads(text))
