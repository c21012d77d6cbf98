"""Keep asking, indicators and nudges: every trigger, with near misses that must not fire."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from outreach.prompts import bank
from outreach.prompts.nudges import Facts, MissingEpisode, Thresholds, nudges_for
from outreach.records.keep_asking import KeepAsking
from outreach.records.model import (
    Contact,
    EducationAbsenceDetails,
    GiftDetails,
    IndicatorMark,
    InjuryDetails,
    MissingDetails,
    Observation,
    ObservationKind,
    OnlineHandle,
    PersonDetails,
    PhoneDetails,
    PlaceDetails,
    QuestionUpdate,
    SubstanceDetails,
    VehicleDetails,
    YoungPerson,
)
from outreach.records.store import InvalidRecord, RecordStore
from outreach.vault.vault import OpenVault

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

# --- the bank and the indicator set ------------------------------------------------------


def test_every_observation_kind_raises_questions_in_plain_words() -> None:
    for kind in ObservationKind:
        assert bank.questions_raised_by([f"kind.{kind.value}"]), kind
    texts = {q.text for q in bank.questions_raised_by(["kind.injury", "kind.gift"])}
    assert {"How did this happen?", "Has anyone looked at it?"} <= texts
    assert {"Who gave you that?", "Did they want anything back?"} <= texts
    missing = {q.text for q in bank.questions_raised_by(["kind.missing"])}
    assert missing == {"Where did you stay?", "Who were you with?", "How did you get back?"}


def test_the_indicator_set_has_every_indicator_the_practice_names() -> None:
    assert bank.indicator_ids() >= {
        "missing", "vehicles", "gifts", "older_partner", "substances", "injuries",
        "school_absence", "places", "sexual_health", "self_harm", "peers",
        "disclosure_withdrawn", "online_grooming",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("details", "expected"),
    [
        (GiftDetails(what="phone"), ["gifts"]),
        (GiftDetails(what="alcohol"), ["gifts", "substances"]),
        (PhoneDetails(new_phone_or_sim=True), ["gifts"]),
        (PhoneDetails(new_phone_or_sim=False), []),  # near miss
        (PhoneDetails(handles=(OnlineHandle("snap", "x"),)), ["online_grooming"]),
        (PersonDetails(role="adult_of_concern"), ["older_partner"]),
        (PersonDetails(role="peer"), []),  # near miss
        (PlaceDetails(place_kind="hotel"), ["places"]),
        (PlaceDetails(place_kind="park"), []),  # near miss
        (VehicleDetails(registration="AB12CDE"), ["vehicles"]),
        (VehicleDetails(taxi_firm="Star Cars"), ["vehicles", "places"]),
        (SubstanceDetails(what="cannabis"), ["substances"]),
        (InjuryDetails(), ["injuries"]),
        (MissingDetails(), ["missing"]),
        (EducationAbsenceDetails(), ["school_absence"]),
    ],
)
def test_observations_propose_indicators(details: object, expected: list[str]) -> None:
    assert bank.proposed([Observation(details)]) == expected  # type: ignore[arg-type]


# --- nudges, rule by rule ---------------------------------------------------------------


def _missing(days_ago: float, *, back_hours: float | None = None, interview: bool = False):
    went = NOW - timedelta(days=days_ago)
    back = NOW - timedelta(hours=back_hours) if back_hours is not None else None
    return MissingEpisode(
        f"m{days_ago}", went, back, (NOW.date() if interview else None), went + timedelta(hours=1)
    )


def rules(facts: Facts, **thresholds: int) -> list[str]:
    return [n.rule for n in nudges_for(facts, Thresholds(**thresholds))]


def test_repeated_missing_episodes() -> None:
    three = Facts(age=14, now=NOW, missing=(_missing(5), _missing(30), _missing(80)))
    assert rules(three) == ["repeat_missing"]
    assert nudges_for(three)[0].text.startswith("Missing 3 times in 90 days")
    assert rules(replace(three, missing=three.missing[:2])) == []  # two: near miss
    older = (_missing(5), _missing(30), _missing(100))
    assert rules(replace(three, missing=older)) == []  # one outside the window
    assert rules(three, missing_episodes=4) == []  # policy raises the bar


def test_no_return_home_interview() -> None:
    assert rules(Facts(age=14, now=NOW, missing=(_missing(9, back_hours=73),))) == [
        "no_return_interview"
    ]
    assert rules(Facts(age=14, now=NOW, missing=(_missing(9, back_hours=71),))) == []
    done = (_missing(9, back_hours=100, interview=True),)
    assert rules(Facts(age=14, now=NOW, missing=done)) == []
    assert rules(Facts(age=14, now=NOW, missing=(_missing(9),))) == []  # not back yet


def test_an_injury_with_no_action() -> None:
    assert rules(Facts(age=14, now=NOW, injuries_without_action=("c1:2026-05-01",))) == [
        "injury_no_action"
    ]
    assert rules(Facts(age=14, now=NOW)) == []


def test_sexual_activity_for_a_child_under_13() -> None:
    facts = Facts(age=12, now=NOW, sexual_activity=("c1",))
    (nudge,) = nudges_for(facts)
    assert "under 13" in nudge.text
    assert "safeguarding referral" in nudge.text
    assert rules(replace(facts, age=13)) == []
    assert rules(replace(facts, age=None)) == []
    assert rules(replace(facts, sexual_activity=())) == []


def test_drugs_or_alcohol_at_a_young_age() -> None:
    assert rules(Facts(age=13, now=NOW, substances=("c1",))) == ["substances_young"]
    assert rules(Facts(age=14, now=NOW, substances=("c1",))) == []
    assert rules(Facts(age=13, now=NOW)) == []


def test_high_worry_and_not_seen() -> None:
    facts = Facts(age=14, now=NOW, last_worry=8, last_seen=NOW - timedelta(days=15))
    assert rules(facts) == ["high_worry_not_seen"]
    assert rules(replace(facts, last_seen=NOW - timedelta(days=13))) == []
    assert rules(replace(facts, last_worry=6)) == []


def test_a_daytime_pattern_of_school_absence() -> None:
    days = tuple(NOW.date() - timedelta(days=n) for n in (2, 9, 20))
    assert rules(Facts(age=14, now=NOW, absence_days=days)) == ["daytime_absence"]
    assert rules(Facts(age=14, now=NOW, absence_days=days[:2])) == []
    spread = tuple(NOW.date() - timedelta(days=n) for n in (2, 9, 40))
    assert rules(Facts(age=14, now=NOW, absence_days=spread)) == []


def test_school_absence_counts_the_last_30_days_only() -> None:
    for days_ago, raised in [
        ((0, 10, 29), True),  # today and the 29 days before it: the 30 days
        ((0, 10, 30), False),  # 30 days ago is the 31st day
        ((-1, 0, 10), False),  # a day ahead is a slip of the date, not an absence
        ((-5, -2, 3), False),
    ]:
        days = tuple(NOW.date() - timedelta(days=n) for n in days_ago)
        found = rules(Facts(age=14, now=NOW, absence_days=days))
        assert found == (["daytime_absence"] if raised else []), days_ago


def test_an_acknowledged_nudge_is_hidden_and_a_new_episode_raises_it_again() -> None:
    facts = Facts(age=14, now=NOW, missing=(_missing(5), _missing(30), _missing(80)))
    (nudge,) = nudges_for(facts)
    assert nudges_for(replace(facts, acknowledged=frozenset({nudge.key}))) == []
    again = replace(facts, missing=(*facts.missing, _missing(1)), acknowledged={nudge.key})
    assert rules(again) == ["repeat_missing"]


# --- kept in the vault ------------------------------------------------------------------


@pytest.fixture
def store(opened: OpenVault) -> RecordStore:
    return RecordStore(opened.db, now=lambda: NOW)


@pytest.fixture
def asking(opened: OpenVault) -> KeepAsking:
    return KeepAsking(opened.db, now=lambda: NOW)


def contact(person: str, *details: object, hours_ago: int = 2, **changes: object) -> Contact:
    return Contact(
        started_at=NOW - timedelta(hours=hours_ago),
        people=(person,),
        observations=tuple(Observation(d) for d in details),  # type: ignore[arg-type]
        **changes,  # type: ignore[arg-type]
    )


def test_questions_carry_forward_until_answered(store: RecordStore, asking: KeepAsking) -> None:
    tam = store.add_person(YoungPerson("Tam", estimated_age=14)).id
    store.seal(contact(tam, GiftDetails(what="phone"), hours_ago=50))
    open_now = {q.source: q for q in asking.open_questions([tam])}
    assert set(open_now) == {"gift_who", "gift_back"}

    store.seal(
        contact(
            tam,
            hours_ago=20,
            questions=(
                QuestionUpdate(tam, "answered", open_now["gift_who"].id, answer="an older lad"),
                QuestionUpdate(tam, "not_now", open_now["gift_back"].id),
                QuestionUpdate(tam, "open", text="Is the older lad at school with her?"),
            ),
        )
    )
    assert {(q.source, q.status) for q in asking.open_questions([tam])} == {
        ("gift_back", "not_now"),
        ("worker", "open"),
    }
    # Another gift does not raise gift_back twice while it is still open.
    store.seal(contact(tam, GiftDetails(what="money"), hours_ago=10))
    sources = sorted(q.source for q in asking.open_questions([tam]))
    assert sources == ["gift_back", "gift_who", "worker"]


def test_amending_a_contact_does_not_bring_back_answered_questions(
    store: RecordStore, asking: KeepAsking
) -> None:
    tam = store.add_person(YoungPerson("Tam", estimated_age=14)).id
    first = store.seal(contact(tam, GiftDetails(what="phone"), hours_ago=50))
    answers = tuple(
        QuestionUpdate(tam, "answered", q.id, answer="told us")
        for q in asking.open_questions([tam])
    )
    store.seal(contact(tam, hours_ago=20, questions=answers))
    assert asking.open_questions([tam]) == []
    store.amend(first.uid, contact(tam, GiftDetails(what="money"), hours_ago=50), "typo")
    assert asking.open_questions([tam]) == []


def test_an_answer_must_be_recorded_to_answer(store: RecordStore, asking: KeepAsking) -> None:
    tam = store.add_person(YoungPerson("Tam", estimated_age=14)).id
    store.seal(contact(tam, GiftDetails(what="phone"), hours_ago=50))
    question = asking.open_questions([tam])[0]
    with pytest.raises(InvalidRecord) as raised:
        store.seal(contact(tam, questions=(QuestionUpdate(tam, "answered", question.id),)))
    assert raised.value.problems[0].field == "questions.0.answer"


def test_worry_with_nothing_observed_asks_what_would_confirm_it(
    store: RecordStore, asking: KeepAsking
) -> None:
    tam = store.add_person(YoungPerson("Tam", estimated_age=14)).id
    kit = store.add_person(YoungPerson("Kit", estimated_age=14)).id
    store.seal(contact(tam, worry=7, instinct="Something felt off."))
    store.seal(contact(kit, GiftDetails(what="phone"), worry=7))  # explained: near miss
    store.seal(contact(kit, worry=3))  # not worried enough: near miss
    assert [q.text for q in asking.open_questions([tam])] == [
        "What would confirm or rule this out?"
    ]
    assert "instinct_confirm" not in {q.source for q in asking.open_questions([kit])}


def test_an_injury_stays_at_the_top_until_an_action_is_recorded(
    store: RecordStore, asking: KeepAsking
) -> None:
    tam = store.add_person(YoungPerson("Tam", estimated_age=14)).id
    uid = store.seal(contact(tam, InjuryDetails(explanation_in_own_words="fell"))).uid
    assert [i.contact_uid for i in asking.unactioned_injuries(tam)] == [uid]
    none_without_reason = contact(tam, InjuryDetails(action="none"))
    store.amend(uid, none_without_reason, "action added")
    assert len(asking.unactioned_injuries(tam)) == 1
    store.amend(uid, contact(tam, InjuryDetails(action="none", no_action_reason="old bruise")), "r")
    assert asking.unactioned_injuries(tam) == []
    store.amend(uid, contact(tam, InjuryDetails(action="medical")), "went to the GP")
    assert asking.unactioned_injuries(tam) == []


def test_indicators_present_now_and_earlier_and_worry_over_time(
    store: RecordStore, asking: KeepAsking
) -> None:
    tam = store.add_person(YoungPerson("Tam", estimated_age=14)).id
    old = [IndicatorMark("gifts", "yes"), IndicatorMark("missing", "possible")]
    store.seal(contact(tam, hours_ago=24 * 120, indicators=tuple(old), worry=4))
    new = [IndicatorMark("missing", "yes"), IndicatorMark("peers", "no")]
    store.seal(contact(tam, hours_ago=24, indicators=tuple(new), worry=8))
    history = asking.indicators(tam)
    assert history.now == ("missing",)
    assert history.earlier == ("gifts",)
    assert [w for _at, w in asking.worry_series(tam)] == [4, 8]


def test_nudges_from_the_record_and_their_acknowledgement(
    store: RecordStore, asking: KeepAsking, opened: OpenVault
) -> None:
    person = store.add_person(YoungPerson("Tam", date_of_birth=date(2014, 1, 1)))
    for days in (5, 30, 60):
        went = NOW - timedelta(days=days)
        store.seal(
            contact(
                person.id,
                MissingDetails(went_missing=went, came_back=went + timedelta(hours=10),
                               return_interview_on=(went + timedelta(days=1)).date()),
                hours_ago=24 * days - 12,
            )
        )  # fmt: skip
    sexual = (IndicatorMark("sexual_activity", "possible"),)
    store.seal(contact(person.id, hours_ago=3, indicators=sexual))
    found = asking.nudges(person, Thresholds())
    assert [n.rule for n in found] == ["sexual_activity_young", "repeat_missing"]
    with opened.db.transaction():
        asking.acknowledge(person.id, found[1].key, "strategy meeting booked")
    assert [n.rule for n in asking.nudges(person, Thresholds())] == ["sexual_activity_young"]


def test_language_counts_are_kept_without_text(
    store: RecordStore, asking: KeepAsking, opened: OpenVault
) -> None:
    tam = store.add_person(YoungPerson("Tam", estimated_age=14)).id
    store.seal(contact(tam, narrative="She is streetwise and wilful.", instinct="streetwise"))
    assert asking.language_counts() == {"streetwise": 2, "wilful": 1}
    assert opened.db.query("SELECT * FROM language_counts")[0][1:] in {("streetwise", 2)}


def test_a_translation_overlays_english_and_falls_back_where_it_is_silent() -> None:
    from outreach.prompts import data

    merged = data._overlay(
        {"kind": {"gift": {"gift_who": "Who gave you that?", "gift_back": "Back?"}}},
        {"kind": {"gift": {"gift_who": "Pwy roddodd hwnna i ti?"}}},
    )
    assert merged["kind"]["gift"] == {"gift_who": "Pwy roddodd hwnna i ti?", "gift_back": "Back?"}
    data.set_language("xx_YY")  # no such translation: English
    try:
        assert data.read("questions.toml")["kind"]["gift"]["gift_who"] == "Who gave you that?"
    finally:
        data.set_language("")
