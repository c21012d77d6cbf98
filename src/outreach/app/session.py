"""The session: whether the vault is locked, and the one place that opens and closes it.

Argon2id and the integrity checks take most of a second, so creating and unlocking
run on a worker thread; the result arrives as a signal. Locking is immediate: the
services flush what the worker typed, then the connection and key are dropped.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from outreach.app.messages import error_text
from outreach.logs import log
from outreach.vault import audit
from outreach.vault.errors import VaultDamaged, VaultError, VaultWiped

if TYPE_CHECKING:
    from outreach.app.jobs import BackgroundRunner
    from outreach.vault.vault import OpenVault, Vault


class State(StrEnum):
    NEW = "new"  # no vault yet: first run
    LOCKED = "locked"
    BUSY = "busy"  # deriving keys, checking integrity
    UNLOCKED = "unlocked"
    READ_ONLY = "read_only"  # unlocked, but the integrity check failed
    WIPED = "wiped"
    DAMAGED = "damaged"  # the files cannot be used; the message says why


class Session(QObject):
    stateChanged = Signal(str)
    # Emitted before the vault closes, so services can save what is on screen.
    aboutToLock = Signal()
    locked = Signal()
    unlocked = Signal()
    failed = Signal(str)  # a create or unlock attempt failed; the text is for the worker
    passphraseChanged = Signal()
    passphraseChangeFailed = Signal(str)

    def __init__(self, vault: Vault, runner: BackgroundRunner, parent: QObject | None = None):
        super().__init__(parent)
        self._vault = vault
        self._runner = runner
        self._open: OpenVault | None = None
        self._state = State.LOCKED
        self._attempt = 0  # a lock during an unlock makes the late result void
        self.problem = ""  # why the vault is damaged, wiped or read-only
        self.integrity_problems: list[str] = []
        self.refresh()

    @property
    def vault(self) -> Vault:
        return self._vault

    @property
    def state(self) -> State:
        return self._state

    @property
    def open_vault(self) -> OpenVault | None:
        return self._open

    def refresh(self) -> None:
        """Read the state of the files (no key needed)."""
        if self._open is not None:
            return
        try:
            found = self._vault.state()
        except VaultError as exc:
            self.problem = error_text(exc)
            self._set_state(State.DAMAGED)
            return
        if found == "wiped":
            self.problem = error_text(self._wiped())
        self._set_state({"new": State.NEW, "wiped": State.WIPED}.get(found, State.LOCKED))

    def _wiped(self) -> VaultWiped:
        from outreach.vault.keyfile import read_key_file

        try:
            key_file = read_key_file(self._vault.paths.key_file)
        except VaultError:
            return VaultWiped(recoverable_by_agency=False)
        return VaultWiped(
            recoverable_by_agency=key_file.recovery is not None,
            by_agency=key_file.wiped_by == "agency",
        )

    def shred(self) -> None:
        """The hub's verified instruction for a revoked laptop: close and crypto-shred."""
        self._attempt += 1
        if self._open is not None:
            self._open.close()
            self._open = None
        try:
            self._vault.shred()
        except VaultError as exc:
            log.error("shred failed: %s", type(exc).__name__)
        log.info("vault shredded on the agency's instruction")
        self.refresh()
        self.locked.emit()

    def create(self, passphrase: str) -> None:
        self._start(lambda: self._vault.create(passphrase))

    def unlock(self, passphrase: str) -> None:
        self._start(lambda: self._vault.unlock(passphrase))

    def _start(self, opener: object) -> None:
        if self._state == State.BUSY:
            return
        previous = self._state
        self._attempt += 1
        attempt = self._attempt

        def work() -> OpenVault:
            # Vault checks integrity before any write and opens a damaged file read-only.
            return opener()  # type: ignore[operator]

        def done(opened: OpenVault) -> None:
            problems = opened.integrity_problems
            if attempt != self._attempt:
                opened.close()
                return
            self._open = opened
            self.integrity_problems = problems
            if problems:
                log.error("integrity check failed; vault opened read-only")
                self.problem = error_text(VaultDamaged("integrity", self._vault.paths.vault_file))
                self._set_state(State.READ_ONLY)
            else:
                log.info("vault unlocked")
                self.problem = ""
                self._set_state(State.UNLOCKED)
            self.unlocked.emit()

        def error(exc: BaseException) -> None:
            if attempt != self._attempt:
                return
            log.info("unlock failed: %s", type(exc).__name__)
            if not isinstance(exc, VaultError):
                self._set_state(previous)
                raise exc
            self._set_state(previous)
            self.refresh()
            self.failed.emit(error_text(exc))

        self._set_state(State.BUSY)
        self._runner.submit(work, done, error)

    def lock(self) -> None:
        """Save what is on screen, close the database and drop the key. Never fails."""
        self._attempt += 1
        if self._open is None:
            if self._state == State.BUSY:
                self.refresh()
            return
        self.aboutToLock.emit()
        self._open.close()
        self._open = None
        self.integrity_problems = []
        log.info("vault locked")
        self.refresh()
        self.locked.emit()

    def change_passphrase(self, old: str, new: str) -> None:
        def done(_result: object) -> None:
            log.info("passphrase changed")
            if self._open is not None and not self._open.db.read_only:
                with self._open.db.transaction():
                    audit.record(self._open.db, "passphrase_changed")
            self.passphraseChanged.emit()

        def error(exc: BaseException) -> None:
            if not isinstance(exc, VaultError):
                raise exc
            self.passphraseChangeFailed.emit(error_text(exc))
            if isinstance(exc, VaultWiped):
                # Policy erased the keys after too many wrong tries: nothing may be saved
                # into a vault that can no longer be opened.
                self.lock()

        self._runner.submit(lambda: self._vault.change_passphrase(old, new), done, error)

    def _set_state(self, state: State) -> None:
        if state != self._state:
            self._state = state
            self.stateChanged.emit(state.value)
