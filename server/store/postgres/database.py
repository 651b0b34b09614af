"""The PostgreSQL database itself: connections (with JSONB as Python values), the schema
brought up to date at start-up, one clear line when the database cannot be used, and the
rewrite that takes deleted rows off the disk."""

from __future__ import annotations

import json
import logging
import re
from typing import TYPE_CHECKING, TypeAlias

import asyncpg

from .schema import MIGRATIONS

log = logging.getLogger("draagvlak.store")

if TYPE_CHECKING:  # asyncpg's classes are generic in its stubs only
    from asyncpg.pool import PoolConnectionProxy

    # A connection of its own or one lent by the pool: both run the same statements.
    Connection: TypeAlias = asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]
    Pool: TypeAlias = asyncpg.Pool[asyncpg.Record]

# Any number unlikely to be another program's: migrating servers wait for each other.
MIGRATION_LOCK = 0x64726167
# Seconds the health check (/healthz) waits for a connection and its answer: a server
# that is gone (not refusing, just silent) must not hang it.
PING_TIMEOUT = 3.0


class DatabaseError(Exception):
    """The database cannot be reached or is not Draagvlak's; the message says which."""


def shown(url: str) -> str:
    """The URL without its password, fit for an error message or a log line."""
    return re.sub(r"://([^:/@]*):[^@]*@", r"://\1:***@", url)


async def prepare_connection(db: Connection) -> None:
    await db.set_type_codec(
        "jsonb",
        encoder=lambda value: json.dumps(value, ensure_ascii=False),
        decoder=json.loads,
        schema="pg_catalog",
    )


async def keep_session(db: Connection) -> None:
    """Nothing to reset when a connection goes back to the pool: ours leave no session
    state behind (no LISTEN, advisory locks only per transaction, a SET undone where it is
    made). The pool's default would cost a round trip each time; an open transaction is
    still rolled back."""


async def connect(url: str, max_size: int = 10) -> Pool:
    try:
        return await asyncpg.create_pool(
            url,
            min_size=1,
            max_size=max_size,
            init=prepare_connection,
            reset=keep_session,
            timeout=10,
        )
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        raise DatabaseError(f"{shown(url)}: cannot use the database: {error}") from None


async def ping(pool: Pool) -> None:
    """Returns when a connection is had and answers `SELECT 1`, each within PING_TIMEOUT;
    raises otherwise (TimeoutError, OSError or one of asyncpg's errors). A connection the
    server closed is replaced by the pool at the next acquire, so this shows when it is
    back."""
    db = await pool.acquire(timeout=PING_TIMEOUT)
    try:
        await db.fetchval("SELECT 1", timeout=PING_TIMEOUT)
    except BaseException:
        # Not lent again, and not waited for: cancelling its query would need the server.
        db.terminate()
        raise
    finally:
        await pool.release(db)


async def schema_version(db: Connection) -> int:
    """0 for an empty database; DatabaseError for one with other programs' tables."""
    tables = {
        row[0]
        for row in await db.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        )
    }
    if "schema_version" in tables:
        return int(await db.fetchval("SELECT version FROM schema_version"))
    if tables:
        listed = ", ".join(sorted(tables)[:5]) + (", …" if len(tables) > 5 else "")
        raise DatabaseError(f"not a Draagvlak database (its tables: {listed})")
    return 0


async def migrate(pool: Pool) -> None:
    """Applies the migrations this database has not had, each in its own transaction;
    servers starting at once take turns."""
    async with pool.acquire() as db:
        for number in range(1, len(MIGRATIONS) + 1):
            async with db.transaction():
                await db.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
                version = await schema_version(db)
                if version > len(MIGRATIONS):
                    raise DatabaseError(_newer(version))
                if version >= number:
                    continue
                if version == 0:
                    await db.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
                    await db.execute("INSERT INTO schema_version VALUES (0)")
                await db.execute(MIGRATIONS[number - 1])
                await db.execute("UPDATE schema_version SET version = $1", number)


async def check_database(url: str) -> None:
    """The database at `url` answers and is Draagvlak's (at this version or older) or
    empty; raises DatabaseError saying why not, before the server listens."""
    try:
        db = await asyncpg.connect(url, timeout=10)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        raise DatabaseError(f"{shown(url)}: cannot use the database: {error}") from None
    try:
        version = await schema_version(db)
    except DatabaseError as error:
        raise DatabaseError(f"{shown(url)}: {error}; choose another database") from None
    finally:
        await db.close()
    if version > len(MIGRATIONS):
        raise DatabaseError(f"{shown(url)}: {_newer(version)}")


def _newer(version: int) -> str:
    return (
        f"made by a newer Draagvlak (schema {version}, this one knows up to {len(MIGRATIONS)});"
        " upgrade Draagvlak or choose another database"
    )


async def rewrite(pool: Pool, tables: set[str]) -> bool:
    """Rewrites the tables and their indexes (VACUUM FULL): PostgreSQL keeps deleted and
    overwritten rows in the table's pages, and plain VACUUM only marks their space free,
    leaving the bytes. The rewrite locks each table while it runs, and gives up after a
    few seconds of waiting for another transaction (then the next rewrite does it)."""
    if not tables:
        return True
    async with pool.acquire() as db:
        try:
            await db.execute("SET lock_timeout = '5s'")
            await db.execute(f"VACUUM (FULL) {', '.join(sorted(tables))}")
        except asyncpg.LockNotAvailableError as error:
            log.warning("deleted rows stay on disk until the next rewrite: %s", error)
            return False
        finally:
            await db.execute("RESET lock_timeout")
    return True
