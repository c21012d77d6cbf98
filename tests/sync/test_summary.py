"""What a summary carries: references and structured fields, and free text only by choice."""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outreach.contract.summary import IncludedText, Submission, Summary
from outreach.records import caseload
from outreach.records.model import (
    FieldKind,
    Observation,
    Quote,
    SealedContact,
    YoungPerson,
    field_specs,
)
from outreach.records.store import RecordStore
from outreach.sync.approval import Approvals, SummaryRules
from outreach.sync.summary import (
    CannotInclude,
    Context,
    Sharing,
    build,
    includable,
    pseudonym,
)
from outreach.vault.vault import OpenVault, Vault
from tests.conftest import PASSPHRASE
from tests.support import sync_records as rec


@pytest.fixture
def opened(make_vault: Callable[..., Vault]) -> Iterator[OpenVault]:
    vault = make_vault().create(PASSPHRASE)
    yield vault
    vault.close()


@pytest.fixture
def store(opened: OpenVault) -> RecordStore:
    return RecordStore(opened.db, now=lambda: rec.NOW)


@pytest.fixture
def filed(store: RecordStore) -> tuple[SealedContact, Context]:
    first, second = rec.people(store)
    sealed = store.seal(rec.rich_contact((first.id, second.id)))
    return sealed, Context({first.id: first, second.id: second})


# Free text that never goes unless chosen. The instinct is the exception by design: it goes
# (clipped) as the worker's own sense of the contact.
WITHHELD = tuple(w for w in rec.FREE_TEXT if w != rec.INSTINCT)


def as_json(summary: Summary) -> str:
    return summary.model_dump_json()


def contract_round_trip(summary: Summary) -> None:
    """The summary is valid under the contract and survives JSON exactly."""
    text = summary.model_dump_json()
    assert Summary.model_validate_json(text) == summary
    body = Submission(device_seq=1, summary=summary).model_dump_json()
    assert Submission.model_validate_json(body).summary == summary


# --- what stays ------------------------------------------------------------------------


def test_no_free_text_and_no_names_leave_unless_chosen(
    filed: tuple[SealedContact, Context],
) -> None:
    sealed, context = filed
    summary = build(sealed, context, version=1)
    text = as_json(summary)
    leaked = [word for word in (*WITHHELD, *rec.KNOWN_AS) if word in text]
    assert leaked == []
    assert summary.included == []
    assert rec.INSTINCT in summary.instinct
    contract_round_trip(summary)


def test_the_structured_part_is_there(filed: tuple[SealedContact, Context]) -> None:
    sealed, context = filed
    summary = build(sealed, context, version=1, account="Seen at the usual place.")
    assert summary.id == sealed.uid
    assert summary.contact_at == sealed.contact.started_at
    assert summary.worry == 7
    assert summary.account == "Seen at the usual place."
    assert sorted(summary.concerns) == ["gifts:possible", "older_boyfriend"]
    mentions = {(m.kind, m.text) for m in summary.mentions}
    assert {
        ("vehicle", rec.REGISTRATION),
        ("person", rec.ADULT),
        ("phone", rec.PHONE),
        ("place", rec.PLACE),
    } <= mentions
    lines = {line.kind: line for line in summary.observations}
    assert lines["vehicle"].details["registration"] == rec.REGISTRATION
    assert lines["injury"].details["marks"] == ["left forearm, 2cm, purple"]
    assert lines["injury"].details["action"] == "medical"
    # Several-line fields are Includables, never observation details.
    assert "explanation_in_own_words" not in lines["injury"].details
    assert "description" not in lines["person"].details
    assert "what_happens" not in lines["place"].details
    assert "explanation_given" not in lines["gift"].details
    assert lines["person"].details["approximate_age"] == 35


def test_young_people_go_by_reference_and_pseudonym(
    filed: tuple[SealedContact, Context],
) -> None:
    sealed, context = filed
    _first, second = context.people.values()
    summary = build(sealed, context, version=1)
    refs = [(p.ref, p.age, p.known_as) for p in summary.young_people]
    # 2012-05-01 to 2026-03-14: 13; estimated 15 at 2026-01-01, still 15.
    assert refs == [(rec.AGENCY_REF, 13, None), (pseudonym(second.id), 15, None)]
    assert pseudonym(second.id) == f"local-{second.id}"


def test_names_go_only_where_policy_sends_them(filed: tuple[SealedContact, Context]) -> None:
    sealed, context = filed
    summary = build(sealed, context, version=1, names_sent=True)
    assert [p.known_as for p in summary.young_people] == list(rec.KNOWN_AS)
    assert next(p.ref for p in summary.young_people) == rec.AGENCY_REF
    # Names sent do not bring the free text with them.
    assert [w for w in WITHHELD if w in as_json(summary)] == []


def test_a_blank_agency_reference_means_the_pseudonym(store: RecordStore) -> None:
    person = store.add_person(YoungPerson("Zib", agency_ref="   ", estimated_age=14))
    sealed = store.seal(rec.rich_contact((person.id,)))
    summary = build(sealed, Context({person.id: person}), version=1)
    assert [p.ref for p in summary.young_people] == [f"local-{person.id}"]


# --- what the worker may add -----------------------------------------------------------

OFFERED = {
    # key: (kind, label, the marker it carries)
    "narrative": ("narrative", "", rec.NARRATIVE),
    "quote:0": ("their_words", "", rec.QUOTE),
    "quote:1": ("their_words", "a friend", rec.QUOTE),
    "field:1:explanation_in_own_words": (
        "their_words",
        "explanation_in_own_words",
        rec.EXPLANATION,
    ),
    "field:2:description": ("narrative", "description", rec.DESCRIPTION),
    "field:3:what_happens": ("narrative", "what_happens", rec.WHAT_HAPPENS),
    "field:4:explanation_given": ("narrative", "explanation_given", rec.GIFT_EXPLANATION),
}


def test_every_free_text_is_offered_with_its_kind(filed: tuple[SealedContact, Context]) -> None:
    sealed, _context = filed
    offered = {item.key: item for item in includable(sealed)}
    assert sorted(offered) == sorted(OFFERED)
    for key, (kind, label, marker) in OFFERED.items():
        assert (offered[key].kind, offered[key].label) == (kind, label)
        assert marker in offered[key].text
        assert not offered[key].too_long
    # The instinct and who else was there are not free text to include: the instinct goes
    # (clipped) as the worker's own sense; others present never goes.
    assert rec.OTHERS not in json.dumps([i.text for i in offered.values()])


@pytest.mark.parametrize("key", sorted(OFFERED))
def test_an_included_item_goes_alone_with_its_kind_and_exact_text(
    filed: tuple[SealedContact, Context], key: str
) -> None:
    sealed, context = filed
    item = {i.key: i for i in includable(sealed)}[key]
    summary = build(sealed, context, version=1, include=[key])
    assert summary.included == [IncludedText(kind=item.kind, text=item.text)]
    kind, _label, marker = OFFERED[key]
    assert summary.included[0].kind == kind
    text = as_json(summary)
    others = {m for k, (_kd, _l, m) in OFFERED.items() if m != marker}
    assert [m for m in others if m in text] == []
    assert [name for name in rec.KNOWN_AS if name in text] == []
    contract_round_trip(summary)


def test_choosing_an_item_twice_sends_it_once(filed: tuple[SealedContact, Context]) -> None:
    sealed, context = filed
    summary = build(sealed, context, version=1, include=["quote:0", "narrative", "quote:0"])
    assert [i.kind for i in summary.included] == ["their_words", "narrative"]


def test_policy_never_refuses_every_include(filed: tuple[SealedContact, Context]) -> None:
    sealed, context = filed
    for key in OFFERED:
        with pytest.raises(CannotInclude) as refused:
            build(sealed, context, version=1, include=[key], sharing=Sharing.NEVER)
        assert (refused.value.key, refused.value.reason) == (key, "policy_never")
    summary = build(sealed, context, version=1, sharing=Sharing.NEVER)
    assert summary.included == []
    assert [w for w in WITHHELD if w in as_json(summary)] == []


def test_policy_always_sends_every_item_whatever_was_ticked(
    filed: tuple[SealedContact, Context],
) -> None:
    sealed, context = filed
    for include in ([], ["narrative"]):
        summary = build(sealed, context, version=1, include=include, sharing=Sharing.ALWAYS)
        assert sorted((i.kind, i.text) for i in summary.included) == sorted(
            (i.kind, i.text) for i in includable(sealed)
        )
        contract_round_trip(summary)


def test_unknown_and_too_long_items_are_refused(store: RecordStore) -> None:
    person = store.add_person(YoungPerson("Zib", estimated_age=14))
    context = Context({person.id: person})
    longest = store.seal(rec.rich_contact((person.id,), narrative="x" * 4000))
    assert build(longest, context, version=1, include=["narrative"]).included[0].text == "x" * 4000
    sealed = store.seal(
        rec.rich_contact((person.id,), narrative="y" * 4001, quotes=(Quote("z" * 4001),))
    )
    offered = {i.key: i for i in includable(sealed)}
    assert offered["narrative"].too_long
    assert offered["quote:0"].too_long
    for key in ("narrative", "quote:0"):
        with pytest.raises(CannotInclude) as refused:
            build(sealed, context, version=1, include=[key])
        assert (refused.value.key, refused.value.reason) == (key, "too_long")
    with pytest.raises(CannotInclude) as unknown:
        build(sealed, context, version=1, include=["quote:7"])
    assert (unknown.value.key, unknown.value.reason) == ("quote:7", "unknown")
    # Not chosen, a too-long item is no obstacle.
    assert build(sealed, context, version=1).included == []


def test_more_items_than_the_contract_carries_are_refused_not_crashed(
    store: RecordStore,
) -> None:
    """The contract takes 20 included texts: the worker's 21st is CannotInclude, never a
    validation error; under policy "always" the first 20 go (the screen says which not)."""
    person = store.add_person(YoungPerson("Zib", estimated_age=14))
    quotes = tuple(Quote(f"quote {n}") for n in range(21))
    sealed = store.seal(rec.rich_contact((person.id,), quotes=quotes, observations=()))
    context = Context({person.id: person})
    keys = [f"quote:{n}" for n in range(21)]
    assert len(build(sealed, context, version=1, include=keys[:20]).included) == 20
    with pytest.raises(CannotInclude) as refused:
        build(sealed, context, version=1, include=keys)
    assert refused.value.reason == "too_many"
    always = build(sealed, context, version=1, sharing=Sharing.ALWAYS)
    assert [i.text for i in always.included] == [i.text for i in includable(sealed)][:20]
    contract_round_trip(always)


def test_policy_always_sends_a_piece_too_long_shortened(store: RecordStore) -> None:
    """Policy sends every piece, so none may stop the summary: one longer than the
    contract carries goes cut to fit, where the worker's own choice of it is refused."""
    person = store.add_person(YoungPerson("Zib", estimated_age=14))
    sealed = store.seal(rec.rich_contact((person.id,), narrative="word " * 900))
    context = Context({person.id: person})
    summary = build(sealed, context, version=1, sharing=Sharing.ALWAYS)
    text = next(i.text for i in summary.included if i.text.startswith("word"))
    assert len(text) == 4000
    assert text.endswith("…")
    assert ("word " * 900).startswith(text[:-1])
    contract_round_trip(summary)
    with pytest.raises(CannotInclude):
        build(sealed, context, version=1, include=["narrative"])


def test_more_young_people_than_the_contract_carries_still_build(store: RecordStore) -> None:
    group = [store.add_person(YoungPerson(f"P{n}", estimated_age=14)) for n in range(31)]
    sealed = store.seal(rec.rich_contact(tuple(p.id for p in group)))
    summary = build(sealed, Context({p.id: p for p in group}), version=1)
    assert [p.ref for p in summary.young_people] == [pseudonym(p.id) for p in group[:30]]
    contract_round_trip(summary)


# --- through the vault ------------------------------------------------------------------


def test_preview_carries_open_questions_and_honours_the_rules(
    store: RecordStore, filed: tuple[SealedContact, Context]
) -> None:
    sealed, _context = filed
    approvals = Approvals(store, SummaryRules(names_sent=True, sharing=Sharing.NEVER))
    summary = approvals.preview(sealed.uid)
    assert summary.version == 1
    assert [p.known_as for p in summary.young_people] == list(rec.KNOWN_AS)
    assert summary.open_questions  # filing raised questions (an injury, a person, ...)
    with pytest.raises(CannotInclude):
        approvals.preview(sealed.uid, include=["narrative"])
    worker_chooses = Approvals(store).preview(sealed.uid, include=["narrative"])
    assert worker_chooses.included[0].kind == "narrative"


# --- a property over made-up caseloads --------------------------------------------------


@functools.cache
def made_up(seed: int) -> caseload.Caseload:
    return caseload.generate(people=6, contacts=25, seed=seed)


def marked(contact: SealedContact, token: str) -> tuple[SealedContact, dict[str, str]]:
    """The contact with each piece of free text replaced by a unique marked text."""
    markers: dict[str, str] = {}

    def mark(key: str, text: str) -> str:
        markers[key] = f"CANARY{len(markers)}x{token}"
        return f"{text[:40]} {markers[key]} {text[40:80]}"

    c = contact.contact
    narrative = mark("narrative", c.narrative)
    quotes = tuple(Quote(mark(f"quote:{n}", q.text), q.said_by) for n, q in enumerate(c.quotes))
    observations = []
    for n, observation in enumerate(c.observations):
        details = observation.details
        changes = {
            spec.name: mark(f"field:{n}:{spec.name}", getattr(details, spec.name))
            for spec in field_specs(observation.kind)
            if spec.kind is FieldKind.LONG_TEXT
        }
        observations.append(
            dataclasses.replace(observation, details=dataclasses.replace(details, **changes))
        )
    changed = dataclasses.replace(
        c, narrative=narrative, quotes=quotes, observations=tuple(observations)
    )
    return dataclasses.replace(contact, contact=changed), markers


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(1, 40),
    pick=st.integers(0, 24),
    token=st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=6, max_size=12),
    names_sent=st.booleans(),
    choose=st.sets(st.integers(0, 30), max_size=6),
    account=st.text(max_size=300),
)
def test_build_never_raises_and_never_leaks_what_was_not_chosen(
    seed: int,
    pick: int,
    token: str,
    names_sent: bool,
    choose: set[int],
    account: str,
) -> None:
    load = made_up(seed)
    contact = load.contacts[pick]
    sealed = SealedContact(f"{seed:016x}{pick:016x}", 1, contact, datetime(2026, 11, 1, tzinfo=UTC))
    sealed, markers = marked(sealed, token)
    keys = [item.key for item in includable(sealed)]
    assert sorted(keys) == sorted(markers)  # every free text is offered, nothing else
    chosen = [keys[n] for n in sorted(choose) if n < len(keys)]
    people = {p.id: p for p in load.people}
    summary = build(
        sealed,
        Context(people),
        version=1,
        account=account,
        include=chosen,
        names_sent=names_sent,
    )
    text = summary.model_dump_json()
    sent = {key for key, marker in markers.items() if marker in text}
    assert sent == set(chosen)
    if not names_sent:
        assert all(p.known_as is None for p in summary.young_people)
    assert [p.ref for p in summary.young_people] == [
        people[pid].agency_ref for pid in contact.people
    ]
    contract_round_trip(summary)


def test_observations_without_free_text_offer_nothing() -> None:
    from outreach.records.model import VehicleDetails

    contact = rec.rich_contact(
        (), narrative="", quotes=(), observations=(Observation(VehicleDetails(registration="X")),)
    )
    sealed = SealedContact("0" * 32, 1, contact, rec.NOW)
    assert includable(sealed) == []


# --- the language check, as a count ------------------------------------------------------


def test_preview_counts_language_prompts_of_the_current_version_never_the_words(
    store: RecordStore,
) -> None:
    from outreach.prompts.language import count_by_rule

    person = store.add_person(YoungPerson("Zib", estimated_age=14))
    narrative = "Known to be promiscuous. She was sexually active with older males."
    instinct = "She keeps putting herself at risk."
    flagged = store.seal(rec.rich_contact((person.id,), narrative=narrative, instinct=instinct))
    expected = sum(count_by_rule([narrative, instinct]).values())
    assert expected >= 3  # promiscuous, sexually active, putting herself at risk
    summary = Approvals(store).preview(flagged.uid)
    assert summary.language_prompts == expected
    text = as_json(summary)
    assert "promiscuous" not in text
    assert "sexually active" not in text
    contract_round_trip(summary)
    # An amendment in other words counts its own wording, not the first version's.
    store.amend(flagged.uid, rec.rich_contact((person.id,)), "reworded")
    assert Approvals(store).preview(flagged.uid).language_prompts == 0
    # Clean wording counts nothing; the builder alone, without the vault, sends 0.
    clean = store.seal(rec.rich_contact((person.id,)))
    assert Approvals(store).preview(clean.uid).language_prompts == 0
    assert build(flagged, Context({person.id: person}), version=1).language_prompts == 0
    capped = build(flagged, Context({person.id: person}), version=1, language_prompts=10**6)
    assert capped.language_prompts == 10_000
