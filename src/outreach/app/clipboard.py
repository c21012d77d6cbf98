"""Clears the clipboard on lock when what it holds was copied from Outreach."""

from __future__ import annotations

import hashlib

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QClipboard, QGuiApplication


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


class ClipboardGuard(QObject):
    """Remembers a digest (never the text) of what was copied while Outreach was active."""

    def __init__(self, clipboard: QClipboard, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._clipboard = clipboard
        self._ours: bytes | None = None
        clipboard.dataChanged.connect(self._changed)

    @Slot()
    def _changed(self) -> None:
        text = self._clipboard.text()
        active = QGuiApplication.applicationState() == Qt.ApplicationState.ApplicationActive
        if text and (active or self._clipboard.ownsClipboard()):
            self._ours = _digest(text)
        elif self._ours is not None and _digest(text) != self._ours:
            self._ours = None

    def clear_if_ours(self) -> bool:
        text = self._clipboard.text()
        ours = self._ours is not None and text != "" and _digest(text) == self._ours
        cleared = False
        if ours or self._clipboard.ownsClipboard():
            self._clipboard.clear()
            self._ours = None
            cleared = True
        # X11's primary selection: text selected in a note, pasted elsewhere by a middle click.
        if self._clipboard.supportsSelection() and self._clipboard.ownsSelection():
            self._clipboard.clear(QClipboard.Mode.Selection)
            cleared = True
        return cleared
