"""The dashboard's charts: drawn where the numbers say, reachable by keyboard, and the same
numbers in a table for a screen reader."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from outreach.ui.charts import ChartData, ChartPanel, Series

WEEKS = ("2 Nov", "9 Nov", "16 Nov", "23 Nov")


def _coloured_columns(image, y: int) -> list[int]:
    """x positions along row y whose pixel is not the background."""
    background = image.pixelColor(2, 2)
    return [x for x in range(image.width()) if image.pixelColor(x, y) != background]


def test_columns_are_drawn_only_where_there_is_a_value(qtbot) -> None:
    data = ChartData("Missing episodes", WEEKS, (Series("", (0, 0, 0, 5)),))
    panel = ChartPanel(data)
    qtbot.addWidget(panel)
    panel.resize(480, 300)
    panel.show()
    chart = panel.chart
    image = chart.grab().toImage()
    low = int(image.height() * 0.75)  # inside the plot, above the week labels
    marked = _coloured_columns(image, low)
    assert marked, "the last week's column was not drawn"
    assert min(marked) > image.width() * 0.6  # only in the last quarter


def test_arrow_keys_walk_the_points_and_say_each_one(qtbot) -> None:
    data = ChartData(
        "Contacts per week",
        WEEKS,
        (Series("Worker A", (1, 2, 3, 4)), Series("Worker B", (0, 5, 0, 1))),
    )
    panel = ChartPanel(data)
    qtbot.addWidget(panel)
    panel.show()
    chart = panel.chart
    chart.setFocus()
    assert chart.focusPolicy() == Qt.FocusPolicy.StrongFocus
    assert chart.accessibleName() == "Contacts per week"
    qtbot.keyClick(chart, Qt.Key.Key_Right)
    assert chart.focused_index == 1
    assert chart.accessibleDescription() == "9 Nov · Worker A: 2, Worker B: 5"
    for _ in range(10):
        qtbot.keyClick(chart, Qt.Key.Key_Right)
    assert chart.focused_index == 3  # stops at the last
    qtbot.keyClick(chart, Qt.Key.Key_Left)
    assert "16 Nov" in chart.toolTip()


def test_the_table_holds_the_same_numbers(qtbot) -> None:
    data = ChartData(
        "Average worry", WEEKS, (Series("Worry", (2.5, 3.0, 7.25, 0.0)),), kind="line", decimals=1
    )
    panel = ChartPanel(data)
    qtbot.addWidget(panel)
    table = panel.table
    assert table.rowCount() == 4
    assert [table.item(r, 0).text() for r in range(4)] == list(WEEKS)
    assert [table.item(r, 1).text() for r in range(4)] == ["2.5", "3.0", "7.2", "0.0"]
    assert table.accessibleName() == "Average worry, as a table"


def test_horizontal_bars_for_places_and_an_empty_chart_says_so(qtbot) -> None:
    places = ChartData(
        "Places by young people", ("Bus station", "Takeaway"), (Series("", (4, 1)),), kind="bars"
    )
    panel = ChartPanel(places)
    qtbot.addWidget(panel)
    panel.resize(480, 200)
    panel.show()
    image = panel.chart.grab().toImage()
    blue = QColor("#0072B2")
    counts = [
        sum(1 for x in range(image.width()) if image.pixelColor(x, y) == blue)
        for y in range(image.height())
    ]
    bars: list[int] = []  # the widest row of each run of rows with blue in it
    for previous, count in zip([0, *counts], counts, strict=False):
        if count and not previous:
            bars.append(count)
        elif count:
            bars[-1] = max(bars[-1], count)
    assert len(bars) == 2
    assert bars[0] > 3 * bars[1]  # 4 young people against 1
    panel.set_data(ChartData("Nothing", (), ()))
    assert panel.chart.accessibleDescription() == "No data yet"
    assert panel.table.rowCount() == 0
