"""The database file, checked before the server listens: one clear line naming the path
when it is not Draagvlak's, cannot be opened, or lies in a folder that does not exist."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

from .schema import MIGRATIONS

# Tables every version of Draagvlak's schema has had since the first migration.
OWN_TABLES = frozenset({"sessions", "participants", "answers"})
# Seconds the health check (/healthz) waits for the open database to answer.
PING_TIMEOUT = 3.0


class StoreFileError(Exception):
    pass


def check_store_url(url: str) -> None:
    """The store named by `url` can be opened; raises StoreFileError saying why not."""
    if not url.startswith("sqlite:///"):
        raise StoreFileError(f"{url}: no store for this address; use a file path or sqlite:///path")
    path = url.removeprefix("sqlite:///")
    if path != ":memory:":
        check_sqlite_file(Path(path), len(MIGRATIONS))


def check_sqlite_file(path: Path, schema_version: int) -> None:
    """`path` is Draagvlak's database at `schema_version` or older, or there is none yet and
    its folder exists. A missing folder is an error rather than created: a typo in --db
    should not quietly start an empty database somewhere else."""
    folder = path.parent
    if not folder.is_dir():
        raise StoreFileError(f"{path}: the folder {folder} does not exist; create it first")
    if path.is_dir():
        raise StoreFileError(f"{path}: is a folder, not a database file")
    if not path.exists():
        if not os.access(folder, os.W_OK | os.X_OK):
            raise StoreFileError(f"{path}: cannot create the database: {folder} is not writable")
        return
    try:
        with closing(sqlite3.connect(path.resolve().as_uri() + "?mode=rw", uri=True)) as db:
            (version,) = db.execute("PRAGMA user_version").fetchone()
            tables = {
                name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            # Opening is not enough: the server must be able to write.
            db.execute("BEGIN IMMEDIATE")
            db.execute("ROLLBACK")
    except sqlite3.DatabaseError as error:
        if "not a database" in str(error):
            raise StoreFileError(f"{path}: not a database file; choose another --db") from None
        raise StoreFileError(f"{path}: cannot open the database: {error}") from None
    if version > schema_version:
        raise StoreFileError(
            f"{path}: made by a newer Draagvlak (schema {version}, this one knows up to"
            f" {schema_version}); upgrade Draagvlak or choose another --db"
        )
    if (version or tables) and not (version and tables >= OWN_TABLES):
        shown = ", ".join(sorted(tables)[:5]) + (", …" if len(tables) > 5 else "") or "none"
        raise StoreFileError(
            f"{path}: not a Draagvlak database (its tables: {shown}); choose another --db"
        )
