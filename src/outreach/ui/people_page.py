"""Young people: a list searched as you type, and the chosen person's timeline.

Lists show the name a young person is known by and their age, nothing more. Both lists
are Qt models, so thousands of rows scroll smoothly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from outreach.prompts import bank
from outreach.records.model import ObservationKind, YoungPerson
from outreach.records.store import TimelineCursor, TimelineEntry, TimelinePage
from outreach.ui.connections_text import named_in, write_connections
from outreach.ui.contact_view import when_text
from outreach.ui.labels import age_label, kind_label, person_label, provenance_label
from outreach.ui.models import RowsModel, rows_table
from outreach.ui.prompts_panels import NudgesPanel, WorryChart
from outreach.ui.richtext import DocWriter
from outreach.ui.shortcuts import bind
from outreach.ui.text import mark_content

ID_ROLE = Qt.ItemDataRole.UserRole
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex


class PeopleModel(QAbstractListModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._people: list[YoungPerson] = []
        self._today = date.today()

    def set_people(self, people: Sequence[YoungPerson]) -> None:
        self.beginResetModel()
        self._people = list(people)
        self._today = date.today()
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._people)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        person = self._people[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return person_label(person, self._today)
        if role == ID_ROLE:
            return person.id
        if role == SEARCH_ROLE:
            return " ".join((person.known_as, *person.aliases, person.agency_ref))
        return None

    def row_of(self, person_id: str) -> int:
        for row, person in enumerate(self._people):
            if person.id == person_id:
                return row
        return -1


class TimelineModel(RowsModel):
    """A timeline read a page at a time: the newest rows show at once, older ones load as
    the view scrolls to them (Qt's canFetchMore / fetchMore)."""

    BATCH = 100  # rows added per fetch, at least

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loader: Callable[[TimelineCursor | None], TimelinePage] | None = None
        self._next: TimelineCursor | None = None
        self._more = False

    def start(self, loader: Callable[[TimelineCursor | None], TimelinePage] | None) -> None:
        self._loader, self._next, self._more = loader, None, loader is not None
        self.set_rows(self._load())

    def _load(self) -> list[TimelineEntry]:
        added: list[TimelineEntry] = []
        while self._more and self._loader is not None and len(added) < self.BATCH:
            page = self._loader(self._next)
            added.extend(page.entries)
            self._next = page.next
            self._more = page.next is not None
        return added

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._more

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid():
            return
        added = self._load()
        if added:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(added) - 1)
            self._rows.extend(added)
            self.endInsertRows()

    def set_entries(self, entries: Sequence[TimelineEntry]) -> None:
        self._loader, self._next, self._more = None, None, False
        self.set_rows(entries)

    def entry(self, row: int) -> TimelineEntry:
        entry: TimelineEntry = self.row_at(row)
        return entry

    def headers(self) -> Sequence[str]:
        return (self.tr("When"), self.tr("What"), self.tr("Summary"), self.tr("How known"))

    def cell(self, entry: TimelineEntry, column: int, role: int) -> Any:
        if column == 0:
            return when_text(entry.at)
        if column == 1:
            text = kind_label(entry.kind)
            return text + (" " + self.tr("(amended)") if entry.amended else "")
        if column == 2:
            return entry.summary
        return provenance_label(entry.provenance.value) if entry.provenance else ""


class PeoplePage(QWidget):
    newPersonRequested = Signal()
    editPersonRequested = Signal(str)
    newContactRequested = Signal(str)  # with this young person
    contactRequested = Signal(str)  # open a contact by uid
    exportRequested = Signal(str)  # which export, for the current young person

    def __init__(self, records: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._records = records
        self._current = ""
        self._selecting = False  # select() shows the person itself, once
        splitter = QSplitter()
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        self.filter = mark_content(QLineEdit())
        self.filter.setPlaceholderText(self.tr("Find a young person"))
        self.filter.setAccessibleName(self.tr("Find a young person"))
        self.filter.setClearButtonEnabled(True)
        self.model = PeopleModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterRole(SEARCH_ROLE)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.list = QListView()
        self.list.setModel(self.proxy)
        self.list.setAccessibleName(self.tr("Young people"))
        self.list.setUniformItemSizes(True)
        self.new_button = QPushButton(self.tr("New young person"))
        left_layout.addWidget(self.filter)
        left_layout.addWidget(self.list, 1)
        left_layout.addWidget(self.new_button)
        splitter.addWidget(left)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        header = QHBoxLayout()
        self.name = QLabel()
        self.name.setObjectName("pageTitle")
        self.name.setWordWrap(True)
        self.name.setTextFormat(Qt.TextFormat.PlainText)
        self.age = QLabel()
        self.age.setObjectName("age")
        self.age.setTextFormat(Qt.TextFormat.PlainText)
        header.addWidget(self.name)
        header.addWidget(self.age)
        header.addStretch(1)
        self.details = QLabel()
        self.details.setTextFormat(Qt.TextFormat.PlainText)
        self.details.setWordWrap(True)
        buttons = QHBoxLayout()
        self.edit_button = QPushButton(self.tr("Edit details (Ctrl+Shift+E)"))
        self.contact_button = QPushButton(self.tr("New contact with them"))
        self.kind_filter = QComboBox()
        self.kind_filter.setAccessibleName(self.tr("Show in the timeline"))
        self.kind_filter.addItem(self.tr("Everything"), None)
        self.kind_filter.addItem(kind_label("contact"), "contact")
        for kind in ObservationKind:
            self.kind_filter.addItem(kind_label(kind.value), kind.value)
        # Short enough for a narrow window at 200% scaling: the filter has its own row.
        self.kind_filter.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.kind_filter.setMinimumContentsLength(14)
        self.export_button = QPushButton(self.tr("Export (Ctrl+Shift+X)"))
        self.export_menu = QMenu(self)
        self.export_actions = {
            "chronology": self.export_menu.addAction(self.tr("Chronology…")),
            "intelligence_pdf": self.export_menu.addAction(self.tr("Intelligence report (PDF)…")),
            "intelligence_json": self.export_menu.addAction(self.tr("Intelligence report (JSON)…")),
            "missing_pdf": self.export_menu.addAction(self.tr("Missing-person pack (PDF)…")),
        }
        self.export_button.setMenu(self.export_menu)
        buttons.addWidget(self.edit_button)
        buttons.addWidget(self.contact_button)
        buttons.addWidget(self.export_button)
        buttons.addStretch(1)
        filter_row = QHBoxLayout()
        show = QLabel(self.tr("Show"))
        show.setBuddy(self.kind_filter)
        filter_row.addWidget(show)
        filter_row.addWidget(self.kind_filter, 1)
        self.timeline_model = TimelineModel(self)
        self.timeline = rows_table(self.timeline_model, self.tr("Timeline"), 2, 0)
        right_layout.addLayout(header)
        right_layout.addWidget(self.details)
        self.nudges = NudgesPanel()
        self.prompts = QLabel()
        self.prompts.setWordWrap(True)
        self.prompts.setTextFormat(Qt.TextFormat.PlainText)
        self.worry_chart = WorryChart()
        right_layout.addWidget(self.nudges)
        right_layout.addWidget(self.prompts)
        right_layout.addWidget(self.worry_chart)
        right_layout.addLayout(buttons)
        self.views = QTabWidget()
        timeline_box = QWidget()
        timeline_layout = QVBoxLayout(timeline_box)
        timeline_layout.setContentsMargins(0, 0, 0, 0)
        timeline_layout.addLayout(filter_row)
        timeline_layout.addWidget(self.timeline, 1)
        self.also_seen = mark_content(QTextBrowser())
        self.also_seen.setAccessibleName(self.tr("Also seen with"))
        self.also_seen.setOpenLinks(False)
        self.views.addTab(timeline_box, self.tr("Timeline"))
        self.views.addTab(self.also_seen, self.tr("Also seen with"))
        right_layout.addWidget(self.views, 1)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 3)
        self._show_person(None)

        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.filter.returnPressed.connect(self._choose_first)
        self.list.selectionModel().currentChanged.connect(self._chosen)
        self.list.activated.connect(lambda _index: self.timeline.setFocus())
        self.new_button.clicked.connect(self.newPersonRequested)
        self.edit_button.clicked.connect(self._edit)
        bind(self, "edit_person", self._edit)
        bind(self, "export", self._show_export_menu)
        self.contact_button.clicked.connect(lambda: self.newContactRequested.emit(self._current))
        self.kind_filter.currentIndexChanged.connect(self._refresh_timeline)
        self.timeline.activated.connect(self._open_entry)
        self.nudges.acknowledged.connect(self._acknowledge)
        for name, action in self.export_actions.items():
            action.triggered.connect(lambda _c=False, n=name: self.exportRequested.emit(n))

    def _show_export_menu(self) -> None:
        if self.export_button.isVisible() and self.export_button.isEnabled():
            self.export_button.showMenu()

    def _edit(self) -> None:
        if self._current:
            self.editPersonRequested.emit(self._current)

    @property
    def current_person(self) -> str:
        return self._current

    def refresh(self) -> None:
        self.model.set_people(self._records.people())
        if self._current:
            self.select(self._current)

    def select(self, person_id: str) -> None:
        row = self.model.row_of(person_id)
        if row < 0:
            self._show_person(None)
            return
        index = self.proxy.mapFromSource(self.model.index(row))
        if index.isValid():
            # Moving the current row fires _chosen; showing them here as well would run
            # every query twice. Filtered out of the list, they are shown all the same.
            self._selecting = True
            try:
                self.list.setCurrentIndex(index)
            finally:
                self._selecting = False
        self._show_person(self._records.person(person_id))

    def _choose_first(self) -> None:
        if self.proxy.rowCount():
            self.list.setCurrentIndex(self.proxy.index(0, 0))
            self.list.setFocus()

    def _chosen(self, index: QModelIndex) -> None:
        if self._selecting:
            return
        person_id = index.data(ID_ROLE) if index.isValid() else None
        self._show_person(self._records.person(person_id) if person_id else None)

    def _show_person(self, person: YoungPerson | None) -> None:
        self._current = person.id if person else ""
        for widget in (self.edit_button, self.contact_button, self.kind_filter):
            widget.setEnabled(person is not None)
        self.export_button.setEnabled(person is not None)
        self.export_button.setVisible(getattr(self._records, "exports_allowed", False))
        if person is None:
            self.nudges.show_nudges([])
            self.prompts.setText("")
            self.worry_chart.set_points([])
            self.also_seen.clear()
            self.name.setText(self.tr("No young person chosen"))
            self.age.setText("")
            self.details.setText("")
            self.timeline_model.set_entries([])
            return
        self.name.setText(person.known_as)
        self.age.setText(self.tr("Age %1").replace("%1", age_label(person, date.today())))
        parts = [
            self.tr("Also known as %1").replace("%1", ", ".join(person.aliases))
            if person.aliases
            else "",
            self.tr("Ref. %1").replace("%1", person.agency_ref) if person.agency_ref else "",
            person.school,
            self.tr("Closed") if person.status.value == "closed" else "",
        ]
        self.details.setText(" · ".join(p for p in parts if p))
        self._refresh_timeline()
        self._show_prompts(person)
        links = self._records.connections_for_person(person.id)
        named = self._records.people_by_id(named_in(links))
        write_connections(DocWriter(self.also_seen.document()), links, named.get)
        self.views.setTabText(1, self.tr("Also seen with (%1)").replace("%1", str(len(links))))

    def _show_prompts(self, person: YoungPerson) -> None:
        self.nudges.show_nudges([(person.id, "", n) for n in self._records.nudges(person.id)])
        labels = {i.id: i.label for i in bank.indicators()}
        history = self._records.indicator_history(person.id)
        lines = []
        if history.now:
            lines.append(
                self.tr("Indicators now: %1").replace(
                    "%1", ", ".join(labels.get(i, i) for i in history.now)
                )
            )
        if history.earlier:
            lines.append(
                self.tr("Earlier: %1").replace(
                    "%1", ", ".join(labels.get(i, i) for i in history.earlier)
                )
            )
        questions = self._records.open_questions([person.id])
        if questions:
            lines.append(
                self.tr("To ask next time: %1").replace(
                    "%1", "; ".join(q.text for q in questions[:6])
                )
            )
        self.prompts.setText("\n".join(lines))
        self.prompts.setVisible(bool(lines))
        self.worry_chart.set_points(self._records.worry_series(person.id))

    def _acknowledge(self, person_id: str, key: str, note: str) -> None:
        self._records.acknowledge_nudge(person_id, key, note)
        person = self._records.person(person_id)
        if person is not None:
            self._show_prompts(person)

    def _refresh_timeline(self) -> None:
        if not self._current:
            return
        kind = self.kind_filter.currentData()
        person, kinds = self._current, None if kind is None else [kind]
        self.timeline_model.start(
            lambda after: self._records.timeline_page(person, kinds, after=after)
        )

    def _open_entry(self, index: QModelIndex) -> None:
        if index.isValid():
            self.contactRequested.emit(self.timeline_model.entry(index.row()).contact_uid)

    def clear_content(self) -> None:
        self.model.set_people([])
        self.timeline_model.set_entries([])
        self._show_person(None)
