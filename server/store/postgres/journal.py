"""The journal's SQL in PostgreSQL: numbering a change under the session's row lock, and
reading what came after a number."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..journal import JournalEntry, Turn, decode, encode
from ..loaded import OutOfOrder

if TYPE_CHECKING:
    from .database import Connection, Pool


async def write_entry(db: Connection, session_id: str, after: int | None, body: str) -> int:
    """The session's next sequence number, taken only if it still stands at `after` (None:
    whatever it stands at), with the change it numbers. Inside the caller's transaction:
    the UPDATE holds the session's row until it commits, so another process's change
    waits, then finds the number moved on (READ COMMITTED re-reads the row) and is refused."""
    # One statement: the number and its entry in one round trip.
    seq = await db.fetchval(
        "WITH taken AS (UPDATE sessions SET seq = seq + 1"
        " WHERE id = $1 AND ($2::bigint IS NULL OR seq = $2) RETURNING seq)"
        " INSERT INTO journal (session_id, seq, body) SELECT $1, seq, $3 FROM taken"
        " RETURNING seq",
        session_id,
        after,
        body,
    )
    if seq is None:
        raise OutOfOrder(session_id)
    return int(seq)


async def read_entries(pool: Pool, session_id: str, after: int) -> tuple[int, list[JournalEntry]]:
    """The session's sequence number now, and the journal's entries after `after`: one
    statement, so one snapshot and one round trip (a follower reads this at every notice)."""
    rows = await pool.fetch(
        "SELECT s.seq, j.seq, j.body FROM sessions s"
        " LEFT JOIN journal j ON j.session_id = s.id AND j.seq > $2"
        " WHERE s.id = $1 ORDER BY j.seq",
        session_id,
        after,
    )
    if not rows:
        return 0, []
    return rows[0][0], [decode(row[1], row[2]) for row in rows if row[1] is not None]


async def take_turn(db: Connection, turn: Turn) -> int:
    """Numbers a batch in the journal. With `decide`, the batch is decided here, holding
    the session's row inside the transaction (FOR NO KEY UPDATE: a join's insert need not
    wait for it), after the entries other processes saved since `after`: never late, so
    never refused for it; another process writing the session waits for this one."""
    if turn.decide is None or turn.after is None:
        return await write_entry(db, turn.session_id, turn.after, encode(turn.events))
    # Two statements, not one join: after waiting for the row, the second statement's
    # fresh snapshot sees the entries the waited-for transaction committed.
    seq = await db.fetchval(
        "SELECT seq FROM sessions WHERE id = $1 FOR NO KEY UPDATE", turn.session_id
    )
    rows = await db.fetch(
        "SELECT seq, body FROM journal WHERE session_id = $1 AND seq > $2 ORDER BY seq",
        turn.session_id,
        turn.after,
    )
    entries = [decode(row[0], row[1]) for row in rows]
    if seq is None or [e.seq for e in entries] != list(range(turn.after + 1, seq + 1)):
        raise OutOfOrder(turn.session_id)  # emptied on closing, or deleted: reload
    events, turn.outcome = turn.decide(entries)
    turn.events = list(events)
    if not turn.events:
        return int(seq)
    return await write_entry(db, turn.session_id, seq, encode(turn.events))


async def lock_sessions(db: Connection, session_ids: list[str]) -> dict[str, int]:
    """Holds the sessions' rows until the transaction ends, taken in id order as every
    process takes them (no deadlock), and their numbers as the row locked has them."""
    rows = await db.fetch(
        "SELECT id, seq FROM sessions WHERE id = ANY($1::text[]) ORDER BY id FOR NO KEY UPDATE",
        sorted(session_ids),
    )
    return {row[0]: int(row[1]) for row in rows}


async def entries_after(db: Connection, afters: dict[str, int]) -> dict[str, list[JournalEntry]]:
    """Every session's journal entries after its number, in one statement. Run after the
    rows are locked, its snapshot holds what the transactions waited for committed."""
    if not afters:
        return {}
    rows = await db.fetch(
        "SELECT j.session_id, j.seq, j.body FROM unnest($1::text[], $2::bigint[]) AS t(id, after)"
        " JOIN journal j ON j.session_id = t.id AND j.seq > t.after ORDER BY j.session_id, j.seq",
        list(afters),
        list(afters.values()),
    )
    found: dict[str, list[JournalEntry]] = {session_id: [] for session_id in afters}
    for session_id, seq, body in rows:
        found[session_id].append(decode(seq, body))
    return found


async def write_numbered(db: Connection, entries: list[tuple[str, int, str]]) -> None:
    """Entries (session, number, body) numbered by a caller that holds their sessions'
    rows, and each session's number moved to its last: one statement for a whole group."""
    last = {session_id: seq for session_id, seq, _ in entries}
    await db.execute(
        "WITH moved AS (UPDATE sessions s SET seq = n.seq"
        " FROM unnest($4::text[], $5::bigint[]) AS n(id, seq) WHERE s.id = n.id)"
        " INSERT INTO journal (session_id, seq, body)"
        " SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[])",
        [entry[0] for entry in entries],
        [entry[1] for entry in entries],
        [entry[2] for entry in entries],
        list(last),
        list(last.values()),
    )
