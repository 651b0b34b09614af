"""The SQLite store: one file, WAL mode, every change committed before anyone hears of it.

synchronous=FULL makes a commit durable when it returns, even if the machine loses power
right after; WAL lets readers carry on while a write commits. The schema is in
`schema.py`, each event's SQL in `events.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aiosqlite

from ...rules import Event
from ...rules.records import SavedPack, SessionRecord
from ..journal import Decide, JournalEntry, encode
from ..loaded import CodeTaken, LoadedSession
from ..pending import Pending
from .accounts import SQLiteAccounts
from .events import apply
from .file import PING_TIMEOUT, check_sqlite_file
from .journal import read_entries, take_turn, write_entry
from .register import SQLiteRegister, keep_in_register
from .retention import forget_raw_answers
from .rows import insert_session, read_session
from .schema import MIGRATIONS, PERSONAL_TABLES

log = logging.getLogger("draagvlak.store")


class SQLiteStore(SQLiteAccounts, SQLiteRegister):
    def __init__(self, path: str) -> None:
        self.path = path
        self._db: aiosqlite.Connection | None = None
        # One connection serves every session: a transaction must not interleave with
        # another coroutine's statements, so each public call holds this lock.
        self._lock = asyncio.Lock()
        self._waiting: list[Pending] = []
        self._committers: set[asyncio.Task[None]] = set()

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("store is not open")
        return self._db

    async def open(self) -> None:
        if self.path != ":memory:":
            check_sqlite_file(Path(self.path), len(MIGRATIONS))
        self._db = await aiosqlite.connect(self.path, isolation_level=None)
        try:
            await self._prepare()
        except BaseException:
            # The connection's thread would otherwise keep a failed start-up's process alive.
            await self.close()
            raise

    async def _prepare(self) -> None:
        await self.db.execute("PRAGMA journal_mode = WAL")
        await self.db.execute("PRAGMA synchronous = FULL")
        await self.db.execute("PRAGMA foreign_keys = ON")
        # What is deleted is overwritten with zeros, so closing forgets on disk too.
        await self.db.execute("PRAGMA secure_delete = ON")
        await self.db.execute("PRAGMA busy_timeout = 5000")
        await self._migrate()

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    async def ping(self) -> None:
        await asyncio.wait_for(self.db.execute_fetchall("SELECT 1"), PING_TIMEOUT)

    async def _migrate(self) -> None:
        async with self.db.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        version = row[0] if row else 0
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            await self.db.executescript(
                f"BEGIN IMMEDIATE; {script}; PRAGMA user_version = {number}; COMMIT;"
            )
            # A migration may drop what clients chose (message ids): off the disk too.
            await self._forget_on_disk()

    async def create_session(self, record: SessionRecord) -> None:
        async with self._lock:
            try:
                await insert_session(self.db, record)
            except sqlite3.IntegrityError as error:
                if "code" in str(error):
                    raise CodeTaken(record.code) from None
                raise

    async def session_id_for_code(self, code: str) -> str | None:
        async with self._lock:
            async with self.db.execute(
                "SELECT id FROM sessions WHERE code = ? AND is_open = 1", (code,)
            ) as cursor:
                row = await cursor.fetchone()
            return row[0] if row else None

    async def load_session(self, session_id: str) -> LoadedSession | None:
        async with self._lock:
            return await read_session(self.db, session_id)

    async def save_pack(self, pack: SavedPack) -> None:
        async with self._lock:
            await self.db.execute(
                "INSERT INTO saved_packs (id, title, lang, prompts, created_at, team_id)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    pack.id,
                    pack.title,
                    pack.lang,
                    json.dumps(pack.prompts, ensure_ascii=False),
                    pack.created_at,
                    pack.team_id,
                ),
            )

    async def saved_packs(self, team_id: str | None) -> list[SavedPack]:
        async with (
            self._lock,
            self.db.execute(
                "SELECT id, title, lang, prompts, created_at, team_id FROM saved_packs"
                " WHERE team_id IS ? ORDER BY created_at DESC, title",
                (team_id,),
            ) as cursor,
        ):
            return [
                SavedPack(pack_id, title, lang, tuple(json.loads(prompts)), created_at, team)
                async for pack_id, title, lang, prompts, created_at, team in cursor
            ]

    async def delete_pack(self, pack_id: str) -> None:
        async with self._lock:
            await self.db.execute("DELETE FROM saved_packs WHERE id = ?", (pack_id,))

    async def add_participant(
        self, session_id: str, pseudonym: str, *, is_journaled: bool = False
    ) -> bool:
        """In the next group commit: a thousand phones joining at once share a few
        commits instead of waiting for a thousand (each one waits for the disk)."""
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
        """Saves a batch of events, durably, before it returns. Batches that arrive while a
        commit is under way are saved together in the next one (a group commit): ten
        sessions voting at once share their commits instead of queueing for them."""
        if not events and decide is None:
            return after or 0
        return await self._commit(Pending(session_id, events, outcome, after=after, decide=decide))

    async def journal(self, session_id: str, after: int) -> tuple[int, list[JournalEntry]]:
        async with self._lock:
            return await read_entries(self.db, session_id, after)

    async def _commit(self, pending: Pending) -> int:
        self._waiting.append(pending)
        if len(self._waiting) == 1:
            committer = asyncio.create_task(self._commit_waiting())
            self._committers.add(committer)
            committer.add_done_callback(self._committers.discard)
        return await pending.saved

    async def _commit_waiting(self) -> None:
        async with self._lock:
            group, self._waiting = self._waiting, []
            results: dict[int, int | Exception] = {}
            try:
                await self.db.execute("BEGIN IMMEDIATE")
                for index, pending in enumerate(group):
                    # One batch that cannot be saved must not take the others with it.
                    await self.db.execute("SAVEPOINT batch")
                    try:
                        results[index] = await self._write(pending)
                    except Exception as error:
                        await self.db.execute("ROLLBACK TO batch")
                        results[index] = error
                    await self.db.execute("RELEASE batch")
                await self.db.execute("COMMIT")
                if any(pending.outcome is not None for pending in group):
                    await self._forget_on_disk()
            except BaseException as error:
                with contextlib.suppress(Exception):
                    await self.db.execute("ROLLBACK")
                for pending in group:
                    if not pending.saved.done():
                        pending.saved.set_exception(error)
                if not isinstance(error, Exception):
                    raise  # cancelled: the server is stopping
                return
            for index, pending in enumerate(group):
                if pending.saved.done():  # its caller stopped waiting; it is saved all the same
                    continue
                result = results[index]
                if isinstance(result, Exception):
                    pending.saved.set_exception(result)
                else:
                    pending.saved.set_result(result)

    async def _write(self, pending: Pending) -> int:
        """One caller's writes, inside the group's transaction. A participant: 1 when
        new; events: their sequence number when journaled, else 1."""
        if pending.participant is not None:
            cursor = await self.db.execute(
                "INSERT OR IGNORE INTO participants (session_id, pseudonym) VALUES (?, ?)",
                (pending.session_id, pending.participant),
            )
            is_new = cursor.rowcount == 1
            if is_new and pending.is_journaled:
                await write_entry(
                    self.db, pending.session_id, None, encode(joined=pending.participant)
                )
            return int(is_new)
        seq = 1
        if pending.after is not None:
            seq = await take_turn(self.db, pending)
        for event in pending.events:
            await apply(self.db, pending.session_id, event)
        if pending.outcome is not None:
            await self._close(pending.session_id, pending.outcome)
        return seq

    async def _close(self, session_id: str, outcome: Mapping[str, Any]) -> None:
        """Keeps the outcome and removes, for good, what ties answers and votes to people."""
        await self.db.execute(
            "INSERT INTO outcomes (session_id, outcome, closed_at) VALUES (?, ?, ?)",
            (session_id, json.dumps(outcome, ensure_ascii=False), outcome["session"]["closed_at"]),
        )
        await keep_in_register(self.db, session_id, outcome)
        await self.db.execute("UPDATE sessions SET is_open = 0 WHERE id = ?", (session_id,))
        await self.db.execute("UPDATE answers SET author = '' WHERE session_id = ?", (session_id,))
        for table in PERSONAL_TABLES:
            await self.db.execute(f"DELETE FROM {table} WHERE session_id = ?", (session_id,))

    async def _forget_on_disk(self) -> None:
        """Moves every committed page into the database file, whose deleted content
        secure_delete has zeroed, and empties the write-ahead log, which still holds the
        pages as they were before (with pseudonyms and message ids)."""
        async with self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cursor:
            row = await cursor.fetchone()
        if row is None or row[0] != 0:
            # Another connection reads an old snapshot (a backup, say): the next
            # checkpoint finishes the job.
            log.warning("the write-ahead log could not be emptied now: %s", row)

    async def outcome(self, session_id: str) -> dict[str, Any] | None:
        async with (
            self._lock,
            self.db.execute(
                "SELECT outcome FROM outcomes WHERE session_id = ?", (session_id,)
            ) as cursor,
        ):
            row = await cursor.fetchone()
        return json.loads(row[0]) if row else None

    async def delete_session(self, session_id: str) -> None:
        """Everything of one session, at once: the foreign keys cascade."""
        async with self._lock:
            await self.db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
            await self._forget_on_disk()

    async def open_sessions_created_before(self, created_before: str) -> list[str]:
        async with (
            self._lock,
            self.db.execute(
                "SELECT id FROM sessions WHERE is_open = 1 AND created_at <= ?", (created_before,)
            ) as cursor,
        ):
            return [row[0] async for row in cursor]

    async def forget_raw_answers(self, created_before: str) -> list[str]:
        async with self._lock:
            forgotten = await forget_raw_answers(self.db, created_before)
            if forgotten:
                await self._forget_on_disk()
            return forgotten

    async def key(self, name: str) -> bytes:
        async with self._lock:
            await self.db.execute(
                "INSERT OR IGNORE INTO keys (name, value) VALUES (?, ?)",
                (name, secrets.token_bytes(32)),
            )
            async with self.db.execute("SELECT value FROM keys WHERE name = ?", (name,)) as cursor:
                row = await cursor.fetchone()
            assert row is not None
            return bytes(row[0])

    async def add_share_link(self, session_id: str, token_hash: str, created_at: str) -> None:
        async with self._lock:
            await self.db.execute(
                "INSERT INTO share_links (token_hash, session_id, created_at) VALUES (?, ?, ?)",
                (token_hash, session_id, created_at),
            )

    async def revoke_share_links(self, session_id: str) -> None:
        async with self._lock:
            await self.db.execute(
                "UPDATE share_links SET is_revoked = 1 WHERE session_id = ?", (session_id,)
            )

    async def shared_outcome(self, token_hash: str) -> dict[str, Any] | None:
        """The outcome behind a share link that has not been revoked."""
        async with (
            self._lock,
            self.db.execute(
                "SELECT o.outcome FROM share_links l JOIN outcomes o USING (session_id)"
                " WHERE l.token_hash = ? AND l.is_revoked = 0",
                (token_hash,),
            ) as cursor,
        ):
            row = await cursor.fetchone()
        return json.loads(row[0]) if row else None
