"""A full disk fails the save with StorageError("full") and loses nothing already saved.

A child caps the size of the files it may write (RLIMIT_FSIZE, with SIGXFSZ ignored so
the write fails with EFBIG instead of killing it): the nearest thing to a full disk
without one. SQLite reports that as a bare I/O error; the vault must still call it
"full" so the worker is told to free space, not that the disk is failing.
"""

from __future__ import annotations

import itertools
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from outreach.records.drafts import DraftStore
from outreach.vault.errors import WrongPassphrase
from outreach.vault.vault import Vault
from tests.conftest import CHEAP_KDF, PASSPHRASE
from tests.robustness._support import child_env, run_child, stderr_of
from tests.robustness._vault_child import draft_value

pytestmark = pytest.mark.skipif(
    sys.platform == "win32" or not hasattr(signal, "SIGXFSZ"), reason="needs RLIMIT_FSIZE"
)

VALUE_SIZE = 20_000
HEADROOM = 400_000  # room for about a dozen large drafts in the WAL, then "full"
NEW = "new copper kettle 91"


def _vault(make_vault: Callable[..., Vault]) -> Vault:
    hours = itertools.count(start=1_000_000, step=3600)
    return make_vault(clock=lambda: float(next(hours)))


def test_full_disk_during_saves_loses_nothing_saved(
    make_vault: Callable[..., Vault], tmp_path: Path
) -> None:
    vault = _vault(make_vault)
    opened = vault.create(PASSPHRASE)
    DraftStore(opened.db).save("before", "saved before the disk filled")
    opened.close()
    stderr_file = tmp_path / "child-stderr.txt"

    code, out = run_child(
        "fill",
        vault.paths.data_dir,
        HEADROOM,
        child_env(CHEAP_KDF, passphrase=PASSPHRASE, value_size=str(VALUE_SIZE)),
        stderr_file,
    )

    report = f"{code} {out}\n{stderr_of(stderr_file)}"
    assert code == 0, report
    assert out[0].startswith("limit "), report
    saved = [int(line.split()[1]) for line in out if line.startswith("saved ")]
    outcome = [line for line in out if not line.startswith(("saved ", "limit "))]
    assert outcome == ["storage_error full", "closed"], report
    assert saved == list(range(len(saved))), report
    assert len(saved) >= 3, report  # the limit left room for some saves first

    opened = vault.unlock(PASSPHRASE)
    try:
        assert opened.integrity_problems == []
        assert not opened.db.read_only
        assert opened.db.scalar("PRAGMA integrity_check") == "ok"
        drafts = DraftStore(opened.db)
        before = drafts.load("before")
        assert before is not None
        assert before.content == "saved before the disk filled"
        for i in saved:
            loaded = drafts.load(f"big{i}")
            assert loaded is not None, f"big{i} was reported saved"
            assert loaded.content == draft_value(i, VALUE_SIZE)
        # The failed save is not half there: all or nothing.
        failed = drafts.load(f"big{len(saved)}")
        assert failed is None or failed.content == draft_value(len(saved), VALUE_SIZE)
        # With room again, saving works.
        drafts.save("after", "saved once there was room")
    finally:
        opened.close()


def test_full_disk_during_passphrase_change_keeps_old_passphrase(
    make_vault: Callable[..., Vault], tmp_path: Path
) -> None:
    vault = _vault(make_vault)
    opened = vault.create(PASSPHRASE)
    DraftStore(opened.db).save("before", "saved before the change")
    opened.close()
    key_before = vault.paths.key_file.read_bytes()
    stderr_file = tmp_path / "child-stderr.txt"

    # Smaller than the key file: its replacement cannot be written.
    limit = len(key_before) // 3
    code, out = run_child(
        "rewrap_full",
        vault.paths.data_dir,
        limit,
        child_env(CHEAP_KDF, old=PASSPHRASE, new=NEW),
        stderr_file,
    )

    assert (code, out) == (0, ["storage_error full"]), stderr_of(stderr_file)
    assert vault.paths.key_file.read_bytes() == key_before
    leftovers = [p.name for p in vault.paths.data_dir.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []
    with pytest.raises(WrongPassphrase):
        vault.unlock(NEW)
    opened = vault.unlock(PASSPHRASE)
    try:
        before = DraftStore(opened.db).load("before")
        assert before is not None
        assert before.content == "saved before the change"
    finally:
        opened.close()
