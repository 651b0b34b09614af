"""A session's rows: the record written when it starts, and everything read back as typed
records when it is loaded."""

from __future__ import annotations

import json
from typing import Any

import aiosqlite

from ...rules.records import SessionRecord
from ..loaded import LoadedSession, loaded_session

# The rows of one session, in the order of the fields of their records.
RECORD = (
    "SELECT id, code, pack_id, lang, title, intro, prompts, facilitator_hash, created_at,"
    " phase, prompt_index, reveal, is_phone_grouping, settings, team_id, seq FROM sessions"
    " WHERE id = ?"
)
ANSWERS = (
    "SELECT number, prompt_index, author, text, group_number FROM answers"
    " WHERE session_id = ? ORDER BY number"
)
RECEIPTS = "SELECT author, msg_id, number FROM receipts WHERE session_id = ?"
PARTICIPANTS = "SELECT pseudonym FROM participants WHERE session_id = ?"
GROUPS = "SELECT number, prompt_index, label FROM groups WHERE session_id = ? ORDER BY number"
VOTES = "SELECT prompt_index, voter, item, dots FROM votes WHERE session_id = ?"
DECISIONS = (
    "SELECT number, prompt_index, from_item, origin, replaces FROM decisions WHERE session_id = ?"
)
ROUNDS = "SELECT decision, number, text, is_open, is_agreed FROM rounds WHERE session_id = ?"
CONSENTS = "SELECT decision, round, voter, level, reason FROM consents WHERE session_id = ?"
CHOICES = "SELECT prompt_index, voter, picked FROM choices WHERE session_id = ?"
ACTIONS = "SELECT number, decision, what, who, due, origin FROM actions WHERE session_id = ?"


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


async def insert_session(db: aiosqlite.Connection, record: SessionRecord) -> None:
    await db.execute(
        "INSERT INTO sessions (id, code, pack_id, lang, title, intro, prompts,"
        " facilitator_hash, created_at, phase, prompt_index, reveal, settings, team_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            record.id,
            record.code,
            record.pack_id,
            record.lang,
            record.title,
            record.intro,
            json.dumps(record.prompts, ensure_ascii=False),
            record.facilitator_hash,
            record.created_at,
            record.phase.value,
            record.prompt_index,
            record.reveal.value,
            json.dumps(dict(record.settings), ensure_ascii=False),
            record.team_id,
        ),
    )


async def read_session(db: aiosqlite.Connection, session_id: str) -> LoadedSession | None:
    async def rows(query: str) -> list[tuple[Any, ...]]:
        async with db.execute(query, (session_id,)) as cursor:
            return [tuple(row) async for row in cursor]

    found = await rows(RECORD)
    if not found:
        return None
    return await loaded_session(found[0], rows, QUERIES, json.loads)
