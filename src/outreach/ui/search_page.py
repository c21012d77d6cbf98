"""Search across everything in the vault, as you type, with the matches marked."""

from __future__ import annotations

from PySide6.QtCore import QTimer, QUrl, Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QTextBrowser, QVBoxLayout, QWidget

from outreach.app.records import RecordsService
from outreach.records.store import SearchHit
from outreach.records.validation import MATCH_END, MATCH_START
from outreach.ui.contact_view import when_text
from outreach.ui.labels import kind_label, person_label
from outreach.ui.richtext import DocWriter
from outreach.ui.text import mark_content

SEARCH_DELAY_MS = 150


def write_marked(w: DocWriter, snippet: str) -> None:
    """The snippet as text, with the matched words highlighted."""
    rest = snippet
    while MATCH_START in rest:
        before, _, after = rest.partition(MATCH_START)
        matched, _, rest = after.partition(MATCH_END)
        w.text(before)
        w.highlighted(matched)
    w.text(rest)


class SearchPage(QWidget):
    contactRequested = Signal(str)
    personRequested = Signal(str)

    def __init__(self, records: RecordsService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._records = records
        layout = QVBoxLayout(self)
        self.box = mark_content(QLineEdit())
        self.box.setPlaceholderText(self.tr("Search narratives, their words, vehicles, places…"))
        self.box.setAccessibleName(self.tr("Search"))
        self.box.setClearButtonEnabled(True)
        self.count = QLabel()
        self.count.setObjectName("status")
        self.results = mark_content(QTextBrowser())
        self.results.setAccessibleName(self.tr("Search results"))
        self.results.setOpenLinks(False)
        layout.addWidget(self.box)
        layout.addWidget(self.count)
        layout.addWidget(self.results, 1)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.run)
        self.box.textChanged.connect(self._timer.start)
        self.box.returnPressed.connect(self.run)
        self.results.anchorClicked.connect(self._open)
        self.hits: list[SearchHit] = []

    def focus_box(self) -> None:
        self.box.setFocus()
        self.box.selectAll()

    def run(self) -> None:
        self._timer.stop()
        text = self.box.text()
        self.hits = self._records.search(text) if text.strip() else []
        people = {p.id: p for p in self._records.people()} if self.hits else {}
        w = DocWriter(self.results.document())
        for hit in self.hits:
            if hit.person_id:
                person = people.get(hit.person_id)
                title = person_label(person) if person else "?"
                href = "person:" + hit.person_id
            else:
                where = (
                    "contact" if hit.source in ("narrative", "instinct", "quote") else hit.source
                )
                title = kind_label(where) + " · " + when_text(hit.at)
                href = "contact:" + hit.contact_uid
            w.paragraph()
            w.link(title, href)
            w.paragraph()
            write_marked(w, hit.snippet)
        if text.strip():
            self.count.setText(self.tr("Matches: %1").replace("%1", str(len(self.hits))))
        else:
            self.count.setText("")

    def _open(self, url: QUrl) -> None:
        target = url.toString()
        kind, _, ident = target.partition(":")
        if kind == "contact":
            self.contactRequested.emit(ident)
        elif kind == "person":
            self.personRequested.emit(ident)

    def clear_content(self) -> None:
        self.hits = []
        self.count.setText("")
