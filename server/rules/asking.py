"""Questions answered by picking: a scale from 1 to 5, or one or several options. Pure.

A pick belongs to a pseudonym until the session closes, like a vote: picking again
replaces it, so a phone that sends twice (or changes its mind) counts once. What the room
sees is the distribution, and below the floor not even that.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

from .questions import Ask, Kind
from .state import Actor, Phase, Rejection, Role, SessionState, with_item

MAX_OPTIONS = 10
MAX_OPTION_LENGTH = 80
MAX_END_LENGTH = 40
WORDS_LENGTH = 40  # a word cloud is read from the back of the room: a few words each


# Commands and events ------------------------------------------------------------------


@dataclass(frozen=True)
class Pick:
    values: tuple[int, ...]  # indexes into the question's values


@dataclass(frozen=True)
class Picked:
    prompt_index: int
    voter: str
    values: tuple[int, ...]


ASKING_COMMANDS = (Pick,)
ASKING_EVENTS = (Picked,)


# Reading the state --------------------------------------------------------------------


def pickers(state: SessionState, prompt_index: int) -> int:
    return sum(1 for (prompt, _voter) in state.choices if prompt == prompt_index)


def is_pick_below_floor(state: SessionState, prompt_index: int) -> bool:
    """Below the floor a distribution would tell who picked what."""
    return pickers(state, prompt_index) < state.floor


def distribution(state: SessionState, prompt_index: int) -> list[tuple[str, int]]:
    """Each value with how many picked it, in the question's order."""
    ask = state.ask(prompt_index)
    counts: Counter[int] = Counter()
    for (prompt, _voter), values in state.choices.items():
        if prompt == prompt_index:
            counts.update(values)
    return [(label, counts[index]) for index, label in enumerate(ask.values)]


def mean(state: SessionState, prompt_index: int) -> float | None:
    """A scale's average, or None when nobody picked."""
    rows = distribution(state, prompt_index)
    total = sum(count for _label, count in rows)
    if not total:
        return None
    return sum((index + 1) * count for index, (_label, count) in enumerate(rows)) / total


def cloud(texts: list[str]) -> list[tuple[str, int]]:
    """Answers as a word cloud: the same words (however capitalised) counted together, most
    first, each written as most people wrote it."""
    forms: dict[str, Counter[str]] = {}
    for text in texts:
        key = " ".join(text.casefold().split()).strip(" .,!?;:")
        if key:
            forms.setdefault(key, Counter())[text.strip(" .,!?;:")] += 1
    words = [(c.most_common(1)[0][0], sum(c.values())) for c in forms.values()]
    return sorted(words, key=lambda w: (-w[1], w[0].casefold()))


def checked_ask(ask: Ask) -> Ask | Rejection:
    """A question's kind as the facilitator wrote it, tidied, or why it cannot be asked."""
    if ask.kind is Kind.CHOICE:
        options = tuple(dict.fromkeys(o for o in (" ".join(o.split()) for o in ask.options) if o))
        if not 2 <= len(options) <= MAX_OPTIONS:
            return Rejection("choice_options", {"limit": MAX_OPTIONS})
        if any(len(o) > MAX_OPTION_LENGTH for o in options):
            return Rejection("option_too_long", {"limit": MAX_OPTION_LENGTH})
        return Ask(Kind.CHOICE, options, is_multiple=ask.is_multiple)
    if ask.kind is Kind.SCALE:
        low, high = (" ".join(end.split())[:MAX_END_LENGTH] for end in (ask.low, ask.high))
        return Ask(Kind.SCALE, low=low, high=high)
    return Ask(ask.kind)


def ask_fields(ask: Ask) -> dict[str, object]:
    """A question's kind as plain values, for a store or a pack to keep."""
    return {
        "kind": ask.kind.value,
        "options": list(ask.options),
        "low": ask.low,
        "high": ask.high,
        "multiple": ask.is_multiple,
        "agreement": ask.agreement,
    }


def ask_from(fields: object) -> Ask:
    """A kept question kind back; what this version cannot read is an open question."""
    if not isinstance(fields, dict):
        return Ask()
    try:
        return Ask(
            Kind(fields.get("kind", "open")),
            tuple(str(o) for o in fields.get("options", ())),
            str(fields.get("low", "")),
            str(fields.get("high", "")),
            bool(fields.get("multiple", False)),
            str(fields.get("agreement", "")),
        )
    except (TypeError, ValueError):
        return Ask()


# Rules --------------------------------------------------------------------------------


def decide_asking(state: SessionState, actor: Actor, command: Pick) -> list[Picked] | Rejection:
    if actor.role is not Role.PARTICIPANT:
        return Rejection("participants_only")
    if state.phase is Phase.LOBBY:
        return Rejection("answering_not_open")
    if state.phase is not Phase.ANSWERING:
        return Rejection("answering_closed")
    ask = state.current_ask
    if not ask.is_counted:
        return Rejection("not_a_pick")
    values = tuple(sorted(set(command.values)))
    if not values or any(not 0 <= v < len(ask.values) for v in values):
        return Rejection("bad_pick")
    if len(values) > 1 and not ask.is_multiple:
        return Rejection("one_pick")
    key = (state.prompt_index, actor.pseudonym)
    if state.choices.get(key) == values:
        return []
    return [Picked(state.prompt_index, actor.pseudonym, values)]


def evolve_asking(state: SessionState, event: Picked) -> SessionState:
    key = (event.prompt_index, event.voter)
    return replace(state, choices=with_item(state.choices, key, event.values))
