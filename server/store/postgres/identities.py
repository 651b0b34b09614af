"""Sign-ins with a school's own account in PostgreSQL: identities linked to accounts, and
the requests that wait for an admin's approval (store/identities.py says what is kept)."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

import asyncpg

from ...rules.records import PendingSignIn, Team
from ..identities import IdentityTaken, placeholder_email
from ..loaded import EmailTaken
from .register import changed

if TYPE_CHECKING:
    from .database import Connection

PENDING_COLUMNS = "id, team_id, provider, email, name, requested_at"


class PostgresIdentities:
    """The identities part of the PostgreSQL store (mixed in with the accounts)."""

    @property
    def pool(self) -> asyncpg.Pool[asyncpg.Record]:
        raise NotImplementedError  # the store's connections (PostgresStore.pool)

    async def account_for_identity(self, subject_hash: str) -> str | None:
        found: str | None = await self.pool.fetchval(
            "SELECT account_id FROM identities WHERE subject_hash = $1", subject_hash
        )
        return found

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
        async with self.pool.acquire() as db, db.transaction():
            # Two first sign-ins of one person at once: the second waits, then finds the first.
            await db.execute("SELECT pg_advisory_xact_lock(hashtext($1))", subject_hash)
            found: str | None = await db.fetchval(
                "SELECT account_id FROM identities WHERE subject_hash = $1", subject_hash
            )
            if found is not None:
                return found
            await _insert_account(db, account_id, email, name, team.id, created_at)
            await db.execute(
                "INSERT INTO identities (subject_hash, account_id, provider, linked_at)"
                " VALUES ($1, $2, $3, $4)",
                subject_hash,
                account_id,
                provider,
                created_at,
            )
            await db.execute("DELETE FROM pending_identities WHERE subject_hash = $1", subject_hash)
        return account_id

    async def link_identity(
        self, account_id: str, subject_hash: str, provider: str, now: str
    ) -> None:
        async with self.pool.acquire() as db, db.transaction():
            status = await db.execute(
                "INSERT INTO identities (subject_hash, account_id, provider, linked_at)"
                " VALUES ($1, $2, $3, $4) ON CONFLICT (subject_hash) DO NOTHING",
                subject_hash,
                account_id,
                provider,
                now,
            )
            if not changed(status):
                owner = await db.fetchval(
                    "SELECT account_id FROM identities WHERE subject_hash = $1", subject_hash
                )
                if owner != account_id:
                    raise IdentityTaken
            await db.execute("DELETE FROM pending_identities WHERE subject_hash = $1", subject_hash)

    async def linked_providers(self, account_id: str) -> list[str]:
        rows = await self.pool.fetch(
            "SELECT provider FROM identities WHERE account_id = $1"
            " GROUP BY provider ORDER BY provider",
            account_id,
        )
        return [str(r[0]) for r in rows]

    async def linked_admin_count(self, providers: Collection[str]) -> int:
        return int(
            await self.pool.fetchval(
                "SELECT count(DISTINCT a.id) FROM accounts a JOIN identities i"
                " ON i.account_id = a.id WHERE a.is_admin AND i.provider = ANY($1::text[])",
                list(providers),
            )
        )

    async def request_approval(self, pending: PendingSignIn, subject_hash: str) -> None:
        await self.pool.execute(
            f"INSERT INTO pending_identities ({PENDING_COLUMNS}, subject_hash)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
            pending.id,
            pending.team_id,
            pending.provider,
            pending.email,
            pending.name,
            pending.requested_at,
            subject_hash,
        )

    async def pending_sign_ins(self, team_id: str) -> list[PendingSignIn]:
        rows = await self.pool.fetch(
            f"SELECT {PENDING_COLUMNS} FROM pending_identities WHERE team_id = $1"
            ' ORDER BY requested_at COLLATE "C", id COLLATE "C"',
            team_id,
        )
        return [PendingSignIn(*r) for r in rows]

    async def approve_sign_in(self, team_id: str, pending_id: str, account_id: str) -> bool:
        async with self.pool.acquire() as db, db.transaction():
            row = await db.fetchrow(
                f"DELETE FROM pending_identities WHERE id = $1 AND team_id = $2"
                f" RETURNING {PENDING_COLUMNS}, subject_hash",
                pending_id,
                team_id,
            )
            if row is None:
                return False
            pending = PendingSignIn(*list(row)[:6])
            await _insert_account(
                db, account_id, pending.email, pending.name, team_id, pending.requested_at
            )
            await db.execute(
                "INSERT INTO identities (subject_hash, account_id, provider, linked_at)"
                " VALUES ($1, $2, $3, $4)",
                row[6],
                account_id,
                pending.provider,
                pending.requested_at,
            )
        return True

    async def refuse_sign_in(self, team_id: str, pending_id: str) -> bool:
        status = await self.pool.execute(
            "DELETE FROM pending_identities WHERE id = $1 AND team_id = $2", pending_id, team_id
        )
        return changed(status)


async def _insert_account(
    db: Connection, account_id: str, email: str, name: str, team_id: str, now: str
) -> None:
    """An account without a password, a facilitator (not an admin) of the team; only the
    address is kept when there is one, else the name."""
    try:
        async with db.transaction():  # a savepoint: the caller's transaction stays usable
            await db.execute(
                "INSERT INTO accounts (id, email, name, password_hash, is_admin, created_at)"
                " VALUES ($1, $2, $3, '', FALSE, $4)",
                account_id,
                email or placeholder_email(account_id),
                "" if email else name,
                now,
            )
    except asyncpg.UniqueViolationError:
        raise EmailTaken(email) from None
    await db.execute(
        "INSERT INTO memberships (account_id, team_id) VALUES ($1, $2)", account_id, team_id
    )
