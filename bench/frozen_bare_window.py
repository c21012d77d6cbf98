"""The floor for bench_frozen_start.py: a bare PySide6 window, frozen with the app's own
spec, shown once and then gone (as the app is with OUTREACH_EXIT_WHEN_SHOWN=1)."""

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

app = QApplication(sys.argv[:1])
window = QMainWindow()
window.resize(900, 640)
window.show()
QTimer.singleShot(0, app.quit)
sys.exit(app.exec())
