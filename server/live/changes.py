"""What a change means for the screens: the parts of the stage it touches, and whose own
part (answers, ballot, consent form) must be drawn again."""

from __future__ import annotations

from collections.abc import Hashable

from ..rules import AnswerAdded, AnswerDeleted, AnswerEdited, Event
from ..rules.asking import Picked
from ..rules.consent import ConsentGiven, latest_round
from ..rules.state import Phase, SessionState, Shown, shown_where
from ..rules.voting import VotesSet, dots_of

# Phases whose stages show answers themselves (boards, ballots, results).
SHOWN_ON_STAGES = (Phase.GROUPING, Phase.VOTING, Phase.DECIDING)


# The fields that every stage shows: when one changes, every stage is sent again.
STAGE_FIELDS = tuple(
    name for name in SessionState.__dataclass_fields__ if Shown.STAGE in shown_where(name)
)


def stage_of(state: SessionState) -> tuple[object, ...]:
    return tuple(getattr(state, name) for name in STAGE_FIELDS)


def personal_part(state: SessionState, pseudonym: str) -> Hashable:
    """All that a participant's own part shows of them alone, by phase (see _mine.html)."""
    match state.phase:
        case Phase.VOTING:
            return tuple(sorted(dots_of(state, state.prompt_index, pseudonym).items()))
        case Phase.DECIDING:
            current = latest_round(state, state.focus)
            return current and state.consents.get((state.focus, current.number, pseudonym))
        case _ if state.current_ask.takes_remarks:
            own = tuple(state.answers_by(pseudonym, state.prompt_index))
            return (state.choices.get((state.prompt_index, pseudonym)), own)
        case _ if state.current_ask.is_counted:
            return state.choices.get((state.prompt_index, pseudonym))
        case _:
            return tuple(state.answers_by(pseudonym, state.prompt_index))


def same_shared(a: tuple[object, ...], b: tuple[object, ...]) -> bool:
    """Answers and groups by identity (they are replaced when they change), the rest by value."""
    return a[0] is b[0] and a[1] is b[1] and a[2:] == b[2:]


def author_of(before: SessionState, event: Event) -> str:
    match event:
        case VotesSet(voter=voter) | ConsentGiven(voter=voter) | Picked(voter=voter):
            return voter
        case AnswerAdded(answer=answer):
            return answer.author
        case AnswerEdited(number=number) | AnswerDeleted(number=number) if number in before.answers:
            return before.answers[number].author
    return ""
