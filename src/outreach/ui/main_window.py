"""The main window: one page at a time, chosen by the session's state.

The title never changes with content, and every lock wipes every widget marked as
showing content, closes open dialogs and returns to the unlock page.

The window is built in steps so that the unlock page shows before the workspace and the
services behind it are imported and built: the constructor makes the pages a locked
vault needs and the menu bar's menus; ``add_actions`` fills them and binds the shortcuts
(on the event loop's first turn); ``add_workspace`` adds the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLabel, QMainWindow, QMenu, QStackedWidget, QVBoxLayout, QWidget

from outreach.app.messages import policy_key_label
from outreach.app.session import Session, State
from outreach.config.policy import Policy
from outreach.ui.qtvalues import delete_on_close
from outreach.ui.text import wipe_all
from outreach.ui.unlock_page import UnlockPage

if TYPE_CHECKING:
    # Not at import: making QCloseEvent's class makes QEvent's, with its 179-member enum,
    # several ms that showing the first window does not need (closing it does). QAction
    # and the shortcuts' table are imported by add_actions, after the first window shows.
    from PySide6.QtGui import QAction, QCloseEvent

    from outreach.app.drafts import DraftService
    from outreach.app.records import RecordsService
    from outreach.app.settings import SettingsService
    from outreach.app.sync import SyncService
    from outreach.app.team import TeamService
    from outreach.ui.notice_page import NoticePage
    from outreach.ui.setup_page import SetupPage
    from outreach.ui.sync_ui import EnrolDialog, SyncGatePage, SyncStatusWidget
    from outreach.ui.workspace import WorkspacePage

# Go menu entries: action name and the workspace attribute holding its tab.
_TABS = (
    ("people", "people"),
    ("contacts", "contacts"),
    ("record", "record"),
    ("connections", "connections"),
    ("notes", "notes_page"),
)

# Each menu's actions, in order.
_MENUS = (
    ("outreach", ("lock", "hide_now", "settings", "backup", "quit")),
    ("records", ("new_contact", "new_person", "search")),
    ("go", ("people", "contacts", "record", "connections", "notes", "review", "dashboard")),
    ("hub", ("sync_now", "enrol")),
)


class MainWindow(QMainWindow):
    # Set by add_workspace.
    workspace: WorkspacePage
    gate_page: SyncGatePage
    sync_status: SyncStatusWidget

    def __init__(
        self,
        session: Session,
        policy: Policy,
        *,
        keyring_note: str,
        setup_blocked_reason: str = "",
        unlock_hint: str = "",
        demo: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._sync: SyncService | None = None
        self._settings: SettingsService | None = None
        self._keyring_status = ""
        self._ready = False
        title = self.tr("Outreach")
        self.setWindowTitle(title + (" " + self.tr("(demo)") if demo else ""))
        self.resize(900, 640)

        # The setup and notice pages are built when first shown (see setup_page): most
        # starts open an existing vault, and building them would delay the first window.
        self._recovery_by_agency = bool(policy.recovery_public_key)
        self._keyring_words = (keyring_note, setup_blocked_reason)
        self._setup_page: SetupPage | None = None
        self._notice_page: NoticePage | None = None
        self.unlock_page = UnlockPage(throttle_wait=session.vault.throttle_wait, hint=unlock_hint)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.unlock_page)
        # The sync status is a line under the pages rather than a QStatusBar permanent
        # widget: one of those crashed the test suite's event loop after many windows.
        # An empty line holds its place until the workspace is added, so nothing moves.
        central = QWidget()
        self._central_layout = QVBoxLayout(central)
        self._central_layout.setContentsMargins(0, 0, 0, 0)
        self._central_layout.setSpacing(0)
        self._central_layout.addWidget(self.pages, 1)
        self._status_placeholder = QLabel(central)
        self._central_layout.addWidget(self._status_placeholder)
        self.setCentralWidget(central)

        # The menus are there from the start, so nothing moves when add_actions fills them.
        self.actions_by_name: dict[str, QAction] = {}
        self._menus: dict[str, QMenu] = {
            "outreach": self.menuBar().addMenu(self.tr("&Outreach")),
            "records": self.menuBar().addMenu(self.tr("&Records")),
            "go": self.menuBar().addMenu(self.tr("&Go")),
            "hub": self.menuBar().addMenu(self.tr("&Hub")),
        }

        session.stateChanged.connect(self._show_state)
        session.failed.connect(self._failed)
        session.locked.connect(self._after_lock)
        session.passphraseChanged.connect(
            lambda: self.statusBar().showMessage(self.tr("Passphrase changed."), 5000)
        )
        session.passphraseChangeFailed.connect(self._passphrase_change_failed)
        self._waiting: tuple[Callable[[str], None], str] | None = None
        self.unlock_page.unlockRequested.connect(lambda p: self._when_ready(session.unlock, p))
        self._show_state(session.state.value)

    def add_actions(self) -> None:
        """Every action, in its menu, with its shortcut; those that reach the workspace are
        enabled only once unlocked, which waits for it. Run once, on the event loop's first
        turn: building them before the first window shows would delay it (see gui.run_gui),
        and no key press or click is handled before that turn."""
        if self.actions_by_name:
            return
        session = self._session
        self._add_action("lock", session.lock, unlocked_only=True)
        self._add_action("hide_now", self.hide_now, unlocked_only=False)
        self._add_action("settings", self.open_settings, unlocked_only=True)
        self._add_action("backup", self.make_backup, unlocked_only=True)
        self._add_action("quit", self.close, unlocked_only=False)
        self._add_action("new_contact", lambda: self.workspace.new_contact(), unlocked_only=True)
        self._add_action("new_person", lambda: self.workspace.edit_person(""), unlocked_only=True)
        self._add_action("search", lambda: self.workspace.show_search(), unlocked_only=True)
        for name, attribute in _TABS:
            self._add_action(
                name,
                lambda _checked=False, a=attribute: self.workspace.tabs.setCurrentWidget(
                    getattr(self.workspace, a)
                ),
                unlocked_only=True,
            )
        for name in ("review", "dashboard"):
            self._add_action(
                name,
                lambda _checked=False, n=name: self.workspace.show_lead_page(
                    getattr(self.workspace, n)
                ),
                unlocked_only=True,
            )
        self._add_action("sync_now", self._sync_now, unlocked_only=True)
        self._add_action("enrol", self.open_enrolment, unlocked_only=True)
        for menu, names in _MENUS:
            self._menus[menu].addActions([self.actions_by_name[name] for name in names])
        self._enable_actions(self._session.state)

    def add_workspace(
        self,
        drafts: DraftService,
        settings: SettingsService,
        records: RecordsService,
        sync: SyncService,
        team: TeamService,
        *,
        keyring_status: str,
    ) -> None:
        """The second step: the workspace and what depends on the services behind it."""
        from outreach.ui.sync_ui import SyncGatePage, SyncStatusWidget
        from outreach.ui.workspace import WorkspacePage

        self._sync = sync
        self._settings = settings
        self._keyring_status = keyring_status
        self.workspace = WorkspacePage(
            drafts,
            records,
            self._session,
            prepare_dialog=self.keep_lock_shortcuts,
            sync=sync,
            team=team,
        )
        self.gate_page = SyncGatePage()
        self.pages.addWidget(self.workspace)
        self.pages.addWidget(self.gate_page)
        self.sync_status = SyncStatusWidget(sync, self.centralWidget())
        self._central_layout.replaceWidget(self._status_placeholder, self.sync_status)
        self._status_placeholder.deleteLater()
        self.gate_page.syncRequested.connect(sync.sync_now)
        sync.statusChanged.connect(self._check_gate)
        self.workspace.status_message.connect(lambda text: self.statusBar().showMessage(text, 5000))
        records.failed.connect(lambda message: self._warn(self.tr("Not saved"), message))
        self._ready = True
        if self._waiting is not None:
            start, passphrase = self._waiting
            self._waiting = None
            start(passphrase)

    @property
    def session(self) -> Session:
        return self._session

    @property
    def setup_page(self) -> SetupPage:
        """Creating a vault; built when first asked for."""
        if self._setup_page is None:
            from outreach.ui.setup_page import SetupPage

            note, blocked_reason = self._keyring_words
            page = SetupPage(
                recovery_by_agency=self._recovery_by_agency,
                keyring_note=note,
                blocked_reason=blocked_reason,
            )
            page.createRequested.connect(lambda p: self._when_ready(self._session.create, p))
            self.pages.addWidget(page)
            self._setup_page = page
        return self._setup_page

    @property
    def notice_page(self) -> NoticePage:
        """Why the vault cannot be used; built when first asked for."""
        if self._notice_page is None:
            from outreach.ui.notice_page import NoticePage

            self._notice_page = NoticePage()
            self.pages.addWidget(self._notice_page)
        return self._notice_page

    def set_keyring_words(self, note: str, blocked_reason: str) -> None:
        """The setup page's words on the keyring, once it has been looked for."""
        self._keyring_words = (note, blocked_reason)
        if self._setup_page is not None:
            self._setup_page.set_keyring(note, blocked_reason)

    def _when_ready(self, start: Callable[[str], None], passphrase: str) -> None:
        """Creating or unlocking waits for the workspace, so that every service hears
        the vault open; the page stays busy meanwhile."""
        if self._ready:
            start(passphrase)
        else:
            self._waiting = (start, passphrase)

    def keep_lock_shortcuts(self, dialog: QWidget) -> None:
        """A modal dialog shadows the window's shortcuts: give it the ones that lock."""
        dialog.addActions([self.actions_by_name["hide_now"], self.actions_by_name["lock"]])

    def _add_action(self, name: str, slot: object, *, unlocked_only: bool) -> None:
        from PySide6.QtGui import QAction

        from outreach.ui.qtvalues import application_wide
        from outreach.ui.shortcuts import keys_for, label_for

        action = QAction(label_for(name), self)
        action.setShortcuts(keys_for(name))
        application_wide(action)
        action.triggered.connect(slot)
        action.setProperty("unlockedOnly", unlocked_only)
        self.addAction(action)
        self.actions_by_name[name] = action

    def _enable_actions(self, state: str) -> None:
        unlocked = state in (State.UNLOCKED, State.READ_ONLY)
        for action in self.actions_by_name.values():
            if action.property("unlockedOnly"):
                action.setEnabled(unlocked)

    def _show_state(self, state: str) -> None:
        unlocked = state in (State.UNLOCKED, State.READ_ONLY)
        self._enable_actions(state)
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
            if self._setup_page is not None:
                self._setup_page.clear_content()
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
        if self._sync is None or self.pages.currentWidget() is not self.gate_page:
            return
        from outreach.app.sync import problem_words

        current = self._sync.status()
        if not self._sync.lease_overdue():
            self._show_state(self._session.state.value)
        elif current is not None:
            self.gate_page.problem.setText(problem_words(current))

    def _sync_now(self) -> None:
        if self._sync is not None:
            self._sync.sync_now()

    def open_enrolment(self) -> EnrolDialog | None:
        if self._sync is None or self._session.open_vault is None:
            return None
        from outreach.ui.sync_ui import EnrolDialog

        dialog = EnrolDialog(self._sync, self)
        delete_on_close(dialog)
        dialog.accepted.connect(
            lambda: self.statusBar().showMessage(self.tr("Connected to the agency hub."), 5000)
        )
        self.keep_lock_shortcuts(dialog)
        dialog.open()
        return dialog

    def _failed(self, message: str) -> None:
        if self._setup_page is not None and self.pages.currentWidget() is self._setup_page:
            self._setup_page.show_error(message)
        elif self._session.state == State.LOCKED:
            self.unlock_page.show_error(message)

    def _after_lock(self) -> None:
        from PySide6.QtWidgets import QDialog  # not needed to show the first window

        if self._waiting is not None:  # Hide now before the workspace was there
            self._waiting = None
            self.unlock_page.set_busy(False)
            if self._setup_page is not None:
                self._setup_page.set_busy(False)
        for dialog in self.findChildren(QDialog):
            dialog.reject()
        wipe_all(self)
        if self._ready:
            self.workspace.clear_content()  # last: wiping the notes above said "Saving…"
        self.statusBar().clearMessage()

    def hide_now(self) -> None:
        """Lock and blank at once, including a half-typed passphrase on any page."""
        self._session.lock()
        self._after_lock()

    def open_settings(self) -> None:
        opened = self._session.open_vault
        if opened is None or self._settings is None:
            return
        from outreach.records.settings import managed_layer
        from outreach.ui.dialogs import SettingsDialog, managed_key_words

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
        delete_on_close(dialog)
        self.keep_lock_shortcuts(dialog)
        dialog.open()

    def change_passphrase(self) -> None:
        from outreach.ui.dialogs import ChangePassphraseDialog

        dialog = ChangePassphraseDialog(self)
        delete_on_close(dialog)

        def accepted() -> None:
            old, new = dialog.passphrases()
            self._session.change_passphrase(old, new)

        dialog.accepted.connect(accepted)
        self.keep_lock_shortcuts(dialog)
        dialog.open()

    def _passphrase_change_failed(self, message: str) -> None:
        self._warn(self.tr("Passphrase not changed"), message)

    def _warn(self, title: str, message: str) -> None:
        from PySide6.QtWidgets import QMessageBox  # not needed to show the first window

        # Opened, not exec'd: a lock closes it like any dialog, and hide now still works.
        box = QMessageBox(
            QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, self
        )
        delete_on_close(box)
        self.keep_lock_shortcuts(box)
        box.open()

    def make_backup(self) -> None:
        """Copies the vault on a worker thread (a second or more for a big caseload); the
        status line says it is under way, then made, and a failure opens a warning."""
        from outreach.app.records import BackupService

        backups = self.findChild(BackupService)  # made on first use, owned by the window
        if backups is None:
            backups = BackupService(self._session, parent=self)
            backups.started.connect(
                lambda: self.statusBar().showMessage(self.tr("Making an encrypted backup…"))
            )
            backups.made.connect(
                lambda _path: self.statusBar().showMessage(self.tr("Encrypted backup made."), 5000)
            )

            def failed(message: str) -> None:
                self.statusBar().showMessage(self.tr("Backup not made."), 5000)
                # Locked meanwhile: the status line says it; no box over the unlock page.
                if self._session.open_vault is not None:
                    self._warn(self.tr("Backup not made"), message)

            backups.failed.connect(failed)
        if backups.running:
            self.statusBar().showMessage(self.tr("A backup is already being made."), 5000)
            return
        backups.start()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._session.lock()
        event.accept()
