"""Asking and answering: the questions, the answers phones send, and the room's own
settings (when answers show, who may still join), as pure rules."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .asking import WORDS_LENGTH, checked_ask
from .grouping import GroupingEvent, leaving
from .questions import OPEN, Ask, Kind
from .state import (
    Actor,
    Answer,
    Phase,
    PhaseChanged,
    Rejection,
    Reveal,
    Role,
    SessionState,
    with_item,
)

MAX_PROMPTS = 20


# Commands -----------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenPrompt:
    prompt_index: int


@dataclass(frozen=True)
class CloseAnswering:
    pass


@dataclass(frozen=True)
class SetReveal:
    reveal: Reveal


@dataclass(frozen=True)
class StartGrouping:
    pass


@dataclass(frozen=True)
class AddPrompt:
    text: str
    ask: Ask = OPEN


@dataclass(frozen=True)
class LockRoom:
    """Once everyone is in: no new participants; those who joined come back as before."""

    is_locked: bool


@dataclass(frozen=True)
class HideAnswer:
    """Moderation: the facilitator takes an answer off every screen and out of the outcome."""

    number: int


@dataclass(frozen=True)
class SubmitAnswer:
    text: str
    msg_id: str


@dataclass(frozen=True)
class EditAnswer:
    number: int
    text: str


@dataclass(frozen=True)
class DeleteAnswer:
    number: int


AnsweringCommand = (
    OpenPrompt
    | CloseAnswering
    | StartGrouping
    | SetReveal
    | AddPrompt
    | HideAnswer
    | LockRoom
    | SubmitAnswer
    | EditAnswer
    | DeleteAnswer
)
ANSWERING_COMMANDS = (
    OpenPrompt,
    CloseAnswering,
    StartGrouping,
    SetReveal,
    AddPrompt,
    HideAnswer,
    LockRoom,
    SubmitAnswer,
    EditAnswer,
    DeleteAnswer,
)
FACILITATOR_COMMANDS = (
    OpenPrompt,
    CloseAnswering,
    StartGrouping,
    SetReveal,
    AddPrompt,
    HideAnswer,
    LockRoom,
)


# Events -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RevealChanged:
    reveal: Reveal


@dataclass(frozen=True)
class PromptAdded:
    text: str
    ask: Ask = OPEN


@dataclass(frozen=True)
class AnswerAdded:
    answer: Answer
    msg_id: str


@dataclass(frozen=True)
class AnswerEdited:
    number: int
    text: str


@dataclass(frozen=True)
class AnswerDeleted:
    number: int


@dataclass(frozen=True)
class RoomLocked:
    is_locked: bool


AnsweringEvent = (
    RevealChanged | PromptAdded | AnswerAdded | AnswerEdited | AnswerDeleted | RoomLocked
)
ANSWERING_EVENTS = (
    RevealChanged,
    PromptAdded,
    AnswerAdded,
    AnswerEdited,
    AnswerDeleted,
    RoomLocked,
)


# Rules --------------------------------------------------------------------------------

_WHITESPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(text: str) -> str:
    """One tidy line: answers are read from the back of a room, not formatted."""
    return _WHITESPACE.sub(" ", _CONTROL.sub("", text)).strip()


def _check_text(state: SessionState, text: str) -> Rejection | None:
    if not text:
        return Rejection("answer_empty")
    limit = state.limits.max_answer_length
    if state.current_ask.kind is Kind.WORDS:
        limit = min(limit, WORDS_LENGTH)
    if len(text) > limit:
        return Rejection("answer_too_long", {"limit": limit})
    return None


def _own_open_answer(state: SessionState, actor: Actor, number: int) -> Answer | Rejection | None:
    answer = state.answers.get(number)
    if answer is None:
        return None
    if answer.author != actor.pseudonym:
        return Rejection("not_your_answer")
    if state.phase is not Phase.ANSWERING or answer.prompt_index != state.prompt_index:
        return Rejection("answering_closed")
    return answer


def decide_answering(
    state: SessionState, actor: Actor, command: AnsweringCommand
) -> list[AnsweringEvent | PhaseChanged | GroupingEvent] | Rejection:
    if isinstance(command, FACILITATOR_COMMANDS) and actor.role is not Role.FACILITATOR:
        return Rejection("facilitator_only")
    match command:
        case OpenPrompt(prompt_index=index):
            if not 0 <= index < state.prompt_count:
                return Rejection("unknown_prompt")
            if state.phase is Phase.ANSWERING and state.prompt_index == index:
                return []
            return [PhaseChanged(Phase.ANSWERING, index)]

        case CloseAnswering():
            if state.phase is Phase.CLOSED:
                return []
            if state.phase is not Phase.ANSWERING:
                return Rejection("answering_not_open")
            return [PhaseChanged(Phase.CLOSED, state.prompt_index)]

        case StartGrouping():
            if state.phase is Phase.LOBBY:
                return Rejection("answering_not_open")
            if state.phase is Phase.GROUPING:
                return []
            return [PhaseChanged(Phase.GROUPING, state.prompt_index)]

        case SetReveal(reveal=reveal):
            return [] if reveal is state.reveal else [RevealChanged(reveal)]

        case LockRoom(is_locked=is_locked):
            if state.phase is Phase.ENDED:
                return Rejection("session_ended")
            return [] if is_locked == state.is_locked else [RoomLocked(is_locked)]

        case AddPrompt(text=raw, ask=ask):
            checked = checked_ask(ask)
            if isinstance(checked, Rejection):
                return checked
            text = clean_text(raw)
            if not text:
                return Rejection("prompt_empty")
            if len(text) > state.limits.max_answer_length:
                return Rejection("prompt_too_long", {"limit": state.limits.max_answer_length})
            if state.prompt_count >= MAX_PROMPTS:
                return Rejection("too_many_prompts", {"limit": MAX_PROMPTS})
            return [PromptAdded(text, checked)]

        case SubmitAnswer(text=raw, msg_id=msg_id):
            if (actor.pseudonym, msg_id) in state.receipts:
                return []
            if state.phase is Phase.LOBBY:
                return Rejection("answering_not_open")
            if state.phase is not Phase.ANSWERING:
                return Rejection("answering_closed")
            if state.current_ask.is_counted and not state.current_ask.takes_remarks:
                return Rejection("pick_instead")
            text = clean_text(raw)
            if rejection := _check_text(state, text):
                return rejection
            limit = state.limits.max_answers_per_prompt
            # Counted, not indexed: in a burst every answer makes a new answers mapping.
            own = sum(
                1
                for a in state.answers.values()
                if a.author == actor.pseudonym and a.prompt_index == state.prompt_index
            )
            if own >= limit:
                return Rejection("too_many_answers", {"limit": limit})
            answer = Answer(state.next_number, state.prompt_index, actor.pseudonym, text)
            return [AnswerAdded(answer, msg_id)]

        case EditAnswer(number=number, text=raw):
            found = _own_open_answer(state, actor, number)
            if found is None:
                return Rejection("answer_gone")
            if isinstance(found, Rejection):
                return found
            text = clean_text(raw)
            if rejection := _check_text(state, text):
                return rejection
            return [] if text == found.text else [AnswerEdited(number, text)]

        case HideAnswer(number=number):
            hidden = state.answers.get(number)
            if hidden is None:
                return []
            if state.phase is Phase.ENDED:
                return Rejection("session_ended")
            return [AnswerDeleted(number), *leaving(state, hidden, None)]

        case DeleteAnswer(number=number):
            found = _own_open_answer(state, actor, number)
            if found is None:
                return []  # already gone: deleting twice is the same as once
            if isinstance(found, Rejection):
                return found
            return [AnswerDeleted(number), *leaving(state, found, None)]

    raise TypeError(f"unknown command {command!r}")


def evolve_answering(state: SessionState, event: AnsweringEvent) -> SessionState:
    match event:
        case RevealChanged(reveal=reveal):
            return replace(state, reveal=reveal)
        case PromptAdded(text=text, ask=ask):
            asks = state.asks if ask == OPEN else with_item(state.asks, state.prompt_count, ask)
            return replace(state, prompts=(*state.prompts, text), asks=asks)
        case AnswerAdded(answer=answer, msg_id=msg_id):
            return replace(
                state,
                answers=with_item(state.answers, answer.number, answer),
                receipts=with_item(state.receipts, (answer.author, msg_id), answer.number),
                next_number=max(state.next_number, answer.number + 1),
            )
        case AnswerEdited(number=number, text=text):
            edited = replace(state.answers[number], text=text)
            return replace(state, answers=with_item(state.answers, number, edited))
        case AnswerDeleted(number=number):
            return replace(state, answers=with_item(state.answers, number, None))
        case RoomLocked(is_locked=is_locked):
            return replace(state, is_locked=is_locked)
    raise TypeError(f"unknown event {event!r}")
