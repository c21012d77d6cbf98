"""Housekeeping an operator runs from cron: idempotency records past their retention."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, delete

from outreach.hub.clock import Clock, stamp, utc_now
from outreach.hub.settings import HubSettings
from outreach.hub.tables import idempotency


def purge(engine: Engine, settings: HubSettings, *, now: Clock = utc_now) -> int:
    """Remove idempotency records older than ``idempotency_days``; returns how many."""
    cutoff = stamp(now() - timedelta(days=settings.idempotency_days))
    with engine.begin() as conn:
        return conn.execute(delete(idempotency).where(idempotency.c.created_at < cutoff)).rowcount
