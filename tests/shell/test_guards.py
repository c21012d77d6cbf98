"""What locks the vault besides the worker, and what else a lock cleans up."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys

import pytest
from PySide6.QtGui import QGuiApplication

from outreach.app.guards import DesktopLockWatcher, SleepWatcher
from outreach.app.instance import InstanceLock
from outreach.logs import install_exception_hook, setup_logging
from tests.conftest import PASSPHRASE, REQUIRE_REAL_SERVICES
from tests.shell.conftest import unlock


class Clocks:
    def __init__(self) -> None:
        self.wall = 1_000.0
        self.mono = 50.0


def test_the_sleep_watcher_notices_the_wall_clock_jumping(qtbot) -> None:
    clocks = Clocks()
    watcher = SleepWatcher(wall=lambda: clocks.wall, monotonic=lambda: clocks.mono)
    with qtbot.assertNotEmitted(watcher.slept):
        clocks.wall += 5
        clocks.mono += 5
        watcher.check()
    with qtbot.waitSignal(watcher.slept, timeout=1_000):
        clocks.wall += 120  # suspended: monotonic time stood still
        clocks.mono += 5
        watcher.check()


def test_a_screensaver_signal_on_the_session_bus_locks(tmp_path) -> None:
    if shutil.which("dbus-daemon") is None or shutil.which("dbus-send") is None:
        if REQUIRE_REAL_SERVICES:
            pytest.fail("dbus-daemon is not installed")
        pytest.skip("dbus-daemon is not installed")
    # A child process: Qt binds the session bus once per process.
    script = (
        "import subprocess, sys\n"
        "from PySide6.QtCore import QCoreApplication, QTimer\n"
        "from outreach.app.guards import DesktopLockWatcher\n"
        "app = QCoreApplication([])\n"
        "watcher = DesktopLockWatcher()\n"
        "watcher.locking.connect(lambda: (print('locked'), app.exit(0)))\n"
        "send = ['dbus-send', '--session', '--type=signal', '/org/freedesktop/ScreenSaver',\n"
        "        'org.freedesktop.ScreenSaver.ActiveChanged', 'boolean:true']\n"
        "QTimer.singleShot(0, lambda: subprocess.run(send, check=True))\n"
        "QTimer.singleShot(10000, lambda: app.exit(1))\n"
        "sys.exit(app.exec())\n"
    )
    done = subprocess.run(
        ["dbus-run-session", "--", sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "locked"


def test_the_desktop_watcher_ignores_the_screensaver_turning_off(qtbot) -> None:
    watcher = DesktopLockWatcher()
    with qtbot.assertNotEmitted(watcher.locking):
        watcher.on_bool(False)
    with qtbot.waitSignal(watcher.locking, timeout=1_000):
        watcher.on_bool(True)


def test_lock_clears_what_outreach_put_on_the_clipboard(qtbot, make_shell, make_vault) -> None:
    make_vault().create(PASSPHRASE).close()
    shell = make_shell()
    unlock(qtbot, shell, PASSPHRASE)
    clipboard = QGuiApplication.clipboard()
    shell.window.workspace.notes.setPlainText("copied from a note")
    shell.window.workspace.notes.selectAll()
    shell.window.workspace.notes.copy()
    assert clipboard.text() == "copied from a note"
    shell.session.lock()
    assert clipboard.text() == ""


def test_lock_leaves_other_applications_clipboard_alone(qtbot, make_shell, make_vault) -> None:
    make_vault().create(PASSPHRASE).close()
    shell = make_shell()
    unlock(qtbot, shell, PASSPHRASE)
    guard = shell.clipboard
    QGuiApplication.clipboard().setText("from another app")
    guard._ours = None  # as if it arrived while another application was in front
    shell.session.lock()
    if QGuiApplication.clipboard().ownsClipboard():
        pytest.skip("on this platform Qt owns every clipboard text set in-process")
    assert QGuiApplication.clipboard().text() == "from another app"


def test_one_instance_per_data_folder(tmp_path) -> None:
    first = InstanceLock(tmp_path / "outreach.lock")
    second = InstanceLock(tmp_path / "outreach.lock")
    assert first.acquire()
    assert not second.acquire()
    first.release()
    assert second.acquire()
    second.release()


def test_the_exception_hook_logs_frames_but_never_the_message(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    log_file = setup_logging(tmp_path / "logs")
    assert log_file is not None
    told = []
    hook = install_exception_hook(lambda: told.append(True))
    try:
        raise ValueError("canary-child-name-5521")
    except ValueError as exc:
        hook(type(exc), exc, exc.__traceback__)
    for handler in logging.getLogger("outreach").handlers:
        handler.flush()
    text = log_file.read_text("utf-8")
    assert "builtins.ValueError" in text
    assert "test_the_exception_hook_logs_frames_but_never_the_message" in text
    assert "canary-child-name-5521" not in text
    assert told == [True]
