"""Retention after sync: a contact's written detail goes once the hub has had it a while."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from outreach.contract.summary import Submission
from outreach.records.store import RecordStore
from outreach.sync.outbox import Outbox
from outreach.vault.audit import utc_now
from outreach.vault.database import Database


def purge_due(db: Database, after: timedelta, *, now: Callable[[], datetime] = utc_now) -> int:
    """Purge the detail of contacts whose newest summary the hub acknowledged longer than
    ``after`` ago, that have no newer approval waiting and that were not amended since
    that approval (the hub has not had what was written since). The summaries already
    sent keep their structure but lose their free text too. Returns how many were purged."""
    store = RecordStore(db, now=now)
    outbox = Outbox(db, now=now)
    purged = 0
    for uid in outbox.acknowledged_before(now() - after):
        if _amended_since_approval(db, uid):
            continue
        if store.purge_detail(uid, compact=False):
            _strip_sent(db, uid)
            purged += 1
    if purged:
        store.compact_search()
    return purged


def _amended_since_approval(db: Database, uid: str) -> bool:
    return bool(
        db.scalar(
            "SELECT 1 FROM contacts WHERE uid = ? AND is_current = 1 AND sealed_at > "
            "(SELECT max(approved_at) FROM outbox WHERE contact_uid = ?)",
            (uid, uid),
        )
    )


def _strip_sent(db: Database, uid: str) -> None:
    """The bytes of summaries the hub has (acknowledged, or replaced and never to be sent)
    without the instinct, the account and any included text. Items still waiting keep
    their exact bytes: they may yet be sent."""
    rows = db.query(
        "SELECT id, body FROM outbox WHERE contact_uid = ? "
        "AND state IN ('acknowledged', 'replaced')",
        (uid,),
    )
    with db.transaction():
        for item_id, body in rows:
            sent = Submission.model_validate_json(bytes(body))
            kept = sent.summary.model_copy(update={"instinct": "", "account": "", "included": []})
            stripped = Submission(device_seq=sent.device_seq, summary=kept)
            db.execute(
                "UPDATE outbox SET body = ? WHERE id = ?",
                (stripped.model_dump_json().encode(), item_id),
            )
