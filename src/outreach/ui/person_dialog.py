"""Adding or editing a young person. What is typed is kept as a draft until saved.

A draft outlives the dialog only when a lock closes it: Save, Cancel, Esc and the close
button end it. Each new person gets a draft of their own, so a new dialog never fills in
someone else's details; the workspace reopens a kept draft after unlock.
"""

from __future__ import annotations

import json
import uuid
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from outreach.app.drafts import DraftService
from outreach.app.messages import problem_text
from outreach.app.records import RecordsService
from outreach.app.session import Session
from outreach.records.model import PersonStatus, YoungPerson
from outreach.records.store import InvalidRecord
from outreach.records.validation import Problem, check_person
from outreach.ui.dialogs import ask_before_deleting
from outreach.ui.fields import OptionalMoment, PlainLines, add_checked_row
from outreach.ui.language import attach_language_check
from outreach.ui.text import mark_content

PERSON_DRAFT_PREFIX = "person:"
# "person:new" alone was every new person's draft before each had its own.
NEW_PERSON_DRAFT_PREFIX = "person:new"


def person_of_draft(form_key: str) -> str:
    """The id of the young person a draft edits; empty for a new young person."""
    if form_key.startswith(NEW_PERSON_DRAFT_PREFIX):
        return ""
    return form_key.removeprefix(PERSON_DRAFT_PREFIX)


class PersonDialog(QDialog):
    def __init__(
        self,
        records: RecordsService,
        session: Session,
        person: YoungPerson | None = None,
        parent: QWidget | None = None,
        *,
        draft_key: str = "",
    ) -> None:
        """``draft_key`` carries on with a kept draft; otherwise an edit carries on with the
        person's own draft if one was kept, and a new person starts empty."""
        super().__init__(parent)
        self._records = records
        self._session = session
        self._original = person
        self.saved_person: YoungPerson | None = None
        self.setWindowTitle(self.tr("Edit young person") if person else self.tr("New young person"))
        # A new person's dialog never reads a draft it was not given.
        read_draft = bool(draft_key or person)
        if not draft_key:
            draft_key = PERSON_DRAFT_PREFIX + (person.id if person else f"new:{uuid.uuid4().hex}")
        self._drafts = DraftService(session, draft_key, self)
        self._drafts.saved.connect(self._saved)
        self._drafts.saveFailed.connect(self._save_failed)
        layout = QVBoxLayout(self)
        # Shown when a kept draft fills the form: never filled in without saying so.
        self.kept = QLabel()
        self.kept.setObjectName("notice")
        self.kept.setWordWrap(True)
        self.kept.setTextFormat(Qt.TextFormat.PlainText)
        self.kept.setVisible(False)
        layout.addWidget(self.kept)
        form = QFormLayout()
        layout.addLayout(form)
        self.errors: dict[str, QLabel] = {}

        def add(name: str, label: str, widget: QWidget) -> None:
            widget.setAccessibleName(label.replace("&", ""))
            add_checked_row(form, self.errors, name, label, widget)

        self.known_as = mark_content(QLineEdit())
        add("known_as", self.tr("&Known as"), self.known_as)
        self.aliases = mark_content(PlainLines(2))
        add("aliases", self.tr("Other names (one per line)"), self.aliases)
        self.agency_ref = mark_content(QLineEdit())
        add("agency_ref", self.tr("Agency reference"), self.agency_ref)
        self.date_of_birth = OptionalMoment(False, self.tr("Date of birth"))
        add("date_of_birth", self.tr("Date of birth"), self.date_of_birth)
        self.estimated_age = QSpinBox()
        self.estimated_age.setRange(0, 40)
        self.estimated_age.setSpecialValueText(self.tr("Not known"))
        add("estimated_age", self.tr("Or estimated age"), self.estimated_age)
        self.gender = mark_content(QLineEdit())
        add("gender", self.tr("Gender"), self.gender)
        self.school = mark_content(QLineEdit())
        add("school", self.tr("School"), self.school)
        self.status = QComboBox()
        self.status.addItem(self.tr("Open"), PersonStatus.OPEN.value)
        self.status.addItem(self.tr("Closed"), PersonStatus.CLOSED.value)
        add("status", self.tr("Status"), self.status)
        self.notes = mark_content(PlainLines(3))
        add("notes", self.tr("Notes"), self.notes)
        attach_language_check(self.notes)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_status = QLabel()
        self.save_status.setObjectName("status")
        self.save_status.setWordWrap(True)
        self.save_status.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.save_status)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        self._loading = True
        self._fill(person or YoungPerson(""))
        draft = self._drafts.load() if read_draft else ""
        self._stored = bool(draft)  # a draft is in the vault, to discard when ended
        if draft and self._fill_from_draft(draft):
            self._show_kept()
        self._loading = False
        for signal in (
            self.known_as.textChanged,
            self.aliases.textChanged,
            self.agency_ref.textChanged,
            self.date_of_birth.changed,
            self.estimated_age.valueChanged,
            self.gender.textChanged,
            self.school.textChanged,
            self.status.currentIndexChanged,
            self.notes.textChanged,
        ):
            signal.connect(self._edited)

    def _fill(self, person: YoungPerson) -> None:
        self.known_as.setText(person.known_as)
        self.aliases.setPlainText("\n".join(person.aliases))
        self.agency_ref.setText(person.agency_ref)
        self.date_of_birth.set_value(person.date_of_birth)
        today = date.today()
        estimate = person.age_on(today) if person.age_is_estimated else None
        self.estimated_age.setValue(estimate or 0)
        self.gender.setText(person.gender)
        self.school.setText(person.school)
        self.status.setCurrentIndex(self.status.findData(person.status.value))
        self.notes.setPlainText(person.notes)

    def _fill_from_draft(self, content: str) -> bool:
        try:
            raw = json.loads(content)
            dob = raw.get("date_of_birth")
            self._fill(
                YoungPerson(
                    known_as=str(raw["known_as"]),
                    aliases=tuple(str(a) for a in raw.get("aliases", [])),
                    agency_ref=str(raw.get("agency_ref", "")),
                    date_of_birth=date.fromisoformat(dob) if dob else None,
                    estimated_age=raw.get("estimated_age"),
                    gender=str(raw.get("gender", "")),
                    school=str(raw.get("school", "")),
                    status=PersonStatus(raw.get("status", "open")),
                    notes=str(raw.get("notes", "")),
                )
            )
        except (ValueError, KeyError, TypeError):
            return False
        return True

    def _show_kept(self) -> None:
        name = self.known_as.text().strip()
        if self._original is not None:
            text = self.tr(
                "Changes to %1 were kept, not yet saved. Save them, or Cancel to discard them."
            ).replace("%1", self._original.known_as)
        elif name:
            text = self.tr(
                "Carry on with %1? These details were kept, not yet saved. Save adds them; "
                "Cancel discards them."
            ).replace("%1", name)
        else:
            text = self.tr(
                "Carry on with this young person? These details were kept, not yet saved. "
                "Save adds them; Cancel discards them."
            )
        self.kept.setText(text)
        self.kept.setVisible(True)

    def _saved(self) -> None:
        self._stored = True
        self.save_status.setText("")

    def _save_failed(self, message: str) -> None:
        self.save_status.setText(self.tr("Not saved: %1").replace("%1", message))

    def value(self) -> YoungPerson:
        dob = self.date_of_birth.value()
        estimate = self.estimated_age.value() or None
        base = self._original or YoungPerson("")
        keep_recorded = base.age_recorded_on if base.age_on(date.today()) == estimate else None
        return YoungPerson(
            id=base.id,
            known_as=self.known_as.text(),
            aliases=tuple(a for a in self.aliases.toPlainText().splitlines() if a.strip()),
            agency_ref=self.agency_ref.text(),
            date_of_birth=dob if isinstance(dob, date) else None,
            estimated_age=None if dob else estimate,
            age_recorded_on=None if dob else keep_recorded,
            gender=self.gender.text(),
            school=self.school.text(),
            status=PersonStatus(self.status.currentData()),
            notes=self.notes.toPlainText(),
        )

    def _edited(self) -> None:
        if self._loading:
            return
        person = self.value()
        self._drafts.edit(
            json.dumps(
                {
                    "known_as": person.known_as,
                    "aliases": list(person.aliases),
                    "agency_ref": person.agency_ref,
                    "date_of_birth": person.date_of_birth.isoformat()
                    if person.date_of_birth
                    else None,
                    "estimated_age": person.estimated_age,
                    "gender": person.gender,
                    "school": person.school,
                    "status": person.status.value,
                    "notes": person.notes,
                },
                ensure_ascii=False,
            )
        )
        self.show_problems(check_person(person, today=date.today()))

    def show_problems(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        by_field: dict[str, str] = {}
        for problem in problems:
            by_field.setdefault(problem.field, problem_text(problem.code, problem.limit))
        for name, label in self.errors.items():
            label.setText(by_field.get(name, ""))
            label.setVisible(name in by_field)

    def save(self) -> None:
        person = self.value()
        try:
            if self._original is None:
                saved = self._records.add_person(person)
            else:
                saved = self._records.update_person(person)
        except InvalidRecord as exc:
            self.show_problems(exc.problems)
            return
        if saved is None:
            return  # the failure is reported by the service
        self.saved_person = saved
        self._end_draft()
        self.accept()

    def reject(self) -> None:
        """Cancel, Esc and the close button: the worker throws the details away, once they
        confirm it if anything was typed (one key must not lose them). A lock rejects the
        dialog too, after the vault has closed: then the draft stays, saved as the lock
        began, for the workspace to reopen after unlock."""
        typed = self._drafts.has_pending or self._stored
        if self._session.open_vault is not None and typed and not self._confirmed:
            self._ask_to_throw_away()
            return
        if self._session.open_vault is not None:
            self._end_draft()
        self.kept.clear()  # it names the young person, and labels are not wiped at lock
        super().reject()

    _confirmed = False

    def _ask_to_throw_away(self) -> QMessageBox:
        box = ask_before_deleting(
            self,
            self.tr("Throw these details away?"),
            self.tr("What you typed here is not saved and will be deleted."),
            self.tr("Throw away"),
            self._throw_away,
        )
        self.confirm_box = box
        box.open()
        return box

    def _throw_away(self) -> None:
        self._confirmed = True
        self.reject()

    def _end_draft(self) -> None:
        self._drafts.drop()
        if self._stored:
            self._records.discard_draft(self._drafts.form_key)
            self._stored = False
