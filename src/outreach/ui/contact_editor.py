"""The contact editor: what happened, their own words, what was seen, and my instinct.

Everything typed is kept as a draft in the vault within about a second (and at once
before a lock), so a crash, a kill or an auto-lock loses nothing. Checks run as the
worker types and show beside the field; filing refuses until they pass, and the draft
stays until the contact is filed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDateTimeEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from outreach.app.drafts import DraftService
from outreach.app.messages import problem_text
from outreach.app.records import ContactDraft, RecordsService
from outreach.app.session import Session
from outreach.records.model import (
    Contact,
    ContactKind,
    Observation,
    ObservationKind,
    QuestionUpdate,
    Quote,
    YoungPerson,
)
from outreach.records.store import InvalidRecord, summary_of
from outreach.records.validation import Problem, check_contact, check_instinct
from outreach.ui.dialogs import ask_before_deleting
from outreach.ui.fields import (
    DATETIME_FORMAT,
    ObservationForm,
    OptionalMoment,
    PlainLines,
    add_checked_row,
    error_label,
    from_qdatetime,
    to_qdatetime,
)
from outreach.ui.labels import contact_kind_label, kind_label, person_label
from outreach.ui.language import attach_language_check
from outreach.ui.prompts_panels import (
    NEW_QUESTION_FOR,
    IndicatorsPanel,
    InstinctPanel,
    KeepAskingPanel,
    NudgesPanel,
)
from outreach.ui.shortcuts import bind
from outreach.ui.text import mark_content

CHECK_DELAY_MS = 300
# The draft's own key, beside what ContactDraft keeps: a keep-asking question typed but not
# yet added is not part of the contact, yet is kept like everything else typed.
PENDING_QUESTION = "pending_question"


def _show(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))


class QuoteRow(QWidget):
    """One thing the young person said, exactly as they said it, and who said it."""

    changed = Signal()
    removeRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("quoteRow")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.text = mark_content(PlainLines(2))
        self.text.setAccessibleName(self.tr("Their words, exactly as said"))
        self.text.setPlaceholderText(self.tr("Their words, exactly as said"))
        row = QHBoxLayout()
        self.said_by = mark_content(QLineEdit())
        self.said_by.setAccessibleName(self.tr("Said by"))
        self.said_by.setPlaceholderText(self.tr("Said by (leave empty for the young person)"))
        remove = QPushButton(self.tr("Remove"))
        remove.setAccessibleName(self.tr("Remove these words"))
        row.addWidget(self.said_by, 1)
        row.addWidget(remove)
        self.error = error_label()
        self.problem_at: QWidget | None = None  # where the shown problem is fixed
        layout.addWidget(self.text)
        layout.addLayout(row)
        layout.addWidget(self.error)
        self.text.textChanged.connect(self.changed)
        self.said_by.textChanged.connect(self.changed)
        remove.clicked.connect(self.removeRequested)

    def value(self) -> Quote:
        return Quote(self.text.toPlainText(), self.said_by.text().strip())

    def show_problems(self, text: str, said_by: str) -> None:
        _show(self.error, text or said_by)
        self.problem_at = self.text if text else self.said_by if said_by else None

    def set_value(self, quote: Quote) -> None:
        self.text.setPlainText(quote.text)
        self.said_by.setText(quote.said_by)


class ContactEditor(QWidget):
    filed = Signal(str)  # the contact's uid
    discarded = Signal()
    injuryRequested = Signal(str)  # amend that contact to record what was done

    def __init__(
        self,
        records: RecordsService,
        session: Session,
        draft: ContactDraft,
        people: Sequence[YoungPerson],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("contactEditor")
        self._records = records
        self._uid = draft.uid
        self._amends = draft.amends
        self._people = {p.id: p for p in people}
        self._drafts = DraftService(session, draft.form_key, self)
        self._loading = True
        self._check_timer = QTimer(self)
        self._check_timer.setSingleShot(True)
        self._check_timer.setInterval(CHECK_DELAY_MS)
        self._check_timer.timeout.connect(self.check)

        outer = QVBoxLayout(self)
        title = QLabel(self.tr("Amend contact") if draft.amends else self.tr("New contact"))
        title.setObjectName("pageTitle")
        outer.addWidget(title)

        self._scroll = scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        body = QWidget()
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)
        form = QFormLayout(body)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.errors: dict[str, QLabel] = {}

        def add(name: str, label: str, widget: QWidget) -> None:
            add_checked_row(form, self.errors, name, label, widget)

        self.nudges = NudgesPanel()
        form.addRow(self.nudges)
        self.keep_asking = KeepAskingPanel()
        form.addRow(self.keep_asking)

        self.amend_reason = mark_content(QLineEdit())
        self.amend_reason.setAccessibleName(self.tr("Reason for the amendment"))
        if draft.amends:
            add("amend_reason", self.tr("Why it is being amended"), self.amend_reason)

        self.started = QDateTimeEdit()
        self.started.setCalendarPopup(True)
        self.started.setDisplayFormat(DATETIME_FORMAT)
        self.started.setAccessibleName(self.tr("When it started"))
        add("started_at", self.tr("&When"), self.started)
        self.ended = OptionalMoment(True, self.tr("When it ended"))
        add("ended_at", self.tr("Ended"), self.ended)

        self.kind = QComboBox()
        self.kind.setAccessibleName(self.tr("Kind of contact"))
        for kind in ContactKind:
            self.kind.addItem(contact_kind_label(kind.value), kind.value)
        add("kind", self.tr("Kind"), self.kind)

        self.place = mark_content(QLineEdit())
        self.place.setAccessibleName(self.tr("Where"))
        # Places already written down are offered as the worker types: one spelling each.
        places = QCompleter(records.known_places(), self.place)
        places.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        places.setFilterMode(Qt.MatchFlag.MatchContains)
        self.place.setCompleter(places)
        add("place", self.tr("Where"), self.place)  # W, h, e and r are taken

        people_box = QWidget()
        people_layout = QVBoxLayout(people_box)
        people_layout.setContentsMargins(0, 0, 0, 0)
        self.people_list = QListWidget()
        self.people_list.setAccessibleName(self.tr("Young people in this contact"))
        self.people_list.setMaximumHeight(self.fontMetrics().lineSpacing() * 5)
        picker_row = QHBoxLayout()
        self.person_picker = QComboBox()
        self.person_picker.setAccessibleName(self.tr("Add a young person"))
        self.add_person_button = QPushButton(self.tr("Add"))
        self.add_person_button.setAccessibleName(self.tr("Add this young person"))
        self.remove_person_button = QPushButton(self.tr("Remove"))
        self.remove_person_button.setAccessibleName(self.tr("Remove the selected young person"))
        picker_row.addWidget(self.person_picker, 1)
        picker_row.addWidget(self.add_person_button)
        picker_row.addWidget(self.remove_person_button)
        people_layout.addWidget(self.people_list)
        people_layout.addLayout(picker_row)
        people_box.setFocusProxy(self.person_picker)
        add("people", self.tr("Young people"), people_box)
        self._fill_picker()

        self.others_present = mark_content(QLineEdit())
        self.others_present.setAccessibleName(self.tr("Others present"))
        add("others_present", self.tr("Others present"), self.others_present)

        self.narrative = mark_content(PlainLines(8))
        self.narrative.setAccessibleName(self.tr("What happened and what I saw"))
        add("narrative", self.tr("What happened and what I saw"), self.narrative)
        self.narrative_check = attach_language_check(self.narrative)

        quotes_box = QWidget()
        self.quotes_layout = QVBoxLayout(quotes_box)
        self.quotes_layout.setContentsMargins(0, 0, 0, 0)
        self.add_quote_button = QPushButton(self.tr("Add their words (Ctrl+Shift+W)"))
        self.quotes_layout.addWidget(self.add_quote_button)
        self.quote_rows: list[QuoteRow] = []
        quotes_label = QLabel(self.tr("Their own words"))
        quotes_label.setToolTip(self.tr("Kept exactly as typed, apart from your interpretation."))
        form.addRow(quotes_label, quotes_box)

        obs_box = QWidget()
        obs_layout = QHBoxLayout(obs_box)
        obs_layout.setContentsMargins(0, 0, 0, 0)
        left = QVBoxLayout()
        self.observation_list = QListWidget()
        self.observation_list.setAccessibleName(self.tr("Observations"))
        self.add_observation_button = QPushButton(self.tr("Add observation (Ctrl+Shift+O)"))
        self.add_menu = QMenu(self)
        for observed in ObservationKind:
            action = self.add_menu.addAction(kind_label(observed.value))
            action.setData(observed.value)
            action.triggered.connect(lambda _checked=False, k=observed: self.add_observation(k))
        self.add_observation_button.setMenu(self.add_menu)
        self.remove_observation_button = QPushButton(self.tr("Remove observation"))
        left.addWidget(self.observation_list, 1)
        left.addWidget(self.add_observation_button)
        left.addWidget(self.remove_observation_button)
        self.observation_stack = QStackedWidget()
        self.observation_forms: list[ObservationForm] = []
        obs_layout.addLayout(left, 1)
        obs_layout.addWidget(self.observation_stack, 3)
        form.addRow(QLabel(self.tr("What I observed")))
        form.addRow(obs_box)

        self.instinct = mark_content(PlainLines(2))
        self.instinct.setAccessibleName(self.tr("My instinct: how worried am I, and why"))
        self.instinct.setPlaceholderText(
            self.tr('Why, in a sentence ("nothing feels wrong" is fine)')
        )
        self.indicators = IndicatorsPanel()
        form.addRow(QLabel(self.tr("Indicators")))
        form.addRow(self.indicators)

        self.instinct_panel = InstinctPanel()
        add("worry", self.tr("My instinct"), self.instinct_panel)
        add("instinct", self.tr("Why, in a sentence"), self.instinct)
        attach_language_check(self.instinct)

        self.problems = error_label()
        self.status = QLabel()
        self.status.setObjectName("status")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        buttons = QHBoxLayout()
        self.file_button = QPushButton(self.tr("File contact"))
        self.file_button.setToolTip(self.tr("Ctrl+Enter"))
        self.discard_button = QPushButton(self.tr("Discard draft"))
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.discard_button)
        buttons.addWidget(self.file_button)
        outer.addWidget(self.problems)
        outer.addLayout(buttons)
        bind(self, "file_contact", self.file)
        bind(self, "add_observation", self._show_add_menu)
        bind(self, "add_quote", lambda: self.add_quote(Quote("")).text.setFocus())
        bind(self, "add_young_person", self.person_picker.setFocus)

        self._load(draft)
        self._restore_pending_question()
        self.keep_asking.take_too_long()  # an older version's, now to be shortened
        for signal in (
            self.amend_reason.textChanged,
            self.started.dateTimeChanged,
            self.ended.changed,
            self.kind.currentIndexChanged,
            self.place.textChanged,
            self.others_present.textChanged,
            self.narrative.textChanged,
            self.instinct.textChanged,
        ):
            signal.connect(self._edited)
        self.keep_asking.changed.connect(self._edited)
        self.keep_asking.injuryRequested.connect(self.injuryRequested)
        self.indicators.changed.connect(self._edited)
        self.instinct_panel.changed.connect(self._edited)
        self.nudges.acknowledged.connect(self._acknowledge)
        self.add_person_button.clicked.connect(self._add_selected_person)
        self.remove_person_button.clicked.connect(self._remove_selected_person)
        self.add_quote_button.clicked.connect(lambda: self.add_quote(Quote("")).text.setFocus())
        self.remove_observation_button.clicked.connect(self._remove_current_observation)
        self.observation_list.currentRowChanged.connect(self.observation_stack.setCurrentIndex)
        self.file_button.clicked.connect(self.file)
        self.discard_button.clicked.connect(self.discard)
        self._drafts.saved.connect(self._saved)
        self._drafts.saveFailed.connect(
            lambda message: self.status.setText(self.tr("Not saved: %1").replace("%1", message))
        )
        self._loading = False
        self.check()

    # --- filling and reading ----------------------------------------------------------

    @property
    def uid(self) -> str:
        return self._uid

    @property
    def form_key(self) -> str:
        return ContactDraft(self._uid, self.value()).form_key

    def _fill_picker(self) -> None:
        self.person_picker.clear()
        for person in self._people.values():
            self.person_picker.addItem(person_label(person), person.id)

    def _load(self, draft: ContactDraft) -> None:
        contact = draft.contact
        self.amend_reason.setText(draft.reason)
        self.started.setDateTime(to_qdatetime(contact.started_at))
        self.ended.set_value(contact.ended_at)
        self.kind.setCurrentIndex(self.kind.findData(contact.kind.value))
        self.place.setText(contact.place)
        for person_id in contact.people:
            self._add_person(person_id)
        self.others_present.setText(contact.others_present)
        self.narrative.setPlainText(contact.narrative)
        for quote in contact.quotes:
            self.add_quote(quote)
        for observation in contact.observations:
            self.add_observation(observation.kind, observation, focus=False)
        self.instinct.setPlainText(contact.instinct)
        self.instinct_panel.set_value(contact.worry, contact.instinct_skipped)
        self.indicators.set_value(contact.indicators)
        self._refresh_prompts(contact.questions)
        for widget in (self.narrative, self.instinct):
            widget.document().clearUndoRedoStacks()

    def _restore_pending_question(self) -> None:
        try:
            pending = json.loads(self._drafts.load() or "{}").get(PENDING_QUESTION)
            if pending:
                self.keep_asking.set_pending(
                    str(pending["person_id"]),
                    str(pending["text"]),
                    str(pending.get("status", "open")),
                    str(pending.get("answer", "")),
                )
        except (ValueError, TypeError, KeyError, AttributeError):
            pass  # an unreadable extra: the contact itself was read by ContactDraft

    def value(self) -> Contact:
        ended = self.ended.value()
        return Contact(
            started_at=from_qdatetime(self.started.dateTime()),
            ended_at=ended if isinstance(ended, datetime) else None,
            kind=ContactKind(self.kind.currentData()),
            place=self.place.text(),
            people=tuple(
                self.people_list.item(i).data(Qt.ItemDataRole.UserRole)
                for i in range(self.people_list.count())
            ),
            others_present=self.others_present.text(),
            narrative=self.narrative.toPlainText(),
            quotes=tuple(row.value() for row in self.quote_rows),
            instinct=self.instinct.toPlainText(),
            observations=tuple(form.value() for form in self.observation_forms),
            worry=self.instinct_panel.value()[0],
            instinct_skipped=self.instinct_panel.value()[1],
            indicators=self.indicators.value(),
            questions=self.keep_asking.updates(),
        )

    def _people_ids(self) -> list[str]:
        return [
            self.people_list.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.people_list.count())
        ]

    def _refresh_prompts(self, updates: Sequence[QuestionUpdate] = ()) -> None:
        """Keep asking and nudges for the young people now in the contact."""
        people = [self._people[p] for p in self._people_ids() if p in self._people]
        ids = [p.id for p in people]
        injuries = [
            (p.known_as, injury)
            for p in people
            for injury in self._records.unactioned_injuries(p.id)
            if injury.contact_uid != self._uid
        ]
        self.keep_asking.show_for(people, self._records.open_questions(ids), injuries, updates)
        # Injuries without an action already head keep asking: not said twice.
        self.nudges.show_nudges(
            [
                (p.id, p.known_as, n)
                for p in people
                for n in self._records.nudges(p.id)
                if n.rule != "injury_no_action"
            ]
        )

    def _acknowledge(self, person_id: str, key: str, note: str) -> None:
        self._records.acknowledge_nudge(person_id, key, note)
        self._refresh_prompts(self.keep_asking.updates())

    def draft(self) -> ContactDraft:
        return ContactDraft(
            self._uid, self.value(), amends=self._amends, reason=self.amend_reason.text()
        )

    def _draft_text(self) -> str:
        text = self.draft().dumps()
        pending = self.keep_asking.pending()
        if pending is None:
            return text
        raw = json.loads(text)
        raw[PENDING_QUESTION] = {
            "person_id": pending.person_id,
            "text": pending.text,
            "status": pending.status,
            "answer": pending.answer,
        }
        return json.dumps(raw, ensure_ascii=False)

    # --- people, quotes, observations -------------------------------------------------

    def _add_person(self, person_id: str) -> None:
        for i in range(self.people_list.count()):
            if self.people_list.item(i).data(Qt.ItemDataRole.UserRole) == person_id:
                return
        person = self._people.get(person_id)
        text = person_label(person) if person else "?"
        item = QListWidgetItem(text)
        item.setData(Qt.ItemDataRole.UserRole, person_id)
        self.people_list.addItem(item)

    def add_person(self, person_id: str) -> None:
        self._add_person(person_id)
        self._refresh_prompts(self.keep_asking.updates())
        self._edited()

    def _add_selected_person(self) -> None:
        person_id = self.person_picker.currentData()
        if person_id:
            self.add_person(person_id)

    def _remove_selected_person(self) -> None:
        row = self.people_list.currentRow()
        if row >= 0:
            self.people_list.takeItem(row)
            self._refresh_prompts(self.keep_asking.updates())
            self._edited()

    def add_quote(self, quote: Quote) -> QuoteRow:
        row = QuoteRow()
        row.set_value(quote)
        row.changed.connect(self._edited)
        row.removeRequested.connect(lambda: self._remove_quote(row))
        self.quotes_layout.insertWidget(len(self.quote_rows), row)
        self.quote_rows.append(row)
        self._edited()
        return row

    def _remove_quote(self, row: QuoteRow) -> None:
        self.quote_rows.remove(row)
        row.deleteLater()
        self._edited()

    def add_observation(
        self, kind: ObservationKind, observation: Observation | None = None, *, focus: bool = True
    ) -> ObservationForm:
        form = ObservationForm(kind)
        if observation is not None:
            form.set_value(observation)
        form.changed.connect(self._edited)
        self.observation_forms.append(form)
        self.observation_stack.addWidget(form)
        self.observation_list.addItem(QListWidgetItem(kind_label(kind.value)))
        self.observation_list.setCurrentRow(len(self.observation_forms) - 1)
        if focus:
            form.provenance.setFocus()
        self._edited()
        return form

    def _show_add_menu(self) -> None:
        self.add_observation_button.setFocus()
        self.add_observation_button.showMenu()

    def _remove_current_observation(self) -> None:
        row = self.observation_list.currentRow()
        if row < 0:
            return
        form = self.observation_forms.pop(row)
        self.observation_stack.removeWidget(form)
        form.deleteLater()
        self.observation_list.takeItem(row)
        self._edited()

    # --- saving, checking, filing -----------------------------------------------------

    def _edited(self) -> None:
        if self._loading:
            return
        self.status.setText(self.tr("Saving…"))
        self._drafts.edit(self._draft_text())
        self._check_timer.start()
        self._refresh_observation_titles()

    def _refresh_observation_titles(self) -> None:
        self.indicators.propose([form.value() for form in self.observation_forms])
        for row, form in enumerate(self.observation_forms):
            item = self.observation_list.item(row)
            summary = summary_of(form.value().details, 40)
            title = kind_label(form.kind.value)
            item.setText(f"{title}: {summary}" if summary else title)

    def _saved(self, when: datetime) -> None:
        local = when.astimezone().strftime("%H:%M:%S")
        self.status.setText(self.tr("Draft saved at %1").replace("%1", local))

    def check(self) -> list[Problem]:
        problems = check_contact(self.value())
        if self._amends and not self.amend_reason.text().strip():
            problems.append(Problem("amend_reason", "required"))
        problems += self.keep_asking.pending_problems()  # filing would add it
        self.show_problems(problems)
        return problems

    def show_problems(self, problems: Sequence[Problem]) -> None:
        by_field: dict[str, str] = {}
        for problem in problems:
            text = problem_text(problem.code, problem.limit)
            if problem.field == "worry" and problem.code == "required":
                text = self.tr("How worried are you, 0 to 10? Or press Skip.")
            elif problem.code == "required" and (
                problem.field.startswith("questions.") and problem.field.endswith(".answer")
            ):
                text = self.tr("Type their answer, or choose what happened instead.")
            elif problem.field == NEW_QUESTION_FOR:
                text = (
                    self.tr("Choose who this question is for.")
                    if problem.code == "required"
                    else self.tr(
                        "A question needs a young person in this contact. "
                        "Add the young person it is for, or clear the question."
                    )
                )
            by_field.setdefault(problem.field, text)
        for name, label in self.errors.items():
            _show(label, by_field.get(name, ""))
        for index, row in enumerate(self.quote_rows):
            row.show_problems(
                by_field.get(f"quotes.{index}.text", ""),
                by_field.get(f"quotes.{index}.said_by", ""),
            )
        self.keep_asking.show_problems(by_field)
        for index, form in enumerate(self.observation_forms):
            prefix = f"observations.{index}."
            form.show_problems(
                {k.removeprefix(prefix): v for k, v in by_field.items() if k.startswith(prefix)}
            )
        _show(
            self.problems,
            self.tr("Some things need checking before this can be filed.") if problems else "",
        )

    def file(self) -> None:
        self._check_timer.stop()
        self.keep_asking.add_pending()  # a question typed but not added goes with it
        problems = self.check() + check_instinct(self.value())
        if problems:
            self.show_problems(problems)
            self._focus_first_problem()
            return
        draft = self.draft()
        self._drafts.flush()
        try:
            if self._amends:
                sealed = self._records.amend(
                    self._uid, draft.contact, draft.reason, draft_key=draft.form_key
                )
            else:
                sealed = self._records.seal(draft.contact, self._uid, draft.form_key)
        except InvalidRecord as exc:
            self.show_problems(exc.problems)
            self._focus_first_problem()
            return
        if sealed is not None:
            self._drafts.deleteLater()
            self.filed.emit(self._uid)

    def _focus_first_problem(self) -> None:
        """Focus where the first problem shown is fixed, top to bottom as the form reads:
        keep asking heads it, and their own words and then what was observed come between
        the narrative and the instinct."""

        def field(name: str) -> QWidget | None:
            label = self.errors[name]
            return label.parentWidget() if not label.isHidden() else None

        last = ("worry", "instinct")
        places = [self.keep_asking.first_problem()]
        places += [field(name) for name in self.errors if name not in last]
        places += [row.problem_at for row in self.quote_rows]
        places += [form.first_problem() for form in self.observation_forms]
        places += [field(name) for name in last]
        target = next((place for place in places if place is not None), None)
        if target is not None:
            # An observation's form is shown only while its row is current.
            for row, form in enumerate(self.observation_forms):
                if form.isAncestorOf(target):
                    self.observation_list.setCurrentRow(row)
            target.setFocus()
            self._scroll.ensureWidgetVisible(target)

    def discard(self) -> QMessageBox:
        """Ask first: the button sits beside File, and a discarded draft can't come back.
        Opened, not exec'd: a lock closes it like any dialog, and the draft stays."""
        if self._amends:
            question = self.tr(
                "Discard this amendment? The filed contact stays as it was; what you changed "
                "here is deleted and can't be brought back."
            )
        else:
            question = self.tr(
                "Discard this unfinished contact? Everything written in it is deleted and "
                "can't be brought back."
            )
        box = ask_before_deleting(
            self, self.tr("Discard draft"), question, self.tr("Discard"), self._discard_now
        )
        from outreach.ui.main_window import MainWindow  # the editor is built inside it

        window = self.window()
        if isinstance(window, MainWindow):
            window.keep_lock_shortcuts(box)  # a modal dialog shadows the window's shortcuts
        box.open()
        return box

    def _discard_now(self) -> None:
        self._drafts.flush()
        self._records.discard_draft(self.draft().form_key)
        self._drafts.deleteLater()
        self.discarded.emit()

    def save_draft_now(self) -> None:
        self._drafts.edit(self._draft_text())
        self._drafts.flush()

    def close_editor(self) -> None:
        """Before the editor goes: what is pending is saved, and nothing more is checked."""
        self._check_timer.stop()
        self._drafts.flush()
        self._loading = True  # wiping the widgets later is not an edit
