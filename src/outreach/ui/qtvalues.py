"""Values from Qt's ``Qt`` namespace that the first window needs, set as Qt properties.

The first use of ``PySide6.QtCore.Qt`` builds every enum of the namespace at once, and
that takes longer than showing a bare window does (bench/README.md, frozen start). So
the widgets of the first window set these values through Qt's property system, which
takes plain numbers, and nothing imports ``Qt`` until that window is shown.
tests/ui/test_qtvalues.py checks each number against the enum it stands for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLabel, QWidget

if TYPE_CHECKING:
    from PySide6.QtGui import QAction  # making its class takes a ms or two: actions come later

PLAIN_TEXT = 0  # Qt.TextFormat.PlainText
SELECTABLE_BY_MOUSE = 1  # Qt.TextInteractionFlag.TextSelectableByMouse
APPLICATION_SHORTCUT = 2  # Qt.ShortcutContext.ApplicationShortcut


def plain_text(label: QLabel) -> QLabel:
    """Show the label's text as written, never as markup."""
    label.setProperty("textFormat", PLAIN_TEXT)
    return label


def selectable(label: QLabel) -> QLabel:
    """Let the worker select (and copy) the label's text with the mouse."""
    label.setProperty("textInteractionFlags", SELECTABLE_BY_MOUSE)
    return label


def application_wide(action: QAction) -> QAction:
    """The action's shortcut works in every window of the app, dialogs included."""
    action.setProperty("shortcutContext", APPLICATION_SHORTCUT)
    return action


def delete_on_close(widget: QWidget) -> QWidget:
    from PySide6.QtCore import Qt  # only ever after the first window

    widget.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    return widget
