"""First run: choose a passphrase and create the vault."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QWidget,
)

from outreach.ui.layout import centred_column
from outreach.ui.text import mark_content, wipe
from outreach.vault.passphrase import MIN_LENGTH, assess


class SetupPage(QWidget):
    createRequested = Signal(str)

    def __init__(
        self,
        *,
        recovery_by_agency: bool,
        keyring_note: str,
        blocked_reason: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("setupPage")
        layout = centred_column(self)

        title = QLabel(self.tr("Create your vault"))
        title.setObjectName("pageTitle")
        intro = QLabel(
            self.tr(
                "Everything you record is kept encrypted on this laptop. Choose a passphrase "
                "of at least %1 characters: a few unrelated words are easy to remember and "
                "hard to guess."
            ).replace("%1", str(MIN_LENGTH))
        )
        intro.setWordWrap(True)

        self.passphrase = mark_content(QLineEdit())
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName(self.tr("Passphrase"))
        self.confirm = mark_content(QLineEdit())
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm.setAccessibleName(self.tr("Passphrase again"))
        self.show_text = QCheckBox(self.tr("Show passphrase"))

        self.strength = QProgressBar()
        self.strength.setRange(0, 4)
        self.strength.setTextVisible(False)
        self.strength.setAccessibleName(self.tr("Passphrase strength"))
        self.strength_label = QLabel()
        self.match_label = QLabel()

        form = QFormLayout()
        form.addRow(self.tr("&Passphrase"), self.passphrase)
        form.addRow(self.tr("&Again"), self.confirm)
        form.addRow("", self.show_text)
        form.addRow(self.tr("Strength"), self.strength)
        form.addRow("", self.strength_label)
        form.addRow("", self.match_label)

        if recovery_by_agency:
            statement = self.tr(
                "If you forget your passphrase, your organisation's IT team can restore "
                "access to this vault."
            )
        else:
            statement = self.tr(
                "If you forget this passphrase, nobody (not even IT) can get your records "
                "back. Keep it somewhere safe, away from this laptop."
            )
        self.statement = QLabel(statement)
        self.statement.setWordWrap(True)
        self.understood = QCheckBox(self.tr("I understand"))

        self.keyring_label = QLabel(keyring_note)
        self.keyring_label.setWordWrap(True)
        self.keyring_label.setObjectName("notice")
        self.keyring_label.setVisible(bool(keyring_note))

        self.error_label = QLabel(blocked_reason)
        self.error_label.setObjectName("error")
        self.error_label.setWordWrap(True)
        self.error_label.setVisible(bool(blocked_reason))

        self.create_button = QPushButton(self.tr("Create vault"))
        self.create_button.setDefault(True)
        self._blocked = bool(blocked_reason)

        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addLayout(form)
        below: tuple[QWidget, ...] = (
            self.statement,
            self.understood,
            self.keyring_label,
            self.error_label,
            self.create_button,
        )
        for widget in below:
            layout.addWidget(widget)

        self.passphrase.textChanged.connect(self._update)
        self.confirm.textChanged.connect(self._update)
        self.understood.toggled.connect(self._update)
        self.show_text.toggled.connect(self._toggle_echo)
        self.create_button.clicked.connect(self._create)
        self.confirm.returnPressed.connect(self._create)
        self._update()

    def _toggle_echo(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.passphrase.setEchoMode(mode)
        self.confirm.setEchoMode(mode)

    def _update(self) -> None:
        text = self.passphrase.text()
        strength = assess(text)
        self.strength.setValue(strength.score if text else 0)
        words = [
            self.tr("Very weak"),
            self.tr("Weak"),
            self.tr("Fair"),
            self.tr("Strong"),
            self.tr("Very strong"),
        ]
        if not text:
            self.strength_label.setText("")
        elif not strength.long_enough:
            self.strength_label.setText(
                self.tr("Too short: use at least %1 characters.").replace("%1", str(MIN_LENGTH))
            )
        elif not strength.acceptable:
            self.strength_label.setText(
                words[strength.score] + " " + self.tr("Add another word or two.")
            )
        else:
            self.strength_label.setText(words[strength.score])
        matches = bool(text) and text == self.confirm.text()
        if self.confirm.text() and not matches:
            self.match_label.setText(self.tr("The two passphrases are different."))
        else:
            self.match_label.setText("")
        self.create_button.setEnabled(
            not self._blocked and strength.acceptable and matches and self.understood.isChecked()
        )

    def _create(self) -> None:
        if self.create_button.isEnabled():
            self.set_busy(True)
            self.createRequested.emit(self.passphrase.text())

    def set_busy(self, busy: bool) -> None:
        self.create_button.setEnabled(not busy)
        self.create_button.setText(self.tr("Creating…") if busy else self.tr("Create vault"))
        if not busy:
            self._update()

    def set_keyring(self, note: str, blocked_reason: str) -> None:
        """The keyring's words, when the keyring was looked for after the page was built."""
        self.keyring_label.setText(note)
        self.keyring_label.setVisible(bool(note))
        self.error_label.setText(blocked_reason)
        self.error_label.setVisible(bool(blocked_reason))
        self._blocked = bool(blocked_reason)
        if self._blocked:
            self.create_button.setEnabled(False)

    def show_error(self, message: str) -> None:
        self.set_busy(False)
        self.error_label.setText(message)
        self.error_label.setVisible(True)

    def clear_content(self) -> None:
        wipe(self.passphrase)
        wipe(self.confirm)
