"""The main window: one page at a time, chosen by the session's state.

The title never changes with content, and every lock wipes every widget marked as
showing content, closes open dialogs and returns to the unlock page.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from outreach.app.drafts import DraftService
from outreach.app.messages import error_text, policy_key_label
from outreach.app.records import RecordsService
from outreach.app.session import Session, State
from outreach.app.settings import SettingsService
from outreach.app.sync import SyncService, problem_words
from outreach.app.team import TeamService
from outreach.records.settings import managed_layer
from outreach.ui.dialogs import ChangePassphraseDialog, SettingsDialog, managed_key_words
from outreach.ui.notice_page import NoticePage
from outreach.ui.setup_page import SetupPage
from outreach.ui.shortcuts import keys_for, label_for
from outreach.ui.sync_ui import EnrolDialog, SyncGatePage, SyncStatusWidget
from outreach.ui.text import wipe_all
from outreach.ui.unlock_page import UnlockPage
from outreach.ui.workspace import WorkspacePage
from outreach.vault.errors import VaultError


class MainWindow(QMainWindow):
    def __init__(
        self,
        session: Session,
        drafts: DraftService,
        settings: SettingsService,
        records: RecordsService,
        *,
        keyring_note: str,
        keyring_status: str,
        setup_blocked_reason: str = "",
        unlock_hint: str = "",
        demo: bool = False,
        sync: SyncService | None = None,
        team: TeamService | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._sync = sync
        self._settings = settings
        self._keyring_status = keyring_status
        title = self.tr("Outreach")
        self.setWindowTitle(title + (" " + self.tr("(demo)") if demo else ""))
        self.resize(900, 640)

        self.setup_page = SetupPage(
            recovery_by_agency=bool(settings.policy.recovery_public_key),
            keyring_note=keyring_note,
            blocked_reason=setup_blocked_reason,
        )
        self.unlock_page = UnlockPage(throttle_wait=session.vault.throttle_wait, hint=unlock_hint)
        self.workspace = WorkspacePage(
            drafts,
            records,
            session,
            prepare_dialog=self.keep_lock_shortcuts,
            sync=sync,
            team=team,
        )
        self.notice_page = NoticePage()
        self.gate_page = SyncGatePage()
        self.pages = QStackedWidget()
        pages = (self.setup_page, self.unlock_page, self.workspace, self.notice_page)
        for page in (*pages, self.gate_page):
            self.pages.addWidget(page)
        # The sync status is a line under the pages rather than a QStatusBar permanent
        # widget: one of those crashed the test suite's event loop after many windows.
        central = QWidget()
        central_layout = QVBoxLayout(central)
        central_layout.setContentsMargins(0, 0, 0, 0)
        central_layout.setSpacing(0)
        central_layout.addWidget(self.pages, 1)
        self.sync_status: SyncStatusWidget | None = None
        if sync is not None:
            self.sync_status = SyncStatusWidget(sync, central)
            central_layout.addWidget(self.sync_status)
        self.setCentralWidget(central)

        self.actions_by_name: dict[str, QAction] = {}
        self._add_action("lock", session.lock, unlocked_only=True)
        self._add_action("hide_now", self.hide_now, unlocked_only=False)
        self._add_action("settings", self.open_settings, unlocked_only=True)
        self._add_action("backup", self.make_backup, unlocked_only=True)
        self._add_action("quit", self.close, unlocked_only=False)
        menu = self.menuBar().addMenu(self.tr("&Outreach"))
        for name in ("lock", "hide_now", "settings", "backup", "quit"):
            menu.addAction(self.actions_by_name[name])
        workspace = self.workspace
        self._add_action("new_contact", lambda: workspace.new_contact(), unlocked_only=True)
        self._add_action("new_person", lambda: workspace.edit_person(""), unlocked_only=True)
        self._add_action("search", workspace.show_search, unlocked_only=True)
        tab_pages: tuple[tuple[str, QWidget], ...] = (
            ("people", workspace.people),
            ("contacts", workspace.contacts),
            ("record", workspace.record),
            ("connections", workspace.connections),
            ("notes", workspace.notes_page),
        )
        for name, tab in tab_pages:
            self._add_action(
                name,
                lambda _checked=False, p=tab: workspace.tabs.setCurrentWidget(p),
                unlocked_only=True,
            )
        records_menu = self.menuBar().addMenu(self.tr("&Records"))
        for name in ("new_contact", "new_person", "search"):
            records_menu.addAction(self.actions_by_name[name])
        go_menu = self.menuBar().addMenu(self.tr("&Go"))
        for name in ("people", "contacts", "record", "connections", "notes"):
            go_menu.addAction(self.actions_by_name[name])
        for name, lead_page in (("review", workspace.review), ("dashboard", workspace.dashboard)):
            if lead_page is not None:
                self._add_action(
                    name,
                    lambda _checked=False, p=lead_page: workspace.show_lead_page(p),
                    unlocked_only=True,
                )
                go_menu.addAction(self.actions_by_name[name])
        if sync is not None:
            self._add_action("sync_now", sync.sync_now, unlocked_only=True)
            self._add_action("enrol", self.open_enrolment, unlocked_only=True)
            hub_menu = self.menuBar().addMenu(self.tr("&Hub"))
            for name in ("sync_now", "enrol"):
                hub_menu.addAction(self.actions_by_name[name])
            self.gate_page.syncRequested.connect(sync.sync_now)
            sync.statusChanged.connect(self._check_gate)
        workspace.status_message.connect(lambda text: self.statusBar().showMessage(text, 5000))
        records.failed.connect(lambda message: self._warn(self.tr("Not saved"), message))

        session.stateChanged.connect(self._show_state)
        session.failed.connect(self._failed)
        session.locked.connect(self._after_lock)
        session.passphraseChanged.connect(
            lambda: self.statusBar().showMessage(self.tr("Passphrase changed."), 5000)
        )
        session.passphraseChangeFailed.connect(self._passphrase_change_failed)
        self.setup_page.createRequested.connect(session.create)
        self.unlock_page.unlockRequested.connect(session.unlock)
        self._show_state(session.state.value)

    def keep_lock_shortcuts(self, dialog: QWidget) -> None:
        """A modal dialog shadows the window's shortcuts: give it the ones that lock."""
        dialog.addActions([self.actions_by_name["hide_now"], self.actions_by_name["lock"]])

    def _add_action(self, name: str, slot: object, *, unlocked_only: bool) -> None:
        action = QAction(label_for(name), self)
        action.setShortcuts(keys_for(name))
        action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        action.triggered.connect(slot)
        action.setProperty("unlockedOnly", unlocked_only)
        self.addAction(action)
        self.actions_by_name[name] = action

    def _show_state(self, state: str) -> None:
        unlocked = state in (State.UNLOCKED, State.READ_ONLY)
        for action in self.actions_by_name.values():
            if action.property("unlockedOnly"):
                action.setEnabled(unlocked)
        if state == State.NEW:
            self.setup_page.set_busy(False)
            self.pages.setCurrentWidget(self.setup_page)
        elif state == State.LOCKED:
            self.pages.setCurrentWidget(self.unlock_page)
            self.unlock_page.reset()
        elif state == State.BUSY:
            current = self.pages.currentWidget()
            if current is self.unlock_page:
                self.unlock_page.set_busy(True)
        elif unlocked:
            self.setup_page.clear_content()
            self.unlock_page.clear_content()
            if self._sync is not None and self._sync.lease_overdue():
                self._show_gate()
                return
            reason = self._session.problem if state == State.READ_ONLY else ""
            self.workspace.show_vault(read_only_reason=reason)
            self.pages.setCurrentWidget(self.workspace)
        else:
            heading = (
                self.tr("This vault can't be opened")
                if state == State.DAMAGED
                else (self.tr("This vault has been erased"))
            )
            self.notice_page.show_notice(heading, self._session.problem)
            self.pages.setCurrentWidget(self.notice_page)

    def _show_gate(self) -> None:
        """Policy: too long away from the hub. Only syncing is possible until one works."""
        for name, action in self.actions_by_name.items():
            if action.property("unlockedOnly") and name not in ("lock", "sync_now", "enrol"):
                action.setEnabled(False)
        self.pages.setCurrentWidget(self.gate_page)

    def _check_gate(self) -> None:
        if self.pages.currentWidget() is not self.gate_page or self._sync is None:
            return
        current = self._sync.status()
        if not self._sync.lease_overdue():
            self._show_state(self._session.state.value)
        elif current is not None:
            self.gate_page.problem.setText(problem_words(current))

    def open_enrolment(self) -> EnrolDialog | None:
        if self._sync is None or self._session.open_vault is None:
            return None
        dialog = EnrolDialog(self._sync, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(
            lambda: self.statusBar().showMessage(self.tr("Connected to the agency hub."), 5000)
        )
        self.keep_lock_shortcuts(dialog)
        dialog.open()
        return dialog

    def _failed(self, message: str) -> None:
        if self.pages.currentWidget() is self.setup_page:
            self.setup_page.show_error(message)
        elif self._session.state == State.LOCKED:
            self.unlock_page.show_error(message)

    def _after_lock(self) -> None:
        for dialog in self.findChildren(QDialog):
            dialog.reject()
        wipe_all(self)
        self.workspace.clear_content()  # last: wiping the notes above said "Saving…"
        self.statusBar().clearMessage()

    def hide_now(self) -> None:
        """Lock and blank at once, including a half-typed passphrase on any page."""
        self._session.lock()
        self._after_lock()

    def open_settings(self) -> None:
        opened = self._session.open_vault
        if opened is None:
            return
        policy = self._settings.policy
        dialog = SettingsDialog(
            idle=self._settings.idle_lock(),
            policy_file=str(policy.source) if policy.source else "",
            keyring_text=self._keyring_status,
            data_dir=str(opened.paths.data_dir),
            managed=tuple(
                managed_key_words(policy_key_label(name), managed_layer(policy, name))
                for name in sorted(policy.managed)
            ),
            parent=self,
        )
        dialog.idleMinutesChosen.connect(self._settings.set_idle_lock_minutes)
        dialog.changePassphraseRequested.connect(self.change_passphrase)
        dialog.backupRequested.connect(self.make_backup)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.keep_lock_shortcuts(dialog)
        dialog.open()

    def change_passphrase(self) -> None:
        dialog = ChangePassphraseDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def accepted() -> None:
            old, new = dialog.passphrases()
            self._session.change_passphrase(old, new)

        dialog.accepted.connect(accepted)
        self.keep_lock_shortcuts(dialog)
        dialog.open()

    def _passphrase_change_failed(self, message: str) -> None:
        self._warn(self.tr("Passphrase not changed"), message)

    def _warn(self, title: str, message: str) -> None:
        # Opened, not exec'd: a lock closes it like any dialog, and hide now still works.
        box = QMessageBox(
            QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, self
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.keep_lock_shortcuts(box)
        box.open()

    def make_backup(self) -> None:
        opened = self._session.open_vault
        if opened is None:
            return
        try:
            opened.backup()
        except VaultError as exc:
            self._warn(self.tr("Backup not made"), error_text(exc))
            return
        self.statusBar().showMessage(self.tr("Encrypted backup made."), 5000)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._session.lock()
        event.accept()
