"""SIGKILL at random points while a child unlocks and saves: every commit it reported survives.

The parent creates one vault and reuses it: each iteration starts a child that unlocks
and saves drafts ``k{start}``, ``k{start+1}``, ... printing each number after its commit
returned. The parent reads a random number of those lines (0: the child has only said
it is about to unlock, so the kill lands during unlock), SIGKILLs it, then unlocks the
vault itself and checks every number it read is there with its value, that the child's
drafts form an unbroken run from ``start`` (a later commit never survives an earlier
one), and that the integrity checks pass.

Seeded: ``OUTREACH_CRASH_SEED`` replays a run; the seed is in every failure message.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from outreach.vault.vault import Vault
from tests.conftest import CHEAP_KDF, PASSPHRASE
from tests.robustness._support import child_env, start_child, stderr_of
from tests.robustness._vault_child import MAX_WRITES, draft_value

MAX_KILL_AFTER = 40
VALUE_SIZE = 600


def _seed() -> int:
    chosen = os.environ.get("OUTREACH_CRASH_SEED")
    # The global generator is seeded by pytest-randomly, so -p randomly's seed replays too.
    return int(chosen) if chosen else random.randrange(2**32)


def _read_line(proc: subprocess.Popen[str], context: str, stderr_file: Path) -> str:
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.endswith("\n"):
        proc.kill()
        proc.wait()
        pytest.fail(f"{context}: child stopped early ({line!r})\n{stderr_of(stderr_file)}")
    return line.rstrip("\n")


def _kill_child_after(
    data_dir: Path, start: int, kill_after: int, env: dict[str, str], stderr_file: Path, ctx: str
) -> list[int]:
    """Start a writer, read ``kill_after`` committed numbers, SIGKILL it; the numbers read."""
    proc = start_child("write", data_dir, start, env, stderr_file)
    seen: list[int] = []
    try:
        assert _read_line(proc, ctx, stderr_file) == "ready"
        if kill_after > 0:
            assert _read_line(proc, ctx, stderr_file) == "open"
        while len(seen) < kill_after:
            seen.append(int(_read_line(proc, ctx, stderr_file)))
    finally:
        proc.kill()
        proc.wait(timeout=30)
        assert proc.stdout is not None
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL, (
        f"{ctx}: child ended with {proc.returncode}, not our SIGKILL\n{stderr_of(stderr_file)}"
    )
    assert seen == list(range(start, start + kill_after)), f"{ctx}: child reported {seen}"
    return seen


def _verify(vault: Vault, expected: dict[str, str], start: int, seen: list[int], ctx: str) -> None:
    opened = vault.unlock(PASSPHRASE)
    try:
        assert opened.integrity_problems == [], ctx
        assert not opened.db.read_only, ctx
        assert opened.db.integrity_problems() == [], ctx
        assert opened.db.scalar("PRAGMA integrity_check") == "ok", ctx
        rows = dict(opened.db.query("SELECT form_key, content FROM drafts"))
    finally:
        opened.close()
    missing = {key for key, value in expected.items() if rows.get(key) != value}
    assert not missing, f"{ctx}: earlier drafts lost or changed: {sorted(missing)[:10]}"
    mine = sorted(
        int(key[1:])
        for key in rows
        if key.startswith("k") and start <= int(key[1:]) < start + MAX_WRITES
    )
    assert mine == list(range(start, start + len(mine))), f"{ctx}: not an unbroken run: {mine}"
    assert len(mine) >= len(seen), f"{ctx}: reported {len(seen)} commits, found {len(mine)}"
    for i in mine:
        key = f"k{i}"
        assert rows[key] == draft_value(i, VALUE_SIZE), f"{ctx}: {key} has the wrong value"
        # What survived once must survive every later crash too.
        expected[key] = rows[key]
    assert len(rows) == len(expected), f"{ctx}: drafts nobody wrote: {set(rows) - set(expected)}"


def _crash_loop(
    make_vault: Callable[..., Vault], tmp_path: Path, iterations: int
) -> dict[int, int]:
    seed = _seed()
    rng = random.Random(seed)
    vault = make_vault()
    vault.create(PASSPHRASE).close()
    data_dir = vault.paths.data_dir
    env = child_env(CHEAP_KDF, passphrase=PASSPHRASE, value_size=str(VALUE_SIZE))
    stderr_file = tmp_path / "child-stderr.txt"
    expected: dict[str, str] = {}
    kills: dict[int, int] = {}
    print(f"crash loop: {iterations} iterations, OUTREACH_CRASH_SEED={seed}")
    for iteration in range(iterations):
        kill_after = rng.randint(0, MAX_KILL_AFTER)
        start = iteration * MAX_WRITES
        ctx = f"seed={seed} iteration={iteration} kill_after={kill_after}"
        seen = _kill_child_after(data_dir, start, kill_after, env, stderr_file, ctx)
        _verify(vault, expected, start, seen, ctx)
        kills[kill_after] = kills.get(kill_after, 0) + 1
    return kills


def test_every_reported_commit_survives_sigkill(
    make_vault: Callable[..., Vault], tmp_path: Path
) -> None:
    kills = _crash_loop(make_vault, tmp_path, iterations=50)
    assert sum(kills.values()) == 50


@pytest.mark.slow
def test_every_reported_commit_survives_sigkill_500_times(
    make_vault: Callable[..., Vault], tmp_path: Path
) -> None:
    kills = _crash_loop(make_vault, tmp_path, iterations=500)
    # With 500 draws from 0..40, killing during unlock happens (a miss would be 4e-6).
    assert kills.get(0, 0) > 0
