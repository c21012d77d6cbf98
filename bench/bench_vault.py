"""Vault write and unlock cost, as ratios against floors measured in the same run.

Floors: a raw sqlcipher3 insert-and-commit per row (same PRAGMAs that matter for cost:
raw key, WAL, synchronous=FULL); a bare Argon2id hash with the vault's parameters.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_vault.py
"""

from __future__ import annotations

import resource
import statistics
import tempfile
import time
from pathlib import Path

import sqlcipher3
from argon2.low_level import Type, hash_secret_raw

from outreach.config.paths import AppPaths
from outreach.config.policy import Policy
from outreach.records.drafts import DraftStore
from outreach.vault import crypto
from outreach.vault.device import DeviceSecretStore
from outreach.vault.vault import Vault

ROWS = 300
PASSPHRASE = "bench passphrase only 42"


def raw_inserts(folder: Path) -> float:
    conn = sqlcipher3.connect(str(folder / "raw.db"), isolation_level=None)
    conn.execute("PRAGMA key = \"x'" + ("11" * 32) + "'\"")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT, at TEXT)")
    start = time.perf_counter()
    for i in range(ROWS):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t VALUES (?, ?, ?)", (f"k{i}", "x" * 200, "2026"))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed / ROWS


def vault_saves(folder: Path) -> float:
    cheap = crypto.KdfParams(1, 1024, 1)
    vault = Vault(AppPaths.in_folder(folder / "v"), Policy(), DeviceSecretStore(None), kdf=cheap)
    opened = vault.create(PASSPHRASE)
    drafts = DraftStore(opened.db)
    start = time.perf_counter()
    for i in range(ROWS):
        drafts.save(f"k{i}", "x" * 200)
    elapsed = time.perf_counter() - start
    opened.close()
    return elapsed / ROWS


def unlock_costs(folder: Path) -> tuple[float, float, int]:
    params = crypto.DEFAULT_KDF
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    vault = Vault(AppPaths.in_folder(folder / "u"), Policy(), DeviceSecretStore(None))
    vault.create(PASSPHRASE).close()
    floors, unlocks = [], []
    for _ in range(3):
        start = time.perf_counter()
        hash_secret_raw(
            PASSPHRASE.encode(),
            b"s" * 16,
            params.time_cost,
            params.memory_kib,
            params.parallelism,
            32,
            Type.ID,
        )
        floors.append(time.perf_counter() - start)
        start = time.perf_counter()
        vault.unlock(PASSPHRASE).close()
        unlocks.append(time.perf_counter() - start)
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return statistics.median(floors), statistics.median(unlocks), rss_after - rss_before


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        floor = raw_inserts(folder)
        ours = vault_saves(folder)
        print(
            f"insert+commit  raw sqlcipher3 {floor * 1000:.2f} ms/row  "
            f"DraftStore.save {ours * 1000:.2f} ms/row  ratio {ours / floor:.2f}"
        )
        argon, unlock, rss = unlock_costs(folder)
        print(
            f"unlock         bare Argon2id {argon:.3f} s  Vault.unlock {unlock:.3f} s  "
            f"ratio {unlock / argon:.2f}  peak RSS growth {rss / 1024:.0f} MiB"
        )


if __name__ == "__main__":
    main()
