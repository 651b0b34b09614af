"""A session's rows in PostgreSQL: the record written when it starts, and everything read
back as typed records when it is loaded (in one snapshot)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import asyncpg

if TYPE_CHECKING:
    from .database import Connection

from ...rules.records import SessionRecord
from ...rules.state import Action, Answer, Decision, Group, Level, Phase, Response, Reveal, Round
from ..loaded import Choice, Consent, Dots, LoadedSession, Receipt

# The rows of one session, in the order of the fields of their records; sorted by key,
# as SQLite returns them.
RECORD = (
    "SELECT id, code, pack_id, lang, title, intro, prompts, facilitator_hash, created_at,"
    " phase, prompt_index, reveal, is_phone_grouping, settings, team_id FROM sessions"
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

        record = SessionRecord(
            id=row[0],
            code=row[1],
            pack_id=row[2],
            lang=row[3],
            title=row[4],
            intro=row[5],
            prompts=tuple(row[6]),
            facilitator_hash=row[7],
            created_at=row[8],
            phase=Phase(row[9]),
            prompt_index=row[10],
            reveal=Reveal(row[11]),
            is_phone_grouping=bool(row[12]),
            settings=row[13],
            team_id=row[14],
        )
        return LoadedSession(
            record,
            answers=[Answer(*r) for r in await rows(ANSWERS)],
            receipts=[Receipt(*r) for r in await rows(RECEIPTS)],
            participants=frozenset(r[0] for r in await rows(PARTICIPANTS)),
            groups=[Group(*r) for r in await rows(GROUPS)],
            votes=[Dots(*r) for r in await rows(VOTES)],
            decisions=[Decision(*r) for r in await rows(DECISIONS)],
            rounds=[
                Round(d, n, text, bool(is_open), bool(agreed))
                for d, n, text, is_open, agreed in await rows(ROUNDS)
            ],
            consents=[
                Consent(d, n, voter, Response(Level(level), reason))
                for d, n, voter, level, reason in await rows(CONSENTS)
            ],
            actions=[Action(*r) for r in await rows(ACTIONS)],
            choices=[Choice(p, voter, tuple(v)) for p, voter, v in await rows(CHOICES)],
        )
