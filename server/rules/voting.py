"""Dot voting on the groups (and loose answers) of a question: budgets, reveal, the floor.

Pure. A vote names the number of dots a person wants on an item, not "one more", so a
resend changes nothing, and the budget is checked against the whole allocation each time:
three tabs voting as fast as they can never exceed it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .cache import IdentityCache
from .state import (
    Actor,
    Phase,
    PhaseChanged,
    Rejection,
    Role,
    SessionState,
    with_item,
)

MAX_BUDGET = 20


@dataclass(frozen=True)
class StartVoting:
    budget: int
    is_stacking: bool


@dataclass(frozen=True)
class Vote:
    item: str
    dots: int


@dataclass(frozen=True)
class RevealVotes:
    pass


@dataclass(frozen=True)
class SetFloor:
    floor: int


@dataclass(frozen=True)
class SetExpected:
    expected: int


VotingCommand = StartVoting | Vote | RevealVotes | SetFloor | SetExpected
VOTING_COMMANDS = (StartVoting, Vote, RevealVotes, SetFloor, SetExpected)


@dataclass(frozen=True)
class VotingConfigured:
    budget: int
    is_stacking: bool


@dataclass(frozen=True)
class VotesSet:
    prompt_index: int
    voter: str
    item: str
    dots: int


@dataclass(frozen=True)
class VotesRevealed:
    prompt_index: int


@dataclass(frozen=True)
class FloorSet:
    floor: int


@dataclass(frozen=True)
class ExpectedSet:
    expected: int


VotingEvent = VotingConfigured | VotesSet | VotesRevealed | FloorSet | ExpectedSet
VOTING_EVENTS = (VotingConfigured, VotesSet, VotesRevealed, FloorSet, ExpectedSet)


@dataclass(frozen=True)
class Item:
    key: str
    label: str
    answers: tuple[str, ...]


_items: IdentityCache[tuple[Item, ...]] = IdentityCache()


def items(state: SessionState, prompt_index: int) -> tuple[Item, ...]:
    """What can be voted on: the question's groups, then the answers left on their own.
    Read for every vote and every ballot: computed once per answers and groups."""

    def compute() -> tuple[Item, ...]:
        found = [
            Item(f"g{g.number}", g.label, tuple(a.text for a in state.members(g.number)))
            for g in state.groups_for(prompt_index)
        ]
        loose = [a for a in state.answers_for(prompt_index) if a.group is None]
        return (*found, *(Item(f"a{a.number}", a.text, (a.text,)) for a in loose))

    return _items.get((state.answers, state.groups), prompt_index, compute)


def dots_of(state: SessionState, prompt_index: int, voter: str) -> dict[str, int]:
    """A voter's dots on the items there are now: dots on a card since grouped away free up."""
    votes = state.votes
    given = {
        item.key: votes.get((prompt_index, voter, item.key), 0)
        for item in items(state, prompt_index)
    }
    return {item: dots for item, dots in given.items() if dots}


def tally(state: SessionState, prompt_index: int) -> list[tuple[Item, int]]:
    """Items with their dots, most first; ties keep the board's order."""
    totals: dict[str, int] = {}
    for (prompt, _voter, item), dots in state.votes.items():
        if prompt == prompt_index:
            totals[item] = totals.get(item, 0) + dots
    ranked = [(item, totals.get(item.key, 0)) for item in items(state, prompt_index)]
    return sorted(ranked, key=lambda pair: -pair[1])


_voters: IdentityCache[int] = IdentityCache()


def voter_count(state: SessionState, prompt_index: int) -> int:
    """How many gave a dot. Read by every audience's progress line after every dot: counted
    once per votes."""

    def count() -> int:
        votes = state.votes.items()
        return len({who for (prompt, who, _), dots in votes if prompt == prompt_index and dots})

    return _voters.get((state.votes,), prompt_index, count)


def is_below_floor(state: SessionState, prompt_index: int) -> bool:
    return voter_count(state, prompt_index) < state.floor


def _would_exceed(state: SessionState, budget: int, is_stacking: bool) -> bool:
    """Whether someone already gave more dots than a new budget or stacking rule allows."""
    totals: dict[str, int] = {}
    for (prompt, voter, _item), dots in state.votes.items():
        if prompt == state.prompt_index:
            if dots > 1 and not is_stacking:
                return True
            totals[voter] = totals.get(voter, 0) + dots
    return any(total > budget for total in totals.values())


def decide_voting(
    state: SessionState, actor: Actor, command: VotingCommand
) -> list[VotingEvent | PhaseChanged] | Rejection:
    is_leader = actor.role is Role.FACILITATOR
    if not is_leader and not isinstance(command, Vote):
        return Rejection("facilitator_only")
    match command:
        case StartVoting(budget=budget, is_stacking=stacking):
            if state.phase is Phase.ENDED:
                return Rejection("session_ended")
            if state.phase is Phase.LOBBY:
                return Rejection("answering_not_open")
            if not 1 <= budget <= MAX_BUDGET:
                return Rejection("bad_budget", {"limit": MAX_BUDGET})
            if _would_exceed(state, budget, stacking):
                return Rejection("budget_below_votes")
            events: list[VotingEvent | PhaseChanged] = []
            if (budget, stacking) != (state.vote_budget, state.is_stacking):
                events.append(VotingConfigured(budget, stacking))
            if state.phase is not Phase.VOTING:
                events.append(PhaseChanged(Phase.VOTING, state.prompt_index))
            return events
        case Vote(item=item, dots=dots):
            if is_leader:
                return Rejection("participants_only")
            if state.phase is not Phase.VOTING:
                return Rejection("not_voting")
            if item not in {i.key for i in items(state, state.prompt_index)}:
                return Rejection("item_gone")
            if dots < 0 or (dots > 1 and not state.is_stacking):
                return Rejection("one_dot_each")
            mine = dots_of(state, state.prompt_index, actor.pseudonym)
            if mine.get(item, 0) == dots:
                return []
            if sum(mine.values()) - mine.get(item, 0) + dots > state.vote_budget:
                return Rejection("no_dots_left", {"limit": state.vote_budget})
            return [VotesSet(state.prompt_index, actor.pseudonym, item, dots)]
        case RevealVotes():
            if state.phase is not Phase.VOTING:
                return Rejection("not_voting")
            if state.prompt_index in state.revealed:
                return []
            return [VotesRevealed(state.prompt_index)]
        case SetFloor(floor=floor):
            if not 1 <= floor <= 50:
                return Rejection("bad_field")
            return [] if floor == state.floor else [FloorSet(floor)]
        case SetExpected(expected=expected):
            if not 0 <= expected <= 10_000:
                return Rejection("bad_field")
            return [] if expected == state.expected else [ExpectedSet(expected)]
    raise TypeError(f"unknown command {command!r}")


def evolve_voting(state: SessionState, event: VotingEvent) -> SessionState:
    match event:
        case VotingConfigured(budget=budget, is_stacking=stacking):
            return replace(state, vote_budget=budget, is_stacking=stacking)
        case VotesSet(prompt_index=prompt, voter=voter, item=item, dots=dots):
            return replace(state, votes=with_item(state.votes, (prompt, voter, item), dots or None))
        case VotesRevealed(prompt_index=prompt):
            return replace(state, revealed=state.revealed | {prompt})
        case FloorSet(floor=floor):
            return replace(state, floor=floor)
        case ExpectedSet(expected=expected):
            return replace(state, expected=expected)
    raise TypeError(f"unknown event {event!r}")
