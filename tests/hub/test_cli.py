"""``outreach-hub``'s admin commands, run as a process against a real database."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, insert, select

from outreach.hub.clock import stamp
from outreach.hub.db import connect, migrate
from outreach.hub.maintenance import purge
from outreach.hub.settings import HubSettings
from outreach.hub.tables import idempotency, metadata
from tests.hub.conftest import BACKENDS
from tests.support.hubproc import HubProcess


def _hub(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "outreach.hub", "--database-url", url, *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_an_administrator_sets_up_a_team_and_enrols_a_device(database_url: str) -> None:
    assert _hub(database_url, "team", "add", "North").returncode == 0
    added = _hub(database_url, "user", "add", "ana", "--team", "North", "--role", "worker")
    assert added.returncode == 0, added.stderr
    again = _hub(database_url, "team", "add", "North")
    assert again.returncode == 1
    assert "already a team called 'North'" in again.stderr
    missing = _hub(database_url, "user", "add", "bo", "--team", "South", "--role", "lead")
    assert missing.returncode == 1
    assert "no team called 'South'" in missing.stderr
    code = _hub(database_url, "enrolment-code", "ana")
    assert code.returncode == 0
    assert "works once" in code.stderr

    hub = HubProcess(database_url)
    hub.start()
    try:
        answer = httpx.post(hub.url + "/v1/enrol", json={"code": code.stdout.strip()})
        assert answer.status_code == 201
        device_id = answer.json()["device_id"]
        listed = json.loads(_hub(database_url, "devices", "--json").stdout)
        assert [(d["id"], d["user"], d["revoked_at"]) for d in listed] == [(device_id, "ana", None)]
        assert _hub(database_url, "revoke", device_id).returncode == 0
        assert "revoked" in _hub(database_url, "devices").stdout
        credential = answer.json()["credential"]
        told = httpx.get(hub.url + "/v1/device", headers={"Authorization": f"Bearer {credential}"})
        assert told.json()["code"] == "device_revoked"
        assert _hub(database_url, "revoke", "f" * 32).returncode == 1
    finally:
        hub.stop()


def test_the_default_database_is_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    folder = tmp_path / "hubdata"
    done = subprocess.run(
        [sys.executable, "-m", "outreach.hub", "--data-dir", str(folder), "team", "add", "A"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert (folder / "hub.sqlite3").exists()


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_migrations_make_exactly_the_tables_the_code_uses(database_url: str) -> None:
    engine = connect(database_url)
    migrate(engine)
    migrate(engine)  # a second start changes nothing
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    engine.dispose()


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_idempotency_records_are_kept_a_year_then_purged(
    hub_with_device: tuple[HubProcess, str],
) -> None:
    hub, device_id = hub_with_device
    now = datetime.now(UTC)
    with hub.engine.begin() as conn:
        for key, age in (("old", 367), ("kept", 300)):
            conn.execute(
                insert(idempotency).values(
                    device_id=device_id,
                    key=key,
                    body_hash="0" * 64,
                    status=201,
                    response="{}",
                    created_at=stamp(now - timedelta(days=age)),
                )
            )
    assert purge(hub.engine, HubSettings(database_url=hub.database_url)) == 1
    with hub.engine.connect() as conn:
        assert conn.scalars(select(idempotency.c.key)).all() == ["kept"]
        assert conn.scalar(select(func.count()).select_from(idempotency)) == 1


@pytest.fixture
def hub_with_device(database_url: str) -> Iterator[tuple[HubProcess, str]]:
    hub = HubProcess(database_url)
    hub.start()
    device = hub.team(workers=1).worker
    yield hub, device.enrolled["device_id"]
    hub.stop()


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--workers", "2"], "several processes need PostgreSQL"),
        (["--certfile", "hub.pem"], "TLS needs both --certfile and --keyfile"),
    ],
)
def test_serve_refuses_what_cannot_work(tmp_path: Path, extra: list[str], words: str) -> None:
    url = f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    done = _hub(url, "serve", "--port", "1", *extra)
    assert done.returncode != 0
    assert words in done.stderr
