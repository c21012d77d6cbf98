"""The team lead's workspace: the review queue, a summary in full with the team-wide links
it takes part in, recording a review, and the dashboard.

The queue puts the most worrying first; a high-concern summary waiting longer than policy
allows is flagged, and the count is on the tab. Reviews are recorded once and never
edited: a second thought is a second review.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import QCoreApplication, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from outreach.app.team import TeamService
from outreach.contract.summary import ReviewIn, TeamLink
from outreach.sync.dashboard import DashboardFigures
from outreach.sync.team import QueueFilter, QueueItem, ReviewEntry, ReviewRefused, SummaryDetail
from outreach.ui.charts import ChartData, ChartPanel, Series
from outreach.ui.connections_text import match_label
from outreach.ui.contact_view import when_text
from outreach.ui.labels import entity_label
from outreach.ui.layout import message_line
from outreach.ui.models import RowsModel, rows_table
from outreach.ui.richtext import DocWriter
from outreach.ui.shortcuts import bind
from outreach.ui.sync_ui import write_summary
from outreach.ui.text import mark_content, wipe

translate = QCoreApplication.translate

_STATES = ("unreviewed", "pending", "approved", "needs_more", "escalated", "all")


def state_label(state: str) -> str:
    return {
        "unreviewed": translate("Review", "Not yet reviewed"),
        "pending": translate("Review", "Review being sent"),
        "approved": translate("Review", "Approved"),
        "needs_more": translate("Review", "Needs more"),
        "escalated": translate("Review", "Escalated"),
        "all": translate("Review", "Everything"),
    }.get(state, state)


class QueueModel(RowsModel):
    def headers(self) -> Sequence[str]:
        return (
            "",
            self.tr("Worry"),
            self.tr("Indicators"),
            self.tr("Worker"),
            self.tr("Young people"),
            self.tr("Contact"),
            self.tr("Waiting since"),
            self.tr("State"),
        )

    def item(self, row: int) -> QueueItem:
        found: QueueItem = self.row_at(row)
        return found

    def cell(self, row: QueueItem, column: int, role: int) -> Any:
        if column == 0:
            if row.overdue:
                return self.tr("Overdue") if role == Qt.ItemDataRole.ToolTipRole else "⚑"
            if row.high_concern:
                return self.tr("High concern") if role == Qt.ItemDataRole.ToolTipRole else "●"
            return ""
        if column == 1:
            return "" if row.worry is None else str(row.worry)
        if column == 2:
            if role == Qt.ItemDataRole.ToolTipRole:
                return ", ".join(row.concerns)
            return str(len(row.concerns)) if row.concerns else ""
        if column == 3:
            return row.worker
        if column == 4:
            return ", ".join(row.young_people)
        if column == 5:
            return when_text(row.contact_at)
        if column == 6:
            return when_text(row.waiting_since)
        return state_label(row.state)


def write_detail(w: DocWriter, detail: SummaryDetail) -> None:
    """The current version as the worker sent it, then the links, reviews and history."""
    item = detail.item
    w.paragraph(
        translate("Review", "From %1 · received %2 · %3")
        .replace("%1", item.worker)
        .replace("%2", when_text(detail.versions[0].received_at))
        .replace("%3", state_label(item.state)),
        italic=True,
    )
    if item.overdue:
        w.paragraph(translate("Review", "High concern and waiting too long for review."), bold=True)
    write_summary(w, detail.current)
    write_team_links(w, detail.links)
    if detail.reviews:
        w.heading(translate("Review", "Reviews"), 3)
    for review in detail.reviews:
        write_review(w, review)
    if len(detail.versions) > 1:
        w.heading(translate("Review", "Earlier versions"), 3)
        for version in detail.versions[1:]:
            w.paragraph(
                translate("Review", "Version %1, received %2")
                .replace("%1", str(version.summary.version))
                .replace("%2", when_text(version.received_at)),
                bold=True,
            )
            if version.summary.account:
                w.paragraph(version.summary.account)


def linked_label(label: str, match: str = "same", other_label: str | None = None) -> str:
    """A team link's label, a possible one worded as the Links page and "Also seen with"
    word a possible match: "Costa Coffee, High Street ~ Costa Coffee (possibly the same)"."""
    if match == "same":
        return label
    if other_label:
        label += " ~ " + other_label
    return f"{label} ({match_label(match)})"


def write_team_links(w: DocWriter, links: Sequence[TeamLink]) -> None:
    if not links:
        return
    w.heading(translate("Review", "Seen elsewhere in the team"), 3)
    w.bullets(
        [
            translate("Review", "%1 %2: %3 young people (%4), %5 workers (%6)")
            .replace("%1", entity_label(link.kind))
            .replace("%2", linked_label(link.label, link.match, link.other_label))
            .replace("%3", str(len(link.young_people)))
            .replace("%4", ", ".join(link.young_people))
            .replace("%5", str(len(link.workers)))
            .replace("%6", ", ".join(link.workers))
            for link in links
        ]
    )


def write_review(w: DocWriter, review: ReviewEntry) -> None:
    head = (
        state_label(review.outcome)
        + " · "
        + review.reviewer
        + " · "
        + when_text(review.recorded_at)
    )
    if review.pending:
        head += " · " + translate("Review", "not yet received by the hub")
    w.paragraph(head, bold=True)
    if review.comment:
        w.paragraph(review.comment)
    if review.reason:
        w.paragraph(translate("Review", "Reason") + ": " + review.reason)
    if review.questions:
        w.bullets(list(review.questions))


class ReviewForm(QGroupBox):
    """Approve, ask for more (questions reach the worker's keep-asking list), or escalate."""

    recordRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Your review (recorded once, not editable)"), parent)
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.outcomes = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        for outcome, label in (
            ("approved", self.tr("&Approve")),
            ("needs_more", self.tr("&Needs more")),
            ("escalated", self.tr("E&scalate")),
        ):
            button = QRadioButton(label)
            self.outcomes.addButton(button)
            self.buttons[outcome] = button
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        form = QFormLayout()
        self.comment = mark_content(QPlainTextEdit())
        self.comment.setAccessibleName(self.tr("Comment for the worker"))
        self.comment.setTabChangesFocus(True)
        self.comment.setMaximumHeight(self.fontMetrics().lineSpacing() * 4)
        form.addRow(self.tr("Comment"), self.comment)
        self.questions = mark_content(QPlainTextEdit())
        self.questions.setAccessibleName(self.tr("Questions for the worker, one per line"))
        self.questions.setPlaceholderText(self.tr("One question per line"))
        self.questions.setTabChangesFocus(True)
        self.questions.setMaximumHeight(self.fontMetrics().lineSpacing() * 4)
        form.addRow(self.tr("Questions"), self.questions)
        self.reason = mark_content(QLineEdit())
        self.reason.setAccessibleName(self.tr("Reason for escalating"))
        self.reason.setPlaceholderText(self.tr("Safeguarding or police referral, and why"))
        form.addRow(self.tr("Reason"), self.reason)
        layout.addLayout(form)
        self.message = message_line()
        layout.addWidget(self.message)
        self.record_button = QPushButton(self.tr("Record review (Ctrl+Enter)"))
        layout.addWidget(self.record_button, 0, Qt.AlignmentFlag.AlignRight)
        self.record_button.clicked.connect(self.recordRequested)
        self.outcomes.buttonToggled.connect(lambda *_: self._enable())
        self._enable()

    def outcome(self) -> str:
        return next((o for o, b in self.buttons.items() if b.isChecked()), "")

    def _enable(self) -> None:
        outcome = self.outcome()
        self.questions.setEnabled(outcome == "needs_more")
        self.reason.setEnabled(outcome == "escalated")
        self.record_button.setEnabled(bool(outcome))

    def review(self, version: int) -> ReviewIn:
        outcome = self.outcome()
        questions = [line.strip() for line in self.questions.toPlainText().splitlines()]
        return ReviewIn(
            outcome=outcome,
            comment=self.comment.toPlainText().strip(),
            questions=[q for q in questions if q] if outcome == "needs_more" else [],
            reason=self.reason.text().strip() if outcome == "escalated" else "",
            version=version,
        )

    def clear(self) -> None:
        for widget in (self.comment, self.questions, self.reason):
            wipe(widget)
        self.outcomes.setExclusive(False)
        for button in self.buttons.values():
            button.setChecked(False)
        self.outcomes.setExclusive(True)
        self.message.clear()
        self._enable()


class ReviewPage(QWidget):
    """The queue on the left; the summary and the review form on the right."""

    overdueChanged = Signal(int)

    def __init__(self, team: TeamService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._team = team
        self._current: SummaryDetail | None = None
        layout = QVBoxLayout(self)

        filters = QHBoxLayout()
        self.worker = QComboBox()
        self.worker.setAccessibleName(self.tr("Worker"))
        self.young_person = QComboBox()
        self.young_person.setAccessibleName(self.tr("Young person"))
        self.indicator = QComboBox()
        self.indicator.setAccessibleName(self.tr("Indicator"))
        self.period = QComboBox()
        self.period.setAccessibleName(self.tr("When"))
        for label, days in (
            (self.tr("Any time"), 0),
            (self.tr("Last 7 days"), 7),
            (self.tr("Last 30 days"), 30),
            (self.tr("Last 90 days"), 90),
        ):
            self.period.addItem(label, days)
        self.state = QComboBox()
        self.state.setAccessibleName(self.tr("State"))
        for state in _STATES:
            self.state.addItem(state_label(state), state)
        for widget in (self.state, self.worker, self.young_person, self.indicator, self.period):
            filters.addWidget(widget)
            widget.currentIndexChanged.connect(self.refresh)
        filters.addStretch(1)
        layout.addLayout(filters)

        self.overdue = message_line()
        layout.addWidget(self.overdue)

        splitter = QSplitter()
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.model = QueueModel(self)
        self.table = rows_table(self.model, self.tr("Summaries to review"), 4, 5)
        self.count = QLabel()
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.count)
        splitter.addWidget(left)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        self.detail = mark_content(QTextBrowser())
        self.detail.setAccessibleName(self.tr("Summary"))
        self.form = ReviewForm()
        right_layout.addWidget(self.detail, 1)
        right_layout.addWidget(self.form)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)

        self.table.selectionModel().currentRowChanged.connect(self._chosen)
        self.form.recordRequested.connect(self.record)
        bind(self, "file_contact", self.record)  # Ctrl+Enter records, as it files
        team.changed.connect(self.refresh)

    def filters(self) -> QueueFilter:
        days = self.period.currentData()
        return QueueFilter(
            worker=self.worker.currentData(),
            young_person=self.young_person.currentData(),
            indicator=self.indicator.currentData(),
            since=datetime.now(UTC) - timedelta(days=days) if days else None,
            state=self.state.currentData(),
        )

    def _fill_choices(self) -> None:
        workers, people, indicators = self._team.choices()
        for combo, everything, values in (
            (self.worker, self.tr("All workers"), workers),
            (self.young_person, self.tr("All young people"), people),
            (self.indicator, self.tr("Any indicator"), indicators),
        ):
            chosen = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(everything, None)
            for value in values:
                combo.addItem(value, value)
            index = combo.findData(chosen)
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)

    def refresh(self) -> None:
        if not self._team.is_lead():
            return
        self._fill_choices()
        chosen = self._current.item.summary_id if self._current else ""
        filters = self.filters()
        items = self._team.queue(filters)
        self.model.set_rows(items)
        total = self._team.count(filters)
        self.count.setText(
            self.tr("%1 of %2 shown").replace("%1", str(len(items))).replace("%2", str(total))
        )
        overdue = self._team.overdue_count()
        self.overdue.setVisible(overdue > 0)
        self.overdue.setText(
            self.tr("%1 high-concern summaries have waited more than %2 hours for review.")
            .replace("%1", str(overdue))
            .replace("%2", str(self._team.review_within_hours))
        )
        self.overdueChanged.emit(overdue)
        for row, item in enumerate(items):
            if item.summary_id == chosen:
                self.table.selectRow(row)
                self.show_summary(chosen)
                break

    def _chosen(self, current: QModelIndex) -> None:
        if current.isValid():
            self.show_summary(self.model.item(current.row()).summary_id)

    def show_summary(self, summary_id: str) -> None:
        detail = self._team.detail(summary_id)
        previous = self._current.item.summary_id if self._current else ""
        self._current = detail
        if detail is None:
            self.detail.clear()
            return
        write_detail(DocWriter(self.detail.document()), detail)
        if summary_id != previous:
            self.form.clear()

    def record(self) -> None:
        if self._current is None or not self.form.outcome():
            return
        try:
            review = self.form.review(self._current.item.version)
            item = self._team.record_review(self._current.item.summary_id, review)
        except ReviewRefused as refused:
            self.form.message.setText(_refusal_text(refused.code))
            return
        except ValueError:  # the contract's limits: too long, too many questions
            self.form.message.setText(
                self.tr("That review is too long to send: shorten it and try again.")
            )
            return
        if item is not None:
            self.form.clear()
            self.show_summary(self._current.item.summary_id)

    def clear_content(self) -> None:
        self._current = None
        self.model.set_rows([])
        self.detail.clear()
        self.form.clear()


def _refusal_text(code: str) -> str:
    return {
        "needs_questions": translate(
            "Review", "Write at least one question for the worker, one per line."
        ),
        "needs_reason": translate(
            "Review", "Say why you are escalating: the referral and the reason."
        ),
    }.get(code, translate("Review", "This summary is no longer in the queue: refresh."))


class DashboardPage(QWidget):
    """The team's patterns as pictures, each with its table."""

    def __init__(self, team: TeamService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._team = team
        outer = QVBoxLayout(self)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        inner = QWidget()
        grid = QGridLayout(inner)
        empty = ChartData("", (), ())
        self.panels = [ChartPanel(empty) for _ in range(6)]
        for n, panel in enumerate(self.panels):
            panel.setMinimumHeight(280)
            grid.addWidget(panel, n // 2, n % 2)
        scroll.setWidget(inner)
        outer.addWidget(scroll)
        team.changed.connect(self.refresh)

    def refresh(self) -> None:
        if not self.isVisible() or not self._team.is_lead():
            return
        found = self._team.figures()
        if found is not None:
            for panel, data in zip(self.panels, charts_for(found), strict=True):
                panel.set_data(data)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.refresh()


def charts_for(f: DashboardFigures) -> list[ChartData]:
    """The six pictures the lead reads, from the dashboard's figures."""
    weeks = tuple(start.strftime("%d %b") for start in f.week_starts)
    return [
        ChartData(
            translate("Dashboard", "Contacts per week, by worker"),
            weeks,
            tuple(Series(s.worker, tuple(float(v) for v in s.values)) for s in f.contacts),
        ),
        ChartData(
            translate("Dashboard", "Missing episodes per week"),
            weeks,
            (Series(translate("Dashboard", "Missing episodes"), tuple(map(float, f.missing))),),
        ),
        ChartData(
            translate("Dashboard", "Places by how many young people they touch"),
            tuple(r.label for r in f.places[:15]),
            (
                Series(
                    translate("Dashboard", "Young people"),
                    tuple(float(r.young_people) for r in f.places[:15]),
                ),
            ),
            kind="bars",
        ),
        ChartData(
            translate("Dashboard", "Vehicles, people and phones seen with two or more"),
            tuple(
                f"{entity_label(r.kind)} {linked_label(r.label, r.match, r.other_label)}"
                for r in f.shared[:15]
            ),
            (
                Series(
                    translate("Dashboard", "Young people"),
                    tuple(float(r.young_people) for r in f.shared[:15]),
                ),
            ),
            kind="bars",
        ),
        ChartData(  # weeks with no worry recorded are left out, not drawn as 0
            translate("Dashboard", "Average worry per week"),
            tuple(week for week, w in zip(weeks, f.worry, strict=True) if w is not None),
            (Series(translate("Dashboard", "Worry"), tuple(w for w in f.worry if w is not None)),),
            kind="line",
            decimals=1,
        ),
        ChartData(
            translate("Dashboard", "Language prompts per week (wording flagged, no text)"),
            weeks,
            (
                Series(
                    translate("Dashboard", "Prompts"),
                    tuple(float(v) for v in f.language_prompts),
                ),
            ),
        ),
    ]
