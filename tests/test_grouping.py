"""The grouping rules, pure: where a card goes, what happens to the group it leaves."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from rulebook import ANN, LEADER, run
from server.rules import DeleteAnswer, OpenPrompt, StartGrouping, decide, evolve_all
from server.rules.grouping import (
    AnswerMoved,
    CreateGroup,
    GroupCreated,
    GroupDeleted,
    IntoGroup,
    MergeGroups,
    MoveAnswer,
    NewGroup,
    NoGroup,
    OntoAnswer,
    RenameGroup,
    SetPhoneGrouping,
)
from server.rules.state import Answer, Group, Phase, Rejection, SessionState

TEXTS = ["respect", "respect voor elkaar", "veiligheid", "plezier"]


def grouping_state(**changes: object) -> SessionState:
    answers = {i + 1: Answer(i + 1, 0, ANN.pseudonym, text) for i, text in enumerate(TEXTS)}
    state = SessionState(
        prompts=("Wat vinden we belangrijk?", "En verder?"),
        phase=Phase.GROUPING,
        answers=MappingProxyType(answers),
        next_number=len(TEXTS) + 1,
    )
    return SessionState(**{**state.__dict__, **changes})


def placement(state: SessionState) -> dict[int, int | None]:
    return {n: a.group for n, a in state.answers.items()}


def test_a_card_onto_a_loose_card_makes_a_group_named_after_the_target():
    """Dropping card 2 on card 1 creates one group holding both, labelled with card 1."""
    state = run(grouping_state(), LEADER, MoveAnswer(2, OntoAnswer(1)))
    assert placement(state) == {1: 1, 2: 1, 3: None, 4: None}
    assert state.groups[1] == Group(1, 0, "respect")


def test_a_card_onto_a_grouped_card_joins_its_group():
    """Dropping on a card that is in a group puts the card in that group."""
    state = run(
        grouping_state(), LEADER, MoveAnswer(2, OntoAnswer(1)), MoveAnswer(3, OntoAnswer(2))
    )
    assert placement(state) == {1: 1, 2: 1, 3: 1, 4: None}
    assert list(state.groups) == [1]


def test_a_group_left_empty_disappears():
    """Taking the last card out of a group removes the group."""
    state = run(grouping_state(), LEADER, MoveAnswer(4, NewGroup()))
    assert list(state.groups) == [1]
    state = run(state, LEADER, MoveAnswer(4, NoGroup()))
    assert state.groups == {}
    assert placement(state)[4] is None


def test_moving_between_groups_keeps_the_group_left_behind_if_it_still_has_cards():
    """A card that leaves a group of three for another group leaves a group of two."""
    state = run(
        grouping_state(),
        LEADER,
        MoveAnswer(2, OntoAnswer(1)),
        MoveAnswer(3, IntoGroup(1)),
        MoveAnswer(4, NewGroup()),
        MoveAnswer(3, IntoGroup(2)),
    )
    assert placement(state) == {1: 1, 2: 1, 3: 2, 4: 2}
    assert sorted(state.groups) == [1, 2]


@pytest.mark.parametrize(
    "command",
    [
        MoveAnswer(2, IntoGroup(1)),
        MoveAnswer(2, OntoAnswer(1)),
        MoveAnswer(3, NoGroup()),
        MergeGroups(1, 1),
        RenameGroup(1, " respect "),
        SetPhoneGrouping(False),
    ],
    ids=repr,
)
def test_repeating_a_move_that_is_already_true_changes_nothing(command):
    """Moves name their target, so a resend or a duplicate is a no-op, not a second step."""
    state = run(grouping_state(), LEADER, MoveAnswer(2, OntoAnswer(1)))
    assert decide(state, LEADER, command) == []


def test_a_card_alone_in_its_group_asked_for_a_new_group_stays_put():
    """A card that already has a group to itself does not get a second, empty one."""
    state = run(grouping_state(), LEADER, MoveAnswer(4, NewGroup()))
    assert decide(state, LEADER, MoveAnswer(4, NewGroup())) == []


def test_the_last_of_two_conflicting_moves_wins():
    """Two people move the same card to different places: the later one decides."""
    state = run(grouping_state(), LEADER, MoveAnswer(3, NewGroup()), MoveAnswer(4, NewGroup()))
    phones = grouping_state(**{**state.__dict__, "is_phone_grouping": True})
    after = run(phones, ANN, MoveAnswer(1, IntoGroup(1)))
    after = run(after, LEADER, MoveAnswer(1, IntoGroup(2)))
    assert placement(after)[1] == 2


def test_rename_merge_and_create_from_a_suggestion():
    """Labels are tidied; merging moves every card and removes the source; a suggestion
    groups only the answers that are still loose."""
    state = run(
        grouping_state(),
        LEADER,
        MoveAnswer(2, OntoAnswer(1)),
        RenameGroup(1, "  Respect   voor iedereen "),
        MoveAnswer(3, NewGroup()),
        MergeGroups(2, 1),
    )
    assert state.groups == {1: Group(1, 0, "Respect voor iedereen")}
    assert placement(state) == {1: 1, 2: 1, 3: 1, 4: None}
    decision = decide(state, LEADER, CreateGroup((1, 4, 4), "Plezier"))
    assert decision == [GroupCreated(Group(3, 0, "Plezier")), AnswerMoved(4, 3)]
    assert decide(state, LEADER, CreateGroup((1, 2), "x")) == Rejection("suggestion_outdated")


def test_participants_move_cards_only_when_allowed_and_never_rename():
    """Phones may move cards once the leader allows it; renaming stays with the leader."""
    assert decide(grouping_state(), ANN, MoveAnswer(1, NewGroup())) == Rejection("facilitator_only")
    allowed = run(grouping_state(), LEADER, SetPhoneGrouping(True))
    assert isinstance(decide(allowed, ANN, MoveAnswer(1, NewGroup())), list)
    assert decide(allowed, ANN, RenameGroup(1, "x")) == Rejection("facilitator_only")
    assert decide(allowed, ANN, StartGrouping()) == Rejection("facilitator_only")


def test_grouping_happens_only_in_the_grouping_phase_and_on_the_current_question():
    """Moves outside the grouping phase, or of another question's answers, are refused."""
    answering = grouping_state(phase=Phase.ANSWERING)
    assert decide(answering, LEADER, MoveAnswer(1, NewGroup())) == Rejection("not_grouping")
    other_question = run(grouping_state(), LEADER, OpenPrompt(1), StartGrouping())
    assert decide(other_question, LEADER, MoveAnswer(1, NewGroup())) == Rejection("answer_gone")
    assert decide(grouping_state(), LEADER, MoveAnswer(1, IntoGroup(9))) == Rejection("group_gone")
    assert decide(grouping_state(phase=Phase.LOBBY), LEADER, StartGrouping()) == Rejection(
        "answering_not_open"
    )


def test_deleting_the_last_answer_of_a_group_removes_the_group():
    """When answering reopens and an author deletes a grouped answer, no empty group stays."""
    state = run(grouping_state(), LEADER, MoveAnswer(4, NewGroup()), OpenPrompt(0))
    decision = decide(state, ANN, DeleteAnswer(4))
    assert isinstance(decision, list)
    assert GroupDeleted(1) in decision
    assert evolve_all(state, decision).groups == {}
