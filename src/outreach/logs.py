"""Logging to a rotating file in the log folder, never with content.

Log records name events ("vault unlocked", "sync failed: timeout"), never what a
worker typed or who a record is about. Exceptions are logged as their type and stack
frames only: an exception's message can quote data, so it is left out.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

LOG_FILE_NAME = "outreach.log"
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

log = logging.getLogger("outreach")


def setup_logging(log_dir: Path, *, level: int = logging.INFO, rotate: bool = True) -> Path | None:
    """Start the rotating log; returns its path, or None when the folder cannot be written.

    With ``rotate=False`` records go to the same file, without the size check: the desktop
    app logs that way until its first window shows, then calls this again (``run_gui``),
    because importing ``logging.handlers`` (with ``socket`` and ``pickle``) took about
    10 ms of the frozen app's start (bench/README.md)."""
    root = logging.getLogger("outreach")
    root.setLevel(level)
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler
        if rotate:
            from logging.handlers import RotatingFileHandler

            handler = RotatingFileHandler(
                log_dir / LOG_FILE_NAME, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
            )
        else:
            handler = logging.FileHandler(log_dir / LOG_FILE_NAME, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter(_FORMAT))
    for old in list(root.handlers):
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    return log_dir / LOG_FILE_NAME


def describe_exception(kind: type[BaseException], tb: TracebackType | None) -> str:
    """Type and frames, without the message (which may carry content)."""
    frames = traceback.extract_tb(tb)
    lines = [f"{kind.__module__}.{kind.__qualname__}"]
    lines += [f"  {f.filename}:{f.lineno} in {f.name}" for f in frames]
    return "\n".join(lines)


ExceptionHook = Callable[[type[BaseException], BaseException, TracebackType | None], None]


def install_exception_hook(on_error: Callable[[], None]) -> ExceptionHook:
    """Log unhandled exceptions safely, then let the UI tell the worker calmly."""
    previous = sys.excepthook

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            previous(kind, value, tb)
            return
        log.error("unhandled error\n%s", describe_exception(kind, tb))
        on_error()

    sys.excepthook = hook
    return hook
