"""Connections: what links young people, most young people first, as a list and a graph.

Choosing an entity shows where it was seen and with whom, and the entities that may be
the same one (a misread registration, a close spelling), each to confirm or reject; the
decision is kept and respected from then on.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QUrl, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from outreach.app.records import RecordsService
from outreach.links.index import RankedEntity
from outreach.links.keys import KINDS
from outreach.ui.connections_text import match_label
from outreach.ui.contact_view import when_text
from outreach.ui.graph_view import GraphView, legend_html
from outreach.ui.labels import entity_label, person_label
from outreach.ui.models import RowsModel, rows_table
from outreach.ui.richtext import DocWriter
from outreach.ui.text import mark_content


class RankedModel(RowsModel):
    def row(self, index: int) -> RankedEntity:
        ranked: RankedEntity = self.row_at(index)
        return ranked

    def headers(self) -> Sequence[str]:
        return (
            self.tr("What"),
            self.tr("Young people"),
            self.tr("Times seen"),
            self.tr("Last seen"),
            self.tr("May be the same as"),
        )

    def cell(self, row: RankedEntity, column: int, role: int) -> Any:
        return (
            f"{entity_label(row.entity.kind)}: {row.entity.label}",
            str(row.young_people),
            str(row.sightings),
            when_text(row.last),
            str(row.possible) if row.possible else "",
        )[column]


class ConnectionsPage(QWidget):
    contactRequested = Signal(str)
    personRequested = Signal(str)

    def __init__(self, records: RecordsService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._records = records
        self._entity: int | None = None
        layout = QVBoxLayout(self)
        controls = QHBoxLayout()
        self.kind_filter = QComboBox()
        self.kind_filter.setAccessibleName(self.tr("Show"))
        self.kind_filter.addItem(self.tr("Everything"), None)
        for kind in KINDS:
            self.kind_filter.addItem(entity_label(kind), kind)
        show = QLabel(self.tr("Show"))
        show.setBuddy(self.kind_filter)
        controls.addWidget(show)
        controls.addWidget(self.kind_filter)
        controls.addStretch(1)
        layout.addLayout(controls)

        self.views = QTabWidget()
        layout.addWidget(self.views, 1)
        list_page = QSplitter()
        self.model = RankedModel(self)
        self.table = rows_table(self.model, self.tr("What links young people"), 0, 3)
        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        self.detail = mark_content(QTextBrowser())
        self.detail.setAccessibleName(self.tr("Where it was seen"))
        self.detail.setOpenLinks(False)
        self.matches = QListWidget()
        self.matches.setAccessibleName(self.tr("May be the same as"))
        self.matches.setMaximumHeight(self.fontMetrics().lineSpacing() * 6)
        decide = QHBoxLayout()
        self.same_button = QPushButton(self.tr("The same"))
        self.not_same_button = QPushButton(self.tr("Not the same"))
        decide.addStretch(1)
        decide.addWidget(self.same_button)
        decide.addWidget(self.not_same_button)
        self.matches_label = QLabel(self.tr("May be the same as"))
        detail_layout.addWidget(self.detail, 1)
        detail_layout.addWidget(self.matches_label)
        detail_layout.addWidget(self.matches)
        detail_layout.addLayout(decide)
        list_page.addWidget(self.table)
        list_page.addWidget(detail)
        list_page.setStretchFactor(0, 3)
        list_page.setStretchFactor(1, 2)
        self.views.addTab(list_page, self.tr("List"))

        graph_page = QWidget()
        graph_layout = QVBoxLayout(graph_page)
        graph_controls = QHBoxLayout()
        self.min_people = QSpinBox()
        self.min_people.setRange(1, 50)
        self.min_people.setValue(2)
        self.min_people.setAccessibleName(self.tr("Seen with at least this many young people"))
        at_least = QLabel(self.tr("Seen with at least this many young people"))
        at_least.setBuddy(self.min_people)
        fit = QPushButton(self.tr("Fit (0)"))
        graph_controls.addWidget(at_least)
        graph_controls.addWidget(self.min_people)
        graph_controls.addStretch(1)
        graph_controls.addWidget(fit)
        self.graph = GraphView()
        hint = QLabel(
            self.tr("Double-click a node to open it. Wheel or + and - zoom; drag to move.")
        )
        hint.setObjectName("status")
        legend = QLabel(legend_html())
        legend.setTextFormat(Qt.TextFormat.RichText)
        graph_layout.addLayout(graph_controls)
        graph_layout.addWidget(self.graph, 1)
        graph_layout.addWidget(legend)
        graph_layout.addWidget(hint)
        self.views.addTab(graph_page, self.tr("Graph"))

        self.kind_filter.currentIndexChanged.connect(self.refresh)
        self.min_people.valueChanged.connect(self._refresh_graph)
        self.views.currentChanged.connect(self._refresh_graph)
        self.table.selectionModel().currentRowChanged.connect(self._chosen)
        self.detail.anchorClicked.connect(self._open)
        self.same_button.clicked.connect(lambda: self._decide("confirmed"))
        self.not_same_button.clicked.connect(lambda: self._decide("rejected"))
        fit.clicked.connect(self.graph.fit)
        self.graph.personActivated.connect(self.personRequested)
        self.graph.entityActivated.connect(self.show_entity)
        self._show_detail(None)

    def refresh(self) -> None:
        self.model.set_rows(self._records.ranked_entities(self.kind_filter.currentData()))
        if self._entity is not None:
            self.show_entity(self._entity)
        self._refresh_graph()

    def _refresh_graph(self) -> None:
        if self.views.currentIndex() != 1:
            return
        kind = self.kind_filter.currentData()
        graph = self._records.graph(KINDS if kind is None else [kind], self.min_people.value())
        names = {p.id: p.known_as for p in self._records.people()}
        self.graph.show_graph(graph, lambda pid: names.get(pid, "?"))

    def show_entity(self, entity_id: int) -> None:
        self.views.setCurrentIndex(0)
        for row in range(self.model.rowCount()):
            if self.model.row(row).entity.id == entity_id:
                self.table.selectRow(row)
                return
        self._show_detail(entity_id)

    def _chosen(self, current: QModelIndex) -> None:
        self._show_detail(self.model.row(current.row()).entity.id if current.isValid() else None)

    def _show_detail(self, entity_id: int | None) -> None:
        self._entity = entity_id
        self.matches.clear()
        if entity_id is None:
            self.detail.setPlainText(
                self.tr("Choose something on the left to see where it was seen.")
            )
            for widget in (
                self.matches_label,
                self.matches,
                self.same_button,
                self.not_same_button,
            ):
                widget.setVisible(False)
            return
        people = {p.id: p for p in self._records.people()}
        today = date.today()
        w = DocWriter(self.detail.document())
        for uid, at, seen_with in self._records.sightings_of(entity_id):
            w.paragraph()
            w.link(when_text(at), f"contact:{uid}")
            w.text(": ")
            named = [p for p in seen_with if p in people]
            for n, p in enumerate(named):
                w.text(", " if n else "")
                w.link(person_label(people[p], today), f"person:{p}")
            if not named:
                w.text(self.tr("no young person recorded"))
        for other, decision in self._records.possible_matches(entity_id):
            item = QListWidgetItem(f"{other.label} ({match_label(decision)})")
            if decision == "rejected":
                item.setText(f"{other.label} ({self.tr('not the same')})")
            item.setData(Qt.ItemDataRole.UserRole, other.id)
            self.matches.addItem(item)
        has_matches = self.matches.count() > 0
        for widget in (self.matches_label, self.matches, self.same_button, self.not_same_button):
            widget.setVisible(has_matches)
        if has_matches:
            self.matches.setCurrentRow(0)

    def _decide(self, decision: str) -> None:
        item = self.matches.currentItem()
        if item is None or self._entity is None:
            return
        self._records.decide_match(self._entity, item.data(Qt.ItemDataRole.UserRole), decision)
        self._show_detail(self._entity)

    def _open(self, url: QUrl) -> None:
        kind, _, ident = url.toString().partition(":")
        if kind == "contact":
            self.contactRequested.emit(ident)
        elif kind == "person":
            self.personRequested.emit(ident)

    def clear_content(self) -> None:
        self.model.set_rows([])
        self.detail.clear()
        self.matches.clear()
        self.graph.scene().clear()
        self._entity = None
