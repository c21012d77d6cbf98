"""A real hub process on loopback per database, kept for the session: SQLite always, and a
real PostgreSQL started from Debian's packages (required in CI)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import REQUIRE_REAL_SERVICES
from tests.support.hubproc import HubProcess, Team
from tests.support.postgres import binaries, fresh_database, running_postgres

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    if binaries() is None:
        if REQUIRE_REAL_SERVICES:
            pytest.fail("PostgreSQL's binaries are missing; .ci/run installs postgresql")
        pytest.skip("PostgreSQL is not installed here (CI installs it)")
    with running_postgres() as url:
        yield url


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of the backend the test is parametrized with."""
    backend = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    return fresh_database(request.getfixturevalue("postgres_server"))


def _started(url: str) -> Iterator[HubProcess]:
    process = HubProcess(url)
    process.start()
    yield process
    process.stop()


@pytest.fixture(scope="session")
def sqlite_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubProcess]:
    yield from _started(f"sqlite:///{tmp_path_factory.mktemp('hub') / 'hub.sqlite3'}")


@pytest.fixture(scope="session")
def postgresql_hub(postgres_server: str) -> Iterator[HubProcess]:
    yield from _started(fresh_database(postgres_server))


@pytest.fixture(params=BACKENDS)
def hub(request: pytest.FixtureRequest) -> HubProcess:
    """The session's hub on each backend; tests keep apart by making their own team."""
    process: HubProcess = request.getfixturevalue(f"{request.param}_hub")
    return process


@pytest.fixture
def team(hub: HubProcess) -> Team:
    return hub.team(workers=2)


@pytest.fixture
def own_hub(database_url: str) -> Iterator[Callable[..., HubProcess]]:
    """A hub process of the test's own, with extra ``serve`` options; parametrize
    ``database_url`` indirectly with BACKENDS."""
    started: list[HubProcess] = []

    def start(*extra: str) -> HubProcess:
        process = HubProcess(database_url, *extra)
        process.start()
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()
