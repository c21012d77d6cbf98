"""Keeps what the worker types in the vault as they type, and says "Saved" only after commit."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QObject, QTimer, Signal

from outreach.app.messages import error_text
from outreach.app.session import Session
from outreach.logs import log
from outreach.records.drafts import Draft, DraftStore
from outreach.vault.errors import StorageError, VaultError

SAVE_DELAY_MS = 500


@dataclass(frozen=True)
class LostDraft:
    """A form whose latest changes could not be saved as the vault locked. Only the key
    and the cause: what was typed is not kept in memory after the lock."""

    form_key: str
    cause: str  # "full", "read_only_vault" or "other"


# Per session, until the next unlock takes them: a form's own service goes with its widgets
# at the lock, and the "Not saved" line with them.
_lost_at_lock: weakref.WeakKeyDictionary[Session, list[LostDraft]] = weakref.WeakKeyDictionary()


def lost_at_lock(session: Session) -> list[LostDraft]:
    """The drafts whose save at the last lock failed; each is told once."""
    return _lost_at_lock.pop(session, [])


def kept_drafts(session: Session, prefix: str) -> list[Draft]:
    """Drafts in the open vault whose key starts with ``prefix``, newest first."""
    opened = session.open_vault
    if opened is None:
        return []
    return DraftStore(opened.db).with_prefix(prefix)


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
        session.aboutToLock.connect(self._save_before_lock)
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

    def drop(self) -> None:
        """The worker threw the form away: what is pending is not saved."""
        self._discard()

    def _discard(self) -> None:
        # After lock the text is off the screen: what could not be saved is not kept in
        # memory, nor written over the draft at a later lock.
        self._timer.stop()
        self._pending = None

    @property
    def has_pending(self) -> bool:
        return self._pending is not None

    def flush(self) -> None:
        self._save()

    def _save_before_lock(self) -> None:
        cause = self._save()
        if cause is not None:
            # Dropped at the lock (see _discard): the worker is told after the next unlock.
            kind = self._form_key.split(":", 1)[0]
            log.error("draft not saved at lock: %s (%s)", kind, cause)
            _lost_at_lock.setdefault(self._session, []).append(LostDraft(self._form_key, cause))

    def _save(self) -> str | None:
        """Saves what is pending; returns why it could not be, or None."""
        self._timer.stop()
        if self._pending is None:
            return None
        opened = self._session.open_vault
        if opened is None:
            return "other"
        if opened.db.read_only:
            self.saveFailed.emit(
                self.tr(
                    "This vault is damaged and open read-only, so what you type here can't "
                    "be saved. Ask IT."
                )
            )
            return "read_only_vault"
        try:
            draft = DraftStore(opened.db).save(self._form_key, self._pending)
        except VaultError as exc:
            # The text stays on screen and pending; the next edit or lock tries again.
            log.error("draft save failed: %s", type(exc).__name__)
            self.saveFailed.emit(error_text(exc))
            return "full" if isinstance(exc, StorageError) and exc.reason == "full" else "other"
        self._pending = None
        self.saved.emit(draft.updated_at)
        return None
