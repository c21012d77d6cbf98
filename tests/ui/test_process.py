"""Process-wide pieces: one instance per data folder, the crash hook, the signal guard."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Signal

from outreach.app.instance import InstanceLock
from outreach.logs import LOG_FILE_NAME, install_exception_hook, setup_logging

ROOT = Path(__file__).resolve().parents[2]


def test_a_second_instance_on_the_same_folder_is_refused(tmp_path) -> None:
    first = InstanceLock(tmp_path / "outreach.lock")
    second = InstanceLock(tmp_path / "outreach.lock")
    assert first.acquire()
    try:
        assert not second.acquire()
    finally:
        first.release()
    assert second.acquire()
    second.release()


def test_other_folders_are_independent(tmp_path) -> None:
    one = InstanceLock(tmp_path / "a.lock")
    two = InstanceLock(tmp_path / "b.lock")
    assert one.acquire()
    assert two.acquire()
    one.release()
    two.release()


def test_a_lock_left_by_a_crashed_process_is_taken_over(tmp_path) -> None:
    lock_path = tmp_path / "outreach.lock"
    crashed = textwrap.dedent(
        f"""
        import os
        from outreach.app.instance import InstanceLock
        held = InstanceLock({str(lock_path)!r})
        assert held.acquire()
        os._exit(0)  # no release, no destructors: as if it crashed
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    subprocess.run([sys.executable, "-c", crashed], env=env, check=True, timeout=60)
    assert lock_path.exists()
    survivor = InstanceLock(lock_path)
    assert survivor.acquire()
    survivor.release()


@pytest.fixture
def outreach_logger():
    logger = logging.getLogger("outreach")
    handlers, level = list(logger.handlers), logger.level
    yield logger
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
    for handler in handlers:
        logger.addHandler(handler)
    logger.setLevel(level)


def _raise_with_content() -> None:
    child_name = "canary-child-name-7719"
    raise ValueError(f"no record for {child_name}")


def test_the_exception_hook_logs_type_and_frames_never_the_message(
    tmp_path, monkeypatch, outreach_logger
) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    log_file = setup_logging(tmp_path / "logs")
    assert log_file == tmp_path / "logs" / LOG_FILE_NAME
    told: list[bool] = []
    hook = install_exception_hook(lambda: told.append(True))
    assert sys.excepthook is hook
    try:
        _raise_with_content()
    except ValueError as exc:
        hook(type(exc), exc, exc.__traceback__)
    for handler in outreach_logger.handlers:
        handler.flush()
    text = log_file.read_text("utf-8")
    assert "builtins.ValueError" in text
    assert "_raise_with_content" in text
    assert "test_process.py" in text
    assert "canary-child-name-7719" not in text
    assert "no record for" not in text
    assert told == [True]


def test_keyboard_interrupt_goes_to_the_previous_hook(
    tmp_path, monkeypatch, outreach_logger
) -> None:
    previous: list[type[BaseException]] = []
    monkeypatch.setattr(sys, "excepthook", lambda kind, value, tb: previous.append(kind))
    setup_logging(tmp_path / "logs")
    told: list[bool] = []
    hook = install_exception_hook(lambda: told.append(True))
    hook(KeyboardInterrupt, KeyboardInterrupt(), None)
    assert previous == [KeyboardInterrupt]
    assert told == []


def test_an_exception_in_a_slot_reaches_the_hook_without_content(
    qtbot, tmp_path, monkeypatch, outreach_logger
) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    log_file = setup_logging(tmp_path / "logs")
    assert log_file is not None
    told: list[bool] = []
    install_exception_hook(lambda: told.append(True))

    class Emitter(QObject):
        fired = Signal()

    emitter = Emitter()
    emitter.fired.connect(_raise_with_content)
    with qtbot.capture_exceptions() as captured:
        emitter.fired.emit()
    # pytest-qt takes the exception first; hand it on as Qt would have.
    assert len(captured) == 1
    sys.excepthook(*captured[0])
    for handler in outreach_logger.handlers:
        handler.flush()
    text = log_file.read_text("utf-8")
    assert "builtins.ValueError" in text
    assert "canary-child-name-7719" not in text
    assert told == [True]
