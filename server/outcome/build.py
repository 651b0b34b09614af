"""The outcome of a closed session as a plain dict (docs/outcome.md): what is saved, shown
on the review page and exported. Built from the state alone; it names no one."""

from __future__ import annotations

from typing import Any

from ..rules.asking import distribution, is_pick_below_floor, mean, pickers
from ..rules.consent import counts, responses, status
from ..rules.questions import Kind
from ..rules.records import SessionRecord
from ..rules.state import Level, SessionState
from ..rules.voting import is_below_floor, items, tally, voter_count

SCHEMA = "draagvlak.outcome/1"


def build_outcome(
    record: SessionRecord, state: SessionState, closed_at: str, participants: int
) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "session": {
            "title": record.title,
            "lang": record.lang,
            "created_at": record.created_at,
            "closed_at": closed_at,
            "participants": participants,
        },
        "floor": state.floor,
        "prompts": [_prompt(state, index, text) for index, text in enumerate(state.prompts)],
        "decisions": [_decision(state, number) for number in sorted(state.decisions)],
        # An evaluation moment's open actions of earlier sessions, and what the room said.
        "reviewed_actions": [
            {
                "what": a.what,
                "who": a.who,
                "due": a.due or None,
                "verdict": verdict.value if (verdict := state.verdicts.get(a.id)) else None,
            }
            for a in state.carried
        ],
    }


def _prompt(state: SessionState, index: int, text: str) -> dict[str, Any]:
    ask = state.ask(index)
    if ask.is_counted:
        return _picked(state, index, text)
    hidden = is_below_floor(state, index)
    voted = index in state.revealed or voter_count(state, index) > 0
    # Hidden counts must not leak through the order either: then the board's order.
    ranked = [(item, 0) for item in items(state, index)] if hidden else tally(state, index)
    return {
        "index": index,
        "text": text,
        "kind": ask.kind.value,
        "answers": len(state.answers_for(index)),
        "voters": voter_count(state, index),
        "votes_hidden": voted and hidden,
        "items": [
            {
                "kind": "group" if item.key.startswith("g") else "answer",
                "label": item.label,
                "answers": list(item.answers),
                "votes": None if hidden or not voted else votes,
            }
            for item, votes in ranked
        ],
    }


def _picked(state: SessionState, index: int, text: str) -> dict[str, Any]:
    """A scale or a choice: how many answered and, from the floor on, how many picked each
    value (and a scale's mean, which below the floor would tell as much)."""
    ask = state.ask(index)
    hidden = is_pick_below_floor(state, index)
    average = None if hidden or ask.kind is not Kind.SCALE else mean(state, index)
    return {
        "index": index,
        "text": text,
        "kind": ask.kind.value,
        "answers": pickers(state, index),
        "voters": 0,
        "votes_hidden": False,
        "items": [],
        "choices": {
            "options": list(ask.values),
            "low": ask.low,
            "high": ask.high,
            "multiple": ask.is_multiple,
            "hidden": hidden,
            "counts": None if hidden else [count for _label, count in distribution(state, index)],
            "mean": None if average is None else round(average, 2),
            # A rating of one of the team's agreements, with what helps or hinders
            # (sorted: the order would tell who wrote when).
            "agreement": ask.agreement or None,
            "remarks": sorted(a.text for a in state.answers_for(index)),
        },
    }


def _decision(state: SessionState, number: int) -> dict[str, Any]:
    decision = state.decisions[number]
    rounds = sorted(
        (r for (d, _), r in state.rounds.items() if d == number), key=lambda r: r.number
    )
    return {
        "number": number,
        "prompt_index": decision.prompt_index,
        "from_item": decision.from_item,
        "replaces": decision.replaces or None,
        "text": rounds[-1].text if rounds else "",
        "status": status(state, number),
        "rounds": [_round(state, number, r.number, r.text, r.is_agreed) for r in rounds],
        "actions": [
            {"what": a.what, "who": a.who, "due": a.due or None}
            for a in sorted(state.actions.values(), key=lambda a: a.number)
            if a.decision == number
        ],
    }


def _round(
    state: SessionState, decision: int, number: int, text: str, agreed: bool
) -> dict[str, Any]:
    given = responses(state, decision, number)
    hidden = len(given) < state.floor
    return {
        "number": number,
        "text": text,
        "responses": len(given),
        "counts_hidden": hidden,
        "counts": None
        if hidden
        else {k.value: v for k, v in counts(state, decision, number).items()},
        # Sorted, so the order says nothing about who answered when; below the floor
        # without their levels, which would add up to the hidden counts.
        "reasons": [
            {"level": None if hidden else r.level.value, "text": r.reason}
            for r in sorted(given, key=lambda r: (list(Level).index(r.level), r.reason))
            if r.reason
        ],
        "agreed": agreed,
    }
