"""The PostgreSQL store's group commit: the batches that arrived while a commit ran are
saved together in one transaction.

Together, a group costs a few round trips whatever its size: its sessions' rows locked in
one statement, the journals that moved meanwhile read in one, the joins in one, every
numbered entry in one, and the events' SQL in runs (events.py). Several processes take
turns on a session's row until their transactions commit, so the fewer round trips under
the lock, the sooner the next one's turn. When a statement fails, nothing of the group
was saved; it is then saved again one batch at a time, each in a savepoint, so that one
batch that cannot be saved does not take the others with it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import asyncpg

from ..journal import encode
from ..loaded import OutOfOrder
from ..pending import Pending
from .events import Statements, apply
from .journal import entries_after, lock_sessions, take_turn, write_entry, write_numbered
from .register import keep_in_register
from .schema import PERSONAL_TABLES

if TYPE_CHECKING:
    from .database import Connection, Pool

log = logging.getLogger("draagvlak.store")


class SaveEach(Exception):
    """A statement of the group failed before its commit: nothing of it was saved."""


async def save_group(pool: Pool, group: list[Pending]) -> list[int | Exception]:
    """Each batch's result, in order: its number in the journal when journaled, else 1
    for saved (for a join: 1 when new, 0 when known), or the error that kept it out.
    Raises when the database cannot be used at all."""
    async with pool.acquire() as db:
        try:
            async with db.transaction():
                try:
                    return await _save_together(db, group)
                except (asyncpg.InterfaceError, OSError):
                    raise  # the connection itself: saving one at a time would fail too
                except Exception as error:
                    raise SaveEach from error
        except SaveEach as failed:
            # Rolled back: saved again one at a time (a session closed meanwhile, say).
            log.info("a group of %d saved one at a time: %r", len(group), failed.__cause__)
        async with db.transaction():
            return await _save_each(db, group)


async def _save_together(db: Connection, group: list[Pending]) -> list[int | Exception]:
    turns = [pending for pending in group if pending.is_turn]
    if len({turn.session_id for turn in turns}) < len(turns):
        raise SaveEach("two turns of one session")  # each decides after the other
    numbers = await lock_sessions(db, [p.session_id for p in group if p.is_numbered])
    # The locked rows' numbers say whose journal moved since its turn was decided: a
    # process that was up to date saves itself the read, one round trip under the lock.
    behind = {t.session_id: t.after or 0 for t in turns if numbers.get(t.session_id) != t.after}
    found = await entries_after(db, behind)
    results: list[int | Exception] = [1] * len(group)
    numbered: list[tuple[str, int, str]] = []

    def number(session_id: str, body: str) -> int:
        numbers[session_id] += 1
        numbered.append((session_id, numbers[session_id], body))
        return numbers[session_id]

    statements = Statements()
    for index, pending in enumerate(group):
        if pending.participant is not None:
            continue
        if pending.is_turn and pending.decide is not None:
            entries, seq = found.get(pending.session_id, []), numbers.get(pending.session_id)
            expected = list(range((pending.after or 0) + 1, (seq or 0) + 1))
            if seq is None or [entry.seq for entry in entries] != expected:
                raise OutOfOrder(pending.session_id)  # emptied on closing, or deleted
            events, pending.outcome = pending.decide(entries)
            pending.events = list(events)
            results[index] = number(pending.session_id, encode(pending.events)) if events else seq
        elif pending.after is not None:
            if numbers.get(pending.session_id) != pending.after:
                raise OutOfOrder(pending.session_id)
            results[index] = number(pending.session_id, encode(pending.events))
        for event in pending.events:
            apply(statements, pending.session_id, event)
    joins = [(i, p) for i, p in enumerate(group) if p.participant is not None]
    if joins:
        new = await _insert_participants(db, [pending for _, pending in joins])
        for index, pending in joins:
            is_new = (pending.session_id, pending.participant) in new
            new.discard((pending.session_id, pending.participant))  # a second join of one
            results[index] = int(is_new)
            if is_new and pending.is_journaled:
                number(pending.session_id, encode(joined=pending.participant))
    if numbered:
        await write_numbered(db, numbered)
    await statements.run(db)
    for pending in group:
        if pending.outcome is not None:
            await close_session(db, pending.session_id, pending.outcome)
    return results


async def _insert_participants(db: Connection, joins: list[Pending]) -> set[tuple[str, str]]:
    """The (session, pseudonym) pairs that were not there yet."""
    rows = await db.fetch(
        "INSERT INTO participants (session_id, pseudonym)"
        " SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING"
        " RETURNING session_id, pseudonym",
        [pending.session_id for pending in joins],
        [pending.participant for pending in joins],
    )
    return {(row[0], row[1]) for row in rows}


async def _save_each(db: Connection, group: list[Pending]) -> list[int | Exception]:
    results: list[int | Exception] = []
    for pending in group:
        try:
            async with db.transaction():  # a savepoint
                results.append(await _save_one(db, pending))
        except asyncpg.DeadlockDetectedError:
            results.append(OutOfOrder(pending.session_id))
        except Exception as error:
            results.append(error)
    return results


async def _save_one(db: Connection, pending: Pending) -> int:
    if pending.participant is not None:
        is_new = bool(await _insert_participants(db, [pending]))
        if is_new and pending.is_journaled:
            body = encode(joined=pending.participant)
            await write_entry(db, pending.session_id, None, body)
        return int(is_new)
    seq = 1
    if pending.after is not None:
        seq = await take_turn(db, pending)
    statements = Statements()
    for event in pending.events:
        apply(statements, pending.session_id, event)
    await statements.run(db)
    if pending.outcome is not None:
        await close_session(db, pending.session_id, pending.outcome)
    return seq


async def close_session(db: Connection, session_id: str, outcome: Mapping[str, Any]) -> None:
    """Keeps the outcome and removes what ties answers and votes to people."""
    await db.execute(
        "INSERT INTO outcomes (session_id, outcome, closed_at) VALUES ($1, $2, $3)",
        session_id,
        json.dumps(outcome, ensure_ascii=False),
        outcome["session"]["closed_at"],
    )
    await keep_in_register(db, session_id, outcome)
    await db.execute("UPDATE sessions SET is_open = FALSE WHERE id = $1", session_id)
    await db.execute("UPDATE answers SET author = '' WHERE session_id = $1", session_id)
    for table in PERSONAL_TABLES:
        await db.execute(f"DELETE FROM {table} WHERE session_id = $1", session_id)
