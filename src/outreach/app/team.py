"""Team-lead review as a service for the UI: the queue, a summary in full, recording a
review, the dashboard figures, from the team's summaries in the lead's own vault.

Reads run on the main thread (each is one query on a local file); a recorded review goes
to the review outbox and the sync service sends it. ``changed`` says when to read again:
after a sync brought something, or a review was recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QObject, Signal

from outreach.app.messages import error_text, reported
from outreach.app.session import Session
from outreach.app.sync import SyncService
from outreach.config.policy import Policy
from outreach.contract.summary import ReviewIn
from outreach.sync.dashboard import DashboardFigures, figures
from outreach.sync.team import QueueFilter, QueueItem, ReviewItem, SummaryDetail, TeamStore
from outreach.vault.audit import utc_now
from outreach.vault.errors import VaultError


class TeamService(QObject):
    changed = Signal()
    failed = Signal(str)

    def __init__(
        self,
        session: Session,
        sync: SyncService,
        policy: Policy,
        *,
        now: Callable[[], datetime] = utc_now,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._sync = sync
        self._policy = policy
        self._now = now
        sync.runningChanged.connect(lambda running: None if running else self.changed.emit())

    @property
    def review_within_hours(self) -> int:
        return self._policy.review_within_hours

    def is_lead(self) -> bool:
        found = self._sync.enrolment()
        return found is not None and found.role == "lead"

    def _store(self) -> TeamStore | None:
        opened = self._session.open_vault
        if opened is None:
            return None
        return TeamStore(
            opened.db,
            now=self._now,
            review_within=timedelta(hours=self._policy.review_within_hours),
            high_worry=self._policy.nudge_high_worry,
        )

    def _read(self, work: Callable[[TeamStore], Any], default: Any) -> Any:
        store = self._store()
        if store is None:
            return default
        return reported(lambda: work(store), default, self.failed, "team read")

    def queue(self, filters: QueueFilter, limit: int = 500) -> list[QueueItem]:
        found: list[QueueItem] = self._read(lambda s: s.queue(filters, limit), [])
        return found

    def count(self, filters: QueueFilter) -> int:
        found: int = self._read(lambda s: s.count(filters), 0)
        return found

    def overdue_count(self) -> int:
        found: int = self._read(lambda s: s.overdue_count(), 0)
        return found

    def choices(self) -> tuple[list[str], list[str], list[str]]:
        """Workers, young people's references and indicators, for the filters."""
        found: tuple[list[str], list[str], list[str]] = self._read(
            lambda s: (s.workers(), s.young_people(), s.indicators()), ([], [], [])
        )
        return found

    def detail(self, summary_id: str) -> SummaryDetail | None:
        def read(store: TeamStore) -> SummaryDetail | None:
            try:
                return store.detail(summary_id)
            except LookupError:
                return None

        found: SummaryDetail | None = self._read(read, None)
        return found

    def pulled_at(self) -> datetime | None:
        found: datetime | None = self._read(lambda s: s.pulled_at(), None)
        return found

    def record_review(self, summary_id: str, review: ReviewIn) -> ReviewItem | None:
        """Queue the review and start sending it; ``ReviewRefused`` says what is missing."""
        item: ReviewItem | None = self._read(lambda s: s.record_review(summary_id, review), None)
        if item is not None:
            self.changed.emit()
            self._sync.start()
        return item

    def figures(self) -> DashboardFigures | None:
        opened = self._session.open_vault
        if opened is None:
            return None
        try:
            return figures(opened.db, now=self._now)
        except VaultError as exc:
            self.failed.emit(error_text(exc))
            return None
