"""The journal's contract, on every store engine: each saved batch gets the session's next
sequence number, a batch decided on an older number is refused whole, and every process
reads the same entries in the same order (docs/architecture.md, "Several processes")."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from test_store_contract import OUTCOME, added, record, store

from server.rules import AnswerDeleted, Event, PromptAdded
from server.rules.questions import Ask
from server.rules.state import Phase, PhaseChanged
from server.store import JournalEntry, OutOfOrder, Store, open_store

__all__ = ["store"]


def url_of(store: Store) -> str:
    """The same database, for a second store: another process."""
    path = getattr(store, "path", None)
    return f"sqlite:///{path}" if path else str(store.url)


async def test_each_batch_takes_the_next_number_and_is_read_back_in_order(store: Store) -> None:
    await store.create_session(record("s1", "111111"))
    first = [PhaseChanged(Phase.ANSWERING, 0), added(1, "p-ann")]
    assert await store.append("s1", first, after=0) == 1
    assert await store.append("s1", [added(2, "p-bob")], after=1) == 2
    seq, entries = await store.journal("s1", 0)
    assert seq == 2
    assert [e.seq for e in entries] == [1, 2]
    assert entries[0].events == tuple(first)
    assert entries[1].events == (added(2, "p-bob"),)
    assert (await store.journal("s1", 1))[1] == entries[1:]
    loaded = await store.load_session("s1")
    assert loaded is not None and loaded.seq == 2


async def test_a_batch_decided_on_an_old_number_is_refused_and_saves_nothing(store: Store) -> None:
    await store.create_session(record("s1", "111111"))
    await store.append("s1", [added(1)], after=0)
    with pytest.raises(OutOfOrder):
        await store.append("s1", [added(2)], after=0)
    loaded = await store.load_session("s1")
    assert loaded is not None
    assert [a.number for a in loaded.answers] == [1]
    assert loaded.seq == 1
    assert [e.seq for e in (await store.journal("s1", 0))[1]] == [1]


async def test_a_new_participant_takes_a_number_a_returning_one_does_not(store: Store) -> None:
    await store.create_session(record("s1", "111111"))
    assert await store.add_participant("s1", "p-ann", is_journaled=True)
    assert not await store.add_participant("s1", "p-ann", is_journaled=True)
    seq, entries = await store.journal("s1", 0)
    assert seq == 1
    assert [(e.seq, e.joined, e.events) for e in entries] == [(1, "p-ann", ())]
    # Decided before the join was numbered: refused, so it is decided again after it.
    with pytest.raises(OutOfOrder):
        await store.append("s1", [added(1, "p-ann")], after=0)
    assert await store.append("s1", [added(1, "p-ann")], after=1) == 2


async def test_unjournaled_writes_leave_the_number_alone(store: Store) -> None:
    """One process (the default) needs no journal: nothing of it is written."""
    await store.create_session(record("s1", "111111"))
    await store.add_participant("s1", "p-ann")
    await store.append("s1", [added(1, "p-ann")])
    assert await store.journal("s1", 0) == (0, [])


async def test_two_processes_deciding_on_the_same_number_one_wins(store: Store) -> None:
    """The guarantee several processes rest on: of two batches decided on the same state,
    exactly one is saved; the other hears so and nothing of it is kept."""
    await store.create_session(record("s1", "111111"))
    other = open_store(url_of(store))
    await other.open()
    try:
        results = await asyncio.gather(
            store.append("s1", [added(1, "p-ann", "a")], after=0),
            other.append("s1", [added(1, "p-bob", "b")], after=0),
            return_exceptions=True,
        )
        assert sorted(type(r).__name__ for r in results) == ["OutOfOrder", "int"]
        assert 1 in results
        seq, entries = await other.journal("s1", 0)
        assert seq == 1 and len(entries) == 1
        loaded = await store.load_session("s1")
        assert loaded is not None
        assert [a.author for a in loaded.answers] == [entries[0].events[0].answer.author]  # type: ignore[union-attr]
    finally:
        await other.close()


async def test_closing_empties_the_journal_with_the_pseudonyms(store: Store) -> None:
    await store.create_session(record("s1", "111111"))
    await store.add_participant("s1", "p-ann", is_journaled=True)
    await store.append("s1", [PromptAdded("Nog een?", Ask()), added(1, "p-ann")], after=1)
    seq = await store.append("s1", [PhaseChanged(Phase.ENDED, 0)], OUTCOME, after=2)
    assert seq == 3
    assert await store.journal("s1", 0) == (3, [])
    loaded = await store.load_session("s1")
    assert loaded is not None and loaded.seq == 3


async def test_a_deleted_session_has_no_journal(store: Store) -> None:
    await store.create_session(record("s1", "111111"))
    await store.append("s1", [added(1), AnswerDeleted(1)], after=0)
    await store.delete_session("s1")
    assert await store.journal("s1", 0) == (0, [])


async def test_deciding_in_the_commit_is_never_late(store: Store) -> None:
    """Two processes decide on the same number at once: with `decide`, each batch is decided
    after what the other saved first, so both are saved, one after the other, and the
    later one saw the earlier one's entry (no refusal, no retry)."""
    await store.create_session(record("s1", "111111"))
    other = open_store(url_of(store))
    await other.open()
    seen: dict[str, list[int]] = {}

    def deciding(author: str) -> Any:
        def decide(entries: list[JournalEntry]) -> tuple[list[Event], None]:
            seen[author] = [e.seq for e in entries]
            number = 1 + sum(len(e.events) for e in entries)
            return [added(number, author, author)], None

        return decide

    try:
        results = await asyncio.gather(
            store.append("s1", [], after=0, decide=deciding("p-ann")),
            other.append("s1", [], after=0, decide=deciding("p-bob")),
        )
        assert sorted(results) == [1, 2]
        assert sorted(seen.values()) == [[], [1]]
        loaded = await store.load_session("s1")
        assert loaded is not None and loaded.seq == 2
        assert sorted(a.number for a in loaded.answers) == [1, 2]
    finally:
        await other.close()


async def test_deciding_nothing_numbers_nothing_and_a_gap_is_refused(store: Store) -> None:
    await store.create_session(record("s1", "111111"))
    await store.append("s1", [added(1)], after=0)
    assert await store.append("s1", [], after=0, decide=lambda entries: ([], None)) == 1
    assert (await store.journal("s1", 0))[0] == 1
    await store.append("s1", [PhaseChanged(Phase.ENDED, 0)], {**OUTCOME}, after=1)
    with pytest.raises(OutOfOrder):  # closed: the journal was emptied, load it again
        await store.append("s1", [], after=1, decide=lambda entries: ([added(2)], None))


async def test_joins_and_turns_committed_together_take_distinct_numbers(store: Store) -> None:
    """Arriving at once, a turn and five joins of one session, and turns of two others, are
    saved in one commit: every entry gets its own number, with no gap, and each turn saw
    what was saved before it."""
    for n, session_id in enumerate(("s1", "s2", "s3")):
        await store.create_session(record(session_id, f"11111{n}"))
    await store.append("s2", [added(1, "p-old")], after=0)

    def answer(author: str) -> Any:
        def decide(entries: list[JournalEntry]) -> tuple[list[Event], None]:
            number = 1 + sum(len(e.events) for e in entries)
            return [added(number, author, f"m-{author}")], None

        return decide

    results = await asyncio.gather(
        *(store.add_participant("s1", f"p{n}", is_journaled=True) for n in range(5)),
        store.append("s1", [], after=0, decide=answer("p0")),
        store.append("s2", [], after=0, decide=answer("p-new")),
        store.append("s3", [], after=0, decide=answer("p-ann")),
    )
    assert results[:5] == [True] * 5
    seq, entries = await store.journal("s1", 0)
    assert seq == 6 and [e.seq for e in entries] == [1, 2, 3, 4, 5, 6]
    assert sorted(e.joined for e in entries if e.joined) == ["p0", "p1", "p2", "p3", "p4"]
    assert [e.seq for e in entries if e.events] == [results[5]]
    assert results[6:] == [2, 1]
    loaded = await store.load_session("s2")
    assert loaded is not None and sorted(a.number for a in loaded.answers) == [1, 2]


async def test_a_turn_refused_in_a_commit_leaves_the_others_saved(store: Store) -> None:
    """A session closed meanwhile (its journal emptied) refuses its turn: the turns of other
    sessions committed with it are saved all the same."""
    for n, session_id in enumerate(("s1", "s2", "s3")):
        await store.create_session(record(session_id, f"22222{n}"))
    await store.append("s1", [PhaseChanged(Phase.ENDED, 0)], {**OUTCOME}, after=0)
    results = await asyncio.gather(
        store.append("s1", [], after=0, decide=lambda entries: ([added(1)], None)),
        store.append("s2", [], after=0, decide=lambda entries: ([added(1)], None)),
        store.append("s3", [], after=0, decide=lambda entries: ([added(1)], None)),
        return_exceptions=True,
    )
    assert isinstance(results[0], OutOfOrder)
    assert results[1:] == [1, 1]
    for session_id in ("s2", "s3"):
        loaded = await store.load_session(session_id)
        assert loaded is not None and [a.number for a in loaded.answers] == [1]


async def test_joins_committed_beside_a_batch_that_fails_are_kept_once(store: Store) -> None:
    """A batch the store refuses sends its group back one batch at a time: the joins
    committed with it are kept, each new once, and numbered."""
    await store.create_session(record("s1", "333333"))
    await store.append("s1", [added(1)], after=0)
    results = await asyncio.gather(
        store.add_participant("s1", "p-ann", is_journaled=True),
        store.add_participant("s1", "p-ann", is_journaled=True),
        store.append("s1", [added(1, msg_id="again")], after=1),  # answer 1 twice
        return_exceptions=True,
    )
    assert sorted(results[:2]) == [False, True]
    assert isinstance(results[2], Exception)
    seq, entries = await store.journal("s1", 1)
    assert [(e.seq, e.joined) for e in entries] == [(2, "p-ann")] and seq == 2
