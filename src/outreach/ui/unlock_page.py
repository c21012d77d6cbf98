"""The unlock screen: a passphrase, a button, and calm words when it fails."""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QWidget

from outreach.ui.layout import centred_column, message_line
from outreach.ui.qtvalues import plain_text
from outreach.ui.text import mark_content, wipe


class UnlockPage(QWidget):
    unlockRequested = Signal(str)

    def __init__(
        self, *, throttle_wait: Callable[[], float], hint: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("unlockPage")
        self._throttle_wait = throttle_wait
        layout = centred_column(self)

        title = QLabel(self.tr("Outreach is locked"))
        title.setObjectName("pageTitle")
        self.passphrase = mark_content(QLineEdit())
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setPlaceholderText(self.tr("Passphrase"))
        self.passphrase.setAccessibleName(self.tr("Passphrase"))
        self.unlock_button = QPushButton(self.tr("Unlock"))
        self.unlock_button.setDefault(True)
        self.message = message_line()
        self.hint = QLabel(hint)
        self.hint.setObjectName("notice")
        self.hint.setWordWrap(True)
        plain_text(self.hint)
        self.hint.setVisible(bool(hint))

        for widget in (title, self.passphrase, self.unlock_button, self.message, self.hint):
            layout.addWidget(widget)

        self._countdown = QTimer(self)
        self._countdown.setInterval(250)
        self._countdown.timeout.connect(self._tick)
        self.passphrase.returnPressed.connect(self._submit)
        self.unlock_button.clicked.connect(self._submit)

    def _submit(self) -> None:
        if not self.unlock_button.isEnabled() or not self.passphrase.text():
            return
        self.set_busy(True)
        self.unlockRequested.emit(self.passphrase.text())

    def set_busy(self, busy: bool) -> None:
        self.unlock_button.setEnabled(not busy)
        self.passphrase.setEnabled(not busy)
        self.unlock_button.setText(self.tr("Opening…") if busy else self.tr("Unlock"))
        if busy:
            self.message.setText("")

    def show_error(self, message: str) -> None:
        self.set_busy(False)
        wipe(self.passphrase)
        self.message.setText(message)
        self._tick()
        self.passphrase.setFocus()

    def _tick(self) -> None:
        wait = self._throttle_wait()
        if wait > 0:
            self.unlock_button.setEnabled(False)
            self.unlock_button.setText(self.tr("Wait %1 s").replace("%1", str(math.ceil(wait))))
            self._countdown.start()
        else:
            self._countdown.stop()
            self.unlock_button.setEnabled(True)
            self.unlock_button.setText(self.tr("Unlock"))

    def reset(self) -> None:
        self.set_busy(False)
        wipe(self.passphrase)
        self._tick()
        self.passphrase.setFocus()

    def clear_content(self) -> None:
        wipe(self.passphrase)
