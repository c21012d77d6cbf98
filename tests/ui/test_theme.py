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
