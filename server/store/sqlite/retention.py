"""Retention: closed sessions past their time keep only their outcome's decisions, actions,
labels and counts; raw answers go, also from the saved outcome."""

from __future__ import annotations

import json

import aiosqlite

from ..retained import without_raw_answers


async def forget_raw_answers(db: aiosqlite.Connection, created_before: str) -> list[str]:
    """In one transaction; the ids of the sessions whose raw answers went."""
    async with db.execute(
        "SELECT o.session_id, o.outcome FROM outcomes o JOIN sessions s"
        " ON s.id = o.session_id WHERE s.created_at <= ? AND EXISTS"
        " (SELECT 1 FROM answers a WHERE a.session_id = o.session_id)",
        (created_before,),
    ) as cursor:
        due = [tuple(row) async for row in cursor]
    if not due:
        return []
    await db.execute("BEGIN IMMEDIATE")
    try:
        for session_id, stored in due:
            await db.execute("DELETE FROM answers WHERE session_id = ?", (session_id,))
            outcome = without_raw_answers(json.loads(stored))
            await db.execute(
                "UPDATE outcomes SET outcome = ? WHERE session_id = ?",
                (json.dumps(outcome, ensure_ascii=False), session_id),
            )
    except BaseException:
        await db.execute("ROLLBACK")
        raise
    await db.execute("COMMIT")
    return [session_id for session_id, _ in due]
