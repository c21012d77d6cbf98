"""Each Alt+letter shown in the window does one thing: menus, tabs and what a page shows."""

from __future__ import annotations

import re
from collections import defaultdict

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QGroupBox, QLabel, QMenu, QWidget

from tests.conftest import PASSPHRASE
from tests.ui.conftest import unlock

ALT = Qt.KeyboardModifier.AltModifier

# Clashes known and accepted (none).
KNOWN: set[frozenset[str]] = set()


def _mnemonic(text: str) -> str | None:
    found = re.search(r"&([^&])", text.replace("&&", ""))
    return found.group(1).lower() if found else None


def _shown_mnemonics(window: QWidget) -> dict[str, set[str]]:
    """Every Alt+letter the window answers now, with the texts that claim it."""
    texts = [action.text() for action in window.menuBar().actions() if action.isVisible()]
    bar = window.workspace.tabs.tabBar()
    texts += [bar.tabText(i) for i in range(bar.count()) if bar.isTabVisible(i)]
    texts += [b.text() for b in window.findChildren(QAbstractButton) if b.isVisible()]
    texts += [
        label.text()
        for label in window.findChildren(QLabel)
        if label.isVisible() and label.buddy() is not None
    ]
    texts += [box.title() for box in window.findChildren(QGroupBox) if box.isVisible()]
    claims: dict[str, set[str]] = defaultdict(set)
    for text in texts:
        letter = _mnemonic(text)
        if letter:
            claims[letter].add(text)
    return claims


def test_no_two_mnemonics_in_the_window_clash(qtbot, make_shell, make_vault) -> None:
    make_vault().create(PASSPHRASE).close()
    shell = make_shell()
    unlock(qtbot, shell)
    workspace = shell.window.workspace
    workspace.new_contact()  # the Record tab with its editor
    tabs = workspace.tabs
    clashes = []
    for index in range(tabs.count()):
        if not tabs.isTabVisible(index):
            continue
        tabs.setCurrentIndex(index)
        for letter, texts in _shown_mnemonics(shell.window).items():
            if len(texts) > 1 and frozenset(texts) not in KNOWN:
                clashes.append((tabs.tabText(index), letter, sorted(texts)))
    assert clashes == []


def test_alt_r_opens_the_records_menu_and_alt_e_the_record_tab(
    qtbot, make_shell, make_vault
) -> None:
    make_vault().create(PASSPHRASE).close()
    shell = make_shell()
    unlock(qtbot, shell)
    workspace = shell.window.workspace
    box = workspace.people.filter
    for _ in range(2):  # an ambiguous Alt+letter takes turns: once is not enough
        workspace.tabs.setCurrentWidget(workspace.people)
        box.setFocus()
        qtbot.waitUntil(lambda: QApplication.focusWidget() is box)
        qtbot.keyClick(box, Qt.Key.Key_R, ALT)
        popup = QApplication.activePopupWidget()
        assert isinstance(popup, QMenu)
        assert popup.title() == "&Records"
        popup.close()
        assert workspace.tabs.currentWidget() is workspace.people
    qtbot.keyClick(box, Qt.Key.Key_E, ALT)
    assert workspace.tabs.currentWidget() is workspace.record
