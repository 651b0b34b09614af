"""Dot voting, pure: who may vote on what, budgets that hold, the reveal and the floor."""

from __future__ import annotations

from types import MappingProxyType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rulebook import ANN, BOB, CAS, LEADER, run
from server.rules import OpenPrompt, StartGrouping, decide, evolve_all
from server.rules.grouping import IntoGroup, MoveAnswer
from server.rules.state import (
    Actor,
    Answer,
    Group,
    Phase,
    PhaseChanged,
    Rejection,
    SessionState,
)
from server.rules.voting import (
    MAX_BUDGET,
    ExpectedSet,
    FloorSet,
    RevealVotes,
    SetExpected,
    SetFloor,
    StartVoting,
    Vote,
    VotesRevealed,
    VotesSet,
    VotingConfigured,
    dots_of,
    is_below_floor,
    tally,
    voter_count,
)

# Question 0: answers 1 and 2 in group 1, answers 3 and 4 loose. Question 1: answer 5.
TEXTS = [(0, "respect"), (0, "respect voor elkaar"), (0, "veiligheid"), (0, "plezier")]
ITEMS = ["g1", "a3", "a4"]


def board(**changes: object) -> SessionState:
    answers = {
        number: Answer(number, prompt, ANN.pseudonym, text, 1 if number <= 2 else None)
        for number, (prompt, text) in enumerate([*TEXTS, (1, "rust")], start=1)
    }
    state = SessionState(
        prompts=("Wat vinden we belangrijk?", "En verder?"),
        phase=Phase.GROUPING,
        answers=MappingProxyType(answers),
        next_number=len(answers) + 1,
        groups=MappingProxyType({1: Group(1, 0, "respect")}),
        next_group=2,
    )
    return SessionState(**{**state.__dict__, **changes})


def voting(budget: int = 3, *, is_stacking: bool = True, **changes: object) -> SessionState:
    return run(board(**changes), LEADER, StartVoting(budget, is_stacking))


def spent(state: SessionState, actor: Actor) -> int:
    return sum(dots_of(state, state.prompt_index, actor.pseudonym).values())


# Starting -------------------------------------------------------------------------------


def test_starting_voting_configures_the_budget_and_moves_to_voting():
    """StartVoting from grouping sets budget and stacking and moves the room to VOTING."""
    decision = decide(board(), LEADER, StartVoting(5, False))
    assert decision == [VotingConfigured(5, False), PhaseChanged(Phase.VOTING, 0)]
    state = evolve_all(board(), decision)
    assert (state.phase, state.vote_budget, state.is_stacking) == (Phase.VOTING, 5, False)


def test_starting_voting_again_with_the_same_settings_changes_nothing():
    """A resent StartVoting while voting with the same settings is a no-op."""
    assert decide(voting(4), LEADER, StartVoting(4, True)) == []
    assert decide(voting(4), LEADER, StartVoting(2, True)) == [VotingConfigured(2, True)]


def test_only_the_facilitator_starts_voting_and_not_in_the_lobby():
    """A participant cannot start voting, and nobody can before a question was opened."""
    assert decide(board(), ANN, StartVoting(3, True)) == Rejection("facilitator_only")
    lobby = board(phase=Phase.LOBBY)
    assert decide(lobby, LEADER, StartVoting(3, True)) == Rejection("answering_not_open")
    ended = board(phase=Phase.ENDED)
    assert decide(ended, LEADER, StartVoting(3, True)) == Rejection("session_ended")


@pytest.mark.parametrize("budget", [-1, 0, MAX_BUDGET + 1, 100])
def test_a_budget_outside_one_to_twenty_is_refused(budget):
    """Every voter gets between 1 and 20 dots; anything else is refused with the limit."""
    assert MAX_BUDGET == 20
    rejection = Rejection("bad_budget", {"limit": 20})
    assert decide(board(), LEADER, StartVoting(budget, True)) == rejection


@pytest.mark.parametrize("budget", [1, 20])
def test_the_budget_bounds_themselves_are_allowed(budget):
    """The smallest and the largest budget are both accepted."""
    assert voting(budget).vote_budget == budget


# Voting ---------------------------------------------------------------------------------


def test_a_vote_names_the_number_of_dots_so_a_resend_changes_nothing():
    """A vote is a target count: the same count again gives no events, a new one replaces."""
    state = voting(3)
    assert decide(state, ANN, Vote("g1", 2)) == [VotesSet(0, "ann", "g1", 2)]
    state = run(state, ANN, Vote("g1", 2))
    assert decide(state, ANN, Vote("g1", 2)) == []
    state = run(state, ANN, Vote("g1", 1))
    assert dots_of(state, 0, "ann") == {"g1": 1}
    state = run(state, ANN, Vote("g1", 0))
    assert dots_of(state, 0, "ann") == {}
    assert state.votes == {}
    assert decide(state, ANN, Vote("g1", 0)) == []


def test_the_budget_holds_when_dots_are_added_and_moved():
    """The whole allocation is checked each time: moving dots works, exceeding never does."""
    state = run(voting(3), ANN, Vote("g1", 2), Vote("a3", 1))
    assert decide(state, ANN, Vote("a4", 1)) == Rejection("no_dots_left", {"limit": 3})
    assert decide(state, ANN, Vote("g1", 3)) == Rejection("no_dots_left", {"limit": 3})
    state = run(state, ANN, Vote("a3", 0), Vote("a4", 1))
    assert dots_of(state, 0, "ann") == {"g1": 2, "a4": 1}
    state = run(state, ANN, Vote("a4", 0), Vote("g1", 3))
    assert dots_of(state, 0, "ann") == {"g1": 3}
    assert decide(state, ANN, Vote("g1", 4)) == Rejection("no_dots_left", {"limit": 3})


def test_each_voter_has_a_budget_of_their_own():
    """One person spending all their dots takes nothing from anyone else."""
    state = run(voting(2), ANN, Vote("g1", 2))
    state = run(state, BOB, Vote("g1", 2))
    assert (spent(state, ANN), spent(state, BOB)) == (2, 2)


def test_each_question_has_a_budget_of_its_own():
    """Dots spent on the first question leave the full budget for the second."""
    state = run(voting(3), ANN, Vote("g1", 3))
    state = run(state, LEADER, OpenPrompt(1), StartVoting(3, True))
    assert decide(state, ANN, Vote("a5", 3)) == [VotesSet(1, "ann", "a5", 3)]
    state = run(state, ANN, Vote("a5", 3))
    assert dots_of(state, 0, "ann") == {"g1": 3}
    assert dots_of(state, 1, "ann") == {"a5": 3}


def test_without_stacking_an_item_gets_at_most_one_dot_per_voter():
    """With stacking off, two dots on one item are refused; one on each is fine."""
    state = voting(3, is_stacking=False)
    assert decide(state, ANN, Vote("g1", 2)) == Rejection("one_dot_each")
    state = run(state, ANN, Vote("g1", 1), Vote("a3", 1), Vote("a4", 1))
    assert dots_of(state, 0, "ann") == {"g1": 1, "a3": 1, "a4": 1}


@pytest.mark.parametrize("is_stacking", [True, False])
def test_a_negative_number_of_dots_is_refused(is_stacking):
    """Nobody can take dots off an item below zero (and so gain budget)."""
    state = voting(3, is_stacking=is_stacking)
    assert decide(state, ANN, Vote("g1", -1)) == Rejection("one_dot_each")


@pytest.mark.parametrize(
    "item",
    [
        "a1",  # in group 1: the group is voted on, not its cards
        "a5",  # an answer to the other question
        "g2",  # no such group
        "a99",  # no such answer
        "1",
        "",
        "G1",
    ],
)
def test_only_the_current_questions_groups_and_loose_answers_can_be_voted_on(item):
    """An item that is not on the current question's board is refused as gone."""
    assert decide(voting(), ANN, Vote(item, 1)) == Rejection("item_gone")


def test_the_items_follow_the_current_question():
    """On the second question its own answers are items and the first question's are not."""
    state = voting(prompt_index=1)
    assert [item.key for item, _ in tally(state, 1)] == ["a5"]
    assert decide(state, ANN, Vote("a5", 1)) == [VotesSet(1, "ann", "a5", 1)]
    assert decide(state, ANN, Vote("g1", 1)) == Rejection("item_gone")


def test_the_facilitator_cannot_vote():
    """The leader runs the vote and has no dots of their own."""
    assert decide(voting(), LEADER, Vote("g1", 1)) == Rejection("participants_only")


@pytest.mark.parametrize(
    "phase", [Phase.LOBBY, Phase.ANSWERING, Phase.CLOSED, Phase.GROUPING, Phase.DECIDING]
)
def test_voting_outside_the_voting_phase_is_refused(phase):
    """Dots can be placed only while the room is voting."""
    assert decide(board(phase=phase), ANN, Vote("g1", 1)) == Rejection("not_voting")


def test_leaving_voting_keeps_the_dots_but_refuses_changes():
    """Back in grouping the dots stay where they were, and no one can move them."""
    state = run(voting(), ANN, Vote("g1", 2))
    state = run(state, LEADER, StartGrouping())
    assert decide(state, ANN, Vote("g1", 0)) == Rejection("not_voting")
    assert dots_of(state, 0, "ann") == {"g1": 2}


def test_dots_on_an_item_that_was_grouped_away_do_not_lock_the_budget():
    """When the board changes between two voting rounds, a voter can still spend every dot.

    Known bug: dots on an item that no longer exists keep counting against the budget, and
    taking them off is refused as "item_gone", so the voter is stuck below their budget.
    """
    state = run(voting(3), ANN, Vote("a3", 3))
    state = run(state, LEADER, StartGrouping(), MoveAnswer(3, IntoGroup(1)), StartVoting(3, True))
    assert [item.key for item, _ in tally(state, 0)] == ["g1", "a4"]
    assert decide(state, ANN, Vote("a3", 0)) == Rejection("item_gone")
    can_spend = decide(state, ANN, Vote("g1", 3))
    assert isinstance(can_spend, list), f"{can_spend} with dots {dots_of(state, 0, 'ann')}"


# Concurrency, modelled purely -----------------------------------------------------------

TAB_COMMANDS = st.lists(
    st.builds(Vote, st.sampled_from(ITEMS), st.integers(min_value=0, max_value=4)),
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(
    budget=st.integers(min_value=1, max_value=5),
    is_stacking=st.booleans(),
    tabs=st.lists(TAB_COMMANDS, min_size=3, max_size=3),
    data=st.data(),
)
def test_three_tabs_voting_in_any_interleaving_never_exceed_the_budget(
    budget, is_stacking, tabs, data
):
    """However the votes of one person's three tabs interleave, after every single step
    their dots add up to at most the budget (and to at most one per item without stacking),
    and each accepted vote leaves exactly the count it names."""
    order = data.draw(st.permutations([tab for tab, sent in enumerate(tabs) for _ in sent]))
    pending = [list(sent) for sent in tabs]
    state = voting(budget, is_stacking=is_stacking)
    for tab in order:
        command = pending[tab].pop(0)
        decision = decide(state, ANN, command)
        if isinstance(decision, Rejection):
            assert decision.reason in ("no_dots_left", "one_dot_each"), decision
        else:
            state = evolve_all(state, decision)
            assert dots_of(state, 0, "ann").get(command.item, 0) == command.dots
        mine = dots_of(state, 0, "ann")
        assert sum(mine.values()) <= budget
        assert is_stacking or all(dots == 1 for dots in mine.values())
    assert all(not sent for sent in pending)


# Reveal, tally and the floor ------------------------------------------------------------


def test_votes_are_revealed_once_by_the_facilitator_while_voting():
    """RevealVotes is the leader's, only while voting, and a second reveal is a no-op."""
    assert decide(voting(), ANN, RevealVotes()) == Rejection("facilitator_only")
    assert decide(board(), LEADER, RevealVotes()) == Rejection("not_voting")
    assert decide(voting(), LEADER, RevealVotes()) == [VotesRevealed(0)]
    state = run(voting(), LEADER, RevealVotes())
    assert state.revealed == frozenset({0})
    assert decide(state, LEADER, RevealVotes()) == []


def test_the_tally_ranks_items_by_dots_and_ties_keep_the_boards_order():
    """Most dots first; items with equal dots stay in board order (groups, then loose)."""
    assert [(item.key, dots) for item, dots in tally(voting(), 0)] == [
        ("g1", 0),
        ("a3", 0),
        ("a4", 0),
    ]
    state = run(voting(3), ANN, Vote("a4", 2), Vote("g1", 1))
    state = run(state, BOB, Vote("a4", 1), Vote("a3", 1))
    state = run(state, CAS, Vote("a3", 1))
    ranked = tally(state, 0)
    assert [(item.key, dots) for item, dots in ranked] == [("a4", 3), ("a3", 2), ("g1", 1)]
    group = next(item for item, _ in ranked if item.key == "g1")
    assert (group.label, group.answers) == ("respect", ("respect", "respect voor elkaar"))


def test_voter_count_counts_people_not_dots():
    """Three dots from one person are one voter; someone who takes all dots back is none."""
    state = run(voting(3), ANN, Vote("g1", 1), Vote("a3", 1), Vote("a4", 1))
    assert voter_count(state, 0) == 1
    state = run(state, BOB, Vote("g1", 3))
    assert voter_count(state, 0) == 2
    state = run(state, ANN, Vote("g1", 0), Vote("a3", 0), Vote("a4", 0))
    assert voter_count(state, 0) == 1
    assert voter_count(state, 1) == 0


def test_results_are_below_the_floor_until_three_people_voted():
    """With the default floor of 3, two voters are below it and three are not."""
    state = run(voting(), ANN, Vote("g1", 1))
    state = run(state, BOB, Vote("g1", 1))
    assert state.floor == 3
    assert is_below_floor(state, 0)
    assert not is_below_floor(run(state, CAS, Vote("a3", 1)), 0)
    assert is_below_floor(voting(), 0)


def test_the_facilitator_can_move_the_floor_within_bounds():
    """SetFloor changes who counts as enough (1..50), the leader's alone, a resend no-op."""
    state = run(voting(), ANN, Vote("g1", 1))
    state = run(state, BOB, Vote("g1", 1))
    assert decide(state, LEADER, SetFloor(2)) == [FloorSet(2)]
    lowered = run(state, LEADER, SetFloor(2))
    assert not is_below_floor(lowered, 0)
    assert decide(lowered, LEADER, SetFloor(2)) == []
    assert is_below_floor(run(state, LEADER, SetFloor(50)), 0)
    assert decide(state, LEADER, SetFloor(0)) == Rejection("bad_field")
    assert decide(state, LEADER, SetFloor(51)) == Rejection("bad_field")
    assert decide(state, ANN, SetFloor(2)) == Rejection("facilitator_only")


@pytest.mark.parametrize(
    ("expected", "result"),
    [
        (-1, Rejection("bad_field")),
        (0, []),  # already the default
        (1, [ExpectedSet(1)]),
        (10_000, [ExpectedSet(10_000)]),
        (10_001, Rejection("bad_field")),
    ],
)
def test_the_expected_number_of_people_is_between_zero_and_ten_thousand(expected, result):
    """SetExpected accepts 0..10000, refuses anything else, and a resend is a no-op."""
    assert decide(voting(), LEADER, SetExpected(expected)) == result
    if isinstance(result, list):
        assert run(voting(), LEADER, SetExpected(expected)).expected == expected


def test_only_the_facilitator_sets_the_expected_number():
    """A participant cannot say how many people are expected."""
    assert decide(voting(), ANN, SetExpected(12)) == Rejection("facilitator_only")
