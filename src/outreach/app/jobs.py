"""Plain work on a thread pool, results delivered back on the main thread as signals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class _Relay(QObject):
    finished = Signal(object)
    failed = Signal(object)


class _Task(QRunnable):
    def __init__(self, work: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._work = work
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._work()
        except BaseException as exc:  # handed to the main thread, never swallowed
            self._relay.failed.emit(exc)
        else:
            self._relay.finished.emit(result)


class BackgroundRunner(QObject):
    """Runs a callable off the UI thread; ``done``/``error`` run on the main thread."""

    def __init__(self, pool: QThreadPool | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = pool or QThreadPool(self)
        self._relays: set[_Relay] = set()

    def submit(
        self,
        work: Callable[[], Any],
        done: Callable[[Any], None],
        error: Callable[[BaseException], None],
    ) -> None:
        relay = _Relay(self)  # lives on the main thread, so its signals are queued there
        self._relays.add(relay)

        def finish(result: Any) -> None:
            self._relays.discard(relay)
            relay.deleteLater()
            done(result)

        def fail(exc: BaseException) -> None:
            self._relays.discard(relay)
            relay.deleteLater()
            error(exc)

        relay.finished.connect(finish)
        relay.failed.connect(fail)
        self._pool.start(_Task(work, relay))

    def wait(self, msecs: int = -1) -> bool:
        return self._pool.waitForDone(msecs)
