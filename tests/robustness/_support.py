"""Parent-side helpers: start ``_vault_child.py``, read its lines, fingerprint files."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from outreach.vault.crypto import KdfParams

CHILD = Path(__file__).with_name("_vault_child.py")
# A child that hangs must fail the test, not the CI job.
CHILD_TIMEOUT = 60


def child_env(kdf: KdfParams, **values: str) -> dict[str, str]:
    env = dict(os.environ)
    env["OUTREACH_TEST_KDF"] = f"{kdf.time_cost},{kdf.memory_kib},{kdf.parallelism}"
    env["PYTHONUNBUFFERED"] = "1"
    for name, value in values.items():
        env[f"OUTREACH_TEST_{name.upper()}"] = value
    return env


def start_child(
    command: str, data_dir: Path, arg: object, env: dict[str, str], stderr_file: Path
) -> subprocess.Popen[str]:
    with stderr_file.open("w") as stderr:
        return subprocess.Popen(
            [sys.executable, str(CHILD), command, str(data_dir), str(arg)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=env,
            text=True,
        )


def run_child(
    command: str, data_dir: Path, arg: object, env: dict[str, str], stderr_file: Path
) -> tuple[int, list[str]]:
    """Run to the end (or to its own SIGKILL); its exit code and stdout lines."""
    proc = start_child(command, data_dir, arg, env, stderr_file)
    try:
        out, _ = proc.communicate(timeout=CHILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise
    return proc.returncode, out.splitlines()


def stderr_of(stderr_file: Path) -> str:
    try:
        return stderr_file.read_text(errors="replace")[-4000:]
    except OSError:
        return ""


def fingerprints(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder``, by path relative to it."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
