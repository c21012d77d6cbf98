"""The language check in a text box: underlined like a spelling mistake, never blocking.

Hovering shows the one-line reason and the alternatives; the context menu (right click,
the Menu key or Shift+F10) offers each alternative, and choosing one replaces the phrase
as an ordinary edit, so Ctrl+Z brings it back. Never attached to the child's own words.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtGui import (
    QAction,
    QColor,
    QHelpEvent,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import QMenu, QPlainTextEdit, QToolTip

from outreach.prompts.language import Finding, check_language

UNDERLINE = QColor("#d08a00")  # amber: noticeable in light and dark, not alarming


class LanguageHighlighter(QSyntaxHighlighter):
    def highlightBlock(self, text: str) -> None:
        underline = QTextCharFormat()
        underline.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SpellCheckUnderline)
        underline.setUnderlineColor(UNDERLINE)
        for finding in check_language(text):
            self.setFormat(finding.start, finding.end - finding.start, underline)


class LanguageCheck(QObject):
    """Underlines, explains and offers alternatives in one plain-text editor."""

    def __init__(self, editor: QPlainTextEdit) -> None:
        super().__init__(editor)
        self._editor = editor
        self.highlighter = LanguageHighlighter(editor.document())
        editor.viewport().installEventFilter(self)
        editor.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        editor.customContextMenuRequested.connect(self._context_menu)

    def finding_at(self, position: int) -> tuple[Finding, int] | None:
        """The finding under a document position, with its block's start position."""
        block = self._editor.document().findBlock(position)
        offset = position - block.position()
        for finding in check_language(block.text()):
            if finding.start <= offset < finding.end:
                return finding, block.position()
        return None

    def replace(self, finding: Finding, block_start: int, suggestion: str) -> None:
        cursor = QTextCursor(self._editor.document())
        cursor.setPosition(block_start + finding.start)
        cursor.setPosition(block_start + finding.end, QTextCursor.MoveMode.KeepAnchor)
        if cursor.selectedText() != finding.phrase:
            return  # the text moved on since the menu opened
        cursor.insertText(suggestion)

    def menu_at(self, point: QPoint) -> QMenu:
        """The context menu for a point in the editor: alternatives first, if any."""
        menu = self._editor.createStandardContextMenu(point)
        position = self._editor.cursorForPosition(point).position()
        found = self.finding_at(position)
        if found is not None:
            finding, block_start = found
            ours = []
            reason = QAction(finding.reason, menu)
            reason.setEnabled(False)
            ours.append(reason)
            for suggestion in finding.suggestions:
                action = QAction(self.tr("Use: %1").replace("%1", suggestion), menu)
                action.triggered.connect(
                    lambda _checked=False, s=suggestion: self.replace(finding, block_start, s)
                )
                ours.append(action)
            separator = QAction(menu)
            separator.setSeparator(True)
            ours.append(separator)
            standard = menu.actions()
            if standard:
                menu.insertActions(standard[0], ours)  # alternatives first
            else:
                menu.addActions(ours)
        return menu

    def _context_menu(self, point: QPoint) -> None:
        menu = self.menu_at(point)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self._editor.mapToGlobal(point))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            position = self._editor.cursorForPosition(event.pos()).position()
            found = self.finding_at(position)
            if found is None:
                QToolTip.hideText()
                return False
            finding = found[0]
            QToolTip.showText(
                event.globalPos(),
                finding.reason
                + "\n"
                + self.tr("Instead: %1").replace("%1", "; ".join(finding.suggestions)),
                self._editor,
            )
            return True
        return False


def attach_language_check(editor: QPlainTextEdit) -> LanguageCheck:
    return LanguageCheck(editor)
