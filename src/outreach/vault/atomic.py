"""Replace a small file so that a crash at any instant leaves the old or the new bytes."""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Callable
from pathlib import Path

from outreach.vault.errors import StorageError

# Called with the name of each step as it completes; tests use it to kill the process
# between steps and prove that one of the two versions always survives.
StepHook = Callable[[str], None]

STEPS = ("temp_written", "temp_synced", "renamed", "directory_synced")


def storage_error(exc: OSError, path: Path) -> StorageError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return StorageError("full", path)
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return StorageError("read_only", path)
    if exc.errno == errno.ENOENT:
        return StorageError("missing", path)
    return StorageError("io", path)


def write_atomic(path: Path, data: bytes, *, on_step: StepHook | None = None) -> None:
    step = on_step or (lambda _name: None)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(
            temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o600
        )
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            step("temp_written")
            os.fsync(fd)
            step("temp_synced")
        finally:
            os.close(fd)
        os.replace(temp, path)
        step("renamed")
        _sync_directory(path.parent)
        step("directory_synced")
    except OSError as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise storage_error(exc, path) from exc


def publish(temp: Path, path: Path) -> None:
    """Give a finished file its name: on disk first, then renamed, the rename on disk too,
    so ``path`` never names a file that is not whole."""
    try:
        fd = os.open(temp, os.O_RDWR | getattr(os, "O_BINARY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, path)
        _sync_directory(path.parent)
    except OSError as exc:
        raise storage_error(exc, path) from exc


def _sync_directory(directory: Path) -> None:
    # The rename is durable only once the directory entry is; Windows has no such call.
    if os.name == "nt":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
