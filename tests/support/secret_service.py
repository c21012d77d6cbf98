"""A real Secret Service for tests: a private D-Bus session with gnome-keyring on it."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REQUIRE_REAL_SERVICES

SECRETS = "org.freedesktop.secrets"


def _unavailable(reason: str) -> None:
    if REQUIRE_REAL_SERVICES:
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
def secret_service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Start dbus-daemon and gnome-keyring-daemon; yields the bus address."""
    for binary in ("dbus-daemon", "gnome-keyring-daemon"):
        if shutil.which(binary) is None:
            _unavailable(f"{binary} is not installed (Debian: dbus, gnome-keyring)")
    home = tmp_path / "home"
    runtime = tmp_path / "runtime"
    for folder in (home, runtime):
        folder.mkdir(mode=0o700)
    env = dict(
        os.environ,
        HOME=str(home),
        XDG_RUNTIME_DIR=str(runtime),
        XDG_DATA_HOME=str(home / ".local" / "share"),
    )
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert bus.stdout is not None
    address = bus.stdout.readline().strip()
    env["DBUS_SESSION_BUS_ADDRESS"] = address
    daemon = subprocess.Popen(
        ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    assert daemon.stdin is not None
    daemon.stdin.write(b"test-pw")
    daemon.stdin.close()
    for name, value in (
        ("DBUS_SESSION_BUS_ADDRESS", address),
        ("HOME", str(home)),
        ("XDG_RUNTIME_DIR", str(runtime)),
    ):
        monkeypatch.setenv(name, value)
    try:
        _wait_for_service()
        yield address
    finally:
        for process in (daemon, bus):
            process.terminate()
            process.wait(timeout=10)


def _wait_for_service() -> None:
    import secretstorage
    from jeepney.bus_messages import message_bus

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            connection = secretstorage.dbus_init()
            try:
                # Ask the bus whether our daemon has taken the name yet, without touching
                # the service: a call to it before then makes D-Bus start a second daemon
                # of its own, one that never got the password and whose collection stays
                # locked (a slow start on a busy machine was enough).
                ours = message_bus.NameHasOwner(SECRETS)
                if connection.send_and_get_reply(ours).body[0]:
                    collection = secretstorage.get_default_collection(connection)
                    if not collection.is_locked():
                        return
            finally:
                connection.close()
        except (secretstorage.exceptions.SecretStorageException, OSError):
            pass
        time.sleep(0.05)  # polling a daemon's start-up, bounded by the deadline
    pytest.fail("gnome-keyring did not offer an unlocked collection within 20 s")
