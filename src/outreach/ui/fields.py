"""Inputs for the model's field kinds, and a form built from an observation kind's fields.

Every input that shows record content is marked for wiping on lock and carries an
accessible name; every field has an inline message line under it for its problems.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QDate, QDateTime, Qt, QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from outreach.records.model import (
    DETAILS_BY_KIND,
    BodyMark,
    Details,
    FieldKind,
    FieldSpec,
    Observation,
    ObservationKind,
    OnlineHandle,
    Provenance,
    field_specs,
)
from outreach.ui.bodymap import BodyMapPanel
from outreach.ui.labels import choice_label, field_label, flag_labels, provenance_label
from outreach.ui.language import attach_language_check
from outreach.ui.text import mark_content

# A date a tired worker reads at a glance: the day's name, the month in letters.
DATETIME_FORMAT = "ddd d MMM yyyy  HH:mm"
DATE_FORMAT = "ddd d MMM yyyy"

# Fields holding the child's own words: never language-checked, never altered.
CHILDS_OWN_WORDS = frozenset({"explanation_in_own_words", "explanation_given"})


def local_now() -> datetime:
    return datetime.now().astimezone()


def to_qdatetime(value: datetime) -> QDateTime:
    local = value.astimezone()
    return QDateTime(
        QDate(local.year, local.month, local.day),
        QTime(local.hour, local.minute, local.second),
    )


def from_qdatetime(value: QDateTime) -> datetime:
    d, t = value.date(), value.time()
    return datetime(d.year(), d.month(), d.day(), t.hour(), t.minute(), t.second()).astimezone()


class PlainLines(QPlainTextEdit):
    """A few lines of plain text; pasted rich text arrives as plain text."""

    def __init__(self, lines: int = 3, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)  # Tab moves on, as in every other input
        height = self.fontMetrics().lineSpacing() * lines + 16
        self.setMinimumHeight(height)
        self.setMaximumHeight(height * 3)


class OptionalMoment(QWidget):
    """A date (and time) that may be not known: a tick box enables the editor."""

    changed = Signal()

    def __init__(self, with_time: bool, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._with_time = with_time
        self.known = QCheckBox(self.tr("Known"))
        self.known.setAccessibleName(self.tr("%1 is known").replace("%1", label))
        self.editor: QDateTimeEdit = QDateTimeEdit() if with_time else QDateEdit()
        self.editor.setCalendarPopup(True)
        self.editor.setDisplayFormat(DATETIME_FORMAT if with_time else DATE_FORMAT)
        self.editor.setAccessibleName(label)
        self.editor.setDateTime(to_qdatetime(local_now()))
        self.editor.setEnabled(False)
        layout.addWidget(self.known)
        layout.addWidget(self.editor, 1)
        self.setFocusProxy(self.known)
        self.known.toggled.connect(self.editor.setEnabled)
        self.known.toggled.connect(self.changed)
        self.editor.dateTimeChanged.connect(self.changed)

    def value(self) -> datetime | date | None:
        if not self.known.isChecked():
            return None
        if self._with_time:
            return from_qdatetime(self.editor.dateTime())
        d = self.editor.date()
        return date(d.year(), d.month(), d.day())

    def set_value(self, value: datetime | date | None) -> None:
        self.known.setChecked(value is not None)
        if isinstance(value, datetime):
            self.editor.setDateTime(to_qdatetime(value))
        elif isinstance(value, date):
            self.editor.setDate(QDate(value.year, value.month, value.day))


class FieldInput(QWidget):
    """One field of the model as an input; value() and set_value() speak model values."""

    changed = Signal()

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        label = field_label(spec.name)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.input: Any = self._make(spec, label)
        layout.addWidget(self.input)
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setVisible(False)
        layout.addWidget(self.error)
        self.setFocusProxy(self.input)

    def _make(self, spec: FieldSpec, label: str) -> QWidget:
        kind = spec.kind
        widget: Any
        if kind is FieldKind.TEXT:
            widget = mark_content(QLineEdit())
            widget.textChanged.connect(self.changed)
        elif kind in (FieldKind.LONG_TEXT, FieldKind.LINES, FieldKind.HANDLES):
            widget = mark_content(PlainLines(3 if kind is FieldKind.LONG_TEXT else 2))
            widget.textChanged.connect(self.changed)
            if kind is FieldKind.LONG_TEXT and spec.name not in CHILDS_OWN_WORDS:
                attach_language_check(widget)
        elif kind is FieldKind.CHOICE:
            widget = QComboBox()
            for choice in spec.choices:
                widget.addItem(choice_label(choice), choice)
            widget.currentIndexChanged.connect(self.changed)
        elif kind is FieldKind.FLAG:
            widget = QComboBox()
            for text, value in zip(flag_labels(), (None, True, False), strict=True):
                widget.addItem(text, value)
            widget.currentIndexChanged.connect(self.changed)
        elif kind in (FieldKind.DATE, FieldKind.DATETIME):
            widget = OptionalMoment(kind is FieldKind.DATETIME, label)
            widget.changed.connect(self.changed)
        elif kind is FieldKind.NUMBER:
            widget = QSpinBox()
            widget.setRange(-1, 130)
            widget.setSpecialValueText(self.tr("Not known"))
            widget.setValue(-1)
            widget.valueChanged.connect(self.changed)
        else:  # MARKS
            widget = BodyMapPanel()
            widget.map.marksChanged.connect(self.changed)
        widget.setAccessibleName(label)
        return widget

    def value(self) -> Any:
        kind, widget = self.spec.kind, self.input
        if kind is FieldKind.TEXT:
            return widget.text().strip()
        if kind is FieldKind.LONG_TEXT:
            return widget.toPlainText()
        if kind is FieldKind.LINES:
            return tuple(line.strip() for line in widget.toPlainText().splitlines() if line.strip())
        if kind is FieldKind.HANDLES:
            return tuple(
                parse_handle(line) for line in widget.toPlainText().splitlines() if line.strip()
            )
        if kind in (FieldKind.CHOICE, FieldKind.FLAG):
            return widget.currentData()
        if kind in (FieldKind.DATE, FieldKind.DATETIME):
            return widget.value()
        if kind is FieldKind.NUMBER:
            return None if widget.value() < 0 else widget.value()
        return widget.map.marks()

    def set_value(self, value: Any) -> None:
        kind, widget = self.spec.kind, self.input
        if kind is FieldKind.TEXT:
            widget.setText(value)
        elif kind is FieldKind.LONG_TEXT:
            widget.setPlainText(value)
        elif kind is FieldKind.LINES:
            widget.setPlainText("\n".join(value))
        elif kind is FieldKind.HANDLES:
            widget.setPlainText("\n".join(f"{h.platform}: {h.handle}" for h in value))
        elif kind in (FieldKind.CHOICE, FieldKind.FLAG):
            index = widget.findData(value)
            widget.setCurrentIndex(max(index, 0))
        elif kind in (FieldKind.DATE, FieldKind.DATETIME):
            widget.set_value(value)
        elif kind is FieldKind.NUMBER:
            widget.setValue(-1 if value is None else value)
        else:
            marks: tuple[BodyMark, ...] = value
            widget.map.set_marks(marks)

    def show_problem(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))
        self.input.setProperty("invalid", bool(text))


def parse_handle(line: str) -> OnlineHandle:
    """ "snapchat: @name" or "snapchat @name"; a bare handle has no platform."""
    text = line.strip()
    for separator in (":", " "):
        if separator in text:
            platform, handle = text.split(separator, 1)
            return OnlineHandle(platform.strip(), handle.strip())
    return OnlineHandle("", text)


class ObservationForm(QWidget):
    """The form for one observation: provenance, when seen, and the kind's own fields."""

    changed = Signal()

    def __init__(self, kind: ObservationKind, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        form = QFormLayout(self)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.provenance = QComboBox()
        self.provenance.setAccessibleName(self.tr("How I know"))
        for provenance in Provenance:
            self.provenance.addItem(provenance_label(provenance.value), provenance.value)
        self.provenance.currentIndexChanged.connect(self.changed)
        form.addRow(self.tr("How I know"), self.provenance)
        self.seen_at = FieldInput(FieldSpec("seen_at", FieldKind.DATETIME, ()))
        self.seen_at.input.setAccessibleName(self.tr("When seen"))
        self.seen_at.changed.connect(self.changed)
        form.addRow(self.tr("When seen"), self.seen_at)
        self.inputs: dict[str, FieldInput] = {}
        for spec in field_specs(kind):
            field_input = FieldInput(spec)
            field_input.changed.connect(self.changed)
            self.inputs[spec.name] = field_input
            if spec.kind is FieldKind.MARKS:
                form.addRow(field_input)
            else:
                form.addRow(field_label(spec.name), field_input)

    def value(self) -> Observation:
        details: Details = DETAILS_BY_KIND[self.kind](
            **{name: field_input.value() for name, field_input in self.inputs.items()}
        )
        return Observation(
            details=details,
            provenance=Provenance(self.provenance.currentData()),
            seen_at=self.seen_at.value(),
        )

    def set_value(self, observation: Observation) -> None:
        self.provenance.setCurrentIndex(self.provenance.findData(observation.provenance.value))
        self.seen_at.set_value(observation.seen_at)
        for name, field_input in self.inputs.items():
            field_input.set_value(getattr(observation.details, name))

    def show_problems(self, problems: dict[str, str]) -> None:
        """Field name (or "seen_at") to message; fields not named are cleared."""
        self.seen_at.show_problem(problems.get("seen_at", ""))
        for name, field_input in self.inputs.items():
            field_input.show_problem(problems.get(name, ""))

    def first_problem(self) -> QWidget | None:
        """The first field, as the form reads, with a problem shown; None if none is."""
        fields = [self.seen_at, *self.inputs.values()]
        return next((f for f in fields if not f.error.isHidden()), None)


def error_label() -> QLabel:
    """The inline message line under a field: empty and hidden until there is a problem."""
    label = QLabel()
    label.setObjectName("error")
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setVisible(False)
    return label


def add_checked_row(
    form: QFormLayout, errors: dict[str, QLabel], name: str, label: str, widget: QWidget
) -> None:
    """A form row with its inline message line, kept in ``errors`` under ``name``."""
    box = QWidget()
    box_layout = QVBoxLayout(box)
    box_layout.setContentsMargins(0, 0, 0, 0)
    box_layout.addWidget(widget)
    errors[name] = error_label()
    box_layout.addWidget(errors[name])
    box.setFocusProxy(widget)
    form.addRow(label, box)
