"""The desktop app's composition root: builds the services and the window, wires signals."""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import TYPE_CHECKING

from PySide6.QtCore import QLocale, QSocketNotifier, QTimer, QTranslator
from PySide6.QtWidgets import QApplication

from outreach import __version__
from outreach.app.instance import InstanceLock
from outreach.app.jobs import BackgroundRunner
from outreach.app.messages import error_text, keyring_absent_notice, translate
from outreach.app.session import Session, State
from outreach.config.paths import APP_NAME, AppPaths
from outreach.config.policy import Policy
from outreach.logs import install_exception_hook, log, setup_logging
from outreach.prompts import data as prompts_data
from outreach.ui.main_window import MainWindow
from outreach.vault import audit, crypto
from outreach.vault.device import DeviceSecretStore, trusted_system_backend
from outreach.vault.errors import KeyringRequired, VaultError
from outreach.vault.vault import Vault

# Imported only after the first window is shown (see finish_shell): importing them takes
# several times longer than showing a bare window.
if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

    from outreach.app.clipboard import ClipboardGuard
    from outreach.app.drafts import DraftService
    from outreach.app.guards import IdleWatcher, SleepWatcher
    from outreach.app.records import RecordsService
    from outreach.app.settings import SettingsService
    from outreach.app.sync import SyncService
    from outreach.prompts.nudges import Thresholds
    from outreach.sync.client import HubClient
    from outreach.vault.database import Database

# Shown on the demo unlock screen: the demo vault holds made-up data only.
DEMO_PASSPHRASE = "demo vault only"  # noqa: S105
NOTES_FORM = "notes"


@dataclass(eq=False)  # the running app: compared by identity
class Shell:
    """Everything the running app is made of; tests build one with test doubles."""

    session: Session
    drafts: DraftService
    settings: SettingsService
    records: RecordsService
    idle: IdleWatcher
    sleep: SleepWatcher
    clipboard: ClipboardGuard
    window: MainWindow
    sync: SyncService


def thresholds_from(policy: Policy) -> Thresholds:
    from outreach.prompts.nudges import Thresholds

    return Thresholds(
        missing_episodes=policy.nudge_missing_episodes,
        missing_window_days=policy.nudge_missing_window_days,
        return_interview_hours=policy.nudge_return_interview_hours,
        sexual_activity_under=policy.nudge_sexual_activity_under,
        substances_under=policy.nudge_substances_under,
        high_worry=policy.nudge_high_worry,
        not_seen_days=policy.nudge_not_seen_days,
        absence_days=policy.nudge_absence_days,
    )


def build_shell(
    app: QApplication,
    paths: AppPaths,
    policy: Policy,
    device: DeviceSecretStore,
    *,
    kdf: crypto.KdfParams = crypto.DEFAULT_KDF,
    demo: bool = False,
    hub_client: Callable[..., HubClient] | None = None,
    now: Callable[[], datetime] = audit.utc_now,
) -> Shell:
    """The whole shell at once: both steps that ``run_gui`` takes with the window shown
    in between."""
    window = open_first_window(app, paths, policy, device, kdf=kdf, demo=demo)
    return finish_shell(app, window, policy, device, hub_client=hub_client, now=now)


def open_first_window(
    app: QApplication,
    paths: AppPaths,
    policy: Policy,
    device: DeviceSecretStore,
    *,
    kdf: crypto.KdfParams = crypto.DEFAULT_KDF,
    demo: bool = False,
) -> MainWindow:
    """The session and a window with the pages a vault needs before it is open (create,
    unlock, or why it cannot be used): enough to type a passphrase into."""
    vault = Vault(paths, policy, device, kdf=kdf)
    session = Session(vault, BackgroundRunner(parent=app))
    # Only creating a vault needs the keyring's words now; finish_shell gives them later.
    keyring_note, blocked = (
        _keyring_words(policy, device) if session.state == State.NEW else ("", "")
    )
    hints = []
    if policy.wipe_after_failed_unlocks:
        # Said before the first try, not only after a failure.
        hints.append(
            translate(
                "Shell",
                "Your organisation erases this vault after this many wrong passphrases "
                "in a row: %1.",
            ).replace("%1", str(policy.wipe_after_failed_unlocks))
        )
    if demo:
        hints.append(
            translate("Shell", "Demo vault with made-up data only. Its passphrase is: %1").replace(
                "%1", DEMO_PASSPHRASE
            )
        )
    return MainWindow(
        session,
        policy,
        keyring_note=keyring_note,
        setup_blocked_reason=blocked,
        unlock_hint="\n".join(hints),
        demo=demo,
    )


def _keyring_words(policy: Policy, device: DeviceSecretStore) -> tuple[str, str]:
    """The setup page's note that there is no keyring, and why creating is blocked."""
    note = "" if device.available else keyring_absent_notice()
    blocked = ""
    if policy.require_keyring and not device.available:
        blocked = error_text(KeyringRequired("no_backend"))
    return note, blocked


class KeyringOnFirstUse(DeviceSecretStore):
    """The system keyring, looked for when first needed: finding its backends takes
    longer than showing a bare window, and the unlock page does not need it."""

    def __init__(self) -> None:
        self._found: list[KeyringBackend | None] = []

    @property
    def _backend(self) -> KeyringBackend | None:
        if not self._found:
            self._found.append(trusted_system_backend())
        return self._found[0]

    @_backend.setter
    def _backend(self, backend: KeyringBackend | None) -> None:
        self._found[:] = [backend]


def finish_shell(
    app: QApplication,
    window: MainWindow,
    policy: Policy,
    device: DeviceSecretStore,
    *,
    hub_client: Callable[..., HubClient] | None = None,
    now: Callable[[], datetime] = audit.utc_now,
) -> Shell:
    """The services, the watchers and the workspace, added to the first window. An unlock
    asked for before this ran starts once it has (see MainWindow.add_workspace)."""
    from outreach.app.clipboard import ClipboardGuard
    from outreach.app.drafts import DraftService
    from outreach.app.guards import DesktopLockWatcher, IdleWatcher, SleepWatcher
    from outreach.app.records import RecordsService
    from outreach.app.settings import SettingsService
    from outreach.app.sync import SyncService
    from outreach.app.team import TeamService
    from outreach.sync.client import HubClient

    window.add_actions()  # run_gui has added them already, unless this builds the shell at once
    _apply_scheme(app)  # the first window's colours came from the palette alone
    session = window.session
    drafts = DraftService(session, NOTES_FORM)
    settings = SettingsService(session, policy)
    records = RecordsService(
        session,
        thresholds_from(policy),
        exports_allowed=policy.exports_allowed,
        marking=policy.protective_marking,
    )

    # Its own pool: a sync waiting on the network never delays an unlock.
    sync = SyncService(
        session,
        policy,
        BackgroundRunner(parent=app),
        client_factory=hub_client or HubClient,
        now=now,
    )
    sync.reviewsArrived.connect(lambda _count: records.changed.emit())
    team = TeamService(session, sync, policy, now=now)

    idle = IdleWatcher(policy.idle_lock_minutes)
    app.installEventFilter(idle)
    idle.idle.connect(session.lock)
    settings.idleMinutesChanged.connect(idle.set_minutes)
    session.unlocked.connect(idle.start)
    session.locked.connect(idle.stop)

    sleep = SleepWatcher()
    sleep.slept.connect(session.lock)
    desktop = DesktopLockWatcher(session)
    desktop.locking.connect(session.lock)

    clipboard = ClipboardGuard(app.clipboard())
    session.locked.connect(clipboard.clear_if_ours)

    if device.available:
        keyring_status = translate("Shell", "Protected by this computer's keyring (%1)").replace(
            "%1", device.backend_name.rsplit(".", 2)[-2]
        )
    else:
        keyring_status = translate("Shell", "No keyring: protected by your passphrase alone")
    window.set_keyring_words(*_keyring_words(policy, device))
    window.add_workspace(drafts, settings, records, sync, team, keyring_status=keyring_status)
    # Everything with a timer is owned by the window (the desktop watcher by the session),
    # so Qt deletes it on the main thread with the window. Left to Python's collector, it
    # could be deleted on a worker thread (the collector runs wherever an allocation trips
    # it), where Qt cannot stop its timer, and the event loop would later fire a timer of a
    # freed object: the test suite crashed that way.
    for timed in (sync, team, drafts, idle, sleep):
        timed.setParent(window)
    return Shell(session, drafts, settings, records, idle, sleep, clipboard, window, sync)


def _install_translations(app: QApplication) -> None:
    translator = QTranslator(app)
    folder = resources.files("outreach.resources") / "i18n"
    name = f"outreach_{QLocale.system().name()}.qm"
    candidate = folder / name
    if candidate.is_file() and translator.load(candidate.read_bytes()):
        app.installTranslator(translator)


# Our own colours for each scheme; everything else is the system palette's.
_SCHEME_COLOURS = {
    False: {"error": "#9b1c1c", "notice": "#f3f1e8", "accent": "#2f5f8a"},
    True: {"error": "#ff8a80", "notice": "#3a3a33", "accent": "#9cc3e6"},
}


def stylesheet(dark: bool) -> str:
    sheet = (resources.files("outreach.resources") / "styles" / "app.qss").read_text("utf-8")
    for token, colour in _SCHEME_COLOURS[dark].items():
        sheet = sheet.replace(f"@{token}@", colour)
    return sheet


def _palette_is_dark(app: QApplication) -> bool:
    palette = app.palette()
    return palette.windowText().color().lightness() > palette.window().color().lightness()


def _apply_scheme(app: QApplication, *, from_palette: bool = False) -> None:
    """Our colours for the desktop's scheme, as Qt reports it; from the palette when it
    cannot say, or with ``from_palette`` for the first window: asking Qt needs its ``Qt``
    namespace, whose first use builds all of its enums (longer than a bare window takes
    to show), so ``finish_shell`` asks once the first window is up."""
    dark = _palette_is_dark(app)
    if not from_palette:
        from PySide6.QtCore import Qt

        scheme = app.styleHints().colorScheme()
        if scheme != Qt.ColorScheme.Unknown:
            dark = scheme == Qt.ColorScheme.Dark
    sheet = stylesheet(dark)
    if app.styleSheet() != sheet:  # setting it again would restyle every widget
        app.setStyleSheet(sheet)


def make_application(argv: list[str]) -> QApplication:
    app = QApplication.instance() or QApplication(argv)
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("org.outreach.app")  # the installed .desktop file's name
    _install_translations(app)
    prompts_data.set_language(QLocale.system().name())
    _apply_scheme(app, from_palette=True)
    # Light and dark follow the OS, also when it changes while the app is open.
    app.styleHints().colorSchemeChanged.connect(lambda _scheme: _apply_scheme(app))
    return app


def run_gui(paths: AppPaths, policy: Policy, *, demo: bool = False) -> int:
    app = make_application(sys.argv)
    with contextlib.suppress(OSError):  # the session shows a folder problem on its page
        paths.data_dir.mkdir(parents=True, exist_ok=True)
    instance = InstanceLock(paths.instance_lock)
    if paths.data_dir.exists() and not instance.acquire():
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.information(
            None,
            translate("Shell", "Outreach"),
            translate("Shell", "Outreach is already open for the data folder %1.").replace(
                "%1", str(paths.data_dir)
            ),
        )
        return 1
    device = KeyringOnFirstUse()  # looked for by finish_shell, before any unlock can start
    if demo:
        _ensure_demo_vault(paths, policy, device)
        gc.collect()  # making the caseload left garbage, which must not be frozen in below
    window = open_first_window(app, paths, policy, device, demo=demo)
    install_exception_hook(lambda: _show_calm_error(window))
    terminate = TerminateRequest(app)
    log.info("app started, version %s", __version__)
    window.show()
    app.processEvents()  # paint it before the rest is built
    # What starting made lives as long as the app: kept out of every later collection.
    gc.freeze()
    gc.enable()  # off while starting (__main__)
    shells: list[Shell] = []  # keeps the shell's Python-owned parts alive while Qt runs
    if os.environ.get("OUTREACH_EXIT_WHEN_SHOWN") == "1":
        # Start-up benchmarks of the installed app time the process to its first window.
        QTimer.singleShot(0, app.quit)
    else:
        # The rest is imported and built while the worker types; keys pressed meanwhile
        # wait in the event queue, and an unlock asked for waits for it (MainWindow). The
        # menus' actions and shortcuts come first, on their own turn.
        QTimer.singleShot(0, window.add_actions)

        def finish() -> None:
            setup_logging(paths.log_dir)  # now with rotation: see setup_logging
            shells.append(finish_shell(app, window, policy, device))

        QTimer.singleShot(0, finish)
    try:
        # A SIGTERM noticed while the first window was painted came before the event loop,
        # when Qt drops a quit: it is honoured here instead of being lost.
        return 0 if terminate.requested else app.exec()
    finally:
        window.session.lock()
        instance.release()


def _show_calm_error(window: MainWindow) -> None:
    from outreach.ui.dialogs import show_calm_error  # not needed for the first window

    window.keep_lock_shortcuts(show_calm_error(window))


class TerminateRequest:
    """SIGTERM (logging out, shutting down) ends the event loop, so the vault is locked
    and drafts saved as when the window is closed, instead of the process being killed.

    ``requested`` says one came: Qt drops a quit asked for before its event loop runs
    (``exec`` starts afresh), and the first window is painted before that."""

    def __init__(self, app: QApplication) -> None:
        self.requested = False
        if os.name == "nt":
            return
        self._app = app
        self._read_end, write_end = os.pipe()
        for end in (self._read_end, write_end):
            os.set_blocking(end, False)
        # Python notes the signal on the pipe; Qt wakes the event loop when it is readable.
        signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
        signal.signal(signal.SIGTERM, lambda _signum, _frame: None)
        notifier = QSocketNotifier(self._read_end, QSocketNotifier.Type.Read, app)
        notifier.activated.connect(self._woken)

    def _woken(self) -> None:
        with contextlib.suppress(BlockingIOError):
            if signal.SIGTERM in os.read(self._read_end, 64):
                self.requested = True
                self._app.quit()


def _ensure_demo_vault(paths: AppPaths, policy: Policy, device: DeviceSecretStore) -> None:
    vault = Vault(paths, policy, device)
    try:
        if vault.state() == "new":
            opened = vault.create(DEMO_PASSPHRASE)
            try:
                seed_demo(opened.db)
            finally:
                opened.close()
    except VaultError:
        pass  # the session finds the same problem and shows it on its own page


def seed_demo(db: Database) -> None:
    """A made-up caseload dated up to today, with vehicles, places and people that recur
    across several young people so that there are patterns to find."""
    from outreach.records import caseload  # only the demo needs it
    from outreach.records.store import RecordStore

    made_up = caseload.generate(now=datetime.now(UTC))
    RecordStore(db).import_records(made_up.people, made_up.contacts)
