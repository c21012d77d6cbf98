"""Watchers that lock the vault: idle input, the machine sleeping, the session locking.

Each emits a signal; the composition root connects them to ``Session.lock``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from PySide6.QtCore import SLOT, QEvent, QObject, QTimer, Signal, Slot

_INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TabletPress,
    }
)


class IdleWatcher(QObject):
    """Emits ``idle`` after the given minutes with no keyboard, mouse or touch input."""

    idle = Signal()

    def __init__(self, minutes: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.idle)
        self.set_minutes(minutes)

    def set_minutes(self, minutes: int) -> None:
        self.set_interval_ms(max(1, minutes) * 60_000)

    def set_interval_ms(self, msecs: int) -> None:
        self._timer.setInterval(msecs)
        if self._timer.isActive():
            self._timer.start()

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT_EVENTS and self._timer.isActive():
            self._timer.start()
        return False


class SleepWatcher(QObject):
    """Notices the machine sleeping: the wall clock jumps ahead of the monotonic clock.

    Works on every OS without platform hooks (monotonic time stops during suspend on
    Linux and macOS); the Linux D-Bus signals below catch it sooner where present.
    """

    slept = Signal()

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        wall: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        tolerance_s: float = 30.0,
        period_ms: int = 5_000,
    ) -> None:
        super().__init__(parent)
        self._wall = wall
        self._monotonic = monotonic
        self._tolerance = tolerance_s
        self._last = (wall(), monotonic())
        self._timer = QTimer(self)
        self._timer.setInterval(period_ms)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    @Slot()
    def check(self) -> None:
        wall, mono = self._wall(), self._monotonic()
        gap = (wall - self._last[0]) - (mono - self._last[1])
        self._last = (wall, mono)
        if gap > self._tolerance:
            self.slept.emit()


class DesktopLockWatcher(QObject):
    """Linux: logind's PrepareForSleep and Lock, and the screensaver turning on."""

    locking = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.connected: list[str] = []
        if not sys.platform.startswith("linux"):
            return
        from PySide6.QtDBus import QDBusConnection

        system = QDBusConnection.systemBus()
        session = QDBusConnection.sessionBus()
        hooks = (
            (
                system,
                "org.freedesktop.login1",
                "/org/freedesktop/login1",
                "org.freedesktop.login1.Manager",
                "PrepareForSleep",
                "on_bool(bool)",
            ),
            (
                system,
                "org.freedesktop.login1",
                "",
                "org.freedesktop.login1.Session",
                "Lock",
                "on_signal()",
            ),
            (
                session,
                "",
                "/org/freedesktop/ScreenSaver",
                "org.freedesktop.ScreenSaver",
                "ActiveChanged",
                "on_bool(bool)",
            ),
        )
        for bus, service, path, interface, name, slot in hooks:
            if not bus.isConnected():
                continue
            # PySide6 takes the SLOT() string here, though its stubs say bytes.
            receiver_slot: object = SLOT(slot)
            if bus.connect(service, path, interface, name, self, receiver_slot):  # type: ignore[call-overload]
                self.connected.append(name)

    @Slot(bool)
    def on_bool(self, active: bool) -> None:
        if active:
            self.locking.emit()

    @Slot()
    def on_signal(self) -> None:
        self.locking.emit()
