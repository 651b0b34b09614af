"""A session's rows in PostgreSQL: the record written when it starts, and everything read
back as typed records when it is loaded (in one snapshot)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import asyncpg

if TYPE_CHECKING:
    from .database import Connection

from ...rules.records import SessionRecord
from ..loaded import LoadedSession, loaded_session

# The rows of one session, in the order of the fields of their records; sorted by key,
# as SQLite returns them.
RECORD = (
    "SELECT id, code, pack_id, lang, title, intro, prompts, facilitator_hash, created_at,"
    " phase, prompt_index, reveal, is_phone_grouping, settings, team_id, seq FROM sessions"
    " WHERE id = $1"
)
ANSWERS = (
    "SELECT number, prompt_index, author, text, group_number FROM answers"
    " WHERE session_id = $1 ORDER BY number"
)
RECEIPTS = (
    "SELECT author, msg_id, number FROM receipts WHERE session_id = $1"
    ' ORDER BY author COLLATE "C", msg_id COLLATE "C"'
)
PARTICIPANTS = "SELECT pseudonym FROM participants WHERE session_id = $1"
GROUPS = "SELECT number, prompt_index, label FROM groups WHERE session_id = $1 ORDER BY number"
VOTES = (
    "SELECT prompt_index, voter, item, dots FROM votes WHERE session_id = $1"
    ' ORDER BY prompt_index, voter COLLATE "C", item COLLATE "C"'
)
DECISIONS = (
    "SELECT number, prompt_index, from_item, origin, replaces FROM decisions"
    " WHERE session_id = $1 ORDER BY number"
)
ROUNDS = (
    "SELECT decision, number, text, is_open, is_agreed FROM rounds WHERE session_id = $1"
    " ORDER BY decision, number"
)
CONSENTS = (
    "SELECT decision, round, voter, level, reason FROM consents WHERE session_id = $1"
    ' ORDER BY decision, round, voter COLLATE "C"'
)
CHOICES = (
    "SELECT prompt_index, voter, picked FROM choices WHERE session_id = $1"
    ' ORDER BY prompt_index, voter COLLATE "C"'
)
ACTIONS = (
    "SELECT number, decision, what, who, due, origin FROM actions WHERE session_id = $1"
    " ORDER BY number"
)


# Each table's query, by the name loaded_session reads it by.
QUERIES = {
    "answers": ANSWERS,
    "receipts": RECEIPTS,
    "participants": PARTICIPANTS,
    "groups": GROUPS,
    "votes": VOTES,
    "decisions": DECISIONS,
    "rounds": ROUNDS,
    "consents": CONSENTS,
    "actions": ACTIONS,
    "choices": CHOICES,
}


async def insert_session(
    db: Connection | asyncpg.Pool[asyncpg.Record], record: SessionRecord
) -> None:
    await db.execute(
        "INSERT INTO sessions (id, code, pack_id, lang, title, intro, prompts,"
        " facilitator_hash, created_at, phase, prompt_index, reveal, settings, team_id)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        record.id,
        record.code,
        record.pack_id,
        record.lang,
        record.title,
        record.intro,
        list(record.prompts),
        record.facilitator_hash,
        record.created_at,
        record.phase.value,
        record.prompt_index,
        record.reveal.value,
        dict(record.settings),
        record.team_id,
    )


async def read_session(db: Connection, session_id: str) -> LoadedSession | None:
    """Every row as one repeatable-read snapshot: no commit lands between two reads."""
    async with db.transaction(isolation="repeatable_read", readonly=True):
        row = await db.fetchrow(RECORD, session_id)
        if row is None:
            return None

        async def rows(query: str) -> list[asyncpg.Record]:
            return await db.fetch(query, session_id)

        return await loaded_session(row, rows, QUERIES, lambda value: value)
