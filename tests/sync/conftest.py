"""A real hub on loopback and a worker's real vault enrolled with it, with made-up records."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from outreach.config.paths import AppPaths
from outreach.config.policy import Policy
from outreach.records import caseload
from outreach.records.store import RecordStore
from outreach.sync.approval import Approvals
from outreach.sync.client import HubClient
from outreach.sync.engine import Backoff, SyncEngine, SyncReport
from outreach.sync.enrolment import Enrolment, enrol
from outreach.sync.outbox import OutboxItem
from outreach.vault.device import DeviceSecretStore
from outreach.vault.vault import OpenVault, Vault
from tests.conftest import CHEAP_KDF, PASSPHRASE
from tests.support.hubproc import HubProcess, Team


@pytest.fixture(scope="session")
def sync_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubProcess]:
    """One hub for the session; tests keep apart by making their own team."""
    process = HubProcess(
        f"sqlite:///{tmp_path_factory.mktemp('synchub') / 'hub.sqlite3'}",
        "--requests-per-minute",
        "100000",
    )
    process.start()
    yield process
    process.stop()


@dataclass
class Worker:
    """A worker's laptop: the vault (open), its records, enrolled with a hub."""

    vault: Vault
    opened: OpenVault
    store: RecordStore
    enrolment: Enrolment
    team: Team

    @property
    def paths(self) -> AppPaths:
        return self.vault.paths

    def uids(self) -> list[str]:
        return [uid for (uid,) in self.opened.db.query(
            "SELECT uid FROM contacts WHERE is_current = 1 ORDER BY started_at, uid"
        )]  # fmt: skip

    def approve(
        self, count: int | None = None, account: str = "Seen at the usual place."
    ) -> list[OutboxItem]:
        approvals = Approvals(self.store)
        return [
            approvals.approve(approvals.preview(uid, account=account))
            for uid in self.uids()[:count]
        ]

    def client(self, address: str | None = None, **kwargs: object) -> HubClient:
        return HubClient(
            address or self.enrolment.address,
            credential=self.enrolment.credential,
            **kwargs,  # type: ignore[arg-type]
        )

    def sync(self, address: str | None = None, **kwargs: object) -> SyncReport:
        with self.client(address, timeout=5.0) as client:
            return SyncEngine(
                self.opened.db, client, backoff=Backoff(base=0.01, cap=0.05), **kwargs
            ).run()  # type: ignore[arg-type]


@pytest.fixture
def make_worker(sync_hub: HubProcess, tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    made: list[Worker] = []

    def make(
        contacts: int = 12,
        team: Team | None = None,
        hub: HubProcess | None = None,
        user: str = "w0",  # or "lead": a lead's laptop files contacts too
    ) -> Worker:
        hub = hub or sync_hub
        team = team or hub.team(workers=1)
        paths = AppPaths.in_folder(tmp_path / f"laptop-{len(made)}")
        vault = Vault(paths, Policy(), DeviceSecretStore(None), kdf=CHEAP_KDF)
        opened = vault.create(PASSPHRASE)
        store = RecordStore(opened.db)
        load = caseload.generate(people=4, contacts=contacts, seed=len(made) + 1)
        store.import_records(load.people, load.contacts)
        code, _ = hub.admin.enrolment_code(f"{team.name}-{user}")
        found = enrol(opened.db, hub.url, code)
        worker = Worker(vault, opened, store, found, team)
        made.append(worker)
        return worker

    yield make
    for worker in made:
        worker.opened.close()
