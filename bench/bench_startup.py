"""Start-up time and memory of the app shell against a bare PySide6 window, each in a
fresh process so that imports count.

Floor: a bare QApplication and QMainWindow, shown, events processed once. Ours: the
Outreach window as ``run_gui`` shows it first (``make_application`` and
``open_first_window`` on an empty data folder, no keyring), shown the same way; then the
rest of the shell added to it (``finish_shell``), as ``run_gui`` does on the next turn of
the event loop. Time runs from the first import to the shown window, and to the whole
shell; memory is the peak resident size of the whole process with the whole shell.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_startup.py
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys

RUNS = 5

# VmHWM, not ru_maxrss, where Linux has it: ru_maxrss carries the parent's size across exec.
_PEAK = """
import json, resource, sys, time
def peak_kib():
    try:
        with open("/proc/self/status") as status:
            return next(int(l.split()[1]) for l in status if l.startswith("VmHWM:"))
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
"""

BARE = (
    _PEAK
    + """
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
window = QMainWindow(); window.resize(900, 640); window.show(); app.processEvents()
print(json.dumps([time.perf_counter() - start, peak_kib()]))
"""
)

SHELL = (
    _PEAK
    + """
import shutil, tempfile
from pathlib import Path
from outreach.config.paths import AppPaths
from outreach.config.policy import Policy
from outreach.gui import finish_shell, make_application, open_first_window
from outreach.vault.device import DeviceSecretStore
imported = time.perf_counter() - start
app = make_application(sys.argv[:1])
folder = Path(tempfile.mkdtemp(prefix="outreach-bench-"))
device = DeviceSecretStore(None)
window = open_first_window(app, AppPaths.in_folder(folder / "data"), Policy(), device)
window.show(); app.processEvents()
shown = time.perf_counter() - start
shell = finish_shell(app, window, Policy(), device); app.processEvents()
print(json.dumps([shown, peak_kib(), imported, time.perf_counter() - start]))
shutil.rmtree(folder)
"""
)


def measure(code: str) -> list[tuple[float, ...]]:
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    results = []
    for _ in range(RUNS):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        ).stdout
        results.append(tuple(json.loads(out.strip().splitlines()[-1])))
    return results


def median(rows: list[tuple[float, ...]], column: int) -> float:
    return statistics.median(row[column] for row in rows)


def main() -> None:
    bare, shell = [], []
    for _ in range(2):  # alternate, so a noisy moment hits both
        bare += measure(BARE)
        shell += measure(SHELL)
    bare_s, shell_s = median(bare, 0), median(shell, 0)
    bare_mib, shell_mib = median(bare, 1) / 1024, median(shell, 1) / 1024
    print(f"start-up to a shown window, fresh process (median of {len(bare)})")
    print(f"  floor  bare QMainWindow        {bare_s:6.3f} s")
    print(f"  ours   Outreach first window   {shell_s:6.3f} s  (imports {median(shell, 2):.3f} s)")
    print(f"  ratio  {shell_s / bare_s:.2f}")
    print(f"  then   the whole shell         {median(shell, 3):6.3f} s")
    print("peak resident memory")
    print(f"  floor  bare QMainWindow        {bare_mib:6.0f} MiB")
    print(f"  ours   Outreach shell          {shell_mib:6.0f} MiB")
    print(f"  ratio  {shell_mib / bare_mib:.2f}")


if __name__ == "__main__":
    main()
