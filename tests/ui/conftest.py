"""The whole window, built by ``build_shell`` as the app builds it, with cheap test doubles.

``make_shell`` builds a shell on the test's own data folder and takes it apart again:
the vault is locked, the app-wide event filter removed, the worker pool drained (a late
unlock result is closed by the session), and the window and runner deleted, so nothing
leaks from one test into the next whatever order they run in.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QTextEdit, QWidget

from outreach.config.policy import Policy
from outreach.gui import Shell, build_shell
from outreach.ui.text import CONTENT_PROPERTY
from outreach.vault.device import DeviceSecretStore
from tests.conftest import CHEAP_KDF, PASSPHRASE
from tests.sync.conftest import sync_hub  # noqa: F401 - the session's hub, for sync tests

# Strong enough for the setup page (zxcvbn score 3+, 10+ characters), and not PASSPHRASE.
STRONG = "copper meadow violin 82 tundra"
UNLOCK_TIMEOUT_MS = 10_000


def _dispose(qapp, shell: Shell) -> None:
    runner = shell.session._runner  # the session's own pool: no public handle to it
    shell.session.lock()
    shell.idle.stop()
    qapp.removeEventFilter(shell.idle)
    runner.wait(UNLOCK_TIMEOUT_MS)
    shell.sync.wait(UNLOCK_TIMEOUT_MS)  # a sync in flight ends (the lock asked it to stop)
    QCoreApplication.sendPostedEvents()  # a late unlock result arrives, and is closed
    shell.session.lock()
    shell.window.close()
    shell.window.deleteLater()
    runner.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QGuiApplication.clipboard().clear()
    # What the test left for the collector goes now, on this thread, not later on a
    # worker thread where Qt cannot stop a timer (see gui.build_shell).
    gc.collect()


@pytest.fixture
def make_shell(qapp, qtbot, paths) -> Iterator[Callable[..., Shell]]:
    built: list[Shell] = []

    def make(
        policy: Policy | None = None,
        device: DeviceSecretStore | None = None,
        *,
        show=True,
        **options,
    ) -> Shell:
        shell = build_shell(
            qapp,
            paths,
            policy or Policy(),
            device or DeviceSecretStore(None),
            kdf=CHEAP_KDF,
            **options,
        )
        built.append(shell)
        if show:
            # Shortcuts reach only an active window, as on a desktop where the worker types.
            with qtbot.waitActive(shell.window):
                shell.window.show()
                shell.window.activateWindow()
            assert QGuiApplication.applicationState() == Qt.ApplicationState.ApplicationActive
        return shell

    yield make
    for shell in built:
        _dispose(qapp, shell)


def unlock(qtbot, shell: Shell, passphrase: str = PASSPHRASE) -> None:
    """Type the passphrase on the unlock page and press Enter, as a worker does."""
    page = shell.window.unlock_page
    assert shell.window.pages.currentWidget() is page
    with qtbot.waitSignal(shell.session.unlocked, timeout=UNLOCK_TIMEOUT_MS):
        qtbot.keyClicks(page.passphrase, passphrase)
        qtbot.keyClick(page.passphrase, Qt.Key.Key_Return)


def content_widgets(root: QWidget) -> list[QWidget]:
    found: list[QWidget] = []
    for kind in (QLineEdit, QPlainTextEdit, QTextEdit):
        found += [w for w in root.findChildren(kind) if w.property(CONTENT_PROPERTY)]
    return found


def shown_text(widget: QWidget) -> str:
    if isinstance(widget, QLineEdit):
        return widget.text()
    assert isinstance(widget, (QPlainTextEdit, QTextEdit))
    return widget.toPlainText()


def file_contact(qtbot, editor, *, worry: int = 3) -> str:
    """Say how worried (if not said yet) and press Ctrl+Enter; returns the filed uid."""
    if editor.instinct_panel.value() == (None, False):
        editor.instinct_panel.worry.setValue(worry)
    with qtbot.waitSignal(editor.filed, timeout=2_000) as filed:
        qtbot.keyClick(editor.narrative, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    return filed.args[0]
