"""`outreach self-test`: what IT needs to know, as one JSON object, and an exit code."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from outreach import __version__
from outreach.config.paths import AppPaths
from outreach.config.policy import Policy, PolicyError
from outreach.hardening import core_dumps_disabled
from outreach.vault.crypto import new_data_key
from outreach.vault.database import Database
from outreach.vault.device import DeviceSecretStore
from outreach.vault.errors import VaultError

_MARKER = "self-test marker: not a record"


def encryption_round_trip() -> dict[str, Any]:
    """Write, prove the file is unreadable without the key, read back with it."""
    import sqlcipher3

    with tempfile.TemporaryDirectory(prefix="outreach-selftest-") as folder:
        path = Path(folder) / "probe.vault"
        key = new_data_key()
        try:
            db = Database.open(path, key, create=True)
            with db.transaction():
                db.execute("CREATE TABLE probe (value TEXT)")
                db.execute("INSERT INTO probe VALUES (?)", (_MARKER,))
            cipher_version = str(db.scalar("PRAGMA cipher_version"))
            db.close()
            plaintext_visible = _MARKER.encode() in path.read_bytes()
            unkeyed_readable = _plain_sqlite_can_read(path)
            again = Database.open(path, key, read_only=True)
            read_back = again.scalar("SELECT value FROM probe") == _MARKER
            again.close()
        except (VaultError, sqlcipher3.Error, OSError) as exc:
            return {"ok": False, "error": type(exc).__name__}
    ok = read_back and not plaintext_visible and not unkeyed_readable
    return {
        "ok": ok,
        "sqlcipher_version": cipher_version,
        "sqlite_version": sqlcipher3.sqlite_version,
        "plaintext_on_disk": plaintext_visible,
        "readable_without_key": unkeyed_readable,
    }


def _plain_sqlite_can_read(path: Path) -> bool:
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return False
    return True


_CIPHER_PRAGMAS = (
    ("cipher_version", "PRAGMA cipher_version"),
    ("cipher_provider", "PRAGMA cipher_provider"),
    ("cipher_provider_version", "PRAGMA cipher_provider_version"),
)


def native_sqlcipher(bundle_dir: Path | None) -> dict[str, Any]:
    """Which native SQLCipher this process loaded, and its cipher version.

    In a frozen build (bundle_dir is PyInstaller's folder) the sqlcipher3 extension and
    any separate libsqlcipher must come from inside the bundle: one picked up from the
    system could be a different, unchecked build of the cipher.
    """
    import sqlcipher3
    import sqlcipher3._sqlite3 as extension

    module = Path(extension.__file__).resolve()
    libraries = sorted(_loaded_libraries("sqlcipher") - {module})
    report: dict[str, Any] = {
        "module": str(module),
        "libraries": [str(path) for path in libraries],
        "frozen": bundle_dir is not None,
    }
    try:
        conn = sqlcipher3.connect(":memory:")
        try:
            # A keyed connection, or SQLCipher does not name its crypto provider.
            conn.execute("PRAGMA key = 'self-test'")
            for name, statement in _CIPHER_PRAGMAS:
                row = conn.execute(statement).fetchone()
                report[name] = str(row[0]) if row and row[0] is not None else None
        finally:
            conn.close()
    except sqlcipher3.Error as exc:
        report |= {"ok": False, "error": type(exc).__name__}
        return report
    if bundle_dir is None:
        report["ok"] = report["cipher_version"] is not None
        return report
    bundle = bundle_dir.resolve()
    report["bundle"] = str(bundle)
    report["inside_bundle"] = all(path.is_relative_to(bundle) for path in [module, *libraries])
    report["ok"] = report["inside_bundle"] and report["cipher_version"] is not None
    return report


def _loaded_libraries(word: str) -> set[Path]:
    """Files mapped into this process whose name holds word (Linux; elsewhere none)."""
    try:
        maps = Path("/proc/self/maps").read_text("utf-8", errors="replace")
    except OSError:
        return set()
    found = set()
    for line in maps.splitlines():
        parts = line.split(maxsplit=5)
        if len(parts) == 6 and parts[5].startswith("/") and word in Path(parts[5]).name:
            found.add(Path(parts[5]).resolve())
    return found


def frozen_bundle_dir() -> Path | None:
    """PyInstaller's bundle folder when this is the frozen app, else None."""
    if not getattr(sys, "frozen", False):
        return None
    folder = getattr(sys, "_MEIPASS", None)
    return Path(folder) if isinstance(folder, str) else Path(sys.executable).parent


# Not imported by the check: the agency's server (left out of the app's bundle), the
# entry script, and the widgets, which need a display and are imported by the app's
# first window anyway.
_NOT_CHECKED = ("outreach.hub", "outreach.__main__", "outreach.ui", "outreach.gui")


def modules_status() -> dict[str, Any]:
    """Import every module of the app's core and services. The frozen app collects most
    of them as files beside its archive, imported only after the first window: a build
    that misses one fails here, not while a worker files a contact or syncs."""
    import importlib
    import pkgutil

    import outreach

    failed: dict[str, str] = {}
    checked = 0
    pending = [("outreach.", list(outreach.__path__))]
    while pending:
        prefix, path = pending.pop()
        for info in pkgutil.iter_modules(path, prefix):
            if info.name.startswith(_NOT_CHECKED):
                continue
            checked += 1
            try:
                module = importlib.import_module(info.name)
            except Exception as exc:  # ImportError, or a library failing as it loads
                failed[info.name] = type(exc).__name__
                continue
            if info.ispkg:
                pending.append((f"{info.name}.", list(module.__path__)))
    return {"ok": not failed, "checked": checked, "failed": failed}


def keyring_status(store: DeviceSecretStore) -> dict[str, Any]:
    if not store.available:
        return {"backend": "none", "works": False, "problem": "no_backend"}
    problem = store.probe()
    return {"backend": store.backend_name, "works": problem is None, "problem": problem}


def qt_status(env: Mapping[str, str]) -> dict[str, Any]:
    """Start Qt in a child process: a missing display or plugin aborts the process."""
    if getattr(sys, "frozen", False):
        command = [sys.executable, "qt-probe"]
    else:
        command = [sys.executable, "-m", "outreach", "qt-probe"]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=60, env=dict(env), check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"ok": False, "platform": None, "error": type(exc).__name__}
    platform = done.stdout.strip() or None
    return {"ok": done.returncode == 0 and bool(platform), "platform": platform}


def data_dir_status(paths: AppPaths) -> dict[str, Any]:
    folder = paths.data_dir
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    return {
        "path": str(folder),
        "exists": folder.exists(),
        # The nearest existing ancestor must be a folder we may write into.
        "writable": existing.is_dir() and os.access(existing, os.W_OK),
        "vault_present": paths.key_file.exists(),
    }


def run_self_test(
    paths: AppPaths,
    policy_or_error: Policy | PolicyError,
    store: DeviceSecretStore,
    env: Mapping[str, str],
) -> tuple[dict[str, Any], bool]:
    errors: list[str] = []
    warnings: list[str] = []
    report: dict[str, Any] = {"app_version": __version__, "python": sys.version.split()[0]}

    if isinstance(policy_or_error, PolicyError):
        report["policy"] = {
            "file": str(policy_or_error.path),
            "ok": False,
            "problem": policy_or_error.reason,
            "key": policy_or_error.key or None,
            "layer": policy_or_error.layer,
        }
        errors.append("policy")
        require_keyring = False
    else:
        source = policy_or_error.source
        report["policy"] = {
            "file": str(source) if source else None,
            "ok": True,
            "managed": sorted(policy_or_error.managed),
            # Per key, the layer that set it: group_policy, managed_preferences or file.
            "sources": {
                name: {"layer": origin.layer, "where": origin.where}
                for name, origin in sorted(policy_or_error.origins.items())
            },
        }
        require_keyring = policy_or_error.require_keyring

    report["encryption"] = encryption_round_trip()
    if not report["encryption"]["ok"]:
        errors.append("encryption")

    report["sqlcipher"] = native_sqlcipher(frozen_bundle_dir())
    if not report["sqlcipher"]["ok"]:
        errors.append("sqlcipher")

    report["keyring"] = keyring_status(store) | {"required": require_keyring}
    if not report["keyring"]["works"]:
        (errors if require_keyring else warnings).append("keyring")

    report["qt"] = qt_status(env)
    if not report["qt"]["ok"]:
        errors.append("qt")

    report["modules"] = modules_status()
    if not report["modules"]["ok"]:
        errors.append("modules")

    report["data_dir"] = data_dir_status(paths)
    if not report["data_dir"]["writable"]:
        errors.append("data_dir")

    report["core_dumps_disabled"] = core_dumps_disabled()
    report["errors"] = errors
    report["warnings"] = warnings
    report["ok"] = not errors
    return report, not errors
