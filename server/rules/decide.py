"""The session's rules as pure functions: a state and a command give events or a rejection.

Nothing here does I/O, so every rule is testable in microseconds and the live session can
try a whole batch of commands on a copy of the state before anything is saved. Each phase
keeps its rules in a module of its own; this one hands a command to the right one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from .actions import (
    ACTION_COMMANDS,
    ACTION_EVENTS,
    ActionCommand,
    ActionEvent,
    decide_actions,
    evolve_actions,
)
from .answering import (
    ANSWERING_EVENTS,
    AnsweringCommand,
    AnsweringEvent,
    decide_answering,
    evolve_answering,
)
from .asking import ASKING_COMMANDS, ASKING_EVENTS, Pick, Picked, decide_asking, evolve_asking
from .consent import (
    CONSENT_COMMANDS,
    CONSENT_EVENTS,
    ConsentCommand,
    ConsentEvent,
    decide_consent,
    evolve_consent,
)
from .grouping import (
    GROUPING_COMMANDS,
    GROUPING_EVENTS,
    GroupingCommand,
    GroupingEvent,
    decide_grouping,
    evolve_grouping,
)
from .reviewing import (
    REVIEWING_COMMANDS,
    REVIEWING_EVENTS,
    ActionReviewed,
    ReviewAction,
    decide_reviewing,
    evolve_reviewing,
)
from .room import (
    ROOM_COMMANDS,
    ROOM_EVENTS,
    ProjectionChanged,
    RoomCommand,
    RoomEvent,
    decide_room,
    evolve_room,
)
from .state import Actor, Phase, PhaseChanged, Projection, Rejection, SessionState
from .voting import (
    VOTING_COMMANDS,
    VOTING_EVENTS,
    VotingCommand,
    VotingEvent,
    decide_voting,
    evolve_voting,
)

Command = (
    AnsweringCommand
    | GroupingCommand
    | VotingCommand
    | ConsentCommand
    | ActionCommand
    | RoomCommand
    | Pick
    | ReviewAction
)
Event = (
    PhaseChanged
    | AnsweringEvent
    | GroupingEvent
    | VotingEvent
    | ConsentEvent
    | ActionEvent
    | RoomEvent
    | Picked
    | ActionReviewed
)
Decision = list[Event] | Rejection


def decide(state: SessionState, actor: Actor, command: Command) -> Decision:
    decided: Sequence[Event] | Rejection
    if isinstance(command, GROUPING_COMMANDS):
        decided = decide_grouping(state, actor, command)
    elif isinstance(command, VOTING_COMMANDS):
        decided = decide_voting(state, actor, command)
    elif isinstance(command, CONSENT_COMMANDS):
        decided = decide_consent(state, actor, command)
    elif isinstance(command, ACTION_COMMANDS):
        decided = decide_actions(state, actor, command)
    elif isinstance(command, ASKING_COMMANDS):
        decided = decide_asking(state, actor, command)
    elif isinstance(command, ROOM_COMMANDS):
        decided = decide_room(state, actor, command)
    elif isinstance(command, REVIEWING_COMMANDS):
        decided = decide_reviewing(state, actor, command)
    else:
        decided = decide_answering(state, actor, command)
    if isinstance(decided, Rejection):
        return decided
    return [*decided, *_moving_on(state, decided)]


def _moving_on(state: SessionState, events: Sequence[Event]) -> list[Event]:
    """An evaluation moment opens on the open actions; the first question opened moves the
    projector on to the room, as a leader would expect."""
    opens = any(isinstance(e, PhaseChanged) and e.phase is Phase.ANSWERING for e in events)
    if opens and state.projection is Projection.CARRIED:
        return [ProjectionChanged(Projection.ROOM, 0)]
    return []


def evolve(state: SessionState, event: Event) -> SessionState:
    if isinstance(event, PhaseChanged):
        return replace(state, phase=event.phase, prompt_index=event.prompt_index)
    if isinstance(event, ANSWERING_EVENTS):
        return evolve_answering(state, event)
    if isinstance(event, GROUPING_EVENTS):
        return evolve_grouping(state, event)
    if isinstance(event, VOTING_EVENTS):
        return evolve_voting(state, event)
    if isinstance(event, CONSENT_EVENTS):
        return evolve_consent(state, event)
    if isinstance(event, ACTION_EVENTS):
        return evolve_actions(state, event)
    if isinstance(event, ASKING_EVENTS):
        return evolve_asking(state, event)
    if isinstance(event, ROOM_EVENTS):
        return evolve_room(state, event)
    if isinstance(event, REVIEWING_EVENTS):
        return evolve_reviewing(state, event)
    raise TypeError(f"unknown event {event!r}")


def evolve_all(state: SessionState, events: list[Event]) -> SessionState:
    for event in events:
        state = evolve(state, event)
    return state
