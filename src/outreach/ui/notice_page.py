"""Shown when the vault cannot be opened at all: what happened and what to do."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from outreach.ui.layout import centred_column
from outreach.ui.qtvalues import plain_text, selectable


class NoticePage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("noticePage")
        layout = centred_column(self)
        self.title = QLabel()
        self.title.setObjectName("pageTitle")
        self.message = QLabel()
        self.message.setWordWrap(True)
        selectable(plain_text(self.message))
        layout.addWidget(self.title)
        layout.addWidget(self.message)

    def show_notice(self, title: str, message: str) -> None:
        self.title.setText(title)
        self.message.setText(message)
