"""Keeps what the worker types in the vault as they type, and says "Saved" only after commit."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QObject, QTimer, Signal

from outreach.app.messages import error_text
from outreach.app.session import Session
from outreach.logs import log
from outreach.records.drafts import DraftStore
from outreach.vault.errors import VaultError

SAVE_DELAY_MS = 500


class DraftService(QObject):
    """One form's draft: debounced saves while typing, an immediate save before lock."""

    saved = Signal(datetime)
    saveFailed = Signal(str)

    def __init__(self, session: Session, form_key: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._form_key = form_key
        self._pending: str | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SAVE_DELAY_MS)
        self._timer.timeout.connect(self.flush)
        session.aboutToLock.connect(self.flush)
        session.locked.connect(self._discard)

    @property
    def form_key(self) -> str:
        return self._form_key

    def load(self) -> str:
        opened = self._session.open_vault
        if opened is None:
            return ""
        draft = DraftStore(opened.db).load(self._form_key)
        return draft.content if draft else ""

    def edit(self, text: str) -> None:
        if self._session.open_vault is None:
            # Only the screen being wiped on lock changes the text while locked: saving
            # that "edit" at the next lock would erase the draft.
            return
        self._pending = text
        self._timer.start()

    def _discard(self) -> None:
        # After lock the text is off the screen: what could not be saved is not kept in
        # memory, nor written over the draft at a later lock.
        self._timer.stop()
        self._pending = None

    @property
    def has_pending(self) -> bool:
        return self._pending is not None

    def flush(self) -> None:
        self._timer.stop()
        if self._pending is None:
            return
        opened = self._session.open_vault
        if opened is None or opened.db.read_only:
            return
        try:
            draft = DraftStore(opened.db).save(self._form_key, self._pending)
        except VaultError as exc:
            # The text stays on screen and pending; the next edit or lock tries again.
            log.error("draft save failed: %s", type(exc).__name__)
            self.saveFailed.emit(error_text(exc))
            return
        self._pending = None
        self.saved.emit(draft.updated_at)
