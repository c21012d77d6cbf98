"""A child process for the robustness tests: does one thing to a vault, then is killed.

Run as ``python _vault_child.py COMMAND DATA_DIR [ARG]`` with the passphrases and the
Argon2 cost in the environment (see ``child_env`` in ``_support.py``). It reports each
thing it has done as one flushed line on stdout, so the parent knows exactly what was
committed before it sent SIGKILL; it never sleeps and never decides when it dies, except
through the key-file step hook, which kills it at a named step.

Commands:

- ``write DATA_DIR START``: print ``ready``, unlock, print ``open``, then save drafts
  ``k{START}``, ``k{START+1}``, ... printing each number once its commit has returned.
- ``rewrap DATA_DIR STEP``: change the passphrase, SIGKILLing itself at key-file STEP.
- ``create DATA_DIR STEP``: create the vault, SIGKILLing itself at key-file STEP.
- ``fill DATA_DIR HEADROOM``: unlock, cap file sizes at the largest file + HEADROOM bytes
  (RLIMIT_FSIZE, SIGXFSZ ignored) and save large drafts until saving fails.
- ``rewrap_full DATA_DIR LIMIT``: cap file sizes at LIMIT bytes, then change the passphrase.

STEP is a name from ``outreach.vault.atomic.STEPS`` or ``mid_write``: killed after half the
temp file's bytes were written, before the first step completes.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

from outreach.config.paths import AppPaths
from outreach.config.policy import Policy
from outreach.records.drafts import DraftStore
from outreach.vault import atomic
from outreach.vault.crypto import KdfParams
from outreach.vault.device import DeviceSecretStore
from outreach.vault.errors import StorageError, VaultError
from outreach.vault.vault import Vault

# Enough to stop a runaway child; the parent kills it long before.
MAX_WRITES = 1000


def draft_value(i: int, size: int) -> str:
    """The content saved under ``k{i}``; the parent computes the same."""
    body = f"{i:08d}" * (size // 8 + 1)
    return f"v{i}:" + body[:size]


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def kill_at(step: str) -> atomic.StepHook:
    def hook(name: str) -> None:
        if name == step:
            die()

    return hook


class _DiesMidWrite:
    """Stands in for ``os`` inside atomic.py: the temp file gets half its bytes, then death."""

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)

    @staticmethod
    def write(fd: int, data: Any) -> int:
        chunk = bytes(data)
        os.write(fd, chunk[: max(1, len(chunk) // 2)])
        die()
        raise AssertionError("unreachable")


def make_vault(data_dir: str, step: str | None = None) -> Vault:
    kdf = KdfParams(*(int(part) for part in os.environ["OUTREACH_TEST_KDF"].split(",")))
    hook = None
    if step == "mid_write":
        atomic.os = _DiesMidWrite()  # type: ignore[assignment]
    elif step is not None:
        if step not in atomic.STEPS:
            raise SystemExit(f"unknown step {step}")
        hook = kill_at(step)
    return Vault(
        AppPaths.in_folder(Path(data_dir)),
        Policy(),
        DeviceSecretStore(None),
        kdf=kdf,
        on_key_step=hook,
    )


def limit_file_size(limit: int) -> None:
    import resource

    # Without this, exceeding the limit kills the process instead of failing the write.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def write(data_dir: str, start: int) -> None:
    size = int(os.environ.get("OUTREACH_TEST_VALUE_SIZE", "600"))
    vault = make_vault(data_dir)
    say("ready")
    opened = vault.unlock(os.environ["OUTREACH_TEST_PASSPHRASE"])
    say("open")
    drafts = DraftStore(opened.db)
    for i in range(start, start + MAX_WRITES):
        drafts.save(f"k{i}", draft_value(i, size))
        say(str(i))
    say("done")


def rewrap(data_dir: str, step: str) -> None:
    vault = make_vault(data_dir, step)
    vault.change_passphrase(os.environ["OUTREACH_TEST_OLD"], os.environ["OUTREACH_TEST_NEW"])
    say("survived")


def create(data_dir: str, step: str) -> None:
    vault = make_vault(data_dir, step)
    vault.create(os.environ["OUTREACH_TEST_PASSPHRASE"]).close()
    say("survived")


def fill(data_dir: str, headroom: int) -> None:
    size = int(os.environ.get("OUTREACH_TEST_VALUE_SIZE", "20000"))
    vault = make_vault(data_dir)
    opened = vault.unlock(os.environ["OUTREACH_TEST_PASSPHRASE"])
    largest = max(p.stat().st_size for p in Path(data_dir).iterdir() if p.is_file())
    limit_file_size(largest + headroom)
    say(f"limit {largest + headroom}")
    drafts = DraftStore(opened.db)
    try:
        for i in range(MAX_WRITES):
            drafts.save(f"big{i}", draft_value(i, size))
            say(f"saved {i}")
        say("never_failed")
    except StorageError as exc:
        say(f"storage_error {exc.reason}")
    except VaultError as exc:
        say(f"other_error {type(exc).__name__}")
    try:
        opened.close()
    finally:
        say("closed")


def rewrap_full(data_dir: str, limit: int) -> None:
    vault = make_vault(data_dir)
    limit_file_size(limit)
    try:
        vault.change_passphrase(os.environ["OUTREACH_TEST_OLD"], os.environ["OUTREACH_TEST_NEW"])
    except StorageError as exc:
        say(f"storage_error {exc.reason}")
    except VaultError as exc:
        say(f"other_error {type(exc).__name__}")
    else:
        say("changed")


def main(argv: list[str]) -> None:
    command, data_dir, arg = argv
    if command == "write":
        write(data_dir, int(arg))
    elif command == "rewrap":
        rewrap(data_dir, arg)
    elif command == "create":
        create(data_dir, arg)
    elif command == "fill":
        fill(data_dir, int(arg))
    elif command == "rewrap_full":
        rewrap_full(data_dir, int(arg))
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv[1:])
