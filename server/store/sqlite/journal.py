"""The journal's SQL in SQLite: numbering a change under the session's sequence number,
and reading what came after a number."""

from __future__ import annotations

import aiosqlite

from ..journal import JournalEntry, Turn, decode, encode
from ..loaded import OutOfOrder


async def write_entry(
    db: aiosqlite.Connection, session_id: str, after: int | None, body: str
) -> int:
    """The session's next sequence number, taken only if it still stands at `after` (None:
    whatever it stands at), with the change it numbers. Inside the caller's transaction."""
    query = "UPDATE sessions SET seq = seq + 1 WHERE id = ?"
    async with db.execute(
        query + (" RETURNING seq" if after is None else " AND seq = ? RETURNING seq"),
        (session_id,) if after is None else (session_id, after),
    ) as cursor:
        row = await cursor.fetchone()
    if row is None:
        raise OutOfOrder(session_id)
    await db.execute(
        "INSERT INTO journal (session_id, seq, body) VALUES (?, ?, ?)", (session_id, row[0], body)
    )
    return int(row[0])


async def read_entries(
    db: aiosqlite.Connection, session_id: str, after: int
) -> tuple[int, list[JournalEntry]]:
    """The session's sequence number now, and the journal's entries after `after`."""
    async with db.execute("SELECT seq FROM sessions WHERE id = ?", (session_id,)) as cursor:
        row = await cursor.fetchone()
    async with db.execute(
        "SELECT seq, body FROM journal WHERE session_id = ? AND seq > ? ORDER BY seq",
        (session_id, after),
    ) as cursor:
        entries = [decode(seq, body) async for seq, body in cursor]
    return (row[0] if row else 0), entries


async def take_turn(db: aiosqlite.Connection, turn: Turn) -> int:
    """Numbers a batch in the journal. With `decide`, the batch is decided here, inside the
    transaction that holds the database (BEGIN IMMEDIATE), after the entries other
    processes saved since `after`: never late, so never refused for it."""
    if turn.decide is None or turn.after is None:
        return await write_entry(db, turn.session_id, turn.after, encode(turn.events))
    seq, entries = await read_entries(db, turn.session_id, turn.after)
    return await _decided(db, turn, seq, entries)


async def _decided(
    db: aiosqlite.Connection, turn: Turn, seq: int, entries: list[JournalEntry]
) -> int:
    assert turn.decide is not None and turn.after is not None
    if [e.seq for e in entries] != list(range(turn.after + 1, seq + 1)):
        raise OutOfOrder(turn.session_id)  # emptied on closing, or deleted: reload
    events, turn.outcome = turn.decide(entries)
    turn.events = list(events)
    if not turn.events:
        return seq
    return await write_entry(db, turn.session_id, seq, encode(turn.events))
