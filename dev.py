#!/usr/bin/env python3
"""Set up a private virtual environment, then run the app or the tests.

    python3 dev.py run     the app (on a demo vault when nothing else is set up)
    python3 dev.py test    the whole test suite (extra arguments go to pytest)
    python3 dev.py lint    ruff (lint and format check) and mypy

The environment lives in .venv and is rebuilt only when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / "outreach-dev.stamp"


def _venv_python() -> Path:
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def _ensure_env() -> Path:
    if sys.version_info < (3, 11):  # noqa: UP036 (dev.py may be run by an older python3)
        sys.exit("Outreach needs Python 3.11 or newer; this is " + sys.version.split()[0])
    python = _venv_python()
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if python.exists() and STAMP.exists() and STAMP.read_text() == wanted:
        return python
    if not python.exists():
        print("Creating a virtual environment in .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("Installing Outreach and its test tools into .venv ...", flush=True)
    pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", f"{ROOT}[dev]"], check=True)
    STAMP.write_text(wanted)
    return python


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test", "lint"}:
        print(__doc__)
        return 2
    python = _ensure_env()
    command, rest = argv[0], argv[1:]
    env = dict(os.environ)
    if command == "lint":
        steps = (
            ["-m", "ruff", "check", "."],
            ["-m", "ruff", "format", "--check", "."],
            ["-m", "mypy"],
        )
        failed = [step for step in steps if subprocess.call([str(python), *step], cwd=ROOT)]
        return 1 if failed else 0
    if command == "run":
        args = rest or ["--demo"]
        return subprocess.call([str(python), "-m", "outreach", *args], env=env)
    # Tests never need a display: widgets render offscreen.
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return subprocess.call([str(python), "-m", "pytest", *rest], cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
