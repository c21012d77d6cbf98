"""What locks the vault besides the worker: idle time, the machine sleeping, the desktop."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from outreach.app.guards import DesktopLockWatcher, IdleWatcher, SleepWatcher
from tests.conftest import PASSPHRASE, REQUIRE_REAL_SERVICES
from tests.ui.conftest import unlock

ROOT = Path(__file__).resolve().parents[2]


class Clocks:
    def __init__(self) -> None:
        self.wall = 1_700_000_000.0
        self.mono = 500.0

    def advance(self, wall: float, mono: float) -> None:
        self.wall += wall
        self.mono += mono


def test_a_wall_clock_jump_means_the_machine_slept(qtbot) -> None:
    clocks = Clocks()
    watcher = SleepWatcher(wall=lambda: clocks.wall, monotonic=lambda: clocks.mono)
    with qtbot.waitSignal(watcher.slept, timeout=1_000):
        clocks.advance(wall=120, mono=5)  # suspended: monotonic time stood still
        watcher.check()


def test_ordinary_time_passing_is_not_sleep(qtbot) -> None:
    clocks = Clocks()
    watcher = SleepWatcher(wall=lambda: clocks.wall, monotonic=lambda: clocks.mono)
    with qtbot.assertNotEmitted(watcher.slept, wait=0):
        for _ in range(20):
            clocks.advance(wall=5, mono=5)
            watcher.check()
        clocks.advance(wall=25, mono=5)  # NTP nudging the clock by less than the tolerance
        watcher.check()
        clocks.advance(wall=-3600, mono=5)  # the clock set back an hour is not sleep
        watcher.check()


def test_the_sleep_watcher_checks_by_itself(qtbot) -> None:
    clocks = Clocks()
    watcher = SleepWatcher(wall=lambda: clocks.wall, monotonic=lambda: clocks.mono, period_ms=10)
    clocks.advance(wall=300, mono=1)
    with qtbot.waitSignal(watcher.slept, timeout=2_000):
        pass


def test_the_idle_watcher_starts_and_stops_with_the_session(qtbot, make_shell, make_vault):
    make_vault().create(PASSPHRASE).close()
    shell = make_shell()
    assert not shell.idle.active
    unlock(qtbot, shell)
    assert shell.idle.active
    shell.session.lock()
    assert not shell.idle.active


def test_the_idle_watcher_is_not_running_until_started(qtbot) -> None:
    watcher = IdleWatcher(5)
    watcher.set_interval_ms(10)
    with qtbot.assertNotEmitted(watcher.idle, wait=100):
        pass
    watcher.start()
    with qtbot.waitSignal(watcher.idle, timeout=1_000):
        pass


@pytest.mark.parametrize("signal", ["slept", "locking"])
def test_sleep_and_desktop_lock_lock_the_shell(qtbot, make_shell, make_vault, signal) -> None:
    make_vault().create(PASSPHRASE).close()
    shell = make_shell()
    unlock(qtbot, shell)
    qtbot.keyClicks(shell.window.workspace.notes, "canary-sleep-8812")
    if signal == "slept":
        emitter = shell.sleep.slept
    else:
        watchers = shell.session.findChildren(DesktopLockWatcher)
        assert len(watchers) == 1
        emitter = watchers[0].locking
    with qtbot.waitSignal(shell.session.locked, timeout=1_000):
        emitter.emit()
    assert shell.window.workspace.notes.toPlainText() == ""


def test_the_screensaver_turning_off_does_not_lock(qtbot) -> None:
    watcher = DesktopLockWatcher()
    with qtbot.assertNotEmitted(watcher.locking, wait=0):
        watcher.on_bool(False)
    with qtbot.waitSignal(watcher.locking, timeout=1_000):
        watcher.on_bool(True)


# --- a real screensaver signal on a private session bus --------------------------------

# Qt binds the session bus once per process, on first use: by now this process has one
# (or has failed to find one), so the watcher runs in a child that starts on the new bus.
_CHILD = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import QCoreApplication, QTimer
    from outreach.app.guards import DesktopLockWatcher

    app = QCoreApplication([])
    watcher = DesktopLockWatcher()
    count = []

    def locking():
        count.append(1)
        if len(count) == 1:  # wait a little for a second, wrong one, then report
            QTimer.singleShot(300, lambda: (print("locking", len(count), flush=True), app.exit(0)))

    watcher.locking.connect(locking)
    print("connected", ",".join(watcher.connected), flush=True)
    QTimer.singleShot(15_000, lambda: app.exit(3))
    sys.exit(app.exec())
    """
)


@pytest.fixture
def private_session_bus() -> Iterator[str]:
    if shutil.which("dbus-daemon") is None or shutil.which("dbus-send") is None:
        if REQUIRE_REAL_SERVICES:
            pytest.fail("dbus-daemon and dbus-send are needed (OUTREACH_REQUIRE_REAL_SERVICES=1)")
        pytest.skip("dbus-daemon or dbus-send is not installed")
    daemon = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert daemon.stdout is not None
        address = daemon.stdout.readline().strip()
        assert address, "dbus-daemon printed no address"
        yield address
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)


def test_the_screensaver_turning_on_locks(private_session_bus) -> None:
    env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": private_session_bus}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        first = child.stdout.readline().strip()  # the child exits within 15 s if stuck
        assert first.startswith("connected"), child.stderr.read() if child.stderr else ""
        assert "ActiveChanged" in first.split(" ", 1)[1].split(",")

        def send(active: str) -> None:
            subprocess.run(
                [
                    "dbus-send",
                    "--session",
                    "--type=signal",
                    "/org/freedesktop/ScreenSaver",
                    "org.freedesktop.ScreenSaver.ActiveChanged",
                    f"boolean:{active}",
                ],
                env=env,
                check=True,
                timeout=10,
            )

        send("false")  # the screensaver ending must not count
        send("true")
        out, err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert child.returncode == 0, err
    assert out.strip() == "locking 1"
