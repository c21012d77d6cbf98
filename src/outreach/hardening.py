"""Process hardening: no core dumps, so a crash never writes decrypted memory to disk."""

from __future__ import annotations

import ctypes
import sys

_PR_SET_DUMPABLE = 4


def disable_core_dumps() -> bool:
    """True when core dumps are now off for this process."""
    if sys.platform == "win32":
        # Windows Error Reporting dumps are governed by machine policy (see packaging docs).
        return False
    import resource

    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError):
        return False
    if sys.platform.startswith("linux"):
        # Also stops core-dump helpers (systemd-coredump) that ignore RLIMIT_CORE.
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
        except (OSError, AttributeError):
            return False
    return core_dumps_disabled()


def core_dumps_disabled() -> bool:
    if sys.platform == "win32":
        return False
    import resource

    soft, _hard = resource.getrlimit(resource.RLIMIT_CORE)
    return soft == 0
