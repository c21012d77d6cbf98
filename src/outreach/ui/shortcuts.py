"""Every keyboard shortcut in one table, so none clash and the help lists them all."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QKeySequence


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
    Shortcut("notes", "Ctrl+5", "Notes"),
    # Bound by the contact editor itself, listed here so that nothing else takes them.
    Shortcut("file_contact", "Ctrl+Return", "File contact"),
    Shortcut("file_contact_alt", "Ctrl+Enter", "File contact"),
)


def keys_for(action: str) -> list[QKeySequence]:
    found = []
    for shortcut in SHORTCUTS:
        if shortcut.action == action or shortcut.action.startswith(action + "_alt"):
            found.append(QKeySequence(shortcut.keys))
    return found


def label_for(action: str) -> str:
    for shortcut in SHORTCUTS:
        if shortcut.action == action:
            return QCoreApplication.translate("Shortcuts", shortcut.label)
    raise KeyError(action)
