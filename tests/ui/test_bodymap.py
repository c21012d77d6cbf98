"""The body map: placing, naming, moving and removing marks, by mouse and by keyboard."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor

from outreach.records.model import BodyMark
from outreach.ui.bodymap import BodyMapPanel, BodyMapWidget, site_at


@pytest.mark.parametrize(
    ("side", "x", "y", "site"),
    [
        ("front", 0.5, 0.03, "head"),
        ("front", 0.5, 0.11, "face"),
        ("back", 0.5, 0.08, "back of head"),
        ("front", 0.5, 0.16, "neck"),
        ("back", 0.5, 0.16, "back of neck"),
        ("front", 0.5, 0.25, "chest"),
        ("front", 0.5, 0.40, "abdomen"),
        ("front", 0.5, 0.50, "groin"),
        ("back", 0.5, 0.25, "upper back"),
        ("back", 0.5, 0.40, "lower back"),
        ("back", 0.5, 0.50, "buttocks"),
        # Facing us, the child's left arm is on our right.
        ("front", 0.76, 0.44, "left forearm"),
        ("front", 0.24, 0.44, "right forearm"),
        # From behind, the child's left is on our left.
        ("back", 0.24, 0.44, "left forearm"),
        ("back", 0.76, 0.44, "right forearm"),
        ("front", 0.28, 0.27, "right upper arm"),
        ("front", 0.78, 0.56, "left hand"),
        ("front", 0.42, 0.62, "right thigh"),
        ("back", 0.42, 0.62, "left thigh"),
        ("front", 0.58, 0.82, "left lower leg"),
        ("back", 0.58, 0.95, "right foot"),
        ("front", 0.05, 0.05, ""),
        ("front", 0.5, 0.995, ""),
        ("back", 0.1, 0.8, ""),
    ],
)
def test_site_names_the_part_of_the_body_in_the_childs_own_left_and_right(
    side: str, x: float, y: float, site: str
) -> None:
    assert site_at(side, x, y) == site


@pytest.fixture
def body_map(qtbot) -> BodyMapWidget:
    widget = BodyMapWidget()
    qtbot.addWidget(widget)
    widget.resize(400, 420)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _click(qtbot, widget: BodyMapWidget, side: str, x: float, y: float) -> None:
    point = widget.point_for(side, x, y).toPoint()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=point)


def test_clicking_the_outline_places_a_named_mark(qtbot, body_map) -> None:
    with qtbot.waitSignal(body_map.marksChanged):
        _click(qtbot, body_map, "front", 0.5, 0.25)
    (mark,) = body_map.marks()
    assert (mark.side, mark.site) == ("front", "chest")
    assert mark.x == pytest.approx(0.5, abs=0.01)
    assert body_map.selected_index() == 0
    with qtbot.waitSignal(body_map.marksChanged):
        _click(qtbot, body_map, "back", 0.24, 0.44)
    assert body_map.marks()[1].site == "left forearm"


def test_clicks_outside_the_outline_do_nothing(qtbot, body_map) -> None:
    with qtbot.assertNotEmitted(body_map.marksChanged):
        _click(qtbot, body_map, "front", 0.05, 0.05)
        qtbot.mouseClick(body_map, Qt.MouseButton.LeftButton, pos=QPoint(1, 1))
    assert body_map.marks() == ()


def test_clicking_a_mark_selects_it_rather_than_adding_one(qtbot, body_map) -> None:
    body_map.set_marks([BodyMark("front", 0.5, 0.25, "chest"), BodyMark("back", 0.5, 0.4)])
    assert body_map.selected_index() is None
    with qtbot.assertNotEmitted(body_map.marksChanged), qtbot.waitSignal(body_map.markSelected):
        _click(qtbot, body_map, "back", 0.5, 0.4)
    assert body_map.selected_index() == 1
    assert len(body_map.marks()) == 2


def test_the_keyboard_adds_moves_and_removes_marks(qtbot, body_map) -> None:
    body_map.setFocus()
    qtbot.keyClick(body_map, Qt.Key.Key_Return)
    assert body_map.marks()[0].site == "chest"
    start = body_map.marks()[0]
    with qtbot.waitSignal(body_map.marksChanged):
        qtbot.keyClick(body_map, Qt.Key.Key_Right)
    qtbot.keyClick(body_map, Qt.Key.Key_Down)
    moved = body_map.marks()[0]
    assert moved.x == pytest.approx(start.x + 0.01)
    assert moved.y == pytest.approx(start.y + 0.01)
    for _ in range(14):
        qtbot.keyClick(body_map, Qt.Key.Key_Down)
    assert body_map.marks()[0].site == "abdomen"  # the proposed site follows the mark
    with qtbot.waitSignal(body_map.marksChanged):
        qtbot.keyClick(body_map, Qt.Key.Key_Delete)
    assert body_map.marks() == ()


def test_a_site_the_worker_wrote_is_kept_when_the_mark_moves(qtbot, body_map) -> None:
    body_map.set_marks([BodyMark("front", 0.5, 0.25, "burn on sternum")])
    body_map.select(0)
    body_map.setFocus()
    for _ in range(20):
        qtbot.keyClick(body_map, Qt.Key.Key_Down)
    assert body_map.marks()[0].site == "burn on sternum"


def test_marks_stay_at_their_fractions_when_resized(qtbot, body_map) -> None:
    body_map.set_marks([BodyMark("back", 0.3, 0.45, "left forearm")])
    body_map.resize(900, 1000)
    point = body_map.point_for("back", 0.3, 0.45)
    assert body_map.mark_at(point) == 0
    side, x, y = body_map.fraction_at(QPointF(point))
    assert (side, round(x, 3), round(y, 3)) == ("back", 0.3, 0.45)


def test_the_marks_are_described_in_words(qtbot, body_map) -> None:
    assert "No marks" in body_map.accessibleDescription()
    body_map.add_mark(BodyMark("front", 0.76, 0.44, "left forearm"))
    body_map.add_mark(BodyMark("back", 0.5, 0.25, "upper back"))
    description = body_map.accessibleDescription()
    assert "1 left forearm (front)" in description
    assert "2 upper back (back)" in description


def test_the_editor_writes_details_back_to_the_selected_mark(qtbot) -> None:
    panel = BodyMapPanel()
    qtbot.addWidget(panel)
    panel.map.add_mark(BodyMark("front", 0.5, 0.25, "chest"))
    editor = panel.editor
    assert editor.site.text() == "chest"
    editor.site.clear()
    qtbot.keyClicks(editor.site, "left collarbone")
    qtbot.keyClicks(editor.colour, "purple")
    editor.skin_broken.setCurrentIndex(editor.skin_broken.findData(True))
    mark = panel.map.marks()[0]
    assert (mark.site, mark.colour, mark.skin_broken) == ("left collarbone", "purple", True)
    editor.remove_button.click()
    assert panel.map.marks() == ()
    assert not editor.site.isEnabled()


def test_the_outline_is_painted_in_the_palette_at_any_size(qtbot, body_map) -> None:
    for size in ((300, 320), (800, 900)):
        body_map.resize(*size)
        image = body_map.grab().toImage()
        ink = body_map.palette().windowText().color()
        # The top of the head on the front outline is drawn in the text colour.
        top = body_map.point_for("front", 0.5, 0.016).toPoint()
        found = any(_close(QColor(image.pixel(top.x(), top.y() + dy)), ink) for dy in range(-3, 4))
        assert found, size


def _close(a: QColor, b: QColor) -> bool:
    return abs(a.red() - b.red()) + abs(a.green() - b.green()) + abs(a.blue() - b.blue()) < 120
