"""The first window comes before the workspace: the unlock page shows, and takes a
passphrase, before the workspace and the services behind it are imported and built."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from outreach import gui
from outreach.app.session import State
from outreach.config.policy import Policy
from outreach.gui import KeyringOnFirstUse, Shell, finish_shell, open_first_window
from outreach.ui.main_window import MainWindow
from outreach.ui.setup_page import SetupPage
from outreach.vault.device import DeviceSecretStore
from tests.conftest import CHEAP_KDF, PASSPHRASE
from tests.ui.conftest import UNLOCK_TIMEOUT_MS, _dispose

# Imported only once the first window is shown.
AFTER_THE_FIRST_WINDOW = (
    "outreach.ui.workspace",
    "outreach.app.drafts",
    "outreach.app.records",
    "outreach.app.sync",
    "outreach.sync.client",
    "outreach.contract",
    "httpx",
    "pydantic",
    "keyring",  # the keyring is looked for, and imported, after the first window too
    "cryptography",  # nothing is derived or unwrapped before a passphrase is entered
    "argon2",
    "uuid",  # only creating a vault makes an id
    "sqlcipher3",  # the database is opened once a passphrase is entered
    "outreach.vault.database",
    "outreach.vault.migrations",
    "outreach.ui.setup_page",  # built when a vault is to be created; this one exists
    "outreach.ui.notice_page",
    "PySide6.QtWidgets.QMessageBox",
    "logging.handlers",  # the log rotates once the window is up
    "PySide6.QtWidgets.QTextEdit",  # PySide6 makes a class when first used
    "PySide6.QtWidgets.QPlainTextEdit",
    "outreach.ui.shortcuts",  # the menus' actions are added on the event loop's first turn
    "PySide6.QtGui.QAction",
    "getpass",  # the audit's user name and the command line's prompts, with termios
) + (() if sys.platform == "darwin" else ("plistlib",))  # macOS's managed preferences

_LOADED_AT_EXIT = """
import json, sys
from outreach.cli import main
code = main([])
# PySide6 makes a class when first used: the Qt namespace builds all of its enums then.
made = [
    f"PySide6.{module}.{name}"
    for module in ("QtCore", "QtGui", "QtWidgets")
    for name in vars(sys.modules[f"PySide6.{module}"])
]
print(json.dumps({"code": code, "modules": sorted(sys.modules) + made}))
"""


def _app_env(paths, **extra: str) -> dict[str, str]:
    """The app as a process on the test's vault, offscreen, with an empty policy."""
    policy = paths.data_dir.parent / "policy.toml"
    policy.write_text("", "utf-8")
    return dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        OUTREACH_DATA_DIR=str(paths.data_dir),
        OUTREACH_POLICY_FILE=str(policy),
        **extra,
    )


def test_the_unlock_window_shows_before_the_workspace_is_imported(make_vault, paths) -> None:
    make_vault().create(PASSPHRASE).close()
    env = _app_env(paths, OUTREACH_EXIT_WHEN_SHOWN="1")  # quit once the first window shows
    done = subprocess.run(
        [sys.executable, "-c", _LOADED_AT_EXIT], env=env, capture_output=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.decode().strip().splitlines()[-1])
    assert found["code"] == 0
    assert "outreach.ui.unlock_page" in found["modules"]
    assert [name for name in AFTER_THE_FIRST_WINDOW if name in found["modules"]] == []
    assert "PySide6.QtCore.Qt" not in found["modules"]  # see ui/qtvalues.py
    assert "PySide6.QtCore.QTimer" in found["modules"]  # which would catch it


class Started:
    """A first window, and the shell once ``finish`` has added the rest to it."""

    def __init__(self, qapp, window: MainWindow) -> None:
        self._qapp = qapp
        self.window = window
        self.shell: Shell | None = None

    def finish(self, policy: Policy | None = None) -> Shell:
        policy = policy or Policy()
        self.shell = finish_shell(self._qapp, self.window, policy, DeviceSecretStore(None))
        return self.shell


_TYPED_AT_ONCE = """
import gc, json, logging, sys
gc.disable()  # as outreach.__main__ does while starting
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from outreach.cli import main

app = QApplication(sys.argv[:1])
seen = {}

def type_at_once():
    window = next(w for w in app.topLevelWidgets() if hasattr(w, "unlock_page"))
    seen["workspace_when_typed"] = hasattr(window, "workspace")
    QTest.keyClicks(window.unlock_page.passphrase, sys.argv[1])
    QTest.keyClick(window.unlock_page.passphrase, Qt.Key.Key_Return)

    def unlocked():
        seen["workspace_shown"] = window.pages.currentWidget() is window.workspace
        seen["lock_enabled"] = window.actions_by_name["lock"].isEnabled()
        seen["collecting"] = gc.isenabled()
        app.quit()

    window.session.unlocked.connect(unlocked)
    window.session.failed.connect(lambda message: (seen.update(failed=message), app.quit()))

QTimer.singleShot(0, type_at_once)  # queued before run_gui's own next turn
code = main([])
# Left out of the frozen app (packaging/outreach.spec): nothing may need it at run time.
seen["multiprocessing"] = "multiprocessing" in sys.modules
seen["log"] = [type(h).__name__ for h in logging.getLogger("outreach").handlers]
print(json.dumps({"code": code, **seen}))
"""


def test_the_app_unlocks_with_a_passphrase_typed_as_soon_as_it_shows(make_vault, paths) -> None:
    make_vault().create(PASSPHRASE).close()
    env = _app_env(paths, PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring")  # as made
    env.pop("OUTREACH_EXIT_WHEN_SHOWN", None)
    done = subprocess.run(
        [sys.executable, "-c", _TYPED_AT_ONCE, PASSPHRASE],
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.decode().strip().splitlines()[-1])
    assert seen == {
        "code": 0,
        "workspace_when_typed": False,
        "workspace_shown": True,
        "lock_enabled": True,
        "collecting": True,
        "multiprocessing": False,
        "log": ["RotatingFileHandler"],
    }


@pytest.fixture
def started(qapp, qtbot, paths, make_vault) -> Iterator[Started]:
    make_vault().create(PASSPHRASE).close()
    # As make_application does: the window is laid out under the app's stylesheet from
    # the start, whether or not an earlier test in this process applied it.
    gui._apply_scheme(qapp, from_palette=True)
    window = open_first_window(qapp, paths, Policy(), DeviceSecretStore(None), kdf=CHEAP_KDF)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    first = Started(qapp, window)
    yield first
    if first.shell is not None:
        _dispose(qapp, first.shell)
    else:
        window.session.lock()
        window.close()
        window.deleteLater()


def test_enter_pressed_before_the_workspace_is_built_unlocks_once_it_is(qtbot, started) -> None:
    window = started.window
    page = window.unlock_page
    assert window.pages.currentWidget() is page
    qtbot.keyClicks(page.passphrase, PASSPHRASE)
    qtbot.keyClick(page.passphrase, Qt.Key.Key_Return)
    assert window.session.state == State.LOCKED  # waiting for the workspace
    assert not page.unlock_button.isEnabled()  # and the page says it is opening
    with qtbot.waitSignal(window.session.unlocked, timeout=UNLOCK_TIMEOUT_MS):
        shell = started.finish()
    assert window.pages.currentWidget() is window.workspace
    assert window.actions_by_name["lock"].isEnabled()
    assert page.passphrase.text() == ""
    assert shell.session.open_vault is not None


def test_hide_now_before_the_workspace_is_built_drops_the_waiting_unlock(qtbot, started) -> None:
    page = started.window.unlock_page
    started.window.add_actions()  # run_gui's first turn, before the workspace's
    qtbot.keyClicks(page.passphrase, PASSPHRASE)
    qtbot.keyClick(page.passphrase, Qt.Key.Key_Return)
    started.window.actions_by_name["hide_now"].trigger()
    assert page.passphrase.text() == ""
    assert page.unlock_button.isEnabled()
    started.finish()
    assert started.window.session.state == State.LOCKED  # no unlock was started


def test_filling_the_menus_and_adding_the_workspace_move_nothing(qapp, started) -> None:
    window = started.window

    def menus() -> list[tuple[str, list[str]]]:
        return [
            (action.text(), [entry.text() for entry in action.menu().actions()])
            for action in window.menuBar().actions()
        ]

    titles = [title for title, _entries in menus()]
    assert titles == ["&Outreach", "&Records", "&Go", "&Hub"]
    before_size = window.unlock_page.size()
    window.add_actions()
    qapp.processEvents()
    filled = menus()
    assert [title for title, _entries in filled] == titles
    assert filled[0][1] == ["Lock", "Hide now", "Settings", "Make a backup", "Quit"]
    assert window.unlock_page.size() == before_size
    started.finish()  # adds the actions again only if they are not there
    qapp.processEvents()
    assert menus() == filled
    assert len(window.actions()) == len(window.actions_by_name) == 17
    assert window.unlock_page.size() == before_size
    assert window.pages.currentWidget() is window.unlock_page


def test_actions_added_to_a_locked_window_reach_only_what_needs_no_vault(started) -> None:
    window = started.window
    assert window.actions_by_name == {}  # not before the event loop's first turn
    window.add_actions()
    enabled = sorted(name for name, action in window.actions_by_name.items() if action.isEnabled())
    assert enabled == ["hide_now", "quit"]
    assert window.actions_by_name["hide_now"].shortcut().toString() == "Ctrl+Shift+H"


def test_a_setup_page_built_after_the_keyring_was_looked_for_says_so(paths, started) -> None:
    """The setup page is built when first shown; if that is after finish_shell looked for
    the keyring (the vault's files went away while the app was open), it has its words."""
    window = started.window
    started.finish(Policy(require_keyring=True))
    paths.key_file.unlink()
    paths.vault_file.unlink()
    window.session.refresh()
    assert window.pages.currentWidget() is window.setup_page
    assert window.setup_page.error_label.text()
    assert not window.setup_page.error_label.isHidden()
    assert not window.setup_page.create_button.isEnabled()


def test_the_system_keyring_is_looked_for_when_first_needed(monkeypatch) -> None:
    looked: list[int] = []
    monkeypatch.setattr(gui, "trusted_system_backend", lambda: looked.append(1))
    device = KeyringOnFirstUse()
    assert looked == []
    assert not device.available
    assert device.backend_name == "none"
    assert looked == [1]  # once


def test_the_setup_page_learns_of_a_missing_keyring_when_it_is_looked_for(qapp, paths) -> None:
    policy = Policy(require_keyring=True)
    page = SetupPage(recovery_by_agency=False, keyring_note="")
    page.set_keyring(*gui._keyring_words(policy, DeviceSecretStore(None)))
    assert page.keyring_label.text()
    assert not page.keyring_label.isHidden()
    assert page.error_label.text()
    assert not page.error_label.isHidden()
    assert not page.create_button.isEnabled()
    page.deleteLater()


@pytest.mark.skipif(os.name == "nt", reason="SIGTERM is a POSIX signal")
def test_a_sigterm_while_the_first_window_is_painted_is_not_lost(qapp, qtbot) -> None:
    """Logging out just as the app starts: the signal lands while ``run_gui`` paints the
    first window, before the event loop runs, when a quit does nothing; it is kept."""
    previous = signal.getsignal(signal.SIGTERM)
    wakeup = signal.set_wakeup_fd(-1)
    signal.set_wakeup_fd(wakeup)
    try:
        terminate = gui.TerminateRequest(qapp)
        assert not terminate.requested
        os.kill(os.getpid(), signal.SIGTERM)
        qtbot.waitUntil(lambda: terminate.requested)  # events processed, as when painting
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.set_wakeup_fd(wakeup)


_FROZEN_GARBAGE = """
import gc, sys
gc.disable()  # as outreach.__main__ does while starting
freeze = gc.freeze

def counting_freeze():
    gc.set_debug(gc.DEBUG_SAVEALL)
    print("garbage", gc.collect())  # what freezing now would have kept for good
    gc.set_debug(0)
    gc.garbage.clear()
    freeze()

gc.freeze = counting_freeze
from outreach.cli import main
sys.exit(main(["--demo"]))
"""


def test_the_demo_caseloads_garbage_is_collected_not_frozen_in(tmp_path) -> None:
    env = dict(
        os.environ,
        HOME=str(tmp_path),
        XDG_DATA_HOME=str(tmp_path / "data"),
        QT_QPA_PLATFORM="offscreen",
        OUTREACH_EXIT_WHEN_SHOWN="1",
    )
    env.pop("OUTREACH_DATA_DIR", None)
    done = subprocess.run(
        [sys.executable, "-c", _FROZEN_GARBAGE], env=env, capture_output=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    garbage = int(done.stdout.decode().split("garbage")[-1].split()[0])
    assert garbage < 5_000  # 43,812 objects (4.6 MB) when the demo's were frozen in
