"""The state says, field by field, where it is drawn; change detection is derived from it."""

from __future__ import annotations

from dataclasses import field, fields, make_dataclass, replace
from types import MappingProxyType

import pytest

from server.live.changes import STAGE_FIELDS, stage_of
from server.rules.state import (
    Answer,
    Limits,
    Phase,
    Projection,
    Reveal,
    SessionState,
    Shown,
    Timer,
    changed_parts,
    shown_where,
    unclassified_fields,
)

STATE = SessionState(prompts=("Vraag?",))


def test_every_field_of_the_state_says_where_it_is_drawn() -> None:
    """A field added without saying where it is drawn fails here, instead of leaving
    screens stale with no failing test."""
    assert unclassified_fields(SessionState) == []


def test_the_guard_catches_a_field_added_without_saying_where() -> None:
    """The check above is not vacuous: a state class with one more plain field fails it."""
    grown = make_dataclass(
        "GrownState", [("surprise", int, field(default=0))], bases=(SessionState,), frozen=True
    )
    assert unclassified_fields(grown) == ["surprise"]


def another(value: object) -> object:
    """A different value of the same kind."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, Phase):
        return Phase.GROUPING
    if isinstance(value, Reveal):
        return Reveal.ON_CLOSE
    if isinstance(value, Projection):
        return Projection.RESULTS
    if value is None:  # the timer
        return Timer(Phase.ANSWERING, 0, 0, 1.0, closes=True)
    if isinstance(value, int):
        return value + 1
    if isinstance(value, tuple):
        return (*value, "Nog een?")
    if isinstance(value, frozenset):
        return frozenset({0})
    if isinstance(value, Limits):
        return Limits(max_answer_length=value.max_answer_length + 1)
    if isinstance(value, MappingProxyType):
        return MappingProxyType({1: object()})
    raise AssertionError(f"no other value for {value!r}")


@pytest.mark.parametrize("name", STAGE_FIELDS)
def test_a_change_to_any_stage_field_changes_the_stage(name: str) -> None:
    """Every field the stages show is part of what decides to send the stages again."""
    after = replace(STATE, **{name: another(getattr(STATE, name))})
    assert stage_of(after) != stage_of(STATE)
    assert Shown.STAGE in changed_parts(STATE, after)


def test_changed_parts_names_where_each_change_is_drawn() -> None:
    """Answers are drawn on walls and boards, votes on ballots and progress, the lock in
    the counts; bookkeeping (receipts, next numbers) nowhere."""
    answers = MappingProxyType({1: Answer(1, 0, "p", "x")})
    assert changed_parts(STATE, STATE) == Shown.NOWHERE
    assert changed_parts(STATE, replace(STATE, answers=answers)) == Shown.ANSWERS
    assert changed_parts(STATE, replace(STATE, votes=MappingProxyType({(0, "p", "a1"): 1}))) == (
        Shown.VOTES
    )
    assert changed_parts(STATE, replace(STATE, is_locked=True)) == Shown.COUNTS
    assert changed_parts(STATE, replace(STATE, next_number=9)) == Shown.NOWHERE
    # A new mapping with the same content counts as changed: identity is what is compared.
    assert changed_parts(STATE, replace(STATE, answers=MappingProxyType({}))) == Shown.ANSWERS


def test_every_classification_is_a_known_part() -> None:
    """No field is drawn somewhere the publisher does not know."""
    known = (
        Shown.STAGE
        | Shown.ANSWERS
        | Shown.VOTES
        | Shown.CONSENT
        | Shown.COUNTS
        | Shown.PROJECTOR
        | Shown.CHOICES
    )
    for f in fields(SessionState):
        assert shown_where(f.name) & ~known == Shown.NOWHERE, f.name
