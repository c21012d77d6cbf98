"""The language check: every rule, its near misses, offsets, quotes, and the rules file."""

from __future__ import annotations

import pytest

from outreach.prompts.language import (
    RuleError,
    apply_suggestion,
    check_language,
    count_by_rule,
    default_rules,
    load_rules,
)

RULES = default_rules()
EXAMPLES = [(rule.id, text) for rule in RULES.rules for text in rule.examples]
NEAR_MISSES = [(rule.id, text) for rule in RULES.rules for text in rule.near_misses]

REQUIRED = {
    "putting_self_at_risk", "sexually_active", "prostitute", "child_prostitute", "promiscuous",
    "consent", "boyfriend", "lifestyle_choice", "choosing_to", "risky_behaviour", "streetwise",
    "wilful", "sending_explicit_images", "contacting_adults", "exchanging_sex",
    "recruiting_others", "hard_to_reach", "difficult", "attention_seeking",
}  # fmt: skip


def test_every_required_rule_is_there_with_examples_and_near_misses() -> None:
    ids = {rule.id for rule in RULES.rules}
    assert ids >= REQUIRED
    for rule in RULES.rules:
        assert rule.examples, rule.id
        assert rule.near_misses, rule.id
        assert rule.suggestions, rule.id


@pytest.mark.parametrize(("rule_id", "text"), EXAMPLES)
def test_each_example_is_found_by_its_rule_alone(rule_id: str, text: str) -> None:
    assert [f.rule_id for f in check_language(text)] == [rule_id]


@pytest.mark.parametrize(("rule_id", "text"), NEAR_MISSES)
def test_near_misses_are_not_found(rule_id: str, text: str) -> None:
    assert rule_id not in [f.rule_id for f in check_language(text)]


def test_inflections_and_word_order_are_covered() -> None:
    for text in ("putting herself at risk", "puts themselves at risk", "put himself in danger"):
        assert [f.rule_id for f in check_language(text)] == ["putting_self_at_risk"], text


def test_offsets_are_string_indices_even_after_emoji_and_right_to_left_text() -> None:
    text = "😢 שלום — she is streetwise"
    (finding,) = check_language(text)
    assert text[finding.start : finding.end] == finding.phrase == "streetwise"


def test_the_childs_own_quoted_words_are_never_checked() -> None:
    text = 'She said "he\'s my boyfriend" and “he chose to go”. Her boyfriend was there.'
    findings = check_language(text)
    assert [(f.rule_id, f.start) for f in findings] == [("boyfriend", text.rindex("boyfriend"))]
    assert len(check_language(text, skip_quoted=False)) == 3


def test_professional_wording_is_not_flagged() -> None:
    for text in [
        "I decided to make a safeguarding referral",
        "We decided to escalate to the team lead",
        "She consented to the referral",
        "Dad consented to the medical examination",
        "she gave consent for information sharing",
        "Mum has given consent for the referral",
        "The school gave consent",
        "It was decided to hold a strategy meeting",
        "bringing new clothes for her",
        "the cut on her arm wanted attention",
    ]:
        assert check_language(text) == [], text


def test_a_workers_own_decision_without_a_subject_is_not_flagged_but_a_childs_is() -> None:
    # With no subject, what was decided tells whose decision it was: a professional act
    # (refer, escalate, share, inform, a meeting, a visit) is the worker's own.
    for text in [
        "Spoke with her at the bus station and decided to refer to children's services",
        "Discussed with manager, decided to escalate",
        "Agreed with police and decided to share the plate",
        "Decided not to refer at this stage",
        "Saw her at the park, decided to ring her mum",
        "Agreed with the team lead and decided to arrange a strategy meeting",
        "Agreed to meet her again next week",
    ]:
        assert check_language(text) == [], text
    for text, phrase in [
        ("Decided to stay out overnight.", "Decided to"),
        ("Chose to go with older males again.", "Chose to"),
        ("Decided to go back to the flat", "Decided to"),
        ("Chose not to come home", "Chose not to"),
        ("Decided to visit him at his flat", "Decided to"),
        ("Chose to share her location with him", "Chose to"),
        ("Decided to arrange a meeting with him", "Decided to"),
        ("She chose not to tell the police", "chose not to"),
        ("Decided not to speak to police", "Decided not to"),
    ]:
        found = [(f.rule_id, f.phrase) for f in check_language(text)]
        assert found == [("choosing_to", phrase)], text


def test_a_childs_decision_not_to_tell_or_to_meet_someone_elses_staff_is_found() -> None:
    # Deciding *not* to inform, involve or alert is found whoever took it: that is how a
    # child's silence gets described. Staff, workers or a colleague are the worker's own
    # only as "my", "our" or "the team's"; following up is the worker's only with a service.
    for text, phrase in [
        ("She chose not to inform the police", "chose not to"),
        ("He decided not to involve police", "decided not to"),
        ("She decided not to inform her mum", "decided not to"),
        ("She decided not to update her mum", "decided not to"),
        ("He chose not to alert staff", "chose not to"),
        ("She decided to follow up with him on Snapchat", "decided to"),
        ("She decided to meet with staff at the takeaway", "decided to"),
        ("She chose to contact the workers at the car wash again", "chose to"),
        ("She chose to ask the worker at the takeaway for a lift", "chose to"),
        ("She decided to meet with a colleague of his", "decided to"),
        # The cost: a worker's own subject-less "decided not to inform" is found too.
        ("Decided not to inform police as nothing new was disclosed", "Decided not to"),
    ]:
        found = [(f.rule_id, f.phrase) for f in check_language(text)]
        assert found == [("choosing_to", phrase)], text
    for text in [
        "Decided not to refer at this stage",
        "Decided to follow up with school tomorrow",
        "Decided to speak to my supervisor",
        "Decided to update our manager",
        "I decided not to inform police",
    ]:
        assert check_language(text) == [], text


def test_a_place_before_the_verb_is_not_a_professional_subject() -> None:
    for text, rule_id, phrase in [
        (
            "Seen outside the school approaching older men",
            "contacting_adults",
            "approaching older men",
        ),
        ("Seen near the college approaching males", "contacting_adults", "approaching males"),
        (
            "Was seen outside school recruiting younger children",
            "recruiting_others",
            "recruiting younger children",
        ),
        (
            "After school bringing younger kids to the flat",
            "recruiting_others",
            "bringing younger kids",
        ),
    ]:
        found = [(f.rule_id, f.phrase) for f in check_language(text)]
        assert found == [(rule_id, phrase)], text
    for text in ["We approached males in the car park", "The team is recruiting more people"]:
        assert check_language(text) == [], text


def test_what_the_review_found_missing_is_found() -> None:
    for text, rule_id, phrase in [
        ("she brought it on herself", "brought_on_self", "brought it on herself"),
        ("bringing problems upon herself", "brought_on_self", "bringing problems upon herself"),
        ("she is selling sex", "prostitute", "selling sex"),
        ("she is a sex worker", "prostitute", "sex worker"),
        ("she gave consent", "consent", "gave consent"),
        ("putting herself in harms way", "putting_self_at_risk", "putting herself in harms way"),
        ("she is sexually-active", "sexually_active", "sexually-active"),
        ("her bf picked her up", "boyfriend", "bf"),
        ("she has decided not to engage", "choosing_to", "decided not to"),
        # found with any subject or none; the subject is not part of the phrase
        ("She chose to get in the car", "choosing_to", "chose to"),
        ("Decided to stay out overnight.", "choosing_to", "Decided to"),
        ("Jade just wants attention", "attention_seeking", "wants attention"),
        ("she consented to it", "consent", "consented"),
    ]:
        found = [(f.rule_id, f.phrase) for f in check_language(text)]
        assert found == [(rule_id, phrase)], text


def test_the_childs_words_stay_theirs_across_lines_and_after_an_inch_mark() -> None:
    for text in [
        'She said "he is my boyfriend.\nHe looks after me"',  # a quote over two lines
        'He is 5\'10" tall. She said "he is my boyfriend"',  # an inch mark opens nothing
        'A 32" TV in the flat. She said "he is my boyfriend"',
        '"He is my boyfriend"',
    ]:
        assert check_language(text) == [], text
        assert [f.rule_id for f in check_language(text, skip_quoted=False)] == ["boyfriend"]
    # A quote left open hides nothing past a blank line.
    text = 'She said "he is my\nboyfriend" and "he looks after me\n\nHer boyfriend was there.'
    assert [f.start for f in check_language(text)] == [text.rindex("boyfriend")]


def test_a_phrase_may_need_words_before_it_and_may_have_exceptions() -> None:
    rules = load_rules(
        _rule(patterns="['(she|he) (just)? > went']", unless="['went (home|to school)']")
    )
    found = [f.phrase for f in check_language("she just went out, I went out", rules=rules)]
    assert found == ["went"]
    assert check_language("she went home", rules=rules) == []
    with pytest.raises(RuleError, match="not allowed"):
        load_rules(_rule(unless="['a > b']"))


def test_the_longest_phrase_wins_and_findings_never_overlap() -> None:
    (finding,) = check_language("a child prostitute")
    assert finding.rule_id == "child_prostitute"
    assert finding.phrase == "child prostitute"


def test_a_suggestion_replaces_exactly_the_phrase() -> None:
    text = "She keeps putting herself at risk near the takeaway."
    (finding,) = check_language(text)
    fixed = apply_suggestion(text, finding, finding.suggestions[0])
    assert fixed == "She keeps is being put at risk by near the takeaway."
    with pytest.raises(ValueError, match="changed"):
        apply_suggestion("something else entirely here", finding, "x")


def test_counts_by_rule_carry_no_text() -> None:
    counts = count_by_rule(["she is streetwise", "streetwise and wilful", "all fine"])
    assert counts == {"streetwise": 2, "wilful": 1}


def test_checking_is_linear_in_practice() -> None:
    # 60,000 characters: a test cannot time it, but it must finish and find them all.
    text = "She was seen at the park. She is streetwise. " * 1_300
    assert len(check_language(text)) == 1_300


def _rule(**fields: object) -> str:
    values = {"id": "'x'", "reason": "'r'", "patterns": "['a']", "suggestions": "['b']"}
    values.update({k: str(v) for k, v in fields.items()})
    return "[[rule]]\n" + "".join(f"{k} = {v}\n" for k, v in values.items() if v != "None")


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (_rule(reason=None), "rule x: reason"),
        (_rule(patterns="['{nope} a']"), "unknown word list"),
        (_rule(suggestions="[]"), "rule x: suggestions"),
        (_rule(patterns="['a?']"), "must be there"),
        (_rule() * 2, "used twice"),
        ("not toml [", "not valid TOML"),
        ("", "no rules"),
    ],
)
def test_a_malformed_rules_file_names_the_rule(toml: str, message: str) -> None:
    with pytest.raises(RuleError, match=message):
        load_rules(toml)
