"""Retention after sync: a contact's written detail goes once the hub has had it a while."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from outreach.records.store import RecordStore
from outreach.sync.outbox import Outbox
from outreach.vault.audit import utc_now
from outreach.vault.database import Database


def purge_due(db: Database, after: timedelta, *, now: Callable[[], datetime] = utc_now) -> int:
    """Purge the detail of contacts whose newest summary the hub acknowledged longer than
    ``after`` ago and that have no newer approval waiting. Returns how many were purged."""
    store = RecordStore(db, now=now)
    outbox = Outbox(db, now=now)
    purged = 0
    for uid in outbox.acknowledged_before(now() - after):
        purged += store.purge_detail(uid)
    return purged
