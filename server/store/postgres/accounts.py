"""Facilitators, their teams, sign-ins and invites in PostgreSQL. Only hashes of passwords
(argon2, made by the web door) and of tokens are stored. E-mail addresses and team names
match in any case, as SQLite's COLLATE NOCASE has them."""

from __future__ import annotations

import asyncpg

from ...rules.records import Account, Team
from ..loaded import EmailTaken
from .identities import PostgresIdentities
from .register import changed

TEAMS_OF = (
    "SELECT t.id, t.name, t.created_at FROM teams t JOIN memberships m ON m.team_id = t.id"
    ' WHERE m.account_id = $1 ORDER BY t.name COLLATE "C"'
)


# A facilitator is shown by their address, or by their name when their school's account
# came without one (store/identities.py).
LABEL = "CASE WHEN a.name != '' THEN a.name ELSE a.email END"


class PostgresAccounts(PostgresIdentities):
    """The accounts part of the PostgreSQL store (mixed into PostgresStore)."""

    @property
    def pool(self) -> asyncpg.Pool[asyncpg.Record]:
        raise NotImplementedError  # the store's connections (PostgresStore.pool)

    async def account_count(self) -> int:
        return int(await self.pool.fetchval("SELECT count(*) FROM accounts"))

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
        async with self.pool.acquire() as db:
            try:
                async with db.transaction():
                    if is_new_team:
                        await db.execute(
                            "INSERT INTO teams (id, name, created_at) VALUES ($1, $2, $3)",
                            team.id,
                            team.name,
                            team.created_at,
                        )
                    await db.execute(
                        "INSERT INTO accounts (id, email, password_hash, is_admin, created_at)"
                        " VALUES ($1, $2, $3, $4, $5)",
                        account_id,
                        email,
                        password_hash,
                        is_admin,
                        created_at,
                    )
                    await db.execute(
                        "INSERT INTO memberships (account_id, team_id) VALUES ($1, $2)",
                        account_id,
                        team.id,
                    )
                    if is_admin:
                        for table in ("sessions", "saved_packs"):
                            await db.execute(
                                f"UPDATE {table} SET team_id = $1 WHERE team_id IS NULL", team.id
                            )
            except asyncpg.UniqueViolationError:
                raise EmailTaken(email) from None

    async def credentials(self, email: str) -> tuple[str, str] | None:
        """The account id and password hash for an e-mail address (any case)."""
        row = await self.pool.fetchrow(
            "SELECT id, password_hash FROM accounts WHERE lower(email) = lower($1)", email.strip()
        )
        return (row[0], row[1]) if row else None

    async def set_password(self, account_id: str, password_hash: str) -> None:
        """A new password signs every device out."""
        async with self.pool.acquire() as db, db.transaction():
            await db.execute(
                "UPDATE accounts SET password_hash = $1 WHERE id = $2", password_hash, account_id
            )
            await db.execute("DELETE FROM logins WHERE account_id = $1", account_id)

    async def add_login(self, token_hash: str, account_id: str, expires_at: str) -> None:
        await self.pool.execute(
            "INSERT INTO logins (token_hash, account_id, expires_at) VALUES ($1, $2, $3)",
            token_hash,
            account_id,
            expires_at,
        )

    async def remove_login(self, token_hash: str) -> None:
        await self.pool.execute("DELETE FROM logins WHERE token_hash = $1", token_hash)

    async def account_for_login(self, token_hash: str, now: str) -> Account | None:
        """The account signed in with this token, unless the sign-in expired."""
        async with self.pool.acquire() as db:
            row = await db.fetchrow(
                f"SELECT a.id, {LABEL}, a.is_admin, a.password_hash != '' FROM logins l"
                " JOIN accounts a ON a.id = l.account_id"
                " WHERE l.token_hash = $1 AND l.expires_at > $2",
                token_hash,
                now,
            )
            if row is None:
                return None
            teams = tuple(Team(*t) for t in await db.fetch(TEAMS_OF, row[0]))
        return Account(row[0], row[1], bool(row[2]), teams, bool(row[3]))

    async def add_invite(
        self, token_hash: str, team_id: str, is_admin: bool, expires_at: str
    ) -> None:
        await self.pool.execute(
            "INSERT INTO invites (token_hash, team_id, is_admin, expires_at)"
            " VALUES ($1, $2, $3, $4)",
            token_hash,
            team_id,
            is_admin,
            expires_at,
        )

    async def open_invite(self, token_hash: str, now: str) -> tuple[Team, bool] | None:
        """The team and admin right of an invite not used and not expired."""
        row = await self.pool.fetchrow(
            "SELECT t.id, t.name, t.created_at, i.is_admin FROM invites i JOIN teams t"
            " ON t.id = i.team_id WHERE i.token_hash = $1 AND i.used_at IS NULL"
            " AND i.expires_at > $2",
            token_hash,
            now,
        )
        return (Team(row[0], row[1], row[2]), bool(row[3])) if row else None

    async def use_invite(self, token_hash: str, now: str) -> bool:
        """Marks the invite used; False when it was used or expired meanwhile."""
        status = await self.pool.execute(
            "UPDATE invites SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL"
            " AND expires_at > $2",
            token_hash,
            now,
        )
        return changed(status)

    async def join_team(self, account_id: str, team_id: str) -> None:
        await self.pool.execute(
            "INSERT INTO memberships (account_id, team_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            account_id,
            team_id,
        )

    async def team_named(self, name: str) -> Team | None:
        row = await self.pool.fetchrow(
            "SELECT id, name, created_at FROM teams WHERE lower(name) = lower($1)", name
        )
        return Team(row[0], row[1], row[2]) if row else None

    async def create_team(self, team: Team, founder_id: str) -> bool:
        """A new team with its founder as member; False when a team has that name already
        (in any case), checked in the same transaction. The lock keeps two servers from
        making the same name at the same moment."""
        async with self.pool.acquire() as db, db.transaction():
            await db.execute("LOCK TABLE teams IN SHARE ROW EXCLUSIVE MODE")
            taken = await db.fetchval(
                "SELECT 1 FROM teams WHERE lower(name) = lower($1)", team.name
            )
            if taken is not None:
                return False
            await db.execute(
                "INSERT INTO teams (id, name, created_at) VALUES ($1, $2, $3)",
                team.id,
                team.name,
                team.created_at,
            )
            await db.execute(
                "INSERT INTO memberships (account_id, team_id) VALUES ($1, $2)",
                founder_id,
                team.id,
            )
        return True

    async def team_members(self, team_id: str) -> list[tuple[str, bool]]:
        """The team's facilitators: e-mail address (or name) and whether an admin, by it."""
        rows = await self.pool.fetch(
            f"SELECT {LABEL} AS label, a.is_admin FROM accounts a JOIN memberships m"
            f' ON m.account_id = a.id WHERE m.team_id = $1 ORDER BY lower({LABEL}) COLLATE "C"',
            team_id,
        )
        return [(r[0], bool(r[1])) for r in rows]

    async def team_sessions(self, team_id: str) -> list[tuple[str, str, str, str]]:
        """The team's sessions, newest first: id, title, created_at, phase."""
        rows = await self.pool.fetch(
            "SELECT id, title, created_at, phase FROM sessions WHERE team_id = $1"
            ' ORDER BY created_at COLLATE "C" DESC',
            team_id,
        )
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    async def team_of_session(self, session_id: str) -> str | None:
        team: str | None = await self.pool.fetchval(
            "SELECT team_id FROM sessions WHERE id = $1", session_id
        )
        return team
