"""Contacts: unfinished drafts to pick up again, filed contacts, and the chosen one."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from outreach.app.records import ContactDraft, RecordsService
from outreach.records.store import ContactListing
from outreach.ui.contact_view import ContactView, when_text
from outreach.ui.labels import contact_kind_label, person_label
from outreach.ui.models import RowsModel, rows_table
from outreach.ui.richtext import DocWriter


class ContactsModel(RowsModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._names: dict[str, str] = {}

    def show(self, rows: Sequence[ContactListing], names: dict[str, str]) -> None:
        self._names = names
        self.set_rows(rows)

    def listing(self, row: int) -> ContactListing:
        listing: ContactListing = self.row_at(row)
        return listing

    def headers(self) -> Sequence[str]:
        return (self.tr("When"), self.tr("Kind"), self.tr("Young people"), self.tr("Where"))

    def cell(self, row: ContactListing, column: int, role: int) -> Any:
        if column == 0:
            return when_text(row.started_at) + (" " + self.tr("(amended)") if row.amended else "")
        if column == 1:
            return contact_kind_label(row.kind.value)
        if column == 2:
            if not row.people:
                return self.tr("not linked yet")
            return ", ".join(self._names.get(p, "?") for p in row.people)
        return row.place


class ContactsPage(QWidget):
    resumeRequested = Signal(str)  # a draft's uid
    amendRequested = Signal(str)
    sendRequested = Signal(str)

    def __init__(
        self,
        records: RecordsService,
        parent: QWidget | None = None,
        *,
        hub_section: Callable[[DocWriter, str], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self._records = records
        self._drafts: list[ContactDraft] = []
        layout = QVBoxLayout(self)
        self.unfinished_label = QLabel(self.tr("Unfinished contacts"))
        self.unfinished = QListWidget()
        self.unfinished.setAccessibleName(self.tr("Unfinished contacts"))
        self.unfinished.setMaximumHeight(self.fontMetrics().lineSpacing() * 6)
        draft_buttons = QHBoxLayout()
        self.resume_button = QPushButton(self.tr("Carry on with it"))
        draft_buttons.addStretch(1)
        draft_buttons.addWidget(self.resume_button)
        layout.addWidget(self.unfinished_label)
        layout.addWidget(self.unfinished)
        layout.addLayout(draft_buttons)

        splitter = QSplitter()
        self.model = ContactsModel(self)
        self.table = rows_table(self.model, self.tr("Filed contacts"), 3, 0)
        self.view = ContactView(
            records.person, records.connections_for_contact, hub_section=hub_section
        )
        splitter.addWidget(self.table)
        splitter.addWidget(self.view)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)

        self.resume_button.clicked.connect(self._resume)
        self.unfinished.itemActivated.connect(lambda _item: self._resume())
        self.table.selectionModel().currentRowChanged.connect(self._chosen)
        self.view.amendRequested.connect(self.amendRequested)
        self.view.sendRequested.connect(self.sendRequested)

    def refresh(self) -> None:
        names = {p.id: person_label(p) for p in self._records.people()}
        self._drafts = self._records.unfinished()
        self.unfinished.clear()
        for draft in self._drafts:
            when = when_text(draft.contact.started_at)
            people = ", ".join(names.get(p, "?") for p in draft.contact.people)
            text = (self.tr("Amending: %1") if draft.amends else "%1").replace("%1", when)
            item = QListWidgetItem(text + (" · " + people if people else ""))
            item.setData(Qt.ItemDataRole.UserRole, draft.uid)
            self.unfinished.addItem(item)
        has_drafts = bool(self._drafts)
        for widget in (self.unfinished_label, self.unfinished, self.resume_button):
            widget.setVisible(has_drafts)
        self.model.show(self._records.recent_contacts(), names)

    def reshow(self, uid: str) -> None:
        """Show the contact again if it is the one on screen (its hub state changed)."""
        if uid in ("", self.view.uid) and self.view.uid:
            self.view.show_versions(self._records.versions(self.view.uid))

    def show_contact(self, uid: str) -> None:
        self.view.show_versions(self._records.versions(uid))
        for row in range(self.model.rowCount()):
            if self.model.listing(row).uid == uid:
                self.table.selectRow(row)
                break

    def _chosen(self, current: QModelIndex) -> None:
        if current.isValid():
            self.view.show_versions(self._records.versions(self.model.listing(current.row()).uid))

    def _resume(self) -> None:
        item = self.unfinished.currentItem() or self.unfinished.item(0)
        if item is not None:
            self.resumeRequested.emit(item.data(Qt.ItemDataRole.UserRole))

    def clear_content(self) -> None:
        self.unfinished.clear()
        self._drafts = []
        self.model.show([], {})
        self.view.clear()
