"""Shared page layout."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

COLUMN_WIDTH = 560  # a calm, readable measure on wide screens


def centred_column(page: QWidget) -> QVBoxLayout:
    """A narrow column in the middle of the page; returns the layout to fill."""
    outer = QVBoxLayout(page)
    outer.setAlignment(Qt.AlignmentFlag.AlignCenter)
    column = QWidget()
    column.setMinimumWidth(400)
    column.setMaximumWidth(COLUMN_WIDTH)
    outer.addWidget(column, 0, Qt.AlignmentFlag.AlignHCenter)
    return QVBoxLayout(column)


def message_line() -> QLabel:
    """The line under a form that says what went wrong, as plain text (never markup)."""
    label = QLabel()
    label.setObjectName("error")
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label
