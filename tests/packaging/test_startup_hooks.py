"""What the packaged app's tests and benchmark rely on, from the venv: the app quits once
its first window is shown when asked to, and SIGTERM ends it through its event loop."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from outreach.config.paths import AppPaths
from tests.support.apprun import run_until_started_then_terminate


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    policy = tmp_path / "policy.toml"
    policy.write_text("", "utf-8")
    return dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        OUTREACH_DATA_DIR=str(tmp_path / "data"),
        OUTREACH_POLICY_FILE=str(policy),
        **extra,
    )


def test_the_app_quits_once_its_first_window_is_shown(tmp_path: Path) -> None:
    env = _env(tmp_path, OUTREACH_EXIT_WHEN_SHOWN="1")
    done = subprocess.run(
        [sys.executable, "-m", "outreach"], env=env, capture_output=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    log = AppPaths.in_folder(tmp_path / "data").log_dir / "outreach.log"
    assert "app started" in log.read_text("utf-8")


@pytest.mark.skipif(os.name == "nt", reason="SIGTERM is a POSIX signal")
def test_sigterm_ends_the_app_cleanly(tmp_path: Path) -> None:
    log = AppPaths.in_folder(tmp_path / "data").log_dir / "outreach.log"
    returncode, stderr = run_until_started_then_terminate(
        [sys.executable, "-m", "outreach"], _env(tmp_path), log
    )
    assert returncode == 0, stderr[-2000:]
