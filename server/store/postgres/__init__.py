"""The PostgreSQL store: every change committed before anyone hears of it, so that several
server processes can share one database.

A commit is durable when it returns (PostgreSQL's default `synchronous_commit = on`).
Writes go through a group commit as in the SQLite store: batches that arrive while a
commit runs are saved together next (`group.py`). The schema is in `schema.py`, each
event's SQL in `events.py`, connections and migrations in `database.py`.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import asyncpg

from ...rules import Event
from ...rules.records import SavedPack, SessionRecord
from ..journal import Decide, JournalEntry
from ..loaded import CodeTaken, LoadedSession
from ..pending import Pending
from .accounts import PostgresAccounts
from .database import connect, migrate, ping, rewrite
from .group import save_group
from .journal import read_entries
from .register import PostgresRegister
from .retention import forget_raw_answers
from .rows import insert_session, read_session
from .schema import CLOSED_TABLES, SESSION_TABLES

if TYPE_CHECKING:
    from .database import Pool

__all__ = ["PostgresStore"]


class PostgresStore(PostgresAccounts, PostgresRegister):
    def __init__(self, url: str) -> None:
        self.url = url
        self._pool: Pool | None = None
        # One group commit at a time per process; reads use the pool's other connections.
        self._write_lock = asyncio.Lock()
        self._waiting: list[Pending] = []
        self._committers: set[asyncio.Task[None]] = set()
        # Tables whose rewrite could not run yet (another transaction held them).
        self._unrewritten: set[str] = set()

    @property
    def pool(self) -> Pool:
        if self._pool is None:
            raise RuntimeError("store is not open")
        return self._pool

    async def open(self) -> None:
        self._pool = await connect(self.url)
        try:
            await migrate(self._pool)
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    async def ping(self) -> None:
        await ping(self.pool)

    async def create_session(self, record: SessionRecord) -> None:
        try:
            await insert_session(self.pool, record)
        except asyncpg.UniqueViolationError as error:
            if error.constraint_name == "sessions_open_code":
                raise CodeTaken(record.code) from None
            raise

    async def session_id_for_code(self, code: str) -> str | None:
        found: str | None = await self.pool.fetchval(
            "SELECT id FROM sessions WHERE code = $1 AND is_open", code
        )
        return found

    async def load_session(self, session_id: str) -> LoadedSession | None:
        async with self.pool.acquire() as db:
            return await read_session(db, session_id)

    async def save_pack(self, pack: SavedPack) -> None:
        await self.pool.execute(
            "INSERT INTO saved_packs (id, title, lang, prompts, created_at, team_id)"
            " VALUES ($1, $2, $3, $4, $5, $6)",
            pack.id,
            pack.title,
            pack.lang,
            list(pack.prompts),
            pack.created_at,
            pack.team_id,
        )

    async def saved_packs(self, team_id: str | None) -> list[SavedPack]:
        rows = await self.pool.fetch(
            "SELECT id, title, lang, prompts, created_at, team_id FROM saved_packs"
            ' WHERE team_id IS NOT DISTINCT FROM $1 ORDER BY created_at COLLATE "C" DESC,'
            ' title COLLATE "C"',
            team_id,
        )
        return [
            SavedPack(pack_id, title, lang, tuple(prompts), created_at, team)
            for pack_id, title, lang, prompts, created_at, team in rows
        ]

    async def delete_pack(self, pack_id: str) -> None:
        await self.pool.execute("DELETE FROM saved_packs WHERE id = $1", pack_id)

    async def add_participant(
        self, session_id: str, pseudonym: str, *, is_journaled: bool = False
    ) -> bool:
        """In the next group commit: a thousand phones joining at once share a few
        commits instead of waiting for a thousand."""
        pending = Pending(session_id, participant=pseudonym, is_journaled=is_journaled)
        return bool(await self._commit(pending))

    async def append(
        self,
        session_id: str,
        events: list[Event],
        outcome: Mapping[str, Any] | None = None,
        *,
        after: int | None = None,
        decide: Decide | None = None,
    ) -> int:
        """Saves a batch of events, durably, before it returns; batches that arrive while a
        commit is under way are saved together in the next one."""
        if not events and decide is None:
            return after or 0
        pending = Pending(session_id, events, outcome, after=after, decide=decide)
        return await self._commit(pending)

    async def journal(self, session_id: str, after: int) -> tuple[int, list[JournalEntry]]:
        return await read_entries(self.pool, session_id, after)

    async def _commit(self, pending: Pending) -> int:
        self._waiting.append(pending)
        if len(self._waiting) == 1:
            committer = asyncio.create_task(self._commit_waiting())
            self._committers.add(committer)
            committer.add_done_callback(self._committers.discard)
        return await pending.saved

    async def _commit_waiting(self) -> None:
        async with self._write_lock:
            group, self._waiting = self._waiting, []
            group.sort(key=lambda pending: pending.session_id)
            try:
                results = await save_group(self.pool, group)
            except BaseException as error:
                for pending in group:
                    if not pending.saved.done():
                        pending.saved.set_exception(error)
                if not isinstance(error, Exception):
                    raise  # cancelled: the server is stopping
                return
            closing = [i for i, p in enumerate(group) if p.outcome is not None]
            for index, pending in enumerate(group):
                if index not in closing:
                    _settle(pending, results[index])
            if closing:
                # Those who closed hear of it once the pseudonyms are off the disk too.
                await self._forget_on_disk(CLOSED_TABLES)
            for index in closing:
                _settle(group[index], results[index])

    async def _forget_on_disk(self, tables: tuple[str, ...]) -> None:
        """Rewrites the tables whose deleted rows tied answers to pseudonyms; PostgreSQL
        keeps such row versions in its pages until then (docs/deploy.md: its WAL)."""
        wanted = self._unrewritten | set(tables)
        self._unrewritten = set() if await rewrite(self.pool, wanted) else wanted

    async def outcome(self, session_id: str) -> dict[str, Any] | None:
        stored = await self.pool.fetchval(
            "SELECT outcome FROM outcomes WHERE session_id = $1", session_id
        )
        return None if stored is None else dict(json.loads(stored))

    async def delete_session(self, session_id: str) -> None:
        """Everything of one session, at once: the foreign keys cascade."""
        await self.pool.execute("DELETE FROM sessions WHERE id = $1", session_id)
        await self._forget_on_disk(SESSION_TABLES)

    async def open_sessions_created_before(self, created_before: str) -> list[str]:
        rows = await self.pool.fetch(
            "SELECT id FROM sessions WHERE is_open AND created_at <= $1 ORDER BY id",
            created_before,
        )
        return [row[0] for row in rows]

    async def forget_raw_answers(self, created_before: str) -> list[str]:
        async with self.pool.acquire() as db:
            forgotten = await forget_raw_answers(db, created_before)
        if forgotten:
            await self._forget_on_disk(("answers", "outcomes"))
        return forgotten

    async def key(self, name: str) -> bytes:
        await self.pool.execute(
            "INSERT INTO keys (name, value) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            name,
            secrets.token_bytes(32),
        )
        return bytes(await self.pool.fetchval("SELECT value FROM keys WHERE name = $1", name))

    async def add_share_link(self, session_id: str, token_hash: str, created_at: str) -> None:
        await self.pool.execute(
            "INSERT INTO share_links (token_hash, session_id, created_at) VALUES ($1, $2, $3)",
            token_hash,
            session_id,
            created_at,
        )

    async def revoke_share_links(self, session_id: str) -> None:
        await self.pool.execute(
            "UPDATE share_links SET is_revoked = TRUE WHERE session_id = $1", session_id
        )

    async def shared_outcome(self, token_hash: str) -> dict[str, Any] | None:
        """The outcome behind a share link that has not been revoked."""
        stored = await self.pool.fetchval(
            "SELECT o.outcome FROM share_links l JOIN outcomes o USING (session_id)"
            " WHERE l.token_hash = $1 AND NOT l.is_revoked",
            token_hash,
        )
        return None if stored is None else dict(json.loads(stored))


def _settle(pending: Pending, result: int | Exception) -> None:
    if pending.saved.done():  # its caller stopped waiting; it is saved all the same
        return
    if isinstance(result, Exception):
        pending.saved.set_exception(result)
    else:
        pending.saved.set_result(result)
