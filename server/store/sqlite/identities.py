"""Sign-ins with a school's own account in SQLite: identities linked to accounts, and the
requests that wait for an admin's approval (store/identities.py says what is kept)."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Collection

import aiosqlite

from ...rules.records import PendingSignIn, Team
from ..identities import IdentityTaken, placeholder_email
from ..loaded import EmailTaken

PENDING_COLUMNS = "id, team_id, provider, email, name, requested_at"


class SQLiteIdentities:
    """The identities part of the SQLite store (mixed into SQLiteStore with the accounts)."""

    _lock: asyncio.Lock

    @property
    def db(self) -> aiosqlite.Connection:
        raise NotImplementedError  # the store's one connection (SQLiteStore.db)

    @contextlib.asynccontextmanager
    async def _writing(self) -> AsyncIterator[aiosqlite.Connection]:
        """One transaction under the store's lock: committed, or rolled back on any error."""
        async with self._lock:
            await self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                with contextlib.suppress(Exception):
                    await self.db.execute("ROLLBACK")
                raise
            await self.db.execute("COMMIT")

    async def account_for_identity(self, subject_hash: str) -> str | None:
        query = "SELECT account_id FROM identities WHERE subject_hash = ?"
        async with self._lock, self.db.execute(query, (subject_hash,)) as cursor:
            row = await cursor.fetchone()
        return str(row[0]) if row else None

    async def create_identity_account(
        self,
        account_id: str,
        email: str,
        name: str,
        team: Team,
        subject_hash: str,
        provider: str,
        created_at: str,
    ) -> str:
        async with self._writing() as db:
            query = "SELECT account_id FROM identities WHERE subject_hash = ?"
            async with db.execute(query, (subject_hash,)) as cursor:
                row = await cursor.fetchone()
            if row is not None:
                return str(row[0])
            await _insert_account(db, account_id, email, name, team.id, created_at)
            await db.execute(
                "INSERT INTO identities (subject_hash, account_id, provider, linked_at)"
                " VALUES (?, ?, ?, ?)",
                (subject_hash, account_id, provider, created_at),
            )
            await db.execute("DELETE FROM pending_identities WHERE subject_hash = ?",
                             (subject_hash,))  # fmt: skip
        return account_id

    async def link_identity(
        self, account_id: str, subject_hash: str, provider: str, now: str
    ) -> None:
        async with self._writing() as db:
            query = "SELECT account_id FROM identities WHERE subject_hash = ?"
            async with db.execute(query, (subject_hash,)) as cursor:
                row = await cursor.fetchone()
            if row is not None and row[0] != account_id:
                raise IdentityTaken
            if row is None:
                await db.execute(
                    "INSERT INTO identities (subject_hash, account_id, provider, linked_at)"
                    " VALUES (?, ?, ?, ?)",
                    (subject_hash, account_id, provider, now),
                )
            await db.execute("DELETE FROM pending_identities WHERE subject_hash = ?",
                             (subject_hash,))  # fmt: skip

    async def linked_providers(self, account_id: str) -> list[str]:
        query = "SELECT DISTINCT provider FROM identities WHERE account_id = ? ORDER BY provider"
        async with self._lock, self.db.execute(query, (account_id,)) as cursor:
            return [str(r[0]) async for r in cursor]

    async def linked_admin_count(self, providers: Collection[str]) -> int:
        places = ", ".join("?" * len(providers))
        query = (
            "SELECT count(DISTINCT a.id) FROM accounts a JOIN identities i"
            f" ON i.account_id = a.id WHERE a.is_admin = 1 AND i.provider IN ({places})"
        )
        async with self._lock, self.db.execute(query, tuple(providers)) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def request_approval(self, pending: PendingSignIn, subject_hash: str) -> None:
        async with self._lock:
            await self.db.execute(
                f"INSERT OR IGNORE INTO pending_identities ({PENDING_COLUMNS}, subject_hash)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (pending.id, pending.team_id, pending.provider, pending.email, pending.name,
                 pending.requested_at, subject_hash),
            )  # fmt: skip

    async def pending_sign_ins(self, team_id: str) -> list[PendingSignIn]:
        query = (
            f"SELECT {PENDING_COLUMNS} FROM pending_identities WHERE team_id = ?"
            " ORDER BY requested_at, id"
        )
        async with self._lock, self.db.execute(query, (team_id,)) as cursor:
            return [PendingSignIn(*r) async for r in cursor]

    async def approve_sign_in(self, team_id: str, pending_id: str, account_id: str) -> bool:
        async with self._writing() as db:
            query = (
                f"SELECT {PENDING_COLUMNS}, subject_hash FROM pending_identities"
                " WHERE id = ? AND team_id = ?"
            )
            async with db.execute(query, (pending_id, team_id)) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return False
            pending, subject_hash = PendingSignIn(*row[:6]), str(row[6])
            await _insert_account(
                db, account_id, pending.email, pending.name, team_id, pending.requested_at
            )
            await db.execute(
                "INSERT INTO identities (subject_hash, account_id, provider, linked_at)"
                " VALUES (?, ?, ?, ?)",
                (subject_hash, account_id, pending.provider, pending.requested_at),
            )
            await db.execute("DELETE FROM pending_identities WHERE id = ?", (pending_id,))
        return True

    async def refuse_sign_in(self, team_id: str, pending_id: str) -> bool:
        async with self._lock:
            cursor = await self.db.execute(
                "DELETE FROM pending_identities WHERE id = ? AND team_id = ?",
                (pending_id, team_id),
            )
        return cursor.rowcount == 1


async def _insert_account(
    db: aiosqlite.Connection, account_id: str, email: str, name: str, team_id: str, now: str
) -> None:
    """An account without a password, a facilitator (not an admin) of the team; only the
    address is kept when there is one, else the name."""
    try:
        await db.execute(
            "INSERT INTO accounts (id, email, name, password_hash, is_admin, created_at)"
            " VALUES (?, ?, ?, '', 0, ?)",
            (account_id, email or placeholder_email(account_id), "" if email else name, now),
        )
    except sqlite3.IntegrityError:
        raise EmailTaken(email) from None
    await db.execute(
        "INSERT INTO memberships (account_id, team_id) VALUES (?, ?)", (account_id, team_id)
    )
