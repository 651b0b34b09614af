"""The SQLite store's group commit: batches saved together, each on its own account."""

from __future__ import annotations

import asyncio
from pathlib import Path

from server.rules import AnswerAdded
from server.rules.state import Answer
from server.store import SessionRecord
from server.store.sqlite import SQLiteStore


def record(session_id: str, code: str) -> SessionRecord:
    return SessionRecord(
        session_id, code, "core-values", "nl", "Kernwaarden", "", ("Vraag?",), "hash", "2026-11-29"
    )


def added(number: int, author: str = "p1") -> AnswerAdded:
    return AnswerAdded(Answer(number, 0, author, f"antwoord {number}"), f"m{number}")


async def test_batches_from_many_sessions_at_once_are_all_saved(tmp_path: Path) -> None:
    """Ten sessions saving at the same moment: every batch is stored, once."""
    store = SQLiteStore(str(tmp_path / "store.db"))
    await store.open()
    try:
        ids = [f"session{n}" for n in range(10)]
        for n, session_id in enumerate(ids):
            await store.create_session(record(session_id, f"{n:06d}"))
        await asyncio.gather(
            *(store.append(s, [added(k, f"p{k}") for k in range(1, 6)]) for s in ids)
        )
        for session_id in ids:
            loaded = await store.load_session(session_id)
            assert loaded is not None
            assert sorted(a.number for a in loaded.answers) == [1, 2, 3, 4, 5]
    finally:
        await store.close()


async def test_a_batch_that_cannot_be_saved_fails_alone(tmp_path: Path) -> None:
    """Saved in the same commit, a batch the database refuses (an answer number stored
    twice) raises for its own session only; the other batch is stored."""
    store = SQLiteStore(str(tmp_path / "store.db"))
    await store.open()
    try:
        await store.create_session(record("good", "111111"))
        await store.create_session(record("bad", "222222"))
        await store.append("bad", [added(1)])
        results = await asyncio.gather(
            store.append("good", [added(1)]),
            store.append("bad", [added(2), added(1)]),
            return_exceptions=True,
        )
        assert results[0] is None
        assert isinstance(results[1], Exception)
        good = await store.load_session("good")
        bad = await store.load_session("bad")
        assert good is not None and bad is not None
        assert [a.number for a in good.answers] == [1]
        assert [a.number for a in bad.answers] == [1]  # answer 2 was rolled back
    finally:
        await store.close()
