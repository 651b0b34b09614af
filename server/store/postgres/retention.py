"""Retention in PostgreSQL: closed sessions past their time keep only their outcome's
decisions, actions, labels and counts; raw answers go, also from the saved outcome."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ..retained import without_raw_answers

if TYPE_CHECKING:
    from .database import Connection


async def forget_raw_answers(db: Connection, created_before: str) -> list[str]:
    """In one transaction; the ids of the sessions whose raw answers went."""
    async with db.transaction():
        due = await db.fetch(
            "SELECT o.session_id, o.outcome FROM outcomes o JOIN sessions s"
            " ON s.id = o.session_id WHERE s.created_at <= $1 AND EXISTS"
            " (SELECT 1 FROM answers a WHERE a.session_id = o.session_id)"
            " ORDER BY o.session_id FOR UPDATE OF o",
            created_before,
        )
        for session_id, stored in due:
            await db.execute("DELETE FROM answers WHERE session_id = $1", session_id)
            outcome = without_raw_answers(json.loads(stored))
            await db.execute(
                "UPDATE outcomes SET outcome = $2 WHERE session_id = $1",
                session_id,
                json.dumps(outcome, ensure_ascii=False),
            )
    return [session_id for session_id, _ in due]
