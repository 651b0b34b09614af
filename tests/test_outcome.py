"""The outcome of a closed session: its shape, the floor, and that it names no one."""

from __future__ import annotations

import json
from types import MappingProxyType

import pytest

from rulebook import LEADER, run
from server.outcome.build import SCHEMA, build_outcome
from server.outcome.shape import Action as ActionShape
from server.outcome.shape import (
    ConsentRound,
    Decision,
    Item,
    Outcome,
    OutcomeSession,
    Prompt,
    Reason,
)
from server.rules.actions import AddAction
from server.rules.consent import CloseRound, GiveConsent, ProposeDecision, Reword
from server.rules.records import SessionRecord
from server.rules.state import Actor, Answer, Group, Level, Phase, Role, SessionState
from server.rules.voting import RevealVotes, SetFloor, StartVoting, Vote

PEOPLE = [
    Actor(Role.PARTICIPANT, f"pseudo-{name}-{n}")
    for name, n in [("ann", 123), ("bob", 456), ("cas", 789), ("dan", 246)]
]
ANN, BOB, CAS, DAN = PEOPLE
RECORD = SessionRecord(
    id="sess-1",
    code="4821",
    pack_id="team-start",
    lang="nl",
    title="Teamdag",
    intro="",
    prompts=("Wat vinden we belangrijk?", "Wat kan beter?"),
    facilitator_hash="hash-of-the-leader",
    created_at="2025-01-20T09:00:00+00:00",
)
CLOSED_AT = "2025-01-20T11:30:00+00:00"


def board(**changes: object) -> SessionState:
    """Question 0: group 1 holds answers 1 and 2, answers 3 and 4 are loose; question 1: 5."""
    written = [
        (ANN, 0, "respect", 1),
        (BOB, 0, "respect voor elkaar", 1),
        (CAS, 0, "veiligheid", None),
        (ANN, 0, "plezier", None),
        (DAN, 1, "rust", None),
    ]
    answers = {
        n: Answer(n, prompt, who.pseudonym, text, group)
        for n, (who, prompt, text, group) in enumerate(written, start=1)
    }
    state = SessionState(
        prompts=RECORD.prompts,
        phase=Phase.GROUPING,
        answers=MappingProxyType(answers),
        next_number=len(answers) + 1,
        groups=MappingProxyType({1: Group(1, 0, "respect")}),
        next_group=2,
    )
    return SessionState(**{**state.__dict__, **changes})


def voted(*ballots: dict[str, int]) -> SessionState:
    """Voting on question 0 with a budget of 3, one ballot per person, then revealed."""
    state = run(board(), LEADER, StartVoting(3, True))
    for person, ballot in zip(PEOPLE, ballots, strict=False):
        state = run(state, person, *(Vote(item, dots) for item, dots in ballot.items()))
    return run(state, LEADER, RevealVotes())


def respond(state: SessionState, decision: int, *answers: tuple[Level, str]) -> SessionState:
    for person, (level, reason) in zip(PEOPLE, answers, strict=False):
        state = run(state, person, GiveConsent(decision, level, reason))
    return state


def full_session() -> SessionState:
    """Votes by three people; decision 1 agreed with actions, decision 2 not agreed and
    reworded (round 2 open), decision 3 open with no responses."""
    state = voted({"a4": 2, "g1": 1}, {"a4": 1, "a3": 2}, {"a4": 3})
    state = run(state, LEADER, ProposeDecision("plezier", "Elke vrijdag taart", "m1"))
    state = respond(
        state,
        1,
        (Level.FULL_SUPPORT, "lekker"),
        (Level.SUPPORT, ""),
        (Level.LIVE_WITH, "prima"),
    )
    state = run(
        state,
        LEADER,
        CloseRound(1),
        AddAction(1, "Taart bestellen", "Secretariaat", "2025-02-07", "x1"),
        AddAction(1, "Rooster maken", "", "", "x2"),
        ProposeDecision("veiligheid", "Deur op slot", "m2"),
    )
    state = respond(
        state,
        2,
        (Level.OBJECT, "brandveiligheid"),
        (Level.SUPPORT, "goed"),
        (Level.RESERVATIONS, "lastig voor ouders"),
    )
    state = run(
        state,
        LEADER,
        CloseRound(2),
        Reword(2, "Deur op slot na half negen"),
        ProposeDecision("respect", "We groeten elkaar", "m3"),
    )
    return state


def outcome_of(state: SessionState) -> dict[str, object]:
    return build_outcome(RECORD, state, CLOSED_AT, 4)


def test_the_outcome_has_the_documented_shape():
    """Every level of the dict has exactly the keys of the TypedDicts in outcome/shape.py."""
    outcome = outcome_of(full_session())
    assert set(outcome) == set(Outcome.__annotations__)
    assert outcome["schema"] == SCHEMA == "draagvlak.outcome/1"
    assert outcome["session"] == {
        "title": "Teamdag",
        "lang": "nl",
        "created_at": "2025-01-20T09:00:00+00:00",
        "closed_at": CLOSED_AT,
        "participants": 4,
    }
    assert set(outcome["session"]) == set(OutcomeSession.__annotations__)
    assert outcome["floor"] == 3
    prompts = outcome["prompts"]
    assert [p["index"] for p in prompts] == [0, 1]
    assert [p["text"] for p in prompts] == list(RECORD.prompts)
    assert [p["answers"] for p in prompts] == [4, 1]
    for prompt in prompts:
        assert prompt["kind"] == "open"
        assert set(prompt) == set(Prompt.__annotations__)
        for item in prompt["items"]:
            assert set(item) == set(Item.__annotations__)
    assert [d["number"] for d in outcome["decisions"]] == [1, 2, 3]
    for decision in outcome["decisions"]:
        assert set(decision) == set(Decision.__annotations__)
        for consent_round in decision["rounds"]:
            assert set(consent_round) == set(ConsentRound.__annotations__)
            for reason in consent_round["reasons"]:
                assert set(reason) == set(Reason.__annotations__)
        for action in decision["actions"]:
            assert set(action) == set(ActionShape.__annotations__)
    json.dumps(outcome)  # plain data, nothing else


def test_items_are_ranked_by_votes_with_their_answers():
    """The items of a question come most-voted first, each with its label and answers."""
    prompt = outcome_of(full_session())["prompts"][0]
    assert prompt["voters"] == 3
    assert prompt["votes_hidden"] is False
    assert prompt["items"] == [
        {"kind": "answer", "label": "plezier", "answers": ["plezier"], "votes": 6},
        {"kind": "answer", "label": "veiligheid", "answers": ["veiligheid"], "votes": 2},
        {
            "kind": "group",
            "label": "respect",
            "answers": ["respect", "respect voor elkaar"],
            "votes": 1,
        },
    ]


def test_a_question_nobody_voted_on_shows_no_votes_and_hides_nothing():
    """Without any voting, votes are None but there is no hidden result to explain."""
    prompt = outcome_of(full_session())["prompts"][1]
    assert prompt["voters"] == 0
    assert prompt["votes_hidden"] is False
    assert prompt["items"] == [
        {"kind": "answer", "label": "rust", "answers": ["rust"], "votes": None}
    ]


@pytest.mark.parametrize("voters", [0, 1, 2])
def test_votes_are_hidden_below_the_floor(voters):
    """With fewer voters than the floor (3) the outcome says so and gives no counts at all."""
    ballots = [{"a4": 3}, {"a3": 1}][:voters]
    prompt = outcome_of(voted(*ballots))["prompts"][0]
    assert prompt["voters"] == voters
    assert prompt["votes_hidden"] is True
    assert [item["votes"] for item in prompt["items"]] == [None, None, None]
    assert {item["label"] for item in prompt["items"]} == {"respect", "veiligheid", "plezier"}


def test_a_lower_floor_shows_the_votes_of_fewer_people():
    """The floor is the session's: lowered to 2, two voters' counts are shown."""
    state = run(voted({"a4": 3}, {"a3": 1}), LEADER, SetFloor(2))
    outcome = outcome_of(state)
    assert outcome["floor"] == 2
    assert [item["votes"] for item in outcome["prompts"][0]["items"]] == [3, 1, 0]


def test_consent_counts_are_hidden_below_the_floor():
    """Fewer responses than the floor give counts None and counts_hidden True."""
    state = run(board(), LEADER, ProposeDecision("plezier", "Taart", "m1"))
    state = respond(state, 1, (Level.SUPPORT, ""), (Level.OBJECT, ""))
    (consent_round,) = outcome_of(run(state, LEADER, CloseRound(1)))["decisions"][0]["rounds"]
    assert consent_round["responses"] == 2
    assert consent_round["counts_hidden"] is True
    assert consent_round["counts"] is None


def test_consent_counts_are_shown_at_the_floor():
    """From the floor on, every level is counted, the ones nobody chose as zero."""
    decision = outcome_of(full_session())["decisions"][0]
    (consent_round,) = decision["rounds"]
    assert consent_round["counts_hidden"] is False
    assert consent_round["counts"] == {
        "full_support": 1,
        "support": 1,
        "live_with": 1,
        "reservations": 0,
        "object": 0,
    }


def test_reasons_below_the_floor_do_not_reveal_the_levels():
    """Below the floor a reason carries no level, or its level would count what is hidden.

    Known bug: build_outcome keeps each reason's level even when counts_hidden, and
    server/outcome/exports.py `to_json` serves this dict as is; the Markdown export and the review
    page drop the level below the floor (markdown._shown_reasons, _outcome.html).
    """
    state = run(board(), LEADER, ProposeDecision("plezier", "Taart", "m1"))
    state = respond(state, 1, (Level.OBJECT, "te duur"), (Level.SUPPORT, "lekker"))
    (consent_round,) = outcome_of(run(state, LEADER, CloseRound(1)))["decisions"][0]["rounds"]
    assert consent_round["counts_hidden"] is True
    assert sorted(r["text"] for r in consent_round["reasons"]) == ["lekker", "te duur"]
    assert all(not r.get("level") for r in consent_round["reasons"]), consent_round["reasons"]


def test_the_outcome_never_contains_a_pseudonym():
    """Nothing in the outcome can be traced to a person: no pseudonym appears anywhere."""
    text = json.dumps(outcome_of(full_session()), ensure_ascii=False)
    assert "lastig voor ouders" in text  # reasons are there
    for person in PEOPLE:
        assert person.pseudonym not in text
    assert "pseudo-" not in text
    assert RECORD.facilitator_hash not in text
    assert RECORD.id not in text


def test_reasons_are_sorted_so_their_order_says_nothing():
    """Reasons come by level, then text, whoever answered and in whatever order."""
    reasons = [
        (Level.RESERVATIONS, "b"),
        (Level.SUPPORT, "zeker"),
        (Level.RESERVATIONS, "a"),
        (Level.FULL_SUPPORT, ""),  # no reason given: not listed
    ]
    orders = [reasons, reasons[::-1], reasons[1:] + reasons[:1]]
    listed = []
    for order in orders:
        state = run(board(), LEADER, ProposeDecision("plezier", "Taart", "m1"))
        state = respond(state, 1, *order)
        decision = outcome_of(run(state, LEADER, CloseRound(1)))["decisions"][0]
        listed.append(decision["rounds"][0]["reasons"])
    assert listed[0] == [
        {"level": "support", "text": "zeker"},
        {"level": "reservations", "text": "a"},
        {"level": "reservations", "text": "b"},
    ]
    assert listed[1] == listed[0] == listed[2]


def test_each_decision_has_its_status_and_all_its_rounds():
    """Agreed, not agreed or open as the latest round says; every round is kept in order."""
    decisions = outcome_of(full_session())["decisions"]
    assert [d["status"] for d in decisions] == ["agreed", "open", "open"]
    first, second, third = decisions
    assert (first["prompt_index"], first["from_item"]) == (0, "plezier")
    assert [(r["number"], r["agreed"]) for r in first["rounds"]] == [(1, True)]
    assert second["text"] == "Deur op slot na half negen"
    assert [(r["number"], r["text"], r["agreed"]) for r in second["rounds"]] == [
        (1, "Deur op slot", False),
        (2, "Deur op slot na half negen", False),
    ]
    assert [r["responses"] for r in second["rounds"]] == [3, 0]
    assert third["text"] == "We groeten elkaar"
    assert [(r["number"], r["responses"]) for r in third["rounds"]] == [(1, 0)]

    not_agreed = run(full_session(), LEADER, CloseRound(2))
    assert outcome_of(not_agreed)["decisions"][1]["status"] == "not_agreed"


def test_actions_belong_to_their_decision_and_have_no_due_date_when_none_was_given():
    """Actions keep their order and text; an empty due date becomes None."""
    first, second, _ = outcome_of(full_session())["decisions"]
    assert first["actions"] == [
        {"what": "Taart bestellen", "who": "Secretariaat", "due": "2025-02-07"},
        {"what": "Rooster maken", "who": "", "due": None},
    ]
    assert second["actions"] == []
