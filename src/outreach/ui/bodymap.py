"""The body map: a front and a back outline where injuries are marked. Never a photograph.

Marks are kept as fractions of one outline's box (see ``BodyMark``), so they stay put at
any size or scaling. A click on the outline places a mark and proposes its site in plain
words; the keyboard can do everything the mouse can: Enter adds a mark, the arrow keys
move the selected one, Delete removes it. Left and right are always the child's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent, QMouseEvent, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from outreach.records.model import BodyMark
from outreach.ui.labels import flag_labels
from outreach.ui.text import mark_content

# Regions in the viewer's frame of one outline box (x0, y0, x1, y1), for the limb on the
# viewer's left; each is mirrored for the other side. The outline is their union.
_LIMBS = {
    "upper arm": (0.22, 0.18, 0.34, 0.36),
    "forearm": (0.18, 0.36, 0.30, 0.52),
    "hand": (0.15, 0.52, 0.29, 0.60),
    "thigh": (0.35, 0.52, 0.497, 0.72),
    "lower leg": (0.365, 0.72, 0.485, 0.92),
    "foot": (0.34, 0.92, 0.49, 0.99),
}
_HEAD = (0.435, 0.015, 0.565, 0.145)
_NECK = (0.46, 0.14, 0.54, 0.18)
_TORSO = (0.34, 0.175, 0.66, 0.53)
ASPECT = 0.5  # an outline box is twice as tall as it is wide
STEP = 0.01  # one arrow-key press


def _inside(box: tuple[float, float, float, float], x: float, y: float) -> bool:
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _mirror(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    return (1 - box[2], box[1], 1 - box[0], box[3])


def site_at(side: str, x: float, y: float) -> str:
    """The part of the body at (x, y) of the front or back outline; "" outside it."""
    back = side == "back"
    cx, cy = (_HEAD[0] + _HEAD[2]) / 2, (_HEAD[1] + _HEAD[3]) / 2
    rx, ry = (_HEAD[2] - _HEAD[0]) / 2, (_HEAD[3] - _HEAD[1]) / 2
    if ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1:
        if back:
            return "back of head"
        return "head" if y < cy - ry * 0.35 else "face"
    if _inside(_NECK, x, y) and y < _TORSO[1] + 0.005:
        return "back of neck" if back else "neck"
    for name, box in _LIMBS.items():
        for viewer_left, area in ((True, box), (False, _mirror(box))):
            if _inside(area, x, y):
                # Facing us, the child's right is on our left; from behind, it matches.
                child_left = viewer_left == back
                return f"{'left' if child_left else 'right'} {name}"
    if _inside(_TORSO, x, y):
        if back:
            if y < 0.34:
                return "upper back"
            return "lower back" if y < 0.45 else "buttocks"
        if y < 0.34:
            return "chest"
        if y < 0.46:
            return "abdomen"
        return "groin" if 0.42 <= x <= 0.58 else f"{'right' if x < 0.5 else 'left'} hip"
    return ""


def _outline() -> QPainterPath:
    """The outline in unit coordinates (x 0..1, y 0..1), drawn at any size by scaling."""
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.WindingFill)
    path.addEllipse(QRectF(_HEAD[0], _HEAD[1], _HEAD[2] - _HEAD[0], _HEAD[3] - _HEAD[1]))
    for box in (_NECK, _TORSO, *_LIMBS.values(), *map(_mirror, _LIMBS.values())):
        path.addRoundedRect(QRectF(box[0], box[1], box[2] - box[0], box[3] - box[1]), 0.03, 0.03)
    return path.simplified()


_OUTLINE = _outline()


class BodyMapWidget(QWidget):
    marksChanged = Signal()
    markSelected = Signal(int)  # -1 when none is selected

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._marks: list[BodyMark] = []
        self._selected: int | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(240, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName(self.tr("Body map"))
        self._describe()

    # --- marks ------------------------------------------------------------------------

    def marks(self) -> tuple[BodyMark, ...]:
        return tuple(self._marks)

    def set_marks(self, marks: Sequence[BodyMark]) -> None:
        self._marks = list(marks)
        self._selected = None
        self._describe()
        self.update()

    def add_mark(self, mark: BodyMark) -> int:
        self._marks.append(mark)
        self._changed()
        self.select(len(self._marks) - 1)
        return len(self._marks) - 1

    def update_mark(self, index: int, mark: BodyMark) -> None:
        if self._marks[index] != mark:
            self._marks[index] = mark
            self._changed()

    def remove_mark(self, index: int) -> None:
        del self._marks[index]
        self._selected = None
        self._changed()
        self.markSelected.emit(-1)

    def selected_index(self) -> int | None:
        return self._selected

    def select(self, index: int | None) -> None:
        self._selected = index
        self.update()
        self.markSelected.emit(-1 if index is None else index)

    def _changed(self) -> None:
        self._describe()
        self.update()
        self.marksChanged.emit()

    def _describe(self) -> None:
        """Screen readers cannot see a picture: the marks in words."""
        if not self._marks:
            self.setAccessibleDescription(
                self.tr("No marks. Press Enter to add one, or click on the outline.")
            )
            return
        parts = []
        for n, mark in enumerate(self._marks, 1):
            side = self.tr("front") if mark.side == "front" else self.tr("back")
            parts.append(f"{n} {mark.site or '?'} ({side})")
        self.setAccessibleDescription(
            self.tr("Marks: %1").replace("%1", str(len(self._marks))) + ": " + ", ".join(parts)
        )

    # --- geometry ---------------------------------------------------------------------

    def _box(self, side: str) -> QRectF:
        margin = 8.0
        label_room = self.fontMetrics().height() + 4
        height = self.height() - 2 * margin - label_room
        width = min((self.width() - 3 * margin) / 2, height * ASPECT)
        height = width / ASPECT
        left = (self.width() - 2 * width - margin) / 2
        x = left if side == "front" else left + width + margin
        return QRectF(x, margin + label_room, width, height)

    def point_for(self, side: str, x: float, y: float) -> QPointF:
        box = self._box(side)
        return QPointF(box.left() + x * box.width(), box.top() + y * box.height())

    def fraction_at(self, pos: QPointF) -> tuple[str, float, float] | None:
        for side in ("front", "back"):
            box = self._box(side)
            if box.contains(pos):
                return (
                    side,
                    (pos.x() - box.left()) / box.width(),
                    (pos.y() - box.top()) / box.height(),
                )
        return None

    def _mark_radius(self) -> float:
        return max(9.0, self._box("front").width() * 0.045)

    def mark_at(self, pos: QPointF) -> int | None:
        radius = self._mark_radius()
        for index in reversed(range(len(self._marks))):
            mark = self._marks[index]
            centre = self.point_for(mark.side, mark.x, mark.y)
            if (centre - pos).manhattanLength() <= radius * 1.4:
                return index
        return None

    # --- input ------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        pos = event.position()
        hit = self.mark_at(pos)
        if hit is not None:
            self.select(hit)
            return None
        where = self.fraction_at(pos)
        if where is None:
            return None
        side, x, y = where
        site = site_at(side, x, y)
        if site:
            self.add_mark(BodyMark(side, round(x, 4), round(y, 4), site))
        return None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = int(event.key())
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Insert):
            self.add_mark(BodyMark("front", 0.5, 0.26, site_at("front", 0.5, 0.26)))
            return
        if self._selected is None:
            return super().keyPressEvent(event)
        moves: dict[int, tuple[float, float]] = {
            Qt.Key.Key_Left.value: (-STEP, 0.0),
            Qt.Key.Key_Right.value: (STEP, 0.0),
            Qt.Key.Key_Up.value: (0.0, -STEP),
            Qt.Key.Key_Down.value: (0.0, STEP),
        }
        if key in moves:
            self._move(*moves[key])
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.remove_mark(self._selected)
        elif key == Qt.Key.Key_Escape:
            self.select(None)
        elif key == Qt.Key.Key_PageDown and self._marks:
            self.select((self._selected + 1) % len(self._marks))
        elif key == Qt.Key.Key_PageUp and self._marks:
            self.select((self._selected - 1) % len(self._marks))
        else:
            super().keyPressEvent(event)

    def _move(self, dx: float, dy: float) -> None:
        assert self._selected is not None
        mark = self._marks[self._selected]
        x = min(1.0, max(0.0, round(mark.x + dx, 4)))
        y = min(1.0, max(0.0, round(mark.y + dy, 4)))
        moved = replace(mark, x=x, y=y)
        # The proposed site follows the mark until the worker has written their own.
        if mark.site == site_at(mark.side, mark.x, mark.y):
            moved = replace(moved, site=site_at(mark.side, x, y) or mark.site)
        self.update_mark(self._selected, moved)
        self.markSelected.emit(self._selected)

    # --- painting ---------------------------------------------------------------------

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        ink = palette.windowText().color()
        painter.fillRect(self.rect(), palette.base())
        for side, label in (("front", self.tr("Front")), ("back", self.tr("Back"))):
            box = self._box(side)
            painter.setPen(ink)
            painter.drawText(
                QRectF(box.left(), 0, box.width(), box.top()),
                int(Qt.AlignmentFlag.AlignCenter),
                label,
            )
            painter.save()
            painter.translate(box.topLeft())
            painter.scale(box.width(), box.height())
            pen = QPen(ink, 2.0)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.setBrush(palette.window())
            painter.drawPath(_OUTLINE)
            painter.restore()
        radius = self._mark_radius()
        font = QFont(self.font())
        font.setBold(True)
        painter.setFont(font)
        highlight = palette.highlight().color()
        for index, mark in enumerate(self._marks):
            centre = self.point_for(mark.side, mark.x, mark.y)
            selected = index == self._selected
            painter.setPen(QPen(highlight if selected else ink, 3.0 if selected else 1.5))
            painter.setBrush(palette.base())
            painter.drawEllipse(centre, radius, radius)
            painter.setPen(ink)
            painter.drawText(
                QRectF(centre.x() - radius, centre.y() - radius, 2 * radius, 2 * radius),
                int(Qt.AlignmentFlag.AlignCenter),
                str(index + 1),
            )
        if self.hasFocus():
            painter.setPen(QPen(highlight, 1.0, Qt.PenStyle.DashLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(self.rect().adjusted(1, 1, -2, -2))


class BodyMarkEditor(QWidget):
    """Site, size, shape, colour and whether the skin is broken, for the selected mark."""

    def __init__(self, body_map: BodyMapWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._map = body_map
        self._filling = False
        form = QFormLayout(self)
        self.heading = QLabel()
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        form.addRow(self.heading)
        self.site = mark_content(QLineEdit())
        self.mark_size = mark_content(QLineEdit())
        self.shape = mark_content(QLineEdit())
        self.colour = mark_content(QLineEdit())
        self.skin_broken = QComboBox()
        for text, value in zip(flag_labels(), (None, True, False), strict=True):
            self.skin_broken.addItem(text, value)
        self.remove_button = QPushButton(self.tr("Remove mark"))
        for widget, label in (
            (self.site, self.tr("Site")),
            (self.mark_size, self.tr("Size")),
            (self.shape, self.tr("Shape")),
            (self.colour, self.tr("Colour")),
            (self.skin_broken, self.tr("Skin broken")),
        ):
            widget.setAccessibleName(label)
            form.addRow(label, widget)
        form.addRow(self.remove_button)
        for line in (self.site, self.mark_size, self.shape, self.colour):
            line.textEdited.connect(self._write)
        self.skin_broken.currentIndexChanged.connect(self._write)
        self.remove_button.clicked.connect(self._remove)
        body_map.markSelected.connect(self._show)
        self._show(-1)

    def _show(self, index: int) -> None:
        self._filling = True
        chosen = index >= 0
        for widget in (
            self.site,
            self.mark_size,
            self.shape,
            self.colour,
            self.skin_broken,
            self.remove_button,
        ):
            widget.setEnabled(chosen)
        if chosen:
            mark = self._map.marks()[index]
            self.heading.setText(self.tr("Mark %1").replace("%1", str(index + 1)))
            self.site.setText(mark.site)
            self.mark_size.setText(mark.size)
            self.shape.setText(mark.shape)
            self.colour.setText(mark.colour)
            self.skin_broken.setCurrentIndex(max(0, self.skin_broken.findData(mark.skin_broken)))
        else:
            self.heading.setText(self.tr("No mark selected"))
            for line in (self.site, self.mark_size, self.shape, self.colour):
                line.setText("")
            self.skin_broken.setCurrentIndex(0)
        self._filling = False

    def _write(self) -> None:
        index = self._map.selected_index()
        if self._filling or index is None:
            return
        mark = self._map.marks()[index]
        self._map.update_mark(
            index,
            replace(
                mark,
                site=self.site.text(),
                size=self.mark_size.text(),
                shape=self.shape.text(),
                colour=self.colour.text(),
                skin_broken=self.skin_broken.currentData(),
            ),
        )

    def _remove(self) -> None:
        index = self._map.selected_index()
        if index is not None:
            self._map.remove_mark(index)
            self._map.setFocus()


class BodyMapPanel(QWidget):
    """The map, the selected mark's details, and one line saying how to use them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        hint = QLabel(
            self.tr(
                "Click where the mark is, or press Enter. Arrow keys move the selected mark; "
                "Delete removes it."
            )
        )
        hint.setWordWrap(True)
        hint.setObjectName("status")
        row = QHBoxLayout()
        self.map = BodyMapWidget()
        self.editor = BodyMarkEditor(self.map)
        row.addWidget(self.map, 3)
        row.addWidget(self.editor, 2)
        layout.addWidget(hint)
        layout.addLayout(row)
        self.setFocusProxy(self.map)
