"""Light and dark follow the OS: our few colours change with the scheme and parse in Qt."""

from __future__ import annotations

import re

from PySide6.QtWidgets import QLabel, QWidget

from outreach.gui import stylesheet


def test_every_colour_token_is_filled_for_both_schemes() -> None:
    light, dark = stylesheet(False), stylesheet(True)
    assert not re.search(r"@\w+@", light)
    assert not re.search(r"@\w+@", dark)
    assert light != dark


def test_both_stylesheets_parse_and_style_an_error_label(qtbot, qtlog) -> None:
    for dark in (False, True):
        root = QWidget()
        qtbot.addWidget(root)
        root.setStyleSheet(stylesheet(dark))
        label = QLabel("x", root)
        label.setObjectName("error")
        root.show()
        label.ensurePolished()
        colour = label.palette().windowText().color().name()
        assert colour == ("#ff8a80" if dark else "#9b1c1c")
    assert not [m for m in qtlog.records if "parse" in m.message.lower()]


def test_the_first_window_takes_its_scheme_from_the_palette(qapp) -> None:
    """Before the first window shows, the scheme is read from the palette (asking Qt for
    it would build the Qt namespace); afterwards Qt is asked, and the palette decides when
    Qt cannot say, as offscreen."""
    from PySide6.QtGui import QColor, QPalette

    from outreach.gui import _apply_scheme

    saved_palette, saved_sheet = qapp.palette(), qapp.styleSheet()
    try:
        dark = QPalette(saved_palette)
        dark.setColor(QPalette.ColorRole.Window, QColor("#202020"))
        dark.setColor(QPalette.ColorRole.WindowText, QColor("#f0f0f0"))
        qapp.setPalette(dark)
        _apply_scheme(qapp, from_palette=True)
        assert qapp.styleSheet() == stylesheet(True)
        _apply_scheme(qapp)
        assert qapp.styleSheet() == stylesheet(True)
        qapp.setPalette(saved_palette)
        _apply_scheme(qapp)
        assert qapp.styleSheet() == stylesheet(False)
    finally:
        qapp.setPalette(saved_palette)
        qapp.setStyleSheet(saved_sheet)
