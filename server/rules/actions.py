"""The actions an agreed decision leads to: what, who and by when, added, edited and removed
by the facilitator. Pure, like the consent rules whose agreement they need (consent.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from .consent import MAX_TEXT, latest_round, status, tidy
from .state import Action, Actor, Phase, Rejection, Role, SessionState, with_item

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{4}|\d{2})")


# Commands ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AddAction:
    decision: int
    what: str
    who: str
    due: str
    origin: str


@dataclass(frozen=True)
class EditAction:
    number: int
    what: str
    who: str
    due: str


@dataclass(frozen=True)
class RemoveAction:
    number: int


ActionCommand = AddAction | EditAction | RemoveAction
ACTION_COMMANDS = (AddAction, EditAction, RemoveAction)


# Events -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionAdded:
    action: Action


@dataclass(frozen=True)
class ActionEdited:
    action: Action


@dataclass(frozen=True)
class ActionRemoved:
    number: int


ActionEvent = ActionAdded | ActionEdited | ActionRemoved
ACTION_EVENTS = (ActionAdded, ActionEdited, ActionRemoved)


# Reading the state ------------------------------------------------------------------


@dataclass(frozen=True)
class Agreed:
    """An agreed decision as the room reads it back: its words and its actions."""

    number: int
    prompt_index: int
    text: str
    actions: tuple[Action, ...]


def agreed_decisions(state: SessionState) -> list[Agreed]:
    """Every agreed decision of the session, in order, with its actions in order."""
    found = []
    for number in sorted(state.decisions):
        current = latest_round(state, number)
        if current is None or status(state, number) != "agreed":
            continue
        actions = tuple(
            a
            for a in sorted(state.actions.values(), key=lambda a: a.number)
            if a.decision == number
        )
        found.append(Agreed(number, state.decisions[number].prompt_index, current.text, actions))
    return found


# Rules ------------------------------------------------------------------------------


def is_date(text: str) -> bool:
    """A real calendar date written as YYYY-MM-DD (what a date field sends)."""
    if not (text.isascii() and _DATE.fullmatch(text)):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def parse_due(text: str) -> str | None:
    """A due date as YYYY-MM-DD, from what a person types: day-month-year as Dutch (and
    British) people write it ("5-3-2027", "05/03/27", "5.3.2027"), or already ISO. None
    when it is no real date."""
    text = text.strip()
    if is_date(text):
        return text
    found = _DAY_MONTH_YEAR.fullmatch(text) if text.isascii() else None
    if found is None:
        return None
    day, month, year = (int(part) for part in found.groups())
    if year < 100:
        year += 2000
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _action(action: Action, what: str, who: str, due: str) -> Action | Rejection:
    """The action with these texts, checked: something to do, and a real date or none."""
    what, who = tidy(what, MAX_TEXT), tidy(who, 120)
    if not what:
        return Rejection("action_empty")
    day = parse_due(due) if due.strip() else ""
    if day is None:
        return Rejection("bad_date")
    return replace(action, what=what, who=who, due=day)


def decide_actions(
    state: SessionState, actor: Actor, command: ActionCommand
) -> list[ActionEvent] | Rejection:
    if actor.role is not Role.FACILITATOR:
        return Rejection("facilitator_only")
    if state.phase is Phase.ENDED:
        return Rejection("session_ended")
    match command:
        case AddAction(decision=number, what=raw_what, who=raw_who, due=due, origin=origin):
            if any(a.origin == origin for a in state.actions.values()):
                return []
            if status(state, number) != "agreed":
                return Rejection("decision_not_agreed")
            action_number = max(state.actions, default=0) + 1
            made = _action(
                Action(action_number, number, "", "", "", origin), raw_what, raw_who, due
            )
            return made if isinstance(made, Rejection) else [ActionAdded(made)]
        case EditAction(number=number, what=raw_what, who=raw_who, due=due):
            if number not in state.actions:
                return Rejection("action_gone")
            edited = _action(state.actions[number], raw_what, raw_who, due)
            if isinstance(edited, Rejection) or edited == state.actions[number]:
                return edited if isinstance(edited, Rejection) else []
            return [ActionEdited(edited)]
        case RemoveAction(number=number):
            return [ActionRemoved(number)] if number in state.actions else []
    raise TypeError(f"unknown command {command!r}")


def evolve_actions(state: SessionState, event: ActionEvent) -> SessionState:
    match event:
        case ActionAdded(action=action) | ActionEdited(action=action):
            return replace(state, actions=with_item(state.actions, action.number, action))
        case ActionRemoved(number=number):
            return replace(state, actions=with_item(state.actions, number, None))
    raise TypeError(f"unknown event {event!r}")
