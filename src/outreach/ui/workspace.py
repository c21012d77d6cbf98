"""The unlocked home: what the worker jots down now, kept encrypted as they type."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from outreach.app.drafts import DraftService
from outreach.ui.text import mark_content, wipe


class WorkspacePage(QWidget):
    def __init__(self, drafts: DraftService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("workspacePage")
        self._drafts = drafts
        self._loading = False
        layout = QVBoxLayout(self)

        self.read_only_banner = QLabel()
        self.read_only_banner.setObjectName("error")
        self.read_only_banner.setWordWrap(True)
        self.read_only_banner.setTextFormat(Qt.TextFormat.PlainText)
        self.read_only_banner.setVisible(False)

        title = QLabel(self.tr("Notes"))
        title.setObjectName("pageTitle")
        explain = QLabel(
            self.tr("Jot down what you saw while it is fresh. It is saved, encrypted, as you type.")
        )
        explain.setWordWrap(True)
        self.notes = mark_content(QPlainTextEdit())
        self.notes.setAccessibleName(self.tr("Notes"))
        self.status = QLabel()
        self.status.setObjectName("status")
        self.status.setTextFormat(Qt.TextFormat.PlainText)

        for widget in (self.read_only_banner, title, explain, self.notes, self.status):
            layout.addWidget(widget)

        self.notes.textChanged.connect(self._edited)
        drafts.saved.connect(self._saved)
        drafts.saveFailed.connect(self._failed)

    def show_vault(self, *, read_only_reason: str = "") -> None:
        """Fill the page from the newly unlocked vault."""
        self._loading = True
        self.notes.setPlainText(self._drafts.load())
        self.notes.document().clearUndoRedoStacks()
        self._loading = False
        self.notes.setReadOnly(bool(read_only_reason))
        self.read_only_banner.setText(read_only_reason)
        self.read_only_banner.setVisible(bool(read_only_reason))
        self.status.setText("")
        self.notes.setFocus()

    def _edited(self) -> None:
        if self._loading:
            return
        self.status.setText(self.tr("Saving…"))
        self._drafts.edit(self.notes.toPlainText())

    def _saved(self, when: datetime) -> None:
        local = when.astimezone().strftime("%H:%M:%S")
        self.status.setText(self.tr("Saved at %1").replace("%1", local))

    def _failed(self, message: str) -> None:
        self.status.setText(self.tr("Not saved: %1").replace("%1", message))

    def clear_content(self) -> None:
        self._loading = True
        wipe(self.notes)
        self._loading = False
        self.status.setText("")
