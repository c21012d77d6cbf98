"""Start-up time and memory of the app shell against a bare PySide6 window, each in a
fresh process, so imports count.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_startup.py
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys

BARE = """
import json, resource, sys, time
start = time.perf_counter()
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
window = QMainWindow(); window.show(); app.processEvents()
print(json.dumps([time.perf_counter() - start,
                  resource.getrusage(resource.RUSAGE_SELF).ru_maxrss]))
"""

SHELL = """
import json, resource, sys, tempfile, time
from pathlib import Path
start = time.perf_counter()
from outreach.config.paths import AppPaths
from outreach.config.policy import Policy
from outreach.gui import build_shell, make_application
from outreach.vault.device import DeviceSecretStore
app = make_application(sys.argv[:1])
folder = Path(tempfile.mkdtemp())
shell = build_shell(app, AppPaths.in_folder(folder), Policy(), DeviceSecretStore(None))
shell.window.show(); app.processEvents()
print(json.dumps([time.perf_counter() - start,
                  resource.getrusage(resource.RUSAGE_SELF).ru_maxrss]))
"""


def measure(code: str, runs: int = 5) -> tuple[float, float]:
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    seconds, rss = [], []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        ).stdout
        elapsed, maxrss = json.loads(out.strip().splitlines()[-1])
        seconds.append(elapsed)
        rss.append(maxrss / 1024)
    return statistics.median(seconds), statistics.median(rss)


def main() -> None:
    bare_s, bare_mb = measure(BARE)
    shell_s, shell_mb = measure(SHELL)
    print(
        f"start-up  bare window {bare_s:.3f} s  Outreach shell {shell_s:.3f} s  "
        f"ratio {shell_s / bare_s:.2f}"
    )
    print(
        f"memory    bare window {bare_mb:.0f} MiB  Outreach shell {shell_mb:.0f} MiB  "
        f"ratio {shell_mb / bare_mb:.2f}"
    )


if __name__ == "__main__":
    main()
