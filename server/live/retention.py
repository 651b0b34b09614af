"""Retention: sessions started longer ago than the retention period are closed if nobody
closed them, through their one write path, and keep only their outcome."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from ..store import Store
from .registry import LiveSessions

log = logging.getLogger("draagvlak.retention")


async def keep_retention(store: Store, sessions: LiveSessions, days: int) -> None:
    """Every hour after the pass at start (`forget_expired`)."""
    while True:
        await asyncio.sleep(3600)
        await forget_expired(store, sessions, days)


async def forget_expired(store: Store, sessions: LiveSessions, days: int) -> None:
    """Sessions started more than `days` ago are closed if nobody closed them, and lose
    their raw answers (docs/security.md)."""
    cutoff = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")
    try:
        for session_id in await store.open_sessions_created_before(cutoff):
            live = await sessions.get(session_id)
            if live is not None:
                await live.end()
        forgotten = await store.forget_raw_answers(cutoff)
    except Exception:
        # One failed pass (a locked database) must not end retention for good.
        log.exception("retention: this pass failed; trying again in an hour")
    else:
        if forgotten:
            log.info("retention: raw answers of %d session(s) deleted", len(forgotten))
