"""Shared page layout."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from outreach.ui.qtvalues import plain_text

COLUMN_WIDTH = 560  # a calm, readable measure on wide screens


def centred_column(page: QWidget) -> QVBoxLayout:
    """A narrow column in the middle of the page; returns the layout to fill."""
    # Centred by stretches rather than alignment flags: see ui/qtvalues.py.
    outer = QVBoxLayout(page)
    row = QHBoxLayout()
    column = QWidget()
    column.setMinimumWidth(400)
    column.setMaximumWidth(COLUMN_WIDTH)
    row.addStretch(1)
    row.addWidget(column)
    row.addStretch(1)
    outer.addStretch(1)
    outer.addLayout(row)
    outer.addStretch(1)
    return QVBoxLayout(column)


def message_line() -> QLabel:
    """The line under a form that says what went wrong, as plain text (never markup)."""
    label = QLabel()
    label.setObjectName("error")
    label.setWordWrap(True)
    return plain_text(label)
