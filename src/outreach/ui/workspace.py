"""The unlocked home: young people, contacts, the contact being recorded, search, notes.

One contact is open in the editor at a time; starting another keeps the first as an
unfinished draft (listed under Contacts), so nothing typed is ever dropped. After a lock
the newest unfinished contact opens again where the worker left it, and so does a young
person's details that were being typed; changes that could not be saved as the vault
locked are owned up to.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from outreach.app.drafts import DraftService, LostDraft, kept_drafts, lost_at_lock
from outreach.app.messages import reported
from outreach.app.records import CONTACT_DRAFT_PREFIX, ContactDraft, RecordsService
from outreach.app.session import Session
from outreach.app.sync import SyncService
from outreach.app.team import TeamService
from outreach.records.drafts import Draft
from outreach.records.model import Contact
from outreach.ui.connections_page import ConnectionsPage
from outreach.ui.contact_editor import ContactEditor
from outreach.ui.contact_view import when_text
from outreach.ui.contacts_page import ContactsPage
from outreach.ui.exports import ChronologyDialog, Exporter, choose_path
from outreach.ui.fields import local_now
from outreach.ui.people_page import PeoplePage
from outreach.ui.person_dialog import PERSON_DRAFT_PREFIX, PersonDialog, person_of_draft
from outreach.ui.qtvalues import delete_on_close
from outreach.ui.review_page import DashboardPage, ReviewPage
from outreach.ui.richtext import DocWriter
from outreach.ui.search_page import SearchPage
from outreach.ui.sync_ui import ApprovalDialog, write_hub_section
from outreach.ui.text import mark_content, wipe
from outreach.vault.audit import current_actor


class NotesPage(QWidget):
    """A scratchpad for what the worker jots down now, kept encrypted as they type."""

    def __init__(self, drafts: DraftService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._drafts = drafts
        self.form_key = drafts.form_key
        self._loading = False
        layout = QVBoxLayout(self)
        explain = QLabel(
            self.tr("Jot down what you saw while it is fresh. It is saved, encrypted, as you type.")
        )
        explain.setWordWrap(True)
        self.notes = mark_content(QPlainTextEdit())
        self.notes.setAccessibleName(self.tr("Notes"))
        self.status = QLabel()
        self.status.setObjectName("status")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        for widget in (explain, self.notes, self.status):
            layout.addWidget(widget)
        self.notes.textChanged.connect(self._edited)
        drafts.saved.connect(self._saved)
        drafts.saveFailed.connect(self._failed)

    def load(self, read_only: bool) -> None:
        self._loading = True
        self.notes.setPlainText(self._drafts.load())
        self.notes.document().clearUndoRedoStacks()
        self._loading = False
        self.notes.setReadOnly(read_only)
        self.status.setText("")

    def _edited(self) -> None:
        if self._loading:
            return
        self.status.setText(self.tr("Saving…"))
        self._drafts.edit(self.notes.toPlainText())

    def _saved(self, when: datetime) -> None:
        local = when.astimezone().strftime("%H:%M:%S")
        self.status.setText(self.tr("Saved at %1").replace("%1", local))

    def _failed(self, message: str) -> None:
        self.status.setText(self.tr("Not saved: %1").replace("%1", message))

    def clear_content(self) -> None:
        self._loading = True
        wipe(self.notes)
        self._loading = False
        self.status.setText("")


class WorkspacePage(QWidget):
    status_message = Signal(str)

    def __init__(
        self,
        drafts: DraftService,
        records: RecordsService,
        session: Session,
        prepare_dialog: Callable[[QWidget], None] = lambda _dialog: None,
        parent: QWidget | None = None,
        *,
        sync: SyncService | None = None,
        team: TeamService | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("workspacePage")
        self._records = records
        self._sync = sync
        self._session = session
        self._prepare_dialog = prepare_dialog
        self._read_only = False
        self._offered: set[str] = set()  # kept person drafts reopened since the unlock
        self.editor: ContactEditor | None = None
        layout = QVBoxLayout(self)

        self.read_only_banner = QLabel()
        self.read_only_banner.setObjectName("error")
        self.read_only_banner.setWordWrap(True)
        self.read_only_banner.setTextFormat(Qt.TextFormat.PlainText)
        self.read_only_banner.setVisible(False)
        layout.addWidget(self.read_only_banner)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        layout.addWidget(self.tabs, 1)
        self.people = PeoplePage(records)
        self.contacts = ContactsPage(
            records, hub_section=self._write_hub_section if sync is not None else None
        )
        self.record = QStackedWidget()
        self.record_placeholder = QWidget()
        placeholder_layout = QVBoxLayout(self.record_placeholder)
        placeholder_layout.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.start_button = QPushButton(self.tr("Start a new contact (Ctrl+N)"))
        placeholder_layout.addWidget(self.start_button)
        self.record.addWidget(self.record_placeholder)
        self.search = SearchPage(records)
        self.connections = ConnectionsPage(records)
        self.notes_page = NotesPage(drafts)
        self.notes = self.notes_page.notes
        self.status = self.notes_page.status
        self.tabs.addTab(self.people, self.tr("&People"))
        self.tabs.addTab(self.contacts, self.tr("&Contacts"))
        # Not "&Record": Alt+R is the Records menu's.
        self.tabs.addTab(self.record, self.tr("R&ecord"))
        self.tabs.addTab(self.connections, self.tr("&Links"))
        self.tabs.addTab(self.search, self.tr("&Search"))
        self.tabs.addTab(self.notes_page, self.tr("&Notes"))
        # A team lead's pages: present always, shown only when enrolled as a lead.
        self._team = team
        self.review: ReviewPage | None = None
        self.dashboard: DashboardPage | None = None
        if team is not None:
            self.review = ReviewPage(team)
            self.dashboard = DashboardPage(team)
            self.tabs.addTab(self.review, self.tr("Re&view"))
            self.tabs.addTab(self.dashboard, self.tr("&Dashboard"))
            self.review.overdueChanged.connect(self._overdue)
            self._show_lead_pages(False)

        self.start_button.clicked.connect(lambda: self.new_contact())
        self.people.newPersonRequested.connect(lambda: self.edit_person(""))
        self.people.editPersonRequested.connect(self.edit_person)
        self.people.newContactRequested.connect(self.new_contact)
        self.people.contactRequested.connect(self.open_contact)
        self.contacts.resumeRequested.connect(self.resume)
        self.contacts.amendRequested.connect(self.amend)
        self.search.contactRequested.connect(self.open_contact)
        self.search.personRequested.connect(self.open_person)
        self.people.exportRequested.connect(self.export)
        self.connections.contactRequested.connect(self.open_contact)
        self.connections.personRequested.connect(self.open_person)
        self.tabs.currentChanged.connect(self._tab_shown)
        records.changed.connect(self._refresh_lists)
        self.contacts.sendRequested.connect(self.send_summary)
        if sync is not None:
            sync.approved.connect(self.contacts.reshow)
            sync.reviewsArrived.connect(lambda _n: self.contacts.reshow(""))
            sync.statusChanged.connect(lambda: self.contacts.reshow(""))
            sync.enrolled.connect(lambda _words: self.refresh_lead_pages())

    # --- the vault opens and closes ----------------------------------------------------

    def show_vault(self, *, read_only_reason: str = "") -> None:
        """Fill the page from the newly unlocked vault."""
        self._read_only = bool(read_only_reason)
        self.read_only_banner.setText(read_only_reason)
        self.read_only_banner.setVisible(self._read_only)
        self.notes_page.load(self._read_only)
        self._refresh_lists()
        self.refresh_lead_pages()
        unfinished = [] if self._read_only else self._records.unfinished()
        if unfinished:
            self._open_editor(unfinished[0])
        else:
            self.tabs.setCurrentWidget(self.people)
            self.people.filter.setFocus()
        self._offered = set()
        if not self._read_only:
            self._reopen_kept_person()
        lost = lost_at_lock(self._session)
        if lost:
            self._tell_lost(lost)  # last, so that it is read before what it is about

    def _refresh_lists(self) -> None:
        self.people.refresh()
        self.contacts.refresh()
        if self.tabs.currentWidget() is self.connections:
            self.connections.refresh()

    def _tab_shown(self, _index: int) -> None:
        # Ranking every entity reads the whole index: only when someone is looking.
        if self.tabs.currentWidget() is self.connections and self._records.available:
            self.connections.refresh()

    def clear_content(self) -> None:
        """After a lock: drafts were saved on aboutToLock; nothing stays on screen."""
        self._close_editor(at_once=True)
        self.people.clear_content()
        self.contacts.clear_content()
        self.search.clear_content()
        self.connections.clear_content()
        self.notes_page.clear_content()
        if self.review is not None:
            self.review.clear_content()
        self._show_lead_pages(False)

    # --- recording ------------------------------------------------------------------

    def new_contact(self, person_id: str = "") -> None:
        if self._read_only or not self._records.available:
            return
        contact = Contact(started_at=local_now(), people=(person_id,) if person_id else ())
        self._open_editor(ContactDraft(uuid.uuid4().hex, contact), fresh=True)

    def resume(self, uid: str) -> None:
        if self._read_only:
            # An editor here could not save a word: say why rather than open one.
            self._warn(
                self.tr("Can't carry on here"),
                self.tr(
                    "This vault is damaged and open read-only, so an unfinished contact can't "
                    "be changed or filed. What was saved is still in it: ask IT."
                ),
            )
            return
        for draft in self._records.unfinished():
            if draft.uid == uid:
                self._open_editor(draft)
                return

    def amend(self, uid: str) -> None:
        if self._read_only or not uid:
            return
        for draft in self._records.unfinished():
            if draft.uid == uid:
                self._open_editor(draft)
                return
        sealed = self._records.contact(uid)
        if sealed is not None:
            self._open_editor(ContactDraft(uid, sealed.contact, amends=True), fresh=True)

    def _open_editor(self, draft: ContactDraft, *, fresh: bool = False) -> None:
        self._close_editor()
        editor = ContactEditor(self._records, self._session, draft, self._records.people())
        if fresh:
            editor.save_draft_now()  # a new contact is listed as unfinished at once
        editor.filed.connect(self._filed)
        editor.injuryRequested.connect(self.amend)
        editor.discarded.connect(self._discarded)
        self.editor = editor
        self.record.addWidget(editor)
        self.record.setCurrentWidget(editor)
        self.tabs.setCurrentWidget(self.record)
        editor.started.setFocus()
        self.contacts.refresh()

    def _close_editor(self, *, at_once: bool = False) -> None:
        """``at_once`` on a lock: the editor and every label in it are destroyed now, not
        at the next turn of the event loop. Otherwise later, as the editor may be the one
        whose signal brought us here."""
        if self.editor is None:
            return
        editor, self.editor = self.editor, None
        editor.close_editor()
        self.record.removeWidget(editor)
        self.record.setCurrentWidget(self.record_placeholder)
        if at_once:
            shiboken6.delete(editor)
        else:
            editor.deleteLater()

    def _filed(self, uid: str) -> None:
        self._close_editor()
        self._refresh_lists()
        self.open_contact(uid)
        self.status_message.emit(self.tr("Contact filed."))

    def _discarded(self) -> None:
        self._close_editor()
        self.contacts.refresh()
        self.tabs.setCurrentWidget(self.contacts)

    # --- looking things up ------------------------------------------------------------

    def _show_lead_pages(self, shown: bool) -> None:
        for page in (self.review, self.dashboard):
            if page is not None:
                self.tabs.setTabVisible(self.tabs.indexOf(page), shown)

    def refresh_lead_pages(self) -> None:
        """Show the review pages when this vault is enrolled as a team lead."""
        lead = self._team is not None and self._team.is_lead()
        self._show_lead_pages(lead)
        if lead and self.review is not None:
            self.review.refresh()

    def show_lead_page(self, page: QWidget) -> None:
        index = self.tabs.indexOf(page)
        if index >= 0 and self.tabs.isTabVisible(index):
            self.tabs.setCurrentIndex(index)

    def _overdue(self, count: int) -> None:
        if self.review is None:
            return
        text = self.tr("Re&view")
        if count:
            text = self.tr("Re&view (%1 overdue)").replace("%1", str(count))
        self.tabs.setTabText(self.tabs.indexOf(self.review), text)

    def _write_hub_section(self, writer: DocWriter, uid: str) -> None:
        if self._sync is not None:
            write_hub_section(writer, self._sync.items_for(uid), self._sync.reviews_for(uid))

    def send_summary(self, uid: str) -> ApprovalDialog | None:
        """The approval screen for a filed contact: what leaves the laptop, and approve."""
        if self._sync is None or self._read_only or not uid:
            return None
        dialog = ApprovalDialog(self._sync, uid, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.approvedItem.connect(
            lambda _uid: self.status_message.emit(self.tr("Summary approved: it will be sent."))
        )
        self._prepare_dialog(dialog)
        dialog.open()
        return dialog

    def open_contact(self, uid: str) -> None:
        self.tabs.setCurrentWidget(self.contacts)
        self.contacts.show_contact(uid)

    def open_person(self, person_id: str) -> None:
        self.tabs.setCurrentWidget(self.people)
        self.people.select(person_id)

    def show_search(self) -> None:
        self.tabs.setCurrentWidget(self.search)
        self.search.focus_box()

    def export(self, which: str, choose: Callable[..., Path | None] = choose_path) -> Path | None:
        """Export for the young person on the People page, where the worker chooses."""
        person = self._records.person(self.people.current_person)
        if person is None or not self._records.exports_allowed:
            return None
        exporter = Exporter(self._records, self._records.marking, current_actor())
        if which == "chronology":
            dialog = ChronologyDialog(self._records, exporter, person, choose, self)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self._prepare_dialog(dialog)
            dialog.open()
            return None
        suffix = "json" if which == "intelligence_json" else "pdf"
        name = "missing-person-pack" if which == "missing_pdf" else "intelligence"
        chosen = choose(
            self, f"{name}-{person.known_as}.{suffix}", f"{suffix.upper()} (*.{suffix})"
        )
        if chosen is None:
            return None
        if which == "intelligence_pdf":
            exporter.intelligence_pdf(person, chosen)
        elif which == "intelligence_json":
            exporter.intelligence_json(person, chosen)
        else:
            exporter.missing_pdf(person, chosen)
        self.status_message.emit(self.tr("Exported to %1").replace("%1", str(chosen)))
        return chosen

    def edit_person(self, person_id: str = "", *, draft_key: str = "") -> PersonDialog | None:
        if self._read_only or not self._records.available:
            return None
        person = self._records.person(person_id) if person_id else None
        dialog = PersonDialog(self._records, self._session, person, self, draft_key=draft_key)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._prepare_dialog(dialog)

        def saved() -> None:
            if dialog.saved_person is not None:
                self.open_person(dialog.saved_person.id)

        dialog.accepted.connect(saved)
        dialog.open()
        return dialog

    # --- what a lock left behind ------------------------------------------------------

    def _reopen_kept_person(self) -> None:
        """A young person's details kept by a lock open again, saying so, one at a time;
        a new dialog never takes them in silently."""
        if any(d.isVisible() for d in self.findChildren(PersonDialog)):
            return
        kept: list[Draft] = reported(
            lambda: kept_drafts(self._session, PERSON_DRAFT_PREFIX),
            [],
            self._records.failed,
            "kept drafts",
        )
        people = {person.id for person in self._records.people()} if kept else set()
        for draft in kept:
            if draft.form_key in self._offered:
                continue
            person_id = person_of_draft(draft.form_key)
            if person_id and person_id not in people:
                continue
            self._offered.add(draft.form_key)
            dialog = self.edit_person(person_id, draft_key=draft.form_key)
            if dialog is not None:
                dialog.finished.connect(self._kept_person_closed)
            return

    def _kept_person_closed(self) -> None:
        if self._session.open_vault is not None:  # the worker closed it, not a lock
            self._reopen_kept_person()

    def _lost_text(self, lost: LostDraft) -> str:
        key = lost.form_key
        if key.startswith(CONTACT_DRAFT_PREFIX):
            uid = key.removeprefix(CONTACT_DRAFT_PREFIX)
            for draft in self._records.unfinished():
                if draft.uid == uid:
                    return self.tr("the contact started %1").replace(
                        "%1", when_text(draft.contact.started_at)
                    )
            return self.tr("a new contact")
        if key.startswith(PERSON_DRAFT_PREFIX):
            person_id = person_of_draft(key)
            for person in self._records.people() if person_id else []:
                if person.id == person_id:
                    return self.tr("the details of %1").replace("%1", person.known_as)
            return self.tr("the young person you were adding")
        if key == self.notes_page.form_key:
            return self.tr("your notes")
        return self.tr("a form you were filling in")

    def _tell_lost(self, lost: list[LostDraft]) -> None:
        """The save made as the vault locked failed, and its "Not saved" line went with the
        screen: say now what is missing, by name, never by content."""
        lines = "\n".join("• " + self._lost_text(item) for item in lost)
        text = self.tr(
            "When Outreach locked, your latest changes to these could not be saved, so they "
            "are not in the vault:\n%1\n\nWhat was saved before is shown: check it and add "
            "what is missing."
        ).replace("%1", lines)
        causes = {item.cause for item in lost}
        if "full" in causes:
            text += " " + self.tr("The disk was full: free some space first.")
        if "read_only_vault" in causes:
            text += " " + self.tr("The vault is damaged and open read-only: ask IT.")
        self._warn(self.tr("Changes not saved"), text)

    def _warn(self, title: str, message: str) -> QMessageBox:
        # Opened, not exec'd: a lock closes it like any dialog, and Hide now still works.
        box = QMessageBox(
            QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, self
        )
        box.setTextFormat(Qt.TextFormat.PlainText)
        delete_on_close(box)
        self._prepare_dialog(box)
        box.open()
        return box
