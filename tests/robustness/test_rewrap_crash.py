"""SIGKILL at every step of a key-file replacement: one passphrase always still opens the vault.

A child changes the passphrase (or creates the vault) and kills itself at one step of
``write_atomic``: half-way through writing the temp file ("mid_write", before any step
completed), then after each name in ``outreach.vault.atomic.STEPS``. Before the rename
the old key file must be in force, after it the new one; never neither, never both.
"""

from __future__ import annotations

import itertools
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from outreach.records.drafts import DraftStore
from outreach.vault import audit
from outreach.vault.atomic import STEPS
from outreach.vault.errors import WrongPassphrase
from outreach.vault.vault import STAGING_SUFFIX, Vault
from tests.conftest import CHEAP_KDF
from tests.robustness._support import child_env, run_child, stderr_of

OLD = "old plum lantern 47"
NEW = "new copper kettle 91"
THIRD = "third amber window 12"

# The step names after which the new key file is the one on disk.
AFTER_RENAME = frozenset(STEPS[STEPS.index("renamed") :])
KILL_POINTS = ("mid_write", *STEPS)


def test_kill_points_cover_every_step() -> None:
    # If atomic.py gains a step, this test module must be told which side of the rename it is.
    assert STEPS == ("temp_written", "temp_synced", "renamed", "directory_synced")


def _vault(make_vault: Callable[..., Vault]) -> Vault:
    # Each failed try waits out its delay at once: the clock jumps an hour per reading.
    hours = itertools.count(start=1_000_000, step=3600)
    return make_vault(clock=lambda: float(next(hours)))


def _temp_files(data_dir: Path) -> list[str]:
    return sorted(p.name for p in data_dir.iterdir() if p.name.endswith(".tmp"))


def _opens_with(vault: Vault, passphrase: str) -> bool:
    try:
        opened = vault.unlock(passphrase)
    except WrongPassphrase:
        return False
    try:
        assert opened.integrity_problems == []
        drafts = DraftStore(opened.db)
        # Written before the crash, intact after it.
        for i in range(5):
            loaded = drafts.load(f"form{i}")
            assert loaded is not None
            assert loaded.content == f"typed before the change {i}"
    finally:
        opened.close()
    return True


@pytest.mark.parametrize("step", KILL_POINTS)
def test_change_passphrase_killed_at_step(
    make_vault: Callable[..., Vault], tmp_path: Path, step: str
) -> None:
    vault = _vault(make_vault)
    opened = vault.create(OLD)
    drafts = DraftStore(opened.db)
    for i in range(5):
        drafts.save(f"form{i}", f"typed before the change {i}")
    opened.close()
    stderr_file = tmp_path / "child-stderr.txt"

    code, out = run_child(
        "rewrap",
        vault.paths.data_dir,
        step,
        child_env(CHEAP_KDF, old=OLD, new=NEW),
        stderr_file,
    )

    assert code == -signal.SIGKILL, f"not killed at {step}: {code} {out}\n{stderr_of(stderr_file)}"
    assert out == []
    assert vault.state() == "locked"
    # Before the rename the half-done temp file is still there; after it, it is the key file.
    assert len(_temp_files(vault.paths.data_dir)) == (0 if step in AFTER_RENAME else 1)
    opens = {"old": _opens_with(vault, OLD), "new": _opens_with(vault, NEW)}
    assert sum(opens.values()) == 1, f"killed at {step}: {opens}"
    assert opens["new"] is (step in AFTER_RENAME), f"killed at {step}: {opens}"

    # Whatever temp file the crash left does not get in the way of the next change.
    survivor = NEW if opens["new"] else OLD
    vault.change_passphrase(survivor, THIRD)
    assert _opens_with(vault, THIRD)
    assert not _opens_with(vault, survivor)


@pytest.mark.parametrize("step", KILL_POINTS)
def test_create_killed_at_step(make_vault: Callable[..., Vault], tmp_path: Path, step: str) -> None:
    vault = _vault(make_vault)
    stderr_file = tmp_path / "child-stderr.txt"

    code, out = run_child(
        "create",
        vault.paths.data_dir,
        step,
        child_env(CHEAP_KDF, passphrase=OLD),
        stderr_file,
    )

    assert code == -signal.SIGKILL, f"not killed at {step}: {code} {out}\n{stderr_of(stderr_file)}"
    state = vault.state()  # never raises: either nothing is there, or a whole vault
    assert state in {"new", "locked"}, state
    assert state == ("locked" if step in AFTER_RENAME else "new"), f"killed at {step}"
    if state == "new":
        opened = vault.create(OLD)
        opened.close()
        assert vault.state() == "locked"
    opened = vault.unlock(OLD)
    try:
        assert opened.integrity_problems == []
        actions = [entry.action for entry in audit.entries(opened.db)]
        assert actions.count("vault_created") == 1
        DraftStore(opened.db).save("after", "saved after the crash")
    finally:
        opened.close()
    staging = vault.paths.vault_file.with_name(vault.paths.vault_file.name + STAGING_SUFFIX)
    assert not staging.exists()
    assert not Path(str(staging) + "-wal").exists()
