"""Formatted documents built piece by piece, never by parsing HTML.

What a worker or a young person typed goes in as plain text through ``QTextCursor``, so
nothing in it is ever read as markup: no tag, link or image can come from a record.
Headings, paragraphs, quotes, lists, links, highlights and tables are formats applied
around that text.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextLength,
    QTextListFormat,
    QTextTableFormat,
)

HIGHLIGHT = QColor("#fff3a0")  # the matched words in search results


class DocWriter:
    def __init__(self, document: QTextDocument) -> None:
        document.clear()
        self.document = document
        self.cursor = QTextCursor(document)
        self._first = True
        self._base = document.defaultFont().pointSizeF()

    def _block(self, fmt: QTextBlockFormat | None = None) -> None:
        block = fmt or QTextBlockFormat()
        if self._first:
            self.cursor.setBlockFormat(block)
            self._first = False
        else:
            self.cursor.insertBlock(block)

    def _char(
        self, *, bold: bool = False, italic: bool = False, scale: float = 1.0
    ) -> QTextCharFormat:
        fmt = QTextCharFormat()
        if bold:
            fmt.setFontWeight(QFont.Weight.Bold)
        fmt.setFontItalic(italic)
        if scale != 1.0 and self._base > 0:
            fmt.setFontPointSize(self._base * scale)
        return fmt

    def heading(self, text: str, level: int = 2) -> None:
        block = QTextBlockFormat()
        block.setTopMargin(10)
        block.setBottomMargin(4)
        block.setHeadingLevel(level)
        self._block(block)
        scale = {1: 1.6, 2: 1.35, 3: 1.15}.get(level, 1.0)
        self.cursor.insertText(text, self._char(bold=True, scale=scale))

    def paragraph(self, text: str = "", *, bold: bool = False, italic: bool = False) -> None:
        self._block()
        if text:
            self.cursor.insertText(text, self._char(bold=bold, italic=italic))

    def text(self, text: str, *, bold: bool = False, italic: bool = False) -> None:
        """More text in the current paragraph."""
        self.cursor.insertText(text, self._char(bold=bold, italic=italic))

    def highlighted(self, text: str) -> None:
        fmt = self._char(bold=True)
        fmt.setBackground(QBrush(HIGHLIGHT))
        fmt.setForeground(QBrush(QColor("black")))
        self.cursor.insertText(text, fmt)

    def link(self, text: str, href: str) -> None:
        fmt = QTextCharFormat()
        fmt.setAnchor(True)
        fmt.setAnchorHref(href)
        fmt.setFontUnderline(True)
        self.cursor.insertText(text, fmt)
        self.cursor.setCharFormat(QTextCharFormat())

    def quote(self, text: str, said_by: str) -> None:
        block = QTextBlockFormat()
        block.setLeftMargin(24)
        block.setTopMargin(4)
        self._block(block)
        self.cursor.insertText("\u201c" + text + "\u201d", self._char(italic=True))
        self.cursor.insertText("\n\u2014 " + said_by, self._char())

    def bullets(self, items: Sequence[str]) -> None:
        if not items:
            return
        self._block()
        listed = self.cursor.createList(QTextListFormat.Style.ListDisc)
        for n, item in enumerate(items):
            if n:
                self.cursor.insertBlock()
                listed.add(self.cursor.block())
            self.cursor.insertText(item, self._char())

    def table(
        self, headers: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[int] = ()
    ) -> None:
        self._block()
        fmt = QTextTableFormat()
        fmt.setBorder(0.5)
        fmt.setCellPadding(3)
        fmt.setCellSpacing(0)
        fmt.setWidth(QTextLength(QTextLength.Type.PercentageLength, 100))
        if widths:
            fmt.setColumnWidthConstraints(
                [QTextLength(QTextLength.Type.PercentageLength, w) for w in widths]
            )
        table = self.cursor.insertTable(len(rows) + 1, max(1, len(headers)), fmt)
        for column, header in enumerate(headers):
            table.cellAt(0, column).firstCursorPosition().insertText(header, self._char(bold=True))
        for r, row in enumerate(rows, 1):
            for column, cell in enumerate(row):
                table.cellAt(r, column).firstCursorPosition().insertText(cell, self._char())
        self.cursor.movePosition(QTextCursor.MoveOperation.End)
        self._first = False

    def rule(self) -> None:
        self.paragraph("\u2014" * 12)
