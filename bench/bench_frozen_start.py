"""Cold start of the frozen app to its unlock window, beside a bare PySide6 window frozen
with the same spec (packaging/outreach.spec), in the same run.

Each round starts a fresh process of each, alternating: the installed app (or the bundle
packaging/build.py made) on a data folder holding a vault, with OUTREACH_EXIT_WHEN_SHOWN=1
so it quits once the unlock window is shown; the bare window quits the same way. Time runs
from starting the process to its exit. Target: the app within 1.3x of the bare window.

By default the page cache is warm (one run of each first): what starting the app again
costs. With --cold (Linux, as root) the kernel's caches are dropped before every process,
as after a reboot: what the first start of the day costs, reading the libraries from disk.
With --instructions each is also run once under valgrind's callgrind, which counts the
instructions executed (the same count every run, whatever else the machine is doing).

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_frozen_start.py \
        [--app PATH] [--rounds N] [--cold] [--instructions]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = 1.3


def default_app() -> Path | None:
    for candidate in (Path("/opt/outreach/outreach"), ROOT / "dist" / "outreach" / "outreach"):
        if candidate.exists():
            return candidate
    return None


def freeze_bare_window(work: Path) -> Path:
    """bench/frozen_bare_window.py through the app's spec: the same options and trimming."""
    env = dict(
        os.environ,
        OUTREACH_SPEC_ENTRY=str(ROOT / "bench" / "frozen_bare_window.py"),
        OUTREACH_SPEC_NAME="bare-window",
        PYTHONHASHSEED="0",
    )
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level=ERROR"]
    command += ["--distpath", str(work / "dist"), "--workpath", str(work / "build")]
    subprocess.run([*command, str(ROOT / "packaging" / "outreach.spec")], env=env, check=True)
    return work / "dist" / "bare-window" / "bare-window"


def vault_folder(parent: Path) -> Path:
    """A data folder holding a vault, so the app opens on its unlock window."""
    from outreach.config.paths import AppPaths
    from outreach.config.policy import Policy
    from outreach.vault.crypto import KdfParams
    from outreach.vault.device import DeviceSecretStore
    from outreach.vault.vault import Vault

    folder = parent / "data"
    cheap = KdfParams(time_cost=1, memory_kib=1024, parallelism=1)  # unlock is not timed
    vault = Vault(AppPaths.in_folder(folder), Policy(), DeviceSecretStore(None), kdf=cheap)
    vault.create("bench frozen start 1").close()
    return folder


DROP_CACHES = Path("/proc/sys/vm/drop_caches")


def drop_caches() -> None:
    """Empty the page cache (and dentries and inodes), so the next process reads from disk."""
    os.sync()
    DROP_CACHES.write_text("3\n", "ascii")


def timed(command: list[str], env: dict[str, str], *, cold: bool = False) -> float:
    if cold:
        drop_caches()
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{command[0]} failed ({done.returncode}): {done.stderr[-2000:]!r}")
    return elapsed


def instructions(command: list[str], env: dict[str, str], scratch: Path) -> int:
    """Instructions executed by the process and any it starts (the bootloader's child)."""
    log = scratch / "callgrind.log"
    out = scratch / "callgrind.%p"
    valgrind = ["valgrind", "--tool=callgrind", "--trace-children=yes"]
    valgrind += [f"--callgrind-out-file={out}", f"--log-file={log}"]
    subprocess.run([*valgrind, *command], env=env, capture_output=True, check=True)
    counted = re.findall(r"Collected : (\d+)", log.read_text("utf-8"))
    for made in scratch.glob("callgrind.*"):
        made.unlink()
    return sum(int(count) for count in counted)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", type=Path, default=default_app())
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--cold", action="store_true", help="drop the page cache before each")
    parser.add_argument("--instructions", action="store_true", help="also count instructions")
    args = parser.parse_args()
    if args.app is None or not args.app.exists():
        raise SystemExit("no frozen app: install the .deb or run packaging/build.py bundle")
    if args.cold and not os.access(DROP_CACHES, os.W_OK):
        raise SystemExit(f"--cold needs Linux and root: it writes {DROP_CACHES}")

    scratch = Path(tempfile.mkdtemp(prefix="outreach-frozen-bench-"))
    try:
        bare = freeze_bare_window(scratch / "bare")
        policy = scratch / "policy.toml"
        policy.write_text("", "utf-8")  # defaults: the installed example requires a keyring
        env = dict(
            os.environ,
            QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
            OUTREACH_DATA_DIR=str(vault_folder(scratch)),
            OUTREACH_POLICY_FILE=str(policy),
            OUTREACH_EXIT_WHEN_SHOWN="1",
        )
        timed([str(bare)], env), timed([str(args.app)], env)  # first runs fill the page cache
        floor, ours = [], []
        for _ in range(args.rounds):
            floor.append(timed([str(bare)], env, cold=args.cold))
            ours.append(timed([str(args.app)], env, cold=args.cold))
        counts = (0, 0)
        if args.instructions:
            env["PYTHONHASHSEED"] = "0"  # the same work every run (the source tree's app)
            counts = (
                instructions([str(bare)], env, scratch),
                instructions([str(args.app)], env, scratch),
            )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    floor_s, ours_s = statistics.median(floor), statistics.median(ours)
    ratio = ours_s / floor_s
    cache = "page cache dropped before each" if args.cold else "page cache warm"
    print(f"frozen start-up to the first window, fresh process, {cache} (median of {args.rounds})")
    print(f"  floor  bare QMainWindow, frozen       {floor_s:6.3f} s")
    print(f"  ours   {args.app}  {ours_s:6.3f} s")
    print(f"  ratio  {ratio:.2f} (target at most {TARGET})")
    print(f"  rounds floor {[round(t, 3) for t in floor]}")
    print(f"         ours  {[round(t, 3) for t in ours]}")
    if args.instructions:
        floor_i, ours_i = counts
        print(f"  instructions  floor {floor_i / 1e6:.1f} M  ours {ours_i / 1e6:.1f} M", end="")
        print(f"  ratio {ours_i / floor_i:.2f}")


if __name__ == "__main__":
    main()
