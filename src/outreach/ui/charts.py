"""Charts drawn with QPainter, each with the same numbers as a plain table beside it.

A chart is a picture for the eye; the table is the same data for a screen reader and for
anyone who wants the exact figures. Both are reachable with the keyboard: Tab moves to the
chart, the arrow keys step through its points (the one in focus is outlined and described
in the accessible description and the tooltip line under it), and the Table tab shows the
numbers. Series are told apart by colour and by a pattern, never by colour alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFocusEvent,
    QFontMetrics,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import (
    QLabel,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

# Colour-blind-safe (Okabe and Ito), each with its own fill pattern.
_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
_PATTERNS = (
    Qt.BrushStyle.SolidPattern,
    Qt.BrushStyle.BDiagPattern,
    Qt.BrushStyle.Dense4Pattern,
    Qt.BrushStyle.FDiagPattern,
    Qt.BrushStyle.CrossPattern,
    Qt.BrushStyle.Dense6Pattern,
    Qt.BrushStyle.DiagCrossPattern,
)


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float, ...]  # one per category


@dataclass(frozen=True)
class ChartData:
    """Categories along one axis (weeks, places), one or more series of values."""

    title: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    kind: str = "columns"  # "columns" (stacked), "bars" (horizontal) or "line"
    value_label: str = ""
    decimals: int = 0

    def value_text(self, value: float) -> str:
        return f"{value:.{self.decimals}f}"

    def total(self, index: int) -> float:
        return sum(s.values[index] for s in self.series)


class Chart(QWidget):
    """One chart. Focusable; Left/Right (or Up/Down for bars) step through categories."""

    def __init__(self, data: ChartData, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._data = data
        self._focus = 0
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName(data.title)
        self.setAccessibleDescription(self.describe())

    @property
    def data(self) -> ChartData:
        return self._data

    @property
    def focused_index(self) -> int:
        return self._focus

    def set_data(self, data: ChartData) -> None:
        self._data = data
        self._focus = min(self._focus, max(len(data.categories) - 1, 0))
        self.setAccessibleName(data.title)
        self.setAccessibleDescription(self.describe())
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(420, 240)

    def describe(self, index: int | None = None) -> str:
        """The category in focus (or the first) in words: what a screen reader says."""
        data = self._data
        if not data.categories or not data.series:
            return self.tr("No data yet")
        i = self._focus if index is None else index
        parts = [f"{s.name}: {data.value_text(s.values[i])}" for s in data.series if s.name]
        if not parts:
            parts = [data.value_text(data.series[0].values[i])]
        return f"{data.categories[i]} · " + ", ".join(parts)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        count = len(self._data.categories)
        step = {
            Qt.Key.Key_Right: 1,
            Qt.Key.Key_Down: 1,
            Qt.Key.Key_Left: -1,
            Qt.Key.Key_Up: -1,
        }.get(Qt.Key(event.key()))
        if step is None or count == 0:
            super().keyPressEvent(event)
            return
        self._focus = max(0, min(count - 1, self._focus + step))
        self.setAccessibleDescription(self.describe())
        self.setToolTip(self.describe())
        self.update()

    def focusInEvent(self, event: QFocusEvent) -> None:
        self.setToolTip(self.describe())
        super().focusInEvent(event)
        self.update()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.update()

    # --- drawing ------------------------------------------------------------------------

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text_colour = palette.color(QPalette.ColorRole.WindowText)
        metrics = QFontMetrics(self.font())
        data = self._data
        if not data.categories or not data.series:
            painter.setPen(text_colour)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.tr("No data yet"))
            return
        legend_height = metrics.height() + 6 if len(data.series) > 1 else 0
        area = QRectF(self.rect()).adjusted(8, 8 + legend_height, -8, -8)
        if data.kind == "bars":
            self._draw_bars(painter, area, metrics, text_colour)
        else:
            self._draw_columns(painter, area, metrics, text_colour)
        if legend_height:
            self._draw_legend(painter, metrics, text_colour)
        if self.hasFocus():
            pen = QPen(palette.color(QPalette.ColorRole.Highlight), 2, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(self.rect()).adjusted(1, 1, -1, -1))

    def _scale_max(self) -> float:
        data = self._data
        if data.kind == "line":
            top = max((v for s in data.series for v in s.values), default=0.0)
        else:
            top = max((data.total(i) for i in range(len(data.categories))), default=0.0)
        return top if top > 0 else 1.0

    def _draw_legend(self, painter: QPainter, metrics: QFontMetrics, text: QColor) -> None:
        x = 8.0
        for n, series in enumerate(self._data.series):
            box = QRectF(x, 8, metrics.height() * 0.8, metrics.height() * 0.8)
            self._fill(painter, box, n)
            painter.setPen(text)
            painter.drawText(QPointF(box.right() + 4, box.bottom()), series.name)
            x = box.right() + 12 + metrics.horizontalAdvance(series.name)

    def _fill(self, painter: QPainter, rect: QRectF, n: int) -> None:
        colour = QColor(_COLOURS[n % len(_COLOURS)])
        painter.setPen(QPen(colour.darker(130), 1))
        painter.setBrush(QBrush(colour, _PATTERNS[n % len(_PATTERNS)]))
        painter.drawRect(rect)

    def _draw_columns(
        self, painter: QPainter, area: QRectF, metrics: QFontMetrics, text: QColor
    ) -> None:
        data = self._data
        count = len(data.categories)
        label_height = metrics.height() + 4
        axis_width = metrics.horizontalAdvance(data.value_text(self._scale_max())) + 6
        plot = area.adjusted(axis_width, 0, 0, -label_height)
        top = self._scale_max()
        painter.setPen(text)
        painter.drawText(
            QRectF(area.left(), plot.top(), axis_width - 4, metrics.height()),
            Qt.AlignmentFlag.AlignRight,
            data.value_text(top),
        )
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        slot = plot.width() / count
        every = max(1, int(count / max(1.0, plot.width() / (metrics.averageCharWidth() * 8))))
        points: list[list[QPointF]] = [[] for _ in data.series]
        for i, category in enumerate(data.categories):
            x = plot.left() + i * slot
            if data.kind == "line":
                for n, series in enumerate(data.series):
                    y = plot.bottom() - plot.height() * series.values[i] / top
                    points[n].append(QPointF(x + slot / 2, y))
            else:
                base = plot.bottom()
                for n, series in enumerate(data.series):
                    height = plot.height() * series.values[i] / top
                    rect = QRectF(x + slot * 0.15, base - height, slot * 0.7, height)
                    if height > 0:
                        self._fill(painter, rect, n)
                    base -= height
            if i == self._focus and self.hasFocus():
                pen = QPen(self.palette().color(QPalette.ColorRole.Highlight), 2)
                painter.setPen(pen)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRect(QRectF(x + 1, plot.top(), slot - 2, plot.height()))
            if i % every == 0:
                painter.setPen(text)
                painter.drawText(
                    QRectF(x - slot, plot.bottom() + 2, slot * 3, label_height),
                    Qt.AlignmentFlag.AlignHCenter,
                    category,
                )
        for n, line in enumerate(points):
            if len(line) > 1:
                colour = QColor(_COLOURS[n % len(_COLOURS)])
                style = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine)[n % 3]
                painter.setPen(QPen(colour, 2, style))
                painter.drawPolyline(line)
            for point in line:
                self._fill(painter, QRectF(point.x() - 3, point.y() - 3, 6, 6), n)

    def _draw_bars(
        self, painter: QPainter, area: QRectF, metrics: QFontMetrics, text: QColor
    ) -> None:
        data = self._data
        count = len(data.categories)
        label_width = min(
            area.width() * 0.45,
            max(metrics.horizontalAdvance(c) for c in data.categories) + 8,
        )
        value_width = metrics.horizontalAdvance(data.value_text(self._scale_max())) + 8
        plot = area.adjusted(label_width, 0, -value_width, 0)
        slot = min(plot.height() / count, metrics.height() * 1.8)
        top = self._scale_max()
        for i, category in enumerate(data.categories):
            y = plot.top() + i * slot
            painter.setPen(text)
            painter.drawText(
                QRectF(area.left(), y, label_width - 6, slot),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                metrics.elidedText(category, Qt.TextElideMode.ElideRight, int(label_width - 6)),
            )
            left = plot.left()
            for n, series in enumerate(data.series):
                width = plot.width() * series.values[i] / top
                if width > 0:
                    self._fill(painter, QRectF(left, y + slot * 0.15, width, slot * 0.7), n)
                left += width
            painter.setPen(text)
            painter.drawText(
                QRectF(left + 4, y, value_width, slot),
                Qt.AlignmentFlag.AlignVCenter,
                data.value_text(data.total(i)),
            )
            if i == self._focus and self.hasFocus():
                painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Highlight), 2))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRect(QRectF(area.left(), y, area.width(), slot))


def fill_table(table: QTableWidget, data: ChartData) -> None:
    """The chart's numbers as rows: a category per row, a column per series."""
    names = [s.name or data.value_label or data.title for s in data.series]
    table.clear()
    table.setColumnCount(1 + len(names))
    table.setRowCount(len(data.categories))
    table.setHorizontalHeaderLabels(["", *names])
    for row, category in enumerate(data.categories):
        table.setItem(row, 0, QTableWidgetItem(category))
        for column, series in enumerate(data.series, 1):
            item = QTableWidgetItem(data.value_text(series.values[row]))
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(row, column, item)
    table.resizeColumnsToContents()


class ChartPanel(QWidget):
    """A titled chart with its table on a second tab."""

    def __init__(self, data: ChartData, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel(data.title)
        self.title.setObjectName("heading")
        self.chart = Chart(data)
        self.table = QTableWidget()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setAccessibleName(self.tr("%1, as a table").replace("%1", data.title))
        self.table.verticalHeader().setVisible(False)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.chart, self.tr("Chart"))
        self.tabs.addTab(self.table, self.tr("Table"))
        self.title.setBuddy(self.chart)
        layout.addWidget(self.title)
        layout.addWidget(self.tabs, 1)
        fill_table(self.table, data)

    def set_data(self, data: ChartData) -> None:
        self.title.setText(data.title)
        self.chart.set_data(data)
        self.table.setAccessibleName(self.tr("%1, as a table").replace("%1", data.title))
        fill_table(self.table, data)
