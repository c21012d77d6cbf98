"""Sync in the window: the status bar, connecting to the hub, approving a summary, and what
the hub said about a contact.

The approval screen shows the summary exactly as it will be sent: it is rebuilt from the
same object that approving queues, never from a second description of it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from outreach.app.messages import held_text
from outreach.app.sync import ReviewNote, SyncService, problem_words
from outreach.contract.summary import Summary
from outreach.sync.outbox import ItemState, OutboxItem
from outreach.sync.summary import INCLUDED_MAX, CannotInclude, Includable, Sharing, clip
from outreach.ui.contact_view import when_text
from outreach.ui.labels import contact_kind_label, field_label, kind_label, provenance_label
from outreach.ui.language import LanguageCheck
from outreach.ui.layout import message_line
from outreach.ui.richtext import DocWriter
from outreach.ui.text import mark_content, wipe

translate = QCoreApplication.translate

ACCOUNT_SAVE_MS = 500


# --- the status bar -----------------------------------------------------------------


class SyncStatusWidget(QWidget):
    """Always in the status bar: what waits, the last sync, and the current problem."""

    def __init__(self, sync: SyncService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._sync = sync
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setAccessibleName(self.tr("Sync status"))
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(160)
        self.bar.setAccessibleName(self.tr("Sending summaries"))
        self.bar.setVisible(False)
        layout.addWidget(self.bar)
        layout.addWidget(self.label)
        sync.statusChanged.connect(self.refresh)
        sync.runningChanged.connect(self._running)
        sync.progress.connect(self._progress)

    def refresh(self) -> None:
        current = self._sync.status()
        if current is None:
            self.label.clear()
            return
        if self._sync.enrolment() is None:
            parts = [self.tr("Not connected to the agency hub")]
            if current.waiting:
                parts.append(self.tr("%1 waiting to send").replace("%1", str(current.waiting)))
            self.label.setText(" · ".join(parts))
            return
        parts = [self.tr("%1 waiting to send").replace("%1", str(current.waiting))]
        if current.held:
            parts.append(self.tr("%1 need your attention").replace("%1", str(current.held)))
        if current.last_success_at is not None:
            parts.append(self.tr("Last sync %1").replace("%1", when_text(current.last_success_at)))
        else:
            parts.append(self.tr("Not synced yet"))
        problem = problem_words(current)
        if problem:
            parts.append(problem)
        self.label.setText(" · ".join(parts))

    def _running(self, running: bool) -> None:
        if running:
            self.bar.setRange(0, 0)  # busy until the first batch says how many
        self.bar.setVisible(running)
        if not running:
            self.refresh()

    def _progress(self, done: int, total: int) -> None:
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done)
        self.bar.setFormat(
            self.tr("%1 of %2 sent").replace("%1", str(done)).replace("%2", str(total))
        )
        self.bar.setTextVisible(True)


# --- connecting to the hub ----------------------------------------------------------


class EnrolDialog(QDialog):
    """The hub's address (or policy's) and the one-time code from the team lead or IT."""

    def __init__(self, sync: SyncService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._sync = sync
        self.setWindowTitle(self.tr("Connect to the agency hub"))
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "Summaries you approve are sent to your agency's hub when this laptop is "
                "online. Enter the one-time code your team lead or IT gave you."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.address = QLineEdit(sync.hub_address_from_policy or "")
        self.address.setPlaceholderText(self.tr("https://hub.example.org"))
        self.address.setReadOnly(bool(sync.hub_address_from_policy))
        self.address.setAccessibleName(self.tr("Hub address"))
        form.addRow(self.tr("Hub address"), self.address)
        if sync.hub_address_from_policy:
            managed = QLabel(self.tr("Set by your organisation"))
            managed.setObjectName("managed")
            form.addRow("", managed)
        self.code = mark_content(QLineEdit())
        self.code.setAccessibleName(self.tr("One-time code"))
        form.addRow(self.tr("One-time code"), self.code)
        layout.addLayout(form)
        self.message = message_line()
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.connect_button = self.buttons.addButton(
            self.tr("Connect"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        layout.addWidget(self.buttons)
        self.buttons.rejected.connect(self.reject)
        self.connect_button.clicked.connect(self._connect)
        sync.enrolled.connect(self._done)
        sync.enrolFailed.connect(self._failed)
        (self.code if sync.hub_address_from_policy else self.address).setFocus()

    def _connect(self) -> None:
        if not self.address.text().strip() or not self.code.text().strip():
            self.message.setText(self.tr("Enter the hub's address and the code."))
            return
        self.message.setText(self.tr("Connecting…"))
        self.connect_button.setEnabled(False)
        self._sync.enrol(self.address.text(), self.code.text())

    def _done(self, words: str) -> None:
        wipe(self.code)
        self.message.setText(words)
        self.accept()

    def _failed(self, words: str) -> None:
        self.connect_button.setEnabled(True)
        self.message.setText(words)


# --- approving a summary --------------------------------------------------------------


def write_summary(w: DocWriter, summary: Summary) -> None:
    """Every field of the summary in words, in the order a team lead reads it."""
    w.heading(translate("Summary", "What your team lead will see"))
    span = when_text(summary.contact_at)
    if summary.ended_at:
        span += " \u2013 " + when_text(summary.ended_at)
    w.paragraph(span, bold=True)
    w.text(
        " · " + contact_kind_label(summary.kind) + (f" · {summary.area}" if summary.area else "")
    )
    people = []
    for ref in summary.young_people:
        text = ref.ref
        if ref.known_as:
            text += f" ({ref.known_as})"
        if ref.age is not None:
            text += " · " + translate("Summary", "age %1").replace("%1", str(ref.age))
        people.append(text)
    if people:
        w.paragraph(translate("Summary", "Young people") + ": " + "; ".join(people))
    if summary.worry is not None:
        w.paragraph(translate("Summary", "Worry") + f": {summary.worry}/10")
    if summary.language_prompts:
        w.paragraph(
            translate(
                "Summary", "Wording the language check flagged: %1 (a count, no text)"
            ).replace("%1", str(summary.language_prompts))
        )
    if summary.account:
        w.heading(translate("Summary", "Your summary"), 3)
        w.paragraph(summary.account)
    if summary.instinct or summary.instinct_skipped:
        w.heading(translate("Summary", "Your instinct"), 3)
        w.paragraph(summary.instinct or translate("Summary", "Skipped"))
    if summary.concerns:
        w.heading(translate("Summary", "Indicators"), 3)
        w.bullets(list(summary.concerns))
    if summary.observations:
        w.heading(translate("Summary", "Observations"), 3)
    for line in summary.observations:
        meta = provenance_label(line.provenance)
        if line.seen_at:
            meta += " · " + when_text(line.seen_at)
        w.paragraph(kind_label(line.kind) + " · " + meta, bold=True)
        w.bullets(
            [f"{field_label(name)}: {_detail_text(value)}" for name, value in line.details.items()]
        )
    if summary.open_questions:
        w.heading(translate("Summary", "Still to ask"), 3)
        w.bullets(list(summary.open_questions))
    if summary.nudges:
        w.heading(translate("Summary", "Prompts you acknowledged"), 3)
        w.bullets(list(summary.nudges))
    for item in summary.included:
        title = (
            translate("Summary", "Their own words, included")
            if item.kind == "their_words"
            else translate("Summary", "Narrative, included")
        )
        w.heading(title, 3)
        w.paragraph(item.text)
    if summary.amend_reason:
        w.paragraph(
            translate("Summary", "Amended: %1").replace("%1", summary.amend_reason), italic=True
        )


def _detail_text(value: object) -> str:
    if isinstance(value, bool):
        return translate("Summary", "yes") if value else translate("Summary", "no")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def exact_text(summary: Summary) -> str:
    """The summary as the data that travels (its running number is added when approved)."""
    return json.dumps(summary.model_dump(mode="json"), indent=2, ensure_ascii=False)


class ApprovalDialog(QDialog):
    """Choose what leaves the laptop, write a short account, see it all, approve."""

    approvedItem = Signal(str)

    def __init__(self, sync: SyncService, uid: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._sync = sync
        self._uid = uid
        self.summary: Summary | None = None
        self.setWindowTitle(self.tr("Send a summary to your team lead"))
        self.resize(900, 640)
        layout = QVBoxLayout(self)
        splitter = QSplitter()
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)

        left_layout.addWidget(QLabel(self.tr("Your short summary for the team lead")))
        self.account = mark_content(QPlainTextEdit())
        self.account.setAccessibleName(self.tr("Your short summary"))
        self.account.setPlaceholderText(
            self.tr("What happened, what worries you, what should happen next.")
        )
        self.account.setTabChangesFocus(True)
        self.language = LanguageCheck(self.account)
        left_layout.addWidget(self.account, 1)

        self.include_box = QGroupBox(self.tr("Also send (stays on this laptop unless ticked)"))
        include_layout = QVBoxLayout(self.include_box)
        self.choices: dict[str, QCheckBox] = {}
        rule = sync.rules.sharing
        offered = sync.includable(uid)
        for index, item in enumerate(offered):
            box = QCheckBox(_include_label(item))
            box.setToolTip(clip(item.text, 300))
            box.setAccessibleDescription(clip(item.text, 300))
            if rule is Sharing.NEVER:
                box.setEnabled(False)
            elif rule is Sharing.ALWAYS:
                # Policy sends every piece, cut to fit, as many as a summary holds.
                sent = index < INCLUDED_MAX
                box.setChecked(sent)
                box.setEnabled(False)
                if not sent:
                    box.setText(box.text() + " " + self.tr("(a summary holds no more)"))
                elif item.too_long:
                    box.setText(box.text() + " " + self.tr("(shortened to fit)"))
            elif item.too_long:
                box.setEnabled(False)
                box.setText(box.text() + " " + self.tr("(too long to send)"))
            box.toggled.connect(self._rebuild)
            include_layout.addWidget(box)
            self.choices[item.key] = box
        note = {
            Sharing.NEVER: self.tr("Your organisation does not allow written detail to be sent."),
            Sharing.ALWAYS: self.tr("Your organisation requires written detail to be sent."),
        }.get(rule, "" if offered else self.tr("Nothing written to choose from."))
        if note:
            label = QLabel(note)
            label.setWordWrap(True)
            include_layout.addWidget(label)
        left_layout.addWidget(self.include_box)
        splitter.addWidget(left)

        self.preview_tabs = QTabWidget()
        self.preview = mark_content(QTextBrowser())
        self.preview.setAccessibleName(self.tr("The summary as it will be sent"))
        self.exact = mark_content(QPlainTextEdit())
        self.exact.setReadOnly(True)
        self.exact.setAccessibleName(self.tr("The data that will be sent"))
        self.preview_tabs.addTab(self.preview, self.tr("Summary"))
        self.preview_tabs.addTab(self.exact, self.tr("Exact data"))
        splitter.addWidget(self.preview_tabs)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)

        self.message = message_line()
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.approve_button = self.buttons.addButton(
            self.tr("Approve and send (Ctrl+Enter)"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.approve_button.setShortcut("Ctrl+Return")
        layout.addWidget(self.buttons)
        self.buttons.rejected.connect(self.reject)
        self.approve_button.clicked.connect(self.approve)

        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(ACCOUNT_SAVE_MS)
        self._save_timer.timeout.connect(self.save_account)
        self.account.setPlainText(sync.account_draft(uid))
        self.account.document().clearUndoRedoStacks()
        self.account.textChanged.connect(self._typed)
        self.finished.connect(lambda _result: self.save_account())
        sync.locking.connect(self.save_account)  # a lock closes the dialog after the vault
        self._rebuild()
        self.account.setFocus()

    def included_keys(self) -> list[str]:
        return [key for key, box in self.choices.items() if box.isChecked() and box.isEnabled()]

    def _typed(self) -> None:
        self._save_timer.start()
        self._rebuild()

    def save_account(self) -> None:
        """Nothing typed is lost: the account is kept as a draft until approved."""
        self._save_timer.stop()
        if self.summary is not None or self.account.document().isModified():
            self._sync.save_account_draft(self._uid, self.account.toPlainText())

    def _rebuild(self) -> None:
        include = (
            list(self.choices)
            if self._sync.rules.sharing is Sharing.ALWAYS
            else self.included_keys()
        )
        try:
            summary = self._sync.preview(self._uid, self.account.toPlainText(), include)
        except CannotInclude:
            self.message.setText(self.tr("One of the ticked items cannot be sent."))
            self.approve_button.setEnabled(False)
            return
        self.summary = summary
        self.approve_button.setEnabled(summary is not None)
        if summary is None:
            return
        self.message.clear()
        write_summary(DocWriter(self.preview.document()), summary)
        self.exact.setPlainText(exact_text(summary))

    def approve(self) -> None:
        if self.summary is None:
            return
        try:
            item = self._sync.approve(self.summary)
        except ValueError:  # approved in the meantime (another window): rebuild and look
            self._rebuild()
            self.message.setText(self.tr("This contact was approved meanwhile: check again."))
            return
        if item is None:
            return
        self._save_timer.stop()
        self.account.document().setModified(False)
        self.summary = None
        self.approvedItem.emit(self._uid)
        self.accept()


def _include_label(item: Includable) -> str:
    if item.key == "narrative":
        return translate("Summary", "What happened and what I saw (narrative)")
    if item.key.startswith("quote:"):
        who = item.label or translate("Summary", "the young person")
        return (
            translate("Summary", "Their own words (%1): %2")
            .replace("%1", who)
            .replace("%2", clip(item.text, 60))
        )
    return field_label(item.label) + ": " + clip(item.text, 60)


# --- what the hub said about a contact --------------------------------------------------


def write_hub_section(
    w: DocWriter, items: Sequence[OutboxItem], reviews: Sequence[ReviewNote]
) -> None:
    """The contact's summaries and their state, and every review of them, newest first."""
    if not items and not reviews:
        return
    w.heading(translate("Summary", "Sent to your team lead"), 3)
    for item in items:
        w.paragraph(
            translate("Summary", "Summary %1").replace("%1", str(item.summary_version))
            + " · "
            + _state_text(item),
            bold=item.state is ItemState.HELD,
        )
        if item.state is ItemState.HELD:
            w.paragraph(held_text(item.problem), italic=True)
    for review in reviews:
        w.paragraph(
            _outcome_text(review.outcome)
            + " · "
            + review.reviewer
            + " · "
            + when_text(review.recorded_at),
            bold=True,
        )
        if review.comment:
            w.paragraph(review.comment)
        if review.reason:
            w.paragraph(translate("Summary", "Reason") + ": " + review.reason)
        if review.questions:
            w.paragraph(translate("Summary", "Questions added to keep asking") + ":")
            w.bullets(list(review.questions))


def _state_text(item: OutboxItem) -> str:
    if item.state is ItemState.ACKNOWLEDGED and item.acknowledged_at is not None:
        return translate("Summary", "received by the hub %1").replace(
            "%1", when_text(item.acknowledged_at)
        )
    if item.state is ItemState.HELD:
        return translate("Summary", "refused by the hub: needs your attention")
    if item.state is ItemState.REPLACED:
        return translate("Summary", "replaced by a later approval")
    if item.state is ItemState.FAILED and item.next_try_at is not None:
        return translate("Summary", "waiting: next try %1").replace(
            "%1", when_text(item.next_try_at)
        )
    return translate("Summary", "approved, waiting to send")


def _outcome_text(outcome: str) -> str:
    return {
        "approved": translate("Summary", "Reviewed: approved"),
        "needs_more": translate("Summary", "Reviewed: needs more"),
        "escalated": translate("Summary", "Reviewed: escalated"),
    }.get(outcome, outcome)


class SyncGatePage(QWidget):
    """Policy ``must_sync_every_days``: the vault opens only to sync until one gets through."""

    syncRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setAlignment(Qt.AlignmentFlag.AlignCenter)
        heading = QLabel(self.tr("This laptop needs to reach the agency hub"))
        heading.setObjectName("heading")
        text = QLabel(
            self.tr(
                "Your organisation requires this laptop to reach its hub regularly, and it "
                "has not for too long. Connect to a network, then sync. Your records open "
                "as soon as a sync gets through."
            )
        )
        text.setWordWrap(True)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.sync_button = QPushButton(self.tr("Sync now"))
        for widget in (heading, text, self.problem, self.sync_button):
            layout.addWidget(widget)
        self.sync_button.clicked.connect(self.syncRequested)
