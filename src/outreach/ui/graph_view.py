"""The connections graph: young people in the middle, what links them around the outside.

A bipartite radial layout, computed in one pass: young people on an inner ring, and each
vehicle, person, phone, handle or place on an outer ring at the mean angle of the young
people it was seen with, so that what links the same children sits together. It costs
O(nodes + edges), which keeps 5,000 nodes well under a second, where a force-directed
layout in Python would take many. The list beside it is the text alternative.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QWidget,
)

from outreach.links.index import Graph
from outreach.ui.labels import entity_label

NODE = 14.0
LABEL_FROM_PX = 9.0  # labels show once a node is this big on screen
SMOOTH_EDGES_UP_TO = 2_000
EDGE_BUDGET = 15_000  # the strongest links drawn; every node is drawn whatever the count
NAMED_ENTITIES_UP_TO = 800  # beyond this, names are in tooltips, not on the picture
KIND_COLOURS = {
    "vehicle": "#c0504d",
    "person": "#8064a2",
    "phone": "#4bacc6",
    "handle": "#f79646",
    "place": "#9bbb59",
}


def radial_layout(graph: Graph) -> tuple[dict[str, QPointF], dict[int, QPointF]]:
    people = sorted(graph.people, key=lambda p: -graph.people[p])
    outer = max(300.0, len(graph.entities) * NODE * 1.6 / (2 * math.pi))
    # The inner ring is a good part of the outer one, so its names have room to read.
    inner = max(120.0, len(people) * NODE * 2.2 / (2 * math.pi), outer * 0.45)
    angle_of = {p: 2 * math.pi * i / max(1, len(people)) for i, p in enumerate(people)}
    people_at = {p: QPointF(inner * math.cos(a), inner * math.sin(a)) for p, a in angle_of.items()}
    around: dict[int, list[float]] = {}
    for person, entity, _times in graph.edges:
        around.setdefault(entity, []).append(angle_of[person])
    wanted = []
    for entity in graph.entities:
        angles = around.get(entity, [])  # none when its links were not all drawn
        x = sum(math.cos(a) for a in angles)
        y = sum(math.sin(a) for a in angles)
        wanted.append((math.atan2(y, x) if angles else 0.0, entity))
    wanted.sort()
    # Spread evenly in the order of their wished-for angles: no two overlap.
    entities_at = {}
    for i, (_angle, entity) in enumerate(wanted):
        a = wanted[0][0] + 2 * math.pi * i / max(1, len(wanted))
        entities_at[entity] = QPointF(outer * math.cos(a), outer * math.sin(a))
    return people_at, entities_at


def legend_html() -> str:
    """The colours of the outer ring, in words."""
    return " ".join(
        f"<span style='color:{colour}'>●</span> {entity_label(kind)}"
        for kind, colour in KIND_COLOURS.items()
    )


class EdgesItem(QGraphicsPathItem):
    """Many edges as one path; drawn without antialiasing when there are thousands
    (antialiased, 10,000 edges took over a second to paint)."""

    def __init__(self, path: QPainterPath, smooth: bool) -> None:
        super().__init__(path)
        self._smooth = smooth

    def paint(self, painter: QPainter, option: object, widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, self._smooth)
        super().paint(painter, option, widget)  # type: ignore[arg-type]


class GraphView(QGraphicsView):
    personActivated = Signal(str)
    entityActivated = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName(self.tr("Connections graph"))
        self.nodes: dict[tuple[str, str], QGraphicsItem] = {}
        self._labels: list[QGraphicsSimpleTextItem] = []
        self.edges_drawn = 0

    def show_graph(self, graph: Graph, person_name: Callable[[str], str]) -> None:
        scene = self.scene()
        scene.clear()
        self.nodes = {}
        self._labels = []
        people_at, entities_at = radial_layout(graph)
        ink = self.palette().windowText().color()
        # Tens of thousands of lines are one grey disc, and slow: the strongest links
        # are drawn, every node still is, and the description says how many are left out.
        drawn = graph.edges
        if len(drawn) > EDGE_BUDGET:
            drawn = heapq.nlargest(EDGE_BUDGET, graph.edges, key=lambda edge: edge[2])
        self.edges_drawn = len(drawn)
        # Edges as a few paths (one per width) rather than an item each: thousands of
        # line items made the first paint of 5,000 nodes take seconds.
        paths: dict[float, QPainterPath] = {}
        for person, linked, times in drawn:
            width = min(6.0, 1.0 + (times // 2))
            path = paths.setdefault(width, QPainterPath())
            path.moveTo(people_at[person])
            path.lineTo(entities_at[linked])
        base = self.palette().base().color()
        # An opaque mix of ink and background: blending thousands of translucent lines
        # is what costs most when painting.
        faint = QColor(
            (ink.red() + 2 * base.red()) // 3,
            (ink.green() + 2 * base.green()) // 3,
            (ink.blue() + 2 * base.blue()) // 3,
        )
        smooth = len(drawn) <= SMOOTH_EDGES_UP_TO
        for width, path in paths.items():
            pen = QPen(faint, width)
            pen.setCosmetic(True)
            edges = EdgesItem(path, smooth)
            edges.setPen(pen)
            edges.setZValue(-1)
            scene.addItem(edges)
        people_brush = QBrush(self.palette().highlight().color())
        for person, at in people_at.items():
            self._node(at, people_brush, person_name(person), ("person", person))
        named = len(entities_at) <= NAMED_ENTITIES_UP_TO
        for entity_id, at in entities_at.items():
            entity = graph.entities[entity_id]
            brush = QBrush(QColor(KIND_COLOURS.get(entity.kind, "#888888")))
            label = entity.label if named else ""  # beyond that, the tooltip names it
            item = self._node(at, brush, label, ("entity", str(entity_id)))
            item.setToolTip(f"{entity_label(entity.kind)}: {entity.label}")
        description = (
            self.tr("Young people: %1. Linking vehicles, people, phones, handles and places: %2.")
            .replace("%1", str(len(people_at)))
            .replace("%2", str(len(entities_at)))
        )
        total = max(graph.edges_total, len(graph.edges))
        if len(drawn) < total:
            description += " " + self.tr("Showing the %1 strongest of %2 links.").replace(
                "%1", str(len(drawn))
            ).replace("%2", str(total))
        self.setAccessibleDescription(description)
        scene.setSceneRect(scene.itemsBoundingRect().adjusted(-40, -40, 40, 40))
        self.fit()

    def _node(
        self, at: QPointF, brush: QBrush, label: str, ident: tuple[str, str]
    ) -> QGraphicsEllipseItem:
        item = self.scene().addEllipse(
            QRectF(at.x() - NODE / 2, at.y() - NODE / 2, NODE, NODE), QPen(Qt.PenStyle.NoPen), brush
        )
        item.setData(0, ident)
        item.setToolTip(label)
        if not label:
            self.nodes[ident] = item
            return item
        text = QGraphicsSimpleTextItem(label, item)
        text.setBrush(self.palette().windowText())
        text.setPos(at.x() + NODE * 0.7, at.y() - NODE * 0.6)
        text.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        if ident[0] == "entity":  # young people are few: their names always show
            self._labels.append(text)
        self.nodes[ident] = item
        return item

    def _show_labels(self) -> None:
        """Names only once nodes are big enough on screen to tell apart: thousands of
        overlapping labels are unreadable and slow to paint."""
        readable = self.transform().m11() * NODE >= LABEL_FROM_PX or len(self._labels) <= 150
        for label in self._labels:
            label.setVisible(readable)

    def fit(self) -> None:
        if self.scene().items():
            self.fitInView(self.scene().sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)
        self._show_labels()

    def zoom(self, factor: float) -> None:
        self.scale(factor, factor)
        self._show_labels()

    def wheelEvent(self, event: QWheelEvent) -> None:
        self.zoom(1.15 if event.angleDelta().y() > 0 else 1 / 1.15)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom(1.25)
        elif key == Qt.Key.Key_Minus:
            self.zoom(0.8)
        elif key == Qt.Key.Key_0:
            self.fit()
        else:
            super().keyPressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.activate_at(event.position().toPoint())

    def activate_at(self, point: object) -> bool:
        """Open what is under a point of the viewport: its young person or its links."""
        item = self.itemAt(point)  # type: ignore[call-overload]
        while item is not None and item.data(0) is None:
            item = item.parentItem()
        if item is None:
            return False
        kind, ident = item.data(0)
        if kind == "person":
            self.personActivated.emit(ident)
        else:
            self.entityActivated.emit(int(ident))
        return True
