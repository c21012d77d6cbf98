"""Connections at scale: links of a newly filed contact, and drawing a large graph.

- links: ``ConnectionIndex.for_contact`` right after filing a contact (a recurring
  vehicle, place and adult in it), in a vault of about 1,000,000 observations, against
  its floor: an indexed equality lookup in the same vault (the contact's sightings by
  contact id). Target: at most 10 ms at the 95th percentile.
- graph: ``ConnectionIndex.graph`` and ``GraphView.show_graph`` for about 5,000 nodes
  (young people and what links them). Target: under 1 s.

Building the vault takes a while (every contact is filed through the store, with its
search rows and index entries), so ``--dir`` keeps it for the next run:

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_connections.py \\
        [--contacts 200000] [--dir FOLDER]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from outreach.config.paths import AppPaths
from outreach.config.policy import Policy
from outreach.links.index import ConnectionIndex
from outreach.records import caseload
from outreach.records.store import RecordStore
from outreach.vault import crypto
from outreach.vault.device import DeviceSecretStore
from outreach.vault.vault import OpenVault, Vault

PASSPHRASE = "bench passphrase only 42"  # a throwaway vault
CHEAP_KDF = crypto.KdfParams(time_cost=1, memory_kib=1024, parallelism=1)
FILINGS = 100
CHUNK = 10_000


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18]


def open_or_build(folder: Path, contacts: int) -> tuple[OpenVault, caseload.Caseload]:
    """Open the kept vault, filing what is missing (a build stopped half way resumes)."""
    paths = AppPaths.in_folder(folder / f"vault-{contacts}")
    vault = Vault(paths, Policy(), DeviceSecretStore(None), kdf=CHEAP_KDF)
    made = caseload.generate(people=200, contacts=min(contacts, 2_000), seed=1)
    if vault.state() == "new":
        opened = vault.create(PASSPHRASE)
        RecordStore(opened.db).import_records(made.people, [])
    else:
        opened = vault.unlock(PASSPHRASE)
        print(f"reusing {paths.data_dir}")
    store = RecordStore(opened.db)
    done = int(opened.db.scalar("SELECT count(*) FROM contacts WHERE is_current = 1"))
    done -= done % CHUNK  # a chunk cut short is filed again in full: made-up data, no harm
    start = time.perf_counter()
    while done < contacts:
        size = min(CHUNK, contacts - done)
        chunk = caseload.generate(people=200, contacts=size, seed=2 + done // CHUNK)
        # The same 200 young people throughout: map each chunk's onto the first's.
        ids = {p.id: q.id for p, q in zip(chunk.people, made.people, strict=True)}
        store.import_records(
            [], [replace(c, people=tuple(ids[p] for p in c.people)) for c in chunk.contacts]
        )
        done += size
        print(f"  {done:,} contacts filed, {time.perf_counter() - start:.0f} s", flush=True)
    return opened, made


def bench_links(opened: OpenVault, made: caseload.Caseload) -> dict[str, float]:
    store = RecordStore(opened.db)
    index = ConnectionIndex(opened.db)
    conn = opened.db._conn
    samples = [c for c in made.contacts if len(c.observations) >= 5 and c.people][:FILINGS]
    ours, floor = [], []
    for n, contact in enumerate(samples):
        fresh = replace(contact, started_at=datetime.now(UTC) - timedelta(minutes=n), ended_at=None)
        contact_id = store.current_id(store.seal(fresh).uid)
        start = time.perf_counter()
        conn.execute(
            "SELECT entity_id FROM sightings WHERE contact_id = ?", (contact_id,)
        ).fetchall()
        floor.append(time.perf_counter() - start)
        start = time.perf_counter()
        index.for_contact(contact_id)
        ours.append(time.perf_counter() - start)
    return {"floor": p95(floor), "ours": p95(ours)}


def bench_graph(opened: OpenVault) -> dict[str, float]:
    from PySide6.QtWidgets import QApplication

    from outreach.ui.graph_view import GraphView

    app = QApplication.instance() or QApplication([])
    index = ConnectionIndex(opened.db)
    view = GraphView()
    view.resize(1200, 900)
    view.show()
    app.processEvents()
    times, nodes = [], 0
    for _round in range(3):
        start = time.perf_counter()
        graph = index.graph(min_people=1, limit=4_800)
        view.show_graph(graph, lambda person: person[:6])
        app.processEvents()
        times.append(time.perf_counter() - start)
        nodes = len(graph.people) + len(graph.entities)
    return {"ours": statistics.median(times), "nodes": nodes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=200_000)
    parser.add_argument("--dir", type=Path, default=None, help="keep the vault here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.dir or Path(scratch)
        opened, made = open_or_build(folder, args.contacts)
        try:
            observations = opened.db.scalar("SELECT count(*) FROM observations")
            links = bench_links(opened, made)
            graph = bench_graph(opened)
        finally:
            opened.close()
    print(f"\nvault: {observations:,} observations")
    print(f"{'measure':52} {'floor':>9} {'ours':>9} {'ratio':>6}  target")
    print(
        f"{'links of a newly filed contact (p95)':52} {links['floor'] * 1000:7.2f}ms "
        f"{links['ours'] * 1000:7.2f}ms {links['ours'] / links['floor']:6.1f}  <= 10 ms"
        "  (floor: indexed equality lookup)"
    )
    print(
        f"{'graph of ' + format(graph['nodes'], ',') + ' nodes, built and drawn (median)':52} "
        f"{'':>9} {graph['ours'] * 1000:7.0f}ms {'':>6}  < 1 s"
    )


if __name__ == "__main__":
    main()
