"""Failed unlocks: a growing wait after each one, remembered across restarts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

from outreach.vault.atomic import write_atomic

MAX_DELAY_SECONDS = 60.0


def delay_after(failures: int) -> float:
    """1 s after the first failure, doubling to a minute: a typo costs nothing, guessing a lot."""
    if failures <= 0:
        return 0.0
    # The exponent is capped: past the cap the delay is the maximum anyway, and 2.0 ** 1024
    # would overflow after a night of guessing where policy does not wipe.
    return min(2.0 ** min(failures - 1, 30), MAX_DELAY_SECONDS)


# A NamedTuple, not a dataclass: defined without compiling methods, before the first window.
class UnlockState(NamedTuple):
    failures: int = 0
    last_failure_at: float = 0.0

    def wait(self, now: float) -> float:
        if self.failures == 0:
            return 0.0
        if now < self.last_failure_at:
            # The clock was set back since (by NTP, or by hand): how long ago the failure
            # was is unknown, and waiting for the clock to catch up could take days. The
            # count, and a wipe it leads to, stand; only this wait is over, which is no more
            # than deleting this file would give (docs/threat-model.md).
            return 0.0
        return max(0.0, self.last_failure_at + delay_after(self.failures) - now)


def read_unlock_state(path: Path) -> UnlockState:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return UnlockState(int(data["failures"]), float(data["last_failure_at"]))
    except FileNotFoundError:
        return UnlockState()
    except (OSError, ValueError, KeyError, TypeError):
        # A damaged counter must not lock the worker out or reset to zero silently:
        # treat it as one recent failure, which costs a second at most.
        return UnlockState(1, 0.0)


def write_unlock_state(path: Path, state: UnlockState) -> None:
    if state.failures == 0:
        path.unlink(missing_ok=True)
        return
    payload = {"failures": state.failures, "last_failure_at": state.last_failure_at}
    write_atomic(path, json.dumps(payload).encode("utf-8"))
