"""Every keyboard shortcut in one table, so none clash and the help lists them all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget


@dataclass(frozen=True)
class Shortcut:
    action: str
    keys: QKeySequence | QKeySequence.StandardKey | str
    label: str  # untranslated source text; shown through tr()


SHORTCUTS: tuple[Shortcut, ...] = (
    Shortcut("lock", "Ctrl+L", "Lock"),
    Shortcut("hide_now", "Ctrl+Shift+H", "Hide now"),
    Shortcut("hide_now_alt", "F12", "Hide now"),
    Shortcut("settings", QKeySequence.StandardKey.Preferences, "Settings"),
    Shortcut("settings_alt", "Ctrl+,", "Settings"),
    Shortcut("quit", QKeySequence.StandardKey.Quit, "Quit"),
    Shortcut("backup", "Ctrl+Shift+B", "Make a backup"),
    Shortcut("new_contact", QKeySequence.StandardKey.New, "New contact"),
    Shortcut("new_person", "Ctrl+Shift+N", "New young person"),
    Shortcut("search", QKeySequence.StandardKey.Find, "Search"),
    Shortcut("search_alt", "Ctrl+K", "Search"),
    Shortcut("people", "Ctrl+1", "People"),
    Shortcut("contacts", "Ctrl+2", "Contacts"),
    Shortcut("record", "Ctrl+3", "Contact being recorded"),
    Shortcut("connections", "Ctrl+4", "Links between young people"),
    Shortcut("notes", "Ctrl+5", "Notes"),
    Shortcut("review", "Ctrl+6", "Review the team's summaries"),
    Shortcut("dashboard", "Ctrl+7", "Team dashboard"),
    Shortcut("sync_now", "F5", "Sync now"),
    Shortcut("enrol", "Ctrl+Shift+U", "Connect to the agency hub"),
    # Bound by a page to itself (see bind), listed here so that nothing else takes them.
    Shortcut("file_contact", "Ctrl+Return", "File contact"),
    Shortcut("file_contact_alt", "Ctrl+Enter", "File contact"),
    Shortcut("add_observation", "Ctrl+Shift+O", "Add observation"),
    Shortcut("add_quote", "Ctrl+Shift+W", "Add their words"),
    Shortcut("add_young_person", "Ctrl+Shift+Y", "Add a young person to the contact"),
    Shortcut("amend", "Ctrl+E", "Amend contact"),
    Shortcut("send_summary", "Ctrl+Shift+S", "Send a summary to your team lead"),
    Shortcut("edit_person", "Ctrl+Shift+E", "Edit young person"),
    Shortcut("export", "Ctrl+Shift+X", "Export for this young person"),
)


def keys_for(action: str) -> list[QKeySequence]:
    found = []
    for shortcut in SHORTCUTS:
        if shortcut.action == action or shortcut.action.startswith(action + "_alt"):
            found.append(QKeySequence(shortcut.keys))
    return found


def bind(widget: QWidget, action: str, slot: Callable[[], object]) -> None:
    """Give a page its own shortcut: it works while focus is anywhere inside the page."""
    from PySide6.QtCore import Qt  # pages bind after the first window (ui/qtvalues.py)

    for keys in keys_for(action):
        shortcut = QShortcut(keys, widget)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(slot)


def label_for(action: str) -> str:
    for shortcut in SHORTCUTS:
        if shortcut.action == action:
            return QCoreApplication.translate("Shortcuts", shortcut.label)
    raise KeyError(action)
