"""The journal's SQL in PostgreSQL: numbering a change under the session's row lock, and
reading what came after a number."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..journal import JournalEntry, decode
from ..loaded import OutOfOrder

if TYPE_CHECKING:
    from .database import Connection, Pool


async def write_entry(db: Connection, session_id: str, after: int | None, body: str) -> int:
    """The session's next sequence number, taken only if it still stands at `after` (None:
    whatever it stands at), with the change it numbers. Inside the caller's transaction:
    the UPDATE holds the session's row until it commits, so another process's change
    waits, then finds the number moved on (READ COMMITTED re-reads the row) and is refused."""
    if after is None:
        seq = await db.fetchval(
            "UPDATE sessions SET seq = seq + 1 WHERE id = $1 RETURNING seq", session_id
        )
    else:
        seq = await db.fetchval(
            "UPDATE sessions SET seq = seq + 1 WHERE id = $1 AND seq = $2 RETURNING seq",
            session_id,
            after,
        )
    if seq is None:
        raise OutOfOrder(session_id)
    await db.execute(
        "INSERT INTO journal (session_id, seq, body) VALUES ($1, $2, $3)", session_id, seq, body
    )
    return int(seq)


async def read_entries(pool: Pool, session_id: str, after: int) -> tuple[int, list[JournalEntry]]:
    """The session's sequence number now, and the journal's entries after `after`, read in
    one snapshot."""
    async with pool.acquire() as db, db.transaction(isolation="repeatable_read", readonly=True):
        seq = await db.fetchval("SELECT seq FROM sessions WHERE id = $1", session_id)
        rows = await db.fetch(
            "SELECT seq, body FROM journal WHERE session_id = $1 AND seq > $2 ORDER BY seq",
            session_id,
            after,
        )
    return (seq or 0), [decode(row[0], row[1]) for row in rows]
