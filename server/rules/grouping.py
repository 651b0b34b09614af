"""Grouping answers into themes: the commands, events and rules of the grouping phase.

Pure like `rules.py`. Every move names where a card goes, never "one step", so two people
moving the same card at once both end with the same result: the later move wins, and
every screen is sent that one state.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from types import MappingProxyType

from .state import Actor, Answer, Group, Phase, Rejection, Role, SessionState, with_item

MAX_LABEL_LENGTH = 80


# Where a card can go ---------------------------------------------------------------


@dataclass(frozen=True)
class OntoAnswer:
    """Onto another card: into its group, or a new group of the two."""

    number: int


@dataclass(frozen=True)
class IntoGroup:
    number: int


@dataclass(frozen=True)
class NewGroup:
    pass


@dataclass(frozen=True)
class NoGroup:
    pass


Target = OntoAnswer | IntoGroup | NewGroup | NoGroup


# Commands ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MoveAnswer:
    number: int
    target: Target


@dataclass(frozen=True)
class RenameGroup:
    number: int
    label: str


@dataclass(frozen=True)
class MergeGroups:
    source: int
    target: int


@dataclass(frozen=True)
class CreateGroup:
    """Accepting a suggestion: these answers, still ungrouped, become one group."""

    answers: tuple[int, ...]
    label: str


@dataclass(frozen=True)
class SetPhoneGrouping:
    is_allowed: bool


@dataclass(frozen=True)
class SuggestGroups:
    """Asks for suggestions: they are shown to the facilitator and change nothing."""


@dataclass(frozen=True)
class DismissSuggestion:
    index: int


SuggestionCommand = SuggestGroups | DismissSuggestion
GroupingCommand = MoveAnswer | RenameGroup | MergeGroups | CreateGroup | SetPhoneGrouping
GROUPING_COMMANDS = (MoveAnswer, RenameGroup, MergeGroups, CreateGroup, SetPhoneGrouping)
PARTICIPANT_MAY = (MoveAnswer,)


# Events -----------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupCreated:
    group: Group


@dataclass(frozen=True)
class AnswerMoved:
    number: int
    group: int | None


@dataclass(frozen=True)
class GroupRenamed:
    number: int
    label: str


@dataclass(frozen=True)
class GroupDeleted:
    number: int


@dataclass(frozen=True)
class PhoneGroupingChanged:
    is_allowed: bool


GroupingEvent = GroupCreated | AnswerMoved | GroupRenamed | GroupDeleted | PhoneGroupingChanged
GROUPING_EVENTS = (GroupCreated, AnswerMoved, GroupRenamed, GroupDeleted, PhoneGroupingChanged)


# Rules ------------------------------------------------------------------------------


def tidy_label(text: str) -> str:
    return " ".join(text.split())[:MAX_LABEL_LENGTH]


def _new_group(state: SessionState, label: str) -> GroupCreated:
    return GroupCreated(Group(state.next_group, state.prompt_index, tidy_label(label)))


def leaving(state: SessionState, answer: Answer, joining: int | None) -> list[GroupingEvent]:
    """Removes the group the answer leaves when it would be left empty."""
    if answer.group is None or answer.group == joining:
        return []
    if len(state.members(answer.group)) == 1:
        return [GroupDeleted(answer.group)]
    return []


def _move(state: SessionState, answer: Answer, target: Target) -> list[GroupingEvent] | Rejection:
    match target:
        case NoGroup():
            if answer.group is None:
                return []
            return [AnswerMoved(answer.number, None), *leaving(state, answer, None)]
        case IntoGroup(number=group):
            found = state.groups.get(group)
            if found is None or found.prompt_index != state.prompt_index:
                return Rejection("group_gone")
            if answer.group == group:
                return []
            return [AnswerMoved(answer.number, group), *leaving(state, answer, group)]
        case NewGroup():
            if answer.group is not None and len(state.members(answer.group)) == 1:
                return []  # already alone in a group of its own
            created = _new_group(state, answer.text)
            moved = AnswerMoved(answer.number, created.group.number)
            return [created, moved, *leaving(state, answer, created.group.number)]
        case OntoAnswer(number=other_number):
            other = _answer_here(state, other_number)
            if other is None or other_number == answer.number:
                return Rejection("answer_gone")
            if other.group is not None:
                return _move(state, answer, IntoGroup(other.group))
            created = _new_group(state, other.text)
            number = created.group.number
            events: list[GroupingEvent] = [created, AnswerMoved(other.number, number)]
            return [*events, AnswerMoved(answer.number, number), *leaving(state, answer, number)]
    raise TypeError(f"unknown target {target!r}")


def _is_free(state: SessionState, number: int) -> bool:
    answer = _answer_here(state, number)
    return answer is not None and answer.group is None


def _answer_here(state: SessionState, number: int) -> Answer | None:
    answer = state.answers.get(number)
    if answer is None or answer.prompt_index != state.prompt_index:
        return None
    return answer


def decide_grouping(
    state: SessionState, actor: Actor, command: GroupingCommand
) -> list[GroupingEvent] | Rejection:
    is_leader = actor.role is Role.FACILITATOR
    if not is_leader and not (isinstance(command, PARTICIPANT_MAY) and state.is_phone_grouping):
        return Rejection("facilitator_only")
    if state.phase is not Phase.GROUPING:
        return Rejection("not_grouping")

    match command:
        case MoveAnswer(number=number, target=target):
            answer = _answer_here(state, number)
            if answer is None:
                return Rejection("answer_gone")
            return _move(state, answer, target)
        case RenameGroup(number=number, label=raw):
            group = state.groups.get(number)
            label = tidy_label(raw)
            if group is None:
                return Rejection("group_gone")
            if not label:
                return Rejection("label_empty")
            return [] if label == group.label else [GroupRenamed(number, label)]
        case MergeGroups(source=source, target=target):
            if source == target:
                return []
            here = {g.number for g in state.groups_for(state.prompt_index)}
            if source not in here or target not in here:
                return Rejection("group_gone")
            moves = [AnswerMoved(a.number, target) for a in state.members(source)]
            return [*moves, GroupDeleted(source)]
        case CreateGroup(answers=numbers, label=label):
            free = [n for n in dict.fromkeys(numbers) if _is_free(state, n)]
            if not free:
                return Rejection("suggestion_outdated")
            created = _new_group(state, tidy_label(label) or state.answers[free[0]].text)
            return [created, *(AnswerMoved(n, created.group.number) for n in free)]
        case SetPhoneGrouping(is_allowed=allowed):
            return [] if allowed == state.is_phone_grouping else [PhoneGroupingChanged(allowed)]
    raise TypeError(f"unknown command {command!r}")


def evolve_grouping(state: SessionState, event: GroupingEvent) -> SessionState:
    match event:
        case GroupCreated(group=group):
            return replace(
                state,
                groups=with_item(state.groups, group.number, group),
                next_group=max(state.next_group, group.number + 1),
            )
        case AnswerMoved(number=number, group=group):
            moved = replace(state.answers[number], group=group)
            return replace(state, answers=with_item(state.answers, number, moved))
        case GroupRenamed(number=number, label=label):
            renamed = replace(state.groups[number], label=label)
            return replace(state, groups=with_item(state.groups, number, renamed))
        case GroupDeleted(number=number):
            groups = {n: g for n, g in state.groups.items() if n != number}
            return replace(state, groups=MappingProxyType(groups))
        case PhoneGroupingChanged(is_allowed=allowed):
            return replace(state, is_phone_grouping=allowed)
    raise TypeError(f"unknown event {event!r}")
