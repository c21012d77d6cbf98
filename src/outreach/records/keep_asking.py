"""Keep asking, instinct, indicators and nudges, as kept in the vault.

When a contact is filed (in its transaction): what it did to each open question is
applied (only an answer closes one; asked, declined and not now carry forward), the
questions its observations and indicators raise are added for each young person in it
unless already open, worry with nothing observed to explain it adds "What would confirm
or rule this out?", and the language check's counts (never text) are kept.

For a young person it gathers what the prompts look at: open questions (an injury with
no action recorded first), indicators present now and earlier, worry over time, and the
facts the nudges are worked out from.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from outreach.prompts import bank
from outreach.prompts.language import check_language
from outreach.prompts.nudges import Facts, MissingEpisode, Nudge, Thresholds, nudges_for
from outreach.records import codec
from outreach.records.model import (
    InjuryDetails,
    MissingDetails,
    ObservationKind,
    SealedContact,
    YoungPerson,
)
from outreach.vault.audit import utc_now
from outreach.vault.database import Database

UNEXPLAINED_WORRY_FROM = 5  # worry this high with nothing observed asks what would explain it
RECENT_INDICATOR_DAYS = 90  # "present now": indicated in a contact this recent
LEAD_SOURCE = "team_lead"  # the source of a question a team lead asked in a review


@dataclass(frozen=True)
class OpenQuestion:
    id: str
    person_id: str
    text: str
    status: str  # open, asked, declined, not_now
    source: str  # a bank question id, "worker" or "instinct_confirm"
    created_at: datetime


@dataclass(frozen=True)
class UnactionedInjury:
    contact_uid: str
    at: datetime
    sites: str


@dataclass(frozen=True)
class IndicatorHistory:
    now: tuple[str, ...]  # indicated (yes or possible) in the last 90 days
    earlier: tuple[str, ...]  # only before that


_stamp = codec.utc_stamp


class KeepAsking:
    def __init__(
        self,
        db: Database,
        *,
        now: Callable[[], datetime] = utc_now,
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        self._db = db
        self._now = now
        self._new_id = new_id

    # --- on filing (inside the caller's transaction) ------------------------------------

    def filed(self, sealed: SealedContact, contact_id: int) -> None:
        contact = sealed.contact
        stamp = _stamp(self._now())
        for update in contact.questions:
            if update.question_id:
                self._db.execute(
                    "UPDATE questions SET status = ?, answer = ?, answered_in = ?, "
                    "updated_at = ? WHERE id = ? AND person_id = ?",
                    (
                        update.status,
                        update.answer if update.status == "answered" else "",
                        sealed.uid if update.status == "answered" else "",
                        stamp,
                        update.question_id,
                        update.person_id,
                    ),
                )
            else:
                self._add(update.person_id, update.text.strip(), "worker", sealed.uid, stamp,
                          status=update.status, answer=update.answer)  # fmt: skip
        indicated = {m.indicator for m in contact.indicators if m.state in ("yes", "possible")}
        raised = {f"kind.{o.kind.value}" for o in contact.observations}
        raised |= {f"indicator.{i}" for i in indicated}
        if (
            contact.worry is not None
            and contact.worry >= UNEXPLAINED_WORRY_FROM
            and not contact.observations
            and not indicated
        ):
            raised.add("instinct")
        # Raised when a contact is first filed; amending it (a typo, a link to a young
        # person) must not bring back questions that have since been answered.
        for person_id in contact.people if sealed.version == 1 else ():
            for question in bank.questions_raised_by(raised):
                if not self._is_open(person_id, question.id):
                    self._add(person_id, question.text, question.id, sealed.uid, stamp)
        counts: dict[str, int] = {}
        for text in (contact.narrative, contact.instinct):
            for finding in check_language(text):
                counts[finding.rule_id] = counts.get(finding.rule_id, 0) + 1
        self._db.executemany(
            "INSERT INTO language_counts (contact_id, rule_id, count) VALUES (?, ?, ?)",
            [(contact_id, rule, count) for rule, count in sorted(counts.items())],
        )

    def add_from_review(self, contact_uid: str, questions: Sequence[str]) -> int:
        """A team lead's "needs more" questions on a contact, added to the keep-asking list
        of each young person in it (inside the caller's transaction). Returns how many."""
        people = [
            row[0]
            for row in self._db.query(
                "SELECT cp.person_id FROM contacts c JOIN contact_people cp "
                "ON cp.contact_id = c.id WHERE c.uid = ? AND c.is_current = 1",
                (contact_uid,),
            )
        ]
        stamp = _stamp(self._now())
        added = 0
        for person_id in people:
            for text in questions:
                if text.strip() and not self._is_open_text(person_id, text.strip()):
                    self._add(person_id, text.strip(), LEAD_SOURCE, contact_uid, stamp)
                    added += 1
        return added

    def _is_open_text(self, person_id: str, text: str) -> bool:
        return bool(
            self._db.scalar(
                "SELECT 1 FROM questions WHERE person_id = ? AND text = ? AND status != 'answered'",
                (person_id, text),
            )
        )

    def _is_open(self, person_id: str, source: str) -> bool:
        return bool(
            self._db.scalar(
                "SELECT 1 FROM questions WHERE person_id = ? AND source = ? "
                "AND status != 'answered'",
                (person_id, source),
            )
        )

    def _add(
        self,
        person_id: str,
        text: str,
        source: str,
        raised_in: str,
        stamp: str,
        *,
        status: str = "open",
        answer: str = "",
    ) -> None:
        self._db.execute(
            "INSERT INTO questions (id, person_id, text, source, status, answer, raised_in, "
            "answered_in, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                self._new_id(),
                person_id,
                text,
                source,
                status,
                answer if status == "answered" else "",
                raised_in,
                raised_in if status == "answered" else "",
                stamp,
                stamp,
            ),
        )

    # --- reading --------------------------------------------------------------------

    def open_questions(self, person_ids: Sequence[str]) -> list[OpenQuestion]:
        """Questions not yet answered, for these young people, oldest first."""
        if not person_ids:
            return []
        marks = ", ".join("?" * len(person_ids))
        rows = self._db.query(
            "SELECT id, person_id, text, status, source, created_at FROM questions "  # noqa: S608
            f"WHERE person_id IN ({marks}) AND status != 'answered' ORDER BY created_at, rowid",
            list(person_ids),
        )
        return [
            OpenQuestion(i, p, t, s, src, datetime.fromisoformat(at))
            for i, p, t, s, src, at in rows
        ]

    # Reads of one young person's contacts start from contact_people by person: CROSS JOIN
    # fixes that order. Left to choose, SQLite walks every current contact in date order
    # (contacts_current, to skip a sort) testing each for the person, and runs any EXISTS
    # on all of them: 10-200 ms a query at 20,000 contacts, against 1-2 ms.
    def _current(self, person_id: str, columns: str, where: str = "") -> list[tuple[Any, ...]]:
        return self._db.query(
            f"SELECT {columns} FROM contact_people cp "  # noqa: S608
            "CROSS JOIN contacts c ON c.id = cp.contact_id "
            f"WHERE cp.person_id = ? AND c.is_current = 1 {where} ORDER BY c.started_at, c.id",
            (person_id,),
        )

    def _observations(self, person_id: str, *kinds: ObservationKind) -> list[tuple[Any, ...]]:
        """(kind, contact uid, started_at, position, details) of these kinds, oldest first."""
        return self._db.query(
            "SELECT o.kind, c.uid, c.started_at, o.position, o.details "  # noqa: S608
            "FROM contact_people cp CROSS JOIN contacts c ON c.id = cp.contact_id "
            "CROSS JOIN observations o ON o.contact_id = c.id "
            "WHERE cp.person_id = ? AND c.is_current = 1 "
            f"AND o.kind IN ({', '.join('?' * len(kinds))}) "
            "ORDER BY c.started_at, c.id, o.position",
            (person_id, *(k.value for k in kinds)),
        )

    def unactioned_injuries(self, person_id: str) -> list[UnactionedInjury]:
        """Injuries with no action recorded (medical, referral, or none with a reason)."""
        return _unactioned(self._observations(person_id, ObservationKind.INJURY))

    def indicators(self, person_id: str) -> IndicatorHistory:
        since = _stamp(self._now() - timedelta(days=RECENT_INDICATOR_DAYS))
        rows = self._db.query(
            "SELECT ci.indicator, max(c.started_at) FROM contact_people cp "
            "CROSS JOIN contacts c ON c.id = cp.contact_id "
            "CROSS JOIN contact_indicators ci ON ci.contact_id = c.id "
            "WHERE cp.person_id = ? AND c.is_current = 1 AND ci.state IN ('yes', 'possible') "
            "GROUP BY ci.indicator",
            (person_id,),
        )
        order = [i.id for i in bank.indicators()]
        now = sorted((i for i, last in rows if last >= since), key=_position(order))
        earlier = sorted((i for i, last in rows if last < since), key=_position(order))
        return IndicatorHistory(tuple(now), tuple(earlier))

    def worry_series(self, person_id: str) -> list[tuple[datetime, int]]:
        return [
            (datetime.fromisoformat(at), worry)
            for at, worry in self._current(
                person_id, "c.started_at, c.worry", "AND c.worry IS NOT NULL"
            )
        ]

    def facts(self, person: YoungPerson) -> Facts:
        """Three reads: the observations the nudges look at, the contacts (with whether
        each indicated sexual activity or substances), and what was acknowledged."""
        now = self._now()
        observed = self._observations(
            person.id,
            ObservationKind.MISSING,
            ObservationKind.INJURY,
            ObservationKind.EDUCATION_ABSENCE,
        )
        missing = []
        absence_days: list[date] = []
        for kind, uid, started, position, raw in observed:
            if kind == ObservationKind.MISSING.value:
                d = codec.details_from_json(ObservationKind.MISSING, json.loads(raw))
                assert isinstance(d, MissingDetails)
                missing.append(
                    MissingEpisode(
                        f"{uid}:{position}",
                        d.went_missing,
                        d.came_back,
                        d.return_interview_on,
                        datetime.fromisoformat(started),
                    )
                )
            elif kind == ObservationKind.EDUCATION_ABSENCE.value:
                d = codec.details_from_json(ObservationKind.EDUCATION_ABSENCE, json.loads(raw))
                start = getattr(d, "absent_from", None)
                end = getattr(d, "absent_to", None) or start
                if start is not None and end is not None:
                    span = min((end - start).days, 31)
                    absence_days += [start + timedelta(days=n) for n in range(span + 1)]
        injuries = tuple(
            f"{i.contact_uid}:{i.at.date().isoformat()}"
            for i in _unactioned(r for r in observed if r[0] == ObservationKind.INJURY.value)
        )
        contacts = self._current(
            person.id,
            "c.uid, c.started_at, c.worry, "
            "EXISTS (SELECT 1 FROM contact_indicators ci WHERE ci.contact_id = c.id "
            "AND ci.indicator IN ('sexual_activity', 'sexual_health') "
            "AND ci.state IN ('yes', 'possible')), "
            "EXISTS (SELECT 1 FROM observations o WHERE o.contact_id = c.id "
            "AND (o.kind = 'substance' OR (o.kind = 'gift' AND "
            "json_extract(o.details, '$.what') IN ('alcohol', 'drugs')))) "
            "OR EXISTS (SELECT 1 FROM contact_indicators ci WHERE ci.contact_id = c.id "
            "AND ci.indicator = 'substances' AND ci.state IN ('yes', 'possible'))",
        )
        sexual = tuple(uid for uid, _at, _worry, sex, _subs in contacts if sex)
        substances = tuple(uid for uid, _at, _worry, _sex, subs in contacts if subs)
        last_uid, last_at = (contacts[-1][0], contacts[-1][1]) if contacts else ("", None)
        worries = [worry for _uid, _at, worry, _sex, _subs in contacts if worry is not None]
        acknowledged = frozenset(
            key
            for (key,) in self._db.query(
                "SELECT nudge_key FROM nudge_acks WHERE person_id = ?", (person.id,)
            )
        )
        return Facts(
            age=person.age_on(now.date()),
            now=now,
            missing=tuple(missing),
            injuries_without_action=injuries,
            sexual_activity=sexual,
            substances=substances,
            last_worry=worries[-1] if worries else None,
            last_seen=datetime.fromisoformat(last_at) if last_at else None,
            last_contact=last_uid,
            absence_days=tuple(absence_days),
            acknowledged=acknowledged,
        )

    def nudges(self, person: YoungPerson, thresholds: Thresholds) -> list[Nudge]:
        return nudges_for(self.facts(person), thresholds)

    def acknowledge(self, person_id: str, nudge_key: str, note: str) -> None:
        """In the caller's transaction; the caller audits it."""
        self._db.execute(
            "INSERT INTO nudge_acks (person_id, nudge_key, note, at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (person_id, nudge_key) DO UPDATE SET note = excluded.note, "
            "at = excluded.at",
            (person_id, nudge_key, note, _stamp(self._now())),
        )

    def language_counts(self) -> dict[str, int]:
        """How often each language rule was left in filed contacts (counts, no text)."""
        rows = self._db.query(
            "SELECT rule_id, sum(count) FROM language_counts lc "
            "JOIN contacts c ON c.id = lc.contact_id WHERE c.is_current = 1 GROUP BY rule_id"
        )
        return {rule: int(count) for rule, count in rows}


def _unactioned(rows: Iterable[tuple[Any, ...]]) -> list[UnactionedInjury]:
    found = []
    for _kind, uid, started, _position, raw in rows:
        details = codec.details_from_json(ObservationKind.INJURY, json.loads(raw))
        assert isinstance(details, InjuryDetails)
        if not details.action_recorded:
            sites = ", ".join(m.site for m in details.marks if m.site)
            found.append(UnactionedInjury(uid, datetime.fromisoformat(started), sites))
    return found


def _position(order: list[str]) -> Callable[[str], int]:
    return lambda item: order.index(item) if item in order else len(order)
