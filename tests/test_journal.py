"""The journal: every kind of event is written as JSON and read back as the same event,
and a row that is not one of the known events is refused, never guessed at."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.rules import AnswerAdded
from server.rules.state import Answer
from server.store.journal import EVENT_TYPES, JournalError, decode, encode


def is_comparable(event: object) -> bool:
    """NaN is never equal to itself, and a timer never ends at infinity."""
    text = repr(event)
    return "nan" not in text and "inf" not in text


@pytest.mark.parametrize("name", sorted(EVENT_TYPES))
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_every_event_comes_back_the_same(name: str, data: st.DataObject) -> None:
    """A process reading another's journal row applies exactly the event that was saved."""
    event = data.draw(st.from_type(EVENT_TYPES[name]).filter(is_comparable))
    joined = data.draw(st.none() | st.text())
    entry = decode(7, encode([event, event], joined))
    assert entry.seq == 7
    assert entry.events == (event, event)
    assert entry.joined == joined


def test_all_thirty_kinds_of_event_are_known() -> None:
    """A new event that the journal could not carry would split processes silently."""
    assert len(EVENT_TYPES) >= 30
    assert "AnswerAdded" in EVENT_TYPES and "ActionReviewed" in EVENT_TYPES


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        '{"events": [["Exec", {}]]}',
        '{"events": [["AnswerDeleted", {"number": "1"}]]}',
        '{"events": [["AnswerDeleted", {"number": true}]]}',
        '{"events": [["AnswerDeleted", {}]]}',
        '{"events": [["PhaseChanged", {"phase": "nowhere", "prompt_index": 0}]]}',
        '{"events": [], "joined": 5}',
        '{"joined": "ann"}',
    ],
)
def test_a_row_that_is_not_a_known_event_is_refused(text: str) -> None:
    with pytest.raises(JournalError):
        decode(1, text)


def test_an_answer_reads_back_with_its_author_and_group() -> None:
    event = AnswerAdded(Answer(3, 0, "p-ann", "Respect", None), "m1")
    assert decode(1, encode([event])).events == (event,)
