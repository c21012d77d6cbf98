"""Recording at scale: saving a contact, searching, opening a long timeline.

Each beside its floor, measured in the same run on the same vault:

- save: ``RecordStore.seal`` of a contact with five observations (checks, JSON, search
  rows, audit, draft removal, commit) against raw sqlcipher3 inserts of the same rows
  (contact, people, observations, search rows, audit) in one transaction on the same
  connection. Targets: at most 2x the floor, 20 ms at the 95th percentile.
- search: ``RecordStore.search`` (people, then contacts; snippets; owners looked up)
  against one raw FTS5 query with the same MATCH, snippet and limit. Targets: at most
  1.5x the floor, 50 ms at the 95th percentile.
- timeline: choosing a young person with 2,000 contacts in the People page until the
  timeline's first rows are painted, against showing a bare PySide6 window. Target:
  first rows within 100 ms.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_records.py [--contacts N] [--dir D]
"""

from __future__ import annotations

import argparse
import json
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
from outreach.records import caseload, codec
from outreach.records.model import Contact
from outreach.records.store import ROWS_PER_CONTACT, RecordStore, fts_query
from outreach.records.validation import MATCH_END, MATCH_START
from outreach.vault import crypto
from outreach.vault.device import DeviceSecretStore
from outreach.vault.vault import OpenVault, Vault

PASSPHRASE = "bench passphrase only 42"  # a throwaway vault in a temp folder
CHEAP_KDF = crypto.KdfParams(time_cost=1, memory_kib=1024, parallelism=1)
SAVES = 200
SEARCHES = ("silver", "golden spoon", "dazzo", "lantern hotel", "phone", "ab1", "fell over",
            "eastgate", "worried", "quillfeather", "snapchat", "corsa", "lifts", "taxi",
            "cannabis", "riverside", "drop", "older man", "hoodie", "pennyholt")  # fmt: skip
SEARCH_ROUNDS = 5
TIMELINE_CONTACTS = 2_000
TIMELINE_ROUNDS = 15


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18]


def build(folder: Path, contacts: int) -> tuple[OpenVault, RecordStore, caseload.Caseload]:
    paths = AppPaths.in_folder(folder / "vault")
    opened = Vault(paths, Policy(), DeviceSecretStore(None), kdf=CHEAP_KDF).create(PASSPHRASE)
    store = RecordStore(opened.db)
    made = caseload.generate(people=200, contacts=contacts, observations_per_contact=5)
    started = time.perf_counter()
    store.import_records(made.people, made.contacts)
    print(f"built {contacts:,} contacts in {time.perf_counter() - started:.1f} s")
    return opened, store, made


def raw_save(opened: OpenVault, contact: Contact, n: int) -> float:
    """The same rows a seal writes, as bare INSERTs on the same connection."""
    conn = opened.db._conn
    now = datetime.now(UTC).isoformat()
    details = [json.dumps(codec.details_to_json(o.details)) for o in contact.observations]
    start = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    contact_id = conn.execute(
        "INSERT INTO contacts (uid, version, is_current, started_at, ended_at, kind, place, "
        "others_present, narrative, instinct, sealed_at, amend_reason) "
        "VALUES (?, 1, 1, ?, NULL, ?, ?, ?, ?, ?, ?, '')",
        (f"raw{n}", now, contact.kind.value, contact.place, "", contact.narrative,
         contact.instinct, now),
    ).lastrowid  # fmt: skip
    conn.executemany(
        "INSERT INTO contact_people (contact_id, person_id, position) VALUES (?, ?, ?)",
        [(contact_id, p, i) for i, p in enumerate(contact.people)],
    )
    conn.executemany(
        "INSERT INTO observations (contact_id, position, kind, provenance, seen_at, details, "
        "summary) VALUES (?, ?, ?, ?, NULL, ?, '')",
        [
            (contact_id, i, o.kind.value, o.provenance.value, d)
            for i, (o, d) in enumerate(zip(contact.observations, details, strict=True))
        ],
    )
    base = contact_id * ROWS_PER_CONTACT
    bodies = [contact.narrative, contact.instinct, contact.place] + ["x"] * len(details)
    conn.executemany(
        "INSERT INTO search_text (rowid, body, source) VALUES (?, ?, 'raw')",
        [(base + i, body) for i, body in enumerate(bodies)],
    )
    conn.execute(
        "INSERT INTO audit_log (at, action, detail) VALUES (?, 'contact_sealed', ?)", (now, "r")
    )
    conn.execute("COMMIT")
    return time.perf_counter() - start


def bench_save(opened: OpenVault, store: RecordStore, made: caseload.Caseload) -> dict[str, float]:
    samples = [c for c in made.contacts if len(c.observations) == 5][:SAVES]
    ours, floor = [], []
    for n, contact in enumerate(samples):
        fresh = replace(contact, started_at=datetime.now(UTC) - timedelta(hours=1), ended_at=None)
        # Alternate which goes first, so neither always pays for the other's checkpoint.
        if n % 2:
            floor.append(raw_save(opened, fresh, n))
        start = time.perf_counter()
        store.seal(fresh)
        ours.append(time.perf_counter() - start)
        if not n % 2:
            floor.append(raw_save(opened, fresh, n))
    return {"floor": p95(floor), "ours": p95(ours)}


def bench_search(opened: OpenVault, store: RecordStore) -> dict[str, float]:
    conn = opened.db._conn
    ours, floor = [], []
    for _round in range(SEARCH_ROUNDS):
        for words in SEARCHES:
            query = fts_query(words)
            start = time.perf_counter()
            conn.execute(
                "SELECT rowid, source, snippet(search_text, 0, ?, ?, '…', 12) FROM search_text "
                "WHERE search_text MATCH ? ORDER BY rowid DESC LIMIT 50",
                (MATCH_START, MATCH_END, query),
            ).fetchall()
            floor.append(time.perf_counter() - start)
            start = time.perf_counter()
            store.search(words)
            ours.append(time.perf_counter() - start)
    return {"floor": p95(floor), "ours": p95(ours)}


def bench_timeline(store: RecordStore, made: caseload.Caseload) -> dict[str, float]:
    from PySide6.QtWidgets import QApplication, QMainWindow

    from outreach.ui.people_page import PeoplePage

    app = QApplication.instance() or QApplication([])
    person = made.people[0]
    already = len(store.timeline(person.id, ["contact"]))
    extra = [replace(c, people=(person.id,)) for c in made.contacts[: TIMELINE_CONTACTS - already]]
    store.import_records([], extra)

    class Records:  # what the page asks of the service, straight from the store
        def people(self) -> list:
            return store.people()

        def person(self, person_id: str):
            return store.person(person_id)

        def timeline_page(self, person_id: str, kinds=None, *, after=None):
            return store.timeline_page(person_id, kinds, after=after)

        def connections_for_person(self, person_id: str):
            return []  # measured in bench_connections.py

        def nudges(self, person_id: str):
            return []

        def indicator_history(self, person_id: str):
            from outreach.records.keep_asking import IndicatorHistory

            return IndicatorHistory((), ())

        def open_questions(self, person_ids):
            return []

        def worry_series(self, person_id: str):
            return []

    page = PeoplePage(Records())
    page.resize(1100, 700)
    page.show()
    page.refresh()
    app.processEvents()
    ours, floor = [], []
    for _round in range(TIMELINE_ROUNDS):
        start = time.perf_counter()
        window = QMainWindow()
        window.show()
        app.processEvents()
        floor.append(time.perf_counter() - start)
        window.close()
        window.deleteLater()
        page.select(made.people[1].id)
        app.processEvents()
        start = time.perf_counter()
        page.select(person.id)
        page.timeline.viewport().repaint()  # painted, not only scheduled
        ours.append(time.perf_counter() - start)
    assert len(store.timeline(person.id, ["contact"])) >= TIMELINE_CONTACTS
    return {"floor": statistics.median(floor), "ours": statistics.median(ours)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--dir", type=Path, default=None, help="where to put the vault")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        opened, store, made = build(Path(folder), args.contacts)
        try:
            rows = [
                ("save a contact with 5 observations (p95)", bench_save(opened, store, made),
                 "raw inserts of the same rows", "<= 2x, <= 20 ms"),
                ("search (p95)", bench_search(opened, store), "raw FTS5 query",
                 "<= 1.5x, <= 50 ms"),
                ("timeline of 2,000 contacts, first rows painted (median)",
                 bench_timeline(store, made), "bare PySide6 window shown", "<= 100 ms"),
            ]  # fmt: skip
        finally:
            opened.close()
    print(f"\nat {args.contacts:,} contacts")
    print(f"{'measure':58} {'floor':>9} {'ours':>9} {'ratio':>6}  target")
    for name, result, floor_name, target in rows:
        print(
            f"{name:58} {result['floor'] * 1000:7.2f}ms {result['ours'] * 1000:7.2f}ms "
            f"{result['ours'] / result['floor']:6.2f}  {target}  (floor: {floor_name})"
        )


if __name__ == "__main__":
    main()
