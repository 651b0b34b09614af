"""Facilitators, their teams, sign-ins and invites in SQLite. Only hashes of passwords
(argon2, made by the web door) and of tokens are stored."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3

import aiosqlite

from ...rules.records import Account, Team
from ..loaded import EmailTaken
from .identities import SQLiteIdentities

TEAMS_OF = (
    "SELECT t.id, t.name, t.created_at FROM teams t JOIN memberships m ON m.team_id = t.id"
    " WHERE m.account_id = ? ORDER BY t.name"
)


# A facilitator is shown by their address, or by their name when their school's account
# came without one (store/identities.py).
LABEL = "CASE WHEN a.name != '' THEN a.name ELSE a.email END"


class SQLiteAccounts(SQLiteIdentities):
    """The accounts part of the SQLite store (mixed into SQLiteStore)."""

    _lock: asyncio.Lock

    @property
    def db(self) -> aiosqlite.Connection:
        raise NotImplementedError  # the store's one connection (SQLiteStore.db)

    async def account_count(self) -> int:
        async with self._lock, self.db.execute("SELECT count(*) FROM accounts") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def create_account(
        self,
        account_id: str,
        email: str,
        password_hash: str,
        is_admin: bool,
        created_at: str,
        team: Team,
        is_new_team: bool,
    ) -> None:
        """The account, in its team (made too when new); the first admin's team takes the
        sessions and topics made before there were accounts. Raises EmailTaken."""
        async with self._lock:
            try:
                await self.db.execute("BEGIN IMMEDIATE")
                if is_new_team:
                    await self.db.execute(
                        "INSERT INTO teams (id, name, created_at) VALUES (?, ?, ?)",
                        (team.id, team.name, team.created_at),
                    )
                await self.db.execute(
                    "INSERT INTO accounts (id, email, password_hash, is_admin, created_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (account_id, email, password_hash, int(is_admin), created_at),
                )
                await self.db.execute(
                    "INSERT INTO memberships (account_id, team_id) VALUES (?, ?)",
                    (account_id, team.id),
                )
                if is_admin:
                    for table in ("sessions", "saved_packs"):
                        await self.db.execute(
                            f"UPDATE {table} SET team_id = ? WHERE team_id IS NULL", (team.id,)
                        )
                await self.db.execute("COMMIT")
            except sqlite3.IntegrityError:
                await self.db.execute("ROLLBACK")
                raise EmailTaken(email) from None
            except BaseException:
                with contextlib.suppress(Exception):
                    await self.db.execute("ROLLBACK")
                raise

    async def credentials(self, email: str) -> tuple[str, str] | None:
        """The account id and password hash for an e-mail address (any case)."""
        query = "SELECT id, password_hash FROM accounts WHERE email = ?"
        async with self._lock, self.db.execute(query, (email.strip(),)) as cursor:
            row = await cursor.fetchone()
        return (row[0], row[1]) if row else None

    async def set_password(self, account_id: str, password_hash: str) -> None:
        """A new password signs every device out."""
        async with self._lock:
            await self.db.execute("BEGIN IMMEDIATE")
            await self.db.execute(
                "UPDATE accounts SET password_hash = ? WHERE id = ?", (password_hash, account_id)
            )
            await self.db.execute("DELETE FROM logins WHERE account_id = ?", (account_id,))
            await self.db.execute("COMMIT")

    async def add_login(self, token_hash: str, account_id: str, expires_at: str) -> None:
        async with self._lock:
            await self.db.execute(
                "INSERT INTO logins (token_hash, account_id, expires_at) VALUES (?, ?, ?)",
                (token_hash, account_id, expires_at),
            )

    async def remove_login(self, token_hash: str) -> None:
        async with self._lock:
            await self.db.execute("DELETE FROM logins WHERE token_hash = ?", (token_hash,))

    async def account_for_login(self, token_hash: str, now: str) -> Account | None:
        """The account signed in with this token, unless the sign-in expired."""
        query = (
            f"SELECT a.id, {LABEL}, a.is_admin, a.password_hash != '' FROM logins l"
            " JOIN accounts a ON a.id = l.account_id WHERE l.token_hash = ? AND l.expires_at > ?"
        )
        async with self._lock:
            async with self.db.execute(query, (token_hash, now)) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return None
            async with self.db.execute(TEAMS_OF, (row[0],)) as cursor:
                teams = tuple([Team(*t) async for t in cursor])
        return Account(row[0], row[1], bool(row[2]), teams, bool(row[3]))

    async def add_invite(
        self, token_hash: str, team_id: str, is_admin: bool, expires_at: str
    ) -> None:
        async with self._lock:
            await self.db.execute(
                "INSERT INTO invites (token_hash, team_id, is_admin, expires_at)"
                " VALUES (?, ?, ?, ?)",
                (token_hash, team_id, int(is_admin), expires_at),
            )

    async def open_invite(self, token_hash: str, now: str) -> tuple[Team, bool] | None:
        """The team and admin right of an invite not used and not expired."""
        query = (
            "SELECT t.id, t.name, t.created_at, i.is_admin FROM invites i JOIN teams t"
            " ON t.id = i.team_id WHERE i.token_hash = ? AND i.used_at IS NULL"
            " AND i.expires_at > ?"
        )
        async with self._lock, self.db.execute(query, (token_hash, now)) as cursor:
            row = await cursor.fetchone()
        return (Team(row[0], row[1], row[2]), bool(row[3])) if row else None

    async def use_invite(self, token_hash: str, now: str) -> bool:
        """Marks the invite used; False when it was used or expired meanwhile."""
        async with self._lock:
            cursor = await self.db.execute(
                "UPDATE invites SET used_at = ? WHERE token_hash = ? AND used_at IS NULL"
                " AND expires_at > ?",
                (now, token_hash, now),
            )
        return cursor.rowcount == 1

    async def join_team(self, account_id: str, team_id: str) -> None:
        async with self._lock:
            await self.db.execute(
                "INSERT OR IGNORE INTO memberships (account_id, team_id) VALUES (?, ?)",
                (account_id, team_id),
            )

    async def team_named(self, name: str) -> Team | None:
        query = "SELECT id, name, created_at FROM teams WHERE name = ? COLLATE NOCASE"
        async with self._lock, self.db.execute(query, (name,)) as cursor:
            row = await cursor.fetchone()
        return Team(row[0], row[1], row[2]) if row else None

    async def create_team(self, team: Team, founder_id: str) -> bool:
        """A new team with its founder as member; False when a team has that name already
        (in any case), checked in the same transaction."""
        async with self._lock:
            await self.db.execute("BEGIN IMMEDIATE")
            try:
                query = "SELECT 1 FROM teams WHERE name = ? COLLATE NOCASE"
                async with self.db.execute(query, (team.name,)) as cursor:
                    if await cursor.fetchone() is not None:
                        await self.db.execute("ROLLBACK")
                        return False
                await self.db.execute(
                    "INSERT INTO teams (id, name, created_at) VALUES (?, ?, ?)",
                    (team.id, team.name, team.created_at),
                )
                await self.db.execute(
                    "INSERT INTO memberships (account_id, team_id) VALUES (?, ?)",
                    (founder_id, team.id),
                )
                await self.db.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(Exception):
                    await self.db.execute("ROLLBACK")
                raise
        return True

    async def team_members(self, team_id: str) -> list[tuple[str, bool]]:
        """The team's facilitators: e-mail address (or name) and whether an admin, by it."""
        query = (
            f"SELECT {LABEL} AS label, a.is_admin FROM accounts a JOIN memberships m"
            " ON m.account_id = a.id WHERE m.team_id = ? ORDER BY label COLLATE NOCASE"
        )
        async with self._lock, self.db.execute(query, (team_id,)) as cursor:
            return [(r[0], bool(r[1])) async for r in cursor]

    async def team_sessions(self, team_id: str) -> list[tuple[str, str, str, str]]:
        """The team's sessions, newest first: id, title, created_at, phase."""
        query = (
            "SELECT id, title, created_at, phase FROM sessions WHERE team_id = ?"
            " ORDER BY created_at DESC"
        )
        async with self._lock, self.db.execute(query, (team_id,)) as cursor:
            return [(r[0], r[1], r[2], r[3]) async for r in cursor]

    async def team_of_session(self, session_id: str) -> str | None:
        query = "SELECT team_id FROM sessions WHERE id = ?"
        async with self._lock, self.db.execute(query, (session_id,)) as cursor:
            row = await cursor.fetchone()
        return row[0] if row else None
