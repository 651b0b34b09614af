"""What the facilitator points the room at: the decision everyone responds to, what the
projector shows and which of its pages, and the timer of the phase.

Pure, like every rule: the time is part of the command (the live layer stamps it), and a
timer that closes its phase does so through the same rules as the facilitator's buttons.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from .answering import AnsweringEvent, CloseAnswering, decide_answering
from .consent import CloseRound, ConsentEvent, decide_consent, latest_round
from .grouping import GroupingEvent
from .state import (
    Actor,
    Phase,
    PhaseChanged,
    Projection,
    Rejection,
    Role,
    SessionState,
    Timer,
)
from .voting import RevealVotes, VotingEvent, decide_voting

MAX_TIMER_SECONDS = 60 * 60
LEADER = Actor(Role.FACILITATOR)


# Commands ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FocusDecision:
    decision: int


@dataclass(frozen=True)
class Project:
    """Show this on the projector, from its first page; phones do not change."""

    projection: Projection


@dataclass(frozen=True)
class TurnPage:
    page: int


@dataclass(frozen=True)
class StartTimer:
    seconds: int
    closes: bool
    now: float


@dataclass(frozen=True)
class ExtendTimer:
    seconds: int


@dataclass(frozen=True)
class StopTimer:
    pass


@dataclass(frozen=True)
class TimeUp:
    """The server's own command when a closing timer runs out."""

    now: float


RoomCommand = FocusDecision | Project | TurnPage | StartTimer | ExtendTimer | StopTimer | TimeUp
ROOM_COMMANDS = (FocusDecision, Project, TurnPage, StartTimer, ExtendTimer, StopTimer, TimeUp)


# Events -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FocusChanged:
    decision: int


@dataclass(frozen=True)
class ProjectionChanged:
    projection: Projection
    page: int


@dataclass(frozen=True)
class TimerSet:
    timer: Timer | None


RoomEvent = FocusChanged | ProjectionChanged | TimerSet
ROOM_EVENTS = (FocusChanged, ProjectionChanged, TimerSet)
# A closing timer leads to the events of the phase it closes.
Closing = AnsweringEvent | GroupingEvent | VotingEvent | ConsentEvent | PhaseChanged


# Reading the state ------------------------------------------------------------------


def running_timer(state: SessionState) -> Timer | None:
    """The timer, if it belongs to what the room is doing now: a timer of answering ends
    with answering, one of a consent round with that round."""
    timer = state.timer
    if timer is None or (timer.phase, timer.prompt_index) != (state.phase, state.prompt_index):
        return None
    if timer.decision != (state.focus if state.phase is Phase.DECIDING else timer.decision):
        return None
    return timer if is_timed_phase(state) else None


def is_timed_phase(state: SessionState) -> bool:
    """Whether the room is doing something a timer can close: answering, voting before
    the reveal, or an open consent round."""
    match state.phase:
        case Phase.ANSWERING:
            return True
        case Phase.VOTING:
            return state.prompt_index not in state.revealed
        case Phase.DECIDING:
            current = latest_round(state, state.focus) if state.focus else None
            return current is not None and current.is_open
    return False


def timer_fields(timer: Timer) -> dict[str, object]:
    """The timer as plain values, for a store to keep."""
    return {
        "phase": timer.phase.value,
        "prompt_index": timer.prompt_index,
        "decision": timer.decision,
        "ends_at": timer.ends_at,
        "closes": timer.closes,
    }


def timer_from(fields: object) -> Timer | None:
    """A kept timer back, or None for none (or one this version cannot read)."""
    if not isinstance(fields, dict):
        return None
    try:
        return Timer(
            Phase(fields["phase"]),
            int(fields["prompt_index"]),
            int(fields["decision"]),
            float(fields["ends_at"]),
            bool(fields["closes"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


# Rules ------------------------------------------------------------------------------


def decide_room(
    state: SessionState, actor: Actor, command: RoomCommand
) -> list[RoomEvent | Closing] | Rejection:
    if actor.role is not Role.FACILITATOR:
        return Rejection("facilitator_only")
    if state.phase is Phase.ENDED and not isinstance(command, Project | TurnPage):
        return Rejection("session_ended")
    match command:
        case FocusDecision(decision=number):
            if number not in state.decisions:
                return Rejection("decision_gone")
            return [] if number == state.focus else [FocusChanged(number)]
        case Project(projection=projection):
            if projection == state.projection and state.page == 0:
                return []
            return [ProjectionChanged(projection, 0)]
        case TurnPage(page=page):
            return [] if page == state.page else [ProjectionChanged(state.projection, page)]
        case StartTimer(seconds=seconds, closes=closes, now=now):
            if not 0 < seconds <= MAX_TIMER_SECONDS:
                return Rejection("bad_field")
            if not is_timed_phase(state):
                return Rejection("nothing_to_time")
            started = Timer(state.phase, state.prompt_index, state.focus, now + seconds, closes)
            return [TimerSet(started)]
        case ExtendTimer(seconds=seconds):
            timer = running_timer(state)
            if timer is None:
                return Rejection("no_timer")
            if not 0 < seconds <= MAX_TIMER_SECONDS:
                return Rejection("bad_field")
            return [TimerSet(replace(timer, ends_at=timer.ends_at + seconds))]
        case StopTimer():
            return [] if state.timer is None else [TimerSet(None)]
        case TimeUp(now=now):
            running = running_timer(state)
            if running is None or not running.closes or now < running.ends_at:
                return []  # stopped, extended or moved on since it was set
            return [*_close(state), TimerSet(None)]
    raise TypeError(f"unknown command {command!r}")


def _close(state: SessionState) -> list[Closing]:
    """What the facilitator's own button for this phase would do."""
    closed: Sequence[Closing] | Rejection
    match state.phase:
        case Phase.ANSWERING:
            closed = decide_answering(state, LEADER, CloseAnswering())
        case Phase.VOTING:
            closed = decide_voting(state, LEADER, RevealVotes())
        case _:
            closed = decide_consent(state, LEADER, CloseRound(state.focus))
    return [] if isinstance(closed, Rejection) else list(closed)


def evolve_room(state: SessionState, event: RoomEvent) -> SessionState:
    match event:
        case FocusChanged(decision=number):
            return replace(state, focus=number)
        case ProjectionChanged(projection=projection, page=page):
            return replace(state, projection=projection, page=page)
        case TimerSet(timer=set_to):
            return replace(state, timer=set_to)
    raise TypeError(f"unknown event {event!r}")
