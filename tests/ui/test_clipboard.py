"""A lock clears the clipboard when Outreach put what it holds there, and only then."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QClipboard, QGuiApplication

from outreach.app import clipboard as clipboard_module
from outreach.app.clipboard import ClipboardGuard
from tests.conftest import PASSPHRASE
from tests.ui.conftest import unlock


class _AppInFront:
    @staticmethod
    def applicationState() -> Qt.ApplicationState:
        return Qt.ApplicationState.ApplicationActive


class _OtherAppInFront:
    """What the guard sees while the worker is in another application."""

    @staticmethod
    def applicationState() -> Qt.ApplicationState:
        return Qt.ApplicationState.ApplicationInactive


@pytest.fixture
def unlocked(qtbot, make_shell, make_vault):
    make_vault().create(PASSPHRASE).close()
    shell = make_shell()
    unlock(qtbot, shell)
    # Offscreen, Qt reports the app active once its window is; a desktop does the same.
    assert QGuiApplication.applicationState() == Qt.ApplicationState.ApplicationActive
    return shell


def _skip_if_qt_owns_everything() -> None:
    if QGuiApplication.clipboard().ownsClipboard():
        pytest.skip("this platform reports Qt as owner of any text set in-process")


def test_text_copied_from_a_note_is_cleared_on_lock(qtbot, unlocked) -> None:
    notes = unlocked.window.workspace.notes
    qtbot.keyClicks(notes, "Girl, about 14, red coat")
    notes.selectAll()
    notes.copy()
    assert QGuiApplication.clipboard().text() == "Girl, about 14, red coat"
    with qtbot.waitSignal(unlocked.session.locked, timeout=1_000):
        unlocked.window.actions_by_name["lock"].trigger()
    assert QGuiApplication.clipboard().text() == ""


def test_text_set_by_outreach_while_in_front_is_cleared_on_hide_now(qtbot, unlocked) -> None:
    QGuiApplication.clipboard().setText("a phone number from a record")
    qtbot.keyClick(unlocked.window, Qt.Key.Key_F12)
    assert unlocked.session.state == "locked"
    assert QGuiApplication.clipboard().text() == ""


def test_another_applications_text_is_left_alone(unlocked, monkeypatch) -> None:
    _skip_if_qt_owns_everything()
    monkeypatch.setattr(clipboard_module, "QGuiApplication", _OtherAppInFront)
    QGuiApplication.clipboard().setText("the worker's shopping list")
    unlocked.session.lock()
    assert QGuiApplication.clipboard().text() == "the worker's shopping list"


def test_our_text_replaced_by_another_application_is_left_alone(unlocked, monkeypatch) -> None:
    _skip_if_qt_owns_everything()
    QGuiApplication.clipboard().setText("copied from Outreach")
    monkeypatch.setattr(clipboard_module, "QGuiApplication", _OtherAppInFront)
    QGuiApplication.clipboard().setText("copied from the browser")
    unlocked.session.lock()
    assert QGuiApplication.clipboard().text() == "copied from the browser"


def test_the_same_text_copied_again_elsewhere_is_still_ours(unlocked, monkeypatch) -> None:
    # Only a digest is kept: identical text is treated as ours and cleared (the safe side).
    QGuiApplication.clipboard().setText("same words")
    monkeypatch.setattr(clipboard_module, "QGuiApplication", _OtherAppInFront)
    QGuiApplication.clipboard().setText("same words")
    unlocked.session.lock()
    assert QGuiApplication.clipboard().text() == ""


class _FakeClipboard(QObject):
    """A clipboard with an X11 primary selection, which the offscreen platform lacks."""

    dataChanged = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.texts = {QClipboard.Mode.Clipboard: "", QClipboard.Mode.Selection: ""}
        self.owned = {QClipboard.Mode.Clipboard: False, QClipboard.Mode.Selection: False}

    def text(self, mode: QClipboard.Mode = QClipboard.Mode.Clipboard) -> str:
        return self.texts[mode]

    def set_from(self, mode: QClipboard.Mode, text: str, *, ours: bool) -> None:
        self.texts[mode] = text
        self.owned[mode] = ours
        if mode == QClipboard.Mode.Clipboard:
            self.dataChanged.emit()

    def ownsClipboard(self) -> bool:
        return self.owned[QClipboard.Mode.Clipboard]

    def ownsSelection(self) -> bool:
        return self.owned[QClipboard.Mode.Selection]

    def supportsSelection(self) -> bool:
        return True

    def clear(self, mode: QClipboard.Mode = QClipboard.Mode.Clipboard) -> None:
        self.texts[mode] = ""
        self.owned[mode] = False


def test_a_selection_made_in_outreach_is_cleared(monkeypatch) -> None:
    monkeypatch.setattr(clipboard_module, "QGuiApplication", _AppInFront)
    fake = _FakeClipboard()
    guard = ClipboardGuard(fake)  # type: ignore[arg-type]
    fake.set_from(QClipboard.Mode.Selection, "selected in a note", ours=True)
    monkeypatch.setattr(clipboard_module, "QGuiApplication", _OtherAppInFront)
    fake.set_from(QClipboard.Mode.Clipboard, "from the browser", ours=False)
    assert guard.clear_if_ours()
    assert fake.text(QClipboard.Mode.Selection) == ""
    assert fake.text() == "from the browser"


def test_a_selection_made_elsewhere_is_left_alone(monkeypatch) -> None:
    monkeypatch.setattr(clipboard_module, "QGuiApplication", _OtherAppInFront)
    fake = _FakeClipboard()
    guard = ClipboardGuard(fake)  # type: ignore[arg-type]
    fake.set_from(QClipboard.Mode.Selection, "selected in the browser", ours=False)
    assert not guard.clear_if_ours()
    assert fake.text(QClipboard.Mode.Selection) == "selected in the browser"
