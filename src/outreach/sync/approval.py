"""What the approval screen shows and what approving does, over the vault."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from outreach.contract.summary import Summary
from outreach.records.keep_asking import KeepAsking
from outreach.records.store import RecordStore
from outreach.sync.outbox import Outbox, OutboxItem
from outreach.sync.summary import Context, Sharing, build
from outreach.vault.audit import utc_now


@dataclass(frozen=True)
class SummaryRules:
    """The policy that shapes every summary."""

    names_sent: bool = False
    sharing: Sharing = Sharing.WORKER_CHOOSES


class Approvals:
    def __init__(
        self,
        store: RecordStore,
        rules: SummaryRules = SummaryRules(),
        *,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self._store = store
        self._rules = rules
        self.outbox = Outbox(store.db, now=now)

    @property
    def rules(self) -> SummaryRules:
        return self._rules

    def preview(self, uid: str, *, account: str = "", include: Sequence[str] = ()) -> Summary:
        """Exactly what approving now would send. Raises ``CannotInclude`` for an item
        policy forbids or that is too long, ``RecordNotFound`` for an unknown contact."""
        sealed = self._store.contact(uid)
        people = {pid: self._store.person(pid) for pid in sealed.contact.people}
        db = self._store.db
        questions = KeepAsking(db).open_questions(list(people))
        nudges = [
            key
            for (key,) in db.query(
                "SELECT DISTINCT nudge_key FROM nudge_acks WHERE person_id IN "  # noqa: S608
                f"({', '.join('?' * len(people))}) ORDER BY nudge_key",
                list(people),
            )
        ] if people else []  # fmt: skip
        context = Context(people, [q.text for q in questions], nudges)
        # How often the language check flagged the filed wording: counts only, no text.
        prompts = db.scalar(
            "SELECT coalesce(sum(lc.count), 0) FROM language_counts lc "
            "JOIN contacts c ON c.id = lc.contact_id WHERE c.uid = ? AND c.is_current = 1",
            (uid,),
        )
        return build(
            sealed,
            context,
            version=self.outbox.next_version(uid),
            account=account,
            include=include,
            names_sent=self._rules.names_sent,
            sharing=self._rules.sharing,
            language_prompts=int(prompts),
        )

    def approve(self, summary: Summary) -> OutboxItem:
        """Queue the summary the worker saw, byte for byte."""
        return self.outbox.approve(summary)
