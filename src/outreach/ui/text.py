"""Helpers for widgets that show what a worker typed."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtWidgets import QLineEdit, QWidget


def wipe(widget: QWidget) -> None:
    """Empty a text widget so that undo cannot bring the text back.

    ``clear()`` keeps the undo history: after a lock, Ctrl+Z would restore what was
    there. Replacing the text and dropping the undo stacks does not.
    """
    if isinstance(widget, QLineEdit):
        widget.setText("")  # setText resets QLineEdit's undo history
        widget.setModified(False)
        return
    # PySide6 makes a class when first used: the first window has no text editor.
    from PySide6.QtWidgets import QPlainTextEdit, QTextEdit

    if isinstance(widget, (QPlainTextEdit, QTextEdit)):
        widget.setPlainText("")
        widget.document().clearUndoRedoStacks()
        widget.document().setModified(False)


CONTENT_PROPERTY = "outreachContent"


W = TypeVar("W", bound=QWidget)


def mark_content(widget: W) -> W:
    """Mark a widget as showing record content or secrets: it is wiped on every lock."""
    widget.setProperty(CONTENT_PROPERTY, True)
    return widget


def wipe_all(root: QWidget) -> int:
    """Wipe every marked widget under root; returns how many were wiped."""
    from PySide6.QtWidgets import QPlainTextEdit, QTextEdit

    wiped = 0
    for kind in (QLineEdit, QPlainTextEdit, QTextEdit):
        for child in root.findChildren(kind):
            if child.property(CONTENT_PROPERTY):
                wipe(child)
                wiped += 1
    return wiped
