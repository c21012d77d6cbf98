"""Every benchmark, one after another, each printing its table of floors and ratios.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/run.py [--quick]

``--quick`` builds the records vault with 2,000 contacts instead of 20,000 (a smoke run:
its numbers are not the targets').
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    runs = [
        ["bench_records.py", *(["--contacts", "2000"] if args.quick else [])],
        ["bench_vault.py"],
        ["bench_startup.py"],
    ]
    failed = 0
    for script, *rest in runs:
        print(f"\n=== {script} {' '.join(rest)}".rstrip(), flush=True)
        done = subprocess.run([sys.executable, str(HERE / script), *rest], env=env, check=False)
        failed += done.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
