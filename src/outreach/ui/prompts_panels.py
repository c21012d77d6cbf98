"""Calm, short prompts in the editor and on a young person's page.

- ``KeepAskingPanel``: "Last time you wanted to ask", an injury with no action first;
  each question marked asked, answered (with the answer), declined or not now.
- ``InstinctPanel``: how worried am I, 0 to 10, and why; Skip is one click.
- ``IndicatorsPanel``: each indicator yes, possible or no; those the observations propose
  are marked, for the worker to confirm or dismiss.
- ``NudgesPanel``: one line each with its reason, acknowledged with an optional note.
- ``WorryChart``: worry over time, drawn, with the values in words for screen readers.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from datetime import datetime

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from outreach.prompts import bank
from outreach.prompts.nudges import Nudge
from outreach.records.keep_asking import OpenQuestion, UnactionedInjury
from outreach.records.model import IndicatorMark, Observation, QuestionUpdate, YoungPerson
from outreach.records.validation import SHORT_TEXT_LIMIT, Problem
from outreach.ui.contact_view import when_text
from outreach.ui.fields import error_label
from outreach.ui.text import mark_content

SHOWN_QUESTIONS = 5
NEW_QUESTION = "questions.new.text"  # the problem with a question typed but not yet added
NEW_QUESTION_FOR = "questions.new.person_id"  # ... and with whom it is for


def _empty(layout: QVBoxLayout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget() if item is not None else None
        if widget is not None:
            widget.deleteLater()


def _status_labels() -> list[tuple[str, str]]:
    from outreach.ui.labels import translate

    return [
        ("open", translate("Prompts", "Not asked yet")),
        ("asked", translate("Prompts", "Asked")),
        ("answered", translate("Prompts", "Answered")),
        ("declined", translate("Prompts", "They didn't want to say")),
        ("not_now", translate("Prompts", "Not now")),
    ]


class QuestionRow(QWidget):
    changed = Signal()

    def __init__(self, question: OpenQuestion | None, person_id: str, label: str, text: str):
        super().__init__()
        self.question = question
        self.person_id = person_id
        self.text = text
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.label = QLabel(f"{label}: {text}")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.status = QComboBox()
        self.status.setAccessibleName(
            self.tr("What happened to this question: %1").replace("%1", text)
        )
        for value, shown in _status_labels():
            self.status.addItem(shown, value)
        row.addWidget(self.label, 1)
        row.addWidget(self.status)
        self.answer = mark_content(QLineEdit())
        self.answer.setPlaceholderText(self.tr("Their answer"))
        self.answer.setAccessibleName(self.tr("Their answer to: %1").replace("%1", text))
        self.answer.setVisible(False)
        self.error = error_label()
        self.problem_at: QWidget | None = None  # where the shown problem is fixed
        layout.addLayout(row)
        layout.addWidget(self.answer)
        layout.addWidget(self.error)
        if question is not None:
            self.status.setCurrentIndex(self.status.findData(question.status))
        self.status.currentIndexChanged.connect(self._status_changed)
        self.answer.textChanged.connect(self.changed)

    def _status_changed(self) -> None:
        self.answer.setVisible(self.status.currentData() == "answered")
        self.changed.emit()

    def show_problems(self, problems: Mapping[str, str]) -> None:
        """Messages by part: "answer", "text", or "" for the status; one is shown."""
        part = next((p for p in ("answer", "text", "") if problems.get(p)), None)
        message = problems[part] if part is not None else ""
        if part == "text" and len(self.text) > SHORT_TEXT_LIMIT:
            # Only an older version added one this long; KeepAskingPanel.take_too_long
            # moves it to the question box, where it can be shortened, once that is free.
            message = self.tr(
                "Too long to file. It goes back in the question box to be shortened once "
                "the question there is added."
            )
        self.error.setText(message)
        self.error.setVisible(bool(message))
        # The question's own text is not editable here: the question box is the way to it.
        self.problem_at = self.answer if part == "answer" else self.status if part == "" else None

    def set_update(self, update: QuestionUpdate) -> None:
        self.status.setCurrentIndex(self.status.findData(update.status))
        self.answer.setText(update.answer)

    def question_update(self) -> QuestionUpdate | None:
        """What this contact did to the question; None when nothing changed."""
        status = self.status.currentData()
        answer = self.answer.text() if status == "answered" else ""
        if self.question is None:
            return QuestionUpdate(self.person_id, status, "", answer, self.text)
        if status == self.question.status and not answer:
            return None
        return QuestionUpdate(self.person_id, status, self.question.id, answer)


class KeepAskingPanel(QWidget):
    changed = Signal()
    injuryRequested = Signal(str)  # the contact to amend, to record what was done

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("keepAsking")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel(self.tr("Last time you wanted to ask"))
        self.title.setObjectName("sectionTitle")
        self.rows_box = QVBoxLayout()
        add_row = QHBoxLayout()
        self.new_question = mark_content(QLineEdit())
        self.new_question.setPlaceholderText(self.tr("A question to ask next time"))
        self.new_question.setAccessibleName(self.tr("A question to ask next time"))
        self.new_question.textChanged.connect(self.changed)  # kept in the draft as typed
        self.new_for = QComboBox()
        self.new_for.setAccessibleName(self.tr("Whom to ask"))
        self.add_button = QPushButton(self.tr("Add question"))
        add_row.addWidget(self.new_question, 1)
        add_row.addWidget(self.new_for)
        add_row.addWidget(self.add_button)
        self.new_error = error_label()
        self.more_button = QPushButton()
        self.more_button.setCheckable(True)
        self.more_button.setVisible(False)
        self.more_button.toggled.connect(self._show_rows)
        layout.addWidget(self.title)
        layout.addLayout(self.rows_box)
        layout.addWidget(self.more_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addLayout(add_row)
        layout.addWidget(self.new_error)
        self.rows: list[QuestionRow] = []
        self.injury_buttons: list[QPushButton] = []
        self._people: dict[str, str] = {}
        self._new_problem_at: QWidget | None = None
        # What an older draft's row had marked for the question now in the box, given back
        # to it when it is added: (status, answer).
        self._carried = ("open", "")
        self.new_question.textChanged.connect(self._drop_carried_if_cleared)
        self.add_button.clicked.connect(self._add_new)
        self.new_question.returnPressed.connect(self._add_new)
        self.new_for.currentIndexChanged.connect(self._pending_for_changed)

    def show_for(
        self,
        people: Sequence[YoungPerson],
        questions: Sequence[OpenQuestion],
        injuries: Sequence[tuple[str, UnactionedInjury]],
        updates: Sequence[QuestionUpdate] = (),
    ) -> None:
        """Fill the panel; ``updates`` are this draft's own, restored onto the rows."""
        _empty(self.rows_box)
        self.rows, self.injury_buttons = [], []
        self._people = {p.id: p.known_as for p in people}
        chosen = self.new_for.currentData()
        self.new_for.clear()
        for person in people:
            self.new_for.addItem(person.known_as, person.id)
        # Whom a typed question is for stays chosen; if they have left the contact, nobody
        # is, rather than someone the worker did not choose.
        index = self.new_for.findData(chosen) if chosen else -1
        if index < 0 and not self.new_question.text():
            index = 0 if people else -1
        self.new_for.setCurrentIndex(index)
        for name, injury in injuries:
            line = QHBoxLayout()
            box = QWidget()
            box.setLayout(line)
            text = (
                self.tr("%1: injury on %2 (%3) has no action recorded")
                .replace("%1", name)
                .replace("%2", when_text(injury.at))
                .replace("%3", injury.sites or "?")
            )
            label = QLabel(text)
            label.setObjectName("error")
            label.setWordWrap(True)
            button = QPushButton(self.tr("Record what was done"))
            button.clicked.connect(
                lambda _c=False, u=injury.contact_uid: self.injuryRequested.emit(u)
            )
            line.addWidget(label, 1)
            line.addWidget(button)
            self.injury_buttons.append(button)
            self.rows_box.addWidget(box)
        by_id = {u.question_id: u for u in updates if u.question_id}
        for question in questions:
            row = self._row(question, question.person_id, question.text)
            if question.id in by_id:
                row.set_update(by_id[question.id])
        for update in updates:
            if not update.question_id:
                self._row(None, update.person_id, update.text).set_update(update)
        self._update_shown()
        self.title.setVisible(bool(self.rows or self.injury_buttons))
        self._show_rows(self.more_button.isChecked())

    def _update_shown(self) -> None:
        # With nobody in the contact there is nobody to ask, but a question typed stays in
        # view, with its problem, until the worker adds whom it is for or clears it.
        self.setVisible(bool(self._people) or bool(self.new_question.text()))

    def _show_rows(self, show_all: bool) -> None:
        """A few at a time, so that the contact itself stays in view; changed ones stay."""
        hidden = 0
        for index, row in enumerate(self.rows):
            shown = show_all or index < SHOWN_QUESTIONS or row.question_update() is not None
            row.setVisible(shown)
            hidden += not shown
        extra = len(self.rows) - SHOWN_QUESTIONS
        self.more_button.setVisible(extra > 0)
        self.more_button.setText(
            self.tr("Show fewer questions")
            if show_all
            else self.tr("Show all questions (%1 more)").replace("%1", str(hidden))
        )

    def _row(self, question: OpenQuestion | None, person_id: str, text: str) -> QuestionRow:
        row = QuestionRow(question, person_id, self._people.get(person_id, "?"), text)
        row.changed.connect(self.changed)
        self.rows_box.addWidget(row)
        self.rows.append(row)
        return row

    def add_pending(self) -> None:
        """Add a question typed but not added, as filing does: what was typed is kept."""
        self._add_new()
        self.take_too_long()

    def _add_new(self) -> None:
        text = self.new_question.text().strip()
        person = self.new_for.currentData()
        if not text or not person or self.pending_problems():
            return
        row = self._row(None, person, text)
        status, answer = self._carried
        row.set_update(QuestionUpdate(person, status, "", answer, text))
        self._carried = ("open", "")
        self.new_question.clear()
        self.take_too_long()
        self.title.setVisible(True)
        self.changed.emit()

    def take_too_long(self) -> None:
        """An added question over the limit, from a draft kept by an older version, goes
        back into the question box while it is empty, to be shortened: a row's text can't
        be edited. One at a time; the others wait in their rows, still in the draft."""
        if self.new_question.text().strip():
            return
        row = next(
            (r for r in self.rows if r.question is None and len(r.text) > SHORT_TEXT_LIMIT),
            None,
        )
        update = row.question_update() if row is not None else None
        if row is None or update is None:
            return
        self.rows.remove(row)
        self.rows_box.removeWidget(row)
        row.deleteLater()
        self.set_pending(update.person_id, update.text, update.status, update.answer)
        self._show_rows(self.more_button.isChecked())

    def _drop_carried_if_cleared(self, text: str) -> None:
        # The worker emptied the box: what it held is gone, and so is what was carried for
        # it; a question typed next is a new one. Shortening it keeps what was carried.
        if not text:
            self._carried = ("open", "")

    def _pending_for_changed(self) -> None:
        if self.new_question.text():
            self.changed.emit()

    def pending_problems(self) -> list[Problem]:
        """A question typed but not added is checked as an added one would be, and is not
        added while too long: a row's text can't be edited, the box here can. Nor is it
        added with nobody chosen to ask, and filing would drop it: so filing waits."""
        text = self.new_question.text().strip()
        if not text:
            return []
        if not self.new_for.currentData():
            code = "required" if self.new_for.count() else "no_people"
            return [Problem(NEW_QUESTION_FOR, code)]
        if len(text) > SHORT_TEXT_LIMIT:
            return [Problem(NEW_QUESTION, "too_long", SHORT_TEXT_LIMIT)]
        return []

    def pending(self) -> QuestionUpdate | None:
        """A question typed but not yet added, kept in the draft (person id "" if none)."""
        text = self.new_question.text()
        if not text:
            return None
        status, answer = self._carried
        return QuestionUpdate(self.new_for.currentData() or "", status, "", answer, text)

    def set_pending(
        self, person_id: str, text: str, status: str = "open", answer: str = ""
    ) -> None:
        # Nobody is chosen if they are not in the contact: the worker says whom to ask.
        self.new_for.setCurrentIndex(self.new_for.findData(person_id))
        self.new_question.setText(text)
        self._carried = (status, answer)
        self._update_shown()

    def updates(self) -> tuple[QuestionUpdate, ...]:
        return tuple(u for u in (row.question_update() for row in self.rows) if u is not None)

    def show_problems(self, by_field: Mapping[str, str]) -> None:
        """Problems named ``questions.N...``: N counts the rows with an update, as
        ``updates()`` does; ``NEW_QUESTION`` and ``NEW_QUESTION_FOR`` under the question typed."""
        message = by_field.get(NEW_QUESTION_FOR) or by_field.get(NEW_QUESTION, "")
        self.new_error.setText(message)
        self.new_error.setVisible(bool(message))
        whom = NEW_QUESTION_FOR in by_field and self.new_for.count() > 0
        self._new_problem_at = None if not message else self.new_for if whom else self.new_question
        index = 0
        for row in self.rows:
            if row.question_update() is None:
                row.show_problems({})
                continue
            name = f"questions.{index}"
            row.show_problems(
                {
                    field.removeprefix(name).removeprefix("."): text
                    for field, text in by_field.items()
                    if field == name or field.startswith(name + ".")
                }
            )
            index += 1

    def first_problem(self) -> QWidget | None:
        """Where the first question with a problem is fixed, if any."""
        places = [row.problem_at for row in self.rows]
        places.append(self._new_problem_at)
        return next((place for place in places if place is not None), None)


class InstinctPanel(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.worry = QSpinBox()
        self.worry.setRange(-1, 10)
        self.worry.setSpecialValueText(self.tr("Not said"))
        self.worry.setValue(-1)
        self.worry.setAccessibleName(self.tr("How worried am I, 0 to 10"))
        self.skip = QPushButton(self.tr("Skip"))
        self.skip.setCheckable(True)
        self.skip.setAccessibleName(self.tr("Skip saying how worried I am"))
        layout.addWidget(QLabel(self.tr("How worried am I (0 to 10)")))
        layout.addWidget(self.worry)
        layout.addWidget(self.skip)
        layout.addStretch(1)
        self.worry.valueChanged.connect(self._worry_changed)
        self.skip.toggled.connect(self._skip_changed)

    def _worry_changed(self, value: int) -> None:
        if value >= 0 and self.skip.isChecked():
            self.skip.setChecked(False)
        self.changed.emit()

    def _skip_changed(self, skipped: bool) -> None:
        if skipped:
            self.worry.setValue(-1)
        self.skip.setText(self.tr("Skipped") if skipped else self.tr("Skip"))
        self.changed.emit()

    def value(self) -> tuple[int | None, bool]:
        worry = self.worry.value()
        return (None if worry < 0 else worry), self.skip.isChecked()

    def set_value(self, worry: int | None, skipped: bool) -> None:
        self.worry.setValue(-1 if worry is None else worry)
        self.skip.setChecked(skipped)


class IndicatorsPanel(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.combos: dict[str, QComboBox] = {}
        self.labels: dict[str, QLabel] = {}
        for row, indicator in enumerate(bank.indicators()):
            label = QLabel(indicator.label)
            combo = QComboBox()
            combo.setAccessibleName(indicator.label)
            combo.addItem(self.tr("Not recorded"), "")
            combo.addItem(self.tr("Yes"), "yes")
            combo.addItem(self.tr("Possible"), "possible")
            combo.addItem(self.tr("No"), "no")
            combo.currentIndexChanged.connect(self.changed)
            grid.addWidget(label, row // 2, (row % 2) * 2)
            grid.addWidget(combo, row // 2, (row % 2) * 2 + 1)
            self.combos[indicator.id] = combo
            self.labels[indicator.id] = label
        self._labels = {i.id: i.label for i in bank.indicators()}

    def propose(self, observations: Sequence[Observation]) -> list[str]:
        """Mark what the observations propose; the worker confirms (yes) or dismisses (no)."""
        proposed = set(bank.proposed(observations))
        for indicator_id, label in self.labels.items():
            suggested = indicator_id in proposed and not self.combos[indicator_id].currentData()
            text = self._labels[indicator_id]
            label.setText(self.tr("%1 (proposed)").replace("%1", text) if suggested else text)
            label.setProperty("proposed", suggested)
        return sorted(proposed)

    def value(self) -> tuple[IndicatorMark, ...]:
        return tuple(
            IndicatorMark(indicator_id, combo.currentData())
            for indicator_id, combo in self.combos.items()
            if combo.currentData()
        )

    def set_value(self, marks: Sequence[IndicatorMark]) -> None:
        for mark in marks:
            combo = self.combos.get(mark.indicator)
            if combo is not None:
                combo.setCurrentIndex(combo.findData(mark.state))


class NudgesPanel(QWidget):
    acknowledged = Signal(str, str, str)  # person id, nudge key, note

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.notes: dict[str, QLineEdit] = {}

    def show_nudges(self, nudges: Sequence[tuple[str, str, Nudge]]) -> None:
        """(person id, whose it is, nudge) for each; "whose" is shown when not empty."""
        _empty(self.box)
        self.notes = {}
        for person_id, whose, nudge in nudges:
            box = QWidget()
            line = QHBoxLayout(box)
            line.setContentsMargins(0, 0, 0, 0)
            label = QLabel(f"{whose}: {nudge.text}" if whose else nudge.text)
            label.setObjectName("nudge")
            label.setWordWrap(True)
            label.setToolTip(nudge.reason)
            label.setAccessibleDescription(nudge.reason)
            note = mark_content(QLineEdit())
            note.setPlaceholderText(self.tr("Note (optional)"))
            note.setAccessibleName(self.tr("Note on: %1").replace("%1", nudge.text))
            button = QPushButton(self.tr("Acknowledge"))
            button.setAccessibleName(self.tr("Acknowledge: %1").replace("%1", nudge.text))
            button.clicked.connect(
                lambda _c=False, p=person_id, k=nudge.key, n=note: self.acknowledged.emit(
                    p, k, n.text()
                )
            )
            line.addWidget(label, 1)
            line.addWidget(note)
            line.addWidget(button)
            self.notes[nudge.key] = note
            self.box.addWidget(box)
        self.setVisible(bool(nudges))


class WorryChart(QWidget):
    """Worry over time: points joined by a line, 0 at the bottom and 10 at the top."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._points: list[tuple[datetime, int]] = []
        self.setMinimumHeight(60)
        self.setAccessibleName(self.tr("Worry over time"))

    def set_points(self, points: Sequence[tuple[datetime, int]]) -> None:
        self._points = list(points)
        words = ", ".join(f"{when_text(at)}: {worry}" for at, worry in self._points[-20:])
        self.setAccessibleDescription(
            self.tr("Worry, 0 to 10, newest last: %1").replace("%1", words or self.tr("none"))
        )
        self.setToolTip(self.accessibleDescription())
        self.setVisible(bool(self._points))
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:
        if not self._points:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        area = QRectF(self.rect()).adjusted(8, 6, -8, -6)
        ink = self.palette().windowText().color()
        painter.setPen(QPen(self.palette().mid().color(), 1))
        painter.drawLine(area.bottomLeft(), area.bottomRight())
        first, last = self._points[0][0], self._points[-1][0]
        span = max((last - first).total_seconds(), 1.0)
        at = [
            QPointF(
                area.left() + area.width() * ((t - first).total_seconds() / span)
                if len(self._points) > 1
                else area.center().x(),
                area.bottom() - area.height() * worry / 10,
            )
            for t, worry in self._points
        ]
        painter.setPen(QPen(ink, 2))
        for a, b in itertools.pairwise(at):
            painter.drawLine(a, b)
        painter.setBrush(self.palette().highlight())
        for point in at:
            painter.drawEllipse(point, 3.5, 3.5)
