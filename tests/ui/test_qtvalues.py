"""The numbers the first window sets as Qt properties mean the enums they stand for."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QWidget

from outreach.ui.layout import centred_column
from outreach.ui.qtvalues import application_wide, delete_on_close, plain_text, selectable


def test_each_helper_sets_the_enum_it_names(qapp) -> None:
    label = QLabel()
    assert label.textFormat() != Qt.TextFormat.PlainText
    assert plain_text(label).textFormat() == Qt.TextFormat.PlainText
    assert label.textInteractionFlags() != Qt.TextInteractionFlag.TextSelectableByMouse
    assert selectable(label).textInteractionFlags() == Qt.TextInteractionFlag.TextSelectableByMouse
    action = QAction("x")
    assert action.shortcutContext() != Qt.ShortcutContext.ApplicationShortcut
    assert application_wide(action).shortcutContext() == Qt.ShortcutContext.ApplicationShortcut
    assert delete_on_close(label).testAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    label.deleteLater()


def test_markup_in_a_plain_text_label_is_shown_as_written(qapp) -> None:
    markup = "<b>folder</b> & <i>name</i>"
    plain, guessed = plain_text(QLabel(markup)), QLabel(markup)
    # Shown as written, the tags take room; read as markup, they vanish.
    assert plain.sizeHint().width() > guessed.sizeHint().width()
    plain.deleteLater()
    guessed.deleteLater()


def test_the_centred_column_stays_in_the_middle_at_its_width(qtbot) -> None:
    page = QWidget()
    qtbot.addWidget(page)
    column = centred_column(page)
    column.addWidget(QLabel("words"))
    page.resize(1200, 800)
    page.show()
    qtbot.waitExposed(page)
    inner = column.parentWidget()
    assert inner.width() <= 560  # COLUMN_WIDTH
    left = inner.geometry().left()
    right = page.width() - inner.geometry().right() - 1
    assert abs(left - right) <= 1
    top = inner.geometry().top()
    bottom = page.height() - inner.geometry().bottom() - 1
    assert abs(top - bottom) <= 1
    assert top > 100  # not stretched to fill the page's height
