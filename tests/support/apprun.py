"""The app as a process: started, waited for until its log says it is up, then ended
with SIGTERM as a desktop session or a service manager would."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path


def wait_for_line(
    log: Path, line: str, process: subprocess.Popen[bytes], within: float = 120
) -> None:
    deadline = time.monotonic() + within
    while not (log.exists() and line in log.read_text("utf-8", errors="replace")):
        assert process.poll() is None, f"the app ended early with {process.returncode}"
        assert time.monotonic() < deadline, f"{line!r} did not appear in {log} within {within} s"
        time.sleep(0.05)  # polling another process's log, bounded by the deadline


def run_until_started_then_terminate(
    command: Sequence[str],
    env: dict[str, str],
    log: Path,
    while_up: Callable[[], None] = lambda: None,
) -> tuple[int, bytes]:
    """The exit code and stderr of ``command``, ended by SIGTERM once its log says
    "app started" (and ``while_up`` has run)."""
    app = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_line(log, "app started", app)
        while_up()
        app.send_signal(signal.SIGTERM)
        _, stderr = app.communicate(timeout=60)
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
    return app.returncode, stderr
