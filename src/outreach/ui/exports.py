"""Exports: a chronology, an intelligence report, a missing-person pack.

Each is written only where the worker chooses, after a warning that the file leaves the
encrypted vault, straight to that path with Qt's own PDF writer (no temporary copy).
Every page carries the protective marking on a line of its own at top and bottom, the
title, the page number, when it was made and by whom. Every export is in the audit log;
policy can turn exports off.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QDate,
    QLocale,
    QMarginsF,
    QRectF,
    QSizeF,
    Qt,
    QTime,
)
from PySide6.QtGui import (
    QFont,
    QFontMetricsF,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from outreach.app.records import RecordsService
from outreach.prompts.language import check_language
from outreach.records.model import YoungPerson
from outreach.reports.chronology import ChronologyEntry, EventWords, chronology_csv
from outreach.reports.intelligence import Detail, IntelItem, MissingPack, intelligence_json
from outreach.ui.contact_view import when_text
from outreach.ui.labels import (
    age_label,
    choice_label,
    contact_kind_label,
    entity_label,
    person_label,
    provenance_label,
)
from outreach.ui.models import Index, RowsModel
from outreach.ui.richtext import DocWriter

translate = QCoreApplication.translate


class TranslatedWords(EventWords):
    def missing(self, hours: int | None, where_found: str, who_with: str) -> str:
        parts = [translate("Exports", "Missing")]
        if hours is not None:
            parts.append(translate("Exports", "for about %1 hours").replace("%1", str(hours)))
        if where_found:
            parts.append(translate("Exports", "found at %1").replace("%1", where_found))
        if who_with:
            parts.append(translate("Exports", "with %1").replace("%1", who_with))
        return ", ".join(parts)

    def injury(self, sites: str, said: str) -> str:
        event = translate("Exports", "Injury seen (%1)").replace(
            "%1", sites or translate("Exports", "site not recorded")
        )
        if said:
            event += translate("Exports", "; they said \u201c%1\u201d").replace("%1", said)
        return event

    def action(self, code: str) -> str:
        return choice_label(code) if code else ""


def source_words(source: str) -> str:
    kind, _, provenance = source.partition("/")
    words = contact_kind_label(kind)
    return f"{words}, {provenance_label(provenance)}" if provenance else words


def made_line(made_by: str, made_at: datetime) -> str:
    """The "Made <when> by <whom>" line, the date in the worker's language and their
    way of writing dates."""
    local = made_at.astimezone()
    locale = QLocale()
    when = (
        locale.toString(QDate(local.year, local.month, local.day), QLocale.FormatType.LongFormat)
        + " "
        + locale.toString(QTime(local.hour, local.minute), QLocale.FormatType.ShortFormat)
    )
    return (
        translate("Exports", "Made %1 by %2")
        .replace("%1", when)
        .replace("%2", made_by or translate("Exports", "a worker"))
    )


def page_label(number: int, pages: int) -> str:
    return (
        translate("Exports", "Page %1 of %2").replace("%1", str(number)).replace("%2", str(pages))
    )


_GAP = 12.0  # between texts on one line, and between the bands and the body
_LEFT = Qt.AlignmentFlag.AlignLeft
_RIGHT = Qt.AlignmentFlag.AlignRight
_CENTRE = Qt.AlignmentFlag.AlignHCenter


@dataclass(frozen=True)
class PageText:
    what: str  # "marking", "title", "made" or "page"
    rect: QRectF
    flags: int
    text: str  # for "page", the widest it can be; each page draws its own number


@dataclass(frozen=True)
class Furniture:
    """Where the marking, title, page number and who made it go on every page, and the
    body between. Each text has a rectangle of its own: the marking overprinted by a
    long name was unreadable."""

    texts: tuple[PageText, ...]
    body: QRectF


def page_furniture(
    metrics: QFontMetricsF, page: QSizeF, *, title: str, marking: str, made: str
) -> Furniture:
    """Header: the marking on its own line, then the title. Footer: who made it and the
    page number, then the marking on its own line. Texts that do not fit side by side
    go on lines of their own; a text wider than the page wraps."""
    width = page.width()
    widest_page = page_label(8888, 8888)  # digits of one width in most fonts

    def lines(rows: list[list[tuple[str, str, Qt.AlignmentFlag]]]) -> tuple[list[PageText], float]:
        placed: list[PageText] = []
        y = 0.0
        for row in rows:
            widths = [metrics.horizontalAdvance(text) for _what, text, _align in row]
            if len(row) > 1 and sum(widths) + _GAP * (len(row) - 1) > width:
                stacked, height = lines([[item] for item in row])
                placed += [replace(t, rect=t.rect.translated(0, y)) for t in stacked]
                y += height
                continue
            height = metrics.height()
            for (what, text, align), w in zip(row, widths, strict=True):
                flags = align.value | Qt.AlignmentFlag.AlignTop.value
                if w > width:  # one text wider than the page: wrapped, never cut
                    flags |= Qt.TextFlag.TextWordWrap.value
                    rect = metrics.boundingRect(QRectF(0, y, width, 1e6), flags, text)
                    rect.setLeft(max(rect.left(), 0.0))
                    rect.setRight(min(rect.right(), width))
                else:
                    left = {_LEFT: 0.0, _RIGHT: width - w, _CENTRE: (width - w) / 2}[align]
                    rect = QRectF(left, y, w, metrics.height())
                    flags |= Qt.TextFlag.TextDontClip.value
                placed.append(PageText(what, rect, flags, text))
                height = max(height, rect.height())
            y += height
        return placed, y

    header, header_height = lines([[("marking", marking, _CENTRE)], [("title", title, _LEFT)]])
    footer, footer_height = lines(
        [[("made", made, _LEFT), ("page", widest_page, _RIGHT)], [("marking", marking, _CENTRE)]]
    )
    top = page.height() - footer_height
    footer = [replace(t, rect=t.rect.translated(0, top)) for t in footer]
    body = QRectF(
        0, header_height + _GAP, width, page.height() - header_height - footer_height - 2 * _GAP
    )
    return Furniture(tuple(header + footer), body)


def write_pdf(
    path: Path,
    build: Callable[[DocWriter], None],
    *,
    title: str,
    marking: str,
    made_by: str,
    made_at: datetime,
) -> int:
    """Write the document to ``path`` as A4 PDF pages; returns the number of pages."""
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(15, 12, 15, 12), QPageLayout.Unit.Millimeter)
    writer.setResolution(96)
    writer.setTitle(title)
    writer.setCreator("Outreach")
    page = QRectF(writer.pageLayout().paintRectPixels(writer.resolution()))
    document = QTextDocument()
    document.setDocumentMargin(0)
    font = QFont(document.defaultFont())
    # No ligatures: "fi" stays two letters, so names and places copy and search as typed.
    font.setFeature(QFont.Tag("liga"), 0)
    document.setDefaultFont(font)
    build(DocWriter(document))
    # Measured on the writer: its resolution, not the screen's, sets the text's size.
    furniture = page_furniture(
        QFontMetricsF(font, writer),
        page.size(),
        title=title,
        marking=marking,
        made=made_line(made_by, made_at),
    )
    body = furniture.body
    document.setPageSize(QSizeF(body.width(), body.height()))
    pages = max(1, document.pageCount())
    painter = QPainter(writer)
    try:
        painter.setFont(font)
        for number in range(pages):
            if number:
                writer.newPage()
            for text in furniture.texts:
                shown = page_label(number + 1, pages) if text.what == "page" else text.text
                painter.drawText(text.rect, text.flags, shown)
            painter.save()
            painter.translate(0, body.top() - number * body.height())
            clip = QRectF(0, number * body.height(), body.width(), body.height())
            document.drawContents(painter, clip)
            painter.restore()
    finally:
        painter.end()
    return pages


def _subject(person: YoungPerson) -> str:
    line = person_label(person)
    if person.agency_ref:
        line += " · " + translate("Exports", "Ref. %1").replace("%1", person.agency_ref)
    return line


def write_chronology(w: DocWriter, person: YoungPerson, entries: Sequence[ChronologyEntry]) -> None:
    w.heading(translate("Exports", "Chronology"))
    w.paragraph(_subject(person))
    w.table(
        [
            translate("Exports", "Date"),
            translate("Exports", "Significant event"),
            translate("Exports", "Source"),
            translate("Exports", "Impact on the young person"),
            translate("Exports", "Action taken"),
        ],
        [
            (when_text(x.at), x.event, source_words(x.source), x.impact, x.action)
            for x in entries
            if x.significant
        ],
        (16, 40, 16, 14, 14),
    )


def detail_words(detail: Detail) -> str:
    """A recorded detail in words, as the missing-person pack shows the same values."""
    if detail.field == "approximate_age":
        return translate("Exports", "aged about %1").replace("%1", detail.value)
    return choice_label(detail.value) if detail.choice else detail.value


def write_intelligence(
    w: DocWriter, person: YoungPerson, items: Sequence[IntelItem], submitted_by: str
) -> None:
    w.heading(translate("Exports", "Intelligence report"))
    w.paragraph(translate("Exports", "About") + ": " + _subject(person))
    if submitted_by:
        w.paragraph(translate("Exports", "Submitted by") + ": " + submitted_by)
    rows = []
    for item in items:
        ordered = sorted(item.seen)
        when = (
            when_text(ordered[0])
            if len(ordered) == 1
            else f"{when_text(ordered[0])} \u2013 {when_text(ordered[-1])}"
        )
        details = sorted(detail_words(d) for d in item.details)
        rows.append(
            (
                f"{entity_label(item.kind)}: {item.identifier}"
                + (f" ({', '.join(details)})" if details else ""),
                ", ".join(sorted(item.where)),
                translate("Exports", "%1 (%2 times)")
                .replace("%1", when)
                .replace("%2", str(len(item.seen))),
                ", ".join(item.also_seen_with),
                ", ".join(provenance_label(p) for p in sorted(item.how_known)),
            )
        )
    w.table(
        [
            translate("Exports", "What"),
            translate("Exports", "Where"),
            translate("Exports", "When"),
            translate("Exports", "Also seen with (who)"),
            translate("Exports", "How known"),
        ],
        rows,
    )


def write_missing(w: DocWriter, pack: MissingPack) -> None:
    p = pack.person
    w.heading(translate("Exports", "Missing-person pack"))
    facts = [
        (translate("Exports", "Known as"), p.known_as),
        (translate("Exports", "Other names"), ", ".join(p.aliases)),
        (translate("Exports", "Age"), age_label(p, (pack.last_seen or datetime.now()).date())),
        (
            translate("Exports", "Date of birth"),
            p.date_of_birth.isoformat() if p.date_of_birth else "",
        ),
        (translate("Exports", "Gender"), p.gender),
        (translate("Exports", "School"), p.school),
        (translate("Exports", "Agency reference"), p.agency_ref),
        (translate("Exports", "Description and notes"), p.notes),
        (translate("Exports", "Last contact"), when_text(pack.last_seen)),
    ]
    w.table([translate("Exports", "Who"), ""], [f for f in facts if f[1]], (30, 70))
    # Recorded at contacts with other young people, so perhaps another child's: counted,
    # not listed as this child's.
    phones_left_out = translate(
        "Exports",
        "%n phone record(s) from contacts with other young people not listed: they may be "
        "another child's. Check the records.",
        None,
        pack.shared_phones,
    )
    episodes_left_out = translate(
        "Exports",
        "%n missing episode(s) from contacts with other young people not listed: they may "
        "be another child's. Check the records.",
        None,
        pack.shared_episodes,
    )
    sections: list[tuple[str, list[str], Sequence[Sequence[str]], str]] = [
        (
            translate("Exports", "Phones and online handles"),
            [translate("Exports", "Number or handle")],
            [(n,) for n in pack.phones] + [(f"{h.platform}: {h.handle}",) for h in pack.handles],
            phones_left_out if pack.shared_phones else "",
        ),
        (
            translate("Exports", "Associates"),
            [translate("Exports", "Name or nickname"), translate("Exports", "About them")],
            [
                (
                    ", ".join(x for x in (a.name, *a.nicknames) if x),
                    ", ".join(
                        x
                        for x in (
                            choice_label(a.role) if a.role else "",
                            a.description,
                            *a.phone_numbers,
                        )
                        if x
                    ),
                )
                for a in pack.associates
            ],
            "",
        ),
        (
            translate("Exports", "Places they go"),
            [
                translate("Exports", "Place"),
                translate("Exports", "Area"),
                translate("Exports", "When"),
            ],
            [(pl.name, pl.area, pl.days_and_times) for pl in pack.places],
            "",
        ),
        (
            translate("Exports", "Vehicles seen with them"),
            [translate("Exports", "Registration"), translate("Exports", "Vehicle")],
            [
                (v.registration, " ".join(x for x in (v.colour, v.make, v.model) if x))
                for v in pack.vehicles
            ],
            "",
        ),
        (
            translate("Exports", "Previous missing episodes"),
            [
                translate("Exports", "From"),
                translate("Exports", "To"),
                translate("Exports", "Where found"),
                translate("Exports", "Who with"),
                translate("Exports", "How they got back"),
            ],
            [
                (when_text(m.went), when_text(m.back), m.where_found, m.who_with, m.how_got_back)
                for m in pack.episodes
            ],
            episodes_left_out if pack.shared_episodes else "",
        ),
    ]
    for heading, headers, rows, note in sections:
        w.heading(heading, 3)
        if rows:
            w.table(headers, rows)
        elif not note:
            w.paragraph(translate("Exports", "None recorded."))
        if note:
            w.paragraph(note)


class Exporter:
    """Writes exports to paths already chosen; audits each. Widgets ask for the path."""

    def __init__(self, records: RecordsService, marking: str, made_by: str = "") -> None:
        self._records = records
        self.marking = marking
        self.made_by = made_by

    def _pdf(
        self,
        kind: str,
        person: YoungPerson,
        path: Path,
        build: Callable[[DocWriter], None],
        title: str,
        made_by: str | None = None,
    ) -> int:
        pages = write_pdf(
            path,
            build,
            title=title,
            marking=self.marking,
            made_by=self.made_by if made_by is None else made_by,
            made_at=datetime.now().astimezone(),
        )
        self._records.record_export(kind, person.id)
        return pages

    def chronology_pdf(
        self, person: YoungPerson, entries: Sequence[ChronologyEntry], path: Path
    ) -> int:
        return self._pdf(
            "chronology_pdf",
            person,
            path,
            lambda w: write_chronology(w, person, entries),
            translate("Exports", "Chronology"),
        )

    def chronology_csv(
        self, person: YoungPerson, entries: Sequence[ChronologyEntry], path: Path
    ) -> None:
        text = chronology_csv(entries, marking=self.marking, source_words=source_words)
        path.write_text(text, encoding="utf-8", newline="")
        self._records.record_export("chronology_csv", person.id)

    def intelligence_pdf(self, person: YoungPerson, path: Path, submitted_by: str = "") -> int:
        items = self._records.intelligence(person.id)
        # The worker is named only if they chose to be, here and in the footer.
        title = translate("Exports", "Intelligence report")
        return self._pdf(
            "intelligence_pdf",
            person,
            path,
            lambda w: write_intelligence(w, person, items, submitted_by),
            title,
            made_by=submitted_by,
        )

    def intelligence_json(self, person: YoungPerson, path: Path, submitted_by: str = "") -> None:
        items = self._records.intelligence(person.id)
        made = datetime.now().astimezone()
        text = intelligence_json(person, items, marking=self.marking, made_at=made,
                                 submitted_by=submitted_by)  # fmt: skip
        path.write_text(text, encoding="utf-8")
        self._records.record_export("intelligence_json", person.id)

    def missing_pdf(self, person: YoungPerson, path: Path) -> int:
        pack = self._records.missing_pack(person.id)
        if pack is None:
            return 0
        return self._pdf(
            "missing_pack_pdf",
            person,
            path,
            lambda w: write_missing(w, pack),
            translate("Exports", "Missing-person pack"),
        )


def choose_path(parent: QWidget, suggested: str, filter_text: str) -> Path | None:
    """Warn that the file leaves the vault, then let the worker choose where it goes."""
    answer = QMessageBox.warning(
        parent,
        translate("Exports", "This file leaves the encrypted vault"),
        translate(
            "Exports",
            "The file will not be encrypted: anyone who gets it can read it. Save it only "
            "where your organisation allows, and delete it when it has been shared.",
        ),
        QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    if answer != QMessageBox.StandardButton.Save:
        return None
    chosen, _ = QFileDialog.getSaveFileName(
        parent, translate("Exports", "Save as"), suggested, filter_text
    )
    return Path(chosen) if chosen else None


CHRONOLOGY_COLUMNS = (
    "significant", "date", "event", "source", "impact", "action", "wording", "shared",
)  # fmt: skip


class ChronologyModel(RowsModel):
    def __init__(self, entries: Sequence[ChronologyEntry], parent: Any = None) -> None:
        super().__init__(parent)
        self.set_rows(entries)

    @property
    def entries(self) -> list[ChronologyEntry]:
        return self._rows

    def headers(self) -> Sequence[str]:
        return (
            self.tr("Significant"), self.tr("Date"), self.tr("Event"), self.tr("Source"),
            self.tr("Impact"), self.tr("Action taken"), self.tr("Wording"),
            self.tr("Other young people"),
        )  # fmt: skip

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        column = CHRONOLOGY_COLUMNS[index.column()]
        if column == "significant":
            return base | Qt.ItemFlag.ItemIsUserCheckable
        if column in ("event", "impact", "action"):
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if index.isValid() and CHRONOLOGY_COLUMNS[index.column()] == "significant":
            if role != Qt.ItemDataRole.CheckStateRole:
                return None
            checked = self.entries[index.row()].significant
            return Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
        if index.isValid() and role == Qt.ItemDataRole.EditRole:
            role = Qt.ItemDataRole.DisplayRole
        return super().data(index, role)

    def cell(self, entry: ChronologyEntry, column: int, role: int) -> Any:
        name = CHRONOLOGY_COLUMNS[column]
        if name == "date":
            return when_text(entry.at)
        if name == "source":
            return source_words(entry.source)
        if name == "wording":
            findings = [
                f
                for text in (entry.event, entry.impact, entry.action)
                for f in check_language(text)
            ]
            if role == Qt.ItemDataRole.ToolTipRole:
                return "\n".join(
                    f"{f.phrase}: {f.reason} ({'; '.join(f.suggestions)})" for f in findings
                )
            return ", ".join(f.phrase for f in findings)
        if name == "shared":
            if not entry.shared:
                return ""
            if role == Qt.ItemDataRole.ToolTipRole:
                return self.tr(
                    "This contact was with more than one young person, so this event may be "
                    "about another child. It is not ticked for you: tick it only if it is "
                    "about this young person."
                )
            return self.tr("Yes: check whose event this is")
        return getattr(entry, name)

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid():
            return False
        row, column = index.row(), CHRONOLOGY_COLUMNS[index.column()]
        entry = self.entries[row]
        if column == "significant" and role == Qt.ItemDataRole.CheckStateRole:
            checked = Qt.CheckState(value) == Qt.CheckState.Checked
            self.entries[row] = replace(entry, significant=checked)
        elif column == "event" and role == Qt.ItemDataRole.EditRole:
            self.entries[row] = replace(entry, event=str(value))
        elif column == "impact" and role == Qt.ItemDataRole.EditRole:
            self.entries[row] = replace(entry, impact=str(value))
        elif column == "action" and role == Qt.ItemDataRole.EditRole:
            self.entries[row] = replace(entry, action=str(value))
        else:
            return False
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(CHRONOLOGY_COLUMNS) - 1))
        return True


class ChronologyDialog(QDialog):
    """Mark the significant events, word them, then save or export."""

    def __init__(
        self,
        records: RecordsService,
        exporter: Exporter,
        person: YoungPerson,
        choose: Callable[[QWidget, str, str], Path | None] = choose_path,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._records = records
        self._exporter = exporter
        self._person = person
        self._choose = choose
        self.setWindowTitle(self.tr("Chronology: %1").replace("%1", person.known_as))
        self.resize(900, 560)
        layout = QVBoxLayout(self)
        hint = QLabel(
            self.tr(
                "Tick the significant events and word them plainly; changes are kept as you "
                "make them. Wording that may blame the child is shown in the Wording column. "
                "Events from contacts with other young people are never ticked for you: they "
                "may be about another child. Only ticked events are exported."
            )
        )
        hint.setWordWrap(True)
        self.model = ChronologyModel(records.chronology(person.id, TranslatedWords()), self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName(self.tr("Chronology events"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.status = QLabel()
        self.status.setObjectName("status")
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton(
            self.tr("Save"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.pdf_button = QPushButton(self.tr("Export PDF…"))
        self.csv_button = QPushButton(self.tr("Export CSV…"))
        buttons.addButton(self.pdf_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.csv_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Close)
        layout.addWidget(hint)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.pdf_button.clicked.connect(lambda: self.export("pdf"))
        self.csv_button.clicked.connect(lambda: self.export("csv"))
        for button in (self.pdf_button, self.csv_button):
            button.setEnabled(records.exports_allowed)
        # Every tick and word is kept at once: a lock closes this dialog, and nothing
        # typed may be lost with it. Only what the worker changed is stored (see
        # ChronologyStore.save), not the record's words of every row.
        self.model.dataChanged.connect(lambda *_: self.save())

    def save(self) -> bool:
        saved = self._records.save_chronology(self._person.id, self.model.entries)
        if saved:
            self.status.setText(self.tr("Saved."))
        return saved

    def export(self, kind: str) -> Path | None:
        if not self._records.exports_allowed or not self.save():
            return None
        suggested = f"chronology-{self._person.known_as}.{kind}"
        chosen = self._choose(self, suggested, "PDF (*.pdf)" if kind == "pdf" else "CSV (*.csv)")
        if chosen is None:
            return None
        if kind == "pdf":
            self._exporter.chronology_pdf(self._person, self.model.entries, chosen)
        else:
            self._exporter.chronology_csv(self._person, self.model.entries, chosen)
        self.status.setText(self.tr("Exported to %1").replace("%1", str(chosen)))
        return chosen
