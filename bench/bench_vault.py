"""Vault write and unlock cost, as ratios against floors measured in the same run.

Floors: a raw sqlcipher3 insert-and-commit per row (raw key, WAL, synchronous=FULL: the
PRAGMAs that decide the cost); a bare Argon2id hash with the vault's default parameters.
Peak memory of an unlock and of the bare hash is each measured in a fresh process, since
a peak can only grow within one.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_vault.py [--dir FOLDER]

``--dir`` puts the files on the disk you care about (the default is the temp folder).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
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
ROUNDS = 3
UNLOCKS = 5
PASSPHRASE = "bench passphrase only 42"  # a throwaway vault in a temp folder
CHEAP_KDF = crypto.KdfParams(time_cost=1, memory_kib=1024, parallelism=1)
CONTENT = "x" * 200


def raw_inserts(folder: Path) -> float:
    """Seconds per row: one INSERT and COMMIT on a bare keyed connection."""
    conn = sqlcipher3.connect(str(folder / "raw.db"), isolation_level=None)
    conn.execute("PRAGMA key = \"x'" + ("11" * 32) + "'\"")
    conn.execute("PRAGMA journal_mode = WAL").fetchone()
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT, at TEXT)")
    start = time.perf_counter()
    for i in range(ROWS):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t VALUES (?, ?, ?)", (f"k{i}", CONTENT, "2026-01-01"))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed / ROWS


def draft_saves(folder: Path) -> float:
    """Seconds per row: DraftStore.save through the vault's Database and its PRAGMAs."""
    vault = Vault(
        AppPaths.in_folder(folder / "vault"), Policy(), DeviceSecretStore(None), kdf=CHEAP_KDF
    )
    opened = vault.create(PASSPHRASE)
    drafts = DraftStore(opened.db)
    start = time.perf_counter()
    for i in range(ROWS):
        drafts.save(f"k{i}", CONTENT)
    elapsed = time.perf_counter() - start
    opened.close()
    return elapsed / ROWS


def bare_argon2() -> float:
    params = crypto.DEFAULT_KDF
    start = time.perf_counter()
    hash_secret_raw(
        PASSPHRASE.encode(),
        b"s" * crypto.SALT_BYTES,
        params.time_cost,
        params.memory_kib,
        params.parallelism,
        32,
        Type.ID,
    )
    return time.perf_counter() - start


def timed_unlock(vault: Vault) -> float:
    start = time.perf_counter()
    vault.unlock(PASSPHRASE).close()
    return time.perf_counter() - start


# Run in a fresh process: prints the growth of peak RSS (KiB) across one job. VmHWM, not
# ru_maxrss, where Linux has it: ru_maxrss carries the parent's size across fork and exec.
_PEAK_PROBE = """
import resource, sys
def peak():
    try:
        with open("/proc/self/status") as status:
            return next(int(l.split()[1]) for l in status if l.startswith("VmHWM:"))
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
from pathlib import Path
from argon2.low_level import Type, hash_secret_raw
from outreach.config.paths import AppPaths
from outreach.config.policy import Policy
from outreach.vault import crypto
from outreach.vault.device import DeviceSecretStore
from outreach.vault.vault import Vault
job, folder, passphrase = sys.argv[1:4]
vault = Vault(AppPaths.in_folder(Path(folder)), Policy(), DeviceSecretStore(None))
p = crypto.DEFAULT_KDF
before = peak()
if job == "unlock":
    vault.unlock(passphrase).close()
else:
    hash_secret_raw(passphrase.encode(), b"s" * 16, p.time_cost, p.memory_kib,
                    p.parallelism, 32, Type.ID)
print(peak() - before)
"""


def peak_growth_mib(job: str, folder: Path) -> float:
    done = subprocess.run(
        [sys.executable, "-c", _PEAK_PROBE, job, str(folder), PASSPHRASE],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout.strip()) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=None, help="where to put the test files")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="outreach-bench-", dir=args.dir) as name:
        root = Path(name)
        floors, ours = [], []
        for round_ in range(ROUNDS):  # interleaved, so a noisy moment hits both
            folder = root / f"round{round_}"
            folder.mkdir()
            floors.append(raw_inserts(folder))
            ours.append(draft_saves(folder))
        floor, own = statistics.median(floors), statistics.median(ours)
        print(f"save, {ROWS} rows x {ROUNDS} rounds (median ms per committed row)")
        print(f"  floor  raw sqlcipher3 INSERT+COMMIT   {floor * 1000:7.3f} ms")
        print(f"  ours   DraftStore.save via Database   {own * 1000:7.3f} ms")
        print(f"  ratio  {own / floor:.2f}")

        vault = Vault(AppPaths.in_folder(root / "unlock"), Policy(), DeviceSecretStore(None))
        vault.create(PASSPHRASE).close()
        argons, unlocks = [], []
        for _ in range(UNLOCKS):  # interleaved too
            argons.append(bare_argon2())
            unlocks.append(timed_unlock(vault))
        argon, unlock = statistics.median(argons), statistics.median(unlocks)
        p = crypto.DEFAULT_KDF
        print(
            f"unlock, Argon2id t={p.time_cost} m={p.memory_kib // 1024} MiB "
            f"p={p.parallelism} (median of {UNLOCKS})"
        )
        print(f"  floor  bare Argon2id hash             {argon:7.3f} s")
        print(f"  ours   Vault.unlock + close           {unlock:7.3f} s")
        print(f"  ratio  {unlock / argon:.2f}")

        argon_peak = peak_growth_mib("argon2", root / "unlock")
        unlock_peak = peak_growth_mib("unlock", root / "unlock")
        print("peak RSS growth, fresh process")
        print(f"  floor  bare Argon2id hash             {argon_peak:7.0f} MiB")
        print(f"  ours   Vault.unlock + close           {unlock_peak:7.0f} MiB")
        print(f"  ratio  {unlock_peak / argon_peak:.2f}")


if __name__ == "__main__":
    main()
