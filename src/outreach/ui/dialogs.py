"""Settings, changing the passphrase, the calm error dialog, and asking before deleting."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from outreach.config.policy import GROUP_POLICY, MANAGED_PREFERENCES, POLICY_FILE
from outreach.records.settings import EffectiveSetting
from outreach.ui.text import mark_content, wipe
from outreach.vault.passphrase import MIN_LENGTH, assess


def _layer_words(layer: str) -> str:
    words = {
        GROUP_POLICY: QCoreApplication.translate("SettingsDialog", "Group Policy"),
        MANAGED_PREFERENCES: QCoreApplication.translate("SettingsDialog", "device management"),
        POLICY_FILE: QCoreApplication.translate("SettingsDialog", "policy file"),
    }
    return words.get(layer, "")


def set_by_words(layer: str) -> str:
    """ "Set by your organisation (Group Policy)": who manages a setting, and how."""
    where = _layer_words(layer)
    if not where:
        return QCoreApplication.translate("SettingsDialog", "Set by your organisation")
    return QCoreApplication.translate("SettingsDialog", "Set by your organisation (%1)").replace(
        "%1", where
    )


def managed_key_words(label: str, layer: str) -> str:
    """One line of the managed list: the setting, and how the organisation sets it."""
    where = _layer_words(layer)
    if not where:
        return label
    return (
        QCoreApplication.translate("SettingsDialog", "%1 (%2)")
        .replace("%1", label)
        .replace("%2", where)
    )


class SettingsDialog(QDialog):
    idleMinutesChosen = Signal(int)
    changePassphraseRequested = Signal()
    backupRequested = Signal()

    def __init__(
        self,
        *,
        idle: EffectiveSetting,
        policy_file: str,
        keyring_text: str,
        data_dir: str,
        managed: tuple[str, ...] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Settings"))
        layout = QVBoxLayout(self)
        form = QFormLayout()

        self.idle_minutes = QSpinBox()
        self.idle_minutes.setRange(1, 240)
        self.idle_minutes.setSuffix(self.tr(" min"))
        self.idle_minutes.setValue(idle.value)
        self.idle_minutes.setEnabled(not idle.managed)
        form.addRow(self.tr("Lock after idle"), self.idle_minutes)
        self.idle_managed = QLabel(set_by_words(idle.layer))
        self.idle_managed.setObjectName("managed")
        self.idle_managed.setVisible(idle.managed)
        form.addRow("", self.idle_managed)

        # Group Policy or a profile may manage settings with no file at all.
        no_file = self.tr("None") if managed else self.tr("None: default settings")
        for label, value in (
            (self.tr("Policy file"), policy_file or no_file),
            (self.tr("Keyring"), keyring_text),
            (self.tr("Data folder"), data_dir),
            (self.tr("Set by your organisation"), "\n".join(managed) or self.tr("Nothing")),
        ):
            shown = QLabel(value)
            shown.setWordWrap(True)
            shown.setTextFormat(Qt.TextFormat.PlainText)
            shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(label, shown)
        layout.addLayout(form)

        self.change_button = QPushButton(self.tr("Change passphrase…"))
        self.backup_button = QPushButton(self.tr("Make an encrypted backup now"))
        layout.addWidget(self.change_button)
        layout.addWidget(self.backup_button)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        layout.addWidget(buttons)

        buttons.rejected.connect(self.reject)
        self.change_button.clicked.connect(self.changePassphraseRequested)
        self.backup_button.clicked.connect(self.backupRequested)
        self.idle_minutes.valueChanged.connect(self._idle_changed)
        self._managed = idle.managed

    def _idle_changed(self, value: int) -> None:
        if not self._managed:
            self.idleMinutesChosen.emit(value)


class ChangePassphraseDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Change passphrase"))
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.old = mark_content(QLineEdit())
        self.new = mark_content(QLineEdit())
        self.again = mark_content(QLineEdit())
        for field in (self.old, self.new, self.again):
            field.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(self.tr("&Current passphrase"), self.old)
        form.addRow(self.tr("&New passphrase"), self.new)
        form.addRow(self.tr("New passphrase &again"), self.again)
        layout.addLayout(form)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setObjectName("error")
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self._check)
        self.buttons.rejected.connect(self.reject)
        for field in (self.old, self.new, self.again):
            field.textChanged.connect(self._update)
        self._update()

    def _update(self) -> None:
        new = self.new.text()
        strength = assess(new)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        if new and not strength.acceptable:
            self.message.setText(
                self.tr("Use at least %1 characters and a few unrelated words.").replace(
                    "%1", str(MIN_LENGTH)
                )
            )
        elif self.again.text() and new != self.again.text():
            self.message.setText(self.tr("The two new passphrases are different."))
        else:
            self.message.setText("")
        ok.setEnabled(strength.acceptable and new == self.again.text() and bool(self.old.text()))

    def _check(self) -> None:
        self.accept()

    def passphrases(self) -> tuple[str, str]:
        return self.old.text(), self.new.text()

    def done(self, result: int) -> None:
        super().done(result)
        for field in (self.old, self.new, self.again):
            wipe(field)


def show_calm_error(parent: QWidget | None) -> QMessageBox:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(QCoreApplication.translate("Dialogs", "Outreach"))
    box.setText(
        QCoreApplication.translate(
            "Dialogs",
            "Something went wrong inside Outreach. What you had saved is safe. If you were "
            "typing, check it is still there, then carry on. If this keeps happening, tell "
            "IT: the details are in the log file, with nothing from your records.",
        )
    )
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.open()
    return box


def ask_before_deleting(
    parent: QWidget, title: str, text: str, delete_label: str, on_delete: Callable[[], object]
) -> QMessageBox:
    """A warning that asks before what the worker typed is deleted, for the caller to
    open: "Keep editing" is the default for Enter and Escape, and it is opened, never
    exec'd, so a lock closes it and the draft stays."""
    box = QMessageBox(
        QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.NoButton, parent
    )
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    delete = box.addButton(delete_label, QMessageBox.ButtonRole.DestructiveRole)
    keep = box.addButton(
        QCoreApplication.translate("Dialogs", "Keep editing"), QMessageBox.ButtonRole.RejectRole
    )
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    delete.clicked.connect(on_delete)
    return box
