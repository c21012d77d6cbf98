"""Sync as a service for the UI: approving, enrolling, and the engine on a worker thread.

The engine runs on the runner's thread pool with a connection of its own (a connection is
used from one thread only); the window keeps its connection and stays responsive. A run
starts when something is approved, when the vault is unlocked, when the network comes
back (Qt's network information, where the platform has a backend), on a periodic probe,
and on "Sync now". Locking asks a run to stop after the batch in flight.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal

from outreach.app.jobs import BackgroundRunner
from outreach.app.messages import error_text, reported, sync_problem_text, translate
from outreach.app.session import Session
from outreach.config.hub import BadAddress
from outreach.config.policy import Policy
from outreach.contract.summary import Summary
from outreach.logs import log
from outreach.records.drafts import DraftStore
from outreach.records.store import RecordStore
from outreach.sync import enrolment
from outreach.sync.approval import Approvals, SummaryRules
from outreach.sync.client import HubClient, Unreachable
from outreach.sync.engine import Stop, SyncEngine, SyncReport, SyncStatus, status, stopped
from outreach.sync.enrolment import Enrolment, EnrolmentRefused
from outreach.sync.outbox import Outbox, OutboxItem
from outreach.sync.retention import purge_due
from outreach.sync.summary import Includable, Sharing, includable
from outreach.vault.audit import utc_now
from outreach.vault.errors import VaultError

ACCOUNT_DRAFT_PREFIX = "summary-account:"  # the short account typed on the approval screen
PROBE_MS = 60_000  # the periodic probe: a run when something waits and its time has come
PULL_EVERY = timedelta(minutes=15)  # reviews are fetched this often when nothing waits


@dataclass(frozen=True)
class ReviewNote:
    """A team lead's review of one of this worker's summaries, as it arrived."""

    outcome: str  # approved, needs_more, escalated
    comment: str
    questions: tuple[str, ...]
    reason: str
    reviewer: str
    recorded_at: datetime
    version: int


class _Relay(QObject):
    progress = Signal(int, int)


class SyncService(QObject):
    statusChanged = Signal()  # read ``status()``
    progress = Signal(int, int)  # done, total in the current run
    runningChanged = Signal(bool)
    approved = Signal(str)  # the contact's uid
    enrolled = Signal(str)  # words for the worker
    enrolFailed = Signal(str)
    reviewsArrived = Signal(int)  # how many; the contact views refresh
    failed = Signal(str)  # a storage failure, in words
    locking = Signal()  # the vault is about to close: save what is typed now

    def __init__(
        self,
        session: Session,
        policy: Policy,
        runner: BackgroundRunner,
        *,
        client_factory: Callable[..., HubClient] = HubClient,
        now: Callable[[], datetime] = utc_now,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._policy = policy
        self._runner = runner
        self._client_factory = client_factory
        self._now = now
        self._running = False
        self._again = False  # a trigger arrived during a run: run once more after it
        self._cancel = threading.Event()
        self._last_pull: datetime | None = None
        self._relay = _Relay(self)
        self._relay.progress.connect(self.progress)
        self._probe = QTimer(self)
        self._probe.setInterval(PROBE_MS)
        self._probe.timeout.connect(self._probe_due)
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self.start)
        session.unlocked.connect(self._on_unlocked)
        session.aboutToLock.connect(self._on_locking)
        # The instance outlives this service: connected to a method of a QObject, the
        # connection goes when the service does.
        network = _network_information()
        if network is not None:
            network.reachabilityChanged.connect(self._reachability_changed)

    # --- reading ------------------------------------------------------------------------

    @property
    def rules(self) -> SummaryRules:
        return SummaryRules(
            names_sent=self._policy.names_sent, sharing=Sharing(self._policy.narrative_sharing)
        )

    @property
    def hub_address_from_policy(self) -> str | None:
        return self._policy.hub_address

    @property
    def running(self) -> bool:
        return self._running

    def _store(self) -> RecordStore | None:
        opened = self._session.open_vault
        return RecordStore(opened.db, now=self._now) if opened is not None else None

    def _read(self, work: Callable[[RecordStore], Any], default: Any) -> Any:
        store = self._store()
        if store is None:
            return default
        return reported(lambda: work(store), default, self.failed, "sync read")

    def enrolment(self) -> Enrolment | None:
        found: Enrolment | None = self._read(lambda s: enrolment.current(s.db), None)
        return found

    def status(self) -> SyncStatus | None:
        found: SyncStatus | None = self._read(lambda s: status(s.db), None)
        return found

    def items_for(self, uid: str) -> list[OutboxItem]:
        found: list[OutboxItem] = self._read(lambda s: Outbox(s.db).items_for(uid), [])
        return found

    def reviews_for(self, uid: str) -> list[ReviewNote]:
        rows = self._read(
            lambda s: s.db.query(
                "SELECT outcome, comment, questions, reason, reviewer, recorded_at, version "
                "FROM hub_reviews WHERE summary_id = ? ORDER BY id DESC",
                (uid,),
            ),
            [],
        )
        return [
            ReviewNote(o, c, tuple(json.loads(q)), r, who, datetime.fromisoformat(at), v)
            for o, c, q, r, who, at, v in rows
        ]

    def includable(self, uid: str) -> list[Includable]:
        found: list[Includable] = self._read(lambda s: includable(s.contact(uid)), [])
        return found

    def preview(self, uid: str, account: str, include: Sequence[str]) -> Summary | None:
        """What approving now would send; raises ``CannotInclude``."""
        found: Summary | None = self._read(
            lambda s: Approvals(s, self.rules, now=self._now).preview(
                uid, account=account, include=include
            ),
            None,
        )
        return found

    def account_draft(self, uid: str) -> str:
        """The short account the worker was writing for this contact's summary, if any."""
        draft = self._read(lambda s: DraftStore(s.db).load(ACCOUNT_DRAFT_PREFIX + uid), None)
        return draft.content if draft is not None else ""

    def save_account_draft(self, uid: str, text: str) -> None:
        store = self._store()
        if store is None or store.db.read_only:
            return
        try:
            drafts = DraftStore(store.db)
            if text.strip():
                drafts.save(ACCOUNT_DRAFT_PREFIX + uid, text)
            else:
                drafts.discard(ACCOUNT_DRAFT_PREFIX + uid)
        except VaultError as exc:
            self.failed.emit(error_text(exc))

    def lease_overdue(self) -> bool:
        """Policy ``must_sync_every_days``: has this enrolled laptop been away too long?"""
        days = self._policy.must_sync_every_days
        found = self.enrolment() if days else None
        current = self.status() if found is not None else None
        if found is None or current is None:
            return False
        since = current.last_success_at or found.enrolled_at
        return self._now() - since > timedelta(days=days)

    # --- doing --------------------------------------------------------------------------

    def approve(self, summary: Summary) -> OutboxItem | None:
        """Queue exactly ``summary`` and start sending it."""
        item: OutboxItem | None = self._read(
            lambda s: Approvals(s, self.rules, now=self._now).approve(summary), None
        )
        if item is not None:
            self.save_account_draft(summary.id, "")
            self.approved.emit(summary.id)
            self.statusChanged.emit()
            self.start()
        return item

    def enrol(self, address: str, code: str) -> None:
        opened = self._session.open_vault
        if opened is None:
            return
        address = self._policy.hub_address or address
        pinned = self._policy.hub_pinned_ca

        def work() -> Enrolment:
            db = opened.connect_again()
            try:
                return enrolment.enrol(db, address, code, pinned_ca=pinned, now=self._now)
            finally:
                db.close()

        def done(found: Enrolment) -> None:
            log.info("enrolled with the hub")
            self.enrolled.emit(
                translate("Sync", "This laptop is connected to the hub as %1.").replace(
                    "%1", found.user
                )
            )
            self.statusChanged.emit()
            self.start()

        def error(exc: BaseException) -> None:
            self.enrolFailed.emit(_enrol_problem(exc))

        self._runner.submit(work, done, error)

    def sync_now(self) -> None:
        """The worker asked: failed items are tried at once, whatever their backoff."""
        store = self._store()
        if store is None:
            return
        try:
            Outbox(store.db, now=self._now).retry_now()
        except VaultError as exc:
            self.failed.emit(error_text(exc))
            return
        self.start()

    def start(self) -> None:
        opened = self._session.open_vault
        if opened is None or opened.db.read_only:
            return
        if self._running:
            self._again = True
            return
        found = self.enrolment()
        if found is None:
            return
        self._running = True
        self._again = False
        self._cancel.clear()
        self.runningChanged.emit(True)
        cancel = self._cancel
        relay = self._relay
        policy = self._policy
        now = self._now
        factory = self._client_factory

        def work() -> SyncReport:
            db = opened.connect_again()
            try:
                if enrolment.elsewhere(found, policy.hub_address):
                    return stopped(db, Stop.MOVED)  # nothing goes to the old hub
                try:
                    client = factory(
                        found.address, credential=found.credential, pinned_ca=policy.hub_pinned_ca
                    )
                except OSError:  # the pin was readable when the policy was read, not now
                    return stopped(db, Stop.PIN)
                with client:
                    report = SyncEngine(db, client, now=now).run(
                        progress=relay.progress.emit, cancelled=cancel.is_set
                    )
                if report.stop is not Stop.WIPE and policy.retention_days_after_sync:
                    purge_due(db, timedelta(days=policy.retention_days_after_sync), now=now)
                return report
            finally:
                db.close()

        self._runner.submit(work, self._finished, self._crashed)

    def wait(self, msecs: int = -1) -> bool:
        """Wait for a run in flight to end (shutting down, tests)."""
        return self._runner.wait(msecs)

    def _finished(self, report: SyncReport) -> None:
        if not shiboken6.isValid(self):
            return  # the window, and this service with it, went while the run was out
        self._running = False
        self.runningChanged.emit(False)
        log.info("sync run: %s acknowledged, stop=%s", report.acknowledged, report.stop.value)
        if report.stop is Stop.WIPE:
            self._probe.stop()
            self._session.shred()
            return
        if report.stop is Stop.NONE:
            self._last_pull = self._now()
        if report.reviews:
            self.reviewsArrived.emit(report.reviews)
        self.statusChanged.emit()
        if self._session.open_vault is None:
            return
        if self._again:
            self.start()
        elif report.next_try_at is not None:
            wait = (report.next_try_at - self._now()).total_seconds()
            self._retry.start(int(min(max(wait, 0.5), 3600) * 1000))

    def _crashed(self, exc: BaseException) -> None:
        if not shiboken6.isValid(self):
            return
        self._running = False
        self.runningChanged.emit(False)
        if isinstance(exc, VaultError):
            self.failed.emit(error_text(exc))
            self.statusChanged.emit()
            return
        raise exc

    def _probe_due(self) -> None:
        current = self.status()
        if current is None:
            return
        due = current.waiting and (
            current.next_try_at is None or current.next_try_at <= self._now()
        )
        stale = self._last_pull is None or self._now() - self._last_pull > PULL_EVERY
        if due or stale:
            self.start()

    def _reachability_changed(self, reachability: Any) -> None:
        from PySide6.QtNetwork import QNetworkInformation

        if reachability == QNetworkInformation.Reachability.Online:
            self.start()

    def _on_unlocked(self) -> None:
        self._probe.start()
        self.statusChanged.emit()
        self.start()

    def _on_locking(self) -> None:
        self.locking.emit()
        self._cancel.set()
        self._probe.stop()
        self._retry.stop()


def problem_words(current: SyncStatus) -> str:
    """The current problem in plain words, with when the next try is, or ""."""
    if not current.problem:
        return ""
    text = sync_problem_text(current.problem)
    if current.next_try_at is not None and current.problem not in ("auth", "forbidden"):
        when = current.next_try_at.astimezone().strftime("%H:%M")
        text += " " + translate("Sync", "Next try at %1.").replace("%1", when)
    return text


def _enrol_problem(exc: BaseException) -> str:
    if isinstance(exc, BadAddress):
        if exc.reason == "plain_http":
            return translate(
                "Sync", "The hub's address must start https:// so that nothing travels unread."
            )
        return translate("Sync", "That is not a hub address. It looks like https://hub.example.org")
    if isinstance(exc, Unreachable):
        return sync_problem_text(exc.reason)
    if isinstance(exc, EnrolmentRefused):
        return translate(
            "Sync",
            "The hub did not accept that code. Codes work once and expire: ask for a new one.",
        )
    if isinstance(exc, VaultError):
        return error_text(exc)
    if isinstance(exc, OSError):  # a pinned CA file that cannot be read
        return translate("Sync", "The hub's certificate settings could not be read. Tell IT.")
    raise exc


def _network_information() -> Any:
    """Qt's network information where the platform has a backend for it, else None."""
    try:
        from PySide6.QtNetwork import QNetworkInformation
    except ImportError:
        return None
    if not QNetworkInformation.loadDefaultBackend():
        return None
    return QNetworkInformation.instance()
