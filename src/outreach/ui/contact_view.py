"""A filed contact, read-only, with every version: the current one first, then earlier ones.

Built as a formatted document in a text browser (``ui/richtext.py``, never HTML from what
was typed): it reads well, selects and copies like text, scales with the font and is
read by screen readers. Their own words are set apart from
the worker's account, and never changed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from outreach.links.index import Connection
from outreach.records.model import (
    BodyMark,
    FieldKind,
    SealedContact,
    YoungPerson,
    field_specs,
)
from outreach.ui.connections_text import write_connections
from outreach.ui.labels import (
    choice_label,
    contact_kind_label,
    field_label,
    flag_labels,
    kind_label,
    person_label,
    provenance_label,
)
from outreach.ui.richtext import DocWriter
from outreach.ui.shortcuts import bind
from outreach.ui.text import mark_content

translate = QCoreApplication.translate


def when_text(moment: datetime | date | None) -> str:
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        return moment.astimezone().strftime("%a %d %b %Y %H:%M")
    return moment.strftime("%a %d %b %Y")


def _value_text(kind: FieldKind, value: object) -> str:
    if kind is FieldKind.CHOICE:
        return choice_label(str(value))
    if kind is FieldKind.FLAG:
        _not_known, yes, no = flag_labels()
        return yes if value else no
    if kind in (FieldKind.DATE, FieldKind.DATETIME):
        return when_text(value)  # type: ignore[arg-type]
    if kind is FieldKind.LINES:
        return ", ".join(value)  # type: ignore[arg-type]
    if kind is FieldKind.HANDLES:
        return ", ".join(f"{h.platform}: {h.handle}" for h in value)  # type: ignore[attr-defined]
    if kind is FieldKind.MARKS:
        parts = []
        marks: tuple[BodyMark, ...] = value  # type: ignore[assignment]
        for n, mark in enumerate(marks, 1):
            details = ", ".join(p for p in (mark.site, mark.size, mark.shape, mark.colour) if p)
            if mark.skin_broken:
                details += ", " + translate("ContactView", "skin broken")
            parts.append(f"{n}. {details}")
        return "; ".join(parts)
    return str(value)


def write_contact(
    w: DocWriter, versions: Sequence[SealedContact], person: Callable[[str], YoungPerson | None]
) -> None:
    """Every version, newest first; what was typed goes in as text, never as markup."""
    for index, sealed in enumerate(reversed(versions)):
        c = sealed.contact
        if index == 0:
            w.heading(translate("ContactView", "Contact"))
        else:
            w.heading(
                translate("ContactView", "Earlier version %1").replace("%1", str(sealed.version))
            )
        span = when_text(c.started_at)
        if c.ended_at:
            span += " \u2013 " + when_text(c.ended_at)
        w.paragraph(span, bold=True)
        w.text(" · " + contact_kind_label(c.kind.value) + (f" · {c.place}" if c.place else ""))
        if sealed.amend_reason:
            w.paragraph(
                translate("ContactView", "Amended: %1").replace("%1", sealed.amend_reason),
                italic=True,
            )
        names = [person_label(p) for p in (person(pid) for pid in c.people) if p is not None]
        if names:
            w.paragraph(translate("ContactView", "With") + ": " + ", ".join(names))
        if c.others_present:
            w.paragraph(translate("ContactView", "Others present") + ": " + c.others_present)
        if c.narrative:
            w.heading(translate("ContactView", "What happened and what I saw"), 3)
            w.paragraph(c.narrative)
        if c.quotes:
            w.heading(translate("ContactView", "Their own words"), 3)
            for quote in c.quotes:
                w.quote(quote.text, quote.said_by or translate("ContactView", "the young person"))
        if c.observations:
            w.heading(translate("ContactView", "What I observed"), 3)
        for observation in c.observations:
            meta = provenance_label(observation.provenance.value)
            if observation.seen_at:
                meta += " · " + when_text(observation.seen_at)
            w.heading(kind_label(observation.kind.value), 4)
            w.paragraph(meta, italic=True)
            w.bullets(
                [
                    f"{field_label(spec.name)}: {_value_text(spec.kind, value)}"
                    for spec in field_specs(observation.kind)
                    if (value := getattr(observation.details, spec.name)) not in ("", None, ())
                ]
            )
        if c.instinct:
            w.heading(translate("ContactView", "My instinct"), 3)
            w.paragraph(c.instinct)
        if index == 0 and len(versions) > 1:
            w.rule()


class ContactView(QWidget):
    amendRequested = Signal(str)
    sendRequested = Signal(str)

    def __init__(
        self,
        person: Callable[[str], YoungPerson | None],
        connections: Callable[[str], Sequence[Connection]] = lambda _uid: (),
        parent: QWidget | None = None,
        *,
        hub_section: Callable[[DocWriter, str], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self._person = person
        self._connections = connections
        self._hub_section = hub_section
        self._uid = ""
        layout = QVBoxLayout(self)
        self.browser = mark_content(QTextBrowser())
        self.browser.setAccessibleName(self.tr("Contact"))
        self.browser.setOpenLinks(False)
        row = QHBoxLayout()
        self.amend_button = QPushButton(self.tr("Amend… (Ctrl+E)"))
        self.amend_button.setEnabled(False)
        self.send_button = QPushButton(self.tr("Send to team lead… (Ctrl+Shift+S)"))
        self.send_button.setEnabled(False)
        self.send_button.setVisible(hub_section is not None)
        row.addStretch(1)
        row.addWidget(self.send_button)
        row.addWidget(self.amend_button)
        layout.addWidget(self.browser, 1)
        layout.addLayout(row)
        self.amend_button.clicked.connect(self._amend)
        self.send_button.clicked.connect(self._send)
        bind(self, "amend", self._amend)
        if hub_section is not None:
            bind(self, "send_summary", self._send)

    def _send(self) -> None:
        if self._uid:
            self.sendRequested.emit(self._uid)

    def _amend(self) -> None:
        if self._uid:
            self.amendRequested.emit(self._uid)

    @property
    def uid(self) -> str:
        return self._uid

    def show_versions(self, versions: Sequence[SealedContact]) -> None:
        self._uid = versions[-1].uid if versions else ""
        writer = DocWriter(self.browser.document())
        if versions:
            if self._hub_section is not None:
                self._hub_section(writer, self._uid)
            write_connections(writer, self._connections(self._uid), self._person)
        write_contact(writer, versions, self._person)
        self.amend_button.setEnabled(bool(versions))
        self.send_button.setEnabled(bool(versions))

    def clear(self) -> None:
        self._uid = ""
        self.browser.clear()
        self.amend_button.setEnabled(False)
        self.send_button.setEnabled(False)
